//! What the resolver knows about each upstream address: smoothed RTT (RFC 6298's
//! estimator, as Unbound's infra cache), timeouts, quirks. Chooses the server to ask.
//!
//! API CONTRACT (stub: bodies to be written).

use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Why a server was chosen, for traces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// The only address not yet tried.
    OnlyChoice,
    /// Lowest smoothed RTT of those known.
    Fastest {
        /// Its smoothed RTT.
        srtt: Duration,
    },
    /// Never asked before.
    Untried,
    /// Picked at random now and then so that a server that got faster is noticed.
    Exploration,
}

/// The upstream address table. `Sync`.
#[derive(Default)]
pub struct Infra {}

impl Infra {
    /// An empty table.
    pub fn new() -> Infra {
        Infra::default()
    }

    /// Picks one of `candidates` for which `tried` is false; `None` when all were tried.
    /// `roll` is a uniform random number in [0, 1) (the caller owns the RNG).
    pub fn choose(
        &self,
        candidates: &[IpAddr],
        tried: &dyn Fn(IpAddr) -> bool,
        roll: f64,
        now: Instant,
    ) -> Option<(IpAddr, Choice)> {
        let _ = (candidates, tried, roll, now);
        todo!()
    }

    /// Records an answer from `addr` after `rtt`.
    pub fn record_rtt(&self, addr: IpAddr, rtt: Duration, now: Instant) {
        let _ = (addr, rtt, now);
        todo!()
    }

    /// Records that `addr` did not answer in time (or was unreachable).
    pub fn record_timeout(&self, addr: IpAddr, now: Instant) {
        let _ = (addr, now);
        todo!()
    }

    /// How long to wait for `addr`'s answer.
    pub fn timeout_for(&self, addr: IpAddr, now: Instant) -> Duration {
        let _ = (addr, now);
        todo!()
    }

    /// The smoothed RTT of `addr`, if it ever answered.
    pub fn srtt(&self, addr: IpAddr, now: Instant) -> Option<Duration> {
        let _ = (addr, now);
        todo!()
    }

    /// Marks `addr` as not echoing the question's case (0x20 off for it).
    pub fn set_no_caps(&self, addr: IpAddr) {
        let _ = addr;
        todo!()
    }

    /// Whether `addr` was found not to echo case.
    pub fn no_caps(&self, addr: IpAddr) -> bool {
        let _ = addr;
        todo!()
    }
}
