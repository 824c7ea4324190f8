//! Territory counts (`/api/v1/territoires/{niveau}/{code}`) and the map's low-zoom bubbles
//! (`/api/v1/regroupements`).

use axum::extract::{Path, RawQuery, State};
use axum::Json;
use maillage_app::directory::{Area, Query};
use maillage_app::territory::Level;
use maillage_domain::Vocabulary;
use serde_json::{json, Value};

use super::contract;
use crate::query::{self as params, Params, Use};
use crate::{WebError, WebState};

fn level(text: &str) -> Result<Level, WebError> {
    Level::parse(text)
        .ok_or_else(|| WebError::bad_parameter("niveau", "commune, epci, bassin, departement ou region attendu"))
}

/// `GET /api/v1/territoires/{niveau}/{code}`: name, places, counts per service and typologie
/// (with `filtres=` applied when given).
#[utoipa::path(
    get,
    path = "/api/v1/territoires/{niveau}/{code}",
    summary = "Chiffres d'un territoire",
    description = "Nom du territoire, nombre de lieux actifs, nombre de lieux par service et par typologie (filtres possibles).",
    params(contract::Territoire, contract::Filtres),
    responses(
        (status = 200, description = "Chiffres du territoire.", body = Object),
        contract::RefusedOrMissing,
    )
)]
pub async fn one(
    State(state): State<WebState>,
    Path((niveau, code)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, WebError> {
    let level = level(&niveau)?;
    let mut params = Params::parse(raw.as_deref())?;
    let filters = params::filters(&mut params)?;
    params.finish()?;
    let directory = state.directory.current();
    let code = match level {
        // Old and delegated commune codes lead to today's commune.
        Level::Commune => state.territory.resolve_code(&code).map(|c| c.code_insee.clone()).unwrap_or(code),
        _ => code,
    };
    if !directory.territory_exists(level, &code) {
        return Err(WebError::not_found(format!("territoire inconnu : {niveau} « {code} »")));
    }
    let query = Query { area: Area::Territories(vec![(level, code.clone())]), filters, ..Query::default() };
    let counts = directory.counts(&query).map_err(|err| WebError::bad_parameter(err.field, err.message))?;
    Ok(Json(json!({
        "niveau": level,
        "code": code,
        "nom": level.name_of(&state.territory, &code),
        "lieux": counts.total,
        "services": counts.services.iter().map(|(s, n)| json!({"service": s.label(), "lieux": n})).collect::<Vec<_>>(),
        "typologies": counts.typologies.iter().map(|(t, n)| json!({"typologie": t, "lieux": n})).collect::<Vec<_>>(),
        "departements": counts.departements,
    })))
}

/// `GET /api/v1/regroupements?niveau=region|departement&…`: matching places per région or
/// département at its centre, for the map at low zoom (same search parameters as `lieux.geojson`).
#[utoipa::path(
    get,
    path = "/api/v1/regroupements",
    summary = "Lieux par région ou département, pour la carte à petite échelle",
    description = "Nombre de lieux trouvés par région ou par département, placé au centre du territoire (mêmes paramètres de recherche que /api/v1/lieux.geojson).",
    params(contract::Regroupement, contract::Recherche),
    responses(
        (status = 200, description = "Regroupements.", body = Object),
        contract::Refused,
    )
)]
pub async fn bubbles(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Json<Value>, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let level = match params.get("niveau")? {
        None => Level::Region,
        Some(text) => match level(text)? {
            l @ (Level::Region | Level::Departement) => l,
            _ => return Err(WebError::bad_parameter("niveau", "region ou departement attendu")),
        },
    };
    let directory = state.directory.current();
    let query = params::search(&mut params, &directory, Use::All)?;
    params.finish()?;
    let bubbles = directory.bubbles(level, &query).map_err(|err| WebError::bad_parameter(err.field, err.message))?;
    Ok(Json(json!({
        "niveau": level,
        "regroupements": bubbles.iter().map(|b| json!({
            "code": b.code,
            "nom": b.name,
            "latitude": (b.point.lat * 1e5).round() / 1e5,
            "longitude": (b.point.lon * 1e5).round() / 1e5,
            "lieux": b.count,
        })).collect::<Vec<_>>(),
    })))
}
