//! Views through `respond`: the view chosen by source address or EDNS Client Subnet
//! (RFC 7871), the scope in the response's ECS option (§7.2.1), FORMERR for a malformed
//! option (§7.1.2 / §6), and the `+why` debug option.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;

use banyan_auth::{respond, Action, AuthConfig, Catalog, Request, Transport, View, WHY_OPTION};
use banyan_wire::edns::{code, ClientSubnet, Edns, EdnsOption};
use banyan_wire::message::MessageBuilder;
use banyan_wire::{Class, Header, Message, Name, Rcode, Record, RecordType};
use banyan_zone::{parse_str, ParseOptions, Zone};

const ZONE: &str = "@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 192.0.2.53\n\
                    www A 192.0.2.80\ncdn A 192.0.2.100\n";

fn catalog(extra: &str) -> Catalog {
    let origin: Name = "example.".parse().unwrap();
    let mut z = Zone::new(origin.clone(), Class::IN);
    let opts = ParseOptions {
        origin: Some(origin),
        default_ttl: Some(3600),
        ..ParseOptions::default()
    };
    let text = format!("{ZONE}{extra}");
    let report = parse_str(&text, Path::new("test"), &opts, &mut |r| {
        z.insert(&r).unwrap();
    });
    assert!(report.is_ok(), "{:?}", report.errors);
    z.finish();
    Catalog::new(vec![z])
}

fn record(text: &str) -> Record {
    Record::from_text(text, None, Some(60)).unwrap()
}

fn views_config(ecs: bool) -> AuthConfig {
    let eu = View::new(
        "eu",
        vec![("10.1.0.0/16".parse().unwrap(), None)],
        vec![
            record("cdn.example. A 198.51.100.1"),
            record("cdn.example. A 198.51.100.2"),
        ],
    )
    .unwrap();
    let lab = View::new(
        "lab",
        vec![("127.0.99.0/24".parse().unwrap(), Some("LAB".to_string()))],
        vec![
            record("cdn.example. CNAME www.example."),
            record("only-here.example. TXT \"lab\""),
        ],
    )
    .unwrap();
    AuthConfig {
        views: vec![eu, lab],
        ecs,
        debug_allow: vec!["127.0.0.0/8".parse().unwrap()],
        ..AuthConfig::default()
    }
}

fn query(qname: &str, qtype: RecordType, options: Option<Vec<EdnsOption>>) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 7,
            ..Header::default()
        },
    );
    b.question(&qname.parse::<Name>().unwrap(), qtype, Class::IN).unwrap();
    if let Some(options) = options {
        b.edns(&Edns {
            options,
            ..Edns::default()
        })
        .unwrap();
    }
    b.finish();
    buf
}

struct Reply {
    rcode: Rcode,
    aa: bool,
    answers: Vec<String>,
    ecs: Option<ClientSubnet>,
    why: Option<String>,
}

fn ask(config: &AuthConfig, catalog: &Catalog, client: &str, bytes: &[u8]) -> Reply {
    let client: SocketAddr = format!("{client}:5353").parse().unwrap();
    let mut out = Vec::new();
    let action = respond(
        catalog,
        config,
        &Request {
            bytes,
            client,
            transport: Transport::Udp,
            now: 0,
        },
        &mut out,
    );
    assert_eq!(action, Action::Reply);
    let msg = Message::parse(&out).expect("response parses");
    let edns = msg.edns().map(|e| e.expect("OPT parses"));
    let mut answers: Vec<String> = msg.answers().map(|r| r.to_record().unwrap().data.to_string()).collect();
    answers.sort();
    Reply {
        rcode: msg.rcode(),
        aa: msg.header().aa,
        answers,
        ecs: edns.as_ref().and_then(|e| match e.option(code::CLIENT_SUBNET) {
            Some(EdnsOption::ClientSubnet(c)) => Some(*c),
            _ => None,
        }),
        why: edns.as_ref().and_then(|e| match e.option(WHY_OPTION) {
            Some(EdnsOption::Unknown { data, .. }) => Some(String::from_utf8(data.clone()).unwrap()),
            _ => None,
        }),
    }
}

fn ecs(addr: &str, prefix: u8) -> EdnsOption {
    EdnsOption::ClientSubnet(ClientSubnet::new(addr.parse().unwrap(), prefix))
}

fn why() -> EdnsOption {
    EdnsOption::Unknown {
        code: WHY_OPTION,
        data: Vec::new(),
    }
}

#[test]
fn source_address_chooses_the_view() {
    let config = views_config(false);
    let cat = catalog("");
    let q = query("cdn.example.", RecordType::A, None);
    let eu = ask(&config, &cat, "10.1.2.3", &q);
    assert_eq!(eu.answers, ["198.51.100.1", "198.51.100.2"]);
    assert!(eu.aa);
    let lab = ask(&config, &cat, "127.0.99.1", &q);
    assert_eq!(lab.answers, ["192.0.2.80", "www.example."], "the CNAME is followed");
    let other = ask(&config, &cat, "192.0.2.1", &q);
    assert_eq!(other.answers, ["192.0.2.100"]);
    // Names without view data are the same for everybody.
    let www = ask(&config, &cat, "10.1.2.3", &query("www.example.", RecordType::A, None));
    assert_eq!(www.answers, ["192.0.2.80"]);
    // A view may add a name the zone lacks; others get NXDOMAIN.
    let added = query("only-here.example.", RecordType::TXT, None);
    assert_eq!(ask(&config, &cat, "127.0.99.1", &added).rcode, Rcode::NOERROR);
    assert_eq!(ask(&config, &cat, "127.0.0.1", &added).rcode, Rcode::NXDOMAIN);
}

#[test]
fn rfc7871_section_7_2_1_ecs_chooses_and_the_scope_is_echoed() {
    let config = views_config(true);
    let cat = catalog("");
    // The resolver at 192.0.2.1 speaks for a client in 10.1.2.0/24.
    let q = query("cdn.example.", RecordType::A, Some(vec![ecs("10.1.2.0", 24)]));
    let r = ask(&config, &cat, "192.0.2.1", &q);
    assert_eq!(r.answers, ["198.51.100.1", "198.51.100.2"]);
    let echoed = r.ecs.expect("ECS echoed");
    assert_eq!(echoed.address, "10.1.2.0".parse::<std::net::IpAddr>().unwrap());
    assert_eq!((echoed.source_prefix, echoed.scope_prefix), (24, 16));
    // A name no view has data for: valid for everybody, scope 0.
    let q = query("www.example.", RecordType::A, Some(vec![ecs("10.1.2.0", 24)]));
    let r = ask(&config, &cat, "192.0.2.1", &q);
    assert_eq!(r.ecs.map(|c| c.scope_prefix), Some(0));
    // Source prefix 0: no address to go by (§7.1.2), the default data, scope 0.
    let q = query("cdn.example.", RecordType::A, Some(vec![ecs("0.0.0.0", 0)]));
    let r = ask(&config, &cat, "10.1.2.3", &q);
    assert_eq!(r.answers, ["192.0.2.100"]);
    assert_eq!(r.ecs.map(|c| c.scope_prefix), Some(0));
    // With ECS off, the option is ignored and not answered; the source address chooses.
    let off = views_config(false);
    let q = query("cdn.example.", RecordType::A, Some(vec![ecs("10.1.2.0", 24)]));
    let r = ask(&off, &cat, "192.0.2.1", &q);
    assert_eq!(r.answers, ["192.0.2.100"]);
    assert!(r.ecs.is_none());
}

#[test]
fn rfc7871_section_6_malformed_ecs_is_formerr() {
    let config = views_config(true);
    // A bit set past the source prefix: 10.1.3.0/23 (the option ends the message).
    let mut q = query("cdn.example.", RecordType::A, Some(vec![ecs("10.1.2.0", 23)]));
    let at = q.len() - 1;
    assert_eq!(q[at], 2);
    q[at] = 3;
    let r = ask(&config, &catalog(""), "192.0.2.1", &q);
    assert_eq!(r.rcode, Rcode::FORMERR);
}

#[test]
fn why_explains_to_allowed_clients_only() {
    let config = views_config(true);
    let cat = catalog("");
    let q = query("cdn.example.", RecordType::A, Some(vec![ecs("10.1.2.0", 24), why()]));
    let r = ask(&config, &cat, "127.0.0.1", &q);
    assert_eq!(r.why.as_deref(), Some("view \"eu\": ECS 10.1.2.0/24 in 10.1.0.0/16"));
    let q = query("cdn.example.", RecordType::A, Some(vec![why()]));
    let r = ask(&config, &cat, "127.0.99.1", &q);
    assert_eq!(
        r.why.as_deref(),
        Some("view \"lab\": client 127.0.99.1 in 127.0.99.0/24 (region LAB)")
    );
    let r = ask(&config, &cat, "127.0.0.1", &q);
    assert_eq!(r.why.as_deref(), Some("default: no view matched client 127.0.0.1"));
    let r = ask(&config, &cat, "192.0.2.1", &q);
    assert_eq!(r.why, None, "not in debug_allow");
    assert_eq!(r.answers, ["192.0.2.100"]);
}

#[test]
fn signed_zones_keep_their_own_data() {
    // A DNSKEY at the apex marks the zone signed: the view's unsigned set would be bogus.
    let cat = catalog("@ DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=\n");
    let r = ask(
        &views_config(false),
        &cat,
        "10.1.2.3",
        &query("cdn.example.", RecordType::A, None),
    );
    assert_eq!(r.answers, ["192.0.2.100"]);
}

#[test]
fn signed_view_sets_stand_in_with_their_rrsigs() {
    let cat = catalog("@ DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=\n");
    let mut config = views_config(false);
    let sig = record("cdn.example. RRSIG A 15 2 60 20300101000000 20200101000000 12345 example. AAAA");
    for view in &mut config.views {
        view.sign_sets(|owner, set| {
            assert!(owner.is_subdomain_of(&"example.".parse().unwrap()));
            // The lab view's CNAME would contradict the zone's type bitmap: left unsigned.
            Ok::<_, ()>((set.rtype == RecordType::A).then(|| vec![sig.data.to_wire()]))
        })
        .unwrap();
    }
    let q = query("cdn.example.", RecordType::A, None);
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 7,
            ..Header::default()
        },
    );
    b.question(&"cdn.example.".parse::<Name>().unwrap(), RecordType::A, Class::IN)
        .unwrap();
    b.edns(&Edns {
        dnssec_ok: true,
        ..Edns::default()
    })
    .unwrap();
    b.finish();
    let r = ask(&config, &cat, "10.1.2.3", &buf);
    assert_eq!(r.answers.len(), 3, "two A and their RRSIG: {:?}", r.answers);
    assert!(r.answers.iter().any(|a| a.starts_with("A 15 2 60")), "{:?}", r.answers);
    let lab = ask(&config, &cat, "127.0.99.1", &q);
    assert_eq!(lab.answers, ["192.0.2.100"], "the unsigned CNAME is not used");
}

#[test]
fn no_views_no_ecs_option() {
    let cat = catalog("");
    let q = query("cdn.example.", RecordType::A, Some(vec![ecs("10.1.2.0", 24), why()]));
    let r = ask(&AuthConfig::default(), &cat, "127.0.0.1", &q);
    assert_eq!(r.answers, ["192.0.2.100"]);
    assert!(r.ecs.is_none() && r.why.is_none());
}

/// The query log's view name is the same choice `respond` makes: by source address, by
/// ECS when accepted, none when nothing matched or nothing is configured.
#[test]
fn chosen_view_names_the_view_respond_answers_from() {
    use banyan_auth::views::chosen_view;
    let plain = query("cdn.example.", RecordType::A, None);
    let ip = |s: &str| s.parse().unwrap();
    let config = views_config(false);
    assert_eq!(chosen_view(&config, ip("10.1.2.3"), &plain), Some("eu"));
    assert_eq!(chosen_view(&config, ip("127.0.99.7"), &plain), Some("lab"));
    assert_eq!(chosen_view(&config, ip("192.0.2.1"), &plain), None);
    let ecs = query(
        "cdn.example.",
        RecordType::A,
        Some(vec![EdnsOption::ClientSubnet(ClientSubnet {
            address: ip("10.1.2.0"),
            source_prefix: 24,
            scope_prefix: 0,
        })]),
    );
    // ECS counts only when accepted.
    assert_eq!(chosen_view(&config, ip("192.0.2.1"), &ecs), None);
    assert_eq!(chosen_view(&views_config(true), ip("192.0.2.1"), &ecs), Some("eu"));
    assert_eq!(chosen_view(&AuthConfig::default(), ip("10.1.2.3"), &plain), None);
    assert_eq!(chosen_view(&config, ip("10.1.2.3"), b"\x00\x07"), None, "unreadable");
}
