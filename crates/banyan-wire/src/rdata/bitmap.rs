//! The type bitmap of NSEC (RFC 4034 §4.1.2), shared by NSEC3 (RFC 5155 §3.2.1) and CSYNC
//! (RFC 7477 §2.1.2).

use std::fmt;

use crate::error::{RdataError, TextError};
use crate::text::Fields;
use crate::types::RecordType;
use crate::wire::{Reader, WireSink};

/// A set of record types, as the type bitmap of NSEC, NSEC3 and CSYNC carries it
/// (RFC 4034 §4.1.2).
///
/// Wire format: a sequence of windows, each a window number (the type's high octet), a
/// bitmap length of 1 to 32 octets, and the bitmap, in which bit N (counting from the most
/// significant bit of the first octet) stands for type `window * 256 + N`. Windows appear in
/// increasing order, empty windows are left out and trailing zero octets are omitted; a
/// bitmap breaking any of these rules is refused, as BIND refuses it, so that every set has
/// exactly one wire form. Presentation format: the type mnemonics separated by spaces.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct TypeBitmap {
    // Sorted and free of duplicates, so equal sets compare equal.
    types: Vec<RecordType>,
}

impl TypeBitmap {
    /// The empty set (an empty non-terminal's NSEC3 has it, RFC 5155 §7.1).
    pub fn new() -> TypeBitmap {
        TypeBitmap::default()
    }

    /// A set holding `types` (in any order, duplicates ignored).
    pub fn from_types<I: IntoIterator<Item = RecordType>>(types: I) -> TypeBitmap {
        let mut types: Vec<RecordType> = types.into_iter().collect();
        types.sort_unstable();
        types.dedup();
        TypeBitmap { types }
    }

    /// Adds a type.
    pub fn insert(&mut self, rtype: RecordType) {
        if let Err(at) = self.types.binary_search(&rtype) {
            self.types.insert(at, rtype);
        }
    }

    /// True when `rtype` is in the set.
    pub fn contains(&self, rtype: RecordType) -> bool {
        self.types.binary_search(&rtype).is_ok()
    }

    /// The types, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = RecordType> + '_ {
        self.types.iter().copied()
    }

    /// True when no type is present.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// Reads the windows up to the end of the reader's region.
    pub fn parse(r: &mut Reader<'_>) -> Result<TypeBitmap, RdataError> {
        let mut types = Vec::new();
        let mut last_window: Option<u8> = None;
        while !r.is_empty() {
            let window = r.u8()?;
            let len = r.u8()? as usize;
            if last_window.is_some_and(|w| window <= w) || len == 0 || len > 32 {
                return Err(RdataError::Invalid);
            }
            last_window = Some(window);
            let bits = r.bytes(len)?;
            if bits[len - 1] == 0 {
                return Err(RdataError::Invalid);
            }
            for (i, &octet) in bits.iter().enumerate() {
                for bit in 0..8 {
                    if octet & (0x80 >> bit) != 0 {
                        types.push(RecordType((window as u16) << 8 | (i * 8 + bit) as u16));
                    }
                }
            }
        }
        Ok(TypeBitmap { types })
    }

    /// Writes the windows.
    pub fn write<S: WireSink>(&self, s: &mut S) {
        let mut i = 0;
        while i < self.types.len() {
            let window = (self.types[i].0 >> 8) as u8;
            let mut bits = [0u8; 32];
            let mut len = 0;
            while i < self.types.len() && (self.types[i].0 >> 8) as u8 == window {
                let low = (self.types[i].0 & 0xff) as usize;
                bits[low / 8] |= 0x80 >> (low % 8);
                len = low / 8 + 1;
                i += 1;
            }
            s.put_u8(window);
            s.put_u8(len as u8);
            s.put(&bits[..len]);
        }
    }

    /// Reads type mnemonics (or `TYPEnnn`) from all remaining fields; none is an empty set.
    pub fn from_text(fields: &mut Fields<'_, '_>) -> Result<TypeBitmap, TextError> {
        let mut set = TypeBitmap::new();
        for t in fields.rest() {
            let rtype = RecordType::from_mnemonic(t.text).ok_or_else(|| TextError::bad("record type", t.text))?;
            set.insert(rtype);
        }
        Ok(set)
    }
}

impl fmt::Display for TypeBitmap {
    /// The mnemonics separated by spaces (nothing for an empty set).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.types.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{t}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(set: &TypeBitmap) -> Vec<u8> {
        let mut v = Vec::new();
        set.write(&mut v);
        v
    }

    #[test]
    fn rfc4034_section_4_3_bitmap() {
        let set = TypeBitmap::from_types([
            RecordType::A,
            RecordType::MX,
            RecordType::RRSIG,
            RecordType::NSEC,
            RecordType(1234),
        ]);
        let w = wire(&set);
        let mut expect = vec![0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b];
        expect.extend_from_slice(&[0; 26]);
        expect.push(0x20);
        assert_eq!(w, expect);
        assert_eq!(TypeBitmap::parse(&mut Reader::over(&w)).unwrap(), set);
        assert_eq!(set.to_string(), "A MX RRSIG NSEC TYPE1234");
        assert!(set.contains(RecordType::MX) && !set.contains(RecordType::NS));
    }

    #[test]
    fn malformed_windows_refused() {
        for bad in [
            &[0x00, 0x00][..],                     // empty window
            &[0x00, 0x01, 0x00],                   // trailing zero octet
            &[0x01, 0x01, 0x40, 0x00, 0x01, 0x40], // windows out of order
            &[0x00, 0x01, 0x40, 0x00, 0x01, 0x40], // window repeated
            &[0x00, 0x21],                         // longer than 32 octets
            &[0x00, 0x02, 0x40],                   // runs past the end
            &[0x00],                               // no length
        ] {
            assert!(TypeBitmap::parse(&mut Reader::over(bad)).is_err(), "{bad:?}");
        }
        assert!(TypeBitmap::parse(&mut Reader::over(&[])).unwrap().is_empty());
    }
}
