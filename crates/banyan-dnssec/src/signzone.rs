//! Signing a whole zone offline, as `dnssec-signzone` and `ldns-signzone` do (RFC 4035 §2,
//! RFC 5155 §7.1, RFC 7344 §4, RFC 9276, RFC 9077).
//!
//! [`sign_zone`] takes a zone and its private keys and returns the signed zone and the DS
//! records for the parent. What it does, in order:
//!
//! 1. Copies the zone without its old DNSSEC records (RRSIG, NSEC, NSEC3, NSEC3PARAM, CDS,
//!    CDNSKEY), so that a signed zone can be signed again; DNSKEY records already in the
//!    zone stay (a pre-published key, for example) and the keys' DNSKEYs join them.
//! 2. Adds at the apex the DNSKEY RRset, CDS (SHA-256) and CDNSKEY records for the KSKs
//!    (RFC 7344 §3, RFC 8078), and with NSEC3 the NSEC3PARAM record (flags 0, RFC 5155 §4).
//! 3. Builds the NSEC chain (RFC 4035 §2.3) or the NSEC3 chain (RFC 5155 §7.1).
//! 4. Signs every authoritative RRset (RFC 4035 §2.2): not the NS RRset of a delegation nor
//!    anything below a zone cut or a DNAME (glue, occluded data). The DNSKEY, CDS and CDNSKEY
//!    RRsets are signed by the KSKs (flag 257), everything else by the ZSKs (flag 256). When
//!    one algorithm has only KSKs they sign everything, and when it has only ZSKs they sign
//!    the DNSKEY RRset too, as `dnssec-signzone` does; every algorithm signs every RRset
//!    (RFC 6840 §5.11). Signing runs on several threads.
//!
//! What it does not do: read or write files (see [`SigningKey::load_zone_keys`] for the key
//! directory), pick keys by their timing metadata, or increment the SOA serial (it is kept
//! as it is). Re-signing a zone that changed, keeping the signatures that are still good, is
//! [`crate::online::resign_zone`], built on the same steps.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use banyan_wire::rdata::{RData, TypeBitmap};
use banyan_wire::text::base32hex_encode;
use banyan_wire::{Class, Name, Record, RecordType};
use banyan_zone::{nsec3_hash, Node, Rrset, Zone};

use crate::canonical::RrsigFields;
use crate::ds::{ds_rdata, DigestType};
use crate::error::DnssecError;
use crate::key::SigningKey;
use crate::sign::sign_rrset;

/// Default validity: signatures start an hour before `now` (clock skew between signer and
/// validators) and end 30 days after it, `dnssec-signzone`'s defaults.
pub const DEFAULT_INCEPTION_OFFSET: u32 = 3600;
/// See [`DEFAULT_INCEPTION_OFFSET`].
pub const DEFAULT_VALIDITY: u32 = 30 * 86400;
/// RFC 9276 §3.2: resolvers may treat NSEC3 records with more iterations as insecure
/// (BIND and Unbound cap at 150 today and are lowering it); refused above this.
pub const MAX_NSEC3_ITERATIONS: u16 = 500;

/// How non-existence is proven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// An NSEC chain over the authoritative names and delegations (RFC 4034 §4, RFC 4035
    /// §2.3).
    Nsec,
    /// An NSEC3 chain (RFC 5155 §7.1) with hash algorithm 1 (SHA-1).
    Nsec3 {
        /// The salt, at most 255 octets; RFC 9276 §3.1 recommends none.
        salt: Vec<u8>,
        /// Additional hash iterations; RFC 9276 §3.1 recommends 0.
        iterations: u16,
        /// Opt-Out (RFC 5155 §6): insecure delegations get no NSEC3 record of their own,
        /// and every NSEC3 record carries the Opt-Out flag.
        opt_out: bool,
    },
}

/// What [`sign_zone`] needs besides the zone and the keys.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// NSEC or NSEC3.
    pub denial: Denial,
    /// Signature inception, seconds since 1970 modulo 2^32 (RFC 4034 §3.1.5).
    pub inception: u32,
    /// Signature expiration, same form, before jitter.
    pub expiration: u32,
    /// Up to this many seconds are taken off each RRset's expiration, an amount drawn from a
    /// hash of its owner and type (so the same zone signs the same way), so that signatures
    /// made together do not all expire together (RFC 6781 §4.4.2.2). Clamped to half the
    /// validity window.
    pub jitter: u32,
    /// TTL of the DNSKEY, CDS and CDNSKEY records added; `None` keeps the TTL of a DNSKEY
    /// RRset already in the zone, else uses the SOA record's TTL (as `dnssec-signzone` does).
    pub dnskey_ttl: Option<u32>,
    /// Signing threads; 0 means one per available core.
    pub threads: usize,
}

impl SignOptions {
    /// NSEC, inception an hour before `now`, expiration 30 days after it, a jitter of a
    /// twelfth of that window (2.5 days), DNSKEY TTL from the zone, one thread per core.
    pub fn new(now: u32) -> SignOptions {
        let inception = now.wrapping_sub(DEFAULT_INCEPTION_OFFSET);
        let expiration = now.wrapping_add(DEFAULT_VALIDITY);
        SignOptions {
            denial: Denial::Nsec,
            inception,
            expiration,
            jitter: expiration.wrapping_sub(inception) / 12,
            dnskey_ttl: None,
            threads: 0,
        }
    }
}

/// Why a zone could not be signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// No key was given.
    #[error("no signing keys for zone {0}")]
    NoKeys(Name),
    /// A key belongs to another zone.
    #[error("key {key} belongs to zone {owner}, not {zone}")]
    ForeignKey {
        /// The key's file stem, `K<zone>+<alg>+<tag>`.
        key: String,
        /// The key's owner.
        owner: Name,
        /// The zone being signed.
        zone: Name,
    },
    /// The zone has no SOA record at its apex.
    #[error("zone {0} has no SOA record")]
    NoSoa(Name),
    /// The validity window is empty or reversed.
    #[error("signature expiration is not after inception")]
    BadValidity,
    /// The NSEC3 salt is longer than 255 octets (RFC 5155 §3.1.5).
    #[error("NSEC3 salt of {0} octets (at most 255)")]
    SaltTooLong(usize),
    /// More NSEC3 iterations than [`MAX_NSEC3_ITERATIONS`].
    #[error("{0} NSEC3 iterations (at most {MAX_NSEC3_ITERATIONS}; RFC 9276 recommends 0)")]
    TooManyIterations(u16),
    /// Two names of the zone have the same NSEC3 hash (RFC 5155 §7.1 asks the signer to
    /// pick another salt).
    #[error("NSEC3 hash collision between {0} and {1}: choose another salt")]
    Nsec3Collision(Name, Name),
    /// The origin is too long for NSEC3 owner names (a 32-octet label added to it must fit
    /// in 255 octets, RFC 5155 §3).
    #[error("zone {0} is too long a name for NSEC3 owner names")]
    OriginTooLong(Name),
    /// A key failed to sign.
    #[error("key {key}: {source}")]
    Signing {
        /// The key's file stem.
        key: String,
        /// What went wrong.
        source: DnssecError,
    },
}

/// A signed zone and what the parent needs.
#[derive(Debug)]
pub struct SignedZone {
    /// The zone with its DNSKEY, CDS, CDNSKEY, RRSIG and NSEC or NSEC3 (and NSEC3PARAM)
    /// records.
    pub zone: Zone,
    /// DS records for the parent zone (RFC 4034 §5): SHA-256 and SHA-384 (RFC 4509, RFC
    /// 6605 §2) for each KSK, or for each key when there is no KSK.
    pub ds: Vec<Record>,
    /// RRsets signed (anew).
    pub rrsets_signed: usize,
    /// RRsets whose signatures were kept from the previous version instead
    /// ([`crate::online::resign_zone`]; always 0 for [`sign_zone`]).
    pub rrsets_reused: usize,
    /// RRSIG records made (not counting those kept).
    pub signatures: usize,
    /// NSEC or NSEC3 records made.
    pub denial_records: usize,
}

/// One RRset to sign and the keys that sign it.
struct Job<'a> {
    node: &'a Node,
    set: &'a Rrset,
    keys: &'a [&'a SigningKey],
}

/// An RRSIG made by a job: owner, TTL (the covered RRset's, RFC 4034 §3), RDATA.
type Made = (Name, u32, Vec<u8>);

/// The types a signer replaces: old signatures and chains, and the CDS/CDNSKEY records it
/// derives from the keys.
fn replaced(rtype: RecordType) -> bool {
    matches!(
        rtype,
        RecordType::RRSIG
            | RecordType::NSEC
            | RecordType::NSEC3
            | RecordType::NSEC3PARAM
            | RecordType::CDS
            | RecordType::CDNSKEY
    )
}

/// True for the RRsets signed with the KSKs (RFC 6781 §3.1, RFC 7344 §4.1).
fn apex_key_set(node: &Node, rtype: RecordType) -> bool {
    node.flags.apex && matches!(rtype, RecordType::DNSKEY | RecordType::CDS | RecordType::CDNSKEY)
}

/// Signs `zone` with `keys` (see the module documentation). `progress` is called from the
/// signing threads with the number of RRsets just signed and the total to sign.
pub fn sign_zone(
    zone: &Zone,
    keys: &[SigningKey],
    options: &SignOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<SignedZone, SignError> {
    sign_keeping(zone, keys, options, None, progress)
}

/// What an incremental signing may keep from the previous signed version of the zone: the
/// RRSIGs of an RRset that is the same as before, made by keys still used and published
/// before, valid at `now` and not expiring before `fresh_until` (RFC 1982 serial arithmetic).
pub(crate) struct Keep<'a> {
    /// The previous signed version.
    pub(crate) previous: &'a Zone,
    /// The signing time.
    pub(crate) now: u32,
    /// Signatures expiring at or before this are made again.
    pub(crate) fresh_until: u32,
}

impl Keep<'_> {
    /// The previous RRSIGs to keep for `set` at `owner`, one per key of `keys`, or `None`
    /// when the RRset must be signed anew.
    fn rrsigs(&self, owner: &Name, set: &Rrset, keys: &[&SigningKey], published: &[&[u8]]) -> Option<Vec<Vec<u8>>> {
        let node = self.previous.node(owner)?;
        let before = node.rrset(set.rtype)?;
        if before.ttl != set.ttl
            || before.rdata.len() != set.rdata.len()
            || !set.rdata.iter().all(|r| before.rdata.contains(r))
        {
            return None;
        }
        let sigs = node.rrsigs(set.rtype)?;
        let origin = self.previous.origin();
        keys.iter()
            .map(|key| {
                // A key not in the previous DNSKEY RRset made none of these signatures, even
                // if an old key had the same tag and algorithm.
                if !published.contains(&key.dnskey_rdata()) {
                    return None;
                }
                sigs.rdata
                    .iter()
                    .find(|sig| {
                        RrsigFields::from_rdata(sig).is_some_and(|(f, _)| {
                            f.algorithm == key.algorithm()
                                && f.key_tag == key.key_tag()
                                && f.signer == *origin
                                && f.original_ttl == set.ttl
                                && (self.now.wrapping_sub(f.inception) as i32) >= 0
                                && (f.expiration.wrapping_sub(self.fresh_until) as i32) > 0
                        })
                    })
                    .map(<[u8]>::to_vec)
            })
            .collect()
    }
}

/// [`sign_zone`], keeping what `keep` allows from a previous version.
pub(crate) fn sign_keeping(
    zone: &Zone,
    keys: &[SigningKey],
    options: &SignOptions,
    keep: Option<&Keep<'_>>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<SignedZone, SignError> {
    let origin = zone.origin().clone();
    if keys.is_empty() {
        return Err(SignError::NoKeys(origin));
    }
    for key in keys {
        if *key.owner() != origin {
            return Err(SignError::ForeignKey {
                key: key.file_stem(),
                owner: key.owner().clone(),
                zone: origin,
            });
        }
    }
    let window = options.expiration.wrapping_sub(options.inception);
    if window == 0 || window > i32::MAX as u32 {
        return Err(SignError::BadValidity);
    }
    if let Denial::Nsec3 { salt, iterations, .. } = &options.denial {
        if salt.len() > 255 {
            return Err(SignError::SaltTooLong(salt.len()));
        }
        if *iterations > MAX_NSEC3_ITERATIONS {
            return Err(SignError::TooManyIterations(*iterations));
        }
    }
    let apex = zone.apex();
    let soa_set = apex
        .rrset(RecordType::SOA)
        .ok_or_else(|| SignError::NoSoa(origin.clone()))?;
    let soa = zone.soa().ok_or_else(|| SignError::NoSoa(origin.clone()))?;
    // RFC 9077 §3 (updating RFC 4034 §4 and RFC 5155 §3): the lesser of the SOA's TTL and
    // its MINIMUM field, the negative-caching TTL of RFC 2308 §5.
    let denial_ttl = soa_set.ttl.min(soa.minimum);
    let dnskey_ttl = options
        .dnskey_ttl
        .or_else(|| apex.rrset(RecordType::DNSKEY).map(|s| s.ttl))
        .unwrap_or(soa_set.ttl);

    // 1 and 2: the zone without old DNSSEC data, with the keys' records.
    let class = zone.class();
    let mut out = Zone::new(origin.clone(), class);
    out.reserve(zone.node_count());
    for node in zone.nodes() {
        for set in node.rrsets.iter().filter(|s| !replaced(s.rtype)) {
            let ttl = if node.flags.apex && set.rtype == RecordType::DNSKEY {
                dnskey_ttl
            } else {
                set.ttl
            };
            for rdata in &set.rdata {
                insert(&mut out, &node.name, class, ttl, set.rtype, rdata);
            }
        }
    }
    let ds_keys: Vec<&SigningKey> = if keys.iter().any(SigningKey::is_ksk) {
        keys.iter().filter(|k| k.is_ksk()).collect()
    } else {
        keys.iter().collect()
    };
    for key in keys {
        insert(
            &mut out,
            &origin,
            class,
            dnskey_ttl,
            RecordType::DNSKEY,
            key.dnskey_rdata(),
        );
    }
    for key in keys.iter().filter(|k| k.is_ksk()) {
        // RFC 7344 §4: CDS and CDNSKEY mirror the DS the parent should hold.
        insert(
            &mut out,
            &origin,
            class,
            dnskey_ttl,
            RecordType::CDNSKEY,
            key.dnskey_rdata(),
        );
        if let Some(ds) = ds_rdata(&origin, key.dnskey_rdata(), DigestType::SHA256.0) {
            insert(&mut out, &origin, class, dnskey_ttl, RecordType::CDS, &ds);
        }
    }
    if let Denial::Nsec3 { salt, iterations, .. } = &options.denial {
        let mut param = vec![1, 0];
        param.extend_from_slice(&iterations.to_be_bytes());
        param.push(salt.len() as u8);
        param.extend_from_slice(salt);
        insert(&mut out, &origin, class, denial_ttl, RecordType::NSEC3PARAM, &param);
    }
    out.finish();

    // 3: the chain.
    let chain = match &options.denial {
        Denial::Nsec => nsec_chain(&out),
        Denial::Nsec3 {
            salt,
            iterations,
            opt_out,
        } => nsec3_chain(&out, salt, *iterations, *opt_out)?,
    };
    let denial_records = chain.len();
    for (name, rtype, rdata) in &chain {
        insert(&mut out, name, class, denial_ttl, *rtype, rdata);
    }
    out.finish();

    // 4: the signatures, those kept and those to make.
    let (zone_keys, apex_keys) = key_roles(keys);
    let published: Vec<&[u8]> = keep
        .and_then(|k| k.previous.apex().rrset(RecordType::DNSKEY))
        .map(|s| s.rdata.iter().collect())
        .unwrap_or_default();
    let mut kept: Vec<Made> = Vec::new();
    let mut rrsets_reused = 0;
    let mut jobs = Vec::new();
    for node in out.nodes() {
        if node.flags.occluded {
            continue;
        }
        for set in &node.rrsets {
            // At a delegation only DS and the denial records are the parent's (RFC 4035 §2.2).
            if node.flags.delegation && !matches!(set.rtype, RecordType::DS | RecordType::NSEC) {
                continue;
            }
            let keys: &[&SigningKey] = if apex_key_set(node, set.rtype) {
                &apex_keys
            } else {
                &zone_keys
            };
            if let Some(sigs) = keep.and_then(|k| k.rrsigs(&node.name, set, keys, &published)) {
                kept.extend(sigs.into_iter().map(|sig| (node.name.clone(), set.ttl, sig)));
                rrsets_reused += 1;
                continue;
            }
            jobs.push(Job { node, set, keys });
        }
    }
    let rrsets_signed = jobs.len();
    let made = sign_all(&jobs, options, window, class, progress)?;
    drop(jobs);
    let signatures = made.len();
    for (name, ttl, rdata) in made.iter().chain(&kept) {
        insert(&mut out, name, class, *ttl, RecordType::RRSIG, rdata);
    }
    drop(made);
    drop(kept);
    out.finish();

    let ds = ds_keys
        .iter()
        .flat_map(|k| [DigestType::SHA256, DigestType::SHA384].map(|d| (k, d)))
        .filter_map(|(k, d)| ds_rdata(&origin, k.dnskey_rdata(), d.0))
        .filter_map(|rdata| {
            Some(Record {
                name: origin.clone(),
                class,
                ttl: dnskey_ttl,
                data: RData::parse(RecordType::DS, &rdata, 0, rdata.len()).ok()?,
            })
        })
        .collect();
    Ok(SignedZone {
        zone: out,
        ds,
        rrsets_signed,
        rrsets_reused,
        signatures,
        denial_records,
    })
}

/// Inserts a record known to be in the zone and of its class.
fn insert(zone: &mut Zone, name: &Name, class: Class, ttl: u32, rtype: RecordType, rdata: &[u8]) {
    // Every caller passes a name at or below the origin and the zone's class, the only two
    // things insertion checks, so the result carries nothing to act on.
    let _ = zone.insert_wire(name, class, ttl, rtype, rdata);
}

/// The keys that sign ordinary RRsets and those that sign the apex key sets, per algorithm
/// as `dnssec-signzone` picks them: ZSKs and KSKs; an algorithm with only KSKs signs
/// everything with them, one with only ZSKs signs its DNSKEY RRset with them too.
fn key_roles(keys: &[SigningKey]) -> (Vec<&SigningKey>, Vec<&SigningKey>) {
    let mut algorithms: Vec<u8> = keys.iter().map(SigningKey::algorithm).collect();
    algorithms.sort_unstable();
    algorithms.dedup();
    let (mut zone_keys, mut apex_keys) = (Vec::new(), Vec::new());
    for alg in algorithms {
        let of = |ksk: bool| -> Vec<&SigningKey> {
            keys.iter()
                .filter(|k| k.algorithm() == alg && k.is_ksk() == ksk)
                .collect()
        };
        let (ksks, zsks) = (of(true), of(false));
        zone_keys.extend(if zsks.is_empty() { &ksks } else { &zsks });
        apex_keys.extend(if ksks.is_empty() { &zsks } else { &ksks });
    }
    (zone_keys, apex_keys)
}

/// How much of the jitter an RRset gets: FNV-1a over its lowercased owner and its type, so
/// that signing the same zone twice gives the same expirations.
fn jitter_for(owner: &Name, rtype: RecordType, jitter: u32) -> u32 {
    if jitter == 0 {
        return 0;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in owner.as_wire().iter().chain(&rtype.0.to_be_bytes()) {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % (u64::from(jitter) + 1)) as u32
}

/// Signs every job on `options.threads` threads, taking chunks of jobs from a shared counter
/// so that a slow chunk does not hold the others up.
fn sign_all(
    jobs: &[Job<'_>],
    options: &SignOptions,
    window: u32,
    class: Class,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<Made>, SignError> {
    const CHUNK: usize = 512;
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .clamp(1, jobs.len().div_ceil(CHUNK).max(1));
    let jitter = options.jitter.min(window / 2);
    let next = AtomicUsize::new(0);
    let total = jobs.len();
    let results: Mutex<Vec<Vec<Made>>> = Mutex::new(Vec::new());
    let first_error: Mutex<Option<SignError>> = Mutex::new(None);
    let work = || {
        let mut mine: Vec<Made> = Vec::new();
        let mut rdatas: Vec<&[u8]> = Vec::new();
        loop {
            let start = next.fetch_add(CHUNK, Ordering::Relaxed);
            if start >= jobs.len() {
                break;
            }
            let chunk = &jobs[start..(start + CHUNK).min(jobs.len())];
            for job in chunk {
                rdatas.clear();
                rdatas.extend(job.set.rdata.iter());
                let expiration = options
                    .expiration
                    .wrapping_sub(jitter_for(&job.node.name, job.set.rtype, jitter));
                for key in job.keys {
                    match sign_rrset(
                        key,
                        &job.node.name,
                        job.set.rtype,
                        class,
                        job.set.ttl,
                        &rdatas,
                        options.inception,
                        expiration,
                    ) {
                        Ok(rrsig) => mine.push((job.node.name.clone(), job.set.ttl, rrsig)),
                        Err(source) => {
                            let mut slot = first_error.lock().unwrap_or_else(|e| e.into_inner());
                            slot.get_or_insert(SignError::Signing {
                                key: key.file_stem(),
                                source,
                            });
                            next.store(jobs.len(), Ordering::Relaxed);
                            return;
                        }
                    }
                }
            }
            progress(chunk.len(), total);
        }
        results.lock().unwrap_or_else(|e| e.into_inner()).push(mine);
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    Ok(results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect())
}

/// The NSEC chain (RFC 4035 §2.3): one record per authoritative name with data and per
/// delegation, in canonical order, the last pointing back to the apex. The bitmap lists the
/// types at the name plus RRSIG and NSEC (RFC 4034 §4.1.2); at a delegation only NS, DS and
/// those two, since the rest there is not the zone's (RFC 4035 §2.3).
fn nsec_chain(zone: &Zone) -> Vec<(Name, RecordType, Vec<u8>)> {
    let names: Vec<&Node> = zone
        .nodes()
        .filter(|n| !n.flags.occluded && !n.is_empty_non_terminal())
        .collect();
    let mut chain = Vec::with_capacity(names.len());
    for (i, node) in names.iter().enumerate() {
        let next = names.get(i + 1).unwrap_or(&names[0]);
        let mut types = present_types(node);
        types.insert(RecordType::RRSIG);
        types.insert(RecordType::NSEC);
        let mut rdata = next.name.as_wire().to_vec();
        types.write(&mut rdata);
        chain.push((node.name.clone(), RecordType::NSEC, rdata));
    }
    chain
}

/// The types at a node that the zone is authoritative for (at a delegation: NS and DS).
fn present_types(node: &Node) -> TypeBitmap {
    TypeBitmap::from_types(
        node.rrsets
            .iter()
            .map(|s| s.rtype)
            .filter(|&t| !node.flags.delegation || matches!(t, RecordType::NS | RecordType::DS)),
    )
}

/// The NSEC3 chain (RFC 5155 §7.1): a record for each authoritative name with data, each
/// delegation (with Opt-Out, each secure one only) and each empty non-terminal on the way to
/// one of those, at the hash of the name, sorted by hash, each pointing to the next hash.
/// The bitmap lists the types at the name, plus RRSIG when something there is signed; an
/// empty non-terminal's is empty.
fn nsec3_chain(
    zone: &Zone,
    salt: &[u8],
    iterations: u16,
    opt_out: bool,
) -> Result<Vec<(Name, RecordType, Vec<u8>)>, SignError> {
    let origin = zone.origin();
    let covered = |node: &Node| {
        let insecure_delegation = node.flags.delegation && node.rrset(RecordType::DS).is_none();
        !(node.flags.occluded || node.is_empty_non_terminal() || (opt_out && insecure_delegation))
    };
    // Empty non-terminals get a record when a covered name lies below them (RFC 5155 §7.1:
    // not when only Opt-Out delegations do).
    let mut needed: HashSet<Name> = HashSet::new();
    for node in zone.nodes().filter(|n| covered(n)) {
        let mut p = node.name.parent();
        while let Some(name) = p {
            if name == *origin || !needed.insert(name.clone()) {
                break;
            }
            p = name.parent();
        }
    }
    let mut hashed: Vec<([u8; 20], &Node)> = zone
        .nodes()
        .filter(|n| covered(n) || (n.is_empty_non_terminal() && needed.contains(&n.name)))
        .map(|n| (nsec3_hash(&n.name, salt, iterations), n))
        .collect();
    hashed.sort_unstable_by_key(|h| h.0);
    for w in hashed.windows(2) {
        if w[0].0 == w[1].0 {
            return Err(SignError::Nsec3Collision(w[0].1.name.clone(), w[1].1.name.clone()));
        }
    }
    let mut chain = Vec::with_capacity(hashed.len());
    for (i, (hash, node)) in hashed.iter().enumerate() {
        let next = &hashed.get(i + 1).unwrap_or(&hashed[0]).0;
        let mut types = present_types(node);
        // Signed data at the name: anything but an empty non-terminal or an insecure
        // delegation (whose NS RRset is not signed).
        let signed = !types.is_empty() && (!node.flags.delegation || types.contains(RecordType::DS));
        if signed {
            types.insert(RecordType::RRSIG);
        }
        let mut rdata = vec![1, u8::from(opt_out)];
        rdata.extend_from_slice(&iterations.to_be_bytes());
        rdata.push(salt.len() as u8);
        rdata.extend_from_slice(salt);
        rdata.push(next.len() as u8);
        rdata.extend_from_slice(next);
        types.write(&mut rdata);
        // A 32-character label fits under origins of up to 222 octets only.
        let owner = origin
            .prepend(base32hex_encode(hash).as_bytes())
            .map_err(|_| SignError::OriginTooLong(origin.clone()))?;
        chain.push((owner, RecordType::NSEC3, rdata));
    }
    Ok(chain)
}
