//! What the hub did: the outbox (mails written to a folder instead of sent) and the audit
//! log, for administrators.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maillage_app::accounts::{self, Permission};

use crate::extract::{Administrator, App};
use crate::pages::Layout;
use crate::render::{day, layout, render, Frame};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/boite-d-envoi", get(outbox_page))
        .route("/admin/boite-d-envoi/{name}", get(outbox_mail_page))
        .route("/admin/journal", get(audit_page))
}

#[derive(Template)]
#[template(path = "admin/boite.html")]
struct OutboxPage {
    layout: Layout,
    frame: Option<Frame>,
    configured: bool,
    mails: Vec<maillage_mail::OutboxMail>,
    selected: Option<maillage_mail::OutboxMail>,
}

async fn outbox(user: Administrator, app: App, name: Option<String>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let outbox = app.config.outbox.clone();
    let (configured, mails, selected) = app
        .run(move |ctx| {
            // The outbox is the mail transport's, at the edge, not a use case's: the page
            // checks the permission itself.
            actor.require(ctx, Permission::Administer)?;
            let Some(outbox) = outbox else { return Ok((false, Vec::new(), None)) };
            let selected = match &name {
                Some(name) => Some(
                    outbox.read(name)?.ok_or_else(|| maillage_store::StoreError::NotFound("courriel".to_owned()))?,
                ),
                None => None,
            };
            Ok((true, outbox.list()?, selected))
        })
        .await?;
    Ok(render(
        StatusCode::OK,
        &OutboxPage { layout: layout("Boîte d'envoi"), frame: Frame::of(&user), configured, mails, selected },
    ))
}

async fn outbox_page(user: Administrator, app: App) -> Result<Response, WebError> {
    outbox(user, app, None).await
}

async fn outbox_mail_page(user: Administrator, app: App, Path(name): Path<String>) -> Result<Response, WebError> {
    outbox(user, app, Some(name)).await
}

#[derive(Template)]
#[template(path = "admin/journal.html")]
struct AuditPage {
    layout: Layout,
    frame: Option<Frame>,
    entries: Vec<(String, String, String, String, String)>,
}

async fn audit_page(user: Administrator, app: App) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let entries = app.run(move |ctx| accounts::audit_log(ctx, &actor, 500)).await?;
    let entries = entries
        .into_iter()
        .map(|entry| {
            (
                day(&entry.at),
                entry.actor.unwrap_or_else(|| "public".to_owned()),
                entry.action,
                entry.target.unwrap_or_default(),
                entry.detail,
            )
        })
        .collect();
    Ok(render(StatusCode::OK, &AuditPage { layout: layout("Journal"), frame: Frame::of(&user), entries }))
}
