//! The host mapping (RFC 5732): name servers as objects, with their glue addresses.
//!
//! RFC 5732 defines no `<renew>` and no `<transfer>` for hosts (§3.2.3, §3.2.4): such a
//! command is answered with 2001, as a schema-validating server would.

use std::net::IpAddr;

use super::error::EppError;
use super::object::{
    check_name, parse_check_data, parse_pan_data, parse_status, write_check_data, write_pan_data, write_status,
    CheckResult, ObjectStatus, PendingActionData, Status,
};
use super::xml::{Element, XmlWriter, HOST_NS};

const NS: &str = HOST_NS;
const P: &str = "host";

/// A command on host objects (RFC 5732 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostCommand {
    /// `<check>` (RFC 5732 §3.1.1).
    Check {
        /// Host names, one or more.
        names: Vec<String>,
    },
    /// `<info>` (RFC 5732 §3.1.2).
    Info {
        /// The host name.
        name: String,
    },
    /// `<create>` (RFC 5732 §3.2.1).
    Create(HostCreate),
    /// `<delete>` (RFC 5732 §3.2.2).
    Delete {
        /// The host name.
        name: String,
    },
    /// `<update>` (RFC 5732 §3.2.5).
    Update(HostUpdate),
}

/// `<host:create>` (RFC 5732 §3.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostCreate {
    /// The host name.
    pub name: String,
    /// Glue addresses (needed only for a host under a domain of this registry).
    pub addrs: Vec<IpAddr>,
}

/// `<host:add>` or `<host:rem>` (RFC 5732 §3.2.5).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HostAddRem {
    /// Addresses.
    pub addrs: Vec<IpAddr>,
    /// Statuses.
    pub statuses: Vec<ObjectStatus>,
}

impl HostAddRem {
    /// True when nothing is added or removed.
    pub fn is_empty(&self) -> bool {
        self.addrs.is_empty() && self.statuses.is_empty()
    }
}

/// `<host:update>` (RFC 5732 §3.2.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostUpdate {
    /// The host name.
    pub name: String,
    /// What to add.
    pub add: HostAddRem,
    /// What to remove.
    pub rem: HostAddRem,
    /// A new name (`<host:chg><host:name>`), renaming the host.
    pub new_name: Option<String>,
}

/// Host response data (RFC 5732 §3.1-3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostResData {
    /// `<host:chkData>` (RFC 5732 §3.1.1).
    Check(Vec<CheckResult>),
    /// `<host:infData>` (RFC 5732 §3.1.2).
    Info(Box<HostInfData>),
    /// `<host:creData>` (RFC 5732 §3.2.1).
    Create {
        /// The host name.
        name: String,
        /// When it was created.
        cr_date: String,
    },
    /// `<host:panData>` (RFC 5732 §3.3).
    PendingAction(PendingActionData),
}

/// `<host:infData>` (RFC 5732 §3.1.2).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HostInfData {
    /// The host name.
    pub name: String,
    /// The repository object ID.
    pub roid: String,
    /// Statuses.
    pub statuses: Vec<ObjectStatus>,
    /// Addresses.
    pub addrs: Vec<IpAddr>,
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
    /// When it was last transferred (with its superordinate domain).
    pub tr_date: Option<String>,
}

fn parse_name(el: &Element) -> Result<String, EppError> {
    let name = el.require_text(NS, "name")?;
    check_name("host:name", &name)?;
    Ok(name)
}

/// `<host:addr ip="v4|v6">`: the attribute defaults to `v4` and must match the address.
fn parse_addr(el: &Element) -> Result<IpAddr, EppError> {
    let addr: IpAddr = el
        .text()
        .parse()
        .map_err(|_| EppError::bad_value("host:addr", el.text()))?;
    let family_ok = match el.attr("ip").unwrap_or("v4") {
        "v4" => addr.is_ipv4(),
        "v6" => addr.is_ipv6(),
        other => return Err(EppError::bad_value("host:addr ip", other)),
    };
    if !family_ok {
        return Err(EppError::bad_value("host:addr (family differs from ip=)", el.text()));
    }
    Ok(addr)
}

fn parse_addrs(el: &Element) -> Result<Vec<IpAddr>, EppError> {
    el.children_named(NS, "addr").map(parse_addr).collect()
}

fn parse_add_rem(el: &Element) -> Result<HostAddRem, EppError> {
    el.expect_only(NS, &["addr", "status"])?;
    Ok(HostAddRem {
        addrs: parse_addrs(el)?,
        statuses: el
            .children_named(NS, "status")
            .map(|s| parse_status(s, Status::HOST))
            .collect::<Result<_, _>>()?,
    })
}

/// Parses the `<host:…>` element under a command verb.
pub(crate) fn parse_command(el: &Element) -> Result<HostCommand, EppError> {
    Ok(match el.name.as_str() {
        "check" => {
            el.expect_only(NS, &["name"])?;
            let names = el
                .children_named(NS, "name")
                .map(|n| {
                    check_name("host:name", n.text())?;
                    Ok(n.text().to_owned())
                })
                .collect::<Result<Vec<_>, EppError>>()?;
            if names.is_empty() {
                return Err(EppError::missing("host:name"));
            }
            HostCommand::Check { names }
        }
        "info" => {
            el.expect_only(NS, &["name"])?;
            HostCommand::Info { name: parse_name(el)? }
        }
        "create" => {
            el.expect_only(NS, &["name", "addr"])?;
            HostCommand::Create(HostCreate {
                name: parse_name(el)?,
                addrs: parse_addrs(el)?,
            })
        }
        "delete" => {
            el.expect_only(NS, &["name"])?;
            HostCommand::Delete { name: parse_name(el)? }
        }
        "update" => {
            el.expect_only(NS, &["name", "add", "rem", "chg"])?;
            let add = el.child(NS, "add").map(parse_add_rem).transpose()?;
            let rem = el.child(NS, "rem").map(parse_add_rem).transpose()?;
            let new_name = match el.child(NS, "chg") {
                Some(chg) => {
                    chg.expect_only(NS, &["name"])?;
                    Some(parse_name(chg)?)
                }
                None => None,
            };
            if add.is_none() && rem.is_none() && new_name.is_none() {
                return Err(EppError::missing("host:add, host:rem or host:chg"));
            }
            HostCommand::Update(HostUpdate {
                name: parse_name(el)?,
                add: add.unwrap_or_default(),
                rem: rem.unwrap_or_default(),
                new_name,
            })
        }
        "renew" | "transfer" => {
            return Err(EppError::syntax(format!(
                "Command syntax error: host objects have no {} (RFC 5732 §3.2)",
                el.name
            )))
        }
        other => {
            return Err(EppError::syntax(format!(
                "Command syntax error: host:{other} is not a host command"
            )))
        }
    })
}

fn write_addrs(w: &mut XmlWriter, addrs: &[IpAddr]) {
    for a in addrs {
        let family = if a.is_ipv4() { "v4" } else { "v6" };
        w.leaf_with("host:addr", &[("ip", family)], &a.to_string());
    }
}

impl HostCommand {
    /// The command verb (RFC 5730 §2.9.2-2.9.3).
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Check { .. } => "check",
            Self::Info { .. } => "info",
            Self::Create(_) => "create",
            Self::Delete { .. } => "delete",
            Self::Update(_) => "update",
        }
    }

    /// Writes `<host:VERB xmlns:host="…">…</host:VERB>`.
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        let outer = format!("{P}:{}", self.verb());
        w.open(&outer, &[("xmlns:host", NS)]);
        match self {
            Self::Check { names } => {
                for n in names {
                    w.leaf("host:name", n);
                }
            }
            Self::Info { name } | Self::Delete { name } => w.leaf("host:name", name),
            Self::Create(c) => {
                w.leaf("host:name", &c.name);
                write_addrs(w, &c.addrs);
            }
            Self::Update(u) => {
                w.leaf("host:name", &u.name);
                for (tag, part) in [("host:add", &u.add), ("host:rem", &u.rem)] {
                    if !part.is_empty() {
                        w.open(tag, &[]);
                        write_addrs(w, &part.addrs);
                        for s in &part.statuses {
                            write_status(w, P, s);
                        }
                        w.close(tag);
                    }
                }
                if let Some(n) = &u.new_name {
                    w.open("host:chg", &[]);
                    w.leaf("host:name", n);
                    w.close("host:chg");
                }
            }
        }
        w.close(&outer);
    }
}

/// Parses a `<host:…Data>` element of `<resData>` (client side).
pub(crate) fn parse_res_data(el: &Element) -> Result<HostResData, EppError> {
    Ok(match el.name.as_str() {
        "chkData" => HostResData::Check(parse_check_data(el, NS, "name")?),
        "infData" => HostResData::Info(Box::new(HostInfData {
            name: el.require_text(NS, "name")?,
            roid: el.require_text(NS, "roid")?,
            statuses: el
                .children_named(NS, "status")
                .map(|s| parse_status(s, Status::HOST))
                .collect::<Result<_, _>>()?,
            addrs: parse_addrs(el)?,
            cl_id: el.require_text(NS, "clID")?,
            cr_id: el.child_text(NS, "crID"),
            cr_date: el.child_text(NS, "crDate"),
            up_id: el.child_text(NS, "upID"),
            up_date: el.child_text(NS, "upDate"),
            tr_date: el.child_text(NS, "trDate"),
        })),
        "creData" => HostResData::Create {
            name: el.require_text(NS, "name")?,
            cr_date: el.require_text(NS, "crDate")?,
        },
        "panData" => HostResData::PendingAction(parse_pan_data(el, NS, "name")?),
        other => {
            return Err(EppError::syntax(format!(
                "Command syntax error: host:{other} is not host response data"
            )))
        }
    })
}

impl HostResData {
    /// Writes the `<host:…Data>` element.
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        let xmlns = [("xmlns:host", NS)];
        match self {
            Self::Check(items) => write_check_data(w, P, NS, "name", items),
            Self::Info(d) => {
                w.open("host:infData", &xmlns);
                w.leaf("host:name", &d.name);
                w.leaf("host:roid", &d.roid);
                for s in &d.statuses {
                    write_status(w, P, s);
                }
                write_addrs(w, &d.addrs);
                w.leaf("host:clID", &d.cl_id);
                w.opt_leaf("host:crID", d.cr_id.as_deref());
                w.opt_leaf("host:crDate", d.cr_date.as_deref());
                w.opt_leaf("host:upID", d.up_id.as_deref());
                w.opt_leaf("host:upDate", d.up_date.as_deref());
                w.opt_leaf("host:trDate", d.tr_date.as_deref());
                w.close("host:infData");
            }
            Self::Create { name, cr_date } => {
                w.open("host:creData", &xmlns);
                w.leaf("host:name", name);
                w.leaf("host:crDate", cr_date);
                w.close("host:creData");
            }
            Self::PendingAction(d) => write_pan_data(w, P, NS, "name", d),
        }
    }
}
