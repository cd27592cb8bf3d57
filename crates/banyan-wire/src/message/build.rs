//! Building messages into a caller-supplied buffer: name compression (RFC 1035 §4.1.4),
//! EDNS(0), and truncation by whole RRsets (RFC 2181 §9).

use crate::edns::Edns;
use crate::header::{Header, HEADER_LEN};
use crate::name::{Name, WireName};
use crate::rdata::RData;
use crate::record::Record;
use crate::types::{Class, RecordType};
use crate::wire::{NameKind, WireSink};

/// Most names remembered for compression. Later names are still compressed against these;
/// they just do not become targets themselves. Bounds the work per name.
pub const MAX_COMPRESSION_TARGETS: usize = 96;

/// Largest DNS message (the TCP length prefix is 16 bits).
pub const MAX_MESSAGE_LEN: usize = 65535;

/// Why a record was not added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The record did not fit in the size limit. The partial RRset was removed; in the
    /// answer and authority sections TC is set and nothing more can be added.
    #[error("message size limit reached")]
    NoSpace,
    /// Sections must be filled in order: question, answer, authority, additional.
    #[error("section written out of order")]
    SectionOrder,
}

/// The four message sections, in wire order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BuildSection {
    /// Question.
    Question = 0,
    /// Answer.
    Answer = 1,
    /// Authority.
    Authority = 2,
    /// Additional.
    Additional = 3,
}

/// Writes a message into a reused buffer. Records are added section by section; a record
/// that would push the message past its limit removes the RRset it belongs to (RFC 2181
/// §9: never a partial RRset), and in the answer or authority section also sets TC.
pub struct MessageBuilder<'b> {
    buf: &'b mut Vec<u8>,
    header: Header,
    counts: [u16; 4],
    section: BuildSection,
    limit: usize,
    reserved: usize,
    targets: [u16; MAX_COMPRESSION_TARGETS],
    target_count: usize,
    /// Start of the current RRset: buffer position, its section's count, and the number of
    /// compression targets, to roll back to.
    rrset: Rollback,
    /// Owner offset, type and class of the last record, to tell whether the next one
    /// continues its RRset.
    last: Option<(usize, RecordType, Class)>,
    full: bool,
}

#[derive(Clone, Copy)]
struct Rollback {
    pos: usize,
    count: u16,
    targets: usize,
}

impl<'b> MessageBuilder<'b> {
    /// Starts a message with `header` (its counts are ignored and computed). `buf` is cleared
    /// and reused; the size limit starts at 65535.
    pub fn new(buf: &'b mut Vec<u8>, header: Header) -> MessageBuilder<'b> {
        buf.clear();
        buf.extend_from_slice(&[0u8; HEADER_LEN]);
        MessageBuilder {
            buf,
            header,
            counts: [0; 4],
            section: BuildSection::Question,
            limit: MAX_MESSAGE_LEN,
            reserved: 0,
            targets: [0; MAX_COMPRESSION_TARGETS],
            target_count: 0,
            rrset: Rollback {
                pos: HEADER_LEN,
                count: 0,
                targets: 0,
            },
            last: None,
            full: false,
        }
    }

    /// Sets the size limit (at least 512, at most 65535): for UDP, the smaller of the
    /// requester's EDNS payload size and the server's (RFC 6891 §6.2.5).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.clamp(512, MAX_MESSAGE_LEN);
    }

    /// Keeps `octets` free at the end for records added last (OPT, TSIG).
    pub fn reserve(&mut self, octets: usize) {
        self.reserved = octets;
    }

    /// The header as it stands (counts not yet filled in).
    pub fn header_mut(&mut self) -> &mut Header {
        &mut self.header
    }

    /// True once a record did not fit in the answer or authority section.
    pub fn is_truncated(&self) -> bool {
        self.header.tc
    }

    /// Octets written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when only the header has been written.
    pub fn is_empty(&self) -> bool {
        self.buf.len() == HEADER_LEN
    }

    /// Adds a question.
    pub fn question<N: WireName + ?Sized>(
        &mut self,
        qname: &N,
        qtype: RecordType,
        qclass: Class,
    ) -> Result<(), BuildError> {
        if self.section != BuildSection::Question {
            return Err(BuildError::SectionOrder);
        }
        let start = self.buf.len();
        let targets = self.target_count;
        self.write_name_wire(qname.wire(), true);
        self.buf.put_u16(qtype.0);
        self.buf.put_u16(qclass.0);
        if self.buf.len() + self.reserved > self.limit {
            self.buf.truncate(start);
            self.target_count = targets;
            self.header.tc = true;
            self.full = true;
            return Err(BuildError::NoSpace);
        }
        self.counts[0] += 1;
        Ok(())
    }

    /// Adds `record` to `section`.
    pub fn push(&mut self, section: BuildSection, record: &Record) -> Result<(), BuildError> {
        self.push_parts(section, &record.name, record.class, record.ttl, &record.data)
    }

    /// Adds a record given by parts (no owned [`Record`] needed).
    pub fn push_parts(
        &mut self,
        section: BuildSection,
        name: &Name,
        class: Class,
        ttl: u32,
        data: &RData,
    ) -> Result<(), BuildError> {
        let rtype = data.rtype();
        let (owner, len_at) = self.record_header(section, name.as_wire(), rtype, class, ttl)?;
        {
            let mut sink = CompressingSink { b: self };
            data.write(&mut sink);
        }
        self.finish_record(section, owner, len_at, rtype, class)
    }

    /// Adds a record whose RDATA is stored in uncompressed wire form (as a zone keeps it),
    /// compressing the names inside it for the RFC 1035 types that allow it (RFC 3597 §4):
    /// NS, MD, MF, CNAME, MB, MG, MR, PTR (one name), MX (16 bits, name), SOA (two names and
    /// 20 octets), MINFO (two names). Other types are copied as they are.
    pub fn push_stored<N: WireName + ?Sized>(
        &mut self,
        section: BuildSection,
        name: &N,
        rtype: RecordType,
        class: Class,
        ttl: u32,
        rdata: &[u8],
    ) -> Result<(), BuildError> {
        let (owner, len_at) = self.record_header(section, name.wire(), rtype, class, ttl)?;
        let (prefix, names) = match rtype.0 {
            2 | 3 | 4 | 5 | 7 | 8 | 9 | 12 => (0, 1),
            15 => (2, 1),
            6 | 14 => (0, 2),
            _ => (0, 0),
        };
        match split_names(rdata, prefix, names) {
            Some(ends) if names > 0 => {
                self.buf.extend_from_slice(&rdata[..prefix]);
                let mut at = prefix;
                for &end in &ends[..names] {
                    self.write_name_wire(&rdata[at..end], true);
                    at = end;
                }
                self.buf.extend_from_slice(&rdata[at..]);
            }
            _ => self.buf.extend_from_slice(rdata),
        }
        self.finish_record(section, owner, len_at, rtype, class)
    }

    /// Adds the OPT record to the additional section. Its space should have been kept with
    /// [`MessageBuilder::reserve`]; it is added even when earlier records did not fit,
    /// because a truncated answer still carries EDNS (RFC 6891 §7).
    pub fn edns(&mut self, edns: &Edns) -> Result<(), BuildError> {
        if self.section < BuildSection::Additional {
            self.section = BuildSection::Additional;
        }
        let start = self.buf.len();
        edns.write_record(self.buf);
        if self.buf.len() > self.limit {
            self.buf.truncate(start);
            return Err(BuildError::NoSpace);
        }
        self.reserved = self.reserved.saturating_sub(self.buf.len() - start);
        self.counts[3] += 1;
        self.last = None;
        Ok(())
    }

    /// Writes the counts into the header and returns the message length. The buffer holds
    /// the finished message.
    pub fn finish(mut self) -> usize {
        self.header.qdcount = self.counts[0];
        self.header.ancount = self.counts[1];
        self.header.nscount = self.counts[2];
        self.header.arcount = self.counts[3];
        self.buf[..HEADER_LEN].copy_from_slice(&self.header.to_bytes());
        self.buf.len()
    }

    /// Writes owner, TYPE, CLASS, TTL and a RDLENGTH placeholder of a record in `section`;
    /// returns where the owner and the RDLENGTH are, for `finish_record`.
    fn record_header(
        &mut self,
        section: BuildSection,
        owner: &[u8],
        rtype: RecordType,
        class: Class,
        ttl: u32,
    ) -> Result<(usize, usize), BuildError> {
        self.enter(section)?;
        if self.full {
            return Err(BuildError::NoSpace);
        }
        self.begin_record(owner, rtype, class);
        let at = self.buf.len();
        self.write_name_wire(owner, true);
        self.buf.put_u16(rtype.0);
        self.buf.put_u16(class.0);
        self.buf.put_u32(ttl);
        let len_at = self.buf.len();
        self.buf.put_u16(0);
        Ok((at, len_at))
    }

    fn enter(&mut self, section: BuildSection) -> Result<(), BuildError> {
        if section < self.section || section == BuildSection::Question {
            return Err(BuildError::SectionOrder);
        }
        if section != self.section {
            self.section = section;
            self.last = None;
        }
        Ok(())
    }

    fn begin_record(&mut self, wire: &[u8], rtype: RecordType, class: Class) {
        let continues = self
            .last
            .is_some_and(|(owner, t, c)| t == rtype && c == class && self.name_at_equals(owner as u16, wire));
        if !continues {
            self.rrset = Rollback {
                pos: self.buf.len(),
                count: self.counts[self.section as usize],
                targets: self.target_count,
            };
        }
    }

    fn finish_record(
        &mut self,
        section: BuildSection,
        owner: usize,
        len_at: usize,
        rtype: RecordType,
        class: Class,
    ) -> Result<(), BuildError> {
        let rdlen = self.buf.len() - len_at - 2;
        if rdlen > u16::MAX as usize || self.buf.len() + self.reserved > self.limit {
            // Remove the whole RRset this record belongs to (RFC 2181 §9).
            self.buf.truncate(self.rrset.pos);
            self.counts[section as usize] = self.rrset.count;
            self.target_count = self.rrset.targets;
            self.last = None;
            if section != BuildSection::Additional {
                // Missing additional data does not make an answer incomplete; missing answer
                // or authority data does. The caller decides for glue that is required.
                self.header.tc = true;
                self.full = true;
            }
            return Err(BuildError::NoSpace);
        }
        self.buf.patch_u16(len_at, rdlen as u16);
        self.counts[section as usize] += 1;
        // The owner's first label position (or a pointer to an earlier one) identifies it.
        self.last = Some((owner, rtype, class));
        Ok(())
    }

    /// Writes `name`, compressed against earlier names when `compress` is set.
    fn write_name(&mut self, name: &Name, compress: bool) {
        self.write_name_wire(name.as_wire(), compress);
    }

    /// Writes a name given in checked uncompressed wire form.
    fn write_name_wire(&mut self, wire: &[u8], compress: bool) {
        let mut off = 0usize;
        while wire[off] != 0 {
            if compress {
                if let Some(target) = self.find_target(&wire[off..]) {
                    self.buf.put_u16(0xC000 | target);
                    return;
                }
            }
            let here = self.buf.len();
            if compress && here < 0x4000 && self.target_count < MAX_COMPRESSION_TARGETS {
                self.targets[self.target_count] = here as u16;
                self.target_count += 1;
            }
            let len = wire[off] as usize;
            self.buf.extend_from_slice(&wire[off..off + 1 + len]);
            off += 1 + len;
        }
        self.buf.push(0);
    }

    /// A remembered position whose name equals `suffix` (uncompressed wire, non-root).
    fn find_target(&self, suffix: &[u8]) -> Option<u16> {
        self.targets[..self.target_count]
            .iter()
            .copied()
            .find(|&t| self.name_at_equals(t, suffix))
    }

    /// Compares the (possibly compressed) name at `pos` in the buffer with `wire`, ignoring
    /// case.
    fn name_at_equals(&self, pos: u16, wire: &[u8]) -> bool {
        let buf = &self.buf[..];
        let mut p = pos as usize;
        let mut w = 0usize;
        let mut hops = 0;
        loop {
            let Some(&len) = buf.get(p) else { return false };
            if len & 0xC0 == 0xC0 {
                hops += 1;
                if hops > crate::name::MAX_POINTER_HOPS {
                    return false;
                }
                let Some(&lo) = buf.get(p + 1) else { return false };
                p = ((len as usize & 0x3F) << 8) | lo as usize;
                continue;
            }
            let len = len as usize;
            if wire.get(w) != Some(&(len as u8)) {
                return false;
            }
            if len == 0 {
                return true;
            }
            let (Some(a), Some(b)) = (buf.get(p + 1..p + 1 + len), wire.get(w + 1..w + 1 + len)) else {
                return false;
            };
            if !crate::name::wire_eq(a, b) {
                return false;
            }
            p += 1 + len;
            w += 1 + len;
        }
    }
}

/// Offsets where each of `count` uncompressed names starting at `prefix` ends, or `None`
/// when the data does not hold that many well-formed names (then it is copied unchanged).
fn split_names(rdata: &[u8], prefix: usize, count: usize) -> Option<[usize; 2]> {
    let mut ends = [0usize; 2];
    let mut at = prefix;
    for end in ends.iter_mut().take(count) {
        loop {
            let len = *rdata.get(at)? as usize;
            if len > 63 {
                return None;
            }
            at += 1 + len;
            if len == 0 {
                break;
            }
        }
        if at > rdata.len() {
            return None;
        }
        *end = at;
    }
    Some(ends)
}

/// Lets RDATA write into the message with compression for the RFC 1035 types only
/// (RFC 3597 §4).
struct CompressingSink<'x, 'b> {
    b: &'x mut MessageBuilder<'b>,
}

impl WireSink for CompressingSink<'_, '_> {
    fn put(&mut self, bytes: &[u8]) {
        self.b.buf.extend_from_slice(bytes);
    }
    fn put_name(&mut self, name: &Name, kind: NameKind) {
        self.b.write_name(name, kind == NameKind::Compressible);
    }
    fn position(&self) -> usize {
        self.b.buf.len()
    }
    fn patch_u16(&mut self, at: usize, value: u16) {
        self.b.buf.patch_u16(at, value);
    }
}
