//! The route table: one [`Endpoint`] per method and path, carrying its handler, the role it
//! needs, its summary, query parameters and body schema. The router *and* the OpenAPI
//! document are built from this one table, so a route cannot exist undocumented or be
//! documented with a role it is not enforced with.
//!
//! The table lists the handlers of [`crate::api`] and hands itself to [`crate::openapi`];
//! neither imports it back (the document is served from here).

use std::sync::OnceLock;

use axum::http::Method;
use axum::response::Response;
use axum::routing::{delete, get, post, MethodRouter};
use chipgate_engine::{ChipRecord, Classification, ClearedScreen, Decision, OrderCheck, Timeline};
use chipgate_ledger::{
    AuditRecord, Hold, License, LicenseDetail, OrderRecord, ReviewItem, RouteResumed, RouteSuspension, VerifyReport,
};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;

use crate::api::{
    audit, catalog, determinations, licenses, orders, review, suspensions, system, tokens, Access, Endpoint, Param,
    Reply,
};
use crate::auth::{Caller, NewToken, Role, TokenInfo};
use crate::dto::{
    BodyRef, ClassifyBody, ClearBody, DecideBody, OrderCheckBody, ReasonBody, RouteBody, ScreenBody, TokenBody,
};
use crate::paging::Page;
use crate::state::AppState;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

fn text_schema(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({ "type": "string" })
}

fn openapi_schema(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({
        "type": "object",
        "description": "An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0).",
        "required": ["openapi", "info", "paths", "components"],
        "properties": {
            "openapi": { "type": "string", "const": "3.1.0" },
            "info": { "type": "object", "required": ["title", "version"] },
            "paths": { "type": "object" },
            "components": { "type": "object" },
        },
    })
}

const fn param(name: &'static str, kind: &'static str, description: &'static str) -> Param {
    Param {
        name,
        kind,
        format: "",
        choices: &[],
        description,
    }
}

const fn one_of(
    name: &'static str,
    kind: &'static str,
    choices: &'static [&'static str],
    description: &'static str,
) -> Param {
    Param {
        choices,
        ..param(name, kind, description)
    }
}

const DATE: Param = Param {
    name: "date",
    kind: "string",
    format: "date",
    choices: &[],
    description: "YYYY-MM-DD; default today (UTC).",
};

fn json<T: JsonSchema>(description: &'static str) -> Reply {
    Reply {
        status: 200,
        media: "application/json",
        schema: schema_of::<T>,
        description,
    }
}

fn created<T: JsonSchema>(description: &'static str) -> Reply {
    Reply {
        status: 201,
        media: "application/json",
        schema: schema_of::<T>,
        description,
    }
}

fn document_reply(description: &'static str) -> Reply {
    Reply {
        status: 200,
        media: "application/json",
        schema: openapi_schema,
        description,
    }
}

fn raw(media: &'static str, description: &'static str) -> Reply {
    Reply {
        status: 200,
        media,
        schema: text_schema,
        description,
    }
}

const LIMIT: Param = param("limit", "integer", "Items per page, 1 to 1000 (default 100).");
const CURSOR: Param = param(
    "cursor",
    "string",
    "Opaque: the `next` of the previous page; absent for the first page.",
);

const VIEWER: Access = Access::Role(Role::Viewer);
const OFFICER: Access = Access::Role(Role::Officer);
const ADMIN: Access = Access::Role(Role::Admin);

fn endpoint(
    method: Method,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
    reply: Reply,
) -> Endpoint {
    Endpoint {
        method,
        path,
        tag,
        summary,
        description: "",
        access,
        query: &[],
        body: None,
        reply,
        handler,
    }
}

impl Endpoint {
    pub(crate) fn describe(mut self, description: &'static str) -> Endpoint {
        self.description = description;
        self
    }
    pub(crate) fn query(mut self, query: &'static [Param]) -> Endpoint {
        self.query = query;
        self
    }
    pub(crate) fn body(mut self, body: BodyRef) -> Endpoint {
        self.body = Some(body);
        self
    }
}

/// Every endpoint, in documentation order.
#[rustfmt::skip] // A table: one entry per route, laid out by hand.
pub fn endpoints() -> Vec<Endpoint> {
    use Method as M;
    vec![
        // Determinations.
        endpoint(M::POST, "/v1/classify", "determinations", "Classify a chip (ECCN 3A090/4A090) on a date, with trace and headroom", OFFICER,
            post(determinations::classify),
            json::<Classification>("`Classification`: the same JSON as `chipgate classify ID --format json`."))
            .describe("Give `item` (a catalog id) or `spec` (the spec format of `--spec FILE`, as TOML text or a JSON object).")
            .body(BodyRef::of::<ClassifyBody>()),
        endpoint(M::POST, "/v1/decide", "determinations", "License determination for an item, destination, parties, end use and date", OFFICER,
            post(determinations::decide),
            json::<Decision>("`Decision`: the same JSON as `chipgate decide --format json`."))
            .describe("Parties are looked up exactly in the restricted-party lists when given (as the CLI does). Nothing is recorded; use `/v1/orders/check` to record.")
            .body(BodyRef::of::<DecideBody>()),
        endpoint(M::POST, "/v1/screen", "determinations", "Screen a party name against the restricted-party lists", OFFICER,
            post(determinations::screen),
            json::<ClearedScreen>("`ClearedScreen`: the same JSON as `chipgate screen NAME --format json`: hits with list, entry, matched alias, score and reasons, and `clearances`: the store's clearances of those hits for the stored party of exactly this name and country (`docs/review.md`)."))
            .body(BodyRef::of::<ScreenBody>()),
        // Orders.
        endpoint(M::POST, "/v1/orders/check", "orders", "Check an order line and record it: ship or hold, with the determination and screening", OFFICER,
            post(orders::check),
            json::<OrderCheck>("`OrderCheck`: the same JSON as `chipgate order check --format json` (`decision`, `screening`, `result`)."))
            .describe("`order_ref` is the idempotency key: re-checking returns the stored result (`result.replayed`) unless its hold was released, which re-evaluates it. Recorded in the audit trail under the token's name.")
            .body(BodyRef::of::<OrderCheckBody>()),
        endpoint(M::GET, "/v1/orders", "orders", "List checked orders, optionally by status", VIEWER,
            get(orders::list),
            json::<Page<OrderRecord>>("`Page<OrderRecord>`: `items` are the records of `chipgate order list --format json`."))
            .describe("Paged by key in check order (the audit seq of each order's latest check): orders checked between two fetches come on a later page, none is skipped or repeated; an order checked again after a release moves to the end.")
            .query(const { &[one_of("status", "string", &["shipped", "held", "released"], "`shipped`, `held` or `released`."), LIMIT, CURSOR] }),
        endpoint(M::GET, "/v1/orders/{order_ref}", "orders", "Show one order with its determination summary", VIEWER,
            get(orders::show),
            json::<OrderRecord>("`OrderRecord`.")),
        endpoint(M::POST, "/v1/orders/{order_ref}/release", "orders", "Release an order's hold (with a reason); check it again to ship", OFFICER,
            post(orders::release),
            json::<Hold>("`Hold`: the same JSON as `chipgate order release --format json`."))
            .body(BodyRef::of::<ReasonBody>()),
        endpoint(M::GET, "/v1/holds", "orders", "List holds on orders (open ones by default)", VIEWER,
            get(orders::holds),
            json::<orders::HoldPage>("`HoldPage`: `items` are `Hold`s, `counts` the holds of the requested status per reason kind."))
            .describe("The work queue. `counts` gives, for every reason kind, how many holds of the requested `status` have a reason of that kind, whatever `kind` filter was asked for.")
            .query(const { &[
                one_of("status", "string", &["open", "released", "all"], "`open` (default), `released` or `all`."),
                one_of("kind", "array", chipgate_ledger::HoldReason::KINDS, "Only holds with at least one reason of this kind (`screening_hit`, `indeterminate`, `route_suspended`, `no_covering_license`, `license_expired`, …); repeat it or separate kinds with commas for any of several."),
                one_of("sort", "string", &["priority", "newest", "oldest"], "`priority` (default: a `screening_hit` reason first, then `indeterminate`, then `route_suspended`, then the rest; newest first within each), `newest` or `oldest`."),
                LIMIT, CURSOR,
            ] }),
        // Review queue.
        endpoint(M::GET, "/v1/review", "review", "The review queue: parties' hits on list entries, open and escalated by default", VIEWER,
            get(review::list),
            json::<Page<ReviewItem>>("`Page<ReviewItem>`: `items` are the items of `chipgate review list --format json`."))
            .describe("Paged by key (party id, then entry key). A clearance past its expiry reads as `open`.")
            .query(const { &[
                one_of("state", "string", &["pending", "open", "escalated", "cleared", "all"], "`pending` (default: open and escalated), `open`, `escalated`, `cleared` or `all`."),
                param("list", "string", "Only hits on entries of this source list (code, e.g. `EL`, `SDN`, `OWN`)."),
                param("min_score", "number", "Only hits scoring at least this (0 to 1)."),
                param("age", "integer", "Only hits found in the last this many days."),
                Param { name: "since", description: "Only hits found on or after this day (YYYY-MM-DD); not with `age`.", ..DATE },
                param("party", "string", "Only this party's hits (its id or external id)."),
                LIMIT, CURSOR,
            ] }),
        endpoint(M::GET, "/v1/review/{party}/{entry_key}", "review", "One review item with its party, the list entry and the clearance history", VIEWER,
            get(review::show),
            json::<review::ReviewDetail>("`ReviewDetail`: `party`, `item` (a `ReviewItem`), `entry` (as the lists in use give it), `entry_hash_now`, `history` (every `review.clear` and `review.escalate`)."))
            .describe("`party` is the party's id or external id, `entry_key` the item's `entry_key` (URL-encoded). The web app's deep link `#/review/{party}/{entry_key}` opens it."),
        endpoint(M::POST, "/v1/review/{party}/{entry_key}/clear", "review", "Clear a hit as a false positive, with a reason and an optional expiry", OFFICER,
            post(review::clear),
            json::<ReviewItem>("`ReviewItem`: the same JSON as `chipgate review clear --format json`."))
            .describe("Tied to the content hash of the entry version hit: a later screening re-alerts when that entry changes. The reviewer is the token's name; recorded as `review.clear`. Determinations, screenings and order checks honour it from now on (`docs/review.md`).")
            .body(BodyRef::of::<ClearBody>()),
        endpoint(M::POST, "/v1/review/{party}/{entry_key}/escalate", "review", "Escalate a hit for a second look (withdraws its clearance)", OFFICER,
            post(review::escalate),
            json::<ReviewItem>("`ReviewItem`: the same JSON as `chipgate review escalate --format json`."))
            .describe("Recorded as `review.escalate` under the token's name.")
            .body(BodyRef::of::<ReasonBody>()),
        // Licenses.
        endpoint(M::GET, "/v1/licenses", "licenses", "List licenses with remaining quantity and value", VIEWER,
            get(licenses::list),
            json::<Page<License>>("`Page<License>`: `items` are the licenses of `chipgate license list --format json`."))
            .query(const { &[
                Param { description: "Status and expiry as of this date; default today (UTC).", ..DATE },
                one_of("status", "string", &["applied", "granted", "rejected", "suspended", "revoked", "expired"], "Only licenses with this status on that date: `applied`, `granted`, `rejected`, `suspended`, `revoked` or `expired`."),
                LIMIT, CURSOR,
            ] }),
        endpoint(M::POST, "/v1/licenses", "licenses", "Record a license (or an application)", ADMIN,
            post(licenses::add),
            created::<License>("`License`: the same JSON as `chipgate license add --format json`."))
            .body(BodyRef::of::<chipgate_ledger::NewLicense>()),
        endpoint(M::GET, "/v1/licenses/{number}", "licenses", "Show one license with its shipments", VIEWER,
            get(licenses::show),
            json::<LicenseDetail>("`LicenseDetail`: the same JSON as `chipgate license show --format json`."))
            .query(const { &[Param { description: "Status and expiry as of this date; default today (UTC).", ..DATE }] }),
        endpoint(M::POST, "/v1/licenses/{number}/grant", "licenses", "Grant an applied license", ADMIN,
            post(licenses::grant), json::<License>("`License`.")).body(BodyRef::of::<ReasonBody>()),
        endpoint(M::POST, "/v1/licenses/{number}/reject", "licenses", "Reject an applied license", ADMIN,
            post(licenses::reject), json::<License>("`License`.")).body(BodyRef::of::<ReasonBody>()),
        endpoint(M::POST, "/v1/licenses/{number}/suspend", "licenses", "Suspend a license: what it covers is held until resumed", ADMIN,
            post(licenses::suspend), json::<License>("`License`.")).body(BodyRef::of::<ReasonBody>()),
        endpoint(M::POST, "/v1/licenses/{number}/resume", "licenses", "Resume a suspended license", ADMIN,
            post(licenses::resume), json::<License>("`License`.")).body(BodyRef::of::<ReasonBody>()),
        endpoint(M::POST, "/v1/licenses/{number}/revoke", "licenses", "Revoke a license", ADMIN,
            post(licenses::revoke), json::<License>("`License`.")).body(BodyRef::of::<ReasonBody>()),
        // Route suspensions.
        endpoint(M::GET, "/v1/routes", "routes", "List route suspensions (item × destination)", VIEWER,
            get(suspensions::list),
            json::<Page<RouteSuspension>>("`Page<RouteSuspension>`: `items` are the suspensions of `chipgate route list --format json`."))
            .query(const { &[param("active", "boolean", "Only suspensions in force (default `false`: all)."), LIMIT, CURSOR] }),
        endpoint(M::POST, "/v1/routes/suspend", "routes", "Hold everything for an item (id or ECCN) to a destination until resumed", ADMIN,
            post(suspensions::suspend),
            json::<RouteSuspension>("`RouteSuspension`."))
            .body(BodyRef::of::<RouteBody>()),
        endpoint(M::POST, "/v1/routes/resume", "routes", "Resume a suspended route", ADMIN,
            post(suspensions::resume),
            json::<RouteResumed>("`RouteResumed`."))
            .body(BodyRef::of::<RouteBody>()),
        // Audit.
        endpoint(M::GET, "/v1/audit", "audit", "Read audit records by sequence number", VIEWER,
            get(audit::records),
            json::<Page<AuditRecord>>("`Page<AuditRecord>`: `items` are the records of `chipgate audit export --as jsonl`, without the retention date."))
            .query(const { &[
                param("from", "integer", "First seq (default 1)."),
                param("to", "integer", "Last seq (default: the newest)."),
                LIMIT, CURSOR,
            ] }),
        endpoint(M::GET, "/v1/audit/verify", "audit", "Verify the audit hash chain", VIEWER,
            get(audit::verify),
            json::<VerifyReport>("`VerifyReport`: the same JSON as `chipgate audit verify --format json`.")),
        // Reference data.
        endpoint(M::GET, "/v1/chips", "reference", "The chip catalog with TPP, performance density and classification on a date", VIEWER,
            get(catalog::chips),
            json::<Vec<catalog::ChipView>>("`ChipView[]`: id, name, vendor, kind, datacenter, tpp, performance_density, interconnect_gbs, outcome, eccn, paragraphs, ruleset."))
            .query(const { &[Param { description: "Classify as of this date; default today (UTC).", ..DATE }] }),
        endpoint(M::GET, "/v1/chips/{id}", "reference", "One catalog record with every figure, its quality mark and sources", VIEWER,
            get(catalog::chip),
            json::<ChipRecord>("`ChipRecord`: the same JSON as `chipgate chips show ID --format json`.")),
        endpoint(M::GET, "/v1/chips/{id}/timeline", "reference", "A chip's classification under every rule version", VIEWER,
            get(catalog::timeline),
            json::<Timeline>("`Timeline`: the same JSON as `chipgate timeline ID --format json`.")),
        endpoint(M::GET, "/v1/rules", "reference", "Rule versions with each paragraph's numeric thresholds", VIEWER,
            get(catalog::rules),
            json::<Vec<chipgate_engine::RuleVersionView>>("`RuleVersionView[]`: like `chipgate rules --format json`, with each paragraph's and exclusion's conditions flattened into `constraints` (fact, op, value), `flags` and `sets`."))
            .describe("The web app draws the 3A090 regions of the chip explorer from these constraints, so a new rule version redraws the chart without code."),
        // Tokens.
        endpoint(M::GET, "/v1/whoami", "tokens", "The calling token's name and role", VIEWER,
            get(tokens::whoami), json::<Caller>("`{\"name\":…,\"role\":…}`: the name recorded as the user of this token's actions.")),
        endpoint(M::GET, "/v1/tokens", "tokens", "List API tokens (names and roles, never secrets)", ADMIN,
            get(tokens::list), json::<Page<TokenInfo>>("`Page<TokenInfo>`."))
            .query(const { &[LIMIT, CURSOR] }),
        endpoint(M::POST, "/v1/tokens", "tokens", "Create an API token; the secret is in this response only", ADMIN,
            post(tokens::create), created::<NewToken>("`NewToken`: name, role, token (the secret), created."))
            .describe("Only the SHA-256 of the token is stored. Recorded in the audit trail as `token.create`.")
            .body(BodyRef::of::<TokenBody>()),
        endpoint(M::DELETE, "/v1/tokens/{name}", "tokens", "Revoke an API token", ADMIN,
            delete(tokens::revoke), json::<TokenInfo>("`TokenInfo` of the revoked token."))
            .describe("Recorded in the audit trail as `token.revoke`. `CHIPGATE_ADMIN_TOKEN` cannot be revoked here: unset it."),
        // System.
        endpoint(M::GET, "/healthz", "system", "Liveness: the process serves requests", Access::Public,
            get(system::healthz), json::<system::Health>("`{\"status\":\"ok\",\"engine_version\":…}`.")),
        endpoint(M::GET, "/metrics", "system", "Prometheus metrics: requests by route and status, latency histogram", Access::Public,
            get(system::metrics), raw("text/plain; version=0.0.4", "Prometheus text exposition.")),
        endpoint(M::GET, "/openapi.json", "system", "This API's OpenAPI 3.1 document, generated from the route table", Access::Public,
            get(serve_openapi), document_reply("OpenAPI 3.1 document.")),
        endpoint(M::GET, "/problems/{code}", "system", "What an error code means: the target of every problem's `type`", Access::Public,
            get(system::problem), raw("text/plain; charset=utf-8", "The code's title, status and meaning, as text.")),
        endpoint(M::GET, "/", "web", "The web app for compliance officers", Access::Public,
            get(system::index), raw("text/html; charset=utf-8", "The single page of the web app.")),
        endpoint(M::GET, "/app.js", "web", "The web app's script", Access::Public,
            get(system::script), raw("text/javascript; charset=utf-8", "Vanilla JavaScript, no build step.")),
        endpoint(M::GET, "/app.css", "web", "The web app's style sheet", Access::Public,
            get(system::style), raw("text/css; charset=utf-8", "CSS.")),
    ]
}

/// The OpenAPI 3.1 document of [`endpoints`].
pub fn openapi_document() -> Value {
    crate::openapi::document(&endpoints())
}

/// The generated part of `docs/api.md` for [`endpoints`].
pub fn reference_markdown() -> String {
    crate::openapi::reference_markdown(&endpoints())
}

/// The document as served (built once).
fn openapi_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| serde_json::to_vec_pretty(&openapi_document()).unwrap_or_default())
}

async fn serve_openapi() -> Response {
    system::json_document(openapi_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_and_request_schemas_have_distinct_names() {
        let mut generator = crate::openapi::generator();
        let mut bodies = std::collections::BTreeSet::new();
        for e in endpoints() {
            let _ = (e.reply.schema)(&mut generator);
            bodies.extend(e.body.map(|b| b.name));
        }
        for name in generator.take_definitions(false).keys() {
            assert!(
                !bodies.contains(name.as_str()),
                "`{name}` names a response type and a request body"
            );
            assert!(
                !name.ends_with(char::is_numeric),
                "`{name}`: two response types share a name"
            );
        }
    }
}
