//! `banyan zone import | export | list | status`: the zones kept in the store that a
//! configuration file names (`data_dir` or `store`), as an operator looks at them.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs as _};
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use banyan_store::{Store, ZoneKind};
use banyan_wire::{Class, Message, Name, RData, Rcode, Record, RecordType};

use crate::exchange::Query;

/// How long `zone status` waits for each name server.
const STATUS_TIMEOUT: Duration = Duration::from_secs(2);

/// Opens the store named by the configuration file at `config`.
fn open(config: &Path) -> anyhow::Result<(tokio::runtime::Runtime, Store)> {
    let url = crate::serve_cmd::store_url(config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let store = runtime
        .block_on(Store::open(&url))
        .with_context(|| format!("opening the store {url}"))?;
    Ok((runtime, store))
}

fn seconds_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `banyan zone import FILE --origin NAME --config CFG`: the zone file, checked as
/// `zone check` checks it, becomes the managed zone's current version in one transaction
/// (replacing any version stored before, and its history).
pub fn import(file: &Path, origin: &str, config: &Path) -> anyhow::Result<crate::zone_cmd::Outcome> {
    let loaded = crate::zone_cmd::load(file, Some(origin))?;
    for e in &loaded.parse.errors {
        eprintln!("{e}");
    }
    if !loaded.is_ok() {
        for f in &loaded.findings {
            eprintln!("{}: {f}", file.display());
        }
        eprintln!("{}: not imported", file.display());
        return Ok(crate::zone_cmd::Outcome::Bad);
    }
    let zone = &loaded.zone;
    let records: Vec<Record> = zone.records().collect();
    let (runtime, store) = open(config)?;
    runtime.block_on(store.replace(zone.origin(), ZoneKind::Managed, &records, seconds_now()))?;
    println!(
        "zone {}: imported serial {}: {} records",
        zone.origin(),
        zone.soa().map_or(0, |s| s.serial),
        records.len()
    );
    Ok(crate::zone_cmd::Outcome::Good)
}

/// `banyan zone export NAME --config CFG`: the stored zone as a master file on stdout, SOA
/// first (it reads back with `zone import` or any server).
pub fn export(origin: &str, config: &Path) -> anyhow::Result<()> {
    let name = crate::zone_cmd::parse_origin(origin)?;
    let (runtime, store) = open(config)?;
    let Some(stored) = runtime.block_on(store.load(&name))? else {
        bail!("zone {name} is not in the store");
    };
    let zone = banyan_server::zone_from_records(&name, &stored.records).map_err(|e| anyhow!("zone {name}: {e}"))?;
    let mut out = String::new();
    for r in zone.records() {
        let _ = writeln!(out, "{r}");
    }
    print!("{out}");
    Ok(())
}

/// `banyan zone list --config CFG`: one line per stored zone: name, kind, serial, when it
/// last changed and (secondaries) when it was last refreshed.
pub fn list(config: &Path) -> anyhow::Result<()> {
    let (runtime, store) = open(config)?;
    let zones = runtime.block_on(store.zones())?;
    println!(
        "{:<40} {:<10} {:>12}  {:<20} refreshed",
        "zone", "kind", "serial", "changed"
    );
    for z in zones {
        let kind = match z.kind {
            ZoneKind::Managed => "managed",
            ZoneKind::Secondary => "secondary",
        };
        let refreshed = z.refreshed.map_or_else(|| "-".to_string(), time_text);
        println!(
            "{:<40} {:<10} {:>12}  {:<20} {refreshed}",
            z.name.to_string(),
            kind,
            z.serial,
            time_text(z.updated)
        );
    }
    Ok(())
}

/// Seconds since 1970 as `YYYY-MM-DD hh:mm:ss` UTC.
fn time_text(secs: i64) -> String {
    let rem = secs.rem_euclid(banyan_registry::time::DAY);
    format!(
        "{} {:02}:{:02}:{:02}",
        banyan_registry::time::Date::of(secs),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `banyan zone status NAME --config CFG [--port N]`: the serial in the store and the one
/// each of the zone's name servers answers (asked over DNS at the addresses of the NS
/// names: the zone's own glue, else the system's resolver; and the configured NOTIFY
/// targets), with how many versions each is behind. Exit 1 (returned as `Ok(false)`) when
/// a server is behind or did not answer.
pub fn status(origin: &str, config: &Path, port: u16) -> anyhow::Result<bool> {
    let name = crate::zone_cmd::parse_origin(origin)?;
    let (runtime, store) = open(config)?;
    let Some(stored) = runtime.block_on(store.load(&name))? else {
        bail!("zone {name} is not in the store");
    };
    drop(runtime);
    let ours = stored.info.serial;
    println!("{name} serial {ours} in the store");
    let mut servers: Vec<(String, SocketAddr)> = Vec::new();
    for ns in stored
        .records
        .iter()
        .filter(|r| r.name == name)
        .filter_map(|r| match &r.data {
            RData::NS(ns) => Some(ns.clone()),
            _ => None,
        })
    {
        let glue: Vec<IpAddr> = stored
            .records
            .iter()
            .filter(|r| r.name == ns)
            .filter_map(|r| match &r.data {
                RData::A(a) => Some(IpAddr::V4(a.0)),
                RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                _ => None,
            })
            .collect();
        let addrs: Vec<IpAddr> = if glue.is_empty() {
            let host = ns.to_string();
            (host.trim_end_matches('.'), port)
                .to_socket_addrs()
                .map(|a| a.map(|s| s.ip()).collect())
                .unwrap_or_default()
        } else {
            glue
        };
        if addrs.is_empty() {
            println!("  {ns:<32} (no address found)");
        }
        for ip in addrs {
            servers.push((ns.to_string(), SocketAddr::new(ip, port)));
        }
    }
    for target in crate::serve_cmd::notify_targets(config, &name)? {
        if !servers.iter().any(|(_, a)| *a == target) {
            servers.push(("(notify target)".into(), target));
        }
    }
    let mut all_current = true;
    for (ns, addr) in servers {
        match soa_serial(&name, addr) {
            Ok(theirs) => {
                let behind = ours.wrapping_sub(theirs);
                let state = if theirs == ours {
                    "current".to_string()
                } else if behind < 0x8000_0000 {
                    all_current = false;
                    format!("behind by {behind}")
                } else {
                    format!("ahead by {}", theirs.wrapping_sub(ours))
                };
                println!("  {ns:<32} {addr:<24} serial {theirs:<12} {state}");
            }
            Err(e) => {
                all_current = false;
                println!("  {ns:<32} {addr:<24} {e}");
            }
        }
    }
    Ok(all_current)
}

/// The serial `server` answers for `zone`'s SOA.
fn soa_serial(zone: &Name, server: SocketAddr) -> anyhow::Result<u32> {
    let query = Query {
        name: zone.clone(),
        qtype: RecordType::SOA,
        qclass: Class::IN,
        recurse: false,
        ad: false,
        cd: false,
        edns: None,
    };
    let id: u16 = rand::random();
    let wire = query.to_wire(id);
    let reply = crate::transport::udp(
        server,
        &wire,
        STATUS_TIMEOUT,
        2,
        |from, reply| crate::exchange::check_reply(&query, id, server, from, reply).map_err(|e| e.to_string()),
        |_| {},
    )?;
    let msg = Message::parse(&reply.wire).map_err(|e| anyhow!("bad reply: {e}"))?;
    if msg.rcode() != Rcode::NOERROR {
        bail!("answered {}", msg.rcode());
    }
    msg.answers()
        .filter_map(|r| r.rdata().ok())
        .find_map(|d| match d {
            RData::SOA(soa) => Some(soa.serial),
            _ => None,
        })
        .ok_or_else(|| anyhow!("no SOA in the answer (not serving the zone?)"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_time() {
        assert_eq!(super::time_text(0), "1970-01-01 00:00:00");
        assert_eq!(super::time_text(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(super::time_text(1_795_000_000), "2026-11-18 11:06:40");
    }
}
