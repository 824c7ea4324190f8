//! The import report as people read it: a summary, and a CSV with one line per problem.

use std::io::Write;

use maillage_domain::Severity;

use super::import::ImportReport;
use maillage_formats::csv_reason;

use crate::{io_reason, AppError, AppResult};

/// The French summary printed after an import.
pub fn summary(report: &ImportReport) -> String {
    let counts = &report.batch.counts;
    format!(
        "Source « {} », fichier {} (lot {})\n  lus : {}  créés : {}  modifiés : {}  inchangés : {}  rejetés : {}  retirés : {}  revenus : {}\n  problèmes : {} erreurs, {} avertissements, {} informations",
        report.batch.source,
        report.batch.file_name,
        report.batch.id,
        counts.read,
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.rejected,
        counts.withdrawn,
        counts.restored,
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
    )
}

/// Writes one CSV line per problem: row, id in the source, severity, field, value, reason.
pub fn write_csv<W: Write>(report: &ImportReport, out: W) -> AppResult<()> {
    let mut writer = csv::Writer::from_writer(out);
    let fail = |err: csv::Error| AppError::Input(format!("écriture du rapport impossible : {}", csv_reason(&err)));
    writer.write_record(["ligne", "id_source", "gravite", "champ", "valeur", "motif"]).map_err(fail)?;
    for line in &report.lines {
        // Values and ids come from the imported file: never a formula in a spreadsheet.
        maillage_formats::spreadsheet::write_safe_record(
            &mut writer,
            [
                line.row.to_string().as_str(),
                line.source_id.as_deref().unwrap_or(""),
                line.problem.severity.label(),
                &line.problem.field,
                &line.problem.value,
                &line.problem.reason,
            ],
        )
        .map_err(fail)?;
    }
    writer.flush().map_err(|err| AppError::Input(format!("écriture du rapport impossible : {}", io_reason(&err))))
}
