//! Moving one query and its reply over blocking std::net sockets: UDP with retries, and
//! TCP with the 2-octet length prefix (RFC 1035 §4.2.2, RFC 7766). Whether a datagram is
//! the reply is decided by the caller's pure `accept` function (see [`crate::exchange`]).

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use banyan_wire::message::MAX_MESSAGE_LEN;

/// Why no reply came back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No acceptable reply within the timeout, on any try.
    #[error("no reply from {server} after {tries} tries ({timeout:?} each)")]
    Timeout {
        /// The server asked.
        server: SocketAddr,
        /// UDP tries made.
        tries: u32,
        /// The wait for each.
        timeout: Duration,
    },
    /// The TCP connection did not deliver the whole reply in time.
    #[error("no complete TCP reply from {server} within {timeout:?}")]
    TcpTimeout {
        /// The server asked.
        server: SocketAddr,
        /// The time allowed for the whole exchange.
        timeout: Duration,
    },
    /// A socket call failed (connection refused, network unreachable, …).
    #[error("communication with {server} failed: {source}")]
    Io {
        /// The server asked.
        server: SocketAddr,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The TCP peer closed the connection or sent a length that is not a DNS message.
    #[error("bad TCP reply from {server}: {reason}")]
    Stream {
        /// The server asked.
        server: SocketAddr,
        /// What was wrong.
        reason: &'static str,
    },
}

/// A reply and how long it took from the send of the query it answers.
#[derive(Debug)]
pub struct Reply {
    /// The message octets.
    pub wire: Vec<u8>,
    /// From the last send to this reply.
    pub elapsed: Duration,
}

/// Sends `query` over UDP from a fresh socket on a random port (bound to port 0, so the
/// kernel picks an unpredictable ephemeral port), up to `tries` times, each time waiting
/// `timeout` for a datagram that `accept` takes. Datagrams `accept` refuses are reported
/// through `ignored` and waiting goes on until the try's deadline.
pub fn udp(
    server: SocketAddr,
    query: &[u8],
    timeout: Duration,
    tries: u32,
    mut accept: impl FnMut(SocketAddr, &[u8]) -> Result<(), String>,
    mut ignored: impl FnMut(&str),
) -> Result<Reply, TransportError> {
    let io = |source| TransportError::Io { server, source };
    let local: SocketAddr = match server {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).map_err(io)?;
    // Connecting filters datagrams from other sources in the kernel and turns an ICMP port
    // unreachable into a prompt "connection refused"; `accept` still checks the source.
    socket.connect(server).map_err(io)?;
    let mut buf = vec![0u8; MAX_MESSAGE_LEN];
    for _ in 0..tries {
        socket.send(query).map_err(io)?;
        let sent = Instant::now();
        let deadline = sent + timeout;
        loop {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            socket.set_read_timeout(Some(deadline - now)).map_err(io)?;
            match socket.recv_from(&mut buf) {
                Ok((len, from)) => match accept(from, &buf[..len]) {
                    Ok(()) => {
                        return Ok(Reply {
                            wire: buf[..len].to_vec(),
                            elapsed: sent.elapsed(),
                        })
                    }
                    Err(why) => ignored(&why),
                },
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io(e)),
            }
        }
    }
    Err(TransportError::Timeout { server, tries, timeout })
}

/// Sends `query` over a new TCP connection and reads one length-prefixed reply, all
/// within `timeout`. Replies `accept` refuses are skipped (a server may answer several
/// queries on one connection; only ours counts).
pub fn tcp(
    server: SocketAddr,
    query: &[u8],
    timeout: Duration,
    mut accept: impl FnMut(&[u8]) -> Result<(), String>,
    mut ignored: impl FnMut(&str),
) -> Result<Reply, TransportError> {
    let io = |source| TransportError::Io { server, source };
    let start = Instant::now();
    let mut stream = TcpStream::connect_timeout(&server, timeout).map_err(io)?;
    let _ = stream.set_nodelay(true);
    let len = u16::try_from(query.len()).map_err(|_| TransportError::Stream {
        server,
        reason: "query longer than 65535 octets",
    })?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(query);
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    stream.write_all(&framed).map_err(io)?;
    let sent = Instant::now();
    let deadline = start + timeout;
    loop {
        let mut prefix = [0u8; 2];
        read_exact_by(&mut stream, &mut prefix, deadline, server, timeout)?;
        let len = u16::from_be_bytes(prefix) as usize;
        if len < banyan_wire::header::HEADER_LEN {
            return Err(TransportError::Stream {
                server,
                reason: "reply shorter than a DNS header",
            });
        }
        let mut wire = vec![0u8; len];
        read_exact_by(&mut stream, &mut wire, deadline, server, timeout)?;
        match accept(&wire) {
            Ok(()) => {
                return Ok(Reply {
                    wire,
                    elapsed: sent.elapsed(),
                })
            }
            Err(why) => ignored(&why),
        }
    }
}

/// `read_exact` that gives up at `deadline`.
fn read_exact_by(
    stream: &mut TcpStream,
    mut buf: &mut [u8],
    deadline: Instant,
    server: SocketAddr,
    allowed: Duration,
) -> Result<(), TransportError> {
    let timeout = || TransportError::TcpTimeout {
        server,
        timeout: allowed,
    };
    while !buf.is_empty() {
        let now = Instant::now();
        if now >= deadline {
            return Err(timeout());
        }
        stream
            .set_read_timeout(Some(deadline - now))
            .map_err(|source| TransportError::Io { server, source })?;
        match stream.read(buf) {
            Ok(0) => {
                return Err(TransportError::Stream {
                    server,
                    reason: "connection closed before the whole reply arrived",
                })
            }
            Ok(n) => buf = &mut buf[n..],
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => return Err(timeout()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(source) => return Err(TransportError::Io { server, source }),
        }
    }
    Ok(())
}
