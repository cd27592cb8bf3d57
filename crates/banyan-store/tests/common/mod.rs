//! Scenarios run against every backend (SQLite here, PostgreSQL when one is given).
#![allow(clippy::unwrap_used, dead_code)]

use banyan_store::{Store, StoreError, ZoneKind};
use banyan_wire::{Name, Record};
use banyan_zone::ZoneDiff;

/// One record in presentation form with an absolute owner.
pub fn rec(line: &str) -> Record {
    Record::from_text(line, None, None).unwrap_or_else(|e| panic!("test record {line:?}: {e}"))
}

/// The zone's SOA with `serial`.
pub fn soa(zone: &str, serial: u32) -> Record {
    rec(&format!(
        "{zone} 3600 IN SOA ns.{zone} host.{zone} {serial} 7200 3600 1209600 300"
    ))
}

pub fn name(text: &str) -> Name {
    text.parse().unwrap()
}

/// Records as a sorted list of presentation lines, to compare sets (the store keeps no order).
pub fn lines(records: &[Record]) -> Vec<String> {
    let mut v: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    v.sort();
    v
}

/// The records of `zone` now, sorted.
pub async fn loaded(store: &Store, zone: &Name) -> Vec<String> {
    lines(&store.load(zone).await.unwrap().expect("zone stored").records)
}

/// A zone with one record of many types, RFC 3597 form included.
pub fn many_types(zone: &str) -> Vec<Record> {
    [
        format!("{zone} 3600 IN SOA ns.{zone} host.{zone} 1 7200 3600 1209600 300"),
        format!("{zone} 3600 IN NS ns.{zone}"),
        format!("{zone} 3600 IN NS ns.elsewhere.example."),
        format!("{zone} 3600 IN MX 10 mail.{zone}"),
        format!("{zone} 300 IN TXT \"v=spf1 -all\" \"second string\" \"\" \"with \\\"quotes\\\"\""),
        format!("ns.{zone} 3600 IN A 192.0.2.53"),
        format!("ns.{zone} 3600 IN AAAA 2001:db8::53"),
        format!("WWW.{zone} 60 IN A 192.0.2.80"),
        format!("www.{zone} 60 IN A 192.0.2.81"),
        format!("_sip._tcp.{zone} 3600 IN SRV 10 60 5060 sip.{zone}"),
        format!("{zone} 3600 IN CAA 0 issue \"ca.example\""),
        format!("alias.{zone} 3600 IN CNAME www.{zone}"),
        format!("sub.{zone} 3600 IN DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"),
        format!("odd\\.label.{zone} 3600 IN TXT \"dot in a label\""),
        format!("*.wild.{zone} 3600 IN A 192.0.2.9"),
        format!("opaque.{zone} 3600 IN TYPE731 \\# 6 abcdef012345"),
        format!("empty.{zone} 3600 IN TYPE65000 \\# 0"),
        format!("generic.{zone} 3600 IN A \\# 4 c0000201"),
    ]
    .iter()
    .map(|l| rec(l))
    .collect()
}

/// replace → load returns the same records; zones/info/set_refreshed/delete.
pub async fn round_trip(store: &Store, zone: &str) {
    let apex = name(zone);
    store.delete(&apex).await.unwrap();
    let records = many_types(zone);
    let mut with_dup = records.clone();
    with_dup.push(rec(&format!("www.{zone} 999 IN A 192.0.2.81"))); // same record, other TTL
    store.replace(&apex, ZoneKind::Managed, &with_dup, 1_000).await.unwrap();

    let stored = store.load(&apex).await.unwrap().expect("stored");
    assert_eq!(stored.info.name, apex);
    assert_eq!(stored.info.kind, ZoneKind::Managed);
    assert_eq!(stored.info.serial, 1);
    assert_eq!(stored.info.updated, 1_000);
    assert_eq!(stored.info.refreshed, None);
    assert_eq!(lines(&stored.records), lines(&records), "the duplicate is stored once");
    // Exact round trip, record by record (RData equality, owner case kept).
    for r in &records {
        let back = stored
            .records
            .iter()
            .find(|s| s.to_string() == r.to_string())
            .unwrap_or_else(|| panic!("{r} lost"));
        assert_eq!(back, r);
        assert_eq!(back.name.as_wire(), r.name.as_wire(), "owner case kept");
    }
    assert_eq!(store.info(&apex).await.unwrap(), Some(stored.info.clone()));
    assert_eq!(
        store.info(&name(&zone.to_uppercase())).await.unwrap(),
        Some(stored.info.clone())
    );

    // A second replace: the old records go, kind and serial follow.
    let v2 = vec![
        soa(zone, 7),
        rec(&format!("{zone} 3600 IN NS ns.{zone}")),
        rec(&format!("new.{zone} 3600 IN A 192.0.2.7")),
    ];
    store.replace(&apex, ZoneKind::Secondary, &v2, 2_000).await.unwrap();
    let info = store.info(&apex).await.unwrap().unwrap();
    assert_eq!((info.kind, info.serial, info.updated), (ZoneKind::Secondary, 7, 2_000));
    assert_eq!(loaded(store, &apex).await, lines(&v2));

    store.set_refreshed(&apex, 2_500).await.unwrap();
    assert_eq!(store.info(&apex).await.unwrap().unwrap().refreshed, Some(2_500));

    // Listed in canonical order with another zone.
    let other = format!("a.{zone}");
    let other_apex = name(&other);
    store
        .replace(&other_apex, ZoneKind::Managed, &[soa(&other, 3)], 3_000)
        .await
        .unwrap();
    let listed: Vec<Name> = store
        .zones()
        .await
        .unwrap()
        .into_iter()
        .map(|z| z.name)
        .filter(|n| n.is_subdomain_of(&apex))
        .collect();
    assert_eq!(listed, vec![apex.clone(), other_apex.clone()]);

    assert!(store.delete(&other_apex).await.unwrap());
    assert!(!store.delete(&other_apex).await.unwrap());
    assert_eq!(store.load(&other_apex).await.unwrap(), None);
    assert!(matches!(
        store.set_refreshed(&other_apex, 1).await,
        Err(StoreError::NoSuchZone(_))
    ));
    assert!(store.delete(&apex).await.unwrap());
    assert_eq!(store.info(&apex).await.unwrap(), None);
}

/// Input that is not a zone is refused and writes nothing.
pub async fn refuses_bad_input(store: &Store, zone: &str) {
    let apex = name(zone);
    store.delete(&apex).await.unwrap();
    let ns = rec(&format!("{zone} 3600 IN NS ns.{zone}"));
    let bad: Vec<(&str, Vec<Record>)> = vec![
        ("no SOA", vec![ns.clone()]),
        ("two SOAs", vec![soa(zone, 1), soa(zone, 2)]),
        (
            "SOA below the apex",
            vec![rec(&format!("x.{zone} 3600 IN SOA ns. host. 1 2 3 4 5"))],
        ),
        (
            "outside",
            vec![soa(zone, 1), rec("www.other.example. 300 IN A 192.0.2.1")],
        ),
        (
            "other class",
            vec![soa(zone, 1), rec(&format!("x.{zone} 300 CH TXT \"x\""))],
        ),
    ];
    for (what, records) in bad {
        let r = store.replace(&apex, ZoneKind::Managed, &records, 1).await;
        assert!(matches!(r, Err(StoreError::Invalid { .. })), "{what}: {r:?}");
        assert_eq!(store.info(&apex).await.unwrap(), None, "{what}");
    }

    let d = ZoneDiff {
        removed: vec![soa(zone, 1)],
        added: vec![soa(zone, 2)],
    };
    assert!(matches!(
        store.apply(&apex, &d, 1).await,
        Err(StoreError::NoSuchZone(_))
    ));
    assert!(matches!(store.history(&apex, 1).await, Err(StoreError::NoSuchZone(_))));
    assert!(matches!(store.journal(&apex).await, Err(StoreError::NoSuchZone(_))));

    store
        .replace(&apex, ZoneKind::Managed, &[soa(zone, 1), ns.clone()], 1)
        .await
        .unwrap();
    let bad_diffs = [
        (
            "no old SOA",
            ZoneDiff {
                removed: vec![],
                added: vec![soa(zone, 2)],
            },
        ),
        (
            "no new SOA",
            ZoneDiff {
                removed: vec![soa(zone, 1)],
                added: vec![ns.clone()],
            },
        ),
        (
            "same serial",
            ZoneDiff {
                removed: vec![soa(zone, 1)],
                added: vec![soa(zone, 1)],
            },
        ),
        (
            "outside",
            ZoneDiff {
                removed: vec![soa(zone, 1)],
                added: vec![soa(zone, 2), rec("a.other.example. 1 IN A 192.0.2.1")],
            },
        ),
    ];
    for (what, d) in bad_diffs {
        let r = store.apply(&apex, &d, 5).await;
        assert!(matches!(r, Err(StoreError::Invalid { .. })), "{what}: {r:?}");
    }
    let info = store.info(&apex).await.unwrap().unwrap();
    assert_eq!((info.serial, info.updated), (1, 1));
    assert!(store.journal(&apex).await.unwrap().is_empty());
    store.delete(&apex).await.unwrap();
}

/// apply with the serial check, history for current/middle/too-old serials, trim, journal.
pub async fn apply_and_history(store: &Store, zone: &str) {
    let apex = name(zone);
    store.delete(&apex).await.unwrap();
    // `at("www", "300 IN A …")` is the record `www.ZONE 300 IN A …`.
    let at = |owner: &str, rest: &str| rec(&format!("{owner}.{zone} {rest}"));
    let v1 = vec![
        soa(zone, 1),
        rec(&format!("{zone} 3600 IN NS ns.{zone}")),
        at("ns", "3600 IN A 192.0.2.53"),
        at("www", "300 IN A 192.0.2.1"),
    ];
    store.replace(&apex, ZoneKind::Managed, &v1, 10).await.unwrap();
    assert_eq!(store.history(&apex, 1).await.unwrap(), Some(vec![]));

    let d1 = ZoneDiff {
        removed: vec![soa(zone, 1), at("www", "300 IN A 192.0.2.1")],
        added: vec![
            soa(zone, 2),
            at("www", "300 IN A 192.0.2.2"),
            at("txt", "300 IN TXT \"version two\" \"second\""),
        ],
    };
    let d2 = ZoneDiff {
        removed: vec![soa(zone, 2), at("TXT", "300 IN TXT \"version two\" \"second\"")],
        added: vec![soa(zone, 3), at("mail", "300 IN MX 5 mx.example.net.")],
    };
    // A TTL change: the record goes and comes back.
    let d3 = ZoneDiff {
        removed: vec![soa(zone, 3), at("ns", "3600 IN A 192.0.2.53")],
        added: vec![soa(zone, 4), at("ns", "60 IN A 192.0.2.53")],
    };
    store.apply(&apex, &d1, 20).await.unwrap();
    store.apply(&apex, &d2, 30).await.unwrap();
    store.apply(&apex, &d3, 40).await.unwrap();
    let v4 = vec![
        soa(zone, 4),
        rec(&format!("{zone} 3600 IN NS ns.{zone}")),
        at("ns", "60 IN A 192.0.2.53"),
        at("www", "300 IN A 192.0.2.2"),
        at("mail", "300 IN MX 5 mx.example.net."),
    ];
    assert_eq!(loaded(store, &apex).await, lines(&v4));
    let info = store.info(&apex).await.unwrap().unwrap();
    assert_eq!((info.serial, info.updated), (4, 40));

    // A change made against an older version: refused, nothing written.
    let stale = ZoneDiff {
        removed: vec![soa(zone, 2)],
        added: vec![soa(zone, 5), at("late", "1 IN A 192.0.2.99")],
    };
    match store.apply(&apex, &stale, 50).await {
        Err(StoreError::SerialMismatch {
            zone: z,
            expected,
            found,
        }) => {
            assert_eq!((z, expected, found), (apex.clone(), 2, 4));
        }
        other => panic!("expected SerialMismatch, got {other:?}"),
    }
    // Removing a record that is not there: refused, rolled back (the SOA removal too).
    let missing = ZoneDiff {
        removed: vec![soa(zone, 4), at("nothere", "300 IN A 192.0.2.1")],
        added: vec![soa(zone, 5)],
    };
    assert!(matches!(
        store.apply(&apex, &missing, 50).await,
        Err(StoreError::Corrupt { .. })
    ));
    assert_eq!(loaded(store, &apex).await, lines(&v4));
    let info = store.info(&apex).await.unwrap().unwrap();
    assert_eq!((info.serial, info.updated), (4, 40));

    // History: exact lists, SOA first, in order.
    let all = vec![d1.clone(), d2.clone(), d3.clone()];
    assert_eq!(store.journal(&apex).await.unwrap(), all);
    assert_eq!(store.history(&apex, 4).await.unwrap(), Some(vec![]));
    assert_eq!(store.history(&apex, 1).await.unwrap(), Some(all.clone()));
    assert_eq!(store.history(&apex, 3).await.unwrap(), Some(vec![d3.clone()]));
    assert_eq!(store.history(&apex, 99).await.unwrap(), None);
    let back = store.history(&apex, 2).await.unwrap().unwrap();
    assert_eq!(back, vec![d2.clone(), d3.clone()]);
    assert_eq!(
        back[0].removed[1].name.as_wire(),
        d2.removed[1].name.as_wire(),
        "owner case kept"
    );

    // Replaying the journal over version 1 gives the current version.
    let mut replay = v1.clone();
    for d in store.journal(&apex).await.unwrap() {
        for gone in &d.removed {
            let i = replay
                .iter()
                .position(|x| x.name == gone.name && x.data == gone.data)
                .expect("removed record present");
            replay.remove(i);
        }
        replay.extend(d.added.iter().cloned());
    }
    assert_eq!(lines(&replay), loaded(store, &apex).await);

    store.trim_history(&apex, 5).await.unwrap();
    assert_eq!(store.journal(&apex).await.unwrap().len(), 3);
    store.trim_history(&apex, 2).await.unwrap();
    assert_eq!(store.journal(&apex).await.unwrap(), vec![d2.clone(), d3.clone()]);
    assert_eq!(store.history(&apex, 1).await.unwrap(), None, "trimmed away");
    assert_eq!(
        store.history(&apex, 2).await.unwrap(),
        Some(vec![d2.clone(), d3.clone()])
    );

    // Numbering goes on after a trim.
    let d4 = ZoneDiff {
        removed: vec![soa(zone, 4)],
        added: vec![soa(zone, 5), at("five", "300 IN A 192.0.2.5")],
    };
    store.apply(&apex, &d4, 60).await.unwrap();
    assert_eq!(
        store.history(&apex, 3).await.unwrap(),
        Some(vec![d3.clone(), d4.clone()])
    );
    store.trim_history(&apex, 0).await.unwrap();
    assert!(store.journal(&apex).await.unwrap().is_empty());
    assert_eq!(store.history(&apex, 5).await.unwrap(), Some(vec![]));
    assert_eq!(store.history(&apex, 4).await.unwrap(), None);

    // Adding a record already there replaces it (TTL updated), not a duplicate.
    let d5 = ZoneDiff {
        removed: vec![soa(zone, 5)],
        added: vec![soa(zone, 6), at("five", "30 IN A 192.0.2.5")],
    };
    store.apply(&apex, &d5, 70).await.unwrap();
    let now = loaded(store, &apex).await;
    assert_eq!(now.iter().filter(|l| l.ends_with("\t192.0.2.5")).count(), 1);
    assert!(now.iter().any(|l| l.contains("\t30\tIN\tA\t192.0.2.5")));

    // A replace clears the history: it no longer leads to the stored version.
    store.replace(&apex, ZoneKind::Managed, &v4, 80).await.unwrap();
    assert!(store.journal(&apex).await.unwrap().is_empty());
    assert_eq!(store.history(&apex, 5).await.unwrap(), None);
    assert!(store.delete(&apex).await.unwrap());
}

/// Writers racing on one zone: of the changes made against one version exactly one applies;
/// changes retried on a mismatch all land, in a chain with no gap.
pub async fn concurrent_writers(stores: &[Store], zone: &str) {
    let apex = name(zone);
    let first = &stores[0];
    first.delete(&apex).await.unwrap();
    first
        .replace(&apex, ZoneKind::Managed, &[soa(zone, 1)], 0)
        .await
        .unwrap();

    let mut tasks = Vec::new();
    for (i, store) in stores.iter().cycle().take(6).enumerate() {
        let (store, apex, zone) = (store.clone(), apex.clone(), zone.to_string());
        tasks.push(tokio::spawn(async move {
            let d = ZoneDiff {
                removed: vec![soa(&zone, 1)],
                added: vec![soa(&zone, 2), rec(&format!("w{i}.{zone} 300 IN A 192.0.2.{i}"))],
            };
            store.apply(&apex, &d, 1).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::SerialMismatch {
                expected: 1, found: 2, ..
            }) => {}
            Err(e) => panic!("unexpected error under contention: {e}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(first.journal(&apex).await.unwrap().len(), 1);

    // Each writer adds its own records, rereading the serial when it lost a race.
    const PER_WRITER: usize = 5;
    let mut tasks = Vec::new();
    for (w, store) in stores.iter().cycle().take(4).enumerate() {
        let (store, apex, zone) = (store.clone(), apex.clone(), zone.to_string());
        tasks.push(tokio::spawn(async move {
            let mut done = 0;
            while done < PER_WRITER {
                let serial = store.info(&apex).await.unwrap().unwrap().serial;
                let d = ZoneDiff {
                    removed: vec![soa(&zone, serial)],
                    added: vec![
                        soa(&zone, serial + 1),
                        rec(&format!("x{done}.w{w}.{zone} 300 IN TXT \"{w} {done}\"")),
                    ],
                };
                match store.apply(&apex, &d, 2).await {
                    Ok(()) => done += 1,
                    Err(StoreError::SerialMismatch { .. }) => {}
                    Err(e) => panic!("unexpected error under contention: {e}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let total = 4 * PER_WRITER as u32;
    let info = first.info(&apex).await.unwrap().unwrap();
    assert_eq!(info.serial, 2 + total);
    let journal = first.journal(&apex).await.unwrap();
    assert_eq!(journal.len(), 1 + total as usize);
    let records = first.load(&apex).await.unwrap().unwrap().records;
    assert_eq!(records.len(), 2 + total as usize, "SOA, the race winner's A, every TXT");
    assert!(first.delete(&apex).await.unwrap());
}
