//! The registrar's dashboard in `banyan up` (issue 10's "`banyan up` starts the dashboard as
//! the registrar of the world's TLDs, with a demo account printed on the map"): the
//! `banyan-web` application, accredited with every TLD registry of the world as the demo
//! registrar, hosting the zones it registers on the world's `hosted = true` servers (which
//! serve every zone of the hosting store as it appears).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use banyan_registry::epp::tls;
use banyan_resolver::{RootHints, TrustAnchors};
use banyan_store::Store;
use banyan_web::actions::SignUp;
use banyan_web::{AppState, HostedNameServer, Price, RegistryEndpoint, SystemClock, TraceConfig, WebConfig};

use super::registries::DEMO_REGISTRAR;
use super::world::World;
use crate::registry_serve::Endpoints;

/// Where the dashboard listens unless told otherwise (DESIGN.md `[web]`).
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8053);

/// The lab's price of a year in every TLD: a round figure, so the search page shows one.
const LAB_PRICE_CENTS: u64 = 1000;

/// The demo account's e-mail address (its password is made at each start).
pub const DEMO_EMAIL: &str = "demo@example.com";

/// The running dashboard, for the map.
#[derive(Clone, Debug)]
pub struct Dashboard {
    /// Where it answers.
    pub addr: SocketAddr,
    /// Why it is not on the address asked for, if it is not.
    pub note: Option<String>,
    /// The demo account's password.
    pub demo_password: String,
}

/// What the dashboard's propagation panel and lookup page ask: the world's port (its
/// servers answer there), its resolver, and the root hints and trust anchors for traces.
pub struct DnsView {
    /// The port every server of the world answers on.
    pub port: u16,
    /// The world's resolver.
    pub resolver: SocketAddr,
    /// The world's root hints.
    pub root_hints: RootHints,
    /// The world's trust anchor, when it is signed.
    pub trust_anchors: Option<TrustAnchors>,
}

/// Starts the dashboard on the current runtime: accredited with every registry in
/// `registries` (TLD, endpoints) as the demo registrar, hosting zones in `hosting_store`
/// served by the world's hosted servers, listening on `listen` (or, when that is taken or
/// privileged, on a port the system picks). Creates the demo account.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    world: &World,
    registries: &[(String, Endpoints)],
    registrar_password: &str,
    hosting_store: &str,
    run_dir: &Path,
    listen: SocketAddr,
    dns: DnsView,
) -> anyhow::Result<Dashboard> {
    let mut endpoints = Vec::with_capacity(registries.len());
    let mut prices = BTreeMap::new();
    for (tld, at) in registries {
        let pem = std::fs::read_to_string(&at.certificate)
            .with_context(|| format!("the EPP certificate of {tld}: {}", at.certificate.display()))?;
        let trusted = tls::certificates_from_pem(&pem).map_err(|e| anyhow!("the EPP certificate of {tld}: {e}"))?;
        let tld_name: banyan_wire::Name = tld.parse().map_err(|e| anyhow!("TLD {tld}: {e}"))?;
        endpoints.push(RegistryEndpoint {
            tlds: vec![tld_name],
            addr: at.epp,
            server_name: at.epp.ip().to_string(),
            trusted,
            client_id: DEMO_REGISTRAR.to_string(),
            password: registrar_password.to_string(),
        });
        prices.insert(
            tld.to_ascii_lowercase(),
            Price {
                minor_units: LAB_PRICE_CENTS,
                currency: "USD".to_string(),
            },
        );
    }
    let registry_tlds: Vec<banyan_wire::Name> = endpoints.iter().flat_map(|e| e.tlds.clone()).collect();
    let name_servers = world
        .servers
        .iter()
        .filter(|s| s.hosted)
        .map(|s| HostedNameServer {
            name: s.name.clone(),
            // Glue only where the registry holds it: a name inside one of its TLDs.
            addrs: if registry_tlds.iter().any(|t| s.name.is_subdomain_of(t)) {
                vec![IpAddr::V4(s.address)]
            } else {
                Vec::new()
            },
        })
        .collect();
    let database = banyan_store::sql::sqlite_url_in(run_dir, "web.db")
        .with_context(|| format!("the dashboard's database under {}", run_dir.display()))?;
    let mut config = WebConfig::new(database);
    config.registries = endpoints;
    config.name_servers = name_servers;
    config.prices = prices;
    // Zones made here answer "no such name" for five minutes at most, as the world's do.
    config.soa.minimum = config.soa.minimum.min(300);
    // The propagation panel asks every server of the world by name (a hosted zone's NS
    // names are hosted servers), the lookup page traces from the world's root.
    config.dns_servers = world
        .servers
        .iter()
        .map(|s| (s.name.clone(), SocketAddr::new(IpAddr::V4(s.address), dns.port)))
        .collect();
    config.resolver = Some(dns.resolver);
    config.trace = Some(TraceConfig {
        root_hints: dns.root_hints,
        upstream_port: dns.port,
        trust_anchors: dns.trust_anchors,
    });
    let store = Store::open(hosting_store)
        .await
        .map_err(|e| anyhow!("the hosting store: {e}"))?;
    let state = AppState::open(config, store, Arc::new(SystemClock))
        .await
        .map_err(|e| anyhow!("the dashboard: {e}"))?;
    let demo_password = crate::registry_cmd::random_auth_info();
    banyan_web::actions::sign_up(
        &state,
        &SignUp {
            email: DEMO_EMAIL.to_string(),
            password: demo_password.clone(),
            name: "Demo Holder".to_string(),
            city: "Localhost".to_string(),
            country: "ZZ".to_string(),
        },
    )
    .await
    .map_err(|e| anyhow!("the dashboard's demo account: {e}"))?;
    let (listener, note) = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => (l, None),
        Err(e) => {
            let fallback = SocketAddr::new(listen.ip(), 0);
            let l = tokio::net::TcpListener::bind(fallback)
                .await
                .with_context(|| format!("the dashboard on {fallback}"))?;
            (l, Some(format!("{listen}: {e}")))
        }
    };
    let addr = listener.local_addr().context("the dashboard's address")?;
    tokio::spawn(async move {
        if let Err(e) = banyan_web::serve(listener, state, std::future::pending()).await {
            eprintln!("dashboard on {addr} stopped: {e}");
        }
    });
    Ok(Dashboard {
        addr,
        note,
        demo_password,
    })
}
