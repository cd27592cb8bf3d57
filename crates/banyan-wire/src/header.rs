//! The 12-octet message header (RFC 1035 §4.1.1, with AD and CD from RFC 4035 §3.2).
//!
//! ```text
//!   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
//! |                      ID                       |
//! |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
//! |                    QDCOUNT                    |
//! |                    ANCOUNT                    |
//! |                    NSCOUNT                    |
//! |                    ARCOUNT                    |
//! ```

use crate::types::{Opcode, Rcode};

/// Length of the header in octets.
pub const HEADER_LEN: usize = 12;

/// A message header. `rcode` here is the 4-bit header RCODE; the full 12-bit value of an
/// EDNS message is on [`crate::message::Message::rcode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// Query identifier, copied into the response.
    pub id: u16,
    /// QR: this is a response.
    pub qr: bool,
    /// The kind of query.
    pub opcode: u8,
    /// AA: authoritative answer.
    pub aa: bool,
    /// TC: truncated.
    pub tc: bool,
    /// RD: recursion desired.
    pub rd: bool,
    /// RA: recursion available.
    pub ra: bool,
    /// Z: reserved, must be zero in queries (kept so it can be echoed or checked).
    pub z: bool,
    /// AD: authentic data (RFC 4035 §3.2.3, RFC 6840 §5.7).
    pub ad: bool,
    /// CD: checking disabled (RFC 4035 §3.2.2).
    pub cd: bool,
    /// The low 4 bits of the response code.
    pub rcode: u8,
    /// Number of questions.
    pub qdcount: u16,
    /// Number of answer records.
    pub ancount: u16,
    /// Number of authority records.
    pub nscount: u16,
    /// Number of additional records.
    pub arcount: u16,
}

impl Header {
    /// Reads the header from the first 12 octets; `None` when there are fewer.
    pub fn parse(buf: &[u8]) -> Option<Header> {
        let h: &[u8; HEADER_LEN] = buf.get(..HEADER_LEN)?.try_into().ok()?;
        let u16_at = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
        let (f1, f2) = (h[2], h[3]);
        Some(Header {
            id: u16_at(0),
            qr: f1 & 0x80 != 0,
            opcode: (f1 >> 3) & 0x0F,
            aa: f1 & 0x04 != 0,
            tc: f1 & 0x02 != 0,
            rd: f1 & 0x01 != 0,
            ra: f2 & 0x80 != 0,
            z: f2 & 0x40 != 0,
            ad: f2 & 0x20 != 0,
            cd: f2 & 0x10 != 0,
            rcode: f2 & 0x0F,
            qdcount: u16_at(4),
            ancount: u16_at(6),
            nscount: u16_at(8),
            arcount: u16_at(10),
        })
    }

    /// The header in wire form.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0..2].copy_from_slice(&self.id.to_be_bytes());
        h[2] = (self.qr as u8) << 7
            | (self.opcode & 0x0F) << 3
            | (self.aa as u8) << 2
            | (self.tc as u8) << 1
            | self.rd as u8;
        h[3] = (self.ra as u8) << 7
            | (self.z as u8) << 6
            | (self.ad as u8) << 5
            | (self.cd as u8) << 4
            | (self.rcode & 0x0F);
        h[4..6].copy_from_slice(&self.qdcount.to_be_bytes());
        h[6..8].copy_from_slice(&self.ancount.to_be_bytes());
        h[8..10].copy_from_slice(&self.nscount.to_be_bytes());
        h[10..12].copy_from_slice(&self.arcount.to_be_bytes());
        h
    }

    /// The opcode as a registry value.
    pub fn opcode(&self) -> Opcode {
        Opcode(self.opcode)
    }

    /// The 4-bit header RCODE as a registry value.
    pub fn rcode(&self) -> Rcode {
        Rcode(self.rcode as u16)
    }

    /// The section counts in order: question, answer, authority, additional.
    pub fn counts(&self) -> [u16; 4] {
        [self.qdcount, self.ancount, self.nscount, self.arcount]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bit_round_trips() {
        for bit in 0..16u16 {
            let mut raw = [0u8; HEADER_LEN];
            raw[2..4].copy_from_slice(&(1u16 << bit).to_be_bytes());
            let h = Header::parse(&raw).unwrap();
            assert_eq!(h.to_bytes(), raw, "flag bit {bit}");
        }
        let raw = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 3, 0, 4];
        let h = Header::parse(&raw).unwrap();
        assert_eq!((h.id, h.qr, h.rd, h.ra, h.opcode), (0x1234, true, true, true, 0));
        assert_eq!(h.counts(), [1, 2, 3, 4]);
        assert_eq!(h.to_bytes(), raw);
        assert_eq!(Header::parse(&raw[..11]), None);
    }
}
