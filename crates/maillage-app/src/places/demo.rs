//! Demo data: the Centre-Val de Loire hub's export and its mapping, built into the binary so
//! a first start on an empty database shows real places without any file around.

use maillage_formats::mapping::Mapping;
use maillage_territory::Territory;

use super::import::{run_import, ImportOptions, ImportReport};
use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::territory::read_bassins_csv;
use crate::{AppError, AppResult};

pub const DEMO_FILE_NAME: &str = "hub-lo-2023.json.gz";
pub const DEMO_DATA: &[u8] = include_bytes!("../../../../data/demo/hub-lo-2023.json.gz");
pub const DEMO_MAPPING: &str = include_str!("../../../../mappings/hub-lo.toml");
/// The hub's 23 bassins de vie, derived from its export (`maillage bassins derive`).
pub const DEMO_BASSINS: &[u8] = include_bytes!("../../../../data/demo/bassins-centre-val-de-loire.csv");

/// Loads the demo data when the store has never imported anything (the operator's command
/// line, on a first start). Returns the report when it did.
pub fn load_if_empty(ctx: &Context<'_>, actor: &Actor, territory: &Territory) -> AppResult<Option<ImportReport>> {
    actor.require(ctx, Permission::Administer)?;
    let store = ctx.store;
    if !store.batches()?.is_empty() {
        return Ok(None);
    }
    let mapping = Mapping::from_toml(DEMO_MAPPING)
        .map_err(|err| AppError::Input(format!("correspondance de démonstration invalide : {err}")))?;
    let report = run_import(
        store,
        DEMO_DATA,
        DEMO_FILE_NAME,
        &ImportOptions { mapping: Some(&mapping), territory: Some(territory), ..ImportOptions::default() },
        &[],
    )?;
    if store.bassins()?.is_empty() {
        let members = read_bassins_csv(territory, DEMO_BASSINS).map_err(|errors| {
            AppError::Input(format!("bassins de démonstration invalides : {}", errors.join(" ; ")))
        })?;
        store.replace_bassins(&members)?;
    }
    if store.indicators()?.is_empty() {
        crate::coverage::indicators::load_demo_indicators(store, territory)?;
    }
    // The Chinon monograph's written parts (seed 002), so a new user sees a complete document.
    crate::monographie::demo::load_demo_texts(store, maillage_store::now())?;
    ctx.audit(
        actor.id(),
        "demonstration_chargee",
        Some(format!("lot:{}", report.batch.id)),
        format!("{} lieux de démonstration, bassins et indicateurs", report.batch.counts.created),
        maillage_store::now(),
    )?;
    Ok(Some(report))
}
