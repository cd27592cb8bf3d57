//! Server frames (RFC 5730 §2.6): `<response>` with results, the message queue, response
//! data and extensions, written by the server and read by the client; and
//! [`ServerMessage`], which reads either a greeting or a response.

use super::contact::{self, ContactResData};
use super::domain::{self, DomainResData};
use super::error::{EppError, ResultCode};
use super::greeting::Greeting;
use super::host::{self, HostResData};
use super::rgp::{self, RgpResponse};
use super::secdns::{self, SecDnsData};
use super::xml::{
    parse_document, prefix_of, Element, XmlWriter, CONTACT_NS, DOMAIN_NS, EPP_NS, HOST_NS, RGP_NS, SECDNS_NS,
};

/// `<response>` (RFC 5730 §2.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// `<result>`s: one or more, the first decides success (RFC 5730 §2.6).
    pub results: Vec<EppResult>,
    /// `<msgQ>`: the state of the client's message queue, when the server reports it.
    pub msg_q: Option<MsgQ>,
    /// `<resData>`: data the command returns.
    pub res_data: Option<ResData>,
    /// `<extension>`: extension data (RFC 5910, RFC 3915).
    pub extension: ResponseExtensions,
    /// `<trID><clTRID>`: the client's transaction ID, echoed.
    pub cl_trid: Option<String>,
    /// `<trID><svTRID>`: the server's transaction ID.
    pub sv_trid: String,
}

/// One `<result>` (RFC 5730 §2.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EppResult {
    /// The `code` attribute.
    pub code: ResultCode,
    /// `<msg>`: human-readable text.
    pub msg: String,
    /// The `lang` attribute of `<msg>` (default `en`).
    pub lang: Option<String>,
    /// `<value>`s: the client elements that caused an error.
    pub values: Vec<ResultValue>,
    /// `<extValue>`s: a value with the server's reason.
    pub ext_values: Vec<ExtValue>,
}

/// An element quoted in a `<value>` (RFC 5730 §2.6): its namespace, local name and text.
///
/// Wire format: `<value><domain:name xmlns:domain="…">example.com</domain:name></value>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultValue {
    /// The element's namespace URI.
    pub ns: String,
    /// Its local name.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// `<extValue>` (RFC 5730 §2.6): a quoted element and why it was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtValue {
    /// The element.
    pub value: ResultValue,
    /// `<reason>`.
    pub reason: String,
}

/// `<msgQ>` (RFC 5730 §2.6, §2.9.2.3): how many messages wait, and the one at the head.
///
/// Wire format: `<msgQ count="5" id="12345"><qDate>…</qDate><msg>…</msg></msgQ>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsgQ {
    /// Messages in the queue.
    pub count: u32,
    /// The ID of the message at the head (used by `<poll op="ack">`).
    pub id: String,
    /// When it was queued (present in a `<poll op="req">` response).
    pub q_date: Option<String>,
    /// Its text (present in a `<poll op="req">` response).
    pub msg: Option<String>,
}

/// `<resData>` (RFC 5730 §2.6): one object's response data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResData {
    /// Domain data (RFC 5731 §3).
    Domain(DomainResData),
    /// Host data (RFC 5732 §3).
    Host(HostResData),
    /// Contact data (RFC 5733 §3).
    Contact(ContactResData),
}

/// The `<extension>` of a response: the parts this crate implements.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ResponseExtensions {
    /// `<secDNS:infData>` in a domain info response (RFC 5910 §5.1.2).
    pub sec_dns: Option<SecDnsData>,
    /// `<rgp:infData>` or `<rgp:upData>` (RFC 3915 §4).
    pub rgp: Option<RgpResponse>,
}

impl ResponseExtensions {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.sec_dns.is_none() && self.rgp.is_none()
    }
}

impl EppResult {
    /// A result with `code` and its standard text.
    pub fn new(code: ResultCode) -> Self {
        Self::with_msg(code, code.message())
    }

    /// A result with `code` and a specific text.
    pub fn with_msg(code: ResultCode, msg: impl Into<String>) -> Self {
        Self {
            code,
            msg: msg.into(),
            lang: None,
            values: Vec::new(),
            ext_values: Vec::new(),
        }
    }
}

impl Response {
    /// A response with one result of `code` and its standard text; no data, and no
    /// transaction IDs yet (the server loop fills them in).
    pub fn new(code: ResultCode) -> Self {
        Self {
            results: vec![EppResult::new(code)],
            msg_q: None,
            res_data: None,
            extension: ResponseExtensions::default(),
            cl_trid: None,
            sv_trid: String::new(),
        }
    }

    /// 1000 "Command completed successfully".
    pub fn success() -> Self {
        Self::new(ResultCode::COMPLETED)
    }

    /// The response to a failed command: its code and message, and its clTRID.
    pub fn from_error(err: &EppError) -> Self {
        let mut r = Self::new(err.code);
        r.results[0].msg = err.message.clone();
        r.cl_trid = err.cl_trid.clone();
        r
    }

    /// The same response with `<resData>`.
    pub fn with_res_data(mut self, data: ResData) -> Self {
        self.res_data = Some(data);
        self
    }

    /// The same response with `<msgQ>`.
    pub fn with_msg_q(mut self, msg_q: MsgQ) -> Self {
        self.msg_q = Some(msg_q);
        self
    }

    /// The same response with `<extension>` data.
    pub fn with_extension(mut self, extension: ResponseExtensions) -> Self {
        self.extension = extension;
        self
    }

    /// The code of the first result (RFC 5730 §2.6), or 2400 if there is none.
    pub fn code(&self) -> ResultCode {
        self.results.first().map_or(ResultCode::COMMAND_FAILED, |r| r.code)
    }

    /// The first result's message.
    pub fn message(&self) -> &str {
        self.results.first().map_or("", |r| r.msg.as_str())
    }

    /// True when the first result is a `1xxx` code.
    pub fn is_success(&self) -> bool {
        self.code().is_success()
    }

    /// Writes the response as an XML document.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::document();
        w.open("epp", &[("xmlns", EPP_NS)]);
        w.open("response", &[]);
        let fallback = [EppResult::new(ResultCode::COMMAND_FAILED)];
        let results = if self.results.is_empty() {
            &fallback[..]
        } else {
            &self.results[..]
        };
        for r in results {
            let code = r.code.0.to_string();
            w.open("result", &[("code", &code)]);
            match &r.lang {
                Some(lang) => w.leaf_with("msg", &[("lang", lang)], &r.msg),
                None => w.leaf("msg", &r.msg),
            }
            for v in &r.values {
                write_value(&mut w, v);
            }
            for ev in &r.ext_values {
                w.open("extValue", &[]);
                write_value(&mut w, &ev.value);
                w.leaf("reason", &ev.reason);
                w.close("extValue");
            }
            w.close("result");
        }
        if let Some(q) = &self.msg_q {
            let count = q.count.to_string();
            let attrs = [("count", count.as_str()), ("id", q.id.as_str())];
            if q.q_date.is_none() && q.msg.is_none() {
                w.empty("msgQ", &attrs);
            } else {
                w.open("msgQ", &attrs);
                w.opt_leaf("qDate", q.q_date.as_deref());
                w.opt_leaf("msg", q.msg.as_deref());
                w.close("msgQ");
            }
        }
        if let Some(data) = &self.res_data {
            w.open("resData", &[]);
            match data {
                ResData::Domain(d) => d.write(&mut w),
                ResData::Host(h) => h.write(&mut w),
                ResData::Contact(c) => c.write(&mut w),
            }
            w.close("resData");
        }
        if !self.extension.is_empty() {
            w.open("extension", &[]);
            if let Some(s) = &self.extension.sec_dns {
                s.write(&mut w, "infData");
            }
            if let Some(r) = &self.extension.rgp {
                r.write(&mut w);
            }
            w.close("extension");
        }
        w.open("trID", &[]);
        w.opt_leaf("clTRID", self.cl_trid.as_deref());
        w.leaf("svTRID", &self.sv_trid);
        w.close("trID");
        w.close("response");
        w.close("epp");
        w.finish()
    }

    /// Reads a response document (client side).
    pub fn parse(input: &[u8]) -> Result<Self, EppError> {
        match ServerMessage::parse(input)? {
            ServerMessage::Response(r) => Ok(*r),
            ServerMessage::Greeting(_) => Err(EppError::syntax(
                "Command syntax error: expected a response, got a greeting",
            )),
        }
    }

    fn parse_element(el: &Element) -> Result<Self, EppError> {
        let mut results = Vec::new();
        for r in el.children_named(EPP_NS, "result") {
            let code = r.attr("code").ok_or_else(|| EppError::missing("result code"))?;
            let code = code
                .parse()
                .ok()
                .filter(|c| (1000..=2599).contains(c))
                .ok_or_else(|| EppError::bad_value("result code", code))?;
            let msg = r.require(EPP_NS, "msg")?;
            results.push(EppResult {
                code: ResultCode(code),
                msg: msg.text().to_owned(),
                lang: msg.attr("lang").map(str::to_owned),
                values: r
                    .children_named(EPP_NS, "value")
                    .map(parse_value)
                    .collect::<Result<_, _>>()?,
                ext_values: r
                    .children_named(EPP_NS, "extValue")
                    .map(|ev| {
                        Ok(ExtValue {
                            value: parse_value(ev.require(EPP_NS, "value")?)?,
                            reason: ev.require_text(EPP_NS, "reason")?,
                        })
                    })
                    .collect::<Result<_, EppError>>()?,
            });
        }
        if results.is_empty() {
            return Err(EppError::missing("result"));
        }
        let msg_q = match el.child(EPP_NS, "msgQ") {
            None => None,
            Some(q) => Some(MsgQ {
                count: q
                    .attr("count")
                    .and_then(|c| c.parse().ok())
                    .ok_or_else(|| EppError::missing("msgQ count"))?,
                id: q.attr("id").ok_or_else(|| EppError::missing("msgQ id"))?.to_owned(),
                q_date: q.child_text(EPP_NS, "qDate"),
                msg: q.child_text(EPP_NS, "msg"),
            }),
        };
        let res_data = match el.child(EPP_NS, "resData") {
            None => None,
            Some(rd) => {
                let data = rd.only_child()?;
                Some(match data.ns.as_str() {
                    DOMAIN_NS => ResData::Domain(domain::parse_res_data(data)?),
                    HOST_NS => ResData::Host(host::parse_res_data(data)?),
                    CONTACT_NS => ResData::Contact(contact::parse_res_data(data)?),
                    other => {
                        return Err(EppError::new(
                            ResultCode::UNIMPLEMENTED_OBJECT_SERVICE,
                            format!("Unimplemented object service: {other}"),
                        ))
                    }
                })
            }
        };
        let mut extension = ResponseExtensions::default();
        if let Some(ext) = el.child(EPP_NS, "extension") {
            for e in &ext.children {
                match (e.ns.as_str(), e.name.as_str()) {
                    (SECDNS_NS, "infData") => extension.sec_dns = Some(secdns::parse_data(e)?),
                    (RGP_NS, _) => extension.rgp = Some(rgp::parse_response(e)?),
                    // Extension data this client does not implement is skipped, as
                    // RFC 5730 §2.7.3 lets a client ignore what it did not ask for.
                    _ => {}
                }
            }
        }
        let tr_id = el.require(EPP_NS, "trID")?;
        Ok(Self {
            results,
            msg_q,
            res_data,
            extension,
            cl_trid: tr_id.child_text(EPP_NS, "clTRID"),
            sv_trid: tr_id.require_text(EPP_NS, "svTRID")?,
        })
    }
}

fn write_value(w: &mut XmlWriter, v: &ResultValue) {
    w.open("value", &[]);
    let prefix = prefix_of(&v.ns);
    if v.ns == EPP_NS {
        w.leaf(&v.name, &v.text);
    } else if !prefix.is_empty() {
        let xmlns = format!("xmlns:{prefix}");
        w.leaf_with(&format!("{prefix}:{}", v.name), &[(&xmlns, &v.ns)], &v.text);
    } else {
        w.leaf_with(&v.name, &[("xmlns", &v.ns)], &v.text);
    }
    w.close("value");
}

fn parse_value(el: &Element) -> Result<ResultValue, EppError> {
    let v = el.only_child()?;
    Ok(ResultValue {
        ns: v.ns.clone(),
        name: v.name.clone(),
        text: v.text().to_owned(),
    })
}

/// What a server sends: a greeting or a response (RFC 5730 §2.4, §2.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerMessage {
    /// `<greeting>`.
    Greeting(Box<Greeting>),
    /// `<response>`.
    Response(Box<Response>),
}

impl ServerMessage {
    /// Reads a server frame.
    pub fn parse(input: &[u8]) -> Result<Self, EppError> {
        let root = parse_document(input)?;
        if !root.is(EPP_NS, "epp") {
            return Err(EppError::syntax(format!(
                "Command syntax error: the root element must be {{{EPP_NS}}}epp, not {}",
                root.qualified()
            )));
        }
        let top = root.only_child()?;
        match (top.ns.as_str(), top.name.as_str()) {
            (EPP_NS, "greeting") => Ok(Self::Greeting(Box::new(Greeting::parse_element(top)?))),
            (EPP_NS, "response") => Ok(Self::Response(Box::new(Response::parse_element(top)?))),
            _ => Err(EppError::syntax(format!(
                "Command syntax error: {} is not a server frame",
                top.qualified()
            ))),
        }
    }
}
