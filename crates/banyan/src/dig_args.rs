//! The dig-style arguments of `banyan query`: `@SERVER[:PORT]`, `-p PORT`, positional NAME,
//! TYPE and CLASS, and `+option` / `+nooption` / `+option=VALUE` switches.
//!
//! clap cannot express `@` and `+` arguments, so `banyan query` hands its raw arguments
//! here. Parsing is a pure function from strings to [`QueryOptions`] so that every rule is
//! unit-tested without running anything.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use banyan_wire::{Class, Name, RecordType};

/// The port DNS servers listen on.
pub const DNS_PORT: u16 = 53;

/// Default time to wait for each UDP try, as dig's `+timeout` default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Default number of UDP tries, as dig's `+tries` default.
pub const DEFAULT_TRIES: u32 = 3;

/// Largest accepted `+timeout` / `+tries`, so a typo cannot make the client hang for hours.
const MAX_TIMEOUT_SECS: u64 = 300;
const MAX_TRIES: u32 = 20;

/// The DoT port (RFC 7858 §3.1), used by `+tls` when no port is given.
pub const DOT_PORT: u16 = 853;

/// The HTTPS port, used by `+https` when no port is given.
pub const DOH_PORT: u16 = 443;

/// An encrypted transport asked for with `+tls` or `+https`, with kdig's option names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encryption {
    /// DoH at this path (`+https[=PATH]`, `+https-get[=PATH]`); `None` is DoT (`+tls`).
    pub https: Option<String>,
    /// `+https-get`: GET with `?dns=` instead of POST (RFC 8484 §4.1).
    pub get: bool,
    /// `+tls-ca[=FILE]`: verify the certificate against FILE, or the system CAs without one.
    /// Neither this nor `+tls-hostname`: kdig's opportunistic profile, encrypted but not
    /// authenticated (RFC 8310 §5).
    pub ca: Option<Option<std::path::PathBuf>>,
    /// `+tls-hostname=NAME`: the name sent in SNI and verified (RFC 8310 §8).
    pub hostname: Option<String>,
}

/// Where to send the query, as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerSpec {
    /// An address, with the port if one was written after it.
    Addr(IpAddr, Option<u16>),
    /// A host name to look up with the system resolver, with an optional port.
    Host(String, Option<u16>),
}

/// Which parts of the reply to print (dig's `+[no]all`, `+[no]answer`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sections {
    /// The `; <<>> Banyan … <<>>` command line echo.
    pub cmd: bool,
    /// Header, flags, OPT pseudosection and the section titles.
    pub comments: bool,
    /// The question section.
    pub question: bool,
    /// The answer section.
    pub answer: bool,
    /// The authority section.
    pub authority: bool,
    /// The additional section.
    pub additional: bool,
    /// Query time, server and message size.
    pub stats: bool,
}

impl Sections {
    const ALL: Sections = Sections {
        cmd: true,
        comments: true,
        question: true,
        answer: true,
        authority: true,
        additional: true,
        stats: true,
    };
    const NONE: Sections = Sections {
        cmd: false,
        comments: false,
        question: false,
        answer: false,
        authority: false,
        additional: false,
        stats: false,
    };
}

/// How the reply is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStyle {
    /// dig's sectioned layout, filtered by [`Sections`].
    Dig,
    /// Only the RDATA of the answer records (`+short`).
    Short,
    /// RFC 8427 JSON (`+json`).
    Json,
}

/// Everything `banyan query` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryOptions {
    /// `@SERVER`, if given; otherwise the first `nameserver` of /etc/resolv.conf is used.
    pub server: Option<ServerSpec>,
    /// `-p PORT`: the port for a server written without one.
    pub port: Option<u16>,
    /// The name asked about (IDNA-converted to A-labels).
    pub name: Name,
    /// The type asked about (default A).
    pub qtype: RecordType,
    /// The class asked about (default IN).
    pub qclass: Class,
    /// `+tcp` / `+vc`: use TCP from the start.
    pub tcp: bool,
    /// `+[no]ignore`: keep a truncated UDP answer instead of retrying over TCP.
    pub ignore_tc: bool,
    /// `+dnssec`: set the DO bit.
    pub dnssec: bool,
    /// `+[no]rec`: set RD (default on).
    pub recurse: bool,
    /// `+cd`: set CD.
    pub cd: bool,
    /// `+adflag`: set AD in the query (RFC 6840 §5.7; default on, as dig).
    pub ad: bool,
    /// `+[no]edns`: send an OPT record (default on).
    pub edns: bool,
    /// `+bufsize=N`: the EDNS UDP payload size advertised (default 1232).
    pub bufsize: u16,
    /// `+timeout=N`: seconds to wait for each try.
    pub timeout: Duration,
    /// `+tries=N` (or `+retry=N-1`): UDP tries.
    pub tries: u32,
    /// Output style.
    pub style: OutputStyle,
    /// Sections shown in [`OutputStyle::Dig`].
    pub sections: Sections,
    /// The arguments as given, echoed in the `; <<>> Banyan <<>>` line.
    pub command_line: String,
    /// `+trace`: resolve iteratively from the root hints and print every step.
    pub trace: bool,
    /// `--root-hints FILE` for `+trace` (default: built in).
    pub root_hints: Option<std::path::PathBuf>,
    /// `--upstream-port N` for `+trace` (default 53; labs).
    pub upstream_port: Option<u16>,
    /// `--trust-anchor FILE` for `+trace`: validate from these anchors.
    pub trust_anchor: Option<std::path::PathBuf>,
    /// `+why`: send the debug option ([`banyan_auth::WHY_OPTION`]) asking which view
    /// answered and why.
    pub why: bool,
    /// `+subnet=ADDR/LEN`: send an EDNS Client Subnet option (RFC 7871 §6), as dig does.
    pub subnet: Option<banyan_wire::edns::ClientSubnet>,
    /// `+tls` / `+https`: ask over an encrypted transport.
    pub encryption: Option<Encryption>,
}

/// What was wrong with the command line (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// No NAME was given.
    #[error("missing NAME to query (usage: banyan query [@SERVER[:PORT]] [-p PORT] NAME [TYPE] [CLASS] [+OPTION…])")]
    MissingName,
    /// More positional arguments than NAME, TYPE and CLASS.
    #[error("unexpected argument {0:?}: NAME, TYPE and CLASS are already given")]
    Extra(String),
    /// The NAME is not a valid domain name.
    #[error("bad NAME {text:?}: {reason}")]
    BadName {
        /// The argument.
        text: String,
        /// Why it was refused.
        reason: String,
    },
    /// `@` followed by something that is not an address or host name.
    #[error("bad server {0:?}: expected @ADDRESS, @ADDRESS:PORT, @[IPv6]:PORT or @HOSTNAME")]
    BadServer(String),
    /// A port that is not a number from 1 to 65535.
    #[error("bad port {0:?}: expected a number from 1 to 65535")]
    BadPort(String),
    /// A `-x` flag this client does not know.
    #[error("unknown flag {0:?} (only -p PORT is supported; options are written +option as in dig)")]
    UnknownFlag(String),
    /// A flag that needs a value was last.
    #[error("{0} needs a value")]
    MissingValue(&'static str),
    /// A `+option` this client does not know.
    #[error("unknown option {0:?}")]
    UnknownOption(String),
    /// A `+option=VALUE` with a bad value.
    #[error("bad value for +{option}: {value:?} ({expected})")]
    BadValue {
        /// The option.
        option: String,
        /// The value given.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A query type this client cannot ask (zone transfers need a stream of messages).
    #[error("{0} is not supported by banyan query yet")]
    Unsupported(RecordType),
}

/// Parses the arguments after `banyan query`.
///
/// Positional arguments follow dig's rule: a word that is a type mnemonic (or `TYPEnnn`) is
/// the TYPE unless one was given, a class mnemonic (or `CLASSnnn`) the CLASS, and anything
/// else the NAME. So `banyan query mx example.com` and `banyan query example.com mx` agree.
pub fn parse(args: &[String]) -> Result<QueryOptions, UsageError> {
    let mut server = None;
    let mut port = None;
    let mut name_text: Option<&str> = None;
    let mut qtype = None;
    let mut qclass = None;
    let mut o = Switches::default();
    let mut root_hints = None;
    let mut upstream_port = None;
    let mut trust_anchor = None;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        i += 1;
        if let Some(spec) = arg.strip_prefix('@') {
            server = Some(parse_server(spec)?);
        } else if let Some(opt) = arg.strip_prefix('+') {
            o.apply(opt)?;
        } else if arg == "-p" {
            let value = args.get(i).ok_or(UsageError::MissingValue("-p"))?;
            i += 1;
            port = Some(parse_port(value)?);
        } else if arg == "--root-hints" {
            let value = args.get(i).ok_or(UsageError::MissingValue("--root-hints"))?;
            i += 1;
            root_hints = Some(std::path::PathBuf::from(value));
        } else if arg == "--trust-anchor" {
            let value = args.get(i).ok_or(UsageError::MissingValue("--trust-anchor"))?;
            i += 1;
            trust_anchor = Some(std::path::PathBuf::from(value));
        } else if arg == "--upstream-port" {
            let value = args.get(i).ok_or(UsageError::MissingValue("--upstream-port"))?;
            i += 1;
            upstream_port = Some(parse_port(value)?);
        } else if let Some(value) = arg.strip_prefix("-p").filter(|v| !v.is_empty()) {
            port = Some(parse_port(value)?);
        } else if arg.starts_with('-') && arg.len() > 1 {
            return Err(UsageError::UnknownFlag(arg.to_string()));
        } else if let (None, Some(t)) = (qtype, RecordType::from_mnemonic(arg)) {
            qtype = Some(t);
        } else if let (None, Some(c)) = (qclass, Class::from_mnemonic(arg)) {
            qclass = Some(c);
        } else if name_text.is_none() {
            name_text = Some(arg);
        } else {
            return Err(UsageError::Extra(arg.to_string()));
        }
    }
    let name_text = name_text.ok_or(UsageError::MissingName)?;
    let name = Name::from_unicode(name_text).map_err(|e| UsageError::BadName {
        text: name_text.to_string(),
        reason: e.to_string(),
    })?;
    let qtype = qtype.unwrap_or(RecordType::A);
    if matches!(qtype, RecordType::AXFR | RecordType::IXFR) {
        return Err(UsageError::Unsupported(qtype));
    }
    Ok(QueryOptions {
        server,
        port,
        name,
        qtype,
        qclass: qclass.unwrap_or(Class::IN),
        tcp: o.tcp,
        ignore_tc: o.ignore_tc,
        dnssec: o.dnssec,
        recurse: o.recurse,
        cd: o.cd,
        ad: o.ad,
        edns: o.edns,
        bufsize: o.bufsize,
        timeout: o.timeout,
        tries: o.tries,
        style: if o.json {
            OutputStyle::Json
        } else if o.short {
            OutputStyle::Short
        } else {
            OutputStyle::Dig
        },
        sections: o.sections,
        command_line: args.join(" "),
        trace: o.trace,
        root_hints,
        upstream_port,
        trust_anchor,
        why: o.why,
        subnet: o.subnet,
        encryption: o.encryption(),
    })
}

/// The `+` switches, with dig's defaults.
struct Switches {
    tcp: bool,
    ignore_tc: bool,
    dnssec: bool,
    recurse: bool,
    cd: bool,
    ad: bool,
    edns: bool,
    bufsize: u16,
    timeout: Duration,
    tries: u32,
    short: bool,
    json: bool,
    trace: bool,
    sections: Sections,
    why: bool,
    subnet: Option<banyan_wire::edns::ClientSubnet>,
    tls: bool,
    https: Option<String>,
    https_get: bool,
    tls_ca: Option<Option<std::path::PathBuf>>,
    tls_hostname: Option<String>,
}

impl Default for Switches {
    fn default() -> Switches {
        Switches {
            tcp: false,
            ignore_tc: false,
            dnssec: false,
            recurse: true,
            cd: false,
            ad: true,
            edns: true,
            bufsize: banyan_wire::edns::DEFAULT_UDP_PAYLOAD,
            timeout: DEFAULT_TIMEOUT,
            tries: DEFAULT_TRIES,
            short: false,
            json: false,
            trace: false,
            sections: Sections::ALL,
            why: false,
            subnet: None,
            tls: false,
            https: None,
            https_get: false,
            tls_ca: None,
            tls_hostname: None,
        }
    }
}

impl Switches {
    /// The encrypted transport asked for, if any (`+https` wins over `+tls`, as in kdig).
    fn encryption(&self) -> Option<Encryption> {
        // kdig: +tls-ca and +tls-hostname imply +tls.
        if !self.tls && self.https.is_none() && self.tls_ca.is_none() && self.tls_hostname.is_none() {
            return None;
        }
        Some(Encryption {
            https: self.https.clone(),
            get: self.https_get,
            ca: self.tls_ca.clone(),
            hostname: self.tls_hostname.clone(),
        })
    }

    /// Applies one `+option` (without the `+`).
    fn apply(&mut self, opt: &str) -> Result<(), UsageError> {
        let (key, value) = match opt.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (opt, None),
        };
        let lower = key.to_ascii_lowercase();
        let (on, bare) = match lower.strip_prefix("no") {
            // "+notcp" turns tcp off; but "+nsid"-like names starting with "no" do not exist
            // among the options below, so the prefix is unambiguous.
            Some(rest) => (false, rest),
            None => (true, lower.as_str()),
        };
        let flag = |target: &mut bool| {
            if value.is_some() {
                return Err(UsageError::BadValue {
                    option: key.to_string(),
                    value: value.unwrap_or_default().to_string(),
                    expected: "this option takes no value",
                });
            }
            *target = on;
            Ok(())
        };
        match bare {
            "tcp" | "vc" => flag(&mut self.tcp)?,
            "ignore" => flag(&mut self.ignore_tc)?,
            "dnssec" => flag(&mut self.dnssec)?,
            "rec" | "recurse" => flag(&mut self.recurse)?,
            "cd" | "cdflag" => flag(&mut self.cd)?,
            "ad" | "adflag" => flag(&mut self.ad)?,
            "edns" => {
                // dig accepts +edns=0; only version 0 exists.
                if let Some(v) = value {
                    if v != "0" {
                        return Err(bad(key, v, "only EDNS version 0 exists"));
                    }
                }
                self.edns = on;
            }
            "short" => flag(&mut self.short)?,
            "json" => flag(&mut self.json)?,
            "trace" => flag(&mut self.trace)?,
            "why" => flag(&mut self.why)?,
            "subnet" if !on => self.subnet = None,
            "subnet" => {
                let v = value.ok_or(UsageError::MissingValue("+subnet"))?;
                self.subnet = Some(parse_subnet(v).ok_or_else(|| bad(key, v, "ADDRESS/LENGTH, e.g. 192.0.2.0/24"))?);
            }
            "all" => {
                let mut all = on;
                flag(&mut all)?;
                self.sections = if on { Sections::ALL } else { Sections::NONE };
            }
            "cmd" => flag(&mut self.sections.cmd)?,
            "comments" => flag(&mut self.sections.comments)?,
            "question" => flag(&mut self.sections.question)?,
            "answer" => flag(&mut self.sections.answer)?,
            "authority" => flag(&mut self.sections.authority)?,
            "additional" => flag(&mut self.sections.additional)?,
            "stats" => flag(&mut self.sections.stats)?,
            // Presentation switches dig users type out of habit; Banyan always prints one
            // record per line, so these change nothing.
            "multiline" | "multi" | "ttlid" | "cl" | "class" | "qr" | "crypto" => {
                if value.is_some() {
                    return Err(bad(key, value.unwrap_or_default(), "this option takes no value"));
                }
            }
            "bufsize" if on => {
                let v = value.ok_or(UsageError::MissingValue("+bufsize"))?;
                self.bufsize = v
                    .parse()
                    .map_err(|_| bad(key, v, "a UDP payload size from 0 to 65535"))?;
            }
            "timeout" | "time" if on => {
                let v = value.ok_or(UsageError::MissingValue("+timeout"))?;
                let secs: u64 = v
                    .parse()
                    .ok()
                    .filter(|s| (1..=MAX_TIMEOUT_SECS).contains(s))
                    .ok_or_else(|| bad(key, v, "whole seconds from 1 to 300"))?;
                self.timeout = Duration::from_secs(secs);
            }
            "tries" if on => {
                let v = value.ok_or(UsageError::MissingValue("+tries"))?;
                self.tries = v
                    .parse()
                    .ok()
                    .filter(|t| (1..=MAX_TRIES).contains(t))
                    .ok_or_else(|| bad(key, v, "a number of tries from 1 to 20"))?;
            }
            "retry" if on => {
                let v = value.ok_or(UsageError::MissingValue("+retry"))?;
                let retries: u32 = v
                    .parse()
                    .ok()
                    .filter(|r| *r < MAX_TRIES)
                    .ok_or_else(|| bad(key, v, "a number of retries from 0 to 19"))?;
                self.tries = retries + 1;
            }
            "tls" => flag(&mut self.tls)?,
            "https" | "https-get" => {
                let path = match value {
                    Some(p) if p.starts_with('/') => p.to_string(),
                    Some(p) => return Err(bad(key, p, "a URI path starting with '/'")),
                    None => banyan_server::upstream_tls::DEFAULT_DOH_PATH.to_string(),
                };
                self.https = on.then_some(path);
                self.https_get = on && bare == "https-get";
            }
            "tls-ca" => {
                self.tls_ca = on.then(|| value.filter(|v| !v.is_empty()).map(std::path::PathBuf::from));
            }
            "tls-hostname" if on => {
                let v = value
                    .filter(|v| !v.is_empty())
                    .ok_or(UsageError::MissingValue("+tls-hostname"))?;
                self.tls_hostname = Some(v.to_string());
            }
            "tls-hostname" => self.tls_hostname = None,
            _ => return Err(UsageError::UnknownOption(format!("+{opt}"))),
        }
        Ok(())
    }
}

/// `+subnet=ADDR[/LEN]` (a bare address is a /32 or /128): the option's address keeps
/// only the prefix's bits (RFC 7871 §6).
fn parse_subnet(text: &str) -> Option<banyan_wire::edns::ClientSubnet> {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a.parse::<IpAddr>().ok()?, Some(l.parse::<u8>().ok()?)),
        None => (text.parse::<IpAddr>().ok()?, None),
    };
    let width = if addr.is_ipv4() { 32 } else { 128 };
    let len = len.unwrap_or(width);
    (len <= width).then(|| banyan_wire::edns::ClientSubnet::new(addr, len))
}

fn bad(option: &str, value: &str, expected: &'static str) -> UsageError {
    UsageError::BadValue {
        option: option.to_string(),
        value: value.to_string(),
        expected,
    }
}

fn parse_port(text: &str) -> Result<u16, UsageError> {
    text.parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| UsageError::BadPort(text.to_string()))
}

/// Parses what follows `@`: `ADDR`, `v4:PORT`, `[v6]`, `[v6]:PORT`, a bare IPv6 address
/// (`::1`, never with a port: the colons are the address's), or `HOST[:PORT]`.
pub fn parse_server(spec: &str) -> Result<ServerSpec, UsageError> {
    let bad = || UsageError::BadServer(spec.to_string());
    if let Some(rest) = spec.strip_prefix('[') {
        let (addr, after) = rest.split_once(']').ok_or_else(bad)?;
        let ip: IpAddr = addr.parse().map_err(|_| bad())?;
        let port = match after {
            "" => None,
            p => Some(parse_port(p.strip_prefix(':').ok_or_else(bad)?)?),
        };
        return Ok(ServerSpec::Addr(ip, port));
    }
    if let Ok(ip) = spec.parse::<IpAddr>() {
        return Ok(ServerSpec::Addr(ip, None));
    }
    if let Ok(sa) = spec.parse::<SocketAddr>() {
        return Ok(ServerSpec::Addr(sa.ip(), Some(parse_port(&sa.port().to_string())?)));
    }
    let (host, port) = match spec.rsplit_once(':') {
        Some((h, p)) => (h, Some(parse_port(p)?)),
        None => (spec, None),
    };
    // A host name: letters, digits, hyphens, dots, underscores. Anything else (a second
    // colon, a space) is a typo, not a name to look up.
    let plausible = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !plausible {
        return Err(bad());
    }
    Ok(ServerSpec::Host(host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn p(line: &str) -> Result<QueryOptions, UsageError> {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        parse(&args)
    }

    #[test]
    fn defaults() {
        let o = p("example.com").unwrap();
        assert_eq!(o.name.to_string(), "example.com.");
        assert_eq!((o.qtype, o.qclass), (RecordType::A, Class::IN));
        assert!(o.recurse && o.edns && !o.tcp && !o.dnssec);
        assert_eq!(o.bufsize, 1232);
        assert_eq!((o.timeout, o.tries), (DEFAULT_TIMEOUT, 3));
        assert_eq!(o.style, OutputStyle::Dig);
        assert_eq!(o.sections, Sections::ALL);
        assert_eq!(o.server, None);
    }

    #[test]
    fn why_and_subnet() {
        let o = p("example.com +why +subnet=10.1.2.3/24").unwrap();
        assert!(o.why);
        let ecs = o.subnet.unwrap();
        assert_eq!((ecs.address, ecs.source_prefix), ("10.1.2.0".parse().unwrap(), 24));
        assert_eq!(
            p("example.com +subnet=2001:db8::1")
                .unwrap()
                .subnet
                .unwrap()
                .source_prefix,
            128
        );
        assert!(p("example.com +subnet=10.0.0.0/24 +nosubnet").unwrap().subnet.is_none());
        assert!(!p("example.com").unwrap().why);
        for bad in ["+subnet=10.0.0.0/33", "+subnet=nonsense", "+subnet", "+why=1"] {
            assert!(p(&format!("example.com {bad}")).is_err(), "{bad}");
        }
    }

    #[test]
    fn positional_type_and_class_in_any_order() {
        for line in ["example.com MX CH", "MX example.com CH", "ch mx example.com"] {
            let o = p(line).unwrap();
            assert_eq!((o.qtype, o.qclass), (RecordType::MX, Class::CH), "{line}");
            assert_eq!(o.name.to_string(), "example.com.");
        }
        let o = p("x. TYPE65534 CLASS32").unwrap();
        assert_eq!((o.qtype, o.qclass), (RecordType(65534), Class(32)));
        // The second type-looking word is the name, as in dig.
        let o = p("ns ns").unwrap();
        assert_eq!((o.qtype, o.name.to_string().as_str()), (RecordType::NS, "ns."));
        assert_eq!(p("a.example. A extra").unwrap_err(), UsageError::Extra("extra".into()));
    }

    #[test]
    fn servers_and_ports() {
        let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        assert_eq!(parse_server("127.0.0.1"), Ok(ServerSpec::Addr(v4, None)));
        assert_eq!(parse_server("127.0.0.1:5300"), Ok(ServerSpec::Addr(v4, Some(5300))));
        assert_eq!(parse_server("::1"), Ok(ServerSpec::Addr(v6, None)));
        assert_eq!(parse_server("[::1]"), Ok(ServerSpec::Addr(v6, None)));
        assert_eq!(parse_server("[::1]:5300"), Ok(ServerSpec::Addr(v6, Some(5300))));
        assert_eq!(
            parse_server("localhost"),
            Ok(ServerSpec::Host("localhost".into(), None))
        );
        assert_eq!(
            parse_server("ns1.example:53"),
            Ok(ServerSpec::Host("ns1.example".into(), Some(53)))
        );
        for bad in ["", "[::1", "[::1]5300", "[nope]:53", "a b", "1.2.3.4:x"] {
            assert!(parse_server(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_server("1.2.3.4:0"), Err(UsageError::BadPort("0".into())));
        let o = p("@127.0.0.1 -p 5300 example.com").unwrap();
        assert_eq!(o.port, Some(5300));
        assert_eq!(p("-p5300 x.").unwrap().port, Some(5300));
        assert_eq!(p("x. -p").unwrap_err(), UsageError::MissingValue("-p"));
        assert_eq!(p("x. -p 70000").unwrap_err(), UsageError::BadPort("70000".into()));
    }

    #[test]
    fn plus_options() {
        let o = p("x. +tcp +dnssec +norec +cd +timeout=2 +tries=1 +bufsize=4096").unwrap();
        assert!(o.tcp && o.dnssec && !o.recurse && o.cd);
        assert_eq!((o.timeout, o.tries, o.bufsize), (Duration::from_secs(2), 1, 4096));
        assert_eq!(p("x. +retry=0").unwrap().tries, 1);
        assert_eq!(p("x. +short").unwrap().style, OutputStyle::Short);
        assert_eq!(p("x. +json +short").unwrap().style, OutputStyle::Json);
        assert!(!p("x. +noedns").unwrap().edns);
        let o = p("x. +noall +answer").unwrap();
        assert_eq!(
            o.sections,
            Sections {
                answer: true,
                ..Sections::NONE
            }
        );
        assert!(p("x. +nomultiline +NOCMD").is_ok());
        assert!(matches!(p("x. +frobnicate"), Err(UsageError::UnknownOption(_))));
        assert!(matches!(p("x. +timeout=0"), Err(UsageError::BadValue { .. })));
        assert!(matches!(p("x. +tries=abc"), Err(UsageError::BadValue { .. })));
        assert!(matches!(p("x. +tcp=1"), Err(UsageError::BadValue { .. })));
        assert_eq!(p("x. +timeout").unwrap_err(), UsageError::MissingValue("+timeout"));
    }

    #[test]
    fn encrypted_transports_with_kdig_option_names() {
        assert_eq!(p("x.").unwrap().encryption, None);
        let e = p("x. +tls").unwrap().encryption.unwrap();
        assert_eq!((e.https, e.ca, e.hostname), (None, None, None));
        let e = p("x. +tls +tls-ca=/tmp/ca.pem +tls-hostname=dns.example")
            .unwrap()
            .encryption
            .unwrap();
        assert_eq!(e.ca, Some(Some(std::path::PathBuf::from("/tmp/ca.pem"))));
        assert_eq!(e.hostname.as_deref(), Some("dns.example"));
        assert_eq!(p("x. +tls +tls-ca").unwrap().encryption.unwrap().ca, Some(None));
        let e = p("x. +https").unwrap().encryption.unwrap();
        assert_eq!((e.https.as_deref(), e.get), (Some("/dns-query"), false));
        let e = p("x. +https-get=/q").unwrap().encryption.unwrap();
        assert_eq!((e.https.as_deref(), e.get), (Some("/q"), true));
        assert!(matches!(p("x. +https=q"), Err(UsageError::BadValue { .. })));
        assert_eq!(
            p("x. +tls-hostname").unwrap_err(),
            UsageError::MissingValue("+tls-hostname")
        );
        assert_eq!(p("x. +tls +notls").unwrap().encryption, None);
    }

    #[test]
    fn names() {
        assert_eq!(p("").unwrap_err(), UsageError::MissingName);
        assert_eq!(p("+short").unwrap_err(), UsageError::MissingName);
        assert_eq!(p("bücher.example").unwrap().name.to_string(), "xn--bcher-kva.example.");
        assert_eq!(p(".").unwrap().name.to_string(), ".");
        assert!(matches!(p("a..b"), Err(UsageError::BadName { .. })));
        assert!(matches!(p("-x example.com"), Err(UsageError::UnknownFlag(_))));
        assert_eq!(p("x. AXFR").unwrap_err(), UsageError::Unsupported(RecordType::AXFR));
    }
}
