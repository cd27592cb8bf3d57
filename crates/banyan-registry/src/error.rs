//! What can go wrong in the registry, and the EPP result code each failure maps to
//! (RFC 5730 §3).

/// An error from a registry command. A command that returns an error has changed nothing: it
/// ran in one transaction, which was rolled back.
///
/// [`RegistryError::epp_code`] is the one place that maps these to EPP result codes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The database URL names a database the registry does not speak (only `sqlite:` and
    /// `postgres:`/`postgresql:` are known).
    #[error("unsupported registry database URL {url:?}: expected sqlite://PATH or postgres://…")]
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
    #[error("cannot open the registry database {url}: {source}")]
    Open {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// A schema migration failed; it was rolled back and the schema is at `version - 1`.
    #[error("registry schema migration {version} failed: {source}")]
    Migrate {
        /// The migration that failed.
        version: i64,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// The database was written by a newer Banyan whose schema this build does not know.
    #[error("the registry database's schema is version {found}, newer than this build knows ({known})")]
    SchemaTooNew {
        /// The version in the database.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// A database error (connection lost, lock timeout, I/O…).
    #[error("registry database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The stored data is not what the registry wrote (an unknown status, a bad name…).
    #[error("registry data is inconsistent: {0}")]
    Corrupt(String),
    /// Hashing or checking a password failed for a reason other than a wrong password.
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
    /// A TLD given to [`crate::Registry::open`] is not usable (twice, or the root).
    #[error("bad TLD configuration: {0}")]
    Config(String),

    /// The registrar's identifier or password is wrong (RFC 5730 §2.9.1.1).
    #[error("authentication error")]
    BadCredentials,
    /// The object already exists (or was created by a concurrent command).
    #[error("object exists: {0}")]
    Exists(String),
    /// The object does not exist.
    #[error("object does not exist: {0}")]
    NotFound(String),
    /// The registrar may not do this to the object: it is not the sponsor (RFC 5730 §2.9.3).
    #[error("authorization error: {0}")]
    Authorization(String),
    /// The authorization information given for the object is wrong.
    #[error("invalid authorization information")]
    InvalidAuthInfo,
    /// The registrar's balance does not cover the fee.
    #[error("billing failure: {registrar} has a balance of {balance}, the fee is {fee}")]
    Billing {
        /// The registrar charged.
        registrar: String,
        /// The fee.
        fee: i64,
        /// The balance before the charge.
        balance: i64,
    },
    /// A status of the object (or its state in the lifecycle) prohibits the command.
    #[error("object status prohibits operation: {0}")]
    StatusProhibits(String),
    /// A relation between objects prohibits the command (a host that name servers a domain
    /// cannot be deleted, …).
    #[error("object association prohibits operation: {0}")]
    AssociationProhibits(String),
    /// A value is well formed but against the registry's policy (period too long, name not
    /// under a TLD the registrar is accredited for, not a host name, …).
    #[error("parameter value policy error: {0}")]
    Policy(String),
    /// A value is malformed (an e-mail address without `@`, a DS digest of the wrong length…).
    #[error("parameter value syntax error: {0}")]
    Syntax(String),
    /// The object cannot be transferred now (the requester already sponsors it, it was just
    /// created…).
    #[error("object is not eligible for transfer: {0}")]
    NotEligibleForTransfer(String),
    /// A transfer of the object is already pending.
    #[error("object pending transfer: {0}")]
    PendingTransfer(String),
    /// The transfer command needs a pending transfer and there is none.
    #[error("object not pending transfer: {0}")]
    NotPendingTransfer(String),
}

impl RegistryError {
    /// The EPP result code for this error (RFC 5730 §3): 2200 authentication, 2201
    /// authorization, 2202 invalid authInfo, 2005 syntax, 2104 billing, 2106 not eligible for
    /// transfer, 2300/2301 (not) pending transfer, 2302 exists, 2303 does not exist, 2304
    /// status prohibits, 2305 association prohibits, 2306 policy, and 2400 (command failed)
    /// for everything that is the server's fault.
    pub fn epp_code(&self) -> u16 {
        match self {
            RegistryError::BadCredentials => 2200,
            RegistryError::Authorization(_) => 2201,
            RegistryError::InvalidAuthInfo => 2202,
            RegistryError::Syntax(_) => 2005,
            RegistryError::Billing { .. } => 2104,
            RegistryError::NotEligibleForTransfer(_) => 2106,
            RegistryError::PendingTransfer(_) => 2300,
            RegistryError::NotPendingTransfer(_) => 2301,
            RegistryError::Exists(_) => 2302,
            RegistryError::NotFound(_) => 2303,
            RegistryError::StatusProhibits(_) => 2304,
            RegistryError::AssociationProhibits(_) => 2305,
            RegistryError::Policy(_) => 2306,
            RegistryError::UnsupportedUrl { .. }
            | RegistryError::DataDir { .. }
            | RegistryError::Open { .. }
            | RegistryError::Migrate { .. }
            | RegistryError::SchemaTooNew { .. }
            | RegistryError::Db(_)
            | RegistryError::Corrupt(_)
            | RegistryError::PasswordHash(_)
            | RegistryError::Config(_) => 2400,
        }
    }
}

impl From<banyan_store::sql::ConnectError> for RegistryError {
    fn from(e: banyan_store::sql::ConnectError) -> RegistryError {
        match e {
            banyan_store::sql::ConnectError::Unsupported { url } => RegistryError::UnsupportedUrl { url },
            banyan_store::sql::ConnectError::Open { url, source } => RegistryError::Open { url, source },
        }
    }
}

impl From<banyan_store::sql::MigrateError> for RegistryError {
    fn from(e: banyan_store::sql::MigrateError) -> RegistryError {
        match e {
            banyan_store::sql::MigrateError::Step { version, source } => RegistryError::Migrate { version, source },
            banyan_store::sql::MigrateError::TooNew { found, known } => RegistryError::SchemaTooNew { found, known },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5730_section_3_result_codes() {
        assert_eq!(RegistryError::BadCredentials.epp_code(), 2200);
        assert_eq!(RegistryError::Exists("x".into()).epp_code(), 2302);
        assert_eq!(RegistryError::NotFound("x".into()).epp_code(), 2303);
        assert_eq!(
            RegistryError::Billing {
                registrar: "r".into(),
                fee: 2,
                balance: 1
            }
            .epp_code(),
            2104
        );
        assert_eq!(RegistryError::Corrupt("x".into()).epp_code(), 2400);
    }
}
