//! `banyan registry …`: a registrar's EPP client on the command line (RFC 5730-5734). Each
//! run connects over TLS, logs in, sends one command (two for `domain renew`, which first
//! reads the current expiry), prints the result and logs out.
//!
//! Exit codes: 0 when the command succeeded (a `1xxx` result), 1 when the registry refused
//! it (a `2xxx` result, login included), 2 on bad usage or when the server cannot be reached.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _};
use banyan_registry::epp::client::{ClientError, EppClient};
use banyan_registry::epp::{
    tls, Address, AuthInfo, Command, CommandExtensions, ContactCommand, ContactCreate, ContactResData, DomainAddRem,
    DomainChg, DomainCommand, DomainCreate, DomainInfo, DomainRenew, DomainResData, DomainTransfer, DomainUpdate,
    DsData, HostCommand, HostCreate, HostResData, HostsFilter, ObjectStatus, Period, Phone, PollOp, PostalInfo,
    PostalInfoType, ResData, Response, RestoreReport, RgpResponse, RgpUpdate, SecDnsData, SecDnsExtension, SecDnsRem,
    SecDnsUpdate, Status, TransferData, TransferOp,
};

/// The environment variable read for the password when `--password` is not given.
pub const PASSWORD_ENV: &str = "BANYAN_EPP_PASSWORD";

/// `banyan registry`: the connection options and the command.
#[derive(clap::Args, Debug)]
pub struct RegistryArgs {
    /// The EPP server (required).
    #[arg(long, value_name = "ADDR:PORT", global = true)]
    pub server: Option<SocketAddr>,
    /// The registrar's client identifier (required).
    #[arg(long = "client-id", value_name = "ID", global = true)]
    pub client_id: Option<String>,
    /// The registrar's password [default: the environment variable BANYAN_EPP_PASSWORD].
    #[arg(long, value_name = "PW", global = true)]
    pub password: Option<String>,
    /// PEM file of the certificates to trust: the registry's CA, or the server's
    /// self-signed certificate (`banyan serve` writes it to DATA_DIR/epp-cert.pem). Required:
    /// no system roots are used.
    #[arg(long, value_name = "FILE", global = true)]
    pub ca: Option<PathBuf>,
    /// The name the server's certificate must carry [default: the --server IP address].
    #[arg(long = "server-name", value_name = "NAME", global = true)]
    pub server_name: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: RegistryCommand,
}

/// The commands of `banyan registry`.
#[derive(clap::Subcommand, Debug)]
pub enum RegistryCommand {
    /// Domains (RFC 5731, DS data by RFC 5910, restore by RFC 3915).
    Domain {
        #[command(subcommand)]
        command: DomainCmd,
    },
    /// Hosts: name servers, with their glue addresses (RFC 5732).
    Host {
        #[command(subcommand)]
        command: HostCmd,
    },
    /// Contacts (RFC 5733).
    Contact {
        #[command(subcommand)]
        command: ContactCmd,
    },
    /// The registrar's message queue (RFC 5730 §2.9.2.3): the oldest message, or with --ack
    /// ID removes that one.
    Poll {
        /// The message to acknowledge (dequeue).
        #[arg(long, value_name = "ID")]
        ack: Option<String>,
    },
}

/// The operation of `domain transfer`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferOpArg {
    /// Ask for the domain (the gaining registrar; needs --auth-info).
    Request,
    /// Agree (the sponsor).
    Approve,
    /// Refuse (the sponsor).
    Reject,
    /// Withdraw the request (the gaining registrar).
    Cancel,
    /// The state of the last transfer.
    Query,
}

/// `banyan registry domain …`.
#[derive(clap::Subcommand, Debug)]
pub enum DomainCmd {
    /// Whether names can be registered.
    Check {
        /// The names.
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// What the registry shows of a domain (everything to its sponsor, or with --auth-info).
    Info {
        /// The name.
        name: String,
        /// The domain's authInfo (for a registrar that does not sponsor it).
        #[arg(long = "auth-info", value_name = "PW")]
        auth_info: Option<String>,
    },
    /// Register a name. Name servers must exist as hosts (`host create`).
    Create {
        /// The name.
        name: String,
        /// Name servers (repeatable, or several after one --ns).
        #[arg(long, value_name = "HOST", num_args = 1..)]
        ns: Vec<String>,
        /// Years.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=99))]
        years: u8,
        /// The registrant's contact ID.
        #[arg(long, value_name = "ID")]
        registrant: Option<String>,
        /// The domain's authInfo, 6-64 characters [default: random, printed].
        #[arg(long = "auth-info", value_name = "PW")]
        auth_info: Option<String>,
        /// DS data as "TAG ALG DIGEST-TYPE HEX" (repeatable).
        #[arg(long, value_name = "DS")]
        ds: Vec<String>,
    },
    /// Change name servers, statuses, DS data or the authInfo.
    Update {
        /// The name.
        name: String,
        /// Name servers to add.
        #[arg(long = "add-ns", value_name = "HOST")]
        add_ns: Vec<String>,
        /// Name servers to remove.
        #[arg(long = "rem-ns", value_name = "HOST")]
        rem_ns: Vec<String>,
        /// Client statuses to add (e.g. clientHold, clientTransferProhibited).
        #[arg(long = "add-status", value_name = "STATUS")]
        add_status: Vec<String>,
        /// Client statuses to remove.
        #[arg(long = "rem-status", value_name = "STATUS")]
        rem_status: Vec<String>,
        /// DS data to add, "TAG ALG DIGEST-TYPE HEX".
        #[arg(long = "add-ds", value_name = "DS")]
        add_ds: Vec<String>,
        /// Remove every DS record first.
        #[arg(long = "rem-all-ds")]
        rem_all_ds: bool,
        /// A new authInfo.
        #[arg(long = "auth-info", value_name = "PW")]
        auth_info: Option<String>,
    },
    /// Renew for --years more (the current expiry is read first).
    Renew {
        /// The name.
        name: String,
        /// Years.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=99))]
        years: u8,
    },
    /// Transfer between registrars.
    Transfer {
        /// The name.
        name: String,
        /// The operation.
        #[arg(long, value_enum)]
        op: TransferOpArg,
        /// The domain's authInfo (needed by request).
        #[arg(long = "auth-info", value_name = "PW")]
        auth_info: Option<String>,
    },
    /// Delete: at once within the add grace period (refunded), else into redemption.
    Delete {
        /// The name.
        name: String,
    },
    /// Restore a domain out of redemption (RFC 3915): a request first (the domain then awaits
    /// its report in pendingRestore), then `--report` with the report's fields (RFC 3915
    /// §4.2.5) to complete it.
    Restore {
        /// The name.
        name: String,
        /// Send the restore report instead of the request.
        #[arg(long)]
        report: bool,
        /// The registration data before the delete (`rgp:preData`).
        #[arg(long = "pre-data", value_name = "TEXT", requires = "report", default_value = "")]
        pre_data: String,
        /// The registration data now (`rgp:postData`).
        #[arg(long = "post-data", value_name = "TEXT", requires = "report", default_value = "")]
        post_data: String,
        /// When the delete was requested (`rgp:delTime`, e.g. 2024-01-10T22:00:00Z).
        #[arg(long = "del-time", value_name = "DATETIME", requires = "report")]
        del_time: Option<String>,
        /// When the restore was requested (`rgp:resTime`).
        #[arg(long = "res-time", value_name = "DATETIME", requires = "report")]
        res_time: Option<String>,
        /// Why the domain is restored (`rgp:resReason`).
        #[arg(long, value_name = "TEXT", requires = "report")]
        reason: Option<String>,
        /// A statement (`rgp:statement`): once or twice.
        #[arg(long, value_name = "TEXT", requires = "report")]
        statement: Vec<String>,
        /// Anything else (`rgp:other`).
        #[arg(long, value_name = "TEXT", requires = "report")]
        other: Option<String>,
    },
}

/// `banyan registry host …`.
#[derive(clap::Subcommand, Debug)]
pub enum HostCmd {
    /// Create a host; addresses only for a host under one of the registry's domains (glue).
    Create {
        /// The host name.
        name: String,
        /// Addresses (repeatable, or several after one --addr).
        #[arg(long, value_name = "IP", num_args = 1..)]
        addr: Vec<IpAddr>,
    },
    /// What the registry keeps about a host.
    Info {
        /// The host name.
        name: String,
    },
    /// Delete a host no domain uses.
    Delete {
        /// The host name.
        name: String,
    },
}

/// `banyan registry contact …`.
#[derive(clap::Subcommand, Debug)]
pub enum ContactCmd {
    /// Create a contact.
    Create {
        /// The contact ID (3-16 characters).
        id: String,
        /// The person's or role's name.
        #[arg(long)]
        name: String,
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// Organisation.
        #[arg(long)]
        org: Option<String>,
        /// Street lines (up to three).
        #[arg(long)]
        street: Vec<String>,
        /// City.
        #[arg(long, default_value = "Unknown")]
        city: String,
        /// Two-letter country code.
        #[arg(long, default_value = "ZZ")]
        cc: String,
        /// Telephone, +CC.NUMBER.
        #[arg(long)]
        voice: Option<String>,
        /// The contact's authInfo [default: random, printed].
        #[arg(long = "auth-info", value_name = "PW")]
        auth_info: Option<String>,
    },
    /// What the registry shows of a contact.
    Info {
        /// The contact ID.
        id: String,
        /// The contact's authInfo (for a registrar that does not sponsor it).
        #[arg(long = "auth-info", value_name = "PW")]
        auth_info: Option<String>,
    },
    /// Delete a contact no domain refers to.
    Delete {
        /// The contact ID.
        id: String,
    },
}

/// How a run ended, when the server answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A `1xxx` result.
    Success,
    /// A `2xxx` result (the command or the login refused).
    Refused,
}

/// Runs `banyan registry …`; `Err` is bad usage or a connection failure (exit 2).
pub fn run(args: &RegistryArgs) -> anyhow::Result<Outcome> {
    let server = args.server.ok_or_else(|| anyhow!("--server ADDR:PORT is required"))?;
    let client_id = args
        .client_id
        .clone()
        .ok_or_else(|| anyhow!("--client-id ID is required"))?;
    let password = match &args.password {
        Some(p) => p.clone(),
        None => std::env::var(PASSWORD_ENV).map_err(|_| anyhow!("--password PW (or {PASSWORD_ENV}) is required"))?,
    };
    let ca = args.ca.as_ref().ok_or_else(|| {
        anyhow!("--ca FILE is required: the PEM certificate to trust (for `banyan serve`, DATA_DIR/epp-cert.pem)")
    })?;
    let pem = std::fs::read_to_string(ca).with_context(|| format!("--ca {}", ca.display()))?;
    let trusted = tls::certificates_from_pem(&pem).map_err(|e| anyhow!("--ca {}: {e}", ca.display()))?;
    let tls = tls::client_config(&trusted).map_err(|e| anyhow!("--ca {}: {e}", ca.display()))?;
    let server_name = args.server_name.clone().unwrap_or_else(|| server.ip().to_string());
    let plan = plan(&args.command)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        let mut client = EppClient::connect(server, &server_name, tls)
            .await
            .map_err(|e| anyhow!("{server}: {e}"))?;
        match client.login(&client_id, &password).await {
            Ok(_) => {}
            Err(ClientError::Refused { code, message }) => {
                println!("{code} {message}");
                return Ok(Outcome::Refused);
            }
            Err(e) => bail!("{server}: login: {e}"),
        }
        let outcome = execute(&mut client, plan).await;
        let _ = client.logout().await;
        outcome
    })
}

/// What to send.
// One value per run: boxing the command would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Plan {
    /// One command.
    One(Command, CommandExtensions, Option<String>),
    /// `domain renew`: info first for the current expiry, then the renew.
    Renew { name: String, years: u8 },
}

async fn execute(client: &mut EppClient, plan: Plan) -> anyhow::Result<Outcome> {
    let (command, ext, note) = match plan {
        Plan::One(c, e, note) => (c, e, note),
        Plan::Renew { name, years } => {
            let info = send(client, info_command(&name, None), CommandExtensions::default()).await?;
            let ex_date = match &info.res_data {
                Some(ResData::Domain(DomainResData::Info(d))) if info.is_success() => d.ex_date.clone(),
                _ => None,
            };
            let Some(ex_date) = ex_date else {
                print_response(&info);
                return Ok(outcome(&info));
            };
            let cur: String = ex_date.chars().take(10).collect();
            let renew = Command::Domain(DomainCommand::Renew(DomainRenew {
                name,
                cur_exp_date: cur,
                period: Some(Period::years(years)),
            }));
            (renew, CommandExtensions::default(), None)
        }
    };
    let response = send(client, command, ext).await?;
    print_response(&response);
    if let (Some(note), true) = (note, response.is_success()) {
        println!("{note}");
    }
    Ok(outcome(&response))
}

async fn send(client: &mut EppClient, command: Command, ext: CommandExtensions) -> anyhow::Result<Response> {
    client.command_with(command, ext).await.map_err(|e| anyhow!("{e}"))
}

fn outcome(r: &Response) -> Outcome {
    if r.is_success() {
        Outcome::Success
    } else {
        Outcome::Refused
    }
}

fn info_command(name: &str, auth_info: Option<&str>) -> Command {
    Command::Domain(DomainCommand::Info(DomainInfo {
        name: name.to_owned(),
        hosts: HostsFilter::All,
        auth_info: auth_info.map(AuthInfo::password),
    }))
}

/// A random authInfo: 16 letters and digits.
pub(crate) fn random_auth_info() -> String {
    use rand::Rng as _;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// `"TAG ALG DIGEST-TYPE HEX"` (the DS record's presentation form, RFC 4034 §5.3; spaces in
/// the digest allowed).
fn parse_ds(text: &str) -> anyhow::Result<DsData> {
    let mut parts = text.split_whitespace();
    let bad = || anyhow!("--ds {text:?}: expected \"KEY-TAG ALGORITHM DIGEST-TYPE HEX\"");
    let key_tag = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let alg = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let digest_type = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let digest: String = parts.collect();
    if digest.is_empty() || digest.len() % 2 != 0 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok(DsData {
        key_tag,
        alg,
        digest_type,
        digest,
        key_data: None,
    })
}

fn parse_statuses(list: &[String]) -> anyhow::Result<Vec<ObjectStatus>> {
    list.iter()
        .map(|s| {
            Status::from_name(s)
                .map(ObjectStatus::new)
                .ok_or_else(|| anyhow!("{s:?} is not an EPP status (e.g. clientHold)"))
        })
        .collect()
}

/// Turns the command line into what to send; usage errors here exit 2 before connecting.
fn plan(command: &RegistryCommand) -> anyhow::Result<Plan> {
    let none = CommandExtensions::default;
    Ok(match command {
        RegistryCommand::Poll { ack } => {
            let op = match ack {
                Some(id) => PollOp::Ack(id.clone()),
                None => PollOp::Req,
            };
            Plan::One(Command::Poll(op), none(), None)
        }
        RegistryCommand::Domain { command } => match command {
            DomainCmd::Check { names } => Plan::One(
                Command::Domain(DomainCommand::Check { names: names.clone() }),
                none(),
                None,
            ),
            DomainCmd::Info { name, auth_info } => Plan::One(info_command(name, auth_info.as_deref()), none(), None),
            DomainCmd::Create {
                name,
                ns,
                years,
                registrant,
                auth_info,
                ds,
            } => {
                let (auth, note) = match auth_info {
                    Some(a) => (a.clone(), None),
                    None => {
                        let a = random_auth_info();
                        let note = format!("authInfo: {a}");
                        (a, Some(note))
                    }
                };
                let ds = ds.iter().map(|d| parse_ds(d)).collect::<anyhow::Result<Vec<_>>>()?;
                let ext = CommandExtensions {
                    sec_dns: (!ds.is_empty()).then(|| {
                        SecDnsExtension::Create(SecDnsData {
                            max_sig_life: None,
                            ds_data: ds,
                            key_data: Vec::new(),
                        })
                    }),
                    rgp: None,
                };
                let create = DomainCreate {
                    name: name.clone(),
                    period: Some(Period::years(*years)),
                    ns: ns.clone(),
                    registrant: registrant.clone(),
                    contacts: Vec::new(),
                    auth_info: AuthInfo::password(auth),
                };
                Plan::One(Command::Domain(DomainCommand::Create(create)), ext, note)
            }
            DomainCmd::Update {
                name,
                add_ns,
                rem_ns,
                add_status,
                rem_status,
                add_ds,
                rem_all_ds,
                auth_info,
            } => {
                let add_ds = add_ds.iter().map(|d| parse_ds(d)).collect::<anyhow::Result<Vec<_>>>()?;
                let sec_dns = (*rem_all_ds || !add_ds.is_empty()).then(|| {
                    SecDnsExtension::Update(SecDnsUpdate {
                        urgent: false,
                        rem: rem_all_ds.then_some(SecDnsRem::All),
                        add: (!add_ds.is_empty()).then(|| SecDnsData {
                            max_sig_life: None,
                            ds_data: add_ds,
                            key_data: Vec::new(),
                        }),
                        chg_max_sig_life: None,
                    })
                });
                let update = DomainUpdate {
                    name: name.clone(),
                    add: DomainAddRem {
                        ns: add_ns.clone(),
                        contacts: Vec::new(),
                        statuses: parse_statuses(add_status)?,
                    },
                    rem: DomainAddRem {
                        ns: rem_ns.clone(),
                        contacts: Vec::new(),
                        statuses: parse_statuses(rem_status)?,
                    },
                    chg: auth_info.as_ref().map(|a| DomainChg {
                        registrant: None,
                        auth_info: Some(Some(AuthInfo::password(a.clone()))),
                    }),
                };
                if update.add.is_empty() && update.rem.is_empty() && update.chg.is_none() && sec_dns.is_none() {
                    bail!("domain update: nothing to change (give --add-ns, --rem-status, --add-ds, …)");
                }
                let ext = CommandExtensions { sec_dns, rgp: None };
                Plan::One(Command::Domain(DomainCommand::Update(update)), ext, None)
            }
            DomainCmd::Renew { name, years } => Plan::Renew {
                name: name.clone(),
                years: *years,
            },
            DomainCmd::Transfer { name, op, auth_info } => {
                let op = match op {
                    TransferOpArg::Request => TransferOp::Request,
                    TransferOpArg::Approve => TransferOp::Approve,
                    TransferOpArg::Reject => TransferOp::Reject,
                    TransferOpArg::Cancel => TransferOp::Cancel,
                    TransferOpArg::Query => TransferOp::Query,
                };
                if op == TransferOp::Request && auth_info.is_none() {
                    bail!("domain transfer --op request needs --auth-info");
                }
                let t = DomainTransfer {
                    op,
                    name: name.clone(),
                    period: None,
                    auth_info: auth_info.as_ref().map(|a| AuthInfo::password(a.clone())),
                };
                Plan::One(Command::Domain(DomainCommand::Transfer(t)), none(), None)
            }
            DomainCmd::Delete { name } => Plan::One(
                Command::Domain(DomainCommand::Delete { name: name.clone() }),
                none(),
                None,
            ),
            DomainCmd::Restore {
                name,
                report,
                pre_data,
                post_data,
                del_time,
                res_time,
                reason,
                statement,
                other,
            } => {
                let update = DomainUpdate {
                    name: name.clone(),
                    add: DomainAddRem::default(),
                    rem: DomainAddRem::default(),
                    chg: Some(DomainChg::default()),
                };
                let rgp = if *report {
                    let need = |v: &Option<String>, flag: &str| {
                        v.clone().ok_or_else(|| anyhow!("domain restore --report needs {flag}"))
                    };
                    if statement.is_empty() || statement.len() > 2 {
                        bail!("domain restore --report takes --statement once or twice");
                    }
                    RgpUpdate::RestoreReport(Box::new(RestoreReport {
                        pre_data: pre_data.clone(),
                        post_data: post_data.clone(),
                        del_time: need(del_time, "--del-time")?,
                        res_time: need(res_time, "--res-time")?,
                        res_reason: need(reason, "--reason")?,
                        statements: statement.clone(),
                        other: other.clone(),
                    }))
                } else {
                    RgpUpdate::RestoreRequest
                };
                let ext = CommandExtensions {
                    sec_dns: None,
                    rgp: Some(rgp),
                };
                Plan::One(Command::Domain(DomainCommand::Update(update)), ext, None)
            }
        },
        RegistryCommand::Host { command } => match command {
            HostCmd::Create { name, addr } => Plan::One(
                Command::Host(HostCommand::Create(HostCreate {
                    name: name.clone(),
                    addrs: addr.clone(),
                })),
                none(),
                None,
            ),
            HostCmd::Info { name } => Plan::One(Command::Host(HostCommand::Info { name: name.clone() }), none(), None),
            HostCmd::Delete { name } => {
                Plan::One(Command::Host(HostCommand::Delete { name: name.clone() }), none(), None)
            }
        },
        RegistryCommand::Contact { command } => match command {
            ContactCmd::Create {
                id,
                name,
                email,
                org,
                street,
                city,
                cc,
                voice,
                auth_info,
            } => {
                let (auth, note) = match auth_info {
                    Some(a) => (a.clone(), None),
                    None => {
                        let a = random_auth_info();
                        let note = format!("authInfo: {a}");
                        (a, Some(note))
                    }
                };
                let create = ContactCreate {
                    id: id.clone(),
                    postal_info: vec![PostalInfo {
                        kind: PostalInfoType::Int,
                        name: name.clone(),
                        org: org.clone(),
                        addr: Address {
                            street: street.clone(),
                            city: city.clone(),
                            sp: None,
                            pc: None,
                            cc: cc.clone(),
                        },
                    }],
                    voice: voice.as_ref().map(|v| Phone {
                        number: v.clone(),
                        ext: None,
                    }),
                    fax: None,
                    email: email.clone(),
                    auth_info: AuthInfo::password(auth),
                    disclose: None,
                };
                Plan::One(Command::Contact(ContactCommand::Create(Box::new(create))), none(), note)
            }
            ContactCmd::Info { id, auth_info } => Plan::One(
                Command::Contact(ContactCommand::Info {
                    id: id.clone(),
                    auth_info: auth_info.as_ref().map(|a| AuthInfo::password(a.clone())),
                }),
                none(),
                None,
            ),
            ContactCmd::Delete { id } => Plan::One(
                Command::Contact(ContactCommand::Delete { id: id.clone() }),
                none(),
                None,
            ),
        },
    })
}

// ---- printing ----

fn field(label: &str, value: impl std::fmt::Display) {
    println!("{label:<12} {value}");
}

fn opt_field(label: &str, value: Option<&str>) {
    if let Some(v) = value {
        field(label, v);
    }
}

fn who_when(label: &str, id: Option<&str>, date: Option<&str>) {
    match (id, date) {
        (Some(i), Some(d)) => field(label, format!("{d} by {i}")),
        (None, Some(d)) => field(label, d),
        (Some(i), None) => field(label, format!("by {i}")),
        (None, None) => {}
    }
}

fn statuses(list: &[ObjectStatus]) -> String {
    list.iter().map(|s| s.status.as_str()).collect::<Vec<_>>().join(" ")
}

fn print_transfer(t: &TransferData) {
    field("name:", &t.name);
    field("transfer:", t.tr_status.as_str());
    field("requested:", format!("{} by {}", t.re_date, t.re_id));
    field("action:", format!("{} by {}", t.ac_date, t.ac_id));
    opt_field("expires:", t.ex_date.as_deref());
}

fn print_checks(list: &[banyan_registry::epp::CheckResult]) {
    for c in list {
        match (&c.available, &c.reason) {
            (true, _) => println!("{} available", c.name),
            (false, Some(r)) => println!("{} unavailable ({r})", c.name),
            (false, None) => println!("{} unavailable", c.name),
        }
    }
}

/// Prints the result (code and message, quoted values), the message queue, the response
/// data and the extensions, one `label: value` per line.
pub fn print_response(r: &Response) {
    for result in &r.results {
        println!("{} {}", result.code, result.msg);
        for v in &result.values {
            println!("  value {}: {}", v.name, v.text);
        }
    }
    if let Some(q) = &r.msg_q {
        field("messages:", q.count);
        field("message id:", &q.id);
        opt_field("queued:", q.q_date.as_deref());
        opt_field("message:", q.msg.as_deref());
    }
    match &r.res_data {
        None => {}
        Some(ResData::Domain(d)) => match d {
            DomainResData::Check(list) => print_checks(list),
            DomainResData::Info(i) => {
                field("name:", &i.name);
                field("roid:", &i.roid);
                field("status:", statuses(&i.statuses));
                opt_field("registrant:", i.registrant.as_deref());
                for c in &i.contacts {
                    field("contact:", format!("{} {}", c.kind.as_str(), c.id));
                }
                for ns in &i.ns {
                    field("ns:", ns);
                }
                for h in &i.hosts {
                    field("host:", h);
                }
                field("sponsor:", &i.cl_id);
                who_when("created:", i.cr_id.as_deref(), i.cr_date.as_deref());
                who_when("updated:", i.up_id.as_deref(), i.up_date.as_deref());
                opt_field("expires:", i.ex_date.as_deref());
                opt_field("transferred:", i.tr_date.as_deref());
                opt_field("authInfo:", i.auth_info.as_ref().map(|a| a.password.as_str()));
            }
            DomainResData::Create { name, cr_date, ex_date } => {
                field("name:", name);
                field("created:", cr_date);
                opt_field("expires:", ex_date.as_deref());
            }
            DomainResData::Renew { name, ex_date } => {
                field("name:", name);
                opt_field("expires:", ex_date.as_deref());
            }
            DomainResData::Transfer(t) => print_transfer(t),
            DomainResData::PendingAction(p) => {
                field("name:", &p.name);
                field("done:", if p.pa_result { "yes" } else { "no" });
                field("date:", &p.pa_date);
            }
        },
        Some(ResData::Host(h)) => match h {
            HostResData::Check(list) => print_checks(list),
            HostResData::Info(i) => {
                field("name:", &i.name);
                field("roid:", &i.roid);
                field("status:", statuses(&i.statuses));
                for a in &i.addrs {
                    field("addr:", a);
                }
                field("sponsor:", &i.cl_id);
                who_when("created:", i.cr_id.as_deref(), i.cr_date.as_deref());
                who_when("updated:", i.up_id.as_deref(), i.up_date.as_deref());
                opt_field("transferred:", i.tr_date.as_deref());
            }
            HostResData::Create { name, cr_date } => {
                field("name:", name);
                field("created:", cr_date);
            }
            HostResData::PendingAction(p) => {
                field("name:", &p.name);
                field("done:", if p.pa_result { "yes" } else { "no" });
            }
        },
        Some(ResData::Contact(c)) => match c {
            ContactResData::Check(list) => print_checks(list),
            ContactResData::Info(i) => {
                field("id:", &i.id);
                field("roid:", &i.roid);
                field("status:", statuses(&i.statuses));
                for p in &i.postal_info {
                    field(&format!("name ({}):", p.kind.as_str()), &p.name);
                    opt_field("org:", p.org.as_deref());
                    for s in &p.addr.street {
                        field("street:", s);
                    }
                    field("city:", &p.addr.city);
                    opt_field("sp:", p.addr.sp.as_deref());
                    opt_field("pc:", p.addr.pc.as_deref());
                    field("cc:", &p.addr.cc);
                }
                opt_field("voice:", i.voice.as_ref().map(|v| v.number.as_str()));
                opt_field("fax:", i.fax.as_ref().map(|v| v.number.as_str()));
                if !i.email.is_empty() {
                    field("email:", &i.email);
                }
                field("sponsor:", &i.cl_id);
                who_when("created:", i.cr_id.as_deref(), i.cr_date.as_deref());
                who_when("updated:", i.up_id.as_deref(), i.up_date.as_deref());
                opt_field("authInfo:", i.auth_info.as_ref().map(|a| a.password.as_str()));
            }
            ContactResData::Create { id, cr_date } => {
                field("id:", id);
                field("created:", cr_date);
            }
            ContactResData::Transfer(t) => print_transfer(t),
            ContactResData::PendingAction(p) => {
                field("id:", &p.name);
                field("done:", if p.pa_result { "yes" } else { "no" });
            }
        },
    }
    if let Some(s) = &r.extension.sec_dns {
        if let Some(m) = s.max_sig_life {
            field("maxSigLife:", m);
        }
        for d in &s.ds_data {
            field("ds:", format!("{} {} {} {}", d.key_tag, d.alg, d.digest_type, d.digest));
        }
    }
    if let Some(RgpResponse::Info(list) | RgpResponse::Update(list)) = &r.extension.rgp {
        let names: Vec<&str> = list.iter().map(|s| s.as_str()).collect();
        field("rgp:", names.join(" "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ds_presentation_form() -> anyhow::Result<()> {
        let d = parse_ds("12345 13 2 49FD46E6 C4B45C55")?;
        assert_eq!((d.key_tag, d.alg, d.digest_type), (12345, 13, 2));
        assert_eq!(d.digest, "49FD46E6C4B45C55");
        for bad in ["", "1 2 3", "1 2 3 XYZ", "70000 1 2 AB", "1 2 3 ABC"] {
            assert!(parse_ds(bad).is_err(), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn rfc3915_section_4_2_5_restore_report_from_flags() -> anyhow::Result<()> {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(subcommand)]
            command: RegistryCommand,
        }
        let parse = |args: &[&str]| Cli::try_parse_from(std::iter::once("registry").chain(args.iter().copied()));
        let extension = |args: &[&str]| -> anyhow::Result<Option<RgpUpdate>> {
            match plan(&parse(args)?.command)? {
                Plan::One(_, ext, _) => Ok(ext.rgp),
                _ => bail!("not one command"),
            }
        };
        assert_eq!(
            extension(&["domain", "restore", "a.test"])?,
            Some(RgpUpdate::RestoreRequest)
        );
        let report = extension(&[
            "domain",
            "restore",
            "a.test",
            "--report",
            "--del-time",
            "2024-01-10T22:00:00Z",
            "--res-time",
            "2024-01-20T22:00:00Z",
            "--reason",
            "Registrant error.",
            "--statement",
            "one",
            "--statement",
            "two",
        ])?;
        let Some(RgpUpdate::RestoreReport(r)) = report else {
            bail!("{report:?}")
        };
        assert_eq!(r.res_reason, "Registrant error.");
        assert_eq!(r.statements, ["one", "two"]);
        assert_eq!((r.pre_data.as_str(), r.other.as_deref()), ("", None));
        // Report fields without --report, and a report without its statements, are refused.
        assert!(parse(&["domain", "restore", "a.test", "--reason", "x"]).is_err());
        assert!(extension(&[
            "domain",
            "restore",
            "a.test",
            "--report",
            "--del-time",
            "d",
            "--res-time",
            "r",
            "--reason",
            "x"
        ])
        .is_err());
        Ok(())
    }

    #[test]
    fn random_auth_info_is_usable() {
        let a = random_auth_info();
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, random_auth_info());
    }
}
