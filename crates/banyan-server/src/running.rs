//! What a running service owns and how it stops: the UDP worker threads (which watch a shared
//! flag), the TCP tasks (a watch channel) and the tokio runtime. Shared by the authoritative
//! server and the resolver service; dropping it stops everything.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::watch;

use crate::ServerError;

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
}

impl Running {
    /// Nothing running yet: the flag the UDP workers will watch, and the TCP stop channel.
    pub(crate) fn new(stop: Arc<AtomicBool>, stop_tcp: watch::Sender<bool>) -> Running {
        Running {
            stop,
            stop_tcp,
            udp_threads: Vec::new(),
            runtime: None,
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

    /// Stops the workers and closes every socket; returns when they are gone. Connections
    /// still open are dropped (closed) with their tasks.
    pub(crate) fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.stop_tcp.send(true);
        for t in self.udp_threads.drain(..) {
            let _ = t.join();
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}
