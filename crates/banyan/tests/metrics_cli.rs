//! End to end: `banyan serve` with `[metrics]` on an ephemeral port, asked a few queries over
//! UDP and TCP, then scraped with `GET /metrics`; stopped with SIGTERM by PID. The query log
//! and dnstap files are read after the stop. A second test runs an authoritative server for
//! the root and a resolver using it, and checks the resolver's metrics.

mod running;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use running::{listening_addr, Running};

/// Bound on any wait: a failure limit, not a pause.
const WAIT: Duration = Duration::from_secs(5);

/// A query for `name` (labels) of type `qtype`, without EDNS.
fn query(id: u16, labels: &[&str], qtype: u16) -> Vec<u8> {
    let mut q = id.to_be_bytes().to_vec();
    q.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    for l in labels {
        q.push(u8::try_from(l.len()).expect("short label"));
        q.extend_from_slice(l.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&[0, 1]);
    q
}

#[test]
fn serve_metrics_endpoint_counts_queries() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("example.com.zone"),
        "$TTL 3600\n@ IN SOA ns1 hostmaster 2024070101 7200 3600 1209600 300\n@ IN NS ns1\n\
         ns1 IN A 192.0.2.53\nwww IN A 192.0.2.1\n",
    )
    .expect("zone file");
    let config = dir.path().join("banyan.toml");
    std::fs::write(
        &config,
        "[auth]\nlisten = [\"127.0.0.1:0\"]\nworkers = 1\n\n\
         [[auth.zone]]\nname = \"example.com.\"\nfile = \"example.com.zone\"\n\n\
         [metrics]\nlisten = \"127.0.0.1:0\"\n",
    )
    .expect("config");
    // The logs, in the [auth] table (appended keys would land in [metrics]).
    let text = std::fs::read_to_string(&config).expect("config");
    let text = text.replacen(
        "workers = 1\n",
        "workers = 1\nquery_log = \"queries.jsonl\"\ndnstap = \"file:tap.fstrm\"\n",
        1,
    );
    std::fs::write(&config, text).expect("config");
    // Stderr read: the SIGHUP below is awaited by its "reload:" line.
    let mut server = Running::start(&["serve", "--config", config.to_str().expect("utf-8")]);
    let lines = server.wait_stdout("metrics listening on http://");
    let dns = listening_addr(&lines, "listening on ");
    let metrics = listening_addr(&lines, "metrics listening on http://");

    let udp = UdpSocket::bind("127.0.0.1:0").expect("bind client");
    udp.set_read_timeout(Some(WAIT)).expect("timeout");
    udp.connect(dns).expect("connect");
    let mut buf = [0u8; 4096];
    for (id, labels, qtype, rcode) in [
        (1, &["www", "example", "com"][..], 1, 0),
        (2, &["nope", "example", "com"][..], 28, 3),
        (3, &["example", "org"][..], 1, 5),
    ] {
        udp.send(&query(id, labels, qtype)).expect("send");
        let n = udp.recv(&mut buf).expect("a reply");
        assert!(n >= 12 && buf[3] & 0x0f == rcode, "query {id}: rcode {}", buf[3] & 0x0f);
    }
    let mut tcp = TcpStream::connect(dns).expect("connect tcp");
    tcp.set_read_timeout(Some(WAIT)).expect("timeout");
    let q = query(4, &["example", "com"], 6);
    let mut framed = u16::try_from(q.len()).expect("short").to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    tcp.write_all(&framed).expect("send tcp");
    let mut len = [0u8; 2];
    tcp.read_exact(&mut len).expect("reply length");
    drop(tcp);

    let page = scrape(metrics);
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
    assert!(page.contains("Content-Type: text/plain; version=0.0.4"), "{page}");
    for line in [
        r#"banyan_auth_queries_total{transport="udp"} 3"#,
        r#"banyan_auth_queries_total{transport="tcp"} 1"#,
        r#"banyan_auth_queries_by_type_total{qtype="A"} 2"#,
        r#"banyan_auth_queries_by_type_total{qtype="AAAA"} 1"#,
        r#"banyan_auth_queries_by_type_total{qtype="SOA"} 1"#,
        r#"banyan_auth_responses_total{rcode="NOERROR"} 2"#,
        r#"banyan_auth_responses_total{rcode="NXDOMAIN"} 1"#,
        r#"banyan_auth_responses_total{rcode="REFUSED"} 1"#,
        r#"banyan_zone_serial{zone="example.com."} 2024070101"#,
        r#"banyan_auth_answer_duration_seconds_count{transport="udp"} 3"#,
        r#"banyan_auth_answer_duration_seconds_count{transport="tcp"} 1"#,
        r#"banyan_auth_answer_duration_seconds_bucket{transport="udp",le="+Inf"} 3"#,
        r#"banyan_auth_log_dropped_total{log="query_log"} 0"#,
    ] {
        assert!(page.lines().any(|l| l == line), "missing {line:?} in\n{page}");
    }
    check_histograms(&page);

    // Log rotation: the file is moved away, SIGHUP reopens it (the server says "reload:"
    // once it has asked), and the next query goes to a new file.
    let log_path = dir.path().join("queries.jsonl");
    let rotated = dir.path().join("queries.jsonl.1");
    // The four lines so far are written first (bounded wait: UDP lines follow the reply).
    let end = std::time::Instant::now() + WAIT;
    while std::fs::read_to_string(&log_path).map_or(0, |t| t.lines().count()) < 4 && std::time::Instant::now() < end {
        std::thread::yield_now();
    }
    std::fs::rename(&log_path, &rotated).expect("rotate");
    server.signal("HUP");
    server.wait_stderr("reload:");
    udp.send(&query(5, &["www", "example", "com"], 28)).expect("send");
    udp.recv(&mut buf).expect("a reply");
    assert_eq!(server.stop(), Some(0));
    let after = std::fs::read_to_string(&log_path).expect("the reopened query log");
    assert_eq!(after.lines().count(), 1, "{after}");
    assert!(
        after.contains(r#""qname":"www.example.com.","qtype":"AAAA""#),
        "{after}"
    );

    // The writer threads finished their files on the way out.
    let log = std::fs::read_to_string(&rotated).expect("query log");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 4, "{log}");
    // UDP lines are written after the reply is sent, so across transports the order may differ.
    for expected in [
        r#""transport":"udp","qname":"www.example.com.","qtype":"A","rcode":"NOERROR""#,
        r#""qname":"nope.example.com.","qtype":"AAAA","rcode":"NXDOMAIN""#,
        r#""qname":"example.org.","qtype":"A","rcode":"REFUSED""#,
        r#""transport":"tcp","qname":"example.com.","qtype":"SOA""#,
    ] {
        assert_eq!(
            lines.iter().filter(|l| l.contains(expected)).count(),
            1,
            "{expected} in\n{log}"
        );
    }
    assert!(lines
        .iter()
        .all(|l| l.starts_with("{\"time\":\"20") && l.ends_with('}')));
    let tap = std::fs::read(dir.path().join("tap.fstrm")).expect("dnstap file");
    // START (escape, length, type 2, content type), then frames, and STOP last.
    assert_eq!(&tap[..4], &[0, 0, 0, 0]);
    assert_eq!(&tap[8..12], &[0, 0, 0, 2]);
    assert!(tap.windows(22).any(|w| w == b"protobuf:dnstap.Dnstap"));
    assert_eq!(&tap[tap.len() - 12..], &[0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 3]);
}

/// `GET /metrics` from `addr`: the whole HTTP reply.
fn scrape(addr: SocketAddr) -> String {
    let mut http = TcpStream::connect(addr).expect("connect metrics");
    http.set_read_timeout(Some(WAIT)).expect("timeout");
    http.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .expect("request");
    let mut page = String::new();
    http.read_to_string(&mut page).expect("reply");
    page
}

/// Every histogram series of the page: buckets cumulative, the `+Inf` bucket equal to
/// `_count`, and every sample line `name[{labels}] number`.
fn check_histograms(page: &str) {
    let body = page.split("\r\n\r\n").nth(1).expect("body");
    let mut last: Option<(String, f64)> = None;
    let mut checked = 0;
    for line in body.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("name value");
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("number in {line:?}"));
        if let Some((name, labels)) = series.split_once("_bucket{") {
            let rest = if labels.starts_with("le=") {
                String::new()
            } else {
                labels.split(",le=").next().unwrap_or_default().to_owned()
            };
            let key = format!("{name}{{{rest}");
            if let Some((k, v)) = &last {
                if *k == key {
                    assert!(*v <= value, "not cumulative at {line}");
                }
            }
            last = Some((key, value));
        } else if let Some((name, labels)) = series.split_once("_count") {
            let (k, v) = last.take().expect("buckets before _count");
            let labels = labels.trim_start_matches('{').trim_end_matches('}');
            let expected = if labels.is_empty() {
                format!("{name}{{")
            } else {
                format!("{name}{{{labels}")
            };
            assert_eq!(k.trim_end_matches(','), expected.trim_end_matches(','), "{line}");
            assert_eq!(v, value, "+Inf bucket and _count differ: {line}");
            checked += 1;
        }
    }
    assert!(checked >= 2, "no histogram in\n{body}");
}

/// One query over UDP to `server`; the reply.
fn ask(server: SocketAddr, id: u16, labels: &[&str], qtype: u16) -> Vec<u8> {
    let udp = UdpSocket::bind("127.0.0.1:0").expect("bind client");
    udp.set_read_timeout(Some(WAIT)).expect("timeout");
    let mut q = query(id, labels, qtype);
    q[2] = 1; // RD
    udp.send_to(&q, server).expect("send");
    let mut buf = [0u8; 4096];
    let (n, _) = udp.recv_from(&mut buf).expect("a reply");
    buf[..n].to_vec()
}

#[test]
fn resolver_metrics_count_clients_upstream_and_caches() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The authoritative server of a private root, on an ephemeral port.
    std::fs::write(
        dir.path().join("root.zone"),
        "$TTL 3600\n. IN SOA a.root. hostmaster. 1 7200 3600 1209600 300\n. IN NS a.root.\n\
         a.root. IN A 127.0.0.1\nwww.example. IN A 192.0.2.1\n",
    )
    .expect("zone file");
    let auth_config = dir.path().join("auth.toml");
    std::fs::write(
        &auth_config,
        "[auth]\nlisten = [\"127.0.0.1:0\"]\nworkers = 1\n\n[[auth.zone]]\nname = \".\"\nfile = \"root.zone\"\n",
    )
    .expect("config");
    let mut auth = Running::start_stderr_inherited(&["serve", "--config", auth_config.to_str().expect("utf-8")]);
    let lines = auth.wait_stdout("listening on ");
    let root = listening_addr(&lines, "listening on ");

    std::fs::write(
        dir.path().join("root.hints"),
        ". 3600000 NS a.root.\na.root. 3600000 A 127.0.0.1\n",
    )
    .expect("hints");
    let config = dir.path().join("resolver.toml");
    std::fs::write(
        &config,
        format!(
            "[resolver]\nlisten = [\"127.0.0.1:0\"]\nworkers = 1\nroot_hints = \"root.hints\"\n\
             upstream_port = {}\nvalidate = false\nquery_log = \"queries.jsonl\"\n\n\
             [metrics]\nlisten = \"127.0.0.1:0\"\n",
            root.port()
        ),
    )
    .expect("config");
    let mut resolver = Running::start_stderr_inherited(&["serve", "--config", config.to_str().expect("utf-8")]);
    let lines = resolver.wait_stdout("metrics listening on http://");
    let dns = listening_addr(&lines, "resolver listening on ");
    let metrics = listening_addr(&lines, "metrics listening on http://");
    // A miss (resolved upstream), then a hit.
    for id in [1, 2] {
        let reply = ask(dns, id, &["www", "example"], 1);
        assert_eq!(reply[3] & 0x0f, 0, "query {id}: rcode");
        assert_eq!(u16::from_be_bytes([reply[6], reply[7]]), 1, "one answer");
    }
    let page = scrape(metrics);
    for line in [
        r#"banyan_resolver_queries_total{transport="udp"} 2"#,
        r#"banyan_resolver_queries_by_type_total{qtype="A"} 2"#,
        r#"banyan_resolver_responses_total{rcode="NOERROR"} 2"#,
        r#"banyan_resolver_query_duration_seconds_count{cache="hit"} 1"#,
        r#"banyan_resolver_query_duration_seconds_count{cache="miss"} 1"#,
        r#"banyan_resolver_upstream_outcomes_total{outcome="timeout"} 0"#,
        r#"banyan_resolver_cache_lookups_total{cache="answer",result="hit"} 1"#,
        r#"banyan_resolver_validation_total{result="secure"} 0"#,
    ] {
        assert!(page.lines().any(|l| l == line), "missing {line:?} in\n{page}");
    }
    let value = |prefix: &str| -> f64 {
        page.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {prefix} in\n{page}"))
    };
    let answered = value(r#"banyan_resolver_upstream_outcomes_total{outcome="answer"}"#);
    assert!(answered >= 1.0);
    assert_eq!(value("banyan_resolver_upstream_rtt_seconds_count"), answered);
    assert_eq!(
        value(r#"banyan_resolver_upstream_responses_total{rcode="NOERROR"}"#),
        answered
    );
    assert!(value("banyan_resolver_rrset_cache_entries") >= 1.0);
    check_histograms(&page);
    assert_eq!(resolver.stop(), Some(0));
    assert_eq!(auth.stop(), Some(0));

    let log = std::fs::read_to_string(dir.path().join("queries.jsonl")).expect("query log");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains(r#""qname":"www.example.","qtype":"A","rcode":"NOERROR""#),
        "{log}"
    );
    assert!(lines[0].contains(r#""cache":"miss","upstream":"#), "{log}");
    assert!(!lines[0].contains(r#""upstream":0"#), "{log}");
    assert!(lines[1].contains(r#""cache":"hit","upstream":0"#), "{log}");
}
