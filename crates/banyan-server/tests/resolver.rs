//! The resolver end to end: a small hierarchy (root, TLDs, second-level zones) served by
//! Banyan's authoritative server on loopback addresses inside the test, resolved by the
//! resolver service from its root hints. Every server is started in its test, on one
//! ephemeral port shared by the lab's addresses, and stopped at its end.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use banyan_auth::{AuthConfig, Catalog};
use banyan_resolver::{LocalZones, Resolver, ResolverConfig, RootHints};
use banyan_server::{ResolverServer, ResolverServerConfig, Server, ServerConfig, ZoneSource};
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, Rcode, RecordType};

/// Bound on any wait for a reply: a failure limit, not a pause.
const WAIT: Duration = Duration::from_secs(10);

const ROOT: &str = "$TTL 86400
. SOA a.root-servers.net. nstld.example. 1 1800 900 604800 86400
. NS a.root-servers.net.
a.root-servers.net. A 127.0.70.1
test. NS ns1.nic.test.
ns1.nic.test. A 127.0.70.2
lab. NS ns.lab.
ns.lab. A 127.0.70.4
";

const TEST: &str = "$ORIGIN test.
$TTL 3600
@ SOA ns1.nic hostmaster 1 1800 900 604800 300
@ NS ns1.nic
ns1.nic A 127.0.70.2
example NS ns1.example
example NS ns2.example
ns1.example A 127.0.70.3
ns2.example A 127.0.70.99
glueless NS ns.hosting.lab.
";

const EXAMPLE: &str = "$ORIGIN example.test.
$TTL 300
@ SOA ns1 hostmaster 1 3600 900 604800 60
@ NS ns1
@ NS ns2
ns1 A 127.0.70.3
ns2 A 127.0.70.99
@ MX 10 mail
mail A 192.0.2.25
www A 192.0.2.1
alias CNAME www
far CNAME www.glueless.test.
only-v4 A 192.0.2.4
old DNAME glueless.test.
*.wild A 192.0.2.99
";

const LAB: &str = "$ORIGIN lab.
$TTL 3600
@ SOA ns hostmaster 1 3600 900 604800 60
@ NS ns
ns A 127.0.70.4
ns.hosting A 127.0.70.5
";

const GLUELESS: &str = "$ORIGIN glueless.test.
$TTL 600
@ SOA ns.hosting.lab. hostmaster.hosting.lab. 1 3600 900 604800 60
@ NS ns.hosting.lab.
www A 192.0.2.50
";

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "banyan-resolver-test-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The authoritative servers of a lab, all on one port.
struct Lab {
    _dir: TempDir,
    _servers: Vec<Server>,
    port: u16,
}

/// Starts one authoritative server per (address, zones); the first picks the port.
fn start_lab(layout: &[(&str, &[(&str, &str)])]) -> Lab {
    let dir = TempDir::new();
    let mut servers = Vec::new();
    let mut port = 0;
    for (i, (addr, zones)) in layout.iter().enumerate() {
        let sub = dir.0.join(format!("s{i}"));
        std::fs::create_dir_all(&sub).expect("dir");
        for (file, text) in zones.iter() {
            std::fs::write(sub.join(file), text).expect("zone");
        }
        let (catalog, errors) = Catalog::load_dir(&sub);
        assert!(errors.is_empty(), "{errors:?}");
        let ip: IpAddr = addr.parse().expect("address");
        let mut config = ServerConfig::new(vec![SocketAddr::new(ip, port)]);
        config.udp_workers = 1;
        config.auth = AuthConfig::default();
        let server = Server::start(config, catalog, ZoneSource::Fixed).expect("start auth server");
        port = server.local_addrs()[0].port();
        servers.push(server);
    }
    Lab {
        _dir: dir,
        _servers: servers,
        port,
    }
}

fn standard_lab() -> Lab {
    start_lab(&[
        ("127.0.70.1", &[("root.zone", ROOT)]),
        ("127.0.70.2", &[("test.zone", TEST)]),
        ("127.0.70.3", &[("example.test.zone", EXAMPLE)]),
        ("127.0.70.4", &[("lab.zone", LAB)]),
        ("127.0.70.5", &[("glueless.test.zone", GLUELESS)]),
    ])
}

fn lab_hints(root: &str) -> RootHints {
    let text = format!(". 3600000 NS a.root-servers.net.\na.root-servers.net. 3600000 A {root}\n");
    RootHints::parse(&text, std::path::Path::new("lab.hints")).expect("hints")
}

fn start_resolver(port: u16, hints: RootHints, configure: impl FnOnce(&mut ResolverServerConfig)) -> ResolverServer {
    let config = ResolverConfig {
        upstream_port: port,
        ..ResolverConfig::default()
    };
    // The lab's TLD is `test.`, which Unbound-like defaults answer locally (RFC 6761).
    let mut resolver = Resolver::new(config, hints, LocalZones::none());
    resolver.trace_names("example.test.".parse().expect("name"), None);
    let mut server = ResolverServerConfig::new(vec!["127.0.0.1:0".parse().expect("addr")]);
    server.udp_workers = 2;
    configure(&mut server);
    ResolverServer::start(server, Arc::new(resolver)).expect("start resolver")
}

fn query_bytes(id: u16, name: &str, qtype: RecordType, rd: bool, edns: bool) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id,
            rd,
            ..Header::default()
        },
    );
    b.question(&Name::parse(name, None).expect("name"), qtype, Class::IN)
        .expect("question");
    if edns {
        b.edns(&banyan_wire::edns::Edns::default()).expect("edns");
    }
    b.finish();
    buf
}

fn ask_udp(server: SocketAddr, query: &[u8]) -> Vec<u8> {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind client");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    s.connect(server).expect("connect");
    s.send(query).expect("send");
    let mut buf = vec![0u8; 65535];
    let n = s.recv(&mut buf).expect("a reply within the wait");
    buf.truncate(n);
    buf
}

fn ask_tcp(server: SocketAddr, query: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(server).expect("connect");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(query);
    s.write_all(&framed).expect("write");
    let mut len = [0u8; 2];
    s.read_exact(&mut len).expect("length");
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut buf).expect("message");
    buf
}

/// RCODE and the answer section as "owner TYPE rdata" lines (no TTL), and the authority
/// section's owner/type pairs.
fn summary(reply: &[u8]) -> (Rcode, Vec<String>, Vec<String>) {
    let m = Message::parse(reply).expect("reply parses");
    assert!(m.header().qr && m.header().ra, "QR and RA set");
    let answer = m
        .answers()
        .map(|r| {
            let rec = r.to_record().expect("record");
            format!("{} {} {}", rec.name.to_string().to_lowercase(), rec.rtype(), rec.data)
        })
        .collect();
    let authority = m
        .authority()
        .map(|r| format!("{} {}", r.name.to_string().to_lowercase(), r.rtype))
        .collect();
    (m.rcode(), answer, authority)
}

fn resolve(server: SocketAddr, name: &str, qtype: RecordType) -> (Rcode, Vec<String>, Vec<String>) {
    summary(&ask_udp(server, &query_bytes(0x1234, name, qtype, true, true)))
}

/// A question and the expected RCODE, answer lines and authority owner/type pairs.
type Case = (&'static str, RecordType, Rcode, Vec<&'static str>, Vec<&'static str>);

#[test]
fn resolves_a_hierarchy_then_answers_from_cache() {
    let lab = standard_lab();
    let resolver = start_resolver(lab.port, lab_hints("127.0.70.1"), |_| {});
    let at = resolver.local_addrs()[0];
    let cases: Vec<Case> = vec![
        (
            "www.example.test.",
            RecordType::A,
            Rcode::NOERROR,
            vec!["www.example.test. A 192.0.2.1"],
            vec![],
        ),
        (
            "alias.example.test.",
            RecordType::A,
            Rcode::NOERROR,
            vec![
                "alias.example.test. CNAME www.example.test.",
                "www.example.test. A 192.0.2.1",
            ],
            vec![],
        ),
        // A CNAME into another zone whose server has no glue (found through lab.).
        (
            "far.example.test.",
            RecordType::A,
            Rcode::NOERROR,
            vec![
                "far.example.test. CNAME www.glueless.test.",
                "www.glueless.test. A 192.0.2.50",
            ],
            vec![],
        ),
        (
            "www.old.example.test.",
            RecordType::A,
            Rcode::NOERROR,
            vec![
                "old.example.test. DNAME glueless.test.",
                "www.old.example.test. CNAME www.glueless.test.",
                "www.glueless.test. A 192.0.2.50",
            ],
            vec![],
        ),
        (
            "example.test.",
            RecordType::MX,
            Rcode::NOERROR,
            vec!["example.test. MX 10 mail.example.test."],
            vec![],
        ),
        (
            "host.wild.example.test.",
            RecordType::A,
            Rcode::NOERROR,
            vec!["host.wild.example.test. A 192.0.2.99"],
            vec![],
        ),
        (
            "nope.example.test.",
            RecordType::A,
            Rcode::NXDOMAIN,
            vec![],
            vec!["example.test. SOA"],
        ),
        (
            "only-v4.example.test.",
            RecordType::AAAA,
            Rcode::NOERROR,
            vec![],
            vec!["example.test. SOA"],
        ),
        (
            "nothing.test.",
            RecordType::A,
            Rcode::NXDOMAIN,
            vec![],
            vec!["test. SOA"],
        ),
        (
            "ns.hosting.lab.",
            RecordType::A,
            Rcode::NOERROR,
            vec!["ns.hosting.lab. A 127.0.70.5"],
            vec![],
        ),
    ];
    for round in 0..2 {
        let before = resolver.resolver().counters.values();
        for (name, qtype, rcode, answer, authority) in &cases {
            let (got_rcode, got_answer, got_authority) = resolve(at, name, *qtype);
            assert_eq!(got_rcode, *rcode, "{name} {qtype} (round {round})");
            assert_eq!(got_answer, *answer, "{name} {qtype} (round {round})");
            assert_eq!(got_authority, *authority, "{name} {qtype} (round {round})");
        }
        let after = resolver.resolver().counters.values();
        if round == 0 {
            assert!(after.upstream_queries > before.upstream_queries);
        } else {
            assert_eq!(
                after.upstream_queries, before.upstream_queries,
                "the second round asks nobody"
            );
            assert!(after.cache_hits >= before.cache_hits + 10, "{before:?} → {after:?}");
        }
    }
    // Resolutions of names under example.test. were traced (cache hits are not resolutions).
    let traces = resolver.resolver().traces.snapshot();
    assert!(!traces.is_empty());
    assert!(traces.iter().all(|t| t.question.contains("example.test.")));
    let json = resolver.resolver().traces.to_json();
    assert!(json.contains("\"event\":\"query\""), "{json}");
    drop(lab);
}

#[test]
fn special_use_names_are_answered_locally() {
    let config = ResolverConfig {
        upstream_port: 9,
        ..ResolverConfig::default()
    };
    let resolver = Resolver::new(config, lab_hints("127.0.70.98"), LocalZones::defaults());
    let mut server = ResolverServerConfig::new(vec!["127.0.0.1:0".parse().expect("addr")]);
    server.udp_workers = 1;
    let server = ResolverServer::start(server, Arc::new(resolver)).expect("start resolver");
    let at = server.local_addrs()[0];
    let (rcode, answer, _) = resolve(at, "localhost.", RecordType::A);
    assert_eq!(
        (rcode, answer),
        (Rcode::NOERROR, vec!["localhost. A 127.0.0.1".to_string()])
    );
    let (rcode, _, authority) = resolve(at, "www.example.test.", RecordType::A);
    assert_eq!((rcode, authority), (Rcode::NXDOMAIN, vec!["test. SOA".to_string()]));
    assert_eq!(
        server.resolver().counters.values().upstream_queries,
        0,
        "nobody was asked"
    );
}

#[test]
fn an_answer_too_big_for_udp_comes_whole_over_tcp() {
    let strings: String = (0..40).map(|i| format!(" \"{i:02}-{}\"", "x".repeat(60))).collect();
    let example = format!("{EXAMPLE}big TXT{strings}\n");
    let lab = start_lab(&[
        ("127.0.71.1", &[("root.zone", &ROOT.replace("127.0.70.", "127.0.71."))]),
        ("127.0.71.2", &[("test.zone", &TEST.replace("127.0.70.", "127.0.71."))]),
        (
            "127.0.71.3",
            &[("example.test.zone", &example.replace("127.0.70.", "127.0.71."))],
        ),
    ]);
    let resolver = start_resolver(lab.port, lab_hints("127.0.71.1"), |_| {});
    let at = resolver.local_addrs()[0];
    let q = query_bytes(7, "big.example.test.", RecordType::TXT, true, true);
    let udp = Message::parse(&ask_udp(at, &q))
        .map(|m| (m.rcode(), m.header().tc, m.header().ancount))
        .expect("parse");
    assert_eq!(
        udp,
        (Rcode::NOERROR, true, 0),
        "too big for 1232 octets: truncated, no partial RRset"
    );
    let (rcode, answer, _) = summary(&ask_tcp(at, &q));
    assert_eq!(rcode, Rcode::NOERROR);
    assert_eq!(answer.len(), 1);
    assert!(answer[0].contains("39-xxxx"), "{answer:?}");
    drop(lab);
}

#[test]
fn clients_outside_the_allow_list_are_refused_and_bad_packets_handled() {
    let lab = standard_lab();
    let refused = start_resolver(lab.port, lab_hints("127.0.70.1"), |c| {
        c.allow = vec!["10.0.0.0/8".parse().expect("cidr")];
    });
    let (rcode, answer, _) = resolve(refused.local_addrs()[0], "www.example.test.", RecordType::A);
    assert_eq!((rcode, answer.len()), (Rcode::REFUSED, 0));
    assert_eq!(refused.resolver().counters.values().upstream_queries, 0);

    let open = start_resolver(lab.port, lab_hints("127.0.70.1"), |_| {});
    let at = open.local_addrs()[0];
    // Two questions: FORMERR. A response: dropped (the next query still answers).
    let mut two = query_bytes(9, "www.example.test.", RecordType::A, true, false);
    two[5] = 2;
    assert_eq!(
        Message::parse(&ask_udp(at, &two)).expect("parse").rcode(),
        Rcode::FORMERR
    );
    let mut resp = query_bytes(10, "www.example.test.", RecordType::A, true, false);
    resp[2] |= 0x80;
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.send_to(&resp, at).expect("send");
    s.send_to(&[1, 2, 3], at).expect("send");
    let (rcode, answer, _) = resolve(at, "www.example.test.", RecordType::A);
    assert_eq!((rcode, answer.len()), (Rcode::NOERROR, 1));
    // RD clear: no recursion, what the cache knows.
    let cached = summary(&ask_udp(
        at,
        &query_bytes(11, "www.example.test.", RecordType::A, false, false),
    ));
    assert_eq!(cached.1, vec!["www.example.test. A 192.0.2.1"]);
    let unknown = summary(&ask_udp(
        at,
        &query_bytes(12, "mail.example.test.", RecordType::A, false, false),
    ));
    assert_eq!(unknown.1.len(), 0);
    assert_eq!(unknown.2, vec!["example.test. NS"; 2], "a referral from the cache");
    drop(lab);
}

#[test]
fn every_server_dead_is_servfail_within_the_budget() {
    // Hints pointing at an address where nothing listens.
    let lab = standard_lab();
    let resolver = start_resolver(lab.port, lab_hints("127.0.70.98"), |_| {});
    let (rcode, answer, _) = resolve(resolver.local_addrs()[0], "www.example.test.", RecordType::A);
    assert_eq!((rcode, answer.len()), (Rcode::SERVFAIL, 0));
    drop(lab);
}

/// A fake `example.` server on `addr`: to each query it first sends forgeries (wrong ID, a
/// different question, the right ID from another port and from another address), then a
/// reply with the right answer salted with out-of-bailiwick records. With `lowercase`, every
/// reply spells the question in lower case (a server that does not echo 0x20).
fn fake_example_server(
    addr: SocketAddr,
    lowercase: bool,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let socket = UdpSocket::bind(addr).expect("bind fake server");
    socket
        .set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    let other_port = UdpSocket::bind(SocketAddr::new(addr.ip(), 0)).expect("bind");
    let other_addr = UdpSocket::bind("127.0.73.9:0").expect("bind");
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 4096];
        while !stop.load(Ordering::Relaxed) {
            let Ok((n, client)) = socket.recv_from(&mut buf) else {
                continue;
            };
            let Ok(q) = Message::parse(&buf[..n]) else { continue };
            let Some(question) = q.question() else { continue };
            let mut qname = question.qname.to_name();
            if lowercase {
                qname = qname.to_lowercase();
            }
            let id = q.id();
            let reply = |id: u16, qname: &Name, answer: &[&str], authority: &[&str], additional: &[&str]| {
                let mut out = Vec::new();
                let mut b = MessageBuilder::new(
                    &mut out,
                    Header {
                        id,
                        qr: true,
                        aa: true,
                        ..Header::default()
                    },
                );
                b.question(qname, question.qtype, Class::IN).expect("q");
                for (section, lines) in [
                    (banyan_wire::message::BuildSection::Answer, answer),
                    (banyan_wire::message::BuildSection::Authority, authority),
                    (banyan_wire::message::BuildSection::Additional, additional),
                ] {
                    for l in lines {
                        let r = banyan_wire::Record::from_text(l, None, None).expect("record");
                        b.push(section, &r).expect("push");
                    }
                }
                b.finish();
                out
            };
            let poison = [format!("{qname} 300 IN A 6.6.6.6")];
            let poison: Vec<&str> = poison.iter().map(String::as_str).collect();
            let good = format!("{qname} 300 IN A 192.0.2.1");
            let _ = socket.send_to(&reply(id.wrapping_add(1), &qname, &poison, &[], &[]), client);
            let other: Name = "www.bank.test.".parse().expect("name");
            let _ = socket.send_to(
                &reply(id, &other, &["www.bank.test. 300 IN A 6.6.6.6"], &[], &[]),
                client,
            );
            let _ = other_port.send_to(&reply(id, &qname, &poison, &[], &[]), client);
            let _ = other_addr.send_to(&reply(id, &qname, &poison, &[], &[]), client);
            let real = reply(
                id,
                &qname,
                &[good.as_str(), "www.bank.test. 300 IN A 6.6.6.6"],
                &["test. 300 IN NS evil.example."],
                &["evil.example. 300 IN A 6.6.6.6", "ns1.bank.test. 300 IN A 6.6.6.6"],
            );
            let _ = socket.send_to(&real, client);
        }
    })
}

const POISON_ROOT: &str = "$TTL 86400
. SOA a.root-servers.net. nstld.example. 1 1800 900 604800 86400
. NS a.root-servers.net.
a.root-servers.net. A 127.0.73.1
example. NS ns.example.
ns.example. A 127.0.73.2
";

#[test]
fn forged_and_out_of_bailiwick_replies_never_reach_the_cache() {
    for lowercase in [false, true] {
        let lab = start_lab(&[("127.0.73.1", &[("root.zone", POISON_ROOT)])]);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let fake = fake_example_server(
            SocketAddr::new("127.0.73.2".parse().expect("ip"), lab.port),
            lowercase,
            stop.clone(),
        );
        let resolver = start_resolver(lab.port, lab_hints("127.0.73.1"), |_| {});
        let at = resolver.local_addrs()[0];
        // Forty letters: the 0x20 pattern is all lower case once in 2^40 (no flaky test).
        let long = "thequickbrownfoxjumpsoverthelazydog.example.";
        let (rcode, answer, _) = resolve(at, long, RecordType::A);
        assert_eq!(rcode, Rcode::NOERROR, "lowercase {lowercase}");
        assert_eq!(answer, vec![format!("{long} A 192.0.2.1")], "lowercase {lowercase}");
        let r = resolver.resolver();
        let now = std::time::Instant::now();
        let name = |s: &str| s.parse::<Name>().expect("name");
        assert!(r
            .cache
            .get(&name("www.bank.test."), RecordType::A, Class::IN, now)
            .is_none());
        assert!(r.cache.get(&name("test."), RecordType::NS, Class::IN, now).is_none());
        assert!(r
            .cache
            .get(&name("evil.example."), RecordType::A, Class::IN, now)
            .is_none());
        assert!(r
            .cache
            .get(&name("ns1.bank.test."), RecordType::A, Class::IN, now)
            .is_none());
        let counters = r.counters.values();
        assert!(
            counters.rejected_replies >= 2,
            "wrong ID and wrong question seen and dropped: {counters:?}"
        );
        if lowercase {
            assert!(
                r.infra.no_caps("127.0.73.2".parse().expect("ip")),
                "0x20 fell back for this server"
            );
        }
        stop.store(true, Ordering::Relaxed);
        let _ = fake.join();
        drop(lab);
    }
}

/// A slow `example.` server: counts the queries it gets and holds every reply until told
/// to let them go.
struct SlowServer {
    asked: Arc<AtomicUsize>,
    release: Arc<std::sync::atomic::AtomicBool>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SlowServer {
    fn start(addr: SocketAddr) -> SlowServer {
        let socket = UdpSocket::bind(addr).expect("bind slow server");
        socket
            .set_read_timeout(Some(Duration::from_millis(5)))
            .expect("timeout");
        let asked = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (a, r, st) = (asked.clone(), release.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 4096];
            let mut held: Vec<(SocketAddr, Vec<u8>)> = Vec::new();
            let end = std::time::Instant::now() + WAIT;
            while std::time::Instant::now() < end {
                if let Ok((n, client)) = socket.recv_from(&mut buf) {
                    let Ok(q) = Message::parse(&buf[..n]) else { continue };
                    let Some(question) = q.question() else { continue };
                    a.fetch_add(1, Ordering::SeqCst);
                    let qname = question.qname.to_name();
                    let mut out = Vec::new();
                    let mut b = MessageBuilder::new(
                        &mut out,
                        Header {
                            id: q.id(),
                            qr: true,
                            aa: true,
                            ..Header::default()
                        },
                    );
                    b.question(&qname, question.qtype, Class::IN).expect("q");
                    let rec = banyan_wire::Record::from_text(&format!("{qname} 300 IN A 192.0.2.77"), None, None)
                        .expect("record");
                    b.push(banyan_wire::message::BuildSection::Answer, &rec).expect("push");
                    b.finish();
                    held.push((client, out));
                }
                if r.load(Ordering::SeqCst) {
                    for (client, reply) in held.drain(..) {
                        let _ = socket.send_to(&reply, client);
                    }
                }
                if st.load(Ordering::SeqCst) {
                    break;
                }
            }
        });
        SlowServer {
            asked,
            release,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for SlowServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn clients_asking_the_same_question_at_once_share_one_upstream_query() {
    let root = POISON_ROOT.replace("127.0.73.", "127.0.74.");
    let lab = start_lab(&[("127.0.74.1", &[("root.zone", &root)])]);
    let slow = SlowServer::start(SocketAddr::new("127.0.74.2".parse().expect("ip"), lab.port));
    let resolver = start_resolver(lab.port, lab_hints("127.0.74.1"), |_| {});
    // The server is known to be slow (an SRTT of 1.5 s gives the longest timeout, 2 s), so
    // the resolver keeps waiting however long the clients take to arrive on a loaded machine:
    // the test depends on no timing but its bounded waits.
    resolver.resolver().infra.record_rtt(
        "127.0.74.2".parse().expect("ip"),
        Duration::from_millis(1500),
        std::time::Instant::now(),
    );
    let at = resolver.local_addrs()[0];
    const CLIENTS: usize = 20;
    let clients: Vec<UdpSocket> = (0..CLIENTS)
        .map(|i| {
            let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
            s.set_read_timeout(Some(WAIT)).expect("timeout");
            s.connect(at).expect("connect");
            s.send(&query_bytes(i as u16, "same.example.", RecordType::A, true, false))
                .expect("send");
            s
        })
        .collect();
    // Wait (bounded) until every client's question has reached the resolver, then let the
    // one upstream answer go.
    let end = std::time::Instant::now() + WAIT;
    while resolver.resolver().counters.values().resolutions < CLIENTS as u64 && std::time::Instant::now() < end {
        std::thread::yield_now();
    }
    slow.release.store(true, Ordering::SeqCst);
    for (i, s) in clients.iter().enumerate() {
        let mut buf = vec![0u8; 4096];
        let n = s.recv(&mut buf).expect("every client is answered");
        let (rcode, answer, _) = summary(&buf[..n]);
        assert_eq!(Message::parse(&buf[..n]).expect("parse").id(), i as u16);
        assert_eq!(
            (rcode, answer),
            (Rcode::NOERROR, vec!["same.example. A 192.0.2.77".to_string()])
        );
    }
    assert_eq!(
        slow.asked.load(Ordering::SeqCst),
        1,
        "one upstream query for {CLIENTS} clients"
    );
    drop(slow);
    drop(lab);
}

/// Issue 11's per-client query limit (`client_limit`, as Unbound's `ip-ratelimit`): a burst
/// of 30 UDP queries from one address gets about a second's worth answered (local answers:
/// `localhost.`, so no upstream is needed), some empty TC=1 replies, the rest dropped; TCP
/// is not limited; another address has its own bucket.
#[test]
fn a_client_over_its_query_limit_is_slowed_over_udp_only() {
    let resolver = Resolver::new(
        ResolverConfig::default(),
        lab_hints("127.0.70.98"),
        LocalZones::defaults(),
    );
    let mut config = ResolverServerConfig::new(vec!["127.0.0.1:0".parse().expect("addr")]);
    config.udp_workers = 1;
    config.client_limit = Some(5);
    let server = ResolverServer::start(config, Arc::new(resolver)).expect("start resolver");
    let at = server.local_addrs()[0];
    let burst = |from: &str| {
        let s = UdpSocket::bind(from).expect("bind client");
        // Loopback replies take microseconds; a dropped query costs this wait.
        s.set_read_timeout(Some(Duration::from_millis(50))).expect("timeout");
        s.connect(at).expect("connect");
        let (mut answered, mut truncated) = (0, 0);
        for id in 0..30u16 {
            s.send(&query_bytes(id, "localhost.", RecordType::A, true, false))
                .expect("send");
            let mut buf = vec![0u8; 1500];
            if let Ok(n) = s.recv(&mut buf) {
                let m = Message::parse(&buf[..n]).expect("reply parses");
                assert!(m.header().qr && m.header().ra);
                if m.header().tc {
                    truncated += 1;
                } else {
                    answered += 1;
                }
            }
        }
        (answered, truncated)
    };
    let (answered, truncated) = burst("127.0.0.1:0");
    // Withheld queries still count (BIND's balance), so the burst stays near one second's
    // worth however long the drops' waits make it.
    assert!((5..=10).contains(&answered), "about one second's worth: {answered}");
    assert!(truncated >= 8, "every second withheld query slips: {truncated}");
    for id in 0..20u16 {
        let (rcode, _, _) = summary(&ask_tcp(at, &query_bytes(id, "localhost.", RecordType::A, true, false)));
        assert_eq!(rcode, Rcode::NOERROR, "TCP is not limited");
    }
    let (other, _) = burst("127.0.0.2:0");
    assert!(other >= 5, "another client has its own bucket: {other}");
}

/// Issue 11's graceful shutdown: queries taken before the stop are answered. A UDP and a TCP
/// client wait on a resolution held by a slow upstream; the service is told to stop
/// meanwhile, stops accepting connections, and only then is the upstream let go: both
/// clients get their answers before the service is gone.
#[test]
fn shutdown_answers_the_queries_in_flight() {
    let root = POISON_ROOT.replace("127.0.73.", "127.0.75.");
    let lab = start_lab(&[("127.0.75.1", &[("root.zone", &root)])]);
    let slow = SlowServer::start(SocketAddr::new("127.0.75.2".parse().expect("ip"), lab.port));
    let resolver = start_resolver(lab.port, lab_hints("127.0.75.1"), |_| {});
    // Known slow, so the resolver waits the longest timeout (2 s) rather than retrying.
    resolver.resolver().infra.record_rtt(
        "127.0.75.2".parse().expect("ip"),
        Duration::from_millis(1500),
        std::time::Instant::now(),
    );
    let at = resolver.local_addrs()[0];
    let udp = UdpSocket::bind("127.0.0.1:0").expect("bind");
    udp.set_read_timeout(Some(WAIT)).expect("timeout");
    udp.connect(at).expect("connect");
    udp.send(&query_bytes(1, "slow-udp.example.", RecordType::A, true, false))
        .expect("send");
    let mut tcp = TcpStream::connect(at).expect("connect");
    tcp.set_read_timeout(Some(WAIT)).expect("timeout");
    let q = query_bytes(2, "slow-tcp.example.", RecordType::A, true, false);
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    tcp.write_all(&framed).expect("write");
    // Both questions are at the slow server (bounded wait).
    let end = std::time::Instant::now() + WAIT;
    while slow.asked.load(Ordering::SeqCst) < 2 && std::time::Instant::now() < end {
        std::thread::yield_now();
    }
    assert_eq!(slow.asked.load(Ordering::SeqCst), 2);

    let stopping = std::thread::spawn(move || resolver.shutdown());
    // No new connection is taken once the stop has begun.
    let end = std::time::Instant::now() + WAIT;
    while TcpStream::connect(at).is_ok() && std::time::Instant::now() < end {
        std::thread::yield_now();
    }
    assert!(TcpStream::connect(at).is_err(), "still accepting connections");
    slow.release.store(true, Ordering::SeqCst);

    let mut buf = vec![0u8; 4096];
    let n = udp.recv(&mut buf).expect("the UDP query in flight is answered");
    let (rcode, answer, _) = summary(&buf[..n]);
    assert_eq!(
        (rcode, answer),
        (Rcode::NOERROR, vec!["slow-udp.example. A 192.0.2.77".to_string()])
    );
    let mut len = [0u8; 2];
    tcp.read_exact(&mut len).expect("the TCP query in flight is answered");
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
    tcp.read_exact(&mut reply).expect("message");
    let (rcode, answer, _) = summary(&reply);
    assert_eq!(
        (rcode, answer),
        (Rcode::NOERROR, vec!["slow-tcp.example. A 192.0.2.77".to_string()])
    );
    // Then the connection is closed and the service is gone.
    assert_eq!(tcp.read(&mut len).expect("end of stream"), 0);
    stopping.join().expect("shutdown");
    drop(slow);
    drop(lab);
}
