//! The hub's administration pages: the moderation queue with field-by-field diffs, place
//! edits and creation, history with diffs and revert, claims, users and roles, campaigns,
//! the outbox and the audit log.
//!
//! Handlers only translate HTTP: every permission is checked again by the use cases of
//! `maillage-app` (a missing check here cannot open a write), and every POST checks the
//! session's CSRF token before anything else.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use maillage_app::accounts::{self, Actor, Permission};
use maillage_app::campaigns::{self, CampaignCounts};
use maillage_app::moderation::{self, EditOutcome, FieldChange};
use maillage_app::{AppError, FieldError};
use maillage_domain::build::FIELDS;
use maillage_domain::{PlaceId, PlaceRecord};
use maillage_store::{ProposalKind, Role};
use serde::Deserialize;

use crate::auth::{
    error_response, layout, message_page, render, run, signed_in, visitor, Accounts, AccountsConfig, Frame, Visitor,
};
use crate::pages::Layout;
use crate::WebState;

pub fn routes(config: Arc<AccountsConfig>) -> Router<WebState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/moderation", get(queue_page))
        .route("/admin/moderation/{id}/corriger", get(correct_page))
        .route("/admin/moderation/{id}/approuver", post(approve_post))
        .route("/admin/moderation/{id}/refuser", post(reject_post))
        .route("/admin/signalements/{id}/traiter", post(resolve_post))
        .route("/admin/lieux", get(places_page))
        .route("/admin/lieux/nouveau", get(new_place_page).post(new_place_post))
        .route("/admin/lieux/{id}/modifier", get(edit_page).post(edit_post))
        .route("/admin/lieux/{id}/historique", get(history_page))
        .route("/admin/lieux/{id}/restaurer", post(revert_post))
        .route("/lieux/{id}/gerer", get(claim_page).post(claim_post))
        .route("/admin/utilisateurs", get(users_page).post(invite_post))
        .route("/admin/utilisateurs/{id}", post(user_post))
        .route("/admin/utilisateurs/{id}/confiance", post(trust_post))
        .route("/admin/campagnes", get(campaigns_page).post(campaign_post))
        .route("/admin/campagnes/{id}", get(campaign_page))
        .route("/admin/campagnes/{id}/relancer", post(remind_post))
        .route("/admin/boite-d-envoi", get(outbox_page))
        .route("/admin/boite-d-envoi/{name}", get(outbox_mail_page))
        .route("/admin/journal", get(audit_page))
        .layer(Extension(config))
}

type Fields = Form<BTreeMap<String, String>>;

/// A signed-in visitor, or the response that refuses the request (sign-in redirection).
macro_rules! signed_in_or_return {
    ($state:expr, $headers:expr, $back:expr) => {
        match signed_in(&$state, &$headers, $back).await {
            Ok(visitor) => visitor,
            Err(response) => return response,
        }
    };
}

/// As above, for a POST: also checks the CSRF token.
macro_rules! posted_or_return {
    ($state:expr, $headers:expr, $form:expr) => {{
        let visitor = signed_in_or_return!($state, $headers, "/admin");
        if let Some(refused) = visitor.csrf_refusal(&$form) {
            return refused;
        }
        visitor
    }};
}

fn fail(err: AppError, visitor: &Visitor) -> Response {
    error_response(err, Frame::of(visitor))
}

fn now() -> chrono::DateTime<chrono::Utc> {
    maillage_store::now()
}

fn label(field: &str) -> String {
    let mut text = field.replace('_', " ");
    if let Some(first) = text.get(..1) {
        text.replace_range(..1, &first.to_uppercase());
    }
    text
}

// ---- home

#[derive(Template)]
#[template(path = "admin/accueil.html")]
struct HomePage {
    layout: Layout,
    frame: Option<Frame>,
    pending: usize,
    reports: usize,
    places: Vec<(String, String)>,
    freshness: Vec<(&'static str, &'static str, usize)>,
}

async fn home(State(state): State<WebState>, Extension(config): Accounts, headers: HeaderMap) -> Response {
    let visitor = signed_in_or_return!(state, headers, "/admin");
    let actor = visitor.actor.clone();
    let loaded = run(&state, &config, move |ctx| {
        let (pending, reports, freshness) = if actor.may(ctx, Permission::SeeQueue) {
            let (items, reports) = moderation::queue(ctx, &actor)?;
            let today = maillage_domain::hours::paris_local(now()).date();
            let freshness = campaigns::freshness_counts(ctx, &actor, today)?
                .into_iter()
                .map(|(class, count)| (class.key(), class.label(), count))
                .collect();
            (items.len(), reports.len(), freshness)
        } else {
            (0, 0, Vec::new())
        };
        let mut places = Vec::new();
        if let Some(Role::Gestionnaire { places: ids }) = actor.user().map(|user| &user.role) {
            for id in ids {
                if let Some(place) = ctx.store.place(id)? {
                    places.push((place.id.0.clone(), place.record.nom.clone()));
                }
            }
        }
        Ok((pending, reports, places, freshness))
    })
    .await;
    match loaded {
        Ok((pending, reports, places, freshness)) => render(
            StatusCode::OK,
            &HomePage {
                layout: layout("Administration"),
                frame: Frame::of(&visitor),
                pending,
                reports,
                places,
                freshness,
            },
        ),
        Err(err) => fail(err, &visitor),
    }
}

// ---- moderation queue

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

fn day(at: &chrono::DateTime<chrono::Utc>) -> String {
    maillage_domain::hours::paris_local(*at).format("%d/%m/%Y %H:%M").to_string()
}

async fn queue_page(State(state): State<WebState>, Extension(config): Accounts, headers: HeaderMap) -> Response {
    let visitor = signed_in_or_return!(state, headers, "/admin/moderation");
    let actor = visitor.actor.clone();
    match run(&state, &config, move |ctx| moderation::queue(ctx, &actor)).await {
        Ok((items, reports)) => {
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
            render(
                StatusCode::OK,
                &QueuePage { layout: layout("Modération"), frame: Frame::of(&visitor), items, reports },
            )
        }
        Err(err) => fail(err, &visitor),
    }
}

fn version_of(form: &BTreeMap<String, String>) -> u32 {
    form.get("version").and_then(|text| text.parse().ok()).unwrap_or(0)
}

/// The place fields of a form (everything but the form's own fields).
fn place_fields(form: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    form.iter().filter(|(key, _)| FIELDS.contains(&key.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

async fn approve_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Fields,
) -> Response {
    let visitor = posted_or_return!(state, headers, form);
    let actor = visitor.actor.clone();
    let seen = version_of(&form);
    let corrected = (form.get("corrige").map(String::as_str) == Some("1")).then(|| place_fields(&form));
    let result =
        run(&state, &config, move |ctx| moderation::approve(ctx, &actor, &id, seen, corrected.as_ref(), now())).await;
    match result {
        Ok(()) => Redirect::to("/admin/moderation").into_response(),
        Err(AppError::Invalid(errors)) => message_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Frame::of(&visitor),
            "Corrections invalides",
            &describe(&errors),
        ),
        Err(err) => fail(err, &visitor),
    }
}

fn describe(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("{} : {}", label(&e.field), e.message)).collect::<Vec<_>>().join(" ; ")
}

async fn reject_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Fields,
) -> Response {
    let visitor = posted_or_return!(state, headers, form);
    let actor = visitor.actor.clone();
    let reason = form.get("motif").cloned().unwrap_or_default();
    match run(&state, &config, move |ctx| moderation::reject(ctx, &actor, &id, &reason, now())).await {
        Ok(()) => Redirect::to("/admin/moderation").into_response(),
        Err(err) => fail(err, &visitor),
    }
}

async fn resolve_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Fields,
) -> Response {
    let visitor = posted_or_return!(state, headers, form);
    let actor = visitor.actor.clone();
    let note = form.get("suite").cloned().unwrap_or_default();
    match run(&state, &config, move |ctx| moderation::resolve_report(ctx, &actor, &id, &note, now())).await {
        Ok(()) => Redirect::to("/admin/moderation#signalements").into_response(),
        Err(err) => fail(err, &visitor),
    }
}

// ---- place form

struct FieldView {
    name: &'static str,
    label: String,
    value: String,
    error: Option<String>,
    long: bool,
    locked: bool,
}

#[derive(Template)]
#[template(path = "admin/lieu.html")]
struct PlacePage {
    layout: Layout,
    frame: Option<Frame>,
    heading: String,
    action: String,
    version: u32,
    /// Hidden "corrige=1" for a reviewer's corrections.
    correcting: bool,
    fields: Vec<FieldView>,
    week: Vec<(String, String)>,
    /// The week editor: (day, input name, hours as typed or read back).
    days: Vec<(String, String, String)>,
    errors: usize,
    place_id: String,
    note: String,
    preview: Option<Vec<FieldChange>>,
}

fn field_views(values: &BTreeMap<String, String>, errors: &[FieldError], locked: &[&str]) -> Vec<FieldView> {
    FIELDS
        .iter()
        .map(|field| FieldView {
            name: field,
            label: label(field),
            value: values.get(*field).cloned().unwrap_or_default(),
            error: {
                let messages: Vec<&str> =
                    errors.iter().filter(|e| e.field == *field).map(|e| e.message.as_str()).collect();
                (!messages.is_empty()).then(|| messages.join(" ; "))
            },
            long: matches!(*field, "presentation_detail" | "presentation_resume"),
            locked: locked.contains(field),
        })
        .collect()
}

/// The opening hours of a form read back day by day, as the public will see them.
fn week_of(values: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let Some(text) = values.get("horaires").filter(|text| !text.trim().is_empty()) else { return Vec::new() };
    // French text ("du lundi au vendredi de 9h à 12h") is accepted as the import accepts it,
    // and read back in its OpenStreetMap form.
    let parsed = maillage_domain::hours::Horaires::parse(text).or_else(|_| {
        let converted = maillage_domain::hours::french::to_osm(text).map_err(|_| ())?;
        maillage_domain::hours::Horaires::parse(&converted).map_err(|_| ())
    });
    let Ok(hours) = parsed else {
        return vec![(
            "Horaires".to_owned(),
            "illisibles : écrivez-les en français ou au format OpenStreetMap".to_owned(),
        )];
    };
    let mut week = Vec::new();
    if hours.as_str() != text.trim() {
        week.push(("Format OpenStreetMap".to_owned(), hours.as_str().to_owned()));
    }
    // A reference week without public holidays (Monday 5 to Sunday 11 January 2026).
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("a valid date");
    let days = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]
        .iter()
        .zip(monday.iter_days())
        .map(|(name, date)| {
            let intervals = hours.open_intervals_on(date);
            let text = if intervals.is_empty() {
                "fermé".to_owned()
            } else {
                intervals
                    .iter()
                    .map(|interval| {
                        let end = interval
                            .end
                            .map(|end| end.format("%H:%M").to_string())
                            .unwrap_or_else(|| "24:00".to_owned());
                        format!("{}–{end}", interval.start.format("%H:%M"))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (name.to_string(), text)
        });
    week.extend(days);
    week
}

struct PlaceForm<'a> {
    heading: String,
    action: String,
    version: u32,
    correcting: bool,
    place_id: String,
    values: BTreeMap<String, String>,
    errors: &'a [FieldError],
    note: String,
    /// A preview: the changes against the published sheet, nothing saved.
    preview: Option<Vec<FieldChange>>,
}

fn place_page(visitor: &Visitor, status: StatusCode, form: PlaceForm<'_>) -> Response {
    let locked: &[&str] = if form.place_id.is_empty() { &["date_maj"] } else { &["id", "date_maj"] };
    let page = PlacePage {
        layout: layout(&form.heading),
        frame: Frame::of(visitor),
        week: week_of(&form.values),
        days: week_of(&form.values)
            .into_iter()
            .filter(|(day, _)| day != "Format OpenStreetMap" && day != "Horaires")
            .enumerate()
            .map(|(index, (day, hours))| (day, format!("jour_{index}"), hours))
            .collect(),
        fields: field_views(&form.values, form.errors, locked),
        errors: form.errors.len(),
        heading: form.heading,
        action: form.action,
        version: form.version,
        correcting: form.correcting,
        place_id: form.place_id,
        note: form.note,
        preview: form.preview,
    };
    render(status, &page)
}

async fn edit_page(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let visitor = signed_in_or_return!(state, headers, &format!("/admin/lieux/{id}/modifier"));
    let actor = visitor.actor.clone();
    let place_id = PlaceId(id.clone());
    let loaded = run(&state, &config, move |ctx| moderation::edit_form(ctx, &actor, &place_id)).await;
    match loaded {
        Ok((place, direct)) => place_page(
            &visitor,
            StatusCode::OK,
            PlaceForm {
                heading: format!("Modifier « {} »", place.record.nom),
                action: format!("/admin/lieux/{id}/modifier"),
                version: place.version,
                correcting: false,
                place_id: id,
                values: moderation::form_values(&place.record),
                errors: &[],
                preview: None,
                note: if direct {
                    "Vos modifications seront publiées dès l'enregistrement.".to_owned()
                } else {
                    "Vos modifications seront publiées après validation par la coordination.".to_owned()
                },
            },
        ),
        Err(err) => fail(err, &visitor),
    }
}

async fn edit_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Fields,
) -> Response {
    let visitor = posted_or_return!(state, headers, form);
    let actor = visitor.actor.clone();
    let fields = place_fields(&form);
    let base = version_of(&form);
    let reason = form.get("motif").cloned().unwrap_or_default();
    let place_id = PlaceId(id.clone());
    // The week editor composes the hours into the OSM field, then shows a preview.
    let composing = form.get("composer").map(String::as_str) == Some("1");
    let mut fields = fields;
    let mut composed_error = None;
    if composing {
        let days: [String; 7] =
            std::array::from_fn(|day| form.get(&format!("jour_{day}")).cloned().unwrap_or_default());
        match moderation::week_to_osm(&days) {
            Ok(hours) => {
                fields.insert("horaires".to_owned(), hours);
            }
            Err(message) => composed_error = Some(FieldError { field: "horaires".to_owned(), message }),
        }
    }
    if composing || form.get("apercu").map(String::as_str) == Some("1") {
        let (actor, submitted) = (visitor.actor.clone(), fields.clone());
        let previewed =
            run(&state, &config, move |ctx| moderation::preview_edit(ctx, &actor, &place_id, &submitted, now())).await;
        let (status, errors, preview) = match (previewed, composed_error) {
            (Err(err @ (AppError::Forbidden(_) | AppError::Store(_))), _) => return fail(err, &visitor),
            (_, Some(error)) => (StatusCode::UNPROCESSABLE_ENTITY, vec![error], None),
            (Ok(changes), None) => (StatusCode::OK, Vec::new(), Some(changes)),
            (Err(AppError::Invalid(errors)), None) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
            (Err(err), None) => return fail(err, &visitor),
        };
        return place_page(
            &visitor,
            status,
            PlaceForm {
                heading: "Aperçu de la modification".to_owned(),
                action: format!("/admin/lieux/{id}/modifier"),
                version: base,
                correcting: false,
                place_id: id,
                values: fields,
                errors: &errors,
                preview,
                note: "Aperçu : rien n'est encore enregistré.".to_owned(),
            },
        );
    }
    let submitted = {
        let fields = fields.clone();
        run(&state, &config, move |ctx| moderation::submit_edit(ctx, &actor, &place_id, base, &fields, &reason, now()))
            .await
    };
    match submitted {
        Ok(EditOutcome::Published(place)) => message_page(
            StatusCode::OK,
            Frame::of(&visitor),
            "Modification publiée",
            &format!("La fiche « {} » est publiée (version {}).", place.record.nom, place.version),
        ),
        Ok(EditOutcome::Queued(_)) => message_page(
            StatusCode::OK,
            Frame::of(&visitor),
            "Modification envoyée",
            "Merci : votre modification sera publiée après validation par la coordination.",
        ),
        Err(AppError::Invalid(errors)) => place_page(
            &visitor,
            StatusCode::UNPROCESSABLE_ENTITY,
            PlaceForm {
                heading: "Corriger le formulaire".to_owned(),
                action: format!("/admin/lieux/{id}/modifier"),
                version: base,
                correcting: false,
                place_id: id,
                values: fields,
                errors: &errors,
                preview: None,
                note: String::new(),
            },
        ),
        Err(err) => fail(err, &visitor),
    }
}

async fn correct_page(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let visitor = signed_in_or_return!(state, headers, "/admin/moderation");
    let actor = visitor.actor.clone();
    let proposal_id = id.clone();
    let loaded = run(&state, &config, move |ctx| moderation::proposal_to_correct(ctx, &actor, &proposal_id)).await;
    match loaded {
        Ok((place, record)) => place_page(
            &visitor,
            StatusCode::OK,
            PlaceForm {
                heading: format!("Corriger puis approuver « {} »", place.record.nom),
                action: format!("/admin/moderation/{id}/approuver"),
                version: place.version,
                correcting: true,
                place_id: place.id.0.clone(),
                values: moderation::form_values(&record),
                errors: &[],
                preview: None,
                note: "La version corrigée sera publiée au nom de l'auteur de la proposition.".to_owned(),
            },
        ),
        Err(err) => fail(err, &visitor),
    }
}

async fn new_place_page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let visitor = signed_in_or_return!(state, headers, "/admin/lieux/nouveau");
    place_page(
        &visitor,
        StatusCode::OK,
        PlaceForm {
            heading: "Nouveau lieu".to_owned(),
            action: "/admin/lieux/nouveau".to_owned(),
            version: 0,
            correcting: false,
            place_id: String::new(),
            values: BTreeMap::new(),
            errors: &[],
            preview: None,
            note: "Le lieu est publié dès l'enregistrement.".to_owned(),
        },
    )
}

async fn new_place_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    Form(form): Fields,
) -> Response {
    let visitor = posted_or_return!(state, headers, form);
    let actor = visitor.actor.clone();
    let fields = place_fields(&form);
    let created = {
        let fields = fields.clone();
        run(&state, &config, move |ctx| moderation::create_place(ctx, &actor, &fields, now())).await
    };
    match created {
        Ok(place) => Redirect::to(&format!("/admin/lieux/{}/historique", place.id)).into_response(),
        Err(AppError::Invalid(errors)) => place_page(
            &visitor,
            StatusCode::UNPROCESSABLE_ENTITY,
            PlaceForm {
                heading: "Nouveau lieu : corriger le formulaire".to_owned(),
                action: "/admin/lieux/nouveau".to_owned(),
                version: 0,
                correcting: false,
                place_id: String::new(),
                values: fields,
                errors: &errors,
                preview: None,
                note: String::new(),
            },
        ),
        Err(err) => fail(err, &visitor),
    }
}

// ---- places

#[derive(Template)]
#[template(path = "admin/lieux.html")]
struct PlacesPage {
    layout: Layout,
    frame: Option<Frame>,
    query: String,
    places: Vec<(String, String, String, &'static str)>,
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn places_page(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    Query(search): Query<SearchQuery>,
) -> Response {
    let visitor = signed_in_or_return!(state, headers, "/admin/lieux");
    let actor = visitor.actor.clone();
    let query = search.q.clone();
    let loaded = run(&state, &config, move |ctx| moderation::editable_places(ctx, &actor, &query, 100)).await;
    match loaded {
        Ok(places) => {
            let today = maillage_domain::hours::paris_local(now()).date();
            let places = places
                .into_iter()
                .map(|place| {
                    let freshness = campaigns::freshness(place.published_date_maj(), today);
                    (place.id.0.clone(), place.record.nom.clone(), place.record.commune.clone(), freshness.label())
                })
                .collect();
            render(
                StatusCode::OK,
                &PlacesPage { layout: layout("Lieux"), frame: Frame::of(&visitor), query: search.q, places },
            )
        }
        Err(err) => fail(err, &visitor),
    }
}

// ---- history

struct VersionView {
    version: u32,
    at: String,
    author: String,
    reason: String,
    change: &'static str,
}

#[derive(Template)]
#[template(path = "admin/historique.html")]
struct HistoryPage {
    layout: Layout,
    frame: Option<Frame>,
    place_id: String,
    place_name: String,
    current: u32,
    versions: Vec<VersionView>,
    from: u32,
    to: u32,
    changes: Vec<FieldChange>,
    may_revert: bool,
}

#[derive(Deserialize)]
struct DiffQuery {
    de: Option<u32>,
    a: Option<u32>,
}

async fn history_page(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<DiffQuery>,
) -> Response {
    let visitor = signed_in_or_return!(state, headers, &format!("/admin/lieux/{id}/historique"));
    let actor = visitor.actor.clone();
    let place_id = PlaceId(id.clone());
    let loaded = run(&state, &config, move |ctx| {
        let entries = moderation::history(ctx, &actor, &place_id)?;
        let last = entries.last().map(|entry| entry.version.version).unwrap_or(1);
        let to = query.a.unwrap_or(last);
        let from = query.de.unwrap_or(to.saturating_sub(1).max(1));
        let changes = moderation::diff_versions(&entries, from, to)?;
        let record: PlaceRecord = entries.last().map(|entry| entry.version.record.clone()).unwrap_or_default();
        let may_revert = actor.may(ctx, Permission::Moderate(&record));
        Ok((entries, from, to, changes, may_revert, record.nom))
    })
    .await;
    match loaded {
        Ok((entries, from, to, changes, may_revert, place_name)) => {
            let current = entries.last().map(|entry| entry.version.version).unwrap_or(1);
            let versions = entries
                .iter()
                .rev()
                .map(|entry| VersionView {
                    version: entry.version.version,
                    at: day(&entry.version.recorded_at),
                    author: entry.author_name.clone().unwrap_or_else(|| entry.author.clone()),
                    reason: entry.reason.clone(),
                    change: match entry.version.change {
                        maillage_store::ChangeKind::Created => "création",
                        maillage_store::ChangeKind::Updated => "modification",
                        maillage_store::ChangeKind::Withdrawn => "retrait",
                        maillage_store::ChangeKind::Restored => "retour",
                    },
                })
                .collect();
            render(
                StatusCode::OK,
                &HistoryPage {
                    layout: layout("Historique"),
                    frame: Frame::of(&visitor),
                    place_id: id,
                    place_name,
                    current,
                    versions,
                    from,
                    to,
                    changes,
                    may_revert,
                },
            )
        }
        Err(err) => fail(err, &visitor),
    }
}

async fn revert_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Fields,
) -> Response {
    let visitor = posted_or_return!(state, headers, form);
    let actor = visitor.actor.clone();
    let seen = version_of(&form);
    let target = form.get("cible").and_then(|text| text.parse().ok()).unwrap_or(0);
    let place_id = PlaceId(id.clone());
    match run(&state, &config, move |ctx| moderation::revert(ctx, &actor, &place_id, target, seen, now())).await {
        Ok(_) => Redirect::to(&format!("/admin/lieux/{id}/historique")).into_response(),
        Err(err) => fail(err, &visitor),
    }
}

// ---- claims

#[derive(Template)]
#[template(path = "admin/gerer.html")]
struct ClaimPage {
    layout: Layout,
    frame: Option<Frame>,
    csrf: String,
    place_id: String,
    place_name: String,
    signed_in: bool,
}

async fn claim_page(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let visitor = match visitor(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let place_id = PlaceId(id.clone());
    let place = match run(&state, &config, move |ctx| Ok(ctx.store.place(&place_id)?)).await {
        Ok(Some(place)) => place,
        Ok(None) => {
            return message_page(StatusCode::NOT_FOUND, Frame::of(&visitor), "Introuvable", "Ce lieu n'existe pas.")
        }
        Err(err) => return fail(err, &visitor),
    };
    let (csrf, new) = match &visitor.session {
        Some(session) => (session.csrf_token.clone(), false),
        None => match crate::auth::cookie(&headers, crate::auth::FORM_COOKIE).filter(|value| value.len() == 64) {
            Some(value) => (value, false),
            None => (accounts::random_token(), true),
        },
    };
    let page = ClaimPage {
        layout: layout("Gérer ce lieu"),
        frame: Frame::of(&visitor),
        csrf: csrf.clone(),
        place_id: id,
        place_name: place.record.nom,
        signed_in: visitor.session.is_some(),
    };
    let mut response = render(StatusCode::OK, &page);
    if new {
        let secure = if config.secure_cookies { "; Secure" } else { "" };
        if let Ok(value) = axum::http::HeaderValue::from_str(&format!(
            "{}={csrf}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400{secure}",
            crate::auth::FORM_COOKIE
        )) {
            response.headers_mut().append(axum::http::header::SET_COOKIE, value);
        }
    }
    response
}

async fn claim_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Response {
    let client = crate::auth::client_address(request.extensions().get());
    let Ok(Form(form)) = <Fields as axum::extract::FromRequest<()>>::from_request(request, &()).await else {
        return message_page(StatusCode::BAD_REQUEST, None, "Demande invalide", "Formulaire illisible.");
    };
    let visitor = match visitor(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let place_id = PlaceId(id);
    let message = form.get("message").cloned().unwrap_or_default();
    let result = if visitor.session.is_some() {
        if let Some(refused) = visitor.csrf_refusal(&form) {
            return refused;
        }
        let actor = visitor.actor.clone();
        run(&state, &config, move |ctx| moderation::claim(ctx, &actor, &place_id, &message, now()).map(Some)).await
    } else {
        if let Some(refused) = crate::auth::pre_session_refusal(&headers, &form) {
            return refused;
        }
        // Each public request may create an account: limited as sign-ins are.
        if config.sign_in_limiter.check(client).is_err() {
            return message_page(StatusCode::TOO_MANY_REQUESTS, None, "Trop de demandes", "Réessayez dans une minute.");
        }
        let email = form.get("courriel").cloned().unwrap_or_default();
        let name = form.get("nom").cloned().unwrap_or_default();
        run(&state, &config, move |ctx| moderation::request_access(ctx, &place_id, &email, &name, &message, now()))
            .await
    };
    match result {
        Ok(_) => message_page(
            StatusCode::OK,
            Frame::of(&visitor),
            "Demande envoyée",
            "Merci : la coordination territoriale va examiner votre demande. Vous recevrez un courriel dès qu'elle sera acceptée.",
        ),
        Err(err) => fail(err, &visitor),
    }
}

// ---- users

struct UserView {
    id: String,
    name: String,
    email: String,
    role: String,
    scope: String,
    trusted: bool,
    active: bool,
    invited: bool,
    /// The scope as the role form writes it.
    departements: String,
    bassins: String,
    places: String,
}

#[derive(Template)]
#[template(path = "admin/utilisateurs.html")]
struct UsersPage {
    layout: Layout,
    frame: Option<Frame>,
    users: Vec<UserView>,
    administrator: bool,
}

fn scope_of(role: &Role) -> String {
    match role {
        Role::Administrateur => "tout le hub".to_owned(),
        Role::Coordinateur { departements, bassins } => {
            let mut parts: Vec<String> = departements.iter().map(|d| format!("département {d}")).collect();
            parts.extend(bassins.iter().map(|b| format!("bassin {b}")));
            parts.join(", ")
        }
        Role::Gestionnaire { places } => format!("{} lieu(x)", places.len()),
    }
}

async fn users_page(State(state): State<WebState>, Extension(config): Accounts, headers: HeaderMap) -> Response {
    let visitor = signed_in_or_return!(state, headers, "/admin/utilisateurs");
    let actor = visitor.actor.clone();
    let loaded = run(&state, &config, move |ctx| {
        let administrator = actor.may(ctx, Permission::Administer);
        let mut users = Vec::new();
        // Coordinators see the gestionnaires only.
        for user in accounts::users(ctx, &actor)? {
            users.push(UserView {
                id: user.id.clone(),
                name: user.name.clone(),
                email: user.email.clone(),
                role: user.role.label().to_owned(),
                scope: scope_of(&user.role),
                trusted: user.trusted,
                active: user.active,
                invited: user.password_hash.is_none(),
                departements: match &user.role {
                    Role::Coordinateur { departements, .. } => departements.join(", "),
                    _ => String::new(),
                },
                bassins: match &user.role {
                    Role::Coordinateur { bassins, .. } => bassins.join(", "),
                    _ => String::new(),
                },
                places: match &user.role {
                    Role::Gestionnaire { places } => {
                        places.iter().map(|id| id.0.as_str()).collect::<Vec<_>>().join(", ")
                    }
                    _ => String::new(),
                },
            });
        }
        Ok((users, administrator))
    })
    .await;
    match loaded {
        Ok((users, administrator)) => render(
            StatusCode::OK,
            &UsersPage { layout: layout("Utilisateurs"), frame: Frame::of(&visitor), users, administrator },
        ),
        Err(err) => fail(err, &visitor),
    }
}

fn list(text: Option<&String>) -> Vec<String> {
    text.map(|text| text.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn role_of(form: &BTreeMap<String, String>) -> Result<Role, AppError> {
    match form.get("role").map(String::as_str) {
        Some("administrateur") => Ok(Role::Administrateur),
        Some("coordinateur") => {
            Ok(Role::Coordinateur { departements: list(form.get("departements")), bassins: list(form.get("bassins")) })
        }
        Some("gestionnaire") => {
            Ok(Role::Gestionnaire { places: list(form.get("lieux")).into_iter().map(PlaceId).collect() })
        }
        _ => Err(AppError::Invalid(vec![FieldError { field: "role".to_owned(), message: "rôle inconnu".to_owned() }])),
    }
}

async fn invite_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    Form(form): Fields,
) -> Response {
    let visitor = posted_or_return!(state, headers, form);
    let actor = visitor.actor.clone();
    let role = match role_of(&form) {
        Ok(role) => role,
        Err(err) => return fail(err, &visitor),
    };
    let email = form.get("courriel").cloned().unwrap_or_default();
    let name = form.get("nom").cloned().unwrap_or_default();
    match run(&state, &config, move |ctx| accounts::invite(ctx, &actor, &email, &name, role, now())).await {
        Ok(_) => Redirect::to("/admin/utilisateurs").into_response(),
        Err(err) => fail(err, &visitor),
    }
}

async fn user_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Fields,
) -> Response {
    let visitor = posted_or_return!(state, headers, form);
    let actor = visitor.actor.clone();
    let role = match role_of(&form) {
        Ok(role) => role,
        Err(err) => return fail(err, &visitor),
    };
    let active = form.get("actif").map(String::as_str) == Some("1");
    match run(&state, &config, move |ctx| accounts::update_user(ctx, &actor, &id, role, active, now())).await {
        Ok(_) => Redirect::to("/admin/utilisateurs").into_response(),
        Err(err) => fail(err, &visitor),
    }
}

async fn trust_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Fields,
) -> Response {
    let visitor = posted_or_return!(state, headers, form);
    let actor = visitor.actor.clone();
    let trusted = form.get("confiance").map(String::as_str) == Some("1");
    match run(&state, &config, move |ctx| accounts::set_trusted(ctx, &actor, &id, trusted, now())).await {
        Ok(_) => Redirect::to("/admin/utilisateurs").into_response(),
        Err(err) => fail(err, &visitor),
    }
}

// ---- campaigns

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

async fn campaigns_page(State(state): State<WebState>, Extension(config): Accounts, headers: HeaderMap) -> Response {
    let visitor = signed_in_or_return!(state, headers, "/admin/campagnes");
    let actor = visitor.actor.clone();
    let loaded = run(&state, &config, move |ctx| {
        // Only the campaigns of the actor's territory.
        Ok(campaigns::campaigns(ctx, &actor)?
            .into_iter()
            .map(|(campaign, counts)| CampaignView {
                created: day(&campaign.created_at),
                id: campaign.id,
                name: campaign.name,
                territory: campaign.territory,
                counts,
            })
            .collect::<Vec<_>>())
    })
    .await;
    match loaded {
        Ok(campaigns) => render(
            StatusCode::OK,
            &CampaignsPage { layout: layout("Campagnes"), frame: Frame::of(&visitor), campaigns },
        ),
        Err(err) => fail(err, &visitor),
    }
}

async fn campaign_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    Form(form): Fields,
) -> Response {
    let visitor = posted_or_return!(state, headers, form);
    let actor = visitor.actor.clone();
    let name = form.get("nom").cloned().unwrap_or_default();
    let territory = form.get("territoire").cloned().unwrap_or_default();
    let days = form.get("relance_jours").and_then(|text| text.trim().parse().ok()).unwrap_or(14);
    match run(&state, &config, move |ctx| campaigns::start_campaign(ctx, &actor, &name, &territory, days, now())).await
    {
        Ok((campaign, _)) => Redirect::to(&format!("/admin/campagnes/{}", campaign.id)).into_response(),
        Err(err) => fail(err, &visitor),
    }
}

#[derive(Template)]
#[template(path = "admin/campagne.html")]
struct CampaignPage {
    layout: Layout,
    frame: Option<Frame>,
    campaign: CampaignView,
    reminder_days: u32,
}

async fn campaign_page(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let visitor = signed_in_or_return!(state, headers, &format!("/admin/campagnes/{id}"));
    let actor = visitor.actor.clone();
    match run(&state, &config, move |ctx| campaigns::dashboard(ctx, &actor, &id)).await {
        Ok((campaign, counts)) => render(
            StatusCode::OK,
            &CampaignPage {
                layout: layout(&campaign.name),
                frame: Frame::of(&visitor),
                reminder_days: campaign.reminder_days,
                campaign: CampaignView {
                    id: campaign.id.clone(),
                    name: campaign.name.clone(),
                    territory: campaign.territory.clone(),
                    created: day(&campaign.created_at),
                    counts,
                },
            },
        ),
        Err(err) => fail(err, &visitor),
    }
}

async fn remind_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Fields,
) -> Response {
    let visitor = posted_or_return!(state, headers, form);
    let actor = visitor.actor.clone();
    let campaign = id.clone();
    match run(&state, &config, move |ctx| campaigns::send_reminders(ctx, &actor, &campaign, now())).await {
        Ok(count) => message_page(
            StatusCode::OK,
            Frame::of(&visitor),
            "Relances envoyées",
            &format!("{count} lieu(x) relancé(s)."),
        ),
        Err(err) => fail(err, &visitor),
    }
}

// ---- outbox and audit log

#[derive(Template)]
#[template(path = "admin/boite.html")]
struct OutboxPage {
    layout: Layout,
    frame: Option<Frame>,
    configured: bool,
    mails: Vec<maillage_mail::OutboxMail>,
    selected: Option<maillage_mail::OutboxMail>,
}

async fn outbox(state: WebState, config: Arc<AccountsConfig>, headers: HeaderMap, name: Option<String>) -> Response {
    let visitor = signed_in_or_return!(state, headers, "/admin/boite-d-envoi");
    let actor = visitor.actor.clone();
    let outbox = config.outbox.clone();
    let loaded = run(&state, &config, move |ctx| {
        // The outbox is the mail transport's, at the edge, not a use case's: the page checks
        // the permission itself.
        actor.require(ctx, Permission::Administer)?;
        let Some(outbox) = outbox else { return Ok((false, Vec::new(), None)) };
        let selected = match &name {
            Some(name) => {
                Some(outbox.read(name)?.ok_or_else(|| maillage_store::StoreError::NotFound("courriel".to_owned()))?)
            }
            None => None,
        };
        Ok((true, outbox.list()?, selected))
    })
    .await;
    match loaded {
        Ok((configured, mails, selected)) => render(
            StatusCode::OK,
            &OutboxPage { layout: layout("Boîte d'envoi"), frame: Frame::of(&visitor), configured, mails, selected },
        ),
        Err(err) => fail(err, &visitor),
    }
}

async fn outbox_page(State(state): State<WebState>, Extension(config): Accounts, headers: HeaderMap) -> Response {
    outbox(state, config, headers, None).await
}

async fn outbox_mail_page(
    State(state): State<WebState>,
    Extension(config): Accounts,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    outbox(state, config, headers, Some(name)).await
}

#[derive(Template)]
#[template(path = "admin/journal.html")]
struct AuditPage {
    layout: Layout,
    frame: Option<Frame>,
    entries: Vec<(String, String, String, String, String)>,
}

async fn audit_page(State(state): State<WebState>, Extension(config): Accounts, headers: HeaderMap) -> Response {
    let visitor = signed_in_or_return!(state, headers, "/admin/journal");
    let actor: Actor = visitor.actor.clone();
    let loaded = run(&state, &config, move |ctx| accounts::audit_log(ctx, &actor, 500)).await;
    match loaded {
        Ok(entries) => {
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
            render(StatusCode::OK, &AuditPage { layout: layout("Journal"), frame: Frame::of(&visitor), entries })
        }
        Err(err) => fail(err, &visitor),
    }
}
