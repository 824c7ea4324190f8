//! The mapping file as written by a person: plain serde types, checked and compiled by
//! the parent module. Kept apart so that the file format is readable in one place.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSpec {
    pub source: SourceSpec,
    #[serde(default)]
    pub fields: BTreeMap<String, ValueSpec>,
    #[serde(default)]
    pub extras: BTreeMap<String, ValueSpec>,
    #[serde(default)]
    pub split: Vec<SplitSpec>,
    #[serde(default)]
    pub terms: Vec<TermSpec>,
    pub hours: Option<HoursSpec>,
    pub derive_id: Option<DeriveIdSpec>,
}

/// What the mapping says about the export it was written for.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SourceInfo {
    /// The registry's name for this source ("hub-lo"): a short technical key.
    pub name: String,
    pub description: Option<String>,
    /// The export the mapping was written for (its public name, never a local path).
    pub file: Option<String>,
    /// Where the export comes from (repository, path, commit or web page).
    pub origin: Option<String>,
    /// Licence or provenance note for the data.
    pub licence: Option<String>,
}

pub(super) type SourceSpec = SourceInfo;

/// A value read from the row: one column, the first non-empty of several, or a table.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum ValueSpec {
    Column(String),
    Columns(Vec<String>),
    Full(ValueTable),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ValueTable {
    pub column: Option<String>,
    pub columns: Option<Vec<String>>,
    pub join: Option<String>,
    pub value: Option<String>,
    pub default: Option<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    pub case: Option<CaseSpec>,
    #[serde(default)]
    pub replace: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum CaseSpec {
    Upper,
    Lower,
    Title,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SplitSpec {
    pub column: String,
    pub separator: Option<String>,
    pub regex: Option<String>,
    #[serde(default)]
    pub into: Vec<String>,
    pub otherwise: Option<String>,
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TermSpec {
    pub column: Option<String>,
    pub columns: Option<Vec<String>>,
    pub contains: Option<OneOrMany>,
    pub equals: Option<OneOrMany>,
    pub regex: Option<String>,
    pub truthy: Option<bool>,
    #[serde(default)]
    pub unless: Vec<String>,
    pub field: String,
    pub value: Option<String>,
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "layout", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum HoursSpec {
    Column { column: Option<String>, columns: Option<Vec<String>> },
    PerDay { days: BTreeMap<String, String> },
    PerDayRanges { days: BTreeMap<String, Vec<(String, String)>> },
    DaySet { days: String, text: Option<String> },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeriveIdSpec {
    pub from: Vec<String>,
    #[serde(default)]
    pub prefix: String,
}
