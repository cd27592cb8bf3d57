//! A secondary zone's refresh task (RFC 1035 §4.3.5, RFC 1996 §4): ask each primary for
//! its SOA when the refresh timer or a NOTIFY says so; when its serial is newer, transfer
//! (IXFR from ours when we hold the zone, AXFR otherwise or when the increments do not
//! apply), store the new version in one transaction per change, serve it, and tell our own
//! secondaries. A copy not refreshed for EXPIRE seconds is answered with SERVFAIL until a
//! refresh succeeds.

use std::sync::Arc;
use std::time::Duration;

use banyan_store::ZoneKind;
use banyan_wire::tsig::TsigKey;
use banyan_wire::{RData, Record, RecordType};
use banyan_zone::{diff, serial_gt, Transfer, Zone};

use super::client::{self, ExchangeError};
use super::{serve_version, unix_now, zone_from_records, Propagation, Role, ZoneState};

/// Runs until the server stops.
pub(super) async fn run(p: Arc<Propagation>, state: Arc<ZoneState>) {
    let origin = state.config.origin.clone();
    let Role::Secondary { primaries, key } = &state.config.role else {
        return;
    };
    let mut stop = p.stop.clone();
    loop {
        let now = unix_now();
        let (next, expires_at, expired) = {
            let t = state.timers.lock().unwrap_or_else(|e| e.into_inner());
            (t.next_check(), t.expires_at(), t.expired(now))
        };
        if expired {
            p.set_expired(&origin, true);
        }
        if next > now {
            // Wake at the next check, or at expiry if that comes first.
            let until = expires_at.filter(|&e| e > now && e < next).unwrap_or(next);
            let wait = Duration::from_secs(u64::try_from(until - now).unwrap_or(1));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = state.wake.notified() => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            continue;
        }
        let result = tokio::select! {
            r = refresh(&p, &state, primaries, key.as_ref()) => r,
            _ = stop.changed() => return,
        };
        let now = unix_now();
        match result {
            Ok(soa) => {
                if let RData::SOA(soa) = &soa.data {
                    state
                        .timers
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .succeeded(soa, now);
                }
                if let Err(e) = p.store.set_refreshed(&origin, now).await {
                    eprintln!("secondary {origin}: recording the refresh: {e}");
                }
                p.set_expired(&origin, false);
            }
            Err(e) => {
                eprintln!("secondary {origin}: refresh failed: {e}");
                state.timers.lock().unwrap_or_else(|e| e.into_inner()).failed(now);
            }
        }
    }
}

/// Why a refresh failed: the last primary's error.
#[derive(Debug, thiserror::Error)]
pub(super) enum RefreshError {
    /// No primary is configured.
    #[error("no primaries")]
    NoPrimaries,
    /// Asking a primary failed.
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    /// The transferred zone could not be stored or built.
    #[error("{0}")]
    Apply(String),
}

/// One refresh: the primaries in order until one answers. Returns the SOA now held.
async fn refresh(
    p: &Propagation,
    state: &ZoneState,
    primaries: &[std::net::SocketAddr],
    key: Option<&TsigKey>,
) -> Result<Record, RefreshError> {
    let origin = &state.config.origin;
    let mut last = RefreshError::NoPrimaries;
    for &primary in primaries {
        let theirs = match client::query_soa(p.local_for(primary), primary, origin, key).await {
            Ok(soa) => soa,
            Err(e) => {
                last = e.into();
                continue;
            }
        };
        let mut data = state.data.lock().await;
        let ours = data.as_ref().and_then(soa_record);
        let current = match (&ours, &theirs.data) {
            (
                Some(Record {
                    data: RData::SOA(o), ..
                }),
                RData::SOA(t),
            ) => !serial_gt(t.serial, o.serial),
            _ => false,
        };
        if current {
            return ours.ok_or(RefreshError::NoPrimaries);
        }
        match transfer_and_apply(p, state, &mut data, primary, ours.as_ref(), key).await {
            Ok(soa) => return Ok(soa),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Transfers from `primary` and makes the result the zone's new version.
async fn transfer_and_apply(
    p: &Propagation,
    state: &ZoneState,
    data: &mut Option<Zone>,
    primary: std::net::SocketAddr,
    ours: Option<&Record>,
    key: Option<&TsigKey>,
) -> Result<Record, RefreshError> {
    let origin = &state.config.origin;
    let transfer = client::transfer(p.local_for(primary), primary, origin, ours, key).await?;
    let now = unix_now();
    let previous = data.take();
    let outcome = match (transfer, previous.as_ref()) {
        (Transfer::UpToDate { .. }, _) => Ok((previous.clone(), Vec::new())),
        (Transfer::Incremental { diffs }, Some(old)) => {
            let mut zone = old.clone();
            let mut applied = true;
            for d in &diffs {
                if d.apply(&mut zone) > 0 {
                    applied = false;
                    break;
                }
            }
            if applied {
                let mut stored = Ok(());
                for d in &diffs {
                    if let Err(e) = p.store.apply(origin, d, now).await {
                        stored = Err(RefreshError::Apply(format!("storing the change: {e}")));
                        break;
                    }
                }
                stored.map(|()| (Some(zone), diffs))
            } else {
                // The increments do not fit our copy: start again from the whole zone.
                *data = previous;
                return Box::pin(async {
                    let t = client::transfer(p.local_for(primary), primary, origin, None, key).await?;
                    let records = match t {
                        Transfer::Full { records } => records,
                        _ => return Err(RefreshError::Apply("AXFR did not return a whole zone".into())),
                    };
                    replace(p, state, data, records, now).await
                })
                .await;
            }
        }
        (Transfer::Incremental { .. }, None) => Err(RefreshError::Apply("an IXFR answer to an AXFR".into())),
        (Transfer::Full { records }, _) => {
            *data = previous;
            return replace(p, state, data, records, now).await;
        }
    };
    match outcome {
        Ok((Some(zone), diffs)) => {
            let _ = p.store.trim_history(origin, banyan_auth::JOURNAL_LIMIT).await;
            let soa = soa_record(&zone);
            if !diffs.is_empty() {
                match previous.as_ref() {
                    Some(old) => p.serve_change(state, old, &zone, diffs),
                    None => p.publish(origin, zone.clone(), diffs, false),
                }
                p.notify_all(origin);
            }
            *data = Some(zone);
            soa.ok_or_else(|| RefreshError::Apply("no SOA".into()))
        }
        Ok((None, _)) => Err(RefreshError::Apply("nothing held and nothing transferred".into())),
        Err(e) => {
            *data = previous;
            Err(e)
        }
    }
}

/// Makes `records` (a whole zone) the new version: stored in one transaction (the history
/// restarts from it), served, with the difference to the old version in the journal.
async fn replace(
    p: &Propagation,
    state: &ZoneState,
    data: &mut Option<Zone>,
    records: Vec<Record>,
    now: i64,
) -> Result<Record, RefreshError> {
    let origin = &state.config.origin;
    let zone = zone_from_records(origin, &records).map_err(RefreshError::Apply)?;
    p.store
        .replace(origin, ZoneKind::Secondary, &records, now)
        .await
        .map_err(|e| RefreshError::Apply(format!("storing the zone: {e}")))?;
    let soa = soa_record(&zone).ok_or_else(|| RefreshError::Apply("no SOA".into()))?;
    let served_before = p.catalog.load().zones().find(|z| z.origin() == origin).cloned();
    let served = serve_version(&state.config, &zone, served_before.as_ref(), now as u32);
    let changes = served_before.map(|old| diff(&old, &served)).into_iter().collect();
    p.publish(origin, served, changes, false);
    p.notify_all(origin);
    *data = Some(zone);
    Ok(soa)
}

/// The zone's SOA record.
fn soa_record(zone: &Zone) -> Option<Record> {
    zone.records()
        .find(|r| r.rtype() == RecordType::SOA && r.name == *zone.origin())
}
