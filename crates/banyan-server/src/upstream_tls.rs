//! Asking a DNS server over TLS (DoT, RFC 7858) or over HTTPS (DoH, RFC 8484), with the
//! connections kept open between queries.
//!
//! Used by the resolver for forward zones with `transport = "tls"` or `"https"` and by
//! `banyan query +tls` / `+https`. One [`Client`] holds the connections: a DoT connection
//! carries one query at a time and goes back to an idle list when its reply is read (RFC 7858
//! §3.4: reuse rather than a handshake per query); a DoH connection is HTTP/2, where queries
//! run concurrently as streams of one connection (RFC 8484 §5.2), so one per upstream is
//! shared. A connection unused for [`Client::idle_timeout`] is closed, and one that failed
//! is replaced by a fresh connection once before the query is given up.
//!
//! Queries are padded to a multiple of 128 octets (RFC 8467 §4.1) so that their length
//! says less about the name asked.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use banyan_wire::padding::{pad_to_block, QUERY_BLOCK};
use bytes::Bytes;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// The DoT port (RFC 7858 §3.1).
pub const DOT_PORT: u16 = 853;

/// The HTTPS port DoH servers listen on.
pub const DOH_PORT: u16 = 443;

/// The URI path a DoH server is asked at when none is given (the path RFC 8484's examples
/// and most servers use).
pub const DEFAULT_DOH_PATH: &str = "/dns-query";

/// How long an unused connection is kept open. RFC 7766 §6.2.1 suggests servers wait
/// seconds, not minutes, so a longer client limit would mostly keep dead connections.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle DoT connections kept per upstream: more are closed when returned. A burst of
/// concurrent queries opens one connection each; afterwards a few cover the steady rate.
pub const MAX_IDLE_PER_UPSTREAM: usize = 8;

/// The file Debian-like systems keep their trusted CA certificates in.
const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// The media type of a DNS message in DoH (RFC 8484 §6).
const DNS_MESSAGE: &str = "application/dns-message";

/// Why an encrypted exchange failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The CA file could not be read or holds no certificate.
    #[error("CA file {path}: {reason}")]
    Ca {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The name to verify is neither a DNS name nor an address.
    #[error("bad TLS server name {0:?}")]
    Name(String),
    /// TLS set-up failed.
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// Connecting, the handshake (certificate refused…) or reading failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// No reply within the time allowed.
    #[error("no reply within {0:?}")]
    Timeout(Duration),
    /// The server closed the connection or sent something that is not a DNS reply.
    #[error("bad reply: {0}")]
    Reply(&'static str),
    /// HTTP/2 failed.
    #[error("HTTP/2: {0}")]
    Http(String),
    /// The DoH server answered with another status than 200 (RFC 8484 §4.2.1).
    #[error("HTTP status {0}")]
    Status(u16),
}

/// Which certificates a server may present.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Trust {
    /// The system's CA bundle.
    System,
    /// Certificates from this PEM file (a CA, or the server's own self-signed certificate).
    Ca(PathBuf),
    /// Any certificate: encryption without authentication (RFC 8310 §5's opportunistic
    /// profile). Only on explicit request.
    Insecure,
}

/// How an encrypted upstream is spoken to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// DNS over TLS: the two-octet length framing of TCP inside TLS (RFC 7858 §3.3).
    Tls,
    /// DNS over HTTPS at this path (RFC 8484 §4.1): POST, or GET with `?dns=` when `get`.
    Https {
        /// The URI path, starting with '/'.
        path: String,
        /// GET instead of POST.
        get: bool,
    },
}

/// One encrypted upstream: where to connect and what to expect of its certificate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The server's address and port.
    pub addr: SocketAddr,
    /// DoT or DoH.
    pub protocol: Protocol,
    /// The name sent in SNI and verified in the certificate (RFC 8310 §8: the
    /// authentication domain name); an address is verified against the certificate's IP
    /// addresses. For DoH it is also the `:authority`.
    pub tls_name: String,
    /// Which certificates are accepted.
    pub trust: Trust,
}

impl Endpoint {
    /// The endpoint for a DoH URL `https://HOST[:PORT]/PATH` reached at `addr` (whose port
    /// is replaced by the URL's, 443 when it has none). The host is the name verified.
    pub fn from_url(url: &str, addr: std::net::IpAddr, trust: Trust) -> Result<Endpoint, ClientError> {
        let bad = || ClientError::Name(url.to_string());
        let rest = url.strip_prefix("https://").ok_or_else(bad)?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, DEFAULT_DOH_PATH),
        };
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']').ok_or_else(bad)?;
                (host, after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            },
        };
        let port = match port {
            Some(p) => p.parse().map_err(|_| bad())?,
            None => DOH_PORT,
        };
        if host.is_empty() {
            return Err(bad());
        }
        Ok(Endpoint {
            addr: SocketAddr::new(addr, port),
            protocol: Protocol::Https {
                path: path.to_string(),
                get: false,
            },
            tls_name: host.to_string(),
            trust,
        })
    }
}

/// A TLS client configuration for `trust`, offering `alpn` (RFC 7858 §3.2 registers "dot";
/// DoH needs "h2", RFC 8484 §5.2).
pub fn tls_config(trust: &Trust, alpn: &[u8]) -> Result<Arc<ClientConfig>, ClientError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
    let mut config = match trust {
        Trust::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth(),
        Trust::System => builder
            .with_root_certificates(roots_from(&PathBuf::from(SYSTEM_CA_BUNDLE))?)
            .with_no_client_auth(),
        Trust::Ca(path) => builder.with_root_certificates(roots_from(path)?).with_no_client_auth(),
    };
    config.alpn_protocols = vec![alpn.to_vec()];
    Ok(Arc::new(config))
}

/// Checks that `path` holds at least one certificate (for configuration checks at start-up).
pub fn check_ca_file(path: &std::path::Path) -> Result<(), ClientError> {
    roots_from(&path.to_path_buf()).map(|_| ())
}

fn roots_from(path: &PathBuf) -> Result<RootCertStore, ClientError> {
    let ca = |reason: String| ClientError::Ca {
        path: path.clone(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| ca(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ca(e.to_string()))?;
    let mut store = RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(ca("no usable CERTIFICATE block".into()));
    }
    Ok(store)
}

/// Accepts any certificate but still checks the handshake signatures, so the session is
/// at least bound to the key the server presented.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

type Dot = TlsStream<TcpStream>;

/// The encrypted connections of a process, by upstream.
pub struct Client {
    idle_timeout: Duration,
    configs: Mutex<HashMap<(Trust, bool), Arc<ClientConfig>>>,
    /// Idle DoT connections with the time each was last used.
    dot: Mutex<HashMap<Endpoint, Vec<(Instant, Dot)>>>,
    /// The HTTP/2 connection of each DoH upstream, with the time it was last used.
    doh: Mutex<HashMap<Endpoint, (Instant, h2::client::SendRequest<Bytes>)>>,
    /// New connections opened (handshakes), for tests and statistics.
    connections: std::sync::atomic::AtomicU64,
}

impl Client {
    /// A client closing connections unused for `idle_timeout`.
    pub fn new(idle_timeout: Duration) -> Client {
        Client {
            idle_timeout,
            configs: Mutex::new(HashMap::new()),
            dot: Mutex::new(HashMap::new()),
            doh: Mutex::new(HashMap::new()),
            connections: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The process's shared client (the resolver's upstream connections).
    pub fn shared() -> &'static Client {
        static SHARED: OnceLock<Client> = OnceLock::new();
        SHARED.get_or_init(|| Client::new(DEFAULT_IDLE_TIMEOUT))
    }

    /// How long an unused connection is kept.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// Connections opened so far (each one a TCP and TLS handshake).
    pub fn connections_opened(&self) -> u64 {
        self.connections.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sends `query` to `ep` and returns the reply whose ID matches, all within `timeout`.
    /// The query is padded first (RFC 8467 §4.1) when it has an OPT record.
    pub async fn exchange(&self, ep: &Endpoint, query: &[u8], timeout: Duration) -> Result<Vec<u8>, ClientError> {
        let mut padded = query.to_vec();
        pad_to_block(&mut padded, QUERY_BLOCK);
        let work = async {
            match &ep.protocol {
                Protocol::Tls => self.exchange_dot(ep, &padded).await,
                Protocol::Https { path, get } => self.exchange_doh(ep, path, *get, &padded).await,
            }
        };
        tokio::time::timeout(timeout, work)
            .await
            .map_err(|_| ClientError::Timeout(timeout))?
    }

    fn config(&self, trust: &Trust, https: bool) -> Result<Arc<ClientConfig>, ClientError> {
        let mut configs = self.configs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = configs.get(&(trust.clone(), https)) {
            return Ok(c.clone());
        }
        let alpn: &[u8] = if https { b"h2" } else { b"dot" };
        let config = tls_config(trust, alpn)?;
        configs.insert((trust.clone(), https), config.clone());
        Ok(config)
    }

    async fn connect(&self, ep: &Endpoint, https: bool) -> Result<Dot, ClientError> {
        let config = self.config(&ep.trust, https)?;
        let name = ServerName::try_from(ep.tls_name.clone()).map_err(|_| ClientError::Name(ep.tls_name.clone()))?;
        let tcp = TcpStream::connect(ep.addr).await?;
        let _ = tcp.set_nodelay(true);
        self.connections.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(TlsConnector::from(config).connect(name, tcp).await?)
    }

    async fn exchange_dot(&self, ep: &Endpoint, query: &[u8]) -> Result<Vec<u8>, ClientError> {
        let idle = self.take_idle_dot(ep);
        if let Some(mut stream) = idle {
            // The server may have closed it since; then one fresh connection is tried.
            if let Ok(reply) = dot_round_trip(&mut stream, query).await {
                self.put_idle_dot(ep, stream);
                return Ok(reply);
            }
        }
        let mut stream = self.connect(ep, false).await?;
        let reply = dot_round_trip(&mut stream, query).await?;
        self.put_idle_dot(ep, stream);
        Ok(reply)
    }

    fn take_idle_dot(&self, ep: &Endpoint) -> Option<Dot> {
        let mut pool = self.dot.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // Every upstream's stale connections are closed here, not only this one's: an
        // upstream no longer asked would otherwise keep its sockets forever.
        pool.retain(|_, list| {
            list.retain(|(used, _)| now.duration_since(*used) < self.idle_timeout);
            !list.is_empty()
        });
        pool.get_mut(ep)?.pop().map(|(_, s)| s)
    }

    fn put_idle_dot(&self, ep: &Endpoint, stream: Dot) {
        let mut pool = self.dot.lock().unwrap_or_else(|e| e.into_inner());
        let idle = pool.entry(ep.clone()).or_default();
        if idle.len() < MAX_IDLE_PER_UPSTREAM {
            idle.push((Instant::now(), stream));
        }
    }

    async fn exchange_doh(&self, ep: &Endpoint, path: &str, get: bool, query: &[u8]) -> Result<Vec<u8>, ClientError> {
        let shared = {
            let mut pool = self.doh.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            // Dropping the last handle of an idle connection closes it (its task ends).
            pool.retain(|_, (used, _)| now.duration_since(*used) < self.idle_timeout);
            pool.get_mut(ep).map(|(used, send)| {
                *used = now;
                send.clone()
            })
        };
        if let Some(send) = shared {
            if let Ok(reply) = doh_round_trip(send, ep, path, get, query).await {
                return Ok(reply);
            }
            self.doh.lock().unwrap_or_else(|e| e.into_inner()).remove(ep);
        }
        let tls = self.connect(ep, true).await?;
        let (send, connection) = h2::client::handshake(tls)
            .await
            .map_err(|e| ClientError::Http(e.to_string()))?;
        // The connection's frames are read and written by this task until every handle to
        // it is dropped (idle timeout) or the server closes it.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        self.doh
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(ep.clone(), (Instant::now(), send.clone()));
        doh_round_trip(send, ep, path, get, query).await
    }
}

/// One query and its reply on a DoT connection (RFC 7858 §3.3: TCP framing).
async fn dot_round_trip(stream: &mut Dot, query: &[u8]) -> Result<Vec<u8>, ClientError> {
    let len = u16::try_from(query.len()).map_err(|_| ClientError::Reply("query longer than 65535 octets"))?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(query);
    stream.write_all(&framed).await?;
    stream.flush().await?;
    loop {
        let mut prefix = [0u8; 2];
        stream.read_exact(&mut prefix).await?;
        let mut reply = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
        stream.read_exact(&mut reply).await?;
        if reply.len() < banyan_wire::header::HEADER_LEN {
            return Err(ClientError::Reply("shorter than a DNS header"));
        }
        // A late reply to an earlier query that timed out on this connection is skipped.
        if reply[..2] == query[..2] {
            return Ok(reply);
        }
    }
}

/// One query as an HTTP/2 request (RFC 8484 §4.1) and the reply from its response body.
async fn doh_round_trip(
    send: h2::client::SendRequest<Bytes>,
    ep: &Endpoint,
    path: &str,
    get: bool,
    query: &[u8],
) -> Result<Vec<u8>, ClientError> {
    let http = |e: h2::Error| ClientError::Http(e.to_string());
    let authority = match ep.tls_name.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => format!("[{v6}]:{}", ep.addr.port()),
        _ => format!("{}:{}", ep.tls_name, ep.addr.port()),
    };
    let uri = if get {
        // RFC 8484 §4.1: base64url without padding (RFC 4648 §5).
        let dns: String = banyan_wire::text::base64_encode(query)
            .chars()
            .filter(|c| *c != '=')
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect();
        format!("https://{authority}{path}?dns={dns}")
    } else {
        format!("https://{authority}{path}")
    };
    let mut request = http::Request::builder()
        .method(if get { http::Method::GET } else { http::Method::POST })
        .uri(uri)
        .header(http::header::ACCEPT, DNS_MESSAGE);
    if !get {
        request = request
            .header(http::header::CONTENT_TYPE, DNS_MESSAGE)
            .header(http::header::CONTENT_LENGTH, query.len());
    }
    let request = request.body(()).map_err(|e| ClientError::Http(e.to_string()))?;
    let mut send = send.ready().await.map_err(http)?;
    let (response, mut body) = send.send_request(request, get).map_err(http)?;
    if !get {
        body.send_data(Bytes::copy_from_slice(query), true).map_err(http)?;
    }
    let response = response.await.map_err(http)?;
    if response.status() != http::StatusCode::OK {
        return Err(ClientError::Status(response.status().as_u16()));
    }
    let mut recv = response.into_body();
    let mut reply = Vec::new();
    while let Some(chunk) = recv.data().await {
        let chunk = chunk.map_err(http)?;
        reply.extend_from_slice(&chunk);
        let _ = recv.flow_control().release_capacity(chunk.len());
        if reply.len() > usize::from(u16::MAX) {
            return Err(ClientError::Reply("longer than a DNS message"));
        }
    }
    if reply.len() < banyan_wire::header::HEADER_LEN {
        return Err(ClientError::Reply("shorter than a DNS header"));
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doh_urls() {
        let ip: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        let ep = Endpoint::from_url("https://dns.example/dns-query", ip, Trust::Insecure).unwrap();
        assert_eq!(ep.addr, "127.0.0.1:443".parse().unwrap());
        assert_eq!(ep.tls_name, "dns.example");
        assert_eq!(
            ep.protocol,
            Protocol::Https {
                path: "/dns-query".into(),
                get: false
            }
        );
        let ep = Endpoint::from_url("https://dns.example:8443", ip, Trust::Insecure).unwrap();
        assert_eq!((ep.addr.port(), ep.tls_name.as_str()), (8443, "dns.example"));
        let ep = Endpoint::from_url("https://[::1]:444/q", ip, Trust::Insecure).unwrap();
        assert_eq!((ep.addr.port(), ep.tls_name.as_str()), (444, "::1"));
        for bad in ["http://x/dns-query", "https://", "https://x:port/"] {
            assert!(Endpoint::from_url(bad, ip, Trust::Insecure).is_err(), "{bad}");
        }
    }
}
