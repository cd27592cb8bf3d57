//! Delegation checks: before the registry publishes a delegation (a domain create, or an
//! update that changes its name servers or DS data), it asks each named server over DNS
//! whether the delegation would work.
//!
//! For every address of every name server, [`check_delegation`] asks for the domain's SOA
//! and NS RRsets (and, when DS data is given, its DNSKEY RRset), with recursion not desired,
//! and reports what it finds as [`Finding`]s:
//!
//! - a server that does not answer, or answers without authority, is *lame* (RFC 1034 §4.2.2:
//!   a server named for a zone must hold the zone; RFC 8499 §7, formerly RFC 7719, "lame
//!   delegation"): [`Finding::NoAnswer`], [`Finding::NotAuthoritative`];
//! - a server whose NS RRset for the zone differs from the delegation: [`Finding::NsMismatch`]
//!   (RFC 1034 §4.2.2: the parent's NS RRset should match the child's);
//! - servers answering with different SOA serials: [`Finding::SerialDisagreement`] (the
//!   zone's copies are not in step, RFC 1034 §4.3.5);
//! - a name server whose name has no address: [`Finding::NoAddress`];
//! - a DS record matching none of the DNSKEYs the servers give: [`Finding::DsMatchesNoDnskey`]
//!   (RFC 4035 §2.4: a DS RR refers to a DNSKEY RR of the child; a DS that refers to none
//!   breaks validation of the child, RFC 4035 §5.2).
//!
//! Bounded: each question waits at most [`CheckOptions::timeout`] (2 s by default) and is
//! asked at most [`CheckOptions::tries`] times over UDP (again over TCP when the reply is
//! truncated, RFC 7766 §5); the servers are asked in parallel. Questions go only to the
//! addresses given (the host objects' addresses) on [`CheckOptions::port`], and, for a name
//! server without addresses, to [`CheckOptions::resolver`] (a recursive resolver asked for
//! the name's A and AAAA records).
//!
//! This is the one module of the crate that speaks DNS over the network; what to do with a
//! report (warn or refuse, [`crate::policy::DelegationPolicy`]) is the EPP service's
//! decision.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use banyan_wire::message::MessageBuilder;
use banyan_wire::{Class, Header, Message, Name, RData, Rcode, RecordType};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpStream, UdpSocket};

use crate::model::DsData;

/// How long one question waits for its answer by default.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// How many times a question is asked by default before the server counts as silent.
pub const QUERY_TRIES: u32 = 2;

/// The largest UDP reply asked for (EDNS(0), RFC 6891; 1232 octets, the DNS flag day 2020
/// value that avoids fragmentation).
const UDP_PAYLOAD: u16 = 1232;

/// Where and how patiently [`check_delegation`] asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// The port the name servers are asked on (default 53).
    pub port: u16,
    /// How long one question waits for its answer (default [`QUERY_TIMEOUT`]).
    pub timeout: Duration,
    /// How many times a question is asked (default [`QUERY_TRIES`]; at least 1).
    pub tries: u32,
    /// A recursive resolver to ask for the addresses of name servers given without any (those
    /// outside the registry's TLDs); `None` (the default) reports them as
    /// [`Finding::NoAddress`].
    pub resolver: Option<SocketAddr>,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            port: 53,
            timeout: QUERY_TIMEOUT,
            tries: QUERY_TRIES,
            resolver: None,
        }
    }
}

/// Why a server that answered is not authoritative for the zone (RFC 1034 §4.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lameness {
    /// It answered with an error code (REFUSED, SERVFAIL, NXDOMAIN…).
    Rcode(Rcode),
    /// It answered without the AA bit (RFC 1035 §4.1.1): a referral, or a cached answer.
    NotAa,
    /// It answered with authority but without the zone's SOA.
    NoSoa,
    /// Its reply could not be read as an answer to the question.
    Malformed,
}

impl fmt::Display for Lameness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lameness::Rcode(r) => write!(f, "answered {r}"),
            Lameness::NotAa => f.write_str("answered without authority (no AA bit)"),
            Lameness::NoSoa => f.write_str("gave no SOA record for the zone"),
            Lameness::Malformed => f.write_str("sent a malformed reply"),
        }
    }
}

/// One problem a delegation check found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// No address could be found for a name server: it has no host addresses and the
    /// resolver (if any) gave none.
    NoAddress {
        /// The name server.
        server: Name,
    },
    /// The server did not answer (every try timed out or the port was closed): lame
    /// (RFC 8499 §7).
    NoAnswer {
        /// The name server.
        server: Name,
        /// The address asked.
        addr: IpAddr,
    },
    /// The server answered, but not authoritatively for the zone: lame (RFC 1034 §4.2.2).
    NotAuthoritative {
        /// The name server.
        server: Name,
        /// The address asked.
        addr: IpAddr,
        /// What it answered.
        reason: Lameness,
    },
    /// The server's NS RRset for the zone is not the delegation's.
    NsMismatch {
        /// The name server.
        server: Name,
        /// The address asked.
        addr: IpAddr,
        /// The NS RRset it gave, in canonical order.
        child: Vec<Name>,
    },
    /// The servers that answered gave different SOA serials.
    SerialDisagreement {
        /// Each server's answer: its name, the address asked and the serial.
        serials: Vec<(Name, IpAddr, u32)>,
    },
    /// A DS record refers to no DNSKEY the servers gave (RFC 4035 §2.4).
    DsMatchesNoDnskey {
        /// The DS record's key tag.
        key_tag: u16,
        /// Its algorithm.
        algorithm: u8,
        /// Its digest type.
        digest_type: u8,
    },
}

/// What a [`Finding`] is about, for quoting the client's element (RFC 5730 §2.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A name server (`<domain:hostObj>`).
    NameServer(Name),
    /// A DS record (`<secDNS:keyTag>`).
    KeyTag(u16),
    /// The delegation as a whole (`<domain:name>`).
    Domain,
}

impl Finding {
    /// What the finding is about.
    pub fn subject(&self) -> Subject {
        match self {
            Finding::NoAddress { server }
            | Finding::NoAnswer { server, .. }
            | Finding::NotAuthoritative { server, .. }
            | Finding::NsMismatch { server, .. } => Subject::NameServer(server.clone()),
            Finding::SerialDisagreement { .. } => Subject::Domain,
            Finding::DsMatchesNoDnskey { key_tag, .. } => Subject::KeyTag(*key_tag),
        }
    }
}

/// A name without its final dot, as EPP and RDAP write names.
fn bare(name: &Name) -> String {
    let text = name.to_string();
    match text.strip_suffix('.') {
        Some(t) if !t.is_empty() => t.to_owned(),
        _ => text,
    }
}

impl fmt::Display for Finding {
    /// One line for people (EPP `<reason>`, RDAP remark description).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::NoAddress { server } => write!(f, "{}: no address found for the name server", bare(server)),
            Finding::NoAnswer { server, addr } => write!(f, "{} ({addr}): no answer (lame delegation)", bare(server)),
            Finding::NotAuthoritative { server, addr, reason } => {
                write!(
                    f,
                    "{} ({addr}): not authoritative, {reason} (lame delegation)",
                    bare(server)
                )
            }
            Finding::NsMismatch { server, addr, child } => {
                let list: Vec<String> = child.iter().map(bare).collect();
                write!(
                    f,
                    "{} ({addr}): the zone's NS set ({}) differs from the delegation",
                    bare(server),
                    if list.is_empty() {
                        "empty".to_owned()
                    } else {
                        list.join(" ")
                    }
                )
            }
            Finding::SerialDisagreement { serials } => {
                f.write_str("the servers answer different SOA serials:")?;
                for (name, addr, serial) in serials {
                    write!(f, " {} ({addr}) {serial};", bare(name))?;
                }
                Ok(())
            }
            Finding::DsMatchesNoDnskey {
                key_tag,
                algorithm,
                digest_type,
            } => write!(
                f,
                "DS {key_tag} {algorithm} {digest_type}: matches no DNSKEY served for the zone"
            ),
        }
    }
}

/// What [`check_delegation`] found: nothing, when the delegation is good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelegationReport {
    /// The domain checked.
    pub domain: Name,
    /// The problems, name server by name server (in the order given), then serials, then DS.
    pub findings: Vec<Finding>,
}

impl DelegationReport {
    /// True when nothing was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// One line per finding, for people.
    pub fn lines(&self) -> Vec<String> {
        self.findings.iter().map(ToString::to_string).collect()
    }
}

/// Why one DNS question got no usable reply.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// No reply within the timeout, on any try.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The network: sending, receiving, or a closed port (ICMP unreachable).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The reply was not a well-formed answer to the question.
    #[error("malformed reply: {0}")]
    Malformed(&'static str),
}

/// What a server said about the zone when it answered with authority.
#[derive(Debug)]
struct Authoritative {
    serial: u32,
    ns: Vec<Name>,
    /// DNSKEY RDATA (wire form), when asked.
    keys: Vec<Vec<u8>>,
}

/// Checks the delegation of `domain` to the name servers `ns` (each with its addresses; an
/// empty list asks [`CheckOptions::resolver`]) and, when `ds` is not empty, that each DS
/// record matches a DNSKEY the servers give. See the module documentation for what is asked
/// and reported; network failures are findings, not errors.
pub async fn check_delegation(
    domain: &Name,
    ns: &[(Name, Vec<IpAddr>)],
    ds: &[DsData],
    options: &CheckOptions,
) -> DelegationReport {
    let mut findings = Vec::new();

    // Addresses of the name servers given without any, from the resolver, in parallel.
    let lookups: Vec<_> = ns
        .iter()
        .map(|(name, addrs)| {
            let (name, addrs, options) = (name.clone(), addrs.clone(), options.clone());
            tokio::spawn(async move {
                if addrs.is_empty() {
                    resolve(&name, &options).await
                } else {
                    addrs
                }
            })
        })
        .collect();
    let mut targets: Vec<(Name, IpAddr)> = Vec::new();
    for ((name, _), lookup) in ns.iter().zip(lookups) {
        let mut addrs = lookup.await.unwrap_or_default();
        addrs.sort();
        addrs.dedup();
        if addrs.is_empty() {
            findings.push(Finding::NoAddress { server: name.clone() });
        }
        targets.extend(addrs.into_iter().map(|a| (name.clone(), a)));
    }

    // Every address, in parallel.
    let want_keys = !ds.is_empty();
    let probes: Vec<_> = targets
        .iter()
        .map(|(_, addr)| {
            let (domain, options, addr) = (domain.clone(), options.clone(), *addr);
            tokio::spawn(async move { probe(&domain, SocketAddr::new(addr, options.port), want_keys, &options).await })
        })
        .collect();
    let mut delegated: Vec<Name> = ns.iter().map(|(n, _)| n.clone()).collect();
    delegated.sort();
    delegated.dedup();
    let mut serials: Vec<(Name, IpAddr, u32)> = Vec::new();
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for ((server, addr), probe) in targets.into_iter().zip(probes) {
        // A probe task only fails by panicking; count it as silence.
        let outcome = probe.await.unwrap_or(Err(None));
        match outcome {
            Err(None) => findings.push(Finding::NoAnswer { server, addr }),
            Err(Some(reason)) => findings.push(Finding::NotAuthoritative { server, addr, reason }),
            Ok(auth) => {
                if auth.ns != delegated {
                    findings.push(Finding::NsMismatch {
                        server: server.clone(),
                        addr,
                        child: auth.ns,
                    });
                }
                serials.push((server, addr, auth.serial));
                for k in auth.keys {
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
            }
        }
    }
    if serials
        .iter()
        .any(|(_, _, s)| Some(s) != serials.first().map(|(_, _, s)| s))
    {
        findings.push(Finding::SerialDisagreement { serials });
    }
    for d in ds {
        if !keys.iter().any(|k| ds_matches_key(domain, d, k)) {
            findings.push(Finding::DsMatchesNoDnskey {
                key_tag: d.key_tag,
                algorithm: d.alg,
                digest_type: d.digest_type,
            });
        }
    }
    DelegationReport {
        domain: domain.clone(),
        findings,
    }
}

/// Whether DS data `d` refers to the DNSKEY `key` (RDATA) at `owner` (RFC 4034 §5.1.4,
/// RFC 4035 §2.4). For a digest type this build cannot compute (GOST, unassigned), the key
/// tag and algorithm alone decide: the registry cannot tell such a DS is wrong.
fn ds_matches_key(owner: &Name, d: &DsData, key: &[u8]) -> bool {
    let Some(&algorithm) = key.get(3) else {
        return false;
    };
    if banyan_dnssec::key_tag(key) != d.key_tag || algorithm != d.alg {
        return false;
    }
    match banyan_dnssec::ds_digest(owner, key, d.digest_type) {
        Some(digest) => digest == d.digest,
        None => true,
    }
}

/// Asks one server about the zone: its SOA, then its NS RRset, then (when `want_keys`) its
/// DNSKEY RRset. `Err(None)` when it did not answer, `Err(Some(reason))` when it answered
/// without authority.
async fn probe(
    domain: &Name,
    server: SocketAddr,
    want_keys: bool,
    options: &CheckOptions,
) -> Result<Authoritative, Option<Lameness>> {
    let soa = authoritative(server, domain, RecordType::SOA, options).await?;
    let serial = soa
        .iter()
        .find_map(|r| match r {
            RData::SOA(s) => Some(s.serial),
            _ => None,
        })
        .ok_or(Some(Lameness::NoSoa))?;
    let mut ns: Vec<Name> = authoritative(server, domain, RecordType::NS, options)
        .await?
        .into_iter()
        .filter_map(|r| match r {
            RData::NS(n) => Some(n),
            _ => None,
        })
        .collect();
    ns.sort();
    ns.dedup();
    let keys = if want_keys {
        // A server that gives no DNSKEY RRset contributes no keys; the DS check says so.
        authoritative(server, domain, RecordType::DNSKEY, options)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| matches!(r, RData::DNSKEY(_)))
            .map(|r| r.to_wire())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Authoritative { serial, ns, keys })
}

/// The RDATA of the answer records of type `qtype` owned by `domain`, when `server` answers
/// with authority and no error (an empty answer is NODATA).
async fn authoritative(
    server: SocketAddr,
    domain: &Name,
    qtype: RecordType,
    options: &CheckOptions,
) -> Result<Vec<RData>, Option<Lameness>> {
    let reply = query(server, domain, qtype, false, options)
        .await
        .map_err(|e| match e {
            QueryError::Malformed(_) => Some(Lameness::Malformed),
            QueryError::Timeout(_) | QueryError::Io(_) => None,
        })?;
    let msg = Message::parse(&reply).map_err(|_| Some(Lameness::Malformed))?;
    if msg.rcode() != Rcode::NOERROR {
        return Err(Some(Lameness::Rcode(msg.rcode())));
    }
    if !msg.header().aa {
        return Err(Some(Lameness::NotAa));
    }
    Ok(answer_data(&msg, domain, qtype))
}

/// The typed RDATA of the answers of type `qtype` at `owner` (records that do not parse are
/// skipped).
fn answer_data(msg: &Message<'_>, owner: &Name, qtype: RecordType) -> Vec<RData> {
    msg.answers()
        .filter(|r| r.rtype == qtype && r.name.eq_name(owner))
        .filter_map(|r| r.rdata().ok())
        .collect()
}

/// The addresses of `name` from the resolver (A and AAAA, recursion desired); empty when
/// there is no resolver or it gives none.
async fn resolve(name: &Name, options: &CheckOptions) -> Vec<IpAddr> {
    let Some(resolver) = options.resolver else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for qtype in [RecordType::A, RecordType::AAAA] {
        let Ok(reply) = query(resolver, name, qtype, true, options).await else {
            continue;
        };
        let Ok(msg) = Message::parse(&reply) else {
            continue;
        };
        if msg.rcode() != Rcode::NOERROR {
            continue;
        }
        // Any address record in the answer: after a CNAME the owner is another name.
        for r in msg.answers().filter_map(|r| r.rdata().ok()) {
            match r {
                RData::A(a) => out.push(IpAddr::V4(a.0)),
                RData::AAAA(a) => out.push(IpAddr::V6(a.0)),
                _ => {}
            }
        }
    }
    out
}

/// Asks `server` the question (`qname`, `qtype`, IN) with EDNS(0): over UDP, up to
/// [`CheckOptions::tries`] times, each waiting [`CheckOptions::timeout`]; again over TCP when
/// the reply is truncated. Returns the reply, checked to answer the question (ID, QR bit,
/// question).
pub async fn query(
    server: SocketAddr,
    qname: &Name,
    qtype: RecordType,
    recursion: bool,
    options: &CheckOptions,
) -> Result<Vec<u8>, QueryError> {
    let mut last = QueryError::Timeout(options.timeout);
    for _ in 0..options.tries.max(1) {
        let id: u16 = rand::random();
        let question = build_question(id, qname, qtype, recursion);
        match tokio::time::timeout(options.timeout, udp_exchange(server, &question, id, qname, qtype)).await {
            Ok(Ok(reply)) => {
                if Header::parse(&reply).is_some_and(|h| h.tc) {
                    return tokio::time::timeout(options.timeout, tcp_exchange(server, &question, id, qname, qtype))
                        .await
                        .map_err(|_| QueryError::Timeout(options.timeout))?;
                }
                return Ok(reply);
            }
            Ok(Err(e)) => last = e,
            Err(_) => last = QueryError::Timeout(options.timeout),
        }
    }
    Err(last)
}

/// A question with EDNS(0) (RFC 6891), recursion desired when `recursion`.
fn build_question(id: u16, qname: &Name, qtype: RecordType, recursion: bool) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64);
    let mut b = MessageBuilder::new(
        &mut buf,
        Header {
            id,
            rd: recursion,
            ..Header::default()
        },
    );
    // A name fits an empty message, and the OPT record after it: neither can fail.
    let _ = b.question(qname, qtype, Class::IN);
    let _ = b.edns(&banyan_wire::edns::Edns {
        udp_payload_size: UDP_PAYLOAD,
        ..banyan_wire::edns::Edns::default()
    });
    b.finish();
    buf
}

/// Checks that `reply` answers question `id` about (`qname`, `qtype`).
fn answers_question(reply: &[u8], id: u16, qname: &Name, qtype: RecordType) -> Result<(), QueryError> {
    let msg = Message::parse(reply).map_err(|_| QueryError::Malformed("not a DNS message"))?;
    if msg.id() != id || !msg.header().qr {
        return Err(QueryError::Malformed("not a reply to the question"));
    }
    match msg.question() {
        Some(q) if q.qtype == qtype && q.qname.eq_name(qname) => Ok(()),
        // RFC 1035 lets an error reply leave the question out.
        None if msg.rcode() != Rcode::NOERROR => Ok(()),
        _ => Err(QueryError::Malformed("the reply's question is another")),
    }
}

/// One UDP exchange: datagrams with another ID are strays and skipped; the caller bounds the
/// wait.
async fn udp_exchange(
    server: SocketAddr,
    question: &[u8],
    id: u16,
    qname: &Name,
    qtype: RecordType,
) -> Result<Vec<u8>, QueryError> {
    let local: SocketAddr = if server.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(local).await?;
    socket.connect(server).await?;
    socket.send(question).await?;
    let mut buf = vec![0u8; usize::from(UDP_PAYLOAD).max(512)];
    loop {
        let n = socket.recv(&mut buf).await?;
        let reply = buf.get(..n).unwrap_or_default();
        if reply.len() >= 2 && u16::from_be_bytes([reply[0], reply[1]]) == id {
            answers_question(reply, id, qname, qtype)?;
            return Ok(reply.to_vec());
        }
    }
}

/// One TCP exchange (RFC 1035 §4.2.2: two-octet length, then the message); the caller bounds
/// the wait.
async fn tcp_exchange(
    server: SocketAddr,
    question: &[u8],
    id: u16,
    qname: &Name,
    qtype: RecordType,
) -> Result<Vec<u8>, QueryError> {
    let mut stream = TcpStream::connect(server).await?;
    let len = u16::try_from(question.len()).map_err(|_| QueryError::Malformed("question too long"))?;
    let mut framed = Vec::with_capacity(question.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(question);
    stream.write_all(&framed).await?;
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).await?;
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut reply).await?;
    answers_question(&reply, id, qname, qtype)?;
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        Name::parse(s, None).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn findings_read_as_sentences() {
        let f = Finding::NoAnswer {
            server: n("ns1.example.test."),
            addr: "192.0.2.1".parse().unwrap_or_else(|e| panic!("{e}")),
        };
        assert_eq!(
            f.to_string(),
            "ns1.example.test (192.0.2.1): no answer (lame delegation)"
        );
        assert_eq!(f.subject(), Subject::NameServer(n("ns1.example.test.")));
        let d = Finding::DsMatchesNoDnskey {
            key_tag: 12345,
            algorithm: 13,
            digest_type: 2,
        };
        assert_eq!(d.to_string(), "DS 12345 13 2: matches no DNSKEY served for the zone");
        assert_eq!(d.subject(), Subject::KeyTag(12345));
    }

    #[test]
    fn rfc4034_section_5_1_4_ds_of_a_key() {
        let owner = n("example.test.");
        let key = [1u8, 1, 3, 13, 9, 9, 9, 9];
        let tag = banyan_dnssec::key_tag(&key);
        let digest = banyan_dnssec::ds_digest(&owner, &key, 2).unwrap_or_default();
        let good = DsData {
            key_tag: tag,
            alg: 13,
            digest_type: 2,
            digest: digest.clone(),
        };
        assert!(ds_matches_key(&owner, &good, &key));
        assert!(ds_matches_key(&n("EXAMPLE.test."), &good, &key));
        let wrong_digest = DsData {
            digest: vec![0; 32],
            ..good.clone()
        };
        assert!(!ds_matches_key(&owner, &wrong_digest, &key));
        let wrong_alg = DsData { alg: 8, ..good.clone() };
        assert!(!ds_matches_key(&owner, &wrong_alg, &key));
        let gost = DsData {
            digest_type: 3,
            digest: vec![0; 32],
            ..good
        };
        assert!(ds_matches_key(&owner, &gost, &key));
        assert!(!ds_matches_key(&owner, &wrong_digest, &key[..2]));
    }

    #[test]
    fn questions_carry_edns_and_rd_as_asked() {
        let q = build_question(7, &n("example.test."), RecordType::SOA, false);
        let msg = Message::parse(&q).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(msg.id(), 7);
        assert!(!msg.header().rd);
        assert!(msg.edns().is_some());
        assert!(
            answers_question(&q, 7, &n("example.test."), RecordType::SOA).is_err(),
            "QR bit unset"
        );
    }
}
