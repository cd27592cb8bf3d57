//! Where the served zones come from, reading them again for a reload, and keeping the zones
//! that are signed online signed.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use banyan_auth::Catalog;
use banyan_dnssec::signzone::DEFAULT_VALIDITY;
use banyan_dnssec::{needs_resigning, resign_zone, Denial, SignOptions, SigningKey};
use banyan_wire::Name;
use banyan_zone::{load_zone, Zone};

/// Where [`crate::Server::reload`] reads the zones from.
#[derive(Clone, Debug)]
pub enum ZoneSource {
    /// Every `DIR/*.zone` (`banyan auth --zones DIR`), as `Catalog::load_dir` reads it.
    Dir(PathBuf),
    /// Listed zones, each an origin, its master file and whether it is signed online
    /// (`[[auth.zone]]` in the config).
    Files(Vec<ZoneFile>),
    /// Nothing to read again: a reload keeps the snapshot as it is.
    Fixed,
}

/// One zone of [`ZoneSource::Files`].
#[derive(Clone, Debug)]
pub struct ZoneFile {
    /// The zone's origin.
    pub origin: Name,
    /// Its master file.
    pub path: PathBuf,
    /// Signed online when set: at each load, each reload and when signatures near expiry.
    pub signing: Option<ZoneSigning>,
}

impl ZoneFile {
    /// A zone served as its file says, unsigned (or signed offline).
    pub fn new(origin: Name, path: PathBuf) -> ZoneFile {
        ZoneFile {
            origin,
            path,
            signing: None,
        }
    }
}

/// How a zone is signed online (`dnssec = { … }` of `[[auth.zone]]`). Defaults in one place:
/// [`ZoneSigning::new`].
#[derive(Clone, Debug)]
pub struct ZoneSigning {
    /// The directory of the zone's `K<zone>+<alg>+<tag>.key/.private` files, read again at
    /// each signing so that keys added or removed there take effect (a rollover).
    pub keys: PathBuf,
    /// NSEC or NSEC3 (default NSEC).
    pub denial: Denial,
    /// Seconds from signing to expiration (default 30 days); signatures are made again when a
    /// quarter of this is left ([`banyan_dnssec::REFRESH_DIVISOR`]).
    pub validity: u32,
}

impl ZoneSigning {
    /// NSEC, signatures valid for [`DEFAULT_VALIDITY`] (30 days), keys from `keys`.
    pub fn new(keys: PathBuf) -> ZoneSigning {
        ZoneSigning {
            keys,
            denial: Denial::Nsec,
            validity: DEFAULT_VALIDITY,
        }
    }

    /// The signing options at `now`: inception an hour before, expiration `validity` after,
    /// a twelfth of the validity as jitter.
    pub fn options(&self, now: u32) -> SignOptions {
        let mut options = SignOptions::new(now);
        options.denial = self.denial.clone();
        options.expiration = now.wrapping_add(self.validity);
        options.jitter = self.validity / 12;
        options
    }

    /// Signs `zone` (as loaded), keeping what it can of `previous` (the version served now).
    pub(crate) fn sign(&self, zone: &Zone, previous: Option<&Zone>, now: u32) -> Result<Zone, String> {
        let origin = zone.origin();
        let keys = SigningKey::load_zone_keys(&self.keys, origin)
            .map_err(|e| format!("{origin}: keys from {}: {e}", self.keys.display()))?;
        resign_zone(previous, zone, &keys, &self.options(now), now)
            .map(|signed| signed.zone)
            .map_err(|e| format!("{origin}: signing with the keys in {}: {e}", self.keys.display()))
    }
}

/// Seconds since 1970 modulo 2^32, as RRSIG times count (RFC 4034 §3.1.5).
pub(crate) fn unix_now() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

impl ZoneSource {
    /// Loads the zones for the first time; returns the snapshot and the load errors.
    pub fn load(&self) -> (Catalog, Vec<String>) {
        self.reload(&Catalog::new(Vec::new()))
    }

    /// Loads the zones again. A zone that fails to load, or to be signed, keeps its version
    /// from `current` (if it had one); the errors name file, line and column, or the zone
    /// and what went wrong with its keys.
    pub fn reload(&self, current: &Catalog) -> (Catalog, Vec<String>) {
        self.reload_at(current, unix_now())
    }

    /// [`ZoneSource::reload`] with the time zones signed online are signed at.
    pub fn reload_at(&self, current: &Catalog, now: u32) -> (Catalog, Vec<String>) {
        match self {
            ZoneSource::Dir(dir) => current.reload_dir(dir),
            ZoneSource::Files(files) => {
                let mut zones = Vec::with_capacity(files.len());
                let mut errors = Vec::new();
                for file in files {
                    let previous = current.zones().find(|z| *z.origin() == file.origin);
                    let loaded = load_zone(&file.path, Some(&file.origin)).and_then(|zone| match &file.signing {
                        None => Ok(zone),
                        Some(signing) => signing.sign(&zone, previous, now).map_err(|e| vec![e]),
                    });
                    match loaded {
                        Ok(zone) => zones.push(zone),
                        Err(mut errs) => {
                            errors.append(&mut errs);
                            if let Some(old) = previous {
                                zones.push(old.clone());
                            }
                        }
                    }
                }
                (Catalog::new(zones), errors)
            }
            ZoneSource::Fixed => (Catalog::new(current.zones().cloned().collect()), Vec::new()),
        }
    }

    /// True when some zone is signed online.
    pub fn signs(&self) -> bool {
        matches!(self, ZoneSource::Files(files) if files.iter().any(|f| f.signing.is_some()))
    }

    /// The shortest refresh window of the zones signed online: how often to look whether
    /// one is due for re-signing. `None` when no zone is signed online.
    pub(crate) fn shortest_refresh(&self) -> Option<u32> {
        let ZoneSource::Files(files) = self else {
            return None;
        };
        files
            .iter()
            .filter_map(|f| f.signing.as_ref())
            .map(|s| s.validity / banyan_dnssec::REFRESH_DIVISOR)
            .min()
    }

    /// Re-signs the zones signed online whose earliest signature expires within the refresh
    /// window at `now`; `None` when none is due, else the new snapshot and the errors. A due
    /// zone is read from its file again (the file is what is served), or, when the file
    /// fails to load, re-signed from the version served (with the error reported). Zones not
    /// due are kept as they are.
    pub fn resign_due(&self, current: &Catalog, now: u32) -> Option<(Catalog, Vec<String>)> {
        let ZoneSource::Files(files) = self else {
            return None;
        };
        let due: Vec<(&ZoneFile, &ZoneSigning, &Zone)> = files
            .iter()
            .filter_map(|f| {
                let signing = f.signing.as_ref()?;
                let served = current.zones().find(|z| *z.origin() == f.origin)?;
                needs_resigning(served, &signing.options(now), now).then_some((f, signing, served))
            })
            .collect();
        if due.is_empty() {
            return None;
        }
        let mut zones: Vec<Zone> = current.zones().cloned().collect();
        let mut errors = Vec::new();
        for (file, signing, served) in due {
            let zone = match load_zone(&file.path, Some(&file.origin)) {
                Ok(zone) => zone,
                Err(mut errs) => {
                    errors.append(&mut errs);
                    // Signing strips the old signatures and chain, so the served version
                    // stands in for the file.
                    served.clone()
                }
            };
            match signing.sign(&zone, Some(served), now) {
                // A later zone of the same origin replaces the earlier in a catalog.
                Ok(signed) => zones.push(signed),
                Err(e) => errors.push(e),
            }
        }
        Some((Catalog::new(zones), errors))
    }
}

/// What the zone files look like on disk: each file's path, modification time and length.
/// Two equal fingerprints mean nothing to reload (a file added or removed in a zone
/// directory changes it too).
pub type Fingerprint = Vec<(PathBuf, Option<SystemTime>, u64)>;

impl ZoneSource {
    /// The current fingerprint (each path with its modification time and length) of the files this source reads.
    pub fn fingerprint(&self) -> Fingerprint {
        let files: Vec<PathBuf> = match self {
            ZoneSource::Dir(dir) => {
                let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                    .map(|entries| {
                        entries
                            .filter_map(|e| e.ok().map(|e| e.path()))
                            .filter(|p| p.extension().is_some_and(|x| x == "zone"))
                            .collect()
                    })
                    .unwrap_or_default();
                files.sort();
                files
            }
            ZoneSource::Files(files) => files.iter().map(|f| f.path.clone()).collect(),
            ZoneSource::Fixed => Vec::new(),
        };
        files
            .into_iter()
            .map(|f| {
                let meta = std::fs::metadata(&f).ok();
                let modified = meta.as_ref().and_then(|m| m.modified().ok());
                let len = meta.map_or(0, |m| m.len());
                (f, modified, len)
            })
            .collect()
    }
}
