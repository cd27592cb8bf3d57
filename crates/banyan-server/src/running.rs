//! What a running service owns and how it stops: the UDP worker threads (which watch a shared
//! flag), the TCP tasks (a watch channel) and the tokio runtime. Shared by the authoritative
//! server and the resolver service; dropping it stops everything.
//!
//! Stopping is graceful, within [`SHUTDOWN_GRACE`]: no new query is taken (the TCP accept
//! loops end, the UDP workers stop reading), and what was taken is finished: a UDP batch
//! being answered is sent, resolutions in flight complete (or time out) and are answered,
//! and TCP connections write the answers they have queued. Work still going after the
//! grace period is dropped.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use crate::ServerError;

/// Longest wait at shutdown for the work in flight to finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Counts work in flight (connections, resolutions) so a stop can wait for it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pending(Arc<PendingInner>);

#[derive(Debug, Default)]
pub(crate) struct PendingInner {
    count: AtomicUsize,
    idle: Notify,
}

/// One piece of work in flight; finished when dropped.
#[derive(Debug)]
pub(crate) struct PendingGuard(Arc<PendingInner>);

impl Pending {
    /// Marks one more piece of work in flight until the guard is dropped.
    pub(crate) fn start(&self) -> PendingGuard {
        self.0.count.fetch_add(1, Ordering::SeqCst);
        PendingGuard(self.0.clone())
    }

    /// Returns when nothing is in flight.
    pub(crate) async fn idle(&self) {
        loop {
            // Registered before the count is read, so a finish in between still wakes us.
            let notified = self.0.idle.notified();
            if self.0.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// The threads and runtime of one service.
pub(crate) struct Running {
    /// Set to stop the UDP workers (they look at it at least every `UDP_POLL`).
    stop: Arc<AtomicBool>,
    /// Sent `true` to stop the TCP accept loops and connections.
    stop_tcp: watch::Sender<bool>,
    /// The UDP worker threads, joined on stop.
    udp_threads: Vec<JoinHandle<()>>,
    /// The runtime of TCP and signals, shut down last.
    pub(crate) runtime: Option<tokio::runtime::Runtime>,
    /// TCP connections (and what else runs on the runtime) still being served.
    pub(crate) pending: Pending,
}

impl Running {
    /// Nothing running yet: the flag the UDP workers will watch, and the TCP stop channel.
    pub(crate) fn new(stop: Arc<AtomicBool>, stop_tcp: watch::Sender<bool>) -> Running {
        Running {
            stop,
            stop_tcp,
            udp_threads: Vec::new(),
            runtime: None,
            pending: Pending::default(),
        }
    }

    /// Starts a UDP worker thread named `name`; it is joined on stop.
    pub(crate) fn spawn_udp(
        &mut self,
        name: String,
        worker: impl FnOnce() + Send + 'static,
    ) -> Result<(), ServerError> {
        let handle = std::thread::Builder::new()
            .name(name)
            .spawn(worker)
            .map_err(ServerError::Start)?;
        self.udp_threads.push(handle);
        Ok(())
    }

    /// Stops taking queries, lets the work in flight finish (at most [`SHUTDOWN_GRACE`]),
    /// then closes every socket; returns when the workers are gone.
    pub(crate) fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.stop_tcp.send(true);
        // The UDP workers finish their batch and wait for their own resolutions.
        for t in self.udp_threads.drain(..) {
            let _ = t.join();
        }
        if let Some(rt) = self.runtime.take() {
            // Not possible from inside a runtime (a service dropped by async code): then the
            // work in flight is dropped at once.
            if tokio::runtime::Handle::try_current().is_err() {
                let pending = self.pending.clone();
                // The timer is made inside the runtime, which has the time driver.
                let _ = rt.block_on(async move { tokio::time::timeout(SHUTDOWN_GRACE, pending.idle()).await });
            }
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}
