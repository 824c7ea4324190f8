//! The `maillage` command: parses the command line, reads the configuration once
//! ([`config`]), opens the store ([`database`]), calls the use cases of `maillage-app` as the
//! machine's operator and prints their outcome in French ([`output`]); every error becomes
//! its message in one place ([`error`]). No business rule lives here.

#[macro_use]
mod output;

mod accounts;
mod config;
mod coverage;
mod database;
mod duplicates;
mod error;
mod indicators;
mod mapping;
mod monographie;
mod places;
mod serve;
mod territory;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::error::CliResult;

// Imports build and drop many small values on two threads; mimalloc handles that much better
// than the system allocator (measured: a third off a national import).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Les correspondances pour les exports propres des hubs : liste, enregistrement, export, suppression, et proposition par l'assistant.
    Mapping {
        #[command(subcommand)]
        command: mapping::MappingCommand,
    },
    /// Exporte les lieux actifs au format du standard (csv, json, geojson) ou de data·inclusion.
    Export {
        /// csv, json, geojson ; data-inclusion (structures.json et services.json dans le dossier --out),
        /// data-inclusion-structures ou data-inclusion-services (un fichier).
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
    /// Publie les données ouvertes du hub dans le dossier de publication : fichiers du standard
    /// (CSV, JSON), GeoJSON, data·inclusion, couverture par commune, manifeste et catalogue.
    Publish {
        /// Dossier de publication (par défaut : MAILLAGE_PUBLICATION_DIR).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Ne publie pas les lieux non confirmés depuis ce nombre de mois (comme la carte publique ; 0 : tous).
        #[arg(long, env = "MAILLAGE_MASQUER_APRES_MOIS", default_value_t = 0)]
        masquer_apres_mois: u32,
    },
    /// Importe le fichier de la carte nationale pour les départements du hub (source
    /// « carte-nationale ») et le rapproche des lieux du hub (doublons).
    National {
        /// Adresse du fichier (par défaut : MAILLAGE_CARTE_NATIONALE_URL) ou chemin d'un fichier local.
        #[arg(long)]
        url: Option<String>,
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
    Serve(serve::ServeArgs),
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
    /// Les monographies des bassins de vie : générer une édition de chacune, lister les éditions.
    Monographie {
        #[command(subcommand)]
        command: monographie::MonographieCommand,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("MAILLAGE_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    let config = Config::read(&cli.db, cli.no_demo);
    match run(cli.command, &config) {
        Ok(code) => code,
        Err(err) => {
            note!("erreur : {}", err.message());
            ExitCode::from(2)
        }
    }
}

fn run(command: Command, config: &Config) -> CliResult<ExitCode> {
    match command {
        Command::Import { file, source, mapping, report, prune, json, thresholds } => {
            let thresholds = thresholds.thresholds()?;
            let request = places::ImportRequest { file, source, mapping, report, prune, json, thresholds };
            places::import(config, &request)
        }
        Command::Export { format, source, territory, out, members } => {
            places::export(config, &format, source, territory.as_deref(), out.as_deref(), members)
        }
        Command::Publish { dir, masquer_apres_mois } => places::publish(config, dir, masquer_apres_mois),
        Command::National { url } => places::national(config, url),
        Command::Validate { file, schema } => places::validate(&file, schema.as_deref()),
        Command::Stats => places::stats(config),
        Command::Places { source, all } => places::list(config, source, all),
        Command::Show { id } => places::show(config, &id),
        Command::Imports { batch } => places::imports(config, batch.as_deref()),
        Command::Territory { command } => {
            let store = database::open(config, true)?;
            let (territory, load_time) = database::load_territory();
            territory::run_territory(&command, store.as_ref(), &territory, load_time)
        }
        Command::Bassins { command } => {
            let store = database::open(config, true)?;
            let (territory, _) = database::load_territory();
            territory::run_bassins(&command, store.as_ref(), &territory)
        }
        Command::Coverage(args) => {
            let store = database::open(config, true)?;
            let (territory, _) = database::load_territory();
            coverage::run(&args, store.as_ref(), &territory)
        }
        Command::Backup { out } => places::backup(config, &out),
        Command::Restore { file } => places::restore(config, &file),
        Command::Serve(args) => serve::run(config, &args),
        Command::Indicators { command } => {
            let store = database::open(config, true)?;
            let (territory, _) = database::load_territory();
            indicators::run(&command, store.as_ref(), &territory)
        }
        Command::Duplicates { command } => {
            let store = database::open(config, true)?;
            duplicates::run(&command, store.as_ref())
        }
        Command::Mapping { command } => mapping::run(&command, config),
        Command::Accounts { command } => {
            // Creating an administrator must not fill an empty hub with the demo data.
            let store = database::open(config, false)?;
            accounts::run(&command, store.as_ref(), config)
        }
        Command::Monographie { command } => {
            let store = database::open(config, true)?;
            let (territory, _) = database::load_territory();
            monographie::run(&command, store.as_ref(), std::sync::Arc::new(territory))
        }
    }
}

/// A command line clap refuses, said in French (clap's own text is English); help and version
/// are printed as clap writes them.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ErrorKind};
    let context = |kind: ContextKind| err.get(kind).map(|value| value.to_string()).unwrap_or_default();
    let (arg, value) = (context(ContextKind::InvalidArg), context(ContextKind::InvalidValue));
    let message = match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => match context(ContextKind::ValidValue) {
            valid if !valid.is_empty() => {
                format!("valeur « {value} » invalide pour {arg} (valeurs possibles : {valid})")
            }
            _ => format!("valeur « {value} » invalide pour {arg}"),
        },
        ErrorKind::UnknownArgument => format!("option ou argument inconnu : {arg}"),
        ErrorKind::InvalidSubcommand => format!("commande inconnue : {}", context(ContextKind::InvalidSubcommand)),
        ErrorKind::MissingRequiredArgument => format!("argument obligatoire manquant : {arg}"),
        ErrorKind::MissingSubcommand => "commande manquante".to_owned(),
        ErrorKind::ArgumentConflict => {
            format!("options incompatibles : {arg} et {}", context(ContextKind::PriorArg))
        }
        ErrorKind::NoEquals | ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("valeurs incorrectes pour {arg}")
        }
        ErrorKind::InvalidUtf8 => "argument qui n'est pas du texte UTF-8".to_owned(),
        _ => "ligne de commande invalide".to_owned(),
    };
    tracing::debug!(details = %err, "ligne de commande refusée");
    note!("erreur : {message} (maillage --help)");
    ExitCode::from(2)
}
