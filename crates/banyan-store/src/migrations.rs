//! The zone store's schema, as numbered migrations (run by [`crate::sql::migrate`], which
//! says how they are applied). A migration is never edited after release: a schema change is
//! a new migration at the end of [`MIGRATIONS`].

use sqlx::AnyPool;

use crate::sql::{self, Backend, Migration};
use crate::StoreError;

/// Every migration, oldest first; the last one's version is the schema this build writes.
///
/// Integers are 64-bit everywhere (`#INT`: `INTEGER` in SQLite, `BIGINT` in PostgreSQL) so
/// one decoding path serves both; serials, TTLs, types and classes fit with room to spare.
/// Names are wire bytes, except the zone's own name, kept as lowercase presentation text so the
/// table reads well in a SQL shell.
pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    summary: "zones, their current records, and their change history",
    statements: &[
        "CREATE TABLE zones (
            id #ID,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            serial #INT NOT NULL,
            updated #INT NOT NULL,
            refreshed #INT
        )",
        "CREATE TABLE records (
            zone_id #INT NOT NULL,
            owner #BLOB NOT NULL,
            owner_key #BLOB NOT NULL,
            rtype #INT NOT NULL,
            class #INT NOT NULL,
            ttl #INT NOT NULL,
            rdata #BLOB NOT NULL
        )",
        "CREATE INDEX records_by_zone ON records (zone_id, owner_key, rtype)",
        "CREATE TABLE changes (
            zone_id #INT NOT NULL,
            seq #INT NOT NULL,
            serial_from #INT NOT NULL,
            serial_to #INT NOT NULL,
            created #INT NOT NULL,
            PRIMARY KEY (zone_id, seq)
        )",
        "CREATE TABLE change_records (
            zone_id #INT NOT NULL,
            seq #INT NOT NULL,
            added #INT NOT NULL,
            ordinal #INT NOT NULL,
            owner #BLOB NOT NULL,
            rtype #INT NOT NULL,
            class #INT NOT NULL,
            ttl #INT NOT NULL,
            rdata #BLOB NOT NULL,
            PRIMARY KEY (zone_id, seq, added, ordinal)
        )",
    ],
}];

/// PostgreSQL advisory lock key that serialises the zone store's migrations between
/// processes ("banyan" in ASCII).
const PG_MIGRATION_LOCK: i64 = 0x62_61_6e_79_61_6e;

/// Brings the schema up to date; refuses a database whose schema is newer than this build.
pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> Result<(), StoreError> {
    Ok(sql::migrate(pool, backend, PG_MIGRATION_LOCK, MIGRATIONS, crate::unix_now()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_up_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
        }
    }
}
