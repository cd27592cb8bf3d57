//! `banyan-wire`: the sans-I/O core of the DNS protocol.
//!
//! What it does: domain names ([`name`]), registry numbers ([`types`]), typed record data in
//! wire and presentation form ([`rdata`]), records ([`record`]), message parsing without
//! copying and message building with compression and truncation ([`message`]), EDNS(0)
//! options ([`edns`]), and transaction signatures ([`tsig`]: TSIG MACs, keys, key files).
//!
//! What it does not do: sockets, async, clocks (TSIG takes `now` from the caller), zone files
//! (see `banyan-zone`) or DNSSEC cryptography (see `banyan-dnssec`). The parse path for
//! messages allocates nothing; typed RDATA is materialised only when asked for.

#![forbid(unsafe_code)]

pub mod edns;
pub mod error;
pub mod header;
pub mod message;
pub mod name;
pub mod padding;
pub mod rdata;
pub mod record;
pub mod text;
pub mod tsig;
pub mod types;
pub mod wire;

pub use error::{NameError, ParseError, RdataError, TextError};
pub use header::Header;
pub use message::{Message, MessageBuilder, OwnedMessage};
pub use name::Name;
pub use name::{NameBuf, WireName};
pub use rdata::RData;
pub use record::{Question, Record};
pub use types::{Class, Opcode, Rcode, RecordType};
