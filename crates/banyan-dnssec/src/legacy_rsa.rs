//! RSA PKCS#1 v1.5 signature verification (RFC 8017 §8.2.2) for public keys that `ring`
//! refuses because their modulus is under 1024 bits.
//!
//! Why it exists: DNSSEC's own examples (RFC 4035 Appendix A, RFC 5155 Appendix A,
//! RFC 5702 §6.1) and old test suites sign with 512-bit RSA keys, and validators in the
//! field (BIND, Unbound) still accept them. Only the public-key operation is done here, so
//! nothing secret is handled and timing does not matter. Signing never comes here.

use ring::digest;

/// DER `DigestInfo` prefixes of RFC 8017 §9.2 note 1, each followed by the hash.
const SHA1_PREFIX: &[u8] = &[
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];
const SHA256_PREFIX: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
];
const SHA512_PREFIX: &[u8] = &[
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
];

/// The hash functions RSA DNSSEC algorithms use.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Hash {
    Sha1,
    Sha256,
    Sha512,
}

/// Verifies `signature` over `message` with the public key (`n`, `e`), both big-endian
/// without leading zeros. The signature must be exactly as long as the modulus (RFC 8017
/// §8.2.2 step 1), numerically below it, and `s^e mod n` must equal the EMSA-PKCS1-v1_5
/// encoding of the message's hash.
pub(crate) fn verify(hash: Hash, n: &[u8], e: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let k = n.len();
    if k == 0 || signature.len() != k || n[k - 1] & 1 == 0 || e.is_empty() || e.len() > 8 {
        return false;
    }
    let (alg, prefix) = match hash {
        Hash::Sha1 => (&digest::SHA1_FOR_LEGACY_USE_ONLY, SHA1_PREFIX),
        Hash::Sha256 => (&digest::SHA256, SHA256_PREFIX),
        Hash::Sha512 => (&digest::SHA512, SHA512_PREFIX),
    };
    let h = digest::digest(alg, message);
    // EM = 0x00 0x01 PS 0x00 T, with at least 8 octets of 0xff in PS (RFC 8017 §9.2).
    let t_len = prefix.len() + h.as_ref().len();
    if k < t_len + 11 {
        return false;
    }
    let mut em = vec![0xffu8; k];
    em[0] = 0;
    em[1] = 1;
    em[k - t_len - 1] = 0;
    em[k - t_len..k - h.as_ref().len()].copy_from_slice(prefix);
    em[k - h.as_ref().len()..].copy_from_slice(h.as_ref());

    let m = Modulus::new(n);
    let s = from_be(signature, m.limbs());
    if !less_than(&s, &m.n) {
        return false;
    }
    let result = m.pow(&s, e);
    to_be(&result, k) == em
}

/// Little-endian 32-bit limbs of a big-endian octet string, padded to `limbs` limbs.
fn from_be(bytes: &[u8], limbs: usize) -> Vec<u32> {
    let mut out = vec![0u32; limbs.max(bytes.len().div_ceil(4))];
    for (i, &b) in bytes.iter().rev().enumerate() {
        out[i / 4] |= u32::from(b) << (8 * (i % 4));
    }
    out
}

/// The big-endian octets of `x`, the low `len` of them.
fn to_be(x: &[u32], len: usize) -> Vec<u8> {
    (0..len)
        .rev()
        .map(|i| x.get(i / 4).map_or(0, |l| (l >> (8 * (i % 4))) as u8))
        .collect()
}

fn less_than(a: &[u32], b: &[u32]) -> bool {
    for i in (0..a.len().max(b.len())).rev() {
        let (x, y) = (a.get(i).copied().unwrap_or(0), b.get(i).copied().unwrap_or(0));
        if x != y {
            return x < y;
        }
    }
    false
}

/// `a -= b` over equal-length limbs, returning the borrow.
fn sub_in_place(a: &mut [u32], b: &[u32]) -> bool {
    let mut borrow = 0i64;
    for (x, &y) in a.iter_mut().zip(b) {
        let d = i64::from(*x) - i64::from(y) - borrow;
        *x = d as u32;
        borrow = i64::from(d < 0);
    }
    borrow != 0
}

/// An odd modulus prepared for Montgomery multiplication with R = 2^(32·limbs).
struct Modulus {
    n: Vec<u32>,
    /// −n⁻¹ mod 2^32.
    n0inv: u32,
    /// R² mod n, to move numbers into Montgomery form.
    rr: Vec<u32>,
}

impl Modulus {
    fn new(n_be: &[u8]) -> Modulus {
        let n = from_be(n_be, 0);
        // Newton iteration doubles the correct low bits each round: 1 → 32 in 5 rounds.
        let mut inv: u32 = 1;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        // R² mod n by doubling 1 a total of 2·32·limbs times, reducing as we go.
        let s = n.len();
        let mut x = vec![0u32; s];
        x[0] = 1;
        for _ in 0..2 * 32 * s {
            let carry = x[s - 1] >> 31;
            for i in (1..s).rev() {
                x[i] = x[i] << 1 | x[i - 1] >> 31;
            }
            x[0] <<= 1;
            if carry == 1 || !less_than(&x, &n) {
                sub_in_place(&mut x, &n);
            }
        }
        Modulus {
            n,
            n0inv: inv.wrapping_neg(),
            rr: x,
        }
    }

    fn limbs(&self) -> usize {
        self.n.len()
    }

    /// a·b·R⁻¹ mod n (coarsely integrated operand scanning).
    fn mul(&self, a: &[u32], b: &[u32]) -> Vec<u32> {
        let s = self.n.len();
        let mut t = vec![0u32; s + 2];
        for &bi in b.iter().take(s) {
            let mut c: u64 = 0;
            for j in 0..s {
                let v = u64::from(t[j]) + u64::from(a[j]) * u64::from(bi) + c;
                t[j] = v as u32;
                c = v >> 32;
            }
            let v = u64::from(t[s]) + c;
            t[s] = v as u32;
            t[s + 1] = (v >> 32) as u32;
            let m = t[0].wrapping_mul(self.n0inv);
            let v = u64::from(t[0]) + u64::from(m) * u64::from(self.n[0]);
            let mut c = v >> 32;
            for j in 1..s {
                let v = u64::from(t[j]) + u64::from(m) * u64::from(self.n[j]) + c;
                t[j - 1] = v as u32;
                c = v >> 32;
            }
            let v = u64::from(t[s]) + c;
            t[s - 1] = v as u32;
            t[s] = t[s + 1] + (v >> 32) as u32;
        }
        let over = t[s] != 0;
        t.truncate(s);
        if over || !less_than(&t, &self.n) {
            sub_in_place(&mut t, &self.n);
        }
        t
    }

    /// base^exp mod n, exp big-endian; base already below n.
    fn pow(&self, base: &[u32], exp: &[u8]) -> Vec<u32> {
        let s = self.n.len();
        let base_m = self.mul(base, &self.rr);
        let mut one = vec![0u32; s];
        one[0] = 1;
        let mut acc = self.mul(&one, &self.rr);
        for &byte in exp {
            for bit in (0..8).rev() {
                acc = self.mul(&acc, &acc);
                if byte >> bit & 1 == 1 {
                    acc = self.mul(&acc, &base_m);
                }
            }
        }
        self.mul(&acc, &one)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_modular_exponentiation() {
        // 4^13 mod 497 = 445 (a textbook example), with a modulus of one limb and of two.
        let m = Modulus::new(&[0x01, 0xf1]);
        assert_eq!(m.pow(&[4], &[13]), vec![445]);
        let n = (1u64 << 61) - 1; // a Mersenne prime: a^(n-1) = 1 mod n
        let m = Modulus::new(&n.to_be_bytes());
        let r = m.pow(&[12345, 0], &(n - 1).to_be_bytes());
        assert_eq!(r, vec![1, 0]);
    }
}
