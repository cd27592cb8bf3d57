//! `banyan-store`: the zone store — zones kept on disk with their change history, so a
//! restarted server serves what it acknowledged and can answer IXFR (RFC 1995) from history.
//!
//! What it does: keeps each stored zone's current records and the changes that led to them
//! ([`ZoneDiff`]s, in the form IXFR carries) in SQLite (one file under the data directory, the
//! default) or PostgreSQL (when several machines share the store), through one code path
//! (`sqlx`'s `Any` driver; the SQL that differs per backend is chosen by [`Store`] at run time).
//!
//! What it does not do: answer queries, parse zone files, build the in-memory `Zone`, send
//! NOTIFY or decide when to refresh — the server does, reading and writing through [`Store`].
//! Zones served from zone files are not in the store.
//!
//! # Schema
//!
//! Versioned migrations (the `migrations` module; one row per applied step in
//! `schema_version`) create:
//!
//! - `zones (id, name UNIQUE, kind, serial, updated, refreshed)`: one row per zone; `name` is
//!   the lowercase presentation form, `serial` the SOA serial of the current version, `updated`
//!   the Unix time of the last change, `refreshed` that of a secondary's last good refresh.
//! - `records (zone_id, owner, owner_key, rtype, class, ttl, rdata)`: the current version, one
//!   row per record, indexed by `(zone_id, owner_key, rtype)`. `owner` is the owner name's wire
//!   form as given; `owner_key` is its lowercase wire form, by which removals find a record
//!   (names compare without regard to case, RFC 4343). `rdata` is the uncompressed wire form.
//! - `changes (zone_id, seq, serial_from, serial_to, created)` and
//!   `change_records (zone_id, seq, added, ordinal, owner, rtype, class, ttl, rdata)`: the
//!   history, one `changes` row per change numbered by `seq` within the zone, its records in
//!   their original order (`ordinal`) within the removed (`added = 0`) and added (`added = 1`)
//!   lists, so a change reads back exactly as it was written (old SOA first, new SOA first).
//!
//! # Guarantees
//!
//! - **One change, one transaction.** [`Store::replace`], [`Store::apply`],
//!   [`Store::trim_history`] and [`Store::delete`] each run in a single transaction: a reader
//!   sees the zone before or after, never half a change, and a failed call writes nothing.
//! - **Writers do not interleave.** On SQLite a write transaction starts with `BEGIN
//!   IMMEDIATE`, taking the database's write lock before reading anything, and waits for a
//!   busy lock up to [`SQLITE_BUSY_TIMEOUT_MS`] rather than failing; on PostgreSQL it locks the
//!   zone's row (`SELECT … FOR UPDATE`). The serial check of [`Store::apply`] is made under that
//!   lock, so of two changes made against the same version one applies and the other gets
//!   [`StoreError::SerialMismatch`].
//! - **Readers see one version.** [`Store::load`], [`Store::history`] and [`Store::journal`]
//!   read inside one transaction (a SQLite read transaction, or PostgreSQL `REPEATABLE READ`).
//! - **An acknowledged change survives a crash.** SQLite runs in WAL mode with
//!   `synchronous = FULL`: the WAL is flushed to disk (fsync) before a commit returns, so a
//!   change whose call returned `Ok` survives a killed process and a power loss; an interrupted
//!   one is rolled back when the database is next opened. PostgreSQL gives the same with its
//!   default `synchronous_commit = on`.

#![forbid(unsafe_code)]

mod error;
mod migrations;
mod rows;
pub mod sql;

use std::path::Path;

use banyan_wire::{Name, RData, Record, RecordType};
use banyan_zone::ZoneDiff;
use sqlx::{Any, AnyPool, Row, Transaction};

pub use error::StoreError;
use rows::{Encoded, ROWS_PER_INSERT};
use sql::Backend;
pub use sql::SQLITE_BUSY_TIMEOUT_MS;

/// The file name of the default store inside the data directory.
pub const DEFAULT_FILE_NAME: &str = "banyan.db";

/// How a stored zone is kept up to date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneKind {
    /// Edited here: through the dashboard, the registry or UPDATE (RFC 2136).
    Managed,
    /// Copied from a primary by AXFR/IXFR (RFC 5936, RFC 1995) after NOTIFY or refresh.
    Secondary,
}

impl ZoneKind {
    fn as_str(self) -> &'static str {
        match self {
            ZoneKind::Managed => "managed",
            ZoneKind::Secondary => "secondary",
        }
    }

    fn from_str(s: &str) -> Option<ZoneKind> {
        match s {
            "managed" => Some(ZoneKind::Managed),
            "secondary" => Some(ZoneKind::Secondary),
            _ => None,
        }
    }
}

/// What the store knows about a zone besides its records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneInfo {
    /// The zone's apex.
    pub name: Name,
    /// Managed here or copied from a primary.
    pub kind: ZoneKind,
    /// The SOA serial of the current version.
    pub serial: u32,
    /// When the zone last changed (replace or apply), Unix seconds.
    pub updated: i64,
    /// For a secondary: when it was last refreshed successfully (SOA check or transfer),
    /// Unix seconds; `None` if never.
    pub refreshed: Option<i64>,
}

/// A zone's current version as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredZone {
    /// The zone's row.
    pub info: ZoneInfo,
    /// Every record of the current version, SOA included, in no particular order.
    pub records: Vec<Record>,
}

/// Reads a zone's id and serial, locking its row against other writers until commit
/// (SQLite's `BEGIN IMMEDIATE` already holds the whole database).
fn lock_zone_sql(backend: Backend) -> String {
    format!("SELECT id, serial FROM zones WHERE name = $1{}", backend.for_update())
}

/// The zone store: a pool of connections to SQLite or PostgreSQL. Cheap to clone; clones share
/// the pool. See the crate documentation for the schema and the guarantees.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens the store at `url` and brings its schema up to date.
    ///
    /// `sqlite://PATH` opens (creating if missing) a SQLite database in WAL mode with
    /// `synchronous = FULL`, so an acknowledged commit survives a crash or power loss; the
    /// directory must exist. `postgres://…` (or `postgresql://…`) connects to PostgreSQL.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let (pool, backend) = sql::connect(url).await?;
        migrations::run(&pool, backend).await?;
        Ok(Store { pool, backend })
    }

    /// Opens the default store, `sqlite://DIR/banyan.db`, creating `dir` if missing.
    pub async fn open_data_dir(dir: &Path) -> Result<Store, StoreError> {
        let url = sql::sqlite_url_in(dir, DEFAULT_FILE_NAME).map_err(|source| StoreError::DataDir {
            path: dir.to_path_buf(),
            source,
        })?;
        Store::open(&url).await
    }

    /// Every stored zone, sorted by name (canonical DNS order, RFC 4034 §6.1).
    pub async fn zones(&self) -> Result<Vec<ZoneInfo>, StoreError> {
        let rows = sqlx::query("SELECT name, kind, serial, updated, refreshed FROM zones")
            .fetch_all(&self.pool)
            .await?;
        let mut out = rows.iter().map(rows::zone_info).collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The zone's row, or `None` if it is not stored.
    pub async fn info(&self, name: &Name) -> Result<Option<ZoneInfo>, StoreError> {
        let row = sqlx::query("SELECT name, kind, serial, updated, refreshed FROM zones WHERE name = $1")
            .bind(key(name))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::zone_info).transpose()
    }

    /// The zone's current version, or `None` if it is not stored. Records come back in no
    /// particular order.
    pub async fn load(&self, name: &Name) -> Result<Option<StoredZone>, StoreError> {
        let mut tx = self.backend.begin_read(&self.pool).await?;
        let Some(row) = sqlx::query("SELECT name, kind, serial, updated, refreshed, id FROM zones WHERE name = $1")
            .bind(key(name))
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let info = rows::zone_info(&row)?;
        let id: i64 = row.try_get(5)?;
        let rows = sqlx::query("SELECT owner, rtype, class, ttl, rdata FROM records WHERE zone_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let records = rows
            .iter()
            .map(|r| rows::record(name, r, 0))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(StoredZone { info, records }))
    }

    /// Replaces the whole zone with `records` (zone import, AXFR in), creating it if new, in one
    /// transaction. The serial becomes the SOA's. The history is cleared: its changes no longer
    /// lead to this version, so IXFR from an older serial falls back to AXFR. Identical records
    /// (same owner ignoring case, type, class and RDATA) are stored once, the first one's TTL
    /// kept. A secondary's `refreshed` time is left as it was ([`Store::set_refreshed`]).
    ///
    /// Refused with [`StoreError::Invalid`] unless `records` hold exactly one SOA, at the apex
    /// `name`, and every record is at or below `name`, of the SOA's class and of a data type
    /// (no meta-types such as OPT or ANY).
    pub async fn replace(&self, name: &Name, kind: ZoneKind, records: &[Record], now: i64) -> Result<(), StoreError> {
        let soa = zone_soa(name, records)?;
        let class = records
            .iter()
            .find(|r| r.rtype() == RecordType::SOA)
            .map_or(banyan_wire::Class::IN, |r| r.class);
        for r in records {
            check_record(name, r)?;
            if r.class != class {
                return Err(StoreError::invalid(
                    name,
                    format!("record of class {} in a class {class} zone: {r}", r.class),
                ));
            }
        }
        let mut encoded: Vec<Encoded> = records.iter().map(Encoded::new).collect();
        rows::dedup(&mut encoded);

        let mut tx = self.backend.begin_write(&self.pool).await?;
        // The upsert locks the zone's row on PostgreSQL; the same SQL serves both backends.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO zones (name, kind, serial, updated) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, serial = excluded.serial, updated = excluded.updated
             RETURNING id",
        )
        .bind(key(name))
        .bind(kind.as_str())
        .bind(i64::from(soa))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for table in ["records", "change_records", "changes"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE zone_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        insert_records(&mut tx, id, &encoded).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Applies one change (UPDATE, IXFR in) in one transaction: checks that the stored zone's
    /// serial is that of the SOA in `diff.removed`, removes `diff.removed`, adds `diff.added`, and
    /// appends the change to the history as given (record order kept).
    ///
    /// `diff` must hold exactly one SOA at the apex in each list, with different serials (the
    /// form of one IXFR difference sequence, RFC 1995 §4), and only records at or below the apex;
    /// otherwise [`StoreError::Invalid`]. A stored serial other than the diff's old one gives
    /// [`StoreError::SerialMismatch`]; a removed record that is not stored (compared by owner
    /// without regard to case, type, class and RDATA; TTL ignored) gives
    /// [`StoreError::Corrupt`]. Either way nothing is written. Adding a record that is already
    /// stored replaces it (its TTL may change).
    pub async fn apply(&self, name: &Name, diff: &ZoneDiff, now: i64) -> Result<(), StoreError> {
        let from = diff_soa(name, &diff.removed, "removed")?;
        let to = diff_soa(name, &diff.added, "added")?;
        if from == to {
            return Err(StoreError::invalid(
                name,
                format!("the change keeps serial {from}: a change must move the serial"),
            ));
        }
        for r in diff.removed.iter().chain(&diff.added) {
            check_record(name, r)?;
        }
        let removed: Vec<Encoded> = diff.removed.iter().map(Encoded::new).collect();
        let added: Vec<Encoded> = diff.added.iter().map(Encoded::new).collect();

        let mut tx = self.backend.begin_write(&self.pool).await?;
        let (id, serial) = self.lock_zone(&mut tx, name).await?;
        if serial != from {
            tx.rollback().await?;
            return Err(StoreError::SerialMismatch {
                zone: name.clone(),
                expected: from,
                found: serial,
            });
        }
        for (e, r) in removed.iter().zip(&diff.removed) {
            if delete_record(&mut tx, id, e).await? == 0 {
                tx.rollback().await?;
                return Err(StoreError::corrupt(
                    name,
                    format!("the change removes a record the zone does not hold: {r}"),
                ));
            }
        }
        for e in &added {
            delete_record(&mut tx, id, e).await?;
        }
        insert_records(&mut tx, id, &added).await?;
        let soas: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE zone_id = $1 AND rtype = $2")
            .bind(id)
            .bind(i64::from(RecordType::SOA.0))
            .fetch_one(&mut *tx)
            .await?;
        if soas != 1 {
            tx.rollback().await?;
            return Err(StoreError::corrupt(
                name,
                format!("the change would leave {soas} SOA records"),
            ));
        }
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM changes WHERE zone_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO changes (zone_id, seq, serial_from, serial_to, created) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(seq)
            .bind(i64::from(from))
            .bind(i64::from(to))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        insert_change_records(&mut tx, id, seq, false, &removed).await?;
        insert_change_records(&mut tx, id, seq, true, &added).await?;
        sqlx::query("UPDATE zones SET serial = $2, updated = $3 WHERE id = $1")
            .bind(id)
            .bind(i64::from(to))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The changes that lead from version `serial` to the current one, oldest first, for an
    /// IXFR response; `Some(vec![])` when `serial` is current, `None` when the history does not
    /// reach back to `serial` (the caller then sends AXFR, RFC 1995 §2). When `serial` occurs
    /// more than once in the history, the shortest sequence is returned.
    pub async fn history(&self, name: &Name, serial: u32) -> Result<Option<Vec<ZoneDiff>>, StoreError> {
        let mut tx = self.backend.begin_read(&self.pool).await?;
        let (id, current) = self.zone_id(&mut tx, name).await?;
        if current == serial {
            return Ok(Some(Vec::new()));
        }
        let start: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM changes WHERE zone_id = $1 AND serial_from = $2 ORDER BY seq DESC LIMIT 1",
        )
        .bind(id)
        .bind(i64::from(serial))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(start) = start else {
            return Ok(None);
        };
        let diffs = read_changes(&mut tx, name, id, start, current).await?;
        tx.commit().await?;
        Ok(Some(diffs))
    }

    /// Every recorded change of the zone, oldest first (to seed an in-memory IXFR journal at
    /// startup). Empty after [`Store::replace`].
    pub async fn journal(&self, name: &Name) -> Result<Vec<ZoneDiff>, StoreError> {
        let mut tx = self.backend.begin_read(&self.pool).await?;
        let (id, current) = self.zone_id(&mut tx, name).await?;
        let diffs = read_changes(&mut tx, name, id, 0, current).await?;
        tx.commit().await?;
        Ok(diffs)
    }

    /// Forgets all but the `keep` most recent changes of the zone (the oldest go first).
    pub async fn trim_history(&self, name: &Name, keep: usize) -> Result<(), StoreError> {
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let (id, _) = self.lock_zone(&mut tx, name).await?;
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM changes WHERE zone_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let cutoff = last.saturating_sub(keep);
        if cutoff > 0 {
            for table in ["change_records", "changes"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE zone_id = $1 AND seq <= $2"))
                    .bind(id)
                    .bind(cutoff)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records that a secondary zone was refreshed successfully at `now` (its SOA checked
    /// against the primary, or a transfer completed).
    pub async fn set_refreshed(&self, name: &Name, now: i64) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE zones SET refreshed = $2 WHERE name = $1")
            .bind(key(name))
            .bind(now)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NoSuchZone(name.clone()));
        }
        Ok(())
    }

    /// Deletes the zone, its records and its history in one transaction. Returns whether it
    /// was stored.
    pub async fn delete(&self, name: &Name) -> Result<bool, StoreError> {
        let mut tx = self.backend.begin_write(&self.pool).await?;
        let id = match self.lock_zone(&mut tx, name).await {
            Ok((id, _)) => id,
            Err(StoreError::NoSuchZone(_)) => return Ok(false),
            Err(e) => return Err(e),
        };
        for table in ["change_records", "changes", "records"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE zone_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM zones WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The zone's id and serial, its row locked against other writers until `tx` ends.
    async fn lock_zone(&self, tx: &mut Transaction<'static, Any>, name: &Name) -> Result<(i64, u32), StoreError> {
        let row = sqlx::query(&lock_zone_sql(self.backend))
            .bind(key(name))
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::NoSuchZone(name.clone()))?;
        rows::id_serial(name, &row)
    }

    /// The zone's id and serial, read without locking.
    async fn zone_id(&self, tx: &mut Transaction<'static, Any>, name: &Name) -> Result<(i64, u32), StoreError> {
        let row = sqlx::query("SELECT id, serial FROM zones WHERE name = $1")
            .bind(key(name))
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::NoSuchZone(name.clone()))?;
        rows::id_serial(name, &row)
    }
}

/// The zone's key in `zones.name`: its lowercase presentation form.
fn key(name: &Name) -> String {
    name.to_lowercase().to_string()
}

/// The current Unix time, for bookkeeping rows that no caller times (`schema_version`).
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Checks one record of a zone or change: inside the zone and of a data type.
fn check_record(zone: &Name, r: &Record) -> Result<(), StoreError> {
    if !r.name.is_subdomain_of(zone) {
        return Err(StoreError::invalid(zone, format!("record outside the zone: {r}")));
    }
    if r.rtype().is_meta() {
        return Err(StoreError::invalid(zone, format!("meta-type record: {r}")));
    }
    Ok(())
}

/// The serial of the one SOA in `records`, which must be at the apex.
fn zone_soa(zone: &Name, records: &[Record]) -> Result<u32, StoreError> {
    only_soa(zone, records).map_err(|what| StoreError::invalid(zone, format!("the records {what}")))
}

/// As [`zone_soa`], for one list of a change.
fn diff_soa(zone: &Name, records: &[Record], list: &str) -> Result<u32, StoreError> {
    only_soa(zone, records).map_err(|what| StoreError::invalid(zone, format!("the change's {list} records {what}")))
}

fn only_soa(zone: &Name, records: &[Record]) -> Result<u32, String> {
    let mut soas = records.iter().filter(|r| r.rtype() == RecordType::SOA);
    let Some(soa) = soas.next() else {
        return Err("have no SOA".into());
    };
    if soas.next().is_some() {
        return Err("have more than one SOA".into());
    }
    if soa.name != *zone {
        return Err(format!("have their SOA at {}, not at the apex", soa.name));
    }
    match &soa.data {
        RData::SOA(s) => Ok(s.serial),
        _ => Err("have an SOA whose data cannot be read".into()),
    }
}

/// Deletes the stored record equal to `e` (TTL aside); returns how many rows went.
async fn delete_record(tx: &mut Transaction<'static, Any>, id: i64, e: &Encoded) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM records WHERE zone_id = $1 AND owner_key = $2 AND rtype = $3 AND class = $4 AND rdata = $5",
    )
    .bind(id)
    .bind(e.owner_key.as_slice())
    .bind(e.rtype)
    .bind(e.class)
    .bind(e.rdata.as_slice())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Inserts records into the current version, many rows per statement.
async fn insert_records(tx: &mut Transaction<'static, Any>, id: i64, records: &[Encoded]) -> Result<(), sqlx::Error> {
    for chunk in records.chunks(ROWS_PER_INSERT) {
        let sql = rows::insert_sql(
            "INSERT INTO records (zone_id, owner, owner_key, rtype, class, ttl, rdata) VALUES ",
            7,
            chunk.len(),
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(id)
                .bind(e.owner.as_slice())
                .bind(e.owner_key.as_slice())
                .bind(e.rtype)
                .bind(e.class)
                .bind(e.ttl)
                .bind(e.rdata.as_slice());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Inserts one list of a change into the history, numbering the records in order.
async fn insert_change_records(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    seq: i64,
    added: bool,
    records: &[Encoded],
) -> Result<(), sqlx::Error> {
    let mut ordinal: i64 = 0;
    for chunk in records.chunks(ROWS_PER_INSERT) {
        let sql = rows::insert_sql(
            "INSERT INTO change_records (zone_id, seq, added, ordinal, owner, rtype, class, ttl, rdata) VALUES ",
            9,
            chunk.len(),
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(id)
                .bind(seq)
                .bind(i64::from(added))
                .bind(ordinal)
                .bind(e.owner.as_slice())
                .bind(e.rtype)
                .bind(e.class)
                .bind(e.ttl)
                .bind(e.rdata.as_slice());
            ordinal += 1;
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Reads the changes numbered `from_seq` and later, checking that they chain from one serial to
/// the next and end at `current`.
async fn read_changes(
    tx: &mut Transaction<'static, Any>,
    zone: &Name,
    id: i64,
    from_seq: i64,
    current: u32,
) -> Result<Vec<ZoneDiff>, StoreError> {
    let heads =
        sqlx::query("SELECT seq, serial_from, serial_to FROM changes WHERE zone_id = $1 AND seq >= $2 ORDER BY seq")
            .bind(id)
            .bind(from_seq)
            .fetch_all(&mut **tx)
            .await?;
    let body = sqlx::query(
        "SELECT seq, added, ordinal, owner, rtype, class, ttl, rdata FROM change_records
         WHERE zone_id = $1 AND seq >= $2 ORDER BY seq, added, ordinal",
    )
    .bind(id)
    .bind(from_seq)
    .fetch_all(&mut **tx)
    .await?;

    let mut seqs = Vec::with_capacity(heads.len());
    let mut diffs: Vec<ZoneDiff> = Vec::with_capacity(heads.len());
    let mut expect_from: Option<u32> = None;
    for row in &heads {
        let seq: i64 = row.try_get(0)?;
        let from = rows::serial(zone, row, 1)?;
        let to = rows::serial(zone, row, 2)?;
        if expect_from.is_some_and(|s| s != from) {
            return Err(StoreError::corrupt(
                zone,
                format!("change {seq} starts at serial {from}, but the one before ended elsewhere"),
            ));
        }
        expect_from = Some(to);
        seqs.push(seq);
        diffs.push(ZoneDiff::default());
    }
    if expect_from.is_some_and(|s| s != current) {
        return Err(StoreError::corrupt(
            zone,
            format!("the history ends at another serial than the zone's ({current})"),
        ));
    }
    let mut at = 0;
    for row in &body {
        let seq: i64 = row.try_get(0)?;
        while seqs.get(at).is_some_and(|&s| s < seq) {
            at += 1;
        }
        let diff = match (seqs.get(at), diffs.get_mut(at)) {
            (Some(&s), Some(d)) if s == seq => d,
            _ => return Err(StoreError::corrupt(zone, format!("records of unknown change {seq}"))),
        };
        let added: i64 = row.try_get(1)?;
        let ordinal: i64 = row.try_get(2)?;
        let list = match added {
            0 => &mut diff.removed,
            1 => &mut diff.added,
            _ => {
                return Err(StoreError::corrupt(
                    zone,
                    format!("change {seq}: bad list flag {added}"),
                ))
            }
        };
        if usize::try_from(ordinal).ok() != Some(list.len()) {
            return Err(StoreError::corrupt(
                zone,
                format!("change {seq}: record {ordinal} out of sequence"),
            ));
        }
        list.push(rows::record(zone, row, 3)?);
    }
    Ok(diffs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_connections_wait_for_locks_and_sync_every_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_data_dir(dir.path()).await.unwrap();
        assert_eq!(store.backend, Backend::Sqlite);
        let mut conn = store.pool.acquire().await.unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(sync, 2, "FULL");
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(busy, i64::from(SQLITE_BUSY_TIMEOUT_MS));
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
