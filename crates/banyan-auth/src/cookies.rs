//! DNS Cookies (RFC 7873) for the authoritative server, with the interoperable server
//! cookies of RFC 9018.
//!
//! A server cookie proves that a client has talked to this server from its address before:
//! it is a keyed hash of the client cookie, the client's address and a timestamp, so the
//! server keeps no state per client, and any server sharing the secret (an anycast set)
//! accepts the cookies of the others (RFC 9018 §1). What [`check`] decides is applied to
//! the response in [`crate::respond`]; the secret and whether cookies are required come
//! from [`CookieConfig`].
//!
//! The hash is SipHash-2-4 ([`siphash24`]), as RFC 9018 §4.4 prescribes; it is implemented
//! here because the crypto library in use (*ring*) has none.

use std::net::IpAddr;

use banyan_wire::edns::Cookie;

/// Whether and how the server answers DNS Cookies (RFC 7873 §5.2). Off (`None` in
/// [`crate::AuthConfig::cookies`]) a COOKIE option in a request is ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieConfig {
    /// The key of the server cookie's hash (RFC 9018 §4.4): 16 random octets, the same on
    /// every server of an anycast set. `banyan serve` draws one at start unless configured.
    pub secret: [u8; 16],
    /// Require a valid server cookie over UDP (RFC 7873 §5.2.3, §5.2.4): a QUERY without
    /// one gets BADCOOKIE with a fresh cookie (when it sent a client cookie) or an empty
    /// truncated reply (when it sent none), so that only clients whose address is proven,
    /// or who come over TCP, get answers. TCP is never refused for cookies.
    pub require: bool,
}

/// The server cookie's version (RFC 9018 §4.2).
pub const VERSION: u8 = 1;

/// The length of the server cookies made here (RFC 9018 §4.2): version, three reserved
/// octets, timestamp, hash.
pub const SERVER_COOKIE_LEN: usize = 16;

/// A server cookie is honoured until it is this many seconds old (RFC 9018 §4.3: one hour).
pub const MAX_AGE: u32 = 3600;

/// A server cookie stamped up to this many seconds in the future is honoured, for clocks
/// slightly apart in an anycast set (RFC 9018 §4.3: five minutes).
pub const MAX_FUTURE: u32 = 300;

/// A valid server cookie older than this many seconds is replaced by a fresh one in the
/// response (RFC 9018 §4.3: "older than half an hour"), so a busy client never sees its
/// cookie expire.
pub const REFRESH_AGE: u32 = 1800;

/// What a request's COOKIE option shows about its sender (RFC 7873 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Only a client cookie (RFC 7873 §5.2.3): a first contact, or a client that lost its
    /// server cookie.
    ClientOnly,
    /// A server cookie this server made for this client within the last hour (RFC 7873
    /// §5.2.5, RFC 9018 §4.3): the client's address is proven. `refresh` when it is older
    /// than [`REFRESH_AGE`] and a new one should be sent.
    Valid {
        /// Send a fresh server cookie in place of the received one.
        refresh: bool,
    },
    /// A server cookie that is not ours, not for this address or client cookie, of another
    /// version or length, or expired (RFC 7873 §5.2.4).
    Invalid,
}

impl Verdict {
    /// Whether the sender's address is proven by a valid server cookie.
    pub fn is_valid(self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }
}

/// Whether the query `message` from `client` carries a valid server cookie (RFC 7873
/// §5.2.5): its sender's address is proven. For the server's rate limiter, which asks only
/// about a response it is about to withhold, so the query is read a second time only then.
pub fn proven(secret: &[u8; 16], message: &[u8], client: IpAddr, now: u64) -> bool {
    let Ok(msg) = banyan_wire::Message::parse(message) else {
        return false;
    };
    let Some(Ok(edns)) = msg.edns() else {
        return false;
    };
    match edns.option(banyan_wire::edns::code::COOKIE) {
        Some(banyan_wire::edns::EdnsOption::Cookie(c)) => check(secret, c, client, now).is_valid(),
        _ => false,
    }
}

/// Judges the COOKIE option `cookie` of a request from `client` at `now` (seconds since
/// 1970; only its low 32 bits count, RFC 9018 §4.3 comparing timestamps in serial number
/// arithmetic, RFC 1982).
pub fn check(secret: &[u8; 16], cookie: &Cookie, client: IpAddr, now: u64) -> Verdict {
    let Some(server) = cookie.server.as_deref() else {
        return Verdict::ClientOnly;
    };
    let Ok(server) = <&[u8; SERVER_COOKIE_LEN]>::try_from(server) else {
        // Another length is another server's (or an older version's) cookie.
        return Verdict::Invalid;
    };
    if server[0] != VERSION {
        return Verdict::Invalid;
    }
    // The hash covers the reserved octets as received (RFC 9018 §4.4: a server must not
    // assume they are zero).
    let header: [u8; 8] = std::array::from_fn(|i| server[i]);
    let expected = hash(secret, &cookie.client, &header, client);
    // Compared without an early exit, so the time taken tells nothing about the hash.
    let differs = expected.iter().zip(&server[8..]).fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if differs != 0 {
        return Verdict::Invalid;
    }
    let stamp = u32::from_be_bytes([server[4], server[5], server[6], server[7]]);
    // Serial number arithmetic: the age is the signed distance, so a clock wrapping past
    // 2^32 seconds (in 2106) does not expire every cookie.
    let age = (now as u32).wrapping_sub(stamp) as i32;
    if age > MAX_AGE as i32 || age < -(MAX_FUTURE as i32) {
        return Verdict::Invalid;
    }
    Verdict::Valid {
        refresh: age > REFRESH_AGE as i32,
    }
}

/// A fresh server cookie for the client cookie `client_cookie` of a request from `client`
/// at `now` (RFC 9018 §4.2): Version 1 | Reserved 0 | Timestamp (32 bits, big-endian) |
/// Hash (64 bits).
pub fn server_cookie(secret: &[u8; 16], client_cookie: &[u8; 8], client: IpAddr, now: u64) -> [u8; SERVER_COOKIE_LEN] {
    let stamp = (now as u32).to_be_bytes();
    let header = [VERSION, 0, 0, 0, stamp[0], stamp[1], stamp[2], stamp[3]];
    let mut out = [0u8; SERVER_COOKIE_LEN];
    out[..8].copy_from_slice(&header);
    out[8..].copy_from_slice(&hash(secret, client_cookie, &header, client));
    out
}

/// The COOKIE option of the response: the client cookie echoed and the server cookie
/// (RFC 7873 §5.2.3–§5.2.5): the received one when valid and young, a fresh one otherwise.
pub fn reply_cookie(secret: &[u8; 16], query: &Cookie, verdict: Verdict, client: IpAddr, now: u64) -> Cookie {
    let server = match (verdict, &query.server) {
        (Verdict::Valid { refresh: false }, Some(received)) => received.clone(),
        _ => server_cookie(secret, &query.client, client, now).to_vec(),
    };
    Cookie {
        client: query.client,
        server: Some(server),
    }
}

/// Hash = SipHash-2-4(Client Cookie | Version | Reserved | Timestamp | Client-IP, Server
/// Secret) (RFC 9018 §4.4), as the eight octets SipHash's reference code writes
/// (little-endian).
fn hash(secret: &[u8; 16], client_cookie: &[u8; 8], header: &[u8; 8], client: IpAddr) -> [u8; 8] {
    // At most 8 + 8 + 16 octets: built on the stack, nothing allocated per query.
    let mut input = [0u8; 32];
    input[..8].copy_from_slice(client_cookie);
    input[8..16].copy_from_slice(header);
    let len = match canonical(client) {
        IpAddr::V4(a) => {
            input[16..20].copy_from_slice(&a.octets());
            20
        }
        IpAddr::V6(a) => {
            input[16..32].copy_from_slice(&a.octets());
            32
        }
    };
    siphash24(secret, &input[..len]).to_le_bytes()
}

/// An IPv4 client seen through a dual-stack socket (`::ffff:192.0.2.1`) is the IPv4
/// client, so its cookie holds whichever socket it reaches.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// SipHash-2-4 of `msg` under `key` (Aumasson and Bernstein, "SipHash: a fast short-input
/// PRF", 2012): two compression rounds per 8-octet word, four finalisation rounds; the
/// key and the words are read little-endian. The hash of RFC 9018 §4.4.
pub fn siphash24(key: &[u8; 16], msg: &[u8]) -> u64 {
    let k0 = le_word(&key[..8]);
    let k1 = le_word(&key[8..]);
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    let mut words = msg.chunks_exact(8);
    for word in &mut words {
        let m = le_word(word);
        v[3] ^= m;
        sip_round(&mut v);
        sip_round(&mut v);
        v[0] ^= m;
    }
    // The last word: the remaining octets, and the message length (mod 256) in the top one.
    let last = le_word(words.remainder()) | ((msg.len() as u64) << 56);
    v[3] ^= last;
    sip_round(&mut v);
    sip_round(&mut v);
    v[0] ^= last;
    v[2] ^= 0xff;
    for _ in 0..4 {
        sip_round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// Up to eight octets as a little-endian word, missing high octets zero.
fn le_word(octets: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = octets.len().min(8);
    w[..n].copy_from_slice(&octets[..n]);
    u64::from_le_bytes(w)
}

/// One SipRound over the state (v0, v1, v2, v3).
fn sip_round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn secret(s: &str) -> [u8; 16] {
        hex(s).try_into().unwrap()
    }

    fn cookie(s: &str) -> Cookie {
        Cookie::parse(&hex(s)).unwrap()
    }

    /// The first sixteen of the 64 reference vectors of SipHash-2-4 (the paper's appendix
    /// and `vectors.h` of the reference code): key 00..0f, message 00..(n-1), output as
    /// little-endian octets. Lengths 0..15 cover an empty message, every tail length, and
    /// one full word with every tail.
    #[test]
    fn siphash_2_4_reference_vectors() {
        let vectors: [[u8; 8]; 16] = [
            [0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72],
            [0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74],
            [0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d],
            [0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85],
            [0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf],
            [0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18],
            [0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb],
            [0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab],
            [0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93],
            [0xb0, 0xe4, 0xa9, 0x0b, 0xdf, 0x82, 0x00, 0x9e],
            [0xf3, 0xb9, 0xdd, 0x94, 0xc5, 0xbb, 0x5d, 0x7a],
            [0xa7, 0xad, 0x6b, 0x22, 0x46, 0x2f, 0xb3, 0xf4],
            [0xfb, 0xe5, 0x0e, 0x86, 0xbc, 0x8f, 0x1e, 0x75],
            [0x90, 0x3d, 0x84, 0xc0, 0x27, 0x56, 0xea, 0x14],
            [0xee, 0xf2, 0x7a, 0x8e, 0x90, 0xca, 0x23, 0xf7],
            [0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1],
        ];
        let key: [u8; 16] = std::array::from_fn(|i| i as u8);
        let msg: Vec<u8> = (0..16).collect();
        for (n, want) in vectors.iter().enumerate() {
            assert_eq!(siphash24(&key, &msg[..n]).to_le_bytes(), *want, "length {n}");
        }
    }

    /// RFC 9018 Appendix A.1: a resolver learning a new server cookie.
    #[test]
    fn rfc9018_appendix_a_1_learning_a_new_server_cookie() {
        let s = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
        let query = cookie("2464c4abcf10c957");
        let client: IpAddr = "198.51.100.100".parse().unwrap();
        let verdict = check(&s, &query, client, 1559731985);
        assert_eq!(verdict, Verdict::ClientOnly);
        let reply = reply_cookie(&s, &query, verdict, client, 1559731985);
        assert_eq!(reply.client.to_vec(), hex("2464c4abcf10c957"));
        assert_eq!(reply.server, Some(hex("010000005cf79f111f8130c3eee29480")));
    }

    /// RFC 9018 Appendix A.2: the same client 40 minutes later: its cookie is valid but
    /// older than half an hour, so it is renewed.
    #[test]
    fn rfc9018_appendix_a_2_the_same_client_renewing() {
        let s = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
        let query = cookie("2464c4abcf10c957010000005cf79f111f8130c3eee29480");
        let client: IpAddr = "198.51.100.100".parse().unwrap();
        let verdict = check(&s, &query, client, 1559734385);
        assert_eq!(verdict, Verdict::Valid { refresh: true });
        let reply = reply_cookie(&s, &query, verdict, client, 1559734385);
        assert_eq!(reply.server, Some(hex("010000005cf7a871d4a564a1442aca77")));
    }

    /// RFC 9018 Appendix A.3: another resolver, whose cookie has reserved octets set (they
    /// are hashed as received) and is 1h52m old: expired, so a fresh one is made.
    #[test]
    fn rfc9018_appendix_a_3_another_client_with_an_old_cookie() {
        let s = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
        let query = cookie("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5");
        let client: IpAddr = "203.0.113.203".parse().unwrap();
        // Its hash is ours: within the hour it was stamped, it is valid.
        assert!(check(&s, &query, client, 1559727985 + 60).is_valid());
        assert_eq!(check(&s, &query, client, 1559734700), Verdict::Invalid);
        let reply = reply_cookie(&s, &query, Verdict::Invalid, client, 1559734700);
        assert_eq!(reply.server, Some(hex("010000005cf7a9acf73a7810aca2381e")));
        // Not from another address.
        let other: IpAddr = "203.0.113.204".parse().unwrap();
        assert_eq!(check(&s, &query, other, 1559727985 + 60), Verdict::Invalid);
    }

    /// RFC 9018 Appendix A.4: an IPv6 client after the secret was rolled over: the cookie
    /// of the old secret is not valid under the new one, which makes a fresh one.
    #[test]
    fn rfc9018_appendix_a_4_ipv6_client_after_a_secret_rollover() {
        let old = secret("dd3bdf9344b678b185a6f5cb60fca715");
        let new = secret("445536bcd2513298075a5d379663c962");
        let query = cookie("22681ab97d52c298010000005cf7c57926556bd0934c72f8");
        let client: IpAddr = "2001:db8:220:1:59de:d0f4:8769:82b8".parse().unwrap();
        let now = 1559741961;
        assert_eq!(check(&old, &query, client, now), Verdict::Valid { refresh: false });
        assert_eq!(check(&new, &query, client, now), Verdict::Invalid);
        let reply = reply_cookie(&new, &query, Verdict::Invalid, client, now);
        assert_eq!(reply.server, Some(hex("010000005cf7c609a6bb79d16625507a")));
    }

    /// RFC 9018 §4.3: an hour in the past and five minutes in the future, compared in
    /// serial number arithmetic across the 2^32 wrap.
    #[test]
    fn rfc9018_section_4_3_timestamp_window() {
        let s = [7u8; 16];
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        let at = |stamp: u64, now: u64| {
            let c = Cookie {
                client: [1; 8],
                server: Some(server_cookie(&s, &[1; 8], client, stamp).to_vec()),
            };
            check(&s, &c, client, now)
        };
        let t = 1_700_000_000;
        assert_eq!(at(t, t), Verdict::Valid { refresh: false });
        assert_eq!(at(t - 1800, t), Verdict::Valid { refresh: false });
        assert_eq!(at(t - 1801, t), Verdict::Valid { refresh: true });
        assert_eq!(at(t - 3600, t), Verdict::Valid { refresh: true });
        assert_eq!(at(t - 3601, t), Verdict::Invalid);
        assert_eq!(at(t + 300, t), Verdict::Valid { refresh: false });
        assert_eq!(at(t + 301, t), Verdict::Invalid);
        // Stamped just before 2^32 seconds, read just after.
        assert!(at((1 << 32) - 100, (1 << 32) + 100).is_valid());
    }

    #[test]
    fn other_versions_lengths_and_mapped_addresses() {
        let s = [9u8; 16];
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        let mut server = server_cookie(&s, &[2; 8], v4, 1000).to_vec();
        let c = Cookie {
            client: [2; 8],
            server: Some(server.clone()),
        };
        assert!(
            check(&s, &c, mapped, 1000).is_valid(),
            "the same client over a dual-stack socket"
        );
        let wrong_client = Cookie {
            client: [3; 8],
            server: Some(server.clone()),
        };
        assert_eq!(check(&s, &wrong_client, v4, 1000), Verdict::Invalid);
        server[0] = 2;
        let v2 = Cookie {
            client: [2; 8],
            server: Some(server.clone()),
        };
        assert_eq!(check(&s, &v2, v4, 1000), Verdict::Invalid, "version 2");
        let long = Cookie {
            client: [2; 8],
            server: Some(vec![1; 24]),
        };
        assert_eq!(check(&s, &long, v4, 1000), Verdict::Invalid, "24 octets");
    }
}
