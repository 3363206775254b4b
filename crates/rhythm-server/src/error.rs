//! One error type for the whole HTTP surface, answered as RFC 9457 problem+json.
//! A 500 never shows its cause: the body carries the request id, the log carries the cause.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rhythm_domain::{FieldError, Invalid};
use rhythm_store::StoreError;
use serde::Serialize;

/// What a client is told to wait (`Retry-After`, seconds) after a [`AppError::Busy`].
pub const BUSY_RETRY_AFTER_SECS: &str = "2";

/// An error an API handler returns.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in or send an API token (Authorization: Bearer rhy_…)")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Invalid(Invalid),
    #[error("{0}")]
    Conflict(String),
    /// A governance rule refused the step: 403 when it is about who acts, 409 when it is about
    /// the state of the entry. `rule` is the stable code clients can branch on.
    #[error("{message}")]
    Refused { forbidden: bool, rule: String, message: String },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// The server is at a bound it keeps on purpose (concurrent password hashing); try again
    /// shortly (503 with `Retry-After`).
    #[error("{0}")]
    Busy(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(i) => AppError::Invalid(i),
            StoreError::NotFound { .. } => AppError::NotFound(e.to_string()),
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Refused { forbidden, rule, message } => AppError::Refused { forbidden, rule, message },
            StoreError::BadQuery(m) => AppError::BadRequest(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::Invalid(e)
    }
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For validation problems: each refused field and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For refusals by a governance rule: the rule's stable code (`wrong_role`,
    /// `same_person_both_sides`, `no_decision_right`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Refused { forbidden: true, .. } => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) | AppError::Refused { forbidden: false, .. } => StatusCode::CONFLICT,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not-found",
            AppError::BadRequest(_) => "bad-request",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::Refused { .. } => "refused",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::PayloadTooLarge(_) => "payload-too-large",
            AppError::TooManyRequests(_) => "too-many-requests",
            AppError::Busy(_) => "busy",
            AppError::Internal(_) => "internal",
        }
    }

    /// What a user may see: everything but an internal error's cause.
    pub fn public_detail(&self) -> String {
        match self {
            AppError::Internal(_) => {
                "something went wrong on our side; it has been logged with this request's id".to_owned()
            }
            AppError::Invalid(i) => {
                format!(
                    "{} field(s) refused: {}",
                    i.0.len(),
                    i.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>().join(", ")
                )
            }
            other => other.to_string(),
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        Problem {
            kind: format!("/problems/{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.public_detail(),
            errors: match self {
                AppError::Invalid(i) => i.0.clone(),
                _ => Vec::new(),
            },
            rule: match self {
                AppError::Refused { rule, .. } => Some(rule.clone()),
                _ => None,
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        let status = self.status();
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if matches!(self, AppError::Unauthenticated) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"rhythm\""));
        }
        if let Some(v) = self.retry_after() {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl AppError {
    /// The `Retry-After` an answer of this error carries, if any.
    pub fn retry_after(&self) -> Option<HeaderValue> {
        matches!(self, AppError::Busy(_)).then(|| HeaderValue::from_static(BUSY_RETRY_AFTER_SECS))
    }
}
