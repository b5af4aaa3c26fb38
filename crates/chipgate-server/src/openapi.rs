//! The OpenAPI 3.1 document and the route reference of `docs/api.md`, both generated from the
//! route table ([`crate::routes::endpoints`], which hands itself in) that also builds the router.
//!
//! Why a route table rather than `utoipa`: the table is what the router is built from, so the
//! document cannot list a route that is not served, miss one that is, or state a role that
//! is not enforced.
//! Request bodies have hand-written schemas next to their structs, pinned to serde's field
//! list by a test. Response bodies are typed: each route names the Rust type its handler
//! serializes, and its JSON Schema is derived with `schemars` from that type and its serde
//! attributes (the report types derive it behind their crates' `schema` feature), in the
//! serialize direction, with the definitions under `#/components/schemas`. The document is
//! checked in as `docs/openapi.json`; a test compares it with the served one.

use std::fmt::Write as _;

use schemars::generate::{Contract, SchemaSettings};
use schemars::SchemaGenerator;
use serde_json::{json, Map, Value};

use crate::api::{Access, Endpoint};
use crate::error::Code;

fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

fn error_ref(description: &str) -> Value {
    json!({
        "description": description,
        "content": { crate::error::PROBLEM_JSON: { "schema": { "$ref": "#/components/schemas/Problem" } } },
    })
}

fn operation(e: &Endpoint, generator: &mut SchemaGenerator) -> Value {
    let mut op = Map::new();
    op.insert("operationId".into(), json!(operation_id(e)));
    op.insert("tags".into(), json!([e.tag]));
    op.insert("summary".into(), json!(e.summary));
    let role = match e.access {
        Access::Public => "none (public)".to_owned(),
        Access::Role(role) => format!("`{}` or above", role.as_str()),
    };
    let description = if e.description.is_empty() {
        format!("Requires: {role}.")
    } else {
        format!("{} Requires: {role}.", e.description)
    };
    op.insert("description".into(), json!(description));
    let mut parameters: Vec<Value> = path_params(e.path)
        .into_iter()
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    for p in e.query {
        let mut schema = json!({ "type": p.kind });
        if !p.format.is_empty() {
            schema["format"] = json!(p.format);
        }
        let mut parameter =
            json!({ "name": p.name, "in": "query", "required": false, "description": p.description, "schema": schema });
        let choices = (!p.choices.is_empty()).then(|| json!(p.choices));
        if p.kind == "array" {
            parameter["schema"]["items"] = json!({ "type": "string" });
            if let Some(choices) = choices {
                parameter["schema"]["items"]["enum"] = choices;
            }
            parameter["style"] = json!("form");
            parameter["explode"] = json!(true);
        } else if let Some(choices) = choices {
            parameter["schema"]["enum"] = choices;
        }
        parameters.push(parameter);
    }
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(body) = &e.body {
        op.insert(
            "requestBody".into(),
            json!({
                "required": true,
                "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{}", body.name) } } },
            }),
        );
    }
    let schema = (e.reply.schema)(generator);
    let success = json!({ "description": e.reply.description, "content": { e.reply.media: { "schema": schema } } });
    let mut responses = Map::new();
    responses.insert(e.reply.status.to_string(), success);
    if e.body.is_some() {
        responses.insert("400".into(), error_ref("Malformed JSON."));
        responses.insert("413".into(), error_ref("Body over 64 KiB."));
        responses.insert("415".into(), error_ref("Not `Content-Type: application/json`."));
    } else if !e.query.is_empty() {
        responses.insert("400".into(), error_ref("Invalid or unknown query parameter."));
    }
    if let Access::Role(_) = e.access {
        responses.insert("401".into(), error_ref("No token, or an unknown token."));
        responses.insert("403".into(), error_ref("The token's role may not do this."));
        responses.insert("422".into(), error_ref("A field is invalid; `field` names it."));
        responses.insert(
            "500".into(),
            error_ref("Internal error; the server log has the details."),
        );
    }
    if !path_params(e.path).is_empty() {
        responses.insert("404".into(), error_ref("No such resource."));
    }
    if matches!(e.access, Access::Role(crate::auth::Role::Admin)) || e.path.contains("/release") {
        responses.insert("409".into(), error_ref("Conflicts with the stored state."));
    }
    op.insert("responses".into(), Value::Object(responses));
    if let Access::Role(role) = e.access {
        op.insert("security".into(), json!([{ "bearer": [] }]));
        op.insert("x-required-role".into(), json!(role.as_str()));
    } else {
        op.insert("security".into(), json!([]));
    }
    Value::Object(op)
}

fn operation_id(e: &Endpoint) -> String {
    let mut id = e.method.as_str().to_ascii_lowercase();
    for part in e.path.split('/').filter(|s| !s.is_empty()) {
        let part = part.trim_start_matches('{').trim_end_matches('}');
        id.push('_');
        id.extend(part.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }));
    }
    if e.path == "/" {
        id.push_str("_index");
    }
    id
}

/// The schema generator of the response types: JSON Schema 2020-12 (OpenAPI 3.1's
/// dialect), definitions under `#/components/schemas`, as the types *serialize*.
pub(crate) fn generator() -> SchemaGenerator {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    settings.contract = Contract::Serialize;
    settings.into_generator()
}

/// The OpenAPI 3.1 document of the route table `endpoints`.
pub fn document(endpoints: &[Endpoint]) -> Value {
    let mut generator = generator();
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert(
        "Problem".into(),
        json!({
            "type": "object",
            "description": "An error (RFC 9457 problem details, `application/problem+json`).",
            "required": ["type", "title", "status", "detail", "code", "field"],
            "properties": {
                "type": { "type": "string", "format": "uri-reference", "description": "`/problems/<code>`: `GET` it for what the code means." },
                "title": { "type": "string", "description": "The code's title, the same for every occurrence." },
                "status": { "type": "integer", "description": "The HTTP status." },
                "detail": { "type": "string", "description": "What went wrong in this request, naming the field and the value at fault." },
                "code": { "type": "string", "enum": Code::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>() },
                "field": { "type": ["string", "null"], "description": "The request field or query parameter at fault, e.g. `destination`, `spec.dies[0].count` or `cursor`." },
            },
        }),
    );
    for e in endpoints {
        let entry = paths
            .entry(e.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = entry {
            methods.insert(e.method.as_str().to_ascii_lowercase(), operation(e, &mut generator));
        }
        if let Some(body) = &e.body {
            schemas.insert(body.name.to_owned(), (body.schema)());
        }
    }
    // Response types and request bodies share the namespace; a test keeps them apart.
    for (name, schema) in generator.take_definitions(true) {
        schemas.entry(name).or_insert(schema);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "chipgate",
            "version": chipgate_engine::ENGINE_VERSION,
            "description": "Export-control classification, license determination, screening and order checks for AI chips. Response bodies are the same JSON as the CLI's `--format json`. Errors are RFC 9457 problem details (`application/problem+json`): `{type, title, status, detail, code, field}`, where `type` is `/problems/<code>` on this server.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "An API token (`cg_…`); roles viewer < officer < admin." } },
        },
    })
}

/// The generated part of `docs/api.md`: every route with its role and summary, then the
/// error codes.
pub fn reference_markdown(endpoints: &[Endpoint]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| method | path | role | summary |");
    let _ = writeln!(out, "|---|---|---|---|");
    for e in endpoints {
        let role = match e.access {
            Access::Public => "public",
            Access::Role(role) => role.as_str(),
        };
        let body = e.body.map(|b| format!(" (body: `{}`)", b.name)).unwrap_or_default();
        let _ = writeln!(out, "| {} | `{}` | {role} | {}{body} |", e.method, e.path, e.summary);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "| code | status | title | meaning |");
    let _ = writeln!(out, "|---|---|---|---|");
    for code in Code::ALL {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            code.as_str(),
            code.status().as_u16(),
            code.title(),
            code.description()
        );
    }
    out
}
