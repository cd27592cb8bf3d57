//! The set of zones a server is authoritative for, and which one answers a question.

use std::path::{Path, PathBuf};

use banyan_wire::{Name, WireName};
use banyan_zone::Zone;

/// An immutable set of loaded zones. A change builds a new catalog; servers swap it in
/// whole, so a query never sees half a reload.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Zones sorted by origin label count, deepest first, so the first match is the
    /// closest enclosing zone.
    zones: Vec<Zone>,
    /// Where each zone came from (for reloads), parallel to `zones`.
    files: Vec<Option<PathBuf>>,
}

impl Catalog {
    /// A catalog of finished zones (see `Zone::finish`). A later zone with the same origin
    /// replaces an earlier one.
    pub fn new(zones: Vec<Zone>) -> Catalog {
        let n = zones.len();
        Catalog::from_parts(zones.into_iter().zip(std::iter::repeat_n(None, n)).collect())
    }

    fn from_parts(mut parts: Vec<(Zone, Option<PathBuf>)>) -> Catalog {
        parts.reverse();
        let mut seen: Vec<Name> = Vec::new();
        parts.retain(|(z, _)| {
            if seen.contains(z.origin()) {
                false
            } else {
                seen.push(z.origin().clone());
                true
            }
        });
        parts.sort_by_key(|(z, _)| std::cmp::Reverse(z.origin().label_count()));
        let (zones, files) = parts.into_iter().unzip();
        Catalog { zones, files }
    }

    /// Loads every `DIR/*.zone`: the origin is the file name without `.zone`
    /// (`example.com.zone` → `example.com.`, `root.zone` → `.`) unless the file's first
    /// directive is `$ORIGIN`. A zone with errors (syntax, or content errors such as a
    /// missing SOA) is left out; the errors, naming file, line and column, are returned.
    pub fn load_dir(dir: &Path) -> (Catalog, Vec<String>) {
        Catalog::default().reload_dir(dir)
    }

    /// As [`Catalog::load_dir`], but a zone that fails to load keeps the version this
    /// catalog has (the previous good version keeps serving, DESIGN.md "Behaviour on bad
    /// input").
    pub fn reload_dir(&self, dir: &Path) -> (Catalog, Vec<String>) {
        let mut errors = Vec::new();
        let mut parts = Vec::new();
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "zone") && p.is_file())
                .collect(),
            Err(e) => {
                errors.push(format!("{}: {e}", dir.display()));
                Vec::new()
            }
        };
        files.sort();
        for path in files {
            match load_one(&path) {
                Ok(zone) => parts.push((zone, Some(path))),
                Err(mut errs) => {
                    if let Some(old) = self.files.iter().position(|f| f.as_deref() == Some(path.as_path())) {
                        errs.push(format!("{}: keeping the previously loaded version", path.display()));
                        parts.push((self.zones[old].clone(), Some(path)));
                    }
                    errors.append(&mut errs);
                }
            }
        }
        (Catalog::from_parts(parts), errors)
    }

    /// The zones, deepest origin first.
    pub fn zones(&self) -> impl Iterator<Item = &Zone> {
        self.zones.iter()
    }

    /// The zone with the longest origin that `qname` is in (RFC 1034 §4.3.2 step 2).
    pub fn find<N: WireName + ?Sized>(&self, qname: &N) -> Option<&Zone> {
        self.zones
            .iter()
            .find(|z| qname.is_subdomain_of_wire(z.origin().as_wire()))
    }

    /// The zone with the longest origin strictly above `name` (the parent side of a cut,
    /// where DS lives, RFC 4035 §3.1.4.1).
    pub fn find_parent<N: WireName + ?Sized>(&self, name: &N) -> Option<&Zone> {
        self.zones.iter().find(|z| {
            name.is_subdomain_of_wire(z.origin().as_wire()) && !name.wire().eq_ignore_ascii_case(z.origin().as_wire())
        })
    }
}

/// Origin from the file name, unless the file starts with `$ORIGIN`.
fn origin_for(path: &Path) -> Option<Name> {
    let text = std::fs::read(path).ok()?;
    let first = text
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii())
        .find(|l| !l.is_empty() && !l.starts_with(b";"))?;
    if first.len() > 7 && first[..7].eq_ignore_ascii_case(b"$ORIGIN") {
        return None;
    }
    let stem = path.file_stem()?.to_str()?;
    if stem == "root" || stem == "." {
        return Some(Name::root());
    }
    let text = if stem.ends_with('.') {
        stem.to_string()
    } else {
        format!("{stem}.")
    };
    text.parse().ok()
}

fn load_one(path: &Path) -> Result<Zone, Vec<String>> {
    banyan_zone::load_zone(path, origin_for(path).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn load_find_and_reload_keeping_good_versions() {
        let dir = std::env::temp_dir().join(format!("banyan-catalog-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("root.zone"),
            "$TTL 60\n. SOA a. b. 1 2 3 4 5\n. NS a.\na. A 192.0.2.1\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("example.com.zone"),
            "$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.2\n",
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), "not a zone").unwrap();
        let (cat, errors) = Catalog::load_dir(&dir);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(cat.zones().count(), 2);
        assert_eq!(cat.find(&n("www.example.com.")).unwrap().origin(), &n("example.com."));
        assert_eq!(cat.find(&n("example.org.")).unwrap().origin(), &Name::root());
        assert_eq!(cat.find_parent(&n("example.com.")).unwrap().origin(), &Name::root());
        // Break one zone: it keeps its old version; the other reloads.
        std::fs::write(
            dir.join("example.com.zone"),
            "$TTL 60\n@ SOA ns h 2 2 3 4 5\n@ NS ns\nns A 192.0.2.300\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("root.zone"),
            "$TTL 60\n. SOA a. b. 2 2 3 4 5\n. NS a.\na. A 192.0.2.1\n",
        )
        .unwrap();
        let (cat2, errors) = cat.reload_dir(&dir);
        assert!(errors.iter().any(|e| e.contains("example.com.zone:4:")), "{errors:?}");
        assert!(errors
            .iter()
            .any(|e| e.contains("keeping the previously loaded version")));
        assert_eq!(cat2.find(&n("example.com.")).unwrap().soa().unwrap().serial, 1);
        assert_eq!(cat2.find(&n("x.")).unwrap().soa().unwrap().serial, 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
