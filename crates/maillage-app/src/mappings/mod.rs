//! The hub's saved mappings: a mapping written for one of its sources' exports (by the
//! assistant and corrected in a form, or by hand) is saved in the store, so that the next
//! import of a new version of that export is recognised from its columns and read with it, with
//! nobody naming a mapping; it can be exported back as TOML, and it is in the backups.
//!
//! - [`save_mapping`] checks the text as an import would read it (the syntax and the meaning,
//!   each mistake with its line) and, given a file of the export, that every column it names is
//!   there; the file's columns become the layout recognition compares the next files with.
//! - [`saved_mappings`], [`saved_mapping`], [`export_mapping`] (a saved mapping's text as saved,
//!   or a shipped one's) and [`delete_mapping`].
//! - [`recognition_candidates`]: the saved mappings as the import's recognition takes them.
//! - [`assistant`]: from a file nobody has mapped, a proposal shown as a form, the
//!   administrator's corrections, and the mapping they give, previewed on the file.
//!
//! Who: administrators, and the operator's command line ([`Permission::Administer`], as for
//! imports); every write is audited.

pub mod assistant;

use chrono::{DateTime, Utc};
use maillage_formats::mapping::locate::line_of_column;
use maillage_formats::mapping::{shipped, Mapping};
use maillage_formats::reader::sample_rows;
use maillage_store::{SavedMapping, Store, StoreError};

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::{AppError, AppResult};

/// Longest name kept, in characters.
const MAX_NAME: usize = 60;
/// Rows read from a file of the export to know its columns (JSON objects need not all have
/// the same keys).
const SAMPLE_ROWS: usize = 200;

/// A file of the export a mapping is for.
#[derive(Clone, Copy, Debug)]
pub struct SampleFile<'a> {
    pub bytes: &'a [u8],
    /// Its name, which says its format (`.csv`, `.json`, `.gz`).
    pub file_name: &'a str,
}

/// A mapping to save, as the command line or the admin's form gives it.
#[derive(Clone, Copy, Debug)]
pub struct MappingToSave<'a> {
    /// The mapping file's text, kept as given.
    pub toml: &'a str,
    /// The name to save it under; by default the mapping's source name (`[source] name`).
    pub name: Option<&'a str>,
    /// A file of the export: the mapping may only name columns it has, and its columns are
    /// the layout the next files are recognised by (else the mapping's own layout).
    pub sample: Option<SampleFile<'a>>,
    /// The version of the saved mapping this one replaces; `None` for a new name.
    pub replaces: Option<u32>,
}

/// Whether a name is a short key: lower-case letters, digits and hyphens.
fn check_name(name: &str) -> AppResult<()> {
    let fine = !name.is_empty()
        && name.chars().count() <= MAX_NAME
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && !name.starts_with('-');
    if fine {
        Ok(())
    } else {
        Err(AppError::Input(format!(
            "nom de correspondance « {name} » refusé : {MAX_NAME} caractères au plus, en minuscules sans accents, \
             chiffres et tirets (par exemple « mediatheques-41 »)"
        )))
    }
}

/// Reads and checks a mapping's text as an import would; each mistake with its line.
pub fn parse_mapping(toml: &str) -> AppResult<Mapping> {
    Mapping::from_toml(toml).map_err(|err| AppError::Input(err.to_string()))
}

/// The columns of a file of the export, refusing what an import would refuse whole (a file
/// that is not CSV or JSON, a file of one column) and a mapping naming a column it lacks.
fn sample_columns(mapping: &Mapping, toml: &str, sample: &SampleFile<'_>) -> AppResult<Vec<String>> {
    let (info, _) = sample_rows(sample.bytes, sample.file_name, SAMPLE_ROWS)?;
    if info.columns.len() < 2 {
        return Err(AppError::Input(format!(
            "une seule colonne lue dans « {} » : un fichier de lieux en a plusieurs ; pour un CSV, le séparateur \
             n'est sans doute pas reconnu (virgule, point-virgule ou tabulation attendus)",
            sample.file_name
        )));
    }
    let missing = mapping.check_columns(&info.columns);
    if !missing.is_empty() {
        let named: Vec<String> = missing
            .iter()
            .map(|problem| match line_of_column(toml, &problem.value) {
                Some(line) => format!("« {} » ({}, ligne {line})", problem.value, problem.field),
                None => format!("« {} » ({})", problem.value, problem.field),
            })
            .collect();
        return Err(AppError::Input(format!(
            "la correspondance nomme des colonnes absentes du fichier « {} » (ou vides sur toutes ses lignes) : {}. \
             Rien n'a été enregistré.",
            sample.file_name,
            named.join(", ")
        )));
    }
    Ok(info.columns)
}

fn audit(ctx: &Context<'_>, actor: &Actor, action: &str, mapping: &SavedMapping, at: DateTime<Utc>) -> AppResult<()> {
    let detail =
        format!("correspondance « {} » (source {}, version {})", mapping.name, mapping.source, mapping.version);
    ctx.audit(actor.id(), action, Some(format!("correspondance:{}", mapping.name)), detail, at)
}

/// Saves a mapping for the next imports of its source, new or replacing the version it names.
/// A mapping that does not read, a name that is no key, or a file of the export that lacks a
/// column the mapping names is refused and nothing is written.
pub fn save_mapping(
    ctx: &Context<'_>,
    actor: &Actor,
    request: &MappingToSave<'_>,
    at: DateTime<Utc>,
) -> AppResult<SavedMapping> {
    actor.require(ctx, Permission::Administer)?;
    let mapping = parse_mapping(request.toml)?;
    let name = request.name.map(str::trim).unwrap_or_else(|| mapping.source_name()).to_owned();
    check_name(&name)?;
    let layout = match &request.sample {
        Some(sample) => sample_columns(&mapping, request.toml, sample)?,
        None => mapping.layout(),
    };
    let saved = SavedMapping {
        name,
        source: mapping.source_name().to_owned(),
        toml: request.toml.to_owned(),
        layout,
        created_by: actor.id().map(str::to_owned),
        created_at: at,
        updated_by: actor.id().map(str::to_owned),
        updated_at: at,
        version: request.replaces.map_or(1, |version| version + 1),
    };
    match request.replaces {
        None => {
            ctx.store.add_mapping(&saved)?;
            audit(ctx, actor, "correspondance_enregistree", &saved, at)?;
        }
        Some(_) => {
            ctx.store.update_mapping(&saved)?;
            audit(ctx, actor, "correspondance_remplacee", &saved, at)?;
        }
    }
    Ok(saved)
}

/// Every saved mapping, by name.
pub fn saved_mappings(ctx: &Context<'_>, actor: &Actor) -> AppResult<Vec<SavedMapping>> {
    actor.require(ctx, Permission::Administer)?;
    Ok(ctx.store.saved_mappings()?)
}

/// One saved mapping.
pub fn saved_mapping(ctx: &Context<'_>, actor: &Actor, name: &str) -> AppResult<SavedMapping> {
    actor.require(ctx, Permission::Administer)?;
    Ok(ctx.store.saved_mapping(name)?.ok_or_else(|| maillage_store::mapping_not_found(name))?)
}

/// A mapping's TOML text: a saved one as it was saved, else the shipped one of that name.
pub fn export_mapping(ctx: &Context<'_>, actor: &Actor, name: &str) -> AppResult<String> {
    actor.require(ctx, Permission::Administer)?;
    if let Some(saved) = ctx.store.saved_mapping(name)? {
        return Ok(saved.toml);
    }
    shipped::text(name)
        .map(str::to_owned)
        .ok_or_else(|| AppError::Store(StoreError::NotFound(format!("correspondance {name}"))))
}

/// Deletes a saved mapping at the version the caller read. Places imported with it stay as
/// they are; the next file of its export is no longer recognised as it.
pub fn delete_mapping(ctx: &Context<'_>, actor: &Actor, name: &str, version: u32) -> AppResult<()> {
    actor.require(ctx, Permission::Administer)?;
    let stored = ctx.store.saved_mapping(name)?.ok_or_else(|| maillage_store::mapping_not_found(name))?;
    ctx.store.delete_mapping(name, version)?;
    audit(ctx, actor, "correspondance_supprimee", &SavedMapping { version, ..stored }, maillage_store::now())
}

/// The hub's saved mappings as recognition takes them: each compiled, its layout the one saved
/// (the columns of the file it was saved with) completed by the columns it reads. A saved
/// mapping the formats no longer read (saved by an older Maillage) is left out and logged.
/// Unguarded: it gives the import's machinery what the guarded import reads, never a person.
pub(crate) fn recognition_candidates(store: &dyn Store) -> AppResult<Vec<Mapping>> {
    let mut out = Vec::new();
    for saved in store.saved_mappings()? {
        let mapping = match Mapping::from_toml(&saved.toml) {
            Ok(mapping) => mapping,
            Err(err) => {
                tracing::warn!(name = %saved.name, %err, "correspondance enregistrée illisible, ignorée");
                continue;
            }
        };
        let known = mapping.layout();
        let mut spec = mapping.spec().clone();
        for column in saved.layout.iter().filter(|column| !known.contains(column)) {
            spec.source.unread.push(column.clone());
        }
        match Mapping::from_spec(spec) {
            Ok(completed) => out.push(completed),
            Err(_) => out.push(mapping),
        }
    }
    Ok(out)
}
