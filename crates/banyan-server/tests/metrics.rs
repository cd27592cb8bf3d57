//! The server's counters over real loopback sockets: queries of known types and RCODEs over
//! UDP and TCP, read back through `Server::metrics` and through the `/metrics` endpoint; and
//! the response rate limiter's verdicts.

mod udp_queries;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use banyan_auth::Catalog;
use banyan_server::metrics::{render, QTYPES};
use banyan_server::{MetricsEndpoint, RrlConfig, Server, ServerConfig, ZoneSource};
use banyan_wire::{Class, Header, MessageBuilder, Name, RecordType};
use udp_queries::await_udp_queries;

/// Bound on any wait for a reply: a failure limit, not a pause.
const WAIT: Duration = Duration::from_secs(5);

fn start(rrl: Option<RrlConfig>) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("example.com.zone"),
        "$TTL 3600\n\
         @    IN SOA ns1 hostmaster 2024060101 7200 3600 1209600 300\n\
         @    IN NS  ns1\n\
         @    IN MX  10 mail\n\
         ns1  IN A   192.0.2.53\n\
         www  IN A   192.0.2.1\n",
    )
    .expect("zone file");
    let (catalog, errors) = Catalog::load_dir(dir.path());
    assert!(errors.is_empty(), "{errors:?}");
    let mut config = ServerConfig::new(vec!["127.0.0.1:0".parse().expect("address")]);
    config.udp_workers = 2;
    config.rrl = rrl;
    let server = Server::start(config, catalog, ZoneSource::Dir(dir.path().to_path_buf())).expect("start server");
    (dir, server)
}

fn query(id: u16, name: &str, qtype: RecordType) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id,
            ..Header::default()
        },
    );
    let name = Name::parse(name, None).expect("name");
    b.question(&name, qtype, Class::IN).expect("question");
    b.finish();
    buf
}

/// Sends `q` over UDP and returns the reply's RCODE (the header's four bits).
fn udp_rcode(s: &UdpSocket, q: &[u8]) -> u8 {
    s.send(q).expect("send");
    let mut buf = [0u8; 4096];
    let n = s.recv(&mut buf).expect("a reply within the wait");
    assert!(n >= 12);
    buf[3] & 0x0f
}

fn qtype_count(counts: &[u64], name: &str) -> u64 {
    let i = QTYPES.iter().position(|&(_, n)| n == name).unwrap_or(QTYPES.len());
    counts[i]
}

fn http_get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect to metrics");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("send request");
    let mut reply = String::new();
    s.read_to_string(&mut reply).expect("read reply");
    reply
}

#[test]
fn queries_are_counted_by_transport_type_and_rcode() {
    let (_dir, server) = start(None);
    let udp = UdpSocket::bind("127.0.0.1:0").expect("bind client");
    udp.set_read_timeout(Some(WAIT)).expect("timeout");
    udp.connect(server.local_addrs()[0]).expect("connect");

    assert_eq!(udp_rcode(&udp, &query(1, "www.example.com.", RecordType::A)), 0);
    assert_eq!(udp_rcode(&udp, &query(2, "www.example.com.", RecordType::AAAA)), 0);
    assert_eq!(udp_rcode(&udp, &query(3, "nope.example.com.", RecordType::A)), 3);
    assert_eq!(udp_rcode(&udp, &query(4, "example.com.", RecordType::MX)), 0);
    assert_eq!(udp_rcode(&udp, &query(5, "example.org.", RecordType::A)), 5);
    assert_eq!(udp_rcode(&udp, &query(6, "example.com.", RecordType(99))), 0);

    let mut tcp = TcpStream::connect(server.local_addrs()[0]).expect("connect");
    tcp.set_read_timeout(Some(WAIT)).expect("timeout");
    let q = query(7, "example.com.", RecordType::SOA);
    let mut framed = u16::try_from(q.len()).expect("short").to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    tcp.write_all(&framed).expect("send");
    let mut len = [0u8; 2];
    tcp.read_exact(&mut len).expect("reply length");
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
    tcp.read_exact(&mut reply).expect("reply");
    assert_eq!(reply[3] & 0x0f, 0);
    drop(tcp);

    // Every reply was counted before it was sent, so the counts are complete here.
    let m = server.metrics();
    let c = &m.counts;
    assert_eq!(c.queries, [6, 1, 0, 0], "udp, tcp, tls, https");
    assert_eq!(qtype_count(&c.qtypes, "A"), 3);
    assert_eq!(qtype_count(&c.qtypes, "AAAA"), 1);
    assert_eq!(qtype_count(&c.qtypes, "MX"), 1);
    assert_eq!(qtype_count(&c.qtypes, "SOA"), 1);
    assert_eq!(qtype_count(&c.qtypes, "other"), 1);
    assert_eq!(c.qtypes.iter().sum::<u64>(), 7);
    assert_eq!(c.rcodes[0], 5, "NOERROR");
    assert_eq!(c.rcodes[3], 1, "NXDOMAIN");
    assert_eq!(c.rcodes[5], 1, "REFUSED");
    assert_eq!((c.rrl_dropped, c.rrl_slipped), (0, 0));
    assert_eq!(m.zones, vec![("example.com.".to_owned(), 2024060101)]);

    // The same, read over HTTP from another thread through the handle.
    let handle = server.metrics_handle();
    let endpoint = MetricsEndpoint::start("127.0.0.1:0".parse().expect("address"), move || {
        render(Some(&handle.snapshot()), None)
    })
    .expect("metrics endpoint");
    let page = http_get(endpoint.local_addr(), "/metrics");
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
    assert!(page.contains("\r\nContent-Type: text/plain; version=0.0.4"), "{page}");
    for line in [
        r#"banyan_auth_queries_total{transport="udp"} 6"#,
        r#"banyan_auth_queries_total{transport="tcp"} 1"#,
        r#"banyan_auth_queries_by_type_total{qtype="A"} 3"#,
        r#"banyan_auth_responses_total{rcode="NXDOMAIN"} 1"#,
        r#"banyan_auth_responses_total{rcode="REFUSED"} 1"#,
        r#"banyan_zone_serial{zone="example.com."} 2024060101"#,
    ] {
        assert!(page.lines().any(|l| l == line), "missing {line:?} in\n{page}");
    }
    assert!(http_get(endpoint.local_addr(), "/").starts_with("HTTP/1.1 404 "));
    drop(endpoint);
    server.shutdown();
}

#[test]
fn rate_limited_replies_are_counted_as_dropped_or_slipped() {
    const BURST: u16 = 40;
    let (_dir, server) = start(Some(RrlConfig {
        slip: 2,
        ..RrlConfig::new(2)
    }));
    let udp = UdpSocket::bind("127.0.0.1:0").expect("bind client");
    udp.connect(server.local_addrs()[0]).expect("connect");
    for id in 0..BURST {
        udp.send(&query(id, "www.example.com.", RecordType::A)).expect("send");
    }
    // Replies stop coming once the burst is answered: a short quiet means the end, once the
    // server has taken the whole burst (a loaded machine may be slow to schedule it).
    await_udp_queries(&server, u64::from(BURST));
    udp.set_read_timeout(Some(Duration::from_millis(500))).expect("timeout");
    let mut received = 0u64;
    let mut buf = [0u8; 4096];
    for _ in 0..BURST {
        match udp.recv(&mut buf) {
            Ok(_) => received += 1,
            Err(_) => break,
        }
    }
    let c = server.metrics().counts;
    assert_eq!(c.queries[0], u64::from(BURST));
    assert!(c.rrl_dropped > 0 && c.rrl_slipped > 0, "{c:?}");
    assert_eq!(received, u64::from(BURST) - c.rrl_dropped, "{c:?}");
    server.shutdown();
}
