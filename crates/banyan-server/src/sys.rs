//! Batched UDP receive and send with `recvmmsg(2)` and `sendmmsg(2)`: the only unsafe code in
//! Banyan. One system call moves up to [`BATCH`] datagrams each way, which is most of what
//! separates a fast UDP server from a slow one (the per-datagram syscall dominates the cost of
//! answering from memory).
//!
//! Everything here is wrapped in safe functions over a [`Batch`] that owns every buffer the
//! kernel reads or writes; the raw `mmsghdr`/`iovec` arrays are rebuilt from those buffers
//! right before each call, so no pointer outlives the borrow it was taken from. The integer
//! socket options `socket2` does not wrap ([`set_int_option`]) are set here too, for the same
//! reason: their `setsockopt(2)` call is unsafe.

use std::io;
use std::mem::{size_of, MaybeUninit};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::AsRawFd;

/// Datagrams per system call. 64 keeps a batch's buffers (64 × 4 KiB in, replies out) in L2
/// while amortising the syscall well past the point of diminishing returns.
pub const BATCH: usize = 64;

// A batch is prefetched whole (`banyan_auth::prefetch`).
const _: () = assert!(BATCH <= banyan_zone::prefetch::Prefetch::CAPACITY);

/// Largest query datagram accepted. Queries are small (a question, an OPT, perhaps a TSIG or
/// cookie); a datagram longer than this is cut by the kernel (`MSG_TRUNC`) and dropped.
pub const MAX_QUERY_LEN: usize = 4096;

/// Buffers for one batch: received datagrams with their senders, and the replies to send.
pub struct Batch {
    /// Received datagrams, [`MAX_QUERY_LEN`] octets each.
    rx: Vec<[u8; MAX_QUERY_LEN]>,
    /// Length of each received datagram, or `None` when it was cut short or unreadable.
    rx_len: [Option<usize>; BATCH],
    /// Sender of each datagram, kept in kernel form so replies go back without conversion.
    addrs: [libc::sockaddr_storage; BATCH],
    addr_lens: [libc::socklen_t; BATCH],
    /// Replies, one reused buffer per slot; `send[i]` says whether slot `i` has one to send.
    pub replies: Vec<Vec<u8>>,
    send: [bool; BATCH],
    /// Scratch arrays handed to the kernel; rebuilt before every call.
    iovecs: [libc::iovec; BATCH],
    hdrs: [libc::mmsghdr; BATCH],
}

impl Batch {
    /// Allocates every buffer once; a worker reuses its batch for its whole life.
    pub fn new() -> Box<Batch> {
        Box::new(Batch {
            rx: vec![[0u8; MAX_QUERY_LEN]; BATCH],
            rx_len: [None; BATCH],
            addrs: [zeroed_storage(); BATCH],
            addr_lens: [0; BATCH],
            replies: (0..BATCH).map(|_| Vec::with_capacity(1232)).collect(),
            send: [false; BATCH],
            iovecs: [libc::iovec {
                iov_base: std::ptr::null_mut(),
                iov_len: 0,
            }; BATCH],
            hdrs: [zeroed_mmsghdr(); BATCH],
        })
    }

    /// The datagram in slot `i` and its sender, or `None` when the slot holds nothing usable.
    pub fn datagram(&self, i: usize) -> Option<(&[u8], SocketAddr)> {
        let query = self.query(i)?;
        Some((query, sockaddr_to_std(&self.addrs[i], self.addr_lens[i])?))
    }

    /// Slot `i`'s datagram, without its sender.
    pub fn query(&self, i: usize) -> Option<&[u8]> {
        let len = (*self.rx_len.get(i)?)?;
        Some(&self.rx[i][..len])
    }

    /// Slot `i`'s datagram and sender with its reply buffer, to answer one into the other
    /// without copying; `None` when the slot holds nothing usable.
    pub fn query_and_reply(&mut self, i: usize) -> Option<(&[u8], SocketAddr, &mut Vec<u8>)> {
        let len = (*self.rx_len.get(i)?)?;
        let addr = sockaddr_to_std(&self.addrs[i], self.addr_lens[i])?;
        Some((&self.rx[i][..len], addr, &mut self.replies[i]))
    }

    /// Whether slot `i`'s reply was marked to be sent (until the next receive).
    pub fn reply_queued(&self, i: usize) -> bool {
        self.send.get(i).copied().unwrap_or(false)
    }

    /// Marks slot `i`'s reply buffer as ready to send to the slot's sender.
    pub fn queue_reply(&mut self, i: usize) {
        if let Some(s) = self.send.get_mut(i) {
            *s = true;
        }
    }
}

/// Asks the kernel to back the large anonymous mappings of the process (the heap and the big
/// allocations that hold the zones) with transparent huge pages, now (`MADV_COLLAPSE`) and for
/// what they grow into (`MADV_HUGEPAGE`). Answering reads a few scattered cache lines of the
/// zone per query; with 4 KiB pages most of them also miss the TLB, and a page walk (under a
/// hypervisor, a nested one) costs as much as the miss itself. One 2 MiB page covers 512 of
/// them. Best effort: where the kernel has huge pages disabled, or refuses, nothing changes.
/// Takes a moment per hundred MB (the pages are copied): called off the answering path, in a
/// thread of its own at start and by the reload after a zone reload.
pub fn prefer_huge_pages() {
    /// Linux 6.1's synchronous collapse, not in every libc target's constants.
    const MADV_COLLAPSE: libc::c_int = 25;
    /// Smaller mappings (thread stacks, small arenas) are left alone.
    const MIN_MAPPING: usize = 8 << 20;
    const HUGE: usize = 2 << 20;
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    for line in maps.lines() {
        // start-end perms offset dev inode [path]
        let mut fields = line.split_ascii_whitespace();
        let (Some(range), Some(perms), Some(_), Some(_), Some(inode)) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            continue;
        };
        let anonymous = inode == "0" && fields.next().is_none_or(|path| path == "[heap]");
        if !anonymous || !perms.starts_with("rw") {
            continue;
        }
        let Some((Ok(start), Ok(end))) = range
            .split_once('-')
            .map(|(a, b)| (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16)))
        else {
            continue;
        };
        let (start, end) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if end <= start || end - start < MIN_MAPPING {
            continue;
        }
        for advice in [libc::MADV_HUGEPAGE, MADV_COLLAPSE] {
            // SAFETY: madvise with these advices does not change the contents or the validity
            // of memory (a collapse copies the pages into a huge page and remaps them); the
            // range lies inside one mapping read from /proc/self/maps, aligned to its pages.
            // A mapping unmapped meanwhile by another thread only makes the call fail.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, advice) };
        }
    }
}

fn zeroed_storage() -> libc::sockaddr_storage {
    // SAFETY: sockaddr_storage is plain old data (integers and padding); all-zero is a valid
    // value of it (family AF_UNSPEC).
    unsafe { MaybeUninit::<libc::sockaddr_storage>::zeroed().assume_init() }
}

fn zeroed_mmsghdr() -> libc::mmsghdr {
    // SAFETY: mmsghdr is plain old data (integers and raw pointers); all-zero is valid (null
    // pointers, zero lengths) and is never handed to the kernel before being filled in.
    unsafe { MaybeUninit::<libc::mmsghdr>::zeroed().assume_init() }
}

/// Converts a kernel socket address to a std one; `None` for families other than IPv4/IPv6.
fn sockaddr_to_std(ss: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    let len = len as usize;
    match libc::c_int::from(ss.ss_family) {
        libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family is AF_INET and the kernel wrote at least a sockaddr_in's worth
            // of octets; sockaddr_storage is larger than and aligned for sockaddr_in.
            let sin = unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            Some(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(sin.sin_port))))
        }
        libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: as above, for AF_INET6 and sockaddr_in6.
            let sin6 = unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Some(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(sin6.sin6_port),
                u32::from_be(sin6.sin6_flowinfo),
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// Receives up to [`BATCH`] datagrams, blocking (up to the socket's read timeout) for the
/// first only (`MSG_WAITFORONE`). Returns how many slots were filled; slots whose datagram
/// was cut short are marked unusable. Reply marks from the previous batch are cleared.
pub fn recv_batch<S: AsRawFd>(socket: &S, batch: &mut Batch) -> io::Result<usize> {
    let b = &mut *batch;
    for i in 0..BATCH {
        b.send[i] = false;
        b.rx_len[i] = None;
        b.iovecs[i] = libc::iovec {
            iov_base: b.rx[i].as_mut_ptr().cast(),
            iov_len: MAX_QUERY_LEN,
        };
        b.addr_lens[i] = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        let hdr = &mut b.hdrs[i];
        hdr.msg_len = 0;
        hdr.msg_hdr.msg_name = (&mut b.addrs[i] as *mut libc::sockaddr_storage).cast();
        hdr.msg_hdr.msg_namelen = b.addr_lens[i];
        hdr.msg_hdr.msg_iov = &mut b.iovecs[i];
        hdr.msg_hdr.msg_iovlen = 1;
        hdr.msg_hdr.msg_control = std::ptr::null_mut();
        hdr.msg_hdr.msg_controllen = 0;
        hdr.msg_hdr.msg_flags = 0;
    }
    // SAFETY: every header points at buffers owned by `batch` (receive buffer of
    // MAX_QUERY_LEN octets, a sockaddr_storage with its true size in msg_namelen), which stay
    // borrowed mutably and unmoved for the duration of the call; vlen is the array length.
    // The timeout argument is null (the socket's SO_RCVTIMEO bounds the wait instead).
    let n = unsafe {
        libc::recvmmsg(
            socket.as_raw_fd(),
            b.hdrs.as_mut_ptr(),
            BATCH as libc::c_uint,
            libc::MSG_WAITFORONE,
            std::ptr::null_mut(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = (n as usize).min(BATCH);
    for i in 0..n {
        let hdr = &b.hdrs[i];
        b.addr_lens[i] = hdr.msg_hdr.msg_namelen;
        let truncated = hdr.msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
        b.rx_len[i] = (!truncated).then_some((hdr.msg_len as usize).min(MAX_QUERY_LEN));
    }
    Ok(n)
}

/// Sends every queued reply of the first `filled` slots, each to the sender of its query.
/// A datagram the kernel refuses (for example a sender address it cannot route) is skipped so
/// one bad client cannot stall the others; other errors end the batch and are returned.
pub fn send_batch<S: AsRawFd>(socket: &S, batch: &mut Batch, filled: usize) -> io::Result<()> {
    let b = &mut *batch;
    let mut count = 0;
    for i in 0..filled.min(BATCH) {
        if !b.send[i] {
            continue;
        }
        b.iovecs[count] = libc::iovec {
            iov_base: b.replies[i].as_mut_ptr().cast(),
            iov_len: b.replies[i].len(),
        };
        let hdr = &mut b.hdrs[count];
        hdr.msg_len = 0;
        hdr.msg_hdr.msg_name = (&mut b.addrs[i] as *mut libc::sockaddr_storage).cast();
        hdr.msg_hdr.msg_namelen = b.addr_lens[i];
        hdr.msg_hdr.msg_iov = &mut b.iovecs[count];
        hdr.msg_hdr.msg_iovlen = 1;
        hdr.msg_hdr.msg_control = std::ptr::null_mut();
        hdr.msg_hdr.msg_controllen = 0;
        hdr.msg_hdr.msg_flags = 0;
        count += 1;
    }
    let mut sent = 0;
    while sent < count {
        // SAFETY: headers [sent, count) point at reply buffers and sender addresses owned by
        // `batch`, borrowed mutably and unmoved during the call; each iovec's length is its
        // buffer's initialised length; vlen is within the array.
        let n = unsafe {
            libc::sendmmsg(
                socket.as_raw_fd(),
                b.hdrs[sent..].as_mut_ptr(),
                (count - sent) as libc::c_uint,
                0,
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Err(err),
                // The first datagram of the rest could not be sent: skip it, send the others.
                _ => sent += 1,
            }
        } else {
            sent += (n as usize).max(1).min(count - sent);
        }
    }
    Ok(())
}

/// Sets an integer-valued socket option with `setsockopt(2)`, for the options `socket2` does
/// not wrap (the path-MTU mode, buffer sizes beyond `net.core.rmem_max`).
pub fn set_int_option<S: AsRawFd>(
    socket: &S,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: the pointer and length describe `value`, a c_int that lives on this frame for
    // the whole call and that the kernel only reads; a bad descriptor or an option the kernel
    // does not know comes back as an error.
    let r = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&value as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Reads an integer-valued socket option with `getsockopt(2)`.
#[cfg(test)]
pub(crate) fn int_option<S: AsRawFd>(socket: &S, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the pointers describe `value` and `len`, live and writable on this frame for
    // the whole call; the kernel writes at most `len` octets and the new length.
    let r = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;

    #[test]
    fn batch_round_trip_on_loopback() -> io::Result<()> {
        let server = UdpSocket::bind("127.0.0.1:0")?;
        let client = UdpSocket::bind("127.0.0.1:0")?;
        client.connect(server.local_addr()?)?;
        client.send(b"one")?;
        client.send(b"two")?;
        let mut batch = Batch::new();
        let mut got = Vec::new();
        while got.len() < 2 {
            let n = recv_batch(&server, &mut batch)?;
            for i in 0..n {
                let (bytes, from) = batch.datagram(i).expect("datagram");
                assert_eq!(from, client.local_addr()?);
                got.push(bytes.to_vec());
                let reply = [bytes, b"!"].concat();
                batch.replies[i].clear();
                batch.replies[i].extend_from_slice(&reply);
                batch.queue_reply(i);
            }
            send_batch(&server, &mut batch, n)?;
        }
        assert_eq!(got, [b"one".to_vec(), b"two".to_vec()]);
        let mut buf = [0u8; 16];
        let n = client.recv(&mut buf)?;
        assert_eq!(&buf[..n], b"one!");
        let n = client.recv(&mut buf)?;
        assert_eq!(&buf[..n], b"two!");
        Ok(())
    }

    #[test]
    fn ipv6_sender_address_converts() -> io::Result<()> {
        let Ok(server) = UdpSocket::bind("[::1]:0") else {
            return Ok(()); // no IPv6 on this machine
        };
        let client = UdpSocket::bind("[::1]:0")?;
        client.send_to(b"x", server.local_addr()?)?;
        let mut batch = Batch::new();
        let n = recv_batch(&server, &mut batch)?;
        assert!(n >= 1);
        let (bytes, from) = batch.datagram(0).expect("datagram");
        assert_eq!(bytes, b"x");
        assert_eq!(from, client.local_addr()?);
        Ok(())
    }
}

/// Lives here rather than in `udp` because a counting allocator needs `unsafe impl`, and
/// this is the one module allowed unsafe code.
#[cfg(test)]
mod allocation_tests {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    use banyan_wire::{Class, Header, MessageBuilder, Name, RecordType};
    use banyan_zone::parse_str;

    use std::net::UdpSocket;

    use banyan_auth::{AuthConfig, Catalog};

    use crate::sys::{recv_batch, Batch};
    use crate::udp::answer_batch;

    /// Counts allocations made by the current thread, so other tests running at the same
    /// time do not disturb the count.
    struct Counting;

    thread_local! {
        static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    }

    // SAFETY (of the trait contract): every call is forwarded unchanged to the system
    // allocator; the counter is a plain thread-local cell that never allocates.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
            // SAFETY: same layout the caller gave, forwarded to the system allocator.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: `ptr` came from `System.alloc` with this layout (see `alloc`).
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
            // SAFETY: `ptr` came from this allocator with `layout`, forwarded unchanged.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    fn allocations() -> usize {
        ALLOCATIONS.with(Cell::get)
    }

    /// Allocations made answering 8 queries once the buffers are warm: by the UDP path as a
    /// whole, and (when asked) by `respond` alone on the same queries. The zone is large
    /// enough for the batch to be prefetched.
    fn allocations_answering_8_queries(with_respond_alone: bool) -> std::io::Result<(usize, usize)> {
        let mut text =
            "$TTL 3600\n@ IN SOA ns1 hostmaster 1 2 3 4 5\n@ IN NS ns1\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.1\n"
                .to_string();
        for i in 0..banyan_auth::PREFETCH_MIN_NODES {
            text.push_str(&format!("host{i} IN A 192.0.2.2\n"));
        }
        let origin = Name::parse("example.com.", None).map_err(std::io::Error::other)?;
        let mut zone = banyan_zone::Zone::new(origin.clone(), Class::IN);
        let opts = banyan_zone::ParseOptions {
            origin: Some(origin),
            ..Default::default()
        };
        let report = parse_str(&text, std::path::Path::new("example.com.zone"), &opts, &mut |r| {
            let _ = zone.insert(&r);
        });
        assert!(report.is_ok());
        zone.finish();
        let catalog = Catalog::new(vec![zone]);
        assert!(catalog.node_count() >= banyan_auth::PREFETCH_MIN_NODES);
        let auth = AuthConfig::default();

        let server = UdpSocket::bind("127.0.0.1:0")?;
        let client = UdpSocket::bind("127.0.0.1:0")?;
        let mut batch = Batch::new();
        let mut q = Vec::new();
        let mut b = MessageBuilder::new(&mut q, Header::default());
        let www = Name::parse("www.example.com.", None).map_err(std::io::Error::other)?;
        b.question(&www, RecordType::A, Class::IN)
            .map_err(std::io::Error::other)?;
        b.finish();
        let (mut whole, mut respond_alone) = (0, 0);
        for round in 0..2 {
            for _ in 0..8 {
                client.send_to(&q, server.local_addr()?)?;
            }
            let mut got = 0;
            while got < 8 {
                let n = recv_batch(&server, &mut batch)?;
                // The first round grows the reply buffers; the second is measured.
                if round == 1 && with_respond_alone {
                    let mut out = Vec::with_capacity(65535);
                    let before = allocations();
                    for i in 0..n {
                        if let Some((bytes, client)) = batch.datagram(i) {
                            let req = banyan_auth::Request {
                                bytes,
                                client,
                                transport: banyan_auth::Transport::Udp,
                                now: 0,
                            };
                            let _ = banyan_auth::respond(&catalog, &auth, &req, &mut out);
                        }
                    }
                    respond_alone += allocations() - before;
                }
                let before = allocations();
                answer_batch(
                    &mut batch,
                    n,
                    &catalog,
                    &auth,
                    &mut Vec::new(),
                    false,
                    0,
                    None,
                    &crate::metrics::Counters::default(),
                );
                if round == 1 {
                    whole += allocations() - before;
                }
                got += n;
            }
        }
        Ok((whole, respond_alone))
    }

    /// The UDP path adds no allocation of its own to what `banyan_auth::respond` does.
    #[test]
    fn udp_path_adds_no_allocation_to_respond() -> std::io::Result<()> {
        let (whole, respond_alone) = allocations_answering_8_queries(true)?;
        assert_eq!(whole, respond_alone, "the server allocated on the answering path");
        Ok(())
    }

    /// The whole UDP answering path, `respond` included, allocates nothing per query
    /// (DESIGN.md: no heap allocation and no lock per query).
    #[test]
    fn answering_a_batch_allocates_nothing() -> std::io::Result<()> {
        let (whole, _) = allocations_answering_8_queries(false)?;
        assert_eq!(whole, 0, "allocations while answering 8 queries");
        Ok(())
    }
}
