//! Key tags (RFC 4034 Appendix B).

/// The key tag of a DNSKEY, from its RDATA wire form (flags, protocol, algorithm, public
/// key): the 16-bit ones'-complement-like checksum of RFC 4034 Appendix B, or for algorithm
/// 1 (RSA/MD5, Appendix B.1) the most significant 16 of the least significant 24 bits of the
/// modulus, which ends the RDATA. Key tags are not unique: a validator tries every key
/// whose tag, algorithm and owner match (RFC 4035 §5.3.1).
pub fn key_tag(dnskey_rdata: &[u8]) -> u16 {
    if dnskey_rdata.get(3) == Some(&1) {
        let n = dnskey_rdata.len();
        return match n {
            // The public key must hold at least three octets for B.1 to apply.
            n if n >= 4 + 3 => u16::from_be_bytes([dnskey_rdata[n - 3], dnskey_rdata[n - 2]]),
            _ => 0,
        };
    }
    // Appendix B: even octets are the high byte, odd octets the low byte; the carry out of
    // the low 16 bits is added back once.
    let mut acc: u32 = 0;
    for pair in dnskey_rdata.chunks(2) {
        acc += u32::from(pair[0]) << 8;
        if let Some(&low) = pair.get(1) {
            acc += u32::from(low);
        }
    }
    acc += (acc >> 16) & 0xffff;
    (acc & 0xffff) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4034_appendix_b_1_rsamd5() {
        // Algorithm 1: the tag is read from the modulus' second- and third-last octets.
        let rdata = [0x01, 0x00, 3, 1, 3, 1, 0, 1, 0xab, 0xcd, 0xef];
        assert_eq!(key_tag(&rdata), 0xabcd);
    }

    #[test]
    fn odd_length_rdata() {
        // The last octet of an odd-length RDATA counts as a high byte.
        assert_eq!(key_tag(&[0x01, 0x00, 3, 8, 0x10]), 0x0100 + 0x0308 + 0x1000);
    }
}
