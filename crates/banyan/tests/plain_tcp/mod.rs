//! The two plain-TCP questions the registry tests ask: an RDAP GET (HTTP/1.1, RFC 7480) and
//! a WHOIS query (RFC 3912), each returning the whole answer. Reads are bounded.

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
