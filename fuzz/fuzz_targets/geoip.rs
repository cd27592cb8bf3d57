//! Arbitrary bytes read as a MaxMind DB file: never a panic, and lookups in what loads never
//! panic and report sane prefixes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/geoip.rs"]
mod geoip;

fuzz_target!(|data: &[u8]| {
    geoip::check_geoip(data);
});
