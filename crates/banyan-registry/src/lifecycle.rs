//! The time-driven part of the registry (RFC 3915 §3): [`Registry::tick`].

use crate::domain::{prohibited_by, DomainRow, DomainState, Grace, GraceKind};
use crate::model::{ObjectKind, PollKind, Status, TickReport};
use crate::registry::NewMessage;
use crate::time::add_years;
use crate::{Registry, RegistryError};

/// How many steps one domain may take in one tick (an auto-renewal per overdue year, then
/// redemption, pending delete, purge): a bound, so a corrupt row cannot loop forever.
const MAX_STEPS_PER_DOMAIN: usize = 120;

/// What one step did to a domain.
enum Step {
    AutoRenewed,
    Expired,
    PendingDelete,
    Purged,
    RestoreLapsed,
}

impl Registry {
    /// Does what is due at `now`, each change in its own transaction, and reports it:
    ///
    /// 1. pending transfers whose deadline has passed are approved by the registry
    ///    (`serverApproved`, as of the deadline);
    /// 2. an active domain at its expiry is renewed for a year and charged to its sponsor
    ///    (auto-renew grace period from the old expiry), or — when the TLD does not auto-renew,
    ///    a RenewProhibited status is set or the sponsor's balance is short — enters
    ///    redemption, leaving the zone (a pending transfer is cancelled and refunded);
    /// 3. a domain at the end of redemption becomes pending delete;
    /// 4. a domain at the end of pending delete is purged, with its subordinate hosts;
    /// 5. a domain whose restore report did not come within the pendingRestore period goes
    ///    back to redemption, out of the zone, for what was left of it (RFC 3915 §2 step 7).
    ///
    /// Each period is counted from when the step was due, not from when `tick` ran, so a late
    /// tick catches up in one call. The sponsor gets a poll message for each step. Ticks may
    /// run on several machines at once (PostgreSQL): each step re-checks its domain under a
    /// row lock.
    pub async fn tick(&self, now: i64) -> Result<TickReport, RegistryError> {
        let mut report = TickReport::default();
        let due: Vec<(String, i64)> = sqlx::query_as(
            "SELECT object_kind, object FROM transfers WHERE status = 'pending' AND acted <= $1 ORDER BY acted",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for (kind, id) in due {
            let kind =
                ObjectKind::load(&kind).ok_or_else(|| RegistryError::Corrupt(format!("transfer of a {kind}")))?;
            if let Some(name) = self.server_approve(kind, id, now).await? {
                report.transfers_approved.push(name);
            }
        }

        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM domains WHERE (state = $1 AND expires <= $2) OR (state <> $1 AND state_until <= $2) ORDER BY id",
        )
        .bind(DomainState::Active.as_str())
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for id in due {
            for _ in 0..MAX_STEPS_PER_DOMAIN {
                let mut tx = self.backend.begin_write(&self.pool).await?;
                let Some(d) = self.domain_by_id(&mut tx, id).await? else {
                    break;
                };
                let Some(step) = self.step(&mut tx, &d, now).await? else {
                    break;
                };
                tx.commit().await?;
                let list = match step {
                    Step::AutoRenewed => &mut report.auto_renewed,
                    Step::Expired => &mut report.expired,
                    Step::PendingDelete => &mut report.pending_delete,
                    Step::Purged => &mut report.purged,
                    Step::RestoreLapsed => &mut report.restores_lapsed,
                };
                list.push(d.name.clone());
                if matches!(step, Step::Purged) {
                    break;
                }
            }
        }
        sqlx::query("DELETE FROM graces WHERE ends <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(report)
    }

    /// One due step of a domain's life, or `None` when nothing is due.
    async fn step(&self, tx: &mut crate::db::Tx, d: &DomainRow, now: i64) -> Result<Option<Step>, RegistryError> {
        let policy = self.stored_policy(&d.tld)?;
        let name = d.name.to_string();
        let message = |kind, text, ex_date| NewMessage {
            now,
            kind,
            object_kind: ObjectKind::Domain,
            object: &name,
            text,
            transfer: None,
            ex_date,
        };
        match d.state {
            DomainState::Active if d.expires <= now => {
                let statuses = self.stored_statuses(tx, ObjectKind::Domain, d.id).await?;
                let renewable = policy.auto_renew
                    && prohibited_by(&statuses, Status::ClientRenewProhibited, Status::ServerRenewProhibited).is_none();
                let charged = renewable
                    && match self.charge(tx, &d.sponsor, policy.fees.renew).await {
                        Ok(()) => true,
                        Err(RegistryError::Billing { .. }) => false,
                        Err(e) => return Err(e),
                    };
                if charged {
                    let expires = add_years(d.expires, 1);
                    sqlx::query("UPDATE domains SET expires = $1 WHERE id = $2")
                        .bind(expires)
                        .bind(d.id)
                        .execute(&mut **tx)
                        .await?;
                    let grace = Grace {
                        kind: GraceKind::AutoRenew,
                        ends: d.expires + policy.auto_renew_grace,
                        registrar: d.sponsor.clone(),
                        amount: policy.fees.renew,
                        years: 1,
                    };
                    self.add_grace(tx, d.id, &grace).await?;
                    let text = "The domain was renewed automatically at its expiry.";
                    self.queue(tx, &d.sponsor, message(PollKind::AutoRenew, text, Some(expires)))
                        .await?;
                    Ok(Some(Step::AutoRenewed))
                } else {
                    self.server_cancel(tx, d, now).await?;
                    sqlx::query("DELETE FROM graces WHERE domain = $1")
                        .bind(d.id)
                        .execute(&mut **tx)
                        .await?;
                    sqlx::query("UPDATE domains SET state = $1, state_until = $2 WHERE id = $3")
                        .bind(DomainState::Redemption.as_str())
                        .bind(d.expires + policy.redemption)
                        .bind(d.id)
                        .execute(&mut **tx)
                        .await?;
                    let text = "The domain expired and entered its redemption period.";
                    self.queue(tx, &d.sponsor, message(PollKind::Expired, text, None))
                        .await?;
                    Ok(Some(Step::Expired))
                }
            }
            DomainState::Redemption if d.state_until.is_some_and(|t| t <= now) => {
                let until = d.state_until.unwrap_or(now) + policy.pending_delete;
                sqlx::query("UPDATE domains SET state = $1, state_until = $2 WHERE id = $3")
                    .bind(DomainState::PendingDelete.as_str())
                    .bind(until)
                    .bind(d.id)
                    .execute(&mut **tx)
                    .await?;
                let text = "The domain's redemption period ended; it is pending deletion.";
                self.queue(tx, &d.sponsor, message(PollKind::PendingDelete, text, None))
                    .await?;
                Ok(Some(Step::PendingDelete))
            }
            DomainState::PendingRestore if d.state_until.is_some_and(|t| t <= now) => {
                // The redemption clock stood still while the report was awaited; it runs again
                // from the end of the pendingRestore period.
                let lapsed = d.state_until.unwrap_or(now);
                let left: Option<i64> = sqlx::query_scalar("SELECT redemption_left FROM domains WHERE id = $1")
                    .bind(d.id)
                    .fetch_one(&mut **tx)
                    .await?;
                sqlx::query("UPDATE domains SET state = $1, state_until = $2, redemption_left = NULL WHERE id = $3")
                    .bind(DomainState::Redemption.as_str())
                    .bind(lapsed + left.unwrap_or(0))
                    .bind(d.id)
                    .execute(&mut **tx)
                    .await?;
                let text = "No restore report came in time; the domain is back in its redemption period.";
                self.queue(tx, &d.sponsor, message(PollKind::RestoreLapsed, text, None))
                    .await?;
                Ok(Some(Step::RestoreLapsed))
            }
            DomainState::PendingDelete if d.state_until.is_some_and(|t| t <= now) => {
                self.purge_domain(tx, d.id).await?;
                let text = "The domain was purged.";
                self.queue(tx, &d.sponsor, message(PollKind::Purged, text, None))
                    .await?;
                Ok(Some(Step::Purged))
            }
            _ => Ok(None),
        }
    }
}
