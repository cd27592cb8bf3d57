//! Runs the `resolver_reply` fuzz target's committed corpus (seeds and anything the fuzzer
//! kept or crashed on) through exactly the check the fuzzer makes, in the normal test suite.

#![allow(clippy::unwrap_used)]

#[path = "../../../fuzz/src/resolver_reply.rs"]
mod resolver_reply;

#[test]
fn resolver_reply_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/resolver_reply");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        resolver_reply::check_resolver_reply(&std::fs::read(&path).unwrap());
        ran += 1;
    }
    assert!(ran >= 5, "the seeds are committed");
}
