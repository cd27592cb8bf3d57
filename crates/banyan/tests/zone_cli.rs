//! `banyan zone check` and `banyan zone print`, run as a user runs them.

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

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("banyan-zone-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn root_zone() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/root/root.zone-2023051100")
}

#[test]
fn check_accepts_a_good_zone_and_reports_its_serial() {
    let (code, out, err) = banyan(&["zone", "check", root_zone().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("zone ./IN: loaded serial 2023051100: 24911 records"),
        "{out}"
    );
    assert!(out.ends_with("OK\n"));
}

#[test]
fn check_names_file_line_column_and_record() {
    let p = temp_file(
        "bad.zone",
        "$TTL 300\n@ SOA ns host 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.300\nalias CNAME www\nalias TXT \"x\"\n",
    );
    let (code, out, err) = banyan(&["zone", "check", p.to_str().unwrap(), "--origin", "example.com"]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.zone:5:7: bad IPv4 address: \"192.0.2.300\""), "{err}");
    assert!(
        err.contains("error: alias.example.com./CNAME: CNAME and other data"),
        "{err}"
    );
    assert!(out.contains("not loaded"), "{out}");
}

#[test]
fn check_without_origin_or_soa_is_bad_input() {
    let p = temp_file("nosoa.zone", "$TTL 1\na.example. A 192.0.2.1\n");
    let (code, _, err) = banyan(&["zone", "check", p.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no origin given and no SOA"), "{err}");
    let (code, _, err) = banyan(&["zone", "check", "/nonexistent/zone"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/zone"), "{err}");
}

#[test]
fn print_round_trips_the_root_zone() {
    let (code, first, err) = banyan(&["zone", "print", root_zone().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(first.lines().count(), 24911);
    assert!(first.starts_with(".\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. 2023051100 "));
    let again = temp_file("root.printed", &first);
    let (code, second, err) = banyan(&["zone", "print", again.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(first, second, "print is a fixed point");
}
