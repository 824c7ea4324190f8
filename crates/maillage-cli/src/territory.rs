//! `maillage territory …` and `maillage bassins …`: France's territory and the hub's bassins de vie.

use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;
use maillage_app::territory::{
    check_bassins, count_places, derive_bassins, places_in, read_bassins_csv, write_bassins_csv, BassinIndex, Level,
};
use maillage_store::{PlaceQuery, Store};
use maillage_territory::Territory;

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

fn level(text: &str) -> Result<Level, String> {
    Level::parse(text)
        .ok_or_else(|| format!("niveau inconnu « {text} » (commune, epci, bassin, departement ou region)"))
}

fn bassin_index(store: &dyn Store, territory: &Territory) -> Result<BassinIndex, String> {
    Ok(BassinIndex::new(&store.bassins().map_err(|err| err.to_string())?, territory))
}

pub fn run_territory(
    command: &TerritoryCommand,
    store: &dyn Store,
    territory: &Territory,
    load_time: std::time::Duration,
) -> Result<ExitCode, String> {
    match command {
        TerritoryCommand::Stats => {
            let bassins = bassin_index(store, territory)?;
            println!("communes        {:>6}", territory.communes().len());
            println!("EPCI            {:>6}", territory.epcis().len());
            println!("départements    {:>6}", territory.departements().len());
            println!("régions         {:>6}", territory.regions().len());
            println!("bassins de vie  {:>6}", bassins.bassins().len());
            println!("chargement du territoire : {:.0} ms", load_time.as_secs_f64() * 1000.0);
        }
        TerritoryCommand::Search { query, limit } => {
            let start = Instant::now();
            let found = territory.search_communes(query, *limit);
            let elapsed = start.elapsed();
            for commune in &found {
                println!(
                    "{}\t{}\t{}\t{}",
                    commune.code_insee,
                    commune.name,
                    commune.postcodes.join(" "),
                    commune.code_departement
                );
            }
            eprintln!("{} communes ({} µs)", found.len(), elapsed.as_micros());
        }
        TerritoryCommand::At { latitude, longitude } => {
            let commune =
                territory.commune_at(*latitude, *longitude).ok_or_else(|| "aucune commune à ce point".to_owned())?;
            let bassins = bassin_index(store, territory)?;
            println!("commune      {} {}", commune.code_insee, commune.name);
            if let Some(epci) = territory.epci_of(commune) {
                println!("EPCI         {} {}", epci.siren, epci.name);
            }
            if let Some(bassin) = bassins.bassin_of(&commune.code_insee) {
                println!("bassin       {bassin}");
            }
            if let Some(departement) = territory.departement_of(commune) {
                println!("département  {} {}", departement.code, departement.name);
            }
            if let Some(region) = territory.region_of(commune) {
                println!("région       {} {}", region.code, region.name);
            }
        }
        TerritoryCommand::Counts { level: text } => {
            let level = level(text)?;
            let bassins = bassin_index(store, territory)?;
            let places = store.places(&PlaceQuery::active()).map_err(|err| err.to_string())?;
            for (code, count) in count_places(territory, &bassins, &places, level) {
                let name =
                    if code.is_empty() { "(non localisés)".to_owned() } else { level.name_of(territory, &code) };
                println!("{code}\t{name}\t{count}");
            }
        }
        TerritoryCommand::Places { code, level: text } => {
            let level = level(text)?;
            let bassins = bassin_index(store, territory)?;
            let places = store.places(&PlaceQuery::active()).map_err(|err| err.to_string())?;
            for place in places_in(territory, &bassins, &places, level, code) {
                println!("{}\t{}\t{} {}", place.id, place.record.nom, place.record.code_postal, place.record.commune);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_check(territory: &Territory, store: &dyn Store) -> Result<bool, String> {
    let members = store.bassins().map_err(|err| err.to_string())?;
    let check = check_bassins(territory, &members);
    println!("départements du hub : {}", check.departements.join(", "));
    for (kind, code) in &check.unknown {
        println!("code inconnu : {kind} {code}");
    }
    for (code, name) in &check.missing {
        println!("commune sans bassin : {code} {name}");
    }
    for (code, name, bassins) in &check.doubled {
        println!("commune dans plusieurs bassins : {code} {name} ({})", bassins.join(", "));
    }
    if check.is_complete() {
        println!("Couverture complète : chaque commune est dans exactement un bassin de vie.");
    } else {
        println!(
            "{} communes sans bassin, {} dans plusieurs bassins, {} codes inconnus.",
            check.missing.len(),
            check.doubled.len(),
            check.unknown.len()
        );
    }
    Ok(check.is_complete())
}

pub fn run_bassins(command: &BassinsCommand, store: &dyn Store, territory: &Territory) -> Result<ExitCode, String> {
    match command {
        BassinsCommand::Derive { source, out } => {
            let places = store
                .places(&PlaceQuery { source: Some(source.clone()), ..PlaceQuery::default() })
                .map_err(|err| err.to_string())?;
            if places.is_empty() {
                return Err(format!("aucun lieu dans la source « {source} »"));
            }
            let derivation = derive_bassins(territory, &places);
            for conflict in &derivation.conflicts {
                eprintln!("conflit : {conflict}");
            }
            for line in &derivation.by_proximity {
                eprintln!("EPCI sans lieu, rattaché au bassin le plus proche : {line}");
            }
            for name in &derivation.unresolved {
                eprintln!("EPCI introuvable : « {name} » (lieux rattachés par leur commune)");
            }
            let bassin_count =
                derivation.members.iter().map(|m| &m.bassin).collect::<std::collections::BTreeSet<_>>().len();
            eprintln!(
                "{bassin_count} bassins de vie, {} EPCI, {} conflits tranchés à la majorité.",
                derivation.members.len(),
                derivation.conflicts.len()
            );
            match out {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .map_err(|err| format!("création de {} impossible : {err}", path.display()))?;
                    write_bassins_csv(territory, &derivation.members, file).map_err(|err| err.to_string())?;
                }
                None => {
                    store.replace_bassins(&derivation.members).map_err(|err| err.to_string())?;
                    print_check(territory, store)?;
                }
            }
        }
        BassinsCommand::Import { file } => {
            let bytes =
                std::fs::read(file).map_err(|err| format!("lecture de {} impossible : {err}", file.display()))?;
            let members = read_bassins_csv(territory, &bytes)
                .map_err(|errors| format!("{} :\n  {}", file.display(), errors.join("\n  ")))?;
            store.replace_bassins(&members).map_err(|err| err.to_string())?;
            println!("{} membres de bassins de vie enregistrés.", members.len());
            if !print_check(territory, store)? {
                return Ok(ExitCode::from(1));
            }
        }
        BassinsCommand::Export { out } => {
            let members = store.bassins().map_err(|err| err.to_string())?;
            match out {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .map_err(|err| format!("création de {} impossible : {err}", path.display()))?;
                    write_bassins_csv(territory, &members, file).map_err(|err| err.to_string())?;
                }
                None => {
                    write_bassins_csv(territory, &members, std::io::stdout().lock()).map_err(|err| err.to_string())?
                }
            }
        }
        BassinsCommand::Compare { source } => {
            let index = bassin_index(store, territory)?;
            let places = store
                .places(&PlaceQuery { source: Some(source.clone()), ..PlaceQuery::default() })
                .map_err(|err| err.to_string())?;
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
                    println!(
                        "{}\t{}\t{} {}\tsource : {named}\ttrouvé : {}",
                        place.source_id,
                        place.record.nom,
                        place.record.code_postal,
                        place.record.commune,
                        found.as_deref().unwrap_or("(aucun)")
                    );
                }
            }
            println!("{same} lieux dans le bassin indiqué par la source, {different} ailleurs, {unnamed} sans bassin indiqué.");
        }
        BassinsCommand::Check => {
            if !print_check(territory, store)? {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
