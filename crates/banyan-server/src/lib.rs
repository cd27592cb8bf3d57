//! `banyan-server`: all of Banyan's socket I/O for the authoritative server.
//!
//! What it does:
//! - UDP (RFC 1035 §4.2.1): N worker threads, each with its own socket bound to the same
//!   address with `SO_REUSEPORT` so the kernel spreads queries across them, receiving and
//!   sending up to [`sys::BATCH`] datagrams per system call (`recvmmsg`/`sendmmsg`), answering
//!   into reused buffers from an immutable zone snapshot read through `arc-swap` (no lock and
//!   no allocation per query here; `banyan_auth::respond` does the answering).
//! - TCP (RFC 1035 §4.2.2, RFC 7766) on tokio: two-octet length framing, several queries per
//!   connection read without waiting for earlier answers to be written, an idle timeout, a
//!   bound on concurrent connections, and AXFR streams (RFC 5936 §2.2).
//! - Reload ([`Server::reload`], SIGHUP in [`Server::run_until_signal`]): the zones are read
//!   again aside and the new snapshot swapped in; a zone that fails keeps its old version.
//! - Online signing ([`ZoneSigning`]): a zone configured with keys is signed when loaded,
//!   re-signed incrementally at each reload (`banyan_dnssec::resign_zone`, keeping the
//!   signatures of what did not change) and before its signatures expire
//!   ([`Server::resign_if_due`], on a timer in [`Server::run_until_signal`]).
//!
//! - Response rate limiting ([`Rrl`], [`ServerConfig::rrl`]) on UDP answers, as BIND's
//!   `rate-limit` and Knot's `rrl` module: per client prefix and kind of response, withheld
//!   answers dropped or every `slip`-th sent truncated (TC=1). TCP is never limited.
//!
//! - Metrics ([`metrics`]): queries counted by transport, QTYPE and RCODE and the rate
//!   limiter's verdicts (a few relaxed atomic increments per query), read with
//!   [`Server::metrics`] and rendered in the Prometheus text format, served by
//!   [`MetricsEndpoint`]; answer-time histograms (UDP timed per batch, not per query).
//! - Query log ([`querylog`], JSON lines) and dnstap ([`dnstap`], Frame Streams), each
//!   written by its own thread through a bounded queue ([`sink`]): when the writer is behind,
//!   events are dropped and counted, never waited for; reopened on SIGHUP.
//! - Graceful stop ([`Server::shutdown`], [`ResolverServer::shutdown`]): no new query is
//!   taken, those taken are answered (resolutions and TCP writes included) within
//!   [`SHUTDOWN_GRACE`].
//!
//! - DNS over TLS (RFC 7858) and DNS over HTTPS (RFC 8484, GET and POST, HTTP/2 and
//!   HTTP/1.1) for the authoritative server and the resolver ([`Encrypted`]): the same
//!   answering as TCP, responses padded to blocks of 468 octets when the query asks
//!   (RFC 8467 §4.1), certificate and key from PEM files.
//!
//! - Upstream DoT and DoH ([`upstream_tls`]): the client side of RFC 7858 and RFC 8484 for
//!   the resolver's forward zones and `banyan query +tls`/`+https`, connections kept open
//!   between queries.
//!
//! What it does not do: parse or answer DNS messages (that is `banyan-auth`, a pure function),
//! parse configuration (the `banyan` binary), DNS cookies (checked and made by `banyan-auth`
//! when `AuthConfig::cookies` is set).
//!
//! Limits, named: [`sys::MAX_QUERY_LEN`] (longest UDP query accepted), [`sys::BATCH`],
//! [`ServerConfig::tcp_idle_timeout`], [`ServerConfig::tcp_max_connections`],
//! [`ServerConfig::tcp_max_connections_per_client`], [`ServerConfig::tcp_max_in_flight`],
//! [`ServerConfig::tls_handshake_timeout`].

#![deny(unsafe_code)]

pub mod dnstap;
mod doh;
mod listen;
pub mod metrics;
mod propagation;
pub mod querylog;
mod recursive;
mod reload;
pub mod rrl;
mod running;
pub mod sink;
#[allow(unsafe_code)]
pub mod sys;
mod tcp;
mod tls;
mod udp;
pub mod upstream;
pub mod upstream_tls;

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use banyan_auth::{AuthConfig, Catalog};

pub use metrics::{
    MetricsEndpoint, MetricsHandle, MetricsSnapshot, ResolverCounters, ResolverMetrics, ResolverMetricsHandle,
};
pub use propagation::timers::Timers as SecondaryTimers;
pub use propagation::{
    notify_in_background, zone_from_records, DynamicZone, ExchangeError, Propagation, PropagationError, Role,
    NOTIFY_ATTEMPTS, STORE_WATCH,
};
pub use recursive::{default_allow, ResolverServer, ResolverServerConfig, MAX_RESOLVING};
pub use reload::{ZoneFile, ZoneSigning, ZoneSource};
pub use rrl::{ResponseKind, Rrl, RrlConfig, RrlError, Verdict};
pub use running::SHUTDOWN_GRACE;
pub use tls::{Encrypted, TlsError, TlsIdentity, ALPN_DOH, ALPN_DOT};

/// Default TCP idle timeout: RFC 7766 §6.2.3 suggests "on the order of seconds"; 10 s keeps
/// a slow client working while freeing the slot of an abandoned one.
pub const DEFAULT_TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Default bound on concurrent TCP connections; beyond it new connections are closed at once.
pub const DEFAULT_TCP_MAX_CONNECTIONS: usize = 100;

/// Default bound on the stream connections (TCP, DoT, DoH) of one client address: a tenth of
/// the total, so one client cannot take every slot (RFC 7766 §6.2.2).
pub const DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT: usize = 10;

/// Default bound on the queries of one stream connection answered or waiting to be written at
/// once (HTTP/2 concurrent streams for DoH): enough to keep a pipelining client busy, few
/// enough that a client that never reads stalls only itself.
pub const DEFAULT_TCP_MAX_IN_FLIGHT: usize = 16;

/// Default time a client has to finish the TLS handshake (DoT, DoH) before its connection,
/// and its slot, are taken back.
pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest wait between two looks at whether a zone signed online is due for re-signing
/// (shorter when a zone's refresh window is: a quarter of it).
pub const RESIGN_CHECK_INTERVAL: Duration = Duration::from_secs(3600);

/// How often a UDP worker blocked in `recvmmsg` wakes to look at the shutdown flag.
const UDP_POLL: Duration = Duration::from_millis(100);

/// How the server listens and answers. Defaults in one place: [`ServerConfig::new`].
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Addresses to serve on, UDP and TCP alike. Port 0 picks a free port (the same one for
    /// UDP and TCP); [`Server::local_addrs`] tells which.
    pub listen: Vec<SocketAddr>,
    /// UDP worker threads per address (default: one per core).
    pub udp_workers: usize,
    /// Close a TCP connection that sends nothing for this long (default 10 s).
    pub tcp_idle_timeout: Duration,
    /// Most TCP connections served at once (default 100), DoT and DoH ones included.
    pub tcp_max_connections: usize,
    /// Most stream connections (TCP, DoT, DoH) from one client address (default 10).
    pub tcp_max_connections_per_client: usize,
    /// Most queries of one connection in flight (default 16).
    pub tcp_max_in_flight: usize,
    /// Longest TLS handshake (default 5 s).
    pub tls_handshake_timeout: Duration,
    /// DNS over TLS and over HTTPS listeners (default: none).
    pub encrypted: Encrypted,
    /// Answering options handed to `banyan_auth::respond`.
    pub auth: AuthConfig,
    /// Look at the zone files this often and reload when one changed (default: off; SIGHUP
    /// always reloads).
    pub watch: Option<Duration>,
    /// Zones kept in the store (managed here, or secondaries), and where the store is.
    pub store: Option<StoreConfig>,
    /// Response rate limiting of UDP answers (BIND 9 ARM "Response Rate Limiting"; Knot's
    /// `rrl`); default `None`: off, and the answering path pays one `Option` check.
    pub rrl: Option<RrlConfig>,
    /// Query log and dnstap ([`querylog`], [`dnstap`]); default: neither, and the answering
    /// path pays one `Option` check per batch (UDP) or query (TCP).
    pub log: querylog::LogConfig,
}

/// The store and the zones in it that are served (DESIGN.md "Data and state").
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// `sqlite://PATH` or `postgres://…` (see `banyan_store::Store::open`).
    pub url: String,
    /// The zones served from it.
    pub zones: Vec<DynamicZone>,
    /// Also serve every other managed zone the store holds, picked up as it appears,
    /// changes and goes (every [`STORE_WATCH`]): the zones a registrar's dashboard hosts on
    /// this server. They are only served; their writer changes them.
    pub all_managed: bool,
}

impl ServerConfig {
    /// The defaults for serving on `listen`.
    pub fn new(listen: Vec<SocketAddr>) -> ServerConfig {
        ServerConfig {
            listen,
            udp_workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            tcp_idle_timeout: DEFAULT_TCP_IDLE_TIMEOUT,
            tcp_max_connections: DEFAULT_TCP_MAX_CONNECTIONS,
            tcp_max_connections_per_client: DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT,
            tcp_max_in_flight: DEFAULT_TCP_MAX_IN_FLIGHT,
            tls_handshake_timeout: DEFAULT_TLS_HANDSHAKE_TIMEOUT,
            encrypted: Encrypted::default(),
            auth: AuthConfig::default(),
            watch: None,
            store: None,
            rrl: None,
            log: querylog::LogConfig::default(),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// No address to listen on was given.
    #[error("no address to listen on")]
    NoListen,
    /// A socket could not be created or bound.
    #[error("cannot listen on {addr} ({proto})")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// "udp" or "tcp".
        proto: &'static str,
        /// What the system said (the error's source, so shown once in a chain).
        #[source]
        source: std::io::Error,
    },
    /// The async runtime or a worker thread could not start.
    #[error("cannot start the server's threads")]
    Start(#[source] std::io::Error),
    /// The store could not be opened, or a zone in it could not be served.
    #[error(transparent)]
    Store(#[from] PropagationError),
    /// A response rate limiting setting is out of range.
    #[error("response rate limiting: {0}")]
    Rrl(#[from] RrlError),
    /// The certificate or key of DoT/DoH could not be used.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The query log or dnstap destination could not be opened.
    #[error("cannot open the query log or dnstap output")]
    Log(#[source] std::io::Error),
}

/// What every worker shares: the current zone snapshot and the answering options.
pub(crate) struct Shared {
    pub(crate) catalog: Arc<ArcSwap<Catalog>>,
    pub(crate) auth: AuthConfig,
    pub(crate) stop: Arc<AtomicBool>,
    /// The zones kept in the store; UPDATE and NOTIFY go there.
    pub(crate) propagation: Option<Arc<Propagation>>,
    /// UPDATEs that came over UDP, for the runtime to apply and answer.
    pub(crate) updates: Option<tokio::sync::mpsc::Sender<udp::UpdateJob>>,
    /// The UDP workers' response rate limiter, when configured.
    pub(crate) rrl: Option<Rrl>,
    /// What was answered, for [`Server::metrics`].
    pub(crate) counters: Arc<metrics::Counters>,
    /// `counters` and one part per UDP worker, summed for [`Server::metrics`].
    pub(crate) counter_set: Arc<metrics::CounterSet>,
    /// The query log and dnstap, when configured.
    pub(crate) logs: Option<Arc<querylog::Logs>>,
    /// Work a graceful stop waits for (the TCP listeners until their connections end).
    pub(crate) pending: running::Pending,
}

/// A running server: UDP worker threads and a tokio runtime for TCP and signals. Dropping it
/// stops everything (like [`Server::shutdown`]).
pub struct Server {
    shared: Arc<Shared>,
    source: ZoneSource,
    /// Held by whoever builds a new catalog: reloads, re-signing and the changes of zones in
    /// the store, so none builds from a snapshot another is replacing.
    reloading: Arc<std::sync::Mutex<()>>,
    /// The zone files as last loaded, for [`Server::reload_if_changed`].
    seen: std::sync::Mutex<reload::Fingerprint>,
    watch: Option<Duration>,
    local_addrs: Vec<SocketAddr>,
    encrypted_addrs: tls::Bound,
    running: running::Running,
}

impl Server {
    /// Binds every address (UDP and TCP) and starts serving `catalog`, plus the zones kept in
    /// the store when `config.store` is set. `source` says where [`Server::reload`] reads
    /// the zone files again from.
    pub fn start(config: ServerConfig, catalog: Catalog, source: ZoneSource) -> Result<Server, ServerError> {
        if config.listen.is_empty() {
            return Err(ServerError::NoListen);
        }
        let rrl = config.rrl.clone().map(Rrl::new).transpose()?;
        let logs = querylog::Logs::start(&config.log, querylog::Role::Auth).map_err(ServerError::Log)?;
        // In the background: the collapse copies the zones once (a second or more for a
        // million names), and answering needs none of it to start.
        let _ = std::thread::Builder::new()
            .name("banyan-hugepages".into())
            .spawn(sys::prefer_huge_pages);
        let catalog = Arc::new(ArcSwap::from_pointee(catalog));
        let reloading = Arc::new(std::sync::Mutex::new(()));
        // Two runtime threads: TCP is the side door (truncated answers, transfers), UDP has
        // its own threads.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("banyan-tcp")
            .enable_all()
            .build()
            .map_err(ServerError::Start)?;
        let (stop_tcp, stop_rx) = tokio::sync::watch::channel(false);
        let propagation = match &config.store {
            None => None,
            Some(store) => Some(Arc::new(runtime.block_on(Propagation::open(
                &store.url,
                store.zones.clone(),
                store.all_managed,
                &config.listen,
                config.auth.keys.clone(),
                catalog.clone(),
                reloading.clone(),
                stop_rx.clone(),
            ))?)),
        };
        let (updates, update_rx) = match &propagation {
            Some(_) => {
                let (tx, rx) = tokio::sync::mpsc::channel(udp::UPDATE_QUEUE);
                (Some(tx), Some(rx))
            }
            None => (None, None),
        };
        let mut auth = config.auth.clone();
        // NOTIFY is taken for a secondary zone from its primaries only (RFC 1996 §3.10).
        for zone in config.store.iter().flat_map(|s| &s.zones) {
            if let Role::Secondary { primaries, .. } = &zone.role {
                auth.secondaries
                    .push((zone.origin.clone(), primaries.iter().map(SocketAddr::ip).collect()));
            }
        }
        let counters: Arc<metrics::Counters> = Arc::default();
        let shared = Arc::new(Shared {
            catalog,
            auth,
            stop: Arc::new(AtomicBool::new(false)),
            propagation: propagation.clone(),
            updates,
            rrl,
            counter_set: Arc::new(metrics::CounterSet::new(counters.clone())),
            counters,
            logs,
            pending: running::Pending::default(),
        });
        let seen = std::sync::Mutex::new(source.fingerprint());
        let mut server = Server {
            shared: shared.clone(),
            source,
            reloading,
            seen,
            watch: config.watch,
            local_addrs: Vec::new(),
            encrypted_addrs: tls::Bound::default(),
            running: running::Running::new(shared.stop.clone(), stop_tcp),
        };
        server.running.pending = shared.pending.clone();
        let workers = config.udp_workers.max(1);
        let gate = tcp::Gate::new(
            config.tcp_max_connections,
            config.tcp_max_connections_per_client,
            shared.pending.clone(),
        );
        let limits = tcp::Limits {
            idle: config.tcp_idle_timeout,
            in_flight: config.tcp_max_in_flight,
            handshake: config.tls_handshake_timeout,
        };
        for &addr in &config.listen {
            let (sockets, listener, bound) = listen::bind(addr, workers, &runtime)?;
            for (i, socket) in sockets.into_iter().enumerate() {
                let shared = shared.clone();
                let counters = shared.counter_set.part();
                server.running.spawn_udp(format!("banyan-udp-{i}"), move || {
                    udp::worker(socket, &shared, &counters)
                })?;
            }
            runtime.spawn(tcp::serve(
                listener,
                shared.clone(),
                gate.clone(),
                limits,
                stop_rx.clone(),
            ));
            server.local_addrs.push(bound);
        }
        server.encrypted_addrs = tls::start(
            &config.encrypted,
            &runtime,
            &gate,
            limits,
            &stop_rx,
            dot_handler(&shared, limits),
            doh_answerer(&shared),
        )?;
        if let (Some(p), Some(rx)) = (&propagation, update_rx) {
            let _guard = runtime.enter();
            p.start();
            runtime.spawn(udp::apply_updates(p.clone(), rx));
        }
        server.running.runtime = Some(runtime);
        Ok(server)
    }

    /// The addresses actually bound (with the ports picked for port 0), in `listen` order.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.local_addrs
    }

    /// The DNS over TLS addresses bound (ports picked for port 0), in configuration order.
    pub fn tls_addrs(&self) -> &[SocketAddr] {
        &self.encrypted_addrs.tls
    }

    /// The DNS over HTTPS addresses bound, in configuration order.
    pub fn https_addrs(&self) -> &[SocketAddr] {
        &self.encrypted_addrs.https
    }

    /// The zone snapshot being served now.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.shared.catalog.load_full()
    }

    /// What the server has answered so far and the serials of the zones it serves now.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.metrics_handle().snapshot()
    }

    /// A handle that reads the same as [`Server::metrics`] from any thread, for as long as
    /// it is held (after shutdown it reads the last counts).
    pub fn metrics_handle(&self) -> MetricsHandle {
        MetricsHandle {
            counters: self.shared.counter_set.clone(),
            catalog: self.shared.catalog.clone(),
            logs: self.shared.logs.clone(),
        }
    }

    /// Reads the zones again from the [`ZoneSource`] and swaps the new snapshot in; queries
    /// in flight finish on the old one. Zones signed online are re-signed incrementally from
    /// the version served. A zone that fails to load or to be signed keeps its previous
    /// version. Returns the errors (file:line:column and reason), empty when all went well.
    pub fn reload(&self) -> Vec<String> {
        if matches!(self.source, ZoneSource::Fixed) {
            return Vec::new();
        }
        // Two reloads at once would each build from the same old snapshot and the later swap
        // would lose the earlier's work; one at a time.
        let _one = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = self.source.fingerprint();
        let current = self.shared.catalog.load_full();
        let (next, errors) = self.source.reload(&current);
        let next = self.keep_store_zones(next, &current);
        self.shared.catalog.store(Arc::new(next));
        sys::prefer_huge_pages();
        errors
    }

    /// Re-signs the zones signed online whose earliest signature expires within the refresh
    /// window at `now` (seconds since 1970), keeping every signature that is not, and swaps
    /// the new snapshot in; `None` when no zone was due, else the errors (a zone that fails
    /// keeps its version). Called on a timer by [`Server::run_until_signal`].
    pub fn resign_if_due(&self, now: u32) -> Option<Vec<String>> {
        if !self.source.signs() {
            return None;
        }
        let _one = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.shared.catalog.load_full();
        let (next, errors) = self.source.resign_due(&current, now)?;
        let next = self.keep_store_zones(next, &current);
        self.shared.catalog.store(Arc::new(next));
        Some(errors)
    }

    /// Reads the managed zones from the store again and serves those whose stored serial
    /// changed (`banyan zone import` while running); SIGHUP does this too. Returns the errors
    /// (a zone that fails keeps its version). Must not be called from inside the server's
    /// runtime.
    pub fn reload_store_zones(&self) -> Vec<String> {
        match (&self.shared.propagation, &self.running.runtime) {
            (Some(p), Some(runtime)) => runtime.block_on(p.reload_managed()),
            _ => Vec::new(),
        }
    }

    /// Re-signs the zones kept in the store and signed online whose earliest signature enters
    /// its refresh window at `now` (seconds since 1970): each gets a new serial (stored), new
    /// signatures where due, and its secondaries a NOTIFY. Returns how many zones were
    /// re-signed. A task does this on its own while the server runs; this is for tests and
    /// tools, and must not be called from inside the server's runtime.
    pub fn resign_store_zones_if_due(&self, now: u32) -> usize {
        match (&self.shared.propagation, &self.running.runtime) {
            (Some(p), Some(runtime)) => runtime.block_on(p.resign_all_if_due(now)),
            _ => 0,
        }
    }

    /// `next` (built from the zone files) with the zones kept in the store carried over from
    /// `current`: the files know nothing of them.
    fn keep_store_zones(&self, next: Catalog, current: &Catalog) -> Catalog {
        let Some(p) = &self.shared.propagation else {
            return next;
        };
        p.origins()
            .iter()
            .fold(next, |next, origin| current.carry(origin, next))
    }

    /// Reloads when a zone file changed (modification time or length, or a zone file added or
    /// removed in the zone directory) since the last look; `None` when nothing changed, else
    /// the reload's errors. Called on the `watch` interval by [`Server::run_until_signal`].
    pub fn reload_if_changed(&self) -> Option<Vec<String>> {
        let now = self.source.fingerprint();
        {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if *seen == now {
                return None;
            }
            *seen = now;
        }
        Some(self.reload())
    }

    /// Serves until SIGINT or SIGTERM, reloading on SIGHUP (the zone files, and the managed
    /// zones from the store; errors to stderr, one per line, with file:line) and re-signing zones signed online before their signatures expire.
    /// Returns an error only when the signal handlers cannot be installed.
    pub fn run_until_signal(&self) -> std::io::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let Some(runtime) = &self.running.runtime else {
            return Ok(());
        };
        runtime.block_on(async {
            let mut hup = signal(SignalKind::hangup())?;
            let mut int = signal(SignalKind::interrupt())?;
            let mut term = signal(SignalKind::terminate())?;
            // Without watching, the tick never fires often enough to matter.
            let mut tick = tokio::time::interval(self.watch.unwrap_or(Duration::from_secs(86400)));
            tick.tick().await;
            // Zones signed online are looked at a few times per refresh window.
            let resign_every = self.source.shortest_refresh().map(|secs| {
                Duration::from_secs(u64::from(secs / 4).max(1)).min(RESIGN_CHECK_INTERVAL)
            });
            let mut resign_tick = tokio::time::interval(resign_every.unwrap_or(RESIGN_CHECK_INTERVAL));
            resign_tick.tick().await;
            loop {
                tokio::select! {
                    _ = resign_tick.tick(), if resign_every.is_some() => {
                        if let Some(errors) = self.resign_if_due(reload::unix_now()) {
                            for e in &errors {
                                eprintln!("re-sign: {e}");
                            }
                            if errors.is_empty() {
                                eprintln!("re-sign: signatures near expiry made again");
                            }
                        }
                    }
                    _ = tick.tick(), if self.watch.is_some() => {
                        if let Some(errors) = self.reload_if_changed() {
                            for e in &errors {
                                eprintln!("reload: {e}");
                            }
                            eprintln!("reload: a zone file changed; {} zones served", self.catalog().zones().count());
                        }
                    }
                    _ = hup.recv() => {
                        // Rotated logs are opened anew.
                        sink::reopen_all();
                        // This thread only waits for signals; the TCP tasks run on the
                        // runtime's own threads, so loading here stalls nothing.
                        let mut errors = self.reload();
                        if let Some(p) = &self.shared.propagation {
                            errors.extend(p.reload_managed().await);
                        }
                        for e in &errors {
                            eprintln!("reload: {e}");
                        }
                        let kept = if errors.is_empty() { "" } else { "; a zone that failed keeps its previous version" };
                        eprintln!("reload: {} zones served{kept}", self.catalog().zones().count());
                    }
                    _ = int.recv() => break,
                    _ = term.recv() => break,
                }
            }
            Ok(())
        })
    }

    /// Stops taking queries, answers those in flight (TCP connections write what they have
    /// queued; at most [`SHUTDOWN_GRACE`]), then stops the workers and closes every socket;
    /// returns when they are gone.
    pub fn shutdown(mut self) {
        self.running.stop();
    }
}

/// Serves a DoT connection as a TCP one (RFC 7858 §3.3: the same framing inside TLS).
fn dot_handler(shared: &Arc<Shared>, limits: tcp::Limits) -> tls::DotHandler {
    let shared = shared.clone();
    Arc::new(move |stream, peer, stop, slot| {
        Box::pin(tcp::connection(
            stream,
            peer,
            metrics::Proto::Tls,
            shared.clone(),
            limits,
            stop,
            slot,
        ))
    })
}

/// Answers a DoH query as a TCP one, but refuses zone transfers: one HTTP response carries
/// one DNS message (RFC 8484 §4.2.1), and a transfer is many.
fn doh_answerer(shared: &Arc<Shared>) -> doh::Answerer {
    let shared = shared.clone();
    Arc::new(move |query, peer| {
        let shared = shared.clone();
        Box::pin(async move {
            if tcp::is_transfer(&query) {
                let mut out = Vec::new();
                banyan_auth::update_reply(&query, banyan_wire::Rcode::REFUSED, &mut out);
                shared.counters.query(metrics::Proto::Https, &query);
                shared.counters.reply(&out);
                return Some(out);
            }
            let messages = tcp::answer_messages(&shared, &query, peer, metrics::Proto::Https).await?;
            messages.into_iter().next()
        })
    })
}
