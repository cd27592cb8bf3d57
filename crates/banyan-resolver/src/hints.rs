//! Root hints: where resolution starts (RFC 1034 §5.3.2, RFC 8109). Built in: IANA's 13
//! root servers with their IPv4 and IPv6 addresses; or read from a file in RFC 1035 format
//! (`/usr/share/dns/root.hints`, `named.root`).
//!
//! API CONTRACT (stub: bodies to be written).

use std::net::IpAddr;
use std::path::Path;

use banyan_wire::Name;

use crate::rrset::RRset;

/// Why a hints file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HintsError {
    /// The file did not parse; each message says file:line:column and what was wrong.
    #[error("{path}: root hints do not parse: {}", errors.join("; "))]
    Parse {
        /// The file.
        path: String,
        /// The parser's messages.
        errors: Vec<String>,
    },
    /// No NS record at the root, or no address for any root server name.
    #[error("{path}: no root server with an address in the hints")]
    Empty {
        /// The file.
        path: String,
    },
}

/// The root servers: each name with its addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootHints {
    /// (server name, its addresses), in the order given.
    pub servers: Vec<(Name, Vec<IpAddr>)>,
}

impl RootHints {
    /// IANA's hints (named.root), built in.
    pub fn builtin() -> RootHints {
        todo!()
    }

    /// Reads a hints file in RFC 1035 master-file format: NS records at `.`, A/AAAA records
    /// for their names; other records ignored.
    pub fn from_file(path: &Path) -> Result<RootHints, HintsError> {
        let _ = path;
        todo!()
    }

    /// As [`RootHints::from_file`], from text (`path` only names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<RootHints, HintsError> {
        let _ = (text, path);
        todo!()
    }

    /// The root NS RRset the hints imply (TTL 3600000 as named.root has).
    pub fn ns_rrset(&self) -> RRset {
        todo!()
    }

    /// The A and AAAA RRsets of the root server names.
    pub fn address_rrsets(&self) -> Vec<RRset> {
        todo!()
    }
}
