//! Sources and imports, for administrators: the batches and their reports by line, and
//! uploading a file with one of the mappings built into the binary or saved by the hub (or
//! recognised from its columns when none is chosen). One transaction: a refused file changes
//! nothing. The saved mappings are listed here; the assistant that writes one is `assistant`.

use askama::Template;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::mappings::saved_mappings;
use maillage_app::places::{import_file, import_report, imports};
use maillage_app::{AppError, ImportOptions};
use maillage_formats::mapping::Mapping;
use maillage_store::ReportLine;

use crate::extract::{Administrator, App, CsrfForm, CsrfUpload};
use crate::pages::Layout;
use crate::render::{attachment, day, layout, render, Frame, CSV};
use crate::{WebError, WebState};

/// The mappings shipped with Maillage (`mappings/`), built into the binary by the formats
/// crate so that the page offers them wherever the server runs from.
const MAPPINGS: &[(&str, &str)] = &maillage_formats::mapping::shipped::SHIPPED;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/imports", get(imports_page).post(import_post))
        .route("/admin/imports/carte-nationale", post(national_post))
        .route("/admin/imports/{id}", get(batch_page))
        .route("/admin/imports/{id}/rapport.csv", get(batch_csv))
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
    /// Whether the hub configured the national map's address (the button is offered then).
    national: bool,
    error: Option<String>,
    /// A file held before its commit because places lie outside the hub's départements.
    held: Option<Held>,
}

/// The question asked before importing places outside the hub's territory: the file waits
/// in the drafts (a form cannot send it again), the answer names it by its key.
struct Held {
    key: String,
    file_name: String,
    outside: usize,
    kept: usize,
    departements: String,
    mapping: String,
    source: String,
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
    imports_view_held(user, app, status, error, None).await
}

async fn imports_view_held(
    user: &Administrator,
    app: &App,
    status: StatusCode,
    error: Option<String>,
    held: Option<Held>,
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
            national: app.state.open_data.national_url.is_some(),
            error,
            held,
        },
    ))
}

async fn imports_page(user: Administrator, app: App) -> Result<Response, WebError> {
    imports_view(&user, &app, StatusCode::OK, None).await
}

/// An upload (or the answer to the question about places outside the territory, naming the
/// held file by its key). Unless confirmed, an import with places outside the hub's
/// départements stops before its commit and the page asks.
async fn import_post(user: Administrator, app: App, upload: CsrfUpload) -> Result<Response, WebError> {
    let field = |name: &str| upload.fields.get(name).map(|value| value.trim().to_owned()).filter(|v| !v.is_empty());
    let (confirmed, draft_key) = (field("confirme").is_some(), field("brouillon"));
    let (file_name, bytes) = match (upload.file, &draft_key) {
        (Some((file_name, _, bytes)), _) => (file_name, std::sync::Arc::new(bytes)),
        (None, Some(key)) => {
            let draft = super::assistant::draft_of(&user, &app, key)?;
            (draft.file_name, draft.bytes)
        }
        (None, None) => {
            let message = "Aucun fichier : choisissez le fichier de lieux à importer.".to_owned();
            return imports_view(&user, &app, StatusCode::BAD_REQUEST, Some(message)).await;
        }
    };
    let chosen = field("correspondance");
    let mapping = match chosen.as_deref() {
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
    let source = field("source");
    let actor = user.actor.clone();
    let territory = app.state.territory.clone();
    let (held_bytes, held_source) = (bytes.clone(), source.clone());
    let name = file_name.clone();
    let imported = app
        .run(move |ctx| {
            let departements = maillage_app::territory::hub_departements(ctx.store)?;
            // Without a chosen mapping, a file whose columns are a shipped or saved export's is
            // read with it (the use case adds the saved ones).
            let candidates = maillage_formats::mapping::shipped::all();
            let options = ImportOptions {
                source,
                mapping: mapping.as_ref(),
                candidates: &candidates,
                prune: false,
                territory: Some(&territory),
                hold_outside: (!confirmed && !departements.is_empty()).then_some(&departements),
            };
            let report = import_file(ctx, &actor, &bytes, &name, &options)?;
            Ok((report, departements))
        })
        .await;
    match imported {
        Ok((report, departements)) if report.held => {
            let user_id = user.user().map(|user| user.id.as_str()).unwrap_or_default();
            let key = match draft_key {
                Some(key) => key,
                None => app.state.drafts.keep(user_id, &file_name, held_bytes.to_vec(), held_source.clone()),
            };
            let counts = &report.batch.counts;
            let held = Held {
                key,
                file_name,
                outside: report.outside,
                kept: counts.read.saturating_sub(counts.rejected),
                departements: departements.into_iter().collect::<Vec<_>>().join(", "),
                mapping: chosen.unwrap_or_default(),
                source: held_source.unwrap_or_default(),
            };
            imports_view_held(&user, &app, StatusCode::OK, None, Some(held)).await
        }
        Ok((report, _)) => {
            if let Some(key) = draft_key {
                app.state.drafts.forget(&key);
            }
            // New places may duplicate known ones: the review queue fills in the background.
            super::duplicates::start_scan(&app, user.actor.clone(), "après l'import");
            Ok(Redirect::to(&format!("/admin/imports/{}", report.batch.id)).into_response())
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
    /// This page's lines, of those the filter kept.
    lines: Vec<ReportLine>,
    filter: ReportFilter,
    /// Lines of the report, and those the filter kept.
    total: usize,
    kept: usize,
    /// The fields the report's lines name, for the filter's list.
    fields: Vec<String>,
    page: usize,
    pages: usize,
}

impl BatchPage {
    /// The link to another page of the report, keeping the filter.
    fn page_link(&self, page: usize) -> String {
        let (base, query) = (format!("/admin/imports/{}", self.batch.id), self.filter.query_string());
        if query.is_empty() {
            format!("{base}?page={page}")
        } else {
            format!("{base}?{query}&page={page}")
        }
    }
}

/// Lines of a report per page: a national file gives thousands.
const REPORT_PAGE: usize = 100;

/// A report's filter as typed: the severity's label (`erreur`, `avertissement`, `info`) and a
/// field's name; empty for all.
#[derive(Default)]
struct ReportFilter {
    gravite: String,
    champ: String,
}

impl ReportFilter {
    /// Reads the filter and the page; an unknown severity is refused, naming the parameter.
    fn read(raw: Option<&str>) -> Result<(ReportFilter, usize), WebError> {
        let mut params = crate::query::Params::parse(raw)?;
        let mut text =
            |name: &'static str| -> Result<String, WebError> { Ok(params.get(name)?.unwrap_or("").trim().to_owned()) };
        let (gravite, champ, page) = (text("gravite")?, text("champ")?, text("page")?);
        if !gravite.is_empty() && !SEVERITIES.iter().any(|severity| severity.label() == gravite) {
            return Err(WebError::bad_parameter("gravite", "gravité inconnue : erreur, avertissement ou info"));
        }
        let page = if page.is_empty() { 1 } else { crate::query::integer("page", &page, 1..=1_000_000)? };
        Ok((ReportFilter { gravite, champ }, page))
    }

    fn keeps(&self, line: &ReportLine) -> bool {
        (self.gravite.is_empty() || line.problem.severity.label() == self.gravite)
            && (self.champ.is_empty() || line.problem.field == self.champ)
    }

    fn query_string(&self) -> String {
        let pairs: Vec<(&str, &str)> = [("gravite", &self.gravite), ("champ", &self.champ)]
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| (key, value.as_str()))
            .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

const SEVERITIES: [maillage_domain::Severity; 3] =
    [maillage_domain::Severity::Error, maillage_domain::Severity::Warning, maillage_domain::Severity::Info];

/// One import and its report's lines the filter keeps.
async fn filtered_report(
    user: &Administrator,
    app: &App,
    id: String,
    filter: &ReportFilter,
) -> Result<(maillage_store::ImportBatch, Vec<ReportLine>, usize, Vec<String>), WebError> {
    let actor = user.actor.clone();
    let (batch, lines) = app.run(move |ctx| import_report(ctx, &actor, &id)).await?;
    let total = lines.len();
    let mut fields: Vec<String> = lines.iter().map(|line| line.problem.field.clone()).collect();
    fields.sort();
    fields.dedup();
    let kept = lines.into_iter().filter(|line| filter.keeps(line)).collect();
    Ok((batch, kept, total, fields))
}

async fn batch_page(
    user: Administrator,
    app: App,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let (filter, page) = ReportFilter::read(raw.as_deref())?;
    let (batch, lines, total, fields) = filtered_report(&user, &app, id, &filter).await?;
    let kept = lines.len();
    let pages = kept.div_ceil(REPORT_PAGE).max(1);
    let page = page.min(pages);
    let lines = lines.into_iter().skip((page - 1) * REPORT_PAGE).take(REPORT_PAGE).collect();
    Ok(render(
        StatusCode::OK,
        &BatchPage {
            layout: layout("Rapport d'import"),
            frame: Frame::of(&user),
            batch: BatchView::from(&batch),
            lines,
            filter,
            total,
            kept,
            fields,
            page,
            pages,
        },
    ))
}

/// The report's lines the filter keeps, as CSV (one line per problem, cells made safe for
/// spreadsheets).
async fn batch_csv(
    user: Administrator,
    app: App,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let (filter, _) = ReportFilter::read(raw.as_deref())?;
    let (batch, lines, _, _) = filtered_report(&user, &app, id, &filter).await?;
    let name = format!("rapport-import-{}.csv", batch.id);
    let report = maillage_app::ImportReport { batch, lines, recognised: None, outside: 0, held: false };
    let mut bytes = Vec::new();
    maillage_app::places::report::write_csv(&report, &mut bytes)?;
    Ok(attachment(CSV, &name, bytes))
}

/// "Importer maintenant depuis la carte nationale": the scheduled pull, now. The pull ends with
/// its own duplicate scan, so the review queue is filled when the report opens.
async fn national_post(
    user: Administrator,
    app: App,
    _: CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    let config = app.config.clone();
    match crate::national::pull(&app.state, &config, user.actor.clone()).await {
        Ok(pull) => Ok(Redirect::to(&format!("/admin/imports/{}", pull.import.batch.id)).into_response()),
        Err(err @ (AppError::Input(_) | AppError::Format(_))) => {
            let message = format!("Carte nationale non importée, rien n'a changé : {err}");
            imports_view(&user, &app, StatusCode::UNPROCESSABLE_ENTITY, Some(message)).await
        }
        Err(err) => Err(err.into()),
    }
}
