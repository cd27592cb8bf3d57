//! DNSSEC validation (RFC 4035 §5, RFC 5155 §8): the chain of trust from a trust anchor
//! down through DS and DNSKEY RRsets to the data of an answer, and the denial proofs of
//! negative answers, read from the cache. Where a link is missing the validator says which
//! RRset to fetch ([`Step::Fetch`]); the resolution fetches it (an ordinary query, cached
//! with its RRSIGs) and asks again. No sockets and no clock: the caller passes the time.
//!
//! Statuses per RFC 4035 §4.3: secure (AD for the client), insecure (a signed parent proves
//! the zone unsigned, or only algorithms we cannot check are used: RFC 6840 §5.2,
//! RFC 8624), bogus (SERVFAIL with an Extended DNS Error, RFC 8914), indeterminate (no trust
//! anchor covers the name: answered as insecure).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use banyan_dnssec::{algorithm, ds, nsec3_hash, verify_rrsig, DigestType, RrsigFields, VerifyError};
use banyan_wire::rdata::{Nsec, Nsec3};
use banyan_wire::{Class, Name, RData, Rcode, RecordType};

use crate::answer::Answer;
use crate::cache::Negative;
use crate::resolver::Resolver;
use crate::rrset::{RRset, Security};

/// Seconds of clock skew allowed on both ends of a signature's validity window (Unbound's
/// `val-sig-skew-min` is 3 minutes).
pub const SKEW: u32 = 180;

/// How long a zone's key status is remembered at most, whatever the TTLs say.
const MAX_KEY_TTL: u32 = 86400;

/// Extended DNS Error INFO-CODEs used here (RFC 8914 §4).
pub mod ede {
    /// Unsupported DNSKEY Algorithm.
    pub const UNSUPPORTED_ALGORITHM: u16 = 1;
    /// DNSSEC Bogus.
    pub const BOGUS: u16 = 6;
    /// Signature Expired.
    pub const SIGNATURE_EXPIRED: u16 = 7;
    /// Signature Not Yet Valid.
    pub const SIGNATURE_NOT_YET_VALID: u16 = 8;
    /// DNSKEY Missing.
    pub const DNSKEY_MISSING: u16 = 9;
    /// RRSIGs Missing.
    pub const RRSIGS_MISSING: u16 = 10;
    /// NSEC Missing.
    pub const NSEC_MISSING: u16 = 12;
}

/// Why a trust-anchor file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    /// A line did not read as a DS or DNSKEY record.
    #[error("{path}:{line}: not a DS or DNSKEY record: {reason}")]
    Parse {
        /// The file.
        path: String,
        /// The line.
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// No DS or DNSKEY record in it.
    #[error("{path}: no DS or DNSKEY record")]
    Empty {
        /// The file.
        path: String,
    },
}

/// Trust anchors: DS or DNSKEY records of zones trusted without a parent's word.
#[derive(Clone, Debug, Default)]
pub struct TrustAnchors {
    /// (zone, is DS, RDATA).
    anchors: Vec<(Name, bool, Vec<u8>)>,
}

/// The root KSKs' DS records, KSK-2017 (20326) and KSK-2024 (38696), as IANA publishes
/// them (root-anchors.xml; Debian's dns-root-data has the same in `root.ds`).
const ROOT_DS: &str = ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
";

impl TrustAnchors {
    /// The root zone's KSKs, built in.
    pub fn builtin() -> TrustAnchors {
        // The built-in text is fixed and tested; a failure here could only be a typo caught
        // by `builtin_root_anchors` below.
        TrustAnchors::parse(ROOT_DS, "built-in").unwrap_or_default()
    }

    /// No anchors: nothing can be secure (validation effectively off).
    pub fn none() -> TrustAnchors {
        TrustAnchors::default()
    }

    /// Reads DS or DNSKEY lines (as `/usr/share/dns/root.key` or `root.ds` hold them);
    /// comments (`;`) and blank lines are skipped.
    pub fn parse(text: &str, path: &str) -> Result<TrustAnchors, AnchorError> {
        let mut anchors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split(';').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let record = banyan_wire::Record::from_text(line, Some(&Name::root()), Some(3600)).map_err(|e| {
                AnchorError::Parse {
                    path: path.into(),
                    line: i + 1,
                    reason: e.to_string(),
                }
            })?;
            let is_ds = match record.rtype() {
                RecordType::DS => true,
                RecordType::DNSKEY => false,
                other => {
                    return Err(AnchorError::Parse {
                        path: path.into(),
                        line: i + 1,
                        reason: format!("type {other}"),
                    })
                }
            };
            anchors.push((record.name.to_lowercase(), is_ds, record.data.to_wire()));
        }
        if anchors.is_empty() {
            return Err(AnchorError::Empty { path: path.into() });
        }
        Ok(TrustAnchors { anchors })
    }

    /// [`TrustAnchors::parse`] of a file.
    pub fn from_file(path: &Path) -> Result<TrustAnchors, AnchorError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| AnchorError::Io {
            path: shown.clone(),
            source,
        })?;
        TrustAnchors::parse(&text, &shown)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The closest anchored zone at or above `name`.
    pub fn closest(&self, name: &Name) -> Option<&Name> {
        self.anchors
            .iter()
            .map(|(z, _, _)| z)
            .filter(|z| name.is_subdomain_of(z))
            .max_by_key(|z| z.label_count())
    }

    fn for_zone<'a>(&'a self, zone: &'a Name) -> impl Iterator<Item = (bool, &'a [u8])> + 'a {
        self.anchors
            .iter()
            .filter(move |(z, _, _)| z == zone)
            .map(|(_, ds, d)| (*ds, d.as_slice()))
    }
}

/// What is known of a zone's keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keys {
    /// Its DNSKEY RRset, proven by the chain of trust.
    Secure(Vec<Box<[u8]>>),
    /// Provably unsigned (or signed only with algorithms we cannot check).
    Insecure,
    /// Broken: the EDE INFO-CODE and a reason.
    Bogus(u16, String),
    /// No trust anchor above it.
    Indeterminate,
}

/// Zone key statuses, shared by resolutions, each for the TTL of the records it rests on.
#[derive(Default)]
pub struct KeyCache {
    zones: Mutex<HashMap<Name, (Keys, Instant)>>,
}

impl KeyCache {
    fn get(&self, zone: &Name, now: Instant) -> Option<Keys> {
        let map = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        map.get(zone).filter(|(_, until)| *until > now).map(|(k, _)| k.clone())
    }

    fn put(&self, zone: &Name, keys: Keys, ttl: u32, now: Instant) {
        let mut map = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded: a resolver meets a few thousand zones; past that, forget and relearn.
        if map.len() > 100_000 {
            map.clear();
        }
        map.insert(
            zone.clone(),
            (keys, now + Duration::from_secs(u64::from(ttl.min(MAX_KEY_TTL)))),
        );
    }
}

/// What the validator needs or found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Fetch this RRset (into the cache) and ask again.
    Fetch(Name, RecordType),
    /// The verdict, with the EDE of a bogus answer.
    Done(Security, Option<(u16, String)>),
}

/// One answer's validation in progress: remembers what was fetched so a fetch that brought
/// nothing is not repeated.
#[derive(Default)]
pub struct Validator {
    fetched: Vec<(Name, RecordType)>,
}

/// A link that must be fetched first.
struct Need(Name, RecordType);

/// Result of the steps below: a value, or a fetch to do first.
type V<T> = Result<T, Need>;

impl Validator {
    /// A validator with nothing fetched yet.
    pub fn new() -> Validator {
        Validator::default()
    }

    /// Validates `answer` to the question `qname`/`qtype`; `unix` is the time in seconds
    /// since 1970 for signature validity.
    pub fn step(
        &mut self,
        r: &Resolver,
        answer: &Answer,
        qname: &Name,
        qtype: RecordType,
        unix: u32,
        now: Instant,
    ) -> Step {
        match self.answer(r, answer, qname, qtype, unix, now) {
            Ok((security, ede)) => Step::Done(security, ede),
            Err(Need(name, rtype)) => {
                self.fetched.push((name.clone(), rtype));
                Step::Fetch(name, rtype)
            }
        }
    }

    fn answer(
        &mut self,
        r: &Resolver,
        answer: &Answer,
        qname: &Name,
        qtype: RecordType,
        unix: u32,
        now: Instant,
    ) -> V<(Security, Option<(u16, String)>)> {
        let mut worst = Verdict::secure();
        let mut after_dname = false;
        for set in &answer.answer {
            // A CNAME synthesised from a DNAME carries no signature of its own (RFC 6672
            // §5.3.1): the DNAME's signature covers it.
            if set.rtype == RecordType::CNAME && after_dname {
                after_dname = false;
                continue;
            }
            after_dname = set.rtype == RecordType::DNAME;
            let v = self.rrset(r, set, unix, now)?;
            if v.security == Security::Secure {
                if let Some(labels) = wildcard_labels(set) {
                    // A wildcard expansion is secure only with proof that no closer name
                    // exists (RFC 4035 §5.3.4, RFC 5155 §8.8).
                    let signer = signer_of(set).unwrap_or_else(|| set.name.clone());
                    let proven = self.wildcard_proof(r, &answer.authority, &signer, &set.name, labels, unix, now)?;
                    if !proven {
                        worst.merge(Verdict::bogus(
                            ede::NSEC_MISSING,
                            format!("no proof that {} does not exist for its wildcard answer", set.name),
                        ));
                    }
                }
            }
            worst.merge(v);
        }
        if answer.rcode == Rcode::NXDOMAIN || (answer.rcode == Rcode::NOERROR && !has_final(answer, qtype)) {
            let end = answer
                .answer
                .last()
                .filter(|s| s.rtype == RecordType::CNAME)
                .and_then(|s| s.rdata.first())
                .and_then(|d| Name::from_wire(d).ok())
                .map_or_else(|| qname.clone(), |n| n.to_lowercase());
            let v = self.denial(r, answer, &end, qtype, unix, now)?;
            worst.merge(v);
        }
        Ok((worst.security, worst.ede))
    }

    /// The verdict on one RRset.
    fn rrset(&mut self, r: &Resolver, set: &RRset, unix: u32, now: Instant) -> V<Verdict> {
        if set.security == Security::Secure {
            // Validated when it was cached.
            return Ok(Verdict::secure());
        }
        if set.sigs.is_empty() {
            let zone = if set.rtype == RecordType::DS {
                zone_of(r, &set.name.parent().unwrap_or_else(Name::root), now)
            } else {
                zone_of(r, &set.name, now)
            };
            return Ok(match self.keys(r, &zone, unix, now)? {
                Keys::Secure(_) => Verdict::bogus(
                    ede::RRSIGS_MISSING,
                    format!("{} {} is unsigned in the signed zone {zone}", set.name, set.rtype),
                ),
                other => Verdict::from_keys(other),
            });
        }
        let Some(signer) = signer_of(set) else {
            return Ok(Verdict::bogus(
                ede::BOGUS,
                format!("unreadable RRSIG over {} {}", set.name, set.rtype),
            ));
        };
        match self.keys(r, &signer, unix, now)? {
            Keys::Secure(keys) => Ok(check_sigs(set, &signer, &keys, unix)),
            other => Ok(Verdict::from_keys(other)),
        }
    }

    /// The keys of `zone`, following the chain of trust from its anchor.
    fn keys(&mut self, r: &Resolver, zone: &Name, unix: u32, now: Instant) -> V<Keys> {
        if let Some(k) = r.key_cache.get(zone, now) {
            return Ok(k);
        }
        let Some(anchor) = r.anchors.closest(zone).cloned() else {
            return Ok(Keys::Indeterminate);
        };
        let (keys, ttl) = if *zone == anchor {
            self.anchor_keys(r, zone, unix, now)?
        } else {
            self.delegated_keys(r, zone, unix, now)?
        };
        r.key_cache.put(zone, keys.clone(), ttl, now);
        Ok(keys)
    }

    fn anchor_keys(&mut self, r: &Resolver, zone: &Name, unix: u32, now: Instant) -> V<(Keys, u32)> {
        let anchors: Vec<(bool, Vec<u8>)> = r.anchors.for_zone(zone).map(|(d, a)| (d, a.to_vec())).collect();
        let usable = anchors.iter().any(|(is_ds, a)| {
            if *is_ds {
                a.len() > 3 && algorithm::is_supported(a[2]) && DigestType(a[3]).is_supported()
            } else {
                a.len() > 3 && algorithm::is_supported(a[3])
            }
        });
        if !usable {
            return Ok((Keys::Insecure, MAX_KEY_TTL));
        }
        self.prove_dnskeys(r, zone, unix, now, MAX_KEY_TTL, "its trust anchor", |k| {
            anchors
                .iter()
                .any(|(is_ds, a)| if *is_ds { ds::ds_matches(a, zone, k) } else { **a == *k })
        })
    }

    /// Fetches `zone`'s DNSKEY RRset and proves it: secure when an RRSIG over it made by a
    /// key that `trusted` accepts (matching a DS or an anchor) verifies (RFC 4035 §5.2).
    #[allow(clippy::too_many_arguments)]
    fn prove_dnskeys(
        &mut self,
        r: &Resolver,
        zone: &Name,
        unix: u32,
        now: Instant,
        ttl_cap: u32,
        vouched_by: &str,
        trusted: impl Fn(&[u8]) -> bool,
    ) -> V<(Keys, u32)> {
        let Some(dnskeys) = self.fetch(r, zone, RecordType::DNSKEY, now)? else {
            return Ok((Keys::Bogus(ede::DNSKEY_MISSING, format!("no DNSKEY for {zone}")), 60));
        };
        let keys: Vec<&[u8]> = dnskeys.rdata.iter().map(|k| &**k).filter(|k| trusted(k)).collect();
        if keys.is_empty() {
            return Ok((
                Keys::Bogus(ede::DNSKEY_MISSING, format!("no DNSKEY of {zone} matches {vouched_by}")),
                60,
            ));
        }
        let v = check_sigs(&dnskeys, zone, &keys, unix);
        Ok(match v.security {
            Security::Secure => (Keys::Secure(dnskeys.rdata.clone()), dnskeys.ttl.min(ttl_cap)),
            _ => bogus_keys(v, zone),
        })
    }

    fn delegated_keys(&mut self, r: &Resolver, zone: &Name, unix: u32, now: Instant) -> V<(Keys, u32)> {
        match self.ds(r, zone, now)? {
            DsAnswer::Present(ds_set) => {
                let parent =
                    signer_of(&ds_set).unwrap_or_else(|| zone_of(r, &zone.parent().unwrap_or_else(Name::root), now));
                if parent == *zone || !zone.is_subdomain_of(&parent) {
                    return Ok((
                        Keys::Bogus(ede::BOGUS, format!("the DS of {zone} is signed by {parent}")),
                        60,
                    ));
                }
                let parent_keys = self.keys(r, &parent, unix, now)?;
                let Keys::Secure(pkeys) = parent_keys else {
                    return Ok((parent_keys, ds_set.ttl));
                };
                let v = check_sigs(&ds_set, &parent, &pkeys, unix);
                if v.security != Security::Secure {
                    return Ok(bogus_keys(v, zone));
                }
                let supported: Vec<&[u8]> = ds_set
                    .rdata
                    .iter()
                    .map(|d| &**d)
                    .filter(|d| d.len() > 3 && algorithm::is_supported(d[2]) && DigestType(d[3]).is_supported())
                    .collect();
                if supported.is_empty() {
                    // RFC 4035 §5.2, RFC 6840 §5.2: only algorithms or digests we cannot
                    // check: treated as unsigned.
                    return Ok((Keys::Insecure, ds_set.ttl));
                }
                self.prove_dnskeys(r, zone, unix, now, ds_set.ttl, "its DS", |k| {
                    supported.iter().any(|d| ds::ds_matches(d, zone, k))
                })
            }
            DsAnswer::Absent(neg, ttl) => {
                let (soa, proofs) = match &*neg {
                    Negative::NoData { soa, proofs } | Negative::NxDomain { soa, proofs } => (soa, proofs),
                };
                let parent = soa
                    .as_ref()
                    .map(|s| s.name.clone())
                    .unwrap_or_else(|| zone_of(r, &zone.parent().unwrap_or_else(Name::root), now));
                if parent == *zone {
                    // The zone answered the DS query itself: the DS lives above; look at
                    // whoever is above it.
                    let above = zone.parent().unwrap_or_else(Name::root);
                    let k = self.keys(r, &zone_of(r, &above, now), unix, now)?;
                    return Ok((k, ttl));
                }
                let parent_keys = self.keys(r, &parent, unix, now)?;
                let Keys::Secure(pkeys) = parent_keys else {
                    return Ok((parent_keys, ttl));
                };
                for p in proofs {
                    let v = check_sigs(p, &parent, &pkeys, unix);
                    if v.security != Security::Secure {
                        return Ok(bogus_keys(v, zone));
                    }
                }
                match no_ds_proof(proofs, zone, &parent) {
                    NoDs::Unsigned => Ok((Keys::Insecure, ttl)),
                    NoDs::NotACut => Ok((Keys::Secure(pkeys), ttl)),
                    NoDs::Unproven => Ok((
                        Keys::Bogus(ede::NSEC_MISSING, format!("no proof that {zone} has no DS")),
                        60,
                    )),
                }
            }
            DsAnswer::Missing => Ok((Keys::Bogus(ede::BOGUS, format!("no DS answer for {zone}")), 60)),
        }
    }

    /// The DS RRset of `zone`, its absence, or a fetch to do.
    fn ds(&mut self, r: &Resolver, zone: &Name, now: Instant) -> V<DsAnswer> {
        if let Some(hit) = r.cache.get(zone, RecordType::DS, Class::IN, now) {
            return Ok(DsAnswer::Present(hit.value));
        }
        if let Some(neg) = r.cache.get_negative(zone, RecordType::DS, Class::IN, now) {
            return Ok(DsAnswer::Absent(neg.value, neg.ttl));
        }
        if self.fetched.iter().any(|(n, t)| n == zone && *t == RecordType::DS) {
            return Ok(DsAnswer::Missing);
        }
        Err(Need(zone.clone(), RecordType::DS))
    }

    /// A cached RRset, `None` when it was fetched and still is not there, or a fetch to do.
    fn fetch(&mut self, r: &Resolver, name: &Name, rtype: RecordType, now: Instant) -> V<Option<Arc<RRset>>> {
        if let Some(hit) = r.cache.get(name, rtype, Class::IN, now) {
            return Ok(Some(hit.value));
        }
        if r.cache.get_negative(name, rtype, Class::IN, now).is_some()
            || self.fetched.iter().any(|(n, t)| n == name && *t == rtype)
        {
            return Ok(None);
        }
        Err(Need(name.clone(), rtype))
    }

    /// A negative answer's proof (RFC 4035 §5.4, RFC 5155 §8.4–8.7).
    fn denial(
        &mut self,
        r: &Resolver,
        answer: &Answer,
        name: &Name,
        qtype: RecordType,
        unix: u32,
        now: Instant,
    ) -> V<Verdict> {
        let soa = answer.authority.iter().find(|s| s.rtype == RecordType::SOA);
        let zone = match soa {
            Some(s) => s.name.clone(),
            // A DS lives in the parent's zone (RFC 4035 §3.1.4.1).
            None if qtype == RecordType::DS => zone_of(r, &name.parent().unwrap_or_else(Name::root), now),
            None => zone_of(r, name, now),
        };
        let keys = match self.keys(r, &zone, unix, now)? {
            Keys::Secure(k) => k,
            other => return Ok(Verdict::from_keys(other)),
        };
        let Some(soa) = soa else {
            return Ok(Verdict::bogus(
                ede::RRSIGS_MISSING,
                format!("negative answer from {zone} without its SOA"),
            ));
        };
        let v = check_sigs(soa, &zone, &keys, unix);
        if v.security != Security::Secure {
            return Ok(v);
        }
        let proofs: Vec<&RRset> = answer
            .authority
            .iter()
            .filter(|s| matches!(s.rtype, RecordType::NSEC | RecordType::NSEC3))
            .collect();
        for p in &proofs {
            let v = check_sigs(p, &zone, &keys, unix);
            if v.security != Security::Secure {
                return Ok(v);
            }
        }
        let proven = if answer.rcode == Rcode::NXDOMAIN {
            nxdomain_proven(&proofs, name, &zone)
        } else {
            nodata_proven(&proofs, name, qtype, &zone)
        };
        Ok(if let Some(security) = proven {
            Verdict { security, ede: None }
        } else {
            let what = if answer.rcode == Rcode::NXDOMAIN {
                "does not exist"
            } else {
                "has no such data"
            };
            Verdict::bogus(ede::NSEC_MISSING, format!("no valid proof that {name} {what}"))
        })
    }

    /// Whether the authority section proves that no name closer than the wildcard matched.
    #[allow(clippy::too_many_arguments)]
    fn wildcard_proof(
        &mut self,
        r: &Resolver,
        authority: &[RRset],
        zone: &Name,
        owner: &Name,
        labels: usize,
        unix: u32,
        now: Instant,
    ) -> V<bool> {
        let Keys::Secure(keys) = self.keys(r, zone, unix, now)? else {
            return Ok(true);
        };
        let proofs: Vec<&RRset> = authority
            .iter()
            .filter(|s| matches!(s.rtype, RecordType::NSEC | RecordType::NSEC3))
            .filter(|p| check_sigs(p, zone, &keys, unix).security == Security::Secure)
            .collect();
        // The source of synthesis is `*.` + the last `labels` labels; the next closer name
        // is one label longer than that.
        let closest = owner.suffix(labels);
        let next_closer = owner.suffix(labels + 1);
        Ok(proofs.iter().any(|p| match p.rtype {
            RecordType::NSEC => p
                .rdata
                .iter()
                .any(|d| nsec_of(d).is_some_and(|n| nsec_covers(&p.name, &n.next, owner))),
            _ => nsec3_covers_name(p, &next_closer, zone) || (closest == *zone && nsec3_covers_name(p, owner, zone)),
        }))
    }
}

/// The zone `name` belongs to, as far as the cache knows: the closest enclosing name with a
/// cached NS or DNSKEY RRset (the zone cuts met on the way down).
pub fn zone_of(r: &Resolver, name: &Name, now: Instant) -> Name {
    let mut at = Some(name.clone());
    while let Some(n) = at {
        if r.cache.get(&n, RecordType::NS, Class::IN, now).is_some()
            || r.cache.get(&n, RecordType::DNSKEY, Class::IN, now).is_some()
        {
            return n;
        }
        at = n.parent();
    }
    Name::root()
}

/// The answer a DS question got.
enum DsAnswer {
    Present(Arc<RRset>),
    Absent(Arc<Negative>, u32),
    Missing,
}

/// What a NODATA to a DS query proves.
enum NoDs {
    /// A delegation without DS (or under NSEC3 opt-out): the child is unsigned.
    Unsigned,
    /// The name is no zone cut at all: it belongs to the parent's zone.
    NotACut,
    Unproven,
}

/// Security and EDE, merged: the worst wins.
struct Verdict {
    security: Security,
    ede: Option<(u16, String)>,
}

impl Verdict {
    fn secure() -> Verdict {
        Verdict {
            security: Security::Secure,
            ede: None,
        }
    }

    fn bogus(code: u16, text: String) -> Verdict {
        Verdict {
            security: Security::Bogus,
            ede: Some((code, text)),
        }
    }

    fn from_keys(keys: Keys) -> Verdict {
        match keys {
            Keys::Secure(_) => Verdict::secure(),
            Keys::Insecure => Verdict {
                security: Security::Insecure,
                ede: None,
            },
            Keys::Indeterminate => Verdict {
                security: Security::Indeterminate,
                ede: None,
            },
            Keys::Bogus(code, text) => Verdict::bogus(code, text),
        }
    }

    fn rank(s: Security) -> u8 {
        match s {
            Security::Secure => 0,
            Security::Unchecked | Security::Indeterminate => 1,
            Security::Insecure => 2,
            Security::Bogus => 3,
        }
    }

    fn merge(&mut self, other: Verdict) {
        if Verdict::rank(other.security) > Verdict::rank(self.security) {
            *self = other;
        }
    }
}

fn bogus_keys(v: Verdict, zone: &Name) -> (Keys, u32) {
    let (code, text) = v
        .ede
        .unwrap_or((ede::BOGUS, format!("the DNSKEY RRset of {zone} does not validate")));
    (Keys::Bogus(code, text), 60)
}

/// The signer named in the set's first readable RRSIG.
fn signer_of(set: &RRset) -> Option<Name> {
    set.sigs
        .iter()
        .find_map(|s| RrsigFields::from_rdata(s).map(|(f, _)| f.signer.to_lowercase()))
}

/// Whether `set` came from a wildcard: the labels field of its RRSIG below the owner's
/// label count (RFC 4035 §5.3.4); the labels field when so.
fn wildcard_labels(set: &RRset) -> Option<usize> {
    let (fields, _) = RrsigFields::from_rdata(set.sigs.first()?)?;
    let labels = usize::from(fields.labels);
    (labels < set.name.label_count()).then_some(labels)
}

/// Checks the set's RRSIGs by `signer` against `keys`: secure when one verifies
/// (RFC 4035 §5.3.3; RFC 6840 §5.11 lets any one suffice).
fn check_sigs<K: AsRef<[u8]>>(set: &RRset, signer: &Name, keys: &[K], unix: u32) -> Verdict {
    let rdatas: Vec<&[u8]> = set.rdata.iter().map(|d| &**d).collect();
    let mut last = None;
    let mut any_supported = false;
    for sig in &set.sigs {
        let Some((fields, _)) = RrsigFields::from_rdata(sig) else {
            continue;
        };
        if !algorithm::is_supported(fields.algorithm) {
            continue;
        }
        any_supported = true;
        for key in keys.iter().map(AsRef::as_ref) {
            if key.len() < 4 || key[3] != fields.algorithm || banyan_dnssec::key_tag(key) != fields.key_tag {
                continue;
            }
            match verify_rrsig(&set.name, set.rtype, set.class, &rdatas, sig, signer, key, unix, SKEW) {
                Ok(()) => return Verdict::secure(),
                Err(e) => last = Some(e),
            }
        }
    }
    if !any_supported && !set.sigs.is_empty() {
        return Verdict {
            security: Security::Insecure,
            ede: Some((
                ede::UNSUPPORTED_ALGORITHM,
                format!(
                    "{} {} is signed only with algorithms this resolver cannot check",
                    set.name, set.rtype
                ),
            )),
        };
    }
    let (code, why) = match last {
        Some(VerifyError::Expired) => (ede::SIGNATURE_EXPIRED, "signature expired"),
        Some(VerifyError::NotYetValid) => (ede::SIGNATURE_NOT_YET_VALID, "signature not yet valid"),
        Some(_) => (ede::BOGUS, "signature does not verify"),
        None if set.sigs.is_empty() => (ede::RRSIGS_MISSING, "no RRSIG"),
        None => (ede::DNSKEY_MISSING, "no key of the signer matches the RRSIG"),
    };
    Verdict::bogus(code, format!("{} {}: {why}", set.name, set.rtype))
}

/// Whether the answer section holds the final RRset of the question (not just a chain).
fn has_final(answer: &Answer, qtype: RecordType) -> bool {
    answer
        .answer
        .last()
        .is_some_and(|s| s.rtype == qtype || qtype == RecordType::ANY)
}

fn nsec_of(rdata: &[u8]) -> Option<Nsec> {
    match RData::parse(RecordType::NSEC, rdata, 0, rdata.len()).ok()? {
        RData::NSEC(n) => Some(n),
        _ => None,
    }
}

fn nsec3_of(rdata: &[u8]) -> Option<Nsec3> {
    match RData::parse(RecordType::NSEC3, rdata, 0, rdata.len()).ok()? {
        RData::NSEC3(n) => Some(n),
        _ => None,
    }
}

/// Whether the NSEC `owner → next` covers `name`: owner < name < next in canonical order,
/// or, for the last NSEC of the zone (next is the apex), owner < name.
pub(crate) fn nsec_covers(owner: &Name, next: &Name, name: &Name) -> bool {
    use std::cmp::Ordering::{Greater, Less};
    let after_owner = owner.canonical_cmp(name) == Less;
    if next.canonical_cmp(owner) == Greater {
        after_owner && name.canonical_cmp(next) == Less
    } else {
        // The chain wraps at the apex.
        after_owner || name.canonical_cmp(next) == Less
    }
}

/// RFC 4035 §5.4: an NSEC covering the name, and one proving that the wildcard at the
/// closest encloser does not exist; or the NSEC3 closest-encloser proof (RFC 5155 §8.4).
/// `Some(Insecure)` when the NSEC3 covering the next closer name has opt-out: the name may
/// be an unsigned delegation the chain does not assert (RFC 5155 §6, §9.2; Unbound answers
/// these insecure, and so does Banyan).
fn nxdomain_proven(proofs: &[&RRset], name: &Name, zone: &Name) -> Option<Security> {
    let nsecs: Vec<(Name, Nsec)> = proofs
        .iter()
        .filter(|p| p.rtype == RecordType::NSEC)
        .flat_map(|p| p.rdata.iter().filter_map(|d| nsec_of(d).map(|n| (p.name.clone(), n))))
        .collect();
    if !nsecs.is_empty() {
        let (owner, covering) = nsecs.iter().find(|(o, n)| nsec_covers(o, &n.next, name))?;
        // The closest encloser: the longest ancestor of the name that is an ancestor of
        // the covering NSEC's owner or next name.
        let encloser = closest_ancestor(name, owner, &covering.next, zone);
        let wildcard = encloser.prepend(b"*").ok()?;
        return nsecs
            .iter()
            .any(|(o, n)| nsec_covers(o, &n.next, &wildcard))
            .then_some(Security::Secure);
    }
    let ce = nsec3_closest_encloser_proof(proofs, name, zone)?;
    let wc = ce.prepend(b"*").ok()?;
    let wildcard_absent = proofs
        .iter()
        .any(|p| p.rtype == RecordType::NSEC3 && nsec3_covers_name(p, &wc, zone));
    if !wildcard_absent {
        return None;
    }
    Some(if opt_out_covers(proofs, name, &ce, zone) {
        Security::Insecure
    } else {
        Security::Secure
    })
}

/// RFC 4035 §5.4 / RFC 5155 §8.5–8.7: NODATA proofs; `Some(Insecure)` for a DS NODATA
/// proven only by opt-out (RFC 5155 §8.6).
fn nodata_proven(proofs: &[&RRset], name: &Name, qtype: RecordType, zone: &Name) -> Option<Security> {
    let lacks = |types: &banyan_wire::rdata::TypeBitmap| !types.contains(qtype) && !types.contains(RecordType::CNAME);
    for p in proofs {
        match p.rtype {
            RecordType::NSEC => {
                for n in p.rdata.iter().filter_map(|d| nsec_of(d)) {
                    if p.name == *name && lacks(&n.types) {
                        return Some(Security::Secure);
                    }
                    // An empty non-terminal: the NSEC before it points below it.
                    if nsec_covers(&p.name, &n.next, name) && n.next.is_subdomain_of(name) {
                        return Some(Security::Secure);
                    }
                    // Wildcard NODATA: the wildcard exists without the type (RFC 4035
                    // §3.1.3.4) and another NSEC shows the name itself does not.
                    if p.name.is_wildcard() && lacks(&n.types) {
                        let covered = proofs.iter().any(|q| {
                            q.rtype == RecordType::NSEC
                                && q.rdata
                                    .iter()
                                    .filter_map(|d| nsec_of(d))
                                    .any(|m| nsec_covers(&q.name, &m.next, name))
                        });
                        if covered {
                            return Some(Security::Secure);
                        }
                    }
                }
            }
            _ => {
                if let Some(n) = nsec3_matching(p, name, zone) {
                    if lacks(&n.types) {
                        return Some(Security::Secure);
                    }
                }
            }
        }
    }
    // NSEC3 DS NODATA under opt-out (RFC 5155 §8.6) and wildcard NODATA (§8.7).
    if let Some(ce) = nsec3_closest_encloser_proof(proofs, name, zone) {
        if qtype == RecordType::DS && opt_out_covers(proofs, name, &ce, zone) {
            return Some(Security::Insecure);
        }
        if let Ok(wc) = ce.prepend(b"*") {
            if proofs
                .iter()
                .filter_map(|p| nsec3_matching(p, &wc, zone))
                .any(|n| lacks(&n.types))
            {
                return Some(Security::Secure);
            }
        }
    }
    None
}

/// What a parent's NODATA for `zone`'s DS proves (RFC 4035 §5.2, RFC 5155 §8.9).
fn no_ds_proof(proofs: &[RRset], zone: &Name, parent: &Name) -> NoDs {
    let refs: Vec<&RRset> = proofs.iter().collect();
    for p in proofs {
        match p.rtype {
            RecordType::NSEC if p.name == *zone => {
                if let Some(n) = p.rdata.iter().find_map(|d| nsec_of(d)) {
                    if n.types.contains(RecordType::DS) {
                        return NoDs::Unproven;
                    }
                    if !n.types.contains(RecordType::NS) || n.types.contains(RecordType::SOA) {
                        return NoDs::NotACut;
                    }
                    return NoDs::Unsigned;
                }
            }
            RecordType::NSEC3 => {
                if let Some(n) = nsec3_matching(p, zone, parent) {
                    if n.types.contains(RecordType::DS) {
                        return NoDs::Unproven;
                    }
                    if !n.types.contains(RecordType::NS) {
                        return NoDs::NotACut;
                    }
                    return NoDs::Unsigned;
                }
            }
            _ => {}
        }
    }
    if let Some(ce) = nsec3_closest_encloser_proof(&refs, zone, parent) {
        if opt_out_covers(&refs, zone, &ce, parent) {
            return NoDs::Unsigned;
        }
    }
    NoDs::Unproven
}

/// The longest ancestor of `name` (up to `zone`) that is also an ancestor of `a` or `b`.
pub(crate) fn closest_ancestor(name: &Name, a: &Name, b: &Name, zone: &Name) -> Name {
    let mut at = name.parent();
    while let Some(n) = at {
        if a.is_subdomain_of(&n) || b.is_subdomain_of(&n) || n == *zone || n.is_root() {
            return n;
        }
        at = n.parent();
    }
    zone.clone()
}

/// The first label of an NSEC3 owner decoded: the hash it stands for.
fn nsec3_owner_hash(owner: &Name) -> Option<Vec<u8>> {
    let label = owner.labels().next()?;
    let text = std::str::from_utf8(label).ok()?;
    banyan_wire::text::base32hex_decode(text)
}

/// The NSEC3 record of `set` whose owner is the hash of `name`, if any.
fn nsec3_matching(set: &RRset, name: &Name, zone: &Name) -> Option<Nsec3> {
    if set.rtype != RecordType::NSEC3 || set.name.parent().as_ref() != Some(zone) {
        return None;
    }
    let owner = nsec3_owner_hash(&set.name)?;
    set.rdata
        .iter()
        .filter_map(|d| nsec3_of(d))
        .find(|n| n.hash_algorithm == 1 && nsec3_hash(name, &n.salt, n.iterations).as_slice() == owner.as_slice())
}

/// Whether an NSEC3 record of `set` covers the hash of `name` (strictly between its owner
/// hash and its next hash, wrapping at the end of the chain).
fn nsec3_covers_name(set: &RRset, name: &Name, zone: &Name) -> bool {
    nsec3_covering(set, name, zone).is_some()
}

fn nsec3_covering(set: &RRset, name: &Name, zone: &Name) -> Option<Nsec3> {
    if set.rtype != RecordType::NSEC3 || set.name.parent().as_ref() != Some(zone) {
        return None;
    }
    let owner = nsec3_owner_hash(&set.name)?;
    set.rdata.iter().filter_map(|d| nsec3_of(d)).find(|n| {
        if n.hash_algorithm != 1 {
            return false;
        }
        let h = nsec3_hash(name, &n.salt, n.iterations);
        let (o, next) = (owner.as_slice(), n.next_hashed.as_slice());
        let h = h.as_slice();
        if o < next {
            o < h && h < next
        } else {
            h > o || h < next
        }
    })
}

/// RFC 5155 §8.3: the closest encloser of `name` (an ancestor with a matching NSEC3)
/// together with an NSEC3 covering the next closer name. Returns the closest encloser.
fn nsec3_closest_encloser_proof(proofs: &[&RRset], name: &Name, zone: &Name) -> Option<Name> {
    let nsec3s: Vec<&&RRset> = proofs.iter().filter(|p| p.rtype == RecordType::NSEC3).collect();
    if nsec3s.is_empty() {
        return None;
    }
    let mut candidate = name.parent();
    while let Some(ce) = candidate {
        if !ce.is_subdomain_of(zone) {
            return None;
        }
        if nsec3s.iter().any(|p| nsec3_matching(p, &ce, zone).is_some()) {
            let next_closer = name.suffix(ce.label_count() + 1);
            return nsec3s
                .iter()
                .any(|p| nsec3_covers_name(p, &next_closer, zone))
                .then_some(ce);
        }
        candidate = ce.parent();
    }
    None
}

/// RFC 5155 §8.6: the NSEC3 covering the next closer name has the opt-out flag.
fn opt_out_covers(proofs: &[&RRset], name: &Name, ce: &Name, zone: &Name) -> bool {
    let next_closer = name.suffix(ce.label_count() + 1);
    proofs
        .iter()
        .filter_map(|p| nsec3_covering(p, &next_closer, zone))
        .any(|n| n.flags & 1 == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_root_anchors() {
        let a = TrustAnchors::builtin();
        assert_eq!(a.anchors.len(), 2);
        assert_eq!(a.closest(&"www.example.com.".parse().unwrap()), Some(&Name::root()));
        let tags: Vec<u16> = a
            .anchors
            .iter()
            .map(|(_, _, d)| u16::from_be_bytes([d[0], d[1]]))
            .collect();
        assert_eq!(tags, [20326, 38696]);
    }

    #[test]
    fn anchor_files() {
        let a = TrustAnchors::parse("; comment\nexample. 3600 IN DNSKEY 257 3 13 AQID\n", "t").unwrap();
        assert_eq!(
            a.closest(&"a.example.".parse().unwrap())
                .map(ToString::to_string)
                .as_deref(),
            Some("example.")
        );
        assert!(a.closest(&"a.other.".parse().unwrap()).is_none());
        assert!(matches!(TrustAnchors::parse("", "t"), Err(AnchorError::Empty { .. })));
        let bad = TrustAnchors::parse("example. IN A 192.0.2.1\n", "f")
            .unwrap_err()
            .to_string();
        assert!(bad.contains("f:1"), "{bad}");
    }

    #[test]
    fn nsec_cover() {
        let n = |s: &str| -> Name { s.parse().unwrap() };
        assert!(nsec_covers(&n("a.example."), &n("d.example."), &n("b.example.")));
        assert!(!nsec_covers(&n("a.example."), &n("d.example."), &n("e.example.")));
        // The last NSEC wraps to the apex.
        assert!(nsec_covers(&n("z.example."), &n("example."), &n("zz.example.")));
    }
}
