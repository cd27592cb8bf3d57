//! The registry's WHOIS service (RFC 3912): one query line in, text out, connection closed.
//!
//! A query is a line of at most [`MAX_QUERY_LEN`] octets ended by CR LF (a bare LF is
//! accepted too), read within [`WhoisConfig::read_timeout`]:
//!
//! | query | answer |
//! |---|---|
//! | `NAME` or `domain NAME` | the domain, in the layout gTLD registries use (ICANN's RDDS output: `Domain Name:`, `Registry Domain ID:`, …, `>>> Last update of WHOIS database: … <<<`); a bare `NAME` that is no domain but a host gets the name server answer |
//! | `nameserver NAME` (or `ns`, `host`) | the host object: `Server Name:`, `IP Address:`, `Registrar:` |
//!
//! A domain answer ends, after `DNSSEC:`, with one `Delegation check: DATE: FINDING` line per
//! problem the last delegation check found ([`crate::delegation`]; the same text as RDAP's
//! "Delegation check" remark, from [`crate::DelegationFindings`]).
//!
//! Names may be given with U-labels; a leading `=` (an exact-match flag some clients send) is
//! ignored. Unknown names get `No match for "NAME".`. Contacts are published as RDAP
//! publishes them ([`crate::ContactInfo::published`]): withheld fields read
//! "REDACTED FOR PRIVACY". [`answer`] makes the text without a socket; [`serve`] runs the
//! TCP service.

use std::fmt::Write as _;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use banyan_wire::Name;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::lookup::{Clock, DomainRecord, Published};
use crate::model::{ContactType, DelegationFindings, HostInfo};
use crate::rdap::json::REDACTED;
use crate::time::datetime;
use crate::{Registry, RegistryError};

/// The longest query line, CR LF excluded.
pub const MAX_QUERY_LEN: usize = 512;

/// How the WHOIS service describes itself and how long it waits.
#[derive(Clone, Debug)]
pub struct WhoisConfig {
    /// The WHOIS server's host name, shown as `Registrar WHOIS Server:` (the registry answers
    /// for its registrars; it keeps no registrar's own server).
    pub server_name: String,
    /// Where `now` comes from (grace periods, "Last update of WHOIS database").
    pub clock: Clock,
    /// How long a client may take to send its query line.
    pub read_timeout: Duration,
    /// How long the answer may take to be written.
    pub write_timeout: Duration,
    /// The most connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// The terms of use, printed after every answer.
    pub terms: String,
}

impl WhoisConfig {
    /// A service named `server_name` on the system clock, with 10-second timeouts and at most
    /// 256 connections.
    pub fn new(server_name: impl Into<String>) -> WhoisConfig {
        WhoisConfig {
            server_name: server_name.into(),
            clock: Clock::system(),
            read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_connections: 256,
            terms: "TERMS OF USE: The data in this registry's WHOIS service is provided for information \
                    about domain name registrations only. Personal data of contacts is withheld unless \
                    the contact agreed to its publication."
                .into(),
        }
    }
}

/// Why a connection got no answer, or an error line instead (RFC 3912 defines no error
/// format: these become `Error: …` text or a closed connection).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WhoisError {
    /// The query line is longer than [`MAX_QUERY_LEN`].
    #[error("the query is longer than {MAX_QUERY_LEN} octets")]
    TooLong,
    /// The query line is not UTF-8 text.
    #[error("the query is not UTF-8 text")]
    NotText,
    /// The client sent no complete line in time.
    #[error("no query line within the timeout")]
    Timeout,
    /// The connection failed.
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),
    /// The registry could not answer.
    #[error("the registry could not answer")]
    Registry(#[from] RegistryError),
}

/// What a query line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WhoisQuery {
    /// `NAME`: a domain, else a host.
    Any(Name),
    /// `domain NAME`.
    Domain(Name),
    /// `nameserver NAME`.
    Nameserver(Name),
    /// Not a name: answered with "No match" for the text given.
    Unparsable(String),
}

impl WhoisQuery {
    /// Reads a query line (without its CR LF).
    pub fn parse(line: &str) -> WhoisQuery {
        let line = line.trim();
        let line = line.strip_prefix('=').unwrap_or(line).trim_start();
        let (keyword, rest) = match line.split_once(char::is_whitespace) {
            Some((k, rest)) => (Some(k.to_ascii_lowercase()), rest.trim()),
            None => (None, line),
        };
        let kind = match keyword.as_deref() {
            None => WhoisQuery::Any,
            Some("domain") => WhoisQuery::Domain,
            Some("nameserver" | "ns" | "host") => WhoisQuery::Nameserver,
            Some(_) => return WhoisQuery::Unparsable(line.to_string()),
        };
        let ldh = |n: &Name| {
            !n.is_root()
                && n.labels()
                    .all(|l| l.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-'))
        };
        match Name::from_unicode(rest) {
            Ok(n) if ldh(&n) => kind(n.to_lowercase()),
            _ => WhoisQuery::Unparsable(rest.to_string()),
        }
    }
}

/// A name as WHOIS shows it: upper case, A-labels, no final dot.
fn upper(name: &Name) -> String {
    name.to_string().trim_end_matches('.').to_ascii_uppercase()
}

/// The answer to one query line, CR LF line ends included (RFC 3912 §2).
pub async fn answer(registry: &Registry, config: &WhoisConfig, line: &str) -> Result<String, RegistryError> {
    let now = config.clock.now();
    let mut out = match WhoisQuery::parse(line) {
        WhoisQuery::Domain(name) => match registry.lookup_domain_record(&name, now).await? {
            Some(record) => domain_text(config, &record),
            None => no_match(&upper(&name)),
        },
        WhoisQuery::Any(name) => match registry.lookup_domain_record(&name, now).await? {
            Some(record) => domain_text(config, &record),
            None => match registry.lookup_host(&name).await? {
                Some(host) => host_text(registry, &host).await?,
                None => no_match(&upper(&name)),
            },
        },
        WhoisQuery::Nameserver(name) => match registry.lookup_host(&name).await? {
            Some(host) => host_text(registry, &host).await?,
            None => no_match(&upper(&name)),
        },
        WhoisQuery::Unparsable(text) => {
            // Echoed back: no control characters from the client in the answer.
            let shown: String = text.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
            no_match(&shown.to_uppercase())
        }
    };
    footer(&mut out, config, now);
    Ok(out)
}

fn no_match(what: &str) -> String {
    format!("No match for \"{what}\".\r\n")
}

/// Adds a `Key: value` line.
fn line(out: &mut String, key: &str, value: &str) {
    let _ = write!(out, "{key}: {value}\r\n");
}

fn footer(out: &mut String, config: &WhoisConfig, now: i64) {
    let _ = write!(out, ">>> Last update of WHOIS database: {} <<<\r\n\r\n", datetime(now));
    out.push_str("For more information on Whois status codes, please visit https://icann.org/epp\r\n\r\n");
    out.push_str(&config.terms);
    out.push_str("\r\n");
}

fn domain_text(config: &WhoisConfig, record: &DomainRecord) -> String {
    let d = &record.domain;
    let mut out = String::new();
    line(&mut out, "Domain Name", &upper(&d.name));
    line(&mut out, "Registry Domain ID", &d.roid);
    line(&mut out, "Registrar WHOIS Server", &config.server_name);
    line(&mut out, "Registrar URL", "");
    line(&mut out, "Updated Date", &d.up_date.map(datetime).unwrap_or_default());
    line(&mut out, "Creation Date", &datetime(d.cr_date));
    line(&mut out, "Registry Expiry Date", &datetime(d.ex_date));
    let registrar = record.registrar.as_ref().map_or(d.cl_id.as_str(), |r| r.name.as_str());
    line(&mut out, "Registrar", registrar);
    line(&mut out, "Registrar IANA ID", d.cl_id.as_str());
    let statuses = d
        .statuses
        .iter()
        .map(|s| s.as_str())
        .chain(d.rgp_statuses.iter().map(|s| s.as_str()));
    let mut seen: Vec<&str> = Vec::new();
    for s in statuses {
        if !seen.contains(&s) {
            line(&mut out, "Domain Status", &format!("{s} https://icann.org/epp#{s}"));
            seen.push(s);
        }
    }
    let roles = d.contact_roles();
    for (label, role) in [
        ("Registrant", None),
        ("Admin", Some(ContactType::Admin)),
        ("Tech", Some(ContactType::Tech)),
    ] {
        for (id, _) in roles.iter().filter(|(_, r)| r.contains(&role)) {
            contact_lines(&mut out, label, id, record);
        }
    }
    for ns in &d.ns {
        line(&mut out, "Name Server", &upper(ns));
    }
    line(
        &mut out,
        "DNSSEC",
        if d.ds.is_empty() {
            "unsigned"
        } else {
            "signedDelegation"
        },
    );
    // What the last delegation check found, in the words RDAP's remark uses.
    if let Some(found) = &record.delegation {
        for value in found.whois_values() {
            line(&mut out, DelegationFindings::TITLE, &value);
        }
    }
    out
}

/// The lines of one contact role, with withheld fields redacted.
fn contact_lines(out: &mut String, label: &str, id: &str, record: &DomainRecord) {
    line(out, &format!("Registry {label} ID"), id);
    let Some(p) = record.contact(id).map(|c| c.published()) else {
        return;
    };
    let text = |v: &Published<Option<String>>| match v {
        Published::Shown(v) => v.clone().unwrap_or_default(),
        Published::Redacted => REDACTED.to_string(),
    };
    line(
        out,
        &format!("{label} Name"),
        p.name.shown().map_or(REDACTED, String::as_str),
    );
    line(out, &format!("{label} Organization"), &text(&p.org));
    match &p.addr {
        Published::Shown(Some(a)) => {
            for s in &a.street {
                line(out, &format!("{label} Street"), s);
            }
            line(out, &format!("{label} City"), &a.city);
            line(out, &format!("{label} State/Province"), a.sp.as_deref().unwrap_or(""));
            line(out, &format!("{label} Postal Code"), a.pc.as_deref().unwrap_or(""));
            line(out, &format!("{label} Country"), &a.cc);
        }
        Published::Shown(None) => {}
        Published::Redacted => {
            for key in ["Street", "City", "State/Province", "Postal Code", "Country"] {
                line(out, &format!("{label} {key}"), REDACTED);
            }
        }
    }
    line(out, &format!("{label} Phone"), &text(&p.voice));
    line(out, &format!("{label} Fax"), &text(&p.fax));
    line(out, &format!("{label} Email"), &text(&p.email));
}

async fn host_text(registry: &Registry, host: &HostInfo) -> Result<String, RegistryError> {
    let mut out = String::new();
    line(&mut out, "Server Name", &upper(&host.name));
    for a in &host.addrs {
        line(&mut out, "IP Address", &a.to_string());
    }
    let registrar = registry.lookup_registrar(host.cl_id.as_str()).await?;
    line(
        &mut out,
        "Registrar",
        registrar.as_ref().map_or(host.cl_id.as_str(), |r| r.name.as_str()),
    );
    Ok(out)
}

/// Reads one query line: up to LF, at most [`MAX_QUERY_LEN`] octets before the CR LF.
async fn read_query(stream: &mut TcpStream) -> Result<String, WhoisError> {
    let mut buf = Vec::with_capacity(128);
    let mut chunk = [0u8; 256];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            // The client closed its side without a line end: take what came.
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.iter().position(|b| *b == b'\n') {
            buf.truncate(end);
            break;
        }
        if buf.len() > MAX_QUERY_LEN + 1 {
            return Err(WhoisError::TooLong);
        }
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    if buf.len() > MAX_QUERY_LEN {
        return Err(WhoisError::TooLong);
    }
    String::from_utf8(buf).map_err(|_| WhoisError::NotText)
}

/// Serves one connection: a query, its answer, close.
async fn connection(mut stream: TcpStream, registry: Registry, config: Arc<WhoisConfig>) -> Result<(), WhoisError> {
    let query = tokio::time::timeout(config.read_timeout, read_query(&mut stream))
        .await
        .map_err(|_| WhoisError::Timeout)?;
    let text = match query {
        Ok(q) => match answer(&registry, &config, &q).await {
            Ok(text) => text,
            Err(e) => format!("Error: {}.\r\n", WhoisError::from(e)),
        },
        Err(e @ (WhoisError::TooLong | WhoisError::NotText)) => format!("Error: {e}.\r\n"),
        Err(e) => return Err(e),
    };
    tokio::time::timeout(config.write_timeout, async {
        stream.write_all(text.as_bytes()).await?;
        stream.shutdown().await
    })
    .await
    .map_err(|_| WhoisError::Timeout)??;
    Ok(())
}

/// Serves WHOIS on `listener` until `stop` completes; connections still open then are
/// dropped. At most [`WhoisConfig::max_connections`] are served at once.
pub async fn serve(
    listener: TcpListener,
    registry: Registry,
    config: WhoisConfig,
    stop: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let config = Arc::new(config);
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let mut tasks = JoinSet::new();
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            () = &mut stop => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        // Reap finished connections so the set does not grow.
        while tasks.try_join_next().is_some() {}
        match accepted {
            Ok((stream, _)) => {
                let (registry, config) = (registry.clone(), config.clone());
                tasks.spawn(async move {
                    // A failed connection concerns only its client.
                    let _ = connection(stream, registry, config).await;
                    drop(permit);
                });
            }
            // Out of file descriptors and the like: pause rather than spin.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    tasks.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        Name::parse(s, None).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn rfc3912_query_lines() {
        assert_eq!(WhoisQuery::parse("EXAMPLE.TEST"), WhoisQuery::Any(n("example.test.")));
        assert_eq!(WhoisQuery::parse("=example.test."), WhoisQuery::Any(n("example.test.")));
        assert_eq!(
            WhoisQuery::parse("domain example.test"),
            WhoisQuery::Domain(n("example.test."))
        );
        assert_eq!(
            WhoisQuery::parse("nameserver NS1.example.test"),
            WhoisQuery::Nameserver(n("ns1.example.test."))
        );
        assert_eq!(
            WhoisQuery::parse("bücher.test"),
            WhoisQuery::Any(n("xn--bcher-kva.test."))
        );
        assert_eq!(WhoisQuery::parse("a_b.test"), WhoisQuery::Unparsable("a_b.test".into()));
        assert_eq!(
            WhoisQuery::parse("registrar x"),
            WhoisQuery::Unparsable("registrar x".into())
        );
        assert_eq!(WhoisQuery::parse(""), WhoisQuery::Unparsable(String::new()));
    }
}
