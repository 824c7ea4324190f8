//! The hub's configuration pages, for administrators only: bassins de vie (list, CSV import
//! with its problems, export), sources and imports (batches, their reports, uploading a file
//! with a shipped mapping), indicators (list, CSV import) and branding (name, colour, logo).
//!
//! As in `admin.rs`: every POST checks the session's CSRF token before anything else; the
//! use cases check the permission again, next to the write, and write the audit entry. A
//! refused file changes nothing: the use cases read and check the whole file before their one
//! transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maillage_app::coverage::indicators::{import_indicator, indicators, IndicatorImport, IndicatorReport};
use maillage_app::hub::branding::{save_branding, Branding, BrandingForm, Logo};
use maillage_app::places::{import_file, import_report, imports};
use maillage_app::territory::bassins::{bassins, import_bassins, write_bassins_csv, CoverageCheck, FILE_FIELD};
use maillage_app::{AppError, ImportOptions};
use maillage_formats::mapping::Mapping;
use maillage_store::{IndicatorLevel, ReportLine};

use crate::auth::{error_response, layout, render, run, signed_in, Accounts, AccountsConfig, Frame, Visitor};
use crate::branding;
use crate::pages::Layout;
use crate::WebState;

/// The mappings shipped with Maillage (`mappings/`), built into the binary by the formats
/// crate so that the page offers them wherever the server runs from.
const MAPPINGS: &[(&str, &str)] = &maillage_formats::mapping::shipped::SHIPPED;

/// Source files of a whole region can be tens of megabytes.
const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

pub fn routes(config: Arc<AccountsConfig>) -> Router<WebState> {
    Router::new()
        .route("/admin/bassins", get(bassins_page).post(bassins_post))
        .route("/admin/bassins.csv", get(bassins_export))
        .route("/admin/imports", get(imports_page).post(import_post))
        .route("/admin/imports/{id}", get(batch_page))
        .route("/admin/indicateurs", get(indicators_page).post(indicator_post))
        .route("/admin/marque", get(branding_page).post(branding_post))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(Extension(config))
}

/// An administrator's session, or the response that refuses the request: a redirection to
/// the sign-in page for the public, 403 for the other roles.
async fn administrator(state: &WebState, headers: &HeaderMap, back: &str) -> Result<Visitor, Response> {
    let visitor = signed_in(state, headers, back).await?;
    if !matches!(visitor.user().map(|user| &user.role), Some(maillage_store::Role::Administrateur)) {
        return Err(error_response(
            AppError::Forbidden("Cette page est réservée aux administrateurs du hub.".to_owned()),
            Frame::of(&visitor),
        ));
    }
    Ok(visitor)
}

macro_rules! administrator_or_return {
    ($state:expr, $headers:expr, $back:expr) => {
        match administrator(&$state, &$headers, $back).await {
            Ok(visitor) => visitor,
            Err(response) => return response,
        }
    };
}

/// A posted multipart form: its text fields and its file, if one was chosen.
struct Upload {
    fields: BTreeMap<String, String>,
    file: Option<(String, String, Vec<u8>)>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload { fields: BTreeMap::new(), file: None };
    while let Some(field) = multipart.next_field().await.map_err(|err| format!("envoi illisible : {err}"))? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let content_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
                let bytes = field.bytes().await.map_err(|err| format!("fichier illisible : {err}"))?;
                // An empty file input is sent with an empty name and no bytes.
                if !file_name.is_empty() || !bytes.is_empty() {
                    upload.file = Some((file_name, content_type, bytes.to_vec()));
                }
            }
            None => {
                let text = field.text().await.map_err(|err| format!("champ {name} illisible : {err}"))?;
                upload.fields.insert(name, text);
            }
        }
    }
    Ok(upload)
}

/// The upload, once its CSRF token is checked; else the refusal.
async fn checked_upload(visitor: &Visitor, multipart: Multipart) -> Result<Upload, Response> {
    let upload =
        read_upload(multipart).await.map_err(|message| error_response(AppError::Input(message), Frame::of(visitor)))?;
    if let Some(refused) = visitor.csrf_refusal(&upload.fields) {
        return Err(refused);
    }
    Ok(upload)
}

fn day(at: &chrono::DateTime<chrono::Utc>) -> String {
    maillage_domain::hours::paris_local(*at).format("%d/%m/%Y %H:%M").to_string()
}

// ---- bassins de vie

#[derive(Template)]
#[template(path = "admin/bassins.html")]
struct BassinsPage {
    layout: Layout,
    frame: Option<Frame>,
    /// (bassin, département, communes and EPCI as listed).
    bassins: Vec<(String, String, usize)>,
    check: CoverageCheck,
    /// The refused file's problems, each with its line.
    problems: Vec<String>,
    imported: Option<usize>,
}

async fn bassins_view(
    state: &WebState,
    config: &Arc<AccountsConfig>,
    visitor: &Visitor,
    status: StatusCode,
    problems: Vec<String>,
    imported: Option<usize>,
) -> Response {
    let actor = visitor.actor.clone();
    let territory = state.territory.clone();
    let loaded = run(state, config, move |ctx| {
        let (members, check) = bassins(ctx, &actor, &territory)?;
        let mut bassins: BTreeMap<(String, String), usize> = BTreeMap::new();
        for member in &members {
            *bassins.entry((member.bassin.clone(), member.departement.clone())).or_default() += 1;
        }
        Ok((bassins.into_iter().map(|((b, d), n)| (b, d, n)).collect(), check))
    })
    .await;
    match loaded {
        Ok((bassins, check)) => render(
            status,
            &BassinsPage {
                layout: layout("Bassins de vie"),
                frame: Frame::of(visitor),
                bassins,
                check,
                problems,
                imported,
            },
        ),
        Err(err) => error_response(err, Frame::of(visitor)),
    }
}

async fn bassins_page(State(state): State<WebState>, Extension(config): Accounts, headers: HeaderMap) -> Response {
    let visitor = administrator_or_return!(state, headers, "/admin/bassins");
    bassins_view(&state, &config, &visitor, StatusCode::OK, Vec::new(), None).await
}

async fn bassins_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let visitor = administrator_or_return!(state, headers, "/admin/bassins");
    let upload = match checked_upload(&visitor, multipart).await {
        Ok(upload) => upload,
        Err(refused) => return refused,
    };
    let Some((file_name, _, bytes)) = upload.file else {
        let problems = vec!["Aucun fichier : choisissez un fichier CSV de bassins.".to_owned()];
        return bassins_view(&state, &config, &visitor, StatusCode::BAD_REQUEST, problems, None).await;
    };
    let actor = visitor.actor.clone();
    let territory = state.territory.clone();
    let written = run(&state, &config, move |ctx| import_bassins(ctx, &actor, &territory, &file_name, &bytes)).await;
    match written {
        Ok(count) => bassins_view(&state, &config, &visitor, StatusCode::OK, Vec::new(), Some(count)).await,
        Err(AppError::Invalid(problems)) if problems.iter().all(|problem| problem.field == FILE_FIELD) => {
            let problems = problems.into_iter().map(|problem| problem.message).collect();
            bassins_view(&state, &config, &visitor, StatusCode::UNPROCESSABLE_ENTITY, problems, None).await
        }
        Err(err) => error_response(err, Frame::of(&visitor)),
    }
}

async fn bassins_export(State(state): State<WebState>, Extension(config): Accounts, headers: HeaderMap) -> Response {
    let visitor = administrator_or_return!(state, headers, "/admin/bassins");
    let actor = visitor.actor.clone();
    let territory = state.territory.clone();
    let written = run(&state, &config, move |ctx| {
        let (members, _) = bassins(ctx, &actor, &territory)?;
        let mut out = Vec::new();
        write_bassins_csv(&territory, &members, &mut out).map_err(|err| AppError::Input(err.to_string()))?;
        Ok(out)
    })
    .await;
    match written {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"bassins.csv\""),
            ],
            bytes,
        )
            .into_response(),
        Err(err) => error_response(err, Frame::of(&visitor)),
    }
}

// ---- sources and imports

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
    error: Option<String>,
}

async fn imports_view(
    state: &WebState,
    config: &Arc<AccountsConfig>,
    visitor: &Visitor,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let actor = visitor.actor.clone();
    let loaded = run(state, config, move |ctx| {
        let (batches, sources) = imports(ctx, &actor)?;
        let batches: Vec<BatchView> = batches.iter().map(BatchView::from).collect();
        let sources = sources.into_iter().map(|s| (s.source, s.active)).collect();
        Ok((batches, sources))
    })
    .await;
    match loaded {
        Ok((batches, sources)) => render(
            status,
            &ImportsPage {
                layout: layout("Sources et imports"),
                frame: Frame::of(visitor),
                batches,
                sources,
                mappings: MAPPINGS.iter().map(|(name, _)| *name).collect(),
                error,
            },
        ),
        Err(err) => error_response(err, Frame::of(visitor)),
    }
}

async fn imports_page(State(state): State<WebState>, Extension(config): Accounts, headers: HeaderMap) -> Response {
    let visitor = administrator_or_return!(state, headers, "/admin/imports");
    imports_view(&state, &config, &visitor, StatusCode::OK, None).await
}

async fn import_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let visitor = administrator_or_return!(state, headers, "/admin/imports");
    let upload = match checked_upload(&visitor, multipart).await {
        Ok(upload) => upload,
        Err(refused) => return refused,
    };
    let Some((file_name, _, bytes)) = upload.file else {
        let message = "Aucun fichier : choisissez le fichier de lieux à importer.".to_owned();
        return imports_view(&state, &config, &visitor, StatusCode::BAD_REQUEST, Some(message)).await;
    };
    let mapping = match upload.fields.get("correspondance").map(|name| name.trim()).filter(|name| !name.is_empty()) {
        None => None,
        Some(name) => match MAPPINGS.iter().find(|(known, _)| *known == name) {
            Some((_, text)) => match Mapping::from_toml(text) {
                Ok(mapping) => Some(mapping),
                Err(err) => return error_response(AppError::Input(format!("correspondance {name} : {err}")), None),
            },
            None => {
                let message = format!("Correspondance inconnue : « {name} ».");
                return imports_view(&state, &config, &visitor, StatusCode::BAD_REQUEST, Some(message)).await;
            }
        },
    };
    let source = upload.fields.get("source").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let actor = visitor.actor.clone();
    let territory = state.territory.clone();
    let imported = run(&state, &config, move |ctx| {
        // Without a chosen mapping, a file whose columns are a shipped export's is read with it.
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
        Ok(batch) => Redirect::to(&format!("/admin/imports/{batch}")).into_response(),
        // A file that cannot be read: the store is unchanged, the page says why.
        Err(err @ (AppError::Input(_) | AppError::Format(_))) => {
            let message = format!("Fichier refusé, rien n'a été importé : {err}");
            imports_view(&state, &config, &visitor, StatusCode::UNPROCESSABLE_ENTITY, Some(message)).await
        }
        Err(err) => error_response(err, Frame::of(&visitor)),
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

async fn batch_page(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let visitor = administrator_or_return!(state, headers, "/admin/imports");
    let actor = visitor.actor.clone();
    let loaded = run(&state, &config, move |ctx| {
        let (batch, lines) = import_report(ctx, &actor, &id)?;
        Ok((BatchView::from(&batch), lines))
    })
    .await;
    match loaded {
        Ok((batch, lines)) => render(
            StatusCode::OK,
            &BatchPage { layout: layout("Rapport d'import"), frame: Frame::of(&visitor), batch, lines },
        ),
        Err(err) => error_response(err, Frame::of(&visitor)),
    }
}

// ---- indicators

#[derive(Template)]
#[template(path = "admin/indicateurs.html")]
struct IndicatorsPage {
    layout: Layout,
    frame: Option<Frame>,
    /// (name, level, description, file, imported, values)
    indicators: Vec<(String, &'static str, String, String, String, usize)>,
    report: Option<IndicatorReport>,
    error: Option<String>,
}

async fn indicators_view(
    state: &WebState,
    config: &Arc<AccountsConfig>,
    visitor: &Visitor,
    status: StatusCode,
    report: Option<IndicatorReport>,
    error: Option<String>,
) -> Response {
    let actor = visitor.actor.clone();
    let loaded = run(state, config, move |ctx| {
        Ok(indicators(ctx, &actor)?
            .into_iter()
            .map(|(definition, count)| {
                let imported = day(&definition.imported_at);
                let level = definition.level.as_str();
                (definition.name, level, definition.description, definition.source_file, imported, count)
            })
            .collect())
    })
    .await;
    match loaded {
        Ok(indicators) => render(
            status,
            &IndicatorsPage { layout: layout("Indicateurs"), frame: Frame::of(visitor), indicators, report, error },
        ),
        Err(err) => error_response(err, Frame::of(visitor)),
    }
}

async fn indicators_page(State(state): State<WebState>, Extension(config): Accounts, headers: HeaderMap) -> Response {
    let visitor = administrator_or_return!(state, headers, "/admin/indicateurs");
    indicators_view(&state, &config, &visitor, StatusCode::OK, None, None).await
}

async fn indicator_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let visitor = administrator_or_return!(state, headers, "/admin/indicateurs");
    let upload = match checked_upload(&visitor, multipart).await {
        Ok(upload) => upload,
        Err(refused) => return refused,
    };
    let refuse = |message: String| (StatusCode::UNPROCESSABLE_ENTITY, Some(message));
    let field = |name: &str| upload.fields.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
    let level = match IndicatorLevel::parse(&field("niveau")) {
        Some(level) => level,
        None => {
            let (status, error) = refuse("Niveau : « commune » ou « epci » attendu.".to_owned());
            return indicators_view(&state, &config, &visitor, status, None, error).await;
        }
    };
    let options = IndicatorImport {
        name: field("nom"),
        level,
        code_column: Some(field("colonne_code")).filter(|c| !c.is_empty()).unwrap_or_else(|| "code".to_owned()),
        value_column: Some(field("colonne_valeur")).filter(|c| !c.is_empty()),
        description: Some(field("description")).filter(|d| !d.is_empty()),
    };
    let Some((file_name, _, bytes)) = upload.file else {
        let (status, error) = refuse("Aucun fichier : choisissez un fichier CSV de valeurs.".to_owned());
        return indicators_view(&state, &config, &visitor, status, None, error).await;
    };
    let actor = visitor.actor.clone();
    let territory = state.territory.clone();
    let imported =
        run(&state, &config, move |ctx| import_indicator(ctx, &actor, &territory, &bytes, &file_name, &options)).await;
    match imported {
        Ok(report) => indicators_view(&state, &config, &visitor, StatusCode::OK, Some(report), None).await,
        Err(err @ (AppError::Input(_) | AppError::Format(_))) => {
            let (status, error) = refuse(format!("Fichier refusé, rien n'a été importé : {err}"));
            indicators_view(&state, &config, &visitor, status, None, error).await
        }
        Err(err) => error_response(err, Frame::of(&visitor)),
    }
}

// ---- branding

#[derive(Template)]
#[template(path = "admin/marque.html")]
struct BrandingPage {
    layout: Layout,
    frame: Option<Frame>,
    name: String,
    colour: String,
    logo_url: String,
    logo_shown: Option<String>,
    errors: Vec<maillage_app::FieldError>,
    saved: bool,
}

impl BrandingPage {
    fn error_for(&self, field: &str) -> Option<String> {
        let messages: Vec<&str> = self.errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect();
        (!messages.is_empty()).then(|| messages.join(" ; "))
    }
}

fn branding_view(
    visitor: &Visitor,
    current: &Branding,
    status: StatusCode,
    sent: Option<(&BTreeMap<String, String>, Vec<maillage_app::FieldError>)>,
    saved: bool,
) -> Response {
    let (name, colour, logo_url, errors) = match sent {
        Some((fields, errors)) => (
            fields.get("nom").cloned().unwrap_or_default(),
            fields.get("couleur").cloned().unwrap_or_default(),
            fields.get("logo_url").cloned().unwrap_or_default(),
            errors,
        ),
        None => (
            current.name.clone(),
            current.colour.clone(),
            match &current.logo {
                Some(Logo::Url(url)) => url.clone(),
                _ => String::new(),
            },
            Vec::new(),
        ),
    };
    render(
        status,
        &BrandingPage {
            layout: layout("Identité du hub"),
            frame: Frame::of(visitor),
            name,
            colour,
            logo_url,
            logo_shown: branding::logo_url(current),
            errors,
            saved,
        },
    )
}

async fn branding_page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let visitor = administrator_or_return!(state, headers, "/admin/marque");
    branding_view(&visitor, &state.branding.current(), StatusCode::OK, None, false)
}

async fn branding_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let visitor = administrator_or_return!(state, headers, "/admin/marque");
    let upload = match checked_upload(&visitor, multipart).await {
        Ok(upload) => upload,
        Err(refused) => return refused,
    };
    let field = |name: &str| upload.fields.get(name).cloned().unwrap_or_default();
    let form = BrandingForm {
        name: field("nom"),
        colour: field("couleur"),
        logo_url: field("logo_url"),
        upload: upload.file.map(|(_, content_type, bytes)| (content_type, bytes)),
        remove_logo: field("retirer_logo") == "1",
    };
    let actor = visitor.actor.clone();
    match run(&state, &config, move |ctx| save_branding(ctx, &actor, &form)).await {
        Ok(branding) => {
            state.branding.replace(branding.clone());
            branding_view(&visitor, &branding, StatusCode::OK, None, true)
        }
        Err(AppError::Invalid(errors)) => {
            let current = state.branding.current();
            branding_view(&visitor, &current, StatusCode::UNPROCESSABLE_ENTITY, Some((&upload.fields, errors)), false)
        }
        Err(err) => error_response(err, Frame::of(&visitor)),
    }
}
