//! The service message queue (RFC 5730 §2.9.2.3 `<poll>`): each registrar's messages about
//! transfers, automatic renewals, expiries and purges, oldest first, until acknowledged.

use sqlx::Row;

use crate::model::{ObjectKind, PollKind, PollMessage, Queued, RegistrarId, TransferInfo, TransferStatus};
use crate::{Registry, RegistryError};

impl Registry {
    /// Poll request (`op="req"`): the registrar's oldest message and how many are queued, or
    /// `None` when the queue is empty (EPP 1300). The message stays queued until acknowledged.
    pub async fn poll_request(&self, by: &RegistrarId) -> Result<Option<Queued>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM poll WHERE registrar = $1")
            .bind(by.as_str())
            .fetch_one(&mut *tx)
            .await?;
        let row = sqlx::query(
            "SELECT id, queued, kind, object_kind, object, text, tr_status, re_id, re_date, ac_id, ac_date, ex_date
             FROM poll WHERE registrar = $1 ORDER BY id LIMIT 1",
        )
        .bind(by.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let kind: String = r.try_get(2)?;
        let object_kind: String = r.try_get(3)?;
        let object: String = r.try_get(4)?;
        let tr_status: Option<String> = r.try_get(6)?;
        let ex_date: Option<i64> = r.try_get(11)?;
        let transfer = match tr_status {
            None => None,
            Some(s) => {
                let re_id: Option<String> = r.try_get(7)?;
                let re_date: Option<i64> = r.try_get(8)?;
                let ac_id: Option<String> = r.try_get(9)?;
                let ac_date: Option<i64> = r.try_get(10)?;
                let corrupt = || RegistryError::Corrupt("incomplete transfer in a poll message".into());
                Some(TransferInfo {
                    name: object.clone(),
                    status: TransferStatus::parse(&s).ok_or_else(corrupt)?,
                    re_id: RegistrarId::new(re_id.ok_or_else(corrupt)?),
                    re_date: re_date.ok_or_else(corrupt)?,
                    ac_id: RegistrarId::new(ac_id.ok_or_else(corrupt)?),
                    ac_date: ac_date.ok_or_else(corrupt)?,
                    ex_date,
                })
            }
        };
        let message = PollMessage {
            id: r.try_get(0)?,
            queued_at: r.try_get(1)?,
            kind: PollKind::load(&kind).ok_or_else(|| RegistryError::Corrupt(format!("poll kind {kind}")))?,
            object_kind: ObjectKind::load(&object_kind)
                .ok_or_else(|| RegistryError::Corrupt(format!("poll object kind {object_kind}")))?,
            object,
            text: r.try_get(5)?,
            transfer,
            ex_date,
        };
        Ok(Some(Queued {
            count: u64::try_from(count).unwrap_or(0),
            message,
        }))
    }

    /// Poll acknowledge (`op="ack"`): removes the registrar's message `id`; returns how many
    /// remain. Another registrar's message, or one already acknowledged, is
    /// [`RegistryError::NotFound`].
    pub async fn poll_ack(&self, by: &RegistrarId, id: i64) -> Result<u64, RegistryError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let done = sqlx::query("DELETE FROM poll WHERE id = $1 AND registrar = $2")
            .bind(id)
            .bind(by.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(RegistryError::NotFound(format!("message {id}")));
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM poll WHERE registrar = $1")
            .bind(by.as_str())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}
