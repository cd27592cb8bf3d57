//! Commands racing on separate pools: every command is one transaction, so of two registrars
//! creating one name at the same moment exactly one succeeds, and concurrent charges never
//! overdraw a balance.

#[macro_use]
mod common;

use banyan_registry::{RegistrarId, Registry};
use common::*;

on_each_backend!(one_of_eight_concurrent_creates_wins, concurrent_charges_do_not_overdraw);

const TASKS: usize = 8;

async fn one_of_eight_concurrent_creates_wins(db: Db) {
    let env = Env::new(db).await;
    let mut registrars = Vec::new();
    for i in 0..TASKS {
        let id = format!("racer-{i}");
        ok(env
            .reg
            .create_registrar(&id, "Racer", "secret-r", &[n("test.")], BALANCE)
            .await);
        registrars.push(RegistrarId::new(id));
    }
    let mut pools: Vec<Registry> = Vec::new();
    for _ in 0..TASKS {
        pools.push(env.reopen().await);
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for (reg, by) in pools.into_iter().zip(registrars.clone()) {
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            reg.create_domain(&by, &domain_create("contested.test."), T0).await
        }));
    }
    let mut won = Vec::new();
    let mut lost = 0;
    for (t, by) in tasks.into_iter().zip(&registrars) {
        match t.await.unwrap_or_else(|e| panic!("{e}")) {
            Ok(_) => won.push(by.clone()),
            Err(e) => {
                assert_eq!(e.epp_code(), 2302, "{e}");
                lost += 1;
            }
        }
    }
    assert_eq!(won.len(), 1, "exactly one create succeeds");
    assert_eq!(lost, TASKS - 1);
    let info = ok(env.reg.info_domain(&won[0], &n("contested.test."), None, T0).await);
    assert_eq!(info.cl_id, won[0]);
    for by in &registrars {
        let expect = if *by == won[0] { BALANCE - CREATE } else { BALANCE };
        assert_eq!(env.balance(by).await, expect, "{by}");
    }
}

async fn concurrent_charges_do_not_overdraw(db: Db) {
    let env = Env::new(db).await;
    ok(env.reg.credit(&env.a, 3 * CREATE - BALANCE).await);
    let mut tasks = Vec::new();
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(TASKS));
    for i in 0..TASKS {
        let reg = env.reopen().await;
        let by = env.a.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            reg.create_domain(&by, &domain_create(&format!("n{i}.test.")), T0).await
        }));
    }
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap_or_else(|e| panic!("{e}")) {
            Ok(_) => created += 1,
            Err(e) => assert_eq!(e.epp_code(), 2104, "{e}"),
        }
    }
    assert_eq!(created, 3);
    assert_eq!(env.balance(&env.a).await, 0);
}
