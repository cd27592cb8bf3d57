//! The one place where EPP's types (`crate::epp`, the wire) and the registry's types
//! (`crate::model`, the rules) meet: commands in, response data and result codes out.
//!
//! What EPP can say that this registry does not keep is refused here rather than dropped:
//! periods in months that are not whole years, secDNS's key data interface (RFC 5910 §4.2 —
//! the registry takes DS data, §4.1), the secDNS `urgent` attribute (RFC 5910 §5.2.5 asks a
//! server that cannot honour it to answer 2102), telephone extensions (RFC 5733 §2.5 `x`),
//! a domain authInfo given as a contact's (`roid`, RFC 5731 §3.1.2) and removing a domain's
//! authInfo (`<domain:null/>`, RFC 5731 §3.2.5). Key data given beside DS data
//! (`<secDNS:dsData><secDNS:keyData>`) is optional in RFC 5910 §4.1 and is not kept.

use banyan_wire::text::{hex_decode, hex_encode};
use banyan_wire::Name;

use crate::delegation::{DelegationReport, Finding, Subject};
use crate::epp::{
    self, AuthInfo, ContactInfData, DomainContact, DomainInfData, EppError, EppResult, ExtValue, HostInfData,
    HostsFilter, ObjectStatus, Period, ResponseExtensions, ResultCode, ResultValue, RgpResponse, SecDnsData, SecDnsRem,
    SecDnsUpdate, TransferData, CONTACT_NS, DOMAIN_NS, HOST_NS, SECDNS_NS,
};
use crate::model::{self, ContactType, DiscloseField, PostalType, RgpStatus, Status, TransferStatus};
use crate::time::datetime;
use crate::RegistryError;

// ---- names and small values ----

/// A domain or host name as a client wrote it (RFC 5731 §2.1: a fully qualified name,
/// conventionally without the final dot; U-labels become A-labels). 2005 when it is not a
/// domain name.
pub fn name(what: &str, text: &str) -> Result<Name, EppError> {
    Name::from_unicode(text).map_err(|_| EppError::bad_value(what, text))
}

/// A name as EPP writes it: presentation form without the final dot (RFC 5731 §2.1).
pub fn epp_name(name: &Name) -> String {
    let text = name.to_string();
    match text.strip_suffix('.') {
        Some(t) if !t.is_empty() => t.to_owned(),
        _ => text,
    }
}

/// A period in whole years (RFC 5731 §2.5); `None` when the client gave none (the registry's
/// default applies). Months that are not whole years are a policy error (2306).
pub fn years(period: Option<Period>) -> Result<Option<u32>, EppError> {
    match period {
        None => Ok(None),
        Some(p) if p.months() % 12 == 0 => Ok(Some(p.months() / 12)),
        Some(p) => Err(EppError::new(
            ResultCode::PARAMETER_VALUE_POLICY_ERROR,
            format!(
                "Parameter value policy error: periods are whole years, not {} months",
                p.months()
            ),
        )),
    }
}

/// The password of an authInfo (RFC 5731 §2.6, RFC 5733 §2.8). A password given with a
/// `roid` (the registrant's contact password, RFC 5731 §3.1.2) is 2102: only the object's
/// own authInfo is kept.
pub fn password(auth: &AuthInfo) -> Result<&str, EppError> {
    match auth.roid {
        None => Ok(&auth.password),
        Some(_) => Err(EppError::new(
            ResultCode::UNIMPLEMENTED_OPTION,
            "Unimplemented option: authInfo with roid (a contact's password); give the object's own authInfo",
        )),
    }
}

/// The password of an optional authInfo.
pub fn opt_password(auth: Option<&AuthInfo>) -> Result<Option<&str>, EppError> {
    auth.map(password).transpose()
}

/// An EPP status as the registry's (RFC 5731 §2.3, RFC 5732 §2.3, RFC 5733 §2.2: the same
/// eighteen values).
pub fn status_in(s: epp::Status) -> Status {
    match s {
        epp::Status::ClientDeleteProhibited => Status::ClientDeleteProhibited,
        epp::Status::ClientHold => Status::ClientHold,
        epp::Status::ClientRenewProhibited => Status::ClientRenewProhibited,
        epp::Status::ClientTransferProhibited => Status::ClientTransferProhibited,
        epp::Status::ClientUpdateProhibited => Status::ClientUpdateProhibited,
        epp::Status::Inactive => Status::Inactive,
        epp::Status::Linked => Status::Linked,
        epp::Status::Ok => Status::Ok,
        epp::Status::PendingCreate => Status::PendingCreate,
        epp::Status::PendingDelete => Status::PendingDelete,
        epp::Status::PendingRenew => Status::PendingRenew,
        epp::Status::PendingTransfer => Status::PendingTransfer,
        epp::Status::PendingUpdate => Status::PendingUpdate,
        epp::Status::ServerDeleteProhibited => Status::ServerDeleteProhibited,
        epp::Status::ServerHold => Status::ServerHold,
        epp::Status::ServerRenewProhibited => Status::ServerRenewProhibited,
        epp::Status::ServerTransferProhibited => Status::ServerTransferProhibited,
        epp::Status::ServerUpdateProhibited => Status::ServerUpdateProhibited,
    }
}

/// A registry status as EPP's.
pub fn status_out(s: Status) -> epp::Status {
    match s {
        Status::ClientDeleteProhibited => epp::Status::ClientDeleteProhibited,
        Status::ClientHold => epp::Status::ClientHold,
        Status::ClientRenewProhibited => epp::Status::ClientRenewProhibited,
        Status::ClientTransferProhibited => epp::Status::ClientTransferProhibited,
        Status::ClientUpdateProhibited => epp::Status::ClientUpdateProhibited,
        Status::Inactive => epp::Status::Inactive,
        Status::Linked => epp::Status::Linked,
        Status::Ok => epp::Status::Ok,
        Status::PendingCreate => epp::Status::PendingCreate,
        Status::PendingDelete => epp::Status::PendingDelete,
        Status::PendingRenew => epp::Status::PendingRenew,
        Status::PendingTransfer => epp::Status::PendingTransfer,
        Status::PendingUpdate => epp::Status::PendingUpdate,
        Status::ServerDeleteProhibited => epp::Status::ServerDeleteProhibited,
        Status::ServerHold => epp::Status::ServerHold,
        Status::ServerRenewProhibited => epp::Status::ServerRenewProhibited,
        Status::ServerTransferProhibited => epp::Status::ServerTransferProhibited,
        Status::ServerUpdateProhibited => epp::Status::ServerUpdateProhibited,
    }
}

fn statuses_in(list: &[ObjectStatus]) -> Vec<Status> {
    list.iter().map(|s| status_in(s.status)).collect()
}

fn statuses_out(list: &[Status]) -> Vec<ObjectStatus> {
    list.iter().map(|s| ObjectStatus::new(status_out(*s))).collect()
}

/// A restore report (RFC 3915 §4.2.5) as the registry keeps it.
pub fn restore_report(r: &epp::RestoreReport) -> model::RestoreReport {
    model::RestoreReport {
        pre_data: r.pre_data.clone(),
        post_data: r.post_data.clone(),
        del_time: r.del_time.clone(),
        res_time: r.res_time.clone(),
        res_reason: r.res_reason.clone(),
        statements: r.statements.clone(),
        other: r.other.clone(),
    }
}

/// A grace-period state as RFC 3915 §3.2 names it.
pub fn rgp_status_out(s: RgpStatus) -> epp::RgpStatus {
    match s {
        RgpStatus::AddPeriod => epp::RgpStatus::AddPeriod,
        RgpStatus::AutoRenewPeriod => epp::RgpStatus::AutoRenewPeriod,
        RgpStatus::RenewPeriod => epp::RgpStatus::RenewPeriod,
        RgpStatus::TransferPeriod => epp::RgpStatus::TransferPeriod,
        RgpStatus::RedemptionPeriod => epp::RgpStatus::RedemptionPeriod,
        RgpStatus::PendingRestore => epp::RgpStatus::PendingRestore,
        RgpStatus::PendingDelete => epp::RgpStatus::PendingDelete,
    }
}

fn contact_type_in(t: epp::ContactType) -> ContactType {
    match t {
        epp::ContactType::Admin => ContactType::Admin,
        epp::ContactType::Billing => ContactType::Billing,
        epp::ContactType::Tech => ContactType::Tech,
    }
}

fn contact_type_out(t: ContactType) -> epp::ContactType {
    match t {
        ContactType::Admin => epp::ContactType::Admin,
        ContactType::Billing => epp::ContactType::Billing,
        ContactType::Tech => epp::ContactType::Tech,
    }
}

fn contacts_in(list: &[DomainContact]) -> Vec<(ContactType, String)> {
    list.iter().map(|c| (contact_type_in(c.kind), c.id.clone())).collect()
}

fn contacts_out(list: &[(ContactType, String)]) -> Vec<DomainContact> {
    list.iter()
        .map(|(t, id)| DomainContact {
            kind: contact_type_out(*t),
            id: id.clone(),
        })
        .collect()
}

fn names_in(what: &str, list: &[String]) -> Result<Vec<Name>, EppError> {
    list.iter().map(|n| name(what, n)).collect()
}

// ---- DNSSEC (RFC 5910) ----

fn key_data_refused() -> EppError {
    EppError::new(
        ResultCode::PARAMETER_VALUE_POLICY_ERROR,
        "Parameter value policy error: this registry takes the DS data interface (RFC 5910 §4.1), not key data",
    )
}

/// A DS record's data (RFC 5910 §4.1); the digest from hexadecimal.
pub fn ds_in(d: &epp::DsData) -> Result<model::DsData, EppError> {
    Ok(model::DsData {
        key_tag: d.key_tag,
        alg: d.alg,
        digest_type: d.digest_type,
        digest: hex_decode(&d.digest).ok_or_else(|| EppError::bad_value("secDNS:digest", &d.digest))?,
    })
}

/// A DS record's data as `<secDNS:dsData>`, the digest in upper-case hexadecimal.
pub fn ds_out(d: &model::DsData) -> epp::DsData {
    epp::DsData {
        key_tag: d.key_tag,
        alg: d.alg,
        digest_type: d.digest_type,
        digest: hex_encode(&d.digest).to_ascii_uppercase(),
        key_data: None,
    }
}

fn ds_list_in(data: &SecDnsData) -> Result<Vec<model::DsData>, EppError> {
    if !data.key_data.is_empty() {
        return Err(key_data_refused());
    }
    data.ds_data.iter().map(ds_in).collect()
}

// ---- domains (RFC 5731) ----

/// A domain create (RFC 5731 §3.2.1) with its `<secDNS:create>` (RFC 5910 §5.2.1). The
/// period defaults to one year.
pub fn domain_create(c: &epp::DomainCreate, sec_dns: Option<&SecDnsData>) -> Result<model::DomainCreate, EppError> {
    let (ds, max_sig_life) = match sec_dns {
        None => (Vec::new(), None),
        Some(d) => (ds_list_in(d)?, d.max_sig_life),
    };
    Ok(model::DomainCreate {
        name: name("domain:name", &c.name)?,
        period_years: years(c.period)?.unwrap_or(1),
        registrant: c.registrant.clone(),
        contacts: contacts_in(&c.contacts),
        ns: names_in("domain:hostObj", &c.ns)?,
        auth_info: password(&c.auth_info)?.to_owned(),
        ds,
        max_sig_life,
    })
}

/// A domain update (RFC 5731 §3.2.5) with its `<secDNS:update>` (RFC 5910 §5.2.5).
pub fn domain_update(u: &epp::DomainUpdate, sec_dns: Option<&SecDnsUpdate>) -> Result<model::DomainUpdate, EppError> {
    let mut out = model::DomainUpdate {
        add_ns: names_in("domain:hostObj", &u.add.ns)?,
        rem_ns: names_in("domain:hostObj", &u.rem.ns)?,
        add_contacts: contacts_in(&u.add.contacts),
        rem_contacts: contacts_in(&u.rem.contacts),
        add_statuses: statuses_in(&u.add.statuses),
        rem_statuses: statuses_in(&u.rem.statuses),
        ..model::DomainUpdate::default()
    };
    if let Some(chg) = &u.chg {
        out.registrant = chg.registrant.clone();
        out.auth_info =
            match &chg.auth_info {
                None => None,
                Some(Some(a)) => Some(password(a)?.to_owned()),
                Some(None) => return Err(EppError::new(
                    ResultCode::PARAMETER_VALUE_POLICY_ERROR,
                    "Parameter value policy error: a domain keeps an authInfo; give a new one instead of domain:null",
                )),
            };
    }
    if let Some(s) = sec_dns {
        if s.urgent {
            return Err(EppError::new(
                ResultCode::UNIMPLEMENTED_OPTION,
                "Unimplemented option: secDNS:update urgent (changes are published with the next zone build)",
            ));
        }
        match &s.rem {
            None => {}
            Some(SecDnsRem::All) => out.ds_rem_all = true,
            Some(SecDnsRem::DsData(list)) => out.ds_rem = list.iter().map(ds_in).collect::<Result<_, _>>()?,
            Some(SecDnsRem::KeyData(_)) => return Err(key_data_refused()),
        }
        if let Some(add) = &s.add {
            out.ds_add = ds_list_in(add)?;
        }
        out.max_sig_life = s.chg_max_sig_life;
    }
    Ok(out)
}

/// True when a domain update changes nothing besides its extensions (an RGP restore is
/// sent so, with at most an empty `<domain:chg/>`, RFC 3915 §4.2.5).
pub fn domain_update_is_bare(u: &epp::DomainUpdate) -> bool {
    u.add.is_empty()
        && u.rem.is_empty()
        && u.chg
            .as_ref()
            .is_none_or(|c| c.registrant.is_none() && c.auth_info.is_none())
}

/// `<domain:infData>` (RFC 5731 §3.1.2) with the hosts `filter` asks for, and its
/// `<secDNS:infData>` (RFC 5910 §5.1.2) and `<rgp:infData>` (RFC 3915 §4.1.2) when there is
/// something to show.
pub fn domain_info(d: &model::DomainInfo, filter: HostsFilter) -> (DomainInfData, ResponseExtensions) {
    let (ns, hosts) = match filter {
        HostsFilter::All => (true, true),
        HostsFilter::Del => (true, false),
        HostsFilter::Sub => (false, true),
        HostsFilter::None => (false, false),
    };
    let data = DomainInfData {
        name: epp_name(&d.name),
        roid: d.roid.clone(),
        statuses: statuses_out(&d.statuses),
        registrant: d.registrant.clone(),
        contacts: contacts_out(&d.contacts),
        ns: if ns {
            d.ns.iter().map(epp_name).collect()
        } else {
            Vec::new()
        },
        hosts: if hosts {
            d.hosts.iter().map(epp_name).collect()
        } else {
            Vec::new()
        },
        cl_id: d.cl_id.to_string(),
        cr_id: d.cr_id.as_ref().map(ToString::to_string),
        cr_date: Some(datetime(d.cr_date)),
        up_id: d.up_id.as_ref().map(ToString::to_string),
        up_date: d.up_date.map(datetime),
        ex_date: Some(datetime(d.ex_date)),
        tr_date: d.tr_date.map(datetime),
        auth_info: d.auth_info.as_ref().map(|pw| AuthInfo::password(pw.clone())),
    };
    let sec_dns = (!d.ds.is_empty() || d.max_sig_life.is_some()).then(|| SecDnsData {
        max_sig_life: d.max_sig_life,
        ds_data: d.ds.iter().map(ds_out).collect(),
        key_data: Vec::new(),
    });
    let rgp = (!d.rgp_statuses.is_empty())
        .then(|| RgpResponse::Info(d.rgp_statuses.iter().map(|s| rgp_status_out(*s)).collect()));
    (data, ResponseExtensions { sec_dns, rgp })
}

// ---- transfers and checks ----

fn transfer_status_out(s: TransferStatus) -> epp::TransferStatus {
    match s {
        TransferStatus::ClientApproved => epp::TransferStatus::ClientApproved,
        TransferStatus::ClientCancelled => epp::TransferStatus::ClientCancelled,
        TransferStatus::ClientRejected => epp::TransferStatus::ClientRejected,
        TransferStatus::Pending => epp::TransferStatus::Pending,
        TransferStatus::ServerApproved => epp::TransferStatus::ServerApproved,
        TransferStatus::ServerCancelled => epp::TransferStatus::ServerCancelled,
    }
}

/// `<domain:trnData>` / `<contact:trnData>` (RFC 5731 §3.2.4, RFC 5733 §3.2.4). A domain's
/// name is written without its final dot.
pub fn transfer_data(t: &model::TransferInfo) -> TransferData {
    let name = match t.name.strip_suffix('.') {
        Some(n) if !n.is_empty() => n.to_owned(),
        _ => t.name.clone(),
    };
    TransferData {
        name,
        tr_status: transfer_status_out(t.status),
        re_id: t.re_id.to_string(),
        re_date: datetime(t.re_date),
        ac_id: t.ac_id.to_string(),
        ac_date: datetime(t.ac_date),
        ex_date: t.ex_date.map(datetime),
    }
}

/// Check answers (RFC 5731 §3.1.1 and its host and contact twins), each under the name the
/// client asked about.
pub fn check_results(asked: &[String], results: Vec<model::CheckResult>) -> Vec<epp::CheckResult> {
    results
        .into_iter()
        .zip(asked)
        .map(|(r, name)| epp::CheckResult {
            name: name.clone(),
            available: r.available,
            reason: r.reason,
        })
        .collect()
}

// ---- hosts (RFC 5732) ----

/// A host create (RFC 5732 §3.2.1).
pub fn host_create(c: &epp::HostCreate) -> Result<model::HostCreate, EppError> {
    Ok(model::HostCreate {
        name: name("host:name", &c.name)?,
        addrs: c.addrs.clone(),
    })
}

/// A host update (RFC 5732 §3.2.5).
pub fn host_update(u: &epp::HostUpdate) -> Result<model::HostUpdate, EppError> {
    Ok(model::HostUpdate {
        add_addrs: u.add.addrs.clone(),
        rem_addrs: u.rem.addrs.clone(),
        add_statuses: statuses_in(&u.add.statuses),
        rem_statuses: statuses_in(&u.rem.statuses),
        new_name: u.new_name.as_deref().map(|n| name("host:name", n)).transpose()?,
    })
}

/// `<host:infData>` (RFC 5732 §3.1.2).
pub fn host_info(h: &model::HostInfo) -> HostInfData {
    HostInfData {
        name: epp_name(&h.name),
        roid: h.roid.clone(),
        statuses: statuses_out(&h.statuses),
        addrs: h.addrs.clone(),
        cl_id: h.cl_id.to_string(),
        cr_id: Some(h.cr_id.to_string()),
        cr_date: Some(datetime(h.cr_date)),
        up_id: h.up_id.as_ref().map(ToString::to_string),
        up_date: h.up_date.map(datetime),
        tr_date: h.tr_date.map(datetime),
    }
}

// ---- contacts (RFC 5733) ----

fn postal_type_in(t: epp::PostalInfoType) -> PostalType {
    match t {
        epp::PostalInfoType::Int => PostalType::Int,
        epp::PostalInfoType::Loc => PostalType::Loc,
    }
}

fn postal_type_out(t: PostalType) -> epp::PostalInfoType {
    match t {
        PostalType::Int => epp::PostalInfoType::Int,
        PostalType::Loc => epp::PostalInfoType::Loc,
    }
}

fn postal_in(p: &epp::PostalInfo) -> model::PostalInfo {
    model::PostalInfo {
        kind: postal_type_in(p.kind),
        name: p.name.clone(),
        org: p.org.clone(),
        street: p.addr.street.clone(),
        city: p.addr.city.clone(),
        sp: p.addr.sp.clone(),
        pc: p.addr.pc.clone(),
        cc: p.addr.cc.clone(),
    }
}

fn postal_out(p: &model::PostalInfo) -> epp::PostalInfo {
    epp::PostalInfo {
        kind: postal_type_out(p.kind),
        name: p.name.clone(),
        org: p.org.clone(),
        addr: epp::Address {
            street: p.street.clone(),
            city: p.city.clone(),
            sp: p.sp.clone(),
            pc: p.pc.clone(),
            cc: p.cc.clone(),
        },
    }
}

/// A telephone number (RFC 5733 §2.5); an extension (`x`) is 2102, the registry keeps the
/// number alone.
fn phone_in(p: Option<&epp::Phone>) -> Result<Option<String>, EppError> {
    match p {
        None => Ok(None),
        Some(p) if p.ext.is_some() => Err(EppError::new(
            ResultCode::UNIMPLEMENTED_OPTION,
            "Unimplemented option: telephone extensions (x) are not kept",
        )),
        Some(p) => Ok(Some(p.number.clone())),
    }
}

fn phone_out(p: &Option<String>) -> Option<epp::Phone> {
    p.as_ref().map(|n| epp::Phone {
        number: n.clone(),
        ext: None,
    })
}

/// Disclosure preferences (RFC 5733 §2.9) as the registry's list of fields.
fn disclose_in(d: &epp::Disclose) -> model::Disclose {
    let mut fields = Vec::new();
    for (list, int, loc) in [
        (&d.name, DiscloseField::NameInt, DiscloseField::NameLoc),
        (&d.org, DiscloseField::OrgInt, DiscloseField::OrgLoc),
        (&d.addr, DiscloseField::AddrInt, DiscloseField::AddrLoc),
    ] {
        for t in list {
            fields.push(match t {
                epp::PostalInfoType::Int => int,
                epp::PostalInfoType::Loc => loc,
            });
        }
    }
    for (set, f) in [
        (d.voice, DiscloseField::Voice),
        (d.fax, DiscloseField::Fax),
        (d.email, DiscloseField::Email),
    ] {
        if set {
            fields.push(f);
        }
    }
    model::Disclose { flag: d.flag, fields }
}

fn disclose_out(d: &model::Disclose) -> epp::Disclose {
    let mut out = epp::Disclose {
        flag: d.flag,
        ..epp::Disclose::default()
    };
    for f in &d.fields {
        match f {
            DiscloseField::NameInt => out.name.push(epp::PostalInfoType::Int),
            DiscloseField::NameLoc => out.name.push(epp::PostalInfoType::Loc),
            DiscloseField::OrgInt => out.org.push(epp::PostalInfoType::Int),
            DiscloseField::OrgLoc => out.org.push(epp::PostalInfoType::Loc),
            DiscloseField::AddrInt => out.addr.push(epp::PostalInfoType::Int),
            DiscloseField::AddrLoc => out.addr.push(epp::PostalInfoType::Loc),
            DiscloseField::Voice => out.voice = true,
            DiscloseField::Fax => out.fax = true,
            DiscloseField::Email => out.email = true,
        }
    }
    out
}

/// A contact create (RFC 5733 §3.2.1).
pub fn contact_create(c: &epp::ContactCreate) -> Result<model::ContactCreate, EppError> {
    Ok(model::ContactCreate {
        id: c.id.clone(),
        postal: c.postal_info.iter().map(postal_in).collect(),
        voice: phone_in(c.voice.as_ref())?,
        fax: phone_in(c.fax.as_ref())?,
        email: c.email.clone(),
        auth_info: password(&c.auth_info)?.to_owned(),
        disclose: c.disclose.as_ref().map(disclose_in),
    })
}

/// Whether a contact update changes postal information only in part (a name without the
/// address, say), so that the current postal information is needed to complete it.
pub fn contact_update_needs_current(u: &epp::ContactUpdate) -> bool {
    u.chg
        .as_ref()
        .is_some_and(|c| c.postal_info.iter().any(|p| p.name.is_none() || p.addr.is_none()))
}

/// A contact update (RFC 5733 §3.2.5). The registry replaces postal information whole, by
/// type; a `<contact:postalInfo>` change that gives only some of name, org and address is
/// completed from `current` (the contact as its sponsor sees it). 2003 when there is no
/// current postal information of that type to complete.
pub fn contact_update(
    u: &epp::ContactUpdate,
    current: Option<&model::ContactInfo>,
) -> Result<model::ContactUpdate, EppError> {
    let mut out = model::ContactUpdate {
        add_statuses: statuses_in(&u.add),
        rem_statuses: statuses_in(&u.rem),
        ..model::ContactUpdate::default()
    };
    let Some(chg) = &u.chg else {
        return Ok(out);
    };
    for p in &chg.postal_info {
        let kind = postal_type_in(p.kind);
        let base = current.and_then(|c| c.postal.iter().find(|o| o.kind == kind));
        let name = match (&p.name, base) {
            (Some(n), _) => n.clone(),
            (None, Some(b)) => b.name.clone(),
            (None, None) => return Err(EppError::missing("contact:name")),
        };
        let org = match (&p.org, base) {
            (Some(o), _) => o.clone(),
            (None, Some(b)) => b.org.clone(),
            (None, None) => None,
        };
        let addr = match (&p.addr, base) {
            (Some(a), _) => a.clone(),
            (None, Some(b)) => epp::Address {
                street: b.street.clone(),
                city: b.city.clone(),
                sp: b.sp.clone(),
                pc: b.pc.clone(),
                cc: b.cc.clone(),
            },
            (None, None) => return Err(EppError::missing("contact:addr")),
        };
        out.postal.push(postal_in(&epp::PostalInfo {
            kind: p.kind,
            name,
            org,
            addr,
        }));
    }
    out.voice = chg.voice.as_ref().map(|v| phone_in(v.as_ref())).transpose()?;
    out.fax = chg.fax.as_ref().map(|v| phone_in(v.as_ref())).transpose()?;
    out.email = chg.email.clone();
    out.auth_info = chg
        .auth_info
        .as_ref()
        .map(|a| password(a).map(str::to_owned))
        .transpose()?;
    out.disclose = chg.disclose.as_ref().map(disclose_in);
    Ok(out)
}

/// `<contact:infData>` (RFC 5733 §3.1.2). A registrar that neither sponsors the contact nor
/// gave its authInfo sees no e-mail address: the element is written empty.
pub fn contact_info(c: &model::ContactInfo) -> ContactInfData {
    ContactInfData {
        id: c.id.clone(),
        roid: c.roid.clone(),
        statuses: statuses_out(&c.statuses),
        postal_info: c.postal.iter().map(postal_out).collect(),
        voice: phone_out(&c.voice),
        fax: phone_out(&c.fax),
        email: c.email.clone().unwrap_or_default(),
        cl_id: c.cl_id.to_string(),
        cr_id: c.cr_id.as_ref().map(ToString::to_string),
        cr_date: Some(datetime(c.cr_date)),
        up_id: c.up_id.as_ref().map(ToString::to_string),
        up_date: c.up_date.map(datetime),
        tr_date: c.tr_date.map(datetime),
        auth_info: c.auth_info.as_ref().map(|pw| AuthInfo::password(pw.clone())),
        disclose: c.disclose.as_ref().map(disclose_out),
    }
}

// ---- results ----

/// The element a failed command names in `<value>` (RFC 5730 §3: "the element that caused
/// the error"): the object's identifying element.
pub fn value(ns: &str, element: &str, text: &str) -> ResultValue {
    ResultValue {
        ns: ns.to_owned(),
        name: element.to_owned(),
        text: text.to_owned(),
    }
}

/// `<domain:name>` for [`value`].
pub fn domain_value(name: &str) -> ResultValue {
    value(DOMAIN_NS, "name", name)
}

/// `<host:name>` for [`value`].
pub fn host_value(name: &str) -> ResultValue {
    value(HOST_NS, "name", name)
}

/// `<contact:id>` for [`value`].
pub fn contact_value(id: &str) -> ResultValue {
    value(CONTACT_NS, "id", id)
}

/// The response to a registry error: its result code ([`RegistryError::epp_code`], the one
/// mapping), its text, and the element that caused it as `<value>`. Errors that are the
/// server's fault (2400) say only "Command failed": their detail (a database message) is
/// for the operator, not the client, and carries no value.
pub fn error_response(err: &RegistryError, value: Option<ResultValue>) -> epp::Response {
    let code = ResultCode(err.epp_code());
    let mut result = if code == ResultCode::COMMAND_FAILED {
        EppResult::new(code)
    } else {
        EppResult::with_msg(code, capitalised(&err.to_string()))
    };
    if code != ResultCode::COMMAND_FAILED {
        result.values.extend(value);
    }
    let mut r = epp::Response::new(code);
    r.results = vec![result];
    r
}

// ---- delegation checks ----

/// The element a delegation finding quotes (RFC 5730 §2.6 `<value>`): the name server
/// (`<domain:hostObj>`), the DS record (`<secDNS:keyTag>`), or the domain (`<domain:name>`,
/// `domain` as the client wrote it).
pub fn finding_value(finding: &Finding, domain: &str) -> ResultValue {
    match finding.subject() {
        Subject::NameServer(n) => value(DOMAIN_NS, "hostObj", &epp_name(&n)),
        Subject::KeyTag(tag) => value(SECDNS_NS, "keyTag", &tag.to_string()),
        Subject::Domain => domain_value(domain),
    }
}

/// The refusal of a command whose delegation check found problems under
/// [`DelegationPolicy::Reject`](crate::policy::DelegationPolicy::Reject): 2306 "Parameter
/// value policy error", with one `<extValue>` per finding — the element it is about and the
/// finding as `<reason>` (RFC 5730 §2.6: additional error diagnostic information).
pub fn delegation_refused(report: &DelegationReport, domain: &str) -> epp::Response {
    let code = ResultCode::PARAMETER_VALUE_POLICY_ERROR;
    let mut result = EppResult::with_msg(
        code,
        format!(
            "Parameter value policy error: the delegation check found {} problem{}",
            report.findings.len(),
            if report.findings.len() == 1 { "" } else { "s" }
        ),
    );
    result.ext_values = report
        .findings
        .iter()
        .map(|f| ExtValue {
            value: finding_value(f, domain),
            reason: f.to_string(),
        })
        .collect();
    let mut r = epp::Response::new(code);
    r.results = vec![result];
    r
}

/// A successful response carrying what a delegation check found under
/// [`DelegationPolicy::Warn`](crate::policy::DelegationPolicy::Warn): the findings are
/// appended to the 1000 result's `<msg>`. RFC 5730 §2.6 allows only one `<result>` on
/// success and reserves `<value>` and `<extValue>` for errors, so the text is the one place
/// a success can carry them; the same lines are kept for RDAP.
pub fn delegation_warned(mut response: epp::Response, report: &DelegationReport) -> epp::Response {
    if report.is_clean() {
        return response;
    }
    if let Some(first) = response.results.first_mut() {
        first.msg = format!("{}; delegation check: {}", first.msg, report.lines().join("; "));
    }
    response
}

/// `text` with its first letter in upper case, as RFC 5730 §3's texts are written.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epp::{Address, ContactChg, DomainAddRem, DomainChg, PostalInfoChg};

    #[test]
    fn rfc5731_section_2_1_names_without_the_final_dot() {
        let n = name("domain:name", "Example.TEST").expect("name");
        assert_eq!(n.to_string(), "Example.TEST.");
        assert_eq!(epp_name(&n), "Example.TEST");
        assert_eq!(epp_name(&name("d", "example.test.").expect("name")), "example.test");
        assert_eq!(
            name("d", "bücher.test").map(|n| n.to_string()).ok(),
            Some("xn--bcher-kva.test.".into())
        );
        let err = name("domain:name", "a..b").err().map(|e| e.code);
        assert_eq!(err, Some(ResultCode::PARAMETER_VALUE_SYNTAX_ERROR));
    }

    #[test]
    fn rfc5731_section_2_5_periods_in_whole_years() {
        assert_eq!(years(None).ok(), Some(None));
        assert_eq!(years(Some(Period::years(3))).ok(), Some(Some(3)));
        let months = |n| Period {
            value: n,
            unit: epp::PeriodUnit::Month,
        };
        assert_eq!(years(Some(months(24))).ok(), Some(Some(2)));
        assert_eq!(
            years(Some(months(18))).err().map(|e| e.code),
            Some(ResultCode::PARAMETER_VALUE_POLICY_ERROR)
        );
    }

    #[test]
    fn statuses_round_trip_by_name() {
        for s in Status::ALL {
            assert_eq!(status_out(s).as_str(), s.as_str());
            assert_eq!(status_in(status_out(s)), s);
        }
        for s in [
            RgpStatus::AddPeriod,
            RgpStatus::AutoRenewPeriod,
            RgpStatus::RenewPeriod,
            RgpStatus::TransferPeriod,
            RgpStatus::RedemptionPeriod,
            RgpStatus::PendingRestore,
            RgpStatus::PendingDelete,
        ] {
            assert_eq!(rgp_status_out(s).as_str(), s.as_str());
        }
    }

    fn ds_epp() -> epp::DsData {
        epp::DsData {
            key_tag: 12345,
            alg: 13,
            digest_type: 2,
            digest: "49fd46e6c4b45c55d4ac".into(),
            key_data: None,
        }
    }

    #[test]
    fn rfc5910_section_4_1_ds_data_round_trip() {
        let ds = ds_in(&ds_epp()).expect("ds");
        assert_eq!(
            ds.digest,
            vec![0x49, 0xfd, 0x46, 0xe6, 0xc4, 0xb4, 0x5c, 0x55, 0xd4, 0xac]
        );
        let back = ds_out(&ds);
        assert_eq!(back.digest, "49FD46E6C4B45C55D4AC");
        assert_eq!(ds_in(&back).ok(), Some(ds));
    }

    fn create() -> epp::DomainCreate {
        epp::DomainCreate {
            name: "example.test".into(),
            period: None,
            ns: vec!["ns1.example.net".into()],
            registrant: Some("jd1234".into()),
            contacts: vec![DomainContact {
                kind: epp::ContactType::Tech,
                id: "sh8013".into(),
            }],
            auth_info: AuthInfo::password("2fooBAR"),
        }
    }

    #[test]
    fn rfc5731_section_3_2_1_create_with_rfc5910_ds() {
        let sec = SecDnsData {
            max_sig_life: Some(604800),
            ds_data: vec![ds_epp()],
            key_data: Vec::new(),
        };
        let c = domain_create(&create(), Some(&sec)).expect("create");
        assert_eq!(c.name.to_string(), "example.test.");
        assert_eq!(c.period_years, 1, "one year by default");
        assert_eq!(c.ns[0].to_string(), "ns1.example.net.");
        assert_eq!(c.contacts, vec![(ContactType::Tech, "sh8013".to_string())]);
        assert_eq!(c.auth_info, "2fooBAR");
        assert_eq!(c.ds.len(), 1);
        assert_eq!(c.max_sig_life, Some(604800));

        let keys = SecDnsData {
            key_data: vec![epp::KeyData {
                flags: 257,
                protocol: 3,
                alg: 13,
                pub_key: "AQID".into(),
            }],
            ..SecDnsData::default()
        };
        let err = domain_create(&create(), Some(&keys)).err().map(|e| e.code);
        assert_eq!(err, Some(ResultCode::PARAMETER_VALUE_POLICY_ERROR));
        let mut with_roid = create();
        with_roid.auth_info.roid = Some("C1-BANYAN".into());
        let err = domain_create(&with_roid, None).err().map(|e| e.code);
        assert_eq!(err, Some(ResultCode::UNIMPLEMENTED_OPTION));
    }

    #[test]
    fn rfc5731_section_3_2_5_update_with_rfc5910_section_5_2_5() {
        let u = epp::DomainUpdate {
            name: "example.test".into(),
            add: DomainAddRem {
                ns: vec!["ns2.example.net".into()],
                contacts: Vec::new(),
                statuses: vec![ObjectStatus::new(epp::Status::ClientHold)],
            },
            rem: DomainAddRem {
                ns: vec!["ns1.example.net".into()],
                ..DomainAddRem::default()
            },
            chg: Some(DomainChg {
                registrant: Some(None),
                auth_info: Some(Some(AuthInfo::password("newPW123"))),
            }),
        };
        let sec = SecDnsUpdate {
            urgent: false,
            rem: Some(SecDnsRem::All),
            add: Some(SecDnsData {
                ds_data: vec![ds_epp()],
                ..SecDnsData::default()
            }),
            chg_max_sig_life: Some(3600),
        };
        let m = domain_update(&u, Some(&sec)).expect("update");
        assert_eq!(m.add_ns.len(), 1);
        assert_eq!(m.rem_ns.len(), 1);
        assert_eq!(m.add_statuses, vec![Status::ClientHold]);
        assert_eq!(m.registrant, Some(None));
        assert_eq!(m.auth_info.as_deref(), Some("newPW123"));
        assert!(m.ds_rem_all);
        assert_eq!(m.ds_add.len(), 1);
        assert_eq!(m.max_sig_life, Some(3600));
        assert!(!domain_update_is_bare(&u));

        let urgent = SecDnsUpdate {
            urgent: true,
            ..SecDnsUpdate::default()
        };
        let err = domain_update(&u, Some(&urgent)).err().map(|e| e.code);
        assert_eq!(err, Some(ResultCode::UNIMPLEMENTED_OPTION));

        let bare = epp::DomainUpdate {
            name: "example.test".into(),
            add: DomainAddRem::default(),
            rem: DomainAddRem::default(),
            chg: Some(DomainChg::default()),
        };
        assert!(domain_update_is_bare(&bare), "RFC 3915 §4.2.5 restore shape");
        let null_auth = epp::DomainUpdate {
            chg: Some(DomainChg {
                registrant: None,
                auth_info: Some(None),
            }),
            ..bare
        };
        let err = domain_update(&null_auth, None).err().map(|e| e.code);
        assert_eq!(err, Some(ResultCode::PARAMETER_VALUE_POLICY_ERROR));
    }

    fn info() -> model::DomainInfo {
        model::DomainInfo {
            name: name("d", "example.test").expect("name"),
            roid: "D1-BANYAN".into(),
            statuses: vec![Status::Ok],
            rgp_statuses: vec![RgpStatus::AddPeriod],
            registrant: Some("jd1234".into()),
            contacts: vec![(ContactType::Admin, "sh8013".into())],
            ns: vec![name("d", "ns1.example.net").expect("name")],
            hosts: vec![name("d", "ns1.example.test").expect("name")],
            cl_id: model::RegistrarId::new("rar-a"),
            cr_id: Some(model::RegistrarId::new("rar-a")),
            cr_date: 1_704_067_200,
            up_id: None,
            up_date: None,
            ex_date: 1_735_689_600,
            tr_date: None,
            auth_info: Some("2fooBAR".into()),
            ds: vec![ds_in(&ds_epp()).expect("ds")],
            max_sig_life: None,
            authorized: true,
        }
    }

    #[test]
    fn rfc5731_section_3_1_2_info_data_and_hosts_filter() {
        let (d, ext) = domain_info(&info(), HostsFilter::All);
        assert_eq!(d.name, "example.test");
        assert_eq!(d.ns, vec!["ns1.example.net"]);
        assert_eq!(d.hosts, vec!["ns1.example.test"]);
        assert_eq!(d.cr_date.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(d.ex_date.as_deref(), Some("2025-01-01T00:00:00Z"));
        assert_eq!(d.auth_info.map(|a| a.password), Some("2fooBAR".into()));
        assert_eq!(d.statuses, vec![ObjectStatus::new(epp::Status::Ok)]);
        assert_eq!(ext.sec_dns.map(|s| s.ds_data.len()), Some(1));
        assert_eq!(ext.rgp, Some(RgpResponse::Info(vec![epp::RgpStatus::AddPeriod])));
        let (d, _) = domain_info(&info(), HostsFilter::Del);
        assert!(!d.ns.is_empty() && d.hosts.is_empty());
        let (d, _) = domain_info(&info(), HostsFilter::Sub);
        assert!(d.ns.is_empty() && !d.hosts.is_empty());
        let (d, _) = domain_info(&info(), HostsFilter::None);
        assert!(d.ns.is_empty() && d.hosts.is_empty());
        let mut plain = info();
        plain.ds.clear();
        plain.rgp_statuses.clear();
        assert!(domain_info(&plain, HostsFilter::All).1.is_empty());
    }

    #[test]
    fn rfc5731_section_3_2_4_transfer_data() {
        let t = model::TransferInfo {
            name: "example.test.".into(),
            status: TransferStatus::Pending,
            re_id: model::RegistrarId::new("rar-b"),
            re_date: 1_704_067_200,
            ac_id: model::RegistrarId::new("rar-a"),
            ac_date: 1_704_067_200 + 5 * 86_400,
            ex_date: Some(1_735_689_600),
        };
        let d = transfer_data(&t);
        assert_eq!(d.name, "example.test");
        assert_eq!(d.tr_status, epp::TransferStatus::Pending);
        assert_eq!(d.ac_date, "2024-01-06T00:00:00Z");
        assert_eq!(d.ex_date.as_deref(), Some("2025-01-01T00:00:00Z"));
    }

    fn epp_postal() -> epp::PostalInfo {
        epp::PostalInfo {
            kind: epp::PostalInfoType::Int,
            name: "John Doe".into(),
            org: Some("Example Inc.".into()),
            addr: Address {
                street: vec!["123 Example Dr.".into()],
                city: "Dulles".into(),
                sp: Some("VA".into()),
                pc: Some("20166-6503".into()),
                cc: "US".into(),
            },
        }
    }

    #[test]
    fn rfc5733_contacts_round_trip() {
        let c = epp::ContactCreate {
            id: "sh8013".into(),
            postal_info: vec![epp_postal()],
            voice: Some(epp::Phone {
                number: "+1.7035555555".into(),
                ext: None,
            }),
            fax: None,
            email: "jdoe@example.test".into(),
            auth_info: AuthInfo::password("2fooBAR"),
            disclose: Some(epp::Disclose {
                flag: false,
                voice: true,
                email: true,
                name: vec![epp::PostalInfoType::Loc],
                ..epp::Disclose::default()
            }),
        };
        let m = contact_create(&c).expect("contact");
        assert_eq!(m.postal[0].city, "Dulles");
        assert_eq!(m.voice.as_deref(), Some("+1.7035555555"));
        let disclose = m.disclose.clone().expect("disclose");
        assert_eq!(
            disclose.fields,
            vec![DiscloseField::NameLoc, DiscloseField::Voice, DiscloseField::Email]
        );
        assert_eq!(disclose_out(&disclose), c.disclose.clone().expect("disclose"));
        assert_eq!(postal_out(&m.postal[0]), epp_postal());

        let mut ext = c.clone();
        ext.voice = Some(epp::Phone {
            number: "+1.7035555555".into(),
            ext: Some("1234".into()),
        });
        assert_eq!(
            contact_create(&ext).err().map(|e| e.code),
            Some(ResultCode::UNIMPLEMENTED_OPTION)
        );
    }

    #[test]
    fn rfc5733_section_3_2_5_partial_postal_change_is_completed() {
        let current = model::ContactInfo {
            id: "sh8013".into(),
            roid: "C1-BANYAN".into(),
            statuses: vec![Status::Ok],
            postal: vec![postal_in(&epp_postal())],
            voice: None,
            fax: None,
            email: Some("jdoe@example.test".into()),
            cl_id: model::RegistrarId::new("rar-a"),
            cr_id: None,
            cr_date: 0,
            up_id: None,
            up_date: None,
            tr_date: None,
            auth_info: None,
            disclose: None,
            authorized: true,
        };
        let u = epp::ContactUpdate {
            id: "sh8013".into(),
            add: vec![ObjectStatus::new(epp::Status::ClientDeleteProhibited)],
            rem: Vec::new(),
            chg: Some(ContactChg {
                postal_info: vec![PostalInfoChg {
                    kind: epp::PostalInfoType::Int,
                    name: Some("Jane Doe".into()),
                    org: Some(None),
                    addr: None,
                }],
                voice: Some(None),
                email: Some("jane@example.test".into()),
                ..ContactChg::default()
            }),
        };
        assert!(contact_update_needs_current(&u));
        let m = contact_update(&u, Some(&current)).expect("update");
        assert_eq!(m.add_statuses, vec![Status::ClientDeleteProhibited]);
        assert_eq!(m.postal[0].name, "Jane Doe");
        assert_eq!(m.postal[0].org, None);
        assert_eq!(m.postal[0].city, "Dulles", "kept from the current address");
        assert_eq!(m.voice, Some(None));
        assert_eq!(m.email.as_deref(), Some("jane@example.test"));
        assert_eq!(
            contact_update(&u, None).err().map(|e| e.code),
            Some(ResultCode::REQUIRED_PARAMETER_MISSING)
        );
    }

    #[test]
    fn rfc5730_section_3_errors_carry_code_and_value() {
        let r = error_response(
            &RegistryError::Exists("domain example.test.".into()),
            Some(domain_value("example.test")),
        );
        assert_eq!(r.code(), ResultCode::OBJECT_EXISTS);
        assert!(r.message().starts_with("Object exists"), "{}", r.message());
        assert_eq!(r.results[0].values, vec![domain_value("example.test")]);
        assert!(r.to_xml().contains("<domain:name xmlns:domain="));

        let r = error_response(&RegistryError::Corrupt("secret detail".into()), Some(host_value("x")));
        assert_eq!(r.code(), ResultCode::COMMAND_FAILED);
        assert_eq!(r.message(), "Command failed");
        assert!(r.results[0].values.is_empty());
    }
}
