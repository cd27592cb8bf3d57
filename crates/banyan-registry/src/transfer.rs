//! Transfers of domains (RFC 5731 §3.2.4, §3.1.3) and contacts (RFC 5733 §3.2.4, §3.1.3):
//! request, approve, reject, cancel, query; and their completion by the registry when the
//! losing registrar does not answer within the transfer period.
//!
//! The gaining registrar pays when it asks (the TLD's transfer fee per year), and is refunded
//! if the transfer is rejected or cancelled. On completion a domain changes sponsor, its
//! subordinate hosts with it, and its expiry grows by the years asked for; a transfer completed
//! within the auto-renew grace period refunds the automatic renewal to the losing registrar
//! and takes its year back off first (the transfer's year replaces it).

use banyan_wire::Name;
use sqlx::Row;

use crate::db::Tx;
use crate::domain::{prohibited_by, DomainRow, DomainState, Grace, GraceKind};
use crate::model::{ObjectKind, PollKind, RegistrarId, Status, TransferInfo, TransferStatus};
use crate::registry::{same_secret, NewMessage};
use crate::time::{add_years, DAY};
use crate::{Registry, RegistryError};

/// How long a contact transfer waits for the losing registrar (contacts have no TLD).
pub const CONTACT_TRANSFER_PENDING: i64 = 5 * DAY;

/// The last transfer of an object, pending or done.
#[derive(Clone, Debug)]
pub(crate) struct TransferRow {
    pub status: TransferStatus,
    pub gaining: String,
    pub requested: i64,
    pub losing: String,
    /// When it was acted on, or (pending) when the registry will approve it.
    pub acted: i64,
    pub new_expiry: Option<i64>,
    pub years: i64,
    pub amount: i64,
}

impl TransferRow {
    fn info(&self, name: &str) -> TransferInfo {
        TransferInfo {
            name: name.to_string(),
            status: self.status,
            re_id: RegistrarId::new(self.gaining.clone()),
            re_date: self.requested,
            ac_id: RegistrarId::new(self.losing.clone()),
            ac_date: self.acted,
            ex_date: self.new_expiry,
        }
    }
}

/// The object a transfer command is about.
#[derive(Clone, Copy)]
enum Target<'a> {
    Domain(&'a Name),
    Contact(&'a str),
    Id(ObjectKind, i64),
}

/// A transferable object, loaded and locked.
struct Subject {
    kind: ObjectKind,
    id: i64,
    name: String,
    sponsor: String,
    auth_info: String,
    domain: Option<DomainRow>,
}

impl Registry {
    /// The last transfer of an object.
    async fn transfer_row(&self, tx: &mut Tx, kind: ObjectKind, id: i64) -> Result<Option<TransferRow>, RegistryError> {
        let row = sqlx::query(
            "SELECT status, gaining, requested, losing, acted, new_expiry, years, amount
             FROM transfers WHERE object_kind = $1 AND object = $2",
        )
        .bind(kind.as_str())
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let status: String = r.try_get(0)?;
        Ok(Some(TransferRow {
            status: TransferStatus::parse(&status)
                .ok_or_else(|| RegistryError::Corrupt(format!("unknown transfer status {status}")))?,
            gaining: r.try_get(1)?,
            requested: r.try_get(2)?,
            losing: r.try_get(3)?,
            acted: r.try_get(4)?,
            new_expiry: r.try_get(5)?,
            years: r.try_get(6)?,
            amount: r.try_get(7)?,
        }))
    }

    /// The object's transfer if one is pending.
    pub(crate) async fn pending_transfer(
        &self,
        tx: &mut Tx,
        kind: ObjectKind,
        id: i64,
    ) -> Result<Option<TransferRow>, RegistryError> {
        Ok(self
            .transfer_row(tx, kind, id)
            .await?
            .filter(|t| t.status == TransferStatus::Pending))
    }

    async fn save_transfer(
        &self,
        tx: &mut Tx,
        kind: ObjectKind,
        id: i64,
        t: &TransferRow,
    ) -> Result<(), RegistryError> {
        sqlx::query("DELETE FROM transfers WHERE object_kind = $1 AND object = $2")
            .bind(kind.as_str())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO transfers (object_kind, object, status, gaining, requested, losing, acted, new_expiry, years, amount)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(kind.as_str())
        .bind(id)
        .bind(t.status.as_str())
        .bind(&t.gaining)
        .bind(t.requested)
        .bind(&t.losing)
        .bind(t.acted)
        .bind(t.new_expiry)
        .bind(t.years)
        .bind(t.amount)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn subject(&self, tx: &mut Tx, target: Target<'_>) -> Result<Subject, RegistryError> {
        let domain = match target {
            Target::Domain(name) => Some(
                self.domain_by_name(tx, name, true)
                    .await?
                    .ok_or_else(|| RegistryError::NotFound(format!("domain {name}")))?,
            ),
            Target::Id(ObjectKind::Domain, id) => Some(
                self.domain_by_id(tx, id)
                    .await?
                    .ok_or_else(|| RegistryError::NotFound(format!("domain {id}")))?,
            ),
            _ => None,
        };
        if let Some(d) = domain {
            return Ok(Subject {
                kind: ObjectKind::Domain,
                id: d.id,
                name: d.name.to_string(),
                sponsor: d.sponsor.clone(),
                auth_info: d.auth_info.clone(),
                domain: Some(d),
            });
        }
        let row = match target {
            Target::Contact(handle) => self
                .contact_by_handle(tx, handle, true)
                .await?
                .ok_or_else(|| RegistryError::NotFound(format!("contact {handle}")))?,
            Target::Id(ObjectKind::Contact, id) => {
                let handle: String = sqlx::query_scalar("SELECT handle FROM contacts WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| RegistryError::NotFound(format!("contact {id}")))?;
                self.contact_by_handle(tx, &handle, true)
                    .await?
                    .ok_or_else(|| RegistryError::NotFound(format!("contact {handle}")))?
            }
            _ => return Err(RegistryError::Policy("hosts are not transferred".into())),
        };
        Ok(Subject {
            kind: ObjectKind::Contact,
            id: row.id,
            name: row.handle,
            sponsor: row.sponsor,
            auth_info: row.auth_info,
            domain: None,
        })
    }

    async fn queue_transfer(
        &self,
        tx: &mut Tx,
        to: &str,
        s: &Subject,
        info: &TransferInfo,
        text: &str,
        now: i64,
    ) -> Result<(), RegistryError> {
        let msg = NewMessage {
            now,
            kind: PollKind::Transfer,
            object_kind: s.kind,
            object: &s.name,
            text,
            transfer: Some(info),
            ex_date: None,
        };
        self.queue(tx, to, msg).await
    }

    async fn request(
        &self,
        by: &RegistrarId,
        target: Target<'_>,
        auth_info: &str,
        period_years: Option<u32>,
        now: i64,
    ) -> Result<TransferInfo, RegistryError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let s = self.subject(&mut tx, target).await?;
        if s.sponsor == by.as_str() {
            return Err(RegistryError::NotEligibleForTransfer(format!(
                "{by} already sponsors {}",
                s.name
            )));
        }
        if !same_secret(auth_info, &s.auth_info) {
            return Err(RegistryError::InvalidAuthInfo);
        }
        let statuses = self.stored_statuses(&mut tx, s.kind, s.id).await?;
        if let Some(st) = prohibited_by(
            &statuses,
            Status::ClientTransferProhibited,
            Status::ServerTransferProhibited,
        ) {
            return Err(RegistryError::StatusProhibits(format!("{} has status {st}", s.name)));
        }
        if self.pending_transfer(&mut tx, s.kind, s.id).await?.is_some() {
            return Err(RegistryError::PendingTransfer(s.name.clone()));
        }
        let mut t = TransferRow {
            status: TransferStatus::Pending,
            gaining: by.as_str().to_string(),
            requested: now,
            losing: s.sponsor.clone(),
            acted: now + CONTACT_TRANSFER_PENDING,
            new_expiry: None,
            years: 0,
            amount: 0,
        };
        if let Some(d) = &s.domain {
            let policy = self.stored_policy(&d.tld)?;
            if d.state != DomainState::Active {
                return Err(RegistryError::StatusProhibits(format!(
                    "{} is pending deletion",
                    s.name
                )));
            }
            if !self.accredited(&mut tx, by, &policy.name).await? {
                return Err(RegistryError::Authorization(format!(
                    "{by} is not accredited for {}",
                    policy.name
                )));
            }
            for g in self.graces(&mut tx, d.id, now).await? {
                if matches!(g.kind, GraceKind::Add | GraceKind::Transfer) {
                    return Err(RegistryError::NotEligibleForTransfer(format!(
                        "{} was {} recently",
                        s.name,
                        if g.kind == GraceKind::Add {
                            "created"
                        } else {
                            "transferred"
                        }
                    )));
                }
            }
            let years = period_years.unwrap_or(1);
            if years == 0 || years > policy.max_years {
                return Err(RegistryError::Policy(format!(
                    "the period must be 1 to {} years",
                    policy.max_years
                )));
            }
            t.years = i64::from(years);
            let new_expiry = add_years(d.expires, t.years);
            if new_expiry > add_years(now, i64::from(policy.max_years)) {
                return Err(RegistryError::Policy(format!(
                    "the expiry may lie at most {} years ahead",
                    policy.max_years
                )));
            }
            t.new_expiry = Some(new_expiry);
            t.amount = policy.fees.transfer * t.years;
            t.acted = now + policy.transfer_pending;
            self.charge(&mut tx, by.as_str(), t.amount).await?;
        } else if period_years.is_some() {
            return Err(RegistryError::Policy("a contact transfer has no period".into()));
        }
        self.save_transfer(&mut tx, s.kind, s.id, &t).await?;
        let info = t.info(&s.name);
        self.queue_transfer(&mut tx, &t.losing, &s, &info, "Transfer requested.", now)
            .await?;
        tx.commit().await?;
        Ok(info)
    }

    /// Completes a pending transfer: the object changes sponsor (a domain: its expiry, its
    /// subordinate hosts, a transfer grace period). `at` is the completion time.
    async fn complete(
        &self,
        tx: &mut Tx,
        s: &Subject,
        mut t: TransferRow,
        status: TransferStatus,
        at: i64,
    ) -> Result<TransferInfo, RegistryError> {
        if let Some(d) = &s.domain {
            let policy = self.stored_policy(&d.tld)?;
            let mut expires = d.expires;
            for g in self.graces(tx, d.id, at).await? {
                if g.kind == GraceKind::AutoRenew && g.registrar == t.losing {
                    self.refund(tx, &g.registrar, g.amount).await?;
                    expires = add_years(expires, -g.years);
                }
            }
            sqlx::query("DELETE FROM graces WHERE domain = $1 AND kind = $2")
                .bind(d.id)
                .bind(GraceKind::AutoRenew.as_str())
                .execute(&mut **tx)
                .await?;
            expires = add_years(expires, t.years);
            sqlx::query("UPDATE domains SET sponsor = $1, transferred = $2, expires = $3 WHERE id = $4")
                .bind(&t.gaining)
                .bind(at)
                .bind(expires)
                .bind(d.id)
                .execute(&mut **tx)
                .await?;
            sqlx::query("UPDATE hosts SET sponsor = $1, transferred = $2 WHERE domain = $3")
                .bind(&t.gaining)
                .bind(at)
                .bind(d.id)
                .execute(&mut **tx)
                .await?;
            let grace = Grace {
                kind: GraceKind::Transfer,
                ends: at + policy.transfer_grace,
                registrar: t.gaining.clone(),
                amount: t.amount,
                years: t.years,
            };
            self.add_grace(tx, d.id, &grace).await?;
            t.new_expiry = Some(expires);
        } else {
            sqlx::query("UPDATE contacts SET sponsor = $1, transferred = $2 WHERE id = $3")
                .bind(&t.gaining)
                .bind(at)
                .bind(s.id)
                .execute(&mut **tx)
                .await?;
        }
        t.status = status;
        t.acted = at;
        self.save_transfer(tx, s.kind, s.id, &t).await?;
        Ok(t.info(&s.name))
    }

    /// Which way the losing or gaining registrar answers a pending transfer.
    async fn answer(
        &self,
        by: &RegistrarId,
        target: Target<'_>,
        status: TransferStatus,
        now: i64,
    ) -> Result<TransferInfo, RegistryError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let s = self.subject(&mut tx, target).await?;
        let mut t = self
            .pending_transfer(&mut tx, s.kind, s.id)
            .await?
            .ok_or_else(|| RegistryError::NotPendingTransfer(s.name.clone()))?;
        let (actor, notify, text) = match status {
            TransferStatus::ClientApproved => (&t.losing, t.gaining.clone(), "Transfer approved."),
            TransferStatus::ClientRejected => (&t.losing, t.gaining.clone(), "Transfer rejected."),
            _ => (&t.gaining, t.losing.clone(), "Transfer cancelled."),
        };
        if actor != by.as_str() {
            return Err(RegistryError::Authorization(format!(
                "only {actor} may {} this transfer",
                if status == TransferStatus::ClientCancelled {
                    "cancel"
                } else {
                    "approve or reject"
                }
            )));
        }
        let info = if status == TransferStatus::ClientApproved {
            self.complete(&mut tx, &s, t, status, now).await?
        } else {
            self.refund(&mut tx, &t.gaining, t.amount).await?;
            t.status = status;
            t.acted = now;
            self.save_transfer(&mut tx, s.kind, s.id, &t).await?;
            t.info(&s.name)
        };
        self.queue_transfer(&mut tx, &notify, &s, &info, text, now).await?;
        tx.commit().await?;
        Ok(info)
    }

    async fn query(
        &self,
        by: &RegistrarId,
        target: Target<'_>,
        auth_info: Option<&str>,
    ) -> Result<TransferInfo, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let s = self.subject(&mut tx, target).await?;
        let t = self
            .transfer_row(&mut tx, s.kind, s.id)
            .await?
            .ok_or_else(|| RegistryError::NotPendingTransfer(format!("{}: no transfer", s.name)))?;
        tx.commit().await?;
        let involved = [&t.gaining, &t.losing, &s.sponsor]
            .iter()
            .any(|r| r.as_str() == by.as_str());
        if !involved {
            match auth_info {
                Some(pw) if same_secret(pw, &s.auth_info) => {}
                Some(_) => return Err(RegistryError::InvalidAuthInfo),
                None => {
                    return Err(RegistryError::Authorization(format!(
                        "{by} takes no part in the transfer of {}",
                        s.name
                    )))
                }
            }
        }
        Ok(t.info(&s.name))
    }

    /// The registry approves a transfer the losing registrar left unanswered
    /// (`serverApproved`), as of its deadline; both registrars get a poll message. Returns
    /// the object's name, or `None` when the transfer is no longer pending or not yet due.
    pub(crate) async fn server_approve(
        &self,
        kind: ObjectKind,
        id: i64,
        now: i64,
    ) -> Result<Option<String>, RegistryError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let s = match self.subject(&mut tx, Target::Id(kind, id)).await {
            Ok(s) => s,
            Err(RegistryError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(t) = self
            .pending_transfer(&mut tx, kind, id)
            .await?
            .filter(|t| t.acted <= now)
        else {
            return Ok(None);
        };
        let (gaining, losing, at) = (t.gaining.clone(), t.losing.clone(), t.acted);
        let info = self
            .complete(&mut tx, &s, t, TransferStatus::ServerApproved, at)
            .await?;
        for to in [&gaining, &losing] {
            self.queue_transfer(&mut tx, to, &s, &info, "Transfer approved by the registry.", at)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(s.name))
    }

    /// The registry cancels a domain's pending transfer (`serverCancelled`) because the domain
    /// left the active state, refunding the gaining registrar; both get a poll message.
    pub(crate) async fn server_cancel(&self, tx: &mut Tx, d: &DomainRow, now: i64) -> Result<(), RegistryError> {
        let Some(mut t) = self.pending_transfer(tx, ObjectKind::Domain, d.id).await? else {
            return Ok(());
        };
        self.refund(tx, &t.gaining, t.amount).await?;
        t.status = TransferStatus::ServerCancelled;
        t.acted = now;
        self.save_transfer(tx, ObjectKind::Domain, d.id, &t).await?;
        let name = d.name.to_string();
        let info = t.info(&name);
        for to in [&t.gaining, &t.losing] {
            let msg = NewMessage {
                now,
                kind: PollKind::Transfer,
                object_kind: ObjectKind::Domain,
                object: &name,
                text: "Transfer cancelled by the registry: the domain expired.",
                transfer: Some(&info),
                ex_date: None,
            };
            self.queue(tx, to, msg).await?;
        }
        Ok(())
    }

    /// Domain transfer request (RFC 5731 §3.2.4 `op="request"`) by the gaining registrar, with
    /// the domain's authInfo: charges the transfer fee for `period_years` (default 1), queues a
    /// poll message for the sponsor, and is approved by the registry after the TLD's
    /// `transfer_pending` time unless answered. Refused for the sponsor itself and within the
    /// add or transfer grace period ([`RegistryError::NotEligibleForTransfer`]), with a
    /// TransferProhibited status, while pending deletion, and when one is already pending
    /// ([`RegistryError::PendingTransfer`]).
    pub async fn transfer_domain_request(
        &self,
        by: &RegistrarId,
        name: &Name,
        auth_info: &str,
        period_years: Option<u32>,
        now: i64,
    ) -> Result<TransferInfo, RegistryError> {
        self.request(by, Target::Domain(name), auth_info, period_years, now)
            .await
    }

    /// Domain transfer approve (`op="approve"`) by the sponsor (the losing registrar).
    pub async fn transfer_domain_approve(
        &self,
        by: &RegistrarId,
        name: &Name,
        now: i64,
    ) -> Result<TransferInfo, RegistryError> {
        self.answer(by, Target::Domain(name), TransferStatus::ClientApproved, now)
            .await
    }

    /// Domain transfer reject (`op="reject"`) by the sponsor; refunds the gaining registrar.
    pub async fn transfer_domain_reject(
        &self,
        by: &RegistrarId,
        name: &Name,
        now: i64,
    ) -> Result<TransferInfo, RegistryError> {
        self.answer(by, Target::Domain(name), TransferStatus::ClientRejected, now)
            .await
    }

    /// Domain transfer cancel (`op="cancel"`) by the gaining registrar, refunded.
    pub async fn transfer_domain_cancel(
        &self,
        by: &RegistrarId,
        name: &Name,
        now: i64,
    ) -> Result<TransferInfo, RegistryError> {
        self.answer(by, Target::Domain(name), TransferStatus::ClientCancelled, now)
            .await
    }

    /// Domain transfer query (RFC 5731 §3.1.3): the last transfer, pending or done, for the
    /// registrars involved or one giving the domain's authInfo.
    pub async fn transfer_domain_query(
        &self,
        by: &RegistrarId,
        name: &Name,
        auth_info: Option<&str>,
    ) -> Result<TransferInfo, RegistryError> {
        self.query(by, Target::Domain(name), auth_info).await
    }

    /// Contact transfer request (RFC 5733 §3.2.4) by the gaining registrar, with the contact's
    /// authInfo. No fee; approved by the registry after [`CONTACT_TRANSFER_PENDING`] unless
    /// answered.
    pub async fn transfer_contact_request(
        &self,
        by: &RegistrarId,
        id: &str,
        auth_info: &str,
        now: i64,
    ) -> Result<TransferInfo, RegistryError> {
        self.request(by, Target::Contact(id), auth_info, None, now).await
    }

    /// Contact transfer approve by the sponsor.
    pub async fn transfer_contact_approve(
        &self,
        by: &RegistrarId,
        id: &str,
        now: i64,
    ) -> Result<TransferInfo, RegistryError> {
        self.answer(by, Target::Contact(id), TransferStatus::ClientApproved, now)
            .await
    }

    /// Contact transfer reject by the sponsor.
    pub async fn transfer_contact_reject(
        &self,
        by: &RegistrarId,
        id: &str,
        now: i64,
    ) -> Result<TransferInfo, RegistryError> {
        self.answer(by, Target::Contact(id), TransferStatus::ClientRejected, now)
            .await
    }

    /// Contact transfer cancel by the gaining registrar.
    pub async fn transfer_contact_cancel(
        &self,
        by: &RegistrarId,
        id: &str,
        now: i64,
    ) -> Result<TransferInfo, RegistryError> {
        self.answer(by, Target::Contact(id), TransferStatus::ClientCancelled, now)
            .await
    }

    /// Contact transfer query (RFC 5733 §3.1.3).
    pub async fn transfer_contact_query(
        &self,
        by: &RegistrarId,
        id: &str,
        auth_info: Option<&str>,
    ) -> Result<TransferInfo, RegistryError> {
        self.query(by, Target::Contact(id), auth_info).await
    }
}
