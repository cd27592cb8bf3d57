//! The database behind the registry: opening it (SQLite or PostgreSQL through `sqlx`'s `Any`
//! driver, as `banyan-store` does) and the SQL that differs between the two.
//!
//! One command, one transaction. On SQLite a command's transaction starts with `BEGIN
//! IMMEDIATE`, taking the database's write lock before it reads anything, and a second writer
//! waits up to [`SQLITE_BUSY_TIMEOUT_MS`] for it; commands are therefore serial. On PostgreSQL
//! (`READ COMMITTED`) a command locks the rows it decides on (`SELECT … FOR UPDATE`), the
//! registrar's balance is charged with a conditional `UPDATE`, and the unique indexes on names
//! settle two creates of one name: the second gets [`crate::RegistryError::Exists`].

pub(crate) mod schema;

use std::path::Path;

use sqlx::{Any, AnyPool, Transaction};

use crate::RegistryError;

pub use banyan_store::sql::SQLITE_BUSY_TIMEOUT_MS;

/// The file name of the default registry database inside the data directory.
pub const DEFAULT_FILE_NAME: &str = "registry.db";

/// A transaction on the registry database.
pub(crate) type Tx = Transaction<'static, Any>;

/// The database behind a registry, for the SQL that differs between them.
pub(crate) use banyan_store::sql::Backend;

/// Opens the database at `url` (see `banyan_store::sql`: SQLite in WAL mode with
/// `synchronous = FULL` and a busy timeout, or PostgreSQL) and brings its schema up to date.
pub(crate) async fn open(url: &str) -> Result<(AnyPool, Backend), RegistryError> {
    let (pool, backend) = banyan_store::sql::connect(url).await?;
    schema::run(&pool, backend).await?;
    Ok((pool, backend))
}

/// `sqlite://DIR/registry.db` for `dir`, creating the directory if missing.
pub(crate) fn data_dir_url(dir: &Path) -> Result<String, RegistryError> {
    banyan_store::sql::sqlite_url_in(dir, DEFAULT_FILE_NAME).map_err(|source| RegistryError::DataDir {
        path: dir.to_path_buf(),
        source,
    })
}

/// Whether `e` is a unique-constraint violation (two creates of one name raced).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The current Unix time, for bookkeeping rows no caller times (`schema_version`).
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
