//! Arbitrary UTF-8 read as BIND key statements: never a panic, and every key read is
//! written back and read again unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/bind_keys.rs"]
mod bind_keys;

fuzz_target!(|text: &str| {
    bind_keys::check_bind_keys(text);
});
