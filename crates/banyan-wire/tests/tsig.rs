//! TSIG (RFC 8945) against messages made by BIND 9.18's `dig`, `nsupdate` and `named`, and
//! against keys made by `tsig-keygen`: tests/data/tsig/README.md says how each was made.
//! Each exchange is checked both ways: our verifier accepts theirs, and our signer, given
//! the same message and time, writes the very octets BIND wrote.

use banyan_wire::tsig::{
    append_error, parse_bind_keys, sign_request, sign_response, verify_request, verify_response, KeyRing, StreamSigner,
    StreamVerifier, TsigAlgorithm, TsigError, TsigKey,
};
use banyan_wire::{Message, Name, RData, Rcode};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tsig/");

/// The secret `dig -y` was given for the BADKEY and BADSIG exchanges (see their comments).
const STRANGER_SECRET: &str = "QESBSCvi/RRf4UyYFI02pimMCDW2a9AYIEmckEkQar8=";

/// A fixture: the messages from the client (`>`) and from the server (`<`), in order.
struct Exchange {
    requests: Vec<Vec<u8>>,
    responses: Vec<Vec<u8>>,
}

fn exchange(file: &str) -> Exchange {
    let text = std::fs::read_to_string(format!("{DATA}{file}")).expect("fixture present");
    let mut ex = Exchange {
        requests: Vec::new(),
        responses: Vec::new(),
    };
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (direction, hex) = line.split_once(' ').expect("direction and hex");
        let bytes = banyan_wire::text::hex_decode(hex).expect("hex");
        match direction {
            ">" => ex.requests.push(bytes),
            "<" => ex.responses.push(bytes),
            _ => panic!("bad line in {file}: {line}"),
        }
    }
    ex
}

fn keys() -> KeyRing {
    let text = std::fs::read_to_string(format!("{DATA}keys.conf")).expect("keys.conf");
    KeyRing::new(parse_bind_keys(&text).expect("tsig-keygen output parses"))
}

fn key(name: &str) -> TsigKey {
    keys()
        .get(&name.parse().expect("name"))
        .expect("key in keys.conf")
        .clone()
}

/// The TSIG fields of a message: (MAC, Time Signed, error, other data).
fn tsig(message: &[u8]) -> (Vec<u8>, u64, u16, Vec<u8>) {
    let msg = Message::parse(message).expect("parses");
    match msg.tsig_record().expect("has TSIG").rdata().expect("TSIG RDATA") {
        RData::TSIG(t) => (t.mac, t.time_signed, t.error, t.other),
        other => panic!("not TSIG: {other:?}"),
    }
}

/// The message as it was before its TSIG was added.
fn without_tsig(message: &[u8]) -> Vec<u8> {
    let at = Message::parse(message)
        .expect("parses")
        .tsig_offset()
        .expect("has TSIG");
    let mut out = message[..at].to_vec();
    let arcount = u16::from_be_bytes([out[10], out[11]]) - 1;
    out[10..12].copy_from_slice(&arcount.to_be_bytes());
    out
}

/// `key` with one bit of its secret changed.
fn altered(key: &TsigKey) -> KeyRing {
    let mut other = key.clone();
    other.secret[0] ^= 1;
    KeyRing::new(vec![other])
}

#[test]
fn tsig_keygen_output_parses() {
    let ring = keys();
    let expected = [
        ("sha1.key.", TsigAlgorithm::HmacSha1),
        ("sha224.key.", TsigAlgorithm::HmacSha224),
        ("sha256.key.", TsigAlgorithm::HmacSha256),
        ("sha384.key.", TsigAlgorithm::HmacSha384),
        ("sha512.key.", TsigAlgorithm::HmacSha512),
    ];
    assert_eq!(ring.len(), expected.len());
    for ((name, alg), key) in expected.iter().zip(ring.iter()) {
        assert_eq!(key.name, name.parse::<Name>().unwrap());
        assert_eq!(key.algorithm, *alg);
        // tsig-keygen makes secrets as long as the hash.
        assert_eq!(key.secret.len(), alg.mac_len(), "{name}");
    }
    let spec = "hmac-sha1:sha1.key:KkHBVX/4FczQYkyuuAGoummUITI=";
    assert_eq!(&TsigKey::from_dig_spec(spec).unwrap(), ring.iter().next().unwrap());
}

/// A request and its response from `dig -y` and `named`, each algorithm.
#[test]
fn dig_queries_and_named_answers() {
    let ring = keys();
    for alg in TsigAlgorithm::ALL {
        let short = alg.mnemonic().trim_start_matches("hmac-");
        let ex = exchange(&format!("query-hmac-{short}.txt"));
        let (request, response) = (&ex.requests[0], &ex.responses[0]);
        let key = key(&format!("{short}.key."));
        let (request_mac, time, _, _) = tsig(request);

        let signed = verify_request(request, &ring, time).unwrap().expect("signed");
        assert_eq!(
            (&signed.key, &signed.mac, signed.time_signed),
            (&key, &request_mac, time)
        );
        assert_eq!(
            verify_request(request, &altered(&key), time).unwrap_err().error,
            TsigError::BadSig
        );
        assert_eq!(
            verify_request(request, &KeyRing::default(), time).unwrap_err().error,
            TsigError::BadKey
        );
        assert_eq!(
            verify_request(request, &ring, time + 301).unwrap_err().error,
            TsigError::BadTime
        );
        assert!(verify_request(request, &ring, time + 300).is_ok());

        let (_, response_time, _, _) = tsig(response);
        assert_eq!(
            verify_response(response, &key, &request_mac, response_time),
            Ok(()),
            "{alg}"
        );
        let mut wrong_mac = request_mac.clone();
        wrong_mac[0] ^= 1;
        assert_eq!(
            verify_response(response, &key, &wrong_mac, response_time),
            Err(TsigError::BadSig)
        );

        // Our signer writes what dig and named wrote.
        let mut ours = without_tsig(request);
        assert_eq!(sign_request(&mut ours, &key, time), request_mac);
        assert_eq!(&ours, request, "{alg} request");
        let mut ours = without_tsig(response);
        sign_response(&mut ours, &key, &request_mac, response_time);
        assert_eq!(&ours, response, "{alg} response");
    }
}

/// An UPDATE from `nsupdate -y` and named's answer.
#[test]
fn nsupdate_update() {
    let ring = keys();
    let ex = exchange("update-hmac-sha256.txt");
    let (request, response) = (&ex.requests[0], &ex.responses[0]);
    let (request_mac, time, _, _) = tsig(request);
    let signed = verify_request(request, &ring, time).unwrap().expect("signed");
    assert_eq!(Message::parse(request).unwrap().header().opcode, 5);
    let (_, response_time, _, _) = tsig(response);
    assert_eq!(
        verify_response(response, &signed.key, &request_mac, response_time),
        Ok(())
    );
    let mut ours = without_tsig(response);
    sign_response(&mut ours, &signed.key, &request_mac, response_time);
    assert_eq!(&ours, response);
}

/// A zone transfer from named, six messages each signed (RFC 8945 §5.3.1).
#[test]
fn named_axfr_stream() {
    let ring = keys();
    let ex = exchange("axfr-hmac-sha256.txt");
    let request = &ex.requests[0];
    let (request_mac, time, _, _) = tsig(request);
    let key = verify_request(request, &ring, time).unwrap().expect("signed").key;
    assert_eq!(ex.responses.len(), 6);

    let mut verifier = StreamVerifier::new(key.clone(), request_mac.clone());
    let mut signer = StreamSigner::new(key.clone(), request_mac.clone());
    for (i, message) in ex.responses.iter().enumerate() {
        let (_, message_time, _, _) = tsig(message);
        assert_eq!(verifier.verify(message, message_time), Ok(()), "message {i}");
        let mut ours = without_tsig(message);
        signer.sign(&mut ours, message_time);
        assert_eq!(&ours, message, "message {i}");
    }
    assert_eq!(verifier.finish(), Ok(()));

    // A record changed in the fourth message.
    let mut changed = ex.responses.clone();
    changed[3][40] ^= 1;
    let mut verifier = StreamVerifier::new(key.clone(), request_mac.clone());
    let results: Vec<_> = changed.iter().map(|m| verifier.verify(m, time)).collect();
    assert_eq!(results[2], Ok(()));
    assert_eq!(results[3], Err(TsigError::BadSig));
    // The stream cut short after an unsigned message (the last one's TSIG removed).
    let mut verifier = StreamVerifier::new(key, request_mac);
    for message in &ex.responses[..5] {
        assert_eq!(verifier.verify(message, time), Ok(()));
    }
    assert_eq!(verifier.verify(&without_tsig(&ex.responses[5]), time), Ok(()));
    assert_eq!(verifier.finish(), Err(TsigError::BadSig));
}

/// named's answers to a request with a key it does not know (BADKEY) and with a wrong
/// secret (BADSIG): NOTAUTH with an unsigned TSIG (RFC 8945 §5.3.2), which our
/// append_error reproduces.
#[test]
fn named_badkey_and_badsig() {
    let ring = keys();
    let stranger = |name: &str| TsigKey::from_dig_spec(&format!("hmac-sha256:{name}:{STRANGER_SECRET}")).unwrap();
    for (file, client_key, error) in [
        ("badkey-hmac-sha256.txt", stranger("unknown.key"), TsigError::BadKey),
        ("badsig-hmac-sha256.txt", stranger("sha256.key"), TsigError::BadSig),
    ] {
        let ex = exchange(file);
        let (request, response) = (&ex.requests[0], &ex.responses[0]);
        let (request_mac, time, _, _) = tsig(request);
        // dig signed with the stranger's secret.
        let theirs = KeyRing::new(vec![client_key.clone()]);
        assert!(verify_request(request, &theirs, time).unwrap().is_some());

        let failure = verify_request(request, &ring, time).unwrap_err();
        assert_eq!(failure.error, error);
        let reply = Message::parse(response).unwrap();
        assert_eq!(reply.rcode(), Rcode::NOTAUTH);
        assert_eq!(failure.error.rcode(), Rcode::NOTAUTH);
        let (mac, named_time, code, _) = tsig(response);
        assert_eq!((mac.len(), code), (0, error.code()));

        let mut ours = without_tsig(response);
        append_error(&mut ours, &failure, named_time);
        assert_eq!(&ours, response, "{file}");

        assert_eq!(verify_response(response, &client_key, &request_mac, time), Err(error));
    }
}

/// named's answer to a request signed (by us) 1000 s in the past: BADTIME, signed, Time
/// Signed the request's and named's time in Other Data, which our append_error reproduces.
#[test]
fn named_badtime() {
    let ring = keys();
    let key = key("sha256.key.");
    let ex = exchange("badtime-hmac-sha256.txt");
    let (request, response) = (&ex.requests[0], &ex.responses[0]);
    let (request_mac, time, _, _) = tsig(request);
    let (_, response_time, code, other) = tsig(response);
    assert_eq!((response_time, code), (time, 18));
    let named_now = other.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
    assert!(named_now >= time + 1000, "named's clock in Other Data");

    let failure = verify_request(request, &ring, named_now).unwrap_err();
    assert_eq!(failure.error, TsigError::BadTime);
    let mut ours = without_tsig(response);
    append_error(&mut ours, &failure, named_now);
    assert_eq!(&ours, response);

    assert_eq!(
        verify_response(response, &key, &request_mac, time),
        Err(TsigError::BadTime)
    );
    let mut wrong_mac = request_mac.clone();
    wrong_mac[5] ^= 1;
    assert_eq!(
        verify_response(response, &key, &wrong_mac, time),
        Err(TsigError::BadSig)
    );
}

/// Requests signed by our sign_request, answered by named with NOERROR and a signed answer
/// (named answers NOTAUTH when a MAC does not verify), among them HMAC-SHA224, which this
/// crate computes itself.
#[test]
fn named_accepts_our_requests() {
    for (file, name) in [
        ("ours-hmac-sha224.txt", "sha224.key."),
        ("ours-hmac-sha256.txt", "sha256.key."),
    ] {
        let key = key(name);
        let ex = exchange(file);
        let (request, response) = (&ex.requests[0], &ex.responses[0]);
        let (request_mac, time, _, _) = tsig(request);
        let mut again = without_tsig(request);
        sign_request(&mut again, &key, time);
        assert_eq!(&again, request);
        let reply = Message::parse(response).unwrap();
        assert_eq!((reply.rcode(), reply.answers().count()), (Rcode::NOERROR, 1), "{file}");
        let (_, response_time, _, _) = tsig(response);
        assert_eq!(
            verify_response(response, &key, &request_mac, response_time),
            Ok(()),
            "{file}"
        );
    }
}
