//! NOTIFY (RFC 1996): a primary tells its secondaries that a zone changed.
//!
//! In: a NOTIFY for a zone this server is a secondary for ([`AuthConfig::secondaries`]),
//! from one of that zone's primaries, is acknowledged and becomes [`Action::Notify`], on
//! which the server refreshes the zone (RFC 1996 §3.11). So does a NOTIFY for any other
//! zone from one of [`AuthConfig::notifiers`]: the writer of a shared store (a dashboard)
//! saying a zone there changed, or was created, so the server reads it at once. A zone we
//! are not a secondary for is otherwise NOTAUTH; a NOTIFY from any other address is
//! REFUSED (RFC 1996 §3.10).
//!
//! Out: [`notify_message`] builds the NOTIFY a primary sends (RFC 1996 §3.7), and
//! [`is_notify_ack`] tells whether a reply acknowledges it (RFC 1996 §4.7).

use std::net::IpAddr;

use banyan_wire::edns::Edns;
use banyan_wire::message::{BuildSection, Message, MessageBuilder, MAX_MESSAGE_LEN};
use banyan_wire::{Class, Header, Name, NameBuf, Opcode, RData, Rcode, Record, RecordType};

use crate::answer::{error_reply, finish, start, Action, Request};
use crate::config::AuthConfig;

/// Answers a NOTIFY request whose single question is `question` (RFC 1996 §3.7, §4.7).
pub(crate) fn answer(
    config: &AuthConfig,
    req: &Request<'_>,
    msg: &Message<'_>,
    question: (&NameBuf, RecordType, Class),
    opt: Option<&Edns>,
    out: &mut Vec<u8>,
) -> Action {
    let header = msg.header();
    let (qname, qtype, qclass) = question;
    // RFC 1996 §3.7: the question is the zone's SOA; only SOA is defined.
    if qtype != RecordType::SOA {
        return error_reply(header, Some(question), opt, Rcode::FORMERR, out);
    }
    let zone = qname.to_name();
    let client = unmapped(req.client.ip());
    let primaries = config.primaries(&zone).filter(|_| qclass == Class::IN);
    match primaries {
        // RFC 1996 §3.10: only a known primary may prompt a refresh.
        Some(primaries) if !primaries.iter().any(|p| unmapped(*p) == client) => {
            return error_reply(header, Some(question), opt, Rcode::REFUSED, out);
        }
        Some(_) => {}
        // A zone taken from a shared store: its writer may say it changed (or is new, so
        // not in the catalog yet: no check that the zone is served).
        None if qclass == Class::IN && config.notifiers.iter().any(|n| n.contains(client)) => {}
        None if !config.notifiers.is_empty() && qclass == Class::IN => {
            return error_reply(header, Some(question), opt, Rcode::REFUSED, out);
        }
        None => return error_reply(header, Some(question), opt, Rcode::NOTAUTH, out),
    }
    // RFC 1996 §3.7: the answer section may carry the primary's new SOA.
    let serial = msg
        .answers()
        .filter(|r| r.rtype == RecordType::SOA && r.name.eq_name(&zone))
        .find_map(|r| match r.rdata() {
            Ok(RData::SOA(soa)) => Some(soa.serial),
            _ => None,
        });
    let mut b = start(out, header, opt, MAX_MESSAGE_LEN);
    b.header_mut().aa = true;
    let _ = b.question(qname, qtype, qclass);
    finish(b, opt);
    Action::Notify { zone, serial }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it maps, so that a primary listed as
/// `192.0.2.1` matches a NOTIFY arriving on a dual-stack socket.
fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Builds into `out` (cleared first) the NOTIFY a primary sends for `zone` (RFC 1996 §3.7):
/// ID `id`, opcode NOTIFY, AA set, the question `zone SOA IN`, and, when given, the zone's
/// new SOA in the answer section (RFC 1996 §3.7, a hint the secondary may use).
pub fn notify_message(zone: &Name, id: u16, soa: Option<&Record>, out: &mut Vec<u8>) {
    let header = Header {
        id,
        opcode: Opcode::NOTIFY.0,
        aa: true,
        ..Header::default()
    };
    let mut b = MessageBuilder::new(out, header);
    let _ = b.question(zone, RecordType::SOA, Class::IN);
    if let Some(soa) = soa {
        let _ = b.push(BuildSection::Answer, soa);
    }
    b.finish();
}

/// True when `reply` acknowledges the NOTIFY with ID `id` for `zone` (RFC 1996 §4.7): a
/// response (QR) with the same ID, opcode NOTIFY, RCODE NOERROR, and the question
/// `zone SOA IN` echoed.
pub fn is_notify_ack(reply: &[u8], id: u16, zone: &Name) -> bool {
    let Ok(msg) = Message::parse(reply) else {
        return false;
    };
    let h = msg.header();
    if !h.qr || h.id != id || h.opcode() != Opcode::NOTIFY || msg.rcode() != Rcode::NOERROR || h.qdcount != 1 {
        return false;
    }
    msg.question()
        .is_some_and(|q| q.qname.eq_name(zone) && q.qtype == RecordType::SOA && q.qclass == Class::IN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1996_section_3_7_notify_and_section_4_7_ack() {
        let zone: Name = "example.".parse().unwrap();
        let soa = Record::from_text("example. 3600 IN SOA ns1.example. host.example. 7 1 1 1 1", None, None).unwrap();
        let mut out = Vec::new();
        notify_message(&zone, 0x1234, Some(&soa), &mut out);
        let msg = Message::parse(&out).unwrap();
        let h = msg.header();
        assert_eq!((h.id, h.opcode(), h.aa, h.qr), (0x1234, Opcode::NOTIFY, true, false));
        let q = msg.question().unwrap();
        assert!(q.qname.eq_name(&zone) && q.qtype == RecordType::SOA && q.qclass == Class::IN);
        assert_eq!(msg.answers().next().unwrap().to_record().unwrap(), soa);
        assert!(!is_notify_ack(&out, 0x1234, &zone), "the request is not a response");
        // The secondary's acknowledgement: QR set, question echoed.
        let mut ack = out.clone();
        ack[2] |= 0x80;
        assert!(is_notify_ack(&ack, 0x1234, &zone));
        assert!(!is_notify_ack(&ack, 0x1235, &zone), "another ID");
        assert!(
            !is_notify_ack(&ack, 0x1234, &"example.org.".parse().unwrap()),
            "another zone"
        );
        let mut refused = ack.clone();
        refused[3] |= Rcode::REFUSED.0 as u8;
        assert!(
            !is_notify_ack(&refused, 0x1234, &zone),
            "an error is no acknowledgement"
        );
        assert!(!is_notify_ack(&ack[..5], 0x1234, &zone), "garbage");
    }
}
