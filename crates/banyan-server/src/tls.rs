//! TLS for DNS over TLS (RFC 7858) and DNS over HTTPS (RFC 8484): the server's certificate
//! chain and key read from PEM files, the rustls configuration (ring as the crypto provider,
//! as everywhere in Banyan), ALPN, and a handshake bounded in time so a slow client cannot
//! hold a connection slot.
//!
//! The certificate files are looked at every [`CERTIFICATE_WATCH`] and read again when they
//! change, so a renewed certificate (certbot, an ACME client, an operator's copy) is
//! presented to new connections without a restart; connections already open keep theirs. A
//! renewal that cannot be read keeps the certificate in use and says why on stderr.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;

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

/// How often the certificate and key files are looked at for a renewal.
pub const CERTIFICATE_WATCH: Duration = Duration::from_secs(1);

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

/// A TLS server configuration presenting `identity`, offering `alpn` (in order of
/// preference).
fn server_config(identity: &TlsIdentity, alpn: &[&[u8]]) -> Result<rustls::ServerConfig, TlsError> {
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
    Ok(config)
}

/// The modification times of the certificate and key files (`None` for one that cannot be
/// looked at): what tells a renewal.
fn stamp(identity: &TlsIdentity) -> [Option<SystemTime>; 2] {
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    [modified(&identity.certificate), modified(&identity.key)]
}

/// The TLS configuration a listener presents, swapped for a new one when the certificate
/// files change ([`Certificate::refresh`]).
pub(crate) struct Certificate {
    identity: TlsIdentity,
    alpn: Vec<&'static [u8]>,
    config: ArcSwap<rustls::ServerConfig>,
    seen: std::sync::Mutex<[Option<SystemTime>; 2]>,
}

impl Certificate {
    /// Reads `identity` for a listener offering `alpn`.
    pub(crate) fn load(identity: &TlsIdentity, alpn: &[&'static [u8]]) -> Result<Certificate, TlsError> {
        let seen = stamp(identity);
        let config = server_config(identity, alpn)?;
        Ok(Certificate {
            identity: identity.clone(),
            alpn: alpn.to_vec(),
            config: ArcSwap::from_pointee(config),
            seen: std::sync::Mutex::new(seen),
        })
    }

    /// The acceptor for the next connection.
    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config.load_full())
    }

    /// Reads the files again if they changed since last read. `Ok(true)` when a new
    /// certificate is now presented; on an error the one in use stays (and the change is
    /// tried again only when the files change once more).
    pub(crate) fn refresh(&self) -> Result<bool, TlsError> {
        let now = stamp(&self.identity);
        {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if *seen == now {
                return Ok(false);
            }
            *seen = now;
        }
        let config = server_config(&self.identity, &self.alpn)?;
        self.config.store(Arc::new(config));
        Ok(true)
    }
}

/// Looks at `certificate`'s files every [`CERTIFICATE_WATCH`] until `stop`.
async fn watch_certificate(certificate: Arc<Certificate>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(CERTIFICATE_WATCH) => {}
        }
        match certificate.refresh() {
            Ok(true) => eprintln!("tls: {} read again", certificate.identity.certificate.display()),
            Ok(false) => {}
            Err(e) => eprintln!("tls: keeping the certificate in use: {e}"),
        }
    }
}

/// The TLS handshake on `stream`, or `None` when it fails or takes longer than `timeout`.
/// On failure the connection's `slot` is given back *before* the connection is closed, so
/// a client that sees the close and connects again finds its slot free.
pub(crate) async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    timeout: Duration,
    slot: Slot,
) -> Option<(TlsStream<TcpStream>, Slot)> {
    let _ = stream.set_nodelay(true);
    let accept = acceptor.accept(stream);
    tokio::pin!(accept);
    tokio::select! {
        accepted = &mut accept => match accepted {
            Ok(tls) => Some((tls, slot)),
            Err(_) => {
                // The stream went with the failed handshake; the slot is freed as we return.
                drop(slot);
                None
            }
        },
        _ = tokio::time::sleep(timeout) => {
            drop(slot);
            // `accept`, holding the stream, is dropped after this: the close comes second.
            None
        }
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
        let certificate = Arc::new(Certificate::load(identity, &[ALPN_DOT])?);
        runtime.spawn(watch_certificate(certificate.clone(), stop.clone()));
        for &addr in &encrypted.tls_listen {
            let listener = tcp::bind(addr)?;
            bound.tls.push(listener.local_addr().unwrap_or(addr));
            let (certificate, dot) = (certificate.clone(), dot.clone());
            runtime.spawn(tcp::accept_loop(
                listener,
                gate.clone(),
                stop.clone(),
                move |stream, peer, stop, slot| {
                    let (acceptor, dot) = (certificate.acceptor(), dot.clone());
                    tokio::spawn(async move {
                        if let Some((tls, slot)) = handshake(&acceptor, stream, limits.handshake, slot).await {
                            dot(tls, peer, stop, slot).await;
                        }
                    });
                },
            ));
        }
    }
    if !encrypted.https_listen.is_empty() {
        let certificate = Arc::new(Certificate::load(identity, &ALPN_DOH)?);
        runtime.spawn(watch_certificate(certificate.clone(), stop.clone()));
        for &addr in &encrypted.https_listen {
            let listener = tcp::bind(addr)?;
            bound.https.push(listener.local_addr().unwrap_or(addr));
            let (certificate, doh) = (certificate.clone(), doh.clone());
            runtime.spawn(tcp::accept_loop(
                listener,
                gate.clone(),
                stop.clone(),
                move |stream, peer, stop, slot| {
                    let (acceptor, doh) = (certificate.acceptor(), doh.clone());
                    tokio::spawn(async move {
                        if let Some((tls, slot)) = handshake(&acceptor, stream, limits.handshake, slot).await {
                            doh::connection(tls, peer, doh, limits, stop, slot).await;
                        }
                    });
                },
            ));
        }
    }
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a fresh self-signed certificate for `name` and its key into `dir`, stamped
    /// `at` (so a change is seen whatever the file system's timestamp resolution).
    fn write_identity(dir: &std::path::Path, name: &str, at: SystemTime) -> TlsIdentity {
        let made = rcgen::generate_simple_self_signed(vec![name.to_string()]).expect("certificate");
        let identity = TlsIdentity {
            certificate: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&identity.certificate, made.cert.pem()).expect("write certificate");
        std::fs::write(&identity.key, made.signing_key.serialize_pem()).expect("write key");
        for path in [&identity.certificate, &identity.key] {
            let file = std::fs::File::options().write(true).open(path).expect("open");
            file.set_modified(at).expect("set time");
        }
        identity
    }

    #[test]
    fn a_renewed_certificate_is_read_and_a_broken_one_is_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let identity = write_identity(dir.path(), "old.example", t0);
        let certificate = Certificate::load(&identity, &[ALPN_DOT]).expect("load");
        let first = certificate.config.load_full();
        assert_eq!(first.alpn_protocols, vec![ALPN_DOT.to_vec()]);
        // Nothing changed: nothing read.
        assert!(!certificate.refresh().expect("refresh"));
        assert!(Arc::ptr_eq(&first, &certificate.config.load_full()));

        // Renewed: the next connection gets the new one, with the same ALPN.
        write_identity(dir.path(), "new.example", t0 + Duration::from_secs(60));
        assert!(certificate.refresh().expect("refresh"));
        let second = certificate.config.load_full();
        assert!(!Arc::ptr_eq(&first, &second));
        assert_eq!(second.alpn_protocols, vec![ALPN_DOT.to_vec()]);

        // A half-written renewal is refused and the one in use stays.
        std::fs::write(&identity.certificate, "-----BEGIN CERTIFICATE-----\ngarbage\n").expect("write");
        let file = std::fs::File::options()
            .write(true)
            .open(&identity.certificate)
            .expect("open");
        file.set_modified(t0 + Duration::from_secs(120)).expect("set time");
        assert!(certificate.refresh().is_err());
        assert!(Arc::ptr_eq(&second, &certificate.config.load_full()));
    }
}
