//! The dashboard's own database: accounts, sessions, API tokens and which account holds which
//! domain. SQLite by default, PostgreSQL through the same code (`banyan_store::sql`: one pool
//! type, versioned migrations with type placeholders).
//!
//! # Schema
//!
//! - `users (id, email UNIQUE, name, city, country, password_hash, contact_id, created)`:
//!   `email` lowercase; `name`, `city` and `country` the holder's, for the registrant contact;
//!   `password_hash` a PHC string (Argon2id); `contact_id` the registrant contact created for
//!   the account at the registries (RFC 5733), once it registers a name.
//! - `sessions (digest PRIMARY KEY, user_id, csrf, created, expires)`: `digest` is the SHA-256
//!   of the session ID in the cookie, never the ID itself; `csrf` the session's form token.
//! - `api_tokens (id, user_id, label, digest UNIQUE, created, revoked)`: bearer tokens, by the
//!   SHA-256 of the token; `revoked` the time of revocation, if any.
//! - `domains (id, name UNIQUE, user_id, state, created)`: a name's holder here; `state` is
//!   `registered` or `transfer-pending`.
//! - `zone_changes (id, zone, serial, changed, old_ttl)`: each record change saved here:
//!   the zone (lowercase, final dot), the serial it made, when (Unix seconds), and how long
//!   resolvers may keep the data it replaced (see `crate::propagation::stale_ttl`).

use banyan_store::sql::{self, Backend, Migration};
use sqlx::{AnyPool, Row};

use crate::error::WebError;

/// The PostgreSQL advisory lock key that serialises this schema's migrations ("banyweb1").
const PG_MIGRATION_LOCK: i64 = 0x6261_6e79_7765_6231;

/// The schema steps, oldest first.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        summary: "accounts, sessions, API tokens, domain holders",
        statements: &[
            "CREATE TABLE users (id #ID, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, city TEXT NOT NULL,
         country TEXT NOT NULL, password_hash TEXT NOT NULL,
         contact_id TEXT, created #INT NOT NULL)",
            "CREATE TABLE sessions (digest TEXT PRIMARY KEY, user_id #INT NOT NULL REFERENCES users (id),
         csrf TEXT NOT NULL, created #INT NOT NULL, expires #INT NOT NULL)",
            "CREATE INDEX sessions_by_user ON sessions (user_id)",
            "CREATE TABLE api_tokens (id #ID, user_id #INT NOT NULL REFERENCES users (id), label TEXT NOT NULL,
         digest TEXT NOT NULL UNIQUE, created #INT NOT NULL, revoked #INT)",
            "CREATE TABLE domains (id #ID, name TEXT NOT NULL UNIQUE, user_id #INT NOT NULL REFERENCES users (id),
         state TEXT NOT NULL, created #INT NOT NULL)",
            "CREATE INDEX domains_by_user ON domains (user_id)",
        ],
    },
    Migration {
        version: 2,
        summary: "zone changes, for the propagation panel's cache horizon",
        statements: &[
            "CREATE TABLE zone_changes (id #ID, zone TEXT NOT NULL, serial #INT NOT NULL,
         changed #INT NOT NULL, old_ttl #INT NOT NULL)",
            "CREATE INDEX zone_changes_by_zone ON zone_changes (zone, changed)",
        ],
    },
];

/// An account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Its number.
    pub id: i64,
    /// Its e-mail address, lowercase: the login name.
    pub email: String,
    /// The holder's name, for the registrant contact.
    pub name: String,
    /// The holder's city.
    pub city: String,
    /// The holder's country (ISO 3166 alpha-2, uppercase).
    pub country: String,
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// The registrant contact's ID at the registries, once created.
    pub contact_id: Option<String>,
}

/// An account to create.
#[derive(Clone, Copy, Debug)]
pub struct NewUser<'a> {
    /// Lowercase e-mail address.
    pub email: &'a str,
    /// The holder's name.
    pub name: &'a str,
    /// The holder's city.
    pub city: &'a str,
    /// The holder's country code.
    pub country: &'a str,
    /// The Argon2id PHC string.
    pub password_hash: &'a str,
}

/// A signed-in browser's session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The account.
    pub user: User,
    /// The session's CSRF token, which every state-changing form must carry.
    pub csrf: String,
    /// When it ends, Unix seconds.
    pub expires: i64,
}

/// An API token as listed (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    /// Its number.
    pub id: i64,
    /// The label given at creation.
    pub label: String,
    /// When it was made, Unix seconds.
    pub created: i64,
    /// When it was revoked, if it was.
    pub revoked: Option<i64>,
}

/// Where a domain held here stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DomainState {
    /// Registered by this registrar for the account.
    Registered,
    /// A transfer to this registrar was requested (RFC 5731 §3.2.4) and awaits the registry.
    TransferPending,
}

impl DomainState {
    fn as_str(self) -> &'static str {
        match self {
            DomainState::Registered => "registered",
            DomainState::TransferPending => "transfer-pending",
        }
    }

    fn from_db(s: &str) -> DomainState {
        match s {
            "transfer-pending" => DomainState::TransferPending,
            _ => DomainState::Registered,
        }
    }
}

/// A domain held by an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainRow {
    /// The name, lowercase with the final dot.
    pub name: String,
    /// Its state here.
    pub state: DomainState,
    /// When it was added, Unix seconds.
    pub created: i64,
}

/// A change of a zone's records made here, as the propagation panel reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZoneChange {
    /// The serial the change made.
    pub serial: u32,
    /// When, Unix seconds.
    pub changed: i64,
    /// The longest time, in seconds, a resolver may keep the data the change replaced.
    pub old_ttl: u32,
}

/// A pool on the dashboard's database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

const USER_COLUMNS: &str = "u.id, u.email, u.name, u.city, u.country, u.password_hash, u.contact_id";

fn user_row(r: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: r.try_get(0)?,
        email: r.try_get(1)?,
        name: r.try_get(2)?,
        city: r.try_get(3)?,
        country: r.try_get(4)?,
        password_hash: r.try_get(5)?,
        contact_id: r.try_get(6)?,
    })
}

impl Database {
    /// Opens the database at `url` (`sqlite://PATH` or `postgres://…`) and brings its schema
    /// up to date.
    pub async fn open(url: &str, now: i64) -> Result<Database, WebError> {
        let (pool, backend) = sql::connect(url).await?;
        sql::migrate(&pool, backend, PG_MIGRATION_LOCK, MIGRATIONS, now).await?;
        Ok(Database { pool, backend })
    }

    /// Creates an account; [`WebError::Conflict`] when the e-mail address is taken.
    pub async fn create_user(&self, new: &NewUser<'_>, now: i64) -> Result<i64, WebError> {
        let r = sqlx::query_scalar(
            "INSERT INTO users (email, name, city, country, password_hash, created) VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING id",
        )
        .bind(new.email)
        .bind(new.name)
        .bind(new.city)
        .bind(new.country)
        .bind(new.password_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await;
        match r {
            Err(e) if is_unique_violation(&e) => Err(WebError::Conflict("an account with this e-mail exists".into())),
            r => Ok(r?),
        }
    }

    /// The account with the e-mail address `email` (lowercase).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, WebError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1"))
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(user_row).transpose()?)
    }

    /// Records the registrant contact created for an account.
    pub async fn set_contact(&self, user_id: i64, contact_id: &str) -> Result<(), WebError> {
        sqlx::query("UPDATE users SET contact_id = $2 WHERE id = $1")
            .bind(user_id)
            .bind(contact_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a session by the digest of its ID.
    pub async fn create_session(
        &self,
        user_id: i64,
        digest: &str,
        csrf: &str,
        now: i64,
        expires: i64,
    ) -> Result<(), WebError> {
        // Expired sessions of anyone go now: the table holds only live ones and a few.
        sqlx::query("DELETE FROM sessions WHERE expires <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO sessions (digest, user_id, csrf, created, expires) VALUES ($1, $2, $3, $4, $5)")
            .bind(digest)
            .bind(user_id)
            .bind(csrf)
            .bind(now)
            .bind(expires)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The live session whose ID has digest `digest` at `now`.
    pub async fn session(&self, digest: &str, now: i64) -> Result<Option<Session>, WebError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.csrf, s.expires FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.digest = $1 AND s.expires > $2"
        ))
        .bind(digest)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Session {
            user: user_row(&row)?,
            csrf: row.try_get(7)?,
            expires: row.try_get(8)?,
        }))
    }

    /// Ends a session.
    pub async fn delete_session(&self, digest: &str) -> Result<(), WebError> {
        sqlx::query("DELETE FROM sessions WHERE digest = $1")
            .bind(digest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores an API token by its digest; returns its number.
    pub async fn create_token(&self, user_id: i64, label: &str, digest: &str, now: i64) -> Result<i64, WebError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, label, digest, created) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(label)
        .bind(digest)
        .bind(now)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The account's tokens, newest first.
    pub async fn tokens(&self, user_id: i64) -> Result<Vec<TokenInfo>, WebError> {
        let rows =
            sqlx::query("SELECT id, label, created, revoked FROM api_tokens WHERE user_id = $1 ORDER BY id DESC")
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.try_get(0)?,
                    label: r.try_get(1)?,
                    created: r.try_get(2)?,
                    revoked: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Revokes the account's token `id`; false when the account has no such live token.
    pub async fn revoke_token(&self, user_id: i64, id: i64, now: i64) -> Result<bool, WebError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked = $3 WHERE id = $1 AND user_id = $2 AND revoked IS NULL")
            .bind(id)
            .bind(user_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The account holding the live token with digest `digest`.
    pub async fn user_by_token(&self, digest: &str) -> Result<Option<User>, WebError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.digest = $1 AND t.revoked IS NULL"
        ))
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_row).transpose()?)
    }

    /// Records that `user_id` holds `name`; [`WebError::Conflict`] when someone here holds it.
    pub async fn add_domain(&self, name: &str, user_id: i64, state: DomainState, now: i64) -> Result<(), WebError> {
        let r = sqlx::query("INSERT INTO domains (name, user_id, state, created) VALUES ($1, $2, $3, $4)")
            .bind(name)
            .bind(user_id)
            .bind(state.as_str())
            .bind(now)
            .execute(&self.pool)
            .await;
        match r {
            Err(e) if is_unique_violation(&e) => Err(WebError::Conflict(format!("{name} is already held here"))),
            r => {
                r?;
                Ok(())
            }
        }
    }

    /// Forgets who holds `name` (a registration that failed after it was recorded).
    pub async fn remove_domain(&self, name: &str) -> Result<(), WebError> {
        sqlx::query("DELETE FROM domains WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets a domain's state.
    pub async fn set_domain_state(&self, name: &str, state: DomainState) -> Result<(), WebError> {
        sqlx::query("UPDATE domains SET state = $2 WHERE name = $1")
            .bind(name)
            .bind(state.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// `name` as held by `user_id`; `None` when it is not held here or held by another
    /// account (the callers answer 404 either way).
    pub async fn owned_domain(&self, user_id: i64, name: &str) -> Result<Option<DomainRow>, WebError> {
        let row = sqlx::query("SELECT name, state, created FROM domains WHERE name = $1 AND user_id = $2")
            .bind(name)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(domain_row).transpose()
    }

    /// The account's domains by name.
    pub async fn domains(&self, user_id: i64) -> Result<Vec<DomainRow>, WebError> {
        let rows = sqlx::query("SELECT name, state, created FROM domains WHERE user_id = $1 ORDER BY name")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(domain_row).collect()
    }

    /// Records a change of `zone`'s records (lowercase, final dot).
    pub async fn record_change(&self, zone: &str, change: ZoneChange) -> Result<(), WebError> {
        sqlx::query("INSERT INTO zone_changes (zone, serial, changed, old_ttl) VALUES ($1, $2, $3, $4)")
            .bind(zone)
            .bind(i64::from(change.serial))
            .bind(change.changed)
            .bind(i64::from(change.old_ttl))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The latest change of `zone`, and the latest instant at which data replaced by any of
    /// its changes may still sit in a cache (`changed + old_ttl`, the largest).
    pub async fn zone_changes(&self, zone: &str) -> Result<Option<(ZoneChange, i64)>, WebError> {
        let last = sqlx::query(
            "SELECT serial, changed, old_ttl FROM zone_changes WHERE zone = $1 ORDER BY changed DESC, id DESC LIMIT 1",
        )
        .bind(zone)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = last else {
            return Ok(None);
        };
        let to_u32 = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        let change = ZoneChange {
            serial: to_u32(row.try_get(0)?),
            changed: row.try_get(1)?,
            old_ttl: to_u32(row.try_get(2)?),
        };
        let horizon: Option<i64> =
            sqlx::query_scalar("SELECT MAX(changed + old_ttl) FROM zone_changes WHERE zone = $1")
                .bind(zone)
                .fetch_one(&self.pool)
                .await?;
        Ok(Some((
            change,
            horizon.unwrap_or(change.changed.saturating_add(i64::from(change.old_ttl))),
        )))
    }

    /// The backend, for SQL that differs.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

fn domain_row(r: &sqlx::any::AnyRow) -> Result<DomainRow, WebError> {
    let state: String = r.try_get(1)?;
    Ok(DomainRow {
        name: r.try_get(0)?,
        state: DomainState::from_db(&state),
        created: r.try_get(2)?,
    })
}
