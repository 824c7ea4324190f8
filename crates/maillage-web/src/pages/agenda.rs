//! The public agenda: `/agenda` (list and month views, filters by territory at any level,
//! kind, public and period), an event's page (JSON-LD `schema.org/Event`, "ajouter à mon
//! agenda", the registration form), the cancel link's page, the calendar and Atom feeds, and
//! the embeddable agenda `/embed/agenda`.
//!
//! Everything works without JavaScript: filters are a GET form, the month view is a table,
//! the organisation's autocomplete is a plain text field that a script only enhances. The
//! cancel link's GET shows a button; only its POST cancels (mail scanners open links). The
//! registration form is the public's: its token is the double-submit cookie issued with the
//! page, and each client is throttled as for reports. Nothing personal is ever shown here.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use maillage_app::agenda::index::{AgendaIndex, Entry};
use maillage_app::agenda::registration::{self as reg, RegistrationForm};
use maillage_app::agenda::{self, feeds, text, EventFilter};
use maillage_app::AppError;
use maillage_store::{AgendaKind, Event, EventStatus, RegistrationState};
use serde::Deserialize;

use super::place::MONTHS;
use super::{render, Layout, Site};
use crate::extract::{App, ClientAddress, PreSessionForm};
use crate::query::Params;
use crate::state::AccountsConfig;
use crate::{WebError, WebState};

/// A query field the page refuses, with the French reason shown beside it.
type FieldFault = (&'static str, String);

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/agenda", get(agenda_page))
        .route("/agenda/agenda.ics", get(hub_calendar))
        .route("/agenda/flux.atom", get(atom_feed))
        .route("/agenda/annulation", get(cancel_page).post(cancel_post))
        .route("/agenda/{id}", get(event_page))
        .route("/agenda/{id}/evenement.ics", get(event_calendar))
        .route("/agenda/{id}/inscription", get(event_redirect).post(register_post))
        .route("/embed/agenda", get(embed_agenda))
}

/// An event as the public pages show it (Europe/Paris times, nothing personal).
pub struct EventView {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub status: EventStatus,
    pub status_label: &'static str,
    pub when: String,
    /// The first day, `AAAA-MM-JJ`, for `<time>`.
    pub date: String,
    pub scale: String,
    pub address: Option<String>,
    pub online_url: Option<String>,
    pub publics: Vec<String>,
    pub organisers: Vec<String>,
    pub contact: Option<String>,
    pub description_html: String,
    pub attachments: Vec<(String, String)>,
}

impl EventView {
    pub fn of(event: &Event) -> EventView {
        EventView {
            id: event.id.clone(),
            title: event.title.clone(),
            kind: event.kind.label(),
            status: event.status,
            status_label: event.status.label(),
            when: reg::when(event),
            date: agenda::local_day(event.starts_at()).format("%Y-%m-%d").to_string(),
            scale: format!("{} {}", event.scale.label(), event.territory),
            address: event.address.clone(),
            online_url: event.online_url.clone(),
            publics: event.publics.clone(),
            organisers: event.organisers.clone(),
            contact: event.contact.clone(),
            description_html: text::to_html(&event.description),
            attachments: event.attachments.iter().map(|a| (a.label.clone(), a.url.clone())).collect(),
        }
    }

    pub fn cancelled(&self) -> bool {
        self.status == EventStatus::Annule
    }
}

/// The filters of `/agenda` as read from the query string.
#[derive(Clone, Debug, Default)]
struct AgendaQuery {
    territoire: String,
    type_: String,
    public: String,
    du: String,
    au: String,
    /// `liste` or `mois`.
    vue: String,
    /// `AAAA-MM` for the month view.
    mois: String,
    passes: bool,
    /// The list's page, from 1 (empty: the first).
    page: String,
}

/// Events a page of the list shows (the month view shows its month whole).
const PAGE_SIZE: usize = 20;

impl AgendaQuery {
    fn read(params: &mut Params) -> Result<AgendaQuery, WebError> {
        let mut get = |name: &'static str| -> Result<String, WebError> {
            Ok(params.get(name)?.map(|v| v.trim().to_owned()).unwrap_or_default())
        };
        Ok(AgendaQuery {
            territoire: get("territoire")?,
            type_: get("type")?,
            public: get("public")?,
            du: get("du")?,
            au: get("au")?,
            vue: get("vue")?,
            mois: get("mois")?,
            passes: get("passes")? == "1",
            page: get("page")?,
        })
    }

    /// The list's page asked for, from 1.
    fn page(&self) -> Result<usize, FieldFault> {
        match self.page.as_str() {
            "" => Ok(1),
            text => text
                .parse::<usize>()
                .ok()
                .filter(|page| *page >= 1)
                .ok_or(("page", format!("« {text} » n'est pas un numéro de page (1, 2, 3…)"))),
        }
    }

    /// The use case's filter and the month shown (year, month), or the field at fault.
    fn filter(&self, now: DateTime<Utc>) -> Result<(EventFilter, Option<(i32, u32)>), FieldFault> {
        self.page()?;
        let day = |field: &'static str, text: &str| -> Result<Option<NaiveDate>, FieldFault> {
            if text.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| (field, format!("« {text} » n'est pas une date (AAAA-MM-JJ)")))
        };
        let midnight = |d: NaiveDate| agenda::parse_local(d.and_time(chrono::NaiveTime::MIN));
        let kind = match self.type_.as_str() {
            "" => None,
            key => Some(AgendaKind::parse(key).ok_or(("type", format!("type d'événement inconnu : « {key} »")))?),
        };
        let mut filter = EventFilter {
            territory: Some(self.territoire.clone()).filter(|t| !t.is_empty()),
            kind,
            public: Some(self.public.clone()).filter(|p| !p.is_empty()),
            from: if self.passes { None } else { Some(now) },
            to: None,
        };
        if let Some(from) = day("du", &self.du)? {
            filter.from = midnight(from);
        }
        if let Some(to) = day("au", &self.au)? {
            filter.to = to.succ_opt().and_then(midnight);
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if to <= from && !self.du.is_empty() {
                return Err(("au", "la fin de la période doit suivre son début".to_owned()));
            }
        }
        let month = if self.vue == "mois" {
            let today = agenda::local_day(now);
            let (year, month) = match self.mois.as_str() {
                "" => (today.year(), today.month()),
                text => NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
                    .map(|d| (d.year(), d.month()))
                    .map_err(|_| ("mois", format!("« {text} » n'est pas un mois (AAAA-MM)")))?,
            };
            let (start, end) = agenda::month_bounds(year, month).ok_or(("mois", "mois hors limites".to_owned()))?;
            filter.from = Some(start);
            filter.to = Some(end);
            Some((year, month))
        } else {
            None
        };
        Ok((filter, month))
    }

    /// The query string of these filters with one key changed, for links (back to the first
    /// page unless the page is what changes).
    fn with(&self, key: &str, value: &str) -> String {
        let mut pairs = vec![
            ("territoire", self.territoire.as_str()),
            ("type", self.type_.as_str()),
            ("public", self.public.as_str()),
            ("du", self.du.as_str()),
            ("au", self.au.as_str()),
            ("vue", self.vue.as_str()),
            ("mois", self.mois.as_str()),
            ("passes", if self.passes { "1" } else { "" }),
            ("page", ""),
        ];
        for pair in pairs.iter_mut() {
            if pair.0 == key {
                pair.1 = value;
            }
        }
        let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

/// One day cell of the month view.
struct DayCell {
    day: u32,
    /// Outside the month shown (leading and trailing days of the weeks).
    outside: bool,
    events: Vec<(String, String, &'static str)>,
}

#[derive(Template)]
#[template(path = "agenda.html")]
struct AgendaPage {
    layout: Layout,
    query: AgendaQuery,
    kinds: Vec<(&'static str, &'static str)>,
    territories: Vec<(String, String)>,
    events: Vec<EventView>,
    /// Events matching the filters, on every page.
    total: usize,
    /// The list's page shown, for `_pagination.html` (one page in the month view).
    listing: PageLinks,
    base_path: &'static str,
    error: Option<(&'static str, String)>,
    month: Option<MonthView>,
}

/// Where the list is among its pages, and the query strings of its neighbours.
struct PageLinks {
    page: usize,
    pages: usize,
    previous: Option<String>,
    next: Option<String>,
}

struct MonthView {
    title: String,
    previous: String,
    next: String,
    weeks: Vec<Vec<DayCell>>,
}

impl AgendaPage {
    fn kind_is(&self, key: &str) -> bool {
        self.query.type_ == key
    }
    fn territory_is(&self, code: &str) -> bool {
        self.query.territoire == code
    }
    /// A territory typed in the address that the select does not offer.
    fn territory_unlisted(&self) -> bool {
        !self.query.territoire.is_empty() && !self.territories.iter().any(|t| t.0 == self.query.territoire)
    }
    fn month_view(&self) -> bool {
        self.query.vue == "mois"
    }
    fn link(&self, key: &str, value: &str) -> String {
        self.query.with(key, value)
    }
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

fn month_view(year: i32, month: u32, events: &[&Event], query: &AgendaQuery) -> Option<MonthView> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = first.checked_add_months(Months::new(1))?;
    let previous = first.checked_sub_months(Months::new(1))?;
    let mut day = first - TimeDelta::days(i64::from(first.weekday().num_days_from_monday()));
    let mut weeks = Vec::new();
    while day < next {
        let mut week = Vec::new();
        for _ in 0..7 {
            let on_day = events
                .iter()
                .filter(|e| {
                    e.sessions.iter().any(|s| agenda::local_day(s.start) <= day && day <= agenda::local_day(s.end))
                })
                .map(|e| (e.id.clone(), e.title.clone(), if e.status == EventStatus::Annule { "annule" } else { "" }))
                .collect();
            week.push(DayCell { day: day.day(), outside: day.month() != month, events: on_day });
            day += TimeDelta::days(1);
        }
        weeks.push(week);
    }
    Some(MonthView {
        title: format!("{} {year}", MONTHS[month as usize - 1]),
        previous: query.with("mois", &previous.format("%Y-%m").to_string()),
        next: query.with("mois", &next.format("%Y-%m").to_string()),
        weeks,
    })
}

/// The territories the filter offers: the hub's régions, départements and bassins (those of
/// its bassins' configuration, else those of its events).
fn territory_choices(state: &WebState, index: &AgendaIndex) -> Vec<(String, String)> {
    let bassins = index.locator().bassins.bassins();
    let mut departements: std::collections::BTreeSet<&str> = bassins.values().map(String::as_str).collect();
    departements.extend(index.departements());
    let mut regions = std::collections::BTreeSet::new();
    let mut choices = Vec::new();
    for code in &departements {
        if let Some(d) = state.territory.departement(code) {
            regions.insert(d.code_region.clone());
        }
    }
    for code in regions {
        if let Some(r) = state.territory.region(&code) {
            choices.push((code.clone(), format!("Région {}", r.name)));
        }
    }
    for code in &departements {
        if let Some(d) = state.territory.departement(code) {
            choices.push((code.to_string(), format!("{} ({code})", d.name)));
        }
    }
    for bassin in bassins.keys() {
        choices.push((bassin.clone(), format!("Bassin de vie : {bassin}")));
    }
    choices
}

/// The events of a selection, as the feeds take them.
fn events_of<'a>(entries: &[&'a Arc<Entry>]) -> Vec<&'a Event> {
    entries.iter().map(|entry| entry.event.as_ref()).collect()
}

async fn agenda_page(app: App, Extension(site): Site, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let query = AgendaQuery::read(&mut params)?;
    let now = maillage_store::now();
    let (filter, month, error) = match query.filter(now) {
        Ok((filter, month)) => (Some(filter), month, None),
        Err(error) => (None, None, Some(error)),
    };
    let index = app.state.agenda_events().await?;
    let selected = filter.as_ref().map(|filter| index.select(filter)).unwrap_or_default();
    let events = events_of(&selected);
    let total = events.len();
    // The month view shows its month whole; the list a page at a time (a page beyond the
    // last shows the last).
    let (page, pages, shown) = if month.is_some() {
        (1, 1, &events[..])
    } else {
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let page = query.page().unwrap_or(1).min(pages);
        let start = (page - 1) * PAGE_SIZE;
        (page, pages, &events[start..(start + PAGE_SIZE).min(total)])
    };
    let listing = PageLinks {
        page,
        pages,
        previous: (page > 1).then(|| query.with("page", &(page - 1).to_string())),
        next: (page < pages).then(|| query.with("page", &(page + 1).to_string())),
    };
    let month = month.and_then(|(year, m)| month_view(year, m, &events, &query));
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let page = AgendaPage {
        layout: Layout::new(&site, "Agenda des temps forts", "agenda"),
        kinds: AgendaKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        territories: territory_choices(&app.state, &index),
        events: shown.iter().map(|event| EventView::of(event)).collect(),
        total,
        listing,
        base_path: "/agenda",
        query,
        error,
        month,
    };
    Ok(render(status, &page, false))
}

#[derive(Template)]
#[template(path = "evenement.html")]
struct EventPage {
    layout: Layout,
    event: EventView,
    json_ld: String,
    questions: Vec<String>,
    closed: Option<&'static str>,
    seats_per_person: u32,
    /// Seats left, when the event has a capacity.
    seats_left: Option<u32>,
    approval: bool,
    registration: bool,
    form: RegistrationForm,
    errors: Vec<maillage_app::FieldError>,
    done: Option<RegistrationState>,
    csrf: String,
    google_link: String,
    outlook_link: String,
}

impl EventPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
    fn left(&self) -> u32 {
        self.seats_left.unwrap_or(0)
    }
    fn answer(&self, n: &usize) -> &str {
        self.form.answers.get(*n).map(String::as_str).unwrap_or("")
    }
    fn done_label(&self) -> &'static str {
        match self.done {
            Some(RegistrationState::Waiting) => "L'événement est complet : vous êtes sur la liste d'attente. Un courriel vous préviendra si une place se libère.",
            Some(RegistrationState::PendingApproval) => "Votre demande est enregistrée : les organisateurs vont la valider.",
            Some(_) => "Votre inscription est confirmée.",
            None => "",
        }
    }
}

/// schema.org `Event` as JSON-LD; `<` is escaped so the data block cannot close its element.
fn json_ld(event: &Event, base_url: &str) -> String {
    let status = match event.status {
        EventStatus::Annule => "https://schema.org/EventCancelled",
        EventStatus::Reporte => "https://schema.org/EventPostponed",
        _ => "https://schema.org/EventScheduled",
    };
    let mode = match (&event.online_url, event.address.is_some() || event.place_id.is_some()) {
        (Some(_), true) => "https://schema.org/MixedEventAttendanceMode",
        (Some(_), false) => "https://schema.org/OnlineEventAttendanceMode",
        _ => "https://schema.org/OfflineEventAttendanceMode",
    };
    let mut locations = Vec::new();
    if let Some(address) = &event.address {
        locations.push(serde_json::json!({"@type": "Place", "name": address, "address": address}));
    }
    if let Some(url) = &event.online_url {
        locations.push(serde_json::json!({"@type": "VirtualLocation", "url": url}));
    }
    let value = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": text::to_plain(&event.description),
        "startDate": agenda::paris(event.starts_at()).to_rfc3339(),
        "endDate": agenda::paris(event.ends_at()).to_rfc3339(),
        "eventStatus": status,
        "eventAttendanceMode": mode,
        "location": locations,
        "organizer": event.organisers.iter().map(|o| serde_json::json!({"@type": "Organization", "name": o})).collect::<Vec<_>>(),
        "url": format!("{base_url}/agenda/{}", event.id),
        "audience": event.publics.iter().map(|p| serde_json::json!({"@type": "Audience", "audienceType": p})).collect::<Vec<_>>(),
    });
    value.to_string().replace('<', "\\u003c")
}

fn calendar_links(event: &Event, base_url: &str) -> (String, String) {
    let format = |at: DateTime<Utc>| at.format("%Y%m%dT%H%M%SZ").to_string();
    let details = format!("{base_url}/agenda/{}", event.id);
    let location = event.address.clone().or_else(|| event.online_url.clone()).unwrap_or_default();
    let google = serde_urlencoded::to_string([
        ("action", "TEMPLATE"),
        ("text", event.title.as_str()),
        ("dates", &format!("{}/{}", format(event.starts_at()), format(event.ends_at()))),
        ("details", details.as_str()),
        ("location", location.as_str()),
    ])
    .unwrap_or_default();
    let outlook = serde_urlencoded::to_string([
        ("path", "/calendar/action/compose"),
        ("rru", "addevent"),
        ("subject", event.title.as_str()),
        ("startdt", &event.starts_at().to_rfc3339()),
        ("enddt", &event.ends_at().to_rfc3339()),
        ("body", details.as_str()),
        ("location", location.as_str()),
    ])
    .unwrap_or_default();
    (
        format!("https://calendar.google.com/calendar/render?{google}"),
        format!("https://outlook.live.com/calendar/0/deeplink/compose?{outlook}"),
    )
}

const UNKNOWN_EVENT: &str =
    "Cet événement n'existe pas ou n'est plus publié. Consultez l'agenda pour les prochains temps forts.";

async fn load_event(app: &App, id: &str) -> Result<(Event, u32), WebError> {
    let id = id.to_owned();
    let found = app
        .run(move |ctx| {
            let event = agenda::public_event(ctx, &id)?;
            let taken = ctx.store.registrations(&id)?.iter().filter(|r| r.takes_seats()).map(|r| r.seats).sum();
            Ok((event, taken))
        })
        .await;
    match found {
        Ok(found) => Ok(found),
        Err(AppError::Store(maillage_store::StoreError::NotFound(_))) => {
            Err(WebError::not_found(UNKNOWN_EVENT).titled("Événement introuvable"))
        }
        Err(err) => Err(err.into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn event_page_response(
    site: &super::SiteConfig,
    base_url: &str,
    event: &Event,
    taken: u32,
    form: RegistrationForm,
    errors: Vec<maillage_app::FieldError>,
    done: Option<RegistrationState>,
    csrf: String,
    status: StatusCode,
) -> Response {
    let now = maillage_store::now();
    let (google_link, outlook_link) = calendar_links(event, base_url);
    let page = EventPage {
        layout: Layout::new(site, event.title.clone(), "agenda"),
        event: EventView::of(event),
        json_ld: json_ld(event, base_url),
        questions: event.questions.clone(),
        closed: reg::closed_reason(event, now),
        seats_per_person: event.seats_per_person,
        seats_left: event.capacity.map(|c| c.saturating_sub(taken)),
        approval: event.approval,
        registration: event.registration,
        form,
        errors,
        done,
        csrf,
        google_link,
        outlook_link,
    };
    render(status, &page, false)
}

#[derive(Deserialize)]
struct EventQueryString {
    inscription: Option<String>,
}

async fn event_page(
    app: App,
    Extension(site): Site,
    Extension(accounts): Extension<Arc<AccountsConfig>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<EventQueryString>,
) -> Result<Response, WebError> {
    let (event, taken) = load_event(&app, &id).await?;
    let done = query.inscription.as_deref().and_then(RegistrationState::parse);
    let (csrf, new) = crate::session::pre_session_token(&headers);
    let response = event_page_response(
        &site,
        &accounts.base_url,
        &event,
        taken,
        RegistrationForm::default(),
        Vec::new(),
        done,
        csrf.clone(),
        StatusCode::OK,
    );
    Ok(crate::session::with_form_cookie(&accounts, response, &csrf, new))
}

async fn event_redirect(Path(id): Path<String>) -> Redirect {
    Redirect::to(&format!("/agenda/{id}#inscription"))
}

async fn register_post(
    app: App,
    Extension(site): Site,
    client: ClientAddress,
    Path(id): Path<String>,
    PreSessionForm(fields): PreSessionForm<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let (event, taken) = load_event(&app, &id).await?;
    let form = RegistrationForm {
        name: field("nom"),
        email: field("courriel"),
        organisation: field("organisation"),
        organisation_place: field("organisation_lieu"),
        role: field("fonction"),
        answers: (1..=event.questions.len()).map(|n| field(&format!("reponse_{n}"))).collect(),
        seats: field("places"),
    };
    let now = maillage_store::now();
    if let Err(wait) = app.state.registration_throttle.admit(&client.key(), now) {
        let message = format!(
            "Trop d'inscriptions depuis cette connexion. Réessayez dans {}.",
            maillage_app::throttle::wait_in_words(wait)
        );
        return Err(WebError::too_many("Trop d'inscriptions", message, Some(wait.num_seconds().max(1) as u64)));
    }
    let result = {
        let (id, form) = (id.clone(), form.clone());
        app.run(move |ctx| reg::register(ctx, &id, &form, now)).await
    };
    match result {
        // Post/redirect/get: reloading the confirmation registers nobody twice.
        Ok(registration) => {
            Ok(Redirect::to(&format!("/agenda/{id}?inscription={}#inscription", registration.state.as_str()))
                .into_response())
        }
        Err(AppError::Invalid(errors)) => Ok(event_page_response(
            &site,
            &app.config.base_url,
            &event,
            taken,
            form,
            errors,
            None,
            field(crate::session::CSRF_FIELD),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "annulation.html")]
struct CancelPage {
    layout: Layout,
    title: String,
    event_id: String,
    when: String,
    token: String,
    csrf: String,
    cancelled: bool,
    already: bool,
}

#[derive(Deserialize)]
struct CancelQuery {
    #[serde(default)]
    jeton: String,
}

/// The cancel link's page: what the link names and a button; nothing changes on a GET.
async fn cancel_page(
    app: App,
    Extension(site): Site,
    Extension(accounts): Extension<Arc<AccountsConfig>>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<CancelQuery>,
) -> Result<Response, WebError> {
    let token = query.jeton.clone();
    let (event, registration) = app.run(move |ctx| reg::registration_for_token(ctx, &token)).await?;
    let (csrf, new) = crate::session::pre_session_token(&headers);
    let page = CancelPage {
        layout: Layout::new(&site, "Annuler mon inscription", "agenda"),
        title: event.title.clone(),
        event_id: event.id.clone(),
        when: reg::when(&event),
        token: query.jeton,
        csrf: csrf.clone(),
        cancelled: false,
        already: registration.state == RegistrationState::Cancelled,
    };
    let mut response = render(StatusCode::OK, &page, false);
    // The token is in the address: no referrer leaves with it, no cache keeps the page.
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(crate::session::with_form_cookie(&accounts, response, &csrf, new))
}

#[derive(Deserialize)]
struct CancelForm {
    #[serde(default)]
    jeton: String,
}

async fn cancel_post(
    app: App,
    Extension(site): Site,
    PreSessionForm(form): PreSessionForm<CancelForm>,
) -> Result<Response, WebError> {
    let token = form.jeton.clone();
    let (event, _) = app.run(move |ctx| reg::cancel_by_token(ctx, &token, maillage_store::now())).await?;
    let page = CancelPage {
        layout: Layout::new(&site, "Inscription annulée", "agenda"),
        title: event.title.clone(),
        event_id: event.id.clone(),
        when: reg::when(&event),
        token: String::new(),
        csrf: String::new(),
        cancelled: true,
        already: false,
    };
    Ok(render(StatusCode::OK, &page, false))
}

fn calendar_response(body: String, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{file_name}\"")),
            (header::CACHE_CONTROL, "public, max-age=300".to_owned()),
        ],
        body,
    )
        .into_response()
}

async fn event_calendar(app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let (event, _) = load_event(&app, &id).await?;
    let body = feeds::icalendar(&event.title, std::slice::from_ref(&event), &app.config.base_url);
    Ok(calendar_response(body, "evenement.ics"))
}

/// The hub's calendar, or one territory's (`?territoire=`): events from 30 days back on, so
/// that a subscribed calendar keeps the recent past and learns of cancellations. Each event's
/// text is written once and kept with the agenda in memory.
async fn hub_calendar(app: App, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let territory = params.get("territoire")?.map(str::to_owned).filter(|t| !t.is_empty());
    params.finish()?;
    let now = maillage_store::now();
    let name = match &territory {
        Some(code) => format!("Agenda du hub — {code}"),
        None => "Agenda du hub".to_owned(),
    };
    let filter = EventFilter { territory, from: Some(now - TimeDelta::days(30)), ..EventFilter::default() };
    let index = app.state.agenda_events().await?;
    let base_url = &app.config.base_url;
    let texts: Vec<_> = index.select(&filter).into_iter().map(|entry| entry.calendar_text(base_url)).collect();
    Ok(calendar_response(feeds::calendar(&name, texts.iter().map(|text| text.as_ref())), "agenda.ics"))
}

async fn atom_feed(app: App, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let territory = params.get("territoire")?.map(str::to_owned).filter(|t| !t.is_empty());
    params.finish()?;
    let now = maillage_store::now();
    let filter = EventFilter { territory, from: Some(now), ..EventFilter::default() };
    let index = app.state.agenda_events().await?;
    let events = events_of(&index.select(&filter));
    let body = feeds::atom("Agenda des temps forts", &events, &app.config.base_url, "/agenda/flux.atom", now);
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], body).into_response())
}

#[derive(Template)]
#[template(path = "embed_agenda.html")]
struct EmbedAgendaPage {
    layout: Layout,
    titre: String,
    couleur: String,
    events: Vec<EventView>,
}

/// The agenda for partners' sites: the upcoming events of a territory, in a frame.
async fn embed_agenda(app: App, Extension(site): Site, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let mut params = Params::parse(raw.as_deref())?;
    let territory = params.get("territoire")?.map(str::to_owned).filter(|t| !t.is_empty());
    let titre = params
        .get("titre")?
        .map(|t| t.chars().take(80).collect())
        .unwrap_or_else(|| "Prochains temps forts".to_owned());
    let couleur = match params.get("couleur")? {
        None => "#005a9c".to_owned(),
        Some(text) => super::parse_colour(text).ok_or_else(|| {
            WebError::bad_parameter("couleur", format!("« {text} » n'est pas une couleur : attendu #rrggbb"))
        })?,
    };
    let now = maillage_store::now();
    let filter = EventFilter { territory, from: Some(now), ..EventFilter::default() };
    let index = app.state.agenda_events().await?;
    let events = index.select(&filter);
    let mut layout = Layout::new(&site, titre.clone(), "");
    layout.embed = true;
    let page = EmbedAgendaPage {
        layout,
        titre,
        couleur,
        events: events.iter().take(20).map(|entry| EventView::of(&entry.event)).collect(),
    };
    Ok(render(StatusCode::OK, &page, true))
}
