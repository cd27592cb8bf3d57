//! `banyan serve --config FILE`: everything a TOML configuration names (DESIGN.md,
//! "Configuration"): `data_dir`/`store`, `[[tsig]]`, `[auth]` (zone files, zones managed in
//! the store, secondaries), `[resolver]`, `[registry]` (EPP, RDAP, WHOIS, the TLD zones
//! published into the store) and `[web]` (the registrar dashboard, see `web_serve`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use banyan_auth::{AuthConfig, NamePattern, SerialPolicy, TransferAcl, UpdateRule};
use banyan_dnssec::Denial;
use banyan_server::{DynamicZone, MetricsEndpoint, Role, ServerConfig, StoreConfig, ZoneFile, ZoneSigning, ZoneSource};
use banyan_wire::tsig::{parse_bind_keys, KeyRing, TsigAlgorithm, TsigKey};
use banyan_wire::{Name, RecordType};
use serde::Deserialize;

/// The whole file. Unknown keys are errors (`deny_unknown_fields`).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the store lives: `DIR/banyan.db` (SQLite), created when missing.
    pub data_dir: Option<PathBuf>,
    /// The store's URL instead of `data_dir`: `sqlite://PATH` or `postgres://…` (several
    /// machines sharing one store).
    pub store: Option<String>,
    /// TSIG keys, used by transfers, NOTIFY and UPDATE.
    #[serde(default)]
    pub tsig: Vec<TsigSection>,
    /// The authoritative server.
    pub auth: Option<AuthSection>,
    /// The recursive resolver.
    pub resolver: Option<ResolverSection>,
    /// The registry: EPP for registrars.
    pub registry: Option<RegistrySection>,
    /// The registrar dashboard.
    pub web: Option<crate::web_serve::WebSection>,
    /// Prometheus metrics of the authoritative server and the resolver.
    pub metrics: Option<MetricsSection>,
}

/// `[metrics]`: where `GET /metrics` is answered (Prometheus text format 0.0.4).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct MetricsSection {
    /// `"IP:PORT"` (port 0 picks one; the address is printed as
    /// `metrics listening on http://ADDR/metrics`). Required.
    pub listen: SocketAddr,
}

/// `[[tsig]]`: one key given inline, or a file of keys in BIND's syntax.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct TsigSection {
    /// The key's name, e.g. `"xfr.example."`.
    pub name: Option<String>,
    /// `hmac-sha256` (default), `hmac-sha384`, `hmac-sha512`, `hmac-sha224`, `hmac-sha1`.
    pub algorithm: Option<String>,
    /// The secret, base64.
    pub secret: Option<String>,
    /// A file of `key "name" { algorithm …; secret "…"; };` statements (as `tsig-keygen`
    /// writes), relative to the config file's directory; instead of name/algorithm/secret.
    pub file: Option<PathBuf>,
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
    /// Also serve every other managed zone the store holds (the zones a dashboard hosts
    /// here), picked up as they appear, change and go (default false).
    #[serde(default)]
    pub all_managed: bool,
    /// Who may NOTIFY for those zones (the dashboard's address), CIDR prefixes: the store is
    /// then read at once (default: nobody).
    #[serde(default)]
    pub notifiers: Vec<String>,
    /// Response rate limiting of UDP answers (default: off).
    pub rrl: Option<RrlSection>,
    /// DNS Cookies (RFC 7873, RFC 9018 server cookies): `"off"` (default), `"on"`, or
    /// `"require"` (a valid server cookie over UDP, or BADCOOKIE/TC).
    pub cookies: Option<String>,
    /// The server cookie secret, 32 hex digits, the same on every server of an anycast set
    /// (default: random at each start).
    pub cookie_secret: Option<String>,
    /// Views (`[[auth.view]]`): different answers for different clients, first match wins
    /// (default: none).
    #[serde(default)]
    pub view: Vec<ViewSection>,
    /// Named sets of prefixes views can list by name, e.g. `{ EU = ["10.1.0.0/16"] }`.
    #[serde(default)]
    pub regions: BTreeMap<String, Vec<String>>,
    /// Views go by the EDNS Client Subnet option (RFC 7871) when a query has one, and the
    /// response carries its scope (default false: the source address).
    #[serde(default)]
    pub ecs: bool,
    /// Clients answered the `+why` debug option (EDNS 65001) with the view chosen and why,
    /// CIDR prefixes (default: nobody).
    #[serde(default)]
    pub debug_allow: Vec<String>,
    /// Addresses for DNS over TLS (RFC 7858), e.g. `["0.0.0.0:853"]` (default: none).
    #[serde(default)]
    pub tls_listen: Vec<SocketAddr>,
    /// Addresses for DNS over HTTPS (RFC 8484, path `/dns-query`), e.g. `["0.0.0.0:443"]`.
    #[serde(default)]
    pub https_listen: Vec<SocketAddr>,
    /// PEM certificate chain for DoT and DoH, relative to the config file.
    pub tls_certificate: Option<PathBuf>,
    /// PEM private key of that certificate, relative to the config file.
    pub tls_key: Option<PathBuf>,
    /// Most stream connections (TCP, DoT, DoH) at once (default 100).
    pub tcp_max_connections: Option<usize>,
    /// Most stream connections from one client address (default 10).
    pub tcp_max_connections_per_client: Option<usize>,
    /// Most queries of one connection in flight (default 16).
    pub tcp_max_in_flight: Option<usize>,
    /// Close a stream connection idle this long, e.g. `"10s"` (default 10s).
    pub tcp_idle_timeout: Option<String>,
    /// Close a connection whose TLS handshake takes longer, e.g. `"5s"` (default 5s).
    pub tls_handshake_timeout: Option<String>,
    /// A MaxMind DB file (`.mmdb`, GeoIP2/GeoLite2 Country or City) whose country and
    /// continent codes view `regions` may name (relative to the config file; default none).
    pub geoip: Option<PathBuf>,
    /// Log every query as a JSON line to this file (relative to the config file), or `"-"`
    /// for standard error (default: off).
    pub query_log: Option<String>,
    /// dnstap output: `"file:PATH"` or `"unix:PATH"` (default: off).
    pub dnstap: Option<String>,
}

/// `[[auth.view]]`: the clients a view is for and the records they get instead of the
/// zones' own.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ViewSection {
    /// The view's name (shown by `+why`).
    pub name: String,
    /// Client prefixes matched, e.g. `["10.1.0.0/16"]`.
    #[serde(default)]
    pub subnets: Vec<String>,
    /// Names of `[auth] regions` whose prefixes are matched too, or, with `[auth] geoip`,
    /// country (`DE`) or continent (`EU`) codes the database gives.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Records in zone-file form with absolute owner names, e.g.
    /// `"cdn.example.com. 60 A 192.0.2.10"` (TTL default 300): each owner and type replaces
    /// the zone's RRset of that owner and type for this view's clients.
    #[serde(default)]
    pub records: Vec<String>,
}

/// `[auth.rrl]`: response rate limiting, with BIND's `rate-limit` names and defaults (BIND 9
/// ARM "Response Rate Limiting"); see `banyan_server::RrlConfig`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RrlSection {
    /// Answers per second per client prefix, name and type (required; 0 = not limited).
    pub responses_per_second: u32,
    /// NODATA answers per second (default: `responses_per_second`).
    pub nodata_per_second: Option<u32>,
    /// NXDOMAIN answers per second per zone (default: `responses_per_second`).
    pub nxdomains_per_second: Option<u32>,
    /// Error answers per second (default: `responses_per_second`).
    pub errors_per_second: Option<u32>,
    /// Referrals per second per delegation (default: `responses_per_second`).
    pub referrals_per_second: Option<u32>,
    /// All responses per second per client prefix, whatever the name: catches floods of
    /// names a wildcard answers (BIND's `all-per-second`; default 0, off).
    pub all_per_second: Option<u32>,
    /// Count what would be withheld, withhold nothing (BIND's `log-only`; default false).
    #[serde(default)]
    pub log_only: bool,
    /// How long a flood is remembered, e.g. `"15s"` (default 15s; 1s to 1h).
    pub window: Option<String>,
    /// Every Nth withheld answer is sent truncated (TC=1); 0 never, 1 always (default 2; 0-10).
    pub slip: Option<u8>,
    /// IPv4 clients counted by this prefix length (default 24).
    pub ipv4_prefix: Option<u8>,
    /// IPv6 clients counted by this prefix length (default 56).
    pub ipv6_prefix: Option<u8>,
    /// Clients never limited, CIDR prefixes (default: none).
    #[serde(default)]
    pub exempt: Vec<String>,
    /// Buckets in the limiter's table (default 65536, 8 octets each).
    pub table_size: Option<usize>,
}

/// `[auth.rrl]` checked and turned into the server's settings.
fn rrl_config(r: &RrlSection, file: &str) -> anyhow::Result<banyan_server::RrlConfig> {
    let mut c = banyan_server::RrlConfig::new(r.responses_per_second);
    c.nodata_per_second = r.nodata_per_second.unwrap_or(c.nodata_per_second);
    c.nxdomains_per_second = r.nxdomains_per_second.unwrap_or(c.nxdomains_per_second);
    c.errors_per_second = r.errors_per_second.unwrap_or(c.errors_per_second);
    c.referrals_per_second = r.referrals_per_second.unwrap_or(c.referrals_per_second);
    c.all_per_second = r.all_per_second.unwrap_or(c.all_per_second);
    c.log_only = r.log_only;
    if let Some(w) = &r.window {
        c.window = crate::auth_cmd::parse_duration(w).map_err(|e| anyhow!("{file}: auth.rrl.window: {e}"))?;
    }
    c.slip = r.slip.unwrap_or(c.slip);
    c.ipv4_prefix = r.ipv4_prefix.unwrap_or(c.ipv4_prefix);
    c.ipv6_prefix = r.ipv6_prefix.unwrap_or(c.ipv6_prefix);
    c.exempt = crate::auth_cmd::parse_cidrs(&r.exempt, &format!("{file}: auth.rrl.exempt"))?;
    c.table_size = r.table_size.unwrap_or(c.table_size);
    c.check().map_err(|e| anyhow!("{file}: auth.rrl: {e}"))?;
    Ok(c)
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
    /// Response policy zone files (RPZ blocklists), relative to the config file; the first
    /// with a rule for a name decides; read again within a second of a change.
    #[serde(default)]
    pub rpz: Vec<PathBuf>,
    /// Zone files answered locally, never resolved (relative to the config file).
    #[serde(default)]
    pub local_zone: Vec<PathBuf>,
    /// Queries per second each client address may send over UDP (default: no limit).
    pub client_limit: Option<u32>,
    /// Addresses for DNS over TLS (RFC 7858), e.g. `["0.0.0.0:853"]` (default: none).
    #[serde(default)]
    pub tls_listen: Vec<SocketAddr>,
    /// Addresses for DNS over HTTPS (RFC 8484, path `/dns-query`), e.g. `["0.0.0.0:443"]`.
    #[serde(default)]
    pub https_listen: Vec<SocketAddr>,
    /// PEM certificate chain for DoT and DoH, relative to the config file.
    pub tls_certificate: Option<PathBuf>,
    /// PEM private key of that certificate, relative to the config file.
    pub tls_key: Option<PathBuf>,
    /// Most stream connections (TCP, DoT, DoH) at once (default 100).
    pub tcp_max_connections: Option<usize>,
    /// Most stream connections from one client address (default 10).
    pub tcp_max_connections_per_client: Option<usize>,
    /// Most queries of one connection in flight (default 16).
    pub tcp_max_in_flight: Option<usize>,
    /// Close a stream connection idle this long, e.g. `"10s"` (default 10s).
    pub tcp_idle_timeout: Option<String>,
    /// Close a connection whose TLS handshake takes longer, e.g. `"5s"` (default 5s).
    pub tls_handshake_timeout: Option<String>,
    /// EDNS Client Subnet sent upstream (RFC 7871; default off, for the clients' privacy).
    pub ecs: Option<EcsSection>,
    /// Log every client query as a JSON line to this file (relative to the config file), or
    /// `"-"` for standard error (default: off).
    pub query_log: Option<String>,
    /// dnstap output: `"file:PATH"` or `"unix:PATH"` (default: off).
    pub dnstap: Option<String>,
    /// Send DNS cookies upstream (RFC 7873; default true).
    pub upstream_cookies: Option<bool>,
    /// `[[resolver.forward]]`: zones answered by forwarders.
    #[serde(default)]
    pub forward: Vec<ForwardSection>,
    /// `[[resolver.stub]]`: zones whose iteration starts at given servers.
    #[serde(default)]
    pub stub: Vec<StubSection>,
}

/// `ecs = { … }` of `[resolver]`: how much of a client's address goes upstream, and to
/// which zones' servers.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct EcsSection {
    /// Bits of an IPv4 client address sent (default 24, at most 32).
    pub ipv4_prefix: Option<u8>,
    /// Bits of an IPv6 client address sent (default 56, at most 128).
    pub ipv6_prefix: Option<u8>,
    /// Only queries for names in these zones carry it (default: every query for a client's
    /// question).
    #[serde(default)]
    pub zones: Vec<String>,
}

/// `[resolver] ecs`: checked prefixes and zones; `key` names it in errors.
fn ecs_config(e: &EcsSection, key: &str) -> anyhow::Result<banyan_resolver::EcsConfig> {
    let mut config = banyan_resolver::EcsConfig::default();
    if let Some(p) = e.ipv4_prefix {
        if p > 32 {
            bail!("{key}.ipv4_prefix: at most 32");
        }
        config.ipv4_prefix = p;
    }
    if let Some(p) = e.ipv6_prefix {
        if p > 128 {
            bail!("{key}.ipv6_prefix: at most 128");
        }
        config.ipv6_prefix = p;
    }
    for z in &e.zones {
        config
            .zones
            .push(parse_name(z).map_err(|err| anyhow!("{key}.zones: {err}"))?);
    }
    Ok(config)
}

/// `[[resolver.forward]]`: names at or below `zone` are asked of `addresses` with RD=1.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ForwardSection {
    /// The zone ("." for everything).
    pub zone: String,
    /// The forwarders, `ADDR` or `ADDR:PORT` (default port 53, 853 for tls, 443 for https).
    pub addresses: Vec<String>,
    /// `udp` (default; TCP when truncated), `tcp`, `tls` (RFC 7858) or `https` (RFC 8484).
    pub transport: Option<String>,
    /// TLS/HTTPS: the name verified in the certificate and sent in SNI.
    pub tls_name: Option<String>,
    /// HTTPS: `https://HOST[:PORT]/PATH` (default `https://ADDR/dns-query`).
    pub url: Option<String>,
    /// TLS/HTTPS: PEM file of the certificates to trust (relative to the config file).
    pub ca: Option<PathBuf>,
}

/// `[[resolver.stub]]`: iteration for names at or below `zone` starts at `addresses`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct StubSection {
    /// The zone.
    pub zone: String,
    /// Its authoritative servers, `ADDR` or `ADDR:PORT` (default port 53).
    pub addresses: Vec<String>,
}

/// `[registry]`: one registry for one or more TLDs (DESIGN.md "Configuration").
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RegistrySection {
    /// The TLDs, e.g. `["test."]` (required, at least one; the final dot optional).
    pub tlds: Vec<String>,
    /// Where EPP listens, over TLS (RFC 5734), e.g. `"0.0.0.0:700"` (required).
    pub epp: SocketAddr,
    /// Where RDAP (RFC 9082/9083) answers, over plain HTTP, e.g. `"127.0.0.1:8080"`.
    pub rdap: Option<SocketAddr>,
    /// Where WHOIS (RFC 3912) answers, e.g. `"127.0.0.1:43"`.
    pub whois: Option<SocketAddr>,
    /// Per TLD, a zone file with the apex of its zone (SOA, NS and the glue of the TLD's own
    /// servers), relative to the config file: `apex = { "test." = "test-apex.zone" }`. The
    /// registry then publishes the TLD's zone (that apex, plus NS, DS and glue of every
    /// active domain) into the zone store (`data_dir` or `store`) at start, after every
    /// change by EPP and on every tick; `[[auth.zone]] name = "test." managed = true` serves it.
    #[serde(default)]
    pub apex: BTreeMap<String, PathBuf>,
    /// `sqlite://PATH` or `postgres://…` (default: `sqlite://DATA_DIR/registry.db`).
    pub database: Option<String>,
    /// The EPP server's certificate chain, PEM (relative to the config file's directory).
    /// Default: a self-signed certificate made at each start for the EPP address, its PEM
    /// written to `DATA_DIR/epp-cert.pem` for clients to trust.
    pub certificate: Option<PathBuf>,
    /// The private key of `certificate`, PEM (required with it).
    pub private_key: Option<PathBuf>,
    /// How often the registry's clock ticks: renewals, expiries, unanswered transfers,
    /// purges (default `"1m"`).
    pub tick: Option<String>,
    /// Registrars created at start when missing.
    #[serde(default)]
    pub registrar: Vec<RegistrarSection>,
    /// Policy overrides per TLD: `[registry.policy."test."]`.
    #[serde(default)]
    pub policy: BTreeMap<String, PolicySection>,
    /// A recursive resolver (`"IP:PORT"`) the delegation checks ask for the addresses of name
    /// servers outside the registry's TLDs (default: none; such servers are then reported
    /// as having no address).
    pub delegation_resolver: Option<SocketAddr>,
    /// Servers sent a NOTIFY after each publication of a TLD zone (`"IP:PORT"`): those that
    /// serve it from the store, so they read it at once (default: none; they look every
    /// second anyway).
    #[serde(default)]
    pub notify: Vec<SocketAddr>,
}

/// `[[registry.registrar]]`: a registrar created at start if missing (an existing one is
/// left unchanged, its password included).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RegistrarSection {
    /// The EPP client identifier (3-16 characters).
    pub id: String,
    /// Its name (default: the identifier).
    pub name: Option<String>,
    /// Its EPP password (6-16 characters).
    pub password: String,
    /// Prepaid balance in the smallest unit of the currency (default 0).
    #[serde(default)]
    pub balance: i64,
    /// The TLDs it may register under (default: all of the registry's).
    pub tlds: Option<Vec<String>>,
}

/// `[registry.policy."TLD"]`: overrides of one TLD's policy (defaults: RFC 3915's usual
/// gTLD periods, see `banyan_registry::TldPolicy`). Periods are durations (`"5d"`, `"0"`).
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    /// Add grace period (default 5d).
    pub add_grace: Option<String>,
    /// Renew grace period (default 5d).
    pub renew_grace: Option<String>,
    /// Auto-renew grace period (default 45d).
    pub auto_renew_grace: Option<String>,
    /// Transfer grace period (default 5d).
    pub transfer_grace: Option<String>,
    /// How long a transfer waits for the losing registrar (default 5d).
    pub transfer_pending: Option<String>,
    /// Redemption period (default 30d).
    pub redemption: Option<String>,
    /// Pending delete, after redemption (default 5d).
    pub pending_delete: Option<String>,
    /// How long a restore request waits for its report (RFC 3915 §3.2; default 7d).
    pub pending_restore: Option<String>,
    /// Check every delegated domain's delegation again this often, e.g. `"1d"`, so RDAP and
    /// WHOIS show servers that went lame (default: off).
    pub recheck_interval: Option<String>,
    /// Renew automatically at expiry (default true).
    pub auto_renew: Option<bool>,
    /// Longest period, in years (default 10; 1-99).
    pub max_years: Option<u32>,
    /// TTL of the TLD zone's NS, DS and glue records (default 3600).
    pub ttl: Option<u32>,
    /// Fees in the smallest unit of the currency.
    pub fees: Option<FeesSection>,
    /// Check delegations over DNS before a domain create or an update of name servers or
    /// DS data: `"off"` (default), `"warn"` (carry the command out, report what was found)
    /// or `"reject"` (refuse it with EPP 2306).
    pub delegation_checks: Option<String>,
}

/// `fees = { … }` of a TLD's policy (defaults 800 a year for create, renew and transfer,
/// 4000 for a restore).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct FeesSection {
    /// Per year of a create.
    pub create: Option<i64>,
    /// Per year of a renew.
    pub renew: Option<i64>,
    /// Per year of a transfer.
    pub transfer: Option<i64>,
    /// A restore out of redemption.
    pub restore: Option<i64>,
}

/// What a configuration file asks to run.
pub struct Services {
    /// The authoritative server, with where its zones come from.
    pub auth: Option<(ServerConfig, ZoneSource)>,
    /// The resolver's options.
    pub resolver: Option<crate::resolver_cmd::ResolverArgs>,
    /// The registry.
    pub registry: Option<crate::registry_serve::RegistryServeConfig>,
    /// The registrar dashboard.
    pub web: Option<crate::web_serve::WebServeConfig>,
    /// Where the metrics endpoint listens.
    pub metrics: Option<SocketAddr>,
}

/// `[[auth.zone]]`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ZoneSection {
    /// The zone's origin, e.g. `"example.com."`.
    pub name: String,
    /// Its master file; a relative path is taken from the config file's directory.
    pub file: Option<PathBuf>,
    /// Who may transfer the zone (AXFR/IXFR over TCP): CIDR prefixes and `key:NAME` for a
    /// TSIG key (default: nobody).
    #[serde(default)]
    pub allow_transfer: Vec<String>,
    /// The zone is kept in the store and changed by UPDATE (`banyan zone import` puts it
    /// there first).
    #[serde(default)]
    pub managed: bool,
    /// A secondary zone: its primaries, asked in order (`IP:PORT`).
    #[serde(default)]
    pub primaries: Vec<SocketAddr>,
    /// The TSIG key used with this zone's peers: toward its primaries (SOA queries,
    /// transfers) and in the NOTIFY messages sent to its secondaries.
    pub transfer_key: Option<String>,
    /// Servers told of each change by NOTIFY (`IP:PORT`).
    #[serde(default)]
    pub notify: Vec<SocketAddr>,
    /// Who may change what by UPDATE (default: nobody).
    #[serde(default)]
    pub update_policy: Vec<UpdateRuleSection>,
    /// How UPDATE moves the serial: `increment` (default), `unixtime` or `date`.
    pub serial_policy: Option<String>,
    /// Online signing: the zone is signed when loaded, re-signed incrementally at each
    /// reload or change and before its signatures expire (default: served as it is).
    pub dnssec: Option<DnssecSection>,
}

/// One entry of `update_policy`: the key, the names and the types it may change.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct UpdateRuleSection {
    /// The TSIG key's name.
    pub key: String,
    /// The names: `"*.example.com."` (strictly below), `"example.com."` (that name), see
    /// `banyan_auth::update::NamePattern`.
    pub names: String,
    /// The types (default: any but the apex SOA and NS).
    #[serde(default)]
    pub types: Vec<String>,
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

/// Reads and parses the file at `path`.
fn read(path: &Path) -> anyhow::Result<Config> {
    let file = path.display();
    let text = std::fs::read_to_string(path).with_context(|| format!("{file}"))?;
    toml::from_str(&text).map_err(|e| anyhow!("{file}: {e}"))
}

/// The store's URL a configuration names: `store`, else `DIR/banyan.db` under `data_dir`
/// (relative to the config file's directory).
fn store_url_of(config: &Config, path: &Path) -> anyhow::Result<Option<String>> {
    let base = path.parent().unwrap_or(Path::new("."));
    match (&config.store, &config.data_dir) {
        (Some(_), Some(_)) => bail!("{}: store and data_dir: give one of them", path.display()),
        (Some(url), None) => Ok(Some(url.clone())),
        (None, Some(dir)) => {
            let dir = base.join(dir);
            std::fs::create_dir_all(&dir).with_context(|| format!("data_dir {}", dir.display()))?;
            Ok(Some(format!("sqlite://{}", dir.join("banyan.db").display())))
        }
        (None, None) => Ok(None),
    }
}

/// The store's URL for `banyan zone import|export|list|status --config FILE`.
pub fn store_url(path: &Path) -> anyhow::Result<String> {
    let config = read(path)?;
    store_url_of(&config, path)?.ok_or_else(|| anyhow!("{}: no data_dir or store: no zone store", path.display()))
}

/// The NOTIFY targets the configuration gives the zone `origin` (for `zone status`).
pub fn notify_targets(path: &Path, origin: &Name) -> anyhow::Result<Vec<SocketAddr>> {
    let config = read(path)?;
    Ok(config
        .auth
        .iter()
        .flat_map(|a| &a.zone)
        .filter(|z| parse_name(&z.name).ok().as_ref() == Some(origin))
        .flat_map(|z| z.notify.iter().copied())
        .collect())
}

/// A domain name as written in the config (the final dot optional).
fn parse_name(text: &str) -> anyhow::Result<Name> {
    let text = if text.ends_with('.') {
        text.to_string()
    } else {
        format!("{text}.")
    };
    Name::from_unicode(&text).map_err(|e| anyhow!("{text:?} is not a domain name: {e}"))
}

/// The `[[tsig]]` keys, inline or from BIND key files.
fn keys(config: &Config, path: &Path) -> anyhow::Result<KeyRing> {
    let file = path.display();
    let base = path.parent().unwrap_or(Path::new("."));
    let mut keys = Vec::new();
    for (i, t) in config.tsig.iter().enumerate() {
        let at = format!("{file}: tsig[{i}]");
        match (&t.file, &t.name, &t.secret) {
            (Some(f), None, None) if t.algorithm.is_none() => {
                let f = base.join(f);
                let text = std::fs::read_to_string(&f).with_context(|| format!("{at}: {}", f.display()))?;
                keys.extend(parse_bind_keys(&text).map_err(|e| anyhow!("{}: {e}", f.display()))?);
            }
            (None, Some(name), Some(secret)) => {
                let algorithm = match &t.algorithm {
                    Some(a) => TsigAlgorithm::from_mnemonic(a)
                        .ok_or_else(|| anyhow!("{at}.algorithm: {a:?} is not an HMAC algorithm TSIG knows"))?,
                    None => TsigAlgorithm::HmacSha256,
                };
                let secret = banyan_wire::text::base64_decode(secret)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| anyhow!("{at}.secret: not base64"))?;
                keys.push(TsigKey::new(
                    parse_name(name).map_err(|e| anyhow!("{at}.name: {e}"))?,
                    algorithm,
                    secret,
                ));
            }
            _ => bail!("{at}: give either file, or name and secret (and algorithm)"),
        }
    }
    for (i, k) in keys.iter().enumerate() {
        if keys[..i].iter().any(|o| o.name == k.name) {
            bail!("{file}: tsig: key {} is given twice", k.name);
        }
    }
    Ok(KeyRing::new(keys))
}

/// Reads and checks `path`, naming the file (and for TOML errors the line and key) on error.
pub fn load(path: &Path) -> anyhow::Result<Services> {
    let file = path.display();
    let config = read(path)?;
    let web = config
        .web
        .as_ref()
        .map(|w| crate::web_serve::web_config(w, config.data_dir.as_deref(), store_url_of(&config, path)?, path))
        .transpose()?;
    let registry = config
        .registry
        .as_ref()
        .map(|r| registry_config(r, config.data_dir.as_deref(), store_url_of(&config, path)?, path))
        .transpose()?;
    let keys = keys(&config, path)?;
    let store_url = store_url_of(&config, path)?;
    let resolver = config.resolver.map(|r| resolver_args(r, path)).transpose()?;
    let metrics = config.metrics.map(|m| m.listen);
    let Some(auth) = config.auth else {
        if resolver.is_none() && registry.is_none() && web.is_none() {
            bail!("{file}: nothing to serve (no [auth], [resolver], [registry] or [web] section)");
        }
        return Ok(Services {
            auth: None,
            resolver,
            registry,
            web,
            metrics,
        });
    };
    if auth.listen.is_empty() {
        bail!("{file}: auth.listen: at least one address is needed");
    }
    if auth.zone.is_empty() && !auth.all_managed {
        bail!("{file}: [[auth.zone]]: no zone configured (and no all_managed = true)");
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let mut files = Vec::with_capacity(auth.zone.len());
    let mut dynamic = Vec::new();
    // DESIGN.md: each zone has its own transfer list (empty: refused).
    let mut zone_transfer = Vec::with_capacity(auth.zone.len());
    for (i, z) in auth.zone.iter().enumerate() {
        let key = |k: &str| format!("{file}: auth.zone[{i}] ({}).{k}", z.name);
        let origin = parse_name(&z.name).map_err(|e| anyhow!("{}: {e}", key("name")))?;
        let mut acl = Vec::with_capacity(z.allow_transfer.len());
        for entry in &z.allow_transfer {
            let parsed: TransferAcl = entry.parse().map_err(|e| anyhow!("{}: {e}", key("allow_transfer")))?;
            if let TransferAcl::Key(k) = &parsed {
                if keys.get(k).is_none() {
                    bail!("{}: no [[tsig]] key named {k}", key("allow_transfer"));
                }
            }
            acl.push(parsed);
        }
        zone_transfer.push((origin.clone(), acl));
        let signing = z
            .dnssec
            .as_ref()
            .map(|d| signing(d, base, &key("dnssec")))
            .transpose()?;
        let transfer_key = match &z.transfer_key {
            None => None,
            Some(k) => {
                let n = parse_name(k).map_err(|e| anyhow!("{}: {e}", key("transfer_key")))?;
                Some(
                    keys.get(&n)
                        .cloned()
                        .ok_or_else(|| anyhow!("{}: no [[tsig]] key named {n}", key("transfer_key")))?,
                )
            }
        };
        let sources = usize::from(z.file.is_some()) + usize::from(z.managed) + usize::from(!z.primaries.is_empty());
        if sources != 1 {
            bail!(
                "{}: give exactly one of file, managed = true, or primaries",
                key("file")
            );
        }
        if let Some(zone_file) = &z.file {
            for (present, k) in [
                (!z.notify.is_empty(), "notify"),
                (!z.update_policy.is_empty(), "update_policy"),
                (z.serial_policy.is_some(), "serial_policy"),
                (z.transfer_key.is_some(), "transfer_key"),
            ] {
                if present {
                    bail!("{}: only for zones in the store (managed = true or primaries)", key(k));
                }
            }
            files.push(ZoneFile {
                origin,
                path: base.join(zone_file),
                signing,
            });
            continue;
        }
        if store_url.is_none() {
            bail!(
                "{}: a zone in the store needs data_dir (or store) in the config",
                key("name")
            );
        }
        let mut update_policy = Vec::with_capacity(z.update_policy.len());
        for (j, rule) in z.update_policy.iter().enumerate() {
            let at = key(&format!("update_policy[{j}]"));
            let key_name = parse_name(&rule.key).map_err(|e| anyhow!("{at}.key: {e}"))?;
            if keys.get(&key_name).is_none() {
                bail!("{at}.key: no [[tsig]] key named {key_name}");
            }
            let names: NamePattern = rule.names.parse().map_err(|e| anyhow!("{at}.names: {e}"))?;
            let types = rule
                .types
                .iter()
                .map(|t| RecordType::from_mnemonic(t).ok_or_else(|| anyhow!("{at}.types: {t:?} is not a record type")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            update_policy.push(UpdateRule {
                key: key_name,
                names,
                types,
            });
        }
        let serial_policy = match &z.serial_policy {
            None => SerialPolicy::Increment,
            Some(p) => p.parse().map_err(|e| anyhow!("{}: {e}", key("serial_policy")))?,
        };
        let role = if z.managed {
            Role::Managed
        } else {
            if !update_policy.is_empty() {
                bail!(
                    "{}: a secondary refuses UPDATE (change the zone at its primary)",
                    key("update_policy")
                );
            }
            Role::Secondary {
                primaries: z.primaries.clone(),
                key: transfer_key.clone(),
            }
        };
        dynamic.push(DynamicZone {
            origin,
            role,
            notify: z.notify.clone(),
            notify_key: transfer_key,
            update_policy,
            serial_policy,
            signing,
        });
    }
    let geoip = match &auth.geoip {
        None => None,
        Some(p) => {
            let path = base.join(p);
            let db = banyan_auth::geoip::GeoIp::open(&path)
                .with_context(|| format!("{file}: auth.geoip: reading {}", path.display()))?
                .map_err(|e| anyhow!("{file}: auth.geoip: {}: {e}", path.display()))?;
            Some(std::sync::Arc::new(db))
        }
    };
    let views = views(&auth, &file.to_string(), &files, &dynamic, geoip.is_some())?;
    let mut server = ServerConfig::new(auth.listen);
    if let Some(n) = auth.workers {
        if n == 0 {
            bail!("{file}: auth.workers: must be at least 1");
        }
        server.udp_workers = n;
    }
    server.auth = AuthConfig {
        zone_transfer,
        keys,
        notifiers: crate::auth_cmd::parse_cidrs(&auth.notifiers, &format!("{file}: auth.notifiers"))?,
        ..AuthConfig::default()
    };
    server.auth.cookies =
        cookie_config(auth.cookies.as_deref(), auth.cookie_secret.as_deref()).map_err(|e| anyhow!("{file}: {e}"))?;
    server.auth.views = views;
    server.auth.geoip = geoip;
    server.auth.ecs = auth.ecs;
    server.auth.debug_allow = crate::auth_cmd::parse_cidrs(&auth.debug_allow, &format!("{file}: auth.debug_allow"))?;
    if let Some(w) = &auth.watch {
        server.watch = Some(crate::auth_cmd::parse_duration(w).map_err(|e| anyhow!("{file}: auth.watch: {e}"))?);
    }
    let (encrypted, limits) = encrypted_and_limits(
        &EncryptedKeys {
            section: "auth",
            tls_listen: &auth.tls_listen,
            https_listen: &auth.https_listen,
            tls_certificate: auth.tls_certificate.as_deref(),
            tls_key: auth.tls_key.as_deref(),
            tcp_max_connections: auth.tcp_max_connections,
            tcp_max_connections_per_client: auth.tcp_max_connections_per_client,
            tcp_max_in_flight: auth.tcp_max_in_flight,
            tcp_idle_timeout: auth.tcp_idle_timeout.as_deref(),
            tls_handshake_timeout: auth.tls_handshake_timeout.as_deref(),
        },
        path,
    )?;
    server.encrypted = encrypted.to_encrypted("auth.tls_certificate", "auth.tls_key")?;
    limits.apply_auth(&mut server);
    server.log = log_config(
        auth.query_log.as_deref(),
        auth.dnstap.as_deref(),
        base_of(path),
        &format!("{file}: auth"),
    )?;
    server.rrl = auth
        .rrl
        .as_ref()
        .map(|r| rrl_config(r, &file.to_string()))
        .transpose()?;
    if auth.all_managed && store_url.is_none() {
        bail!("{file}: auth.all_managed: needs the zone store (data_dir or store)");
    }
    if !dynamic.is_empty() || auth.all_managed {
        server.store = store_url.map(|url| StoreConfig {
            url,
            zones: dynamic,
            all_managed: auth.all_managed,
        });
    }
    Ok(Services {
        auth: Some((server, ZoneSource::Files(files))),
        resolver,
        registry,
        web,
        metrics,
    })
}

/// `[[auth.view]]` and `[auth] regions`: each view's prefixes (its own, then its regions'),
/// and its records, whose owners must lie in a listed zone (any zone when `all_managed`)
/// that is not signed online: a view's sets are unsigned, and validators would find them
/// bogus (RFC 4035 §5.3). Zones that arrive signed keep their own data
/// (`banyan_auth::views`).
fn views(
    auth: &AuthSection,
    file: &str,
    files: &[ZoneFile],
    dynamic: &[DynamicZone],
    geoip: bool,
) -> anyhow::Result<Vec<banyan_auth::View>> {
    for (region, list) in &auth.regions {
        crate::auth_cmd::parse_cidrs(list, &format!("{file}: auth.regions.{region}"))?;
    }
    let zones: Vec<(&Name, bool)> = files
        .iter()
        .map(|z| (&z.origin, z.signing.is_some()))
        .chain(dynamic.iter().map(|z| (&z.origin, z.signing.is_some())))
        .collect();
    let mut out = Vec::with_capacity(auth.view.len());
    for (i, v) in auth.view.iter().enumerate() {
        let key = |k: &str| format!("{file}: auth.view[{i}] ({}).{k}", v.name);
        if auth.view[..i].iter().any(|w| w.name == v.name) {
            bail!("{}: a second view of that name", key("name"));
        }
        let mut geo = Vec::new();
        let mut subnets: Vec<(banyan_auth::Cidr, Option<String>)> =
            crate::auth_cmd::parse_cidrs(&v.subnets, &key("subnets"))?
                .into_iter()
                .map(|c| (c, None))
                .collect();
        for region in &v.regions {
            let Some(list) = auth.regions.get(region) else {
                if geoip {
                    geo.push(region.clone());
                    continue;
                }
                bail!(
                    "{}: no region {region:?} in auth.regions (and no auth.geoip)",
                    key("regions")
                );
            };
            for c in crate::auth_cmd::parse_cidrs(list, &format!("{file}: auth.regions.{region}"))? {
                subnets.push((c, Some(region.clone())));
            }
        }
        if subnets.is_empty() && geo.is_empty() {
            bail!("{}: the view matches nobody (give subnets or regions)", key("subnets"));
        }
        let mut records = Vec::with_capacity(v.records.len());
        for (j, text) in v.records.iter().enumerate() {
            let at = key(&format!("records[{j}]"));
            let r =
                banyan_wire::Record::from_text(text, None, Some(300)).map_err(|e| anyhow!("{at}: {text:?}: {e}"))?;
            let zone = zones
                .iter()
                .filter(|(origin, _)| r.name.is_subdomain_of(origin))
                .max_by_key(|(origin, _)| origin.label_count());
            match zone {
                Some((origin, true)) => bail!(
                    "{at}: zone {origin} is signed online; views cannot change a signed zone (its answers would fail validation)"
                ),
                Some(_) => {}
                None if auth.all_managed => {}
                None => bail!("{at}: {} is in no zone of [[auth.zone]]", r.name),
            }
            records.push(r);
        }
        let view =
            banyan_auth::View::new(v.name.clone(), subnets, records).map_err(|e| anyhow!("{}: {e}", key("records")))?;
        out.push(view.with_geo_regions(geo));
    }
    Ok(out)
}

/// `[auth] cookies` and `cookie_secret` (RFC 7873, RFC 9018): off unless asked for; the
/// secret drawn at random when not given, as BIND does, so cookies issued before a restart
/// are answered BADCOOKIE/refreshed once.
fn cookie_config(mode: Option<&str>, secret: Option<&str>) -> anyhow::Result<Option<banyan_auth::CookieConfig>> {
    let require = match mode.unwrap_or("off") {
        "off" if secret.is_some() => bail!("auth.cookie_secret: given, but auth.cookies is \"off\""),
        "off" => return Ok(None),
        "on" => false,
        "require" => true,
        other => bail!("auth.cookies: {other:?}: expected \"off\", \"on\" or \"require\""),
    };
    let secret = match secret {
        None => rand::random::<[u8; 16]>(),
        Some(hex) => {
            let bad = || anyhow!("auth.cookie_secret: expected 32 hexadecimal digits (16 octets)");
            if hex.len() != 32 || !hex.is_ascii() {
                return Err(bad());
            }
            let mut out = [0u8; 16];
            for (i, o) in out.iter_mut().enumerate() {
                *o = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
            }
            out
        }
    };
    Ok(Some(banyan_auth::CookieConfig { secret, require }))
}

/// A period of a TLD's policy, in seconds (`"5d"`, `"12h"`, `"0"`).
fn period(text: &str, key: &str) -> anyhow::Result<i64> {
    banyan_wire::text::parse_ttl(text)
        .map(i64::from)
        .ok_or_else(|| anyhow!("{key}: {text:?} is not a duration such as 0, 12h or 5d"))
}

/// Checks `[registry]` and turns it into what `registry_serve` runs. Relative paths are
/// taken from the config file's directory, as `data_dir` is.
fn registry_config(
    r: &RegistrySection,
    data_dir: Option<&Path>,
    store_url: Option<String>,
    path: &Path,
) -> anyhow::Result<crate::registry_serve::RegistryServeConfig> {
    use crate::registry_serve::{EppCertificate, InitialRegistrar, Publishing, RegistryServeConfig};
    let file = path.display();
    let base = path.parent().unwrap_or(Path::new("."));
    if r.tlds.is_empty() {
        bail!("{file}: registry.tlds: at least one TLD is needed");
    }
    let mut tlds = Vec::with_capacity(r.tlds.len());
    for t in &r.tlds {
        let name = parse_name(t).map_err(|e| anyhow!("{file}: registry.tlds: {e}"))?;
        if name.is_root() || tlds.iter().any(|p: &banyan_registry::TldPolicy| p.name == name) {
            bail!("{file}: registry.tlds: {name} is the root or given twice");
        }
        tlds.push(banyan_registry::TldPolicy::new(name));
    }
    for (tld, p) in &r.policy {
        let key = |k: &str| format!("{file}: registry.policy.\"{tld}\".{k}");
        let name = parse_name(tld).map_err(|e| anyhow!("{file}: registry.policy.\"{tld}\": {e}"))?;
        let Some(policy) = tlds.iter_mut().find(|t| t.name == name) else {
            bail!("{file}: registry.policy.\"{tld}\": not one of registry.tlds");
        };
        for (text, field, k) in [
            (&p.add_grace, &mut policy.add_grace, "add_grace"),
            (&p.renew_grace, &mut policy.renew_grace, "renew_grace"),
            (&p.auto_renew_grace, &mut policy.auto_renew_grace, "auto_renew_grace"),
            (&p.transfer_grace, &mut policy.transfer_grace, "transfer_grace"),
            (&p.transfer_pending, &mut policy.transfer_pending, "transfer_pending"),
            (&p.redemption, &mut policy.redemption, "redemption"),
            (&p.pending_delete, &mut policy.pending_delete, "pending_delete"),
            (&p.pending_restore, &mut policy.pending_restore, "pending_restore"),
        ] {
            if let Some(text) = text {
                *field = period(text, &key(k))?;
            }
        }
        if let Some(text) = &p.recheck_interval {
            policy.recheck_interval = Some(period(text, &key("recheck_interval"))?);
        }
        if let Some(a) = p.auto_renew {
            policy.auto_renew = a;
        }
        if let Some(y) = p.max_years {
            if !(1..=99).contains(&y) {
                bail!("{}: {y} is not between 1 and 99", key("max_years"));
            }
            policy.max_years = y;
        }
        if let Some(t) = p.ttl {
            policy.ttl = t;
        }
        if let Some(d) = &p.delegation_checks {
            policy.delegation_checks = banyan_registry::DelegationPolicy::parse(d)
                .ok_or_else(|| anyhow!("{}: {d:?} is not off, warn or reject", key("delegation_checks")))?;
        }
        if let Some(f) = &p.fees {
            for (value, field, k) in [
                (f.create, &mut policy.fees.create, "fees.create"),
                (f.renew, &mut policy.fees.renew, "fees.renew"),
                (f.transfer, &mut policy.fees.transfer, "fees.transfer"),
                (f.restore, &mut policy.fees.restore, "fees.restore"),
            ] {
                if let Some(v) = value {
                    if v < 0 {
                        bail!("{}: a fee cannot be negative", key(k));
                    }
                    *field = v;
                }
            }
        }
    }
    let data_dir = data_dir.map(|d| base.join(d));
    if let Some(d) = &data_dir {
        std::fs::create_dir_all(d).with_context(|| format!("data_dir {}", d.display()))?;
    }
    let database = match (&r.database, &data_dir) {
        (Some(url), _) => url.clone(),
        (None, Some(d)) => format!("sqlite://{}", d.join(banyan_registry::DEFAULT_FILE_NAME).display()),
        (None, None) => bail!("{file}: registry.database: give it, or data_dir (for DATA_DIR/registry.db)"),
    };
    let certificate = match (&r.certificate, &r.private_key, &data_dir) {
        (Some(chain), Some(key), _) => EppCertificate::Files {
            chain: base.join(chain),
            key: base.join(key),
        },
        (Some(_), None, _) | (None, Some(_), _) => {
            bail!("{file}: registry.certificate and registry.private_key go together")
        }
        (None, None, Some(d)) => EppCertificate::SelfSigned {
            write_to: d.join("epp-cert.pem"),
        },
        (None, None, None) => bail!(
            "{file}: registry.certificate: give certificate and private_key, or data_dir (where the self-signed certificate is written)"
        ),
    };
    let tick = match &r.tick {
        None => std::time::Duration::from_secs(60),
        Some(t) => crate::auth_cmd::parse_duration(t).map_err(|e| anyhow!("{file}: registry.tick: {e}"))?,
    };
    let mut registrars = Vec::with_capacity(r.registrar.len());
    for (i, g) in r.registrar.iter().enumerate() {
        let at = format!("{file}: registry.registrar[{i}] ({})", g.id);
        let accredited = match &g.tlds {
            None => tlds.iter().map(|t| t.name.clone()).collect(),
            Some(list) => list
                .iter()
                .map(|t| {
                    let n = parse_name(t).map_err(|e| anyhow!("{at}.tlds: {e}"))?;
                    if !tlds.iter().any(|p| p.name == n) {
                        bail!("{at}.tlds: {n} is not one of registry.tlds");
                    }
                    Ok(n)
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
        };
        if registrars.iter().any(|o: &InitialRegistrar| o.id == g.id) {
            bail!("{at}: given twice");
        }
        registrars.push(InitialRegistrar {
            id: g.id.clone(),
            name: g.name.clone().unwrap_or_else(|| g.id.clone()),
            password: g.password.clone(),
            balance: g.balance,
            tlds: accredited,
        });
    }
    let mut zones = Vec::with_capacity(r.apex.len());
    for (tld, file_name) in &r.apex {
        let at = format!("{file}: registry.apex.\"{tld}\"");
        let name = parse_name(tld).map_err(|e| anyhow!("{at}: {e}"))?;
        if !tlds.iter().any(|p| p.name == name) {
            bail!("{at}: not one of registry.tlds");
        }
        let zone = banyan_zone::load_zone(&base.join(file_name), Some(&name))
            .map_err(|errors| anyhow!("{at}: {}", errors.join("; ")))?;
        zones.push((name, zone.records().collect()));
    }
    let publish = match (zones.is_empty(), store_url) {
        (true, _) => None,
        (false, Some(store)) => Some(Publishing {
            store,
            zones,
            notify: r.notify.clone(),
        }),
        (false, None) => bail!("{file}: registry.apex: publishing a TLD zone needs data_dir (or store)"),
    };
    Ok(RegistryServeConfig {
        tlds,
        epp: r.epp,
        database,
        certificate,
        registrars,
        tick,
        rdap: r.rdap,
        whois: r.whois,
        publish,
        delegation_resolver: r.delegation_resolver,
        delegation_port: 53,
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
    let (encrypted, limits) = encrypted_and_limits(
        &EncryptedKeys {
            section: "resolver",
            tls_listen: &r.tls_listen,
            https_listen: &r.https_listen,
            tls_certificate: r.tls_certificate.as_deref(),
            tls_key: r.tls_key.as_deref(),
            tcp_max_connections: r.tcp_max_connections,
            tcp_max_connections_per_client: r.tcp_max_connections_per_client,
            tcp_max_in_flight: r.tcp_max_in_flight,
            tcp_idle_timeout: r.tcp_idle_timeout.as_deref(),
            tls_handshake_timeout: r.tls_handshake_timeout.as_deref(),
        },
        path,
    )?;
    // Checked here so the error names the configuration keys.
    encrypted.to_encrypted("resolver.tls_certificate", "resolver.tls_key")?;
    Ok(crate::resolver_cmd::ResolverArgs {
        encrypted,
        limits,
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
        rpz: r.rpz.iter().map(|f| base.join(f)).collect(),
        local_zone: r.local_zone.iter().map(|f| base.join(f)).collect(),
        client_limit: match r.client_limit {
            Some(0) => bail!("{file}: resolver.client_limit: at least 1 (leave it out for no limit)"),
            n => n,
        },
        ecs: r
            .ecs
            .as_ref()
            .map(|e| ecs_config(e, &format!("{file}: resolver.ecs")))
            .transpose()?,
        query_log: r.query_log.map(|q| relative_log(&q, base)),
        dnstap: r.dnstap.map(|d| relative_dnstap(&d, base)),
        forward_zones: r
            .forward
            .into_iter()
            .map(|f| {
                crate::resolver_cmd::forward_zone(
                    &f.zone,
                    &f.addresses,
                    f.transport.as_deref().unwrap_or("udp"),
                    f.tls_name,
                    f.url,
                    f.ca.map(|c| base.join(c)),
                )
                .map_err(|e| anyhow!("{file}: resolver.forward: {e}"))
            })
            .collect::<anyhow::Result<_>>()?,
        stub: r
            .stub
            .into_iter()
            .map(|s| format!("{}={}", s.zone, s.addresses.join(",")))
            .collect(),
        forward: Vec::new(),
        no_upstream_cookies: r.upstream_cookies == Some(false),
    })
}

/// The directory paths in the config file are relative to.
fn base_of(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// A `query_log` value with a relative path made relative to `base`; `-` stays.
fn relative_log(value: &str, base: &Path) -> String {
    if value == "-" {
        value.to_owned()
    } else {
        base.join(value).display().to_string()
    }
}

/// A `dnstap` value (`file:PATH`, `unix:PATH`) with its path made relative to `base`.
fn relative_dnstap(value: &str, base: &Path) -> String {
    for scheme in ["file:", "unix:"] {
        if let Some(p) = value.strip_prefix(scheme).filter(|p| !p.is_empty()) {
            return format!("{scheme}{}", base.join(p).display());
        }
    }
    value.to_owned()
}

/// The query log and dnstap settings of a section (`what`, for errors), paths relative to
/// `base`.
pub fn log_config(
    query_log: Option<&str>,
    dnstap: Option<&str>,
    base: &Path,
    what: &str,
) -> anyhow::Result<banyan_server::querylog::LogConfig> {
    use banyan_server::sink::Destination;
    let dnstap = dnstap
        .map(|d| {
            Destination::dnstap(&relative_dnstap(d, base))
                .ok_or_else(|| anyhow!("{what}.dnstap: {d:?} is neither file:PATH nor unix:PATH"))
        })
        .transpose()?;
    Ok(banyan_server::querylog::LogConfig {
        query_log: query_log.map(|q| Destination::query_log(&relative_log(q, base))),
        dnstap,
        identity: None,
    })
}

/// The DoT/DoH and connection limit keys of `[auth]` or `[resolver]`, as read.
struct EncryptedKeys<'a> {
    section: &'static str,
    tls_listen: &'a [SocketAddr],
    https_listen: &'a [SocketAddr],
    tls_certificate: Option<&'a Path>,
    tls_key: Option<&'a Path>,
    tcp_max_connections: Option<usize>,
    tcp_max_connections_per_client: Option<usize>,
    tcp_max_in_flight: Option<usize>,
    tcp_idle_timeout: Option<&'a str>,
    tls_handshake_timeout: Option<&'a str>,
}

/// Checks the DoT/DoH keys (files relative to the config file) and the connection limits
/// (each at least 1, durations as `10s`).
fn encrypted_and_limits(
    k: &EncryptedKeys<'_>,
    path: &Path,
) -> anyhow::Result<(crate::auth_cmd::EncryptedArgs, crate::auth_cmd::StreamLimits)> {
    let file = path.display();
    let section = k.section;
    let base = path.parent().unwrap_or(Path::new("."));
    let encrypted = crate::auth_cmd::EncryptedArgs {
        tls: k.tls_listen.to_vec(),
        https: k.https_listen.to_vec(),
        tls_cert: k.tls_certificate.map(|p| base.join(p)),
        tls_key: k.tls_key.map(|p| base.join(p)),
    };
    let count = |value: Option<usize>, key: &str| -> anyhow::Result<Option<usize>> {
        match value {
            Some(0) => bail!("{file}: {section}.{key}: must be at least 1"),
            n => Ok(n),
        }
    };
    let duration = |value: Option<&str>, key: &str| -> anyhow::Result<Option<std::time::Duration>> {
        value
            .map(|v| match crate::auth_cmd::parse_duration(v) {
                Ok(d) if d.is_zero() => Err(anyhow!("{file}: {section}.{key}: must be more than 0")),
                Ok(d) => Ok(d),
                Err(e) => Err(anyhow!("{file}: {section}.{key}: {e}")),
            })
            .transpose()
    };
    let limits = crate::auth_cmd::StreamLimits {
        max_connections: count(k.tcp_max_connections, "tcp_max_connections")?,
        max_connections_per_client: count(k.tcp_max_connections_per_client, "tcp_max_connections_per_client")?,
        max_in_flight: count(k.tcp_max_in_flight, "tcp_max_in_flight")?,
        idle_timeout: duration(k.tcp_idle_timeout, "tcp_idle_timeout")?,
        handshake_timeout: duration(k.tls_handshake_timeout, "tls_handshake_timeout")?,
    };
    Ok((encrypted, limits))
}

/// `banyan serve --config FILE`: the authoritative server, the resolver and the registry, as
/// configured, until SIGINT or SIGTERM (SIGHUP reloads zones).
pub fn run(path: &Path) -> anyhow::Result<()> {
    let services = load(path)?;
    // The registry first: the authoritative server may serve the TLD zones it publishes.
    let registry = services
        .registry
        .map(crate::registry_serve::RegistryServer::start)
        .transpose()?;
    let web = services.web.map(crate::web_serve::WebServer::start).transpose()?;
    let resolver = match &services.resolver {
        Some(args) => Some(crate::resolver_cmd::start(crate::resolver_cmd::setup(args)?)?),
        None => None,
    };
    let resolver_state = resolver.as_ref().map(banyan_server::ResolverServer::metrics_handle);
    let listen_metrics = services.metrics;
    // Started once the authoritative server (when configured) is, since it reads its counters.
    let start_metrics = |auth: Option<banyan_server::MetricsHandle>| -> anyhow::Result<Option<MetricsEndpoint>> {
        listen_metrics
            .map(|addr| start_metrics_endpoint(addr, auth, resolver_state.clone()))
            .transpose()
    };
    // The authoritative server says "stopped" itself when it has stopped.
    let (served, said) = match (services.auth, &resolver, &registry) {
        (Some((config, source)), _, _) => (
            crate::auth_cmd::serve(config, source, &path.display().to_string(), |server| {
                start_metrics(Some(server.metrics_handle()))
            }),
            true,
        ),
        (None, resolver, registry) => {
            let endpoint = start_metrics(None)?;
            let served = match (resolver, registry) {
                (Some(r), _) => r.run_until_signal().context("installing signal handlers"),
                (None, Some(r)) => r.run_until_signal().context("installing signal handlers"),
                (None, None) => wait_for_signal(),
            };
            drop(endpoint);
            (served, false)
        }
    };
    if let Some(r) = resolver {
        r.shutdown();
    }
    if let Some(w) = web {
        w.shutdown();
    }
    if let Some(r) = registry {
        r.shutdown();
    }
    if served.is_ok() && !said {
        println!("stopped");
    }
    served
}

/// Starts `GET /metrics` on `addr` for the authoritative server's counters and the
/// resolver's, whichever run, and prints where it listens (scripts and tests read the line).
fn start_metrics_endpoint(
    addr: SocketAddr,
    auth: Option<banyan_server::MetricsHandle>,
    resolver: Option<banyan_server::ResolverMetricsHandle>,
) -> anyhow::Result<MetricsEndpoint> {
    let endpoint = MetricsEndpoint::start(addr, move || {
        let auth = auth.as_ref().map(banyan_server::MetricsHandle::snapshot);
        let resolver = resolver.as_ref().map(banyan_server::ResolverMetricsHandle::snapshot);
        banyan_server::metrics::render(auth.as_ref(), resolver.as_ref())
    })
    .with_context(|| format!("metrics.listen {addr}"))?;
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "metrics listening on http://{}/metrics", endpoint.local_addr())?;
    out.flush()?;
    Ok(endpoint)
}

/// Waits for SIGINT or SIGTERM when no other service does (the dashboard alone).
fn wait_for_signal() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let mut int = signal(SignalKind::interrupt()).context("installing signal handlers")?;
        let mut term = signal(SignalKind::terminate()).context("installing signal handlers")?;
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
        anyhow::Ok(())
    })
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
    fn encrypted_listeners_and_connection_limits_read() -> anyhow::Result<()> {
        use std::time::Duration;
        let keys = "tls_listen = [\"127.0.0.1:853\"]\nhttps_listen = [\"127.0.0.1:443\"]\n\
                    tls_certificate = \"tls/cert.pem\"\ntls_key = \"tls/key.pem\"\n\
                    tcp_max_connections = 50\ntcp_max_connections_per_client = 4\ntcp_max_in_flight = 8\n\
                    tcp_idle_timeout = \"3s\"\ntls_handshake_timeout = \"2s\"\n";
        let (config, _) = load_text(&GOOD.replace("workers = 2\n", &format!("workers = 2\n{keys}")))?;
        let e = &config.encrypted;
        assert_eq!(e.tls_listen, vec!["127.0.0.1:853".parse::<SocketAddr>()?]);
        assert_eq!(e.https_listen, vec!["127.0.0.1:443".parse::<SocketAddr>()?]);
        let identity = e.identity.as_ref().ok_or_else(|| anyhow!("no identity"))?;
        assert!(identity.certificate.ends_with("tls/cert.pem") && identity.certificate.is_absolute());
        assert!(identity.key.ends_with("tls/key.pem"));
        assert_eq!(
            (
                config.tcp_max_connections,
                config.tcp_max_connections_per_client,
                config.tcp_max_in_flight
            ),
            (50, 4, 8)
        );
        assert_eq!(config.tcp_idle_timeout, Duration::from_secs(3));
        assert_eq!(config.tls_handshake_timeout, Duration::from_secs(2));
        // Defaults when absent.
        let (plain, _) = load_text(GOOD)?;
        assert!(plain.encrypted.is_empty() && plain.encrypted.identity.is_none());
        assert_eq!(
            plain.tcp_max_connections_per_client,
            banyan_server::DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT
        );
        // The resolver takes the same keys.
        let services = load_services(&format!("[resolver]\nlisten = [\"127.0.0.1:5353\"]\n{keys}"))?;
        let r = services.resolver.ok_or_else(|| anyhow!("no resolver"))?;
        assert_eq!(r.encrypted.tls, vec!["127.0.0.1:853".parse::<SocketAddr>()?]);
        assert_eq!(r.limits.max_connections_per_client, Some(4));
        assert_eq!(r.limits.handshake_timeout, Some(Duration::from_secs(2)));
        // Mistakes name the key.
        for (bad, key) in [
            ("tls_listen = [\"127.0.0.1:853\"]\n", "tls_certificate"),
            ("tls_certificate = \"c.pem\"\n", "tls_key"),
            ("tcp_max_connections_per_client = 0\n", "tcp_max_connections_per_client"),
            ("tls_handshake_timeout = \"soon\"\n", "tls_handshake_timeout"),
        ] {
            let err = load_text(&GOOD.replace("workers = 2\n", &format!("workers = 2\n{bad}")))
                .err()
                .ok_or_else(|| anyhow!("{bad} accepted"))?;
            assert!(format!("{err:#}").contains(key), "{bad}: {err:#}");
            let err = load_services(&format!("[resolver]\nlisten = [\"127.0.0.1:5353\"]\n{bad}"))
                .err()
                .ok_or_else(|| anyhow!("{bad} accepted by the resolver"))?;
            assert!(
                format!("{err:#}").contains(&format!("resolver.{key}")),
                "{bad}: {err:#}"
            );
        }
        Ok(())
    }

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
    fn query_log_and_dnstap_keys() -> anyhow::Result<()> {
        use banyan_server::sink::Destination;
        let (config, _) = load_text(GOOD)?;
        assert!(config.log.is_empty(), "off by default");
        let (config, _) = load_text(&GOOD.replace(
            "workers = 2",
            "workers = 2\nquery_log = \"-\"\ndnstap = \"unix:tap.sock\"",
        ))?;
        assert_eq!(config.log.query_log, Some(Destination::Stderr));
        assert!(matches!(&config.log.dnstap, Some(Destination::Unix(p)) if p.ends_with("tap.sock") && p.is_absolute()));
        let (config, _) =
            load_text(&GOOD.replace("workers = 2", "query_log = \"q.log\"\ndnstap = \"file:tap.fstrm\""))?;
        assert!(matches!(&config.log.query_log, Some(Destination::File(p)) if p.ends_with("q.log") && p.is_absolute()));
        assert!(matches!(&config.log.dnstap, Some(Destination::File(p)) if p.ends_with("tap.fstrm")));
        let err = load_text(&GOOD.replace("workers = 2", "dnstap = \"/tmp/tap\""))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("auth.dnstap"), "{err}");
        let services =
            load_services("[resolver]\nlisten = [\"127.0.0.1:53\"]\nquery_log = \"r.log\"\ndnstap = \"file:r.tap\"\n")?;
        let r = services.resolver.ok_or_else(|| anyhow!("no resolver"))?;
        assert!(r.query_log.is_some_and(|q| q.ends_with("r.log")));
        assert!(r.dnstap.is_some_and(|d| d.starts_with("file:") && d.ends_with("r.tap")));
        Ok(())
    }

    #[test]
    fn rrl_section_reads_with_bind_defaults() -> anyhow::Result<()> {
        let (config, _) = load_text(GOOD)?;
        assert!(config.rrl.is_none(), "off unless configured");
        let with = |section: &str| load_text(&GOOD.replace("workers = 2", &format!("workers = 2\n{section}")));
        // Inline tables keep the section inside [auth] ahead of [[auth.zone]].
        let (config, _) = with("rrl = { responses_per_second = 10 }")?;
        let rrl = config.rrl.ok_or_else(|| anyhow!("rrl expected"))?;
        assert_eq!(rrl, banyan_server::RrlConfig::new(10));
        assert_eq!((rrl.slip, rrl.ipv4_prefix, rrl.ipv6_prefix), (2, 24, 56));
        assert_eq!(rrl.window, std::time::Duration::from_secs(15));
        let (config, _) = with(
            "rrl = { responses_per_second = 10, nxdomains_per_second = 3, errors_per_second = 4, \
             referrals_per_second = 5, nodata_per_second = 6, window = \"5s\", slip = 0, \
             ipv4_prefix = 32, ipv6_prefix = 64, exempt = [\"192.0.2.0/24\"], table_size = 1024, \
             all_per_second = 50, log_only = true }",
        )?;
        let rrl = config.rrl.ok_or_else(|| anyhow!("rrl expected"))?;
        assert_eq!(
            (
                rrl.nxdomains_per_second,
                rrl.errors_per_second,
                rrl.referrals_per_second,
                rrl.nodata_per_second
            ),
            (3, 4, 5, 6)
        );
        assert_eq!(
            (rrl.slip, rrl.ipv4_prefix, rrl.ipv6_prefix, rrl.table_size),
            (0, 32, 64, 1024)
        );
        assert_eq!(rrl.window, std::time::Duration::from_secs(5));
        assert_eq!((rrl.all_per_second, rrl.log_only), (50, true));
        assert!(rrl.exempt[0].contains("192.0.2.9".parse()?));
        // The README's form: a table header after the zones.
        let (config, _) = load_text(&format!("{GOOD}\n[auth.rrl]\nresponses_per_second = 7\nslip = 1\n"))?;
        assert_eq!(config.rrl.map(|r| (r.responses_per_second, r.slip)), Some((7, 1)));
        for (bad, named) in [
            ("rrl = { responses_per_second = 1, slip = 11 }", "slip"),
            ("rrl = { responses_per_second = 1, ipv4_prefix = 33 }", "ipv4_prefix"),
            (
                "rrl = { responses_per_second = 1, window = \"soon\" }",
                "auth.rrl.window",
            ),
            (
                "rrl = { responses_per_second = 1, exempt = [\"nope\"] }",
                "auth.rrl.exempt",
            ),
            ("rrl = { responses_per_second = 1, limit = 3 }", "limit"),
            ("rrl = { slip = 1 }", "responses_per_second"),
        ] {
            let err = with(bad).err().map(|e| format!("{e:#}")).unwrap_or_default();
            assert!(err.contains(named), "{bad}: {err}");
        }
        Ok(())
    }

    #[test]
    fn cookies_off_on_require_and_secret() -> anyhow::Result<()> {
        let with = |lines: &str| load_text(&GOOD.replace("workers = 2", &format!("workers = 2\n{lines}")));
        assert_eq!(with("")?.0.auth.cookies, None, "off by default");
        assert_eq!(with("cookies = \"off\"")?.0.auth.cookies, None);
        let on = with("cookies = \"on\"")?.0.auth.cookies.ok_or_else(|| anyhow!("on"))?;
        assert!(!on.require);
        let other = with("cookies = \"on\"")?.0.auth.cookies.ok_or_else(|| anyhow!("on"))?;
        assert_ne!(on.secret, other.secret, "a random secret per start");
        let required = with("cookies = \"require\"\ncookie_secret = \"e5e973e5a6b2a43f48e7dc849e37bfcf\"")?
            .0
            .auth
            .cookies
            .ok_or_else(|| anyhow!("require"))?;
        assert!(required.require);
        assert_eq!(required.secret[..3], [0xe5, 0xe9, 0x73]);
        assert_eq!(required.secret[15], 0xcf);
        for (bad, names) in [
            ("cookies = \"yes\"", "auth.cookies"),
            ("cookies = \"on\"\ncookie_secret = \"e5e9\"", "auth.cookie_secret"),
            (
                "cookies = \"on\"\ncookie_secret = \"zze973e5a6b2a43f48e7dc849e37bfcf\"",
                "auth.cookie_secret",
            ),
            (
                "cookie_secret = \"e5e973e5a6b2a43f48e7dc849e37bfcf\"",
                "auth.cookie_secret",
            ),
        ] {
            let err = with(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(names), "{bad}: {err}");
        }
        Ok(())
    }

    #[test]
    fn metrics_section_reads_and_refuses_unknown_keys() -> anyhow::Result<()> {
        let services = load_services(&format!("{GOOD}\n[metrics]\nlisten = \"127.0.0.1:9153\"\n"))?;
        assert_eq!(services.metrics, Some("127.0.0.1:9153".parse()?));
        assert_eq!(load_services(GOOD)?.metrics, None);
        let err = load_services(&format!(
            "{GOOD}\n[metrics]\nlisten = \"127.0.0.1:9153\"\npath = \"/m\"\n"
        ))
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
        assert!(err.contains("path"), "{err}");
        Ok(())
    }

    #[test]
    fn views_read_with_regions_and_name_their_mistakes() -> anyhow::Result<()> {
        let base = "[auth]\nlisten = [\"127.0.0.1:5300\"]\necs = true\ndebug_allow = [\"127.0.0.0/8\"]\n\
                    regions = { EU = [\"10.1.0.0/16\"] }\n[[auth.zone]]\nname = \"example.com.\"\nfile = \"z\"\n";
        let view = "[[auth.view]]\nname = \"eu\"\nsubnets = [\"10.9.0.0/16\"]\nregions = [\"EU\"]\n\
                    records = [\"cdn.example.com. A 192.0.2.1\"]\n";
        let (config, _) = load_text(&format!("{base}{view}"))?;
        assert!(config.auth.ecs);
        assert_eq!(config.auth.views.len(), 1);
        assert_eq!(config.auth.views[0].name(), "eu");
        assert!(config.auth.debug_allow[0].contains("127.0.0.1".parse()?));
        for (text, expected) in [
            (view.replace("EU", "ASIA"), "no region \"ASIA\""),
            (view.replace("cdn.example.com.", "cdn.example.org."), "in no zone"),
            (view.replace("A 192.0.2.1", "A nonsense"), "records[0]"),
            (format!("{view}{view}"), "a second view"),
            (
                "[[auth.view]]\nname = \"none\"\nrecords = []\n".to_string(),
                "matches nobody",
            ),
        ] {
            let err = load_text(&format!("{base}{text}"))
                .err()
                .ok_or_else(|| anyhow!("accepted: {text}"))?;
            assert!(format!("{err:#}").contains(expected), "{err:#}");
        }
        // A region that is no name of auth.regions needs the GeoIP database, which must read.
        let geo = base.replace("ecs = true", "ecs = true\ngeoip = \"no-such.mmdb\"");
        let err = load_text(&format!("{geo}{view}"))
            .err()
            .ok_or_else(|| anyhow!("missing mmdb accepted"))?;
        assert!(format!("{err:#}").contains("auth.geoip"), "{err:#}");
        let signed = base.replace("file = \"z\"\n", "file = \"z\"\ndnssec = { keys = \"k\" }\n");
        let err = load_text(&format!("{signed}{view}"))
            .err()
            .ok_or_else(|| anyhow!("signed zone accepted"))?;
        assert!(format!("{err:#}").contains("signed online"), "{err:#}");
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
    fn web_section_reads_and_names_its_mistakes() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("banyan-serve-web-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let cert = banyan_registry::epp::tls::self_signed(&["127.0.0.1"])?;
        let ca = dir.join("epp.pem");
        std::fs::write(&ca, &cert.cert_pem)?;
        let web = format!(
            "data_dir = \"{}\"\n[auth]\nlisten = [\"127.0.0.1:5300\"]\nall_managed = true\nnotifiers = [\"127.0.0.1\"]\n\
             [web]\nlisten = \"127.0.0.1:8053\"\nprices = {{ \"test.\" = \"12.50 USD\" }}\n\
             name_servers = [{{ name = \"ns1.registrar.example.\" }}]\n\
             [[web.registry]]\ntlds = [\"test.\"]\nepp = \"127.0.0.1:7000\"\nca = \"{}\"\n\
             client_id = \"registrar1\"\npassword = \"secret-1234\"\n",
            dir.join("data").display(),
            ca.display()
        );
        let services = load_services(&web)?;
        let w = services.web.ok_or_else(|| anyhow!("[web] read"))?;
        assert_eq!(w.listen.to_string(), "127.0.0.1:8053");
        assert!(w.store.ends_with("banyan.db"), "{}", w.store);
        assert!(w.web.database_url.ends_with("web.db"), "{}", w.web.database_url);
        assert_eq!(w.web.registries[0].server_name, "127.0.0.1");
        assert_eq!(w.web.registries[0].trusted.len(), 1);
        assert_eq!(w.web.prices.get("test.").map(|p| p.minor_units), Some(1250));
        assert!(
            w.web.dns_servers.is_empty(),
            "a name server without address or dns is not asked"
        );
        assert!(w.web.trace.is_some(), "lookups on by default");
        let (auth, _) = services.auth.ok_or_else(|| anyhow!("[auth]"))?;
        assert!(auth.auth.notifiers[0].contains("127.0.0.1".parse()?));
        let store = auth.store.ok_or_else(|| anyhow!("store"))?;
        assert!(store.all_managed && store.zones.is_empty());
        for (from, to, want) in [
            (
                "name_servers = [{ name = \"ns1.registrar.example.\" }]",
                "name_servers = []",
                "web.name_servers",
            ),
            ("\"12.50 USD\"", "\"12,50 USD\"", "web.prices"),
            ("client_id", "clientid", "clientid"),
            (
                &format!("ca = \"{}\"", ca.display()),
                "ca = \"missing.pem\"",
                "web.registry[0].ca",
            ),
        ] {
            let err = load_services(&web.replace(from, to))
                .err()
                .map(|e| format!("{e:#}"))
                .unwrap_or_default();
            assert!(err.contains(want), "{to}: {err}");
        }
        let no_store = web.replace(&format!("data_dir = \"{}\"\n", dir.join("data").display()), "");
        let err = load_services(&no_store)
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(err.contains("needs the zone store"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }

    const REGISTRY: &str = r#"
data_dir = "registry-data"

[registry]
tlds = ["test.", "example"]
epp = "127.0.0.1:7000"
tick = "10s"

[[registry.registrar]]
id = "rar-a"
name = "Registrar A"
password = "secret-a"
balance = 10000

[[registry.registrar]]
id = "rar-b"
password = "secret-b"
tlds = ["test."]

[registry.policy."test."]
add_grace = "1h"
redemption = "0"
auto_renew = false
fees = { create = 100, restore = 0 }
delegation_checks = "warn"
recheck_interval = "1d"
pending_restore = "3d"
"#;

    #[test]
    fn resolver_forward_and_stub_zones() -> anyhow::Result<()> {
        let base = "[resolver]\nlisten = [\"127.0.0.1:5353\"]\n";
        let text = format!(
            "{base}[[resolver.forward]]\nzone = \".\"\naddresses = [\"192.0.2.1\", \"192.0.2.2:5300\"]\n\
             [[resolver.forward]]\nzone = \"Corp.Example\"\naddresses = [\"192.0.2.3\"]\ntransport = \"tls\"\n\
             tls_name = \"dns.corp.example\"\n\
             [[resolver.forward]]\nzone = \"doh.example.\"\naddresses = [\"::1\"]\ntransport = \"https\"\n\
             url = \"https://dns.example/q\"\n\
             [[resolver.stub]]\nzone = \"lab.example.\"\naddresses = [\"192.0.2.4\"]\n"
        );
        let r = load_services(&text)?.resolver.ok_or_else(|| anyhow!("no resolver"))?;
        let f = &r.forward_zones;
        assert_eq!(f.len(), 3);
        assert_eq!(
            (f[0].zone.to_string(), f[0].transport),
            (".".into(), banyan_resolver::Transport::Udp)
        );
        assert_eq!(f[0].addresses, ["192.0.2.1:53".parse()?, "192.0.2.2:5300".parse()?]);
        assert_eq!(f[1].zone.to_string(), "corp.example.");
        assert_eq!(f[1].addresses, ["192.0.2.3:853".parse::<SocketAddr>()?]);
        assert_eq!(f[1].tls_name.as_deref(), Some("dns.corp.example"));
        assert_eq!(f[2].addresses, ["[::1]:443".parse::<SocketAddr>()?]);
        assert_eq!(r.stub, ["lab.example.=192.0.2.4"]);
        let setup = crate::resolver_cmd::setup(&r)?;
        assert_eq!(
            setup.resolver.config.stub[0].addresses,
            ["192.0.2.4:53".parse::<SocketAddr>()?]
        );
        assert_eq!(setup.resolver.config.forward.len(), 3);
        for (bad, what) in [
            (
                "zone = \"x.\"\naddresses = [\"192.0.2.1\"]\ntransport = \"quic\"",
                "quic",
            ),
            ("zone = \"x.\"\naddresses = []", "at least one address"),
            (
                "zone = \"x.\"\naddresses = [\"192.0.2.1\"]\nurl = \"https://x/\"",
                "url is for",
            ),
            (
                "zone = \"x.\"\naddresses = [\"192.0.2.1\"]\ntransport = \"tls\"\nca = \"missing.pem\"",
                "missing.pem",
            ),
            (
                "zone = \"x.\"\naddresses = [\"192.0.2.1\"]\ntransport = \"https\"\nurl = \"http://x/\"",
                "not https://",
            ),
            ("zone = \"x.\"\naddresses = [\"nowhere\"]", "not an address"),
        ] {
            let err = load_services(&format!("{base}[[resolver.forward]]\n{bad}\n"))
                .err()
                .map(|e| format!("{e:#}"))
                .unwrap_or_default();
            assert!(err.contains(what), "{bad}: {err}");
        }
        let r = load_services(&format!("{base}upstream_cookies = false\n"))?
            .resolver
            .ok_or_else(|| anyhow!("no resolver"))?;
        assert!(r.no_upstream_cookies && !crate::resolver_cmd::setup(&r)?.resolver.config.cookies);
        // The same zone forwarded and stubbed is refused when the resolver is set up.
        let twice = format!(
            "{base}[[resolver.forward]]\nzone = \"x.\"\naddresses = [\"192.0.2.1\"]\n\
             [[resolver.stub]]\nzone = \"X.\"\naddresses = [\"192.0.2.2\"]\n"
        );
        let r = load_services(&twice)?.resolver.ok_or_else(|| anyhow!("no resolver"))?;
        let err = crate::resolver_cmd::setup(&r)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("configured twice"), "{err}");
        Ok(())
    }

    #[test]
    fn registry_section() -> anyhow::Result<()> {
        let services = load_services(REGISTRY)?;
        assert!(services.auth.is_none() && services.resolver.is_none());
        let r = services.registry.ok_or_else(|| anyhow!("no registry"))?;
        assert_eq!(r.epp, "127.0.0.1:7000".parse::<SocketAddr>()?);
        assert_eq!(r.tick, std::time::Duration::from_secs(10));
        assert!(r.database.starts_with("sqlite://") && r.database.ends_with("registry-data/registry.db"));
        assert!(matches!(&r.certificate,
            crate::registry_serve::EppCertificate::SelfSigned { write_to } if write_to.ends_with("registry-data/epp-cert.pem")));
        let test = &r.tlds[0];
        assert_eq!(test.name.to_string(), "test.");
        assert_eq!((test.add_grace, test.redemption, test.auto_renew), (3600, 0, false));
        assert_eq!((test.fees.create, test.fees.renew, test.fees.restore), (100, 800, 0));
        assert_eq!(test.delegation_checks, banyan_registry::DelegationPolicy::Warn);
        assert_eq!((test.recheck_interval, test.pending_restore), (Some(86400), 3 * 86400));
        assert_eq!(r.tlds[1].recheck_interval, None);
        assert_eq!(r.tlds[1].name.to_string(), "example.");
        assert_eq!(r.tlds[1].add_grace, 5 * 86400, "defaults elsewhere");
        assert_eq!(r.registrars.len(), 2);
        assert_eq!(r.registrars[0].tlds.len(), 2, "every TLD by default");
        assert_eq!(r.registrars[1].name, "rar-b");
        assert_eq!(r.registrars[1].balance, 0);
        assert_eq!(r.registrars[1].tlds.len(), 1);

        for (bad, what) in [
            ("tick = \"10s\"\ncolour = 1", "colour"),
            ("tick = \"soon\"", "registry.tick"),
            (
                "tick = \"10s\"\ncertificate = \"c.pem\"",
                "registry.private_key go together",
            ),
        ] {
            let text = REGISTRY.replace("tick = \"10s\"", bad);
            let err = load_services(&text).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(what), "{bad}: {err}");
        }
        for (from, to, what) in [
            (
                "[registry.policy.\"test.\"]",
                "[registry.policy.\"org.\"]",
                "not one of registry.tlds",
            ),
            ("add_grace = \"1h\"", "add_grace = \"a while\"", "add_grace"),
            ("add_grace = \"1h\"", "add_gracе = \"1h\"", "add_gracе"),
            ("tlds = [\"test.\"]", "tlds = [\"org.\"]", "registrar[1] (rar-b).tlds"),
            ("data_dir = \"registry-data\"", "", "registry.database"),
        ] {
            let err = load_services(&REGISTRY.replace(from, to))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(what), "{to}: {err}");
        }
        Ok(())
    }

    #[test]
    fn resolver_section() -> anyhow::Result<()> {
        let text = "[resolver]\nlisten = [\"127.0.0.1:5353\"]\nroot_hints = \"lab.hints\"\nallow = [\"10.0.0.0/8\"]\n\
                    cache_size = \"512MiB\"\nworkers = 1\nupstream_port = 5300\ndefault_local_zones = false\n\
                    min_ttl = 5\nmax_ttl = 3600\nrpz = [\"block.rpz\"]\nlocal_zone = [\"corp.zone\"]\nclient_limit = 200\n";
        let services = load_services(text)?;
        assert!(services.auth.is_none());
        let r = services.resolver.ok_or_else(|| anyhow!("no resolver"))?;
        assert_eq!(r.listen, vec!["127.0.0.1:5353".parse::<SocketAddr>()?]);
        assert!(r.root_hints.is_some_and(|p| p.ends_with("lab.hints")));
        assert_eq!(r.cache_size, Some(512 << 20));
        assert_eq!(r.upstream_port, Some(5300));
        assert_eq!((r.min_ttl, r.max_ttl), (Some(5), Some(3600)));
        assert!(r.no_default_local_zones && !r.deny_private_upstream);
        assert!(r.rpz.len() == 1 && r.rpz[0].ends_with("block.rpz"));
        assert!(r.local_zone.len() == 1 && r.local_zone[0].ends_with("corp.zone"));
        assert_eq!(r.client_limit, Some(200));
        assert_eq!(r.ecs, None, "ECS off by default");
        let ecs = load_services(
            "[resolver]\nlisten = [\"127.0.0.1:53\"]\necs = { ipv4_prefix = 20, zones = [\"example.com.\"] }\n",
        )?
        .resolver
        .and_then(|r| r.ecs)
        .ok_or_else(|| anyhow!("no ecs"))?;
        assert_eq!((ecs.ipv4_prefix, ecs.ipv6_prefix, ecs.zones.len()), (20, 56, 1));
        for (bad, key) in [
            ("ecs = { ipv4_prefix = 33 }", "resolver.ecs.ipv4_prefix"),
            ("ecs = { zones = [\"a..b\"] }", "resolver.ecs.zones"),
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

    /// Every configuration in `examples/` loads (paths it names are given placeholder files
    /// in a temporary copy, `data_dir` points there), so the examples stay true.
    #[test]
    fn example_configs_load() -> anyhow::Result<()> {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let dir = std::env::temp_dir().join(format!("banyan-examples-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("zones"))?;
        let zone = |origin: &str| {
            format!("$ORIGIN {origin}\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n")
        };
        std::fs::write(dir.join("zones/example.com.zone"), zone("example.com."))?;
        std::fs::write(dir.join("test-apex.zone"), zone("test."))?;
        let cert = banyan_registry::epp::tls::self_signed(&["127.0.0.1"])?;
        std::fs::write(dir.join("epp-cert.pem"), &cert.cert_pem)?;
        std::fs::write(dir.join("epp-key.pem"), &cert.key_pem)?;
        let mut loaded = 0;
        for entry in std::fs::read_dir(&examples)? {
            let path = entry?.path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let text =
                std::fs::read_to_string(&path)?.replace("/var/lib/banyan", &dir.join("data").display().to_string());
            let copy = dir.join(path.file_name().ok_or_else(|| anyhow!("file name"))?);
            std::fs::write(&copy, text)?;
            let services = load(&copy).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
            assert!(
                services.auth.is_some() || services.resolver.is_some(),
                "{}",
                path.display()
            );
            loaded += 1;
        }
        assert_eq!(loaded, 5);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
