//! Registrars and the domain commands (RFC 5731 §3): check, info, create, update, delete,
//! renew, restore, with their error paths, fees and authorization between registrars.

#[macro_use]
mod common;

use banyan_registry::time::{add_years, DAY};
use banyan_registry::{ContactType, DomainDeleted, DomainUpdate, DsData, RestoreReport, RgpStatus, Status, TldPolicy};
use common::*;

on_each_backend!(
    registrars_log_in_and_are_credited,
    domain_create_charges_and_info_shows_everything,
    domain_create_error_paths,
    domain_info_for_other_registrars,
    domain_update_changes_and_refusals,
    domain_renew_checks_the_expiry_and_charges,
    delete_within_add_grace_refunds_and_frees_the_name,
    delete_after_add_grace_enters_redemption_and_restore_brings_it_back,
    delete_refusals,
    schema_survives_reopening,
);

async fn registrars_log_in_and_are_credited(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    assert_eq!(ok(r.login("rar-a", "secret-a").await), env.a);
    assert_eq!(code(r.login("rar-a", "secret-b").await), 2200);
    assert_eq!(code(r.login("nobody", "secret-a").await), 2200);
    assert_eq!(ok(r.credit(&env.a, 500).await), BALANCE + 500);
    assert_eq!(ok(r.credit(&env.a, -1500).await), BALANCE - 1000);
    let info = ok(r.registrar(&env.a).await);
    assert_eq!(info.name, "Registrar A");
    assert_eq!(info.tlds, vec![n("co.uk."), n("test.")]);
    ok(r.set_password(&env.a, "new-pass").await);
    assert_eq!(code(r.login("rar-a", "secret-a").await), 2200);
    assert_eq!(ok(r.login("rar-a", "new-pass").await), env.a);
    assert_eq!(
        code(r.create_registrar("rar-a", "Again", "secret-x", &[], 0).await),
        2302
    );
    assert_eq!(
        code(r.create_registrar("rar-d", "D", "secret-d", &[n("nope.")], 0).await),
        2306
    );
    assert_eq!(code(r.create_registrar("x", "D", "secret-d", &[], 0).await), 2005);
    assert_eq!(code(r.create_registrar("rar-d", "D", "123", &[], 0).await), 2005);
    assert_eq!(
        code(r.credit(&banyan_registry::RegistrarId::new("nobody"), 1).await),
        2303
    );
}

async fn domain_create_charges_and_info_shows_everything(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    env.contact(&env.a, "jd1234").await;
    env.contact(&env.a, "sh8013").await;
    env.host(&env.a, "ns1.example.net.", &[]).await;
    env.host(&env.a, "ns2.example.net.", &[]).await;
    let mut cmd = domain_create("Example.test.");
    cmd.period_years = 2;
    cmd.registrant = Some("jd1234".into());
    cmd.contacts = vec![
        (ContactType::Tech, "sh8013".into()),
        (ContactType::Admin, "sh8013".into()),
    ];
    cmd.ns = vec![n("ns2.example.net."), n("ns1.example.net.")];
    cmd.ds = vec![ds(12345)];
    cmd.max_sig_life = Some(604_800);
    let created = ok(r.create_domain(&env.a, &cmd, T0).await);
    assert_eq!(created.cr_date, T0);
    assert_eq!(created.ex_date, add_years(T0, 2));
    assert_eq!(env.balance(&env.a).await, BALANCE - 2 * CREATE);

    // Names compare without regard to case.
    let info = ok(r.info_domain(&env.a, &n("example.TEST."), None, T0 + 60).await);
    assert!(info.authorized);
    assert_eq!(info.name.to_string(), "example.test.");
    assert!(
        info.roid.starts_with('D') && info.roid.ends_with("-BANYAN"),
        "{}",
        info.roid
    );
    assert_eq!(info.statuses, vec![Status::Ok]);
    assert_eq!(info.rgp_statuses, vec![RgpStatus::AddPeriod]);
    assert_eq!(info.registrant.as_deref(), Some("jd1234"));
    assert_eq!(
        info.contacts,
        vec![
            (ContactType::Admin, "sh8013".to_string()),
            (ContactType::Tech, "sh8013".to_string())
        ]
    );
    assert_eq!(info.ns, vec![n("ns1.example.net."), n("ns2.example.net.")]);
    assert!(info.hosts.is_empty());
    assert_eq!(info.cl_id, env.a);
    assert_eq!(info.cr_id.as_ref(), Some(&env.a));
    assert_eq!(info.cr_date, T0);
    assert_eq!(info.ex_date, add_years(T0, 2));
    assert_eq!(info.up_id, None);
    assert_eq!(info.tr_date, None);
    assert_eq!(info.auth_info.as_deref(), Some("pw-Example.test."));
    assert_eq!(info.ds, vec![ds(12345)]);
    assert_eq!(info.max_sig_life, Some(604_800));

    // After the add grace period: no RGP status.
    let later = ok(r.info_domain(&env.a, &n("example.test."), None, T0 + 6 * DAY).await);
    assert!(later.rgp_statuses.is_empty());

    // Check (RFC 5731 §3.1.1).
    let checks = ok(r
        .check_domains(&[
            n("example.test."),
            n("free.test."),
            n("a.b.test."),
            n("x.nope."),
            n("bad_name.test."),
        ])
        .await);
    let avail: Vec<bool> = checks.iter().map(|c| c.available).collect();
    assert_eq!(avail, vec![false, true, false, false, false]);
    assert_eq!(checks[0].reason.as_deref(), Some("in use"));
    assert!(checks[1].reason.is_none());

    // A domain without name servers is inactive; a subordinate host shows.
    env.domain(&env.a, "bare.test.", T0).await;
    env.host(&env.a, "ns1.bare.test.", &["192.0.2.1"]).await;
    let bare = ok(r.info_domain(&env.a, &n("bare.test."), None, T0).await);
    assert_eq!(bare.statuses, vec![Status::Inactive]);
    assert_eq!(bare.hosts, vec![n("ns1.bare.test.")]);
}

async fn domain_create_error_paths(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    env.contact(&env.a, "mine01").await;
    env.contact(&env.b, "theirs01").await;
    env.domain(&env.a, "taken.test.", T0).await;
    let mut cmd = domain_create("taken.test.");
    assert_eq!(code(r.create_domain(&env.b, &cmd, T0).await), 2302);
    cmd.name = n("example.co.uk.");
    assert_eq!(code(r.create_domain(&env.b, &cmd, T0).await), 2306, "not accredited");
    for bad in ["a.b.test.", "test.", "example.nope.", "bad_name.test.", "-x.test."] {
        cmd.name = n(bad);
        assert_eq!(code(r.create_domain(&env.a, &cmd, T0).await), 2306, "{bad}");
    }
    cmd.name = n("fine.test.");
    for years in [0, 11] {
        cmd.period_years = years;
        assert_eq!(code(r.create_domain(&env.a, &cmd, T0).await), 2306, "{years} years");
    }
    cmd.period_years = 10;
    cmd.registrant = Some("nobody".into());
    assert_eq!(code(r.create_domain(&env.a, &cmd, T0).await), 2303);
    cmd.registrant = Some("theirs01".into());
    assert_eq!(code(r.create_domain(&env.a, &cmd, T0).await), 2201);
    cmd.registrant = Some("mine01".into());
    cmd.ns = vec![n("ns.nowhere.example.")];
    assert_eq!(code(r.create_domain(&env.a, &cmd, T0).await), 2303);
    cmd.ns = Vec::new();
    cmd.ds = vec![DsData {
        key_tag: 1,
        alg: 13,
        digest_type: 2,
        digest: vec![0; 20],
    }];
    assert_eq!(code(r.create_domain(&env.a, &cmd, T0).await), 2005);
    cmd.ds = vec![ds(1), ds(1)];
    assert_eq!(code(r.create_domain(&env.a, &cmd, T0).await), 2306);
    cmd.ds = Vec::new();
    cmd.auth_info = "short".into();
    assert_eq!(code(r.create_domain(&env.a, &cmd, T0).await), 2306);
    cmd.auth_info = "long-enough".into();

    // Billing: 10 years cost 8000; a registrar with 7999 is refused and charged nothing.
    ok(r.credit(&env.a, -(env.balance(&env.a).await - 7999)).await);
    assert_eq!(code(r.create_domain(&env.a, &cmd, T0).await), 2104);
    assert_eq!(env.balance(&env.a).await, 7999);
    assert!(
        ok(r.check_domains(&[n("fine.test.")]).await)[0].available,
        "nothing was created"
    );
    ok(r.credit(&env.a, 1).await);
    ok(r.create_domain(&env.a, &cmd, T0).await);
    assert_eq!(env.balance(&env.a).await, 0);
}

async fn domain_info_for_other_registrars(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    env.host(&env.a, "ns1.example.net.", &[]).await;
    env.domain(&env.a, "private.test.", T0).await;
    let upd = DomainUpdate {
        add_ns: vec![n("ns1.example.net.")],
        ds_add: vec![ds(7)],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &n("private.test."), &upd, T0).await);

    // RFC 5731 §3.1.2: without the authInfo only the public part.
    let public = ok(r.info_domain(&env.b, &n("private.test."), None, T0).await);
    assert!(!public.authorized);
    assert_eq!(public.registrant, None);
    assert!(public.contacts.is_empty());
    assert_eq!(public.auth_info, None);
    assert_eq!(public.cr_id, None);
    assert_eq!(public.up_id, None);
    assert_eq!(public.cl_id, env.a);
    assert_eq!(public.ns, vec![n("ns1.example.net.")]);
    assert_eq!(public.ds, vec![ds(7)]);
    assert_eq!(public.ex_date, add_years(T0, 1));

    let full = ok(r
        .info_domain(&env.b, &n("private.test."), Some("pw-private.test."), T0)
        .await);
    assert!(full.authorized);
    assert!(full.registrant.is_some());
    assert_eq!(full.auth_info.as_deref(), Some("pw-private.test."));
    assert_eq!(full.up_id.as_ref(), Some(&env.a));

    assert_eq!(
        code(r.info_domain(&env.b, &n("private.test."), Some("wrong-pw"), T0).await),
        2202
    );
    assert_eq!(code(r.info_domain(&env.b, &n("missing.test."), None, T0).await), 2303);
}

async fn domain_update_changes_and_refusals(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("upd.test.");
    env.domain(&env.a, "upd.test.", T0).await;
    env.contact(&env.a, "admin1").await;
    env.contact(&env.a, "newreg").await;
    env.contact(&env.b, "other1").await;
    env.host(&env.a, "ns1.example.net.", &[]).await;
    env.host(&env.a, "ns2.example.net.", &[]).await;

    let upd = DomainUpdate {
        add_ns: vec![n("ns1.example.net."), n("ns2.example.net.")],
        add_contacts: vec![(ContactType::Admin, "admin1".into())],
        add_statuses: vec![Status::ClientHold],
        registrant: Some(Some("newreg".into())),
        auth_info: Some("new-secret".into()),
        ds_add: vec![ds(1), ds(2)],
        max_sig_life: Some(1000),
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &name, &upd, T0 + 10).await);
    let info = ok(r.info_domain(&env.a, &name, None, T0 + 10).await);
    assert_eq!(info.ns.len(), 2);
    assert_eq!(info.contacts, vec![(ContactType::Admin, "admin1".to_string())]);
    assert_eq!(info.statuses, vec![Status::ClientHold]);
    assert_eq!(info.registrant.as_deref(), Some("newreg"));
    assert_eq!(info.auth_info.as_deref(), Some("new-secret"));
    assert_eq!(info.ds, vec![ds(1), ds(2)]);
    assert_eq!(info.max_sig_life, Some(1000));
    assert_eq!(info.up_id.as_ref(), Some(&env.a));
    assert_eq!(info.up_date, Some(T0 + 10));

    let upd = DomainUpdate {
        rem_ns: vec![n("ns2.example.net.")],
        rem_contacts: vec![(ContactType::Admin, "admin1".into())],
        rem_statuses: vec![Status::ClientHold],
        registrant: Some(None),
        ds_rem: vec![ds(1)],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &name, &upd, T0 + 20).await);
    let info = ok(r.info_domain(&env.a, &name, None, T0 + 20).await);
    assert_eq!(info.ns, vec![n("ns1.example.net.")]);
    assert!(info.contacts.is_empty());
    assert_eq!(info.statuses, vec![Status::Ok]);
    assert_eq!(info.registrant, None);
    assert_eq!(info.ds, vec![ds(2)]);
    let upd = DomainUpdate {
        ds_rem_all: true,
        ds_add: vec![ds(3)],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &name, &upd, T0 + 30).await);
    assert_eq!(ok(r.info_domain(&env.a, &name, None, T0).await).ds, vec![ds(3)]);

    // Refusals, each changing nothing.
    let add_ns = |h: &str| DomainUpdate {
        add_ns: vec![n(h)],
        ..DomainUpdate::default()
    };
    assert_eq!(
        code(r.update_domain(&env.b, &name, &add_ns("ns2.example.net."), T0).await),
        2201
    );
    assert_eq!(
        code(
            r.update_domain(&env.a, &n("nope.test."), &add_ns("ns2.example.net."), T0)
                .await
        ),
        2303
    );
    assert_eq!(
        code(r.update_domain(&env.a, &name, &add_ns("ns1.example.net."), T0).await),
        2306
    );
    assert_eq!(
        code(r.update_domain(&env.a, &name, &add_ns("ns9.example.net."), T0).await),
        2303
    );
    let rem_ns = DomainUpdate {
        rem_ns: vec![n("ns2.example.net.")],
        ..DomainUpdate::default()
    };
    assert_eq!(code(r.update_domain(&env.a, &name, &rem_ns, T0).await), 2306);
    let server = DomainUpdate {
        add_statuses: vec![Status::ServerHold],
        ..DomainUpdate::default()
    };
    assert_eq!(code(r.update_domain(&env.a, &name, &server, T0).await), 2306);
    let foreign = DomainUpdate {
        add_contacts: vec![(ContactType::Tech, "other1".into())],
        ..DomainUpdate::default()
    };
    assert_eq!(code(r.update_domain(&env.a, &name, &foreign, T0).await), 2201);
    // A failed update rolled back its earlier parts: ns2 was not added.
    let mixed = DomainUpdate {
        add_ns: vec![n("ns2.example.net.")],
        add_statuses: vec![Status::ServerHold],
        ..DomainUpdate::default()
    };
    assert_eq!(code(r.update_domain(&env.a, &name, &mixed, T0).await), 2306);
    assert_eq!(
        ok(r.info_domain(&env.a, &name, None, T0).await).ns,
        vec![n("ns1.example.net.")]
    );

    // clientUpdateProhibited: only an update removing it passes.
    let lock = DomainUpdate {
        add_statuses: vec![Status::ClientUpdateProhibited],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &name, &lock, T0).await);
    assert_eq!(
        code(r.update_domain(&env.a, &name, &add_ns("ns2.example.net."), T0).await),
        2304
    );
    let unlock = DomainUpdate {
        rem_statuses: vec![Status::ClientUpdateProhibited],
        add_ns: vec![n("ns2.example.net.")],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &name, &unlock, T0).await);

    // serverUpdateProhibited is the operator's; it stops everything.
    ok(r.set_server_statuses(&name, &[Status::ServerUpdateProhibited], &[], T0)
        .await);
    assert_eq!(code(r.update_domain(&env.a, &name, &unlock, T0).await), 2304);
    let info = ok(r.info_domain(&env.a, &name, None, T0).await);
    assert_eq!(info.statuses, vec![Status::ServerUpdateProhibited]);
    ok(r.set_server_statuses(&name, &[], &[Status::ServerUpdateProhibited], T0)
        .await);
    assert_eq!(
        code(r.set_server_statuses(&name, &[Status::ClientHold], &[], T0).await),
        2306
    );
}

async fn domain_renew_checks_the_expiry_and_charges(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("renew.test.");
    env.domain(&env.a, "renew.test.", T0).await;
    let start = env.balance(&env.a).await;
    let exp = add_years(T0, 1);
    assert_eq!(
        code(r.renew_domain(&env.a, &name, date(exp + 2 * DAY), 1, T0).await),
        2306
    );
    let renewed = ok(r.renew_domain(&env.a, &name, date(exp), 2, T0).await);
    assert_eq!(renewed.ex_date, add_years(T0, 3));
    assert_eq!(env.balance(&env.a).await, start - 2 * RENEW);
    let info = ok(r.info_domain(&env.a, &name, None, T0).await);
    assert_eq!(info.rgp_statuses, vec![RgpStatus::AddPeriod, RgpStatus::RenewPeriod]);
    // The same command again does not renew twice.
    assert_eq!(code(r.renew_domain(&env.a, &name, date(exp), 2, T0).await), 2306);
    // At most 10 years ahead.
    assert_eq!(
        code(r.renew_domain(&env.a, &name, date(add_years(T0, 3)), 8, T0).await),
        2306
    );
    assert_eq!(
        code(r.renew_domain(&env.a, &name, date(add_years(T0, 3)), 0, T0).await),
        2306
    );
    ok(r.renew_domain(&env.a, &name, date(add_years(T0, 3)), 7, T0).await);
    assert_eq!(
        code(r.renew_domain(&env.b, &name, date(add_years(T0, 10)), 1, T0).await),
        2201
    );
    assert_eq!(
        code(r.renew_domain(&env.a, &n("nope.test."), date(T0), 1, T0).await),
        2303
    );

    env.domain(&env.a, "locked.test.", T0).await;
    let lock = DomainUpdate {
        add_statuses: vec![Status::ClientRenewProhibited],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &n("locked.test."), &lock, T0).await);
    assert_eq!(
        code(r.renew_domain(&env.a, &n("locked.test."), date(exp), 1, T0).await),
        2304
    );

    env.domain(&env.a, "poor.test.", T0).await;
    ok(r.credit(&env.a, -env.balance(&env.a).await).await);
    assert_eq!(
        code(r.renew_domain(&env.a, &n("poor.test."), date(exp), 1, T0).await),
        2104
    );
    assert_eq!(ok(r.info_domain(&env.a, &n("poor.test."), None, T0).await).ex_date, exp);
}

async fn delete_within_add_grace_refunds_and_frees_the_name(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("oops.test.");
    env.domain(&env.a, "oops.test.", T0).await;
    let after_create = env.balance(&env.a).await;
    assert_eq!(after_create, BALANCE - CREATE);
    // A renewal in the add grace period is refunded too.
    ok(r.renew_domain(&env.a, &name, date(add_years(T0, 1)), 1, T0 + DAY).await);
    assert_eq!(env.balance(&env.a).await, BALANCE - CREATE - RENEW);
    assert_eq!(
        ok(r.delete_domain(&env.a, &name, T0 + 4 * DAY).await),
        DomainDeleted::Purged
    );
    assert_eq!(env.balance(&env.a).await, BALANCE);
    assert_eq!(code(r.info_domain(&env.a, &name, None, T0 + 4 * DAY).await), 2303);
    assert!(ok(r.check_domains(std::slice::from_ref(&name)).await)[0].available);
    // Anyone may register it again at once.
    env.domain(&env.b, "oops.test.", T0 + 4 * DAY).await;
    assert_eq!(ok(r.info_domain(&env.b, &name, None, T0 + 4 * DAY).await).cl_id, env.b);
}

async fn delete_after_add_grace_enters_redemption_and_restore_brings_it_back(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("late.test.");
    env.domain(&env.a, "late.test.", T0).await;
    let now = T0 + 10 * DAY;
    assert_eq!(ok(r.delete_domain(&env.a, &name, now).await), DomainDeleted::Redemption);
    assert_eq!(env.balance(&env.a).await, BALANCE - CREATE, "no refund after add grace");
    let info = ok(r.info_domain(&env.a, &name, None, now).await);
    assert_eq!(info.statuses, vec![Status::Inactive, Status::PendingDelete]);
    assert_eq!(info.rgp_statuses, vec![RgpStatus::RedemptionPeriod]);
    assert!(!ok(r.check_domains(std::slice::from_ref(&name)).await)[0].available);
    assert_eq!(
        code(r.create_domain(&env.b, &domain_create("late.test."), now).await),
        2302
    );
    assert_eq!(
        code(r.update_domain(&env.a, &name, &DomainUpdate::default(), now).await),
        2304
    );
    assert_eq!(
        code(r.renew_domain(&env.a, &name, date(add_years(T0, 1)), 1, now).await),
        2304
    );
    assert_eq!(code(r.delete_domain(&env.a, &name, now).await), 2304);
    assert_eq!(code(r.restore_domain(&env.b, &name, now).await), 2201);

    // No report before the request (RFC 3915 §2: the report follows a restore request).
    assert_eq!(code(r.restore_report(&env.a, &name, &report(), now).await), 2304);
    let restored = ok(r.restore_domain(&env.a, &name, now + DAY).await);
    assert_eq!(restored.ex_date, add_years(T0, 1));
    // Charged at the request, as before the report existed.
    assert_eq!(env.balance(&env.a).await, BALANCE - CREATE - RESTORE);
    // RFC 3915 §2 step 5: pendingRestore, the EPP status still pendingDelete.
    let info = ok(r.info_domain(&env.a, &name, None, now + DAY).await);
    assert_eq!(info.statuses, vec![Status::Inactive, Status::PendingDelete]);
    assert_eq!(info.rgp_statuses, vec![RgpStatus::PendingRestore]);
    assert_eq!(code(r.restore_domain(&env.a, &name, now + DAY).await), 2304);
    assert_eq!(
        code(
            r.update_domain(&env.a, &name, &DomainUpdate::default(), now + DAY)
                .await
        ),
        2304,
        "no changes while the report is awaited"
    );
    assert_eq!(code(r.restore_report(&env.b, &name, &report(), now + DAY).await), 2201);
    let no_statement = RestoreReport {
        statements: Vec::new(),
        ..report()
    };
    assert_eq!(
        code(r.restore_report(&env.a, &name, &no_statement, now + DAY).await),
        2005
    );
    // RFC 3915 §2 step 6: the report completes the restore; nothing more is charged.
    ok(r.restore_report(&env.a, &name, &report(), now + 2 * DAY).await);
    assert_eq!(env.balance(&env.a).await, BALANCE - CREATE - RESTORE);
    let info = ok(r.info_domain(&env.a, &name, None, now + 2 * DAY).await);
    assert_eq!(info.statuses, vec![Status::Inactive]);
    assert!(info.rgp_statuses.is_empty());
    assert_eq!(
        code(r.restore_report(&env.a, &name, &report(), now + 2 * DAY).await),
        2304
    );
    assert_eq!(code(r.restore_domain(&env.a, &n("nope.test."), now).await), 2303);
}

/// The report of RFC 3915 §4.2.5's example.
fn report() -> RestoreReport {
    RestoreReport {
        pre_data: "Pre-delete registration data goes here.".into(),
        post_data: "Post-restore registration data goes here.".into(),
        del_time: "2003-07-10T22:00:00.0Z".into(),
        res_time: "2003-07-20T22:00:00.0Z".into(),
        res_reason: "Registrant error.".into(),
        statements: vec!["This registrar has not restored the name to sell it.".into()],
        other: None,
    }
}

async fn delete_refusals(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    env.domain(&env.a, "keep.test.", T0).await;
    let name = n("keep.test.");
    assert_eq!(code(r.delete_domain(&env.b, &name, T0).await), 2201);
    assert_eq!(code(r.delete_domain(&env.a, &n("nope.test."), T0).await), 2303);
    let lock = DomainUpdate {
        add_statuses: vec![Status::ClientDeleteProhibited],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &name, &lock, T0).await);
    assert_eq!(code(r.delete_domain(&env.a, &name, T0).await), 2304);
    let unlock = DomainUpdate {
        rem_statuses: vec![Status::ClientDeleteProhibited],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &name, &unlock, T0).await);
    ok(r.set_server_statuses(&name, &[Status::ServerDeleteProhibited], &[], T0)
        .await);
    assert_eq!(code(r.delete_domain(&env.a, &name, T0).await), 2304);
    ok(r.set_server_statuses(&name, &[], &[Status::ServerDeleteProhibited], T0)
        .await);
    // RFC 5731 §3.2.2: subordinate hosts must go first.
    env.host(&env.a, "ns1.keep.test.", &["192.0.2.7"]).await;
    assert_eq!(code(r.delete_domain(&env.a, &name, T0).await), 2305);
    ok(r.delete_host(&env.a, &n("ns1.keep.test.")).await);
    assert_eq!(ok(r.delete_domain(&env.a, &name, T0).await), DomainDeleted::Purged);
}

async fn schema_survives_reopening(db: Db) {
    let env = Env::new(db).await;
    env.domain(&env.a, "kept.test.", T0).await;
    let again = env.reopen().await;
    assert_eq!(
        ok(again.info_domain(&env.a, &n("kept.test."), None, T0).await).cl_id,
        env.a
    );
    assert_eq!(ok(again.login("rar-b", "secret-b").await), env.b);
    let bad = vec![TldPolicy::new(n("test.")), TldPolicy::new(n("TEST."))];
    assert!(banyan_registry::Registry::open(&env.url, bad).await.is_err());
}

#[tokio::test]
async fn open_data_dir_makes_the_directory_and_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("a dir").join("deeper");
    let reg = ok(banyan_registry::Registry::open_data_dir(&data, policies()).await);
    assert!(data.join(banyan_registry::DEFAULT_FILE_NAME).exists());
    ok(reg.create_registrar("rar-z", "Z", "secret-z", &[n("test.")], 0).await);
    assert_eq!(
        code(banyan_registry::Registry::open("mysql://x/y", policies()).await),
        2400
    );
}
