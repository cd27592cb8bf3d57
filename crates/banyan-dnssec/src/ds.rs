//! DS digests (RFC 4034 §5.1.4; SHA-256 from RFC 4509, SHA-384 from RFC 6605 §2).

use banyan_wire::Name;
use ring::digest;

use crate::keytag::key_tag;

/// A DS digest type (IANA "Delegation Signer (DS) Resource Record (RR) Type Digest
/// Algorithms"). A newtype so that unassigned values stay representable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DigestType(pub u8);

impl DigestType {
    /// SHA-1 (RFC 4034 §5.1.4); RFC 8624 §3.3: verify, do not publish.
    pub const SHA1: DigestType = DigestType(1);
    /// SHA-256 (RFC 4509 §2).
    pub const SHA256: DigestType = DigestType(2);
    /// GOST R 34.11-94 (RFC 5933); not supported.
    pub const GOST: DigestType = DigestType(3);
    /// SHA-384 (RFC 6605 §2).
    pub const SHA384: DigestType = DigestType(4);

    /// True for the digest types this crate computes: SHA-1, SHA-256 and SHA-384.
    pub fn is_supported(self) -> bool {
        self.algorithm().is_some()
    }

    /// The digest's length in octets, for the supported types.
    pub fn digest_len(self) -> Option<usize> {
        self.algorithm().map(|a| a.output_len())
    }

    fn algorithm(self) -> Option<&'static digest::Algorithm> {
        match self {
            DigestType::SHA1 => Some(&digest::SHA1_FOR_LEGACY_USE_ONLY),
            DigestType::SHA256 => Some(&digest::SHA256),
            DigestType::SHA384 => Some(&digest::SHA384),
            _ => None,
        }
    }
}

/// The digest of a DNSKEY as a DS record carries it (RFC 4034 §5.1.4):
/// `digest(canonical owner name | DNSKEY RDATA)`, the owner lowercased. `None` for digest
/// types other than 1 (SHA-1), 2 (SHA-256) and 4 (SHA-384). Computed in `banyan-zone`,
/// whose CDS check needs it too.
pub use banyan_zone::ds_digest;

/// The DS RDATA for a DNSKEY (RFC 4034 §5.1): key tag, algorithm, digest type, digest.
/// `None` for unsupported digest types and for DNSKEY RDATA shorter than its fixed fields.
pub fn ds_rdata(owner: &Name, dnskey_rdata: &[u8], digest_type: u8) -> Option<Vec<u8>> {
    let algorithm = *dnskey_rdata.get(3)?;
    let digest = ds_digest(owner, dnskey_rdata, digest_type)?;
    let mut out = Vec::with_capacity(4 + digest.len());
    out.extend_from_slice(&key_tag(dnskey_rdata).to_be_bytes());
    out.push(algorithm);
    out.push(digest_type);
    out.extend_from_slice(&digest);
    Some(out)
}

/// True when the DS RDATA `ds` refers to the DNSKEY `dnskey_rdata` at `owner`: same key
/// tag and algorithm, and a matching digest of a supported type (RFC 4035 §5.2). A DS of
/// an unsupported digest type never matches; the caller decides whether that makes the
/// delegation insecure (RFC 4035 §5.2, RFC 6840 §5.2).
pub fn ds_matches(ds: &[u8], owner: &Name, dnskey_rdata: &[u8]) -> bool {
    if ds.len() < 4 || dnskey_rdata.len() < 4 {
        return false;
    }
    let tag = u16::from_be_bytes([ds[0], ds[1]]);
    if tag != key_tag(dnskey_rdata) || ds[2] != dnskey_rdata[3] {
        return false;
    }
    match ds_digest(owner, dnskey_rdata, ds[3]) {
        Some(d) => d == ds[4..],
        None => false,
    }
}
