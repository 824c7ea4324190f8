//! `maillage territory …` and `maillage bassins …`: France's territory and the hub's bassins de vie.

use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;
use maillage_app::context::Context;
use maillage_app::territory::bassins::save_bassins;
use maillage_app::territory::{
    check_bassins, count_places, derive_bassins, places_in, read_bassins_csv, write_bassins_csv, BassinIndex, Level,
};
use maillage_store::{PlaceQuery, Store};
use maillage_territory::Territory;

use crate::database::operator;
use crate::error::{CliError, CliResult};

#[derive(Subcommand)]
pub enum TerritoryCommand {
    /// Nombre de communes, EPCI, départements, régions et bassins, et temps de chargement.
    Stats,
    /// Recherche de communes par nom ou code postal (début du nom, sans accents).
    Search {
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Commune, EPCI, bassin, département et région d'un point.
    #[command(allow_negative_numbers = true)]
    At { latitude: f64, longitude: f64 },
    /// Nombre de lieux actifs par territoire d'un niveau (commune, epci, bassin, departement, region).
    Counts {
        #[arg(long, default_value = "departement")]
        level: String,
    },
    /// Lieux actifs d'un territoire.
    Places {
        code: String,
        #[arg(long, default_value = "commune")]
        level: String,
    },
}

#[derive(Subcommand)]
pub enum BassinsCommand {
    /// Déduit les bassins de vie des lieux d'une source portant « bassin_de_vie » et « epci_nom ».
    Derive {
        #[arg(long, default_value = "hub-lo")]
        source: String,
        /// Écrit le résultat (CSV) au lieu de l'enregistrer.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Remplace les bassins de vie par ceux d'un CSV (bassin,departement,type,code).
    Import { file: std::path::PathBuf },
    /// Écrit les bassins de vie en CSV.
    Export {
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Vérifie que chaque commune des départements du hub est dans exactement un bassin.
    Check,
    /// Compare le bassin où chaque lieu d'une source se trouve à celui que la source indique (« bassin_de_vie »).
    Compare {
        #[arg(long, default_value = "hub-lo")]
        source: String,
    },
}

fn level(text: &str) -> CliResult<Level> {
    Level::parse(text).ok_or_else(|| {
        CliError::Usage(format!("niveau inconnu « {text} » (commune, epci, bassin, departement ou region)"))
    })
}

fn bassin_index(store: &dyn Store, territory: &Territory) -> CliResult<BassinIndex> {
    Ok(BassinIndex::new(&store.bassins()?, territory))
}

pub fn run_territory(
    command: &TerritoryCommand,
    store: &dyn Store,
    territory: &Territory,
    load_time: std::time::Duration,
) -> CliResult<ExitCode> {
    match command {
        TerritoryCommand::Stats => {
            let bassins = bassin_index(store, territory)?;
            say!("communes        {:>6}", territory.communes().len());
            say!("EPCI            {:>6}", territory.epcis().len());
            say!("départements    {:>6}", territory.departements().len());
            say!("régions         {:>6}", territory.regions().len());
            say!("bassins de vie  {:>6}", bassins.bassins().len());
            say!("chargement du territoire : {:.0} ms", load_time.as_secs_f64() * 1000.0);
        }
        TerritoryCommand::Search { query, limit } => {
            let start = Instant::now();
            let found = territory.search_communes(query, *limit);
            let elapsed = start.elapsed();
            for commune in &found {
                say!(
                    "{}\t{}\t{}\t{}",
                    commune.code_insee,
                    commune.name,
                    commune.postcodes.join(" "),
                    commune.code_departement
                );
            }
            note!("{} communes ({} µs)", found.len(), elapsed.as_micros());
        }
        TerritoryCommand::At { latitude, longitude } => {
            let commune = territory
                .commune_at(*latitude, *longitude)
                .ok_or_else(|| CliError::Usage("aucune commune à ce point".to_owned()))?;
            let bassins = bassin_index(store, territory)?;
            say!("commune      {} {}", commune.code_insee, commune.name);
            if let Some(epci) = territory.epci_of(commune) {
                say!("EPCI         {} {}", epci.siren, epci.name);
            }
            if let Some(bassin) = bassins.bassin_of(&commune.code_insee) {
                say!("bassin       {bassin}");
            }
            if let Some(departement) = territory.departement_of(commune) {
                say!("département  {} {}", departement.code, departement.name);
            }
            if let Some(region) = territory.region_of(commune) {
                say!("région       {} {}", region.code, region.name);
            }
        }
        TerritoryCommand::Counts { level: text } => {
            let level = level(text)?;
            let bassins = bassin_index(store, territory)?;
            let places = store.places(&PlaceQuery::active())?;
            for (code, count) in count_places(territory, &bassins, &places, level) {
                let name =
                    if code.is_empty() { "(non localisés)".to_owned() } else { level.name_of(territory, &code) };
                say!("{code}\t{name}\t{count}");
            }
        }
        TerritoryCommand::Places { code, level: text } => {
            let level = level(text)?;
            let bassins = bassin_index(store, territory)?;
            let places = store.places(&PlaceQuery::active())?;
            for place in places_in(territory, &bassins, &places, level, code) {
                say!("{}\t{}\t{} {}", place.id, place.record.nom, place.record.code_postal, place.record.commune);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_check(territory: &Territory, store: &dyn Store) -> CliResult<bool> {
    let members = store.bassins()?;
    let check = check_bassins(territory, &members);
    say!("départements du hub : {}", check.departements.join(", "));
    for (kind, code) in &check.unknown {
        say!("code inconnu : {kind} {code}");
    }
    for (code, name) in &check.missing {
        say!("commune sans bassin : {code} {name}");
    }
    for (code, name, bassins) in &check.doubled {
        say!("commune dans plusieurs bassins : {code} {name} ({})", bassins.join(", "));
    }
    if check.is_complete() {
        say!("Couverture complète : chaque commune est dans exactement un bassin de vie.");
    } else {
        say!(
            "{} communes sans bassin, {} dans plusieurs bassins, {} codes inconnus.",
            check.missing.len(),
            check.doubled.len(),
            check.unknown.len()
        );
    }
    Ok(check.is_complete())
}

pub fn run_bassins(command: &BassinsCommand, store: &dyn Store, territory: &Territory) -> CliResult<ExitCode> {
    match command {
        BassinsCommand::Derive { source, out } => {
            let places = store.places(&PlaceQuery { source: Some(source.clone()), ..PlaceQuery::default() })?;
            if places.is_empty() {
                return Err(CliError::Usage(format!("aucun lieu dans la source « {source} »")));
            }
            let derivation = derive_bassins(territory, &places);
            for conflict in &derivation.conflicts {
                note!("conflit : {conflict}");
            }
            for line in &derivation.by_proximity {
                note!("EPCI sans lieu, rattaché au bassin le plus proche : {line}");
            }
            for name in &derivation.unresolved {
                note!("EPCI introuvable : « {name} » (lieux rattachés par leur commune)");
            }
            let bassin_count =
                derivation.members.iter().map(|m| &m.bassin).collect::<std::collections::BTreeSet<_>>().len();
            note!(
                "{bassin_count} bassins de vie, {} EPCI, {} conflits tranchés à la majorité.",
                derivation.members.len(),
                derivation.conflicts.len()
            );
            match out {
                Some(path) => {
                    let file = std::fs::File::create(path).map_err(CliError::creating(path))?;
                    write_bassins_csv(territory, &derivation.members, file)
                        .map_err(|err| CliError::Csv { path: Some(path.clone()), err })?;
                }
                None => {
                    let origin = format!("déduits de la source {source}");
                    save_bassins(&Context::new(store), &operator(), &derivation.members, &origin)?;
                    print_check(territory, store)?;
                }
            }
        }
        BassinsCommand::Import { file } => {
            let bytes = std::fs::read(file).map_err(CliError::reading(file))?;
            let members = read_bassins_csv(territory, &bytes)
                .map_err(|problems| CliError::Rejected { what: file.display().to_string(), problems })?;
            save_bassins(&Context::new(store), &operator(), &members, &file.to_string_lossy())?;
            say!("{} membres de bassins de vie enregistrés.", members.len());
            if !print_check(territory, store)? {
                return Ok(ExitCode::from(1));
            }
        }
        BassinsCommand::Export { out } => {
            let members = store.bassins()?;
            match out {
                Some(path) => {
                    let file = std::fs::File::create(path).map_err(CliError::creating(path))?;
                    write_bassins_csv(territory, &members, file)
                        .map_err(|err| CliError::Csv { path: Some(path.clone()), err })?;
                }
                None => write_bassins_csv(territory, &members, crate::output::data_stream())
                    .map_err(|err| CliError::Csv { path: None, err })?,
            }
        }
        BassinsCommand::Compare { source } => {
            let index = bassin_index(store, territory)?;
            let places = store.places(&PlaceQuery { source: Some(source.clone()), ..PlaceQuery::default() })?;
            let (mut same, mut different, mut unnamed) = (0, 0, 0);
            for place in &places {
                let Some(named) = place.extras.get("bassin_de_vie") else {
                    unnamed += 1;
                    continue;
                };
                let found = maillage_app::territory::locate(territory, &index, &place.record).and_then(|l| l.bassin);
                if found.as_deref() == Some(named.as_str()) {
                    same += 1;
                } else {
                    different += 1;
                    say!(
                        "{}\t{}\t{} {}\tsource : {named}\ttrouvé : {}",
                        place.source_id,
                        place.record.nom,
                        place.record.code_postal,
                        place.record.commune,
                        found.as_deref().unwrap_or("(aucun)")
                    );
                }
            }
            say!("{same} lieux dans le bassin indiqué par la source, {different} ailleurs, {unnamed} sans bassin indiqué.");
        }
        BassinsCommand::Check => {
            if !print_check(territory, store)? {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
