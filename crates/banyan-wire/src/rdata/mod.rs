//! Typed record data (RDATA) with wire and presentation forms, and the generic form of
//! RFC 3597 for every type without a typed form.
//!
//! Each type is a struct implementing [`RecordData`]; [`RData`] is the sum of them. Wire
//! parsing reads from a [`Reader`] over the RDATA region (with the whole message visible for
//! compression pointers); writing goes to a [`WireSink`], which decides about compression and
//! canonical case.

use std::fmt;

use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::{hex_decode, hex_encode, Fields, Token};
use crate::types::RecordType;
use crate::wire::{Reader, WireSink};

mod bitmap;
mod dnssec;
mod loc;
mod rfc1035;
mod security;
mod service;
mod tsig;

pub use bitmap::TypeBitmap;
pub use dnssec::{Dnskey, Ds, Nsec, Nsec3, Nsec3param, Rrsig, Zonemd};
pub use loc::Loc;
pub use rfc1035::{Aaaa, Hinfo, Mx, Soa, Txt, A};
pub use security::{Caa, Sshfp, Tlsa};
pub use service::{Naptr, Srv, SvcParam, SvcParamKey, Svcb};
pub use tsig::Tsig;

/// Longest RDATA accepted from presentation form: the most that fits in a 65535-octet
/// message beside the 12-octet header and the smallest record (root owner, 10 fixed
/// octets). BIND draws the line at the same place (its master16/master15 tests).
pub const MAX_RDATA_LEN: usize = 65535 - 12 - 1 - 10;
mod addressing;
mod exchangers;
mod gateways;
mod keys;
mod legacy_dnssec;
mod name_pairs;
mod null;
mod sync;
mod text_like;

pub use addressing::{Apl, AplItem, Atma, Eui48, Eui64, Gpos, HexData, Isdn, Nid, Nsap, Wks, A6, L32, L64, X25};
pub use exchangers::{Afsdb, Kx, Lp, Px, Rt};
pub use gateways::{Amtrelay, Gateway, Ipseckey};
pub use keys::{Base64Data, Cert, Doa, Hip, Key, Sink};
pub use legacy_dnssec::{Nxt, Sig};
pub use name_pairs::{Minfo, Rp, Talink};
pub use null::Null;
pub use sync::{Csync, Dsync};
pub use text_like::Uri;

/// The interface every typed RDATA implements.
pub trait RecordData: Sized {
    /// Reads the RDATA from `r`, which covers exactly the RDATA region. The caller checks
    /// that the whole region was used.
    fn parse(r: &mut Reader<'_>) -> Result<Self, RdataError>;
    /// Writes the RDATA in wire form.
    fn write<S: WireSink>(&self, s: &mut S);
    /// Writes the presentation form (the fields after the type mnemonic).
    fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    /// Reads the presentation form. The caller checks that every field was used.
    fn from_text(fields: &mut Fields<'_, '_>) -> Result<Self, TextError>;
}

macro_rules! rdata_enum {
    (
        simple { $( $(#[$smeta:meta])* $svar:ident($sty:ty) = $stype:ident, )* }
        names { $( $(#[$nmeta:meta])* $nvar:ident = $ntype:ident, $nkind:ident; )* }
    ) => {
        /// Record data of any type: typed where Banyan knows the type, generic otherwise.
        #[derive(Clone, PartialEq, Eq, Debug)]
        #[non_exhaustive]
        pub enum RData {
            $( $(#[$smeta])* $svar($sty), )*
            $( $(#[$nmeta])* $nvar(Name), )*
            /// Any other type, kept as opaque octets (RFC 3597).
            Unknown {
                /// The record type.
                rtype: RecordType,
                /// The RDATA octets.
                data: Vec<u8>,
            },
        }

        impl RData {
            /// The record type this data belongs to.
            pub fn rtype(&self) -> RecordType {
                match self {
                    $( RData::$svar(_) => RecordType::$stype, )*
                    $( RData::$nvar(_) => RecordType::$ntype, )*
                    RData::Unknown { rtype, .. } => *rtype,
                }
            }

            /// Reads RDATA of type `rtype` from `msg[start..start + len]`; names may point
            /// anywhere earlier in `msg`. Types without a typed form are kept generic.
            pub fn parse(rtype: RecordType, msg: &[u8], start: usize, len: usize) -> Result<RData, RdataError> {
                let end = start.checked_add(len).ok_or(RdataError::Short)?;
                if end > msg.len() {
                    return Err(RdataError::Short);
                }
                let mut r = Reader::new(msg, start, end);
                let data = match rtype {
                    $( RecordType::$stype => RData::$svar(<$sty>::parse(&mut r)?), )*
                    $( RecordType::$ntype => RData::$nvar(rfc1035::parse_name(&mut r, crate::wire::NameKind::$nkind)?), )*
                    _ => RData::Unknown { rtype, data: r.rest().to_vec() },
                };
                r.finish()?;
                Ok(data)
            }

            /// Writes the wire form.
            pub fn write<S: WireSink>(&self, s: &mut S) {
                match self {
                    $( RData::$svar(d) => d.write(s), )*
                    $( RData::$nvar(n) => s.put_name(n, crate::wire::NameKind::$nkind), )*
                    RData::Unknown { data, .. } => s.put(data),
                }
            }

            /// Reads the presentation form of `rtype`'s RDATA from `tokens`: the type's own
            /// form, or the generic `\# LEN HEX` form of RFC 3597 §5 for any type (a known
            /// type's generic form is converted to its typed form).
            pub fn from_text(rtype: RecordType, tokens: &[Token<'_>], origin: Option<&Name>) -> Result<RData, TextError> {
                if let Some(first) = tokens.first() {
                    if first.text == "\\#" && !first.quoted {
                        let data = generic_from_text(&tokens[1..])?;
                        return match rtype {
                            $( RecordType::$stype )|* $( | RecordType::$ntype )* => {
                                RData::parse(rtype, &data, 0, data.len()).map_err(|_| TextError::bad("RDATA for its type", &hex_encode(&data)))
                            }
                            _ => Ok(RData::Unknown { rtype, data }),
                        };
                    }
                }
                let mut fields = Fields::new(tokens, origin);
                let data = match rtype {
                    $( RecordType::$stype => RData::$svar(<$sty>::from_text(&mut fields)?), )*
                    $( RecordType::$ntype => RData::$nvar(fields.name("name")?), )*
                    _ => return Err(TextError::NeedsGeneric(rtype.to_string())),
                };
                fields.finish()?;
                Ok(data)
            }
        }

        impl fmt::Display for RData {
            /// The presentation form of the RDATA (without owner, TTL, class and type).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $( RData::$svar(d) => d.fmt_text(f), )*
                    $( RData::$nvar(n) => fmt::Display::fmt(n, f), )*
                    RData::Unknown { data, .. } => fmt_generic(data, f),
                }
            }
        }
    };
}

rdata_enum! {
    simple {
        /// IPv4 address (RFC 1035 §3.4.1).
        A(A) = A,
        /// IPv6 address (RFC 3596 §2.2).
        AAAA(Aaaa) = AAAA,
        /// Start of authority (RFC 1035 §3.3.13).
        SOA(Soa) = SOA,
        /// Mail exchange (RFC 1035 §3.3.9).
        MX(Mx) = MX,
        /// Text strings (RFC 1035 §3.3.14).
        TXT(Txt) = TXT,
        /// SPF text, same form as TXT (RFC 7208 §3.1).
        SPF(Txt) = SPF,
        /// Host information (RFC 1035 §3.3.2).
        HINFO(Hinfo) = HINFO,
        /// Server selection (RFC 2782).
        SRV(Srv) = SRV,
        /// Naming authority pointer (RFC 3403 §4.1).
        NAPTR(Naptr) = NAPTR,
        /// Certification authority authorization (RFC 8659 §4.1).
        CAA(Caa) = CAA,
        /// SSH key fingerprint (RFC 4255 §3.1).
        SSHFP(Sshfp) = SSHFP,
        /// TLS certificate association (RFC 6698 §2.1).
        TLSA(Tlsa) = TLSA,
        /// General service binding (RFC 9460 §2.2).
        SVCB(Svcb) = SVCB,
        /// HTTPS service binding, same form as SVCB (RFC 9460 §9).
        HTTPS(Svcb) = HTTPS,
        /// Geographic location (RFC 1876 §2).
        LOC(Loc) = LOC,
        /// Delegation signer (RFC 4034 §5.1).
        DS(Ds) = DS,
        /// Child DS, same form as DS (RFC 7344 §3.1).
        CDS(Ds) = CDS,
        /// DNSSEC public key (RFC 4034 §2.1).
        DNSKEY(Dnskey) = DNSKEY,
        /// Child DNSKEY, same form as DNSKEY (RFC 7344 §3.2).
        CDNSKEY(Dnskey) = CDNSKEY,
        /// DNSSEC signature (RFC 4034 §3.1).
        RRSIG(Rrsig) = RRSIG,
        /// Next secure (RFC 4034 §4.1).
        NSEC(Nsec) = NSEC,
        /// Hashed next secure (RFC 5155 §3.2).
        NSEC3(Nsec3) = NSEC3,
        /// NSEC3 parameters (RFC 5155 §4.2).
        NSEC3PARAM(Nsec3param) = NSEC3PARAM,
        /// Zone message digest (RFC 8976 §2).
        ZONEMD(Zonemd) = ZONEMD,
        /// Transaction signature (RFC 8945 §4.2).
        TSIG(Tsig) = TSIG,
        /// Mailbox or mail list information (RFC 1035 §3.3.7).
        MINFO(Minfo) = MINFO,
        /// Responsible person (RFC 1183 §2.2).
        RP(Rp) = RP,
        /// Trust anchor link (IANA registration).
        TALINK(Talink) = TALINK,
        /// AFS database location (RFC 1183 §1).
        AFSDB(Afsdb) = AFSDB,
        /// Route through (RFC 1183 §3.3).
        RT(Rt) = RT,
        /// Key exchanger (RFC 2230 §3).
        KX(Kx) = KX,
        /// ILNP locator FQDN (RFC 6742 §2.4).
        LP(Lp) = LP,
        /// X.400 mail mapping (RFC 2163 §4).
        PX(Px) = PX,
        /// X.25 PSDN address (RFC 1183 §3.1).
        X25(X25) = X25,
        /// ISDN address (RFC 1183 §3.2).
        ISDN(Isdn) = ISDN,
        /// NSAP address (RFC 1706 §5).
        NSAP(Nsap) = NSAP,
        /// Geographical position (RFC 1712 §3).
        GPOS(Gpos) = GPOS,
        /// Well-known services (RFC 1035 §3.4.2).
        WKS(Wks) = WKS,
        /// Null record, generic form only (RFC 1035 §3.3.10).
        NULL(Null) = NULL,
        /// IPv6 address with indirect prefix, experimental (RFC 2874 §3.1).
        A6(A6) = A6,
        /// Address prefix list (RFC 3123 §4).
        APL(Apl) = APL,
        /// EUI-48 address (RFC 7043 §3).
        EUI48(Eui48) = EUI48,
        /// EUI-64 address (RFC 7043 §4).
        EUI64(Eui64) = EUI64,
        /// ILNP node identifier (RFC 6742 §2.1).
        NID(Nid) = NID,
        /// ILNP 32-bit locator (RFC 6742 §2.2).
        L32(L32) = L32,
        /// ILNP 64-bit locator (RFC 6742 §2.3).
        L64(L64) = L64,
        /// Nimrod endpoint identifier, hexadecimal (historic).
        EID(HexData) = EID,
        /// Nimrod locator, hexadecimal (historic).
        NIMLOC(HexData) = NIMLOC,
        /// ATM address (ATM Forum af-dans-0152.000).
        ATMA(Atma) = ATMA,
        /// IPsec keying material (RFC 4025 §2).
        IPSECKEY(Ipseckey) = IPSECKEY,
        /// AMT relay (RFC 8777 §4).
        AMTRELAY(Amtrelay) = AMTRELAY,
        /// Security key, legacy (RFC 2535 §3.1).
        KEY(Key) = KEY,
        /// Resource key, same form as KEY (draft-reid-dnsext-rkey).
        RKEY(Key) = RKEY,
        /// Certificate (RFC 4398 §2).
        CERT(Cert) = CERT,
        /// DHCP identifier (RFC 4701 §3).
        DHCID(Base64Data) = DHCID,
        /// OpenPGP public key (RFC 7929 §2).
        OPENPGPKEY(Base64Data) = OPENPGPKEY,
        /// Hierarchical host identity tag (RFC 9886).
        HHIT(Base64Data) = HHIT,
        /// UAS broadcast remote identification (RFC 9886).
        BRID(Base64Data) = BRID,
        /// S/MIME certificate association (RFC 8162 §2).
        SMIMEA(Tlsa) = SMIMEA,
        /// DNSSEC lookaside validation, DS form (RFC 4431 §2).
        DLV(Ds) = DLV,
        /// DNSSEC trust authority, DS form (IANA registration).
        TA(Ds) = TA,
        /// Host identity protocol (RFC 8005 §5).
        HIP(Hip) = HIP,
        /// Kitchen sink (draft-eastlake-kitchen-sink).
        SINK(Sink) = SINK,
        /// Digital object architecture (draft-durand-doa-over-dns).
        DOA(Doa) = DOA,
        /// Security signature, legacy (RFC 2535 §4.1).
        SIG(Sig) = SIG,
        /// Next domain, legacy (RFC 2535 §5).
        NXT(Nxt) = NXT,
        /// Child-to-parent synchronisation (RFC 7477 §2.1).
        CSYNC(Csync) = CSYNC,
        /// Generalized NOTIFY endpoint (draft-ietf-dnsop-generalized-notify §2).
        DSYNC(Dsync) = DSYNC,
        /// Uniform resource identifier (RFC 7553 §4).
        URI(Uri) = URI,
        /// Public wallet address, TXT form (IANA registration).
        WALLET(Txt) = WALLET,
        /// Resolver information, TXT form (RFC 9606 §3).
        RESINFO(Txt) = RESINFO,
        /// Application visibility and control, TXT form (IANA registration).
        AVC(Txt) = AVC,
        /// Zone status information, TXT form (IANA registration).
        NINFO(Txt) = NINFO,
    }
    names {
        /// Authoritative name server (RFC 1035 §3.3.11).
        NS = NS, Compressible;
        /// Canonical name (RFC 1035 §3.3.1).
        CNAME = CNAME, Compressible;
        /// Domain name pointer (RFC 1035 §3.3.12).
        PTR = PTR, Compressible;
        /// Delegation name (RFC 6672 §2.1); never compressed.
        DNAME = DNAME, Canonical;
        /// Mail destination, obsolete (RFC 1035 §3.3.4).
        MD = MD, Compressible;
        /// Mail forwarder, obsolete (RFC 1035 §3.3.5).
        MF = MF, Compressible;
        /// Mailbox domain name, experimental (RFC 1035 §3.3.3).
        MB = MB, Compressible;
        /// Mail group member, experimental (RFC 1035 §3.3.6).
        MG = MG, Compressible;
        /// Mail rename domain name, experimental (RFC 1035 §3.3.8).
        MR = MR, Compressible;
        /// NSAP-style pointer, historic (RFC 1348): one name, not in RFC 4034 §6.2's list.
        NsapPtr = NSAP_PTR, Plain;
    }
}

impl RData {
    /// The wire form as a new buffer (uncompressed, case as stored).
    pub fn to_wire(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.write(&mut v);
        v
    }

    /// The generic presentation form of RFC 3597 §5 (`\# LEN HEX`), for any type.
    pub fn to_generic_string(&self) -> String {
        struct G<'a>(&'a [u8]);
        impl fmt::Display for G<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_generic(self.0, f)
            }
        }
        G(&self.to_wire()).to_string()
    }
}

/// Writes `\# LEN HEX` (RFC 3597 §5).
fn fmt_generic(data: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "\\# {}", data.len())?;
    if !data.is_empty() {
        write!(f, " {}", hex_encode(data))?;
    }
    Ok(())
}

/// Reads `LEN HEX…` after `\#` (RFC 3597 §5): the hex may be split into several fields and
/// must decode to exactly LEN octets.
fn generic_from_text(tokens: &[Token<'_>]) -> Result<Vec<u8>, TextError> {
    let (len_tok, hex) = tokens
        .split_first()
        .ok_or(TextError::Missing("RDATA length after \\#"))?;
    let len: usize = len_tok
        .text
        .parse()
        .map_err(|_| TextError::bad("RDATA length", len_tok.text))?;
    if len > MAX_RDATA_LEN {
        return Err(TextError::TooLong);
    }
    let joined: String = hex.iter().map(|t| t.text).collect();
    let data = hex_decode(&joined).ok_or_else(|| TextError::bad("hex RDATA", &joined))?;
    if data.len() != len {
        return Err(TextError::bad(
            "RDATA length (does not match the hex data)",
            len_tok.text,
        ));
    }
    Ok(data)
}

#[cfg(test)]
pub(crate) mod testkit {
    //! Shared checks for every type: wire round-trip, text round-trip, length.
    use super::*;
    use crate::text::tokenize;

    /// Parses `text` as `rtype` RDATA, checks it prints back as `expect_text`, encodes to
    /// `expect_wire`, parses back from wire to the same value, and that the generic form
    /// parses to the same value.
    pub fn check(rtype: RecordType, text: &str, expect_text: &str, expect_wire: &[u8]) {
        let origin: Name = "example.".parse().expect("origin");
        let tokens = tokenize(text).expect("tokenize");
        let rd = RData::from_text(rtype, &tokens, Some(&origin)).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(rd.rtype(), rtype);
        assert_eq!(rd.to_string(), expect_text, "text of {text}");
        let wire = rd.to_wire();
        assert_eq!(wire, expect_wire, "wire of {text}");
        let back = RData::parse(rtype, &wire, 0, wire.len()).expect("wire parse");
        assert_eq!(back, rd, "wire round trip of {text}");
        let tokens = tokenize(expect_text).expect("tokenize output");
        let again = RData::from_text(rtype, &tokens, Some(&origin)).expect("reparse output");
        assert_eq!(again, rd, "text round trip of {text}");
        let generic = rd.to_generic_string();
        let tokens = tokenize(&generic).expect("tokenize generic");
        assert_eq!(RData::from_text(rtype, &tokens, None).expect("generic"), rd);
        // Every strict prefix of the wire form is refused (except where the type allows
        // empty trailing data, which callers test themselves).
        if !wire.is_empty() {
            assert!(
                RData::parse(rtype, &wire, 0, wire.len() - 1).is_err() || allows_short(rtype),
                "{text}: short wire accepted"
            );
        }
    }

    fn allows_short(rtype: RecordType) -> bool {
        // Types whose last field is open-ended.
        matches!(
            rtype,
            RecordType::TXT
                | RecordType::SPF
                | RecordType::CAA
                | RecordType::DNSKEY
                | RecordType::CDNSKEY
                | RecordType::RRSIG
                | RecordType::NULL
                | RecordType::APL
                | RecordType::WKS
                | RecordType::NSAP
                | RecordType::EID
                | RecordType::NIMLOC
                | RecordType::ATMA
                | RecordType::KEY
                | RecordType::RKEY
                | RecordType::CERT
                | RecordType::DHCID
                | RecordType::OPENPGPKEY
                | RecordType::HHIT
                | RecordType::BRID
                | RecordType::SMIMEA
                | RecordType::DLV
                | RecordType::TA
                | RecordType::SINK
                | RecordType::DOA
                | RecordType::SIG
                | RecordType::NXT
                | RecordType::IPSECKEY
                | RecordType::URI
        )
    }

    /// Asserts that `text` is refused as `rtype` RDATA.
    pub fn refuse(rtype: RecordType, text: &str) {
        let origin: Name = "example.".parse().expect("origin");
        let result = tokenize(text).and_then(|t| RData::from_text(rtype, &t, Some(&origin)));
        assert!(result.is_err(), "{rtype} {text:?} was accepted as {:?}", result);
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;
    use crate::text::tokenize;

    #[test]
    fn rfc3597_section_5_generic_forms() {
        // CLASS32 TYPE731 \# 6 abcd ( ef 01 23 45 ) and friends.
        let t = tokenize(r"\# 6 abcd ( ef 01 23 45 )").unwrap();
        let rd = RData::from_text(RecordType(731), &t, None).unwrap();
        assert_eq!(
            rd,
            RData::Unknown {
                rtype: RecordType(731),
                data: vec![0xab, 0xcd, 0xef, 0x01, 0x23, 0x45]
            }
        );
        assert_eq!(rd.to_string(), r"\# 6 ABCDEF012345");
        let t = tokenize(r"\# 0").unwrap();
        assert_eq!(
            RData::from_text(RecordType(62347), &t, None).unwrap().to_string(),
            r"\# 0"
        );
        // A known type in the generic form becomes typed.
        let t = tokenize(r"\# 4 0A000001").unwrap();
        assert_eq!(
            RData::from_text(RecordType::A, &t, None).unwrap().to_string(),
            "10.0.0.1"
        );
        refuse(RecordType::A, r"\# 3 0A0000");
        refuse(RecordType(731), r"\# 2 ABCDEF");
        refuse(RecordType(731), "abc");
    }

    #[test]
    fn name_types() {
        check(RecordType::NS, "ns1", "ns1.example.", b"\x03ns1\x07example\x00");
        check(
            RecordType::CNAME,
            "Target.Example.COM.",
            "Target.Example.COM.",
            b"\x06Target\x07Example\x03COM\x00",
        );
        check(RecordType::PTR, "@", "example.", b"\x07example\x00");
        check(RecordType::DNAME, ".", ".", b"\x00");
        check(
            RecordType::NSAP_PTR,
            "host",
            "host.example.",
            b"\x04host\x07example\x00",
        );
        refuse(RecordType::NS, "");
        refuse(RecordType::NS, "a b");
    }
}
