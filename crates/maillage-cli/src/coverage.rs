//! `maillage coverage`: the "zones blanches", per commune or per territory.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use maillage_app::coverage::{coverage, write_csv, write_geojson, CoverageRequest, Scope};
use maillage_app::territory::{BassinIndex, Level};
use maillage_coverage::Filters;
use maillage_store::Store;
use maillage_territory::Territory;

use crate::error::{CliError, CliResult};

#[derive(Args)]
pub struct CoverageArgs {
    /// Niveau : commune, epci, bassin, departement ou region.
    #[arg(long, default_value = "commune")]
    level: String,
    /// Filtre des lieux (répétable, tous doivent être vrais) : service=…, public=…, gratuit, label=…, jour=mardi, weekend, itinerant, fixe.
    #[arg(long = "filter")]
    filters: Vec<String>,
    /// Périmètre : hub (départements des bassins de vie) ou france.
    #[arg(long, default_value = "hub")]
    scope: String,
    /// Seuils de distance en km, séparés par des virgules.
    #[arg(long, default_value = "5,10,15,20")]
    thresholds: String,
    /// Trie par score de priorité (« où agir d'abord »), du plus élevé au plus faible.
    #[arg(long)]
    priority: bool,
    /// Nombre maximal de lignes.
    #[arg(long)]
    limit: Option<usize>,
    /// Fichier de sortie : .csv, .geojson ou .json (par défaut : un tableau à l'écran).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn parse_request(
    level: &str,
    filters: &[String],
    scope: &str,
    thresholds: &str,
    priority: bool,
    limit: Option<usize>,
) -> CliResult<CoverageRequest> {
    let level = Level::parse(level).ok_or_else(|| {
        CliError::Usage(format!("niveau inconnu « {level} » (commune, epci, bassin, departement ou region)"))
    })?;
    let filters = Filters::parse(filters.iter().map(String::as_str))
        .map_err(|err| CliError::Usage(format!("filtre invalide : {}", err.0)))?;
    let scope = match scope {
        "hub" => Scope::Hub,
        "france" => Scope::France,
        other => return Err(CliError::Usage(format!("périmètre inconnu « {other} » (hub ou france)"))),
    };
    let thresholds_km = thresholds
        .split(',')
        .map(|t| {
            t.trim()
                .replace(',', ".")
                .parse::<f64>()
                .map_err(|_| CliError::Usage(format!("seuil invalide « {t} » (nombre de km attendu)")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CoverageRequest { level, filters, scope, thresholds_km, by_priority: priority, limit })
}

pub fn run(args: &CoverageArgs, store: &dyn Store, territory: &Territory) -> CliResult<ExitCode> {
    let request = parse_request(&args.level, &args.filters, &args.scope, &args.thresholds, args.priority, args.limit)?;
    let report = coverage(store, territory, &request)?;
    match &args.out {
        Some(path) => {
            let name = path.to_string_lossy().to_ascii_lowercase();
            let file = std::fs::File::create(path).map_err(CliError::creating(path))?;
            let writer = std::io::BufWriter::new(file);
            if name.ends_with(".geojson") {
                let bassins = BassinIndex::new(&store.bassins()?, territory);
                write_geojson(territory, &bassins, &report, writer).map_err(CliError::writing(path))?;
            } else if name.ends_with(".json") {
                serde_json::to_writer_pretty(writer, &report).map_err(|err| {
                    CliError::Usage(format!(
                        "écriture de {} impossible : {}",
                        path.display(),
                        maillage_formats::json_reason(&err)
                    ))
                })?;
            } else if name.ends_with(".csv") {
                write_csv(&report, writer).map_err(|err| CliError::Csv { path: Some(path.clone()), err })?;
            } else {
                return Err(CliError::Usage("format de sortie inconnu : .csv, .geojson ou .json attendu".to_owned()));
            }
            note!("{} lignes écrites dans {}.", report.lignes.len(), path.display());
        }
        None => print_table(&report),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(report: &maillage_app::coverage::CoverageReport) {
    say!(
        "{} lieux retenus{}, {} communes étudiées ({}).",
        report.lieux_retenus,
        if report.filtres.is_empty() { String::new() } else { format!(" (filtres : {})", report.filtres.join(", ")) },
        report.communes_etudiees,
        if matches!(report.perimetre, Scope::Hub) { "départements du hub" } else { "France entière" }
    );
    let thresholds: Vec<String> = report.seuils_km.iter().map(|t| format!(">{t} km")).collect();
    say!(
        "{:<10} {:<30} {:>10} {:>6} {} {:>8}  lieu le plus proche",
        "code",
        "nom",
        "population",
        "lieux",
        thresholds.iter().map(|t| format!("{t:>9}")).collect::<String>(),
        "priorité"
    );
    for row in &report.lignes {
        let beyond: String = report
            .seuils_km
            .iter()
            .map(|t| format!("{:>9}", row.population_au_dela.get(&format!("{t} km")).copied().unwrap_or(0)))
            .collect();
        let priority = row.priorite.as_ref().map(|p| format!("{:.1}", p.score)).unwrap_or_default();
        let nearest = row
            .lieu_le_plus_proche
            .as_ref()
            .map(|n| format!("{} ({:.1} km)", n.nom, n.distance_km))
            .unwrap_or_default();
        let name: String = row.nom.chars().take(30).collect();
        say!(
            "{:<10} {:<30} {:>10} {:>6} {} {:>8}  {}",
            row.code,
            name,
            row.population,
            row.lieux,
            beyond,
            priority,
            nearest
        );
    }
    if report.lignes.iter().any(|row| row.priorite.is_some()) {
        say!("\n{}", report.formule);
    }
}
