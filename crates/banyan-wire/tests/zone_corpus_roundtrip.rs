//! Reads every record of real signed zones (the 2023-05-11 root zone, the RFC 4035 and RFC
//! 5155 Appendix A example zones) as typed RDATA and checks that each survives
//! text → wire → text → wire unchanged. No expected output exists for these files, so this
//! checks consistency and coverage (every record of a typed type must be accepted).

use std::collections::BTreeMap;

use banyan_wire::text::{parse_ttl, tokenize, Token};
use banyan_wire::{Class, Name, RData, RecordType};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata/");

/// Splits a record into its type and RDATA fields (owner unless the record starts with
/// blank space, then TTL and class in either order).
fn split<'a>(record: &str, tokens: &'a [Token<'a>]) -> Option<(RecordType, &'a [Token<'a>])> {
    let mut i = usize::from(!record.starts_with([' ', '\t']));
    for _ in 0..2 {
        let t = tokens.get(i)?;
        if parse_ttl(t.text).is_some() || t.text.parse::<Class>().is_ok() {
            i += 1;
        }
    }
    let rtype = tokens.get(i)?.text.parse::<RecordType>().ok()?;
    Some((rtype, &tokens[i + 1..]))
}

/// Reads `path` and returns the count of typed records per type; panics listing every
/// record that fails.
fn walk(path: &str, origin: &str) -> BTreeMap<RecordType, usize> {
    let text = std::fs::read_to_string(format!("{TESTDATA}{path}")).expect("testdata present");
    let origin: Name = origin.parse().expect("origin");
    let mut counts = BTreeMap::new();
    let mut failures = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        if pending.is_empty() && line.starts_with('$') {
            continue;
        }
        pending.push_str(line);
        pending.push('\n');
        if tokenize(&pending).is_err() {
            continue; // a record spread over lines in parentheses
        }
        let record = std::mem::take(&mut pending);
        let tokens = tokenize(&record).expect("tokenized above");
        if tokens.is_empty() {
            continue;
        }
        let Some((rtype, rdata)) = split(&record, &tokens) else {
            failures.push(format!("cannot split: {record}"));
            continue;
        };
        let rd = match RData::from_text(rtype, rdata, Some(&origin)) {
            Ok(rd) => rd,
            Err(e) => {
                failures.push(format!("{rtype} refused ({e}): {record}"));
                continue;
            }
        };
        if matches!(rd, RData::Unknown { .. }) {
            continue;
        }
        let wire = rd.to_wire();
        let from_wire = RData::parse(rtype, &wire, 0, wire.len());
        let text = rd.to_string();
        let from_text = tokenize(&text).and_then(|t| RData::from_text(rtype, &t, Some(&origin)));
        if from_wire.as_ref() != Ok(&rd) || from_text.as_ref() != Ok(&rd) {
            failures.push(format!("{rtype} round trip: {record} -> {text}"));
            continue;
        }
        *counts.entry(rtype).or_insert(0) += 1;
    }
    assert!(
        failures.is_empty(),
        "{path}: {} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    counts
}

#[test]
fn root_zone_2023051100() {
    let counts = walk("root/root.zone-2023051100", ".");
    // The counts the testdata README gives for this copy.
    assert_eq!(counts[&RecordType::NS], 7630);
    assert_eq!(counts[&RecordType::RRSIG], 2849);
    assert_eq!(counts[&RecordType::DS], 1622);
    assert_eq!(counts[&RecordType::NSEC], 1480);
    assert_eq!(counts[&RecordType::DNSKEY], 2);
    // Every record of the zone is of a typed type, so all 24,911 went through.
    assert_eq!(counts.values().sum::<usize>(), 24911);
}

#[test]
fn rfc4035_appendix_a_signed_zone() {
    let counts = walk("dnssec/rfc-examples/rfc4035/appendix-A-signed-zone.zone", "example.");
    assert!(counts[&RecordType::RRSIG] >= 26);
    assert!(counts[&RecordType::NSEC] > 0 && counts[&RecordType::DNSKEY] == 2 && counts[&RecordType::DS] > 0);
}

#[test]
fn rfc5155_appendix_a_example_zone() {
    let counts = walk("dnssec/rfc-examples/rfc5155/appendix-A-example-zone.zone", "example.");
    assert!(counts[&RecordType::RRSIG] >= 30);
    assert_eq!(counts[&RecordType::NSEC3PARAM], 1);
    assert!(counts[&RecordType::NSEC3] > 0);
}
