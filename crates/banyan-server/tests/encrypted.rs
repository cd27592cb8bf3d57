//! DNS over TLS (RFC 7858) and over HTTPS (RFC 8484) against the authoritative server and the
//! resolver on loopback, with a certificate made for the test: answers equal to the UDP
//! ones, several queries per connection, GET and POST over HTTP/2 and HTTP/1.1, padding
//! (RFC 8467 §4.1) only on encrypted transports and only when asked, and the connection
//! limits (per client address, TLS handshake time).

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use banyan_auth::Catalog;
use banyan_resolver::{LocalZones, Resolver, ResolverConfig, RootHints};
use banyan_server::{Encrypted, ResolverServer, ResolverServerConfig, Server, ServerConfig, TlsIdentity, ZoneSource};
use banyan_wire::edns::{Edns, EdnsOption};
use banyan_wire::{Class, Header, Message, MessageBuilder, Name, Rcode, RecordType};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Bound on any wait for a reply: a failure limit, not a pause.
const WAIT: Duration = Duration::from_secs(5);

/// The root zone the tests serve: names straight under it, so the resolver needs one server.
const ROOT: &str = "$ORIGIN .
$TTL 3600
@ SOA ns.root. hostmaster.root. 1 3600 900 604800 120
@ NS ns.root.
ns.root. A 127.0.0.1
www.example. 300 A 192.0.2.1
www.example. 300 A 192.0.2.2
big.example. 600 TXT \"a fairly long text record so the padded answer is more than one block? no, it is not\"
";

/// A temporary directory with the zone, the certificate and its key; the certificate's DER.
struct Files {
    dir: tempfile::TempDir,
    cert: CertificateDer<'static>,
}

impl Files {
    fn new() -> Files {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("root.zone"), ROOT).expect("zone");
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("certificate");
        std::fs::write(dir.path().join("cert.pem"), made.cert.pem()).expect("cert");
        std::fs::write(dir.path().join("key.pem"), made.signing_key.serialize_pem()).expect("key");
        Files {
            cert: made.cert.der().clone(),
            dir,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// DoT and DoH on ephemeral loopback ports with this certificate.
    fn encrypted(&self) -> Encrypted {
        Encrypted {
            tls_listen: vec![loopback()],
            https_listen: vec![loopback()],
            identity: Some(TlsIdentity {
                certificate: self.path().join("cert.pem"),
                key: self.path().join("key.pem"),
            }),
        }
    }
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().expect("address")
}

fn start_auth(files: &Files, configure: impl FnOnce(&mut ServerConfig)) -> Server {
    let (catalog, errors) = Catalog::load_dir(files.path());
    assert!(errors.is_empty(), "{errors:?}");
    let mut config = ServerConfig::new(vec![loopback()]);
    config.udp_workers = 1;
    config.encrypted = files.encrypted();
    configure(&mut config);
    Server::start(config, catalog, ZoneSource::Fixed).expect("start server")
}

/// A query for `name`/`qtype`, with EDNS, and a Padding option when `pad`.
fn query(id: u16, name: &str, qtype: RecordType, pad: bool) -> Vec<u8> {
    let mut buf = Vec::new();
    let header = Header {
        id,
        rd: true,
        ..Header::default()
    };
    let mut b = MessageBuilder::new(&mut buf, header);
    b.question(&Name::parse(name, None).expect("name"), qtype, Class::IN)
        .expect("question");
    let options = if pad { vec![EdnsOption::Padding(16)] } else { Vec::new() };
    b.edns(&Edns {
        options,
        ..Edns::default()
    })
    .expect("edns");
    b.finish();
    buf
}

/// The answer section in presentation form, sorted.
fn answers(reply: &[u8]) -> Vec<String> {
    let m = Message::parse(reply).expect("reply parses");
    let mut v: Vec<String> = m
        .answers()
        .map(|r| r.to_record().expect("record").to_string())
        .collect();
    v.sort();
    v
}

fn has_padding(reply: &[u8]) -> bool {
    banyan_wire::padding::wants_padding(reply)
}

fn udp(server: SocketAddr, q: &[u8]) -> Vec<u8> {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    s.send_to(q, server).expect("send");
    let mut buf = vec![0; 65535];
    let n = s.recv(&mut buf).expect("a UDP reply");
    buf.truncate(n);
    buf
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A TLS connection to `server` trusting only `cert`, offering `alpn`.
async fn tls_connect(server: SocketAddr, cert: &CertificateDer<'static>, alpn: &[&[u8]]) -> TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.clone()).expect("trust the test certificate");
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(server).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("server name");
    tokio::time::timeout(WAIT, connector.connect(name, tcp))
        .await
        .expect("handshake in time")
        .expect("handshake")
}

/// Sends every query on one DoT connection (all written before any reply is read) and
/// returns the replies in the order they came.
async fn dot(server: SocketAddr, cert: &CertificateDer<'static>, queries: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut tls = tls_connect(server, cert, &[b"dot"]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"dot"[..]), "ALPN dot agreed");
    for q in queries {
        tls.write_all(&(q.len() as u16).to_be_bytes()).await.expect("write");
        tls.write_all(q).await.expect("write");
    }
    tls.flush().await.expect("flush");
    let mut replies = Vec::new();
    for _ in queries {
        let mut len = [0u8; 2];
        tokio::time::timeout(WAIT, tls.read_exact(&mut len))
            .await
            .expect("reply in time")
            .expect("length");
        let mut reply = vec![0; usize::from(u16::from_be_bytes(len))];
        tls.read_exact(&mut reply).await.expect("reply");
        replies.push(reply);
    }
    replies
}

/// base64url without padding (RFC 4648 §5), for GET.
fn base64url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// What a DoH exchange gave back.
struct HttpReply {
    status: u16,
    content_type: Option<String>,
    cache_control: Option<String>,
    body: Vec<u8>,
}

/// Sends `requests` (method, path, content type, body) on one DoH connection negotiated
/// with `alpn` (`h2` or `http/1.1`), one after the other, and returns the replies.
async fn doh(
    server: SocketAddr,
    cert: &CertificateDer<'static>,
    alpn: &[u8],
    requests: Vec<(&str, String, &str, Vec<u8>)>,
) -> Vec<HttpReply> {
    let tls = tls_connect(server, cert, &[alpn]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(alpn), "ALPN agreed");
    let io = hyper_util::rt::TokioIo::new(tls);
    let build = |(method, path, ctype, body): (&str, String, &str, Vec<u8>)| {
        let mut r = hyper::Request::builder()
            .method(method)
            .uri(format!("https://localhost{path}"))
            .header("accept", "application/dns-message");
        if !ctype.is_empty() {
            r = r.header("content-type", ctype);
        }
        r.body(Full::new(Bytes::from(body))).expect("request")
    };
    let mut replies = Vec::new();
    if alpn == b"h2" {
        let (mut send, conn) = hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
            .await
            .expect("h2 handshake");
        tokio::spawn(conn);
        for r in requests {
            replies.push(read_reply(send.send_request(build(r)).await.expect("h2 response")).await);
        }
    } else {
        let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.expect("http/1.1");
        tokio::spawn(conn);
        for r in requests {
            send.ready().await.expect("connection ready for the next request");
            replies.push(read_reply(send.send_request(build(r)).await.expect("http/1.1 response")).await);
        }
    }
    replies
}

async fn read_reply(response: hyper::Response<hyper::body::Incoming>) -> HttpReply {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (content_type, cache_control) = (header("content-type"), header("cache-control"));
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    HttpReply {
        status,
        content_type,
        cache_control,
        body,
    }
}

fn get(q: &[u8]) -> (&'static str, String, &'static str, Vec<u8>) {
    ("GET", format!("/dns-query?dns={}", base64url(q)), "", Vec::new())
}

fn post(q: &[u8]) -> (&'static str, String, &'static str, Vec<u8>) {
    ("POST", "/dns-query".into(), "application/dns-message", q.to_vec())
}

#[test]
fn authoritative_dot_answers_like_udp_with_many_queries_per_connection() {
    let files = Files::new();
    let server = start_auth(&files, |_| {});
    let udp_addr = server.local_addrs()[0];
    let dot_addr = server.tls_addrs()[0];
    let queries: Vec<Vec<u8>> = (0..3)
        .map(|i| query(100 + i, "www.example.", RecordType::A, false))
        .collect();
    let replies = runtime().block_on(dot(dot_addr, &files.cert, &queries));
    let over_udp = udp(udp_addr, &queries[0]);
    assert_eq!(answers(&over_udp).len(), 2);
    for (i, reply) in replies.iter().enumerate() {
        let m = Message::parse(reply).expect("reply");
        assert_eq!(m.id(), 100 + i as u16);
        assert_eq!(m.rcode(), Rcode::NOERROR);
        assert_eq!(answers(reply), answers(&over_udp));
        assert!(!has_padding(reply), "no padding unless asked");
    }
    let counts = server.metrics().counts.queries;
    assert_eq!(counts[banyan_server::metrics::Proto::Tls as usize], 3);
    assert_eq!(counts[banyan_server::metrics::Proto::Udp as usize], 1);
    server.shutdown();
}

#[test]
fn authoritative_doh_get_and_post_over_h2_and_http1() {
    let files = Files::new();
    let server = start_auth(&files, |_| {});
    let doh_addr = server.https_addrs()[0];
    let q = query(0, "www.example.", RecordType::A, false);
    let nx = query(0, "nope.example.", RecordType::A, false);
    let expected = answers(&udp(server.local_addrs()[0], &q));
    let rt = runtime();
    for alpn in [&b"h2"[..], &b"http/1.1"[..]] {
        let requests = vec![
            get(&q),
            post(&q),
            get(&nx),
            ("GET", "/other".into(), "", Vec::new()),
            ("POST", "/dns-query".into(), "text/plain", q.clone()),
            ("GET", "/dns-query?dns=***".into(), "", Vec::new()),
            ("PUT", "/dns-query".into(), "application/dns-message", q.clone()),
        ];
        let replies = rt.block_on(doh(doh_addr, &files.cert, alpn, requests));
        let what = String::from_utf8_lossy(alpn);
        for r in &replies[..2] {
            assert_eq!(r.status, 200, "{what}");
            assert_eq!(r.content_type.as_deref(), Some("application/dns-message"), "{what}");
            // The smallest TTL of the answer (RFC 8484 §5.1).
            assert_eq!(r.cache_control.as_deref(), Some("max-age=300"), "{what}");
            assert_eq!(answers(&r.body), expected, "{what}");
        }
        // NXDOMAIN: the SOA's TTL (3600) and MINIMUM (120), the smaller.
        assert_eq!(replies[2].status, 200);
        assert_eq!(
            Message::parse(&replies[2].body).expect("reply").rcode(),
            Rcode::NXDOMAIN
        );
        assert_eq!(replies[2].cache_control.as_deref(), Some("max-age=120"), "{what}");
        let statuses: Vec<u16> = replies[3..].iter().map(|r| r.status).collect();
        assert_eq!(statuses, [404, 415, 400, 405], "{what}");
    }
    // A zone transfer does not fit one HTTP response: refused.
    let axfr = query(0, ".", RecordType::AXFR, false);
    let replies = rt.block_on(doh(doh_addr, &files.cert, b"h2", vec![post(&axfr)]));
    assert_eq!(Message::parse(&replies[0].body).expect("reply").rcode(), Rcode::REFUSED);
    let counts = server.metrics().counts.queries;
    assert_eq!(counts[banyan_server::metrics::Proto::Https as usize], 7);
    server.shutdown();
}

#[test]
fn doh_over_h2_answers_many_streams_of_one_connection_at_once() {
    let files = Files::new();
    let server = start_auth(&files, |_| {});
    let addr = server.https_addrs()[0];
    let cert = files.cert.clone();
    let ids: Vec<u16> = runtime().block_on(async move {
        let tls = tls_connect(addr, &cert, &[b"h2"]).await;
        let io = hyper_util::rt::TokioIo::new(tls);
        let (send, conn) = hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
            .await
            .expect("h2 handshake");
        tokio::spawn(conn);
        // Each request its own task: streams of one connection, none waiting for another.
        let tasks: Vec<_> = (0..8u16)
            .map(|id| {
                let mut send = send.clone();
                tokio::spawn(async move {
                    let q = query(id, "www.example.", RecordType::A, false);
                    let request = hyper::Request::builder()
                        .method("POST")
                        .uri("https://localhost/dns-query")
                        .header("content-type", "application/dns-message")
                        .body(Full::new(Bytes::from(q)))
                        .expect("request");
                    read_reply(send.send_request(request).await.expect("response")).await
                })
            })
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            let reply = t.await.expect("task");
            assert_eq!(reply.status, 200);
            assert_eq!(answers(&reply.body).len(), 2);
            ids.push(Message::parse(&reply.body).expect("reply").id());
        }
        ids
    });
    assert_eq!(ids, (0..8).collect::<Vec<u16>>(), "each stream its own answer");
    server.shutdown();
}

#[test]
fn responses_are_padded_to_468_only_when_asked_and_only_when_encrypted() {
    let files = Files::new();
    let server = start_auth(&files, |_| {});
    let rt = runtime();
    for name in ["www.example.", "big.example.", "nope.example."] {
        let padded_q = query(7, name, RecordType::ANY, true);
        let plain_q = query(7, name, RecordType::ANY, false);
        let replies = rt.block_on(dot(
            server.tls_addrs()[0],
            &files.cert,
            &[padded_q.clone(), plain_q.clone()],
        ));
        assert_eq!(replies[0].len() % 468, 0, "{name}: {} octets", replies[0].len());
        assert!(has_padding(&replies[0]), "{name}");
        assert_eq!(answers(&replies[0]), answers(&replies[1]));
        assert!(!has_padding(&replies[1]), "{name}: not asked, not padded");
        let doh_replies = rt.block_on(doh(server.https_addrs()[0], &files.cert, b"h2", vec![post(&padded_q)]));
        assert_eq!(doh_replies[0].body.len() % 468, 0, "{name} over DoH");
        assert!(has_padding(&doh_replies[0].body));
        // Plain UDP never pads (RFC 7830 §6), asked or not.
        let over_udp = udp(server.local_addrs()[0], &padded_q);
        assert!(!has_padding(&over_udp), "{name} over UDP");
    }
    server.shutdown();
}

#[test]
fn resolver_answers_over_dot_and_doh_padded_when_asked() {
    let files = Files::new();
    let root = start_auth(&files, |c| c.encrypted = Encrypted::default());
    let port = root.local_addrs()[0].port();
    let hints = RootHints::parse(
        ". 3600000 NS a.root-servers.net.\na.root-servers.net. 3600000 A 127.0.0.1\n",
        Path::new("lab.hints"),
    )
    .expect("hints");
    let config = ResolverConfig {
        upstream_port: port,
        ..ResolverConfig::default()
    };
    let resolver = Resolver::new(config, hints, LocalZones::none());
    let mut server_config = ResolverServerConfig::new(vec![loopback()]);
    server_config.udp_workers = 1;
    server_config.encrypted = files.encrypted();
    let server = ResolverServer::start(server_config, Arc::new(resolver)).expect("start resolver");
    let rt = runtime();
    let q = query(9, "www.example.", RecordType::A, true);
    let replies = rt.block_on(dot(server.tls_addrs()[0], &files.cert, &[q.clone(), q.clone()]));
    for reply in &replies {
        assert_eq!(Message::parse(reply).expect("reply").rcode(), Rcode::NOERROR);
        assert_eq!(answers(reply).len(), 2, "{:?}", answers(reply));
        assert_eq!(reply.len() % 468, 0);
    }
    let got = rt.block_on(doh(
        server.https_addrs()[0],
        &files.cert,
        b"http/1.1",
        vec![get(&q), post(&query(0, "www.example.", RecordType::A, false))],
    ));
    assert_eq!(got[0].status, 200);
    assert_eq!(answers(&got[0].body), answers(&replies[0]));
    assert_eq!(got[0].body.len() % 468, 0);
    assert_eq!(answers(&got[1].body), answers(&replies[0]));
    assert!(!has_padding(&got[1].body));
    let max_age: u32 = got[1]
        .cache_control
        .as_deref()
        .and_then(|c| c.strip_prefix("max-age="))
        .and_then(|n| n.parse().ok())
        .expect("max-age");
    assert!(max_age <= 300, "{max_age}");
    // Same answer as plain UDP.
    assert_eq!(answers(&udp(server.local_addrs()[0], &q)), answers(&replies[0]));
    server.shutdown();
    root.shutdown();
}

/// A TCP connection from `from` to `server`.
async fn connect_from(from: IpAddr, server: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::new(from, 0)).expect("bind client address");
    socket.connect(server).await.expect("connect")
}

/// True when the server closed `stream` (EOF or reset) within the wait.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1];
    matches!(
        tokio::time::timeout(WAIT, stream.read(&mut buf)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

/// One framed query over an open TCP connection; the reply's RCODE.
async fn tcp_ask(stream: &mut TcpStream, q: &[u8]) -> Rcode {
    stream.write_all(&(q.len() as u16).to_be_bytes()).await.expect("write");
    stream.write_all(q).await.expect("write");
    let mut len = [0u8; 2];
    tokio::time::timeout(WAIT, stream.read_exact(&mut len))
        .await
        .expect("reply in time")
        .expect("length");
    let mut reply = vec![0; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut reply).await.expect("reply");
    Message::parse(&reply).expect("reply").rcode()
}

#[test]
fn a_client_over_its_connection_limit_is_closed_while_another_is_served() {
    let files = Files::new();
    let server = start_auth(&files, |c| {
        c.tcp_max_connections_per_client = 2;
        // Long enough that the checks below run while the silent DoT client still holds
        // its slot, even on a loaded machine; short of `WAIT`, which waits for it to go.
        c.tls_handshake_timeout = Duration::from_secs(3);
    });
    let tcp_addr = server.local_addrs()[0];
    let dot_addr = server.tls_addrs()[0];
    let greedy: IpAddr = "127.0.0.2".parse().expect("address");
    let polite: IpAddr = "127.0.0.3".parse().expect("address");
    let q = query(1, "www.example.", RecordType::A, false);
    runtime().block_on(async {
        // The greedy client's first two connections are served...
        let mut first = connect_from(greedy, tcp_addr).await;
        let mut second = connect_from(greedy, dot_addr).await;
        assert_eq!(tcp_ask(&mut first, &q).await, Rcode::NOERROR);
        // ...its third (TCP or DoT alike) is closed at once.
        let mut third = connect_from(greedy, tcp_addr).await;
        assert!(closed_by_server(&mut third).await, "third connection closed");
        let mut fourth = connect_from(greedy, dot_addr).await;
        assert!(closed_by_server(&mut fourth).await, "fourth connection closed");
        // Another client is served meanwhile.
        let mut other = connect_from(polite, tcp_addr).await;
        assert_eq!(tcp_ask(&mut other, &q).await, Rcode::NOERROR);
        // The DoT connection that never starts its handshake loses its slot...
        assert!(closed_by_server(&mut second).await, "silent TLS client dropped");
        // ...so the greedy client may connect again.
        let mut again = connect_from(greedy, tcp_addr).await;
        assert_eq!(tcp_ask(&mut again, &q).await, Rcode::NOERROR);
        assert_eq!(tcp_ask(&mut first, &q).await, Rcode::NOERROR, "the first still works");
    });
    server.shutdown();
}

#[test]
fn a_missing_or_bad_certificate_is_a_start_error() {
    let files = Files::new();
    let catalog = || Catalog::load_dir(files.path()).0;
    let mut config = ServerConfig::new(vec![loopback()]);
    config.udp_workers = 1;
    config.encrypted = Encrypted {
        tls_listen: vec![loopback()],
        ..Encrypted::default()
    };
    let err = Server::start(config.clone(), catalog(), ZoneSource::Fixed)
        .err()
        .expect("no identity");
    assert!(err.to_string().contains("certificate"), "{err}");
    config.encrypted.identity = Some(TlsIdentity {
        certificate: files.path().join("root.zone"),
        key: files.path().join("key.pem"),
    });
    let err = Server::start(config, catalog(), ZoneSource::Fixed)
        .err()
        .expect("not a certificate");
    assert!(err.to_string().contains("root.zone"), "{err}");
}

#[test]
fn idle_dot_and_doh_connections_are_closed_after_the_idle_timeout() {
    let files = Files::new();
    let server = start_auth(&files, |c| c.tcp_idle_timeout = Duration::from_millis(300));
    let (dot_addr, doh_addr) = (server.tls_addrs()[0], server.https_addrs()[0]);
    runtime().block_on(async {
        for (addr, alpn) in [
            (dot_addr, &b"dot"[..]),
            (doh_addr, &b"http/1.1"[..]),
            (doh_addr, &b"h2"[..]),
        ] {
            let mut tls = tls_connect(addr, &files.cert, &[alpn]).await;
            let mut buf = [0u8; 64];
            // Nothing sent: the server closes (EOF, or an error when it skips close_notify).
            // An h2 server speaks first (its SETTINGS), so read until the end.
            let closed = tokio::time::timeout(WAIT, async {
                loop {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => continue,
                    }
                }
            })
            .await;
            assert!(closed.is_ok(), "{} left open", String::from_utf8_lossy(alpn));
        }
    });
    server.shutdown();
}
