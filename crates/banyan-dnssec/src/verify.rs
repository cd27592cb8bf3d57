//! Checking an RRSIG (RFC 4035 §5.3) and raw DNSSEC signatures.
//!
//! Public key and signature formats: RSA keys as in RFC 3110 §2 (exponent length, exponent,
//! modulus) with PKCS#1 v1.5 signatures (RFC 3110 §3, RFC 5702 §3); ECDSA keys as `x | y`
//! and signatures as `r | s`, fixed width (RFC 6605 §4); Ed25519 keys and signatures raw
//! (RFC 8080 §3, §4).

use banyan_wire::{Class, Name, RecordType};
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};

use crate::algorithm::{self, is_supported};
use crate::canonical::{signed_data, RrsigFields};
use crate::keytag::key_tag;
use crate::legacy_rsa;

/// Why an RRSIG or a signature did not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
#[non_exhaustive]
pub enum VerifyError {
    /// The algorithm is not one this crate verifies (RFC 4035 §5.2: such RRsets are
    /// insecure, not bogus).
    #[error("DNSSEC algorithm {0} is not supported")]
    UnsupportedAlgorithm(u8),
    /// The DNSKEY is unusable: not protocol 3, not a zone key (RFC 4035 §5.3.1), or its
    /// public key is malformed for its algorithm.
    #[error("unusable DNSKEY")]
    BadKey,
    /// The signature does not match the data.
    #[error("signature does not verify")]
    BadSignature,
    /// The current time is after the signature expiration (RFC 4035 §5.3.1), or the
    /// expiration precedes the inception so the signature is never valid.
    #[error("signature expired")]
    Expired,
    /// The current time is before the signature inception (RFC 4035 §5.3.1).
    #[error("signature not yet valid")]
    NotYetValid,
    /// The RRSIG names another key: key tag, algorithm or signer's name differ from the
    /// DNSKEY's, or the signer is not a zone that holds the RRset (RFC 4035 §5.3.1).
    #[error("RRSIG does not match the DNSKEY")]
    KeyMismatch,
    /// The RRSIG or DNSKEY RDATA is malformed.
    #[error("malformed RRSIG or DNSKEY RDATA")]
    Malformed,
    /// The RRSIG covers another type than the RRset's (RFC 4035 §5.3.1).
    #[error("RRSIG covers another type")]
    TypeMismatch,
    /// The RRSIG's labels field exceeds the owner's label count (RFC 4035 §5.3.1).
    #[error("RRSIG labels field exceeds the owner's labels")]
    BadLabels,
    /// The DNSKEY has the REVOKE flag and the RRset is not its own DNSKEY RRset, the only
    /// thing a revoked key may still validate (RFC 5011 §2.1).
    #[error("DNSKEY is revoked")]
    Revoked,
}

/// DNSKEY flag bits (RFC 4034 §2.1.1, RFC 5011 §7).
const ZONE_KEY: u16 = 0x0100;
const REVOKE: u16 = 0x0080;

/// Checks one RRSIG over an RRset with one DNSKEY (RFC 4035 §5.3).
///
/// `owner`, `rtype`, `class` and `rdatas` describe the RRset (RDATA uncompressed);
/// `rrsig_rdata` is the RRSIG's RDATA, `dnskey_owner`/`dnskey_rdata` the candidate key;
/// `now` is seconds since 1970 and `skew` seconds of allowance on both ends of the validity
/// window.
///
/// The RFC 4035 §5.3.1 checks come first: the RRSIG covers `rtype`; its labels field is at
/// most the owner's label count; the signer's name equals the key's owner and the RRset
/// lies at or below it; key tag and algorithm match the key; the key has protocol 3 and the
/// Zone Key flag; a revoked key only signs its own DNSKEY RRset (RFC 5011 §2.1); the
/// algorithm is supported; `now` lies within inception..expiration compared in RFC 1982
/// serial arithmetic (RFC 4034 §3.1.5). Then the signature is checked over
/// [`signed_data`] (RFC 4035 §5.3.2, §5.3.3).
#[allow(clippy::too_many_arguments)]
pub fn verify_rrsig(
    owner: &Name,
    rtype: RecordType,
    class: Class,
    rdatas: &[&[u8]],
    rrsig_rdata: &[u8],
    dnskey_owner: &Name,
    dnskey_rdata: &[u8],
    now: u32,
    skew: u32,
) -> Result<(), VerifyError> {
    let (head, signature) = RrsigFields::from_rdata(rrsig_rdata).ok_or(VerifyError::Malformed)?;
    if dnskey_rdata.len() < 5 {
        return Err(VerifyError::Malformed);
    }
    if head.type_covered != rtype {
        return Err(VerifyError::TypeMismatch);
    }
    if usize::from(head.labels) > owner.label_count() {
        return Err(VerifyError::BadLabels);
    }
    if head.signer != *dnskey_owner || !owner.is_subdomain_of(&head.signer) {
        return Err(VerifyError::KeyMismatch);
    }
    let flags = u16::from_be_bytes([dnskey_rdata[0], dnskey_rdata[1]]);
    let (protocol, algorithm) = (dnskey_rdata[2], dnskey_rdata[3]);
    if head.algorithm != algorithm || head.key_tag != key_tag(dnskey_rdata) {
        return Err(VerifyError::KeyMismatch);
    }
    if protocol != 3 || flags & ZONE_KEY == 0 {
        return Err(VerifyError::BadKey);
    }
    if flags & REVOKE != 0 && !(rtype == RecordType::DNSKEY && owner == dnskey_owner) {
        return Err(VerifyError::Revoked);
    }
    if !is_supported(algorithm) {
        return Err(VerifyError::UnsupportedAlgorithm(algorithm));
    }
    check_validity(head.inception, head.expiration, now, skew)?;
    let data = signed_data(&head, &head.signer, owner, rtype, class, rdatas);
    verify_signature(algorithm, &dnskey_rdata[4..], &data, signature)
}

/// The validity window check of RFC 4035 §5.3.1 with the times compared in RFC 1982 serial
/// arithmetic, as RFC 4034 §3.1.5 requires: each time is taken to be the one nearest to
/// `now` modulo 2^32, so signatures keep working across the 2106 wrap of the 32-bit count.
pub fn check_validity(inception: u32, expiration: u32, now: u32, skew: u32) -> Result<(), VerifyError> {
    // A window that ends before it starts is never valid.
    if (expiration.wrapping_sub(inception) as i32) < 0 {
        return Err(VerifyError::Expired);
    }
    if (now.wrapping_sub(inception.wrapping_sub(skew)) as i32) < 0 {
        return Err(VerifyError::NotYetValid);
    }
    if (expiration.wrapping_add(skew).wrapping_sub(now) as i32) < 0 {
        return Err(VerifyError::Expired);
    }
    Ok(())
}

/// An RSA public key in RFC 3110 §2 form split into modulus and exponent, both without
/// leading zero octets.
fn rsa_components(key: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = key.split_first()?;
    let (e_len, rest) = if first == 0 {
        if rest.len() < 2 {
            return None;
        }
        (usize::from(u16::from_be_bytes([rest[0], rest[1]])), &rest[2..])
    } else {
        (usize::from(first), rest)
    };
    if e_len == 0 || rest.len() <= e_len {
        return None;
    }
    let (e, n) = rest.split_at(e_len);
    let (e, n) = (strip_zeros(e), strip_zeros(n));
    if e.is_empty() || n.is_empty() {
        return None;
    }
    Some((n, e))
}

/// `v` without its leading zero octets (ring wants minimal big-endian integers).
fn strip_zeros(v: &[u8]) -> &[u8] {
    let k = v.iter().take_while(|&&b| b == 0).count();
    &v[k..]
}

/// Checks a raw DNSSEC signature over `data` with a DNSKEY public key field (RFC 3110,
/// RFC 5702, RFC 6605, RFC 8080 formats; see the module documentation). Used by
/// [`verify_rrsig`]; public for test vectors that sign bare data, such as BIND's.
pub fn verify_signature(
    algorithm: u8,
    dnskey_public_key: &[u8],
    data: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let rsa = |hash: legacy_rsa::Hash, params: &'static signature::RsaParameters| {
        let (n, e) = rsa_components(dnskey_public_key).ok_or(VerifyError::BadKey)?;
        let bits = n.len() * 8 - n[0].leading_zeros() as usize;
        if bits > 8192 {
            return Err(VerifyError::BadKey);
        }
        let ok = if bits < 1024 {
            // ring's floor; see `legacy_rsa` for why smaller keys are still verified.
            legacy_rsa::verify(hash, n, e, data, signature)
        } else {
            RsaPublicKeyComponents { n, e }.verify(params, data, signature).is_ok()
        };
        if ok {
            Ok(())
        } else {
            Err(VerifyError::BadSignature)
        }
    };
    let ecdsa = |alg: &'static signature::EcdsaVerificationAlgorithm, len: usize| {
        if dnskey_public_key.len() != 2 * len {
            return Err(VerifyError::BadKey);
        }
        if signature.len() != 2 * len {
            return Err(VerifyError::BadSignature);
        }
        // ring takes the uncompressed SEC 1 point: 0x04 | x | y (RFC 6605 §4 leaves out the 0x04).
        let mut point = Vec::with_capacity(1 + 2 * len);
        point.push(0x04);
        point.extend_from_slice(dnskey_public_key);
        UnparsedPublicKey::new(alg, &point)
            .verify(data, signature)
            .map_err(|_| VerifyError::BadSignature)
    };
    match algorithm {
        algorithm::RSASHA1 | algorithm::RSASHA1_NSEC3_SHA1 => rsa(
            legacy_rsa::Hash::Sha1,
            &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        ),
        algorithm::RSASHA256 => rsa(
            legacy_rsa::Hash::Sha256,
            &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        ),
        algorithm::RSASHA512 => rsa(
            legacy_rsa::Hash::Sha512,
            &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        ),
        algorithm::ECDSAP256SHA256 => ecdsa(&signature::ECDSA_P256_SHA256_FIXED, 32),
        algorithm::ECDSAP384SHA384 => ecdsa(&signature::ECDSA_P384_SHA384_FIXED, 48),
        algorithm::ED25519 => {
            if dnskey_public_key.len() != 32 {
                return Err(VerifyError::BadKey);
            }
            UnparsedPublicKey::new(&signature::ED25519, dnskey_public_key)
                .verify(data, signature)
                .map_err(|_| VerifyError::BadSignature)
        }
        other => Err(VerifyError::UnsupportedAlgorithm(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4034_section_3_1_5_serial_arithmetic() {
        let (inc, exp) = (1_000, 2_000);
        assert_eq!(check_validity(inc, exp, 1_500, 0), Ok(()));
        assert_eq!(check_validity(inc, exp, 999, 0), Err(VerifyError::NotYetValid));
        assert_eq!(check_validity(inc, exp, 2_001, 0), Err(VerifyError::Expired));
        assert_eq!(check_validity(inc, exp, 2_001, 1), Ok(()));
        assert_eq!(check_validity(inc, exp, 999, 1), Ok(()));
        assert_eq!(check_validity(exp, inc, 1_500, 0), Err(VerifyError::Expired));
        // A window across the 2^32 wrap (2106-02-07): valid on both sides of it.
        let (inc, exp) = (u32::MAX - 100, 100);
        assert_eq!(check_validity(inc, exp, u32::MAX - 1, 0), Ok(()));
        assert_eq!(check_validity(inc, exp, 50, 0), Ok(()));
        assert_eq!(check_validity(inc, exp, 150, 0), Err(VerifyError::Expired));
        assert_eq!(
            check_validity(inc, exp, u32::MAX - 200, 0),
            Err(VerifyError::NotYetValid)
        );
        // Skew that wraps: inception 10 with 100 s of skew starts before the wrap.
        assert_eq!(check_validity(10, 1_000, u32::MAX - 50, 100), Ok(()));
    }

    #[test]
    fn rfc3110_key_components() {
        assert_eq!(rsa_components(&[1, 3, 0, 0xc5]), Some((&[0xc5][..], &[3][..])));
        assert_eq!(rsa_components(&[0, 0, 1, 3, 0xc5]), Some((&[0xc5][..], &[3][..])));
        assert_eq!(rsa_components(&[3, 1, 0, 1]), None);
        assert_eq!(rsa_components(&[]), None);
        assert_eq!(rsa_components(&[1, 0, 7]), None);
    }
}
