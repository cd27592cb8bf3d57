//! End to end: `banyan query +tls` / `+https` against a DoT/DoH fake with a certificate made
//! in the test, and `banyan resolver` forwarding a zone over UDP (`--forward`) and over DoT
//! and DoH (`[[resolver.forward]]` in `banyan serve --config`), keeping one connection for
//! several queries. Loopback only; processes stopped by PID.

#![allow(clippy::unwrap_used)]

#[path = "../../banyan-server/tests/encrypted_fake/mod.rs"]
mod encrypted_fake;
mod fake_server;
mod running;

use std::process::Command;
use std::sync::atomic::Ordering;

use encrypted_fake::{answer_with, EncryptedFake};
use running::{listening_addr, Running};

fn banyan(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_banyan")).args(args).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn query_over_tls_and_https_verifies_the_certificate() {
    let rt = runtime();
    let fake = rt.block_on(EncryptedFake::start("dns.test", answer_with([192, 0, 2, 53])));
    let ca = format!("+tls-ca={}", fake.cert_file.display());
    let dot_port = fake.dot.port().to_string();
    let (ok, out, err) = banyan(&[
        "query",
        "@127.0.0.1",
        "-p",
        &dot_port,
        "www.example.",
        "+tls",
        &ca,
        "+tls-hostname=dns.test",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("www.example.\t300\tIN\tA\t192.0.2.53"), "{out}");
    assert!(out.contains(&format!(";; SERVER: 127.0.0.1#{dot_port}(TLS)")), "{out}");
    // The query went padded to a multiple of 128 octets (RFC 8467 §4.1).
    assert_eq!(fake.seen.lock().unwrap()[0].len() % 128, 0);

    let doh_port = fake.doh.port().to_string();
    for mode in ["+https", "+https-get"] {
        let (ok, out, err) = banyan(&[
            "query",
            "@127.0.0.1",
            "-p",
            &doh_port,
            "www.example.",
            mode,
            &ca,
            "+tls-hostname=dns.test",
            "+short",
        ]);
        assert!(ok, "{mode}: {err}");
        assert_eq!(out.trim(), "192.0.2.53", "{mode}");
    }

    // The name does not match the certificate: no answer, exit 1.
    let (ok, _, err) = banyan(&[
        "query",
        "@127.0.0.1",
        "-p",
        &dot_port,
        "www.example.",
        &ca,
        "+tls-hostname=other.test",
        "+timeout=2",
    ]);
    assert!(!ok && err.contains("no servers could be reached"), "{err}");
    // Plain +tls is kdig's opportunistic profile: encrypted, not authenticated.
    let (ok, out, err) = banyan(&["query", "@127.0.0.1", "-p", &dot_port, "www.example.", "+tls", "+short"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "192.0.2.53");
}

fn dead_hints(dir: &std::path::Path) -> std::path::PathBuf {
    let hints = dir.join("root.hints");
    // Nothing listens there: an answer can only come from the forwarder.
    std::fs::write(&hints, ". 3600000 NS a.root.\na.root. 3600000 A 127.0.0.254\n").unwrap();
    hints
}

#[test]
fn resolver_forwards_a_zone_over_udp_with_rd() {
    let dir = tempfile::tempdir().unwrap();
    let hints = dead_hints(dir.path());
    let answer = answer_with([192, 0, 2, 54]);
    let upstream =
        fake_server::FakeServer::start("127.0.0.1".parse().unwrap(), move |msg, _| vec![answer(msg.as_bytes())])
            .unwrap();
    let forward = format!("example.={}", upstream.addr);
    let mut resolver = Running::start_stderr_inherited(&[
        "resolver",
        "--listen",
        "127.0.0.1:0",
        "--no-validate",
        "--workers",
        "1",
        "--root-hints",
        hints.to_str().unwrap(),
        "--forward",
        &forward,
    ]);
    let port = listening_addr(&resolver.wait_stdout("resolver listening on"), "resolver listening on ")
        .port()
        .to_string();
    let (ok, out, err) = banyan(&[
        "query",
        "@127.0.0.1",
        "-p",
        &port,
        "www.example.",
        "+short",
        "+timeout=3",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "192.0.2.54");
    let queries = upstream.queries();
    assert!(
        !queries.is_empty() && queries.iter().all(|(_, h, _)| h.rd),
        "{queries:?}"
    );
    // Outside the forward zone the (dead) root is asked: SERVFAIL, the forwarder untouched.
    let (_, out, _) = banyan(&[
        "query",
        "@127.0.0.1",
        "-p",
        &port,
        "www.other.",
        "+timeout=5",
        "+tries=1",
    ]);
    assert!(out.contains("SERVFAIL"), "{out}");
    assert_eq!(upstream.queries().len(), queries.len());
    resolver.stop();
}

#[test]
fn resolver_forwards_over_dot_and_doh_from_the_config_file_one_connection_each() {
    let rt = runtime();
    let fake = rt.block_on(EncryptedFake::start("dns.test", answer_with([192, 0, 2, 55])));
    let dir = tempfile::tempdir().unwrap();
    let hints = dead_hints(dir.path());
    let config = dir.path().join("banyan.toml");
    std::fs::write(
        &config,
        format!(
            "[resolver]\nlisten = [\"127.0.0.1:0\"]\nvalidate = false\nworkers = 1\nroot_hints = {:?}\n\n\
             [[resolver.forward]]\nzone = \".\"\naddresses = [\"{}\"]\ntransport = \"tls\"\n\
             tls_name = \"dns.test\"\nca = {:?}\n\n\
             [[resolver.forward]]\nzone = \"doh.example.\"\naddresses = [\"{}\"]\ntransport = \"https\"\n\
             url = \"https://dns.test/dns-query\"\nca = {:?}\n",
            hints.display().to_string(),
            fake.dot,
            fake.cert_file.display().to_string(),
            fake.doh,
            fake.cert_file.display().to_string()
        ),
    )
    .unwrap();
    let mut server = Running::start_stderr_inherited(&["serve", "--config", config.to_str().unwrap()]);
    let port = listening_addr(&server.wait_stdout("resolver listening on"), "resolver listening on ")
        .port()
        .to_string();
    for name in ["a.example.", "b.example.", "c.example.net."] {
        let (ok, out, err) = banyan(&["query", "@127.0.0.1", "-p", &port, name, "+short", "+timeout=3"]);
        assert!(ok, "{err}");
        assert_eq!(out.trim(), "192.0.2.55", "{name}");
    }
    let asked = fake.seen.lock().unwrap().len();
    assert!(asked >= 3, "{asked}");
    assert!(fake.seen.lock().unwrap().iter().all(|q| q.len() % 128 == 0));
    // Three names, one TLS connection (RFC 7858 §3.4).
    assert_eq!(fake.connections.load(Ordering::SeqCst), 1);
    // Cached: asking again reaches nobody.
    let (_, out, _) = banyan(&["query", "@127.0.0.1", "-p", &port, "a.example.", "+short"]);
    assert_eq!(out.trim(), "192.0.2.55");
    assert_eq!(fake.seen.lock().unwrap().len(), asked);
    // The more specific zone goes over DoH (RFC 8484), on one HTTP/2 connection.
    for name in ["www.doh.example.", "ftp.doh.example."] {
        let (ok, out, err) = banyan(&["query", "@127.0.0.1", "-p", &port, name, "+short", "+timeout=3"]);
        assert!(ok, "{err}");
        assert_eq!(out.trim(), "192.0.2.55", "{name}");
    }
    assert_eq!(fake.seen.lock().unwrap().len(), asked + 2);
    assert_eq!(fake.connections.load(Ordering::SeqCst), 2);
    server.stop();
}
