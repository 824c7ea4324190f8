//! The projets numériques de territoire in the administration: the PNT of a territory (plan,
//! its projects, its votes), a project's page (edit, stage with its timeline, incubator,
//! publication, evidence, history) and the votes (room tally, online setup with invitations
//! by mail, closing, results). Handlers translate; `maillage_app::pnt` checks and audits.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::pnt::evidence::{self, Evidence};
use maillage_app::pnt::votes::{self, VoteForm};
use maillage_app::pnt::{self, FundingForm, IncubatorForm, NeedForm, PlanForm, ProjectFilter, ProjectForm};
use maillage_store::{FundingStatus, IncubatorStage, NeedKind, Pnt, PntTerritory, Project, Stage};

use super::now;
use crate::extract::{App, Coordinator, CsrfForm};
use crate::pages::Layout;
use crate::pnt_view::{urlencode, ProjectView, VoteView};
use crate::render::{day, layout, render, Frame};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/pnt", get(index))
        .route("/admin/pnt/{territoire}", get(territory_page).post(plan_post))
        .route("/admin/projets", post(create_post))
        .route("/admin/projets/{id}", get(project_page).post(edit_post))
        .route("/admin/projets/{id}/etape", post(stage_post))
        .route("/admin/projets/{id}/incubateur", post(incubator_post))
        .route("/admin/projets/{id}/publication", post(publish_post))
        .route("/admin/projets/{id}/historique", get(history_page))
        .route("/admin/votes", post(vote_post))
        .route("/admin/votes/{id}", get(vote_page))
        .route("/admin/votes/{id}/salle", post(room_post))
        .route("/admin/votes/{id}/cloture", post(close_post))
}

/// The fields of a posted form, repeated ones in order.
type Pairs = Vec<(String, String)>;

fn first(pairs: &Pairs, name: &str) -> String {
    pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone()).unwrap_or_default()
}

fn all(pairs: &Pairs, name: &str) -> Vec<String> {
    pairs.iter().filter(|(key, _)| key == name).map(|(_, value)| value.clone()).collect()
}

fn version(pairs: &Pairs) -> u32 {
    first(pairs, "version").trim().parse().unwrap_or(0)
}

/// A territory key from the path, refused when unreadable.
fn territory_key(key: &str) -> Result<PntTerritory, WebError> {
    PntTerritory::parse_key(key)
        .ok_or_else(|| WebError::not_found("Territoire inconnu (bassin:Nom ou departement:code)."))
}

struct TerritoryLink {
    key: String,
    label: String,
    has_plan: bool,
}

#[derive(Template)]
#[template(path = "admin/pnt_index.html")]
struct IndexPage {
    layout: Layout,
    frame: Option<Frame>,
    territories: Vec<TerritoryLink>,
}

async fn index(user: Coordinator, app: App, State(state): State<WebState>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let store = state.store.clone();
    let territories = app
        .run(move |ctx| {
            let plans: Vec<String> = pnt::plans(ctx)?.iter().map(|p| p.territory.key()).collect();
            let mut keys: Vec<PntTerritory> = Vec::new();
            let mut departements = Vec::new();
            for member in store.bassins()? {
                let bassin = PntTerritory::bassin(&member.bassin);
                if !keys.contains(&bassin) {
                    keys.push(bassin);
                }
                if !departements.contains(&member.departement) {
                    departements.push(member.departement.clone());
                }
            }
            keys.extend(departements.iter().map(|d| PntTerritory::departement(d)));
            Ok(keys
                .into_iter()
                .filter(|t| pnt::may_manage(ctx, &actor, std::slice::from_ref(t)) || plans.contains(&t.key()))
                .map(|t| TerritoryLink {
                    has_plan: plans.contains(&t.key()),
                    label: pnt::territory_label(&t),
                    key: t.key(),
                })
                .collect())
        })
        .await?;
    Ok(render(
        StatusCode::OK,
        &IndexPage { layout: layout("Projets numériques de territoire"), frame: Frame::of(&user), territories },
    ))
}

#[derive(Template)]
#[template(path = "admin/pnt.html")]
struct TerritoryPage {
    layout: Layout,
    frame: Option<Frame>,
    key: String,
    label: String,
    plan: Option<Pnt>,
    actor_names: Vec<String>,
    form: PlanForm,
    version: u32,
    may_manage: bool,
    projects: Vec<ProjectView>,
    votes: Vec<VoteView>,
    new_project: ProjectFormView,
}

async fn territory_page(user: Coordinator, app: App, Path(key): Path<String>) -> Result<Response, WebError> {
    let territory = territory_key(&key)?;
    let actor = user.actor.clone();
    let t = territory.clone();
    let (plan, names, projects, votes, may) = app
        .run(move |ctx| {
            let plan = pnt::plan(ctx, &t)?;
            let names = match &plan {
                Some(plan) => maillage_app::actors::public_names(ctx.store, &plan.actors)?.into_values().collect(),
                None => Vec::new(),
            };
            let filter = ProjectFilter { territory: Some(t.clone()), ..ProjectFilter::default() };
            let projects = pnt::projects(ctx, &actor, &filter, None, pnt::MAX_PAGE)?.projects;
            let votes = votes::votes(ctx, &actor, &t, now())?;
            let may = pnt::may_manage(ctx, &actor, std::slice::from_ref(&t));
            Ok((plan, names, projects, votes, may))
        })
        .await?;
    let form = plan
        .as_ref()
        .map(PlanForm::of)
        .unwrap_or_else(|| PlanForm { territory: territory.key(), ..PlanForm::default() });
    let label = pnt::territory_label(&territory);
    let page = TerritoryPage {
        layout: layout(&format!("PNT — {label}")),
        frame: Frame::of(&user),
        key: territory.key(),
        version: plan.as_ref().map(|p| p.version).unwrap_or(0),
        label,
        actor_names: names,
        plan,
        form,
        may_manage: may,
        projects: projects.iter().map(|p| ProjectView::of(p, &BTreeMap::new())).collect(),
        votes: votes.iter().map(VoteView::of).collect(),
        new_project: ProjectFormView::new(&ProjectForm {
            territories: vec![territory.key()],
            ..ProjectForm::default()
        }),
    };
    Ok(render(StatusCode::OK, &page))
}

async fn plan_post(
    user: Coordinator,
    app: App,
    Path(key): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let territory = territory_key(&key)?;
    let actor = user.actor.clone();
    let form = PlanForm {
        territory: territory.key(),
        title: first(&pairs, "titre"),
        summary: first(&pairs, "presentation"),
        enjeux: first(&pairs, "enjeux"),
        objectives: first(&pairs, "objectifs"),
        actors: first(&pairs, "acteurs"),
    };
    let version = version(&pairs);
    app.run(move |ctx| pnt::save_plan(ctx, &actor, &form, version, now())).await?;
    Ok(Redirect::to(&format!("/admin/pnt/{}", urlencode(&territory.key()))).into_response())
}

/// The project form's values, with three blank rows of needs and funding to fill.
pub struct ProjectFormView {
    pub form: ProjectForm,
    pub needs: Vec<NeedForm>,
    pub funding: Vec<FundingForm>,
    pub need_kinds: Vec<(&'static str, &'static str)>,
    pub funding_statuses: Vec<(&'static str, &'static str)>,
    pub territories: String,
}

impl ProjectFormView {
    fn new(form: &ProjectForm) -> ProjectFormView {
        let mut needs = form.needs.clone();
        needs.extend(std::iter::repeat_n(NeedForm::default(), 2));
        let mut funding = form.funding.clone();
        funding.extend(std::iter::repeat_n(FundingForm { status: "demandee".to_owned(), ..FundingForm::default() }, 2));
        ProjectFormView {
            territories: form.territories.join(" "),
            form: form.clone(),
            needs,
            funding,
            need_kinds: NeedKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
            funding_statuses: FundingStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        }
    }
}

fn project_form(pairs: &Pairs) -> ProjectForm {
    let kinds = all(pairs, "besoin_type");
    let amounts = all(pairs, "besoin_montant");
    let etps = all(pairs, "besoin_etp");
    let descriptions = all(pairs, "besoin_description");
    let needs = (0..kinds.len())
        .map(|n| NeedForm {
            kind: kinds[n].clone(),
            amount: amounts.get(n).cloned().unwrap_or_default(),
            etp: etps.get(n).cloned().unwrap_or_default(),
            description: descriptions.get(n).cloned().unwrap_or_default(),
        })
        .collect();
    let funders = all(pairs, "financeur");
    let funding_amounts = all(pairs, "financement_montant");
    let statuses = all(pairs, "financement_statut");
    let funding = (0..funders.len())
        .map(|n| FundingForm {
            funder: funders[n].clone(),
            amount: funding_amounts.get(n).cloned().unwrap_or_default(),
            status: statuses.get(n).cloned().unwrap_or_default(),
        })
        .collect();
    ProjectForm {
        title: first(pairs, "titre"),
        description: first(pairs, "description"),
        territories: first(pairs, "territoires").split_whitespace().map(str::to_owned).collect(),
        axe: first(pairs, "axe"),
        carriers: first(pairs, "porteurs"),
        partners: first(pairs, "partenaires"),
        needs,
        funding,
        communes: first(pairs, "communes"),
        events: first(pairs, "evenements"),
    }
}

async fn create_post(user: Coordinator, app: App, CsrfForm(pairs): CsrfForm<Pairs>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let form = project_form(&pairs);
    let stage = Stage::parse(first(&pairs, "etape").trim()).unwrap_or(Stage::Idee);
    let project = app.run(move |ctx| pnt::create_project(ctx, &actor, &form, stage, now())).await?;
    Ok(Redirect::to(&format!("/admin/projets/{}", project.id)).into_response())
}

#[derive(Template)]
#[template(path = "admin/projet.html")]
struct ProjectPage {
    layout: Layout,
    frame: Option<Frame>,
    project: ProjectView,
    new_project: ProjectFormView,
    version: u32,
    stages: Vec<(&'static str, &'static str)>,
    incubator_stages: Vec<(&'static str, &'static str, &'static str)>,
    evidence: Evidence,
    may_manage: bool,
    territory_links: Vec<(String, String)>,
}

async fn project_page(
    user: Coordinator,
    app: App,
    State(state): State<WebState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (project, names, evidence, may) = app
        .run(move |ctx| {
            let project = pnt::project(ctx, &actor, &id)?;
            let names = pnt::party_names(ctx, &project)?;
            let evidence = evidence::evidence(ctx, &state.territory, Some(&state.coverage), &project.communes)?;
            let may = pnt::may_manage(ctx, &actor, &project.territories);
            Ok((project, names, evidence, may))
        })
        .await?;
    let page = ProjectPage {
        layout: layout(&project.title),
        frame: Frame::of(&user),
        new_project: ProjectFormView::new(&ProjectForm::of(&project)),
        version: project.version,
        stages: Stage::ALL.iter().filter(|s| **s != project.stage).map(|s| (s.as_str(), s.label())).collect(),
        incubator_stages: IncubatorStage::ALL.iter().map(|s| (s.as_str(), s.label(), s.purpose())).collect(),
        evidence,
        may_manage: may,
        territory_links: project.territories.iter().map(|t| (urlencode(&t.key()), pnt::territory_label(t))).collect(),
        project: ProjectView::of(&project, &names),
    };
    Ok(render(StatusCode::OK, &page))
}

async fn edit_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let form = project_form(&pairs);
    let version = version(&pairs);
    let project = app.run(move |ctx| pnt::update_project(ctx, &actor, &id, version, &form, now())).await?;
    Ok(Redirect::to(&format!("/admin/projets/{}", project.id)).into_response())
}

async fn stage_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (stage, reason, version) = (first(&pairs, "etape"), first(&pairs, "motif"), version(&pairs));
    let project = app.run(move |ctx| pnt::change_stage(ctx, &actor, &id, version, &stage, &reason, now())).await?;
    Ok(Redirect::to(&format!("/admin/projets/{}#etapes", project.id)).into_response())
}

async fn incubator_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let form = IncubatorForm {
        stage: first(&pairs, "etape_incubateur"),
        date: first(&pairs, "date"),
        participants: first(&pairs, "participants"),
        notes: first(&pairs, "notes"),
        outputs: first(&pairs, "productions"),
        seed_budget: first(&pairs, "budget"),
    };
    let version = version(&pairs);
    let project = app.run(move |ctx| pnt::add_incubator_step(ctx, &actor, &id, version, &form, now())).await?;
    Ok(Redirect::to(&format!("/admin/projets/{}#incubateur", project.id)).into_response())
}

async fn publish_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (published, version) = (first(&pairs, "publie") == "oui", version(&pairs));
    let project = app.run(move |ctx| pnt::set_published(ctx, &actor, &id, version, published, now())).await?;
    Ok(Redirect::to(&format!("/admin/projets/{}", project.id)).into_response())
}

struct VersionRow {
    version: u32,
    at: String,
    by: String,
    stage: &'static str,
    published: bool,
    title: String,
}

#[derive(Template)]
#[template(path = "admin/projet_historique.html")]
struct HistoryPage {
    layout: Layout,
    frame: Option<Frame>,
    id: String,
    title: String,
    versions: Vec<VersionRow>,
}

async fn history_page(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let key = id.clone();
    let versions = app.run(move |ctx| pnt::history(ctx, &actor, &key)).await?;
    let title = versions.last().map(|p| p.title.clone()).unwrap_or_default();
    let versions = versions
        .iter()
        .rev()
        .map(|p: &Project| VersionRow {
            version: p.version,
            at: day(&p.updated_at),
            by: p.updated_by_name.clone(),
            stage: p.stage.label(),
            published: p.published,
            title: p.title.clone(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &HistoryPage {
            layout: layout(&format!("Historique — {title}")), frame: Frame::of(&user), id, title, versions
        },
    ))
}

async fn vote_post(user: Coordinator, app: App, CsrfForm(pairs): CsrfForm<Pairs>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let form = VoteForm {
        territory: first(&pairs, "territoire"),
        title: first(&pairs, "titre"),
        items: first(&pairs, "elements"),
        meeting: first(&pairs, "reunion"),
        held_on: first(&pairs, "date"),
        points: first(&pairs, "points"),
        opens_at: first(&pairs, "ouverture"),
        closes_at: first(&pairs, "cloture"),
        hide_results: first(&pairs, "resultats_caches") == "oui",
        invitations: first(&pairs, "invitations"),
    };
    let online = first(&pairs, "mode") == "en_ligne";
    let vote = app
        .run(move |ctx| {
            if online {
                votes::create_online_vote(ctx, &actor, &form, now())
            } else {
                votes::create_room_vote(ctx, &actor, &form, now())
            }
        })
        .await?;
    Ok(Redirect::to(&format!("/admin/votes/{}", vote.id)).into_response())
}

#[derive(Template)]
#[template(path = "admin/vote.html")]
struct VotePage {
    layout: Layout,
    frame: Option<Frame>,
    vote: VoteView,
    territory_key: String,
}

async fn vote_page(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let summary = app.run(move |ctx| votes::vote(ctx, &actor, &id, now())).await?;
    let page = VotePage {
        layout: layout(&summary.vote.title),
        frame: Frame::of(&user),
        territory_key: urlencode(&summary.vote.territory.key()),
        vote: VoteView::of(&summary),
    };
    Ok(render(StatusCode::OK, &page))
}

async fn room_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (counts, participants, version) = (all(&pairs, "gommettes"), first(&pairs, "participants"), version(&pairs));
    let key = id.clone();
    app.run(move |ctx| votes::record_room_vote(ctx, &actor, &key, version, &counts, &participants, now())).await?;
    Ok(Redirect::to(&format!("/admin/votes/{id}")).into_response())
}

async fn close_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let version = version(&pairs);
    let key = id.clone();
    app.run(move |ctx| votes::close_vote(ctx, &actor, &key, version, now())).await?;
    Ok(Redirect::to(&format!("/admin/votes/{id}")).into_response())
}
