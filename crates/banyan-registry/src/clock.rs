//! Where the registry's "now" comes from. The registry itself takes the time from its
//! caller (grace periods, expiries, "last update" lines all depend on it), so the services
//! around it — EPP, the ticking, RDAP, WHOIS — take a [`Clock`]: [`Clock::system`] in
//! production, [`Clock::fixed`] or a [`ManualClock`] in tests and labs, so that time moves
//! only when a test says so.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A source of the current time in Unix seconds. Cheap to clone.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// The system clock, in Unix seconds.
    pub fn system() -> Clock {
        Clock(Arc::new(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        }))
    }

    /// A clock that always says `unix`.
    pub fn fixed(unix: i64) -> Clock {
        Clock(Arc::new(move || unix))
    }

    /// A clock that asks `f`.
    pub fn from_fn(f: impl Fn() -> i64 + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    /// The current time, in Unix seconds.
    pub fn now(&self) -> i64 {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clock(now = {})", self.now())
    }
}

/// A clock that moves only when told, for tests and labs: clones share the time, and
/// [`ManualClock::clock`] gives the [`Clock`] the services read.
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: i64) -> ManualClock {
        ManualClock(Arc::new(AtomicI64::new(now)))
    }

    /// Sets the time.
    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }

    /// Moves the time by `secs`.
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }

    /// The time now.
    pub fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    /// A [`Clock`] reading this one.
    pub fn clock(&self) -> Clock {
        let at = self.0.clone();
        Clock::from_fn(move || at.load(Ordering::SeqCst))
    }
}
