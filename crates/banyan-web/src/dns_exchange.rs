//! One question to one DNS server, asked as a stub resolver asks it: over UDP
//! (RFC 1035 §4.2.1) with a short timeout and a bounded number of tries, then once more over
//! TCP (RFC 1035 §4.2.2, RFC 7766 §5) when the reply is truncated (TC set, RFC 1035 §4.1.1).
//!
//! The propagation panel asks each authoritative server for a zone's SOA this way
//! (RFC 1035 §4.3.5), and the lookup page asks the resolver for its own answer. A reply is
//! taken only when it matches the question: same ID, QR set, same question (RFC 5452 §9.1);
//! anything else arriving on the socket is ignored, as a forged or stray datagram would be.
//!
//! The only socket I/O of the dashboard besides HTTP and EPP; everything that interprets the
//! reply is the caller's.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use banyan_wire::edns::Edns;
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, RecordType};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpStream, UdpSocket};

/// How long one UDP try waits for its reply. Short: the dashboard waits for every server
/// before it shows the page, and a healthy server on the same network answers in
/// milliseconds.
pub const UDP_TIMEOUT: Duration = Duration::from_millis(800);

/// UDP tries before a server counts as not answering (RFC 1035 §4.2.1 asks for
/// retransmission; two tries ride out one lost datagram without making a dead server slow).
pub const UDP_ATTEMPTS: u32 = 2;

/// How long the TCP retry of a truncated reply may take, connection included.
pub const TCP_TIMEOUT: Duration = Duration::from_secs(3);

/// The EDNS payload size offered (RFC 6891 §6.2.5; 1232 octets as DNS Flag Day 2020 advises),
/// so replies up to that size come over UDP.
const UDP_PAYLOAD: u16 = 1232;

/// Why no reply was had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// The question could not be built (a name too long for a message: not reached for
    /// names that parsed).
    #[error("the question could not be built")]
    Build,
    /// A socket could not be opened, or sending failed.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    /// No matching reply over UDP within the tries.
    #[error("no answer after {attempts} tries of {} ms", timeout.as_millis())]
    Timeout {
        /// Tries made.
        attempts: u32,
        /// The wait of each.
        timeout: Duration,
    },
    /// The reply over TCP did not come, or did not match the question.
    #[error("the TCP retry failed: {0}")]
    Tcp(&'static str),
}

/// A reply that matched the question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The message, as received.
    pub bytes: Vec<u8>,
    /// It came over TCP (the UDP reply was truncated).
    pub tcp: bool,
    /// Milliseconds from the first query sent to this reply.
    pub ms: u64,
}

impl Reply {
    /// The message, parsed (the exchange checked it parses).
    pub fn message(&self) -> Result<Message<'_>, banyan_wire::ParseError> {
        Message::parse(&self.bytes)
    }
}

/// The query: `qname qtype IN`, RD as given (set only when asking a resolver, RFC 1035
/// §4.1.1), with an EDNS OPT record (RFC 6891).
fn query(id: u16, qname: &Name, qtype: RecordType, rd: bool) -> Result<Vec<u8>, ExchangeError> {
    let mut buf = Vec::with_capacity(64);
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id,
            rd,
            ..Header::default()
        },
    );
    b.question(qname, qtype, Class::IN).map_err(|_| ExchangeError::Build)?;
    let edns = Edns {
        udp_payload_size: UDP_PAYLOAD,
        ..Edns::default()
    };
    b.edns(&edns).map_err(|_| ExchangeError::Build)?;
    b.finish();
    Ok(buf)
}

/// Whether `bytes` is a reply to the query `id qname qtype` (RFC 5452 §9.1): parses, QR set,
/// same ID, one question equal to ours (names compared without case, RFC 4343).
pub fn matches(bytes: &[u8], id: u16, qname: &Name, qtype: RecordType) -> bool {
    let Ok(m) = Message::parse(bytes) else {
        return false;
    };
    m.header().qr
        && m.id() == id
        && m.question()
            .is_some_and(|q| q.qtype == qtype && q.qclass == Class::IN && q.qname.eq_name(qname))
}

fn elapsed_ms(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Asks `server` the question `qname qtype IN` and returns the first reply that matches it.
pub async fn ask(server: SocketAddr, qname: &Name, qtype: RecordType, rd: bool) -> Result<Reply, ExchangeError> {
    let id = rand::random::<u16>();
    let message = query(id, qname, qtype, rd)?;
    let start = Instant::now();
    let local: SocketAddr = if server.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(local).await?;
    // Connected: the kernel drops datagrams from any other address and port.
    socket.connect(server).await?;
    let mut buf = vec![0u8; 65_535];
    for _ in 0..UDP_ATTEMPTS {
        socket.send(&message).await?;
        let deadline = tokio::time::Instant::now() + UDP_TIMEOUT;
        loop {
            let received = match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
                Ok(Ok(n)) => n,
                // An ICMP error (nothing listens there) tells no more than silence: try again.
                Ok(Err(_)) | Err(_) => break,
            };
            let bytes = &buf[..received];
            if !matches(bytes, id, qname, qtype) {
                continue;
            }
            let truncated = Message::parse(bytes).is_ok_and(|m| m.header().tc);
            if truncated {
                return ask_tcp(server, &message, id, qname, qtype, start).await;
            }
            return Ok(Reply {
                bytes: bytes.to_vec(),
                tcp: false,
                ms: elapsed_ms(start),
            });
        }
    }
    Err(ExchangeError::Timeout {
        attempts: UDP_ATTEMPTS,
        timeout: UDP_TIMEOUT,
    })
}

/// The same query over TCP, two-octet length prefix (RFC 1035 §4.2.2).
async fn ask_tcp(
    server: SocketAddr,
    message: &[u8],
    id: u16,
    qname: &Name,
    qtype: RecordType,
    start: Instant,
) -> Result<Reply, ExchangeError> {
    let exchange = async {
        let mut stream = TcpStream::connect(server).await.map_err(|_| "could not connect")?;
        let len = u16::try_from(message.len()).map_err(|_| "query too long")?;
        let mut framed = Vec::with_capacity(message.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(message);
        stream.write_all(&framed).await.map_err(|_| "could not send")?;
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).await.map_err(|_| "connection closed")?;
        let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut reply).await.map_err(|_| "connection closed")?;
        if !matches(&reply, id, qname, qtype) {
            return Err("the reply does not match the question");
        }
        Ok(reply)
    };
    match tokio::time::timeout(TCP_TIMEOUT, exchange).await {
        Ok(Ok(bytes)) => Ok(Reply {
            bytes,
            tcp: true,
            ms: elapsed_ms(start),
        }),
        Ok(Err(what)) => Err(ExchangeError::Tcp(what)),
        Err(_) => Err(ExchangeError::Tcp("no answer in time")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::parse(s, None).expect("name")
    }

    /// A reply to `query` as a server would send it: QR set, same ID and question.
    fn reply_to(q: &[u8]) -> Vec<u8> {
        let mut r = q.to_vec();
        r[2] |= 0x80;
        r
    }

    #[test]
    fn rfc5452_section_9_1_reply_must_match_id_and_question() {
        let q = query(0x4242, &name("example.test."), RecordType::SOA, false).expect("query");
        let r = reply_to(&q);
        assert!(matches(&r, 0x4242, &name("EXAMPLE.test."), RecordType::SOA));
        assert!(!matches(&r, 0x4243, &name("example.test."), RecordType::SOA));
        assert!(!matches(&r, 0x4242, &name("other.test."), RecordType::SOA));
        assert!(!matches(&r, 0x4242, &name("example.test."), RecordType::A));
        // The query itself (QR clear) is not a reply.
        assert!(!matches(&q, 0x4242, &name("example.test."), RecordType::SOA));
        assert!(!matches(&r[..5], 0x4242, &name("example.test."), RecordType::SOA));
    }

    #[test]
    fn rfc1035_section_4_1_1_rd_only_when_asked() {
        let q = query(1, &name("example.test."), RecordType::A, true).expect("query");
        let m = Message::parse(&q).expect("parses");
        assert!(m.header().rd);
        assert!(m.edns().is_some());
        let q = query(1, &name("example.test."), RecordType::SOA, false).expect("query");
        assert!(!Message::parse(&q).expect("parses").header().rd);
    }
}
