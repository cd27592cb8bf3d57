//! The server greeting (RFC 5730 §2.4): who the server is, what it speaks, and its data
//! collection policy.

use std::time::{SystemTime, UNIX_EPOCH};

use super::error::EppError;
use super::xml::{Element, XmlWriter, EPP_NS};

/// `<greeting>` (RFC 5730 §2.4), sent on connect and in answer to `<hello>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Greeting {
    /// `<svID>`: the server's name.
    pub sv_id: String,
    /// `<svDate>`: the server's current time (XML Schema `dateTime`, UTC). The server
    /// loop sets it when it sends the greeting.
    pub sv_date: String,
    /// `<svcMenu><version>`: protocol versions (`1.0`).
    pub versions: Vec<String>,
    /// `<svcMenu><lang>`: languages for `<msg>` texts.
    pub langs: Vec<String>,
    /// `<svcMenu><objURI>`: object services.
    pub obj_uris: Vec<String>,
    /// `<svcMenu><svcExtension><extURI>`: extensions.
    pub ext_uris: Vec<String>,
    /// `<dcp>`: the data collection policy.
    pub dcp: Dcp,
}

impl Greeting {
    /// A greeting from `sv_id` offering version 1.0 in English, the domain, host and
    /// contact mappings, secDNS-1.1 and RGP, and a policy of access to all data, collected
    /// for provisioning and administration, shared with the public, kept as stated.
    pub fn new(sv_id: impl Into<String>) -> Self {
        use super::xml::{CONTACT_NS, DOMAIN_NS, HOST_NS, RGP_NS, SECDNS_NS};
        Self {
            sv_id: sv_id.into(),
            sv_date: date_time(SystemTime::now()),
            versions: vec!["1.0".to_owned()],
            langs: vec!["en".to_owned()],
            obj_uris: vec![DOMAIN_NS.to_owned(), HOST_NS.to_owned(), CONTACT_NS.to_owned()],
            ext_uris: vec![SECDNS_NS.to_owned(), RGP_NS.to_owned()],
            dcp: Dcp {
                access: DcpAccess::All,
                statements: vec![DcpStatement {
                    purposes: vec![DcpPurpose::Admin, DcpPurpose::Prov],
                    recipients: vec![DcpRecipient::Ours, DcpRecipient::Public],
                    retention: DcpRetention::Stated,
                }],
                expiry: None,
            },
        }
    }

    /// Writes the greeting as an XML document.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::document();
        w.open("epp", &[("xmlns", EPP_NS)]);
        w.open("greeting", &[]);
        w.leaf("svID", &self.sv_id);
        w.leaf("svDate", &self.sv_date);
        w.open("svcMenu", &[]);
        for v in &self.versions {
            w.leaf("version", v);
        }
        for l in &self.langs {
            w.leaf("lang", l);
        }
        for u in &self.obj_uris {
            w.leaf("objURI", u);
        }
        if !self.ext_uris.is_empty() {
            w.open("svcExtension", &[]);
            for u in &self.ext_uris {
                w.leaf("extURI", u);
            }
            w.close("svcExtension");
        }
        w.close("svcMenu");
        self.dcp.write(&mut w);
        w.close("greeting");
        w.close("epp");
        w.finish()
    }

    /// Reads `<greeting>` (client side).
    pub(crate) fn parse_element(el: &Element) -> Result<Self, EppError> {
        let menu = el.require(EPP_NS, "svcMenu")?;
        let texts = |parent: &Element, name: &str| -> Vec<String> {
            parent
                .children_named(EPP_NS, name)
                .map(|e| e.text().to_owned())
                .collect()
        };
        Ok(Self {
            sv_id: el.require_text(EPP_NS, "svID")?,
            sv_date: el.require_text(EPP_NS, "svDate")?,
            versions: texts(menu, "version"),
            langs: texts(menu, "lang"),
            obj_uris: texts(menu, "objURI"),
            ext_uris: menu
                .child(EPP_NS, "svcExtension")
                .map(|e| texts(e, "extURI"))
                .unwrap_or_default(),
            dcp: Dcp::parse(el.require(EPP_NS, "dcp")?)?,
        })
    }
}

/// The data collection policy (RFC 5730 §2.4, `<dcp>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dcp {
    /// `<access>`: what data clients can see.
    pub access: DcpAccess,
    /// `<statement>`s: why data is collected, who receives it, how long it is kept.
    pub statements: Vec<DcpStatement>,
    /// `<expiry>`: when the policy expires, if it does.
    pub expiry: Option<DcpExpiry>,
}

/// `<access>` of the data collection policy (RFC 5730 §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the RFC's element of the same name
pub enum DcpAccess {
    All,
    None,
    Null,
    Personal,
    PersonalAndOther,
    Other,
}

/// One `<statement>` of the data collection policy (RFC 5730 §2.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DcpStatement {
    /// `<purpose>`.
    pub purposes: Vec<DcpPurpose>,
    /// `<recipient>`.
    pub recipients: Vec<DcpRecipient>,
    /// `<retention>`.
    pub retention: DcpRetention,
}

/// A `<purpose>` of data collection (RFC 5730 §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the RFC's element of the same name
pub enum DcpPurpose {
    Admin,
    Contact,
    Prov,
    Other,
}

/// A `<recipient>` of collected data (RFC 5730 §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the RFC's element of the same name
pub enum DcpRecipient {
    Other,
    Ours,
    Public,
    Same,
    Unrelated,
}

/// `<retention>` of collected data (RFC 5730 §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the RFC's element of the same name
pub enum DcpRetention {
    Business,
    Indefinite,
    Legal,
    None,
    Stated,
}

/// `<expiry>` of the data collection policy (RFC 5730 §2.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DcpExpiry {
    /// `<absolute>`: a `dateTime`.
    Absolute(String),
    /// `<relative>`: an XML Schema `duration` (`P1M`).
    Relative(String),
}

const ACCESS: [(DcpAccess, &str); 6] = [
    (DcpAccess::All, "all"),
    (DcpAccess::None, "none"),
    (DcpAccess::Null, "null"),
    (DcpAccess::Personal, "personal"),
    (DcpAccess::PersonalAndOther, "personalAndOther"),
    (DcpAccess::Other, "other"),
];
const PURPOSE: [(DcpPurpose, &str); 4] = [
    (DcpPurpose::Admin, "admin"),
    (DcpPurpose::Contact, "contact"),
    (DcpPurpose::Prov, "prov"),
    (DcpPurpose::Other, "other"),
];
const RECIPIENT: [(DcpRecipient, &str); 5] = [
    (DcpRecipient::Other, "other"),
    (DcpRecipient::Ours, "ours"),
    (DcpRecipient::Public, "public"),
    (DcpRecipient::Same, "same"),
    (DcpRecipient::Unrelated, "unrelated"),
];
const RETENTION: [(DcpRetention, &str); 5] = [
    (DcpRetention::Business, "business"),
    (DcpRetention::Indefinite, "indefinite"),
    (DcpRetention::Legal, "legal"),
    (DcpRetention::None, "none"),
    (DcpRetention::Stated, "stated"),
];

fn name_of<T: PartialEq + Copy>(table: &[(T, &'static str)], v: T) -> &'static str {
    table.iter().find(|(t, _)| *t == v).map_or("", |(_, n)| n)
}

fn value_of<T: Copy>(table: &[(T, &'static str)], el: &Element) -> Result<T, EppError> {
    table
        .iter()
        .find(|(_, n)| el.ns == EPP_NS && *n == el.name)
        .map(|(t, _)| *t)
        .ok_or_else(|| EppError::bad_value("dcp", &el.qualified()))
}

impl Dcp {
    fn write(&self, w: &mut XmlWriter) {
        w.open("dcp", &[]);
        w.open("access", &[]);
        w.empty(name_of(&ACCESS, self.access), &[]);
        w.close("access");
        for s in &self.statements {
            w.open("statement", &[]);
            w.open("purpose", &[]);
            for p in &s.purposes {
                w.empty(name_of(&PURPOSE, *p), &[]);
            }
            w.close("purpose");
            w.open("recipient", &[]);
            for r in &s.recipients {
                w.empty(name_of(&RECIPIENT, *r), &[]);
            }
            w.close("recipient");
            w.open("retention", &[]);
            w.empty(name_of(&RETENTION, s.retention), &[]);
            w.close("retention");
            w.close("statement");
        }
        match &self.expiry {
            Some(DcpExpiry::Absolute(t)) => {
                w.open("expiry", &[]);
                w.leaf("absolute", t);
                w.close("expiry");
            }
            Some(DcpExpiry::Relative(t)) => {
                w.open("expiry", &[]);
                w.leaf("relative", t);
                w.close("expiry");
            }
            None => {}
        }
        w.close("dcp");
    }

    fn parse(el: &Element) -> Result<Self, EppError> {
        let access = value_of(&ACCESS, el.require(EPP_NS, "access")?.only_child()?)?;
        let mut statements = Vec::new();
        for s in el.children_named(EPP_NS, "statement") {
            statements.push(DcpStatement {
                purposes: s
                    .require(EPP_NS, "purpose")?
                    .children
                    .iter()
                    .map(|p| value_of(&PURPOSE, p))
                    .collect::<Result<_, _>>()?,
                recipients: s
                    .require(EPP_NS, "recipient")?
                    .children
                    .iter()
                    .map(|r| value_of(&RECIPIENT, r))
                    .collect::<Result<_, _>>()?,
                retention: value_of(&RETENTION, s.require(EPP_NS, "retention")?.only_child()?)?,
            });
        }
        let expiry = match el.child(EPP_NS, "expiry") {
            None => None,
            Some(e) => {
                let c = e.only_child()?;
                match c.name.as_str() {
                    "absolute" => Some(DcpExpiry::Absolute(c.text().to_owned())),
                    "relative" => Some(DcpExpiry::Relative(c.text().to_owned())),
                    _ => return Err(EppError::bad_value("dcp expiry", &c.qualified())),
                }
            }
        };
        Ok(Self {
            access,
            statements,
            expiry,
        })
    }
}

/// `t` as an XML Schema `dateTime` in UTC with tenths of a second, the form RFC 5730's
/// examples use: `2000-06-08T22:00:00.0Z`. Times before 1970 print as the epoch.
pub fn date_time(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    let rem = secs % crate::time::DAY;
    format!(
        "{}T{:02}:{:02}:{:02}.{}Z",
        crate::time::Date::of(secs),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis() / 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn date_times() {
        assert_eq!(date_time(UNIX_EPOCH), "1970-01-01T00:00:00.0Z");
        // 2000-06-08T22:00:00Z, RFC 5730 §2.4's svDate.
        let t = UNIX_EPOCH + Duration::from_millis(960_501_600_000 + 300);
        assert_eq!(date_time(t), "2000-06-08T22:00:00.3Z");
        // A leap day.
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(date_time(t), "2000-02-29T00:00:00.0Z");
    }
}
