//! The sources and their imports as the hub's administrators handle them: importing a file
//! (from the import page or `maillage import`), the list of imports and one import's report.

use maillage_store::{ImportBatch, ReportLine, SourceStats, StoreError};

use super::import::{run_import, ImportOptions, ImportReport};
use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::AppResult;

/// Imports one file into one source: one transaction, a refused file changes nothing; the
/// audit log names the import's batch. Without a mapping, the hub's saved mappings are
/// candidates for recognition beside the ones given. Held before its commit when
/// `options.hold_outside` says so (nothing written, no audit entry: see `ImportReport::held`).
/// Administrators, and the operator's command line.
pub fn import_file(
    ctx: &Context<'_>,
    actor: &Actor,
    bytes: &[u8],
    file_name: &str,
    options: &ImportOptions<'_>,
) -> AppResult<ImportReport> {
    actor.require(ctx, Permission::Administer)?;
    let saved = match options.mapping {
        Some(_) => Vec::new(),
        None => crate::mappings::recognition_candidates(ctx.store)?,
    };
    let report = run_import(ctx.store, bytes, file_name, options, &saved)?;
    if report.held {
        return Ok(report);
    }
    ctx.audit(
        actor.id(),
        "import",
        Some(format!("lot:{}", report.batch.id)),
        format!("{} → source {}", report.batch.file_name, report.batch.source),
        maillage_store::now(),
    )?;
    Ok(report)
}

/// Every import, newest first, and the active and withdrawn places of each source.
pub fn imports(ctx: &Context<'_>, actor: &Actor) -> AppResult<(Vec<ImportBatch>, Vec<SourceStats>)> {
    actor.require(ctx, Permission::Administer)?;
    Ok((ctx.store.batches()?, ctx.store.source_stats()?))
}

/// One import and its report, a line per problem.
pub fn import_report(ctx: &Context<'_>, actor: &Actor, batch_id: &str) -> AppResult<(ImportBatch, Vec<ReportLine>)> {
    actor.require(ctx, Permission::Administer)?;
    let batch = ctx
        .store
        .batches()?
        .into_iter()
        .find(|batch| batch.id == batch_id)
        .ok_or_else(|| StoreError::NotFound(format!("import {batch_id}")))?;
    let lines = ctx.store.batch_report(&batch.id)?;
    Ok((batch, lines))
}
