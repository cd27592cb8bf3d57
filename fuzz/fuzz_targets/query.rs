//! A request to the authoritative server, answered by `respond` over UDP and over TCP from
//! fixed zones: never a panic, every answer well formed, sized for its transport, and the
//! same over both where UDP did not truncate.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/query.rs"]
mod query;

fuzz_target!(|data: &[u8]| {
    query::check_query(data);
});
