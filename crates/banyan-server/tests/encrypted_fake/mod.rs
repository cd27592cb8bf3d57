//! A scripted DNS server speaking DoT (RFC 7858) and DoH (RFC 8484, POST and GET over
//! HTTP/2) on loopback, with a self-signed certificate made at start with rcgen. Shared by
//! the client tests of `banyan-server` and the command-line tests of `banyan`.

// Test support: a broken fake server should fail the test loudly.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use banyan_wire::message::BuildSection;
use banyan_wire::rdata::{RData, A};
use banyan_wire::{Header, Message, MessageBuilder, Record};
use bytes::Bytes;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Builds the reply to a query's wire form.
pub type Answerer = dyn Fn(&[u8]) -> Vec<u8> + Send + Sync;

/// A running fake; its tasks live as long as the runtime it was started in.
pub struct EncryptedFake {
    /// The DoT listener.
    pub dot: SocketAddr,
    /// The DoH listener.
    pub doh: SocketAddr,
    /// The PEM file of the server's self-signed certificate.
    pub cert_file: PathBuf,
    /// Every query received, as received (padding included).
    pub seen: Arc<Mutex<Vec<Vec<u8>>>>,
    /// TLS connections accepted.
    pub connections: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
}

/// Answers every question with `address` as its A record (RA set, RD copied).
pub fn answer_with(address: [u8; 4]) -> Arc<Answerer> {
    Arc::new(move |query: &[u8]| {
        let msg = Message::parse(query).unwrap();
        let q = msg.question().unwrap();
        let name = q.qname.to_name();
        let mut out = Vec::new();
        let mut b = MessageBuilder::new(
            &mut out,
            Header {
                id: msg.id(),
                qr: true,
                rd: msg.header().rd,
                ra: true,
                ..Header::default()
            },
        );
        b.question(&name, q.qtype, q.qclass).unwrap();
        if q.qtype == banyan_wire::RecordType::A {
            b.push(
                BuildSection::Answer,
                &Record {
                    name,
                    class: q.qclass,
                    ttl: 300,
                    data: RData::A(A(address.into())),
                },
            )
            .unwrap();
        }
        b.finish();
        out
    })
}

impl EncryptedFake {
    /// Starts DoT and DoH listeners on 127.0.0.1 for a certificate naming `name` (and
    /// 127.0.0.1), in the current tokio runtime.
    pub async fn start(name: &str, answer: Arc<Answerer>) -> EncryptedFake {
        let dir = tempfile::tempdir().unwrap();
        let certified = rcgen::generate_simple_self_signed(vec![name.to_string(), "127.0.0.1".to_string()]).unwrap();
        let cert_file = dir.path().join("cert.pem");
        std::fs::write(&cert_file, certified.cert.pem()).unwrap();
        let chain: Vec<CertificateDer<'static>> = vec![certified.cert.der().clone()];
        let key = PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
        let config = |alpn: &[u8]| {
            let mut c = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(chain.clone(), PrivateKeyDer::Pkcs8(key.clone_key()))
                .unwrap();
            c.alpn_protocols = vec![alpn.to_vec()];
            TlsAcceptor::from(Arc::new(c))
        };
        let (dot_tls, doh_tls) = (config(b"dot"), config(b"h2"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let dot_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let doh_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (dot, doh) = (dot_listener.local_addr().unwrap(), doh_listener.local_addr().unwrap());
        {
            let (seen, connections, answer) = (seen.clone(), connections.clone(), answer.clone());
            tokio::spawn(async move {
                while let Ok((tcp, _)) = dot_listener.accept().await {
                    let (tls, seen, answer) = (dot_tls.clone(), seen.clone(), answer.clone());
                    connections.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(async move {
                        let Ok(mut s) = tls.accept(tcp).await else { return };
                        loop {
                            let mut len = [0u8; 2];
                            if s.read_exact(&mut len).await.is_err() {
                                return;
                            }
                            let mut q = vec![0u8; usize::from(u16::from_be_bytes(len))];
                            if s.read_exact(&mut q).await.is_err() {
                                return;
                            }
                            seen.lock().unwrap().push(q.clone());
                            let r = answer(&q);
                            let mut framed = (r.len() as u16).to_be_bytes().to_vec();
                            framed.extend_from_slice(&r);
                            if s.write_all(&framed).await.is_err() || s.flush().await.is_err() {
                                return;
                            }
                        }
                    });
                }
            });
        }
        {
            let (seen, connections) = (seen.clone(), connections.clone());
            tokio::spawn(async move {
                while let Ok((tcp, _)) = doh_listener.accept().await {
                    let (tls, seen, answer) = (doh_tls.clone(), seen.clone(), answer.clone());
                    connections.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(async move {
                        let Ok(s) = tls.accept(tcp).await else { return };
                        let Ok(mut conn) = h2::server::handshake(s).await else {
                            return;
                        };
                        while let Some(Ok((request, mut respond))) = conn.accept().await {
                            let (seen, answer) = (seen.clone(), answer.clone());
                            tokio::spawn(async move {
                                let (parts, mut body) = request.into_parts();
                                let query = if parts.method == http::Method::GET {
                                    let q = parts.uri.query().unwrap_or("");
                                    let b64 = q.strip_prefix("dns=").unwrap_or("");
                                    let mut std: String = b64
                                        .chars()
                                        .map(|c| match c {
                                            '-' => '+',
                                            '_' => '/',
                                            c => c,
                                        })
                                        .collect();
                                    while std.len() % 4 != 0 {
                                        std.push('=');
                                    }
                                    banyan_wire::text::base64_decode(&std).unwrap_or_default()
                                } else {
                                    let mut q = Vec::new();
                                    while let Some(Ok(chunk)) = body.data().await {
                                        let _ = body.flow_control().release_capacity(chunk.len());
                                        q.extend_from_slice(&chunk);
                                    }
                                    q
                                };
                                let path_ok = parts.uri.path() == "/dns-query";
                                seen.lock().unwrap().push(query.clone());
                                let status = if path_ok && Message::parse(&query).is_ok() {
                                    200
                                } else {
                                    400
                                };
                                let response = http::Response::builder()
                                    .status(status)
                                    .header("content-type", "application/dns-message")
                                    .body(())
                                    .unwrap();
                                let Ok(mut send) = respond.send_response(response, false) else {
                                    return;
                                };
                                let reply = if status == 200 { answer(&query) } else { Vec::new() };
                                let _ = send.send_data(Bytes::from(reply), true);
                            });
                        }
                    });
                }
            });
        }
        EncryptedFake {
            dot,
            doh,
            cert_file,
            seen,
            connections,
            _dir: dir,
        }
    }
}
