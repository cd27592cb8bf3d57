//! Where the served zones come from, and reading them again for a reload.

use std::path::PathBuf;
use std::time::SystemTime;

use banyan_auth::Catalog;
use banyan_wire::Name;
use banyan_zone::load_zone;

/// Where [`crate::Server::reload`] reads the zones from.
#[derive(Clone, Debug)]
pub enum ZoneSource {
    /// Every `DIR/*.zone` (`banyan auth --zones DIR`), as `Catalog::load_dir` reads it.
    Dir(PathBuf),
    /// Listed zones, each an origin and its master file (`[[auth.zone]]` in the config).
    Files(Vec<(Name, PathBuf)>),
    /// Nothing to read again: a reload keeps the snapshot as it is.
    Fixed,
}

impl ZoneSource {
    /// Loads the zones for the first time; returns the snapshot and the load errors.
    pub fn load(&self) -> (Catalog, Vec<String>) {
        self.reload(&Catalog::new(Vec::new()))
    }

    /// Loads the zones again. A zone that fails to load keeps its version from `current`
    /// (if it had one); the errors name file, line and column.
    pub fn reload(&self, current: &Catalog) -> (Catalog, Vec<String>) {
        match self {
            ZoneSource::Dir(dir) => current.reload_dir(dir),
            ZoneSource::Files(files) => {
                let mut zones = Vec::with_capacity(files.len());
                let mut errors = Vec::new();
                for (origin, file) in files {
                    match load_zone(file, Some(origin)) {
                        Ok(zone) => zones.push(zone),
                        Err(mut errs) => {
                            errors.append(&mut errs);
                            if let Some(old) = current.zones().find(|z| z.origin() == origin) {
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
}

/// What the zone files look like on disk: each file's path, modification time and length.
/// Two equal fingerprints mean nothing to reload (a file added or removed in a zone
/// directory changes it too).
pub type Fingerprint = Vec<(PathBuf, Option<SystemTime>, u64)>;

impl ZoneSource {
    /// The current [`Fingerprint`] of the files this source reads.
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
            ZoneSource::Files(files) => files.iter().map(|(_, f)| f.clone()).collect(),
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
