//! End to end: `banyan serve` with views answers `banyan query` differently by source
//! address and by EDNS Client Subnet (`+subnet`, RFC 7871), echoes the scope, and explains
//! itself to `+why`.

mod running;

use std::path::PathBuf;
use std::process::Command;

use running::{listening_addr, Running};

fn query(port: u16, extra: &[&str]) -> String {
    let port = port.to_string();
    let mut args = vec!["query", "@127.0.0.1", "-p", &port, "cdn.example.com", "A"];
    args.extend_from_slice(extra);
    let o = Command::new(env!("CARGO_BIN_EXE_banyan"))
        .args(&args)
        .output()
        .expect("run banyan");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn views_by_source_and_by_ecs_with_why() {
    let dir: PathBuf = std::env::temp_dir().join(format!("banyan-views-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("example.com.zone"),
        "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n\
         cdn A 192.0.2.100\n",
    )
    .expect("zone");
    let config = dir.join("banyan.toml");
    std::fs::write(
        &config,
        "[auth]\nlisten = [\"127.0.0.1:0\"]\nworkers = 1\necs = true\ndebug_allow = [\"127.0.0.0/8\"]\n\
             query_log = \"queries.jsonl\"\n\
             regions = { EU = [\"10.1.0.0/16\"] }\n\
             [[auth.zone]]\nname = \"example.com.\"\nfile = \"example.com.zone\"\n\
             [[auth.view]]\nname = \"eu\"\nregions = [\"EU\"]\nrecords = [\"cdn.example.com. 60 A 198.51.100.1\"]\n\
             [[auth.view]]\nname = \"local\"\nsubnets = [\"127.0.0.0/8\"]\nrecords = [\"cdn.example.com. 60 A 127.0.0.10\"]\n",
    )
    .expect("config");
    let mut server = Running::start(&["serve", "--config", config.to_str().expect("utf-8")]);
    let port = listening_addr(&server.wait_stdout("zone example.com."), "listening on ").port();

    assert_eq!(query(port, &["+short"]).trim(), "127.0.0.10", "by source address");
    let eu = query(port, &["+subnet=10.1.2.0/24", "+why"]);
    assert!(eu.contains("198.51.100.1"), "{eu}");
    assert!(
        eu.contains("CLIENT-SUBNET: 10.1.2.0/24/16"),
        "scope of the view's /16: {eu}"
    );
    assert!(
        eu.contains(";; WHY: view \"eu\": ECS 10.1.2.0/24 in 10.1.0.0/16 (region EU)"),
        "{eu}"
    );
    let other = query(port, &["+subnet=192.0.2.0/24", "+why"]);
    assert!(other.contains("192.0.2.100"), "{other}");
    assert!(
        other.contains(";; WHY: default: no view matched ECS 192.0.2.0/24"),
        "{other}"
    );
    assert_eq!(server.stop(), Some(0));
    // The query log names the view each query was answered from (none for the last).
    let log = std::fs::read_to_string(dir.join("queries.jsonl")).expect("query log");
    let views: Vec<Option<&str>> = log
        .lines()
        .map(|l| l.split("\"view\":\"").nth(1).and_then(|v| v.split('"').next()))
        .collect();
    assert_eq!(views, [Some("local"), Some("eu"), None], "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
