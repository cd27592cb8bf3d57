//! `banyan key generate` and `banyan zone sign`, run as a user runs them, with the signed
//! zones checked by BIND's `dnssec-verify` and ldns's `ldns-verify-zone` when they are
//! installed (each check is skipped with a note otherwise; `scripts/interop`'s `signing`
//! suite installs them and runs the same checks).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn banyan(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_banyan")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn work_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("banyan-sign-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The unsigned RFC 4035 Appendix A zone: a secure and an insecure delegation with glue,
/// non-authoritative data at a cut, a wildcard, empty non-terminals.
fn example_zone(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/zonefile/valid/domain/rfc4035-appendix-A.zone");
    let dst = dir.join("example.zone");
    std::fs::copy(src, &dst).unwrap();
    dst
}

fn tool(name: &str) -> Option<PathBuf> {
    ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

/// Runs a peer tool when installed: `None` (with a note) when it is not.
fn run_peer(name: &str, args: &[&str], cwd: &Path) -> Option<(bool, String)> {
    let Some(path) = tool(name) else {
        eprintln!("note: {name} not installed; check skipped (scripts/interop's signing suite installs it)");
        return None;
    };
    let out = Command::new(path).args(args).current_dir(cwd).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), text))
}

/// Both verifiers accept the signed zone (each when installed).
fn peers_accept(signed: &Path, origin: &str) {
    let file = signed.to_str().unwrap();
    let dir = signed.parent().unwrap();
    if let Some((ok, text)) = run_peer("dnssec-verify", &["-o", origin, file], dir) {
        assert!(ok, "dnssec-verify refused {file}:\n{text}");
    }
    if let Some((ok, text)) = run_peer("ldns-verify-zone", &[file], dir) {
        assert!(ok, "ldns-verify-zone refused {file}:\n{text}");
    }
}

fn generate(dir: &Path, alg: &str, ksk: bool) -> String {
    let keys = dir.join("keys");
    let mut args = vec!["key", "generate", "--algorithm", alg, "--zone", "example", "--out"];
    args.push(keys.to_str().unwrap());
    if ksk {
        args.push("--ksk");
    }
    let (code, out, err) = banyan(&args);
    assert_eq!(code, 0, "{err}");
    let stem = out.trim().to_string();
    assert!(stem.starts_with("Kexample.+0"), "{stem}");
    assert!(keys.join(format!("{stem}.key")).exists());
    assert!(keys.join(format!("{stem}.private")).exists());
    stem
}

fn sign_and_verify(alg: &str, nsec3: &[&str]) {
    let dir = work_dir(&format!("{alg}-{}", nsec3.len()));
    let zone = example_zone(&dir);
    let ksk = generate(&dir, alg, true);
    generate(&dir, alg, false);
    let keys = dir.join("keys");
    let mut args = vec![
        "zone",
        "sign",
        zone.to_str().unwrap(),
        "--origin",
        "example",
        "--keys",
        keys.to_str().unwrap(),
    ];
    args.extend_from_slice(nsec3);
    let (code, out, err) = banyan(&args);
    assert_eq!(code, 0, "{err}");
    // DS records for the parent on stdout and in dsset-example. (as dnssec-signzone writes).
    let tag = ksk.rsplit('+').next().unwrap().trim_start_matches('0');
    let ds: Vec<&str> = out.lines().collect();
    assert_eq!(ds.len(), 2, "{out}");
    assert!(ds[0].contains(&format!("DS\t{tag} ")) && ds[0].contains(" 2 "), "{out}");
    assert!(ds[1].contains(" 4 "), "{out}");
    assert_eq!(std::fs::read_to_string(dir.join("dsset-example.")).unwrap(), out);
    let signed = dir.join("example.zone.signed");
    let text = std::fs::read_to_string(&signed).unwrap();
    assert!(text.starts_with("example.\t3600\tIN\tSOA\t"), "SOA first");
    assert!(text.contains("\tCDS\t") && text.contains("\tCDNSKEY\t"));
    let chain = if nsec3.is_empty() { "\tNSEC\t" } else { "\tNSEC3\t" };
    assert!(text.contains(chain), "{chain} records");
    assert!(err.contains("signatures/s"), "{err}");
    // The output reads back as a zone.
    let (code, _, err) = banyan(&["zone", "check", signed.to_str().unwrap(), "--origin", "example"]);
    assert_eq!(code, 0, "{err}");
    peers_accept(&signed, "example");

    // Signing the signed zone again replaces its DNSSEC records.
    let again = dir.join("again.signed");
    let (code, _, err) = banyan(&[
        "zone",
        "sign",
        signed.to_str().unwrap(),
        "--origin",
        "example.",
        "--keys",
        keys.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let again_text = std::fs::read_to_string(&again).unwrap();
    assert!(!again_text.contains("\tNSEC3\t"));
    peers_accept(&again, "example");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ecdsa_nsec_zone_verifies() {
    sign_and_verify("ECDSAP256SHA256", &[]);
}

#[test]
fn ecdsa_nsec3_opt_out_zone_verifies() {
    sign_and_verify(
        "13",
        &["--nsec3", "--salt", "aabbccdd", "--iterations", "1", "--opt-out"],
    );
}

#[test]
fn ed25519_nsec_zone_verifies() {
    sign_and_verify("ed25519", &[]);
}

#[test]
fn ed25519_nsec3_zone_verifies() {
    sign_and_verify("ED25519", &["--nsec3"]);
}

#[test]
fn ecdsap384_zone_verifies() {
    sign_and_verify("ECDSAP384SHA384", &[]);
}

#[test]
fn keys_from_dnssec_keygen_and_ldns_keygen_sign() {
    for (tool_name, ksk_args, zsk_args) in [
        (
            "dnssec-keygen",
            &["-q", "-a", "ECDSAP256SHA256", "-f", "KSK", "example"][..],
            &["-q", "-a", "ECDSAP256SHA256", "example"][..],
        ),
        (
            "ldns-keygen",
            &["-a", "ED25519", "-k", "example"][..],
            &["-a", "ED25519", "example"][..],
        ),
    ] {
        let dir = work_dir(tool_name);
        let keys = dir.join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        let Some((ok, text)) = run_peer(tool_name, ksk_args, &keys) else {
            continue;
        };
        assert!(ok, "{text}");
        let (ok, text) = run_peer(tool_name, zsk_args, &keys).unwrap();
        assert!(ok, "{text}");
        let zone = example_zone(&dir);
        let (code, _, err) = banyan(&[
            "zone",
            "sign",
            zone.to_str().unwrap(),
            "--origin",
            "example",
            "--keys",
            keys.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{tool_name} keys: {err}");
        peers_accept(&dir.join("example.zone.signed"), "example");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn rsa_generation_points_to_dnssec_keygen() {
    let dir = work_dir("rsa");
    let (code, out, err) = banyan(&[
        "key",
        "generate",
        "--algorithm",
        "RSASHA256",
        "--zone",
        "example",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("RSASHA256 keys cannot be generated here; generate one with dnssec-keygen -a RSASHA256 -b 2048"),
        "{err}"
    );
    let (code, _, err) = banyan(&["key", "generate", "-a", "DSA", "--zone", "example"]);
    assert_eq!(code, 2);
    assert!(err.contains("algorithm 3 (DSA) cannot sign"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn signing_needs_keys_and_a_good_zone() {
    let dir = work_dir("bad");
    let zone = example_zone(&dir);
    let empty = dir.join("nokeys");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, err) = banyan(&[
        "zone",
        "sign",
        zone.to_str().unwrap(),
        "--origin",
        "example",
        "--keys",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no keys for example. in"), "{err}");

    generate(&dir, "13", true);
    let bad = dir.join("bad.zone");
    std::fs::write(&bad, "$TTL 300\n@ SOA ns host 1 2 3 4 5\n@ NS ns\nns A 192.0.2.300\n").unwrap();
    let keys = dir.join("keys");
    let (code, _, err) = banyan(&[
        "zone",
        "sign",
        bad.to_str().unwrap(),
        "--origin",
        "example",
        "--keys",
        keys.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.zone:4:6"), "{err}");
    assert!(err.contains("not signed"), "{err}");
    assert!(!dir.join("bad.zone.signed").exists());
    // --salt without --nsec3 is a usage error.
    let (code, _, _) = banyan(&[
        "zone",
        "sign",
        zone.to_str().unwrap(),
        "--origin",
        "example",
        "--keys",
        keys.to_str().unwrap(),
        "--salt",
        "ab",
    ]);
    assert_eq!(code, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
