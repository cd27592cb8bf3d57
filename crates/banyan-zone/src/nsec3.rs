//! Finding the records that deny existence in a signed zone: the NSEC that covers a name
//! (RFC 4034 §4, RFC 4035 §3.1.3) and the NSEC3 that matches or covers a name's hash
//! (RFC 5155 §7.2).
//!
//! Zones arrive signed; nothing here signs or validates. NSEC records are found through the
//! zone's canonical order (the covering NSEC of a missing name is the NSEC of the closest
//! name before it). NSEC3 records are found through an index built in [`Zone::finish`]: the
//! owner hashes of the zone's NSEC3 chain (the one named by the apex NSEC3PARAM), sorted, so
//! that "matching" and "covering" are one binary search after hashing the name. Hashing and
//! searching allocate nothing.

use banyan_wire::text::base32hex_decode;
use banyan_wire::{RecordType, WireName};

use crate::zone::{Key, Node, Zone};

/// Length of a SHA-1 digest, the only NSEC3 hash algorithm (RFC 5155 §11).
pub const NSEC3_HASH_LEN: usize = 20;

/// An NSEC3 owner hash (RFC 5155 §3.1.7), as raw octets.
pub type Nsec3Hash = [u8; NSEC3_HASH_LEN];

/// NSEC3 hash algorithm 1, SHA-1 (RFC 5155 §11).
const SHA1: u8 = 1;

/// The parameters of the zone's NSEC3 chain, from the apex NSEC3PARAM (RFC 5155 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nsec3Params {
    /// Additional hash iterations (RFC 5155 §3.1.3).
    pub iterations: u16,
    /// The salt (RFC 5155 §3.1.5), up to 255 octets.
    pub salt: Box<[u8]>,
}

/// The owner hashes of the zone's NSEC3 records, sorted, each with the position of its node
/// in the zone's canonical node list. Built by [`Zone::finish`]; any later change to the
/// zone drops it until the next `finish`.
#[derive(Debug, Clone)]
pub(crate) struct Nsec3Index {
    params: Nsec3Params,
    hashes: Vec<(Nsec3Hash, u32)>,
}

/// Which NSEC3 record answers for a name's hash (RFC 5155 §7.2).
#[derive(Debug, Clone, Copy)]
pub enum Nsec3Proof<'z> {
    /// The NSEC3 whose owner is the name's hash: the name exists (RFC 5155 §7.2.3).
    Matches(&'z Node),
    /// The NSEC3 whose owner hash precedes the name's hash and whose next hashed owner
    /// follows it (RFC 5155 §3.1.7): no name with that hash exists.
    Covers(&'z Node),
}

impl<'z> Nsec3Proof<'z> {
    /// The node owning the NSEC3 record.
    pub fn node(&self) -> &'z Node {
        match self {
            Nsec3Proof::Matches(n) | Nsec3Proof::Covers(n) => n,
        }
    }
}

/// The NSEC3 hash of `name` with hash algorithm 1, SHA-1 (RFC 5155 §5):
/// `IH(salt, x, 0) = H(x || salt)`, `IH(salt, x, k) = H(IH(salt, x, k-1) || salt)`, over the
/// name's lowercase wire form, with `iterations` extra rounds. SHA-1 is the only NSEC3 hash
/// algorithm ever assigned. Allocates nothing (the lowercased name is kept on the stack), as
/// the authoritative answering path needs; `banyan-dnssec` uses this same function for
/// signing and validation.
pub fn nsec3_hash<N: WireName + ?Sized>(name: &N, salt: &[u8], iterations: u16) -> Nsec3Hash {
    use ring::digest::{Context, SHA1_FOR_LEGACY_USE_ONLY};
    // Label length octets are below 64, so lowercasing the whole wire form leaves them alone.
    let wire = name.wire();
    let mut lower = [0u8; 255];
    let len = wire.len().min(lower.len());
    for (l, w) in lower.iter_mut().zip(&wire[..len]) {
        *l = w.to_ascii_lowercase();
    }
    let mut ctx = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(&lower[..len]);
    ctx.update(salt);
    let mut digest = ctx.finish();
    for _ in 0..iterations {
        let mut ctx = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
        ctx.update(digest.as_ref());
        ctx.update(salt);
        digest = ctx.finish();
    }
    let mut out = [0u8; NSEC3_HASH_LEN];
    out.copy_from_slice(digest.as_ref());
    out
}

/// The parameters of an NSEC3PARAM RDATA that a server uses: algorithm SHA-1 and flags zero
/// (RFC 5155 §4.1.2: others are ignored).
fn params_from_nsec3param(rdata: &[u8]) -> Option<Nsec3Params> {
    let (&[alg, flags, i0, i1, salt_len], rest) = rdata.split_first_chunk::<5>()?;
    let salt = rest.get(..salt_len as usize)?;
    (alg == SHA1 && flags == 0 && rest.len() == salt.len()).then(|| Nsec3Params {
        iterations: u16::from_be_bytes([i0, i1]),
        salt: salt.into(),
    })
}

/// True when an NSEC3 RDATA belongs to the chain of `params`: same algorithm, iterations and
/// salt (RFC 5155 §7.2: a server answers from the chain its NSEC3PARAM names).
fn in_chain(rdata: &[u8], params: &Nsec3Params) -> bool {
    let Some((&[alg, _flags, i0, i1, salt_len], rest)) = rdata.split_first_chunk::<5>() else {
        return false;
    };
    alg == SHA1
        && u16::from_be_bytes([i0, i1]) == params.iterations
        && rest.get(..salt_len as usize) == Some(&params.salt[..])
}

impl Nsec3Index {
    /// Indexes the NSEC3 records of `zone` in the chain its apex NSEC3PARAM names; `None`
    /// when the zone has no usable NSEC3PARAM.
    pub(crate) fn build(zone: &Zone) -> Option<Nsec3Index> {
        let params = zone
            .apex()
            .rrset(RecordType::NSEC3PARAM)?
            .rdata
            .iter()
            .find_map(params_from_nsec3param)?;
        let apex_labels = zone.origin().label_count();
        let mut hashes = Vec::new();
        for (position, node) in zone.node_map().values().enumerate() {
            let Some(set) = node.rrset(RecordType::NSEC3) else {
                continue;
            };
            // NSEC3 owners are the base32hex hash one label below the apex (RFC 5155 §3).
            if node.name.label_count() != apex_labels + 1 || !set.rdata.iter().any(|rd| in_chain(rd, &params)) {
                continue;
            }
            let Some(label) = node.name.labels().next() else {
                continue;
            };
            let Some(hash) = std::str::from_utf8(label).ok().and_then(base32hex_decode) else {
                continue;
            };
            if let (Ok(hash), Ok(position)) = (Nsec3Hash::try_from(hash.as_slice()), u32::try_from(position)) {
                hashes.push((hash, position));
            }
        }
        hashes.sort_unstable_by_key(|a| a.0);
        hashes.dedup_by(|a, b| a.0 == b.0);
        Some(Nsec3Index { params, hashes })
    }
}

impl Zone {
    /// The parameters of the NSEC3 chain answers are given from (the apex NSEC3PARAM), or
    /// `None` when the zone is not signed with NSEC3 (or [`Zone::finish`] was not called
    /// since the last change).
    pub fn nsec3_params(&self) -> Option<&Nsec3Params> {
        self.nsec3_index().map(|i| &i.params)
    }

    /// The NSEC3 record that matches or covers the hash of `name` (RFC 5155 §7.2), one SHA-1
    /// chain and one binary search; `None` when the zone has no NSEC3 chain.
    ///
    /// The covering record is found as the one whose owner hash is the closest before the
    /// name's hash (wrapping from the first to the last), as the chain is in hash order.
    pub fn nsec3_for<N: WireName + ?Sized>(&self, name: &N) -> Option<Nsec3Proof<'_>> {
        let index = self.nsec3_index()?;
        let hash = nsec3_hash(name, &index.params.salt, index.params.iterations);
        let (position, matches) = match index.hashes.binary_search_by(|(h, _)| h.cmp(&hash)) {
            Ok(i) => (index.hashes[i].1, true),
            // Before the first hash: the last NSEC3 covers it (RFC 5155 §3.1.7, the chain is
            // circular).
            Err(0) => (index.hashes.last()?.1, false),
            Err(i) => (index.hashes[i - 1].1, false),
        };
        let node = self.node_map().at(position as usize)?;
        Some(if matches {
            Nsec3Proof::Matches(node)
        } else {
            Nsec3Proof::Covers(node)
        })
    }

    /// The NSEC record covering `name` (RFC 4034 §4.1.1, RFC 4035 §3.1.3): the NSEC of the
    /// closest name before it in canonical order. Names without NSEC (empty non-terminals,
    /// glue below a cut) are passed over. Meant for names that do not exist (or empty
    /// non-terminals); for an existing name, its own NSEC is in its node.
    pub fn nsec_covering<N: WireName + ?Sized>(&self, name: &N) -> Option<&Node> {
        let key = Key::new(name);
        let rel = key.as_bytes().get(self.skip()..).unwrap_or(&[]);
        self.node_map()
            .values_before(rel)
            .find(|n| n.rrset(RecordType::NSEC).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use banyan_wire::text::base32hex_encode;
    use banyan_wire::Name;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    /// RFC 5155 Appendix A's hashes (salt aabbccdd, 12 iterations).
    #[test]
    fn rfc5155_appendix_a_hashes() {
        let params = Nsec3Params {
            iterations: 12,
            salt: Box::new([0xaa, 0xbb, 0xcc, 0xdd]),
        };
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/testdata/dnssec/rfc-examples/rfc5155/nsec3-hash-vectors.json");
        let text = std::fs::read_to_string(path).unwrap();
        let mut checked = 0;
        // The file is small, regular JSON: pairs of "name" and "hash" lines.
        let mut name = None;
        for line in text.lines() {
            let value = |l: &str| l.split('"').nth(3).map(str::to_string);
            if line.trim_start().starts_with("\"name\"") {
                name = value(line);
            } else if line.trim_start().starts_with("\"hash\"") {
                let (Some(nm), Some(h)) = (name.take(), value(line)) else {
                    continue;
                };
                let hash = nsec3_hash(&n(&nm), &params.salt, params.iterations);
                assert_eq!(base32hex_encode(&hash).to_ascii_lowercase(), h, "{nm}");
                checked += 1;
            }
        }
        assert!(checked >= 12, "{checked} vectors");
        // Case does not matter (RFC 5155 §5: canonical form).
        assert_eq!(
            nsec3_hash(&n("EXAMPLE."), &params.salt, params.iterations),
            nsec3_hash(&n("example."), &params.salt, params.iterations)
        );
    }

    #[test]
    fn nsec3param_parameters() {
        assert_eq!(
            params_from_nsec3param(&[1, 0, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd]),
            Some(Nsec3Params {
                iterations: 12,
                salt: Box::new([0xaa, 0xbb, 0xcc, 0xdd])
            })
        );
        assert_eq!(params_from_nsec3param(&[1, 1, 0, 0, 0]), None, "flags must be zero");
        assert_eq!(params_from_nsec3param(&[2, 0, 0, 0, 0]), None, "unknown algorithm");
        assert_eq!(params_from_nsec3param(&[1, 0, 0, 0, 2, 1]), None, "short salt");
    }
}
