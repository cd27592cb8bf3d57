//! TLS for EPP (RFC 5734 §9): certificates made with rcgen, and rustls configurations for
//! the server and the client, with *ring* as the crypto provider.
//!
//! RFC 5734 §9 asks for mutual authentication; [`server_config_with_client_auth`] and
//! [`client_config_with_cert`] provide it, while [`server_config`] and [`client_config`]
//! authenticate only the server (the lab and tests, where the password is enough).

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use thiserror::Error;

/// What went wrong making a certificate or a TLS configuration.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TlsError {
    /// rcgen could not make the certificate.
    #[error("certificate generation: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration (a key that does not match, a bad certificate).
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    /// A client-certificate verifier could not be built from the given roots.
    #[error("client certificate verifier: {0}")]
    Verifier(String),
    /// PEM text did not hold what was expected.
    #[error("PEM: {0}")]
    Pem(String),
}

/// A certificate and its private key, as DER (for rustls) and PEM (for files).
#[derive(Debug)]
pub struct CertifiedKey {
    /// The certificate.
    pub cert_der: CertificateDer<'static>,
    /// The private key (PKCS#8).
    pub key_der: PrivatePkcs8KeyDer<'static>,
    /// The certificate as PEM.
    pub cert_pem: String,
    /// The private key as PEM.
    pub key_pem: String,
}

impl CertifiedKey {
    /// The private key in the form rustls configurations take.
    pub fn private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key_der.clone_key())
    }

    fn from_parts(cert: rcgen::Certificate, key: &KeyPair) -> Self {
        Self {
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            key_der: PrivatePkcs8KeyDer::from(key.serialize_der()),
            key_pem: key.serialize_pem(),
        }
    }
}

/// A self-signed certificate for `names` (DNS names, or IP addresses written as text),
/// with an ECDSA P-256 key. The certificate is its own trust anchor: give it to
/// [`client_config`].
pub fn self_signed(names: &[&str]) -> Result<CertifiedKey, TlsError> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())?;
    if let Some(first) = names.first() {
        params.distinguished_name.push(DnType::CommonName, *first);
    }
    let cert = params.self_signed(&key)?;
    Ok(CertifiedKey::from_parts(cert, &key))
}

/// A certificate authority that issues certificates for the lab (`banyan up` makes one, and
/// every client of the lab trusts its certificate).
pub struct Authority {
    issuer: Issuer<'static, KeyPair>,
    certified: CertifiedKey,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").finish_non_exhaustive()
    }
}

impl Authority {
    /// A new self-signed CA named `common_name`.
    pub fn generate(common_name: &str) -> Result<Self, TlsError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key)?;
        let certified = CertifiedKey::from_parts(cert, &key);
        Ok(Self {
            issuer: Issuer::new(params, key),
            certified,
        })
    }

    /// The CA's own certificate and key (the certificate is what clients trust).
    pub fn certificate(&self) -> &CertifiedKey {
        &self.certified
    }

    /// A certificate for `names`, signed by this CA, with a fresh key.
    pub fn issue(&self, names: &[&str]) -> Result<CertifiedKey, TlsError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())?;
        if let Some(first) = names.first() {
            params.distinguished_name.push(DnType::CommonName, *first);
        }
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(CertifiedKey::from_parts(cert, &key))
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(trusted: &[CertificateDer<'static>]) -> Result<RootCertStore, TlsError> {
    let mut store = RootCertStore::empty();
    for cert in trusted {
        store.add(cert.clone())?;
    }
    Ok(store)
}

/// A server configuration presenting `chain` (leaf first) with `key`, not asking clients
/// for certificates.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// A server configuration that also requires a client certificate issued by one of
/// `client_roots` (RFC 5734 §9: mutual authentication).
pub fn server_config_with_client_auth(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_roots: &[CertificateDer<'static>],
) -> Result<Arc<ServerConfig>, TlsError> {
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots(client_roots)?), provider())
        .build()
        .map_err(|e| TlsError::Verifier(e.to_string()))?;
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// A client configuration trusting exactly `trusted` (a CA certificate, or a server's
/// self-signed certificate), with no client certificate.
pub fn client_config(trusted: &[CertificateDer<'static>]) -> Result<Arc<ClientConfig>, TlsError> {
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots(trusted)?)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A client configuration trusting `trusted` and presenting `chain` with `key` (RFC 5734
/// §9).
pub fn client_config_with_cert(
    trusted: &[CertificateDer<'static>],
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ClientConfig>, TlsError> {
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots(trusted)?)
        .with_client_auth_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// Every certificate in PEM text.
pub fn certificates_from_pem(pem: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::Pem("no CERTIFICATE block".into()));
    }
    Ok(certs)
}

/// The first private key in PEM text (PKCS#8, PKCS#1 or SEC1).
pub fn private_key_from_pem(pem: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| TlsError::Pem(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_and_configs() {
        let ck = self_signed(&["epp.test", "127.0.0.1"]).expect("cert");
        let certs = certificates_from_pem(&ck.cert_pem).expect("certs");
        assert_eq!(certs, std::slice::from_ref(&ck.cert_der));
        let key = private_key_from_pem(&ck.key_pem).expect("key");
        server_config(certs, key).expect("server config");
        client_config(std::slice::from_ref(&ck.cert_der)).expect("client config");
        assert!(certificates_from_pem("nothing here").is_err());

        let ca = Authority::generate("Banyan lab CA").expect("ca");
        let leaf = ca.issue(&["epp.test"]).expect("leaf");
        server_config(vec![leaf.cert_der.clone()], leaf.private_key()).expect("server");
        server_config_with_client_auth(
            vec![leaf.cert_der.clone()],
            leaf.private_key(),
            &[ca.certificate().cert_der.clone()],
        )
        .expect("mutual");
    }
}
