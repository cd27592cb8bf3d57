//! DNS over TCP (RFC 1035 §4.2.2, RFC 7766) and over TLS (RFC 7858, the same framing inside
//! the TLS stream): each message preceded by its length in two octets; several queries per
//! connection, read while earlier answers are still being written; connection slots bounded
//! in total and per client address ([`Gate`]).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use banyan_auth::{respond, Action, Request, Transport};
use banyan_wire::{Message, RecordType};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};

use crate::metrics::Proto;
use crate::running::{Pending, PendingGuard};
use crate::{ServerError, Shared};

/// Backlog of connections the kernel holds before `accept`.
const LISTEN_BACKLOG: i32 = 1024;

/// The limits of one stream connection (TCP, DoT or DoH; see [`crate::ServerConfig`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Close a connection that sends nothing (or reads nothing) for this long.
    pub(crate) idle: Duration,
    /// Queries of one connection answered or queued at once; reading the next waits.
    pub(crate) in_flight: usize,
    /// Longest TLS handshake (DoT, DoH) before the connection is closed.
    pub(crate) handshake: Duration,
}

/// Who holds a connection slot: a bound on connections in total and on connections from one
/// client address (RFC 7766 §6.2.2: a server may limit both, and close what it cannot
/// serve), shared by every stream listener of one service (TCP, DoT, DoH).
#[derive(Debug)]
pub(crate) struct Gate {
    total: Arc<Semaphore>,
    per_client: usize,
    clients: Mutex<HashMap<IpAddr, usize>>,
    /// Every open connection is work in flight that a graceful stop waits for.
    pending: Pending,
}

impl Gate {
    /// A gate of `total` slots, at most `per_client` of them for one address; each slot
    /// held counts in `pending`.
    pub(crate) fn new(total: usize, per_client: usize, pending: Pending) -> Arc<Gate> {
        Arc::new(Gate {
            total: Arc::new(Semaphore::new(total)),
            per_client: per_client.max(1),
            clients: Mutex::new(HashMap::new()),
            pending,
        })
    }

    /// A slot for a connection from `ip`, or `None` when either bound is reached.
    pub(crate) fn admit(self: &Arc<Gate>, ip: IpAddr) -> Option<Slot> {
        let permit = self.total.clone().try_acquire_owned().ok()?;
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let held = clients.entry(ip).or_insert(0);
        if *held >= self.per_client {
            return None;
        }
        *held += 1;
        Some(Slot {
            _permit: permit,
            _pending: self.pending.start(),
            gate: self.clone(),
            ip,
        })
    }
}

/// One connection's place in a [`Gate`], given back when dropped.
#[derive(Debug)]
pub(crate) struct Slot {
    _permit: OwnedSemaphorePermit,
    _pending: PendingGuard,
    gate: Arc<Gate>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut clients = self.gate.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = clients.get_mut(&self.ip) {
            *held -= 1;
            if *held == 0 {
                clients.remove(&self.ip);
            }
        }
    }
}

/// Binds a listening socket on `addr`; must run inside the tokio runtime.
pub(crate) fn bind(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    let err = |source| ServerError::Bind {
        addr,
        proto: "tcp",
        source,
    };
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(err)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true).map_err(err)?;
    }
    // A restarted server rebinds at once rather than waiting out TIME_WAIT.
    socket.set_reuse_address(true).map_err(err)?;
    socket.bind(&addr.into()).map_err(err)?;
    socket.listen(LISTEN_BACKLOG).map_err(err)?;
    socket.set_nonblocking(true).map_err(err)?;
    TcpListener::from_std(socket.into()).map_err(err)
}

/// Accepts plain TCP connections until `stop` turns true (see [`accept_loop`]).
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    gate: Arc<Gate>,
    limits: Limits,
    stop: watch::Receiver<bool>,
) {
    accept_loop(listener, gate, stop, |stream, peer, stop, slot| {
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, peer, Proto::Tcp, shared.clone(), limits, stop, slot));
    })
    .await;
}

/// The accept loop every stream service shares (TCP, DoT, DoH): a connection the [`Gate`]
/// has no slot for is closed at once (RFC 7766 §6.2.2), the others handed to `serve_one`
/// with a receiver of the shutdown signal and the slot that frees its place when dropped;
/// returns when `stop` turns true. Each slot counts as work in flight (the gate's
/// [`Pending`]), so a graceful stop waits for the connections to write what they have queued.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    gate: Arc<Gate>,
    mut stop: watch::Receiver<bool>,
    mut serve_one: impl FnMut(TcpStream, SocketAddr, watch::Receiver<bool>, Slot),
) {
    loop {
        let accepted = tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(_) => {
                // Out of file descriptors and the like: pause instead of spinning on accept.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let Some(slot) = gate.admit(peer.ip()) else {
            drop(stream);
            continue;
        };
        serve_one(stream, peer, stop.clone(), slot);
    }
}

/// Serves one stream connection (TCP, or DoT once the TLS handshake is done): reads framed
/// queries until EOF, the idle timeout or shutdown, handing each answer to a writer task so
/// the next query is read while the last answer is written.
pub(crate) async fn connection<S>(
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
    let (tx, rx) = mpsc::channel::<Vec<u8>>(limits.in_flight.max(1));
    let writer = tokio::spawn(write_loop(wr, rx, limits.idle));
    let mut query = Vec::new();
    loop {
        let read = tokio::select! {
            _ = stop.changed() => break,
            read = tokio::time::timeout(limits.idle, read_message(&mut rd, &mut query)) => read,
        };
        // Timeout, EOF, or a broken connection: stop reading, let queued answers go out.
        let Ok(Ok(true)) = read else { break };
        let Some(messages) = answer_messages(&shared, &query, peer, proto).await else {
            break;
        };
        for message in messages {
            let Some(frame) = frame(&message) else { continue };
            if tx.send(frame).await.is_err() {
                return;
            }
        }
    }
    drop(tx);
    let _ = writer.await;
}

/// The messages that answer `query` from `peer` over a stream transport: none (dropped), the
/// reply, or every message of a zone transfer; padded (RFC 8467 §4.1) over DoT and DoH when
/// the query asks. `None` when the server is going away.
pub(crate) async fn answer_messages(
    shared: &Arc<Shared>,
    query: &[u8],
    peer: SocketAddr,
    proto: Proto,
) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut messages = if is_transfer(query) {
        // A zone transfer builds every message of the zone at once: off the async threads,
        // so other connections keep being answered meanwhile.
        let shared = shared.clone();
        let q = query.to_vec();
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            let action = answer(&shared, &q, peer, proto, &mut out);
            messages_of(action, out)
        })
        .await
        .ok()?
    } else {
        match answer(shared, query, peer, proto, &mut out) {
            Action::Update { .. } => match &shared.propagation {
                // Applied and stored before the reply is written (RFC 2136 §3.8: the
                // reply says the change was made).
                Some(p) => {
                    let reply = p.update(query, crate::propagation::tsig_now()).await;
                    shared.counters.reply(&reply);
                    vec![reply]
                }
                // No zone is kept in the store, so none can change: NOTIMP, as NSD.
                None => {
                    banyan_auth::update_reply(query, banyan_wire::Rcode::NOTIMP, &mut out);
                    shared.counters.reply(&out);
                    vec![out]
                }
            },
            Action::Notify { zone, .. } => {
                if let Some(p) = &shared.propagation {
                    p.notified(&zone);
                }
                vec![out]
            }
            action => messages_of(action, out),
        }
    };
    if proto.is_encrypted() && banyan_wire::padding::wants_padding(query) {
        for m in &mut messages {
            banyan_wire::padding::pad_to_block(m, banyan_wire::padding::RESPONSE_BLOCK);
        }
    }
    Some(messages)
}

fn answer(shared: &Shared, query: &[u8], client: SocketAddr, proto: Proto, out: &mut Vec<u8>) -> Action {
    let catalog = shared.catalog.load();
    let req = Request {
        bytes: query,
        client,
        // DoT and DoH carry whole messages as TCP does: no truncation (RFC 7858 §3.3,
        // RFC 8484 §6).
        transport: Transport::Tcp,
        now: crate::propagation::tsig_now(),
    };
    shared.counters.query(proto, query);
    let started = std::time::Instant::now();
    let action = respond(&catalog, &shared.auth, &req, out);
    let took = started.elapsed();
    shared.counters.latency[proto as usize].observe(took);
    if let Some(logs) = &shared.logs {
        let reply = match &action {
            Action::Reply | Action::Notify { .. } => out.clone(),
            Action::Stream(messages) => messages.first().cloned().unwrap_or_default(),
            Action::Update { .. } | Action::Drop => Vec::new(),
        };
        logs.emit(crate::querylog::Event {
            time: crate::querylog::arrived(took),
            latency: took,
            client,
            server: None,
            transport: proto,
            query: query.to_vec(),
            reply,
            cache_hit: None,
            upstream: None,
            view: banyan_auth::views::chosen_view(&shared.auth, client.ip(), query).map(Arc::from),
        });
    }
    match &action {
        Action::Reply | Action::Notify { .. } => shared.counters.reply(out),
        // A transfer counts once, by its first message's RCODE.
        Action::Stream(messages) => {
            if let Some(first) = messages.first() {
                shared.counters.reply(first);
            }
        }
        // An UPDATE's reply is counted when made (after it is stored); a dropped query has none.
        Action::Update { .. } | Action::Drop => {}
    }
    action
}

/// The messages an action sends: none, the reply, or every message of a stream.
fn messages_of(action: Action, out: Vec<u8>) -> Vec<Vec<u8>> {
    match action {
        Action::Reply | Action::Notify { .. } => vec![out],
        Action::Drop | Action::Update { .. } => Vec::new(),
        Action::Stream(messages) => messages,
    }
}

/// `message` with its two-octet length in front; `None` (not sent) if it cannot be framed.
pub(crate) fn frame(message: &[u8]) -> Option<Vec<u8>> {
    let len = u16::try_from(message.len()).ok()?;
    let mut framed = Vec::with_capacity(message.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(message);
    Some(framed)
}

/// True when the query asks for a zone transfer (AXFR or IXFR), whose answer may be long to
/// build.
pub(crate) fn is_transfer(query: &[u8]) -> bool {
    Message::parse(query)
        .ok()
        .and_then(|m| m.question())
        .is_some_and(|q| matches!(q.qtype, RecordType::AXFR | RecordType::IXFR))
}

/// Reads one length-prefixed message into `buf`. `Ok(false)` on a clean end of stream
/// before a new message starts.
pub(crate) async fn read_message<R: AsyncRead + Unpin>(rd: &mut R, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut len = [0u8; 2];
    match rd.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(e) => return Err(e),
    }
    buf.clear();
    buf.resize(usize::from(u16::from_be_bytes(len)), 0);
    rd.read_exact(buf).await?;
    Ok(true)
}

/// Writes framed answers in the order they are queued; a client that stops reading for the
/// idle timeout loses the connection.
pub(crate) async fn write_loop<W: AsyncWrite + Unpin>(mut wr: W, mut rx: mpsc::Receiver<Vec<u8>>, idle: Duration) {
    while let Some(frame) = rx.recv().await {
        // TLS holds written data in its buffer until flushed; plain TCP flushes for free.
        let written = async {
            wr.write_all(&frame).await?;
            wr.flush().await
        };
        match tokio::time::timeout(idle, written).await {
            Ok(Ok(())) => {}
            _ => return,
        }
    }
    let _ = wr.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_bounds_each_client_and_the_total() {
        let gate = Gate::new(3, 2, Pending::default());
        let a: IpAddr = "192.0.2.1".parse().expect("address");
        let b: IpAddr = "192.0.2.2".parse().expect("address");
        let c: IpAddr = "192.0.2.3".parse().expect("address");
        let a1 = gate.admit(a).expect("first of a");
        let a2 = gate.admit(a).expect("second of a");
        assert!(gate.admit(a).is_none(), "a is at its bound");
        let b1 = gate.admit(b).expect("b has its own bound");
        assert!(gate.admit(c).is_none(), "the total is reached");
        drop(a1);
        let a3 = gate.admit(a).expect("a slot of a came back");
        assert!(gate.admit(c).is_none());
        drop((a2, a3, b1));
        assert!(gate.clients.lock().expect("lock").is_empty(), "nothing left behind");
        assert!(gate.admit(c).is_some());
    }
}
