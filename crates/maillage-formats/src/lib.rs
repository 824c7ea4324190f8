//! File formats of Maillage: reading any places file (the standard v1 and v0.1 in CSV or JSON,
//! a hub's own export through a declarative mapping), writing the standard's exports (CSV,
//! JSON, GeoJSON), and validating a file against the standard's Table Schema.
//!
//! Boundary: this crate turns bytes into domain records and domain records into bytes. It
//! never touches the store, the network or the file system itself (callers hand it bytes
//! and writers), and depends only on `maillage-domain`.

pub mod data_inclusion;
pub mod error;
pub mod export;
pub mod geo;
pub mod mapping;
pub mod preview;
pub mod reader;
pub mod recognise;
pub mod spreadsheet;
pub mod standard;
pub mod suggest;
pub mod table_schema;

pub use error::{csv_reason, json_reason, FormatError};
pub use reader::{InputFormat, SourceRow};
