//! Places: the list of those a person may edit, the edit form (with the week editor and a
//! preview), creation, history with diffs and revert, and "gérer ce lieu" claims.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, RawQuery};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::accounts::Permission;
use maillage_app::moderation::{self, EditOutcome, FieldChange};
use maillage_app::{campaigns, AppError, FieldError};
use maillage_domain::build::FIELDS;
use maillage_domain::{PlaceId, PlaceRecord};
use serde::Deserialize;

use super::now;
use super::place_form::{self, Section};
use crate::extract::{App, ClientAddress, CsrfForm, SignedIn, Visitor};
use crate::pages::Layout;
use crate::render::{attachment, day, layout, message_page, render, Frame, CSV};
use crate::session;
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/lieux", get(places_page))
        .route("/admin/lieux.csv", get(places_export))
        .route("/admin/lieux/nouveau", get(new_place_page).post(new_place_post))
        .route("/admin/lieux/{id}/modifier", get(edit_page).post(edit_post))
        .route("/admin/lieux/{id}/historique", get(history_page))
        .route("/admin/lieux/{id}/restaurer", post(revert_post))
        .route("/lieux/{id}/gerer", get(claim_page).post(claim_post))
}

type Fields = BTreeMap<String, String>;

pub(super) fn version_of(form: &Fields) -> u32 {
    form.get("version").and_then(|text| text.parse().ok()).unwrap_or(0)
}

/// The place fields of a form (everything but the form's own fields).
pub(super) fn place_fields(form: &Fields) -> Fields {
    form.iter().filter(|(key, _)| FIELDS.contains(&key.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

// ---- the place form

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
    sections: Vec<Section>,
    /// The list fields, named in a hidden field so a list left with no box ticked is emptied.
    lists: String,
    week: Vec<(String, String)>,
    /// The week editor: (day, input name, hours as typed or read back).
    days: Vec<(String, String, String)>,
    /// The days as the editor showed them, one a line: what "changed" is measured against.
    week_shown: String,
    errors: Vec<(String, &'static str, String)>,
    place_id: String,
    note: String,
    preview: Option<Vec<FieldChange>>,
}

const WEEKDAY_NAMES: [&str; 7] = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"];

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

pub(super) struct PlaceForm<'a> {
    pub(super) heading: String,
    pub(super) action: String,
    pub(super) version: u32,
    pub(super) correcting: bool,
    pub(super) place_id: String,
    pub(super) values: BTreeMap<String, String>,
    pub(super) errors: &'a [FieldError],
    pub(super) note: String,
    /// A preview: the changes against the published sheet, nothing saved.
    pub(super) preview: Option<Vec<FieldChange>>,
}

impl<'a> PlaceForm<'a> {
    /// The form of a published place's edit, before its heading, note and preview are set.
    pub(super) fn edit(id: String, version: u32, values: BTreeMap<String, String>, errors: &'a [FieldError]) -> Self {
        PlaceForm {
            heading: String::new(),
            action: format!("/admin/lieux/{id}/modifier"),
            version,
            correcting: false,
            place_id: id,
            values,
            errors,
            note: String::new(),
            preview: None,
        }
    }

    /// The form of a new place, before its heading and note are set.
    fn new_place(values: BTreeMap<String, String>, errors: &'a [FieldError]) -> Self {
        PlaceForm { action: "/admin/lieux/nouveau".to_owned(), ..PlaceForm::edit(String::new(), 0, values, errors) }
    }
}

pub(super) fn place_page(visitor: &Visitor, status: StatusCode, form: PlaceForm<'_>) -> Response {
    let locked: &[&str] = if form.place_id.is_empty() { &["date_maj"] } else { &["id", "date_maj"] };
    let today = maillage_domain::hours::paris_local(now()).date().format("%Y-%m-%d").to_string();
    let week = week_of(&form.values);
    let read: Vec<(String, String)> =
        week.iter().filter(|(day, _)| WEEKDAY_NAMES.contains(&day.as_str())).cloned().collect();
    let days: Vec<(String, String, String)> = WEEKDAY_NAMES
        .iter()
        .enumerate()
        .map(|(index, day)| {
            let name = format!("jour_{index}");
            let hours = read.get(index).map(|(_, hours)| hours.clone()).unwrap_or_default();
            (day.to_string(), name, hours)
        })
        .collect();
    let week_shown = days.iter().map(|(_, _, hours)| hours.as_str()).collect::<Vec<_>>().join("|");
    let sections = place_form::sections(&form.values, form.errors, locked, &today);
    let lists = sections
        .iter()
        .flat_map(|section| &section.fields)
        .filter(|field| field.kind == "choices")
        .map(|field| field.name)
        .collect::<Vec<_>>()
        .join("|");
    // The summary links each problem to its field (the first box of a list).
    let errors = form
        .errors
        .iter()
        .map(|error| {
            let field = sections.iter().flat_map(|s| &s.fields).find(|f| f.name == error.field);
            let anchor = match field {
                Some(f) if f.kind == "choices" => format!("champ-{}-0", f.name),
                Some(f) if f.name == "horaires" => "jour_0".to_owned(),
                _ => format!("champ-{}", error.field),
            };
            (anchor, field.map(|f| f.label).unwrap_or("Fiche"), error.message.clone())
        })
        .collect();
    let page = PlacePage {
        layout: layout(&form.heading),
        frame: Frame::of(visitor),
        week,
        days,
        week_shown,
        sections,
        lists,
        errors,
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

/// A posted place form read back: the place fields (lists joined), with the week editor's
/// days written into `horaires` when the person changed them.
pub(super) fn posted_fields(pairs: Vec<(String, String)>) -> (Fields, Fields, Option<FieldError>) {
    let form = place_form::collect(pairs);
    let mut fields = place_fields(&form);
    let mut error = None;
    match place_form::week_edited(&form) {
        Ok(Some(hours)) => {
            fields.insert("horaires".to_owned(), hours);
        }
        Ok(None) => {}
        Err(refused) => error = Some(refused),
    }
    (form, fields, error)
}

async fn edit_page(user: SignedIn, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let place_id = PlaceId(id.clone());
    let (place, direct) = app.run(move |ctx| moderation::edit_form(ctx, &actor, &place_id)).await?;
    Ok(place_page(
        &user,
        StatusCode::OK,
        PlaceForm {
            heading: format!("Modifier « {} »", place.record.nom),
            note: if direct {
                "Vos modifications seront publiées dès l'enregistrement.".to_owned()
            } else {
                "Vos modifications seront publiées après validation par la coordination.".to_owned()
            },
            ..PlaceForm::edit(id, place.version, moderation::form_values(&place.record), &[])
        },
    ))
}

async fn edit_post(
    user: SignedIn,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (form, mut fields, mut composed_error) = posted_fields(pairs);
    let base = version_of(&form);
    let reason = form.get("motif").cloned().unwrap_or_default();
    let place_id = PlaceId(id.clone());
    // The week editor composes the hours into the OSM field, then shows a preview.
    let composing = form.get("composer").map(String::as_str) == Some("1");
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
        let (actor, submitted, place_id) = (user.actor.clone(), fields.clone(), place_id.clone());
        let previewed = app.run(move |ctx| moderation::preview_edit(ctx, &actor, &place_id, &submitted, now())).await;
        let (status, errors, preview) = match (previewed, composed_error) {
            (Err(err @ (AppError::Forbidden(_) | AppError::Store(_))), _) => return Err(err.into()),
            (_, Some(error)) => (StatusCode::UNPROCESSABLE_ENTITY, vec![error], None),
            (Ok(changes), None) => (StatusCode::OK, Vec::new(), Some(changes)),
            (Err(AppError::Invalid(errors)), None) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
            (Err(err), None) => return Err(err.into()),
        };
        return Ok(place_page(
            &user,
            status,
            PlaceForm {
                heading: "Aperçu de la modification".to_owned(),
                preview,
                note: "Aperçu : rien n'est encore enregistré.".to_owned(),
                ..PlaceForm::edit(id, base, fields, &errors)
            },
        ));
    }
    let submitted = if let Some(error) = composed_error {
        Err(AppError::Invalid(vec![error]))
    } else {
        let (actor, fields) = (user.actor.clone(), fields.clone());
        app.run(move |ctx| moderation::submit_edit(ctx, &actor, &place_id, base, &fields, &reason, now())).await
    };
    match submitted {
        Ok(EditOutcome::Published(place)) => Ok(message_page(
            StatusCode::OK,
            Frame::of(&user),
            "Modification publiée",
            &format!("La fiche « {} » est publiée (version {}).", place.record.nom, place.version),
        )),
        Ok(EditOutcome::Queued(_)) => Ok(message_page(
            StatusCode::OK,
            Frame::of(&user),
            "Modification envoyée",
            "Merci : votre modification sera publiée après validation par la coordination.",
        )),
        Err(AppError::Invalid(errors)) => Ok(place_page(
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            PlaceForm { heading: "Corriger le formulaire".to_owned(), ..PlaceForm::edit(id, base, fields, &errors) },
        )),
        Err(err) => Err(err.into()),
    }
}

async fn new_place_page(user: SignedIn) -> Response {
    place_page(
        &user,
        StatusCode::OK,
        PlaceForm {
            heading: "Nouveau lieu".to_owned(),
            note: "Le lieu est publié dès l'enregistrement.".to_owned(),
            ..PlaceForm::new_place(BTreeMap::new(), &[])
        },
    )
}

async fn new_place_post(
    user: SignedIn,
    app: App,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (_, fields, week_error) = posted_fields(pairs);
    let created = if let Some(error) = week_error {
        Err(AppError::Invalid(vec![error]))
    } else {
        let (actor, fields) = (user.actor.clone(), fields.clone());
        app.run(move |ctx| moderation::create_place(ctx, &actor, &fields, now())).await
    };
    match created {
        Ok(place) => Ok(Redirect::to(&format!("/admin/lieux/{}/historique", place.id)).into_response()),
        Err(AppError::Invalid(errors)) => Ok(place_page(
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            PlaceForm {
                heading: "Nouveau lieu : corriger le formulaire".to_owned(),
                ..PlaceForm::new_place(fields, &errors)
            },
        )),
        Err(err) => Err(err.into()),
    }
}

// ---- the list

#[derive(Template)]
#[template(path = "admin/lieux.html")]
struct PlacesPage {
    layout: Layout,
    frame: Option<Frame>,
    filter: ListFilter,
    total: usize,
    page: usize,
    pages: usize,
    /// The query string of the filters alone (for pages and the export).
    filter_query: String,
    places: Vec<(String, String, String, &'static str)>,
    freshness: Vec<(&'static str, &'static str)>,
}

impl PlacesPage {
    /// The link to another page of the list, keeping the filter.
    fn page_link(&self, page: usize) -> String {
        if self.filter_query.is_empty() {
            format!("/admin/lieux?page={page}")
        } else {
            format!("/admin/lieux?{}&page={page}", self.filter_query)
        }
    }
}

/// Rows of the admin list per page.
const PER_PAGE: usize = 50;

/// The filters of `/admin/lieux` as typed (echoed in the form) and as the use case takes them.
#[derive(Default)]
struct ListFilter {
    q: String,
    departement: String,
    source: String,
    fraicheur: String,
    statut: String,
    filter: moderation::PlaceFilter,
}

const FRESHNESS: [campaigns::Freshness; 4] = [
    campaigns::Freshness::Fresh,
    campaigns::Freshness::Recent,
    campaigns::Freshness::Aging,
    campaigns::Freshness::Stale,
];

/// Reads the list's filters and page; a value out of its list is refused, naming the parameter.
fn list_filter(raw: Option<&str>) -> Result<(ListFilter, usize), WebError> {
    let mut params = crate::query::Params::parse(raw)?;
    let mut text = |name: &'static str| -> Result<String, WebError> { Ok(params.get(name)?.unwrap_or("").to_owned()) };
    let (q, departement, source, fraicheur, statut, page) =
        (text("q")?, text("departement")?, text("source")?, text("fraicheur")?, text("statut")?, text("page")?);
    let freshness = match fraicheur.as_str() {
        "" => None,
        key => Some(FRESHNESS.into_iter().find(|f| f.key() == key).ok_or_else(|| {
            WebError::bad_parameter(
                "fraicheur",
                "fraîcheur inconnue : moins-6-mois, 6-12-mois, 12-18-mois ou plus-18-mois",
            )
        })?),
    };
    let status = match statut.as_str() {
        "" | "actif" => None,
        "retire" => Some(maillage_domain::PlaceStatus::Withdrawn),
        _ => return Err(WebError::bad_parameter("statut", "statut inconnu : actif ou retire")),
    };
    if !departement.is_empty() && !(2..=3).contains(&departement.len()) {
        return Err(WebError::bad_parameter("departement", "code de département attendu (18, 2A, 974…)"));
    }
    let page = if page.is_empty() { 1 } else { crate::query::integer("page", &page, 1..=1_000_000)? };
    let filter = moderation::PlaceFilter {
        query: q.clone(),
        departement: (!departement.is_empty()).then(|| departement.to_uppercase()),
        source: (!source.is_empty()).then(|| source.clone()),
        freshness,
        status,
    };
    Ok((ListFilter { q, departement, source, fraicheur, statut, filter }, page))
}

impl ListFilter {
    fn query_string(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("q", &self.q),
            ("departement", &self.departement),
            ("source", &self.source),
            ("fraicheur", &self.fraicheur),
            ("statut", &self.statut),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| (key, value.as_str()))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

async fn places_page(user: SignedIn, app: App, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let (filter, page) = list_filter(raw.as_deref())?;
    let actor = user.actor.clone();
    let wanted = filter.filter.clone();
    let places = app.run(move |ctx| moderation::editable_places(ctx, &actor, &wanted)).await?;
    let today = maillage_domain::hours::paris_local(now()).date();
    let total = places.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = page.min(pages);
    let places = places
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|place| {
            let freshness = campaigns::freshness(place.published_date_maj(), today);
            (place.id.0.clone(), place.record.nom.clone(), place.record.commune.clone(), freshness.label())
        })
        .collect();
    let filter_query = filter.query_string();
    let freshness = FRESHNESS.iter().map(|f| (f.key(), f.label())).collect();
    Ok(render(
        StatusCode::OK,
        &PlacesPage {
            layout: layout("Lieux"),
            frame: Frame::of(&user),
            filter,
            total,
            page,
            pages,
            filter_query,
            places,
            freshness,
        },
    ))
}

/// The filtered list as CSV, every page.
async fn places_export(user: SignedIn, app: App, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let (filter, _) = list_filter(raw.as_deref())?;
    let actor = user.actor.clone();
    let places = app.run(move |ctx| moderation::editable_places(ctx, &actor, &filter.filter)).await?;
    let today = maillage_domain::hours::paris_local(now()).date();
    let mut bytes = Vec::new();
    moderation::write_places_csv(&places, today, &mut bytes)?;
    Ok(attachment(CSV, "lieux.csv", bytes))
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
    user: SignedIn,
    app: App,
    Path(id): Path<String>,
    Query(query): Query<DiffQuery>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let place_id = PlaceId(id.clone());
    let (entries, from, to, changes, may_revert, place_name) = app
        .run(move |ctx| {
            let entries = moderation::history(ctx, &actor, &place_id)?;
            let last = entries.last().map(|entry| entry.version.version).unwrap_or(1);
            let to = query.a.unwrap_or(last);
            let from = query.de.unwrap_or(to.saturating_sub(1).max(1));
            let changes = moderation::diff_versions(&entries, from, to)?;
            let record: PlaceRecord = entries.last().map(|entry| entry.version.record.clone()).unwrap_or_default();
            let may_revert = actor.may(ctx, Permission::Moderate(&record));
            Ok((entries, from, to, changes, may_revert, record.nom))
        })
        .await?;
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
    Ok(render(
        StatusCode::OK,
        &HistoryPage {
            layout: layout("Historique"),
            frame: Frame::of(&user),
            place_id: id,
            place_name,
            current,
            versions,
            from,
            to,
            changes,
            may_revert,
        },
    ))
}

async fn revert_post(
    user: SignedIn,
    app: App,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Fields>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let seen = version_of(&form);
    let target = form.get("cible").and_then(|text| text.parse().ok()).unwrap_or(0);
    let place_id = PlaceId(id.clone());
    app.run(move |ctx| moderation::revert(ctx, &actor, &place_id, target, seen, now())).await?;
    Ok(Redirect::to(&format!("/admin/lieux/{id}/historique")).into_response())
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

/// "Gérer ce lieu": a signed-in gestionnaire's claim, or the public's request for an account.
async fn claim_page(
    visitor: Visitor,
    app: App,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let place_id = PlaceId(id.clone());
    let place = app
        .run(move |ctx| Ok(ctx.store.place(&place_id)?))
        .await?
        .ok_or_else(|| WebError::not_found("Ce lieu n'existe pas."))?;
    let (csrf, new) = match &visitor.session {
        Some(session) => (session.csrf_token.clone(), false),
        None => session::pre_session_token(&headers),
    };
    let page = ClaimPage {
        layout: layout("Gérer ce lieu"),
        frame: Frame::of(&visitor),
        csrf: csrf.clone(),
        place_id: id,
        place_name: place.record.nom,
        signed_in: visitor.session.is_some(),
    };
    let response = render(StatusCode::OK, &page);
    Ok(if new { session::with_form_cookie(&app.config, response, &csrf, true) } else { response })
}

#[derive(Deserialize)]
struct Claim {
    #[serde(default)]
    message: String,
    #[serde(default)]
    courriel: String,
    #[serde(default)]
    nom: String,
}

async fn claim_post(
    visitor: Visitor,
    app: App,
    client: ClientAddress,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Claim>,
) -> Result<Response, WebError> {
    let place_id = PlaceId(id);
    let Claim { message, courriel, nom } = form;
    if visitor.session.is_some() {
        let actor = visitor.actor.clone();
        app.run(move |ctx| moderation::claim(ctx, &actor, &place_id, &message, now())).await?;
    } else {
        // Each public request may create an account: limited as sign-ins are.
        if app.config.sign_in_limiter.check(client.0).is_err() {
            return Err(WebError::too_many("Trop de demandes", "Réessayez dans une minute.", None));
        }
        app.run(move |ctx| moderation::request_access(ctx, &place_id, &courriel, &nom, &message, now())).await?;
    }
    Ok(message_page(
        StatusCode::OK,
        Frame::of(&visitor),
        "Demande envoyée",
        "Merci : la coordination territoriale va examiner votre demande. Vous recevrez un courriel dès qu'elle sera acceptée.",
    ))
}
