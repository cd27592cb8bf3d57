//! DNS Cookies through `respond` (RFC 7873 §5.2, RFC 9018): the COOKIE option of each
//! kind of request, with cookies off, on, and required.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;

use banyan_auth::cookies::{server_cookie, CookieConfig};
use banyan_auth::{respond, Action, AuthConfig, Catalog, Request, Transport};
use banyan_wire::edns::{code, Cookie, Edns, EdnsOption};
use banyan_wire::message::MessageBuilder;
use banyan_wire::{Class, Header, Message, Name, Rcode, RecordType};
use banyan_zone::{parse_str, ParseOptions, Zone};

const ZONE: &str = "@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 192.0.2.53\nwww A 192.0.2.80\n";
const SECRET: [u8; 16] = [0x5e; 16];
const CLIENT_COOKIE: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
/// 2023-11-14, some time after 1970 and before 2106.
const NOW: u64 = 1_700_000_000;

fn catalog() -> Catalog {
    let origin: Name = "example.".parse().unwrap();
    let mut z = Zone::new(origin.clone(), Class::IN);
    let opts = ParseOptions {
        origin: Some(origin),
        default_ttl: Some(3600),
        ..ParseOptions::default()
    };
    let report = parse_str(ZONE, Path::new("test"), &opts, &mut |r| {
        z.insert(&r).unwrap();
    });
    assert!(report.is_ok(), "{:?}", report.errors);
    z.finish();
    Catalog::new(vec![z])
}

fn config(require: bool) -> AuthConfig {
    AuthConfig {
        cookies: Some(CookieConfig {
            secret: SECRET,
            require,
        }),
        ..AuthConfig::default()
    }
}

fn client() -> SocketAddr {
    "192.0.2.7:5353".parse().unwrap()
}

/// A query for www.example. A, with an OPT carrying `options` when `Some`.
fn query(options: Option<Vec<EdnsOption>>) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 0x0c0c,
            ..Header::default()
        },
    );
    b.question(&"www.example.".parse::<Name>().unwrap(), RecordType::A, Class::IN)
        .unwrap();
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

fn cookie(server: Option<Vec<u8>>) -> Option<Vec<EdnsOption>> {
    Some(vec![EdnsOption::Cookie(Cookie {
        client: CLIENT_COOKIE,
        server,
    })])
}

/// The response's full RCODE, TC, answer count and COOKIE option.
struct Reply {
    rcode: Rcode,
    tc: bool,
    answers: u16,
    cookie: Option<Cookie>,
}

fn ask_at(config: &AuthConfig, bytes: &[u8], transport: Transport, now: u64) -> Reply {
    let mut out = Vec::new();
    let action = respond(
        &catalog(),
        config,
        &Request {
            bytes,
            client: client(),
            transport,
            now,
        },
        &mut out,
    );
    assert_eq!(action, Action::Reply);
    let msg = Message::parse(&out).expect("response parses");
    let edns = msg.edns().map(|e| e.expect("OPT parses"));
    let extended = edns.as_ref().map_or(0, |e| u16::from(e.extended_rcode));
    let cookie = edns.as_ref().and_then(|e| match e.option(code::COOKIE) {
        Some(EdnsOption::Cookie(c)) => Some(c.clone()),
        _ => None,
    });
    Reply {
        rcode: Rcode(extended << 4 | u16::from(msg.header().rcode)),
        tc: msg.header().tc,
        answers: msg.header().ancount,
        cookie,
    }
}

fn ask(config: &AuthConfig, bytes: &[u8], transport: Transport) -> Reply {
    ask_at(config, bytes, transport, NOW)
}

/// The server cookie a reply carries, checked to be an RFC 9018 one.
fn server_part(reply: &Reply) -> Vec<u8> {
    let c = reply.cookie.as_ref().expect("a COOKIE option in the reply");
    assert_eq!(c.client, CLIENT_COOKIE, "the client cookie is echoed (RFC 7873 §5.2.3)");
    let server = c.server.clone().expect("a server cookie");
    assert_eq!(server.len(), 16, "RFC 9018 §4.2: 16 octets");
    assert_eq!(server[0], 1, "RFC 9018 §4.2: version 1");
    assert_eq!(&server[1..4], &[0, 0, 0], "reserved octets zero");
    server
}

#[test]
fn off_ignores_the_cookie_as_before() {
    let r = ask(&AuthConfig::default(), &query(cookie(None)), Transport::Udp);
    assert_eq!(r.rcode, Rcode::NOERROR);
    assert_eq!(r.answers, 1);
    assert!(r.cookie.is_none());
}

#[test]
fn rfc7873_section_5_2_3_client_cookie_only_gets_a_server_cookie() {
    // Required, only TCP answers such a query (UDP gets BADCOOKIE, below).
    for (require, transport) in [(false, Transport::Udp), (false, Transport::Tcp), (true, Transport::Tcp)] {
        let r = ask(&config(require), &query(cookie(None)), transport);
        assert_eq!((r.rcode, r.answers), (Rcode::NOERROR, 1), "require {require}");
        let server = server_part(&r);
        assert_eq!(server[4..8], (NOW as u32).to_be_bytes(), "stamped now");
        assert_eq!(
            server,
            server_cookie(&SECRET, &CLIENT_COOKIE, client().ip(), NOW),
            "the RFC 9018 construction"
        );
    }
}

#[test]
fn rfc7873_section_5_2_5_valid_server_cookie_is_answered_and_kept() {
    for require in [false, true] {
        let issued = server_cookie(&SECRET, &CLIENT_COOKIE, client().ip(), NOW).to_vec();
        // Ten minutes later: still young, echoed as it came.
        let r = ask_at(
            &config(require),
            &query(cookie(Some(issued.clone()))),
            Transport::Udp,
            NOW + 600,
        );
        assert_eq!(
            (r.rcode, r.answers, r.tc),
            (Rcode::NOERROR, 1, false),
            "require {require}"
        );
        assert_eq!(server_part(&r), issued);
        // Forty minutes later: valid, answered, and renewed (RFC 9018 §4.3).
        let r = ask_at(
            &config(require),
            &query(cookie(Some(issued.clone()))),
            Transport::Udp,
            NOW + 2400,
        );
        assert_eq!((r.rcode, r.answers), (Rcode::NOERROR, 1));
        let renewed = server_part(&r);
        assert_ne!(renewed, issued);
        assert_eq!(renewed[4..8], ((NOW + 2400) as u32).to_be_bytes());
    }
}

#[test]
fn rfc7873_section_5_2_4_forged_or_expired_cookie() {
    let mut forged = server_cookie(&SECRET, &CLIENT_COOKIE, client().ip(), NOW).to_vec();
    forged[15] ^= 1;
    let expired = server_cookie(&SECRET, &CLIENT_COOKIE, client().ip(), NOW - 3601).to_vec();
    let elsewhere = server_cookie(&SECRET, &CLIENT_COOKIE, "192.0.2.8".parse().unwrap(), NOW).to_vec();
    let other_server = vec![0xAA; 24];
    for bad in [forged, expired, elsewhere, other_server] {
        // Not required: answered, with a fresh cookie.
        let r = ask(&config(false), &query(cookie(Some(bad.clone()))), Transport::Udp);
        assert_eq!((r.rcode, r.answers), (Rcode::NOERROR, 1));
        let fresh = server_part(&r);
        assert_ne!(fresh, bad);
        // Required: BADCOOKIE over UDP (RFC 7873 §8: extended RCODE 23) with the fresh
        // cookie to retry with, no answer.
        let r = ask(&config(true), &query(cookie(Some(bad.clone()))), Transport::Udp);
        assert_eq!((r.rcode, r.answers, r.tc), (Rcode::BADCOOKIE, 0, false));
        assert_eq!(server_part(&r), fresh);
        // Over TCP it is answered all the same.
        let r = ask(&config(true), &query(cookie(Some(bad))), Transport::Tcp);
        assert_eq!((r.rcode, r.answers), (Rcode::NOERROR, 1));
        assert_eq!(server_part(&r), fresh);
    }
}

#[test]
fn required_client_cookie_only_over_udp_is_badcookie_then_answered_on_retry() {
    let r = ask(&config(true), &query(cookie(None)), Transport::Udp);
    assert_eq!((r.rcode, r.answers), (Rcode::BADCOOKIE, 0));
    // The client retries with what it was given (RFC 7873 §5.3) and is answered.
    let server = server_part(&r);
    let r = ask(&config(true), &query(cookie(Some(server))), Transport::Udp);
    assert_eq!((r.rcode, r.answers), (Rcode::NOERROR, 1));
}

#[test]
fn rfc7873_section_5_2_2_malformed_cookie_is_formerr() {
    for len in [0usize, 7, 9, 15, 41] {
        let bad = Some(vec![EdnsOption::Unknown {
            code: code::COOKIE,
            data: vec![7; len],
        }]);
        for config in [AuthConfig::default(), config(false), config(true)] {
            let r = ask(&config, &query(bad.clone()), Transport::Udp);
            assert_eq!(r.rcode, Rcode::FORMERR, "{len} octets");
            assert_eq!(r.answers, 0);
        }
    }
}

#[test]
fn required_and_no_cookie_over_udp_is_truncated_over_tcp_answered() {
    for bytes in [query(None), query(Some(Vec::new()))] {
        let r = ask(&config(true), &bytes, Transport::Udp);
        assert_eq!((r.rcode, r.tc, r.answers), (Rcode::NOERROR, true, 0));
        assert!(r.cookie.is_none(), "no client cookie to echo");
        let r = ask(&config(true), &bytes, Transport::Tcp);
        assert_eq!((r.rcode, r.tc, r.answers), (Rcode::NOERROR, false, 1));
        // Not required: answered over UDP as without cookies.
        let r = ask(&config(false), &bytes, Transport::Udp);
        assert_eq!((r.rcode, r.tc, r.answers), (Rcode::NOERROR, false, 1));
    }
}
