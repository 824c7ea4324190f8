//! The `maillage` command: parses the command line, opens the store, calls a use case of
//! `maillage-app` and prints its outcome in French. No business rule lives here.

mod accounts;
mod coverage;
mod duplicates;
mod indicators;
mod territory;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use maillage_app::export::{export_places, ExportFilter};
use maillage_app::{demo, import_file, report, ImportOptions};
use maillage_formats::export::ExportFormat;
use maillage_formats::mapping::{shipped, Mapping};
use maillage_formats::table_schema::TableSchema;
use maillage_store::{PlaceQuery, Store};
use maillage_store_postgres::PostgresStore;
use maillage_store_sqlite::SqliteStore;

// Imports build and drop many small values on two threads; mimalloc handles that much better
// than the system allocator (measured: a third off a national import).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Prints a line to standard output; a closed pipe (`maillage places | head`) ends the
/// program quietly instead of panicking.
macro_rules! emit {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(err) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if err.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

// After `emit!`, so that the module can use it.
mod mapping;

const DEFAULT_SCHEMA: &str = include_str!("../../../data/standard/schema-lieux-mediation-numerique-1.0.2.json");

#[derive(Parser)]
#[command(
    name = "maillage",
    version,
    about = "Maillage : le registre des lieux de médiation numérique d'un hub territorial"
)]
struct Cli {
    /// Base de données : chemin d'un fichier SQLite (par défaut ./maillage.db) ou URL PostgreSQL (postgres://…).
    #[arg(long, global = true, env = "MAILLAGE_DB", default_value = "maillage.db")]
    db: PathBuf,
    /// Ne pas charger les données de démonstration dans une base vide.
    // The environment variable reads 1/0, yes/no, on/off as well as true/false, as people write it.
    #[arg(
        long,
        global = true,
        env = "MAILLAGE_NO_DEMO",
        value_parser = clap::builder::BoolishValueParser::new(),
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    no_demo: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Importe un fichier de lieux (standard v1 ou v0.1, CSV ou JSON, export d'un hub reconnu d'après ses colonnes ou lu avec --mapping).
    Import {
        file: PathBuf,
        /// Source de données alimentée (par défaut : celle du fichier de correspondance, sinon le nom du fichier).
        #[arg(long)]
        source: Option<String>,
        /// Fichier de correspondance TOML pour l'export propre d'un hub (sans lui, une correspondance livrée est cherchée d'après les colonnes du fichier).
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Écrit le rapport (une ligne par problème) dans ce fichier CSV.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Retire (sans les supprimer) les lieux de la source absents du fichier.
        #[arg(long)]
        prune: bool,
        /// Affiche le bilan de l'import en JSON (pour les scripts).
        #[arg(long)]
        json: bool,
        /// Seuils des doublons comptés après l'import.
        #[command(flatten)]
        thresholds: duplicates::ThresholdArgs,
    },
    /// Les correspondances pour les exports propres des hubs : liste, et proposition par l'assistant.
    Mapping {
        #[command(subcommand)]
        command: mapping::MappingCommand,
    },
    /// Exporte les lieux actifs au format du standard.
    Export {
        #[arg(long, default_value = "csv")]
        format: String,
        /// Seulement les lieux d'une source.
        #[arg(long)]
        source: Option<String>,
        /// Seulement un territoire : 18 (département), ou niveau:code (commune:18033, epci:241800507, bassin:Bourges, region:24), plusieurs séparés par des virgules.
        #[arg(long)]
        territory: Option<String>,
        /// Fichier de sortie (par défaut : la sortie standard).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Exporte chaque fiche d'un lieu fusionné telle que sa source l'a donnée, au lieu d'une fiche publiée par lieu fusionné.
        #[arg(long)]
        members: bool,
    },
    /// Vérifie un fichier CSV ou JSON contre le schéma du standard (Table Schema).
    Validate {
        file: PathBuf,
        /// Schéma Table Schema à utiliser (par défaut : le standard v1.0.2).
        #[arg(long)]
        schema: Option<PathBuf>,
    },
    /// Affiche le nombre de lieux par source.
    Stats,
    /// Liste les lieux (identifiant, source, nom, commune).
    Places {
        #[arg(long)]
        source: Option<String>,
        /// Inclut les lieux retirés.
        #[arg(long)]
        all: bool,
    },
    /// Affiche un lieu et son historique.
    Show { id: String },
    /// Liste les imports passés, ou le rapport d'un import.
    Imports { batch: Option<String> },
    /// Le territoire : communes, EPCI, départements, régions, et les lieux qui s'y trouvent.
    Territory {
        #[command(subcommand)]
        command: territory::TerritoryCommand,
    },
    /// Les bassins de vie du hub.
    Bassins {
        #[command(subcommand)]
        command: territory::BassinsCommand,
    },
    /// La couverture du territoire : distance au lieu le plus proche, population éloignée, priorités.
    Coverage(coverage::CoverageArgs),
    /// Sauvegarde toute la base (lieux et historique, imports, bassins, indicateurs) dans un fichier portable.
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Restaure une sauvegarde dans une base vide (SQLite ou PostgreSQL), après l'avoir vérifiée.
    Restore { file: PathBuf },
    /// Démarre le serveur web (API JSON sous /api/v1) sur les données de la base.
    Serve {
        /// Adresse d'écoute.
        #[arg(long, env = "MAILLAGE_ADDR", default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Secondes entre deux lectures des lieux modifiés dans la base (annuaire en mémoire).
        #[arg(long, env = "MAILLAGE_SYNC_INTERVAL", default_value_t = 2.0)]
        sync_interval: f64,
        /// Modèle d'URL des tuiles de fond de carte (https://…/{z}/{x}/{y}.png) ; sans lui, la
        /// carte montre les lieux et les contours des territoires sur un fond uni.
        #[arg(long, env = "MAILLAGE_TILES_URL")]
        tiles_url: Option<String>,
        /// Mention exigée par le fournisseur de tuiles, affichée sur la carte.
        #[arg(long, env = "MAILLAGE_TILES_ATTRIBUTION")]
        tiles_attribution: Option<String>,
        /// URL de recherche de l'API Adresse nationale : active la recherche d'adresses dans les
        /// pages (désactivée par défaut).
        #[arg(long, env = "MAILLAGE_GEOCODER_URL")]
        geocoder_url: Option<String>,
        /// Masque de la carte, des listes et de la recherche publiques les lieux dont la fiche
        /// n'a pas été confirmée depuis ce nombre de mois (0 : aucun masquage). Ils restent
        /// dans la base et visibles des coordinateurs.
        #[arg(long, env = "MAILLAGE_MASQUER_APRES_MOIS", default_value_t = 0)]
        masquer_apres_mois: u32,
    },
    /// Les indicateurs par commune ou par EPCI (indice de fragilité numérique, ou tout CSV).
    Indicators {
        #[command(subcommand)]
        command: indicators::IndicatorsCommand,
    },
    /// Les doublons entre sources : recherche, file de revue, fusion, annulation.
    Duplicates {
        #[command(subcommand)]
        command: duplicates::DuplicatesCommand,
    },
    /// Les comptes : premier administrateur, liste, relances de campagne dues.
    Accounts {
        #[command(subcommand)]
        command: accounts::AccountsCommand,
    },
}

/// France's territory, compiled into the binary; loading it takes a fraction of a second,
/// so commands that do not need it do not pay for it.
fn load_territory() -> (maillage_territory::Territory, std::time::Duration) {
    let start = std::time::Instant::now();
    let territory = maillage_territory::Territory::embedded();
    (territory, start.elapsed())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("MAILLAGE_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("erreur : {message}");
            ExitCode::from(2)
        }
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|err| format!("lecture de {} impossible : {err}", path.display()))
}

/// Opens the database `--db` names: a PostgreSQL URL (`postgres://…`), or a SQLite file
/// (a path, or `sqlite://path`).
fn open_store(cli: &Cli, load_demo: bool) -> Result<Box<dyn Store>, String> {
    let target = cli.db.to_string_lossy().into_owned();
    let store: Box<dyn Store> = if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        // The URL may hold a password: it is never repeated in messages or logs.
        Box::new(PostgresStore::connect(&target).map_err(|err| {
            tracing::error!(%err, "connexion à PostgreSQL");
            "connexion à la base PostgreSQL impossible (voir le journal, MAILLAGE_LOG=error)".to_owned()
        })?)
    } else {
        let path = PathBuf::from(target.strip_prefix("sqlite://").unwrap_or(&target));
        Box::new(SqliteStore::open(&path).map_err(|err| {
            tracing::error!(%err, db = %path.display(), "ouverture de la base");
            format!("ouverture de la base {} impossible", path.display())
        })?)
    };
    let empty = store.batches().map(|batches| batches.is_empty()).unwrap_or(false);
    if load_demo && !cli.no_demo && empty {
        let (territory, _) = load_territory();
        if let Some(loaded) = demo::load_if_empty(store.as_ref(), &territory).map_err(|err| err.to_string())? {
            eprintln!(
                "Base vide : données de démonstration du hub Centre-Val de Loire chargées ({} lieux).",
                loaded.batch.counts.created
            );
        }
    }
    Ok(store)
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match &cli.command {
        Command::Import { file, source, mapping, report: report_path, prune, json, thresholds } => {
            let thresholds = thresholds.thresholds()?;
            let store = open_store(&cli, false)?;
            let mapping = match mapping {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .map_err(|err| format!("lecture de {} impossible : {err}", path.display()))?;
                    Some(Mapping::from_toml(&text).map_err(|err| format!("{} : {err}", path.display()))?)
                }
                None => None,
            };
            let bytes = read_file(file)?;
            let (territory, _) = load_territory();
            // Without --mapping, a file with the layout of a shipped export is read with its mapping.
            let candidates = if mapping.is_none() { shipped::all() } else { Vec::new() };
            let options = ImportOptions {
                source: source.clone(),
                mapping: mapping.as_ref(),
                candidates: &candidates,
                prune: *prune,
                territory: Some(&territory),
            };
            let outcome = import_file(store.as_ref(), &bytes, &file.to_string_lossy(), &options)
                .map_err(|err| err.to_string())?;
            // Read-only, after the commit: what a `duplicates scan` would look at.
            let duplicates =
                maillage_app::duplicates::count_for_source(store.as_ref(), &outcome.batch.source, &thresholds)
                    .map_err(|err| err.to_string())?;
            if *json {
                let mut batch = serde_json::to_value(&outcome.batch).unwrap_or_default();
                batch["doublons"] = serde_json::Value::from(duplicates);
                if let Some(recognised) = &outcome.recognised {
                    batch["correspondance_reconnue"] = serde_json::Value::from(recognised.name.as_str());
                }
                emit!("{batch}");
            } else {
                if let Some(recognised) = &outcome.recognised {
                    emit!(
                        "Correspondance reconnue d'après les colonnes du fichier : {} ({}).",
                        recognised.name,
                        recognised.how
                    );
                }
                emit!("{}", report::summary(&outcome));
                emit!(
                    "  doublons possibles : {duplicates} paires avec un lieu de cette source (score ≥ {}) — maillage duplicates scan",
                    format!("{:.2}", thresholds.review).replace('.', ",")
                );
            }
            for line in outcome
                .lines
                .iter()
                .filter(|line| !*json && line.problem.severity != maillage_domain::Severity::Info)
                .take(40)
            {
                emit!(
                    "  ligne {} [{}] {} : « {} » — {}",
                    line.row,
                    line.problem.severity.label(),
                    line.problem.field,
                    line.problem.value,
                    line.problem.reason
                );
            }
            if let Some(path) = report_path {
                let out = std::fs::File::create(path)
                    .map_err(|err| format!("création de {} impossible : {err}", path.display()))?;
                report::write_csv(&outcome, std::io::BufWriter::new(out)).map_err(|err| err.to_string())?;
                emit!("Rapport complet : {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { format, source, territory, out, members } => {
            let format = ExportFormat::parse(format)
                .ok_or_else(|| format!("format inconnu « {format} » (csv, json ou geojson)"))?;
            let store = open_store(&cli, true)?;
            let loaded = territory.as_ref().map(|_| load_territory().0);
            let areas = match (territory, &loaded) {
                (Some(text), Some(loaded)) => {
                    let bassins = maillage_app::territory::BassinIndex::new(
                        &store.bassins().map_err(|err| err.to_string())?,
                        loaded,
                    );
                    maillage_app::export::parse_areas(text, loaded, &bassins).map_err(|err| err.to_string())?
                }
                _ => Vec::new(),
            };
            let filter = ExportFilter { source: source.clone(), areas, raw_members: *members };
            let count = match out {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .map_err(|err| format!("création de {} impossible : {err}", path.display()))?;
                    export_places(store.as_ref(), loaded.as_ref(), format, &filter, std::io::BufWriter::new(file))
                        .map_err(|err| err.to_string())?
                }
                None => export_places(
                    store.as_ref(),
                    loaded.as_ref(),
                    format,
                    &filter,
                    std::io::BufWriter::new(std::io::stdout().lock()),
                )
                .map_err(|err| err.to_string())?,
            };
            eprintln!("{count} lieux exportés.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { file, schema } => {
            let schema_text = match schema {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|err| format!("lecture de {} impossible : {err}", path.display()))?,
                None => DEFAULT_SCHEMA.to_owned(),
            };
            let schema = TableSchema::from_json(&schema_text).map_err(|err| err.to_string())?;
            let bytes = read_file(file)?;
            let mut info = maillage_formats::reader::FileInfo::default();
            let text = maillage_formats::reader::decode(&bytes, &mut info).map_err(|err| err.to_string())?;
            let validation = match maillage_formats::reader::detect_format(&file.to_string_lossy(), &text) {
                maillage_formats::InputFormat::Csv => schema.validate_csv(text.as_bytes()),
                maillage_formats::InputFormat::Json => schema.validate_json(text.as_bytes()),
            };
            for note in &validation.notes {
                emit!("remarque : {}", describe(note));
            }
            for error in validation.errors.iter().take(200) {
                emit!("{}", describe(error));
            }
            if validation.errors.is_empty() {
                emit!("Fichier valide : {} lignes conformes au schéma.", validation.rows_checked);
                Ok(ExitCode::SUCCESS)
            } else {
                emit!(
                    "Fichier non valide : {} erreurs sur {} lignes.",
                    validation.errors.len(),
                    validation.rows_checked
                );
                Ok(ExitCode::from(1))
            }
        }
        Command::Stats => {
            let store = open_store(&cli, true)?;
            let stats = store.source_stats().map_err(|err| err.to_string())?;
            let (mut active, mut withdrawn) = (0, 0);
            for row in &stats {
                emit!("{:<32} {:>7} actifs {:>7} retirés", row.source, row.active, row.withdrawn);
                active += row.active;
                withdrawn += row.withdrawn;
            }
            emit!("{:<32} {:>7} actifs {:>7} retirés", "total", active, withdrawn);
            Ok(ExitCode::SUCCESS)
        }
        Command::Places { source, all } => {
            let store = open_store(&cli, true)?;
            let query = PlaceQuery {
                source: source.clone(),
                status: if *all { None } else { Some(maillage_domain::PlaceStatus::Active) },
                updated_since: None,
            };
            for place in store.places(&query).map_err(|err| err.to_string())? {
                emit!(
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
        Command::Show { id } => {
            let store = open_store(&cli, true)?;
            let id = maillage_domain::PlaceId(id.clone());
            let place = store
                .place(&id)
                .map_err(|err| err.to_string())?
                .ok_or_else(|| format!("aucun lieu d'identifiant {id}"))?;
            let object = maillage_formats::export::standard_object(&place);
            emit!("{}", serde_json::to_string_pretty(&object).unwrap_or_default());
            emit!(
                "source : {} (id {}), statut : {}, version {}",
                place.source,
                place.source_id,
                place.status.as_str(),
                place.version
            );
            for (key, value) in &place.extras {
                emit!("  {key} : {value}");
            }
            for version in store.place_history(&id).map_err(|err| err.to_string())? {
                emit!(
                    "  v{} {} {} (lot {})",
                    version.version,
                    version.recorded_at.format("%Y-%m-%d %H:%M"),
                    version.change.as_str(),
                    version.batch_id.unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Territory { command } => {
            let store = open_store(&cli, true)?;
            let (territory, load_time) = load_territory();
            territory::run_territory(command, store.as_ref(), &territory, load_time)
        }
        Command::Bassins { command } => {
            let store = open_store(&cli, true)?;
            let (territory, _) = load_territory();
            territory::run_bassins(command, store.as_ref(), &territory)
        }
        Command::Coverage(args) => {
            let store = open_store(&cli, true)?;
            let (territory, _) = load_territory();
            coverage::run(args, store.as_ref(), &territory)
        }
        Command::Backup { out } => {
            let store = open_store(&cli, false)?;
            let file = std::fs::File::create(out)
                .map_err(|err| format!("création de {} impossible : {err}", out.display()))?;
            let summary = maillage_app::backup::backup(store.as_ref(), std::io::BufWriter::new(file))
                .map_err(|err| err.to_string())?;
            let total: u64 = summary.counts.values().sum();
            let detail: Vec<String> = summary.counts.iter().map(|(kind, n)| format!("{kind} {n}")).collect();
            emit!(
                "Sauvegarde écrite dans {} : {total} éléments ({}), SHA-256 {}.",
                out.display(),
                detail.join(", "),
                summary.sha256
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file } => {
            let store = open_store(&cli, false)?;
            let input =
                std::fs::File::open(file).map_err(|err| format!("lecture de {} impossible : {err}", file.display()))?;
            let summary = maillage_app::backup::restore(store.as_ref(), std::io::BufReader::new(input))
                .map_err(|err| err.to_string())?;
            let total: u64 = summary.counts.values().sum();
            emit!("Sauvegarde vérifiée et restaurée dans la base {} : {total} éléments.", store.backend_name());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { addr, sync_interval, tiles_url, tiles_attribution, geocoder_url, masquer_apres_mois } => {
            let site = maillage_web::SiteConfig {
                tiles_url: tiles_url.clone().filter(|u| !u.trim().is_empty()),
                tiles_attribution: tiles_attribution.clone().filter(|a| !a.trim().is_empty()),
                geocoder_url: geocoder_url.clone().filter(|u| !u.trim().is_empty()),
                branding: Default::default(),
            };
            for (option, url) in [("--tiles-url", &site.tiles_url), ("--geocoder-url", &site.geocoder_url)] {
                if url.as_deref().is_some_and(|u| !u.starts_with("https://") && !u.starts_with("http://")) {
                    return Err(format!("{option} : une adresse http:// ou https:// est attendue"));
                }
            }
            let store: std::sync::Arc<dyn Store> = std::sync::Arc::from(open_store(&cli, true)?);
            let (territory, load_time) = load_territory();
            tracing::info!(ms = load_time.as_millis() as u64, "territoire chargé");
            if !(sync_interval.is_finite() && (0.1..=3600.0).contains(sync_interval)) {
                return Err("--sync-interval : nombre de secondes entre 0,1 et 3600 attendu".to_owned());
            }
            let started = std::time::Instant::now();
            let cutoff = (*masquer_apres_mois > 0).then_some(*masquer_apres_mois);
            // Held here until the runtime is gone: the last reference to a PostgreSQL store must
            // not drop on a runtime thread, where closing its blocking connections would panic.
            let store_until_shutdown = store.clone();
            let state = maillage_web::WebState::with_cutoff(store, std::sync::Arc::new(territory), cutoff)
                .map_err(|err| format!("chargement de l'annuaire impossible : {err}"))?;
            let places = state.directory.current().len();
            tracing::info!(lieux = places, ms = started.elapsed().as_millis() as u64, "annuaire chargé");
            let runtime = tokio::runtime::Runtime::new().map_err(|err| format!("démarrage impossible : {err}"))?;
            eprintln!("Maillage : {places} lieux, http://{addr}/api/v1/sante (Ctrl-C pour arrêter)");
            let every = std::time::Duration::from_secs_f64(*sync_interval);
            let served = runtime
                .block_on(async {
                    let sync = maillage_web::spawn_directory_sync(&state, every);
                    let served = maillage_web::serve_site(*addr, state, site).await;
                    sync.abort();
                    served
                })
                .map_err(|err| format!("serveur arrêté : {err}"));
            runtime.shutdown_timeout(std::time::Duration::from_secs(5));
            drop(store_until_shutdown);
            served?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Indicators { command } => {
            let store = open_store(&cli, true)?;
            let (territory, _) = load_territory();
            indicators::run(command, store.as_ref(), &territory)
        }
        Command::Duplicates { command } => {
            let store = open_store(&cli, true)?;
            duplicates::run(command, store.as_ref())
        }
        Command::Mapping { command } => mapping::run(command),
        Command::Accounts { command } => {
            // Creating an administrator must not fill an empty hub with the demo data.
            let store = open_store(&cli, false)?;
            accounts::run(command, store.as_ref())
        }
        Command::Imports { batch } => {
            let store = open_store(&cli, false)?;
            match batch {
                None => {
                    for batch in store.batches().map_err(|err| err.to_string())? {
                        let c = &batch.counts;
                        emit!(
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
                    for line in store.batch_report(id).map_err(|err| err.to_string())? {
                        emit!(
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
