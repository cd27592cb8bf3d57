//! DNS messages (RFC 1035 §4): a zero-copy checked view for reading ([`Message`]) and a
//! builder for writing ([`MessageBuilder`]).

mod build;
mod view;

pub use build::{BuildError, BuildSection, MessageBuilder, MAX_COMPRESSION_TARGETS, MAX_MESSAGE_LEN};
pub use view::{Message, NameRef, NameRefLabels, QuestionIter, QuestionView, RecordIter, RecordView};

use crate::error::ParseError;
use crate::header::Header;
use crate::record::{Question, Record};

/// An owned copy of a whole message, for clients and tests that keep one around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedMessage {
    /// The header as received (counts included).
    pub header: Header,
    /// The questions.
    pub questions: Vec<Question>,
    /// Answer records.
    pub answers: Vec<Record>,
    /// Authority records.
    pub authority: Vec<Record>,
    /// Additional records, OPT and TSIG included.
    pub additional: Vec<Record>,
}

impl OwnedMessage {
    /// Copies a checked message out, typing every RDATA (which may fail where the lazy view
    /// did not look).
    pub fn from_view(msg: &Message<'_>) -> Result<OwnedMessage, ParseError> {
        let collect = |it: RecordIter<'_>| it.map(|r| r.to_record()).collect::<Result<Vec<_>, _>>();
        Ok(OwnedMessage {
            header: *msg.header(),
            questions: msg.questions().map(|q| q.to_question()).collect(),
            answers: collect(msg.answers())?,
            authority: collect(msg.authority())?,
            additional: collect(msg.additional())?,
        })
    }

    /// Builds the message again into `buf`, compressing names. Fails only when the result
    /// exceeds 65535 octets.
    pub fn write(&self, buf: &mut Vec<u8>) -> Result<usize, BuildError> {
        let mut b = MessageBuilder::new(buf, self.header);
        for q in &self.questions {
            b.question(&q.qname, q.qtype, q.qclass)?;
        }
        for (section, records) in [
            (BuildSection::Answer, &self.answers),
            (BuildSection::Authority, &self.authority),
            (BuildSection::Additional, &self.additional),
        ] {
            for r in records {
                b.push(section, r)?;
            }
        }
        Ok(b.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edns::{Edns, EdnsOption};
    use crate::error::{NameError, Section};
    use crate::name::Name;
    use crate::rdata::{RData, A};
    use crate::types::{Class, Rcode, RecordType};

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn a(name: &str, ip: [u8; 4]) -> Record {
        Record {
            name: n(name),
            class: Class::IN,
            ttl: 300,
            data: RData::A(A(ip.into())),
        }
    }

    #[test]
    fn query_round_trip() {
        let mut buf = Vec::new();
        let header = Header {
            id: 0xBEEF,
            rd: true,
            ..Header::default()
        };
        let mut b = MessageBuilder::new(&mut buf, header);
        b.question(&n("www.example.com."), RecordType::AAAA, Class::IN).unwrap();
        b.edns(&Edns {
            dnssec_ok: true,
            ..Edns::default()
        })
        .unwrap();
        let len = b.finish();
        assert_eq!(len, buf.len());
        let msg = Message::parse(&buf).unwrap();
        assert_eq!(msg.id(), 0xBEEF);
        assert!(msg.header().rd);
        let q = msg.question().unwrap();
        assert!(q.qname.eq_name(&n("WWW.example.COM.")));
        assert!(!q.qname.eq_name(&n("example.com.")));
        assert_eq!((q.qtype, q.qclass), (RecordType::AAAA, Class::IN));
        let edns = msg.edns().unwrap().unwrap();
        assert!(edns.dnssec_ok);
        assert_eq!(edns.udp_payload_size, 1232);
        assert_eq!(msg.additional().count(), 1);
    }

    #[test]
    fn names_are_compressed() {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(&mut buf, Header::default());
        b.question(&n("example.com."), RecordType::MX, Class::IN).unwrap();
        let mx = Record {
            name: n("example.com."),
            class: Class::IN,
            ttl: 60,
            data: RData::MX(crate::rdata::Mx {
                preference: 10,
                exchange: n("mail.EXAMPLE.com."),
            }),
        };
        b.push(BuildSection::Answer, &mx).unwrap();
        b.push(BuildSection::Additional, &a("mail.example.com.", [192, 0, 2, 1]))
            .unwrap();
        b.finish();
        // header 12 + question 13+4 + answer (2 ptr + 10 + 2 pref + 5 "mail" + 2 ptr)
        // + additional (2 ptr + 10 + 4)
        assert_eq!(buf.len(), 12 + 17 + 21 + 16);
        let msg = Message::parse(&buf).unwrap();
        let owned = OwnedMessage::from_view(&msg).unwrap();
        assert_eq!(owned.answers, vec![mx]);
        assert_eq!(owned.additional[0].name, n("mail.example.com."));
        // Original case of the first occurrence wins for the compressed suffix.
        assert_eq!(owned.answers[0].data.to_string(), "10 mail.example.com.");
    }

    #[test]
    fn rfc2181_section_9_truncation_drops_whole_rrsets() {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(&mut buf, Header::default());
        b.set_limit(512);
        let edns = Edns::default();
        b.reserve(edns.wire_len());
        b.question(&n("big.example."), RecordType::A, Class::IN).unwrap();
        // First RRset: 10 records fit. Second RRset: 40 records do not.
        for i in 0..10 {
            b.push(BuildSection::Answer, &a("big.example.", [10, 0, 0, i])).unwrap();
        }
        let mut refused = 0;
        for i in 0..40 {
            if b.push(BuildSection::Answer, &a("other.example.", [10, 0, 1, i]))
                .is_err()
            {
                refused += 1;
            }
        }
        assert!(refused > 0);
        assert!(b.is_truncated());
        assert_eq!(
            b.push(BuildSection::Authority, &a("x.", [1, 1, 1, 1])),
            Err(BuildError::NoSpace)
        );
        b.edns(&edns).unwrap();
        b.finish();
        assert!(buf.len() <= 512);
        let msg = Message::parse(&buf).unwrap();
        assert!(msg.header().tc);
        assert_eq!(msg.answers().count(), 10, "only the complete RRset stays");
        assert!(msg.answers().all(|r| r.name.eq_name(&n("big.example."))));
        assert!(msg.edns().is_some());
    }

    #[test]
    fn stored_rdata_names_are_compressed() {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(&mut buf, Header::default());
        b.question(&n("example.com."), RecordType::MX, Class::IN).unwrap();
        let mx = RData::MX(crate::rdata::Mx {
            preference: 10,
            exchange: n("mail.example.com."),
        });
        b.push_stored(
            BuildSection::Answer,
            &n("example.com."),
            RecordType::MX,
            Class::IN,
            60,
            &mx.to_wire(),
        )
        .unwrap();
        let soa = Record::from_text(
            "example.com. 60 SOA ns.example.com. host.example.com. 1 2 3 4 5",
            None,
            None,
        )
        .unwrap();
        b.push_stored(
            BuildSection::Authority,
            &soa.name,
            RecordType::SOA,
            Class::IN,
            60,
            &soa.data.to_wire(),
        )
        .unwrap();
        // A malformed stored name is copied, not misread.
        b.push_stored(
            BuildSection::Additional,
            &n("x.example.com."),
            RecordType::NS,
            Class::IN,
            60,
            b"\x03ab",
        )
        .unwrap();
        b.finish();
        let msg = Message::parse(&buf);
        assert!(msg.is_err(), "the malformed NS is refused by the parser, as it must be");
        let mut buf2 = Vec::new();
        let mut b = MessageBuilder::new(&mut buf2, Header::default());
        b.question(&n("example.com."), RecordType::MX, Class::IN).unwrap();
        b.push_stored(
            BuildSection::Answer,
            &n("example.com."),
            RecordType::MX,
            Class::IN,
            60,
            &mx.to_wire(),
        )
        .unwrap();
        b.push_stored(
            BuildSection::Authority,
            &soa.name,
            RecordType::SOA,
            Class::IN,
            60,
            &soa.data.to_wire(),
        )
        .unwrap();
        b.finish();
        // MX: pointer owner (2) + 10 + pref 2 + "mail" label 5 + pointer 2; SOA: 2 + 10 +
        // "ns" 3 + ptr 2 + "host" 5 + ptr 2 + 20.
        assert_eq!(buf2.len(), 12 + 17 + 21 + 44);
        let owned = OwnedMessage::from_view(&Message::parse(&buf2).unwrap()).unwrap();
        assert_eq!(owned.answers[0].data, mx);
        assert_eq!(owned.authority[0], soa);
    }

    #[test]
    fn additional_overflow_keeps_tc_clear() {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(&mut buf, Header::default());
        b.set_limit(512);
        b.question(&n("example."), RecordType::NS, Class::IN).unwrap();
        let mut dropped = false;
        for i in 0..60u8 {
            if b.push(BuildSection::Additional, &a(&format!("ns{i}.example."), [10, 0, 0, i]))
                .is_err()
            {
                dropped = true;
            }
        }
        assert!(dropped);
        assert!(!b.is_truncated());
        b.finish();
        assert!(Message::parse(&buf).is_ok());
    }

    #[test]
    fn section_order_enforced() {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(&mut buf, Header::default());
        b.push(BuildSection::Authority, &a("x.", [1, 2, 3, 4])).unwrap();
        assert_eq!(
            b.push(BuildSection::Answer, &a("x.", [1, 2, 3, 4])),
            Err(BuildError::SectionOrder)
        );
        assert_eq!(
            b.question(&n("x."), RecordType::A, Class::IN),
            Err(BuildError::SectionOrder)
        );
    }

    fn header(counts: [u16; 4]) -> Vec<u8> {
        Header {
            qdcount: counts[0],
            ancount: counts[1],
            nscount: counts[2],
            arcount: counts[3],
            ..Header::default()
        }
        .to_bytes()
        .to_vec()
    }

    #[test]
    fn malformed_messages_are_refused() {
        assert_eq!(Message::parse(&[0; 11]).unwrap_err(), ParseError::ShortHeader);
        // Counts claim a question that is not there.
        assert!(matches!(
            Message::parse(&header([1, 0, 0, 0])),
            Err(ParseError::Truncated {
                section: Section::Question,
                ..
            })
        ));
        // Question name pointing at itself.
        let mut m = header([1, 0, 0, 0]);
        m.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1]);
        assert!(matches!(
            Message::parse(&m),
            Err(ParseError::Name {
                error: NameError::ForwardPointer,
                ..
            })
        ));
        // RDLENGTH past the end.
        let mut m = header([0, 1, 0, 0]);
        m.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4]);
        assert!(matches!(Message::parse(&m), Err(ParseError::Truncated { .. })));
        // NS whose name is shorter than RDLENGTH.
        let mut m = header([0, 1, 0, 0]);
        m.extend_from_slice(&[0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0]);
        assert!(matches!(Message::parse(&m), Err(ParseError::Rdata { .. })));
        // Trailing data.
        let mut m = header([0, 0, 0, 0]);
        m.push(0);
        assert_eq!(Message::parse(&m).unwrap_err(), ParseError::TrailingData(1));
        // Two OPT records.
        let mut m = header([0, 0, 0, 2]);
        for _ in 0..2 {
            Edns::default().write_record(&mut m);
        }
        assert_eq!(Message::parse(&m).unwrap_err(), ParseError::BadOpt);
        // OPT in the answer section.
        let mut m = header([0, 1, 0, 0]);
        Edns::default().write_record(&mut m);
        assert_eq!(Message::parse(&m).unwrap_err(), ParseError::BadOpt);
    }

    #[test]
    fn rfc2136_empty_rdata_in_class_any_and_none() {
        // An UPDATE deleting the A RRset of x.: class ANY, RDLENGTH 0.
        let mut m = header([0, 0, 1, 0]);
        m.extend_from_slice(&[1, b'x', 0, 0, 1, 0, 255, 0, 0, 0, 0, 0, 0]);
        let msg = Message::parse(&m).unwrap();
        let r = msg.authority().next().unwrap();
        assert_eq!(
            r.rdata().unwrap(),
            RData::Unknown {
                rtype: RecordType::A,
                data: vec![]
            }
        );
        let owned = OwnedMessage::from_view(&msg).unwrap();
        let mut buf = Vec::new();
        owned.write(&mut buf).unwrap();
        assert_eq!(buf, m);
        // In class IN the same bytes are a malformed A record.
        m[12 + 3 + 2 + 1] = 1;
        let msg = Message::parse(&m).unwrap();
        assert!(msg.authority().next().unwrap().rdata().is_err());
        // Types whose RDATA holds names too: deleting the NS RRset (class ANY) and an
        // "RRset does not exist" prerequisite on CNAME (class NONE) parse.
        for (rtype, class) in [(2u8, 255u8), (5, 254)] {
            let mut m = header([0, 0, 1, 0]);
            m.extend_from_slice(&[1, b'x', 0, 0, rtype, 0, class, 0, 0, 0, 0, 0, 0]);
            let msg = Message::parse(&m).unwrap();
            let r = msg.authority().next().unwrap();
            assert_eq!(
                r.rdata().unwrap(),
                RData::Unknown {
                    rtype: RecordType(rtype.into()),
                    data: vec![]
                }
            );
            // In class IN, an NS or CNAME without its name is malformed.
            m[12 + 3 + 2 + 1] = 1;
            assert!(Message::parse(&m).is_err());
        }
    }

    #[test]
    fn extended_rcode_combines_header_and_opt() {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(
            &mut buf,
            Header {
                qr: true,
                rcode: (Rcode::BADVERS.0 & 0xF) as u8,
                ..Header::default()
            },
        );
        b.edns(&Edns {
            extended_rcode: (Rcode::BADVERS.0 >> 4) as u8,
            options: vec![EdnsOption::Nsid(b"x".to_vec())],
            ..Edns::default()
        })
        .unwrap();
        b.finish();
        let msg = Message::parse(&buf).unwrap();
        assert_eq!(msg.rcode(), Rcode::BADVERS);
    }

    #[test]
    fn name_ref_display_and_labels() {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(&mut buf, Header::default());
        b.question(&n("a.b.example."), RecordType::A, Class::IN).unwrap();
        b.push(BuildSection::Answer, &a("b.example.", [1, 2, 3, 4])).unwrap();
        b.push(BuildSection::Answer, &a(".", [1, 2, 3, 4])).unwrap();
        b.finish();
        let msg = Message::parse(&buf).unwrap();
        let names: Vec<String> = msg.answers().map(|r| r.name.to_string()).collect();
        assert_eq!(names, ["b.example.", "."]);
        assert_eq!(msg.answers().next().unwrap().name.labels().count(), 2);
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        fn name() -> impl Strategy<Value = Name> {
            // A small label pool so that names share suffixes and compression kicks in.
            let label = prop_oneof![
                Just(b"www".to_vec()),
                Just(b"Example".to_vec()),
                Just(b"com".to_vec()),
                Just(b"a".to_vec()),
                proptest::collection::vec(any::<u8>(), 1..8),
            ];
            proptest::collection::vec(label, 0..5)
                .prop_map(|labels| Name::from_labels(labels.iter().map(Vec::as_slice)).expect("short"))
        }

        fn rdata() -> impl Strategy<Value = RData> {
            prop_oneof![
                any::<[u8; 4]>().prop_map(|a| RData::A(A(a.into()))),
                any::<[u8; 16]>().prop_map(|a| RData::AAAA(crate::rdata::Aaaa(a.into()))),
                name().prop_map(RData::NS),
                name().prop_map(RData::CNAME),
                name().prop_map(RData::DNAME),
                (any::<u16>(), name())
                    .prop_map(|(preference, exchange)| RData::MX(crate::rdata::Mx { preference, exchange })),
                proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..4)
                    .prop_map(|t| RData::TXT(crate::rdata::Txt(t))),
                (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..20))
                    .prop_filter("not a typed or meta type", |(t, _)| *t > 300 && *t < 32768)
                    .prop_map(|(t, data)| RData::Unknown {
                        rtype: RecordType(t),
                        data
                    }),
            ]
        }

        fn record() -> impl Strategy<Value = Record> {
            (name(), any::<u32>(), rdata()).prop_map(|(name, ttl, data)| Record {
                name,
                class: Class::IN,
                ttl,
                data,
            })
        }

        proptest! {
            /// build → parse → build gives the same records, and the compressed message is
            /// never longer than the uncompressed one.
            #[test]
            fn build_parse_round_trip(
                id in any::<u16>(),
                qname in name(),
                answers in proptest::collection::vec(record(), 0..6),
                authority in proptest::collection::vec(record(), 0..4),
                additional in proptest::collection::vec(record(), 0..4),
            ) {
                let owned = OwnedMessage {
                    header: Header { id, qr: true, aa: true, qdcount: 1, ancount: answers.len() as u16,
                        nscount: authority.len() as u16, arcount: additional.len() as u16, ..Header::default() },
                    questions: vec![Question { qname, qtype: RecordType::A, qclass: Class::IN }],
                    answers,
                    authority,
                    additional,
                };
                let mut buf = Vec::new();
                owned.write(&mut buf).unwrap();
                let msg = Message::parse(&buf).unwrap();
                let back = OwnedMessage::from_view(&msg).unwrap();
                prop_assert_eq!(&back, &owned);
                let uncompressed: usize = 12 + owned.questions.iter().map(|q| q.qname.len() + 4).sum::<usize>()
                    + [&owned.answers, &owned.authority, &owned.additional].iter()
                        .flat_map(|s| s.iter()).map(|r| r.name.len() + 10 + r.data.to_wire().len()).sum::<usize>();
                prop_assert!(buf.len() <= uncompressed);
            }
        }
    }
}
