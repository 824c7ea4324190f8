//! The mapping file as a person writes it: plain serde types, checked and compiled by the
//! parent module. Public, because the mapping assistant (`crate::suggest`) writes the same
//! structure a person writes by hand, and [`write`](super::write) turns it back into TOML:
//! anything one can write, the other can too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole mapping file, as read from TOML and before any check.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MappingSpec {
    pub source: SourceInfo,
    /// v1 field name → where its value is.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, ValueSpec>,
    /// Extra attribute name → where its value is.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extras: BTreeMap<String, ValueSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub split: Vec<SplitSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<TermSpec>,
    /// Rows the mapping leaves out on purpose, each with its reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<SkipSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<HoursSpec>,
    /// Projected coordinates (Lambert-93) converted to the standard's WGS84.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<CoordinatesSpec>,
    /// Consecutive rows describing the same place, merged into one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derive_id: Option<DeriveIdSpec>,
}

/// What the mapping says about the export it was written for.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SourceInfo {
    /// The registry's name for this source ("hub-lo"): a short technical key.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The export the mapping was written for (its public name, never a local path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Where the export comes from (repository, path, commit or web page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Licence or provenance note for the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    /// Columns of the export the mapping deliberately does not read. They change nothing in
    /// the records; they complete the export's layout, which is how a file is recognised
    /// as this export when no mapping is named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

/// A value read from the row: one column, the first non-empty of several, or a table.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ValueSpec {
    Column(String),
    Columns(Vec<String>),
    Full(ValueTable),
}

impl ValueSpec {
    /// The columns this value reads, in order.
    pub fn columns(&self) -> Vec<&str> {
        match self {
            ValueSpec::Column(column) => vec![column.as_str()],
            ValueSpec::Columns(columns) => columns.iter().map(String::as_str).collect(),
            ValueSpec::Full(table) => {
                table.column.iter().chain(table.columns.iter().flatten()).map(String::as_str).collect()
            }
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ValueTable {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CaseSpec {
    Upper,
    Lower,
    Title,
}

impl CaseSpec {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseSpec::Upper => "upper",
            CaseSpec::Lower => "lower",
            CaseSpec::Title => "title",
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SplitSpec {
    pub column: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub into: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otherwise: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// One string or a list of strings, as TOML lets a person write either.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum OneOrMany {
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

    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TermSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truthy: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unless: Vec<String>,
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

impl TermSpec {
    /// The columns the rule looks at, in order.
    pub fn all_columns(&self) -> Vec<&str> {
        self.column.iter().chain(self.columns.iter().flatten()).map(String::as_str).collect()
    }

    /// The values the rule adds, in order.
    pub fn all_values(&self) -> Vec<&str> {
        self.value.iter().chain(self.values.iter().flatten()).map(String::as_str).collect()
    }
}

/// A row the mapping leaves out: the same matchers as a term rule, and the reason reported.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SkipSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truthy: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unless: Vec<String>,
    pub reason: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(tag = "layout", rename_all = "snake_case", deny_unknown_fields)]
pub enum HoursSpec {
    Column {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        column: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        columns: Option<Vec<String>>,
    },
    PerDay {
        days: BTreeMap<String, String>,
    },
    PerDayRanges {
        days: BTreeMap<String, Vec<(String, String)>>,
    },
    DaySet {
        days: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
}

/// The projections `[coordinates]` converts from.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum Projection {
    /// RGF93 / Lambert-93 (EPSG:2154), metropolitan France's official projection.
    #[serde(rename = "lambert93")]
    Lambert93,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CoordinatesSpec {
    pub projection: Projection,
    /// The easting column (metres).
    pub x: String,
    /// The northing column (metres).
    pub y: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// Source columns whose values, equal on consecutive rows, say the rows are one place.
    pub by: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DeriveIdSpec {
    pub from: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefix: String,
}
