//! Publishing a TLD's zone into the zone store (DESIGN.md "Data and state"): the registry
//! writes, the authoritative servers serve what the store holds (a `managed` zone) and tell
//! their secondaries (NOTIFY, IXFR from the stored change).

use banyan_store::{Store, ZoneKind};
use banyan_wire::{Name, Record};
use banyan_zone::{diff, ZoneBuilder};

use crate::{Registry, RegistryError};

/// What a publication did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Published {
    /// The stored zone already had this content: nothing written (the serial the registry
    /// would have given is not used).
    Unchanged,
    /// A new version with this serial, stored as one change (IXFR can send it).
    Changed(u32),
    /// The zone was not in the store: stored whole, with this serial.
    Created(u32),
}

/// Why a TLD zone could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Reading the registry failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The store refused the change.
    #[error("the zone store: {0}")]
    Store(#[from] banyan_store::StoreError),
    /// The generated records do not make a zone (an apex without SOA, say).
    #[error("TLD {tld}: {what}")]
    BadZone {
        /// The TLD.
        tld: Name,
        /// What is wrong.
        what: String,
    },
}

impl Registry {
    /// Generates `tld`'s zone at `now` ([`Registry::tld_zone`] with `apex`) and makes it the
    /// current version of the managed zone `tld` in `store`, as one change: the records
    /// removed and added since the stored version, with a new serial, so a server's journal
    /// and IXFR carry just that. Nothing is written when only the serial would change.
    pub async fn publish_tld(
        &self,
        tld: &Name,
        apex: &[Record],
        store: &Store,
        now: i64,
    ) -> Result<Published, PublishError> {
        let bad = |what: String| PublishError::BadZone { tld: tld.clone(), what };
        let stored = store.load(tld).await?;
        let Some(stored) = stored else {
            let records = self.tld_zone(tld, apex, None, now).await?;
            let zone = build(tld, &records).map_err(bad)?;
            let serial = zone
                .soa()
                .map(|s| s.serial)
                .ok_or_else(|| bad("no SOA in the apex".into()))?;
            store.replace(tld, ZoneKind::Managed, &records, now).await?;
            return Ok(Published::Created(serial));
        };
        let old = build(tld, &stored.records).map_err(bad)?;
        // The serial the registry would give next; kept only when something else changed.
        let records = self.tld_zone(tld, apex, None, now).await?;
        let mut next = build(tld, &records).map_err(bad)?;
        let serial = next
            .soa()
            .map(|s| s.serial)
            .ok_or_else(|| bad("no SOA in the apex".into()))?;
        let change = diff(&old, &next);
        let only_serial = change.removed.len() == 1 && change.added.len() == 1;
        if change.is_empty() || only_serial {
            return Ok(Published::Unchanged);
        }
        // A serial that does not move forward from the stored one (a clock behind it) is set
        // to the stored one plus one (RFC 1982).
        let stored_serial = stored.info.serial;
        let change = if banyan_zone::serial_gt(serial, stored_serial) {
            change
        } else {
            let bumped = stored_serial.wrapping_add(1);
            let records: Vec<Record> = records
                .into_iter()
                .map(|mut r| {
                    if let banyan_wire::RData::SOA(soa) = &mut r.data {
                        soa.serial = bumped;
                    }
                    r
                })
                .collect();
            next = build(tld, &records).map_err(bad)?;
            diff(&old, &next)
        };
        let serial = next.soa().map_or(serial, |s| s.serial);
        store.apply(tld, &change, now).await?;
        Ok(Published::Changed(serial))
    }
}

/// A zone from generated or stored records.
fn build(tld: &Name, records: &[Record]) -> Result<banyan_zone::Zone, String> {
    let mut b = ZoneBuilder::new(tld.clone(), banyan_wire::Class::IN, records.len());
    for r in records {
        b.add(r).map_err(|e| format!("{} {}: {e}", r.name, r.rtype()))?;
    }
    Ok(b.finish().0)
}
