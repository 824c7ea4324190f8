//! "Where do we act first": `/couverture` ranks the hub's territories of a level (région,
//! département, bassin de vie, intercommunalité) by the priority score, each score with its
//! three parts and the formula in words, for a service and a day if asked (the API's filters),
//! beside the map. The same use case and cache as `/api/v1/couverture`.

use std::sync::Arc;

use maillage_app::coverage::{CachedCoverage, CoverageReport, CoverageRequest, CoverageRow, Scope};
use maillage_app::territory::Level;
use maillage_domain::{Service, Vocabulary};

use super::listing::{thousands, urlencode_path};
use super::place::WEEKDAYS;
use crate::query::Params;
use crate::{WebError, WebState};

/// Rows of the ranked list: beyond, the CSV of the API has them all.
const SHOWN: usize = 50;

/// The levels the page offers, as (query value, label, level).
const LEVELS: [(&str, &str, Level); 4] = [
    ("region", "Régions", Level::Region),
    ("departement", "Départements", Level::Departement),
    ("bassin", "Bassins de vie", Level::Bassin),
    ("epci", "Intercommunalités", Level::Epci),
];

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct RankedRow {
    pub rank: usize,
    pub name: String,
    pub link: Option<String>,
    pub score: String,
    pub distance: String,
    pub fragility: String,
    pub population_part: String,
    pub ifn: String,
    pub population: String,
    pub places: u32,
    pub communes_without: String,
    pub beyond: String,
}

pub struct CoverageView {
    pub levels: Vec<Choice>,
    pub services: Vec<Choice>,
    pub days: Vec<Choice>,
    pub level_label: &'static str,
    pub rows: Vec<RankedRow>,
    pub total: usize,
    pub formula: &'static str,
    /// The same question to the API, as CSV-able JSON.
    pub api_link: String,
    /// "pour « Aide aux démarches… », ouverts le samedi", or empty.
    pub asked: String,
    /// The filters in the API's language, for the map's script (the same question).
    pub filters: String,
}

fn decimal(value: f64) -> String {
    format!("{value:.1}").replace('.', ",")
}

fn row_link(level: Level, code: &str) -> Option<String> {
    let level = match level {
        Level::Region => "region",
        Level::Departement => "departement",
        Level::Bassin => "bassin",
        Level::Epci => "epci",
        Level::Commune => return None,
    };
    Some(format!("/territoires/{level}/{}", urlencode_path(code)))
}

fn ranked(level: Level, index: usize, row: &CoverageRow) -> RankedRow {
    let priority = row.priorite.as_ref();
    let part = |value: Option<f64>| value.map(decimal).unwrap_or_else(|| "—".to_owned());
    RankedRow {
        rank: index + 1,
        name: row.nom.clone(),
        link: row_link(level, &row.code),
        score: part(priority.map(|p| p.score)),
        distance: part(priority.map(|p| p.part_distance)),
        fragility: match priority {
            Some(p) if p.sans_ifn => "IFN inconnu".to_owned(),
            _ => part(priority.and_then(|p| p.part_fragilite)),
        },
        population_part: part(priority.map(|p| p.part_population)),
        ifn: part(priority.and_then(|p| p.ifn)),
        population: thousands(row.population),
        places: row.lieux,
        communes_without: format!("{} sur {}", row.communes_sans_lieu, row.communes),
        beyond: row.population_au_dela.values().next().map(|n| thousands(*n)).unwrap_or_else(|| "—".to_owned()),
    }
}

/// Reads the page's question (level, service, day), refusing an unknown value by its name.
fn question(raw: Option<&str>) -> Result<(usize, Option<Service>, Option<&'static str>), WebError> {
    let mut params = Params::parse(raw)?;
    let level = match params.get("niveau")? {
        None => 1,
        Some(text) => LEVELS.iter().position(|(key, _, _)| *key == text).ok_or_else(|| {
            WebError::bad_parameter(
                "niveau",
                "niveau de territoire inconnu : region, departement, bassin ou epci attendu",
            )
        })?,
    };
    let service = match params.get("service")? {
        None => None,
        Some(text) => Some(Service::from_label(text).ok_or_else(|| {
            WebError::bad_parameter(
                "service",
                "service inconnu : un service du standard national (Aide aux démarches administratives…) est attendu",
            )
        })?),
    };
    let day = match params.get("jour")? {
        None => None,
        Some(text) => Some(*WEEKDAYS.iter().find(|day| **day == text).ok_or_else(|| {
            WebError::bad_parameter("jour", "jour inconnu : un jour de la semaine (lundi … dimanche) est attendu")
        })?),
    };
    params.finish()?;
    Ok((level, service, day))
}

pub async fn view(state: &WebState, raw: Option<&str>) -> Result<CoverageView, WebError> {
    let (level_index, service, day) = question(raw)?;
    let (key, level_label, level) = LEVELS[level_index];
    let mut items = Vec::new();
    if let Some(service) = service {
        items.push(format!("service={}", service.label()));
    }
    if let Some(day) = day {
        items.push(format!("jour={day}"));
    }
    let filters = maillage_coverage::Filters::parse(items.iter().map(String::as_str))
        .map_err(|err| WebError::bad_parameter("service", err.0))?;
    let report = hub_ranking(state, level, filters).await?;
    let report: &CoverageReport = &report;
    let rows = report.lignes.iter().take(SHOWN).enumerate().map(|(index, row)| ranked(level, index, row)).collect();
    let mut api = vec![("niveau", key.to_owned()), ("tri", "priorite".to_owned()), ("seuils", "10".to_owned())];
    if !items.is_empty() {
        api.push(("filtres", items.join(";")));
    }
    let mut asked = Vec::new();
    if let Some(service) = service {
        asked.push(format!("pour « {} »", service.label()));
    }
    if let Some(day) = day {
        asked.push(format!("ouverts le {day}"));
    }
    Ok(CoverageView {
        levels: LEVELS
            .iter()
            .enumerate()
            .map(|(index, (key, label, _))| Choice {
                value: key.to_string(),
                label: label.to_string(),
                selected: index == level_index,
            })
            .collect(),
        services: Service::all()
            .iter()
            .map(|s| Choice { value: s.label().to_owned(), label: s.label().to_owned(), selected: Some(*s) == service })
            .collect(),
        days: WEEKDAYS
            .iter()
            .map(|d| Choice { value: d.to_string(), label: d.to_string(), selected: Some(*d) == day })
            .collect(),
        level_label,
        rows,
        total: report.lignes.len(),
        formula: report.formule,
        api_link: format!("/api/v1/couverture?{}", serde_urlencoded::to_string(api).unwrap_or_default()),
        asked: asked.join(", "),
        filters: items.join(";"),
    })
}

/// The hub's territories of a level ranked by priority, with the people beyond 10 km: the one
/// question of the page and of a bassin's figures, answered once per data version by the cache
/// the API shares.
async fn hub_ranking(
    state: &WebState,
    level: Level,
    filters: maillage_coverage::Filters,
) -> Result<Arc<CachedCoverage>, WebError> {
    let request = CoverageRequest {
        level,
        filters,
        scope: Scope::Hub,
        thresholds_km: vec![10.0],
        by_priority: true,
        limit: None,
    };
    let (store, territory, cache) = (state.store.clone(), state.territory.clone(), state.coverage.clone());
    tokio::task::spawn_blocking(move || cache.coverage(store.as_ref(), &territory, &request))
        .await
        .map_err(WebError::internal)?
        .map_err(Into::into)
}

/// A bassin's coverage for its page: population, IFN, places, communes without one, people
/// beyond 10 km and the priority score with its rank among the hub's bassins.
pub struct BassinCoverage {
    pub population: String,
    pub ifn: String,
    pub places: u32,
    pub communes_without: String,
    pub beyond: String,
    pub score: String,
    pub rank: String,
}

pub async fn bassin(state: &WebState, name: &str) -> Result<Option<BassinCoverage>, WebError> {
    let report = hub_ranking(state, Level::Bassin, maillage_coverage::Filters::default()).await?;
    let count = report.lignes.len();
    Ok(report.lignes.iter().enumerate().find(|(_, row)| row.code == name || row.nom == name).map(|(index, row)| {
        let shown = ranked(Level::Bassin, index, row);
        BassinCoverage {
            population: shown.population,
            ifn: shown.ifn,
            places: row.lieux,
            communes_without: shown.communes_without,
            beyond: shown.beyond,
            score: shown.score,
            rank: format!("{} sur {count}", index + 1),
        }
    }))
}
