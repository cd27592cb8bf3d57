//! Periodic delegation re-checks: a delegation that worked when it was set can go lame later
//! (a server decommissioned, a zone dropped, a key rolled without its DS, RFC 1034 §4.2.2,
//! RFC 4035 §2.4), so each domain in the zone is checked again once its last check is older
//! than its TLD's [`TldPolicy::recheck_interval`].
//!
//! [`due_rechecks`] decides which domains are due: a pure function of the domains, the
//! policies and `now`. [`Registry::delegated_domains`] lists the candidates;
//! [`crate::service::recheck_delegations`] checks the due ones with [`crate::delegation`] and
//! keeps what it found with [`Registry::record_delegation_check`], where RDAP and WHOIS show
//! it.

use std::net::IpAddr;

use banyan_wire::Name;

use crate::domain::DomainState;
use crate::model::DsData;
use crate::policy::TldPolicy;
use crate::registry::stored_name;
use crate::{Registry, RegistryError};

/// The shortest re-check interval honoured: a smaller [`TldPolicy::recheck_interval`] is
/// taken as this, so a typo cannot make the registry query name servers in a loop.
pub const MIN_RECHECK_INTERVAL: i64 = 60;

/// A domain in the zone with name servers: a candidate for a re-check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelegatedDomain {
    /// The domain.
    pub name: Name,
    /// Its TLD (the policy it falls under).
    pub tld: Name,
    /// When its delegation was last checked (by an EPP command or a re-check); `None` when
    /// never.
    pub checked_at: Option<i64>,
}

/// The domains of `domains` whose re-check is due at `now` under `tlds`: those under a TLD
/// with a [`TldPolicy::recheck_interval`] (at least [`MIN_RECHECK_INTERVAL`]) whose last
/// check is at least that old, or that were never checked. Oldest check first (never checked
/// before all), so a run cut short serves the most stale ones.
pub fn due_rechecks<'a>(domains: &'a [DelegatedDomain], tlds: &[TldPolicy], now: i64) -> Vec<&'a DelegatedDomain> {
    let mut due: Vec<&DelegatedDomain> = domains
        .iter()
        .filter(|d| {
            let Some(interval) = tlds.iter().find(|t| t.name == d.tld).and_then(|t| t.recheck_interval) else {
                return false;
            };
            d.checked_at
                .is_none_or(|at| now.saturating_sub(at) >= interval.max(MIN_RECHECK_INTERVAL))
        })
        .collect();
    due.sort_by_key(|d| (d.checked_at, d.name.clone()));
    due
}

/// What a delegation check of a domain is asked with: its name servers, each with its
/// addresses (none for a host outside the registry's TLDs: the checker's resolver finds
/// them), and its DS data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delegation {
    /// Name servers and their addresses, in the domain's order.
    pub ns: Vec<(Name, Vec<IpAddr>)>,
    /// DS data.
    pub ds: Vec<DsData>,
}

impl Registry {
    /// Every domain in the TLD zones with at least one name server (active, or restored and
    /// awaiting its restore report, RFC 3915 §2), with when its delegation was last checked:
    /// the candidates of [`due_rechecks`]. In name order.
    pub async fn delegated_domains(&self) -> Result<Vec<DelegatedDomain>, RegistryError> {
        let rows: Vec<(String, String, Option<i64>)> = sqlx::query_as(
            "SELECT d.name, d.tld, d.delegation_checked FROM domains d \
             WHERE d.state IN ($1, $2) AND EXISTS (SELECT 1 FROM domain_ns n WHERE n.domain = d.id) \
             ORDER BY d.name",
        )
        .bind(DomainState::Active.as_str())
        .bind(DomainState::PendingRestore.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(name, tld, checked_at)| {
                Ok(DelegatedDomain {
                    name: stored_name(&name)?,
                    tld: stored_name(&tld)?,
                    checked_at,
                })
            })
            .collect()
    }

    /// The delegation of the domain `name` as it stands (name servers with their addresses,
    /// DS data), read in one transaction; `None` when no such domain is registered.
    pub async fn delegation(&self, name: &Name, now: i64) -> Result<Option<Delegation>, RegistryError> {
        let Some(record) = self.lookup_domain_record(name, now).await? else {
            return Ok(None);
        };
        Ok(Some(Delegation {
            ns: record.nameservers.into_iter().map(|h| (h.name, h.addrs)).collect(),
            ds: record.domain.ds,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::time::DAY;

    fn n(s: &str) -> Name {
        Name::parse(s, None).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn d(name: &str, checked_at: Option<i64>) -> DelegatedDomain {
        let name = n(name);
        let tld = name.parent().unwrap_or_else(|| panic!("{name} has a parent"));
        DelegatedDomain { name, tld, checked_at }
    }

    fn names(due: &[&DelegatedDomain]) -> Vec<String> {
        due.iter().map(|d| d.name.to_string()).collect()
    }

    #[test]
    fn rechecks_fall_due_as_the_clock_moves() {
        let t0 = 1_704_067_200;
        let mut test = TldPolicy::new(n("test."));
        test.recheck_interval = Some(DAY);
        let off = TldPolicy::new(n("example."));
        let tlds = [test, off];
        let domains = [
            d("fresh.test.", Some(t0)),
            d("old.test.", Some(t0 - DAY / 2)),
            d("never.test.", None),
            d("ignored.example.", None),
        ];
        let clock = ManualClock::new(t0);
        // Never checked: due at once; the TLD without an interval: never.
        assert_eq!(names(&due_rechecks(&domains, &tlds, clock.now())), ["never.test."]);
        clock.advance(DAY / 2 - 1);
        assert_eq!(names(&due_rechecks(&domains, &tlds, clock.now())), ["never.test."]);
        clock.advance(1);
        assert_eq!(
            names(&due_rechecks(&domains, &tlds, clock.now())),
            ["never.test.", "old.test."]
        );
        clock.advance(DAY / 2);
        assert_eq!(
            names(&due_rechecks(&domains, &tlds, clock.now())),
            ["never.test.", "old.test.", "fresh.test."]
        );
    }

    #[test]
    fn a_tiny_interval_is_taken_as_the_minimum() {
        let t0 = 1_704_067_200;
        let mut test = TldPolicy::new(n("test."));
        test.recheck_interval = Some(1);
        let domains = [d("a.test.", Some(t0))];
        assert!(due_rechecks(&domains, std::slice::from_ref(&test), t0 + 59).is_empty());
        assert_eq!(due_rechecks(&domains, &[test], t0 + 60).len(), 1);
    }
}
