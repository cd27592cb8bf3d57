//! An RFC 2136 UPDATE body against a fixed zone, through `respond` and `apply_update`: never
//! a panic, and every new version matches its difference.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/update.rs"]
mod update;

fuzz_target!(|data: &[u8]| {
    update::check_update(data);
});
