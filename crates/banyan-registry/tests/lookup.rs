//! The public lookups RDAP and WHOIS answer from: no registrar needed, full data, purged
//! domains gone, redemption still shown, searches limited and truncation reported.

#[macro_use]
mod common;
mod publishing;

use banyan_registry::lookup::DomainPattern;
use banyan_registry::{ContactType, RgpStatus, Status};
use common::*;
use publishing::*;

on_each_backend!(lookups_need_no_registrar, rfc9082_section_4_1_searches_are_limited);

fn pattern(s: &str) -> DomainPattern {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

async fn lookups_need_no_registrar(db: Db) {
    let env = world(db).await;
    let r = &env.reg;

    let d = ok(r.lookup_domain(&n("EXAMPLE.test."), NOW).await).unwrap_or_else(|| panic!("example.test"));
    assert_eq!(d.name, n("example.test."));
    assert_eq!(d.registrant.as_deref(), Some("jd-1"));
    assert_eq!(
        d.contacts,
        vec![
            (ContactType::Admin, "pub-1".to_string()),
            (ContactType::Tech, "pub-1".to_string())
        ]
    );
    assert_eq!(d.ns.len(), 2);
    assert_eq!(d.hosts, vec![n("ns1.example.test.")]);
    assert_eq!(d.ds, vec![ds(12345)]);
    assert!(d.authorized);

    let record = ok(r.lookup_domain_record(&n("example.test."), NOW).await).unwrap_or_else(|| panic!("record"));
    assert_eq!(record.domain, d);
    assert_eq!(
        record.nameservers.iter().map(|h| h.name.clone()).collect::<Vec<_>>(),
        d.ns
    );
    assert_eq!(
        record.contacts.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["jd-1", "pub-1"]
    );
    assert_eq!(record.registrar.as_ref().map(|r| r.name.as_str()), Some("Registrar A"));

    let gone = ok(r.lookup_domain(&n("gone.test."), NOW).await).unwrap_or_else(|| panic!("gone.test"));
    assert!(gone.statuses.contains(&Status::PendingDelete));
    assert_eq!(gone.rgp_statuses, vec![RgpStatus::RedemptionPeriod]);
    assert_eq!(ok(r.lookup_domain(&n("purged.test."), NOW).await), None);
    assert_eq!(ok(r.lookup_domain(&n("unknown.test."), NOW).await), None);
    assert_eq!(ok(r.lookup_domain_record(&n("unknown.test."), NOW).await), None);

    let host = ok(r.lookup_host(&n("ns1.example.test.")).await).unwrap_or_else(|| panic!("host"));
    assert_eq!(host.addrs, vec![ip("192.0.2.1"), ip("2001:db8::1")]);
    assert_eq!(ok(r.lookup_host(&n("ns9.example.test.")).await), None);

    let c = ok(r.lookup_contact("jd-1").await).unwrap_or_else(|| panic!("jd-1"));
    assert_eq!(c.email.as_deref(), Some("jdoe@example.test"));
    assert!(c.published().email.is_redacted());
    assert_eq!(ok(r.lookup_contact("nobody").await), None);

    let rar = ok(r.lookup_registrar("rar-a").await).unwrap_or_else(|| panic!("rar-a"));
    assert_eq!(rar.name, "Registrar A");
    assert_eq!(ok(r.lookup_registrar("rar-z").await), None);
}

async fn rfc9082_section_4_1_searches_are_limited(db: Db) {
    let env = world(db).await;
    let r = &env.reg;
    let names =
        |s: &banyan_registry::lookup::DomainSearch| s.domains.iter().map(|d| d.name.to_string()).collect::<Vec<_>>();

    let all = ok(r.search_domains(&pattern("exa*"), None, 10, NOW).await);
    assert_eq!(
        names(&all),
        [
            "exa1.test.",
            "exa2.test.",
            "exa3.test.",
            "example.co.uk.",
            "example.test."
        ]
    );
    assert!(!all.truncated);
    let two = ok(r.search_domains(&pattern("exa*"), None, 2, NOW).await);
    assert_eq!(names(&two), ["exa1.test.", "exa2.test."]);
    assert!(two.truncated);
    let exact = ok(r.search_domains(&pattern("exa3.test"), None, 1, NOW).await);
    assert_eq!(names(&exact), ["exa3.test."]);
    assert!(!exact.truncated);
    let uk = ok(r.search_domains(&pattern("e*.co.uk"), None, 10, NOW).await);
    assert_eq!(names(&uk), ["example.co.uk."]);
    let none = ok(r.search_domains(&pattern("purged*"), None, 10, NOW).await);
    assert!(none.domains.is_empty() && !none.truncated);
}
