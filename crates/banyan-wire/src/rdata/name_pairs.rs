//! Types whose RDATA is two domain names: MINFO (RFC 1035 §3.3.7), RP (RFC 1183 §2.2) and
//! TALINK (IANA registration, trust-anchor chains).

use std::fmt;

use super::rfc1035::parse_name;
use super::RecordData;
use crate::error::{RdataError, TextError};
use crate::name::Name;
use crate::text::Fields;
use crate::wire::{NameKind, Reader, WireSink};

macro_rules! name_pair {
    (
        $(#[$meta:meta])*
        $ty:ident, $kind:ident, $first:ident: $first_what:literal, $second:ident: $second_what:literal,
        $first_doc:literal, $second_doc:literal
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Debug)]
        pub struct $ty {
            #[doc = $first_doc]
            pub $first: Name,
            #[doc = $second_doc]
            pub $second: Name,
        }

        impl RecordData for $ty {
            fn parse(r: &mut Reader<'_>) -> Result<$ty, RdataError> {
                Ok($ty {
                    $first: parse_name(r, NameKind::$kind)?,
                    $second: parse_name(r, NameKind::$kind)?,
                })
            }
            fn write<S: WireSink>(&self, s: &mut S) {
                s.put_name(&self.$first, NameKind::$kind);
                s.put_name(&self.$second, NameKind::$kind);
            }
            fn fmt_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} {}", self.$first, self.$second)
            }
            fn from_text(fields: &mut Fields<'_, '_>) -> Result<$ty, TextError> {
                Ok($ty {
                    $first: fields.name($first_what)?,
                    $second: fields.name($second_what)?,
                })
            }
        }
    };
}

name_pair! {
    /// Mailbox or mail list information (RFC 1035 §3.3.7).
    ///
    /// Wire format: RMAILBX, EMAILBX (compressible names).
    Minfo, Compressible, rmailbx: "RMAILBX", emailbx: "EMAILBX",
    "Mailbox responsible for the mailing list or mailbox.",
    "Mailbox that receives error messages about the list or mailbox."
}

name_pair! {
    /// Responsible person (RFC 1183 §2.2).
    ///
    /// Wire format: MBOX-DNAME, TXT-DNAME (names, uncompressed when sent, lowercased in
    /// canonical form, RFC 4034 §6.2).
    Rp, Canonical, mbox: "mbox-dname", txt: "txt-dname",
    "The responsible person's mailbox, first label the local part (`.` for none).",
    "A name with TXT records about the person (`.` for none)."
}

name_pair! {
    /// Trust anchor link (IANA registration, draft-wijngaards-dnsop-trust-history).
    ///
    /// Wire format: PREVIOUS, NEXT (uncompressed names).
    Talink, Plain, previous: "previous name", next: "next name",
    "The previous name in the chain of trust-anchor links.",
    "The next name in the chain of trust-anchor links."
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{check, refuse};
    use crate::types::RecordType;

    #[test]
    fn rfc1035_section_3_3_7_minfo() {
        check(
            RecordType::MINFO,
            "owner-list errors.Example.COM.",
            "owner-list.example. errors.Example.COM.",
            b"\x0aowner-list\x07example\x00\x06errors\x07Example\x03COM\x00",
        );
        check(RecordType::MINFO, ". .", ". .", b"\x00\x00");
        refuse(RecordType::MINFO, "a");
        refuse(RecordType::MINFO, "a b c");
        refuse(RecordType::MINFO, "");
    }

    #[test]
    fn rfc1183_section_2_2_rp() {
        // RFC 1183 §2.2: `RP   louie.trantor.umd.edu.  LAM1.people.umd.edu.`
        check(
            RecordType::RP,
            "louie.trantor.umd.edu. LAM1.people.umd.edu.",
            "louie.trantor.umd.edu. LAM1.people.umd.edu.",
            b"\x05louie\x07trantor\x03umd\x03edu\x00\x04LAM1\x06people\x03umd\x03edu\x00",
        );
        check(RecordType::RP, "@ .", "example. .", b"\x07example\x00\x00");
        refuse(RecordType::RP, "only-one");
    }

    #[test]
    fn rfc1035_section_3_3_single_mailbox_names() {
        for t in [
            RecordType::MD,
            RecordType::MF,
            RecordType::MB,
            RecordType::MG,
            RecordType::MR,
        ] {
            check(t, "mail", "mail.example.", b"\x04mail\x07example\x00");
            refuse(t, "");
            refuse(t, "a b");
            // RFC 1035 types may be compressed: a pointer back into the message is followed.
            let msg = b"\x07example\x00\x04mail\xc0\x00";
            let rd = crate::rdata::RData::parse(t, msg, 9, 7).expect("compressed name");
            assert_eq!(rd.to_string(), "mail.example.");
        }
        // MINFO names are compressible too.
        let msg = b"\x07example\x00\xc0\x00\x01a\xc0\x00";
        let rd = crate::rdata::RData::parse(RecordType::MINFO, msg, 9, 6).expect("compressed MINFO");
        assert_eq!(rd.to_string(), "example. a.example.");
    }

    #[test]
    fn talink_two_names() {
        check(
            RecordType::TALINK,
            "a b.",
            "a.example. b.",
            b"\x01a\x07example\x00\x01b\x00",
        );
        refuse(RecordType::TALINK, ".");
        refuse(RecordType::TALINK, ". . .");
        // Compression pointers are refused for this post-RFC 3597 type.
        assert!(crate::rdata::RData::parse(RecordType::TALINK, b"\x00\xc0\x00", 1, 2).is_err());
    }
}
