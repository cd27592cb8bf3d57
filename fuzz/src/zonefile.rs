//! The property the `zonefile` target checks, kept apart from libFuzzer so that
//! `crates/banyan-zone/tests/fuzz_regressions.rs` includes this file and runs the committed
//! corpus through the same check.
//!
//! The input, where it is UTF-8, is a master file (RFC 1035 §5) for `example.`, read as
//! `banyan auth` reads zone text from a source it does not trust: `$INCLUDE` off, default TTL
//! 3600, at most 50 errors. It must hold that:
//!
//! - `parse_str` never panics, and its errors and warnings print;
//! - every record it gives prints and reads back (`Record::from_text`, the printed form being
//!   absolute) as the same record;
//! - the records at or below `example.` build into a zone (`ZoneBuilder`, refusals allowed)
//!   that holds exactly the records it accepted (TTLs and owner case aside), and that
//!   `check_zone` and a lookup of each owner take without panicking;
//! - the zone printed as a master file reads back to the same records.
//!
//! Beyond [`MAX_CHECKED`] records (a `$GENERATE` range) only the first point is checked.

use std::collections::BTreeSet;
use std::path::Path;

use banyan_wire::{Class, Name, Record};
use banyan_zone::{check_zone, parse_str, ParseOptions, ZoneBuilder};

/// Inputs giving more records than this are only read, not round-tripped.
pub const MAX_CHECKED: usize = 10_000;

/// What one input came to, for the seeds' own tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneOutcome {
    /// Records the parser gave.
    pub records: usize,
    /// Errors it reported.
    pub errors: usize,
    /// Records in the built zone (0 beyond [`MAX_CHECKED`]).
    pub in_zone: usize,
}

fn origin() -> Name {
    "example.".parse().expect("fixed name")
}

fn options() -> ParseOptions {
    ParseOptions {
        origin: Some(origin()),
        default_ttl: Some(3600),
        max_errors: 50,
        allow_include: false,
        ..ParseOptions::default()
    }
}

/// A record apart from its TTL (the builder gives an RRset one TTL, RFC 2181 §5.2) and the
/// case of its owner.
fn identity(r: &Record) -> (String, u16, u16, Vec<u8>) {
    (
        r.name.to_lowercase().to_string(),
        r.rtype().0,
        r.class.0,
        r.data.to_wire(),
    )
}

/// Checks one input (properties in the module documentation). `None` where it is not UTF-8.
pub fn check_zonefile(data: &[u8]) -> Option<ZoneOutcome> {
    let text = std::str::from_utf8(data).ok()?;
    let mut records = Vec::new();
    let report = parse_str(text, Path::new("fuzz.zone"), &options(), &mut |r| records.push(r));
    for e in &report.errors {
        let _ = e.to_string();
    }
    for w in &report.warnings {
        let _ = w.to_string();
    }
    assert_eq!(report.records, records.len(), "the report counts the records given");
    let errors = report.errors.len();
    if records.len() > MAX_CHECKED {
        // A `$GENERATE` line may give up to a million records: reading them is checked, the
        // round trips (tested on whole large zones elsewhere) would only slow the fuzzer.
        return Some(ZoneOutcome {
            records: records.len(),
            errors,
            in_zone: 0,
        });
    }
    for r in &records {
        let printed = r.to_string();
        let back = Record::from_text(&printed, None, None)
            .unwrap_or_else(|e| panic!("a parsed record prints as {printed:?}, which does not read back: {e:?}"));
        assert_eq!(&back, r, "{printed:?} reads back as another record");
    }

    let origin = origin();
    let mut builder = ZoneBuilder::new(origin.clone(), Class::IN, records.len());
    let mut accepted = BTreeSet::new();
    for r in records.iter().filter(|r| r.name.is_subdomain_of(&origin)) {
        if builder.add(r).is_ok() {
            accepted.insert(identity(r));
        }
    }
    let (zone, _) = builder.finish();
    let _ = check_zone(&zone);
    let mut kept: Vec<Record> = zone.records().collect();
    let held: BTreeSet<_> = kept.iter().map(identity).collect();
    assert_eq!(
        held, accepted,
        "the zone holds exactly the records the builder accepted"
    );
    for r in &kept {
        let _ = zone.lookup(&r.name, r.rtype());
    }
    let printed = zone.to_string();
    let mut again = Vec::new();
    let reread = parse_str(&printed, Path::new("printed.zone"), &options(), &mut |r| again.push(r));
    assert!(
        reread.is_ok(),
        "the printed zone does not read back: {:?}\n{printed}",
        reread.errors
    );
    let key = |r: &Record| r.to_string();
    kept.sort_by_key(key);
    again.sort_by_key(key);
    assert_eq!(kept, again, "the printed zone reads back to other records");
    Some(ZoneOutcome {
        records: records.len(),
        errors,
        in_zone: kept.len(),
    })
}
