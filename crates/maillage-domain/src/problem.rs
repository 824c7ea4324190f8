//! What the domain says about a value it could not take as it was.

use serde::{Deserialize, Serialize};

/// How bad a problem is for the row that carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: a value was converted or dropped on purpose (a v0 label, "Adultes").
    Info,
    /// A value was repaired, or dropped because it was unusable; the row is kept.
    Warning,
    /// The row cannot be kept: a required field is missing or unusable after every repair.
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "avertissement",
            Severity::Error => "erreur",
        }
    }
}

/// One problem on one field of one record. The importer adds the row number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub severity: Severity,
    pub field: String,
    pub value: String,
    /// French, written for the person who fixes the source file.
    pub reason: String,
}

impl Problem {
    pub fn new(severity: Severity, field: &str, value: &str, reason: impl Into<String>) -> Self {
        Problem { severity, field: field.to_owned(), value: value.to_owned(), reason: reason.into() }
    }
    pub fn error(field: &str, value: &str, reason: impl Into<String>) -> Self {
        Self::new(Severity::Error, field, value, reason)
    }
    pub fn warning(field: &str, value: &str, reason: impl Into<String>) -> Self {
        Self::new(Severity::Warning, field, value, reason)
    }
    pub fn info(field: &str, value: &str, reason: impl Into<String>) -> Self {
        Self::new(Severity::Info, field, value, reason)
    }
}
