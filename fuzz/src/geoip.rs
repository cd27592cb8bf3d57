//! The property the `geoip` target checks, kept apart from libFuzzer so that
//! `crates/banyan-auth/tests/fuzz_regressions.rs` includes this file and runs the committed
//! corpus through the same check.
//!
//! The input is arbitrary bytes read as a MaxMind DB file (`GeoIp::from_bytes`, what
//! `[auth] geoip` loads from a file the operator names): it must never panic, and where it
//! loads, looking up addresses (fixed ones, and ones taken from the input's last octets)
//! never panics and reports a prefix no longer than the address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use banyan_auth::geoip::GeoIp;

/// Checks one database image; returns whether it loaded.
pub fn check_geoip(data: &[u8]) -> bool {
    let Ok(db) = GeoIp::from_bytes(data.to_vec()) else {
        return false;
    };
    let mut tail = [0u8; 16];
    for (d, s) in tail.iter_mut().zip(data.iter().rev()) {
        *d = *s;
    }
    let v4 = Ipv4Addr::new(tail[0], tail[1], tail[2], tail[3]);
    let addresses = [
        IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        IpAddr::V4(v4),
        IpAddr::V6(Ipv6Addr::from(tail)),
        IpAddr::V6(v4.to_ipv6_mapped()),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
    ];
    for ip in addresses {
        if let Ok(answer) = db.lookup(ip) {
            let width = match ip {
                IpAddr::V4(_) => 32,
                IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => 32,
                IpAddr::V6(_) => 128,
            };
            assert!(
                answer.prefix <= width,
                "{ip}: prefix {} beyond the address",
                answer.prefix
            );
        }
    }
    true
}
