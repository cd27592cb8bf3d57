//! `banyan query`: wires the argument parser, the exchange logic, the transport and the
//! printers together. The decisions live in [`crate::exchange`] and [`crate::output`]; this
//! module only sequences them.

use std::net::{SocketAddr, ToSocketAddrs};

use anyhow::Context as _;
use banyan_wire::edns::Edns;
use banyan_wire::Message;

use crate::dig_args::{self, Encryption, OutputStyle, QueryOptions, ServerSpec, DNS_PORT, DOH_PORT, DOT_PORT};
use crate::exchange::{self, Query};
use crate::output::{self, ExchangeInfo, Protocol};
use crate::resolv_conf::ResolvConf;
use crate::transport::{self, Reply};

/// Where the system's resolver configuration lives.
const RESOLV_CONF: &str = "/etc/resolv.conf";

/// How `banyan query` ended, mapped to the exit code by `main`.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A server answered (whatever its RCODE): exit 0.
    Answered,
    /// No server answered: exit 1.
    NoAnswer,
}

/// A usage error: exit 2 with the message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// Runs `banyan query ARGS…`, printing to stdout (the reply) and stderr (warnings).
pub fn run(args: &[String]) -> anyhow::Result<Outcome> {
    let opts = dig_args::parse(args).map_err(|e| Usage(e.to_string()))?;
    if opts.trace {
        return crate::trace_cmd::run(&opts);
    }
    let server = choose_server(&opts)?;
    let query = Query {
        name: opts.name.clone(),
        qtype: opts.qtype,
        qclass: opts.qclass,
        recurse: opts.recurse,
        ad: opts.ad,
        cd: opts.cd,
        edns: opts.edns.then(|| Edns {
            udp_payload_size: opts.bufsize,
            dnssec_ok: opts.dnssec,
            options: debug_options(&opts),
            ..Edns::default()
        }),
    };
    // A fresh ID from the thread's CSPRNG for each query (RFC 5452 §4.3).
    let id: u16 = rand::random();
    let wire = query.to_wire(id);
    let warn = |why: &str| eprintln!(";; Warning: ignoring reply: {why}");

    let udp_first = !opts.tcp;
    let mut result = if let Some(enc) = &opts.encryption {
        encrypted(&query, id, server, &wire, enc, &opts)
    } else if udp_first {
        transport::udp(
            server,
            &wire,
            opts.timeout,
            opts.tries,
            |from, reply| exchange::check_reply(&query, id, server, from, reply).map_err(|e| e.to_string()),
            warn,
        )
        .map(|r| (r, Protocol::Udp))
        .map_err(anyhow::Error::from)
    } else {
        tcp(&query, id, server, &wire, &opts)
            .map(|r| (r, Protocol::Tcp))
            .map_err(anyhow::Error::from)
    };
    // RFC 7766 §5: a truncated UDP answer is asked again over TCP.
    if let Ok((reply, Protocol::Udp)) = &result {
        if exchange::is_truncated(&reply.wire) && !opts.ignore_tc {
            if opts.style == OutputStyle::Dig && opts.sections.comments {
                println!(";; Truncated, retrying in TCP mode.");
            }
            match tcp(&query, id, server, &wire, &opts) {
                Ok(r) => result = Ok((r, Protocol::Tcp)),
                // The truncated answer is still an answer; show it rather than nothing.
                Err(e) => eprintln!(";; Warning: TCP retry failed, showing the truncated answer: {e}"),
            }
        }
    }
    let (reply, protocol) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!(";; {e}");
            eprintln!(";; no servers could be reached");
            return Ok(Outcome::NoAnswer);
        }
    };
    let msg = Message::parse(&reply.wire).context("reply was accepted but does not parse")?;
    let info = ExchangeInfo {
        server,
        protocol,
        elapsed: reply.elapsed,
        size: reply.wire.len(),
        command_line: opts.command_line.clone(),
        recursion_desired: opts.recurse,
    };
    let text = match opts.style {
        OutputStyle::Dig => output::dig(&msg, &info, &opts.sections),
        OutputStyle::Short => output::short(&msg),
        OutputStyle::Json => output::json(&msg, &reply.wire, &info),
    };
    print!("{text}");
    Ok(Outcome::Answered)
}

fn tcp(
    query: &Query,
    id: u16,
    server: SocketAddr,
    wire: &[u8],
    opts: &QueryOptions,
) -> Result<Reply, transport::TransportError> {
    transport::tcp(
        server,
        wire,
        opts.timeout,
        |reply| exchange::check_reply(query, id, server, server, reply).map_err(|e| e.to_string()),
        |why| eprintln!(";; Warning: ignoring reply: {why}"),
    )
}

/// Asks over DoT or DoH (RFC 7858, RFC 8484) and checks the reply as a TCP one.
fn encrypted(
    query: &Query,
    id: u16,
    server: SocketAddr,
    wire: &[u8],
    enc: &Encryption,
    opts: &QueryOptions,
) -> Result<(Reply, Protocol), anyhow::Error> {
    use banyan_server::upstream_tls::{Client, Endpoint, Protocol as Wire, Trust};
    let trust = match (&enc.ca, &enc.hostname) {
        (Some(Some(file)), _) => Trust::Ca(file.clone()),
        (Some(None), _) | (None, Some(_)) => Trust::System,
        (None, None) => Trust::Insecure,
    };
    let tls_name = match (&enc.hostname, &opts.server) {
        (Some(name), _) => name.clone(),
        (None, Some(ServerSpec::Host(host, _))) => host.clone(),
        _ => server.ip().to_string(),
    };
    let (protocol, shown) = match &enc.https {
        Some(path) => (
            Wire::Https {
                path: path.clone(),
                get: enc.get,
            },
            Protocol::Https,
        ),
        None => (Wire::Tls, Protocol::Tls),
    };
    let endpoint = Endpoint {
        addr: server,
        protocol,
        tls_name,
        trust,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let client = Client::new(opts.timeout);
    let sent = std::time::Instant::now();
    let reply = runtime.block_on(client.exchange(&endpoint, wire, opts.timeout))?;
    let elapsed = sent.elapsed();
    exchange::check_reply(query, id, server, server, &reply)?;
    Ok((Reply { wire: reply, elapsed }, shown))
}

/// The server to ask: `@SERVER` (a host name is looked up with the system resolver), else
/// the first `nameserver` in /etc/resolv.conf, else 127.0.0.1 as the C library does.
fn choose_server(opts: &QueryOptions) -> anyhow::Result<SocketAddr> {
    let default_port = opts.port.unwrap_or(match &opts.encryption {
        Some(e) if e.https.is_some() => DOH_PORT,
        Some(_) => DOT_PORT,
        None => DNS_PORT,
    });
    match &opts.server {
        Some(ServerSpec::Addr(ip, port)) => Ok(SocketAddr::new(*ip, port.unwrap_or(default_port))),
        Some(ServerSpec::Host(host, port)) => (host.as_str(), port.unwrap_or(default_port))
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .ok_or_else(|| Usage(format!("could not find the address of server {host:?}")).into()),
        None => {
            let conf = match std::fs::read_to_string(RESOLV_CONF) {
                Ok(text) => ResolvConf::parse(&text),
                Err(_) => ResolvConf::default(),
            };
            let mut server = conf
                .nameservers
                .first()
                .copied()
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], DNS_PORT)));
            if opts.port.is_some() || opts.encryption.is_some() {
                server.set_port(default_port);
            }
            Ok(server)
        }
    }
}

/// The EDNS options of `+subnet` (RFC 7871 §6) and `+why` (an empty
/// [`banyan_auth::WHY_OPTION`]).
fn debug_options(opts: &QueryOptions) -> Vec<banyan_wire::edns::EdnsOption> {
    use banyan_wire::edns::EdnsOption;
    let mut options = Vec::new();
    if let Some(ecs) = opts.subnet {
        options.push(EdnsOption::ClientSubnet(ecs));
    }
    if opts.why {
        options.push(EdnsOption::Unknown {
            code: banyan_auth::WHY_OPTION,
            data: Vec::new(),
        });
    }
    options
}
