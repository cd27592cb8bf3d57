//! What can go wrong in the dashboard, and the one place that decides which HTTP status each
//! failure becomes ([`WebError::status`]).

use axum::http::StatusCode;
use banyan_registry::epp::client::ClientError;
use banyan_registry::epp::ResultCode;
use banyan_store::StoreError;

use crate::records::FieldErrors;

/// An error from a dashboard operation. The HTML pages and the JSON API show the same error
/// in their own form, with the status of [`WebError::status`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// The dashboard's database failed.
    #[error("dashboard database: {0}")]
    Db(#[from] sqlx::Error),
    /// The dashboard's database could not be opened.
    #[error("dashboard database: {0}")]
    Connect(#[from] banyan_store::sql::ConnectError),
    /// The dashboard's database schema could not be brought up to date.
    #[error("dashboard database: {0}")]
    Migrate(#[from] banyan_store::sql::MigrateError),
    /// The zone store failed or refused a change.
    #[error("zone store: {0}")]
    Store(#[from] StoreError),
    /// Talking to a registry failed (connection, TLS, timeout, unreadable answer).
    #[error("registry unreachable: {0}")]
    Epp(#[from] ClientError),
    /// A registry refused a command (RFC 5730 §3 result code and message).
    #[error("the registry refused: {message} ({code})")]
    Refused {
        /// The EPP result code.
        code: ResultCode,
        /// The registry's message.
        message: String,
    },
    /// The configuration cannot work (no registry for a TLD, no hosted name servers…).
    #[error("configuration: {0}")]
    Config(String),
    /// Password hashing failed (bad cost parameters).
    #[error("password hashing: {0}")]
    Password(String),
    /// No valid session or token.
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in, but the request is not allowed (a missing or wrong CSRF token).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The thing asked for does not exist, or belongs to someone else (the two are not told
    /// apart, so names of other users' domains do not leak).
    #[error("not found")]
    NotFound,
    /// The request is malformed (a name that does not parse, a TLD no registry runs…).
    #[error("{0}")]
    BadRequest(String),
    /// Form fields failed validation; nothing was changed.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The request conflicts with the current state (e-mail taken, name not available, the
    /// zone changed meanwhile).
    #[error("{0}")]
    Conflict(String),
    /// Too many lookups from one client address: try again after `retry_after` seconds.
    #[error("too many lookups; try again in {retry_after} seconds")]
    LookupLimited {
        /// Seconds until a lookup is allowed again.
        retry_after: u64,
    },
    /// The feature asked for is not configured here (lookups without a trace configuration).
    #[error("{0}")]
    Unavailable(&'static str),
    /// Too many failed logins: try again after `retry_after` seconds.
    #[error("too many failed logins; try again in {retry_after} seconds")]
    RateLimited {
        /// Seconds until an attempt is allowed again.
        retry_after: u64,
    },
}

impl WebError {
    /// The HTTP status this error is answered with (RFC 9110 §15).
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::RateLimited { .. } | WebError::LookupLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Store(StoreError::SerialMismatch { .. }) => StatusCode::CONFLICT,
            WebError::Refused { code, .. } => refused_status(*code),
            WebError::Epp(_) => StatusCode::BAD_GATEWAY,
            WebError::Db(_)
            | WebError::Connect(_)
            | WebError::Migrate(_)
            | WebError::Store(_)
            | WebError::Config(_)
            | WebError::Password(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `Retry-After` of a refusal by a throttle (RFC 9110 §10.2.3), in seconds.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            WebError::RateLimited { retry_after } | WebError::LookupLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// The text shown to the user: internal details of server-side failures stay in the
    /// logs, not in the page.
    pub fn public_message(&self) -> String {
        match self.status() {
            StatusCode::INTERNAL_SERVER_ERROR => "internal error".to_owned(),
            _ => self.to_string(),
        }
    }

    /// A refusal from an EPP response code and message.
    pub(crate) fn refused(code: ResultCode, message: &str) -> WebError {
        WebError::Refused {
            code,
            message: message.to_owned(),
        }
    }
}

/// The status for a registry's refusal (RFC 5730 §3): what the user asked for is wrong in some
/// way (conflict, bad authInfo, bad value), or the registrar's side failed (502).
fn refused_status(code: ResultCode) -> StatusCode {
    match code {
        ResultCode::OBJECT_EXISTS | ResultCode::OBJECT_PENDING_TRANSFER | ResultCode::STATUS_PROHIBITS_OPERATION => {
            StatusCode::CONFLICT
        }
        ResultCode::INVALID_AUTHORIZATION_INFORMATION | ResultCode::AUTHORIZATION_ERROR => StatusCode::FORBIDDEN,
        ResultCode::OBJECT_DOES_NOT_EXIST => StatusCode::NOT_FOUND,
        ResultCode::PARAMETER_VALUE_RANGE_ERROR
        | ResultCode::PARAMETER_VALUE_SYNTAX_ERROR
        | ResultCode::PARAMETER_VALUE_POLICY_ERROR
        | ResultCode::NOT_ELIGIBLE_FOR_RENEWAL
        | ResultCode::NOT_ELIGIBLE_FOR_TRANSFER => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_GATEWAY,
    }
}
