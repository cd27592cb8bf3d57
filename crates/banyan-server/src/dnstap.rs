//! dnstap output (<https://dnstap.info>): each query and its reply as two `Dnstap` protocol
//! buffer messages (AUTH_QUERY and AUTH_RESPONSE for the authoritative server, CLIENT_QUERY
//! and CLIENT_RESPONSE for the resolver) in a unidirectional Frame Streams stream with content
//! type `protobuf:dnstap.Dnstap`.
//!
//! The protocol buffer encoding is written by hand: a handful of fields, each a varint, a
//! fixed32 or a length-delimited octet string (protobuf "encoding": tag = field number << 3 |
//! wire type). Field numbers are those of dnstap.proto: `Dnstap{identity=1, version=2,
//! message=14, type=15}`, `Message{type=1, socket_family=2, socket_protocol=3,
//! query_address=4, response_address=5, query_port=6, response_port=7, query_time_sec=8,
//! query_time_nsec=9, query_message=10, response_time_sec=12, response_time_nsec=13,
//! response_message=14}`.
//!
//! Frame Streams: a data frame is a 32-bit big-endian length then the payload; a control
//! frame is an escape (length 0), its own length, then its type (START = 2, STOP = 3) and
//! for START the field CONTENT_TYPE (1) with the content type's length and octets. A file
//! is unidirectional: START, data frames, STOP. On a Unix socket the writer first sends
//! READY (4) with the content type and waits for the reader's ACCEPT (1) naming it, as
//! `fstrm_capture` and dnstap collectors expect; the FINISH the reader sends after STOP is
//! not waited for.

use std::io::{self, Read as _, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use crate::metrics::Proto;
use crate::querylog::{Event, Role};
use crate::sink::Format;

/// The Frame Streams content type of dnstap.
pub const CONTENT_TYPE: &[u8] = b"protobuf:dnstap.Dnstap";

/// dnstap's `Dnstap.Type.MESSAGE`.
const DNSTAP_MESSAGE: u64 = 1;

/// `Message.Type` values used.
const AUTH_QUERY: u64 = 1;
const AUTH_RESPONSE: u64 = 2;
const CLIENT_QUERY: u64 = 5;
const CLIENT_RESPONSE: u64 = 6;

/// Frame Streams control frame types and field.
const FSTRM_ACCEPT: u32 = 1;
const FSTRM_START: u32 = 2;
const FSTRM_STOP: u32 = 3;
const FSTRM_READY: u32 = 4;
const FSTRM_CONTENT_TYPE: u32 = 1;

/// Longest control frame read from a reader (an ACCEPT with a few content types).
const MAX_CONTROL: usize = 4096;

/// The dnstap encoding of [`Event`]s.
pub struct Dnstap {
    role: Role,
    identity: Vec<u8>,
    version: Vec<u8>,
}

impl Dnstap {
    /// Messages of `role`'s types, naming the server `identity`.
    pub fn new(role: Role, identity: &str) -> Dnstap {
        Dnstap {
            role,
            identity: identity.as_bytes().to_vec(),
            version: format!("banyan {}", env!("CARGO_PKG_VERSION")).into_bytes(),
        }
    }

    /// One `Dnstap` message: the query alone, or (`response`) the query with its reply.
    fn message(&self, e: &Event, response: bool, out: &mut Vec<u8>) {
        let kind = match (self.role, response) {
            (Role::Auth, false) => AUTH_QUERY,
            (Role::Auth, true) => AUTH_RESPONSE,
            (Role::Resolver, false) => CLIENT_QUERY,
            (Role::Resolver, true) => CLIENT_RESPONSE,
        };
        let mut m = Vec::with_capacity(64 + e.query.len() + e.reply.len());
        varint_field(&mut m, 1, kind);
        let family = if e.client.is_ipv4() { 1 } else { 2 };
        varint_field(&mut m, 2, family);
        // dnstap.proto's SocketProtocol: UDP 1, TCP 2, DOT 3, DOH 4.
        let protocol = match e.transport {
            Proto::Udp => 1,
            Proto::Tcp => 2,
            Proto::Tls => 3,
            Proto::Https => 4,
        };
        varint_field(&mut m, 3, protocol);
        bytes_field(&mut m, 4, &ip_octets(e.client));
        if let Some(server) = e.server {
            bytes_field(&mut m, 5, &ip_octets(server));
        }
        varint_field(&mut m, 6, u64::from(e.client.port()));
        if let Some(server) = e.server {
            varint_field(&mut m, 7, u64::from(server.port()));
        }
        let query_time = e.time.duration_since(UNIX_EPOCH).unwrap_or_default();
        varint_field(&mut m, 8, query_time.as_secs());
        fixed32_field(&mut m, 9, query_time.subsec_nanos());
        // As dnstap's servers do: a query message carries the query; a response message the
        // reply, with the time of the query it answers.
        if !response {
            bytes_field(&mut m, 10, &e.query);
        } else {
            let t: Duration = query_time + e.latency;
            varint_field(&mut m, 12, t.as_secs());
            fixed32_field(&mut m, 13, t.subsec_nanos());
            bytes_field(&mut m, 14, &e.reply);
        }
        let mut d = Vec::with_capacity(m.len() + 64);
        bytes_field(&mut d, 1, &self.identity);
        bytes_field(&mut d, 2, &self.version);
        bytes_field(&mut d, 14, &m);
        varint_field(&mut d, 15, DNSTAP_MESSAGE);
        frame(out, &d);
    }
}

impl Format for Dnstap {
    type Event = Arc<Event>;

    fn handshake(&self, stream: &mut std::os::unix::net::UnixStream) -> io::Result<()> {
        let mut ready = Vec::new();
        control(&mut ready, FSTRM_READY, Some(CONTENT_TYPE));
        stream.write_all(&ready)?;
        let mut head = [0u8; 8];
        stream.read_exact(&mut head)?;
        let (escape, len) = (
            &head[..4],
            u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize,
        );
        if escape != [0, 0, 0, 0] || !(4..=MAX_CONTROL).contains(&len) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "no Frame Streams control frame",
            ));
        }
        let mut body = vec![0u8; len];
        stream.read_exact(&mut body)?;
        if body[..4] != FSTRM_ACCEPT.to_be_bytes() || !accepts(&body[4..]) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the reader did not accept protobuf:dnstap.Dnstap",
            ));
        }
        Ok(())
    }

    fn start(&self, out: &mut Vec<u8>) {
        control(out, FSTRM_START, Some(CONTENT_TYPE));
    }

    fn encode(&self, e: &Arc<Event>, out: &mut Vec<u8>) {
        self.message(e, false, out);
        // A query with no reply (dropped) has only its query message.
        if !e.reply.is_empty() {
            self.message(e, true, out);
        }
    }

    fn finish(&self, out: &mut Vec<u8>) {
        control(out, FSTRM_STOP, None);
    }
}

/// Whether the fields of an ACCEPT frame name our content type (a reader that names none
/// accepts anything).
fn accepts(mut fields: &[u8]) -> bool {
    let mut named = false;
    while fields.len() >= 8 {
        let kind = u32::from_be_bytes([fields[0], fields[1], fields[2], fields[3]]);
        let len = u32::from_be_bytes([fields[4], fields[5], fields[6], fields[7]]) as usize;
        let Some(value) = fields.get(8..8 + len) else {
            return false;
        };
        if kind == FSTRM_CONTENT_TYPE {
            if value == CONTENT_TYPE {
                return true;
            }
            named = true;
        }
        fields = &fields[8 + len..];
    }
    !named
}

/// The address's octets: 4 for IPv4, 16 for IPv6.
fn ip_octets(addr: SocketAddr) -> Vec<u8> {
    match addr {
        SocketAddr::V4(a) => a.ip().octets().to_vec(),
        SocketAddr::V6(a) => a.ip().octets().to_vec(),
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A varint field (wire type 0).
fn varint_field(out: &mut Vec<u8>, field: u64, v: u64) {
    varint(out, field << 3);
    varint(out, v);
}

/// A fixed32 field (wire type 5), little-endian.
fn fixed32_field(out: &mut Vec<u8>, field: u64, v: u32) {
    varint(out, field << 3 | 5);
    out.extend_from_slice(&v.to_le_bytes());
}

/// A length-delimited field (wire type 2).
fn bytes_field(out: &mut Vec<u8>, field: u64, v: &[u8]) {
    varint(out, field << 3 | 2);
    varint(out, v.len() as u64);
    out.extend_from_slice(v);
}

/// A Frame Streams data frame.
fn frame(out: &mut Vec<u8>, payload: &[u8]) {
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
}

/// A Frame Streams control frame of `kind`, with a content type field when given.
fn control(out: &mut Vec<u8>, kind: u32, content_type: Option<&[u8]>) {
    let mut body = kind.to_be_bytes().to_vec();
    if let Some(ct) = content_type {
        body.extend_from_slice(&FSTRM_CONTENT_TYPE.to_be_bytes());
        body.extend_from_slice(&u32::try_from(ct.len()).unwrap_or(0).to_be_bytes());
        body.extend_from_slice(ct);
    }
    out.extend_from_slice(&0u32.to_be_bytes());
    frame(out, &body);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::time::SystemTime;

    /// A decoded protobuf message: each field number with its values (varints as numbers,
    /// fixed32 as numbers, length-delimited as octets).
    #[derive(Debug, Default)]
    struct Decoded {
        ints: BTreeMap<u64, u64>,
        bytes: BTreeMap<u64, Vec<u8>>,
    }

    fn read_varint(buf: &[u8], at: &mut usize) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = buf[*at];
            *at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return v;
            }
            shift += 7;
        }
    }

    fn decode(buf: &[u8]) -> Decoded {
        let mut d = Decoded::default();
        let mut at = 0;
        while at < buf.len() {
            let tag = read_varint(buf, &mut at);
            let (field, wire) = (tag >> 3, tag & 7);
            match wire {
                0 => {
                    d.ints.insert(field, read_varint(buf, &mut at));
                }
                5 => {
                    let v = u32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]);
                    at += 4;
                    d.ints.insert(field, u64::from(v));
                }
                2 => {
                    let len = read_varint(buf, &mut at) as usize;
                    d.bytes.insert(field, buf[at..at + len].to_vec());
                    at += len;
                }
                other => panic!("wire type {other}"),
            }
        }
        d
    }

    /// Splits a Frame Streams stream into (control frames, data frames).
    fn frames(mut buf: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let (mut control, mut data) = (Vec::new(), Vec::new());
        while !buf.is_empty() {
            let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            buf = &buf[4..];
            if len == 0 {
                let clen = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
                control.push(buf[4..4 + clen].to_vec());
                buf = &buf[4 + clen..];
            } else {
                data.push(buf[..len].to_vec());
                buf = &buf[len..];
            }
        }
        (control, data)
    }

    #[test]
    fn decodes_our_own_stream() {
        let f = Dnstap::new(Role::Resolver, "test-host");
        let query = vec![0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1];
        let mut reply = query.clone();
        reply[2] |= 0x80;
        let time = UNIX_EPOCH + Duration::new(1_719_835_200, 999_999_000);
        let e = Arc::new(Event {
            time,
            latency: Duration::from_millis(2),
            client: "[::1]:40000".parse().expect("addr"),
            server: Some("[::1]:53".parse().expect("addr")),
            transport: Proto::Tcp,
            query: query.clone(),
            reply: reply.clone(),
            cache_hit: Some(true),
            upstream: Some(0),
            view: None,
        });
        let mut out = Vec::new();
        f.start(&mut out);
        f.encode(&e, &mut out);
        f.encode(
            &Arc::new(Event {
                reply: Vec::new(),
                client: "127.0.0.1:1".parse().expect("addr"),
                server: None,
                time: SystemTime::UNIX_EPOCH,
                ..(*e).clone()
            }),
            &mut out,
        );
        f.finish(&mut out);
        let (control, data) = frames(&out);
        assert_eq!(control.len(), 2);
        let mut start = FSTRM_START.to_be_bytes().to_vec();
        start.extend_from_slice(&1u32.to_be_bytes());
        start.extend_from_slice(&(CONTENT_TYPE.len() as u32).to_be_bytes());
        start.extend_from_slice(CONTENT_TYPE);
        assert_eq!(control[0], start);
        assert_eq!(control[1], FSTRM_STOP.to_be_bytes());
        // Query and response of the first, query alone of the second (no reply).
        assert_eq!(data.len(), 3);
        let top: Vec<Decoded> = data.iter().map(|d| decode(d)).collect();
        for t in &top {
            assert_eq!(t.bytes[&1], b"test-host");
            assert!(t.bytes[&2].starts_with(b"banyan "));
            assert_eq!(t.ints[&15], DNSTAP_MESSAGE);
        }
        let q = decode(&top[0].bytes[&14]);
        assert_eq!(q.ints[&1], CLIENT_QUERY);
        assert_eq!((q.ints[&2], q.ints[&3]), (2, 2));
        assert_eq!(q.bytes[&4], std::net::Ipv6Addr::LOCALHOST.octets());
        assert_eq!(q.ints[&6], 40000);
        assert_eq!(q.ints[&7], 53);
        assert_eq!((q.ints[&8], q.ints[&9]), (1_719_835_200, 999_999_000));
        assert_eq!(q.bytes[&10], query);
        assert!(!q.bytes.contains_key(&14));
        let r = decode(&top[1].bytes[&14]);
        assert_eq!(r.ints[&1], CLIENT_RESPONSE);
        assert_eq!((r.ints[&12], r.ints[&13]), (1_719_835_201, 1_999_000));
        assert_eq!(r.bytes[&14], reply);
        let lone = decode(&top[2].bytes[&14]);
        assert_eq!(lone.ints[&1], CLIENT_QUERY);
        assert_eq!((lone.ints[&2], lone.bytes[&4].len()), (1, 4));
        assert!(!lone.ints.contains_key(&7));
        assert_eq!(lone.ints[&8], 0);
    }

    /// A collector on a Unix socket: the handshake (READY, then our ACCEPT), then START,
    /// the frames, and STOP when the sink is dropped.
    #[test]
    fn socket_handshake_then_frames() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("tap.sock");
        let listener = std::os::unix::net::UnixListener::bind(&path)?;
        let reader = std::thread::spawn(move || -> io::Result<Vec<u8>> {
            let (mut s, _) = listener.accept()?;
            let mut head = [0u8; 8];
            s.read_exact(&mut head)?;
            let mut body = vec![0u8; u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize];
            s.read_exact(&mut body)?;
            assert_eq!(&body[..4], FSTRM_READY.to_be_bytes());
            assert!(accepts(&body[4..]));
            let mut accept = Vec::new();
            control(&mut accept, FSTRM_ACCEPT, Some(CONTENT_TYPE));
            s.write_all(&accept)?;
            let mut rest = Vec::new();
            s.read_to_end(&mut rest)?;
            Ok(rest)
        });
        let sink = crate::sink::Sink::start(
            "test-dnstap",
            crate::sink::Destination::Unix(path),
            Dnstap::new(Role::Auth, "t"),
            4,
        )?;
        sink.offer(Arc::new(Event {
            time: UNIX_EPOCH,
            latency: Duration::ZERO,
            client: "127.0.0.1:9".parse().expect("addr"),
            server: None,
            transport: Proto::Udp,
            query: vec![0; 12],
            reply: vec![0x80; 12],
            cache_hit: None,
            upstream: None,
            view: None,
        }));
        drop(sink);
        let stream = reader.join().expect("reader")?;
        let (control, data) = frames(&stream);
        assert_eq!(control.len(), 2);
        assert_eq!(&control[0][..4], FSTRM_START.to_be_bytes());
        assert_eq!(control[1], FSTRM_STOP.to_be_bytes());
        assert_eq!(data.len(), 2);
        // A reader accepting only another content type is refused.
        assert!(!accepts(&[0, 0, 0, 1, 0, 0, 0, 3, b'x', b'y', b'z']));
        assert!(accepts(&[]));
        Ok(())
    }

    #[test]
    fn auth_types_and_varints() {
        let mut v = Vec::new();
        varint(&mut v, 300);
        assert_eq!(v, [0xac, 0x02]);
        let f = Dnstap::new(Role::Auth, "a");
        let e = Event {
            time: UNIX_EPOCH,
            latency: Duration::ZERO,
            client: "127.0.0.1:53".parse().expect("addr"),
            server: None,
            transport: Proto::Udp,
            query: vec![0; 12],
            reply: vec![0x80; 12],
            cache_hit: None,
            upstream: None,
            view: None,
        };
        let mut out = Vec::new();
        f.encode(&Arc::new(e), &mut out);
        let (_, data) = frames(&out);
        let kinds: Vec<u64> = data.iter().map(|d| decode(&decode(d).bytes[&14]).ints[&1]).collect();
        assert_eq!(kinds, [AUTH_QUERY, AUTH_RESPONSE]);
    }
}
