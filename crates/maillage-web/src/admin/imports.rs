//! Sources and imports, for administrators: the batches and their reports by line, and
//! uploading a file with one of the mappings built into the binary or saved by the hub (or
//! recognised from its columns when none is chosen). One transaction: a refused file changes
//! nothing. The saved mappings are listed here; the assistant that writes one is `assistant`.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use maillage_app::mappings::saved_mappings;
use maillage_app::places::{import_file, import_report, imports};
use maillage_app::{AppError, ImportOptions};
use maillage_formats::mapping::Mapping;
use maillage_store::ReportLine;

use crate::extract::{Administrator, App, CsrfUpload};
use crate::pages::Layout;
use crate::render::{day, layout, render, Frame};
use crate::{WebError, WebState};

/// The mappings shipped with Maillage (`mappings/`), built into the binary by the formats
/// crate so that the page offers them wherever the server runs from.
const MAPPINGS: &[(&str, &str)] = &maillage_formats::mapping::shipped::SHIPPED;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/imports", get(imports_page).post(import_post))
        .route("/admin/imports/{id}", get(batch_page))
}

struct BatchView {
    id: String,
    source: String,
    file_name: String,
    started: String,
    finished: bool,
    counts: maillage_store::ImportCounts,
}

impl From<&maillage_store::ImportBatch> for BatchView {
    fn from(batch: &maillage_store::ImportBatch) -> Self {
        BatchView {
            id: batch.id.clone(),
            source: batch.source.clone(),
            file_name: batch.file_name.clone(),
            started: day(&batch.started_at),
            finished: batch.finished_at.is_some(),
            counts: batch.counts.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/imports.html")]
struct ImportsPage {
    layout: Layout,
    frame: Option<Frame>,
    batches: Vec<BatchView>,
    /// (source, active places)
    sources: Vec<(String, usize)>,
    mappings: Vec<&'static str>,
    saved: Vec<SavedView>,
    error: Option<String>,
}

/// A saved mapping, as listed.
struct SavedView {
    name: String,
    source: String,
    version: u32,
    updated: String,
    columns: usize,
}

/// The select's value for a saved mapping (shipped ones are their names).
const SAVED_PREFIX: &str = "enregistree:";

pub(super) async fn imports_view(
    user: &Administrator,
    app: &App,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (batches, sources, saved) = app
        .run(move |ctx| {
            let (batches, sources) = imports(ctx, &actor)?;
            let batches: Vec<BatchView> = batches.iter().map(BatchView::from).collect();
            let sources = sources.into_iter().map(|s| (s.source, s.active)).collect();
            let saved = saved_mappings(ctx, &actor)?
                .into_iter()
                .map(|saved| SavedView {
                    updated: day(&saved.updated_at),
                    columns: saved.layout.len(),
                    name: saved.name,
                    source: saved.source,
                    version: saved.version,
                })
                .collect();
            Ok((batches, sources, saved))
        })
        .await?;
    Ok(render(
        status,
        &ImportsPage {
            layout: layout("Sources et imports"),
            frame: Frame::of(user),
            batches,
            sources,
            mappings: MAPPINGS.iter().map(|(name, _)| *name).collect(),
            saved,
            error,
        },
    ))
}

async fn imports_page(user: Administrator, app: App) -> Result<Response, WebError> {
    imports_view(&user, &app, StatusCode::OK, None).await
}

async fn import_post(user: Administrator, app: App, upload: CsrfUpload) -> Result<Response, WebError> {
    let Some((file_name, _, bytes)) = upload.file else {
        let message = "Aucun fichier : choisissez le fichier de lieux à importer.".to_owned();
        return imports_view(&user, &app, StatusCode::BAD_REQUEST, Some(message)).await;
    };
    let chosen = upload.fields.get("correspondance").map(|name| name.trim()).filter(|name| !name.is_empty());
    let mapping = match chosen {
        None => None,
        Some(value) if value.starts_with(SAVED_PREFIX) => {
            let (actor, name) = (user.actor.clone(), value[SAVED_PREFIX.len()..].to_owned());
            let saved = app.run(move |ctx| maillage_app::mappings::saved_mapping(ctx, &actor, &name)).await?;
            Some(maillage_app::mappings::parse_mapping(&saved.toml)?)
        }
        Some(name) => match MAPPINGS.iter().find(|(known, _)| *known == name) {
            Some((_, text)) => Some(
                Mapping::from_toml(text)
                    .map_err(|err| WebError::from(AppError::Input(format!("correspondance {name} : {err}"))))?,
            ),
            None => {
                let message = format!("Correspondance inconnue : « {name} ».");
                return imports_view(&user, &app, StatusCode::BAD_REQUEST, Some(message)).await;
            }
        },
    };
    let source = upload.fields.get("source").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let actor = user.actor.clone();
    let territory = app.state.territory.clone();
    let imported = app
        .run(move |ctx| {
            // Without a chosen mapping, a file whose columns are a shipped or saved export's is
            // read with it (the use case adds the saved ones).
            let candidates = maillage_formats::mapping::shipped::all();
            let options = ImportOptions {
                source,
                mapping: mapping.as_ref(),
                candidates: &candidates,
                prune: false,
                territory: Some(&territory),
            };
            Ok(import_file(ctx, &actor, &bytes, &file_name, &options)?.batch.id)
        })
        .await;
    match imported {
        Ok(batch) => {
            // New places may duplicate known ones: the review queue fills in the background.
            super::duplicates::start_scan(&app, user.actor.clone(), "après l'import");
            Ok(Redirect::to(&format!("/admin/imports/{batch}")).into_response())
        }
        // A file that cannot be read: the store is unchanged, the page says why.
        Err(err @ (AppError::Input(_) | AppError::Format(_))) => {
            let message = format!("Fichier refusé, rien n'a été importé : {err}");
            imports_view(&user, &app, StatusCode::UNPROCESSABLE_ENTITY, Some(message)).await
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "admin/import.html")]
struct BatchPage {
    layout: Layout,
    frame: Option<Frame>,
    batch: BatchView,
    lines: Vec<ReportLine>,
}

async fn batch_page(user: Administrator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (batch, lines) = app
        .run(move |ctx| {
            let (batch, lines) = import_report(ctx, &actor, &id)?;
            Ok((BatchView::from(&batch), lines))
        })
        .await?;
    Ok(render(StatusCode::OK, &BatchPage { layout: layout("Rapport d'import"), frame: Frame::of(&user), batch, lines }))
}
