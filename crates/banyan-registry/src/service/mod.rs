//! The registry behind the EPP server: [`RegistryHandler`] carries each EPP command of a
//! logged-in session (RFC 5730 §2.9) to the [`Registry`] method of the same name and turns
//! the outcome back into a response; [`run_epp`] and [`run_ticks`] are what a server runs.
//!
//! | outcome | result (RFC 5730 §3) |
//! |---|---|
//! | done | 1000, with the object's response data where RFC 5731-5733 define some |
//! | transfer requested, domain deleted into redemption (RFC 3915 §3.1) | 1001 "action pending" |
//! | poll: no message / a message | 1300 / 1301 with `<msgQ>` |
//! | a [`RegistryError`] | [`RegistryError::epp_code`], its text, and the object's identifying element as `<value>` |
//! | delegation check found problems, TLD policy `reject` | 2306, one `<extValue>` per finding (the name server, `<secDNS:keyTag>` or domain, and why); nothing written |
//! | delegation check found problems, TLD policy `warn` | 1000, the findings appended to `<msg>` (RFC 5730 §2.6 keeps `<extValue>` for errors) and kept for RDAP |
//!
//! Delegation checks ([`crate::delegation`]) run before a domain create with name servers,
//! and before an update that changes name servers or DS data, when the TLD's
//! [`DelegationPolicy`] is not `Off`: each name server is asked over DNS, with the options
//! of [`RegistryHandler::with_delegation_options`]. [`run_rechecks`] checks delegations
//! again as they age ([`crate::TldPolicy::recheck_interval`]).
//!
//! The RGP restore (RFC 3915 §4.2.5) takes two commands: a restore request puts the domain
//! in `pendingRestore` (1000, `<rgp:upData>` saying so), and the restore report completes it
//! ([`Registry::restore_domain`], [`Registry::restore_report`]).
//!
//! Conversions between the wire types of [`crate::epp`] and the registry's [`crate::model`]
//! are in [`convert`], and nowhere else.

pub mod convert;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use banyan_wire::Name;
use rustls::ServerConfig;
use tokio::net::TcpListener;

use crate::delegation::{check_delegation, CheckOptions, DelegationReport};
use crate::epp::server::{serve, BoxFuture, Handler, Limits, Request, Session};
use crate::epp::{
    Command, CommandExtensions, ContactCommand, ContactResData, DomainCommand, DomainResData, EppError, Greeting,
    HostCommand, HostResData, Login, MsgQ, PollOp, ResData, Response, ResponseExtensions, ResultCode, RgpResponse,
    RgpUpdate, SecDnsExtension, TransferOp,
};
use crate::model::{DomainDeleted, DomainUpdate, DsData, ObjectKind, RegistrarId, TickReport};
use crate::policy::DelegationPolicy;
use crate::time::{datetime, Date};
use crate::{Registry, RegistryError};
use convert::{contact_value, domain_value, host_value};

pub use crate::clock::{Clock, ManualClock};

/// The EPP face of a [`Registry`]: an [`epp::server::Handler`](Handler) that greets with
/// the domain, host and contact mappings (RFC 5731-5733) and the secDNS-1.1 (RFC 5910) and
/// RGP (RFC 3915) extensions, logs registrars in with [`Registry::login`], and carries out
/// every command. Cheap to clone.
#[derive(Clone)]
pub struct RegistryHandler {
    registry: Registry,
    clock: Clock,
    sv_id: String,
    changed: Option<Arc<tokio::sync::Notify>>,
    delegation: CheckOptions,
}

impl std::fmt::Debug for RegistryHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryHandler")
            .field("sv_id", &self.sv_id)
            .field("now", &self.clock.now())
            .finish_non_exhaustive()
    }
}

/// A command that failed: an EPP error from reading it, or the registry's with the element
/// to quote.
enum Failure {
    Epp(EppError),
    Registry(RegistryError, Option<crate::epp::ResultValue>),
    /// Refused by the registry's policy before anything was done, with the response to send
    /// (a delegation check under [`DelegationPolicy::Reject`]).
    Refused(Box<Response>),
}

impl From<EppError> for Failure {
    fn from(e: EppError) -> Failure {
        Failure::Epp(e)
    }
}

type Outcome = Result<Response, Failure>;

/// Maps a registry error to a [`Failure`] quoting `value`.
fn quoting(value: crate::epp::ResultValue) -> impl FnOnce(RegistryError) -> Failure {
    move |e| Failure::Registry(e, Some(value))
}

impl RegistryHandler {
    /// The handler for `registry`, taking "now" from `clock`, greeting as "Banyan registry".
    pub fn new(registry: Registry, clock: Clock) -> RegistryHandler {
        RegistryHandler {
            registry,
            clock,
            sv_id: "Banyan registry".to_owned(),
            changed: None,
            delegation: CheckOptions::default(),
        }
    }

    /// The same handler asking name servers as `options` says when a TLD's policy checks
    /// delegations ([`crate::policy::DelegationPolicy`]; default [`CheckOptions::default`]:
    /// port 53, no resolver).
    pub fn with_delegation_options(mut self, options: CheckOptions) -> RegistryHandler {
        self.delegation = options;
        self
    }

    /// The same handler, signalling `changed` after every domain or host command that
    /// succeeded and may have changed what a TLD zone holds (create, update, delete, renew,
    /// transfer, restore): the publisher of the TLD zones waits on it.
    pub fn with_change_signal(mut self, changed: Arc<tokio::sync::Notify>) -> RegistryHandler {
        self.changed = Some(changed);
        self
    }

    /// The same handler greeting with `sv_id` (RFC 5730 §2.4 `<svID>`).
    pub fn with_sv_id(mut self, sv_id: impl Into<String>) -> RegistryHandler {
        self.sv_id = sv_id.into();
        self
    }

    /// The registry behind the handler.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    async fn domain(&self, by: &RegistrarId, command: DomainCommand, ext: CommandExtensions, now: i64) -> Outcome {
        let reg = &self.registry;
        match command {
            DomainCommand::Check { names } => {
                let parsed = names
                    .iter()
                    .map(|n| convert::name("domain:name", n))
                    .collect::<Result<Vec<_>, _>>()?;
                let results = reg
                    .check_domains(&parsed)
                    .await
                    .map_err(|e| Failure::Registry(e, None))?;
                let data = DomainResData::Check(convert::check_results(&names, results));
                Ok(Response::success().with_res_data(ResData::Domain(data)))
            }
            DomainCommand::Info(i) => {
                let name = convert::name("domain:name", &i.name)?;
                let auth = convert::opt_password(i.auth_info.as_ref())?;
                let info = reg
                    .info_domain(by, &name, auth, now)
                    .await
                    .map_err(quoting(domain_value(&i.name)))?;
                let (data, extension) = convert::domain_info(&info, i.hosts);
                Ok(Response::success()
                    .with_res_data(ResData::Domain(DomainResData::Info(Box::new(data))))
                    .with_extension(extension))
            }
            DomainCommand::Create(c) => {
                let sec_dns = match &ext.sec_dns {
                    Some(SecDnsExtension::Create(d)) => Some(d),
                    _ => None,
                };
                let cmd = convert::domain_create(&c, sec_dns)?;
                let check = self.delegation_check(&cmd.name, &cmd.ns, &cmd.ds).await;
                if let Some(refused) = lame_refusal(check.as_ref(), &c.name) {
                    return Err(refused);
                }
                let created = reg
                    .create_domain(by, &cmd, now)
                    .await
                    .map_err(quoting(domain_value(&c.name)))?;
                let r = Response::success().with_res_data(ResData::Domain(DomainResData::Create {
                    name: convert::epp_name(&created.name),
                    cr_date: datetime(created.cr_date),
                    ex_date: Some(datetime(created.ex_date)),
                }));
                Ok(self.keep_check(&cmd.name, check, r, now).await)
            }
            DomainCommand::Delete { name: text } => {
                let name = convert::name("domain:name", &text)?;
                match reg.delete_domain(by, &name, now).await {
                    Ok(DomainDeleted::Purged) => Ok(Response::success()),
                    // RFC 3915 §3.1: outside add grace the domain enters redemption; the
                    // purge comes later, so the delete is pending.
                    Ok(DomainDeleted::Redemption) => Ok(Response::new(ResultCode::COMPLETED_ACTION_PENDING)),
                    Err(e) => Err(quoting(domain_value(&text))(e)),
                }
            }
            DomainCommand::Renew(r) => {
                let name = convert::name("domain:name", &r.name)?;
                let cur = Date::parse(&r.cur_exp_date)
                    .ok_or_else(|| EppError::bad_value("domain:curExpDate", &r.cur_exp_date))?;
                let years = convert::years(r.period)?.unwrap_or(1);
                let renewed = reg
                    .renew_domain(by, &name, cur, years, now)
                    .await
                    .map_err(quoting(domain_value(&r.name)))?;
                Ok(Response::success().with_res_data(ResData::Domain(DomainResData::Renew {
                    name: convert::epp_name(&renewed.name),
                    ex_date: Some(datetime(renewed.ex_date)),
                })))
            }
            DomainCommand::Transfer(t) => {
                let name = convert::name("domain:name", &t.name)?;
                let auth = convert::opt_password(t.auth_info.as_ref())?;
                let on_err = quoting(domain_value(&t.name));
                let (done, code) = match t.op {
                    TransferOp::Request => {
                        let auth = auth.ok_or_else(|| EppError::missing("domain:authInfo"))?;
                        let years = convert::years(t.period)?;
                        (
                            reg.transfer_domain_request(by, &name, auth, years, now).await,
                            ResultCode::COMPLETED_ACTION_PENDING,
                        )
                    }
                    TransferOp::Approve => (reg.transfer_domain_approve(by, &name, now).await, ResultCode::COMPLETED),
                    TransferOp::Reject => (reg.transfer_domain_reject(by, &name, now).await, ResultCode::COMPLETED),
                    TransferOp::Cancel => (reg.transfer_domain_cancel(by, &name, now).await, ResultCode::COMPLETED),
                    TransferOp::Query => (reg.transfer_domain_query(by, &name, auth).await, ResultCode::COMPLETED),
                };
                let info = done.map_err(on_err)?;
                let data = DomainResData::Transfer(convert::transfer_data(&info));
                Ok(Response::new(code).with_res_data(ResData::Domain(data)))
            }
            DomainCommand::Update(u) => {
                let name = convert::name("domain:name", &u.name)?;
                let on_err = || quoting(domain_value(&u.name));
                if let Some(rgp) = &ext.rgp {
                    // RFC 3915 §4.2.5: a restore request or report travels in an update that
                    // changes nothing else.
                    if !convert::domain_update_is_bare(&u) || ext.sec_dns.is_some() {
                        return Err(EppError::new(
                            ResultCode::PARAMETER_VALUE_POLICY_ERROR,
                            "Parameter value policy error: a restore request or report goes alone, without other changes",
                        )
                        .into());
                    }
                    match rgp {
                        RgpUpdate::RestoreRequest => {
                            reg.restore_domain(by, &name, now).await.map_err(on_err())?;
                        }
                        RgpUpdate::RestoreReport(report) => {
                            let report = convert::restore_report(report);
                            reg.restore_report(by, &name, &report, now).await.map_err(on_err())?;
                        }
                    }
                    // What upData shows (RFC 3915 §4.2.5): the grace-period states after the
                    // command — pendingRestore after a request, none after a report.
                    let info = reg.info_domain(by, &name, None, now).await.map_err(on_err())?;
                    let mut r = Response::success();
                    if !info.rgp_statuses.is_empty() {
                        r = r.with_extension(ResponseExtensions {
                            sec_dns: None,
                            rgp: Some(RgpResponse::Update(
                                info.rgp_statuses.iter().map(|s| convert::rgp_status_out(*s)).collect(),
                            )),
                        });
                    }
                    return Ok(r);
                }
                let sec_dns = match &ext.sec_dns {
                    Some(SecDnsExtension::Update(s)) => Some(s),
                    _ => None,
                };
                let upd = convert::domain_update(&u, sec_dns)?;
                let check = self.update_check(by, &name, &upd, now).await;
                if let Some(refused) = lame_refusal(check.as_ref(), &u.name) {
                    return Err(refused);
                }
                reg.update_domain(by, &name, &upd, now).await.map_err(on_err())?;
                Ok(self.keep_check(&name, check, Response::success(), now).await)
            }
        }
    }

    /// The delegation check a command setting the name servers `ns` and DS data `ds` of
    /// `name` needs under its TLD's policy ([`crate::delegation`]); `None` when the policy is
    /// [`DelegationPolicy::Off`], or when the command will fail anyway (a TLD not served here,
    /// a host that does not exist): the registry's own error is the answer then. With no name
    /// servers there is nothing to ask, and the report is empty (clearing earlier findings).
    async fn delegation_check(
        &self,
        name: &Name,
        ns: &[Name],
        ds: &[DsData],
    ) -> Option<(DelegationPolicy, DelegationReport)> {
        let policy = self.registry.domain_policy(name).ok()?.delegation_checks;
        if policy == DelegationPolicy::Off {
            return None;
        }
        let mut servers = Vec::with_capacity(ns.len());
        for n in ns {
            // Host objects under the registry's TLDs carry their addresses (glue); others
            // have none, and the checker asks its resolver.
            let host = self.registry.lookup_host(n).await.ok()??;
            servers.push((n.clone(), host.addrs));
        }
        let report = if servers.is_empty() {
            DelegationReport {
                domain: name.clone(),
                findings: Vec::new(),
            }
        } else {
            check_delegation(name, &servers, ds, &self.delegation).await
        };
        Some((policy, report))
    }

    /// The delegation check of a domain update that changes name servers or DS data: of the
    /// name servers and DS data the domain will have after it (RFC 5731 §3.2.5, RFC 5910
    /// §5.2.5: removals, then additions). `None` for other updates, and when the update will
    /// fail anyway (no such domain, another registrar's).
    async fn update_check(
        &self,
        by: &RegistrarId,
        name: &Name,
        upd: &DomainUpdate,
        now: i64,
    ) -> Option<(DelegationPolicy, DelegationReport)> {
        let touches = !upd.add_ns.is_empty()
            || !upd.rem_ns.is_empty()
            || !upd.ds_add.is_empty()
            || !upd.ds_rem.is_empty()
            || upd.ds_rem_all;
        if !touches {
            return None;
        }
        let info = self.registry.info_domain(by, name, None, now).await.ok()?;
        if info.cl_id != *by {
            return None;
        }
        let mut ns: Vec<Name> = info.ns.into_iter().filter(|n| !upd.rem_ns.contains(n)).collect();
        ns.extend(
            upd.add_ns
                .iter()
                .filter(|n| !ns.contains(n))
                .cloned()
                .collect::<Vec<_>>(),
        );
        let mut ds: Vec<DsData> = if upd.ds_rem_all {
            Vec::new()
        } else {
            info.ds.into_iter().filter(|d| !upd.ds_rem.contains(d)).collect()
        };
        ds.extend(
            upd.ds_add
                .iter()
                .filter(|d| !ds.contains(d))
                .cloned()
                .collect::<Vec<_>>(),
        );
        self.delegation_check(name, &ns, &ds).await
    }

    /// After a command that was checked succeeded: keeps the findings with the domain (for
    /// RDAP), replacing the last check's, and under [`DelegationPolicy::Warn`] adds them to
    /// the response. A failure to keep them does not undo the command: it is logged.
    async fn keep_check(
        &self,
        name: &Name,
        check: Option<(DelegationPolicy, DelegationReport)>,
        response: Response,
        now: i64,
    ) -> Response {
        let Some((_, report)) = check else {
            return response;
        };
        if let Err(e) = self.registry.record_delegation_check(name, now, &report.lines()).await {
            eprintln!("epp: keeping the delegation check of {name} failed: {e}");
        }
        convert::delegation_warned(response, &report)
    }

    async fn host(&self, by: &RegistrarId, command: HostCommand, now: i64) -> Outcome {
        let reg = &self.registry;
        match command {
            HostCommand::Check { names } => {
                let parsed = names
                    .iter()
                    .map(|n| convert::name("host:name", n))
                    .collect::<Result<Vec<_>, _>>()?;
                let results = reg.check_hosts(&parsed).await.map_err(|e| Failure::Registry(e, None))?;
                let data = HostResData::Check(convert::check_results(&names, results));
                Ok(Response::success().with_res_data(ResData::Host(data)))
            }
            HostCommand::Info { name: text } => {
                let name = convert::name("host:name", &text)?;
                let info = reg.info_host(&name).await.map_err(quoting(host_value(&text)))?;
                let data = HostResData::Info(Box::new(convert::host_info(&info)));
                Ok(Response::success().with_res_data(ResData::Host(data)))
            }
            HostCommand::Create(c) => {
                let cmd = convert::host_create(&c)?;
                reg.create_host(by, &cmd, now)
                    .await
                    .map_err(quoting(host_value(&c.name)))?;
                Ok(Response::success().with_res_data(ResData::Host(HostResData::Create {
                    name: convert::epp_name(&cmd.name),
                    cr_date: datetime(now),
                })))
            }
            HostCommand::Delete { name: text } => {
                let name = convert::name("host:name", &text)?;
                reg.delete_host(by, &name).await.map_err(quoting(host_value(&text)))?;
                Ok(Response::success())
            }
            HostCommand::Update(u) => {
                let name = convert::name("host:name", &u.name)?;
                let upd = convert::host_update(&u)?;
                reg.update_host(by, &name, &upd, now)
                    .await
                    .map_err(quoting(host_value(&u.name)))?;
                Ok(Response::success())
            }
        }
    }

    async fn contact(&self, by: &RegistrarId, command: ContactCommand, now: i64) -> Outcome {
        let reg = &self.registry;
        match command {
            ContactCommand::Check { ids } => {
                let results = reg.check_contacts(&ids).await.map_err(|e| Failure::Registry(e, None))?;
                let data = ContactResData::Check(convert::check_results(&ids, results));
                Ok(Response::success().with_res_data(ResData::Contact(data)))
            }
            ContactCommand::Info { id, auth_info } => {
                let auth = convert::opt_password(auth_info.as_ref())?;
                let info = reg
                    .info_contact(by, &id, auth)
                    .await
                    .map_err(quoting(contact_value(&id)))?;
                let data = ContactResData::Info(Box::new(convert::contact_info(&info)));
                Ok(Response::success().with_res_data(ResData::Contact(data)))
            }
            ContactCommand::Create(c) => {
                let cmd = convert::contact_create(&c)?;
                reg.create_contact(by, &cmd, now)
                    .await
                    .map_err(quoting(contact_value(&c.id)))?;
                Ok(
                    Response::success().with_res_data(ResData::Contact(ContactResData::Create {
                        id: c.id.clone(),
                        cr_date: datetime(now),
                    })),
                )
            }
            ContactCommand::Delete { id } => {
                reg.delete_contact(by, &id).await.map_err(quoting(contact_value(&id)))?;
                Ok(Response::success())
            }
            ContactCommand::Transfer { op, id, auth_info } => {
                let auth = convert::opt_password(auth_info.as_ref())?;
                let (done, code) = match op {
                    TransferOp::Request => {
                        let auth = auth.ok_or_else(|| EppError::missing("contact:authInfo"))?;
                        (
                            reg.transfer_contact_request(by, &id, auth, now).await,
                            ResultCode::COMPLETED_ACTION_PENDING,
                        )
                    }
                    TransferOp::Approve => (reg.transfer_contact_approve(by, &id, now).await, ResultCode::COMPLETED),
                    TransferOp::Reject => (reg.transfer_contact_reject(by, &id, now).await, ResultCode::COMPLETED),
                    TransferOp::Cancel => (reg.transfer_contact_cancel(by, &id, now).await, ResultCode::COMPLETED),
                    TransferOp::Query => (reg.transfer_contact_query(by, &id, auth).await, ResultCode::COMPLETED),
                };
                let info = done.map_err(quoting(contact_value(&id)))?;
                let data = ContactResData::Transfer(convert::transfer_data(&info));
                Ok(Response::new(code).with_res_data(ResData::Contact(data)))
            }
            ContactCommand::Update(u) => {
                let current = if convert::contact_update_needs_current(&u) {
                    let info = reg
                        .info_contact(by, &u.id, None)
                        .await
                        .map_err(quoting(contact_value(&u.id)))?;
                    // Only the sponsor may update; others see too little to complete the
                    // change with, and get the sponsor's refusal (RFC 5733 §3.2.5).
                    let sponsor = if info.authorized { info.cl_id.as_str() } else { "" };
                    crate::registry::check_sponsor(sponsor, by, || format!("contact {}", u.id))
                        .map_err(quoting(contact_value(&u.id)))?;
                    Some(info)
                } else {
                    None
                };
                let upd = convert::contact_update(&u, current.as_ref())?;
                reg.update_contact(by, &u.id, &upd, now)
                    .await
                    .map_err(quoting(contact_value(&u.id)))?;
                Ok(Response::success())
            }
        }
    }

    /// `<poll>` (RFC 5730 §2.9.2.3): the oldest message with the queue's size (1301), or
    /// 1300 when there is none; an acknowledgement answers with what remains. A transfer
    /// message carries the transfer's `<trnData>` (RFC 5731 §3.1.3, RFC 5733 §3.1.3).
    async fn poll(&self, by: &RegistrarId, op: PollOp) -> Outcome {
        match op {
            PollOp::Req => {
                let queued = self
                    .registry
                    .poll_request(by)
                    .await
                    .map_err(|e| Failure::Registry(e, None))?;
                let Some(q) = queued else {
                    return Ok(Response::new(ResultCode::COMPLETED_NO_MESSAGES));
                };
                let m = q.message;
                let mut r = Response::new(ResultCode::COMPLETED_ACK_TO_DEQUEUE).with_msg_q(MsgQ {
                    count: u32::try_from(q.count).unwrap_or(u32::MAX),
                    id: m.id.to_string(),
                    q_date: Some(datetime(m.queued_at)),
                    msg: Some(m.text.clone()),
                });
                if let Some(t) = &m.transfer {
                    let data = convert::transfer_data(t);
                    r = r.with_res_data(match m.object_kind {
                        ObjectKind::Contact => ResData::Contact(ContactResData::Transfer(data)),
                        ObjectKind::Domain | ObjectKind::Host => ResData::Domain(DomainResData::Transfer(data)),
                    });
                }
                Ok(r)
            }
            PollOp::Ack(text) => {
                let id: i64 = text.parse().map_err(|_| EppError::bad_value("poll msgID", &text))?;
                let remaining = self
                    .registry
                    .poll_ack(by, id)
                    .await
                    .map_err(|e| Failure::Registry(e, None))?;
                Ok(Response::success().with_msg_q(MsgQ {
                    count: u32::try_from(remaining).unwrap_or(u32::MAX),
                    id: text,
                    q_date: None,
                    msg: None,
                }))
            }
        }
    }
}

impl Handler for RegistryHandler {
    fn greeting(&self) -> Greeting {
        Greeting::new(self.sv_id.clone())
    }

    /// RFC 5730 §2.9.1.1: the registrar's identifier and password against the registry's
    /// (2200 when they do not match); `<newPW>` replaces the password once logged in.
    fn login<'a>(&'a self, login: &'a Login, _peer: SocketAddr) -> BoxFuture<'a, Result<String, EppError>> {
        Box::pin(async move {
            let id = match self.registry.login(&login.client_id, &login.password).await {
                Ok(id) => id,
                Err(RegistryError::BadCredentials) => {
                    return Err(EppError::standard(ResultCode::AUTHENTICATION_ERROR));
                }
                Err(e) => return Err(epp_error(&e)),
            };
            if let Some(new) = &login.new_password {
                self.registry.set_password(&id, new).await.map_err(|e| epp_error(&e))?;
            }
            Ok(id.as_str().to_owned())
        })
    }

    fn handle<'a>(&'a self, session: &'a Session, request: Request) -> BoxFuture<'a, Response> {
        Box::pin(async move {
            let by = RegistrarId::new(session.client_id.clone());
            let now = self.clock.now();
            let what = request.command.name();
            let outcome = match request.command {
                Command::Poll(op) => self.poll(&by, op).await,
                Command::Domain(c) => self.domain(&by, c, request.extensions, now).await,
                Command::Host(c) => self.host(&by, c, now).await,
                Command::Contact(c) => self.contact(&by, c, now).await,
                // The server loop answers these itself.
                Command::Login(_) | Command::Logout => {
                    Err(Failure::Epp(EppError::standard(ResultCode::COMMAND_USE_ERROR)))
                }
            };
            match outcome {
                Ok(r) => {
                    let zone_data = what.starts_with("domain:") || what.starts_with("host:");
                    let reads = what.ends_with(":check") || what.ends_with(":info");
                    if let (Some(changed), true) = (&self.changed, zone_data && !reads) {
                        changed.notify_one();
                    }
                    r
                }
                Err(Failure::Epp(e)) => Response::from_error(&e),
                Err(Failure::Refused(r)) => *r,
                Err(Failure::Registry(e, value)) => {
                    if e.epp_code() == ResultCode::COMMAND_FAILED.0 {
                        // The client gets "Command failed"; the operator the reason.
                        eprintln!("epp: {what} by {} ({}) failed: {e}", session.client_id, request.sv_trid);
                    }
                    convert::error_response(&e, value)
                }
            }
        })
    }
}

/// The refusal of a command whose delegation check found problems under
/// [`DelegationPolicy::Reject`] (2306, before anything is written); `None` otherwise.
fn lame_refusal(check: Option<&(DelegationPolicy, DelegationReport)>, domain: &str) -> Option<Failure> {
    match check {
        Some((DelegationPolicy::Reject, report)) if !report.is_clean() => {
            Some(Failure::Refused(Box::new(convert::delegation_refused(report, domain))))
        }
        _ => None,
    }
}

/// A registry error as an [`EppError`] (for login, which answers with one).
fn epp_error(e: &RegistryError) -> EppError {
    let code = ResultCode(e.epp_code());
    if code == ResultCode::COMMAND_FAILED {
        eprintln!("epp: login failed: {e}");
        EppError::standard(code)
    } else {
        EppError::new(code, e.to_string())
    }
}

/// Serves EPP over TLS on `listener` with `handler` (RFC 5734) until the listener fails;
/// see [`crate::epp::server::serve`]. Dropping the future ends every session.
pub async fn run_epp(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    handler: RegistryHandler,
    limits: Limits,
) -> io::Result<()> {
    serve(listener, tls, Arc::new(handler), limits).await
}

/// Runs [`Registry::tick`] every `every` (the first at once), forever, giving each
/// outcome to `report`: what time brings (automatic renewals, transfers the losing registrar
/// left unanswered, redemption, purges) happens only when this runs.
pub async fn run_ticks(
    registry: Registry,
    clock: Clock,
    every: Duration,
    mut report: impl FnMut(Result<TickReport, RegistryError>) + Send,
) {
    let mut interval = tokio::time::interval(every.max(Duration::from_millis(10)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        report(registry.tick(clock.now()).await);
    }
}

/// What one round of [`recheck_delegations`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecheckReport {
    /// Each domain checked, with how many problems the check found (0: clean), in the order
    /// checked (the most stale first).
    pub checked: Vec<(Name, usize)>,
}

/// Checks again the delegation of every domain whose last check is older than its TLD's
/// [`crate::TldPolicy::recheck_interval`] ([`crate::recheck::due_rechecks`]), at `now`, with
/// [`check_delegation`] and `options` (as [`RegistryHandler::with_delegation_options`]), and
/// keeps each outcome with [`Registry::record_delegation_check`] (so RDAP's remark and WHOIS's
/// `Delegation check:` lines show the current state; a clean check removes them). Domains are
/// checked one after another, each check asking its servers in parallel, so one round asks at
/// most one domain's servers at a time.
///
/// A domain deleted or changed while it was being checked: its outcome is still kept if the
/// domain exists (the next round corrects a check of name servers just replaced); one that is
/// gone is skipped. Errors: the first [`RegistryError`] of the database ends the round.
pub async fn recheck_delegations(
    registry: &Registry,
    options: &CheckOptions,
    now: i64,
) -> Result<RecheckReport, RegistryError> {
    let candidates = registry.delegated_domains().await?;
    let mut report = RecheckReport::default();
    for d in crate::recheck::due_rechecks(&candidates, registry.tlds(), now) {
        let Some(delegation) = registry.delegation(&d.name, now).await? else {
            continue;
        };
        let found = check_delegation(&d.name, &delegation.ns, &delegation.ds, options).await;
        match registry.record_delegation_check(&d.name, now, &found.lines()).await {
            Ok(()) => report.checked.push((d.name.clone(), found.findings.len())),
            Err(RegistryError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

/// Runs [`recheck_delegations`] every `every` (the first at once), forever, with "now" from
/// `clock`, giving each round's outcome to `report`; the companion of [`run_ticks`]. A round
/// that outlasts `every` delays the next rather than overlapping it. Dropping the future
/// stops it.
pub async fn run_rechecks(
    registry: Registry,
    clock: Clock,
    options: CheckOptions,
    every: Duration,
    mut report: impl FnMut(Result<RecheckReport, RegistryError>) + Send,
) {
    let mut interval = tokio::time::interval(every.max(Duration::from_millis(10)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        report(recheck_delegations(&registry, &options, clock.now()).await);
    }
}
