//! `banyan-loadgen`: a one-thread DNS load generator for `bench/auth.sh`, on
//! `sendmmsg(2)`/`recvmmsg(2)`.
//!
//! Why it exists: `bench/auth.sh` pins each authoritative server to one core and the load
//! generator to the other. dnsperf, with one system call per datagram each way, tops out at
//! about 130k queries/s on one core of the bench machine, while the servers sat at about 90%
//! of theirs: dnsperf, not the server, was the ceiling, and the bench had to fall back on
//! queries per CPU-second of the server. This generator sends and receives in bursts (one
//! system call per burst) and busy-polls its sockets instead of sleeping, so that on one core
//! it pushes more than any of the servers answers on one, and the server becomes the ceiling.
//!
//! What it does not do: TCP, DoT/DoH, rate limiting (`-Q`), dynamic updates, TSIG. It speaks
//! dnsperf's query-file format and prints dnsperf's summary lines so the bench swaps the two.
//!
//! The pieces: [`queries`] (the query file, encoded once), [`generator`] (the load loop),
//! [`stats`] (counters and the summary); the system calls are wrapped in one private module,
//! the only place with unsafe code.

#![deny(unsafe_code)]

pub mod generator;
#[allow(unsafe_code)]
mod mmsg;
pub mod queries;
pub mod stats;

pub use generator::{run, Config, Stop};
pub use queries::{parse_queries, read_query_file, Query, QueryFileError, QueryOptions};
pub use stats::Stats;
