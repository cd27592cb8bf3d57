//! The unit the cache keeps: an RRset (RFC 2181 §5) with the trust of the section it came
//! from (RFC 2181 §5.4.1).

use banyan_wire::{Class, Name, Record, RecordType};

/// A set of records with the same owner, type and class, as received. RDATA is kept in
/// uncompressed wire form (names expanded), so it can be written into any message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RRset {
    /// The owner, lowercased (the cache is keyed case-insensitively, RFC 4343).
    pub name: Name,
    /// The type.
    pub rtype: RecordType,
    /// The class.
    pub class: Class,
    /// The TTL as received (the lowest of the set's records, RFC 2181 §5.2).
    pub ttl: u32,
    /// Each record's RDATA, uncompressed; duplicates removed.
    pub rdata: Vec<Box<[u8]>>,
    /// The RDATA of the RRSIGs that came with the set (RFC 4035 §3.1.1), kept for
    /// validation and for clients that ask with DO.
    pub sigs: Vec<Box<[u8]>>,
    /// What DNSSEC validation made of it.
    pub security: Security,
}

/// The validation status of data (RFC 4035 §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Security {
    /// Not validated (validation off, or not yet looked at).
    #[default]
    Unchecked,
    /// A chain of signatures leads to it from a trust anchor.
    Secure,
    /// Provably unsigned: a signed parent says there is no DS for its zone, or its zone
    /// uses only algorithms this resolver cannot check (RFC 8624).
    Insecure,
    /// It should be signed and is not, or its signatures do not check.
    Bogus,
    /// No trust anchor covers it.
    Indeterminate,
}

impl RRset {
    /// `records` (of one type; class IN) as an unchecked set owned by `owner` (lowercased),
    /// with the smallest of their TTLs (RFC 2181 §5.2) and duplicates removed; `None` when
    /// there are none. For data the resolver serves itself (local zones, response policy).
    pub fn from_records(owner: &Name, records: &[Record]) -> Option<RRset> {
        let first = records.first()?;
        let mut rdata: Vec<Box<[u8]>> = Vec::with_capacity(records.len());
        for r in records {
            let wire = r.data.to_wire().into_boxed_slice();
            if !rdata.contains(&wire) {
                rdata.push(wire);
            }
        }
        Some(RRset {
            name: owner.to_lowercase(),
            rtype: first.rtype(),
            class: Class::IN,
            ttl: records.iter().map(|r| r.ttl).min().unwrap_or(first.ttl),
            rdata,
            sigs: Vec::new(),
            security: Security::Unchecked,
        })
    }

    /// Octets this set takes in memory, roughly: what the cache's memory bound counts.
    pub fn weight(&self) -> usize {
        std::mem::size_of::<RRset>()
            + self.name.len()
            + self
                .rdata
                .iter()
                .map(|r| r.len() + std::mem::size_of::<Box<[u8]>>())
                .sum::<usize>()
    }
}

/// How far data may be trusted, by where it was found: RFC 2181 §5.4.1's ranking, highest
/// last. Cached data is replaced only by data at least as trusted (or when it has expired):
/// an authoritative answer replaces glue, never the reverse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trust {
    /// The additional section of any reply, glue included.
    Additional,
    /// The authority section of a reply without AA: a referral's NS set.
    Referral,
    /// The answer section of a reply without AA.
    NonAuthAnswer,
    /// The authority section of an authoritative reply (its SOA or NS).
    AuthAuthority,
    /// The answer section of an authoritative reply.
    AuthAnswer,
}
