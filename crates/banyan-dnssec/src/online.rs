//! Online signing: keeping a served zone signed as its data changes and as time passes
//! (RFC 6781 §4.4.2, the re-signing a server does by itself, as BIND's `dnssec-policy` and
//! Knot's automatic signing do).
//!
//! [`resign_zone`] signs a new version of a zone *incrementally* against the previous signed
//! version: it goes through the same steps as [`sign_zone`] (old DNSSEC records stripped,
//! DNSKEY/CDS/CDNSKEY added, the NSEC or NSEC3 chain rebuilt from the new version's names),
//! but an RRset, NSEC and NSEC3 records included, that is the same as in the previous version
//! (owner, type, TTL and set of RDATA) keeps its previous RRSIGs when every key that signs it
//! now already signed it, that key was in the previous DNSKEY RRset, and the signature does
//! not expire within the refresh window ([`refresh_window`]). Everything else is signed
//! anew. Rebuilding the chain costs a walk over the names (and with NSEC3 a hash each), far
//! less than the signatures; only the chain records whose content changed are signed again.
//!
//! [`needs_resigning`] tells when the earliest signature of a signed zone enters the refresh
//! window, so that a server re-signs before anything expires.
//!
//! What it does not do: read files or clocks (the caller passes the zone, the keys and
//! `now`), or change the SOA serial: it is kept as the zone gives it, so a zone file edited
//! without a new serial is served with new data under the old serial.
//!
//! [`sign_zone`]: crate::signzone::sign_zone

use banyan_wire::RecordType;
use banyan_zone::Zone;

use crate::canonical::RrsigFields;
use crate::key::SigningKey;
use crate::signzone::{sign_keeping, Keep, SignError, SignOptions, SignedZone};

/// Signatures are made again once less than `1 / REFRESH_DIVISOR` of their validity is left
/// (a quarter: with the default 30 days, 7.5 days before they expire), leaving that long
/// for a server that fails to re-sign to be noticed and mended.
pub const REFRESH_DIVISOR: u32 = 4;

/// The refresh window for signatures made with `options` at `now`: a signature expiring
/// within this many seconds of `now` is made again (the validity left after `now`, divided by
/// [`REFRESH_DIVISOR`]).
pub fn refresh_window(options: &SignOptions, now: u32) -> u32 {
    let validity = options.expiration.wrapping_sub(now);
    if (validity as i32) <= 0 {
        0
    } else {
        validity / REFRESH_DIVISOR
    }
}

/// Signs `zone` (as loaded: any DNSSEC records in it are replaced, as [`sign_zone`] does)
/// with `keys`, keeping the RRSIGs of `previous` (the zone's last signed version) for every
/// RRset that did not change and whose signatures are still fresh at `now` (see the module
/// documentation). Without `previous` it is [`sign_zone`]. The result counts the RRsets
/// signed anew ([`SignedZone::rrsets_signed`]) and those whose signatures were kept
/// ([`SignedZone::rrsets_reused`]).
///
/// [`sign_zone`]: crate::signzone::sign_zone
pub fn resign_zone(
    previous: Option<&Zone>,
    zone: &Zone,
    keys: &[SigningKey],
    options: &SignOptions,
    now: u32,
) -> Result<SignedZone, SignError> {
    let keep = previous
        .filter(|p| p.origin() == zone.origin() && p.class() == zone.class())
        .map(|previous| Keep {
            previous,
            now,
            fresh_until: now.wrapping_add(refresh_window(options, now)),
        });
    sign_keeping(zone, keys, options, keep.as_ref(), &|_, _| {})
}

/// The earliest expiration among the zone's RRSIGs (RFC 1982 serial arithmetic, so it
/// works across the 2106 wrap), or `None` when it has none.
pub fn earliest_expiration(zone: &Zone) -> Option<u32> {
    let mut earliest: Option<u32> = None;
    for node in zone.nodes() {
        for set in node.rrsets.iter().filter(|s| s.rtype == RecordType::RRSIG) {
            for sig in &set.rdata {
                let Some((fields, _)) = RrsigFields::from_rdata(sig) else {
                    continue;
                };
                let e = fields.expiration;
                if earliest.is_none_or(|x| (e.wrapping_sub(x) as i32) < 0) {
                    earliest = Some(e);
                }
            }
        }
    }
    earliest
}

/// True when `signed` has a signature expiring within the refresh window at `now` (or no
/// signature at all), so that [`resign_zone`] with these `options` would make some again.
pub fn needs_resigning(signed: &Zone, options: &SignOptions, now: u32) -> bool {
    let fresh_until = now.wrapping_add(refresh_window(options, now));
    earliest_expiration(signed).is_none_or(|e| (e.wrapping_sub(fresh_until) as i32) <= 0)
}
