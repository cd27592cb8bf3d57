//! SHA-224 (FIPS 180-4 §6.3) and HMAC-SHA-224 (RFC 2104) for TSIG's `hmac-sha224.`
//! (RFC 8945 §6), the one TSIG algorithm ring does not provide. SHA-224 is SHA-256 with
//! other initial values and a shorter output; the computation has no data-dependent
//! branches or table look-ups. Checked against the FIPS 180-4 examples, RFC 4231's HMAC
//! vectors and BIND's `hmac-sha224` signatures (tests/tsig.rs).

/// Output length in octets.
pub(super) const OUTPUT_LEN: usize = 28;
const BLOCK_LEN: usize = 64;

/// FIPS 180-4 §5.3.2.
const INITIAL: [u32; 8] = [
    0xc105_9ed8,
    0x367c_d507,
    0x3070_dd17,
    0xf70e_5939,
    0xffc0_0b31,
    0x6858_1511,
    0x64f9_8fa7,
    0xbefa_4fa4,
];

/// FIPS 180-4 §4.2.2.
const K: [u32; 64] = [
    0x428a_2f98,
    0x7137_4491,
    0xb5c0_fbcf,
    0xe9b5_dba5,
    0x3956_c25b,
    0x59f1_11f1,
    0x923f_82a4,
    0xab1c_5ed5,
    0xd807_aa98,
    0x1283_5b01,
    0x2431_85be,
    0x550c_7dc3,
    0x72be_5d74,
    0x80de_b1fe,
    0x9bdc_06a7,
    0xc19b_f174,
    0xe49b_69c1,
    0xefbe_4786,
    0x0fc1_9dc6,
    0x240c_a1cc,
    0x2de9_2c6f,
    0x4a74_84aa,
    0x5cb0_a9dc,
    0x76f9_88da,
    0x983e_5152,
    0xa831_c66d,
    0xb003_27c8,
    0xbf59_7fc7,
    0xc6e0_0bf3,
    0xd5a7_9147,
    0x06ca_6351,
    0x1429_2967,
    0x27b7_0a85,
    0x2e1b_2138,
    0x4d2c_6dfc,
    0x5338_0d13,
    0x650a_7354,
    0x766a_0abb,
    0x81c2_c92e,
    0x9272_2c85,
    0xa2bf_e8a1,
    0xa81a_664b,
    0xc24b_8b70,
    0xc76c_51a3,
    0xd192_e819,
    0xd699_0624,
    0xf40e_3585,
    0x106a_a070,
    0x19a4_c116,
    0x1e37_6c08,
    0x2748_774c,
    0x34b0_bcb5,
    0x391c_0cb3,
    0x4ed8_aa4a,
    0x5b9c_ca4f,
    0x682e_6ff3,
    0x748f_82ee,
    0x78a5_636f,
    0x84c8_7814,
    0x8cc7_0208,
    0x90be_fffa,
    0xa450_6ceb,
    0xbef9_a3f7,
    0xc671_78f2,
];

/// A SHA-224 computation in progress.
#[derive(Clone)]
pub(super) struct Sha224 {
    state: [u32; 8],
    block: [u8; BLOCK_LEN],
    filled: usize,
    total: u64,
}

impl Sha224 {
    pub(super) fn new() -> Sha224 {
        Sha224 {
            state: INITIAL,
            block: [0; BLOCK_LEN],
            filled: 0,
            total: 0,
        }
    }

    pub(super) fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.filled > 0 {
            let take = (BLOCK_LEN - self.filled).min(data.len());
            self.block[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
            if self.filled < BLOCK_LEN {
                return;
            }
            let block = self.block;
            compress(&mut self.state, &block);
            self.filled = 0;
        }
        let mut blocks = data.chunks_exact(BLOCK_LEN);
        for block in &mut blocks {
            compress(&mut self.state, block);
        }
        let rest = blocks.remainder();
        self.block[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    pub(super) fn finish(mut self) -> [u8; OUTPUT_LEN] {
        // FIPS 180-4 §5.1.1: a one bit, zeros, and the length in bits as 64 bits.
        let bits = self.total.wrapping_mul(8);
        self.update(&[0x80]);
        while self.filled != BLOCK_LEN - 8 {
            self.update(&[0]);
        }
        self.update(&bits.to_be_bytes());
        let mut out = [0u8; OUTPUT_LEN];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

/// The SHA-256 compression function (FIPS 180-4 §6.2.2) on one 64-octet block.
fn compress(state: &mut [u32; 8], block: &[u8]) {
    let mut w = [0u32; 64];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    for t in 16..64 {
        let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
        let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16].wrapping_add(s0).wrapping_add(w[t - 7]).wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for t in 0..64 {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(K[t])
            .wrapping_add(w[t]);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

/// An HMAC-SHA-224 computation in progress (RFC 2104 §2).
#[derive(Clone)]
pub(super) struct HmacSha224 {
    inner: Sha224,
    outer: Sha224,
}

impl HmacSha224 {
    pub(super) fn new(key: &[u8]) -> HmacSha224 {
        let mut padded = [0u8; BLOCK_LEN];
        if key.len() > BLOCK_LEN {
            let mut h = Sha224::new();
            h.update(key);
            padded[..OUTPUT_LEN].copy_from_slice(&h.finish());
        } else {
            padded[..key.len()].copy_from_slice(key);
        }
        let mut inner = Sha224::new();
        let mut outer = Sha224::new();
        inner.update(&padded.map(|b| b ^ 0x36));
        outer.update(&padded.map(|b| b ^ 0x5c));
        HmacSha224 { inner, outer }
    }

    pub(super) fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    pub(super) fn finish(self) -> [u8; OUTPUT_LEN] {
        let mut outer = self.outer;
        outer.update(&self.inner.finish());
        outer.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::hex_decode;

    fn sha224(data: &[u8]) -> Vec<u8> {
        let mut h = Sha224::new();
        h.update(data);
        h.finish().to_vec()
    }

    fn unhex(s: &str) -> Vec<u8> {
        hex_decode(s).expect("hex")
    }

    #[test]
    fn fips_180_4_examples() {
        assert_eq!(
            sha224(b"abc"),
            unhex("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")
        );
        assert_eq!(
            sha224(b""),
            unhex("d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f")
        );
        assert_eq!(
            sha224(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            unhex("75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525")
        );
        // One million 'a', fed in pieces that straddle block boundaries.
        let mut h = Sha224::new();
        let piece = [b'a'; 1000];
        for i in 0..1000 {
            let cut = i % 97;
            h.update(&piece[..cut]);
            h.update(&piece[cut..]);
        }
        assert_eq!(
            h.finish().to_vec(),
            unhex("20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67")
        );
    }

    #[test]
    fn rfc4231_section_4_hmac_sha224() {
        let cases: [(Vec<u8>, &[u8], &str); 4] = [
            (
                vec![0x0b; 20],
                b"Hi There",
                "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?",
                "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
            ),
            (
                vec![0xaa; 20],
                &[0xdd; 50],
                "7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea",
            ),
            (
                vec![0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
            ),
        ];
        for (key, data, mac) in cases {
            let mut h = HmacSha224::new(&key);
            h.update(data);
            assert_eq!(h.finish().to_vec(), unhex(mac));
        }
    }
}
