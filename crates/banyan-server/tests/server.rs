//! The server over real loopback sockets: UDP and TCP answers, pipelining, bad packets,
//! reload and zone transfers. Every server is started on an ephemeral port inside its test
//! and stopped at the end of it.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use banyan_auth::{AuthConfig, Catalog};
use banyan_server::{Server, ServerConfig, ZoneSource};
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, Rcode, RecordType};

/// Bound on any wait for a reply: a failure limit, not a pause.
const WAIT: Duration = Duration::from_secs(5);

fn zone_text(serial: u32, www: &str) -> String {
    format!(
        "$TTL 3600\n\
         @    IN SOA ns1 hostmaster {serial} 7200 3600 1209600 300\n\
         @    IN NS  ns1\n\
         ns1  IN A   192.0.2.53\n\
         www  IN A   {www}\n"
    )
}

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "banyan-server-test-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.0.join(name), text).expect("write zone file");
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts a server on 127.0.0.1 (ephemeral port) for every zone in `dir`.
fn start(dir: &Path, auth: AuthConfig) -> Server {
    let (catalog, errors) = Catalog::load_dir(dir);
    assert!(errors.is_empty(), "{errors:?}");
    let mut config = ServerConfig::new(vec!["127.0.0.1:0".parse().expect("address")]);
    config.udp_workers = 2;
    config.auth = auth;
    Server::start(config, catalog, ZoneSource::Dir(dir.to_path_buf())).expect("start server")
}

fn example_server() -> (TempDir, Server) {
    let dir = TempDir::new();
    dir.write("example.com.zone", &zone_text(1, "192.0.2.1"));
    let server = start(&dir.0, AuthConfig::default());
    (dir, server)
}

fn addr(server: &Server) -> SocketAddr {
    server.local_addrs()[0]
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

fn udp_client(server: SocketAddr) -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind client");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    s.connect(server).expect("connect");
    s
}

fn udp_recv(s: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0u8; 65535];
    let n = s.recv(&mut buf).expect("a reply within the wait");
    buf.truncate(n);
    buf
}

fn tcp_client(server: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(server).expect("connect");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    s
}

fn framed(msg: &[u8]) -> Vec<u8> {
    let mut f = (msg.len() as u16).to_be_bytes().to_vec();
    f.extend_from_slice(msg);
    f
}

/// Reads one length-prefixed message; `None` when the server closed the connection.
fn tcp_recv(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 2];
    s.read_exact(&mut len).ok()?;
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut buf).expect("message body");
    Some(buf)
}

/// The answer section, one record per line in presentation form.
fn answers(reply: &[u8]) -> Vec<String> {
    let msg = Message::parse(reply).expect("reply parses");
    msg.answers()
        .map(|r| r.to_record().expect("record data").to_string())
        .collect()
}

fn id_and_rcode(reply: &[u8]) -> (u16, Rcode) {
    let msg = Message::parse(reply).expect("reply parses");
    (msg.id(), msg.rcode())
}

#[test]
fn udp_answer() {
    let (_dir, server) = example_server();
    let c = udp_client(addr(&server));
    c.send(&query(7, "www.example.com.", RecordType::A)).expect("send");
    let reply = udp_recv(&c);
    assert_eq!(id_and_rcode(&reply), (7, Rcode::NOERROR));
    let a = answers(&reply);
    assert_eq!(a.len(), 1, "{a:?}");
    assert!(a[0].ends_with("192.0.2.1"), "{a:?}");
    server.shutdown();
}

#[test]
fn burst_of_udp_queries_all_answered() {
    // More queries than one batch holds, sent before any is read: batches fill up and every
    // query still gets its own answer.
    let (_dir, server) = example_server();
    let c = udp_client(addr(&server));
    for id in 0..200u16 {
        c.send(&query(id, "www.example.com.", RecordType::A)).expect("send");
    }
    let mut seen = [false; 200];
    for _ in 0..200 {
        let (id, rcode) = id_and_rcode(&udp_recv(&c));
        assert_eq!(rcode, Rcode::NOERROR);
        seen[usize::from(id)] = true;
    }
    assert!(seen.iter().all(|&s| s));
    server.shutdown();
}

#[test]
fn tcp_answer() {
    let (_dir, server) = example_server();
    let mut c = tcp_client(addr(&server));
    c.write_all(&framed(&query(8, "www.example.com.", RecordType::A)))
        .expect("send");
    let reply = tcp_recv(&mut c).expect("an answer");
    assert_eq!(id_and_rcode(&reply), (8, Rcode::NOERROR));
    assert!(answers(&reply)[0].ends_with("192.0.2.1"));
    server.shutdown();
}

#[test]
fn tcp_two_pipelined_queries_both_answered() {
    let (_dir, server) = example_server();
    let mut c = tcp_client(addr(&server));
    // Both queries in one write: the server must not wait for the first answer to be read.
    let mut both = framed(&query(1, "www.example.com.", RecordType::A));
    both.extend(framed(&query(2, "ns1.example.com.", RecordType::A)));
    c.write_all(&both).expect("send");
    let mut got = [tcp_recv(&mut c).expect("first"), tcp_recv(&mut c).expect("second")]
        .iter()
        .map(|r| (Message::parse(r).expect("parse").id(), answers(r)))
        .collect::<Vec<_>>();
    got.sort();
    assert_eq!(got[0].0, 1);
    assert!(got[0].1[0].ends_with("192.0.2.1"), "{got:?}");
    assert_eq!(got[1].0, 2);
    assert!(got[1].1[0].ends_with("192.0.2.53"), "{got:?}");
    server.shutdown();
}

#[test]
fn malformed_packet_then_good_query_answered() {
    let (_dir, server) = example_server();
    let c = udp_client(addr(&server));
    // Too short for a header (dropped), then a header promising a question that is not
    // there (FORMERR), then a good query.
    c.send(&[0xde, 0xad, 0xbe]).expect("send");
    let mut bad = query(9, "www.example.com.", RecordType::A);
    bad.truncate(14);
    c.send(&bad).expect("send");
    c.send(&query(10, "www.example.com.", RecordType::A)).expect("send");
    loop {
        let reply = udp_recv(&c);
        let (id, rcode) = id_and_rcode(&reply);
        if id == 9 {
            assert_eq!(rcode, Rcode::FORMERR);
            continue;
        }
        assert_eq!((id, rcode), (10, Rcode::NOERROR));
        break;
    }
    // The same over TCP: a bad message does not end the connection.
    let mut t = tcp_client(addr(&server));
    t.write_all(&framed(&[1, 2, 3])).expect("send");
    t.write_all(&framed(&query(11, "www.example.com.", RecordType::A)))
        .expect("send");
    let reply = tcp_recv(&mut t).expect("an answer");
    assert_eq!(id_and_rcode(&reply), (11, Rcode::NOERROR));
    server.shutdown();
}

#[test]
fn response_packet_gets_no_reply() {
    let (_dir, server) = example_server();
    let c = udp_client(addr(&server));
    let mut response = query(20, "www.example.com.", RecordType::A);
    response[2] |= 0x80; // QR
    c.send(&response).expect("send");
    c.send(&query(21, "www.example.com.", RecordType::A)).expect("send");
    // One client's datagrams reach one worker in order, so a reply to 20 would come first.
    let reply = udp_recv(&c);
    assert_eq!(id_and_rcode(&reply).0, 21);
    server.shutdown();
}

#[test]
fn reload_swaps_changed_zone_and_keeps_broken_one() {
    let dir = TempDir::new();
    dir.write("example.com.zone", &zone_text(1, "192.0.2.1"));
    let server = start(&dir.0, AuthConfig::default());
    let c = udp_client(addr(&server));
    let ask = |id| {
        c.send(&query(id, "www.example.com.", RecordType::A)).expect("send");
        answers(&udp_recv(&c))
    };
    assert!(ask(1)[0].ends_with("192.0.2.1"));

    dir.write("example.com.zone", &zone_text(2, "192.0.2.2"));
    let errors = server.reload();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(ask(2)[0].ends_with("192.0.2.2"));

    dir.write(
        "example.com.zone",
        "$TTL 3600\n@ IN SOA ns1 hostmaster 3 7200 3600 1209600 300\nwww IN A not-an-address\n",
    );
    let errors = server.reload();
    assert!(!errors.is_empty(), "a broken zone is reported");
    assert!(errors.iter().any(|e| e.contains("example.com.zone")), "{errors:?}");
    assert!(ask(3)[0].ends_with("192.0.2.2"), "the previous version keeps serving");
    server.shutdown();
}

#[test]
fn a_changed_zone_file_is_noticed_by_reload_if_changed() {
    let dir = TempDir::new();
    dir.write("example.com.zone", &zone_text(1, "192.0.2.1"));
    let server = start(&dir.0, AuthConfig::default());
    let c = udp_client(addr(&server));
    let ask = |id| {
        c.send(&query(id, "www.example.com.", RecordType::A)).expect("send");
        answers(&udp_recv(&c))
    };
    assert_eq!(server.reload_if_changed(), None, "nothing changed since loading");
    // A longer address changes the file's length, so the change shows whatever the clock's
    // resolution for modification times.
    dir.write("example.com.zone", &zone_text(2, "192.0.2.222"));
    assert_eq!(server.reload_if_changed(), Some(Vec::new()));
    assert!(ask(1)[0].ends_with("192.0.2.222"));
    assert_eq!(server.reload_if_changed(), None, "seen once, not reloaded again");
    // A new zone file in the directory is a change too.
    dir.write(
        "example.org.zone",
        &zone_text(1, "192.0.2.9").replace("example.com", "example.org"),
    );
    assert!(server.reload_if_changed().is_some());
    assert_eq!(server.catalog().zones().count(), 2);
    server.shutdown();
}

#[test]
fn udp_truncates_and_tcp_carries_the_whole_answer() {
    let dir = TempDir::new();
    let mut text = zone_text(1, "192.0.2.1");
    for i in 0..40 {
        text.push_str(&format!("big IN TXT \"record {i:02} {}\"\n", "x".repeat(60)));
    }
    dir.write("example.com.zone", &text);
    let server = start(&dir.0, AuthConfig::default());
    let c = udp_client(addr(&server));
    c.send(&query(40, "big.example.com.", RecordType::TXT)).expect("send");
    let reply = udp_recv(&c);
    assert!(reply.len() <= 512, "no EDNS: at most 512 octets (RFC 1035 §4.2.1)");
    assert!(Message::parse(&reply).expect("parse").header().tc, "TC set");
    let mut t = tcp_client(addr(&server));
    t.write_all(&framed(&query(41, "big.example.com.", RecordType::TXT)))
        .expect("send");
    let reply = tcp_recv(&mut t).expect("an answer");
    assert!(!Message::parse(&reply).expect("parse").header().tc);
    assert_eq!(answers(&reply).len(), 40);
    server.shutdown();
}

fn axfr(server: &Server) -> Vec<Vec<u8>> {
    let mut c = tcp_client(addr(server));
    c.write_all(&framed(&query(30, "example.com.", RecordType::AXFR)))
        .expect("send");
    let mut messages = Vec::new();
    let mut soas = 0;
    // A transfer ends with the second SOA (RFC 5936 §2.2); a refusal is one message.
    while let Some(m) = tcp_recv(&mut c) {
        let msg = Message::parse(&m).expect("parse");
        let done = msg.rcode() != Rcode::NOERROR;
        soas += msg.answers().filter(|r| r.rtype == RecordType::SOA).count();
        messages.push(m);
        if done || soas >= 2 {
            break;
        }
    }
    messages
}

#[test]
fn axfr_allowed_and_refused() {
    let dir = TempDir::new();
    dir.write("example.com.zone", &zone_text(1, "192.0.2.1"));

    let refusing = start(&dir.0, AuthConfig::default());
    let refused = axfr(&refusing);
    assert_eq!(refused.len(), 1);
    assert_eq!(id_and_rcode(&refused[0]), (30, Rcode::REFUSED));
    refusing.shutdown();

    let allowing = start(
        &dir.0,
        AuthConfig {
            allow_transfer: vec!["127.0.0.0/8".parse().expect("cidr")],
            ..AuthConfig::default()
        },
    );
    let records: Vec<String> = axfr(&allowing).iter().flat_map(|m| answers(m)).collect();
    assert!(records.len() >= 5, "{records:?}");
    assert!(records[0].contains("SOA"), "{records:?}");
    assert!(records[records.len() - 1].contains("SOA"), "{records:?}");
    assert!(records.iter().any(|r| r.ends_with("192.0.2.1")), "{records:?}");
    allowing.shutdown();
}

#[test]
fn tcp_connections_beyond_the_bound_are_closed() {
    let dir = TempDir::new();
    dir.write("example.com.zone", &zone_text(1, "192.0.2.1"));
    let (catalog, _) = Catalog::load_dir(&dir.0);
    let mut config = ServerConfig::new(vec!["127.0.0.1:0".parse().expect("address")]);
    config.udp_workers = 1;
    config.tcp_max_connections = 1;
    let server = Server::start(config, catalog, ZoneSource::Fixed).expect("start");
    let mut first = tcp_client(addr(&server));
    first
        .write_all(&framed(&query(1, "www.example.com.", RecordType::A)))
        .expect("send");
    assert!(tcp_recv(&mut first).is_some(), "the first connection is served");
    let mut second = tcp_client(addr(&server));
    let _ = second.write_all(&framed(&query(2, "www.example.com.", RecordType::A)));
    assert!(tcp_recv(&mut second).is_none(), "the second is closed unanswered");
    server.shutdown();
}

#[test]
fn idle_tcp_connection_is_closed() {
    let dir = TempDir::new();
    dir.write("example.com.zone", &zone_text(1, "192.0.2.1"));
    let (catalog, _) = Catalog::load_dir(&dir.0);
    let mut config = ServerConfig::new(vec!["127.0.0.1:0".parse().expect("address")]);
    config.udp_workers = 1;
    config.tcp_idle_timeout = Duration::from_millis(100);
    let server = Server::start(config, catalog, ZoneSource::Fixed).expect("start");
    let mut c = tcp_client(addr(&server));
    // Nothing sent: the server closes the connection after the idle timeout, well within WAIT.
    let mut buf = [0u8; 1];
    assert_eq!(c.read(&mut buf).expect("closed, not timed out"), 0);
    server.shutdown();
}
