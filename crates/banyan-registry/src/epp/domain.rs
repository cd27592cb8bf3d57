//! The domain name mapping (RFC 5731): commands on domain objects and their response data.
//!
//! Name servers are host objects (`<domain:hostObj>`, RFC 5731 §1.1). The other form,
//! `<domain:hostAttr>` (name servers as attributes of the domain), is answered with 2102
//! "Unimplemented option": this registry keeps hosts as objects of their own (RFC 5732), so
//! glue has one owner and one lifecycle.

use super::error::{EppError, ResultCode};
use super::object::{
    check_date, check_id, check_name, parse_auth_info, parse_check_data, parse_pan_data, parse_period, parse_status,
    parse_transfer_data, write_auth_info, write_check_data, write_pan_data, write_period, write_status,
    write_transfer_data, AuthInfo, CheckResult, ObjectStatus, PendingActionData, Period, Status, TransferData,
    TransferOp,
};
use super::xml::{Element, XmlWriter, DOMAIN_NS};

const NS: &str = DOMAIN_NS;
const P: &str = "domain";

/// A command on domain objects (RFC 5731 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainCommand {
    /// `<check>`: can these names be registered? (RFC 5731 §3.1.1)
    Check {
        /// The names, one or more.
        names: Vec<String>,
    },
    /// `<info>` (RFC 5731 §3.1.2).
    Info(DomainInfo),
    /// `<create>` (RFC 5731 §3.2.1).
    Create(DomainCreate),
    /// `<delete>` (RFC 5731 §3.2.2).
    Delete {
        /// The name to delete.
        name: String,
    },
    /// `<renew>` (RFC 5731 §3.2.3).
    Renew(DomainRenew),
    /// `<transfer>` (RFC 5731 §3.2.4), and the `op="query"` form of §3.1.3.
    Transfer(DomainTransfer),
    /// `<update>` (RFC 5731 §3.2.5).
    Update(DomainUpdate),
}

/// Which subordinate and delegated hosts an info response lists (RFC 5731 §3.1.2, the
/// `hosts` attribute of `<domain:name>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum HostsFilter {
    /// `all` (the default): both name servers and subordinate hosts.
    #[default]
    All,
    /// `del`: only the delegated name servers.
    Del,
    /// `sub`: only the subordinate hosts.
    Sub,
    /// `none`: neither.
    None,
}

impl HostsFilter {
    fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Del => "del",
            Self::Sub => "sub",
            Self::None => "none",
        }
    }
}

/// `<domain:info>` (RFC 5731 §3.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainInfo {
    /// The domain name.
    pub name: String,
    /// Which hosts to list.
    pub hosts: HostsFilter,
    /// Authorization information, for a client that does not sponsor the domain.
    pub auth_info: Option<AuthInfo>,
}

/// The role of a contact associated with a domain (RFC 5731 §2.2, the `type` attribute of
/// `<domain:contact>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContactType {
    /// `admin`.
    Admin,
    /// `billing`.
    Billing,
    /// `tech`.
    Tech,
}

impl ContactType {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Billing => "billing",
            Self::Tech => "tech",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "admin" => Self::Admin,
            "billing" => Self::Billing,
            "tech" => Self::Tech,
            _ => return None,
        })
    }
}

/// A contact associated with a domain in a role (RFC 5731 §2.2).
///
/// Wire format: `<domain:contact type="admin">sh8013</domain:contact>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainContact {
    /// The role.
    pub kind: ContactType,
    /// The contact's ID.
    pub id: String,
}

/// `<domain:create>` (RFC 5731 §3.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainCreate {
    /// The name to register.
    pub name: String,
    /// The registration period; the server's default when absent.
    pub period: Option<Period>,
    /// Name servers (host object names).
    pub ns: Vec<String>,
    /// The registrant's contact ID.
    pub registrant: Option<String>,
    /// Other associated contacts.
    pub contacts: Vec<DomainContact>,
    /// The domain's authorization information (required by RFC 5731).
    pub auth_info: AuthInfo,
}

/// `<domain:renew>` (RFC 5731 §3.2.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainRenew {
    /// The domain name.
    pub name: String,
    /// The expiry date the client believes current (`YYYY-MM-DD`), which guards against a
    /// renewal sent twice.
    pub cur_exp_date: String,
    /// How long to add; the server's default when absent.
    pub period: Option<Period>,
}

/// `<domain:transfer>` (RFC 5731 §3.1.3 for `query`, §3.2.4 for the others).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainTransfer {
    /// The operation.
    pub op: TransferOp,
    /// The domain name.
    pub name: String,
    /// The period added on completion (`request` only).
    pub period: Option<Period>,
    /// Authorization information (needed by `request`, and by `query` from a client other
    /// than the sponsor or requester).
    pub auth_info: Option<AuthInfo>,
}

/// `<domain:add>` or `<domain:rem>` of an update (RFC 5731 §3.2.5).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DomainAddRem {
    /// Name servers (host object names).
    pub ns: Vec<String>,
    /// Contacts with their roles.
    pub contacts: Vec<DomainContact>,
    /// Statuses (only `client*` values may be set by a client; the registry checks).
    pub statuses: Vec<ObjectStatus>,
}

impl DomainAddRem {
    /// True when nothing is added or removed.
    pub fn is_empty(&self) -> bool {
        self.ns.is_empty() && self.contacts.is_empty() && self.statuses.is_empty()
    }
}

/// `<domain:chg>` of an update (RFC 5731 §3.2.5).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DomainChg {
    /// `Some(Some(id))` sets the registrant; `Some(None)` (an empty element) removes it.
    pub registrant: Option<Option<String>>,
    /// `Some(Some(auth))` sets the authInfo; `Some(None)` (`<domain:null/>`) removes it.
    pub auth_info: Option<Option<AuthInfo>>,
}

/// `<domain:update>` (RFC 5731 §3.2.5).
///
/// RFC 5731 asks for at least one of add, rem and chg; an update whose change travels in an
/// extension (secDNS, RGP restore) may have none, as RFC 5910 §5.2.5 and RFC 3915 §4.2.5
/// show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainUpdate {
    /// The domain name.
    pub name: String,
    /// What to add.
    pub add: DomainAddRem,
    /// What to remove.
    pub rem: DomainAddRem,
    /// What to change.
    pub chg: Option<DomainChg>,
}

/// Domain response data (RFC 5731 §3.1-3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainResData {
    /// `<domain:chkData>` (RFC 5731 §3.1.1).
    Check(Vec<CheckResult>),
    /// `<domain:infData>` (RFC 5731 §3.1.2).
    Info(Box<DomainInfData>),
    /// `<domain:creData>` (RFC 5731 §3.2.1).
    Create {
        /// The name created.
        name: String,
        /// When.
        cr_date: String,
        /// When it expires.
        ex_date: Option<String>,
    },
    /// `<domain:renData>` (RFC 5731 §3.2.3).
    Renew {
        /// The name renewed.
        name: String,
        /// The new expiry date.
        ex_date: Option<String>,
    },
    /// `<domain:trnData>` (RFC 5731 §3.1.3, §3.2.4).
    Transfer(TransferData),
    /// `<domain:panData>` in a poll message (RFC 5731 §3.3).
    PendingAction(PendingActionData),
}

/// `<domain:infData>` (RFC 5731 §3.1.2). Dates are XML Schema `dateTime` in UTC.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DomainInfData {
    /// The domain name.
    pub name: String,
    /// The repository object ID.
    pub roid: String,
    /// Statuses (at least one; `ok` when nothing else applies).
    pub statuses: Vec<ObjectStatus>,
    /// The registrant's contact ID.
    pub registrant: Option<String>,
    /// Other contacts.
    pub contacts: Vec<DomainContact>,
    /// Name servers (host object names).
    pub ns: Vec<String>,
    /// Subordinate hosts (hosts named under this domain).
    pub hosts: Vec<String>,
    /// The sponsoring registrar.
    pub cl_id: String,
    /// The registrar that created it.
    pub cr_id: Option<String>,
    /// When it was created.
    pub cr_date: Option<String>,
    /// The registrar that last updated it.
    pub up_id: Option<String>,
    /// When it was last updated.
    pub up_date: Option<String>,
    /// When it expires.
    pub ex_date: Option<String>,
    /// When it was last transferred.
    pub tr_date: Option<String>,
    /// Authorization information (shown to the sponsor or to a client that gave it).
    pub auth_info: Option<AuthInfo>,
}

fn parse_name(el: &Element) -> Result<String, EppError> {
    let name = el.require_text(NS, "name")?;
    check_name("domain:name", &name)?;
    Ok(name)
}

fn parse_ns(el: &Element) -> Result<Vec<String>, EppError> {
    let mut out = Vec::new();
    if let Some(ns) = el.child(NS, "ns") {
        if ns.child(NS, "hostAttr").is_some() {
            return Err(EppError::new(
                ResultCode::UNIMPLEMENTED_OPTION,
                "Unimplemented option: domain:hostAttr; name servers are host objects (domain:hostObj)",
            ));
        }
        ns.expect_only(NS, &["hostObj"])?;
        for h in ns.children_named(NS, "hostObj") {
            check_name("domain:hostObj", h.text())?;
            out.push(h.text().to_owned());
        }
    }
    Ok(out)
}

fn parse_contacts(el: &Element) -> Result<Vec<DomainContact>, EppError> {
    el.children_named(NS, "contact")
        .map(|c| {
            let t = c.attr("type").ok_or_else(|| EppError::missing("domain:contact type"))?;
            let kind = ContactType::from_name(t).ok_or_else(|| EppError::bad_value("domain:contact type", t))?;
            check_id("domain:contact", c.text())?;
            Ok(DomainContact {
                kind,
                id: c.text().to_owned(),
            })
        })
        .collect()
}

fn parse_opt_auth(el: &Element) -> Result<Option<AuthInfo>, EppError> {
    el.child(NS, "authInfo").map(|a| parse_auth_info(a, NS)).transpose()
}

fn parse_add_rem(el: &Element) -> Result<DomainAddRem, EppError> {
    el.expect_only(NS, &["ns", "contact", "status"])?;
    Ok(DomainAddRem {
        ns: parse_ns(el)?,
        contacts: parse_contacts(el)?,
        statuses: el
            .children_named(NS, "status")
            .map(|s| parse_status(s, Status::DOMAIN))
            .collect::<Result<_, _>>()?,
    })
}

/// Parses the `<domain:…>` element under a command verb. `op` is the transfer operation
/// when the verb is `<transfer>`.
pub(crate) fn parse_command(el: &Element, op: Option<TransferOp>) -> Result<DomainCommand, EppError> {
    Ok(match el.name.as_str() {
        "check" => {
            el.expect_only(NS, &["name"])?;
            let names = el
                .children_named(NS, "name")
                .map(|n| {
                    check_name("domain:name", n.text())?;
                    Ok(n.text().to_owned())
                })
                .collect::<Result<Vec<_>, EppError>>()?;
            if names.is_empty() {
                return Err(EppError::missing("domain:name"));
            }
            DomainCommand::Check { names }
        }
        "info" => {
            el.expect_only(NS, &["name", "authInfo"])?;
            let hosts = match el.require(NS, "name")?.attr("hosts") {
                None | Some("all") => HostsFilter::All,
                Some("del") => HostsFilter::Del,
                Some("sub") => HostsFilter::Sub,
                Some("none") => HostsFilter::None,
                Some(other) => return Err(EppError::bad_value("domain:name hosts", other)),
            };
            DomainCommand::Info(DomainInfo {
                name: parse_name(el)?,
                hosts,
                auth_info: parse_opt_auth(el)?,
            })
        }
        "create" => {
            el.expect_only(NS, &["name", "period", "ns", "registrant", "contact", "authInfo"])?;
            let registrant = el.child_text(NS, "registrant");
            if let Some(r) = &registrant {
                check_id("domain:registrant", r)?;
            }
            DomainCommand::Create(DomainCreate {
                name: parse_name(el)?,
                period: el.child(NS, "period").map(parse_period).transpose()?,
                ns: parse_ns(el)?,
                registrant,
                contacts: parse_contacts(el)?,
                auth_info: parse_auth_info(el.require(NS, "authInfo")?, NS)?,
            })
        }
        "delete" => {
            el.expect_only(NS, &["name"])?;
            DomainCommand::Delete { name: parse_name(el)? }
        }
        "renew" => {
            el.expect_only(NS, &["name", "curExpDate", "period"])?;
            let cur_exp_date = el.require_text(NS, "curExpDate")?;
            check_date("domain:curExpDate", &cur_exp_date)?;
            DomainCommand::Renew(DomainRenew {
                name: parse_name(el)?,
                cur_exp_date,
                period: el.child(NS, "period").map(parse_period).transpose()?,
            })
        }
        "transfer" => {
            el.expect_only(NS, &["name", "period", "authInfo"])?;
            let op = op.ok_or_else(|| EppError::missing("transfer op"))?;
            DomainCommand::Transfer(DomainTransfer {
                op,
                name: parse_name(el)?,
                period: el.child(NS, "period").map(parse_period).transpose()?,
                auth_info: parse_opt_auth(el)?,
            })
        }
        "update" => {
            el.expect_only(NS, &["name", "add", "rem", "chg"])?;
            let add = el.child(NS, "add").map(parse_add_rem).transpose()?;
            let rem = el.child(NS, "rem").map(parse_add_rem).transpose()?;
            let chg = el.child(NS, "chg").map(parse_chg).transpose()?;
            // An update with none of add, rem and chg is refused by the command parser
            // unless an extension carries the change (RFC 5910 §5.2.5, RFC 3915 §4.2.5
            // send exactly that).
            DomainCommand::Update(DomainUpdate {
                name: parse_name(el)?,
                add: add.unwrap_or_default(),
                rem: rem.unwrap_or_default(),
                chg,
            })
        }
        other => {
            return Err(EppError::syntax(format!(
                "Command syntax error: domain:{other} is not a domain command"
            )))
        }
    })
}

fn parse_chg(el: &Element) -> Result<DomainChg, EppError> {
    el.expect_only(NS, &["registrant", "authInfo"])?;
    let registrant = match el.child(NS, "registrant") {
        None => None,
        Some(r) if r.text().is_empty() => Some(None),
        Some(r) => {
            check_id("domain:registrant", r.text())?;
            Some(Some(r.text().to_owned()))
        }
    };
    let auth_info = match el.child(NS, "authInfo") {
        None => None,
        Some(a) if a.child(NS, "null").is_some() => Some(None),
        Some(a) => Some(Some(parse_auth_info(a, NS)?)),
    };
    Ok(DomainChg { registrant, auth_info })
}

impl DomainCommand {
    /// The command verb: `check`, `info`, `create`, `delete`, `renew`, `transfer` or
    /// `update` (RFC 5730 §2.9.2-2.9.3).
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Check { .. } => "check",
            Self::Info(_) => "info",
            Self::Create(_) => "create",
            Self::Delete { .. } => "delete",
            Self::Renew(_) => "renew",
            Self::Transfer(_) => "transfer",
            Self::Update(_) => "update",
        }
    }

    /// The transfer operation, for a transfer.
    pub(crate) fn transfer_op(&self) -> Option<TransferOp> {
        match self {
            Self::Transfer(t) => Some(t.op),
            _ => None,
        }
    }

    /// Writes `<domain:VERB xmlns:domain="…">…</domain:VERB>`.
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        let outer = format!("{P}:{}", self.verb());
        w.open(&outer, &[("xmlns:domain", NS)]);
        match self {
            Self::Check { names } => {
                for n in names {
                    w.leaf("domain:name", n);
                }
            }
            Self::Info(i) => {
                if i.hosts == HostsFilter::All {
                    w.leaf("domain:name", &i.name);
                } else {
                    w.leaf_with("domain:name", &[("hosts", i.hosts.as_str())], &i.name);
                }
                if let Some(a) = &i.auth_info {
                    write_auth_info(w, P, a);
                }
            }
            Self::Create(c) => {
                w.leaf("domain:name", &c.name);
                if let Some(p) = &c.period {
                    write_period(w, P, p);
                }
                write_ns(w, &c.ns);
                w.opt_leaf("domain:registrant", c.registrant.as_deref());
                write_contacts(w, &c.contacts);
                write_auth_info(w, P, &c.auth_info);
            }
            Self::Delete { name } => w.leaf("domain:name", name),
            Self::Renew(r) => {
                w.leaf("domain:name", &r.name);
                w.leaf("domain:curExpDate", &r.cur_exp_date);
                if let Some(p) = &r.period {
                    write_period(w, P, p);
                }
            }
            Self::Transfer(t) => {
                w.leaf("domain:name", &t.name);
                if let Some(p) = &t.period {
                    write_period(w, P, p);
                }
                if let Some(a) = &t.auth_info {
                    write_auth_info(w, P, a);
                }
            }
            Self::Update(u) => {
                w.leaf("domain:name", &u.name);
                for (tag, part) in [("domain:add", &u.add), ("domain:rem", &u.rem)] {
                    if !part.is_empty() {
                        w.open(tag, &[]);
                        write_ns(w, &part.ns);
                        write_contacts(w, &part.contacts);
                        for s in &part.statuses {
                            write_status(w, P, s);
                        }
                        w.close(tag);
                    }
                }
                if let Some(chg) = &u.chg {
                    if chg.registrant.is_none() && chg.auth_info.is_none() {
                        w.empty("domain:chg", &[]);
                    } else {
                        w.open("domain:chg", &[]);
                        match &chg.registrant {
                            Some(Some(r)) => w.leaf("domain:registrant", r),
                            Some(None) => w.empty("domain:registrant", &[]),
                            None => {}
                        }
                        match &chg.auth_info {
                            Some(Some(a)) => write_auth_info(w, P, a),
                            Some(None) => {
                                w.open("domain:authInfo", &[]);
                                w.empty("domain:null", &[]);
                                w.close("domain:authInfo");
                            }
                            None => {}
                        }
                        w.close("domain:chg");
                    }
                }
            }
        }
        w.close(&outer);
    }
}

fn write_ns(w: &mut XmlWriter, ns: &[String]) {
    if ns.is_empty() {
        return;
    }
    w.open("domain:ns", &[]);
    for h in ns {
        w.leaf("domain:hostObj", h);
    }
    w.close("domain:ns");
}

fn write_contacts(w: &mut XmlWriter, contacts: &[DomainContact]) {
    for c in contacts {
        w.leaf_with("domain:contact", &[("type", c.kind.as_str())], &c.id);
    }
}

/// Parses a `<domain:…Data>` element of `<resData>` (client side).
pub(crate) fn parse_res_data(el: &Element) -> Result<DomainResData, EppError> {
    Ok(match el.name.as_str() {
        "chkData" => DomainResData::Check(parse_check_data(el, NS, "name")?),
        "infData" => {
            let status = el
                .children_named(NS, "status")
                .map(|s| parse_status(s, Status::DOMAIN))
                .collect::<Result<_, _>>()?;
            let ns = match el.child(NS, "ns") {
                Some(ns) => ns.children_named(NS, "hostObj").map(|h| h.text().to_owned()).collect(),
                None => Vec::new(),
            };
            DomainResData::Info(Box::new(DomainInfData {
                name: el.require_text(NS, "name")?,
                roid: el.require_text(NS, "roid")?,
                statuses: status,
                registrant: el.child_text(NS, "registrant"),
                contacts: parse_contacts(el)?,
                ns,
                hosts: el.children_named(NS, "host").map(|h| h.text().to_owned()).collect(),
                cl_id: el.require_text(NS, "clID")?,
                cr_id: el.child_text(NS, "crID"),
                cr_date: el.child_text(NS, "crDate"),
                up_id: el.child_text(NS, "upID"),
                up_date: el.child_text(NS, "upDate"),
                ex_date: el.child_text(NS, "exDate"),
                tr_date: el.child_text(NS, "trDate"),
                auth_info: parse_opt_auth(el)?,
            }))
        }
        "creData" => DomainResData::Create {
            name: el.require_text(NS, "name")?,
            cr_date: el.require_text(NS, "crDate")?,
            ex_date: el.child_text(NS, "exDate"),
        },
        "renData" => DomainResData::Renew {
            name: el.require_text(NS, "name")?,
            ex_date: el.child_text(NS, "exDate"),
        },
        "trnData" => DomainResData::Transfer(parse_transfer_data(el, NS, "name")?),
        "panData" => DomainResData::PendingAction(parse_pan_data(el, NS, "name")?),
        other => {
            return Err(EppError::syntax(format!(
                "Command syntax error: domain:{other} is not domain response data"
            )))
        }
    })
}

impl DomainResData {
    /// Writes the `<domain:…Data>` element.
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        let xmlns = [("xmlns:domain", NS)];
        match self {
            Self::Check(items) => write_check_data(w, P, NS, "name", items),
            Self::Info(d) => {
                w.open("domain:infData", &xmlns);
                w.leaf("domain:name", &d.name);
                w.leaf("domain:roid", &d.roid);
                for s in &d.statuses {
                    write_status(w, P, s);
                }
                w.opt_leaf("domain:registrant", d.registrant.as_deref());
                write_contacts(w, &d.contacts);
                write_ns(w, &d.ns);
                for h in &d.hosts {
                    w.leaf("domain:host", h);
                }
                w.leaf("domain:clID", &d.cl_id);
                w.opt_leaf("domain:crID", d.cr_id.as_deref());
                w.opt_leaf("domain:crDate", d.cr_date.as_deref());
                w.opt_leaf("domain:upID", d.up_id.as_deref());
                w.opt_leaf("domain:upDate", d.up_date.as_deref());
                w.opt_leaf("domain:exDate", d.ex_date.as_deref());
                w.opt_leaf("domain:trDate", d.tr_date.as_deref());
                if let Some(a) = &d.auth_info {
                    write_auth_info(w, P, a);
                }
                w.close("domain:infData");
            }
            Self::Create { name, cr_date, ex_date } => {
                w.open("domain:creData", &xmlns);
                w.leaf("domain:name", name);
                w.leaf("domain:crDate", cr_date);
                w.opt_leaf("domain:exDate", ex_date.as_deref());
                w.close("domain:creData");
            }
            Self::Renew { name, ex_date } => {
                w.open("domain:renData", &xmlns);
                w.leaf("domain:name", name);
                w.opt_leaf("domain:exDate", ex_date.as_deref());
                w.close("domain:renData");
            }
            Self::Transfer(t) => write_transfer_data(w, P, NS, "name", t),
            Self::PendingAction(d) => write_pan_data(w, P, NS, "name", d),
        }
    }
}
