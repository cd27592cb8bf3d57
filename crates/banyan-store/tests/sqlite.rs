//! The store on SQLite: the shared scenarios, reopening, migrations, and the file's settings.
#![allow(clippy::unwrap_used)]

mod common;

use banyan_store::{Store, StoreError, ZoneKind};
use common::{lines, loaded, name, soa};

async fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_data_dir(dir.path()).await.unwrap();
    (dir, store)
}

#[tokio::test]
async fn replace_load_round_trip_many_types() {
    let (_dir, store) = temp_store().await;
    common::round_trip(&store, "rt.example.").await;
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let (_dir, store) = temp_store().await;
    common::refuses_bad_input(&store, "bad.example.").await;
}

#[tokio::test]
async fn apply_serial_check_history_trim_journal() {
    let (_dir, store) = temp_store().await;
    common::apply_and_history(&store, "ixfr.example.").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_do_not_interleave() {
    let dir = tempfile::tempdir().unwrap();
    // Two pools on one file, as two processes would have, plus a clone sharing a pool.
    let a = Store::open_data_dir(dir.path()).await.unwrap();
    let b = Store::open_data_dir(dir.path()).await.unwrap();
    common::concurrent_writers(&[a.clone(), b, a], "race.example.").await;
}

#[tokio::test]
async fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("data dir");
    let zone = "keep.example.";
    let apex = name(zone);
    let records = common::many_types(zone);
    {
        let store = Store::open_data_dir(&data).await.unwrap();
        store.replace(&apex, ZoneKind::Secondary, &records, 5).await.unwrap();
        store.set_refreshed(&apex, 6).await.unwrap();
    }
    assert!(data.join("banyan.db").is_file());
    let store = Store::open_data_dir(&data).await.unwrap();
    let info = store.info(&apex).await.unwrap().unwrap();
    assert_eq!(
        (info.kind, info.serial, info.updated, info.refreshed),
        (ZoneKind::Secondary, 1, 5, Some(6))
    );
    assert_eq!(loaded(&store, &apex).await, lines(&records));
}

#[tokio::test]
async fn open_by_url_creates_the_file_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("z.db");
    let url = format!("sqlite://{}", file.display());
    let store = Store::open(&url).await.unwrap();
    store
        .replace(&name("w.example."), ZoneKind::Managed, &[soa("w.example.", 1)], 1)
        .await
        .unwrap();
    assert!(file.is_file());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(version, 1);
    // Opening again applies nothing twice.
    drop(Store::open(&url).await.unwrap());
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schema_version")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("new.db").display());
    drop(Store::open(&url).await.unwrap());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    sqlx::query("INSERT INTO schema_version (version, applied) VALUES (99, 0)")
        .execute(&pool)
        .await
        .unwrap();
    match Store::open(&url).await {
        Err(StoreError::SchemaTooNew { found: 99, known: 1 }) => {}
        other => panic!("expected SchemaTooNew, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn unknown_url_schemes_are_refused_without_leaking_passwords() {
    let e = Store::open("mysql://user:hunter2@db/zones").await.err().unwrap();
    assert!(matches!(e, StoreError::UnsupportedUrl { .. }));
    assert!(!e.to_string().contains("hunter2"), "{e}");
}
