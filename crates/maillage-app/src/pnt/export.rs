//! The projects as files for the hub's team and its funders: CSV (cells made safe for
//! spreadsheets) and ODS (typed cells in French formats, `maillage_documents::ods`), one line
//! per project with its needs and funding summed and spelled out.

use std::collections::BTreeMap;

use maillage_documents::ods::{Cell, Workbook};
use maillage_store::{FundingStatus, NeedKind, Project};

use super::{party_name, territory_label};
use crate::{AppError, AppResult};

const HEADERS: [&str; 14] = [
    "id",
    "titre",
    "territoires",
    "axe",
    "etape",
    "porteurs",
    "partenaires",
    "besoins",
    "besoins_euros",
    "besoins_etp",
    "financements",
    "financements_accordes_euros",
    "communes",
    "mis_a_jour",
];

/// One project's cells as text, in [`HEADERS`]' order, and its sums.
struct Line {
    text: Vec<String>,
    needs_euros: u64,
    needs_etp: f64,
    granted: u64,
}

fn line(project: &Project, names: &BTreeMap<String, String>) -> Line {
    let needs_euros: u64 = project.needs.iter().filter_map(|need| need.amount).sum();
    let needs_etp: f64 =
        project.needs.iter().filter(|need| need.kind == NeedKind::Etp).filter_map(|need| need.etp).sum();
    let granted = project.funding.iter().filter(|f| f.status == FundingStatus::Accordee).map(|f| f.amount).sum::<u64>();
    let needs: Vec<String> = project
        .needs
        .iter()
        .map(|need| {
            let mut parts = vec![need.kind.label().to_owned()];
            if let Some(etp) = need.etp {
                parts.push(format!("{etp} ETP"));
            }
            if let Some(amount) = need.amount {
                parts.push(format!("{amount} €"));
            }
            if !need.description.is_empty() {
                parts.push(need.description.clone());
            }
            parts.join(", ")
        })
        .collect();
    let funding: Vec<String> = project
        .funding
        .iter()
        .map(|f| format!("{} : {} € ({})", party_name(&f.funder, names), f.amount, f.status.label()))
        .collect();
    let parties =
        |list: &[maillage_store::Party]| list.iter().map(|p| party_name(p, names)).collect::<Vec<_>>().join(" | ");
    Line {
        text: vec![
            project.id.clone(),
            project.title.clone(),
            project.territories.iter().map(territory_label).collect::<Vec<_>>().join(" | "),
            project.axe.clone().unwrap_or_default(),
            project.stage.label().to_owned(),
            parties(&project.carriers),
            parties(&project.partners),
            needs.join(" | "),
            needs_euros.to_string(),
            needs_etp.to_string(),
            funding.join(" | "),
            granted.to_string(),
            project.communes.join(" "),
            project.updated_at.format("%Y-%m-%d").to_string(),
        ],
        needs_euros,
        needs_etp,
        granted,
    }
}

/// The projects as CSV, every cell made safe for a spreadsheet.
pub fn projects_csv(projects: &[Project], names: &BTreeMap<String, String>) -> AppResult<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |err: csv::Error| AppError::Input(format!("export CSV impossible : {err}"));
    maillage_formats::spreadsheet::write_safe_record(&mut writer, HEADERS).map_err(failed)?;
    for project in projects {
        maillage_formats::spreadsheet::write_safe_record(&mut writer, line(project, names).text).map_err(failed)?;
    }
    writer.into_inner().map_err(|err| AppError::Input(format!("export CSV impossible : {err}")))
}

/// The projects as an ODS workbook: amounts in euros and ETP as numbers a funder can sum.
pub fn projects_ods(projects: &[Project], names: &BTreeMap<String, String>) -> AppResult<Vec<u8>> {
    let mut workbook = Workbook::new();
    let sheet = workbook.sheet("Projets", &HEADERS);
    for project in projects {
        let line = line(project, names);
        let mut cells: Vec<Cell> = line.text.iter().map(Cell::from).collect();
        cells[8] = Cell::Euros(line.needs_euros as f64);
        cells[9] = Cell::Decimal(line.needs_etp);
        cells[11] = Cell::Euros(line.granted as f64);
        cells[13] = Cell::Date(project.updated_at.date_naive());
        sheet.push(cells);
    }
    workbook.to_bytes().map_err(|err| AppError::Input(err.to_string()))
}

/// The public names every exported project needs, read once.
pub fn names(ctx: &crate::context::Context<'_>, projects: &[Project]) -> AppResult<BTreeMap<String, String>> {
    let ids: Vec<String> = projects.iter().flat_map(super::actor_ids).collect();
    crate::actors::public_names(ctx.store, &ids)
}
