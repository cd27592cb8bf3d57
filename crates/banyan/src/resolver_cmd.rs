//! `banyan resolver`: the recursive resolver, in the foreground until SIGINT or SIGTERM.
//! Also builds the resolver for `banyan serve`'s `[resolver]` section.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use banyan_resolver::rpz::{PolicyZone, ResponsePolicy};
use banyan_resolver::{LocalZones, Resolver, ResolverConfig, RootHints, Transport, TrustAnchors};
use banyan_server::{ResolverServer, ResolverServerConfig};

/// The command-line options of `banyan resolver`.
#[derive(clap::Args, Debug, Default)]
pub struct ResolverArgs {
    /// Address to answer on, UDP and TCP (repeatable), e.g. 127.0.0.1:53.
    #[arg(long, value_name = "ADDR:PORT", required = true)]
    pub listen: Vec<SocketAddr>,
    /// Root hints in RFC 1035 format (e.g. /usr/share/dns/root.hints) [default: built in,
    /// IANA's 13 root servers].
    #[arg(long = "root-hints", value_name = "FILE")]
    pub root_hints: Option<PathBuf>,
    /// Port upstream servers are asked on [default: 53]; for labs and tests.
    #[arg(long = "upstream-port", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub upstream_port: Option<u16>,
    /// Resolve special-use names (localhost, test, invalid, private reverse zones) like any
    /// other instead of answering them locally, so a lab can run its own `test.` TLD.
    #[arg(long = "no-default-local-zones")]
    pub no_default_local_zones: bool,
    /// UDP worker threads per address [default: one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,
    /// Clients served, as CIDR (repeatable) [default: loopback and private ranges].
    #[arg(long, value_name = "CIDR")]
    pub allow: Vec<String>,
    /// Never ask upstream servers on loopback or private addresses (DNS rebinding defence).
    #[arg(long = "deny-private-upstream")]
    pub deny_private_upstream: bool,
    /// Memory for the caches, e.g. 64MiB, 1GiB [default: 96MiB].
    #[arg(long = "cache-size", value_name = "SIZE", value_parser = parse_size)]
    pub cache_size: Option<usize>,
    /// Cache TTLs below this are raised to it, in seconds [default: 0].
    #[arg(long = "min-ttl", value_name = "SECONDS")]
    pub min_ttl: Option<u32>,
    /// Cache TTLs above this are lowered to it, in seconds [default: 86400].
    #[arg(long = "max-ttl", value_name = "SECONDS")]
    pub max_ttl: Option<u32>,
    /// DNSSEC trust anchors: DS or DNSKEY lines (as /usr/share/dns/root.key) [default: the
    /// root KSKs 20326 and 38696, built in].
    #[arg(long = "trust-anchor", value_name = "FILE", conflicts_with = "no_validate")]
    pub trust_anchor: Option<PathBuf>,
    /// Do not validate DNSSEC (answers never get AD, bogus data is passed on).
    #[arg(long = "no-validate")]
    pub no_validate: bool,
    /// Record the step-by-step story of every client query for a name at or below NAME
    /// (the last 256 are kept; with --trace-file each is also written as a JSON line).
    #[arg(long = "trace-name", value_name = "NAME")]
    pub trace_name: Option<String>,
    /// Append each recorded trace to FILE as one JSON object per line.
    #[arg(long = "trace-file", value_name = "FILE", requires = "trace_name")]
    pub trace_file: Option<PathBuf>,
    /// Queries per second each client address may send over UDP (as Unbound's
    /// `ip-ratelimit`); beyond it queries are dropped, every second one answered with TC=1
    /// (TCP is not limited) [default: no limit].
    #[arg(long = "client-limit", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub client_limit: Option<u32>,
    /// A zone file answered locally, never resolved (its origin from its SOA or `$ORIGIN`):
    /// names at or below its apex get its data, NXDOMAIN or NODATA; repeatable.
    #[arg(long = "local-zone", value_name = "FILE")]
    pub local_zone: Vec<PathBuf>,
    /// A response policy zone (RPZ blocklist) file; repeatable, the first with a rule for a
    /// name decides. Read again within a second of a change.
    #[arg(long = "rpz", value_name = "FILE")]
    pub rpz: Vec<PathBuf>,
    /// DNS over TLS and over HTTPS.
    #[command(flatten)]
    pub encrypted: crate::auth_cmd::EncryptedArgs,
    /// Connection limits (configuration file only).
    #[arg(skip)]
    pub limits: crate::auth_cmd::StreamLimits,
    /// EDNS Client Subnet sent upstream (RFC 7871): `[resolver] ecs` of `banyan serve`
    /// only (default off).
    #[arg(skip)]
    pub ecs: Option<banyan_resolver::EcsConfig>,
    /// Log every client query as a JSON line to FILE, or `-` for standard error; reopened
    /// on SIGHUP.
    #[arg(long = "query-log", value_name = "FILE")]
    pub query_log: Option<String>,
    /// dnstap output, `file:PATH` or `unix:PATH` (CLIENT_QUERY/CLIENT_RESPONSE messages).
    #[arg(long = "dnstap", value_name = "DEST")]
    pub dnstap: Option<String>,
    /// Send questions at or below ZONE ("." for all) to these forwarders over UDP with RD=1
    /// and take their answers (Unbound's forward-zone); repeatable. DoT and DoH forwarders
    /// are set in the config file (`[[resolver.forward]]`).
    #[arg(long = "forward", value_name = "ZONE=ADDR[,ADDR…]")]
    pub forward: Vec<String>,
    /// Start iteration for names at or below ZONE at these authoritative servers instead of
    /// the root (Unbound's stub-zone); repeatable.
    #[arg(long = "stub", value_name = "ZONE=ADDR[,ADDR…]")]
    pub stub: Vec<String>,
    /// Send no DNS cookies upstream (RFC 7873; by default every UDP and TCP query carries
    /// one and replies with a wrong client cookie are dropped).
    #[arg(long = "no-upstream-cookies")]
    pub no_upstream_cookies: bool,
    /// Forward zones from the config file (with their transports).
    #[arg(skip)]
    pub forward_zones: Vec<banyan_resolver::ForwardZone>,
}

/// The port a forwarder listens on when none is written: 853 for TLS (RFC 7858 §3.1), 443
/// for HTTPS, else 53.
fn default_port(transport: Transport) -> u16 {
    match transport {
        Transport::Tls => 853,
        Transport::Https => 443,
        Transport::Udp | Transport::Tcp => 53,
    }
}

/// Reads `ADDR` or `ADDR:PORT` (`[v6]:PORT` for IPv6 with a port).
pub fn parse_upstream(text: &str, port: u16) -> anyhow::Result<SocketAddr> {
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Ok(sa);
    }
    text.parse::<std::net::IpAddr>()
        .map(|ip| SocketAddr::new(ip, port))
        .map_err(|_| anyhow::anyhow!("{text:?} is not an address (ADDR or ADDR:PORT)"))
}

/// Reads a zone name for a forward or stub zone (lowercase, absolute).
fn parse_zone(text: &str) -> anyhow::Result<banyan_wire::Name> {
    banyan_wire::Name::from_unicode(text)
        .map(|n| n.to_lowercase())
        .map_err(|e| anyhow::anyhow!("zone {text:?}: {e}"))
}

/// A forward zone from its parts, checked: addresses given, a transport Banyan speaks, a
/// URL only for HTTPS, a readable CA file.
pub fn forward_zone(
    zone: &str,
    addresses: &[String],
    transport: &str,
    tls_name: Option<String>,
    url: Option<String>,
    ca: Option<PathBuf>,
) -> anyhow::Result<banyan_resolver::ForwardZone> {
    let transport = match transport {
        "udp" => Transport::Udp,
        "tcp" => Transport::Tcp,
        "tls" => Transport::Tls,
        "https" => Transport::Https,
        other => anyhow::bail!("transport {other:?}: expected udp, tcp, tls or https"),
    };
    if addresses.is_empty() {
        anyhow::bail!("forward zone {zone}: at least one address is needed");
    }
    let addresses = addresses
        .iter()
        .map(|a| parse_upstream(a, default_port(transport)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if url.is_some() && transport != Transport::Https {
        anyhow::bail!("forward zone {zone}: url is for transport = \"https\"");
    }
    if (tls_name.is_some() || ca.is_some()) && !matches!(transport, Transport::Tls | Transport::Https) {
        anyhow::bail!("forward zone {zone}: tls_name and ca are for transport tls or https");
    }
    if let Some(u) = &url {
        banyan_server::upstream_tls::Endpoint::from_url(
            u,
            addresses[0].ip(),
            banyan_server::upstream_tls::Trust::Insecure,
        )
        .map_err(|_| anyhow::anyhow!("forward zone {zone}: url {u:?} is not https://HOST[:PORT]/PATH"))?;
    }
    if let Some(path) = &ca {
        banyan_server::upstream_tls::check_ca_file(path)?;
    }
    Ok(banyan_resolver::ForwardZone {
        zone: parse_zone(zone)?,
        addresses,
        transport,
        tls_name,
        url,
        ca,
    })
}

/// Reads `ZONE=ADDR[,ADDR…]`.
fn zone_and_addresses(text: &str, flag: &str) -> anyhow::Result<(String, Vec<String>)> {
    let (zone, addrs) = text
        .split_once('=')
        .ok_or_else(|| anyhow::anyhow!("{flag} {text:?}: expected ZONE=ADDR[,ADDR…]"))?;
    Ok((
        zone.to_string(),
        addrs.split(',').map(|a| a.trim().to_string()).collect(),
    ))
}

/// The forward and stub zones of the options, checked (a zone configured twice is an error).
fn configured_zones(
    args: &ResolverArgs,
) -> anyhow::Result<(Vec<banyan_resolver::ForwardZone>, Vec<banyan_resolver::StubZone>)> {
    let mut forward = args.forward_zones.clone();
    for text in &args.forward {
        let (zone, addrs) = zone_and_addresses(text, "--forward")?;
        forward
            .push(forward_zone(&zone, &addrs, "udp", None, None, None).map_err(|e| anyhow::anyhow!("--forward: {e}"))?);
    }
    let mut stub = Vec::new();
    for text in &args.stub {
        let (zone, addrs) = zone_and_addresses(text, "--stub")?;
        let addresses = addrs
            .iter()
            .map(|a| parse_upstream(a, 53))
            .collect::<anyhow::Result<Vec<_>>>()
            .map_err(|e| anyhow::anyhow!("--stub: {e}"))?;
        stub.push(banyan_resolver::StubZone {
            zone: parse_zone(&zone)?,
            addresses,
        });
    }
    let mut zones: Vec<&banyan_wire::Name> = forward
        .iter()
        .map(|f| &f.zone)
        .chain(stub.iter().map(|s| &s.zone))
        .collect();
    zones.sort_by_key(|z| z.to_string());
    if let Some(w) = zones.windows(2).find(|w| w[0] == w[1]) {
        anyhow::bail!("zone {} is configured twice (forward or stub)", w[0]);
    }
    Ok((forward, stub))
}

/// Reads `512MiB`, `1GiB`, `64M`, `100000` (octets).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: usize = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size such as 64MiB"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("{text:?}: unknown unit (use KiB, MiB or GiB)")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("{text:?} is too large"))
}

/// Everything needed to start a resolver service.
pub struct ResolverSetup {
    /// The service's sockets and access list.
    pub server: ResolverServerConfig,
    /// The resolver itself.
    pub resolver: Resolver,
    /// The response policy zone files, watched for changes.
    pub rpz: Vec<PathBuf>,
}

/// Builds the resolver from the options (shared by the CLI and `[resolver]`).
pub fn setup(args: &ResolverArgs) -> anyhow::Result<ResolverSetup> {
    let hints = match &args.root_hints {
        Some(path) => RootHints::from_file(path)?,
        None => RootHints::builtin(),
    };
    let mut local = if args.no_default_local_zones {
        LocalZones::none()
    } else {
        LocalZones::defaults()
    };
    for path in &args.local_zone {
        let zone = banyan_zone::load_zone(path, None)
            .map_err(|errors| anyhow::anyhow!("--local-zone {}: {}", path.display(), errors.join("; ")))?;
        local.add_zone(&zone);
    }
    let mut config = ResolverConfig {
        ecs: args.ecs.clone(),
        ..ResolverConfig::default()
    };
    if let Some(p) = args.upstream_port {
        config.upstream_port = p;
    }
    config.allow_private_upstream = !args.deny_private_upstream;
    if let Some(size) = args.cache_size {
        // Two thirds for RRsets (what resolution needs), a third for whole answers.
        config.cache.max_bytes = size / 3 * 2;
        config.answer_cache_bytes = size / 3;
    }
    if let Some(t) = args.min_ttl {
        config.cache.min_ttl = t;
    }
    if let Some(t) = args.max_ttl {
        config.cache.max_ttl = t;
    }
    if config.cache.min_ttl > config.cache.max_ttl {
        anyhow::bail!(
            "--min-ttl {} is above --max-ttl {}",
            config.cache.min_ttl,
            config.cache.max_ttl
        );
    }
    (config.forward, config.stub) = configured_zones(args)?;
    config.cookies = !args.no_upstream_cookies;
    let mut server = ResolverServerConfig::new(args.listen.clone());
    if let Some(n) = args.workers {
        server.udp_workers = usize::from(n);
    }
    if !args.allow.is_empty() {
        server.allow = crate::auth_cmd::parse_cidrs(&args.allow, "--allow")?;
    }
    server.client_limit = args.client_limit;
    server.encrypted = args.encrypted.to_encrypted("--tls-cert", "--tls-key")?;
    args.limits.apply_resolver(&mut server);
    server.log = crate::serve_cmd::log_config(
        args.query_log.as_deref(),
        args.dnstap.as_deref(),
        std::path::Path::new(""),
        "resolver",
    )?;
    let mut resolver = Resolver::new(config, hints, local);
    if !args.no_validate {
        resolver.set_trust_anchors(match &args.trust_anchor {
            Some(path) => TrustAnchors::from_file(path)?,
            None => TrustAnchors::builtin(),
        });
    }
    if let Some(text) = &args.trace_name {
        let name = banyan_wire::Name::from_unicode(text).map_err(|e| anyhow::anyhow!("--trace-name {text:?}: {e}"))?;
        let sink: Option<Box<dyn std::io::Write + Send>> = match &args.trace_file {
            Some(path) => Some(Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("--trace-file {}", path.display()))?,
            )),
            None => None,
        };
        resolver.trace_names(name, sink);
    }
    if !args.rpz.is_empty() {
        resolver.set_policy(load_policy(&args.rpz)?);
    }
    Ok(ResolverSetup {
        server,
        resolver,
        rpz: args.rpz.clone(),
    })
}

/// Reads the response policy zones, in order; the rules a file leaves out are said on
/// stderr (unsupported triggers and actions).
fn load_policy(files: &[PathBuf]) -> anyhow::Result<ResponsePolicy> {
    let mut zones = Vec::with_capacity(files.len());
    for path in files {
        let (zone, skipped) = PolicyZone::load(path).map_err(|e| anyhow::anyhow!("--rpz: {e}"))?;
        for s in skipped {
            eprintln!("rpz {}: {}: left out: {}", path.display(), s.owner, s.why);
        }
        zones.push(zone);
    }
    Ok(ResponsePolicy { zones })
}

/// How often the policy files are looked at: a second, as `banyan up` watches zone files.
const RPZ_WATCH: std::time::Duration = std::time::Duration::from_secs(1);

/// Reads the policy files again whenever one changes (modification time or length), and
/// puts the new policy in force; a file that fails keeps the policy in force, and says why.
fn watch_policy(resolver: Arc<Resolver>, files: Vec<PathBuf>) {
    let stamp = |files: &[PathBuf]| -> Vec<Option<(std::time::SystemTime, u64)>> {
        files
            .iter()
            .map(|f| {
                std::fs::metadata(f)
                    .ok()
                    .and_then(|m| Some((m.modified().ok()?, m.len())))
            })
            .collect()
    };
    let mut seen = stamp(&files);
    let _ = std::thread::Builder::new()
        .name("banyan-rpz".into())
        .spawn(move || loop {
            std::thread::sleep(RPZ_WATCH);
            let now = stamp(&files);
            if now == seen {
                continue;
            }
            seen = now;
            match load_policy(&files) {
                Ok(policy) => {
                    let rules: usize = policy.zones.iter().map(PolicyZone::len).sum();
                    resolver.set_policy(policy);
                    println!("reload: response policy: {} zones, {rules} rules", files.len());
                }
                Err(e) => eprintln!("reload: {e:#} (the policy in force is kept)"),
            }
        });
}

/// Starts the service and prints where it listens (scripts wait for these lines).
pub fn start(setup: ResolverSetup) -> anyhow::Result<ResolverServer> {
    let workers = setup.server.udp_workers;
    let resolver = Arc::new(setup.resolver);
    if !setup.rpz.is_empty() {
        watch_policy(resolver.clone(), setup.rpz);
    }
    let server = ResolverServer::start(setup.server, resolver)?;
    let mut out = std::io::stdout().lock();
    for addr in server.local_addrs() {
        writeln!(out, "resolver listening on {addr} (udp: {workers} worker threads; tcp)")?;
    }
    for addr in server.tls_addrs() {
        writeln!(out, "resolver dot listening on {addr}")?;
    }
    for addr in server.https_addrs() {
        writeln!(out, "resolver doh listening on https://{addr}/dns-query")?;
    }
    out.flush()?;
    Ok(server)
}

/// `banyan resolver …`.
pub fn run(args: &ResolverArgs) -> anyhow::Result<()> {
    let server = start(setup(args)?)?;
    server.run_until_signal().context("installing signal handlers")?;
    server.shutdown();
    println!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("100000"), Ok(100_000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
