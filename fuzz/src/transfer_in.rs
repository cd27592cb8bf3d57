//! The property the `transfer_in` target checks, kept apart from libFuzzer so that
//! `crates/banyan-zone/tests/fuzz_regressions.rs` includes this file and runs the committed
//! corpus through the same check.
//!
//! The input is a zone transfer of `example.` as a secondary receives it from a primary:
//!
//! ```text
//! octet 0      even: an AXFR; odd: an IXFR asked from serial (octet 0 >> 1), 0 to 127
//! octets 1..   DNS messages as TCP carries them (RFC 1035 §4.2.2): a two-octet length, then
//!              the message; a length past the end takes what is left
//! ```
//!
//! Each message is parsed (`banyan_wire::Message`) and the records of its answer section are
//! pushed in order into a `TransferReader`; the first message that does not parse, record
//! that does not type or record the reader refuses ends the stream, then `finish` is called.
//! Nothing may panic, and what `finish` accepts must hold:
//!
//! - `Full`: the records start with the zone's SOA and hold no other; they build into a
//!   zone (`ZoneBuilder`) that can be checked (`check_zone`), looked up and listed;
//! - `Incremental` (IXFR only): each difference's removed and added records start with an
//!   SOA, the first from the serial asked from, each from the serial the previous one ended
//!   at; `Transfer::serial` is the last one's;
//! - `UpToDate` (IXFR only).

use banyan_wire::{Class, Message, Name, RData, Record, RecordType};
use banyan_zone::{check_zone, Transfer, TransferReader, ZoneBuilder};

/// What a transfer input ended as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferOutcome {
    /// `finish` refused it, or the stream was cut by an error.
    Refused,
    /// A lone SOA answering an IXFR.
    UpToDate,
    /// The whole zone, with its number of records.
    Full(usize),
    /// Differences, with their number.
    Incremental(usize),
}

/// The zone transferred, `example.`.
pub fn origin() -> Name {
    "example.".parse().expect("fixed name")
}

/// The next message of a TCP stream: its body and what follows.
fn next_message(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = usize::from(u16::from_be_bytes([*data.first()?, *data.get(1)?]));
    let rest = &data[2..];
    let len = len.min(rest.len());
    Some((&rest[..len], &rest[len..]))
}

fn soa_serial(record: &Record) -> Option<u32> {
    match &record.data {
        RData::SOA(soa) => Some(soa.serial),
        _ => None,
    }
}

/// Checks one input (layout in the module documentation).
pub fn check_transfer_in(data: &[u8]) -> TransferOutcome {
    let Some((&first, mut rest)) = data.split_first() else {
        return TransferOutcome::Refused;
    };
    let origin = origin();
    let from = (first & 1 == 1).then_some(u32::from(first >> 1));
    let mut reader = match from {
        Some(serial) => TransferReader::ixfr(origin.clone(), serial),
        None => TransferReader::axfr(origin.clone()),
    };
    'stream: while let Some((body, tail)) = next_message(rest) {
        rest = tail;
        let Ok(msg) = Message::parse(body) else {
            break;
        };
        for view in msg.answers() {
            let Ok(record) = view.to_record() else {
                break 'stream;
            };
            if reader.push(record).is_err() {
                break 'stream;
            }
        }
    }
    let Ok(transfer) = reader.finish() else {
        return TransferOutcome::Refused;
    };
    match &transfer {
        Transfer::UpToDate { .. } => {
            assert!(from.is_some(), "only an IXFR can be up to date");
            TransferOutcome::UpToDate
        }
        Transfer::Full { records } => {
            let opening = records.first().expect("a full transfer has its SOA");
            assert_eq!(
                opening.name.as_wire().to_ascii_lowercase(),
                origin.as_wire(),
                "SOA at the apex"
            );
            assert_eq!(transfer.serial(), soa_serial(opening), "the serial is the SOA's");
            assert!(transfer.serial().is_some(), "a full transfer starts with the SOA");
            let soas = records.iter().filter(|r| r.rtype() == RecordType::SOA).count();
            assert_eq!(soas, 1, "the closing SOA is not repeated, and no other SOA is taken");
            check_zone_of(&origin, records);
            TransferOutcome::Full(records.len())
        }
        Transfer::Incremental { diffs } => {
            assert!(from.is_some(), "only an IXFR can be incremental");
            assert!(!diffs.is_empty(), "an incremental transfer has a difference");
            let mut expected = from;
            for (i, diff) in diffs.iter().enumerate() {
                let removed = diff.removed.first().and_then(soa_serial);
                let added = diff.added.first().and_then(soa_serial);
                assert!(removed.is_some(), "difference {i}: removed starts with an SOA");
                assert!(added.is_some(), "difference {i}: added starts with an SOA");
                assert_eq!(removed, expected, "difference {i} starts where the last ended");
                expected = added;
            }
            assert_eq!(transfer.serial(), expected, "the serial is the last difference's");
            TransferOutcome::Incremental(diffs.len())
        }
    }
}

/// The records of a full transfer build into a zone that can be used.
fn check_zone_of(origin: &Name, records: &[Record]) {
    let mut builder = ZoneBuilder::new(origin.clone(), Class::IN, records.len());
    for r in records {
        // A record of another class is refused, not a failure of the transfer reader.
        let _ = builder.add(r);
    }
    let (zone, _notes) = builder.finish();
    let _ = check_zone(&zone);
    assert!(zone.records().count() <= records.len(), "no record is made up");
    for r in records.iter().take(16) {
        let _ = zone.lookup(&r.name, r.rtype());
        let _ = zone.lookup(&r.name, RecordType::ANY);
    }
    let _ = zone.lookup(&origin.clone(), RecordType::SOA);
    let _ = zone.to_string();
}
