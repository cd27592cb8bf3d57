//! Waiting for a server to have taken a burst of UDP queries, for tests that then read the
//! replies until a short silence: a loaded machine's slow scheduling of the server is not
//! taken for the quiet after its last reply. Shared by the test binaries that send bursts.

use std::time::{Duration, Instant};

use banyan_server::Server;

/// Waits until `server` has counted `n` UDP queries in all. Bounded (30 s), in case the
/// queries were lost.
pub fn await_udp_queries(server: &Server, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.metrics().counts.queries[0] < n {
        assert!(Instant::now() < deadline, "the server did not take {n} UDP queries");
        std::thread::sleep(Duration::from_millis(2));
    }
}
