//! The property the `update` target checks, kept apart from libFuzzer so that
//! `crates/banyan-auth/tests/fuzz_regressions.rs` includes this file and runs the committed
//! corpus through the same check.
//!
//! The input becomes the body of an RFC 2136 UPDATE for the fixed zone `example.` ([`ZONE`]:
//! SOA, NS, A, AAAA, MX, TXT, a CNAME, a delegation with glue, a wildcard). Its layout:
//!
//! ```text
//! octet 0      flags: bit 0 — sign the request (hmac-sha256, UPDATE_KEY) before `respond`;
//!              bits 1-2 — the SerialPolicy (increment, unixtime, date, increment);
//!              bits 3-4 — the zone's SOA serial (SERIALS: 10, 2^31 - 1, 2^32 - 1, NOW)
//! octets 1-3   PRCOUNT, UPCOUNT, ADCOUNT (one octet each)
//! octets 4..   the prerequisite, update and additional sections
//! ```
//!
//! The message is a header (ID 0x2136, opcode UPDATE, ZOCOUNT 1, the counts above), the zone
//! section `example. SOA IN` at offset 12 (so the pointer `c0 0c` names the zone), then the
//! input from octet 4. It goes to:
//!
//! - `respond` as UPDATE and again as NOTIFY (from the zone's primary): never `Drop`, a reply
//!   parses and carries the request's ID, an UPDATE for the zone is handed on as
//!   `Action::Update`, a NOTIFY as `Action::Notify` for the zone;
//! - `apply_update` unsigned (always refused), signed with a permissive rule (never
//!   REFUSED), with a restrictive one (where it succeeds, the permissive one gives the same
//!   zone) and by a key no rule names (nothing changes). Never SERVFAIL (the difference
//!   always applies to the zone it came from). Where it returns a new version: the
//!   difference applied to a copy of the old zone gives exactly the new zone's records; the
//!   records of the old zone, less those removed, plus those added, are those of the new;
//!   the serial has grown (RFC 1982); the difference starts with the old and the new SOA;
//!   the new zone has one SOA, at its apex. Every refusal gets an `update_reply` that parses.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::OnceLock;

use banyan_auth::{
    apply_update, respond, update_reply, Action, AuthConfig, Catalog, NamePattern, Request, SerialPolicy, Transport,
    UpdateRule,
};
use banyan_wire::tsig::{sign_request, KeyRing, TsigAlgorithm, TsigKey};
use banyan_wire::{Class, Message, Name, Opcode, Rcode, Record, RecordType};
use banyan_zone::{serial_gt, Zone, ZoneDiff};

/// The clock of every check (seconds since 1970).
pub const NOW: u64 = 1_795_346_041;

/// The fixed zone, relative to `example.`; `SERIAL` is replaced by one of [`SERIALS`].
pub const ZONE: &str = "\
@ 3600 IN SOA ns1 hostmaster SERIAL 7200 3600 1209600 300
@ 3600 IN NS ns1
@ 3600 IN NS ns2
@ 300 IN MX 10 mail
@ 300 IN TXT \"v=spf1 -all\"
ns1 300 IN A 192.0.2.1
ns2 300 IN A 192.0.2.2
ns2 300 IN AAAA 2001:db8::2
mail 300 IN A 192.0.2.25
www 300 IN A 192.0.2.10
www 300 IN A 192.0.2.11
www 300 IN TXT \"web\"
alias 300 IN CNAME www
sub 3600 IN NS ns.sub
sub 3600 IN NS ns.elsewhere.test.
ns.sub 3600 IN A 192.0.2.53
*.wild 300 IN A 192.0.2.99
*.wild 300 IN MX 10 mail
";

/// The SOA serials the zone may start at (bits 3-4 of the first octet): small, the largest
/// step below the sign bit, the last before wrapping (RFC 1982), and the clock.
pub const SERIALS: [u32; 4] = [10, 0x7fff_ffff, 0xffff_ffff, NOW as u32];

/// The key updates are signed with (and the one `respond`'s config holds).
pub const UPDATE_KEY: &str = "update.key.";

/// The address of the zone's primary: NOTIFYs come from it.
pub const PRIMARY: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 53));

/// The ID of the request built around the input.
pub const ID: u16 = 0x2136;

/// The origin, `example.`.
pub fn origin() -> Name {
    "example.".parse().expect("fixed name")
}

/// The update key (hmac-sha256).
pub fn update_key() -> TsigKey {
    TsigKey::new(
        UPDATE_KEY.parse().expect("fixed name"),
        TsigAlgorithm::HmacSha256,
        b"the update key of the update fuzz target".to_vec(),
    )
}

/// The zone at each of the [`SERIALS`], built once.
pub fn zones() -> &'static [Zone] {
    static ZONES: OnceLock<Vec<Zone>> = OnceLock::new();
    ZONES.get_or_init(|| {
        SERIALS
            .iter()
            .map(|serial| {
                let origin = origin();
                let mut zone = Zone::new(origin.clone(), Class::IN);
                for line in ZONE.replace("SERIAL", &serial.to_string()).lines() {
                    let record = Record::from_text(line, Some(&origin), None).expect("fixed record");
                    zone.insert(&record).expect("a record of the zone");
                }
                zone.finish();
                zone
            })
            .collect()
    })
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::new(vec![zones()[0].clone()]))
}

fn config() -> &'static AuthConfig {
    static CONFIG: OnceLock<AuthConfig> = OnceLock::new();
    CONFIG.get_or_init(|| AuthConfig {
        keys: KeyRing::new(vec![update_key()]),
        secondaries: vec![(origin(), vec![PRIMARY])],
        ..AuthConfig::default()
    })
}

/// The UPDATE message for an input: header, zone section, then `data[4..]` (layout in the
/// module documentation). `None` for inputs shorter than four octets.
pub fn update_message(data: &[u8]) -> Option<Vec<u8>> {
    let (&[_, prereqs, updates, additional], body) = (data.first_chunk::<4>()?, &data[4..]);
    let mut msg = Vec::with_capacity(29 + body.len());
    msg.extend_from_slice(&ID.to_be_bytes());
    msg.push(Opcode::UPDATE.0 << 3);
    msg.push(0);
    for count in [1, prereqs, updates, additional] {
        msg.extend_from_slice(&u16::from(count).to_be_bytes());
    }
    msg.extend_from_slice(b"\x07example\x00");
    msg.extend_from_slice(&RecordType::SOA.0.to_be_bytes());
    msg.extend_from_slice(&Class::IN.0.to_be_bytes());
    msg.extend_from_slice(body);
    Some(msg)
}

/// Checks one input (layout in the module documentation). Returns what the update signed
/// under the permissive rule came to: `Ok(true)` a new version, `Ok(false)` no change (RFC
/// 2136 §3.7), `Err` the RCODE; `None` for an input too short to make a request.
pub fn check_update(data: &[u8]) -> Option<Result<bool, Rcode>> {
    let request = update_message(data)?;
    let flags = data[0];
    let sign = flags & 1 != 0;
    let policy = match (flags >> 1) & 3 {
        1 => SerialPolicy::UnixTime,
        2 => SerialPolicy::DateCounter,
        _ => SerialPolicy::Increment,
    };
    let zone = &zones()[usize::from(flags >> 3) & 3];

    check_respond(&request, sign, Opcode::UPDATE);
    let mut notify = request.clone();
    notify[2] = Opcode::NOTIFY.0 << 3;
    check_respond(&notify, sign, Opcode::NOTIFY);

    let key = update_key().name;
    let stranger: Name = "stranger.key.".parse().expect("fixed name");
    let permissive = [UpdateRule {
        key: key.clone(),
        names: NamePattern::Subdomain(origin()),
        types: vec![RecordType::ANY],
    }];
    let restrictive = [
        UpdateRule {
            key: key.clone(),
            names: NamePattern::Wildcard("dyn.example.".parse().expect("fixed name")),
            types: vec![RecordType::A, RecordType::AAAA, RecordType::TXT],
        },
        UpdateRule {
            key: key.clone(),
            names: NamePattern::Exact("www.example.".parse().expect("fixed name")),
            types: Vec::new(),
        },
    ];

    let unsigned = apply_update(zone, &request, None, &permissive, policy, NOW);
    assert!(unsigned.is_err(), "an unsigned update is refused");
    check_refusal(&request, &unsigned);

    let open = apply_update(zone, &request, Some(&key), &permissive, policy, NOW);
    assert_ne!(
        open.as_ref().err(),
        Some(&Rcode::REFUSED),
        "the permissive rule allows all"
    );
    check_outcome(zone, &request, &open);

    let narrow = apply_update(zone, &request, Some(&key), &restrictive, policy, NOW);
    check_outcome(zone, &request, &narrow);
    if let Ok(narrow) = &narrow {
        let open = open
            .as_ref()
            .expect("allowed by the restrictive rule, so by the permissive one");
        assert_eq!(
            narrow.as_ref().map(|(z, _)| records(z)),
            open.as_ref().map(|(z, _)| records(z)),
            "the rule decides whether, not what"
        );
    }

    let other = apply_update(zone, &request, Some(&stranger), &permissive, policy, NOW);
    assert!(
        !matches!(other, Ok(Some(_))),
        "a key that no rule names changes nothing"
    );
    check_refusal(&request, &other);
    Some(open.map(|changed| changed.is_some()))
}

/// `respond` to the request as `opcode`, signed with the update key when `sign`.
fn check_respond(request: &[u8], sign: bool, opcode: Opcode) {
    let mut bytes = request.to_vec();
    if sign {
        sign_request(&mut bytes, &update_key(), NOW);
    }
    let req = Request {
        bytes: &bytes,
        client: SocketAddr::new(PRIMARY, 53),
        transport: Transport::Tcp,
        now: NOW,
    };
    let mut out = Vec::new();
    match respond(catalog(), config(), &req, &mut out) {
        Action::Reply => {
            let reply = Message::parse(&out).expect("a reply parses");
            assert!(reply.header().qr, "a reply is a response");
            assert_eq!(reply.id(), ID, "a reply carries the request's ID");
            assert_eq!(reply.header().opcode(), opcode, "a reply carries the request's opcode");
        }
        Action::Update { zone } => {
            assert_eq!(opcode, Opcode::UPDATE);
            assert_eq!(zone, origin(), "an UPDATE for the zone section's zone");
        }
        Action::Notify { zone, .. } => {
            assert_eq!(opcode, Opcode::NOTIFY);
            assert_eq!(zone, origin(), "a NOTIFY for the question's zone");
            let reply = Message::parse(&out).expect("a NOTIFY acknowledgement parses");
            assert_eq!(reply.id(), ID);
        }
        Action::Drop => panic!("a request with a header and QR clear is never dropped"),
        Action::Stream(_) => panic!("{opcode:?} is never answered with a stream"),
    }
}

type Outcome = Result<Option<(Zone, ZoneDiff)>, Rcode>;

/// What every outcome must hold (module documentation).
fn check_outcome(old: &Zone, request: &[u8], outcome: &Outcome) {
    assert_ne!(outcome.as_ref().err(), Some(&Rcode::SERVFAIL), "never SERVFAIL");
    check_refusal(request, outcome);
    let Ok(Some((new, diff))) = outcome else {
        return;
    };
    let mut patched = old.clone();
    assert_eq!(diff.apply(&mut patched), 0, "every removal finds its record");
    assert_eq!(records(&patched), records(new), "the difference leads to the new zone");

    let mut expected: BTreeSet<String> = records(old).into_iter().collect();
    for r in &diff.removed {
        assert!(expected.remove(&r.to_string()), "removed but not in the zone: {r}");
    }
    for r in &diff.added {
        assert!(expected.insert(r.to_string()), "added but already in the zone: {r}");
    }
    let new_records: BTreeSet<String> = records(new).into_iter().collect();
    assert_eq!(expected, new_records, "old - removed + added = new");

    let serial = |z: &Zone| z.soa().expect("a zone has its SOA").serial;
    let (before, after) = (serial(old), serial(new));
    assert!(serial_gt(after, before), "the serial grows: {before} -> {after}");
    let soa_serial = |r: Option<&Record>| match r.map(|r| &r.data) {
        Some(banyan_wire::RData::SOA(soa)) => Some(soa.serial),
        _ => None,
    };
    assert_eq!(
        soa_serial(diff.removed.first()),
        Some(before),
        "the old SOA removed first"
    );
    assert_eq!(soa_serial(diff.added.first()), Some(after), "the new SOA added first");

    let soas: Vec<Record> = new.records().filter(|r| r.rtype() == RecordType::SOA).collect();
    assert_eq!(soas.len(), 1, "one SOA");
    assert_eq!(soas[0].name.as_wire(), new.origin().as_wire(), "the SOA is at the apex");
}

/// A refused update is answered with a reply that parses and carries the RCODE.
fn check_refusal(request: &[u8], outcome: &Outcome) {
    let Err(rcode) = outcome else {
        return;
    };
    let mut out = Vec::new();
    update_reply(request, *rcode, &mut out);
    let reply = Message::parse(&out).expect("an UPDATE reply parses");
    assert_eq!(reply.id(), ID);
    assert_eq!(u16::from(reply.header().rcode), rcode.0 & 0x0f, "the reply's RCODE");
}

/// The records of a zone as text, sorted.
fn records(zone: &Zone) -> Vec<String> {
    let mut out: Vec<String> = zone.records().map(|r| r.to_string()).collect();
    out.sort();
    out
}
