//! What can go wrong in the store.

use banyan_wire::Name;

/// An error from the zone store. Every write that returns an error has written nothing: the
/// transaction it ran in was rolled back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The URL names a database this store does not speak (only `sqlite:` and
    /// `postgres:`/`postgresql:` are known).
    #[error("unsupported zone store URL {url:?}: expected sqlite://PATH or postgres://…")]
    UnsupportedUrl {
        /// The URL, with any password replaced by `***`.
        url: String,
    },
    /// The data directory could not be created.
    #[error("cannot create the data directory {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened or set up (connect, SQLite pragmas).
    #[error("cannot open the zone store {url}: {source}")]
    Open {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// A schema migration failed; it was rolled back and the schema is at `version - 1`.
    #[error("zone store schema migration {version} failed: {source}")]
    Migrate {
        /// The migration that failed.
        version: i64,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// The database was written by a newer Banyan whose schema this build does not know.
    #[error("the zone store's schema is version {found}, newer than this build knows ({known})")]
    SchemaTooNew {
        /// The version in the database.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// A database error (connection lost, constraint, I/O…).
    #[error("zone store database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The zone is not in the store.
    #[error("zone {0} is not in the store")]
    NoSuchZone(Name),
    /// A change was made against another version of the zone than the stored one: the
    /// change's old SOA has serial `expected`, the stored zone has serial `found`.
    #[error("zone {zone}: the change starts from serial {expected} but the stored zone is at serial {found}")]
    SerialMismatch {
        /// The zone.
        zone: Name,
        /// The serial of the SOA in the change's `removed` list.
        expected: u32,
        /// The serial of the stored zone.
        found: u32,
    },
    /// The records or change handed to the store do not make a valid zone or change (no SOA
    /// or several, an SOA away from the apex, a record outside the zone…). Nothing was written.
    #[error("zone {zone}: {what}")]
    Invalid {
        /// The zone.
        zone: Name,
        /// What is wrong with the input.
        what: String,
    },
    /// The stored data is not what the store wrote, or a change does not fit it (a removed
    /// record that is not there). Nothing was written.
    #[error("zone {zone}: stored data is inconsistent: {what}")]
    Corrupt {
        /// The zone.
        zone: Name,
        /// What is wrong.
        what: String,
    },
}

impl StoreError {
    pub(crate) fn corrupt(zone: &Name, what: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            zone: zone.clone(),
            what: what.into(),
        }
    }

    pub(crate) fn invalid(zone: &Name, what: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            zone: zone.clone(),
            what: what.into(),
        }
    }
}

impl From<crate::sql::ConnectError> for StoreError {
    fn from(e: crate::sql::ConnectError) -> StoreError {
        match e {
            crate::sql::ConnectError::Unsupported { url } => StoreError::UnsupportedUrl { url },
            crate::sql::ConnectError::Open { url, source } => StoreError::Open { url, source },
        }
    }
}

impl From<crate::sql::MigrateError> for StoreError {
    fn from(e: crate::sql::MigrateError) -> StoreError {
        match e {
            crate::sql::MigrateError::Step { version, source } => StoreError::Migrate { version, source },
            crate::sql::MigrateError::TooNew { found, known } => StoreError::SchemaTooNew { found, known },
        }
    }
}
