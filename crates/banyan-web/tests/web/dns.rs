//! The propagation panel and the lookup page against real DNS servers: Banyan's own
//! authoritative server (`banyan_server::Server`) and resolver service on 127.54.x.y loopback
//! addresses sharing one ephemeral port (the resolver asks every upstream server on one
//! port), all started inside the test and stopped at its end. Each test has its own
//! 127.54.N.0/24, so tests running side by side never meet.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, Method, StatusCode};
use banyan_auth::{AuthConfig, Catalog};
use banyan_resolver::{LocalZones, Resolver, ResolverConfig, RootHints};
use banyan_server::{ResolverServer, ResolverServerConfig, Server, ServerConfig, ZoneSource};
use banyan_web::{LoginLimit, TraceConfig};
use serde_json::json;

use crate::api::api_account;
use crate::common::*;

/// Authoritative servers and a resolver service. Their runtimes cannot be dropped on an
/// async worker thread, so they are dropped on a plain thread.
pub struct DnsWorld {
    servers: Vec<Server>,
    resolver: Option<ResolverServer>,
    _dirs: Vec<tempfile::TempDir>,
    /// The port every server of the world answers on.
    pub port: u16,
}

impl Drop for DnsWorld {
    fn drop(&mut self) {
        let servers = std::mem::take(&mut self.servers);
        let resolver = self.resolver.take();
        let _ = std::thread::spawn(move || drop((servers, resolver))).join();
    }
}

/// Starts one authoritative server per `(address, [(file, zone text)])`, all on the port the
/// first one picks; off the async threads, as the servers build runtimes of their own.
async fn start_world(layout: Vec<(&'static str, Vec<(&'static str, String)>)>) -> DnsWorld {
    tokio::task::spawn_blocking(move || {
        let mut world = DnsWorld {
            servers: Vec::new(),
            resolver: None,
            _dirs: Vec::new(),
            port: 0,
        };
        for (addr, zones) in layout {
            let dir = tempfile::tempdir().expect("temp dir");
            for (file, text) in &zones {
                std::fs::write(dir.path().join(file), text).expect("zone file");
            }
            let (catalog, errors) = Catalog::load_dir(dir.path());
            assert!(errors.is_empty(), "{errors:?}");
            let ip: IpAddr = addr.parse().expect("address");
            let mut config = ServerConfig::new(vec![SocketAddr::new(ip, world.port)]);
            config.udp_workers = 1;
            config.auth = AuthConfig::default();
            let server = Server::start(config, catalog, ZoneSource::Fixed).expect("start server");
            world.port = server.local_addrs()[0].port();
            world.servers.push(server);
            world._dirs.push(dir);
        }
        world
    })
    .await
    .expect("servers started")
}

/// A resolver service on `addr` (ephemeral port) starting from the root server `root`.
async fn start_resolver(world: &mut DnsWorld, addr: &str, hints: RootHints) -> SocketAddr {
    let port = world.port;
    let listen: SocketAddr = format!("{addr}:0").parse().expect("address");
    let server = tokio::task::spawn_blocking(move || {
        let config = ResolverConfig {
            upstream_port: port,
            allow_private_upstream: true,
            ..ResolverConfig::default()
        };
        let resolver = Resolver::new(config, hints, LocalZones::none());
        let mut service = ResolverServerConfig::new(vec![listen]);
        service.udp_workers = 1;
        ResolverServer::start(service, Arc::new(resolver)).expect("start resolver")
    })
    .await
    .expect("resolver started");
    let at = server.local_addrs()[0];
    world.resolver = Some(server);
    at
}

fn hints(root: &str) -> RootHints {
    let text = format!(". 3600000 NS a.root-servers.lab.\na.root-servers.lab. 3600000 A {root}\n");
    RootHints::parse(&text, std::path::Path::new("lab.hints")).expect("hints")
}

fn hosted_zone(serial: u32) -> String {
    format!(
        "$ORIGIN newsite.test.\n$TTL 3600\n\
         @ SOA ns1.dns.example. hostmaster {serial} 3600 900 1209600 300\n\
         @ NS ns1.dns.example.\n@ NS ns2.dns.example.\n"
    )
}

/// The opening tag of the table row of `server` in a page.
fn server_row<'a>(page: &'a str, server: &str) -> &'a str {
    let at = page
        .find(&format!("<tr data-server=\"{server}\""))
        .unwrap_or_else(|| panic!("no row for {server} in {page}"));
    let rest = &page[at..];
    &rest[..rest.find('>').expect("tag end")]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn propagation_panel_shows_servers_behind_and_current_and_cache_horizon() {
    // ns1 has the latest change (serial 3), ns2 is one behind (serial 2).
    let world = start_world(vec![
        ("127.54.1.1", vec![("newsite.test.zone", hosted_zone(3))]),
        ("127.54.1.2", vec![("newsite.test.zone", hosted_zone(2))]),
    ])
    .await;
    let port = world.port;
    let ns1: SocketAddr = format!("127.54.1.1:{port}").parse().expect("addr");
    let ns2: SocketAddr = format!("127.54.1.2:{port}").parse().expect("addr");
    let lab = Lab::start_with(|c| {
        c.dns_servers = vec![(n("ns1.dns.example."), ns1), (n("ns2.dns.example."), ns2)];
    })
    .await;
    let cookie = lab.sign_up("jane@example.com").await;
    assert_eq!(
        lab.register(&cookie, "newsite.test").await.status(),
        StatusCode::SEE_OTHER
    );
    let (s, v) = lab
        .api(
            Method::POST,
            "/api/login",
            None,
            Some(json!({ "email": "jane@example.com", "password": PASSWORD })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let token = v["token"].as_str().expect("token").to_owned();
    let t = Some(token.as_str());

    // Before any change: no horizon yet.
    let page = body_text(lab.get("/domains/newsite.test", Some(&cookie)).await).await;
    assert!(page.contains("No record change made here yet"), "{page}");

    // A new name at T0: caches may hold "no such name" for min(SOA TTL, MINIMUM) = 300 s.
    let (s, v) = lab
        .api(
            Method::POST,
            "/api/domains/newsite.test/records",
            t,
            Some(json!({ "name": "www", "type": "A", "ttl": 7200, "value": "192.0.2.80" })),
        )
        .await;
    assert_eq!((s, v), (StatusCode::CREATED, json!({ "serial": 2 })));
    // A minute later the record is replaced: caches may hold the old one for its 7200 s.
    lab.clock.advance(60);
    let id = record_id(&lab, &token, "newsite.test", "www", "A").await;
    let (s, v) = lab
        .api(
            Method::PUT,
            &format!("/api/domains/newsite.test/records/{id}"),
            t,
            Some(json!({ "name": "www", "type": "A", "ttl": 60, "value": "192.0.2.81" })),
        )
        .await;
    assert_eq!((s, v), (StatusCode::OK, json!({ "serial": 3 })));

    let page = body_text(lab.get("/domains/newsite.test", Some(&cookie)).await).await;
    assert!(page.contains("<h2>Propagation</h2>"), "{page}");
    assert!(
        page.contains("data-src=\"/domains/newsite.test/propagation\""),
        "{page}"
    );
    assert!(page.contains("setInterval"), "{page}");
    let row1 = server_row(&page, "ns1.dns.example.");
    assert!(row1.contains(&format!("data-address=\"{ns1}\"")), "{row1}");
    assert!(row1.contains("data-serial=\"3\""), "{row1}");
    assert!(row1.contains("data-current=\"true\""), "{row1}");
    let row2 = server_row(&page, "ns2.dns.example.");
    assert!(row2.contains("data-serial=\"2\""), "{row2}");
    assert!(row2.contains("data-current=\"false\""), "{row2}");
    // T0 + 60 + 7200 = 2024-01-01T02:01:00Z.
    assert!(
        page.contains("may live until <strong>2024-01-01T02:01:00Z</strong>"),
        "{page}"
    );
    assert!(page.contains("A server that is behind"), "{page}");

    // The fragment the page's script polls.
    let resp = lab.get("/domains/newsite.test/propagation", Some(&cookie)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let fragment = body_text(resp).await;
    assert!(!fragment.contains("<html"), "{fragment}");
    assert!(
        server_row(&fragment, "ns2.dns.example.").contains("data-current=\"false\""),
        "{fragment}"
    );

    // The API says the same.
    let (s, v) = lab
        .api(Method::GET, "/api/domains/newsite.test/propagation", t, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["latest_serial"], 3);
    assert_eq!(
        v["servers"],
        json!([
            { "name": "ns1.dns.example.", "address": ns1.to_string(), "serial": 3, "error": null, "up_to_date": true },
            { "name": "ns2.dns.example.", "address": ns2.to_string(), "serial": 2, "error": null, "up_to_date": false },
        ])
    );
    assert_eq!(v["all_up_to_date"], false);
    assert_eq!(v["last_change"]["serial"], 3);
    assert_eq!(v["last_change"]["time"], T0 + 60);
    assert_eq!(v["last_change"]["old_ttl"], 7200);
    assert_eq!(v["cache_expiry"], T0 + 60 + 7200);
    assert_eq!(v["cache_expiry_rfc3339"], "2024-01-01T02:01:00Z");
    assert_eq!(v["cache_expired"], false);

    // Once the horizon has passed.
    lab.clock.set(T0 + 60 + 7200);
    let page = body_text(lab.get("/domains/newsite.test", Some(&cookie)).await).await;
    assert!(page.contains("Cached copies of the previous data: expired"), "{page}");
    let (_, v) = lab
        .api(Method::GET, "/api/domains/newsite.test/propagation", t, None)
        .await;
    assert_eq!(v["cache_expired"], true);

    // Another account sees nothing of it, as for every domain route.
    let other = lab.sign_up("mallory@example.com").await;
    let resp = lab.get("/domains/newsite.test/propagation", Some(&other)).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let other_token = api_account(&lab, "mallory-api@example.com").await;
    let (s, _) = lab
        .api(
            Method::GET,
            "/api/domains/newsite.test/propagation",
            Some(&other_token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = lab
        .api(Method::GET, "/api/domains/newsite.test/propagation", None, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // This lab has no trace configuration: the lookup page says so and sends nothing.
    let page = body_text(lab.get("/lookup?name=www.newsite.test", None).await).await;
    assert!(page.contains("Lookups are not configured"), "{page}");
    let (s, v) = lab
        .api(Method::GET, "/api/lookup?name=www.newsite.test", None, None)
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    drop(world);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn propagation_panel_reports_a_server_that_does_not_answer() {
    // Nothing listens on 127.54.3.1: the row says so instead of a serial.
    let lab = Lab::start_with(|c| {
        c.dns_servers = vec![(n("ns1.dns.example."), "127.54.3.1:9".parse().expect("addr"))];
    })
    .await;
    let token = api_account(&lab, "api@example.com").await;
    let t = Some(token.as_str());
    let (s, v) = lab
        .api(Method::POST, "/api/domains", t, Some(json!({ "name": "quiet.test" })))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = lab
        .api(Method::GET, "/api/domains/quiet.test/propagation", t, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["servers"][0]["serial"], json!(null));
    assert_eq!(v["servers"][0]["up_to_date"], false);
    assert!(v["servers"][0]["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    // ns2 has no DNS address configured.
    assert_eq!(v["servers"][1]["name"], "ns2.dns.example.");
    assert_eq!(v["servers"][1]["address"], json!(null));
    assert_eq!(v["servers"][1]["error"], "no DNS address configured for it");
}

const ROOT: &str = "$TTL 86400
. SOA a.root-servers.lab. nstld.lab. 1 1800 900 604800 86400
. NS a.root-servers.lab.
a.root-servers.lab. A 127.54.2.1
test. NS ns1.nic.test.
ns1.nic.test. A 127.54.2.2
";

const TLD: &str = "$ORIGIN test.
$TTL 3600
@ SOA ns1.nic hostmaster 1 1800 900 604800 300
@ NS ns1.nic
ns1.nic A 127.54.2.2
lookup NS ns1.lookup
ns1.lookup A 127.54.2.3
";

const LEAF: &str = "$ORIGIN lookup.test.
$TTL 300
@ SOA ns1 hostmaster 1 3600 900 604800 60
@ NS ns1
ns1 A 127.54.2.3
www A 192.0.2.44
";

/// The index of `data-server="NAME"` in `page`, which must hold it.
fn position(page: &str, server: &str) -> usize {
    page.find(&format!("data-server=\"{server}\""))
        .unwrap_or_else(|| panic!("{server} not drawn in {page}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_page_draws_root_tld_and_leaf_and_the_resolver() {
    let mut world = start_world(vec![
        ("127.54.2.1", vec![("root.zone", ROOT.to_owned())]),
        ("127.54.2.2", vec![("test.zone", TLD.to_owned())]),
        ("127.54.2.3", vec![("lookup.test.zone", LEAF.to_owned())]),
    ])
    .await;
    let resolver = start_resolver(&mut world, "127.54.2.10", hints("127.54.2.1")).await;
    let port = world.port;
    let lab = Lab::start_with(|c| {
        c.trace = Some(TraceConfig {
            root_hints: hints("127.54.2.1"),
            upstream_port: port,
            trust_anchors: None,
        });
        c.resolver = Some(resolver);
        c.lookup_limit = LoginLimit {
            failures: 3,
            window: Duration::from_secs(60),
        };
    })
    .await;

    // Linked from every page, and open without an account.
    let page = body_text(lab.get("/", None).await).await;
    assert!(page.contains("href=\"/lookup\""), "{page}");
    let page = body_text(lab.get("/lookup", None).await).await;
    assert!(page.contains("action=\"/lookup\""), "{page}");

    // Lookup 1: the page.
    let resp = lab.get("/lookup?name=www.lookup.test&type=A", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = body_text(resp).await;
    assert!(page.contains("<svg"), "{page}");
    let root = position(&page, "a.root-servers.lab.");
    let tld = position(&page, "ns1.nic.test.");
    let leaf = position(&page, "ns1.lookup.test.");
    assert!(root < tld && tld < leaf, "{page}");
    assert!(page.contains(&format!("data-address=\"127.54.2.3:{port}\"")), "{page}");
    assert!(page.contains("referral to test."), "{page}");
    assert!(page.contains("192.0.2.44"), "{page}");
    assert!(
        page.contains(&format!("<g class=\"resolver\" data-address=\"{resolver}\"")),
        "{page}"
    );
    // The resolver had nothing cached, so it fetched now: full TTL (or one second less
    // when its clock ticked in between).
    assert!(
        page.contains("data-cache=\"fresh\"") || page.contains("data-cache=\"cached\""),
        "{page}"
    );

    // Lookup 2: the API.
    let (s, v) = lab
        .api(Method::GET, "/api/lookup?name=www.lookup.test&type=A", None, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["rcode"], "NOERROR");
    assert_eq!(v["name"], "www.lookup.test.");
    let servers: Vec<&str> = v["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["server"].as_str())
        .collect();
    let first = |name: &str| {
        servers
            .iter()
            .position(|s| *s == name)
            .unwrap_or_else(|| panic!("{name}: {v}"))
    };
    assert!(first("a.root-servers.lab.") < first("ns1.nic.test."), "{v}");
    assert!(first("ns1.nic.test.") < first("ns1.lookup.test."), "{v}");
    assert!(
        v["answer"]
            .as_array()
            .is_some_and(|a| a.iter().any(|l| l.as_str().is_some_and(|l| l.contains("192.0.2.44")))),
        "{v}"
    );
    assert_eq!(v["resolver"]["rcode"], "NOERROR");
    assert_eq!(v["resolver"]["authoritative_ttl"], 300);
    assert!(
        v["resolver"]["answer"]
            .as_array()
            .is_some_and(|a| a.iter().any(|l| l.as_str().is_some_and(|l| l.contains("192.0.2.44")))),
        "{v}"
    );

    // Lookup 3: a name that does not exist ends at the leaf with NXDOMAIN.
    let (s, v) = lab
        .api(Method::GET, "/api/lookup?name=nope.lookup.test", None, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["rcode"], "NXDOMAIN");
    let last = v["steps"].as_array().and_then(|s| s.last()).expect("a step");
    assert_eq!(last["kind"], "nxdomain", "{v}");
    assert_eq!(last["server"], "ns1.lookup.test.", "{v}");
    assert_eq!(v["resolver"]["rcode"], "NXDOMAIN");

    // Bad input costs no lookup.
    let (s, _) = lab
        .api(Method::GET, "/api/lookup?name=www.lookup.test&type=AXFR", None, None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Three lookups per window and client address: these pages come with no address (one
    // shared count), the API calls from 127.0.0.1.
    for _ in 0..2 {
        let resp = lab.get("/lookup?name=www.lookup.test", None).await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let resp = lab.get("/lookup?name=www.lookup.test", None).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get(header::RETRY_AFTER).is_some());
    assert!(body_text(resp).await.contains("too many lookups"));
    let (s, v) = lab
        .api(Method::GET, "/api/lookup?name=www.lookup.test", None, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = lab
        .api(Method::GET, "/api/lookup?name=www.lookup.test", None, None)
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    lab.clock.advance(60);
    let (s, v) = lab
        .api(Method::GET, "/api/lookup?name=www.lookup.test", None, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    drop(world);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc1035_section_4_2_2_truncated_reply_is_asked_again_over_tcp() {
    // Thirty TXT records of 100 octets: far over the 1232 octets offered over UDP.
    let mut zone =
        "$ORIGIN big.test.\n$TTL 300\n@ SOA ns1 hostmaster 7 3600 900 604800 60\n@ NS ns1\nns1 A 127.54.4.1\n"
            .to_owned();
    for i in 0..30 {
        zone.push_str(&format!("txt TXT \"{i:02}{}\"\n", "x".repeat(98)));
    }
    let world = start_world(vec![("127.54.4.1", vec![("big.test.zone", zone)])]).await;
    let server: SocketAddr = format!("127.54.4.1:{}", world.port).parse().expect("addr");

    let reply = banyan_web::dns_exchange::ask(server, &n("txt.big.test."), banyan_wire::RecordType::TXT, false)
        .await
        .expect("a reply");
    assert!(reply.tcp, "the UDP reply should have been truncated");
    let m = reply.message().expect("parses");
    assert!(!m.header().tc);
    assert_eq!(m.answers().count(), 30);

    // A small answer stays on UDP, and the serial is read from it.
    let reply = banyan_web::dns_exchange::ask(server, &n("big.test."), banyan_wire::RecordType::SOA, false)
        .await
        .expect("a reply");
    assert!(!reply.tcp);
    let serial = banyan_web::propagation::served_serial(server, &n("big.test."))
        .await
        .expect("serial");
    assert_eq!(serial, 7);
    // A zone the server does not serve: REFUSED, shown as such.
    let e = banyan_web::propagation::served_serial(server, &n("other.test."))
        .await
        .expect_err("not served there");
    assert!(e.to_string().contains("REFUSED"), "{e}");
    drop(world);
}

/// Waits (bounded) for a NOTIFY on `socket`, acknowledges it (RFC 1996 §4.7: the same
/// message with QR set) and returns the zone it names.
async fn next_notify(socket: &tokio::net::UdpSocket) -> String {
    let mut buf = vec![0u8; 4096];
    let (len, from) = tokio::time::timeout(Duration::from_secs(10), socket.recv_from(&mut buf))
        .await
        .expect("a NOTIFY within 10 s")
        .expect("recv");
    let msg = banyan_wire::Message::parse(&buf[..len]).expect("a DNS message");
    assert_eq!(msg.header().opcode(), banyan_wire::Opcode::NOTIFY);
    let q = msg.questions().next().expect("question").to_question();
    assert_eq!(q.qtype, banyan_wire::RecordType::SOA);
    let zone = q.qname.to_string();
    let mut ack = buf[..len].to_vec();
    ack[2] |= 0x80;
    socket.send_to(&ack, from).await.expect("ack");
    zone
}

/// RFC 1996: the zone a registration creates, and every record saved, is NOTIFYed to the
/// hosted name servers, so they read it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc1996_every_change_is_notified_to_the_hosted_servers() {
    let ns1 = tokio::net::UdpSocket::bind("127.54.4.1:0").await.expect("bind");
    let at = ns1.local_addr().expect("addr");
    let lab = Lab::start_with(|c| c.dns_servers = vec![(n("ns1.dns.example."), at)]).await;
    let cookie = lab.sign_up("jane@example.com").await;
    assert_eq!(
        lab.register(&cookie, "newsite.test").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(next_notify(&ns1).await, "newsite.test.");
    let csrf = lab.csrf(&cookie).await;
    let added = lab
        .post(
            "/domains/newsite.test/records",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("name", "www"),
                ("type", "A"),
                ("ttl", "300"),
                ("value", "192.0.2.7"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(next_notify(&ns1).await, "newsite.test.");
}
