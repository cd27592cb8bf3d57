//! The errors of key handling and signing. Validation outcomes are [`crate::VerifyError`].

use std::path::PathBuf;

use banyan_wire::Name;

/// What went wrong while generating, reading, writing or using a signing key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DnssecError {
    /// The algorithm number is not one this crate can sign with (see
    /// [`crate::algorithm::can_sign`]).
    #[error("DNSSEC algorithm {0} is not supported for signing")]
    UnsupportedAlgorithm(u8),
    /// The algorithm is supported with imported keys only: `ring` cannot generate RSA keys.
    #[error("cannot generate keys of DNSSEC algorithm {0} (import one made by dnssec-keygen instead)")]
    CannotGenerate(u8),
    /// A key file could not be understood, or its contents are inconsistent.
    #[error("{}:{line}: {reason}", path.display())]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// The 1-based line, or 0 when the problem is not on one line.
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// The cryptographic library refused an operation.
    #[error("cryptographic failure: {0}")]
    Crypto(&'static str),
    /// Reading or writing a key file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The RRset to sign is not at or below the key's zone (RFC 4035 §2.2: the signer's name
    /// is the zone that holds the RRset).
    #[error("{owner} is not in zone {zone}")]
    NotInZone {
        /// The RRset's owner.
        owner: Name,
        /// The key's zone.
        zone: Name,
    },
}
