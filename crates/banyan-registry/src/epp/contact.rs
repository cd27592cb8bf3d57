//! The contact mapping (RFC 5733): the people and organisations behind domains.
//!
//! RFC 5733 defines no `<renew>` for contacts (§3.2.3): it is answered with 2001.

use super::error::EppError;
use super::object::{
    check_id, parse_auth_info, parse_bool, parse_check_data, parse_pan_data, parse_status, parse_transfer_data,
    write_auth_info, write_check_data, write_pan_data, write_status, write_transfer_data, AuthInfo, CheckResult,
    ObjectStatus, PendingActionData, Status, TransferData, TransferOp,
};
use super::xml::{Element, XmlWriter, CONTACT_NS};

const NS: &str = CONTACT_NS;
const P: &str = "contact";

/// A command on contact objects (RFC 5733 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactCommand {
    /// `<check>` (RFC 5733 §3.1.1).
    Check {
        /// Contact IDs, one or more.
        ids: Vec<String>,
    },
    /// `<info>` (RFC 5733 §3.1.2).
    Info {
        /// The contact ID.
        id: String,
        /// Authorization information, for a client that does not sponsor the contact.
        auth_info: Option<AuthInfo>,
    },
    /// `<create>` (RFC 5733 §3.2.1).
    Create(Box<ContactCreate>),
    /// `<delete>` (RFC 5733 §3.2.2).
    Delete {
        /// The contact ID.
        id: String,
    },
    /// `<transfer>` (RFC 5733 §3.1.3 for `query`, §3.2.4 for the others).
    Transfer {
        /// The operation.
        op: TransferOp,
        /// The contact ID.
        id: String,
        /// Authorization information.
        auth_info: Option<AuthInfo>,
    },
    /// `<update>` (RFC 5733 §3.2.5).
    Update(Box<ContactUpdate>),
}

/// Which form a postal address is in (RFC 5733 §2.3, the `type` attribute):
/// `int` is restricted to 7-bit ASCII, `loc` may use any characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PostalInfoType {
    /// `int`: internationalised (ASCII) form.
    Int,
    /// `loc`: localised form.
    Loc,
}

impl PostalInfoType {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Int => "int",
            Self::Loc => "loc",
        }
    }

    fn parse(el: &Element) -> Result<Self, EppError> {
        match el.attr("type") {
            Some("int") => Ok(Self::Int),
            Some("loc") => Ok(Self::Loc),
            Some(other) => Err(EppError::bad_value(&format!("{} type", el.qualified()), other)),
            None => Err(EppError::missing(&format!("{} type", el.qualified()))),
        }
    }
}

/// A postal address (RFC 5733 §2.3, `<contact:addr>`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Address {
    /// Street lines, at most three.
    pub street: Vec<String>,
    /// City.
    pub city: String,
    /// State or province.
    pub sp: Option<String>,
    /// Postal code.
    pub pc: Option<String>,
    /// Two-letter country code (ISO 3166-1).
    pub cc: String,
}

/// Postal information in one form (RFC 5733 §2.3, `<contact:postalInfo>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostalInfo {
    /// `int` or `loc`.
    pub kind: PostalInfoType,
    /// The person's or role's name.
    pub name: String,
    /// The organisation.
    pub org: Option<String>,
    /// The address.
    pub addr: Address,
}

/// A telephone number in E.164 form with an optional extension (RFC 5733 §2.5).
///
/// Wire format: `<contact:voice x="1234">+1.7035555555</contact:voice>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone {
    /// `+CC.NUMBER`.
    pub number: String,
    /// The extension (`x` attribute).
    pub ext: Option<String>,
}

/// Disclosure preferences (RFC 5733 §2.9): which elements `flag` applies to. `flag = false`
/// asks the server not to publish them; `true` allows it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Disclose {
    /// Disclose (true) or withhold (false) what is listed.
    pub flag: bool,
    /// `<contact:name type=…/>` entries.
    pub name: Vec<PostalInfoType>,
    /// `<contact:org type=…/>` entries.
    pub org: Vec<PostalInfoType>,
    /// `<contact:addr type=…/>` entries.
    pub addr: Vec<PostalInfoType>,
    /// `<contact:voice/>`.
    pub voice: bool,
    /// `<contact:fax/>`.
    pub fax: bool,
    /// `<contact:email/>`.
    pub email: bool,
}

/// `<contact:create>` (RFC 5733 §3.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactCreate {
    /// The contact ID chosen by the client (3-16 characters).
    pub id: String,
    /// One or two forms of postal information (`int`, `loc`).
    pub postal_info: Vec<PostalInfo>,
    /// Voice telephone number.
    pub voice: Option<Phone>,
    /// Fax number.
    pub fax: Option<Phone>,
    /// E-mail address.
    pub email: String,
    /// Authorization information.
    pub auth_info: AuthInfo,
    /// Disclosure preferences.
    pub disclose: Option<Disclose>,
}

/// Postal information to change (RFC 5733 §3.2.5): only what is present changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostalInfoChg {
    /// `int` or `loc`.
    pub kind: PostalInfoType,
    /// New name.
    pub name: Option<String>,
    /// `Some(Some(org))` sets it; `Some(None)` (an empty element) removes it.
    pub org: Option<Option<String>>,
    /// New address (replaces the whole address).
    pub addr: Option<Address>,
}

/// `<contact:chg>` (RFC 5733 §3.2.5).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ContactChg {
    /// Postal information to change.
    pub postal_info: Vec<PostalInfoChg>,
    /// `Some(Some(p))` sets the voice number; `Some(None)` (an empty element) removes it.
    pub voice: Option<Option<Phone>>,
    /// `Some(Some(p))` sets the fax number; `Some(None)` removes it.
    pub fax: Option<Option<Phone>>,
    /// New e-mail address.
    pub email: Option<String>,
    /// New authorization information.
    pub auth_info: Option<AuthInfo>,
    /// New disclosure preferences.
    pub disclose: Option<Disclose>,
}

/// `<contact:update>` (RFC 5733 §3.2.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactUpdate {
    /// The contact ID.
    pub id: String,
    /// Statuses to add.
    pub add: Vec<ObjectStatus>,
    /// Statuses to remove.
    pub rem: Vec<ObjectStatus>,
    /// What to change.
    pub chg: Option<ContactChg>,
}

/// Contact response data (RFC 5733 §3.1-3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactResData {
    /// `<contact:chkData>` (RFC 5733 §3.1.1).
    Check(Vec<CheckResult>),
    /// `<contact:infData>` (RFC 5733 §3.1.2).
    Info(Box<ContactInfData>),
    /// `<contact:creData>` (RFC 5733 §3.2.1).
    Create {
        /// The contact ID.
        id: String,
        /// When it was created.
        cr_date: String,
    },
    /// `<contact:trnData>` (RFC 5733 §3.1.3, §3.2.4).
    Transfer(TransferData),
    /// `<contact:panData>` (RFC 5733 §3.3).
    PendingAction(PendingActionData),
}

/// `<contact:infData>` (RFC 5733 §3.1.2).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ContactInfData {
    /// The contact ID.
    pub id: String,
    /// The repository object ID.
    pub roid: String,
    /// Statuses.
    pub statuses: Vec<ObjectStatus>,
    /// Postal information, one or two forms.
    pub postal_info: Vec<PostalInfo>,
    /// Voice telephone number.
    pub voice: Option<Phone>,
    /// Fax number.
    pub fax: Option<Phone>,
    /// E-mail address.
    pub email: String,
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
    /// When it was last transferred.
    pub tr_date: Option<String>,
    /// Authorization information (shown to the sponsor).
    pub auth_info: Option<AuthInfo>,
    /// Disclosure preferences.
    pub disclose: Option<Disclose>,
}

fn parse_id(el: &Element) -> Result<String, EppError> {
    let id = el.require_text(NS, "id")?;
    check_id("contact:id", &id)?;
    Ok(id)
}

fn parse_addr(el: &Element) -> Result<Address, EppError> {
    el.expect_only(NS, &["street", "city", "sp", "pc", "cc"])?;
    let street: Vec<String> = el.children_named(NS, "street").map(|s| s.text().to_owned()).collect();
    if street.len() > 3 {
        return Err(EppError::syntax(
            "Command syntax error: at most three contact:street lines",
        ));
    }
    let cc = el.require_text(NS, "cc")?;
    if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(EppError::bad_value("contact:cc", &cc));
    }
    Ok(Address {
        street,
        city: el.require_text(NS, "city")?,
        sp: el.child_text(NS, "sp").filter(|s| !s.is_empty()),
        pc: el.child_text(NS, "pc").filter(|s| !s.is_empty()),
        cc,
    })
}

fn parse_postal_info(el: &Element) -> Result<PostalInfo, EppError> {
    el.expect_only(NS, &["name", "org", "addr"])?;
    Ok(PostalInfo {
        kind: PostalInfoType::parse(el)?,
        name: el.require_text(NS, "name")?,
        org: el.child_text(NS, "org").filter(|s| !s.is_empty()),
        addr: parse_addr(el.require(NS, "addr")?)?,
    })
}

fn parse_postal_infos(el: &Element) -> Result<Vec<PostalInfo>, EppError> {
    let infos: Vec<PostalInfo> = el
        .children_named(NS, "postalInfo")
        .map(parse_postal_info)
        .collect::<Result<_, _>>()?;
    if infos.len() > 2 || (infos.len() == 2 && infos[0].kind == infos[1].kind) {
        return Err(EppError::syntax(
            "Command syntax error: contact:postalInfo at most once per type",
        ));
    }
    Ok(infos)
}

/// E.164 as RFC 5733 §2.5 writes it: `+` 1-3 digits `.` 1-14 digits.
fn parse_phone(el: &Element) -> Result<Phone, EppError> {
    let number = el.text();
    let valid = number
        .strip_prefix('+')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(cc, n)| {
            (1..=3).contains(&cc.len())
                && (1..=14).contains(&n.len())
                && cc.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit())
        });
    if !valid {
        return Err(EppError::bad_value(&el.qualified(), number));
    }
    Ok(Phone {
        number: number.to_owned(),
        ext: el.attr("x").filter(|x| !x.is_empty()).map(str::to_owned),
    })
}

fn parse_disclose(el: &Element) -> Result<Disclose, EppError> {
    el.expect_only(NS, &["name", "org", "addr", "voice", "fax", "email"])?;
    let flag = el
        .attr("flag")
        .ok_or_else(|| EppError::missing("contact:disclose flag"))?;
    let flag = parse_bool(flag).ok_or_else(|| EppError::bad_value("contact:disclose flag", flag))?;
    let typed = |name: &str| -> Result<Vec<PostalInfoType>, EppError> {
        el.children_named(NS, name).map(PostalInfoType::parse).collect()
    };
    Ok(Disclose {
        flag,
        name: typed("name")?,
        org: typed("org")?,
        addr: typed("addr")?,
        voice: el.child(NS, "voice").is_some(),
        fax: el.child(NS, "fax").is_some(),
        email: el.child(NS, "email").is_some(),
    })
}

fn parse_statuses(el: &Element) -> Result<Vec<ObjectStatus>, EppError> {
    el.expect_only(NS, &["status"])?;
    el.children_named(NS, "status")
        .map(|s| parse_status(s, Status::CONTACT))
        .collect()
}

fn parse_opt_auth(el: &Element) -> Result<Option<AuthInfo>, EppError> {
    el.child(NS, "authInfo").map(|a| parse_auth_info(a, NS)).transpose()
}

fn parse_opt_phone(el: &Element, name: &str) -> Result<Option<Phone>, EppError> {
    el.child(NS, name).map(parse_phone).transpose()
}

fn parse_chg(el: &Element) -> Result<ContactChg, EppError> {
    el.expect_only(NS, &["postalInfo", "voice", "fax", "email", "authInfo", "disclose"])?;
    let mut postal_info = Vec::new();
    for pi in el.children_named(NS, "postalInfo") {
        pi.expect_only(NS, &["name", "org", "addr"])?;
        postal_info.push(PostalInfoChg {
            kind: PostalInfoType::parse(pi)?,
            name: pi.child_text(NS, "name").filter(|s| !s.is_empty()),
            org: pi
                .child(NS, "org")
                .map(|o| Some(o.text().to_owned()).filter(|s| !s.is_empty())),
            addr: pi.child(NS, "addr").map(parse_addr).transpose()?,
        });
    }
    let phone = |name: &str| -> Result<Option<Option<Phone>>, EppError> {
        match el.child(NS, name) {
            None => Ok(None),
            Some(p) if p.text().is_empty() => Ok(Some(None)),
            Some(p) => Ok(Some(Some(parse_phone(p)?))),
        }
    };
    Ok(ContactChg {
        postal_info,
        voice: phone("voice")?,
        fax: phone("fax")?,
        email: el.child_text(NS, "email"),
        auth_info: parse_opt_auth(el)?,
        disclose: el.child(NS, "disclose").map(parse_disclose).transpose()?,
    })
}

/// Parses the `<contact:…>` element under a command verb.
pub(crate) fn parse_command(el: &Element, op: Option<TransferOp>) -> Result<ContactCommand, EppError> {
    Ok(match el.name.as_str() {
        "check" => {
            el.expect_only(NS, &["id"])?;
            let ids = el
                .children_named(NS, "id")
                .map(|n| {
                    check_id("contact:id", n.text())?;
                    Ok(n.text().to_owned())
                })
                .collect::<Result<Vec<_>, EppError>>()?;
            if ids.is_empty() {
                return Err(EppError::missing("contact:id"));
            }
            ContactCommand::Check { ids }
        }
        "info" => {
            el.expect_only(NS, &["id", "authInfo"])?;
            ContactCommand::Info {
                id: parse_id(el)?,
                auth_info: parse_opt_auth(el)?,
            }
        }
        "create" => {
            el.expect_only(
                NS,
                &["id", "postalInfo", "voice", "fax", "email", "authInfo", "disclose"],
            )?;
            let postal_info = parse_postal_infos(el)?;
            if postal_info.is_empty() {
                return Err(EppError::missing("contact:postalInfo"));
            }
            ContactCommand::Create(Box::new(ContactCreate {
                id: parse_id(el)?,
                postal_info,
                voice: parse_opt_phone(el, "voice")?,
                fax: parse_opt_phone(el, "fax")?,
                email: el.require_text(NS, "email")?,
                auth_info: parse_auth_info(el.require(NS, "authInfo")?, NS)?,
                disclose: el.child(NS, "disclose").map(parse_disclose).transpose()?,
            }))
        }
        "delete" => {
            el.expect_only(NS, &["id"])?;
            ContactCommand::Delete { id: parse_id(el)? }
        }
        "transfer" => {
            el.expect_only(NS, &["id", "authInfo"])?;
            ContactCommand::Transfer {
                op: op.ok_or_else(|| EppError::missing("transfer op"))?,
                id: parse_id(el)?,
                auth_info: parse_opt_auth(el)?,
            }
        }
        "update" => {
            el.expect_only(NS, &["id", "add", "rem", "chg"])?;
            let add = el.child(NS, "add").map(parse_statuses).transpose()?;
            let rem = el.child(NS, "rem").map(parse_statuses).transpose()?;
            let chg = el.child(NS, "chg").map(parse_chg).transpose()?;
            if add.is_none() && rem.is_none() && chg.is_none() {
                return Err(EppError::missing("contact:add, contact:rem or contact:chg"));
            }
            ContactCommand::Update(Box::new(ContactUpdate {
                id: parse_id(el)?,
                add: add.unwrap_or_default(),
                rem: rem.unwrap_or_default(),
                chg,
            }))
        }
        "renew" => {
            return Err(EppError::syntax(
                "Command syntax error: contact objects have no renew (RFC 5733 §3.2.3)",
            ))
        }
        other => {
            return Err(EppError::syntax(format!(
                "Command syntax error: contact:{other} is not a contact command"
            )))
        }
    })
}

fn write_addr(w: &mut XmlWriter, a: &Address) {
    w.open("contact:addr", &[]);
    for s in &a.street {
        w.leaf("contact:street", s);
    }
    w.leaf("contact:city", &a.city);
    w.opt_leaf("contact:sp", a.sp.as_deref());
    w.opt_leaf("contact:pc", a.pc.as_deref());
    w.leaf("contact:cc", &a.cc);
    w.close("contact:addr");
}

fn write_postal_info(w: &mut XmlWriter, pi: &PostalInfo) {
    w.open("contact:postalInfo", &[("type", pi.kind.as_str())]);
    w.leaf("contact:name", &pi.name);
    w.opt_leaf("contact:org", pi.org.as_deref());
    write_addr(w, &pi.addr);
    w.close("contact:postalInfo");
}

fn write_phone(w: &mut XmlWriter, name: &str, p: &Phone) {
    match &p.ext {
        Some(x) => w.leaf_with(name, &[("x", x)], &p.number),
        None => w.leaf(name, &p.number),
    }
}

fn write_disclose(w: &mut XmlWriter, d: &Disclose) {
    w.open("contact:disclose", &[("flag", if d.flag { "1" } else { "0" })]);
    for (name, kinds) in [
        ("contact:name", &d.name),
        ("contact:org", &d.org),
        ("contact:addr", &d.addr),
    ] {
        for k in kinds {
            w.empty(name, &[("type", k.as_str())]);
        }
    }
    for (name, on) in [
        ("contact:voice", d.voice),
        ("contact:fax", d.fax),
        ("contact:email", d.email),
    ] {
        if on {
            w.empty(name, &[]);
        }
    }
    w.close("contact:disclose");
}

fn write_statuses(w: &mut XmlWriter, tag: &str, statuses: &[ObjectStatus]) {
    if statuses.is_empty() {
        return;
    }
    w.open(tag, &[]);
    for s in statuses {
        write_status(w, P, s);
    }
    w.close(tag);
}

impl ContactCommand {
    /// The command verb (RFC 5730 §2.9.2-2.9.3).
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Check { .. } => "check",
            Self::Info { .. } => "info",
            Self::Create(_) => "create",
            Self::Delete { .. } => "delete",
            Self::Transfer { .. } => "transfer",
            Self::Update(_) => "update",
        }
    }

    pub(crate) fn transfer_op(&self) -> Option<TransferOp> {
        match self {
            Self::Transfer { op, .. } => Some(*op),
            _ => None,
        }
    }

    /// Writes `<contact:VERB xmlns:contact="…">…</contact:VERB>`.
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        let outer = format!("{P}:{}", self.verb());
        w.open(&outer, &[("xmlns:contact", NS)]);
        match self {
            Self::Check { ids } => {
                for id in ids {
                    w.leaf("contact:id", id);
                }
            }
            Self::Info { id, auth_info } | Self::Transfer { id, auth_info, .. } => {
                w.leaf("contact:id", id);
                if let Some(a) = auth_info {
                    write_auth_info(w, P, a);
                }
            }
            Self::Delete { id } => w.leaf("contact:id", id),
            Self::Create(c) => {
                w.leaf("contact:id", &c.id);
                for pi in &c.postal_info {
                    write_postal_info(w, pi);
                }
                if let Some(p) = &c.voice {
                    write_phone(w, "contact:voice", p);
                }
                if let Some(p) = &c.fax {
                    write_phone(w, "contact:fax", p);
                }
                w.leaf("contact:email", &c.email);
                write_auth_info(w, P, &c.auth_info);
                if let Some(d) = &c.disclose {
                    write_disclose(w, d);
                }
            }
            Self::Update(u) => {
                w.leaf("contact:id", &u.id);
                write_statuses(w, "contact:add", &u.add);
                write_statuses(w, "contact:rem", &u.rem);
                if let Some(chg) = &u.chg {
                    w.open("contact:chg", &[]);
                    for pi in &chg.postal_info {
                        w.open("contact:postalInfo", &[("type", pi.kind.as_str())]);
                        w.opt_leaf("contact:name", pi.name.as_deref());
                        match &pi.org {
                            Some(Some(o)) => w.leaf("contact:org", o),
                            Some(None) => w.empty("contact:org", &[]),
                            None => {}
                        }
                        if let Some(a) = &pi.addr {
                            write_addr(w, a);
                        }
                        w.close("contact:postalInfo");
                    }
                    for (name, phone) in [("contact:voice", &chg.voice), ("contact:fax", &chg.fax)] {
                        match phone {
                            Some(Some(p)) => write_phone(w, name, p),
                            Some(None) => w.empty(name, &[]),
                            None => {}
                        }
                    }
                    w.opt_leaf("contact:email", chg.email.as_deref());
                    if let Some(a) = &chg.auth_info {
                        write_auth_info(w, P, a);
                    }
                    if let Some(d) = &chg.disclose {
                        write_disclose(w, d);
                    }
                    w.close("contact:chg");
                }
            }
        }
        w.close(&outer);
    }
}

/// Parses a `<contact:…Data>` element of `<resData>` (client side).
pub(crate) fn parse_res_data(el: &Element) -> Result<ContactResData, EppError> {
    Ok(match el.name.as_str() {
        "chkData" => ContactResData::Check(parse_check_data(el, NS, "id")?),
        "infData" => ContactResData::Info(Box::new(ContactInfData {
            id: el.require_text(NS, "id")?,
            roid: el.require_text(NS, "roid")?,
            statuses: el
                .children_named(NS, "status")
                .map(|s| parse_status(s, Status::CONTACT))
                .collect::<Result<_, _>>()?,
            postal_info: parse_postal_infos(el)?,
            voice: parse_opt_phone(el, "voice")?,
            fax: parse_opt_phone(el, "fax")?,
            email: el.require_text(NS, "email")?,
            cl_id: el.require_text(NS, "clID")?,
            cr_id: el.child_text(NS, "crID"),
            cr_date: el.child_text(NS, "crDate"),
            up_id: el.child_text(NS, "upID"),
            up_date: el.child_text(NS, "upDate"),
            tr_date: el.child_text(NS, "trDate"),
            auth_info: parse_opt_auth(el)?,
            disclose: el.child(NS, "disclose").map(parse_disclose).transpose()?,
        })),
        "creData" => ContactResData::Create {
            id: el.require_text(NS, "id")?,
            cr_date: el.require_text(NS, "crDate")?,
        },
        "trnData" => ContactResData::Transfer(parse_transfer_data(el, NS, "id")?),
        "panData" => ContactResData::PendingAction(parse_pan_data(el, NS, "id")?),
        other => {
            return Err(EppError::syntax(format!(
                "Command syntax error: contact:{other} is not contact response data"
            )))
        }
    })
}

impl ContactResData {
    /// Writes the `<contact:…Data>` element.
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        let xmlns = [("xmlns:contact", NS)];
        match self {
            Self::Check(items) => write_check_data(w, P, NS, "id", items),
            Self::Info(d) => {
                w.open("contact:infData", &xmlns);
                w.leaf("contact:id", &d.id);
                w.leaf("contact:roid", &d.roid);
                for s in &d.statuses {
                    write_status(w, P, s);
                }
                for pi in &d.postal_info {
                    write_postal_info(w, pi);
                }
                if let Some(p) = &d.voice {
                    write_phone(w, "contact:voice", p);
                }
                if let Some(p) = &d.fax {
                    write_phone(w, "contact:fax", p);
                }
                w.leaf("contact:email", &d.email);
                w.leaf("contact:clID", &d.cl_id);
                w.opt_leaf("contact:crID", d.cr_id.as_deref());
                w.opt_leaf("contact:crDate", d.cr_date.as_deref());
                w.opt_leaf("contact:upID", d.up_id.as_deref());
                w.opt_leaf("contact:upDate", d.up_date.as_deref());
                w.opt_leaf("contact:trDate", d.tr_date.as_deref());
                if let Some(a) = &d.auth_info {
                    write_auth_info(w, P, a);
                }
                if let Some(disc) = &d.disclose {
                    write_disclose(w, disc);
                }
                w.close("contact:infData");
            }
            Self::Create { id, cr_date } => {
                w.open("contact:creData", &xmlns);
                w.leaf("contact:id", id);
                w.leaf("contact:crDate", cr_date);
                w.close("contact:creData");
            }
            Self::Transfer(t) => write_transfer_data(w, P, NS, "id", t),
            Self::PendingAction(d) => write_pan_data(w, P, NS, "id", d),
        }
    }
}
