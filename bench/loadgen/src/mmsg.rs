//! Batched UDP send and receive with `sendmmsg(2)` and `recvmmsg(2)` on connected,
//! non-blocking sockets: the only unsafe code of the load generator. One system call moves a
//! whole burst of queries or replies, which is what lets one core out-send a server that
//! itself answers in batches (dnsperf's one `sendto`/`recvfrom` per datagram is what made it
//! the ceiling of `bench/auth.sh`).
//!
//! Every buffer the kernel reads or writes is owned by a [`SendBatch`] or [`RecvBatch`]; the
//! raw `mmsghdr`/`iovec` arrays are rebuilt from those buffers right before each call, so no
//! pointer handed to the kernel outlives the mutable borrow it was taken from. The style
//! follows `banyan-server`'s `sys` module.

use std::io;
use std::mem::MaybeUninit;
use std::net::UdpSocket;
use std::os::fd::AsRawFd;

/// Longest query a [`SendBatch`] slot holds: a header, a 255-octet name, type, class and an
/// OPT record fit in well under 512 octets (RFC 1035 §4.2.1's classic UDP limit).
pub const MAX_QUERY_LEN: usize = 512;

/// Longest reply a [`RecvBatch`] slot reads in full; a longer one is cut by the kernel
/// (`MSG_TRUNC`) and reported as unusable. EDNS replies here are at most 1232 octets
/// (RFC 9715's recommended payload size) unless the server ignores the requested size.
pub const MAX_REPLY_LEN: usize = 4096;

/// Queries waiting to go out in one `sendmmsg` call, each in a slot of its own.
pub struct SendBatch {
    /// `capacity` slots of [`MAX_QUERY_LEN`] octets each.
    bufs: Vec<u8>,
    /// Length of the datagram in each slot.
    lens: Vec<usize>,
    /// Slots filled, from the first.
    len: usize,
    /// Scratch arrays handed to the kernel; rebuilt before every call.
    iovecs: Vec<libc::iovec>,
    hdrs: Vec<libc::mmsghdr>,
}

impl SendBatch {
    /// Allocates `capacity` slots once (at least one); a run reuses its batch throughout.
    pub fn new(capacity: usize) -> SendBatch {
        let capacity = capacity.max(1);
        SendBatch {
            bufs: vec![0; capacity * MAX_QUERY_LEN],
            lens: vec![0; capacity],
            len: 0,
            iovecs: vec![empty_iovec(); capacity],
            hdrs: (0..capacity).map(|_| zeroed_mmsghdr()).collect(),
        }
    }

    /// How many datagrams one call can send.
    pub fn capacity(&self) -> usize {
        self.lens.len()
    }

    /// Empties every slot.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Copies `datagram` into the next slot and returns it for last touches (the message
    /// ID); `None` when the batch is full or the datagram longer than [`MAX_QUERY_LEN`].
    pub fn push(&mut self, datagram: &[u8]) -> Option<&mut [u8]> {
        if self.len == self.capacity() || datagram.len() > MAX_QUERY_LEN {
            return None;
        }
        let start = self.len * MAX_QUERY_LEN;
        let slot = &mut self.bufs[start..start + datagram.len()];
        slot.copy_from_slice(datagram);
        self.lens[self.len] = datagram.len();
        self.len += 1;
        Some(slot)
    }
}

/// Replies read by one `recvmmsg` call.
pub struct RecvBatch {
    /// `capacity` slots of [`MAX_REPLY_LEN`] octets each.
    bufs: Vec<u8>,
    /// Length of each received datagram, or `None` when it was cut short.
    lens: Vec<Option<usize>>,
    /// Scratch arrays handed to the kernel; rebuilt before every call.
    iovecs: Vec<libc::iovec>,
    hdrs: Vec<libc::mmsghdr>,
}

impl RecvBatch {
    /// Allocates `capacity` slots once (at least one).
    pub fn new(capacity: usize) -> RecvBatch {
        let capacity = capacity.max(1);
        RecvBatch {
            bufs: vec![0; capacity * MAX_REPLY_LEN],
            lens: vec![None; capacity],
            iovecs: vec![empty_iovec(); capacity],
            hdrs: (0..capacity).map(|_| zeroed_mmsghdr()).collect(),
        }
    }

    /// How many datagrams one call can read.
    pub fn capacity(&self) -> usize {
        self.lens.len()
    }

    /// The datagram in slot `i` from the last [`recv`], or `None` when the slot holds
    /// nothing usable (never filled, or cut short).
    pub fn datagram(&self, i: usize) -> Option<&[u8]> {
        let len = (*self.lens.get(i)?)?;
        let start = i * MAX_REPLY_LEN;
        self.bufs.get(start..start + len)
    }
}

fn empty_iovec() -> libc::iovec {
    libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }
}

fn zeroed_mmsghdr() -> libc::mmsghdr {
    // SAFETY: mmsghdr is plain old data (integers and raw pointers); all-zero is a valid value
    // (null pointers, zero lengths) and it is filled in before any call hands it to the kernel.
    unsafe { MaybeUninit::<libc::mmsghdr>::zeroed().assume_init() }
}

/// Sends the batch's datagrams on a connected socket, in order, with as few `sendmmsg` calls
/// as the kernel allows without blocking. Returns how many went out: fewer than
/// [`SendBatch::len`] (perhaps 0) when the socket's send buffer is full (`EAGAIN`) or the
/// kernel reports a pending error such as an ICMP port unreachable (`ECONNREFUSED`, cleared
/// by reporting it); the caller keeps the rest for later. Other errors are returned.
pub fn send(socket: &UdpSocket, batch: &mut SendBatch) -> io::Result<usize> {
    let b = &mut *batch;
    let count = b.len;
    for i in 0..count {
        b.iovecs[i] = libc::iovec {
            iov_base: b.bufs[i * MAX_QUERY_LEN..].as_mut_ptr().cast(),
            iov_len: b.lens[i],
        };
        let hdr = &mut b.hdrs[i];
        hdr.msg_len = 0;
        // Connected socket: no destination address per datagram.
        hdr.msg_hdr.msg_name = std::ptr::null_mut();
        hdr.msg_hdr.msg_namelen = 0;
        hdr.msg_hdr.msg_iov = &mut b.iovecs[i];
        hdr.msg_hdr.msg_iovlen = 1;
        hdr.msg_hdr.msg_control = std::ptr::null_mut();
        hdr.msg_hdr.msg_controllen = 0;
        hdr.msg_hdr.msg_flags = 0;
    }
    let mut sent = 0;
    while sent < count {
        // SAFETY: headers [sent, count) each point at one iovec of `b.iovecs`, which points at
        // the initialised first `lens[i]` octets of slot i of `b.bufs` (lens[i] <=
        // MAX_QUERY_LEN, the slot's size); all of it is owned by `batch`, borrowed mutably
        // and not moved or resized during the call. No name or control buffer is given. vlen
        // is the number of headers from `sent`, all within the array.
        let n = unsafe {
            libc::sendmmsg(
                socket.as_raw_fd(),
                b.hdrs[sent..count].as_mut_ptr(),
                (count - sent) as libc::c_uint,
                libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock | io::ErrorKind::ConnectionRefused => break,
                _ => return Err(err),
            }
        }
        if n == 0 {
            break;
        }
        sent += (n as usize).min(count - sent);
    }
    Ok(sent)
}

/// Reads up to [`RecvBatch::capacity`] datagrams without waiting (`MSG_DONTWAIT`). Returns
/// how many slots were filled, 0 when nothing was waiting or the kernel reported a pending
/// `ECONNREFUSED` (the server's port was closed: its queries will count as lost). Slots whose
/// datagram was cut short are marked unusable. Other errors are returned.
pub fn recv(socket: &UdpSocket, batch: &mut RecvBatch) -> io::Result<usize> {
    let b = &mut *batch;
    let capacity = b.capacity();
    for i in 0..capacity {
        b.lens[i] = None;
        b.iovecs[i] = libc::iovec {
            iov_base: b.bufs[i * MAX_REPLY_LEN..].as_mut_ptr().cast(),
            iov_len: MAX_REPLY_LEN,
        };
        let hdr = &mut b.hdrs[i];
        hdr.msg_len = 0;
        hdr.msg_hdr.msg_name = std::ptr::null_mut();
        hdr.msg_hdr.msg_namelen = 0;
        hdr.msg_hdr.msg_iov = &mut b.iovecs[i];
        hdr.msg_hdr.msg_iovlen = 1;
        hdr.msg_hdr.msg_control = std::ptr::null_mut();
        hdr.msg_hdr.msg_controllen = 0;
        hdr.msg_hdr.msg_flags = 0;
    }
    let n = loop {
        // SAFETY: every header points at one iovec of `b.iovecs`, which points at a slot of
        // MAX_REPLY_LEN writable octets in `b.bufs`; all of it is owned by `batch`, borrowed
        // mutably and not moved or resized during the call. No name buffer is asked for
        // (connected socket) and no control buffer. vlen is the arrays' length; the timeout
        // is null (MSG_DONTWAIT returns at once instead).
        let n = unsafe {
            libc::recvmmsg(
                socket.as_raw_fd(),
                b.hdrs.as_mut_ptr(),
                capacity as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n >= 0 {
            break n as usize;
        }
        let err = io::Error::last_os_error();
        match err.kind() {
            io::ErrorKind::Interrupted => continue,
            io::ErrorKind::WouldBlock | io::ErrorKind::ConnectionRefused => return Ok(0),
            _ => return Err(err),
        }
    };
    let n = n.min(capacity);
    for i in 0..n {
        let hdr = &b.hdrs[i];
        let truncated = hdr.msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
        b.lens[i] = (!truncated).then_some((hdr.msg_len as usize).min(MAX_REPLY_LEN));
    }
    Ok(n)
}

/// Asks for `bytes` of kernel buffer each way on `socket` (`SO_SNDBUF`, `SO_RCVBUF`; the
/// kernel caps them at `wmem_max`/`rmem_max`), so that bursts of hundreds of queries in flight
/// are not dropped by a full buffer and counted lost: dnsperf's `-b`.
pub fn set_buffer_sizes(socket: &UdpSocket, bytes: usize) -> io::Result<()> {
    let socket = socket2::SockRef::from(socket);
    socket.set_send_buffer_size(bytes)?;
    socket.set_recv_buffer_size(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_round_trip_on_loopback() -> io::Result<()> {
        let server = UdpSocket::bind("127.0.0.1:0")?;
        let client = UdpSocket::bind("127.0.0.1:0")?;
        client.connect(server.local_addr()?)?;
        set_buffer_sizes(&client, 1 << 20)?;
        let mut out = SendBatch::new(3);
        for d in [&b"one"[..], b"two", b"three"] {
            assert!(out.push(d).is_some());
        }
        assert!(out.push(b"four").is_none(), "a full batch refuses more");
        assert_eq!(send(&client, &mut out)?, 3);
        let mut buf = [0u8; 16];
        for want in [&b"one"[..], b"two", b"three"] {
            let (n, from) = server.recv_from(&mut buf)?;
            assert_eq!(&buf[..n], want);
            server.send_to(&buf[..n], from)?;
        }
        let mut got = Vec::new();
        let mut inb = RecvBatch::new(2);
        // The replies are already queued on loopback; nothing waits for time to pass.
        while got.len() < 3 {
            let n = recv(&client, &mut inb)?;
            assert!(n <= 2);
            for i in 0..n {
                got.push(inb.datagram(i).map(<[u8]>::to_vec));
            }
        }
        assert_eq!(
            got,
            [Some(b"one".to_vec()), Some(b"two".to_vec()), Some(b"three".to_vec())]
        );
        assert_eq!(recv(&client, &mut inb)?, 0, "nothing left: returns at once");
        Ok(())
    }
}
