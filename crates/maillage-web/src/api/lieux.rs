//! Places: search (`/api/v1/lieux`), the map's GeoJSON (`/api/v1/lieux.geojson`) and one place
//! in the standard's fields with the registry's envelope (`/api/v1/lieux/{id}`).

use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maillage_app::directory::{DirectoryEntry, Hit};
use maillage_domain::{Itinerance, Place, PlaceId, Service, Vocabulary};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::contract;
use crate::query::{self as params, Params, Use};
use crate::{WebError, WebState};

/// A place as a search lists it: what a list row or a map popup shows.
#[derive(Serialize, ToSchema)]
#[schema(as = LieuCompact)]
pub struct Compact<'a> {
    id: &'a str,
    nom: &'a str,
    commune: &'a str,
    code_postal: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_insee: Option<&'a str>,
    adresse: &'a str,
    latitude: Option<f64>,
    longitude: Option<f64>,
    /// True when the point is the commune's, the place having no coordinates.
    /// Vrai quand la position est celle de la commune.
    position_approximative: bool,
    services: Vec<&'static str>,
    typologie: &'a [String],
    itinerant: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    telephone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    horaires: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    departement: Option<&'a str>,
    source: &'a str,
    /// Distance au point de recherche (written after the object, per search).
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_km: Option<f64>,
}

/// The name the document gives a compact place.
pub type LieuCompact = Compact<'static>;

fn compact(entry: &DirectoryEntry) -> Compact<'_> {
    let record = &entry.place.record;
    Compact {
        id: entry.id(),
        nom: &record.nom,
        commune: &record.commune,
        code_postal: &record.code_postal,
        code_insee: record.code_insee.as_deref(),
        adresse: &record.adresse,
        latitude: entry.point.map(|p| p.lat),
        longitude: entry.point.map(|p| p.lon),
        position_approximative: record.coordinates.is_none(),
        services: record.services.iter().map(|s| s.label()).collect(),
        typologie: &record.typologie,
        itinerant: record.itinerance.contains(&Itinerance::Itinerant),
        telephone: record.telephone.as_deref(),
        horaires: record.horaires.as_ref().map(|h| h.as_str()),
        departement: entry.location.as_ref().map(|l| l.code_departement.as_str()),
        source: &entry.place.source,
        distance_km: None,
    }
}

/// Writes a hit: the entry's object, serialised once and kept with it (everything but the
/// distance), then the distance of this search.
fn write_hit(out: &mut Vec<u8>, hit: &Hit) {
    let object = hit.entry.rendered(|entry| serde_json::to_string(&compact(entry)).unwrap_or_else(|_| "{}".to_owned()));
    let open = object.strip_suffix('}').unwrap_or(object);
    out.extend_from_slice(open.as_bytes());
    if let Some(km) = hit.distance_km {
        // Metres are enough for people, and shorter on the wire.
        let km = (km * 1000.0).round() / 1000.0;
        out.extend_from_slice(if open.ends_with('{') { b"\"distance_km\":" } else { b",\"distance_km\":" });
        out.extend_from_slice(serde_json::Number::from_f64(km).map(|n| n.to_string()).unwrap_or_default().as_bytes());
    }
    out.push(b'}');
}

fn json_response(body: Vec<u8>, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// `GET /api/v1/lieux`: one page of places.
#[utoipa::path(
    get,
    path = "/api/v1/lieux",
    summary = "Rechercher des lieux",
    description = "Une page de lieux actifs : dans une zone (partout, rectangle, rayon autour d'un point ou territoires), filtrés, ouverts à un moment donné, triés du plus proche au plus loin ou par nom. « total » compte tous les lieux trouvés ; « curseur_suivant » donne la page suivante (absent à la dernière page).",
    params(contract::Recherche, contract::Pagination),
    responses(
        (status = 200, description = "Une page de lieux.", body = contract::PageDeLieux),
        contract::Refused,
    )
)]
pub async fn search(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let directory = state.directory.current();
    let mut params = Params::parse(raw.as_deref())?;
    let query = params::search(&mut params, &directory, Use::Page)?;
    params.finish()?;
    let result = directory.search(&query).map_err(|err| WebError::bad_parameter(err.field, err.message))?;
    let mut body = Vec::with_capacity(256 + result.hits.len() * 640);
    body.extend_from_slice(format!("{{\"total\":{},\"lieux\":[", result.total).as_bytes());
    for (i, hit) in result.hits.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        write_hit(&mut body, hit);
    }
    body.extend_from_slice(b"],\"curseur_suivant\":");
    match result.next_cursor {
        // Cursors are hexadecimal: nothing to escape.
        Some(cursor) => body.extend_from_slice(format!("\"{}\"", cursor.encode()).as_bytes()),
        None => body.extend_from_slice(b"null"),
    }
    body.push(b'}');
    Ok(json_response(body, "application/json"))
}

#[derive(Serialize)]
struct Feature<'a> {
    r#type: &'static str,
    id: &'a str,
    geometry: Geometry,
    properties: FeatureProperties<'a>,
}

#[derive(Serialize)]
struct Geometry {
    r#type: &'static str,
    coordinates: [f64; 2],
}

#[derive(Serialize)]
struct FeatureProperties<'a> {
    nom: &'a str,
    /// Indexes into the collection's `services` list.
    s: Vec<u8>,
}

#[derive(Serialize)]
struct Collection<'a> {
    r#type: &'static str,
    /// The labels the features' `s` indexes point to.
    services: Vec<&'static str>,
    features: Vec<Feature<'a>>,
}

/// `GET /api/v1/lieux.geojson`: every matching place with a point, compact, for the map.
#[utoipa::path(
    get,
    path = "/api/v1/lieux.geojson",
    summary = "Tous les lieux trouvés, pour la carte",
    description = "Collection GeoJSON compacte de tous les lieux trouvés (mêmes paramètres de recherche que /api/v1/lieux, sans pagination) : identifiant, nom, position et services sous forme d'indices dans la liste « services » de la collection.",
    params(contract::Recherche),
    responses(
        (status = 200, description = "Collection GeoJSON.", body = Object, content_type = "application/geo+json"),
        contract::Refused,
    )
)]
pub async fn geojson(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let directory = state.directory.current();
    let mut params = Params::parse(raw.as_deref())?;
    let query = params::search(&mut params, &directory, Use::All)?;
    params.finish()?;
    let hits = directory.matching(&query).map_err(|err| WebError::bad_parameter(err.field, err.message))?;
    // Five decimals are a metre: enough for a map marker.
    let round = |v: f64| (v * 1e5).round() / 1e5;
    let features = hits
        .iter()
        .filter_map(|hit| {
            let point = hit.entry.point?;
            Some(Feature {
                r#type: "Feature",
                id: hit.entry.id(),
                geometry: Geometry { r#type: "Point", coordinates: [round(point.lon), round(point.lat)] },
                properties: FeatureProperties {
                    nom: &hit.entry.place.record.nom,
                    s: hit
                        .entry
                        .place
                        .record
                        .services
                        .iter()
                        .map(|s| Service::all().iter().position(|x| x == s).unwrap_or(0) as u8)
                        .collect(),
                },
            })
        })
        .collect();
    let collection = Collection {
        r#type: "FeatureCollection",
        services: Service::all().iter().map(|s| s.label()).collect(),
        features,
    };
    let body = serde_json::to_vec(&collection).map_err(WebError::internal)?;
    Ok(json_response(body, "application/geo+json"))
}

/// `GET /api/v1/lieux/{id}`: the standard's fields and the registry's envelope. Withdrawn
/// places are still answered (from the store), with their status.
#[utoipa::path(
    get,
    path = "/api/v1/lieux/{id}",
    summary = "Un lieu",
    description = "Tous les champs du standard (« lieu », noms de champs du standard), l'enveloppe du registre (« registre » : source, identifiant dans la source, statut, version, date_maj), son territoire et « ouvert_maintenant » (heure de Paris, jours fériés compris ; null sans horaires). Un lieu retiré reste consultable avec le statut « retiré ».",
    params(contract::Lieu),
    responses(
        (status = 200, description = "Le lieu.", body = Object),
        contract::RefusedOrMissing,
    )
)]
pub async fn one(
    State(state): State<WebState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    Params::parse(raw.as_deref())?.finish()?;
    let directory = state.directory.current();
    let now = maillage_domain::paris_local(maillage_store::now());
    let mut open_now = None;
    let (place, location) = match directory.get(&id) {
        Some(entry) => {
            open_now = entry.is_open_at(now);
            (entry.place.clone(), entry.location.clone())
        }
        None => {
            let store = state.store.clone();
            let key = PlaceId(id.clone());
            let found = tokio::task::spawn_blocking(move || store.place(&key)).await.map_err(WebError::internal)??;
            match found {
                Some(place) => {
                    let location =
                        maillage_app::territory::locate(&state.territory, directory.bassins(), &place.record);
                    (std::sync::Arc::new(place), location)
                }
                None => return Err(WebError::not_found(format!("aucun lieu n'a l'identifiant « {id} »"))),
            }
        }
    };
    let mut answer = full(&place, location.as_ref());
    // Whether it is open now (Paris time, public holidays applied): null without hours, and
    // for a place no longer served.
    answer["ouvert_maintenant"] = json!(open_now);
    let body = serde_json::to_vec(&answer).map_err(WebError::internal)?;
    Ok(json_response(body, "application/json"))
}

fn full(place: &Place, location: Option<&maillage_app::territory::PlaceLocation>) -> Value {
    json!({
        "lieu": maillage_formats::export::standard_object(place),
        "registre": {
            "id": place.id.0,
            "source": place.source,
            "id_source": place.source_id,
            "statut": match place.status {
                maillage_domain::PlaceStatus::Active => "actif",
                maillage_domain::PlaceStatus::Withdrawn => "retiré",
            },
            "version": place.version,
            "date_maj": place.published_date_maj().to_string(),
            "cree_le": place.created_at.to_rfc3339(),
            "modifie_le": place.updated_at.to_rfc3339(),
        },
        "territoire": location.map(|l| json!({
            "commune": l.code_commune,
            "nom_commune": l.commune,
            "epci": l.code_epci,
            "bassin": l.bassin,
            "departement": l.code_departement,
            "region": l.code_region,
        })),
    })
}
