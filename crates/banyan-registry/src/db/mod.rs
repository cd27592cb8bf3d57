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

use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Transaction};

use crate::error::redact;
use crate::RegistryError;

/// How long a SQLite writer waits for another writer's lock before giving up with `SQLITE_BUSY`.
pub const SQLITE_BUSY_TIMEOUT_MS: u32 = 30_000;

/// The file name of the default registry database inside the data directory.
pub const DEFAULT_FILE_NAME: &str = "registry.db";

/// A transaction on the registry database.
pub(crate) type Tx = Transaction<'static, Any>;

/// The database behind a registry, for the SQL that differs between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub(crate) fn of(url: &str) -> Result<Backend, RegistryError> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => Ok(Backend::Sqlite),
            Some("postgres" | "postgresql") => Ok(Backend::Postgres),
            _ => Err(RegistryError::UnsupportedUrl { url: redact(url) }),
        }
    }

    /// Starts a command's transaction: holds the SQLite write lock from its first statement.
    pub(crate) async fn begin(self, pool: &AnyPool) -> Result<Tx, sqlx::Error> {
        match self {
            Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => pool.begin().await,
        }
    }

    /// Appended to a `SELECT` that decides a write: locks the rows read until commit on
    /// PostgreSQL (SQLite's `BEGIN IMMEDIATE` already holds the whole database).
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Appended to a `SELECT` of a row another object will refer to: keeps it from being
    /// deleted or renamed until commit on PostgreSQL, without blocking other readers.
    pub(crate) fn for_share(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR SHARE",
        }
    }
}

/// Opens the database at `url` (SQLite in WAL mode with `synchronous = FULL` and a busy
/// timeout on every connection, or PostgreSQL) and brings its schema up to date.
pub(crate) async fn open(url: &str) -> Result<(AnyPool, Backend), RegistryError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of(url)?;
    let open_err = |source| RegistryError::Open {
        url: redact(url),
        source,
    };
    let pool = match backend {
        Backend::Sqlite => {
            let connect_url = if url.contains("mode=") {
                url.to_string()
            } else if url.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            let pool = AnyPoolOptions::new()
                .max_connections(4)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::query(&format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"))
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
                        Ok(())
                    })
                })
                .connect(&connect_url)
                .await
                .map_err(open_err)?;
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL")
                .fetch_one(&pool)
                .await
                .map_err(open_err)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(open_err(sqlx::Error::Configuration(
                    format!("SQLite refused WAL mode (journal mode is {mode})").into(),
                )));
            }
            pool
        }
        Backend::Postgres => AnyPoolOptions::new()
            .max_connections(8)
            .connect(url)
            .await
            .map_err(open_err)?,
    };
    schema::run(&pool, backend).await?;
    Ok((pool, backend))
}

/// `sqlite://DIR/registry.db` for `dir`, creating the directory if missing.
pub(crate) fn data_dir_url(dir: &Path) -> Result<String, RegistryError> {
    let dir_err = |source| RegistryError::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(dir_err)?;
    // Absolute, so no part of the path is read as a URL host.
    let file = std::path::absolute(dir.join(DEFAULT_FILE_NAME)).map_err(dir_err)?;
    let text = file.to_str().ok_or_else(|| {
        dir_err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path is not UTF-8",
        ))
    })?;
    let mut url = String::from("sqlite://");
    for c in text.chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            _ => url.push(c),
        }
    }
    Ok(url)
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
