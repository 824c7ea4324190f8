//! Use cases of Maillage, shared by the CLI and the web layer: import a file into a source,
//! export the registry in the standard's formats, validate a file against the standard's
//! Table Schema, load the demo data.
//!
//! Boundary: orchestrates the domain, the formats and a `Store`; never names a concrete
//! backend, never parses command lines or HTTP.

pub mod accounts;
pub mod campaigns;
pub mod coverage;
pub mod directory;
pub mod duplicates;
pub mod hub;
pub mod mail;
pub mod moderation;
pub mod places;
pub mod territory;

// The modules' former paths, while the crate's own paths are updated.
pub use coverage::indicators;
pub use hub::backup;
pub use places::{demo, export, import, report};

pub use import::{import_file, ImportOptions, ImportReport};

/// Errors of the application layer; each says in French what the user can do.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Format(#[from] maillage_formats::FormatError),
    #[error(transparent)]
    Store(#[from] maillage_store::StoreError),
    #[error("{0}")]
    Input(String),
    /// The actor may not do this (a role or scope check failed); the message says what.
    #[error("{0}")]
    Forbidden(String),
    /// Credentials or a link were refused (wrong password, locked account, expired or used
    /// link); the message is safe to show and says nothing about which accounts exist.
    #[error("{0}")]
    Refused(String),
    /// A form's values, field by field, as the import would report them.
    #[error("formulaire invalide : {}", .0.iter().map(|e| format!("{} : {}", e.field, e.message)).collect::<Vec<_>>().join(" ; "))]
    Invalid(Vec<FieldError>),
}

/// A problem with one field of a form, in French.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

pub type AppResult<T> = Result<T, AppError>;
