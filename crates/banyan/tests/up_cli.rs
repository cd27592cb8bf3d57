//! End to end: `banyan up` started as a process on an ephemeral port (`--port 0`, `--resolver
//! 127.0.0.1:0`), its map read from `--map-json`, every name of the default world resolved
//! cold and then warm through its resolver with `banyan query`, a small world of files edited
//! while it runs, and the process stopped with SIGTERM by PID. Every wait is bounded.

mod plain_tcp;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// Longest wait for a line of output. The world starts in well under a second, but the first
/// lines come only after `banyan up` has waited (up to its own 10 s) for the secondaries'
/// first transfers, and a loaded 2-core CI machine runs a debug build: the bound only ends a
/// test that would otherwise hang, so it is generous.
const WAIT: Duration = Duration::from_secs(60);

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "banyan-up-cli-{}-{}",
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
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `banyan up` running; its stdout read by a thread so every wait can have a deadline.
/// Killed by PID if the test ends without stopping it.
struct Up {
    child: Child,
    lines: Receiver<String>,
    stderr: Receiver<String>,
}

fn reader<R: std::io::Read + Send + 'static>(r: R) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Up {
    fn start(args: &[&str]) -> Up {
        let mut child = Command::new(env!("CARGO_BIN_EXE_banyan"))
            .arg("up")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start banyan up");
        let lines = reader(child.stdout.take().expect("stdout"));
        let stderr = reader(child.stderr.take().expect("stderr"));
        Up { child, lines, stderr }
    }

    /// Reads stdout up to the line containing `what`, waiting at most [`WAIT`].
    fn wait_line(&self, what: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(what) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        let err: Vec<String> = self.stderr.try_iter().collect();
        panic!("no {what:?} on stdout within {WAIT:?}; saw {seen:?}; stderr {err:?}");
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// SIGUSR1, then the stats line it prints.
    fn stats(&self) -> Stats {
        self.signal("USR1");
        Stats::parse(&self.wait_line("resolver stats:"))
    }

    /// SIGTERM; the stats line printed on the way out, and the exit code.
    fn stop(mut self) -> (Stats, Option<i32>) {
        self.signal("TERM");
        let stats = Stats::parse(&self.wait_line("resolver stats:"));
        self.wait_line("stopped");
        let code = self.child.wait().expect("wait").code();
        (stats, code)
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `resolver stats: resolutions N, cache hits N, upstream queries N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stats {
    resolutions: u64,
    cache_hits: u64,
    upstream_queries: u64,
}

impl Stats {
    fn parse(line: &str) -> Stats {
        let field = |key: &str| -> u64 {
            let rest = line.split(key).nth(1).unwrap_or_else(|| panic!("{key} in {line:?}"));
            let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
            digits.parse().unwrap_or_else(|_| panic!("{key} in {line:?}"))
        };
        Stats {
            resolutions: field("resolutions"),
            cache_hits: field("cache hits"),
            upstream_queries: field("upstream queries"),
        }
    }
}

fn read_map(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("map JSON written before the map is printed");
    serde_json::from_str(&text).expect("map JSON parses")
}

fn banyan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_banyan"))
        .args(args)
        .output()
        .expect("run banyan")
}

/// `banyan query @ADDR -p PORT NAME TYPE +short [extra]`, one line per record, sorted.
fn short(addr: &str, port: u16, name: &str, rtype: &str, extra: &[&str]) -> Vec<String> {
    let port = port.to_string();
    let mut args = vec!["query", addr, "-p", &port, name, rtype, "+short", "+timeout=3"];
    args.extend_from_slice(extra);
    let o = banyan(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{name} {rtype}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut lines: Vec<String> = String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// Every name of the default world with its expected answer (`+short`, sorted).
const DEFAULT_WORLD_ANSWERS: &[(&str, &str, &[&str])] = &[
    ("www.example.com", "A", &["93.184.216.34", "example.com."]),
    ("example.com", "A", &["93.184.216.34"]),
    ("example.com", "MX", &["10 mail.example.com."]),
    ("mail.example.com", "A", &["93.184.216.35"]),
    ("example.com", "NS", &["ns1.exampledns.com.", "ns2.exampledns.com."]),
    ("ns1.exampledns.com", "A", &["127.53.10.1"]),
    ("freecodecamp.com", "A", &["192.0.2.40"]),
    ("framer.com", "A", &["192.0.2.50"]),
    ("www.framer.com", "A", &["192.0.2.51"]),
    ("github.com", "A", &["192.0.2.30"]),
    ("dans.garden", "A", &["198.51.100.60"]),
    ("wikipedia.org", "A", &["198.51.100.70"]),
    ("en.wikipedia.org", "A", &["198.51.100.71"]),
    ("bbc.co.uk", "A", &["203.0.113.80"]),
    ("www.bbc.co.uk", "A", &["203.0.113.81"]),
    ("dev", "NS", &["ns1.nic.dev.", "ns2.nic.dev."]),
    ("co.uk", "NS", &["nsa.nic.uk.", "nsb.nic.uk."]),
    ("a.root-servers.net", "A", &["127.53.0.1"]),
    ("cdn.example.com", "A", &["93.184.216.40"]),
];

#[test]
fn up_default_world_resolves_cold_then_warm_without_upstream_queries() {
    let dir = TempDir::new();
    let map_path = dir.0.join("map.json");
    let map_arg = map_path.to_str().expect("utf-8");
    let up = Up::start(&["--port", "0", "--resolver", "127.0.0.1:0", "--map-json", map_arg]);
    let header = up.wait_line("Banyan's miniature internet");
    assert!(header.contains("(default world): 23 servers, 17 zones"), "{header}");
    up.wait_line("ready:");

    let map = read_map(&map_path);
    let port = map["port"].as_u64().expect("port") as u16;
    assert_ne!(port, 0);
    let servers = map["servers"].as_array().expect("servers");
    assert_eq!(servers.len(), 23);
    for s in servers {
        assert!(s["address"].as_str().is_some_and(|a| a.starts_with("127.53.")), "{s}");
        assert_eq!(s["port"].as_u64(), Some(u64::from(port)));
    }
    assert_eq!(map["zones"].as_array().map(Vec::len), Some(17));
    assert_eq!(map["root_hints"].as_array().map(Vec::len), Some(3));
    let resolver_port = map["resolver"]["port"].as_u64().expect("resolver port") as u16;
    let resolver = format!("@{}", map["resolver"]["address"].as_str().expect("resolver address"));

    for (name, rtype, want) in DEFAULT_WORLD_ANSWERS {
        assert_eq!(
            short(&resolver, resolver_port, name, rtype, &[]),
            *want,
            "cold {name} {rtype}"
        );
    }
    let cold = up.stats();
    assert!(cold.upstream_queries > 0, "{cold:?}");
    assert_eq!(cold.resolutions, DEFAULT_WORLD_ANSWERS.len() as u64, "{cold:?}");

    for (name, rtype, want) in DEFAULT_WORLD_ANSWERS {
        assert_eq!(
            short(&resolver, resolver_port, name, rtype, &[]),
            *want,
            "warm {name} {rtype}"
        );
    }

    let warm = up.stats();

    // The world is signed from the root down and the resolver validates: AD on an answer
    // and on a denial (issue 7).
    assert_eq!(map["dnssec"].as_bool(), Some(true));
    for name in ["www.example.com", "nothere.example.com"] {
        let o = banyan(&["query", &resolver, "-p", &resolver_port.to_string(), name, "+dnssec"]);
        let out = String::from_utf8_lossy(&o.stdout);
        let flags = out.lines().find(|l| l.contains(";; flags:")).unwrap_or_default();
        assert!(flags.contains(" ad"), "{name}: {flags}\n{out}");
    }

    // Views: cdn.example.com answers a client in 127.0.99.0/24 (here by ECS) with another
    // address, signed like the rest of the zone; `+why` says why.
    let views = map["views"].as_array().expect("views");
    assert_eq!(views.len(), 1);
    assert_eq!(views[0]["names"][0].as_str(), Some("cdn.example.com."));
    let ns1 = "@127.53.10.1";
    assert_eq!(short(ns1, port, "cdn.example.com", "A", &[]), ["93.184.216.40"]);
    let lab99 = short(ns1, port, "cdn.example.com", "A", &["+subnet=127.0.99.0/24", "+dnssec"]);
    assert_eq!(lab99.len(), 2, "{lab99:?}");
    assert_eq!(lab99[0], "93.184.216.99");
    assert!(lab99[1].starts_with("A 13 3 300 "), "its RRSIG: {lab99:?}");
    let o = banyan(&[
        "query",
        ns1,
        "-p",
        &port.to_string(),
        "cdn.example.com",
        "+subnet=127.0.99.0/24",
        "+why",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("CLIENT-SUBNET: 127.0.99.0/24/24"), "{out}");
    assert!(
        out.contains(";; WHY: view \"lab-99\": ECS 127.0.99.0/24 in 127.0.99.0/24"),
        "{out}"
    );
    let o = banyan(&["query", ns1, "-p", &port.to_string(), "cdn.example.com", "+why"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(";; WHY: default: no view matched client 127.0.0.1"),
        "{out}"
    );

    // The trace command the map prints works against the world's root and validates.
    let hints = map["root_hints_file"].as_str().expect("root hints file");
    let anchor = map["trust_anchor_file"].as_str().expect("trust anchor file");
    let o = banyan(&[
        "query",
        "www.example.com",
        "+trace",
        "--root-hints",
        hints,
        "--upstream-port",
        &port.to_string(),
        "+dnssec",
        "--trust-anchor",
        anchor,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let trace = String::from_utf8_lossy(&o.stdout);
    for expected in [
        "zone cut com.: NS a.gtld-servers.net. b.gtld-servers.net.",
        "name server ns1.exampledns.com. came without glue",
        "example.com. 300 A 93.184.216.34",
        "fetching com. DNSKEY",
        "DNSSEC: Secure",
    ] {
        assert!(trace.contains(expected), "{expected:?} missing from:\n{trace}");
    }

    let run_dir = PathBuf::from(map["run_dir"].as_str().expect("run dir"));
    assert!(run_dir.join("root.hints").is_file());
    let (_, code) = up.stop();
    assert_eq!(code, Some(0));
    // The second round was answered from the cache: no upstream query, no new resolution.
    assert_eq!(warm.upstream_queries, cold.upstream_queries, "{cold:?} → {warm:?}");
    assert_eq!(warm.resolutions, cold.resolutions, "{cold:?} → {warm:?}");
    assert_eq!(
        warm.cache_hits - cold.cache_hits,
        DEFAULT_WORLD_ANSWERS.len() as u64,
        "{cold:?} → {warm:?}"
    );
    assert!(!run_dir.exists(), "{} left behind", run_dir.display());
}

fn shop_zone(serial: u32, www: &str) -> String {
    format!(
        "$TTL 300\n\
         @    IN SOA ns1 hostmaster {serial} 7200 3600 1209600 60\n\
         @    IN NS  ns1\n\
         ns1  IN A   127.53.200.3\n\
         www  IN A   {www}\n"
    )
}

const SMALL_WORLD: &str = r#"
[[server]]
name = "a.root-servers.lab."
address = "127.53.200.1"
zones = ["."]

[[server]]
name = "ns.nic.lab."
address = "127.53.200.2"
zones = ["lab."]

[[server]]
name = "ns1.shop.lab."
address = "127.53.200.3"
zones = ["shop.lab."]

[[zone]]
name = "."
records = []

[[zone]]
name = "lab."
records = []

[[zone]]
name = "shop.lab."
file = "shop.lab.zone"
"#;

#[test]
fn up_small_world_from_a_zone_file_reloads_the_edited_zone() {
    let dir = TempDir::new();
    let zone_file = dir.write("shop.lab.zone", &shop_zone(1, "192.0.2.1"));
    let world = dir.write("world.toml", SMALL_WORLD);
    let map_path = dir.0.join("map.json");
    let up = Up::start(&[
        "--world",
        world.to_str().expect("utf-8"),
        "--port",
        "0",
        "--resolver",
        "127.0.0.1:0",
        "--map-json",
        map_path.to_str().expect("utf-8"),
    ]);
    let header = up.wait_line("Banyan's miniature internet");
    assert!(header.contains("3 servers, 3 zones"), "{header}");
    let files = up.wait_line("zone files:");
    assert!(files.contains("shop.lab.zone"), "{files}");
    up.wait_line("ready:");
    let map = read_map(&map_path);
    let port = map["port"].as_u64().expect("port") as u16;
    let resolver_port = map["resolver"]["port"].as_u64().expect("resolver port") as u16;

    assert_eq!(
        short("@127.0.0.1", resolver_port, "www.shop.lab", "A", &[]),
        ["192.0.2.1"]
    );

    // A different length, so the change shows even within one mtime tick.
    std::fs::write(&zone_file, shop_zone(2, "192.0.2.199")).expect("edit zone");
    up.wait_line("reload: ns1.shop.lab. read its zone files again");
    assert_eq!(
        short("@127.53.200.3", port, "www.shop.lab", "A", &["+norec"]),
        ["192.0.2.199"]
    );
    // The resolver keeps its cached answer until the old TTL (300 s) runs out.
    assert_eq!(
        short("@127.0.0.1", resolver_port, "www.shop.lab", "A", &[]),
        ["192.0.2.1"]
    );

    let (_, code) = up.stop();
    assert_eq!(code, Some(0));
}

#[test]
fn up_bad_world_exits_2_naming_the_file_and_record() {
    let dir = TempDir::new();
    let world = dir.write(
        "bad.toml",
        "[[server]]\nname = \"a.root.\"\naddress = \"127.53.201.1\"\nzones = [\".\"]\n\
         [[zone]]\nname = \".\"\nrecords = [\"www A 192.0.2.1\", \"mail A 300.1.1.1\"]\n",
    );
    let o = banyan(&["up", "--world", world.to_str().expect("utf-8"), "--port", "0"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml [zone .] records:2:"), "{err}");

    let world = dir.write("unknown.toml", "[[server]]\nname = \"a.\"\nadress = \"127.53.0.1\"\n");
    let o = banyan(&["up", "--world", world.to_str().expect("utf-8"), "--port", "0"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown.toml") && err.contains("adress"), "{err}");
}

/// A world with a registry TLD served by two servers: `lab.`'s registry publishes into
/// ns.nic.lab's store, ns2.nic.lab is its secondary.
const REGISTRY_WORLD: &str = r#"
[[server]]
name = "a.root-servers.lab."
address = "127.53.202.1"
zones = ["."]

[[server]]
name = "ns.nic.lab."
address = "127.53.202.2"
zones = ["lab."]

[[server]]
name = "ns2.nic.lab."
address = "127.53.202.3"
zones = ["lab."]

[[server]]
name = "ns1.shop.lab."
address = "127.53.202.4"
zones = ["shop.lab."]

[[zone]]
name = "."
records = []

[[zone]]
name = "lab."
records = []

[[zone]]
name = "shop.lab."
records = ["www A 192.0.2.1"]
"#;

/// `banyan auth` serving one zone directory on one address, stopped by PID when dropped.
struct Auth(Child);

impl Auth {
    fn start(zones: &Path, listen: &str) -> Auth {
        let mut child = Command::new(env!("CARGO_BIN_EXE_banyan"))
            .args([
                "auth",
                "--zones",
                zones.to_str().expect("utf-8"),
                "--listen",
                listen,
                "--workers",
                "1",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start banyan auth");
        let lines = reader(child.stdout.take().expect("stdout"));
        let ready = lines.recv_timeout(WAIT).expect("banyan auth says where it listens");
        assert!(ready.starts_with("listening on"), "{ready}");
        Auth(child)
    }
}

impl Drop for Auth {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Asks `server` (without recursion) for `name` NS until the answer, a referral, names
/// `target` in its authority section, for at most [`WAIT`]; whether it did.
fn referral_until(server: &str, port: u16, name: &str, target: &str) -> bool {
    let deadline = Instant::now() + WAIT;
    let port = port.to_string();
    loop {
        let o = banyan(&["query", server, "-p", &port, name, "NS", "+norec", "+timeout=3"]);
        let out = String::from_utf8_lossy(&o.stdout);
        let authority = out.split(";; AUTHORITY SECTION:").nth(1).unwrap_or_default();
        if authority.lines().any(|l| l.contains("\tNS\t") && l.ends_with(target)) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Issue 9 in `up`: the TLD has a registry; the world's domains are registered in it (RDAP,
/// WHOIS, EPP say so); a name registered over EPP with the `banyan registry` client is
/// published into the TLD zone, reaches the secondary by NOTIFY and IXFR, and resolves
/// through the world's resolver.
#[test]
fn up_registry_registers_a_new_name_that_then_resolves() {
    let dir = TempDir::new();
    let world = dir.write("world.toml", REGISTRY_WORLD);
    let map_path = dir.0.join("map.json");
    let up = Up::start(&[
        "--world",
        world.to_str().expect("utf-8"),
        "--port",
        "0",
        "--resolver",
        "127.0.0.1:0",
        "--map-json",
        map_path.to_str().expect("utf-8"),
    ]);
    up.wait_line("ready:");
    let map = read_map(&map_path);
    let port = map["port"].as_u64().expect("port") as u16;
    let resolver_port = map["resolver"]["port"].as_u64().expect("resolver port") as u16;
    let registries = map["registries"].as_array().expect("registries");
    assert_eq!(registries.len(), 1, "{map}");
    let lab = &registries[0];
    assert_eq!(lab["tld"], "lab.");
    let epp = lab["epp"].as_str().expect("epp");
    assert!(
        epp.starts_with("127.53.200.1:"),
        "the first free registry address: {epp}"
    );
    let ca = lab["epp_certificate"].as_str().expect("certificate");
    let rdap = lab["rdap"].as_str().expect("rdap");
    let rdap = rdap.trim_start_matches("http://").trim_end_matches('/');
    let whois = lab["whois"].as_str().expect("whois");
    let id = map["registrar"]["id"].as_str().expect("registrar id");
    let password = map["registrar"]["password"].as_str().expect("registrar password");
    let zone = map["zones"]
        .as_array()
        .and_then(|z| z.iter().find(|z| z["name"] == "lab."))
        .expect("lab. in the map");
    assert_eq!(zone["registry"], true);

    // The world's domain is registered: RDAP and WHOIS know it, EPP shows it to the demo
    // registrar with the world's name server.
    let answer = plain_tcp::http_get(rdap, "/domain/shop.lab");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"eventAction\":\"registration\""), "{answer}");
    assert!(answer.contains("ns1.shop.lab"), "{answer}");
    let answer = plain_tcp::whois(whois, "shop.lab");
    assert!(answer.contains("Domain Name: SHOP.LAB"), "{answer}");
    let epp_args = [
        "registry",
        "--server",
        epp,
        "--ca",
        ca,
        "--client-id",
        id,
        "--password",
        password,
    ];
    let run = |args: &[&str]| -> String {
        let o = banyan(&[&epp_args[..], args].concat());
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        out
    };
    let info = run(&["domain", "info", "shop.lab"]);
    assert!(info.contains("ns:          ns1.shop.lab"), "{info}");
    assert!(
        info.contains("ds:"),
        "a signed world's DS data is the registry's: {info}"
    );

    // A new name, its zone on a server of its own (started first, so the registry's
    // delegation check finds it authoritative).
    let zones = dir.0.join("newsite");
    std::fs::create_dir_all(&zones).expect("zone dir");
    std::fs::write(
        zones.join("newsite.lab.zone"),
        "$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 127.53.202.9\nwww A 192.0.2.99\n",
    )
    .expect("zone file");
    let _auth = Auth::start(&zones, &format!("127.53.202.9:{port}"));
    run(&["domain", "create", "newsite.lab"]);
    run(&["host", "create", "ns1.newsite.lab", "--addr", "127.53.202.9"]);
    let update = run(&["domain", "update", "newsite.lab", "--add-ns", "ns1.newsite.lab"]);
    assert!(
        !update.contains("delegation check"),
        "the delegation is sound: {update}"
    );
    up.wait_line("zone lab. published: serial");

    // Both of lab.'s servers delegate it: the primary from the store, the secondary after
    // NOTIFY and IXFR.
    for server in ["@127.53.202.2", "@127.53.202.3"] {
        assert!(
            referral_until(server, port, "newsite.lab", "ns1.newsite.lab."),
            "{server} delegates newsite.lab"
        );
    }
    assert_eq!(
        short("@127.0.0.1", resolver_port, "www.newsite.lab", "A", &[]),
        ["192.0.2.99"]
    );
    let answer = plain_tcp::http_get(rdap, "/domain/newsite.lab");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let (_, code) = up.stop();
    assert_eq!(code, Some(0));
}

/// Issue 10 in `up`: the dashboard is the registrar of the world's TLDs; the demo account
/// on the map registers `newsite.com` through its API and adds `www`; the name is delegated
/// to the world's hosted servers (ns1/ns2.exampledns.com), which serve the new zone from the
/// hosting store, and the world's resolver answers the new address.
#[test]
fn up_dashboard_registers_a_name_whose_records_resolve() {
    let dir = TempDir::new();
    let map_path = dir.0.join("map.json");
    let up = Up::start(&[
        "--port",
        "0",
        "--resolver",
        "127.0.0.1:0",
        "--web",
        "127.0.0.1:0",
        "--map-json",
        map_path.to_str().expect("utf-8"),
    ]);
    let line = up.wait_line("dashboard: http://");
    assert!(line.contains("demo account demo@example.com"), "{line}");
    up.wait_line("ready:");
    let map = read_map(&map_path);
    let port = map["port"].as_u64().expect("port") as u16;
    let resolver_port = map["resolver"]["port"].as_u64().expect("resolver port") as u16;
    let web = map["dashboard"]["address"].as_str().expect("dashboard address");
    let email = map["dashboard"]["account"]["email"].as_str().expect("email");
    let password = map["dashboard"]["account"]["password"].as_str().expect("password");
    let hosted: Vec<&str> = map["servers"]
        .as_array()
        .expect("servers")
        .iter()
        .filter(|s| s["hosted"] == true)
        .map(|s| s["address"].as_str().expect("address"))
        .collect();
    assert_eq!(hosted, ["127.53.10.1", "127.53.10.2"]);

    let login = format!("{{\"email\":\"{email}\",\"password\":\"{password}\"}}");
    let (status, body) = plain_tcp::http_json(web, "POST", "/api/login", None, &login);
    assert_eq!(status, 201, "a token is created: {body}");
    let token: serde_json::Value = serde_json::from_str(&body).expect("token JSON");
    let token = token["token"].as_str().expect("token");
    let (status, body) = plain_tcp::http_json(web, "GET", "/api/search?q=newsite", Some(token), "");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"name\":\"newsite.com\"") && body.contains("\"available\":true"),
        "{body}"
    );
    let (status, body) = plain_tcp::http_json(web, "POST", "/api/domains", Some(token), r#"{"name":"newsite.com"}"#);
    assert!(status == 200 || status == 201, "{status} {body}");
    up.wait_line("zone com. published: serial");
    // Both com servers delegate it (the secondary after NOTIFY and IXFR) before the resolver
    // is asked: one that had not yet would make it cache "no such name".
    for server in ["@127.53.1.1", "@127.53.1.2"] {
        assert!(
            referral_until(server, port, "newsite.com", "ns1.exampledns.com."),
            "{server} delegates newsite.com"
        );
    }
    let record = r#"{"name":"www","type":"A","ttl":"300","value":"192.0.2.123"}"#;
    let (status, body) = plain_tcp::http_json(web, "POST", "/api/domains/newsite.com/records", Some(token), record);
    assert!(status == 200 || status == 201, "{status} {body}");

    // Both hosted servers serve the new record before anyone asks the resolver (which would
    // otherwise cache "no such name" from the one that has not looked at the store yet).
    for server in &hosted {
        let deadline = Instant::now() + WAIT;
        loop {
            let answer = short(&format!("@{server}"), port, "www.newsite.com", "A", &["+norec"]);
            if answer == ["192.0.2.123"] {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{server} never served www.newsite.com: {answer:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    assert_eq!(
        short("@127.0.0.1", resolver_port, "www.newsite.com", "A", &[]),
        ["192.0.2.123"]
    );

    // The propagation panel's data: both hosted servers on the latest serial.
    let (status, body) = plain_tcp::http_json(web, "GET", "/api/domains/newsite.com/propagation", Some(token), "");
    assert_eq!(status, 200, "{body}");
    let panel: serde_json::Value = serde_json::from_str(&body).expect("propagation JSON");
    let servers = panel["servers"].as_array().expect("servers");
    assert_eq!(servers.len(), 2, "{body}");
    assert!(servers.iter().all(|s| s["up_to_date"] == true), "{body}");
    // The lookup page's trace: root, then com, then the hosted server, then the resolver.
    let (status, body) = plain_tcp::http_json(web, "GET", "/api/lookup?name=www.newsite.com&type=A", None, "");
    assert_eq!(status, 200, "{body}");
    let lookup: serde_json::Value = serde_json::from_str(&body).expect("lookup JSON");
    let zones: Vec<&str> = lookup["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["zone"].as_str())
        .collect();
    assert!(
        zones.first() == Some(&".") && zones.contains(&"com.") && zones.contains(&"newsite.com."),
        "{zones:?}"
    );
    assert!(body.contains("192.0.2.123"), "{body}");
    let (_, code) = up.stop();
    assert_eq!(code, Some(0));
}

/// A DNS query for `name` A with EDNS, as DoT and DoH carry it.
fn a_query(name: &str) -> Vec<u8> {
    use banyan_wire::{edns::Edns, Class, Header, MessageBuilder, Name, RecordType};
    let mut buf = Vec::new();
    let header = Header {
        rd: true,
        ..Header::default()
    };
    let mut b = MessageBuilder::new(&mut buf, header);
    b.question(&Name::parse(name, None).expect("name"), RecordType::A, Class::IN)
        .expect("question");
    b.edns(&Edns::default()).expect("edns");
    b.finish();
    buf
}

/// The A addresses of a reply's answer section, sorted.
fn a_answers(reply: &[u8]) -> Vec<String> {
    let m = banyan_wire::Message::parse(reply).expect("reply parses");
    let mut v: Vec<String> = m
        .answers()
        .filter(|r| r.rtype == banyan_wire::RecordType::A)
        .map(|r| r.rdata().expect("rdata").to_string())
        .collect();
    v.sort();
    v
}

/// A TLS connection to `addr` trusting only the certificate in the PEM file `cert`,
/// offering `alpn`; the exchange `talk` runs over it.
fn over_tls<T>(
    addr: &str,
    cert: &Path,
    alpn: &[u8],
    talk: impl AsyncFnOnce(&mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>) -> T,
) -> T {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(cert).expect("certificate file") {
        roots.add(c.expect("certificate")).expect("trust it");
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let name = ServerName::try_from("localhost").expect("name");
        let mut tls = tokio::time::timeout(WAIT, connector.connect(name, tcp))
            .await
            .expect("handshake in time")
            .expect("handshake with the map's certificate");
        tokio::time::timeout(WAIT, talk(&mut tls))
            .await
            .expect("exchange in time")
    })
}

/// base64url without padding (RFC 4648 §5), for a DoH GET.
fn base64url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// One HTTP/1.1 request over DoH, `Connection: close`; the status line and the body.
fn doh_http1(addr: &str, cert: &Path, request: Vec<u8>) -> (String, Vec<u8>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let reply = over_tls(addr, cert, b"http/1.1", async |tls| {
        tls.write_all(&request).await.expect("send");
        tls.flush().await.expect("flush");
        let mut reply = Vec::new();
        // The server closes after the reply (`Connection: close`); some close without
        // close_notify, which reads as an error after the data.
        let _ = tls.read_to_end(&mut reply).await;
        reply
    });
    let split = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header and a body");
    let head = String::from_utf8_lossy(&reply[..split]).to_string();
    (head, reply[split + 4..].to_vec())
}

#[test]
fn up_resolver_answers_over_dot_and_doh_and_serves_metrics() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let dir = TempDir::new();
    let map_path = dir.0.join("map.json");
    let up = Up::start(&[
        "--port",
        "0",
        "--resolver",
        "127.0.0.1:0",
        "--map-json",
        map_path.to_str().expect("utf-8"),
    ]);
    let line = up.wait_line("DoT ");
    assert!(
        line.contains("DoH https://127.0.0.1:") && line.contains("resolver-cert.pem"),
        "{line}"
    );
    up.wait_line("metrics: http://");
    up.wait_line("ready:");
    let map = read_map(&map_path);
    let resolver = &map["resolver"];
    let dot = resolver["dot"][0].as_str().expect("a DoT address").to_string();
    let doh_url = resolver["doh"][0].as_str().expect("a DoH URL");
    let doh = doh_url
        .strip_prefix("https://")
        .and_then(|u| u.strip_suffix("/dns-query"))
        .expect("https://ADDR/dns-query")
        .to_string();
    let cert = PathBuf::from(resolver["tls_certificate"].as_str().expect("certificate path"));
    assert!(std::fs::read_to_string(&cert)
        .expect("certificate file")
        .starts_with("-----BEGIN CERTIFICATE-----"));
    let metrics = map["metrics"].as_str().expect("metrics URL");
    let metrics = metrics
        .strip_prefix("http://")
        .and_then(|u| u.strip_suffix("/metrics"))
        .expect("http://ADDR/metrics")
        .to_string();

    // DoT: two queries on one connection, both answered.
    let query = a_query("www.example.com.");
    let replies = over_tls(&dot, &cert, b"dot", async |tls| {
        for _ in 0..2 {
            tls.write_all(&(query.len() as u16).to_be_bytes()).await.expect("send");
            tls.write_all(&query).await.expect("send");
        }
        tls.flush().await.expect("flush");
        let mut replies = Vec::new();
        for _ in 0..2 {
            let mut len = [0u8; 2];
            tls.read_exact(&mut len).await.expect("length");
            let mut reply = vec![0; usize::from(u16::from_be_bytes(len))];
            tls.read_exact(&mut reply).await.expect("reply");
            replies.push(reply);
        }
        replies
    });
    for reply in &replies {
        assert_eq!(a_answers(reply), ["93.184.216.34"]);
    }

    // DoH: POST and GET over HTTP/1.1.
    let mut post = format!(
        "POST /dns-query HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/dns-message\r\n\
         Accept: application/dns-message\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        query.len()
    )
    .into_bytes();
    post.extend_from_slice(&query);
    let (head, body) = doh_http1(&doh, &cert, post);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/dns-message"),
        "{head}"
    );
    assert!(head.to_ascii_lowercase().contains("cache-control: max-age="), "{head}");
    assert_eq!(a_answers(&body), ["93.184.216.34"]);
    let other = a_query("en.wikipedia.org.");
    let get = format!(
        "GET /dns-query?dns={} HTTP/1.1\r\nHost: localhost\r\nAccept: application/dns-message\r\n\
         Connection: close\r\n\r\n",
        base64url(&other)
    );
    let (head, body) = doh_http1(&doh, &cert, get.into_bytes());
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(!a_answers(&body).is_empty(), "{head}");

    // /metrics: the world's servers answered the resolver's questions over UDP, and the
    // resolver counted its resolutions.
    let text = plain_tcp::http_get(&metrics, "/metrics");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let value = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
            .unwrap_or_else(|| panic!("{name} missing from\n{text}"))
    };
    assert!(value("banyan_auth_queries_total{transport=\"udp\"}") > 0);
    assert!(value("banyan_resolver_resolutions_total") >= 2);
    assert!(text.contains("banyan_zone_serial{zone=\"example.com.\"}"), "{text}");
    let (_, code) = up.stop();
    assert_eq!(code, Some(0));
}
