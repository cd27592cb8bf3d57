//! The load loop: one thread, a few connected UDP sockets, busy-polling.
//!
//! It keeps up to `max_outstanding` queries in flight: it sends bursts of up to `batch`
//! queries per `sendmmsg`, round-robin over the sockets, once there is room for a whole burst
//! (or half the window, if that is less), then drains every socket with
//! `recvmmsg(MSG_DONTWAIT)`, and never sleeps while a query is outstanding. A blocking
//! receiver would have the server pay for waking it (and the generator for being woken) on
//! every burst, which a peer that keeps the server saturated would not cost it.
//!
//! Each reply is matched to its query by (socket, DNS ID) and then by its question. IDs come
//! from a first-in first-out free list per socket, so an ID is never reused while its query
//! is outstanding, and a freed one waits behind the 65535 others before it comes back (a late
//! reply to a query already counted lost is then almost surely unexpected, not a false
//! match). A query unanswered after the loss timeout is counted lost and its ID freed. Time
//! is read from the monotonic clock; nothing waits for time to pass.

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::mmsg::{self, RecvBatch, SendBatch};
use crate::queries::Query;
use crate::stats::Stats;

/// When the generator stops sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// After sending this many queries.
    Count(u64),
    /// After sending for this long (dnsperf's `-l`).
    After(Duration),
}

/// How hard and how long to push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The server.
    pub server: SocketAddr,
    /// UDP sockets, each on its own ephemeral port (dnsperf's `-c`); at least 1.
    pub sockets: usize,
    /// Most queries in flight over all sockets (dnsperf's `-q`); at least 1.
    pub max_outstanding: usize,
    /// Most queries per `sendmmsg` call, and most replies per `recvmmsg` call; at least 1.
    pub batch: usize,
    /// When to stop sending.
    pub stop: Stop,
    /// How long a query may wait for its reply before it is counted lost (dnsperf's `-t`);
    /// also the most the run waits for the last replies after it stops sending.
    pub loss_timeout: Duration,
    /// Kernel buffer asked for per socket and direction (dnsperf's `-b`, in octets).
    pub socket_buffer: usize,
}

impl Config {
    /// The defaults of `banyan-loadgen`'s flags against `server`, sending for `stop`.
    pub fn new(server: SocketAddr, stop: Stop) -> Config {
        Config {
            server,
            sockets: 4,
            max_outstanding: 500,
            batch: 32,
            stop,
            loss_timeout: Duration::from_secs(1),
            socket_buffer: 4 << 20,
        }
    }
}

/// One outstanding query in a socket's ID table.
#[derive(Clone, Copy, Default)]
struct Slot {
    /// Sequence number of the query using this ID; 0 when the ID is free.
    seq: u64,
    /// When it was sent, in nanoseconds since the run started.
    sent_ns: u64,
    /// Index of the query in the list.
    query: u32,
}

/// A socket and the queries outstanding on it.
struct Lane {
    socket: UdpSocket,
    /// IDs not in use, oldest freed first.
    free: VecDeque<u16>,
    /// Indexed by ID.
    slots: Vec<Slot>,
    /// (ID, sequence number) in the order sent, so the oldest is checked first for loss; an
    /// entry whose slot has moved on (answered, or reused) is skipped.
    order: VecDeque<(u16, u64)>,
}

impl Lane {
    fn open(server: SocketAddr, buffer: usize) -> io::Result<Lane> {
        let local = match server {
            SocketAddr::V4(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            SocketAddr::V6(_) => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
        };
        let socket = UdpSocket::bind(local)?;
        socket.connect(server)?;
        socket.set_nonblocking(true)?;
        mmsg::set_buffer_sizes(&socket, buffer)?;
        Ok(Lane {
            socket,
            free: (0..=u16::MAX).collect(),
            slots: vec![Slot::default(); usize::from(u16::MAX) + 1],
            order: VecDeque::new(),
        })
    }
}

/// Runs the load until `config.stop`, then waits up to the loss timeout for the last replies,
/// and returns what happened. Fails only when a socket cannot be opened or the kernel
/// reports an error other than a full buffer or an ICMP port unreachable.
pub fn run(config: &Config, queries: &[Query]) -> io::Result<Stats> {
    if queries.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no queries"));
    }
    let mut lanes = (0..config.sockets.max(1))
        .map(|_| Lane::open(config.server, config.socket_buffer))
        .collect::<io::Result<Vec<_>>>()?;
    let mut out = SendBatch::new(config.batch);
    let mut inb = RecvBatch::new(config.batch);
    let max_outstanding = config.max_outstanding.max(1);
    let min_burst = out.capacity().min(max_outstanding.div_ceil(2));
    let loss_ns = duration_ns(config.loss_timeout);
    let mut stats = Stats::default();
    let mut outstanding = 0usize;
    let mut cursor = 0usize; // next query to send
    let mut next_lane = 0usize;
    let mut seq = 0u64;
    let mut send_end_ns: Option<u64> = None;
    let start = Instant::now();
    let mut idle_since: Option<u64> = None; // start of the last round, if it did nothing

    loop {
        let now_ns = duration_ns(start.elapsed());
        if let Some(since) = idle_since.take() {
            stats.idle_ns += now_ns.saturating_sub(since);
        }
        let mut progressed = false;
        if send_end_ns.is_none() {
            let done = match config.stop {
                Stop::Count(n) => stats.sent >= n,
                Stop::After(d) => now_ns >= duration_ns(d),
            };
            if done {
                send_end_ns = Some(now_ns);
            }
        }

        if send_end_ns.is_none() {
            // Fill the window, one burst per socket in turn, until it is full or a whole round
            // sent nothing (every socket's buffer full, or no free ID).
            let mut idle_lanes = 0;
            while outstanding < max_outstanding && idle_lanes < lanes.len() {
                let room = max_outstanding - outstanding;
                let left = match config.stop {
                    Stop::Count(n) => usize::try_from(n - stats.sent).unwrap_or(usize::MAX),
                    Stop::After(_) => usize::MAX,
                };
                // Wait for room for a worthwhile burst (the window stays nearly full anyway):
                // a few replies at a time would mean a sendmmsg call for one or two queries.
                if left == 0 || (room < min_burst && room < left) {
                    break;
                }
                let lane_count = lanes.len();
                let lane = &mut lanes[next_lane];
                next_lane = (next_lane + 1) % lane_count;
                let want = out.capacity().min(room).min(left).min(lane.free.len());
                out.clear();
                for k in 0..want {
                    let query = &queries[(cursor + k) % queries.len()];
                    if let Some(datagram) = out.push(query.wire()) {
                        datagram[..2].copy_from_slice(&lane.free[k].to_be_bytes());
                    }
                }
                let sent_ns = duration_ns(start.elapsed());
                let sent = mmsg::send(&lane.socket, &mut out)?;
                if sent == 0 {
                    idle_lanes += 1;
                    continue;
                }
                idle_lanes = 0;
                progressed = true;
                for _ in 0..sent {
                    let Some(id) = lane.free.pop_front() else {
                        break;
                    };
                    let index = cursor % queries.len();
                    seq += 1;
                    lane.slots[usize::from(id)] = Slot {
                        seq,
                        sent_ns,
                        query: u32::try_from(index).unwrap_or(u32::MAX),
                    };
                    lane.order.push_back((id, seq));
                    stats.request_octets += queries[index].wire().len() as u64;
                    cursor = (index + 1) % queries.len();
                }
                stats.sent += sent as u64;
                outstanding += sent;
            }
        }

        // Drain every socket: whatever replies are waiting, without waiting for more.
        for lane in &mut lanes {
            loop {
                let n = mmsg::recv(&lane.socket, &mut inb)?;
                if n == 0 {
                    break;
                }
                progressed = true;
                let now_ns = duration_ns(start.elapsed());
                for i in 0..n {
                    let Some(reply) = inb.datagram(i) else {
                        stats.unexpected += 1;
                        continue;
                    };
                    if take_reply(lane, reply, queries, now_ns, &mut stats) {
                        outstanding -= 1;
                    }
                }
                if n < inb.capacity() {
                    break;
                }
            }
        }

        if send_end_ns.is_none() && !progressed {
            idle_since = Some(now_ns);
        }

        // Queries past the loss timeout, oldest first in each socket.
        let now_ns = duration_ns(start.elapsed());
        for lane in &mut lanes {
            while let Some(&(id, s)) = lane.order.front() {
                let slot = &mut lane.slots[usize::from(id)];
                if slot.seq != s {
                    lane.order.pop_front();
                    continue;
                }
                if now_ns.saturating_sub(slot.sent_ns) < loss_ns {
                    break;
                }
                slot.seq = 0;
                lane.free.push_back(id);
                lane.order.pop_front();
                stats.lost += 1;
                outstanding -= 1;
            }
        }

        if let Some(end) = send_end_ns {
            if outstanding == 0 || now_ns.saturating_sub(end) >= loss_ns {
                stats.send_time = Duration::from_nanos(end);
                stats.run_time = Duration::from_nanos(now_ns);
                break;
            }
        }
    }
    // Whatever is still out was sent in the last loss timeout and is as good as lost.
    stats.lost += outstanding as u64;
    Ok(stats)
}

/// Matches one reply to its outstanding query; counts it completed (and frees its ID) or
/// unexpected. Returns whether it completed a query.
fn take_reply(lane: &mut Lane, reply: &[u8], queries: &[Query], now_ns: u64, stats: &mut Stats) -> bool {
    let Some(header) = reply.get(..4) else {
        stats.unexpected += 1;
        return false;
    };
    let id = u16::from_be_bytes([header[0], header[1]]);
    let qr = header[2] & 0x80 != 0;
    let rcode = header[3] & 0x0f;
    let slot = &mut lane.slots[usize::from(id)];
    let matched = qr
        && slot.seq != 0
        && queries
            .get(slot.query as usize)
            .is_some_and(|q| q.matches_question(reply));
    if !matched {
        stats.unexpected += 1;
        return false;
    }
    slot.seq = 0;
    lane.free.push_back(id);
    stats.record_reply(rcode, reply.len(), now_ns.saturating_sub(slot.sent_ns));
    true
}

fn duration_ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
