//! `banyan up`: the miniature internet. Starts every authoritative server of a world (root,
//! TLDs, second-level zones; see [`world`]) on its own loopback address and one port, a
//! registry for each TLD (EPP, RDAP, WHOIS; see [`registries`]) that publishes the TLD's
//! zone, and a recursive resolver that knows the world's root hints, answering over UDP, TCP,
//! DNS over TLS and DNS over HTTPS (a self-signed certificate made at start); serves
//! Prometheus `/metrics` for the servers and the resolver; prints a map of what runs where
//! and commands to try; serves until SIGINT or SIGTERM.
//!
//! This module only wires things together: zones come from `banyan-zone` (built by
//! [`world`]), serving from `banyan-server`, resolving from `banyan-resolver`, the
//! registries from `banyan-registry`.

mod dashboard;
mod registries;
mod signing;
pub mod world;

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use banyan_auth::{Catalog, Cidr, TransferAcl};
use banyan_resolver::{LocalZones, Resolver, ResolverConfig, RootHints, TrustAnchors};
use banyan_server::{
    DynamicZone, Encrypted, MetricsEndpoint, ResolverServer, ResolverServerConfig, Server, ServerConfig, ServerError,
    StoreConfig, TlsIdentity, ZoneFile, ZoneSigning, ZoneSource,
};
use banyan_wire::Name;
use banyan_zone::Zone;

use crate::registry_serve::Endpoints;
use registries::WorldRegistry;
use world::{World, ZoneContent};

/// The command-line options of `banyan up`.
#[derive(clap::Args, Debug)]
pub struct UpArgs {
    /// The world to start (TOML: [[server]] and [[zone]] entries) [default: the embedded
    /// world of root, TLDs and example.com and friends].
    #[arg(long, value_name = "FILE")]
    pub world: Option<PathBuf>,
    /// Port every server of the world answers on; 0 picks a free one [default: 53, or 5300
    /// when 53 cannot be bound].
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Where the resolver answers (port 0 picks one) [default: 127.0.0.1 on the servers' port].
    #[arg(long, value_name = "ADDR:PORT")]
    pub resolver: Option<SocketAddr>,
    /// Also write the map (servers, zones, resolver, root hints) as JSON to FILE.
    #[arg(long = "map-json", value_name = "FILE")]
    pub map_json: Option<PathBuf>,
    /// Where the registrar's dashboard answers (HTTP) [default: 127.0.0.1:8053, or a port the
    /// system picks when that is taken].
    #[arg(long, value_name = "ADDR:PORT")]
    pub web: Option<SocketAddr>,
}

/// The port tried when 53 cannot be bound (not root, or taken): easy to type, unprivileged.
const FALLBACK_PORT: u16 = 5300;

/// How often zone files are looked at: a second is quick enough for someone editing a file
/// and costs a few `stat` calls.
const WATCH: Duration = Duration::from_secs(1);

/// Where `/metrics` is served when the port is free (the port Prometheus' CoreDNS exporter
/// uses); another instance of `up` gets a port the system picks.
const METRICS_LISTEN: ([u8; 4], u16) = ([127, 0, 0, 1], 9153);

/// The per-run directory (root hints, generated zone files), removed on exit.
struct RunDir(PathBuf);

impl RunDir {
    fn create() -> anyhow::Result<RunDir> {
        let path = std::env::temp_dir().join(format!("banyan-up-{}", std::process::id()));
        // A directory left by an earlier process with the same PID holds nothing of ours.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(path.join("zones")).with_context(|| format!("creating {}", path.display()))?;
        Ok(RunDir(path))
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The running world: its servers (in world order) and the resolver.
struct Lab {
    servers: Vec<Server>,
    resolver: ResolverServer,
    port: u16,
}

impl Lab {
    /// Where the resolver answers (its first address; the servers' port on 127.0.0.1 if it
    /// has none, which `start_lab` does not let happen).
    fn resolver_addr(&self) -> SocketAddr {
        self.resolver
            .local_addrs()
            .first()
            .copied()
            .unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.port))
    }

    /// Stops everything at once: each server's UDP workers take up to their poll interval to
    /// notice, so stopping them one after another would add up.
    fn shutdown(self) {
        std::thread::scope(|s| {
            for server in self.servers {
                s.spawn(move || server.shutdown());
            }
            let resolver = self.resolver;
            s.spawn(move || resolver.shutdown());
        });
    }
}

/// The zones a server keeps in a store of its own: the registry TLDs it serves, as their
/// primary (the first server listing the zone: the registry publishes into its store) or as
/// a secondary of that primary.
#[derive(Clone, Debug, Default)]
struct StorePlan {
    /// `sqlite://…` of its store.
    url: String,
    /// TLDs it is the primary of, with the servers (indexes into the world's) that are
    /// their secondaries, and whether the zone is signed.
    primary: Vec<(Name, Vec<usize>, bool)>,
    /// TLDs it is a secondary of, with their primary (an index).
    secondary: Vec<(Name, usize)>,
    /// A hosted name server: it serves every managed zone of its store (the hosting store
    /// the dashboard writes, shared by all hosted servers).
    all_managed: bool,
}

/// The store the dashboard keeps its hosted zones in, under the run directory.
fn hosting_store(run_dir: &Path) -> anyhow::Result<String> {
    banyan_store::sql::sqlite_url_in(&run_dir.join("stores"), "hosting.db")
        .with_context(|| format!("the hosting store under {}", run_dir.display()))
}

/// For each server of the world, the store plan when it serves a registry TLD or is a
/// hosted name server.
fn store_plans(world: &World, run_dir: &Path) -> anyhow::Result<Vec<Option<StorePlan>>> {
    let mut plans: Vec<Option<StorePlan>> = vec![None; world.servers.len()];
    for (i, s) in world.servers.iter().enumerate() {
        if s.hosted {
            plans[i] = Some(StorePlan {
                url: hosting_store(run_dir)?,
                all_managed: true,
                ..StorePlan::default()
            });
        }
    }
    for z in world.zones.iter().filter(|z| z.registry) {
        let Some(primary) = world.primary_of(&z.name) else {
            continue;
        };
        let listing: Vec<usize> = (0..world.servers.len())
            .filter(|&i| world.servers[i].zones.contains(&z.name))
            .collect();
        let secondaries: Vec<usize> = listing.iter().copied().filter(|&i| i != primary).collect();
        for &i in &listing {
            if world.servers[i].hosted {
                anyhow::bail!(
                    "{}: server {} is a hosted name server and serves the registry TLD {}: give them different servers",
                    world.label,
                    world.servers[i].name,
                    z.name
                );
            }
            if plans[i].is_none() {
                let stem = world.servers[i].name.to_string().trim_end_matches('.').to_string();
                let url = banyan_store::sql::sqlite_url_in(&run_dir.join("stores"), &format!("{stem}.db"))
                    .with_context(|| {
                        format!(
                            "the zone store of {} under {}",
                            world.servers[i].name,
                            run_dir.display()
                        )
                    })?;
                plans[i] = Some(StorePlan {
                    url,
                    ..StorePlan::default()
                });
            }
        }
        if let Some(p) = plans[primary].as_mut() {
            p.primary.push((z.name.clone(), secondaries.clone(), z.signed));
        }
        for &i in &secondaries {
            if let Some(p) = plans[i].as_mut() {
                p.secondary.push((z.name.clone(), primary));
            }
        }
    }
    Ok(plans)
}

/// The store configuration of server `i` on `port`: its primary zones managed (signed
/// online with the world's keys, NOTIFY and transfers to its secondaries), its secondary
/// zones transferred from their primary.
fn store_config(
    world: &World,
    plan: &StorePlan,
    port: u16,
    keys: &Path,
) -> (StoreConfig, Vec<(Name, Vec<TransferAcl>)>) {
    let at = |i: usize| SocketAddr::new(IpAddr::V4(world.servers[i].address), port);
    let mut zones = Vec::new();
    let mut acls = Vec::new();
    for (origin, secondaries, signed) in &plan.primary {
        let mut z = DynamicZone::managed(origin.clone());
        z.notify = secondaries.iter().map(|&i| at(i)).collect();
        z.signing = signed.then(|| ZoneSigning::new(keys.to_path_buf()));
        zones.push(z);
        let acl = secondaries
            .iter()
            .filter_map(|&i| world.servers[i].address.to_string().parse::<Cidr>().ok())
            .map(TransferAcl::Addr)
            .collect();
        acls.push((origin.clone(), acl));
    }
    for (origin, primary) in &plan.secondary {
        zones.push(DynamicZone::secondary(origin.clone(), vec![at(*primary)], None));
    }
    (
        StoreConfig {
            url: plan.url.clone(),
            zones,
            all_managed: plan.all_managed,
        },
        acls,
    )
}

/// A port free on `ip` now, for a world on port 0 whose first server must already know the
/// port (to NOTIFY its secondaries). Another process could take it before the server binds
/// it; the server then fails to start with a clear error.
fn free_port(ip: Ipv4Addr) -> Result<u16, ServerError> {
    let addr = SocketAddr::new(IpAddr::V4(ip), 0);
    let socket = std::net::UdpSocket::bind(addr).map_err(|source| ServerError::Bind {
        addr,
        proto: "udp",
        source,
    })?;
    socket
        .local_addr()
        .map(|a| a.port())
        .map_err(|source| ServerError::Bind {
            addr,
            proto: "udp",
            source,
        })
}

/// What `start_lab` needs besides the port.
struct LabPlan<'a> {
    world: &'a World,
    /// The world's views, signed when the world is.
    views: &'a [banyan_auth::View],
    zones: &'a [Zone],
    files: &'a [Option<PathBuf>],
    stores: &'a [Option<StorePlan>],
    keys: PathBuf,
    resolver_at: Option<SocketAddr>,
    hints: &'a RootHints,
    anchors: Option<&'a TrustAnchors>,
    /// The resolver's certificate and key for DoT and DoH.
    tls: TlsIdentity,
}

/// Starts every server on `port` (0: the first one picks, the rest follow) and the resolver:
/// servers with only zone files first, then the primaries of registry TLDs, then their
/// secondaries (which transfer from the primaries as they start). On an error, what was
/// started is stopped (dropped) before returning.
fn start_lab(plan: &LabPlan<'_>, port: u16) -> Result<Lab, ServerError> {
    let world = plan.world;
    let mut port = port;
    let rank = |i: usize| match &plan.stores[i] {
        None => 0,
        Some(p) if !p.primary.is_empty() => 1,
        Some(_) => 2,
    };
    let mut order: Vec<usize> = (0..world.servers.len()).collect();
    order.sort_by_key(|&i| rank(i));
    let mut started: Vec<Option<Server>> = (0..world.servers.len()).map(|_| None).collect();
    for i in order {
        let s = &world.servers[i];
        let mut served = Vec::new();
        let mut source = Vec::new();
        for (j, z) in world.zones.iter().enumerate() {
            if let (true, Some(file)) = (s.zones.contains(&z.name), &plan.files[j]) {
                served.push(plan.zones[j].clone());
                source.push(ZoneFile::new(z.name.clone(), file.clone()));
            }
        }
        if port == 0 && rank(i) > 0 {
            port = free_port(s.address)?;
        }
        let mut config = ServerConfig::new(vec![SocketAddr::new(IpAddr::V4(s.address), port)]);
        // A lab, not a load test: one UDP thread per server keeps twenty servers light.
        config.udp_workers = 1;
        // Views: every server knows them (only names in its zones are asked of it); the
        // lab's clients can pick one by ECS (`+subnet`) and ask `+why`.
        if !plan.views.is_empty() {
            config.auth.views = plan.views.to_vec();
            config.auth.ecs = true;
            config.auth.debug_allow = "127.0.0.0/8".parse::<Cidr>().into_iter().collect();
        }
        if let Some(store) = &plan.stores[i] {
            let (store, acls) = store_config(world, store, port, &plan.keys);
            // The registries and the dashboard (on loopback) NOTIFY the servers reading
            // their stores after each change.
            config.auth.notifiers = "127.0.0.0/8".parse::<Cidr>().into_iter().collect();
            config.store = Some(store);
            config.auth.zone_transfer = acls;
        }
        let server = Server::start(config, Catalog::new(served), ZoneSource::Files(source))?;
        if port == 0 {
            port = server.local_addrs().first().map_or(0, |a| a.port());
        }
        started[i] = Some(server);
    }
    let servers: Vec<Server> = started.into_iter().flatten().collect();
    let config = ResolverConfig {
        upstream_port: port,
        // The world's servers are on loopback; a resolver that refused private upstreams
        // would find nobody to ask.
        allow_private_upstream: true,
        ..ResolverConfig::default()
    };
    let mut resolver = Resolver::new(config, plan.hints.clone(), LocalZones::defaults());
    if let Some(a) = plan.anchors {
        resolver.set_trust_anchors(a.clone());
    }
    let listen = plan
        .resolver_at
        .unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    let mut resolver_config = ResolverServerConfig::new(vec![listen]);
    // DoT and DoH on the resolver's address, on ports the system picks (853 and 443 need
    // root, and several worlds may run at once); the map says which.
    resolver_config.encrypted = Encrypted {
        tls_listen: vec![SocketAddr::new(listen.ip(), 0)],
        https_listen: vec![SocketAddr::new(listen.ip(), 0)],
        identity: Some(plan.tls.clone()),
    };
    let resolver = ResolverServer::start(resolver_config, Arc::new(resolver))?;
    Ok(Lab {
        servers,
        resolver,
        port,
    })
}

/// A self-signed certificate for the resolver's DoT and DoH (names `localhost` and the
/// resolver's address), written as PEM into `run_dir/tls/`.
fn resolver_certificate(run_dir: &Path, resolver_ip: Option<IpAddr>) -> anyhow::Result<TlsIdentity> {
    let ip = resolver_ip.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)).to_string();
    let made =
        banyan_registry::epp::tls::self_signed(&["localhost", &ip]).context("making the resolver's certificate")?;
    let dir = run_dir.join("tls");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let identity = TlsIdentity {
        certificate: dir.join("resolver-cert.pem"),
        key: dir.join("resolver-key.pem"),
    };
    std::fs::write(&identity.certificate, &made.cert_pem)
        .with_context(|| format!("writing {}", identity.certificate.display()))?;
    std::fs::write(&identity.key, &made.key_pem).with_context(|| format!("writing {}", identity.key.display()))?;
    Ok(identity)
}

/// `/metrics` for the whole world: the servers' counters summed (one zone serial per zone)
/// and the resolver's; on [`METRICS_LISTEN`], or a port the system picks when it is taken.
fn start_metrics(lab: &Lab) -> anyhow::Result<MetricsEndpoint> {
    let handles: Vec<banyan_server::MetricsHandle> = lab.servers.iter().map(Server::metrics_handle).collect();
    let resolver = lab.resolver.resolver().clone();
    let render = move || {
        let auth = sum_snapshots(handles.iter().map(banyan_server::MetricsHandle::snapshot));
        let resolver = banyan_server::ResolverMetrics::of(&resolver);
        banyan_server::metrics::render(Some(&auth), Some(&resolver))
    };
    match MetricsEndpoint::start(METRICS_LISTEN.into(), render.clone()) {
        Ok(endpoint) => Ok(endpoint),
        Err(_) => MetricsEndpoint::start(SocketAddr::from((METRICS_LISTEN.0, 0)), render)
            .context("serving /metrics on 127.0.0.1"),
    }
}

/// The counts of several servers added up; a zone served by several is listed once, with
/// the highest serial among them.
fn sum_snapshots(snapshots: impl Iterator<Item = banyan_server::MetricsSnapshot>) -> banyan_server::MetricsSnapshot {
    let mut total = banyan_server::MetricsSnapshot::default();
    let mut zones = std::collections::BTreeMap::new();
    for s in snapshots {
        let (c, t) = (&s.counts, &mut total.counts);
        let add = |into: &mut [u64], from: &[u64]| into.iter_mut().zip(from).for_each(|(a, b)| *a += b);
        add(&mut t.queries, &c.queries);
        add(&mut t.qtypes, &c.qtypes);
        add(&mut t.rcodes, &c.rcodes);
        t.rrl_dropped += c.rrl_dropped;
        t.rrl_slipped += c.rrl_slipped;
        for (zone, serial) in s.zones {
            let kept = zones.entry(zone).or_insert(serial);
            *kept = (*kept).max(serial);
        }
    }
    total.zones = zones.into_iter().collect();
    total
}

/// How long the secondaries of the registry TLDs get to transfer their zones at start.
const FIRST_TRANSFER: Duration = Duration::from_secs(10);

/// Waits (at most [`FIRST_TRANSFER`]) until every secondary serves its zones, so that the
/// map is printed when every server answers; names the ones that do not.
fn wait_for_secondaries(world: &World, stores: &[Option<StorePlan>], lab: &Lab) -> Vec<String> {
    let deadline = std::time::Instant::now() + FIRST_TRANSFER;
    loop {
        let missing: Vec<String> = stores
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.iter().flat_map(move |p| p.secondary.iter().map(move |(z, _)| (i, z))))
            .filter(|(i, z)| !lab.servers[*i].catalog().zones().any(|c| c.origin() == *z))
            .map(|(i, z)| format!("{} has no copy of {z} yet", world.servers[i].name))
            .collect();
        if missing.is_empty() || std::time::Instant::now() >= deadline {
            return missing;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Why port 53 could not be used, when that is a reason to fall back to [`FALLBACK_PORT`].
fn fallback_reason(e: &ServerError) -> Option<String> {
    match e {
        ServerError::Bind { addr, source, .. } => match source.kind() {
            std::io::ErrorKind::PermissionDenied => Some("port 53 needs root".to_string()),
            std::io::ErrorKind::AddrInUse => Some(format!("port 53 is taken on {}", addr.ip())),
            _ => None,
        },
        _ => None,
    }
}

/// `resolver stats: …`, the line printed on SIGUSR1 and on exit (tests read it).
fn stats_line(resolver: &Resolver) -> String {
    let v = resolver.counters.values();
    format!(
        "resolver stats: resolutions {}, cache hits {}, upstream queries {}",
        v.resolutions, v.cache_hits, v.upstream_queries
    )
}

/// Names to show in the "try" commands: a name in the first leaf zone with data of its own
/// (www. when it exists), and one in the deepest such zone.
fn sample_names(world: &World, zones: &[Zone]) -> (String, String) {
    let own_data = |c: &ZoneContent| match c {
        ZoneContent::Records(r) => !r.is_empty(),
        ZoneContent::File(_) => true,
    };
    let leaves: Vec<usize> = (0..world.zones.len())
        .filter(|&i| own_data(&world.zones[i].content))
        .filter(|&i| {
            !world
                .zones
                .iter()
                .any(|c| world.parent(&c.name).is_some_and(|p| p.name == world.zones[i].name))
        })
        .collect();
    let pick = |i: usize| {
        let origin = &world.zones[i].name;
        match origin.prepend(b"www") {
            Ok(www) if zones[i].node(&www).is_some() => www.to_string(),
            _ => origin.to_string(),
        }
    };
    let first = leaves.first().map_or_else(|| ".".to_string(), |&i| pick(i));
    let deepest = leaves
        .iter()
        .copied()
        .max_by_key(|&i| (world.zones[i].name.label_count(), std::cmp::Reverse(i)))
        .map_or_else(|| first.clone(), pick);
    let trim = |s: String| s.trim_end_matches('.').to_string();
    (trim(first), trim(deepest))
}

/// `banyan up …`.
pub fn run(args: &UpArgs) -> anyhow::Result<()> {
    let world = match &args.world {
        Some(path) => world::load(path)?,
        None => World::default_world()?,
    };
    let mut zones = world.build_zones()?;
    for (parent, child) in world.undelegated_children(&zones) {
        eprintln!("banyan up: warning: zone {parent} (a file) has no NS records for its child zone {child}");
    }
    let run_dir = RunDir::create()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // A signed world: each generated zone signed with its own key, DS records in the
    // parents, the root's DS the resolver's trust anchor.
    let keys = run_dir.0.join("keys");
    let anchor_path = run_dir.0.join("root.ds");
    // The views' records, signed below with their zones' keys in a signed world.
    let mut views = world.views.clone();
    let anchors = if world.dnssec {
        match signing::sign_world(
            &world,
            &mut zones,
            &mut views,
            &keys,
            u32::try_from(now).unwrap_or(u32::MAX),
        )? {
            Some(text) => {
                std::fs::write(&anchor_path, &text).with_context(|| format!("writing {}", anchor_path.display()))?;
                Some(TrustAnchors::from_file(&anchor_path)?)
            }
            None => None,
        }
    } else {
        None
    };
    // Every server reads its zones from files on reload: the world's own files, and the
    // generated zones written here (so an edit to either is picked up the same way). A
    // registry's TLD has no file: the registry publishes it into the store.
    let mut files = Vec::with_capacity(zones.len());
    for (w, zone) in world.zones.iter().zip(&zones) {
        let path = match &w.content {
            _ if w.registry => None,
            ZoneContent::File(path) => Some(path.clone()),
            ZoneContent::Records(_) => {
                // `banyan auth`'s naming: root.zone for the root, else <origin>.zone.
                let text = w.name.to_string();
                let stem = if w.name.is_root() {
                    "root"
                } else {
                    text.trim_end_matches('.')
                };
                let path = run_dir.0.join("zones").join(format!("{stem}.zone"));
                std::fs::write(&path, world::zone_file_text(zone))
                    .with_context(|| format!("writing {}", path.display()))?;
                Some(path)
            }
        };
        files.push(path);
    }
    let hints_path = run_dir.0.join("root.hints");
    std::fs::write(&hints_path, world.root_hints_text())
        .with_context(|| format!("writing {}", hints_path.display()))?;
    let hints = RootHints::from_file(&hints_path)?;
    let tls = resolver_certificate(&run_dir.0, args.resolver.map(|a| a.ip()))?;

    // The registries: their domains registered and their TLD zones in the primaries'
    // stores before any server starts.
    let stores = store_plans(&world, &run_dir.0)?;
    let store_of = |tld: &Name| stores[world.primary_of(tld)?].as_ref().map(|p| p.url.clone());
    let demo_password = crate::registry_cmd::random_auth_info();
    let hosting = world
        .servers
        .iter()
        .any(|s| s.hosted)
        .then(|| hosting_store(&run_dir.0))
        .transpose()?;
    let mut registries = registries::plan_all(&world, &zones, &run_dir.0, &demo_password, &store_of)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("banyan-up")
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let opened = runtime.block_on(registries::prepare(&registries, i64::try_from(now).unwrap_or(i64::MAX)))?;

    let plan = LabPlan {
        world: &world,
        views: &views,
        zones: &zones,
        files: &files,
        stores: &stores,
        keys,
        resolver_at: args.resolver,
        hints: &hints,
        anchors: anchors.as_ref(),
        tls: tls.clone(),
    };
    let (lab, port_note) = match args.port {
        Some(p) => (start_lab(&plan, p)?, None),
        None => match start_lab(&plan, 53) {
            Ok(lab) => (lab, None),
            Err(e) => match fallback_reason(&e) {
                Some(reason) => (start_lab(&plan, FALLBACK_PORT)?, Some(reason)),
                None => return Err(e.into()),
            },
        },
    };
    let metrics = start_metrics(&lab)?;
    for missing in wait_for_secondaries(&world, &stores, &lab) {
        eprintln!("banyan up: warning: {missing} (it keeps trying)");
    }
    for r in &mut registries {
        let primary = world.primary_of(&r.plan.tld).map(|i| world.servers[i].address);
        registries::set_ports(r, lab.port, lab.resolver_addr(), primary);
    }
    // What the dashboard's propagation panel and lookup page ask, from what is loaded.
    let dns = dashboard::DnsView {
        port: lab.port,
        resolver: lab.resolver_addr(),
        root_hints: hints.clone(),
        trust_anchors: anchors.clone(),
    };

    let result = runtime.block_on(serve(
        &world,
        &zones,
        &files,
        &lab,
        &run_dir,
        &hints_path,
        anchors.is_some().then_some(anchor_path.as_path()),
        port_note,
        (&registries, opened),
        &demo_password,
        hosting.as_deref().map(|store| (store, dns)),
        (&tls.certificate, metrics.local_addr()),
        args,
    ));
    drop(metrics);
    println!("{}", stats_line(lab.resolver.resolver()));
    lab.shutdown();
    runtime.shutdown_timeout(Duration::from_secs(2));
    drop(run_dir);
    result?;
    println!("stopped");
    Ok(())
}

/// Prints the map (once the signal handlers are in place, so a script may signal as soon as
/// it reads it), then serves: zone files looked at every second, SIGHUP reloads every
/// server, SIGUSR1 prints the resolver's counters, SIGINT/SIGTERM return.
#[allow(clippy::too_many_arguments)]
async fn serve(
    world: &World,
    zones: &[Zone],
    files: &[Option<PathBuf>],
    lab: &Lab,
    run_dir: &RunDir,
    hints_path: &Path,
    anchor_path: Option<&Path>,
    port_note: Option<String>,
    (registries, opened): (&[WorldRegistry], Vec<banyan_registry::Registry>),
    demo_password: &str,
    hosting: Option<(&str, dashboard::DnsView)>,
    (certificate, metrics): (&Path, SocketAddr),
    args: &UpArgs,
) -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut usr1 = signal(SignalKind::user_defined1())?;
    let mut hup = signal(SignalKind::hangup())?;

    let mut endpoints = Vec::with_capacity(registries.len());
    for (r, registry) in registries.iter().zip(opened) {
        let at = crate::registry_serve::serve_registry(&r.config, registry)
            .await
            .with_context(|| format!("the registry of {}", r.plan.tld))?;
        endpoints.push((r.plan.tld.to_string(), at));
    }
    // The dashboard needs somewhere to register names and servers to host them on.
    let web = match hosting {
        Some((store, dns)) if !endpoints.is_empty() => Some(
            dashboard::start(
                world,
                &endpoints,
                demo_password,
                store,
                &run_dir.0,
                args.web.unwrap_or(dashboard::DEFAULT_LISTEN),
                dns,
            )
            .await?,
        ),
        _ => None,
    };
    let mut map = Map::new(world, zones, files, lab, run_dir, hints_path, anchor_path, port_note);
    map.set_registries(endpoints, demo_password);
    map.dashboard = web;
    map.tls_certificate = certificate.to_path_buf();
    map.metrics = Some(metrics);
    if let Some(path) = &args.map_json {
        // Written aside and renamed, so a reader never sees half a file.
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(&map.json())?)
            .with_context(|| format!("--map-json {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("--map-json {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    out.write_all(map.text().as_bytes())?;
    out.flush()?;
    drop(out);

    let mut tick = tokio::time::interval(WATCH);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                for (s, server) in world.servers.iter().zip(&lab.servers) {
                    if let Some(errors) = server.reload_if_changed() {
                        report_reload(&s.name, &errors);
                    }
                }
            }
            _ = hup.recv() => {
                for (s, server) in world.servers.iter().zip(&lab.servers) {
                    report_reload(&s.name, &server.reload());
                }
            }
            _ = usr1.recv() => println!("{}", stats_line(lab.resolver.resolver())),
            _ = int.recv() => break,
            _ = term.recv() => break,
        }
    }
    Ok(())
}

fn report_reload(server: &Name, errors: &[String]) {
    for e in errors {
        eprintln!("reload: {server}: {e}");
    }
    let kept = if errors.is_empty() {
        ""
    } else {
        " (a zone that failed keeps its previous version)"
    };
    println!("reload: {server} read its zone files again{kept}");
}

/// What runs where, for the printed map and `--map-json`.
struct Map {
    label: String,
    header_note: String,
    port: u16,
    /// Name, address, zones, hosted.
    servers: Vec<(String, Ipv4Addr, Vec<String>, bool)>,
    /// Name, servers, file (none for a registry's TLD), generated.
    zones: Vec<(String, Vec<String>, Option<PathBuf>, bool)>,
    /// Each TLD's registry and where it answers.
    registries: Vec<(String, Endpoints)>,
    /// The demo registrar's password (its id is [`registries::DEMO_REGISTRAR`]).
    demo_password: String,
    /// The registrar's dashboard, when the world has registries and hosted servers.
    dashboard: Option<dashboard::Dashboard>,
    resolver: SocketAddr,
    /// The resolver's DNS over TLS and DNS over HTTPS addresses.
    dot: Vec<SocketAddr>,
    doh: Vec<SocketAddr>,
    /// The self-signed certificate they present (PEM), for clients to trust.
    tls_certificate: PathBuf,
    /// Where `/metrics` answers.
    metrics: Option<SocketAddr>,
    hints: Vec<(String, Ipv4Addr)>,
    hints_path: PathBuf,
    anchor_path: Option<PathBuf>,
    run_dir: PathBuf,
    try_commands: Vec<String>,
    /// Each view: its name, prefixes and the names it answers differently.
    views: Vec<(String, Vec<String>, Vec<String>)>,
}

impl Map {
    #[allow(clippy::too_many_arguments)]
    fn new(
        world: &World,
        zones: &[Zone],
        files: &[Option<PathBuf>],
        lab: &Lab,
        run_dir: &RunDir,
        hints_path: &Path,
        anchor_path: Option<&Path>,
        port_note: Option<String>,
    ) -> Map {
        let port = lab.port;
        let resolver = lab.resolver_addr();
        let (first, deepest) = sample_names(world, zones);
        let p = |port: u16| {
            if port == 53 {
                String::new()
            } else {
                format!(" -p {port}")
            }
        };
        let at = resolver.ip();
        // In a signed world the first command shows the `ad` flag and the trace validates.
        let (dnssec, trace_anchor) = match anchor_path {
            Some(a) => (" +dnssec", format!(" +dnssec --trust-anchor {}", a.display())),
            None => ("", String::new()),
        };
        let mut try_commands = vec![
            format!("banyan query @{at}{} {first}{dnssec}", p(resolver.port())),
            format!(
                "banyan query {first} +trace --root-hints {} --upstream-port {port}{trace_anchor}",
                hints_path.display()
            ),
            format!("dig @{at}{} {deepest}", p(resolver.port())),
        ];
        let mut views = Vec::with_capacity(world.views.len());
        for v in &world.views {
            let subnets: Vec<String> = v.subnets().map(|(c, _)| c.to_string()).collect();
            let mut names: Vec<String> = v.owners().map(|n| n.to_string()).collect();
            names.dedup();
            // Ask the primary of the first name's zone as a client of the view's first prefix.
            let server = v
                .owners()
                .next()
                .and_then(|n| world.primary_of(&world.authority(n)?.name))
                .map(|i| world.servers[i].address);
            if let (Some(server), Some(name), Some(subnet)) = (server, names.first(), subnets.first()) {
                try_commands.push(format!(
                    "banyan query @{server}{} {name} +subnet={subnet} +why",
                    p(port)
                ));
            }
            views.push((v.name().to_string(), subnets, names));
        }
        Map {
            label: world.label.clone(),
            header_note: port_note.map(|n| format!(" ({n})")).unwrap_or_default(),
            port,
            servers: world
                .servers
                .iter()
                .map(|s| {
                    (
                        s.name.to_string(),
                        s.address,
                        s.zones.iter().map(|z| z.to_string()).collect(),
                        s.hosted,
                    )
                })
                .collect(),
            zones: world
                .zones
                .iter()
                .zip(files)
                .map(|(z, f)| {
                    let servers = world
                        .servers
                        .iter()
                        .filter(|s| s.zones.contains(&z.name))
                        .map(|s| s.name.to_string())
                        .collect();
                    (
                        z.name.to_string(),
                        servers,
                        f.clone(),
                        matches!(z.content, ZoneContent::Records(_)),
                    )
                })
                .collect(),
            registries: Vec::new(),
            demo_password: String::new(),
            dashboard: None,
            resolver,
            dot: lab.resolver.tls_addrs().to_vec(),
            doh: lab.resolver.https_addrs().to_vec(),
            tls_certificate: PathBuf::new(),
            metrics: None,
            hints: world
                .root_hints()
                .into_iter()
                .map(|(n, a)| (n.to_string(), a))
                .collect(),
            hints_path: hints_path.to_path_buf(),
            anchor_path: anchor_path.map(Path::to_path_buf),
            run_dir: run_dir.0.clone(),
            try_commands,
            views,
        }
    }

    /// Adds the registries and their demo registrar, with commands to try against the first.
    fn set_registries(&mut self, registries: Vec<(String, Endpoints)>, demo_password: &str) {
        if let Some((tld, at)) = registries.first() {
            let example = self
                .zones
                .iter()
                .map(|z| z.0.as_str())
                .find(|z| z.ends_with(&format!(".{tld}")) && z.matches('.').count() == 2)
                .unwrap_or(tld.as_str())
                .trim_end_matches('.')
                .to_string();
            self.try_commands.push(format!(
                "banyan registry --server {} --ca {} --client-id {} --password {demo_password} domain info {example}",
                at.epp,
                at.certificate.display(),
                registries::DEMO_REGISTRAR
            ));
            if let Some(rdap) = at.rdap {
                self.try_commands.push(format!("curl http://{rdap}/domain/{example}"));
            }
        }
        self.registries = registries;
        self.demo_password = demo_password.to_string();
    }

    fn text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "Banyan's miniature internet ({}): {} servers, {} zones, port {}{}",
            self.label,
            self.servers.len(),
            self.zones.len(),
            self.port,
            self.header_note
        );
        let name_w = self
            .servers
            .iter()
            .map(|s| s.0.len())
            .max()
            .unwrap_or(0)
            .max("resolver".len());
        let addr_w = self
            .servers
            .iter()
            .map(|s| format!("{}:{}", s.1, self.port).len())
            .chain([self.resolver.to_string().len()])
            .max()
            .unwrap_or(0);
        let addr = |a: String| format!("{a:<addr_w$}");
        for (name, address, zones, _) in &self.servers {
            let _ = writeln!(
                t,
                "  {name:<name_w$}  {}  {}",
                addr(format!("{address}:{}", self.port)),
                zones.join(" ")
            );
        }
        let hints: Vec<&str> = self.hints.iter().map(|h| h.0.as_str()).collect();
        let _ = writeln!(
            t,
            "  {:<name_w$}  {}  root hints: {}",
            "resolver",
            addr(self.resolver.to_string()),
            hints.join(" ")
        );
        let doh: Vec<String> = self.doh.iter().map(|a| format!("https://{a}/dns-query")).collect();
        let dot: Vec<String> = self.dot.iter().map(SocketAddr::to_string).collect();
        let _ = writeln!(
            t,
            "  {:<name_w$}  DoT {}  DoH {}  (certificate {})",
            "",
            dot.join(" "),
            doh.join(" "),
            self.tls_certificate.display()
        );
        if let Some(m) = self.metrics {
            let _ = writeln!(
                t,
                "metrics: http://{m}/metrics (the world's servers, summed, and the resolver)"
            );
        }
        if !self.registries.is_empty() {
            let _ = writeln!(
                t,
                "registries (demo registrar: --client-id {} --password {}):",
                registries::DEMO_REGISTRAR,
                self.demo_password
            );
            let tld_w = self.registries.iter().map(|r| r.0.len()).max().unwrap_or(0);
            for (tld, at) in &self.registries {
                let opt = |a: Option<SocketAddr>| a.map_or_else(|| "-".to_string(), |a| a.to_string());
                let _ = writeln!(
                    t,
                    "  {tld:<tld_w$}  epp {} (--ca {})  rdap http://{}/  whois {}",
                    at.epp,
                    at.certificate.display(),
                    opt(at.rdap),
                    opt(at.whois)
                );
            }
            let _ = writeln!(
                t,
                "  each TLD zone is the registry's: a name registered over EPP is published (and NOTIFYed) at once"
            );
        }
        if let Some(d) = &self.dashboard {
            let note = d.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
            let hosted: Vec<&str> = self.servers.iter().filter(|s| s.3).map(|s| s.0.as_str()).collect();
            let _ = writeln!(
                t,
                "dashboard: http://{}/{note}  demo account {} / {}; names registered there are hosted on {}",
                d.addr,
                dashboard::DEMO_EMAIL,
                d.demo_password,
                hosted.join(" ")
            );
        }
        let own: Vec<String> = self
            .zones
            .iter()
            .filter(|z| !z.3)
            .filter_map(|z| Some(format!("{} ({})", z.0, z.2.as_ref()?.display())))
            .collect();
        let own = if own.is_empty() {
            String::new()
        } else {
            format!(" and the world's own: {}", own.join(", "))
        };
        let _ = writeln!(t, "zone files: {}/zones/ (generated){own}", self.run_dir.display());
        let _ = writeln!(
            t,
            "  edits to zone files are picked up within a second; cached answers change when their TTL runs out"
        );
        if let Some(anchor) = &self.anchor_path {
            let _ = writeln!(
                t,
                "DNSSEC: signed from the root down (keys in {}/keys/); the resolver validates from {}",
                self.run_dir.display(),
                anchor.display()
            );
            let _ = writeln!(
                t,
                "  an edited generated zone must be signed again: banyan zone sign FILE --origin ZONE --keys {}/keys --out FILE",
                self.run_dir.display()
            );
        }
        if !self.views.is_empty() {
            let _ = writeln!(
                t,
                "views (servers match the client's address, or the EDNS Client Subnet it sends; +why explains to 127.0.0.0/8):"
            );
            for (name, subnets, names) in &self.views {
                let _ = writeln!(t, "  {name}: {} get their own {}", subnets.join(" "), names.join(" "));
            }
        }
        let _ = writeln!(t, "try:");
        for c in &self.try_commands {
            let _ = writeln!(t, "  {c}");
        }
        let _ = writeln!(
            t,
            "ready: Ctrl-C stops everything; kill -USR1 {} prints the resolver's counters",
            std::process::id()
        );
        t
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "world": self.label,
            "port": self.port,
            "port_note": self.header_note.trim().trim_start_matches('(').trim_end_matches(')'),
            "pid": std::process::id(),
            "servers": self.servers.iter().map(|(name, address, zones, hosted)| serde_json::json!({
                "name": name, "address": address.to_string(), "port": self.port, "zones": zones,
                "hosted": hosted,
            })).collect::<Vec<_>>(),
            "zones": self.zones.iter().map(|(name, servers, file, generated)| serde_json::json!({
                "name": name, "servers": servers, "file": file, "generated": generated,
                "registry": file.is_none(),
            })).collect::<Vec<_>>(),
            "registries": self.registries.iter().map(|(tld, at)| serde_json::json!({
                "tld": tld,
                "epp": at.epp.to_string(),
                "epp_certificate": at.certificate,
                "rdap": at.rdap.map(|a| format!("http://{a}/")),
                "whois": at.whois.map(|a| a.to_string()),
            })).collect::<Vec<_>>(),
            "registrar": {
                "id": registries::DEMO_REGISTRAR,
                "password": self.demo_password,
            },
            "dashboard": self.dashboard.as_ref().map(|d| serde_json::json!({
                "url": format!("http://{}/", d.addr),
                "address": d.addr.to_string(),
                "note": d.note,
                "account": { "email": dashboard::DEMO_EMAIL, "password": d.demo_password },
            })),
            "resolver": {
                "address": self.resolver.ip().to_string(),
                "port": self.resolver.port(),
                "dot": self.dot.iter().map(SocketAddr::to_string).collect::<Vec<_>>(),
                "doh": self.doh.iter().map(|a| format!("https://{a}/dns-query")).collect::<Vec<_>>(),
                "tls_certificate": self.tls_certificate,
            },
            "metrics": self.metrics.map(|m| format!("http://{m}/metrics")),
            "root_hints": self.hints.iter().map(|(name, address)| serde_json::json!({
                "name": name, "address": address.to_string(),
            })).collect::<Vec<_>>(),
            "root_hints_file": self.hints_path,
            "trust_anchor_file": self.anchor_path,
            "dnssec": self.anchor_path.is_some(),
            "run_dir": self.run_dir,
            "try": self.try_commands,
            "views": self.views.iter().map(|(name, subnets, names)| serde_json::json!({
                "name": name, "subnets": subnets, "names": names,
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_53_falls_back_on_permission_and_in_use_only() {
        let bind = |kind: std::io::ErrorKind| ServerError::Bind {
            addr: "127.53.0.1:53".parse().expect("addr"),
            proto: "udp",
            source: std::io::Error::from(kind),
        };
        assert_eq!(
            fallback_reason(&bind(std::io::ErrorKind::PermissionDenied)).as_deref(),
            Some("port 53 needs root")
        );
        assert!(fallback_reason(&bind(std::io::ErrorKind::AddrInUse)).is_some());
        assert!(fallback_reason(&bind(std::io::ErrorKind::AddrNotAvailable)).is_none());
    }

    #[test]
    fn default_world_samples() {
        let world = World::default_world().expect("default world");
        let zones = world.build_zones().expect("builds");
        assert_eq!(
            sample_names(&world, &zones),
            ("www.example.com".to_string(), "en.wikipedia.org".to_string())
        );
    }
}
