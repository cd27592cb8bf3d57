//! The store on PostgreSQL: the same scenarios as on SQLite, run only when
//! `BANYAN_TEST_POSTGRES_URL` names a database (`scripts/postgres-test.sh` starts a throwaway
//! cluster and sets it). Each test uses its own zones, so they may share one database.

mod common;

use banyan_store::Store;

const URL_ENV: &str = "BANYAN_TEST_POSTGRES_URL";

/// The store at `BANYAN_TEST_POSTGRES_URL`, or `None` (with a note) when it is not set.
async fn store() -> Option<Store> {
    let Ok(url) = std::env::var(URL_ENV) else {
        println!("skipped: set {URL_ENV}=postgres://… to run the PostgreSQL tests");
        return None;
    };
    Some(Store::open(&url).await.unwrap_or_else(|e| panic!("{e}")))
}

#[tokio::test]
async fn postgres_replace_load_round_trip_many_types() {
    if let Some(store) = store().await {
        common::round_trip(&store, "rt.pg.example.").await;
    }
}

#[tokio::test]
async fn postgres_bad_input_is_refused_and_writes_nothing() {
    if let Some(store) = store().await {
        common::refuses_bad_input(&store, "bad.pg.example.").await;
    }
}

#[tokio::test]
async fn postgres_apply_serial_check_history_trim_journal() {
    if let Some(store) = store().await {
        common::apply_and_history(&store, "ixfr.pg.example.").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_writers_do_not_interleave() {
    let (Some(a), Some(b)) = (store().await, store().await) else {
        return;
    };
    common::concurrent_writers(&[a.clone(), b, a], "race.pg.example.").await;
}
