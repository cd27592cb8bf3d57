//! Transaction signatures (TSIG, RFC 8945): signing and checking DNS messages with a shared
//! secret, for requests (§5.1, §5.2), responses (§5.3), error responses (§5.3.2) and the
//! messages of a zone transfer (§5.3.1).
//!
//! The MAC (§4.3) covers, in order: for a response, the request's MAC prefixed by its
//! length (2 octets); the message as it was before the TSIG was added (the TSIG record
//! removed, ARCOUNT one less, the ID replaced by the TSIG's Original ID); then the TSIG
//! variables of §4.3.3:
//!
//! ```text
//! key name (canonical: lowercase, uncompressed) | CLASS (ANY, 16) | TTL (0, 32)
//! | algorithm name (canonical) | Time Signed (48) | Fudge (16) | Error (16)
//! | Other Len (16) | Other Data
//! ```
//!
//! Messages after the first of a multi-message response use only the timers (Time Signed and
//! Fudge) instead of the variables, and the previous signed message's MAC as prior MAC.
//!
//! Sans-I/O: the caller passes `now` (seconds since 1970) and the message buffers. What
//! this module does not do: remember the last Time Signed per key (the replay cache §5.2.3
//! suggests), TKEY, GSS-TSIG.

mod keys;
mod sha224;

pub use keys::{parse_bind_keys, KeyProblem, KeyRing, TsigAlgorithm, TsigKey, TsigKeyError, UnsupportedAlgorithm};

use ring::hmac;

use crate::header::HEADER_LEN;
use crate::message::Message;
use crate::name::{Name, MAX_NAME_LEN};
use crate::rdata::{RData, RecordData, Tsig};
use crate::types::{Class, Rcode, RecordType};

/// The Fudge of the TSIG records this module writes: the clock difference, in seconds, the
/// receiver should accept (RFC 8945 §10 recommends 300).
pub const DEFAULT_FUDGE: u16 = 300;

/// Most unsigned messages allowed in a row in a multi-message response (RFC 8945 §5.3.1:
/// at least every 100th message must be signed).
pub const MAX_UNSIGNED_IN_A_ROW: usize = 99;

/// Largest Time Signed (48 bits).
const MAX_TIME: u64 = (1 << 48) - 1;

/// Why a TSIG failed: the TSIG error codes of RFC 8945 §5.2 (and §3 for their values),
/// shown as BIND names them (`BADSIG` …).
///
/// [`TsigError::FormErr`] is not a TSIG error code: RFC 8945 §5.2 and §5.2.2.1 answer a TSIG
/// that cannot be read, or whose MAC is longer than the algorithm's or shorter than it
/// allows, with RCODE FORMERR and no TSIG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TsigError {
    /// The MAC did not verify (16, RFC 8945 §5.2.2).
    #[error("BADSIG")]
    BadSig,
    /// The key or its algorithm is not known (17, RFC 8945 §5.2.1).
    #[error("BADKEY")]
    BadKey,
    /// Time Signed is further from now than the Fudge (18, RFC 8945 §5.2.3).
    #[error("BADTIME")]
    BadTime,
    /// The MAC is truncated more than local policy allows (22, RFC 8945 §5.2.4).
    #[error("BADTRUNC")]
    BadTrunc,
    /// The TSIG is malformed or its MAC length is outside the limits of RFC 8945 §5.2.2.1.
    #[error("FORMERR")]
    FormErr,
}

impl TsigError {
    /// The value of the TSIG record's Error field (RFC 8945 §3): 16, 17, 18, 22; 1 (the
    /// FORMERR RCODE) for [`TsigError::FormErr`].
    pub fn code(self) -> u16 {
        match self {
            TsigError::BadSig => 16,
            TsigError::BadKey => 17,
            TsigError::BadTime => 18,
            TsigError::BadTrunc => 22,
            TsigError::FormErr => 1,
        }
    }

    /// The error a TSIG record's Error field reports, if it is one of RFC 8945's.
    pub fn from_code(code: u16) -> Option<TsigError> {
        match code {
            16 => Some(TsigError::BadSig),
            17 => Some(TsigError::BadKey),
            18 => Some(TsigError::BadTime),
            22 => Some(TsigError::BadTrunc),
            _ => None,
        }
    }

    /// The RCODE of the error response (RFC 8945 §5.2): NOTAUTH, or FORMERR for
    /// [`TsigError::FormErr`].
    pub fn rcode(self) -> Rcode {
        match self {
            TsigError::FormErr => Rcode::FORMERR,
            _ => Rcode::NOTAUTH,
        }
    }
}

/// A request whose TSIG verified (RFC 8945 §5.2): the key to sign the response with and the
/// request's MAC, which the response's MAC covers (§5.3).
#[derive(Clone, Debug)]
pub struct SignedRequest {
    /// The key (from the server's key ring).
    pub key: TsigKey,
    /// The request's MAC as received (truncated if the client truncated it, §5.2.2.1).
    pub mac: Vec<u8>,
    /// The request's Time Signed.
    pub time_signed: u64,
}

/// A request whose TSIG failed: what the error response needs (RFC 8945 §5.2, §5.3.2).
/// Answer it with [`TsigError::rcode`] and [`append_error`].
#[derive(Clone, Debug)]
pub struct TsigFailure {
    /// What failed.
    pub error: TsigError,
    /// The key name of the request's TSIG (the root name when the TSIG could not be read).
    pub key_name: Name,
    /// The algorithm name of the request's TSIG (the root name when it could not be read).
    pub algorithm: Name,
    /// The key, when it is known and the request's MAC verified (BADTIME, BADTRUNC): the
    /// error response is then signed with it.
    pub key: Option<TsigKey>,
    /// The request's MAC.
    pub request_mac: Vec<u8>,
    /// The request's Time Signed.
    pub time_signed: u64,
}

impl TsigFailure {
    fn formerr() -> TsigFailure {
        TsigFailure {
            error: TsigError::FormErr,
            key_name: Name::root(),
            algorithm: Name::root(),
            key: None,
            request_mac: Vec::new(),
            time_signed: 0,
        }
    }
}

/// Server side, RFC 8945 §5.2: checks the TSIG of a request.
///
/// `Ok(None)` when the message has no TSIG, `Ok(Some)` when it verified. Otherwise, in the
/// order of §5.2: BADKEY when the key is unknown or the TSIG names another algorithm than
/// the key's (§5.2.1); FORMERR when the TSIG cannot be read, is not of class ANY and TTL 0,
/// or its MAC is longer than the algorithm's or shorter than the larger of 10 octets and
/// half the algorithm's (§5.2.2.1); BADSIG when the MAC does not verify (§5.2.2); BADTIME
/// when `now` is more than Fudge seconds from Time Signed, checked after the MAC (§5.2.3).
/// Every truncation §5.2.2.1 allows is accepted, so this never returns BADTRUNC (§5.2.4
/// leaves the stricter policy to the implementation). A TSIG that is not the last record of
/// the additional section makes [`Message::parse`] fail (§5.1), which is FORMERR here too.
/// `now` is in seconds since 1970.
pub fn verify_request(message: &[u8], keys: &KeyRing, now: u64) -> Result<Option<SignedRequest>, TsigFailure> {
    let msg = Message::parse(message).map_err(|_| TsigFailure::formerr())?;
    let received = match Received::read(&msg) {
        Ok(Some(received)) => received,
        Ok(None) => return Ok(None),
        Err(()) => return Err(TsigFailure::formerr()),
    };
    let tsig = &received.tsig;
    let failure = |error, key: Option<&TsigKey>| TsigFailure {
        error,
        key_name: received.key_name.clone(),
        algorithm: tsig.algorithm.clone(),
        key: key.cloned(),
        request_mac: tsig.mac.clone(),
        time_signed: tsig.time_signed,
    };
    let key = match keys.get(&received.key_name) {
        Some(key) if TsigAlgorithm::from_name(&tsig.algorithm) == Some(key.algorithm) => key,
        _ => return Err(failure(TsigError::BadKey, None)),
    };
    if !mac_len_allowed(key.algorithm, tsig.mac.len()) {
        return Err(failure(TsigError::FormErr, None));
    }
    let mut digest = Digest::new(key);
    digest.stripped_message(message, received.at, tsig.original_id);
    digest.variables(&received.key_name, tsig);
    if !digest.matches(key, &tsig.mac) {
        return Err(failure(TsigError::BadSig, None));
    }
    if outside_fudge(tsig, now) {
        return Err(failure(TsigError::BadTime, Some(key)));
    }
    Ok(Some(SignedRequest {
        key: key.clone(),
        mac: tsig.mac.clone(),
        time_signed: tsig.time_signed,
    }))
}

/// Server side, RFC 8945 §5.3: appends a TSIG record to `message` (a complete response
/// without TSIG; ARCOUNT is incremented), signed with `key` as the answer to a request whose
/// MAC was `request_mac` (the MAC covers the request MAC's length and octets, the message,
/// then the TSIG variables). Returns the MAC, which the next message of a stream covers.
///
/// `message` must begin with a header; a shorter buffer is left as it is and the MAC
/// returned is empty.
pub fn sign_response(message: &mut Vec<u8>, key: &TsigKey, request_mac: &[u8], now: u64) -> Vec<u8> {
    let Some(tsig) = new_tsig(message, key.algorithm.name(), now) else {
        return Vec::new();
    };
    append_signed(message, key, Some(request_mac), tsig, Covers::Variables)
}

/// The octets [`sign_response`] adds with `key`: the TSIG record (RFC 8945 §4.2), owner
/// uncompressed, with the full MAC and no Other Data. A server keeps them free when it sizes
/// a response to the client's UDP limit, so that the signed response still fits (§5.3).
pub fn response_len(key: &TsigKey) -> usize {
    // Owner, then TYPE, CLASS, TTL and RDLENGTH; in the RDATA the algorithm, Time Signed (6),
    // Fudge, MAC Size, the MAC, Original ID, Error and Other Len (2 each).
    key.name.as_wire().len() + 10 + key.algorithm.wire().len() + 6 + 2 + 2 + key.algorithm.mac_len() + 2 + 2 + 2
}

/// Server side, RFC 8945 §5.3.2: appends the TSIG of an error response to `message`, the
/// error reply already built (RCODE [`TsigError::rcode`], normally NOTAUTH).
///
/// BADKEY and BADSIG: unsigned (MAC empty), Time Signed `now`. BADTIME: signed with the key,
/// covering the request's MAC; Time Signed is the request's (so the client's own clock check
/// passes and it can read the error) and Other Data is `now` in 48 bits, as BIND does.
/// BADTRUNC: signed, covering the request's MAC. FORMERR: nothing is appended (§5.2: a
/// FORMERR response carries no TSIG).
pub fn append_error(message: &mut Vec<u8>, failure: &TsigFailure, now: u64) {
    let signing_key = match failure.error {
        TsigError::FormErr => return,
        TsigError::BadKey | TsigError::BadSig => None,
        TsigError::BadTime | TsigError::BadTrunc => failure.key.as_ref(),
    };
    let algorithm = match signing_key {
        Some(key) => key.algorithm.name(),
        None => failure.algorithm.clone(),
    };
    let Some(mut tsig) = new_tsig(message, algorithm, now) else {
        return;
    };
    tsig.error = failure.error.code();
    if failure.error == TsigError::BadTime {
        tsig.time_signed = failure.time_signed & MAX_TIME;
        tsig.other = (now & MAX_TIME).to_be_bytes()[2..].to_vec();
    }
    match signing_key {
        Some(key) => {
            append_signed(message, key, Some(&failure.request_mac), tsig, Covers::Variables);
        }
        None => append_record(message, &failure.key_name, &tsig),
    }
}

/// Client side, RFC 8945 §5.1: appends a TSIG record to the request `message` (complete,
/// without TSIG; ARCOUNT is incremented). Returns the MAC, which the response's MAC covers
/// ([`verify_response`]).
///
/// `message` must begin with a header; a shorter buffer is left as it is and the MAC
/// returned is empty.
pub fn sign_request(message: &mut Vec<u8>, key: &TsigKey, now: u64) -> Vec<u8> {
    let Some(tsig) = new_tsig(message, key.algorithm.name(), now) else {
        return Vec::new();
    };
    append_signed(message, key, None, tsig, Covers::Variables)
}

/// Client side, RFC 8945 §5.3 and §5.4: checks a single response to a request signed with
/// `key` whose MAC was `request_mac`.
///
/// A response without TSIG is BADSIG (it is not authenticated); one whose TSIG names another
/// key or algorithm is BADKEY. An unsigned error TSIG (MAC empty) returns the error it
/// reports — unauthenticated, as RFC 8945 §5.3.2 warns. A signed one is checked as a
/// request is ([`verify_request`]: MAC length, MAC, time) and then returns the error it
/// reports, if any (a signed BADTIME verifies when only the clocks differ).
pub fn verify_response(message: &[u8], key: &TsigKey, request_mac: &[u8], now: u64) -> Result<(), TsigError> {
    let msg = Message::parse(message).map_err(|_| TsigError::FormErr)?;
    let received = Received::read(&msg)
        .map_err(|()| TsigError::FormErr)?
        .ok_or(TsigError::BadSig)?;
    received.check_response(key)?;
    let mut digest = Digest::new(key);
    digest.prior_mac(request_mac);
    digest.stripped_message(message, received.at, received.tsig.original_id);
    digest.variables(&received.key_name, &received.tsig);
    received.check_mac(key, digest, now)
}

/// Server side of a multi-message response (zone transfer), RFC 8945 §5.3.1: signs every
/// message. The first MAC covers the request's MAC, the message and the TSIG variables; each
/// later one covers the previous message's MAC, the message and only the timers (Time Signed
/// and Fudge).
pub struct StreamSigner {
    key: TsigKey,
    prior_mac: Vec<u8>,
    first: bool,
}

impl StreamSigner {
    /// A signer for the response to a request whose MAC was `request_mac`.
    pub fn new(key: TsigKey, request_mac: Vec<u8>) -> StreamSigner {
        StreamSigner {
            key,
            prior_mac: request_mac,
            first: true,
        }
    }

    /// Appends the TSIG record to the next message of the stream (complete, without TSIG;
    /// ARCOUNT is incremented). A buffer shorter than a header is left as it is.
    pub fn sign(&mut self, message: &mut Vec<u8>, now: u64) {
        let Some(tsig) = new_tsig(message, self.key.algorithm.name(), now) else {
            return;
        };
        let covers = if self.first { Covers::Variables } else { Covers::Timers };
        self.prior_mac = append_signed(message, &self.key, Some(&self.prior_mac), tsig, covers);
        self.first = false;
    }
}

/// Client side of a multi-message response (zone transfer), RFC 8945 §5.3.1.
///
/// The first message must be signed. Later messages may be unsigned, at most
/// [`MAX_UNSIGNED_IN_A_ROW`] in a row; the next signed message's MAC covers them (the
/// previous MAC, the unsigned messages as received, the signed message, its timers).
/// [`StreamVerifier::finish`] fails when the last message was not signed. After a failure
/// every later call fails with the same error.
pub struct StreamVerifier {
    key: TsigKey,
    /// The MAC input so far: the prior MAC and the unsigned messages since.
    digest: Digest,
    signed_seen: bool,
    unsigned_in_a_row: usize,
    last_signed: bool,
    failed: Option<TsigError>,
}

impl StreamVerifier {
    /// A verifier for the response to a request signed with `key` whose MAC was
    /// `request_mac`.
    pub fn new(key: TsigKey, request_mac: Vec<u8>) -> StreamVerifier {
        let mut digest = Digest::new(&key);
        digest.prior_mac(&request_mac);
        StreamVerifier {
            key,
            digest,
            signed_seen: false,
            unsigned_in_a_row: 0,
            last_signed: false,
            failed: None,
        }
    }

    /// Checks the next message of the stream.
    pub fn verify(&mut self, message: &[u8], now: u64) -> Result<(), TsigError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        let result = self.step(message, now);
        if let Err(error) = result {
            self.failed = Some(error);
        }
        result
    }

    fn step(&mut self, message: &[u8], now: u64) -> Result<(), TsigError> {
        let msg = Message::parse(message).map_err(|_| TsigError::FormErr)?;
        let Some(received) = Received::read(&msg).map_err(|()| TsigError::FormErr)? else {
            if !self.signed_seen {
                return Err(TsigError::BadSig);
            }
            self.unsigned_in_a_row += 1;
            if self.unsigned_in_a_row > MAX_UNSIGNED_IN_A_ROW {
                return Err(TsigError::BadSig);
            }
            self.digest.update(message);
            self.last_signed = false;
            return Ok(());
        };
        received.check_response(&self.key)?;
        let mut next = Digest::new(&self.key);
        next.prior_mac(&received.tsig.mac);
        let mut digest = std::mem::replace(&mut self.digest, next);
        digest.stripped_message(message, received.at, received.tsig.original_id);
        if self.signed_seen {
            digest.timers(&received.tsig);
        } else {
            digest.variables(&received.key_name, &received.tsig);
        }
        received.check_mac(&self.key, digest, now)?;
        self.signed_seen = true;
        self.unsigned_in_a_row = 0;
        self.last_signed = true;
        Ok(())
    }

    /// Call after the last message: fails when it was not signed (or nothing verified).
    pub fn finish(&self) -> Result<(), TsigError> {
        match self.failed {
            Some(error) => Err(error),
            None if self.last_signed => Ok(()),
            None => Err(TsigError::BadSig),
        }
    }
}

/// The TSIG record of a received message.
struct Received {
    /// The owner: the key name.
    key_name: Name,
    tsig: Tsig,
    /// Offset of the TSIG record: the MAC covers the message up to here.
    at: usize,
}

impl Received {
    /// `Ok(None)` without TSIG; `Err` when the TSIG cannot be read or is not of class ANY
    /// and TTL 0 (RFC 8945 §4.2: both MUST), which is FORMERR.
    fn read(msg: &Message<'_>) -> Result<Option<Received>, ()> {
        let (Some(record), Some(at)) = (msg.tsig_record(), msg.tsig_offset()) else {
            return Ok(None);
        };
        if record.class != Class::ANY || record.ttl != 0 {
            return Err(());
        }
        match record.rdata() {
            Ok(RData::TSIG(tsig)) => Ok(Some(Received {
                key_name: record.name.to_name(),
                tsig,
                at,
            })),
            _ => Err(()),
        }
    }

    /// The checks on a response's TSIG before its MAC (RFC 8945 §5.3, §5.4): the key and
    /// algorithm are the request's, an unsigned error reports its error, the MAC length is
    /// allowed.
    fn check_response(&self, key: &TsigKey) -> Result<(), TsigError> {
        if self.key_name != key.name || TsigAlgorithm::from_name(&self.tsig.algorithm) != Some(key.algorithm) {
            return Err(TsigError::BadKey);
        }
        if self.tsig.mac.is_empty() {
            return Err(TsigError::from_code(self.tsig.error).unwrap_or(TsigError::BadSig));
        }
        if !mac_len_allowed(key.algorithm, self.tsig.mac.len()) {
            return Err(TsigError::FormErr);
        }
        Ok(())
    }

    /// The MAC, then the time (RFC 8945 §5.2.3: after the MAC), then the error the
    /// signer reports.
    fn check_mac(&self, key: &TsigKey, digest: Digest, now: u64) -> Result<(), TsigError> {
        if !digest.matches(key, &self.tsig.mac) {
            return Err(TsigError::BadSig);
        }
        if outside_fudge(&self.tsig, now) {
            return Err(TsigError::BadTime);
        }
        match self.tsig.error {
            0 => Ok(()),
            code => Err(TsigError::from_code(code).unwrap_or(TsigError::BadSig)),
        }
    }
}

/// RFC 8945 §5.2.2.1: a MAC no longer than the algorithm's, and (truncated) no shorter than
/// the larger of 10 octets and half the algorithm's.
fn mac_len_allowed(algorithm: TsigAlgorithm, len: usize) -> bool {
    let full = algorithm.mac_len();
    len <= full && len >= (full / 2).max(10)
}

/// RFC 8945 §5.2.3: `now` outside Time Signed ± Fudge.
fn outside_fudge(tsig: &Tsig, now: u64) -> bool {
    now.abs_diff(tsig.time_signed) > u64::from(tsig.fudge)
}

/// A TSIG for `message` with our Fudge, no error and no MAC yet; `None` when `message` is
/// shorter than a header.
fn new_tsig(message: &[u8], algorithm: Name, now: u64) -> Option<Tsig> {
    if message.len() < HEADER_LEN {
        return None;
    }
    Some(Tsig {
        algorithm,
        time_signed: now & MAX_TIME,
        fudge: DEFAULT_FUDGE,
        mac: Vec::new(),
        original_id: u16::from_be_bytes([message[0], message[1]]),
        error: 0,
        other: Vec::new(),
    })
}

/// What the MAC covers after the message (RFC 8945 §4.3.3, §5.3.1).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Covers {
    /// All the TSIG variables.
    Variables,
    /// Only Time Signed and Fudge (later messages of a stream).
    Timers,
}

/// Computes the MAC of `message` (without TSIG) and appends the TSIG record; returns the MAC.
fn append_signed(
    message: &mut Vec<u8>,
    key: &TsigKey,
    prior: Option<&[u8]>,
    mut tsig: Tsig,
    covers: Covers,
) -> Vec<u8> {
    let mut digest = Digest::new(key);
    if let Some(prior) = prior {
        digest.prior_mac(prior);
    }
    digest.update(message);
    match covers {
        Covers::Variables => digest.variables(&key.name, &tsig),
        Covers::Timers => digest.timers(&tsig),
    }
    tsig.mac = digest.finish();
    append_record(message, &key.name, &tsig);
    tsig.mac
}

/// Appends the TSIG record (owner `key_name` uncompressed, class ANY, TTL 0; RFC 8945 §4.2)
/// and counts it in ARCOUNT.
fn append_record(message: &mut Vec<u8>, key_name: &Name, tsig: &Tsig) {
    if message.len() < HEADER_LEN {
        return;
    }
    message.extend_from_slice(key_name.as_wire());
    message.extend_from_slice(&RecordType::TSIG.0.to_be_bytes());
    message.extend_from_slice(&Class::ANY.0.to_be_bytes());
    message.extend_from_slice(&0u32.to_be_bytes());
    let rdlength_at = message.len();
    message.extend_from_slice(&[0, 0]);
    tsig.write(message);
    let rdlength = (message.len() - rdlength_at - 2) as u16;
    message[rdlength_at..rdlength_at + 2].copy_from_slice(&rdlength.to_be_bytes());
    let arcount = u16::from_be_bytes([message[10], message[11]]).saturating_add(1);
    message[10..12].copy_from_slice(&arcount.to_be_bytes());
}

/// The MAC input of RFC 8945 §4.3, fed piece by piece.
enum Digest {
    Ring(hmac::Context),
    Sha224(sha224::HmacSha224),
}

impl Digest {
    fn new(key: &TsigKey) -> Digest {
        let algorithm = match key.algorithm {
            TsigAlgorithm::HmacSha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            TsigAlgorithm::HmacSha224 => return Digest::Sha224(sha224::HmacSha224::new(&key.secret)),
            TsigAlgorithm::HmacSha256 => hmac::HMAC_SHA256,
            TsigAlgorithm::HmacSha384 => hmac::HMAC_SHA384,
            TsigAlgorithm::HmacSha512 => hmac::HMAC_SHA512,
        };
        Digest::Ring(hmac::Context::with_key(&hmac::Key::new(algorithm, &key.secret)))
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Digest::Ring(context) => context.update(data),
            Digest::Sha224(context) => context.update(data),
        }
    }

    /// A prior MAC (the request's, or the previous message's in a stream), its length first
    /// (RFC 8945 §4.3.1, §5.3.1).
    fn prior_mac(&mut self, mac: &[u8]) {
        self.update(&(mac.len() as u16).to_be_bytes());
        self.update(mac);
    }

    /// A received message as it was before its TSIG (at offset `tsig_at`) was added: ID set
    /// back to the Original ID, ARCOUNT one less (RFC 8945 §4.3.2).
    fn stripped_message(&mut self, message: &[u8], tsig_at: usize, original_id: u16) {
        let (Some(header), Some(body)) = (message.get(..HEADER_LEN), message.get(HEADER_LEN..tsig_at)) else {
            return;
        };
        let mut header: [u8; HEADER_LEN] = header.try_into().unwrap_or([0; HEADER_LEN]);
        header[0..2].copy_from_slice(&original_id.to_be_bytes());
        let arcount = u16::from_be_bytes([header[10], header[11]]).saturating_sub(1);
        header[10..12].copy_from_slice(&arcount.to_be_bytes());
        self.update(&header);
        self.update(body);
    }

    /// The TSIG variables (RFC 8945 §4.3.3).
    fn variables(&mut self, key_name: &Name, tsig: &Tsig) {
        self.canonical_name(key_name);
        self.update(&Class::ANY.0.to_be_bytes());
        self.update(&0u32.to_be_bytes());
        self.canonical_name(&tsig.algorithm);
        self.timers(tsig);
        self.update(&tsig.error.to_be_bytes());
        self.update(&(tsig.other.len() as u16).to_be_bytes());
        self.update(&tsig.other);
    }

    /// Time Signed (48 bits) and Fudge (RFC 8945 §4.3.3, §5.3.1).
    fn timers(&mut self, tsig: &Tsig) {
        self.update(&tsig.time_signed.to_be_bytes()[2..]);
        self.update(&tsig.fudge.to_be_bytes());
    }

    /// A name in canonical wire form: uncompressed, lowercase (RFC 8945 §4.3.3).
    fn canonical_name(&mut self, name: &Name) {
        let wire = name.as_wire();
        let mut lower = [0u8; MAX_NAME_LEN];
        let lower = &mut lower[..wire.len()];
        lower.copy_from_slice(wire);
        lower.make_ascii_lowercase();
        self.update(lower);
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Digest::Ring(context) => context.sign().as_ref().to_vec(),
            Digest::Sha224(context) => context.finish().to_vec(),
        }
    }

    /// Whether the computed MAC, truncated to the received one's length (RFC 8945
    /// §5.2.2.1), equals it. The received length is public; the comparison of the octets
    /// is `ring::hmac::verify`'s constant-time one, applied to an HMAC of each side (so it
    /// works on truncated MACs and for SHA-224, which ring lacks).
    fn matches(self, key: &TsigKey, received: &[u8]) -> bool {
        let computed = self.finish();
        let Some(computed) = computed.get(..received.len()) else {
            return false;
        };
        let blind = hmac::Key::new(hmac::HMAC_SHA256, &key.secret);
        hmac::verify(&blind, computed, hmac::sign(&blind, received).as_ref()).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::Header;
    use crate::message::{BuildSection, MessageBuilder};
    use crate::rdata::A;
    use crate::record::Record;

    const NOW: u64 = 1_795_346_041;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn test_key(alg: TsigAlgorithm) -> TsigKey {
        TsigKey::new(n("Test.Key."), alg, b"a shared secret of some length".to_vec())
    }

    fn query(id: u16) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(
            &mut buf,
            Header {
                id,
                ..Header::default()
            },
        );
        b.question(&n("example."), RecordType::SOA, Class::IN).unwrap();
        b.finish();
        buf
    }

    fn answer(id: u16, records: u8) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(
            &mut buf,
            Header {
                id,
                qr: true,
                aa: true,
                ..Header::default()
            },
        );
        b.question(&n("example."), RecordType::AXFR, Class::IN).unwrap();
        for i in 0..records {
            let record = Record {
                name: n(&format!("host{i}.example.")),
                class: Class::IN,
                ttl: 300,
                data: RData::A(A([192, 0, 2, i].into())),
            };
            b.push(BuildSection::Answer, &record).unwrap();
        }
        b.finish();
        buf
    }

    fn tsig_of(message: &[u8]) -> Tsig {
        let msg = Message::parse(message).unwrap();
        Received::read(&msg).unwrap().unwrap().tsig
    }

    /// The message with its TSIG record replaced by `tsig` (same owner).
    fn with_tsig(message: &[u8], tsig: &Tsig) -> Vec<u8> {
        let msg = Message::parse(message).unwrap();
        let received = Received::read(&msg).unwrap().unwrap();
        let mut out = message[..received.at].to_vec();
        let arcount = u16::from_be_bytes([out[10], out[11]]) - 1;
        out[10..12].copy_from_slice(&arcount.to_be_bytes());
        append_record(&mut out, &received.key_name, tsig);
        out
    }

    #[test]
    fn rfc8945_section_5_round_trips() {
        for alg in TsigAlgorithm::ALL {
            let key = test_key(alg);
            let ring = KeyRing::new(vec![key.clone()]);
            let mut request = query(0x1234);
            let request_mac = sign_request(&mut request, &key, NOW);
            assert_eq!(request_mac.len(), alg.mac_len());
            let msg = Message::parse(&request).unwrap();
            assert_eq!(msg.header().arcount, 1);
            let record = msg.tsig_record().unwrap();
            assert_eq!((record.class, record.ttl), (Class::ANY, 0));
            assert!(record.name.eq_name(&key.name));
            let signed = verify_request(&request, &ring, NOW + 300).unwrap().unwrap();
            assert_eq!(
                (signed.mac, signed.time_signed, signed.key),
                (request_mac.clone(), NOW, key.clone())
            );

            let mut response = answer(0x1234, 3);
            let response_mac = sign_response(&mut response, &key, &request_mac, NOW + 1);
            assert_eq!(tsig_of(&response).mac, response_mac);
            assert_eq!(verify_response(&response, &key, &request_mac, NOW - 299), Ok(()));
            assert_eq!(
                verify_response(&response, &key, &response_mac, NOW),
                Err(TsigError::BadSig),
                "{alg}: another request MAC"
            );
        }
    }

    /// What a server reserves for the TSIG is what signing adds, for every algorithm and for
    /// a longer key name.
    #[test]
    fn response_len_is_what_signing_adds() {
        for alg in TsigAlgorithm::ALL {
            for key in [
                test_key(alg),
                TsigKey::new(n("a.longer.key.name.example."), alg, b"s".to_vec()),
            ] {
                let mut message = answer(7, 2);
                let before = message.len();
                sign_response(&mut message, &key, &[1; 32], NOW);
                assert_eq!(message.len() - before, response_len(&key), "{alg}");
            }
        }
    }

    #[test]
    fn messages_without_tsig_are_not_signed() {
        let ring = KeyRing::new(vec![test_key(TsigAlgorithm::HmacSha256)]);
        assert!(verify_request(&query(1), &ring, NOW).unwrap().is_none());
        let k = test_key(TsigAlgorithm::HmacSha256);
        assert_eq!(
            verify_response(&answer(1, 1), &k, &[1; 32], NOW),
            Err(TsigError::BadSig)
        );
        let short = verify_request(&[0; 5], &ring, NOW).unwrap_err();
        assert_eq!(short.error, TsigError::FormErr);
    }

    #[test]
    fn rfc8945_section_5_2_failures() {
        let key = test_key(TsigAlgorithm::HmacSha256);
        let ring = KeyRing::new(vec![key.clone()]);
        let mut request = query(7);
        let mac = sign_request(&mut request, &key, NOW);

        let other = KeyRing::new(vec![TsigKey::new(n("other."), key.algorithm, key.secret.clone())]);
        let f = verify_request(&request, &other, NOW).unwrap_err();
        assert_eq!(
            (f.error, f.key_name.clone(), f.key.is_none()),
            (TsigError::BadKey, key.name.clone(), true)
        );
        assert_eq!(f.algorithm, n("hmac-sha256."));

        let same_name_other_alg = KeyRing::new(vec![TsigKey::new(
            key.name.clone(),
            TsigAlgorithm::HmacSha512,
            key.secret.clone(),
        )]);
        assert_eq!(
            verify_request(&request, &same_name_other_alg, NOW).unwrap_err().error,
            TsigError::BadKey
        );

        let wrong_secret = KeyRing::new(vec![TsigKey::new(key.name.clone(), key.algorithm, b"guess".to_vec())]);
        assert_eq!(
            verify_request(&request, &wrong_secret, NOW).unwrap_err().error,
            TsigError::BadSig
        );

        // Every octet the MAC covers matters: the header, the question, the TSIG fields.
        let tsig_at = Message::parse(&request).unwrap().tsig_offset().unwrap();
        for at in (2..request.len()).filter(|&i| i != 10 && i != 11) {
            let mut changed = request.clone();
            changed[at] ^= 0x20;
            if let Ok(Some(_)) = verify_request(&changed, &ring, NOW) {
                // Only the case of the key and algorithm names may change: the MAC covers
                // their canonical (lowercase) form.
                let owner = tsig_at..tsig_at + key.name.len();
                let algorithm = tsig_at + key.name.len() + 10..tsig_at + key.name.len() + 23;
                assert!(
                    owner.contains(&at) || algorithm.contains(&at),
                    "octet {at} is not covered"
                );
            }
        }

        let f = verify_request(&request, &ring, NOW + 301).unwrap_err();
        assert_eq!(
            (f.error, f.key.as_ref(), f.time_signed),
            (TsigError::BadTime, Some(&key), NOW)
        );
        assert_eq!(f.request_mac, mac);
        assert_eq!(
            verify_request(&request, &ring, NOW - 301).unwrap_err().error,
            TsigError::BadTime
        );
        // A wrong MAC is BADSIG even when the time is wrong too (§5.2.3: MAC first).
        assert_eq!(
            verify_request(&request, &wrong_secret, NOW + 1000).unwrap_err().error,
            TsigError::BadSig
        );
    }

    #[test]
    fn rfc8945_section_5_2_2_1_truncation() {
        let key = test_key(TsigAlgorithm::HmacSha256);
        let ring = KeyRing::new(vec![key.clone()]);
        let mut request = query(9);
        sign_request(&mut request, &key, NOW);
        let full = tsig_of(&request);
        let truncated = |len: usize| {
            let mut t = full.clone();
            t.mac.truncate(len);
            with_tsig(&request, &t)
        };
        // Half of 32 octets is the shortest allowed; the response covers the MAC as sent.
        let signed = verify_request(&truncated(16), &ring, NOW).unwrap().unwrap();
        assert_eq!(signed.mac, full.mac[..16]);
        assert_eq!(
            verify_request(&truncated(15), &ring, NOW).unwrap_err().error,
            TsigError::FormErr
        );
        assert_eq!(
            verify_request(&truncated(0), &ring, NOW).unwrap_err().error,
            TsigError::FormErr
        );
        let mut long = full.clone();
        long.mac.push(0);
        assert_eq!(
            verify_request(&with_tsig(&request, &long), &ring, NOW)
                .unwrap_err()
                .error,
            TsigError::FormErr
        );
        let mut bad = full.mac[..16].to_vec();
        bad[15] ^= 1;
        let t = Tsig {
            mac: bad,
            ..full.clone()
        };
        assert_eq!(
            verify_request(&with_tsig(&request, &t), &ring, NOW).unwrap_err().error,
            TsigError::BadSig
        );
        // For HMAC-SHA1 the floor is 10 octets (more than half of 20).
        let sha1 = test_key(TsigAlgorithm::HmacSha1);
        let mut request = query(9);
        sign_request(&mut request, &sha1, NOW);
        let mut t = tsig_of(&request);
        t.mac.truncate(10);
        let ring = KeyRing::new(vec![sha1.clone()]);
        assert!(verify_request(&with_tsig(&request, &t), &ring, NOW).unwrap().is_some());
        t.mac.truncate(9);
        assert_eq!(
            verify_request(&with_tsig(&request, &t), &ring, NOW).unwrap_err().error,
            TsigError::FormErr
        );
    }

    #[test]
    fn rfc8945_section_4_2_malformed_tsig_is_formerr() {
        let key = test_key(TsigAlgorithm::HmacSha256);
        let ring = KeyRing::new(vec![key.clone()]);
        let mut request = query(3);
        sign_request(&mut request, &key, NOW);
        let at = Message::parse(&request).unwrap().tsig_offset().unwrap();
        let class_at = at + key.name.len() + 2;
        let mut in_class = request.clone();
        in_class[class_at..class_at + 2].copy_from_slice(&Class::IN.0.to_be_bytes());
        assert_eq!(
            verify_request(&in_class, &ring, NOW).unwrap_err().error,
            TsigError::FormErr
        );
        // RDATA one octet short: the Other Len field points past the end.
        let mut short = request.clone();
        short.pop();
        let rdlen_at = class_at + 6;
        let rdlen = u16::from_be_bytes([short[rdlen_at], short[rdlen_at + 1]]) - 1;
        short[rdlen_at..rdlen_at + 2].copy_from_slice(&rdlen.to_be_bytes());
        assert_eq!(
            verify_request(&short, &ring, NOW).unwrap_err().error,
            TsigError::FormErr
        );
        // A TSIG that is not last (RFC 8945 §5.1) does not parse.
        let mut misplaced = request.clone();
        misplaced[10..12].copy_from_slice(&2u16.to_be_bytes());
        crate::edns::Edns::default().write_record(&mut misplaced);
        assert_eq!(
            verify_request(&misplaced, &ring, NOW).unwrap_err().error,
            TsigError::FormErr
        );
    }

    #[test]
    fn rfc8945_section_5_3_2_error_responses() {
        let key = test_key(TsigAlgorithm::HmacSha384);
        let ring = KeyRing::new(vec![key.clone()]);
        let mut request = query(0xabcd);
        let request_mac = sign_request(&mut request, &key, NOW);
        let error_reply = || {
            let mut buf = Vec::new();
            let mut b = MessageBuilder::new(
                &mut buf,
                Header {
                    id: 0xabcd,
                    qr: true,
                    rcode: Rcode::NOTAUTH.0 as u8,
                    ..Header::default()
                },
            );
            b.question(&n("example."), RecordType::SOA, Class::IN).unwrap();
            b.finish();
            buf
        };

        // BADKEY and BADSIG: unsigned, Time Signed is the server's.
        let unknown = KeyRing::new(vec![]);
        let wrong = KeyRing::new(vec![TsigKey::new(key.name.clone(), key.algorithm, b"x".to_vec())]);
        for (ring, error) in [(&unknown, TsigError::BadKey), (&wrong, TsigError::BadSig)] {
            let failure = verify_request(&request, ring, NOW).unwrap_err();
            assert_eq!(failure.error, error);
            assert_eq!(error.rcode(), Rcode::NOTAUTH);
            let mut reply = error_reply();
            append_error(&mut reply, &failure, NOW + 5);
            let t = tsig_of(&reply);
            assert_eq!(
                (t.error, t.mac.len(), t.time_signed, t.original_id),
                (error.code(), 0, NOW + 5, 0xabcd)
            );
            assert_eq!(t.algorithm, n("hmac-sha384."));
            assert_eq!(verify_response(&reply, &key, &request_mac, NOW), Err(error));
        }

        // BADTIME: signed over the request MAC; the request's time, ours in Other Data.
        let late = NOW + 1000;
        let failure = verify_request(&request, &ring, late).unwrap_err();
        assert_eq!(failure.error, TsigError::BadTime);
        let mut reply = error_reply();
        append_error(&mut reply, &failure, late);
        let t = tsig_of(&reply);
        assert_eq!((t.error, t.time_signed, t.mac.len()), (18, NOW, 48));
        assert_eq!(t.other, late.to_be_bytes()[2..]);
        assert_eq!(
            verify_response(&reply, &key, &request_mac, NOW),
            Err(TsigError::BadTime)
        );
        // The MAC is checked before the error is believed.
        assert_eq!(verify_response(&reply, &key, &[0; 48], NOW), Err(TsigError::BadSig));

        // BADTRUNC (never produced by verify_request, but a server may report it).
        let failure = TsigFailure {
            error: TsigError::BadTrunc,
            ..failure
        };
        let mut reply = error_reply();
        append_error(&mut reply, &failure, NOW);
        assert_eq!(tsig_of(&reply).error, 22);
        assert_eq!(
            verify_response(&reply, &key, &request_mac, NOW),
            Err(TsigError::BadTrunc)
        );

        // FORMERR: no TSIG at all.
        let mut reply = error_reply();
        let before = reply.clone();
        append_error(&mut reply, &TsigFailure::formerr(), NOW);
        assert_eq!(reply, before);
        assert_eq!(TsigError::FormErr.rcode(), Rcode::FORMERR);
    }

    #[test]
    fn response_from_another_key_is_badkey() {
        let key = test_key(TsigAlgorithm::HmacSha256);
        let mut response = answer(1, 1);
        sign_response(&mut response, &key, &[1; 32], NOW);
        let renamed = TsigKey::new(n("other."), key.algorithm, key.secret.clone());
        assert_eq!(
            verify_response(&response, &renamed, &[1; 32], NOW),
            Err(TsigError::BadKey)
        );
        let realg = TsigKey::new(key.name.clone(), TsigAlgorithm::HmacSha1, key.secret.clone());
        assert_eq!(
            verify_response(&response, &realg, &[1; 32], NOW),
            Err(TsigError::BadKey)
        );
        assert_eq!(
            verify_response(&response, &key, &[1; 32], NOW + 301),
            Err(TsigError::BadTime)
        );
    }

    /// Signs message `i` of a stream only when `signed(i)`, the way RFC 8945 §5.3.1 allows,
    /// with the module's own pieces (StreamSigner signs every message).
    fn sparse_stream(key: &TsigKey, request_mac: &[u8], count: usize, signed: impl Fn(usize) -> bool) -> Vec<Vec<u8>> {
        let mut prior = request_mac.to_vec();
        let mut pending: Vec<Vec<u8>> = Vec::new();
        let mut out = Vec::new();
        for i in 0..count {
            let mut message = answer(0x77, (i % 5) as u8 + 1);
            if !signed(i) {
                pending.push(message.clone());
                out.push(message);
                continue;
            }
            let mut tsig = new_tsig(&message, key.algorithm.name(), NOW + i as u64).unwrap();
            let mut digest = Digest::new(key);
            digest.prior_mac(&prior);
            for p in pending.drain(..) {
                digest.update(&p);
            }
            digest.update(&message);
            if i == 0 {
                digest.variables(&key.name, &tsig);
            } else {
                digest.timers(&tsig);
            }
            tsig.mac = digest.finish();
            prior = tsig.mac.clone();
            append_record(&mut message, &key.name, &tsig);
            out.push(message);
        }
        out
    }

    #[test]
    fn rfc8945_section_5_3_1_streams() {
        for alg in TsigAlgorithm::ALL {
            let key = test_key(alg);
            let request_mac = vec![0x5a; alg.mac_len()];
            // Every message signed by StreamSigner.
            let mut signer = StreamSigner::new(key.clone(), request_mac.clone());
            let mut verifier = StreamVerifier::new(key.clone(), request_mac.clone());
            for i in 0..4u8 {
                let mut message = answer(0x77, i + 1);
                signer.sign(&mut message, NOW);
                assert_eq!(verifier.verify(&message, NOW + 10), Ok(()), "{alg} message {i}");
            }
            assert_eq!(verifier.finish(), Ok(()));
            // The first message covers the variables, later ones only the timers: the first
            // signed message of a stream is a plain response.
            let mut first = answer(0x77, 1);
            StreamSigner::new(key.clone(), request_mac.clone()).sign(&mut first, NOW);
            assert_eq!(verify_response(&first, &key, &request_mac, NOW), Ok(()));

            // Unsigned messages in the middle are covered by the next signed one.
            let stream = sparse_stream(&key, &request_mac, 7, |i| [0, 3, 6].contains(&i));
            let mut verifier = StreamVerifier::new(key.clone(), request_mac.clone());
            for (i, message) in stream.iter().enumerate() {
                assert_eq!(verifier.verify(message, NOW), Ok(()), "{alg} message {i}");
            }
            assert_eq!(verifier.finish(), Ok(()));

            // A changed unsigned message is caught by the next signed one.
            let mut changed = stream.clone();
            let last = changed[4].len() - 1;
            changed[4][last] ^= 1;
            let mut verifier = StreamVerifier::new(key.clone(), request_mac.clone());
            let results: Vec<_> = changed.iter().map(|m| verifier.verify(m, NOW)).collect();
            assert_eq!(results[..6], [Ok(()), Ok(()), Ok(()), Ok(()), Ok(()), Ok(())]);
            assert_eq!(results[6], Err(TsigError::BadSig));
            assert_eq!(verifier.verify(&stream[0], NOW), Err(TsigError::BadSig), "stays failed");
            assert_eq!(verifier.finish(), Err(TsigError::BadSig));
        }
    }

    #[test]
    fn rfc8945_section_5_3_1_stream_failures() {
        let key = test_key(TsigAlgorithm::HmacSha256);
        let mac = vec![1; 32];
        // The first message must be signed.
        let stream = sparse_stream(&key, &mac, 3, |i| i > 0);
        let mut v = StreamVerifier::new(key.clone(), mac.clone());
        assert_eq!(v.verify(&stream[0], NOW), Err(TsigError::BadSig));
        // The last message must be signed.
        let stream = sparse_stream(&key, &mac, 3, |i| i == 0);
        let mut v = StreamVerifier::new(key.clone(), mac.clone());
        for m in &stream {
            assert_eq!(v.verify(m, NOW), Ok(()));
        }
        assert_eq!(v.finish(), Err(TsigError::BadSig));
        // 99 unsigned in a row are allowed, 100 are not.
        for (count, ok) in [(101, true), (102, false)] {
            let stream = sparse_stream(&key, &mac, count, |i| i == 0 || i == count - 1);
            let mut v = StreamVerifier::new(key.clone(), mac.clone());
            let result = stream.iter().try_for_each(|m| v.verify(m, NOW));
            assert_eq!(result.is_ok() && v.finish().is_ok(), ok, "{count}");
        }
        // The wrong request MAC fails the first message; so does time.
        let stream = sparse_stream(&key, &mac, 2, |_| true);
        let mut v = StreamVerifier::new(key.clone(), vec![2; 32]);
        assert_eq!(v.verify(&stream[0], NOW), Err(TsigError::BadSig));
        let mut v = StreamVerifier::new(key.clone(), mac.clone());
        assert_eq!(v.verify(&stream[0], NOW + 1000), Err(TsigError::BadTime));
        // Messages out of order break the chain of MACs.
        let mut v = StreamVerifier::new(key.clone(), mac.clone());
        let stream = sparse_stream(&key, &mac, 3, |_| true);
        assert_eq!(v.verify(&stream[0], NOW), Ok(()));
        assert_eq!(v.verify(&stream[2], NOW), Err(TsigError::BadSig));
    }

    #[test]
    fn short_buffers_are_left_alone() {
        let key = test_key(TsigAlgorithm::HmacSha256);
        let mut short = vec![1, 2, 3];
        assert!(sign_request(&mut short, &key, NOW).is_empty());
        assert!(sign_response(&mut short, &key, &[], NOW).is_empty());
        StreamSigner::new(key.clone(), vec![]).sign(&mut short, NOW);
        assert_eq!(short, [1, 2, 3]);
    }

    #[test]
    fn error_codes() {
        for e in [
            TsigError::BadSig,
            TsigError::BadKey,
            TsigError::BadTime,
            TsigError::BadTrunc,
        ] {
            assert_eq!(TsigError::from_code(e.code()), Some(e));
            assert_eq!(Rcode(e.code()).to_string().replace("BADVERS", "BADSIG"), e.to_string());
        }
        assert_eq!(TsigError::from_code(0), None);
    }
}
