//! The login throttle, without I/O: failed logins counted per key (a client address, an
//! account) in a sliding window, with `now` passed in so tests move time instead of sleeping.
//!
//! Memory is bounded: failures older than the window are dropped whenever a key is touched,
//! and when more than [`MAX_KEYS`] keys are tracked the stalest ones are forgotten (a flood of
//! distinct addresses then loses some history rather than exhausting memory).

use std::collections::{HashMap, VecDeque};

use crate::config::LoginLimit;

/// The most keys tracked at once.
pub const MAX_KEYS: usize = 100_000;

/// What the throttle says about an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead and check the password.
    Allowed,
    /// Refuse without checking; an attempt is allowed again after this many seconds.
    Limited {
        /// Seconds until the oldest counted failure leaves the window.
        retry_after: u64,
    },
}

/// Failed logins per key.
#[derive(Debug)]
pub struct LoginThrottle {
    limit: LoginLimit,
    failures: HashMap<String, VecDeque<i64>>,
}

impl LoginThrottle {
    /// A throttle allowing `limit.failures` failures per `limit.window`.
    pub fn new(limit: LoginLimit) -> LoginThrottle {
        LoginThrottle {
            limit,
            failures: HashMap::new(),
        }
    }

    fn window(&self) -> i64 {
        i64::try_from(self.limit.window.as_secs()).unwrap_or(i64::MAX)
    }

    /// Whether an attempt under every one of `keys` may go ahead at `now`.
    pub fn check(&mut self, keys: &[&str], now: i64) -> Verdict {
        let window = self.window();
        let mut retry_after = 0u64;
        for key in keys {
            if let Some(list) = self.failures.get_mut(*key) {
                while list.front().is_some_and(|t| *t <= now - window) {
                    list.pop_front();
                }
                if list.len() >= self.limit.failures as usize {
                    let oldest = list.front().copied().unwrap_or(now);
                    let wait = u64::try_from(oldest + window - now).unwrap_or(0).max(1);
                    retry_after = retry_after.max(wait);
                }
            }
        }
        if retry_after > 0 {
            Verdict::Limited { retry_after }
        } else {
            Verdict::Allowed
        }
    }

    /// Counts a failed attempt under every one of `keys` at `now`.
    pub fn failed(&mut self, keys: &[&str], now: i64) {
        let window = self.window();
        if self.failures.len() >= MAX_KEYS {
            self.failures
                .retain(|_, list| list.back().is_some_and(|t| *t > now - window));
            if self.failures.len() >= MAX_KEYS {
                self.failures.clear();
            }
        }
        for key in keys {
            let list = self.failures.entry((*key).to_owned()).or_default();
            list.push_back(now);
            // No more history than the verdict needs.
            while list.len() > self.limit.failures as usize {
                list.pop_front();
            }
        }
    }

    /// Forgets the failures under `key` (a successful login clears its account's count).
    pub fn clear(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(LoginLimit {
            failures: 3,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn limits_after_n_failures_in_the_window() {
        let mut t = throttle();
        for i in 0..3 {
            assert_eq!(t.check(&["ip:a", "acct:x"], 100 + i), Verdict::Allowed);
            t.failed(&["ip:a", "acct:x"], 100 + i);
        }
        assert_eq!(t.check(&["ip:a"], 110), Verdict::Limited { retry_after: 50 });
        assert_eq!(t.check(&["ip:b", "acct:x"], 110), Verdict::Limited { retry_after: 50 });
        assert_eq!(t.check(&["ip:b", "acct:y"], 110), Verdict::Allowed);
        // The oldest failure leaves the window at 160.
        assert_eq!(t.check(&["ip:a"], 159), Verdict::Limited { retry_after: 1 });
        assert_eq!(t.check(&["ip:a"], 160), Verdict::Allowed);
    }

    #[test]
    fn clear_forgets_a_key() {
        let mut t = throttle();
        for i in 0..3 {
            t.failed(&["acct:x"], i);
        }
        t.clear("acct:x");
        assert_eq!(t.check(&["acct:x"], 3), Verdict::Allowed);
    }
}
