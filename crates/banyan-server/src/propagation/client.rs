//! The questions a secondary and a primary ask other servers: the SOA of a zone (over UDP,
//! again over TCP when truncated), a zone transfer (AXFR or IXFR, over TCP, RFC 5936 §4.1,
//! RFC 1995), and NOTIFY (RFC 1996, over UDP). Every message is TSIG-signed when a key is
//! given, and every reply checked: its ID, its question, its signature. Each goes out from
//! the `local` address given (the server's own listening address, see
//! `Propagation::local_for`), because peers check where NOTIFYs and transfer requests come
//! from.

use std::net::SocketAddr;
use std::time::Duration;

use banyan_auth::{is_notify_ack, notify_message};
use banyan_wire::message::{BuildSection, MessageBuilder};
use banyan_wire::tsig::{self, StreamVerifier, TsigKey};
use banyan_wire::{Class, Header, Message, Name, RData, Rcode, Record, RecordType};
use banyan_zone::{Transfer, TransferError, TransferReader};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream, UdpSocket};

/// How long one UDP question waits for its answer before it counts as lost.
pub const UDP_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a TCP connection, or any one message of a transfer, may take: a stalled
/// primary must not hold a secondary's refresh forever.
pub const TCP_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an exchange with another server failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The network: connecting, sending, receiving, or a timeout.
    #[error("{server}: {source}")]
    Io {
        /// The server asked.
        server: SocketAddr,
        /// What happened.
        #[source]
        source: std::io::Error,
    },
    /// No answer in time.
    #[error("{server}: no answer within {timeout:?}")]
    Timeout {
        /// The server asked.
        server: SocketAddr,
        /// How long we waited.
        timeout: Duration,
    },
    /// The reply was not a well-formed answer to our question.
    #[error("{server}: bad reply: {what}")]
    BadReply {
        /// The server asked.
        server: SocketAddr,
        /// What was wrong.
        what: String,
    },
    /// The server answered with an error code.
    #[error("{server}: answered {rcode}")]
    Rcode {
        /// The server asked.
        server: SocketAddr,
        /// Its answer.
        rcode: Rcode,
    },
    /// The reply's TSIG did not verify (RFC 8945 §5.4).
    #[error("{server}: the reply's TSIG failed: {error}")]
    Tsig {
        /// The server asked.
        server: SocketAddr,
        /// What failed.
        error: tsig::TsigError,
    },
    /// The transfer's records were not acceptable.
    #[error("{server}: {source}")]
    Transfer {
        /// The server asked.
        server: SocketAddr,
        /// What was wrong.
        #[source]
        source: TransferError,
    },
}

/// Seconds since 1970 (TSIG's clock, RFC 8945 §5.2.3).
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A question about `zone`: SOA, AXFR, or IXFR with our `soa` in the authority section
/// (RFC 1995 §3). Returns the message, its ID and the MAC to check the reply with.
pub(crate) fn build_question(
    zone: &Name,
    qtype: RecordType,
    soa: Option<&Record>,
    key: Option<&TsigKey>,
) -> (Vec<u8>, u16, Option<Vec<u8>>) {
    let id: u16 = rand::random();
    let mut buf = Vec::with_capacity(512);
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id,
            ..Header::default()
        },
    );
    let _ = b.question(zone, qtype, Class::IN);
    if let Some(soa) = soa {
        let _ = b.push(BuildSection::Authority, soa);
    }
    b.finish();
    let mac = key.map(|k| tsig::sign_request(&mut buf, k, now()));
    (buf, id, mac)
}

/// Checks that `reply` answers the question `id` about `zone` and verifies its TSIG.
fn check_reply(
    server: SocketAddr,
    reply: &[u8],
    id: u16,
    zone: &Name,
    key: Option<&TsigKey>,
    mac: Option<&[u8]>,
) -> Result<(), ExchangeError> {
    let bad = |what: &str| ExchangeError::BadReply {
        server,
        what: what.to_string(),
    };
    let msg = Message::parse(reply).map_err(|e| bad(&e.to_string()))?;
    if msg.id() != id || !msg.header().qr {
        return Err(bad("not the reply to our question"));
    }
    if let Some(q) = msg.question() {
        if !q.qname.eq_name(zone) {
            return Err(bad("the reply's question names another zone"));
        }
    }
    if let (Some(key), Some(mac)) = (key, mac) {
        tsig::verify_response(reply, key, mac, now()).map_err(|error| ExchangeError::Tsig { server, error })?;
    }
    if msg.rcode() != Rcode::NOERROR {
        return Err(ExchangeError::Rcode {
            server,
            rcode: msg.rcode(),
        });
    }
    Ok(())
}

/// Sends `query` over UDP and waits for the datagram with its ID.
async fn udp_exchange(local: SocketAddr, server: SocketAddr, query: &[u8], id: u16) -> Result<Vec<u8>, ExchangeError> {
    let io = |source| ExchangeError::Io { server, source };
    let socket = UdpSocket::bind(local).await.map_err(io)?;
    socket.connect(server).await.map_err(io)?;
    socket.send(query).await.map_err(io)?;
    let mut buf = vec![0u8; 65535];
    let wait = async {
        loop {
            let n = socket.recv(&mut buf).await?;
            // Datagrams with another ID are strays (or spoofs): keep waiting for ours.
            if n >= 2 && u16::from_be_bytes([buf[0], buf[1]]) == id {
                return Ok::<usize, std::io::Error>(n);
            }
        }
    };
    match tokio::time::timeout(UDP_TIMEOUT, wait).await {
        Ok(Ok(n)) => {
            buf.truncate(n);
            Ok(buf)
        }
        Ok(Err(source)) => Err(ExchangeError::Io { server, source }),
        Err(_) => Err(ExchangeError::Timeout {
            server,
            timeout: UDP_TIMEOUT,
        }),
    }
}

/// Connects over TCP and sends one framed message.
async fn tcp_send(local: SocketAddr, server: SocketAddr, query: &[u8]) -> Result<TcpStream, ExchangeError> {
    let io = |source| ExchangeError::Io { server, source };
    let socket = if server.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(io)?;
    socket.bind(local).map_err(io)?;
    let connect = tokio::time::timeout(TCP_TIMEOUT, socket.connect(server))
        .await
        .map_err(|_| ExchangeError::Timeout {
            server,
            timeout: TCP_TIMEOUT,
        })?;
    let mut stream = connect.map_err(io)?;
    let _ = stream.set_nodelay(true);
    let len = u16::try_from(query.len()).map_err(|_| ExchangeError::BadReply {
        server,
        what: "query too long for TCP".into(),
    })?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(query);
    stream.write_all(&framed).await.map_err(io)?;
    Ok(stream)
}

/// Reads one framed message from a TCP stream.
async fn tcp_read(server: SocketAddr, stream: &mut TcpStream) -> Result<Vec<u8>, ExchangeError> {
    let read = async {
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).await?;
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut buf).await?;
        Ok::<Vec<u8>, std::io::Error>(buf)
    };
    match tokio::time::timeout(TCP_TIMEOUT, read).await {
        Ok(Ok(buf)) => Ok(buf),
        Ok(Err(source)) => Err(ExchangeError::Io { server, source }),
        Err(_) => Err(ExchangeError::Timeout {
            server,
            timeout: TCP_TIMEOUT,
        }),
    }
}

/// The SOA record `server` holds for `zone` (UDP first, TCP when the reply is truncated).
pub(crate) async fn query_soa(
    local: SocketAddr,
    server: SocketAddr,
    zone: &Name,
    key: Option<&TsigKey>,
) -> Result<Record, ExchangeError> {
    let (query, id, mac) = build_question(zone, RecordType::SOA, None, key);
    let mut reply = udp_exchange(local, server, &query, id).await?;
    if Header::parse(&reply).is_some_and(|h| h.tc) {
        let mut stream = tcp_send(local, server, &query).await?;
        reply = tcp_read(server, &mut stream).await?;
    }
    check_reply(server, &reply, id, zone, key, mac.as_deref())?;
    let msg = Message::parse(&reply).map_err(|e| ExchangeError::BadReply {
        server,
        what: e.to_string(),
    })?;
    msg.answers()
        .filter_map(|r| r.to_record().ok())
        .find(|r| r.rtype() == RecordType::SOA && r.name == *zone)
        .ok_or_else(|| ExchangeError::BadReply {
            server,
            what: format!("no SOA for {zone} in the answer (not authoritative?)"),
        })
}

/// Transfers `zone` from `server` over TCP: IXFR from `ours` (our SOA) when given, else
/// AXFR. Every message's ID and TSIG are checked (RFC 8945 §5.3.1 for the stream).
pub(crate) async fn transfer(
    local: SocketAddr,
    server: SocketAddr,
    zone: &Name,
    ours: Option<&Record>,
    key: Option<&TsigKey>,
) -> Result<Transfer, ExchangeError> {
    let (qtype, from) = match ours.map(|r| &r.data) {
        Some(RData::SOA(soa)) => (RecordType::IXFR, Some(soa.serial)),
        _ => (RecordType::AXFR, None),
    };
    let (query, id, mac) = build_question(zone, qtype, ours.filter(|_| from.is_some()), key);
    let mut stream = tcp_send(local, server, &query).await?;
    let mut reader = match from {
        Some(serial) => TransferReader::ixfr(zone.clone(), serial),
        None => TransferReader::axfr(zone.clone()),
    };
    let mut verifier = key.zip(mac).map(|(k, m)| StreamVerifier::new(k.clone(), m));
    let mut first = true;
    loop {
        let message = tcp_read(server, &mut stream).await?;
        if first {
            check_reply(server, &message, id, zone, None, None)?;
        } else if Header::parse(&message).is_none_or(|h| h.id != id) {
            return Err(ExchangeError::BadReply {
                server,
                what: "a transfer message with another ID".into(),
            });
        }
        if let Some(v) = verifier.as_mut() {
            v.verify(&message, now())
                .map_err(|error| ExchangeError::Tsig { server, error })?;
        }
        let msg = Message::parse(&message).map_err(|e| ExchangeError::BadReply {
            server,
            what: e.to_string(),
        })?;
        if msg.rcode() != Rcode::NOERROR {
            return Err(ExchangeError::Rcode {
                server,
                rcode: msg.rcode(),
            });
        }
        let mut records = 0;
        let mut lone_serial = None;
        for r in msg.answers() {
            let record = r.to_record().map_err(|e| ExchangeError::BadReply {
                server,
                what: e.to_string(),
            })?;
            records += 1;
            if let RData::SOA(soa) = &record.data {
                lone_serial = Some(soa.serial);
            }
            reader
                .push(record)
                .map_err(|source| ExchangeError::Transfer { server, source })?;
        }
        // An IXFR answered with our own serial alone says we are current (RFC 1995 §2): the
        // end of the stream. A newer SOA alone in a first message is only the start of one.
        let lone_soa = first && records == 1 && from.is_some() && lone_serial == from;
        first = false;
        if reader.is_done() || lone_soa {
            break;
        }
        if records == 0 {
            return Err(ExchangeError::Transfer {
                server,
                source: TransferError::Incomplete,
            });
        }
    }
    if let Some(v) = &verifier {
        v.finish().map_err(|error| ExchangeError::Tsig { server, error })?;
    }
    reader
        .finish()
        .map_err(|source| ExchangeError::Transfer { server, source })
}

/// Sends one NOTIFY for `zone` (with our SOA) to `target` and waits for its acknowledgement
/// (RFC 1996 §4.7: a reply with the same ID, opcode and question, NOERROR).
pub(crate) async fn notify(
    local: SocketAddr,
    target: SocketAddr,
    zone: &Name,
    soa: Option<&Record>,
    key: Option<&TsigKey>,
) -> Result<(), ExchangeError> {
    let id: u16 = rand::random();
    let mut query = Vec::with_capacity(512);
    notify_message(zone, id, soa, &mut query);
    let mac = key.map(|k| tsig::sign_request(&mut query, k, now()));
    let reply = udp_exchange(local, target, &query, id).await?;
    check_reply(target, &reply, id, zone, key, mac.as_deref())?;
    if !is_notify_ack(&reply, id, zone) {
        return Err(ExchangeError::BadReply {
            server: target,
            what: "the acknowledgement is not a NOTIFY reply".into(),
        });
    }
    Ok(())
}
