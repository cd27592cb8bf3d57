//! Delegation checks against a lab of authoritative servers: Banyan's own server
//! (`banyan-server`) started in each test on loopback addresses that share one ephemeral
//! port, serving good and broken delegations — a good child zone on two servers, a server
//! that holds another zone (REFUSED), an address where nothing listens, a copy of the zone
//! with another NS set and serial, and a child signed with a generated key. First
//! [`check_delegation`] itself, finding by finding; then end to end through EPP (policies
//! `reject` and `warn`) and RDAP.
//!
//! The tests are plain `#[test]`s running their own tokio runtime: the lab's servers run
//! their own runtimes and threads, and are stopped (dropped) outside any async context.

#[macro_use]
mod common;
mod publishing;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use banyan_auth::{AuthConfig, Catalog};
use banyan_dnssec::{sign_zone, SignOptions, SigningKey};
use banyan_registry::delegation::{check_delegation, query, CheckOptions, Finding, Lameness};
use banyan_registry::epp::client::EppClient;
use banyan_registry::epp::server::Limits;
use banyan_registry::epp::{
    tls, AuthInfo, Command, CommandExtensions, DomainAddRem, DomainCommand, DomainCreate, DomainUpdate, Period,
    Response, ResultCode, SecDnsData, SecDnsExtension, SECDNS_NS,
};
use banyan_registry::service::{recheck_delegations, run_epp, run_rechecks, ManualClock, RegistryHandler};
use banyan_registry::time::DAY;
use banyan_registry::whois;
use banyan_registry::{DelegationPolicy, DomainUpdate as RegistryDomainUpdate, DsData, HostUpdate, TldPolicy};
use banyan_server::{Server, ServerConfig, ZoneSource};
use banyan_wire::{Message, RData, Rcode, RecordType};
use banyan_zone::Zone;
use common::*;
use publishing::{get, rdap_config, start_rdap, whois_config};
use tokio::net::TcpListener;

/// Bound on every wait of the EPP client.
const WAIT: Duration = Duration::from_secs(20);

/// The good child: `good.test` on ns1 and ns2 of `hosting.test`; a large TXT RRset for TCP.
fn good_zone(serial: u32, ns: &[&str]) -> String {
    let mut z =
        format!("$ORIGIN good.test.\n$TTL 300\n@ SOA ns1.hosting.test. hostmaster {serial} 3600 900 604800 60\n");
    for n in ns {
        z.push_str(&format!("@ NS {n}.hosting.test.\n"));
    }
    z.push_str("www A 192.0.2.1\n");
    for i in 0..12 {
        z.push_str(&format!("big TXT \"{i:02}{}\"\n", "x".repeat(200)));
    }
    z
}

/// A child whose only name server is outside the registry (`ns.example.net`).
const EXT: &str = "$ORIGIN ext.test.
$TTL 300
@ SOA ns.example.net. hostmaster 1 3600 900 604800 60
@ NS ns.example.net.
";

/// Another zone: the server holding only this one refuses questions about `good.test`.
const OTHER: &str = "$ORIGIN other.test.
$TTL 300
@ SOA ns hostmaster 1 3600 900 604800 60
@ NS ns
ns A 192.0.2.9
";

/// The unsigned child that the lab signs.
const SIGNED: &str = "$ORIGIN signed.test.
$TTL 300
@ SOA ns6.hosting.test. hostmaster 1 3600 900 604800 60
@ NS ns6.hosting.test.
www A 192.0.2.2
";

/// Where the "resolver" (a server authoritative for `example.net`, which answers A
/// questions the same whether recursion is desired or not) finds `ns.example.net`.
fn net_zone(block: u8) -> String {
    format!("$ORIGIN example.net.\n$TTL 300\n@ SOA ns hostmaster 1 3600 900 604800 60\n@ NS ns\nns A 127.0.{block}.1\n")
}

/// The lab: servers on 127.0.BLOCK.x, one port.
///
/// | address | serves |
/// |---|---|
/// | .1 | `good.test` (serial 1, NS ns1 ns2), `ext.test` |
/// | .2 | `good.test` (serial 1, NS ns1 ns2) |
/// | .3 | `other.test` only: REFUSED for `good.test` |
/// | .4 | nothing listens |
/// | .5 | `good.test` with serial 2 and NS ns1 ns3 |
/// | .6 | `signed.test`, signed with an ECDSA P-256 key |
/// | .7 | `example.net` (the resolver of `ns.example.net`) |
struct Lab {
    _servers: Vec<Server>,
    _dir: tempfile::TempDir,
    port: u16,
    block: u8,
    /// The DS records of `signed.test` (RFC 4034 §5) for the key it is signed with.
    ds: Vec<DsData>,
}

impl Lab {
    fn start(block: u8) -> Lab {
        let dir = tempfile::tempdir().expect("temp dir");
        let load = |file: &str, text: &str| -> Zone {
            let path = dir.path().join(file);
            std::fs::write(&path, text).expect("zone file");
            banyan_zone::load::load_zone(&path, None).unwrap_or_else(|e| panic!("{file}: {e:?}"))
        };
        let signed_name = n("signed.test.");
        let key = SigningKey::generate(&signed_name, 13, true).expect("key");
        let now = u32::try_from(T0).unwrap_or(u32::MAX);
        let mut sign_options = SignOptions::new(std::time::UNIX_EPOCH.elapsed().map_or(now, |d| d.as_secs() as u32));
        sign_options.threads = 1;
        let signed = sign_zone(&load("signed.test.zone", SIGNED), &[key], &sign_options, &|_, _| {}).expect("sign");
        let ds = signed
            .ds
            .iter()
            .filter_map(|r| match &r.data {
                RData::DS(d) => Some(DsData {
                    key_tag: d.key_tag,
                    alg: d.algorithm,
                    digest_type: d.digest_type,
                    digest: d.digest.clone(),
                }),
                _ => None,
            })
            .collect();
        let layout: Vec<(u8, Vec<Zone>)> = vec![
            (
                1,
                vec![
                    load("good1.zone", &good_zone(1, &["ns1", "ns2"])),
                    load("ext.zone", EXT),
                ],
            ),
            (2, vec![load("good2.zone", &good_zone(1, &["ns1", "ns2"]))]),
            (3, vec![load("other.zone", OTHER)]),
            (5, vec![load("good5.zone", &good_zone(2, &["ns1", "ns3"]))]),
            (6, vec![signed.zone]),
            (7, vec![load("net.zone", &net_zone(block))]),
        ];
        let mut servers = Vec::new();
        let mut port = 0;
        for (host, zones) in layout {
            let ip: IpAddr = format!("127.0.{block}.{host}").parse().expect("address");
            let mut config = ServerConfig::new(vec![SocketAddr::new(ip, port)]);
            config.udp_workers = 1;
            config.auth = AuthConfig::default();
            let server = Server::start(config, Catalog::new(zones), ZoneSource::Fixed).expect("start server");
            port = server.local_addrs()[0].port();
            servers.push(server);
        }
        Lab {
            _servers: servers,
            _dir: dir,
            port,
            block,
            ds,
        }
    }

    fn ip(&self, host: u8) -> IpAddr {
        ip(&format!("127.0.{}.{host}", self.block))
    }

    fn options(&self) -> CheckOptions {
        CheckOptions {
            port: self.port,
            // Each dead server costs the whole wait, so it is short; but a live one answering
            // late on a loaded machine must not be taken for dead.
            timeout: Duration::from_millis(1500),
            tries: 2,
            resolver: None,
        }
    }

    /// `nsN.hosting.test` at the lab's address `.host`.
    fn ns(&self, label: &str, hosts: &[u8]) -> (banyan_wire::Name, Vec<IpAddr>) {
        (
            n(&format!("{label}.hosting.test.")),
            hosts.iter().map(|h| self.ip(*h)).collect(),
        )
    }
}

/// Runs `f` on a runtime of its own; the lab outlives it.
fn run<F: std::future::Future<Output = ()>>(f: F) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[test]
fn a_good_delegation_is_clean() {
    let lab = Lab::start(81);
    run(async {
        let ns = [lab.ns("ns1", &[1]), lab.ns("ns2", &[2])];
        let report = check_delegation(&n("good.test."), &ns, &[], &lab.options()).await;
        assert!(report.is_clean(), "{:?}", report.findings);
        // Names compare without regard to case (RFC 4343).
        let ns = [lab.ns("NS1", &[1]), lab.ns("ns2", &[2])];
        let report = check_delegation(&n("Good.TEST."), &ns, &[], &lab.options()).await;
        assert!(report.is_clean(), "{:?}", report.findings);
    });
}

#[test]
fn rfc1034_section_4_2_2_lame_servers() {
    let lab = Lab::start(82);
    run(async {
        let ns = [
            lab.ns("ns1", &[1]),
            lab.ns("ns2", &[3]),
            lab.ns("ns3", &[4]),
            (n("ns4.hosting.test."), Vec::new()),
        ];
        let report = check_delegation(&n("good.test."), &ns, &[], &lab.options()).await;
        assert!(!report.is_clean());
        let f = &report.findings;
        assert!(
            f.contains(&Finding::NotAuthoritative {
                server: n("ns2.hosting.test."),
                addr: lab.ip(3),
                reason: Lameness::Rcode(Rcode::REFUSED),
            }),
            "{f:?}"
        );
        assert!(
            f.contains(&Finding::NoAnswer {
                server: n("ns3.hosting.test."),
                addr: lab.ip(4),
            }),
            "{f:?}"
        );
        assert!(
            f.contains(&Finding::NoAddress {
                server: n("ns4.hosting.test."),
            }),
            "{f:?}"
        );
        // The good server holds NS ns1 ns2, not the four delegated here.
        assert!(
            f.iter()
                .any(|x| matches!(x, Finding::NsMismatch { addr, .. } if *addr == lab.ip(1))),
            "{f:?}"
        );
        assert_eq!(f.len(), 4, "{f:?}");
        assert!(report.lines().iter().any(|l| l.contains("lame delegation")));
    });
}

#[test]
fn ns_set_and_serial_disagreement() {
    let lab = Lab::start(83);
    run(async {
        let ns = [lab.ns("ns1", &[1]), lab.ns("ns2", &[5])];
        let report = check_delegation(&n("good.test."), &ns, &[], &lab.options()).await;
        assert_eq!(
            report.findings,
            vec![
                Finding::NsMismatch {
                    server: n("ns2.hosting.test."),
                    addr: lab.ip(5),
                    child: vec![n("ns1.hosting.test."), n("ns3.hosting.test.")],
                },
                Finding::SerialDisagreement {
                    serials: vec![
                        (n("ns1.hosting.test."), lab.ip(1), 1),
                        (n("ns2.hosting.test."), lab.ip(5), 2),
                    ],
                },
            ]
        );
    });
}

#[test]
fn rfc4035_section_2_4_ds_must_match_a_dnskey() {
    let lab = Lab::start(84);
    run(async {
        assert!(!lab.ds.is_empty());
        let ns = [lab.ns("ns6", &[6])];
        let zone = n("signed.test.");
        let report = check_delegation(&zone, &ns, &lab.ds, &lab.options()).await;
        assert!(report.is_clean(), "{:?}", report.findings);

        let mut wrong = lab.ds[0].clone();
        if let Some(b) = wrong.digest.first_mut() {
            *b ^= 0xff;
        }
        let other_tag = DsData {
            key_tag: lab.ds[0].key_tag.wrapping_add(1),
            ..lab.ds[0].clone()
        };
        let report = check_delegation(&zone, &ns, &[wrong.clone(), other_tag.clone()], &lab.options()).await;
        assert_eq!(
            report.findings,
            vec![
                Finding::DsMatchesNoDnskey {
                    key_tag: wrong.key_tag,
                    algorithm: 13,
                    digest_type: wrong.digest_type,
                },
                Finding::DsMatchesNoDnskey {
                    key_tag: other_tag.key_tag,
                    algorithm: 13,
                    digest_type: other_tag.digest_type,
                },
            ]
        );

        // An unsigned child has no DNSKEY: any DS matches nothing.
        let ns = [lab.ns("ns1", &[1]), lab.ns("ns2", &[2])];
        let report = check_delegation(&n("good.test."), &ns, &lab.ds[..1], &lab.options()).await;
        assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
        assert!(matches!(report.findings[0], Finding::DsMatchesNoDnskey { .. }));
    });
}

#[test]
fn out_of_bailiwick_servers_are_resolved() {
    let lab = Lab::start(85);
    run(async {
        let ns = [(n("ns.example.net."), Vec::new())];
        let zone = n("ext.test.");
        let report = check_delegation(&zone, &ns, &[], &lab.options()).await;
        assert_eq!(
            report.findings,
            vec![Finding::NoAddress {
                server: n("ns.example.net.")
            }]
        );
        let options = CheckOptions {
            resolver: Some(SocketAddr::new(lab.ip(7), lab.port)),
            ..lab.options()
        };
        let report = check_delegation(&zone, &ns, &[], &options).await;
        assert!(report.is_clean(), "{:?}", report.findings);
    });
}

#[test]
fn rfc7766_truncated_replies_are_asked_again_over_tcp() {
    let lab = Lab::start(86);
    run(async {
        let server = SocketAddr::new(lab.ip(1), lab.port);
        let reply = query(server, &n("big.good.test."), RecordType::TXT, false, &lab.options())
            .await
            .expect("reply");
        let msg = Message::parse(&reply).expect("message");
        assert!(!msg.header().tc);
        assert_eq!(msg.answers().filter(|r| r.rtype == RecordType::TXT).count(), 12);
        // Nothing listens at .4: every try fails, quickly (the port is closed).
        let silent = SocketAddr::new(lab.ip(4), lab.port);
        assert!(query(silent, &n("good.test."), RecordType::SOA, false, &lab.options())
            .await
            .is_err());
    });
}

// ---- end to end: EPP and RDAP ----

/// A registry whose `test.` TLD checks delegations with `policy`, behind EPP, with
/// `hosting.test` and its name servers: ns1 → .1, ns2 → .2, ns3 → .4 (silent).
struct Registry {
    env: Env,
    addr: SocketAddr,
    client_tls: Arc<rustls::ClientConfig>,
    _clock: ManualClock,
}

async fn registry(lab: &Lab, policy: DelegationPolicy) -> Registry {
    let mut tlds = policies();
    tlds[0] = TldPolicy {
        delegation_checks: policy,
        ..TldPolicy::new(n("test."))
    };
    let env = Env::with_policies(Db::Sqlite, tlds).await;
    env.domain(&env.a, "hosting.test", T0).await;
    for (label, host) in [("ns1", 1), ("ns2", 2), ("ns3", 4), ("ns6", 6)] {
        env.host(
            &env.a,
            &format!("{label}.hosting.test"),
            &[&format!("127.0.{}.{host}", lab.block)],
        )
        .await;
    }
    env.contact(&env.a, "holder-1").await;
    let cert = tls::self_signed(&["epp.test", "127.0.0.1"]).expect("certificate");
    let server_tls = tls::server_config(vec![cert.cert_der.clone()], cert.private_key()).expect("server tls");
    let client_tls = tls::client_config(std::slice::from_ref(&cert.cert_der)).expect("client tls");
    let clock = ManualClock::new(T0 + 1);
    let handler = RegistryHandler::new(env.reg.clone(), clock.clock()).with_delegation_options(lab.options());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(run_epp(listener, server_tls, handler, Limits::default()));
    Registry {
        env,
        addr,
        client_tls,
        _clock: clock,
    }
}

impl Registry {
    async fn session(&self) -> EppClient {
        let mut c = EppClient::connect(self.addr, "127.0.0.1", Arc::clone(&self.client_tls))
            .await
            .expect("connect")
            .with_timeout(WAIT);
        let r = c.login("rar-a", "secret-a").await.expect("login");
        assert_eq!(r.code(), ResultCode::COMPLETED);
        c
    }
}

fn create(name: &str, ns: &[&str]) -> Command {
    Command::Domain(DomainCommand::Create(DomainCreate {
        name: name.into(),
        period: Some(Period::years(1)),
        ns: ns.iter().map(|s| format!("{s}.hosting.test")).collect(),
        registrant: Some("holder-1".into()),
        contacts: Vec::new(),
        auth_info: AuthInfo::password("2fooBAR"),
    }))
}

fn update_ns(name: &str, add: &[&str], rem: &[&str]) -> Command {
    let hosts = |l: &[&str]| l.iter().map(|s| format!("{s}.hosting.test")).collect::<Vec<_>>();
    Command::Domain(DomainCommand::Update(DomainUpdate {
        name: name.into(),
        add: DomainAddRem {
            ns: hosts(add),
            ..DomainAddRem::default()
        },
        rem: DomainAddRem {
            ns: hosts(rem),
            ..DomainAddRem::default()
        },
        chg: None,
    }))
}

fn with_ds(ds: &[DsData]) -> CommandExtensions {
    CommandExtensions {
        sec_dns: Some(SecDnsExtension::Create(SecDnsData {
            max_sig_life: None,
            ds_data: ds
                .iter()
                .map(|d| banyan_registry::epp::DsData {
                    key_tag: d.key_tag,
                    alg: d.alg,
                    digest_type: d.digest_type,
                    digest: banyan_wire::text::hex_encode(&d.digest),
                    key_data: None,
                })
                .collect(),
            key_data: Vec::new(),
        })),
        rgp: None,
    }
}

#[track_caller]
fn expect(r: &Response, code: u16) {
    assert_eq!(r.code().0, code, "{}: {:?}", r.message(), r.results);
}

async fn exists(env: &Env, name: &str) -> bool {
    !ok(env.reg.check_domains(&[n(name)]).await)[0].available
}

#[test]
fn policy_reject_refuses_with_2306_and_writes_nothing() {
    let lab = Lab::start(87);
    run(async {
        let reg = registry(&lab, DelegationPolicy::Reject).await;
        let mut c = reg.session().await;
        let balance = reg.env.balance(&reg.env.a).await;

        let r = c.command(create("good.test", &["ns1", "ns3"])).await.expect("response");
        expect(&r, 2306);
        let ext = &r.results[0].ext_values;
        assert_eq!(ext.len(), 2, "{ext:?}");
        let ns3 = ext
            .iter()
            .find(|e| e.value.text == "ns3.hosting.test")
            .unwrap_or_else(|| panic!("{ext:?}"));
        assert_eq!(ns3.value.name, "hostObj");
        assert!(ns3.reason.contains("no answer"), "{}", ns3.reason);
        assert!(!exists(&reg.env, "good.test").await);
        assert_eq!(reg.env.balance(&reg.env.a).await, balance);

        // A DS matching no key of the child: refused, quoting the key tag.
        let mut bad = lab.ds[0].clone();
        bad.digest[0] ^= 0xff;
        let r = c
            .command_with(create("signed.test", &["ns6"]), with_ds(&[bad.clone()]))
            .await
            .expect("response");
        expect(&r, 2306);
        let ext = &r.results[0].ext_values;
        assert_eq!(ext.len(), 1, "{ext:?}");
        assert_eq!(ext[0].value.ns, SECDNS_NS);
        assert_eq!(ext[0].value.text, bad.key_tag.to_string());
        assert!(!exists(&reg.env, "signed.test").await);

        // Good delegations go through, with the plain success message.
        let r = c
            .command_with(create("signed.test", &["ns6"]), with_ds(&lab.ds))
            .await
            .expect("response");
        expect(&r, 1000);
        let r = c.command(create("good.test", &["ns1", "ns2"])).await.expect("response");
        expect(&r, 1000);
        assert_eq!(r.message(), "Command completed successfully");

        // An update making it lame is refused and changes nothing.
        let r = c
            .command(update_ns("good.test", &["ns3"], &["ns2"]))
            .await
            .expect("response");
        expect(&r, 2306);
        let info = ok(reg.env.reg.lookup_domain(&n("good.test."), T0 + 1).await).expect("domain");
        assert_eq!(info.ns, vec![n("ns1.hosting.test."), n("ns2.hosting.test.")]);
    });
}

#[test]
fn policy_warn_creates_and_rdap_shows_the_remark() {
    let lab = Lab::start(88);
    run(async {
        let reg = registry(&lab, DelegationPolicy::Warn).await;
        let mut c = reg.session().await;
        let r = c.command(create("good.test", &["ns1", "ns3"])).await.expect("response");
        expect(&r, 1000);
        assert!(r
            .message()
            .starts_with("Command completed successfully; delegation check: "));
        assert!(r.message().contains("ns3.hosting.test"), "{}", r.message());
        assert!(r.results[0].ext_values.is_empty());
        assert!(exists(&reg.env, "good.test").await);

        let rdap = start_rdap(reg.env.reg.clone(), rdap_config()).await;
        let v = get(rdap.addr, "/domain/good.test").await.json();
        let remarks = v["remarks"].as_array().unwrap_or_else(|| panic!("no remarks: {v}"));
        assert_eq!(remarks.len(), 1);
        assert_eq!(remarks[0]["title"], "Delegation check");
        let lines: Vec<&str> = remarks[0]["description"]
            .as_array()
            .expect("description")
            .iter()
            .filter_map(|l| l.as_str())
            .collect();
        assert!(lines[0].starts_with("Checked at "), "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.contains("ns3.hosting.test") && l.contains("no answer")),
            "{lines:?}"
        );

        // Fixed: the next check replaces the findings, and the remark goes.
        let r = c
            .command(update_ns("good.test", &["ns2"], &["ns3"]))
            .await
            .expect("response");
        expect(&r, 1000);
        assert_eq!(r.message(), "Command completed successfully");
        let v = get(rdap.addr, "/domain/good.test").await.json();
        assert!(v.get("remarks").is_none(), "{v}");
        rdap.stop().await;
    });
}

// ---- periodic re-checks ----

/// A delegation that was good goes lame (a name server's address moves to where nothing
/// answers): the re-check, due once the TLD's interval has passed on the moved clock, finds
/// it and keeps it for RDAP and WHOIS; [`run_rechecks`] runs the same round.
#[test]
fn rechecks_find_a_delegation_gone_lame() {
    let lab = Lab::start(89);
    run(async {
        let mut tlds = policies();
        tlds[0] = TldPolicy {
            recheck_interval: Some(DAY),
            ..TldPolicy::new(n("test."))
        };
        let env = Env::with_policies(Db::Sqlite, tlds).await;
        let r = &env.reg;
        env.domain(&env.a, "hosting.test", T0).await;
        env.host(&env.a, "ns1.hosting.test", &[&format!("127.0.{}.1", lab.block)])
            .await;
        env.host(&env.a, "ns2.hosting.test", &[&format!("127.0.{}.2", lab.block)])
            .await;
        env.domain(&env.a, "good.test", T0).await;
        let add_ns = RegistryDomainUpdate {
            add_ns: vec![n("ns1.hosting.test."), n("ns2.hosting.test.")],
            ..RegistryDomainUpdate::default()
        };
        ok(r.update_domain(&env.a, &n("good.test."), &add_ns, T0).await);
        let clock = ManualClock::new(T0 + 1);

        // Never checked: due at once (hosting.test has no name servers: not a candidate).
        let round = ok(recheck_delegations(r, &lab.options(), clock.now()).await);
        assert_eq!(round.checked, vec![(n("good.test."), 0)]);
        let rec = ok(r.lookup_domain_record(&n("good.test."), clock.now()).await).expect("domain");
        assert_eq!(rec.delegation, None, "a clean check leaves no findings");

        // ns2 moves to an address where nothing answers.
        let moved = HostUpdate {
            add_addrs: vec![lab.ip(4)],
            rem_addrs: vec![lab.ip(2)],
            ..HostUpdate::default()
        };
        ok(r.update_host(&env.a, &n("ns2.hosting.test."), &moved, clock.now())
            .await);
        clock.advance(DAY - 1);
        let round = ok(recheck_delegations(r, &lab.options(), clock.now()).await);
        assert!(round.checked.is_empty(), "not due yet: {round:?}");

        clock.advance(1);
        let round = ok(recheck_delegations(r, &lab.options(), clock.now()).await);
        assert_eq!(round.checked.len(), 1, "{round:?}");
        assert!(round.checked[0].1 >= 1, "{round:?}");
        let rec = ok(r.lookup_domain_record(&n("good.test."), clock.now()).await).expect("domain");
        let found = rec.delegation.expect("findings kept");
        assert_eq!(found.checked_at, clock.now());
        assert!(
            found
                .lines
                .iter()
                .any(|l| l.contains("ns2.hosting.test") && l.contains("no answer")),
            "{found:?}"
        );
        let text = ok(whois::answer(r, &whois_config(), "good.test").await);
        assert!(
            text.lines()
                .any(|l| l.starts_with("Delegation check: ") && l.contains("ns2.hosting.test")),
            "{text}"
        );

        // The loop: its first round runs at once; nothing is due again until a day has passed.
        clock.advance(DAY);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(run_rechecks(
            r.clone(),
            clock.clock(),
            lab.options(),
            Duration::from_secs(3600),
            move |round| {
                let _ = tx.send(round.map(|x| x.checked));
            },
        ));
        let first = tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("a round")
            .expect("sent");
        task.abort();
        let checked = first.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(checked.len(), 1);
        assert_eq!(checked[0].0, n("good.test."));
    });
}
