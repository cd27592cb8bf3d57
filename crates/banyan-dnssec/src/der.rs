//! The little DER (ITU-T X.690) this crate needs: writing a PKCS#1 `RSAPrivateKey`
//! (RFC 8017 Appendix A.1.2) for `ring`, and reading the private key back out of the
//! PKCS#8 documents `ring` generates (RFC 5208, RFC 5915 §3, RFC 8410 §7).

/// Tags used here.
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const SEQUENCE: u8 = 0x30;

/// Appends a tag-length-value with a definite length.
pub(crate) fn write_tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
}

/// Appends a non-negative INTEGER from big-endian magnitude octets: leading zeros dropped,
/// one zero added back when the top bit is set (DER's minimal two's complement).
pub(crate) fn write_unsigned(out: &mut Vec<u8>, magnitude: &[u8]) {
    let skip = magnitude.iter().take_while(|&&b| b == 0).count();
    let m = &magnitude[skip..];
    let mut v = Vec::with_capacity(m.len() + 1);
    if m.first().is_none_or(|&b| b & 0x80 != 0) {
        v.push(0);
    }
    v.extend_from_slice(m);
    write_tlv(out, INTEGER, &v);
}

/// A cursor over DER elements.
pub(crate) struct DerReader<'a> {
    rest: &'a [u8],
}

impl<'a> DerReader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> DerReader<'a> {
        DerReader { rest: data }
    }

    /// Reads the next element, returning its tag and contents.
    pub(crate) fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.rest.split_first()?;
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n].iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b));
            rest = &rest[n..];
            len
        };
        if rest.len() < len {
            return None;
        }
        let (value, after) = rest.split_at(len);
        self.rest = after;
        Some((tag, value))
    }

    /// Reads the next element and checks its tag.
    pub(crate) fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        match self.next()? {
            (t, v) if t == tag => Some(v),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_lengths() {
        let mut out = Vec::new();
        write_unsigned(&mut out, &[0, 0, 0x80]);
        assert_eq!(out, [INTEGER, 2, 0, 0x80]);
        out.clear();
        write_unsigned(&mut out, &[]);
        assert_eq!(out, [INTEGER, 1, 0]);
        out.clear();
        write_tlv(&mut out, OCTET_STRING, &[7; 300]);
        assert_eq!(&out[..4], &[OCTET_STRING, 0x82, 1, 44]);
        let mut r = DerReader::new(&out);
        assert_eq!(r.expect(OCTET_STRING).map(<[u8]>::len), Some(300));
        assert!(r.next().is_none());
    }
}
