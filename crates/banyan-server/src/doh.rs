//! DNS over HTTPS (RFC 8484): `GET /dns-query?dns=…` (the query in base64url without
//! padding, §4.1) and `POST /dns-query` with a body of type `application/dns-message`
//! (§4.1), over HTTP/2 or HTTP/1.1 as ALPN chose (hyper-util's auto builder), several
//! requests per connection (HTTP/1.1 keep-alive, HTTP/2 streams, bounded like a TCP
//! connection's queries in flight). Answers carry `Cache-Control: max-age` no longer than
//! their smallest TTL (§5.1).
//!
//! What it does not do: answer the query (the service hands it to an [`Answerer`]), other
//! paths (404), other methods (405), or zone transfers (one HTTP response holds one DNS
//! message; the authoritative server refuses AXFR and IXFR here).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

use crate::tcp::{Limits, Slot};

/// The path DoH is served on (RFC 8484 §3 leaves it to the server; `/dns-query` is what
/// clients assume by default).
pub const PATH: &str = "/dns-query";

/// The media type of a DNS message (RFC 8484 §6).
pub const MEDIA_TYPE: &str = "application/dns-message";

/// Longest DNS message (RFC 1035 §4.2.2's two-octet length): a longer body is refused.
const MAX_BODY: usize = 65535;

/// What answers one DNS query from a client: the reply, or `None` when there is none to
/// send (a message that cannot be answered at all).
pub(crate) type Answerer =
    Arc<dyn Fn(Vec<u8>, SocketAddr) -> Pin<Box<dyn Future<Output = Option<Vec<u8>>> + Send>> + Send + Sync>;

/// Serves DoH on one connection (after the TLS handshake) until the client closes it, it
/// stays idle for `limits.idle` with no request in progress, or the service stops.
pub(crate) async fn connection<S>(
    stream: S,
    peer: SocketAddr,
    answerer: Answerer,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    _slot: Slot,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // Requests seen and requests being answered: the connection is idle when the first has
    // not moved for a whole period and the second is zero.
    let seen = Arc::new(AtomicU64::new(0));
    let busy = Arc::new(AtomicUsize::new(0));
    let service = {
        let (seen, busy) = (seen.clone(), busy.clone());
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let (answerer, seen, busy) = (answerer.clone(), seen.clone(), busy.clone());
            async move {
                seen.fetch_add(1, Ordering::Relaxed);
                busy.fetch_add(1, Ordering::Relaxed);
                let response = handle(request, peer, &answerer).await;
                busy.fetch_sub(1, Ordering::Relaxed);
                Ok::<_, Infallible>(response)
            }
        })
    };
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http2()
        .max_concurrent_streams(u32::try_from(limits.in_flight.max(1)).unwrap_or(u32::MAX));
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut last = 0;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = stop.changed() => break,
            _ = tokio::time::sleep(limits.idle) => {
                let now = seen.load(Ordering::Relaxed);
                if now == last && busy.load(Ordering::Relaxed) == 0 {
                    break;
                }
                last = now;
            }
        }
    }
    // Answers in progress finish (bounded by the idle time), then the connection closes.
    conn.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(limits.idle, conn).await;
}

/// One HTTP request: the DNS query it carries answered, or the HTTP error that says why not.
async fn handle(request: Request<Incoming>, peer: SocketAddr, answerer: &Answerer) -> Response<Full<Bytes>> {
    if request.uri().path() != PATH {
        return error(StatusCode::NOT_FOUND);
    }
    let query = match *request.method() {
        Method::GET => {
            let Some(encoded) = request
                .uri()
                .query()
                .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("dns=")))
            else {
                return error(StatusCode::BAD_REQUEST);
            };
            match base64url_decode(encoded) {
                Some(q) if q.len() <= MAX_BODY => q,
                _ => return error(StatusCode::BAD_REQUEST),
            }
        }
        Method::POST => {
            let media = request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
            if media.map(|m| m.split(';').next().unwrap_or("").trim()) != Some(MEDIA_TYPE) {
                return error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
            }
            match Limited::new(request.into_body(), MAX_BODY).collect().await {
                Ok(body) => body.to_bytes().to_vec(),
                Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE),
            }
        }
        _ => return error(StatusCode::METHOD_NOT_ALLOWED),
    };
    // Shorter than a header: not a DNS message (RFC 8484 §4.2.1: 400).
    if query.len() < 12 {
        return error(StatusCode::BAD_REQUEST);
    }
    match answerer(query, peer).await {
        Some(reply) => {
            let max_age = max_age(&reply);
            let mut response = Response::new(Full::new(Bytes::from(reply.clone())));
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
            headers.insert(CONTENT_LENGTH, HeaderValue::from(reply.len()));
            if let Ok(v) = HeaderValue::from_str(&format!("max-age={max_age}")) {
                headers.insert(CACHE_CONTROL, v);
            }
            response
        }
        None => error(StatusCode::BAD_REQUEST),
    }
}

/// An empty response with `status`.
fn error(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// The freshness lifetime an HTTP cache may give `reply` (RFC 8484 §5.1): the smallest TTL
/// of its answer and authority records, and for a negative answer's SOA also its MINIMUM
/// (RFC 2308 §5); 0 when it has no record or does not parse.
pub(crate) fn max_age(reply: &[u8]) -> u32 {
    let Ok(message) = banyan_wire::Message::parse(reply) else {
        return 0;
    };
    let mut smallest: Option<u32> = None;
    for record in message.answers().chain(message.authority()) {
        let mut ttl = record.ttl;
        if record.rtype == banyan_wire::RecordType::SOA {
            // MINIMUM is the RDATA's last four octets, whatever the names before it.
            let rdata = record.rdata_bytes();
            if let Some(&[a, b, c, d]) = rdata.len().checked_sub(4).and_then(|at| rdata.get(at..)) {
                ttl = ttl.min(u32::from_be_bytes([a, b, c, d]));
            }
        }
        smallest = Some(smallest.map_or(ttl, |s| s.min(ttl)));
    }
    smallest.unwrap_or(0)
}

/// Decodes base64url without padding (RFC 4648 §5; RFC 8484 §4.1 drops the `=`). Trailing
/// `=` are tolerated; any other character outside the alphabet is an error.
pub(crate) fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A single leftover character (6 bits) cannot end a valid encoding.
    if bits >= 6 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_decodes_rfc_4648_vectors_without_padding() {
        for (text, plain) in [
            ("", ""),
            ("Zg", "f"),
            ("Zm8", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg", "foob"),
            ("Zm9vYmE", "fooba"),
            ("Zm9vYmFy", "foobar"),
            ("Zm9vYg==", "foob"),
        ] {
            assert_eq!(base64url_decode(text).as_deref(), Some(plain.as_bytes()), "{text}");
        }
        // The URL-safe alphabet: `-` and `_` for 62 and 63 (RFC 4648 §5).
        assert_eq!(base64url_decode("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(base64url_decode("+/8"), None);
        assert_eq!(base64url_decode("Zm9vY"), None, "a lone trailing character");
        assert_eq!(base64url_decode("Zm 9v"), None);
    }

    #[test]
    fn max_age_is_the_smallest_ttl_and_a_negative_answers_minimum() {
        // id, flags, counts: 1 question, 2 answers, 1 authority.
        let mut m = vec![0, 0, 0x84, 0, 0, 1, 0, 2, 0, 1, 0, 0];
        m.extend_from_slice(b"\x03www\x07example\x00\x00\x01\x00\x01");
        for ttl in [300u32, 60] {
            m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
            m.extend_from_slice(&ttl.to_be_bytes());
            m.extend_from_slice(&[0, 4, 192, 0, 2, 1]);
        }
        // SOA of `example.` with TTL 3600 and MINIMUM 30.
        m.extend_from_slice(&[0xc0, 16, 0, 6, 0, 1]);
        m.extend_from_slice(&3600u32.to_be_bytes());
        m.extend_from_slice(&[0, 22, 0, 0]);
        for v in [1u32, 2, 3, 4, 30] {
            m.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(max_age(&m), 30);
        // Without the authority record: the smaller answer TTL.
        m[9] = 0;
        let end = m.len() - 34;
        m.truncate(end);
        assert_eq!(max_age(&m), 60);
        // No record at all, or no message: 0.
        assert_eq!(max_age(&[0, 0, 0x84, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 0);
        assert_eq!(max_age(b"junk"), 0);
    }
}
