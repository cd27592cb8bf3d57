//! UDP workers: one thread and one `SO_REUSEPORT` socket each, answering in batches.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use banyan_auth::{respond, Action, AuthConfig, Catalog, Request, Transport};
use banyan_wire::Name;
use socket2::{Domain, Protocol, Socket, Type};

use crate::metrics::{Counters, Proto};
use crate::propagation::Propagation;
use crate::rrl::{Outcome, Rrl};
use crate::sys::{recv_batch, send_batch, set_int_option, Batch};
use crate::{ServerError, Shared, UDP_POLL};

/// UPDATEs received over UDP and waiting to be applied; beyond this many, new ones are
/// dropped (the client retries) rather than queued without bound.
pub(crate) const UPDATE_QUEUE: usize = 1024;

/// An UPDATE that came over UDP: applied on the runtime, answered from the same socket.
pub(crate) struct UpdateJob {
    request: Vec<u8>,
    client: SocketAddr,
    reply: Arc<UdpSocket>,
}

/// What a batch leaves to do after its replies are sent.
pub(crate) enum Deferred {
    /// An UPDATE to apply (RFC 2136): answered when it is stored.
    Update(Vec<u8>, SocketAddr),
    /// A zone a NOTIFY said changed (RFC 1996): refresh it.
    Notify(Name),
}

/// Applies the UPDATEs queued by the UDP workers, each on its own task (updates to one zone
/// are serialised by the zone's lock), answering each from the socket it came in on.
pub(crate) async fn apply_updates(p: Arc<Propagation>, mut jobs: tokio::sync::mpsc::Receiver<UpdateJob>) {
    while let Some(job) = jobs.recv().await {
        let p = p.clone();
        tokio::spawn(async move {
            let reply = p.update(&job.request, crate::propagation::tsig_now()).await;
            let _ = job.reply.send_to(&reply, job.client);
        });
    }
}

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
    ignore_path_mtu(&socket, addr.is_ipv6());
    // Best effort: a smaller buffer still works. With CAP_NET_ADMIN the FORCE options go past
    // `net.core.rmem_max`/`wmem_max` (212,992 octets on a typical Linux, which a burst of
    // queries fills in a millisecond or two); NSD 4.6 does the same, FORCE first (seen with
    // strace).
    let size = libc::c_int::try_from(SOCKET_BUFFER).unwrap_or(libc::c_int::MAX);
    for (force, plain) in [
        (libc::SO_RCVBUFFORCE, libc::SO_RCVBUF),
        (libc::SO_SNDBUFFORCE, libc::SO_SNDBUF),
    ] {
        if set_int_option(&socket, libc::SOL_SOCKET, force, size).is_err() {
            let _ = set_int_option(&socket, libc::SOL_SOCKET, plain, size);
        }
    }
    // The worker wakes this often to notice shutdown.
    socket.set_read_timeout(Some(UDP_POLL))?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// Sends answers at the interface's MTU and has the socket ignore ICMP "fragmentation
/// needed" and ICMPv6 "packet too big" (Linux's `IP_PMTUDISC_OMIT`, since 3.15). A forged one
/// could otherwise lower the path MTU the kernel keeps for a client and make the server
/// fragment its answers to it, and a later fragment carries no DNS ID or port to guess: an
/// off-path attacker can replace it (the poisoning that RFC 9715 avoids fragments for). IPv4
/// answers go without DF, fragmented only beyond the interface's own MTU.
///
/// NSD 4.6 and Knot 3.2 set this mode on their IPv4 UDP sockets (seen with strace); for IPv6
/// NSD fixes `IPV6_MTU` at 1280 instead, and Knot sets nothing on Linux. The same mode for
/// both families keeps the protection for IPv6 too; within the default 1232-octet answers
/// nothing is fragmented either way. On a kernel without it, the older `IP_PMTUDISC_DONT` (no
/// DF, though the path MTU is still learned); failing both, the kernel's default stays.
fn ignore_path_mtu(socket: &Socket, v6: bool) {
    let (level, name, omit, dont) = if v6 {
        (
            libc::IPPROTO_IPV6,
            libc::IPV6_MTU_DISCOVER,
            libc::IPV6_PMTUDISC_OMIT,
            libc::IPV6_PMTUDISC_DONT,
        )
    } else {
        (
            libc::IPPROTO_IP,
            libc::IP_MTU_DISCOVER,
            libc::IP_PMTUDISC_OMIT,
            libc::IP_PMTUDISC_DONT,
        )
    };
    if set_int_option(socket, level, name, omit).is_err() {
        let _ = set_int_option(socket, level, name, dont);
    }
}

/// Receives a batch, answers each query into its slot's reused buffer, sends the batch;
/// until the shutdown flag is set. Errors on one batch are not fatal: the next is read.
/// Counts into `counters`, this worker's own part of the server's counters.
pub(crate) fn worker(socket: UdpSocket, shared: &Shared, counters: &Counters) {
    let mut batch = Batch::new();
    let mut deferred = Vec::new();
    // UPDATE answers are sent from this same socket (the client expects the address it
    // asked), by the runtime, when the change is stored.
    let reply_socket = socket.try_clone().ok().map(Arc::new);
    let local = socket.local_addr().ok();
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
        // The batch is timed as a whole, from here to its replies being ready (two clock
        // reads per batch, none per query; see `metrics`), and the limiter judges it at
        // the same instant.
        let received = Instant::now();
        // One snapshot per batch: a reload swaps it between batches, never inside one.
        answer_batch(
            &mut batch,
            n,
            &shared.catalog.load(),
            &shared.auth,
            &mut deferred,
            shared.updates.is_some(),
            crate::propagation::tsig_now(),
            shared.rrl.as_ref().map(|rrl| (rrl, received)),
            counters,
        );
        // Counted before the send, so a client that has its reply finds it counted.
        let took = received.elapsed();
        counters.latency[Proto::Udp as usize].observe_many(took, n as u64);
        let _ = send_batch(&socket, &mut batch, n);
        if let Some(logs) = &shared.logs {
            log_batch(
                logs,
                &batch,
                n,
                took,
                local,
                |_| Some((None, None)),
                |query, client| banyan_auth::views::chosen_view(&shared.auth, client.ip(), query).map(Arc::from),
            );
        }
        for d in deferred.drain(..) {
            match d {
                Deferred::Notify(zone) => {
                    if let Some(p) = &shared.propagation {
                        p.notified(&zone);
                    }
                }
                Deferred::Update(request, client) => {
                    if let (Some(tx), Some(reply)) = (&shared.updates, &reply_socket) {
                        let _ = tx.try_send(UpdateJob {
                            request,
                            client,
                            reply: reply.clone(),
                        });
                    }
                }
            }
        }
    }
}

/// Hands every query of the batch's first `n` slots to the logs, with its reply when one
/// was sent; `resolver` gives the resolver's fields of each slot (cache hit, upstream
/// queries), or `None` for a slot logged elsewhere (being resolved); `view` names the view
/// a query was answered from (the authoritative server's views). The batch's time is
/// shared out evenly, as for the latency histogram; the wall clock is read once.
pub(crate) fn log_batch(
    logs: &crate::querylog::Logs,
    batch: &Batch,
    n: usize,
    took: std::time::Duration,
    local: Option<SocketAddr>,
    resolver: impl Fn(usize) -> Option<(Option<bool>, Option<u32>)>,
    view: impl Fn(&[u8], SocketAddr) -> Option<Arc<str>>,
) {
    let arrived = crate::querylog::arrived(took);
    let each = took / u32::try_from(n.max(1)).unwrap_or(1);
    for i in 0..n {
        let Some((query, client)) = batch.datagram(i) else {
            continue;
        };
        let Some((cache_hit, upstream)) = resolver(i) else {
            continue;
        };
        let reply = match batch.replies.get(i) {
            Some(r) if batch.reply_queued(i) => r.clone(),
            _ => Vec::new(),
        };
        logs.emit(crate::querylog::Event {
            time: arrived,
            latency: each,
            client,
            server: local,
            transport: Proto::Udp,
            query: query.to_vec(),
            reply,
            cache_hit,
            upstream,
            view: view(query, client),
        });
    }
}

/// Answers the first `n` datagrams of `batch` into their reply buffers and marks the replies
/// to send, after prefetching their lookups ([`banyan_auth::prefetch`]); accepted NOTIFYs,
/// and UPDATEs when `deferred_updates` (zones are kept in the store), go to `deferred`.
/// Allocates nothing once the reply buffers have grown to their working size (an UPDATE is
/// copied out, being rare). `now` (seconds since 1970) is the time TSIGs are checked
/// against. With `rrl`, each reply is counted at its instant and dropped or cut down to a
/// truncated slip as the limiter says (TCP has no such step). Each query is counted in
/// `counters` (a few relaxed increments; nothing allocated).
#[allow(clippy::too_many_arguments)]
pub(crate) fn answer_batch(
    batch: &mut Batch,
    n: usize,
    catalog: &Catalog,
    auth: &AuthConfig,
    deferred: &mut Vec<Deferred>,
    deferred_updates: bool,
    now: u64,
    rrl: Option<(&Rrl, Instant)>,
    counters: &Counters,
) {
    // The batch's lookups read the zone's memory together first, so that their cache misses
    // overlap instead of coming one query at a time (a hint: it decides nothing).
    banyan_auth::prefetch(catalog, (0..n).filter_map(|i| batch.query(i)));
    for i in 0..n {
        let Some((bytes, client, out)) = batch.query_and_reply(i) else {
            continue;
        };
        let req = Request {
            bytes,
            client,
            transport: Transport::Udp,
            now,
        };
        counters.query(Proto::Udp, bytes);
        match respond(catalog, auth, &req, out) {
            Action::Reply => {
                // The RCODE as answered, before a slip cuts the reply down.
                counters.reply(out);
                // After answering, before queueing: the limiter classifies the reply itself.
                let send = match rrl {
                    None => true,
                    Some((rrl, at)) => {
                        let proven = || {
                            auth.cookies
                                .as_ref()
                                .is_some_and(|c| banyan_auth::cookies::proven(&c.secret, bytes, client.ip(), now))
                        };
                        match rrl.filter(client.ip(), out, at, proven) {
                            Outcome::Send => true,
                            Outcome::Slip => {
                                counters.rrl_slipped.fetch_add(1, Ordering::Relaxed);
                                true
                            }
                            Outcome::Drop => {
                                counters.rrl_dropped.fetch_add(1, Ordering::Relaxed);
                                false
                            }
                            Outcome::CookieExempt => {
                                counters.rrl_cookie_exempt.fetch_add(1, Ordering::Relaxed);
                                true
                            }
                            Outcome::LogOnly => {
                                counters.rrl_log_only.fetch_add(1, Ordering::Relaxed);
                                true
                            }
                        }
                    }
                };
                if send {
                    batch.queue_reply(i);
                }
            }
            Action::Notify { zone, .. } => {
                counters.reply(out);
                batch.queue_reply(i);
                deferred.push(Deferred::Notify(zone));
            }
            Action::Update { .. } if deferred_updates => deferred.push(Deferred::Update(bytes.to_vec(), client)),
            // No zone is kept in the store, so none can change: NOTIMP, as NSD.
            Action::Update { .. } => {
                banyan_auth::update_reply(bytes, banyan_wire::Rcode::NOTIMP, out);
                counters.reply(out);
                batch.queue_reply(i);
            }
            // A transfer is only ever answered over TCP; respond refuses it over UDP, so a
            // stream here is dropped rather than sent as a burst of datagrams.
            Action::Drop | Action::Stream(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::int_option;

    #[test]
    fn udp_sockets_ignore_path_mtu_information() -> io::Result<()> {
        let v4 = bind(SocketAddr::from(([127, 0, 0, 1], 0)), 2).map_err(io::Error::other)?;
        assert_eq!(v4.len(), 2);
        for socket in &v4 {
            assert_eq!(
                int_option(socket, libc::IPPROTO_IP, libc::IP_MTU_DISCOVER)?,
                libc::IP_PMTUDISC_OMIT
            );
        }
        // A machine without IPv6 cannot bind ::1; the IPv4 half above still ran.
        if let Ok(v6) = bind(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 0)), 1) {
            assert_eq!(
                int_option(&v6[0], libc::IPPROTO_IPV6, libc::IPV6_MTU_DISCOVER)?,
                libc::IPV6_PMTUDISC_OMIT
            );
        }
        Ok(())
    }

    /// Whether this process may go past `net.core.rmem_max` (CAP_NET_ADMIN, bit 12 of the
    /// effective capabilities).
    fn may_force_buffers() -> bool {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("CapEff:"))
            .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
            .is_some_and(|caps| caps & (1 << 12) != 0)
    }

    #[test]
    fn udp_socket_buffers_are_as_large_as_allowed() -> io::Result<()> {
        let sockets = bind(SocketAddr::from(([127, 0, 0, 1], 0)), 1).map_err(io::Error::other)?;
        let limit = |file: &str| {
            std::fs::read_to_string(file)
                .ok()
                .and_then(|s| s.trim().parse::<usize>().ok())
                .unwrap_or(0)
        };
        for (option, max) in [
            (libc::SO_RCVBUF, limit("/proc/sys/net/core/rmem_max")),
            (libc::SO_SNDBUF, limit("/proc/sys/net/core/wmem_max")),
        ] {
            let want = if may_force_buffers() {
                SOCKET_BUFFER
            } else {
                SOCKET_BUFFER.min(max)
            };
            // The kernel reports twice what was set (its bookkeeping overhead, socket(7)).
            let got = int_option(&sockets[0], libc::SOL_SOCKET, option)? as usize;
            assert!(got >= 2 * want, "option {option}: {got} octets, want {want} doubled");
        }
        Ok(())
    }
}
