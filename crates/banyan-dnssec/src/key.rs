//! Private keys for signing, and BIND's key files.
//!
//! A key pair lives in two files named `K<zone>+<alg>+<tag>` (BIND's `dnssec-keygen`
//! naming, with the zone in presentation form ending in a dot): `.key` holds the DNSKEY
//! record, `.private` the private key in BIND's "Private-key-format" (v1.2 and v1.3 read,
//! v1.3 written). The private fields are base64:
//! - ECDSA (13, 14): `PrivateKey`, the private scalar, 32 or 48 octets (RFC 6605 §4 sizes).
//! - Ed25519 (15): `PrivateKey`, the 32-octet seed (RFC 8032 §5.1.5).
//! - RSA (8, 10): `Modulus`, `PublicExponent`, `PrivateExponent`, `Prime1`, `Prime2`,
//!   `Exponent1`, `Exponent2`, `Coefficient`: the PKCS#1 `RSAPrivateKey` components
//!   (RFC 8017 §3.2) as big-endian octets.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use banyan_wire::rdata::RData;
use banyan_wire::text::{base64_decode, base64_encode};
use banyan_wire::{Name, Record};
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair as _, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING,
    ECDSA_P384_SHA384_FIXED_SIGNING, RSA_PKCS1_SHA256, RSA_PKCS1_SHA512,
};

use crate::algorithm::{self, mnemonic};
use crate::der::{self, DerReader};
use crate::error::DnssecError;
use crate::keytag::key_tag;
use crate::verify::verify_signature;

/// DNSKEY flags: Zone Key (RFC 4034 §2.1.1) and Secure Entry Point (RFC 4034 §2.1.1,
/// RFC 3757), so 256 for a ZSK and 257 for a KSK.
const ZONE_KEY: u16 = 0x0100;
const SEP: u16 = 0x0001;

/// The RSA private key fields of a `.private` file, in the order BIND writes them
/// (PKCS#1 `RSAPrivateKey` order, RFC 8017 Appendix A.1.2, after the version).
const RSA_FIELDS: [&str; 8] = [
    "Modulus",
    "PublicExponent",
    "PrivateExponent",
    "Prime1",
    "Prime2",
    "Exponent1",
    "Exponent2",
    "Coefficient",
];

/// `ring` signs with RSA moduli of this many bits or more only.
const RING_RSA_MIN_BITS: usize = 2048;

enum Pair {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// The private key as written to a `.private` file. `ring` never hands private keys back,
/// so they are kept from import or generation.
enum Private {
    /// ECDSA private scalar or Ed25519 seed.
    Raw(Vec<u8>),
    /// RSA components in [`RSA_FIELDS`] order.
    Rsa(Vec<Vec<u8>>),
}

/// A DNSSEC private key of a zone, able to sign (RFC 4033 §2, RFC 4034 §2).
pub struct SigningKey {
    owner: Name,
    flags: u16,
    algorithm: u8,
    dnskey: Vec<u8>,
    key_tag: u16,
    pair: Pair,
    private: Private,
}

impl fmt::Debug for SigningKey {
    /// Shows the public side only; the private key never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("owner", &self.owner)
            .field("flags", &self.flags)
            .field("algorithm", &self.algorithm)
            .field("key_tag", &self.key_tag)
            .finish_non_exhaustive()
    }
}

fn ecdsa_params(alg: u8) -> Option<(&'static EcdsaSigningAlgorithm, usize)> {
    match alg {
        algorithm::ECDSAP256SHA256 => Some((&ECDSA_P256_SHA256_FIXED_SIGNING, 32)),
        algorithm::ECDSAP384SHA384 => Some((&ECDSA_P384_SHA384_FIXED_SIGNING, 48)),
        _ => None,
    }
}

/// The private scalar in a PKCS#8 document from `EcdsaKeyPair::generate_pkcs8`.
///
/// ring writes a fixed template: `PrivateKeyInfo` (RFC 5208 §5) =
/// `SEQUENCE { INTEGER 0, SEQUENCE { ecPublicKey, curve }, OCTET STRING { ECPrivateKey } }`
/// with `ECPrivateKey` (RFC 5915 §3) = `SEQUENCE { INTEGER 1, OCTET STRING scalar,
/// [1] public key }`. For P-256 that puts the 32-octet scalar at offset 36 of a 138-octet
/// document, for P-384 the 48-octet scalar at offset 35 of 185; rather than trust the
/// offsets, the DER is walked and the length checked.
fn pkcs8_ecdsa_scalar(doc: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut outer = DerReader::new(DerReader::new(doc).expect(der::SEQUENCE)?);
    outer.expect(der::INTEGER)?;
    outer.expect(der::SEQUENCE)?;
    let ec_private_key = outer.expect(der::OCTET_STRING)?;
    let mut inner = DerReader::new(DerReader::new(ec_private_key).expect(der::SEQUENCE)?);
    inner.expect(der::INTEGER)?;
    let scalar = inner.expect(der::OCTET_STRING)?;
    (scalar.len() == len).then(|| scalar.to_vec())
}

/// The seed in a PKCS#8 document from `Ed25519KeyPair::generate_pkcs8`.
///
/// ring writes `OneAsymmetricKey` v2 (RFC 5958 §2, RFC 8410 §7) =
/// `SEQUENCE { INTEGER 1, SEQUENCE { id-Ed25519 }, OCTET STRING { OCTET STRING seed },
/// [1] public key }`: the 32-octet seed sits at offset 16 of an 83-octet document. Walked
/// as DER, not read at the offset.
fn pkcs8_ed25519_seed(doc: &[u8]) -> Option<Vec<u8>> {
    let mut outer = DerReader::new(DerReader::new(doc).expect(der::SEQUENCE)?);
    outer.expect(der::INTEGER)?;
    outer.expect(der::SEQUENCE)?;
    let wrapped = outer.expect(der::OCTET_STRING)?;
    let seed = DerReader::new(wrapped).expect(der::OCTET_STRING)?;
    (seed.len() == 32).then(|| seed.to_vec())
}

fn dnskey_rdata(flags: u16, alg: u8, public_key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + public_key.len());
    out.extend_from_slice(&flags.to_be_bytes());
    out.push(3);
    out.push(alg);
    out.extend_from_slice(public_key);
    out
}

/// `v` without leading zero octets.
fn minimal(v: &[u8]) -> &[u8] {
    let k = v.iter().take_while(|&&b| b == 0).count();
    &v[k..]
}

/// The RFC 3110 §2 public key field for modulus `n` and exponent `e`.
fn rfc3110_public_key(n: &[u8], e: &[u8]) -> Vec<u8> {
    let (n, e) = (minimal(n), minimal(e));
    let mut out = Vec::with_capacity(3 + e.len() + n.len());
    if e.len() < 256 {
        out.push(e.len() as u8);
    } else {
        out.push(0);
        out.extend_from_slice(&(e.len() as u16).to_be_bytes());
    }
    out.extend_from_slice(e);
    out.extend_from_slice(n);
    out
}

/// One `Field: value` line of a `.private` file.
struct PrivateLine {
    name: String,
    value: String,
    line: usize,
}

fn key_file_error(path: &Path, line: usize, reason: impl Into<String>) -> DnssecError {
    DnssecError::KeyFile {
        path: path.to_path_buf(),
        line,
        reason: reason.into(),
    }
}

fn read_text(path: &Path) -> Result<String, DnssecError> {
    fs::read_to_string(path).map_err(|source| DnssecError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads the DNSKEY record of a `.key` file: the first line that is not blank or a `;`
/// comment. Returns the owner and the DNSKEY RDATA.
fn read_key_file(path: &Path) -> Result<(Name, Vec<u8>), DnssecError> {
    let text = read_text(path)?;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') {
            continue;
        }
        // The TTL is optional in key files and irrelevant here.
        let record =
            Record::from_text(trimmed, None, Some(0)).map_err(|e| key_file_error(path, i + 1, e.to_string()))?;
        return match &record.data {
            RData::DNSKEY(_) => Ok((record.name.clone(), record.data.to_wire())),
            _ => Err(key_file_error(path, i + 1, "expected a DNSKEY record")),
        };
    }
    Err(key_file_error(path, 0, "no DNSKEY record in the file"))
}

/// Reads the `Field: value` lines of a `.private` file, checking the format line and
/// returning the algorithm number and the remaining fields.
fn read_private_file(path: &Path) -> Result<(u8, Vec<PrivateLine>), DnssecError> {
    let text = read_text(path)?;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') {
            continue;
        }
        let (name, value) = trimmed
            .split_once(':')
            .ok_or_else(|| key_file_error(path, i + 1, "expected `Field: value`"))?;
        lines.push(PrivateLine {
            name: name.trim().to_string(),
            value: value.trim().to_string(),
            line: i + 1,
        });
    }
    let format = lines
        .first()
        .filter(|l| l.name == "Private-key-format")
        .ok_or_else(|| key_file_error(path, 1, "expected `Private-key-format: v1.x` first"))?;
    // v1.2 and v1.3 differ only in the timing fields v1.3 adds; a v2 would be a new format.
    if !format.value.starts_with("v1.") {
        return Err(key_file_error(
            path,
            format.line,
            format!("unsupported private key format {}", format.value),
        ));
    }
    let alg_line = lines
        .iter()
        .find(|l| l.name == "Algorithm")
        .ok_or_else(|| key_file_error(path, 0, "no `Algorithm:` field"))?;
    let number = alg_line.value.split_whitespace().next().unwrap_or("");
    let alg: u8 = number
        .parse()
        .map_err(|_| key_file_error(path, alg_line.line, format!("bad algorithm {}", alg_line.value)))?;
    Ok((alg, lines))
}

/// The base64-decoded value of field `name`.
fn private_field(path: &Path, lines: &[PrivateLine], name: &str) -> Result<Vec<u8>, DnssecError> {
    let l = lines
        .iter()
        .find(|l| l.name == name)
        .ok_or_else(|| key_file_error(path, 0, format!("no `{name}:` field")))?;
    base64_decode(&l.value).ok_or_else(|| key_file_error(path, l.line, format!("bad base64 in `{name}`")))
}

impl SigningKey {
    /// Generates a new key for `zone`: a KSK (flags 257) when `ksk`, else a ZSK (256)
    /// (RFC 4034 §2.1.1, RFC 6781 §3.1). Algorithms 13, 14 and 15; RSA (8, 10) gives
    /// [`DnssecError::CannotGenerate`] because `ring` cannot generate RSA keys; anything
    /// else [`DnssecError::UnsupportedAlgorithm`].
    pub fn generate(zone: &Name, algorithm: u8, ksk: bool) -> Result<SigningKey, DnssecError> {
        let rng = SystemRandom::new();
        let (pair, private, public) = match algorithm {
            algorithm::ECDSAP256SHA256 | algorithm::ECDSAP384SHA384 => {
                let (params, len) = ecdsa_params(algorithm).ok_or(DnssecError::UnsupportedAlgorithm(algorithm))?;
                let doc = EcdsaKeyPair::generate_pkcs8(params, &rng)
                    .map_err(|_| DnssecError::Crypto("ECDSA key generation failed"))?;
                let scalar = pkcs8_ecdsa_scalar(doc.as_ref(), len)
                    .ok_or(DnssecError::Crypto("unexpected PKCS#8 layout from ring (ECDSA)"))?;
                let pair = EcdsaKeyPair::from_pkcs8(params, doc.as_ref(), &rng)
                    .map_err(|_| DnssecError::Crypto("ring refused its own ECDSA key"))?;
                // Drop SEC 1's 0x04 "uncompressed" prefix: RFC 6605 §4 stores x | y.
                let public = pair.public_key().as_ref()[1..].to_vec();
                (Pair::Ecdsa(pair), Private::Raw(scalar), public)
            }
            algorithm::ED25519 => {
                let doc = Ed25519KeyPair::generate_pkcs8(&rng)
                    .map_err(|_| DnssecError::Crypto("Ed25519 key generation failed"))?;
                let seed = pkcs8_ed25519_seed(doc.as_ref())
                    .ok_or(DnssecError::Crypto("unexpected PKCS#8 layout from ring (Ed25519)"))?;
                let pair = Ed25519KeyPair::from_pkcs8(doc.as_ref())
                    .map_err(|_| DnssecError::Crypto("ring refused its own Ed25519 key"))?;
                let public = pair.public_key().as_ref().to_vec();
                (Pair::Ed25519(pair), Private::Raw(seed), public)
            }
            algorithm::RSASHA256 | algorithm::RSASHA512 => return Err(DnssecError::CannotGenerate(algorithm)),
            other => return Err(DnssecError::UnsupportedAlgorithm(other)),
        };
        let flags = if ksk { ZONE_KEY | SEP } else { ZONE_KEY };
        let dnskey = dnskey_rdata(flags, algorithm, &public);
        Ok(SigningKey {
            owner: zone.clone(),
            flags,
            algorithm,
            key_tag: key_tag(&dnskey),
            dnskey,
            pair,
            private,
        })
    }

    /// Reads a key pair from BIND's `K<zone>+<alg>+<tag>.key` (a DNSKEY record; blank lines
    /// and `;` comments skipped) and `.private` files (see the module documentation),
    /// checking that the private key belongs to the public one.
    ///
    /// Algorithms 8, 10, 13, 14 and 15 are accepted; others give
    /// [`DnssecError::UnsupportedAlgorithm`]. RSA keys under 2048 bits give a
    /// [`DnssecError::KeyFile`] error: `ring` does not sign with them.
    pub fn from_bind_files(key_path: &Path, private_path: &Path) -> Result<SigningKey, DnssecError> {
        let (owner, dnskey) = read_key_file(key_path)?;
        if dnskey.len() < 5 {
            return Err(key_file_error(key_path, 0, "DNSKEY without a public key"));
        }
        let flags = u16::from_be_bytes([dnskey[0], dnskey[1]]);
        let alg = dnskey[3];
        let public = &dnskey[4..];
        let (private_alg, lines) = read_private_file(private_path)?;
        if private_alg != alg {
            return Err(key_file_error(
                private_path,
                0,
                format!("algorithm {private_alg} does not match the DNSKEY's {alg}"),
            ));
        }
        let mismatch = || key_file_error(private_path, 0, "the private key does not match the DNSKEY");
        let rng = SystemRandom::new();
        let (pair, private) = match alg {
            algorithm::ECDSAP256SHA256 | algorithm::ECDSAP384SHA384 => {
                let (params, len) = ecdsa_params(alg).ok_or(DnssecError::UnsupportedAlgorithm(alg))?;
                let mut scalar = private_field(private_path, &lines, "PrivateKey")?;
                // BIND writes the scalar as a minimal big-endian integer (OpenSSL's
                // BN_bn2bin), so one key in 256 has a shorter field: pad it back.
                if scalar.len() < len && !scalar.is_empty() {
                    let mut padded = vec![0u8; len - scalar.len()];
                    padded.extend_from_slice(&scalar);
                    scalar = padded;
                }
                if scalar.len() != len || public.len() != 2 * len {
                    return Err(key_file_error(private_path, 0, "wrong key length for the algorithm"));
                }
                let mut point = Vec::with_capacity(1 + public.len());
                point.push(0x04);
                point.extend_from_slice(public);
                let pair = EcdsaKeyPair::from_private_key_and_public_key(params, &scalar, &point, &rng)
                    .map_err(|_| mismatch())?;
                (Pair::Ecdsa(pair), Private::Raw(scalar))
            }
            algorithm::ED25519 => {
                let seed = private_field(private_path, &lines, "PrivateKey")?;
                let pair = Ed25519KeyPair::from_seed_and_public_key(&seed, public).map_err(|_| mismatch())?;
                (Pair::Ed25519(pair), Private::Raw(seed))
            }
            algorithm::RSASHA256 | algorithm::RSASHA512 => {
                let fields = RSA_FIELDS
                    .iter()
                    .map(|f| private_field(private_path, &lines, f))
                    .collect::<Result<Vec<_>, _>>()?;
                if rfc3110_public_key(&fields[0], &fields[1]) != public {
                    return Err(mismatch());
                }
                let n = minimal(&fields[0]);
                let bits = n.first().map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize);
                if bits < RING_RSA_MIN_BITS {
                    return Err(key_file_error(
                        private_path,
                        0,
                        format!(
                            "RSA modulus of {bits} bits: signing needs at least {RING_RSA_MIN_BITS} (ring's floor)"
                        ),
                    ));
                }
                let pair = RsaKeyPair::from_der(&rsa_private_key_der(&fields)).map_err(|e| {
                    if e.to_string() == "InconsistentComponents" {
                        mismatch()
                    } else {
                        key_file_error(private_path, 0, format!("RSA private key refused: {e}"))
                    }
                })?;
                // ring checks the components against each other only partly (BIND's
                // comparekeys test has a file whose exponent was changed); one signature
                // checked with the DNSKEY settles whether the pair belongs together.
                let padding = if alg == algorithm::RSASHA512 {
                    &RSA_PKCS1_SHA512
                } else {
                    &RSA_PKCS1_SHA256
                };
                let mut sig = vec![0u8; pair.public().modulus_len()];
                let probe = b"banyan-dnssec key check";
                let signed = pair.sign(padding, &rng, probe, &mut sig).is_ok();
                if !signed || verify_signature(alg, public, probe, &sig).is_err() {
                    return Err(mismatch());
                }
                (Pair::Rsa(pair), Private::Rsa(fields))
            }
            other => return Err(DnssecError::UnsupportedAlgorithm(other)),
        };
        Ok(SigningKey {
            owner,
            flags,
            algorithm: alg,
            key_tag: key_tag(&dnskey),
            dnskey,
            pair,
            private,
        })
    }

    /// Reads every key of `zone` in `dir`: each `K<zone>+*.private` file (the zone as
    /// `dnssec-keygen` and `ldns-keygen` spell it, with its final dot, compared without regard
    /// to case) with its `.key` beside it, in file-name order. A key whose DNSKEY owner is
    /// not `zone` is an error naming the file; keys of other zones in the directory are left
    /// alone. Timing metadata (BIND's `Publish:`, `Activate:`, `Inactive:` fields) is not
    /// consulted: every key found is used.
    pub fn load_zone_keys(dir: &Path, zone: &Name) -> Result<Vec<SigningKey>, DnssecError> {
        let io = |source| DnssecError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let prefix = format!("k{zone}+").to_ascii_lowercase();
        let mut stems = Vec::new();
        for entry in fs::read_dir(dir).map_err(io)? {
            let name = entry.map_err(io)?.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(stem) = name.strip_suffix(".private") {
                if stem.to_ascii_lowercase().starts_with(&prefix) {
                    stems.push(stem.to_string());
                }
            }
        }
        stems.sort();
        let mut keys = Vec::with_capacity(stems.len());
        for stem in stems {
            let key_path = dir.join(format!("{stem}.key"));
            let key = SigningKey::from_bind_files(&key_path, &dir.join(format!("{stem}.private")))?;
            if key.owner() != zone {
                return Err(key_file_error(
                    &key_path,
                    0,
                    format!("the DNSKEY's owner is {}, not {zone}", key.owner()),
                ));
            }
            keys.push(key);
        }
        Ok(keys)
    }

    /// The base of the file names: `K<zone>+<alg>+<tag>` as `dnssec-keygen` names them.
    pub fn file_stem(&self) -> String {
        format!("K{}+{:03}+{:05}", self.owner, self.algorithm, self.key_tag)
    }

    /// Writes `K<zone>+<alg>+<tag>.key` and `.private` into `dir` in BIND's format
    /// (Private-key-format v1.3), readable by `dnssec-signzone` and by
    /// [`SigningKey::from_bind_files`]. The `.private` file is created with mode 0600 on
    /// Unix, as BIND does. Returns the two paths.
    pub fn write_bind_files(&self, dir: &Path) -> Result<(PathBuf, PathBuf), DnssecError> {
        let stem = self.file_stem();
        if stem.contains('/') || stem.contains('\0') {
            return Err(key_file_error(
                dir,
                0,
                format!("zone name {} cannot be a file name", self.owner),
            ));
        }
        let key_path = dir.join(format!("{stem}.key"));
        let private_path = dir.join(format!("{stem}.private"));
        let kind = if self.is_ksk() { "key-signing" } else { "zone-signing" };
        let key_text = format!(
            "; This is a {kind} key, keyid {}, for {}\n{} IN DNSKEY {} 3 {} {}\n",
            self.key_tag,
            self.owner,
            self.owner,
            self.flags,
            self.algorithm,
            base64_encode(&self.dnskey[4..])
        );
        let mut private_text = format!(
            "Private-key-format: v1.3\nAlgorithm: {} ({})\n",
            self.algorithm,
            mnemonic(self.algorithm)
        );
        match &self.private {
            Private::Raw(k) => private_text.push_str(&format!("PrivateKey: {}\n", base64_encode(k))),
            Private::Rsa(fields) => {
                for (name, value) in RSA_FIELDS.iter().zip(fields) {
                    private_text.push_str(&format!("{name}: {}\n", base64_encode(value)));
                }
            }
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| DnssecError::Io { path, source }
        };
        fs::write(&key_path, key_text).map_err(io(&key_path))?;
        write_private(&private_path, private_text.as_bytes()).map_err(io(&private_path))?;
        Ok((key_path, private_path))
    }

    /// The zone the key belongs to (the DNSKEY's owner).
    pub fn owner(&self) -> &Name {
        &self.owner
    }

    /// The DNSSEC algorithm number.
    pub fn algorithm(&self) -> u8 {
        self.algorithm
    }

    /// The DNSKEY flags (RFC 4034 §2.1.1): 256 for a ZSK, 257 for a KSK.
    pub fn flags(&self) -> u16 {
        self.flags
    }

    /// The key tag (RFC 4034 Appendix B).
    pub fn key_tag(&self) -> u16 {
        self.key_tag
    }

    /// True when the Secure Entry Point flag is set (RFC 4034 §2.1.1): a KSK.
    pub fn is_ksk(&self) -> bool {
        self.flags & SEP != 0
    }

    /// The DNSKEY RDATA (RFC 4034 §2.1).
    pub fn dnskey_rdata(&self) -> &[u8] {
        &self.dnskey
    }

    /// Signs `data` and returns the signature in DNSSEC wire form: RSA PKCS#1 v1.5 as long
    /// as the modulus (RFC 3110 §3, RFC 5702 §3), ECDSA `r | s` fixed width (RFC 6605 §4),
    /// Ed25519's 64 octets (RFC 8080 §4). RSA and Ed25519 are deterministic; ECDSA is not.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, DnssecError> {
        let rng = SystemRandom::new();
        match &self.pair {
            Pair::Rsa(pair) => {
                let padding = if self.algorithm == algorithm::RSASHA512 {
                    &RSA_PKCS1_SHA512
                } else {
                    &RSA_PKCS1_SHA256
                };
                let mut sig = vec![0u8; pair.public().modulus_len()];
                pair.sign(padding, &rng, data, &mut sig)
                    .map_err(|_| DnssecError::Crypto("RSA signing failed"))?;
                Ok(sig)
            }
            Pair::Ecdsa(pair) => pair
                .sign(&rng, data)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| DnssecError::Crypto("ECDSA signing failed")),
            Pair::Ed25519(pair) => Ok(pair.sign(data).as_ref().to_vec()),
        }
    }
}

/// PKCS#1 `RSAPrivateKey` (RFC 8017 Appendix A.1.2): `SEQUENCE { version 0, n, e, d, p,
/// q, dP, dQ, qInv }`, the form `RsaKeyPair::from_der` reads.
fn rsa_private_key_der(fields: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    der::write_unsigned(&mut body, &[0]);
    for f in fields {
        der::write_unsigned(&mut body, f);
    }
    let mut out = Vec::with_capacity(body.len() + 4);
    der::write_tlv(&mut out, der::SEQUENCE, &body);
    out
}

/// Writes a private key file readable by its owner only.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // An existing file keeps its old mode through open(); tighten it too.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(contents)
    }
    #[cfg(not(unix))]
    {
        options.open(path)?.write_all(contents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_pkcs8_offsets_are_as_documented() {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        assert_eq!(doc.as_ref().len(), 138);
        assert_eq!(pkcs8_ecdsa_scalar(doc.as_ref(), 32).unwrap(), &doc.as_ref()[36..68]);
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
        assert_eq!(doc.as_ref().len(), 185);
        assert_eq!(pkcs8_ecdsa_scalar(doc.as_ref(), 48).unwrap(), &doc.as_ref()[35..83]);
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        assert_eq!(doc.as_ref().len(), 83);
        assert_eq!(pkcs8_ed25519_seed(doc.as_ref()).unwrap(), &doc.as_ref()[16..48]);
    }

    #[test]
    fn rsa_generation_is_refused() {
        let zone: Name = "example.".parse().unwrap();
        assert!(matches!(
            SigningKey::generate(&zone, 8, false),
            Err(DnssecError::CannotGenerate(8))
        ));
        assert!(matches!(
            SigningKey::generate(&zone, 16, false),
            Err(DnssecError::UnsupportedAlgorithm(16))
        ));
    }

    #[test]
    fn rfc3110_encoding() {
        assert_eq!(rfc3110_public_key(&[0, 0xc5], &[0, 1, 0, 1]), [3, 1, 0, 1, 0xc5]);
        let long_e = [1u8; 300];
        let k = rfc3110_public_key(&[0xc5], &long_e);
        assert_eq!(&k[..3], &[0, 1, 44]);
    }
}
