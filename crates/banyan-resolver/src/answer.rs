//! The resolver's answer to one question, before it is written for a client.

use banyan_wire::Rcode;

use crate::rrset::{RRset, Security};

/// An answer: RCODE and sections as RRsets (TTLs as they are to be sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// NOERROR, NXDOMAIN, SERVFAIL, REFUSED.
    pub rcode: Rcode,
    /// The answer section: the CNAME/DNAME chain in order, then the records asked for.
    pub answer: Vec<RRset>,
    /// The authority section: the SOA of a negative answer.
    pub authority: Vec<RRset>,
    /// True when it came from local data or stale cache: not to be kept in the answer cache.
    pub uncacheable: bool,
    /// What validation made of it (RFC 4035 §4.3): `Secure` answers get AD.
    pub security: Security,
    /// Why it failed, as an Extended DNS Error (RFC 8914 §4: INFO-CODE and EXTRA-TEXT).
    pub ede: Option<(u16, String)>,
    /// For a bogus answer, the data as received: what a client that set CD gets
    /// (RFC 4035 §3.2.2: checking disabled means the client validates itself).
    pub unchecked: Option<Box<Answer>>,
}
