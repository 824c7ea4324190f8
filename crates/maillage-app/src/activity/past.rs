//! Past figures: the totals a hub kept in spreadsheets before it used the log, imported per
//! département and period and shown in bilans as such (never mixed into the counted figures).
//!
//! The file is CSV (`;` or `,`, UTF-8) or an ODS workbook (its first sheet, the header in its
//! first row), one row per département and period, with a header:
//!
//! ```text
//! departement;debut;fin;reunions;rdv;comites;evenements;participants;formations;partenariats;acteurs_reunions;acteurs_rdv;heures;note
//! 18;2021-10-01;2022-12-31;10;10;;;;;;100;10;;« +/- 10 réunions, autant de RDV individuels »
//! ```
//!
//! `departement` (a code, or `hub` for the whole hub), `debut` and `fin` (`AAAA-MM-JJ` or
//! `JJ/MM/AAAA`) are required; every figure is optional (empty when the source does not say
//! it), a whole number ≥ 0; `note` says where the figures come from. Columns may come in any
//! order; unknown columns are refused. One error refuses the whole file, each named by line
//! and column.

use chrono::{DateTime, Utc};
use maillage_domain::text::fold;
use maillage_store::{PastFigures, PastTotals};

use super::parse_day;
use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::{AppError, AppResult, FieldError};

/// The form field a refused file is reported under.
pub const FILE_FIELD: &str = "fichier";

/// The columns, in the order the layout documents.
pub const COLUMNS: [&str; 14] = [
    "departement",
    "debut",
    "fin",
    "reunions",
    "rdv",
    "comites",
    "evenements",
    "participants",
    "formations",
    "partenariats",
    "acteurs_reunions",
    "acteurs_rdv",
    "heures",
    "note",
];

/// The hub as a whole, in place of a département.
pub const HUB: &str = "hub";

/// Whether the bytes are a zip archive, as an ODS file is (a CSV never starts so).
fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Reads the file, CSV or ODS (its first sheet): its rows, or every problem found, by line
/// and column.
pub fn read_past_file(bytes: &[u8], by: Option<&str>, at: DateTime<Utc>) -> Result<Vec<PastTotals>, Vec<String>> {
    if !is_zip(bytes) {
        return read_past_csv(bytes, by, at);
    }
    let mut rows = maillage_documents::ods::read_first_sheet(bytes).map_err(|problem| vec![problem])?.into_iter();
    let Some(headers) = rows.next() else {
        return Err(vec!["le fichier ne contient aucune ligne de totaux".to_owned()]);
    };
    // A spreadsheet's line is its row number, as for CSV.
    read_rows(&headers, rows.enumerate().map(|(index, row)| Ok((index + 2, row))), by, at)
}

/// Reads a CSV file: its rows, or every problem found, by line and column.
pub fn read_past_csv(bytes: &[u8], by: Option<&str>, at: DateTime<Utc>) -> Result<Vec<PastTotals>, Vec<String>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.trim_start_matches('\u{feff}'),
        Err(_) => return Err(vec!["le fichier n'est pas en UTF-8".to_owned()]),
    };
    let delimiter = maillage_formats::reader::sniff_delimiter(text);
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(headers) => headers.iter().map(str::to_owned).collect(),
        Err(err) => return Err(vec![format!("ligne 1 : en-tête illisible ({})", maillage_formats::csv_reason(&err))]),
    };
    let records = reader.records().enumerate().map(|(index, record)| {
        let line = index + 2;
        record
            .map(|record| (line, record.iter().map(str::to_owned).collect()))
            .map_err(|err| format!("ligne {line} : {}", maillage_formats::csv_reason(&err)))
    });
    read_rows(&headers, records, by, at)
}

/// Checks the header and every line (numbered as the person sees them), whatever the file.
fn read_rows(
    headers: &[String],
    records: impl Iterator<Item = Result<(usize, Vec<String>), String>>,
    by: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Vec<PastTotals>, Vec<String>> {
    let headers: Vec<String> = headers.iter().map(|h| fold(h).replace(' ', "_")).collect();
    let mut errors = Vec::new();
    for header in &headers {
        if !COLUMNS.contains(&header.as_str()) {
            errors.push(format!("ligne 1 : colonne « {header} » inconnue (colonnes : {})", COLUMNS.join(", ")));
        }
    }
    for required in &COLUMNS[..3] {
        if !headers.iter().any(|h| h == required) {
            errors.push(format!("ligne 1 : colonne « {required} » manquante"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for record in records {
        let (line, record) = match record {
            Ok(record) => record,
            Err(problem) => {
                errors.push(problem);
                continue;
            }
        };
        let get = |name: &str| column(name).and_then(|c| record.get(c)).map(|cell| cell.trim()).unwrap_or("");
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let departement = get("departement").to_uppercase();
        let departement = if departement == "HUB" { HUB.to_owned() } else { departement };
        let valid_code = departement == HUB
            || (departement.len() == 2 || departement.len() == 3)
                && departement.chars().all(|c| c.is_ascii_alphanumeric());
        if !valid_code {
            errors.push(format!(
                "ligne {line}, colonne « departement » : code de département ou « hub » attendu (« {} »)",
                get("departement")
            ));
        }
        let mut day = |name: &str| {
            let day = parse_day(get(name));
            if day.is_none() {
                errors.push(format!(
                    "ligne {line}, colonne « {name} » : date attendue au format AAAA-MM-JJ ou JJ/MM/AAAA (« {} »)",
                    get(name)
                ));
            }
            day
        };
        let (start, end) = (day("debut"), day("fin"));
        if let (Some(start), Some(end)) = (start, end) {
            if end < start {
                errors.push(format!(
                    "ligne {line}, colonne « fin » : la fin ({}) précède le début ({})",
                    super::french_day(end),
                    super::french_day(start)
                ));
            }
        }
        let mut number = |name: &str| -> Option<u32> {
            let text = get(name);
            if text.is_empty() {
                return None;
            }
            let parsed = text.replace([' ', '\u{a0}', '\u{202f}'], "").parse::<u32>().ok();
            if parsed.is_none() {
                errors.push(format!(
                    "ligne {line}, colonne « {name} » : nombre entier positif ou nul attendu (« {text} »)"
                ));
            }
            parsed
        };
        let figures = PastFigures {
            meetings: number("reunions"),
            rdv: number("rdv"),
            comites: number("comites"),
            events: number("evenements"),
            participants: number("participants"),
            trainings: number("formations"),
            partnerships: number("partenariats"),
            actors_in_meetings: number("acteurs_reunions"),
            actors_in_rdv: number("acteurs_rdv"),
            hours: number("heures"),
        };
        let note = get("note").to_owned();
        if note.chars().count() > 1_000 {
            errors.push(format!("ligne {line}, colonne « note » : 1 000 caractères au plus"));
        }
        if let (Some(start), Some(end), true) = (start, end, valid_code) {
            if let Some(first) = rows
                .iter()
                .position(|row: &PastTotals| row.departement == departement && row.start == start && row.end == end)
            {
                errors.push(format!(
                    "ligne {line} : même département et même période qu'une ligne précédente (ligne {})",
                    lines[first]
                ));
            }
            lines.push(line);
            rows.push(PastTotals {
                departement,
                start,
                end,
                figures,
                note,
                imported_by: by.map(str::to_owned),
                imported_at: at,
            });
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push("le fichier ne contient aucune ligne de totaux".to_owned());
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Imports a file of past totals: a coordinator for its départements, an administrator for
/// any and for the hub. One transaction; a refused line refuses the file.
pub fn import_past(ctx: &Context<'_>, actor: &Actor, bytes: &[u8], at: DateTime<Utc>) -> AppResult<usize> {
    actor.require(ctx, Permission::Team)?;
    let refuse = |problems: Vec<String>| {
        AppError::Invalid(problems.into_iter().map(|p| FieldError::new(FILE_FIELD, p)).collect())
    };
    let rows = read_past_file(bytes, actor.id(), at).map_err(refuse)?;
    let outside: Vec<String> = rows
        .iter()
        .filter(|row| {
            if row.departement == HUB {
                !actor.may(ctx, Permission::Administer)
            } else {
                !actor.covers_departement(ctx, &row.departement)
            }
        })
        .map(|row| format!("le territoire « {} » n'est pas le vôtre", row.departement))
        .collect();
    if !outside.is_empty() {
        return Err(AppError::Forbidden(format!("Action refusée : {}.", outside.join(" ; "))));
    }
    ctx.store.save_past_totals(&rows)?;
    ctx.audit(actor.id(), "activite_totaux_importes", None, format!("{} ligne(s) de totaux passés", rows.len()), at)?;
    Ok(rows.len())
}

/// The layout as a file to fill in (the header and one example line).
pub fn template() -> String {
    format!("{}\n18;2021-10-01;2022-12-31;10;10;;;;;;100;10;;Bilan 2022 du hub\n", COLUMNS.join(";"))
}
