//! End to end: `banyan resolver --rpz FILE --local-zone FILE` on an ephemeral loopback port
//! answers from its response policy and its local zone without asking anybody (the root
//! hints point at an address where nothing listens), and reads the policy again when it
//! changes. Stopped by PID; every wait bounded.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// Longest wait for a line of output.
const WAIT: Duration = Duration::from_secs(10);

struct Resolver {
    child: Child,
    lines: Receiver<String>,
}

impl Resolver {
    fn wait_line(&self, what: &str) -> String {
        let deadline = std::time::Instant::now() + WAIT;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(what) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("no {what:?} within {WAIT:?}");
    }
}

impl Drop for Resolver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn query(port: &str, name: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_banyan"))
        .args(["query", "@127.0.0.1", "-p", port, name, "A", "+timeout=3"])
        .output()
        .expect("run banyan query");
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn policy(www: &str) -> String {
    format!(
        "$ORIGIN rpz.local.\n$TTL 60\n@ SOA localhost. hostmaster.localhost. 1 3600 600 86400 60\n@ NS localhost.\n\
         ads.example CNAME .\n*.ads.example CNAME .\nwww.example A {www}\n"
    )
}

#[test]
fn resolver_answers_from_its_response_policy_and_local_zone_and_reloads_the_policy() {
    let dir = std::env::temp_dir().join(format!("banyan-resolver-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let rpz: PathBuf = dir.join("block.rpz");
    std::fs::write(&rpz, policy("192.0.2.1")).expect("rpz");
    let corp = dir.join("corp.zone");
    std::fs::write(
        &corp,
        "$ORIGIN corp.internal.\n$TTL 300\n@ SOA ns h 1 3600 600 86400 60\n@ NS ns\nns A 10.0.0.1\nwiki A 10.0.0.7\n",
    )
    .expect("local zone");
    let hints = dir.join("root.hints");
    // Nothing listens there: an answer can only come from the policy.
    std::fs::write(&hints, ". 3600000 NS a.root.\na.root. 3600000 A 127.0.0.254\n").expect("hints");
    let mut child = Command::new(env!("CARGO_BIN_EXE_banyan"))
        .args([
            "resolver",
            "--listen",
            "127.0.0.1:0",
            "--no-validate",
            "--workers",
            "1",
            "--rpz",
        ])
        .arg(&rpz)
        .arg("--root-hints")
        .arg(&hints)
        .arg("--local-zone")
        .arg(&corp)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start banyan resolver");
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let r = Resolver { child, lines };
    let listening = r.wait_line("resolver listening on");
    let port = listening
        .split_whitespace()
        .nth(3)
        .and_then(|a| a.rsplit(':').next())
        .expect("port")
        .to_string();

    let blocked = query(&port, "tracker.ads.example");
    assert!(blocked.contains("status: NXDOMAIN"), "{blocked}");
    assert!(blocked.contains("rpz.local.") && blocked.contains("SOA"), "{blocked}");
    let redirected = query(&port, "www.example");
    assert!(
        redirected.contains("www.example.\t60\tIN\tA\t192.0.2.1"),
        "{redirected}"
    );

    // A different length, so the change shows even within one mtime tick.
    std::fs::write(&rpz, policy("192.0.2.222")).expect("rpz");
    r.wait_line("reload: response policy: 1 zones, 3 rules");
    let redirected = query(&port, "www.example");
    assert!(redirected.contains("192.0.2.222"), "{redirected}");
    let _ = std::fs::remove_dir_all(&dir);
}
