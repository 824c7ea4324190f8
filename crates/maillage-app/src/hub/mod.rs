//! The hub as a whole: its settings (the branding its pages show) and its portable backup.

pub mod backup;
pub mod branding;
