//! EDNS Client Subnet end to end (RFC 7871): a resolver configured to send it asks an
//! authoritative server with views for two clients in different subnets and gives each its
//! own answer; tailored answers are cached per scope (§7.3.1), shared ones for everybody.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use banyan_auth::{AuthConfig, Catalog, View};
use banyan_resolver::{EcsConfig, LocalZones, Resolver, ResolverConfig, RootHints};
use banyan_server::{ResolverServer, ResolverServerConfig, Server, ServerConfig, ZoneSource};
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, Record, RecordType};

/// Bound on any wait for a reply: a failure limit, not a pause.
const WAIT: Duration = Duration::from_secs(10);

const ROOT: &str = "$TTL 86400
. SOA a.root-servers.net. nstld.example. 1 1800 900 604800 86400
. NS a.root-servers.net.
a.root-servers.net. A 127.0.73.1
example. NS ns.example.
ns.example. A 127.0.73.2
";

const EXAMPLE: &str = "$ORIGIN example.
$TTL 300
@ SOA ns hostmaster 1 3600 900 604800 60
@ NS ns
ns A 127.0.73.2
cdn A 192.0.2.100
www A 192.0.2.80
";

fn server(addr: &str, port: u16, file: &str, text: &str, auth: AuthConfig) -> Server {
    let dir = std::env::temp_dir().join(format!("banyan-ecs-test-{}-{addr}-{file}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join(file), text).expect("zone");
    let (catalog, errors) = Catalog::load_dir(&dir);
    assert!(errors.is_empty(), "{errors:?}");
    let _ = std::fs::remove_dir_all(&dir);
    let ip: IpAddr = addr.parse().expect("address");
    let mut config = ServerConfig::new(vec![SocketAddr::new(ip, port)]);
    config.udp_workers = 1;
    config.auth = auth;
    Server::start(config, catalog, ZoneSource::Fixed).expect("start auth server")
}

/// Asks `name` A of the resolver from the client address `from`; the sorted A records.
fn ask(resolver: SocketAddr, from: &str, name: &str) -> Vec<String> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id: 0x5151,
            rd: true,
            ..Header::default()
        },
    );
    b.question(&Name::parse(name, None).expect("name"), RecordType::A, Class::IN)
        .expect("question");
    b.finish();
    let s = UdpSocket::bind((from, 0)).expect("bind client");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    s.connect(resolver).expect("connect");
    s.send(&buf).expect("send");
    let mut reply = vec![0u8; 65535];
    let n = s.recv(&mut reply).expect("a reply within the wait");
    let m = Message::parse(&reply[..n]).expect("reply parses");
    let mut out: Vec<String> = m
        .answers()
        .filter_map(|r| r.to_record().ok())
        .map(|r| r.data.to_string())
        .collect();
    out.sort();
    out
}

/// The lab on `net` (the first three octets, "127.0.73"): a root server at `.1`, and at
/// `.2` the server of `example.` with views and ECS on, whose view named `view` answers
/// `cdn.example.` differently for clients in `subnet`; then a resolver on 127.0.0.1 with
/// `ecs`. The servers run until the returned values are dropped.
fn lab(net: &str, view: &str, subnet: &str, ecs: Option<EcsConfig>) -> (Vec<Server>, Arc<Resolver>, ResolverServer) {
    let at = |text: &str| text.replace("127.0.73.", &format!("{net}."));
    let root = server(&format!("{net}.1"), 0, "root.zone", &at(ROOT), AuthConfig::default());
    let port = root.local_addrs()[0].port();
    let view = View::new(
        view,
        vec![(subnet.parse().expect("cidr"), None)],
        vec![Record::from_text("cdn.example. 300 A 198.51.100.1", None, None).expect("record")],
    )
    .expect("view");
    let auth = AuthConfig {
        views: vec![view],
        ecs: true,
        ..AuthConfig::default()
    };
    let example = server(&format!("{net}.2"), port, "example.zone", &at(EXAMPLE), auth);
    let hints = RootHints::parse(
        &format!(". 3600000 NS a.root-servers.net.\na.root-servers.net. 3600000 A {net}.1\n"),
        std::path::Path::new("lab.hints"),
    )
    .expect("hints");
    let config = ResolverConfig {
        upstream_port: port,
        ecs,
        ..ResolverConfig::default()
    };
    let resolver = Arc::new(Resolver::new(config, hints, LocalZones::none()));
    let mut server_config = ResolverServerConfig::new(vec!["127.0.0.1:0".parse().expect("addr")]);
    server_config.udp_workers = 1;
    // Every client is on loopback; the default list admits them.
    let service = ResolverServer::start(server_config, resolver.clone()).expect("start resolver");
    (vec![root, example], resolver, service)
}

#[test]
fn rfc7871_two_subnets_get_two_answers_cached_per_scope() {
    let (_servers, resolver, service) = lab("127.0.73", "lab-99", "127.0.99.0/24", Some(EcsConfig::default()));
    let at = service.local_addrs()[0];

    assert_eq!(ask(at, "127.0.0.1", "cdn.example."), ["192.0.2.100"]);
    assert_eq!(
        ask(at, "127.0.99.1", "cdn.example."),
        ["198.51.100.1"],
        "the view's client"
    );
    let sent = resolver.counters.values().upstream_queries;
    // Again, and a neighbour in the same /24: from the per-scope cache, no upstream query.
    assert_eq!(ask(at, "127.0.99.7", "cdn.example."), ["198.51.100.1"]);
    assert_eq!(ask(at, "127.0.0.1", "cdn.example."), ["192.0.2.100"]);
    assert_eq!(
        resolver.counters.values().upstream_queries,
        sent,
        "answered from the cache"
    );
    assert_eq!(resolver.ecs_answers.len(), 1, "one question, kept per subnet");
    // A name no view has data for comes with scope 0 and is shared.
    assert_eq!(ask(at, "127.0.99.1", "www.example."), ["192.0.2.80"]);
    let sent = resolver.counters.values().upstream_queries;
    assert_eq!(ask(at, "127.0.0.1", "www.example."), ["192.0.2.80"]);
    assert_eq!(resolver.counters.values().upstream_queries, sent, "shared answer");
    service.shutdown();
}

#[test]
fn without_ecs_configured_nothing_is_sent() {
    // The resolver's own address (127.0.0.1 or its loopback peer) is what the server sees:
    // with no ECS the answer depends only on it, whichever client asked.
    let (_servers, resolver, service) = lab("127.0.74", "everybody-but-by-ecs", "127.0.0.0/24", None);
    let at = service.local_addrs()[0];
    let first = ask(at, "127.0.99.1", "cdn.example.");
    assert_eq!(ask(at, "127.0.0.1", "cdn.example."), first, "one shared answer");
    assert!(resolver.ecs_answers.is_empty());
    service.shutdown();
}
