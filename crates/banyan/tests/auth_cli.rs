//! End to end: `banyan auth`, `banyan resolver` and `banyan serve` started as processes on
//! loopback, asked with `banyan query` (and `+trace`), reloaded with SIGHUP and stopped with
//! SIGTERM by PID.

mod running;

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use running::{listening_addr, Running};

fn zone_text(serial: u32, www: &str) -> String {
    format!(
        "$TTL 3600\n\
         @    IN SOA ns1 hostmaster {serial} 7200 3600 1209600 300\n\
         @    IN NS  ns1\n\
         ns1  IN A   192.0.2.53\n\
         www  IN A   {www}\n"
    )
}

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "banyan-auth-cli-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write file");
        path
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `banyan auth --zones ZONES --listen LISTEN --workers 1`, once it has printed its first
/// loaded zone: the process, the lines it printed, and the port it listens on (the kernel's
/// pick when LISTEN's port is 0).
fn start_auth(zones: &str, listen: &str) -> (Running, Vec<String>, u16) {
    let mut server = Running::start(&["auth", "--zones", zones, "--listen", listen, "--workers", "1"]);
    let out = server.wait_stdout("zone ");
    let port = listening_addr(&out, "listening on ").port();
    (server, out, port)
}

fn banyan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_banyan"))
        .args(args)
        .output()
        .expect("run banyan")
}

fn short(port: u16, name: &str, extra: &[&str]) -> String {
    let port = port.to_string();
    let mut args = vec!["query", "@127.0.0.1", "-p", &port, name, "A", "+short"];
    args.extend_from_slice(extra);
    let o = banyan(&args);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn auth_answers_reloads_on_sighup_and_stops_on_sigterm() {
    let dir = TempDir::new();
    dir.write("example.com.zone", &zone_text(1, "192.0.2.1"));
    dir.write(
        "broken.test.zone",
        "$TTL 3600\n@ IN SOA ns1 hostmaster 1 2 3 4 5\nwww IN A 300.1.1.1\n",
    );
    let (mut server, out, port) = start_auth(dir.path(), "127.0.0.1:0");
    // The first line gives the address bound, the port the kernel picked.
    assert!(out[0].starts_with("listening on 127.0.0.1:"), "{out:?}");
    assert_ne!(port, 0, "{out:?}");
    assert!(
        out.last().is_some_and(|l| l.starts_with("zone example.com.")),
        "{out:?}"
    );
    // The broken zone is reported with its file and left out; the good one is served.
    let err = server.wait_stderr("broken.test.zone");
    assert!(err.iter().any(|l| l.contains(":3:")), "line number expected: {err:?}");

    assert_eq!(short(port, "www.example.com", &[]), "192.0.2.1");
    assert_eq!(short(port, "www.example.com", &["+tcp"]), "192.0.2.1");

    dir.write("example.com.zone", &zone_text(2, "192.0.2.2"));
    server.signal("HUP");
    server.wait_stderr("reload: ");
    assert_eq!(short(port, "www.example.com", &[]), "192.0.2.2");

    assert_eq!(server.stop(), Some(0));
}

#[test]
fn auth_exits_2_when_no_zone_loads() {
    let dir = TempDir::new();
    let o = banyan(&["auth", "--zones", dir.path(), "--listen", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no zone loaded"));
}

#[test]
fn auth_exits_2_naming_an_address_it_cannot_bind() {
    let dir = TempDir::new();
    dir.write("example.com.zone", &zone_text(1, "192.0.2.1"));
    // Held without SO_REUSEPORT, so the server's sockets cannot join it.
    let taken = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let o = banyan(&["auth", "--zones", dir.path(), "--listen", &addr]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&addr), "{err}");
}

#[test]
fn serve_config_auth_section() {
    let dir = TempDir::new();
    std::fs::create_dir_all(dir.0.join("zones")).expect("mkdir");
    dir.write("zones/example.com.zone", &zone_text(1, "192.0.2.1"));
    let config = dir.write(
        "banyan.toml",
        "[auth]\nlisten = [\"127.0.0.1:0\"]\nworkers = 1\n\n\
         [[auth.zone]]\nname = \"example.com.\"\nfile = \"zones/example.com.zone\"\n",
    );
    let config = config.to_str().expect("utf-8");
    let mut server = Running::start(&["serve", "--config", config]);
    let port = listening_addr(&server.wait_stdout("zone example.com."), "listening on ").port();
    assert_eq!(short(port, "www.example.com", &[]), "192.0.2.1");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn serve_config_signs_a_zone_online() {
    let dir = TempDir::new();
    std::fs::create_dir_all(dir.0.join("zones")).expect("mkdir");
    let zone = dir.write("zones/example.com.zone", &zone_text(1, "192.0.2.1"));
    let keys = dir.0.join("keys");
    let keys = keys.to_str().expect("utf-8");
    let o = banyan(&[
        "key",
        "generate",
        "--algorithm",
        "ECDSAP256SHA256",
        "--zone",
        "example.com.",
        "--ksk",
        "--out",
        keys,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let config = dir.write(
        "banyan.toml",
        "[auth]\nlisten = [\"127.0.0.1:0\"]\nworkers = 1\n\n\
         [[auth.zone]]\nname = \"example.com.\"\nfile = \"zones/example.com.zone\"\n\
         dnssec = { keys = \"keys\", nsec3 = true }\n",
    );
    let mut server = Running::start(&["serve", "--config", config.to_str().expect("utf-8")]);
    let port = listening_addr(&server.wait_stdout("zone example.com."), "listening on ").port();
    // +short prints the RRSIG's data after the address: type covered, algorithm 13.
    let answer = short(port, "www.example.com", &["+dnssec"]);
    let lines: Vec<&str> = answer.lines().collect();
    assert_eq!(lines.len(), 2, "{answer}");
    assert_eq!(lines[0], "192.0.2.1");
    assert!(lines[1].starts_with("A 13 3 3600 "), "{answer}");
    assert_eq!(short(port, "www.example.com", &[]), "192.0.2.1", "no RRSIG without DO");

    std::fs::write(&zone, zone_text(2, "192.0.2.2") + "new IN A 192.0.2.9\n").expect("zone file");
    server.signal("HUP");
    server.wait_stderr("reload: ");
    let answer = short(port, "new.example.com", &["+dnssec"]);
    assert!(answer.starts_with("192.0.2.9\nA 13 3 3600 "), "{answer}");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn serve_bad_config_exits_2_naming_file_and_key() {
    let dir = TempDir::new();
    let config = dir.write("banyan.toml", "[auth]\nlisten = [\"127.0.0.1:5300\"]\nworkerz = 1\n");
    let config = config.to_str().expect("utf-8");
    let o = banyan(&["serve", "--config", config]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("banyan.toml") && err.contains("workerz"), "{err}");

    // A [web] section missing what it needs is named, not ignored.
    let config = dir.write("other.toml", "[web]\nlisten = \"127.0.0.1:8053\"\n");
    let o = banyan(&["serve", "--config", config.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("other.toml") && err.contains("name_servers"), "{err}");
}

#[test]
fn serve_resolver_section_and_query_trace_through_a_lab() {
    let dir = TempDir::new();
    let root_dir = TempDir::new();
    let child_dir = TempDir::new();
    root_dir.write(
        "root.zone",
        "$TTL 86400\n. SOA a.root-servers.net. x. 1 2 3 4 300\n. NS a.root-servers.net.\n\
         a.root-servers.net. A 127.0.81.1\ntest. NS ns.test.\nns.test. A 127.0.81.2\n",
    );
    child_dir.write(
        "test.zone",
        "$TTL 300\n@ SOA ns hostmaster 1 2 3 4 60\n@ NS ns\nns A 127.0.81.2\nwww A 192.0.2.80\n",
    );
    let hints = dir.write(
        "lab.hints",
        ". 3600000 NS a.root-servers.net.\na.root-servers.net. 3600000 A 127.0.81.1\n",
    );
    // The root's server picks the port; the child's, on an address of its own, takes the same
    // one, since the resolver asks every server on one port.
    let (root, _, port) = start_auth(root_dir.path(), "127.0.81.1:0");
    let (child, _, _) = start_auth(child_dir.path(), &format!("127.0.81.2:{port}"));
    let servers = [root, child];
    let config = dir.write(
        "banyan.toml",
        &format!(
            "[resolver]\nlisten = [\"127.0.0.1:0\"]\nroot_hints = \"lab.hints\"\n\
             upstream_port = {port}\ndefault_local_zones = false\nworkers = 1\nvalidate = false\n"
        ),
    );
    let mut resolver = Running::start(&["serve", "--config", config.to_str().expect("utf-8")]);
    let resolver_port = listening_addr(&resolver.wait_stdout("resolver listening on"), "resolver listening on ").port();
    assert_eq!(short(resolver_port, "www.test", &[]), "192.0.2.80");
    assert_eq!(short(resolver_port, "www.test", &["+tcp"]), "192.0.2.80");

    let port_text = port.to_string();
    let o = banyan(&[
        "query",
        "www.test",
        "+trace",
        "--root-hints",
        hints.to_str().expect("utf-8"),
        "--upstream-port",
        &port_text,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    for expected in [
        "priming",
        "referral",
        "zone cut test.",
        "www.test. 300 A 192.0.2.80",
        "cached for 5m0s",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    assert_eq!(resolver.stop(), Some(0));
    for s in servers {
        assert_eq!(s.stop(), Some(0));
    }
}

/// Issue 11's "reload on SIGHUP without dropping queries": a client keeps asking (one query
/// at a time, each with its own ID, a bounded number) while the zone file is rewritten and
/// the server reloads ten times; every query gets an answer, the old address or the new.
#[test]
fn auth_answers_every_query_through_reloads() {
    use banyan_wire::{Class, Header, Message, MessageBuilder, Name, RData, RecordType};
    let dir = TempDir::new();
    dir.write("example.com.zone", &zone_text(1, "192.0.2.1"));
    let (mut server, _, port) = start_auth(dir.path(), "127.0.0.1:0");

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let client = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
            socket
                .set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .expect("timeout");
            let name = Name::parse("www.example.com.", None).expect("name");
            let (mut asked, mut answered, mut seen) = (0u32, 0u32, std::collections::BTreeSet::new());
            let mut buf = vec![0u8; 1500];
            // Bounded: at most 20 000 queries, and no more once the reloads are done.
            while asked < 20_000 && !(stop.load(std::sync::atomic::Ordering::Relaxed) && asked >= 200) {
                let id = (asked % 65536) as u16;
                let mut query = Vec::new();
                let mut b = MessageBuilder::new(
                    &mut query,
                    Header {
                        id,
                        rd: false,
                        ..Header::default()
                    },
                );
                b.question(&name, RecordType::A, Class::IN).expect("question");
                b.finish();
                socket.send_to(&query, ("127.0.0.1", port)).expect("send");
                asked += 1;
                // A late reply to an earlier query (a stall on a loaded machine) is read
                // past, not taken for a lost answer to this one.
                let msg = loop {
                    let Ok(n) = socket.recv(&mut buf) else { break None };
                    match Message::parse(&buf[..n]) {
                        Ok(msg) if msg.header().id == id => break Some(msg),
                        _ => continue,
                    }
                };
                let Some(msg) = msg else { continue };
                for r in msg.answers() {
                    if let Ok(RData::A(a)) = r.rdata() {
                        seen.insert(a.0.to_string());
                        answered += 1;
                    }
                }
            }
            (asked, answered, seen)
        })
    };
    for i in 0..10u32 {
        dir.write("example.com.zone", &zone_text(2 + i, &format!("192.0.2.{}", 2 + i % 2)));
        server.signal("HUP");
        server.wait_stderr("reload: ");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (asked, answered, seen) = client.join().expect("client");
    assert_eq!(
        answered, asked,
        "every query answered through 10 reloads ({asked} asked)"
    );
    assert!(seen.len() >= 2, "the reloads changed the answer: {seen:?}");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn auth_and_resolver_serve_dot_and_doh_with_the_certificate_given() {
    let dir = TempDir::new();
    dir.write("example.com.zone", &zone_text(1, "192.0.2.1"));
    let made = banyan_registry::epp::tls::self_signed(&["localhost"]).expect("certificate");
    let cert = dir.write("cert.pem", &made.cert_pem);
    let key = dir.write("key.pem", &made.key_pem);
    let (cert, key) = (cert.to_str().expect("utf-8"), key.to_str().expect("utf-8"));
    let listen = "127.0.0.1:0";
    let tls = [
        "--tls",
        "127.0.0.1:0",
        "--https",
        "127.0.0.1:0",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
    ];
    let mut args = vec!["auth", "--zones", dir.path(), "--listen", listen, "--workers", "1"];
    args.extend_from_slice(&tls);
    let mut server = Running::start(&args);
    let out = server.wait_stdout("doh listening on https://127.0.0.1:");
    let port_of = |prefix: &str| -> u16 {
        out.iter()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|rest| rest.trim_end_matches("/dns-query").parse().ok())
            .unwrap_or_else(|| panic!("{prefix} in {out:?}"))
    };
    let listen_port = listening_addr(&out, "listening on ").port();
    assert_ne!(port_of("dot listening on 127.0.0.1:"), 0);
    assert_ne!(port_of("doh listening on https://127.0.0.1:"), 0);
    assert_eq!(short(listen_port, "www.example.com", &[]), "192.0.2.1");
    assert_eq!(server.stop(), Some(0));

    let mut args = vec!["resolver", "--listen", "127.0.0.1:0", "--workers", "1"];
    args.extend_from_slice(&tls);
    let mut resolver = Running::start(&args);
    let out = resolver.wait_stdout("resolver doh listening on https://127.0.0.1:");
    let resolver_port = listening_addr(&out, "resolver listening on ").port();
    assert!(
        out.iter()
            .any(|l| l.starts_with("resolver dot listening on 127.0.0.1:")),
        "{out:?}"
    );
    // Answered (a special-use name, locally): the resolver is past its start and stops cleanly.
    assert_eq!(short(resolver_port, "localhost", &[]), "127.0.0.1");
    assert_eq!(resolver.stop(), Some(0));

    // A listener without its certificate, or a file that holds none, is a usage error.
    let o = banyan(&[
        "auth",
        "--zones",
        dir.path(),
        "--listen",
        listen,
        "--tls",
        "127.0.0.1:0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--tls-cert"), "{o:?}");
    let zone = dir.0.join("example.com.zone");
    let o = banyan(&[
        "resolver",
        "--listen",
        "127.0.0.1:0",
        "--https",
        "127.0.0.1:0",
        "--tls-cert",
        zone.to_str().expect("utf-8"),
        "--tls-key",
        key,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("example.com.zone"), "{o:?}");
}
