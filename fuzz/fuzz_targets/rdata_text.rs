//! Arbitrary UTF-8 as the presentation form of one RDATA: parse, print, reparse, and go
//! through the wire form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    banyan_wire_fuzz::check_rdata_text(text);
});
