//! Files that follow the national standard, v1.0.2 or the older v0.1: their column names
//! (with the spellings real files use) mapped onto the v1 fields the domain expects.

use maillage_domain::build::{FIELDS, V0_LABELS_NATIONAUX, V0_PUBLICS_ACCUEILLIS};
use maillage_domain::text::fold;
use maillage_domain::RawRecord;

use crate::reader::SourceRow;

/// Which vintage of the standard a file's columns follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StandardVersion {
    V0,
    V1,
}

/// What a column of a standard file feeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnTarget {
    /// A v1 field, or one of the two v0 fields the domain splits itself.
    Field(&'static str),
    /// Not part of either standard (geocoder output, internal ids…): kept as an extra
    /// attribute so nothing is lost.
    Extra,
}

/// Maps one column name of a v0 or v1 file to its v1 field.
pub fn column_target(column: &str) -> ColumnTarget {
    let key = fold(column).replace(' ', "_");
    let v1 = FIELDS.iter().find(|field| **field == key);
    if let Some(field) = v1 {
        return ColumnTarget::Field(field);
    }
    let field = match key.as_str() {
        "courriel" | "email" | "mail" => "courriels",
        "conditions_acces" | "conditions_access" => "frais_a_charge",
        "publics_accueillis" | "public_accueillis" => V0_PUBLICS_ACCUEILLIS,
        "labels_nationaux" => V0_LABELS_NATIONAUX,
        "labels_autres" => "autres_formations_labels",
        "accessibilite" => "fiche_acces_libre",
        "pivot_siret_ou_rna" | "siret" => "pivot",
        "lat" => "latitude",
        "lon" | "lng" => "longitude",
        _ => return ColumnTarget::Extra,
    };
    ColumnTarget::Field(field)
}

/// Guesses the vintage of a file from its columns.
pub fn detect_version(columns: &[String]) -> StandardVersion {
    let v0_only = [
        "courriel",
        "conditions_acces",
        "conditions_access",
        "publics_accueillis",
        "public_accueillis",
        "labels_nationaux",
        "labels_autres",
        "accessibilite",
    ];
    if columns.iter().any(|column| v0_only.contains(&fold(column).replace(' ', "_").as_str())) {
        StandardVersion::V0
    } else {
        StandardVersion::V1
    }
}

/// Turns a row of a standard file into a raw record. When two columns feed the same field
/// (`pivot` and `pivot (siret ou rna)`), the first non-empty one wins.
pub fn row_to_raw(row: &SourceRow) -> RawRecord {
    StandardColumns::default().row_to_raw(row)
}

/// [`row_to_raw`] for a whole file: each column name is resolved once, not once per row.
#[derive(Default)]
pub struct StandardColumns {
    targets: std::collections::HashMap<String, ColumnTarget>,
}

impl StandardColumns {
    pub fn row_to_raw(&mut self, row: &SourceRow) -> RawRecord {
        let mut raw = RawRecord::default();
        for (column, value) in &row.values {
            if value.trim().is_empty() {
                continue;
            }
            let target = match self.targets.get(column) {
                Some(target) => target.clone(),
                None => {
                    let target = column_target(column);
                    self.targets.insert(column.clone(), target.clone());
                    target
                }
            };
            store_value(&mut raw, column, value, target);
        }
        raw
    }
}

fn store_value(raw: &mut RawRecord, column: &str, value: &str, target: ColumnTarget) {
    {
        match target {
            ColumnTarget::Field(field) => {
                let existing = raw.fields.get(field).map(|v| !v.trim().is_empty()).unwrap_or(false);
                if !existing {
                    raw.set(field, value);
                }
            }
            ColumnTarget::Extra => {
                raw.extras.insert(column.to_owned(), value.to_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v0_columns_map_to_v1() {
        assert_eq!(column_target("Adresse"), ColumnTarget::Field("adresse"));
        assert_eq!(column_target("courriel"), ColumnTarget::Field("courriels"));
        assert_eq!(column_target("conditions_access"), ColumnTarget::Field("frais_a_charge"));
        assert_eq!(column_target("pivot (siret ou rna)"), ColumnTarget::Field("pivot"));
        assert_eq!(column_target("public_accueillis"), ColumnTarget::Field("publics_accueillis"));
        assert_eq!(column_target("cle_ban"), ColumnTarget::Extra);
    }
}
