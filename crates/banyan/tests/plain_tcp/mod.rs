//! The plain-TCP questions the registry and `up` tests ask: an RDAP GET (HTTP/1.1, RFC 7480),
//! a WHOIS query (RFC 3912), each returning the whole answer, and the dashboard's JSON API.
//! Reads are bounded.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::time::Duration;

/// How long an answer may take.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A GET over plain HTTP/1.1 (the RDAP server); the whole response, headers included.
pub fn http_get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect rdap");
    s.set_read_timeout(Some(READ_TIMEOUT)).expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// One WHOIS question (RFC 3912) and its whole answer.
pub fn whois(addr: &str, query: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect whois");
    s.set_read_timeout(Some(READ_TIMEOUT)).expect("timeout");
    write!(s, "{query}\r\n").expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// A request with a JSON body (the dashboard's API) and optional bearer token; the status
/// code and the body.
pub fn http_json(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).expect("connect http");
    s.set_read_timeout(Some(READ_TIMEOUT)).expect("timeout");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}
