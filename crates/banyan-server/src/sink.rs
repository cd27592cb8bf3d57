//! Where the query log and dnstap go: a bounded channel to a writer thread of their own, so
//! the answering path never waits on a disk or a collector.
//!
//! The answering side calls [`Sink::offer`], which never blocks: when the channel is full
//! (the writer is behind), the event is dropped and counted ([`Sink::dropped`], exported as
//! `banyan_*_log_dropped_total`). The writer encodes each event in its [`Format`] (JSON lines,
//! Frame Streams), writes through a buffer and flushes whenever the channel runs empty, so a
//! quiet server's log is current and a busy one's is written in large pieces.
//!
//! [`Sink::reopen`] (SIGHUP) makes the writer finish the current output (a dnstap STOP
//! frame), open the destination again (a rotated file is created anew; a collector's socket
//! is connected again) and start it over. A destination that fails to write is reopened at
//! the next event after a pause of [`RETRY`]; events meanwhile are counted as dropped.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Events queued for the writer; beyond this many, new ones are dropped.
pub const QUEUE: usize = 8192;

/// Bumped by [`reopen_all`]; each writer reopens when it sees a new value.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Makes every writer of the process reopen its destination (SIGHUP: whichever service
/// catches the signal rotates every log).
pub fn reopen_all() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// How long a socket's reader may take to answer the handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a failed destination is left alone before the writer tries to open it again.
pub const RETRY: Duration = Duration::from_secs(1);

/// Where a log is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// The process's standard error (`"-"`).
    Stderr,
    /// A file, appended to (created if missing).
    File(PathBuf),
    /// A Unix stream socket a collector listens on (dnstap's `unix:` destinations).
    Unix(PathBuf),
}

impl Destination {
    /// The destination of a query log: `"-"` for standard error, else a file path.
    pub fn query_log(value: &str) -> Destination {
        if value == "-" {
            Destination::Stderr
        } else {
            Destination::File(PathBuf::from(value))
        }
    }

    /// The destination of dnstap output: `file:PATH` or `unix:PATH`; `None` for anything
    /// else.
    pub fn dnstap(value: &str) -> Option<Destination> {
        if let Some(path) = value.strip_prefix("file:").filter(|p| !p.is_empty()) {
            Some(Destination::File(PathBuf::from(path)))
        } else {
            value
                .strip_prefix("unix:")
                .filter(|p| !p.is_empty())
                .map(|path| Destination::Unix(PathBuf::from(path)))
        }
    }

    /// Opens the destination; a socket is first greeted as `format` asks (a Frame Streams
    /// handshake).
    fn open<F: Format>(&self, format: &F) -> io::Result<Box<dyn Write + Send>> {
        Ok(match self {
            Destination::Stderr => Box::new(io::stderr()),
            Destination::File(path) => Box::new(std::fs::OpenOptions::new().create(true).append(true).open(path)?),
            Destination::Unix(path) => {
                let mut stream = std::os::unix::net::UnixStream::connect(path)?;
                // A collector that never answers must not hold the writer for ever.
                stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
                format.handshake(&mut stream)?;
                Box::new(stream)
            }
        })
    }
}

/// How events become octets.
pub trait Format: Send + 'static {
    /// What is logged.
    type Event: Send + 'static;

    /// Greets the reader of a socket destination before [`Format::start`] (the Frame
    /// Streams bidirectional handshake); nothing by default.
    fn handshake(&self, _stream: &mut std::os::unix::net::UnixStream) -> io::Result<()> {
        Ok(())
    }

    /// Octets written each time the destination is opened (a Frame Streams START frame).
    fn start(&self, _out: &mut Vec<u8>) {}

    /// Appends the encoding of `event` to `out`.
    fn encode(&self, event: &Self::Event, out: &mut Vec<u8>);

    /// Octets written before the destination is closed (a Frame Streams STOP frame).
    fn finish(&self, _out: &mut Vec<u8>) {}
}

/// What the answering side and the writer share.
#[derive(Debug, Default)]
struct Flags {
    dropped: AtomicU64,
    reopen: AtomicBool,
}

/// A running writer. Dropping it writes what is queued, finishes the output and joins the
/// thread.
pub struct Sink<E> {
    tx: Option<SyncSender<E>>,
    flags: Arc<Flags>,
    thread: Option<JoinHandle<()>>,
}

impl<E: Send + 'static> Sink<E> {
    /// Opens `destination` (so a wrong path is an error now, not a silent empty log) and
    /// starts the writer thread `name`, with room for `capacity` queued events.
    pub fn start<F: Format<Event = E>>(
        name: &str,
        destination: Destination,
        format: F,
        capacity: usize,
    ) -> io::Result<Sink<E>> {
        let first = destination.open(&format)?;
        let (tx, rx) = sync_channel(capacity.max(1));
        let flags = Arc::new(Flags::default());
        let writer_flags = flags.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || write_loop(rx, first, destination, format, &writer_flags))?;
        Ok(Sink {
            tx: Some(tx),
            flags,
            thread: Some(thread),
        })
    }

    /// Queues `event` for writing, or drops and counts it when the queue is full. Never
    /// blocks.
    pub fn offer(&self, event: E) {
        let queued = self.tx.as_ref().is_some_and(|tx| tx.try_send(event).is_ok());
        if !queued {
            self.flags.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Events dropped so far (queue full, or the destination failing).
    pub fn dropped(&self) -> u64 {
        self.flags.dropped.load(Ordering::Relaxed)
    }

    /// Asks the writer to close and open the destination again (log rotation); done before
    /// the next event is written, or within a second when none comes.
    pub fn reopen(&self) {
        self.flags.reopen.store(true, Ordering::Relaxed);
    }
}

impl<E> Drop for Sink<E> {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The writer: the open output (`None` after a failure, until reopened).
struct Output<F: Format> {
    out: Option<io::BufWriter<Box<dyn Write + Send>>>,
    failed_at: Option<Instant>,
    destination: Destination,
    format: F,
    scratch: Vec<u8>,
}

impl<F: Format> Output<F> {
    fn begin(&mut self, w: Box<dyn Write + Send>) {
        let mut w = io::BufWriter::with_capacity(64 << 10, w);
        self.scratch.clear();
        self.format.start(&mut self.scratch);
        if w.write_all(&self.scratch).is_ok() {
            self.out = Some(w);
            self.failed_at = None;
        } else {
            self.failed_at = Some(Instant::now());
        }
    }

    fn end(&mut self) {
        if let Some(mut w) = self.out.take() {
            self.scratch.clear();
            self.format.finish(&mut self.scratch);
            let _ = w.write_all(&self.scratch);
            let _ = w.flush();
        }
    }

    fn reopen(&mut self) {
        self.end();
        match self.destination.open(&self.format) {
            Ok(w) => self.begin(w),
            Err(_) => self.failed_at = Some(Instant::now()),
        }
    }

    /// Writes one event; false when it could not be (and the output is then closed).
    fn write(&mut self, event: &F::Event) -> bool {
        if self.out.is_none() && self.failed_at.is_none_or(|t| t.elapsed() >= RETRY) {
            self.reopen();
        }
        let Some(w) = self.out.as_mut() else {
            return false;
        };
        self.scratch.clear();
        self.format.encode(event, &mut self.scratch);
        if w.write_all(&self.scratch).is_err() {
            // A collector that went away, a full disk: give up the output for now.
            self.out = None;
            self.failed_at = Some(Instant::now());
            return false;
        }
        true
    }

    fn flush(&mut self) {
        if let Some(w) = self.out.as_mut() {
            if w.flush().is_err() {
                self.out = None;
                self.failed_at = Some(Instant::now());
            }
        }
    }
}

fn write_loop<F: Format>(
    rx: Receiver<F::Event>,
    first: Box<dyn Write + Send>,
    destination: Destination,
    format: F,
    flags: &Flags,
) {
    let mut output = Output {
        out: None,
        failed_at: None,
        destination,
        format,
        scratch: Vec::with_capacity(1024),
    };
    output.begin(first);
    let mut generation = GENERATION.load(Ordering::Relaxed);
    loop {
        let event = match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(e) => Some(e),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let now = GENERATION.load(Ordering::Relaxed);
        if flags.reopen.swap(false, Ordering::Relaxed) || now != generation {
            generation = now;
            output.flush();
            output.reopen();
        }
        let Some(event) = event else { continue };
        if !output.write(&event) {
            flags.dropped.fetch_add(1, Ordering::Relaxed);
        }
        // Everything already queued, then one flush.
        while let Ok(event) = rx.try_recv() {
            if !output.write(&event) {
                flags.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
        output.flush();
    }
    output.end();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each event as a line, between `start` and `end` lines.
    struct Lines;

    impl Format for Lines {
        type Event = u32;
        fn start(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(b"start\n");
        }
        fn encode(&self, event: &u32, out: &mut Vec<u8>) {
            out.extend_from_slice(format!("{event}\n").as_bytes());
        }
        fn finish(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(b"end\n");
        }
    }

    #[test]
    fn destinations_parse() {
        assert_eq!(Destination::query_log("-"), Destination::Stderr);
        assert_eq!(Destination::query_log("/x"), Destination::File("/x".into()));
        assert_eq!(Destination::dnstap("file:/x"), Some(Destination::File("/x".into())));
        assert_eq!(Destination::dnstap("unix:/s"), Some(Destination::Unix("/s".into())));
        assert_eq!(Destination::dnstap("/x"), None);
        assert_eq!(Destination::dnstap("file:"), None);
    }

    #[test]
    fn writes_in_order_and_reopens_after_rotation() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("log");
        let sink = Sink::start("test-sink", Destination::File(path.clone()), Lines, 16)?;
        for i in 0..3 {
            sink.offer(i);
        }
        // Rotation: the file is moved away, then the writer is told.
        let rotated = dir.path().join("log.1");
        // Wait for the first three to be written (bounded), so they land in the old file.
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::fs::read_to_string(&path)?.lines().count() < 4 && Instant::now() < deadline {
            std::thread::yield_now();
        }
        std::fs::rename(&path, &rotated)?;
        sink.reopen();
        sink.offer(3);
        drop(sink);
        assert_eq!(std::fs::read_to_string(&rotated)?, "start\n0\n1\n2\nend\n");
        assert_eq!(std::fs::read_to_string(&path)?, "start\n3\nend\n");
        Ok(())
    }

    #[test]
    fn full_queue_drops_and_counts() -> io::Result<()> {
        // A writer stuck on a full pipe cannot take events; the queue of 2 fills and the
        // rest are dropped, without blocking the offering thread.
        let dir = tempfile::tempdir()?;
        let sock = dir.path().join("s");
        let listener = std::os::unix::net::UnixListener::bind(&sock)?;
        let sink = Sink::start("test-sink", Destination::Unix(sock), Lines, 2)?;
        let (_peer, _) = listener.accept()?;
        let started = Instant::now();
        // Enough lines to fill the socket buffer and the writer's 64 KiB buffer many times.
        for i in 0..2_000_000 {
            sink.offer(i);
        }
        assert!(started.elapsed() < Duration::from_secs(30));
        assert!(sink.dropped() > 0);
        // The writer is blocked on the peer; closing it lets the writer fail and end.
        drop(_peer);
        drop(sink);
        Ok(())
    }

    #[test]
    fn missing_directory_is_an_error_at_start() {
        assert!(Sink::start("test-sink", Destination::File("/nonexistent/dir/log".into()), Lines, 2).is_err());
    }
}
