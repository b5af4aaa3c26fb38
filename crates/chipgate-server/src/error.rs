//! The error contract: every error response is an RFC 9457 problem document
//! (`application/problem+json`): `{ "type", "title", "status", "detail", "code", "field" }`
//! with the status of its code. `type` is the relative reference `/problems/<code>`, served
//! by this server (`GET /problems/{code}`: what the code means). One table ([`Code`]) maps
//! each code to its status and title (meilisearch's `make_error_codes!`); `docs/api.md`
//! lists it.
//!
//! Library errors are mapped here, once. Internal causes (database, I/O, corrupt data) are
//! logged with a reference number and never reach the body.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chipgate_engine::{CatalogError, ClassifyError, DecideError, EngineError, RulesError, ScreenError};
use chipgate_ledger::LedgerError;
use serde::Serialize;

/// The media type of every error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The prefix of every problem `type`: `/problems/<code>`, served by this server.
pub const PROBLEM_BASE: &str = "/problems/";

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident => ($status:ident, $title:literal, $code:literal); )*) => {
        /// Every error code of the API, with its HTTP status and title.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Code {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Code {
            /// All codes, in table order (for the documentation).
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The HTTP status.
            pub fn status(self) -> StatusCode {
                match self { $(Code::$variant => StatusCode::$status,)* }
            }

            /// The problem title (RFC 9457 `title`): short, the same for every occurrence.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }

            /// The snake_case code.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// What the code means, for the documentation.
            pub fn description(self) -> &'static str {
                match self { $(Code::$variant => concat!($($doc),*).trim_start(),)* }
            }

            /// The code named `text`, if any.
            pub fn from_name(text: &str) -> Option<Code> {
                match text { $($code => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

error_codes! {
    /// The body is not well-formed JSON (syntax error or truncated).
    MalformedJson => (BAD_REQUEST, "Malformed JSON", "malformed_json");
    /// A query parameter is missing, unknown or has the wrong type.
    InvalidQuery => (BAD_REQUEST, "Invalid query parameter", "invalid_query");
    /// No `Authorization: Bearer` token was sent.
    MissingToken => (UNAUTHORIZED, "Missing token", "missing_token");
    /// The token is not known (or was revoked).
    InvalidToken => (UNAUTHORIZED, "Invalid token", "invalid_token");
    /// The token's role may not do this.
    Forbidden => (FORBIDDEN, "Forbidden", "forbidden");
    /// Too many refused tokens from this address: wait `Retry-After` seconds (any token).
    TooManyAuthFailures => (TOO_MANY_REQUESTS, "Too many refused tokens", "too_many_auth_failures");
    /// No such route.
    RouteNotFound => (NOT_FOUND, "Route not found", "route_not_found");
    /// The chip id in the path is not in the catalog.
    ChipNotFound => (NOT_FOUND, "Chip not found", "chip_not_found");
    /// No license has this number.
    LicenseNotFound => (NOT_FOUND, "License not found", "license_not_found");
    /// No order has this reference.
    OrderNotFound => (NOT_FOUND, "Order not found", "order_not_found");
    /// No token has this name.
    TokenNotFound => (NOT_FOUND, "Token not found", "token_not_found");
    /// No stored party has this id or external id.
    PartyNotFound => (NOT_FOUND, "Party not found", "party_not_found");
    /// The party has no hit on this entry in the review queue.
    ReviewItemNotFound => (NOT_FOUND, "Review item not found", "review_item_not_found");
    /// No error code has this name (`GET /problems/{code}`).
    ProblemNotFound => (NOT_FOUND, "Problem type not found", "problem_not_found");
    /// The route exists but not for this method.
    MethodNotAllowed => (METHOD_NOT_ALLOWED, "Method not allowed", "method_not_allowed");
    /// The request conflicts with the stored state (duplicate, invalid transition, not held).
    Conflict => (CONFLICT, "Conflict", "conflict");
    /// The body is larger than the limit (64 KiB).
    PayloadTooLarge => (PAYLOAD_TOO_LARGE, "Payload too large", "payload_too_large");
    /// The body is not `Content-Type: application/json`.
    UnsupportedMediaType => (UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", "unsupported_media_type");
    /// A field has the wrong type or an invalid value.
    InvalidField => (UNPROCESSABLE_ENTITY, "Invalid field", "invalid_field");
    /// The body has a field the endpoint does not know.
    UnknownField => (UNPROCESSABLE_ENTITY, "Unknown field", "unknown_field");
    /// A required field is missing.
    MissingField => (UNPROCESSABLE_ENTITY, "Missing field", "missing_field");
    /// The item named in the body is not in the catalog.
    UnknownItem => (UNPROCESSABLE_ENTITY, "Unknown item", "unknown_item");
    /// A country name or code is not known.
    UnknownCountry => (UNPROCESSABLE_ENTITY, "Unknown country", "unknown_country");
    /// The date is before the first rule version (2022-10-07).
    DateOutOfScope => (UNPROCESSABLE_ENTITY, "Date out of scope", "date_out_of_scope");
    /// A chip spec is invalid (the field names the spec field).
    InvalidSpec => (UNPROCESSABLE_ENTITY, "Invalid chip spec", "invalid_spec");
    /// The inputs contradict each other (e.g. destination `US`).
    Contradiction => (UNPROCESSABLE_ENTITY, "Contradictory inputs", "contradiction");
    /// Something failed inside the server; the log has the details under the reference.
    Internal => (INTERNAL_SERVER_ERROR, "Internal error", "internal");
}

/// An error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The code.
    pub code: Code,
    /// For people.
    pub message: String,
    /// The request field at fault (`parties.end_user`, `date`), when there is one.
    pub field: Option<String>,
}

/// The problem document (RFC 9457) with chipgate's two extension members.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: &'a str,
    code: &'static str,
    field: Option<&'a str>,
}

impl ApiError {
    /// An error with no field.
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// An error about one field.
    pub fn field(code: Code, field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// An internal error: logged with a reference number; the body carries only the number.
    pub fn internal(context: &str, cause: &dyn std::fmt::Display) -> ApiError {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let reference = NEXT.fetch_add(1, Ordering::Relaxed);
        tracing::error!("internal error #{reference}: {context}: {cause}");
        ApiError::new(
            Code::Internal,
            format!("internal error (reference {reference}); the server log has the details"),
        )
    }

    /// The problem document.
    pub fn body(&self) -> Vec<u8> {
        let body = Problem {
            kind: format!("{PROBLEM_BASE}{}", self.code.as_str()),
            title: self.code.title(),
            status: self.code.status().as_u16(),
            detail: &self.message,
            code: self.code.as_str(),
            field: self.field.as_deref(),
        };
        serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"code\":\"internal\"}".to_vec())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.code.status(), self.body()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if matches!(self.code, Code::MissingToken | Code::InvalidToken) {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::UnknownChip { .. } => ApiError::field(Code::UnknownItem, "item", e.to_string()),
            CatalogError::UnknownComponent { .. } => {
                ApiError::field(Code::InvalidSpec, "spec.components", e.to_string())
            }
            CatalogError::Cycle(_) => ApiError::field(Code::InvalidSpec, "spec.components", e.to_string()),
            CatalogError::Spec(spec) => {
                ApiError::field(Code::InvalidSpec, format!("spec.{}", spec.field), spec.to_string())
            }
            other => ApiError::internal("catalog", &other),
        }
    }
}

impl From<ClassifyError> for ApiError {
    fn from(e: ClassifyError) -> Self {
        match e {
            ClassifyError::Catalog(c) => c.into(),
            ClassifyError::Rules(RulesError::OutOfScope { .. }) => {
                ApiError::field(Code::DateOutOfScope, "date", e.to_string())
            }
            other => ApiError::internal("classification", &other),
        }
    }
}

impl From<DecideError> for ApiError {
    fn from(e: DecideError) -> Self {
        match e {
            DecideError::Classify(c) => c.into(),
            DecideError::UnknownCountry { ref field, .. } => {
                ApiError::field(Code::UnknownCountry, field.clone(), e.to_string())
            }
            DecideError::Invalid { ref field, .. } => ApiError::field(Code::InvalidField, field.clone(), e.to_string()),
            DecideError::Contradiction(message) => ApiError::new(Code::Contradiction, message),
            other => ApiError::internal("determination", &other),
        }
    }
}

impl From<ScreenError> for ApiError {
    fn from(e: ScreenError) -> Self {
        match e {
            ScreenError::EmptyName | ScreenError::NoNameCharacters(_) | ScreenError::NameTooLong { .. } => {
                ApiError::field(Code::InvalidField, "name", e.to_string())
            }
            ScreenError::BadCountry(_) => ApiError::field(Code::InvalidField, "country", e.to_string()),
            ScreenError::BadThreshold(_) => ApiError::field(Code::InvalidField, "threshold", e.to_string()),
            other => ApiError::internal("screening", &other),
        }
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> Self {
        let message = e.to_string();
        match e {
            LedgerError::UnknownLicense(_) => ApiError::new(Code::LicenseNotFound, message),
            LedgerError::UnknownOrder(_) => ApiError::new(Code::OrderNotFound, message),
            LedgerError::DuplicateLicense(_)
            | LedgerError::DuplicateNac(_)
            | LedgerError::InvalidTransition { .. }
            | LedgerError::LicenseExpired { .. }
            | LedgerError::NotHeld { .. }
            | LedgerError::OrderConflict { .. }
            | LedgerError::RouteAlreadySuspended { .. }
            | LedgerError::RouteNotSuspended { .. }
            | LedgerError::InvalidNacTransition { .. } => ApiError::new(Code::Conflict, message),
            LedgerError::InvalidQuantity(_) => ApiError::field(Code::InvalidField, "quantity", message),
            LedgerError::InvalidAmount { field, .. }
            | LedgerError::InvalidField { field, .. }
            | LedgerError::Empty(field) => ApiError::field(Code::InvalidField, field, message),
            LedgerError::ValueOverflow { .. } => ApiError::field(Code::InvalidField, "unit_value_usd", message),
            LedgerError::InvalidDate(_) | LedgerError::InvalidTimestamp(_) => {
                ApiError::new(Code::InvalidField, message)
            }
            LedgerError::InvalidValidity { .. } => ApiError::field(Code::InvalidField, "valid_to", message),
            LedgerError::UnknownStatus(_) => ApiError::field(Code::InvalidField, "status", message),
            LedgerError::InvalidCondition(_) => ApiError::field(Code::InvalidField, "conditions", message),
            LedgerError::ReleaseWithoutReason | LedgerError::ReasonRequired(_) => {
                ApiError::field(Code::InvalidField, "reason", message)
            }
            LedgerError::BadInput { field, .. } if field == "party" => ApiError::new(Code::PartyNotFound, message),
            LedgerError::BadInput { field, .. } if field == "hit" => ApiError::new(Code::ReviewItemNotFound, message),
            LedgerError::BadInput { field, .. } => ApiError::field(Code::InvalidField, field, message),
            LedgerError::BackdatedWithoutReason { .. } => ApiError::field(Code::InvalidField, "backdated", message),
            LedgerError::UnsupportedUrl(_) | LedgerError::PostgresDisabled => {
                ApiError::new(Code::InvalidField, message)
            }
            other => ApiError::internal("ledger", &other),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Decide(d) => d.into(),
            EngineError::Screen(s) => s.into(),
            EngineError::Ledger(l) => l.into(),
            EngineError::Invalid { field, message } if field == "lists" => {
                ApiError::internal("restricted-party lists", &message)
            }
            EngineError::Invalid { field, message } => {
                let text = format!("`{field}`: {message}");
                ApiError::field(Code::InvalidField, field, text)
            }
        }
    }
}
