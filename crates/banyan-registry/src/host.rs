//! Host commands (RFC 5732 §3): check, info, create, update, delete. Hosts have no transfer:
//! a host under a domain of the registry ("internal") is sponsored by that domain's sponsor and
//! moves with it; other hosts ("external") stay with the registrar that created them.

use std::net::IpAddr;

use banyan_wire::Name;
use sqlx::Row;

use crate::db::Tx;
use crate::domain::DomainState;
use crate::model::{CheckResult, HostCreate, HostInfo, HostUpdate, ObjectKind, RegistrarId, Status};
use crate::registry::{check_host_name, check_sponsor, key, roid, stored_name};
use crate::{Registry, RegistryError};

/// The statuses a client may set on a host (RFC 5732 §2.3).
const CLIENT_STATUSES: &[Status] = &[Status::ClientDeleteProhibited, Status::ClientUpdateProhibited];

/// A host's row.
struct HostRow {
    id: i64,
    name: Name,
    domain: Option<i64>,
    sponsor: String,
    creator: String,
    created: i64,
    updater: Option<String>,
    updated: Option<i64>,
    transferred: Option<i64>,
}

const HOST_COLUMNS: &str = "id, name, domain, sponsor, creator, created, updater, updated, transferred";

fn host_row(r: &sqlx::any::AnyRow) -> Result<HostRow, RegistryError> {
    let name: String = r.try_get(1)?;
    Ok(HostRow {
        id: r.try_get(0)?,
        name: stored_name(&name)?,
        domain: r.try_get(2)?,
        sponsor: r.try_get(3)?,
        creator: r.try_get(4)?,
        created: r.try_get(5)?,
        updater: r.try_get(6)?,
        updated: r.try_get(7)?,
        transferred: r.try_get(8)?,
    })
}

/// Refuses addresses no name server can have.
fn check_addr(a: &IpAddr) -> Result<(), RegistryError> {
    let bad = match a {
        IpAddr::V4(v4) => v4.is_unspecified() || v4.is_multicast() || v4.is_broadcast(),
        IpAddr::V6(v6) => v6.is_unspecified() || v6.is_multicast(),
    };
    if bad {
        return Err(RegistryError::Policy(format!("{a} cannot be a name server's address")));
    }
    Ok(())
}

/// Addresses in the order info shows them: IPv4 first, then IPv6, each ascending.
fn sort_addrs(addrs: &mut [IpAddr]) {
    addrs.sort_by_key(|a| (a.is_ipv6(), *a));
}

impl Registry {
    /// A host's id by name, kept from being deleted until commit (PostgreSQL).
    pub(crate) async fn host_id(&self, tx: &mut Tx, name: &Name) -> Result<Option<i64>, RegistryError> {
        let sql = format!("SELECT id FROM hosts WHERE name = $1{}", self.backend.for_share());
        Ok(sqlx::query_scalar(&sql)
            .bind(key(name))
            .fetch_optional(&mut **tx)
            .await?)
    }

    /// The host `name`, locked, which `by` must sponsor.
    async fn own_host(&self, tx: &mut Tx, by: &RegistrarId, name: &Name) -> Result<HostRow, RegistryError> {
        let row = self
            .host_by_name(tx, name, true)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("host {name}")))?;
        check_sponsor(&row.sponsor, by, || format!("host {name}"))?;
        Ok(row)
    }

    async fn host_by_name(&self, tx: &mut Tx, name: &Name, lock: bool) -> Result<Option<HostRow>, RegistryError> {
        let sql = format!(
            "SELECT {HOST_COLUMNS} FROM hosts WHERE name = $1{}",
            if lock { self.backend.for_update() } else { "" }
        );
        let row = sqlx::query(&sql).bind(key(name)).fetch_optional(&mut **tx).await?;
        row.as_ref().map(host_row).transpose()
    }

    /// The superordinate domain of a host named `name` that `by` creates or renames: `None`
    /// for a host outside the registry's TLDs; else the domain, which must exist, be active
    /// and be sponsored by `by` (RFC 5732 §3.2.1).
    async fn superordinate(&self, tx: &mut Tx, by: &RegistrarId, name: &Name) -> Result<Option<i64>, RegistryError> {
        check_host_name(name)?;
        let Some(tld) = self.tld_above(name) else {
            return Ok(None);
        };
        if name.label_count() <= tld.name.label_count() {
            return Err(RegistryError::Policy(format!("{name} is a TLD, not a host")));
        }
        let domain = name.suffix(tld.name.label_count() + 1);
        let row = self
            .domain_by_name(tx, &domain, true)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("{name}: its superordinate domain {domain}")))?;
        if row.sponsor != by.as_str() {
            return Err(RegistryError::Authorization(format!(
                "{name}: the superordinate domain {domain} is sponsored by another registrar"
            )));
        }
        if row.state != DomainState::Active {
            return Err(RegistryError::StatusProhibits(format!("{domain} is pending deletion")));
        }
        Ok(Some(row.id))
    }

    async fn host_addrs(&self, tx: &mut Tx, host: i64) -> Result<Vec<IpAddr>, RegistryError> {
        let texts: Vec<String> = sqlx::query_scalar("SELECT addr FROM host_addrs WHERE host = $1")
            .bind(host)
            .fetch_all(&mut **tx)
            .await?;
        let mut addrs = texts
            .iter()
            .map(|t| {
                t.parse()
                    .map_err(|_| RegistryError::Corrupt(format!("host address {t:?}")))
            })
            .collect::<Result<Vec<IpAddr>, _>>()?;
        sort_addrs(&mut addrs);
        Ok(addrs)
    }

    async fn insert_addr(&self, tx: &mut Tx, host: i64, a: &IpAddr) -> Result<(), RegistryError> {
        sqlx::query("INSERT INTO host_addrs (host, addr) VALUES ($1, $2)")
            .bind(host)
            .bind(a.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn host_linked(&self, tx: &mut Tx, host: i64) -> Result<bool, RegistryError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_ns WHERE host = $1")
            .bind(host)
            .fetch_one(&mut **tx)
            .await?;
        Ok(n > 0)
    }

    /// Removes a host, its addresses and statuses, and its place in name server lists.
    pub(crate) async fn remove_host(&self, tx: &mut Tx, id: i64) -> Result<(), RegistryError> {
        for sql in [
            "DELETE FROM host_addrs WHERE host = $1",
            "DELETE FROM domain_ns WHERE host = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut **tx).await?;
        }
        self.delete_object_extras(tx, ObjectKind::Host, id).await?;
        sqlx::query("DELETE FROM hosts WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Host check (RFC 5732 §3.1.1).
    pub async fn check_hosts(&self, names: &[Name]) -> Result<Vec<CheckResult>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let reason = match check_host_name(name) {
                Err(e) => Some(e.to_string()),
                Ok(()) => self
                    .host_by_name(&mut tx, name, false)
                    .await?
                    .map(|_| "in use".to_string()),
            };
            out.push(CheckResult {
                name: name.to_string(),
                available: reason.is_none(),
                reason,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Host info (RFC 5732 §3.1.2): the same for every registrar.
    pub async fn info_host(&self, name: &Name) -> Result<HostInfo, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let info = self
            .host_info(&mut tx, name)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("host {name}")))?;
        tx.commit().await?;
        Ok(info)
    }

    /// The host `name` as info shows it, read in the caller's transaction; `None` when there
    /// is no such host.
    pub(crate) async fn host_info(&self, tx: &mut Tx, name: &Name) -> Result<Option<HostInfo>, RegistryError> {
        let Some(row) = self.host_by_name(tx, name, false).await? else {
            return Ok(None);
        };
        let mut statuses = self.stored_statuses(tx, ObjectKind::Host, row.id).await?;
        if self.host_linked(tx, row.id).await? {
            statuses.push(Status::Linked);
        }
        if statuses.iter().all(|s| *s == Status::Linked) {
            statuses.push(Status::Ok);
        }
        statuses.sort();
        let addrs = self.host_addrs(tx, row.id).await?;
        Ok(Some(HostInfo {
            name: row.name,
            roid: roid(ObjectKind::Host, row.id),
            statuses,
            addrs,
            cl_id: RegistrarId::new(row.sponsor),
            cr_id: RegistrarId::new(row.creator),
            cr_date: row.created,
            up_id: row.updater.map(RegistrarId::new),
            up_date: row.updated,
            tr_date: row.transferred,
        }))
    }

    /// Host create (RFC 5732 §3.2.1). A host under a TLD of the registry needs its
    /// superordinate domain, sponsored by `by`, and may have addresses (the glue of the TLD
    /// zone); a host elsewhere may not ([`RegistryError::Policy`]).
    pub async fn create_host(&self, by: &RegistrarId, cmd: &HostCreate, now: i64) -> Result<(), RegistryError> {
        check_host_name(&cmd.name)?;
        for (i, a) in cmd.addrs.iter().enumerate() {
            check_addr(a)?;
            if cmd.addrs[..i].contains(a) {
                return Err(RegistryError::Policy(format!("address {a} given twice")));
            }
        }
        let mut tx = self.backend.begin_write(&self.pool).await?;
        if self.host_by_name(&mut tx, &cmd.name, false).await?.is_some() {
            return Err(RegistryError::Exists(format!("host {}", cmd.name)));
        }
        let domain = self.superordinate(&mut tx, by, &cmd.name).await?;
        if domain.is_none() && !cmd.addrs.is_empty() {
            return Err(RegistryError::Policy(format!(
                "{} is outside the registry's TLDs: no addresses",
                cmd.name
            )));
        }
        let inserted = sqlx::query_scalar(
            "INSERT INTO hosts (name, domain, sponsor, creator, created) VALUES ($1, $2, $3, $3, $4) RETURNING id",
        )
        .bind(key(&cmd.name))
        .bind(domain)
        .bind(by.as_str())
        .bind(now)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Err(e) if crate::db::is_unique_violation(&e) => {
                return Err(RegistryError::Exists(format!("host {}", cmd.name)))
            }
            r => r?,
        };
        for a in &cmd.addrs {
            self.insert_addr(&mut tx, id, a).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Host update (RFC 5732 §3.2.5) by its sponsor: addresses, client statuses, and a new
    /// name (the domains using the host follow it). Renamed into a TLD of the registry, the
    /// host needs its new superordinate domain sponsored by `by`; renamed out of them, it must
    /// be left without addresses.
    pub async fn update_host(
        &self,
        by: &RegistrarId,
        name: &Name,
        upd: &HostUpdate,
        now: i64,
    ) -> Result<(), RegistryError> {
        for a in &upd.add_addrs {
            check_addr(a)?;
        }
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let row = self.own_host(&mut tx, by, name).await?;
        self.update_statuses(
            &mut tx,
            ObjectKind::Host,
            row.id,
            &format!("host {name}"),
            CLIENT_STATUSES,
            &upd.add_statuses,
            &upd.rem_statuses,
        )
        .await?;
        let mut addrs = self.host_addrs(&mut tx, row.id).await?;
        for a in &upd.rem_addrs {
            if !addrs.contains(a) {
                return Err(RegistryError::Policy(format!("{a} is not an address of {name}")));
            }
            sqlx::query("DELETE FROM host_addrs WHERE host = $1 AND addr = $2")
                .bind(row.id)
                .bind(a.to_string())
                .execute(&mut *tx)
                .await?;
            addrs.retain(|x| x != a);
        }
        for a in &upd.add_addrs {
            if addrs.contains(a) {
                return Err(RegistryError::Policy(format!("{a} is already an address of {name}")));
            }
            self.insert_addr(&mut tx, row.id, a).await?;
            addrs.push(*a);
        }
        let (new_name, domain) = match &upd.new_name {
            Some(new) if new != &row.name => {
                if self.host_by_name(&mut tx, new, false).await?.is_some() {
                    return Err(RegistryError::Exists(format!("host {new}")));
                }
                (new.clone(), self.superordinate(&mut tx, by, new).await?)
            }
            _ => (row.name.clone(), row.domain),
        };
        if domain.is_none() && !addrs.is_empty() {
            return Err(RegistryError::Policy(format!(
                "{new_name} is outside the registry's TLDs: no addresses"
            )));
        }
        let renamed = sqlx::query("UPDATE hosts SET name = $1, domain = $2, updater = $3, updated = $4 WHERE id = $5")
            .bind(key(&new_name))
            .bind(domain)
            .bind(by.as_str())
            .bind(now)
            .bind(row.id)
            .execute(&mut *tx)
            .await;
        match renamed {
            Err(e) if crate::db::is_unique_violation(&e) => {
                return Err(RegistryError::Exists(format!("host {new_name}")))
            }
            r => r?,
        };
        tx.commit().await?;
        Ok(())
    }

    /// Host delete (RFC 5732 §3.2.2) by its sponsor; refused while a domain uses it as a name
    /// server ([`RegistryError::AssociationProhibits`]) or with a DeleteProhibited status.
    pub async fn delete_host(&self, by: &RegistrarId, name: &Name) -> Result<(), RegistryError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let row = self.own_host(&mut tx, by, name).await?;
        let statuses = self.stored_statuses(&mut tx, ObjectKind::Host, row.id).await?;
        if let Some(s) = crate::domain::prohibited_by(
            &statuses,
            Status::ClientDeleteProhibited,
            Status::ServerDeleteProhibited,
        ) {
            return Err(RegistryError::StatusProhibits(format!("host {name} has status {s}")));
        }
        if self.host_linked(&mut tx, row.id).await? {
            return Err(RegistryError::AssociationProhibits(format!(
                "host {name} is a name server of a domain"
            )));
        }
        self.remove_host(&mut tx, row.id).await?;
        tx.commit().await?;
        Ok(())
    }
}
