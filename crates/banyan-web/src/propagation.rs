//! The propagation panel of a domain: how far its latest change has travelled.
//!
//! Two questions, answered side by side:
//!
//! - **Do the authoritative servers serve it yet?** Each of the zone's name servers (its apex
//!   NS set, at the addresses of [`crate::WebConfig::dns_servers`]) is asked for the zone's
//!   SOA, live (RFC 1035 §4.3.5, the question a secondary asks its primary), and the serial it
//!   serves is compared with the store's in serial number arithmetic (RFC 1982 §3.2): equal or
//!   later is up to date.
//! - **When do caches let go of the old data?** A resolver that fetched a record just before
//!   the change may keep it for that record's TTL (RFC 1035 §3.2.1, RFC 2181 §8), and one
//!   that was told "no such name/data" keeps that for the SOA's negative TTL (RFC 2308 §5).
//!   Each change saved here records its time and the longest such TTL ([`stale_ttl`]); the
//!   horizon is the latest `time + TTL` over the zone's changes, read with the state's clock.
//!
//! What it does not know: a server that is behind keeps handing out the old data, so the
//! horizon really starts when the last server catches up; the panel says so rather than guess
//! when that will be. And resolvers that serve stale data (RFC 8767) may go past the horizon.

use std::net::SocketAddr;

use banyan_wire::{Name, RData, Rcode, Record, RecordType};
use banyan_zone::serial::serial_cmp;
use banyan_zone::ZoneDiff;
use serde::Serialize;

use crate::actions;
use crate::database::{User, ZoneChange};
use crate::dns_exchange::{self, ExchangeError};
use crate::error::WebError;
use crate::panels::{DomainPanel, PanelFuture};
use crate::state::AppState;

/// How long resolvers may keep the data `diff` replaced in the zone whose records were
/// `old`, in seconds:
///
/// - a removed record (deleted, or replaced by an edit): its own TTL;
/// - an added record: the TTL of the RRset of the same owner and type it joins, which caches
///   held without it; or, when there was none, the negative-caching TTL of the old SOA —
///   the lesser of its TTL and MINIMUM (RFC 2308 §5) — for a resolver that was told the name
///   or type did not exist.
///
/// The SOA itself is left out: every change replaces it, and its own caching is not what a
/// holder waits for.
pub fn stale_ttl(old: &[Record], diff: &ZoneDiff) -> u32 {
    let negative_ttl = old.iter().find_map(|r| match &r.data {
        RData::SOA(soa) => Some(r.ttl.min(soa.minimum)),
        _ => None,
    });
    let not_soa = |r: &&Record| r.rtype() != RecordType::SOA;
    let removed = diff.removed.iter().filter(not_soa).map(|r| r.ttl);
    let added = diff.added.iter().filter(not_soa).map(|r| {
        old.iter()
            .filter(|o| o.rtype() == r.rtype() && o.name == r.name)
            .map(|o| o.ttl)
            .max()
            .or(negative_ttl)
            .unwrap_or(0)
    });
    removed.chain(added).max().unwrap_or(0)
}

/// Whether a server serving `served` has the change that made `latest`: the same serial or a
/// later one in RFC 1982 §3.2 order. Serials exactly 2^31 apart have no order (§3.2) and
/// count as not up to date.
pub fn is_current(served: u32, latest: u32) -> bool {
    matches!(
        serial_cmp(served, latest),
        Some(std::cmp::Ordering::Equal | std::cmp::Ordering::Greater)
    )
}

/// Whether cached copies of replaced data may still be alive at `now`: they are until
/// `horizon` (the latest `change time + old TTL`), and gone from that second on.
pub fn cache_expired(horizon: i64, now: i64) -> bool {
    now >= horizon
}

/// Why a server's serial could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// No reply.
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    /// The reply did not parse.
    #[error("unreadable reply")]
    Unreadable,
    /// The server answered with an error (REFUSED when it does not serve the zone).
    #[error("answered {0}")]
    Rcode(Rcode),
    /// The reply lacks AA (RFC 1035 §4.1.1): the server does not serve the zone itself.
    #[error("not authoritative for the zone (lame)")]
    NotAuthoritative,
    /// No SOA of the zone in the answer section.
    #[error("no SOA in the answer")]
    NoSoa,
}

/// The serial of `zone` that `server` serves now: its answer to `zone SOA IN`
/// (RFC 1035 §4.3.5), asked without recursion.
pub async fn served_serial(server: SocketAddr, zone: &Name) -> Result<u32, ProbeError> {
    let reply = dns_exchange::ask(server, zone, RecordType::SOA, false).await?;
    let m = reply.message().map_err(|_| ProbeError::Unreadable)?;
    if m.rcode() != Rcode::NOERROR {
        return Err(ProbeError::Rcode(m.rcode()));
    }
    if !m.header().aa {
        return Err(ProbeError::NotAuthoritative);
    }
    m.answers()
        .filter(|r| r.rtype == RecordType::SOA && r.name.eq_name(zone))
        .find_map(|r| match r.rdata() {
            Ok(RData::SOA(soa)) => Some(soa.serial),
            _ => None,
        })
        .ok_or(ProbeError::NoSoa)
}

/// One authoritative server's row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerStatus {
    /// Its name, absolute (`ns1.example.`).
    pub name: String,
    /// The address asked (with port), when one is configured.
    pub address: Option<String>,
    /// The serial it serves.
    pub serial: Option<u32>,
    /// Why the serial is unknown.
    pub error: Option<String>,
    /// It serves the latest serial or a later one (RFC 1982).
    pub up_to_date: bool,
}

/// The latest change made here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeView {
    /// The serial it made.
    pub serial: u32,
    /// When, Unix seconds.
    pub time: i64,
    /// When, RFC 3339 (UTC).
    pub time_rfc3339: String,
    /// The longest TTL of the data it replaced ([`stale_ttl`]).
    pub old_ttl: u32,
}

/// The panel's content, and the JSON of `GET /api/domains/{name}/propagation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Propagation {
    /// The domain, without the final dot.
    pub domain: String,
    /// The serial in the zone store: what every server should serve.
    pub latest_serial: Option<u32>,
    /// Each authoritative server, in the order of the zone's NS set.
    pub servers: Vec<ServerStatus>,
    /// Every server answered with the latest serial.
    pub all_up_to_date: bool,
    /// The latest change of the records made here, if any.
    pub last_change: Option<ChangeView>,
    /// Until when (Unix seconds) cached copies of replaced data may live.
    pub cache_expiry: Option<i64>,
    /// The same, RFC 3339 (UTC).
    pub cache_expiry_rfc3339: Option<String>,
    /// The horizon has passed.
    pub cache_expired: Option<bool>,
    /// When this was checked, Unix seconds (the state's clock).
    pub checked_at: i64,
}

/// `unix` in RFC 3339 form, UTC (`2024-01-01T00:00:00Z`).
pub fn rfc3339(unix: i64) -> String {
    banyan_registry::time::datetime(unix)
}

/// Asks every authoritative server of `zone` for its serial and reads the change history.
pub async fn check(state: &AppState, zone: &Name) -> Result<Propagation, WebError> {
    let stored = state.store().load(zone).await?;
    let latest = stored.as_ref().map(|z| z.info.serial);
    // The zone's own NS set names its servers; the configuration says where each answers.
    let ns_names: Vec<Name> = stored
        .iter()
        .flat_map(|z| z.records.iter())
        .filter(|r| &r.name == zone)
        .filter_map(|r| match &r.data {
            RData::NS(target) => Some(target.clone()),
            _ => None,
        })
        .collect();
    let mut targets: Vec<(Name, Option<SocketAddr>)> = Vec::new();
    for ns in &ns_names {
        let addrs: Vec<SocketAddr> = state
            .config()
            .dns_servers
            .iter()
            .filter(|(n, _)| n == ns)
            .map(|(_, a)| *a)
            .collect();
        if addrs.is_empty() {
            targets.push((ns.clone(), None));
        }
        targets.extend(addrs.into_iter().map(|a| (ns.clone(), Some(a))));
    }
    // All at once: the page waits for the slowest server, not for the sum of them.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (_, addr)) in targets.iter().enumerate() {
        if let Some(addr) = *addr {
            let zone = zone.clone();
            tasks.spawn(async move { (i, served_serial(addr, &zone).await) });
        }
    }
    let mut results: Vec<Option<Result<u32, String>>> = vec![None; targets.len()];
    while let Some(done) = tasks.join_next().await {
        if let Ok((i, r)) = done {
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(r.map_err(|e| e.to_string()));
            }
        }
    }
    let servers: Vec<ServerStatus> = targets
        .iter()
        .zip(results)
        .map(|((name, addr), result)| {
            let (serial, error) = match (addr, result) {
                (None, _) => (None, Some("no DNS address configured for it".to_owned())),
                (Some(_), Some(Ok(s))) => (Some(s), None),
                (Some(_), Some(Err(e))) => (None, Some(e)),
                (Some(_), None) => (None, Some("the check did not finish".to_owned())),
            };
            ServerStatus {
                name: name.to_string(),
                address: addr.map(|a| a.to_string()),
                serial,
                error,
                up_to_date: matches!((serial, latest), (Some(s), Some(l)) if is_current(s, l)),
            }
        })
        .collect();
    let now = state.now();
    let changes = state.db().zone_changes(&zone.to_lowercase().to_string()).await?;
    let (last_change, horizon) = match changes {
        Some((c, h)) => (Some(change_view(c)), Some(h)),
        None => (None, None),
    };
    Ok(Propagation {
        domain: crate::registrar::epp_name(zone),
        latest_serial: latest,
        all_up_to_date: !servers.is_empty() && servers.iter().all(|s| s.up_to_date),
        servers,
        last_change,
        cache_expiry: horizon,
        cache_expiry_rfc3339: horizon.map(rfc3339),
        cache_expired: horizon.map(|h| cache_expired(h, now)),
        checked_at: now,
    })
}

fn change_view(c: ZoneChange) -> ChangeView {
    ChangeView {
        serial: c.serial,
        time: c.changed,
        time_rfc3339: rfc3339(c.changed),
        old_ttl: c.old_ttl,
    }
}

/// [`check`] for a domain `user` holds; [`WebError::NotFound`] otherwise, as for every
/// domain route.
pub async fn for_user(state: &AppState, user: &User, name_text: &str) -> Result<Propagation, WebError> {
    let (name, _) = actions::owned(state, user, name_text).await?;
    check(state, &name).await
}

/// The panel on every domain page: the table of [`check`], refreshed every two seconds by a
/// small inline script that fetches the fragment at `/domains/{name}/propagation`.
#[derive(Clone, Copy, Debug, Default)]
pub struct PropagationPanel;

impl DomainPanel for PropagationPanel {
    fn title(&self) -> &str {
        "Propagation"
    }

    fn render<'a>(&'a self, state: &'a AppState, _user: &'a User, domain: &'a Name) -> PanelFuture<'a> {
        Box::pin(async move {
            let body = match check(state, domain).await {
                Ok(p) => crate::pages::propagation(&p),
                Err(e) => crate::pages::propagation_error(&e.public_message()),
            };
            crate::pages::propagation_panel(&crate::registrar::epp_name(domain), body)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use banyan_wire::rdata::Soa;
    use banyan_wire::Class;

    fn n(s: &str) -> Name {
        Name::parse(s, None).expect("name")
    }

    fn rec(name: &str, ttl: u32, data: RData) -> Record {
        Record {
            name: n(name),
            class: Class::IN,
            ttl,
            data,
        }
    }

    fn soa(serial: u32, ttl: u32, minimum: u32) -> Record {
        rec(
            "ex.test.",
            ttl,
            RData::SOA(Soa {
                mname: n("ns1.ex.test."),
                rname: n("hostmaster.ex.test."),
                serial,
                refresh: 3600,
                retry: 900,
                expire: 1_209_600,
                minimum,
            }),
        )
    }

    fn a(name: &str, ttl: u32, last: u8) -> Record {
        rec(name, ttl, RData::A(banyan_wire::rdata::A([192, 0, 2, last].into())))
    }

    #[test]
    fn replaced_record_keeps_its_old_ttl() {
        let old = vec![soa(1, 3600, 300), a("www.ex.test.", 7200, 1)];
        let diff = ZoneDiff {
            removed: vec![soa(1, 3600, 300), a("www.ex.test.", 7200, 1)],
            added: vec![soa(2, 3600, 300), a("www.ex.test.", 60, 2)],
        };
        // The old A was cacheable for 7200 s; the new TTL is no help to caches holding it.
        assert_eq!(stale_ttl(&old, &diff), 7200);
    }

    #[test]
    fn rfc2308_section_5_new_name_waits_for_negative_ttl() {
        let old = vec![soa(1, 3600, 300)];
        let diff = ZoneDiff {
            removed: vec![soa(1, 3600, 300)],
            added: vec![soa(2, 3600, 300), a("new.ex.test.", 86_400, 1)],
        };
        // min(SOA TTL 3600, MINIMUM 300).
        assert_eq!(stale_ttl(&old, &diff), 300);
        let old = vec![soa(1, 120, 300)];
        assert_eq!(stale_ttl(&old, &diff), 120);
    }

    #[test]
    fn added_to_an_rrset_waits_for_the_rrset() {
        let old = vec![soa(1, 3600, 300), a("www.ex.test.", 900, 1)];
        let diff = ZoneDiff {
            removed: vec![soa(1, 3600, 300)],
            added: vec![soa(2, 3600, 300), a("WWW.ex.test.", 900, 2)],
        };
        assert_eq!(stale_ttl(&old, &diff), 900);
        // The SOA alone changes nothing a holder waits for.
        let diff = ZoneDiff {
            removed: vec![soa(1, 3600, 300)],
            added: vec![soa(2, 3600, 300)],
        };
        assert_eq!(stale_ttl(&old, &diff), 0);
    }

    #[test]
    fn rfc1982_section_3_2_current_serials() {
        assert!(is_current(5, 5));
        assert!(is_current(6, 5));
        assert!(!is_current(4, 5));
        // Wrapped: 1 is after 4294967295.
        assert!(is_current(1, u32::MAX));
        assert!(!is_current(u32::MAX, 1));
        // 2^31 apart: undefined, so not current.
        assert!(!is_current(0, 1 << 31));
    }

    #[test]
    fn cache_horizon_expires_at_change_plus_ttl() {
        let changed = 1_704_067_200;
        let horizon = changed + i64::from(7200u32);
        assert!(!cache_expired(horizon, changed));
        assert!(!cache_expired(horizon, horizon - 1));
        assert!(cache_expired(horizon, horizon));
        assert_eq!(rfc3339(horizon), "2024-01-01T02:00:00Z");
    }
}
