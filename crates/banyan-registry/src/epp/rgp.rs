//! The redemption grace period extension (RFC 3915): restoring a deleted domain — a restore
//! request (`<rgp:restore op="request"/>`), then a restore report (`op="report"` with
//! `<rgp:report>`, RFC 3915 §4.2.5) — and the grace-period states shown in domain responses.

use super::error::EppError;
use super::xml::{qualified, Element, XmlWriter, RGP_NS};

const NS: &str = RGP_NS;

/// A grace-period state of a domain (RFC 3915 §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the RFC's value of the same name
pub enum RgpStatus {
    AddPeriod,
    AutoRenewPeriod,
    RenewPeriod,
    TransferPeriod,
    RedemptionPeriod,
    PendingRestore,
    PendingDelete,
}

impl RgpStatus {
    /// The `s` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AddPeriod => "addPeriod",
            Self::AutoRenewPeriod => "autoRenewPeriod",
            Self::RenewPeriod => "renewPeriod",
            Self::TransferPeriod => "transferPeriod",
            Self::RedemptionPeriod => "redemptionPeriod",
            Self::PendingRestore => "pendingRestore",
            Self::PendingDelete => "pendingDelete",
        }
    }

    /// The status spelt `s`.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "addPeriod" => Self::AddPeriod,
            "autoRenewPeriod" => Self::AutoRenewPeriod,
            "renewPeriod" => Self::RenewPeriod,
            "transferPeriod" => Self::TransferPeriod,
            "redemptionPeriod" => Self::RedemptionPeriod,
            "pendingRestore" => Self::PendingRestore,
            "pendingDelete" => Self::PendingDelete,
            _ => return None,
        })
    }
}

/// The RGP extension of a domain update (RFC 3915 §4.2.5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RgpUpdate {
    /// `<rgp:restore op="request"/>`: restore a domain in its redemption period.
    RestoreRequest,
    /// `<rgp:restore op="report">`: the restore report that completes a requested restore.
    RestoreReport(Box<RestoreReport>),
}

/// A restore report (RFC 3915 §4.2.5 `<rgp:report>`), its texts as sent.
///
/// Wire format: `<rgp:report>` holding, in order, `<rgp:preData>`, `<rgp:postData>`,
/// `<rgp:delTime>`, `<rgp:resTime>` (XML Schema `dateTime`), `<rgp:resReason>`, one or two
/// `<rgp:statement>` and an optional `<rgp:other>`. `preData` and `postData` may hold XML as
/// well as text: what they hold is kept as XML text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RestoreReport {
    /// `<rgp:preData>`: the registration data before the delete.
    pub pre_data: String,
    /// `<rgp:postData>`: the registration data at the time of the report.
    pub post_data: String,
    /// `<rgp:delTime>`: when the delete was requested.
    pub del_time: String,
    /// `<rgp:resTime>`: when the restore was requested.
    pub res_time: String,
    /// `<rgp:resReason>`: why the domain is restored.
    pub res_reason: String,
    /// `<rgp:statement>`s, one or two.
    pub statements: Vec<String>,
    /// `<rgp:other>`: anything else.
    pub other: Option<String>,
}

/// The RGP extension of a domain response (RFC 3915 §4.1.2, §4.2.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RgpResponse {
    /// `<rgp:infData>` in a domain info response.
    Info(Vec<RgpStatus>),
    /// `<rgp:upData>` in a domain update response.
    Update(Vec<RgpStatus>),
}

/// Parses `<rgp:update>`.
pub(crate) fn parse_update(el: &Element) -> Result<RgpUpdate, EppError> {
    el.expect_only(NS, &["restore"])?;
    let restore = el.require(NS, "restore")?;
    match restore.attr("op") {
        Some("request") => {
            restore.expect_only(NS, &[])?;
            Ok(RgpUpdate::RestoreRequest)
        }
        Some("report") => {
            restore.expect_only(NS, &["report"])?;
            let report = parse_report(restore.require(NS, "report")?)?;
            Ok(RgpUpdate::RestoreReport(Box::new(report)))
        }
        Some(other) => Err(EppError::bad_value("rgp:restore op", other)),
        None => Err(EppError::missing("rgp:restore op")),
    }
}

/// Parses `<rgp:report>` (RFC 3915 §4.2.5): every element but `<rgp:other>` is required,
/// `<rgp:statement>` once or twice.
fn parse_report(el: &Element) -> Result<RestoreReport, EppError> {
    el.expect_only(
        NS,
        &[
            "preData",
            "postData",
            "delTime",
            "resTime",
            "resReason",
            "statement",
            "other",
        ],
    )?;
    let statements: Vec<String> = el
        .children_named(NS, "statement")
        .map(|s| s.text().to_owned())
        .collect();
    if statements.is_empty() {
        return Err(EppError::missing("rgp:statement"));
    }
    if statements.len() > 2 {
        return Err(EppError::syntax(
            "Command syntax error: at most two rgp:statement elements".to_owned(),
        ));
    }
    Ok(RestoreReport {
        pre_data: mixed(el.require(NS, "preData")?),
        post_data: mixed(el.require(NS, "postData")?),
        del_time: date_time(el, "delTime")?,
        res_time: date_time(el, "resTime")?,
        res_reason: el.require_text(NS, "resReason")?,
        statements,
        other: el.child(NS, "other").map(mixed),
    })
}

/// The content of an RFC 3915 `mixedType` element (free text, XML, or both) as text: the
/// text as it is, child elements written back as XML.
fn mixed(el: &Element) -> String {
    if el.children.is_empty() {
        return el.text().to_owned();
    }
    let mut w = XmlWriter::fragment();
    w.text(el.text());
    for c in &el.children {
        write_element(&mut w, c);
    }
    w.finish()
}

fn write_element(w: &mut XmlWriter, el: &Element) {
    let name = qualified(&el.ns, &el.name);
    let attrs: Vec<(&str, &str)> = el.attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if el.children.is_empty() {
        w.leaf_with(&name, &attrs, el.text());
        return;
    }
    w.open(&name, &attrs);
    w.text(el.text());
    for c in &el.children {
        write_element(w, c);
    }
    w.close(&name);
}

/// A required XML Schema `dateTime` (`2003-07-10T22:00:00.0Z`): a date, `T`, a time.
fn date_time(el: &Element, name: &str) -> Result<String, EppError> {
    let text = el.require_text(NS, name)?;
    let well_formed = text.len() >= 19
        && text.is_char_boundary(10)
        && crate::time::Date::parse(&text[..10]).is_some()
        && text.as_bytes()[10] == b'T'
        && text.as_bytes()[13] == b':'
        && text.as_bytes()[16] == b':';
    if !well_formed {
        return Err(EppError::bad_value(&format!("rgp:{name}"), &text));
    }
    Ok(text)
}

/// Parses `<rgp:infData>` or `<rgp:upData>`.
pub(crate) fn parse_response(el: &Element) -> Result<RgpResponse, EppError> {
    let statuses = el
        .children_named(NS, "rgpStatus")
        .map(|s| {
            let v = s.attr("s").ok_or_else(|| EppError::missing("rgp:rgpStatus s"))?;
            RgpStatus::from_name(v).ok_or_else(|| EppError::bad_value("rgp:rgpStatus", v))
        })
        .collect::<Result<Vec<_>, _>>()?;
    match el.name.as_str() {
        "infData" => Ok(RgpResponse::Info(statuses)),
        "upData" => Ok(RgpResponse::Update(statuses)),
        other => Err(EppError::syntax(format!(
            "Command syntax error: rgp:{other} is not RGP response data"
        ))),
    }
}

impl RgpUpdate {
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("rgp:update", &[("xmlns:rgp", NS)]);
        match self {
            Self::RestoreRequest => w.empty("rgp:restore", &[("op", "request")]),
            Self::RestoreReport(r) => {
                w.open("rgp:restore", &[("op", "report")]);
                w.open("rgp:report", &[]);
                w.leaf("rgp:preData", &r.pre_data);
                w.leaf("rgp:postData", &r.post_data);
                w.leaf("rgp:delTime", &r.del_time);
                w.leaf("rgp:resTime", &r.res_time);
                w.leaf("rgp:resReason", &r.res_reason);
                for s in &r.statements {
                    w.leaf("rgp:statement", s);
                }
                w.opt_leaf("rgp:other", r.other.as_deref());
                w.close("rgp:report");
                w.close("rgp:restore");
            }
        }
        w.close("rgp:update");
    }
}

impl RgpResponse {
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        let (tag, statuses) = match self {
            Self::Info(s) => ("rgp:infData", s),
            Self::Update(s) => ("rgp:upData", s),
        };
        w.open(tag, &[("xmlns:rgp", NS)]);
        for s in statuses {
            w.empty("rgp:rgpStatus", &[("s", s.as_str())]);
        }
        w.close(tag);
    }
}
