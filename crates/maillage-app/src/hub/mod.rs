//! The hub as a whole: its portable backup.

pub mod backup;
