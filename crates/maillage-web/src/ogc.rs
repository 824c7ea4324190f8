//! OGC API – Features (Part 1, core and GeoJSON) under `/ogc`, for GIS and regional spatial
//! data infrastructures (QGIS, GDAL, GeoServer-based platforms, web maps): a landing page,
//! the conformance classes, three collections and their items in GeoJSON, coordinates in
//! CRS84 (longitude, latitude, WGS84).
//!
//! - `lieux`: the public places from the in-memory directory (as the map shows them: merged
//!   places once, hidden ones not at all), with `bbox`, `limit`, `offset` and every filter of
//!   the API as queryables (`filtres`, `territoire`, `q`, `ouvert`, `source`, and each filter
//!   word on its own: `service=…`, `public=…`…);
//! - `bassins`: the hub's bassins de vie as polygons dissolved from their communes' polygons;
//! - `couverture`: per commune of the hub, the distance to the nearest place and the people
//!   beyond each threshold, on the commune's polygon.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maillage_app::directory::{BBox, DirectoryEntry};
use maillage_app::territory::BassinIndex;
use serde_json::{json, Map, Value};

use crate::query::{self as params, Params, Use};
use crate::{WebError, WebState};

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const GEOJSON: &str = "application/geo+json";
/// Items per page unless `limit` says otherwise, and at most.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/ogc", get(landing))
        .route("/ogc/", get(landing))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/collections", get(collections))
        .route("/ogc/collections/{collection}", get(collection))
        .route("/ogc/collections/{collection}/queryables", get(queryables))
        .route("/ogc/collections/{collection}/items", get(items))
        .route("/ogc/collections/{collection}/items/{id}", get(item))
        // Web maps on partners' sites read it from their own origin.
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods([axum::http::Method::GET, axum::http::Method::HEAD]),
        )
        .layer(tower_http::compression::CompressionLayer::new())
}

/// The absolute address links start with: the hub's public address when the request came to
/// it, else the host the client asked for (a client follows links to where it already is).
fn base(state: &WebState, headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
    match &state.open_data.base_url {
        Some(url) if url.split("://").nth(1).map(|rest| rest.trim_end_matches('/')) == Some(host) => {
            url.trim_end_matches('/').to_owned()
        }
        _ => format!("http://{host}"),
    }
}

/// What every handler reads: the state, the links' base address and the query string.
struct Ogc {
    state: WebState,
    base: String,
    raw: Option<String>,
}

impl FromRequestParts<WebState> for Ogc {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let base = base(state, &parts.headers);
        Ok(Ogc { state: state.clone(), base, raw: parts.uri.query().map(str::to_owned) })
    }
}

impl Ogc {
    /// Checks a query that may hold only the common parameters (`f`, `crs`).
    fn plain(&self) -> Result<(), WebError> {
        let mut params = Params::parse(self.raw.as_deref())?;
        common_params(&mut params)?;
        params.finish()
    }
}

fn link(href: String, rel: &str, kind: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": kind, "title": title})
}

fn json_answer(value: &Value, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], serde_json::to_vec(value).unwrap_or_default()).into_response()
}

/// Refuses the output formats and CRS this service does not offer, so a client is told
/// rather than given something else.
fn common_params(params: &mut Params) -> Result<(), WebError> {
    match params.get("f")? {
        None | Some("json") | Some("geojson") | Some("application/json") | Some("application/geo+json") => {}
        Some(_) => return Err(WebError::bad_parameter("f", "json ou geojson attendu")),
    }
    for name in ["crs", "bbox-crs"] {
        match params.get(name)? {
            None => {}
            Some(value) if value == CRS84 => {}
            Some(_) => return Err(WebError::bad_parameter(name, "seul CRS84 est proposé")),
        }
    }
    Ok(())
}

async fn landing(ogc: Ogc) -> Result<Response, WebError> {
    ogc.plain()?;
    let Ogc { state, base, .. } = ogc;
    let hub = state.branding.current().name.clone();
    Ok(json_answer(
        &json!({
            "title": format!("{hub} — lieux de médiation numérique"),
            "description": "Lieux de médiation numérique, bassins de vie et couverture par commune, au format OGC API – Features (GeoJSON, CRS84).",
            "links": [
                link(format!("{base}/ogc"), "self", "application/json", "Cette page"),
                link(format!("{base}/ogc/conformance"), "conformance", "application/json", "Classes de conformité"),
                link(format!("{base}/ogc/collections"), "data", "application/json", "Collections"),
                link(format!("{base}/api/openapi.json"), "service-desc", "application/vnd.oai.openapi+json;version=3.1", "API JSON du registre"),
                link(format!("{base}/api/docs"), "service-doc", "text/html", "Documentation de l'API"),
            ],
        }),
        "application/json",
    ))
}

async fn conformance(ogc: Ogc) -> Result<Response, WebError> {
    ogc.plain()?;
    Ok(json_answer(
        &json!({"conformsTo": [
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        ]}),
        "application/json",
    ))
}

/// The collections this service offers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Collection {
    Lieux,
    Bassins,
    Couverture,
}

impl Collection {
    fn parse(text: &str) -> Result<Collection, WebError> {
        match text {
            "lieux" => Ok(Collection::Lieux),
            "bassins" => Ok(Collection::Bassins),
            "couverture" => Ok(Collection::Couverture),
            _ => Err(WebError::not_found("collection inconnue : lieux, bassins ou couverture")),
        }
    }

    fn id(self) -> &'static str {
        match self {
            Collection::Lieux => "lieux",
            Collection::Bassins => "bassins",
            Collection::Couverture => "couverture",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Collection::Lieux => "Lieux de médiation numérique",
            Collection::Bassins => "Bassins de vie du hub",
            Collection::Couverture => "Couverture par commune",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Collection::Lieux => "Les lieux publiés (champs du standard national v1.0.2), un point par lieu ; un lieu fusionné une fois.",
            Collection::Bassins => "Les bassins de vie que le hub a définis, chacun le contour de ses communes.",
            Collection::Couverture => "Pour chaque commune des départements du hub : distance au lieu le plus proche et population au-delà de 5, 10, 15 et 20 km.",
        }
    }
}

const ALL: [Collection; 3] = [Collection::Lieux, Collection::Bassins, Collection::Couverture];

fn describe(collection: Collection, base: &str, extent: Option<[f64; 4]>) -> Value {
    let id = collection.id();
    let mut value = json!({
        "id": id,
        "title": collection.title(),
        "description": collection.description(),
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "links": [
            link(format!("{base}/ogc/collections/{id}"), "self", "application/json", collection.title()),
            link(format!("{base}/ogc/collections/{id}/items"), "items", GEOJSON, "Les objets"),
            link(format!("{base}/ogc/collections/{id}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Critères de recherche"),
        ],
    });
    if let Some(bbox) = extent {
        value["extent"] = json!({"spatial": {"bbox": [bbox], "crs": CRS84}});
    }
    value
}

/// The smallest box around the directory's places.
fn places_extent(state: &WebState) -> Option<[f64; 4]> {
    let directory = state.directory.current();
    let mut extent: Option<[f64; 4]> = None;
    for entry in directory.entries() {
        if let Some(point) = entry.point {
            let e = extent.get_or_insert([point.lon, point.lat, point.lon, point.lat]);
            e[0] = e[0].min(point.lon);
            e[1] = e[1].min(point.lat);
            e[2] = e[2].max(point.lon);
            e[3] = e[3].max(point.lat);
        }
    }
    extent
}

async fn collections(ogc: Ogc) -> Result<Response, WebError> {
    ogc.plain()?;
    let Ogc { state, base, .. } = ogc;
    let extent = places_extent(&state);
    let list: Vec<Value> = ALL.iter().map(|c| describe(*c, &base, extent)).collect();
    Ok(json_answer(
        &json!({
            "links": [link(format!("{base}/ogc/collections"), "self", "application/json", "Collections")],
            "collections": list,
        }),
        "application/json",
    ))
}

async fn collection(ogc: Ogc, Path(id): Path<String>) -> Result<Response, WebError> {
    let collection = Collection::parse(&id)?;
    ogc.plain()?;
    Ok(json_answer(&describe(collection, &ogc.base, places_extent(&ogc.state)), "application/json"))
}

/// The filter words that can be given on their own as queryables (`service=…`), written into
/// the API's filter language.
const FILTER_WORDS: [(&str, &str); 9] = [
    ("service", "Service du standard (libellé exact), par exemple « Aide aux démarches administratives »."),
    ("public", "Public spécifiquement adressé (libellé du standard)."),
    ("prise_en_charge", "Prise en charge spécifique (libellé du standard)."),
    ("frais", "Frais à charge (libellé du standard)."),
    ("acces", "Modalité d'accès (libellé du standard)."),
    ("accompagnement", "Modalité d'accompagnement (libellé du standard)."),
    ("label", "Dispositif national ou label (libellé du standard)."),
    ("typologie", "Typologie du lieu (code du standard, par exemple EPN)."),
    ("jour", "Ouvert ce jour de la semaine (lundi … dimanche)."),
];

async fn queryables(ogc: Ogc, Path(id): Path<String>) -> Result<Response, WebError> {
    let collection = Collection::parse(&id)?;
    ogc.plain()?;
    let base = ogc.base;
    let mut properties = Map::new();
    if collection == Collection::Lieux {
        let text = |description: &str| json!({"type": "string", "description": description});
        properties.insert("filtres".into(), text("Filtres séparés par « ; », tous exigés, comme pour /api/v1/lieux : service=…, public=…, gratuit, jour=mardi, weekend, itinerant, fixe…"));
        properties.insert("territoire".into(), text("Territoires séparés par des virgules : « 18 », « commune:18033 », « epci:241800507 », « bassin:Bourges », « region:24 »."));
        properties.insert("q".into(), text("Mots à trouver dans le nom, la commune ou le code postal."));
        properties.insert("ouvert".into(), text("« maintenant » ou une date et heure locales AAAA-MM-JJTHH:MM."));
        properties.insert("source".into(), text("Source de données."));
        for (word, description) in FILTER_WORDS {
            properties.insert(word.into(), text(description));
        }
        for word in ["gratuit", "weekend", "itinerant", "fixe"] {
            properties.insert(
                word.into(),
                json!({"type": "boolean", "description": format!("« {word}=true » : le filtre {word}.")}),
            );
        }
    }
    Ok(json_answer(
        &json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": format!("{base}/ogc/collections/{}/queryables", collection.id()),
            "type": "object",
            "title": collection.title(),
            "properties": properties,
            "additionalProperties": false,
        }),
        "application/schema+json",
    ))
}

/// `limit` and `offset`, as the standard names them.
fn paging(params: &mut Params) -> Result<(usize, usize), WebError> {
    let limit = params.get("limit")?.map(|text| params::integer("limit", text, 1..=MAX_LIMIT)).transpose()?;
    let offset = params.get("offset")?.map(|text| params::integer("offset", text, 0..=10_000_000)).transpose()?;
    Ok((limit.unwrap_or(DEFAULT_LIMIT), offset.unwrap_or(0)))
}

fn bbox(params: &mut Params) -> Result<Option<BBox>, WebError> {
    let Some(text) = params.get("bbox")? else { return Ok(None) };
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let bad = || WebError::bad_parameter("bbox", "quatre nombres attendus : minlon,minlat,maxlon,maxlat");
    let [a, b, c, d] = parts.as_slice() else { return Err(bad()) };
    let (min_lon, min_lat) = (params::number("bbox", a, -180.0..=180.0)?, params::number("bbox", b, -90.0..=90.0)?);
    let (max_lon, max_lat) = (params::number("bbox", c, -180.0..=180.0)?, params::number("bbox", d, -90.0..=90.0)?);
    if min_lon > max_lon || min_lat > max_lat {
        return Err(WebError::bad_parameter("bbox", "le coin minimum doit précéder le coin maximum"));
    }
    Ok(Some(BBox { min_lon, min_lat, max_lon, max_lat }))
}

/// The query string to repeat in paging links, without `offset`.
fn kept_query(raw: Option<&str>) -> String {
    params::pairs(raw)
        .into_iter()
        .filter(|(key, _)| key != "offset")
        .map(|(key, value)| format!("{}={}", encode(&key), encode(&value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    crate::query::percent_encode(text, b",:")
}

fn paging_links(
    base: &str,
    collection: Collection,
    raw: Option<&str>,
    offset: usize,
    limit: usize,
    matched: usize,
) -> Vec<Value> {
    let path = format!("{base}/ogc/collections/{}/items", collection.id());
    let kept = kept_query(raw);
    let at = |offset: usize| {
        let mut query = kept.clone();
        if offset > 0 {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&format!("offset={offset}"));
        }
        if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{query}")
        }
    };
    let mut links = vec![link(at(offset), "self", GEOJSON, "Cette page")];
    if offset + limit < matched {
        links.push(link(at(offset + limit), "next", GEOJSON, "Page suivante"));
    }
    if offset > 0 {
        links.push(link(at(offset.saturating_sub(limit)), "prev", GEOJSON, "Page précédente"));
    }
    links.push(link(
        format!("{base}/ogc/collections/{}", collection.id()),
        "collection",
        "application/json",
        collection.title(),
    ));
    links
}

fn collection_answer(features: Vec<Value>, matched: usize, links: Vec<Value>) -> Response {
    let returned = features.len();
    let body = json!({
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": returned,
        "timeStamp": maillage_store::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "links": links,
    });
    json_answer(&body, GEOJSON)
}

fn place_feature(entry: &DirectoryEntry) -> Value {
    let geometry = match entry.point {
        Some(point) => json!({"type": "Point", "coordinates": [point.lon, point.lat]}),
        None => Value::Null,
    };
    let mut properties = maillage_formats::export::standard_object(&entry.place);
    properties.remove("latitude");
    properties.remove("longitude");
    if let Some(location) = &entry.location {
        properties.insert("code_departement".into(), json!(location.code_departement));
        if let Some(bassin) = &location.bassin {
            properties.insert("bassin".into(), json!(bassin));
        }
    }
    properties.insert("position_approximative".into(), json!(entry.place.record.coordinates.is_none()));
    json!({"type": "Feature", "id": entry.id(), "geometry": geometry, "properties": properties})
}

async fn items(ogc: Ogc, Path(id): Path<String>) -> Result<Response, WebError> {
    let (collection, raw) = (Collection::parse(&id)?, ogc.raw.as_deref());
    match collection {
        Collection::Lieux => place_items(&ogc.state, &ogc.base, raw),
        areas => filter_and_page(area_features(&ogc.state, areas).await?, areas, &ogc.base, raw),
    }
}

/// The places matching a request, in a stable order (by id) so that pages never overlap.
pub fn matching_places(
    directory: &maillage_app::directory::Directory,
    raw: Option<&str>,
) -> Result<(Vec<Arc<DirectoryEntry>>, usize, usize), WebError> {
    let mut params = Params::parse(raw)?;
    common_params(&mut params)?;
    let (limit, offset) = paging(&mut params)?;
    // Each filter word given on its own joins the API's filter language.
    let mut words: Vec<String> = Vec::new();
    for (word, _) in FILTER_WORDS {
        for value in params.get_all(word) {
            words.push(format!("{word}={value}"));
        }
    }
    for word in ["gratuit", "weekend", "itinerant", "fixe"] {
        match params.get(word)? {
            None | Some("false") => {}
            Some("true") | Some("") => words.push(word.to_owned()),
            Some(_) => return Err(WebError::bad_parameter(word, "true ou false attendu")),
        }
    }
    // `bbox` is read there, as the API reads it: one area at most (bbox or territoire).
    let mut query = params::search(&mut params, directory, Use::All)?;
    params.finish()?;
    if !words.is_empty() {
        let more = maillage_coverage::Filters::parse(words.iter().map(String::as_str))
            .map_err(|err| WebError::bad_parameter("filtres", err.0))?;
        query.filters.0.extend(more.0);
    }
    let hits = directory.matching(&query).map_err(|err| WebError::bad_parameter(err.field, err.message))?;
    let mut entries: Vec<Arc<DirectoryEntry>> = hits.into_iter().map(|hit| hit.entry).collect();
    entries.sort_unstable_by(|a, b| a.id().cmp(b.id()));
    Ok((entries, limit, offset))
}

fn place_items(state: &WebState, base: &str, raw: Option<&str>) -> Result<Response, WebError> {
    let directory = state.directory.current();
    let (entries, limit, offset) = matching_places(&directory, raw)?;
    let matched = entries.len();
    let features: Vec<Value> = entries.iter().skip(offset).take(limit).map(|entry| place_feature(entry)).collect();
    Ok(collection_answer(features, matched, paging_links(base, Collection::Lieux, raw, offset, limit, matched)))
}

async fn item(ogc: Ogc, Path((collection_id, id)): Path<(String, String)>) -> Result<Response, WebError> {
    let collection = Collection::parse(&collection_id)?;
    ogc.plain()?;
    let Ogc { state, base, .. } = ogc;
    let missing = || WebError::not_found(format!("aucun objet « {id} » dans {}", collection.id()));
    let mut feature = match collection {
        Collection::Lieux => {
            let directory = state.directory.current();
            place_feature(directory.get(&id).ok_or_else(missing)?)
        }
        areas => area_features(&state, areas)
            .await?
            .into_iter()
            .find(|feature| feature["id"] == json!(id))
            .ok_or_else(missing)?,
    };
    feature["links"] = json!([
        link(format!("{base}/ogc/collections/{}/items/{}", collection.id(), encode(&id)), "self", GEOJSON, "Cet objet"),
        link(
            format!("{base}/ogc/collections/{}", collection.id()),
            "collection",
            "application/json",
            collection.title()
        ),
    ]);
    Ok(json_answer(&feature, GEOJSON))
}

/// Features filtered by `bbox` (their geometry's box meets it) and paged.
fn filter_and_page(
    features: Vec<Value>,
    collection: Collection,
    base: &str,
    raw: Option<&str>,
) -> Result<Response, WebError> {
    let mut params = Params::parse(raw)?;
    common_params(&mut params)?;
    let (limit, offset) = paging(&mut params)?;
    let area = bbox(&mut params)?;
    params.finish()?;
    let kept: Vec<Value> = features
        .into_iter()
        .filter(|feature| match (&area, feature_box(&feature["geometry"])) {
            (None, _) => true,
            (Some(area), Some([x0, y0, x1, y1])) => {
                x0 <= area.max_lon && x1 >= area.min_lon && y0 <= area.max_lat && y1 >= area.min_lat
            }
            (Some(_), None) => false,
        })
        .collect();
    let matched = kept.len();
    let page: Vec<Value> = kept.into_iter().skip(offset).take(limit).collect();
    Ok(collection_answer(page, matched, paging_links(base, collection, raw, offset, limit, matched)))
}

/// The box of a GeoJSON geometry's coordinates.
fn feature_box(geometry: &Value) -> Option<[f64; 4]> {
    fn walk(value: &Value, out: &mut Option<[f64; 4]>) {
        match value.as_array() {
            Some(items) if items.len() >= 2 && items[0].is_number() => {
                let (x, y) = (items[0].as_f64().unwrap_or(0.0), items[1].as_f64().unwrap_or(0.0));
                let b = out.get_or_insert([x, y, x, y]);
                b[0] = b[0].min(x);
                b[1] = b[1].min(y);
                b[2] = b[2].max(x);
                b[3] = b[3].max(y);
            }
            Some(items) => items.iter().for_each(|item| walk(item, out)),
            None => {}
        }
    }
    let mut out = None;
    walk(&geometry["coordinates"], &mut out);
    out
}

async fn bassin_features(state: &WebState) -> Result<Vec<Value>, WebError> {
    let (store, territory) = (state.store.clone(), state.territory.clone());
    crate::state::run_blocking(move || {
        let index = BassinIndex::new(&store.bassins()?, &territory);
        Ok(crate::pages::contours::bassin_polygons(&territory, &index))
    })
    .await
}

async fn coverage_features(state: &WebState) -> Result<Vec<Value>, WebError> {
    let state = state.clone();
    crate::state::run_blocking(move || {
        let request = maillage_app::coverage::CoverageRequest::default();
        let report = state.coverage.coverage(state.store.as_ref(), &state.territory, &request)?;
        let features = report
            .lignes
            .iter()
            .map(|row| {
                let geometry =
                    crate::pages::contours::commune_polygon(&state.territory, &row.code).unwrap_or(Value::Null);
                let mut properties = json!({
                    "code_insee": row.code,
                    "nom": row.nom,
                    "population": row.population,
                    "lieux": row.lieux,
                });
                if let Some(nearest) = &row.lieu_le_plus_proche {
                    properties["distance_km"] = json!((nearest.distance_km * 100.0).round() / 100.0);
                    properties["lieu_le_plus_proche"] = json!(nearest.id);
                }
                for (threshold, people) in &row.population_au_dela {
                    properties[format!("population_au_dela_{}", threshold.replace(' ', "_"))] = json!(people);
                }
                json!({"type": "Feature", "id": row.code, "geometry": geometry, "properties": properties})
            })
            .collect();
        Ok(features)
    })
    .await
}

/// Every feature of a collection, built on each request: the bassins' and the coverage's are
/// few and then cut by `bbox` and paging; the places' handlers search the directory instead.
async fn area_features(state: &WebState, collection: Collection) -> Result<Vec<Value>, WebError> {
    match collection {
        Collection::Bassins => bassin_features(state).await,
        Collection::Couverture => coverage_features(state).await,
        Collection::Lieux => Ok(state.directory.current().entries().iter().map(|entry| place_feature(entry)).collect()),
    }
}
