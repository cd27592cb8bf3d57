//! Registry numbers as newtypes: record types, classes, opcodes and response codes. Unknown
//! values are representable and print in the RFC 3597 §5 form (`TYPE65534`, `CLASS32`).

use std::fmt;
use std::str::FromStr;

macro_rules! registry {
    (
        $(#[$meta:meta])*
        $ty:ident($int:ty), prefix $prefix:literal, {
            $( $(#[$cmeta:meta])* $name:ident = $value:literal, $text:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(pub $int);

        impl $ty {
            $( $(#[$cmeta])* pub const $name: $ty = $ty($value); )*

            /// The registered mnemonic, if this value has one.
            pub fn mnemonic(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some($text), )*
                    _ => None,
                }
            }

            /// Looks a mnemonic up (case-insensitively), or parses the generic form
            #[doc = concat!("(`", $prefix, "N`).")]
            pub fn from_mnemonic(text: &str) -> Option<$ty> {
                $( if text.eq_ignore_ascii_case($text) { return Some($ty::$name); } )*
                let digits = text.get($prefix.len()..)?;
                if text[..$prefix.len()].eq_ignore_ascii_case($prefix)
                    && !digits.is_empty()
                    && digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return digits.parse::<$int>().ok().map($ty);
                }
                None
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.mnemonic() {
                    Some(m) => f.write_str(m),
                    None => write!(f, concat!($prefix, "{}"), self.0),
                }
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $ty {
            type Err = ();
            fn from_str(s: &str) -> Result<$ty, ()> {
                $ty::from_mnemonic(s).ok_or(())
            }
        }

        impl From<$int> for $ty {
            fn from(v: $int) -> $ty {
                $ty(v)
            }
        }
    };
}

registry! {
    /// A resource record type (RFC 1035 §3.2.2; IANA "Resource Record (RR) TYPEs").
    RecordType(u16), prefix "TYPE", {
        /// IPv4 address (RFC 1035).
        A = 1, "A";
        /// Authoritative name server (RFC 1035).
        NS = 2, "NS";
        /// Mail destination, obsolete (RFC 1035).
        MD = 3, "MD";
        /// Mail forwarder, obsolete (RFC 1035).
        MF = 4, "MF";
        /// Canonical name (RFC 1035).
        CNAME = 5, "CNAME";
        /// Start of authority (RFC 1035).
        SOA = 6, "SOA";
        /// Mailbox (RFC 1035).
        MB = 7, "MB";
        /// Mail group member (RFC 1035).
        MG = 8, "MG";
        /// Mail rename (RFC 1035).
        MR = 9, "MR";
        /// Null record (RFC 1035).
        NULL = 10, "NULL";
        /// Well-known service (RFC 1035).
        WKS = 11, "WKS";
        /// Domain name pointer (RFC 1035).
        PTR = 12, "PTR";
        /// Host information (RFC 1035).
        HINFO = 13, "HINFO";
        /// Mailbox information (RFC 1035).
        MINFO = 14, "MINFO";
        /// Mail exchange (RFC 1035).
        MX = 15, "MX";
        /// Text strings (RFC 1035).
        TXT = 16, "TXT";
        /// Responsible person (RFC 1183).
        RP = 17, "RP";
        /// AFS database (RFC 1183).
        AFSDB = 18, "AFSDB";
        /// X.25 address (RFC 1183).
        X25 = 19, "X25";
        /// ISDN address (RFC 1183).
        ISDN = 20, "ISDN";
        /// Route through (RFC 1183).
        RT = 21, "RT";
        /// NSAP address (RFC 1706).
        NSAP = 22, "NSAP";
        /// NSAP-style domain name pointer, historic (RFC 1348).
        NSAP_PTR = 23, "NSAP-PTR";
        /// Security signature, legacy (RFC 2535).
        SIG = 24, "SIG";
        /// Security key, legacy (RFC 2535).
        KEY = 25, "KEY";
        /// X.400 mail mapping (RFC 2163).
        PX = 26, "PX";
        /// Geographical position (RFC 1712).
        GPOS = 27, "GPOS";
        /// IPv6 address (RFC 3596).
        AAAA = 28, "AAAA";
        /// Location (RFC 1876).
        LOC = 29, "LOC";
        /// Next domain, obsolete (RFC 2535).
        NXT = 30, "NXT";
        /// Server selection (RFC 2782).
        SRV = 33, "SRV";
        /// Naming authority pointer (RFC 3403).
        NAPTR = 35, "NAPTR";
        /// Key exchanger (RFC 2230).
        KX = 36, "KX";
        /// Certificate (RFC 4398).
        CERT = 37, "CERT";
        /// IPv6 address, experimental (RFC 6563).
        A6 = 38, "A6";
        /// Delegation name (RFC 6672).
        DNAME = 39, "DNAME";
        /// EDNS(0) option pseudo-record (RFC 6891).
        OPT = 41, "OPT";
        /// Address prefix list (RFC 3123).
        APL = 42, "APL";
        /// Delegation signer (RFC 4034).
        DS = 43, "DS";
        /// SSH key fingerprint (RFC 4255).
        SSHFP = 44, "SSHFP";
        /// IPsec key (RFC 4025).
        IPSECKEY = 45, "IPSECKEY";
        /// DNSSEC signature (RFC 4034).
        RRSIG = 46, "RRSIG";
        /// Next secure (RFC 4034).
        NSEC = 47, "NSEC";
        /// DNS public key (RFC 4034).
        DNSKEY = 48, "DNSKEY";
        /// DHCP identifier (RFC 4701).
        DHCID = 49, "DHCID";
        /// Hashed next secure (RFC 5155).
        NSEC3 = 50, "NSEC3";
        /// NSEC3 parameters (RFC 5155).
        NSEC3PARAM = 51, "NSEC3PARAM";
        /// TLS association (RFC 6698).
        TLSA = 52, "TLSA";
        /// S/MIME association (RFC 8162).
        SMIMEA = 53, "SMIMEA";
        /// Host identity protocol (RFC 8005).
        HIP = 55, "HIP";
        /// Child DS (RFC 7344).
        CDS = 59, "CDS";
        /// Child DNSKEY (RFC 7344).
        CDNSKEY = 60, "CDNSKEY";
        /// OpenPGP key (RFC 7929).
        OPENPGPKEY = 61, "OPENPGPKEY";
        /// Child-to-parent synchronisation (RFC 7477).
        CSYNC = 62, "CSYNC";
        /// Zone message digest (RFC 8976).
        ZONEMD = 63, "ZONEMD";
        /// Service binding (RFC 9460).
        SVCB = 64, "SVCB";
        /// HTTPS service binding (RFC 9460).
        HTTPS = 65, "HTTPS";
        /// Sender policy framework, obsolete (RFC 7208).
        SPF = 99, "SPF";
        /// Node identifier (RFC 6742).
        NID = 104, "NID";
        /// 32-bit locator (RFC 6742).
        L32 = 105, "L32";
        /// 64-bit locator (RFC 6742).
        L64 = 106, "L64";
        /// Locator FQDN (RFC 6742).
        LP = 107, "LP";
        /// EUI-48 address (RFC 7043).
        EUI48 = 108, "EUI48";
        /// EUI-64 address (RFC 7043).
        EUI64 = 109, "EUI64";
        /// Transaction key (RFC 2930).
        TKEY = 249, "TKEY";
        /// Transaction signature (RFC 8945).
        TSIG = 250, "TSIG";
        /// Incremental zone transfer (RFC 1995).
        IXFR = 251, "IXFR";
        /// Whole zone transfer (RFC 1035).
        AXFR = 252, "AXFR";
        /// Mailbox records, query only (RFC 1035).
        MAILB = 253, "MAILB";
        /// Mail agent records, query only (RFC 1035).
        MAILA = 254, "MAILA";
        /// All records, query only (RFC 1035, RFC 8482).
        ANY = 255, "ANY";
        /// Uniform resource identifier (RFC 7553).
        URI = 256, "URI";
        /// Certification authority authorization (RFC 8659).
        CAA = 257, "CAA";
        /// DNSSEC lookaside validation, historic (RFC 4431).
        DLV = 32769, "DLV";
        /// Endpoint identifier, Nimrod (historic; draft-ietf-nimrod-dns).
        EID = 31, "EID";
        /// Nimrod locator (historic; draft-ietf-nimrod-dns).
        NIMLOC = 32, "NIMLOC";
        /// ATM address (ATM Forum af-dans-0152.000).
        ATMA = 34, "ATMA";
        /// Kitchen sink (draft-eastlake-kitchen-sink).
        SINK = 40, "SINK";
        /// Zone status information (IANA registration by J. Reid).
        NINFO = 56, "NINFO";
        /// Resource key (draft-reid-dnsext-rkey).
        RKEY = 57, "RKEY";
        /// Trust anchor link (IANA registration by W. Wijngaards).
        TALINK = 58, "TALINK";
        /// Generalized NOTIFY endpoint (draft-ietf-dnsop-generalized-notify).
        DSYNC = 66, "DSYNC";
        /// Hierarchical host identity tag (RFC 9886).
        HHIT = 67, "HHIT";
        /// UAS broadcast RID (RFC 9886).
        BRID = 68, "BRID";
        /// Application visibility and control (IANA registration by W. Mekky).
        AVC = 258, "AVC";
        /// Digital object architecture (draft-durand-doa-over-dns).
        DOA = 259, "DOA";
        /// Automatic multicast tunneling relay (RFC 8777).
        AMTRELAY = 260, "AMTRELAY";
        /// Resolver information as key/value pairs (RFC 9606).
        RESINFO = 261, "RESINFO";
        /// Public wallet address (IANA registration by P. Mayers).
        WALLET = 262, "WALLET";
        /// DNSSEC trust authorities (IANA registration by S. Weiler).
        TA = 32768, "TA";
    }
}

impl RecordType {
    /// Meta types and query-only types (RFC 6895 §3.1): never stored in a zone.
    pub fn is_meta(self) -> bool {
        matches!(self.0, 41 | 128..=255)
    }

    /// Types whose RDATA names may be compressed on the wire and must be decompressed when
    /// read: the RFC 1035 types (RFC 3597 §4). Everything newer is sent uncompressed.
    pub fn rdata_compressible(self) -> bool {
        matches!(self.0, 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 12 | 14 | 15)
    }
}

registry! {
    /// A record class (RFC 1035 §3.2.4).
    Class(u16), prefix "CLASS", {
        /// The Internet.
        IN = 1, "IN";
        /// Chaos (used for server identification: `version.bind`).
        CH = 3, "CH";
        /// Hesiod.
        HS = 4, "HS";
        /// NONE, used in UPDATE (RFC 2136).
        NONE = 254, "NONE";
        /// ANY, query only (RFC 1035).
        ANY = 255, "ANY";
    }
}

registry! {
    /// A message opcode (RFC 1035 §4.1.1; IANA "DNS OpCodes").
    Opcode(u8), prefix "OPCODE", {
        /// Standard query.
        QUERY = 0, "QUERY";
        /// Inverse query, obsolete (RFC 3425).
        IQUERY = 1, "IQUERY";
        /// Server status request.
        STATUS = 2, "STATUS";
        /// Zone change notification (RFC 1996).
        NOTIFY = 4, "NOTIFY";
        /// Dynamic update (RFC 2136).
        UPDATE = 5, "UPDATE";
        /// DNS stateful operations (RFC 8490).
        DSO = 6, "DSO";
    }
}

registry! {
    /// A response code, up to 12 bits with the EDNS extension (RFC 6891 §6.1.3).
    Rcode(u16), prefix "RCODE", {
        /// No error.
        NOERROR = 0, "NOERROR";
        /// Format error.
        FORMERR = 1, "FORMERR";
        /// Server failure.
        SERVFAIL = 2, "SERVFAIL";
        /// Name does not exist.
        NXDOMAIN = 3, "NXDOMAIN";
        /// Not implemented.
        NOTIMP = 4, "NOTIMP";
        /// Refused.
        REFUSED = 5, "REFUSED";
        /// Name exists when it should not (RFC 2136).
        YXDOMAIN = 6, "YXDOMAIN";
        /// RRset exists when it should not (RFC 2136).
        YXRRSET = 7, "YXRRSET";
        /// RRset that should exist does not (RFC 2136).
        NXRRSET = 8, "NXRRSET";
        /// Not authoritative / not authorized (RFC 2136, RFC 8945).
        NOTAUTH = 9, "NOTAUTH";
        /// Name not contained in zone (RFC 2136).
        NOTZONE = 10, "NOTZONE";
        /// DSO type not implemented (RFC 8490).
        DSOTYPENI = 11, "DSOTYPENI";
        /// Bad OPT version (RFC 6891); in TSIG, BADSIG shares the value.
        BADVERS = 16, "BADVERS";
        /// Key not recognised (RFC 8945).
        BADKEY = 17, "BADKEY";
        /// Signature out of time window (RFC 8945).
        BADTIME = 18, "BADTIME";
        /// Bad TKEY mode (RFC 2930).
        BADMODE = 19, "BADMODE";
        /// Duplicate key name (RFC 2930).
        BADNAME = 20, "BADNAME";
        /// Algorithm not supported (RFC 2930).
        BADALG = 21, "BADALG";
        /// Bad truncation (RFC 8945).
        BADTRUNC = 22, "BADTRUNC";
        /// Bad or missing server cookie (RFC 7873).
        BADCOOKIE = 23, "BADCOOKIE";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_and_generic_forms() {
        assert_eq!(RecordType::AAAA.to_string(), "AAAA");
        assert_eq!(RecordType(65534).to_string(), "TYPE65534");
        assert_eq!("type65534".parse::<RecordType>(), Ok(RecordType(65534)));
        assert_eq!("TYPE1".parse::<RecordType>(), Ok(RecordType::A));
        assert_eq!("mx".parse::<RecordType>(), Ok(RecordType::MX));
        assert_eq!("TYPE".parse::<RecordType>(), Err(()));
        assert_eq!("TYPE70000".parse::<RecordType>(), Err(()));
        assert_eq!(Class(32).to_string(), "CLASS32");
        assert_eq!("ch".parse::<Class>(), Ok(Class::CH));
        assert_eq!(Rcode(3841).to_string(), "RCODE3841");
        assert!(RecordType::OPT.is_meta());
        assert!(RecordType::ANY.is_meta());
        assert!(!RecordType::URI.is_meta());
        assert!(RecordType::MX.rdata_compressible());
        assert!(!RecordType::SRV.rdata_compressible());
    }
}
