//! `banyan-dnssec`: the DNSSEC core shared by the zone signer and the validating resolver.
//!
//! What it does: algorithm support ([`algorithm`]), key tags ([`keytag`], RFC 4034
//! Appendix B), DS digests ([`ds`], RFC 4034 §5.1.4, RFC 4509, RFC 6605), the data an RRSIG
//! signs ([`canonical`], RFC 4034 §3.1.8.1 and §6, RFC 4035 §5.3.2, RFC 6840 §5.1), checking
//! one RRSIG with one DNSKEY ([`verify`], RFC 4035 §5.3), private keys and BIND's
//! `K*.key`/`K*.private` files ([`key`]), making RRSIGs ([`sign`]), NSEC3 hashes
//! ([`nsec3`], RFC 5155 §5), signing whole zones with NSEC or NSEC3 chains, CDS/CDNSKEY and
//! DS for the parent ([`signzone`]), and re-signing a changed or ageing zone incrementally,
//! keeping the signatures still good, for a server that signs online ([`online`]).
//!
//! What it does not do: network I/O, clocks (the caller passes `now`), deciding when to
//! re-sign (the server asks [`online::needs_resigning`]), or chain-of-trust validation; those belong to the server and the resolver built on top of
//! this crate. The only I/O is reading and writing key files; zone signing uses threads.
//!
//! Cryptography is `ring`'s, with one exception: RSA public keys under 1024 bits, which
//! `ring` refuses, are verified by a small public-key-only routine in this crate (old test
//! vectors such as RFC 4035 Appendix A use 512-bit keys). Ed448 (algorithm 16) and GOST
//! (12) are not supported; a validator treats them as unsupported (RFC 4035 §5.2,
//! RFC 8624).

#![forbid(unsafe_code)]

pub mod algorithm;
pub mod canonical;
mod der;
pub mod ds;
pub mod error;
pub mod key;
pub mod keytag;
mod legacy_rsa;
pub mod nsec3;
pub mod online;
pub mod sign;
pub mod signzone;
pub mod verify;

pub use algorithm::{can_sign, is_supported, mnemonic};
pub use canonical::{signed_data, RrsigFields};
pub use ds::{ds_digest, ds_rdata, DigestType};
pub use error::DnssecError;
pub use key::SigningKey;
pub use keytag::key_tag;
pub use nsec3::{nsec3_hash, nsec3_label};
pub use online::{earliest_expiration, needs_resigning, refresh_window, resign_zone, REFRESH_DIVISOR};
pub use sign::sign_rrset;
pub use signzone::{sign_zone, Denial, SignError, SignOptions, SignedZone};
pub use verify::{verify_rrsig, verify_signature, VerifyError};
