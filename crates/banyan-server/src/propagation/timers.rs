//! A secondary zone's clock (RFC 1035 §3.3.13, RFC 1996 §4): when to ask the primary
//! again, and when the copy held is too old to serve. No clock is read here: every method
//! takes `now` (seconds since 1970), so the rules are tested without waiting.

use banyan_wire::rdata::Soa;

/// Shortest refresh or retry interval honoured, whatever the SOA says: Knot's
/// `refresh-min-interval` and `retry-min-interval` default (2 s), so a zone with a zero
/// refresh does not make its secondary spin.
pub const MIN_INTERVAL: u32 = 2;

/// Longest refresh or retry interval honoured: Knot's `refresh-max-interval` and
/// `retry-max-interval` default (one day).
pub const MAX_INTERVAL: u32 = 86_400;

/// Retry interval before any SOA is known (no copy of the zone yet): NSD and Knot retry a
/// first transfer on a short timer rather than a day later.
pub const FIRST_RETRY: u32 = 10;

/// The timers of one secondary zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timers {
    refresh: u32,
    retry: u32,
    expire: u32,
    /// Last successful refresh (SOA check that found us current, or a transfer applied).
    last_success: Option<i64>,
    /// When to ask the primary next.
    next_check: i64,
}

impl Timers {
    /// The timers of a zone held as `soa` (or not held at all), last refreshed at
    /// `last_success` (read from the store after a restart). A zone never refreshed, or
    /// whose refresh time has passed, is checked at once.
    pub fn new(soa: Option<&Soa>, last_success: Option<i64>, now: i64) -> Timers {
        let mut t = Timers {
            refresh: FIRST_RETRY,
            retry: FIRST_RETRY,
            expire: 0,
            last_success,
            next_check: now,
        };
        if let Some(soa) = soa {
            t.take(soa);
            if let Some(at) = last_success {
                t.next_check = at.saturating_add(i64::from(t.refresh)).max(now);
            }
        }
        t
    }

    fn take(&mut self, soa: &Soa) {
        self.refresh = soa.refresh.clamp(MIN_INTERVAL, MAX_INTERVAL);
        self.retry = soa.retry.clamp(MIN_INTERVAL, MAX_INTERVAL);
        self.expire = soa.expire;
    }

    /// A refresh succeeded at `now` and the zone is now as `soa` says: check again after the
    /// refresh interval.
    pub fn succeeded(&mut self, soa: &Soa, now: i64) {
        self.take(soa);
        self.last_success = Some(now);
        self.next_check = now + i64::from(self.refresh);
    }

    /// A refresh failed at `now` (no primary answered, or a transfer was refused): try again
    /// after the retry interval (RFC 1035 §3.3.13 RETRY).
    pub fn failed(&mut self, now: i64) {
        self.next_check = now + i64::from(self.retry);
    }

    /// A NOTIFY came in (RFC 1996 §4.7): check at once.
    pub fn notified(&mut self, now: i64) {
        self.next_check = now;
    }

    /// When to ask the primary next.
    pub fn next_check(&self) -> i64 {
        self.next_check
    }

    /// The last successful refresh, if any.
    pub fn last_success(&self) -> Option<i64> {
        self.last_success
    }

    /// True when the copy held is past its EXPIRE (RFC 1035 §3.3.13: "the zone is no longer
    /// authoritative"): no refresh has succeeded for that long. A zone never transferred
    /// is not expired; it is simply not there.
    pub fn expired(&self, now: i64) -> bool {
        self.last_success
            .is_some_and(|at| now >= at.saturating_add(i64::from(self.expire)))
    }

    /// When the copy held expires, if one is held.
    pub fn expires_at(&self) -> Option<i64> {
        self.last_success.map(|at| at.saturating_add(i64::from(self.expire)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn soa(refresh: u32, retry: u32, expire: u32) -> Soa {
        Soa {
            mname: "ns.example.".parse().expect("name"),
            rname: "host.example.".parse().expect("name"),
            serial: 1,
            refresh,
            retry,
            expire,
            minimum: 60,
        }
    }

    #[test]
    fn a_zone_never_held_is_asked_for_at_once_and_retried_soon() {
        let mut t = Timers::new(None, None, 1000);
        assert_eq!(t.next_check(), 1000);
        assert!(!t.expired(1_000_000));
        t.failed(1000);
        assert_eq!(t.next_check(), 1000 + i64::from(FIRST_RETRY));
    }

    #[test]
    fn refresh_then_retry_then_expire() {
        let s = soa(600, 60, 3600);
        let mut t = Timers::new(None, None, 0);
        t.succeeded(&s, 100);
        assert_eq!(t.next_check(), 700);
        // The primary is down: retried on the retry timer, not the refresh timer.
        t.failed(700);
        assert_eq!(t.next_check(), 760);
        t.failed(760);
        assert_eq!(t.next_check(), 820);
        assert!(!t.expired(3699));
        assert!(t.expired(3700));
        assert_eq!(t.expires_at(), Some(3700));
        // A success brings it back.
        t.succeeded(&s, 3800);
        assert!(!t.expired(3800));
    }

    #[test]
    fn notify_checks_at_once() {
        let mut t = Timers::new(None, None, 0);
        t.succeeded(&soa(600, 60, 3600), 0);
        t.notified(5);
        assert_eq!(t.next_check(), 5);
    }

    #[test]
    fn after_a_restart_the_stored_refresh_time_counts() {
        let s = soa(600, 60, 3600);
        // Refreshed 100 s before the restart: next check 500 s later, not at once.
        let t = Timers::new(Some(&s), Some(900), 1000);
        assert_eq!(t.next_check(), 1500);
        // Refreshed long ago: checked at once, and already expired.
        let t = Timers::new(Some(&s), Some(0), 5000);
        assert_eq!(t.next_check(), 5000);
        assert!(t.expired(5000));
    }

    #[test]
    fn silly_intervals_are_clamped() {
        let mut t = Timers::new(None, None, 0);
        t.succeeded(&soa(0, 0, 10), 0);
        assert_eq!(t.next_check(), i64::from(MIN_INTERVAL));
        t.succeeded(&soa(u32::MAX, 0, 10), 0);
        assert_eq!(t.next_check(), i64::from(MAX_INTERVAL));
    }
}
