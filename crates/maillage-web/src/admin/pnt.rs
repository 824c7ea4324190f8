//! The projets numériques de territoire in the administration: the PNT of a territory (plan,
//! its projects, its votes), a project's page (edit, stage with its timeline, incubator,
//! publication, evidence, history) and the votes (room tally, online setup with invitations
//! by mail, closing, results), and a project's carriers proposing changes that its
//! coordinators approve or refuse (`/admin/mes-projets`). Handlers translate;
//! `maillage_app::pnt` checks and audits.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::pnt::carriers::{self, CarrierForm};
use maillage_app::pnt::evidence::{self, Evidence};
use maillage_app::pnt::votes::{self, VoteForm};
use maillage_app::pnt::{self, FundingForm, IncubatorForm, NeedForm, PlanForm, ProjectFilter, ProjectForm};
use maillage_app::AppResult;
use maillage_store::{
    FundingStatus, IncubatorStage, NeedKind, Pnt, PntLevel, PntTerritory, Project, ProjectProposal, Stage,
};

use super::now;
use crate::extract::{App, Coordinator, CsrfForm, SignedIn, Visitor};
use crate::pages::Layout;
use crate::pnt_view::{need_text, urlencode, ProjectView, VoteView};
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
        .route("/admin/projets/{id}/porteurs", post(invite_carrier_post))
        .route("/admin/projets/{id}/propositions/{proposal}", post(decide_post))
        .route("/admin/mes-projets", get(carried_index))
        .route("/admin/mes-projets/{id}", get(carried_page).post(propose_post))
        .route("/admin/votes", post(vote_post))
        .route("/admin/votes/{id}", get(vote_page))
        .route("/admin/votes/{id}/salle", post(room_post))
        .route("/admin/votes/{id}/cloture", post(close_post))
        .route("/admin/votes/{id}/invitations", post(invite_voters_post))
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

/// The shape of every form handler here: run a use case as the signed-in person, then send the
/// browser to the page its result names (a refusal is the error page, naming the field).
async fn act<T: Send + 'static>(
    visitor: &Visitor,
    app: &App,
    work: impl FnOnce(&Context<'_>, &Actor) -> AppResult<T> + Send + 'static,
    to: impl FnOnce(T) -> String,
) -> Result<Response, WebError> {
    let actor = visitor.actor.clone();
    let done = app.run(move |ctx| work(ctx, &actor)).await?;
    Ok(Redirect::to(&to(done)).into_response())
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
            // The régions of those départements: the regional level of the plans.
            let locator = ctx.locator()?;
            for departement in departements.iter().filter_map(|d| locator.territory.departement(d)) {
                let region = PntTerritory { level: PntLevel::Region, code: departement.code_region.clone() };
                if !keys.contains(&region) {
                    keys.push(region);
                }
            }
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
    let (plan, names, projects, votes, may, suggestions) = app
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
            let suggestions = if may { suggestions(ctx, &actor)? } else { Suggestions::default() };
            Ok((plan, names, projects, votes, may, suggestions))
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
        new_project: ProjectFormView::new(
            &ProjectForm { territories: vec![territory.key()], ..ProjectForm::default() },
            suggestions,
        ),
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
    let form = PlanForm {
        territory: territory.key(),
        title: first(&pairs, "titre"),
        summary: first(&pairs, "presentation"),
        enjeux: first(&pairs, "enjeux"),
        objectives: first(&pairs, "objectifs"),
        actors: first(&pairs, "acteurs"),
    };
    let version = version(&pairs);
    act(
        &user,
        &app,
        move |ctx, actor| pnt::save_plan(ctx, actor, &form, version, now()),
        |pnt| format!("/admin/pnt/{}", urlencode(&pnt.territory.key())),
    )
    .await
}

/// The project form's values, with three blank rows of needs and funding to fill.
pub struct ProjectFormView {
    pub form: ProjectForm,
    /// One field each, and two blank ones to fill.
    pub carriers: Vec<String>,
    pub partners: Vec<String>,
    pub events: Vec<String>,
    /// The actors directory's entries the carriers' and partners' fields suggest.
    pub suggestions: Vec<String>,
    /// The agenda's events the events' fields suggest.
    pub event_suggestions: Vec<String>,
    pub needs: Vec<NeedForm>,
    pub funding: Vec<FundingForm>,
    pub need_kinds: Vec<(&'static str, &'static str)>,
    pub funding_statuses: Vec<(&'static str, &'static str)>,
    pub territories: String,
}

/// Most entries of the actors directory (and events of the agenda) a project form suggests.
const MAX_SUGGESTIONS: usize = 3_000;

/// What a project form suggests: entries of the actors directory, events of the agenda.
type Suggestions = (Vec<String>, Vec<String>);

/// The suggestions of a project form, for a person who may manage the project.
fn suggestions(ctx: &Context<'_>, actor: &Actor) -> AppResult<Suggestions> {
    Ok((
        pnt::actor_suggestions(ctx, actor, MAX_SUGGESTIONS)?,
        pnt::event_suggestions(ctx, actor, now(), MAX_SUGGESTIONS)?,
    ))
}

impl ProjectFormView {
    fn new(form: &ProjectForm, (suggestions, event_suggestions): Suggestions) -> ProjectFormView {
        let rows = |lines: &str| {
            let mut rows: Vec<String> =
                lines.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
            rows.extend(std::iter::repeat_n(String::new(), 2));
            rows
        };
        let mut needs = form.needs.clone();
        needs.extend(std::iter::repeat_n(NeedForm::default(), 2));
        let mut funding = form.funding.clone();
        funding.extend(std::iter::repeat_n(FundingForm { status: "demandee".to_owned(), ..FundingForm::default() }, 2));
        ProjectFormView {
            carriers: rows(&form.carriers),
            partners: rows(&form.partners),
            events: rows(&form.events),
            suggestions,
            event_suggestions,
            territories: form.territories.join(" "),
            form: form.clone(),
            needs,
            funding,
            need_kinds: NeedKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
            funding_statuses: FundingStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        }
    }
}

/// The rows of the needs' fieldset (`admin/_projet_besoins.html`).
fn need_rows(pairs: &Pairs) -> Vec<NeedForm> {
    let kinds = all(pairs, "besoin_type");
    let amounts = all(pairs, "besoin_montant");
    let etps = all(pairs, "besoin_etp");
    let descriptions = all(pairs, "besoin_description");
    (0..kinds.len())
        .map(|n| NeedForm {
            kind: kinds[n].clone(),
            amount: amounts.get(n).cloned().unwrap_or_default(),
            etp: etps.get(n).cloned().unwrap_or_default(),
            description: descriptions.get(n).cloned().unwrap_or_default(),
        })
        .collect()
}

fn project_form(pairs: &Pairs) -> ProjectForm {
    let needs = need_rows(pairs);
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
        carriers: all(pairs, "porteurs").join("\n"),
        partners: all(pairs, "partenaires").join("\n"),
        needs,
        funding,
        communes: first(pairs, "communes"),
        events: all(pairs, "evenements").join("\n"),
        progress: first(pairs, "avancement"),
    }
}

/// Where a project's page is, after a change of it.
fn project_url(project: Project) -> String {
    format!("/admin/projets/{}", project.id)
}

async fn create_post(user: Coordinator, app: App, CsrfForm(pairs): CsrfForm<Pairs>) -> Result<Response, WebError> {
    let form = project_form(&pairs);
    let stage = Stage::parse(first(&pairs, "etape").trim()).unwrap_or(Stage::Idee);
    act(&user, &app, move |ctx, actor| pnt::create_project(ctx, actor, &form, stage, now()), project_url).await
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
    proposals: Vec<ProposalView>,
}

/// A carrier's proposal as a coordinator reviews it: only what differs from the project now.
struct ProposalView {
    id: String,
    author: String,
    at: String,
    note: String,
    /// (what, now, proposed).
    changes: Vec<(&'static str, String, String)>,
}

impl ProposalView {
    fn of(proposal: &ProjectProposal, project: &Project) -> ProposalView {
        let needs = |needs: &[maillage_store::Need]| needs.iter().map(need_text).collect::<Vec<_>>().join(" ; ");
        let changes = [
            ("Description", project.description.clone(), proposal.description.clone()),
            ("Besoins", needs(project.needs.as_slice()), needs(proposal.needs.as_slice())),
            ("Avancement", project.progress.clone(), proposal.progress.clone()),
        ]
        .into_iter()
        .filter(|(_, now, proposed)| now != proposed)
        .collect();
        ProposalView {
            id: proposal.id.clone(),
            author: proposal.author_name.clone(),
            at: day(&proposal.created_at),
            note: proposal.note.clone(),
            changes,
        }
    }
}

async fn project_page(
    user: Coordinator,
    app: App,
    State(state): State<WebState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (project, names, evidence, may, proposals, suggestions) = app
        .run(move |ctx| {
            let project = pnt::project(ctx, &actor, &id)?;
            let names = pnt::party_names(ctx, &project)?;
            let evidence = evidence::evidence(ctx, &state.territory, Some(&state.coverage), &project.communes)?;
            let may = pnt::may_manage(ctx, &actor, &project.territories);
            let proposals = if may { carriers::pending_proposals(ctx, &actor, &id)? } else { Vec::new() };
            let suggestions = if may { suggestions(ctx, &actor)? } else { Suggestions::default() };
            Ok((project, names, evidence, may, proposals, suggestions))
        })
        .await?;
    let page = ProjectPage {
        layout: layout(&project.title),
        frame: Frame::of(&user),
        new_project: ProjectFormView::new(&ProjectForm::of(&project, &names), suggestions),
        version: project.version,
        stages: Stage::ALL.iter().filter(|s| **s != project.stage).map(|s| (s.as_str(), s.label())).collect(),
        incubator_stages: IncubatorStage::ALL.iter().map(|s| (s.as_str(), s.label(), s.purpose())).collect(),
        evidence,
        may_manage: may,
        territory_links: project.territories.iter().map(|t| (urlencode(&t.key()), pnt::territory_label(t))).collect(),
        proposals: proposals.iter().map(|p| ProposalView::of(p, &project)).collect(),
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
    let form = project_form(&pairs);
    let version = version(&pairs);
    act(&user, &app, move |ctx, actor| pnt::update_project(ctx, actor, &id, version, &form, now()), project_url).await
}

async fn stage_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let (stage, reason, version) = (first(&pairs, "etape"), first(&pairs, "motif"), version(&pairs));
    act(
        &user,
        &app,
        move |ctx, actor| pnt::change_stage(ctx, actor, &id, version, &stage, &reason, now()),
        |p| format!("{}#etapes", project_url(p)),
    )
    .await
}

async fn incubator_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let form = IncubatorForm {
        stage: first(&pairs, "etape_incubateur"),
        date: first(&pairs, "date"),
        participants: first(&pairs, "participants"),
        notes: first(&pairs, "notes"),
        outputs: first(&pairs, "productions"),
        seed_budget: first(&pairs, "budget"),
    };
    let version = version(&pairs);
    act(
        &user,
        &app,
        move |ctx, actor| pnt::add_incubator_step(ctx, actor, &id, version, &form, now()),
        |p| format!("{}#incubateur", project_url(p)),
    )
    .await
}

async fn publish_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let (published, version) = (first(&pairs, "publie") == "oui", version(&pairs));
    act(&user, &app, move |ctx, actor| pnt::set_published(ctx, actor, &id, version, published, now()), project_url)
        .await
}

async fn invite_carrier_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let (email, name, version) = (first(&pairs, "courriel"), first(&pairs, "nom"), version(&pairs));
    act(
        &user,
        &app,
        move |ctx, actor| carriers::invite_carrier(ctx, actor, &id, version, &email, &name, now()),
        |p| format!("{}#porteurs", project_url(p)),
    )
    .await
}

/// A coordinator's decision on a carrier's proposal: approved, or refused with a reason.
async fn decide_post(
    user: Coordinator,
    app: App,
    Path((id, proposal)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let (approve, reason, version) =
        (first(&pairs, "decision") == "approuver", first(&pairs, "motif"), version(&pairs));
    let to = format!("/admin/projets/{id}#propositions");
    act(
        &user,
        &app,
        move |ctx, actor| {
            if approve {
                carriers::approve_proposal(ctx, actor, &proposal, version, now()).map(drop)
            } else {
                carriers::reject_proposal(ctx, actor, &proposal, &reason, now()).map(drop)
            }
        },
        |()| to,
    )
    .await
}

#[derive(Template)]
#[template(path = "admin/mes_projets.html")]
struct CarriedIndex {
    layout: Layout,
    frame: Option<Frame>,
    projects: Vec<(String, String, &'static str)>,
}

async fn carried_index(user: SignedIn, app: App) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let projects = app.run(move |ctx| carriers::carried_projects(ctx, &actor)).await?;
    let projects = projects.into_iter().map(|p| (p.id, p.title, p.stage.label())).collect();
    Ok(render(StatusCode::OK, &CarriedIndex { layout: layout("Mes projets"), frame: Frame::of(&user), projects }))
}

struct OwnProposal {
    at: String,
    status: &'static str,
    reason: String,
}

#[derive(Template)]
#[template(path = "admin/porteur.html")]
struct CarrierPage {
    layout: Layout,
    frame: Option<Frame>,
    id: String,
    title: String,
    published: bool,
    version: u32,
    new_project: ProjectFormView,
    proposals: Vec<OwnProposal>,
    sent: bool,
}

async fn carried_page(
    user: SignedIn,
    app: App,
    Path(id): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (project, proposals) = app.run(move |ctx| carriers::carried_project(ctx, &actor, &id)).await?;
    let form = CarrierForm::of(&project);
    let page = CarrierPage {
        layout: layout(&format!("Faire évoluer « {} »", project.title)),
        frame: Frame::of(&user),
        id: project.id.clone(),
        title: project.title.clone(),
        published: project.published,
        version: project.version,
        new_project: ProjectFormView::new(
            &ProjectForm {
                description: form.description,
                needs: form.needs,
                progress: form.progress,
                ..ProjectForm::default()
            },
            Suggestions::default(),
        ),
        proposals: proposals
            .iter()
            .map(|p| OwnProposal {
                at: day(&p.created_at),
                status: match p.status {
                    maillage_store::ProposalStatus::Pending => "en attente de la coordination",
                    maillage_store::ProposalStatus::Approved => "acceptée et publiée",
                    maillage_store::ProposalStatus::Rejected => "non retenue",
                },
                reason: p.reason.clone().unwrap_or_default(),
            })
            .collect(),
        sent: query.as_deref() == Some("envoye=1"),
    };
    Ok(render(StatusCode::OK, &page))
}

async fn propose_post(
    user: SignedIn,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let form = CarrierForm {
        description: first(&pairs, "description"),
        needs: need_rows(&pairs),
        progress: first(&pairs, "avancement"),
        note: first(&pairs, "message"),
    };
    let version = version(&pairs);
    act(
        &user,
        &app,
        move |ctx, actor| carriers::propose_change(ctx, actor, &id, version, &form, now()),
        |p| format!("/admin/mes-projets/{}?envoye=1", p.project_id),
    )
    .await
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
    act(
        &user,
        &app,
        move |ctx, actor| {
            if online {
                votes::create_online_vote(ctx, actor, &form, now())
            } else {
                votes::create_room_vote(ctx, actor, &form, now())
            }
        },
        |vote| format!("/admin/votes/{}", vote.id),
    )
    .await
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
    let (counts, participants, version) = (all(&pairs, "gommettes"), first(&pairs, "participants"), version(&pairs));
    act(
        &user,
        &app,
        move |ctx, actor| votes::record_room_vote(ctx, actor, &id, version, &counts, &participants, now()),
        |vote| format!("/admin/votes/{}", vote.id),
    )
    .await
}

async fn close_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let version = version(&pairs);
    act(
        &user,
        &app,
        move |ctx, actor| votes::close_vote(ctx, actor, &id, version, now()),
        |vote| format!("/admin/votes/{}", vote.id),
    )
    .await
}

async fn invite_voters_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let invitations = first(&pairs, "invitations");
    let to = format!("/admin/votes/{id}");
    act(&user, &app, move |ctx, actor| votes::invite_voters(ctx, actor, &id, &invitations, now()), |_| to).await
}
