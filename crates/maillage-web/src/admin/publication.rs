//! The open-data publication page, for administrators: where the hub publishes, what the
//! latest publication wrote (each file with its count, size and SHA-256, and its stable
//! address), and the button that publishes now. The use case checks the permission again and
//! writes the audit entry.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maillage_app::publication::{latest, publish, Manifest};
use serde::de::IgnoredAny;

use crate::extract::{Administrator, App, CsrfForm};
use crate::pages::Layout;
use crate::render::{layout, render, Frame};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new().route("/admin/publication", get(page).post(publish_post))
}

#[derive(Template)]
#[template(path = "admin/publication.html")]
struct PublicationPage {
    layout: Layout,
    frame: Option<Frame>,
    /// The folder, when the hub configured one.
    folder: Option<String>,
    manifest: Option<Manifest>,
    /// What was just done, in French.
    done: Option<String>,
    error: Option<String>,
}

impl PublicationPage {
    /// The manifest's date and time, in Paris, as people read it.
    fn published_at(&self) -> String {
        self.manifest
            .as_ref()
            .map(|manifest| maillage_domain::paris_local(manifest.publie_le).format("%d/%m/%Y à %H:%M").to_string())
            .unwrap_or_default()
    }
}

async fn view(
    user: &Administrator,
    app: &App,
    status: StatusCode,
    done: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let folder = app.state.open_data.publication_dir.clone();
    let manifest = match folder.clone() {
        Some(dir) => crate::state::run_blocking(move || latest(&dir)).await.unwrap_or(None),
        None => None,
    };
    Ok(render(
        status,
        &PublicationPage {
            layout: layout("Données ouvertes"),
            frame: Frame::of(user),
            folder: folder.map(|dir| dir.display().to_string()),
            manifest,
            done,
            error,
        },
    ))
}

async fn page(user: Administrator, app: App) -> Result<Response, WebError> {
    view(&user, &app, StatusCode::OK, None, None).await
}

async fn publish_post(user: Administrator, app: App, _: CsrfForm<IgnoredAny>) -> Result<Response, WebError> {
    let Some(settings) = app.state.open_data.publication(&app.state) else {
        let message = "Aucun dossier de publication : l'hébergeur du hub le donne par MAILLAGE_PUBLICATION_DIR.";
        return view(&user, &app, StatusCode::CONFLICT, None, Some(message.to_owned())).await;
    };
    let actor = user.actor.clone();
    let territory = app.state.territory.clone();
    match app.run(move |ctx| publish(ctx, &actor, &territory, &settings)).await {
        Ok(manifest) => {
            let done = format!("Publication faite : {} lieux, {} fichiers.", manifest.lieux, manifest.fichiers.len());
            view(&user, &app, StatusCode::OK, Some(done), None).await
        }
        Err(maillage_app::AppError::Input(message)) => {
            view(&user, &app, StatusCode::UNPROCESSABLE_ENTITY, None, Some(message)).await
        }
        Err(err) => Err(err.into()),
    }
}
