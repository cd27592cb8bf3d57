//! End to end: `banyan serve` with `[metrics]` on an ephemeral port, asked a few queries over
//! UDP and TCP, then scraped with `GET /metrics`; stopped with SIGTERM by PID.

use std::io::{BufRead as _, BufReader, Lines, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// Bound on any wait: a failure limit, not a pause.
const WAIT: Duration = Duration::from_secs(5);

/// A running `banyan serve`; killed by PID if the test ends without stopping it.
struct Running {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl Running {
    fn start(config: &str) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_banyan"))
            .args(["serve", "--config", config])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start banyan");
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Running { child, stdout }
    }

    /// Reads stdout up to the line containing `what`.
    fn wait_stdout(&mut self, what: &str) -> Vec<String> {
        let mut seen = Vec::new();
        for line in self.stdout.by_ref() {
            let line = line.expect("stdout line");
            let found = line.contains(what);
            seen.push(line);
            if found {
                return seen;
            }
        }
        panic!("no {what:?} on stdout; saw {seen:?}");
    }

    /// SIGTERM, then the exit code.
    fn stop(mut self) -> Option<i32> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        self.child.wait().expect("wait").code()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
    let mut server = Running::start(config.to_str().expect("utf-8"));
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
