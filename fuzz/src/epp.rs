//! What a registry reads from the network besides DNS: EPP frames from registrars
//! (RFC 5730 commands, as the server parses them), EPP responses (as the client parses them)
//! and WHOIS query lines (RFC 3912). Never a panic; a frame or response that parses writes
//! back to XML that parses to the same value.

use banyan_registry::epp::{Frame, Response};
use banyan_registry::whois::WhoisQuery;

/// The property for one input: the bytes as a client frame, as a server response, and (when
/// UTF-8) each line as a WHOIS query.
pub fn check_epp(data: &[u8]) {
    if let Ok(frame) = Frame::parse(data) {
        let xml = frame.to_xml();
        let again =
            Frame::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("a written frame does not parse: {e}\n{xml}"));
        assert_eq!(again, frame, "frame round trip\n{xml}");
    }
    if let Ok(response) = Response::parse(data) {
        let xml = response.to_xml();
        let again =
            Response::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("a written response does not parse: {e}\n{xml}"));
        assert_eq!(again, response, "response round trip\n{xml}");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        for line in text.lines() {
            let _ = WhoisQuery::parse(line);
        }
    }
}
