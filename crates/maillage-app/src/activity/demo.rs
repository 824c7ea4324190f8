//! The demo's past figures: the 2022 totals of seed 001's "Bilan 2022" for the hub and the six
//! départements of Centre-Val de Loire (`data/demo/activite-2022.csv`, provenance in
//! `data/demo/README.md`), loaded as past totals so the first start shows a real bilan.

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::{AppError, AppResult};

static DEMO_TOTALS: &[u8] = include_bytes!("../../../../data/demo/activite-2022.csv");

/// Loads the demo's past totals when the store holds none; how many lines, or `None` when it
/// already had some.
pub fn load_if_empty(ctx: &Context<'_>, actor: &Actor) -> AppResult<Option<usize>> {
    actor.require(ctx, Permission::Administer)?;
    if !ctx.store.past_totals()?.is_empty() {
        return Ok(None);
    }
    let at = maillage_store::now();
    let rows = super::past::read_past_csv(DEMO_TOTALS, None, at)
        .map_err(|errors| AppError::Input(format!("totaux de démonstration invalides : {}", errors.join(" ; "))))?;
    ctx.store.save_past_totals(&rows)?;
    ctx.audit(
        actor.id(),
        "activite_totaux_importes",
        None,
        format!("{} ligne(s) de totaux de démonstration (seed 001)", rows.len()),
        at,
    )?;
    Ok(Some(rows.len()))
}
