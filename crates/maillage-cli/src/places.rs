//! `maillage import`, `export`, `validate`, `stats`, `places`, `show`, `imports`, `backup` and
//! `restore`: the registry's places, their sources and the whole hub's backup.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use maillage_app::context::Context;
use maillage_app::places::export::{export_places, ExportFilter};
use maillage_app::places::report;
use maillage_app::territory::{parse_areas, BassinIndex};
use maillage_app::{hub::backup, ImportOptions};
use maillage_dedup::Thresholds;
use maillage_formats::export::ExportFormat;
use maillage_formats::mapping::Mapping;
use maillage_formats::table_schema::TableSchema;
use maillage_store::PlaceQuery;

use crate::config::Config;
use crate::database::{self, load_territory, operator};
use crate::error::{CliError, CliResult};

const DEFAULT_SCHEMA: &str = include_str!("../../../data/standard/schema-lieux-mediation-numerique-1.0.2.json");

pub(crate) fn read_file(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(CliError::reading(path))
}

fn read_text(path: &Path) -> CliResult<String> {
    std::fs::read_to_string(path).map_err(CliError::reading(path))
}

/// What `maillage import` was asked.
pub struct ImportRequest {
    pub file: PathBuf,
    pub source: Option<String>,
    pub mapping: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub prune: bool,
    pub json: bool,
    pub thresholds: Thresholds,
}

pub fn import(config: &Config, request: &ImportRequest) -> CliResult<ExitCode> {
    let store = database::open(config, false)?;
    let mapping = match &request.mapping {
        Some(path) => Some(
            Mapping::from_toml(&read_text(path)?)
                .map_err(|err| CliError::Usage(format!("{} : {}", path.display(), CliError::Format(err).message())))?,
        ),
        None => None,
    };
    let bytes = read_file(&request.file)?;
    let (territory, _) = load_territory();
    // Without --mapping, a file with the layout of a shipped export (or of one the hub saved:
    // the use case adds those) is read with its mapping.
    let candidates = if mapping.is_none() { maillage_formats::mapping::shipped::all() } else { Vec::new() };
    let options = ImportOptions {
        source: request.source.clone(),
        mapping: mapping.as_ref(),
        candidates: &candidates,
        prune: request.prune,
        territory: Some(&territory),
        hold_outside: None,
    };
    let ctx = Context::new(store.as_ref());
    let outcome = maillage_app::import_file(&ctx, &operator(), &bytes, &request.file.to_string_lossy(), &options)?;
    // Read-only, after the commit: what a `duplicates scan` would look at.
    let duplicates =
        maillage_app::duplicates::count_for_source(store.as_ref(), &outcome.batch.source, &request.thresholds)?;
    if request.json {
        let mut batch = serde_json::to_value(&outcome.batch).unwrap_or_default();
        batch["doublons"] = serde_json::Value::from(duplicates.pairs);
        batch["doublons_plafonnes"] = serde_json::Value::from(duplicates.capped);
        if let Some(recognised) = &outcome.recognised {
            batch["correspondance_reconnue"] = serde_json::Value::from(recognised.name.as_str());
            batch["correspondance_enregistree"] = serde_json::Value::from(recognised.saved);
        }
        say!("{batch}");
    } else {
        if let Some(recognised) = &outcome.recognised {
            say!(
                "Correspondance reconnue d'après les colonnes du fichier : {} ({} ; {}).",
                recognised.name,
                recognised.origin(),
                recognised.how
            );
        }
        say!("{}", report::summary(&outcome));
        say!(
            "  doublons possibles : {} paires avec un lieu de cette source (score ≥ {}) — maillage duplicates scan",
            duplicates.pairs,
            format!("{:.2}", request.thresholds.review).replace('.', ",")
        );
        if duplicates.capped > 0 {
            say!("  {}", crate::duplicates::capped_note(duplicates.capped));
        }
        for line in
            outcome.lines.iter().filter(|line| line.problem.severity != maillage_domain::Severity::Info).take(40)
        {
            say!(
                "  ligne {} [{}] {} : « {} » — {}",
                line.row,
                line.problem.severity.label(),
                line.problem.field,
                line.problem.value,
                line.problem.reason
            );
        }
    }
    if let Some(path) = &request.report {
        let out = std::fs::File::create(path).map_err(CliError::creating(path))?;
        report::write_csv(&outcome, std::io::BufWriter::new(out))?;
        say!("Rapport complet : {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export(
    config: &Config,
    format: &str,
    source: Option<String>,
    territory: Option<&str>,
    out: Option<&Path>,
    members: bool,
) -> CliResult<ExitCode> {
    let formats = if format.eq_ignore_ascii_case("data-inclusion") {
        // Two files: structures and services, side by side in the folder named by --out.
        vec![ExportFormat::DataInclusionStructures, ExportFormat::DataInclusionServices]
    } else {
        vec![ExportFormat::parse(format).ok_or_else(|| {
            CliError::Usage(format!(
                "format inconnu « {format} » (csv, json, geojson, data-inclusion, data-inclusion-structures ou data-inclusion-services)"
            ))
        })?]
    };
    let folder = match (formats.len(), out) {
        (1, _) => None,
        (_, Some(path)) => Some(path),
        (_, None) => {
            return Err(CliError::Usage(
                "--format data-inclusion écrit deux fichiers : donnez le dossier avec --out".to_owned(),
            ))
        }
    };
    let store = database::open(config, true)?;
    let loaded = territory.map(|_| load_territory().0);
    let areas = match (territory, &loaded) {
        (Some(text), Some(loaded)) => {
            let bassins = BassinIndex::new(&store.bassins()?, loaded);
            parse_areas(text, loaded, &bassins)?
        }
        _ => Vec::new(),
    };
    let filter = ExportFilter {
        source,
        areas,
        raw_members: members,
        data_inclusion: Some(config.data_inclusion()?),
        visible: None,
    };
    if let Some(folder) = folder {
        std::fs::create_dir_all(folder).map_err(CliError::creating(folder))?;
        for (format, name, what) in [
            (ExportFormat::DataInclusionStructures, "structures.json", "structures"),
            (ExportFormat::DataInclusionServices, "services.json", "services"),
        ] {
            let path = folder.join(name);
            let file = std::fs::File::create(&path).map_err(CliError::creating(&path))?;
            let count = export_places(store.as_ref(), loaded.as_ref(), format, &filter, std::io::BufWriter::new(file))?;
            note!("{count} {what} data·inclusion exportées dans {}.", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let format = formats[0];
    let count = match out {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(CliError::creating(path))?;
            export_places(store.as_ref(), loaded.as_ref(), format, &filter, std::io::BufWriter::new(file))?
        }
        None => export_places(store.as_ref(), loaded.as_ref(), format, &filter, crate::output::data_stream())?,
    };
    let what = match format {
        ExportFormat::DataInclusionStructures => "structures data·inclusion exportées",
        ExportFormat::DataInclusionServices => "services data·inclusion exportés",
        _ => "lieux exportés",
    };
    note!("{count} {what}.");
    Ok(ExitCode::SUCCESS)
}

/// `maillage publish`: the hub's open data into its publication folder, as the hub itself.
pub fn publish(config: &Config, dir: Option<PathBuf>, hide_after_months: u32) -> CliResult<ExitCode> {
    let dir = dir.or_else(|| config.publication_dir.clone()).ok_or_else(|| {
        CliError::Usage("aucun dossier de publication : donnez --dir ou MAILLAGE_PUBLICATION_DIR".to_owned())
    })?;
    let store = database::open(config, true)?;
    let territory = load_territory().0;
    let publisher = maillage_app::hub::branding::Branding::load(store.as_ref())?.name;
    let cutoff = (hide_after_months > 0).then_some(hide_after_months);
    let settings = maillage_app::publication::PublicationSettings {
        dir: dir.clone(),
        producer: config.producer()?.to_owned(),
        base_url: Some(config.base_url.clone()),
        publisher,
        visible: maillage_app::directory::Visibility::as_of_today(cutoff),
    };
    let ctx = Context::new(store.as_ref());
    let manifest = maillage_app::publication::publish(&ctx, &operator(), &territory, &settings)?;
    for file in &manifest.fichiers {
        say!(
            "{} : {} enregistrements, {} octets, sha256 {}",
            file.fichier,
            file.enregistrements,
            file.octets,
            file.sha256
        );
    }
    note!("{} lieux publiés dans {}.", manifest.lieux, dir.display());
    Ok(ExitCode::SUCCESS)
}

/// The national map's file: fetched from an http(s) address (as the server's scheduled pull
/// does), or read from a local path.
pub fn fetch_national(url: &str) -> CliResult<Vec<u8>> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(maillage_web::fetch_national(url)?)
    } else {
        read_file(Path::new(url))
    }
}

/// Pulls the national map's file and reconciles it, as the hub itself.
pub fn pull_national(
    store: &dyn maillage_store::Store,
    territory: &maillage_territory::Territory,
    url: &str,
) -> CliResult<maillage_app::national::NationalPull> {
    let bytes = fetch_national(url)?;
    let name = url.rsplit('/').next().unwrap_or("carte-nationale.json").to_owned();
    let ctx = Context::new(store);
    Ok(maillage_app::national::pull_national(&ctx, &operator(), territory, &bytes, &name)?)
}

/// `maillage national`: the national map's places of the hub's départements, reconciled.
pub fn national(config: &Config, url: Option<String>) -> CliResult<ExitCode> {
    let url = url
        .or_else(|| config.national_url.clone())
        .ok_or_else(|| CliError::Usage("aucune adresse : donnez --url ou MAILLAGE_CARTE_NATIONALE_URL".to_owned()))?;
    let store = database::open(config, true)?;
    let territory = load_territory().0;
    let pull = pull_national(store.as_ref(), &territory, &url)?;
    let counts = &pull.import.batch.counts;
    say!("Carte nationale : {} lignes lues, {} dans les départements du hub.", pull.read, pull.kept);
    say!(
        "Import « {} » : {} créés, {} mis à jour, {} inchangés, {} rejetés, {} retirés.",
        maillage_app::national::SOURCE,
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.rejected,
        counts.withdrawn
    );
    say!(
        "Rapprochement : {} fusionnés d'office, {} à examiner ; {} lieux de la carte nationale sans équivalent dans le hub.",
        pull.scan.auto_merged,
        pull.scan.queued,
        pull.lacking
    );
    Ok(ExitCode::SUCCESS)
}

pub fn validate(file: &Path, schema: Option<&Path>) -> CliResult<ExitCode> {
    let schema_text = match schema {
        Some(path) => read_text(path)?,
        None => DEFAULT_SCHEMA.to_owned(),
    };
    let schema = TableSchema::from_json(&schema_text)?;
    let bytes = read_file(file)?;
    let mut info = maillage_formats::reader::FileInfo::default();
    let text = maillage_formats::reader::decode(&bytes, &mut info)?;
    let validation = match maillage_formats::reader::detect_format(&file.to_string_lossy(), &text) {
        maillage_formats::InputFormat::Csv => schema.validate_csv(text.as_bytes()),
        maillage_formats::InputFormat::Json => schema.validate_json(text.as_bytes()),
    };
    for note in &validation.notes {
        say!("remarque : {}", describe(note));
    }
    for error in validation.errors.iter().take(200) {
        say!("{}", describe(error));
    }
    if validation.errors.is_empty() {
        say!("Fichier valide : {} lignes conformes au schéma.", validation.rows_checked);
        Ok(ExitCode::SUCCESS)
    } else {
        say!("Fichier non valide : {} erreurs sur {} lignes.", validation.errors.len(), validation.rows_checked);
        Ok(ExitCode::from(1))
    }
}

fn describe(issue: &maillage_formats::table_schema::ValidationIssue) -> String {
    let mut out = String::new();
    if let Some(row) = issue.row {
        out.push_str(&format!("ligne {row}, "));
    }
    if let Some(field) = &issue.field {
        out.push_str(&format!("champ {field} : "));
    }
    if let Some(value) = &issue.value {
        out.push_str(&format!("« {value} » "));
    }
    out.push_str(&issue.message);
    out
}

pub fn stats(config: &Config) -> CliResult<ExitCode> {
    let store = database::open(config, true)?;
    let (mut active, mut withdrawn) = (0, 0);
    for row in store.source_stats()? {
        say!("{:<32} {:>7} actifs {:>7} retirés", row.source, row.active, row.withdrawn);
        active += row.active;
        withdrawn += row.withdrawn;
    }
    say!("{:<32} {:>7} actifs {:>7} retirés", "total", active, withdrawn);
    Ok(ExitCode::SUCCESS)
}

pub fn list(config: &Config, source: Option<String>, all: bool) -> CliResult<ExitCode> {
    let store = database::open(config, true)?;
    let query = PlaceQuery {
        source,
        status: if all { None } else { Some(maillage_domain::PlaceStatus::Active) },
        updated_since: None,
    };
    for place in store.places(&query)? {
        say!(
            "{}\t{}\t{}\t{} {}",
            place.id,
            place.source,
            place.record.nom,
            place.record.code_postal,
            place.record.commune
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(config: &Config, id: &str) -> CliResult<ExitCode> {
    let store = database::open(config, true)?;
    let id = maillage_domain::PlaceId(id.to_owned());
    let place = store.place(&id)?.ok_or_else(|| CliError::Usage(format!("aucun lieu d'identifiant {id}")))?;
    let object = maillage_formats::export::standard_object(&place);
    say!("{}", serde_json::to_string_pretty(&object).unwrap_or_default());
    say!(
        "source : {} (id {}), statut : {}, version {}",
        place.source,
        place.source_id,
        place.status.as_str(),
        place.version
    );
    for (key, value) in &place.extras {
        say!("  {key} : {value}");
    }
    for version in store.place_history(&id)? {
        say!(
            "  v{} {} {} (lot {})",
            version.version,
            version.recorded_at.format("%Y-%m-%d %H:%M"),
            version.change.as_str(),
            version.batch_id.unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn imports(config: &Config, batch: Option<&str>) -> CliResult<ExitCode> {
    let store = database::open(config, false)?;
    let ctx = Context::new(store.as_ref());
    match batch {
        None => {
            let (batches, _) = maillage_app::places::imports(&ctx, &operator())?;
            for batch in batches {
                let c = &batch.counts;
                say!(
                    "{}\t{}\t{}\t{}\tlus {} créés {} modifiés {} inchangés {} rejetés {} retirés {}",
                    batch.id,
                    batch.started_at.format("%Y-%m-%d %H:%M"),
                    batch.source,
                    batch.file_name,
                    c.read,
                    c.created,
                    c.updated,
                    c.unchanged,
                    c.rejected,
                    c.withdrawn
                );
            }
        }
        Some(id) => {
            let (_, lines) = maillage_app::places::import_report(&ctx, &operator(), id)?;
            for line in lines {
                say!(
                    "ligne {} [{}] {} : « {} » — {}",
                    line.row,
                    line.problem.severity.label(),
                    line.problem.field,
                    line.problem.value,
                    line.problem.reason
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn backup(config: &Config, out: &Path) -> CliResult<ExitCode> {
    let store = database::open(config, false)?;
    let file = std::fs::File::create(out).map_err(CliError::creating(out))?;
    let summary = backup::backup(&Context::new(store.as_ref()), &operator(), std::io::BufWriter::new(file))?;
    let total: u64 = summary.counts.values().sum();
    let detail: Vec<String> = summary.counts.iter().map(|(kind, n)| format!("{kind} {n}")).collect();
    say!(
        "Sauvegarde écrite dans {} : {total} éléments ({}), SHA-256 {}.",
        out.display(),
        detail.join(", "),
        summary.sha256
    );
    Ok(ExitCode::SUCCESS)
}

pub fn restore(config: &Config, file: &Path) -> CliResult<ExitCode> {
    let store = database::open(config, false)?;
    let input = std::fs::File::open(file).map_err(CliError::reading(file))?;
    let summary = backup::restore(&Context::new(store.as_ref()), &operator(), std::io::BufReader::new(input))?;
    let total: u64 = summary.counts.values().sum();
    say!("Sauvegarde vérifiée et restaurée dans la base {} : {total} éléments.", store.backend_name());
    Ok(ExitCode::SUCCESS)
}
