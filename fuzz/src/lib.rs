//! The properties the fuzz targets check, kept apart from libFuzzer so that
//! `crates/banyan-wire/tests/corpus_regressions.rs` can include this very file and run the
//! committed corpora and every past crash through exactly the checks the fuzzer made.
//!
//! Every check panics on failure: a panic is what libFuzzer records as a crash, and what a
//! `#[test]` reports as a failure.

use banyan_wire::edns::Edns;
use banyan_wire::message::{BuildError, NameRef, RecordView};
use banyan_wire::text::tokenize;
use banyan_wire::{Message, Name, OwnedMessage, RData, RecordType};

/// How far a message got through [`check_message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOutcome {
    /// `Message::parse` refused it.
    Refused,
    /// It parsed, but some RDATA could not be typed (`OwnedMessage::from_view` failed).
    Untyped,
    /// Typed, but the rebuilt message would exceed 65535 octets (see [`check_message`]).
    TooLarge,
    /// Parsed, typed, rebuilt, reparsed, and equal.
    RoundTripped,
}

/// Arbitrary bytes as a DNS message. Where `Message::parse` accepts them: walks every
/// section, prints and re-reads every name, types every RDATA, then copies the message out,
/// rebuilds it with compression, reparses the result (which must succeed) and checks that
/// the two owned copies are equal, header included, and that rebuilding the copy gives the
/// same octets again. Every typed RDATA must also survive its presentation form.
pub fn check_message(data: &[u8]) -> MessageOutcome {
    let Ok(msg) = Message::parse(data) else {
        return MessageOutcome::Refused;
    };
    walk(&msg);
    let Ok(first) = OwnedMessage::from_view(&msg) else {
        return MessageOutcome::Untyped;
    };
    for record in first.answers.iter().chain(&first.authority).chain(&first.additional) {
        check_rdata_presentation(&record.data);
    }

    let mut rebuilt = Vec::new();
    match first.write(&mut rebuilt) {
        Ok(len) => assert_eq!(len, rebuilt.len(), "write returns the message length"),
        // Legitimately too strict otherwise: the input may compress better than our builder
        // does (it remembers at most MAX_COMPRESSION_TARGETS names, and only below offset
        // 0x4000), so a large input can rebuild to more than 65535 octets, which no DNS
        // message may be. The builder refusing that is correct.
        Err(BuildError::NoSpace) => return MessageOutcome::TooLarge,
        Err(e) => panic!("rebuilding a parsed message failed: {e:?}"),
    }
    let reparsed = match Message::parse(&rebuilt) {
        Ok(m) => m,
        Err(e) => panic!("the rebuilt message does not parse: {e:?}\nrebuilt: {}", hex(&rebuilt)),
    };
    walk(&reparsed);
    let second = match OwnedMessage::from_view(&reparsed) {
        Ok(m) => m,
        Err(e) => panic!("the rebuilt message does not type: {e:?}\nrebuilt: {}", hex(&rebuilt)),
    };
    assert_eq!(first, second, "parse -> build -> parse changed the message");

    // One rebuild reaches a fixed point: the second build makes the same choices (names are
    // compared without case, and the reparsed names carry the case that was written).
    let mut again = Vec::new();
    if second.write(&mut again).is_err() {
        panic!("a message that was built once cannot be built again");
    }
    assert_eq!(
        hex(&rebuilt),
        hex(&again),
        "rebuilding the rebuilt message changed its octets"
    );
    MessageOutcome::RoundTripped
}

/// Reads everything a server would read from a checked message, so that the lazy
/// accessors are exercised on every input the parser accepts.
fn walk(msg: &Message<'_>) {
    let header = msg.header();
    let _ = (msg.id(), msg.rcode(), header.opcode(), header.counts());
    let mut questions = 0usize;
    for q in msg.questions() {
        check_name(&q.qname);
        let _ = (q.qtype.to_string(), q.qclass.to_string());
        questions += 1;
    }
    assert_eq!(questions, usize::from(header.qdcount), "question count");
    for (records, count) in [
        (msg.answers(), header.ancount),
        (msg.authority(), header.nscount),
        (msg.additional(), header.arcount),
    ] {
        let mut seen = 0usize;
        for r in records {
            check_record(&r);
            seen += 1;
        }
        assert_eq!(seen, usize::from(count), "record count of a section");
    }
    if let Some(opt) = msg.opt_record() {
        assert_eq!(opt.rtype, RecordType::OPT);
        for option in msg.edns_options().into_iter().flatten() {
            let _ = option;
        }
        if let Some(Ok(edns)) = msg.edns() {
            check_edns(&edns);
        }
    }
    if let Some(tsig) = msg.tsig_record() {
        assert_eq!(tsig.rtype, RecordType::TSIG);
        assert!(msg.tsig_offset().is_some_and(|at| at < msg.as_bytes().len()));
    }
}

fn check_record(r: &RecordView<'_>) {
    check_name(&r.name);
    let _ = (
        r.rtype.to_string(),
        r.class.to_string(),
        r.rdata_bytes(),
        r.rdata_offset(),
    );
    if let Ok(data) = r.rdata() {
        assert_eq!(data.rtype(), r.rtype, "typed RDATA keeps the record's type");
        let _ = data.to_string();
    }
}

/// A name read in place agrees with its owned copy, and its presentation form reads back
/// to the same octets (case included).
fn check_name(n: &NameRef<'_>) {
    let text = n.to_string();
    let owned = n.to_name();
    assert_eq!(owned.to_string(), text, "NameRef and Name print alike");
    assert_eq!(n.labels().count(), owned.label_count(), "label count");
    assert!(n.eq_name(&owned), "a NameRef equals its own copy");
    let mut wire = [0u8; 255];
    let len = n.write_uncompressed(&mut wire);
    assert_eq!(&wire[..len], owned.as_wire(), "uncompressed wire form");
    match Name::parse(&text, None) {
        Ok(back) => assert_eq!(back.as_wire(), owned.as_wire(), "name text round trip: {text}"),
        Err(e) => panic!("a printed name does not parse back: {text:?}: {e:?}"),
    }
}

/// EDNS written back out reads as the same options.
fn check_edns(edns: &Edns) {
    let mut record = Vec::new();
    edns.write_record(&mut record);
    assert_eq!(record.len(), edns.wire_len(), "Edns::wire_len");
    // Owner (root, 1), TYPE, CLASS, TTL, RDLENGTH: RDATA starts at 11.
    let class = u16::from_be_bytes([record[3], record[4]]);
    let ttl = u32::from_be_bytes([record[5], record[6], record[7], record[8]]);
    match Edns::from_opt(class, ttl, &record[11..]) {
        Ok(back) => assert_eq!(&back, edns, "EDNS wire round trip"),
        Err(e) => panic!("EDNS that was read and written cannot be read again: {e:?}"),
    }
}

/// Typed RDATA printed in presentation form reads back to the same value. OPT and TSIG
/// are skipped: they are pseudo-records with no master-file form (RFC 6891 §6.1.1,
/// RFC 8945 §4), so what they print is for people, not for reading back.
pub fn check_rdata_presentation(data: &RData) {
    let rtype = data.rtype();
    if rtype == RecordType::OPT || rtype == RecordType::TSIG {
        return;
    }
    // Empty RDATA of a typed type is UPDATE's "no data" (class ANY/NONE, RFC 2136 §2.4-2.5):
    // it prints as `\# 0`, which a zone file must not accept for a typed type.
    if matches!(data, RData::Unknown { data, .. } if data.is_empty()) {
        return;
    }
    let text = data.to_string();
    let tokens = match tokenize(&text) {
        Ok(t) => t,
        Err(e) => panic!("printed {rtype} RDATA does not tokenize: {text:?}: {e:?}"),
    };
    match RData::from_text(rtype, &tokens, None) {
        Ok(back) => assert_eq!(&back, data, "{rtype} presentation round trip of {text:?}"),
        Err(e) => panic!("printed {rtype} RDATA does not parse back: {text:?}: {e:?}"),
    }
}

/// Types the `rdata_text` target chooses among, by the first character of the input. The
/// list is fixed so that seeds keep meaning the same type; types not (yet) typed by
/// banyan-wire exercise the RFC 3597 generic form. `TYPE65534` and `TYPE731` stand for
/// unknown types.
pub const TEXT_TYPES: [RecordType; 48] = [
    RecordType::A,
    RecordType::NS,
    RecordType::CNAME,
    RecordType::SOA,
    RecordType::PTR,
    RecordType::HINFO,
    RecordType::MX,
    RecordType::TXT,
    RecordType::AAAA,
    RecordType::SRV,
    RecordType::NAPTR,
    RecordType::DNAME,
    RecordType::DS,
    RecordType::SSHFP,
    RecordType::RRSIG,
    RecordType::NSEC,
    RecordType::DNSKEY,
    RecordType::NSEC3,
    RecordType::NSEC3PARAM,
    RecordType::TLSA,
    RecordType::CDS,
    RecordType::CDNSKEY,
    RecordType::SVCB,
    RecordType::HTTPS,
    RecordType::CAA,
    RecordType::LOC,
    RecordType::SPF,
    RecordType::ZONEMD,
    RecordType::TSIG,
    RecordType::OPT,
    RecordType::RP,
    RecordType::AFSDB,
    RecordType::KX,
    RecordType::RT,
    RecordType::MINFO,
    RecordType::MB,
    RecordType::MG,
    RecordType::MR,
    RecordType::URI,
    RecordType::OPENPGPKEY,
    RecordType::SMIMEA,
    RecordType::CSYNC,
    RecordType::APL,
    RecordType::IPSECKEY,
    RecordType::DHCID,
    RecordType::CERT,
    RecordType(65534),
    RecordType(731),
];

/// The type an `rdata_text` input's first character selects, and the text after it.
pub fn split_text_input(text: &str) -> Option<(RecordType, &str)> {
    let first = text.chars().next()?;
    let rtype = TEXT_TYPES[first as usize % TEXT_TYPES.len()];
    Some((rtype, &text[first.len_utf8()..]))
}

/// Arbitrary UTF-8 as presentation-form RDATA of the type chosen by its first character.
/// Where `RData::from_text` accepts it: the printed form must read back to the same value,
/// and so must the wire form. Returns whether the text parsed.
pub fn check_rdata_text(text: &str) -> bool {
    let Some((rtype, rest)) = split_text_input(text) else {
        return false;
    };
    let Ok(tokens) = tokenize(rest) else {
        return false;
    };
    let Ok(data) = RData::from_text(rtype, &tokens, None) else {
        return false;
    };
    assert_eq!(data.rtype(), rtype, "from_text keeps the type it was asked for");

    // Presentation round trip, done by hand here (not with check_rdata_presentation) so that
    // OPT and TSIG, which the text parser accepted, are held to it too.
    let printed = data.to_string();
    let again = match tokenize(&printed) {
        Ok(t) => t,
        Err(e) => panic!("printed {rtype} RDATA does not tokenize: {printed:?}: {e:?}"),
    };
    match RData::from_text(rtype, &again, None) {
        Ok(back) => assert_eq!(back, data, "{rtype} presentation round trip of {printed:?}"),
        Err(e) => panic!("printed {rtype} RDATA does not parse back: {printed:?}: {e:?}"),
    }

    // Wire round trip (uncompressed, as RDATA held outside a message).
    let wire = data.to_wire();
    if wire.len() <= usize::from(u16::MAX) {
        match RData::parse(rtype, &wire, 0, wire.len()) {
            Ok(back) => assert_eq!(back, data, "{rtype} wire round trip of {printed:?}"),
            Err(e) => panic!("{rtype} RDATA written to wire does not parse back: {printed:?} {e:?}"),
        }
    }
    // The generic form (RFC 3597 §5) of any RDATA reads back to it as well.
    let generic = data.to_generic_string();
    let generic_tokens = match tokenize(&generic) {
        Ok(t) => t,
        Err(e) => panic!("generic form does not tokenize: {generic:?}: {e:?}"),
    };
    if wire.len() <= usize::from(u16::MAX) {
        match RData::from_text(rtype, &generic_tokens, None) {
            Ok(back) => assert_eq!(back, data, "{rtype} generic round trip of {printed:?}"),
            Err(e) => panic!("{rtype} generic form does not parse back: {generic:?}: {e:?}"),
        }
    }
    true
}

/// Lower-case hex of `data`, for failure messages.
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}
