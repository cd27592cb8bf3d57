//! The parse path allocates nothing (DESIGN.md: "no allocation on the hot parse path"):
//! `Message::parse` and walking every question, record, name and EDNS option of the result,
//! and building into a buffer that is already large enough.
//!
//! Counted with the `allocation-counter` crate's global allocator (the workspace forbids the
//! unsafe code a hand-written `GlobalAlloc` would need).

#![allow(clippy::unwrap_used)]

use std::fmt::{self, Write};
use std::fs;
use std::path::Path;

use banyan_wire::Message;

#[allow(dead_code)]
#[path = "../benches/fixtures/mod.rs"]
mod fixtures;

use fixtures::TypicalAnswer;

/// Formats into a fixed array, so that printing a name costs no heap allocation.
struct StackText {
    buf: [u8; 1024],
    len: usize,
}

impl Write for StackText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Everything a server reads from a query or a resolver from a response, without asking for
/// owned copies: names label by label and printed, types, classes, TTLs, RDATA octets, EDNS
/// options and the TSIG position. Returns a checksum so nothing is optimised away.
fn walk(msg: &Message<'_>) -> usize {
    let mut text = StackText { buf: [0; 1024], len: 0 };
    let mut sum = usize::from(msg.id()) + usize::from(msg.rcode().0);
    for q in msg.questions() {
        text.len = 0;
        write!(text, "{} {} {}", q.qname, q.qclass, q.qtype).unwrap();
        sum += text.len + q.qname.labels().count();
    }
    for r in msg.answers().chain(msg.authority()).chain(msg.additional()) {
        text.len = 0;
        write!(text, "{} {} {} {}", r.name, r.ttl, r.class, r.rtype).unwrap();
        sum += text.len + r.name.labels().map(<[u8]>::len).sum::<usize>() + r.rdata_bytes().len();
    }
    for option in msg.edns_options().into_iter().flatten() {
        sum += option.map_or(0, |(code, data)| usize::from(code) + data.len());
    }
    sum + msg.tsig_offset().unwrap_or(0)
}

#[test]
fn the_counter_counts() {
    // Guards against a zero below meaning "not counted" (e.g. another global allocator).
    let info = allocation_counter::measure(|| {
        std::hint::black_box(Vec::<u8>::with_capacity(16));
    });
    assert_eq!(info.count_total, 1);
}

#[test]
fn parsing_and_walking_a_typical_response_allocates_nothing() {
    let wire = TypicalAnswer::new().to_wire();
    let mut sum = 0;
    let info = allocation_counter::measure(|| {
        let msg = Message::parse(&wire).unwrap();
        sum = walk(&msg);
    });
    assert!(sum > 0);
    assert_eq!(info.count_total, 0, "parse + walk allocated: {info:?}");
}

/// The same over BIND's message-parser fuzz corpus (queries, responses, UPDATE, NOTIFY,
/// TSIG, DSO, and a few malformed ones): refusing a message allocates nothing either.
#[test]
fn parsing_and_walking_the_bind_fuzz_corpus_allocates_nothing() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/wire/corpora/bind-fuzz/dns_message_parse.in"
    ));
    let messages: Vec<Vec<u8>> = fs::read_dir(dir)
        .unwrap()
        .map(|e| fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(messages.len(), 300);
    let (mut parsed, mut refused) = (0, 0);
    let info = allocation_counter::measure(|| {
        for m in &messages {
            match Message::parse(m) {
                Ok(msg) => {
                    walk(&msg);
                    parsed += 1;
                }
                Err(_) => refused += 1,
            }
        }
    });
    assert_eq!((parsed, refused), (297, 3));
    assert_eq!(info.count_total, 0, "parse + walk of the corpus allocated: {info:?}");
}

#[test]
fn building_into_a_reused_buffer_allocates_nothing() {
    let answer = TypicalAnswer::new();
    let mut buf = Vec::with_capacity(512);
    let len = answer.build(&mut buf);
    let info = allocation_counter::measure(|| {
        for _ in 0..10 {
            assert_eq!(answer.build(&mut buf), len);
        }
    });
    assert_eq!(info.count_total, 0, "building allocated: {info:?}");
    assert!(Message::parse(&buf).is_ok());
}
