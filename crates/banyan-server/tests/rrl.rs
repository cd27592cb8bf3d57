//! Response rate limiting over real loopback sockets (BIND 9 ARM "Response Rate Limiting"):
//! a UDP burst from one client is cut to the rate with every other withheld answer slipped
//! as TC=1, while TCP and an exempt client are answered in full. The server runs on an
//! ephemeral port inside the test and is stopped at its end.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use banyan_auth::Catalog;
use banyan_server::{RrlConfig, Server, ServerConfig, ZoneSource};
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, RecordType};

/// How long to wait for a reply that may never come (dropped ones): bounds the test.
const QUIET: Duration = Duration::from_millis(300);
const BURST: usize = 50;
const RATE: u32 = 5;

fn start() -> (tempfile::TempDir, Server) {
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
    let server = Server::start(config, catalog, ZoneSource::Dir(dir.path().to_path_buf())).expect("start server");
    (dir, server)
}

fn query(id: u16) -> Vec<u8> {
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

/// Sends the burst from `from` and reads until the server has been quiet for [`QUIET`].
fn udp_burst(from: &str, server: SocketAddr) -> Tally {
    let s = UdpSocket::bind(from).expect("bind client");
    s.connect(server).expect("connect");
    for id in 0..BURST {
        s.send(&query(id as u16)).expect("send");
    }
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
    let limited = udp_burst("127.0.0.1:0", addr);
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
    let exempt = udp_burst("127.0.0.2:0", addr);
    assert_eq!(
        exempt,
        Tally {
            answers: BURST,
            slips: 0
        }
    );
    server.shutdown();
}
