//! `banyan-auth`: authoritative answering as a pure function over an immutable snapshot of
//! the served zones: query bytes in, response bytes out.
//!
//! What it does: finds the zone for a question ([`Catalog`]), answers per RFC 1034 §4.3.2
//! with the outcomes of `banyan-zone`'s lookup (answers with AA, referrals with glue, CNAME
//! chains across served zones, DNAME synthesis, wildcards, NXDOMAIN and NODATA with the SOA),
//! applies EDNS(0) (RFC 6891) and truncation, answers CHAOS `version.bind`/`id.server` when
//! configured, and produces AXFR (RFC 5936) and IXFR (RFC 1995, from each zone's
//! [`Journal`]) streams for clients allowed by address or TSIG key ([`respond`]). It serves
//! zones that arrive signed to DO=1 clients: RRSIGs beside every RRset, NSEC/NSEC3 proofs of
//! non-existence, DS or its absence at referrals (RFC 4035 §3.1, RFC 5155 §7.2). It accepts
//! NOTIFY from the primaries of secondary zones and builds outgoing NOTIFYs (RFC 1996), and
//! applies dynamic UPDATEs under a key-based policy ([`apply_update`], RFC 2136). It answers
//! DNS Cookies (RFC 7873, RFC 9018 server cookies; [`cookies`]) when configured. It gives
//! different answers to different clients by [`views`], chosen by source address or EDNS
//! Client Subnet (RFC 7871), and explains the choice to allowed clients ([`WHY_OPTION`]).
//!
//! What it does not do: sockets, threads, clocks, reloading, refreshing secondary zones,
//! sending NOTIFYs or serialising UPDATEs (see `banyan-server`), the TSIG MAC itself (see
//! `banyan_wire::tsig`; [`respond`] verifies requests and signs responses with it), DNSSEC
//! signing or validation (see `banyan-dnssec`).

#![forbid(unsafe_code)]

mod answer;
mod catalog;
mod config;
pub mod cookies;
mod dnssec;
pub mod geoip;
mod notify;
mod prefetch;
mod transfer;
mod update;
pub mod views;

pub use answer::{respond, Action, Request, Transport};
pub use catalog::{Catalog, Journal, JOURNAL_LIMIT};
pub use config::{AuthConfig, Cidr, CidrError, TransferAcl, TransferAclError};
pub use cookies::CookieConfig;
pub use notify::{is_notify_ack, notify_message};
pub use prefetch::{prefetch, PREFETCH_MIN_NODES};
pub use update::{apply_update, update_reply, NamePattern, SerialPolicy, UpdatePolicyError, UpdateRule};
pub use views::{View, ViewError, WHY_OPTION};
