//! The OpenAPI document covers every route of the router with a summary and its role; request
//! schemas list exactly the fields serde accepts; `docs/api.md` carries the generated route
//! and error tables; every 2xx response has a typed schema; `docs/openapi.json` is the served
//! document. Set `CHIPGATE_BLESS=1` to rewrite `docs/api.md`'s generated part and
//! `docs/openapi.json`.
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests")]

mod common;

use std::collections::BTreeSet;

use axum::http::Method;
use chipgate_server::api::Access;
use chipgate_server::routes::endpoints;
use common::{app, concrete};
use serde_json::{json, Value};

#[tokio::test]
async fn every_route_is_served_and_documented_with_a_summary_and_its_role() {
    let app = app();
    let document = app.send(Method::GET, "/openapi.json", None, None, None).await;
    assert_eq!(document.status, 200);
    let doc = &document.body;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = 0;
    for e in endpoints() {
        let method = e.method.as_str().to_ascii_lowercase();
        let op = &doc["paths"][e.path][&method];
        assert!(op.is_object(), "{} {} is not in /openapi.json", e.method, e.path);
        let summary = op["summary"].as_str().unwrap_or("");
        assert!(summary.len() > 10, "{} {} has no summary", e.method, e.path);
        assert!(op["description"].as_str().is_some_and(|d| d.contains("Requires:")));
        match e.access {
            Access::Public => assert_eq!(op["security"], Value::Array(vec![])),
            Access::Role(role) => assert_eq!(op["x-required-role"], role.as_str()),
        }
        if let Some(body) = &e.body {
            let reference = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap();
            assert_eq!(reference, format!("#/components/schemas/{}", body.name));
            assert!(doc["components"]["schemas"][body.name].is_object());
        }
        // Served: the router knows the route (no route_not_found, no 405).
        let reply = app
            .send(e.method.clone(), &concrete(e.path), Some(&app.admin), None, None)
            .await;
        assert_ne!(reply.body["code"], "route_not_found", "{} {}", e.method, e.path);
        assert_ne!(reply.status, 405, "{} {}", e.method, e.path);
        documented += 1;
    }
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|m| m.as_object().unwrap().len())
        .sum();
    assert_eq!(operations, documented, "the document has operations the table does not");
    let ids: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|m| {
            m.as_object()
                .unwrap()
                .values()
                .map(|op| op["operationId"].as_str().unwrap())
        })
        .collect();
    assert_eq!(ids.len(), documented, "operation ids are unique");
}

/// serde's unknown-field message lists every field it accepts: the schema must list the same.
#[test]
fn request_schemas_list_exactly_the_fields_serde_accepts() {
    let mut seen = BTreeSet::new();
    for e in endpoints() {
        let Some(body) = e.body else { continue };
        if !seen.insert(body.name) {
            continue;
        }
        // The required fields given (an outer struct reports a missing field before its
        // flattened part sees the unknown one), plus one field no struct has.
        let schema = (body.schema)();
        let mut probe = serde_json::Map::new();
        for required in schema["required"].as_array().unwrap() {
            let name = required.as_str().unwrap();
            let sample = match schema["properties"][name]["type"].as_str() {
                Some("integer") => serde_json::json!(1),
                _ => serde_json::json!("x"),
            };
            probe.insert(name.to_owned(), sample);
        }
        probe.insert("__probe__".to_owned(), serde_json::json!(1));
        let error = (body.probe)(serde_json::Value::Object(probe).to_string().as_bytes()).unwrap_err();
        let accepted: BTreeSet<String> = error
            .message
            .split_once("expected")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).map(str::to_owned).collect())
            .unwrap_or_default();
        let documented: BTreeSet<String> = schema["properties"].as_object().unwrap().keys().cloned().collect();
        // A body that flattens the order request (`chipgate_decide::Request`) lists only the
        // flattened fields in that message (and the alias `qty` of `quantity`, read for the
        // worker's messages, undocumented): each must be documented, and each documented
        // field must be one serde takes.
        for field in accepted.iter().filter(|f| f.as_str() != "qty") {
            assert!(documented.contains(field), "schema {} lacks `{field}`", body.name);
        }
        for field in &documented {
            if let Err(e) = (body.probe)(format!(r#"{{"{field}": null}}"#).as_bytes()) {
                assert!(
                    !e.message.contains(&format!("unknown field `{field}`")),
                    "schema {} documents `{field}`, which its struct refuses",
                    body.name
                );
            }
        }
        assert!(!accepted.is_empty(), "{}: {}", body.name, error.message);
        assert_eq!(schema["additionalProperties"], false, "{}", body.name);
        for required in schema["required"].as_array().unwrap() {
            assert!(
                documented.contains(required.as_str().unwrap()),
                "{}: {required}",
                body.name
            );
        }
    }
    assert!(seen.len() >= 7);
}

#[test]
fn docs_api_md_carries_the_generated_reference() {
    const START: &str = "<!-- generated by chipgate-server: routes and error codes -->\n";
    const END: &str = "<!-- end of generated part -->";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = text
        .split_once(START)
        .expect("docs/api.md lacks the generated-part marker");
    let (_, tail) = rest.split_once(END).expect("docs/api.md lacks the end marker");
    let fresh = format!(
        "{head}{START}{}{END}{tail}",
        chipgate_server::routes::reference_markdown()
    );
    if std::env::var_os("CHIPGATE_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    assert!(
        text == fresh,
        "docs/api.md is out of date with the route table: run `CHIPGATE_BLESS=1 cargo test -p chipgate-server --test openapi`"
    );
}

/// Every 2xx response has a schema derived from its Rust type: none is a bare object or
/// array, and every `$ref` resolves.
#[test]
fn every_success_response_has_a_typed_schema() {
    let doc = chipgate_server::routes::openapi_document();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut checked = 0;
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                if !status.starts_with('2') {
                    continue;
                }
                let content = response["content"].as_object().unwrap();
                assert_eq!(content.len(), 1, "{method} {path}");
                let schema = &content.values().next().unwrap()["schema"];
                let resolved = match schema["$ref"].as_str() {
                    Some(reference) => {
                        let name = reference.strip_prefix("#/components/schemas/").unwrap();
                        schemas
                            .get(name)
                            .unwrap_or_else(|| panic!("{method} {path}: {reference} is not defined"))
                    }
                    None => schema,
                };
                let bare = |s: &Value| {
                    let keys: BTreeSet<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
                    keys.iter().all(|k| ["type", "description", "title"].contains(k))
                        && (s["type"] == "object" || s["type"] == "array")
                };
                assert!(!bare(resolved), "{method} {path} {status}: bare schema {resolved}");
                if resolved["type"] == "object" {
                    assert!(
                        resolved["properties"].is_object(),
                        "{method} {path}: no properties: {resolved}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 36, "{checked}");
    // Every reference anywhere in the document resolves.
    let text = serde_json::to_string(&doc).unwrap();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let reference = reference.split('"').next().unwrap();
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{reference}"));
        assert!(schemas.contains_key(name), "unresolved {reference}");
    }
}

/// `docs/openapi.json` is the served document. Regenerate it (and `docs/api.md`'s route
/// table) with `CHIPGATE_BLESS=1 cargo test -p chipgate-server --test openapi`.
#[tokio::test]
async fn the_checked_in_document_is_the_served_one() {
    let app = app();
    let served = app.send(Method::GET, "/openapi.json", None, None, None).await;
    assert_eq!(served.status, 200);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let fresh = format!("{}\n", served.text);
    if std::env::var_os("CHIPGATE_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "docs/openapi.json is not the served document: run `CHIPGATE_BLESS=1 cargo test -p chipgate-server --test openapi`"
    );
}

/// Whether `value` conforms to `schema` (the subset of JSON Schema the derived schemas use:
/// `$ref`, `type`, `properties`, `required`, `additionalProperties`, `items`, `oneOf`,
/// `anyOf`, `allOf`, `const`, `enum`).
fn conforms(value: &Value, schema: &Value, defs: &Value, at: &str) -> Result<(), String> {
    if schema == &Value::Bool(true) || schema.as_object().is_some_and(|o| o.is_empty()) {
        return Ok(());
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        conforms(value, &defs[name], defs, at)?;
    }
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = |t: &str| match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        };
        if !names.iter().any(|t| fits(t)) {
            return Err(format!("{at}: {value} is not {types}"));
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            return Err(format!("{at}: {value} is not {constant}"));
        }
    }
    if let Some(choices) = schema["enum"].as_array() {
        if !choices.contains(value) {
            return Err(format!("{at}: {value} is not one of {choices:?}"));
        }
    }
    for all in schema["allOf"].as_array().into_iter().flatten() {
        conforms(value, all, defs, at)?;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let errors: Vec<String> = options
                .iter()
                .filter_map(|o| conforms(value, o, defs, at).err())
                .collect();
            if errors.len() == options.len() {
                return Err(format!("{at}: no {key} option fits: {errors:?}"));
            }
        }
    }
    if let (Some(object), Some(properties)) = (value.as_object(), schema["properties"].as_object()) {
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap();
            if !object.contains_key(name) {
                return Err(format!("{at}: `{name}` is required but missing"));
            }
        }
        for (name, item) in object {
            match properties.get(name) {
                Some(sub) => conforms(item, sub, defs, &format!("{at}.{name}"))?,
                None if schema["additionalProperties"] == Value::Bool(false) => {
                    return Err(format!("{at}: `{name}` is not in the schema"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(sub)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            conforms(item, sub, defs, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// Real answers of every JSON route conform to the schema the document gives them.
#[tokio::test]
async fn real_responses_conform_to_their_documented_schemas() {
    let app = app();
    let doc = chipgate_server::routes::openapi_document();
    let defs = &doc["components"]["schemas"];
    let post = |path: &'static str, token: &str, body: Value| {
        let app = &app;
        let token = token.to_owned();
        async move { (Method::POST, path.to_owned(), app.post(path, &token, body).await) }
    };
    let mut replies = vec![
        post("/v1/classify", &app.officer, json!({"item": "nvidia-h20", "date": "2025-04-20"})).await,
        post("/v1/classify", &app.officer, json!({"item": "nvidia-dgx-h100", "date": "2025-04-20"})).await,
        post("/v1/decide", &app.officer, json!({"item": "nvidia-h20", "destination": "CN", "date": "2025-08-12", "end_user": "Huawei Technologies"})).await,
        post("/v1/decide", &app.officer, json!({"item": "nvidia-h100-sxm5", "destination": "AE", "date": "2025-08-12"})).await,
        post("/v1/screen", &app.officer, json!({"name": "Huawei Technologies Co Ltd"})).await,
        post("/v1/orders/check", &app.officer, json!({"order_ref": "SO-1", "item": "nvidia-h20", "quantity": 40, "destination": "CN", "date": "2025-08-12", "end_user": "Huawei Technologies"})).await,
        post("/v1/orders/check", &app.officer, json!({"order_ref": "SO-2", "item": "nvidia-h20", "quantity": 1, "destination": "DE", "date": "2025-08-12"})).await,
        post("/v1/licenses", &app.admin, json!({"number": "D1", "holder": "NVIDIA", "items": ["nvidia-h20"], "destinations": ["CN"], "quantity_cap": 100, "valid_from": "2025-08-01", "valid_to": "2026-07-31", "status": "applied", "conditions": [{"kind": "revenue_share", "percent": 15.0}]})).await,
        post("/v1/licenses/D1/grant", &app.admin, json!({"reason": "BIS approval"})).await,
        post("/v1/orders/SO-1/release", &app.officer, json!({"reason": "adjudicated"})).await,
        post("/v1/routes/suspend", &app.admin, json!({"item": "nvidia-h20", "destination": "RU", "reason": "review"})).await,
        post("/v1/routes/resume", &app.admin, json!({"item": "nvidia-h20", "destination": "RU", "reason": "done"})).await,
        post("/v1/tokens", &app.admin, json!({"name": "carol", "role": "viewer"})).await,
    ];
    for path in [
        "/v1/orders",
        "/v1/orders/SO-1",
        "/v1/holds?status=all",
        "/v1/licenses",
        "/v1/licenses/D1",
        "/v1/routes",
        "/v1/audit",
        "/v1/audit/verify",
        "/v1/chips",
        "/v1/chips/nvidia-h20",
        "/v1/chips/nvidia-h20/timeline",
        "/v1/rules",
        "/v1/whoami",
        "/v1/tokens",
        "/healthz",
        "/openapi.json",
    ] {
        replies.push((Method::GET, path.to_owned(), app.get(path, &app.admin).await));
    }
    for (method, path, reply) in &replies {
        assert!(reply.status.is_success(), "{method} {path}: {}", reply.text);
        let template = endpoints()
            .into_iter()
            .find(|e| {
                e.method == *method && {
                    let route = path.split('?').next().unwrap();
                    let (a, b): (Vec<&str>, Vec<&str>) = (e.path.split('/').collect(), route.split('/').collect());
                    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.starts_with('{') || x == y)
                }
            })
            .unwrap();
        let op = &doc["paths"][template.path][method.as_str().to_ascii_lowercase()];
        let schema = &op["responses"][reply.status.as_str()]["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "{method} {path}: no schema for {}", reply.status);
        if let Err(e) = conforms(&reply.body, schema, defs, "$") {
            panic!("{method} {path}: {e}");
        }
    }
    // The check has teeth: a body missing a field or with a wrong type does not conform.
    let classification = json!({"$ref": "#/components/schemas/Classification"});
    let mut broken = replies[0].2.body.clone();
    broken.as_object_mut().unwrap().remove("eccn");
    assert!(conforms(&broken, &classification, defs, "$").is_err());
    broken["eccn"] = json!(3);
    assert!(conforms(&broken, &classification, defs, "$").is_err());
}
