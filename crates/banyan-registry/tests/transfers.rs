//! Transfers of domains (RFC 5731 §3.2.4) and contacts (RFC 5733 §3.2.4), the poll queue
//! (RFC 5730 §2.9.2.3) that tells registrars about them, and the fees they move.

#[macro_use]
mod common;

use banyan_registry::time::{add_years, DAY};
use banyan_registry::{DomainDeleted, DomainUpdate, ObjectKind, PollKind, RgpStatus, Status, TransferStatus};
use common::*;

on_each_backend!(
    domain_transfer_request_and_approve,
    domain_transfer_reject_cancel_and_refusals,
    domain_transfer_approved_by_the_registry_after_five_days,
    delete_in_transfer_grace_refunds_the_gaining_registrar,
    contact_transfer,
    poll_queue_req_and_ack,
);

/// After the add grace period, when a domain may be transferred.
const LATER: i64 = T0 + 10 * DAY;

async fn domain_transfer_request_and_approve(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("moving.test.");
    env.domain(&env.a, "moving.test.", T0).await;
    env.host(&env.a, "ns1.moving.test.", &["192.0.2.1"]).await;
    let pw = "pw-moving.test.";

    assert_eq!(
        code(r.transfer_domain_request(&env.b, &name, "wrong-pw", None, LATER).await),
        2202
    );
    let tr = ok(r.transfer_domain_request(&env.b, &name, pw, None, LATER).await);
    assert_eq!(tr.status, TransferStatus::Pending);
    assert_eq!(tr.re_id, env.b);
    assert_eq!(tr.re_date, LATER);
    assert_eq!(tr.ac_id, env.a);
    assert_eq!(tr.ac_date, LATER + 5 * DAY);
    assert_eq!(tr.ex_date, Some(add_years(T0, 2)));
    assert_eq!(env.balance(&env.b).await, BALANCE - TRANSFER, "charged at the request");
    assert_eq!(
        code(r.transfer_domain_request(&env.c, &name, pw, None, LATER).await),
        2300
    );

    // The losing registrar is told.
    let q = ok(r.poll_request(&env.a).await).unwrap_or_else(|| panic!("no message for rar-a"));
    assert_eq!(q.message.kind, PollKind::Transfer);
    assert_eq!(q.message.object_kind, ObjectKind::Domain);
    assert_eq!(q.message.object, "moving.test.");
    assert_eq!(q.message.transfer.as_ref(), Some(&tr));

    let info = ok(r.info_domain(&env.a, &name, None, LATER).await);
    assert_eq!(info.statuses, vec![Status::Inactive, Status::PendingTransfer]);
    // Pending transfer blocks the sponsor's changes.
    assert_eq!(
        code(r.update_domain(&env.a, &name, &DomainUpdate::default(), LATER).await),
        2304
    );
    assert_eq!(
        code(r.renew_domain(&env.a, &name, date(add_years(T0, 1)), 1, LATER).await),
        2304
    );
    assert_eq!(code(r.delete_domain(&env.a, &name, LATER).await), 2304);

    // Query: the parties, or anyone with the authInfo.
    assert_eq!(ok(r.transfer_domain_query(&env.a, &name, None).await), tr);
    assert_eq!(ok(r.transfer_domain_query(&env.b, &name, None).await), tr);
    assert_eq!(code(r.transfer_domain_query(&env.c, &name, None).await), 2201);
    assert_eq!(
        code(r.transfer_domain_query(&env.c, &name, Some("wrong-pw")).await),
        2202
    );
    assert_eq!(ok(r.transfer_domain_query(&env.c, &name, Some(pw)).await), tr);

    assert_eq!(code(r.transfer_domain_approve(&env.b, &name, LATER + DAY).await), 2201);
    let done = ok(r.transfer_domain_approve(&env.a, &name, LATER + DAY).await);
    assert_eq!(done.status, TransferStatus::ClientApproved);
    assert_eq!(done.ac_date, LATER + DAY);
    assert_eq!(done.ex_date, Some(add_years(T0, 2)));
    assert_eq!(code(r.transfer_domain_approve(&env.a, &name, LATER + DAY).await), 2301);

    let info = ok(r.info_domain(&env.b, &name, None, LATER + DAY).await);
    assert_eq!(info.cl_id, env.b);
    assert_eq!(info.ex_date, add_years(T0, 2));
    assert_eq!(info.tr_date, Some(LATER + DAY));
    assert_eq!(info.rgp_statuses, vec![RgpStatus::TransferPeriod]);
    let host = ok(r.info_host(&n("ns1.moving.test.")).await);
    assert_eq!(host.cl_id, env.b, "subordinate hosts move with the domain");
    assert_eq!(host.tr_date, Some(LATER + DAY));
    assert_eq!(
        env.balance(&env.a).await,
        BALANCE - CREATE,
        "the loser keeps nothing and pays nothing"
    );

    // The gaining registrar hears of the approval; the old sponsor has lost its rights.
    let q = ok(r.poll_request(&env.b).await).unwrap_or_else(|| panic!("no message for rar-b"));
    assert_eq!(
        q.message.transfer.map(|t| t.status),
        Some(TransferStatus::ClientApproved)
    );
    assert_eq!(
        code(
            r.update_domain(&env.a, &name, &DomainUpdate::default(), LATER + DAY)
                .await
        ),
        2201
    );
    ok(r.update_domain(&env.b, &name, &DomainUpdate::default(), LATER + DAY)
        .await);
    assert_eq!(
        ok(r.transfer_domain_query(&env.a, &name, None).await).status,
        TransferStatus::ClientApproved
    );
    // Just transferred: not again within the transfer grace period.
    assert_eq!(
        code(
            r.transfer_domain_request(&env.a, &name, pw, None, LATER + 2 * DAY)
                .await
        ),
        2106
    );
}

async fn domain_transfer_reject_cancel_and_refusals(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("stay.test.");
    let pw = "pw-stay.test.";
    env.domain(&env.a, "stay.test.", T0).await;
    assert_eq!(code(r.transfer_domain_query(&env.a, &name, None).await), 2301);
    assert_eq!(
        code(r.transfer_domain_request(&env.b, &name, pw, None, T0 + DAY).await),
        2106,
        "add grace"
    );
    assert_eq!(
        code(r.transfer_domain_request(&env.a, &name, pw, None, LATER).await),
        2106,
        "own domain"
    );
    assert_eq!(
        code(
            r.transfer_domain_request(&env.b, &n("nope.test."), pw, None, LATER)
                .await
        ),
        2303
    );
    assert_eq!(
        code(r.transfer_domain_request(&env.b, &name, pw, Some(0), LATER).await),
        2306
    );
    assert_eq!(code(r.transfer_domain_approve(&env.a, &name, LATER).await), 2301);
    assert_eq!(code(r.transfer_domain_reject(&env.a, &name, LATER).await), 2301);
    assert_eq!(code(r.transfer_domain_cancel(&env.b, &name, LATER).await), 2301);

    ok(r.transfer_domain_request(&env.b, &name, pw, Some(2), LATER).await);
    assert_eq!(env.balance(&env.b).await, BALANCE - 2 * TRANSFER);
    assert_eq!(code(r.transfer_domain_reject(&env.b, &name, LATER).await), 2201);
    let rejected = ok(r.transfer_domain_reject(&env.a, &name, LATER + 1).await);
    assert_eq!(rejected.status, TransferStatus::ClientRejected);
    assert_eq!(env.balance(&env.b).await, BALANCE, "refunded");
    assert_eq!(ok(r.info_domain(&env.a, &name, None, LATER).await).cl_id, env.a);

    ok(r.transfer_domain_request(&env.b, &name, pw, None, LATER + 2).await);
    assert_eq!(code(r.transfer_domain_cancel(&env.a, &name, LATER + 3).await), 2201);
    let cancelled = ok(r.transfer_domain_cancel(&env.b, &name, LATER + 3).await);
    assert_eq!(cancelled.status, TransferStatus::ClientCancelled);
    assert_eq!(env.balance(&env.b).await, BALANCE);
    // The loser is told of the cancel.
    let mut statuses = Vec::new();
    while let Some(q) = ok(r.poll_request(&env.a).await) {
        statuses.push(q.message.transfer.map(|t| t.status));
        ok(r.poll_ack(&env.a, q.message.id).await);
    }
    assert_eq!(
        statuses,
        vec![
            Some(TransferStatus::Pending),
            Some(TransferStatus::Pending),
            Some(TransferStatus::ClientCancelled)
        ]
    );

    // Statuses and accreditation.
    let lock = DomainUpdate {
        add_statuses: vec![Status::ClientTransferProhibited],
        ..DomainUpdate::default()
    };
    ok(r.update_domain(&env.a, &name, &lock, LATER).await);
    assert_eq!(
        code(r.transfer_domain_request(&env.b, &name, pw, None, LATER).await),
        2304
    );
    env.domain(&env.a, "uk-name.co.uk.", T0).await;
    assert_eq!(
        code(
            r.transfer_domain_request(&env.b, &n("uk-name.co.uk."), "pw-uk-name.co.uk.", None, LATER)
                .await
        ),
        2201
    );
    // A poor gaining registrar.
    env.domain(&env.a, "cheap.test.", T0).await;
    ok(r.credit(&env.c, -BALANCE).await);
    assert_eq!(
        code(
            r.transfer_domain_request(&env.c, &n("cheap.test."), "pw-cheap.test.", None, LATER)
                .await
        ),
        2104
    );
    assert!(
        ok(r.poll_request(&env.a).await).is_none(),
        "a refused request queues nothing"
    );
}

async fn domain_transfer_approved_by_the_registry_after_five_days(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("silent.test.");
    env.domain(&env.a, "silent.test.", T0).await;
    ok(r.transfer_domain_request(&env.b, &name, "pw-silent.test.", None, LATER)
        .await);
    let report = ok(r.tick(LATER + 5 * DAY - 1).await);
    assert!(report.transfers_approved.is_empty());
    let report = ok(r.tick(LATER + 6 * DAY).await);
    assert_eq!(report.transfers_approved, vec!["silent.test.".to_string()]);
    let tr = ok(r.transfer_domain_query(&env.b, &name, None).await);
    assert_eq!(tr.status, TransferStatus::ServerApproved);
    assert_eq!(tr.ac_date, LATER + 5 * DAY, "as of the deadline");
    let info = ok(r.info_domain(&env.b, &name, None, LATER + 6 * DAY).await);
    assert_eq!(info.cl_id, env.b);
    assert_eq!(info.ex_date, add_years(T0, 2));
    // Both registrars hear of it; the loser also had the request.
    let mut a_msgs = Vec::new();
    while let Some(q) = ok(r.poll_request(&env.a).await) {
        a_msgs.push(q.message.transfer.map(|t| t.status));
        ok(r.poll_ack(&env.a, q.message.id).await);
    }
    assert_eq!(
        a_msgs,
        vec![Some(TransferStatus::Pending), Some(TransferStatus::ServerApproved)]
    );
    let b_msg = ok(r.poll_request(&env.b).await).unwrap_or_else(|| panic!("no message for rar-b"));
    assert_eq!(b_msg.count, 1);
    assert_eq!(
        b_msg.message.transfer.map(|t| t.status),
        Some(TransferStatus::ServerApproved)
    );
    // A second tick does nothing more.
    assert_eq!(
        ok(r.tick(LATER + 7 * DAY).await),
        banyan_registry::TickReport::default()
    );
}

async fn delete_in_transfer_grace_refunds_the_gaining_registrar(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    let name = n("flip.test.");
    env.domain(&env.a, "flip.test.", T0).await;
    ok(r.transfer_domain_request(&env.b, &name, "pw-flip.test.", None, LATER)
        .await);
    ok(r.transfer_domain_approve(&env.a, &name, LATER).await);
    assert_eq!(env.balance(&env.b).await, BALANCE - TRANSFER);
    assert_eq!(
        ok(r.delete_domain(&env.b, &name, LATER + DAY).await),
        DomainDeleted::Redemption
    );
    assert_eq!(env.balance(&env.b).await, BALANCE);
    let info = ok(r.info_domain(&env.b, &name, None, LATER + DAY).await);
    assert_eq!(
        info.ex_date,
        add_years(T0, 1),
        "the transferred year went with the refund"
    );
}

async fn contact_transfer(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    env.contact(&env.a, "person1").await;
    env.contact(&env.a, "person2").await;
    assert_eq!(
        code(r.transfer_contact_request(&env.b, "person1", "wrong-pw", T0).await),
        2202
    );
    assert_eq!(
        code(r.transfer_contact_request(&env.a, "person1", "2fooBAR", T0).await),
        2106
    );
    let tr = ok(r.transfer_contact_request(&env.b, "person1", "2fooBAR", T0).await);
    assert_eq!(tr.status, TransferStatus::Pending);
    assert_eq!(tr.ex_date, None);
    assert_eq!(env.balance(&env.b).await, BALANCE, "contacts cost nothing");
    assert_eq!(
        code(r.transfer_contact_request(&env.c, "person1", "2fooBAR", T0).await),
        2300
    );
    let info = ok(r.info_contact(&env.a, "person1", None).await);
    assert!(info.statuses.contains(&Status::PendingTransfer));
    assert_eq!(code(r.transfer_contact_approve(&env.b, "person1", T0).await), 2201);
    ok(r.transfer_contact_approve(&env.a, "person1", T0 + 1).await);
    let info = ok(r.info_contact(&env.b, "person1", None).await);
    assert_eq!(info.cl_id, env.b);
    assert!(info.authorized);
    assert_eq!(info.tr_date, Some(T0 + 1));
    assert_eq!(
        ok(r.transfer_contact_query(&env.a, "person1", None).await).status,
        TransferStatus::ClientApproved
    );
    assert_eq!(code(r.transfer_contact_query(&env.c, "person1", None).await), 2201);

    ok(r.transfer_contact_request(&env.b, "person2", "2fooBAR", T0).await);
    ok(r.transfer_contact_reject(&env.a, "person2", T0).await);
    ok(r.transfer_contact_request(&env.c, "person2", "2fooBAR", T0).await);
    ok(r.transfer_contact_cancel(&env.c, "person2", T0).await);
    ok(r.transfer_contact_request(&env.b, "person2", "2fooBAR", T0).await);
    let report = ok(r.tick(T0 + banyan_registry::CONTACT_TRANSFER_PENDING).await);
    assert_eq!(report.transfers_approved, vec!["person2".to_string()]);
    assert_eq!(ok(r.info_contact(&env.b, "person2", None).await).cl_id, env.b);
    assert_eq!(
        code(r.transfer_contact_request(&env.b, "missing", "2fooBAR", T0).await),
        2303
    );
}

async fn poll_queue_req_and_ack(db: Db) {
    let env = Env::new(db).await;
    let r = &env.reg;
    assert!(ok(r.poll_request(&env.a).await).is_none());
    for name in ["p1.test.", "p2.test."] {
        env.domain(&env.a, name, T0).await;
        ok(
            r.transfer_domain_request(&env.b, &n(name), &format!("pw-{name}"), None, LATER)
                .await,
        );
    }
    let first = ok(r.poll_request(&env.a).await).unwrap_or_else(|| panic!("empty queue"));
    assert_eq!(first.count, 2);
    assert_eq!(first.message.object, "p1.test.");
    assert_eq!(first.message.queued_at, LATER);
    // Not acknowledged: the same message again.
    assert_eq!(
        ok(r.poll_request(&env.a).await).map(|q| q.message.id),
        Some(first.message.id)
    );
    assert_eq!(
        code(r.poll_ack(&env.b, first.message.id).await),
        2303,
        "another registrar's"
    );
    assert_eq!(ok(r.poll_ack(&env.a, first.message.id).await), 1);
    assert_eq!(code(r.poll_ack(&env.a, first.message.id).await), 2303);
    let second = ok(r.poll_request(&env.a).await).unwrap_or_else(|| panic!("empty queue"));
    assert_eq!(second.count, 1);
    assert_eq!(second.message.object, "p2.test.");
    assert_eq!(ok(r.poll_ack(&env.a, second.message.id).await), 0);
    assert!(ok(r.poll_request(&env.a).await).is_none());
}
