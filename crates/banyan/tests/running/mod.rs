//! A `banyan` process started by a test: its stdout (and, when asked for, its stderr) read
//! line by line up to what the test waits for, signalled and stopped by its PID, killed if
//! the test ends without stopping it. Shared by the end-to-end test binaries.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Lines};
use std::net::SocketAddr;
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};

/// A running `banyan` process.
pub struct Running {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    stderr: Option<Lines<BufReader<ChildStderr>>>,
}

impl Running {
    /// `banyan ARGS` with stdout and stderr read by the test.
    pub fn start(args: &[&str]) -> Running {
        Running::spawn(args, true)
    }

    /// `banyan ARGS` with stderr left on the test's own (for servers whose stderr the test
    /// does not read: a pipe nobody reads could fill and stall them).
    pub fn start_stderr_inherited(args: &[&str]) -> Running {
        Running::spawn(args, false)
    }

    fn spawn(args: &[&str], pipe_stderr: bool) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_banyan"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(if pipe_stderr { Stdio::piped() } else { Stdio::inherit() })
            .spawn()
            .expect("start banyan");
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let stderr = child.stderr.take().map(|e| BufReader::new(e).lines());
        Running { child, stdout, stderr }
    }

    /// Reads stdout up to the line containing `what` (the server prints it once ready);
    /// the lines read.
    pub fn wait_stdout(&mut self, what: &str) -> Vec<String> {
        wait(&mut self.stdout, what, "stdout")
    }

    /// Reads stderr up to the line containing `what`.
    pub fn wait_stderr(&mut self, what: &str) -> Vec<String> {
        match self.stderr.as_mut() {
            Some(lines) => wait(lines, what, "stderr"),
            None => panic!("stderr is not read for this process"),
        }
    }

    /// Sends signal `name` (`HUP`, `TERM`, …) to the process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// SIGTERM, then the exit code.
    pub fn stop(mut self) -> Option<i32> {
        self.signal("TERM");
        self.child.wait().expect("wait").code()
    }
}

fn wait<R: std::io::BufRead>(lines: &mut Lines<R>, what: &str, stream: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap_or_else(|e| panic!("{stream} line: {e}"));
        let found = line.contains(what);
        seen.push(line);
        if found {
            return seen;
        }
    }
    panic!("no {what:?} on {stream}; saw {seen:?}");
}

/// The address on the first of `lines` that starts with `prefix`, up to a space or a slash:
/// the `127.0.0.1:40211` of `listening on 127.0.0.1:40211 (udp: …)` with the prefix
/// `listening on `, or of `metrics listening on http://127.0.0.1:40211/metrics` with
/// `metrics listening on http://`. The tests start servers on port 0 and read where they
/// landed: a port a test picked and released could be taken by another socket (a client's
/// ephemeral port, or one in TIME_WAIT) before the server binds it.
pub fn listening_addr(lines: &[String], prefix: &str) -> SocketAddr {
    let rest = lines
        .iter()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {lines:?}"));
    let end = rest.find([' ', '/']).unwrap_or(rest.len());
    rest[..end]
        .parse()
        .unwrap_or_else(|e| panic!("{rest:?} after {prefix:?}: {e}"))
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
