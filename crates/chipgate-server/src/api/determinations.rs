//! `POST /v1/classify`, `/v1/decide`, `/v1/screen`: one engine call each; the bodies are the
//! engine's report types, serialized as the CLI's `--format json` does.

use axum::extract::State;
use axum::response::Response;
use chipgate_engine::{ChipId, ChipRecord, Classification, ClearedScreen, Decision, NoLists};
use serde_json::{Map, Value};

use crate::dto::{ClassifyBody, DecideBody, ScreenBody};
use crate::error::{ApiError, Code};
use crate::extract::{json_bytes, ok, to_json_bytes, ApiJson, AppJson};
use crate::state::AppState;

/// Id given to a spec without one.
const SPEC_ID: &str = "spec";

/// The cache key: the endpoint, the lists' generation (a report made before the store's new
/// list snapshot was swapped in is not served after it) and the whole body, its date resolved.
fn cache_key<T: serde::Serialize>(state: &AppState, endpoint: &str, body: &T) -> Result<String, ApiError> {
    let body = serde_json::to_string(body).map_err(|e| ApiError::internal("cache key", &e))?;
    Ok(format!("{endpoint} {} {body}", state.engine().lists_generation()))
}

pub(crate) async fn classify(
    State(state): State<AppState>,
    AppJson(mut body): AppJson<ClassifyBody>,
) -> Result<Response, ApiError> {
    let date = *body.date.get_or_insert_with(|| state.today());
    let key = cache_key(&state, "classify", &body)?;
    if let Some(report) = state.cache().get(&key) {
        return Ok(json_bytes(report));
    }
    let record = resolve_item(&state, body.item.as_deref(), body.spec.as_ref())?;
    let report: Classification = state.engine().classify(&record, date)?;
    let bytes = to_json_bytes(&report)?;
    state.cache().insert(key, bytes.clone());
    Ok(json_bytes(bytes))
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    AppJson(mut body): AppJson<DecideBody>,
) -> Result<Response, ApiError> {
    let date = *body.date.get_or_insert_with(|| state.today());
    let key = cache_key(&state, "decide", &body)?;
    if let Some(report) = state.cache().get(&key) {
        return Ok(json_bytes(report));
    }
    let record = resolve_item(&state, body.item.as_deref(), body.spec.as_ref())?;
    let request = body.request;
    // As the CLI: the lists are consulted when there is a party to look up.
    // (The first look-up builds the list index: on the blocking pool.)
    let decision: Decision = if request.end_user.is_some() || request.consignee.is_some() || !request.owners.is_empty()
    {
        state
            .blocking(move |s| s.engine().decide(&record, &request, date).map_err(ApiError::from))
            .await?
    } else {
        state.engine().decider().decide(&record, &request, date, &NoLists)?
    };
    let bytes = to_json_bytes(&decision)?;
    state.cache().insert(key, bytes.clone());
    Ok(json_bytes(bytes))
}

pub(crate) async fn screen(
    State(state): State<AppState>,
    AppJson(body): AppJson<ScreenBody>,
) -> Result<ApiJson<ClearedScreen>, ApiError> {
    let today = state.today();
    let report = state
        .blocking(move |s| {
            s.engine()
                .screen_cleared(&body.name, body.country.as_deref(), body.threshold, today)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(ok(report))
}

/// The catalog record named by `item`, or the parsed `spec`.
pub(crate) fn resolve_item(state: &AppState, item: Option<&str>, spec: Option<&Value>) -> Result<ChipRecord, ApiError> {
    match (item, spec) {
        (Some(_), Some(_)) => Err(ApiError::field(
            Code::InvalidField,
            "spec",
            "give `item` or `spec`, not both",
        )),
        (None, None) => Err(ApiError::field(
            Code::MissingField,
            "item",
            "give `item` (a catalog id such as `nvidia-h20`) or `spec`",
        )),
        (Some(id), None) => Ok(state
            .engine()
            .classifier()
            .catalog()
            .get(id)
            .map_err(ApiError::from)?
            .clone()),
        (None, Some(spec)) => {
            let text = match spec {
                Value::String(text) => text.clone(),
                Value::Object(map) => json_to_toml(map)?,
                _ => {
                    return Err(ApiError::field(
                        Code::InvalidField,
                        "spec",
                        "`spec` must be the spec's TOML text or a JSON object",
                    ))
                }
            };
            let default_id: Option<ChipId> = SPEC_ID.parse().ok();
            let record = ChipRecord::from_toml(&text, "spec", default_id.as_ref()).map_err(|e| {
                ApiError::field(
                    Code::InvalidSpec,
                    format!("spec.{}", e.field),
                    format!("invalid spec: {e}"),
                )
            })?;
            state.engine().classifier().catalog().check_record(&record)?;
            Ok(record)
        }
    }
}

/// Writes a JSON object as a TOML document of inline values (nulls are left out), so a JSON
/// spec goes through the same parser and checks as a spec file.
fn json_to_toml(map: &Map<String, Value>) -> Result<String, ApiError> {
    let mut out = String::new();
    for (key, value) in map {
        if value.is_null() {
            continue;
        }
        out.push_str(&toml_key(key));
        out.push_str(" = ");
        inline(value, key, &mut out)?;
        out.push('\n');
    }
    Ok(out)
}

fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        key.to_owned()
    } else {
        serde_json::to_string(key).unwrap_or_default()
    }
}

fn inline(value: &Value, path: &str, out: &mut String) -> Result<(), ApiError> {
    match value {
        Value::Null => {
            return Err(ApiError::field(
                Code::InvalidSpec,
                format!("spec.{path}"),
                "null is not allowed inside a list",
            ))
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inline(item, &format!("{path}[{i}]"), out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            let mut first = true;
            for (key, item) in map {
                if item.is_null() {
                    continue;
                }
                out.push_str(if first { " " } else { ", " });
                first = false;
                out.push_str(&toml_key(key));
                out.push_str(" = ");
                inline(item, &format!("{path}.{key}"), out)?;
            }
            out.push_str(if first { "}" } else { " }" });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_specs_become_toml_documents() {
        let spec: Value = serde_json::json!({
            "name": "Test \"X\"",
            "vendor": "V",
            "datacenter": true,
            "notes": null,
            "throughput": { "fp8": 100, "bf16": 50.5 },
            "dies": [ { "area_mm2": 400, "count": 1, "non_planar": true } ],
        });
        let Value::Object(map) = spec else { unreachable!() };
        let text = json_to_toml(&map).unwrap();
        let record = ChipRecord::from_toml(&text, "spec", "spec".parse().ok().as_ref()).unwrap();
        assert_eq!(record.name, "Test \"X\"");
        assert_eq!(record.dies.len(), 1);
        assert!(!text.contains("notes"));
    }
}
