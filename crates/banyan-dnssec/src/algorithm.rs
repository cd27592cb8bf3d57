//! DNSSEC algorithm numbers (IANA "DNS Security Algorithm Numbers") and what this crate can
//! do with each.
//!
//! RFC 8624 §3.1 lists what validators and signers should implement. `ring` provides all
//! of them except Ed448 (16), so Ed448 is treated as unsupported: a validator then treats
//! the zone as insecure, never as bogus (RFC 4035 §5.2).

/// RSA/SHA-1 (RFC 3110).
pub const RSASHA1: u8 = 5;
/// RSA/SHA-1 for NSEC3 zones (RFC 5155 §2).
pub const RSASHA1_NSEC3_SHA1: u8 = 7;
/// RSA/SHA-256 (RFC 5702).
pub const RSASHA256: u8 = 8;
/// RSA/SHA-512 (RFC 5702).
pub const RSASHA512: u8 = 10;
/// ECDSA P-256 with SHA-256 (RFC 6605).
pub const ECDSAP256SHA256: u8 = 13;
/// ECDSA P-384 with SHA-384 (RFC 6605).
pub const ECDSAP384SHA384: u8 = 14;
/// Ed25519 (RFC 8080).
pub const ED25519: u8 = 15;
/// Ed448 (RFC 8080); not supported.
pub const ED448: u8 = 16;

/// True when signatures of this algorithm can be verified: 5, 7, 8, 10, 13, 14 and 15
/// (RFC 8624 §3.1 "MUST" and "RECOMMENDED" validation algorithms, less Ed448).
pub fn is_supported(alg: u8) -> bool {
    matches!(
        alg,
        RSASHA1 | RSASHA1_NSEC3_SHA1 | RSASHA256 | RSASHA512 | ECDSAP256SHA256 | ECDSAP384SHA384 | ED25519
    )
}

/// True when this crate can sign with the algorithm: 8, 10, 13, 14 and 15 (RFC 8624 §3.1
/// signing algorithms that are not "NOT RECOMMENDED"). RSA (8, 10) needs an imported key of
/// at least 2048 bits, because `ring` neither generates RSA keys nor signs with shorter ones.
pub fn can_sign(alg: u8) -> bool {
    matches!(alg, RSASHA256 | RSASHA512 | ECDSAP256SHA256 | ECDSAP384SHA384 | ED25519)
}

/// The algorithm's mnemonic as BIND prints it in the `Algorithm:` line of a `.private` file
/// (for example `Algorithm: 13 (ECDSAP256SHA256)`); `"UNKNOWN"` for unassigned numbers.
/// BIND's spellings differ from the IANA mnemonics for 6, 7 and 12.
pub fn mnemonic(alg: u8) -> &'static str {
    match alg {
        1 => "RSAMD5",
        2 => "DH",
        3 => "DSA",
        5 => "RSASHA1",
        6 => "NSEC3DSA",
        7 => "NSEC3RSASHA1",
        8 => "RSASHA256",
        10 => "RSASHA512",
        12 => "ECCGOST",
        13 => "ECDSAP256SHA256",
        14 => "ECDSAP384SHA384",
        15 => "ED25519",
        16 => "ED448",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8624_section_3_1_support() {
        let supported: Vec<u8> = (0..=255).filter(|&a| is_supported(a)).collect();
        assert_eq!(supported, [5, 7, 8, 10, 13, 14, 15]);
        let signing: Vec<u8> = (0..=255).filter(|&a| can_sign(a)).collect();
        assert_eq!(signing, [8, 10, 13, 14, 15]);
        assert!(!is_supported(ED448) && !is_supported(12) && !is_supported(1));
    }

    #[test]
    fn bind_mnemonics() {
        assert_eq!(mnemonic(8), "RSASHA256");
        assert_eq!(mnemonic(7), "NSEC3RSASHA1");
        assert_eq!(mnemonic(13), "ECDSAP256SHA256");
        assert_eq!(mnemonic(15), "ED25519");
        assert_eq!(mnemonic(200), "UNKNOWN");
    }
}
