//! The property the `bind_keys` target checks, kept apart from libFuzzer so that
//! `crates/banyan-wire/tests/fuzz_regressions.rs` includes this file and runs the committed
//! corpus through the same check.
//!
//! The input is arbitrary UTF-8 read as a BIND key file (`parse_bind_keys`): it must never
//! panic, and every key it returns, written back as a `key` statement (by [`write_key`]) and
//! read again, must give the same key, its name's case included. All the keys written
//! together must read back as the same list.

use std::fmt::Write as _;

use banyan_wire::text::base64_encode;
use banyan_wire::tsig::{parse_bind_keys, TsigKey};

/// A key as BIND writes it (`tsig-keygen`): `key "NAME" { algorithm ALG; secret "BASE64"; };`,
/// the name in presentation form with its escapes, which a BIND quoted string keeps as they
/// are (`\"` excepted, which stands for `"`, as the name's own escape does).
pub fn write_key(key: &TsigKey) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "key \"{}\" {{ algorithm {}; secret \"{}\"; }};",
        key.name,
        key.algorithm.mnemonic(),
        base64_encode(&key.secret)
    );
    out
}

/// Checks one key file; returns how many keys it held.
pub fn check_bind_keys(text: &str) -> usize {
    let Ok(keys) = parse_bind_keys(text) else {
        return 0;
    };
    let mut all = String::new();
    for key in &keys {
        assert!(!key.secret.is_empty(), "a key has a secret");
        let written = write_key(key);
        match parse_bind_keys(&written) {
            Ok(back) => {
                assert_eq!(back.len(), 1, "one key written, one read: {written:?}");
                assert_same(&back[0], key, &written);
            }
            Err(e) => panic!("a key written back does not parse: {written:?}: {e}"),
        }
        all.push_str(&written);
        all.push('\n');
    }
    match parse_bind_keys(&all) {
        Ok(back) => {
            assert_eq!(back.len(), keys.len(), "as many keys read back: {all:?}");
            for (b, k) in back.iter().zip(&keys) {
                assert_same(b, k, &all);
            }
        }
        Err(e) => panic!("the keys written back do not parse: {all:?}: {e}"),
    }
    keys.len()
}

/// Equal keys, and names with the same octets (names compare ignoring case).
fn assert_same(back: &TsigKey, key: &TsigKey, written: &str) {
    assert_eq!(back, key, "key round trip through {written:?}");
    assert_eq!(
        back.name.as_wire(),
        key.name.as_wire(),
        "key name round trip (case included) through {written:?}"
    );
}
