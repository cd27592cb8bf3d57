//! Secrets the dashboard hands out and checks: password hashes (Argon2id, RFC 9106), session
//! IDs, CSRF tokens and API tokens.
//!
//! Session IDs and API tokens are 256-bit random values; the database keeps only their
//! SHA-256, so a copy of it does not let anyone sign in. They need no slow hash: unlike
//! passwords they cannot be guessed.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;

use crate::config::PasswordCost;
use crate::error::WebError;

/// The prefix of API tokens, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "banyan_";

/// Shortest password accepted at sign-up.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Longest password accepted: hashing cost is per byte of input too.
pub const MAX_PASSWORD_LEN: usize = 1024;

fn argon2(cost: PasswordCost) -> Result<Argon2<'static>, WebError> {
    let params =
        Params::new(cost.memory_kib, cost.passes, cost.lanes, None).map_err(|e| WebError::Password(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of `password` hashed with a fresh salt.
pub fn hash_password(password: &str, cost: PasswordCost) -> Result<String, WebError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| WebError::Password(e.to_string()))?;
    argon2(cost)?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| WebError::Password(e.to_string()))
}

/// Whether `password` matches the PHC string `hash` (its own parameters are used). A hash
/// that does not parse matches nothing.
pub fn verify_password(password: &str, hash: &str, cost: PasswordCost) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2(cost).is_ok_and(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A fresh random secret: 32 octets as 64 lowercase hex digits.
pub fn random_secret() -> String {
    let mut octets = [0u8; 32];
    rand::rng().fill_bytes(&mut octets);
    banyan_wire::text::hex_encode(&octets).to_ascii_lowercase()
}

/// A fresh API token: [`TOKEN_PREFIX`] and a random secret.
pub fn new_api_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_secret())
}

/// The SHA-256 of a session ID or token, in hex: what the database keeps.
pub fn digest(secret: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, secret.as_bytes());
    banyan_wire::text::hex_encode(d.as_ref()).to_ascii_lowercase()
}

/// Compares two secrets in time independent of where they differ, so a CSRF token cannot be
/// found one character at a time.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let cost = PasswordCost::insecure_for_tests();
        let h = hash_password("correct horse battery", cost).expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h, cost));
        assert!(!verify_password("wrong", &h, cost));
        assert!(!verify_password("x", "not a hash", cost));
        assert_ne!(h, hash_password("correct horse battery", cost).expect("hash"), "salted");
    }

    #[test]
    fn secrets_are_random_and_digests_stable() {
        assert_ne!(random_secret(), random_secret());
        assert_eq!(random_secret().len(), 64);
        assert!(new_api_token().starts_with(TOKEN_PREFIX));
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
