//! The registrar's side of EPP (RFC 5730-5733 over RFC 5734 TLS): one short session per
//! operation with the registry that runs the name's TLD — connect, log in, the commands, log
//! out. A session per operation keeps no connection state to repair after a registry restart
//! and costs one TLS handshake, which a person clicking a button does not notice.

use std::sync::Arc;

use banyan_registry::epp::client::EppClient;
use banyan_registry::epp::{
    tls, Address, AuthInfo, CheckResult, Command, ContactCommand, ContactCreate, DomainCommand, DomainCreate,
    DomainInfData, DomainInfo, DomainRenew, DomainResData, DomainTransfer, HostCommand, HostCreate, HostsFilter,
    Period, PostalInfo, PostalInfoType, ResData, Response, ResultCode, TransferData, TransferOp,
};
use rustls::ClientConfig;

use crate::config::{HostedNameServer, RegistryEndpoint, WebConfig};
use crate::error::WebError;

/// A registry endpoint with its TLS configuration built.
struct Endpoint {
    config: RegistryEndpoint,
    tls: Arc<ClientConfig>,
}

/// The registrar's EPP accounts at every configured registry.
pub struct Registrar {
    endpoints: Vec<Endpoint>,
    timeout: std::time::Duration,
    period_years: u8,
}

impl std::fmt::Debug for Registrar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registrar")
            .field(
                "registries",
                &self.endpoints.iter().map(|e| &e.config).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// What the holder's registrant contact (RFC 5733) is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registrant {
    /// The contact ID (3-16 characters).
    pub id: String,
    /// The holder's name.
    pub name: String,
    /// Their city.
    pub city: String,
    /// Their country (ISO 3166 alpha-2).
    pub country: String,
    /// Their e-mail address.
    pub email: String,
}

/// A domain as the registry describes it (RFC 5731 §3.1.2).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DomainStatus {
    /// The name.
    pub name: String,
    /// Its statuses (`ok`, `pendingTransfer`, …; RFC 5731 §2.3).
    pub statuses: Vec<String>,
    /// Its expiry (XML Schema dateTime), if the registry told it.
    pub expires: Option<String>,
    /// Its creation time.
    pub created: Option<String>,
    /// Its name servers.
    pub name_servers: Vec<String>,
    /// The sponsoring registrar's client ID.
    pub sponsor: String,
    /// The transfer authorization (shown to the holder, who needs it to move the name).
    pub auth_info: Option<String>,
}

impl From<DomainInfData> for DomainStatus {
    fn from(d: DomainInfData) -> Self {
        DomainStatus {
            name: d.name,
            statuses: d.statuses.iter().map(|s| s.status.as_str().to_owned()).collect(),
            expires: d.ex_date,
            created: d.cr_date,
            name_servers: d.ns,
            sponsor: d.cl_id,
            auth_info: d.auth_info.map(|a| a.password),
        }
    }
}

fn ok_or_refused(r: Response) -> Result<Response, WebError> {
    if r.is_success() {
        Ok(r)
    } else {
        Err(WebError::refused(r.code(), r.message()))
    }
}

fn unexpected(what: &str) -> WebError {
    WebError::refused(
        ResultCode::COMMAND_FAILED,
        &format!("the registry's answer lacks the {what}"),
    )
}

impl Registrar {
    /// The registrar for `config`'s registries; builds each one's TLS client configuration.
    pub fn new(config: &WebConfig) -> Result<Registrar, WebError> {
        let endpoints = config
            .registries
            .iter()
            .map(|r| {
                let tls = tls::client_config(&r.trusted).map_err(|e| WebError::Config(format!("{}: {e}", r.addr)))?;
                Ok(Endpoint { config: r.clone(), tls })
            })
            .collect::<Result<_, WebError>>()?;
        Ok(Registrar {
            endpoints,
            timeout: config.epp_timeout,
            period_years: config.period_years,
        })
    }

    async fn session(&self, registry: usize) -> Result<EppClient, WebError> {
        let e = self
            .endpoints
            .get(registry)
            .ok_or_else(|| WebError::Config(format!("no registry number {registry}")))?;
        let mut client = EppClient::connect(e.config.addr, &e.config.server_name, Arc::clone(&e.tls))
            .await?
            .with_timeout(self.timeout);
        client.login(&e.config.client_id, &e.config.password).await?;
        Ok(client)
    }

    /// domain:check (RFC 5731 §3.1.1) of `names` at one registry.
    pub async fn check(&self, registry: usize, names: &[String]) -> Result<Vec<CheckResult>, WebError> {
        let mut c = self.session(registry).await?;
        let r = c
            .command(Command::Domain(DomainCommand::Check { names: names.to_vec() }))
            .await;
        let _ = c.logout().await;
        match ok_or_refused(r?)?.res_data {
            Some(ResData::Domain(DomainResData::Check(results))) => Ok(results),
            _ => Err(unexpected("check data")),
        }
    }

    /// Registers `name` for the holder, in one session: the registrant contact if the
    /// registry lacks it (contact:check, contact:create, RFC 5733 §3.1.1, §3.2.1), each name
    /// server's host object if the registry lacks it (host:check, host:create, RFC 5732) —
    /// a host it already has is used as it is, as an external host — then domain:create
    /// (RFC 5731 §3.2.1). Returns the expiry the registry set.
    pub async fn register(
        &self,
        registry: usize,
        name: &str,
        registrant: &Registrant,
        name_servers: &[HostedNameServer],
        auth_info: &str,
    ) -> Result<Option<String>, WebError> {
        let mut c = self.session(registry).await?;
        let r = self
            .register_in(&mut c, name, registrant, name_servers, auth_info)
            .await;
        let _ = c.logout().await;
        r
    }

    async fn register_in(
        &self,
        c: &mut EppClient,
        name: &str,
        registrant: &Registrant,
        name_servers: &[HostedNameServer],
        auth_info: &str,
    ) -> Result<Option<String>, WebError> {
        let check = ok_or_refused(
            c.command(Command::Contact(ContactCommand::Check {
                ids: vec![registrant.id.clone()],
            }))
            .await?,
        )?;
        let contact_missing = match check.res_data {
            Some(ResData::Contact(banyan_registry::epp::ContactResData::Check(results))) => {
                results.first().is_some_and(|r| r.available)
            }
            _ => return Err(unexpected("contact check data")),
        };
        if contact_missing {
            ok_or_refused(
                c.command(Command::Contact(ContactCommand::Create(Box::new(contact_create(
                    registrant, auth_info,
                )))))
                .await?,
            )?;
        }
        let hosts: Vec<String> = name_servers.iter().map(|h| epp_name(&h.name)).collect();
        if !hosts.is_empty() {
            let check = ok_or_refused(
                c.command(Command::Host(HostCommand::Check { names: hosts.clone() }))
                    .await?,
            )?;
            let results = match check.res_data {
                Some(ResData::Host(banyan_registry::epp::HostResData::Check(results))) => results,
                _ => return Err(unexpected("host check data")),
            };
            for (ns, result) in name_servers.iter().zip(&results) {
                if result.available {
                    ok_or_refused(
                        c.command(Command::Host(HostCommand::Create(HostCreate {
                            name: ns.name.to_string(),
                            addrs: ns.addrs.clone(),
                        })))
                        .await?,
                    )?;
                }
            }
        }
        let created = ok_or_refused(
            c.command(Command::Domain(DomainCommand::Create(DomainCreate {
                name: name.to_owned(),
                period: Some(Period::years(self.period_years)),
                ns: hosts,
                registrant: Some(registrant.id.clone()),
                contacts: Vec::new(),
                auth_info: AuthInfo::password(auth_info),
            })))
            .await?,
        )?;
        Ok(match created.res_data {
            Some(ResData::Domain(DomainResData::Create { ex_date, .. })) => ex_date,
            _ => None,
        })
    }

    /// domain:info (RFC 5731 §3.1.2).
    pub async fn info(&self, registry: usize, name: &str) -> Result<DomainStatus, WebError> {
        let mut c = self.session(registry).await?;
        let r = info_in(&mut c, name).await;
        let _ = c.logout().await;
        r.map(DomainStatus::from)
    }

    /// domain:renew (RFC 5731 §3.2.3) by the configured period, from the current expiry
    /// (read with domain:info first, as the command must name it). Returns the new expiry.
    pub async fn renew(&self, registry: usize, name: &str) -> Result<Option<String>, WebError> {
        let mut c = self.session(registry).await?;
        let r = async {
            let info = info_in(&mut c, name).await?;
            let current = info.ex_date.ok_or_else(|| unexpected("expiry date"))?;
            // curExpDate is a date (RFC 5731 §3.2.3): the dateTime's first ten characters.
            let date = current.get(..10).ok_or_else(|| unexpected("expiry date"))?.to_owned();
            let renewed = ok_or_refused(
                c.command(Command::Domain(DomainCommand::Renew(DomainRenew {
                    name: name.to_owned(),
                    cur_exp_date: date,
                    period: Some(Period::years(self.period_years)),
                })))
                .await?,
            )?;
            Ok(match renewed.res_data {
                Some(ResData::Domain(DomainResData::Renew { ex_date, .. })) => ex_date,
                _ => None,
            })
        }
        .await;
        let _ = c.logout().await;
        r
    }

    /// domain:transfer op="request" with the holder's authInfo (RFC 5731 §3.2.4).
    pub async fn transfer_in(&self, registry: usize, name: &str, auth_info: &str) -> Result<TransferData, WebError> {
        let mut c = self.session(registry).await?;
        let r = c
            .command(Command::Domain(DomainCommand::Transfer(DomainTransfer {
                op: TransferOp::Request,
                name: name.to_owned(),
                period: Some(Period::years(self.period_years)),
                auth_info: Some(AuthInfo::password(auth_info)),
            })))
            .await;
        let _ = c.logout().await;
        match ok_or_refused(r?)?.res_data {
            Some(ResData::Domain(DomainResData::Transfer(t))) => Ok(t),
            _ => Err(unexpected("transfer data")),
        }
    }
}

/// A name as EPP writes it: without the final dot (RFC 5731 §2.1 uses the host name form of
/// RFC 1123, which has none).
pub fn epp_name(name: &banyan_wire::Name) -> String {
    let text = name.to_lowercase().to_string();
    text.strip_suffix('.').unwrap_or(&text).to_owned()
}

async fn info_in(c: &mut EppClient, name: &str) -> Result<DomainInfData, WebError> {
    let r = ok_or_refused(
        c.command(Command::Domain(DomainCommand::Info(DomainInfo {
            name: name.to_owned(),
            hosts: HostsFilter::All,
            auth_info: None,
        })))
        .await?,
    )?;
    match r.res_data {
        Some(ResData::Domain(DomainResData::Info(d))) => Ok(*d),
        _ => Err(unexpected("info data")),
    }
}

fn contact_create(r: &Registrant, auth_info: &str) -> ContactCreate {
    ContactCreate {
        id: r.id.clone(),
        postal_info: vec![PostalInfo {
            kind: PostalInfoType::Int,
            name: r.name.clone(),
            org: None,
            addr: Address {
                street: Vec::new(),
                city: r.city.clone(),
                sp: None,
                pc: None,
                cc: r.country.clone(),
            },
        }],
        voice: None,
        fax: None,
        email: r.email.clone(),
        auth_info: AuthInfo::password(auth_info),
        disclose: None,
    }
}
