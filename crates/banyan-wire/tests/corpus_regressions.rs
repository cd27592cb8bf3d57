//! The message fuzz property (parse → walk → type → rebuild → reparse → compare) run over
//! every packet corpus in `../shared/testdata/wire`, and over every input the fuzzers ever
//! crashed on.
//!
//! The property itself lives in `fuzz/src/lib.rs` and is included here by path, so this test
//! and the fuzz targets check exactly the same thing.
//!
//! Each corpus prints how many messages parsed and how many were refused, and asserts lower
//! bounds taken from a run of this parser: a change that makes the parser refuse more real
//! traffic fails here. Ours is stricter than dnspython's census in a few documented ways
//! (trailing octets after the last record are refused, as are records whose RDATA names do
//! not exactly fill RDLENGTH).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../../fuzz/src/lib.rs"]
mod properties;

use banyan_wire::{Message, ParseError};
use properties::{check_message, check_rdata_text, MessageOutcome};

const WIRE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata/wire");
const REGRESSIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/regressions");

/// How many inputs of a corpus ended in each [`MessageOutcome`], and which inputs broke the
/// property.
#[derive(Default, Debug)]
struct Tally {
    total: usize,
    refused: usize,
    untyped: usize,
    too_large: usize,
    round_tripped: usize,
    failures: Vec<String>,
    /// Why messages were refused or did not type: error kind → count.
    reasons: BTreeMap<String, usize>,
}

impl Tally {
    fn check(&mut self, label: &str, data: &[u8]) {
        self.total += 1;
        match catch_unwind(AssertUnwindSafe(|| check_message(data))) {
            Ok(MessageOutcome::Refused) => {
                self.refused += 1;
                if let Err(e) = Message::parse(data) {
                    *self.reasons.entry(format!("refused: {}", kind(&e))).or_default() += 1;
                }
            }
            Ok(MessageOutcome::Untyped) => {
                self.untyped += 1;
                let msg = Message::parse(data).unwrap();
                let records = msg.answers().chain(msg.authority()).chain(msg.additional());
                if let Some((r, e)) = records.filter_map(|r| r.rdata().err().map(|e| (r, e))).next() {
                    let reason = format!(
                        "untyped: {} (opcode {}, {} {} with {} octets of RDATA)",
                        kind(&e),
                        msg.header().opcode(),
                        r.class,
                        r.rtype,
                        r.rdata_bytes().len()
                    );
                    *self.reasons.entry(reason).or_default() += 1;
                }
            }
            Ok(MessageOutcome::TooLarge) => self.too_large += 1,
            Ok(MessageOutcome::RoundTripped) => self.round_tripped += 1,
            Err(_) => self.failures.push(label.to_string()),
        }
    }

    fn parsed(&self) -> usize {
        self.total - self.refused
    }

    /// Prints the counts and fails on any broken property or on fewer parsed / round-tripped
    /// messages than `min_parsed` / `min_round_tripped`.
    fn report(&self, corpus: &str, min_total: usize, min_parsed: usize, min_round_tripped: usize) {
        println!(
            "{corpus}: {} messages, {} parsed, {} refused; of the parsed: {} round-tripped, {} with RDATA \
             that does not type, {} too large to rebuild",
            self.total,
            self.parsed(),
            self.refused,
            self.round_tripped,
            self.untyped,
            self.too_large
        );
        for (reason, count) in &self.reasons {
            println!("  {count:5} {reason}");
        }
        assert!(
            self.failures.is_empty(),
            "{corpus}: the property failed for {} inputs: {:?}",
            self.failures.len(),
            self.failures
        );
        assert!(self.total >= min_total, "{corpus}: only {} inputs found", self.total);
        assert!(
            self.parsed() >= min_parsed,
            "{corpus}: {} parsed, expected at least {min_parsed}",
            self.parsed()
        );
        assert!(
            self.round_tripped >= min_round_tripped,
            "{corpus}: {} round-tripped, expected at least {min_round_tripped}",
            self.round_tripped
        );
    }
}

/// The error's variant and, for nested errors, the inner variant, without offsets.
fn kind(e: &ParseError) -> String {
    let text = format!("{e:?}");
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '{' | '(' => depth += 1,
            '}' | ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    match e {
        ParseError::Name { error, .. } => format!("{} {error:?}", out.trim()),
        ParseError::Rdata { error, .. } => format!("{} {error:?}", out.trim()),
        _ => out.trim().to_string(),
    }
}

/// The files of a directory, sorted so that failures are reported in a stable order.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e} (is ../shared/testdata beside the repository?)", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn check_dir(dir: &Path, keep: impl Fn(&Path) -> bool) -> Tally {
    let mut tally = Tally::default();
    for path in files(dir).into_iter().filter(|p| keep(p)) {
        let data = fs::read(&path).unwrap();
        tally.check(&path.display().to_string(), &data);
    }
    tally
}

/// Hex digits of `text` as octets; `None` on an odd count.
fn hex_octets(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    let value = |d: u8| (d as char).to_digit(16).map(|v| v as u8);
    digits
        .chunks(2)
        .map(|p| Some(value(p[0])? << 4 | value(p[1])?))
        .collect()
}

/// BIND's `wire_test.data*`: one message per file, in hex, with `#` comments.
fn bind_hexdump(text: &str) -> Vec<Vec<u8>> {
    let hex: String = text.lines().map(|l| l.split('#').next().unwrap_or("")).collect();
    vec![hex_octets(&hex).expect("even number of hex digits")]
}

/// Unbound's "pcat" form (`test_packets.2`, `.3`): `;` comment lines, short lines holding
/// sequence numbers, and every other line one whole message in hex.
fn unbound_pcat(text: &str) -> Vec<Vec<u8>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(';'))
        .filter(|l| !l.bytes().all(|b| b.is_ascii_digit()))
        .map(|l| hex_octets(l).expect("even number of hex digits"))
        .collect()
}

/// Unbound's drill form (`test_packets.4`–`.9`): a line starting with `;--` starts a new
/// message, hex runs over several lines, and `;` starts a comment anywhere on a line.
fn unbound_drill(text: &str) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    let mut hex = String::new();
    for line in text.lines() {
        if line.starts_with(";--") && !hex.is_empty() {
            messages.push(hex_octets(&hex).expect("even number of hex digits"));
            hex.clear();
        }
        hex.push_str(line.split(';').next().unwrap_or(""));
    }
    if !hex.trim().is_empty() {
        messages.push(hex_octets(&hex).expect("even number of hex digits"));
    }
    messages.retain(|m| !m.is_empty());
    messages
}

/// Every message of the BIND and Unbound hex dumps, with a label naming its file and place.
fn hexdump_messages() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let dumps = Path::new(WIRE).join("hexdumps");
    for path in files(&dumps.join("bind")) {
        let text = fs::read_to_string(&path).unwrap();
        for (i, m) in bind_hexdump(&text).into_iter().enumerate() {
            out.push((format!("{}#{i}", path.display()), m));
        }
    }
    for path in files(&dumps.join("unbound")) {
        let text = fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let messages = if name == "test_packets.2" || name == "test_packets.3" {
            unbound_pcat(&text)
        } else {
            unbound_drill(&text)
        };
        for (i, m) in messages.into_iter().enumerate() {
            out.push((format!("{}#{i}", path.display()), m));
        }
    }
    out
}

#[test]
fn cznic_packet_corpus() {
    let dir = Path::new(WIRE).join("corpora/cznic-dns-fuzzing/packet");
    let tally = check_dir(&dir, |p| p.extension().is_some_and(|e| e == "pkt"));
    // dnspython's census: 9,687 parse. We parse 9,695 and type 9,687: the other 8 carry URI
    // records with an empty target (RFC 7553 §4.5), which typed URI refuses, as dnspython does.
    tally.report("cznic-dns-fuzzing/packet", 9_774, 9_695, 9_687);
}

#[test]
fn bind_fuzz_message_parse_corpus() {
    let dir = Path::new(WIRE).join("corpora/bind-fuzz/dns_message_parse.in");
    let tally = check_dir(&dir, |_| true);
    // dnspython's census: 294 parse. We parse 297 (the 3 refused have trailing octets); one has
    // a URI record with an empty target, which does not type.
    tally.report("bind-fuzz/dns_message_parse.in", 300, 297, 296);
}

#[test]
fn hexdump_corpus() {
    let mut tally = Tally::default();
    let messages = hexdump_messages();
    // `BANYAN_WIRE_SEED_DIR=DIR cargo test --test corpus_regressions hexdump` also writes the
    // decoded messages out as fuzz seeds (how fuzz/corpus/message was seeded).
    if let Some(dir) = std::env::var_os("BANYAN_WIRE_SEED_DIR") {
        for (i, (_, m)) in messages.iter().enumerate() {
            fs::write(Path::new(&dir).join(format!("hexdump-{i:04}.bin")), m).unwrap();
        }
    }
    // Per file too, so a regression points at the dump it came from.
    let mut per_file: BTreeMap<String, Tally> = BTreeMap::new();
    for (label, m) in &messages {
        tally.check(label, m);
        let file = label.rsplit('/').next().unwrap_or(label);
        let file = file.split('#').next().unwrap_or(file);
        per_file.entry(file.to_string()).or_default().check(label, m);
    }
    for (file, t) in &per_file {
        println!(
            "  {file}: {} messages, {} parsed, {} refused",
            t.total,
            t.parsed(),
            t.refused
        );
    }
    // The refused ones are the dumps' deliberately bad packets (compression loops, bad
    // pointers, a missing OPT record) and captured non-DNS or cut-off packets.
    tally.report("hexdumps/{bind,unbound}", 282, 231, 231);
}

/// Every input a fuzz target ever failed on, kept as files: `regressions/message/*` for the
/// `message` target and `regressions/rdata_text/*` for `rdata_text`. Each must now pass the
/// property (a refusal is fine; a panic is not).
#[test]
fn fuzz_crash_regressions() {
    let dir = Path::new(REGRESSIONS);
    let mut failures = Vec::new();
    for path in files(&dir.join("message")) {
        let data = fs::read(&path).unwrap();
        if catch_unwind(|| check_message(&data)).is_err() {
            failures.push(path.display().to_string());
        }
    }
    // No rdata_text crash has been found yet; git keeps no empty directory, so the
    // directory exists only once one has.
    let text_dir = dir.join("rdata_text");
    let text_inputs = if text_dir.is_dir() {
        files(&text_dir)
    } else {
        Vec::new()
    };
    for path in text_inputs {
        let data = fs::read(&path).unwrap();
        // libFuzzer hands the target only inputs that are UTF-8; others cannot crash it.
        if let Ok(text) = std::str::from_utf8(&data) {
            if catch_unwind(|| check_rdata_text(text)).is_err() {
                failures.push(path.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "regressions failing again: {failures:?}");
}

/// RFC 2136 UPDATE: "RRset does not exist" (§2.4.3, class NONE) and "delete an RRset"
/// (§2.5.2, class ANY) carry no RDATA whatever their type, so a typed RDATA of zero octets
/// must be representable. Found in the corpus: 20 of the CZ-NIC UPDATE packets (A, DNSKEY,
/// CDS, CDNSKEY, NSEC3PARAM) and one of BIND's fuzz seeds parse but do not type.
#[test]
fn rfc2136_section_2_4_3_and_2_5_2_empty_rdata_round_trips() {
    let update = b"\x12\x34\x28\x00\x00\x01\x00\x01\x00\x01\x00\x00\
        \x07example\x03com\x00\x00\x06\x00\x01\
        \x03www\xc0\x0c\x00\x01\x00\xfe\x00\x00\x00\x00\x00\x00\
        \xc0\x1d\x00\x01\x00\xff\x00\x00\x00\x00\x00\x00";
    assert!(Message::parse(update).is_ok());
    assert_eq!(check_message(update), MessageOutcome::RoundTripped);
}

/// Found by the `message` fuzzer (saved as `regressions/message/afsdb-compressed-name-copied-raw.bin`):
/// `Message::parse` follows compression pointers inside AFSDB, RT, KX, RP, MINFO, MB, MG, MR,
/// MD and MF RDATA (RFC 3597 §4 lets receivers decompress them), but while those types had no
/// typed form their RDATA was kept as opaque octets, pointer included. Rebuilding the message
/// moved the names, so the copied pointer pointed at something else: the rebuilt message
/// read a different name, or no name. Every type whose names the parser follows must be typed.
/// Here the AFSDB name points at `example.` inside the second owner name, which the builder
/// compresses away.
#[test]
fn afsdb_name_compressed_in_the_input_survives_a_rebuild() {
    let msg = b"\x00\x00\x84\x00\x00\x00\x00\x03\x00\x00\x00\x00\
        \x01a\x07example\x00\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x01\
        \x01a\x07example\x00\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x02\
        \x01b\xc0\x0e\x00\x12\x00\x01\x00\x00\x00\x3c\x00\x04\x00\x01\xc0\x27";
    let parsed = Message::parse(msg).unwrap();
    let afsdb = parsed.answers().nth(2).unwrap();
    assert_eq!(afsdb.rdata().unwrap().to_string(), "1 example.");
    assert_eq!(check_message(msg), MessageOutcome::RoundTripped);
}
