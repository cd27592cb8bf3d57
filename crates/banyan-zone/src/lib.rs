//! `banyan-zone`: zone files and zones.
//!
//! What it does: reads master files (RFC 1035 §5, with `$ORIGIN`, `$TTL`, `$INCLUDE` and
//! `$GENERATE`) into records ([`parser`]), keeps a zone in memory in canonical order with
//! its zone cuts worked out at load ([`zone`]), answers the lookup of RFC 1034 §4.3.2 with
//! the outcomes an authoritative server needs ([`lookup`]), finds the NSEC and NSEC3 records
//! that deny a name's existence in a signed zone ([`nsec3`]), checks a zone's content
//! ([`check`]), computes the difference of two versions for IXFR ([`diff`]), compares
//! serials in RFC 1982 arithmetic ([`serial`]), reads a zone transfer as a secondary
//! receives it ([`transfer`]), and brings a batch of lookups' memory into the CPU caches
//! together before they are made ([`prefetch`]).
//!
//! What it does not do: network I/O, DNSSEC signing (see `banyan-dnssec`), or building
//! response messages (see `banyan-auth`).

#![forbid(unsafe_code)]

pub mod build;
pub mod check;
pub mod diff;
pub mod ds;
pub mod generate;
pub mod lexer;
pub mod load;
pub mod lookup;
pub mod names;
mod nodemap;
pub mod nsec3;
pub mod parser;
pub mod prefetch;
pub mod serial;
mod short_bytes;
pub mod transfer;
pub mod zone;

pub use build::{MergeNote, ZoneBuilder};
pub use check::{check_zone, Finding, FindingKind, Severity};
pub use diff::{diff, ZoneDiff};
pub use ds::ds_digest;
pub use load::{load_zone, load_zone_file, load_zone_file_with_progress, LoadError, Loaded};
pub use lookup::Lookup;
pub use nsec3::{nsec3_hash, Nsec3Hash, Nsec3Params, Nsec3Proof};
pub use parser::{parse_file, parse_str, ParseOptions, ParseReport, ZoneErrorKind, ZoneFileError};
pub use serial::{serial_add, serial_cmp, serial_gt};
pub use transfer::{Transfer, TransferError, TransferReader};
pub use zone::{InsertError, Inserted, Node, NodeFlags, RdataIter, RdataList, Rrset, Zone};
