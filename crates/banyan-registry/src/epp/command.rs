//! Client frames (RFC 5730 §2.3-2.9): `<hello>` and `<command>`, parsed into typed commands
//! and written back to XML (the client side uses the writer).
//!
//! Result codes for frames that do not parse (RFC 5730 §3):
//! - not well-formed XML, or not an `<epp>` document, or a misplaced element: 2001;
//! - an element under `<command>` that EPP does not define: 2000;
//! - an object namespace this server does not implement: 2307;
//! - an extension namespace this server does not implement (under `<extension>`): 2103;
//! - a required element or attribute missing: 2003;
//! - a value of the wrong syntax: 2005;
//! - an option this server does not implement (`<domain:hostAttr>`, `<pw>`'s `ext` form):
//!   2102.

use super::contact::{self, ContactCommand};
use super::domain::{self, DomainCommand};
use super::error::{EppError, ResultCode};
use super::host::{self, HostCommand};
use super::object::{check_id, TransferOp};
use super::rgp::{self, RgpUpdate};
use super::secdns::{self, SecDnsData, SecDnsUpdate};
use super::xml::{parse_document, Element, XmlWriter, CONTACT_NS, DOMAIN_NS, EPP_NS, HOST_NS, RGP_NS, SECDNS_NS};

/// A frame a client sends (RFC 5730 §2.3, §2.5).
// A session holds one frame at a time; boxing the command would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// `<hello/>`: asks for a greeting (RFC 5730 §2.3).
    Hello,
    /// `<command>` (RFC 5730 §2.5).
    Command {
        /// `<clTRID>`, the client's transaction ID (3-64 characters), if given.
        cl_trid: Option<String>,
        /// The command.
        command: Command,
        /// Command extensions under `<extension>` (RFC 5730 §2.7.3).
        extensions: CommandExtensions,
    },
}

/// An EPP command (RFC 5730 §2.9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `<login>` (RFC 5730 §2.9.1.1).
    Login(Box<Login>),
    /// `<logout/>` (RFC 5730 §2.9.1.2).
    Logout,
    /// `<poll>` (RFC 5730 §2.9.2.3).
    Poll(PollOp),
    /// A command on domain objects (RFC 5731 §3).
    Domain(DomainCommand),
    /// A command on host objects (RFC 5732 §3).
    Host(HostCommand),
    /// A command on contact objects (RFC 5733 §3).
    Contact(ContactCommand),
}

/// `<login>` (RFC 5730 §2.9.1.1).
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    /// `<clID>`: the registrar's client identifier.
    pub client_id: String,
    /// `<pw>`: its password (6-16 characters).
    pub password: String,
    /// `<newPW>`: a new password to set, if any.
    pub new_password: Option<String>,
    /// `<options><version>`: must be `1.0`.
    pub version: String,
    /// `<options><lang>`: the language for `<msg>` texts.
    pub lang: String,
    /// `<svcs><objURI>`: the object services the client will use.
    pub obj_uris: Vec<String>,
    /// `<svcs><svcExtension><extURI>`: the extensions the client will use.
    pub ext_uris: Vec<String>,
}

impl std::fmt::Debug for Login {
    // Passwords stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("client_id", &self.client_id)
            .field("password", &"…")
            .field("new_password", &self.new_password.as_ref().map(|_| "…"))
            .field("version", &self.version)
            .field("lang", &self.lang)
            .field("obj_uris", &self.obj_uris)
            .field("ext_uris", &self.ext_uris)
            .finish()
    }
}

impl Login {
    /// A login for `client_id` with version `1.0`, language `en`, and every object and
    /// extension this crate implements.
    pub fn new(client_id: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            password: password.into(),
            new_password: None,
            version: "1.0".to_owned(),
            lang: "en".to_owned(),
            obj_uris: vec![DOMAIN_NS.to_owned(), HOST_NS.to_owned(), CONTACT_NS.to_owned()],
            ext_uris: vec![SECDNS_NS.to_owned(), RGP_NS.to_owned()],
        }
    }
}

/// The operation of `<poll>` (RFC 5730 §2.9.2.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PollOp {
    /// `op="req"`: the oldest queued message.
    Req,
    /// `op="ack" msgID="…"`: dequeue that message.
    Ack(String),
}

/// The secDNS-1.1 part of a command's `<extension>` (RFC 5910 §5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecDnsExtension {
    /// `<secDNS:create>` with a domain create.
    Create(SecDnsData),
    /// `<secDNS:update>` with a domain update.
    Update(SecDnsUpdate),
}

/// The extensions a command carries (RFC 5730 §2.7.3): those this crate implements.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CommandExtensions {
    /// DNSSEC delegation data (RFC 5910).
    pub sec_dns: Option<SecDnsExtension>,
    /// Redemption grace period restore (RFC 3915).
    pub rgp: Option<RgpUpdate>,
}

impl CommandExtensions {
    /// True when the command carries no extension.
    pub fn is_empty(&self) -> bool {
        self.sec_dns.is_none() && self.rgp.is_none()
    }

    /// The namespace URIs of the extensions present, to check against those the client
    /// announced at login (RFC 5730 §2.9.1.1).
    pub fn uris(&self) -> impl Iterator<Item = &'static str> {
        [
            self.sec_dns.as_ref().map(|_| SECDNS_NS),
            self.rgp.as_ref().map(|_| RGP_NS),
        ]
        .into_iter()
        .flatten()
    }
}

impl Command {
    /// A short name for logs and messages: `login`, `poll`, `domain:create`, …
    pub fn name(&self) -> String {
        match self {
            Self::Login(_) => "login".to_owned(),
            Self::Logout => "logout".to_owned(),
            Self::Poll(_) => "poll".to_owned(),
            Self::Domain(c) => format!("domain:{}", c.verb()),
            Self::Host(c) => format!("host:{}", c.verb()),
            Self::Contact(c) => format!("contact:{}", c.verb()),
        }
    }

    /// The object service (namespace URI) the command uses, if it is an object command.
    pub fn object_uri(&self) -> Option<&'static str> {
        match self {
            Self::Domain(_) => Some(DOMAIN_NS),
            Self::Host(_) => Some(HOST_NS),
            Self::Contact(_) => Some(CONTACT_NS),
            _ => None,
        }
    }

    fn verb(&self) -> &'static str {
        match self {
            Self::Login(_) => "login",
            Self::Logout => "logout",
            Self::Poll(_) => "poll",
            Self::Domain(c) => c.verb(),
            Self::Host(c) => c.verb(),
            Self::Contact(c) => c.verb(),
        }
    }
}

impl Frame {
    /// Parses a client frame (RFC 5730 §2.3, §2.5).
    ///
    /// On failure the error carries the result code to answer with (see the module docs)
    /// and, when it could be read, the client transaction ID.
    pub fn parse(input: &[u8]) -> Result<Frame, EppError> {
        let root = parse_document(input)?;
        if !root.is(EPP_NS, "epp") {
            return Err(EppError::syntax(format!(
                "Command syntax error: the root element must be {{{EPP_NS}}}epp, not {}",
                root.qualified()
            )));
        }
        let top = root.only_child()?;
        if top.ns != EPP_NS {
            return Err(EppError::syntax(format!(
                "Command syntax error: unexpected element {}",
                top.qualified()
            )));
        }
        match top.name.as_str() {
            "hello" => {
                if !top.children.is_empty() {
                    return Err(EppError::syntax("Command syntax error: hello has no content"));
                }
                Ok(Frame::Hello)
            }
            "command" => parse_command_element(top),
            "extension" => Err(EppError::new(
                ResultCode::UNIMPLEMENTED_EXTENSION,
                "Unimplemented extension: no protocol extensions are implemented",
            )),
            "greeting" | "response" => Err(EppError::syntax(format!(
                "Command syntax error: {} is a server frame",
                top.name
            ))),
            other => Err(EppError::syntax(format!(
                "Command syntax error: unexpected element {other}"
            ))),
        }
    }

    /// Writes the frame as an XML document (what a client sends).
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::document();
        w.open("epp", &[("xmlns", EPP_NS)]);
        match self {
            Frame::Hello => w.empty("hello", &[]),
            Frame::Command {
                cl_trid,
                command,
                extensions,
            } => {
                w.open("command", &[]);
                write_command(&mut w, command);
                if !extensions.is_empty() {
                    w.open("extension", &[]);
                    match &extensions.sec_dns {
                        Some(SecDnsExtension::Create(d)) => d.write(&mut w, "create"),
                        Some(SecDnsExtension::Update(u)) => u.write(&mut w),
                        None => {}
                    }
                    if let Some(r) = &extensions.rgp {
                        r.write(&mut w);
                    }
                    w.close("extension");
                }
                w.opt_leaf("clTRID", cl_trid.as_deref());
                w.close("command");
            }
        }
        w.close("epp");
        w.finish()
    }
}

fn write_command(w: &mut XmlWriter, command: &Command) {
    let verb = command.verb();
    match command {
        Command::Login(l) => {
            w.open("login", &[]);
            w.leaf("clID", &l.client_id);
            w.leaf("pw", &l.password);
            w.opt_leaf("newPW", l.new_password.as_deref());
            w.open("options", &[]);
            w.leaf("version", &l.version);
            w.leaf("lang", &l.lang);
            w.close("options");
            w.open("svcs", &[]);
            for u in &l.obj_uris {
                w.leaf("objURI", u);
            }
            if !l.ext_uris.is_empty() {
                w.open("svcExtension", &[]);
                for u in &l.ext_uris {
                    w.leaf("extURI", u);
                }
                w.close("svcExtension");
            }
            w.close("svcs");
            w.close("login");
        }
        Command::Logout => w.empty("logout", &[]),
        Command::Poll(PollOp::Req) => w.empty("poll", &[("op", "req")]),
        Command::Poll(PollOp::Ack(id)) => w.empty("poll", &[("op", "ack"), ("msgID", id)]),
        Command::Domain(c) => {
            open_verb(w, verb, c.transfer_op());
            c.write(w);
            w.close(verb);
        }
        Command::Host(c) => {
            open_verb(w, verb, None);
            c.write(w);
            w.close(verb);
        }
        Command::Contact(c) => {
            open_verb(w, verb, c.transfer_op());
            c.write(w);
            w.close(verb);
        }
    }
}

fn open_verb(w: &mut XmlWriter, verb: &str, op: Option<TransferOp>) {
    match op {
        Some(op) => w.open(verb, &[("op", op.as_str())]),
        None => w.open(verb, &[]),
    }
}

/// `<command>`: one verb element, then optional `<extension>` and `<clTRID>`.
fn parse_command_element(el: &Element) -> Result<Frame, EppError> {
    // The transaction ID first, so every later error can carry it.
    let cl_trid = match el.child(EPP_NS, "clTRID") {
        None => None,
        Some(t) => {
            let n = t.text().chars().count();
            if !(3..=64).contains(&n) {
                return Err(EppError::bad_value("clTRID (3 to 64 characters)", t.text()));
            }
            Some(t.text().to_owned())
        }
    };
    parse_command_body(el)
        .map(|(command, extensions)| Frame::Command {
            cl_trid: cl_trid.clone(),
            command,
            extensions,
        })
        .map_err(|e| e.with_cl_trid(cl_trid))
}

fn parse_command_body(el: &Element) -> Result<(Command, CommandExtensions), EppError> {
    let mut verb: Option<&Element> = None;
    let mut extension: Option<&Element> = None;
    for (i, c) in el.children.iter().enumerate() {
        if c.ns != EPP_NS {
            return Err(EppError::syntax(format!(
                "Command syntax error: unexpected element {} in command",
                c.qualified()
            )));
        }
        match c.name.as_str() {
            "clTRID" if i + 1 == el.children.len() => {}
            "extension" if extension.is_none() && verb.is_some() => extension = Some(c),
            "login" | "logout" | "poll" | "check" | "info" | "create" | "delete" | "renew" | "transfer" | "update"
                if verb.is_none() =>
            {
                verb = Some(c)
            }
            "clTRID" | "extension" | "login" | "logout" | "poll" | "check" | "info" | "create" | "delete" | "renew"
            | "transfer" | "update" => {
                return Err(EppError::syntax(format!(
                    "Command syntax error: misplaced {} in command",
                    c.name
                )))
            }
            other => {
                return Err(EppError::new(
                    ResultCode::UNKNOWN_COMMAND,
                    format!("Unknown command: {other}"),
                ))
            }
        }
    }
    let verb = verb.ok_or_else(|| EppError::missing("the command element"))?;
    let command = parse_verb(verb)?;
    let extensions = match extension {
        Some(ext) => parse_extensions(ext, &command)?,
        None => CommandExtensions::default(),
    };
    if let Command::Domain(DomainCommand::Update(u)) = &command {
        let bare = u.add.is_empty() && u.rem.is_empty() && u.chg.is_none();
        if bare && extensions.is_empty() {
            return Err(EppError::missing("domain:add, domain:rem or domain:chg"));
        }
    }
    Ok((command, extensions))
}

fn parse_verb(el: &Element) -> Result<Command, EppError> {
    match el.name.as_str() {
        "login" => parse_login(el).map(|l| Command::Login(Box::new(l))),
        "logout" => {
            if !el.children.is_empty() {
                return Err(EppError::syntax("Command syntax error: logout has no content"));
            }
            Ok(Command::Logout)
        }
        "poll" => match el.attr("op") {
            Some("req") => Ok(Command::Poll(PollOp::Req)),
            Some("ack") => {
                let id = el
                    .attr("msgID")
                    .filter(|id| !id.is_empty())
                    .ok_or_else(|| EppError::missing("poll msgID"))?;
                Ok(Command::Poll(PollOp::Ack(id.to_owned())))
            }
            Some(other) => Err(EppError::bad_value("poll op", other)),
            None => Err(EppError::missing("poll op")),
        },
        verb => {
            let op = if verb == "transfer" {
                let op = el.attr("op").ok_or_else(|| EppError::missing("transfer op"))?;
                Some(TransferOp::from_name(op).ok_or_else(|| EppError::bad_value("transfer op", op))?)
            } else {
                None
            };
            let object = el.only_child()?;
            if object.name != verb {
                return Err(EppError::syntax(format!(
                    "Command syntax error: {} inside {verb}",
                    object.qualified()
                )));
            }
            match object.ns.as_str() {
                DOMAIN_NS => domain::parse_command(object, op).map(Command::Domain),
                HOST_NS => host::parse_command(object).map(Command::Host),
                CONTACT_NS => contact::parse_command(object, op).map(Command::Contact),
                other => Err(EppError::new(
                    ResultCode::UNIMPLEMENTED_OBJECT_SERVICE,
                    format!("Unimplemented object service: {other}"),
                )),
            }
        }
    }
}

fn parse_login(el: &Element) -> Result<Login, EppError> {
    el.expect_only(EPP_NS, &["clID", "pw", "newPW", "options", "svcs"])?;
    let client_id = el.require_text(EPP_NS, "clID")?;
    check_id("clID", &client_id)?;
    // Passwords are taken as written (RFC 5730 `pwType` is a token of 6-16 characters).
    let password = el.require_text(EPP_NS, "pw")?;
    let new_password = el.child_text(EPP_NS, "newPW");
    for pw in std::iter::once(&password).chain(new_password.iter()) {
        if !(6..=16).contains(&pw.chars().count()) {
            return Err(EppError::new(
                ResultCode::PARAMETER_VALUE_SYNTAX_ERROR,
                "Parameter value syntax error: a password has 6 to 16 characters",
            ));
        }
    }
    let options = el.require(EPP_NS, "options")?;
    let svcs = el.require(EPP_NS, "svcs")?;
    svcs.expect_only(EPP_NS, &["objURI", "svcExtension"])?;
    let obj_uris: Vec<String> = svcs
        .children_named(EPP_NS, "objURI")
        .map(|u| u.text().to_owned())
        .collect();
    if obj_uris.is_empty() {
        return Err(EppError::missing("objURI"));
    }
    let ext_uris = match svcs.child(EPP_NS, "svcExtension") {
        Some(ext) => ext
            .children_named(EPP_NS, "extURI")
            .map(|u| u.text().to_owned())
            .collect(),
        None => Vec::new(),
    };
    Ok(Login {
        client_id,
        password,
        new_password,
        version: options.require_text(EPP_NS, "version")?,
        lang: options.require_text(EPP_NS, "lang")?,
        obj_uris,
        ext_uris,
    })
}

fn parse_extensions(el: &Element, command: &Command) -> Result<CommandExtensions, EppError> {
    let mut out = CommandExtensions::default();
    for ext in &el.children {
        match (ext.ns.as_str(), ext.name.as_str()) {
            (SECDNS_NS, "create") if out.sec_dns.is_none() => {
                if !matches!(command, Command::Domain(DomainCommand::Create(_))) {
                    return Err(misplaced("secDNS:create", "domain:create"));
                }
                out.sec_dns = Some(SecDnsExtension::Create(secdns::parse_data(ext)?));
            }
            (SECDNS_NS, "update") if out.sec_dns.is_none() => {
                if !matches!(command, Command::Domain(DomainCommand::Update(_))) {
                    return Err(misplaced("secDNS:update", "domain:update"));
                }
                out.sec_dns = Some(SecDnsExtension::Update(secdns::parse_update(ext)?));
            }
            (RGP_NS, "update") if out.rgp.is_none() => {
                if !matches!(command, Command::Domain(DomainCommand::Update(_))) {
                    return Err(misplaced("rgp:update", "domain:update"));
                }
                out.rgp = Some(rgp::parse_update(ext)?);
            }
            (SECDNS_NS | RGP_NS, _) => {
                return Err(EppError::syntax(format!(
                    "Command syntax error: unexpected {} in extension",
                    ext.qualified()
                )))
            }
            (ns, _) => {
                return Err(EppError::new(
                    ResultCode::UNIMPLEMENTED_EXTENSION,
                    format!("Unimplemented extension: {ns}"),
                ))
            }
        }
    }
    Ok(out)
}

fn misplaced(ext: &str, with: &str) -> EppError {
    EppError::new(
        ResultCode::COMMAND_USE_ERROR,
        format!("Command use error: {ext} goes only with {with}"),
    )
}
