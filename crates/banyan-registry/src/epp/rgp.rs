//! The redemption grace period extension (RFC 3915): restoring a deleted domain, and the
//! grace-period states shown in domain responses.
//!
//! Only the restore request (`<rgp:restore op="request"/>`) parses; the restore report
//! (`op="report"`, RFC 3915 §4.2.5) is answered with 2102 "Unimplemented option": this
//! registry restores on request alone.

use super::error::{EppError, ResultCode};
use super::xml::{Element, XmlWriter, RGP_NS};

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RgpUpdate {
    /// `<rgp:restore op="request"/>`: restore a domain in its redemption period.
    RestoreRequest,
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
        Some("request") => Ok(RgpUpdate::RestoreRequest),
        Some("report") => Err(EppError::new(
            ResultCode::UNIMPLEMENTED_OPTION,
            "Unimplemented option: rgp:restore op=\"report\" (restores need only a request here)",
        )),
        Some(other) => Err(EppError::bad_value("rgp:restore op", other)),
        None => Err(EppError::missing("rgp:restore op")),
    }
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
        w.empty("rgp:restore", &[("op", "request")]);
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
