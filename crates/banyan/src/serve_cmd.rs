//! `banyan serve --config FILE`: everything a TOML configuration names (DESIGN.md,
//! "Configuration"). Today that is the `[auth]` and `[resolver]` sections; the other
//! sections are read and refused with "not implemented yet" so a config written for later
//! versions fails loudly.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use banyan_auth::AuthConfig;
use banyan_dnssec::Denial;
use banyan_server::{ServerConfig, ZoneFile, ZoneSigning, ZoneSource};
use banyan_wire::Name;
use serde::Deserialize;

/// The whole file. Unknown keys are errors (`deny_unknown_fields`).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Store, keys and journals (not implemented yet).
    pub data_dir: Option<PathBuf>,
    /// TSIG keys (not implemented yet).
    #[serde(default)]
    pub tsig: Vec<toml::Value>,
    /// The authoritative server.
    pub auth: Option<AuthSection>,
    /// The recursive resolver.
    pub resolver: Option<ResolverSection>,
    /// The registry (not implemented yet).
    pub registry: Option<toml::Value>,
    /// The registrar dashboard (not implemented yet).
    pub web: Option<toml::Value>,
}

/// `[auth]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct AuthSection {
    /// Addresses to answer on, UDP and TCP (required, at least one).
    pub listen: Vec<SocketAddr>,
    /// UDP worker threads per address (default: one per core; at least 1).
    pub workers: Option<usize>,
    /// Look at the zone files this often and reload on a change, e.g. `"2s"` (default: off).
    pub watch: Option<String>,
    /// The zones served.
    #[serde(default)]
    pub zone: Vec<ZoneSection>,
}

/// `[resolver]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ResolverSection {
    /// Addresses to answer on, UDP and TCP (required, at least one).
    pub listen: Vec<SocketAddr>,
    /// Root hints file (default: built in).
    pub root_hints: Option<PathBuf>,
    /// DNSSEC trust anchors file (default: the root KSKs, built in).
    pub trust_anchor: Option<PathBuf>,
    /// DNSSEC validation (default true).
    pub validate: Option<bool>,
    /// Clients served, as CIDR prefixes (default: loopback and private ranges).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Cache memory, e.g. `"512MiB"` (default 96MiB).
    pub cache_size: Option<String>,
    /// UDP worker threads per address (default: one per core; at least 1).
    pub workers: Option<u16>,
    /// Port upstream servers are asked on (default 53; labs and tests only).
    pub upstream_port: Option<u16>,
    /// Answer special-use names locally (RFC 6761/6303; default true).
    pub default_local_zones: Option<bool>,
    /// Ask upstream servers on loopback/private addresses (default true; false defends
    /// against DNS rebinding on a resolver that serves no lab).
    pub private_upstream: Option<bool>,
    /// Cache TTL floor in seconds (default 0).
    pub min_ttl: Option<u32>,
    /// Cache TTL ceiling in seconds (default 86400).
    pub max_ttl: Option<u32>,
    /// Trace client queries for names at or below this one (default: none).
    pub trace_name: Option<String>,
    /// Append each trace to this file as a JSON line.
    pub trace_file: Option<PathBuf>,
}

/// What a configuration file asks to run.
pub struct Services {
    /// The authoritative server, with where its zones come from.
    pub auth: Option<(ServerConfig, ZoneSource)>,
    /// The resolver's options.
    pub resolver: Option<crate::resolver_cmd::ResolverArgs>,
}

/// `[[auth.zone]]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ZoneSection {
    /// The zone's origin, e.g. `"example.com."`.
    pub name: String,
    /// Its master file; a relative path is taken from the config file's directory.
    pub file: Option<PathBuf>,
    /// Clients allowed AXFR, as CIDR prefixes (default: none).
    #[serde(default)]
    pub allow_transfer: Vec<String>,
    /// Zone kept in the store (not implemented yet).
    pub managed: Option<bool>,
    /// Secondary zone's primaries (not implemented yet).
    pub primaries: Option<toml::Value>,
    /// TSIG key toward primaries (not implemented yet).
    pub transfer_key: Option<toml::Value>,
    /// Servers to NOTIFY (not implemented yet).
    pub notify: Option<toml::Value>,
    /// Dynamic update policy (not implemented yet).
    pub update_policy: Option<toml::Value>,
    /// Online signing: the zone is signed when loaded, re-signed incrementally at each
    /// reload and before its signatures expire (default: served as the file says).
    pub dnssec: Option<DnssecSection>,
}

/// `dnssec = { … }` of `[[auth.zone]]`: online signing.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct DnssecSection {
    /// Directory of the zone's `K<zone>+<alg>+<tag>.key/.private` files (required; relative
    /// to the config file's directory). Read at every signing: keys added or removed there
    /// take effect at the next reload.
    pub keys: PathBuf,
    /// NSEC3 (RFC 5155) instead of NSEC (default false).
    #[serde(default)]
    pub nsec3: bool,
    /// NSEC3 salt in hex, `""` or `"-"` for none (default none, RFC 9276 §3.1).
    pub salt: Option<String>,
    /// NSEC3 additional iterations (default 0, RFC 9276 §3.1; at most 500).
    pub iterations: Option<u16>,
    /// NSEC3 Opt-Out (RFC 5155 §6; default false).
    pub opt_out: Option<bool>,
    /// Signature validity, e.g. `"30d"` (default 30 days; at least an hour). Signatures are
    /// made again when a quarter of it is left.
    pub validity: Option<String>,
}

/// Checks a zone's `dnssec` table; `key` names it in errors, `base` is the config's
/// directory.
fn signing(d: &DnssecSection, base: &Path, key: &str) -> anyhow::Result<ZoneSigning> {
    let mut signing = ZoneSigning::new(base.join(&d.keys));
    if !d.nsec3 {
        for (present, k) in [
            (d.salt.is_some(), "salt"),
            (d.iterations.is_some(), "iterations"),
            (d.opt_out.is_some(), "opt_out"),
        ] {
            if present {
                bail!("{key}.{k}: only with nsec3 = true");
            }
        }
    } else {
        let salt = match d.salt.as_deref() {
            None | Some("" | "-") => Vec::new(),
            Some(hex) => banyan_wire::text::hex_decode(hex)
                .filter(|s| s.len() <= 255)
                .ok_or_else(|| anyhow!("{key}.salt: {hex:?} is not up to 255 octets in hex"))?,
        };
        let iterations = d.iterations.unwrap_or(0);
        if iterations > banyan_dnssec::signzone::MAX_NSEC3_ITERATIONS {
            bail!(
                "{key}.iterations: {iterations} is more than {} (RFC 9276 recommends 0)",
                banyan_dnssec::signzone::MAX_NSEC3_ITERATIONS
            );
        }
        signing.denial = Denial::Nsec3 {
            salt,
            iterations,
            opt_out: d.opt_out.unwrap_or(false),
        };
    }
    if let Some(v) = &d.validity {
        let secs = crate::auth_cmd::parse_duration(v)
            .map_err(|e| anyhow!("{key}.validity: {e}"))?
            .as_secs();
        signing.validity = u32::try_from(secs)
            .ok()
            .filter(|s| (3600..=i32::MAX as u32 / 2).contains(s))
            .ok_or_else(|| anyhow!("{key}.validity: {v:?} is not between an hour and 34 years"))?;
    }
    Ok(signing)
}

/// Reads and checks `path`, naming the file (and for TOML errors the line and key) on error.
pub fn load(path: &Path) -> anyhow::Result<Services> {
    let file = path.display();
    let text = std::fs::read_to_string(path).with_context(|| format!("{file}"))?;
    let config: Config = toml::from_str(&text).map_err(|e| anyhow!("{file}: {e}"))?;
    let not_yet = |key: &str| anyhow!("{file}: {key}: not implemented yet");
    if config.data_dir.is_some() {
        return Err(not_yet("data_dir"));
    }
    if !config.tsig.is_empty() {
        return Err(not_yet("[[tsig]]"));
    }
    for (present, key) in [
        (config.registry.is_some(), "[registry]"),
        (config.web.is_some(), "[web]"),
    ] {
        if present {
            return Err(not_yet(key));
        }
    }
    let resolver = config.resolver.map(|r| resolver_args(r, path)).transpose()?;
    let Some(auth) = config.auth else {
        if resolver.is_none() {
            bail!("{file}: nothing to serve (no [auth] or [resolver] section)");
        }
        return Ok(Services { auth: None, resolver });
    };
    if auth.listen.is_empty() {
        bail!("{file}: auth.listen: at least one address is needed");
    }
    if auth.zone.is_empty() {
        bail!("{file}: [[auth.zone]]: no zone configured");
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let mut files = Vec::with_capacity(auth.zone.len());
    // DESIGN.md: each zone has its own transfer list (empty: refused).
    let mut zone_transfer = Vec::with_capacity(auth.zone.len());
    for (i, z) in auth.zone.iter().enumerate() {
        let key = |k: &str| format!("{file}: auth.zone[{i}] ({}).{k}", z.name);
        for (present, k) in [
            (z.managed.is_some(), "managed"),
            (z.primaries.is_some(), "primaries"),
            (z.transfer_key.is_some(), "transfer_key"),
            (z.notify.is_some(), "notify"),
            (z.update_policy.is_some(), "update_policy"),
        ] {
            if present {
                bail!("{}: not implemented yet", key(k));
            }
        }
        let text = if z.name.ends_with('.') {
            z.name.clone()
        } else {
            format!("{}.", z.name)
        };
        let origin = Name::from_unicode(&text).map_err(|e| anyhow!("{}: not a domain name: {e}", key("name")))?;
        let Some(zone_file) = &z.file else {
            bail!("{}: missing (the only zone source implemented yet)", key("file"));
        };
        if let Some(key_entry) = z.allow_transfer.iter().find(|e| e.starts_with("key:")) {
            bail!(
                "{}: {key_entry:?}: TSIG keys are not implemented yet",
                key("allow_transfer")
            );
        }
        let list = crate::auth_cmd::parse_cidrs(&z.allow_transfer, &key("allow_transfer"))?;
        zone_transfer.push((
            origin.clone(),
            list.into_iter().map(banyan_auth::TransferAcl::Addr).collect(),
        ));
        let signing = z
            .dnssec
            .as_ref()
            .map(|d| signing(d, base, &key("dnssec")))
            .transpose()?;
        files.push(ZoneFile {
            origin,
            path: base.join(zone_file),
            signing,
        });
    }
    let mut server = ServerConfig::new(auth.listen);
    if let Some(n) = auth.workers {
        if n == 0 {
            bail!("{file}: auth.workers: must be at least 1");
        }
        server.udp_workers = n;
    }
    server.auth = AuthConfig {
        zone_transfer,
        ..AuthConfig::default()
    };
    if let Some(w) = &auth.watch {
        server.watch = Some(crate::auth_cmd::parse_duration(w).map_err(|e| anyhow!("{file}: auth.watch: {e}"))?);
    }
    Ok(Services {
        auth: Some((server, ZoneSource::Files(files))),
        resolver,
    })
}

/// Checks `[resolver]` and turns it into the options `banyan resolver` takes.
fn resolver_args(r: ResolverSection, path: &Path) -> anyhow::Result<crate::resolver_cmd::ResolverArgs> {
    let file = path.display();
    if r.listen.is_empty() {
        bail!("{file}: resolver.listen: at least one address is needed");
    }
    if r.trust_anchor.is_some() && r.validate == Some(false) {
        bail!("{file}: resolver.trust_anchor is set but resolver.validate is false");
    }
    if r.workers == Some(0) {
        bail!("{file}: resolver.workers: must be at least 1");
    }
    if r.upstream_port == Some(0) {
        bail!("{file}: resolver.upstream_port: must be at least 1");
    }
    let cache_size = r
        .cache_size
        .as_deref()
        .map(crate::resolver_cmd::parse_size)
        .transpose()
        .map_err(|e| anyhow!("{file}: resolver.cache_size: {e}"))?;
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(crate::resolver_cmd::ResolverArgs {
        listen: r.listen,
        root_hints: r.root_hints.map(|h| base.join(h)),
        upstream_port: r.upstream_port,
        no_default_local_zones: r.default_local_zones == Some(false),
        workers: r.workers,
        allow: r.allow,
        deny_private_upstream: r.private_upstream == Some(false),
        cache_size,
        trust_anchor: r.trust_anchor.map(|t| base.join(t)),
        no_validate: r.validate == Some(false),
        min_ttl: r.min_ttl,
        max_ttl: r.max_ttl,
        trace_name: r.trace_name,
        trace_file: r.trace_file.map(|f| base.join(f)),
    })
}

/// `banyan serve --config FILE`: the authoritative server and the resolver, as configured,
/// until SIGINT or SIGTERM (SIGHUP reloads zones).
pub fn run(path: &Path) -> anyhow::Result<()> {
    let services = load(path)?;
    let resolver = match &services.resolver {
        Some(args) => Some(crate::resolver_cmd::start(crate::resolver_cmd::setup(args)?)?),
        None => None,
    };
    match (services.auth, resolver) {
        (Some((config, source)), resolver) => {
            crate::auth_cmd::serve(config, source, &path.display().to_string())?;
            if let Some(r) = resolver {
                r.shutdown();
            }
            Ok(())
        }
        (None, Some(r)) => {
            r.run_until_signal().context("installing signal handlers")?;
            r.shutdown();
            println!("stopped");
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> anyhow::Result<(ServerConfig, ZoneSource)> {
        load_services(text)?.auth.ok_or_else(|| anyhow!("no [auth]"))
    }

    fn load_services(text: &str) -> anyhow::Result<Services> {
        let dir = std::env::temp_dir().join(format!("banyan-serve-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!(
            "{:x}.toml",
            text.len() * 31 + text.bytes().map(usize::from).sum::<usize>()
        ));
        std::fs::write(&path, text)?;
        let r = load(&path);
        let _ = std::fs::remove_file(&path);
        r
    }

    const GOOD: &str = r#"
[auth]
listen = ["127.0.0.1:5300", "[::1]:5300"]
workers = 2

[[auth.zone]]
name = "example.com."
file = "zones/example.com.zone"
allow_transfer = ["192.0.2.0/24"]
"#;

    #[test]
    fn good_config_reads() -> anyhow::Result<()> {
        let (config, source) = load_text(GOOD)?;
        assert_eq!(config.listen.len(), 2);
        assert_eq!(config.udp_workers, 2);
        assert!(config.auth.allow_transfer.is_empty(), "no list outside the zones");
        let (zone, list) = &config.auth.zone_transfer[0];
        assert_eq!(zone.to_string(), "example.com.");
        assert!(list[0].allows("192.0.2.9".parse()?, None));
        let ZoneSource::Files(files) = source else {
            panic!("zone files expected");
        };
        assert_eq!(files[0].origin.to_string(), "example.com.");
        assert!(files[0].path.ends_with("zones/example.com.zone"));
        assert!(files[0].signing.is_none());
        Ok(())
    }

    #[test]
    fn watch_interval() -> anyhow::Result<()> {
        let (config, _) = load_text(&GOOD.replace("workers = 2", "workers = 2\nwatch = \"2s\""))?;
        assert_eq!(config.watch, Some(std::time::Duration::from_secs(2)));
        let err = load_text(&GOOD.replace("workers = 2", "watch = \"soon\""))
            .err()
            .map(|e| e.to_string());
        assert!(err.unwrap_or_default().contains("auth.watch"));
        Ok(())
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        let err = load_text(&GOOD.replace("workers = 2", "workerz = 2"))
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(err.contains("workerz"), "{err}");
    }

    #[test]
    fn other_sections_not_implemented_yet() {
        let err = load_text(&format!("{GOOD}\n[registry]\ntlds = [\"test.\"]\n"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("[registry]: not implemented yet"), "{err}");
    }

    #[test]
    fn resolver_section() -> anyhow::Result<()> {
        let text = "[resolver]\nlisten = [\"127.0.0.1:5353\"]\nroot_hints = \"lab.hints\"\nallow = [\"10.0.0.0/8\"]\n\
                    cache_size = \"512MiB\"\nworkers = 1\nupstream_port = 5300\ndefault_local_zones = false\n\
                    min_ttl = 5\nmax_ttl = 3600\n";
        let services = load_services(text)?;
        assert!(services.auth.is_none());
        let r = services.resolver.ok_or_else(|| anyhow!("no resolver"))?;
        assert_eq!(r.listen, vec!["127.0.0.1:5353".parse::<SocketAddr>()?]);
        assert!(r.root_hints.is_some_and(|p| p.ends_with("lab.hints")));
        assert_eq!(r.cache_size, Some(512 << 20));
        assert_eq!(r.upstream_port, Some(5300));
        assert_eq!((r.min_ttl, r.max_ttl), (Some(5), Some(3600)));
        assert!(r.no_default_local_zones && !r.deny_private_upstream);
        for (bad, key) in [
            ("validate = false\ntrust_anchor = \"k\"", "resolver.trust_anchor"),
            ("cache_size = \"lots\"", "resolver.cache_size"),
            ("cachesize = 1", "cachesize"),
        ] {
            let err = load_services(&format!("[resolver]\nlisten = [\"127.0.0.1:53\"]\n{bad}\n"))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(key), "{bad}: {err}");
        }
        Ok(())
    }

    #[test]
    fn each_zone_has_its_own_transfer_list() -> anyhow::Result<()> {
        let text = format!("{GOOD}\n[[auth.zone]]\nname = \"example.org.\"\nfile = \"x.zone\"\n");
        let (config, _) = load_text(&text)?;
        let org: Name = "example.org.".parse()?;
        let com: Name = "example.com.".parse()?;
        let peer = "192.0.2.9".parse()?;
        assert!(config.auth.may_transfer(&com, peer, None));
        assert!(
            !config.auth.may_transfer(&org, peer, None),
            "example.org. has no list: refused"
        );
        let bad = load_text(&GOOD.replace("192.0.2.0/24", "not-a-prefix"))
            .err()
            .map(|e| e.to_string());
        assert!(bad.unwrap_or_default().contains("allow_transfer"));
        Ok(())
    }

    #[test]
    fn dnssec_table() -> anyhow::Result<()> {
        let with = |table: &str| GOOD.replace("allow_transfer", &format!("dnssec = {table}\nallow_transfer"));
        let (_, source) = load_text(&with(r#"{ keys = "keys/example.com" }"#))?;
        let ZoneSource::Files(files) = source else {
            panic!("zone files expected");
        };
        let signing = files[0].signing.as_ref().ok_or_else(|| anyhow!("signing expected"))?;
        assert!(signing.keys.ends_with("keys/example.com"));
        assert_eq!(signing.denial, Denial::Nsec);
        assert_eq!(signing.validity, 30 * 86400);

        let (_, source) = load_text(&with(
            r#"{ keys = "k", nsec3 = true, salt = "aabb", iterations = 1, opt_out = true, validity = "2w" }"#,
        ))?;
        let ZoneSource::Files(files) = source else {
            panic!("zone files expected");
        };
        let signing = files[0].signing.as_ref().ok_or_else(|| anyhow!("signing expected"))?;
        assert_eq!(
            signing.denial,
            Denial::Nsec3 {
                salt: vec![0xaa, 0xbb],
                iterations: 1,
                opt_out: true
            }
        );
        assert_eq!(signing.validity, 14 * 86400);

        for (bad, what) in [
            (r#"{ keys = "k", nsec = true }"#, "nsec"),
            (r#"{ nsec3 = true }"#, "keys"),
            (r#"{ keys = "k", salt = "aa" }"#, "dnssec.salt: only with nsec3 = true"),
            (r#"{ keys = "k", nsec3 = true, salt = "xyz" }"#, "dnssec.salt"),
            (r#"{ keys = "k", nsec3 = true, iterations = 501 }"#, "dnssec.iterations"),
            (r#"{ keys = "k", validity = "10m" }"#, "dnssec.validity"),
        ] {
            let err = load_text(&with(bad)).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(what), "{bad}: {err}");
        }
        Ok(())
    }
}
