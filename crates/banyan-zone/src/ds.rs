//! The DS digest of a DNSKEY (RFC 4034 §5.1.4; SHA-256 from RFC 4509, SHA-384 from RFC 6605
//! §2). Here rather than in `banyan-dnssec` (which re-exports it) because zone checking needs
//! it too (CDS against DNSKEY, RFC 7344 §4.1) and `banyan-dnssec` builds on this crate, as
//! with [`crate::nsec3_hash`].

use banyan_wire::Name;
use ring::digest;

/// `digest(canonical owner name | DNSKEY RDATA)`, the owner lowercased, as a DS record
/// carries it. `None` for digest types other than 1 (SHA-1), 2 (SHA-256) and 4 (SHA-384).
pub fn ds_digest(owner: &Name, dnskey_rdata: &[u8], digest_type: u8) -> Option<Vec<u8>> {
    let alg = match digest_type {
        1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        2 => &digest::SHA256,
        4 => &digest::SHA384,
        _ => return None,
    };
    let mut ctx = digest::Context::new(alg);
    ctx.update(owner.to_lowercase().as_wire());
    ctx.update(dnskey_rdata);
    Some(ctx.finish().as_ref().to_vec())
}
