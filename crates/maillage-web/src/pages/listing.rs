//! Lists of places for the pages, answered by the in-memory directory (the same one behind
//! the JSON API): the page turns its criteria into a directory query and presents the hits.

use std::sync::Arc;

use maillage_app::directory::{Area, Directory, Hit, Order, Query};
use maillage_app::territory::Level;
use maillage_domain::{paris_local, Vocabulary};
use maillage_territory::LatLon;

use super::criteria::{Criteria, FieldError};
use super::place::{typology_label, OpenState};
use crate::WebState;

/// Places per page of a list.
pub const PAGE_SIZE: usize = 20;
/// Pages beyond this are not offered: past 10,000 places a person narrows the search.
const MAX_PAGE: usize = 500;

/// A place as a list line shows it.
pub struct ListItem {
    pub id: String,
    pub nom: String,
    pub adresse: String,
    pub code_postal: String,
    pub commune: String,
    pub distance: Option<String>,
    pub services: Vec<&'static str>,
    pub open: Option<OpenState>,
    pub telephone: Option<String>,
    pub telephone_affiche: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub freshness: maillage_app::campaigns::Freshness,
}

#[derive(Default)]
pub struct Listing {
    pub total: usize,
    pub items: Vec<ListItem>,
    pub page: usize,
    pub pages: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// "autour de Bourges (18000)": the commune the free text was read as.
    pub around: Option<String>,
    /// When nothing matches: the nearest places, criteria aside.
    pub nearest_outside: Vec<ListItem>,
    /// Problems with the criteria that the directory found (an unknown territory…).
    pub errors: Vec<FieldError>,
    /// The same search for the JSON API (`/api/v1/lieux.geojson?…`), for the map's script.
    pub api_query: String,
    /// "south,west,north,east" of the matching places when the search names territories, so
    /// the map opens on them (a bassin, a département) rather than on France; else empty.
    pub bounds: String,
}

/// Places read to frame a territory: beyond this, a région's places frame it well enough.
const BOUNDS_SAMPLE: usize = 20_000;

/// The box around the places a territory search matches (empty when none has a point).
fn territory_bounds(directory: &Directory, query: &Query, total: usize) -> String {
    if !matches!(query.area, Area::Territories(_)) || total == 0 {
        return String::new();
    }
    let all = Query { limit: total.min(BOUNDS_SAMPLE), order: None, ..query.clone() };
    let Ok(found) = directory.search(&all) else { return String::new() };
    let (mut lats, mut lons): (Vec<f64>, Vec<f64>) =
        found.hits.iter().filter_map(|hit| hit.entry.point).map(|p| (p.lat, p.lon)).unzip();
    if lats.is_empty() {
        return String::new();
    }
    let (south, north) = fenced_range(&mut lats);
    let (west, east) = fenced_range(&mut lons);
    format!("{south:.5},{west:.5},{north:.5},{east:.5}")
}

/// The smallest and largest values within Tukey's outer fences (3 interquartile ranges beyond the
/// quartiles): a source's coordinates are sometimes wrong (a place of the Cher pinned in the
/// Pyrenees, latitude and longitude swapped), and one of them would frame half of France.
fn fenced_range(values: &mut [f64]) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let quartile = |q: usize| values[(values.len() - 1) * q / 4];
    let (q1, q3) = (quartile(1), quartile(3));
    let (low, high) = (q1 - 3.0 * (q3 - q1), q3 + 3.0 * (q3 - q1));
    let mut kept = values.iter().copied().filter(|v| (low..=high).contains(v));
    let first = kept.next().unwrap_or(q1);
    (first, kept.next_back().unwrap_or(first).max(first))
}

/// The JSON API's query string for a page's criteria, once the free text has been read.
fn api_query(criteria: &Criteria, query: &Query) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    let filters = criteria.filter_expressions();
    if !filters.is_empty() {
        pairs.push(("filtres", filters.join(";")));
    }
    if criteria.ouvert_maintenant {
        pairs.push(("ouvert", "maintenant".to_owned()));
    }
    if let Some(text) = &query.text {
        pairs.push(("q", text.clone()));
    }
    if let Some(origin) = query.origin {
        pairs.push(("lat", format!("{:.5}", origin.lat)));
        pairs.push(("lon", format!("{:.5}", origin.lon)));
    }
    match &query.area {
        Area::Radius { km, .. } => pairs.push(("rayon_km", format!("{km}"))),
        Area::Territories(_) => {
            if let Some(territoire) = &criteria.territoire {
                pairs.push(("territoire", territoire.clone()));
            }
        }
        _ => {}
    }
    if let Some(source) = &query.source {
        pairs.push(("source", source.clone()));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn item(hit: &Hit, now_local: chrono::NaiveDateTime) -> ListItem {
    let record = &hit.entry.place.record;
    ListItem {
        id: hit.entry.place.id.0.clone(),
        nom: record.nom.clone(),
        adresse: record.adresse.clone(),
        code_postal: record.code_postal.clone(),
        commune: record.commune.clone(),
        distance: hit.distance_km.map(format_km),
        services: record.services.iter().map(|s| s.label()).collect(),
        open: record.horaires.as_ref().map(|_| match hit.entry.is_open_at(now_local) {
            Some(true) => OpenState::Open,
            Some(false) => OpenState::Closed,
            None => OpenState::Unknown,
        }),
        telephone: record.telephone.clone(),
        telephone_affiche: record.telephone.as_deref().map(super::place::display_phone),
        lat: hit.entry.point.map(|p| p.lat),
        lon: hit.entry.point.map(|p| p.lon),
        freshness: maillage_app::campaigns::freshness(hit.entry.place.published_date_maj(), now_local.date()),
    }
}

pub fn format_km(km: f64) -> String {
    if km < 1.0 {
        format!("{} m", ((km * 1000.0) / 10.0).round() * 10.0)
    } else if km < 10.0 {
        format!("{:.1} km", km).replace('.', ",")
    } else {
        format!("{} km", km.round())
    }
}

/// Reads the free text as a commune or a postcode when it is one: the search then goes around
/// that commune instead of looking for the words in place names.
pub fn commune_point(directory: &Directory, text: &str) -> Option<(LatLon, String)> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let territory = directory.territory();
    let folded = maillage_domain::text::fold(text);
    let commune = territory
        .search_communes(text, 5)
        .into_iter()
        .find(|c| maillage_domain::text::fold(&c.name) == folded || c.postcodes.iter().any(|p| p == text))?;
    let point = commune.point?;
    let postcode = commune.postcodes.first().map(|p| format!(" ({p})")).unwrap_or_default();
    Some((point, format!("{}{postcode}", commune.name)))
}

/// The directory query of a page's criteria, and the commune the text was read as.
pub fn query_of(directory: &Directory, criteria: &Criteria) -> Result<(Query, Option<String>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let expressions = criteria.filter_expressions();
    let filters = match maillage_coverage::Filters::parse(expressions.iter().map(String::as_str)) {
        Ok(filters) => filters,
        Err(err) => {
            errors.push(FieldError { field: "filtres", message: err.0 });
            maillage_coverage::Filters::default()
        }
    };
    let mut query = Query { filters, ..Query::default() };
    let mut around = None;
    let point = match criteria.point {
        Some((lat, lon)) => Some(LatLon::new(lat, lon)),
        None => match commune_point(directory, &criteria.q) {
            Some((point, name)) => {
                around = Some(name);
                Some(point)
            }
            None => {
                if !criteria.q.trim().is_empty() {
                    query.text = Some(criteria.q.trim().to_owned());
                }
                None
            }
        },
    };
    if let Some(point) = point {
        query.origin = Some(point);
        query.order = Some(Order::Distance);
        if let Some(km) = criteria.rayon_km {
            query.area = Area::Radius { center: point, km };
        }
    }
    if let Some(territoire) = &criteria.territoire {
        match directory.parse_areas(territoire) {
            Ok(areas) if !areas.is_empty() => {
                if matches!(query.area, Area::Radius { .. }) {
                    errors.push(FieldError {
                        field: "territoire",
                        message: "choisissez un territoire ou une distance autour d'un point, pas les deux".to_owned(),
                    });
                } else {
                    query.area = Area::Territories(areas);
                }
            }
            Ok(_) => {}
            Err(err) => errors.push(FieldError { field: "territoire", message: err.to_string() }),
        }
    }
    if criteria.ouvert_maintenant {
        query.open_at = Some(paris_local(maillage_store::now()));
    }
    query.source = criteria.source.clone();
    if errors.is_empty() {
        Ok((query, around))
    } else {
        Err(errors)
    }
}

/// One page of the places matching `criteria`, nearest first when there is a point.
pub async fn search(state: &WebState, criteria: &Criteria, page_size: usize) -> Result<Listing, String> {
    let directory = state.directory.current();
    let criteria = criteria.clone();
    tokio::task::spawn_blocking(move || search_in(&directory, &criteria, page_size))
        .await
        .map_err(|err| err.to_string())
}

pub fn search_in(directory: &Directory, criteria: &Criteria, page_size: usize) -> Listing {
    let (query, around) = match query_of(directory, criteria) {
        Ok(found) => found,
        Err(errors) => return Listing { errors, page: 1, ..Listing::default() },
    };
    let page = criteria.page.min(MAX_PAGE);
    // A page number, not a cursor, in links: people share and read "page 3"; the directory
    // answers the first `page × size` nearest places from its index without scanning the rest.
    let wanted = Query { limit: page * page_size, ..query.clone() };
    let result = match directory.search(&wanted) {
        Ok(result) => result,
        Err(err) => {
            return Listing {
                errors: vec![FieldError { field: err.field, message: err.message }],
                page: 1,
                ..Listing::default()
            }
        }
    };
    let now_local = paris_local(maillage_store::now());
    let pages = result.total.div_ceil(page_size).clamp(1, MAX_PAGE);
    let items: Vec<ListItem> =
        result.hits.iter().skip((page - 1) * page_size).map(|hit| item(hit, now_local)).collect();
    let mut nearest_outside = Vec::new();
    if result.total == 0 {
        if let Some(origin) = query.origin {
            // The nearest places whatever the other criteria, so a person is never left with
            // nothing to go to.
            let relaxed = Query { origin: Some(origin), order: Some(Order::Distance), limit: 5, ..Query::default() };
            if let Ok(found) = directory.search(&relaxed) {
                nearest_outside = found.hits.iter().map(|hit| item(hit, now_local)).collect();
            }
        }
    }
    Listing {
        total: result.total,
        items,
        page,
        pages,
        previous: (page > 1).then(|| criteria.query_with_page(page - 1)),
        next: (page < pages).then(|| criteria.query_with_page(page + 1)),
        around,
        nearest_outside,
        errors: Vec::new(),
        api_query: api_query(criteria, &query),
        bounds: territory_bounds(directory, &query, result.total),
    }
}

// ---------------------------------------------------------------------------------------
// Territories

pub struct TerritoryLink {
    pub href: String,
    pub name: String,
    pub count: usize,
    pub children: Vec<TerritoryLink>,
}

/// The régions and départements that have places, with their counts, and the hub's bassins.
pub async fn territory_index(state: &WebState) -> Result<Vec<TerritoryLink>, String> {
    let directory = state.directory.current();
    tokio::task::spawn_blocking(move || {
        let counts = directory.counts(&Query::default()).map_err(|e| e.to_string())?;
        let territory = directory.territory();
        let mut regions: Vec<TerritoryLink> = counts
            .regions
            .iter()
            .filter_map(|(code, count)| {
                let region = territory.region(code)?;
                let children = territory
                    .region_departements(code)
                    .filter_map(|d| {
                        counts.departements.get(&d.code).map(|count| TerritoryLink {
                            href: format!("/territoires/departement/{}", d.code),
                            name: format!("{} ({})", d.name, d.code),
                            count: *count,
                            children: Vec::new(),
                        })
                    })
                    .collect();
                Some(TerritoryLink {
                    href: format!("/territoires/region/{code}"),
                    name: region.name.clone(),
                    count: *count,
                    children,
                })
            })
            .collect();
        let bassins = directory.bassins().bassins();
        if !bassins.is_empty() {
            let children = bassins
                .keys()
                .map(|name| {
                    let query =
                        Query { area: Area::Territories(vec![(Level::Bassin, name.clone())]), ..Query::default() };
                    TerritoryLink {
                        href: format!("/territoires/bassin/{}", urlencode_path(name)),
                        name: name.clone(),
                        count: directory.counts(&query).map(|c| c.total).unwrap_or(0),
                        children: Vec::new(),
                    }
                })
                .collect();
            regions.push(TerritoryLink {
                href: String::new(),
                name: "Bassins de vie du hub".to_owned(),
                count: counts.total,
                children,
            });
        }
        Ok(regions)
    })
    .await
    .map_err(|err| err.to_string())?
}

pub fn urlencode_path(text: &str) -> String {
    crate::query::percent_encode(text, b"")
}

pub struct CountRow {
    pub label: String,
    pub count: usize,
    /// Share of the territory's places, in percent, for the bar.
    pub percent: u32,
    pub href: Option<String>,
}

pub struct TerritorySummary {
    pub title: String,
    pub level_label: &'static str,
    pub total: usize,
    pub services: Vec<CountRow>,
    pub typologies: Vec<CountRow>,
    pub subdivisions: Vec<CountRow>,
    pub subdivisions_title: &'static str,
    pub listing: Listing,
    pub map_query: String,
    pub exports: Vec<(&'static str, String)>,
}

pub async fn territory(
    state: &WebState,
    niveau: &str,
    code: &str,
    page: usize,
) -> Result<Option<TerritorySummary>, String> {
    let directory = state.directory.current();
    let (niveau, code) = (niveau.to_owned(), code.to_owned());
    tokio::task::spawn_blocking(move || territory_in(&directory, &niveau, &code, page))
        .await
        .map_err(|err| err.to_string())?
}

fn territory_in(
    directory: &Arc<Directory>,
    niveau: &str,
    code: &str,
    page: usize,
) -> Result<Option<TerritorySummary>, String> {
    let level = match niveau {
        "region" => Level::Region,
        "departement" => Level::Departement,
        "epci" => Level::Epci,
        "bassin" => Level::Bassin,
        _ => return Ok(None),
    };
    if !directory.territory_exists(level, code) {
        return Ok(None);
    }
    let territory = directory.territory();
    let query = Query { area: Area::Territories(vec![(level, code.to_owned())]), ..Query::default() };
    let counts = directory.counts(&query).map_err(|e| e.to_string())?;
    let percent =
        |count: usize| if counts.total == 0 { 0 } else { ((count * 100) as f64 / counts.total as f64).round() as u32 };
    let services = counts
        .services
        .iter()
        .map(|(service, count)| CountRow {
            label: service.label().to_owned(),
            count: *count,
            percent: percent(*count),
            href: Some(format!(
                "/carte?territoire={}&service={}",
                urlencode_path(&format!("{niveau}:{code}")),
                urlencode_path(service.label())
            )),
        })
        .collect();
    let typologies = counts
        .typologies
        .iter()
        .map(|(code, count)| CountRow {
            label: typology_label(code),
            count: *count,
            percent: percent(*count),
            href: None,
        })
        .collect();
    let subdivisions = match level {
        Level::Region => counts
            .departements
            .iter()
            .map(|(dep, count)| CountRow {
                label: territory.departement(dep).map(|d| format!("{} ({dep})", d.name)).unwrap_or_else(|| dep.clone()),
                count: *count,
                percent: percent(*count),
                href: Some(format!("/territoires/departement/{dep}")),
            })
            .collect(),
        Level::Departement => territory
            .departement_epcis(code)
            .filter_map(|epci| {
                let area = Area::Territories(vec![(Level::Epci, epci.siren.clone())]);
                let count = directory.counts(&Query { area, ..Query::default() }).ok()?.total;
                Some(CountRow {
                    label: epci.name.clone(),
                    count,
                    percent: percent(count),
                    href: Some(format!("/territoires/epci/{}", epci.siren)),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let subdivisions_title = match level {
        Level::Region => "Par département",
        _ => "Par intercommunalité (EPCI)",
    };
    let name = level.name_of(territory, code);
    let (level_label, title) = match level {
        Level::Region => ("Région", format!("Région {name}")),
        Level::Departement => ("Département", format!("{name} ({code})")),
        Level::Epci => ("Intercommunalité (EPCI)", name),
        Level::Bassin => ("Bassin de vie", format!("Bassin de vie « {name} »")),
        Level::Commune => ("Commune", name),
    };
    let area = format!("{niveau}:{code}");
    let criteria = Criteria { territoire: Some(area.clone()), page, ..Criteria::default() };
    let listing = search_in(directory, &criteria, PAGE_SIZE);
    let exports = ["csv", "json", "geojson"]
        .into_iter()
        .map(|format| {
            let label = match format {
                "csv" => "CSV (standard national)",
                "json" => "JSON (standard national)",
                _ => "GeoJSON",
            };
            (label, format!("/api/v1/export?format={format}&territoire={}", urlencode_path(&area)))
        })
        .collect();
    Ok(Some(TerritorySummary {
        title,
        level_label,
        total: counts.total,
        services,
        typologies,
        subdivisions,
        subdivisions_title,
        listing,
        map_query: serde_urlencoded::to_string([("territoire", area.as_str())]).unwrap_or_default(),
        exports,
    }))
}

// ---------------------------------------------------------------------------------------
// Coverage

pub struct CoverageRow {
    pub code: String,
    pub name: String,
    pub population: String,
    pub places: u32,
    pub per_10000: String,
    pub communes_without: String,
    pub beyond: String,
}

#[derive(Default)]
pub struct CoverageTable {
    pub rows: Vec<CoverageRow>,
}

fn decimal(value: f64) -> String {
    format!("{value:.1}").replace('.', ",")
}

/// Thousands separated by a narrow no-break space, as French typography writes them.
pub fn thousands(value: u64) -> String {
    let digits: Vec<char> = value.to_string().chars().collect();
    let groups: Vec<String> = digits.rchunks(3).rev().map(|group| group.iter().collect()).collect();
    groups.join("\u{202f}")
}

/// Coverage per département of the hub, the table alternative to the choropleth, from the
/// same use case as `/api/v1/couverture`.
pub async fn coverage_table(state: &WebState) -> Result<CoverageTable, String> {
    use maillage_app::coverage::{CoverageRequest, Scope};
    let (store, territory, cache) = (state.store.clone(), state.territory.clone(), state.coverage.clone());
    tokio::task::spawn_blocking(move || {
        let request = CoverageRequest {
            level: Level::Departement,
            filters: maillage_coverage::Filters::default(),
            scope: Scope::Hub,
            thresholds_km: vec![10.0],
            // The ranking of the same page asks the same (by priority): one cached answer for both.
            by_priority: true,
            limit: None,
        };
        let report = cache.coverage(store.as_ref(), &territory, &request).map_err(|e| e.to_string())?;
        let mut rows: Vec<CoverageRow> = report
            .lignes
            .iter()
            .map(|line| CoverageRow {
                code: line.code.clone(),
                name: line.nom.clone(),
                population: thousands(line.population),
                places: line.lieux,
                per_10000: line.lieux_pour_10000.map(decimal).unwrap_or_else(|| "—".to_owned()),
                communes_without: format!(
                    "{} ({} %)",
                    line.communes_sans_lieu,
                    decimal(line.part_communes_sans_lieu * 100.0)
                ),
                beyond: line
                    .population_au_dela
                    .values()
                    .next()
                    .map(|v| thousands(*v))
                    .unwrap_or_else(|| "—".to_owned()),
            })
            .collect();
        rows.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(CoverageTable { rows })
    })
    .await
    .map_err(|err| err.to_string())?
}
