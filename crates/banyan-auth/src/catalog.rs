//! The set of zones a server is authoritative for, which one answers a question, and the
//! recent history of each (its [`Journal`], for IXFR).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use banyan_wire::{Name, RData, Record, RecordType, WireName};
use banyan_zone::{diff, serial_gt, Zone, ZoneDiff};

/// Most differences a journal keeps when a reload adds one (NSD and Knot keep a bounded
/// history too; an older client gets the whole zone, RFC 1995 §4).
pub const JOURNAL_LIMIT: usize = 100;

/// The recent changes to one zone, oldest first, each in the form an IXFR response carries
/// them (RFC 1995 §4): the records deleted, the old SOA first, then the records added, the
/// new SOA first.
///
/// The differences always form one unbroken chain: each starts at the serial the previous
/// one ended at, and each ends at a serial greater than it started at (RFC 1982). A
/// difference that does not continue the chain replaces the history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Journal {
    diffs: Vec<ZoneDiff>,
}

impl Journal {
    /// A journal of `diffs`, oldest first, pushed one by one (see [`Journal::push`]): where
    /// the chain breaks, only the part after the break is kept.
    pub fn new(diffs: Vec<ZoneDiff>) -> Journal {
        let mut journal = Journal::default();
        for d in diffs {
            journal.push(d);
        }
        journal
    }

    /// Appends the change to the newest version. A difference without an SOA at the head of
    /// both its parts, or whose serials do not go forward (RFC 1982), empties the journal
    /// (no IXFR can cross it); one that does not start where the newest ended replaces the
    /// history.
    pub fn push(&mut self, diff: ZoneDiff) {
        let Some((from, to)) = diff_serials(&diff) else {
            self.diffs.clear();
            return;
        };
        if !serial_gt(to, from) {
            self.diffs.clear();
            return;
        }
        if self.newest_serial() != Some(from) {
            self.diffs.clear();
        }
        self.diffs.push(diff);
    }

    /// Keeps the newest `keep` differences, dropping older ones.
    pub fn trim(&mut self, keep: usize) {
        let drop = self.diffs.len().saturating_sub(keep);
        self.diffs.drain(..drop);
    }

    /// The differences leading from version `serial` to the newest, oldest first: empty
    /// when `serial` is the newest; `None` when the journal does not reach back to it.
    pub fn since(&self, serial: u32) -> Option<&[ZoneDiff]> {
        if self.newest_serial() == Some(serial) {
            return Some(&[]);
        }
        // The chain's serials only go forward, so the last match is the only one within
        // half the serial space of the newest.
        let at = self
            .diffs
            .iter()
            .rposition(|d| diff_serials(d).is_some_and(|(from, _)| from == serial))?;
        self.diffs.get(at..)
    }

    /// The serial of the newest version the journal leads to; `None` when empty.
    pub fn newest_serial(&self) -> Option<u32> {
        self.diffs.last().and_then(diff_serials).map(|(_, to)| to)
    }

    /// The differences, oldest first.
    pub fn diffs(&self) -> &[ZoneDiff] {
        &self.diffs
    }

    /// Number of differences kept.
    pub fn len(&self) -> usize {
        self.diffs.len()
    }

    /// True when no history is kept.
    pub fn is_empty(&self) -> bool {
        self.diffs.is_empty()
    }
}

/// The serial of an SOA record, if it is one.
pub(crate) fn soa_serial(record: &Record) -> Option<u32> {
    match &record.data {
        RData::SOA(soa) => Some(soa.serial),
        _ => None,
    }
}

/// The serials a difference leads from and to: of the SOAs at the head of its parts.
fn diff_serials(d: &ZoneDiff) -> Option<(u32, u32)> {
    let from = d.removed.first().filter(|r| r.rtype() == RecordType::SOA)?;
    let to = d.added.first().filter(|r| r.rtype() == RecordType::SOA)?;
    Some((soa_serial(from)?, soa_serial(to)?))
}

/// One zone in a catalog, with where it came from and its history.
#[derive(Debug, Clone)]
struct Entry {
    zone: Arc<Zone>,
    /// The file it was read from (for reloads).
    file: Option<PathBuf>,
    journal: Arc<Journal>,
}

/// An immutable set of loaded zones. A change builds a new catalog; servers swap it in
/// whole, so a query never sees half a reload. Zones and journals are shared between a
/// catalog and the ones built from it, so replacing one zone copies no other.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Zones sorted by origin label count, deepest first, so the first match is the
    /// closest enclosing zone.
    zones: Vec<Arc<Zone>>,
    /// Where each zone came from (for reloads), parallel to `zones`.
    files: Vec<Option<PathBuf>>,
    /// Each zone's recent changes (for IXFR), parallel to `zones`.
    journals: Vec<Arc<Journal>>,
    /// Secondary zones past their EXPIRE (RFC 1035 §3.3.13): still held, answered with
    /// SERVFAIL until a refresh succeeds. Usually empty.
    expired: Vec<Name>,
    /// Position in `zones` by origin, lowercased wire form: finding a question's zone among
    /// many (a hosting provider's server holds tens of thousands) costs a probe per label
    /// instead of a comparison per zone.
    by_origin: HashMap<Box<[u8]>, usize>,
    /// Bit `n` is set when some origin has `n` labels: the probes skip suffixes no zone can
    /// have. Names have at most 127 labels.
    depths: u128,
    /// Nodes in all the zones together: how much memory answering reaches into (see
    /// [`crate::prefetch()`]).
    nodes: usize,
}

/// Up to this many zones, [`Catalog::find`] compares the question with each origin, deepest
/// first: for one or a few zones that is cheaper than lowercasing the name and hashing its
/// suffixes. Beyond it, the index is probed.
const SCAN_ZONES: usize = 8;

impl Catalog {
    /// A catalog of finished zones (see `Zone::finish`), with empty journals. A later zone
    /// with the same origin replaces an earlier one.
    pub fn new(zones: Vec<Zone>) -> Catalog {
        Catalog::from_entries(
            zones
                .into_iter()
                .map(|z| Entry {
                    zone: Arc::new(z),
                    file: None,
                    journal: Arc::default(),
                })
                .collect(),
        )
    }

    fn from_entries(mut entries: Vec<Entry>) -> Catalog {
        entries.reverse();
        let mut seen: HashSet<Name> = HashSet::with_capacity(entries.len());
        entries.retain(|e| seen.insert(e.zone.origin().clone()));
        entries.sort_by_key(|e| std::cmp::Reverse(e.zone.origin().label_count()));
        let mut catalog = Catalog {
            zones: Vec::with_capacity(entries.len()),
            files: Vec::with_capacity(entries.len()),
            journals: Vec::with_capacity(entries.len()),
            expired: Vec::new(),
            by_origin: HashMap::with_capacity(entries.len()),
            depths: 0,
            nodes: 0,
        };
        for e in entries {
            let origin = e.zone.origin();
            catalog.nodes += e.zone.node_count();
            catalog
                .by_origin
                .insert(origin.as_wire().to_ascii_lowercase().into(), catalog.zones.len());
            catalog.depths |= 1 << origin.label_count().min(127);
            catalog.zones.push(e.zone);
            catalog.files.push(e.file);
            catalog.journals.push(e.journal);
        }
        catalog
    }

    fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.zones
            .iter()
            .zip(&self.files)
            .zip(&self.journals)
            .map(|((zone, file), journal)| Entry {
                zone: zone.clone(),
                file: file.clone(),
                journal: journal.clone(),
            })
    }

    /// Position of the zone whose origin is `origin`.
    fn position(&self, origin: &Name) -> Option<usize> {
        self.by_origin.get(&*origin.as_wire().to_ascii_lowercase()).copied()
    }

    /// The zone whose origin is the longest suffix of `name` (wire form), or with
    /// `strictly_above` the longest proper suffix (for [`Catalog::find_parent`]).
    fn deepest_enclosing(&self, name: &[u8], strictly_above: bool) -> Option<&Zone> {
        let mut lower = [0u8; banyan_wire::name::MAX_NAME_LEN];
        let lower = lower.get_mut(..name.len())?;
        for (l, &b) in lower.iter_mut().zip(name) {
            *l = b.to_ascii_lowercase();
        }
        let mut labels = 0usize;
        let mut at = 0usize;
        while let Some(&len) = name.get(at).filter(|&&len| len != 0) {
            labels += 1;
            at += 1 + len as usize;
        }
        // Longest suffix first: the name itself, then each parent down to the root.
        let mut at = 0usize;
        let mut first = true;
        loop {
            let candidate = !(first && strictly_above);
            first = false;
            if candidate && labels < 128 && self.depths & (1 << labels) != 0 {
                if let Some(&i) = lower.get(at..).and_then(|suffix| self.by_origin.get(suffix)) {
                    return self.zones.get(i).map(|z| &**z);
                }
            }
            let len = *name.get(at)? as usize;
            if len == 0 {
                return None;
            }
            at += 1 + len;
            labels -= 1;
        }
    }

    /// This catalog with `zone` added, or replacing the zone of the same origin (which
    /// keeps its file path, for reloads). `journal` is the new version's history (for IXFR,
    /// RFC 1995); `None` gives it an empty one. The other zones are shared, not copied.
    pub fn with_zone(&self, zone: Zone, journal: Option<Arc<Journal>>) -> Catalog {
        let file = self.position(zone.origin()).and_then(|i| self.files[i].clone());
        let mut entries: Vec<Entry> = self.entries().collect();
        entries.push(Entry {
            zone: Arc::new(zone),
            file,
            journal: journal.unwrap_or_default(),
        });
        let mut next = Catalog::from_entries(entries);
        next.expired = self.expired.clone();
        next
    }

    /// This catalog without the zone whose origin is `origin` (unchanged if there is none).
    pub fn without_zone(&self, origin: &Name) -> Catalog {
        let mut next = Catalog::from_entries(self.entries().filter(|e| e.zone.origin() != origin).collect());
        next.expired = self.expired.iter().filter(|e| *e != origin).cloned().collect();
        next
    }

    /// This catalog with the zone `origin` marked expired (answered SERVFAIL) or not.
    pub fn with_expired(&self, origin: &Name, expired: bool) -> Catalog {
        let mut next = Catalog::from_entries(self.entries().collect());
        next.expired = self.expired.iter().filter(|e| *e != origin).cloned().collect();
        if expired {
            next.expired.push(origin.clone());
        }
        next
    }

    /// True when the zone `origin` is held but expired.
    pub fn is_expired(&self, origin: &Name) -> bool {
        self.expired.iter().any(|e| e == origin)
    }

    /// `into` with the zone `origin` as this catalog has it (zone, journal, expiry), or
    /// `into` unchanged when this catalog has no such zone: how a reload of the zone files
    /// keeps the zones that do not come from files.
    pub fn carry(&self, origin: &Name, into: Catalog) -> Catalog {
        let Some(i) = self.position(origin) else {
            return into;
        };
        let mut entries: Vec<Entry> = into.entries().collect();
        entries.push(Entry {
            zone: self.zones[i].clone(),
            file: self.files[i].clone(),
            journal: self.journals[i].clone(),
        });
        let mut next = Catalog::from_entries(entries);
        next.expired = into.expired.iter().filter(|e| *e != origin).cloned().collect();
        if self.is_expired(origin) {
            next.expired.push(origin.clone());
        }
        next
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
    ///
    /// Journals follow the files, as NSD and Knot do with differences computed on reload
    /// (BIND's `ixfr-from-differences`): a zone whose content did not change keeps its
    /// journal; one that changed with a greater serial (RFC 1982) gets the difference
    /// appended (at most [`JOURNAL_LIMIT`] kept); one that changed without the serial going
    /// forward starts an empty journal, since no IXFR can describe that change.
    pub fn reload_dir(&self, dir: &Path) -> (Catalog, Vec<String>) {
        let mut errors = Vec::new();
        let mut entries = Vec::new();
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
                Ok(zone) => {
                    let journal = match self.position(zone.origin()) {
                        Some(i) => next_journal(&self.zones[i], &self.journals[i], &zone),
                        None => Arc::default(),
                    };
                    entries.push(Entry {
                        zone: Arc::new(zone),
                        file: Some(path),
                        journal,
                    });
                }
                Err(mut errs) => {
                    if let Some(old) = self.files.iter().position(|f| f.as_deref() == Some(path.as_path())) {
                        errs.push(format!("{}: keeping the previously loaded version", path.display()));
                        entries.push(Entry {
                            zone: self.zones[old].clone(),
                            file: Some(path),
                            journal: self.journals[old].clone(),
                        });
                    }
                    errors.append(&mut errs);
                }
            }
        }
        (Catalog::from_entries(entries), errors)
    }

    /// The number of nodes in all the zones together.
    pub fn node_count(&self) -> usize {
        self.nodes
    }

    /// The zones, deepest origin first.
    pub fn zones(&self) -> impl Iterator<Item = &Zone> {
        self.zones.iter().map(|z| &**z)
    }

    /// The recent changes of the zone whose origin is `origin` (for IXFR, RFC 1995).
    pub fn journal(&self, origin: &Name) -> Option<&Arc<Journal>> {
        self.position(origin).and_then(|i| self.journals.get(i))
    }

    /// The zone with the longest origin that `qname` is in (RFC 1034 §4.3.2 step 2).
    pub fn find<N: WireName + ?Sized>(&self, qname: &N) -> Option<&Zone> {
        if self.zones.len() > SCAN_ZONES {
            return self.deepest_enclosing(qname.wire(), false);
        }
        self.zones
            .iter()
            .find(|z| qname.is_subdomain_of_wire(z.origin().as_wire()))
            .map(|z| &**z)
    }

    /// The zone with the longest origin strictly above `name` (the parent side of a cut,
    /// where DS lives, RFC 4035 §3.1.4.1).
    pub fn find_parent<N: WireName + ?Sized>(&self, name: &N) -> Option<&Zone> {
        if self.zones.len() > SCAN_ZONES {
            return self.deepest_enclosing(name.wire(), true);
        }
        self.zones
            .iter()
            .find(|z| {
                name.is_subdomain_of_wire(z.origin().as_wire())
                    && !banyan_wire::name::wire_eq(name.wire(), z.origin().as_wire())
            })
            .map(|z| &**z)
    }
}

/// The journal of a reloaded zone: kept when nothing changed, extended by the difference
/// when the serial went forward, emptied otherwise.
fn next_journal(old: &Zone, journal: &Arc<Journal>, new: &Zone) -> Arc<Journal> {
    let d = diff(old, new);
    if d.is_empty() {
        return journal.clone();
    }
    match (old.soa(), new.soa()) {
        (Some(a), Some(b)) if serial_gt(b.serial, a.serial) => {
            let mut next = Journal::clone(journal);
            next.push(d);
            next.trim(JOURNAL_LIMIT);
            Arc::new(next)
        }
        _ => Arc::default(),
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

    fn zone(serial: u32, extra: &str) -> Zone {
        let origin = n("example.");
        let mut z = Zone::new(origin.clone(), banyan_wire::Class::IN);
        let text = format!("@ SOA ns host {serial} 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n{extra}");
        for line in text.lines() {
            z.insert(&Record::from_text(line, Some(&origin), Some(60)).unwrap())
                .unwrap();
        }
        z.finish();
        z
    }

    fn serials(chain: Option<&[ZoneDiff]>) -> Option<Vec<(u32, u32)>> {
        chain.map(|c| c.iter().map(|d| diff_serials(d).unwrap()).collect())
    }

    #[test]
    fn rfc1995_journal_chains() {
        let v: Vec<Zone> = (1..=4).map(|s| zone(s, &format!("v{s} TXT \"{s}\""))).collect();
        let mut j = Journal::new(vec![diff(&v[0], &v[1]), diff(&v[1], &v[2])]);
        assert_eq!(j.newest_serial(), Some(3));
        assert_eq!(serials(j.since(1)), Some(vec![(1, 2), (2, 3)]));
        assert_eq!(serials(j.since(2)), Some(vec![(2, 3)]));
        assert_eq!(serials(j.since(3)), Some(vec![]));
        assert_eq!(serials(j.since(0)), None);
        assert_eq!(serials(j.since(4)), None);
        j.push(diff(&v[2], &v[3]));
        assert_eq!(serials(j.since(1)).map(|c| c.len()), Some(3));
        j.trim(2);
        assert_eq!(serials(j.since(1)), None, "trimmed away");
        assert_eq!(serials(j.since(2)), Some(vec![(2, 3), (3, 4)]));
        // A difference that does not start at the newest version replaces the history.
        j.push(diff(&v[0], &v[1]));
        assert_eq!(j.len(), 1);
        assert_eq!(j.newest_serial(), Some(2));
        // One going backwards, or without SOAs, empties it.
        j.push(diff(&v[1], &v[0]));
        assert!(j.is_empty());
        j.push(diff(&v[0], &v[1]));
        j.push(diff(&zone(2, "x A 192.0.2.9"), &zone(2, "")));
        assert!(j.is_empty());
        // Across the serial wrap.
        let (a, b) = (zone(u32::MAX, ""), zone(1, ""));
        let j = Journal::new(vec![diff(&a, &b)]);
        assert_eq!(serials(j.since(u32::MAX)), Some(vec![(u32::MAX, 1)]));
    }

    #[test]
    fn with_and_without_zone_share_the_rest() {
        let other = {
            let mut z = Zone::new(n("example.org."), banyan_wire::Class::IN);
            z.insert(&Record::from_text("example.org. 60 IN SOA ns. host. 1 1 1 1 1", None, None).unwrap())
                .unwrap();
            z.finish();
            z
        };
        let cat = Catalog::new(vec![zone(1, ""), other]);
        // The apex and ns of example., the apex of example.org.
        assert_eq!(cat.node_count(), 3);
        let journal = Arc::new(Journal::new(vec![diff(&zone(1, ""), &zone(2, "a A 192.0.2.2"))]));
        let next = cat.with_zone(zone(2, "a A 192.0.2.2"), Some(journal.clone()));
        assert_eq!(next.zones().count(), 2);
        assert_eq!(
            next.node_count(),
            4,
            "the new version's a.example. counted, the old one's nodes not"
        );
        assert_eq!(next.find(&n("a.example.")).unwrap().soa().unwrap().serial, 2);
        assert_eq!(next.journal(&n("EXAMPLE.")), Some(&journal));
        assert!(next.journal(&n("example.org.")).unwrap().is_empty());
        let org = n("example.org.");
        let (i, j) = (cat.position(&org).unwrap(), next.position(&org).unwrap());
        assert!(Arc::ptr_eq(&cat.zones[i], &next.zones[j]), "the other zone is shared");
        assert!(next.find(&n("www.example.org.")).is_some());
        // Replacing without a journal starts an empty one; a new origin is added.
        assert!(next
            .with_zone(zone(3, ""), None)
            .journal(&n("example."))
            .unwrap()
            .is_empty());
        let gone = next.without_zone(&n("example."));
        assert_eq!(gone.zones().count(), 1);
        assert_eq!(gone.node_count(), 1);
        assert!(gone.journal(&n("example.")).is_none());
        assert!(gone.find(&n("a.example.")).is_none());
        assert_eq!(gone.without_zone(&n("nothing.")).zones().count(), 1);
    }

    #[test]
    fn reloads_journal_the_differences() {
        let dir = std::env::temp_dir().join(format!("banyan-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("example.zone");
        let write = |text: &str| std::fs::write(&file, format!("$TTL 60\n{text}")).unwrap();
        write("@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n");
        let (cat, errors) = Catalog::load_dir(&dir);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(cat.journal(&n("example.")).unwrap().is_empty());
        // Changed with a greater serial: the difference is journalled.
        write("@ SOA ns h 2 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.80\n");
        let (cat, _) = cat.reload_dir(&dir);
        let journal = cat.journal(&n("example.")).unwrap().clone();
        assert_eq!(serials(journal.since(1)), Some(vec![(1, 2)]));
        // Unchanged: the journal is kept.
        let (cat, _) = cat.reload_dir(&dir);
        assert!(Arc::ptr_eq(cat.journal(&n("example.")).unwrap(), &journal));
        // Broken: the old version and its journal stay.
        write("@ SOA ns h 3 2 3 4 5\n@ NS ns\nns A 192.0.2.300\n");
        let (cat, errors) = cat.reload_dir(&dir);
        assert!(!errors.is_empty());
        assert!(Arc::ptr_eq(cat.journal(&n("example.")).unwrap(), &journal));
        // Changed again: appended.
        write("@ SOA ns h 3 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n");
        let (cat, _) = cat.reload_dir(&dir);
        assert_eq!(
            serials(cat.journal(&n("example.")).unwrap().since(1)),
            Some(vec![(1, 2), (2, 3)])
        );
        // Changed without raising the serial: no IXFR can say it; the journal empties.
        write("@ SOA ns h 3 2 3 4 5\n@ NS ns\nns A 192.0.2.2\n");
        let (cat, _) = cat.reload_dir(&dir);
        assert!(cat.journal(&n("example.")).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The closest enclosing zone and the zone strictly above, by definition: the deepest
    /// origin the name is at or below.
    fn expected<'c>(zones: &'c [Name], name: &Name, strictly_above: bool) -> Option<&'c Name> {
        zones
            .iter()
            .filter(|o| name.is_subdomain_of_wire(o.as_wire()) && !(strictly_above && *o == name))
            .max_by_key(|o| o.label_count())
    }

    #[test]
    fn find_gives_the_deepest_enclosing_zone_whether_scanning_or_indexed() {
        let origins = [
            ".",
            "com.",
            "example.com.",
            "sub.example.com.",
            "deep.a.b.c.example.com.",
            "org.",
            "example.org.",
            "xn--bcher-kva.example.",
        ];
        let few: Vec<Name> = origins[..4].iter().map(|o| n(o)).collect();
        let mut many: Vec<Name> = origins.iter().map(|o| n(o)).collect();
        // Enough zones for the index, with origins of every depth from 1 to 5 labels.
        many.extend((0..40).map(|i| n(&format!("z{i}.{}", ["net.", "a.net.", "b.a.net.", "c.b.a.net."][i % 4]))));
        assert!(few.len() <= SCAN_ZONES && many.len() > SCAN_ZONES);
        let names = [
            ".",
            "com.",
            "COM.",
            "example.com.",
            "www.EXAMPLE.com.",
            "sub.example.com.",
            "x.Sub.Example.Com.",
            "a.b.c.example.com.",
            "deep.a.b.c.example.com.",
            "x.deep.a.b.c.example.com.",
            "example.org.",
            "org.",
            "test.",
            "xn--bcher-kva.example.",
            "www.z5.a.net.",
            "z5.a.net.",
            "z6.a.net.",
            "z7.c.b.a.net.",
            "y.z11.c.b.a.net.",
        ];
        for zones in [&few, &many] {
            let cat = Catalog::new(
                zones
                    .iter()
                    .map(|o| Zone::new(o.clone(), banyan_wire::Class::IN))
                    .collect(),
            );
            for name in names.iter().map(|s| n(s)) {
                for strictly_above in [false, true] {
                    let found = if strictly_above {
                        cat.find_parent(&name)
                    } else {
                        cat.find(&name)
                    };
                    assert_eq!(
                        found.map(Zone::origin),
                        expected(zones, &name, strictly_above),
                        "{name} among {} zones, strictly above: {strictly_above}",
                        zones.len()
                    );
                }
            }
        }
        // Without a root zone, a name under no origin has no zone.
        let cat = Catalog::new(
            many[1..]
                .iter()
                .map(|o| Zone::new(o.clone(), banyan_wire::Class::IN))
                .collect(),
        );
        assert!(cat.find(&n("test.")).is_none());
        assert!(cat.find_parent(&n("com.")).is_none());
        assert_eq!(
            cat.find(&n("WWW.z3.c.b.a.NET.")).map(Zone::origin),
            Some(&n("z3.c.b.a.net."))
        );
        assert!(
            cat.journal(&n("Example.COM.")).is_some(),
            "journals are found by origin in any case"
        );
    }
}
