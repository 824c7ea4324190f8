//! The territorial projects as open data: `/api/v1/projets` (the projethèque's published
//! projects, filtered and paged as the page is) and `/api/v1/projets/{id}`.

use axum::extract::{Path, RawQuery, State};
use axum::Json;
use maillage_app::pnt;
use serde_json::{json, Value};
use utoipa::IntoParams;

use super::contract;
use crate::pages::pnt::{project_request, public};
use crate::query::Params;
use crate::{WebError, WebState};

/// The projethèque's filters and paging (read by `project_request`; here for the document).
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiltresProjets {
    /// Nom d'un bassin de vie du hub (« Chinon »).
    bassin: Option<String>,
    /// Territoire : « bassin:Chinon », « departement:37 » ou « region:24 ».
    territoire: Option<String>,
    /// Étape : idee, proposition, en_cours, vote ou abandonne.
    etape: Option<String>,
    /// Axe ou enjeu (la clé de l'enjeu du PNT).
    axe: Option<String>,
    /// Type de besoin : argent, etp, equipement, expertise ou autre.
    besoin: Option<String>,
    /// Le « suivant » de la page précédente.
    apres: Option<String>,
    /// Nombre de projets par page.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limite: Option<usize>,
}

/// The id of a project (for the document).
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdProjet {
    /// Identifiant du projet.
    id: String,
}

fn project_json(project: &maillage_store::Project) -> Value {
    json!({
        "id": project.id,
        "titre": project.title,
        "description": project.description,
        "territoires": project.territories.iter().map(|t| t.key()).collect::<Vec<_>>(),
        "axe": project.axe,
        "etape": project.stage.as_str(),
        "etape_libelle": project.stage.label(),
        "besoins": project.needs.iter().map(|n| json!({
            "type": n.kind.as_str(), "montant_euros": n.amount, "etp": n.etp, "description": n.description,
        })).collect::<Vec<_>>(),
        "communes": project.communes,
        "mis_a_jour": project.updated_at,
    })
}

/// `GET /api/v1/projets`: published projects, by title, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/projets",
    summary = "Projets numériques de territoire publiés",
    description = "La projethèque : les projets publiés par le hub, triés par titre, filtrables par bassin, territoire, étape, axe et besoin, une page à la fois (« suivant » donne la page d'après).",
    params(FiltresProjets),
    responses((status = 200, description = "Une page de projets.", body = Object), contract::Refused)
)]
pub async fn list(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Json<Value>, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let request = project_request(&state, &mut params)?;
    params.finish()?;
    let (filter, after, limit) = (request.filter, request.after, request.limit);
    let page = public(&state, move |ctx| pnt::public_projects(ctx, &filter, after.as_deref(), limit))
        .await
        // A cursor the use case cannot read is a parameter of the request, refused as the API
        // refuses every other parameter (400 naming it), not a form's 422.
        .map_err(|err| match (err.status, err.field.clone()) {
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, Some(field)) => WebError::bad_parameter(&field, err.message),
            _ => err,
        })?;
    Ok(Json(json!({
        "total": page.total,
        "suivant": page.next,
        "projets": page.projects.iter().map(project_json).collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/projets/{id}`: one published project, with its timeline and funding.
#[utoipa::path(
    get,
    path = "/api/v1/projets/{id}",
    summary = "Un projet publié",
    description = "Un projet publié avec son parcours d'étapes, ses besoins, ses financements et les étapes d'incubateur (les organisations par leur nom public).",
    params(IdProjet),
    responses((status = 200, description = "Le projet.", body = Object), contract::RefusedOrMissing)
)]
pub async fn one(
    State(state): State<WebState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, WebError> {
    Params::parse(raw.as_deref())?.finish()?;
    let (project, names) = public(&state, move |ctx| {
        let project = pnt::project(ctx, &maillage_app::accounts::Actor::Public, &id)
            .map_err(|_| maillage_app::AppError::Store(maillage_store::project_not_found(&id)))?;
        let names = pnt::party_names(ctx, &project)?;
        Ok((project, names))
    })
    .await?;
    let name = |party: &maillage_store::Party| pnt::party_name(party, &names);
    let mut value = project_json(&project);
    value["porteurs"] = json!(project.carriers.iter().map(name).collect::<Vec<_>>());
    value["partenaires"] = json!(project.partners.iter().map(name).collect::<Vec<_>>());
    value["financements"] = json!(project
        .funding
        .iter()
        .map(|f| json!({
            "financeur": name(&f.funder), "montant_euros": f.amount, "statut": f.status.as_str(),
        }))
        .collect::<Vec<_>>());
    value["parcours"] = json!(project
        .stages
        .iter()
        .map(|s| json!({
            "etape": s.stage.as_str(), "le": s.at, "motif": s.reason,
        }))
        .collect::<Vec<_>>());
    value["incubateur"] = json!(project.incubator.iter().map(|s| json!({
        "etape": s.stage.as_str(), "date": s.date, "participants": s.participants.iter().map(name).collect::<Vec<_>>(),
        "productions": s.outputs, "budget_amorcage_euros": s.seed_budget,
    })).collect::<Vec<_>>());
    Ok(Json(value))
}
