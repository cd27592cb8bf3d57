//! Crash safety: a writer process killed with SIGKILL in the middle of its work loses no change
//! it acknowledged and leaves no half change behind.
//!
//! The test re-runs its own binary as the writer (the `writer_child` test, which does nothing
//! unless `CHILD_ENV` names a data directory). The writer applies changes in a loop and prints
//! `ACK <serial>` after each `apply` returns; the test kills it after `KILL_AFTER` lines, then
//! reopens the store and checks it.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use banyan_store::{Store, ZoneKind};
use banyan_wire::Record;
use banyan_zone::ZoneDiff;
use common::{name, rec, soa};

const CHILD_ENV: &str = "BANYAN_STORE_CRASH_CHILD";
const ZONE: &str = "crash.example.";
const KILL_AFTER: usize = 40;
/// The writer stops by itself after this many changes, should nobody kill it.
const WRITER_LIMIT: u32 = 5_000;

/// The records a change to `serial` adds besides the SOA: a counter and one new host.
fn extras(serial: u32) -> Vec<Record> {
    vec![
        rec(&format!("counter.{ZONE} 60 IN TXT \"serial={serial}\"")),
        rec(&format!("h{serial}.{ZONE} 60 IN A 192.0.2.{}", serial % 250)),
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn writer_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return; // only a writer when the crash test starts it
    };
    runtime().block_on(async {
        let store = Store::open_data_dir(dir.as_ref()).await.unwrap();
        let apex = name(ZONE);
        let mut out = std::io::stdout();
        for _ in 0..WRITER_LIMIT {
            let serial = store.info(&apex).await.unwrap().unwrap().serial;
            let next = serial + 1;
            let mut removed = vec![soa(ZONE, serial), extras(serial).remove(0)];
            if serial == 1 {
                removed.truncate(1); // version 1 has no counter
            }
            let mut added = vec![soa(ZONE, next)];
            added.extend(extras(next));
            store
                .apply(&apex, &ZoneDiff { removed, added }, i64::from(next))
                .await
                .unwrap();
            // Acknowledged: `apply` returned. A closed pipe ends the writer.
            if writeln!(out, "ACK {next}").and_then(|()| out.flush()).is_err() {
                return;
            }
        }
    });
}

#[test]
fn acknowledged_changes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let apex = name(ZONE);
    runtime().block_on(async {
        let store = Store::open_data_dir(dir.path()).await.unwrap();
        store
            .replace(
                &apex,
                ZoneKind::Managed,
                &[soa(ZONE, 1), rec(&format!("{ZONE} 60 IN NS ns.{ZONE}"))],
                0,
            )
            .await
            .unwrap();
    });

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "writer_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acked = 0u32;
    let mut lines = 0;
    let mut killed = false;
    // The harness may print on the same line before the writer's output: look for the marker.
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let Some(at) = line.find("ACK ") else { continue };
        let serial: u32 = line[at + 4..].trim().parse().unwrap();
        assert_eq!(serial, acked.max(1) + 1, "acknowledgements in order");
        acked = serial;
        lines += 1;
        if lines == KILL_AFTER && !killed {
            child.kill().unwrap(); // SIGKILL: no destructor, no flush, mid-transaction
            killed = true;
        }
    }
    let status = child.wait().unwrap();
    assert!(killed, "the writer ended by itself ({status}) after {lines} changes");
    assert!(!status.success());
    assert!(acked > KILL_AFTER as u32, "version 1 plus one per acknowledgement");

    runtime().block_on(async {
        let store = Store::open_data_dir(dir.path()).await.unwrap();
        let zone = store.load(&apex).await.unwrap().unwrap();
        let serial = zone.info.serial;
        eprintln!("acknowledged {acked}, stored {serial}");
        // Every acknowledged change is there; at most the one in flight went further.
        assert!(
            serial == acked || serial == acked + 1,
            "stored {serial}, acknowledged {acked}"
        );
        // The version is whole: SOA, counter and hosts all agree with the serial.
        let mut expect = vec![soa(ZONE, serial), rec(&format!("{ZONE} 60 IN NS ns.{ZONE}"))];
        expect.push(extras(serial).remove(0));
        expect.extend((2..=serial).map(|s| extras(s).remove(1)));
        assert_eq!(common::lines(&zone.records), common::lines(&expect));
        // So is the history: one change per serial, chained from 1.
        let journal = store.journal(&apex).await.unwrap();
        assert_eq!(journal.len() as u32, serial - 1);
        for (i, d) in journal.iter().enumerate() {
            let to = i as u32 + 2;
            assert_eq!(d.removed[0], soa(ZONE, to - 1));
            assert_eq!(d.added[0], soa(ZONE, to));
            assert_eq!(d.added[1..], extras(to)[..]);
        }
        assert_eq!(
            store.history(&apex, 1).await.unwrap().map(|h| h.len()),
            Some(journal.len())
        );
    });
}
