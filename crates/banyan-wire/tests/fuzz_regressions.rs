//! Runs the committed corpora of the `tsig` and `bind_keys` fuzz targets (seeds and anything
//! the fuzzer kept or crashed on) through exactly the checks the fuzzer makes, in the normal
//! test suite; and makes the seeds.
//!
//! The seeds are written by `BANYAN_WRITE_FUZZ_SEEDS=1 cargo test -p banyan-wire --test
//! fuzz_regressions` into `fuzz/corpus/{tsig,bind_keys}/` (files named `seed-*`); the tests
//! below check them whether or not they are written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

#[allow(dead_code, unreachable_pub)]
#[path = "../../../fuzz/src/tsig.rs"]
mod tsig_property;

#[allow(dead_code, unreachable_pub)]
#[path = "../../../fuzz/src/bind_keys.rs"]
mod bind_keys_property;

use banyan_wire::header::Header;
use banyan_wire::message::{BuildSection, MessageBuilder};
use banyan_wire::tsig::{sign_request, sign_response, StreamSigner, TsigKey};
use banyan_wire::{Class, Name, Opcode, Record, RecordType};
use bind_keys_property::check_bind_keys;
use tsig_property::{check_tsig, key_ring, NOW, REQUEST_MAC};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus");
const TSIG_FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tsig");

/// The files of a directory, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Writes `seeds` into `fuzz/corpus/<target>/` when `BANYAN_WRITE_FUZZ_SEEDS` is set.
fn write_seeds(target: &str, seeds: &[(String, Vec<u8>)]) {
    if std::env::var_os("BANYAN_WRITE_FUZZ_SEEDS").is_none() {
        return;
    }
    let dir = Path::new(CORPUS).join(target);
    fs::create_dir_all(&dir).unwrap();
    for (name, data) in seeds {
        fs::write(dir.join(format!("seed-{name}")), data).unwrap();
    }
}

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn message(header: Header, question: (&str, RecordType), records: &[(BuildSection, &str)]) -> Vec<u8> {
    let origin = n("example.");
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(&mut buf, header);
    b.question(&n(question.0), question.1, Class::IN).unwrap();
    for (section, text) in records {
        let record = Record::from_text(text, Some(&origin), Some(300)).unwrap();
        b.push(*section, &record).unwrap();
    }
    b.finish();
    buf
}

fn query(id: u16, name: &str, rtype: RecordType) -> Vec<u8> {
    let header = Header {
        id,
        rd: true,
        ..Header::default()
    };
    message(header, (name, rtype), &[])
}

fn answer(id: u16, records: &[&str]) -> Vec<u8> {
    let header = Header {
        id,
        qr: true,
        aa: true,
        ..Header::default()
    };
    let records: Vec<(BuildSection, &str)> = records.iter().map(|r| (BuildSection::Answer, *r)).collect();
    message(header, ("example.", RecordType::AXFR), &records)
}

/// The BIND fixtures (one message a line, hex) and messages signed with the target's keys.
fn tsig_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for path in files(Path::new(TSIG_FIXTURES)) {
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        let lines = text.lines().filter(|l| !l.starts_with('#'));
        for (i, line) in lines.enumerate() {
            let (direction, hex) = line.split_once(' ').unwrap();
            let from = if direction == ">" { "client" } else { "server" };
            seeds.push((
                format!("bind-{stem}-{i}-{from}"),
                banyan_wire::text::hex_decode(hex).unwrap(),
            ));
        }
    }
    let keys: Vec<TsigKey> = key_ring().iter().cloned().collect();
    seeds.push(("unsigned-query".into(), query(1, "www.example.", RecordType::A)));
    for key in &keys {
        let alg = key.algorithm.mnemonic();
        let mut request = query(0x5151, "example.", RecordType::SOA);
        sign_request(&mut request, key, NOW);
        seeds.push((format!("ours-query-{alg}"), request));
        let mut response = answer(0x5151, &["example. 300 IN SOA ns1 host 1 7200 3600 1209600 300"]);
        sign_response(&mut response, key, REQUEST_MAC, NOW);
        seeds.push((format!("ours-response-{alg}"), response));
    }
    // A later message of a stream (its MAC covers only the timers) and an UPDATE.
    let mut signer = StreamSigner::new(keys[2].clone(), REQUEST_MAC.to_vec());
    for (i, records) in [
        &[
            "example. 300 IN SOA ns1 host 1 7200 3600 1209600 300",
            "www.example. 300 IN A 192.0.2.1",
        ][..],
        &[
            "www.example. 300 IN AAAA 2001:db8::1",
            "example. 300 IN SOA ns1 host 1 7200 3600 1209600 300",
        ][..],
    ]
    .into_iter()
    .enumerate()
    {
        let mut m = answer(0x7777, records);
        signer.sign(&mut m, NOW);
        seeds.push((format!("ours-stream-{i}"), m));
    }
    let update = message(
        Header {
            id: 0x2136,
            opcode: Opcode::UPDATE.0,
            ..Header::default()
        },
        ("example.", RecordType::SOA),
        &[(BuildSection::Authority, "new.example. 300 IN A 192.0.2.99")],
    );
    let mut signed = update.clone();
    sign_request(&mut signed, &keys[4], NOW);
    seeds.push(("ours-update".into(), signed));
    seeds
}

fn bind_keys_seeds() -> Vec<(String, Vec<u8>)> {
    let keys_conf = fs::read(Path::new(TSIG_FIXTURES).join("keys.conf")).unwrap();
    let texts: [(&str, &str); 6] = [
        (
            "comments",
            "# a shell-style comment\nkey xfr.example. {          // unquoted name\n    algorithm \"HMAC-SHA1\";  \
             /* quoted algorithm,\n    a comment over two lines */\n    secret \"c2Vj\n            cmV0\";\n};\n\
             key \"update.example\" { secret \"AAEC\"; algorithm hmac-sha384; };\n",
        ),
        (
            "escapes",
            "key \"a\\.b\\\"c\\\\d\\032e\\195\\164.example.\" { algorithm hmac-sha256; secret \"AAEC\"; };\n",
        ),
        (
            "unquoted-escapes",
            "key a\\.b.example { algorithm hmac-sha512.; secret AAECAw==; };\n",
        ),
        (
            "error-duplicate",
            "key k { algorithm hmac-sha256;\n algorithm hmac-sha1;\n};",
        ),
        ("error-unterminated", "key k {\n secret \"AAEC;\n};"),
        ("empty", "  // nothing\n"),
    ];
    let mut seeds = vec![("keys-conf".to_string(), keys_conf)];
    seeds.extend(
        texts
            .iter()
            .map(|(name, text)| (name.to_string(), text.as_bytes().to_vec())),
    );
    seeds
}

#[test]
fn tsig_seeds_pass_the_check() {
    let seeds = tsig_seeds();
    write_seeds("tsig", &seeds);
    let mut verified = Vec::new();
    for (name, data) in &seeds {
        if check_tsig(data) {
            verified.push(name.as_str());
        }
    }
    verified.sort_unstable();
    // The requests signed within the Fudge of NOW with a key of the ring: BIND's five
    // queries, the request BIND's BADTIME fixture answered (signed 1000 s before the clock of
    // that day, which is NOW), and ours (five queries and the UPDATE). BIND's later requests
    // (AXFR, UPDATE, ours) are BADTIME at NOW, which exercises the signed error replies;
    // BADKEY and BADSIG requests and the responses do not verify as requests.
    assert_eq!(
        verified,
        [
            "bind-badtime-hmac-sha256-0-client",
            "bind-query-hmac-sha1-0-client",
            "bind-query-hmac-sha224-0-client",
            "bind-query-hmac-sha256-0-client",
            "bind-query-hmac-sha384-0-client",
            "bind-query-hmac-sha512-0-client",
            "ours-query-hmac-sha1",
            "ours-query-hmac-sha224",
            "ours-query-hmac-sha256",
            "ours-query-hmac-sha384",
            "ours-query-hmac-sha512",
            "ours-update",
        ]
    );
}

#[test]
fn bind_keys_seeds_pass_the_check() {
    let seeds = bind_keys_seeds();
    write_seeds("bind_keys", &seeds);
    let counts: Vec<usize> = seeds
        .iter()
        .map(|(_, text)| check_bind_keys(std::str::from_utf8(text).unwrap()))
        .collect();
    assert_eq!(counts, [5, 2, 1, 1, 0, 0, 0]);
}

#[test]
fn tsig_corpus() {
    let mut ran = 0;
    for path in files(&Path::new(CORPUS).join("tsig")) {
        check_tsig(&fs::read(&path).unwrap());
        ran += 1;
    }
    assert!(ran >= 20, "the seeds are committed");
}

#[test]
fn bind_keys_corpus() {
    let mut ran = 0;
    for path in files(&Path::new(CORPUS).join("bind_keys")) {
        // libFuzzer hands the target only inputs that are UTF-8.
        if let Ok(text) = std::str::from_utf8(&fs::read(&path).unwrap()) {
            check_bind_keys(text);
        }
        ran += 1;
    }
    assert!(ran >= 7, "the seeds are committed");
}
