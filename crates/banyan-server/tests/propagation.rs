//! Propagation end to end, inside the test: a primary with a zone managed in its store, a
//! secondary of it, dynamic UPDATE signed with TSIG, NOTIFY, IXFR, and a secondary that
//! serves its stored copy after a restart. Every server runs on loopback on an ephemeral
//! port and is stopped at the end of its test; every wait is bounded.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

use banyan_auth::{Catalog, NamePattern, TransferAcl, UpdateRule};
use banyan_server::{DynamicZone, Server, ServerConfig, StoreConfig, ZoneSource};
use banyan_store::{Store, ZoneKind};
use banyan_wire::message::BuildSection;
use banyan_wire::tsig::{self, KeyRing, TsigAlgorithm, TsigKey};
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, Opcode, RData, Rcode, Record, RecordType};

/// Bound on any wait: a failure limit, not a pause.
const WAIT: Duration = Duration::from_secs(15);

const ZONE: &str = "example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60
example.test. 300 IN NS ns1.example.test.
ns1.example.test. 300 IN A 192.0.2.53
www.example.test. 300 IN A 192.0.2.1
mail.example.test. 300 IN MX 10 www.example.test.";

fn name(s: &str) -> Name {
    s.parse().expect("test name")
}

fn records(text: &str) -> Vec<Record> {
    text.lines()
        .map(|l| Record::from_text(l, None, None).expect("test record"))
        .collect()
}

fn xfr_key() -> TsigKey {
    TsigKey::new(
        name("xfr.test."),
        TsigAlgorithm::HmacSha256,
        b"transfer-secret-0123456789abcdef".to_vec(),
    )
}

fn ddns_key() -> TsigKey {
    TsigKey::new(
        name("ddns.test."),
        TsigAlgorithm::HmacSha256,
        b"update-secret-0123456789abcdefgh".to_vec(),
    )
}

fn store_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("banyan.db").display())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Puts the test zone into the store at `dir` as `kind`.
fn seed(dir: &Path, kind: ZoneKind) {
    runtime().block_on(async {
        let store = Store::open(&store_url(dir)).await.expect("store");
        store
            .replace(&name("example.test."), kind, &records(ZONE), now() as i64)
            .await
            .expect("replace");
        if kind == ZoneKind::Secondary {
            store
                .set_refreshed(&name("example.test."), now() as i64)
                .await
                .expect("refreshed");
        }
    });
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn start(listen: SocketAddr, dir: &Path, zone: DynamicZone, allow: Vec<TransferAcl>) -> Server {
    let mut config = ServerConfig::new(vec![listen]);
    config.udp_workers = 1;
    config.auth.keys = KeyRing::new(vec![xfr_key(), ddns_key()]);
    config.auth.allow_transfer = allow;
    config.store = Some(StoreConfig {
        all_managed: false,
        url: store_url(dir),
        zones: vec![zone],
    });
    Server::start(config, Catalog::new(Vec::new()), ZoneSource::Fixed).expect("server starts")
}

/// Sends `query` over UDP to `server` and returns the reply (empty when none came in 5 s:
/// an UPDATE's reply waits for the store's fsync, slow on a loaded CI machine).
fn udp(server: SocketAddr, query: &[u8]) -> Vec<u8> {
    let socket = UdpSocket::bind((server.ip(), 0)).expect("bind");
    socket.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    socket.send_to(query, server).expect("send");
    let mut buf = vec![0u8; 65535];
    match socket.recv(&mut buf) {
        Ok(n) => buf[..n].to_vec(),
        Err(_) => Vec::new(),
    }
}

fn query(qname: &str, qtype: RecordType) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 4242,
            ..Header::default()
        },
    );
    b.question(&name(qname), qtype, Class::IN).expect("question");
    b.finish();
    buf
}

/// The serial `server` answers for example.test., if it answers one.
fn serial(server: SocketAddr) -> Option<u32> {
    let reply = udp(server, &query("example.test.", RecordType::SOA));
    let msg = Message::parse(&reply).ok()?;
    msg.answers().filter_map(|r| r.rdata().ok()).find_map(|d| match d {
        RData::SOA(s) => Some(s.serial),
        _ => None,
    })
}

fn rcode(server: SocketAddr, qname: &str, qtype: RecordType) -> Option<Rcode> {
    let reply = udp(server, &query(qname, qtype));
    Message::parse(&reply).ok().map(|m| m.rcode())
}

/// Waits (bounded) until `server` answers serial `want`.
fn wait_serial(server: SocketAddr, want: u32) -> bool {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if serial(server) == Some(want) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// An UPDATE of example.test. adding `add` and deleting the RRsets `delete` (RFC 2136
/// §2.5.1/§2.5.2), signed with `key` when given.
fn update(add: &[&str], delete: &[(&str, RecordType)], key: Option<&TsigKey>) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 777,
            opcode: Opcode::UPDATE.0,
            ..Header::default()
        },
    );
    b.question(&name("example.test."), RecordType::SOA, Class::IN)
        .expect("zone");
    for (owner, rtype) in delete {
        // Delete an RRset: class ANY, TTL 0, empty RDATA (RFC 2136 §2.5.2).
        let rd = RData::Unknown {
            rtype: *rtype,
            data: Vec::new(),
        };
        b.push_parts(BuildSection::Authority, &name(owner), Class::ANY, 0, &rd)
            .expect("delete");
    }
    for r in add {
        let r = Record::from_text(r, None, None).expect("record");
        b.push(BuildSection::Authority, &r).expect("add");
    }
    b.finish();
    if let Some(k) = key {
        tsig::sign_request(&mut buf, k, now());
    }
    buf
}

fn axfr(server: SocketAddr, key: &TsigKey) -> Vec<String> {
    let mut q = query("example.test.", RecordType::AXFR);
    let mac = tsig::sign_request(&mut q, key, now());
    let mut stream = TcpStream::connect(server).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    stream.write_all(&framed).expect("send");
    let mut verifier = tsig::StreamVerifier::new(key.clone(), mac);
    let mut out = Vec::new();
    let mut soas = 0;
    while soas < 2 {
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).expect("length");
        let mut msg = vec![0u8; u16::from_be_bytes(len) as usize];
        stream.read_exact(&mut msg).expect("message");
        verifier.verify(&msg, now()).expect("transfer TSIG verifies");
        let m = Message::parse(&msg).expect("parse");
        assert_eq!(m.rcode(), Rcode::NOERROR);
        for r in m.answers() {
            let r = r.to_record().expect("record");
            if r.rtype() == RecordType::SOA {
                soas += 1;
                if soas == 2 {
                    break;
                }
            }
            out.push(r.to_string());
        }
    }
    verifier.finish().expect("stream ends signed");
    out.sort();
    out
}

#[test]
fn an_update_reaches_the_secondary_by_notify_and_ixfr() {
    let primary_dir = tempfile::tempdir().expect("tempdir");
    let secondary_dir = tempfile::tempdir().expect("tempdir");
    seed(primary_dir.path(), ZoneKind::Managed);
    // The secondary first, on a port the primary then shares on its own address.
    let mut primary_addr: SocketAddr = "127.0.73.1:0".parse().expect("addr");
    let secondary_listen: SocketAddr = "127.0.73.2:0".parse().expect("addr");
    let probe = UdpSocket::bind(secondary_listen).expect("probe");
    let port = probe.local_addr().expect("port").port();
    drop(probe);
    primary_addr.set_port(port);
    let secondary_addr = SocketAddr::new(secondary_listen.ip(), port);
    let secondary = start(
        secondary_addr,
        secondary_dir.path(),
        DynamicZone::secondary(name("example.test."), vec![primary_addr], Some(xfr_key())),
        vec![TransferAcl::Key(name("xfr.test."))],
    );
    let mut managed = DynamicZone::managed(name("example.test."));
    managed.notify = vec![secondary_addr];
    managed.notify_key = Some(xfr_key());
    managed.update_policy = vec![UpdateRule {
        key: name("ddns.test."),
        names: NamePattern::Subdomain(name("example.test.")),
        types: vec![RecordType::A, RecordType::TXT],
    }];
    let primary = start(
        primary_addr,
        primary_dir.path(),
        managed,
        vec![
            TransferAcl::Key(name("xfr.test.")),
            TransferAcl::Addr("127.0.73.2".parse().expect("cidr")),
        ],
    );

    // The primary's NOTIFY at start brings the first copy by AXFR.
    assert!(wait_serial(secondary_addr, 1), "the secondary never got serial 1");
    assert_eq!(axfr(secondary_addr, &xfr_key()), axfr(primary_addr, &xfr_key()));

    // An UPDATE signed with the right key: acknowledged, signed reply, serial 2.
    let req = update(&["new.example.test. 300 IN A 192.0.2.77"], &[], Some(&ddns_key()));
    let reply = udp(primary_addr, &req);
    let msg = Message::parse(&reply).expect("update reply");
    assert_eq!(msg.rcode(), Rcode::NOERROR);
    assert_eq!(msg.header().opcode, Opcode::UPDATE.0);
    assert!(msg.tsig_record().is_some(), "the reply to a signed UPDATE is signed");
    assert_eq!(serial(primary_addr), Some(2));

    // NOTIFY, then IXFR: the secondary follows, and its store holds the increment.
    assert!(wait_serial(secondary_addr, 2), "the secondary never got serial 2");
    assert_eq!(axfr(secondary_addr, &xfr_key()), axfr(primary_addr, &xfr_key()));
    let history = runtime().block_on(async {
        let store = Store::open(&store_url(secondary_dir.path())).await.expect("store");
        store.history(&name("example.test."), 1).await.expect("history")
    });
    assert_eq!(
        history.map(|h| h.len()),
        Some(1),
        "the change came as an increment (IXFR)"
    );

    // A delete travels the same way.
    let req = update(&[], &[("new.example.test.", RecordType::A)], Some(&ddns_key()));
    assert_eq!(
        Message::parse(&udp(primary_addr, &req)).expect("reply").rcode(),
        Rcode::NOERROR
    );
    assert!(wait_serial(secondary_addr, 3));
    assert_eq!(
        rcode(secondary_addr, "new.example.test.", RecordType::A),
        Some(Rcode::NXDOMAIN)
    );

    // The secondary refuses UPDATEs (it is not where the zone changes).
    let req = update(&["x.example.test. 300 IN A 192.0.2.9"], &[], Some(&ddns_key()));
    assert_eq!(
        Message::parse(&udp(secondary_addr, &req)).expect("reply").rcode(),
        Rcode::REFUSED
    );
    primary.shutdown();
    secondary.shutdown();
}

#[test]
fn updates_need_a_key_the_policy_allows() {
    let dir = tempfile::tempdir().expect("tempdir");
    seed(dir.path(), ZoneKind::Managed);
    let mut managed = DynamicZone::managed(name("example.test."));
    managed.update_policy = vec![UpdateRule {
        key: name("ddns.test."),
        names: NamePattern::Subdomain(name("example.test.")),
        types: vec![RecordType::A],
    }];
    let server = start("127.0.0.1:0".parse().expect("addr"), dir.path(), managed, Vec::new());
    let addr = server.local_addrs()[0];
    let add = ["evil.example.test. 300 IN A 192.0.2.66"];

    // A wrong secret: NOTAUTH with BADSIG, nothing changed.
    let wrong = TsigKey::new(
        name("ddns.test."),
        TsigAlgorithm::HmacSha256,
        b"not-the-secret".to_vec(),
    );
    let reply = udp(addr, &update(&add, &[], Some(&wrong)));
    let msg = Message::parse(&reply).expect("reply");
    assert_eq!(msg.rcode(), Rcode::NOTAUTH);
    let tsig_error = match msg.tsig_record().expect("error TSIG").rdata().expect("rdata") {
        RData::TSIG(t) => t.error,
        other => panic!("not a TSIG: {other:?}"),
    };
    assert_eq!(tsig_error, tsig::TsigError::BadSig.code());
    // An unknown key: NOTAUTH with BADKEY.
    let unknown = TsigKey::new(name("nobody.test."), TsigAlgorithm::HmacSha256, b"x".to_vec());
    let msg_bytes = udp(addr, &update(&add, &[], Some(&unknown)));
    assert_eq!(Message::parse(&msg_bytes).expect("reply").rcode(), Rcode::NOTAUTH);
    // Unsigned: REFUSED.
    assert_eq!(
        Message::parse(&udp(addr, &update(&add, &[], None)))
            .expect("reply")
            .rcode(),
        Rcode::REFUSED
    );
    // Signed, but a type the policy does not grant: REFUSED.
    let txt = ["evil.example.test. 300 IN TXT \"no\""];
    assert_eq!(
        Message::parse(&udp(addr, &update(&txt, &[], Some(&ddns_key()))))
            .expect("reply")
            .rcode(),
        Rcode::REFUSED
    );
    assert_eq!(serial(addr), Some(1), "no refused update changed the zone");
    assert_eq!(rcode(addr, "evil.example.test.", RecordType::A), Some(Rcode::NXDOMAIN));

    // Over TCP, the right key: applied.
    let req = update(&add, &[], Some(&ddns_key()));
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    let mut framed = (req.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&req);
    stream.write_all(&framed).expect("send");
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).expect("length");
    let mut reply = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut reply).expect("reply");
    assert_eq!(Message::parse(&reply).expect("reply").rcode(), Rcode::NOERROR);
    assert_eq!(serial(addr), Some(2));
    server.shutdown();

    // The change survived the restart: it was stored before it was acknowledged.
    let mut managed = DynamicZone::managed(name("example.test."));
    managed.update_policy = Vec::new();
    let server = start("127.0.0.1:0".parse().expect("addr"), dir.path(), managed, Vec::new());
    let addr = server.local_addrs()[0];
    assert_eq!(serial(addr), Some(2));
    assert_eq!(rcode(addr, "evil.example.test.", RecordType::A), Some(Rcode::NOERROR));
    server.shutdown();
}

#[test]
fn a_secondary_serves_its_stored_copy_without_its_primary() {
    let dir = tempfile::tempdir().expect("tempdir");
    seed(dir.path(), ZoneKind::Secondary);
    // A primary that does not exist: nothing answers there.
    let nowhere: SocketAddr = SocketAddr::new(IpAddr::from([127, 0, 73, 99]), 9);
    let server = start(
        "127.0.0.1:0".parse().expect("addr"),
        dir.path(),
        DynamicZone::secondary(name("example.test."), vec![nowhere], Some(xfr_key())),
        Vec::new(),
    );
    let addr = server.local_addrs()[0];
    assert_eq!(serial(addr), Some(1));
    assert_eq!(rcode(addr, "www.example.test.", RecordType::A), Some(Rcode::NOERROR));
    server.shutdown();
}

#[test]
fn a_managed_zone_missing_from_the_store_is_an_error_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = ServerConfig::new(vec!["127.0.0.1:0".parse().expect("addr")]);
    config.store = Some(StoreConfig {
        all_managed: false,
        url: store_url(dir.path()),
        zones: vec![DynamicZone::managed(name("missing.test."))],
    });
    let err = Server::start(config, Catalog::new(Vec::new()), ZoneSource::Fixed)
        .err()
        .expect("refused");
    assert!(err.to_string().contains("missing.test."), "{err}");
}

#[test]
fn a_zone_imported_while_serving_is_served_after_a_reload() {
    let dir = tempfile::tempdir().expect("tempdir");
    seed(dir.path(), ZoneKind::Managed);
    let server = start(
        "127.0.0.1:0".parse().expect("addr"),
        dir.path(),
        DynamicZone::managed(name("example.test.")),
        Vec::new(),
    );
    let addr = server.local_addrs()[0];
    assert_eq!(serial(addr), Some(1));
    // What `banyan zone import` does: a new whole version in the store.
    let v5 = ZONE.replace(" 1 3600 600", " 5 3600 600") + "\nnew.example.test. 300 IN A 192.0.2.5";
    runtime().block_on(async {
        let store = Store::open(&store_url(dir.path())).await.expect("store");
        store
            .replace(&name("example.test."), ZoneKind::Managed, &records(&v5), now() as i64)
            .await
            .expect("replace");
    });
    assert_eq!(serial(addr), Some(1), "served as loaded until told");
    assert!(server.reload_store_zones().is_empty());
    assert_eq!(serial(addr), Some(5));
    assert_eq!(rcode(addr, "new.example.test.", RecordType::A), Some(Rcode::NOERROR));
    server.shutdown();
}

/// Waits (bounded) until `server` answers `qname`/`qtype` with `want`.
fn wait_rcode(server: SocketAddr, qname: &str, qtype: RecordType, want: Rcode) -> bool {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if rcode(server, qname, qtype) == Some(want) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// `all_managed`: a server serves every managed zone of the store, not only configured
/// ones — one there at start, one created while it runs, a change to one, and one deleted
/// (no longer served) — and keeps them over a reload of its (empty) zone files.
#[test]
fn all_managed_serves_zones_as_they_come_change_and_go() {
    let dir = tempfile::tempdir().expect("tempdir");
    seed(dir.path(), ZoneKind::Managed);
    let mut config = ServerConfig::new(vec!["127.0.0.1:0".parse().expect("addr")]);
    config.udp_workers = 1;
    config.auth.notifiers = vec!["127.0.0.1".parse().expect("cidr")];
    config.store = Some(StoreConfig {
        url: store_url(dir.path()),
        zones: Vec::new(),
        all_managed: true,
    });
    let server = Server::start(config, Catalog::new(Vec::new()), ZoneSource::Fixed).expect("server starts");
    let at = server.local_addrs()[0];
    assert_eq!(serial(at), Some(1), "the zone in the store at start is served at once");

    let other = "other.test. 300 IN SOA ns1.other.test. hostmaster.other.test. 7 3600 600 86400 60
other.test. 300 IN NS ns1.other.test.
www.other.test. 300 IN A 192.0.2.7";
    let rt = runtime();
    let store = rt.block_on(Store::open(&store_url(dir.path()))).expect("store");
    rt.block_on(store.replace(&name("other.test."), ZoneKind::Managed, &records(other), now() as i64))
        .expect("new zone");
    // The store's writer says so (RFC 1996): acknowledged, though the zone is not served yet.
    let mut notify = Vec::new();
    banyan_auth::notify_message(&name("other.test."), 77, None, &mut notify);
    assert!(banyan_auth::is_notify_ack(&udp(at, &notify), 77, &name("other.test.")));
    assert!(
        wait_rcode(at, "www.other.test.", RecordType::A, Rcode::NOERROR),
        "a zone created in the store is served"
    );
    let soa = ZONE.lines().next().expect("soa");
    let mut added = records(&soa.replace(" 1 3600", " 2 3600"));
    added.extend(records("new.example.test. 300 IN A 192.0.2.2"));
    let change = banyan_zone::ZoneDiff {
        removed: records(soa),
        added,
    };
    rt.block_on(store.apply(&name("example.test."), &change, now() as i64))
        .expect("apply");
    assert!(wait_serial(at, 2), "a change in the store is served");
    assert_eq!(rcode(at, "new.example.test.", RecordType::A), Some(Rcode::NOERROR));
    assert!(server.reload().is_empty());
    assert_eq!(
        serial(at),
        Some(2),
        "a reload of the zone files keeps the store's zones"
    );
    assert!(rt.block_on(store.delete(&name("other.test."))).expect("delete"));
    assert!(
        wait_rcode(at, "www.other.test.", RecordType::A, Rcode::REFUSED),
        "a zone deleted from the store is no longer served"
    );
    server.shutdown();
}
