//! Publishing a TLD's zone into the zone store: created whole the first time, then one
//! stored change per publication that changed something (what IXFR sends), nothing when only
//! the serial would move.

#[macro_use]
mod common;

use banyan_registry::{DomainUpdate, Published};
use banyan_store::Store;
use banyan_wire::{RData, Record, RecordType};
use common::*;

on_each_backend!(tld_zone_published_into_the_store);

fn apex() -> Vec<Record> {
    [
        "test. 86400 IN SOA ns.nic.test. hostmaster.nic.test. 1 1800 900 604800 86400",
        "test. 86400 IN NS ns.nic.test.",
        "ns.nic.test. 86400 IN A 192.0.2.250",
    ]
    .iter()
    .map(|l| Record::from_text(l, None, None).unwrap_or_else(|e| panic!("{l}: {e}")))
    .collect()
}

async fn tld_zone_published_into_the_store(db: Db) {
    let env = Env::new(db).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_data_dir(dir.path()).await.expect("store");
    let tld = n("test.");
    env.domain(&env.a, "alpha.test.", T0).await;
    env.host(&env.a, "ns1.alpha.test.", &["192.0.2.1"]).await;
    let upd = DomainUpdate {
        add_ns: vec![n("ns1.alpha.test.")],
        ..DomainUpdate::default()
    };
    ok(env.reg.update_domain(&env.a, &n("alpha.test."), &upd, T0).await);

    let first = env.reg.publish_tld(&tld, &apex(), &store, T0).await.expect("publish");
    let Published::Created(s1) = first else {
        panic!("first publication creates the zone: {first:?}");
    };
    let stored = store.load(&tld).await.expect("load").expect("stored");
    assert_eq!(stored.info.serial, s1);
    let ns_of_alpha = |records: &[Record]| {
        records
            .iter()
            .filter(|r| r.name == n("alpha.test.") && r.rtype() == RecordType::NS)
            .map(|r| match &r.data {
                RData::NS(ns) => ns.to_string(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(ns_of_alpha(&stored.records), ["ns1.alpha.test."]);

    // Nothing registered changed: nothing written.
    let again = env
        .reg
        .publish_tld(&tld, &apex(), &store, T0 + 60)
        .await
        .expect("publish");
    assert_eq!(again, Published::Unchanged);
    assert_eq!(store.load(&tld).await.expect("load").expect("stored").info.serial, s1);

    // A delegation changes: one stored change, from s1, that IXFR can send.
    env.host(&env.a, "ns2.alpha.test.", &["192.0.2.2"]).await;
    let upd = DomainUpdate {
        add_ns: vec![n("ns2.alpha.test.")],
        ..DomainUpdate::default()
    };
    ok(env.reg.update_domain(&env.a, &n("alpha.test."), &upd, T0 + 120).await);
    let third = env
        .reg
        .publish_tld(&tld, &apex(), &store, T0 + 120)
        .await
        .expect("publish");
    let Published::Changed(s2) = third else {
        panic!("a changed delegation is a new version: {third:?}");
    };
    assert!(banyan_zone::serial_gt(s2, s1));
    let stored = store.load(&tld).await.expect("load").expect("stored");
    assert_eq!(stored.info.serial, s2);
    assert_eq!(ns_of_alpha(&stored.records), ["ns1.alpha.test.", "ns2.alpha.test."]);
    let history = store.history(&tld, s1).await.expect("history").expect("reaches back");
    assert_eq!(history.len(), 1);
    let added: Vec<String> = history[0].added.iter().map(|r| r.to_string()).collect();
    assert!(added.iter().any(|r| r.contains("ns2.alpha.test.")), "{added:?}");
    assert!(history[0].removed.iter().all(|r| r.rtype() == RecordType::SOA));
}
