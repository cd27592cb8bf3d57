//! Domain commands (RFC 5731 §3, with RFC 5910 DS data and the RFC 3915 grace periods):
//! check, info, create, update, delete, renew, and restore out of redemption.

use banyan_wire::Name;
use sqlx::Row;

use crate::db::Tx;
use crate::model::{
    CheckResult, ContactType, DelegationFindings, DomainCreate, DomainCreated, DomainDeleted, DomainInfo,
    DomainRenewed, DomainUpdate, DsData, ObjectKind, RegistrarId, RestoreReport, RgpStatus, Status,
};
use crate::registry::{check_auth_info, check_sponsor, key, roid, same_secret, stored_name, MAX_NS};
use crate::time::{add_years, Date};
use crate::{Registry, RegistryError};

/// The statuses a client may set on a domain (RFC 5731 §2.3).
const CLIENT_STATUSES: &[Status] = &[
    Status::ClientDeleteProhibited,
    Status::ClientHold,
    Status::ClientRenewProhibited,
    Status::ClientTransferProhibited,
    Status::ClientUpdateProhibited,
];

/// Where a domain is in its life (RFC 3915 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DomainState {
    /// Registered (possibly within a grace period).
    Active,
    /// Deleted or expired: restorable until `state_until`.
    Redemption,
    /// Past redemption: purged at `state_until`.
    PendingDelete,
    /// Restore requested (RFC 3915 §2 step 5): back in the zone, awaiting the restore report
    /// until `state_until`; without one, back to redemption for what was left of it
    /// (`redemption_left`).
    PendingRestore,
}

impl DomainState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DomainState::Active => "active",
            DomainState::Redemption => "redemption",
            DomainState::PendingDelete => "pendingDelete",
            DomainState::PendingRestore => "pendingRestore",
        }
    }

    fn load(s: &str) -> Result<DomainState, RegistryError> {
        match s {
            "active" => Ok(DomainState::Active),
            "redemption" => Ok(DomainState::Redemption),
            "pendingDelete" => Ok(DomainState::PendingDelete),
            "pendingRestore" => Ok(DomainState::PendingRestore),
            _ => Err(RegistryError::Corrupt(format!("unknown domain state {s}"))),
        }
    }
}

/// A grace period during which a delete refunds what was charged (RFC 3915 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GraceKind {
    Add,
    Renew,
    AutoRenew,
    Transfer,
}

impl GraceKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            GraceKind::Add => "add",
            GraceKind::Renew => "renew",
            GraceKind::AutoRenew => "autoRenew",
            GraceKind::Transfer => "transfer",
        }
    }

    fn load(s: &str) -> Result<GraceKind, RegistryError> {
        match s {
            "add" => Ok(GraceKind::Add),
            "renew" => Ok(GraceKind::Renew),
            "autoRenew" => Ok(GraceKind::AutoRenew),
            "transfer" => Ok(GraceKind::Transfer),
            _ => Err(RegistryError::Corrupt(format!("unknown grace period {s}"))),
        }
    }

    fn rgp(self) -> RgpStatus {
        match self {
            GraceKind::Add => RgpStatus::AddPeriod,
            GraceKind::Renew => RgpStatus::RenewPeriod,
            GraceKind::AutoRenew => RgpStatus::AutoRenewPeriod,
            GraceKind::Transfer => RgpStatus::TransferPeriod,
        }
    }
}

/// A running grace period: what was charged, to whom, refundable until `ends`.
#[derive(Clone, Debug)]
pub(crate) struct Grace {
    pub kind: GraceKind,
    pub ends: i64,
    pub registrar: String,
    pub amount: i64,
    pub years: i64,
}

/// A domain's row.
#[derive(Clone, Debug)]
pub(crate) struct DomainRow {
    pub id: i64,
    pub name: Name,
    pub tld: String,
    pub registrant: Option<i64>,
    pub sponsor: String,
    pub creator: String,
    pub created: i64,
    pub updater: Option<String>,
    pub updated: Option<i64>,
    pub transferred: Option<i64>,
    pub expires: i64,
    pub auth_info: String,
    pub max_sig_life: Option<i64>,
    pub state: DomainState,
    pub state_until: Option<i64>,
}

const DOMAIN_COLUMNS: &str = "id, name, tld, registrant, sponsor, creator, created, updater, updated, transferred, \
                              expires, auth_info, max_sig_life, state, state_until";

fn domain_row(row: &sqlx::any::AnyRow) -> Result<DomainRow, RegistryError> {
    let name: String = row.try_get(1)?;
    let state: String = row.try_get(13)?;
    Ok(DomainRow {
        id: row.try_get(0)?,
        name: stored_name(&name)?,
        tld: row.try_get(2)?,
        registrant: row.try_get(3)?,
        sponsor: row.try_get(4)?,
        creator: row.try_get(5)?,
        created: row.try_get(6)?,
        updater: row.try_get(7)?,
        updated: row.try_get(8)?,
        transferred: row.try_get(9)?,
        expires: row.try_get(10)?,
        auth_info: row.try_get(11)?,
        max_sig_life: row.try_get(12)?,
        state: DomainState::load(&state)?,
        state_until: row.try_get(14)?,
    })
}

/// Whether one of `statuses` is `client` or `server`: the status that prohibits.
pub(crate) fn prohibited_by(statuses: &[Status], client: Status, server: Status) -> Option<Status> {
    statuses.iter().copied().find(|s| *s == client || *s == server)
}

/// Checks DS data (RFC 4034 §5.1): a digest, of the length its type gives when known.
fn check_ds(ds: &[DsData]) -> Result<(), RegistryError> {
    for d in ds {
        let want = match d.digest_type {
            1 => Some(20),
            2 => Some(32),
            4 => Some(48),
            _ => None,
        };
        if d.digest.is_empty() || want.is_some_and(|n| n != d.digest.len()) {
            return Err(RegistryError::Syntax(format!(
                "DS {} {} {}: the digest has {} octets",
                d.key_tag,
                d.alg,
                d.digest_type,
                d.digest.len()
            )));
        }
    }
    Ok(())
}

fn check_period(years: u32, max: u32) -> Result<i64, RegistryError> {
    if years == 0 || years > max {
        return Err(RegistryError::Policy(format!("the period must be 1 to {max} years")));
    }
    Ok(i64::from(years))
}

impl Registry {
    /// Loads a domain's row by name, locking it (PostgreSQL) when `lock`.
    pub(crate) async fn domain_by_name(
        &self,
        tx: &mut Tx,
        name: &Name,
        lock: bool,
    ) -> Result<Option<DomainRow>, RegistryError> {
        let sql = format!(
            "SELECT {DOMAIN_COLUMNS} FROM domains WHERE name = $1{}",
            if lock { self.backend.for_update() } else { "" }
        );
        let row = sqlx::query(&sql).bind(key(name)).fetch_optional(&mut **tx).await?;
        row.as_ref().map(domain_row).transpose()
    }

    /// Loads a domain's row by id, locking it (PostgreSQL).
    pub(crate) async fn domain_by_id(&self, tx: &mut Tx, id: i64) -> Result<Option<DomainRow>, RegistryError> {
        let sql = format!(
            "SELECT {DOMAIN_COLUMNS} FROM domains WHERE id = $1{}",
            self.backend.for_update()
        );
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await?;
        row.as_ref().map(domain_row).transpose()
    }

    /// The domain `name`, locked, which `by` must sponsor.
    async fn own_domain(&self, tx: &mut Tx, by: &RegistrarId, name: &Name) -> Result<DomainRow, RegistryError> {
        let row = self
            .domain_by_name(tx, name, true)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("domain {name}")))?;
        check_sponsor(&row.sponsor, by, || name.to_string())?;
        Ok(row)
    }

    /// The running grace periods of a domain.
    pub(crate) async fn graces(&self, tx: &mut Tx, domain: i64, now: i64) -> Result<Vec<Grace>, RegistryError> {
        let rows =
            sqlx::query("SELECT kind, ends, registrar, amount, years FROM graces WHERE domain = $1 AND ends > $2")
                .bind(domain)
                .bind(now)
                .fetch_all(&mut **tx)
                .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get(0)?;
                Ok(Grace {
                    kind: GraceKind::load(&kind)?,
                    ends: r.try_get(1)?,
                    registrar: r.try_get(2)?,
                    amount: r.try_get(3)?,
                    years: r.try_get(4)?,
                })
            })
            .collect()
    }

    pub(crate) async fn add_grace(&self, tx: &mut Tx, domain: i64, g: &Grace) -> Result<(), RegistryError> {
        sqlx::query(
            "INSERT INTO graces (domain, kind, ends, registrar, amount, years) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(domain)
        .bind(g.kind.as_str())
        .bind(g.ends)
        .bind(&g.registrar)
        .bind(g.amount)
        .bind(g.years)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Whether `name` has host objects below it (or named as it).
    async fn subordinate_hosts(&self, tx: &mut Tx, domain: i64) -> Result<Vec<Name>, RegistryError> {
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM hosts WHERE domain = $1")
            .bind(domain)
            .fetch_all(&mut **tx)
            .await?;
        let mut out = names.iter().map(|n| stored_name(n)).collect::<Result<Vec<_>, _>>()?;
        out.sort();
        Ok(out)
    }

    /// The domain's statuses as EPP shows them, and its grace-period statuses.
    async fn domain_statuses(
        &self,
        tx: &mut Tx,
        row: &DomainRow,
        now: i64,
    ) -> Result<(Vec<Status>, Vec<RgpStatus>), RegistryError> {
        let mut statuses = self.stored_statuses(tx, ObjectKind::Domain, row.id).await?;
        if self.pending_transfer(tx, ObjectKind::Domain, row.id).await?.is_some() {
            statuses.push(Status::PendingTransfer);
        }
        let mut rgp: Vec<RgpStatus> = Vec::new();
        match row.state {
            DomainState::Active => {
                for g in self.graces(tx, row.id, now).await? {
                    if !rgp.contains(&g.kind.rgp()) {
                        rgp.push(g.kind.rgp());
                    }
                }
            }
            DomainState::Redemption => {
                statuses.push(Status::PendingDelete);
                rgp.push(RgpStatus::RedemptionPeriod);
            }
            DomainState::PendingDelete => {
                statuses.push(Status::PendingDelete);
                rgp.push(RgpStatus::PendingDelete);
            }
            // RFC 3915 §2 step 5: the EPP status stays pendingDelete until the report comes.
            DomainState::PendingRestore => {
                statuses.push(Status::PendingDelete);
                rgp.push(RgpStatus::PendingRestore);
            }
        }
        let ns: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_ns WHERE domain = $1")
            .bind(row.id)
            .fetch_one(&mut **tx)
            .await?;
        if ns == 0 {
            statuses.push(Status::Inactive);
        }
        if statuses.is_empty() {
            statuses.push(Status::Ok);
        }
        statuses.sort();
        rgp.sort();
        Ok((statuses, rgp))
    }

    /// Domain check (RFC 5731 §3.1.1): for each name, whether a create could succeed. Names
    /// that exist in any state (redemption included) are not available, nor are names that are
    /// not directly under a TLD of the registry or not host names.
    pub async fn check_domains(&self, names: &[Name]) -> Result<Vec<CheckResult>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let reason = match self.domain_policy(name) {
                Err(e) => Some(e.to_string()),
                Ok(_) => {
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domains WHERE name = $1")
                        .bind(key(name))
                        .fetch_one(&mut *tx)
                        .await?;
                    (n > 0).then(|| "in use".to_string())
                }
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

    /// Domain info (RFC 5731 §3.1.2, RFC 5910 §5.1.2, RFC 3915 §4.1). The sponsor, or a
    /// registrar giving the domain's authInfo, sees everything; anyone else sees the public
    /// part (see [`DomainInfo`]). A wrong authInfo from a registrar that is not the sponsor is
    /// [`RegistryError::InvalidAuthInfo`].
    pub async fn info_domain(
        &self,
        by: &RegistrarId,
        name: &Name,
        auth_info: Option<&str>,
        now: i64,
    ) -> Result<DomainInfo, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let row = self
            .domain_by_name(&mut tx, name, false)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("domain {name}")))?;
        let sponsor = row.sponsor == by.as_str();
        let authorized = match auth_info {
            _ if sponsor => true,
            Some(pw) if same_secret(pw, &row.auth_info) => true,
            Some(_) => return Err(RegistryError::InvalidAuthInfo),
            None => false,
        };
        let info = self.domain_info(&mut tx, row, authorized, now).await?;
        tx.commit().await?;
        Ok(info)
    }

    /// A domain as info shows it, read in the caller's transaction: everything when
    /// `authorized`, else the public part (see [`DomainInfo`]).
    pub(crate) async fn domain_info(
        &self,
        tx: &mut Tx,
        row: DomainRow,
        authorized: bool,
        now: i64,
    ) -> Result<DomainInfo, RegistryError> {
        let (statuses, rgp_statuses) = self.domain_statuses(tx, &row, now).await?;
        let ns_names: Vec<String> =
            sqlx::query_scalar("SELECT h.name FROM domain_ns n JOIN hosts h ON h.id = n.host WHERE n.domain = $1")
                .bind(row.id)
                .fetch_all(&mut **tx)
                .await?;
        let mut ns = ns_names.iter().map(|n| stored_name(n)).collect::<Result<Vec<_>, _>>()?;
        ns.sort();
        let ds = self.domain_ds(tx, row.id).await?;
        let (registrant, contacts, hosts) = if authorized {
            let registrant = match row.registrant {
                Some(id) => Some(self.contact_handle(tx, id).await?),
                None => None,
            };
            let rows = sqlx::query(
                "SELECT dc.kind, c.handle FROM domain_contacts dc JOIN contacts c ON c.id = dc.contact WHERE dc.domain = $1",
            )
            .bind(row.id)
            .fetch_all(&mut **tx)
            .await?;
            let mut contacts = Vec::with_capacity(rows.len());
            for r in &rows {
                let kind: String = r.try_get(0)?;
                let kind = ContactType::parse(&kind)
                    .ok_or_else(|| RegistryError::Corrupt(format!("unknown contact type {kind}")))?;
                contacts.push((kind, r.try_get::<String, _>(1)?));
            }
            contacts.sort();
            (registrant, contacts, self.subordinate_hosts(tx, row.id).await?)
        } else {
            (None, Vec::new(), Vec::new())
        };
        Ok(DomainInfo {
            name: row.name,
            roid: roid(ObjectKind::Domain, row.id),
            statuses,
            rgp_statuses,
            registrant,
            contacts,
            ns,
            hosts,
            cl_id: RegistrarId::new(row.sponsor),
            cr_id: authorized.then(|| RegistrarId::new(row.creator)),
            cr_date: row.created,
            up_id: row.updater.filter(|_| authorized).map(RegistrarId::new),
            up_date: row.updated,
            ex_date: row.expires,
            tr_date: row.transferred.filter(|_| authorized),
            auth_info: authorized.then_some(row.auth_info),
            ds,
            max_sig_life: row.max_sig_life.and_then(|v| u32::try_from(v).ok()),
            authorized,
        })
    }

    async fn domain_ds(&self, tx: &mut Tx, domain: i64) -> Result<Vec<DsData>, RegistryError> {
        let rows = sqlx::query("SELECT key_tag, alg, digest_type, digest FROM domain_ds WHERE domain = $1")
            .bind(domain)
            .fetch_all(&mut **tx)
            .await?;
        let mut out = rows.iter().map(ds_row).collect::<Result<Vec<_>, _>>()?;
        out.sort();
        Ok(out)
    }

    async fn insert_ds(&self, tx: &mut Tx, domain: i64, d: &DsData) -> Result<(), RegistryError> {
        sqlx::query("INSERT INTO domain_ds (domain, key_tag, alg, digest_type, digest) VALUES ($1, $2, $3, $4, $5)")
            .bind(domain)
            .bind(i64::from(d.key_tag))
            .bind(i64::from(d.alg))
            .bind(i64::from(d.digest_type))
            .bind(d.digest.as_slice())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// A contact's id by handle, for a domain `by` creates or updates: it must exist
    /// ([`RegistryError::NotFound`]) and be sponsored by `by` ([`RegistryError::Authorization`]).
    async fn usable_contact(&self, tx: &mut Tx, by: &RegistrarId, handle: &str) -> Result<i64, RegistryError> {
        let (id, sponsor) = self
            .contact_id(tx, handle)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("contact {handle}")))?;
        check_sponsor(&sponsor, by, || format!("contact {handle}"))?;
        Ok(id)
    }

    /// Domain create (RFC 5731 §3.2.1, RFC 5910 §5.2.1). Charges the create fee for the period
    /// and starts the add grace period (RFC 3915 §3.1). The registrant and contacts must be
    /// contacts `by` sponsors; the name servers existing hosts.
    pub async fn create_domain(
        &self,
        by: &RegistrarId,
        cmd: &DomainCreate,
        now: i64,
    ) -> Result<DomainCreated, RegistryError> {
        let policy = self.domain_policy(&cmd.name)?;
        let years = check_period(cmd.period_years, policy.max_years)?;
        check_auth_info(&cmd.auth_info)?;
        check_ds(&cmd.ds)?;
        check_distinct(&cmd.ns, "name server")?;
        check_distinct(&cmd.contacts, "contact")?;
        check_distinct(&cmd.ds, "DS")?;
        if cmd.ns.len() > MAX_NS {
            return Err(RegistryError::Policy(format!("at most {MAX_NS} name servers")));
        }
        let mut tx = self.backend.begin_write(&self.pool).await?;
        if !self.accredited(&mut tx, by, &policy.name).await? {
            return Err(RegistryError::Policy(format!(
                "{by} is not accredited for {}",
                policy.name
            )));
        }
        if self.domain_by_name(&mut tx, &cmd.name, false).await?.is_some() {
            return Err(RegistryError::Exists(format!("domain {}", cmd.name)));
        }
        let registrant = match &cmd.registrant {
            Some(h) => Some(self.usable_contact(&mut tx, by, h).await?),
            None => None,
        };
        let mut contacts = Vec::with_capacity(cmd.contacts.len());
        for (kind, h) in &cmd.contacts {
            contacts.push((*kind, self.usable_contact(&mut tx, by, h).await?));
        }
        let mut hosts = Vec::with_capacity(cmd.ns.len());
        for ns in &cmd.ns {
            hosts.push(
                self.host_id(&mut tx, ns)
                    .await?
                    .ok_or_else(|| RegistryError::NotFound(format!("host {ns}")))?,
            );
        }
        let fee = policy.fees.create * years;
        self.charge(&mut tx, by.as_str(), fee).await?;
        let expires = add_years(now, years);
        let inserted = sqlx::query_scalar(
            "INSERT INTO domains (name, tld, registrant, sponsor, creator, created, expires, auth_info, max_sig_life, state)
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(key(&cmd.name))
        .bind(key(&policy.name))
        .bind(registrant)
        .bind(by.as_str())
        .bind(now)
        .bind(expires)
        .bind(&cmd.auth_info)
        .bind(cmd.max_sig_life.map(i64::from))
        .bind(DomainState::Active.as_str())
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Err(e) if crate::db::is_unique_violation(&e) => {
                return Err(RegistryError::Exists(format!("domain {}", cmd.name)))
            }
            r => r?,
        };
        for (kind, c) in contacts {
            self.link_contact(&mut tx, id, kind, c).await?;
        }
        for h in hosts {
            self.link_ns(&mut tx, id, h).await?;
        }
        for d in &cmd.ds {
            self.insert_ds(&mut tx, id, d).await?;
        }
        let grace = crate::domain::Grace {
            kind: GraceKind::Add,
            ends: now + policy.add_grace,
            registrar: by.as_str().to_string(),
            amount: fee,
            years,
        };
        self.add_grace(&mut tx, id, &grace).await?;
        tx.commit().await?;
        Ok(DomainCreated {
            name: cmd.name.clone(),
            cr_date: now,
            ex_date: expires,
        })
    }

    async fn link_contact(
        &self,
        tx: &mut Tx,
        domain: i64,
        kind: ContactType,
        contact: i64,
    ) -> Result<(), RegistryError> {
        sqlx::query("INSERT INTO domain_contacts (domain, kind, contact) VALUES ($1, $2, $3)")
            .bind(domain)
            .bind(kind.as_str())
            .bind(contact)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn link_ns(&self, tx: &mut Tx, domain: i64, host: i64) -> Result<(), RegistryError> {
        sqlx::query("INSERT INTO domain_ns (domain, host) VALUES ($1, $2)")
            .bind(domain)
            .bind(host)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Domain update (RFC 5731 §3.2.5, RFC 5910 §5.2.5) by its sponsor. Refused while the
    /// domain is pending transfer or deletion, or has an UpdateProhibited status (a client may
    /// still remove its own clientUpdateProhibited, with the rest of the update).
    pub async fn update_domain(
        &self,
        by: &RegistrarId,
        name: &Name,
        upd: &DomainUpdate,
        now: i64,
    ) -> Result<(), RegistryError> {
        check_ds(&upd.ds_add)?;
        check_distinct(&upd.add_ns, "name server")?;
        check_distinct(&upd.add_contacts, "contact")?;
        check_distinct(&upd.ds_add, "DS")?;
        if let Some(pw) = &upd.auth_info {
            check_auth_info(pw)?;
        }
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let row = self.own_domain(&mut tx, by, name).await?;
        if row.state != DomainState::Active {
            return Err(RegistryError::StatusProhibits(format!("{name} is pending deletion")));
        }
        if self
            .pending_transfer(&mut tx, ObjectKind::Domain, row.id)
            .await?
            .is_some()
        {
            return Err(RegistryError::StatusProhibits(format!("{name} is pending transfer")));
        }
        self.update_statuses(
            &mut tx,
            ObjectKind::Domain,
            row.id,
            &name.to_string(),
            CLIENT_STATUSES,
            &upd.add_statuses,
            &upd.rem_statuses,
        )
        .await?;

        // Name servers: removals, then additions.
        let mut ns: Vec<i64> = sqlx::query_scalar("SELECT host FROM domain_ns WHERE domain = $1")
            .bind(row.id)
            .fetch_all(&mut *tx)
            .await?;
        for h in &upd.rem_ns {
            let id = self.host_id(&mut tx, h).await?.filter(|id| ns.contains(id));
            let Some(id) = id else {
                return Err(RegistryError::Policy(format!("{h} is not a name server of {name}")));
            };
            sqlx::query("DELETE FROM domain_ns WHERE domain = $1 AND host = $2")
                .bind(row.id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            ns.retain(|x| *x != id);
        }
        for h in &upd.add_ns {
            let id = self
                .host_id(&mut tx, h)
                .await?
                .ok_or_else(|| RegistryError::NotFound(format!("host {h}")))?;
            if ns.contains(&id) {
                return Err(RegistryError::Policy(format!("{h} is already a name server of {name}")));
            }
            self.link_ns(&mut tx, row.id, id).await?;
            ns.push(id);
        }
        if ns.len() > MAX_NS {
            return Err(RegistryError::Policy(format!("at most {MAX_NS} name servers")));
        }

        // Contacts: removals, then additions.
        for (kind, h) in &upd.rem_contacts {
            let id = self.contact_id(&mut tx, h).await?.map(|(id, _)| id);
            let done = sqlx::query("DELETE FROM domain_contacts WHERE domain = $1 AND kind = $2 AND contact = $3")
                .bind(row.id)
                .bind(kind.as_str())
                .bind(id.unwrap_or(-1))
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(RegistryError::Policy(format!(
                    "{h} is not a {} contact of {name}",
                    kind.as_str()
                )));
            }
        }
        for (kind, h) in &upd.add_contacts {
            let id = self.usable_contact(&mut tx, by, h).await?;
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM domain_contacts WHERE domain = $1 AND kind = $2 AND contact = $3",
            )
            .bind(row.id)
            .bind(kind.as_str())
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if n > 0 {
                return Err(RegistryError::Policy(format!(
                    "{h} is already a {} contact of {name}",
                    kind.as_str()
                )));
            }
            self.link_contact(&mut tx, row.id, *kind, id).await?;
        }
        if let Some(registrant) = &upd.registrant {
            let id = match registrant {
                Some(h) => Some(self.usable_contact(&mut tx, by, h).await?),
                None => None,
            };
            sqlx::query("UPDATE domains SET registrant = $1 WHERE id = $2")
                .bind(id)
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(pw) = &upd.auth_info {
            sqlx::query("UPDATE domains SET auth_info = $1 WHERE id = $2")
                .bind(pw)
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
        }

        // DS data: all, then the listed ones, then additions (RFC 5910 §5.2.5).
        if upd.ds_rem_all {
            sqlx::query("DELETE FROM domain_ds WHERE domain = $1")
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
        }
        for d in &upd.ds_rem {
            sqlx::query(
                "DELETE FROM domain_ds WHERE domain = $1 AND key_tag = $2 AND alg = $3 AND digest_type = $4 AND digest = $5",
            )
            .bind(row.id)
            .bind(i64::from(d.key_tag))
            .bind(i64::from(d.alg))
            .bind(i64::from(d.digest_type))
            .bind(d.digest.as_slice())
            .execute(&mut *tx)
            .await?;
        }
        let have = self.domain_ds(&mut tx, row.id).await?;
        for d in &upd.ds_add {
            if have.contains(d) {
                return Err(RegistryError::Policy(format!(
                    "DS {} {} {} is already set",
                    d.key_tag, d.alg, d.digest_type
                )));
            }
            self.insert_ds(&mut tx, row.id, d).await?;
        }
        if let Some(life) = upd.max_sig_life {
            sqlx::query("UPDATE domains SET max_sig_life = $1 WHERE id = $2")
                .bind(i64::from(life))
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE domains SET updater = $1, updated = $2 WHERE id = $3")
            .bind(by.as_str())
            .bind(now)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Domain delete (RFC 5731 §3.2.2, RFC 3915 §3.2) by its sponsor. What the sponsor was
    /// charged within a running grace period is refunded (and renewals refunded are taken off
    /// the expiry). Within the add grace period the domain is gone at once
    /// ([`DomainDeleted::Purged`]); otherwise it enters the redemption period
    /// ([`DomainDeleted::Redemption`]), leaves the zone, and is purged after redemption and
    /// pending delete unless restored ([`Registry::restore_domain`]).
    ///
    /// Refused while the domain has subordinate hosts ([`RegistryError::AssociationProhibits`]:
    /// delete or rename them first), a DeleteProhibited status, or a pending transfer.
    pub async fn delete_domain(&self, by: &RegistrarId, name: &Name, now: i64) -> Result<DomainDeleted, RegistryError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let row = self.own_domain(&mut tx, by, name).await?;
        if row.state != DomainState::Active {
            return Err(RegistryError::StatusProhibits(format!(
                "{name} is already pending deletion"
            )));
        }
        self.check_deletable(&mut tx, ObjectKind::Domain, row.id, &name.to_string())
            .await?;
        let subordinates = self.subordinate_hosts(&mut tx, row.id).await?;
        if let Some(h) = subordinates.first() {
            return Err(RegistryError::AssociationProhibits(format!(
                "{name} has subordinate host {h}: delete or rename it first"
            )));
        }
        let policy = self.stored_policy(&row.tld)?;
        let graces = self.graces(&mut tx, row.id, now).await?;
        let mut expires = row.expires;
        let mut in_add_grace = false;
        for g in graces.iter().filter(|g| g.registrar == row.sponsor) {
            self.refund(&mut tx, &g.registrar, g.amount).await?;
            match g.kind {
                GraceKind::Add => in_add_grace = true,
                GraceKind::Renew | GraceKind::AutoRenew | GraceKind::Transfer => expires = add_years(expires, -g.years),
            }
        }
        if in_add_grace {
            self.purge_domain(&mut tx, row.id).await?;
            tx.commit().await?;
            return Ok(DomainDeleted::Purged);
        }
        sqlx::query("DELETE FROM graces WHERE domain = $1")
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE domains SET state = $1, state_until = $2, expires = $3, updater = $4, updated = $5 WHERE id = $6",
        )
        .bind(DomainState::Redemption.as_str())
        .bind(now + policy.redemption)
        .bind(expires)
        .bind(by.as_str())
        .bind(now)
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(DomainDeleted::Redemption)
    }

    /// Removes a domain and everything hanging from it: its links, DS data, grace periods,
    /// statuses, transfer, and its subordinate hosts (which leave the name server lists of
    /// other domains too).
    pub(crate) async fn purge_domain(&self, tx: &mut Tx, id: i64) -> Result<(), RegistryError> {
        let hosts: Vec<i64> = sqlx::query_scalar("SELECT id FROM hosts WHERE domain = $1")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
        for h in hosts {
            self.remove_host(tx, h).await?;
        }
        for table in [
            "domain_ns",
            "domain_contacts",
            "domain_ds",
            "graces",
            "delegation_findings",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE domain = $1"))
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        self.delete_object_extras(tx, ObjectKind::Domain, id).await?;
        sqlx::query("DELETE FROM domains WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Domain renew (RFC 5731 §3.2.3) by its sponsor: `cur_exp_date` must be the date of the
    /// current expiry (so a repeated command does not renew twice); the new expiry may lie at
    /// most the TLD's `max_years` ahead. Charges the renew fee per year and starts a renew
    /// grace period. Works within the auto-renew grace period too, on top of the automatic
    /// renewal.
    pub async fn renew_domain(
        &self,
        by: &RegistrarId,
        name: &Name,
        cur_exp_date: Date,
        period_years: u32,
        now: i64,
    ) -> Result<DomainRenewed, RegistryError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let row = self.own_domain(&mut tx, by, name).await?;
        let policy = self.stored_policy(&row.tld)?;
        let years = check_period(period_years, policy.max_years)?;
        if row.state != DomainState::Active {
            return Err(RegistryError::StatusProhibits(format!("{name} is pending deletion")));
        }
        let statuses = self.stored_statuses(&mut tx, ObjectKind::Domain, row.id).await?;
        if let Some(s) = prohibited_by(&statuses, Status::ClientRenewProhibited, Status::ServerRenewProhibited) {
            return Err(RegistryError::StatusProhibits(format!("{name} has status {s}")));
        }
        if self
            .pending_transfer(&mut tx, ObjectKind::Domain, row.id)
            .await?
            .is_some()
        {
            return Err(RegistryError::StatusProhibits(format!("{name} is pending transfer")));
        }
        let current = Date::of(row.expires);
        if current != cur_exp_date {
            return Err(RegistryError::Policy(format!(
                "curExpDate {cur_exp_date} is not the expiry date of {name} ({current})"
            )));
        }
        let expires = add_years(row.expires, years);
        if expires > add_years(now, i64::from(policy.max_years)) {
            return Err(RegistryError::Policy(format!(
                "the expiry may lie at most {} years ahead",
                policy.max_years
            )));
        }
        let fee = policy.fees.renew * years;
        self.charge(&mut tx, by.as_str(), fee).await?;
        sqlx::query("UPDATE domains SET expires = $1 WHERE id = $2")
            .bind(expires)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        let grace = Grace {
            kind: GraceKind::Renew,
            ends: now + policy.renew_grace,
            registrar: by.as_str().to_string(),
            amount: fee,
            years,
        };
        self.add_grace(&mut tx, row.id, &grace).await?;
        tx.commit().await?;
        Ok(DomainRenewed {
            name: row.name,
            ex_date: expires,
        })
    }

    /// A restore request (RFC 3915 §4.2.5 `<rgp:restore op="request">`) by the sponsor of a
    /// domain in its redemption period: the domain goes back into the zone and enters
    /// `pendingRestore` (RFC 3915 §2 step 5; its EPP status stays `pendingDelete`), where it
    /// waits up to the TLD's [`crate::TldPolicy::pending_restore`] for the restore report
    /// ([`Registry::restore_report`]) that completes the restore. Without one, the next
    /// [`Registry::tick`] after that period sends it back to redemption (RFC 3915 §2 step 7)
    /// for what was left of its redemption period.
    ///
    /// The domain is in the zone while the report is awaited: RFC 3915 leaves zone presence
    /// to registry policy, and the ICANN RGP registries publish a domain again once its
    /// restore is requested (the request is what the registrant pays for; the report is
    /// paperwork). Fees are charged here, as a restore always was: the TLD's restore fee plus
    /// a renewal per year needed to bring an expiry that has passed back into the future; a
    /// report that never comes refunds nothing. Refused ([`RegistryError::StatusProhibits`])
    /// unless the domain is in redemption.
    pub async fn restore_domain(
        &self,
        by: &RegistrarId,
        name: &Name,
        now: i64,
    ) -> Result<DomainRenewed, RegistryError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let row = self.own_domain(&mut tx, by, name).await?;
        if row.state != DomainState::Redemption {
            return Err(RegistryError::StatusProhibits(format!(
                "{name} is not in its redemption period"
            )));
        }
        let policy = self.stored_policy(&row.tld)?;
        let mut expires = row.expires;
        let mut years = 0i64;
        while expires <= now {
            expires = add_years(expires, 1);
            years += 1;
        }
        self.charge(&mut tx, by.as_str(), policy.fees.restore + policy.fees.renew * years)
            .await?;
        let left = row.state_until.map_or(0, |until| (until - now).max(0));
        sqlx::query(
            "UPDATE domains SET state = $1, state_until = $2, redemption_left = $3, expires = $4, updater = $5, \
             updated = $6 WHERE id = $7",
        )
        .bind(DomainState::PendingRestore.as_str())
        .bind(now + policy.pending_restore)
        .bind(left)
        .bind(expires)
        .bind(by.as_str())
        .bind(now)
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(DomainRenewed {
            name: row.name,
            ex_date: expires,
        })
    }

    /// A restore report (RFC 3915 §4.2.5 `<rgp:restore op="report">`) by the sponsor of a
    /// domain in `pendingRestore`, within the TLD's [`crate::TldPolicy::pending_restore`]
    /// period: completes the restore (RFC 3915 §2 step 6), the domain active again with no
    /// grace period. The report is kept as given. Refused ([`RegistryError::StatusProhibits`])
    /// for a domain not awaiting a report or once the period is over; a report without
    /// `<rgp:statement>` is refused as [`RegistryError::Syntax`].
    pub async fn restore_report(
        &self,
        by: &RegistrarId,
        name: &Name,
        report: &RestoreReport,
        now: i64,
    ) -> Result<(), RegistryError> {
        if report.statements.is_empty() {
            return Err(RegistryError::Syntax("a restore report needs its statements".into()));
        }
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let row = self.own_domain(&mut tx, by, name).await?;
        if row.state != DomainState::PendingRestore {
            return Err(RegistryError::StatusProhibits(format!(
                "{name} awaits no restore report (request the restore first)"
            )));
        }
        if row.state_until.is_some_and(|until| until <= now) {
            return Err(RegistryError::StatusProhibits(format!(
                "the period for the restore report of {name} is over"
            )));
        }
        sqlx::query(
            "INSERT INTO restore_reports (domain, registrar, received, pre_data, post_data, del_time, res_time, \
             res_reason, statements, other) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(key(name))
        .bind(by.as_str())
        .bind(now)
        .bind(&report.pre_data)
        .bind(&report.post_data)
        .bind(&report.del_time)
        .bind(&report.res_time)
        .bind(&report.res_reason)
        .bind(report.statements.join("\n"))
        .bind(report.other.as_deref())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE domains SET state = $1, state_until = NULL, redemption_left = NULL, updater = $2, updated = $3 \
             WHERE id = $4",
        )
        .bind(DomainState::Active.as_str())
        .bind(by.as_str())
        .bind(now)
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps what the delegation check of `name` at `checked_at` found ([`crate::delegation`],
    /// one line per finding), replacing what an earlier check found; an empty list clears it.
    /// Either way `checked_at` becomes the domain's last check, from which
    /// [`crate::recheck::due_rechecks`] counts. Shown by RDAP as the domain's "Delegation
    /// check" remark and by WHOIS as `Delegation check:` lines. Nothing is kept for a domain
    /// that does not exist ([`RegistryError::NotFound`]).
    pub async fn record_delegation_check(
        &self,
        name: &Name,
        checked_at: i64,
        findings: &[String],
    ) -> Result<(), RegistryError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let row = self
            .domain_by_name(&mut tx, name, true)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("domain {name}")))?;
        sqlx::query("DELETE FROM delegation_findings WHERE domain = $1")
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        // Every check counts for the re-checks (crate::recheck), clean ones too.
        sqlx::query("UPDATE domains SET delegation_checked = $1 WHERE id = $2")
            .bind(checked_at)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        for (i, text) in findings.iter().enumerate() {
            sqlx::query("INSERT INTO delegation_findings (domain, checked_at, position, text) VALUES ($1, $2, $3, $4)")
                .bind(row.id)
                .bind(checked_at)
                .bind(i64::try_from(i).unwrap_or(i64::MAX))
                .bind(text)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// What the last delegation check of a domain found, if it found anything.
    pub(crate) async fn delegation_findings(
        &self,
        tx: &mut Tx,
        domain: i64,
    ) -> Result<Option<DelegationFindings>, RegistryError> {
        let rows = sqlx::query("SELECT checked_at, text FROM delegation_findings WHERE domain = $1 ORDER BY position")
            .bind(domain)
            .fetch_all(&mut **tx)
            .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(DelegationFindings {
            checked_at: first.try_get(0)?,
            lines: rows.iter().map(|r| r.try_get(1)).collect::<Result<_, _>>()?,
        }))
    }

    /// Sets and clears `server*` statuses of a domain: the registry operator's command, not a
    /// registrar's (`serverHold` takes a domain out of the zone, the Prohibited ones stop the
    /// sponsor's commands). Adding a status already set or removing one not set does nothing.
    pub async fn set_server_statuses(
        &self,
        name: &Name,
        add: &[Status],
        rem: &[Status],
        now: i64,
    ) -> Result<(), RegistryError> {
        if let Some(s) = add.iter().chain(rem).find(|s| !s.is_server()) {
            return Err(RegistryError::Policy(format!("{s} is not a server status")));
        }
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let row = self
            .domain_by_name(&mut tx, name, true)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("domain {name}")))?;
        let current = self.stored_statuses(&mut tx, ObjectKind::Domain, row.id).await?;
        for s in rem {
            self.delete_status(&mut tx, ObjectKind::Domain, row.id, *s).await?;
        }
        for s in add {
            if !current.contains(s) || rem.contains(s) {
                self.delete_status(&mut tx, ObjectKind::Domain, row.id, *s).await?;
                self.insert_status(&mut tx, ObjectKind::Domain, row.id, *s).await?;
            }
        }
        sqlx::query("UPDATE domains SET updated = $1 WHERE id = $2")
            .bind(now)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn ds_row(r: &sqlx::any::AnyRow) -> Result<DsData, RegistryError> {
    let small =
        |v: i64, what: &str| u8::try_from(v).map_err(|_| RegistryError::Corrupt(format!("DS {what} {v} out of range")));
    let key_tag: i64 = r.try_get(0)?;
    Ok(DsData {
        key_tag: u16::try_from(key_tag)
            .map_err(|_| RegistryError::Corrupt(format!("DS key tag {key_tag} out of range")))?,
        alg: small(r.try_get(1)?, "algorithm")?,
        digest_type: small(r.try_get(2)?, "digest type")?,
        digest: r.try_get(3)?,
    })
}

/// Refuses a list that names something twice.
fn check_distinct<T: PartialEq + std::fmt::Debug>(items: &[T], what: &str) -> Result<(), RegistryError> {
    for (i, x) in items.iter().enumerate() {
        if items[..i].contains(x) {
            return Err(RegistryError::Policy(format!("{what} {x:?} given twice")));
        }
    }
    Ok(())
}
