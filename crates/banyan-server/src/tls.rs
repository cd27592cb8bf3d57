//! TLS for DNS over TLS (RFC 7858) and DNS over HTTPS (RFC 8484): the server's certificate
//! chain and key read from PEM files, the rustls configuration (ring as the crypto provider,
//! as everywhere in Banyan), ALPN, and a handshake bounded in time so a slow client cannot
//! hold a connection slot.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::doh::{self, Answerer};
use crate::tcp::{self, Gate, Limits, Slot};
use crate::ServerError;

/// ALPN protocol ID of DNS over TLS (IANA "TLS Application-Layer Protocol Negotiation
/// (ALPN) Protocol IDs", RFC 7858 as updated).
pub const ALPN_DOT: &[u8] = b"dot";

/// ALPN protocol IDs offered for DNS over HTTPS, HTTP/2 first (RFC 8484 §5.2 recommends
/// HTTP/2; HTTP/1.1 for clients that have only it).
pub const ALPN_DOH: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// Where the server's certificate chain and private key are (PEM files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsIdentity {
    /// The certificate chain, leaf first (`-----BEGIN CERTIFICATE-----` blocks).
    pub certificate: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1 PEM).
    pub key: PathBuf,
}

/// The encrypted listeners of a service (authoritative server or resolver).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Encrypted {
    /// Addresses for DNS over TLS (RFC 7858; port 853 by convention; port 0 picks one).
    pub tls_listen: Vec<SocketAddr>,
    /// Addresses for DNS over HTTPS (RFC 8484, path `/dns-query`; port 443 by convention).
    pub https_listen: Vec<SocketAddr>,
    /// The certificate and key both present; required when either list is not empty.
    pub identity: Option<TlsIdentity>,
}

impl Encrypted {
    /// True when no encrypted listener is configured.
    pub fn is_empty(&self) -> bool {
        self.tls_listen.is_empty() && self.https_listen.is_empty()
    }
}

/// Why the TLS configuration could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// Encrypted listeners were asked for without a certificate and key.
    #[error("DoT/DoH listeners need a certificate and a key (tls_certificate, tls_key)")]
    NoIdentity,
    /// A PEM file could not be read or holds nothing usable.
    #[error("{path}: {reason}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// rustls refused the certificate and key (for instance a key that does not match).
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The certificate chain in the PEM file at `path`, leaf first.
fn read_chain(path: &PathBuf) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = |reason: String| TlsError::Pem {
        path: path.clone(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem(e.to_string()))?;
    if chain.is_empty() {
        return Err(pem("no certificate in the file".into()));
    }
    Ok(chain)
}

/// A TLS acceptor presenting `identity`, offering `alpn` (in order of preference).
pub(crate) fn acceptor(identity: &TlsIdentity, alpn: &[&[u8]]) -> Result<TlsAcceptor, TlsError> {
    let chain = read_chain(&identity.certificate)?;
    let key = PrivateKeyDer::from_pem_file(&identity.key).map_err(|e| TlsError::Pem {
        path: identity.key.clone(),
        reason: e.to_string(),
    })?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The TLS handshake on `stream`, or `None` when it fails or takes longer than `timeout`
/// (the connection is then dropped, freeing its slot).
pub(crate) async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    timeout: Duration,
) -> Option<TlsStream<TcpStream>> {
    let _ = stream.set_nodelay(true);
    match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => Some(tls),
        _ => None,
    }
}

/// What serves one DoT connection once its handshake is done.
pub(crate) type DotHandler = Arc<
    dyn Fn(TlsStream<TcpStream>, SocketAddr, watch::Receiver<bool>, Slot) -> Pin<Box<dyn Future<Output = ()> + Send>>
        + Send
        + Sync,
>;

/// The addresses the encrypted listeners were bound to, in configuration order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Bound {
    pub(crate) tls: Vec<SocketAddr>,
    pub(crate) https: Vec<SocketAddr>,
}

/// Binds every DoT and DoH address of `encrypted` and serves them on `runtime` until `stop`:
/// DoT connections go to `dot` after the handshake, DoH requests to `doh`. Every connection
/// takes a slot of `gate`, as TCP ones do.
pub(crate) fn start(
    encrypted: &Encrypted,
    runtime: &tokio::runtime::Runtime,
    gate: &Arc<Gate>,
    limits: Limits,
    stop: &watch::Receiver<bool>,
    dot: DotHandler,
    doh: Answerer,
) -> Result<Bound, ServerError> {
    let mut bound = Bound::default();
    if encrypted.is_empty() {
        return Ok(bound);
    }
    let identity = encrypted.identity.as_ref().ok_or(TlsError::NoIdentity)?;
    let _guard = runtime.enter();
    if !encrypted.tls_listen.is_empty() {
        let acceptor = acceptor(identity, &[ALPN_DOT])?;
        for &addr in &encrypted.tls_listen {
            let listener = tcp::bind(addr)?;
            bound.tls.push(listener.local_addr().unwrap_or(addr));
            let (acceptor, dot) = (acceptor.clone(), dot.clone());
            runtime.spawn(tcp::accept_loop(
                listener,
                gate.clone(),
                stop.clone(),
                move |stream, peer, stop, slot| {
                    let (acceptor, dot) = (acceptor.clone(), dot.clone());
                    tokio::spawn(async move {
                        if let Some(tls) = handshake(&acceptor, stream, limits.handshake).await {
                            dot(tls, peer, stop, slot).await;
                        }
                    });
                },
            ));
        }
    }
    if !encrypted.https_listen.is_empty() {
        let acceptor = acceptor(identity, &ALPN_DOH)?;
        for &addr in &encrypted.https_listen {
            let listener = tcp::bind(addr)?;
            bound.https.push(listener.local_addr().unwrap_or(addr));
            let (acceptor, doh) = (acceptor.clone(), doh.clone());
            runtime.spawn(tcp::accept_loop(
                listener,
                gate.clone(),
                stop.clone(),
                move |stream, peer, stop, slot| {
                    let (acceptor, doh) = (acceptor.clone(), doh.clone());
                    tokio::spawn(async move {
                        if let Some(tls) = handshake(&acceptor, stream, limits.handshake).await {
                            doh::connection(tls, peer, doh, limits, stop, slot).await;
                        }
                    });
                },
            ));
        }
    }
    Ok(bound)
}
