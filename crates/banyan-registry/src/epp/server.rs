//! The EPP server loop (RFC 5730 §2, RFC 5734): TLS sessions, each greeted, logged in, fed
//! commands and closed, with a registry behind the [`Handler`] trait.
//!
//! A session is a small state machine named for what it expects next: `AwaitingLogin`, then
//! `LoggedIn`. What the loop decides itself, without the handler (RFC 5730 §2.9.1 and §3):
//!
//! | event | answer |
//! |---|---|
//! | connection accepted | the greeting (RFC 5730 §2.4) |
//! | `<hello>` | the greeting, at any time |
//! | a frame that does not parse | its code (2001 for bad XML, see [`Frame::parse`]) with the clTRID when readable; the session goes on |
//! | a command other than login or logout before login | 2002 |
//! | login with a version other than 1.0 | 2100 |
//! | login with a language, object or extension the greeting does not offer | 2102, 2307, 2103 |
//! | login refused by the handler | its error (normally 2200); the [`Limits::max_login_failures`]th refusal is 2501 and the connection closes (RFC 5730 §2.9.1.1 lets a server close after N failures) |
//! | login while logged in | 2002 |
//! | an object or extension not announced at login | 2307 or 2103 |
//! | `<logout>` | 1500, then the connection closes |
//! | a frame over [`Limits::max_frame`] but within [`Limits::max_discard`] | its body is read and thrown away, 2001 "frame too large", the session goes on |
//! | a frame over [`Limits::max_discard`], or a length below 4 | 2500, and the connection closes (the stream cannot be trusted to stay in step) |
//! | no complete frame within [`Limits::idle_timeout`] | the connection closes (RFC 5734 §2 lets the server end idle sessions) |
//! | more than [`Limits::max_sessions`] sessions | the new connection gets 2502 instead of a greeting and closes |
//!
//! Every response carries a fresh server transaction ID, which the handler sees in
//! [`Request::sv_trid`] before it answers.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;

use super::command::{Command, CommandExtensions, Frame, Login};
use super::error::{EppError, ResultCode};
use super::frame::{self, FrameError, DEFAULT_MAX_FRAME};
use super::greeting::{date_time, Greeting};
use super::response::Response;

/// A boxed, sendable future: what [`Handler`] methods return, so the trait stays
/// object-safe without a macro.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The limits of the server loop; every one is named in the module docs' table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest frame kept, XML octets (default 64 KiB, [`DEFAULT_MAX_FRAME`]).
    pub max_frame: usize,
    /// Largest frame read and thrown away with a 2001 instead of closing (default 1 MiB).
    pub max_discard: usize,
    /// How long a session may wait for a complete frame (default 10 minutes).
    pub idle_timeout: Duration,
    /// How long the TLS handshake may take (default 10 s).
    pub handshake_timeout: Duration,
    /// How long writing one response may take (default 30 s).
    pub write_timeout: Duration,
    /// Sessions open at once (default 256).
    pub max_sessions: usize,
    /// Failed logins before the connection closes (default 3; at least 1).
    pub max_login_failures: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame: DEFAULT_MAX_FRAME,
            max_discard: 1024 * 1024,
            idle_timeout: Duration::from_secs(600),
            handshake_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            max_sessions: 256,
            max_login_failures: 3,
        }
    }
}

/// A logged-in session (RFC 5730 §2.9.1.1): who it acts for and what it announced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The server's number for this connection (unique while the server runs).
    pub id: u64,
    /// The registrar the session acts for, as the handler's login returned it.
    pub client_id: String,
    /// The client's address.
    pub peer: SocketAddr,
    /// The language chosen at login.
    pub lang: String,
    /// The object services announced at login.
    pub obj_uris: Vec<String>,
    /// The extensions announced at login.
    pub ext_uris: Vec<String>,
}

/// A command for the handler, with both transaction IDs (RFC 5730 §2.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The command: never `Login` or `Logout`, which the loop handles.
    pub command: Command,
    /// Its extensions, all announced at login.
    pub extensions: CommandExtensions,
    /// The client's transaction ID.
    pub cl_trid: Option<String>,
    /// The server transaction ID the response will carry (for poll messages that quote it,
    /// RFC 5731 §3.3 `paTRID`).
    pub sv_trid: String,
}

/// The registry behind the server loop.
///
/// The loop owns the protocol (framing, greeting, session state, the checks in the
/// module docs); the handler owns the objects. Its futures run on the session's task.
pub trait Handler: Send + Sync + 'static {
    /// The greeting to send (RFC 5730 §2.4); the loop sets `sv_date`. Login is checked
    /// against its versions, languages, objects and extensions.
    fn greeting(&self) -> Greeting;

    /// Authenticates a login (RFC 5730 §2.9.1.1), and changes the password when
    /// `login.new_password` is set. `Ok` gives the registrar ID the session acts for;
    /// `Err` is answered as it is (2200 "Authentication error" for a bad password).
    fn login<'a>(&'a self, login: &'a Login, peer: SocketAddr) -> BoxFuture<'a, Result<String, EppError>>;

    /// Carries out a command of a logged-in session. The loop sets the response's
    /// transaction IDs.
    fn handle<'a>(&'a self, session: &'a Session, request: Request) -> BoxFuture<'a, Response>;

    /// The session ended (logout, close, timeout, error). Nothing by default.
    fn session_closed<'a>(&'a self, _session: &'a Session) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// Server transaction IDs: a prefix from the server's start time and a counter, unique
/// while the server runs and unlikely to repeat across restarts.
#[derive(Debug)]
struct TridSource {
    prefix: String,
    next: AtomicU64,
}

impl TridSource {
    fn new() -> Self {
        let start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        Self {
            prefix: format!("BANYAN-{start:X}"),
            next: AtomicU64::new(1),
        }
    }

    fn next(&self) -> String {
        format!("{}-{}", self.prefix, self.next.fetch_add(1, Ordering::Relaxed))
    }
}

/// Accepts EPP connections on `listener` until an accept error that is not about one
/// connection (RFC 5734 §2: the server listens, the client connects, TLS first).
///
/// Sessions run as tasks owned by this future: dropping it (or aborting its task) ends them
/// all.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    handler: Arc<dyn Handler>,
    limits: Limits,
) -> io::Result<()> {
    let acceptor = TlsAcceptor::from(tls);
    let limits = Arc::new(limits);
    let sessions = Arc::new(Semaphore::new(limits.max_sessions));
    // Refusing costs a handshake too; at most as many refusals run as sessions.
    let refusals = Arc::new(Semaphore::new(limits.max_sessions.max(1)));
    let trids = Arc::new(TridSource::new());
    let mut tasks = JoinSet::new();
    let mut next_id = 0u64;
    loop {
        while tasks.try_join_next().is_some() {}
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if is_per_connection(&e) => {
                // Out of descriptors or a connection that died in the queue: wait a moment
                // rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        let _ = tcp.set_nodelay(true);
        next_id += 1;
        let acceptor = acceptor.clone();
        let limits = Arc::clone(&limits);
        let trids = Arc::clone(&trids);
        match Arc::clone(&sessions).try_acquire_owned() {
            Ok(permit) => {
                let handler = Arc::clone(&handler);
                let id = next_id;
                tasks.spawn(async move {
                    let _permit = permit;
                    let Ok(Ok(stream)) = timeout(limits.handshake_timeout, acceptor.accept(tcp)).await else {
                        return;
                    };
                    let mut conn = Connection {
                        stream,
                        handler,
                        limits,
                        trids,
                        peer,
                        id,
                        state: State::AwaitingLogin { failures: 0 },
                    };
                    conn.run().await;
                });
            }
            Err(_) => {
                let Ok(permit) = Arc::clone(&refusals).try_acquire_owned() else {
                    continue; // dropping the connection is all that is left
                };
                tasks.spawn(async move {
                    let _permit = permit;
                    let Ok(Ok(mut stream)) = timeout(limits.handshake_timeout, acceptor.accept(tcp)).await else {
                        return;
                    };
                    let mut r = Response::new(ResultCode::SESSION_LIMIT_EXCEEDED_CLOSING);
                    r.sv_trid = trids.next();
                    let _ = timeout(limits.write_timeout, async {
                        let _ = frame::write_frame(&mut stream, r.to_xml().as_bytes()).await;
                        let _ = stream.shutdown().await;
                    })
                    .await;
                });
            }
        }
    }
}

/// Accept errors that concern one connection or a passing shortage, not the listener.
fn is_per_connection(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock | TimedOut
    ) || matches!(e.raw_os_error(), Some(23 | 24 | 105 | 12)) // ENFILE EMFILE ENOBUFS ENOMEM
}

/// What a session waits for.
#[derive(Debug)]
enum State {
    /// Greeted, not logged in; `failures` logins refused so far.
    AwaitingLogin { failures: u32 },
    /// Logged in.
    LoggedIn(Session),
}

/// Whether the session goes on after a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Continue,
    Close,
}

struct Connection<S> {
    stream: S,
    handler: Arc<dyn Handler>,
    limits: Arc<Limits>,
    trids: Arc<TridSource>,
    peer: SocketAddr,
    id: u64,
    state: State,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    async fn run(&mut self) {
        let greeting = self.greeting_xml();
        if self.send(&greeting).await.is_ok() {
            while let Ok(Next::Continue) = self.step().await {}
        }
        if let State::LoggedIn(session) = &self.state {
            self.handler.session_closed(session).await;
        }
    }

    /// Reads one frame and answers it; `Err` when the connection is gone.
    async fn step(&mut self) -> Result<Next, FrameError> {
        let idle = self.limits.idle_timeout;
        let len = match timeout(idle, frame::read_header(&mut self.stream)).await {
            Err(_) => return Ok(Next::Close),
            Ok(Err(FrameError::TooShort(n))) => {
                let msg = format!("Command failed; server closing connection: frame length {n} is below 4");
                return self.refuse_and_close(&msg).await;
            }
            Ok(result) => result?,
        };
        if len > self.limits.max_frame {
            let msg = format!(
                "Command syntax error: a frame of {len} octets exceeds the limit of {}",
                self.limits.max_frame
            );
            if len > self.limits.max_discard {
                return self.refuse_and_close(&msg).await;
            }
            match timeout(idle, frame::discard(&mut self.stream, len)).await {
                Ok(result) => result?,
                Err(_) => return Ok(Next::Close),
            }
            let err = EppError::new(ResultCode::COMMAND_SYNTAX_ERROR, msg);
            let xml = self.error_xml(&err);
            self.send(&xml).await?;
            return Ok(Next::Continue);
        }
        let body = match timeout(idle, frame::read_body(&mut self.stream, len)).await {
            Ok(result) => result?,
            Err(_) => return Ok(Next::Close),
        };
        let (xml, next) = self.answer(&body).await;
        self.send(&xml).await?;
        if next == Next::Close {
            self.close().await;
        }
        Ok(next)
    }

    /// 2500 and close: the stream can no longer be trusted to stay in step.
    async fn refuse_and_close(&mut self, msg: &str) -> Result<Next, FrameError> {
        let err = EppError::new(ResultCode::COMMAND_FAILED_CLOSING, msg);
        let xml = self.error_xml(&err);
        self.send(&xml).await?;
        self.close().await;
        Ok(Next::Close)
    }

    async fn send(&mut self, xml: &str) -> Result<(), FrameError> {
        match timeout(
            self.limits.write_timeout,
            frame::write_frame(&mut self.stream, xml.as_bytes()),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(FrameError::Io(io::ErrorKind::TimedOut.into())),
        }
    }

    /// Sends TLS close_notify, then reads briefly what the client still sends, so that
    /// closing with unread data does not reset the connection before the client has read
    /// the last response.
    async fn close(&mut self) {
        let _ = timeout(self.limits.write_timeout, self.stream.shutdown()).await;
        let max = self.limits.max_discard;
        let _ = timeout(Duration::from_secs(1), async {
            let mut buf = [0u8; 4096];
            let mut total = 0usize;
            while let Ok(n) = self.stream.read(&mut buf).await {
                total += n;
                if n == 0 || total > max {
                    break;
                }
            }
        })
        .await;
    }

    fn greeting_xml(&self) -> String {
        let mut g = self.handler.greeting();
        g.sv_date = date_time(SystemTime::now());
        g.to_xml()
    }

    fn error_xml(&self, err: &EppError) -> String {
        let mut r = Response::from_error(err);
        r.sv_trid = self.trids.next();
        r.to_xml()
    }

    /// The answer to one frame, and whether the session goes on.
    async fn answer(&mut self, body: &[u8]) -> (String, Next) {
        let (cl_trid, command, extensions) = match Frame::parse(body) {
            Err(err) => return (self.error_xml(&err), Next::Continue),
            Ok(Frame::Hello) => return (self.greeting_xml(), Next::Continue),
            Ok(Frame::Command {
                cl_trid,
                command,
                extensions,
            }) => (cl_trid, command, extensions),
        };
        let sv_trid = self.trids.next();
        let mut response = self
            .dispatch(command, extensions, cl_trid.clone(), sv_trid.clone())
            .await;
        response.cl_trid = cl_trid;
        response.sv_trid = sv_trid;
        let next = if response.code().closes_session() {
            Next::Close
        } else {
            Next::Continue
        };
        (response.to_xml(), next)
    }

    async fn dispatch(
        &mut self,
        command: Command,
        extensions: CommandExtensions,
        cl_trid: Option<String>,
        sv_trid: String,
    ) -> Response {
        let use_error = |msg: &str| Response::from_error(&EppError::new(ResultCode::COMMAND_USE_ERROR, msg));
        match (&mut self.state, command) {
            (_, Command::Logout) => Response::new(ResultCode::COMPLETED_ENDING_SESSION),
            (State::AwaitingLogin { .. }, Command::Login(login)) => self.login(&login).await,
            (State::LoggedIn(_), Command::Login(_)) => use_error("Command use error: already logged in; log out first"),
            (State::AwaitingLogin { .. }, _) => use_error("Command use error: log in first"),
            (State::LoggedIn(session), command) => {
                if let Some(uri) = command.object_uri() {
                    if !session.obj_uris.iter().any(|u| u == uri) {
                        return Response::from_error(&EppError::new(
                            ResultCode::UNIMPLEMENTED_OBJECT_SERVICE,
                            format!("Unimplemented object service: {uri} was not announced at login"),
                        ));
                    }
                }
                if let Some(uri) = extensions.uris().find(|u| !session.ext_uris.iter().any(|s| s == u)) {
                    return Response::from_error(&EppError::new(
                        ResultCode::UNIMPLEMENTED_EXTENSION,
                        format!("Unimplemented extension: {uri} was not announced at login"),
                    ));
                }
                let request = Request {
                    command,
                    extensions,
                    cl_trid,
                    sv_trid,
                };
                self.handler.handle(session, request).await
            }
        }
    }

    async fn login(&mut self, login: &Login) -> Response {
        let greeting = self.handler.greeting();
        let refuse = |code: ResultCode, msg: String| Response::from_error(&EppError::new(code, msg));
        if !greeting.versions.contains(&login.version) {
            return refuse(
                ResultCode::UNIMPLEMENTED_PROTOCOL_VERSION,
                format!("Unimplemented protocol version: {}", login.version),
            );
        }
        if !greeting.langs.contains(&login.lang) {
            return refuse(
                ResultCode::UNIMPLEMENTED_OPTION,
                format!("Unimplemented option: language {}", login.lang),
            );
        }
        if let Some(uri) = login.obj_uris.iter().find(|u| !greeting.obj_uris.contains(u)) {
            return refuse(
                ResultCode::UNIMPLEMENTED_OBJECT_SERVICE,
                format!("Unimplemented object service: {uri}"),
            );
        }
        if let Some(uri) = login.ext_uris.iter().find(|u| !greeting.ext_uris.contains(u)) {
            return refuse(
                ResultCode::UNIMPLEMENTED_EXTENSION,
                format!("Unimplemented extension: {uri}"),
            );
        }
        match self.handler.login(login, self.peer).await {
            Ok(client_id) => {
                self.state = State::LoggedIn(Session {
                    id: self.id,
                    client_id,
                    peer: self.peer,
                    lang: login.lang.clone(),
                    obj_uris: login.obj_uris.clone(),
                    ext_uris: login.ext_uris.clone(),
                });
                Response::success()
            }
            Err(err) => {
                let failures = match &mut self.state {
                    State::AwaitingLogin { failures } => {
                        *failures += 1;
                        *failures
                    }
                    State::LoggedIn(_) => 0,
                };
                if failures >= self.limits.max_login_failures.max(1) {
                    Response::from_error(&EppError::new(
                        ResultCode::AUTHENTICATION_ERROR_CLOSING,
                        format!("{}; {failures} failed logins", err.message),
                    ))
                } else {
                    Response::from_error(&err)
                }
            }
        }
    }
}
