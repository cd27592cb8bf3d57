//! End to end: `banyan serve` with a `[registry]` section on loopback, driven by
//! `banyan registry …` as two registrars would (EPP over TLS, RFC 5730-5734), then stopped
//! with SIGTERM by PID.

mod plain_tcp;
mod running;

use std::path::PathBuf;
use std::process::Command;

use plain_tcp::{http_get, whois};
use running::{listening_addr, Running};

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        TempDir::named("cli")
    }

    fn named(what: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("banyan-registry-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `banyan registry ARGS --server … --ca …` as `who` (password `secret-` + its last
/// letter); returns the exit code and stdout, stderr appended.
struct Epp {
    server: String,
    ca: String,
}

impl Epp {
    fn run(&self, who: &str, args: &[&str]) -> (i32, String) {
        let password = format!("secret-{}", &who[who.len() - 1..]);
        let mut all = vec!["registry"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--server", &self.server, "--ca", &self.ca, "--client-id", who]);
        let out = Command::new(env!("CARGO_BIN_EXE_banyan"))
            .args(&all)
            .env("BANYAN_EPP_PASSWORD", &password)
            .output()
            .expect("run banyan registry");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }

    #[track_caller]
    fn ok(&self, who: &str, args: &[&str], expect: &[&str]) -> String {
        let (code, out) = self.run(who, args);
        assert_eq!(code, 0, "{args:?}: {out}");
        for e in expect {
            assert!(out.contains(e), "{args:?}: {e:?} not in\n{out}");
        }
        out
    }
}

#[test]
fn serve_registry_and_drive_it_with_banyan_registry() {
    let dir = TempDir::new();
    let config = dir.0.join("banyan.toml");
    std::fs::write(
        &config,
        r#"data_dir = "data"

[registry]
tlds = ["test."]
epp = "127.0.0.1:0"

[[registry.registrar]]
id = "rar-a"
password = "secret-a"
balance = 100000

[[registry.registrar]]
id = "rar-b"
password = "secret-b"
balance = 100000

[registry.policy."test."]
add_grace = "0"
transfer_grace = "0"
"#,
    )
    .expect("write config");
    let mut server = Running::start_stderr_inherited(&["serve", "--config", config.to_str().expect("utf-8")]);
    let seen = server.wait_stdout("epp listening on");
    let ready = seen.last().cloned().unwrap_or_default();
    let cert = dir.0.join("data").join("epp-cert.pem");
    // The address bound, the port the kernel picked, and the certificate made.
    let port = listening_addr(&seen, "epp listening on ").port();
    assert!(
        port != 0
            && ready.contains(&format!("epp listening on 127.0.0.1:{port} (certificate "))
            && ready.contains("epp-cert.pem"),
        "{seen:?}"
    );
    assert!(seen.iter().any(|l| l.contains("registrar rar-a created")), "{seen:?}");
    let epp = Epp {
        server: format!("127.0.0.1:{port}"),
        ca: cert.to_str().expect("utf-8").to_string(),
    };

    // A name server, a contact, then the domain with DS data.
    epp.ok("rar-a", &["host", "create", "ns1.example.net"], &["1000 "]);
    epp.ok(
        "rar-a",
        &[
            "contact",
            "create",
            "jd1234",
            "--name",
            "John Doe",
            "--email",
            "jd@example.net",
        ],
        &["1000 ", "id:", "jd1234", "authInfo:"],
    );
    let ds = format!("12345 13 2 {}", "AB".repeat(32));
    epp.ok(
        "rar-a",
        &[
            "domain",
            "create",
            "example.test",
            "--ns",
            "ns1.example.net",
            "--years",
            "2",
            "--registrant",
            "jd1234",
            "--auth-info",
            "2fooBAR",
            "--ds",
            &ds,
        ],
        &[
            "1000 Command completed successfully",
            "name:        example.test",
            "expires:",
        ],
    );
    epp.ok(
        "rar-a",
        &["domain", "info", "example.test"],
        &[
            "ns:          ns1.example.net",
            "sponsor:     rar-a",
            "registrant:  jd1234",
            "ds:          12345 13 2 ABAB",
        ],
    );
    epp.ok(
        "rar-b",
        &["domain", "check", "example.test", "free.test"],
        &["example.test unavailable", "free.test available"],
    );

    // Refusals exit 1 with the EPP code printed.
    let (code, out) = epp.run("rar-b", &["domain", "create", "example.test", "--auth-info", "2fooBAR"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("2302 Object exists") && out.contains("value name: example.test"),
        "{out}"
    );
    let (code, out) = epp.run("rar-b", &["domain", "renew", "example.test"]);
    assert_eq!(code, 1, "renewing another's domain: {out}");

    // Renew reads the current expiry first.
    epp.ok(
        "rar-a",
        &["domain", "renew", "example.test", "--years", "1"],
        &["1000 ", "expires:"],
    );

    // Transfer to B: requested with the authInfo, seen in A's queue, approved by A.
    epp.ok(
        "rar-b",
        &[
            "domain",
            "transfer",
            "example.test",
            "--op",
            "request",
            "--auth-info",
            "2fooBAR",
        ],
        &["1001 ", "transfer:    pending"],
    );
    let out = epp.ok("rar-a", &["poll"], &["1301 ", "transfer:    pending", "message id:"]);
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("message id:"))
        .map(|s| s.trim().to_string())
        .expect("message id");
    epp.ok("rar-a", &["poll", "--ack", &id], &["1000 "]);
    epp.ok(
        "rar-a",
        &["domain", "transfer", "example.test", "--op", "approve"],
        &["1000 ", "transfer:    clientApproved"],
    );
    epp.ok("rar-b", &["domain", "info", "example.test"], &["sponsor:     rar-b"]);

    // Delete outside the add grace period: redemption (1001), then restore.
    epp.ok("rar-b", &["domain", "delete", "example.test"], &["1001 "]);
    epp.ok(
        "rar-b",
        &["domain", "info", "example.test"],
        &["pendingDelete", "rgp:         redemptionPeriod"],
    );
    epp.ok("rar-b", &["domain", "restore", "example.test"], &["1000 "]);

    // Login and usage failures.
    let out = Command::new(env!("CARGO_BIN_EXE_banyan"))
        .args([
            "registry",
            "poll",
            "--server",
            &epp.server,
            "--ca",
            &epp.ca,
            "--client-id",
            "rar-a",
        ])
        .args(["--password", "wrong-password"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2200"), "{out:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_banyan"))
        .args([
            "registry",
            "poll",
            "--server",
            &epp.server,
            "--client-id",
            "rar-a",
            "--password",
            "secret-a",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "no --ca: {out:?}");
    // Port 1 (tcpmux): privileged, and nothing listens there on a test machine.
    let closed = "127.0.0.1:1".to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_banyan"))
        .args([
            "registry",
            "poll",
            "--server",
            &closed,
            "--ca",
            &epp.ca,
            "--client-id",
            "rar-a",
        ])
        .args(["--password", "secret-a"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "nothing listening: {out:?}");

    assert_eq!(server.stop(), Some(0));
}

/// The registry publishes the TLD zone into the zone store, the authoritative server in the
/// same `banyan serve` serves it (a managed zone), a name registered over EPP is delegated
/// there within moments, and RDAP and WHOIS say who registered it.
#[test]
fn a_name_registered_over_epp_is_delegated_by_the_tld_and_published_in_rdap_and_whois() {
    let dir = TempDir::named("publish");
    std::fs::write(
        dir.0.join("test-apex.zone"),
        "$ORIGIN test.\n$TTL 3600\n@ SOA ns.nic hostmaster 1 1800 900 604800 300\n@ NS ns.nic\nns.nic A 127.0.0.1\n",
    )
    .expect("apex");
    let config = dir.0.join("banyan.toml");
    std::fs::write(
        &config,
        r#"data_dir = "data"

[registry]
tlds = ["test."]
epp = "127.0.0.1:0"
rdap = "127.0.0.1:0"
whois = "127.0.0.1:0"
apex = { "test." = "test-apex.zone" }

[[registry.registrar]]
id = "rar-a"
password = "secret-a"
balance = 100000

[auth]
listen = ["127.0.0.1:0"]
workers = 1

[[auth.zone]]
name = "test."
managed = true
"#,
    )
    .expect("write config");
    let mut server = Running::start_stderr_inherited(&["serve", "--config", config.to_str().expect("utf-8")]);
    let seen = server.wait_stdout("zone test. serial");
    assert!(seen.iter().any(|l| l.contains("zone test. published")), "{seen:?}");
    // The registry's listeners print before the authoritative server's.
    let rdap_at = listening_addr(&seen, "rdap listening on http://").to_string();
    let whois_at = listening_addr(&seen, "whois listening on ").to_string();
    let epp = Epp {
        server: listening_addr(&seen, "epp listening on ").to_string(),
        ca: dir
            .0
            .join("data")
            .join("epp-cert.pem")
            .to_str()
            .expect("utf-8")
            .to_string(),
    };
    epp.ok("rar-a", &["host", "create", "ns1.example.net"], &["1000 "]);
    epp.ok(
        "rar-a",
        &[
            "domain",
            "create",
            "shop.test",
            "--ns",
            "ns1.example.net",
            "--years",
            "1",
        ],
        &["1000 "],
    );

    // The TLD's server refers to the new domain's name server (bounded wait: the registry
    // publishes on the change, the server reads the store's serial every second).
    let dns = listening_addr(&seen, "listening on ").to_string();
    let ask = || {
        let out = Command::new(env!("CARGO_BIN_EXE_banyan"))
            .args(["query", &format!("@{dns}"), "shop.test", "NS"])
            .output()
            .expect("banyan query");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut answer = ask();
    while !answer.contains("ns1.example.net.") && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
        answer = ask();
    }
    assert!(
        answer.contains("shop.test.") && answer.contains("ns1.example.net."),
        "{answer}"
    );

    let rdap = http_get(&rdap_at, "/domain/shop.test");
    assert!(rdap.starts_with("HTTP/1.1 200"), "{rdap}");
    assert!(
        rdap.contains("application/rdap+json") && rdap.contains("\"ldhName\":\"shop.test\""),
        "{rdap}"
    );
    let missing = http_get(&rdap_at, "/domain/nothing.test");
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    let text = whois(&whois_at, "shop.test");
    assert!(text.to_ascii_lowercase().contains("domain name: shop.test"), "{text}");
    assert!(text.contains("rar-a"), "{text}");
    assert_eq!(server.stop(), Some(0));
}
