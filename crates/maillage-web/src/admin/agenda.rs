//! The agenda's administration: the events of the actor's territory (and proposals to
//! decide), creating one or a recurring series, correcting one, its registrants (approval,
//! cancellation, CSV and ODS with e-mails), the printable sign-in sheet, the check-in page
//! made for a phone (search, present/absent, walk-ins) and the closing report. Gestionnaires
//! propose an event for their place here too.
//!
//! Handlers translate only: the use cases of `maillage_app::agenda` check the role and the
//! territory of every read of registrants and of every write, and audit them.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::activity::agenda as log_agenda;
use maillage_app::agenda::registration::{self as reg, WalkInForm};
use maillage_app::agenda::{self, EventForm, Recurrence};
use maillage_app::{AppError, FieldError};
use maillage_store::{AgendaKind, Event, EventScale, EventStatus, Publication, Registration, RegistrationState};
use serde::Deserialize;

use super::now;
use crate::extract::{App, Coordinator, CsrfForm, SignedIn};
use crate::pages::Layout;
use crate::render::{day, layout, private_attachment, render, Frame, CSV, ODS};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/agenda", get(events_page))
        .route("/admin/agenda/nouveau", get(new_page).post(new_post))
        .route("/admin/agenda/proposer", get(propose_page).post(propose_post))
        .route("/admin/agenda/{id}", get(edit_page).post(edit_post))
        .route("/admin/agenda/{id}/publication", post(publication_post))
        .route("/admin/agenda/{id}/inscrits", get(registrants_page))
        .route("/admin/agenda/{id}/inscrits.csv", get(registrants_csv))
        .route("/admin/agenda/{id}/inscrits.ods", get(registrants_ods))
        .route("/admin/agenda/{id}/feuille", get(sheet_page))
        .route("/admin/agenda/{id}/emargement", get(check_in_page))
        .route("/admin/agenda/{id}/sur-place", post(walk_in_post))
        .route("/admin/agenda/{id}/bilan", get(report_page).post(report_post))
        .route("/admin/agenda/{id}/journal", post(log_post))
        .route("/admin/agenda/inscriptions/{rid}/presence", post(presence_post))
        .route("/admin/agenda/inscriptions/{rid}/decision", post(decision_post))
        .route("/admin/agenda/inscriptions/{rid}/annulation", post(cancel_post))
}

struct EventRow {
    id: String,
    title: String,
    when: String,
    territory: String,
    status: &'static str,
    proposed: bool,
    refused: bool,
    /// One occurrence of a recurring series (its form offers to correct the following ones too).
    in_series: bool,
}

fn row(event: &Event) -> EventRow {
    EventRow {
        id: event.id.clone(),
        title: event.title.clone(),
        when: reg::when(event),
        territory: format!("{} {}", event.scale.label(), event.territory),
        status: event.status.label(),
        proposed: event.publication == Publication::Propose,
        refused: event.publication == Publication::Refuse,
        in_series: event.series_id.is_some(),
    }
}

#[derive(Template)]
#[template(path = "admin/agenda.html")]
struct EventsPage {
    layout: Layout,
    frame: Option<Frame>,
    upcoming: Vec<EventRow>,
    past: Vec<EventRow>,
}

async fn events_page(user: Coordinator, app: App) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let events = app.run(move |ctx| agenda::managed_events(ctx, &actor, &Default::default())).await?;
    let now = now();
    let (upcoming, past): (Vec<&Event>, Vec<&Event>) = events.iter().partition(|e| e.ends_at() > now);
    let page = EventsPage {
        layout: layout("Agenda"),
        frame: Frame::of(&user),
        upcoming: upcoming.into_iter().map(row).collect(),
        past: past.into_iter().rev().take(100).map(row).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

/// The form's fields as posted (names in French, as the template writes them).
#[derive(Clone, Debug, Default, Deserialize)]
struct EventFields {
    #[serde(default)]
    titre: String,
    #[serde(default)]
    description: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    echelle: String,
    #[serde(default)]
    territoire: String,
    #[serde(default)]
    organisateurs: String,
    #[serde(default)]
    lieu: String,
    #[serde(default)]
    adresse: String,
    #[serde(default)]
    lien_en_ligne: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    debut: String,
    #[serde(default)]
    fin: String,
    #[serde(default)]
    date_fin: String,
    #[serde(default)]
    autres_seances: String,
    #[serde(default)]
    publics: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    statut: String,
    #[serde(default)]
    projets: String,
    #[serde(default)]
    documents: String,
    #[serde(default)]
    inscription: String,
    #[serde(default)]
    capacite: String,
    #[serde(default)]
    date_limite: String,
    #[serde(default)]
    places_par_personne: String,
    #[serde(default)]
    validation: String,
    #[serde(default)]
    questions: String,
    #[serde(default)]
    sequence: String,
    #[serde(default)]
    repetition: String,
    #[serde(default)]
    occurrences: String,
    /// A checkbox: the correction goes to this occurrence and the following ones.
    #[serde(default)]
    serie: String,
}

impl EventFields {
    fn form(&self) -> EventForm {
        EventForm {
            title: self.titre.clone(),
            description: self.description.clone(),
            kind: self.kind.clone(),
            scale: self.echelle.clone(),
            territory: self.territoire.clone(),
            organisers: self.organisateurs.clone(),
            place_id: self.lieu.clone(),
            address: self.adresse.clone(),
            online_url: self.lien_en_ligne.clone(),
            date: self.date.clone(),
            start: self.debut.clone(),
            end: self.fin.clone(),
            end_date: self.date_fin.clone(),
            more_sessions: self.autres_seances.clone(),
            publics: self.publics.clone(),
            contact: self.contact.clone(),
            status: self.statut.clone(),
            projects: self.projets.clone(),
            attachments: self.documents.clone(),
            registration: self.inscription.clone(),
            capacity: self.capacite.clone(),
            deadline: self.date_limite.clone(),
            seats_per_person: self.places_par_personne.clone(),
            approval: self.validation.clone(),
            questions: self.questions.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/evenement.html")]
struct EventFormPage {
    layout: Layout,
    frame: Option<Frame>,
    heading: String,
    action: String,
    form: EventForm,
    errors: Vec<FieldError>,
    kinds: Vec<(&'static str, &'static str)>,
    scales: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    /// The event corrected (its sequence, publication, links).
    event: Option<EventRow>,
    sequence: u32,
    /// Creation offers a recurring series; a gestionnaire's proposal names no territory.
    series: bool,
    proposal: bool,
}

impl EventFormPage {
    fn new(user: &crate::extract::Visitor, heading: &str, action: String, form: EventForm) -> EventFormPage {
        EventFormPage {
            layout: layout(heading),
            frame: Frame::of(user),
            heading: heading.to_owned(),
            action,
            form,
            errors: Vec::new(),
            kinds: AgendaKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
            scales: EventScale::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
            statuses: EventStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
            event: None,
            sequence: 0,
            series: false,
            proposal: false,
        }
    }
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
    fn kind_is(&self, key: &str) -> bool {
        self.form.kind == key
    }
    fn scale_is(&self, key: &str) -> bool {
        self.form.scale == key
    }
    fn status_is(&self, key: &str) -> bool {
        self.form.status == key || (self.form.status.is_empty() && key == "programme")
    }
}

fn blank_form() -> EventForm {
    EventForm {
        registration: "on".to_owned(),
        seats_per_person: "1".to_owned(),
        organisers: String::new(),
        kind: "reunion_bassin".to_owned(),
        scale: "departement".to_owned(),
        ..EventForm::default()
    }
}

async fn new_page(user: Coordinator) -> Response {
    let mut page = EventFormPage::new(&user, "Nouvel événement", "/admin/agenda/nouveau".to_owned(), blank_form());
    page.series = true;
    render(StatusCode::OK, &page)
}

async fn new_post(user: Coordinator, app: App, CsrfForm(fields): CsrfForm<EventFields>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let form = fields.form();
    let recurrence = Recurrence::parse(fields.repetition.trim());
    let count: u32 = fields.occurrences.trim().parse().unwrap_or(0);
    let result = {
        let form = form.clone();
        app.run(move |ctx| match recurrence {
            Some(recurrence) => {
                agenda::create_series(ctx, &actor, &form, recurrence, count, now()).map(|mut e| e.remove(0))
            }
            None => agenda::create_event(ctx, &actor, &form, now()),
        })
        .await
    };
    match result {
        Ok(event) => Ok(Redirect::to(&format!("/admin/agenda/{}?enregistre=1", event.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut page = EventFormPage::new(&user, "Nouvel événement", "/admin/agenda/nouveau".to_owned(), form);
            page.series = true;
            page.errors = errors;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Deserialize)]
struct PlaceQuery {
    #[serde(default)]
    lieu: String,
}

/// A gestionnaire's proposal, for one of its places (`?lieu=`).
async fn propose_page(user: SignedIn, Query(query): Query<PlaceQuery>) -> Response {
    let mut page = EventFormPage::new(
        &user,
        "Proposer un événement",
        format!("/admin/agenda/proposer?lieu={}", urlencoding(&query.lieu)),
        blank_form(),
    );
    page.proposal = true;
    render(StatusCode::OK, &page)
}

fn urlencoding(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).unwrap_or_default().trim_start_matches('=').to_owned()
}

async fn propose_post(
    user: SignedIn,
    app: App,
    Query(query): Query<PlaceQuery>,
    CsrfForm(fields): CsrfForm<EventFields>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let form = fields.form();
    let place = maillage_domain::PlaceId(query.lieu.trim().to_owned());
    let result = {
        let form = form.clone();
        app.run(move |ctx| agenda::propose_event(ctx, &actor, &place, &form, now())).await
    };
    match result {
        Ok(_) => Ok(crate::render::message_page(
            StatusCode::OK,
            Frame::of(&user),
            "Événement proposé",
            "Merci : l'équipe du hub va relire votre proposition avant de la publier dans l'agenda.",
        )),
        Err(AppError::Invalid(errors)) => {
            let mut page = EventFormPage::new(
                &user,
                "Proposer un événement",
                format!("/admin/agenda/proposer?lieu={}", urlencoding(&query.lieu)),
                form,
            );
            page.proposal = true;
            page.errors = errors;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(err) => Err(err.into()),
    }
}

async fn managed(app: &App, user: &Coordinator, id: &str) -> Result<(Event, Vec<Registration>), WebError> {
    let (actor, id) = (user.actor.clone(), id.to_owned());
    Ok(app.run(move |ctx| agenda::event_with_registrations(ctx, &actor, &id)).await?)
}

async fn edit_page(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let (event, _) = managed(&app, &user, &id).await?;
    let mut page = EventFormPage::new(&user, &event.title, format!("/admin/agenda/{id}"), EventForm::of(&event));
    page.sequence = event.sequence;
    page.event = Some(row(&event));
    Ok(render(StatusCode::OK, &page))
}

async fn edit_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<EventFields>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let form = fields.form();
    let sequence: u32 = fields.sequence.trim().parse().unwrap_or(u32::MAX);
    let whole_series = fields.serie.trim() == "on";
    let result = {
        let (form, id) = (form.clone(), id.clone());
        app.run(move |ctx| {
            if whole_series {
                agenda::update_series(ctx, &actor, &id, sequence, &form, now()).map(|mut events| events.remove(0))
            } else {
                agenda::update_event(ctx, &actor, &id, sequence, &form, now())
            }
        })
        .await
    };
    match result {
        Ok(event) => Ok(Redirect::to(&format!("/admin/agenda/{}?enregistre=1", event.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let (event, _) = managed(&app, &user, &id).await?;
            let mut page = EventFormPage::new(&user, &event.title, format!("/admin/agenda/{id}"), form);
            page.sequence = sequence;
            page.event = Some(row(&event));
            page.errors = errors;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Deserialize)]
struct Decision {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    sequence: String,
}

async fn publication_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let sequence: u32 = form.sequence.trim().parse().unwrap_or(u32::MAX);
    let publish = form.decision == "publier";
    let target = id.clone();
    app.run(move |ctx| agenda::moderate_event(ctx, &actor, &target, sequence, publish, now())).await?;
    Ok(Redirect::to(&format!("/admin/agenda/{id}")).into_response())
}

struct RegistrantRow {
    id: String,
    arrival: u64,
    name: String,
    email: String,
    organisation: String,
    role: String,
    seats: u32,
    state: RegistrationState,
    label: &'static str,
    walk_in: bool,
    answers: Vec<String>,
}

fn registrant(r: &Registration) -> RegistrantRow {
    RegistrantRow {
        id: r.id.clone(),
        arrival: r.arrival,
        name: r.name.clone(),
        email: r.email.clone().unwrap_or_default(),
        organisation: r.organisation.clone(),
        role: r.role.clone().unwrap_or_default(),
        seats: r.seats,
        state: r.state,
        label: r.state.label(),
        walk_in: r.walk_in,
        answers: r.answers.clone(),
    }
}

impl RegistrantRow {
    fn pending(&self) -> bool {
        self.state == RegistrationState::PendingApproval
    }
    fn cancelled(&self) -> bool {
        self.state == RegistrationState::Cancelled
    }
    fn present(&self) -> bool {
        self.state == RegistrationState::Attended
    }
}

#[derive(Template)]
#[template(path = "admin/inscrits.html")]
struct RegistrantsPage {
    layout: Layout,
    frame: Option<Frame>,
    event: EventRow,
    capacity: Option<u32>,
    questions: Vec<String>,
    rows: Vec<RegistrantRow>,
    figures: agenda::Attendance,
}

async fn registrants_page(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let (event, registrations) = managed(&app, &user, &id).await?;
    let page = RegistrantsPage {
        layout: layout(&format!("Inscrits — {}", event.title)),
        frame: Frame::of(&user),
        capacity: event.capacity,
        questions: event.questions.clone(),
        figures: agenda::attendance(&registrations),
        rows: registrations.iter().map(registrant).collect(),
        event: row(&event),
    };
    Ok(render(StatusCode::OK, &page))
}

async fn registrants_csv(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let bytes = app.run(move |ctx| reg::registrants_csv(ctx, &actor, &id)).await?;
    Ok(private_attachment(CSV, "inscrits.csv", bytes))
}

async fn registrants_ods(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let bytes = app.run(move |ctx| reg::registrants_ods(ctx, &actor, &id)).await?;
    Ok(private_attachment(ODS, "inscrits.ods", bytes))
}

#[derive(Template)]
#[template(path = "admin/feuille.html")]
struct SheetPage {
    layout: Layout,
    event: EventRow,
    address: String,
    rows: Vec<RegistrantRow>,
    blanks: Vec<u32>,
}

/// The printable sign-in sheet: every registrant with a seat or waiting, by name, and blank
/// lines for walk-ins.
async fn sheet_page(user: Coordinator, app: App, Path(id): Path<String>) -> Result<Response, WebError> {
    let (event, registrations) = managed(&app, &user, &id).await?;
    let mut rows: Vec<RegistrantRow> = registrations
        .iter()
        .filter(|r| !matches!(r.state, RegistrationState::Cancelled | RegistrationState::PendingApproval))
        .map(registrant)
        .collect();
    rows.sort_by_key(|r| maillage_domain::text::fold(&r.name));
    let page = SheetPage {
        layout: layout(&format!("Feuille d'émargement — {}", event.title)),
        address: event.address.clone().unwrap_or_default(),
        event: row(&event),
        rows,
        blanks: (1..=10).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize, Default)]
struct Search {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "admin/emargement.html")]
struct CheckInPage {
    layout: Layout,
    frame: Option<Frame>,
    event: EventRow,
    q: String,
    rows: Vec<RegistrantRow>,
    present: usize,
    expected: usize,
    errors: Vec<FieldError>,
}

impl CheckInPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

async fn check_in_response(
    user: &Coordinator,
    app: &App,
    id: &str,
    q: String,
    errors: Vec<FieldError>,
) -> Result<Response, WebError> {
    let (event, registrations) = managed(app, user, id).await?;
    let words = maillage_domain::text::fold(&q);
    let shown: Vec<RegistrantRow> = registrations
        .iter()
        .filter(|r| !matches!(r.state, RegistrationState::Cancelled | RegistrationState::PendingApproval))
        .filter(|r| {
            let key = maillage_domain::text::fold(&format!("{} {}", r.name, r.organisation));
            words.split(' ').filter(|w| !w.is_empty()).all(|w| key.contains(w))
        })
        .map(registrant)
        .collect();
    let mut shown = shown;
    shown.sort_by_key(|r| maillage_domain::text::fold(&r.name));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = CheckInPage {
        layout: layout(&format!("Émargement — {}", event.title)),
        frame: Frame::of(user),
        present: registrations.iter().filter(|r| r.state == RegistrationState::Attended).count(),
        expected: registrations.iter().filter(|r| r.takes_seats()).count(),
        event: row(&event),
        q,
        rows: shown,
        errors,
    };
    Ok(render(status, &page))
}

async fn check_in_page(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    Query(search): Query<Search>,
) -> Result<Response, WebError> {
    check_in_response(&user, &app, &id, search.q, Vec::new()).await
}

#[derive(Deserialize)]
struct Presence {
    #[serde(default)]
    present: String,
    #[serde(default)]
    q: String,
    /// Where to go back: `emargement` or `inscrits`.
    #[serde(default)]
    retour: String,
}

async fn presence_post(
    user: Coordinator,
    app: App,
    Path(rid): Path<String>,
    CsrfForm(form): CsrfForm<Presence>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let present = form.present == "1";
    let marked = app.run(move |ctx| reg::check_in(ctx, &actor, &rid, present, now())).await?;
    Ok(back(&marked.event_id, &form.retour, &form.q))
}

fn back(event_id: &str, to: &str, q: &str) -> Response {
    let target = match to {
        "inscrits" => format!("/admin/agenda/{event_id}/inscrits"),
        _ if q.is_empty() => format!("/admin/agenda/{event_id}/emargement"),
        _ => format!(
            "/admin/agenda/{event_id}/emargement?{}",
            serde_urlencoded::to_string([("q", q)]).unwrap_or_default()
        ),
    };
    Redirect::to(&target).into_response()
}

async fn decision_post(
    user: Coordinator,
    app: App,
    Path(rid): Path<String>,
    CsrfForm(form): CsrfForm<Decision>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let approve = form.decision == "accepter";
    let decided = app.run(move |ctx| reg::decide(ctx, &actor, &rid, approve, now())).await?;
    Ok(back(&decided.event_id, "inscrits", ""))
}

async fn cancel_post(
    user: Coordinator,
    app: App,
    Path(rid): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let cancelled = app.run(move |ctx| reg::cancel_for(ctx, &actor, &rid, now())).await?;
    Ok(back(&cancelled.event_id, "inscrits", ""))
}

async fn walk_in_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let form = WalkInForm {
        name: field("nom"),
        organisation: field("organisation"),
        email: field("courriel"),
        role: field("fonction"),
    };
    let actor = user.actor.clone();
    let target = id.clone();
    match app.run(move |ctx| reg::add_walk_in(ctx, &actor, &target, &form, now())).await {
        Ok(_) => Ok(back(&id, "emargement", "")),
        Err(AppError::Invalid(errors)) => check_in_response(&user, &app, &id, String::new(), errors).await,
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "admin/bilan.html")]
struct ReportPage {
    layout: Layout,
    frame: Option<Frame>,
    event: EventRow,
    sequence: u32,
    figures: agenda::Attendance,
    notes: String,
    outcomes: String,
    closed: Option<String>,
    /// The event's entry in the activity log, when reported: its id and date.
    logged: Option<(String, String)>,
    /// What the last report into the log did: "cree" or "deja".
    reported: String,
}

#[derive(Deserialize)]
struct ReportQuery {
    #[serde(default)]
    journal: String,
}

async fn report_page(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let (event, registrations) = managed(&app, &user, &id).await?;
    let actor = user.actor.clone();
    let entry = app.run(move |ctx| log_agenda::event_entry(ctx, &actor, &id)).await?;
    let report = event.report.clone();
    let page = ReportPage {
        layout: layout(&format!("Bilan — {}", event.title)),
        frame: Frame::of(&user),
        sequence: event.sequence,
        figures: agenda::attendance(&registrations),
        notes: report.as_ref().map(|r| r.notes.clone()).unwrap_or_default(),
        outcomes: report.as_ref().map(|r| r.outcomes.clone()).unwrap_or_default(),
        closed: report.as_ref().map(|r| day(&r.closed_at)),
        logged: entry.map(|entry| (entry.id.clone(), maillage_app::activity::french_day(entry.date))),
        reported: query.journal,
        event: row(&event),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct ReportForm {
    #[serde(default)]
    notes: String,
    #[serde(default)]
    suites: String,
    #[serde(default)]
    sequence: String,
}

/// The report page again, saying what reporting into the activity log did.
fn reported(id: &str, outcome: &log_agenda::Reported) -> Response {
    let said = match outcome {
        log_agenda::Reported::Created(_) => "cree",
        log_agenda::Reported::Already(_) => "deja",
    };
    Redirect::to(&format!("/admin/agenda/{id}/bilan?journal={said}")).into_response()
}

/// Closing writes the report, then the event's entry in the activity log from its attendance.
async fn report_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let sequence: u32 = form.sequence.trim().parse().unwrap_or(u32::MAX);
    let target = id.clone();
    let outcome = app
        .run(move |ctx| {
            agenda::close_event(ctx, &actor, &target, sequence, &form.notes, &form.suites, now())?;
            log_agenda::from_event(ctx, &actor, &target, now())
        })
        .await?;
    Ok(reported(&id, &outcome))
}

/// "Reporter dans le journal d'activité": the same entry, without closing (once only).
async fn log_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let target = id.clone();
    let outcome = app.run(move |ctx| log_agenda::from_event(ctx, &actor, &target, now())).await?;
    Ok(reported(&id, &outcome))
}
