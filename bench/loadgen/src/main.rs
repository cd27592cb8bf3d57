//! `banyan-loadgen`: sends the queries of a dnsperf-format file to one server as fast as one
//! core can for a while, then prints dnsperf's summary. See the library's documentation for
//! why it exists, and `bench/README.md` for how `bench/auth.sh` uses it.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use banyan_loadgen::{read_query_file, run, Config, QueryFileError, QueryOptions, Stop};
use clap::Parser;

/// Flags named after dnsperf's, so the bench swaps one tool for the other.
#[derive(Parser)]
#[command(name = "banyan-loadgen", version, about)]
struct Args {
    /// Server address.
    #[arg(short = 's', default_value = "127.0.0.1")]
    server: IpAddr,
    /// Server port.
    #[arg(short = 'p', default_value_t = 53)]
    port: u16,
    /// Query file: `NAME TYPE` per line, `#` comments (dnsperf's format).
    #[arg(short = 'd')]
    queries: PathBuf,
    /// Seconds to send for.
    #[arg(short = 'l')]
    seconds: f64,
    /// Most queries outstanding at once.
    #[arg(short = 'q', default_value_t = 500)]
    max_outstanding: usize,
    /// UDP sockets (each its own source port).
    #[arg(short = 'c', default_value_t = 4)]
    sockets: usize,
    /// Most queries per sendmmsg call (and replies per recvmmsg call).
    #[arg(short = 'b', default_value_t = 32)]
    batch: usize,
    /// Seconds before an unanswered query counts as lost.
    #[arg(short = 't', default_value_t = 1.0)]
    timeout: f64,
    /// Add an EDNS0 OPT record advertising 1232 octets.
    #[arg(short = 'e')]
    edns: bool,
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    if !(value.is_finite() && value > 0.0) {
        bail!("{flag} must be a positive number of seconds");
    }
    Duration::try_from_secs_f64(value).with_context(|| format!("{flag} {value}"))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.max_outstanding == 0 || args.sockets == 0 || args.batch == 0 {
        bail!("-q, -c and -b must be at least 1");
    }
    let queries = read_query_file(&args.queries, QueryOptions { edns: args.edns }).map_err(|e| match e {
        QueryFileError::Read { .. } => anyhow::Error::new(e),
        other => anyhow!("{}: {other}", args.queries.display()),
    })?;
    let mut config = Config::new(
        SocketAddr::new(args.server, args.port),
        Stop::After(seconds(args.seconds, "-l")?),
    );
    config.max_outstanding = args.max_outstanding;
    config.sockets = args.sockets;
    config.batch = args.batch;
    config.loss_timeout = seconds(args.timeout, "-t")?;
    println!(
        "banyan-loadgen: {} queries from {}, to {}, {} sockets, {} outstanding, bursts of {}",
        queries.len(),
        args.queries.display(),
        config.server,
        config.sockets,
        config.max_outstanding,
        config.batch
    );
    let stats = run(&config, &queries).context("load run")?;
    println!();
    print!("{stats}");
    Ok(())
}
