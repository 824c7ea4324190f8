//! Pulling the national map's file for the hub's départements: the national "lieux de
//! médiation numérique" file (the standard's CSV or JSON, fetched by the binary from a URL the
//! hub configures) cut to the départements of the hub's bassins de vie, imported as a source of
//! its own (`carte-nationale`, places absent from the new file withdrawn), then reconciled
//! through the duplicates engine, so the hub sees which of the national map's places it already
//! has (merged or in the review queue) and which it lacks.

use std::collections::{BTreeMap, BTreeSet, HashSet};

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

/// The département a record is in: its INSEE code's, else its postcode's (Corsica's postcodes
/// say 20: both of its départements).
fn departements_of(fields: &BTreeMap<String, String>) -> Vec<String> {
    let insee = fields.get("code_insee").map(|code| code.trim()).filter(|code| code.len() == 5);
    if let Some(code) = insee {
        let length = if code.starts_with("97") || code.starts_with("98") { 3 } else { 2 };
        return vec![code[..length].to_owned()];
    }
    let postcode = fields.get("code_postal").map(|code| code.trim()).filter(|code| code.len() == 5);
    match postcode {
        Some(code) if code.starts_with("20") => vec!["2A".to_owned(), "2B".to_owned()],
        Some(code) if code.starts_with("97") || code.starts_with("98") => vec![code[..3].to_owned()],
        Some(code) => vec![code[..2].to_owned()],
        None => Vec::new(),
    }
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
    let departements: BTreeSet<String> = ctx.store.bassins()?.into_iter().map(|member| member.departement).collect();
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
        if departements_of(&raw.fields).iter().any(|code| departements.contains(code)) {
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
    };
    let import = import_file(ctx, actor, &json, "carte-nationale.json", &options)?;
    let scan = scan(ctx, actor, &ScanOptions::default())?;
    let paired: HashSet<PlaceKey> =
        ctx.store.duplicate_pairs()?.into_iter().flat_map(|pair| [pair.a, pair.b]).collect();
    let national = PlaceQuery { source: Some(SOURCE.to_owned()), ..PlaceQuery::active() };
    let lacking = ctx.store.places(&national)?.iter().filter(|place| !paired.contains(&PlaceKey::of(place))).count();
    Ok(NationalPull { read, kept: kept.len(), import, scan, lacking })
}
