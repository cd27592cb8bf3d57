//! `banyan-registry`: the registry behind a TLD (DESIGN.md, "Workspace layout").
//!
//! What it does: keeps registrars, contacts, hosts and domains (RFC 5731-5733, DS data by
//! RFC 5910) through their lifecycle, speaks EPP (RFC 5730, RFC 5734) to registrars, and
//! generates each TLD's zone from what is registered.
//!
//! What it does not do: serve DNS (the TLD zone goes to `banyan-store`, and
//! `banyan-server` serves it), or the registrar dashboard (`banyan-web`).

#![forbid(unsafe_code)]

pub mod epp;
