//! Reading /etc/resolv.conf (resolv.conf(5)) for the server `banyan query` asks when no
//! `@SERVER` is given.
//!
//! The parser is as forgiving as the C library's: unknown keywords, bad addresses and bad
//! option values are skipped, never fatal, because a resolv.conf written for another
//! resolver must not stop a query. `#` and `;` start comments.

use std::net::{IpAddr, SocketAddr, SocketAddrV6};

/// The parts of resolv.conf Banyan uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolvConf {
    /// `nameserver` lines in order; IPv6 link-local addresses keep a numeric scope
    /// (`fe80::1%2`). The port is 53 unless a BIND-style `port` line said otherwise.
    pub nameservers: Vec<SocketAddr>,
    /// The search list (`search`, or `domain`, whichever came last, as the C library does).
    pub search: Vec<String>,
    /// `options ndots:N` (default 1, capped at 15 as the C library does).
    pub ndots: u8,
    /// `options timeout:N`, seconds (default 5, capped at 30).
    pub timeout: u32,
    /// `options attempts:N` (default 2, capped at 5).
    pub attempts: u32,
}

/// resolv.conf(5) defaults and caps (RES_TIMEOUT, RES_DFLRETRY, RES_MAXNDOTS, …).
const DEFAULT_NDOTS: u8 = 1;
const MAX_NDOTS: u32 = 15;
const DEFAULT_TIMEOUT: u32 = 5;
const MAX_TIMEOUT: u32 = 30;
const DEFAULT_ATTEMPTS: u32 = 2;
const MAX_ATTEMPTS: u32 = 5;

impl ResolvConf {
    /// Parses the text of a resolv.conf file.
    pub fn parse(text: &str) -> ResolvConf {
        let mut conf = ResolvConf {
            ndots: DEFAULT_NDOTS,
            timeout: DEFAULT_TIMEOUT,
            attempts: DEFAULT_ATTEMPTS,
            ..ResolvConf::default()
        };
        let mut port = crate::dig_args::DNS_PORT;
        let mut addresses = Vec::new();
        for line in text.lines() {
            let line = line.split(['#', ';']).next().unwrap_or("");
            let mut words = line.split_whitespace();
            let Some(keyword) = words.next() else { continue };
            match keyword {
                "nameserver" => {
                    if let Some(addr) = words.next().and_then(parse_nameserver) {
                        addresses.push(addr);
                    }
                }
                "domain" => {
                    if let Some(d) = words.next() {
                        conf.search = vec![d.to_string()];
                    }
                }
                "search" => conf.search = words.map(str::to_string).collect(),
                "options" => {
                    for opt in words {
                        conf.apply_option(opt);
                    }
                }
                // BIND's lightweight resolver reads a `port` line; honour it so the same
                // file works for both.
                "port" => {
                    if let Some(p) = words.next().and_then(|w| w.parse::<u16>().ok()).filter(|p| *p != 0) {
                        port = p;
                    }
                }
                _ => {}
            }
        }
        conf.nameservers = addresses
            .into_iter()
            .map(|(ip, scope)| match (ip, scope) {
                (IpAddr::V6(v6), scope) => SocketAddr::V6(SocketAddrV6::new(v6, port, 0, scope)),
                (ip, _) => SocketAddr::new(ip, port),
            })
            .collect();
        conf
    }

    fn apply_option(&mut self, opt: &str) {
        let (key, value) = opt.split_once(':').unwrap_or((opt, ""));
        let number = value.parse::<u32>().ok();
        match (key, number) {
            ("ndots", Some(n)) => self.ndots = n.min(MAX_NDOTS) as u8,
            ("timeout", Some(n)) => self.timeout = n.clamp(1, MAX_TIMEOUT),
            ("attempts", Some(n)) => self.attempts = n.clamp(1, MAX_ATTEMPTS),
            _ => {}
        }
    }
}

/// An address, and for IPv6 its numeric zone index (`fe80::1%2`). Zones given by
/// interface name need a system call to map, so such entries are skipped.
fn parse_nameserver(text: &str) -> Option<(IpAddr, u32)> {
    match text.split_once('%') {
        None => Some((text.parse().ok()?, 0)),
        Some((addr, zone)) => {
            let ip: IpAddr = addr.parse().ok()?;
            let scope: u32 = zone.parse().ok()?;
            ip.is_ipv6().then_some((ip, scope))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// ../shared/testdata beside the repository (see README.md).
    fn testdata(path: &str) -> String {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/testdata/resolver/resolv-conf")
            .join(path);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn servers(conf: &ResolvConf) -> Vec<String> {
        conf.nameservers.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn bind_nameservers() {
        let c = ResolvConf::parse(&testdata("bind/nameserver-v4.conf"));
        assert_eq!(servers(&c), ["10.0.0.1:53"]);
        let c = ResolvConf::parse(&testdata("bind/nameserver-v6.conf"));
        assert_eq!(servers(&c), ["[2001:db8::1]:53"]);
        let c = ResolvConf::parse(&testdata("bind/nameserver-v6-scoped.conf"));
        assert_eq!(servers(&c), ["[fe80::1%1]:53"]);
        assert_eq!(c.nameservers[0].port(), 53);
    }

    #[test]
    fn bind_full_file_with_port_search_and_options() {
        let c = ResolvConf::parse(&testdata("bind/resolv.conf"));
        assert_eq!(servers(&c), ["10.0.0.1:5300", "[2001:db8::1]:5300"]);
        assert_eq!(c.search, ["example.com", "example.net"]);
        assert_eq!((c.ndots, c.timeout, c.attempts), (2, 1, 2));
        let c = ResolvConf::parse(&testdata("bind/port.conf"));
        assert!(c.nameservers.is_empty());
    }

    #[test]
    fn bind_options() {
        let c = ResolvConf::parse(&testdata("bind/options-attempts.conf"));
        assert_eq!(c.attempts, 4);
        let c = ResolvConf::parse(&testdata("bind/options-timeout.conf"));
        assert_eq!(c.timeout, 1);
        let c = ResolvConf::parse(&testdata("bind/options-ndots.conf"));
        assert_eq!(c.ndots, 2);
        // ndots:256 is capped, not refused.
        let c = ResolvConf::parse(&testdata("bind/options-bad-ndots.conf"));
        assert_eq!(c.ndots, 15);
        assert_eq!(c.search, ["example.com", "example.net"]);
        let c = ResolvConf::parse(&testdata("bind/options-empty.conf"));
        assert_eq!(c.search, ["example.com"]);
        assert_eq!(c.ndots, DEFAULT_NDOTS);
    }

    #[test]
    fn bind_unknown_lines_are_ignored() {
        for file in [
            "bind/options-unknown.conf",
            "bind/options-debug.conf",
            "bind/unknown-with-value.conf",
            "bind/unknown-without-value.conf",
            "bind/sortlist-v4.conf",
            "bind/timeout.conf",
            "bind/options.conf",
        ] {
            let c = ResolvConf::parse(&testdata(file));
            assert!(c.nameservers.is_empty(), "{file}");
        }
        let c = ResolvConf::parse(&testdata("bind/unknown+search.conf"));
        assert_eq!(c.search, ["example.com", "example.net"]);
        let c = ResolvConf::parse(&testdata("bind/search.conf"));
        assert_eq!(c.search.len(), 10);
        let c = ResolvConf::parse(&testdata("bind/domain.conf"));
        assert_eq!(c.search, ["example.com"]);
    }

    #[test]
    fn hickory_and_dnspython_files() {
        let c = ResolvConf::parse(&testdata("hickory/resolv.conf-simple"));
        assert_eq!(servers(&c), ["8.8.8.8:53", "8.8.4.4:53"]);
        for file in ["hickory/resolv.conf-linux", "hickory/resolv.conf-macos"] {
            let c = ResolvConf::parse(&testdata(file));
            assert_eq!(
                servers(&c),
                [
                    "[2001:4860:4860::8888]:53",
                    "[2001:4860:4860::8844]:53",
                    "8.8.8.8:53",
                    "8.8.4.4:53"
                ],
                "{file}"
            );
            assert_eq!((c.ndots, c.timeout, c.attempts), (8, 8, 5), "{file}");
        }
        let c = ResolvConf::parse(&testdata("hickory/resolv.conf-linux"));
        assert_eq!(c.search, ["example.com", "sub.example.com"]);
        let c = ResolvConf::parse(&testdata("dnspython/resolv.conf"));
        assert_eq!(servers(&c), ["10.0.0.1:53", "10.0.0.2:53"]);
        assert_eq!(c.search, ["foo"]);
        // A hosts file is not a resolv.conf: nothing in it is taken.
        assert_eq!(ResolvConf::parse(&testdata("hickory/hosts")), ResolvConf::parse(""));
    }

    #[test]
    fn comments_and_bad_addresses() {
        let c = ResolvConf::parse("nameserver 192.0.2.1 # home\n;nameserver 192.0.2.9\nnameserver nope\nnameserver fe80::1%eth0\nnameserver 10.0.0.1%3\n");
        assert_eq!(servers(&c), ["192.0.2.1:53"]);
    }
}
