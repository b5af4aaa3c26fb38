//! The order request every front-end takes: the HTTP order-check body and the worker's
//! message are [`OrderCheckRequest`]; the HTTP decide body flattens the same
//! [`Request`](chipgate_decide::Request); the CLI's flags and the batch's columns fill it. A new
//! order field is declared once, in `chipgate_decide::Request` (or here for the order's own
//! fields), plus its renderers.

use chipgate_decide::Request;
use chipgate_model::Date;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};

use crate::{EngineError, OrderLine};

/// Reads the flattened part of a JSON body strictly: every field the outer type does not
/// take must belong to `T` (its `deny_unknown_fields` holds), and an error names the field
/// (serde loses the path inside a flattened field; this puts it in the message as
/// `` `field`: … ``).
///
/// Use as `#[serde(flatten, deserialize_with = "chipgate_engine::strict_fields")]`.
pub fn strict_fields<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let rest = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
    serde_path_to_error::deserialize(serde_json::Value::Object(rest)).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            D::Error::custom(e.into_inner())
        } else {
            D::Error::custom(format!("`{path}`: {}", e.into_inner()))
        }
    })
}

/// One order line to check and record: the order's own fields and, flattened, the
/// determination's request. The body of `POST /v1/orders/check` and the worker's message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderCheckRequest {
    /// Order reference: the idempotency key in the ledger.
    pub order_ref: String,
    /// Catalog id.
    pub item: String,
    /// Destination, parties, headquarters, end use, owners, quantity (`quantity`, or `qty`).
    #[serde(flatten, deserialize_with = "strict_fields")]
    pub request: Request,
    /// Shipment date (default: the day it is checked, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// Value of one unit, US dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_value_usd: Option<f64>,
    /// Ship against this license only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// License exception chosen when one is available (e.g. `NAC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    /// Why an order dated before today is recorded now: required when it would ship against
    /// a license that has expired by today; recorded in the audit record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backdated: Option<String>,
}

/// The largest unit value accepted, US dollars.
const MAX_UNIT_VALUE_USD: f64 = 1e15;

impl OrderCheckRequest {
    /// The order line to check: the quantity is required, the unit value becomes cents.
    pub fn line(&self) -> Result<OrderLine, EngineError> {
        let quantity = self.request.quantity.ok_or_else(|| EngineError::Invalid {
            field: "quantity".to_owned(),
            message: "missing: give the number of units".to_owned(),
        })?;
        Ok(OrderLine {
            order_ref: self.order_ref.clone(),
            request: self.request.clone(),
            quantity,
            unit_value_cents: unit_value_cents(self.unit_value_usd)?,
            license: self.license.clone(),
            exception: self.exception.clone(),
            backdated: self.backdated.clone(),
        })
    }
}

/// US dollars to cents, refusing what is not a price.
pub fn unit_value_cents(usd: Option<f64>) -> Result<Option<i64>, EngineError> {
    match usd {
        None => Ok(None),
        Some(v) if !v.is_finite() || !(0.0..=MAX_UNIT_VALUE_USD).contains(&v) => Err(EngineError::Invalid {
            field: "unit_value_usd".to_owned(),
            message: format!("must be zero or more, got `{v}`"),
        }),
        #[allow(clippy::cast_possible_truncation, reason = "bounded above: at most 1e17 cents")]
        Some(v) => Ok(Some((v * 100.0).round() as i64)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, reason = "test code: failures panic loudly")]
    use super::*;

    fn parse(json: &str) -> Result<OrderCheckRequest, String> {
        let mut de = serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(&mut de).map_err(|e| e.inner().to_string())
    }

    #[test]
    fn flattened_fields_are_read_and_written_back() {
        let json = r#"{"order_ref":"A-1","item":"nvidia-h20","qty":3,"destination":"CN","end_user_hq":"CN","date":"2025-05-01","owners":[{"owner":"X","percent":60.0}]}"#;
        let r = parse(json).unwrap();
        assert_eq!(r.request.quantity, Some(3));
        assert_eq!(r.request.end_user_hq.as_deref(), Some("CN"));
        assert_eq!(r.request.owners.len(), 1);
        assert_eq!(r.date.map(|d| d.to_string()).as_deref(), Some("2025-05-01"));
        let back = serde_json::to_string(&r).unwrap();
        assert_eq!(parse(&back).unwrap(), r, "{back}");
    }

    #[test]
    fn unknown_and_mistyped_fields_are_named() {
        let e = parse(r#"{"order_ref":"A","item":"x","destination":"CN","end_usr":"Y"}"#).unwrap_err();
        assert!(e.starts_with("`end_usr`: unknown field `end_usr`"), "{e}");
        let e = parse(r#"{"order_ref":"A","item":"x","destination":"CN","us_person":"yes"}"#).unwrap_err();
        assert!(e.starts_with("`us_person`: invalid type"), "{e}");
        let e = parse(r#"{"order_ref":"A","item":"x"}"#).unwrap_err();
        assert!(e.starts_with("missing field `destination`"), "{e}");
    }

    #[test]
    fn an_order_line_needs_a_quantity_and_a_price_that_is_one() {
        let mut r = parse(r#"{"order_ref":"A","item":"x","destination":"CN"}"#).unwrap();
        match r.line() {
            Err(EngineError::Invalid { field, .. }) => assert_eq!(field, "quantity"),
            other => panic!("{other:?}"),
        }
        r.request.quantity = Some(2);
        r.unit_value_usd = Some(-1.0);
        match r.line() {
            Err(EngineError::Invalid { field, .. }) => assert_eq!(field, "unit_value_usd"),
            other => panic!("{other:?}"),
        }
        r.unit_value_usd = Some(12.345);
        assert_eq!(r.line().unwrap().unit_value_cents, Some(1235));
    }
}
