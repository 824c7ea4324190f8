//! The public side of the projets numériques de territoire: a territory's PNT page (its
//! published projects by stage, the portrait from what exists: places, coverage and priority,
//! IFN; its enjeux, objectives and closed votes), the regional projethèque (`/projets`,
//! filtered by bassin, stage, axe and need, paged by cursor, without JavaScript), a project's
//! page with its evidence, the CSV and ODS exports, and the participant's ballot page.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maillage_app::context::Context;
use maillage_app::coverage::CoverageRequest;
use maillage_app::pnt::evidence::{self, Evidence};
use maillage_app::pnt::votes::{self, BallotView};
use maillage_app::pnt::{self, ProjectFilter, ProjectPage};
use maillage_app::territory::Level;
use maillage_store::{NeedKind, Pnt, PntLevel, PntTerritory, Stage};

use super::{render, Layout, Site};
use crate::extract::App;
use crate::pnt_view::{ProjectView, VoteView};
use crate::query::{self, Params};
use crate::render::{attachment, CSV, ODS};
use crate::state::AccountsConfig;
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/pnt/{territoire}", get(territory_page))
        .route("/projets", get(projects_page))
        .route("/projets.csv", get(export_csv))
        .route("/projets.ods", get(export_ods))
        .route("/projets/{id}", get(project_page))
        .route("/vote/{id}", get(ballot_page).post(ballot_post))
}

/// Projects a page shows by default.
pub const PAGE: usize = 20;

/// What a projethèque request asks: the filter, a cursor, a page size.
pub struct ProjectRequest {
    pub filter: ProjectFilter,
    pub after: Option<String>,
    pub limit: usize,
    /// The values as given, to fill the form again.
    pub bassin: String,
    pub stage: String,
    pub axe: String,
    pub need: String,
}

/// Reads the projethèque's parameters (`bassin`, `territoire`, `etape`, `axe`, `besoin`,
/// `apres`, `limite`); an unknown bassin, stage or need is refused naming the parameter.
pub fn project_request(state: &WebState, params: &mut Params) -> Result<ProjectRequest, WebError> {
    let directory = state.directory.current();
    let mut territory = None;
    let bassin = params.get("bassin")?.map(str::to_owned).unwrap_or_default();
    if !bassin.is_empty() {
        if !directory.territory_exists(Level::Bassin, &bassin) {
            return Err(WebError::bad_parameter("bassin", format!("bassin de vie inconnu « {bassin} »")));
        }
        territory = Some(PntTerritory::bassin(&bassin));
    }
    if let Some(key) = params.get("territoire")? {
        let parsed = PntTerritory::parse_key(key).ok_or_else(|| {
            WebError::bad_parameter("territoire", "bassin:Nom, departement:code ou region:code attendu")
        })?;
        let level = match parsed.level {
            PntLevel::Bassin => Level::Bassin,
            PntLevel::Departement => Level::Departement,
            PntLevel::Region => Level::Region,
        };
        if !directory.territory_exists(level, &parsed.code) {
            return Err(WebError::bad_parameter("territoire", format!("territoire inconnu « {key} »")));
        }
        territory = Some(parsed);
    }
    let stage = params.get("etape")?.map(str::to_owned).unwrap_or_default();
    let stage_filter = match stage.as_str() {
        "" => None,
        key => Some(Stage::parse(key).ok_or_else(|| {
            WebError::bad_parameter("etape", "idee, proposition, en_cours, vote ou abandonne attendu")
        })?),
    };
    let need = params.get("besoin")?.map(str::to_owned).unwrap_or_default();
    let need_filter =
        match need.as_str() {
            "" => None,
            key => Some(NeedKind::parse(key).ok_or_else(|| {
                WebError::bad_parameter("besoin", "argent, etp, equipement, expertise ou autre attendu")
            })?),
        };
    let axe = params.get("axe")?.map(|a| a.trim().to_owned()).unwrap_or_default();
    let after = params.get("apres")?.map(str::to_owned);
    let limit = match params.get("limite")? {
        Some(text) => query::integer("limite", text, 1..=pnt::MAX_PAGE)?,
        None => PAGE,
    };
    Ok(ProjectRequest {
        filter: ProjectFilter {
            territory,
            stage: stage_filter,
            axe: Some(axe.clone()).filter(|a| !a.is_empty()),
            need: need_filter,
        },
        after,
        limit,
        bassin,
        stage,
        axe,
        need,
    })
}

/// Runs a public read on a blocking thread, with a context that needs nothing but the store.
pub async fn public<T: Send + 'static>(
    state: &WebState,
    work: impl FnOnce(&Context<'_>) -> maillage_app::AppResult<T> + Send + 'static,
) -> Result<T, WebError> {
    let store = state.store.clone();
    Ok(tokio::task::spawn_blocking(move || work(&Context::new(store.as_ref()))).await??)
}

pub struct ListItem {
    pub id: String,
    pub title: String,
    pub stage: &'static str,
    pub territories: String,
    pub needs: String,
}

impl ListItem {
    fn of(project: &maillage_store::Project) -> ListItem {
        let mut kinds: Vec<&str> = project.needs.iter().map(|n| n.kind.label()).collect();
        kinds.dedup();
        ListItem {
            id: project.id.clone(),
            title: project.title.clone(),
            stage: project.stage.label(),
            territories: project.territories.iter().map(pnt::territory_label).collect::<Vec<_>>().join(", "),
            needs: kinds.join(", "),
        }
    }
}

#[derive(Template)]
#[template(path = "projets.html")]
struct ProjectsPage {
    layout: Layout,
    bassins: Vec<String>,
    stages: Vec<(&'static str, &'static str)>,
    needs: Vec<(&'static str, &'static str)>,
    request_bassin: String,
    request_stage: String,
    request_axe: String,
    request_need: String,
    items: Vec<ListItem>,
    total: u64,
    next: Option<String>,
    export_query: String,
}

fn encode(text: &str) -> String {
    crate::pnt_view::urlencode(text)
}

async fn projects_page(
    State(state): State<WebState>,
    Extension(site): Site,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let request = project_request(&state, &mut params)?;
    params.finish()?;
    let (filter, after, limit) = (request.filter.clone(), request.after.clone(), request.limit);
    let page: ProjectPage =
        public(&state, move |ctx| pnt::public_projects(ctx, &filter, after.as_deref(), limit)).await?;
    let mut bassins: Vec<String> = state.directory.current().bassins().bassins().keys().cloned().collect();
    bassins.sort();
    let mut kept = Vec::new();
    for (key, value) in
        [("bassin", &request.bassin), ("etape", &request.stage), ("axe", &request.axe), ("besoin", &request.need)]
    {
        if !value.is_empty() {
            kept.push(format!("{key}={}", encode(value)));
        }
    }
    let export_query = kept.join("&");
    let next = page.next.as_ref().map(|cursor| {
        let mut query = kept.clone();
        query.push(format!("apres={}", encode(cursor)));
        query.join("&")
    });
    let view = ProjectsPage {
        layout: Layout::new(&site, "Projethèque : les projets numériques des territoires", "projets"),
        bassins,
        stages: Stage::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        needs: NeedKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        request_bassin: request.bassin,
        request_stage: request.stage,
        request_axe: request.axe,
        request_need: request.need,
        items: page.projects.iter().map(ListItem::of).collect(),
        total: page.total,
        next,
        export_query,
    };
    Ok(render(StatusCode::OK, &view, false))
}

async fn export(state: WebState, raw: Option<String>, ods: bool) -> Result<Response, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let request = project_request(&state, &mut params)?;
    params.finish()?;
    let filter = request.filter;
    let bytes = public(&state, move |ctx| {
        let projects = pnt::all_public_projects(ctx, &filter)?;
        let names = pnt::export::names(ctx, &projects)?;
        if ods {
            pnt::export::projects_ods(&projects, &names)
        } else {
            pnt::export::projects_csv(&projects, &names)
        }
    })
    .await?;
    let (kind, name) = if ods { (ODS, "projets.ods") } else { (CSV, "projets.csv") };
    Ok(attachment(kind, name, bytes))
}

async fn export_csv(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    export(state, raw, false).await
}

async fn export_ods(State(state): State<WebState>, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    export(state, raw, true).await
}

struct StageGroup {
    label: &'static str,
    items: Vec<ListItem>,
}

/// What the registry says of the territory (places, coverage, priority, IFN).
struct Portrait {
    places: Option<u32>,
    population: u64,
    communes: u32,
    communes_without: u32,
    beyond_10_km: u64,
    priority: Option<f64>,
    ifn: Option<f64>,
}

#[derive(Template)]
#[template(path = "pnt.html")]
struct TerritoryPage {
    layout: Layout,
    label: String,
    key: String,
    plan: Option<Pnt>,
    actors: Vec<String>,
    groups: Vec<StageGroup>,
    portrait: Option<Portrait>,
    votes: Vec<VoteView>,
}

async fn territory_page(
    State(state): State<WebState>,
    Extension(site): Site,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let territory = PntTerritory::parse_key(&key).ok_or_else(|| WebError::not_found("Territoire inconnu."))?;
    let level = match territory.level {
        PntLevel::Bassin => Level::Bassin,
        PntLevel::Departement => Level::Departement,
        PntLevel::Region => Level::Region,
    };
    if !state.directory.current().territory_exists(level, &territory.code) {
        return Err(WebError::not_found(
            "Ce territoire est inconnu : un bassin de vie du hub, un département ou une région.",
        ));
    }
    let t = territory.clone();
    let coverage_state = state.clone();
    let (plan, actors, projects, votes, portrait) = public(&state, move |ctx| {
        let plan = pnt::plan(ctx, &t)?;
        let actors = match &plan {
            Some(plan) => maillage_app::actors::public_names(ctx.store, &plan.actors)?.into_values().collect(),
            None => Vec::new(),
        };
        let filter = ProjectFilter { territory: Some(t.clone()), ..ProjectFilter::default() };
        let projects = pnt::all_public_projects(ctx, &filter)?;
        let votes = votes::closed_votes(ctx, &t)?;
        let request = CoverageRequest { level, ..CoverageRequest::default() };
        let report = coverage_state.coverage.coverage(ctx.store, &coverage_state.territory, &request)?;
        let portrait = report.report.lignes.iter().find(|row| row.code == t.code).map(|row| Portrait {
            places: Some(row.lieux),
            population: row.population,
            communes: row.communes,
            communes_without: row.communes_sans_lieu,
            beyond_10_km: row.population_au_dela.get("10 km").copied().unwrap_or(0),
            priority: row.priorite.as_ref().map(|p| p.score),
            ifn: row.priorite.as_ref().and_then(|p| p.ifn),
        });
        Ok((plan, actors, projects, votes, portrait))
    })
    .await?;
    let groups = Stage::ALL
        .iter()
        .map(|stage| StageGroup {
            label: stage.label(),
            items: projects.iter().filter(|p| p.stage == *stage).map(ListItem::of).collect(),
        })
        .filter(|group| !group.items.is_empty())
        .collect();
    let label = pnt::territory_label(&territory);
    let page = TerritoryPage {
        layout: Layout::new(&site, format!("Projet numérique de territoire — {label}"), "projets"),
        key: encode(&territory.key()),
        label,
        plan,
        actors,
        groups,
        portrait,
        votes: votes.iter().map(VoteView::of_vote).collect(),
    };
    Ok(render(StatusCode::OK, &page, false))
}

#[derive(Template)]
#[template(path = "projet.html")]
struct ProjectPageView {
    layout: Layout,
    project: ProjectView,
    evidence: Evidence,
    territory_links: Vec<(String, String)>,
}

async fn project_page(
    State(state): State<WebState>,
    Extension(site): Site,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let inner = state.clone();
    let (project, names, evidence) = public(&state, move |ctx| {
        let project = pnt::project(ctx, &maillage_app::accounts::Actor::Public, &id)
            .map_err(|_| maillage_app::AppError::Store(maillage_store::project_not_found(&id)))?;
        let names = pnt::party_names(ctx, &project)?;
        let evidence = evidence::evidence(ctx, &inner.territory, Some(&inner.coverage), &project.communes)?;
        Ok((project, names, evidence))
    })
    .await?;
    let page = ProjectPageView {
        layout: Layout::new(&site, project.title.clone(), "projets"),
        territory_links: project.territories.iter().map(|t| (encode(&t.key()), pnt::territory_label(t))).collect(),
        project: ProjectView::of(&project, &names),
        evidence,
    };
    Ok(render(StatusCode::OK, &page, false))
}

#[derive(Template)]
#[template(path = "vote.html")]
struct BallotPage {
    layout: Layout,
    view: BallotView,
    vote: VoteView,
    token: String,
    csrf: String,
    /// Points per item as the form shows them.
    given: Vec<(usize, String, u32)>,
    saved: bool,
}

fn ballot_response(
    accounts: &AccountsConfig,
    headers: &HeaderMap,
    site: &super::SiteConfig,
    view: BallotView,
    token: String,
    saved: bool,
) -> Response {
    let (csrf, new) = crate::session::pre_session_token(headers);
    let vote = VoteView::of_vote(&view.vote);
    let mut vote_with_results = vote;
    vote_with_results.results =
        crate::pnt_view::results(&view.vote, view.results.as_ref().map(|r| r.points.as_slice()));
    vote_with_results.ballots = view.results.as_ref().map(|r| r.ballots);
    let given = view
        .vote
        .items
        .iter()
        .enumerate()
        .map(|(n, item)| (n + 1, item.label.clone(), view.ballot.as_ref().and_then(|b| b.get(n).copied()).unwrap_or(0)))
        .collect();
    let page = BallotPage {
        layout: Layout::new(site, format!("Vote : {}", view.vote.title), ""),
        vote: vote_with_results,
        view,
        token,
        csrf: csrf.clone(),
        given,
        saved,
    };
    // Personal (a token in the form): the private policy, no caching.
    crate::session::with_form_cookie(accounts, crate::render::render(StatusCode::OK, &page), &csrf, new)
}

async fn ballot_page(
    app: App,
    Extension(site): Site,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let pairs = query::pairs(raw.as_deref());
    let token = pairs.iter().find(|(k, _)| k == "jeton").map(|(_, v)| v.clone()).unwrap_or_default();
    let saved = pairs.iter().any(|(k, v)| k == "enregistre" && v == "1");
    let key = token.clone();
    let view = app.run(move |ctx| votes::ballot(ctx, &id, &key, maillage_store::now())).await?;
    Ok(ballot_response(&app.config, &headers, &site, view, token, saved))
}

async fn ballot_post(
    app: App,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    if !crate::session::pre_session_matches(&headers, Some(&field("_csrf"))) {
        return Ok(crate::extract::csrf_refused());
    }
    let token = field("jeton");
    let points: Vec<String> = pairs.iter().filter(|(k, _)| k == "points").map(|(_, v)| v.clone()).collect();
    let (key, vote_id) = (token.clone(), id.clone());
    app.run(move |ctx| votes::cast(ctx, &vote_id, &key, &points, maillage_store::now())).await?;
    // The token stays out of the path the request log records; the page reads it back.
    Ok(Redirect::to(&format!("/vote/{id}?jeton={token}&enregistre=1")).into_response())
}
