//! EPP result codes (RFC 5730 §3) and the error a command earns.

use std::fmt;

use thiserror::Error;

/// An EPP result code (RFC 5730 §3): four decimal digits, `1xxx` for success and `2xxx` for
/// failure.
///
/// A newtype over `u16` with associated constants so a code this crate does not name is
/// still representable (a client may meet one from another server).
///
/// Wire format: the `code` attribute of `<result>`, e.g. `<result code="1000">`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResultCode(pub u16);

impl ResultCode {
    /// 1000 "Command completed successfully".
    pub const COMPLETED: Self = Self(1000);
    /// 1001 "Command completed successfully; action pending".
    pub const COMPLETED_ACTION_PENDING: Self = Self(1001);
    /// 1300 "Command completed successfully; no messages".
    pub const COMPLETED_NO_MESSAGES: Self = Self(1300);
    /// 1301 "Command completed successfully; ack to dequeue".
    pub const COMPLETED_ACK_TO_DEQUEUE: Self = Self(1301);
    /// 1500 "Command completed successfully; ending session".
    pub const COMPLETED_ENDING_SESSION: Self = Self(1500);
    /// 2000 "Unknown command".
    pub const UNKNOWN_COMMAND: Self = Self(2000);
    /// 2001 "Command syntax error".
    pub const COMMAND_SYNTAX_ERROR: Self = Self(2001);
    /// 2002 "Command use error".
    pub const COMMAND_USE_ERROR: Self = Self(2002);
    /// 2003 "Required parameter missing".
    pub const REQUIRED_PARAMETER_MISSING: Self = Self(2003);
    /// 2004 "Parameter value range error".
    pub const PARAMETER_VALUE_RANGE_ERROR: Self = Self(2004);
    /// 2005 "Parameter value syntax error".
    pub const PARAMETER_VALUE_SYNTAX_ERROR: Self = Self(2005);
    /// 2100 "Unimplemented protocol version".
    pub const UNIMPLEMENTED_PROTOCOL_VERSION: Self = Self(2100);
    /// 2101 "Unimplemented command".
    pub const UNIMPLEMENTED_COMMAND: Self = Self(2101);
    /// 2102 "Unimplemented option".
    pub const UNIMPLEMENTED_OPTION: Self = Self(2102);
    /// 2103 "Unimplemented extension".
    pub const UNIMPLEMENTED_EXTENSION: Self = Self(2103);
    /// 2104 "Billing failure".
    pub const BILLING_FAILURE: Self = Self(2104);
    /// 2105 "Object is not eligible for renewal".
    pub const NOT_ELIGIBLE_FOR_RENEWAL: Self = Self(2105);
    /// 2106 "Object is not eligible for transfer".
    pub const NOT_ELIGIBLE_FOR_TRANSFER: Self = Self(2106);
    /// 2200 "Authentication error".
    pub const AUTHENTICATION_ERROR: Self = Self(2200);
    /// 2201 "Authorization error".
    pub const AUTHORIZATION_ERROR: Self = Self(2201);
    /// 2202 "Invalid authorization information".
    pub const INVALID_AUTHORIZATION_INFORMATION: Self = Self(2202);
    /// 2300 "Object pending transfer".
    pub const OBJECT_PENDING_TRANSFER: Self = Self(2300);
    /// 2301 "Object not pending transfer".
    pub const OBJECT_NOT_PENDING_TRANSFER: Self = Self(2301);
    /// 2302 "Object exists".
    pub const OBJECT_EXISTS: Self = Self(2302);
    /// 2303 "Object does not exist".
    pub const OBJECT_DOES_NOT_EXIST: Self = Self(2303);
    /// 2304 "Object status prohibits operation".
    pub const STATUS_PROHIBITS_OPERATION: Self = Self(2304);
    /// 2305 "Object association prohibits operation".
    pub const ASSOCIATION_PROHIBITS_OPERATION: Self = Self(2305);
    /// 2306 "Parameter value policy error".
    pub const PARAMETER_VALUE_POLICY_ERROR: Self = Self(2306);
    /// 2307 "Unimplemented object service".
    pub const UNIMPLEMENTED_OBJECT_SERVICE: Self = Self(2307);
    /// 2308 "Data management policy violation".
    pub const DATA_MANAGEMENT_POLICY_VIOLATION: Self = Self(2308);
    /// 2400 "Command failed".
    pub const COMMAND_FAILED: Self = Self(2400);
    /// 2500 "Command failed; server closing connection".
    pub const COMMAND_FAILED_CLOSING: Self = Self(2500);
    /// 2501 "Authentication error; server closing connection".
    pub const AUTHENTICATION_ERROR_CLOSING: Self = Self(2501);
    /// 2502 "Session limit exceeded; server closing connection".
    pub const SESSION_LIMIT_EXCEEDED_CLOSING: Self = Self(2502);

    /// The standard text of this code (RFC 5730 §3), or `"Unknown result code"`.
    pub fn message(self) -> &'static str {
        match self.0 {
            1000 => "Command completed successfully",
            1001 => "Command completed successfully; action pending",
            1300 => "Command completed successfully; no messages",
            1301 => "Command completed successfully; ack to dequeue",
            1500 => "Command completed successfully; ending session",
            2000 => "Unknown command",
            2001 => "Command syntax error",
            2002 => "Command use error",
            2003 => "Required parameter missing",
            2004 => "Parameter value range error",
            2005 => "Parameter value syntax error",
            2100 => "Unimplemented protocol version",
            2101 => "Unimplemented command",
            2102 => "Unimplemented option",
            2103 => "Unimplemented extension",
            2104 => "Billing failure",
            2105 => "Object is not eligible for renewal",
            2106 => "Object is not eligible for transfer",
            2200 => "Authentication error",
            2201 => "Authorization error",
            2202 => "Invalid authorization information",
            2300 => "Object pending transfer",
            2301 => "Object not pending transfer",
            2302 => "Object exists",
            2303 => "Object does not exist",
            2304 => "Object status prohibits operation",
            2305 => "Object association prohibits operation",
            2306 => "Parameter value policy error",
            2307 => "Unimplemented object service",
            2308 => "Data management policy violation",
            2400 => "Command failed",
            2500 => "Command failed; server closing connection",
            2501 => "Authentication error; server closing connection",
            2502 => "Session limit exceeded; server closing connection",
            _ => "Unknown result code",
        }
    }

    /// True for the `1xxx` codes (RFC 5730 §3: "the command succeeded").
    pub fn is_success(self) -> bool {
        (1000..2000).contains(&self.0)
    }

    /// True when the server ends the session after this response: 1500 and the `25xx` codes
    /// (RFC 5730 §3).
    pub fn closes_session(self) -> bool {
        self.0 == 1500 || (2500..2600).contains(&self.0)
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A command that failed: the result code to answer with (RFC 5730 §3), a message for the
/// `<msg>` element, and the client's transaction ID when it could be read, so that even a
/// parse failure is answered with the client's `<clTRID>` (RFC 5730 §2.5).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("EPP {code}: {message}")]
pub struct EppError {
    /// The result code (a `2xxx` code).
    pub code: ResultCode,
    /// Human-readable text for `<msg>`; the standard text of the code when nothing better
    /// is known.
    pub message: String,
    /// The client transaction ID of the failed command, if it could be read.
    pub cl_trid: Option<String>,
}

impl EppError {
    /// An error with `code` and a specific message.
    pub fn new(code: ResultCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            cl_trid: None,
        }
    }

    /// An error with `code` and the code's standard text (RFC 5730 §3).
    pub fn standard(code: ResultCode) -> Self {
        Self::new(code, code.message())
    }

    /// 2001: the XML is not well formed or not an EPP command (RFC 5730 §3).
    pub fn syntax(message: impl Into<String>) -> Self {
        Self::new(ResultCode::COMMAND_SYNTAX_ERROR, message)
    }

    /// 2003: a required element or attribute is missing (RFC 5730 §3).
    pub fn missing(what: &str) -> Self {
        Self::new(
            ResultCode::REQUIRED_PARAMETER_MISSING,
            format!("Required parameter missing: {what}"),
        )
    }

    /// 2005: a value does not have the syntax the schema gives it (RFC 5730 §3).
    pub fn bad_value(what: &str, value: &str) -> Self {
        Self::new(
            ResultCode::PARAMETER_VALUE_SYNTAX_ERROR,
            format!("Parameter value syntax error: {what} {value:?}"),
        )
    }

    /// The same error carrying the client transaction ID `cl_trid`.
    pub fn with_cl_trid(mut self, cl_trid: Option<String>) -> Self {
        self.cl_trid = cl_trid;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5730_section_3_texts_and_classes() {
        assert_eq!(ResultCode::COMPLETED.message(), "Command completed successfully");
        assert_eq!(
            ResultCode::COMPLETED_ACK_TO_DEQUEUE.message(),
            "Command completed successfully; ack to dequeue"
        );
        assert!(ResultCode::COMPLETED_NO_MESSAGES.is_success());
        assert!(!ResultCode::COMMAND_SYNTAX_ERROR.is_success());
        assert!(ResultCode::COMPLETED_ENDING_SESSION.closes_session());
        assert!(ResultCode::AUTHENTICATION_ERROR_CLOSING.closes_session());
        assert!(!ResultCode::AUTHENTICATION_ERROR.closes_session());
        assert_eq!(ResultCode(2999).message(), "Unknown result code");
    }
}
