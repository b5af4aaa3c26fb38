//! The handlers of the HTTP API, one module per group, and the types of the route table
//! ([`Endpoint`]: handler, role, documentation), which [`crate::routes`] fills and from which
//! the router and the OpenAPI document are built.

pub(crate) mod audit;
pub(crate) mod catalog;
pub(crate) mod determinations;
pub(crate) mod licenses;
pub(crate) mod orders;
pub(crate) mod review;
pub(crate) mod suspensions;
pub(crate) mod system;
pub(crate) mod tokens;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::Method;
use axum::routing::MethodRouter;
use schemars::{Schema, SchemaGenerator};

use crate::auth::{Caller, Role};
use crate::dto::BodyRef;
use crate::error::{ApiError, Code};
use crate::state::AppState;

/// Who may call an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, metrics, the OpenAPI document, the web app's files).
    Public,
    /// A token with at least this role.
    Role(Role),
}

/// A query parameter.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// Name.
    pub name: &'static str,
    /// JSON Schema type: `string`, `integer`, `boolean`, or `array` (of strings: the
    /// parameter may be repeated, or its values separated by commas).
    pub kind: &'static str,
    /// `date` for YYYY-MM-DD, else empty.
    pub format: &'static str,
    /// The accepted values (of each item, for an array), or empty for any.
    pub choices: &'static [&'static str],
    /// What it does.
    pub description: &'static str,
}

/// Makes the JSON Schema of a response body (a `$ref` into the document's components for
/// named types), registering the definitions it needs with the generator.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// What a successful call returns.
#[derive(Clone, Copy, Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Media type.
    pub media: &'static str,
    /// The schema of the body, derived from the Rust type the handler serializes.
    pub schema: SchemaFn,
    /// The Rust type serialized and where else the same JSON appears.
    pub description: &'static str,
}

/// One route: method, path, access, documentation and handler.
#[derive(Debug)]
pub struct Endpoint {
    /// HTTP method.
    pub method: Method,
    /// Path template (`{name}` segments, the same syntax in axum and OpenAPI).
    pub path: &'static str,
    /// Group in the documentation.
    pub tag: &'static str,
    /// One line.
    pub summary: &'static str,
    /// More.
    pub description: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Query parameters.
    pub query: &'static [Param],
    /// Request body.
    pub body: Option<BodyRef>,
    /// Success response.
    pub reply: Reply,
    /// Handler.
    pub handler: MethodRouter<AppState>,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            ApiError::internal(
                "route table",
                &"a handler needing a caller is routed without authentication",
            )
        })
    }
}

/// One path segment (`{id}`), decoded.
#[derive(Debug, Clone)]
pub struct Segment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(value) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::new(Code::InvalidQuery, format!("invalid path: {}", e.body_text())))?;
        Ok(Segment(value))
    }
}

/// Two path segments (`{party}/{entry_key}`), decoded.
#[derive(Debug, Clone)]
pub struct Segments(pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for Segments {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::new(Code::InvalidQuery, format!("invalid path: {}", e.body_text())))?;
        Ok(Segments(a, b))
    }
}
