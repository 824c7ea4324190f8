//! An edition's figures as an ODS workbook (the shared writer of `maillage-documents`): one
//! sheet of every figure, then the EPCI, the communes ranked by priority, and the sources.

use maillage_documents::ods::{Cell, Workbook};
use maillage_store::MonographEdition;

use super::cases::Monograph;
use super::figures::{figures, Unit};
use crate::{AppError, AppResult};

/// The workbook's bytes.
pub fn workbook(monograph: &Monograph, edition: &MonographEdition) -> AppResult<Vec<u8>> {
    let generated = &monograph.generated;
    let mut book = Workbook::new();
    let sheet = book.sheet("Chiffres", &["Section", "Chiffre", "Valeur"]);
    sheet.push(vec![
        "Édition".into(),
        format!("Bassin de vie de {}, édition {}", edition.bassin, edition.number).into(),
        Cell::Date(edition.published_at.date_naive()),
    ]);
    for figure in figures(generated) {
        let value = match figure.unit {
            Unit::People | Unit::Count => Cell::Integer(figure.value.round() as i64),
            _ => Cell::Decimal(figure.value),
        };
        sheet.push(vec![figure.section.into(), figure.label.into(), value]);
    }
    let epci = book.sheet("EPCI", &["SIREN", "EPCI", "Communes", "Population", "Superficie (km²)"]);
    for part in &generated.territoire.epci {
        epci.push(vec![
            part.siren.as_str().into(),
            part.name.as_str().into(),
            Cell::Integer(part.communes as i64),
            Cell::Integer(part.population as i64),
            Cell::Decimal(part.area_km2),
        ]);
    }
    let priorities = book.sheet(
        "Priorités",
        &[
            "Code INSEE",
            "Commune",
            "Population",
            "Distance au lieu le plus proche (km)",
            "Score",
            "Part distance",
            "Part fragilité",
            "Part population",
        ],
    );
    for p in &generated.couverture.priorities {
        priorities.push(vec![
            p.code.as_str().into(),
            p.name.as_str().into(),
            Cell::Integer(p.population as i64),
            p.distance_km.map(Cell::Decimal).unwrap_or(Cell::Empty),
            Cell::Decimal(p.score),
            Cell::Decimal(p.part_distance),
            p.part_fragilite.map(Cell::Decimal).unwrap_or(Cell::Empty),
            Cell::Decimal(p.part_population),
        ]);
    }
    let sources = book.sheet("Sources", &["Section", "Source", "Date"]);
    let t = &generated.territoire;
    let notes = t
        .sources
        .iter()
        .map(|s| ("Territoire", s))
        .chain(generated.offre.sources.iter().map(|s| ("Offre", s)))
        .chain(generated.couverture.sources.iter().map(|s| ("Couverture", s)))
        .chain(generated.fragilite.ifn.iter().chain(&generated.fragilite.others).map(|f| ("Fragilité", &f.source)));
    for (section, note) in notes {
        sources.push(vec![
            section.into(),
            note.label.as_str().into(),
            note.date.map(|d| Cell::Date(d.date_naive())).unwrap_or(Cell::Empty),
        ]);
    }
    book.to_bytes().map_err(|err| AppError::Input(err.to_string()))
}
