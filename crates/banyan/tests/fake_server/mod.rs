//! A tiny scripted DNS server for end-to-end tests of `banyan query`: UDP and TCP on the
//! same loopback port, answering with messages built by `banyan-wire`. Each test gives a
//! handler that sees every query and returns the replies to send (none, one, or several —
//! e.g. a wrong-ID reply before the right one).
//!
//! Only loopback addresses are ever bound or sent to.

// Test support: a broken fake server should fail the test loudly.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex};
use std::thread;

use banyan_wire::edns::Edns;
use banyan_wire::message::BuildSection;
use banyan_wire::{Header, Message, MessageBuilder, Record};

/// Which transport a query came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
}

/// Every query received, with its transport, in order.
pub type Seen = Arc<Mutex<Vec<(Via, Vec<u8>)>>>;

/// Decides the replies to one query.
pub type Handler = dyn Fn(&Message<'_>, Via) -> Vec<Vec<u8>> + Send + Sync;

/// A running fake server.
pub struct FakeServer {
    /// Where it listens (UDP and TCP).
    pub addr: SocketAddr,
    /// Every query received, with its transport, in order.
    pub seen: Seen,
}

impl FakeServer {
    /// Starts a server on `ip` (a loopback address) with an ephemeral port. The threads
    /// live until the test process exits.
    pub fn start(
        ip: IpAddr,
        handler: impl Fn(&Message<'_>, Via) -> Vec<Vec<u8>> + Send + Sync + 'static,
    ) -> std::io::Result<FakeServer> {
        assert!(ip.is_loopback(), "tests talk to loopback only");
        let handler: Arc<Handler> = Arc::new(handler);
        // The UDP port is chosen by the kernel; TCP must then get the same number, which
        // can (rarely) be taken, so try a few times.
        let mut last_err = None;
        for _ in 0..20 {
            let udp = UdpSocket::bind(SocketAddr::new(ip, 0))?;
            let addr = udp.local_addr()?;
            match TcpListener::bind(addr) {
                Ok(tcp) => {
                    let seen = Arc::new(Mutex::new(Vec::new()));
                    spawn_udp(udp, handler.clone(), seen.clone());
                    spawn_tcp(tcp, handler, seen.clone());
                    return Ok(FakeServer { addr, seen });
                }
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| std::io::Error::other("no port")))
    }

    /// The queries seen so far, parsed back into owned headers and EDNS.
    pub fn queries(&self) -> Vec<(Via, Header, Option<Edns>)> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(via, wire)| {
                let m = Message::parse(wire).unwrap();
                (*via, *m.header(), m.edns().map(|e| e.unwrap()))
            })
            .collect()
    }
}

fn spawn_udp(socket: UdpSocket, handler: Arc<Handler>, seen: Seen) {
    thread::spawn(move || {
        let mut buf = [0u8; 65535];
        while let Ok((len, from)) = socket.recv_from(&mut buf) {
            let wire = buf[..len].to_vec();
            seen.lock().unwrap().push((Via::Udp, wire.clone()));
            let Ok(msg) = Message::parse(&wire) else { continue };
            for reply in handler(&msg, Via::Udp) {
                let _ = socket.send_to(&reply, from);
            }
        }
    });
}

fn spawn_tcp(listener: TcpListener, handler: Arc<Handler>, seen: Seen) {
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let handler = handler.clone();
            let seen = seen.clone();
            thread::spawn(move || serve_tcp(stream, &*handler, &seen));
        }
    });
}

fn serve_tcp(mut stream: TcpStream, handler: &Handler, seen: &Mutex<Vec<(Via, Vec<u8>)>>) {
    loop {
        let mut len = [0u8; 2];
        if stream.read_exact(&mut len).is_err() {
            return;
        }
        let mut wire = vec![0u8; u16::from_be_bytes(len) as usize];
        if stream.read_exact(&mut wire).is_err() {
            return;
        }
        seen.lock().unwrap().push((Via::Tcp, wire.clone()));
        let Ok(msg) = Message::parse(&wire) else { return };
        for reply in handler(&msg, Via::Tcp) {
            let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
            framed.extend_from_slice(&reply);
            if stream.write_all(&framed).is_err() {
                return;
            }
        }
    }
}

/// What to put in a reply.
#[derive(Default, Clone)]
pub struct Reply {
    /// Answer records.
    pub answers: Vec<Record>,
    /// Authority records.
    pub authority: Vec<Record>,
    /// Additional records (besides OPT).
    pub additional: Vec<Record>,
    /// Header flags and RCODE to set (QR, ID and counts are filled in).
    pub header: Header,
    /// Use this ID instead of the query's.
    pub id: Option<u16>,
    /// Add an OPT record.
    pub edns: Option<Edns>,
}

/// Builds the reply to `query` described by `r`, echoing its question.
pub fn reply(query: &Message<'_>, r: &Reply) -> Vec<u8> {
    let mut buf = Vec::new();
    let header = Header {
        id: r.id.unwrap_or(query.id()),
        qr: true,
        rd: query.header().rd,
        ..r.header
    };
    let mut b = MessageBuilder::new(&mut buf, header);
    for q in query.questions() {
        b.question(&q.qname.to_name(), q.qtype, q.qclass).unwrap();
    }
    for (section, records) in [
        (BuildSection::Answer, &r.answers),
        (BuildSection::Authority, &r.authority),
        (BuildSection::Additional, &r.additional),
    ] {
        for rec in records {
            b.push(section, rec).unwrap();
        }
    }
    if let Some(e) = &r.edns {
        b.edns(e).unwrap();
    }
    b.finish();
    buf
}

/// Parses records from presentation lines (absolute names).
pub fn records(lines: &[&str]) -> Vec<Record> {
    lines
        .iter()
        .map(|l| Record::from_text(l, None, None).unwrap())
        .collect()
}
