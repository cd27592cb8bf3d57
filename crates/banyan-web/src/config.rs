//! What the dashboard is told at start: where the registries' EPP servers are and how to log
//! in to them, which name servers host the zones, what a year of each TLD costs, where its own
//! database is, and the security knobs (cookie, session lifetime, login throttle, password
//! hashing cost). Defaults live in one place: [`WebConfig::new`] and the `Default` impls.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use banyan_resolver::{RootHints, TrustAnchors};
use banyan_wire::Name;
use rustls::pki_types::CertificateDer;

/// The dashboard's configuration. Build it with [`WebConfig::new`] and set the fields.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The dashboard's own database (accounts, sessions, API tokens, who owns which domain):
    /// `sqlite://PATH` or `postgres://…`, opened with `banyan_store::sql::connect`.
    pub database_url: String,
    /// The registries this registrar is accredited with; a name goes to the one whose TLD is
    /// its longest matching suffix.
    pub registries: Vec<RegistryEndpoint>,
    /// The registrar's hosted name servers: every zone created here gets them as its apex NS
    /// set and the registry gets them as the domain's host objects (RFC 5731 §1.1). At least
    /// one; the first is the SOA MNAME.
    pub name_servers: Vec<HostedNameServer>,
    /// The yearly price of a name in each TLD, keyed by the TLD in lowercase presentation form
    /// with the final dot (`"test."`). A TLD without a price is shown as "price on request"
    /// and can still be registered.
    pub prices: BTreeMap<String, Price>,
    /// The SOA fields of zones created here (RFC 1035 §3.3.13).
    pub soa: SoaTemplate,
    /// TTL of the apex NS records of zones created here. Default 3600.
    pub ns_ttl: u32,
    /// Marks the session cookie `Secure` (RFC 6265 §4.1.2.5): set it when the dashboard is
    /// served over HTTPS. Default false (the lab serves plain HTTP on loopback).
    pub secure_cookies: bool,
    /// How long a session lasts after log-in, whatever the activity. Default 12 hours.
    pub session_lifetime: Duration,
    /// The login throttle. Default: 5 failures in 5 minutes.
    pub login_limit: LoginLimit,
    /// Argon2id cost of password hashes. Default: the RFC 9106 §4 second recommendation scaled
    /// down as OWASP advises (19 MiB, 2 passes, 1 lane).
    pub password_cost: PasswordCost,
    /// How long one EPP exchange may take before the dashboard gives up. Default 20 seconds.
    pub epp_timeout: Duration,
    /// The registration period of a create, renew and transfer, in years. Default 1.
    pub period_years: u8,
    /// Where the hosted name servers answer DNS, by name: the propagation panel asks each
    /// for a zone's SOA (RFC 1035 §4.3.5) at this address, port included (the lab serves DNS
    /// on a port other than 53). Default empty: the panel then says so and asks no one.
    pub dns_servers: Vec<(Name, SocketAddr)>,
    /// A recursive resolver the lookup page asks for its own answer (RD set, RFC 1035
    /// §4.1.1), to show what clients get and whether it came from its cache. Default `None`.
    pub resolver: Option<SocketAddr>,
    /// How the lookup page traces a name from the root. Default `None`: the page says
    /// lookups are not configured and sends no DNS traffic.
    pub trace: Option<TraceConfig>,
    /// How many lookups (page or API) one client address may make per window; the rest are
    /// refused with 429 until the oldest leaves the window. Each lookup sends a dozen queries
    /// or so, so this keeps the page from being an amplifier. Default: 30 per minute.
    pub lookup_limit: LoginLimit,
}

/// What the lookup page needs to resolve a name itself, iteratively from the root
/// (RFC 1034 §5.3.3), with a fresh cache each time so the trace shows the whole path.
#[derive(Clone, Debug)]
pub struct TraceConfig {
    /// The root servers to start from (RFC 1035 master-file form, as `named.root`).
    pub root_hints: RootHints,
    /// The port every upstream server is asked on: 53 in the world, another in labs where
    /// the servers share a port on distinct loopback addresses.
    pub upstream_port: u16,
    /// DNSSEC trust anchors (RFC 4033 §2): when set, the trace also validates and says so.
    pub trust_anchors: Option<TrustAnchors>,
}

impl WebConfig {
    /// A configuration with the defaults of each field's documentation, the given database
    /// and no registries, name servers or prices.
    pub fn new(database_url: impl Into<String>) -> WebConfig {
        WebConfig {
            database_url: database_url.into(),
            registries: Vec::new(),
            name_servers: Vec::new(),
            prices: BTreeMap::new(),
            soa: SoaTemplate::default(),
            ns_ttl: 3600,
            secure_cookies: false,
            session_lifetime: Duration::from_secs(12 * 3600),
            login_limit: LoginLimit::default(),
            password_cost: PasswordCost::default(),
            epp_timeout: Duration::from_secs(20),
            period_years: 1,
            dns_servers: Vec::new(),
            resolver: None,
            trace: None,
            lookup_limit: LoginLimit {
                failures: 30,
                window: Duration::from_secs(60),
            },
        }
    }

    /// The registry serving `name`: the one with the longest TLD that `name` is strictly
    /// below, with that TLD.
    pub fn registry_for(&self, name: &Name) -> Option<(usize, &Name)> {
        let mut best: Option<(usize, &Name)> = None;
        for (i, r) in self.registries.iter().enumerate() {
            for tld in &r.tlds {
                let below = name.is_subdomain_of(tld) && name.label_count() > tld.label_count();
                if below && best.is_none_or(|(_, b)| tld.label_count() > b.label_count()) {
                    best = Some((i, tld));
                }
            }
        }
        best
    }

    /// Every TLD of every registry, in configuration order.
    pub fn tlds(&self) -> impl Iterator<Item = &Name> {
        self.registries.iter().flat_map(|r| r.tlds.iter())
    }

    /// The price of a year in `tld`.
    pub fn price(&self, tld: &Name) -> Option<&Price> {
        self.prices.get(&tld.to_string().to_ascii_lowercase())
    }
}

/// One registry's EPP server (RFC 5734) and this registrar's account there.
#[derive(Clone)]
pub struct RegistryEndpoint {
    /// The TLDs it runs (absolute names, e.g. `test.`).
    pub tlds: Vec<Name>,
    /// Its EPP address.
    pub addr: SocketAddr,
    /// The name its certificate is checked against (a DNS name or an IP address as text).
    pub server_name: String,
    /// The certificates trusted for it: its CA, or its self-signed certificate.
    pub trusted: Vec<CertificateDer<'static>>,
    /// This registrar's client identifier (`<clID>`, RFC 5730 §2.9.1.1).
    pub client_id: String,
    /// Its password (6-16 characters).
    pub password: String,
}

impl std::fmt::Debug for RegistryEndpoint {
    // The password stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryEndpoint")
            .field("tlds", &self.tlds)
            .field("addr", &self.addr)
            .field("server_name", &self.server_name)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// A name server that serves the zones hosted here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostedNameServer {
    /// Its name (absolute).
    pub name: Name,
    /// Its addresses: given to the registry as glue when the name is under one of its TLDs
    /// (RFC 5732 §3.2.1); must be empty otherwise, where the host is external.
    pub addrs: Vec<IpAddr>,
}

/// A price for one year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Price {
    /// In the currency's smallest unit (cents).
    pub minor_units: u64,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

impl std::fmt::Display for Price {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{:02} {}",
            self.minor_units / 100,
            self.minor_units % 100,
            self.currency
        )
    }
}

/// The SOA of a zone created here (RFC 1035 §3.3.13); the MNAME is the first hosted name
/// server and the serial starts at [`SoaTemplate::first_serial`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoaTemplate {
    /// The mailbox, as a name relative to the zone (`hostmaster` gives
    /// `hostmaster.example.test.`) or absolute. Default `hostmaster`.
    pub rname: String,
    /// Default 3600.
    pub refresh: u32,
    /// Default 900.
    pub retry: u32,
    /// Default 1209600 (two weeks).
    pub expire: u32,
    /// The negative-caching TTL (RFC 2308 §4). Default 300.
    pub minimum: u32,
    /// The TTL of the SOA record itself. Default 3600.
    pub ttl: u32,
    /// The serial of a new zone. Default 1.
    pub first_serial: u32,
}

impl Default for SoaTemplate {
    fn default() -> Self {
        SoaTemplate {
            rname: "hostmaster".to_owned(),
            refresh: 3600,
            retry: 900,
            expire: 1_209_600,
            minimum: 300,
            ttl: 3600,
            first_serial: 1,
        }
    }
}

/// Login throttling: after `failures` failed logins within `window` from one client address,
/// or for one account, further attempts are refused with 429 until the oldest failure leaves
/// the window. The lookup page's limit has the same shape, counting every lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginLimit {
    /// Default 5.
    pub failures: u32,
    /// Default 5 minutes.
    pub window: Duration,
}

impl Default for LoginLimit {
    fn default() -> Self {
        LoginLimit {
            failures: 5,
            window: Duration::from_secs(300),
        }
    }
}

/// Argon2id parameters (RFC 9106 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordCost {
    /// Memory in KiB (at least 8 × `lanes`). Default 19456.
    pub memory_kib: u32,
    /// Passes. Default 2.
    pub passes: u32,
    /// Lanes. Default 1.
    pub lanes: u32,
}

impl Default for PasswordCost {
    fn default() -> Self {
        PasswordCost {
            memory_kib: 19_456,
            passes: 2,
            lanes: 1,
        }
    }
}

impl PasswordCost {
    /// The cheapest parameters Argon2 accepts: for tests only, never for real passwords.
    pub fn insecure_for_tests() -> PasswordCost {
        PasswordCost {
            memory_kib: 8,
            passes: 1,
            lanes: 1,
        }
    }
}
