//! Use cases of Maillage, shared by the CLI and the web layer: import a file into a source,
//! export the registry in the standard's formats, validate a file against the standard's
//! Table Schema, load the demo data.
//!
//! Boundary: orchestrates the domain, the formats and a `Store`; never names a concrete
//! backend, never parses command lines or HTTP.

pub mod backup;
pub mod coverage;
pub mod demo;
pub mod duplicates;
pub mod directory;
pub mod export;
pub mod import;
pub mod indicators;
pub mod report;
pub mod territory;

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
}

pub type AppResult<T> = Result<T, AppError>;
