//! DNS over TCP (RFC 1035 §4.2.2, RFC 7766): each message preceded by its length in two
//! octets; several queries per connection, read while earlier answers are still being written.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use banyan_auth::{respond, Action, Request, Transport};
use banyan_wire::{Message, RecordType};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};

use crate::metrics::Proto;
use crate::{ServerError, Shared};

/// Answers queued per connection before reading the next query waits for the writer: enough
/// to keep a pipelining client busy, few enough that a client that never reads stalls only
/// itself.
pub(crate) const QUEUED_ANSWERS: usize = 16;

/// Backlog of connections the kernel holds before `accept`.
const LISTEN_BACKLOG: i32 = 1024;

/// The connection limits (see [`crate::ServerConfig`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) idle: Duration,
    pub(crate) max_connections: usize,
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

/// Accepts connections until `stop` turns true. Beyond `max_connections` a new connection
/// is closed at once (RFC 7766 §6.2.2 lets a server close connections it cannot serve).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, limits: Limits, stop: watch::Receiver<bool>) {
    // Held until every connection of this listener has ended (graceful stop).
    let _pending = shared.pending.start();
    accept_loop(listener, limits.max_connections, stop, |stream, peer, stop, permit| {
        tokio::spawn(connection(stream, peer, shared.clone(), limits.idle, stop, permit));
    })
    .await;
}

/// The accept loop every TCP service shares: at most `max_connections` at once (a new one
/// beyond that is closed at once, RFC 7766 §6.2.2), each handed to `serve_one` with a
/// receiver of the shutdown signal and the permit that frees its slot when dropped; when
/// `stop` turns true, stops accepting and returns once every connection has ended (they
/// stop reading and write what they have queued), so a graceful stop can wait for it.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    max_connections: usize,
    mut stop: watch::Receiver<bool>,
    mut serve_one: impl FnMut(TcpStream, SocketAddr, watch::Receiver<bool>, OwnedSemaphorePermit),
) {
    let permits = Arc::new(Semaphore::new(max_connections));
    loop {
        let accepted = tokio::select! {
            _ = stop.changed() => {
                drop(listener);
                let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
                let _ = permits.acquire_many(all).await;
                return;
            }
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
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        serve_one(stream, peer, stop.clone(), permit);
    }
}

/// Serves one connection: reads queries until EOF, the idle timeout or shutdown, handing each
/// answer to a writer task so the next query is read while the last answer is written.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    idle: Duration,
    mut stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let (mut rd, wr) = stream.into_split();
    let (tx, rx) = mpsc::channel::<Vec<u8>>(QUEUED_ANSWERS);
    let writer = tokio::spawn(write_loop(wr, rx, idle));
    let mut query = Vec::new();
    let mut out = Vec::new();
    loop {
        let read = tokio::select! {
            _ = stop.changed() => break,
            read = tokio::time::timeout(idle, read_message(&mut rd, &mut query)) => read,
        };
        // Timeout, EOF, or a broken connection: stop reading, let queued answers go out.
        let Ok(Ok(true)) = read else { break };
        let frames = if is_transfer(&query) {
            // A zone transfer builds every message of the zone at once: off the async threads,
            // so other connections keep being answered meanwhile.
            let shared = shared.clone();
            let q = std::mem::take(&mut query);
            let joined = tokio::task::spawn_blocking(move || {
                let mut out = Vec::new();
                let action = answer(&shared, &q, peer, &mut out);
                (frames_of(action, &out), q)
            })
            .await;
            match joined {
                Ok((frames, q)) => {
                    query = q;
                    frames
                }
                Err(_) => break,
            }
        } else {
            match answer(&shared, &query, peer, &mut out) {
                Action::Update { .. } => match &shared.propagation {
                    // Applied and stored before the reply is written (RFC 2136 §3.8: the
                    // reply says the change was made).
                    Some(p) => {
                        let reply = p.update(&query, crate::propagation::tsig_now()).await;
                        shared.counters.reply(&reply);
                        frame(&reply).into_iter().collect()
                    }
                    // No zone is kept in the store, so none can change: NOTIMP, as NSD.
                    None => {
                        banyan_auth::update_reply(&query, banyan_wire::Rcode::NOTIMP, &mut out);
                        shared.counters.reply(&out);
                        frame(&out).into_iter().collect()
                    }
                },
                Action::Notify { zone, .. } => {
                    if let Some(p) = &shared.propagation {
                        p.notified(&zone);
                    }
                    frame(&out).into_iter().collect()
                }
                action => frames_of(action, &out),
            }
        };
        for frame in frames {
            if tx.send(frame).await.is_err() {
                return;
            }
        }
    }
    drop(tx);
    let _ = writer.await;
}

fn answer(shared: &Shared, query: &[u8], client: SocketAddr, out: &mut Vec<u8>) -> Action {
    let catalog = shared.catalog.load();
    let req = Request {
        bytes: query,
        client,
        transport: Transport::Tcp,
        now: crate::propagation::tsig_now(),
    };
    shared.counters.query(Proto::Tcp, query);
    let started = std::time::Instant::now();
    let action = respond(&catalog, &shared.auth, &req, out);
    let took = started.elapsed();
    shared.counters.latency[Proto::Tcp as usize].observe(took);
    if let Some(logs) = &shared.logs {
        let reply = match &action {
            Action::Reply | Action::Notify { .. } => out.clone(),
            Action::Stream(messages) => messages.first().cloned().unwrap_or_default(),
            Action::Update { .. } | Action::Drop => Vec::new(),
        };
        logs.emit(crate::querylog::Event {
            time: std::time::SystemTime::now()
                .checked_sub(took)
                .unwrap_or(std::time::UNIX_EPOCH),
            latency: took,
            client,
            server: None,
            transport: Proto::Tcp,
            query: query.to_vec(),
            reply,
            cache_hit: None,
            upstream: None,
            view: None,
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

/// The framed messages an action sends: none, the reply, or every message of a stream.
fn frames_of(action: Action, out: &[u8]) -> Vec<Vec<u8>> {
    match action {
        Action::Reply | Action::Notify { .. } => frame(out).into_iter().collect(),
        Action::Drop | Action::Update { .. } => Vec::new(),
        Action::Stream(messages) => messages.iter().filter_map(|m| frame(m)).collect(),
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
fn is_transfer(query: &[u8]) -> bool {
    Message::parse(query)
        .ok()
        .and_then(|m| m.question())
        .is_some_and(|q| matches!(q.qtype, RecordType::AXFR | RecordType::IXFR))
}

/// Reads one length-prefixed message into `buf`. `Ok(false)` on a clean end of stream
/// before a new message starts.
pub(crate) async fn read_message(rd: &mut OwnedReadHalf, buf: &mut Vec<u8>) -> std::io::Result<bool> {
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
pub(crate) async fn write_loop(mut wr: OwnedWriteHalf, mut rx: mpsc::Receiver<Vec<u8>>, idle: Duration) {
    while let Some(frame) = rx.recv().await {
        match tokio::time::timeout(idle, wr.write_all(&frame)).await {
            Ok(Ok(())) => {}
            _ => return,
        }
    }
    let _ = wr.shutdown().await;
}
