//! `banyan auth`: the authoritative server for every `DIR/<origin>.zone`, in the foreground
//! until SIGINT or SIGTERM; SIGHUP reloads the zones.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use banyan_auth::{AuthConfig, Cidr, TransferAcl};
use banyan_server::{Encrypted, Server, ServerConfig, TlsIdentity, ZoneSource};

/// The command-line options of `banyan auth`.
#[derive(clap::Args, Debug)]
pub struct AuthArgs {
    /// Directory of zone files: each DIR/<origin>.zone is served (`root.zone` is the root).
    #[arg(long, value_name = "DIR")]
    pub zones: PathBuf,
    /// Address to answer on, UDP and TCP (repeatable), e.g. 0.0.0.0:53 or [::]:53.
    #[arg(long, value_name = "ADDR:PORT", required = true)]
    pub listen: Vec<SocketAddr>,
    /// UDP worker threads per address [default: one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,
    /// Clients allowed to transfer zones (AXFR over TCP), as CIDR (repeatable) [default: none].
    #[arg(long = "allow-transfer", value_name = "CIDR")]
    pub allow_transfer: Vec<String>,
    /// NSID sent to clients that ask for it (RFC 5001) [default: off].
    #[arg(long, value_name = "TEXT")]
    pub nsid: Option<String>,
    /// Answer to CHAOS TXT version.bind [default: off, REFUSED].
    #[arg(long = "version-bind", value_name = "TEXT")]
    pub version_bind: Option<String>,
    /// Answer to CHAOS TXT id.server and hostname.bind [default: off, REFUSED].
    #[arg(long = "id-server", value_name = "TEXT")]
    pub id_server: Option<String>,
    /// Look at the zone files this often (e.g. 2s, 1m) and reload when one changed
    /// [default: off; SIGHUP always reloads].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub watch: Option<std::time::Duration>,
    /// Response rate limiting: at most N UDP answers per second per client /24 (/56) and
    /// answer, with BIND's defaults otherwise (window 15s, slip 2) [default: off].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rrl: Option<u32>,
    /// DNS over TLS and over HTTPS.
    #[command(flatten)]
    pub encrypted: EncryptedArgs,
}

/// The DoT (RFC 7858) and DoH (RFC 8484) options of `banyan auth` and `banyan resolver`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct EncryptedArgs {
    /// Address to answer DNS over TLS on (repeatable), e.g. 0.0.0.0:853; needs --tls-cert
    /// and --tls-key.
    #[arg(long = "tls", value_name = "ADDR:PORT")]
    pub tls: Vec<SocketAddr>,
    /// Address to answer DNS over HTTPS on, path /dns-query (repeatable), e.g. 0.0.0.0:443.
    #[arg(long = "https", value_name = "ADDR:PORT")]
    pub https: Vec<SocketAddr>,
    /// The server's certificate chain, PEM, leaf first (for --tls and --https).
    #[arg(long = "tls-cert", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key, PEM.
    #[arg(long = "tls-key", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
}

impl EncryptedArgs {
    /// The listeners and identity, checked: both files when any listener is given; `what`
    /// names the options in errors (`--tls-cert`, `auth.tls_certificate`).
    pub fn to_encrypted(&self, cert_name: &str, key_name: &str) -> anyhow::Result<Encrypted> {
        let identity = match (&self.tls_cert, &self.tls_key) {
            (Some(certificate), Some(key)) => Some(TlsIdentity {
                certificate: certificate.clone(),
                key: key.clone(),
            }),
            (None, None) => None,
            (Some(_), None) => bail!("{cert_name} is given without {key_name}"),
            (None, Some(_)) => bail!("{key_name} is given without {cert_name}"),
        };
        if identity.is_none() && !(self.tls.is_empty() && self.https.is_empty()) {
            bail!("DNS over TLS or HTTPS needs {cert_name} and {key_name}");
        }
        Ok(Encrypted {
            tls_listen: self.tls.clone(),
            https_listen: self.https.clone(),
            identity,
        })
    }
}

/// Connection limits of the stream transports (TCP, DoT, DoH), from the configuration file;
/// `None` keeps the server's default.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StreamLimits {
    /// Most connections at once.
    pub max_connections: Option<usize>,
    /// Most connections from one client address.
    pub max_connections_per_client: Option<usize>,
    /// Most queries of one connection in flight.
    pub max_in_flight: Option<usize>,
    /// Idle timeout.
    pub idle_timeout: Option<std::time::Duration>,
    /// TLS handshake timeout.
    pub handshake_timeout: Option<std::time::Duration>,
}

impl StreamLimits {
    /// Applies the limits that are set onto the authoritative server's configuration.
    pub fn apply_auth(&self, c: &mut ServerConfig) {
        self.apply(
            &mut c.tcp_max_connections,
            &mut c.tcp_max_connections_per_client,
            &mut c.tcp_max_in_flight,
            &mut c.tcp_idle_timeout,
            &mut c.tls_handshake_timeout,
        );
    }

    /// Applies the limits that are set onto the resolver service's configuration.
    pub fn apply_resolver(&self, c: &mut banyan_server::ResolverServerConfig) {
        self.apply(
            &mut c.tcp_max_connections,
            &mut c.tcp_max_connections_per_client,
            &mut c.tcp_max_in_flight,
            &mut c.tcp_idle_timeout,
            &mut c.tls_handshake_timeout,
        );
    }

    fn apply(
        &self,
        max: &mut usize,
        per_client: &mut usize,
        in_flight: &mut usize,
        idle: &mut std::time::Duration,
        handshake: &mut std::time::Duration,
    ) {
        *max = self.max_connections.unwrap_or(*max);
        *per_client = self.max_connections_per_client.unwrap_or(*per_client);
        *in_flight = self.max_in_flight.unwrap_or(*in_flight);
        *idle = self.idle_timeout.unwrap_or(*idle);
        *handshake = self.handshake_timeout.unwrap_or(*handshake);
    }
}

/// Reads a duration as DESIGN.md writes them (`30s`, `1h`, `1h30m`; a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    match banyan_wire::text::parse_ttl(text) {
        Some(0) | None => Err(format!("{text:?} is not a duration such as 2s, 1m or 1h30m")),
        Some(secs) => Ok(std::time::Duration::from_secs(u64::from(secs))),
    }
}

/// Parses `--allow-transfer` / `allow_transfer` entries.
pub fn parse_cidrs(entries: &[String], what: &str) -> anyhow::Result<Vec<Cidr>> {
    entries
        .iter()
        .map(|e| {
            e.parse::<Cidr>()
                .map_err(|err| anyhow::anyhow!("{what}: {e:?} is not an address or CIDR prefix: {err}"))
        })
        .collect()
}

/// `banyan auth …`.
pub fn run(args: &AuthArgs) -> anyhow::Result<()> {
    if !args.zones.is_dir() {
        bail!("--zones {}: not a directory", args.zones.display());
    }
    let auth = AuthConfig {
        nsid: args.nsid.as_ref().map(|t| t.clone().into_bytes()),
        chaos_version: args.version_bind.clone(),
        chaos_id: args.id_server.clone(),
        allow_transfer: parse_cidrs(&args.allow_transfer, "--allow-transfer")?
            .into_iter()
            .map(TransferAcl::Addr)
            .collect(),
        ..AuthConfig::default()
    };
    let mut config = ServerConfig::new(args.listen.clone());
    if let Some(n) = args.workers {
        config.udp_workers = usize::from(n);
    }
    config.auth = auth;
    config.watch = args.watch;
    config.rrl = args.rrl.map(banyan_server::RrlConfig::new);
    config.encrypted = args.encrypted.to_encrypted("--tls-cert", "--tls-key")?;
    serve(
        config,
        ZoneSource::Dir(args.zones.clone()),
        &args.zones.display().to_string(),
        |_| Ok(()),
    )
}

/// Loads the zones, starts the server, prints where it listens and what it serves, and runs
/// until SIGINT/SIGTERM. Shared by `banyan auth` and `banyan serve`. Zones that fail to load
/// are reported and left out; no zone at all, or an address that cannot be bound, is an error.
/// `started` runs once the server is up and its lines printed (`banyan serve` starts its
/// metrics endpoint there, reading the server's counters); what it returns is kept until the
/// server stops.
pub fn serve<T>(
    config: ServerConfig,
    source: ZoneSource,
    from: &str,
    started: impl FnOnce(&Server) -> anyhow::Result<T>,
) -> anyhow::Result<()> {
    let (catalog, errors) = source.load();
    for e in &errors {
        eprintln!("banyan: zone not loaded: {e}");
    }
    if catalog.zones().next().is_none() && config.store.is_none() {
        bail!("no zone loaded from {from}");
    }
    let workers = config.udp_workers;
    let server = Server::start(config, catalog, source)?;
    // The zones served, those from the store included (a secondary not yet transferred is
    // not listed).
    let mut loaded: Vec<String> = server
        .catalog()
        .zones()
        .map(|z| {
            let serial = z.soa().map_or(0, |s| s.serial);
            format!("zone {} serial {serial}: {} records", z.origin(), z.record_count())
        })
        .collect();
    loaded.sort();
    // Scripts and tests wait for these lines to know the server is up: flush them at once.
    let mut out = std::io::stdout().lock();
    for addr in server.local_addrs() {
        writeln!(out, "listening on {addr} (udp: {workers} worker threads; tcp)")?;
    }
    for addr in server.tls_addrs() {
        writeln!(out, "dot listening on {addr}")?;
    }
    for addr in server.https_addrs() {
        writeln!(out, "doh listening on https://{addr}/dns-query")?;
    }
    for z in &loaded {
        writeln!(out, "{z}")?;
    }
    out.flush()?;
    drop(out);
    let kept = started(&server)?;
    server.run_until_signal().context("installing signal handlers")?;
    drop(kept);
    server.shutdown();
    println!("stopped");
    Ok(())
}
