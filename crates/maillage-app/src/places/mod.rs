//! Places and imports: a file into a source, the registry out in the standard's formats, the
//! import's report, and the demo data.

pub mod changes;
pub mod demo;
pub mod export;
pub mod import;
pub mod report;
pub mod sources;

pub use sources::{import_file, import_report, imports};
