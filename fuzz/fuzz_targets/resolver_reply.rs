//! Arbitrary upstream replies fed to the resolver's state machine: it must end, within its
//! budget, without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/resolver_reply.rs"]
mod resolver_reply;

fuzz_target!(|data: &[u8]| {
    resolver_reply::check_resolver_reply(data);
});
