//! domain:create throughput over EPP, the whole path: S concurrent sessions of the real
//! [`EppClient`] over TLS to the real EPP server (`run_epp`) and [`RegistryHandler`], each
//! create one transaction on the registry database (SQLite or PostgreSQL). `bench/epp.sh`
//! runs it on both; see bench/README.md.
//!
//! ```text
//! cargo bench -p banyan-registry --bench epp -- [--database URL] [--sessions 1,4,8,16]
//!     [--creates 2000 | --duration SECS] [--registrars own|one|both] [--db-pid PID]
//!     [--server-threads N] [--label TEXT] [--no-header]
//! ```
//!
//! Every round opens S sessions, logs each in (outside the timing), lets each create one
//! domain to warm up, then starts them together: they take names from one counter until
//! `--creates` domains were asked for (or `--duration` is over). `--registrars own` logs each
//! session in as a registrar of its own; `one` logs every session in as the same registrar,
//! so every create charges the same balance row; `both` runs each round both ways (one way
//! for a single session). Each create is a `<domain:create>` of a new name under `test.` for
//! one year with a registrant contact and authInfo, no name servers.
//!
//! A row: creates per second, latency per create as the client sees it (mean, median, 99th
//! percentile, milliseconds), failures (responses other than 1000), and CPU per create in
//! microseconds: the server's (this process less the client's threads: TLS, XML, the
//! registry, sqlx and SQLite), the clients', and with `--db-pid` PostgreSQL's (the postmaster
//! and its children, from `/proc`). The server runs on a runtime of `--server-threads`
//! workers (default: the cores), the clients on one thread of their own (`epp-client`).
//!
//! The first rows of a database are its registrars `bench-01`… with a balance of 10^12 and a
//! contact each: give an empty database.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use banyan_registry::epp::client::EppClient;
use banyan_registry::epp::server::Limits;
use banyan_registry::epp::{tls, AuthInfo, Command, DomainCommand, DomainCreate, Period, ResultCode};
use banyan_registry::service::{run_epp, Clock, RegistryHandler};
use banyan_registry::{ContactCreate, PostalInfo, PostalType, Registry, TldPolicy};
use banyan_wire::Name;
use rustls::ClientConfig;
use tokio::net::TcpListener;
use tokio::sync::Barrier;

type Error = Box<dyn std::error::Error + Send + Sync>;

const PASSWORD: &str = "bench-secret";
const BALANCE: i64 = 1_000_000_000_000;
/// The thread name of the clients' runtime, so their CPU time can be told from the server's.
const CLIENT_THREAD: &str = "epp-client";
/// Linux reports times in `/proc` in USER_HZ ticks, 100 per second on every architecture.
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Registrars {
    /// Each session its own registrar.
    Own,
    /// Every session the same registrar.
    One,
}

impl Registrars {
    fn as_str(self) -> &'static str {
        match self {
            Registrars::Own => "own",
            Registrars::One => "one",
        }
    }
}

#[derive(Debug)]
struct Options {
    database: Option<String>,
    sessions: Vec<usize>,
    creates: usize,
    duration: Option<Duration>,
    modes: Vec<Registrars>,
    db_pid: Option<u32>,
    server_threads: usize,
    label: Option<String>,
    header: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: epp [--database sqlite://…|postgres://…] [--sessions 1,4,8,16] [--creates N | --duration SECS]\n\
         \x20          [--registrars own|one|both] [--db-pid PID] [--server-threads N] [--label TEXT] [--no-header]"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let mut o = Options {
        database: None,
        sessions: vec![1, 4, 8, 16],
        creates: 2000,
        duration: None,
        modes: vec![Registrars::Own, Registrars::One],
        db_pid: None,
        server_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        label: None,
        header: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--database" => o.database = Some(value()),
            "--sessions" => {
                o.sessions = value()
                    .split(',')
                    .map(|s| s.trim().parse().ok().filter(|&n| n > 0).unwrap_or_else(|| usage()))
                    .collect();
            }
            "--creates" => o.creates = value().parse().ok().filter(|&n| n > 0).unwrap_or_else(|| usage()),
            "--duration" => {
                let text = value();
                let secs: f64 = text
                    .trim_end_matches('s')
                    .parse()
                    .ok()
                    .filter(|&s| s > 0.0)
                    .unwrap_or_else(|| usage());
                o.duration = Some(Duration::from_secs_f64(secs));
            }
            "--registrars" => {
                o.modes = match value().as_str() {
                    "own" => vec![Registrars::Own],
                    "one" => vec![Registrars::One],
                    "both" => vec![Registrars::Own, Registrars::One],
                    _ => usage(),
                }
            }
            "--db-pid" => o.db_pid = Some(value().parse().unwrap_or_else(|_| usage())),
            "--server-threads" => {
                o.server_threads = value().parse().ok().filter(|&n| n > 0).unwrap_or_else(|| usage());
            }
            "--label" => o.label = Some(value()),
            "--no-header" => o.header = false,
            // `cargo bench` passes this to every bench target.
            "--bench" => {}
            _ => usage(),
        }
    }
    o
}

fn main() {
    let o = options();
    if let Err(e) = run(&o) {
        eprintln!("epp bench: {e}");
        std::process::exit(1);
    }
}

fn run(o: &Options) -> Result<(), Error> {
    // SQLite in a temporary directory unless told otherwise; the directory lives until the end.
    let (url, _dir) = match &o.database {
        Some(url) => (url.clone(), None),
        None => {
            let dir = tempfile::tempdir()?;
            let url = format!("sqlite://{}/registry.db", dir.path().display());
            (url, Some(dir))
        }
    };
    let backend = if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let label = o.label.clone().unwrap_or_else(|| backend.to_owned());
    let most = o.sessions.iter().copied().max().unwrap_or(1);

    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(o.server_threads)
        .thread_name("epp-server")
        .enable_all()
        .build()?;
    let clients = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(CLIENT_THREAD)
        .enable_all()
        .build()?;

    let lab = server.block_on(Lab::start(&url, most))?;
    if o.header {
        println!(
            "{:<9} {:<4} {:>4} {:>7} {:>6} {:>9} {:>7} {:>7} {:>7} {:>5} {:>8} {:>8} {:>8}",
            "backend",
            "rar",
            "sess",
            "creates",
            "secs",
            "creates/s",
            "mean-ms",
            "p50-ms",
            "p99-ms",
            "fail",
            "srv-us/c",
            "cli-us/c",
            "db-us/c"
        );
    }
    let mut round_no = 0;
    for &sessions in &o.sessions {
        for &mode in &o.modes {
            // With one session, "one registrar" and "a registrar each" are the same round.
            if sessions == 1 && mode == Registrars::One && o.modes.len() > 1 {
                continue;
            }
            round_no += 1;
            let plan = Plan {
                round: round_no,
                sessions,
                mode,
                creates: o.creates,
                duration: o.duration,
            };
            let addr = lab.addr;
            let tls = Arc::clone(&lab.client_tls);
            let db_pid = o.db_pid;
            let r = clients.block_on(async move {
                tokio::spawn(async move { round(addr, tls, plan, db_pid).await })
                    .await
                    .map_err(|e| -> Error { e.into() })?
            })?;
            r.print(&label, &plan);
        }
    }
    lab.task.abort();
    drop(clients);
    drop(server);
    Ok(())
}

/// The registry and its EPP server, started on the server's runtime.
struct Lab {
    addr: SocketAddr,
    client_tls: Arc<ClientConfig>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Lab {
    async fn start(url: &str, registrars: usize) -> Result<Lab, Error> {
        let test = Name::parse("test.", None)?;
        let reg = Registry::open(url, vec![TldPolicy::new(test.clone())]).await?;
        let now = Clock::system().now();
        for i in 1..=registrars {
            let id = registrar(i);
            let by = reg
                .create_registrar(
                    &id,
                    &format!("Bench registrar {i}"),
                    PASSWORD,
                    std::slice::from_ref(&test),
                    BALANCE,
                )
                .await?;
            reg.create_contact(&by, &contact(&id), now).await?;
        }
        let cert = tls::self_signed(&["epp.test", "127.0.0.1"])?;
        let server_tls = tls::server_config(vec![cert.cert_der.clone()], cert.private_key())?;
        let client_tls = tls::client_config(std::slice::from_ref(&cert.cert_der))?;
        let handler = RegistryHandler::new(reg, Clock::system());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let limits = Limits {
            max_sessions: 1024,
            ..Limits::default()
        };
        let task = tokio::spawn(run_epp(listener, server_tls, handler, limits));
        Ok(Lab { addr, client_tls, task })
    }
}

fn registrar(i: usize) -> String {
    format!("bench-{i:02}")
}

/// The registrant of every domain registrar `id` creates: a contact with the same handle.
fn contact(id: &str) -> ContactCreate {
    ContactCreate {
        id: id.to_owned(),
        postal: vec![PostalInfo {
            kind: PostalType::Int,
            name: "Jane Doe".into(),
            org: Some("Example Inc.".into()),
            street: vec!["123 Example Dr.".into()],
            city: "Dulles".into(),
            sp: Some("VA".into()),
            pc: Some("20166-6503".into()),
            cc: "US".into(),
        }],
        voice: Some("+1.7035555555".into()),
        fax: None,
        email: "jdoe@example.test".into(),
        auth_info: "2fooBAR".into(),
        disclose: None,
    }
}

fn create(name: String, registrant: &str) -> Command {
    Command::Domain(DomainCommand::Create(DomainCreate {
        name,
        period: Some(Period::years(1)),
        ns: Vec::new(),
        registrant: Some(registrant.to_owned()),
        contacts: Vec::new(),
        auth_info: AuthInfo::password("2fooBAR"),
    }))
}

#[derive(Clone, Copy, Debug)]
struct Plan {
    round: usize,
    sessions: usize,
    mode: Registrars,
    creates: usize,
    duration: Option<Duration>,
}

/// What one round measured.
struct RoundResult {
    elapsed: Duration,
    /// Every create's latency, sorted.
    latencies: Vec<Duration>,
    failures: usize,
    server_cpu: f64,
    client_cpu: f64,
    db_cpu: Option<f64>,
}

impl RoundResult {
    fn print(&self, label: &str, plan: &Plan) {
        let n = self.latencies.len();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let at = |q: usize| self.latencies.get((n * q / 100).min(n.saturating_sub(1))).copied();
        let mean = if n == 0 {
            0.0
        } else {
            self.latencies.iter().map(|&d| ms(d)).sum::<f64>() / n as f64
        };
        let per = |cpu: f64| if n == 0 { 0.0 } else { cpu * 1e6 / n as f64 };
        let secs = self.elapsed.as_secs_f64();
        println!(
            "{:<9} {:<4} {:>4} {:>7} {:>6.2} {:>9.0} {:>7.2} {:>7.2} {:>7.2} {:>5} {:>8.0} {:>8.0} {:>8}",
            label,
            plan.mode.as_str(),
            plan.sessions,
            n,
            secs,
            if secs > 0.0 { n as f64 / secs } else { 0.0 },
            mean,
            at(50).map_or(0.0, ms),
            at(99).map_or(0.0, ms),
            self.failures,
            per(self.server_cpu),
            per(self.client_cpu),
            self.db_cpu.map_or_else(|| "-".to_owned(), |c| format!("{:.0}", per(c))),
        );
    }
}

/// One round: `plan.sessions` sessions logged in, warmed up, then creating together.
async fn round(
    addr: SocketAddr,
    tls: Arc<ClientConfig>,
    plan: Plan,
    db_pid: Option<u32>,
) -> Result<RoundResult, Error> {
    let start = Arc::new(Barrier::new(plan.sessions + 1));
    let done = Arc::new(Barrier::new(plan.sessions + 1));
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(plan.sessions);
    for s in 0..plan.sessions {
        let id = match plan.mode {
            Registrars::Own => registrar(s + 1),
            Registrars::One => registrar(1),
        };
        let client = EppClient::connect(addr, "127.0.0.1", Arc::clone(&tls)).await?;
        let (start, done, next, plan) = (Arc::clone(&start), Arc::clone(&done), Arc::clone(&next), plan);
        tasks.push(tokio::spawn(session(client, id, s, plan, start, done, next)));
    }
    // Everyone logged in and warmed up: go.
    start.wait().await;
    let cpu0 = Cpu::sample(db_pid);
    let t0 = Instant::now();
    done.wait().await;
    let elapsed = t0.elapsed();
    let cpu1 = Cpu::sample(db_pid);
    let mut latencies = Vec::new();
    let mut failures = 0;
    for t in tasks {
        let (lat, failed) = t.await??;
        latencies.extend(lat);
        failures += failed;
    }
    latencies.sort_unstable();
    let client_cpu = cpu1.client - cpu0.client;
    Ok(RoundResult {
        elapsed,
        latencies,
        failures,
        server_cpu: (cpu1.process - cpu0.process) - client_cpu,
        client_cpu,
        db_cpu: cpu1.db.zip(cpu0.db).map(|(b, a)| b - a),
    })
}

/// One session: log in, create one domain to warm up, wait for the start, then create until
/// the round's count or time is reached.
async fn session(
    mut client: EppClient,
    id: String,
    s: usize,
    plan: Plan,
    start: Arc<Barrier>,
    done: Arc<Barrier>,
    next: Arc<AtomicUsize>,
) -> Result<(Vec<Duration>, usize), Error> {
    // Release the barriers whatever happens, so that a failed session does not hang the round.
    let prepared = async {
        client.login(&id, PASSWORD).await?;
        let r = client.command(create(format!("w{}-{s}.test", plan.round), &id)).await?;
        if r.code() != ResultCode::COMPLETED {
            return Err(Error::from(format!("warm-up create: {} {}", r.code().0, r.message())));
        }
        Ok(())
    }
    .await;
    start.wait().await;
    let mut latencies = Vec::with_capacity(plan.creates / plan.sessions + 1);
    let mut failures = 0;
    let measured = async {
        prepared?;
        let deadline = plan.duration.map(|d| Instant::now() + d);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let over = match deadline {
                Some(d) => Instant::now() >= d,
                None => i >= plan.creates,
            };
            if over {
                break;
            }
            let command = create(format!("r{}-{i}.test", plan.round), &id);
            let t = Instant::now();
            let r = client.command(command).await?;
            latencies.push(t.elapsed());
            if r.code() != ResultCode::COMPLETED {
                if failures == 0 {
                    eprintln!("epp bench: session {s}: {} {}", r.code().0, r.message());
                }
                failures += 1;
            }
        }
        Ok::<(), Error>(())
    }
    .await;
    done.wait().await;
    measured?;
    let _ = client.logout().await;
    Ok((latencies, failures))
}

/// CPU seconds used so far: by this process, by its client threads, and by the database
/// server's process tree when its PID is known.
struct Cpu {
    process: f64,
    client: f64,
    db: Option<f64>,
}

impl Cpu {
    fn sample(db_pid: Option<u32>) -> Cpu {
        let process = proc_stat("/proc/self/stat").map_or(0.0, |s| s.own);
        let mut client = 0.0;
        if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
            for t in tasks.flatten() {
                if let Some(s) = proc_stat(&t.path().join("stat").to_string_lossy()) {
                    if s.comm == CLIENT_THREAD {
                        client += s.own;
                    }
                }
            }
        }
        Cpu {
            process,
            client,
            db: db_pid.map(tree_cpu),
        }
    }
}

/// The CPU seconds of `pid` (its own and its reaped children's) and of its live children.
fn tree_cpu(pid: u32) -> f64 {
    let mut total = proc_stat(&format!("/proc/{pid}/stat")).map_or(0.0, |s| s.own + s.children);
    if let Ok(procs) = std::fs::read_dir("/proc") {
        for p in procs.flatten() {
            let is_pid = p.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit());
            if !is_pid {
                continue;
            }
            if let Some(s) = proc_stat(&p.path().join("stat").to_string_lossy()) {
                if s.ppid == pid {
                    total += s.own;
                }
            }
        }
    }
    total
}

struct Stat {
    comm: String,
    ppid: u32,
    /// utime + stime, seconds.
    own: f64,
    /// cutime + cstime, seconds.
    children: f64,
}

/// Reads a `/proc/…/stat` file (proc(5)): the name in parentheses, then space-separated fields.
fn proc_stat(path: &str) -> Option<Stat> {
    let text = std::fs::read_to_string(path).ok()?;
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    // After the name: state (field 3), ppid (4), … utime (14), stime (15), cutime (16), cstime (17).
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    let num = |field: usize| fields.get(field - 3).and_then(|f| f.parse::<f64>().ok());
    Some(Stat {
        comm,
        ppid: fields.get(1)?.parse().ok()?,
        own: (num(14)? + num(15)?) / TICKS_PER_SECOND,
        children: (num(16)? + num(17)?) / TICKS_PER_SECOND,
    })
}
