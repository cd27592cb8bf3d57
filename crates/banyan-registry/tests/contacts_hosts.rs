//! Contact (RFC 5733 §3) and host (RFC 5732 §3) commands, with their error paths and
//! authorization between registrars.

#[macro_use]
mod common;

use banyan_registry::{
    ContactType, ContactUpdate, Disclose, DiscloseField, DomainUpdate, HostCreate, HostUpdate, PostalInfo, PostalType,
    Status,
};
use common::*;

on_each_backend!(
    contact_create_info_check,
    contact_update_and_delete,
    contact_error_paths,
    host_create_rules,
    host_update_rename_and_delete,
);

async fn contact_create_info_check(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let mut cmd = contact_create("sh8013");
    cmd.postal.push(PostalInfo {
        kind: PostalType::Loc,
        name: "Jane Doe".into(),
        org: None,
        street: vec!["1 Main St".into()],
        city: "Dulles".into(),
        sp: None,
        pc: None,
        cc: "us".into(),
    });
    cmd.fax = Some("+1.7035555556".into());
    cmd.disclose = Some(Disclose {
        flag: false,
        fields: vec![DiscloseField::Voice, DiscloseField::Email],
    });
    ok(r.create_contact(&env.a, &cmd, T0).await);

    let info = ok(r.info_contact(&env.a, "sh8013", None).await);
    assert!(info.authorized);
    assert!(info.roid.starts_with('C'), "{}", info.roid);
    assert_eq!(info.statuses, vec![Status::Ok]);
    assert_eq!(info.postal.len(), 2);
    assert_eq!(info.postal[0], cmd.postal[0]);
    assert_eq!(info.postal[1].cc, "US");
    assert_eq!(info.voice.as_deref(), Some("+1.7035555555"));
    assert_eq!(info.fax.as_deref(), Some("+1.7035555556"));
    assert_eq!(info.email.as_deref(), Some("jdoe@example.test"));
    assert_eq!(info.cl_id, env.a);
    assert_eq!(info.cr_id.as_ref(), Some(&env.a));
    assert_eq!(info.cr_date, T0);
    assert_eq!(info.auth_info.as_deref(), Some("2fooBAR"));
    assert_eq!(info.disclose, cmd.disclose);

    // Another registrar: public part only, unless it gives the authInfo.
    let public = ok(r.info_contact(&env.b, "sh8013", None).await);
    assert!(!public.authorized);
    assert!(public.postal.is_empty());
    assert_eq!(public.email, None);
    assert_eq!(public.voice, None);
    assert_eq!(public.auth_info, None);
    let full = ok(r.info_contact(&env.b, "sh8013", Some("2fooBAR")).await);
    assert!(full.authorized);
    assert_eq!(full.postal.len(), 2);
    assert_eq!(code(r.info_contact(&env.b, "sh8013", Some("nope-nope")).await), 2202);
    assert_eq!(code(r.info_contact(&env.a, "missing", None).await), 2303);

    let checks = ok(r.check_contacts(&["sh8013".into(), "free01".into(), "x".into()]).await);
    assert_eq!(
        checks.iter().map(|c| c.available).collect::<Vec<_>>(),
        vec![false, true, false]
    );
}

async fn contact_update_and_delete(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    env.contact(&env.a, "upd01").await;
    let upd = ContactUpdate {
        add_statuses: vec![Status::ClientDeleteProhibited],
        postal: vec![PostalInfo {
            kind: PostalType::Int,
            name: "John Doe".into(),
            org: None,
            street: Vec::new(),
            city: "Reston".into(),
            sp: None,
            pc: None,
            cc: "US".into(),
        }],
        voice: Some(None),
        email: Some("john@example.test".into()),
        auth_info: Some("changed-pw".into()),
        ..ContactUpdate::default()
    };
    ok(r.update_contact(&env.a, "upd01", &upd, T0 + 5).await);
    let info = ok(r.info_contact(&env.a, "upd01", None).await);
    assert_eq!(info.postal.len(), 1);
    assert_eq!(info.postal[0].name, "John Doe");
    assert_eq!(info.voice, None);
    assert_eq!(info.email.as_deref(), Some("john@example.test"));
    assert_eq!(info.auth_info.as_deref(), Some("changed-pw"));
    assert_eq!(info.statuses, vec![Status::ClientDeleteProhibited]);
    assert_eq!(info.up_id.as_ref(), Some(&env.a));
    assert_eq!(info.up_date, Some(T0 + 5));

    assert_eq!(code(r.delete_contact(&env.a, "upd01").await), 2304);
    let unlock = ContactUpdate {
        rem_statuses: vec![Status::ClientDeleteProhibited],
        ..ContactUpdate::default()
    };
    ok(r.update_contact(&env.a, "upd01", &unlock, T0).await);

    // Linked: a domain uses it.
    env.domain(&env.a, "uses.test.", T0).await;
    let link = DomainUpdate {
        add_contacts: vec![(ContactType::Tech, "upd01".into())],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &n("uses.test."), &link, T0).await);
    let info = ok(r.info_contact(&env.a, "upd01", None).await);
    assert_eq!(info.statuses, vec![Status::Linked, Status::Ok]);
    assert_eq!(code(r.delete_contact(&env.a, "upd01").await), 2305);
    let unlink = DomainUpdate {
        rem_contacts: vec![(ContactType::Tech, "upd01".into())],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &n("uses.test."), &unlink, T0).await);
    assert_eq!(code(r.delete_contact(&env.b, "upd01").await), 2201);
    ok(r.delete_contact(&env.a, "upd01").await);
    assert_eq!(code(r.info_contact(&env.a, "upd01", None).await), 2303);
    assert_eq!(code(r.delete_contact(&env.a, "upd01").await), 2303);
}

async fn contact_error_paths(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    env.contact(&env.a, "dup01").await;
    assert_eq!(code(r.create_contact(&env.b, &contact_create("dup01"), T0).await), 2302);
    assert_eq!(code(r.create_contact(&env.a, &contact_create("ab"), T0).await), 2005);
    assert_eq!(
        code(r.create_contact(&env.a, &contact_create("seventeen-chars-x"), T0).await),
        2005
    );
    let mut cmd = contact_create("err01");
    cmd.email = "no-at-sign".into();
    assert_eq!(code(r.create_contact(&env.a, &cmd, T0).await), 2005);
    cmd = contact_create("err01");
    cmd.voice = Some("555-1234".into());
    assert_eq!(code(r.create_contact(&env.a, &cmd, T0).await), 2005);
    cmd = contact_create("err01");
    cmd.postal.clear();
    assert_eq!(code(r.create_contact(&env.a, &cmd, T0).await), 2005);
    cmd = contact_create("err01");
    cmd.postal.push(cmd.postal[0].clone());
    assert_eq!(code(r.create_contact(&env.a, &cmd, T0).await), 2005);
    cmd = contact_create("err01");
    cmd.postal[0].kind = PostalType::Loc;
    cmd.postal[0].city = "Zürich".into();
    assert_eq!(code(r.create_contact(&env.a, &cmd, T0).await), 2005);
    cmd = contact_create("err01");
    cmd.auth_info = "abc".into();
    assert_eq!(code(r.create_contact(&env.a, &cmd, T0).await), 2306);
    assert!(ok(r.check_contacts(&["err01".into()]).await)[0].available);

    let upd = ContactUpdate {
        email: Some("x@y.test".into()),
        ..ContactUpdate::default()
    };
    assert_eq!(code(r.update_contact(&env.b, "dup01", &upd, T0).await), 2201);
    assert_eq!(code(r.update_contact(&env.a, "missing", &upd, T0).await), 2303);
    let server = ContactUpdate {
        add_statuses: vec![Status::ServerDeleteProhibited],
        ..ContactUpdate::default()
    };
    assert_eq!(code(r.update_contact(&env.a, "dup01", &server, T0).await), 2306);
    let hold = ContactUpdate {
        add_statuses: vec![Status::ClientHold],
        ..ContactUpdate::default()
    };
    assert_eq!(code(r.update_contact(&env.a, "dup01", &hold, T0).await), 2306);
    let lock = ContactUpdate {
        add_statuses: vec![Status::ClientUpdateProhibited],
        ..ContactUpdate::default()
    };
    ok(r.update_contact(&env.a, "dup01", &lock, T0).await);
    assert_eq!(code(r.update_contact(&env.a, "dup01", &upd, T0).await), 2304);
    assert_eq!(code(r.update_contact(&env.a, "dup01", &lock, T0).await), 2304);
}

async fn host_create_rules(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let create = |name: &str, addrs: &[&str]| HostCreate {
        name: n(name),
        addrs: addrs.iter().map(|a| ip(a)).collect(),
    };
    // External hosts: no addresses.
    ok(r.create_host(&env.a, &create("ns1.example.net.", &[]), T0).await);
    assert_eq!(
        code(
            r.create_host(&env.a, &create("ns2.example.net.", &["192.0.2.1"]), T0)
                .await
        ),
        2306
    );
    assert_eq!(
        code(r.create_host(&env.b, &create("NS1.example.net.", &[]), T0).await),
        2302
    );
    // Internal hosts: the superordinate domain must exist and be the creator's.
    assert_eq!(
        code(
            r.create_host(&env.a, &create("ns1.none.test.", &["192.0.2.1"]), T0)
                .await
        ),
        2303
    );
    env.domain(&env.b, "bees.test.", T0).await;
    assert_eq!(
        code(
            r.create_host(&env.a, &create("ns1.bees.test.", &["192.0.2.1"]), T0)
                .await
        ),
        2201
    );
    ok(r.create_host(
        &env.b,
        &create("ns1.bees.test.", &["2001:db8::1", "192.0.2.1", "192.0.2.0"]),
        T0,
    )
    .await);
    ok(r.create_host(&env.b, &create("deep.ns2.bees.test.", &[]), T0).await);
    ok(r.create_host(&env.b, &create("bees.test.", &["192.0.2.9"]), T0).await);
    assert_eq!(code(r.create_host(&env.b, &create("test.", &[]), T0).await), 2306);
    assert_eq!(
        code(r.create_host(&env.b, &create("ns_x.bees.test.", &[]), T0).await),
        2306
    );
    assert_eq!(
        code(r.create_host(&env.b, &create("ns3.bees.test.", &["0.0.0.0"]), T0).await),
        2306
    );
    assert_eq!(
        code(
            r.create_host(&env.b, &create("ns3.bees.test.", &["192.0.2.1", "192.0.2.1"]), T0)
                .await
        ),
        2306
    );

    let info = ok(r.info_host(&n("ns1.bees.test.")).await);
    assert!(info.roid.starts_with('H'), "{}", info.roid);
    assert_eq!(info.addrs, vec![ip("192.0.2.0"), ip("192.0.2.1"), ip("2001:db8::1")]);
    assert_eq!(info.statuses, vec![Status::Ok]);
    assert_eq!(info.cl_id, env.b);
    assert_eq!(info.cr_id, env.b);
    assert_eq!(code(r.info_host(&n("nope.example.net.")).await), 2303);

    let checks = ok(r.check_hosts(&[n("ns1.bees.test."), n("ns9.bees.test.")]).await);
    assert_eq!(
        checks.iter().map(|c| c.available).collect::<Vec<_>>(),
        vec![false, true]
    );
    let dom = ok(r.info_domain(&env.b, &n("bees.test."), None, T0).await);
    assert_eq!(
        dom.hosts,
        vec![n("bees.test."), n("ns1.bees.test."), n("deep.ns2.bees.test.")]
    );
}

async fn host_update_rename_and_delete(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    env.domain(&env.a, "hosts.test.", T0).await;
    env.domain(&env.a, "other.test.", T0).await;
    env.domain(&env.b, "bees.test.", T0).await;
    env.host(&env.a, "ns1.hosts.test.", &["192.0.2.1"]).await;
    let name = n("ns1.hosts.test.");
    let upd = HostUpdate {
        add_addrs: vec![ip("2001:db8::53")],
        rem_addrs: vec![ip("192.0.2.1")],
        add_statuses: vec![Status::ClientDeleteProhibited],
        ..HostUpdate::default()
    };
    ok(r.update_host(&env.a, &name, &upd, T0 + 1).await);
    let info = ok(r.info_host(&name).await);
    assert_eq!(info.addrs, vec![ip("2001:db8::53")]);
    assert_eq!(info.statuses, vec![Status::ClientDeleteProhibited]);
    assert_eq!(info.up_id.as_ref(), Some(&env.a));
    assert_eq!(info.up_date, Some(T0 + 1));
    assert_eq!(
        code(r.update_host(&env.b, &name, &HostUpdate::default(), T0).await),
        2201
    );
    let again = HostUpdate {
        add_addrs: vec![ip("2001:db8::53")],
        ..HostUpdate::default()
    };
    assert_eq!(code(r.update_host(&env.a, &name, &again, T0).await), 2306);
    let missing = HostUpdate {
        rem_addrs: vec![ip("192.0.2.99")],
        ..HostUpdate::default()
    };
    assert_eq!(code(r.update_host(&env.a, &name, &missing, T0).await), 2306);

    // Used as a name server: linked, undeletable, and renaming carries the delegation along.
    let use_it = DomainUpdate {
        add_ns: vec![name.clone()],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &n("other.test."), &use_it, T0).await);
    assert_eq!(
        ok(r.info_host(&name).await).statuses,
        vec![Status::ClientDeleteProhibited, Status::Linked]
    );
    let rename = |to: &str| HostUpdate {
        new_name: Some(n(to)),
        ..HostUpdate::default()
    };
    assert_eq!(
        code(r.update_host(&env.a, &name, &rename("ns1.bees.test."), T0).await),
        2201
    );
    assert_eq!(
        code(r.update_host(&env.a, &name, &rename("ns1.none.test."), T0).await),
        2303
    );
    assert_eq!(
        code(r.update_host(&env.a, &name, &rename("ns1.example.net."), T0).await),
        2306,
        "addresses outside"
    );
    ok(r.update_host(&env.a, &name, &rename("ns.other.test."), T0).await);
    assert_eq!(code(r.info_host(&name).await), 2303);
    let other = ok(r.info_domain(&env.a, &n("other.test."), None, T0).await);
    assert_eq!(other.ns, vec![n("ns.other.test.")]);
    assert_eq!(other.hosts, vec![n("ns.other.test.")]);
    env.host(&env.a, "ns2.hosts.test.", &[]).await;
    assert_eq!(
        code(
            r.update_host(&env.a, &n("ns2.hosts.test."), &rename("ns.other.test."), T0)
                .await
        ),
        2302
    );
    // Out of the registry's TLDs once the addresses are gone.
    let out = HostUpdate {
        rem_addrs: vec![ip("2001:db8::53")],
        new_name: Some(n("ns.example.net.")),
        ..HostUpdate::default()
    };
    ok(r.update_host(&env.a, &n("ns.other.test."), &out, T0).await);
    assert!(ok(r.info_domain(&env.a, &n("other.test."), None, T0).await)
        .hosts
        .is_empty());

    let new = n("ns.example.net.");
    assert_eq!(code(r.delete_host(&env.a, &new).await), 2304);
    let unlock = HostUpdate {
        rem_statuses: vec![Status::ClientDeleteProhibited],
        ..HostUpdate::default()
    };
    ok(r.update_host(&env.a, &new, &unlock, T0).await);
    assert_eq!(code(r.delete_host(&env.a, &new).await), 2305);
    let drop_ns = DomainUpdate {
        rem_ns: vec![new.clone()],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &n("other.test."), &drop_ns, T0).await);
    assert_eq!(code(r.delete_host(&env.b, &new).await), 2201);
    ok(r.delete_host(&env.a, &new).await);
    assert_eq!(code(r.delete_host(&env.a, &new).await), 2303);
}
