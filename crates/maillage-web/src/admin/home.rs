//! The coordinator's desk, the page the team opens every morning: what needs action in its
//! territories (moderation, public reports, duplicates to review, stale places, campaign
//! answers, registrations to approve, projects to take further), this month's figures
//! and charts of the activity log, then the hub's configuration; a gestionnaire's own places.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maillage_app::accounts::Permission;
use maillage_app::activity::bilan as activity_bilan;
use maillage_app::activity::figures::{self, Period};
use maillage_app::context::Context;
use maillage_app::{agenda, campaigns, duplicates, moderation, pnt, AppResult};
use maillage_store::{EventQuery, RegistrationState, Role, Stage};

use super::now;
use crate::extract::{App, SignedIn};
use crate::pages::Layout;
use crate::render::{layout, render, Frame};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new().route("/admin", get(home))
}

#[derive(Template)]
#[template(path = "admin/accueil.html")]
struct HomePage {
    layout: Layout,
    frame: Option<Frame>,
    pending: usize,
    reports: usize,
    places: Vec<(String, String)>,
    freshness: Vec<(&'static str, &'static str, usize)>,
    /// What needs action: (count, what, link).
    actions: Vec<(usize, String, String)>,
    month: String,
    blocks: Vec<super::bilans::HtmlBlock>,
}

/// One line of the desk's "à traiter" list: how many, what, where to act.
pub type DeskItem = (usize, String, String);

/// What needs action in the actor's territories. Each capability adds its line here (the
/// agenda its registrations to approve, the territorial projects those updated), so the desk
/// stays one list; a line with nothing to do is left out.
fn needs_action(
    ctx: &Context<'_>,
    actor: &maillage_app::accounts::Actor,
    pending: usize,
    reports: usize,
    stale: usize,
) -> AppResult<Vec<DeskItem>> {
    let mut items: Vec<DeskItem> = vec![
        (pending, "proposition(s) de modification à modérer".to_owned(), "/admin/moderation".to_owned()),
        (reports, "signalement(s) du public à traiter".to_owned(), "/admin/moderation#signalements".to_owned()),
    ];
    items.push((
        duplicates::review_queue(ctx, actor)?.len(),
        "doublon(s) possible(s) à examiner".to_owned(),
        "/admin/doublons".to_owned(),
    ));
    items.push((stale, "lieu(x) non mis à jour depuis plus de 18 mois".to_owned(), "/admin/campagnes".to_owned()));
    let answers: usize =
        campaigns::campaigns(ctx, actor)?.iter().map(|(_, counts)| counts.confirmed + counts.edited).sum();
    items.push((answers, "réponse(s) aux campagnes de mise à jour".to_owned(), "/admin/campagnes".to_owned()));
    items.push((
        waiting_approval(ctx, actor, now())?,
        "inscription(s) à un événement à approuver".to_owned(),
        "/admin/agenda".to_owned(),
    ));
    items.push((
        projects_to_review(ctx, actor)?,
        "projet(s) de territoire à l'étape idée ou proposition, à instruire".to_owned(),
        "/admin/pnt".to_owned(),
    ));
    items.retain(|(count, _, _)| *count > 0);
    Ok(items)
}

/// Registrations waiting for an organiser's approval, on the actor's events still to come
/// (only events that ask for approval are read).
fn waiting_approval(
    ctx: &Context<'_>,
    actor: &maillage_app::accounts::Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<usize> {
    let upcoming = EventQuery { ending_after: Some(now), ..EventQuery::default() };
    let mut waiting = 0;
    for event in agenda::managed_events(ctx, actor, &upcoming)?.iter().filter(|event| event.approval) {
        let (_, registrations) = agenda::event_with_registrations(ctx, actor, &event.id)?;
        waiting += registrations.iter().filter(|r| r.state == RegistrationState::PendingApproval).count();
    }
    Ok(waiting)
}

/// Territorial projects of the actor's territories still at the idea or proposal stage: the
/// team has to take them further (or close them).
fn projects_to_review(ctx: &Context<'_>, actor: &maillage_app::accounts::Actor) -> AppResult<usize> {
    let mut count = 0;
    for stage in [Stage::Idee, Stage::Proposition] {
        let filter = pnt::ProjectFilter { stage: Some(stage), ..pnt::ProjectFilter::default() };
        let mut after: Option<String> = None;
        loop {
            let page = pnt::projects(ctx, actor, &filter, after.as_deref(), pnt::MAX_PAGE)?;
            count += page.projects.iter().filter(|p| pnt::may_manage(ctx, actor, &p.territories)).count();
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
    Ok(count)
}

async fn home(user: SignedIn, app: App) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let selector = super::bilans::desk_selector(&user);
    let today = maillage_domain::hours::paris_local(now()).date();
    let month = Period::month_of(today);
    let (pending, reports, places, freshness, actions, dashboard) = app
        .run(move |ctx| {
            let (pending, reports, freshness, actions, dashboard) = if actor.may(ctx, Permission::SeeQueue) {
                let (items, reports) = moderation::queue(ctx, &actor)?;
                let freshness: Vec<(&'static str, &'static str, usize)> =
                    campaigns::freshness_counts(ctx, &actor, today)?
                        .into_iter()
                        .map(|(class, count)| (class.key(), class.label(), count))
                        .collect();
                let stale = freshness.iter().filter(|(key, _, _)| *key == "plus-18-mois").map(|(_, _, n)| n).sum();
                let actions = needs_action(ctx, &actor, items.len(), reports.len(), stale)?;
                let dashboard = activity_bilan::dashboard(ctx, &actor, &selector, &month)?;
                (items.len(), reports.len(), freshness, actions, Some(dashboard))
            } else {
                (0, 0, Vec::new(), Vec::new(), None)
            };
            let mut places = Vec::new();
            if let Some(Role::Gestionnaire { places: ids }) = actor.user().map(|user| &user.role) {
                for id in ids {
                    if let Some(place) = ctx.store.place(id)? {
                        places.push((place.id.0.clone(), place.record.nom.clone()));
                    }
                }
            }
            Ok((pending, reports, places, freshness, actions, dashboard))
        })
        .await?;
    let blocks = dashboard.as_ref().map(super::bilans::desk_blocks).unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &HomePage {
            layout: layout("Administration"),
            frame: Frame::of(&user),
            pending,
            reports,
            places,
            freshness,
            actions,
            month: figures::month_label(&month),
            blocks,
        },
    ))
}
