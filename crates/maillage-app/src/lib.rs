//! Use cases of Maillage, shared by the command line and the web layer, one module per
//! capability: places and imports ([`places`]), the territory and the hub's bassins
//! ([`territory`]), coverage and its indicators ([`coverage`]), the public directory in
//! memory ([`directory`]), accounts and permissions ([`accounts`]), moderation
//! ([`moderation`]), update campaigns ([`campaigns`]), duplicates ([`duplicates`]), the
//! actors directory the hub's team meets ([`actors`]), the hub's saved mappings and the mapping
//! assistant's form ([`mappings`]), the hub's settings and backup ([`hub`]) and the per-client
//! limiter of what the public posts ([`throttle`]).
//!
//! This crate is the only guarded door: every use case that writes, or reads what is not
//! public, takes the acting [`accounts::Actor`], checks its permission and scope itself and
//! writes the audit entry itself; the edges only translate. Use cases are given a
//! [`context::Context`]; errors are [`AppError`]s.
//!
//! Boundary: orchestrates the domain, the formats and a `Store`; never names a concrete
//! backend, never parses command lines or HTTP, never reads the environment, and sends mail
//! only through the [`mail::Mailer`] it is given.

pub mod accounts;
pub mod actors;
pub mod campaigns;
pub mod context;
pub mod coverage;
pub mod directory;
pub mod duplicates;
mod error;
pub mod hub;
pub mod mail;
pub mod mappings;
pub mod moderation;
pub mod monographie;
pub mod places;
pub mod territory;
pub mod throttle;

pub use error::{io_reason, AppError, AppResult, FieldError};
pub use places::import::{ImportOptions, ImportReport};
pub use places::sources::import_file;
