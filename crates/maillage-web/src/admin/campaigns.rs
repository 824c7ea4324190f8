//! Campaigns ("rien n'a changé ?"): the list of the actor's territory, starting one (after a
//! preview of who gets what), its dashboard with each place's answer, and reminders sent by
//! hand.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::campaigns::{self, CampaignCounts, CampaignPreview, DashboardPlace};
use maillage_store::CampaignPlaceStatus;
use serde::Deserialize;

use super::now;
use crate::extract::{App, Coordinator, CsrfForm};
use crate::pages::Layout;
use crate::render::{day, layout, message_page, render, Frame};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/campagnes", get(campaigns_page).post(campaign_post))
        .route("/admin/campagnes/{id}", get(campaign_page))
        .route("/admin/campagnes/{id}/relancer", post(remind_post))
}

struct CampaignView {
    id: String,
    name: String,
    territory: String,
    created: String,
    counts: CampaignCounts,
}

#[derive(Template)]
#[template(path = "admin/campagnes.html")]
struct CampaignsPage {
    layout: Layout,
    frame: Option<Frame>,
    campaigns: Vec<CampaignView>,
}

async fn campaigns_page(user: Coordinator, app: App) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    // Only the campaigns of the actor's territory.
    let campaigns = app.run(move |ctx| campaigns::campaigns(ctx, &actor)).await?;
    let campaigns = campaigns
        .into_iter()
        .map(|(campaign, counts)| CampaignView {
            created: day(&campaign.created_at),
            id: campaign.id,
            name: campaign.name,
            territory: campaign.territory,
            counts,
        })
        .collect();
    Ok(render(StatusCode::OK, &CampaignsPage { layout: layout("Campagnes"), frame: Frame::of(&user), campaigns }))
}

#[derive(Deserialize)]
struct NewCampaign {
    #[serde(default)]
    nom: String,
    #[serde(default)]
    territoire: String,
    /// Text: a mistyped number falls back to two weeks.
    #[serde(default)]
    relance_jours: String,
    /// Set by the preview's button: only then is anything sent.
    #[serde(default)]
    confirmer: String,
}

#[derive(Template)]
#[template(path = "admin/campagne_apercu.html")]
struct PreviewPage {
    layout: Layout,
    frame: Option<Frame>,
    name: String,
    territory: String,
    reminder_days: String,
    preview: CampaignPreview,
}

async fn campaign_post(
    user: Coordinator,
    app: App,
    CsrfForm(form): CsrfForm<NewCampaign>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    if form.confirmer != "1" {
        let (name, territory) = (form.nom.clone(), form.territoire.clone());
        let preview = app.run(move |ctx| campaigns::preview_campaign(ctx, &actor, &name, &territory)).await?;
        return Ok(render(
            StatusCode::OK,
            &PreviewPage {
                layout: layout("Aperçu de la campagne"),
                frame: Frame::of(&user),
                name: form.nom,
                territory: form.territoire,
                reminder_days: form.relance_jours,
                preview,
            },
        ));
    }
    let days = form.relance_jours.trim().parse().unwrap_or(14);
    let (campaign, _) =
        app.run(move |ctx| campaigns::start_campaign(ctx, &actor, &form.nom, &form.territoire, days, now())).await?;
    Ok(Redirect::to(&format!("/admin/campagnes/{}", campaign.id)).into_response())
}

/// One row of the dashboard's list.
struct PlaceRow {
    id: String,
    name: String,
    commune: String,
    /// The day it was mailed, or "pas d'adresse".
    sent: String,
    reminded: String,
    answer: &'static str,
    answered: String,
}

impl From<DashboardPlace> for PlaceRow {
    fn from(place: DashboardPlace) -> Self {
        let entry = place.entry;
        let when = |at: Option<chrono::DateTime<chrono::Utc>>| at.as_ref().map(day).unwrap_or_default();
        PlaceRow {
            id: entry.place_id.0,
            name: place.name,
            commune: place.commune,
            sent: entry.sent_at.as_ref().map(day).unwrap_or_else(|| "pas d'adresse".to_owned()),
            reminded: when(entry.reminded_at),
            answer: match (entry.status, entry.sent_at) {
                (_, None) => "",
                (CampaignPlaceStatus::Confirmed, _) => "confirmé",
                (CampaignPlaceStatus::Edited, _) => "modifié",
                (CampaignPlaceStatus::Sent, _) => "sans réponse",
            },
            answered: when(entry.answered_at),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/campagne.html")]
struct CampaignPage {
    layout: Layout,
    frame: Option<Frame>,
    campaign: CampaignView,
    reminder_days: u32,
    places: Vec<PlaceRow>,
}

async fn campaign_page(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (campaign, counts, places) = app.run(move |ctx| campaigns::dashboard(ctx, &actor, &id)).await?;
    Ok(render(
        StatusCode::OK,
        &CampaignPage {
            layout: layout(&campaign.name),
            frame: Frame::of(&user),
            reminder_days: campaign.reminder_days,
            campaign: CampaignView {
                id: campaign.id.clone(),
                name: campaign.name.clone(),
                territory: campaign.territory.clone(),
                created: day(&campaign.created_at),
                counts,
            },
            places: places.into_iter().map(PlaceRow::from).collect(),
        },
    ))
}

async fn remind_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let count = app.run(move |ctx| campaigns::send_reminders(ctx, &actor, &id, now())).await?;
    Ok(message_page(StatusCode::OK, Frame::of(&user), "Relances envoyées", &format!("{count} lieu(x) relancé(s).")))
}
