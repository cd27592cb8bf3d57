//! Online signing through the server: a zone with a key directory is served signed over UDP
//! to DO queries, re-signed on reload (new data signed, unchanged data keeping its
//! signatures), kept at its previous version when signing fails, and re-signed by
//! `resign_if_due` when its signatures near expiry (the time passed in, not waited for).
//! The server runs on an ephemeral loopback port inside the test and is stopped at its end.

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use banyan_dnssec::canonical::RrsigFields;
use banyan_dnssec::{key_tag, verify_rrsig, SigningKey};
use banyan_server::{Server, ServerConfig, ZoneFile, ZoneSigning, ZoneSource};
use banyan_wire::edns::Edns;
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, Record, RecordType};

/// Bound on any wait for a reply: a failure limit, not a pause.
const WAIT: Duration = Duration::from_secs(5);
const DAY: u32 = 86400;

fn zone_text(serial: u32, www: &str, extra: &str) -> String {
    format!(
        "$TTL 3600\n\
         @    IN SOA ns1 hostmaster {serial} 7200 3600 1209600 300\n\
         @    IN NS  ns1\n\
         ns1  IN A   192.0.2.53\n\
         www  IN A   {www}\n\
         {extra}"
    )
}

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "banyan-server-signing-{}-{}",
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

fn name(s: &str) -> Name {
    s.parse().expect("name")
}

fn unix_now() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

/// Asks `qname`/`qtype` over UDP with DO set; the answer section's records.
fn ask(server: SocketAddr, qname: &str, qtype: RecordType) -> Vec<Record> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 0x0707,
            ..Header::default()
        },
    );
    b.question(&name(qname), qtype, Class::IN).expect("question");
    b.edns(&Edns {
        udp_payload_size: 4096,
        dnssec_ok: true,
        ..Edns::default()
    })
    .expect("edns");
    b.finish();
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind client");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    s.connect(server).expect("connect");
    s.send(&buf).expect("send");
    let mut reply = vec![0u8; 65535];
    let n = s.recv(&mut reply).expect("a reply within the wait");
    let msg = Message::parse(&reply[..n]).expect("reply parses");
    msg.answers().map(|r| r.to_record().expect("record")).collect()
}

/// Asks `qname`/`qtype` with DO and checks the answer's RRset against its RRSIGs with the
/// zone's DNSKEYs (as served) at `now`; returns the RRset's RDATA in text and the RRSIGs.
fn ask_verified(server: SocketAddr, qname: &str, qtype: RecordType, now: u32) -> (Vec<String>, Vec<Vec<u8>>) {
    let origin = name("example.com.");
    let dnskeys: Vec<Vec<u8>> = ask(server, "example.com.", RecordType::DNSKEY)
        .iter()
        .filter(|r| r.rtype() == RecordType::DNSKEY)
        .map(|r| r.data.to_wire())
        .collect();
    assert!(!dnskeys.is_empty(), "DNSKEYs served");
    let answer = ask(server, qname, qtype);
    let set: Vec<&Record> = answer.iter().filter(|r| r.rtype() == qtype).collect();
    let sigs: Vec<Vec<u8>> = answer
        .iter()
        .filter(|r| r.rtype() == RecordType::RRSIG)
        .map(|r| r.data.to_wire())
        .collect();
    assert!(!set.is_empty(), "{qname} {qtype} answered");
    assert!(!sigs.is_empty(), "{qname} {qtype}: RRSIGs with DO");
    let wire: Vec<Vec<u8>> = set.iter().map(|r| r.data.to_wire()).collect();
    let rdatas: Vec<&[u8]> = wire.iter().map(Vec::as_slice).collect();
    for sig in &sigs {
        let (fields, _) = RrsigFields::from_rdata(sig).expect("RRSIG");
        let key = dnskeys
            .iter()
            .find(|k| key_tag(k) == fields.key_tag)
            .expect("signed by a served DNSKEY");
        verify_rrsig(&name(qname), qtype, Class::IN, &rdatas, sig, &origin, key, now, 0)
            .unwrap_or_else(|e| panic!("{qname} {qtype}: {e}"));
    }
    (set.iter().map(|r| r.data.to_string()).collect(), sigs)
}

/// A KSK and a ZSK (ECDSAP256SHA256) for example.com. in `DIR/keys`, as BIND key files.
fn generate_keys(dir: &TempDir) -> PathBuf {
    let keys = dir.0.join("keys");
    std::fs::create_dir_all(&keys).expect("keys dir");
    for ksk in [true, false] {
        SigningKey::generate(&name("example.com."), 13, ksk)
            .expect("key")
            .write_bind_files(&keys)
            .expect("key files");
    }
    keys
}

fn expiration(sig: &[u8]) -> u32 {
    RrsigFields::from_rdata(sig).expect("RRSIG").0.expiration
}

#[test]
fn file_zone_signed_online_reloaded_and_refreshed() {
    let dir = TempDir::new();
    let keys = generate_keys(&dir);
    let file = dir.0.join("example.com.zone");
    std::fs::write(&file, zone_text(1, "192.0.2.1", "")).expect("zone file");
    let source = ZoneSource::Files(vec![ZoneFile {
        origin: name("example.com."),
        path: file.clone(),
        signing: Some(ZoneSigning::new(keys.clone())),
    }]);
    let (catalog, errors) = source.load();
    assert!(errors.is_empty(), "{errors:?}");
    let mut config = ServerConfig::new(vec!["127.0.0.1:0".parse().expect("address")]);
    config.udp_workers = 1;
    let server = Server::start(config, catalog, source).expect("start server");
    let addr = server.local_addrs()[0];
    let now = unix_now();

    let (www, _) = ask_verified(addr, "www.example.com.", RecordType::A, now);
    assert_eq!(www, ["192.0.2.1"]);
    let (_, ns1_sigs) = ask_verified(addr, "ns1.example.com.", RecordType::A, now);
    // Signed for 30 days (less the jitter), from an hour ago.
    assert!(
        expiration(&ns1_sigs[0]) > now + 27 * DAY,
        "{}",
        expiration(&ns1_sigs[0])
    );

    // The file changes: the new and changed records are served signed; unchanged ones keep
    // their signatures.
    std::fs::write(&file, zone_text(2, "192.0.2.2", "new  IN A   192.0.2.9\n")).expect("zone file");
    let errors = server.reload();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        ask_verified(addr, "new.example.com.", RecordType::A, now).0,
        ["192.0.2.9"]
    );
    assert_eq!(
        ask_verified(addr, "www.example.com.", RecordType::A, now).0,
        ["192.0.2.2"]
    );
    let (_, kept) = ask_verified(addr, "ns1.example.com.", RecordType::A, now);
    assert_eq!(
        kept, ns1_sigs,
        "ns1 A did not change: its RRSIG is the one made at load"
    );

    // Nothing is near expiry now; a little over three weeks on, everything is.
    assert!(server.resign_if_due(now).is_none());
    let later = now + 25 * DAY;
    let errors = server.resign_if_due(later).expect("due");
    assert!(errors.is_empty(), "{errors:?}");
    let (_, fresh) = ask_verified(addr, "ns1.example.com.", RecordType::A, later);
    assert!(expiration(&fresh[0]) > later + 27 * DAY);
    ask_verified(addr, "new.example.com.", RecordType::A, later);
    assert!(server.resign_if_due(later).is_none(), "done until the next window");

    // Keys gone: the reload reports it and the zone keeps serving its signed version.
    std::fs::rename(&keys, dir.0.join("keys.away")).expect("move keys");
    std::fs::write(&file, zone_text(3, "192.0.2.3", "")).expect("zone file");
    let errors = server.reload();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("example.com.") && errors[0].contains("keys"),
        "{errors:?}"
    );
    assert_eq!(
        ask_verified(addr, "www.example.com.", RecordType::A, later).0,
        ["192.0.2.2"]
    );

    server.shutdown();
}

/// A zone managed in the store and signed online: an UPDATE is served signed at once, and
/// re-signing before expiry makes a new version (a new serial, stored) so secondaries
/// transfer the new signatures.
#[test]
fn managed_zone_signed_online_after_update_and_resigned_with_a_new_serial() {
    use banyan_auth::{NamePattern, UpdateRule};
    use banyan_server::{DynamicZone, StoreConfig};
    use banyan_store::{Store, ZoneKind};
    use banyan_wire::message::BuildSection;
    use banyan_wire::tsig::{self, KeyRing, TsigAlgorithm, TsigKey};
    use banyan_wire::{Opcode, RData, Rcode};

    let dir = TempDir::new();
    let keys = generate_keys(&dir);
    let file = dir.0.join("example.com.zone");
    std::fs::write(&file, zone_text(1, "192.0.2.1", "")).expect("zone file");
    let zone = banyan_zone::load_zone(&file, Some(&name("example.com."))).expect("zone");
    let records: Vec<Record> = zone.records().collect();
    let url = format!("sqlite://{}", dir.0.join("banyan.db").display());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = Store::open(&url).await.expect("store");
        store
            .replace(&name("example.com."), ZoneKind::Managed, &records, 0)
            .await
            .expect("import");
    });
    let ddns = TsigKey::new(
        name("ddns.test."),
        TsigAlgorithm::HmacSha256,
        b"signed-zone-update".to_vec(),
    );
    let mut managed = DynamicZone::managed(name("example.com."));
    managed.signing = Some(ZoneSigning::new(keys));
    managed.update_policy = vec![UpdateRule {
        key: name("ddns.test."),
        names: NamePattern::Subdomain(name("example.com.")),
        types: Vec::new(),
    }];
    let mut config = ServerConfig::new(vec!["127.0.0.1:0".parse().expect("address")]);
    config.udp_workers = 1;
    config.auth.keys = KeyRing::new(vec![ddns.clone()]);
    config.store = Some(StoreConfig {
        all_managed: false,
        url,
        zones: vec![managed],
    });
    let server = Server::start(config, banyan_auth::Catalog::new(Vec::new()), ZoneSource::Fixed).expect("start");
    let addr = server.local_addrs()[0];
    let now = unix_now();
    assert_eq!(
        ask_verified(addr, "www.example.com.", RecordType::A, now).0,
        ["192.0.2.1"]
    );

    let mut update = Vec::new();
    let mut b = MessageBuilder::new(
        &mut update,
        Header {
            id: 99,
            opcode: Opcode::UPDATE.0,
            ..Header::default()
        },
    );
    b.question(&name("example.com."), RecordType::SOA, Class::IN)
        .expect("zone");
    let add = Record::from_text("new.example.com. 300 IN A 192.0.2.9", None, None).expect("record");
    b.push(BuildSection::Authority, &add).expect("add");
    b.finish();
    tsig::sign_request(&mut update, &ddns, u64::from(now));
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    s.send_to(&update, addr).expect("send");
    let mut reply = vec![0u8; 65535];
    let n = s.recv(&mut reply).expect("reply");
    assert_eq!(Message::parse(&reply[..n]).expect("reply").rcode(), Rcode::NOERROR);

    let serial = || {
        ask(addr, "example.com.", RecordType::SOA)
            .iter()
            .find_map(|r| match &r.data {
                RData::SOA(soa) => Some(soa.serial),
                _ => None,
            })
            .expect("SOA")
    };
    assert_eq!(
        ask_verified(addr, "new.example.com.", RecordType::A, now).0,
        ["192.0.2.9"]
    );
    assert_eq!(serial(), 2);

    // Nothing is due now; 25 days on, everything is: a new serial and fresh signatures.
    assert_eq!(server.resign_store_zones_if_due(now), 0);
    let later = now + 25 * DAY;
    assert_eq!(server.resign_store_zones_if_due(later), 1);
    assert_eq!(serial(), 3);
    let (_, fresh) = ask_verified(addr, "ns1.example.com.", RecordType::A, later);
    assert!(expiration(&fresh[0]) > later + 27 * DAY);
    ask_verified(addr, "new.example.com.", RecordType::A, later);
    server.shutdown();
}
