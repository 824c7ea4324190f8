//! The agenda's JSON API (`/api/v1/evenements`): published events, filtered as the public
//! agenda filters them. No personal data: organisers and contacts as the event gives them,
//! seats left as a number, never a registrant.

use axum::extract::{Path, RawQuery};
use axum::Json;
use chrono::NaiveDate;
use maillage_app::agenda::{self, EventFilter};
use maillage_store::{AgendaKind, Event};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::contract;
use crate::extract::App;
use crate::query::Params;
use crate::WebError;

/// The filters of the list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Filtres {
    /// Territoire à tout niveau : code de région, de département, nom de bassin de vie, SIREN d'EPCI ou code INSEE de commune.
    territoire: Option<String>,
    /// Type d'événement : reunion_bassin, rencontre_mediateurs, comite, carrefour, atelier, formation, hackathon, webinaire, grand_public, autre.
    #[param(rename = "type")]
    type_: Option<String>,
    /// Public visé (sans tenir compte des accents ni de la casse).
    public: Option<String>,
    /// Premier jour (AAAA-MM-JJ, heure de Paris) ; par défaut aujourd'hui.
    du: Option<String>,
    /// Dernier jour (AAAA-MM-JJ, heure de Paris).
    au: Option<String>,
}

/// One sitting of an event.
#[derive(Serialize, ToSchema)]
pub struct Seance {
    /// Début (RFC 3339, heure de Paris).
    debut: String,
    /// Fin (RFC 3339, heure de Paris).
    fin: String,
}

/// A published event.
#[derive(Serialize, ToSchema)]
pub struct Evenement {
    id: String,
    titre: String,
    description: String,
    /// Clé du type (reunion_bassin…).
    #[serde(rename = "type")]
    type_: &'static str,
    type_libelle: &'static str,
    /// region, departement, bassin, epci ou commune.
    echelle: &'static str,
    territoire: String,
    departement: Option<String>,
    /// programme, reporte, complet ou annule.
    statut: &'static str,
    seances: Vec<Seance>,
    adresse: Option<String>,
    lieu: Option<String>,
    lien_en_ligne: Option<String>,
    publics: Vec<String>,
    organisateurs: Vec<String>,
    projets: Vec<String>,
    inscription: bool,
    capacite: Option<u32>,
    url: String,
    ics: String,
    /// Augmente à chaque modification (SEQUENCE iCalendar).
    sequence: u32,
}

fn evenement(event: &Event, base_url: &str) -> Evenement {
    let local = |at| agenda::paris(at).to_rfc3339();
    Evenement {
        id: event.id.clone(),
        titre: event.title.clone(),
        description: event.description.clone(),
        type_: event.kind.as_str(),
        type_libelle: event.kind.label(),
        echelle: event.scale.as_str(),
        territoire: event.territory.clone(),
        departement: event.departement.clone(),
        statut: event.status.as_str(),
        seances: event.sessions.iter().map(|s| Seance { debut: local(s.start), fin: local(s.end) }).collect(),
        adresse: event.address.clone(),
        lieu: event.place_id.as_ref().map(|p| p.0.clone()),
        lien_en_ligne: event.online_url.clone(),
        publics: event.publics.clone(),
        organisateurs: event.organisers.clone(),
        projets: event.projects.clone(),
        inscription: event.registration,
        capacite: event.capacity,
        url: format!("{base_url}/agenda/{}", event.id),
        ics: format!("{base_url}/agenda/{}/evenement.ics", event.id),
        sequence: event.sequence,
    }
}

fn day(params: &mut Params, name: &'static str) -> Result<Option<NaiveDate>, WebError> {
    match params.get(name)? {
        None => Ok(None),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| WebError::bad_parameter(name, format!("« {text} » n'est pas une date (AAAA-MM-JJ)"))),
    }
}

/// `GET /api/v1/evenements`: published events, by start.
#[utoipa::path(
    get,
    path = "/api/v1/evenements",
    summary = "Agenda des temps forts",
    description = "Événements publiés de l'agenda (réunions de bassin, rencontres, carrefours, formations…), du plus proche au plus lointain, filtrés par territoire (à tout niveau), type, public et période. Aucune donnée personnelle : ni inscrits ni coordonnées d'inscrits.",
    params(Filtres),
    responses(
        (status = 200, description = "Événements trouvés.", body = [Evenement]),
        contract::Refused,
    )
)]
pub async fn list(app: App, RawQuery(raw): RawQuery) -> Result<Json<Vec<Evenement>>, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let territory = params.get("territoire")?.map(str::to_owned);
    let kind = match params.get("type")? {
        None => None,
        Some(key) => Some(
            AgendaKind::parse(key)
                .ok_or_else(|| WebError::bad_parameter("type", format!("type inconnu : « {key} »")))?,
        ),
    };
    let public = params.get("public")?.map(str::to_owned);
    let (from, to) = (day(&mut params, "du")?, day(&mut params, "au")?);
    params.finish()?;
    let midnight = |d: NaiveDate| agenda::parse_local(d.and_time(chrono::NaiveTime::MIN));
    let filter = EventFilter {
        territory,
        kind,
        public,
        from: from.and_then(midnight).or(Some(maillage_store::now())),
        to: to.and_then(|d| d.succ_opt()).and_then(midnight),
    };
    let base_url = app.config.base_url.clone();
    let index = app.state.agenda_events().await.map_err(WebError::json)?;
    Ok(Json(index.select(&filter).into_iter().map(|entry| evenement(&entry.event, &base_url)).collect()))
}

/// `GET /api/v1/evenements/{id}`: one published event.
#[utoipa::path(
    get,
    path = "/api/v1/evenements/{id}",
    summary = "Un événement de l'agenda",
    description = "Un événement publié, sans donnée personnelle.",
    params(("id" = String, Path, description = "Identifiant de l'événement.")),
    responses(
        (status = 200, description = "L'événement.", body = Evenement),
        contract::RefusedOrMissing,
    )
)]
pub async fn one(app: App, Path(id): Path<String>, RawQuery(raw): RawQuery) -> Result<Json<Evenement>, WebError> {
    Params::parse(raw.as_deref())?.finish()?;
    let base_url = app.config.base_url.clone();
    let event = app.run(move |ctx| agenda::public_event(ctx, &id)).await.map_err(|e| WebError::from(e).json())?;
    Ok(Json(evenement(&event, &base_url)))
}
