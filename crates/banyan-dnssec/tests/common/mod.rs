//! Shared helpers of the integration tests: paths to the shared test vectors, record
//! parsing, RRset grouping and Unbound's `ENTRY_BEGIN` test-file format.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use banyan_wire::rdata::RData;
use banyan_wire::{Class, Name, Record, RecordType};

/// A file under `shared/testdata/dnssec/`.
pub fn vector(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata/dnssec")).join(rel)
}

/// A file under this crate's `tests/data/`.
pub fn local(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data")).join(rel)
}

pub fn name(s: &str) -> Name {
    s.parse().unwrap()
}

pub fn record(line: &str) -> Record {
    Record::from_text(line, None, Some(3600)).unwrap_or_else(|e| panic!("{line}: {e}"))
}

/// Records of the non-comment lines of a one-record-per-line file.
pub fn records_of_file(path: &Path) -> Vec<Record> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with(';'))
        .map(record)
        .collect()
}

/// Loads a master file with banyan-zone (for the multi-line RFC zones).
pub fn zone_records(path: &Path, origin: &str) -> Vec<Record> {
    let text = std::fs::read_to_string(path).unwrap();
    let opts = banyan_zone::ParseOptions {
        origin: Some(name(origin)),
        ..Default::default()
    };
    let mut out = Vec::new();
    let report = banyan_zone::parse_str(&text, path, &opts, &mut |r| out.push(r));
    assert!(report.is_ok(), "{}: {:?}", path.display(), report.errors);
    out
}

/// An RRset with the RRSIGs that cover it.
#[derive(Debug)]
pub struct SignedRrset {
    pub owner: Name,
    pub rtype: RecordType,
    pub class: Class,
    pub rdatas: Vec<Vec<u8>>,
    pub rrsigs: Vec<Vec<u8>>,
}

impl SignedRrset {
    pub fn rdata_refs(&self) -> Vec<&[u8]> {
        self.rdatas.iter().map(Vec::as_slice).collect()
    }
}

/// Groups records into RRsets keyed by lowercased owner and type, attaching each RRSIG to
/// the RRset of the type it covers.
pub fn rrsets(records: &[Record]) -> Vec<SignedRrset> {
    let mut map: BTreeMap<(Name, u16), SignedRrset> = BTreeMap::new();
    for r in records {
        let (rtype, is_sig) = match &r.data {
            RData::RRSIG(sig) => (sig.type_covered, true),
            _ => (r.rtype(), false),
        };
        let set = map
            .entry((r.name.to_lowercase(), rtype.0))
            .or_insert_with(|| SignedRrset {
                owner: r.name.clone(),
                rtype,
                class: r.class,
                rdatas: Vec::new(),
                rrsigs: Vec::new(),
            });
        if is_sig {
            set.rrsigs.push(r.data.to_wire());
        } else {
            set.rdatas.push(r.data.to_wire());
        }
    }
    map.into_values().collect()
}

/// One `ENTRY_BEGIN`…`ENTRY_END` block of an Unbound test file.
#[derive(Debug, Default)]
pub struct Entry {
    pub qname: Option<Name>,
    pub records: Vec<Record>,
}

/// Reads an Unbound test file: records of every section after QUESTION, and the qname.
pub fn unbound_entries(path: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut entries = Vec::new();
    let mut current: Option<Entry> = None;
    let mut section = "";
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with(';') {
            continue;
        }
        if t == "ENTRY_BEGIN" {
            current = Some(Entry::default());
        } else if t == "ENTRY_END" {
            entries.push(current.take().unwrap());
        } else if let Some(s) = t.strip_prefix("SECTION ") {
            section = if s.starts_with("QUESTION") { "q" } else { "rr" };
        } else if let Some(e) = current.as_mut() {
            if section == "q" {
                e.qname = Some(name(t.split_whitespace().next().unwrap()));
            } else if section == "rr" {
                e.records.push(record(t));
            }
        }
    }
    entries
}

/// `YYYYMMDDHHmmSS` (UTC) as seconds since 1970.
pub fn epoch(text: &str) -> u32 {
    let n = |r: std::ops::Range<usize>| -> i64 { text[r].parse().unwrap() };
    let (y, m, d) = (n(0..4), n(4..6), n(6..8));
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    (days * 86400 + n(8..10) * 3600 + n(10..12) * 60 + n(12..14)) as u32
}

/// True when the name's first label is `bogus` (Unbound's marker for must-fail cases).
pub fn starts_bogus(n: &Name) -> bool {
    n.labels().next().is_some_and(|l| l.eq_ignore_ascii_case(b"bogus"))
}

#[test]
fn epoch_examples() {
    assert_eq!(epoch("19700101000000"), 0);
    assert_eq!(epoch("20000101000000"), 946_684_800);
    assert_eq!(epoch("20040420000000"), 1_082_419_200);
}
