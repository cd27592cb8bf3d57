//! The dashboard end to end: HTML forms, the JSON API and the security rules, against a real
//! registry over EPP/TLS and a real zone store (see `common`).

mod api;
mod common;
mod dns;
mod html;
mod security;
