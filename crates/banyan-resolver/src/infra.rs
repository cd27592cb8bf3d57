//! What the resolver knows about each upstream address: smoothed RTT (RFC 6298's
//! estimator, as Unbound's infra cache), timeouts, quirks. Chooses the server to ask.
//!
//! The model, per address:
//! - an RFC 6298 §2 estimator (SRTT, RTTVAR) fed by answers only;
//! - while the address keeps timing out, a backed-off RTT and timeout, each doubled per
//!   timeout (RFC 6298 §5.5) up to [`MAX_BACKOFF_RTT`], forgotten at the next answer;
//! - decay: what was learnt fades back toward [`UNKNOWN_RTT`] with age (half of the
//!   difference every [`DECAY_HALF_LIFE`]), so a server penalised long ago gets asked again
//!   and one measured fast long ago no longer counts as fast; after [`ENTRY_LIFETIME`] the
//!   address counts as never asked, as after Unbound's `infra-host-ttl`.
//!
//! The table is consulted on the slow path only (a cache miss sending a query), so one
//! mutex over a hash map is enough. Time is passed in; nothing here reads a clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The RTT assumed for an address never asked, and the timeout for its first query: 376 ms,
/// Unbound's `unknown-server-time-limit`. Long enough for a server across the world to
/// answer (most round trips are well under 300 ms), short enough that a dead address costs
/// little before the next one is tried.
pub const UNKNOWN_RTT: Duration = Duration::from_millis(376);

/// The shortest timeout: 50 ms, Unbound's `RTT_MIN_TIMEOUT`. A server measured at a fraction
/// of a millisecond (on the same LAN, or loopback in a lab) still gets time for a scheduling
/// hiccup before it is thought lost.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(50);

/// The longest timeout for one query: 2 s. A stub client usually gives up on the resolver
/// after a few seconds (glibc after 5 s per attempt), so waiting longer for one upstream
/// only delays trying another; RFC 6298 §2.5's 60 s ceiling is for TCP, not DNS.
pub const MAX_TIMEOUT: Duration = Duration::from_millis(2000);

/// The ceiling of the backed-off RTT used for choosing (and of the stored backed-off
/// timeout before it is clamped to [`MAX_TIMEOUT`]): 12 s, past every answering server,
/// so a dead one sorts last; not higher, so that decay brings it back within minutes.
pub const MAX_BACKOFF_RTT: Duration = Duration::from_secs(12);

/// The time in which a measurement loses half its weight against [`UNKNOWN_RTT`]: 2 min.
/// A server that timed out three times (3 s) is back near 400 ms after ten minutes.
pub const DECAY_HALF_LIFE: Duration = Duration::from_secs(120);

/// After this long without news an address counts as never asked: 15 min, Unbound's
/// `infra-host-ttl` default. By then decay has left under 1% of what was learnt.
pub const ENTRY_LIFETIME: Duration = Duration::from_secs(900);

/// The share of choices that explore another server than the fastest (`roll` below this):
/// 5%. Enough to notice a server that got faster within a few dozen queries to a zone,
/// little enough that the average query still goes to the fastest.
pub const EXPLORATION_RATE: f64 = 0.05;

/// The most addresses the table holds: 100 000, some 10 MB. A busy resolver talks to tens of
/// thousands of name servers; more are evicted, the least recently updated first.
pub const MAX_ADDRESSES: usize = 100_000;

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

/// The RFC 6298 §2 estimator, in milliseconds.
#[derive(Clone, Copy, Debug)]
struct Estimate {
    srtt: f64,
    rttvar: f64,
}

/// What is known of one address.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// From answers only; `None` until the first.
    estimate: Option<Estimate>,
    /// Timeouts since the last answer.
    timeouts: u32,
    /// While `timeouts > 0`: the RTT used for choosing, doubled per timeout (ms).
    backoff_rtt: f64,
    /// While `timeouts > 0`: the timeout, doubled per timeout (ms), RFC 6298 §5.5.
    backoff_rto: f64,
    /// When an answer or timeout was last recorded; `None` when only a quirk was.
    updated: Option<Instant>,
    /// The server does not echo the question's case (0x20 is off for it).
    no_caps: bool,
    /// The server cookie it last sent (RFC 7873 §5.3: 8 to 32 octets), echoed in the next
    /// queries; the first `server_cookie_len` octets (0: none). Inline, so entries stay `Copy`.
    server_cookie: [u8; 32],
    server_cookie_len: u8,
}

const UNKNOWN_MS: f64 = UNKNOWN_RTT.as_millis() as f64;
const MIN_TIMEOUT_MS: f64 = MIN_TIMEOUT.as_millis() as f64;
const MAX_TIMEOUT_MS: f64 = MAX_TIMEOUT.as_millis() as f64;
const MAX_BACKOFF_MS: f64 = MAX_BACKOFF_RTT.as_millis() as f64;

impl Entry {
    fn new() -> Entry {
        Entry {
            estimate: None,
            timeouts: 0,
            backoff_rtt: UNKNOWN_MS,
            backoff_rto: UNKNOWN_MS,
            updated: None,
            no_caps: false,
            server_cookie: [0; 32],
            server_cookie_len: 0,
        }
    }

    /// Time since the last record, if one is recent enough to count.
    fn age(&self, now: Instant) -> Option<Duration> {
        let age = now.saturating_duration_since(self.updated?);
        (age < ENTRY_LIFETIME).then_some(age)
    }

    /// The age of what is known, when something is (an answer or a timeout, not expired).
    fn known(&self, now: Instant) -> Option<Duration> {
        let age = self.age(now)?;
        (self.estimate.is_some() || self.timeouts > 0).then_some(age)
    }

    /// The RTT used for choosing, decayed (ms).
    fn rank(&self, now: Instant) -> f64 {
        match self.known(now) {
            None => UNKNOWN_MS,
            Some(age) => {
                let raw = match (self.timeouts, self.estimate) {
                    (0, Some(e)) => e.srtt,
                    (0, None) => UNKNOWN_MS,
                    _ => self.backoff_rtt,
                };
                decay(raw, age)
            }
        }
    }

    /// The timeout, decayed and clamped (ms).
    fn rto(&self, now: Instant) -> f64 {
        let rto = match self.known(now) {
            None => UNKNOWN_MS,
            Some(age) => {
                let raw = match (self.timeouts, self.estimate) {
                    // RFC 6298 §2.3; the clock-granularity term is negligible here.
                    (0, Some(e)) => e.srtt + 4.0 * e.rttvar,
                    (0, None) => UNKNOWN_MS,
                    _ => self.backoff_rto,
                };
                decay(raw, age)
            }
        };
        rto.clamp(MIN_TIMEOUT_MS, MAX_TIMEOUT_MS)
    }

    /// Forgets RTT knowledge that has expired (quirks stay: they are cheap to be wrong about).
    fn expire(&mut self, now: Instant) {
        if self.age(now).is_none() {
            self.estimate = None;
            self.timeouts = 0;
        }
    }

    /// Whether the address is backing off now.
    fn backing_off(&self, now: Instant) -> bool {
        self.timeouts > 0 && self.age(now).is_some()
    }
}

/// `value` (ms) moved toward [`UNKNOWN_RTT`] by its age: half the difference per half-life.
fn decay(value: f64, age: Duration) -> f64 {
    let weight = 0.5f64.powf(age.as_secs_f64() / DECAY_HALF_LIFE.as_secs_f64());
    UNKNOWN_MS + (value - UNKNOWN_MS) * weight
}

/// Milliseconds as a `Duration`, rounded to the nanosecond (so 376.0 is exactly 376 ms).
fn millis(ms: f64) -> Duration {
    Duration::from_nanos((ms.max(0.0) * 1e6).round() as u64)
}

/// The upstream address table. `Sync`.
pub struct Infra {
    table: Mutex<HashMap<IpAddr, Entry>>,
    capacity: usize,
}

impl Default for Infra {
    fn default() -> Infra {
        Infra::with_capacity(MAX_ADDRESSES)
    }
}

impl std::fmt::Debug for Infra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Infra")
            .field("addresses", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl Infra {
    /// An empty table.
    pub fn new() -> Infra {
        Infra::default()
    }

    /// An empty table holding at most `capacity` addresses (at least 1).
    pub fn with_capacity(capacity: usize) -> Infra {
        Infra {
            table: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// Addresses held now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no address is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Picks one of `candidates` for which `tried` is false; `None` when all were tried.
    /// `roll` is a uniform random number in [0, 1) (the caller owns the RNG).
    ///
    /// With one left it is [`Choice::OnlyChoice`]. Otherwise, when `roll` is below
    /// [`EXPLORATION_RATE`], `roll` scaled to [0, 1) indexes the others that are not backing
    /// off ([`Choice::Exploration`]; a server in backoff gets its chance through decay).
    /// Else the lowest effective RTT wins, an address never asked counting as
    /// [`UNKNOWN_RTT`], ties going to the first in `candidates` (RFC 1034 §5.3.3 asks to
    /// prefer the server that answered fastest).
    pub fn choose(
        &self,
        candidates: &[IpAddr],
        tried: &dyn Fn(IpAddr) -> bool,
        roll: f64,
        now: Instant,
    ) -> Option<(IpAddr, Choice)> {
        let table = self.lock();
        // (address, effective RTT in ms, known, backing off)
        let open: Vec<(IpAddr, f64, bool, bool)> = candidates
            .iter()
            .filter(|&&addr| !tried(addr))
            .map(|&addr| match table.get(&addr) {
                Some(e) => (addr, e.rank(now), e.known(now).is_some(), e.backing_off(now)),
                None => (addr, UNKNOWN_MS, false, false),
            })
            .collect();
        drop(table);
        let mut best = *open.first()?;
        if open.len() == 1 {
            return Some((best.0, Choice::OnlyChoice));
        }
        for &c in &open[1..] {
            if c.1 < best.1 {
                best = c;
            }
        }
        if roll < EXPLORATION_RATE {
            let others: Vec<IpAddr> = open.iter().filter(|c| c.0 != best.0 && !c.3).map(|c| c.0).collect();
            if !others.is_empty() {
                let scaled = (roll / EXPLORATION_RATE).clamp(0.0, 1.0);
                let i = ((scaled * others.len() as f64) as usize).min(others.len() - 1);
                return Some((others[i], Choice::Exploration));
            }
        }
        let choice = if best.2 {
            Choice::Fastest { srtt: millis(best.1) }
        } else {
            Choice::Untried
        };
        Some((best.0, choice))
    }

    /// Records an answer from `addr` after `rtt`: RFC 6298 §2.2 for the first measurement
    /// (SRTT = R, RTTVAR = R/2), §2.3 after (alpha 1/8, beta 1/4). Ends any backoff, as
    /// Unbound does: an answer shows the address works.
    pub fn record_rtt(&self, addr: IpAddr, rtt: Duration, now: Instant) {
        let mut table = self.lock();
        let entry = self.entry(&mut table, addr, now);
        entry.expire(now);
        let r = rtt.as_secs_f64() * 1000.0;
        entry.estimate = Some(match entry.estimate {
            None => Estimate {
                srtt: r,
                rttvar: r / 2.0,
            },
            Some(e) => Estimate {
                // RTTVAR first, with the old SRTT (RFC 6298 §2.3).
                rttvar: 0.75 * e.rttvar + 0.25 * (e.srtt - r).abs(),
                srtt: 0.875 * e.srtt + 0.125 * r,
            },
        });
        entry.timeouts = 0;
        entry.updated = Some(now);
    }

    /// Records that `addr` did not answer in time (or was unreachable): the RTT used for
    /// choosing and the timeout both double from their present (decayed) values, up to
    /// [`MAX_BACKOFF_RTT`] (RFC 6298 §5.5; Unbound's exponential backoff).
    pub fn record_timeout(&self, addr: IpAddr, now: Instant) {
        let mut table = self.lock();
        let entry = self.entry(&mut table, addr, now);
        entry.expire(now);
        let rank = entry.rank(now);
        let rto = entry.rto(now);
        entry.backoff_rtt = (2.0 * rank).min(MAX_BACKOFF_MS);
        entry.backoff_rto = (2.0 * rto).min(MAX_BACKOFF_MS);
        entry.timeouts = entry.timeouts.saturating_add(1);
        entry.updated = Some(now);
    }

    /// How long to wait for `addr`'s answer: RFC 6298's RTO, SRTT + 4·RTTVAR, doubled per
    /// timeout, decayed like the RTT, within [[`MIN_TIMEOUT`], [`MAX_TIMEOUT`]];
    /// [`UNKNOWN_RTT`] for an address never asked.
    pub fn timeout_for(&self, addr: IpAddr, now: Instant) -> Duration {
        let ms = self.lock().get(&addr).map_or(UNKNOWN_MS, |e| e.rto(now));
        millis(ms)
    }

    /// The smoothed RTT of `addr`, if it ever answered (and that is not forgotten): the value
    /// [`Infra::choose`] ranks it by, decay and any backoff included.
    pub fn srtt(&self, addr: IpAddr, now: Instant) -> Option<Duration> {
        let table = self.lock();
        let entry = table.get(&addr)?;
        entry.age(now)?;
        entry.estimate?;
        Some(millis(entry.rank(now)))
    }

    /// Timeouts from `addr` since its last answer (0 when unknown or forgotten).
    pub fn consecutive_timeouts(&self, addr: IpAddr, now: Instant) -> u32 {
        let table = self.lock();
        table
            .get(&addr)
            .filter(|e| e.age(now).is_some())
            .map_or(0, |e| e.timeouts)
    }

    /// Marks `addr` as not echoing the question's case (0x20 off for it). Kept while the
    /// address stays in the table: wrongly sending it mixed case costs a retry, wrongly not
    /// costs only some spoofing resistance.
    pub fn set_no_caps(&self, addr: IpAddr) {
        let mut table = self.lock();
        if let Some(entry) = table.get_mut(&addr) {
            entry.no_caps = true;
            return;
        }
        self.make_room(&mut table);
        let mut entry = Entry::new();
        entry.no_caps = true;
        table.insert(addr, entry);
    }

    /// Remembers the server cookie `addr` sent (RFC 7873 §5.3: the client stores it and
    /// sends it back in its next queries to that server).
    pub fn set_server_cookie(&self, addr: IpAddr, cookie: &[u8]) {
        let Ok(len) = u8::try_from(cookie.len()) else { return };
        if !(8..=32).contains(&len) {
            return;
        }
        let mut table = self.lock();
        if !table.contains_key(&addr) {
            self.make_room(&mut table);
            table.insert(addr, Entry::new());
        }
        if let Some(entry) = table.get_mut(&addr) {
            entry.server_cookie[..cookie.len()].copy_from_slice(cookie);
            entry.server_cookie_len = len;
        }
    }

    /// The server cookie last received from `addr`, if any.
    pub fn server_cookie(&self, addr: IpAddr) -> Option<Vec<u8>> {
        let table = self.lock();
        let entry = table.get(&addr).filter(|e| e.server_cookie_len > 0)?;
        Some(entry.server_cookie[..usize::from(entry.server_cookie_len)].to_vec())
    }

    /// Whether `addr` was found not to echo case.
    pub fn no_caps(&self, addr: IpAddr) -> bool {
        self.lock().get(&addr).is_some_and(|e| e.no_caps)
    }

    /// The table. A panic elsewhere while holding the lock leaves the statistics usable (at
    /// worst one update half done), so a poisoned lock is taken over, not propagated.
    fn lock(&self) -> MutexGuard<'_, HashMap<IpAddr, Entry>> {
        self.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The entry of `addr`, created (making room first) when absent.
    fn entry<'a>(&self, table: &'a mut HashMap<IpAddr, Entry>, addr: IpAddr, now: Instant) -> &'a mut Entry {
        if !table.contains_key(&addr) {
            self.make_room(table);
        }
        table.entry(addr).or_insert_with(|| {
            let mut e = Entry::new();
            e.updated = Some(now);
            e
        })
    }

    /// When the table is full, drops the least recently updated tenth of it (entries with
    /// only a quirk first): evicting in batches keeps the cost of a full table at a scan per
    /// [`MAX_ADDRESSES`]/10 insertions rather than a scan per insertion.
    fn make_room(&self, table: &mut HashMap<IpAddr, Entry>) {
        if table.len() < self.capacity {
            return;
        }
        let batch = (self.capacity / 10).max(1);
        let mut times: Vec<Option<Instant>> = table.values().map(|e| e.updated).collect();
        let (_, cutoff, _) = times.select_nth_unstable(batch - 1);
        let cutoff = *cutoff;
        let mut dropped = 0;
        table.retain(|_, e| {
            if dropped < batch && e.updated <= cutoff {
                dropped += 1;
                false
            } else {
                true
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn none_tried(_: IpAddr) -> bool {
        false
    }

    /// A roll that never explores.
    const NO_EXPLORE: f64 = 0.5;

    fn close(a: Duration, b: Duration) -> bool {
        a.abs_diff(b) < Duration::from_micros(10)
    }

    #[test]
    fn is_sync() {
        fn sync<T: Sync + Send>() {}
        sync::<Infra>();
    }

    #[test]
    fn fastest_wins() {
        let infra = Infra::new();
        let t0 = Instant::now();
        infra.record_rtt(ip(1), ms(100), t0);
        infra.record_rtt(ip(2), ms(20), t0);
        infra.record_rtt(ip(3), ms(60), t0);
        let got = infra.choose(&[ip(1), ip(2), ip(3)], &none_tried, NO_EXPLORE, t0);
        assert_eq!(got, Some((ip(2), Choice::Fastest { srtt: ms(20) })));
    }

    #[test]
    fn ties_go_to_the_first() {
        let infra = Infra::new();
        let t0 = Instant::now();
        infra.record_rtt(ip(1), ms(30), t0);
        infra.record_rtt(ip(2), ms(30), t0);
        let got = infra.choose(&[ip(2), ip(1)], &none_tried, NO_EXPLORE, t0);
        assert_eq!(got.map(|g| g.0), Some(ip(2)));
        let got = infra.choose(&[ip(5), ip(6)], &none_tried, NO_EXPLORE, t0);
        assert_eq!(got, Some((ip(5), Choice::Untried)));
    }

    #[test]
    fn untried_beats_a_slow_known_server() {
        let infra = Infra::new();
        let t0 = Instant::now();
        infra.record_rtt(ip(1), ms(1000), t0);
        let got = infra.choose(&[ip(1), ip(2)], &none_tried, NO_EXPLORE, t0);
        assert_eq!(got, Some((ip(2), Choice::Untried)));
        // A known server faster than 376 ms beats the untried one.
        infra.record_rtt(ip(3), ms(200), t0);
        let got = infra.choose(&[ip(2), ip(3)], &none_tried, NO_EXPLORE, t0);
        assert_eq!(got, Some((ip(3), Choice::Fastest { srtt: ms(200) })));
    }

    #[test]
    fn exploration_picks_another_than_the_fastest() {
        let infra = Infra::new();
        let t0 = Instant::now();
        infra.record_rtt(ip(1), ms(10), t0);
        infra.record_rtt(ip(2), ms(50), t0);
        infra.record_rtt(ip(3), ms(90), t0);
        let cands = [ip(1), ip(2), ip(3)];
        for roll in [0.0, 0.01, 0.024, 0.026, 0.049] {
            let (addr, choice) = infra.choose(&cands, &none_tried, roll, t0).unwrap();
            assert_eq!(choice, Choice::Exploration, "roll {roll}");
            assert_ne!(addr, ip(1), "roll {roll}");
        }
        assert_eq!(infra.choose(&cands, &none_tried, 0.0, t0).unwrap().0, ip(2));
        assert_eq!(infra.choose(&cands, &none_tried, 0.049, t0).unwrap().0, ip(3));
        assert_eq!(infra.choose(&cands, &none_tried, 0.05, t0).unwrap().0, ip(1));
    }

    #[test]
    fn exploration_skips_servers_backing_off() {
        let infra = Infra::new();
        let t0 = Instant::now();
        infra.record_rtt(ip(1), ms(10), t0);
        infra.record_timeout(ip(2), t0);
        let got = infra.choose(&[ip(1), ip(2)], &none_tried, 0.01, t0);
        assert_eq!(got, Some((ip(1), Choice::Fastest { srtt: ms(10) })));
    }

    #[test]
    fn only_choice_and_all_tried() {
        let infra = Infra::new();
        let t0 = Instant::now();
        let cands = [ip(1), ip(2)];
        let tried = RefCell::new(vec![ip(1)]);
        let is_tried = |a: IpAddr| tried.borrow().contains(&a);
        assert_eq!(
            infra.choose(&cands, &is_tried, 0.0, t0),
            Some((ip(2), Choice::OnlyChoice))
        );
        tried.borrow_mut().push(ip(2));
        assert_eq!(infra.choose(&cands, &is_tried, 0.0, t0), None);
        assert_eq!(infra.choose(&[], &none_tried, 0.0, t0), None);
    }

    #[test]
    fn rfc6298_estimator() {
        let infra = Infra::new();
        let t0 = Instant::now();
        let a = ip(1);
        assert_eq!(infra.srtt(a, t0), None);
        assert_eq!(infra.timeout_for(a, t0), UNKNOWN_RTT);
        infra.record_rtt(a, ms(100), t0);
        // SRTT 100, RTTVAR 50: RTO 300.
        assert!(close(infra.srtt(a, t0).unwrap(), ms(100)));
        assert!(close(infra.timeout_for(a, t0), ms(300)));
        infra.record_rtt(a, ms(200), t0);
        // RTTVAR = 3/4·50 + 1/4·100 = 62.5; SRTT = 7/8·100 + 1/8·200 = 112.5.
        assert!(close(infra.srtt(a, t0).unwrap(), Duration::from_micros(112_500)));
        assert!(close(infra.timeout_for(a, t0), Duration::from_micros(362_500)));
    }

    #[test]
    fn timeout_bounds() {
        let infra = Infra::new();
        let t0 = Instant::now();
        infra.record_rtt(ip(1), Duration::from_micros(100), t0);
        assert_eq!(infra.timeout_for(ip(1), t0), MIN_TIMEOUT);
        infra.record_rtt(ip(2), ms(1500), t0);
        assert_eq!(infra.timeout_for(ip(2), t0), MAX_TIMEOUT);
    }

    #[test]
    fn timeouts_back_off_and_another_server_is_preferred() {
        let infra = Infra::new();
        let t0 = Instant::now();
        let (a, b) = (ip(1), ip(2));
        infra.record_rtt(a, ms(20), t0);
        infra.record_rtt(b, ms(50), t0);
        assert_eq!(infra.choose(&[a, b], &none_tried, NO_EXPLORE, t0).unwrap().0, a);
        let before = infra.timeout_for(a, t0);
        assert!(close(before, ms(60)));

        infra.record_timeout(a, t0);
        assert_eq!(infra.consecutive_timeouts(a, t0), 1);
        assert!(close(infra.timeout_for(a, t0), ms(120)));
        // 40 ms: still ahead of b once; one lost packet does not abandon a fast server.
        assert_eq!(infra.choose(&[a, b], &none_tried, NO_EXPLORE, t0).unwrap().0, a);

        infra.record_timeout(a, t0);
        assert!(close(infra.timeout_for(a, t0), ms(240)));
        assert!(close(infra.srtt(a, t0).unwrap(), ms(80)));
        assert_eq!(
            infra.choose(&[a, b], &none_tried, NO_EXPLORE, t0),
            Some((b, Choice::Fastest { srtt: ms(50) }))
        );

        // Backoff is capped.
        for _ in 0..20 {
            infra.record_timeout(a, t0);
        }
        assert_eq!(infra.timeout_for(a, t0), MAX_TIMEOUT);
        assert!(close(infra.srtt(a, t0).unwrap(), MAX_BACKOFF_RTT));

        // An answer ends the backoff.
        infra.record_rtt(a, ms(20), t0);
        assert_eq!(infra.consecutive_timeouts(a, t0), 0);
        assert_eq!(infra.choose(&[a, b], &none_tried, NO_EXPLORE, t0).unwrap().0, a);
    }

    #[test]
    fn unknown_server_timing_out_backs_off_from_376() {
        let infra = Infra::new();
        let t0 = Instant::now();
        infra.record_timeout(ip(1), t0);
        assert_eq!(infra.timeout_for(ip(1), t0), ms(752));
        assert_eq!(infra.srtt(ip(1), t0), None, "it never answered");
        // Known (backing off), so not Untried; the untried one wins.
        let got = infra.choose(&[ip(1), ip(2)], &none_tried, NO_EXPLORE, t0);
        assert_eq!(got, Some((ip(2), Choice::Untried)));
    }

    #[test]
    fn decay_brings_a_penalised_server_back() {
        let infra = Infra::new();
        let t0 = Instant::now();
        let (a, b) = (ip(1), ip(2));
        for _ in 0..3 {
            infra.record_timeout(a, t0);
        }
        infra.record_rtt(b, ms(600), t0);
        assert_eq!(infra.choose(&[a, b], &none_tried, NO_EXPLORE, t0).unwrap().0, b);

        // Ten minutes (five half-lives) later b answers in 600 ms again; a has decayed from
        // 3008 ms to 376 + 2632/32 ≈ 458 ms and is preferred.
        let later = t0 + Duration::from_secs(600);
        infra.record_rtt(b, ms(600), later);
        let (addr, choice) = infra.choose(&[a, b], &none_tried, NO_EXPLORE, later).unwrap();
        assert_eq!(addr, a);
        match choice {
            Choice::Fastest { srtt } => assert!(srtt > ms(450) && srtt < ms(470), "{srtt:?}"),
            other => panic!("{other:?}"),
        }
        // Its timeout decayed too.
        assert!(infra.timeout_for(a, later) < MAX_TIMEOUT);

        // After ENTRY_LIFETIME it counts as never asked.
        let much_later = t0 + ENTRY_LIFETIME;
        assert_eq!(infra.timeout_for(a, much_later), UNKNOWN_RTT);
        assert_eq!(infra.consecutive_timeouts(a, much_later), 0);
        let got = infra.choose(&[a, ip(9)], &none_tried, NO_EXPLORE, much_later);
        assert_eq!(got, Some((a, Choice::Untried)));
    }

    #[test]
    fn decay_also_fades_a_fast_measurement() {
        let infra = Infra::new();
        let t0 = Instant::now();
        infra.record_rtt(ip(1), ms(16), t0);
        let srtt = infra.srtt(ip(1), t0 + DECAY_HALF_LIFE).unwrap();
        assert!(close(srtt, ms(196)), "{srtt:?}");
    }

    #[test]
    fn clock_going_backwards_is_harmless() {
        let infra = Infra::new();
        let t1 = Instant::now() + Duration::from_secs(10);
        infra.record_rtt(ip(1), ms(40), t1);
        let earlier = t1 - Duration::from_secs(5);
        assert!(close(infra.srtt(ip(1), earlier).unwrap(), ms(40)));
    }

    #[test]
    fn no_caps_set_and_get() {
        let infra = Infra::new();
        let t0 = Instant::now();
        let v6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
        assert!(!infra.no_caps(v6));
        infra.set_no_caps(v6);
        assert!(infra.no_caps(v6));
        // Quirk only: still untried, and RTT data does not clear the flag.
        assert_eq!(
            infra.choose(&[v6, ip(1)], &none_tried, NO_EXPLORE, t0),
            Some((v6, Choice::Untried))
        );
        infra.record_rtt(v6, ms(10), t0);
        infra.record_timeout(v6, t0);
        assert!(infra.no_caps(v6));
        infra.record_rtt(ip(1), ms(10), t0);
        assert!(!infra.no_caps(ip(1)));
    }

    #[test]
    fn table_is_bounded_and_drops_the_oldest() {
        let infra = Infra::with_capacity(4);
        let t0 = Instant::now();
        for i in 0..4u8 {
            infra.record_rtt(ip(i), ms(10), t0 + Duration::from_secs(u64::from(i)));
        }
        assert_eq!(infra.len(), 4);
        infra.record_rtt(ip(9), ms(10), t0 + Duration::from_secs(9));
        assert_eq!(infra.len(), 4);
        let now = t0 + Duration::from_secs(10);
        assert_eq!(infra.srtt(ip(0), now), None, "the oldest went");
        for i in [1, 2, 3, 9] {
            assert!(infra.srtt(ip(i), now).is_some(), "{i}");
        }
        assert_eq!(Infra::new().capacity, MAX_ADDRESSES);
    }
}
