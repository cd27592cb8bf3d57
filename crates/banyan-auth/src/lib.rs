//! `banyan-auth`: authoritative answering as a pure function over an immutable snapshot of
//! the served zones: query bytes in, response bytes out.
//!
//! What it does: finds the zone for a question ([`Catalog`]), answers per RFC 1034 §4.3.2
//! with the outcomes of `banyan-zone`'s lookup (answers with AA, referrals with glue, CNAME
//! chains across served zones, DNAME synthesis, wildcards, NXDOMAIN and NODATA with the SOA),
//! applies EDNS(0) (RFC 6891) and truncation, answers CHAOS `version.bind`/`id.server` when
//! configured, and produces AXFR streams (RFC 5936) for allowed clients ([`respond`]). It
//! serves zones that arrive signed to DO=1 clients: RRSIGs beside every RRset, NSEC/NSEC3
//! proofs of non-existence, DS or its absence at referrals (RFC 4035 §3.1, RFC 5155 §7.2).
//!
//! What it does not do: sockets, threads, clocks, reloading (see `banyan-server`), signing
//! or validation (see `banyan-dnssec`), IXFR history, NOTIFY, UPDATE.

#![forbid(unsafe_code)]

mod answer;
mod catalog;
mod config;
mod dnssec;

pub use answer::{respond, Action, Request, Transport};
pub use catalog::Catalog;
pub use config::{AuthConfig, Cidr, CidrError};
