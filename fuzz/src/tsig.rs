//! The property the `tsig` target checks, kept apart from libFuzzer so that
//! `crates/banyan-wire/tests/fuzz_regressions.rs` includes this file and runs the committed
//! corpus through the same check.
//!
//! The input is one DNS message, as a server or client receives it. It is verified against a
//! fixed key ring (the five keys of BIND's `keys.conf` in
//! `crates/banyan-wire/tests/data/tsig/`, one per algorithm) at a fixed clock ([`NOW`], the
//! time those fixtures were made, so that BIND's signed requests verify):
//!
//! - `verify_request` never panics; a failure is answered as a server would (an error reply
//!   with `append_error`), and where the failure carries a key (BADTIME), the client reading
//!   that reply with `verify_response` gets the same error back;
//! - for every key, `verify_response` (with the fixed request MAC [`REQUEST_MAC`]) and the
//!   first message of a `StreamVerifier` agree (RFC 8945 §5.3.1: the first message of a
//!   stream is checked as a single response); a failed stream stays failed;
//! - the message without its TSIG (the input as it is when it has none), signed with each key
//!   by `sign_request`, verifies with that key, fails with BADTIME past the Fudge, and stops
//!   verifying when any octet the MAC covers (anything before the TSIG but the ID, which
//!   the TSIG's Original ID stands in for) is changed.

use std::sync::OnceLock;

use banyan_wire::tsig::{
    append_error, parse_bind_keys, sign_request, verify_request, verify_response, KeyRing, StreamVerifier, TsigError,
    TsigKey, DEFAULT_FUDGE,
};
use banyan_wire::Message;

/// The clock of every check: the Time Signed of BIND's fixtures (2026-11-22).
pub const NOW: u64 = 1_795_346_041;

/// The request MAC that responses are checked against (any length is allowed as a prior
/// MAC, RFC 8945 §4.3.1); seeds for `verify_response` are signed over it.
pub const REQUEST_MAC: &[u8] = b"the request MAC of the tsig fuzz target";

/// The keys of `crates/banyan-wire/tests/data/tsig/keys.conf` (test keys made by
/// `tsig-keygen` for the BIND fixtures, used nowhere else).
pub const KEYS: &str = r#"
key "sha1.key" { algorithm hmac-sha1; secret "KkHBVX/4FczQYkyuuAGoummUITI="; };
key "sha224.key" { algorithm hmac-sha224; secret "chMkysasAOC7Tgsp0i+era1TC3BF8rlqRtTzqg=="; };
key "sha256.key" { algorithm hmac-sha256; secret "Hse7RNyVwNuSvQbGjuwMkhB/x2vESyYVhUMLfnOuzog="; };
key "sha384.key" { algorithm hmac-sha384;
    secret "kQPse9xCZRsZy8H1klqAKwjX98ku0cCryvVF1lASZEqHLBLRMi9mk/6goc0Xs30B"; };
key "sha512.key" { algorithm hmac-sha512;
    secret "XBRK00QVSzy4aGMfld/egL+p8JJIs/3V+gTX6FdejmU6FSl06qaHytKJvQc/OT7YQXTki2SC9ymWsBrMKn0Cgg=="; };
"#;

/// The fixed key ring ([`KEYS`]), read once.
pub fn key_ring() -> &'static KeyRing {
    static RING: OnceLock<KeyRing> = OnceLock::new();
    RING.get_or_init(|| KeyRing::new(parse_bind_keys(KEYS).expect("the fixed keys parse")))
}

/// Checks one message; returns whether it carried a TSIG that verified as a request.
pub fn check_tsig(data: &[u8]) -> bool {
    let ring = key_ring();
    let verified = match verify_request(data, ring, NOW) {
        Ok(Some(signed)) => {
            let key = ring
                .get(&signed.key.name)
                .expect("the key verified with is in the ring");
            assert_eq!(key, &signed.key, "the key verified with is the ring's");
            true
        }
        Ok(None) => false,
        Err(failure) => {
            // The error response a server sends: the request's header turned into a reply.
            if data.len() >= 12 {
                let mut reply = data[..12].to_vec();
                reply[2] |= 0x80;
                reply[3] = (reply[3] & 0xf0) | failure.error.rcode().0 as u8;
                reply[4..12].fill(0);
                append_error(&mut reply, &failure, NOW);
                if failure.error == TsigError::FormErr {
                    assert_eq!(reply.len(), 12, "a FORMERR reply carries no TSIG");
                } else {
                    let msg = Message::parse(&reply).expect("an error reply parses");
                    assert!(msg.tsig_record().is_some(), "a TSIG error reply carries a TSIG");
                    if let Some(key) = &failure.key {
                        assert_eq!(
                            verify_response(&reply, key, &failure.request_mac, NOW),
                            Err(failure.error),
                            "the client reads the signed error the server reported"
                        );
                    }
                }
            }
            false
        }
    };

    for key in ring.iter() {
        let single = verify_response(data, key, REQUEST_MAC, NOW);
        let mut stream = StreamVerifier::new(key.clone(), REQUEST_MAC.to_vec());
        let first = stream.verify(data, NOW);
        assert_eq!(
            first, single,
            "{key:?}: a stream's first message is checked as a response"
        );
        match first {
            Ok(()) => {
                assert_eq!(stream.finish(), Ok(()), "a stream ending on a signed message");
                // The same message again: its MAC no longer follows (the prior MAC changed),
                // unless it is unsigned, which a stream allows after a signed message.
                let _ = stream.verify(data, NOW);
            }
            Err(error) => {
                assert_eq!(stream.verify(data, NOW), Err(error), "a failed stream stays failed");
                assert_eq!(stream.finish(), Err(error), "a failed stream does not finish");
            }
        }
    }

    if let Some(unsigned) = without_tsig(data) {
        for key in ring.iter() {
            check_round_trip(&unsigned, key, ring);
        }
    }
    verified
}

/// `data` as it was before its TSIG was added (the TSIG record cut off, ARCOUNT one less),
/// or `data` itself without TSIG; `None` when either does not parse.
///
/// A message with a TSIG may parse while its part before the TSIG does not (found by this
/// target, `corpus/tsig/crash-name-runs-into-the-tsig-record`): a compression pointer must
/// point backwards, but the name it points at may run on past the pointer into the TSIG
/// record. Such a message was never signed as it stands, since the signer's message parsed
/// before the TSIG was added, and only a holder of the key can make one that verifies; so
/// `verify_request` need not refuse it, and this check skips it.
fn without_tsig(data: &[u8]) -> Option<Vec<u8>> {
    let msg = Message::parse(data).ok()?;
    let Some(at) = msg.tsig_offset() else {
        return Some(data.to_vec());
    };
    let mut out = data[..at].to_vec();
    let arcount = msg.header().arcount - 1;
    out[10..12].copy_from_slice(&arcount.to_be_bytes());
    Message::parse(&out).ok()?;
    Some(out)
}

/// Sign → verify with `key`; too late → BADTIME; one changed octet → no longer verified.
fn check_round_trip(unsigned: &[u8], key: &TsigKey, ring: &KeyRing) {
    let header = *Message::parse(unsigned).expect("checked by the caller").header();
    if header.arcount == u16::MAX {
        // No room to count one more record.
        return;
    }
    let mut signed = unsigned.to_vec();
    let mac = sign_request(&mut signed, key, NOW);
    assert_eq!(mac.len(), key.algorithm.mac_len(), "{key:?}: a full-length MAC");
    match verify_request(&signed, ring, NOW) {
        Ok(Some(request)) => {
            assert_eq!(&request.key, key, "verified with the key it was signed with");
            assert_eq!(request.mac, mac, "the MAC sign_request returned is the one sent");
            assert_eq!(request.time_signed, NOW);
        }
        other => panic!("{key:?}: a message signed by sign_request does not verify: {other:?}"),
    }
    let late = verify_request(&signed, ring, NOW + u64::from(DEFAULT_FUDGE) + 1);
    assert!(
        matches!(&late, Err(f) if f.error == TsigError::BadTime && f.key.as_ref() == Some(key)),
        "{key:?}: past the Fudge: {late:?}"
    );

    // One octet changed, somewhere after the ID and before the TSIG, chosen by the input.
    let covered = 2..unsigned.len();
    let spread = unsigned.iter().fold(key.algorithm.mac_len(), |h, &b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    let at = covered.start + spread % covered.len();
    let mask = (spread >> 8) as u8 | 1;
    let mut changed = signed.clone();
    changed[at] ^= mask;
    let result = verify_request(&changed, ring, NOW);
    assert!(
        !matches!(result, Ok(Some(_))),
        "{key:?}: octet {at} changed (^{mask:#04x}) and the MAC still verifies"
    );
}
