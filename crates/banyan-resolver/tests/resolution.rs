//! The resolution state machine driven without sockets or real time: a simulated network in
//! which each address is a `banyan_auth` catalog answering as a server would, dead addresses
//! never answer, and a virtual clock moves only when the test says (timeouts, TTL expiry).

#![allow(clippy::unwrap_used)]

mod net;

use std::path::Path;
use std::time::{Duration, Instant};

use banyan_auth::{respond, AuthConfig, Request, Transport};
use banyan_resolver::{Answer, LocalZones, Resolution, Resolver, ResolverConfig, RootHints, Step};
use banyan_wire::{Class, Message, Rcode, RecordType};
use net::{n, zone, Net};
use rand::SeedableRng;

const ROOT: &str = ". SOA a.root. nstld.root. 1 1800 900 604800 86400
. NS a.root.
a.root. A 10.0.0.1
test. NS ns1.nic.test.
test. NS ns2.nic.test.
ns1.nic.test. A 10.0.0.2
ns2.nic.test. A 10.0.0.20
lab. NS ns.lab.
ns.lab. A 10.0.0.4
";

const TEST: &str = "@ SOA ns1.nic hostmaster 1 1800 900 604800 300
@ NS ns1.nic
@ NS ns2.nic
ns1.nic A 10.0.0.2
ns2.nic A 10.0.0.20
example NS ns1.example
ns1.example A 10.0.0.3
glueless 600 NS ns.hosting.lab.
loop1 NS ns1.loop1
ns1.loop1 A 10.0.0.30
";

const EXAMPLE: &str = "@ 300 SOA ns1 hostmaster 1 3600 900 604800 60
@ NS ns1
ns1 A 10.0.0.3
www 300 A 192.0.2.1
a.b.c.d.e.f.deep 300 A 192.0.2.7
alias CNAME www
far CNAME www.glueless.test.
loop CNAME loop2
loop2 CNAME loop
";

const LAB: &str = "@ SOA ns hostmaster 1 3600 900 604800 60
@ NS ns
ns A 10.0.0.4
ns.hosting A 10.0.0.5
";

const GLUELESS: &str = "@ SOA ns.hosting.lab. hostmaster.hosting.lab. 1 3600 900 604800 60
@ NS ns.hosting.lab.
www 120 A 192.0.2.50
";

fn net() -> Net {
    Net::new(vec![
        ("10.0.0.1", vec![zone(".", ROOT)]),
        ("10.0.0.2", vec![zone("test.", TEST)]),
        ("10.0.0.3", vec![zone("example.test.", EXAMPLE)]),
        ("10.0.0.4", vec![zone("lab.", LAB)]),
        ("10.0.0.5", vec![zone("glueless.test.", GLUELESS)]),
        // 10.0.0.20 (ns2.nic.test) is dead; 10.0.0.30 serves nothing of loop1.test.
        ("10.0.0.30", vec![zone("example.test.", EXAMPLE)]),
    ])
}

fn resolver(config: ResolverConfig) -> Resolver {
    let hints = RootHints::parse(". 3600000 NS a.root.\na.root. 3600000 A 10.0.0.1\n", Path::new("hints")).unwrap();
    Resolver::new(config, hints, LocalZones::none())
}

fn resolution(name: &str, qtype: RecordType, now: Instant) -> Resolution {
    Resolution::with_rng(&n(name), qtype, Class::IN, now, rand::rngs::StdRng::seed_from_u64(7))
}

fn records(a: &Answer) -> Vec<String> {
    a.answer.iter().map(|s| format!("{} {}", s.name, s.rtype)).collect()
}

#[test]
fn primes_then_follows_referrals_with_minimised_names() {
    let r = resolver(ResolverConfig::default());
    let mut net = net();
    let mut clock = Instant::now();
    let a = net.run(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(a.rcode, Rcode::NOERROR);
    assert_eq!(records(&a), ["www.example.test. A"]);
    let asked: Vec<(String, RecordType)> = net.log.iter().map(|(_, q, t, _)| (q.clone(), *t)).collect();
    assert_eq!(
        asked,
        [
            (".".to_string(), RecordType::NS),    // RFC 8109 priming
            ("test.".to_string(), RecordType::A), // RFC 9156: one label at a time
            ("example.test.".to_string(), RecordType::A),
            ("www.example.test.".to_string(), RecordType::A),
        ]
    );
    // Priming happens once per cache, not per question.
    let before = net.count();
    let a = net.run(
        &r,
        &mut resolution("alias.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(records(&a), ["alias.example.test. CNAME", "www.example.test. A"]);
    assert_eq!(
        net.count() - before,
        1,
        "only the alias itself was asked: {:?}",
        &net.log[before..]
    );
}

#[test]
fn minimisation_off_sends_the_full_name_and_long_names_are_bounded() {
    let config = ResolverConfig {
        qname_minimisation: false,
        ..ResolverConfig::default()
    };
    let r = resolver(config);
    let mut net = net();
    let mut clock = Instant::now();
    let a = net.run(
        &r,
        &mut resolution("a.b.c.d.e.f.deep.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(a.rcode, Rcode::NOERROR);
    assert!(net
        .log
        .iter()
        .skip(1)
        .all(|(_, q, _, _)| q == "a.b.c.d.e.f.deep.example.test."));

    let r = resolver(ResolverConfig::default());
    let mut net = self::net();
    let a = net.run(
        &r,
        &mut resolution("a.b.c.d.e.f.deep.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(records(&a), ["a.b.c.d.e.f.deep.example.test. A"]);
    // Empty non-terminals answer NODATA to minimised queries: one label more each time.
    let in_example = net.log.iter().filter(|(ip, ..)| ip.to_string() == "10.0.0.3").count();
    assert_eq!(in_example, 7, "{:?}", net.log);
    // RFC 9156 §2.3: the empty non-terminals are now known (NODATA cached): a sibling costs
    // one query, not seven.
    let before = net.count();
    let a = net.run(
        &r,
        &mut resolution("x.b.c.d.e.f.deep.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(a.rcode, Rcode::NXDOMAIN);
    assert_eq!(net.count() - before, 1, "{:?}", &net.log[before..]);
}

#[test]
fn glueless_delegation_and_cname_across_zones() {
    let r = resolver(ResolverConfig::default());
    let mut net = net();
    let mut clock = Instant::now();
    let mut res = resolution("far.example.test.", RecordType::A, clock);
    res.enable_trace();
    let a = net.run(&r, &mut res, &mut clock);
    assert_eq!(records(&a), ["far.example.test. CNAME", "www.glueless.test. A"]);
    // The name server's address was looked up through lab. on the side.
    assert!(net
        .log
        .iter()
        .any(|(ip, q, ..)| ip.to_string() == "10.0.0.4" && q.ends_with("hosting.lab.")));
    let trace = serde_json_like(&res);
    assert!(trace.contains("NsLookup"), "{trace}");
    assert!(trace.contains("Restart"), "{trace}");
}

fn serde_json_like(res: &Resolution) -> String {
    format!("{:?}", res.trace().events)
}

#[test]
fn a_dead_server_times_out_and_the_next_is_asked() {
    let r = resolver(ResolverConfig::default());
    let mut net = net();
    // ns1.nic.test (10.0.0.2) dies; ns2.nic.test (10.0.0.20) comes alive with test.'s data.
    let test_catalog = net.servers.remove(&"10.0.0.2".parse().unwrap()).unwrap();
    net.servers.insert("10.0.0.20".parse().unwrap(), test_catalog);
    let mut clock = Instant::now();
    let start = clock;
    let a = net.run(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(records(&a), ["www.example.test. A"]);
    let to_test: Vec<String> = net
        .log
        .iter()
        .filter(|(_, q, ..)| q == "example.test.")
        .map(|(ip, ..)| ip.to_string())
        .collect();
    assert_eq!(to_test, ["10.0.0.2", "10.0.0.20"], "{:?}", net.log);
    assert!(clock - start >= Duration::from_millis(50), "a timeout was waited out");
    // The dead address is now known slow: the next question goes to the live one first.
    let before = net.count();
    net.run(&r, &mut resolution("nope.test.", RecordType::A, clock), &mut clock);
    assert_eq!(net.log[before].0.to_string(), "10.0.0.20", "{:?}", &net.log[before..]);
}

#[test]
fn every_server_dead_is_servfail_within_the_budget() {
    let config = ResolverConfig {
        max_upstream_queries: 10,
        ..ResolverConfig::default()
    };
    let r = resolver(config);
    let mut net = Net::new(vec![]);
    let mut clock = Instant::now();
    let a = net.run(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(a.rcode, Rcode::SERVFAIL);
    assert!(net.count() <= 10);
    assert_eq!(r.counters.values().servfail, 1);
}

#[test]
fn cname_loops_end_in_servfail() {
    let r = resolver(ResolverConfig::default());
    let mut net = net();
    let mut clock = Instant::now();
    let a = net.run(
        &r,
        &mut resolution("loop.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(a.rcode, Rcode::SERVFAIL);
}

#[test]
fn lame_servers_are_skipped() {
    // loop1.test's only server serves example.test., not loop1.test.: REFUSED.
    let r = resolver(ResolverConfig::default());
    let mut net = net();
    let mut clock = Instant::now();
    let a = net.run(&r, &mut resolution("www.loop1.test.", RecordType::A, clock), &mut clock);
    assert_eq!(a.rcode, Rcode::SERVFAIL);
    assert!(net.log.iter().any(|(ip, ..)| ip.to_string() == "10.0.0.30"));
}

#[test]
fn ttls_expire_on_the_virtual_clock_and_negative_answers_are_cached() {
    let r = resolver(ResolverConfig::default());
    let mut net = net();
    let mut clock = Instant::now();
    net.run(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    let nx = net.run(
        &r,
        &mut resolution("nope.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(nx.rcode, Rcode::NXDOMAIN);
    assert_eq!(nx.authority[0].rtype, RecordType::SOA);
    assert_eq!(nx.authority[0].ttl, 60, "RFC 2308: min(SOA TTL, MINIMUM)");
    let before = net.count();
    // 59 s later: everything from the cache.
    clock += Duration::from_secs(59);
    let a = net.run(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert!(
        a.answer[0].ttl <= 241 && a.answer[0].ttl >= 240,
        "TTL counted down: {}",
        a.answer[0].ttl
    );
    let nx = net.run(
        &r,
        &mut resolution("nope.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(nx.rcode, Rcode::NXDOMAIN);
    assert_eq!(net.count(), before, "nothing asked upstream");
    // After the negative TTL, the NXDOMAIN is asked again; after 300 s, the A record too.
    clock += Duration::from_secs(2);
    net.run(
        &r,
        &mut resolution("nope.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(net.count(), before + 1);
    clock += Duration::from_secs(300);
    net.run(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(net.count(), before + 2, "{:?}", &net.log[before..]);
}

#[test]
fn stale_data_is_served_when_every_authority_is_unreachable() {
    let r = resolver(ResolverConfig::default());
    let mut net = net();
    let mut clock = Instant::now();
    net.run(
        &r,
        &mut resolution("www.glueless.test.", RecordType::A, clock),
        &mut clock,
    );
    // Its server disappears; the record (TTL 120) expires.
    net.servers.remove(&"10.0.0.5".parse().unwrap());
    clock += Duration::from_secs(200);
    let a = net.run(
        &r,
        &mut resolution("www.glueless.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(a.rcode, Rcode::NOERROR);
    assert_eq!(a.answer[0].ttl, 30, "RFC 8767 §4: stale answers carry TTL 30");
    assert!(a.uncacheable);
    assert_eq!(r.counters.values().stale_answers, 1);
}

#[test]
fn ids_are_random_and_case_is_randomised() {
    let mut clock = Instant::now();
    let mut ids = Vec::new();
    let mut spelled = Vec::new();
    let net = net();
    for seed in 0..8 {
        let r = resolver(ResolverConfig::default());
        let mut res = Resolution::with_rng(
            &n("www.example.test."),
            RecordType::A,
            Class::IN,
            clock,
            rand::rngs::StdRng::seed_from_u64(seed),
        );
        // Priming, answered; then the first real query.
        let Step::Send(prime) = res.poll(&r, clock) else {
            panic!("priming expected")
        };
        let mut reply = Vec::new();
        let req = Request {
            bytes: &prime.message,
            client: "127.0.0.1:5353".parse().unwrap(),
            transport: Transport::Udp,
            now: 0,
        };
        respond(
            &net.servers[&prime.server.ip()],
            &AuthConfig::default(),
            &req,
            &mut reply,
        );
        clock += Duration::from_millis(1);
        res.on_reply(&r, clock, prime.server, &reply);
        let Step::Send(out) = res.poll(&r, clock) else {
            panic!("a query expected")
        };
        let m = Message::parse(&out.message).unwrap();
        ids.push(Message::parse(&prime.message).unwrap().id());
        ids.push(m.id());
        spelled.push(m.question().unwrap().qname.to_string());
    }
    ids.sort_unstable();
    ids.dedup();
    assert!(ids.len() >= 15, "16 IDs from a CSPRNG: {ids:?}");
    assert!(spelled.iter().all(|s| s.eq_ignore_ascii_case("test.")));
    spelled.sort();
    spelled.dedup();
    assert!(spelled.len() >= 3, "0x20: the case pattern varies: {spelled:?}");
}

#[test]
fn a_refresh_asks_upstream_although_the_answer_is_cached() {
    let r = resolver(ResolverConfig::default());
    let mut net = net();
    let mut clock = Instant::now();
    net.run(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    let before = net.count();
    net.run(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(net.count(), before, "from the cache");
    clock += Duration::from_secs(280);
    let mut res = resolution("www.example.test.", RecordType::A, clock);
    res.refresh();
    let a = net.run(&r, &mut res, &mut clock);
    assert_eq!(
        net.count(),
        before + 1,
        "the prefetch asked the zone's server, only that"
    );
    assert_eq!(a.answer[0].ttl, 300, "a fresh TTL, not the 20 s left");
}

/// Response policy zones: a blocked name is NXDOMAIN without a question sent, a wildcard
/// blocks the names below, a passthru rule makes an exception, local data redirects, a
/// NODATA rule answers empty; the policy's SOA is in the authority section; replacing the
/// policy takes effect at once.
#[test]
fn response_policy_zones_block_redirect_and_let_through() {
    let dir = std::env::temp_dir().join(format!("banyan-rpz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("block.rpz");
    std::fs::write(
        &file,
        "$ORIGIN rpz.local.\n$TTL 60\n@ SOA localhost. hostmaster.localhost. 1 3600 600 86400 60\n@ NS localhost.\n\
         www.example.test CNAME .\n\
         *.example.test CNAME .\n\
         alias.example.test CNAME rpz-passthru.\n\
         far.example.test A 192.0.2.99\n\
         glueless.test CNAME *.\n\
         32.1.0.0.10.rpz-ip CNAME .\n",
    )
    .unwrap();
    let (zone, skipped) = banyan_resolver::rpz::PolicyZone::load(&file).unwrap();
    assert_eq!(skipped.len(), 1, "the rpz-ip trigger is reported: {skipped:?}");
    assert_eq!(zone.len(), 5);
    let r = resolver(ResolverConfig::default());
    r.set_policy(banyan_resolver::rpz::ResponsePolicy { zones: vec![zone] });
    let mut net = net();
    let mut clock = Instant::now();
    let mut ask =
        |name: &str, qtype: RecordType, net: &mut Net| net.run(&r, &mut resolution(name, qtype, clock), &mut clock);

    let a = ask("www.example.test.", RecordType::A, &mut net);
    assert_eq!(
        (a.rcode, net.count()),
        (Rcode::NXDOMAIN, 0),
        "blocked before any question"
    );
    assert_eq!(a.authority[0].name.to_string(), "rpz.local.");
    assert_eq!(
        ask("deep.sub.example.test.", RecordType::AAAA, &mut net).rcode,
        Rcode::NXDOMAIN
    );
    let far = ask("far.example.test.", RecordType::A, &mut net);
    assert_eq!(
        (far.rcode, records(&far)),
        (Rcode::NOERROR, vec!["far.example.test. A".to_string()])
    );
    let nodata = ask("glueless.test.", RecordType::A, &mut net);
    assert!(nodata.rcode == Rcode::NOERROR && nodata.answer.is_empty());
    assert_eq!(net.count(), 0);
    // The exception resolves for real, through the CNAME to www (whose own rule is only for
    // the question asked, not for names met on the way, as here).
    let alias = ask("alias.example.test.", RecordType::A, &mut net);
    assert_eq!(records(&alias), ["alias.example.test. CNAME", "www.example.test. A"]);
    assert!(net.count() > 0);
    // A policy with no rules: www resolves.
    r.set_policy(banyan_resolver::rpz::ResponsePolicy::none());
    let www = ask("www.example.test.", RecordType::A, &mut net);
    assert_eq!(records(&www), ["www.example.test. A"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// RFC 7871 at the state machine: with ECS configured for example.test., the client's
/// subnet goes to its server, whose view answers that subnet; the tailored answer (scope
/// 24) stays out of the shared cache, so the next client without a subnet is asked for
/// again and gets the zone's own data.
#[test]
fn rfc7871_tailored_answers_stay_out_of_the_shared_cache() {
    let config = ResolverConfig {
        ecs: Some(banyan_resolver::EcsConfig {
            zones: vec![n("example.test.")],
            ..banyan_resolver::EcsConfig::default()
        }),
        ..ResolverConfig::default()
    };
    let r = resolver(config);
    let mut net = net();
    let view = banyan_auth::View::new(
        "near",
        vec![("198.51.100.0/24".parse().unwrap(), None)],
        vec![banyan_wire::Record::from_text("www.example.test. 300 A 203.0.113.1", None, None).unwrap()],
    )
    .unwrap();
    net.configs.insert(
        "10.0.0.3".parse().unwrap(),
        AuthConfig {
            views: vec![view],
            ecs: true,
            ..AuthConfig::default()
        },
    );
    let mut clock = Instant::now();
    let subnet = r
        .config
        .ecs
        .as_ref()
        .unwrap()
        .subnet_for("198.51.100.77".parse().unwrap());
    let mut res = resolution("www.example.test.", RecordType::A, clock);
    res.set_client_subnet(subnet);
    let a = net.run(&r, &mut res, &mut clock);
    assert_eq!(a.answer[0].rdata[0].as_ref(), [203, 0, 113, 1], "the view's answer");
    assert_eq!(res.ecs_scope(), 24);
    // A client in another subnet: the zone's own data, also tailored (the choice depended
    // on the first 5 bits), so asked for again and not shared either.
    let before = net.count();
    let mut res = resolution("www.example.test.", RecordType::A, clock);
    res.set_client_subnet(
        r.config
            .ecs
            .as_ref()
            .unwrap()
            .subnet_for("203.0.113.9".parse().unwrap()),
    );
    let a = net.run(&r, &mut res, &mut clock);
    assert_eq!(a.answer[0].rdata[0].as_ref(), [192, 0, 2, 1], "the zone's own");
    assert_eq!(res.ecs_scope(), 5);
    assert_eq!(net.count() - before, 1, "asked again: {:?}", &net.log[before..]);
    // A name no view has data for: scope 0, shared from the cache afterwards.
    let mut res = resolution("a.b.c.d.e.f.deep.example.test.", RecordType::A, clock);
    res.set_client_subnet(subnet);
    net.run(&r, &mut res, &mut clock);
    assert_eq!(res.ecs_scope(), 0);
    let before = net.count();
    let mut res = resolution("a.b.c.d.e.f.deep.example.test.", RecordType::A, clock);
    res.set_client_subnet(subnet);
    net.run(&r, &mut res, &mut clock);
    assert_eq!(net.count(), before, "from the cache");
}

#[test]
fn forward_zone_asks_its_forwarder_with_rd_and_takes_the_answer() {
    use banyan_resolver::{ForwardZone, Transport as Via};
    let forwarder: std::net::SocketAddr = "10.0.0.30:5301".parse().unwrap();
    let config = ResolverConfig {
        forward: vec![ForwardZone {
            zone: n("example.test."),
            addresses: vec![forwarder],
            transport: Via::Tls,
            tls_name: Some("dns.test".into()),
            url: None,
            ca: None,
        }],
        ..ResolverConfig::default()
    };
    let r = resolver(config);
    let mut net = net();
    let mut clock = Instant::now();
    let (a, sent) = net.run_capturing(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(a.rcode, Rcode::NOERROR);
    assert_eq!(records(&a), ["www.example.test. A"]);
    // One query, to the forwarder, over its transport, with RD and the full name: no
    // priming, no referrals, no minimisation.
    assert_eq!(sent.len(), 1, "{sent:?}");
    let (out, header) = &sent[0];
    assert_eq!((out.server, out.transport, out.forward), (forwarder, Via::Tls, Some(0)));
    assert!(header.rd && !header.cd);
    // Cached by TTL: asked again, nobody is asked.
    let (_, again) = net.run_capturing(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert!(again.is_empty(), "{again:?}");
    // A name outside the forward zone is resolved from the root as usual, RD clear.
    let (a, sent) = net.run_capturing(&r, &mut resolution("ns.lab.", RecordType::A, clock), &mut clock);
    assert_eq!(records(&a), ["ns.lab. A"]);
    assert!(sent
        .iter()
        .all(|(o, h)| !h.rd && o.forward.is_none() && o.transport == Via::Udp));
    assert_eq!(sent[0].0.server.ip().to_string(), "10.0.0.1");
}

#[test]
fn forwarding_everything_never_primes_and_a_dead_forwarder_is_servfail() {
    use banyan_resolver::ForwardZone;
    let config = ResolverConfig {
        forward: vec![ForwardZone {
            zone: n("."),
            addresses: vec!["10.0.0.77:53".parse().unwrap(), "10.0.0.4:53".parse().unwrap()],
            transport: Default::default(),
            tls_name: None,
            url: None,
            ca: None,
        }],
        ..ResolverConfig::default()
    };
    let r = resolver(config);
    let mut net = net();
    let mut clock = Instant::now();
    let (a, sent) = net.run_capturing(&r, &mut resolution("ns.hosting.lab.", RecordType::A, clock), &mut clock);
    assert_eq!(records(&a), ["ns.hosting.lab. A"]);
    assert!(sent.iter().all(|(o, h)| h.rd && o.forward == Some(0)), "{sent:?}");
    assert!(sent.iter().all(|(o, _)| o.server.ip().to_string() != "10.0.0.1"));
    // Only dead forwarders: SERVFAIL, and the root is never asked.
    let config = ResolverConfig {
        forward: vec![ForwardZone {
            zone: n("."),
            addresses: vec!["10.0.0.77:53".parse().unwrap()],
            transport: Default::default(),
            tls_name: None,
            url: None,
            ca: None,
        }],
        ..ResolverConfig::default()
    };
    let r = resolver(config);
    let (a, sent) = net.run_capturing(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(a.rcode, Rcode::SERVFAIL);
    assert!(sent.iter().all(|(o, _)| o.server.ip().to_string() == "10.0.0.77"));
}

#[test]
fn stub_zone_starts_iteration_at_its_configured_server() {
    use banyan_resolver::StubZone;
    // 10.0.0.2 serves test.; the stub sends test. there directly, port included.
    let config = ResolverConfig {
        stub: vec![StubZone {
            zone: n("test."),
            addresses: vec!["10.0.0.2:53".parse().unwrap()],
        }],
        ..ResolverConfig::default()
    };
    let r = resolver(config);
    let mut net = net();
    let mut clock = Instant::now();
    let (a, sent) = net.run_capturing(
        &r,
        &mut resolution("www.example.test.", RecordType::A, clock),
        &mut clock,
    );
    assert_eq!(records(&a), ["www.example.test. A"]);
    let asked: Vec<(String, bool)> = sent.iter().map(|(o, h)| (o.server.ip().to_string(), h.rd)).collect();
    // No priming and no root: the stub server first (RD=0), then its referral is followed.
    assert_eq!(asked.first(), Some(&("10.0.0.2".to_string(), false)));
    assert!(asked.iter().all(|(ip, rd)| ip != "10.0.0.1" && !rd), "{asked:?}");
    assert!(asked.iter().any(|(ip, _)| ip == "10.0.0.3"), "{asked:?}");
}

/// A reply to `query` (its ID and question) with `rcode` (extended RCODEs through the OPT
/// record), an optional COOKIE option and an optional A answer.
fn cookie_reply(query: &[u8], rcode: u16, cookie: Option<([u8; 8], Vec<u8>)>, a: Option<[u8; 4]>) -> Vec<u8> {
    use banyan_wire::edns::{Cookie, Edns, EdnsOption};
    use banyan_wire::message::BuildSection;
    use banyan_wire::rdata::{RData, A};
    let msg = Message::parse(query).unwrap();
    let q = msg.question().unwrap();
    let name = q.qname.to_name();
    let mut out = Vec::new();
    let mut b = banyan_wire::MessageBuilder::new(
        &mut out,
        banyan_wire::Header {
            id: msg.id(),
            qr: true,
            rd: msg.header().rd,
            ra: true,
            rcode: (rcode & 0xF) as u8,
            ..banyan_wire::Header::default()
        },
    );
    b.question(&name, q.qtype, q.qclass).unwrap();
    if let Some(addr) = a {
        b.push(
            BuildSection::Answer,
            &banyan_wire::Record {
                name,
                class: Class::IN,
                ttl: 300,
                data: RData::A(A(addr.into())),
            },
        )
        .unwrap();
    }
    b.edns(&Edns {
        extended_rcode: (rcode >> 4) as u8,
        options: cookie
            .map(|(client, server)| {
                EdnsOption::Cookie(Cookie {
                    client,
                    server: Some(server),
                })
            })
            .into_iter()
            .collect(),
        ..Edns::default()
    })
    .unwrap();
    b.finish();
    out
}

/// The COOKIE option of a query: (client, server).
fn sent_cookie(query: &[u8]) -> Option<([u8; 8], Option<Vec<u8>>)> {
    let edns = Message::parse(query).unwrap().edns()?.unwrap();
    edns.options.into_iter().find_map(|o| match o {
        banyan_wire::edns::EdnsOption::Cookie(c) => Some((c.client, c.server)),
        _ => None,
    })
}

#[test]
fn rfc7873_cookies_are_sent_checked_remembered_and_badcookie_is_retried_once() {
    use banyan_resolver::{ForwardZone, Verdict};
    let server: std::net::SocketAddr = "10.0.0.9:53".parse().unwrap();
    let config = ResolverConfig {
        forward: vec![ForwardZone {
            zone: n("."),
            addresses: vec![server],
            transport: Default::default(),
            tls_name: None,
            url: None,
            ca: None,
        }],
        ..ResolverConfig::default()
    };
    let r = resolver(config);
    let clock = Instant::now();
    let mut res = resolution("www.example.", RecordType::A, clock);
    let Step::Send(out) = res.poll(&r, clock) else {
        panic!("no query")
    };
    let (client, server_part) = sent_cookie(&out.message).expect("a client cookie is sent");
    assert_eq!(server_part, None, "no server cookie known yet");
    assert_eq!(client, r.client_cookie(server.ip()));
    assert_ne!(client, r.client_cookie("10.0.0.10".parse().unwrap()), "one per server");

    // A reply with another client cookie is a forgery: ignored, the wait goes on.
    let forged = cookie_reply(&out.message, 0, Some(([9; 8], vec![1; 8])), Some([192, 0, 2, 66]));
    assert_eq!(
        res.on_reply(&r, clock, server, &forged),
        Verdict::Ignored("client cookie does not match")
    );
    // BADCOOKIE with a fresh server cookie: asked again once, echoing it.
    let bad = cookie_reply(&out.message, 23, Some((client, vec![7; 16])), None);
    assert_eq!(res.on_reply(&r, clock, server, &bad), Verdict::Accepted);
    let Step::Send(again) = res.poll(&r, clock) else {
        panic!("no retry")
    };
    assert_eq!((again.server, again.tcp), (server, false));
    assert_eq!(sent_cookie(&again.message), Some((client, Some(vec![7; 16]))));
    // The answer brings another server cookie, which is remembered for the next query.
    let good = cookie_reply(&again.message, 0, Some((client, vec![8; 16])), Some([192, 0, 2, 1]));
    assert_eq!(res.on_reply(&r, clock, server, &good), Verdict::Accepted);
    let Step::Done(a) = res.poll(&r, clock) else {
        panic!("not done")
    };
    assert_eq!(records(&a), ["www.example. A"]);
    assert_eq!(r.infra.server_cookie(server.ip()), Some(vec![8; 16]));
    let mut next = resolution("mail.example.", RecordType::A, clock);
    let Step::Send(out) = next.poll(&r, clock) else {
        panic!("no query")
    };
    assert_eq!(sent_cookie(&out.message), Some((client, Some(vec![8; 16]))));
    // BADCOOKIE again and again: the second retry goes over TCP, then it is given up on.
    let bad = cookie_reply(&out.message, 23, Some((client, vec![9; 16])), None);
    assert_eq!(next.on_reply(&r, clock, server, &bad), Verdict::Accepted);
    let Step::Send(retry) = next.poll(&r, clock) else {
        panic!("no retry")
    };
    assert!(!retry.tcp);
    let bad = cookie_reply(&retry.message, 23, Some((client, vec![9; 16])), None);
    assert_eq!(next.on_reply(&r, clock, server, &bad), Verdict::Accepted);
    let Step::Send(tcp) = next.poll(&r, clock) else {
        panic!("no TCP retry")
    };
    assert!(tcp.tcp);
    // A reply without any cookie (a server without cookie support) is accepted.
    let plain = cookie_reply(&tcp.message, 0, None, Some([192, 0, 2, 2]));
    assert_eq!(next.on_reply(&r, clock, server, &plain), Verdict::Accepted);

    // Switched off: no cookie option at all.
    let r = resolver(ResolverConfig {
        cookies: false,
        ..ResolverConfig::default()
    });
    let mut res = resolution("www.example.", RecordType::A, clock);
    let Step::Send(out) = res.poll(&r, clock) else {
        panic!("no query")
    };
    assert_eq!(sent_cookie(&out.message), None);
}
