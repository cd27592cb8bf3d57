//! The NULL record (RFC 1035 §3.3.10): anything at all, with no presentation form of its
//! own.

use std::fmt;

use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::text::{hex_encode, Fields};
use crate::wire::{Reader, WireSink};

/// Null record (RFC 1035 §3.3.10).
///
/// Wire format: up to 65535 arbitrary octets. Presentation: only the generic form of
/// RFC 3597 §5 (`\# LEN HEX`), as BIND prints and reads it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Null(pub Vec<u8>);

impl RecordData for Null {
    fn parse(r: &mut Reader<'_>) -> Result<Null, RdataError> {
        Ok(Null(r.rest().to_vec()))
    }
    fn write<S: WireSink>(&self, s: &mut S) {
        s.put(&self.0);
    }
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\\# {}", self.0.len())?;
        if !self.0.is_empty() {
            write!(f, " {}", hex_encode(&self.0))?;
        }
        Ok(())
    }
    fn from_text(_fields: &mut Fields<'_, '_>) -> Result<Null, TextError> {
        // `RData::from_text` handles `\#` before getting here.
        Err(TextError::NeedsGeneric("NULL".to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use crate::types::RecordType;

    #[test]
    fn rfc1035_section_3_3_10_null() {
        check(RecordType::NULL, r"\# 3 abcdef", r"\# 3 ABCDEF", b"\xab\xcd\xef");
        check(RecordType::NULL, r"\# 0", r"\# 0", b"");
        refuse(RecordType::NULL, "abcdef");
        refuse(RecordType::NULL, "");
    }
}
