//! A latency histogram updated with relaxed atomics, in the shape Prometheus expects of a
//! `histogram` (bucket counts by upper bound, a sum and a count), shared by the resolver's
//! counters (upstream round trips) and the servers' answer times.
//!
//! The buckets are fixed ([`BUCKETS_SECONDS`]): a DNS answer from memory takes microseconds,
//! an upstream round trip milliseconds, a resolution up to the time budget, so one set from
//! 10 µs to 10 s covers them all and every histogram of Banyan can be compared on one
//! dashboard. Each observation is two or three `Relaxed` increments (its bucket, the count
//! and the sum); nothing is locked or allocated.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the buckets, in seconds (the `le` label); the implicit last bucket is
/// `+Inf`.
pub const BUCKETS_SECONDS: [f64; 19] = [
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5, 5.0, 10.0,
];

/// The same bounds in nanoseconds, for comparing without floating point.
const BUCKETS_NANOS: [u64; 19] = [
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
];

/// Buckets including `+Inf`.
pub const SLOTS: usize = BUCKETS_NANOS.len() + 1;

/// Observations of durations, bucketed.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Observations per bucket, not cumulative (the rendering sums them up); `+Inf` last.
    buckets: [AtomicU64; SLOTS],
    /// Sum of the observations, in nanoseconds (584 years fit).
    sum_nanos: AtomicU64,
    /// Number of observations.
    count: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        self.observe_many(d, 1);
    }

    /// Records `n` observations that took `total` between them, each counted as `total / n`
    /// (for a batch of queries answered together and timed once).
    pub fn observe_many(&self, total: Duration, n: u64) {
        if n == 0 {
            return;
        }
        let total = u64::try_from(total.as_nanos()).unwrap_or(u64::MAX);
        let each = total / n;
        let slot = BUCKETS_NANOS.iter().position(|&b| each <= b).unwrap_or(SLOTS - 1);
        self.buckets[slot].fetch_add(n, Ordering::Relaxed);
        self.sum_nanos.fetch_add(total, Ordering::Relaxed);
        self.count.fetch_add(n, Ordering::Relaxed);
    }

    /// The numbers now. Read bucket by bucket while others may observe, so the count is
    /// taken as the buckets' total: the rendered `_count` always equals the `+Inf` bucket.
    pub fn values(&self) -> HistogramValues {
        let buckets = self.buckets.each_ref().map(|b| b.load(Ordering::Relaxed));
        HistogramValues {
            count: buckets.iter().sum(),
            buckets,
            sum_nanos: self.sum_nanos.load(Ordering::Relaxed),
        }
    }
}

/// A copy of a [`Histogram`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct HistogramValues {
    /// Observations per bucket (not cumulative), bounds as [`BUCKETS_SECONDS`] then `+Inf`.
    pub buckets: [u64; SLOTS],
    /// Sum of the observations in nanoseconds.
    pub sum_nanos: u64,
    /// Number of observations.
    pub count: u64,
}

impl HistogramValues {
    /// Adds `other`'s observations (the histograms of several workers make one).
    pub fn add(&mut self, other: &HistogramValues) {
        for (a, b) in self.buckets.iter_mut().zip(other.buckets) {
            *a += b;
        }
        self.sum_nanos += other.sum_nanos;
        self.count += other.count;
    }

    /// Cumulative counts per bound (`le`), `+Inf` last: what Prometheus' `_bucket` series hold.
    pub fn cumulative(&self) -> [u64; SLOTS] {
        let mut total = 0;
        self.buckets.map(|b| {
            total += b;
            total
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_agree() {
        for (s, n) in BUCKETS_SECONDS.iter().zip(BUCKETS_NANOS) {
            assert_eq!((s * 1e9).round() as u64, n);
        }
    }

    #[test]
    fn observes_into_buckets() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(5));
        h.observe(Duration::from_micros(10));
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(60));
        // A batch of 4 taking 400 µs: four observations of 100 µs.
        h.observe_many(Duration::from_micros(400), 4);
        h.observe_many(Duration::from_micros(400), 0);
        let v = h.values();
        assert_eq!(v.count, 8);
        assert_eq!(v.buckets[0], 2);
        assert_eq!(v.buckets[3], 4);
        assert_eq!(v.buckets[8], 1);
        assert_eq!(v.buckets[SLOTS - 1], 1);
        assert_eq!(v.sum_nanos, 5_000 + 10_000 + 3_000_000 + 60_000_000_000 + 400_000);
        let c = v.cumulative();
        assert_eq!(c[SLOTS - 1], v.count);
        assert!(c.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(c[3], 6);
    }
}
