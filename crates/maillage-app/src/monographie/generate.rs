//! The generated sections of a bassin's monograph, computed from what the hub has today: the
//! territory, the registry, the indicators, the coverage engine's answer and the actors
//! directory. [`Sources::load`] reads the store once (so the 23 monographs of a hub share one
//! coverage computation); [`generate`] is then pure.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use maillage_coverage::{Jour, PlaceFilter};
use maillage_domain::{Place, Vocabulary};
use maillage_store::{IndicatorDefinition, IndicatorLevel, IndicatorValue, Stakeholder, StakeholderKind, Store};
use maillage_territory::Territory;
use serde::{Deserialize, Serialize};

use crate::campaigns::{freshness, Freshness};
use crate::coverage::indicators::{aggregate, AggregateLevel, DEMO_IFN_NAME};
use crate::coverage::{coverage, CoverageReport, CoverageRequest, CoverageRow};
use crate::territory::{places_in, BassinIndex, Level};
use crate::{AppError, AppResult};

/// The share of a territory's population an indicator's values must stand for to give the
/// territory's mean.
pub const MIN_COVERED_SHARE: f64 = 0.9;

/// How many communes the coverage section ranks by priority.
pub const PRIORITY_COMMUNES: usize = 10;

/// Where a section's figures come from, and as of when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceNote {
    pub label: String,
    /// The date the data is as of (the import, the file's vintage, the generation).
    pub date: Option<DateTime<Utc>>,
}

/// One EPCI of the bassin (or the part of it that lies there).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpciPart {
    pub siren: String,
    pub name: String,
    pub communes: usize,
    pub population: u64,
    pub area_km2: f64,
}

/// One commune of the bassin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommuneLine {
    pub code: String,
    pub name: String,
    pub siren_epci: Option<String>,
    pub population: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Territoire {
    pub departement: String,
    pub epci: Vec<EpciPart>,
    pub communes: Vec<CommuneLine>,
    pub population: u64,
    pub area_km2: f64,
    /// People per km².
    pub density: f64,
    pub sources: Vec<SourceNote>,
}

/// An indicator's values for the bassin: per EPCI, the bassin's population-weighted mean and
/// the région's, to compare.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorFigures {
    pub name: String,
    pub description: String,
    /// The level the values were imported at (`commune` or `epci`).
    pub level: String,
    pub per_epci: Vec<(String, String, f64)>,
    pub bassin: Option<f64>,
    pub region: Option<f64>,
    pub region_name: String,
    pub source: SourceNote,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fragilite {
    /// The fragility index, when imported.
    pub ifn: Option<IndicatorFigures>,
    /// Every other indicator the hub imported.
    pub others: Vec<IndicatorFigures>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Offre {
    pub places: usize,
    /// Typologie code → places (a place may have several).
    pub by_type: Vec<(String, usize)>,
    /// Service label → places.
    pub by_service: Vec<(String, usize)>,
    /// Day → places open on it (reference week of the coverage filters).
    pub by_day: Vec<(String, usize)>,
    pub without_hours: usize,
    pub itinerant: usize,
    /// Freshness class label → places.
    pub freshness: Vec<(String, usize)>,
    pub oldest_update: Option<NaiveDate>,
    pub latest_update: Option<NaiveDate>,
    pub sources: Vec<SourceNote>,
}

/// A commune among those coverage ranks first, with what makes its score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriorityCommune {
    pub code: String,
    pub name: String,
    pub population: u64,
    pub distance_km: Option<f64>,
    pub nearest: Option<String>,
    pub score: f64,
    pub part_distance: f64,
    pub part_fragilite: Option<f64>,
    pub part_population: f64,
    pub ifn: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Couverture {
    /// (km, people farther than that from the nearest place).
    pub beyond: Vec<(f64, u64)>,
    pub communes_without_place: usize,
    pub priorities: Vec<PriorityCommune>,
    /// Every commune's score, for the choropleth (code → score).
    pub scores: BTreeMap<String, f64>,
    pub formula: String,
    pub sources: Vec<SourceNote>,
}

/// A source of the "Acteurs et dynamique" section: its lines, or why there are none yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dynamic {
    pub title: String,
    pub lines: Vec<(String, usize)>,
    /// Names shown under the counts (organisations only, never people).
    pub names: Vec<String>,
    /// Set when the hub has no data of this kind yet.
    pub absent: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Acteurs {
    pub directory: Dynamic,
    pub meetings: Dynamic,
    pub projects: Dynamic,
    pub events: Dynamic,
}

/// A place on the bassin's map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapPlace {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub itinerant: bool,
}

/// Everything generated for one bassin, frozen as it is into an edition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Generated {
    pub bassin: String,
    pub generated_at: DateTime<Utc>,
    pub territoire: Territoire,
    pub fragilite: Fragilite,
    pub offre: Offre,
    pub couverture: Couverture,
    pub acteurs: Acteurs,
    pub map_places: Vec<MapPlace>,
}

/// What a generation reads, loaded once for any number of bassins.
pub struct Sources<'t> {
    pub territory: &'t Territory,
    pub bassins: BassinIndex,
    pub places: Vec<Place>,
    pub indicators: Vec<(IndicatorDefinition, Vec<IndicatorValue>)>,
    /// Coverage per commune of the hub's départements, as the CLI and the API compute it.
    pub coverage: CoverageReport,
    pub stakeholders: Vec<Stakeholder>,
    /// When the registry was last written (the freshness of the offer section).
    pub registry_date: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

impl<'t> Sources<'t> {
    /// Reads the store: bassins, active places, indicators, actors, and the coverage of every
    /// commune of the hub through [`coverage`].
    pub fn load(store: &dyn Store, territory: &'t Territory, now: DateTime<Utc>) -> AppResult<Sources<'t>> {
        let bassins = BassinIndex::new(&store.bassins()?, territory);
        let places = store.places(&maillage_store::PlaceQuery::active())?;
        let mut indicators = Vec::new();
        for definition in store.indicators()? {
            let values = store.indicator_values(&definition.name, definition.level)?;
            indicators.push((definition, values));
        }
        let coverage =
            coverage(store, territory, &CoverageRequest { level: Level::Commune, ..CoverageRequest::default() })?;
        let registry_date = places.iter().map(|p| p.updated_at).max();
        Ok(Sources {
            territory,
            bassins,
            places,
            indicators,
            coverage,
            stakeholders: store.stakeholders()?,
            registry_date,
            now,
        })
    }

    /// The bassins' names.
    pub fn bassin_names(&self) -> Vec<String> {
        self.bassins.bassins().keys().cloned().collect()
    }
}

/// Generates the sections of one bassin (pure: everything comes from `sources`).
pub fn generate(sources: &Sources<'_>, bassin: &str) -> AppResult<Generated> {
    let departement =
        sources.bassins.bassins().get(bassin).cloned().ok_or_else(|| {
            AppError::Store(maillage_store::StoreError::NotFound(format!("bassin de vie « {bassin} »")))
        })?;
    let territory = sources.territory;
    let codes: BTreeSet<&str> = sources.bassins.communes_of(bassin).collect();
    let places = places_in(territory, &sources.bassins, &sources.places, Level::Bassin, bassin);
    Ok(Generated {
        bassin: bassin.to_owned(),
        generated_at: sources.now,
        territoire: territoire(territory, &codes, departement),
        fragilite: fragilite(sources, bassin, &codes),
        offre: offre(sources, &places),
        couverture: couverture(sources, &codes),
        acteurs: Acteurs {
            directory: directory(sources, &codes, &places),
            meetings: meetings(),
            projects: projects(),
            events: events(),
        },
        map_places: places
            .iter()
            .filter_map(|p| {
                let c = p.record.coordinates?;
                Some(MapPlace {
                    name: p.record.nom.clone(),
                    lat: c.latitude,
                    lon: c.longitude,
                    itinerant: PlaceFilter::Itinerant.matches(p),
                })
            })
            .collect(),
    })
}

const TERRITORY_SOURCE: &str = "Référentiel territorial (COG 2026, populations municipales INSEE)";

fn territoire(territory: &Territory, codes: &BTreeSet<&str>, departement: String) -> Territoire {
    let mut communes = Vec::new();
    let mut epci: BTreeMap<String, EpciPart> = BTreeMap::new();
    let mut area = 0.0;
    for code in codes {
        let Some(commune) = territory.commune(code) else { continue };
        let population = u64::from(commune.population.unwrap_or(0));
        let commune_area = territory.commune_area_km2(code).unwrap_or(0.0);
        area += commune_area;
        if let Some(siren) = &commune.siren_epci {
            let part = epci.entry(siren.clone()).or_insert_with(|| EpciPart {
                siren: siren.clone(),
                name: territory.epci(siren).map(|e| e.name.clone()).unwrap_or_else(|| siren.clone()),
                communes: 0,
                population: 0,
                area_km2: 0.0,
            });
            part.communes += 1;
            part.population += population;
            part.area_km2 += commune_area;
        }
        communes.push(CommuneLine {
            code: commune.code_insee.clone(),
            name: commune.name.clone(),
            siren_epci: commune.siren_epci.clone(),
            population,
        });
    }
    let population = communes.iter().map(|c| c.population).sum();
    let mut epci: Vec<EpciPart> = epci.into_values().collect();
    epci.sort_by(|a, b| b.population.cmp(&a.population).then_with(|| a.siren.cmp(&b.siren)));
    Territoire {
        departement,
        epci,
        communes,
        population,
        area_km2: area,
        density: if area > 0.0 { population as f64 / area } else { 0.0 },
        sources: vec![SourceNote { label: TERRITORY_SOURCE.to_owned(), date: None }],
    }
}

fn fragilite(sources: &Sources<'_>, bassin: &str, codes: &BTreeSet<&str>) -> Fragilite {
    let names: BTreeSet<&str> = sources.indicators.iter().map(|(d, _)| d.name.as_str()).collect();
    let mut figures: Vec<IndicatorFigures> =
        names.into_iter().filter_map(|name| indicator_figures(sources, bassin, codes, name)).collect();
    let ifn = figures.iter().position(|f| f.name == DEMO_IFN_NAME).map(|at| figures.remove(at));
    Fragilite { ifn, others: figures }
}

/// One indicator's figures: per EPCI from its EPCI values when imported at that level (else
/// its communes' values weighted by population), the bassin and the région from the commune
/// values when there are (more exact for split EPCI), else from the EPCI values.
fn indicator_figures(
    sources: &Sources<'_>,
    bassin: &str,
    codes: &BTreeSet<&str>,
    name: &str,
) -> Option<IndicatorFigures> {
    let territory = sources.territory;
    let of_level = |level: IndicatorLevel| sources.indicators.iter().find(|(d, _)| d.name == name && d.level == level);
    let commune = of_level(IndicatorLevel::Commune);
    let epci = of_level(IndicatorLevel::Epci);
    let finest = commune.or(epci)?;
    let sirens: BTreeSet<String> =
        codes.iter().filter_map(|c| territory.commune(c).and_then(|c| c.siren_epci.clone())).collect();
    let per_epci: Vec<(String, String, f64)> = match (epci, commune) {
        (Some((_, values)), _) => values
            .iter()
            .filter(|v| sirens.contains(&v.code))
            .map(|v| (v.code.clone(), territory.epci(&v.code).map(|e| e.name.clone()).unwrap_or_default(), v.value))
            .collect(),
        (None, Some((definition, values))) => {
            aggregate(territory, &sources.bassins, values, definition.level, AggregateLevel::Epci)
                .into_iter()
                .filter(|a| sirens.contains(&a.code))
                .map(|a| (a.code, a.name, a.value))
                .collect()
        }
        (None, None) => Vec::new(),
    };
    let (definition, values) = finest;
    // A mean over a few of a territory's communes is not the territory's value (an indicator
    // the hub knows for three EPCI only): it is given when the values stand for most people.
    let known = |a: &crate::coverage::indicators::AggregateValue| {
        a.population_covered as f64 >= MIN_COVERED_SHARE * a.population_total as f64
    };
    let bassin_value = aggregate(territory, &sources.bassins, values, definition.level, AggregateLevel::Bassin)
        .into_iter()
        .find(|a| a.code == bassin)
        .filter(known)
        .map(|a| a.value);
    let region_code = codes.iter().find_map(|c| territory.commune(c)).map(|c| c.code_region.clone());
    let region = region_code.as_deref().and_then(|code| {
        aggregate(territory, &sources.bassins, values, definition.level, AggregateLevel::Region)
            .into_iter()
            .find(|a| a.code == code)
    });
    Some(IndicatorFigures {
        name: name.to_owned(),
        description: definition.description.clone(),
        level: definition.level.as_str().to_owned(),
        per_epci,
        bassin: bassin_value,
        region_name: region.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
        region: region.filter(known).map(|r| r.value),
        source: SourceNote {
            label: format!("Indicateur « {name} », fichier {}", definition.source_file),
            date: Some(definition.imported_at),
        },
    })
}

fn counted(map: BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut lines: Vec<(String, usize)> = map.into_iter().collect();
    lines.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    lines
}

fn offre(sources: &Sources<'_>, places: &[&Place]) -> Offre {
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_service: BTreeMap<String, usize> = BTreeMap::new();
    let mut fresh: BTreeMap<Freshness, usize> = BTreeMap::new();
    let today = sources.now.date_naive();
    for place in places {
        let types: BTreeSet<&String> = place.record.typologie.iter().collect();
        for typologie in types {
            *by_type.entry(typologie.clone()).or_default() += 1;
        }
        for service in &place.record.services {
            *by_service.entry(service.label().to_owned()).or_default() += 1;
        }
        *fresh.entry(freshness(place.published_date_maj(), today)).or_default() += 1;
    }
    let by_day = Jour::ALL
        .iter()
        .map(|jour| (jour.as_str().to_owned(), places.iter().filter(|p| PlaceFilter::Jour(*jour).matches(p)).count()))
        .collect();
    let dates: Vec<NaiveDate> = places.iter().map(|p| p.published_date_maj()).collect();
    Offre {
        places: places.len(),
        by_type: counted(by_type),
        by_service: counted(by_service),
        by_day,
        without_hours: places.iter().filter(|p| p.record.horaires.is_none()).count(),
        itinerant: places.iter().filter(|p| PlaceFilter::Itinerant.matches(p)).count(),
        freshness: [Freshness::Fresh, Freshness::Recent, Freshness::Aging, Freshness::Stale]
            .into_iter()
            .map(|class| (class.label().to_owned(), fresh.get(&class).copied().unwrap_or(0)))
            .collect(),
        oldest_update: dates.iter().min().copied(),
        latest_update: dates.iter().max().copied(),
        sources: vec![SourceNote {
            label: "Registre des lieux de médiation numérique du hub (lieux actifs)".to_owned(),
            date: sources.registry_date,
        }],
    }
}

fn couverture(sources: &Sources<'_>, codes: &BTreeSet<&str>) -> Couverture {
    let report = &sources.coverage;
    let rows: Vec<&CoverageRow> = report.lignes.iter().filter(|row| codes.contains(row.code.as_str())).collect();
    let beyond = report
        .seuils_km
        .iter()
        .map(|km| {
            let key = format!("{km} km");
            (*km, rows.iter().map(|row| row.population_au_dela.get(&key).copied().unwrap_or(0)).sum())
        })
        .collect();
    let mut ranked: Vec<&&CoverageRow> = rows.iter().filter(|row| row.priorite.is_some()).collect();
    let score = |row: &CoverageRow| row.priorite.as_ref().map(|p| p.score).unwrap_or(0.0);
    ranked.sort_by(|a, b| score(b).total_cmp(&score(a)).then_with(|| a.code.cmp(&b.code)));
    Couverture {
        beyond,
        communes_without_place: rows.iter().filter(|row| row.communes_sans_lieu > 0).count(),
        priorities: ranked
            .iter()
            .take(PRIORITY_COMMUNES)
            .filter_map(|row| {
                let p = row.priorite.as_ref()?;
                Some(PriorityCommune {
                    code: row.code.clone(),
                    name: row.nom.clone(),
                    population: row.population,
                    distance_km: row.lieu_le_plus_proche.as_ref().map(|n| n.distance_km),
                    nearest: row.lieu_le_plus_proche.as_ref().map(|n| n.nom.clone()),
                    score: p.score,
                    part_distance: p.part_distance,
                    part_fragilite: p.part_fragilite,
                    part_population: p.part_population,
                    ifn: p.ifn,
                })
            })
            .collect(),
        scores: rows.iter().filter_map(|row| Some((row.code.clone(), row.priorite.as_ref()?.score))).collect(),
        formula: report.formule.to_owned(),
        sources: vec![SourceNote {
            label: format!(
                "Moteur de couverture de Maillage ({} lieux, {} communes étudiées)",
                report.lieux_retenus, report.communes_etudiees
            ),
            date: Some(sources.now),
        }],
    }
}

/// The actors directory: entries of the bassin's communes or of its places, by kind, with the
/// organisations' names (people are counted, never named).
fn directory(sources: &Sources<'_>, codes: &BTreeSet<&str>, places: &[&Place]) -> Dynamic {
    let place_ids: HashSet<&str> = places.iter().map(|p| p.id.0.as_str()).collect();
    let entries: Vec<&Stakeholder> = sources
        .stakeholders
        .iter()
        .filter(|s| s.merged_into.is_none())
        .filter(|s| {
            s.commune_code.as_deref().is_some_and(|c| codes.contains(c))
                || s.place_id.as_ref().is_some_and(|p| place_ids.contains(p.0.as_str()))
        })
        .collect();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for entry in &entries {
        *kinds.entry(entry.kind.label().to_owned()).or_default() += 1;
    }
    let mut names: Vec<String> = entries
        .iter()
        .filter(|e| !e.kind.is_person())
        .map(|e| e.name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    names.truncate(40);
    Dynamic {
        title: "Annuaire des acteurs".to_owned(),
        absent: entries
            .is_empty()
            .then(|| "pas encore de données : aucun acteur de ce bassin dans l'annuaire".to_owned()),
        lines: counted(kinds),
        names,
    }
    .with_kind_order()
}

impl Dynamic {
    fn with_kind_order(mut self) -> Dynamic {
        let order = |label: &str| StakeholderKind::ALL.iter().position(|k| k.label() == label).unwrap_or(usize::MAX);
        self.lines.sort_by_key(|(label, _)| order(label));
        self
    }

    fn absent(title: &str, why: &str) -> Dynamic {
        Dynamic { title: title.to_owned(), lines: Vec::new(), names: Vec::new(), absent: Some(why.to_owned()) }
    }
}

// The activity log, the territorial projects and the agenda are other capabilities of the
// hub; until this build has them, their part of the section says so. Each is one function so
// that it reads its own store half once it exists.

/// Meetings held and actors reached in the bassin (activity log).
fn meetings() -> Dynamic {
    Dynamic::absent("Rencontres et rendez-vous", "pas encore de données : le journal d'activité n'est pas tenu ici")
}

/// The PNT's projects by stage and their needs.
fn projects() -> Dynamic {
    Dynamic::absent(
        "Projet numérique de territoire",
        "pas encore de données : aucun projet numérique de territoire n'est suivi ici",
    )
}

/// Upcoming events of the bassin (agenda).
fn events() -> Dynamic {
    Dynamic::absent("Temps forts à venir", "pas encore de données : l'agenda n'est pas tenu ici")
}
