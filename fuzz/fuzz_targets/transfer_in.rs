//! A zone transfer (AXFR or IXFR) from a primary, message after message, into
//! `TransferReader`: never a panic, and what it accepts holds together.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/transfer_in.rs"]
mod transfer_in;

fuzz_target!(|data: &[u8]| {
    transfer_in::check_transfer_in(data);
});
