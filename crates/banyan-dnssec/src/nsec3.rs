//! NSEC3 owner-name hashing (RFC 5155 §5).

use banyan_wire::text::base32hex_encode;
use banyan_wire::Name;
use ring::digest::{Context, SHA1_FOR_LEGACY_USE_ONLY};

/// The NSEC3 hash of `name` with hash algorithm 1, SHA-1 (RFC 5155 §5):
/// `IH(salt, x, 0) = H(x | salt)`, `IH(salt, x, k) = H(IH(salt, x, k-1) | salt)`, with `x`
/// the name's canonical (lowercased) wire form and `iterations` extra rounds. SHA-1 is the
/// only NSEC3 hash algorithm ever assigned. RFC 9276 §3.1 asks for 0 iterations; bounding
/// the iteration count a validator accepts is the caller's policy.
pub fn nsec3_hash(name: &Name, salt: &[u8], iterations: u16) -> [u8; 20] {
    let lower = name.to_lowercase();
    let mut ctx = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(lower.as_wire());
    ctx.update(salt);
    let mut hash = [0u8; 20];
    hash.copy_from_slice(ctx.finish().as_ref());
    for _ in 0..iterations {
        let mut ctx = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
        ctx.update(&hash);
        ctx.update(salt);
        hash.copy_from_slice(ctx.finish().as_ref());
    }
    hash
}

/// The NSEC3 hash as the first label of an NSEC3 owner name: base32hex without padding, in
/// lower case (RFC 5155 §3.3, RFC 4648 §7), 32 characters.
pub fn nsec3_label(name: &Name, salt: &[u8], iterations: u16) -> String {
    base32hex_encode(&nsec3_hash(name, salt, iterations))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5155_appendix_a_example() {
        let name: Name = "EXAMPLE.".parse().unwrap();
        let salt = [0xaa, 0xbb, 0xcc, 0xdd];
        assert_eq!(nsec3_label(&name, &salt, 12), "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom");
    }
}
