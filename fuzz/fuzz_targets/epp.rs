//! EPP frames and responses (RFC 5730) and WHOIS query lines (RFC 3912): never a panic, and
//! what parses round-trips through XML.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/epp.rs"]
mod epp;

fuzz_target!(|data: &[u8]| {
    epp::check_epp(data);
});
