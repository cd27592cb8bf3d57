//! Reading messages without copying them (RFC 1035 §4.1).
//!
//! [`Message::parse`] checks the whole message once — every name, every record's bounds,
//! the names inside the RDATA of the RFC 1035 types, OPT and TSIG placement — and records
//! where each section starts. After that, iterating over questions and records only reads
//! offsets: nothing is copied and nothing is allocated until the caller asks for an owned
//! [`Name`] or typed [`RData`].

use std::fmt;

use crate::edns::{Edns, OptionIter};
use crate::error::{NameError, ParseError, RdataError, Section};
use crate::header::{Header, HEADER_LEN};
use crate::name::{decompress_into, fmt_label, Name, MAX_NAME_LEN};
use crate::rdata::RData;
use crate::record::{Question, Record};
use crate::types::{Class, Rcode, RecordType};

/// A checked, borrowed view of a DNS message.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    buf: &'a [u8],
    header: Header,
    /// Offsets where the question, answer, authority and additional sections start, and the
    /// end of the last record.
    starts: [usize; 5],
    /// Offset of the OPT record's owner, if there is one.
    opt: Option<usize>,
    /// Offset of the TSIG record's owner, if there is one.
    tsig: Option<usize>,
}

const SECTIONS: [Section; 4] = [
    Section::Question,
    Section::Answer,
    Section::Authority,
    Section::Additional,
];

impl<'a> Message<'a> {
    /// Checks `buf` as a DNS message. Fails on a short header, malformed names (forward or
    /// looping compression pointers, too many hops, labels over 63 or names over 255
    /// octets), records that overrun the message or their RDLENGTH, counts larger than the
    /// message holds, trailing octets, a misplaced or repeated OPT, and a TSIG that is not
    /// last.
    pub fn parse(buf: &'a [u8]) -> Result<Message<'a>, ParseError> {
        let header = Header::parse(buf).ok_or(ParseError::ShortHeader)?;
        let counts = header.counts();
        let mut starts = [HEADER_LEN; 5];
        let mut pos = HEADER_LEN;
        let mut opt = None;
        let mut tsig = None;
        let mut scratch = [0u8; MAX_NAME_LEN];
        for (s, &section) in SECTIONS.iter().enumerate() {
            starts[s] = pos;
            for i in 0..counts[s] {
                if tsig.is_some() {
                    return Err(ParseError::BadTsig);
                }
                let owner = pos;
                let (_, after) = decompress_into(buf, pos, &mut scratch).map_err(|error| match error {
                    NameError::Truncated => ParseError::Truncated { section, offset: pos },
                    error => ParseError::Name {
                        section,
                        offset: pos,
                        error,
                    },
                })?;
                pos = after;
                if section == Section::Question {
                    if buf.len() < pos + 4 {
                        return Err(ParseError::Truncated { section, offset: pos });
                    }
                    pos += 4;
                    continue;
                }
                let fixed = buf
                    .get(pos..pos + 10)
                    .ok_or(ParseError::Truncated { section, offset: pos })?;
                let rtype = RecordType(u16::from_be_bytes([fixed[0], fixed[1]]));
                let rdlen = u16::from_be_bytes([fixed[8], fixed[9]]) as usize;
                let rdata_start = pos + 10;
                let rdata_end = rdata_start + rdlen;
                if rdata_end > buf.len() {
                    return Err(ParseError::Truncated {
                        section,
                        offset: rdata_start,
                    });
                }
                let class = Class(u16::from_be_bytes([fixed[2], fixed[3]]));
                // RFC 2136 §2.4, §2.5: empty RDATA in class ANY or NONE means "no data"
                // (an UPDATE prerequisite or deletion), not a truncated record of the type.
                let no_data = rdlen == 0 && matches!(class, Class::ANY | Class::NONE);
                if !no_data {
                    check_rdata_names(buf, rtype, rdata_start, rdata_end).map_err(|error| ParseError::Rdata {
                        offset: rdata_start,
                        error,
                    })?;
                }
                match rtype {
                    RecordType::OPT => {
                        if section != Section::Additional || opt.is_some() || buf[owner] != 0 {
                            return Err(ParseError::BadOpt);
                        }
                        opt = Some(owner);
                    }
                    RecordType::TSIG => {
                        if section != Section::Additional || i + 1 != counts[s] {
                            return Err(ParseError::BadTsig);
                        }
                        tsig = Some(owner);
                    }
                    _ => {}
                }
                pos = rdata_end;
            }
        }
        starts[4] = pos;
        if pos != buf.len() {
            return Err(ParseError::TrailingData(buf.len() - pos));
        }
        Ok(Message {
            buf,
            header,
            starts,
            opt,
            tsig,
        })
    }

    /// The octets of the message.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The message ID.
    pub fn id(&self) -> u16 {
        self.header.id
    }

    /// The full response code: the header's 4 bits plus, with EDNS, the OPT record's upper 8
    /// bits (RFC 6891 §6.1.3).
    pub fn rcode(&self) -> Rcode {
        let upper = self.opt_record().map_or(0, |r| (r.ttl >> 24) as u16);
        Rcode(upper << 4 | self.header.rcode as u16)
    }

    /// The questions.
    pub fn questions(&self) -> QuestionIter<'a> {
        QuestionIter {
            buf: self.buf,
            pos: self.starts[0],
            left: self.header.qdcount,
        }
    }

    /// The first question, if any (a query has exactly one).
    pub fn question(&self) -> Option<QuestionView<'a>> {
        self.questions().next()
    }

    /// Records of the answer section.
    pub fn answers(&self) -> RecordIter<'a> {
        self.section(1)
    }

    /// Records of the authority section.
    pub fn authority(&self) -> RecordIter<'a> {
        self.section(2)
    }

    /// Records of the additional section, OPT and TSIG included.
    pub fn additional(&self) -> RecordIter<'a> {
        self.section(3)
    }

    fn section(&self, s: usize) -> RecordIter<'a> {
        RecordIter {
            buf: self.buf,
            pos: self.starts[s],
            left: self.header.counts()[s],
        }
    }

    /// The OPT pseudo-record, if the message has one.
    pub fn opt_record(&self) -> Option<RecordView<'a>> {
        self.opt.map(|at| read_record(self.buf, at).0)
    }

    /// The EDNS data with typed options: `None` without OPT, an error when an option is
    /// malformed (which a server answers with FORMERR).
    pub fn edns(&self) -> Option<Result<Edns, RdataError>> {
        self.opt_record()
            .map(|r| Edns::from_opt(r.class.0, r.ttl, r.rdata_bytes()))
    }

    /// The raw EDNS options, without allocating.
    pub fn edns_options(&self) -> Option<OptionIter<'a>> {
        self.opt_record().map(|r| OptionIter::new(r.rdata_bytes()))
    }

    /// The TSIG record (always the last one), if present.
    pub fn tsig_record(&self) -> Option<RecordView<'a>> {
        self.tsig.map(|at| read_record(self.buf, at).0)
    }

    /// Offset where the TSIG record starts (what the MAC covers ends there, RFC 8945 §4.3.1).
    pub fn tsig_offset(&self) -> Option<usize> {
        self.tsig
    }
}

/// Checks the names inside the RDATA of types whose RDATA is names at fixed places (the
/// RFC 1035 types and their kin), so that a compression bomb inside RDATA is caught at
/// parse time, and that those names exactly fill RDLENGTH.
fn check_rdata_names(buf: &[u8], rtype: RecordType, start: usize, end: usize) -> Result<(), RdataError> {
    // (octets before the first name, names, fixed octets after the names)
    let (prefix, names, suffix) = match rtype {
        RecordType::NS
        | RecordType::CNAME
        | RecordType::PTR
        | RecordType::MD
        | RecordType::MF
        | RecordType::MB
        | RecordType::MG
        | RecordType::MR
        | RecordType::DNAME => (0, 1, 0),
        RecordType::MX | RecordType::AFSDB | RecordType::RT | RecordType::KX => (2, 1, 0),
        RecordType::SOA => (0, 2, 20),
        RecordType::MINFO | RecordType::RP => (0, 2, 0),
        _ => return Ok(()),
    };
    let mut pos = start + prefix;
    if pos > end {
        return Err(RdataError::Short);
    }
    let mut scratch = [0u8; MAX_NAME_LEN];
    for _ in 0..names {
        let (_, after) = decompress_into(&buf[..end], pos, &mut scratch).map_err(|e| match e {
            NameError::Truncated => RdataError::Short,
            e => RdataError::Name(e),
        })?;
        pos = after;
    }
    match (pos + suffix).cmp(&end) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(RdataError::Long),
        std::cmp::Ordering::Greater => Err(RdataError::Short),
    }
}

/// A name inside a message, read in place: compression pointers are followed on demand.
/// Only created for names [`Message::parse`] has checked.
#[derive(Clone, Copy)]
pub struct NameRef<'a> {
    buf: &'a [u8],
    offset: usize,
}

impl<'a> NameRef<'a> {
    /// The labels, most specific first, following compression pointers.
    pub fn labels(&self) -> NameRefLabels<'a> {
        NameRefLabels {
            buf: self.buf,
            pos: self.offset,
            hops: 0,
        }
    }

    /// Offset of the name in the message.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Copies the name out (the one place a `NameRef` allocates).
    pub fn to_name(&self) -> Name {
        let mut out = [0u8; MAX_NAME_LEN];
        match decompress_into(self.buf, self.offset, &mut out) {
            Ok((len, _)) => Name::from_wire(&out[..len]).unwrap_or_else(|_| Name::root()),
            // Unreachable for names checked by `Message::parse`.
            Err(_) => Name::root(),
        }
    }

    /// Case-insensitive comparison with an owned name, without allocating.
    pub fn eq_name(&self, name: &Name) -> bool {
        let mut theirs = name.labels();
        for label in self.labels() {
            match theirs.next() {
                Some(other) if other.eq_ignore_ascii_case(label) => {}
                _ => return false,
            }
        }
        theirs.next().is_none()
    }

    /// Uncompressed wire form written into `out`; returns its length.
    pub fn write_uncompressed(&self, out: &mut [u8; MAX_NAME_LEN]) -> usize {
        decompress_into(self.buf, self.offset, out).map_or(0, |(len, _)| len)
    }
}

impl fmt::Display for NameRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut any = false;
        for label in self.labels() {
            fmt_label(label, f)?;
            f.write_str(".")?;
            any = true;
        }
        if !any {
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NameRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NameRef({self})")
    }
}

/// Labels of a [`NameRef`].
pub struct NameRefLabels<'a> {
    buf: &'a [u8],
    pos: usize,
    hops: usize,
}

impl<'a> Iterator for NameRefLabels<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            let len = *self.buf.get(self.pos)? as usize;
            if len & 0xC0 == 0xC0 {
                // Bounded again here so that a NameRef can never spin, whatever its buffer.
                self.hops += 1;
                if self.hops > crate::name::MAX_POINTER_HOPS {
                    return None;
                }
                let lo = *self.buf.get(self.pos + 1)? as usize;
                self.pos = (len & 0x3F) << 8 | lo;
                continue;
            }
            if len == 0 || len > 63 {
                return None;
            }
            let label = self.buf.get(self.pos + 1..self.pos + 1 + len)?;
            self.pos += 1 + len;
            return Some(label);
        }
    }
}

/// A question read in place.
#[derive(Clone, Copy, Debug)]
pub struct QuestionView<'a> {
    /// QNAME.
    pub qname: NameRef<'a>,
    /// QTYPE.
    pub qtype: RecordType,
    /// QCLASS.
    pub qclass: Class,
}

impl QuestionView<'_> {
    /// An owned copy.
    pub fn to_question(&self) -> Question {
        Question {
            qname: self.qname.to_name(),
            qtype: self.qtype,
            qclass: self.qclass,
        }
    }
}

/// Iterator over the questions of a checked message.
pub struct QuestionIter<'a> {
    buf: &'a [u8],
    pos: usize,
    left: u16,
}

impl<'a> Iterator for QuestionIter<'a> {
    type Item = QuestionView<'a>;
    fn next(&mut self) -> Option<QuestionView<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let qname = NameRef {
            buf: self.buf,
            offset: self.pos,
        };
        let end = skip_name(self.buf, self.pos);
        let f = self.buf.get(end..end + 4)?;
        self.pos = end + 4;
        Some(QuestionView {
            qname,
            qtype: RecordType(u16::from_be_bytes([f[0], f[1]])),
            qclass: Class(u16::from_be_bytes([f[2], f[3]])),
        })
    }
}

/// A resource record read in place.
#[derive(Clone, Copy, Debug)]
pub struct RecordView<'a> {
    /// The owner name.
    pub name: NameRef<'a>,
    /// TYPE.
    pub rtype: RecordType,
    /// CLASS (for OPT, the UDP payload size).
    pub class: Class,
    /// TTL (for OPT, extended RCODE, version and flags).
    pub ttl: u32,
    buf: &'a [u8],
    rdata_start: usize,
    rdata_len: usize,
}

impl<'a> RecordView<'a> {
    /// The RDATA octets as they are in the message (names possibly compressed).
    pub fn rdata_bytes(&self) -> &'a [u8] {
        &self.buf[self.rdata_start..self.rdata_start + self.rdata_len]
    }

    /// Offset of the RDATA in the message.
    pub fn rdata_offset(&self) -> usize {
        self.rdata_start
    }

    /// The typed RDATA (allocates). Empty RDATA in class ANY or NONE is the "no data"
    /// of UPDATE's prerequisites and deletions (RFC 2136 §2.4, §2.5), not malformed data of
    /// the type, and comes back as empty [`RData::Unknown`].
    pub fn rdata(&self) -> Result<RData, ParseError> {
        if self.rdata_len == 0 && matches!(self.class, Class::ANY | Class::NONE) {
            return Ok(RData::Unknown {
                rtype: self.rtype,
                data: Vec::new(),
            });
        }
        RData::parse(self.rtype, self.buf, self.rdata_start, self.rdata_len).map_err(|error| ParseError::Rdata {
            offset: self.rdata_start,
            error,
        })
    }

    /// An owned copy of the record.
    pub fn to_record(&self) -> Result<Record, ParseError> {
        Ok(Record {
            name: self.name.to_name(),
            class: self.class,
            ttl: self.ttl,
            data: self.rdata()?,
        })
    }
}

/// Iterator over the records of one section of a checked message.
pub struct RecordIter<'a> {
    buf: &'a [u8],
    pos: usize,
    left: u16,
}

impl<'a> Iterator for RecordIter<'a> {
    type Item = RecordView<'a>;
    fn next(&mut self) -> Option<RecordView<'a>> {
        if self.left == 0 || self.pos >= self.buf.len() {
            return None;
        }
        self.left -= 1;
        let (view, next) = read_record(self.buf, self.pos);
        self.pos = next;
        Some(view)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left as usize))
    }
}

/// Offset just past the in-place encoding of the (checked) name at `pos`.
fn skip_name(buf: &[u8], mut pos: usize) -> usize {
    while let Some(&len) = buf.get(pos) {
        if len & 0xC0 == 0xC0 {
            return pos + 2;
        }
        if len == 0 {
            return pos + 1;
        }
        pos += 1 + len as usize;
    }
    pos
}

/// Reads the checked record at `pos`; returns it and the offset after it. Only called on
/// offsets `Message::parse` walked, so the field reads are in bounds; they fall back to
/// empty values rather than panic all the same.
fn read_record(buf: &[u8], pos: usize) -> (RecordView<'_>, usize) {
    let name = NameRef { buf, offset: pos };
    let at = skip_name(buf, pos);
    let f = buf.get(at..at + 10).unwrap_or(&[0; 10]);
    let rdata_len = u16::from_be_bytes([f[8], f[9]]) as usize;
    let rdata_start = at + 10;
    let rdata_len = rdata_len.min(buf.len().saturating_sub(rdata_start));
    (
        RecordView {
            name,
            rtype: RecordType(u16::from_be_bytes([f[0], f[1]])),
            class: Class(u16::from_be_bytes([f[2], f[3]])),
            ttl: u32::from_be_bytes([f[4], f[5], f[6], f[7]]),
            buf,
            rdata_start: rdata_start.min(buf.len()),
            rdata_len,
        },
        rdata_start + rdata_len,
    )
}
