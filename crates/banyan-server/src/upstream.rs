//! The resolver's side of the wire: runs a [`Resolution`] to its end, sending each query it
//! asks for from a fresh socket and feeding back what comes.
//!
//! Each UDP query goes out from a new socket bound to port 0, so the kernel picks a random
//! source port per query (Linux randomises ephemeral ports), and the socket is connected to
//! the server, so datagrams from any other address or port never reach us. Within that, the
//! state machine checks ID and question; a datagram that fails is ignored and the wait goes
//! on until the real reply or the timeout.
//!
//! Every exchange is counted here, where the reply arrives: accepted replies by RCODE with
//! their round-trip time (`Counters::upstream_rtt`, from the send to the accepted reply),
//! timeouts and network errors apart.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use banyan_resolver::answer::Answer;
use banyan_resolver::trace::Trace;
use banyan_resolver::{Counters, ForwardZone, Outgoing, Resolution, Resolver, Step, Transport, Verdict};
use banyan_wire::edns::ClientSubnet;
use banyan_wire::{Class, Name, RecordType};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpStream, UdpSocket};

use crate::upstream_tls;

/// Largest reply read over UDP: anything an EDNS server may send.
const MAX_UDP_REPLY: usize = 65535;

/// Resolves one question to its end. With `trace`, every step is recorded and returned;
/// with `refresh`, the cache is not consulted for the question itself (prefetch).
pub async fn resolve(
    resolver: &Resolver,
    qname: &Name,
    qtype: RecordType,
    qclass: Class,
    trace: bool,
    refresh: bool,
) -> (Answer, Option<Trace>) {
    let done = resolve_for(resolver, qname, qtype, qclass, trace, refresh, None).await;
    (done.answer, done.trace)
}

/// What [`resolve_for`] found, and what it took.
#[derive(Debug)]
pub struct Resolved {
    /// The answer.
    pub answer: Answer,
    /// Every step, when a trace was asked for.
    pub trace: Option<Trace>,
    /// The scope the answer was tailored to (RFC 7871 §7.2.1; 0: valid for every client).
    pub scope: u8,
    /// Upstream queries sent (for the query log).
    pub upstream: u32,
}

/// As [`resolve`], for a client whose subnet is sent upstream (RFC 7871 §7.1.2) when
/// `subnet` is given; also says the scope of the answer and how many upstream queries it
/// took.
pub async fn resolve_for(
    resolver: &Resolver,
    qname: &Name,
    qtype: RecordType,
    qclass: Class,
    trace: bool,
    refresh: bool,
    subnet: Option<ClientSubnet>,
) -> Resolved {
    let mut res = Resolution::new(qname, qtype, qclass, Instant::now());
    if let Some(s) = subnet {
        res.set_client_subnet(s);
    }
    // The state machine reads no clock; the wall-clock time for signature validity is
    // read here, at the I/O edge.
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
    res.set_unix_time(unix);
    if trace {
        res.enable_trace();
    }
    if refresh {
        res.refresh();
    }
    // Capacity only (`recv_buf_from` writes into spare capacity, so nothing is zeroed),
    // and reused across resolutions.
    let mut buf = ReplyBuffer::take();
    loop {
        match res.poll(resolver, Instant::now()) {
            Step::Done(answer) => {
                let t = trace.then(|| res.trace());
                return Resolved {
                    answer,
                    trace: t,
                    scope: res.ecs_scope(),
                    upstream: res.upstream_queries(),
                };
            }
            Step::Send(out) => {
                let finished = match out.transport {
                    Transport::Tls | Transport::Https => exchange_encrypted(resolver, &mut res, &out).await,
                    Transport::Tcp => exchange_tcp(resolver, &mut res, &out).await,
                    Transport::Udp => exchange_udp(resolver, &mut res, &out, &mut buf.0).await,
                };
                if !finished {
                    res.on_timeout(resolver, Instant::now());
                }
            }
        }
    }
}

/// A 64 KiB receive buffer borrowed from a small shared pool and returned on drop: a cold
/// resolution would otherwise allocate and free one each time (a large allocation that
/// churns the allocator; it showed in profiles of cold-cache load).
struct ReplyBuffer(Vec<u8>);

/// Buffers kept for reuse; more are allocated when many resolutions run at once.
const POOLED_BUFFERS: usize = 64;

static POOL: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

impl ReplyBuffer {
    fn take() -> ReplyBuffer {
        let pooled = POOL.lock().unwrap_or_else(|e| e.into_inner()).pop();
        ReplyBuffer(pooled.unwrap_or_else(|| Vec::with_capacity(MAX_UDP_REPLY)))
    }
}

impl Drop for ReplyBuffer {
    fn drop(&mut self) {
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < POOLED_BUFFERS {
            pool.push(std::mem::take(&mut self.0));
        }
    }
}

/// Sends `out` over UDP and waits for the reply. False on timeout or a network error.
async fn exchange_udp(resolver: &Resolver, res: &mut Resolution, out: &Outgoing, buf: &mut Vec<u8>) -> bool {
    let counters = &resolver.counters;
    let Some(socket) = connected_udp(out.server) else {
        Counters::bump(&counters.upstream_errors);
        return false;
    };
    let sent = Instant::now();
    if socket.send(&out.message).await.is_err() {
        Counters::bump(&counters.upstream_errors);
        return false;
    }
    let deadline = tokio::time::Instant::now() + out.timeout;
    loop {
        buf.clear();
        let received = tokio::time::timeout_at(deadline, socket.recv_buf_from(buf)).await;
        let (len, from) = match received {
            Ok(Ok(r)) => r,
            // An ICMP error (nothing listens there): the server is not answering.
            Ok(Err(_)) => {
                Counters::bump(&counters.upstream_errors);
                return false;
            }
            Err(_) => {
                Counters::bump(&counters.upstream_timeouts);
                return false;
            }
        };
        let now = Instant::now();
        if res.on_reply(resolver, now, from, &buf[..len]) == Verdict::Accepted {
            counters.upstream_reply(&buf[..len], now.saturating_duration_since(sent));
            return true;
        }
    }
}

/// A new non-blocking UDP socket connected to `server`. Connecting an unbound socket binds
/// it to a random ephemeral port (Linux picks ephemeral ports at random), so this is the
/// fresh unpredictable source port of RFC 5452 §9.2 in two system calls, not three.
fn connected_udp(server: SocketAddr) -> Option<UdpSocket> {
    let socket = Socket::new(
        Domain::for_address(server),
        Type::DGRAM.nonblocking(),
        Some(Protocol::UDP),
    )
    .ok()?;
    socket.connect(&server.into()).ok()?;
    UdpSocket::from_std(socket.into()).ok()
}

/// Sends `out` over TCP (RFC 7766) and reads one reply. False on timeout or error.
async fn exchange_tcp(resolver: &Resolver, res: &mut Resolution, out: &Outgoing) -> bool {
    let sent = Instant::now();
    let exchange = async {
        let mut stream = TcpStream::connect(out.server).await.ok()?;
        let _ = stream.set_nodelay(true);
        let len = u16::try_from(out.message.len()).ok()?;
        let mut framed = Vec::with_capacity(out.message.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(&out.message);
        stream.write_all(&framed).await.ok()?;
        loop {
            let mut len = [0u8; 2];
            stream.read_exact(&mut len).await.ok()?;
            let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
            stream.read_exact(&mut reply).await.ok()?;
            let now = Instant::now();
            if res.on_reply(resolver, now, out.server, &reply) == Verdict::Accepted {
                resolver
                    .counters
                    .upstream_reply(&reply, now.saturating_duration_since(sent));
                return Some(());
            }
        }
    };
    match tokio::time::timeout(out.timeout.max(Duration::from_millis(500)), exchange).await {
        Ok(Some(())) => true,
        Ok(None) => {
            Counters::bump(&resolver.counters.upstream_errors);
            false
        }
        Err(_) => {
            Counters::bump(&resolver.counters.upstream_timeouts);
            false
        }
    }
}

/// The encrypted endpoint of a forward zone's forwarder at `server`: DoT verified against
/// `tls_name` (RFC 8310 §8), or DoH at the zone's URL, connecting to `server` itself. With
/// a CA file that file is trusted; with only a name, the system's CAs; with neither, the
/// connection is encrypted but not authenticated (RFC 8310 §5, opportunistic).
pub fn forward_endpoint(zone: &ForwardZone, server: SocketAddr) -> Option<upstream_tls::Endpoint> {
    use upstream_tls::{Endpoint, Protocol, Trust};
    let trust = match (&zone.ca, &zone.tls_name) {
        (Some(ca), _) => Trust::Ca(ca.clone()),
        (None, Some(_)) => Trust::System,
        (None, None) => Trust::Insecure,
    };
    match zone.transport {
        Transport::Tls => Some(Endpoint {
            addr: server,
            protocol: Protocol::Tls,
            tls_name: zone.tls_name.clone().unwrap_or_else(|| server.ip().to_string()),
            trust,
        }),
        Transport::Https => {
            let default_url = format!("https://{}{}", server.ip(), upstream_tls::DEFAULT_DOH_PATH);
            let url = zone.url.as_deref().unwrap_or(&default_url);
            // The URL's host is verified even without `tls_name`: it names the server.
            let trust = match trust {
                Trust::Insecure if zone.url.is_some() => Trust::System,
                t => t,
            };
            let mut ep = Endpoint::from_url(url, server.ip(), trust).ok()?;
            ep.addr = server;
            if let Some(name) = &zone.tls_name {
                ep.tls_name = name.clone();
            }
            Some(ep)
        }
        Transport::Udp | Transport::Tcp => None,
    }
}

/// Sends `out` to a forwarder over DoT or DoH on a kept connection. False on failure.
async fn exchange_encrypted(resolver: &Resolver, res: &mut Resolution, out: &Outgoing) -> bool {
    let Some(zone) = out.forward.and_then(|i| resolver.config.forward.get(i)) else {
        return false;
    };
    let Some(endpoint) = forward_endpoint(zone, out.server) else {
        return false;
    };
    // A handshake comes before the first query on a connection; the UDP estimate would
    // be too short, as for TCP.
    let timeout = (out.timeout * 3).max(Duration::from_millis(1500));
    match upstream_tls::Client::shared()
        .exchange(&endpoint, &out.message, timeout)
        .await
    {
        Ok(reply) => res.on_reply(resolver, Instant::now(), out.server, &reply) == Verdict::Accepted,
        Err(_) => false,
    }
}
