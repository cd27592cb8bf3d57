//! Runs the per-type cases of Knot DNS's zone-scanner tests (`tests/libzscanner/data`):
//! each `.in` file has records that must be accepted (`; OK`) and records that must be
//! refused (`; KO`); the `.out` file lists, in order, the RDATA in hex of each accepted
//! record or `ERROR=` for each refused one. Only the RDATA is compared here; owners, TTLs
//! and classes are the zone parser's job. Disagreements are listed in
//! [`KNOWN_DIFFERENCES`] with the reason.

use banyan_wire::text::{parse_ttl, tokenize, Token};
use banyan_wire::{Class, Name, RData, RecordType};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/zonefile/mixed-valid-and-invalid-with-expected-output/knot-zscanner/"
);

/// The files for types Banyan types beyond RFC 1035.
const FILES: &[&str] = &[
    "26_SRV",
    "27_NAPTR",
    "31_DNSKEY",
    "33_DS",
    "34_SSHFP",
    "36_RRSIG",
    "37_NSEC",
    "39_NSEC3",
    "40_NSEC3PARAM",
    "41_TLSA",
    "42_LOC",
    "49_CDS",
    "50_CDNSKEY",
    "52_CAA",
    "56_ZONEMD",
    "57_SVCB",
    "58_HTTPS",
];

/// Records where Knot and Banyan knowingly disagree: (file, text the record contains, why).
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "26_SRV",
        "\t%\t",
        "Banyan's name reader, like BIND's, takes any printable octet in a label; Knot's \
         scanner refuses an unescaped `%`",
    ),
    ("36_RRSIG", "\ta%\t", "as for SRV: `%` in a name"),
    (
        "31_DNSKEY",
        "AA ==",
        "BIND joins base64 across fields whatever their lengths; Knot wants every field to be \
         a multiple of 4 characters",
    ),
    ("36_RRSIG", "AA ==", "as for DNSKEY: base64 split into fields"),
    ("50_CDNSKEY", "AA ==", "as for DNSKEY: base64 split into fields"),
    (
        "36_RRSIG",
        "22260101000000",
        "Knot stops dates at the end of 2225 (a scanner limit); Banyan reads years up to 9999 \
         and wraps them modulo 2^32, the field's definition (RFC 4034 §3.1.5)",
    ),
    (
        "39_NSEC3",
        "=",
        "RFC 5155 §3.3: the next hashed owner name is unpadded base32hex; BIND refuses padding \
         (its bad-nsec3-padded.db test) and so does Banyan, Knot strips it",
    ),
    (
        "42_LOC",
        "90 59 59.999 S",
        "a latitude past the pole: BIND and Banyan refuse more than 90 degrees (180 for \
         longitude), Knot accepts up to 90 59 59.999",
    ),
    (
        "42_LOC",
        "\\# 16 00 00 00 00 00000000",
        "all-zero wire data puts the latitude far past the south pole; BIND refuses it when \
         reading wire form, and so does Banyan, Knot stores it",
    ),
    (
        "52_CAA",
        "\"\"\ta",
        "RFC 8659 §4.1: the tag length MUST be at least 1; Knot accepts an empty tag",
    ),
    (
        "57_SVCB",
        "alpn=a\\\n",
        "Banyan's tokenizer reads a backslash at the end of a line as an escaped newline; Knot \
         refuses the dangling backslash",
    ),
    (
        "57_SVCB",
        "\tech\n",
        "a value-less ech: Unbound accepts it as an empty ECHConfigList (its \
         svcb.success-cases.zone) and so does Banyan; Knot refuses it",
    ),
    ("57_SVCB", "\tech=\n", "as above: an empty ech"),
    (
        "57_SVCB",
        "\tdohpath\n",
        "an empty dohpath: Unbound's success cases accept it and so does Banyan; Knot refuses \
         it (RFC 9461 §5 wants a template, which is a semantic check)",
    ),
    ("57_SVCB", "\tdohpath=\n", "as above: an empty dohpath"),
];

/// Splits a record into its type and RDATA fields.
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

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

#[test]
fn knot_zscanner_typed_records() {
    let (mut accepted, mut refused, mut known) = (0, 0, 0);
    let mut used = [false; KNOWN_DIFFERENCES.len()];
    let mut failures = Vec::new();
    for file in FILES {
        let input = std::fs::read_to_string(format!("{DIR}{file}.in")).expect("corpus present");
        let output = std::fs::read_to_string(format!("{DIR}{file}.out")).expect("corpus present");
        // One expectation per record: the RDATA hex, or None for an error.
        let expected: Vec<Option<String>> = output
            .split("------")
            .filter(|e| !e.trim().is_empty())
            .map(|e| e.lines().find_map(|l| l.strip_prefix("RDATA=")).map(str::to_string))
            .collect();
        let mut origin = Name::root();
        let mut records = Vec::new();
        let mut pending = String::new();
        for line in input.lines() {
            if pending.is_empty() {
                if let Some(o) = line.strip_prefix("$ORIGIN") {
                    origin = o.trim().parse().expect("origin");
                    continue;
                }
                if line.starts_with('$') || tokenize(line).is_ok_and(|t| t.is_empty()) {
                    continue;
                }
            }
            pending.push_str(line);
            pending.push('\n');
            // Records continue over lines while a parenthesis is open; a line that can
            // never be completed (an unbalanced quote) is a record of its own.
            match tokenize(&pending) {
                Err(banyan_wire::TextError::Unbalanced("parenthesis")) if !line.contains(')') => continue,
                _ => records.push(std::mem::take(&mut pending)),
            }
        }
        assert_eq!(
            records.len(),
            expected.len(),
            "{file}: records and expectations pair up"
        );
        for (record, want) in records.iter().zip(&expected) {
            let ours = tokenize(record).ok().and_then(|tokens| {
                let (rtype, rdata) = split(record, &tokens)?;
                RData::from_text(rtype, rdata, Some(&origin))
                    .ok()
                    .map(|rd| hex(&rd.to_wire()))
            });
            let listed = KNOWN_DIFFERENCES
                .iter()
                .position(|(f, pattern, _)| f == file && record.contains(pattern));
            match (listed, &ours == want) {
                (_, true) if want.is_some() => accepted += 1,
                (_, true) => refused += 1,
                (Some(i), false) => {
                    used[i] = true;
                    known += 1;
                }
                (None, false) => failures.push(format!(
                    "{file}: {}\n  knot: {}\n  ours: {}",
                    record.trim(),
                    want.as_deref().unwrap_or("refused"),
                    ours.as_deref().unwrap_or("refused")
                )),
            }
        }
    }
    println!(
        "knot zscanner: {accepted} accepted as Knot does, {refused} refused as Knot does, {known} known differences"
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Keep the list honest: every entry still explains a disagreement.
    for (entry, used) in KNOWN_DIFFERENCES.iter().zip(used) {
        assert!(used, "known difference no longer seen: {entry:?}");
    }
}
