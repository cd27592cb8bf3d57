//! Bringing into the CPU caches, for a batch of questions, what their lookups will read.
//!
//! In a zone far larger than the caches (a TLD's, the 1M-name bench zone) an exact lookup
//! waits on three dependent memory reads: the index slot, the node's entry, its RRsets. One
//! lookup after another, the batch waits on them in turn: about a third of the time spent
//! answering from the 100k-name zone in process (`cargo bench -p banyan-auth --bench answer`,
//! profiled). Reading the first of them for the whole batch, then the second, then the third,
//! each in a short loop of independent loads that the CPU keeps in flight together, waits
//! once per stage instead of once per question. Nothing is decided here: a lookup that then
//! misses (a name that is not in the zone, a wildcard) only loses the few loads made for it.
//!
//! Plain loads, whose values go to [`std::hint::black_box`] so that they are not optimised
//! away, stand in for prefetch instructions (which stable Rust offers only as `unsafe`). Were
//! a compiler to drop them anyway, only the speed would be lost.
//!
//! What it saves is measured by `cargo bench -p banyan-auth --bench answer` (with and without
//! `NO_PREFETCH`) and recorded in `bench/README.md`.

use std::hint::black_box;

use banyan_wire::WireName;

use crate::zone::{Key, Zone};

/// Questions of one batch (at most [`Prefetch::CAPACITY`], as many as a `recvmmsg` batch),
/// the zone each is in and its key's hash there, kept on the stack.
pub struct Prefetch<'z> {
    items: [Option<(&'z Zone, u64)>; Prefetch::CAPACITY],
    len: usize,
}

impl Default for Prefetch<'_> {
    fn default() -> Self {
        Prefetch {
            items: [None; Prefetch::CAPACITY],
            len: 0,
        }
    }
}

impl<'z> Prefetch<'z> {
    /// Questions a batch holds; more are ignored.
    pub const CAPACITY: usize = 64;

    /// An empty batch.
    pub fn new() -> Self {
        Prefetch::default()
    }

    /// How many questions the batch holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the batch holds no question.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds the question for `qname` in `zone` (which should be the zone that will answer it).
    /// A name outside the zone, or beyond the batch's capacity, adds nothing.
    pub fn add<N: WireName + ?Sized>(&mut self, zone: &'z Zone, qname: &N) {
        if self.len == Prefetch::CAPACITY || !qname.is_subdomain_of_wire(zone.origin().as_wire()) {
            return;
        }
        let hash = zone.key_hash(&Key::new(qname));
        self.items[self.len] = Some((zone, hash));
        self.len += 1;
    }

    /// Loads, stage by stage over the whole batch, each question's index slot, then its
    /// node's entry, then the node's first RRset.
    pub fn run(&self) {
        let items = &self.items[..self.len];
        for (zone, hash) in items.iter().flatten() {
            black_box(zone.node_map().first_slot(*hash));
        }
        for (zone, hash) in items.iter().flatten() {
            black_box(zone.node_map().touch_entry(*hash));
        }
        for (zone, hash) in items.iter().flatten() {
            black_box(zone.node_map().touch_rrsets(*hash));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::{parse_str, ParseOptions};
    use banyan_wire::{Class, Name};
    use std::path::Path;

    fn zone() -> Zone {
        let origin: Name = "example.".parse().unwrap();
        let opts = ParseOptions {
            origin: Some(origin.clone()),
            default_ttl: Some(3600),
            ..ParseOptions::default()
        };
        let mut z = Zone::new(origin, Class::IN);
        let text = "@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nwww 1234 A 192.0.2.2\n";
        let report = parse_str(text, Path::new("t"), &opts, &mut |r| {
            z.insert(&r).unwrap();
        });
        assert!(report.is_ok(), "{:?}", report.errors);
        z.finish();
        z
    }

    /// The hash a question is prefetched by is the one the lookup probes with, whatever the
    /// case of the question; names outside the zone and a batch past its capacity add nothing.
    #[test]
    fn questions_are_hashed_as_lookups_probe_and_bounded() {
        let z = zone();
        let mut p = Prefetch::new();
        let www: Name = "WwW.Example.".parse().unwrap();
        p.add(&z, &www);
        let other: Name = "www.example.org.".parse().unwrap();
        p.add(&z, &other);
        assert_eq!(p.len(), 1);
        // The hash finds www's own node and RRset (TTL 1234), as the lookup does.
        let hash = p.items[0].map(|(_, h)| h).unwrap();
        assert_eq!(z.node_map().touch_rrsets(hash), Some(1234));
        assert_eq!(z.node_map().touch_entry(hash), Some(1));
        // An absent name finds no entry.
        let absent = z.key_hash(&Key::new(&"nx.example.".parse::<Name>().unwrap()));
        assert_eq!(z.node_map().touch_entry(absent), None);
        for _ in 0..Prefetch::CAPACITY + 3 {
            p.add(&z, &www);
        }
        assert_eq!(p.len(), Prefetch::CAPACITY);
        p.run();
    }
}
