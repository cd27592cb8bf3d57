//! Making RRSIGs (RFC 4034 §3, RFC 4035 §2.2).

use banyan_wire::{Class, Name, RecordType};

use crate::canonical::{signed_data, RrsigFields};
use crate::error::DnssecError;
use crate::key::SigningKey;

/// Signs an RRset with `key` and returns the RRSIG RDATA (RFC 4034 §3.1, RFC 4035 §2.2).
///
/// The labels field counts the owner's labels without the root and without a leading `*`
/// (RFC 4034 §3.1.3), so wildcard RRsets are signed as such; the original TTL is `ttl`;
/// the signer's name is the key's owner. `rdatas` are uncompressed RDATA; order and
/// duplicates do not matter (RFC 4034 §6.3). `inception` and `expiration` are seconds
/// since 1970 modulo 2^32 (RFC 4034 §3.1.5). The owner must be at or below the key's zone.
#[allow(clippy::too_many_arguments)]
pub fn sign_rrset(
    key: &SigningKey,
    owner: &Name,
    rtype: RecordType,
    class: Class,
    ttl: u32,
    rdatas: &[&[u8]],
    inception: u32,
    expiration: u32,
) -> Result<Vec<u8>, DnssecError> {
    if !owner.is_subdomain_of(key.owner()) {
        return Err(DnssecError::NotInZone {
            owner: owner.clone(),
            zone: key.owner().clone(),
        });
    }
    let labels = owner.label_count() - usize::from(owner.is_wildcard());
    let fields = RrsigFields {
        type_covered: rtype,
        algorithm: key.algorithm(),
        // A name has at most 127 labels, so this always fits.
        labels: u8::try_from(labels).unwrap_or(u8::MAX),
        original_ttl: ttl,
        expiration,
        inception,
        key_tag: key.key_tag(),
        signer: key.owner().clone(),
    };
    let data = signed_data(&fields, key.owner(), owner, rtype, class, rdatas);
    let signature = key.sign(&data)?;
    Ok(fields.to_rdata(&signature))
}
