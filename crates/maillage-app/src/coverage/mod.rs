//! The coverage use case ("zones blanches"): distances from every commune to the nearest
//! active place (optionally filtered), people beyond thresholds, figures per territory and
//! the explainable priority score, for the CLI and the API; [`CoverageCache`] keeps recent
//! answers per data version of the store, for a server that answers the same requests often.

mod cache;
pub mod indicators;

pub use cache::{CachedCoverage, CoverageCache, CACHED_REPORTS};

use std::collections::{BTreeMap, HashMap};

use maillage_coverage::{
    formula, AreaCoverage, CoverageIndex, CoveragePlace, Filters, Level as AreaLevel, DEFAULT_THRESHOLDS_KM,
};
use maillage_store::{IndicatorLevel, PlaceQuery, Store};
use maillage_territory::Territory;
use serde::Serialize;

use crate::territory::{locate, BassinIndex, Level};
use crate::{AppError, AppResult};

/// Which communes are studied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The départements of the hub's bassins de vie.
    Hub,
    France,
}

/// What the user asks.
#[derive(Clone, Debug)]
pub struct CoverageRequest {
    pub level: Level,
    pub filters: Filters,
    pub scope: Scope,
    pub thresholds_km: Vec<f64>,
    /// Sort by priority score (highest first) instead of by code.
    pub by_priority: bool,
    pub limit: Option<usize>,
}

impl Default for CoverageRequest {
    fn default() -> Self {
        CoverageRequest {
            level: Level::Commune,
            filters: Filters::default(),
            scope: Scope::Hub,
            thresholds_km: DEFAULT_THRESHOLDS_KM.to_vec(),
            by_priority: false,
            limit: None,
        }
    }
}

/// The nearest place of a commune.
#[derive(Clone, Debug, Serialize)]
pub struct NearestOut {
    pub id: String,
    pub nom: String,
    pub distance_km: f64,
}

/// The priority score with each component, so it can be argued.
#[derive(Clone, Debug, Serialize)]
pub struct PriorityOut {
    pub score: f64,
    pub part_distance: f64,
    pub part_fragilite: Option<f64>,
    pub part_population: f64,
    pub ifn: Option<f64>,
    /// True when the fragility index is unknown and the other weights were rescaled.
    pub sans_ifn: bool,
}

/// One territory's figures.
#[derive(Clone, Debug, Serialize)]
pub struct CoverageRow {
    pub code: String,
    pub nom: String,
    pub population: u64,
    pub communes: u32,
    pub communes_sans_lieu: u32,
    pub part_communes_sans_lieu: f64,
    pub lieux: u32,
    pub lieux_pour_10000: Option<f64>,
    /// People living farther than each threshold (km, as text) from the nearest place.
    pub population_au_dela: BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lieu_le_plus_proche: Option<NearestOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priorite: Option<PriorityOut>,
}

/// The answer: rows plus what was asked and how the score is computed.
#[derive(Clone, Debug, Serialize)]
pub struct CoverageReport {
    pub niveau: Level,
    pub perimetre: Scope,
    pub filtres: Vec<String>,
    pub seuils_km: Vec<f64>,
    pub lieux_retenus: usize,
    pub communes_etudiees: usize,
    pub formule: &'static str,
    pub lignes: Vec<CoverageRow>,
}

fn threshold_key(km: f64) -> String {
    format!("{km} km")
}

/// Computes coverage for the request.
pub fn coverage(store: &dyn Store, territory: &Territory, request: &CoverageRequest) -> AppResult<CoverageReport> {
    if request.thresholds_km.is_empty() || request.thresholds_km.iter().any(|t| !t.is_finite() || *t <= 0.0) {
        return Err(AppError::Input(
            "seuils de distance invalides : des nombres de kilomètres positifs sont attendus".to_owned(),
        ));
    }
    let places = store.places(&PlaceQuery::active())?;
    coverage_of(store, territory, request, &places)
}

/// Coverage for the request from these places only (a publication leaves out the places the
/// public does not see).
pub fn coverage_of(
    store: &dyn Store,
    territory: &Territory,
    request: &CoverageRequest,
    places: &[maillage_domain::Place],
) -> AppResult<CoverageReport> {
    if request.thresholds_km.is_empty() || request.thresholds_km.iter().any(|t| !t.is_finite() || *t <= 0.0) {
        return Err(AppError::Input(
            "seuils de distance invalides : des nombres de kilomètres positifs sont attendus".to_owned(),
        ));
    }
    let bassins = BassinIndex::new(&store.bassins()?, territory);
    // Each place at its own point, or its commune's point when it has no coordinates.
    let selected = request.filters.select(places, |place| {
        let location = locate(territory, &bassins, &place.record)?;
        Some(CoveragePlace {
            id: place.id.0.clone(),
            name: place.record.nom.clone(),
            point: location.point?,
            code_commune: Some(location.code_commune),
        })
    });
    let hub_departements: Vec<String> =
        bassins.bassins().values().cloned().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let scope = if request.scope == Scope::Hub && hub_departements.is_empty() { Scope::France } else { request.scope };
    let index = match scope {
        Scope::France => CoverageIndex::build(territory, &selected),
        Scope::Hub => {
            CoverageIndex::build_scoped(territory, |c| hub_departements.contains(&c.code_departement), &selected)
        }
    }
    .with_thresholds(request.thresholds_km.clone());
    let ifn: HashMap<String, f64> = store
        .indicator_values("ifn", IndicatorLevel::Commune)?
        .into_iter()
        .map(|value| (value.code, value.value))
        .collect();
    let ifn_of = |code: &str| ifn.get(code).copied();
    let bassin_of = |code: &str| bassins.bassin_of(code).map(str::to_owned);

    let mut rows: Vec<CoverageRow> = match request.level {
        Level::Commune => {
            let priorities: HashMap<String, PriorityOut> = index
                .priorities(ifn_of)
                .into_iter()
                .map(|p| {
                    let c = p.components;
                    (
                        p.code_insee,
                        PriorityOut {
                            score: c.score,
                            part_distance: c.distance_part,
                            part_fragilite: c.ifn_part,
                            part_population: c.population_part,
                            ifn: c.ifn,
                            sans_ifn: c.renormalised,
                        },
                    )
                })
                .collect();
            index
                .communes()
                .into_iter()
                .map(|commune| CoverageRow {
                    population: u64::from(commune.population),
                    communes: 1,
                    communes_sans_lieu: u32::from(commune.places_in_commune == 0),
                    part_communes_sans_lieu: if commune.places_in_commune == 0 { 1.0 } else { 0.0 },
                    lieux: commune.places_in_commune,
                    lieux_pour_10000: (commune.population > 0)
                        .then(|| f64::from(commune.places_in_commune) * 10_000.0 / f64::from(commune.population)),
                    population_au_dela: commune
                        .thresholds_km
                        .iter()
                        .zip(&commune.population_beyond)
                        .map(|(t, n)| (threshold_key(*t), u64::from(*n)))
                        .collect(),
                    lieu_le_plus_proche: commune.nearest.map(|n| NearestOut {
                        id: n.place_id,
                        nom: n.place_name,
                        distance_km: n.distance_km,
                    }),
                    priorite: priorities.get(&commune.code_insee).cloned(),
                    code: commune.code_insee,
                    nom: commune.name,
                })
                .collect()
        }
        level => {
            let areas = match level {
                Level::Epci => index.aggregate(AreaLevel::Epci),
                Level::Departement => index.aggregate(AreaLevel::Departement),
                Level::Region => index.aggregate(AreaLevel::Region),
                _ => index.aggregate_bassins(bassin_of),
            };
            // Every level's score is its communes' scores averaged by population, as a
            // bassin's is: the ranking "where do we act first" at any level.
            let commune_of = |code: &str| territory.commune(code);
            let group_of = |code: &str| -> Option<String> {
                match level {
                    Level::Epci => commune_of(code).and_then(|c| c.siren_epci.clone()),
                    Level::Departement => commune_of(code).map(|c| c.code_departement.clone()),
                    Level::Region => commune_of(code).map(|c| c.code_region.clone()),
                    _ => bassin_of(code),
                }
            };
            let bassin_scores: HashMap<Option<String>, PriorityOut> = index
                .bassin_priorities(group_of, ifn_of)
                .into_iter()
                .map(|b| {
                    (
                        b.code.clone(),
                        PriorityOut {
                            score: b.score,
                            part_distance: b.distance_part,
                            part_fragilite: Some(b.ifn_part),
                            part_population: b.population_part,
                            // The fragility part is 100 × weight × IFN / 10: read back, it is
                            // the population-weighted IFN, when every commune has one.
                            ifn: (b.communes_without_ifn == 0)
                                .then(|| b.ifn_part / (10.0 * maillage_coverage::PRIORITY_WEIGHTS.1)),
                            sans_ifn: b.communes_without_ifn > 0,
                        },
                    )
                })
                .collect();
            areas
                .into_iter()
                .filter(|area| area.code.is_some())
                .map(|area| area_row(territory, level, area, &bassin_scores))
                .collect()
        }
    };
    if request.by_priority {
        rows.sort_by(|a, b| {
            let score = |row: &CoverageRow| row.priorite.as_ref().map(|p| p.score).unwrap_or(f64::NEG_INFINITY);
            score(b).total_cmp(&score(a)).then_with(|| a.code.cmp(&b.code))
        });
    }
    if let Some(limit) = request.limit {
        rows.truncate(limit);
    }
    Ok(CoverageReport {
        niveau: request.level,
        perimetre: scope,
        filtres: request.filters.0.iter().map(|f| f.to_string()).collect(),
        seuils_km: request.thresholds_km.clone(),
        lieux_retenus: selected.len(),
        communes_etudiees: index.commune_count(),
        formule: formula(),
        lignes: rows,
    })
}

fn area_row(
    territory: &Territory,
    level: Level,
    area: AreaCoverage,
    scores: &HashMap<Option<String>, PriorityOut>,
) -> CoverageRow {
    let code = area.code.clone().unwrap_or_default();
    CoverageRow {
        nom: level.name_of(territory, &code),
        population: area.population,
        communes: area.communes,
        communes_sans_lieu: area.communes_without_place,
        part_communes_sans_lieu: area.share_without_place,
        lieux: area.places,
        lieux_pour_10000: area.places_per_10k,
        population_au_dela: area
            .thresholds_km
            .iter()
            .zip(&area.population_beyond)
            .map(|(t, n)| (threshold_key(*t), *n))
            .collect(),
        lieu_le_plus_proche: None,
        priorite: scores.get(&area.code).cloned(),
        code,
    }
}

/// Writes the rows as CSV (one column per threshold, priority components last).
pub fn write_csv<W: std::io::Write>(report: &CoverageReport, out: W) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header: Vec<String> =
        ["code", "nom", "population", "communes", "communes_sans_lieu", "lieux", "lieux_pour_10000"]
            .map(str::to_owned)
            .to_vec();
    header.extend(report.seuils_km.iter().map(|t| format!("population_au_dela_{t}_km")));
    header.extend(
        [
            "lieu_proche_id",
            "lieu_proche_nom",
            "distance_km",
            "priorite",
            "part_distance",
            "part_fragilite",
            "part_population",
            "ifn",
        ]
        .map(str::to_owned),
    );
    writer.write_record(&header)?;
    let number = |value: Option<f64>| value.map(|v| format!("{v:.3}")).unwrap_or_default();
    for row in &report.lignes {
        let mut record = vec![
            row.code.clone(),
            row.nom.clone(),
            row.population.to_string(),
            row.communes.to_string(),
            row.communes_sans_lieu.to_string(),
            row.lieux.to_string(),
            number(row.lieux_pour_10000),
        ];
        record.extend(
            report
                .seuils_km
                .iter()
                .map(|t| row.population_au_dela.get(&threshold_key(*t)).copied().unwrap_or(0).to_string()),
        );
        let nearest = row.lieu_le_plus_proche.as_ref();
        let priority = row.priorite.as_ref();
        record.extend([
            nearest.map(|n| n.id.clone()).unwrap_or_default(),
            nearest.map(|n| n.nom.clone()).unwrap_or_default(),
            number(nearest.map(|n| n.distance_km)),
            number(priority.map(|p| p.score)),
            number(priority.map(|p| p.part_distance)),
            number(priority.and_then(|p| p.part_fragilite)),
            number(priority.map(|p| p.part_population)),
            number(priority.and_then(|p| p.ifn)),
        ]);
        // The nearest place's name comes from an imported file: never a formula.
        maillage_formats::spreadsheet::write_safe_record(&mut writer, &record)?;
    }
    writer.flush()?;
    Ok(())
}

/// Writes the rows as a GeoJSON FeatureCollection: each territory's polygons (the communes it
/// is made of), the row's figures as properties.
pub fn write_geojson<W: std::io::Write>(
    territory: &Territory,
    bassins: &BassinIndex,
    report: &CoverageReport,
    mut out: W,
) -> std::io::Result<()> {
    out.write_all(br#"{"type":"FeatureCollection","features":["#)?;
    for (index, row) in report.lignes.iter().enumerate() {
        let communes: Vec<String> = match report.niveau {
            Level::Commune => vec![row.code.clone()],
            Level::Epci => territory.epci_members(&row.code).map(|c| c.code_insee.clone()).collect(),
            Level::Departement => territory.departement_communes(&row.code).map(|c| c.code_insee.clone()).collect(),
            Level::Region => territory.region_communes(&row.code).map(|c| c.code_insee.clone()).collect(),
            Level::Bassin => bassins.communes_of(&row.code).map(str::to_owned).collect(),
        };
        let polygons: Vec<_> = communes.iter().filter_map(|code| territory.commune_geometry(code)).flatten().collect();
        let geometry = if polygons.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::json!({"type": "MultiPolygon", "coordinates": polygons})
        };
        let feature = serde_json::json!({"type": "Feature", "id": row.code, "geometry": geometry, "properties": row});
        if index > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"\n")?;
        serde_json::to_writer(&mut out, &feature)?;
    }
    out.write_all(b"\n]}\n")?;
    out.flush()
}
