//! What importing a file with a mapping would give, without importing it: the records built
//! from the first rows, and the counts of the whole file as the import would report them (read,
//! kept, rejected and why). Pure: the caller hands the bytes, and what the territory knows as a
//! `repair` function (the import's own, so both agree); nothing is written anywhere.
//!
//! This is what a person looks at while correcting a mapping (the assistant's or their own):
//! change a line, preview again.

use std::collections::{BTreeMap, HashSet};

use maillage_domain::{build_record, PlaceRecord, Problem, RawRecord, Severity};

use crate::error::FormatError;
use crate::mapping::{Mapped, Mapping};
use crate::reader::{for_each_grouped_row, ReadFailure};

/// The import's repair step: fills required fields a row lacks from outside knowledge (the
/// territory), reporting what it did.
pub type Repair<'a> = &'a (dyn Fn(&mut RawRecord, &mut Vec<Problem>) + Sync);

/// One row of the preview, as the import would build it.
#[derive(Clone, Debug)]
pub struct PreviewRow {
    /// The row's number in the file (line of a CSV, position in a JSON array).
    pub row: usize,
    /// Further rows merged into this one by `[group]`.
    pub merged: Vec<usize>,
    /// What the mapping made of the row, before the builder.
    pub raw: RawRecord,
    /// The record kept, or `None` when the row is rejected.
    pub record: Option<PlaceRecord>,
    pub problems: Vec<Problem>,
}

/// The counts an import of the whole file would report, and the first rows built.
#[derive(Clone, Debug, Default)]
pub struct Preview {
    /// Rows of the file (merged ones included).
    pub read: usize,
    /// Records the import would create or update.
    pub kept: usize,
    /// Rows (or groups) the import would reject: missing required fields, skipped by the
    /// mapping, or an id already seen higher up in the file.
    pub rejected: usize,
    /// Rows merged into the row before them by `[group]`.
    pub merged: usize,
    /// Kept records that have at least one service.
    pub with_services: usize,
    /// Why rows are rejected: (field, reason) → rows.
    pub rejections: BTreeMap<(String, String), usize>,
    /// Every problem of the kept and rejected rows: (field, severity) → count.
    pub problems: BTreeMap<(String, Severity), usize>,
    /// Problems of the file as a whole (columns the mapping names and the file lacks).
    pub file_problems: Vec<Problem>,
    /// The file's columns.
    pub columns: Vec<String>,
    /// The first rows, built.
    pub rows: Vec<PreviewRow>,
}

impl Preview {
    /// How many problems of this field and severity the rows met.
    pub fn count(&self, field: &str, severity: Severity) -> usize {
        self.problems.get(&(field.to_owned(), severity)).copied().unwrap_or(0)
    }
}

/// The key an import uses for a record within its source: (producer, id) when the standard's
/// `source` names the producer, the id alone otherwise. Two rows with the same key are one
/// place given twice: the second is rejected.
pub fn source_key(record: &PlaceRecord) -> String {
    match &record.source {
        Some(producer) => format!("{producer}:{}", record.id),
        None => record.id.clone(),
    }
}

/// Reads the whole file with `mapping` and builds every row, keeping the first `shown` rows.
pub fn preview(
    bytes: &[u8],
    file_name: &str,
    mapping: &Mapping,
    repair: Option<Repair<'_>>,
    shown: usize,
) -> Result<Preview, FormatError> {
    let mut out = Preview::default();
    let mut seen: HashSet<String> = HashSet::new();
    let read = for_each_grouped_row::<()>(bytes, file_name, mapping.group_by(), |row| {
        out.read += 1 + row.merged.len();
        out.merged += row.merged.len();
        let (raw, record, problems) = match mapping.map_row(&row) {
            Mapped::Skipped(problem) => (RawRecord::default(), None, vec![problem]),
            Mapped::Record(mut raw, mut problems) => {
                if let Some(repair) = repair {
                    repair(&mut raw, &mut problems);
                }
                let built = build_record(&raw);
                problems.extend(built.problems);
                let mut record = built.record;
                if let Some(kept) = &record {
                    if !seen.insert(source_key(kept)) {
                        problems.push(Problem::error(
                            "id",
                            &kept.id,
                            "identifiant déjà présent plus haut dans le fichier (même id, même structure source) : ligne ignorée",
                        ));
                        record = None;
                    }
                }
                (raw, record, problems)
            }
        };
        for problem in &problems {
            *out.problems.entry((problem.field.clone(), problem.severity)).or_default() += 1;
        }
        match &record {
            Some(record) => {
                out.kept += 1;
                if !record.services.is_empty() {
                    out.with_services += 1;
                }
            }
            None => {
                out.rejected += 1;
                for problem in problems.iter().filter(|problem| problem.severity == Severity::Error) {
                    *out.rejections.entry((problem.field.clone(), problem.reason.clone())).or_default() += 1;
                }
            }
        }
        if out.rows.len() < shown {
            out.rows.push(PreviewRow { row: row.number, merged: row.merged.clone(), raw, record, problems });
        }
        Ok(())
    });
    let info = match read {
        Ok(info) => info,
        Err(ReadFailure::Format(err)) => return Err(err),
        Err(ReadFailure::Sink(())) => return Err(FormatError::Unreadable("lecture interrompue".to_owned())),
    };
    out.file_problems = mapping.check_columns(&info.columns);
    out.columns = info.columns;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cover_the_whole_file_and_rows_the_first_ones() {
        let mapping = Mapping::from_toml(
            "[source]\nname = \"t\"\n[fields]\nid = \"id\"\nnom = \"nom\"\nadresse = \"rue\"\ncommune = \"ville\"\ncode_postal = \"cp\"\n\
             [[skip]]\ncolumn = \"actif\"\nequals = \"non\"\nreason = \"inactif\"\n",
        )
        .unwrap();
        let csv = "id;nom;rue;ville;cp;actif\n1;A;1 rue X;Blois;41000;oui\n2;B;;Blois;41000;oui\n1;A bis;2 rue X;Blois;41000;oui\n3;C;3 rue X;Blois;;oui\n4;D;4 rue X;Blois;41000;non\n";
        let preview = preview(csv.as_bytes(), "x.csv", &mapping, None, 2).unwrap();
        assert_eq!((preview.read, preview.kept, preview.rejected), (5, 1, 4));
        assert_eq!(preview.rows.len(), 2);
        assert!(preview.rows[0].record.is_some() && preview.rows[1].record.is_none());
        let reasons: Vec<(&str, usize)> =
            preview.rejections.iter().map(|((field, _), count)| (field.as_str(), *count)).collect();
        assert_eq!(reasons, [("actif", 1), ("adresse", 1), ("code_postal", 1), ("id", 1)]);

        // The repair step runs before the builder, as in the import.
        let fill = |raw: &mut RawRecord, problems: &mut Vec<Problem>| {
            if !raw.fields.contains_key("code_postal") {
                raw.set("code_postal", "41000");
                problems.push(Problem::info("code_postal", "41000", "déduit"));
            }
        };
        let repaired = super::preview(csv.as_bytes(), "x.csv", &mapping, Some(&fill), 0).unwrap();
        assert_eq!((repaired.kept, repaired.rejected), (2, 3));
        assert_eq!(repaired.count("code_postal", Severity::Info), 1);
    }
}
