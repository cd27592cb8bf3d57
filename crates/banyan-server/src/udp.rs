//! UDP workers: one thread and one `SO_REUSEPORT` socket each, answering in batches.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::Ordering;

use banyan_auth::{respond, Action, AuthConfig, Catalog, Request, Transport};
use socket2::{Domain, Protocol, Socket, Type};

use crate::sys::{recv_batch, send_batch, Batch};
use crate::{ServerError, Shared, UDP_POLL};

/// Socket buffer size asked for: a burst of queries waits in the kernel while a batch is
/// being answered instead of being dropped (the kernel caps it at `net.core.rmem_max`).
const SOCKET_BUFFER: usize = 4 << 20;

/// Binds `count` sockets to `addr` with `SO_REUSEPORT` (the kernel hashes each client to one
/// of them). With port 0 the first picks a free port and the others bind to that port.
pub(crate) fn bind(addr: SocketAddr, count: usize) -> Result<Vec<UdpSocket>, ServerError> {
    let mut sockets = Vec::with_capacity(count);
    let mut at = addr;
    for _ in 0..count {
        let socket = bind_one(at).map_err(|source| ServerError::Bind {
            addr: at,
            proto: "udp",
            source,
        })?;
        if at.port() == 0 {
            at = socket.local_addr().map_err(|source| ServerError::Bind {
                addr,
                proto: "udp",
                source,
            })?;
        }
        sockets.push(socket);
    }
    Ok(sockets)
}

fn bind_one(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        // `[::]:53` and `0.0.0.0:53` are listed separately (DESIGN.md's example); without
        // V6ONLY the second would collide with the first.
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_port(true)?;
    // Best effort: a smaller buffer still works.
    let _ = socket.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = socket.set_send_buffer_size(SOCKET_BUFFER);
    // The worker wakes this often to notice shutdown.
    socket.set_read_timeout(Some(UDP_POLL))?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// Receives a batch, answers each query into its slot's reused buffer, sends the batch;
/// until the shutdown flag is set. Errors on one batch are not fatal: the next is read.
pub(crate) fn worker(socket: UdpSocket, shared: &Shared) {
    let mut batch = Batch::new();
    while !shared.stop.load(Ordering::Relaxed) {
        let n = match recv_batch(&socket, &mut batch) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // ICMP errors from earlier sends surface here (ECONNREFUSED); nothing to do
                // but read on.
                let _ = e;
                continue;
            }
        };
        // One snapshot per batch: a reload swaps it between batches, never inside one.
        answer_batch(&mut batch, n, &shared.catalog.load(), &shared.auth);
        let _ = send_batch(&socket, &mut batch, n);
    }
}

/// Answers the first `n` datagrams of `batch` into their reply buffers and marks the replies
/// to send. Allocates nothing once the reply buffers have grown to their working size.
pub(crate) fn answer_batch(batch: &mut Batch, n: usize, catalog: &Catalog, auth: &AuthConfig) {
    for i in 0..n {
        let Some((bytes, client, out)) = batch.query_and_reply(i) else {
            continue;
        };
        let req = Request {
            bytes,
            client,
            transport: Transport::Udp,
            tsig_key: None,
        };
        match respond(catalog, auth, &req, out) {
            // A NOTIFY is acknowledged; refreshing secondary zones is not implemented yet.
            Action::Reply | Action::Notify { .. } => batch.queue_reply(i),
            // UPDATE is not applied yet: answered NOTIMP, as before it was recognised.
            Action::Update { .. } => {
                banyan_auth::update_reply(bytes, banyan_wire::Rcode::NOTIMP, out);
                batch.queue_reply(i);
            }
            // A transfer is only ever answered over TCP; respond refuses it over UDP, so a
            // stream here is dropped rather than sent as a burst of datagrams.
            Action::Drop | Action::Stream(_) => {}
        }
    }
}
