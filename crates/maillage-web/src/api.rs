//! The JSON API, `/api/v1`, described by the OpenAPI document at `/api/openapi.json` (and
//! readable at `/api/docs`). Searches are answered from the in-memory directory; the store is
//! read only for a withdrawn place by id, coverage and exports.
//!
//! Every query parameter is checked: an unknown, repeated or invalid one is a 400 naming it
//! (`champ`) before anything else happens. Every route answers cross-origin GETs
//! (`Access-Control-Allow-Origin: *`): the data is open.

mod activite;
mod changes;
mod contract;
mod docs;
mod evenements;
mod export;
mod lieux;
mod limit;
mod projets;
mod territoires;

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};
use serde::Serialize;
use tower_http::cors::{Any, CorsLayer};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::query::{self, Params};
use crate::{WebError, WebState};

/// The largest coverage threshold: further than any two points of a région.
const MAX_THRESHOLD_KM: f64 = 1000.0;

pub use contract::{Erreur, ErreurDetail};
pub use limit::RateLimiter;

/// Every API route with its documentation: the router and the OpenAPI document are built
/// from this one list, so the document cannot miss a route (each handler's `#[utoipa::path]`
/// gives its path, parameters and answers).
fn documented() -> OpenApiRouter<WebState> {
    OpenApiRouter::with_openapi(contract::ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(communes))
        .routes(routes!(coverage))
        .routes(routes!(lieux::search))
        .routes(routes!(lieux::geojson))
        .routes(routes!(lieux::one))
        .routes(routes!(territoires::bubbles))
        .routes(routes!(territoires::one))
        .routes(routes!(export::export))
        .routes(routes!(changes::feed))
        .routes(routes!(changes::atom))
        .routes(routes!(evenements::list))
        .routes(routes!(evenements::one))
        .routes(routes!(activite::figures))
        .routes(routes!(projets::list))
        .routes(routes!(projets::one))
        .routes(routes!(docs::openapi))
        .routes(routes!(docs::page))
}

pub fn routes() -> Router<WebState> {
    // Nothing is routed here but through `documented`.
    let (router, document) = documented().split_for_parts();
    router
        .layer(Extension(Arc::new(docs::Document::new(document))))
        .layer(CorsLayer::new().allow_origin(Any).allow_methods([Method::GET, Method::HEAD]))
        // For clients that ask for it: the map's GeoJSON of a national registry is several
        // megabytes raw and a tenth of that compressed.
        .layer(tower_http::compression::CompressionLayer::new())
}

#[derive(Serialize, ToSchema)]
struct Health {
    statut: &'static str,
    base: &'static str,
    communes: usize,
}

#[utoipa::path(
    get,
    path = "/api/v1/sante",
    summary = "État du service",
    description = "Indique que le service répond, le moteur de base de données et le nombre de communes chargées.",
    responses((status = 200, description = "Service disponible.", body = Health))
)]
async fn health(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Json<Health>, WebError> {
    Params::parse(raw.as_deref())?.finish()?;
    Ok(Json(Health { statut: "ok", base: state.store.backend_name(), communes: state.territory.communes().len() }))
}

#[derive(Serialize, ToSchema)]
struct CommuneHit {
    code: String,
    nom: String,
    codes_postaux: Vec<String>,
    departement: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// Commune autocomplete: name or postcode prefix, accent-insensitive.
#[utoipa::path(
    get,
    path = "/api/v1/communes",
    summary = "Autocomplétion de communes",
    description = "Communes dont le nom ou le code postal commence par le texte donné, sans tenir compte des accents.",
    params(contract::Communes),
    responses(
        (status = 200, description = "Communes trouvées.", body = [CommuneHit]),
        contract::Refused,
    )
)]
async fn communes(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Json<Vec<CommuneHit>>, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let text = params
        .get("q")?
        .ok_or_else(|| WebError::bad_parameter("q", "indiquez le début d'un nom de commune ou d'un code postal"))?
        .to_owned();
    let limit = params.get("limite")?.map(|raw| query::integer("limite", raw, 1..=50)).transpose()?.unwrap_or(10);
    params.finish()?;
    let text = text.as_str();
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

/// Coverage ("zones blanches") at a level, with the priority score and its components.
#[utoipa::path(
    get,
    path = "/api/v1/couverture",
    summary = "Couverture (zones blanches)",
    description = "Distance de chaque territoire au lieu le plus proche, population au-delà des seuils et score de priorité « où agir d'abord ». La réponse est compressée (gzip ou br) pour les clients qui l'acceptent. Limité par client : 20 demandes d'affilée puis une toutes les 3 secondes ; au-delà, réponse 429 avec l'en-tête Retry-After.",
    params(contract::Couverture),
    responses(
        (status = 200, description = "Rapport de couverture.", body = Object),
        contract::Refused,
        (status = 429, description = "Trop de demandes de ce client ; réessayer après le délai de l'en-tête Retry-After.", body = contract::Erreur),
    )
)]
async fn coverage(
    State(state): State<WebState>,
    client: crate::extract::ClientAddress,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    use maillage_app::coverage::{CoverageRequest, Scope};
    let mut params = Params::parse(raw.as_deref())?;
    let level = match params.get("niveau")? {
        None => maillage_app::territory::Level::Commune,
        Some(text) => maillage_app::territory::Level::parse(text)
            .ok_or_else(|| WebError::bad_parameter("niveau", "commune, epci, bassin, departement ou region attendu"))?,
    };
    // Filters separated by `;` (all must hold): `service=…;gratuit;jour=mardi`, as a search.
    let filters = query::filters(&mut params)?;
    let scope = match params.get("perimetre")? {
        None | Some("hub") => Scope::Hub,
        Some("france") => Scope::France,
        Some(_) => return Err(WebError::bad_parameter("perimetre", "hub ou france attendu")),
    };
    let thresholds_km = match params.get("seuils")? {
        None => maillage_coverage::DEFAULT_THRESHOLDS_KM.to_vec(),
        Some(text) => {
            let refused = || {
                WebError::bad_parameter("seuils", "distances en km de 0 à 1000, séparées par des virgules (10 au plus)")
            };
            // A decimal comma would be read as a separator: thresholds are written with a point.
            let values = text
                .split(',')
                .map(|t| t.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0 && *v <= MAX_THRESHOLD_KM))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(refused)?;
            if values.is_empty() || values.len() > 10 {
                return Err(refused());
            }
            values
        }
    };
    let by_priority = match params.get("tri")? {
        None | Some("code") => false,
        Some("priorite") => true,
        Some(_) => return Err(WebError::bad_parameter("tri", "code ou priorite attendu")),
    };
    let limit = params.get("limite")?.map(|raw| query::integer("limite", raw, 1..=100_000)).transpose()?;
    params.finish()?;
    if let Err(wait) = state.coverage_limiter.check(client.0) {
        let seconds = wait.as_secs() + 1;
        let message = format!("trop de demandes de couverture : réessayez dans {seconds} s");
        return Err(WebError::too_many("Trop de demandes", message, Some(seconds)));
    }
    let request = CoverageRequest { level, filters, scope, thresholds_km, by_priority, limit };
    let report = tokio::task::spawn_blocking(move || {
        let report = state.coverage.coverage(state.store.as_ref(), &state.territory, &request)?;
        // Written once per cached answer, on this blocking thread: megabytes for France.
        report.json();
        Ok::<_, maillage_app::AppError>(report)
    })
    .await
    .map_err(WebError::internal)??;
    // The cached bytes themselves, not a copy: answers share them.
    let body = axum::body::Bytes::from_owner(CachedJson(report));
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// A cached coverage answer's JSON as a response body.
struct CachedJson(std::sync::Arc<maillage_app::coverage::CachedCoverage>);

impl AsRef<[u8]> for CachedJson {
    fn as_ref(&self) -> &[u8] {
        self.0.json()
    }
}
