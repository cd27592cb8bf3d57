//! Building a whole zone at once, as loading a file does.
//!
//! Records are appended to one arena (canonical key, owner and RDATA side by side) with a
//! small fixed-size entry each, so reading a million records allocates a handful of times.
//! [`ZoneBuilder::finish`] then sorts the entries once (on an inline key prefix), walks them
//! in canonical order to form nodes and RRsets, creates the empty non-terminals on the way
//! (an ancestor always sorts before its descendants), and builds the ordered map in one pass.
//! Incremental changes go through `Zone::insert` instead.

use banyan_wire::{Class, Name, Record, RecordType};

use crate::nodemap::{Entry as MapEntry, NodeKey};
use crate::zone::{add_record_to, InsertError, Inserted, Key, Node, NodeFlags, Rrset, Zone};

/// One record: where its key, owner and RDATA are in the arena.
struct Entry {
    /// The sixteen key octets after the origin's key, for cheap comparisons (eight left too
    /// many ties among names like `host12345`).
    prefix: u128,
    /// Where the key, the owner and the RDATA are in the arena. Records in a row with the
    /// same owner (the usual layout of a zone file) share one copy of key and owner.
    key_at: u32,
    rdata_at: u32,
    rdata_len: u16,
    key_len: u16,
    owner_len: u8,
    rtype: RecordType,
    ttl: u32,
    /// File order, so that RRsets keep their records in the order written.
    seq: u32,
}

impl Entry {
    fn key(&self) -> (u32, u32) {
        (self.key_at, self.key_at + u32::from(self.key_len))
    }
    /// The owner follows its key in the arena.
    fn owner(&self) -> (u32, u32) {
        let at = self.key_at + u32::from(self.key_len);
        (at, at + u32::from(self.owner_len))
    }
    fn rdata(&self) -> (u32, u32) {
        (self.rdata_at, self.rdata_at + u32::from(self.rdata_len))
    }
}

/// Collects a zone's records, then builds the [`Zone`] in one pass.
pub struct ZoneBuilder {
    origin: Name,
    class: Class,
    origin_key_len: usize,
    arena: Vec<u8>,
    entries: Vec<Entry>,
}

/// A record that [`ZoneBuilder::finish`] merged into an RRset with a remark: a duplicate,
/// or a TTL that differs from its RRset's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeNote {
    /// The owner.
    pub name: Name,
    /// The type.
    pub rtype: RecordType,
    /// What happened ([`Inserted::Duplicate`] or [`Inserted::TtlMismatch`]).
    pub outcome: Inserted,
}

impl ZoneBuilder {
    /// A builder for the zone `origin` of `class`; `records` sizes the first allocation. An
    /// overestimate is cheap (untouched capacity is never resident); an underestimate costs a
    /// doubling copy of everything read so far.
    pub fn new(origin: Name, class: Class, records: usize) -> ZoneBuilder {
        let origin_key_len = Key::new(&origin).as_bytes().len();
        ZoneBuilder {
            origin,
            class,
            origin_key_len,
            arena: Vec::with_capacity(records.saturating_mul(40)),
            entries: Vec::with_capacity(records),
        }
    }

    /// The zone's class.
    pub fn class(&self) -> Class {
        self.class
    }

    /// Adds one record; refuses records outside the zone or of another class.
    pub fn add(&mut self, record: &Record) -> Result<(), InsertError> {
        if !record.name.is_subdomain_of(&self.origin) {
            return Err(InsertError::OutOfZone {
                name: record.name.clone(),
                origin: self.origin.clone(),
            });
        }
        if record.class != self.class {
            return Err(InsertError::Class {
                found: record.class,
                zone: self.class,
            });
        }
        let owner = record.name.as_wire();
        // The same owner as the record before (case included): share its key and owner.
        let same = self.entries.last().filter(|e| {
            let (a, b) = e.owner();
            self.arena.get(a as usize..b as usize) == Some(owner)
        });
        let (key_at, key_len, prefix) = match same {
            Some(e) => (e.key_at, e.key_len, e.prefix),
            None => {
                let key = Key::new(&record.name);
                let k = key.as_bytes();
                let key_at = self.arena.len() as u32;
                self.arena.extend_from_slice(k);
                self.arena.extend_from_slice(owner);
                (key_at, k.len() as u16, prefix(k, self.origin_key_len))
            }
        };
        let rdata_at = self.arena.len() as u32;
        record.data.write(&mut self.arena);
        let rdata_len = (self.arena.len() as u32 - rdata_at) as u16;
        self.entries.push(Entry {
            prefix,
            key_at,
            rdata_at,
            rdata_len,
            key_len,
            owner_len: owner.len() as u8,
            rtype: record.rtype(),
            ttl: record.ttl,
            seq: self.entries.len() as u32,
        });
        Ok(())
    }

    /// Builds the zone (cut flags worked out, ready for lookups) and returns it with the
    /// records that were duplicates or had a differing TTL.
    pub fn finish(self) -> (Zone, Vec<MergeNote>) {
        let ZoneBuilder {
            origin,
            class,
            arena,
            mut entries,
            ..
        } = self;
        let slice = |(a, b): (u32, u32)| &arena[a as usize..b as usize];
        entries.sort_unstable_by(|x, y| {
            x.prefix
                .cmp(&y.prefix)
                .then_with(|| slice(x.key()).cmp(slice(y.key())))
                .then(x.seq.cmp(&y.seq))
        });
        let origin_key = Key::new(&origin);
        let apex_labels = origin.label_count();
        let mut map: Vec<MapEntry> = Vec::with_capacity(entries.len());
        let mut notes = Vec::new();
        let mut records = 0usize;
        let apex = Node {
            name: origin.clone(),
            rrsets: Box::default(),
            flags: NodeFlags {
                apex: true,
                ..NodeFlags::default()
            },
        };
        // The maps hold keys without the origin's part (see `Zone`): the apex's is empty.
        let skip = origin_key.as_bytes().len();
        map.push(MapEntry(NodeKey::new(&[]), apex));
        // The key of the last node inserted and the key lengths of its emitted ancestors
        // (each a prefix of it): the path from the apex down, without a copy per node.
        let mut current: Vec<u8> = origin_key.as_bytes().to_vec();
        let mut path: Vec<usize> = vec![current.len()];
        // A node's RRsets from its group of records: collected in one reused vector, then
        // moved into an allocation of exactly their size (a vector per node would leave the
        // unused part of its capacity between consecutive nodes' sets once shrunk).
        let mut scratch: Vec<Rrset> = Vec::new();
        let mut add_all = |name: &Name, group: &[Entry], records: &mut usize| -> Box<[Rrset]> {
            for e in group {
                let outcome = add_record_to(&mut scratch, e.ttl, e.rtype, slice(e.rdata()));
                if outcome != Inserted::Duplicate {
                    *records += 1;
                }
                if outcome != Inserted::New {
                    notes.push(MergeNote {
                        name: name.clone(),
                        rtype: e.rtype,
                        outcome,
                    });
                }
            }
            scratch.drain(..).collect()
        };
        let mut i = 0;
        while i < entries.len() {
            let k = slice(entries[i].key());
            let mut j = i + 1;
            while j < entries.len() && slice(entries[j].key()) == k {
                j += 1;
            }
            if k == origin_key.as_bytes() {
                // The apex's records sort together: this is its only group.
                map[0].1.rrsets = add_all(&origin, &entries[i..j], &mut records);
                i = j;
                continue;
            }
            while let Some(&len) = path.last() {
                if k.starts_with(&current[..len]) {
                    break;
                }
                path.pop();
            }
            // Ancestors between the deepest emitted one and this name are empty
            // non-terminals; they sort right here, before the name itself.
            let owner = Name::from_wire(slice(entries[i].owner())).unwrap_or_else(|_| origin.clone());
            let deepest = path.last().map_or(apex_labels, |&len| label_count(&current[..len]));
            for depth in deepest + 1..label_count(k) {
                let ancestor = owner.suffix(depth);
                let key = Key::new(&ancestor);
                path.push(key.as_bytes().len());
                map.push(MapEntry(
                    NodeKey::new(&key.as_bytes()[skip..]),
                    Node {
                        name: ancestor,
                        rrsets: Box::default(),
                        flags: NodeFlags::default(),
                    },
                ));
            }
            let rrsets = add_all(&owner, &entries[i..j], &mut records);
            let node = Node {
                name: owner,
                rrsets,
                flags: NodeFlags::default(),
            };
            // Keys arrive in ascending order: the vector stays sorted.
            map.push(MapEntry(NodeKey::new(&k[skip..]), node));
            current.clear();
            current.extend_from_slice(k);
            path.push(k.len());
            i = j;
        }
        drop(entries);
        drop(arena);
        let mut zone = Zone::from_sorted(origin, class, crate::nodemap::NodeMap::from_sorted(map), records);
        zone.finish();
        (zone, notes)
    }
}

/// Labels in a canonical key: each label ends in the only raw 0x00 octets of the key.
fn label_count(key: &[u8]) -> usize {
    key.iter().filter(|&&b| b == 0).count()
}

/// The sixteen key octets after the origin's key, as a number that sorts like them.
fn prefix(key: &[u8], skip: usize) -> u128 {
    let mut b = [0u8; 16];
    let tail = key.get(skip..).unwrap_or(&[]);
    let n = tail.len().min(16);
    b[..n].copy_from_slice(&tail[..n]);
    u128::from_be_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;

    fn records(lines: &[&str]) -> Vec<Record> {
        let origin: Name = "example.".parse().unwrap();
        lines
            .iter()
            .map(|l| Record::from_text(l, Some(&origin), Some(300)).unwrap())
            .collect()
    }

    /// The bulk builder and one-by-one insertion give the same zone, notes included.
    #[test]
    fn same_zone_as_insert() {
        let recs = records(&[
            "b.a.deep.x A 192.0.2.1",
            "@ SOA ns h 1 2 3 4 5",
            "www A 192.0.2.2",
            "www A 192.0.2.3",
            "www A 192.0.2.2",
            "www 60 A 192.0.2.4",
            "@ NS ns",
            "z.y.x TXT \"t\"",
            "a\\000b.x TXT \"odd octets\"",
            "WWW AAAA ::1",
            "s RRSIG A 13 2 60 20300101000000 20200101000000 1 example. AQID",
            "s 300 RRSIG TXT 13 2 300 20300101000000 20200101000000 1 example. AQID",
        ]);
        let origin: Name = "example.".parse().unwrap();
        let mut one = Zone::new(origin.clone(), Class::IN);
        let mut expected_notes = Vec::new();
        for r in &recs {
            let outcome = one.insert(r).unwrap();
            if outcome != Inserted::New {
                expected_notes.push((r.name.to_lowercase(), r.rtype(), outcome));
            }
        }
        one.finish();
        let mut b = ZoneBuilder::new(origin, Class::IN, recs.len());
        for r in &recs {
            b.add(r).unwrap();
        }
        let (bulk, notes) = b.finish();
        assert!(diff(&one, &bulk).is_empty());
        assert_eq!(one.node_count(), bulk.node_count(), "{} vs {}", one, bulk);
        assert_eq!(one.record_count(), bulk.record_count());
        assert_eq!(one.to_string(), bulk.to_string());
        let notes: Vec<_> = notes
            .iter()
            .map(|n| (n.name.to_lowercase(), n.rtype, n.outcome))
            .collect();
        assert_eq!(notes, expected_notes);
        let names: Vec<String> = bulk.nodes().map(|n| n.name.to_string()).collect();
        let mut sorted = names.clone();
        sorted.sort_by_key(|a| a.parse::<Name>().unwrap());
        assert_eq!(names, sorted, "canonical order");
        assert!(bulk
            .node(&"deep.x.example.".parse::<Name>().unwrap())
            .unwrap()
            .is_empty_non_terminal());
    }

    #[test]
    fn refuses_outside_records_and_builds_an_empty_apex() {
        let origin: Name = "example.".parse().unwrap();
        let mut b = ZoneBuilder::new(origin.clone(), Class::IN, 0);
        assert!(b.add(&records(&["x.other. A 192.0.2.1"])[0]).is_err());
        let (zone, _) = b.finish();
        assert_eq!(zone.node_count(), 1);
        assert!(zone.apex().flags.apex);
    }
}
