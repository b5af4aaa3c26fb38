//! Request bodies: plain serde structs with `deny_unknown_fields`, each with its JSON Schema
//! for the OpenAPI document. A test checks that every schema lists exactly the fields serde
//! accepts (serde names them in its unknown-field error), so the two cannot drift.

use chipgate_engine::Date;
use chipgate_ledger::NewLicense;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::auth::Role;
use crate::error::ApiError;

/// A request body type with its schema.
pub trait BodySchema: DeserializeOwned {
    /// Component name in the OpenAPI document.
    const NAME: &'static str;
    /// JSON Schema (OpenAPI 3.1 dialect).
    fn schema() -> Value;
}

/// A body type as the route table stores it.
#[derive(Clone, Copy, Debug)]
pub struct BodyRef {
    /// Component name.
    pub name: &'static str,
    /// Its schema.
    pub schema: fn() -> Value,
    /// Parses a body with the real type (for the drift test).
    pub probe: fn(&[u8]) -> Result<(), ApiError>,
}

impl BodyRef {
    /// The entry for `T`.
    pub fn of<T: BodySchema>() -> BodyRef {
        BodyRef {
            name: T::NAME,
            schema: T::schema,
            probe: |bytes| crate::extract::parse_json::<T>(bytes).map(|_| ()),
        }
    }
}

fn object(fields: &[(&str, Value)], required: &[&str]) -> Value {
    let mut properties = Map::new();
    for (name, schema) in fields {
        properties.insert((*name).to_owned(), schema.clone());
    }
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

fn text(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn optional_text(description: &str) -> Value {
    json!({ "type": ["string", "null"], "description": description })
}

fn date(description: &str) -> Value {
    json!({ "type": ["string", "null"], "format": "date", "description": description })
}

fn party_fields() -> Vec<(&'static str, Value)> {
    vec![
        (
            "destination",
            text("Destination: ISO 3166-1 alpha-2 code or country name."),
        ),
        (
            "end_user",
            optional_text("End user name (screened; exact Entity List look-up)."),
        ),
        (
            "consignee",
            optional_text("Consignee name (screened; exact Entity List look-up)."),
        ),
        (
            "end_user_hq",
            optional_text("Where the end user is headquartered (ISO code or name)."),
        ),
        (
            "parent_hq",
            optional_text("Where its ultimate parent is headquartered."),
        ),
        (
            "end_use",
            optional_text("End use: ids of the end-use vocabulary (`military`, `military_intelligence`, `supercomputer`, `advanced_node_ic_production`, `ai_training_for_military`, `technical_evaluation`, `civil`), comma-separated, or free text (unmapped text leaves the end-use rules undecided)."),
        ),
        (
            "region",
            optional_text("Region of the destination where the rules distinguish them (Ukraine: `crimea`, `dnr`, `lnr`, `other`)."),
        ),
        (
            "eccn",
            optional_text("The item's ECCN outside 3A090/4A090 as classified by the exporter (e.g. `5A992.c`), or `EAR99`."),
        ),
        (
            "us_person",
            json!({ "type": ["boolean", "null"], "description": "Whether a US person performs or supports the transaction (15 CFR 744.6)." }),
        ),
        (
            "owners",
            json!({
                "type": "array",
                "description": "Ownership of the parties (Affiliates rule): each `owner` holds `percent` (0-100, null when not known) of `party` (absent: the end user).",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["owner"],
                    "properties": {
                        "party": { "type": ["string", "null"] },
                        "owner": { "type": "string" },
                        "percent": { "type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 100 },
                        "source": { "type": ["string", "null"] }
                    }
                }
            }),
        ),
        (
            "exporter",
            optional_text("Exporter; defaults to the item's manufacturer."),
        ),
        (
            "as_written",
            json!({ "type": "boolean", "default": false, "description": "Evaluate provisions BIS does not enforce as if enforced." }),
        ),
        ("date", date("Date to decide for, YYYY-MM-DD; default today (UTC).")),
    ]
}

fn item_fields() -> Vec<(&'static str, Value)> {
    vec![
        (
            "item",
            optional_text("Catalog id, e.g. `nvidia-h20` (give `item` or `spec`)."),
        ),
        (
            "spec",
            json!({
                "description": "A chip spec instead of a catalog id: the TOML text of the spec format (README), or the same fields as a JSON object.",
                "oneOf": [ { "type": "string" }, { "type": "object" } ],
            }),
        ),
    ]
}

/// `POST /v1/classify`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyBody {
    /// Catalog id.
    #[serde(default)]
    pub item: Option<String>,
    /// A spec (TOML text or JSON object).
    #[serde(default)]
    pub spec: Option<Value>,
    /// Date; default today.
    #[serde(default)]
    pub date: Option<Date>,
}

impl BodySchema for ClassifyBody {
    const NAME: &'static str = "ClassifyRequest";
    fn schema() -> Value {
        let mut fields = item_fields();
        fields.push(("date", date("Date to classify for, YYYY-MM-DD; default today (UTC).")));
        object(&fields, &[])
    }
}

/// `POST /v1/decide`: the item (or a spec), the date, and the order's determination fields
/// (`chipgate_decide::Request`, flattened: declared once for every front-end).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecideBody {
    /// Catalog id.
    #[serde(default)]
    pub item: Option<String>,
    /// A spec (TOML text or JSON object).
    #[serde(default)]
    pub spec: Option<Value>,
    /// Date; default today.
    #[serde(default)]
    pub date: Option<Date>,
    /// Destination, quantity, parties, headquarters, end use, owners, …
    #[serde(flatten, deserialize_with = "chipgate_engine::strict_fields")]
    pub request: chipgate_engine::Request,
}

impl BodySchema for DecideBody {
    const NAME: &'static str = "DecideRequest";
    fn schema() -> Value {
        let mut fields = item_fields();
        fields.push((
            "quantity",
            json!({ "type": ["integer", "null"], "minimum": 1, "description": "Units (recorded)." }),
        ));
        fields.extend(party_fields());
        object(&fields, &["destination"])
    }
}

/// `POST /v1/screen`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenBody {
    /// The name.
    pub name: String,
    /// The party's country (ISO alpha-2).
    #[serde(default)]
    pub country: Option<String>,
    /// Minimum score, 0..1.
    #[serde(default)]
    pub threshold: Option<f64>,
}

impl BodySchema for ScreenBody {
    const NAME: &'static str = "ScreenRequest";
    fn schema() -> Value {
        object(
            &[
                ("name", text("The party name to screen.")),
                (
                    "country",
                    optional_text("The party's country, ISO 3166-1 alpha-2 (a signal for the score)."),
                ),
                (
                    "threshold",
                    json!({ "type": ["number", "null"], "minimum": 0, "maximum": 1, "description": "Minimum score of a hit (default 0.80)." }),
                ),
            ],
            &["name"],
        )
    }
}

/// `POST /v1/orders/check`: the engine's order request, as the worker's message is.
pub type OrderCheckBody = chipgate_engine::OrderCheckRequest;

impl BodySchema for OrderCheckBody {
    const NAME: &'static str = "OrderCheckRequest";
    fn schema() -> Value {
        let mut fields = vec![
            (
                "order_ref",
                text("Your order reference: the idempotency key (a re-check returns the stored result)."),
            ),
            ("item", text("Catalog id, e.g. `nvidia-h20`.")),
            (
                "quantity",
                json!({ "type": "integer", "minimum": 1, "description": "Units." }),
            ),
            (
                "unit_value_usd",
                json!({ "type": ["number", "null"], "minimum": 0, "description": "Value of one unit in US dollars." }),
            ),
            ("license", optional_text("Ship against this license only.")),
            (
                "exception",
                optional_text("License exception chosen when one is available, e.g. `NAC`."),
            ),
            (
                "backdated",
                optional_text(
                    "Why an order dated before today is recorded now: required when it would ship against a license that has expired by today (error `invalid_field`, field `backdated`, without it); recorded in the audit record.",
                ),
            ),
        ];
        fields.extend(party_fields());
        object(&fields, &["order_ref", "item", "quantity", "destination"])
    }
}

/// A change that needs a reason: hold release, license grant/suspend/…
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why (recorded in the audit trail).
    pub reason: String,
}

impl BodySchema for ReasonBody {
    const NAME: &'static str = "Reason";
    fn schema() -> Value {
        object(&[("reason", text("Why; recorded in the audit trail."))], &["reason"])
    }
}

/// `POST /v1/review/{party}/{entry_key}/clear`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClearBody {
    /// Why the hit is not a match (recorded).
    pub reason: String,
    /// The last day the clearance holds (`YYYY-MM-DD`); none: no expiry.
    #[serde(default)]
    pub expires: Option<String>,
}

impl BodySchema for ClearBody {
    const NAME: &'static str = "ClearRequest";
    fn schema() -> Value {
        object(
            &[
                (
                    "reason",
                    text("Why the hit is not a match; recorded in the audit trail."),
                ),
                (
                    "expires",
                    date("The last day the clearance holds (YYYY-MM-DD, not before today); absent: no expiry."),
                ),
            ],
            &["reason"],
        )
    }
}

/// `POST /v1/routes/suspend` and `/v1/routes/resume`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteBody {
    /// Item id or ECCN paragraph.
    pub item: String,
    /// Destination (ISO alpha-2).
    pub destination: String,
    /// Why.
    pub reason: String,
}

impl BodySchema for RouteBody {
    const NAME: &'static str = "RouteChange";
    fn schema() -> Value {
        object(
            &[
                ("item", text("Item id or ECCN paragraph (e.g. `3A090.a`).")),
                ("destination", text("Destination, ISO 3166-1 alpha-2.")),
                ("reason", text("Why; recorded in the audit trail.")),
            ],
            &["item", "destination", "reason"],
        )
    }
}

/// `POST /v1/tokens`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// Unique name (the user recorded for its actions).
    pub name: String,
    /// Role.
    pub role: Role,
}

impl BodySchema for TokenBody {
    const NAME: &'static str = "TokenRequest";
    fn schema() -> Value {
        object(
            &[
                (
                    "name",
                    text("Unique name, 1 to 64 of a-z, 0-9, `.`, `_`, `-`: the user recorded in the audit trail."),
                ),
                (
                    "role",
                    json!({ "type": "string", "enum": ["viewer", "officer", "admin"] }),
                ),
            ],
            &["name", "role"],
        )
    }
}

/// `POST /v1/licenses`: the ledger's own input type.
impl BodySchema for NewLicense {
    const NAME: &'static str = "NewLicense";
    fn schema() -> Value {
        object(
            &[
                ("number", text("License number, unique.")),
                ("holder", text("License holder (exporter).")),
                (
                    "items",
                    json!({ "type": "array", "items": { "type": "string" }, "description": "Item ids or ECCN paragraphs covered." }),
                ),
                (
                    "destinations",
                    json!({ "type": "array", "items": { "type": "string" }, "description": "Destinations covered, ISO alpha-2." }),
                ),
                ("consignee", optional_text("Consignee named on the license.")),
                ("end_user", optional_text("End user named on the license.")),
                (
                    "quantity_cap",
                    json!({ "type": "integer", "minimum": 1, "description": "Quantity cap (units)." }),
                ),
                (
                    "value_cap_cents",
                    json!({ "type": ["integer", "null"], "minimum": 0, "description": "Value cap in US cents." }),
                ),
                ("valid_from", json!({ "type": "string", "format": "date" })),
                ("valid_to", json!({ "type": "string", "format": "date" })),
                (
                    "conditions",
                    json!({
                        "type": "array",
                        "description": "Conditions: `{\"kind\":\"revenue_share\",\"percent\":15}`, `{\"kind\":\"inspection\",\"text\":…}`, `{\"kind\":\"text\",\"text\":…}`.",
                        "items": { "type": "object" },
                    }),
                ),
                (
                    "status",
                    json!({ "type": "string", "enum": ["applied", "granted", "rejected", "suspended", "revoked"] }),
                ),
            ],
            &[
                "number",
                "holder",
                "items",
                "destinations",
                "quantity_cap",
                "valid_from",
                "valid_to",
                "status",
            ],
        )
    }
}
