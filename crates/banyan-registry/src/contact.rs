//! Contact commands (RFC 5733 §3): check, info, create, update, delete. Transfers are in
//! `transfer.rs`.

use sqlx::Row;

use crate::db::Tx;
use crate::model::{
    CheckResult, ContactCreate, ContactInfo, ContactUpdate, Disclose, DiscloseField, ObjectKind, PostalInfo,
    PostalType, RegistrarId, Status,
};
use crate::registry::{check_auth_info, check_client_id, check_sponsor, roid, same_secret};
use crate::{Registry, RegistryError};

/// The statuses a client may set on a contact (RFC 5733 §2.2).
const CLIENT_STATUSES: &[Status] = &[
    Status::ClientDeleteProhibited,
    Status::ClientTransferProhibited,
    Status::ClientUpdateProhibited,
];

/// A contact's row.
pub(crate) struct ContactRow {
    pub id: i64,
    pub handle: String,
    pub sponsor: String,
    pub creator: String,
    pub created: i64,
    pub updater: Option<String>,
    pub updated: Option<i64>,
    pub transferred: Option<i64>,
    pub auth_info: String,
    pub voice: Option<String>,
    pub fax: Option<String>,
    pub email: String,
    pub disclose: Option<String>,
}

const CONTACT_COLUMNS: &str =
    "id, handle, sponsor, creator, created, updater, updated, transferred, auth_info, voice, fax, email, disclose";

fn contact_row(r: &sqlx::any::AnyRow) -> Result<ContactRow, RegistryError> {
    Ok(ContactRow {
        id: r.try_get(0)?,
        handle: r.try_get(1)?,
        sponsor: r.try_get(2)?,
        creator: r.try_get(3)?,
        created: r.try_get(4)?,
        updater: r.try_get(5)?,
        updated: r.try_get(6)?,
        transferred: r.try_get(7)?,
        auth_info: r.try_get(8)?,
        voice: r.try_get(9)?,
        fax: r.try_get(10)?,
        email: r.try_get(11)?,
        disclose: r.try_get(12)?,
    })
}

/// Checks a telephone number in EPP's form (RFC 5733 §2.5: `+CC.NUMBER`, with an optional
/// extension given elsewhere).
fn check_phone(p: &str, what: &str) -> Result<(), RegistryError> {
    let ok = p
        .strip_prefix('+')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(cc, num)| {
            (1..=3).contains(&cc.len())
                && (1..=14).contains(&num.len())
                && cc.bytes().all(|b| b.is_ascii_digit())
                && num.bytes().all(|b| b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(RegistryError::Syntax(format!("{what} {p:?}: expected +CC.NUMBER")))
    }
}

fn check_email(e: &str) -> Result<(), RegistryError> {
    match e.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !e.contains(char::is_whitespace) => Ok(()),
        _ => Err(RegistryError::Syntax(format!("e-mail address {e:?}"))),
    }
}

fn check_postal(postal: &[PostalInfo], at_least_one: bool) -> Result<(), RegistryError> {
    if (at_least_one && postal.is_empty()) || postal.len() > 2 {
        return Err(RegistryError::Syntax("one or two postalInfo elements".into()));
    }
    for (i, p) in postal.iter().enumerate() {
        if postal[..i].iter().any(|o| o.kind == p.kind) {
            return Err(RegistryError::Syntax(format!(
                "two postalInfo of type {}",
                p.kind.as_str()
            )));
        }
        if p.name.trim().is_empty() || p.city.trim().is_empty() {
            return Err(RegistryError::Syntax("postalInfo needs a name and a city".into()));
        }
        if p.street.len() > 3 {
            return Err(RegistryError::Syntax("at most 3 street lines".into()));
        }
        if p.cc.len() != 2 || !p.cc.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(RegistryError::Syntax(format!("country code {:?}", p.cc)));
        }
        let text = [
            Some(&p.name),
            p.org.as_ref(),
            Some(&p.city),
            p.sp.as_ref(),
            p.pc.as_ref(),
        ];
        if p.kind == PostalType::Loc
            && (text.iter().flatten().any(|s| !s.is_ascii()) || p.street.iter().any(|s| !s.is_ascii()))
        {
            return Err(RegistryError::Syntax("postalInfo type loc is 7-bit ASCII only".into()));
        }
        if p.street.iter().any(|s| s.contains('\n')) {
            return Err(RegistryError::Syntax("a street line holds no line break".into()));
        }
    }
    Ok(())
}

fn store_disclose(d: &Disclose) -> String {
    let fields: Vec<&str> = d.fields.iter().map(|f| f.as_str()).collect();
    format!("{}:{}", u8::from(d.flag), fields.join(","))
}

fn load_disclose(s: &str) -> Result<Disclose, RegistryError> {
    let bad = || RegistryError::Corrupt(format!("disclose {s:?}"));
    let (flag, fields) = s.split_once(':').ok_or_else(bad)?;
    let flag = match flag {
        "0" => false,
        "1" => true,
        _ => return Err(bad()),
    };
    let fields = fields
        .split(',')
        .filter(|f| !f.is_empty())
        .map(|f| DiscloseField::parse(f).ok_or_else(bad))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Disclose { flag, fields })
}

impl Registry {
    /// A contact's id and sponsor by its handle.
    pub(crate) async fn contact_id(&self, tx: &mut Tx, handle: &str) -> Result<Option<(i64, String)>, RegistryError> {
        let row = sqlx::query(&format!(
            "SELECT id, sponsor FROM contacts WHERE handle = $1{}",
            self.backend.for_share()
        ))
        .bind(handle)
        .fetch_optional(&mut **tx)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// A contact's handle by its id.
    pub(crate) async fn contact_handle(&self, tx: &mut Tx, id: i64) -> Result<String, RegistryError> {
        sqlx::query_scalar("SELECT handle FROM contacts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| RegistryError::Corrupt(format!("a domain refers to contact {id}, which does not exist")))
    }

    pub(crate) async fn contact_by_handle(
        &self,
        tx: &mut Tx,
        handle: &str,
        lock: bool,
    ) -> Result<Option<ContactRow>, RegistryError> {
        let sql = format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE handle = $1{}",
            if lock { self.backend.for_update() } else { "" }
        );
        let row = sqlx::query(&sql).bind(handle).fetch_optional(&mut **tx).await?;
        row.as_ref().map(contact_row).transpose()
    }

    async fn own_contact(&self, tx: &mut Tx, by: &RegistrarId, handle: &str) -> Result<ContactRow, RegistryError> {
        let row = self
            .contact_by_handle(tx, handle, true)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("contact {handle}")))?;
        check_sponsor(&row.sponsor, by, || format!("contact {handle}"))?;
        Ok(row)
    }

    /// Whether a domain refers to the contact (status `linked`).
    async fn contact_linked(&self, tx: &mut Tx, id: i64) -> Result<bool, RegistryError> {
        let a: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domains WHERE registrant = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
        let b: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_contacts WHERE contact = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
        Ok(a + b > 0)
    }

    async fn insert_postal(&self, tx: &mut Tx, contact: i64, p: &PostalInfo) -> Result<(), RegistryError> {
        sqlx::query(
            "INSERT INTO contact_postal (contact, kind, name, org, street, city, sp, pc, cc)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(contact)
        .bind(p.kind.as_str())
        .bind(&p.name)
        .bind(&p.org)
        .bind(p.street.join("\n"))
        .bind(&p.city)
        .bind(&p.sp)
        .bind(&p.pc)
        .bind(p.cc.to_ascii_uppercase())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Contact check (RFC 5733 §3.1.1).
    pub async fn check_contacts(&self, ids: &[String]) -> Result<Vec<CheckResult>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let reason = match check_client_id(id, "contact identifier") {
                Err(e) => Some(e.to_string()),
                Ok(()) => self
                    .contact_by_handle(&mut tx, id, false)
                    .await?
                    .map(|_| "in use".to_string()),
            };
            out.push(CheckResult {
                name: id.clone(),
                available: reason.is_none(),
                reason,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Contact info (RFC 5733 §3.1.2): everything for the sponsor or a registrar giving the
    /// contact's authInfo, the public part for others (see [`ContactInfo`]); a wrong authInfo
    /// is [`RegistryError::InvalidAuthInfo`].
    pub async fn info_contact(
        &self,
        by: &RegistrarId,
        id: &str,
        auth_info: Option<&str>,
    ) -> Result<ContactInfo, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let row = self
            .contact_by_handle(&mut tx, id, false)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("contact {id}")))?;
        let authorized = match auth_info {
            _ if row.sponsor == by.as_str() => true,
            Some(pw) if same_secret(pw, &row.auth_info) => true,
            Some(_) => return Err(RegistryError::InvalidAuthInfo),
            None => false,
        };
        let info = self.contact_info(&mut tx, row, authorized).await?;
        tx.commit().await?;
        Ok(info)
    }

    /// A contact as info shows it, read in the caller's transaction: everything when
    /// `authorized`, else the public part (see [`ContactInfo`]).
    pub(crate) async fn contact_info(
        &self,
        tx: &mut Tx,
        row: ContactRow,
        authorized: bool,
    ) -> Result<ContactInfo, RegistryError> {
        let mut statuses = self.stored_statuses(tx, ObjectKind::Contact, row.id).await?;
        if self.pending_transfer(tx, ObjectKind::Contact, row.id).await?.is_some() {
            statuses.push(Status::PendingTransfer);
        }
        if self.contact_linked(tx, row.id).await? {
            statuses.push(Status::Linked);
        }
        if statuses.iter().all(|s| *s == Status::Linked) {
            statuses.push(Status::Ok);
        }
        statuses.sort();
        let mut postal = Vec::new();
        if authorized {
            let rows = sqlx::query(
                "SELECT kind, name, org, street, city, sp, pc, cc FROM contact_postal WHERE contact = $1 ORDER BY kind",
            )
            .bind(row.id)
            .fetch_all(&mut **tx)
            .await?;
            for r in &rows {
                let kind: String = r.try_get(0)?;
                let street: String = r.try_get(3)?;
                postal.push(PostalInfo {
                    kind: PostalType::parse(&kind)
                        .ok_or_else(|| RegistryError::Corrupt(format!("postal type {kind}")))?,
                    name: r.try_get(1)?,
                    org: r.try_get(2)?,
                    street: street
                        .split('\n')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    city: r.try_get(4)?,
                    sp: r.try_get(5)?,
                    pc: r.try_get(6)?,
                    cc: r.try_get(7)?,
                });
            }
        }
        let disclose = row.disclose.as_deref().map(load_disclose).transpose()?;
        Ok(ContactInfo {
            id: row.handle,
            roid: roid(ObjectKind::Contact, row.id),
            statuses,
            postal,
            voice: row.voice.filter(|_| authorized),
            fax: row.fax.filter(|_| authorized),
            email: authorized.then_some(row.email),
            cl_id: RegistrarId::new(row.sponsor),
            cr_id: authorized.then(|| RegistrarId::new(row.creator)),
            cr_date: row.created,
            up_id: row.updater.filter(|_| authorized).map(RegistrarId::new),
            up_date: row.updated,
            tr_date: row.transferred.filter(|_| authorized),
            auth_info: authorized.then_some(row.auth_info),
            disclose,
            authorized,
        })
    }

    /// Contact create (RFC 5733 §3.2.1).
    pub async fn create_contact(&self, by: &RegistrarId, cmd: &ContactCreate, now: i64) -> Result<(), RegistryError> {
        check_client_id(&cmd.id, "contact identifier")?;
        check_postal(&cmd.postal, true)?;
        check_email(&cmd.email)?;
        for (p, what) in [(&cmd.voice, "telephone number"), (&cmd.fax, "fax number")] {
            if let Some(p) = p {
                check_phone(p, what)?;
            }
        }
        check_auth_info(&cmd.auth_info)?;
        let mut tx = self.backend.begin_write(&self.pool).await?;
        if self.contact_by_handle(&mut tx, &cmd.id, false).await?.is_some() {
            return Err(RegistryError::Exists(format!("contact {}", cmd.id)));
        }
        let inserted = sqlx::query_scalar(
            "INSERT INTO contacts (handle, sponsor, creator, created, auth_info, voice, fax, email, disclose)
             VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&cmd.id)
        .bind(by.as_str())
        .bind(now)
        .bind(&cmd.auth_info)
        .bind(&cmd.voice)
        .bind(&cmd.fax)
        .bind(&cmd.email)
        .bind(cmd.disclose.as_ref().map(store_disclose))
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Err(e) if crate::db::is_unique_violation(&e) => {
                return Err(RegistryError::Exists(format!("contact {}", cmd.id)))
            }
            r => r?,
        };
        for p in &cmd.postal {
            self.insert_postal(&mut tx, id, p).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Contact update (RFC 5733 §3.2.5) by its sponsor.
    pub async fn update_contact(
        &self,
        by: &RegistrarId,
        id: &str,
        upd: &ContactUpdate,
        now: i64,
    ) -> Result<(), RegistryError> {
        check_postal(&upd.postal, false)?;
        if let Some(e) = &upd.email {
            check_email(e)?;
        }
        for (p, what) in [(&upd.voice, "telephone number"), (&upd.fax, "fax number")] {
            if let Some(Some(p)) = p {
                check_phone(p, what)?;
            }
        }
        if let Some(pw) = &upd.auth_info {
            check_auth_info(pw)?;
        }
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let row = self.own_contact(&mut tx, by, id).await?;
        if self
            .pending_transfer(&mut tx, ObjectKind::Contact, row.id)
            .await?
            .is_some()
        {
            return Err(RegistryError::StatusProhibits(format!(
                "contact {id} is pending transfer"
            )));
        }
        self.update_statuses(
            &mut tx,
            ObjectKind::Contact,
            row.id,
            &format!("contact {id}"),
            CLIENT_STATUSES,
            &upd.add_statuses,
            &upd.rem_statuses,
        )
        .await?;
        for p in &upd.postal {
            sqlx::query("DELETE FROM contact_postal WHERE contact = $1 AND kind = $2")
                .bind(row.id)
                .bind(p.kind.as_str())
                .execute(&mut *tx)
                .await?;
            self.insert_postal(&mut tx, row.id, p).await?;
        }
        let voice = upd.voice.clone().unwrap_or(row.voice);
        let fax = upd.fax.clone().unwrap_or(row.fax);
        let email = upd.email.clone().unwrap_or(row.email);
        let auth_info = upd.auth_info.clone().unwrap_or(row.auth_info);
        let disclose = match &upd.disclose {
            Some(d) => Some(store_disclose(d)),
            None => row.disclose,
        };
        sqlx::query(
            "UPDATE contacts SET voice = $1, fax = $2, email = $3, auth_info = $4, disclose = $5, updater = $6, updated = $7
             WHERE id = $8",
        )
        .bind(voice)
        .bind(fax)
        .bind(email)
        .bind(auth_info)
        .bind(disclose)
        .bind(by.as_str())
        .bind(now)
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Contact delete (RFC 5733 §3.2.2) by its sponsor; refused while a domain refers to it
    /// ([`RegistryError::AssociationProhibits`]), with a DeleteProhibited status, or pending
    /// transfer.
    pub async fn delete_contact(&self, by: &RegistrarId, id: &str) -> Result<(), RegistryError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let row = self.own_contact(&mut tx, by, id).await?;
        self.check_deletable(&mut tx, ObjectKind::Contact, row.id, &format!("contact {id}"))
            .await?;
        if self.contact_linked(&mut tx, row.id).await? {
            return Err(RegistryError::AssociationProhibits(format!(
                "contact {id} is used by a domain"
            )));
        }
        sqlx::query("DELETE FROM contact_postal WHERE contact = $1")
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        self.delete_object_extras(&mut tx, ObjectKind::Contact, row.id).await?;
        sqlx::query("DELETE FROM contacts WHERE id = $1")
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5733_section_2_5_phone_numbers() {
        assert!(check_phone("+1.7035555555", "voice").is_ok());
        assert!(check_phone("+44.2071234567", "voice").is_ok());
        for bad in ["7035555555", "+1-703", "+.123", "+1234.5", "+1.", "+1.12a"] {
            assert!(check_phone(bad, "voice").is_err(), "{bad}");
        }
    }

    #[test]
    fn disclose_round_trips() {
        let d = Disclose {
            flag: false,
            fields: vec![DiscloseField::Voice, DiscloseField::AddrInt],
        };
        assert_eq!(load_disclose(&store_disclose(&d)).ok(), Some(d));
        let empty = Disclose {
            flag: true,
            fields: Vec::new(),
        };
        assert_eq!(load_disclose(&store_disclose(&empty)).ok(), Some(empty));
    }
}
