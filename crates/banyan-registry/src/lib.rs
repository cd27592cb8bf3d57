//! `banyan-registry`: the registry behind a TLD (DESIGN.md, "Workspace layout").
//!
//! What it does: keeps registrars, contacts, hosts and domains (RFC 5731-5733, DS data by
//! RFC 5910) through their lifecycle, speaks EPP (RFC 5730, RFC 5734) to registrars, and
//! generates each TLD's zone from what is registered.
//!
//! What it does not do: serve DNS (the TLD zone goes to `banyan-store`, and
//! `banyan-server` serves it), or the registrar dashboard (`banyan-web`).
//!
//! # The registry core
//!
//! [`Registry`] holds the objects in SQLite (default, `sqlite://DIR/registry.db`) or
//! PostgreSQL with one async method per EPP command; every command is one transaction and
//! takes `now` from the caller, and [`Registry::tick`] does what time brings (automatic
//! renewal, unanswered transfers, redemption, purge — the grace periods of RFC 3915, set per
//! TLD in [`TldPolicy`]). Errors are [`RegistryError`]s, each with its EPP result code
//! ([`RegistryError::epp_code`]). [`Registry::tld_zone`] builds a TLD's zone.
//!
//! # EPP
//!
//! [`epp`] is the protocol (codec, TLS transport, server loop, client); [`service`] puts the
//! registry behind it: [`service::RegistryHandler`] answers every command of RFC 5730-5733
//! (with RFC 5910 and RFC 3915) from the [`Registry`], [`service::run_ticks`] runs
//! [`Registry::tick`] periodically, and [`service::run_rechecks`] checks delegations again
//! as each TLD's [`TldPolicy::recheck_interval`] asks ([`recheck`]).
//!
//! # Storage
//!
//! Versioned migrations (`schema_version`, one row per step) create `registrars`,
//! `registrar_tlds`, `contacts`, `contact_postal`, `hosts`, `host_addrs`, `domains`,
//! `domain_contacts`, `domain_ns`, `domain_ds`, `statuses` (client and server statuses of every
//! object), `graces` (running grace periods with what was charged, for refunds), `transfers`
//! (each object's last transfer), `poll` (message queues), `tld_serials`,
//! `delegation_findings` (what the last delegation check of a domain found) and
//! `restore_reports` (RFC 3915 restore reports as received). Names are stored
//! as lowercase presentation text, so the unique indexes compare them without regard to case.
//!
//! Concurrent commands (several tasks, processes or machines on one database): on SQLite a
//! command's transaction starts with `BEGIN IMMEDIATE` and so runs alone (a writer waits up to
//! [`SQLITE_BUSY_TIMEOUT_MS`] for the lock); on PostgreSQL a command locks the rows it decides
//! on (`FOR UPDATE`, `FOR SHARE` for rows it links to), charges balances with one conditional
//! `UPDATE`, and the unique index on names settles two creates of one name — the loser gets
//! [`RegistryError::Exists`] (EPP 2302).

#![forbid(unsafe_code)]

pub mod clock;
mod contact;
mod db;
pub mod delegation;
mod domain;
pub mod epp;
pub mod error;
mod host;
mod lifecycle;
pub mod lookup;
pub mod model;
pub mod policy;
mod poll;
pub mod publish;
pub mod rdap;
pub mod recheck;
mod registry;
pub mod service;
pub mod time;
mod tldzone;
mod transfer;
pub mod whois;

pub use db::{DEFAULT_FILE_NAME, SQLITE_BUSY_TIMEOUT_MS};
pub use error::RegistryError;
pub use model::*;
pub use policy::{DelegationPolicy, Fees, TldPolicy};
pub use publish::{PublishError, Published};
pub use registry::{Registry, MAX_NS, ROID_SUFFIX};
pub use transfer::CONTACT_TRANSFER_PENDING;
