//! The TLD zone built from the registry: apex, NS per delegated domain, DS (RFC 5910), glue
//! for name servers inside the TLD, and what is left out.

#[macro_use]
mod common;

use banyan_registry::time::DAY;
use banyan_registry::{DomainUpdate, Status};
use banyan_wire::{RData, Record};
use common::*;

on_each_backend!(tld_zone_holds_delegations_ds_and_glue, tld_zone_serials);

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

fn lines(zone: &[Record]) -> Vec<String> {
    zone.iter().map(|r| r.to_string().replace('\t', " ")).collect()
}

async fn delegate(env: &Env, by: &banyan_registry::RegistrarId, name: &str, ns: &[&str]) {
    env.domain(by, name, T0).await;
    let upd = DomainUpdate {
        add_ns: ns.iter().map(|h| n(h)).collect(),
        ..DomainUpdate::default()
    };
    ok(env.reg.update_domain(by, &n(name), &upd, T0).await);
}

async fn tld_zone_holds_delegations_ds_and_glue(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    env.domain(&env.a, "alpha.test.", T0).await;
    env.host(&env.a, "ns1.alpha.test.", &["192.0.2.1", "2001:db8::1"]).await;
    env.host(&env.a, "ns.example.net.", &[]).await;
    env.host(&env.a, "unused.alpha.test.", &["192.0.2.99"]).await;
    let upd = DomainUpdate {
        add_ns: vec![n("ns1.alpha.test."), n("ns.example.net.")],
        ds_add: vec![ds(4242)],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &n("alpha.test."), &upd, T0).await);
    delegate(&env, &env.b, "beta.test.", &["ns1.alpha.test."]).await;
    delegate(&env, &env.b, "held.test.", &["ns.example.net."]).await;
    delegate(&env, &env.a, "served.test.", &["ns.example.net."]).await;
    delegate(&env, &env.a, "uk.co.uk.", &["ns1.alpha.test."]).await;
    env.domain(&env.a, "bare.test.", T0).await;
    env.domain(&env.a, "deleted.test.", T0).await;
    let del = DomainUpdate {
        add_ns: vec![n("ns.example.net.")],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &n("deleted.test."), &del, T0).await);
    ok(r.delete_domain(&env.a, &n("deleted.test."), T0 + 10 * DAY).await);
    let hold = DomainUpdate {
        add_statuses: vec![Status::ClientHold],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.b, &n("held.test."), &hold, T0).await);
    ok(
        r.set_server_statuses(&n("served.test."), &[Status::ServerHold], &[], T0)
            .await,
    );

    let zone = ok(r.tld_zone(&n("test."), &apex(), Some(2024010101), T0 + 10 * DAY).await);
    let digest = "92".repeat(32).to_uppercase();
    assert_eq!(
        lines(&zone),
        vec![
            "test. 86400 IN SOA ns.nic.test. hostmaster.nic.test. 2024010101 1800 900 604800 86400".to_string(),
            "test. 86400 IN NS ns.nic.test.".to_string(),
            "alpha.test. 3600 IN NS ns.example.net.".to_string(),
            "alpha.test. 3600 IN NS ns1.alpha.test.".to_string(),
            format!("alpha.test. 3600 IN DS 4242 13 2 {digest}"),
            "ns1.alpha.test. 3600 IN A 192.0.2.1".to_string(),
            "ns1.alpha.test. 3600 IN AAAA 2001:db8::1".to_string(),
            "beta.test. 3600 IN NS ns1.alpha.test.".to_string(),
            "ns.nic.test. 86400 IN A 192.0.2.250".to_string(),
        ]
    );

    // The hold lifted, the domain is back.
    let unhold = DomainUpdate {
        rem_statuses: vec![Status::ClientHold],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.b, &n("held.test."), &unhold, T0).await);
    let zone = ok(r.tld_zone(&n("test."), &apex(), Some(2), T0 + 10 * DAY).await);
    assert!(zone
        .iter()
        .any(|rec| rec.name == n("held.test.") && rec.data == RData::NS(n("ns.example.net."))));

    // The other TLD: its own delegations, glue in test. is not its business.
    let uk = ok(r.tld_zone(&n("co.uk."), &[], None, T0).await);
    assert_eq!(lines(&uk), vec!["uk.co.uk. 3600 IN NS ns1.alpha.test.".to_string()]);
    assert_eq!(code(r.tld_zone(&n("nope."), &[], None, T0).await), 2303);
}

async fn tld_zone_serials(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let serial = |zone: &[Record]| {
        zone.iter()
            .find_map(|rec| match &rec.data {
                RData::SOA(s) => Some(s.serial),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no SOA"))
    };
    // None: the clock, or one more than last time when that is larger.
    let z = ok(r.tld_zone(&n("test."), &apex(), None, 1_000).await);
    assert_eq!(serial(&z), 1_000);
    let z = ok(r.tld_zone(&n("test."), &apex(), None, 1_000).await);
    assert_eq!(serial(&z), 1_001);
    let z = ok(r.tld_zone(&n("test."), &apex(), None, 5_000).await);
    assert_eq!(serial(&z), 5_000);
    let z = ok(r.tld_zone(&n("test."), &apex(), Some(9_000), 5_000).await);
    assert_eq!(serial(&z), 9_000);
    let z = ok(r.tld_zone(&n("test."), &apex(), None, 5_000).await);
    assert_eq!(serial(&z), 9_001);
}
