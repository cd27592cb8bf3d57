//! Answering one query (RFC 1034 §4.3.2) into a response message.
//!
//! The steps, in the order of the response's sections:
//! 1. read the query: no header → drop; a response (QR) → drop; unparseable → FORMERR; an
//!    opcode other than QUERY, NOTIFY or UPDATE → NOTIMP; QDCOUNT ≠ 1 → FORMERR; bad EDNS →
//!    FORMERR / BADVERS; NOTIFY goes to [`crate::notify`], UPDATE to [`crate::update`], AXFR
//!    and IXFR to [`crate::transfer`];
//! 2. pick the zone (the closest enclosing served zone; for DS at a zone apex, the parent);
//! 3. follow the lookup outcomes, writing the answer section as they come: data, CNAMEs
//!    (across served zones), DNAME plus the synthesised CNAME;
//! 4. write the authority section: the SOA for NXDOMAIN/NODATA (RFC 2308 §3), or the NS
//!    RRset of a referral;
//! 5. write the additional section: glue for a referral, addresses of NS/MX/SRV targets;
//! 6. OPT last, in the space kept for it.
//!
//! With the DO bit (RFC 3225), every RRset from a signed zone is followed by its RRSIGs and
//! the authority section carries the proofs of RFC 4035 §3.1 and RFC 5155 §7.2, chosen in
//! [`crate::dnssec`]. Without it, no DNSSEC record is added (RFC 4035 §3.2.1).

use std::net::SocketAddr;

use banyan_wire::edns::{self, Edns, EdnsOption};
use banyan_wire::message::{BuildError, BuildSection, Message, MessageBuilder};
use banyan_wire::rdata::Txt;
use banyan_wire::tsig;
use banyan_wire::{Class, Header, Name, NameBuf, Opcode, RData, Rcode, RecordType, WireName};
use banyan_zone::{Lookup, Node, Rrset, Zone};

use crate::catalog::Catalog;
use crate::config::AuthConfig;
use crate::dnssec::{is_dnssec_only, push_signed, wire_size, Proofs};
use crate::views::Selection;

/// Longest chain of CNAMEs and DNAMEs followed for one query, as BIND (16) and Knot do.
pub const MAX_CHAIN: usize = 16;

/// UDP responses are at most this large without EDNS (RFC 1035 §4.2.1).
const PLAIN_UDP_LIMIT: usize = 512;

/// How the query arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Over UDP: the response is limited in size and may be truncated.
    Udp,
    /// Over TCP: up to 65535 octets; zone transfers allowed.
    Tcp,
}

/// One query as it arrived.
pub struct Request<'a> {
    /// The message.
    pub bytes: &'a [u8],
    /// Who sent it (for transfer ACLs and NOTIFY's primaries, RFC 1996 §3.10).
    pub client: SocketAddr,
    /// UDP or TCP.
    pub transport: Transport,
    /// Seconds since 1970 when it arrived: the clock a TSIG's time is checked against
    /// (RFC 8945 §5.2.3) and responses are signed at. Read by the server at the I/O edge
    /// (once per batch); unused for unsigned messages.
    pub now: u64,
}

/// What the server should do with the query.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Send the response now in `out`.
    Reply,
    /// Send nothing: no header could be read, or the packet is itself a response.
    Drop,
    /// A zone transfer (TCP only): send these messages in order (RFC 5936 §2.2, RFC 1995
    /// §4).
    Stream(Vec<Vec<u8>>),
    /// A NOTIFY from a primary of a zone this server is a secondary for (RFC 1996 §3.7):
    /// send the acknowledgement in `out`, then check the primary for a newer version
    /// (RFC 1996 §3.11), of at least `serial` when the NOTIFY carried the new SOA.
    Notify {
        /// The zone that changed.
        zone: Name,
        /// The serial the primary announced (its SOA in the answer section), if any.
        serial: Option<u32>,
    },
    /// An UPDATE (RFC 2136) for `zone`, which this server is authoritative for; nothing is
    /// written. The server applies updates to one zone one at a time with
    /// [`crate::apply_update`] and answers with [`crate::update_reply`].
    Update {
        /// The zone named in the zone section (RFC 2136 §2.3).
        zone: Name,
    },
}

/// Answers `req` from `catalog` into `out` (cleared first). Pure: no I/O, no clock (the
/// time comes in the request).
///
/// A message with a TSIG (RFC 8945) is verified against `config.keys` first: a failure is
/// answered NOTAUTH with the TSIG error (§5.2); a verified request's key may admit a zone
/// transfer ([`crate::TransferAcl::Key`]), and its response is signed (§5.3), every message
/// of a transfer stream included (§5.3.1).
pub fn respond(catalog: &Catalog, config: &AuthConfig, req: &Request<'_>, out: &mut Vec<u8>) -> Action {
    let Some(header) = Header::parse(req.bytes) else {
        return Action::Drop;
    };
    if header.qr {
        // Answering a response invites reflection loops; RFC 1035 §7.3 servers discard them.
        return Action::Drop;
    }
    let msg = match Message::parse(req.bytes) {
        Ok(m) => m,
        Err(_) => return error_reply(&header, None, None, Rcode::FORMERR, out),
    };
    if msg.tsig_offset().is_none() {
        return answer_message(catalog, config, req, &header, &msg, None, out);
    }
    // Over UDP a signed response, or the TSIG error answering a request, must still fit the
    // client's size once its TSIG is on.
    let limit = udp_limit(msg.edns().and_then(Result::ok).as_ref(), config);
    let too_long = |out: &Vec<u8>| req.transport == Transport::Udp && out.len() > limit;
    let question = || readable_question(&msg, req.bytes);
    match tsig::verify_request(req.bytes, &config.keys, req.now) {
        Ok(None) => answer_message(catalog, config, req, &header, &msg, None, out),
        Ok(Some(signed)) => {
            let action = answer_message(catalog, config, req, &header, &msg, Some(&signed.key), out);
            let action = sign_action(action, &signed, req.now, out);
            if matches!(action, Action::Reply | Action::Notify { .. }) && too_long(out) {
                // RFC 8945 §5.3: when the TSIG would not fit, only the question and the TSIG,
                // with TC and NOERROR. Answers leave room for it (`answer_message`); this
                // catches the rest: error replies and NOTIFY acknowledgements repeating a long
                // question beside a long key name. Without the question if even that is too
                // long (a known key's TSIG alone always fits: names are at most 255 octets).
                let question = question();
                for q in [question.as_ref(), None] {
                    truncated_reply(&header, q.map(|(n, t, c)| (n, *t, *c)), None, out);
                    tsig::sign_response(out, &signed.key, &signed.mac, req.now);
                    if !too_long(out) {
                        break;
                    }
                }
            }
            action
        }
        Err(failure) => {
            let question = question();
            let question = question.as_ref().map(|(n, t, c)| (n, *t, *c));
            // The error's TSIG carries the request's own key and algorithm names (RFC 8945
            // §5.3.2), each up to 255 octets: a request can make its error too long for a
            // datagram. Then TC (RFC 2181 §9), the question left out, and the TSIG too if
            // still too long, so that the client asks again over TCP.
            for (question, truncated, signed) in [(question, false, true), (None, true, true), (None, true, false)] {
                error_reply(&header, question, None, Rcode::NOTAUTH, out);
                if truncated {
                    set_tc(out);
                }
                if signed {
                    tsig::append_error(out, &failure, req.now);
                }
                if !too_long(out) {
                    break;
                }
            }
            Action::Reply
        }
    }
}

/// Sets TC in the header of the message in `out`.
fn set_tc(out: &mut [u8]) {
    if let Some(mut header) = Header::parse(out) {
        header.tc = true;
        out[..banyan_wire::header::HEADER_LEN].copy_from_slice(&header.to_bytes());
    }
}

/// The first question of `msg` (whose octets are `bytes`), its name copied out; `None` when
/// there is none or its name cannot be read.
fn readable_question(msg: &Message<'_>, bytes: &[u8]) -> Option<(NameBuf, RecordType, Class)> {
    let q = msg.question()?;
    Some((NameBuf::from_message(bytes, q.qname.offset()).ok()?, q.qtype, q.qclass))
}

/// Signs what `action` sends as the response to the verified request `signed`.
fn sign_action(action: Action, signed: &tsig::SignedRequest, now: u64, out: &mut Vec<u8>) -> Action {
    match action {
        Action::Reply | Action::Notify { .. } => {
            tsig::sign_response(out, &signed.key, &signed.mac, now);
            action
        }
        Action::Stream(mut messages) => {
            let mut signer = tsig::StreamSigner::new(signed.key.clone(), signed.mac.clone());
            for m in &mut messages {
                signer.sign(m, now);
            }
            Action::Stream(messages)
        }
        // The server verifies and signs an UPDATE's reply itself, after applying it.
        Action::Drop | Action::Update { .. } => action,
    }
}

/// [`respond`] after the TSIG check: `key` is the key the request was verified with, if any
/// (its response is signed with it after this returns).
fn answer_message(
    catalog: &Catalog,
    config: &AuthConfig,
    req: &Request<'_>,
    header: &Header,
    msg: &Message<'_>,
    key: Option<&tsig::TsigKey>,
    out: &mut Vec<u8>,
) -> Action {
    let header = *header;
    let key_name = key.map(|k| &k.name);
    let question = match msg.question() {
        // The name is copied onto the stack: nothing is allocated per query.
        Some(q) => match NameBuf::from_message(req.bytes, q.qname.offset()) {
            Ok(name) => Some((name, q.qtype, q.qclass)),
            Err(_) => return error_reply(&header, None, None, Rcode::FORMERR, out),
        },
        None => None,
    };
    let question_ref = question.as_ref().map(|(n, t, c)| (n, *t, *c));
    let edns = match msg.edns() {
        None => None,
        Some(Ok(e)) => Some(e),
        // RFC 6891 §6.1.1 / RFC 7871 §6, RFC 7873 §5.2.2: a malformed option is FORMERR.
        Some(Err(_)) => return error_reply(&header, question_ref, None, Rcode::FORMERR, out),
    };
    let mut reply_edns = edns.as_ref().map(|e| reply_opt(e, config));
    // RFC 7873 §5.2: with cookies on, the COOKIE option is judged and answered with ours in
    // every response that carries an OPT, errors included.
    let verdict = match (&config.cookies, &edns, reply_edns.as_mut()) {
        (Some(cookies), Some(e), Some(reply)) => match e.option(edns::code::COOKIE) {
            Some(EdnsOption::Cookie(c)) => {
                let client = req.client.ip();
                let verdict = crate::cookies::check(&cookies.secret, c, client, req.now);
                let ours = crate::cookies::reply_cookie(&cookies.secret, c, verdict, client, req.now);
                reply.options.push(EdnsOption::Cookie(ours));
                Some(verdict)
            }
            _ => None,
        },
        _ => None,
    };
    let opcode = header.opcode();
    if !matches!(opcode, Opcode::QUERY | Opcode::NOTIFY | Opcode::UPDATE) {
        return error_reply(&header, question_ref, reply_edns.as_ref(), Rcode::NOTIMP, out);
    }
    let (qname, qtype, qclass) = match question_ref {
        Some(q) if header.qdcount == 1 => q,
        _ => return error_reply(&header, question_ref, reply_edns.as_ref(), Rcode::FORMERR, out),
    };
    if edns.as_ref().is_some_and(|e| e.version > 0) {
        // RFC 6891 §6.1.3: answer BADVERS with the version we do speak.
        return error_reply(
            &header,
            Some((qname, qtype, qclass)),
            reply_edns.as_ref(),
            Rcode::BADVERS,
            out,
        );
    }
    match opcode {
        Opcode::NOTIFY => {
            return crate::notify::answer(config, req, msg, (qname, qtype, qclass), reply_edns.as_ref(), out)
        }
        Opcode::UPDATE => {
            return crate::update::screen(catalog, &header, (qname, qtype, qclass), reply_edns.as_ref(), out)
        }
        _ => {}
    }
    if let Some(refusal) = cookie_refusal(config, req, key_name, verdict) {
        let question = Some((qname, qtype, qclass));
        return match refusal {
            CookieRefusal::BadCookie => error_reply(&header, question, reply_edns.as_ref(), Rcode::BADCOOKIE, out),
            CookieRefusal::Truncate => truncated_reply(&header, question, reply_edns.as_ref(), out),
        };
    }
    let limit = match req.transport {
        Transport::Tcp => banyan_wire::message::MAX_MESSAGE_LEN,
        Transport::Udp => udp_limit(edns.as_ref(), config),
    };
    // A signed response gets its TSIG after it is built (RFC 8945 §5.3): room is kept for
    // it, as BIND and Knot keep it, so that a UDP answer is cut to fit with it.
    let tsig_len = key.map_or(0, tsig::response_len);
    // Only class IN is answered from the zones; a transfer in another class takes the path of
    // any other question in that class (REFUSED, the question as asked).
    if matches!(qtype, RecordType::AXFR | RecordType::IXFR) && qclass == Class::IN {
        let question = crate::transfer::Question { qname, qtype };
        return crate::transfer::transfer(
            catalog,
            config,
            req,
            key_name,
            msg,
            question,
            reply_edns.as_ref(),
            // Over UDP the TSIG's room too: an IXFR that fits only unsigned gets the SOA
            // alone (RFC 1995 §2), which fits signed.
            limit.saturating_sub(tsig_len),
            out,
        );
    }
    // Views, ECS and the debug option: one check when none is configured.
    let mut selection = if config.views.is_empty() && !config.ecs && config.debug_allow.is_empty() {
        None
    } else {
        Some(crate::views::select(
            config,
            req.client.ip(),
            edns.as_ref(),
            reply_edns.as_mut(),
        ))
    };
    let mut b = start(out, &header, reply_edns.as_ref(), limit);
    let opt_len = reply_edns.as_ref().map_or(0, Edns::wire_len);
    // Replaces the OPT-only room `start` keeps.
    b.reserve(opt_len + tsig_len);
    if b.question(qname, qtype, qclass).is_err() {
        return finish(b, reply_edns.as_ref());
    }
    let shape = Shape {
        dnssec: edns.as_ref().is_some_and(|e| e.dnssec_ok),
        room: limit.saturating_sub(opt_len + tsig_len),
    };
    match qclass {
        Class::IN => answer_in(catalog, &mut b, qname, qtype, shape, selection.as_mut()),
        Class::CH => answer_chaos(config, &mut b, qname, qtype, qclass),
        _ => b.header_mut().rcode = Rcode::REFUSED.0 as u8,
    }
    if let (Some(sel), Some(reply)) = (&selection, reply_edns.as_mut()) {
        crate::views::finish_ecs(reply, sel);
    }
    finish(b, reply_edns.as_ref())
}

/// The largest UDP response to a query with `edns` (RFC 6891 §6.2.5): the smaller of the
/// requester's size and ours, never under 512; 512 without EDNS (RFC 1035 §4.2.1).
fn udp_limit(edns: Option<&Edns>, config: &AuthConfig) -> usize {
    match edns {
        Some(e) => (e.udp_payload_size.min(config.max_udp_payload) as usize).max(PLAIN_UDP_LIMIT),
        None => PLAIN_UDP_LIMIT,
    }
}

/// How a UDP QUERY without a valid server cookie is refused when cookies are required.
enum CookieRefusal {
    /// It sent a client cookie: BADCOOKIE (RFC 7873 §5.2.3, §5.2.4), the response carrying
    /// a fresh server cookie the client retries with (§5.3).
    BadCookie,
    /// It sent no COOKIE option: an empty reply with TC, so that it retries over TCP
    /// (RFC 7766 §5), where the handshake proves its address.
    Truncate,
}

/// Whether a QUERY is refused for want of a valid server cookie: only when cookies are
/// required, only over UDP (TCP is never refused for cookies), and not for a request
/// verified with a TSIG key (the key proves more than an address).
fn cookie_refusal(
    config: &AuthConfig,
    req: &Request<'_>,
    key: Option<&Name>,
    verdict: Option<crate::cookies::Verdict>,
) -> Option<CookieRefusal> {
    let cookies = config.cookies.as_ref()?;
    if !cookies.require || req.transport != Transport::Udp || key.is_some() {
        return None;
    }
    match verdict {
        Some(v) if v.is_valid() => None,
        Some(_) => Some(CookieRefusal::BadCookie),
        None => Some(CookieRefusal::Truncate),
    }
}

/// An empty response with TC set: the question, OPT when the query had one, nothing else.
fn truncated_reply(
    query: &Header,
    question: Option<(&NameBuf, RecordType, Class)>,
    opt: Option<&Edns>,
    out: &mut Vec<u8>,
) -> Action {
    let mut b = start(out, query, opt, banyan_wire::message::MAX_MESSAGE_LEN);
    b.header_mut().tc = true;
    if let Some((n, t, c)) = question {
        let _ = b.question(n, t, c);
    }
    finish(b, opt)
}

/// The OPT record of a response to an EDNS query: our UDP size, DO echoed (RFC 3225 §3),
/// NSID when asked for and configured (RFC 5001 §2.3).
fn reply_opt(query: &Edns, config: &AuthConfig) -> Edns {
    let mut options = Vec::new();
    if let Some(nsid) = &config.nsid {
        if query.option(edns::code::NSID).is_some() {
            options.push(EdnsOption::Nsid(nsid.clone()));
        }
    }
    Edns {
        udp_payload_size: config.max_udp_payload,
        dnssec_ok: query.dnssec_ok,
        options,
        ..Edns::default()
    }
}

pub(crate) fn start<'b>(out: &'b mut Vec<u8>, query: &Header, opt: Option<&Edns>, limit: usize) -> MessageBuilder<'b> {
    let header = Header {
        id: query.id,
        qr: true,
        opcode: query.opcode,
        rd: query.rd,
        cd: query.cd,
        ..Header::default()
    };
    let mut b = MessageBuilder::new(out, header);
    b.set_limit(limit);
    if let Some(o) = opt {
        b.reserve(o.wire_len());
    }
    b
}

pub(crate) fn finish(mut b: MessageBuilder<'_>, opt: Option<&Edns>) -> Action {
    if let Some(o) = opt {
        let mut o = o.clone();
        let rcode = b.header_mut().rcode as u16;
        o.extended_rcode = (rcode >> 4) as u8;
        let _ = b.edns(&o);
    }
    b.finish();
    Action::Reply
}

/// A response with no answer: RCODE, the question when one could be read, OPT when the
/// query had a readable one.
pub(crate) fn error_reply(
    query: &Header,
    question: Option<(&NameBuf, RecordType, Class)>,
    opt: Option<&Edns>,
    rcode: Rcode,
    out: &mut Vec<u8>,
) -> Action {
    let mut b = start(out, query, opt, banyan_wire::message::MAX_MESSAGE_LEN);
    b.header_mut().rcode = (rcode.0 & 0x0F) as u8;
    if let Some((n, t, c)) = question {
        let _ = b.question(n, t, c);
    }
    if let Some(o) = opt {
        let mut o = o.clone();
        o.extended_rcode = (rcode.0 >> 4) as u8;
        let _ = b.edns(&o);
    }
    b.finish();
    Action::Reply
}

/// What the response may hold besides the data itself.
#[derive(Clone, Copy)]
struct Shape {
    /// The query set DO (RFC 3225): add RRSIGs and proofs from signed zones.
    dnssec: bool,
    /// Octets the sections may fill, the space of the OPT record and of a TSIG added after
    /// (RFC 8945 §5.3) left out.
    room: usize,
}

/// How the answer section ended, deciding the authority section.
enum Ending<'z> {
    /// Data found (or a chain left the served zones): nothing in authority but proofs for
    /// wildcard answers.
    Done,
    /// NODATA: the SOA of this zone (RFC 2308 §2.2), and with DO the proof that the node
    /// (the wildcard, when `wildcard`) lacks the type.
    NoData {
        zone: &'z Zone,
        node: &'z Node,
        wildcard: bool,
    },
    /// NXDOMAIN: the SOA of this zone (RFC 2308 §2.1), and with DO the proof that neither
    /// the name nor a wildcard at its closest encloser exists.
    NxDomain { zone: &'z Zone, closest_encloser: &'z Node },
    /// A referral to the child's servers (RFC 1034 §4.3.2 step 3b).
    Referral(&'z Zone, &'z Node, &'z Rrset),
}

fn answer_in(
    catalog: &Catalog,
    b: &mut MessageBuilder<'_>,
    qname: &NameBuf,
    qtype: RecordType,
    shape: Shape,
    mut views: Option<&mut Selection<'_>>,
) {
    let dnssec = shape.dnssec;
    let zone = if qtype == RecordType::DS {
        // DS belongs to the parent side of a cut (RFC 4035 §3.1.4.1).
        match catalog.find(qname) {
            Some(z) if qname == z.origin() => catalog.find_parent(qname).or(Some(z)),
            other => other,
        }
    } else {
        catalog.find(qname)
    };
    let Some(mut zone) = zone else {
        b.header_mut().rcode = Rcode::REFUSED.0 as u8;
        return;
    };
    if catalog.is_expired(zone.origin()) {
        // RFC 1035 §3.3.13: past EXPIRE the copy is no longer authoritative data; BIND and
        // Knot answer SERVFAIL for it.
        b.header_mut().rcode = Rcode::SERVFAIL.0 as u8;
        return;
    }
    let mut name = *qname;
    // Names already followed, on the stack: a chain is at most MAX_CHAIN long. `None` until
    // written, so that only the slots' tags are set up per query, not 17 names' octets.
    let mut visited: [Option<NameBuf>; MAX_CHAIN + 1] = [None; MAX_CHAIN + 1];
    let mut followed = 0usize;
    let mut extra = Targets::default();
    let mut proofs = Proofs::default();
    let mut first = true;
    let ending = loop {
        let outcome = zone.lookup(&name, qtype);
        let overlay = match views.as_deref_mut() {
            Some(sel) if overlay_allowed(&outcome, qtype) => {
                let base = match &outcome {
                    Lookup::Answer {
                        rrset, wildcard: None, ..
                    }
                    | Lookup::Cname {
                        rrset, wildcard: None, ..
                    } => Some(rrset.rtype),
                    _ => None,
                };
                let signed = zone.apex().rrset(RecordType::DNSKEY).is_some();
                sel.overlay(&name, qtype, base, signed)
            }
            _ => None,
        };
        if first {
            // AA describes the answer to the question asked (RFC 1034 §4.1.1): everything but a
            // referral is our own data.
            b.header_mut().aa = overlay.is_some() || !matches!(outcome, Lookup::Referral { .. });
            first = false;
        }
        let next = if let Some((set, sigs)) = overlay {
            // The view's set replaces the zone's; a CNAME of the view is followed like one
            // of the zone.
            if push_set(b, BuildSection::Answer, &name, zone.class(), set).is_err() {
                return;
            }
            if let (true, Some(sigs)) = (dnssec, sigs) {
                if push_set(b, BuildSection::Answer, &name, zone.class(), sigs).is_err() {
                    return;
                }
            }
            if set.rtype == RecordType::CNAME && qtype != RecordType::CNAME {
                set.rdata.first().and_then(|w| NameBuf::from_wire(w).ok())
            } else {
                note_targets(set, &mut extra);
                break Ending::Done;
            }
        } else {
            match outcome {
                Lookup::Answer { node, rrset, wildcard } => {
                    // An answer that does not fit ends here with TC set (RFC 2181 §9).
                    let written = if qtype == RecordType::RRSIG {
                        // RRSIGs are kept per covered type; asked for by type, all of them.
                        node.rrsets
                            .iter()
                            .filter(|s| s.rtype == RecordType::RRSIG)
                            .try_for_each(|s| push_set(b, BuildSection::Answer, &name, zone.class(), s))
                    } else {
                        push_signed(b, BuildSection::Answer, &name, zone.class(), node, rrset, dnssec)
                    };
                    if written.is_err() {
                        return;
                    }
                    if let (true, Some(wc)) = (dnssec, wildcard) {
                        proofs.wildcard_answer(zone, &name, wc);
                    }
                    note_targets(rrset, &mut extra);
                    break Ending::Done;
                }
                Lookup::Any { node, wildcard } => {
                    // RFC 8482 §4.2 lets a server choose; every RRset, as NSD answers, keeps
                    // ANY useful for debugging. RRSIGs follow the sets they cover with DO, and
                    // DNSSEC records are left out without it (RFC 4035 §3.2.1).
                    for set in &node.rrsets {
                        if set.rtype == RecordType::RRSIG || (!dnssec && is_dnssec_only(set.rtype)) {
                            continue;
                        }
                        if push_signed(b, BuildSection::Answer, &name, zone.class(), node, set, dnssec).is_err() {
                            return;
                        }
                    }
                    if let (true, Some(wc)) = (dnssec, wildcard) {
                        proofs.wildcard_answer(zone, &name, wc);
                    }
                    break Ending::Done;
                }
                Lookup::Cname { node, rrset, wildcard } => {
                    if push_signed(b, BuildSection::Answer, &name, zone.class(), node, rrset, dnssec).is_err() {
                        return;
                    }
                    if let (true, Some(wc)) = (dnssec, wildcard) {
                        proofs.wildcard_answer(zone, &name, wc);
                    }
                    rrset.rdata.first().and_then(|w| NameBuf::from_wire(w).ok())
                }
                Lookup::Dname { node, rrset } => {
                    // The synthesised CNAME below is unsigned: validators derive it from the
                    // signed DNAME (RFC 6672 §5.3.1).
                    if push_signed(b, BuildSection::Answer, &node.name, zone.class(), node, rrset, dnssec).is_err() {
                        return;
                    }
                    let Some(target) = rrset.rdata.first().and_then(|w| Name::from_wire(w).ok()) else {
                        break Ending::Done;
                    };
                    match name.to_name().replace_suffix(&node.name, &target) {
                        Some(Ok(synthesised)) => {
                            // RFC 6672 §3.4: the synthesised CNAME carries the DNAME's TTL.
                            if b.push_stored(
                                BuildSection::Answer,
                                &name,
                                RecordType::CNAME,
                                zone.class(),
                                rrset.ttl,
                                synthesised.as_wire(),
                            )
                            .is_err()
                            {
                                return;
                            }
                            Some(NameBuf::from(&synthesised))
                        }
                        // RFC 6672 §2.2: a substitution longer than 255 octets is YXDOMAIN.
                        _ => {
                            b.header_mut().rcode = Rcode::YXDOMAIN.0 as u8;
                            break Ending::Done;
                        }
                    }
                }
                Lookup::Referral { cut, ns } => break Ending::Referral(zone, cut, ns),
                Lookup::NoData { node, wildcard } => {
                    break Ending::NoData {
                        zone,
                        node,
                        wildcard: wildcard.is_some(),
                    }
                }
                Lookup::NxDomain { closest_encloser } => {
                    // RFC 6604 §3: after a CNAME chain the RCODE describes the last name.
                    b.header_mut().rcode = Rcode::NXDOMAIN.0 as u8;
                    break Ending::NxDomain { zone, closest_encloser };
                }
                Lookup::NotInZone => break Ending::Done,
            }
        };
        // Follow the chain to a target we also serve, bounded and loop-free.
        let Some(target) = next else { break Ending::Done };
        visited[followed] = Some(std::mem::replace(&mut name, target));
        followed += 1;
        if followed > MAX_CHAIN || visited[..followed].iter().flatten().any(|v| *v == name) {
            break Ending::Done;
        }
        match catalog.find(&name) {
            Some(z) => zone = z,
            None => break Ending::Done,
        }
    };
    let class = zone.class();
    match ending {
        Ending::Done => {}
        Ending::NoData { zone, node, wildcard } => {
            push_soa(b, zone, dnssec);
            if dnssec {
                proofs.no_data(zone, &name, node, wildcard);
            }
        }
        Ending::NxDomain { zone, closest_encloser } => {
            push_soa(b, zone, dnssec);
            if dnssec {
                proofs.name_error(zone, &name, closest_encloser);
            }
        }
        Ending::Referral(z, cut, ns) => {
            // The NS RRset at a cut is the child's and unsigned (RFC 4035 §2.2).
            if push_set(b, BuildSection::Authority, &cut.name, z.class(), ns).is_err() {
                return;
            }
            if dnssec {
                proofs.referral(z, cut);
                if proofs.write(b, z.class()).is_err() {
                    return;
                }
            }
            push_glue(b, z, cut, ns, shape);
            return;
        }
    }
    if dnssec && proofs.write(b, class).is_err() {
        return;
    }
    push_additional(catalog, b, &extra, shape);
}

/// Whether a view's data may stand in for the outcome of a lookup: not below a zone cut
/// (the child's servers answer there) and not for ANY (answered from the zone). In signed
/// zones only signed view sets are used ([`Selection::overlay`]): unsigned ones would make
/// the answers bogus (RFC 4035 §5.3).
fn overlay_allowed(outcome: &Lookup<'_>, qtype: RecordType) -> bool {
    !matches!(outcome, Lookup::Referral { .. } | Lookup::NotInZone) && qtype != RecordType::ANY
}

/// Names whose addresses go in the additional section, held on the stack: at most
/// [`Targets::MAX`]; more are passed over (the additional section is best effort). `None`
/// until written, so that an answer with no targets sets up no names.
#[derive(Default)]
struct Targets {
    names: [Option<NameBuf>; Targets::MAX],
    len: usize,
}

impl Targets {
    const MAX: usize = 8;

    fn push(&mut self, name: NameBuf) {
        let root = name.wire() == [0];
        if !root && self.len < Targets::MAX && !self.iter().any(|n| *n == name) {
            self.names[self.len] = Some(name);
            self.len += 1;
        }
    }

    fn iter(&self) -> impl Iterator<Item = &NameBuf> {
        self.names[..self.len].iter().flatten()
    }
}

/// Writes an RRset; a set that does not fit is dropped whole (the builder sets TC for the
/// answer and authority sections).
pub(crate) fn push_set<N: WireName + ?Sized>(
    b: &mut MessageBuilder<'_>,
    section: BuildSection,
    owner: &N,
    class: Class,
    set: &Rrset,
) -> Result<(), BuildError> {
    for rd in &set.rdata {
        b.push_stored(section, owner, set.rtype, class, set.ttl, rd)?;
    }
    Ok(())
}

/// The SOA of a negative answer, its TTL the smaller of the SOA's TTL and MINIMUM
/// (RFC 2308 §3); with `dnssec` its RRSIGs after it (RFC 4035 §3.1.3), with the same TTL
/// (the signed TTL is in the RRSIG's original TTL field, RFC 4034 §3.1.4).
fn push_soa(b: &mut MessageBuilder<'_>, zone: &Zone, dnssec: bool) {
    let apex = zone.apex();
    let Some(set) = apex.rrset(RecordType::SOA) else { return };
    let Some(rd) = set.rdata.first() else { return };
    let minimum = rd
        .len()
        .checked_sub(4)
        .and_then(|at| rd.get(at..))
        .map_or(set.ttl, |m| u32::from_be_bytes([m[0], m[1], m[2], m[3]]));
    let ttl = set.ttl.min(minimum);
    if b.push_stored(
        BuildSection::Authority,
        &apex.name,
        RecordType::SOA,
        zone.class(),
        ttl,
        rd,
    )
    .is_err()
    {
        return;
    }
    let Some(sigs) = apex.rrsigs(RecordType::SOA).filter(|_| dnssec) else {
        return;
    };
    for sig in &sigs.rdata {
        if b.push_stored(
            BuildSection::Authority,
            &apex.name,
            RecordType::RRSIG,
            zone.class(),
            ttl,
            sig,
        )
        .is_err()
        {
            return;
        }
    }
}

/// Glue for a referral: addresses of the NS targets held in the zone (RFC 1034 §4.3.2
/// step 3b). Glue for name servers below the cut is required: when it does not fit, the
/// response is truncated (RFC 9471 §3); other addresses are added while they fit. Glue is
/// unsigned; addresses that are the zone's own data bring their RRSIGs with DO.
fn push_glue(b: &mut MessageBuilder<'_>, zone: &Zone, cut: &Node, ns: &Rrset, shape: Shape) {
    for rd in &ns.rdata {
        let Ok(target) = NameBuf::from_wire(rd) else { continue };
        if !target.is_subdomain_of_wire(zone.origin().as_wire()) {
            continue;
        }
        let required = target.is_subdomain_of_wire(cut.name.as_wire());
        let Some(node) = zone.node(&target) else { continue };
        for set in zone.glue(&target) {
            if !push_additional_set(b, &target, zone.class(), node, set, shape) {
                if required {
                    b.header_mut().tc = true;
                }
                return;
            }
        }
    }
}

/// Writes an RRset to the additional section with its RRSIGs when `shape.dnssec`: both or
/// neither (RFC 4035 §3.1.1 lets the RRSIGs be dropped; dropping the pair keeps validators
/// from meeting unsigned data from a signed zone). Returns whether it was written.
fn push_additional_set(
    b: &mut MessageBuilder<'_>,
    owner: &NameBuf,
    class: Class,
    node: &Node,
    set: &Rrset,
    shape: Shape,
) -> bool {
    let sigs = node.rrsigs(set.rtype).filter(|_| shape.dnssec);
    if let Some(sigs) = sigs {
        // Checked before writing: the builder can only take back the last RRset.
        if b.len() + wire_size(owner, set) + wire_size(owner, sigs) > shape.room {
            return false;
        }
    }
    push_signed(b, BuildSection::Additional, owner, class, node, set, shape.dnssec).is_ok()
}

/// Names whose addresses belong in the additional section (RFC 1034 §3.7, RFC 2782):
/// NS and MX targets, SRV targets.
fn note_targets(set: &Rrset, out: &mut Targets) {
    let skip = match set.rtype {
        RecordType::NS => 0,
        RecordType::MX => 2,
        RecordType::SRV => 6,
        _ => return,
    };
    for rd in &set.rdata {
        if let Some(Ok(name)) = rd.get(skip..).map(NameBuf::from_wire) {
            out.push(name);
        }
    }
}

/// Addresses of `targets` from any served zone, while they fit (never truncating). With DO,
/// addresses synthesised from a wildcard are left out: their proof would belong in the
/// authority section, already written.
fn push_additional(catalog: &Catalog, b: &mut MessageBuilder<'_>, targets: &Targets, shape: Shape) {
    for target in targets.iter() {
        let Some(zone) = catalog.find(target) else { continue };
        for qtype in [RecordType::A, RecordType::AAAA] {
            if let Lookup::Answer { node, rrset, wildcard } = zone.lookup(target, qtype) {
                if shape.dnssec && wildcard.is_some() {
                    continue;
                }
                if !push_additional_set(b, target, zone.class(), node, rrset, shape) {
                    return;
                }
            }
        }
    }
}

/// CHAOS identity answers (`version.bind`, `id.server` …), when configured; REFUSED
/// otherwise, as NSD and Knot do with identity hidden.
fn answer_chaos(config: &AuthConfig, b: &mut MessageBuilder<'_>, qname: &NameBuf, qtype: RecordType, qclass: Class) {
    let text = qname.to_string().to_ascii_lowercase();
    let value = match text.as_str() {
        "version.bind." | "version.server." => config.chaos_version.as_deref(),
        "id.server." | "hostname.bind." => config.chaos_id.as_deref(),
        _ => None,
    };
    let Some(value) = value.filter(|_| matches!(qtype, RecordType::TXT | RecordType::ANY)) else {
        b.header_mut().rcode = Rcode::REFUSED.0 as u8;
        return;
    };
    b.header_mut().aa = true;
    let strings: Vec<Vec<u8>> = value.as_bytes().chunks(255).map(<[u8]>::to_vec).collect();
    let _ = b.push_parts(
        BuildSection::Answer,
        &qname.to_name(),
        qclass,
        0,
        &RData::TXT(Txt(strings)),
    );
}
