//! Extractors and the JSON response: every rejection becomes the error contract
//! ([`crate::error::ApiError`]) and names the field at fault.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ApiError, Code};

/// The largest request body accepted, in bytes (larger bodies get 413 `payload_too_large`).
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON request body. Rejections: 415 without `Content-Type: application/json`, 413 over
/// [`BODY_LIMIT`], 400 for malformed JSON, 422 for a wrong type, an unknown or a missing
/// field, naming it (`parties.end_user`, `dies[0].count`).
#[derive(Debug, Clone)]
pub struct AppJson<T>(pub T);

fn is_json(value: Option<&HeaderValue>) -> bool {
    let Some(text) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = text.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::new(
                Code::UnsupportedMediaType,
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    Code::PayloadTooLarge,
                    format!("the body is larger than the limit of {BODY_LIMIT} bytes"),
                )
            } else {
                ApiError::new(
                    Code::MalformedJson,
                    format!("cannot read the body: {}", rejection.body_text()),
                )
            }
        })?;
        parse_json(&bytes).map(AppJson)
    }
}

/// Parses a JSON document into `T`, naming the field of a type or shape error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?;
    deserializer
        .end()
        .map_err(|e| ApiError::new(Code::MalformedJson, format!("malformed JSON: {e}")))?;
    Ok(value)
}

fn json_error(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.inner();
    if !inner.is_data() {
        return ApiError::new(Code::MalformedJson, format!("malformed JSON: {inner}"));
    }
    let text = inner.to_string();
    // serde's messages: "unknown field `x`, expected …", "missing field `x`", "invalid type: …".
    let message = text.split(" at line ").next().unwrap_or(&text).to_owned();
    // Inside a flattened order request the path is in the message (`strict_fields`):
    // "`field`: problem".
    let (path, message) = match message.strip_prefix('`').and_then(|m| m.split_once("`: ")) {
        Some((field, rest)) if path == "." => (field.to_owned(), rest.to_owned()),
        _ => (path, message),
    };
    let named = message.split('`').nth(1).unwrap_or("");
    let join = |parent: &str, name: &str| -> String {
        if parent == "." || parent.is_empty() {
            name.to_owned()
        } else if parent == name || parent.ends_with(&format!(".{name}")) {
            parent.to_owned()
        } else {
            format!("{parent}.{name}")
        }
    };
    let (code, field) = if message.starts_with("unknown field") {
        (Code::UnknownField, join(&path, named))
    } else if message.starts_with("missing field") {
        (Code::MissingField, join(&path, named))
    } else {
        (Code::InvalidField, if path == "." { String::new() } else { path })
    };
    if field.is_empty() {
        return ApiError::new(code, message);
    }
    let message = format!("`{field}`: {message}");
    ApiError::field(code, field, message)
}

/// Query parameters, read one by one so that an error names the parameter; parameters the
/// handler did not read are refused by [`QueryParams::finish`]. A parameter may be repeated
/// only where the handler reads it as a list ([`QueryParams::list`]).
#[derive(Debug, Clone, Default)]
pub struct QueryParams(BTreeMap<String, Vec<String>>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map_err(|e| ApiError::new(Code::InvalidQuery, format!("invalid query string: {}", e.body_text())))?;
        Ok(QueryParams::from_pairs(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ))
    }
}

impl QueryParams {
    /// Builds parameters from pairs (tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> QueryParams {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            map.entry(k.to_owned()).or_default().push(v.to_owned());
        }
        QueryParams(map)
    }

    /// A text parameter given at most once.
    pub fn text(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        match self.0.remove(name) {
            None => Ok(None),
            Some(mut values) if values.len() == 1 => Ok(values.pop()),
            Some(_) => Err(ApiError::field(
                Code::InvalidQuery,
                name,
                format!("`{name}`: given more than once; give it once"),
            )),
        }
    }

    /// A list parameter: repeated (`kind=a&kind=b`), comma-separated (`kind=a,b`) or both;
    /// empty items are dropped.
    pub fn list(&mut self, name: &str) -> Vec<String> {
        self.0
            .remove(name)
            .unwrap_or_default()
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// A parameter parsed with `FromStr`; the error names it.
    pub fn parse<T: std::str::FromStr>(&mut self, name: &str, expected: &str) -> Result<Option<T>, ApiError>
    where
        T::Err: std::fmt::Display,
    {
        match self.text(name)? {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|e| {
                ApiError::field(
                    Code::InvalidQuery,
                    name,
                    format!("`{name}`: {e}; expected {expected}, got `{text}`"),
                )
            }),
        }
    }

    /// A `true`/`false` parameter.
    pub fn flag(&mut self, name: &str) -> Result<Option<bool>, ApiError> {
        self.parse::<bool>(name, "`true` or `false`")
    }

    /// One of `choices` (by name), or `None` when absent; anything else is refused naming
    /// the parameter and the choices.
    pub fn choice<T: Copy>(&mut self, name: &str, choices: &[(&str, T)]) -> Result<Option<T>, ApiError> {
        let Some(text) = self.text(name)? else {
            return Ok(None);
        };
        match choices.iter().find(|(n, _)| *n == text) {
            Some((_, value)) => Ok(Some(*value)),
            None => {
                let names: Vec<String> = choices.iter().map(|(n, _)| format!("`{n}`")).collect();
                Err(ApiError::field(
                    Code::InvalidQuery,
                    name,
                    format!("`{name}`: expected one of {}, got `{text}`", names.join(", ")),
                ))
            }
        }
    }

    /// Refuses parameters nobody read.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.0.into_keys().next() {
            None => Ok(()),
            Some(name) => Err(ApiError::field(
                Code::InvalidQuery,
                name.clone(),
                format!("unknown query parameter `{name}`"),
            )),
        }
    }
}

/// Serializes a report into one buffer (reports are a few to tens of KiB).
pub fn to_json_bytes<T: Serialize>(value: &T) -> Result<Bytes, ApiError> {
    let mut body = Vec::with_capacity(16 * 1024);
    serde_json::to_writer(&mut body, value).map_err(|e| ApiError::internal("serializing the response", &e))?;
    Ok(Bytes::from(body))
}

/// A 200 response with an already serialized JSON body.
pub fn json_bytes(body: Bytes) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A JSON response with status 200 (or the given status).
#[derive(Debug)]
pub struct ApiJson<T>(pub StatusCode, pub T);

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        match to_json_bytes(&self.1) {
            Ok(body) => {
                let mut response = json_bytes(body);
                *response.status_mut() = self.0;
                response
            }
            Err(e) => e.into_response(),
        }
    }
}

/// 200 with `value` as JSON.
pub fn ok<T: Serialize>(value: T) -> ApiJson<T> {
    ApiJson(StatusCode::OK, value)
}

/// 201 with `value` as JSON.
pub fn created<T: Serialize>(value: T) -> ApiJson<T> {
    ApiJson(StatusCode::CREATED, value)
}
