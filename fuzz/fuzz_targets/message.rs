//! Arbitrary bytes as a DNS message: parse, walk, type, rebuild, reparse, compare.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    banyan_wire_fuzz::check_message(data);
});
