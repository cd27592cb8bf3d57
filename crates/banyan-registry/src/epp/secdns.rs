//! DNSSEC delegation data for domains: the secDNS-1.1 extension (RFC 5910).
//!
//! Both of RFC 5910's interfaces parse: the DS data interface (`<secDNS:dsData>`, optionally
//! with the key behind it) and the key data interface (`<secDNS:keyData>` alone). Mixing
//! them in one element is a 2001 (the schema makes them a choice); which one a registry
//! accepts is its policy (RFC 5910 §4 lets a server answer 2306).

use super::error::EppError;
use super::object::parse_bool;
use super::xml::{Element, XmlWriter, SECDNS_NS};

const NS: &str = SECDNS_NS;

/// A DS record's data (RFC 5910 §4.1, RFC 4034 §5), with the DNSKEY it was made from when
/// the client gives it.
///
/// Wire format: `<secDNS:dsData><secDNS:keyTag>12345</secDNS:keyTag><secDNS:alg>3</secDNS:alg>
/// <secDNS:digestType>1</secDNS:digestType><secDNS:digest>49FD…</secDNS:digest>
/// [<secDNS:keyData>…</secDNS:keyData>]</secDNS:dsData>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DsData {
    /// The key tag (RFC 4034 appendix B).
    pub key_tag: u16,
    /// The DNSSEC algorithm number.
    pub alg: u8,
    /// The digest type (1 SHA-1, 2 SHA-256, 4 SHA-384).
    pub digest_type: u8,
    /// The digest, hexadecimal as given.
    pub digest: String,
    /// The key the digest was made from, if given.
    pub key_data: Option<KeyData>,
}

/// A DNSKEY record's data (RFC 5910 §4.2, RFC 4034 §2).
///
/// Wire format: `<secDNS:keyData><secDNS:flags>257</secDNS:flags>
/// <secDNS:protocol>3</secDNS:protocol><secDNS:alg>5</secDNS:alg>
/// <secDNS:pubKey>AQPJ…</secDNS:pubKey></secDNS:keyData>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyData {
    /// The flags field (256 zone key, 257 with SEP).
    pub flags: u16,
    /// The protocol field (always 3).
    pub protocol: u8,
    /// The algorithm number.
    pub alg: u8,
    /// The public key, base64 as given.
    pub pub_key: String,
}

/// DNSSEC data of a domain: `<secDNS:create>` in a domain create (RFC 5910 §5.2.1) and
/// `<secDNS:infData>` in a domain info response (RFC 5910 §5.1.2).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SecDnsData {
    /// The child's preferred maximum signature lifetime in seconds, if any.
    pub max_sig_life: Option<u32>,
    /// DS data (the DS data interface).
    pub ds_data: Vec<DsData>,
    /// Key data (the key data interface).
    pub key_data: Vec<KeyData>,
}

/// What a domain update removes (RFC 5910 §5.2.5, `<secDNS:rem>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecDnsRem {
    /// `<secDNS:all>true</secDNS:all>`: every DS and key.
    All,
    /// These DS records.
    DsData(Vec<DsData>),
    /// These keys.
    KeyData(Vec<KeyData>),
}

/// `<secDNS:update>` in a domain update (RFC 5910 §5.2.5).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SecDnsUpdate {
    /// The `urgent` attribute: the client asks for the change to be published at once.
    pub urgent: bool,
    /// What to remove (processed before `add`).
    pub rem: Option<SecDnsRem>,
    /// What to add (`max_sig_life` is not used here).
    pub add: Option<SecDnsData>,
    /// `<secDNS:chg><secDNS:maxSigLife>`: a new maximum signature lifetime.
    pub chg_max_sig_life: Option<u32>,
}

fn number<T: std::str::FromStr>(el: &Element, name: &str) -> Result<T, EppError> {
    let text = el.require_text(NS, name)?;
    text.parse()
        .map_err(|_| EppError::bad_value(&format!("secDNS:{name}"), &text))
}

fn parse_key_data(el: &Element) -> Result<KeyData, EppError> {
    el.expect_only(NS, &["flags", "protocol", "alg", "pubKey"])?;
    let pub_key: String = el
        .require_text(NS, "pubKey")?
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if !pub_key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return Err(EppError::bad_value("secDNS:pubKey", &pub_key));
    }
    Ok(KeyData {
        flags: number(el, "flags")?,
        protocol: number(el, "protocol")?,
        alg: number(el, "alg")?,
        pub_key,
    })
}

fn parse_ds_data(el: &Element) -> Result<DsData, EppError> {
    el.expect_only(NS, &["keyTag", "alg", "digestType", "digest", "keyData"])?;
    let digest = el.require_text(NS, "digest")?;
    if digest.len() % 2 != 0 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(EppError::bad_value("secDNS:digest", &digest));
    }
    Ok(DsData {
        key_tag: number(el, "keyTag")?,
        alg: number(el, "alg")?,
        digest_type: number(el, "digestType")?,
        digest,
        key_data: el.child(NS, "keyData").map(parse_key_data).transpose()?,
    })
}

fn parse_max_sig_life(el: &Element) -> Result<Option<u32>, EppError> {
    match el.child(NS, "maxSigLife") {
        None => Ok(None),
        Some(m) => m
            .text()
            .parse::<u32>()
            .ok()
            .filter(|v| (1..=i32::MAX as u32).contains(v))
            .map(Some)
            .ok_or_else(|| EppError::bad_value("secDNS:maxSigLife", m.text())),
    }
}

/// The `dsData*` or `keyData*` choice inside `el`.
fn parse_ds_or_key(el: &Element) -> Result<(Vec<DsData>, Vec<KeyData>), EppError> {
    let ds: Vec<DsData> = el
        .children_named(NS, "dsData")
        .map(parse_ds_data)
        .collect::<Result<_, _>>()?;
    let keys: Vec<KeyData> = el
        .children_named(NS, "keyData")
        .map(parse_key_data)
        .collect::<Result<_, _>>()?;
    if !ds.is_empty() && !keys.is_empty() {
        return Err(EppError::syntax(
            "Command syntax error: secDNS:dsData and secDNS:keyData cannot be mixed",
        ));
    }
    Ok((ds, keys))
}

/// Parses `<secDNS:create>` or `<secDNS:infData>`.
pub(crate) fn parse_data(el: &Element) -> Result<SecDnsData, EppError> {
    el.expect_only(NS, &["maxSigLife", "dsData", "keyData"])?;
    let (ds_data, key_data) = parse_ds_or_key(el)?;
    if ds_data.is_empty() && key_data.is_empty() {
        return Err(EppError::missing("secDNS:dsData or secDNS:keyData"));
    }
    Ok(SecDnsData {
        max_sig_life: parse_max_sig_life(el)?,
        ds_data,
        key_data,
    })
}

/// Parses `<secDNS:update>`.
pub(crate) fn parse_update(el: &Element) -> Result<SecDnsUpdate, EppError> {
    el.expect_only(NS, &["rem", "add", "chg"])?;
    let urgent = match el.attr("urgent") {
        None => false,
        Some(v) => parse_bool(v).ok_or_else(|| EppError::bad_value("secDNS:update urgent", v))?,
    };
    let rem = match el.child(NS, "rem") {
        None => None,
        Some(rem) => {
            rem.expect_only(NS, &["all", "dsData", "keyData"])?;
            if let Some(all) = rem.child(NS, "all") {
                if rem.children.len() > 1 {
                    return Err(EppError::syntax(
                        "Command syntax error: secDNS:all stands alone in secDNS:rem",
                    ));
                }
                match parse_bool(all.text()) {
                    Some(true) => Some(SecDnsRem::All),
                    // RFC 5910 §5.2.5: false removes nothing.
                    Some(false) => None,
                    None => return Err(EppError::bad_value("secDNS:all", all.text())),
                }
            } else {
                let (ds, keys) = parse_ds_or_key(rem)?;
                if keys.is_empty() {
                    Some(SecDnsRem::DsData(ds))
                } else {
                    Some(SecDnsRem::KeyData(keys))
                }
            }
        }
    };
    let add = match el.child(NS, "add") {
        None => None,
        Some(add) => {
            add.expect_only(NS, &["dsData", "keyData"])?;
            let (ds_data, key_data) = parse_ds_or_key(add)?;
            Some(SecDnsData {
                max_sig_life: None,
                ds_data,
                key_data,
            })
        }
    };
    let chg_max_sig_life = match el.child(NS, "chg") {
        None => None,
        Some(chg) => {
            chg.expect_only(NS, &["maxSigLife"])?;
            parse_max_sig_life(chg)?
        }
    };
    if el.children.is_empty() {
        return Err(EppError::missing("secDNS:rem, secDNS:add or secDNS:chg"));
    }
    Ok(SecDnsUpdate {
        urgent,
        rem,
        add,
        chg_max_sig_life,
    })
}

fn write_key_data(w: &mut XmlWriter, k: &KeyData) {
    w.open("secDNS:keyData", &[]);
    w.leaf("secDNS:flags", &k.flags.to_string());
    w.leaf("secDNS:protocol", &k.protocol.to_string());
    w.leaf("secDNS:alg", &k.alg.to_string());
    w.leaf("secDNS:pubKey", &k.pub_key);
    w.close("secDNS:keyData");
}

fn write_ds_data(w: &mut XmlWriter, d: &DsData) {
    w.open("secDNS:dsData", &[]);
    w.leaf("secDNS:keyTag", &d.key_tag.to_string());
    w.leaf("secDNS:alg", &d.alg.to_string());
    w.leaf("secDNS:digestType", &d.digest_type.to_string());
    w.leaf("secDNS:digest", &d.digest);
    if let Some(k) = &d.key_data {
        write_key_data(w, k);
    }
    w.close("secDNS:dsData");
}

fn write_ds_and_keys(w: &mut XmlWriter, ds: &[DsData], keys: &[KeyData]) {
    for d in ds {
        write_ds_data(w, d);
    }
    for k in keys {
        write_key_data(w, k);
    }
}

impl SecDnsData {
    /// Writes the data as `<secDNS:TAG>` (`create` or `infData`).
    pub(crate) fn write(&self, w: &mut XmlWriter, tag: &str) {
        let outer = format!("secDNS:{tag}");
        w.open(&outer, &[("xmlns:secDNS", NS)]);
        if let Some(m) = self.max_sig_life {
            w.leaf("secDNS:maxSigLife", &m.to_string());
        }
        write_ds_and_keys(w, &self.ds_data, &self.key_data);
        w.close(&outer);
    }
}

impl SecDnsUpdate {
    /// Writes `<secDNS:update>`.
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        let mut attrs = vec![("xmlns:secDNS", NS)];
        if self.urgent {
            attrs.push(("urgent", "true"));
        }
        w.open("secDNS:update", &attrs);
        match &self.rem {
            None => {}
            Some(SecDnsRem::All) => {
                w.open("secDNS:rem", &[]);
                w.leaf("secDNS:all", "true");
                w.close("secDNS:rem");
            }
            Some(SecDnsRem::DsData(ds)) => {
                w.open("secDNS:rem", &[]);
                write_ds_and_keys(w, ds, &[]);
                w.close("secDNS:rem");
            }
            Some(SecDnsRem::KeyData(keys)) => {
                w.open("secDNS:rem", &[]);
                write_ds_and_keys(w, &[], keys);
                w.close("secDNS:rem");
            }
        }
        if let Some(add) = &self.add {
            w.open("secDNS:add", &[]);
            write_ds_and_keys(w, &add.ds_data, &add.key_data);
            w.close("secDNS:add");
        }
        if let Some(m) = self.chg_max_sig_life {
            w.open("secDNS:chg", &[]);
            w.leaf("secDNS:maxSigLife", &m.to_string());
            w.close("secDNS:chg");
        }
        w.close("secDNS:update");
    }
}
