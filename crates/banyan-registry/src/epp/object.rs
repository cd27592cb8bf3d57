//! What the domain, host and contact mappings share: authorization information, periods,
//! statuses, check results, transfer data and pending-action notices (RFC 5731 §2-3,
//! RFC 5732 §2-3, RFC 5733 §2-3, after the common types of RFC 5730 §2.9).

use std::fmt;

use super::error::EppError;
use super::xml::{qualified, Element, XmlWriter};

/// Authorization information for an object (RFC 5731 §2.6, RFC 5733 §2.8): a password, which
/// a registrar other than the sponsor must show to transfer or see the object.
///
/// Wire format: `<domain:authInfo><domain:pw roid="…">secret</domain:pw></domain:authInfo>`.
/// The `<domain:ext>` form (an extension-defined credential) is answered with 2102.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AuthInfo {
    /// The password (`<pw>`).
    pub password: String,
    /// The `roid` attribute: the repository object ID of a contact whose password this is
    /// (RFC 5731 §3.1.2), for a domain's authInfo given on behalf of its registrant.
    pub roid: Option<String>,
}

impl AuthInfo {
    /// A plain password.
    pub fn password(password: impl Into<String>) -> Self {
        Self {
            password: password.into(),
            roid: None,
        }
    }
}

/// Reads `<p:authInfo>` in namespace `ns`.
pub(crate) fn parse_auth_info(el: &Element, ns: &str) -> Result<AuthInfo, EppError> {
    if el.child(ns, "ext").is_some() {
        return Err(EppError::new(
            super::error::ResultCode::UNIMPLEMENTED_OPTION,
            format!(
                "Unimplemented option: {} (only passwords are supported)",
                qualified(ns, "ext")
            ),
        ));
    }
    el.expect_only(ns, &["pw"])?;
    let pw = el.require(ns, "pw")?;
    Ok(AuthInfo {
        // Passwords are compared as given: no trimming beyond XML's.
        password: pw.text.clone(),
        roid: pw.attr("roid").map(str::to_owned),
    })
}

/// Writes `<p:authInfo>` with prefix `p`.
pub(crate) fn write_auth_info(w: &mut XmlWriter, p: &str, auth: &AuthInfo) {
    let outer = format!("{p}:authInfo");
    w.open(&outer, &[]);
    let pw = format!("{p}:pw");
    match &auth.roid {
        Some(roid) => w.leaf_with(&pw, &[("roid", roid)], &auth.password),
        None => w.leaf(&pw, &auth.password),
    }
    w.close(&outer);
}

/// The unit of a registration period (RFC 5731 §2.5): `y` years or `m` months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeriodUnit {
    /// `unit="y"`.
    Year,
    /// `unit="m"`.
    Month,
}

/// A registration or renewal period (RFC 5731 §2.5): 1 to 99 units.
///
/// Wire format: `<domain:period unit="y">2</domain:period>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    /// How many units, 1 to 99.
    pub value: u8,
    /// Years or months.
    pub unit: PeriodUnit,
}

impl Period {
    /// `n` years.
    pub fn years(n: u8) -> Self {
        Self {
            value: n,
            unit: PeriodUnit::Year,
        }
    }

    /// The period in months (what a registry adds to an expiry date).
    pub fn months(&self) -> u32 {
        match self.unit {
            PeriodUnit::Year => u32::from(self.value) * 12,
            PeriodUnit::Month => u32::from(self.value),
        }
    }
}

pub(crate) fn parse_period(el: &Element) -> Result<Period, EppError> {
    let unit = match el.attr("unit") {
        Some("y") => PeriodUnit::Year,
        Some("m") => PeriodUnit::Month,
        Some(other) => return Err(EppError::bad_value("period unit", other)),
        None => return Err(EppError::missing(&format!("{} unit", el.qualified()))),
    };
    let value: u8 = el
        .text()
        .parse()
        .ok()
        .filter(|v| (1..=99).contains(v))
        .ok_or_else(|| EppError::bad_value("period", el.text()))?;
    Ok(Period { value, unit })
}

pub(crate) fn write_period(w: &mut XmlWriter, p: &str, period: &Period) {
    let unit = match period.unit {
        PeriodUnit::Year => "y",
        PeriodUnit::Month => "m",
    };
    w.leaf_with(&format!("{p}:period"), &[("unit", unit)], &period.value.to_string());
}

/// An object status value (RFC 5731 §2.3, RFC 5732 §2.3, RFC 5733 §2.2).
///
/// Each mapping allows a subset: see [`Status::DOMAIN`], [`Status::HOST`], [`Status::CONTACT`].
/// Clients may add and remove only the `client*` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)] // each variant is the RFC's value of the same name
pub enum Status {
    ClientDeleteProhibited,
    ClientHold,
    ClientRenewProhibited,
    ClientTransferProhibited,
    ClientUpdateProhibited,
    Inactive,
    Linked,
    Ok,
    PendingCreate,
    PendingDelete,
    PendingRenew,
    PendingTransfer,
    PendingUpdate,
    ServerDeleteProhibited,
    ServerHold,
    ServerRenewProhibited,
    ServerTransferProhibited,
    ServerUpdateProhibited,
}

impl Status {
    const ALL: [(Status, &'static str); 18] = [
        (Status::ClientDeleteProhibited, "clientDeleteProhibited"),
        (Status::ClientHold, "clientHold"),
        (Status::ClientRenewProhibited, "clientRenewProhibited"),
        (Status::ClientTransferProhibited, "clientTransferProhibited"),
        (Status::ClientUpdateProhibited, "clientUpdateProhibited"),
        (Status::Inactive, "inactive"),
        (Status::Linked, "linked"),
        (Status::Ok, "ok"),
        (Status::PendingCreate, "pendingCreate"),
        (Status::PendingDelete, "pendingDelete"),
        (Status::PendingRenew, "pendingRenew"),
        (Status::PendingTransfer, "pendingTransfer"),
        (Status::PendingUpdate, "pendingUpdate"),
        (Status::ServerDeleteProhibited, "serverDeleteProhibited"),
        (Status::ServerHold, "serverHold"),
        (Status::ServerRenewProhibited, "serverRenewProhibited"),
        (Status::ServerTransferProhibited, "serverTransferProhibited"),
        (Status::ServerUpdateProhibited, "serverUpdateProhibited"),
    ];

    /// The statuses a domain may have (RFC 5731 §2.3).
    pub const DOMAIN: &'static [Status] = &[
        Status::ClientDeleteProhibited,
        Status::ClientHold,
        Status::ClientRenewProhibited,
        Status::ClientTransferProhibited,
        Status::ClientUpdateProhibited,
        Status::Inactive,
        Status::Ok,
        Status::PendingCreate,
        Status::PendingDelete,
        Status::PendingRenew,
        Status::PendingTransfer,
        Status::PendingUpdate,
        Status::ServerDeleteProhibited,
        Status::ServerHold,
        Status::ServerRenewProhibited,
        Status::ServerTransferProhibited,
        Status::ServerUpdateProhibited,
    ];

    /// The statuses a host may have (RFC 5732 §2.3).
    pub const HOST: &'static [Status] = &[
        Status::ClientDeleteProhibited,
        Status::ClientUpdateProhibited,
        Status::Linked,
        Status::Ok,
        Status::PendingCreate,
        Status::PendingDelete,
        Status::PendingTransfer,
        Status::PendingUpdate,
        Status::ServerDeleteProhibited,
        Status::ServerUpdateProhibited,
    ];

    /// The statuses a contact may have (RFC 5733 §2.2).
    pub const CONTACT: &'static [Status] = &[
        Status::ClientDeleteProhibited,
        Status::ClientTransferProhibited,
        Status::ClientUpdateProhibited,
        Status::Linked,
        Status::Ok,
        Status::PendingCreate,
        Status::PendingDelete,
        Status::PendingTransfer,
        Status::PendingUpdate,
        Status::ServerDeleteProhibited,
        Status::ServerTransferProhibited,
        Status::ServerUpdateProhibited,
    ];

    /// The value as written in the `s` attribute.
    pub fn as_str(self) -> &'static str {
        Self::ALL.iter().find(|(s, _)| *s == self).map_or("ok", |(_, t)| t)
    }

    /// The status spelt `s`, if any.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, t)| *t == s).map(|(st, _)| *st)
    }

    /// True for the `client*` values, the only ones a client may set (RFC 5731 §2.3).
    pub fn is_client_settable(self) -> bool {
        self.as_str().starts_with("client")
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status as carried in a command or an info response (RFC 5731 §2.3): the value and an
/// optional free-text reason with its language.
///
/// Wire format: `<domain:status s="clientHold" lang="en">Payment overdue.</domain:status>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectStatus {
    /// The status value.
    pub status: Status,
    /// The `lang` attribute of the reason (default `en`).
    pub lang: Option<String>,
    /// The free-text reason, if any.
    pub text: Option<String>,
}

impl ObjectStatus {
    /// A status with no reason.
    pub fn new(status: Status) -> Self {
        Self {
            status,
            lang: None,
            text: None,
        }
    }
}

pub(crate) fn parse_status(el: &Element, allowed: &[Status]) -> Result<ObjectStatus, EppError> {
    let s = el
        .attr("s")
        .ok_or_else(|| EppError::missing(&format!("{} s", el.qualified())))?;
    let status = Status::from_name(s)
        .filter(|st| allowed.contains(st))
        .ok_or_else(|| EppError::bad_value(&el.qualified(), s))?;
    let text = Some(el.text()).filter(|t| !t.is_empty()).map(str::to_owned);
    Ok(ObjectStatus {
        status,
        lang: el.attr("lang").map(str::to_owned),
        text,
    })
}

pub(crate) fn write_status(w: &mut XmlWriter, p: &str, st: &ObjectStatus) {
    let name = format!("{p}:status");
    let mut attrs = vec![("s", st.status.as_str())];
    if let Some(lang) = &st.lang {
        attrs.push(("lang", lang));
    }
    match &st.text {
        Some(text) => w.leaf_with(&name, &attrs, text),
        None => w.empty(&name, &attrs),
    }
}

/// One answer of a `<check>` (RFC 5731 §3.1.1, RFC 5732 §3.1.1, RFC 5733 §3.1.1): whether
/// the name (or contact ID) can be provisioned, and why not.
///
/// Wire format: `<domain:cd><domain:name avail="0">example.com</domain:name>
/// <domain:reason>In use</domain:reason></domain:cd>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// The domain or host name, or the contact ID.
    pub name: String,
    /// True when the object can be created.
    pub available: bool,
    /// Why it cannot, if the server says.
    pub reason: Option<String>,
}

pub(crate) fn parse_check_data(el: &Element, ns: &str, key: &str) -> Result<Vec<CheckResult>, EppError> {
    let mut out = Vec::new();
    for cd in el.children_named(ns, "cd") {
        let name_el = cd.require(ns, key)?;
        let available = parse_bool(name_el.attr("avail").ok_or_else(|| EppError::missing("avail"))?)
            .ok_or_else(|| EppError::bad_value("avail", name_el.attr("avail").unwrap_or("")))?;
        out.push(CheckResult {
            name: name_el.text().to_owned(),
            available,
            reason: cd.child_text(ns, "reason"),
        });
    }
    Ok(out)
}

pub(crate) fn write_check_data(w: &mut XmlWriter, p: &str, ns: &str, key: &str, items: &[CheckResult]) {
    let chk = format!("{p}:chkData");
    w.open(&chk, &[(&format!("xmlns:{p}"), ns)]);
    let cd = format!("{p}:cd");
    for item in items {
        w.open(&cd, &[]);
        w.leaf_with(
            &format!("{p}:{key}"),
            &[("avail", if item.available { "1" } else { "0" })],
            &item.name,
        );
        w.opt_leaf(&format!("{p}:reason"), item.reason.as_deref());
        w.close(&cd);
    }
    w.close(&chk);
}

/// XML Schema `boolean`.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

/// The operation of a `<transfer>` command (RFC 5730 §2.9.3.4): the `op` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransferOp {
    /// `op="request"`: the gaining registrar asks for the object.
    Request,
    /// `op="approve"`: the losing registrar agrees.
    Approve,
    /// `op="reject"`: the losing registrar refuses.
    Reject,
    /// `op="cancel"`: the gaining registrar withdraws its request.
    Cancel,
    /// `op="query"`: the state of a pending or recent transfer.
    Query,
}

impl TransferOp {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Cancel => "cancel",
            Self::Query => "query",
        }
    }

    /// The operation spelt `s`.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "request" => Self::Request,
            "approve" => Self::Approve,
            "reject" => Self::Reject,
            "cancel" => Self::Cancel,
            "query" => Self::Query,
            _ => return None,
        })
    }
}

/// The state of a transfer (RFC 5730 §2.9.3.4, `trStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the RFC's value of the same name
pub enum TransferStatus {
    ClientApproved,
    ClientCancelled,
    ClientRejected,
    Pending,
    ServerApproved,
    ServerCancelled,
}

impl TransferStatus {
    /// The element text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientApproved => "clientApproved",
            Self::ClientCancelled => "clientCancelled",
            Self::ClientRejected => "clientRejected",
            Self::Pending => "pending",
            Self::ServerApproved => "serverApproved",
            Self::ServerCancelled => "serverCancelled",
        }
    }

    /// The status spelt `s`.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "clientApproved" => Self::ClientApproved,
            "clientCancelled" => Self::ClientCancelled,
            "clientRejected" => Self::ClientRejected,
            "pending" => Self::Pending,
            "serverApproved" => Self::ServerApproved,
            "serverCancelled" => Self::ServerCancelled,
            _ => return None,
        })
    }
}

/// The answer to a transfer command, and the body of a transfer poll message (RFC 5731
/// §3.2.4 `<domain:trnData>`, RFC 5733 §3.2.4 `<contact:trnData>`).
///
/// Dates are XML Schema `dateTime` strings in UTC (`2000-06-08T22:00:00.0Z`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferData {
    /// The domain name or contact ID.
    pub name: String,
    /// The transfer's state.
    pub tr_status: TransferStatus,
    /// The registrar that requested the transfer.
    pub re_id: String,
    /// When it was requested.
    pub re_date: String,
    /// The registrar that must act (approve or reject).
    pub ac_id: String,
    /// When the server acts unless the registrar does first.
    pub ac_date: String,
    /// The domain's expiry date if the transfer completes (domains only).
    pub ex_date: Option<String>,
}

pub(crate) fn parse_transfer_data(el: &Element, ns: &str, key: &str) -> Result<TransferData, EppError> {
    let status = el.require_text(ns, "trStatus")?;
    Ok(TransferData {
        name: el.require_text(ns, key)?,
        tr_status: TransferStatus::from_name(&status).ok_or_else(|| EppError::bad_value("trStatus", &status))?,
        re_id: el.require_text(ns, "reID")?,
        re_date: el.require_text(ns, "reDate")?,
        ac_id: el.require_text(ns, "acID")?,
        ac_date: el.require_text(ns, "acDate")?,
        ex_date: el.child_text(ns, "exDate"),
    })
}

pub(crate) fn write_transfer_data(w: &mut XmlWriter, p: &str, ns: &str, key: &str, t: &TransferData) {
    let outer = format!("{p}:trnData");
    w.open(&outer, &[(&format!("xmlns:{p}"), ns)]);
    w.leaf(&format!("{p}:{key}"), &t.name);
    w.leaf(&format!("{p}:trStatus"), t.tr_status.as_str());
    w.leaf(&format!("{p}:reID"), &t.re_id);
    w.leaf(&format!("{p}:reDate"), &t.re_date);
    w.leaf(&format!("{p}:acID"), &t.ac_id);
    w.leaf(&format!("{p}:acDate"), &t.ac_date);
    w.opt_leaf(&format!("{p}:exDate"), t.ex_date.as_deref());
    w.close(&outer);
}

/// A pending-action notice (RFC 5731 §3.3 `<domain:panData>`, likewise for hosts and
/// contacts), queued as a poll message when an action answered 1001 completes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingActionData {
    /// The object's name or ID.
    pub name: String,
    /// `paResult`: true when the action was carried out.
    pub pa_result: bool,
    /// The client transaction ID of the command that started it.
    pub pa_cl_trid: Option<String>,
    /// The server transaction ID of the command that started it.
    pub pa_sv_trid: String,
    /// When the action completed.
    pub pa_date: String,
}

pub(crate) fn parse_pan_data(el: &Element, ns: &str, key: &str) -> Result<PendingActionData, EppError> {
    let name = el.require(ns, key)?;
    let result = name
        .attr("paResult")
        .and_then(parse_bool)
        .ok_or_else(|| EppError::missing("paResult"))?;
    let trid = el.require(ns, "paTRID")?;
    Ok(PendingActionData {
        name: name.text().to_owned(),
        pa_result: result,
        pa_cl_trid: trid.child_text(super::xml::EPP_NS, "clTRID"),
        pa_sv_trid: trid.require_text(super::xml::EPP_NS, "svTRID")?,
        pa_date: el.require_text(ns, "paDate")?,
    })
}

pub(crate) fn write_pan_data(w: &mut XmlWriter, p: &str, ns: &str, key: &str, d: &PendingActionData) {
    let outer = format!("{p}:panData");
    w.open(&outer, &[(&format!("xmlns:{p}"), ns)]);
    w.leaf_with(
        &format!("{p}:{key}"),
        &[("paResult", if d.pa_result { "1" } else { "0" })],
        &d.name,
    );
    let trid = format!("{p}:paTRID");
    w.open(&trid, &[]);
    w.opt_leaf("clTRID", d.pa_cl_trid.as_deref());
    w.leaf("svTRID", &d.pa_sv_trid);
    w.close(&trid);
    w.leaf(&format!("{p}:paDate"), &d.pa_date);
    w.close(&outer);
}

/// 2005 unless `name` looks like a domain or host name: 1 to 253 octets of printable
/// non-space ASCII or Unicode (the registry applies its own policy later, with 2306 or
/// 2004). A final dot is tolerated and kept.
pub(crate) fn check_name(what: &str, name: &str) -> Result<(), EppError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && !name.contains("..")
        && name.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if ok {
        Ok(())
    } else {
        Err(EppError::bad_value(what, name))
    }
}

/// 2005 unless `id` is a client identifier (`eppcom:clIDType`: 3 to 16 characters) —
/// used for contact and registrar IDs.
pub(crate) fn check_id(what: &str, id: &str) -> Result<(), EppError> {
    let n = id.chars().count();
    if (3..=16).contains(&n) && id.chars().all(|c| !c.is_whitespace() && !c.is_control()) {
        Ok(())
    } else {
        Err(EppError::bad_value(what, id))
    }
}

/// 2005 unless `date` is an XML Schema `date` (`YYYY-MM-DD`).
pub(crate) fn check_date(what: &str, date: &str) -> Result<(), EppError> {
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let ok = b.len() == 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(
            &date[5..7],
            "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12"
        )
        && ("01"..="31").contains(&&date[8..10]);
    if ok {
        Ok(())
    } else {
        Err(EppError::bad_value(what, date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip() {
        for (s, t) in Status::ALL {
            assert_eq!(s.as_str(), t);
            assert_eq!(Status::from_name(t), Some(s));
        }
        assert!(Status::ClientHold.is_client_settable());
        assert!(!Status::ServerHold.is_client_settable());
    }

    #[test]
    fn dates() {
        assert!(check_date("d", "2000-04-03").is_ok());
        for bad in [
            "2000-4-3",
            "2000-13-01",
            "2000-00-10",
            "abcd-01-01",
            "2000-01-32",
            "2000-01-0é",
        ] {
            assert!(check_date("d", bad).is_err(), "{bad}");
        }
    }
}
