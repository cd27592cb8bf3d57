//! A master file for `example.` from an untrusted source: never a panic, every record read
//! prints and reads back as itself, and the zone built from them prints and reads back whole.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/zonefile.rs"]
mod zonefile;

fuzz_target!(|data: &[u8]| {
    zonefile::check_zonefile(data);
});
