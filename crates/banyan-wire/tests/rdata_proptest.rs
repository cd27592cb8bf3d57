//! Property tests: typed RDATA read from wire, printed, read back from text and written
//! again gives the same octets; and no octet string makes a typed parser panic.

use banyan_wire::text::tokenize;
use banyan_wire::{Name, RData, RecordType};
use proptest::prelude::*;

/// An uncompressed wire-form name of one to four short labels, with bytes that need
/// escaping in text now and then.
fn name() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::collection::vec(prop_oneof![8 => b'a'..=b'z', 1 => b'0'..=b'9', 1 => any::<u8>()], 1..10),
        0..4,
    )
    .prop_map(|labels| {
        let mut w = Vec::new();
        for l in labels {
            w.push(l.len() as u8);
            w.extend(l);
        }
        w.push(0);
        w
    })
}

fn char_string() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..40).prop_map(|s| {
        let mut w = vec![s.len() as u8];
        w.extend(s);
        w
    })
}

/// (type, RDATA wire) pairs for A, MX, TXT, SRV, DS, SSHFP, NSEC and LOC.
fn rdata() -> impl Strategy<Value = (RecordType, Vec<u8>)> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| (RecordType::A, a.to_vec())),
        (any::<u16>(), name()).prop_map(|(p, n)| (RecordType::MX, [&p.to_be_bytes()[..], &n].concat())),
        prop::collection::vec(char_string(), 1..4).prop_map(|s| (RecordType::TXT, s.concat())),
        (any::<[u8; 6]>(), name()).prop_map(|(f, n)| (RecordType::SRV, [&f[..], &n].concat())),
        (
            any::<[u8; 3]>(),
            prop_oneof![Just(1u8), Just(2), Just(4), Just(200)],
            1usize..64
        )
            .prop_map(|(f, dt, n)| {
                let len = match dt {
                    1 => 20,
                    2 => 32,
                    4 => 48,
                    _ => n,
                };
                let digest: Vec<u8> = (0..len).map(|i| (i * 7 + f[0] as usize) as u8).collect();
                (RecordType::DS, [&f[..], &[dt], &digest].concat())
            }),
        (any::<u8>(), prop::collection::vec(any::<u8>(), 20))
            .prop_map(|(a, fp)| (RecordType::SSHFP, [&[a, 1][..], &fp].concat())),
        (name(), prop::collection::btree_set(any::<u16>(), 0..8)).prop_map(|(n, types)| {
            // Build the bitmap by hand so the property does not trust the code under test.
            let mut w = n;
            let mut windows = std::collections::BTreeMap::<u8, [u8; 32]>::new();
            for t in types {
                windows.entry((t >> 8) as u8).or_insert([0; 32])[(t & 0xff) as usize / 8] |= 0x80 >> (t % 8);
            }
            for (win, bits) in windows {
                let len = bits.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                w.extend([win, len as u8]);
                w.extend(&bits[..len]);
            }
            (RecordType::NSEC, w)
        }),
        (1u8..10, 0u8..10, 0u32..=180 * 3_600_000, any::<bool>(), any::<u32>()).prop_map(|(m, e, deg, neg, alt)| {
            let pre = m << 4 | e;
            let lat = if neg {
                (1u32 << 31) - deg / 2
            } else {
                (1u32 << 31) + deg / 2
            };
            let lon = if neg { (1u32 << 31) + deg } else { (1u32 << 31) - deg };
            let mut w = vec![0, pre, pre, pre];
            w.extend(lat.to_be_bytes());
            w.extend(lon.to_be_bytes());
            w.extend(alt.to_be_bytes());
            (RecordType::LOC, w)
        }),
    ]
}

const TYPED: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::NS,
    RecordType::SOA,
    RecordType::MX,
    RecordType::TXT,
    RecordType::HINFO,
    RecordType::SRV,
    RecordType::NAPTR,
    RecordType::CAA,
    RecordType::SSHFP,
    RecordType::TLSA,
    RecordType::SVCB,
    RecordType::HTTPS,
    RecordType::LOC,
    RecordType::DS,
    RecordType::CDS,
    RecordType::DNSKEY,
    RecordType::RRSIG,
    RecordType::NSEC,
    RecordType::NSEC3,
    RecordType::NSEC3PARAM,
    RecordType::ZONEMD,
    RecordType::TSIG,
];

fn from_text(rtype: RecordType, text: &str) -> RData {
    let tokens = tokenize(text).unwrap_or_else(|e| panic!("{rtype} {text}: {e}"));
    RData::from_text(rtype, &tokens, Some(&Name::root())).unwrap_or_else(|e| panic!("{rtype} {text}: {e}"))
}

proptest! {
    // Failures are reported with their minimal input; no regression file is kept.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn wire_text_wire((rtype, wire) in rdata()) {
        let rd = RData::parse(rtype, &wire, 0, wire.len()).unwrap_or_else(|e| panic!("{rtype} {wire:?}: {e}"));
        let text = rd.to_string();
        let back = from_text(rtype, &text);
        prop_assert_eq!(&back, &rd, "{} {}", rtype, text);
        prop_assert_eq!(back.to_wire(), wire);
    }

    #[test]
    fn arbitrary_octets_never_panic(t in 0..TYPED.len(), wire in prop::collection::vec(any::<u8>(), 0..80)) {
        let rtype = TYPED[t];
        if let Ok(rd) = RData::parse(rtype, &wire, 0, wire.len()) {
            // Whatever was accepted prints as text that reads back to the same value.
            prop_assert_eq!(from_text(rtype, &rd.to_string()), rd);
        }
    }

    #[test]
    fn svcb_params_round_trip(port in any::<u16>(), alpn in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..8), 1..4), key in 8u16..65535, value in prop::collection::vec(any::<u8>(), 0..12)) {
        let mut w = vec![0, 1, 0];
        let mut alpn_wire = Vec::new();
        for id in &alpn {
            alpn_wire.push(id.len() as u8);
            alpn_wire.extend(id);
        }
        w.extend([0, 1]);
        w.extend((alpn_wire.len() as u16).to_be_bytes());
        w.extend(&alpn_wire);
        w.extend([0, 3, 0, 2]);
        w.extend(port.to_be_bytes());
        w.extend(key.to_be_bytes());
        w.extend((value.len() as u16).to_be_bytes());
        w.extend(&value);
        let rd = RData::parse(RecordType::HTTPS, &w, 0, w.len()).expect("generated SVCB");
        let back = from_text(RecordType::HTTPS, &rd.to_string());
        prop_assert_eq!(back.to_wire(), w);
    }
}
