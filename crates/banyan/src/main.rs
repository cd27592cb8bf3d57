//! `banyan`: the command-line interface of Banyan. It parses arguments and wires the
//! library crates together; protocol logic lives in the libraries (DESIGN.md).

#![forbid(unsafe_code)]

mod auth_cmd;
#[cfg(test)]
mod config_reference;
mod dig_args;
mod exchange;
mod key_cmd;
mod normalize;
mod output;
mod query;
mod registry_cmd;
mod registry_serve;
mod resolv_conf;
mod resolver_cmd;
mod serve_cmd;
mod sign_cmd;
mod store_cmd;
mod trace_cmd;
mod transport;
mod up;
mod web_serve;
mod zone_cmd;

use std::io::Read as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for bad usage or bad input (DESIGN.md, "Command line").
const EXIT_USAGE: u8 = 2;
/// Exit code when the DNS side failed (no server answered).
const EXIT_DNS_FAILURE: u8 = 1;

/// Banyan: the Domain Name System, whole.
#[derive(Parser)]
#[command(name = "banyan", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Built once from the command line and matched once: the size of its largest variant costs
// nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// The miniature internet on loopback: root, TLD and domain servers of a world (the
    /// embedded default, or --world FILE), each on its own 127.53.x.y address, and a resolver
    /// that iterates from the world's root. Prints a map and commands to try; runs until
    /// SIGINT or SIGTERM (SIGUSR1 prints the resolver's counters). Exit 2 on a bad world or
    /// an address that cannot be bound.
    Up(up::UpArgs),
    /// Ask a DNS server one question and print the reply, like dig.
    ///
    /// banyan query [@SERVER[:PORT]] [-p PORT] NAME [TYPE] [CLASS] [+tcp] [+dnssec] [+short]
    /// [+json] [+norec] [+noall] [+answer] [+timeout=N] [+tries=N] [+trace] …
    ///
    /// +trace resolves NAME itself, iterating from the root hints, and prints every step
    /// (server asked and why, its reply, time taken, TTL horizons); --root-hints FILE and
    /// --upstream-port N point it at a lab.
    ///
    /// Without @SERVER the first nameserver in /etc/resolv.conf is asked. NAME may be
    /// Unicode (it is converted to A-labels). Exit 0 when a server answered (whatever its
    /// RCODE), 1 when none did, 2 on bad usage.
    Query {
        /// dig-style arguments: @SERVER, NAME, TYPE, CLASS, -p PORT and +options.
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "ARGS",
            num_args = 0..
        )]
        args: Vec<String>,
    },
    /// Authoritative server for every DIR/<origin>.zone, in the foreground until SIGINT or
    /// SIGTERM; SIGHUP reloads the zones (a zone that fails keeps its previous version).
    /// Exit 2 when no zone loads or an address cannot be bound.
    Auth(auth_cmd::AuthArgs),
    /// Recursive resolver: answers clients by iterating from the root hints, caching what it
    /// learns; in the foreground until SIGINT or SIGTERM. Exit 2 on bad options or an address
    /// that cannot be bound.
    Resolver(resolver_cmd::ResolverArgs),
    /// Everything a TOML config names ([auth], [resolver], [registry]), until SIGINT or
    /// SIGTERM.
    Serve {
        /// The configuration file.
        #[arg(long, value_name = "FILE")]
        config: std::path::PathBuf,
    },
    /// Zones: check, print and sign zone files; import, export, list the zones in the store
    /// and see how far a change has propagated.
    Zone {
        #[command(subcommand)]
        command: ZoneCommand,
    },
    /// A registrar's EPP client: domains, hosts, contacts and the message queue of a registry
    /// (`banyan serve` with [registry], or any EPP server). Exit 0 when the registry accepted
    /// the command, 1 when it refused it (the EPP result code is printed), 2 on bad usage or
    /// when the server cannot be reached.
    Registry(registry_cmd::RegistryArgs),
    /// DNSSEC keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Read records (one per line) on stdin; print them canonical, sorted and deduplicated.
    #[command(hide = true)]
    Normalize,
}

#[derive(Subcommand)]
enum ZoneCommand {
    /// Check a zone file like named-checkzone / kzonecheck: syntax (with file:line:column)
    /// and content (SOA and NS at the apex, CNAME rules, glue, occluded data, TTLs).
    /// Exit 0 when the zone is good (warnings allowed), 2 otherwise.
    Check {
        /// The master file.
        file: std::path::PathBuf,
        /// The zone's origin (default: the owner of the file's SOA).
        #[arg(long)]
        origin: Option<String>,
    },
    /// Print a zone in canonical form: fully qualified, one record per line, SOA first, then
    /// canonical order (RFC 4034 §6.1). The output parses back to the same records.
    Print {
        /// The master file.
        file: std::path::PathBuf,
        /// The zone's origin (default: the owner of the file's SOA).
        #[arg(long)]
        origin: Option<String>,
    },
    /// Sign a zone like dnssec-signzone: RRSIGs over every authoritative RRset, the DNSKEY
    /// RRset (from the keys in --keys DIR) signed by the KSKs, CDS and CDNSKEY for the KSKs,
    /// an NSEC or NSEC3 chain. Writes FILE.signed (or --out) in canonical order and
    /// dsset-<origin> beside it, and prints the DS records for the parent (SHA-256 and
    /// SHA-384). Signs on every core, with a progress bar on a terminal. Exit 0 when signed,
    /// 2 on a bad zone, bad keys or bad options.
    Sign(sign_cmd::SignArgs),
    /// Put a zone file into the store as a managed zone (checked first, as `zone check`
    /// does): it replaces any stored version and its history, in one transaction. Exit 0 when
    /// imported, 2 otherwise.
    Import {
        /// The master file.
        file: std::path::PathBuf,
        /// The zone's origin.
        #[arg(long)]
        origin: String,
        /// The configuration naming the store (`data_dir` or `store`).
        #[arg(long, value_name = "FILE")]
        config: std::path::PathBuf,
    },
    /// Print a zone in the store as a master file (SOA first, canonical order).
    Export {
        /// The zone's origin.
        name: String,
        /// The configuration naming the store.
        #[arg(long, value_name = "FILE")]
        config: std::path::PathBuf,
    },
    /// List the zones in the store: kind, serial, last change, last refresh.
    List {
        /// The configuration naming the store.
        #[arg(long, value_name = "FILE")]
        config: std::path::PathBuf,
    },
    /// Propagation: the zone's serial in the store and on each of its name servers (and
    /// NOTIFY targets), asked over DNS, with how far each is behind. Exit 0 when all are
    /// current, 1 when one is behind or silent, 2 on bad input.
    Status {
        /// The zone's origin.
        name: String,
        /// The configuration naming the store.
        #[arg(long, value_name = "FILE")]
        config: std::path::PathBuf,
        /// The port the name servers are asked on (labs only; default 53).
        #[arg(long, default_value_t = 53)]
        port: u16,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Generate a key pair as dnssec-keygen does: writes K<zone>+<alg>+<tag>.key and .private
    /// into --out DIR and prints K<zone>+<alg>+<tag>. Exit 2 on bad options or an algorithm
    /// that cannot be generated here (RSA: use dnssec-keygen; Banyan signs with its keys).
    Generate(key_cmd::GenerateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Query { args } => match query::run(&args) {
            Ok(query::Outcome::Answered) => ExitCode::SUCCESS,
            Ok(query::Outcome::NoAnswer) => ExitCode::from(EXIT_DNS_FAILURE),
            Err(e) if e.is::<query::Usage>() => {
                eprintln!("banyan query: {e}");
                ExitCode::from(EXIT_USAGE)
            }
            Err(e) => {
                eprintln!("banyan query: {e:#}");
                ExitCode::from(EXIT_DNS_FAILURE)
            }
        },
        Command::Up(args) => exit_usage_on_error("up", up::run(&args)),
        Command::Auth(args) => exit_usage_on_error("auth", auth_cmd::run(&args)),
        Command::Resolver(args) => exit_usage_on_error("resolver", resolver_cmd::run(&args)),
        Command::Serve { config } => exit_usage_on_error("serve", serve_cmd::run(&config)),
        Command::Zone { command } => {
            let (result, verb) = match &command {
                ZoneCommand::Check { file, origin } => (zone_cmd::check(file, origin.as_deref()), "check"),
                ZoneCommand::Print { file, origin } => (zone_cmd::print(file, origin.as_deref()), "print"),
                ZoneCommand::Sign(args) => (sign_cmd::sign(args), "sign"),
                ZoneCommand::Import { file, origin, config } => (store_cmd::import(file, origin, config), "import"),
                ZoneCommand::Export { name, config } => {
                    return exit_usage_on_error("zone export", store_cmd::export(name, config));
                }
                ZoneCommand::List { config } => return exit_usage_on_error("zone list", store_cmd::list(config)),
                ZoneCommand::Status { name, config, port } => {
                    return match store_cmd::status(name, config, *port) {
                        Ok(true) => ExitCode::SUCCESS,
                        Ok(false) => ExitCode::from(EXIT_DNS_FAILURE),
                        Err(e) => {
                            eprintln!("banyan zone status: {e:#}");
                            ExitCode::from(EXIT_USAGE)
                        }
                    };
                }
            };
            match result {
                Ok(zone_cmd::Outcome::Good) => ExitCode::SUCCESS,
                Ok(zone_cmd::Outcome::Bad) => ExitCode::from(EXIT_USAGE),
                Err(e) => {
                    eprintln!("banyan zone {verb}: {e:#}");
                    ExitCode::from(EXIT_USAGE)
                }
            }
        }
        Command::Registry(args) => match registry_cmd::run(&args) {
            Ok(registry_cmd::Outcome::Success) => ExitCode::SUCCESS,
            Ok(registry_cmd::Outcome::Refused) => ExitCode::from(EXIT_DNS_FAILURE),
            Err(e) => {
                eprintln!("banyan registry: {e:#}");
                ExitCode::from(EXIT_USAGE)
            }
        },
        Command::Key {
            command: KeyCommand::Generate(args),
        } => exit_usage_on_error("key generate", key_cmd::generate(&args)),
        Command::Normalize => {
            let mut input = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut input) {
                eprintln!("banyan normalize: reading stdin: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
            match normalize::normalize(&input) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("banyan normalize: {e}");
                    ExitCode::from(EXIT_USAGE)
                }
            }
        }
    }
}

/// Success, or the error on stderr and exit 2: the server commands fail only on bad input
/// (config, zones) or an address they cannot bind.
fn exit_usage_on_error(verb: &str, result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("banyan {verb}: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
