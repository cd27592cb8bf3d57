//! Who is asking: the session cookie of a browser (RFC 6265) with its CSRF token, the bearer
//! token of an API client (RFC 6750), and the client's address for the login throttle.
//!
//! The cookie holds a random session ID; it is `HttpOnly` (no script reads it), `SameSite=Lax`
//! (not sent with cross-site form posts, RFC 6265bis §5.3.7), `Path=/`, with `Max-Age` the
//! session's lifetime and `Secure` when the dashboard is configured for HTTPS. Every
//! state-changing form also carries the session's CSRF token in a hidden field, checked before
//! anything else ([`SignedIn::check_csrf`]).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderValue;

use crate::credentials;
use crate::database::{Session, User};
use crate::error::WebError;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "banyan_session";

/// The value of `name` in a request's `Cookie` headers (RFC 6265 §5.4: `a=b; c=d`).
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// The `Set-Cookie` value that starts a session (RFC 6265 §4.1).
pub fn session_cookie(id: &str, max_age: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}",
        max_age.max(0)
    ))
    .ok()
}

/// The `Set-Cookie` value that ends a session: empty and already expired.
pub fn cleared_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("banyan_session=; Path=/; Max-Age=0"))
}

/// A browser with a live session.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The session and its account.
    pub session: Session,
    /// The digest of the session ID (its key in the database).
    pub digest: String,
}

impl SignedIn {
    /// The account.
    pub fn user(&self) -> &User {
        &self.session.user
    }

    /// Checks a form's CSRF token against the session's: [`WebError::Forbidden`] when it is
    /// missing or wrong.
    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if !token.is_empty() && credentials::same_secret(token, &self.session.csrf) {
            Ok(())
        } else {
            Err(WebError::Forbidden(
                "the form's security token is missing or wrong; reload the page",
            ))
        }
    }
}

async fn signed_in(parts: &Parts, state: &AppState) -> Result<Option<SignedIn>, WebError> {
    let Some(id) = cookie(parts, SESSION_COOKIE) else {
        return Ok(None);
    };
    let digest = credentials::digest(id);
    Ok(state
        .db()
        .session(&digest, state.now())
        .await?
        .map(|session| SignedIn { session, digest }))
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = crate::dashboard::HtmlError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        signed_in(parts, state).await?.ok_or(WebError::Unauthenticated.into())
    }
}

/// A browser with or without a live session.
#[derive(Clone, Debug)]
pub struct MaybeSignedIn(pub Option<SignedIn>);

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = crate::dashboard::HtmlError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeSignedIn(signed_in(parts, state).await?))
    }
}

/// An API client with a live bearer token (RFC 6750 §2.1: `Authorization: Bearer TOKEN`).
#[derive(Clone, Debug)]
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = crate::api::ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .ok_or(WebError::Unauthenticated)?;
        let user = state
            .db()
            .user_by_token(&credentials::digest(token))
            .await?
            .ok_or(WebError::Unauthenticated)?;
        Ok(ApiUser(user))
    }
}

/// The client's address, when the server recorded it (`axum::serve` with connect info, as
/// [`crate::serve`] does).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6265_section_5_4_cookie_header() {
        let req = axum::http::Request::builder()
            .header(COOKIE, "a=1; banyan_session=abc; c=\"q\"")
            .body(())
            .expect("request");
        let (parts, _) = req.into_parts();
        assert_eq!(cookie(&parts, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&parts, "c"), Some("q"));
        assert_eq!(cookie(&parts, "missing"), None);
    }

    #[test]
    fn cookie_attributes() {
        let v = session_cookie("id", 60, true).expect("header");
        let text = v.to_str().expect("ascii");
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=60", "Secure"] {
            assert!(text.contains(attr), "{text}");
        }
        let plain = session_cookie("id", 60, false).expect("header");
        assert!(!plain.to_str().expect("ascii").contains("Secure"));
        assert!(cleared_cookie(false).to_str().expect("ascii").contains("Max-Age=0"));
    }
}
