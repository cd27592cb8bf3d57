//! NSEC3 owner-name hashing (RFC 5155 §5).

use banyan_wire::text::base32hex_encode;
use banyan_wire::Name;

/// The NSEC3 hash of `name` with hash algorithm 1, SHA-1 (RFC 5155 §5). One implementation
/// serves the whole workspace: the zone's NSEC3 index (`banyan_zone::nsec3_hash`, allocation
/// free for the answering path) is the one used here. RFC 9276 §3.1 asks for 0 iterations;
/// bounding the iteration count a validator accepts is the caller's policy.
pub fn nsec3_hash(name: &Name, salt: &[u8], iterations: u16) -> [u8; 20] {
    banyan_zone::nsec3_hash(name, salt, iterations)
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
