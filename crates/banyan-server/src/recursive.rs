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

use crate::metrics::Proto;
use crate::rrl::{truncate_to_question, ResponseKind, Rrl, RrlConfig, Verdict};
use crate::running::Running;
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
        let shared = Arc::new(Shared {
            resolver,
            allow: config.allow.clone(),
            limit,
            stop: Arc::new(AtomicBool::new(false)),
            runtime: runtime.handle().clone(),
            in_flight: Mutex::new(HashMap::new()),
            resolving: Arc::new(Semaphore::new(MAX_RESOLVING)),
        });
        let (stop_tcp, stop_rx) = watch::channel(false);
        let mut server = ResolverServer {
            shared: shared.clone(),
            local_addrs: Vec::new(),
            encrypted_addrs: tls::Bound::default(),
            running: Running::new(shared.stop.clone(), stop_tcp),
        };
        let gate = Gate::new(config.tcp_max_connections, config.tcp_max_connections_per_client);
        let limits = Limits {
            idle: config.tcp_idle_timeout,
            in_flight: config.tcp_max_in_flight,
            handshake: config.tls_handshake_timeout,
        };
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
                Box::pin(async move { answer_stream_query(&shared, &query, peer, Proto::Https).await })
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

    /// Serves until SIGINT or SIGTERM.
    pub fn run_until_signal(&self) -> io::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let Some(runtime) = &self.running.runtime else {
            return Ok(());
        };
        runtime.block_on(async {
            let mut int = signal(SignalKind::interrupt())?;
            let mut term = signal(SignalKind::terminate())?;
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            Ok(())
        })
    }

    /// Stops the workers and closes every socket.
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
        let mut batch = Batch::new();
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
            for i in 0..n {
                let Some((bytes, client, out)) = batch.query_and_reply(i) else {
                    continue;
                };
                match fast_path(shared, bytes, client, payload, now, out) {
                    Fast::Reply => batch.queue_reply(i),
                    Fast::ReplyAndRefresh => {
                        refresh(shared, bytes);
                        batch.queue_reply(i);
                    }
                    Fast::Drop => {}
                    Fast::Resolve => {
                        let (shared, socket, query) = (shared.clone(), socket.clone(), bytes.to_vec());
                        tokio::spawn(async move {
                            if let Some(reply) = slow_path(&shared, &query, Transport::Udp, client.ip()).await {
                                let _ = socket.send_to(&reply, client).await;
                            }
                        });
                    }
                }
            }
            let _ = send_batch(&*socket, &mut batch, n);
        }
    });
}

/// Answers from the answer cache, or refuses, without allocating.
fn fast_path(shared: &Shared, bytes: &[u8], client: SocketAddr, payload: u16, now: Instant, out: &mut Vec<u8>) -> Fast {
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
            Verdict::Drop => return Fast::Drop,
            Verdict::Slip => {
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

/// Resolves a query that missed the answer cache and writes the reply.
async fn slow_path(shared: &Arc<Shared>, query: &[u8], transport: Transport, client: IpAddr) -> Option<Vec<u8>> {
    let r = &shared.resolver;
    let payload = r.config.udp_payload;
    let mut out = Vec::new();
    let q = match ClientQuery::parse(query) {
        Ok(q) => q,
        Err(Rejection::Drop) => return None,
        Err(Rejection::Reply(rcode)) => {
            write_rejection(query, rcode, &mut out);
            return Some(out);
        }
    };
    let limit = match transport {
        Transport::Udp => q.udp_limit(payload),
        Transport::Tcp => banyan_wire::message::MAX_MESSAGE_LEN,
    };
    if transport == Transport::Tcp {
        if let CacheReply::Hit { .. } = r.answers.reply(&q, limit, Instant::now(), &mut out) {
            banyan_resolver::Counters::bump(&r.counters.cache_hits);
            return Some(out);
        }
    }
    banyan_resolver::Counters::bump(&r.counters.resolutions);
    if q.qclass != Class::IN {
        // Only the Internet class is resolved (CHAOS and HESIOD have no root to start at).
        write_rejection(query, Rcode::REFUSED, &mut out);
        return Some(out);
    }
    let answer = if q.header.rd {
        let flags = (q.edns.is_some_and(|e| e.dnssec_ok), q.header.cd);
        // RFC 7871 §7.3.1: an answer tailored to the client's subnet, kept per scope.
        let subnet = r.config.ecs.as_ref().map(|c| c.subnet_for(client));
        let qname = q.qname.to_name();
        if let Some(s) = subnet {
            if let Some(a) = r.ecs_answers.get(&qname, q.qtype, q.qclass, flags, s, Instant::now()) {
                banyan_resolver::Counters::bump(&r.counters.cache_hits);
                write_reply(&a, &q, payload, limit, &mut out);
                return Some(out);
            }
        }
        resolve_shared(shared, (qname, q.qtype, q.qclass), flags, false, subnet).await
    } else {
        // RFC 1034 §4.3.1: without RD, no recursion: what the cache knows, or a referral.
        Arc::new(r.answer_from_cache(&q.qname.to_name(), q.qtype, q.qclass, Instant::now()))
    };
    write_reply(&answer, &q, payload, limit, &mut out);
    Some(out)
}

/// One resolution per question however many clients ask it meanwhile; the answer is kept in
/// the answer cache once, under the asking client's (DO, CD) flags. `refresh` skips the
/// cache for the question itself (prefetch).
async fn resolve_shared(
    shared: &Arc<Shared>,
    question: Question,
    flags: (bool, bool),
    refresh: bool,
    subnet: Option<ClientSubnet>,
) -> Arc<Answer> {
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
        return rx
            .await
            .unwrap_or_else(|_| Arc::new(banyan_resolver::resolution::servfail()));
    }
    // Removes the entry (waking waiters with SERVFAIL) even if this task is cancelled.
    let guard = InFlightGuard {
        shared: shared.clone(),
        key: key.clone(),
    };
    let question = &key.0;
    let answer = match shared.resolving.clone().try_acquire_owned() {
        Ok(_permit) => {
            let r = &shared.resolver;
            let (qname, qtype, qclass) = &question;
            let traced = r.traces.wants(qname);
            let (answer, trace, scope) =
                upstream::resolve_for(r, qname, *qtype, *qclass, traced, refresh, subnet).await;
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
    answer
}

struct InFlightGuard {
    shared: Arc<Shared>,
    key: InFlightKey,
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
            if let Some(reply) = answer_stream_query(&shared, &query, peer, proto).await {
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
/// outside `allow`, else resolved; padded over DoT and DoH when the query asks (RFC 8467).
async fn answer_stream_query(shared: &Arc<Shared>, query: &[u8], peer: SocketAddr, proto: Proto) -> Option<Vec<u8>> {
    let mut reply = if shared.allow.iter().any(|c| c.contains(peer.ip())) {
        slow_path(shared, query, Transport::Tcp, peer.ip()).await?
    } else {
        let mut out = Vec::new();
        write_rejection(query, Rcode::REFUSED, &mut out);
        out
    };
    if proto.is_encrypted() && banyan_wire::padding::wants_padding(query) {
        banyan_wire::padding::pad_to_block(&mut reply, banyan_wire::padding::RESPONSE_BLOCK);
    }
    Some(reply)
}
