//! The property the `query` target checks, kept apart from libFuzzer so that
//! `crates/banyan-auth/tests/fuzz_regressions.rs` includes this file and runs the committed
//! corpus through the same check.
//!
//! The input is a request to the authoritative server, answered by `respond` as
//! `banyan auth` answers it, once as if it came over UDP and once over TCP. Its layout:
//!
//! ```text
//! octet 0   bits 0-1 — the zones served: 0 the lab zones ([`LAB`], [`CHILD`], [`NET`]:
//!                      referrals with and without glue, CNAME chains and loops, DNAME,
//!                      RFC 4592's wildcards, empty non-terminals, an RRset too large for
//!                      UDP, an unknown type), 1 RFC 4035 Appendix A (NSEC-signed), 2 RFC 5155
//!                      Appendix A (NSEC3-signed), 3 the lab zones with a journal of
//!                      `example.` from serials [`OLD_SERIALS`] (IXFR, RFC 1995);
//!           bit 2    — every option on: NSID, CHAOS identity, DNS Cookies, views, ECS, the
//!                      debug option for every client, transfers and NOTIFY allowed from
//!                      192.0.2.0/24;
//!           bit 3    — cookies required over UDP (with bit 2);
//!           bits 4-5 — the client: 192.0.2.1, 10.1.2.3 (a view's subnet), 2001:db8::1,
//!                      127.0.0.1;
//!           bit 6    — sign the message (from octet 1) before answering it: with [`KEY`],
//!                      or with bit 7 also set with [`long_key`] (a 250-octet name, whose
//!                      TSIG beside a long question overflows 512 octets)
//! octets 1.. the message, as received
//! ```
//!
//! It must hold that:
//!
//! - `respond` never panics, and answers the same octets when asked twice (no hidden state);
//! - it sends nothing only to a message with no readable header or with QR set (RFC 1035
//!   §7.3); a transfer stream only over TCP;
//! - every message it sends parses, every RDATA in it is typed (`OwnedMessage::from_view`),
//!   it has QR set and the request's ID and opcode, and any question in it is the request's
//!   own, octet for octet;
//! - to a request the target signed, every message with a TSIG but NOTAUTH verifies with the
//!   key and the request's MAC (`verify_response`; a stream with `StreamVerifier`);
//! - over UDP it fits the size the client may receive: 512 octets, or with a readable OPT the
//!   smaller of the client's and the server's (1232) but at least 512 (RFC 6891 §6.2.5),
//!   a TSIG included (RFC 8945 §5.3);
//! - over TCP it is never truncated;
//! - for a QUERY other than a transfer, a UDP answer without TC is the TCP answer: the same
//!   RCODE and AA, the same answer and authority records, and additional records the TCP
//!   answer also has (the additional section is best effort, RFC 2181 §9). A truncated UDP
//!   answer holds a leading part of the TCP answer section, whole RRsets only.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use banyan_auth::{respond, Action, AuthConfig, Catalog, CookieConfig, Journal, Request, TransferAcl, Transport, View};
use banyan_wire::tsig::{sign_request, verify_response, KeyRing, StreamVerifier, TsigAlgorithm, TsigKey};
use banyan_wire::{Class, Header, Message, Name, Opcode, OwnedMessage, Rcode, Record, RecordType};
use banyan_zone::{diff, parse_str, ParseOptions, Zone};

/// The clock of every check (seconds since 1970).
pub const NOW: u64 = 1_795_346_041;

/// The name of the TSIG key (hmac-sha256) requests may be signed with (bit 6).
pub const KEY: &str = "query.key.";

/// The largest UDP answer the server sends (its default, `max_udp_payload`).
pub const SERVER_UDP: u16 = 1232;

/// The lab's parent zone, `example.`: RFC 4592 §2.2.1's wildcard example, with the cases of
/// RFC 1034 §4.3.2 around it.
pub const LAB: &str = "\
$ORIGIN example.
$TTL 3600
@ SOA ns1 hostmaster 2026112201 7200 3600 1209600 300
@ NS ns1
@ NS ns.elsewhere.test.
@ MX 10 mail
@ MX 20 mx.elsewhere.test.
ns1 A 192.0.2.1
ns1 AAAA 2001:db8::1
mail A 192.0.2.25
www A 192.0.2.10
www A 192.0.2.11
www AAAA 2001:db8::10
www TXT \"web\"
alias CNAME alias2
alias2 CNAME www
out CNAME www.elsewhere.test.
tochild CNAME www.child
tonet CNAME host.example.net.
loop1 CNAME loop2
loop2 CNAME loop1
dn DNAME example.net.
long DNAME aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test.
*.example. TXT \"this is a wildcard\"
*.example. MX 10 host1
sub.*.example. TXT \"this is not a wildcard\"
host1 A 192.0.2.1
_ssh._tcp.host1 SRV 0 0 22 host1
_ssh._tcp.host2 SRV 0 0 22 host2
subdel NS ns.example.com.
subdel NS ns.example.net.
child NS ns.child
child NS ns1
child DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.child A 192.0.2.53
ns.child AAAA 2001:db8::53
noglue NS ns.noglue.elsewhere.test.
a.b.c.ent A 192.0.2.44
big TXT \"0 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"1 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"2 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"3 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"4 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"5 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"6 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"7 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"8 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"9 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"10 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"11 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"12 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"13 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"14 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"15 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"16 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big TXT \"17 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
big A 192.0.2.80
mid TXT \"0 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
mid TXT \"1 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
mid TXT \"2 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
mid TXT \"3 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
mid TXT \"4 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
mid TXT \"5 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
mid TXT \"6 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
mid TXT \"7 the quick brown fox jumps over the lazy dog, the quick brown fox jumps\"
many MX 10 mail
many MX 20 www
many MX 30 host1
many MX 40 ns1
many MX 50 ns.child
$GENERATE 1-12 mxmany MX $ m$.mail
$GENERATE 1-12 m$.mail A 192.0.2.${100}
$GENERATE 1-12 m$.mail AAAA 2001:db8::${100}
unknown TYPE65280 \\# 4 deadbeef
caa CAA 0 issue \"ca.example.net\"
";

/// The serials `example.` had before [`LAB`]'s: the journal of catalog 3 goes from the first
/// through the second (a few records changed, [`CHANGES`]) to the current one.
pub const OLD_SERIALS: [u32; 2] = [2026112199, 2026112200];

/// What changed from one version of `example.` to the next, oldest first: records the newer
/// version lacks, in the older one's text.
pub const CHANGES: [&str; 2] = [
    "old1 A 192.0.2.201\nold1 TXT \"removed at 2026112200\"\n",
    "old2 A 192.0.2.202\nwww TXT \"before 2026112201\"\n",
];

/// The lab's child zone, `child.example.`, served beside its parent (DS from the parent side,
/// RFC 4035 §3.1.4.1).
pub const CHILD: &str = "\
$ORIGIN child.example.
$TTL 3600
@ SOA ns hostmaster 7 7200 3600 1209600 300
@ NS ns
@ NS ns1.example.
ns A 192.0.2.53
ns AAAA 2001:db8::53
www A 192.0.2.54
back CNAME www.example.
";

/// The lab's DNAME target zone, `example.net.`.
pub const NET: &str = "\
$ORIGIN example.net.
$TTL 3600
@ SOA ns1.example. hostmaster 1 7200 3600 1209600 300
@ NS ns1.example.
host A 198.51.100.1
host.sub A 198.51.100.2
";

/// RFC 4035 Appendix A: `example.`, signed with NSEC.
const RFC4035: &str = include_str!("../../../shared/testdata/dnssec/rfc-examples/rfc4035/appendix-A-signed-zone.zone");

/// RFC 5155 Appendix A: `example.`, signed with NSEC3.
const RFC5155: &str = include_str!("../../../shared/testdata/dnssec/rfc-examples/rfc5155/appendix-A-example-zone.zone");

fn name(text: &str) -> Name {
    text.parse().expect("fixed name")
}

fn zone(text: &str, origin: &str) -> Zone {
    let origin = name(origin);
    let mut zone = Zone::new(origin.clone(), Class::IN);
    let opts = ParseOptions {
        origin: Some(origin),
        default_ttl: Some(3600),
        ..ParseOptions::default()
    };
    let report = parse_str(text, Path::new("query-fuzz"), &opts, &mut |r| {
        zone.insert(&r).expect("a record of the zone");
    });
    assert!(report.is_ok(), "{:?}", report.errors);
    zone.finish();
    zone
}

/// [`LAB`] as it was at `serial` ([`OLD_SERIALS`]), or as it is.
fn lab(serial: Option<u32>) -> Zone {
    let Some(serial) = serial else {
        return zone(LAB, "example.");
    };
    let mut text = LAB.replace("2026112201", &serial.to_string());
    // The older a version, the more of the changes it still has.
    for (old, change) in OLD_SERIALS.iter().zip(CHANGES) {
        if serial <= *old {
            text.push_str(change);
        }
    }
    zone(&text, "example.")
}

/// The catalogs bits 0-1 choose from, built once.
fn catalogs() -> &'static [Catalog; 4] {
    static CATALOGS: OnceLock<[Catalog; 4]> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        let lab_zones = Catalog::new(vec![
            lab(None),
            zone(CHILD, "child.example."),
            zone(NET, "example.net."),
        ]);
        let versions = [lab(Some(OLD_SERIALS[0])), lab(Some(OLD_SERIALS[1])), lab(None)];
        let journal = Journal::new(versions.windows(2).map(|v| diff(&v[0], &v[1])).collect());
        let [.., current] = versions;
        let with_journal = lab_zones.with_zone(current, Some(Arc::new(journal)));
        [
            lab_zones,
            Catalog::new(vec![zone(RFC4035, "example.")]),
            Catalog::new(vec![zone(RFC5155, "example.")]),
            with_journal,
        ]
    })
}

/// The key of bit 6.
pub fn key() -> TsigKey {
    TsigKey::new(
        name(KEY),
        TsigAlgorithm::HmacSha256,
        b"the key of the query fuzz target".to_vec(),
    )
}

/// A name near the limit of 255 octets: four long labels (240 octets) before `suffix`, so 249
/// octets in wire form with `example.`, 250 with `long.key.`.
pub fn long_name(suffix: &str) -> Name {
    let label = "a".repeat(62);
    format!("{label}.{label}.{label}.{}.{suffix}", "b".repeat(50))
        .parse()
        .expect("a valid name")
}

/// A second key the server knows (hmac-sha512), with a name of 250 octets: its TSIG is 353
/// octets, so that a reply repeating a long question cannot carry both within 512.
pub fn long_key() -> TsigKey {
    TsigKey::new(
        long_name("long.key."),
        TsigAlgorithm::HmacSha512,
        b"the long key of the query fuzz target".to_vec(),
    )
}

/// The server's options: plain (bit 2 clear), every option on, and every option on with
/// cookies required over UDP (bits 2 and 3).
fn configs() -> &'static [AuthConfig; 3] {
    static CONFIGS: OnceLock<[AuthConfig; 3]> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let record = |text: &str| Record::from_text(text, None, Some(60)).expect("fixed record");
        let views = vec![
            View::new(
                "eu",
                vec![("10.1.0.0/16".parse().expect("fixed prefix"), Some("EU".to_string()))],
                vec![
                    record("www.example. A 198.51.100.10"),
                    record("alias2.example. CNAME mail.example."),
                    record("only-eu.example. TXT \"eu\""),
                ],
            )
            .expect("a valid view"),
            View::new(
                "v6",
                vec![("2001:db8::/32".parse().expect("fixed prefix"), None)],
                vec![record("www.example. AAAA 2001:db8::99")],
            )
            .expect("a valid view"),
        ];
        let plain = AuthConfig {
            keys: KeyRing::new(vec![key(), long_key()]),
            ..AuthConfig::default()
        };
        let everything = |require: bool| AuthConfig {
            nsid: Some(b"fuzz-1".to_vec()),
            chaos_version: Some("banyan-fuzz".to_string()),
            chaos_id: Some("fuzz.example".to_string()),
            allow_transfer: vec![TransferAcl::Addr("192.0.2.0/24".parse().expect("fixed prefix"))],
            cookies: Some(CookieConfig {
                secret: *b"0123456789abcdef",
                require,
            }),
            views: views.clone(),
            ecs: true,
            notifiers: vec!["192.0.2.0/24".parse().expect("fixed prefix")],
            debug_allow: vec![
                "0.0.0.0/0".parse().expect("fixed prefix"),
                "::/0".parse().expect("fixed prefix"),
            ],
            ..plain.clone()
        };
        [plain.clone(), everything(false), everything(true)]
    })
}

/// The clients bits 4-5 choose from.
const CLIENTS: [IpAddr; 4] = [
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
    IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)),
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
    IpAddr::V4(Ipv4Addr::LOCALHOST),
];

/// What one input came to, for the seeds' own tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The UDP answer's header, if one was sent.
    pub udp: Option<Header>,
    /// The TCP answer's header (the first message of a stream), if one was sent.
    pub tcp: Option<Header>,
    /// Whether TCP answered with a transfer stream.
    pub tcp_stream: bool,
}

/// How the target signed a request: the key, and the request's MAC.
pub type Signer = (TsigKey, Vec<u8>);

/// The request an input makes: the message from octet 1, signed when bit 6 is set. `None` for
/// an empty input.
pub fn request(data: &[u8]) -> Option<(Vec<u8>, Option<Signer>)> {
    let (&flags, message) = data.split_first()?;
    let mut message = message.to_vec();
    if flags & 0x40 == 0 {
        return Some((message, None));
    }
    let key = if flags & 0x80 != 0 { long_key() } else { key() };
    let mac = sign_request(&mut message, &key, NOW);
    Some((message, Some((key, mac))))
}

/// Checks one input (layout and properties in the module documentation). `None` for an
/// empty input.
pub fn check_query(data: &[u8]) -> Option<Outcome> {
    let flags = *data.first()?;
    let (request, signer) = request(data)?;
    let catalog = &catalogs()[usize::from(flags & 3)];
    let config = &configs()[match (flags & 4 != 0, flags & 8 != 0) {
        (false, _) => 0,
        (true, false) => 1,
        (true, true) => 2,
    }];
    let client = SocketAddr::new(CLIENTS[usize::from(flags >> 4) & 3], 5353);
    let ask = |transport| {
        let req = Request {
            bytes: &request,
            client,
            transport,
            now: NOW,
        };
        let mut out = Vec::new();
        let action = respond(catalog, config, &req, &mut out);
        let mut again = Vec::new();
        assert_eq!(
            respond(catalog, config, &req, &mut again),
            action,
            "the same action twice"
        );
        assert_eq!(again, out, "the same octets twice");
        match action {
            Action::Reply | Action::Notify { .. } => (vec![out], false),
            Action::Stream(messages) => {
                assert_eq!(transport, Transport::Tcp, "a transfer stream only over TCP");
                assert!(!messages.is_empty(), "a stream of at least one message");
                (messages, true)
            }
            Action::Drop => {
                let readable = request.len() >= 12;
                assert!(
                    !readable || request[2] & 0x80 != 0,
                    "only an unreadable header or a response is dropped"
                );
                (Vec::new(), false)
            }
            Action::Update { .. } => {
                assert_eq!(request[2] >> 3 & 0xF, Opcode::UPDATE.0, "only an UPDATE is handed on");
                (Vec::new(), false)
            }
        }
    };
    let (udp, _) = ask(Transport::Udp);
    let (tcp, tcp_stream) = ask(Transport::Tcp);
    let limit = udp_limit(&request);
    let mut headers = [None, None];
    for (i, (messages, transport)) in [(&udp, Transport::Udp), (&tcp, Transport::Tcp)].into_iter().enumerate() {
        for reply in messages.iter() {
            let header = check_reply(&request, reply);
            if transport == Transport::Udp {
                assert!(
                    reply.len() <= limit,
                    "a UDP answer of {} octets, over the {limit} the client may receive",
                    reply.len()
                );
            } else {
                assert!(!header.tc, "a TCP answer is never truncated");
            }
            headers[i].get_or_insert(header);
        }
    }
    if let Some((key, mac)) = &signer {
        check_signed(&udp, key, mac, false);
        check_signed(&tcp, key, mac, tcp_stream);
    }
    if let ([u], [t]) = (udp.as_slice(), tcp.as_slice()) {
        compare(&request, u, t);
    }
    Some(Outcome {
        udp: headers[0],
        tcp: headers[1],
        tcp_stream,
    })
}

/// The largest UDP answer the request allows (RFC 6891 §6.2.5): 512 without a readable OPT.
fn udp_limit(request: &[u8]) -> usize {
    let size = Message::parse(request)
        .ok()
        .and_then(|m| m.edns())
        .and_then(Result::ok)
        .map_or(512, |e| e.udp_payload_size.min(SERVER_UDP));
    usize::from(size).max(512)
}

/// The checks every message sent must pass; returns its header.
fn check_reply(request: &[u8], reply: &[u8]) -> Header {
    let msg = Message::parse(reply).unwrap_or_else(|e| panic!("an answer that does not parse: {e:?}"));
    let owned = OwnedMessage::from_view(&msg).unwrap_or_else(|e| panic!("an answer with untyped RDATA: {e:?}"));
    let header = owned.header;
    assert!(header.qr, "QR set in every answer");
    assert_eq!(reply[..2], request[..2], "the request's ID");
    assert_eq!(header.opcode, request[2] >> 3 & 0xF, "the request's opcode");
    if let Some(asked) = msg.question() {
        let theirs = Message::parse(request).ok().and_then(|m| m.question());
        let theirs = theirs.expect("a question only where the request had a readable one");
        let (mut a, mut b) = ([0u8; 255], [0u8; 255]);
        let (la, lb) = (
            asked.qname.write_uncompressed(&mut a),
            theirs.qname.write_uncompressed(&mut b),
        );
        assert_eq!(a[..la], b[..lb], "the question's name as asked, case included");
        assert_eq!((asked.qtype, asked.qclass), (theirs.qtype, theirs.qclass));
    }
    header
}

/// The answer to a request signed with `key` (its MAC `mac`): every message with a TSIG but
/// NOTAUTH (whose errors are unsigned or signed otherwise, RFC 8945 §5.3.2) verifies.
fn check_signed(messages: &[Vec<u8>], key: &TsigKey, mac: &[u8], stream: bool) {
    let signed = |m: &[u8]| {
        let msg = Message::parse(m).expect("checked before");
        msg.tsig_record().is_some() && msg.header().rcode != Rcode::NOTAUTH.0 as u8
    };
    if stream {
        if !messages.first().is_some_and(|m| signed(m)) {
            return;
        }
        let mut verifier = StreamVerifier::new(key.clone(), mac.to_vec());
        for m in messages {
            verifier
                .verify(m, NOW)
                .unwrap_or_else(|e| panic!("a signed stream that does not verify: {e:?}"));
        }
        verifier
            .finish()
            .unwrap_or_else(|e| panic!("a signed stream that does not end signed: {e:?}"));
        return;
    }
    for m in messages.iter().filter(|m| signed(m)) {
        verify_response(m, key, mac, NOW).unwrap_or_else(|e| panic!("a signed answer that does not verify: {e:?}"));
    }
}

/// Records of a section other than OPT and TSIG, for comparing UDP and TCP answers.
fn data(records: &[Record]) -> Vec<&Record> {
    records
        .iter()
        .filter(|r| !matches!(r.rtype(), RecordType::OPT | RecordType::TSIG))
        .collect()
}

/// The UDP answer against the TCP answer, for a plain QUERY.
fn compare(request: &[u8], udp: &[u8], tcp: &[u8]) {
    let Ok(asked) = Message::parse(request) else {
        return;
    };
    let is_query = asked.header().opcode == Opcode::QUERY.0;
    let transfer = asked
        .question()
        .is_some_and(|q| matches!(q.qtype, RecordType::AXFR | RecordType::IXFR));
    if !is_query || transfer {
        return;
    }
    let parse = |bytes: &[u8]| {
        let msg = Message::parse(bytes).expect("checked before");
        OwnedMessage::from_view(&msg).expect("checked before")
    };
    if Message::parse(udp).expect("checked before").rcode() == Rcode::BADCOOKIE {
        // Refused for want of a valid server cookie (RFC 7873 §5.2.3), which TCP never is.
        return;
    }
    let (u, t) = (parse(udp), parse(tcp));
    if u.header.tc {
        let (ua, ta) = (data(&u.answers), data(&t.answers));
        assert!(
            ua.len() <= ta.len() && ua[..] == ta[..ua.len()],
            "a truncated UDP answer holds the start of the TCP answer section"
        );
        if let (Some(last), Some(next)) = (ua.last(), ta.get(ua.len())) {
            let same_set = last.name == next.name && last.rtype() == next.rtype() && last.class == next.class;
            assert!(!same_set, "a truncated answer holds whole RRsets only (RFC 2181 §9)");
        }
        return;
    }
    assert_eq!(u.header.rcode, t.header.rcode, "the same RCODE over UDP and TCP");
    assert_eq!(u.header.aa, t.header.aa, "the same AA over UDP and TCP");
    assert_eq!(data(&u.answers), data(&t.answers), "the same answer section");
    assert_eq!(data(&u.authority), data(&t.authority), "the same authority section");
    let tcp_additional = data(&t.additional);
    for r in data(&u.additional) {
        assert!(
            tcp_additional.contains(&r),
            "an additional record over UDP that TCP lacks: {r:?}"
        );
    }
}
