//! The hub's configuration pages, for administrators only: bassins de vie (list, CSV import
//! with its problems, export), indicators (list, CSV import) and branding (name, colour,
//! logo).
//!
//! The use cases check the permission again, next to the write, and write the audit entry.
//! A refused file changes nothing: the use cases read and check the whole file before their
//! one transaction.

use std::collections::BTreeMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maillage_app::coverage::indicators::{import_indicator, indicators, IndicatorImport, IndicatorReport};
use maillage_app::hub::branding::{save_branding, Branding, BrandingForm, Logo};
use maillage_app::territory::bassins::{bassins, import_bassins, write_bassins_csv, CoverageCheck, FILE_FIELD};
use maillage_app::AppError;
use maillage_store::IndicatorLevel;

use super::{file_outcome, no_file};
use crate::branding;
use crate::extract::{Administrator, App, CsrfUpload};
use crate::pages::Layout;
use crate::render::{attachment, day, layout, render, Frame, CSV};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/bassins", get(bassins_page).post(bassins_post))
        .route("/admin/bassins.csv", get(bassins_export))
        .route("/admin/indicateurs", get(indicators_page).post(indicator_post))
        .route("/admin/marque", get(branding_page).post(branding_post))
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
    user: &Administrator,
    app: &App,
    status: StatusCode,
    problems: Vec<String>,
    imported: Option<usize>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let territory = app.state.territory.clone();
    let (bassins, check) = app
        .run(move |ctx| {
            let (members, check) = bassins(ctx, &actor, &territory)?;
            let mut bassins: BTreeMap<(String, String), usize> = BTreeMap::new();
            for member in &members {
                *bassins.entry((member.bassin.clone(), member.departement.clone())).or_default() += 1;
            }
            Ok((bassins.into_iter().map(|((b, d), n)| (b, d, n)).collect(), check))
        })
        .await?;
    Ok(render(
        status,
        &BassinsPage { layout: layout("Bassins de vie"), frame: Frame::of(user), bassins, check, problems, imported },
    ))
}

async fn bassins_page(user: Administrator, app: App) -> Result<Response, WebError> {
    bassins_view(&user, &app, StatusCode::OK, Vec::new(), None).await
}

async fn bassins_post(user: Administrator, app: App, upload: CsrfUpload) -> Result<Response, WebError> {
    let (status, problems, imported) = match upload.file {
        None => no_file("Aucun fichier : choisissez un fichier CSV de bassins."),
        Some((file_name, _, bytes)) => {
            let actor = user.actor.clone();
            let territory = app.state.territory.clone();
            let result = app.run(move |ctx| import_bassins(ctx, &actor, &territory, &file_name, &bytes)).await;
            file_outcome(result, FILE_FIELD)?
        }
    };
    bassins_view(&user, &app, status, problems, imported).await
}

async fn bassins_export(user: Administrator, app: App) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let territory = app.state.territory.clone();
    let bytes = app
        .run(move |ctx| {
            let (members, _) = bassins(ctx, &actor, &territory)?;
            let mut out = Vec::new();
            write_bassins_csv(&territory, &members, &mut out).map_err(|err| AppError::Input(err.to_string()))?;
            Ok(out)
        })
        .await?;
    Ok(attachment(CSV, "bassins.csv", bytes))
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
    user: &Administrator,
    app: &App,
    status: StatusCode,
    report: Option<IndicatorReport>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let indicators = app
        .run(move |ctx| {
            Ok(indicators(ctx, &actor)?
                .into_iter()
                .map(|(definition, count)| {
                    let imported = day(&definition.imported_at);
                    let level = definition.level.as_str();
                    (definition.name, level, definition.description, definition.source_file, imported, count)
                })
                .collect())
        })
        .await?;
    Ok(render(
        status,
        &IndicatorsPage { layout: layout("Indicateurs"), frame: Frame::of(user), indicators, report, error },
    ))
}

async fn indicators_page(user: Administrator, app: App) -> Result<Response, WebError> {
    indicators_view(&user, &app, StatusCode::OK, None, None).await
}

async fn indicator_post(user: Administrator, app: App, upload: CsrfUpload) -> Result<Response, WebError> {
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    let field = |name: &str| upload.field(name).trim().to_owned();
    let Some(level) = IndicatorLevel::parse(&field("niveau")) else {
        let error = Some("Niveau : « commune » ou « epci » attendu.".to_owned());
        return indicators_view(&user, &app, refused, None, error).await;
    };
    let options = IndicatorImport {
        name: field("nom"),
        level,
        code_column: Some(field("colonne_code")).filter(|c| !c.is_empty()).unwrap_or_else(|| "code".to_owned()),
        value_column: Some(field("colonne_valeur")).filter(|c| !c.is_empty()),
        description: Some(field("description")).filter(|d| !d.is_empty()),
    };
    let Some((file_name, _, bytes)) = upload.file else {
        let error = Some("Aucun fichier : choisissez un fichier CSV de valeurs.".to_owned());
        return indicators_view(&user, &app, refused, None, error).await;
    };
    let actor = user.actor.clone();
    let territory = app.state.territory.clone();
    match app.run(move |ctx| import_indicator(ctx, &actor, &territory, &bytes, &file_name, &options)).await {
        Ok(report) => indicators_view(&user, &app, StatusCode::OK, Some(report), None).await,
        Err(err @ (AppError::Input(_) | AppError::Format(_))) => {
            let error = Some(format!("Fichier refusé, rien n'a été importé : {err}"));
            indicators_view(&user, &app, refused, None, error).await
        }
        Err(err) => Err(err.into()),
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
    contact: String,
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
    user: &Administrator,
    current: &Branding,
    status: StatusCode,
    sent: Option<(&BTreeMap<String, String>, Vec<maillage_app::FieldError>)>,
    saved: bool,
) -> Response {
    let contact = match sent {
        Some((fields, _)) => fields.get("contact").cloned().unwrap_or_default(),
        None => current.contact.clone(),
    };
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
            frame: Frame::of(user),
            name,
            colour,
            logo_url,
            contact,
            logo_shown: branding::logo_url(current),
            errors,
            saved,
        },
    )
}

async fn branding_page(user: Administrator, app: App) -> Response {
    branding_view(&user, &app.state.branding.current(), StatusCode::OK, None, false)
}

async fn branding_post(user: Administrator, app: App, mut upload: CsrfUpload) -> Result<Response, WebError> {
    let form = BrandingForm {
        name: upload.field("nom"),
        colour: upload.field("couleur"),
        logo_url: upload.field("logo_url"),
        upload: upload.file.take().map(|(_, content_type, bytes)| (content_type, bytes)),
        remove_logo: upload.field("retirer_logo") == "1",
        contact: upload.field("contact"),
    };
    let actor = user.actor.clone();
    match app.run(move |ctx| save_branding(ctx, &actor, &form)).await {
        Ok(branding) => {
            app.state.branding.replace(branding.clone());
            Ok(branding_view(&user, &branding, StatusCode::OK, None, true))
        }
        Err(AppError::Invalid(errors)) => {
            let current = app.state.branding.current();
            Ok(branding_view(&user, &current, StatusCode::UNPROCESSABLE_ENTITY, Some((&upload.fields, errors)), false))
        }
        Err(err) => Err(err.into()),
    }
}
