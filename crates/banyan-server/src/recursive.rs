//! The recursive resolver's front: UDP workers that answer cache hits on the spot (the same
//! batched `recvmmsg`/`sendmmsg` loop as the authoritative server, no allocation per hit),
//! and hand misses to tokio tasks that resolve upstream ([`crate::upstream`]); TCP for
//! clients whose UDP answer was truncated; DNS over TLS and over HTTPS (RFC 7858, RFC 8484)
//! for clients that want privacy, padded as RFC 8467 §4.1 asks; access control; one
//! upstream resolution shared by every client asking the same question at once.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use banyan_auth::Cidr;
use banyan_resolver::answer::Answer;
use banyan_resolver::query::write_rejection;
use banyan_resolver::resolver::cacheable_reply;
use banyan_resolver::{write_reply, CacheReply, ClientQuery, Rejection, Resolver};
use banyan_wire::edns::ClientSubnet;
use banyan_wire::{Class, Name, Rcode, RecordType};
use tokio::io::{AsyncRead, AsyncWrite, Interest};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch, Semaphore};

use crate::metrics::{PerWorker, Proto, ResolverCounters, ResolverMetricsHandle};
use crate::querylog::{Event, LogConfig, Logs, Role};
use crate::rrl::{truncate_to_question, ResponseKind, Rrl, RrlConfig, Verdict};
use crate::running::{Pending, Running, SHUTDOWN_GRACE};
use crate::sys::{recv_batch, send_batch, Batch};
use crate::tcp::{Gate, Limits, Slot};
use crate::tls::{self, Encrypted};
use crate::{
    doh, tcp, upstream, ServerError, DEFAULT_TCP_IDLE_TIMEOUT, DEFAULT_TCP_MAX_CONNECTIONS,
    DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT, DEFAULT_TCP_MAX_IN_FLIGHT, DEFAULT_TLS_HANDSHAKE_TIMEOUT, UDP_POLL,
};

/// Client queries resolving at once; beyond it a new question is answered SERVFAIL rather
/// than queued without bound (Unbound's `num-queries-per-thread` plays this part).
pub const MAX_RESOLVING: usize = 4096;

/// How the resolver listens and whom it serves.
#[derive(Clone, Debug)]
pub struct ResolverServerConfig {
    /// Addresses to serve on, UDP and TCP alike (port 0 picks one).
    pub listen: Vec<SocketAddr>,
    /// UDP worker threads per address (default: one per core).
    pub udp_workers: usize,
    /// Close an idle TCP connection after this long.
    pub tcp_idle_timeout: Duration,
    /// Most stream connections (TCP, DoT, DoH) at once.
    pub tcp_max_connections: usize,
    /// Most stream connections from one client address.
    pub tcp_max_connections_per_client: usize,
    /// Most queries of one stream connection resolving at once; reading the next waits.
    pub tcp_max_in_flight: usize,
    /// Longest TLS handshake.
    pub tls_handshake_timeout: Duration,
    /// DNS over TLS and over HTTPS listeners (default: none).
    pub encrypted: Encrypted,
    /// Clients served; others get REFUSED. Default: loopback and the private ranges.
    pub allow: Vec<Cidr>,
    /// Queries per second each client address may send over UDP (as Unbound's
    /// `ip-ratelimit`): beyond it queries are dropped, every second one answered with an
    /// empty TC=1 reply so a real client retries over TCP, which is not limited. `None`
    /// (default): no limit.
    pub client_limit: Option<u32>,
    /// Query log and dnstap (default: neither; one `Option` check per batch or query).
    pub log: LogConfig,
}

impl ResolverServerConfig {
    /// Defaults for serving on `listen`.
    pub fn new(listen: Vec<SocketAddr>) -> ResolverServerConfig {
        ResolverServerConfig {
            listen,
            udp_workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            tcp_idle_timeout: DEFAULT_TCP_IDLE_TIMEOUT,
            tcp_max_connections: DEFAULT_TCP_MAX_CONNECTIONS,
            tcp_max_connections_per_client: DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT,
            tcp_max_in_flight: DEFAULT_TCP_MAX_IN_FLIGHT,
            tls_handshake_timeout: DEFAULT_TLS_HANDSHAKE_TIMEOUT,
            encrypted: Encrypted::default(),
            allow: default_allow(),
            client_limit: None,
            log: LogConfig::default(),
        }
    }
}

/// Loopback, RFC 1918, RFC 6598 shared, link-local and unique-local ranges: the clients a
/// resolver on a home or office network serves. An open resolver is an amplifier, so the
/// public internet is refused unless configured.
pub fn default_allow() -> Vec<Cidr> {
    [
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    ]
    .iter()
    .filter_map(|c| c.parse().ok())
    .collect()
}

/// The key under which clients share one upstream resolution.
type Question = (Name, RecordType, Class);

/// A question and the client subnet sent upstream for it (RFC 7871), when ECS is on:
/// clients of different subnets may get different answers, so they share no resolution.
type InFlightKey = (Question, Option<(IpAddr, u8)>);

struct Shared {
    resolver: Arc<Resolver>,
    allow: Vec<Cidr>,
    /// The per-client query limit, when configured: the RRL table keyed by address alone.
    limit: Option<Rrl>,
    stop: Arc<AtomicBool>,
    runtime: tokio::runtime::Handle,
    /// Questions being resolved, with the clients waiting for the same answer.
    in_flight: Mutex<HashMap<InFlightKey, Vec<oneshot::Sender<Arc<Answer>>>>>,
    resolving: Arc<Semaphore>,
    /// Client queries and their latency, for the metrics endpoint: counted here by the TCP
    /// tasks and resolutions, each UDP worker's fast path in a part of `front_set` of its own.
    front: Arc<ResolverCounters>,
    front_set: Arc<PerWorker<ResolverCounters>>,
    /// The query log and dnstap, when configured.
    logs: Option<Arc<Logs>>,
    /// Work a graceful stop waits for (the TCP listeners until their connections end).
    pending: Pending,
}

/// A running resolver service. Dropping it stops everything.
pub struct ResolverServer {
    shared: Arc<Shared>,
    local_addrs: Vec<SocketAddr>,
    encrypted_addrs: tls::Bound,
    running: Running,
}

impl ResolverServer {
    /// Binds every address and starts serving with `resolver`.
    pub fn start(config: ResolverServerConfig, resolver: Arc<Resolver>) -> Result<ResolverServer, ServerError> {
        if config.listen.is_empty() {
            return Err(ServerError::NoListen);
        }
        // UDP misses are resolved on each UDP worker's own loop; this runtime carries TCP
        // clients and background refreshes, so two threads are plenty. (Measured on the
        // bench lab, quiet machine, one worker: the per-worker loop answers cold queries
        // ~40 % faster than handing misses to this runtime from a blocking recvmmsg loop —
        // no wake-up of another thread per miss — and costs ~9 % of cache hits per
        // CPU-second, the extra recvmmsg/epoll_wait when the socket drains; both stay
        // ahead of Unbound. bench/README.md has the figures.)
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("banyan-resolve")
            .enable_all()
            .build()
            .map_err(ServerError::Start)?;
        let limit = match config.client_limit {
            Some(rate) => {
                // One bucket per client address (/32, /64: a host's IPv6 network), slip 2.
                let mut c = RrlConfig::new(rate);
                c.ipv4_prefix = 32;
                c.ipv6_prefix = 64;
                Some(Rrl::new(c)?)
            }
            None => None,
        };
        let front: Arc<ResolverCounters> = Arc::default();
        let shared = Arc::new(Shared {
            resolver,
            allow: config.allow.clone(),
            limit,
            stop: Arc::new(AtomicBool::new(false)),
            runtime: runtime.handle().clone(),
            in_flight: Mutex::new(HashMap::new()),
            resolving: Arc::new(Semaphore::new(MAX_RESOLVING)),
            front_set: Arc::new(PerWorker::new(front.clone())),
            front,
            logs: Logs::start(&config.log, Role::Resolver).map_err(ServerError::Log)?,
            pending: Pending::default(),
        });
        let (stop_tcp, stop_rx) = watch::channel(false);
        let mut server = ResolverServer {
            shared: shared.clone(),
            local_addrs: Vec::new(),
            encrypted_addrs: tls::Bound::default(),
            running: Running::new(shared.stop.clone(), stop_tcp),
        };
        let gate = Gate::new(
            config.tcp_max_connections,
            config.tcp_max_connections_per_client,
            shared.pending.clone(),
        );
        let limits = Limits {
            idle: config.tcp_idle_timeout,
            in_flight: config.tcp_max_in_flight,
            handshake: config.tls_handshake_timeout,
        };
        server.running.pending = shared.pending.clone();
        for &addr in &config.listen {
            let (sockets, listener, bound) = crate::listen::bind(addr, config.udp_workers.max(1), &runtime)?;
            for (i, socket) in sockets.into_iter().enumerate() {
                let shared = shared.clone();
                server
                    .running
                    .spawn_udp(format!("banyan-resolver-udp-{i}"), move || udp_worker(socket, &shared))?;
            }
            runtime.spawn(serve_tcp(
                listener,
                shared.clone(),
                gate.clone(),
                limits,
                stop_rx.clone(),
            ));
            server.local_addrs.push(bound);
        }
        let dot: tls::DotHandler = {
            let shared = shared.clone();
            Arc::new(move |stream, peer, stop, slot| {
                Box::pin(stream_connection(
                    stream,
                    peer,
                    Proto::Tls,
                    shared.clone(),
                    limits,
                    stop,
                    slot,
                ))
            })
        };
        let doh: doh::Answerer = {
            let shared = shared.clone();
            Arc::new(move |query, peer| {
                let shared = shared.clone();
                Box::pin(async move { answer_stream_query(&shared, query, peer, Proto::Https).await })
            })
        };
        server.encrypted_addrs = tls::start(&config.encrypted, &runtime, &gate, limits, &stop_rx, dot, doh)?;
        server.running.runtime = Some(runtime);
        Ok(server)
    }

    /// The addresses bound, in `listen` order.
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

    /// The resolver behind the service (its caches and counters).
    pub fn resolver(&self) -> &Arc<Resolver> {
        &self.shared.resolver
    }

    /// A handle reading the resolver's and the front's counters from any thread.
    pub fn metrics_handle(&self) -> ResolverMetricsHandle {
        ResolverMetricsHandle {
            resolver: self.shared.resolver.clone(),
            front: self.shared.front_set.clone(),
            logs: self.shared.logs.clone(),
        }
    }

    /// Serves until SIGINT or SIGTERM; SIGHUP reopens the query log and dnstap outputs.
    pub fn run_until_signal(&self) -> io::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let Some(runtime) = &self.running.runtime else {
            return Ok(());
        };
        runtime.block_on(async {
            let mut int = signal(SignalKind::interrupt())?;
            let mut term = signal(SignalKind::terminate())?;
            let mut hup = signal(SignalKind::hangup())?;
            loop {
                tokio::select! {
                    _ = int.recv() => break,
                    _ = term.recv() => break,
                    _ = hup.recv() => crate::sink::reopen_all(),
                }
            }
            Ok(())
        })
    }

    /// Stops taking queries, answers those in flight (at most [`crate::SHUTDOWN_GRACE`]),
    /// then stops the workers and closes every socket.
    pub fn shutdown(mut self) {
        self.running.stop();
    }
}

/// What the fast path made of one datagram.
enum Fast {
    /// A reply is in the slot's buffer.
    Reply,
    /// A reply from the cache, and the entry is near its end: refresh it.
    ReplyAndRefresh,
    /// Nothing to send.
    Drop,
    /// Needs resolving.
    Resolve,
}

/// One UDP worker: a thread with its own event loop (a current-thread tokio runtime), as
/// Unbound runs one loop per thread. Cache hits are answered in the batch they arrived in;
/// misses become tasks on this same runtime, so a query is received, resolved (its upstream
/// sockets registered here too) and answered without crossing to another thread. (Tasks on
/// the runtime itself, not a `LocalSet`: the runtime interleaves them with its I/O polling,
/// which kept twice the throughput under load in the lab.)
fn udp_worker(socket: UdpSocket, shared: &Arc<Shared>) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return;
    };
    runtime.block_on(async {
        if socket.set_nonblocking(true).is_err() {
            return;
        }
        let Ok(socket) = tokio::net::UdpSocket::from_std(socket) else {
            return;
        };
        let socket = Arc::new(socket);
        let local = socket.local_addr().ok();
        let mut batch = Batch::new();
        // This worker's resolutions in flight, waited for at stop.
        let resolving_now = Pending::default();
        let front = shared.front_set.part();
        let payload = shared.resolver.config.udp_payload;
        while !shared.stop.load(Ordering::Relaxed) {
            // Wakes at least every UDP_POLL to notice shutdown.
            let Ok(ready) = tokio::time::timeout(UDP_POLL, socket.readable()).await else {
                continue;
            };
            if ready.is_err() {
                return;
            }
            let n = match socket.try_io(Interest::READABLE, || recv_batch(&*socket, &mut batch)) {
                Ok(n) => n,
                // Drained (WouldBlock clears the readiness), or an error such as an ICMP
                // report of an earlier send: read on.
                Err(_) => continue,
            };
            let now = Instant::now();
            // Answered in this batch: timed together when it is sent (see `metrics`).
            let mut at_once = 0;
            // Slots handed to a resolution (logged when it answers).
            let mut resolving = [false; crate::sys::BATCH];
            for i in 0..n {
                let Some((bytes, client, out)) = batch.query_and_reply(i) else {
                    continue;
                };
                front.clients.query(Proto::Udp, bytes);
                match fast_path(shared, &front, bytes, client, payload, now, out) {
                    Fast::Reply => {
                        front.clients.reply(out);
                        at_once += 1;
                        batch.queue_reply(i);
                    }
                    Fast::ReplyAndRefresh => {
                        front.clients.reply(out);
                        at_once += 1;
                        refresh(shared, bytes);
                        batch.queue_reply(i);
                    }
                    Fast::Drop => {}
                    Fast::Resolve => {
                        if let Some(r) = resolving.get_mut(i) {
                            *r = true;
                        }
                        let (shared, socket, query) = (shared.clone(), socket.clone(), bytes.to_vec());
                        let guard = resolving_now.start();
                        tokio::spawn(async move {
                            let _guard = guard;
                            if let Some(served) = slow_path(&shared, &query, Transport::Udp, client.ip()).await {
                                served.count(&shared, now, query, client, local, Proto::Udp);
                                let _ = socket.send_to(&served.reply, client).await;
                            }
                        });
                    }
                }
            }
            // Counted before the send, so a client that has its reply finds it counted.
            let took = now.elapsed();
            front.latency[0].observe_many(took, at_once);
            let _ = send_batch(&*socket, &mut batch, n);
            if let Some(logs) = &shared.logs {
                // Slots sent now were answered at once; the others are resolving (logged when
                // answered) or were dropped.
                crate::udp::log_batch(
                    logs,
                    &batch,
                    n,
                    took,
                    local,
                    |i| (!resolving.get(i).copied().unwrap_or(false)).then_some((Some(true), Some(0))),
                    |_, _| None,
                );
            }
        }
        // Stopping: no more reading; the resolutions taken are answered (or given up) first.
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, resolving_now.idle()).await;
    });
}

/// Answers from the answer cache, or refuses, without allocating.
fn fast_path(
    shared: &Shared,
    front: &ResolverCounters,
    bytes: &[u8],
    client: SocketAddr,
    payload: u16,
    now: Instant,
    out: &mut Vec<u8>,
) -> Fast {
    if !shared.allow.iter().any(|c| c.contains(client.ip())) {
        return match ClientQuery::parse(bytes) {
            Err(Rejection::Drop) => Fast::Drop,
            _ => {
                write_rejection(bytes, Rcode::REFUSED, out);
                Fast::Reply
            }
        };
    }
    let q = match ClientQuery::parse(bytes) {
        Ok(q) => q,
        Err(Rejection::Drop) => return Fast::Drop,
        Err(Rejection::Reply(rcode)) => {
            write_rejection(bytes, rcode, out);
            return Fast::Reply;
        }
    };
    if let Some(limit) = &shared.limit {
        // Every question of a client counts alike: the key is the address alone.
        match limit.decide(client.ip(), ResponseKind::Answer, 0, now) {
            Verdict::Send => {}
            Verdict::Drop => {
                front.clients.rrl_dropped.fetch_add(1, Ordering::Relaxed);
                return Fast::Drop;
            }
            Verdict::Slip => {
                front.clients.rrl_slipped.fetch_add(1, Ordering::Relaxed);
                out.clear();
                out.extend_from_slice(bytes);
                truncate_to_question(out);
                // A response (QR) from a resolver (RA), as the query's header otherwise.
                if let [_, _, flags, flags2, ..] = out.as_mut_slice() {
                    *flags |= 0x80;
                    *flags2 |= 0x80;
                }
                return Fast::Reply;
            }
        }
    }
    match shared.resolver.answers.reply(&q, q.udp_limit(payload), now, out) {
        CacheReply::Hit { prefetch } => {
            banyan_resolver::Counters::bump(&shared.resolver.counters.cache_hits);
            if prefetch {
                Fast::ReplyAndRefresh
            } else {
                Fast::Reply
            }
        }
        CacheReply::Miss => Fast::Resolve,
    }
}

/// Resolves the question of `query` again in the background (RFC 8767's sibling, prefetch:
/// a popular answer is renewed before it expires so no client waits for it).
fn refresh(shared: &Arc<Shared>, query: &[u8]) {
    let Ok(q) = ClientQuery::parse(query) else { return };
    let question = (q.qname.to_name(), q.qtype, q.qclass);
    let q_flags = (q.edns.is_some_and(|e| e.dnssec_ok), q.header.cd);
    let shared2 = shared.clone();
    shared.runtime.spawn(async move {
        let flags = (q_flags.0, q_flags.1);
        let _ = resolve_shared(&shared2, question, flags, true, None).await;
    });
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    Udp,
    Tcp,
}

/// A reply from the slow path and how it was made.
struct Served {
    /// The reply message.
    reply: Vec<u8>,
    /// Resolved (or looked up without recursion), rather than answered from the answer
    /// cache or refused.
    resolved: bool,
    /// Upstream queries the resolution sent (0 when it waited for another client's).
    upstream: u32,
}

/// Resolves a query that missed the answer cache and writes the reply.
async fn slow_path(shared: &Arc<Shared>, query: &[u8], transport: Transport, client: IpAddr) -> Option<Served> {
    let at_once = |reply| Served {
        reply,
        resolved: false,
        upstream: 0,
    };
    let r = &shared.resolver;
    let payload = r.config.udp_payload;
    let mut out = Vec::new();
    let q = match ClientQuery::parse(query) {
        Ok(q) => q,
        Err(Rejection::Drop) => return None,
        Err(Rejection::Reply(rcode)) => {
            write_rejection(query, rcode, &mut out);
            return Some(at_once(out));
        }
    };
    let limit = match transport {
        Transport::Udp => q.udp_limit(payload),
        Transport::Tcp => banyan_wire::message::MAX_MESSAGE_LEN,
    };
    if transport == Transport::Tcp {
        if let CacheReply::Hit { .. } = r.answers.reply(&q, limit, Instant::now(), &mut out) {
            banyan_resolver::Counters::bump(&r.counters.cache_hits);
            return Some(at_once(out));
        }
    }
    banyan_resolver::Counters::bump(&r.counters.resolutions);
    if q.qclass != Class::IN {
        // Only the Internet class is resolved (CHAOS and HESIOD have no root to start at).
        write_rejection(query, Rcode::REFUSED, &mut out);
        return Some(at_once(out));
    }
    let (answer, upstream) = if q.header.rd {
        let flags = (q.edns.is_some_and(|e| e.dnssec_ok), q.header.cd);
        // RFC 7871 §7.3.1: an answer tailored to the client's subnet, kept per scope.
        let subnet = r.config.ecs.as_ref().map(|c| c.subnet_for(client));
        let qname = q.qname.to_name();
        if let Some(s) = subnet {
            if let Some(a) = r.ecs_answers.get(&qname, q.qtype, q.qclass, flags, s, Instant::now()) {
                banyan_resolver::Counters::bump(&r.counters.cache_hits);
                write_reply(&a, &q, payload, limit, &mut out);
                return Some(at_once(out));
            }
        }
        resolve_shared(shared, (qname, q.qtype, q.qclass), flags, false, subnet).await
    } else {
        // RFC 1034 §4.3.1: without RD, no recursion: what the cache knows, or a referral.
        let answer = r.answer_from_cache(&q.qname.to_name(), q.qtype, q.qclass, Instant::now());
        (Arc::new(answer), 0)
    };
    write_reply(&answer, &q, payload, limit, &mut out);
    Some(Served {
        reply: out,
        resolved: true,
        upstream,
    })
}

/// One resolution per question however many clients ask it meanwhile; the answer is kept in
/// the answer cache once, under the asking client's (DO, CD) flags. `refresh` skips the
/// cache for the question itself (prefetch). Also says how many upstream queries this call
/// sent (0 for a client that waited on another's resolution).
async fn resolve_shared(
    shared: &Arc<Shared>,
    question: Question,
    flags: (bool, bool),
    refresh: bool,
    subnet: Option<ClientSubnet>,
) -> (Arc<Answer>, u32) {
    let key = (question, subnet.map(|s| (s.address, s.source_prefix)));
    let wait = {
        let mut map = shared.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(&key) {
            Some(waiters) => {
                let (tx, rx) = oneshot::channel();
                waiters.push(tx);
                Some(rx)
            }
            None => {
                map.insert(key.clone(), Vec::new());
                None
            }
        }
    };
    if let Some(rx) = wait {
        let answer = rx
            .await
            .unwrap_or_else(|_| Arc::new(banyan_resolver::resolution::servfail()));
        return (answer, 0);
    }
    // Removes the entry (waking waiters with SERVFAIL) even if this task is cancelled.
    let guard = InFlightGuard {
        shared: shared.clone(),
        key: key.clone(),
    };
    let question = &key.0;
    let mut sent = 0;
    let answer = match shared.resolving.clone().try_acquire_owned() {
        Ok(_permit) => {
            let r = &shared.resolver;
            let (qname, qtype, qclass) = &question;
            let traced = r.traces.wants(qname);
            let done = upstream::resolve_for(r, qname, *qtype, *qclass, traced, refresh, subnet).await;
            let (answer, trace, scope) = (done.answer, done.trace, done.scope);
            sent = done.upstream;
            if let Some(t) = trace {
                r.traces.push(t);
            }
            match subnet.filter(|_| scope > 0) {
                // Tailored to the client's subnet: kept for that subnet only.
                Some(s) if !answer.uncacheable => {
                    r.ecs_answers
                        .store(qname, *qtype, *qclass, flags, s, scope, &answer, Instant::now());
                }
                Some(_) => {}
                None => {
                    let mut wire = Vec::new();
                    if cacheable_reply(&answer, qname, *qtype, *qclass, flags.0, &mut wire) {
                        r.answers.store(&wire, flags.0, flags.1, Instant::now());
                    }
                }
            }
            Arc::new(answer)
        }
        Err(_) => Arc::new(banyan_resolver::resolution::servfail()),
    };
    guard.finish(&answer);
    (answer, sent)
}

struct InFlightGuard {
    shared: Arc<Shared>,
    key: InFlightKey,
}

impl Served {
    /// Counts the reply and its latency since `arrived` (until now, the reply being ready to
    /// send), and logs it when logs are on.
    fn count(
        &self,
        shared: &Shared,
        arrived: Instant,
        query: Vec<u8>,
        client: SocketAddr,
        local: Option<SocketAddr>,
        transport: Proto,
    ) {
        let took = arrived.elapsed();
        shared.front.clients.reply(&self.reply);
        shared.front.latency[usize::from(self.resolved)].observe(took);
        if let Some(logs) = &shared.logs {
            logs.emit(Event {
                time: crate::querylog::arrived(took),
                latency: took,
                client,
                server: local,
                transport,
                query,
                reply: self.reply.clone(),
                cache_hit: Some(!self.resolved),
                upstream: Some(self.upstream),
                view: None,
            });
        }
    }
}

impl InFlightGuard {
    fn finish(self, answer: &Arc<Answer>) {
        let waiters = self.take();
        for w in waiters {
            let _ = w.send(answer.clone());
        }
    }

    fn take(&self) -> Vec<oneshot::Sender<Arc<Answer>>> {
        let mut map = self.shared.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&self.key).unwrap_or_default()
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        // After `finish` the entry is gone and this finds nothing; on cancellation the
        // waiters' channels close and they answer SERVFAIL.
        drop(self.take());
    }
}

/// TCP clients (RFC 7766): framed queries, each resolved in its own task so answers go back
/// in the order they are ready.
async fn serve_tcp(
    listener: TcpListener,
    shared: Arc<Shared>,
    gate: Arc<Gate>,
    limits: Limits,
    stop: watch::Receiver<bool>,
) {
    tcp::accept_loop(listener, gate, stop, |stream, peer, stop, slot| {
        let _ = stream.set_nodelay(true);
        tokio::spawn(stream_connection(
            stream,
            peer,
            Proto::Tcp,
            shared.clone(),
            limits,
            stop,
            slot,
        ));
    })
    .await;
}

/// One TCP or DoT connection: framed queries read as they come, at most
/// `limits.in_flight` resolving at once (the next read waits for a free place).
async fn stream_connection<S>(
    stream: S,
    peer: SocketAddr,
    proto: Proto,
    shared: Arc<Shared>,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    _slot: Slot,
) where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut rd, wr) = tokio::io::split(stream);
    let in_flight = limits.in_flight.max(1);
    let (tx, rx) = mpsc::channel::<Vec<u8>>(in_flight);
    let writer = tokio::spawn(tcp::write_loop(wr, rx, limits.idle));
    let places = Arc::new(Semaphore::new(in_flight));
    loop {
        let mut query = Vec::new();
        let read = tokio::select! {
            _ = stop.changed() => break,
            read = tokio::time::timeout(limits.idle, tcp::read_message(&mut rd, &mut query)) => read,
        };
        let Ok(Ok(true)) = read else { break };
        let Ok(place) = places.clone().acquire_owned().await else {
            break;
        };
        let (shared, tx) = (shared.clone(), tx.clone());
        tokio::spawn(async move {
            if let Some(reply) = answer_stream_query(&shared, query, peer, proto).await {
                if let Some(f) = tcp::frame(&reply) {
                    let _ = tx.send(f).await;
                }
            }
            drop(place);
        });
    }
    drop(tx);
    let _ = writer.await;
}

/// The reply to one query over a stream transport (TCP, DoT, DoH): REFUSED for a client
/// outside `allow`, else resolved; padded over DoT and DoH when the query asks (RFC 8467);
/// counted, timed from now, and logged.
async fn answer_stream_query(shared: &Arc<Shared>, query: Vec<u8>, peer: SocketAddr, proto: Proto) -> Option<Vec<u8>> {
    let arrived = Instant::now();
    shared.front.clients.query(proto, &query);
    let mut served = if shared.allow.iter().any(|c| c.contains(peer.ip())) {
        slow_path(shared, &query, Transport::Tcp, peer.ip()).await?
    } else {
        let mut out = Vec::new();
        write_rejection(&query, Rcode::REFUSED, &mut out);
        Served {
            reply: out,
            resolved: false,
            upstream: 0,
        }
    };
    if proto.is_encrypted() && banyan_wire::padding::wants_padding(&query) {
        banyan_wire::padding::pad_to_block(&mut served.reply, banyan_wire::padding::RESPONSE_BLOCK);
    }
    served.count(shared, arrived, query, peer, None, proto);
    Some(served.reply)
}
