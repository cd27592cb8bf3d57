//! Response rate limiting over real loopback sockets (BIND 9 ARM "Response Rate Limiting"):
//! a UDP burst from one client is cut to the rate with every other withheld answer slipped
//! as TC=1, while TCP and an exempt client are answered in full. The server runs on an
//! ephemeral port inside the test and is stopped at its end.

mod udp_queries;

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

use banyan_auth::Catalog;
use banyan_auth::CookieConfig;
use banyan_server::{RrlConfig, Server, ServerConfig, ZoneSource};
use banyan_wire::edns::{code, Cookie, Edns, EdnsOption};
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, RecordType};
use udp_queries::await_udp_queries;

/// How long to wait for a reply that may never come (dropped ones): bounds the test. Only
/// waited once the server has counted the whole burst (see `udp_queries`), when the
/// replies it sends are already on their way.
const QUIET: Duration = Duration::from_millis(300);
const BURST: usize = 50;
const RATE: u32 = 5;

fn start() -> (tempfile::TempDir, Server) {
    start_with(|_| {})
}

/// The server of [`start`], its configuration changed by `adjust` first.
fn start_with(adjust: impl FnOnce(&mut ServerConfig)) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("example.com.zone"),
        "$TTL 3600\n\
         @    IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n\
         @    IN NS  ns1\n\
         ns1  IN A   192.0.2.53\n\
         www  IN A   192.0.2.1\n",
    )
    .expect("zone file");
    let (catalog, errors) = Catalog::load_dir(dir.path());
    assert!(errors.is_empty(), "{errors:?}");
    let mut config = ServerConfig::new(vec!["127.0.0.1:0".parse().expect("address")]);
    config.udp_workers = 2;
    config.rrl = Some(RrlConfig {
        slip: 2,
        exempt: vec!["127.0.0.2/32".parse().expect("cidr")],
        ..RrlConfig::new(RATE)
    });
    adjust(&mut config);
    let server = Server::start(config, catalog, ZoneSource::Dir(dir.path().to_path_buf())).expect("start server");
    (dir, server)
}

fn query(id: u16) -> Vec<u8> {
    query_with_cookie(id, None)
}

/// A query for www.example.com A; with `cookie`, it carries an OPT record with that COOKIE
/// option (RFC 7873 §4).
fn query_with_cookie(id: u16, cookie: Option<&Cookie>) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id,
            ..Header::default()
        },
    );
    let name = Name::parse("www.example.com.", None).expect("name");
    b.question(&name, RecordType::A, Class::IN).expect("question");
    if let Some(c) = cookie {
        let edns = Edns {
            options: vec![EdnsOption::Cookie(c.clone())],
            ..Edns::default()
        };
        b.edns(&edns).expect("opt");
    }
    b.finish();
    buf
}

/// Replies counted: (full answers, truncated slips).
#[derive(Debug, Default, PartialEq)]
struct Tally {
    answers: usize,
    slips: usize,
}

impl Tally {
    fn count(&mut self, reply: &[u8]) {
        let msg = Message::parse(reply).expect("reply parses");
        if msg.header().tc {
            assert_eq!(msg.header().counts(), [1, 0, 0, 0], "a slip holds the question only");
            self.slips += 1;
        } else {
            assert_eq!(msg.answers().count(), 1);
            self.answers += 1;
        }
    }
}

/// Sends `BURST` copies of `query` on `s` (connected to `server`) and waits until the
/// server has taken them all.
fn send_burst(s: &UdpSocket, server: &Server, query: impl Fn(usize) -> Vec<u8>) {
    let before = server.metrics().counts.queries[0];
    for id in 0..BURST {
        s.send(&query(id)).expect("send");
    }
    await_udp_queries(server, before + BURST as u64);
}

/// Sends the burst from `from` and reads until the server has been quiet for [`QUIET`].
fn udp_burst(from: &str, server: &Server) -> Tally {
    let s = UdpSocket::bind(from).expect("bind client");
    s.connect(server.local_addrs()[0]).expect("connect");
    send_burst(&s, server, |id| query(id as u16));
    s.set_read_timeout(Some(QUIET)).expect("timeout");
    let mut tally = Tally::default();
    let mut buf = [0u8; 4096];
    // At most one reply per query: the loop ends even if the server misbehaved.
    for _ in 0..BURST {
        match s.recv(&mut buf) {
            Ok(n) => tally.count(&buf[..n]),
            Err(_) => break,
        }
    }
    tally
}

#[test]
fn udp_burst_is_limited_tcp_and_exempt_clients_are_not() {
    let (_dir, server) = start();
    let addr = server.local_addrs()[0];

    // One second's worth answered; of the 45 withheld, every other one slipped.
    let limited = udp_burst("127.0.0.1:0", &server);
    assert!(
        (RATE as usize..=RATE as usize + 1).contains(&limited.answers),
        "{limited:?}"
    );
    assert!((20..=23).contains(&limited.slips), "{limited:?}");
    assert!(limited.answers + limited.slips < BURST, "the rest dropped: {limited:?}");

    // TCP is never limited, even for the flooded /24.
    let mut tcp = TcpStream::connect(addr).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let mut out = Vec::new();
    for id in 0..BURST {
        let q = query(id as u16);
        out.extend_from_slice(&(q.len() as u16).to_be_bytes());
        out.extend_from_slice(&q);
    }
    tcp.write_all(&out).expect("send");
    let mut tally = Tally::default();
    for _ in 0..BURST {
        let mut len = [0u8; 2];
        tcp.read_exact(&mut len).expect("a TCP answer for every query");
        let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
        tcp.read_exact(&mut reply).expect("body");
        tally.count(&reply);
    }
    assert_eq!(
        tally,
        Tally {
            answers: BURST,
            slips: 0
        }
    );

    // 127.0.0.2 shares the flooded /24 but is exempt.
    let exempt = udp_burst("127.0.0.2:0", &server);
    assert_eq!(
        exempt,
        Tally {
            answers: BURST,
            slips: 0
        }
    );
    server.shutdown();
}

/// The COOKIE option of a reply.
fn reply_cookie(reply: &[u8]) -> Option<Cookie> {
    let msg = Message::parse(reply).ok()?;
    match msg.edns()?.ok()?.option(code::COOKIE) {
        Some(EdnsOption::Cookie(c)) => Some(c.clone()),
        _ => None,
    }
}

/// Sends `BURST` copies of `query` from a socket bound to `from` and sorts the replies into
/// (full answers, truncated slips that kept their OPT record).
fn cookie_burst(s: &UdpSocket, server: &Server, query: &[u8]) -> (usize, usize) {
    send_burst(s, server, |_| query.to_vec());
    let (mut answers, mut slips) = (0, 0);
    let mut buf = [0u8; 4096];
    for _ in 0..BURST {
        let Ok(n) = s.recv(&mut buf) else { break };
        let msg = Message::parse(&buf[..n]).expect("reply parses");
        if msg.header().tc {
            // The slip keeps the OPT record, and with it a server cookie to come back with.
            assert_eq!(msg.header().counts(), [1, 0, 0, 1]);
            assert!(reply_cookie(&buf[..n]).is_some_and(|c| c.server.is_some()));
            slips += 1;
        } else {
            answers += 1;
        }
    }
    (answers, slips)
}

#[test]
fn a_client_proven_by_its_cookie_is_not_limited() {
    let (_dir, server) = start_with(|c| {
        c.auth.cookies = Some(CookieConfig {
            secret: [7; 16],
            require: false,
        })
    });
    let addr = server.local_addrs()[0];
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind client");
    s.connect(addr).expect("connect");
    s.set_read_timeout(Some(QUIET)).expect("timeout");

    // Only a client cookie: its address is not proven, so it is limited like any other,
    // and its slips carry the server cookie it can come back with.
    let first_contact = Cookie {
        client: [9; 8],
        server: None,
    };
    let (answers, slips) = cookie_burst(&s, &server, &query_with_cookie(1, Some(&first_contact)));
    assert!(
        answers <= RATE as usize + 1 && slips > 0,
        "answers {answers}, slips {slips}"
    );

    // With the server cookie the server gave it (read over TCP, which is never limited):
    // every query of the burst is answered in full, though the bucket is still in debt.
    let q = query_with_cookie(2, Some(&first_contact));
    let mut tcp = TcpStream::connect(addr).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    tcp.write_all(&(q.len() as u16).to_be_bytes()).expect("send");
    tcp.write_all(&q).expect("send");
    let mut len = [0u8; 2];
    tcp.read_exact(&mut len).expect("length");
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
    tcp.read_exact(&mut reply).expect("reply");
    let proven = reply_cookie(&reply).expect("a cookie in the reply");
    assert!(proven.server.is_some());
    assert_eq!(
        cookie_burst(&s, &server, &query_with_cookie(3, Some(&proven))),
        (BURST, 0)
    );

    // A forged server cookie proves nothing.
    let forged = Cookie {
        client: [9; 8],
        server: Some(vec![1; 16]),
    };
    let (answers, _) = cookie_burst(&s, &server, &query_with_cookie(4, Some(&forged)));
    assert!(answers < BURST, "answers {answers}");
    let m = server.metrics();
    assert!(m.counts.rrl_cookie_exempt >= BURST as u64 - RATE as u64, "{m:?}");
    server.shutdown();
}
