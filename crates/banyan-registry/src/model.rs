//! The registry's objects as the EPP layer sees them: what a command takes and what it
//! returns (RFC 5731 domains, RFC 5732 hosts, RFC 5733 contacts, RFC 5910 DS data, RFC 3915
//! grace-period statuses). Plain public data; the rules live in [`crate::Registry`].
//!
//! Times are Unix seconds (UTC); [`crate::time::datetime`] formats them as EPP dates.

use std::fmt;
use std::net::IpAddr;

use banyan_wire::Name;

/// A registrar's client identifier (`clID`, RFC 5730 §2.9.1.1), as returned by
/// [`crate::Registry::login`] and passed to every command to say who is asking.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistrarId(String);

impl RegistrarId {
    /// A registrar identifier. Checked only when a registrar is created; commands by an
    /// unknown identifier fail with [`crate::RegistryError::Authorization`].
    pub fn new(id: impl Into<String>) -> RegistrarId {
        RegistrarId(id.into())
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegistrarId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the registry keeps about a registrar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrarInfo {
    /// The client identifier.
    pub id: RegistrarId,
    /// The registrar's name, for people.
    pub name: String,
    /// The prepaid balance, in the smallest unit of the registry's currency; fees are charged
    /// from it.
    pub balance: i64,
    /// The TLDs the registrar may register names under.
    pub tlds: Vec<Name>,
}

/// The role of a contact of a domain (RFC 5731 §2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContactType {
    /// Administrative contact (`admin`).
    Admin,
    /// Billing contact (`billing`).
    Billing,
    /// Technical contact (`tech`).
    Tech,
}

impl ContactType {
    /// The EPP `type` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactType::Admin => "admin",
            ContactType::Billing => "billing",
            ContactType::Tech => "tech",
        }
    }

    /// The type named by an EPP `type` attribute value.
    pub fn parse(s: &str) -> Option<ContactType> {
        match s {
            "admin" => Some(ContactType::Admin),
            "billing" => Some(ContactType::Billing),
            "tech" => Some(ContactType::Tech),
            _ => None,
        }
    }
}

/// An object status (RFC 5731 §2.3 domains, RFC 5732 §2.3 hosts, RFC 5733 §2.2 contacts).
///
/// Clients may set and remove the `client*` statuses; the `server*` statuses belong to the
/// registry operator; the rest are set by the registry itself to show the object's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)] // Each variant is the RFC status of the same name.
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
    /// Every status, in the order of the RFCs' lists.
    pub const ALL: [Status; 18] = [
        Status::ClientDeleteProhibited,
        Status::ClientHold,
        Status::ClientRenewProhibited,
        Status::ClientTransferProhibited,
        Status::ClientUpdateProhibited,
        Status::Inactive,
        Status::Linked,
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

    /// The EPP `s` attribute value (`clientHold`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::ClientDeleteProhibited => "clientDeleteProhibited",
            Status::ClientHold => "clientHold",
            Status::ClientRenewProhibited => "clientRenewProhibited",
            Status::ClientTransferProhibited => "clientTransferProhibited",
            Status::ClientUpdateProhibited => "clientUpdateProhibited",
            Status::Inactive => "inactive",
            Status::Linked => "linked",
            Status::Ok => "ok",
            Status::PendingCreate => "pendingCreate",
            Status::PendingDelete => "pendingDelete",
            Status::PendingRenew => "pendingRenew",
            Status::PendingTransfer => "pendingTransfer",
            Status::PendingUpdate => "pendingUpdate",
            Status::ServerDeleteProhibited => "serverDeleteProhibited",
            Status::ServerHold => "serverHold",
            Status::ServerRenewProhibited => "serverRenewProhibited",
            Status::ServerTransferProhibited => "serverTransferProhibited",
            Status::ServerUpdateProhibited => "serverUpdateProhibited",
        }
    }

    /// The status named by an EPP `s` attribute value.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether a client may add or remove this status with an update command.
    pub fn is_client(self) -> bool {
        matches!(
            self,
            Status::ClientDeleteProhibited
                | Status::ClientHold
                | Status::ClientRenewProhibited
                | Status::ClientTransferProhibited
                | Status::ClientUpdateProhibited
        )
    }

    /// Whether the registry operator may set this status
    /// ([`crate::Registry::set_server_statuses`]).
    pub fn is_server(self) -> bool {
        matches!(
            self,
            Status::ServerDeleteProhibited
                | Status::ServerHold
                | Status::ServerRenewProhibited
                | Status::ServerTransferProhibited
                | Status::ServerUpdateProhibited
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A grace-period status of a domain (RFC 3915 §3.1, `<rgp:rgpStatus s="…">`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RgpStatus {
    /// Created recently: a delete now refunds the create fee and removes the name at once.
    AddPeriod,
    /// Renewed automatically at expiry recently: a delete now refunds the renewal.
    AutoRenewPeriod,
    /// Renewed recently: a delete now refunds the renewal.
    RenewPeriod,
    /// Transferred recently: a delete now refunds the transfer.
    TransferPeriod,
    /// Deleted (or expired without renewal): out of the zone, restorable by the sponsor.
    RedemptionPeriod,
    /// Restore requested ([`crate::Registry::restore_domain`]), restore report awaited
    /// ([`crate::Registry::restore_report`]); RFC 3915 §2 step 5.
    PendingRestore,
    /// Past redemption: purged when the period ends, no longer restorable.
    PendingDelete,
}

impl RgpStatus {
    /// The EPP `s` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            RgpStatus::AddPeriod => "addPeriod",
            RgpStatus::AutoRenewPeriod => "autoRenewPeriod",
            RgpStatus::RenewPeriod => "renewPeriod",
            RgpStatus::TransferPeriod => "transferPeriod",
            RgpStatus::RedemptionPeriod => "redemptionPeriod",
            RgpStatus::PendingRestore => "pendingRestore",
            RgpStatus::PendingDelete => "pendingDelete",
        }
    }
}

impl fmt::Display for RgpStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One DS record's data for a domain (RFC 5910 §4.1 `<secDNS:dsData>`, RFC 4034 §5.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DsData {
    /// Key tag of the child's key.
    pub key_tag: u16,
    /// DNSSEC algorithm number of the key.
    pub alg: u8,
    /// Digest type (1 SHA-1, 2 SHA-256, 4 SHA-384).
    pub digest_type: u8,
    /// The digest.
    pub digest: Vec<u8>,
}

impl DsData {
    /// The record data for the TLD zone.
    pub fn to_rdata(&self) -> banyan_wire::rdata::Ds {
        banyan_wire::rdata::Ds {
            key_tag: self.key_tag,
            algorithm: self.alg,
            digest_type: self.digest_type,
            digest: self.digest.clone(),
        }
    }
}

/// The answer for one name or identifier of a check command (RFC 5730 §2.9.2.1,
/// `<domain:cd>` etc.).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// The name or identifier as asked.
    pub name: String,
    /// Whether a create command for it could succeed (`avail`).
    pub available: bool,
    /// Why not, for people (`<domain:reason>`); `None` when available.
    pub reason: Option<String>,
}

/// A domain create command (RFC 5731 §3.2.1, with RFC 5910 §5.2.1 DS data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainCreate {
    /// The name: one label under a TLD of the registry.
    pub name: Name,
    /// Registration period in years (`<domain:period unit="y">`; EPP's default is 1).
    pub period_years: u32,
    /// The registrant's contact identifier.
    pub registrant: Option<String>,
    /// Other contacts by role.
    pub contacts: Vec<(ContactType, String)>,
    /// Name servers: names of existing host objects (`<domain:hostObj>`).
    pub ns: Vec<Name>,
    /// The authorization information (`<domain:pw>`), needed to transfer the domain.
    pub auth_info: String,
    /// DS records to publish in the TLD zone.
    pub ds: Vec<DsData>,
    /// `<secDNS:maxSigLife>`, kept and shown as given.
    pub max_sig_life: Option<u32>,
}

/// The answer to a domain create (RFC 5731 §3.2.1 `<domain:creData>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainCreated {
    /// The name.
    pub name: Name,
    /// When it was created.
    pub cr_date: i64,
    /// When it expires.
    pub ex_date: i64,
}

/// A domain as a domain info command shows it (RFC 5731 §3.1.2 `<domain:infData>`, RFC 5910
/// §5.1.2 `<secDNS:infData>`, RFC 3915 §4.1 `<rgp:infData>`).
///
/// A registrar that neither sponsors the domain nor gave its authInfo sees only the public
/// part (`authorized == false`): registrant, contacts, subordinate hosts, the authInfo and who
/// created, updated or transferred it are left empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainInfo {
    /// The name.
    pub name: Name,
    /// The repository object identifier.
    pub roid: String,
    /// Statuses (at least one; `ok` when nothing else applies).
    pub statuses: Vec<Status>,
    /// Grace-period statuses (RFC 3915), empty outside every grace period.
    pub rgp_statuses: Vec<RgpStatus>,
    /// The registrant's contact identifier.
    pub registrant: Option<String>,
    /// Contacts by role.
    pub contacts: Vec<(ContactType, String)>,
    /// Name servers (`<domain:ns>`), in canonical order.
    pub ns: Vec<Name>,
    /// Subordinate hosts (`<domain:host>`): host objects named under this domain.
    pub hosts: Vec<Name>,
    /// The sponsoring registrar.
    pub cl_id: RegistrarId,
    /// The registrar that created the domain.
    pub cr_id: Option<RegistrarId>,
    /// When it was created.
    pub cr_date: i64,
    /// The registrar that last updated it.
    pub up_id: Option<RegistrarId>,
    /// When it was last updated.
    pub up_date: Option<i64>,
    /// When it expires.
    pub ex_date: i64,
    /// When it was last transferred.
    pub tr_date: Option<i64>,
    /// The authorization information.
    pub auth_info: Option<String>,
    /// DS data (public: it is in the TLD zone).
    pub ds: Vec<DsData>,
    /// `<secDNS:maxSigLife>`.
    pub max_sig_life: Option<u32>,
    /// Whether the asker sponsors the domain or gave its authInfo, and so sees everything.
    pub authorized: bool,
}

/// A domain update command (RFC 5731 §3.2.5, RFC 5910 §5.2.5). Removals are applied before
/// additions; `ds_rem_all` before both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainUpdate {
    /// Name servers to add.
    pub add_ns: Vec<Name>,
    /// Name servers to remove.
    pub rem_ns: Vec<Name>,
    /// Contacts to add.
    pub add_contacts: Vec<(ContactType, String)>,
    /// Contacts to remove.
    pub rem_contacts: Vec<(ContactType, String)>,
    /// Client statuses to add.
    pub add_statuses: Vec<Status>,
    /// Client statuses to remove.
    pub rem_statuses: Vec<Status>,
    /// A new registrant (`Some(None)` removes it).
    pub registrant: Option<Option<String>>,
    /// New authorization information.
    pub auth_info: Option<String>,
    /// DS data to add.
    pub ds_add: Vec<DsData>,
    /// DS data to remove.
    pub ds_rem: Vec<DsData>,
    /// Remove all DS data (`<secDNS:rem><secDNS:all>true`).
    pub ds_rem_all: bool,
    /// A new `<secDNS:maxSigLife>`.
    pub max_sig_life: Option<u32>,
}

/// What the last delegation check of a domain found ([`crate::delegation`]), kept by
/// [`crate::Registry::record_delegation_check`] and shown by RDAP (RFC 9083 §4.3 remark) and
/// WHOIS (RFC 3912 text lines) alike: both take their words from [`DelegationFindings::TITLE`],
/// [`DelegationFindings::checked`] and [`DelegationFindings::lines`], so the two services
/// cannot drift apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelegationFindings {
    /// When the check ran.
    pub checked_at: i64,
    /// One line per finding, for people.
    pub lines: Vec<String>,
}

impl DelegationFindings {
    /// The title of what a delegation check found: the RDAP remark's `title` and the WHOIS
    /// key (`Delegation check: …`).
    pub const TITLE: &'static str = "Delegation check";

    /// When the check ran, as RDAP and WHOIS write dates (RFC 3339 in UTC).
    pub fn checked(&self) -> String {
        crate::time::datetime(self.checked_at)
    }

    /// The WHOIS lines' values (RFC 3912): `<date>: <finding>`, one per finding, each shown
    /// under the key [`DelegationFindings::TITLE`].
    pub fn whois_values(&self) -> Vec<String> {
        let at = self.checked();
        self.lines.iter().map(|l| format!("{at}: {l}")).collect()
    }

    /// The RDAP remark's description (RFC 9083 §4.3): when it ran, then one line per finding.
    pub fn rdap_description(&self) -> Vec<String> {
        let mut out = vec![format!("Checked at {}.", self.checked())];
        out.extend(self.lines.iter().cloned());
        out
    }
}

/// The answer to a domain renew or restore (RFC 5731 §3.2.3 `<domain:renData>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainRenewed {
    /// The name.
    pub name: Name,
    /// The new expiry.
    pub ex_date: i64,
}

/// A restore report (RFC 3915 §4.2.5 `<rgp:report>`): why a deleted domain is restored, kept
/// by [`crate::Registry::restore_report`] as given. The texts are the registrar's; the
/// registry does not interpret them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestoreReport {
    /// The registration data before the delete (`<rgp:preData>`).
    pub pre_data: String,
    /// The registration data now (`<rgp:postData>`).
    pub post_data: String,
    /// When the delete was requested (`<rgp:delTime>`, an XML Schema dateTime).
    pub del_time: String,
    /// When the restore was requested (`<rgp:resTime>`, an XML Schema dateTime).
    pub res_time: String,
    /// Why the domain is restored (`<rgp:resReason>`).
    pub res_reason: String,
    /// The registrar's statements (`<rgp:statement>`, one or two: RFC 3915 §4.2.5 asks that
    /// the information is not restored to help a third party, and that it is accurate).
    pub statements: Vec<String>,
    /// Anything else (`<rgp:other>`).
    pub other: Option<String>,
}

/// What a domain delete did (RFC 5731 §3.2.2, RFC 3915 §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainDeleted {
    /// Deleted within the add grace period: gone at once, the create fee refunded (EPP 1000).
    Purged,
    /// Now in the redemption period, out of the zone and restorable until it ends (EPP 1001,
    /// action pending).
    Redemption,
}

/// A transfer's state (RFC 5730 §2.9.3.4 `trStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransferStatus {
    /// Approved by the losing registrar.
    ClientApproved,
    /// Cancelled by the requesting registrar.
    ClientCancelled,
    /// Rejected by the losing registrar.
    ClientRejected,
    /// Waiting for the losing registrar (or the transfer period to end).
    Pending,
    /// Approved by the registry: the transfer period ended without an answer.
    ServerApproved,
    /// Cancelled by the registry (the object was deleted or expired).
    ServerCancelled,
}

impl TransferStatus {
    /// The EPP `trStatus` value.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferStatus::ClientApproved => "clientApproved",
            TransferStatus::ClientCancelled => "clientCancelled",
            TransferStatus::ClientRejected => "clientRejected",
            TransferStatus::Pending => "pending",
            TransferStatus::ServerApproved => "serverApproved",
            TransferStatus::ServerCancelled => "serverCancelled",
        }
    }

    /// The status named by an EPP `trStatus` value.
    pub fn parse(s: &str) -> Option<TransferStatus> {
        [
            TransferStatus::ClientApproved,
            TransferStatus::ClientCancelled,
            TransferStatus::ClientRejected,
            TransferStatus::Pending,
            TransferStatus::ServerApproved,
            TransferStatus::ServerCancelled,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// A transfer of a domain or contact as EPP reports it (RFC 5731 §3.1.3 `<domain:trnData>`,
/// RFC 5733 §3.1.3 `<contact:trnData>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferInfo {
    /// The domain name (presentation form) or contact identifier.
    pub name: String,
    /// The transfer's state.
    pub status: TransferStatus,
    /// The requesting (gaining) registrar (`reID`).
    pub re_id: RegistrarId,
    /// When it was requested (`reDate`).
    pub re_date: i64,
    /// The registrar that must act: the losing one (`acID`).
    pub ac_id: RegistrarId,
    /// When it was acted on, or when it will be approved by the registry if still pending
    /// (`acDate`).
    pub ac_date: i64,
    /// For a domain: its expiry once the transfer completes (`exDate`).
    pub ex_date: Option<i64>,
}

/// Which kind of postal information (RFC 5733 §2.4 `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PostalType {
    /// Internationalized: UTF-8 (`int`).
    Int,
    /// Localized: 7-bit ASCII only (`loc`).
    Loc,
}

impl PostalType {
    /// The EPP `type` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            PostalType::Int => "int",
            PostalType::Loc => "loc",
        }
    }

    /// The type named by an EPP `type` attribute value.
    pub fn parse(s: &str) -> Option<PostalType> {
        match s {
            "int" => Some(PostalType::Int),
            "loc" => Some(PostalType::Loc),
            _ => None,
        }
    }
}

/// A contact's postal information of one type (RFC 5733 §2.4 `<contact:postalInfo>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostalInfo {
    /// `int` or `loc`.
    pub kind: PostalType,
    /// The person's or role's name.
    pub name: String,
    /// The organization.
    pub org: Option<String>,
    /// Street lines (at most 3).
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

/// A field a disclosure preference applies to (RFC 5733 §2.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)] // `<contact:name type="int"/>` is NameInt, and so on.
pub enum DiscloseField {
    NameInt,
    NameLoc,
    OrgInt,
    OrgLoc,
    AddrInt,
    AddrLoc,
    Voice,
    Fax,
    Email,
}

impl DiscloseField {
    const ALL: [DiscloseField; 9] = [
        DiscloseField::NameInt,
        DiscloseField::NameLoc,
        DiscloseField::OrgInt,
        DiscloseField::OrgLoc,
        DiscloseField::AddrInt,
        DiscloseField::AddrLoc,
        DiscloseField::Voice,
        DiscloseField::Fax,
        DiscloseField::Email,
    ];

    /// A short name, used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            DiscloseField::NameInt => "name-int",
            DiscloseField::NameLoc => "name-loc",
            DiscloseField::OrgInt => "org-int",
            DiscloseField::OrgLoc => "org-loc",
            DiscloseField::AddrInt => "addr-int",
            DiscloseField::AddrLoc => "addr-loc",
            DiscloseField::Voice => "voice",
            DiscloseField::Fax => "fax",
            DiscloseField::Email => "email",
        }
    }

    /// The field named by [`DiscloseField::as_str`].
    pub fn parse(s: &str) -> Option<DiscloseField> {
        DiscloseField::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A contact's disclosure preference (RFC 5733 §2.9 `<contact:disclose flag="…">`): the
/// listed fields are to be disclosed (`flag`) or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclose {
    /// `true` for `flag="1"`.
    pub flag: bool,
    /// The fields.
    pub fields: Vec<DiscloseField>,
}

/// A contact create command (RFC 5733 §3.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactCreate {
    /// The contact's identifier, chosen by the client (3-16 characters, RFC 5730 `clIDType`).
    pub id: String,
    /// Postal information, one or two (one `int` and/or one `loc`).
    pub postal: Vec<PostalInfo>,
    /// Telephone number (`+1.7035555555` form, RFC 5733 §2.5).
    pub voice: Option<String>,
    /// Fax number.
    pub fax: Option<String>,
    /// E-mail address.
    pub email: String,
    /// The authorization information, needed to transfer the contact.
    pub auth_info: String,
    /// Disclosure preference.
    pub disclose: Option<Disclose>,
}

/// A contact as a contact info command shows it (RFC 5733 §3.1.2 `<contact:infData>`).
///
/// A registrar that neither sponsors the contact nor gave its authInfo sees only the public
/// part (`authorized == false`): postal information, telephone, fax, e-mail, the authInfo and
/// who created, updated or transferred it are left empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactInfo {
    /// The identifier.
    pub id: String,
    /// The repository object identifier.
    pub roid: String,
    /// Statuses (`ok` when nothing else applies; `linked` when a domain refers to it).
    pub statuses: Vec<Status>,
    /// Postal information.
    pub postal: Vec<PostalInfo>,
    /// Telephone number.
    pub voice: Option<String>,
    /// Fax number.
    pub fax: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// The sponsoring registrar.
    pub cl_id: RegistrarId,
    /// The registrar that created the contact.
    pub cr_id: Option<RegistrarId>,
    /// When it was created.
    pub cr_date: i64,
    /// The registrar that last updated it.
    pub up_id: Option<RegistrarId>,
    /// When it was last updated.
    pub up_date: Option<i64>,
    /// When it was last transferred.
    pub tr_date: Option<i64>,
    /// The authorization information.
    pub auth_info: Option<String>,
    /// Disclosure preference.
    pub disclose: Option<Disclose>,
    /// Whether the asker sponsors the contact or gave its authInfo, and so sees everything.
    pub authorized: bool,
}

/// A contact update command (RFC 5733 §3.2.5).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactUpdate {
    /// Client statuses to add.
    pub add_statuses: Vec<Status>,
    /// Client statuses to remove.
    pub rem_statuses: Vec<Status>,
    /// Postal information to replace, by type (a type not given is kept).
    pub postal: Vec<PostalInfo>,
    /// New telephone number (`Some(None)` removes it).
    pub voice: Option<Option<String>>,
    /// New fax number (`Some(None)` removes it).
    pub fax: Option<Option<String>>,
    /// New e-mail address.
    pub email: Option<String>,
    /// New authorization information.
    pub auth_info: Option<String>,
    /// New disclosure preference.
    pub disclose: Option<Disclose>,
}

/// A host create command (RFC 5732 §3.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostCreate {
    /// The host name.
    pub name: Name,
    /// Addresses: only for hosts under a TLD of the registry (they become glue).
    pub addrs: Vec<IpAddr>,
}

/// A host as a host info command shows it (RFC 5732 §3.1.2 `<host:infData>`). Hosts have no
/// authInfo: everyone sees everything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostInfo {
    /// The host name.
    pub name: Name,
    /// The repository object identifier.
    pub roid: String,
    /// Statuses (`linked` when a domain uses it as a name server).
    pub statuses: Vec<Status>,
    /// Addresses, IPv4 first.
    pub addrs: Vec<IpAddr>,
    /// The sponsoring registrar (for a host under a domain of the registry, the domain's).
    pub cl_id: RegistrarId,
    /// The registrar that created the host.
    pub cr_id: RegistrarId,
    /// When it was created.
    pub cr_date: i64,
    /// The registrar that last updated it.
    pub up_id: Option<RegistrarId>,
    /// When it was last updated.
    pub up_date: Option<i64>,
    /// When it last changed sponsor (with its superordinate domain).
    pub tr_date: Option<i64>,
}

/// A host update command (RFC 5732 §3.2.5).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostUpdate {
    /// Addresses to add.
    pub add_addrs: Vec<IpAddr>,
    /// Addresses to remove.
    pub rem_addrs: Vec<IpAddr>,
    /// Client statuses to add.
    pub add_statuses: Vec<Status>,
    /// Client statuses to remove.
    pub rem_statuses: Vec<Status>,
    /// A new name (`<host:chg><host:name>`).
    pub new_name: Option<Name>,
}

/// What a poll message is about (RFC 5730 §2.9.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PollKind {
    /// A transfer was requested, approved, rejected, cancelled or approved by the registry;
    /// [`PollMessage::transfer`] says which (shown as `<domain:trnData>` or
    /// `<contact:trnData>`).
    Transfer,
    /// The domain reached its expiry and was renewed automatically, charged to its sponsor;
    /// [`PollMessage::ex_date`] is the new expiry.
    AutoRenew,
    /// The domain expired without renewal and entered the redemption period.
    Expired,
    /// The domain left the redemption period and is pending deletion.
    PendingDelete,
    /// The domain was purged: the name is free again.
    Purged,
    /// No restore report came within the pendingRestore period: the domain is back in its
    /// redemption period, out of the zone (RFC 3915 §2 step 7).
    RestoreLapsed,
}

impl PollKind {
    fn as_str(self) -> &'static str {
        match self {
            PollKind::Transfer => "transfer",
            PollKind::AutoRenew => "autoRenew",
            PollKind::Expired => "expired",
            PollKind::PendingDelete => "pendingDelete",
            PollKind::Purged => "purged",
            PollKind::RestoreLapsed => "restoreLapsed",
        }
    }

    pub(crate) fn store(self) -> &'static str {
        self.as_str()
    }

    pub(crate) fn load(s: &str) -> Option<PollKind> {
        [
            PollKind::Transfer,
            PollKind::AutoRenew,
            PollKind::Expired,
            PollKind::PendingDelete,
            PollKind::Purged,
            PollKind::RestoreLapsed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Whether a transfer poll message is about a domain or a contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A domain (RFC 5731).
    Domain,
    /// A contact (RFC 5733).
    Contact,
    /// A host (RFC 5732).
    Host,
}

impl ObjectKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Domain => "domain",
            ObjectKind::Contact => "contact",
            ObjectKind::Host => "host",
        }
    }

    pub(crate) fn load(s: &str) -> Option<ObjectKind> {
        match s {
            "domain" => Some(ObjectKind::Domain),
            "contact" => Some(ObjectKind::Contact),
            "host" => Some(ObjectKind::Host),
            _ => None,
        }
    }
}

/// A service message waiting for a registrar (RFC 5730 §2.9.2.3 `<msgQ>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollMessage {
    /// The message identifier, for the ack.
    pub id: i64,
    /// When it was queued (`<qDate>`).
    pub queued_at: i64,
    /// What it is about.
    pub kind: PollKind,
    /// Whether [`PollMessage::object`] is a domain or a contact.
    pub object_kind: ObjectKind,
    /// The domain name or contact identifier.
    pub object: String,
    /// Human-readable text (`<msg>`).
    pub text: String,
    /// For [`PollKind::Transfer`]: the transfer as it was when the message was queued.
    pub transfer: Option<TransferInfo>,
    /// For [`PollKind::AutoRenew`]: the new expiry.
    pub ex_date: Option<i64>,
}

/// The answer to a poll request: the oldest message and how many are queued
/// (RFC 5730 §2.9.2.3 `<msgQ count="…">`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    /// Messages in the queue, this one included.
    pub count: u64,
    /// The oldest message.
    pub message: PollMessage,
}

/// What [`crate::Registry::tick`] did, domain by domain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Domains and contacts whose pending transfer the registry approved.
    pub transfers_approved: Vec<String>,
    /// Domains renewed automatically at expiry.
    pub auto_renewed: Vec<Name>,
    /// Domains that expired without renewal and entered redemption.
    pub expired: Vec<Name>,
    /// Domains that left redemption for pending delete.
    pub pending_delete: Vec<Name>,
    /// Domains purged.
    pub purged: Vec<Name>,
    /// Domains whose restore report did not come in time, back in redemption (RFC 3915 §2).
    pub restores_lapsed: Vec<Name>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delegation_findings_read_alike_in_rdap_and_whois() {
        let found = DelegationFindings {
            checked_at: 1_704_067_200,
            lines: vec!["ns1.example.test (192.0.2.1): no answer (lame delegation)".into()],
        };
        assert_eq!(found.checked(), "2024-01-01T00:00:00Z");
        assert_eq!(
            found.rdap_description(),
            vec![
                "Checked at 2024-01-01T00:00:00Z.".to_string(),
                "ns1.example.test (192.0.2.1): no answer (lame delegation)".to_string(),
            ]
        );
        assert_eq!(
            found.whois_values(),
            vec!["2024-01-01T00:00:00Z: ns1.example.test (192.0.2.1): no answer (lame delegation)".to_string()]
        );
        assert_eq!(DelegationFindings::TITLE, "Delegation check");
    }

    #[test]
    fn rfc5731_section_2_3_status_names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("clientHold"), Some(Status::ClientHold));
        assert_eq!(Status::parse("ClientHold"), None);
        assert_eq!(Status::ALL.iter().filter(|s| s.is_client()).count(), 5);
        assert_eq!(Status::ALL.iter().filter(|s| s.is_server()).count(), 5);
    }

    #[test]
    fn rfc5730_transfer_statuses_and_other_names_round_trip() {
        for t in [
            "clientApproved",
            "clientCancelled",
            "clientRejected",
            "pending",
            "serverApproved",
            "serverCancelled",
        ] {
            assert_eq!(TransferStatus::parse(t).map(TransferStatus::as_str), Some(t));
        }
        for c in ["admin", "billing", "tech"] {
            assert_eq!(ContactType::parse(c).map(ContactType::as_str), Some(c));
        }
        for p in ["int", "loc"] {
            assert_eq!(PostalType::parse(p).map(PostalType::as_str), Some(p));
        }
        for f in DiscloseField::ALL {
            assert_eq!(DiscloseField::parse(f.as_str()), Some(f));
        }
        for k in [
            PollKind::Transfer,
            PollKind::AutoRenew,
            PollKind::Expired,
            PollKind::PendingDelete,
            PollKind::Purged,
            PollKind::RestoreLapsed,
        ] {
            assert_eq!(PollKind::load(k.store()), Some(k));
        }
    }
}
