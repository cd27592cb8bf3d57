//! The load loop against a responder thread on loopback: every query answered, some dropped,
//! some answered wrongly. The runs stop after a count of queries (or a short deadline) and
//! use a short loss timeout, so nothing waits on a sleep.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use banyan_loadgen::{parse_queries, run, Config, Query, QueryOptions, Stats, Stop};

/// What the responder does with the n-th query it receives (counting from 1).
#[derive(Clone, Copy)]
enum Mode {
    /// Answers every query.
    Echo,
    /// Ignores every n-th query.
    DropEvery(u64),
    /// Answers every n-th query twice: the second copy matches nothing outstanding.
    DuplicateEvery(u64),
    /// Answers every n-th query with another name in its question.
    WrongQuestionEvery(u64),
}

/// A UDP responder that answers a query with itself, QR set: same ID, same question.
struct Responder {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    received: Arc<AtomicU64>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Responder {
    fn start(mode: Mode) -> std::io::Result<Responder> {
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        // Only bounds how long the thread takes to see `stop` once the test is over.
        socket.set_read_timeout(Some(Duration::from_millis(20)))?;
        let addr = socket.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let received = Arc::new(AtomicU64::new(0));
        let (stop2, received2) = (Arc::clone(&stop), Arc::clone(&received));
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while !stop2.load(Ordering::Relaxed) {
                let (len, from) = match socket.recv_from(&mut buf) {
                    Ok(got) => got,
                    Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                        continue
                    }
                    Err(e) => return Err(e),
                };
                let n = received2.fetch_add(1, Ordering::Relaxed) + 1;
                let reply = &mut buf[..len];
                reply[2] |= 0x80; // QR
                match mode {
                    Mode::Echo => {}
                    Mode::DropEvery(k) if n % k == 0 => continue,
                    Mode::DuplicateEvery(k) if n % k == 0 => {
                        socket.send_to(reply, from)?;
                    }
                    // The first octet of the first label: "host..." becomes "iost...".
                    Mode::WrongQuestionEvery(k) if n % k == 0 => reply[13] ^= 0x01,
                    _ => {}
                }
                socket.send_to(reply, from)?;
            }
            Ok(())
        });
        Ok(Responder {
            addr,
            stop,
            received,
            thread: Some(thread),
        })
    }

    fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let result = thread.join();
            if !std::thread::panicking() {
                assert!(matches!(result, Ok(Ok(()))), "responder failed: {result:?}");
            }
        }
    }
}

fn queries() -> Vec<Query> {
    let text: String = (0..50)
        .map(|i| format!("host{i}.bench.test. {}\n", ["A", "AAAA", "MX"][i % 3]))
        .collect();
    parse_queries(&text, QueryOptions { edns: false }).expect("queries parse")
}

fn config(server: SocketAddr, stop: Stop, loss: Duration) -> Config {
    let mut config = Config::new(server, stop);
    // Small enough for the responder's default receive buffer to hold every query in flight.
    config.max_outstanding = 100;
    config.sockets = 3;
    config.batch = 8;
    config.loss_timeout = loss;
    config
}

fn run_against(mode: Mode, stop: Stop, loss: Duration) -> (Stats, u64) {
    let responder = Responder::start(mode).expect("responder starts");
    let stats = run(&config(responder.addr, stop, loss), &queries()).expect("run");
    let received = responder.received();
    (stats, received)
}

#[test]
fn every_query_answered_counts_completed() {
    let (stats, received) = run_against(Mode::Echo, Stop::Count(3000), Duration::from_secs(5));
    assert_eq!(stats.sent, 3000);
    assert_eq!(received, 3000);
    assert_eq!(stats.completed, 3000);
    assert_eq!(stats.lost, 0);
    assert_eq!(stats.unexpected, 0);
    assert_eq!(stats.rcodes[0], 3000, "all NOERROR");
    assert!(stats.latency_max_ns >= stats.latency_min_ns);
    assert!(stats.to_string().contains("  Queries completed:    3000 (100.00%)\n"));
}

#[test]
fn a_deadline_stops_sending() {
    let (stats, _) = run_against(
        Mode::Echo,
        Stop::After(Duration::from_millis(50)),
        Duration::from_secs(5),
    );
    assert!(stats.sent > 0);
    assert_eq!(stats.completed, stats.sent);
    assert_eq!(stats.lost, 0);
    assert!(stats.send_time >= Duration::from_millis(50));
    assert!(stats.qps() > 0.0);
}

#[test]
fn dropped_queries_are_counted_lost() {
    let (stats, received) = run_against(Mode::DropEvery(10), Stop::Count(1000), Duration::from_millis(200));
    assert_eq!(stats.sent, 1000);
    assert_eq!(received, 1000);
    assert_eq!(stats.lost, 100);
    assert_eq!(stats.completed, 900);
    assert_eq!(stats.unexpected, 0);
    assert!(stats.to_string().contains("  Queries lost:         100 (10.00%)\n"));
}

#[test]
fn duplicate_replies_are_unexpected() {
    let (stats, _) = run_against(Mode::DuplicateEvery(10), Stop::Count(1000), Duration::from_secs(5));
    assert_eq!(stats.completed, 1000);
    assert_eq!(stats.lost, 0);
    // The run may end before the last duplicate arrives; every other one was seen.
    assert!((99..=100).contains(&stats.unexpected), "{}", stats.unexpected);
}

#[test]
fn a_reply_with_another_question_is_unexpected_and_its_query_lost() {
    let (stats, _) = run_against(
        Mode::WrongQuestionEvery(10),
        Stop::Count(1000),
        Duration::from_millis(200),
    );
    assert_eq!(stats.sent, 1000);
    assert_eq!(stats.unexpected, 100);
    assert_eq!(stats.lost, 100);
    assert_eq!(stats.completed, 900);
}
