//! What a run counted, and its summary in dnsperf's words, so that `bench/auth.sh` reads
//! either tool's output with the same parser.

use std::fmt;
use std::time::Duration;

use banyan_wire::Rcode;

/// Counters of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Queries sent.
    pub sent: u64,
    /// Queries answered by a reply with their ID and question.
    pub completed: u64,
    /// Queries unanswered within the loss timeout (or still out at the end of the run).
    pub lost: u64,
    /// Datagrams that answered no outstanding query: an unknown ID, a mismatched question,
    /// QR clear, or cut short.
    pub unexpected: u64,
    /// Completed queries by the header's 4-bit RCODE (RFC 1035 §4.1.1).
    pub rcodes: [u64; 16],
    /// Octets of the queries sent.
    pub request_octets: u64,
    /// Octets of the replies that completed a query.
    pub response_octets: u64,
    /// Sum of the completed queries' latencies, in nanoseconds.
    pub latency_sum_ns: u128,
    /// Sum of their squares, in seconds squared (for the standard deviation).
    pub latency_square_sum: f64,
    /// Shortest latency, in nanoseconds (`u64::MAX` before the first reply).
    pub latency_min_ns: u64,
    /// Longest latency, in nanoseconds.
    pub latency_max_ns: u64,
    /// Nanoseconds of sending time spent in rounds of the load loop that sent nothing and
    /// found no reply: the generator waiting on the server. A good share of the run means
    /// the server set the pace; near zero, the generator may have.
    pub idle_ns: u64,
    /// How long the generator sent for: queries per second are counted over this.
    pub send_time: Duration,
    /// The whole run, waiting for the last replies included.
    pub run_time: Duration,
}

impl Stats {
    /// Counts one completed query.
    pub fn record_reply(&mut self, rcode: u8, octets: usize, latency_ns: u64) {
        self.completed += 1;
        self.rcodes[usize::from(rcode & 0x0f)] += 1;
        self.response_octets += octets as u64;
        self.latency_sum_ns += u128::from(latency_ns);
        let secs = latency_ns as f64 / 1e9;
        self.latency_square_sum += secs * secs;
        if self.completed == 1 || latency_ns < self.latency_min_ns {
            self.latency_min_ns = latency_ns;
        }
        self.latency_max_ns = self.latency_max_ns.max(latency_ns);
    }

    /// Completed queries per second of sending (what dnsperf calls "Queries per second").
    pub fn qps(&self) -> f64 {
        let secs = self.send_time.as_secs_f64();
        if secs > 0.0 {
            self.completed as f64 / secs
        } else {
            0.0
        }
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

impl fmt::Display for Stats {
    /// The summary, line for line in dnsperf 2.x's words and layout for the lines
    /// `bench/auth.sh` reads (sent, completed, lost, queries per second).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Statistics:")?;
        writeln!(f)?;
        writeln!(f, "  Queries sent:         {}", self.sent)?;
        let (c, l) = (self.completed, self.lost);
        writeln!(f, "  Queries completed:    {c} ({:.2}%)", percent(c, self.sent))?;
        writeln!(f, "  Queries lost:         {l} ({:.2}%)", percent(l, self.sent))?;
        writeln!(f, "  Unexpected replies:   {}", self.unexpected)?;
        writeln!(f)?;
        let codes: Vec<String> = (0u16..16)
            .zip(self.rcodes)
            .filter(|&(_, n)| n > 0)
            .map(|(code, n)| format!("{} {n} ({:.2}%)", Rcode(code), percent(n, c)))
            .collect();
        writeln!(f, "  Response codes:       {}", codes.join(", "))?;
        let avg = |octets: u64, n: u64| octets.checked_div(n).unwrap_or(0);
        writeln!(
            f,
            "  Average packet size:  request {}, response {}",
            avg(self.request_octets, self.sent),
            avg(self.response_octets, c)
        )?;
        writeln!(f, "  Run time (s):         {:.6}", self.send_time.as_secs_f64())?;
        writeln!(f, "  Queries per second:   {:.6}", self.qps())?;
        writeln!(f)?;
        let mean = if c == 0 {
            0.0
        } else {
            self.latency_sum_ns as f64 / 1e9 / c as f64
        };
        let (min, max) = if c == 0 {
            (0.0, 0.0)
        } else {
            (self.latency_min_ns as f64 / 1e9, self.latency_max_ns as f64 / 1e9)
        };
        writeln!(f, "  Average Latency (s):  {mean:.6} (min {min:.6}, max {max:.6})")?;
        let variance = if c < 2 {
            0.0
        } else {
            ((self.latency_square_sum - c as f64 * mean * mean) / (c as f64 - 1.0)).max(0.0)
        };
        writeln!(f, "  Latency StdDev (s):   {:.6}", variance.sqrt())?;
        writeln!(f)?;
        let send_ns = u64::try_from(self.send_time.as_nanos()).unwrap_or(u64::MAX);
        writeln!(
            f,
            "  Idle polling (s):     {:.6} ({:.2}% of the run: waiting on the server)",
            self.idle_ns as f64 / 1e9,
            percent(self.idle_ns, send_ns)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reads_like_dnsperf() {
        let mut stats = Stats {
            sent: 4,
            lost: 1,
            request_octets: 4 * 30,
            send_time: Duration::from_secs(2),
            idle_ns: 500_000_000,
            ..Stats::default()
        };
        stats.record_reply(0, 100, 1_000_000);
        stats.record_reply(0, 100, 3_000_000);
        stats.record_reply(3, 50, 2_000_000);
        let text = stats.to_string();
        for line in [
            "  Queries sent:         4\n",
            "  Queries completed:    3 (75.00%)\n",
            "  Queries lost:         1 (25.00%)\n",
            "  Response codes:       NOERROR 2 (66.67%), NXDOMAIN 1 (33.33%)\n",
            "  Average packet size:  request 30, response 83\n",
            "  Queries per second:   1.500000\n",
            "  Average Latency (s):  0.002000 (min 0.001000, max 0.003000)\n",
            "  Latency StdDev (s):   0.001000\n",
            "  Idle polling (s):     0.500000 (25.00% of the run: waiting on the server)\n",
        ] {
            assert!(text.contains(line), "{line:?} not in\n{text}");
        }
    }
}
