//! Low-level wire reading and writing shared by every RDATA type and the message codec.

use crate::error::{NameError, RdataError};
use crate::name::{decompress_into, Name, MAX_NAME_LEN};

/// A bounds-checked cursor over a region (`pos..end`) of a DNS message. The whole message
/// stays visible so that compression pointers inside RDATA can be followed.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    msg: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `msg[start..end]`. `end` is clamped to the message length.
    pub fn new(msg: &'a [u8], start: usize, end: usize) -> Reader<'a> {
        let end = end.min(msg.len());
        Reader {
            msg,
            pos: start.min(end),
            end,
        }
    }

    /// A reader over a whole buffer (for RDATA held outside a message).
    pub fn over(data: &'a [u8]) -> Reader<'a> {
        Reader::new(data, 0, data.len())
    }

    /// The current position in the message.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Octets left in the region.
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// True when the region is used up.
    pub fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    /// Fails with [`RdataError::Long`] unless the region is used up.
    pub fn finish(&self) -> Result<(), RdataError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(RdataError::Long)
        }
    }

    /// Reads `n` octets.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], RdataError> {
        if self.remaining() < n {
            return Err(RdataError::Short);
        }
        let b = &self.msg[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    /// Reads a fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], RdataError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// Reads everything left in the region.
    pub fn rest(&mut self) -> &'a [u8] {
        let b = &self.msg[self.pos..self.end];
        self.pos = self.end;
        b
    }

    /// Reads one octet.
    pub fn u8(&mut self) -> Result<u8, RdataError> {
        Ok(self.bytes(1)?[0])
    }

    /// Reads a network-order 16-bit integer.
    pub fn u16(&mut self) -> Result<u16, RdataError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Reads a network-order 32-bit integer.
    pub fn u32(&mut self) -> Result<u32, RdataError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Reads a `<character-string>` (RFC 1035 §3.3): a length octet and that many octets.
    pub fn character_string(&mut self) -> Result<&'a [u8], RdataError> {
        let len = self.u8()? as usize;
        self.bytes(len)
    }

    /// Reads a domain name, following compression pointers into the rest of the message.
    /// The in-place part of the name must lie inside the region.
    pub fn name(&mut self) -> Result<Name, RdataError> {
        let mut buf = [0u8; MAX_NAME_LEN];
        // Restrict the in-place part to the region by decompressing from a view that ends
        // at `end`; pointers may still reach anywhere before the name.
        let (len, next) = decompress_into(&self.msg[..self.end], self.pos, &mut buf).map_err(|e| match e {
            NameError::Truncated => RdataError::Short,
            e => RdataError::Name(e),
        })?;
        self.pos = next;
        Name::from_wire(&buf[..len]).map_err(RdataError::Name)
    }

    /// Reads a name that must not be compressed (types newer than RFC 1035, RFC 3597 §4).
    pub fn name_uncompressed(&mut self) -> Result<Name, RdataError> {
        let region = &self.msg[self.pos..self.end];
        let mut off = 0;
        loop {
            let len = *region.get(off).ok_or(RdataError::Short)? as usize;
            if len == 0 {
                off += 1;
                break;
            }
            if len & 0xC0 != 0 {
                return Err(RdataError::Name(NameError::Compressed));
            }
            off += 1 + len;
            if off > MAX_NAME_LEN {
                return Err(RdataError::Name(NameError::NameTooLong));
            }
        }
        if off > region.len() {
            return Err(RdataError::Short);
        }
        let name = Name::from_wire(&region[..off])?;
        self.pos += off;
        Ok(name)
    }
}

/// How a name inside RDATA is written: the three cases differ in compression (RFC 3597 §4)
/// and in DNSSEC canonical form (RFC 4034 §6.2, RFC 6840 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// In an RFC 1035 type: may be compressed in messages, lowercased in canonical form.
    Compressible,
    /// Listed in RFC 4034 §6.2 but newer than RFC 1035: never compressed, lowercased in
    /// canonical form (SRV, NAPTR, KX, DNAME, RRSIG's signer, RP, AFSDB, RT, PX …).
    Canonical,
    /// Never compressed and never lowercased (NSEC next name per RFC 6840 §5.1, SVCB target).
    Plain,
}

/// Where RDATA is written: a plain buffer, a message under construction (which compresses),
/// or a canonical-form buffer for DNSSEC.
pub trait WireSink {
    /// Appends raw octets.
    fn put(&mut self, bytes: &[u8]);
    /// Appends a domain name of the given kind.
    fn put_name(&mut self, name: &Name, kind: NameKind);
    /// Octets written so far (to patch lengths).
    fn position(&self) -> usize;
    /// Overwrites two octets at `at` (an earlier position).
    fn patch_u16(&mut self, at: usize, value: u16);

    /// Appends one octet.
    fn put_u8(&mut self, v: u8) {
        self.put(&[v]);
    }
    /// Appends a network-order 16-bit integer.
    fn put_u16(&mut self, v: u16) {
        self.put(&v.to_be_bytes());
    }
    /// Appends a network-order 32-bit integer.
    fn put_u32(&mut self, v: u32) {
        self.put(&v.to_be_bytes());
    }
    /// Appends a `<character-string>`; the caller guarantees at most 255 octets.
    fn put_character_string(&mut self, s: &[u8]) {
        debug_assert!(s.len() <= 255);
        self.put_u8(s.len() as u8);
        self.put(s);
    }
}

/// Uncompressed wire form, names as given (the form RDATA is stored in).
impl WireSink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    fn put_name(&mut self, name: &Name, _kind: NameKind) {
        self.extend_from_slice(name.as_wire());
    }
    fn position(&self) -> usize {
        self.len()
    }
    fn patch_u16(&mut self, at: usize, value: u16) {
        self[at..at + 2].copy_from_slice(&value.to_be_bytes());
    }
}

/// The canonical form of RDATA for DNSSEC (RFC 4034 §6.2): uncompressed, with the names of
/// the types listed there lowercased.
pub struct CanonicalSink<'a>(pub &'a mut Vec<u8>);

impl WireSink for CanonicalSink<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
    fn put_name(&mut self, name: &Name, kind: NameKind) {
        let start = self.0.len();
        self.0.extend_from_slice(name.as_wire());
        if kind != NameKind::Plain {
            self.0[start..].make_ascii_lowercase();
        }
    }
    fn position(&self) -> usize {
        self.0.len()
    }
    fn patch_u16(&mut self, at: usize, value: u16) {
        self.0[at..at + 2].copy_from_slice(&value.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_bounds() {
        let data = [1u8, 2, 3, 4, 5];
        let mut r = Reader::new(&data, 1, 4);
        assert_eq!(r.u16().unwrap(), 0x0203);
        assert_eq!(r.u16(), Err(RdataError::Short));
        assert_eq!(r.u8().unwrap(), 4);
        assert!(r.is_empty());
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn name_must_fit_region() {
        let data = b"\x03com\x00\x01";
        let mut r = Reader::new(data, 0, 3);
        assert_eq!(r.name(), Err(RdataError::Short));
        let mut r = Reader::new(data, 0, 5);
        assert_eq!(r.name().unwrap().to_string(), "com.");
        let mut r = Reader::over(b"\xC0\x00");
        assert!(matches!(
            r.name_uncompressed(),
            Err(RdataError::Name(NameError::Compressed))
        ));
    }

    #[test]
    fn canonical_sink_lowercases_by_kind() {
        let name: Name = "WWW.Example.".parse().unwrap();
        let mut buf = Vec::new();
        CanonicalSink(&mut buf).put_name(&name, NameKind::Canonical);
        assert_eq!(buf, b"\x03www\x07example\x00");
        buf.clear();
        CanonicalSink(&mut buf).put_name(&name, NameKind::Plain);
        assert_eq!(buf, b"\x03WWW\x07Example\x00");
    }
}
