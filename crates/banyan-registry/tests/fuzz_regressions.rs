//! Runs the `epp` fuzz target's committed corpus (the RFCs' example frames, WHOIS lines, and
//! anything the fuzzer kept or crashed on) through exactly the check the fuzzer makes.

#[path = "../../../fuzz/src/epp.rs"]
mod epp;

#[test]
fn epp_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/epp");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).expect("the epp corpus") {
        let path = entry.expect("corpus entry").path();
        epp::check_epp(&std::fs::read(&path).expect("corpus file"));
        ran += 1;
    }
    assert!(ran >= 40, "the seeds are committed ({ran})");
}
