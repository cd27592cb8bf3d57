//! An EPP client over TLS (RFC 5734): connect, read the greeting, log in, send commands,
//! log out. The CLI and the registrar dashboard use it.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use thiserror::Error;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::command::{Command, CommandExtensions, Frame, Login};
use super::error::{EppError, ResultCode};
use super::frame::{self, FrameError, DEFAULT_MAX_FRAME};
use super::greeting::Greeting;
use super::response::{Response, ServerMessage};

/// What went wrong talking to an EPP server.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Connecting or the TLS handshake failed.
    #[error("connect: {0}")]
    Connect(io::Error),
    /// The name given for certificate checking is not a valid server name.
    #[error("invalid server name {0:?}")]
    ServerName(String),
    /// Reading or writing a frame failed (includes the server closing the connection).
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The server did not answer in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The server's frame is not a greeting or response this client can read.
    #[error("unreadable server frame: {0}")]
    Malformed(EppError),
    /// The server sent a response where a greeting was due, or the reverse.
    #[error("expected a {expected}")]
    Unexpected {
        /// What was due.
        expected: &'static str,
    },
    /// The response carries another client transaction ID than the command.
    #[error("response for transaction {got:?}, expected {sent:?}")]
    TransactionMismatch {
        /// What the command carried.
        sent: Option<String>,
        /// What came back.
        got: Option<String>,
    },
    /// The server refused: at connect (2502 instead of a greeting) or at login.
    #[error("refused: {code} {message}")]
    Refused {
        /// The result code.
        code: ResultCode,
        /// The server's message.
        message: String,
    },
}

/// The default time to wait for each answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to an EPP server, greeted and ready for `login`.
pub struct EppClient {
    stream: TlsStream<TcpStream>,
    greeting: Greeting,
    max_frame: usize,
    timeout: Duration,
    trid_prefix: String,
    next_trid: u64,
}

impl std::fmt::Debug for EppClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EppClient")
            .field("server", &self.greeting.sv_id)
            .finish_non_exhaustive()
    }
}

impl EppClient {
    /// Connects to `addr` over TLS, checking the server's certificate for `server_name`
    /// with `tls`, and reads the greeting (RFC 5734 §2, RFC 5730 §2.4).
    pub async fn connect(addr: SocketAddr, server_name: &str, tls: Arc<ClientConfig>) -> Result<Self, ClientError> {
        let name = ServerName::try_from(server_name.to_owned())
            .map_err(|_| ClientError::ServerName(server_name.to_owned()))?;
        let connect = async {
            let tcp = TcpStream::connect(addr).await?;
            tcp.set_nodelay(true)?;
            TlsConnector::from(tls).connect(name, tcp).await
        };
        let stream = match timeout(DEFAULT_TIMEOUT, connect).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => return Err(ClientError::Connect(e)),
            Err(_) => return Err(ClientError::Timeout(DEFAULT_TIMEOUT)),
        };
        let mut client = Self {
            stream,
            greeting: Greeting::new(""),
            max_frame: 16 * DEFAULT_MAX_FRAME,
            timeout: DEFAULT_TIMEOUT,
            trid_prefix: format!("BANYAN-C{}", std::process::id()),
            next_trid: 1,
        };
        client.greeting = match client.receive().await? {
            ServerMessage::Greeting(g) => *g,
            ServerMessage::Response(r) => {
                return Err(ClientError::Refused {
                    code: r.code(),
                    message: r.message().to_owned(),
                })
            }
        };
        Ok(client)
    }

    /// The same client waiting `limit` for each answer.
    pub fn with_timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    /// The greeting read at connect (or by the last [`hello`](Self::hello)).
    pub fn greeting(&self) -> &Greeting {
        &self.greeting
    }

    /// Sends `<hello>` and reads the greeting (RFC 5730 §2.3).
    pub async fn hello(&mut self) -> Result<Greeting, ClientError> {
        self.send(Frame::Hello.to_xml().as_bytes()).await?;
        match self.receive().await? {
            ServerMessage::Greeting(g) => {
                self.greeting = (*g).clone();
                Ok(*g)
            }
            ServerMessage::Response(_) => Err(ClientError::Unexpected { expected: "greeting" }),
        }
    }

    /// Logs in as `client_id` with `password`, announcing every object and extension the
    /// greeting offers that this crate implements (RFC 5730 §2.9.1.1).
    ///
    /// A refusal is [`ClientError::Refused`].
    pub async fn login(&mut self, client_id: &str, password: &str) -> Result<Response, ClientError> {
        let mut login = Login::new(client_id, password);
        login.obj_uris.retain(|u| self.greeting.obj_uris.contains(u));
        login.ext_uris.retain(|u| self.greeting.ext_uris.contains(u));
        self.login_with(login).await
    }

    /// Sends a login as given. A refusal is [`ClientError::Refused`].
    pub async fn login_with(&mut self, login: Login) -> Result<Response, ClientError> {
        let response = self.command(Command::Login(Box::new(login))).await?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(ClientError::Refused {
                code: response.code(),
                message: response.message().to_owned(),
            })
        }
    }

    /// Sends a command without extensions and returns the response, whatever its code.
    pub async fn command(&mut self, command: Command) -> Result<Response, ClientError> {
        self.command_with(command, CommandExtensions::default()).await
    }

    /// Sends a command with extensions and returns the response, whatever its code.
    pub async fn command_with(
        &mut self,
        command: Command,
        extensions: CommandExtensions,
    ) -> Result<Response, ClientError> {
        let cl_trid = format!("{}-{}", self.trid_prefix, self.next_trid);
        self.next_trid += 1;
        self.transact(&Frame::Command {
            cl_trid: Some(cl_trid),
            command,
            extensions,
        })
        .await
    }

    /// Sends a frame as given and returns the response, checking that it echoes the
    /// frame's client transaction ID.
    pub async fn transact(&mut self, frame: &Frame) -> Result<Response, ClientError> {
        self.send(frame.to_xml().as_bytes()).await?;
        let response = self.response().await?;
        let sent = match frame {
            Frame::Command { cl_trid, .. } => cl_trid.clone(),
            Frame::Hello => None,
        };
        // A server that could not read the command answers without a clTRID.
        if response.cl_trid.is_some() && response.cl_trid != sent {
            return Err(ClientError::TransactionMismatch {
                sent,
                got: response.cl_trid,
            });
        }
        Ok(response)
    }

    /// Sends `<logout>` and reads the response (1500 when the server agrees); the
    /// connection is closed afterwards either way (RFC 5730 §2.9.1.2).
    pub async fn logout(mut self) -> Result<Response, ClientError> {
        let response = self.command(Command::Logout).await;
        let _ = timeout(self.timeout, self.stream.shutdown()).await;
        response
    }

    /// Sends `payload` as one frame, unchecked, and returns the next frame's bytes: for
    /// testing servers and for debugging.
    pub async fn send_raw(&mut self, payload: &[u8]) -> Result<Vec<u8>, ClientError> {
        self.send(payload).await?;
        self.read_raw().await
    }

    /// Reads the next frame's bytes, unchecked.
    pub async fn read_raw(&mut self) -> Result<Vec<u8>, ClientError> {
        match timeout(self.timeout, frame::read_frame(&mut self.stream, self.max_frame)).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(ClientError::Timeout(self.timeout)),
        }
    }

    /// Writes raw octets to the connection, outside any framing: for testing servers.
    pub async fn write_unframed(&mut self, octets: &[u8]) -> Result<(), ClientError> {
        self.stream.write_all(octets).await.map_err(FrameError::Io)?;
        self.stream.flush().await.map_err(FrameError::Io)?;
        Ok(())
    }

    async fn send(&mut self, payload: &[u8]) -> Result<(), ClientError> {
        match timeout(self.timeout, frame::write_frame(&mut self.stream, payload)).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(ClientError::Timeout(self.timeout)),
        }
    }

    async fn receive(&mut self) -> Result<ServerMessage, ClientError> {
        let bytes = self.read_raw().await?;
        ServerMessage::parse(&bytes).map_err(ClientError::Malformed)
    }

    async fn response(&mut self) -> Result<Response, ClientError> {
        match self.receive().await? {
            ServerMessage::Response(r) => Ok(*r),
            ServerMessage::Greeting(_) => Err(ClientError::Unexpected { expected: "response" }),
        }
    }
}
