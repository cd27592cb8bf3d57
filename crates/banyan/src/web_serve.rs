//! The registrar dashboard in `banyan serve` (the `[web]` section, DESIGN.md
//! "Configuration"): the section read and checked, and the `banyan-web` application run on a
//! runtime of its own until the process stops.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use banyan_registry::epp::tls;
use banyan_resolver::{RootHints, TrustAnchors};
use banyan_store::Store;
use banyan_web::{AppState, HostedNameServer, Price, RegistryEndpoint, SystemClock, TraceConfig, WebConfig};
use serde::Deserialize;

/// `[web]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct WebSection {
    /// Where the dashboard answers, plain HTTP (default `127.0.0.1:8053`; put a TLS proxy in
    /// front of it for anything but loopback, and set `secure_cookies`).
    pub listen: Option<SocketAddr>,
    /// Its own database (accounts, sessions, tokens, who holds which domain): `sqlite://…`
    /// or `postgres://…` (default `sqlite://DATA_DIR/web.db`).
    pub database: Option<String>,
    /// The hosted name servers: every zone created here gets them as its NS set (the first
    /// is the SOA MNAME) and the registry gets them as the domain's hosts. Serve the zones
    /// with `[auth] all_managed = true` on the same store.
    pub name_servers: Vec<NameServerSection>,
    /// The registries this registrar is accredited with.
    pub registry: Vec<RegistryEndpointSection>,
    /// Yearly prices by TLD: `prices = { "test." = "12.50 USD" }`.
    #[serde(default)]
    pub prices: BTreeMap<String, String>,
    /// Mark the session cookie `Secure` (behind HTTPS). Default false.
    #[serde(default)]
    pub secure_cookies: bool,
    /// How long a session lasts (default `"12h"`).
    pub session_lifetime: Option<String>,
    /// The recursive resolver the lookup page shows the answer of (default: none).
    pub resolver: Option<SocketAddr>,
    /// Traces on the lookup page (default true): from these root hints (default: built in)…
    pub lookups: Option<bool>,
    /// …a root hints file (relative to the config file)…
    pub root_hints: Option<PathBuf>,
    /// …validating from this trust anchor file (default: the built-in root KSKs)…
    pub trust_anchor: Option<PathBuf>,
    /// …asking servers on this port (default 53; labs only).
    pub upstream_port: Option<u16>,
}

/// `[[web.name_servers]]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct NameServerSection {
    /// Its name, e.g. `"ns1.registrar.example."`.
    pub name: String,
    /// Its addresses, sent as glue when the name lies in a registry's TLD (default none).
    #[serde(default)]
    pub addresses: Vec<IpAddr>,
    /// Where the propagation panel asks it for a zone's SOA (default: its first address,
    /// port 53; none without addresses).
    pub dns: Option<SocketAddr>,
}

/// `[[web.registry]]`: one registry's EPP server and this registrar's account there.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RegistryEndpointSection {
    /// The TLDs it runs.
    pub tlds: Vec<String>,
    /// Its EPP address (TLS, RFC 5734).
    pub epp: SocketAddr,
    /// The name its certificate is checked against (default: the EPP address's IP).
    pub server_name: Option<String>,
    /// The certificate (PEM) trusted for it: its CA's or its own self-signed one (relative
    /// to the config file).
    pub ca: PathBuf,
    /// The registrar's client identifier there.
    pub client_id: String,
    /// Its password there.
    pub password: String,
}

/// What `[web]` asks to run, checked.
#[derive(Debug, Clone)]
pub struct WebServeConfig {
    /// Where it listens.
    pub listen: SocketAddr,
    /// The zone store the hosted zones live in.
    pub store: String,
    /// The application's configuration.
    pub web: WebConfig,
}

/// The default dashboard address (DESIGN.md `[web]`).
const DEFAULT_LISTEN: &str = "127.0.0.1:8053";

/// Reads `[web]`: `data_dir` for the default database, `store_url` for the hosted zones,
/// `path` (the config file) for messages and relative paths.
pub fn web_config(
    w: &WebSection,
    data_dir: Option<&Path>,
    store_url: Option<String>,
    path: &Path,
) -> anyhow::Result<WebServeConfig> {
    let file = path.display();
    let base = path.parent().unwrap_or(Path::new("."));
    let store = store_url.ok_or_else(|| anyhow!("{file}: [web]: needs the zone store (data_dir or store)"))?;
    let database = match (&w.database, data_dir) {
        (Some(url), _) => url.clone(),
        (None, Some(dir)) => banyan_store::sql::sqlite_url_in(&base.join(dir), "web.db")
            .with_context(|| format!("{file}: web.database under data_dir"))?,
        (None, None) => bail!("{file}: web.database: give it, or data_dir"),
    };
    let mut web = WebConfig::new(database);
    if w.name_servers.is_empty() {
        bail!("{file}: web.name_servers: at least one hosted name server is needed");
    }
    for ns in &w.name_servers {
        let name = parse_name(&ns.name).map_err(|e| anyhow!("{file}: web.name_servers: {e}"))?;
        if let Some(at) = ns.dns.or_else(|| ns.addresses.first().map(|a| SocketAddr::new(*a, 53))) {
            web.dns_servers.push((name.clone(), at));
        }
        web.name_servers.push(HostedNameServer {
            name,
            addrs: ns.addresses.clone(),
        });
    }
    for (i, r) in w.registry.iter().enumerate() {
        let key = |k: &str| format!("{file}: web.registry[{i}].{k}");
        let ca = base.join(&r.ca);
        let pem = std::fs::read_to_string(&ca).with_context(|| format!("{} {}", key("ca"), ca.display()))?;
        let trusted = tls::certificates_from_pem(&pem).map_err(|e| anyhow!("{} {}: {e}", key("ca"), ca.display()))?;
        let tlds = r
            .tlds
            .iter()
            .map(|t| parse_name(t).map_err(|e| anyhow!("{}: {e}", key("tlds"))))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if tlds.is_empty() {
            bail!("{}: at least one TLD", key("tlds"));
        }
        web.registries.push(RegistryEndpoint {
            tlds,
            addr: r.epp,
            server_name: r.server_name.clone().unwrap_or_else(|| r.epp.ip().to_string()),
            trusted,
            client_id: r.client_id.clone(),
            password: r.password.clone(),
        });
    }
    if web.registries.is_empty() {
        bail!("{file}: [[web.registry]]: at least one registry is needed");
    }
    for (tld, price) in &w.prices {
        let key = format!("{file}: web.prices.\"{tld}\"");
        let name = parse_name(tld).map_err(|e| anyhow!("{key}: {e}"))?;
        web.prices.insert(
            name.to_string().to_ascii_lowercase(),
            parse_price(price).map_err(|e| anyhow!("{key}: {e}"))?,
        );
    }
    web.secure_cookies = w.secure_cookies;
    if let Some(text) = &w.session_lifetime {
        web.session_lifetime =
            crate::auth_cmd::parse_duration(text).map_err(|e| anyhow!("{file}: web.session_lifetime: {e}"))?;
    }
    web.resolver = w.resolver;
    if w.lookups.unwrap_or(true) {
        let root_hints = match &w.root_hints {
            Some(p) => RootHints::from_file(&base.join(p)).map_err(|e| anyhow!("{file}: web.root_hints: {e}"))?,
            None => RootHints::builtin(),
        };
        let trust_anchors = match &w.trust_anchor {
            Some(p) => TrustAnchors::from_file(&base.join(p)).map_err(|e| anyhow!("{file}: web.trust_anchor: {e}"))?,
            None => TrustAnchors::builtin(),
        };
        web.trace = Some(TraceConfig {
            root_hints,
            upstream_port: w.upstream_port.unwrap_or(53),
            trust_anchors: Some(trust_anchors),
        });
    }
    let listen = match w.listen {
        Some(a) => a,
        None => DEFAULT_LISTEN.parse().context("the default dashboard address")?,
    };
    Ok(WebServeConfig { listen, store, web })
}

fn parse_name(text: &str) -> anyhow::Result<banyan_wire::Name> {
    let text = if text.ends_with('.') {
        text.to_string()
    } else {
        format!("{text}.")
    };
    banyan_wire::Name::parse(&text, None).map_err(|e| anyhow!("{text:?}: {e}"))
}

/// `"12.50 USD"`: an amount with at most two decimals and an ISO 4217 code.
fn parse_price(text: &str) -> Result<Price, String> {
    let bad = || format!("{text:?}: write a price as \"12.50 USD\"");
    let (amount, currency) = text.trim().split_once(' ').ok_or_else(bad)?;
    let currency = currency.trim();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad());
    }
    let (units, cents) = match amount.split_once('.') {
        Some((u, c)) if c.len() == 2 => (u, c),
        Some(_) => return Err(bad()),
        None => (amount, "00"),
    };
    let units: u64 = units.parse().map_err(|_| bad())?;
    let cents: u64 = cents.parse().map_err(|_| bad())?;
    let minor_units = units
        .checked_mul(100)
        .and_then(|u| u.checked_add(cents))
        .ok_or_else(bad)?;
    Ok(Price {
        minor_units,
        currency: currency.to_string(),
    })
}

/// The running dashboard: its runtime holds the HTTP server.
pub struct WebServer {
    runtime: tokio::runtime::Runtime,
}

impl WebServer {
    /// Opens the databases, binds and prints `dashboard listening on http://ADDR/` (scripts
    /// wait for the line).
    pub fn start(config: WebServeConfig) -> anyhow::Result<WebServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("banyan-web")
            .enable_all()
            .build()
            .context("starting the dashboard's runtime")?;
        runtime.block_on(async {
            let store = Store::open(&config.store)
                .await
                .map_err(|e| anyhow!("the zone store for the dashboard: {e}"))?;
            let state = AppState::open(config.web, store, Arc::new(SystemClock))
                .await
                .map_err(|e| anyhow!("the dashboard: {e}"))?;
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("web.listen {}", config.listen))?;
            let addr = listener.local_addr().context("web.listen")?;
            tokio::spawn(async move {
                if let Err(e) = banyan_web::serve(listener, state, std::future::pending()).await {
                    eprintln!("dashboard on {addr} stopped: {e}");
                }
            });
            let mut out = std::io::stdout().lock();
            writeln!(out, "dashboard listening on http://{addr}/")?;
            out.flush()?;
            anyhow::Ok(())
        })?;
        Ok(WebServer { runtime })
    }

    /// Stops answering (open connections end).
    pub fn shutdown(self) {
        self.runtime.shutdown_timeout(Duration::from_secs(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_read_as_written() {
        assert_eq!(
            parse_price("12.50 USD"),
            Ok(Price {
                minor_units: 1250,
                currency: "USD".into()
            })
        );
        assert_eq!(parse_price("7 EUR").map(|p| p.minor_units), Ok(700));
        for bad in ["12.5 USD", "12.50", "12.50 usd", "x USD", "1.234 USD"] {
            assert!(parse_price(bad).is_err(), "{bad}");
        }
    }
}
