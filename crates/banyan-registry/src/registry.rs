//! The [`Registry`]: one async method per EPP command, each one transaction. This file holds
//! the type, opening it, registrars, and what the commands share (charging fees, queuing poll
//! messages, statuses, name rules); the commands are in `domain.rs`, `contact.rs`, `host.rs`,
//! `transfer.rs`, `poll.rs`, `lifecycle.rs` and `tldzone.rs`.

use std::path::Path;
use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use banyan_wire::Name;
use sqlx::{AnyPool, Row};

use crate::db::{self, Backend, Tx};
use crate::model::{ObjectKind, PollKind, RegistrarId, RegistrarInfo, Status, TransferInfo};
use crate::policy::TldPolicy;
use crate::RegistryError;

/// The suffix of every repository object identifier (`roid`, RFC 5730 §2.8): `D12-BANYAN`
/// for domain 12, `C3-BANYAN` for a contact, `H5-BANYAN` for a host.
pub const ROID_SUFFIX: &str = "BANYAN";

/// The most name servers a domain may have (the most an NS RRset can usefully hold in a
/// referral).
pub const MAX_NS: usize = 13;

/// A TLD registry: registrars, contacts, hosts and domains in SQLite or PostgreSQL, with one
/// async method per EPP command (RFC 5730-5733, RFC 5910, RFC 3915).
///
/// - **One command, one transaction.** A command that returns `Err` changed nothing; fees are
///   charged to the registrar's balance in the command's transaction.
/// - **Time comes from the caller.** Every command takes `now` (Unix seconds); nothing happens
///   by itself: [`Registry::tick`] does the time-driven work (automatic renewal, transfers the
///   losing registrar did not answer, redemption, purge).
/// - **Authorization.** Every command names the registrar asking (`by`, from
///   [`Registry::login`]); a registrar changes only objects it sponsors, and sees others'
///   domains and contacts in full only with their authInfo (RFC 5731 §3.1.2).
///
/// Cheap to clone; clones share the connection pool.
#[derive(Clone, Debug)]
pub struct Registry {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) tlds: Arc<Vec<TldPolicy>>,
}

impl Registry {
    /// Opens the registry database at `url` and brings its schema up to date, serving the
    /// TLDs of `tlds`.
    ///
    /// `sqlite://PATH` opens (creating if missing) a SQLite database in WAL mode with
    /// `synchronous = FULL`; `postgres://…` connects to PostgreSQL (the same schema,
    /// versioned migrations). Refused with [`RegistryError::Config`] when a TLD is the root
    /// or given twice.
    pub async fn open(url: &str, tlds: Vec<TldPolicy>) -> Result<Registry, RegistryError> {
        for (i, t) in tlds.iter().enumerate() {
            if t.name.is_root() {
                return Err(RegistryError::Config("the root cannot be a TLD of the registry".into()));
            }
            if tlds[..i].iter().any(|o| o.name == t.name) {
                return Err(RegistryError::Config(format!("TLD {} given twice", t.name)));
            }
            if t.max_years == 0 {
                return Err(RegistryError::Config(format!("TLD {}: max_years is 0", t.name)));
            }
        }
        let (pool, backend) = db::open(url).await?;
        Ok(Registry {
            pool,
            backend,
            tlds: Arc::new(tlds),
        })
    }

    /// Opens the default registry database, `sqlite://DIR/registry.db`, creating `dir` if
    /// missing.
    pub async fn open_data_dir(dir: &Path, tlds: Vec<TldPolicy>) -> Result<Registry, RegistryError> {
        let url = db::data_dir_url(dir)?;
        Registry::open(&url, tlds).await
    }

    /// The TLDs served, with their policies.
    pub fn tlds(&self) -> &[TldPolicy] {
        &self.tlds
    }

    /// The policy of the TLD `tld`.
    pub fn policy(&self, tld: &Name) -> Option<&TldPolicy> {
        self.tlds.iter().find(|t| t.name == *tld)
    }

    /// Creates a registrar accredited for `tlds` (each a TLD of the registry) with a prepaid
    /// `balance`. The password is kept as an Argon2id hash (PHC string). `id` follows EPP's
    /// `clIDType` (3-16 characters, RFC 5730 §4).
    pub async fn create_registrar(
        &self,
        id: &str,
        name: &str,
        password: &str,
        tlds: &[Name],
        balance: i64,
    ) -> Result<RegistrarId, RegistryError> {
        check_client_id(id, "registrar identifier")?;
        check_password(password)?;
        for tld in tlds {
            if self.policy(tld).is_none() {
                return Err(RegistryError::Policy(format!("{tld} is not a TLD of this registry")));
            }
        }
        let hash = hash_password(password).await?;
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let done = sqlx::query(
            "INSERT INTO registrars (id, name, password_hash, balance, created) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(name)
        .bind(hash)
        .bind(balance)
        .bind(db::unix_now())
        .execute(&mut *tx)
        .await;
        match done {
            Err(e) if db::is_unique_violation(&e) => return Err(RegistryError::Exists(format!("registrar {id}"))),
            r => r?,
        };
        let mut seen: Vec<String> = Vec::new();
        for tld in tlds {
            let k = key(tld);
            if seen.contains(&k) {
                continue;
            }
            sqlx::query("INSERT INTO registrar_tlds (registrar, tld) VALUES ($1, $2)")
                .bind(id)
                .bind(&k)
                .execute(&mut *tx)
                .await?;
            seen.push(k);
        }
        tx.commit().await?;
        Ok(RegistrarId::new(id))
    }

    /// Checks a registrar's credentials (RFC 5730 §2.9.1.1 `<login>`): the registrar's
    /// identifier when the password matches its stored hash, else
    /// [`RegistryError::BadCredentials`] (also for an unknown identifier).
    pub async fn login(&self, id: &str, password: &str) -> Result<RegistrarId, RegistryError> {
        let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM registrars WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(hash) = hash else {
            return Err(RegistryError::BadCredentials);
        };
        if verify_password(password, hash).await? {
            Ok(RegistrarId::new(id))
        } else {
            Err(RegistryError::BadCredentials)
        }
    }

    /// Replaces a registrar's password (`<login><newPW>`).
    pub async fn set_password(&self, id: &RegistrarId, password: &str) -> Result<(), RegistryError> {
        check_password(password)?;
        let hash = hash_password(password).await?;
        let done = sqlx::query("UPDATE registrars SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(RegistryError::NotFound(format!("registrar {id}")));
        }
        Ok(())
    }

    /// Adds `amount` (negative to debit) to a registrar's balance; returns the new balance.
    pub async fn credit(&self, id: &RegistrarId, amount: i64) -> Result<i64, RegistryError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let done = sqlx::query("UPDATE registrars SET balance = balance + $1 WHERE id = $2")
            .bind(amount)
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(RegistryError::NotFound(format!("registrar {id}")));
        }
        let balance: i64 = sqlx::query_scalar("SELECT balance FROM registrars WHERE id = $1")
            .bind(id.as_str())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(balance)
    }

    /// What the registry keeps about a registrar (its password hash aside).
    pub async fn registrar(&self, id: &RegistrarId) -> Result<RegistrarInfo, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let info = self
            .registrar_info(&mut tx, id.as_str())
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("registrar {id}")))?;
        tx.commit().await?;
        Ok(info)
    }

    /// A registrar read in the caller's transaction; `None` when there is no such registrar.
    pub(crate) async fn registrar_info(&self, tx: &mut Tx, id: &str) -> Result<Option<RegistrarInfo>, RegistryError> {
        let Some(row) = sqlx::query("SELECT name, balance FROM registrars WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
        else {
            return Ok(None);
        };
        let tlds: Vec<String> = sqlx::query_scalar("SELECT tld FROM registrar_tlds WHERE registrar = $1 ORDER BY tld")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
        Ok(Some(RegistrarInfo {
            id: RegistrarId::new(id),
            name: row.try_get(0)?,
            balance: row.try_get(1)?,
            tlds: tlds.iter().map(|t| stored_name(t)).collect::<Result<_, _>>()?,
        }))
    }

    // ---- shared by the commands ----

    /// The TLD a domain name is registered under: the longest TLD of the registry that `name`
    /// is one label below. Checks the name is a host name (letters, digits, hyphens).
    pub(crate) fn domain_policy(&self, name: &Name) -> Result<&TldPolicy, RegistryError> {
        check_host_name(name)?;
        self.tlds
            .iter()
            .filter(|t| name.label_count() == t.name.label_count() + 1 && name.is_subdomain_of(&t.name))
            .max_by_key(|t| t.name.label_count())
            .ok_or_else(|| RegistryError::Policy(format!("{name} is not a name directly under a TLD of this registry")))
    }

    /// The TLD of the registry that `name` is at or below, if any.
    pub(crate) fn tld_above(&self, name: &Name) -> Option<&TldPolicy> {
        self.tlds
            .iter()
            .filter(|t| name.is_subdomain_of(&t.name))
            .max_by_key(|t| t.name.label_count())
    }

    /// The policy of a stored domain's TLD.
    pub(crate) fn stored_policy(&self, tld: &str) -> Result<&TldPolicy, RegistryError> {
        let name = stored_name(tld)?;
        self.policy(&name)
            .ok_or_else(|| RegistryError::Corrupt(format!("domain under {tld}, which is no longer a TLD here")))
    }

    /// Whether `by` is accredited for `tld`.
    pub(crate) async fn accredited(&self, tx: &mut Tx, by: &RegistrarId, tld: &Name) -> Result<bool, RegistryError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrar_tlds WHERE registrar = $1 AND tld = $2")
            .bind(by.as_str())
            .bind(key(tld))
            .fetch_one(&mut **tx)
            .await?;
        Ok(n > 0)
    }

    /// Charges `fee` to `registrar`'s balance, refusing with [`RegistryError::Billing`] when
    /// the balance does not cover it (one conditional `UPDATE`, so concurrent charges cannot
    /// overdraw).
    pub(crate) async fn charge(&self, tx: &mut Tx, registrar: &str, fee: i64) -> Result<(), RegistryError> {
        let done = sqlx::query("UPDATE registrars SET balance = balance - $1 WHERE id = $2 AND balance >= $1")
            .bind(fee)
            .bind(registrar)
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let balance: Option<i64> = sqlx::query_scalar("SELECT balance FROM registrars WHERE id = $1")
            .bind(registrar)
            .fetch_optional(&mut **tx)
            .await?;
        match balance {
            Some(balance) => Err(RegistryError::Billing {
                registrar: registrar.to_string(),
                fee,
                balance,
            }),
            None => Err(RegistryError::Authorization(format!("unknown registrar {registrar}"))),
        }
    }

    /// Gives `amount` back to `registrar`.
    pub(crate) async fn refund(&self, tx: &mut Tx, registrar: &str, amount: i64) -> Result<(), RegistryError> {
        if amount != 0 {
            sqlx::query("UPDATE registrars SET balance = balance + $1 WHERE id = $2")
                .bind(amount)
                .bind(registrar)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Queues a service message for `registrar` (RFC 5730 §2.9.2.3).
    pub(crate) async fn queue(&self, tx: &mut Tx, registrar: &str, msg: NewMessage<'_>) -> Result<(), RegistryError> {
        let tr = msg.transfer;
        sqlx::query(
            "INSERT INTO poll (registrar, queued, kind, object_kind, object, text, tr_status, re_id, re_date, ac_id, ac_date, ex_date)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(registrar)
        .bind(msg.now)
        .bind(msg.kind.store())
        .bind(msg.object_kind.as_str())
        .bind(msg.object)
        .bind(msg.text)
        .bind(tr.map(|t| t.status.as_str().to_string()))
        .bind(tr.map(|t| t.re_id.as_str().to_string()))
        .bind(tr.map(|t| t.re_date))
        .bind(tr.map(|t| t.ac_id.as_str().to_string()))
        .bind(tr.map(|t| t.ac_date))
        .bind(msg.ex_date.or(tr.and_then(|t| t.ex_date)))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The statuses stored for an object (the client and server ones).
    pub(crate) async fn stored_statuses(
        &self,
        tx: &mut Tx,
        kind: ObjectKind,
        id: i64,
    ) -> Result<Vec<Status>, RegistryError> {
        let names: Vec<String> =
            sqlx::query_scalar("SELECT status FROM statuses WHERE object_kind = $1 AND object = $2")
                .bind(kind.as_str())
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
        let mut out = names
            .iter()
            .map(|s| Status::parse(s).ok_or_else(|| RegistryError::Corrupt(format!("unknown status {s}"))))
            .collect::<Result<Vec<_>, _>>()?;
        out.sort();
        Ok(out)
    }

    /// The status part of an update command by the sponsor (RFC 5731 §3.2.5, RFC 5732
    /// §3.2.5, RFC 5733 §3.2.5) of the object `what` (for messages): refused while it has
    /// serverUpdateProhibited, or clientUpdateProhibited that the update does not remove (a
    /// client may lift its own lock in the update it makes); then the changes applied as
    /// [`Registry::change_statuses`] does. The one place every object's update checks its
    /// UpdateProhibited statuses.
    #[allow(clippy::too_many_arguments)] // each is one fact of the update; a struct would only rename them
    pub(crate) async fn update_statuses(
        &self,
        tx: &mut Tx,
        kind: ObjectKind,
        id: i64,
        what: &str,
        allowed: &[Status],
        add: &[Status],
        rem: &[Status],
    ) -> Result<(), RegistryError> {
        let statuses = self.stored_statuses(tx, kind, id).await?;
        let locked = statuses.iter().find(|s| {
            **s == Status::ServerUpdateProhibited
                || (**s == Status::ClientUpdateProhibited && !rem.contains(&Status::ClientUpdateProhibited))
        });
        if let Some(s) = locked {
            return Err(RegistryError::StatusProhibits(format!("{what} has status {s}")));
        }
        self.change_statuses(tx, kind, id, allowed, add, rem).await
    }

    /// Applies a client's status changes to an object: only the `allowed` `client*` statuses,
    /// none added twice or removed when absent.
    pub(crate) async fn change_statuses(
        &self,
        tx: &mut Tx,
        kind: ObjectKind,
        id: i64,
        allowed: &[Status],
        add: &[Status],
        rem: &[Status],
    ) -> Result<(), RegistryError> {
        for s in add.iter().chain(rem) {
            if !s.is_client() || !allowed.contains(s) {
                return Err(RegistryError::Policy(format!(
                    "status {s} cannot be set by a client on a {}",
                    kind.as_str()
                )));
            }
        }
        let current = self.stored_statuses(tx, kind, id).await?;
        for s in rem {
            if !current.contains(s) {
                return Err(RegistryError::Policy(format!("status {s} is not set")));
            }
            self.delete_status(tx, kind, id, *s).await?;
        }
        for (i, s) in add.iter().enumerate() {
            if (current.contains(s) && !rem.contains(s)) || add[..i].contains(s) {
                return Err(RegistryError::Policy(format!("status {s} is already set")));
            }
            self.insert_status(tx, kind, id, *s).await?;
        }
        Ok(())
    }

    pub(crate) async fn insert_status(
        &self,
        tx: &mut Tx,
        kind: ObjectKind,
        id: i64,
        s: Status,
    ) -> Result<(), RegistryError> {
        sqlx::query("INSERT INTO statuses (object_kind, object, status) VALUES ($1, $2, $3)")
            .bind(kind.as_str())
            .bind(id)
            .bind(s.as_str())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub(crate) async fn delete_status(
        &self,
        tx: &mut Tx,
        kind: ObjectKind,
        id: i64,
        s: Status,
    ) -> Result<(), RegistryError> {
        sqlx::query("DELETE FROM statuses WHERE object_kind = $1 AND object = $2 AND status = $3")
            .bind(kind.as_str())
            .bind(id)
            .bind(s.as_str())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Refuses the delete of an object that has a DeleteProhibited status or a pending
    /// transfer (RFC 5731 §3.2.2, RFC 5733 §3.2.2: 2304); `what` names it in the message.
    pub(crate) async fn check_deletable(
        &self,
        tx: &mut Tx,
        kind: ObjectKind,
        id: i64,
        what: &str,
    ) -> Result<(), RegistryError> {
        let statuses = self.stored_statuses(tx, kind, id).await?;
        if let Some(s) = crate::domain::prohibited_by(
            &statuses,
            Status::ClientDeleteProhibited,
            Status::ServerDeleteProhibited,
        ) {
            return Err(RegistryError::StatusProhibits(format!("{what} has status {s}")));
        }
        if self.pending_transfer(tx, kind, id).await?.is_some() {
            return Err(RegistryError::StatusProhibits(format!("{what} is pending transfer")));
        }
        Ok(())
    }

    /// Forgets everything kept about an object besides its own row: statuses and transfers.
    pub(crate) async fn delete_object_extras(
        &self,
        tx: &mut Tx,
        kind: ObjectKind,
        id: i64,
    ) -> Result<(), RegistryError> {
        for table in ["statuses", "transfers"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE object_kind = $1 AND object = $2"))
                .bind(kind.as_str())
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

/// A poll message to queue.
pub(crate) struct NewMessage<'a> {
    pub now: i64,
    pub kind: PollKind,
    pub object_kind: ObjectKind,
    pub object: &'a str,
    pub text: &'a str,
    pub transfer: Option<&'a TransferInfo>,
    pub ex_date: Option<i64>,
}

/// A name's key in the database: its lowercase presentation form.
/// Refuses a command on the object `what` (for the message) by `by` unless `by` sponsors it
/// (`sponsor`): RFC 5730 §2.9.3 leaves transform commands to the sponsoring client; the one
/// place contacts, domains and hosts check it ([`RegistryError::Authorization`], 2201).
pub(crate) fn check_sponsor(
    sponsor: &str,
    by: &RegistrarId,
    what: impl FnOnce() -> String,
) -> Result<(), RegistryError> {
    if sponsor == by.as_str() {
        return Ok(());
    }
    Err(RegistryError::Authorization(format!(
        "{} is sponsored by another registrar",
        what()
    )))
}

pub(crate) fn key(name: &Name) -> String {
    name.to_lowercase().to_string()
}

/// A name read back from the database.
pub(crate) fn stored_name(text: &str) -> Result<Name, RegistryError> {
    Name::parse(text, None).map_err(|e| RegistryError::Corrupt(format!("stored name {text:?}: {e}")))
}

/// The repository object identifier of object `id` of `kind`.
pub(crate) fn roid(kind: ObjectKind, id: i64) -> String {
    let letter = match kind {
        ObjectKind::Domain => 'D',
        ObjectKind::Contact => 'C',
        ObjectKind::Host => 'H',
    };
    format!("{letter}{id}-{ROID_SUFFIX}")
}

/// Compares two secrets (authInfo) in time that depends only on their lengths.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks that `name` is a host name (RFC 952, RFC 1123 §2.1): at least two labels, each of
/// letters, digits and hyphens, not starting or ending with a hyphen. IDNs come as A-labels.
pub(crate) fn check_host_name(name: &Name) -> Result<(), RegistryError> {
    if name.label_count() < 2 {
        return Err(RegistryError::Policy(format!(
            "{name} is not a host name: too few labels"
        )));
    }
    for label in name.labels() {
        let ldh = label.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-');
        if !ldh || label.first() == Some(&b'-') || label.last() == Some(&b'-') {
            return Err(RegistryError::Policy(format!(
                "{name} is not a host name: labels are letters, digits and inner hyphens"
            )));
        }
    }
    Ok(())
}

/// Checks an EPP client identifier (`clIDType`, RFC 5730 §4: a token of 3-16 characters).
pub(crate) fn check_client_id(id: &str, what: &str) -> Result<(), RegistryError> {
    let n = id.chars().count();
    if !(3..=16).contains(&n) || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(RegistryError::Syntax(format!(
            "{what} {id:?}: 3-16 characters without spaces"
        )));
    }
    Ok(())
}

/// Checks an authInfo password (RFC 5731 §2.6): 6-64 characters.
pub(crate) fn check_auth_info(pw: &str) -> Result<(), RegistryError> {
    let n = pw.chars().count();
    if !(6..=64).contains(&n) {
        return Err(RegistryError::Policy("authInfo must be 6-64 characters".into()));
    }
    Ok(())
}

/// Checks a registrar password (EPP `pwType`: 6-16 characters).
fn check_password(pw: &str) -> Result<(), RegistryError> {
    let n = pw.chars().count();
    if !(6..=16).contains(&n) {
        return Err(RegistryError::Syntax("a password must be 6-16 characters".into()));
    }
    Ok(())
}

/// Hashes a password with Argon2id and a random salt, off the async threads.
async fn hash_password(password: &str) -> Result<String, RegistryError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| RegistryError::PasswordHash(e.to_string()))
    })
    .await
    .map_err(|e| RegistryError::PasswordHash(e.to_string()))?
}

/// Checks a password against a stored hash, off the async threads.
async fn verify_password(password: &str, hash: String) -> Result<bool, RegistryError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(|e| RegistryError::Corrupt(format!("password hash: {e}")))?;
        match Argon2::default().verify_password(password.as_bytes(), &parsed) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(e) => Err(RegistryError::PasswordHash(e.to_string())),
        }
    })
    .await
    .map_err(|e| RegistryError::PasswordHash(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        Name::parse(s, None).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn host_names_are_ldh() {
        assert!(check_host_name(&n("example.test.")).is_ok());
        assert!(check_host_name(&n("xn--bcher-kva.test.")).is_ok());
        assert!(check_host_name(&n("a-b.c.test.")).is_ok());
        for bad in ["test.", "-a.test.", "a-.test.", "a_b.test.", "a\\032b.test."] {
            assert!(check_host_name(&n(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_compare() {
        assert!(same_secret("abc123", "abc123"));
        assert!(!same_secret("abc123", "abc124"));
        assert!(!same_secret("abc", "abc123"));
    }

    #[test]
    fn roids_follow_rfc5730_section_4() {
        assert_eq!(roid(ObjectKind::Domain, 12), "D12-BANYAN");
        assert_eq!(roid(ObjectKind::Contact, 3), "C3-BANYAN");
    }
}
