//! The query/response logic of `banyan query`, without sockets: building the query and
//! deciding whether a datagram is the reply to it (RFC 5452 §9.1: ID, question and source
//! address must all match, so that a spoofed or stale reply is dropped).
//!
//! [`crate::transport`] moves the bytes; everything it needs to decide lives here and is
//! unit-tested with hand-built messages.

use std::net::SocketAddr;

use banyan_wire::edns::Edns;
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, Opcode, Rcode, RecordType};

/// What is asked, and how the query message is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The name.
    pub name: Name,
    /// The type.
    pub qtype: RecordType,
    /// The class.
    pub qclass: Class,
    /// RD.
    pub recurse: bool,
    /// AD (RFC 6840 §5.7: asks for the AD bit in the answer).
    pub ad: bool,
    /// CD.
    pub cd: bool,
    /// The OPT record to send, if any.
    pub edns: Option<Edns>,
}

impl Query {
    /// The query message with message ID `id`.
    pub fn to_wire(&self, id: u16) -> Vec<u8> {
        let mut buf = Vec::with_capacity(64);
        let header = Header {
            id,
            opcode: Opcode::QUERY.0,
            rd: self.recurse,
            ad: self.ad,
            cd: self.cd,
            ..Header::default()
        };
        let mut b = MessageBuilder::new(&mut buf, header);
        // A single question and an OPT record are far below the 65535-octet limit, so
        // neither call can fail; the results are still checked rather than unwrapped.
        let fits = b.question(&self.name, self.qtype, self.qclass).is_ok()
            && self.edns.as_ref().is_none_or(|e| b.edns(e).is_ok());
        debug_assert!(fits, "a one-question query always fits");
        b.finish();
        buf
    }
}

/// Why a datagram was not taken as the reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Mismatch {
    /// It came from another address or port than the one asked.
    #[error("reply from unexpected source {got} (expected {expected})")]
    Source {
        /// The server asked.
        expected: SocketAddr,
        /// Where the datagram came from.
        got: SocketAddr,
    },
    /// It is not a DNS message.
    #[error("malformed reply: {0}")]
    Malformed(banyan_wire::ParseError),
    /// QR is clear: it is a query, not a response.
    #[error("message is not a response (QR clear)")]
    NotResponse,
    /// The ID differs.
    #[error("ID mismatch (expected {expected}, got {got})")]
    Id {
        /// The ID sent.
        expected: u16,
        /// The ID received.
        got: u16,
    },
    /// The question differs (or is missing in a successful response).
    #[error("question section mismatch")]
    Question,
}

/// Decides whether `reply`, received from `from`, answers `query` sent with `id` to
/// `server`. Over TCP pass the server as `from`: the connection already ties the two.
///
/// The question is compared case-insensitively (a server may echo 0x20-mixed case). A
/// response without a question is accepted only with an error RCODE such as FORMERR or
/// NOTIMP, which servers send when they could not read the question at all.
pub fn check_reply(query: &Query, id: u16, server: SocketAddr, from: SocketAddr, reply: &[u8]) -> Result<(), Mismatch> {
    if !same_endpoint(server, from) {
        return Err(Mismatch::Source {
            expected: server,
            got: from,
        });
    }
    let msg = Message::parse(reply).map_err(Mismatch::Malformed)?;
    if !msg.header().qr {
        return Err(Mismatch::NotResponse);
    }
    if msg.id() != id {
        return Err(Mismatch::Id {
            expected: id,
            got: msg.id(),
        });
    }
    let mut questions = msg.questions();
    match (questions.next(), questions.next()) {
        (Some(q), None) if q.qname.eq_name(&query.name) && q.qtype == query.qtype && q.qclass == query.qclass => Ok(()),
        (None, None) if !matches!(msg.rcode(), Rcode::NOERROR | Rcode::NXDOMAIN) => Ok(()),
        _ => Err(Mismatch::Question),
    }
}

/// Address and port equality that ignores the IPv6 flow label and, when the server was
/// given without one, the scope.
fn same_endpoint(server: SocketAddr, from: SocketAddr) -> bool {
    match (server, from) {
        (SocketAddr::V6(s), SocketAddr::V6(f)) => {
            s.ip() == f.ip() && s.port() == f.port() && (s.scope_id() == 0 || s.scope_id() == f.scope_id())
        }
        (s, f) => s == f,
    }
}

/// True when the reply says it was cut short (TC) and should be asked again over TCP.
pub fn is_truncated(reply: &[u8]) -> bool {
    Header::parse(reply).is_some_and(|h| h.tc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use banyan_wire::message::BuildSection;
    use banyan_wire::rdata::{RData, A};
    use banyan_wire::Record;

    fn query() -> Query {
        Query {
            name: Name::parse("www.example.com.", None).unwrap(),
            qtype: RecordType::A,
            qclass: Class::IN,
            recurse: true,
            ad: true,
            cd: false,
            edns: Some(Edns {
                dnssec_ok: true,
                ..Edns::default()
            }),
        }
    }

    fn server() -> SocketAddr {
        "127.0.0.1:53".parse().unwrap()
    }

    fn response(id: u16, qname: Option<&str>, rcode: Rcode) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(
            &mut buf,
            Header {
                id,
                qr: true,
                rcode: rcode.0 as u8,
                ..Header::default()
            },
        );
        if let Some(n) = qname {
            let name = Name::parse(n, None).unwrap();
            b.question(&name, RecordType::A, Class::IN).unwrap();
            b.push(
                BuildSection::Answer,
                &Record {
                    name,
                    class: Class::IN,
                    ttl: 60,
                    data: RData::A(A([192, 0, 2, 1].into())),
                },
            )
            .unwrap();
        }
        b.finish();
        buf
    }

    #[test]
    fn query_message_has_rd_ad_edns_and_do() {
        let wire = query().to_wire(0x1234);
        let msg = Message::parse(&wire).unwrap();
        let h = msg.header();
        assert_eq!(
            (h.id, h.qr, h.rd, h.ad, h.cd, h.qdcount),
            (0x1234, false, true, true, false, 1)
        );
        let edns = msg.edns().unwrap().unwrap();
        assert_eq!(edns.udp_payload_size, 1232);
        assert!(edns.dnssec_ok);
        let q = Query {
            edns: None,
            recurse: false,
            ..query()
        };
        let msg_wire = q.to_wire(1);
        let msg = Message::parse(&msg_wire).unwrap();
        assert!(msg.edns().is_none() && !msg.header().rd);
    }

    #[test]
    fn matching_reply_is_accepted() {
        let reply = response(7, Some("WWW.Example.COM."), Rcode::NOERROR);
        assert_eq!(check_reply(&query(), 7, server(), server(), &reply), Ok(()));
    }

    #[test]
    fn rfc5452_section_9_1_mismatches_are_refused() {
        let q = query();
        let good = response(7, Some("www.example.com."), Rcode::NOERROR);
        assert_eq!(
            check_reply(&q, 8, server(), server(), &good),
            Err(Mismatch::Id { expected: 8, got: 7 })
        );
        let other: SocketAddr = "127.0.0.2:53".parse().unwrap();
        assert!(matches!(
            check_reply(&q, 7, server(), other, &good),
            Err(Mismatch::Source { .. })
        ));
        let other_port: SocketAddr = "127.0.0.1:5353".parse().unwrap();
        assert!(check_reply(&q, 7, server(), other_port, &good).is_err());
        let wrong_name = response(7, Some("mail.example.com."), Rcode::NOERROR);
        assert_eq!(
            check_reply(&q, 7, server(), server(), &wrong_name),
            Err(Mismatch::Question)
        );
        assert!(matches!(
            check_reply(&q, 7, server(), server(), &good[..good.len() - 1]),
            Err(Mismatch::Malformed(_))
        ));
        // Our own query echoed back is not a response.
        let echo = q.to_wire(7);
        assert_eq!(
            check_reply(&q, 7, server(), server(), &echo),
            Err(Mismatch::NotResponse)
        );
    }

    #[test]
    fn questionless_errors_are_accepted_but_not_questionless_answers() {
        let q = query();
        let formerr = response(7, None, Rcode::FORMERR);
        assert_eq!(check_reply(&q, 7, server(), server(), &formerr), Ok(()));
        let noerror = response(7, None, Rcode::NOERROR);
        assert_eq!(
            check_reply(&q, 7, server(), server(), &noerror),
            Err(Mismatch::Question)
        );
    }

    #[test]
    fn truncation_flag() {
        let mut reply = response(7, Some("www.example.com."), Rcode::NOERROR);
        assert!(!is_truncated(&reply));
        reply[2] |= 0x02;
        assert!(is_truncated(&reply));
        assert!(!is_truncated(&[0; 4]));
    }
}
