//! Pulling the national map's file for the hub's départements: the national "lieux de
//! médiation numérique" file (the standard's CSV or JSON, fetched by the binary from a URL the
//! hub configures) cut to the départements of the hub's bassins de vie, imported as a source of
//! its own (`carte-nationale`, places absent from the new file withdrawn), then reconciled
//! through the duplicates engine, so the hub sees which of the national map's places it already
//! has (merged or in the review queue) and which it lacks.

use std::collections::{BTreeMap, HashSet};

use maillage_store::{PlaceKey, PlaceQuery};
use maillage_territory::Territory;

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::duplicates::{scan, ScanCounts, ScanOptions};
use crate::places::import::ImportReport;
use crate::{import_file, AppError, AppResult, ImportOptions};

/// The source the national map's places are imported as.
pub const SOURCE: &str = "carte-nationale";

/// What a pull did.
#[derive(Debug)]
pub struct NationalPull {
    /// Rows of the national file, and those in the hub's départements.
    pub read: usize,
    pub kept: usize,
    pub import: ImportReport,
    pub scan: ScanCounts,
    /// The national map's active places that match none of the hub's (no pair at all).
    pub lacking: usize,
}

/// Imports the national map's file for the hub's départements and reconciles it: administrators
/// and the hub itself (the server's scheduled pull).
pub fn pull_national(
    ctx: &Context<'_>,
    actor: &Actor,
    territory: &Territory,
    bytes: &[u8],
    file_name: &str,
) -> AppResult<NationalPull> {
    actor.require(ctx, Permission::Administer)?;
    let departements = crate::territory::hub_departements(ctx.store)?;
    if departements.is_empty() {
        return Err(AppError::Input(
            "aucun département : décrivez d'abord les bassins de vie du hub, qui disent ses départements".to_owned(),
        ));
    }
    let mut read = 0;
    let mut kept: Vec<BTreeMap<String, String>> = Vec::new();
    maillage_formats::reader::for_each_row::<()>(bytes, file_name, |row| {
        read += 1;
        let raw = maillage_formats::standard::row_to_raw(&row);
        let (insee, postcode) = (raw.fields.get("code_insee"), raw.fields.get("code_postal"));
        let codes = crate::territory::departements_of(insee.map(String::as_str), postcode.map_or("", String::as_str));
        if codes.iter().any(|code| departements.contains(code)) {
            kept.push(raw.fields);
        }
        Ok(())
    })
    .map_err(|failure| match failure {
        maillage_formats::reader::ReadFailure::Format(err) => AppError::from(err),
        maillage_formats::reader::ReadFailure::Sink(()) => AppError::Input("lecture interrompue".to_owned()),
    })?;
    // Kept rows as a JSON file of the standard: the import reads it as any other file.
    let json = serde_json::to_vec(&kept).expect("text fields always serialise");
    let options = ImportOptions {
        source: Some(SOURCE.to_owned()),
        mapping: None,
        candidates: &[],
        prune: true,
        territory: Some(territory),
        hold_outside: None,
    };
    let import = import_file(ctx, actor, &json, "carte-nationale.json", &options)?;
    let scan = scan(ctx, actor, &ScanOptions::default())?;
    let paired: HashSet<PlaceKey> =
        ctx.store.duplicate_pairs()?.into_iter().flat_map(|pair| [pair.a, pair.b]).collect();
    let national = PlaceQuery { source: Some(SOURCE.to_owned()), ..PlaceQuery::active() };
    let lacking = ctx.store.places(&national)?.iter().filter(|place| !paired.contains(&PlaceKey::of(place))).count();
    ctx.audit(
        actor.id(),
        "carte_nationale_rapprochee",
        Some(format!("lot:{}", import.batch.id)),
        format!(
            "{} lieux dans les départements du hub sur {read} ; {} fusionnés d'office, {} à examiner, {lacking} sans équivalent",
            kept.len(),
            scan.auto_merged,
            scan.queued
        ),
        maillage_store::now(),
    )?;
    Ok(NationalPull { read, kept: kept.len(), import, scan, lacking })
}
