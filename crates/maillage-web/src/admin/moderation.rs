//! The moderation queue with field-by-field diffs: approve (with corrections), reject with
//! a reason, and close public reports ("signaler une erreur").

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::moderation::{self, FieldChange};
use maillage_app::{AppError, FieldError};
use maillage_store::ProposalKind;
use serde::Deserialize;

use super::places::{place_page, posted_fields, version_of, PlaceForm};
use super::{label, now};
use crate::extract::{App, Coordinator, CsrfForm};
use crate::pages::Layout;
use crate::render::{day, layout, render, Frame};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/moderation", get(queue_page))
        .route("/admin/moderation/{id}/corriger", get(correct_page))
        .route("/admin/moderation/{id}/approuver", post(approve_post))
        .route("/admin/moderation/{id}/refuser", post(reject_post))
        .route("/admin/signalements/{id}/traiter", post(resolve_post))
}

struct QueueView {
    id: String,
    kind: &'static str,
    place_id: String,
    place_name: String,
    version: u32,
    author: String,
    created: String,
    note: String,
    changes: Vec<FieldChange>,
    is_edit: bool,
}

struct ReportView {
    id: String,
    place_id: String,
    place_name: String,
    category: String,
    message: String,
    created: String,
}

#[derive(Template)]
#[template(path = "admin/moderation.html")]
struct QueuePage {
    layout: Layout,
    frame: Option<Frame>,
    items: Vec<QueueView>,
    reports: Vec<ReportView>,
}

async fn queue_page(user: Coordinator, app: App) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (items, reports) = app.run(move |ctx| moderation::queue(ctx, &actor)).await?;
    let items = items
        .into_iter()
        .map(|item| QueueView {
            id: item.proposal.id.clone(),
            kind: match item.proposal.kind {
                ProposalKind::Edit { .. } => "Modification proposée",
                ProposalKind::Claim { .. } => "Demande de gestion",
            },
            is_edit: matches!(item.proposal.kind, ProposalKind::Edit { .. }),
            place_id: item.place.id.0.clone(),
            place_name: item.place.record.nom.clone(),
            version: item.place.version,
            author: item.author.map(|user| format!("{} <{}>", user.name, user.email)).unwrap_or_default(),
            created: day(&item.proposal.created_at),
            note: match &item.proposal.kind {
                ProposalKind::Claim { message } => message.clone(),
                ProposalKind::Edit { .. } => item.proposal.reason.clone().unwrap_or_default(),
            },
            changes: item.changes,
        })
        .collect();
    let reports = reports
        .into_iter()
        .map(|item| ReportView {
            id: item.report.id.clone(),
            place_id: item.place.id.0.clone(),
            place_name: item.place.record.nom.clone(),
            category: maillage_store::PlaceReport::CATEGORIES
                .iter()
                .find(|(key, _)| *key == item.report.category)
                .map(|(_, label)| label.to_string())
                .unwrap_or(item.report.category.clone()),
            message: item.report.message.clone(),
            created: day(&item.report.created_at),
        })
        .collect();
    Ok(render(StatusCode::OK, &QueuePage { layout: layout("Modération"), frame: Frame::of(&user), items, reports }))
}

async fn correct_page(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let proposal_id = id.clone();
    let (place, record) = app.run(move |ctx| moderation::proposal_to_correct(ctx, &actor, &proposal_id)).await?;
    Ok(place_page(
        &user,
        StatusCode::OK,
        PlaceForm {
            heading: format!("Corriger puis approuver « {} »", place.record.nom),
            action: format!("/admin/moderation/{id}/approuver"),
            correcting: true,
            note: "La version corrigée sera publiée au nom de l'auteur de la proposition.".to_owned(),
            ..PlaceForm::edit(place.id.0.clone(), place.version, moderation::form_values(&record), &[])
        },
    ))
}

fn describe(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("{} : {}", label(&e.field), e.message)).collect::<Vec<_>>().join(" ; ")
}

/// Approve a proposal, with the reviewer's corrections when `corrige=1` (the place fields).
async fn approve_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (form, fields, week_error) = posted_fields(pairs);
    if let Some(error) = week_error {
        return Err(WebError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "valeurs_invalides",
            "Corrections invalides",
            describe(&[error]),
        ));
    }
    let seen = version_of(&form);
    let corrected = (form.get("corrige").map(String::as_str) == Some("1")).then_some(fields);
    match app.run(move |ctx| moderation::approve(ctx, &actor, &id, seen, corrected.as_ref(), now())).await {
        Ok(()) => Ok(Redirect::to("/admin/moderation").into_response()),
        Err(AppError::Invalid(errors)) => Err(WebError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "valeurs_invalides",
            "Corrections invalides",
            describe(&errors),
        )),
        Err(err) => Err(err.into()),
    }
}

#[derive(Deserialize)]
struct Reject {
    #[serde(default)]
    motif: String,
}

async fn reject_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Reject>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    app.run(move |ctx| moderation::reject(ctx, &actor, &id, &form.motif, now())).await?;
    Ok(Redirect::to("/admin/moderation").into_response())
}

#[derive(Deserialize)]
struct Resolve {
    #[serde(default)]
    suite: String,
}

async fn resolve_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Resolve>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    app.run(move |ctx| moderation::resolve_report(ctx, &actor, &id, &form.suite, now())).await?;
    Ok(Redirect::to("/admin/moderation#signalements").into_response())
}
