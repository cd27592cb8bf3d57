//! EPP, the Extensible Provisioning Protocol: how registrars talk to this registry.
//!
//! - The codec, pure and without I/O: client frames ([`Frame`], [`Command`]) parse from and
//!   write to XML (RFC 5730 §2), and so do server frames ([`Greeting`], [`Response`]), for
//!   the domain (RFC 5731), host (RFC 5732) and contact (RFC 5733) mappings and the
//!   secDNS-1.1 (RFC 5910) and RGP (RFC 3915) extensions. A frame that does not parse gives
//!   an [`EppError`] with the RFC 5730 §3 result code to answer with.
//! - The transport (RFC 5734): length-prefixed frames over TLS ([`frame`]), a server loop
//!   that drives a registry through the [`server::Handler`] trait, and a client
//!   ([`client::EppClient`]); [`tls`] makes certificates and rustls configurations.
//!
//! What it does not do: decide anything about objects. Whether a name is available, who may
//! transfer it, what a period costs: that is the registry's, behind [`server::Handler`].

mod contact;
mod domain;
mod error;
mod greeting;
mod host;
mod object;
mod rgp;
mod secdns;
mod xml;

mod command;
mod response;

pub mod client;
pub mod frame;
pub mod server;
pub mod tls;

pub use command::{Command, CommandExtensions, Frame, Login, PollOp, SecDnsExtension};
pub use contact::{
    Address, ContactChg, ContactCommand, ContactCreate, ContactInfData, ContactResData, ContactUpdate, Disclose, Phone,
    PostalInfo, PostalInfoChg, PostalInfoType,
};
pub use domain::{
    ContactType, DomainAddRem, DomainChg, DomainCommand, DomainContact, DomainCreate, DomainInfData, DomainInfo,
    DomainRenew, DomainResData, DomainTransfer, DomainUpdate, HostsFilter,
};
pub use error::{EppError, ResultCode};
pub use greeting::{
    date_time, Dcp, DcpAccess, DcpExpiry, DcpPurpose, DcpRecipient, DcpRetention, DcpStatement, Greeting,
};
pub use host::{HostAddRem, HostCommand, HostCreate, HostInfData, HostResData, HostUpdate};
pub use object::{
    AuthInfo, CheckResult, ObjectStatus, PendingActionData, Period, PeriodUnit, Status, TransferData, TransferOp,
    TransferStatus,
};
pub use response::{EppResult, ExtValue, MsgQ, ResData, Response, ResponseExtensions, ResultValue, ServerMessage};
pub use rgp::{RestoreReport, RgpResponse, RgpStatus, RgpUpdate};
pub use secdns::{DsData, KeyData, SecDnsData, SecDnsRem, SecDnsUpdate};
pub use xml::{CONTACT_NS, DOMAIN_NS, EPP_NS, HOST_NS, MAX_DEPTH, MAX_ELEMENTS, RGP_NS, SECDNS_NS};
