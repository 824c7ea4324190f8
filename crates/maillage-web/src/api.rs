//! The JSON API, `/api/v1`.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::{ApiError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new().route("/api/v1/sante", get(health)).route("/api/v1/communes", get(communes))
}

#[derive(Serialize)]
struct Health {
    statut: &'static str,
    base: &'static str,
    communes: usize,
}

async fn health(State(state): State<WebState>) -> Json<Health> {
    Json(Health { statut: "ok", base: state.store.backend_name(), communes: state.territory.communes().len() })
}

#[derive(Deserialize)]
struct CommuneQuery {
    q: Option<String>,
    limite: Option<String>,
}

#[derive(Serialize)]
struct CommuneHit {
    code: String,
    nom: String,
    codes_postaux: Vec<String>,
    departement: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// Commune autocomplete: name or postcode prefix, accent-insensitive.
async fn communes(
    State(state): State<WebState>,
    Query(query): Query<CommuneQuery>,
) -> Result<Json<Vec<CommuneHit>>, ApiError> {
    let text = query.q.as_deref().map(str::trim).unwrap_or("");
    if text.is_empty() {
        return Err(ApiError::bad_parameter("q", "indiquez le début d'un nom de commune ou d'un code postal"));
    }
    let limit = match query.limite.as_deref() {
        None => 10,
        Some(raw) => match raw.parse::<usize>() {
            Ok(limit) if (1..=50).contains(&limit) => limit,
            _ => return Err(ApiError::bad_parameter("limite", "nombre entier de 1 à 50 attendu")),
        },
    };
    let hits = state
        .territory
        .search_communes(text, limit)
        .into_iter()
        .map(|commune| CommuneHit {
            code: commune.code_insee.clone(),
            nom: commune.name.clone(),
            codes_postaux: commune.postcodes.clone(),
            departement: commune.code_departement.clone(),
            latitude: commune.point.map(|p| p.lat),
            longitude: commune.point.map(|p| p.lon),
        })
        .collect();
    Ok(Json(hits))
}
