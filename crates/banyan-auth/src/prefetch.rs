//! Warming the caches for a batch of queries before answering it: the UDP workers answer up
//! to a `recvmmsg` batch at a time, and in a zone far larger than the CPU caches each lookup
//! waits on a few dependent memory reads. [`prefetch`] issues those reads for the whole batch
//! first ([`banyan_zone::prefetch`]), so that the answers that follow find them in cache.
//! A hint only: what it reads changes nothing, and [`respond`](crate::respond) decides
//! everything as without it.

use banyan_wire::header::HEADER_LEN;
use banyan_wire::{Header, NameBuf, Opcode};
use banyan_zone::prefetch::Prefetch;

use crate::Catalog;

/// Below this many nodes in all (about 120 octets a node: entry, index slots, RRsets; about a
/// megabyte at this count) the zones stay in the CPU's caches under load, and prefetching
/// would only repeat work: parsing each question and hashing its name a second time cost a
/// fifth more time per query in `answer/1600` of `benches/answer.rs` (see `bench/README.md`).
pub const PREFETCH_MIN_NODES: usize = 8192;

/// Loads what answering each of `queries` from `catalog` will read first, when the catalog
/// holds at least [`PREFETCH_MIN_NODES`] nodes, and returns how many questions were
/// prefetched. Queries that are not plain single-question queries, or whose name is in no
/// zone, are passed over, as is every query past [`Prefetch::CAPACITY`].
pub fn prefetch<'q>(catalog: &Catalog, queries: impl IntoIterator<Item = &'q [u8]>) -> usize {
    if catalog.node_count() < PREFETCH_MIN_NODES {
        return 0;
    }
    let mut batch = Prefetch::new();
    for query in queries.into_iter().take(Prefetch::CAPACITY) {
        let Some(header) = Header::parse(query) else {
            continue;
        };
        if header.qr || header.opcode() != Opcode::QUERY || header.qdcount != 1 {
            continue;
        }
        // The question's name follows the header (RFC 1035 §4.1).
        let Ok(name) = NameBuf::from_message(query, HEADER_LEN) else {
            continue;
        };
        if let Some(zone) = catalog.find(&name) {
            batch.add(zone, &name);
        }
    }
    batch.run();
    batch.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use banyan_wire::message::MessageBuilder;
    use banyan_wire::{Class, Name, RecordType};
    use banyan_zone::{parse_str, ParseOptions, Zone};
    use std::path::Path;

    fn big_catalog() -> Catalog {
        let origin: Name = "example.".parse().unwrap();
        let opts = ParseOptions {
            origin: Some(origin.clone()),
            default_ttl: Some(300),
            ..ParseOptions::default()
        };
        let mut text = String::from("@ SOA ns host 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n");
        for i in 0..PREFETCH_MIN_NODES {
            text.push_str(&format!("host{i} A 192.0.2.2\n"));
        }
        let mut z = Zone::new(origin, Class::IN);
        assert!(parse_str(&text, Path::new("t"), &opts, &mut |r| {
            z.insert(&r).unwrap();
        })
        .is_ok());
        z.finish();
        Catalog::new(vec![z])
    }

    fn query(name: &str) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(&mut buf, Header::default());
        b.question(&name.parse::<Name>().unwrap(), RecordType::A, Class::IN)
            .unwrap();
        b.finish();
        buf
    }

    /// Plain queries for names in a zone are prefetched, up to a batch's capacity; whatever
    /// else arrives is passed over without panicking: cut-off headers and names, responses,
    /// other opcodes, question counts other than one, compression pointers (to themselves,
    /// past the end), over-long labels, names in no zone.
    #[test]
    fn any_datagram_is_passed_over_or_prefetched() {
        let catalog = big_catalog();
        let good = query("HOST7.example.");
        let header = &good[..HEADER_LEN];
        let with_name = |name: &[u8]| [header, name, &[0, 1, 0, 1]].concat();
        let mut response = good.clone();
        response[2] |= 0x80;
        let mut notify = good.clone();
        notify[2] |= 4 << 3;
        let mut two = good.clone();
        two[5] = 2;
        let mut none = good.clone();
        none[5] = 0;
        let junk: Vec<Vec<u8>> = vec![
            Vec::new(),
            good[..11].to_vec(),
            good[..14].to_vec(),
            response,
            notify,
            two,
            none,
            with_name(&[0xC0, 12]),
            with_name(&[0xC0, 0xFF]),
            with_name(&[64, b'a']),
            with_name(&[4, b'h', b'o']),
            query("host7.example.org."),
        ];
        assert_eq!(prefetch(&catalog, [good.as_slice()]), 1);
        // A name the zone does not have is prefetched too: its probe is what finding it
        // absent reads.
        assert_eq!(prefetch(&catalog, [query("nx.example.").as_slice()]), 1);
        for (i, q) in junk.iter().enumerate() {
            assert_eq!(prefetch(&catalog, [q.as_slice()]), 0, "junk {i}");
        }
        let mixed = junk.iter().chain([&good, &good]).map(Vec::as_slice);
        assert_eq!(prefetch(&catalog, mixed), 2);
        let many = std::iter::repeat_n(good.as_slice(), 3 * Prefetch::CAPACITY);
        assert_eq!(prefetch(&catalog, many), Prefetch::CAPACITY);
    }

    /// A catalog small enough to stay in cache is not prefetched at all.
    #[test]
    fn small_catalogs_are_not_prefetched() {
        let origin: Name = "example.".parse().unwrap();
        let mut z = Zone::new(origin.clone(), Class::IN);
        z.insert(&banyan_wire::Record::from_text("www 60 IN A 192.0.2.1", Some(&origin), None).unwrap())
            .unwrap();
        z.finish();
        let catalog = Catalog::new(vec![z]);
        assert_eq!(prefetch(&catalog, [query("www.example.").as_slice()]), 0);
    }
}
