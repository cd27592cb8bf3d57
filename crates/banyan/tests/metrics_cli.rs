//! End to end: `banyan serve` with `[metrics]` on an ephemeral port, asked a few queries over
//! UDP and TCP, then scraped with `GET /metrics`; stopped with SIGTERM by PID.

mod running;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use running::Running;

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

/// The address after `prefix` in `line`, up to the next space or `/`.
fn addr_after(line: &str, prefix: &str) -> SocketAddr {
    let rest = &line[line.find(prefix).expect("prefix") + prefix.len()..];
    let end = rest.find([' ', '/']).unwrap_or(rest.len());
    rest[..end].parse().expect("address")
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
    let mut server = Running::start_stderr_inherited(&["serve", "--config", config.to_str().expect("utf-8")]);
    let lines = server.wait_stdout("metrics listening on http://");
    let dns = addr_after(
        lines
            .iter()
            .find(|l| l.starts_with("listening on "))
            .expect("dns address line"),
        "listening on ",
    );
    let metrics = addr_after(lines.last().expect("metrics line"), "http://");

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

    let mut http = TcpStream::connect(metrics).expect("connect metrics");
    http.set_read_timeout(Some(WAIT)).expect("timeout");
    http.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .expect("request");
    let mut page = String::new();
    http.read_to_string(&mut page).expect("reply");
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
    ] {
        assert!(page.lines().any(|l| l == line), "missing {line:?} in\n{page}");
    }
    assert_eq!(server.stop(), Some(0));
}
