//! The schema, as numbered migrations.
//!
//! Applied by `banyan_store::sql::migrate` (which says how: one transaction each, under a
//! lock, recorded in `schema_version`). A migration is never edited after release: a schema
//! change is a new migration at the end of [`MIGRATIONS`].
//!
//! Each statement is written once with three placeholders filled per backend, the only
//! differences the registry's tables need: `#ID` (an auto-numbered 64-bit primary key),
//! `#INT` (a 64-bit integer: `INTEGER` in SQLite, `BIGINT` in PostgreSQL) and `#BLOB`.
//!
//! Names (domains, hosts, TLDs) are kept as lowercase presentation text with the final dot,
//! so the unique indexes compare them without regard to case (RFC 4343). Times are Unix
//! seconds; money is in the smallest currency unit.

use sqlx::AnyPool;

use banyan_store::sql::Migration;

use super::Backend;
use crate::RegistryError;

/// Every migration, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        summary: "registrars, contacts, hosts, domains, grace periods, transfers, poll messages",
        statements: &[
            "CREATE TABLE registrars (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            balance #INT NOT NULL,
            created #INT NOT NULL
        )",
            "CREATE TABLE registrar_tlds (
            registrar TEXT NOT NULL,
            tld TEXT NOT NULL,
            PRIMARY KEY (registrar, tld)
        )",
            "CREATE TABLE contacts (
            id #ID,
            handle TEXT NOT NULL UNIQUE,
            sponsor TEXT NOT NULL,
            creator TEXT NOT NULL,
            created #INT NOT NULL,
            updater TEXT,
            updated #INT,
            transferred #INT,
            auth_info TEXT NOT NULL,
            voice TEXT,
            fax TEXT,
            email TEXT NOT NULL,
            disclose TEXT
        )",
            "CREATE TABLE contact_postal (
            contact #INT NOT NULL,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            org TEXT,
            street TEXT NOT NULL,
            city TEXT NOT NULL,
            sp TEXT,
            pc TEXT,
            cc TEXT NOT NULL,
            PRIMARY KEY (contact, kind)
        )",
            "CREATE TABLE statuses (
            object_kind TEXT NOT NULL,
            object #INT NOT NULL,
            status TEXT NOT NULL,
            PRIMARY KEY (object_kind, object, status)
        )",
            "CREATE TABLE domains (
            id #ID,
            name TEXT NOT NULL UNIQUE,
            tld TEXT NOT NULL,
            registrant #INT,
            sponsor TEXT NOT NULL,
            creator TEXT NOT NULL,
            created #INT NOT NULL,
            updater TEXT,
            updated #INT,
            transferred #INT,
            expires #INT NOT NULL,
            auth_info TEXT NOT NULL,
            max_sig_life #INT,
            state TEXT NOT NULL,
            state_until #INT
        )",
            "CREATE INDEX domains_by_state ON domains (state, expires)",
            "CREATE INDEX domains_by_tld ON domains (tld)",
            "CREATE INDEX domains_by_registrant ON domains (registrant)",
            "CREATE TABLE hosts (
            id #ID,
            name TEXT NOT NULL UNIQUE,
            domain #INT,
            sponsor TEXT NOT NULL,
            creator TEXT NOT NULL,
            created #INT NOT NULL,
            updater TEXT,
            updated #INT,
            transferred #INT
        )",
            "CREATE INDEX hosts_by_domain ON hosts (domain)",
            "CREATE TABLE host_addrs (
            host #INT NOT NULL,
            addr TEXT NOT NULL,
            PRIMARY KEY (host, addr)
        )",
            "CREATE TABLE domain_contacts (
            domain #INT NOT NULL,
            kind TEXT NOT NULL,
            contact #INT NOT NULL,
            PRIMARY KEY (domain, kind, contact)
        )",
            "CREATE INDEX domain_contacts_by_contact ON domain_contacts (contact)",
            "CREATE TABLE domain_ns (
            domain #INT NOT NULL,
            host #INT NOT NULL,
            PRIMARY KEY (domain, host)
        )",
            "CREATE INDEX domain_ns_by_host ON domain_ns (host)",
            "CREATE TABLE domain_ds (
            domain #INT NOT NULL,
            key_tag #INT NOT NULL,
            alg #INT NOT NULL,
            digest_type #INT NOT NULL,
            digest #BLOB NOT NULL
        )",
            "CREATE INDEX domain_ds_by_domain ON domain_ds (domain)",
            "CREATE TABLE graces (
            domain #INT NOT NULL,
            kind TEXT NOT NULL,
            ends #INT NOT NULL,
            registrar TEXT NOT NULL,
            amount #INT NOT NULL,
            years #INT NOT NULL
        )",
            "CREATE INDEX graces_by_domain ON graces (domain)",
            "CREATE TABLE transfers (
            object_kind TEXT NOT NULL,
            object #INT NOT NULL,
            status TEXT NOT NULL,
            gaining TEXT NOT NULL,
            requested #INT NOT NULL,
            losing TEXT NOT NULL,
            acted #INT NOT NULL,
            new_expiry #INT,
            years #INT NOT NULL,
            amount #INT NOT NULL,
            PRIMARY KEY (object_kind, object)
        )",
            "CREATE INDEX transfers_by_status ON transfers (status, acted)",
            "CREATE TABLE poll (
            id #ID,
            registrar TEXT NOT NULL,
            queued #INT NOT NULL,
            kind TEXT NOT NULL,
            object_kind TEXT NOT NULL,
            object TEXT NOT NULL,
            text TEXT NOT NULL,
            tr_status TEXT,
            re_id TEXT,
            re_date #INT,
            ac_id TEXT,
            ac_date #INT,
            ex_date #INT
        )",
            "CREATE INDEX poll_by_registrar ON poll (registrar, id)",
            "CREATE TABLE tld_serials (
            tld TEXT PRIMARY KEY,
            serial #INT NOT NULL
        )",
        ],
    },
    Migration {
        version: 2,
        summary: "delegation check findings, kept with the domain for RDAP",
        statements: &["CREATE TABLE delegation_findings (
            domain #INT NOT NULL,
            checked_at #INT NOT NULL,
            position #INT NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (domain, position)
        )"],
    },
    Migration {
        version: 3,
        summary: "when each domain's delegation was last checked; pending restores (RFC 3915 §2) and their reports",
        statements: &[
            // NULL: never checked. Set by every check, clean or not, so that periodic
            // re-checks know what is due (`delegation_findings` holds only problems).
            "ALTER TABLE domains ADD COLUMN delegation_checked #INT",
            // While a restore awaits its report (state `pendingRestore`), how many seconds were
            // left of the redemption period it interrupted: they run again if no report comes.
            "ALTER TABLE domains ADD COLUMN redemption_left #INT",
            // Restore reports as received (RFC 3915 §4.2.5), kept by name: a registry keeps
            // them for its policy body even after the domain is purged.
            "CREATE TABLE restore_reports (
            id #ID,
            domain TEXT NOT NULL,
            registrar TEXT NOT NULL,
            received #INT NOT NULL,
            pre_data TEXT NOT NULL,
            post_data TEXT NOT NULL,
            del_time TEXT NOT NULL,
            res_time TEXT NOT NULL,
            res_reason TEXT NOT NULL,
            statements TEXT NOT NULL,
            other TEXT
        )",
        ],
    },
];

/// PostgreSQL advisory lock key that serialises the registry's migrations between processes
/// ("bnyreg").
const PG_MIGRATION_LOCK: i64 = 0x62_6e_79_72_65_67;

/// Brings the schema up to the last of [`MIGRATIONS`] (see `banyan_store::sql::migrate`); refuses a database
/// whose schema is newer than this build.
pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> Result<(), RegistryError> {
    Ok(banyan_store::sql::migrate(pool, backend, PG_MIGRATION_LOCK, MIGRATIONS, super::unix_now()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_up_from_one_and_placeholders_are_filled() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
            for sql in m.statements {
                for b in [Backend::Sqlite, Backend::Postgres] {
                    assert!(!b.render(sql).contains('#'), "{sql}");
                }
            }
        }
    }
}
