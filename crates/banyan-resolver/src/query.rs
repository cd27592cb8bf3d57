//! A client's query, read once and checked, without allocating: what both the cache-hit
//! path and the resolving path need to know about it.

use std::ops::Range;

use banyan_wire::header::HEADER_LEN;
use banyan_wire::{Class, Header, Message, NameBuf, Rcode, RecordType, WireName};

/// The parts of a client's OPT record the resolver acts on (RFC 6891 §6.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientEdns {
    /// The client's UDP payload size, at least 512 (RFC 6891 §6.2.5).
    pub udp_payload_size: u16,
    /// DO: DNSSEC records wanted (RFC 3225).
    pub dnssec_ok: bool,
}

/// A standard query that the resolver will answer: one question, opcode QUERY, EDNS
/// version 0 or no EDNS.
#[derive(Clone, Debug)]
pub struct ClientQuery<'a> {
    /// The query as received.
    pub bytes: &'a [u8],
    /// Its header.
    pub header: Header,
    /// QNAME, lowercased: the cache key (RFC 4343: names compare without case).
    pub qname: NameBuf,
    /// QTYPE.
    pub qtype: RecordType,
    /// QCLASS.
    pub qclass: Class,
    /// Where the question section lies in `bytes`; copied into the reply as it came, so the
    /// client sees its own spelling (and 0x20 pattern) back.
    pub question: Range<usize>,
    /// The client's EDNS, when it sent an OPT record.
    pub edns: Option<ClientEdns>,
}

/// What to do with a query that will not be resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Say nothing: no readable header, or a response (RFC 1035 §7.3: answering responses
    /// invites loops).
    Drop,
    /// Reply with this RCODE and no records (FORMERR, NOTIMP, BADVERS; RFC 6891 §6.1.3).
    Reply(Rcode),
}

impl<'a> ClientQuery<'a> {
    /// Reads and checks a query: malformed → FORMERR, opcode other than QUERY → NOTIMP,
    /// QDCOUNT ≠ 1 or records in answer/authority → FORMERR, EDNS version above 0 → BADVERS.
    pub fn parse(bytes: &'a [u8]) -> Result<ClientQuery<'a>, Rejection> {
        let header = Header::parse(bytes).ok_or(Rejection::Drop)?;
        if header.qr {
            return Err(Rejection::Drop);
        }
        let msg = Message::parse(bytes).map_err(|_| Rejection::Reply(Rcode::FORMERR))?;
        if header.opcode != 0 {
            return Err(Rejection::Reply(Rcode::NOTIMP));
        }
        if header.qdcount != 1 || header.ancount != 0 || header.nscount != 0 {
            return Err(Rejection::Reply(Rcode::FORMERR));
        }
        let q = msg.question().ok_or(Rejection::Reply(Rcode::FORMERR))?;
        let raw = NameBuf::from_message(bytes, q.qname.offset()).map_err(|_| Rejection::Reply(Rcode::FORMERR))?;
        let qname = lowercase(&raw);
        // A question whose name is compressed (legal, never seen) is not at 12..12+len;
        // the question's extent is found from the first record after it instead.
        let name_end = skip_name(bytes, HEADER_LEN).ok_or(Rejection::Reply(Rcode::FORMERR))?;
        let question = HEADER_LEN..name_end + 4;
        let edns = match msg.opt_record() {
            None => None,
            Some(opt) => {
                let version = (opt.ttl >> 16) as u8;
                if version > 0 {
                    return Err(Rejection::Reply(Rcode::BADVERS));
                }
                Some(ClientEdns {
                    udp_payload_size: opt.class.0.max(512),
                    dnssec_ok: opt.ttl & 0x8000 != 0,
                })
            }
        };
        Ok(ClientQuery {
            bytes,
            header,
            qname,
            qtype: q.qtype,
            qclass: q.qclass,
            question,
            edns,
        })
    }

    /// The largest UDP reply this client takes: min(its EDNS size, `ours`), 512 without EDNS
    /// (RFC 1035 §4.2.1, RFC 6891 §6.2.5).
    pub fn udp_limit(&self, ours: u16) -> usize {
        match self.edns {
            Some(e) => e.udp_payload_size.min(ours).max(512) as usize,
            None => 512,
        }
    }
}

/// The name with ASCII letters lowercased (RFC 4343 §3: only A-Z fold).
pub fn lowercase<N: WireName + ?Sized>(name: &N) -> NameBuf {
    let wire = name.wire();
    let mut buf = [0u8; 255];
    let len = wire.len().min(255);
    buf[..len].copy_from_slice(&wire[..len]);
    // Label lengths are at most 63, so lowercasing them is harmless; only letters change.
    buf[..len].make_ascii_lowercase();
    // The bytes were a valid name and lowercasing keeps every length octet, so this holds.
    NameBuf::from_wire(&buf[..len]).unwrap_or_default()
}

/// Offset just past the (uncompressed or compressed) name at `at`.
pub(crate) fn skip_name(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = *bytes.get(at)? as usize;
        match len {
            0 => return Some(at + 1),
            l if l & 0xC0 == 0xC0 => return Some(at + 2),
            l => at += 1 + l,
        }
    }
}

/// Writes a reply with `rcode` and no records to `query` into `out` (cleared first): the
/// question echoed when it could be read, RA set, an OPT when the client sent one (RFC 6891
/// §7: a BADVERS reply carries our version, 0).
pub fn write_rejection(query: &[u8], rcode: Rcode, out: &mut Vec<u8>) {
    out.clear();
    let Some(mut header) = Header::parse(query) else {
        return;
    };
    header.qr = true;
    header.aa = false;
    header.tc = false;
    header.ra = true;
    header.ad = false;
    header.z = false;
    header.rcode = (rcode.0 & 0xF) as u8;
    header.ancount = 0;
    header.nscount = 0;
    header.arcount = 0;
    let msg = Message::parse(query).ok();
    let question = match &msg {
        Some(m) if header.qdcount == 1 && m.question().is_some() => skip_name(query, HEADER_LEN)
            .filter(|&e| e + 4 <= query.len())
            .map(|e| HEADER_LEN..e + 4),
        _ => None,
    };
    header.qdcount = u16::from(question.is_some());
    let opt = msg.and_then(|m| m.opt_record()).is_some();
    header.arcount = u16::from(opt);
    out.extend_from_slice(&header.to_bytes());
    if let Some(q) = question {
        out.extend_from_slice(&query[q]);
    }
    if opt {
        // OPT: root owner, type 41, our payload size, extended RCODE high bits, version 0.
        let ext = (rcode.0 >> 4) as u8;
        out.push(0);
        out.extend_from_slice(&41u16.to_be_bytes());
        out.extend_from_slice(&banyan_wire::edns::DEFAULT_UDP_PAYLOAD.to_be_bytes());
        out.extend_from_slice(&[ext, 0, 0, 0]);
        out.extend_from_slice(&0u16.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str, edns: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut b = banyan_wire::MessageBuilder::new(
            &mut out,
            Header {
                id: 7,
                rd: true,
                ..Header::default()
            },
        );
        b.question(&banyan_wire::Name::parse(name, None).unwrap(), RecordType::A, Class::IN)
            .unwrap();
        if edns {
            b.edns(&banyan_wire::edns::Edns::default()).unwrap();
        }
        b.finish();
        out
    }

    #[test]
    fn reads_a_query_and_lowercases_the_name() {
        let bytes = query("WwW.ExAmple.", true);
        let q = ClientQuery::parse(&bytes).unwrap();
        assert_eq!(q.qname.to_string(), "www.example.");
        assert_eq!(&bytes[q.question.clone()][1..4], b"WwW");
        assert_eq!(q.question, 12..bytes.len() - 11);
        assert_eq!(q.edns.unwrap().udp_payload_size, 1232);
        assert_eq!(q.udp_limit(4096), 1232);
    }

    #[test]
    fn rejects_what_it_must() {
        assert_eq!(ClientQuery::parse(&[0; 5]).unwrap_err(), Rejection::Drop);
        let mut resp = query("a.", false);
        resp[2] |= 0x80;
        assert_eq!(ClientQuery::parse(&resp).unwrap_err(), Rejection::Drop);
        let mut notimp = query("a.", false);
        notimp[2] |= 2 << 3;
        assert_eq!(
            ClientQuery::parse(&notimp).unwrap_err(),
            Rejection::Reply(Rcode::NOTIMP)
        );
        let mut two = query("a.", false);
        two[5] = 2;
        assert_eq!(ClientQuery::parse(&two).unwrap_err(), Rejection::Reply(Rcode::FORMERR));
        let mut badvers = query("a.", true);
        let n = badvers.len();
        badvers[n - 5] = 1; // the OPT TTL's version octet
        assert_eq!(
            ClientQuery::parse(&badvers).unwrap_err(),
            Rejection::Reply(Rcode::BADVERS)
        );
        let mut out = Vec::new();
        write_rejection(&badvers, Rcode::BADVERS, &mut out);
        let m = Message::parse(&out).unwrap();
        assert_eq!(m.rcode(), Rcode::BADVERS);
        assert_eq!(m.id(), 7);
    }
}
