//! Zone transfers out: AXFR (RFC 5936) and IXFR (RFC 1995).
//!
//! AXFR sends the whole zone, SOA first and last. IXFR sends what changed since the client's
//! version (the SOA it puts in the authority section, RFC 1995 §3), from the zone's
//! [`Journal`](crate::Journal):
//!
//! - the client is up to date (its serial is ours or greater, RFC 1982): our SOA alone
//!   (RFC 1995 §2);
//! - the journal reaches back to the client's serial: the incremental form of RFC 1995 §4,
//!   our SOA, then per change the old SOA, the deletions, the new SOA, the additions, and our
//!   SOA again;
//! - otherwise the whole zone in the AXFR form, as RFC 1995 §4 allows.
//!
//! Over UDP an IXFR gets the incremental form when it fits in one message, else our SOA
//! alone, which tells the client to try TCP (RFC 1995 §2); an AXFR is refused (RFC 5936
//! §4.2). Over TCP both need a transfer list entry ([`crate::TransferAcl`]) for the client's
//! address or TSIG key, else REFUSED; over UDP a client not on the list gets our SOA alone
//! (public data), never changes.

use banyan_wire::edns::Edns;
use banyan_wire::message::{BuildSection, Message, MAX_MESSAGE_LEN};
use banyan_wire::{Class, Header, Name, NameBuf, RData, Rcode, RecordType};
use banyan_zone::{serial_gt, Zone, ZoneDiff};

use crate::answer::{error_reply, finish, push_set, start, Action, Request, Transport};
use crate::catalog::Catalog;
use crate::config::AuthConfig;

/// Each TCP message of a transfer is filled up to this size: large enough to be efficient,
/// small enough for any client. A record too large for it gets a message of its own, up to
/// 64 KiB.
const MESSAGE_TARGET: usize = 16 * 1024;

/// One record of a transfer: owner, type, TTL, RDATA in uncompressed wire form.
type Entry<'a> = (&'a Name, RecordType, u32, &'a [u8]);

/// The question of a transfer request.
#[derive(Clone, Copy)]
pub(crate) struct Question<'q> {
    /// The zone asked for.
    pub(crate) qname: &'q NameBuf,
    /// AXFR or IXFR.
    pub(crate) qtype: RecordType,
}

/// Answers an AXFR or IXFR query (see the module documentation). `limit` is the size of a
/// UDP response, less the room a TSIG added after it needs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn transfer(
    catalog: &Catalog,
    config: &AuthConfig,
    req: &Request<'_>,
    key: Option<&Name>,
    msg: &Message<'_>,
    question: Question<'_>,
    opt: Option<&Edns>,
    limit: usize,
    out: &mut Vec<u8>,
) -> Action {
    let header = msg.header();
    let Question { qname, qtype } = question;
    let refuse =
        |rcode: Rcode, out: &mut Vec<u8>| error_reply(header, Some((qname, qtype, Class::IN)), opt, rcode, out);
    let Some(zone) = catalog.zones().find(|z| qname == z.origin()) else {
        // RFC 5936 §2.2.1: not authoritative for that zone.
        return refuse(Rcode::NOTAUTH, out);
    };
    if catalog.is_expired(zone.origin()) {
        // An expired copy is not passed on (RFC 1035 §3.3.13).
        return refuse(Rcode::SERVFAIL, out);
    }
    let allowed = config.may_transfer(zone.origin(), req.client.ip(), key);
    let udp = req.transport == Transport::Udp;
    if qtype == RecordType::AXFR {
        // A zone transfer needs TCP (RFC 5936 §4.2).
        if udp || !allowed {
            return refuse(Rcode::REFUSED, out);
        }
        return Action::Stream(axfr_messages(zone, header, question));
    }
    if !udp && !allowed {
        return refuse(Rcode::REFUSED, out);
    }
    // RFC 1995 §3: the authority section holds the client's SOA.
    let Some(theirs) = client_serial(msg, zone.origin()) else {
        return refuse(Rcode::FORMERR, out);
    };
    let Some(ours) = zone.soa().map(|soa| soa.serial) else {
        return refuse(Rcode::SERVFAIL, out);
    };
    let up_to_date = theirs == ours || serial_gt(theirs, ours);
    if up_to_date || (udp && !allowed) {
        return soa_reply(zone, header, question, opt, limit, out);
    }
    let chain = catalog
        .journal(zone.origin())
        .filter(|j| j.newest_serial() == Some(ours))
        .and_then(|j| j.since(theirs))
        .filter(|chain| !chain.is_empty());
    let Some(chain) = chain else {
        return if udp {
            soa_reply(zone, header, question, opt, limit, out)
        } else {
            // RFC 1995 §4: a server without the history may send the whole zone.
            Action::Stream(axfr_messages(zone, header, question))
        };
    };
    let wire = changed_rdata(chain);
    if !udp {
        let sizes = (MESSAGE_TARGET, MAX_MESSAGE_LEN);
        return Action::Stream(ixfr_messages(zone, header, question, chain, &wire, None, sizes));
    }
    // The RDATA alone overflowing the message, it is not built to find out.
    if wire.iter().map(Vec::len).sum::<usize>() > limit {
        return soa_reply(zone, header, question, opt, limit, out);
    }
    let mut messages = ixfr_messages(zone, header, question, chain, &wire, opt, (limit, limit));
    let whole = messages.len() == 1 && Header::parse(&messages[0]).map(|h| h.ancount as usize) == Some(wire.len() + 2);
    match messages.pop() {
        // The builder never goes below 512 octets; `limit` may (a signed answer's TSIG left
        // out of it).
        Some(message) if whole && message.len() <= limit => {
            *out = message;
            Action::Reply
        }
        _ => soa_reply(zone, header, question, opt, limit, out),
    }
}

/// The serial of the client's version: the SOA for the zone in the authority section.
fn client_serial(msg: &Message<'_>, origin: &Name) -> Option<u32> {
    let soa = msg
        .authority()
        .find(|r| r.rtype == RecordType::SOA && r.name.eq_name(origin))?;
    match soa.rdata().ok()? {
        RData::SOA(soa) => Some(soa.serial),
        _ => None,
    }
}

/// A single message with the question and our SOA: the answer to a client that is up to
/// date, or to an IXFR over UDP that cannot be answered whole (RFC 1995 §2).
fn soa_reply(
    zone: &Zone,
    header: &Header,
    question: Question<'_>,
    opt: Option<&Edns>,
    limit: usize,
    out: &mut Vec<u8>,
) -> Action {
    let mut b = start(out, header, opt, limit);
    let _ = b.question(question.qname, question.qtype, Class::IN);
    b.header_mut().aa = true;
    if let Some(set) = zone.apex().rrset(RecordType::SOA) {
        let _ = push_set(&mut b, BuildSection::Answer, &zone.apex().name, zone.class(), set);
    }
    finish(b, opt)
}

/// The zone's SOA record as a transfer entry.
fn soa_entry(zone: &Zone) -> Option<Entry<'_>> {
    let apex = zone.apex();
    let set = apex.rrset(RecordType::SOA)?;
    Some((&apex.name, RecordType::SOA, set.ttl, set.rdata.first()?))
}

/// The zone as AXFR messages: SOA, every record, SOA again (RFC 5936 §2.2).
fn axfr_messages(zone: &Zone, query: &Header, question: Question<'_>) -> Vec<Vec<u8>> {
    let soa = soa_entry(zone);
    let mut records: Vec<Entry<'_>> = Vec::with_capacity(zone.record_count() + 1);
    records.extend(soa);
    for node in zone.nodes() {
        for set in &node.rrsets {
            if node.flags.apex && set.rtype == RecordType::SOA {
                continue;
            }
            for rd in &set.rdata {
                records.push((&node.name, set.rtype, set.ttl, rd));
            }
        }
    }
    records.extend(soa);
    fill_messages(
        &records,
        zone.class(),
        query,
        question,
        None,
        (MESSAGE_TARGET, MAX_MESSAGE_LEN),
    )
}

/// The RDATA of every record of `chain` in uncompressed wire form, in the order of
/// [`ixfr_messages`].
fn changed_rdata(chain: &[ZoneDiff]) -> Vec<Vec<u8>> {
    chain
        .iter()
        .flat_map(|d| d.removed.iter().chain(&d.added))
        .map(|r| r.data.to_wire())
        .collect()
}

/// The incremental form of RFC 1995 §4: our SOA; for each difference the old SOA and the
/// deletions, the new SOA and the additions (a [`ZoneDiff`] holds them in that order); our
/// SOA again. `wire` is [`changed_rdata`] of `chain`.
fn ixfr_messages(
    zone: &Zone,
    query: &Header,
    question: Question<'_>,
    chain: &[ZoneDiff],
    wire: &[Vec<u8>],
    opt: Option<&Edns>,
    sizes: (usize, usize),
) -> Vec<Vec<u8>> {
    let changed = chain.iter().flat_map(|d| d.removed.iter().chain(&d.added));
    let soa = soa_entry(zone);
    let mut records: Vec<Entry<'_>> = Vec::with_capacity(wire.len() + 2);
    records.extend(soa);
    records.extend(
        changed
            .zip(wire)
            .map(|(r, w)| (&r.name, r.rtype(), r.ttl, w.as_slice())),
    );
    records.extend(soa);
    fill_messages(&records, zone.class(), query, question, opt, sizes)
}

/// Puts `records` in order into as many messages as they need, each filled up to
/// `sizes.0` octets; a record that does not fit in an empty message gets one of up to
/// `sizes.1`. The question goes in the first message only (RFC 5936 §2.2.1); every message
/// has AA set and, with `opt`, an OPT record.
fn fill_messages(
    records: &[Entry<'_>],
    class: Class,
    query: &Header,
    question: Question<'_>,
    opt: Option<&Edns>,
    sizes: (usize, usize),
) -> Vec<Vec<u8>> {
    let (target, max) = sizes;
    let mut messages = Vec::new();
    let mut next = 0;
    while next < records.len() || messages.is_empty() {
        let mut limit = target;
        loop {
            let mut buf = Vec::with_capacity(limit);
            let mut b = start(&mut buf, query, opt, limit);
            b.header_mut().aa = true;
            if messages.is_empty() {
                let _ = b.question(question.qname, question.qtype, Class::IN);
            }
            let mut i = next;
            while let Some(&(name, rtype, ttl, rd)) = records.get(i) {
                if b.push_stored(BuildSection::Answer, name, rtype, class, ttl, rd)
                    .is_err()
                {
                    break;
                }
                i += 1;
            }
            if i == next && i < records.len() && limit < max {
                limit = max;
                continue;
            }
            // Running out of room ends a message; it is not a truncation.
            b.header_mut().tc = false;
            finish(b, opt);
            messages.push(buf);
            next = i.max(next + 1);
            break;
        }
    }
    messages
}
