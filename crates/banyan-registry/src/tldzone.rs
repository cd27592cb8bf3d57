//! The TLD zone: what the registry publishes for each TLD — the apex the operator gives,
//! then per delegated domain its NS RRset, its DS RRset (RFC 5910 DS data) and the glue
//! (A/AAAA) of its name servers that lie inside the TLD (RFC 1034 §4.2.1).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::IpAddr;

use banyan_wire::rdata::{Aaaa, A};
use banyan_wire::{Class, Name, RData, Record, RecordType};
use sqlx::Row;

use crate::domain::DomainState;
use crate::model::{DsData, Status};
use crate::registry::{key, stored_name};
use crate::{Registry, RegistryError};

impl Registry {
    /// The records of `tld`'s zone at `now`: `apex` (SOA, NS and glue of the TLD's own
    /// servers, from configuration) with the SOA serial set to `serial`, then for each
    /// delegated domain an NS RRset, its DS RRset, and A/AAAA glue for its name servers under
    /// the TLD, all with the TLD's `ttl`. Sorted by owner in canonical order (RFC 4034 §6.1), the SOA
    /// first, then by type and data.
    ///
    /// Left out: domains without name servers, on hold (`clientHold`, `serverHold`), in
    /// redemption or pending delete, and — when the TLD does not auto-renew — past their
    /// expiry. Call [`Registry::tick`] first so expiries are acted on.
    ///
    /// The serial: `Some(s)` uses `s`; `None` takes the larger of the last serial this
    /// registry gave the TLD plus one and `now` (as a 32-bit number), so serials grow with
    /// every call and track the clock (RFC 1982 arithmetic is the caller's if it wraps). The
    /// serial used is remembered either way. Without an SOA in `apex` the serial is unused.
    pub async fn tld_zone(
        &self,
        tld: &Name,
        apex: &[Record],
        serial: Option<u32>,
        now: i64,
    ) -> Result<Vec<Record>, RegistryError> {
        let policy = self
            .policy(tld)
            .ok_or_else(|| RegistryError::NotFound(format!("TLD {tld}")))?;
        let ttl = policy.ttl;
        let mut tx = self.backend.begin_write(&self.pool).await?;

        let serial = match serial {
            Some(s) => s,
            None => {
                let last: Option<i64> = sqlx::query_scalar("SELECT serial FROM tld_serials WHERE tld = $1")
                    .bind(key(tld))
                    .fetch_optional(&mut *tx)
                    .await?;
                let clock = u32::try_from(now.clamp(0, i64::from(u32::MAX))).unwrap_or(u32::MAX);
                match last.and_then(|l| u32::try_from(l).ok()) {
                    Some(l) => clock.max(l.wrapping_add(1)),
                    None => clock,
                }
            }
        };
        sqlx::query("DELETE FROM tld_serials WHERE tld = $1")
            .bind(key(tld))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO tld_serials (tld, serial) VALUES ($1, $2)")
            .bind(key(tld))
            .bind(i64::from(serial))
            .execute(&mut *tx)
            .await?;

        let expiry_floor = if policy.auto_renew { i64::MIN } else { now };
        // A domain awaiting its restore report is in the zone (RFC 3915 §2 step 5; see
        // `Registry::restore_domain`).
        let rows = sqlx::query("SELECT id, name FROM domains WHERE tld = $1 AND state IN ($2, $3) AND expires > $4")
            .bind(key(tld))
            .bind(DomainState::Active.as_str())
            .bind(DomainState::PendingRestore.as_str())
            .bind(expiry_floor)
            .fetch_all(&mut *tx)
            .await?;
        let held: HashSet<i64> = sqlx::query_scalar(
            "SELECT s.object FROM statuses s JOIN domains d ON d.id = s.object
             WHERE s.object_kind = 'domain' AND d.tld = $1 AND s.status IN ($2, $3)",
        )
        .bind(key(tld))
        .bind(Status::ClientHold.as_str())
        .bind(Status::ServerHold.as_str())
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let mut domains: BTreeMap<i64, Name> = BTreeMap::new();
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            if !held.contains(&id) {
                let name: String = r.try_get(1)?;
                domains.insert(id, stored_name(&name)?);
            }
        }

        let ns_rows = sqlx::query(
            "SELECT n.domain, h.id, h.name FROM domain_ns n JOIN hosts h ON h.id = n.host
             JOIN domains d ON d.id = n.domain WHERE d.tld = $1",
        )
        .bind(key(tld))
        .fetch_all(&mut *tx)
        .await?;
        let mut out: Vec<Record> = Vec::new();
        let mut delegated: HashSet<i64> = HashSet::new();
        let mut glue_hosts: BTreeMap<i64, Name> = BTreeMap::new();
        for r in &ns_rows {
            let domain: i64 = r.try_get(0)?;
            let Some(owner) = domains.get(&domain) else {
                continue;
            };
            let host: i64 = r.try_get(1)?;
            let host_name: String = r.try_get(2)?;
            let host_name = stored_name(&host_name)?;
            if host_name.is_subdomain_of(tld) {
                glue_hosts.insert(host, host_name.clone());
            }
            delegated.insert(domain);
            out.push(record(owner, ttl, RData::NS(host_name)));
        }

        let ds_rows = sqlx::query(
            "SELECT s.domain, s.key_tag, s.alg, s.digest_type, s.digest FROM domain_ds s
             JOIN domains d ON d.id = s.domain WHERE d.tld = $1",
        )
        .bind(key(tld))
        .fetch_all(&mut *tx)
        .await?;
        for r in &ds_rows {
            let domain: i64 = r.try_get(0)?;
            let Some(owner) = domains.get(&domain).filter(|_| delegated.contains(&domain)) else {
                continue;
            };
            let small = |v: i64| u8::try_from(v).map_err(|_| RegistryError::Corrupt(format!("DS field {v}")));
            let key_tag: i64 = r.try_get(1)?;
            let ds = DsData {
                key_tag: u16::try_from(key_tag).map_err(|_| RegistryError::Corrupt(format!("DS key tag {key_tag}")))?,
                alg: small(r.try_get(2)?)?,
                digest_type: small(r.try_get(3)?)?,
                digest: r.try_get(4)?,
            };
            out.push(record(owner, ttl, RData::DS(ds.to_rdata())));
        }

        let mut glue: BTreeSet<(Name, IpAddr)> = BTreeSet::new();
        for (host, name) in &glue_hosts {
            let addrs: Vec<String> = sqlx::query_scalar("SELECT addr FROM host_addrs WHERE host = $1")
                .bind(host)
                .fetch_all(&mut *tx)
                .await?;
            for a in addrs {
                let addr: IpAddr = a
                    .parse()
                    .map_err(|_| RegistryError::Corrupt(format!("host address {a:?}")))?;
                glue.insert((name.clone(), addr));
            }
        }
        tx.commit().await?;
        for (name, addr) in glue {
            let data = match addr {
                IpAddr::V4(v4) => RData::A(A(v4)),
                IpAddr::V6(v6) => RData::AAAA(Aaaa(v6)),
            };
            out.push(record(&name, ttl, data));
        }

        for r in apex {
            let mut r = r.clone();
            if let RData::SOA(soa) = &mut r.data {
                soa.serial = serial;
            }
            out.push(r);
        }
        // Canonical order of names, the SOA first at the apex, then by type and data (so the
        // output does not depend on the order rows came back in).
        out.sort_by_cached_key(|r| (r.name.clone(), soa_first(r.rtype()), r.rtype().0, r.data.to_string()));
        out.dedup();
        Ok(out)
    }
}

fn record(name: &Name, ttl: u32, data: RData) -> Record {
    Record {
        name: name.clone(),
        class: Class::IN,
        ttl,
        data,
    }
}

/// Sort key that puts the SOA before everything else at its name.
fn soa_first(t: RecordType) -> u8 {
    u8::from(t != RecordType::SOA)
}
