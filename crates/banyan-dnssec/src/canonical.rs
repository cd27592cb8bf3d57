//! The data an RRSIG signs (RFC 4034 §3.1.8.1), built from the canonical form of names and
//! RRsets (RFC 4034 §6, as corrected by RFC 6840 §5.1), with wildcard owners restored
//! (RFC 4035 §5.3.2).

use std::borrow::Cow;

use banyan_wire::rdata::RData;
use banyan_wire::wire::{CanonicalSink, Reader};
use banyan_wire::{Class, Name, RecordType};

/// The fields of an RRSIG before the signature (RFC 4034 §3.1).
///
/// Wire format: type covered (16 bits), algorithm (8), labels (8), original TTL (32),
/// signature expiration (32), signature inception (32), key tag (16), signer's name
/// (uncompressed), then the signature, which this struct leaves out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RrsigFields {
    /// The type of the RRset signed (RFC 4034 §3.1.1).
    pub type_covered: RecordType,
    /// The signing algorithm (RFC 4034 §3.1.2).
    pub algorithm: u8,
    /// Labels of the original owner, not counting the root or a leading `*`
    /// (RFC 4034 §3.1.3).
    pub labels: u8,
    /// The RRset's TTL as signed (RFC 4034 §3.1.4).
    pub original_ttl: u32,
    /// End of validity, seconds since 1970 modulo 2^32 (RFC 4034 §3.1.5).
    pub expiration: u32,
    /// Start of validity, same form (RFC 4034 §3.1.5).
    pub inception: u32,
    /// Key tag of the signing DNSKEY (RFC 4034 §3.1.6).
    pub key_tag: u16,
    /// Owner of the signing DNSKEY, the zone (RFC 4034 §3.1.7).
    pub signer: Name,
}

/// Octets of the fixed fields before the signer's name.
const FIXED_LEN: usize = 18;

impl RrsigFields {
    /// Splits uncompressed RRSIG RDATA into its fields and the signature (RFC 4034 §3.1).
    /// `None` when the fixed fields are cut short or the signer's name is malformed or
    /// compressed (RFC 4034 §3.1.7 forbids compression). The signature may be empty here;
    /// it then simply fails to verify.
    pub fn from_rdata(rrsig_rdata: &[u8]) -> Option<(RrsigFields, &[u8])> {
        if rrsig_rdata.len() < FIXED_LEN + 1 {
            return None;
        }
        let mut r = Reader::over(rrsig_rdata);
        let fields = RrsigFields {
            type_covered: RecordType(r.u16().ok()?),
            algorithm: r.u8().ok()?,
            labels: r.u8().ok()?,
            original_ttl: r.u32().ok()?,
            expiration: r.u32().ok()?,
            inception: r.u32().ok()?,
            key_tag: r.u16().ok()?,
            signer: r.name_uncompressed().ok()?,
        };
        Some((fields, &rrsig_rdata[r.pos()..]))
    }

    /// The RRSIG RDATA with `signature` appended, the signer's name as stored here.
    pub fn to_rdata(&self, signature: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(FIXED_LEN + self.signer.len() + signature.len());
        self.write_fixed(&mut out);
        out.extend_from_slice(self.signer.as_wire());
        out.extend_from_slice(signature);
        out
    }

    fn write_fixed(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.type_covered.0.to_be_bytes());
        out.push(self.algorithm);
        out.push(self.labels);
        out.extend_from_slice(&self.original_ttl.to_be_bytes());
        out.extend_from_slice(&self.expiration.to_be_bytes());
        out.extend_from_slice(&self.inception.to_be_bytes());
        out.extend_from_slice(&self.key_tag.to_be_bytes());
    }
}

/// True for the types whose RDATA names are lowercased in canonical form: the list of
/// RFC 4034 §6.2 item 3, less NSEC, whose next name keeps its case (RFC 6840 §5.1; RRSIG's
/// signer stays on the list). Types not listed keep their names as they are (RFC 3597 §7).
fn lowercases_rdata_names(rtype: RecordType) -> bool {
    matches!(
        rtype,
        RecordType::NS
            | RecordType::MD
            | RecordType::MF
            | RecordType::CNAME
            | RecordType::SOA
            | RecordType::MB
            | RecordType::MG
            | RecordType::MR
            | RecordType::PTR
            | RecordType::HINFO
            | RecordType::MINFO
            | RecordType::MX
            | RecordType::RP
            | RecordType::AFSDB
            | RecordType::RT
            | RecordType::SIG
            | RecordType::PX
            | RecordType::NXT
            | RecordType::NAPTR
            | RecordType::KX
            | RecordType::SRV
            | RecordType::DNAME
            | RecordType::A6
            | RecordType::RRSIG
    )
}

/// The canonical form of one RR's RDATA (RFC 4034 §6.2): uncompressed (the input must be
/// already), with the embedded names of the listed types lowercased. RDATA that does not
/// parse as its type is returned as it is: a signature over it then fails, as it should.
pub fn canonical_rdata(rtype: RecordType, rdata: &[u8]) -> Cow<'_, [u8]> {
    if !lowercases_rdata_names(rtype) {
        return Cow::Borrowed(rdata);
    }
    match RData::parse(rtype, rdata, 0, rdata.len()) {
        Ok(parsed) => {
            let mut out = Vec::with_capacity(rdata.len());
            parsed.write(&mut CanonicalSink(&mut out));
            Cow::Owned(out)
        }
        Err(_) => Cow::Borrowed(rdata),
    }
}

/// The owner name as it enters the signed data (RFC 4035 §5.3.2): lowercased, and when the
/// owner has more labels than the RRSIG's labels field (a wildcard expansion, RFC 4035
/// §5.3.2 and RFC 4034 §3.1.3), `*.` followed by the owner's rightmost `labels` labels.
fn canonical_owner(owner: &Name, labels: u8) -> Vec<u8> {
    let labels = usize::from(labels);
    let mut out = Vec::with_capacity(owner.len() + 2);
    if owner.label_count() > labels {
        out.extend_from_slice(&[1, b'*']);
        out.extend_from_slice(owner.suffix(labels).as_wire());
    } else {
        out.extend_from_slice(owner.as_wire());
    }
    out.make_ascii_lowercase();
    out
}

/// The data an RRSIG signs (RFC 4034 §3.1.8.1): `RRSIG_RDATA | RR(1) | RR(2) | …`.
///
/// `RRSIG_RDATA` is `rrsig_head` without the signature, with `signer` (normally
/// `rrsig_head.signer`; the caller names it so a signer can pass its zone as it stands)
/// lowercased. Each `RR(i)` is `owner | type | class | original TTL | RDLENGTH | RDATA` in
/// canonical form: the owner lowercased or rebuilt as a wildcard (RFC 4035 §5.3.2), the
/// TTL taken from the RRSIG, the RDATA canonical (RFC 4034 §6.2 as corrected by RFC 6840
/// §5.1). The RRs are sorted by their canonical RDATA as left-justified unsigned octet
/// sequences and duplicates are dropped (RFC 4034 §6.3).
pub fn signed_data(
    rrsig_head: &RrsigFields,
    signer: &Name,
    owner: &Name,
    rtype: RecordType,
    class: Class,
    rdatas: &[&[u8]],
) -> Vec<u8> {
    let owner_wire = canonical_owner(owner, rrsig_head.labels);
    let mut canon: Vec<Cow<'_, [u8]>> = rdatas.iter().map(|rd| canonical_rdata(rtype, rd)).collect();
    canon.sort();
    canon.dedup();
    let per_rr = owner_wire.len() + 10;
    let total = FIXED_LEN + signer.len() + canon.iter().map(|rd| per_rr + rd.len()).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    rrsig_head.write_fixed(&mut out);
    let at = out.len();
    out.extend_from_slice(signer.as_wire());
    out[at..].make_ascii_lowercase();
    for rd in &canon {
        out.extend_from_slice(&owner_wire);
        out.extend_from_slice(&rtype.0.to_be_bytes());
        out.extend_from_slice(&class.0.to_be_bytes());
        out.extend_from_slice(&rrsig_head.original_ttl.to_be_bytes());
        // RDATA from a message or zone never exceeds 65535 octets.
        let len = u16::try_from(rd.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(rd);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn head(labels: u8) -> RrsigFields {
        RrsigFields {
            type_covered: RecordType::MX,
            algorithm: 13,
            labels,
            original_ttl: 3600,
            expiration: 2,
            inception: 1,
            key_tag: 7,
            signer: name("Example."),
        }
    }

    #[test]
    fn rdata_round_trip() {
        let h = head(2);
        let rdata = h.to_rdata(&[9, 9, 9]);
        let (back, sig) = RrsigFields::from_rdata(&rdata).unwrap();
        assert_eq!(back, h);
        assert_eq!(sig, [9, 9, 9]);
        assert!(RrsigFields::from_rdata(&rdata[..17]).is_none());
        // A compressed signer's name is refused (RFC 4034 §3.1.7).
        let mut compressed = rdata[..18].to_vec();
        compressed.extend_from_slice(&[0xc0, 0x0c]);
        assert!(RrsigFields::from_rdata(&compressed).is_none());
    }

    #[test]
    fn rfc4035_section_5_3_2_wildcard_owner() {
        let w = canonical_owner(&name("A.B.Example."), 1);
        assert_eq!(w, name("*.example.").as_wire());
        let same = canonical_owner(&name("A.B.Example."), 3);
        assert_eq!(same, name("a.b.example.").as_wire());
    }

    #[test]
    fn rfc4034_section_6_2_and_rfc6840_section_5_1_case() {
        // MX exchange names are lowercased; NSEC next names are not; TXT is untouched.
        let mx = [0, 10, 4, b'M', b'A', b'I', b'L', 0];
        assert_eq!(
            &*canonical_rdata(RecordType::MX, &mx),
            &[0, 10, 4, b'm', b'a', b'i', b'l', 0]
        );
        let nsec = [1, b'A', 0, 0, 1, 0x40];
        assert_eq!(&*canonical_rdata(RecordType::NSEC, &nsec), &nsec);
        let txt = [1, b'A'];
        assert_eq!(&*canonical_rdata(RecordType::TXT, &txt), &txt);
    }

    #[test]
    fn rfc4034_section_6_3_order_and_duplicates() {
        let a: &[u8] = &[0, 20, 1, b'b', 0];
        let b: &[u8] = &[0, 10, 1, b'B', 0];
        let data = signed_data(
            &head(1),
            &name("EXAMPLE."),
            &name("example."),
            RecordType::MX,
            Class::IN,
            &[a, b, a],
        );
        let fixed = 18 + 9;
        // Signer lowercased, two RRs (the duplicate dropped), preference 10 first.
        assert_eq!(&data[18..fixed], name("example.").as_wire());
        let rr_len = 9 + 10 + 5;
        assert_eq!(data.len(), fixed + 2 * rr_len);
        assert_eq!(&data[fixed + 19..fixed + 24], &[0, 10, 1, b'b', 0]);
    }
}
