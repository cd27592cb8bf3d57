//! The lifecycle with a clock the tests move (RFC 3915): automatic renewal and its grace
//! period, expiry into redemption, pending delete, purge, and the TLD zone along the way.

#[macro_use]
mod common;

use banyan_registry::time::{add_years, DAY};
use banyan_registry::{DomainDeleted, DomainUpdate, PollKind, RestoreReport, RgpStatus, Status, TickReport};
use banyan_wire::{Record, RecordType};
use common::*;

on_each_backend!(
    expired_domain_leaves_the_zone_goes_through_redemption_and_is_purged,
    renewal_within_auto_renew_grace_is_charged_on_top,
    delete_within_auto_renew_grace_refunds_the_renewal,
    renew_prohibited_domains_expire,
    late_tick_catches_up,
    transfer_within_auto_renew_grace_refunds_the_loser,
    restore_after_expiry_renews_too,
    expiry_cancels_a_pending_transfer,
    rfc3915_section_2_restore_awaits_its_report,
);

fn apex() -> Vec<Record> {
    [
        "test. 86400 IN SOA ns.nic.test. hostmaster.nic.test. 1 1800 900 604800 86400",
        "test. 86400 IN NS ns.nic.test.",
    ]
    .iter()
    .map(|l| Record::from_text(l, None, None).unwrap_or_else(|e| panic!("{l}: {e}")))
    .collect()
}

async fn delegated(env: &Env, name: &str, now: i64) -> bool {
    let zone = ok(env.reg.tld_zone(&n("test."), &apex(), Some(1), now).await);
    zone.iter().any(|r| r.name == n(name) && r.rtype() == RecordType::NS)
}

/// Drains a registrar's poll queue: the kinds of its messages, oldest first.
async fn drain(env: &Env, r: &banyan_registry::RegistrarId) -> Vec<(PollKind, String)> {
    let mut out = Vec::new();
    while let Some(q) = ok(env.reg.poll_request(r).await) {
        out.push((q.message.kind, q.message.object.clone()));
        ok(env.reg.poll_ack(r, q.message.id).await);
    }
    out
}

async fn expired_domain_leaves_the_zone_goes_through_redemption_and_is_purged(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("lapse.test.");
    env.domain(&env.a, "lapse.test.", T0).await;
    env.domain(&env.b, "user.test.", T0).await;
    env.host(&env.a, "ns1.lapse.test.", &["192.0.2.53"]).await;
    for (by, d) in [(&env.a, "lapse.test."), (&env.b, "user.test.")] {
        let upd = DomainUpdate {
            add_ns: vec![n("ns1.lapse.test.")],
            ..DomainUpdate::default()
        };
        ok(r.update_domain(by, &n(d), &upd, T0).await);
    }
    assert!(delegated(&env, "lapse.test.", T0).await);

    // The sponsor cannot pay the automatic renewal: at expiry the domain enters redemption.
    ok(r.credit(&env.a, -env.balance(&env.a).await).await);
    let expiry = add_years(T0, 1);
    assert_eq!(ok(r.tick(expiry - 1).await), TickReport::default());
    assert!(delegated(&env, "lapse.test.", expiry - 1).await);
    let report = ok(r.tick(expiry).await);
    assert_eq!(report.expired, vec![name.clone()]);
    assert_eq!(report.auto_renewed, vec![n("user.test.")], "its sponsor can pay");
    assert!(!delegated(&env, "lapse.test.", expiry).await, "out of the zone");
    assert!(delegated(&env, "user.test.", expiry).await);
    let info = ok(r.info_domain(&env.a, &name, None, expiry).await);
    assert_eq!(info.rgp_statuses, vec![RgpStatus::RedemptionPeriod]);
    assert!(info.statuses.contains(&Status::PendingDelete));

    // Redemption (30 days), then pending delete (5 days): no longer restorable.
    assert_eq!(ok(r.tick(expiry + 30 * DAY - 1).await), TickReport::default());
    let report = ok(r.tick(expiry + 30 * DAY).await);
    assert_eq!(report.pending_delete, vec![name.clone()]);
    let info = ok(r.info_domain(&env.a, &name, None, expiry + 30 * DAY).await);
    assert_eq!(info.rgp_statuses, vec![RgpStatus::PendingDelete]);
    ok(r.credit(&env.a, BALANCE).await);
    assert_eq!(code(r.restore_domain(&env.a, &name, expiry + 31 * DAY).await), 2304);
    assert!(!ok(r.check_domains(std::slice::from_ref(&name)).await)[0].available);

    // Purged: gone, with its subordinate host, which leaves user.test.'s delegation.
    let report = ok(r.tick(expiry + 35 * DAY).await);
    assert_eq!(report.purged, vec![name.clone()]);
    assert_eq!(code(r.info_domain(&env.a, &name, None, expiry + 35 * DAY).await), 2303);
    assert_eq!(code(r.info_host(&n("ns1.lapse.test.")).await), 2303);
    assert!(
        ok(r.info_domain(&env.b, &n("user.test."), None, expiry + 35 * DAY).await)
            .ns
            .is_empty()
    );
    assert!(ok(r.check_domains(std::slice::from_ref(&name)).await)[0].available);
    env.domain(&env.c, "lapse.test.", expiry + 35 * DAY).await;

    assert_eq!(
        drain(&env, &env.a).await,
        vec![
            (PollKind::Expired, "lapse.test.".to_string()),
            (PollKind::PendingDelete, "lapse.test.".to_string()),
            (PollKind::Purged, "lapse.test.".to_string()),
        ]
    );
    // rar-b renewed user.test. automatically meanwhile.
    assert_eq!(
        drain(&env, &env.b).await,
        vec![(PollKind::AutoRenew, "user.test.".to_string())]
    );
}

async fn renewal_within_auto_renew_grace_is_charged_on_top(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("keep.test.");
    env.domain(&env.a, "keep.test.", T0).await;
    let expiry = add_years(T0, 1);
    let report = ok(r.tick(expiry + 60).await);
    assert_eq!(report.auto_renewed, vec![name.clone()]);
    assert_eq!(env.balance(&env.a).await, BALANCE - CREATE - RENEW);
    let q = ok(r.poll_request(&env.a).await).unwrap_or_else(|| panic!("no message"));
    assert_eq!(q.message.kind, PollKind::AutoRenew);
    assert_eq!(q.message.ex_date, Some(add_years(T0, 2)));
    let info = ok(r.info_domain(&env.a, &name, None, expiry + DAY).await);
    assert_eq!(info.ex_date, add_years(T0, 2));
    assert_eq!(info.rgp_statuses, vec![RgpStatus::AutoRenewPeriod]);

    // An explicit renewal within the auto-renew grace period adds to it, charged once more.
    let renewed = ok(r
        .renew_domain(&env.a, &name, date(add_years(T0, 2)), 1, expiry + 10 * DAY)
        .await);
    assert_eq!(renewed.ex_date, add_years(T0, 3));
    assert_eq!(env.balance(&env.a).await, BALANCE - CREATE - 2 * RENEW);
    let info = ok(r.info_domain(&env.a, &name, None, expiry + 10 * DAY).await);
    assert_eq!(
        info.rgp_statuses,
        vec![RgpStatus::AutoRenewPeriod, RgpStatus::RenewPeriod]
    );
    // Grace periods end; the next tick tidies them and renews nothing.
    assert!(ok(r.tick(expiry + 50 * DAY).await).auto_renewed.is_empty());
    let info = ok(r.info_domain(&env.a, &name, None, expiry + 50 * DAY).await);
    assert!(info.rgp_statuses.is_empty());
    assert_eq!(env.balance(&env.a).await, BALANCE - CREATE - 2 * RENEW);
}

async fn delete_within_auto_renew_grace_refunds_the_renewal(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("drop.test.");
    env.domain(&env.a, "drop.test.", T0).await;
    let expiry = add_years(T0, 1);
    ok(r.tick(expiry).await);
    assert_eq!(env.balance(&env.a).await, BALANCE - CREATE - RENEW);
    assert_eq!(
        ok(r.delete_domain(&env.a, &name, expiry + 20 * DAY).await),
        DomainDeleted::Redemption
    );
    assert_eq!(env.balance(&env.a).await, BALANCE - CREATE);
    let info = ok(r.info_domain(&env.a, &name, None, expiry + 20 * DAY).await);
    assert_eq!(info.ex_date, expiry, "the refunded year is taken back");
    // Past the auto-renew grace period a delete refunds nothing.
    env.domain(&env.a, "later.test.", T0).await;
    ok(r.tick(expiry).await);
    let before = env.balance(&env.a).await;
    ok(r.delete_domain(&env.a, &n("later.test."), expiry + 46 * DAY).await);
    assert_eq!(env.balance(&env.a).await, before);
}

async fn renew_prohibited_domains_expire(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    env.domain(&env.a, "stop.test.", T0).await;
    let lock = DomainUpdate {
        add_statuses: vec![Status::ClientRenewProhibited],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &n("stop.test."), &lock, T0).await);
    // co.uk. does not renew automatically at all.
    env.domain(&env.a, "nope.co.uk.", T0).await;
    let before = env.balance(&env.a).await;
    let report = ok(r.tick(add_years(T0, 1)).await);
    assert_eq!(report.expired, vec![n("stop.test."), n("nope.co.uk.")]);
    assert_eq!(env.balance(&env.a).await, before, "nothing charged");
}

async fn late_tick_catches_up(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    env.domain(&env.a, "slow.test.", T0).await;
    env.domain(&env.a, "gone.co.uk.", T0).await;
    // Nobody ticked for three years and 50 days: three automatic renewals plus the expiry of
    // the co.uk. name with its whole redemption and pending delete.
    let now = add_years(T0, 3) + 50 * DAY;
    let report = ok(r.tick(now).await);
    assert_eq!(report.auto_renewed, vec![n("slow.test."); 3]);
    assert_eq!(report.expired, vec![n("gone.co.uk.")]);
    assert_eq!(report.pending_delete, vec![n("gone.co.uk.")]);
    assert_eq!(report.purged, vec![n("gone.co.uk.")]);
    let info = ok(r.info_domain(&env.a, &n("slow.test."), None, now).await);
    assert_eq!(info.ex_date, add_years(T0, 4));
    assert!(
        info.rgp_statuses.is_empty(),
        "the last auto-renew grace ended 5 days before now"
    );
    assert_eq!(env.balance(&env.a).await, BALANCE - 2 * CREATE - 3 * RENEW);
}

async fn transfer_within_auto_renew_grace_refunds_the_loser(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("swap.test.");
    env.domain(&env.a, "swap.test.", T0).await;
    let expiry = add_years(T0, 1);
    ok(r.tick(expiry).await);
    let tr = ok(r
        .transfer_domain_request(&env.b, &name, "pw-swap.test.", None, expiry + DAY)
        .await);
    assert_eq!(tr.ex_date, Some(add_years(T0, 3)), "projected from the current expiry");
    let done = ok(r.transfer_domain_approve(&env.a, &name, expiry + 2 * DAY).await);
    assert_eq!(
        done.ex_date,
        Some(add_years(T0, 2)),
        "the transfer's year replaces the automatic one"
    );
    assert_eq!(env.balance(&env.a).await, BALANCE - CREATE, "auto-renewal refunded");
    assert_eq!(env.balance(&env.b).await, BALANCE - TRANSFER);
}

async fn restore_after_expiry_renews_too(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("back.co.uk.");
    env.domain(&env.a, "back.co.uk.", T0).await;
    let expiry = add_years(T0, 1);
    ok(r.tick(expiry).await);
    assert_eq!(code(r.restore_domain(&env.b, &name, expiry + DAY).await), 2201);
    let before = env.balance(&env.a).await;
    let restored = ok(r.restore_domain(&env.a, &name, expiry + DAY).await);
    assert_eq!(restored.ex_date, add_years(T0, 2));
    assert_eq!(env.balance(&env.a).await, before - RESTORE - RENEW);
    // The restore completes with its report (RFC 3915 §2 step 6).
    ok(r.restore_report(&env.a, &name, &report(), expiry + DAY).await);
    let info = ok(r.info_domain(&env.a, &name, None, expiry + DAY).await);
    assert!(info.rgp_statuses.is_empty());
    assert!(!info.statuses.contains(&Status::PendingDelete));
    // Short of money: refused, still in redemption.
    env.domain(&env.a, "poor.co.uk.", T0).await;
    ok(r.tick(expiry).await);
    ok(r.credit(&env.a, -env.balance(&env.a).await).await);
    assert_eq!(
        code(r.restore_domain(&env.a, &n("poor.co.uk."), expiry + DAY).await),
        2104
    );
    let info = ok(r.info_domain(&env.a, &n("poor.co.uk."), None, expiry + DAY).await);
    assert_eq!(info.rgp_statuses, vec![RgpStatus::RedemptionPeriod]);
}

async fn expiry_cancels_a_pending_transfer(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("caught.test.");
    env.domain(&env.a, "caught.test.", T0).await;
    let expiry = add_years(T0, 1);
    ok(
        r.transfer_domain_request(&env.b, &name, "pw-caught.test.", None, expiry - DAY)
            .await,
    );
    assert_eq!(env.balance(&env.b).await, BALANCE - TRANSFER);
    ok(r.credit(&env.a, -env.balance(&env.a).await).await);
    let report = ok(r.tick(expiry).await);
    assert_eq!(report.expired, vec![name.clone()]);
    assert!(report.transfers_approved.is_empty());
    let tr = ok(r.transfer_domain_query(&env.b, &name, None).await);
    assert_eq!(tr.status, banyan_registry::TransferStatus::ServerCancelled);
    assert_eq!(env.balance(&env.b).await, BALANCE, "refunded");
    // Nothing left for the registry to approve later.
    assert!(ok(r.tick(expiry + 5 * DAY).await).transfers_approved.is_empty());
    assert_eq!(
        ok(r.info_domain(&env.a, &name, None, expiry + 5 * DAY).await).cl_id,
        env.a
    );
}

fn report() -> RestoreReport {
    RestoreReport {
        pre_data: "before".into(),
        post_data: "after".into(),
        del_time: "2024-01-01T00:00:00Z".into(),
        res_time: "2024-01-02T00:00:00Z".into(),
        res_reason: "Registrant error.".into(),
        statements: vec!["Not restored to sell it.".into(), "True to our knowledge.".into()],
        other: Some("none".into()),
    }
}

/// RFC 3915 §2: a restore request puts the domain back in the zone in pendingRestore; a
/// report within the period completes it, and without one the tick sends it back to
/// redemption, out of the zone, for what was left of its redemption period.
async fn rfc3915_section_2_restore_awaits_its_report(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("late.test.");
    env.domain(&env.a, "late.test.", T0).await;
    // A name server outside the domain: a domain with subordinate hosts cannot be deleted.
    env.host(&env.a, "ns.elsewhere.net.", &[]).await;
    let add_ns = DomainUpdate {
        add_ns: vec![n("ns.elsewhere.net.")],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &name, &add_ns, T0).await);
    let deleted = T0 + 10 * DAY;
    assert_eq!(
        ok(r.delete_domain(&env.a, &name, deleted).await),
        DomainDeleted::Redemption
    );
    let in_zone = |at: i64| delegated(&env, "late.test.", at);
    assert!(!in_zone(deleted).await);

    // Restored 10 days into a 30-day redemption: 20 days are left.
    let requested = deleted + 10 * DAY;
    ok(r.restore_domain(&env.a, &name, requested).await);
    assert!(in_zone(requested).await, "pendingRestore domains are in the zone");
    let info = ok(r.info_domain(&env.a, &name, None, requested).await);
    assert_eq!(info.rgp_statuses, vec![RgpStatus::PendingRestore]);

    // The 7-day period ends without a report: back to redemption at the tick.
    let lapsed = requested + 7 * DAY;
    let report_before = ok(r.tick(lapsed - 1).await);
    assert!(report_before.restores_lapsed.is_empty());
    assert_eq!(code(r.restore_report(&env.a, &name, &report(), lapsed).await), 2304);
    let ticked = ok(r.tick(lapsed).await);
    assert_eq!(ticked.restores_lapsed, vec![name.clone()]);
    let info = ok(r.info_domain(&env.a, &name, None, lapsed).await);
    assert_eq!(info.rgp_statuses, vec![RgpStatus::RedemptionPeriod]);
    assert!(!in_zone(lapsed).await);
    let kinds = drain(&env, &env.a).await;
    assert!(
        kinds.contains(&(PollKind::RestoreLapsed, "late.test.".into())),
        "{kinds:?}"
    );

    // The 20 days left run again from the lapse.
    let report_mid = ok(r.tick(lapsed + 20 * DAY - 1).await);
    assert!(report_mid.pending_delete.is_empty());
    let report_end = ok(r.tick(lapsed + 20 * DAY).await);
    assert_eq!(report_end.pending_delete, vec![name.clone()]);
}
