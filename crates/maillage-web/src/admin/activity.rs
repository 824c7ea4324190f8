//! The activity log's pages: the form a team member fills in under a minute on a phone (the
//! directory's names offered as they type, new ones created on the fly), the list with its
//! filters and its CSV and ODS exports (what the screen shows), an entry's correction, flag
//! and deletion.

use askama::Template;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::activity::{self, ActorRef, EntryForm, LogFilter};
use maillage_app::AppError;
use maillage_store::{
    ActivityEntry, ActivityEventKind, ActivityKind, AnimationKind, PartnershipStatus, StakeholderKind, TerritoryLevel,
};
use serde::Deserialize;

use super::now;
use crate::extract::{App, Coordinator, CsrfForm};
use crate::pages::Layout;
use crate::query::Params;
use crate::render::{attachment, layout, render, Frame, CSV, ODS};
use crate::{WebError, WebState};

/// How many actor fields the form offers (more go in the free list, one per line).
const ACTOR_FIELDS: usize = 5;
/// Most names the page offers as suggestions.
const MAX_SUGGESTIONS: usize = 3_000;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/activite", get(log_page).post(log_post))
        .route("/admin/activite/export.csv", get(export_csv))
        .route("/admin/activite/export.ods", get(export_ods))
        .route("/admin/activite/entree/{id}", get(entry_page).post(entry_post))
        .route("/admin/activite/entree/{id}/signaler", post(flag_post))
        .route("/admin/activite/entree/{id}/supprimer", post(delete_post))
}

/// A select's option: key, label, selected.
pub struct Choice {
    pub key: String,
    pub label: String,
    pub selected: bool,
}

fn choices<T: Copy>(all: &[T], key: fn(T) -> &'static str, label: fn(T) -> &'static str, current: &str) -> Vec<Choice> {
    all.iter()
        .map(|value| Choice {
            key: key(*value).to_owned(),
            label: label(*value).to_owned(),
            selected: key(*value) == current,
        })
        .collect()
}

/// The form's values as typed (shown again with the errors of a refused entry).
#[derive(Clone, Default)]
pub struct FormView {
    pub kind: Vec<Choice>,
    pub animation: Vec<Choice>,
    pub event: Vec<Choice>,
    pub level: Vec<Choice>,
    pub new_kind: Vec<Choice>,
    pub status: Vec<Choice>,
    pub form: EntryForm,
    /// The actor fields' values ([`ACTOR_FIELDS`] of them) and the free list.
    pub actors: Vec<String>,
    pub more_actors: String,
    /// The refusal's messages by field, shown beside their fields.
    pub errors: Vec<(String, String)>,
}

/// The fields folded under "Plus" (opened when one of them is refused).
const FOLDED_FIELDS: [&str; 8] = [
    "étiquettes",
    "projets liés",
    "événements liés",
    "statut du partenariat",
    "nature du partenariat",
    "début du partenariat",
    "fin du partenariat",
    "montant",
];

impl FormView {
    /// The messages refusing `field`, joined, if any.
    pub fn error(&self, field: &str) -> Option<String> {
        let messages: Vec<&str> =
            self.errors.iter().filter(|(name, _)| name == field).map(|(_, message)| message.as_str()).collect();
        (!messages.is_empty()).then(|| messages.join(" ; "))
    }

    /// The attributes marking the input `id` invalid and pointing to its message (ids are the
    /// template's own, never typed text).
    pub fn invalid(&self, field: &str, id: &str) -> String {
        match self.error(field) {
            Some(_) => format!(" aria-invalid=\"true\" aria-describedby=\"{id}-erreur\""),
            None => String::new(),
        }
    }

    pub fn folded_refused(&self) -> bool {
        self.errors.iter().any(|(field, _)| FOLDED_FIELDS.contains(&field.as_str()))
    }
}

impl Clone for Choice {
    fn clone(&self) -> Self {
        Choice { key: self.key.clone(), label: self.label.clone(), selected: self.selected }
    }
}

fn form_view(
    form: EntryForm,
    names: &std::collections::BTreeMap<String, String>,
    errors: &[(String, String)],
) -> FormView {
    let mut lines: Vec<String> = form
        .actors
        .iter()
        .map(|reference| match reference {
            ActorRef::Id(id) => names.get(id).cloned().unwrap_or_else(|| format!("#{id}")),
            ActorRef::Name(name) => name.clone(),
        })
        .collect();
    let more = if lines.len() > ACTOR_FIELDS { lines.split_off(ACTOR_FIELDS).join("\n") } else { String::new() };
    lines.resize(ACTOR_FIELDS, String::new());
    FormView {
        kind: choices(ActivityKind::ALL, ActivityKind::as_str, ActivityKind::label, &form.kind),
        animation: choices(AnimationKind::ALL, AnimationKind::as_str, AnimationKind::label, &form.animation),
        event: choices(ActivityEventKind::ALL, ActivityEventKind::as_str, ActivityEventKind::label, &form.event),
        level: choices(TerritoryLevel::ALL, TerritoryLevel::as_str, TerritoryLevel::label, &form.level),
        new_kind: choices(
            &StakeholderKind::ALL[1..],
            StakeholderKind::as_str,
            StakeholderKind::label,
            &form.new_actor_kind,
        ),
        status: choices(
            PartnershipStatus::ALL,
            PartnershipStatus::as_str,
            PartnershipStatus::label,
            &form.partnership_status,
        ),
        actors: lines,
        more_actors: more,
        errors: errors.to_vec(),
        form,
    }
}

/// The form a person starts from: today, an hour, the first département of its scope.
fn blank_form(user: &Coordinator) -> EntryForm {
    let today = maillage_domain::hours::paris_local(now()).date();
    let departement = match user.user().map(|u| &u.role) {
        Some(maillage_store::Role::Coordinateur { departements, .. }) => {
            departements.first().cloned().unwrap_or_default()
        }
        _ => String::new(),
    };
    EntryForm {
        kind: ActivityKind::Animation.as_str().to_owned(),
        animation: AnimationKind::ReunionCoordination.as_str().to_owned(),
        date: today.to_string(),
        duration: "60".to_owned(),
        level: if departement.is_empty() { TerritoryLevel::Region } else { TerritoryLevel::Departement }
            .as_str()
            .to_owned(),
        territory: departement,
        new_actor_kind: StakeholderKind::Autre.as_str().to_owned(),
        ..EntryForm::default()
    }
}

/// An entry as the list shows it.
pub struct Row {
    pub id: String,
    pub date: String,
    pub kind: String,
    pub territory: String,
    pub duration: String,
    pub actors: String,
    pub headcount: u32,
    pub notable: Option<String>,
}

fn duration_label(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, minutes) => format!("{minutes} min"),
        (hours, 0) => format!("{hours} h"),
        (hours, minutes) => format!("{hours} h {minutes:02}"),
    }
}

fn kind_label(entry: &ActivityEntry) -> String {
    match (entry.animation, entry.event) {
        (Some(animation), _) => format!("{} — {}", entry.kind.label(), animation.label()),
        (_, Some(event)) => format!("{} — {}", entry.kind.label(), event.label()),
        _ => entry.kind.label().to_owned(),
    }
}

fn territory_label(entry: &ActivityEntry) -> String {
    if entry.territory.is_empty() {
        entry.level.label().to_owned()
    } else {
        format!("{} {}", entry.level.label(), entry.territory)
    }
}

fn row(entry: &ActivityEntry, names: &std::collections::BTreeMap<String, String>) -> Row {
    Row {
        id: entry.id.clone(),
        date: activity::french_day(entry.date),
        kind: kind_label(entry),
        territory: territory_label(entry),
        duration: duration_label(entry.duration_minutes),
        actors: entry.actors.iter().filter_map(|id| names.get(id).cloned()).collect::<Vec<_>>().join(", "),
        headcount: entry.headcount,
        notable: entry.notable.clone(),
    }
}

/// The list's filters, read from the query string (the export reads the same).
#[derive(Clone, Default)]
pub struct Filters {
    pub from: String,
    pub to: String,
    pub departement: String,
    pub kind: String,
    pub mine: bool,
    /// The same filters as a query string, for the export links.
    pub query: String,
}

fn read_filters(raw: Option<&str>, user: &Coordinator) -> Result<(Filters, LogFilter), WebError> {
    let mut params = Params::parse(raw)?;
    let mut day = |name: &'static str| -> Result<(String, Option<chrono::NaiveDate>), WebError> {
        match params.get(name)? {
            None => Ok((String::new(), None)),
            Some(text) => activity::parse_day(text)
                .map(|day| (text.to_owned(), Some(day)))
                .ok_or_else(|| WebError::bad_parameter(name, "date attendue au format AAAA-MM-JJ")),
        }
    };
    let (from_text, from) = day("du")?;
    let (to_text, to) = day("au")?;
    let departement = params.get("departement")?.map(str::to_uppercase).unwrap_or_default();
    let kind_text = params.get("type")?.unwrap_or_default().to_owned();
    let kind = match kind_text.as_str() {
        "" => None,
        text => {
            Some(ActivityKind::parse(text).ok_or_else(|| WebError::bad_parameter("type", "type d'activité inconnu"))?)
        }
    };
    let mine = params.get("auteur")? == Some("moi");
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (key, value) in [("du", &from_text), ("au", &to_text), ("departement", &departement), ("type", &kind_text)] {
        if !value.is_empty() {
            pairs.push((key, value));
        }
    }
    if mine {
        pairs.push(("auteur", "moi"));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let filter = LogFilter {
        from,
        to,
        departement: (!departement.is_empty()).then(|| departement.clone()),
        kind,
        author: if mine { user.actor.id().map(str::to_owned) } else { None },
    };
    Ok((Filters { from: from_text, to: to_text, departement, kind: kind_text, mine, query }, filter))
}

#[derive(Template)]
#[template(path = "admin/activite.html")]
struct LogPage {
    layout: Layout,
    frame: Option<Frame>,
    view: FormView,
    errors: Vec<(String, String)>,
    saved: bool,
    filters: Filters,
    kinds: Vec<Choice>,
    rows: Vec<Row>,
    suggestions: Vec<String>,
}

/// The entries the filter selects and the names of their actors (the team's page).
fn listed(
    ctx: &maillage_app::context::Context<'_>,
    actor: &maillage_app::accounts::Actor,
    filter: &LogFilter,
) -> maillage_app::AppResult<(Vec<ActivityEntry>, std::collections::BTreeMap<String, String>)> {
    let entries = activity::entries(ctx, actor, filter)?;
    let ids: Vec<String> = entries.iter().flat_map(|entry| entry.actors.clone()).collect();
    let names = maillage_app::actors::resolve(ctx, actor, &ids)?
        .into_iter()
        .map(|(id, stakeholder)| (id, stakeholder.name))
        .collect();
    Ok((entries, names))
}

/// The directory's names for the suggestions.
fn suggestions(
    ctx: &maillage_app::context::Context<'_>,
    actor: &maillage_app::accounts::Actor,
) -> maillage_app::AppResult<Vec<String>> {
    let mut names: Vec<String> = maillage_app::actors::stakeholders(ctx, actor, &Default::default())?
        .into_iter()
        .map(|stakeholder| stakeholder.name)
        .collect();
    names.sort();
    names.dedup();
    names.truncate(MAX_SUGGESTIONS);
    Ok(names)
}

async fn log_view(
    user: &Coordinator,
    app: &App,
    raw: Option<String>,
    form: Option<(EntryForm, Vec<(String, String)>)>,
    saved: bool,
) -> Result<Response, WebError> {
    let (filters, filter) = read_filters(raw.as_deref(), user)?;
    let actor = user.actor.clone();
    let (entries, names, suggestions) = app
        .run(move |ctx| {
            let (entries, names) = listed(ctx, &actor, &filter)?;
            Ok((entries, names, suggestions(ctx, &actor)?))
        })
        .await?;
    let status = if form.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let (form, errors) = form.unwrap_or_else(|| (blank_form(user), Vec::new()));
    let page = LogPage {
        layout: layout("Journal d'activité"),
        frame: Frame::of(user),
        view: form_view(form, &names, &errors),
        errors,
        saved,
        kinds: choices(ActivityKind::ALL, ActivityKind::as_str, ActivityKind::label, &filters.kind),
        filters,
        rows: entries.iter().map(|entry| row(entry, &names)).collect(),
        suggestions,
    };
    Ok(render(status, &page))
}

async fn log_page(user: Coordinator, app: App, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let saved = raw.as_deref().is_some_and(|q| q.split('&').any(|pair| pair == "enregistre=1"));
    let raw = raw.map(|q| q.split('&').filter(|pair| *pair != "enregistre=1").collect::<Vec<_>>().join("&"));
    log_view(&user, &app, raw, None, saved).await
}

/// The posted form: every field by name (the actor fields repeat).
fn entry_form(pairs: &[(String, String)]) -> EntryForm {
    let get = |name: &str| pairs.iter().find(|(key, _)| key == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut actors: Vec<ActorRef> =
        pairs.iter().filter(|(key, _)| key == "acteur").filter_map(|(_, value)| ActorRef::parse_line(value)).collect();
    actors.extend(get("autres_acteurs").lines().filter_map(ActorRef::parse_line));
    EntryForm {
        kind: get("type"),
        animation: get("sous_type"),
        event: get("type_evenement"),
        date: get("date"),
        duration: get("duree"),
        level: get("echelon"),
        territory: get("territoire"),
        actors,
        new_actor_kind: get("type_acteurs"),
        headcount: get("personnes"),
        themes: get("themes"),
        tags: get("etiquettes"),
        projects: get("projets"),
        events: get("evenements"),
        notes: get("notes"),
        partnership_status: get("statut"),
        partnership_nature: get("nature"),
        partnership_start: get("debut"),
        partnership_end: get("fin"),
        amount: get("montant"),
    }
}

fn refused(err: AppError) -> Result<Vec<(String, String)>, WebError> {
    match err {
        AppError::Invalid(errors) => Ok(errors.into_iter().map(|e| (e.field, e.message)).collect()),
        other => Err(other.into()),
    }
}

async fn log_post(
    user: Coordinator,
    app: App,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = entry_form(&pairs);
    let actor = user.actor.clone();
    let posted = form.clone();
    match app.run(move |ctx| activity::record(ctx, &actor, &posted, now())).await {
        Ok(_) => Ok(Redirect::to("/admin/activite?enregistre=1").into_response()),
        Err(err) => {
            let errors = refused(err)?;
            log_view(&user, &app, None, Some((form, errors)), false).await
        }
    }
}

// ---- one entry

#[derive(Template)]
#[template(path = "admin/activite_entree.html")]
struct EntryPage {
    layout: Layout,
    frame: Option<Frame>,
    id: String,
    version: u32,
    notable: String,
    view: FormView,
    errors: Vec<(String, String)>,
    suggestions: Vec<String>,
}

async fn entry_view(
    user: &Coordinator,
    app: &App,
    id: String,
    form: Option<(EntryForm, Vec<(String, String)>)>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (entry, names, suggestions) = app
        .run(move |ctx| {
            let entry = activity::entry(ctx, &actor, &id)?;
            let names = maillage_app::actors::resolve(ctx, &actor, &entry.actors)?
                .into_iter()
                .map(|(id, stakeholder)| (id, stakeholder.name))
                .collect();
            Ok((entry, names, suggestions(ctx, &actor)?))
        })
        .await?;
    let status = if form.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let (form, errors) = form.unwrap_or_else(|| (EntryForm::of(&entry), Vec::new()));
    let page = EntryPage {
        layout: layout("Entrée du journal d'activité"),
        frame: Frame::of(user),
        id: entry.id.clone(),
        version: entry.version,
        notable: entry.notable.clone().unwrap_or_default(),
        view: form_view(form, &names, &errors),
        errors,
        suggestions,
    };
    Ok(render(status, &page))
}

async fn entry_page(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    entry_view(&user, &app, id, None).await
}

fn version_of(pairs: &[(String, String)]) -> Result<u32, WebError> {
    pairs
        .iter()
        .find(|(key, _)| key == "version")
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or_else(|| WebError::bad_parameter("version", "version de l'entrée attendue"))
}

async fn entry_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let version = version_of(&pairs)?;
    let form = entry_form(&pairs);
    let (actor, posted, target) = (user.actor.clone(), form.clone(), id.clone());
    match app.run(move |ctx| activity::update(ctx, &actor, &target, version, &posted, now())).await {
        Ok(_) => Ok(Redirect::to("/admin/activite?enregistre=1").into_response()),
        Err(err) => {
            let errors = refused(err)?;
            entry_view(&user, &app, id, Some((form, errors))).await
        }
    }
}

#[derive(Deserialize)]
struct Flag {
    version: u32,
    #[serde(default)]
    texte: String,
}

async fn flag_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Flag>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let target = id.clone();
    app.run(move |ctx| activity::flag(ctx, &actor, &target, form.version, Some(&form.texte), now())).await?;
    Ok(Redirect::to(&format!("/admin/activite/entree/{id}")).into_response())
}

#[derive(Deserialize)]
struct Delete {
    version: u32,
}

async fn delete_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Delete>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    app.run(move |ctx| activity::delete(ctx, &actor, &id, form.version, now())).await?;
    Ok(Redirect::to("/admin/activite").into_response())
}

// ---- exports: the list as the screen shows it

const EXPORT_HEADERS: [&str; 12] = [
    "Date",
    "Type",
    "Échelon",
    "Territoire",
    "Département",
    "Durée (minutes)",
    "Acteurs",
    "Personnes non nommées",
    "Thèmes",
    "Étiquettes",
    "Action notable",
    "Notes",
];

async fn exported(
    user: &Coordinator,
    app: &App,
    raw: Option<String>,
) -> Result<Vec<Vec<maillage_documents::report::Cell>>, WebError> {
    use maillage_documents::report::Cell;
    let (_, filter) = read_filters(raw.as_deref(), user)?;
    let actor = user.actor.clone();
    let (entries, names) = app.run(move |ctx| listed(ctx, &actor, &filter)).await?;
    Ok(entries
        .iter()
        .map(|entry| {
            let actors: Vec<String> = entry.actors.iter().filter_map(|id| names.get(id).cloned()).collect();
            vec![
                Cell::Date(entry.date),
                Cell::Text(kind_label(entry)),
                Cell::Text(entry.level.label().to_owned()),
                Cell::Text(entry.territory.clone()),
                Cell::Text(entry.departement.clone().unwrap_or_default()),
                Cell::Number(f64::from(entry.duration_minutes)),
                Cell::Text(actors.join(", ")),
                Cell::Number(f64::from(entry.headcount)),
                Cell::Text(entry.themes.join(", ")),
                Cell::Text(entry.tags.join(", ")),
                Cell::Text(entry.notable.clone().unwrap_or_default()),
                Cell::Text(entry.notes.clone()),
            ]
        })
        .collect())
}

async fn export_csv(user: Coordinator, app: App, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let rows = exported(&user, &app, raw).await?;
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    let failed = |err: csv::Error| WebError::internal(err);
    maillage_formats::spreadsheet::write_safe_record(&mut writer, EXPORT_HEADERS).map_err(failed)?;
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                maillage_documents::report::Cell::Number(value) => value.to_string(),
                other => other.display(),
            })
            .collect();
        maillage_formats::spreadsheet::write_safe_record(&mut writer, cells).map_err(failed)?;
    }
    let bytes = writer.into_inner().map_err(|err| WebError::internal(err.to_string()))?;
    Ok(attachment(CSV, "journal-activite.csv", bytes))
}

async fn export_ods(user: Coordinator, app: App, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let rows = exported(&user, &app, raw).await?;
    let table = maillage_documents::report::Table {
        name: "Journal d'activité".to_owned(),
        headers: EXPORT_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    };
    let bytes = crate::admin::bilans::ods_of(std::slice::from_ref(&table))?;
    Ok(attachment(ODS, "journal-activite.ods", bytes))
}
