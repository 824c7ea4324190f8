//! The agenda of temps forts: events at every scale, from a bassin's meeting to a regional
//! carrefour, with registration without an account.
//!
//! - Events ([`create_event`], [`update_event`], [`create_series`]): the hub's team manages
//!   the events of its territory ([`Permission::Agenda`]: administrators everywhere,
//!   coordinators in their départements); a gestionnaire proposes one for its place
//!   ([`propose_event`]), which the team publishes or refuses ([`moderate_event`]).
//! - Registration ([`registration`]): public, with a cancel link mailed; seats and the
//!   waiting list are the store's (`AgendaStore`), so they hold under concurrency.
//! - Scheduled work ([`tasks`]): reminders and the erasure of registrants' data, run by the
//!   server as the hub itself.
//! - Feeds ([`feeds`]): iCalendar and Atom; the public listing ([`public_events`]), which
//!   servers answer from the copy in memory of [`index`].
//!
//! Times: sessions are stored as UTC instants; forms and pages speak Europe/Paris local time
//! ([`paris`], [`parse_local`]).

pub mod demo;
pub mod feeds;
pub mod index;
pub mod registration;
pub mod tasks;
pub mod text;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use maillage_domain::PlaceId;
use maillage_store::{
    new_id, AgendaKind, Attachment, ClosingReport, Event, EventQuery, EventScale, EventSession, EventStatus,
    Publication, Registration,
};

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::{AppError, AppResult, FieldError};

/// Longest title, in characters.
const MAX_TITLE: usize = 200;
/// Longest description, in characters.
const MAX_DESCRIPTION: usize = 10_000;
/// Longest short text (an address, a contact, an answer), in characters.
pub(crate) const MAX_TEXT: usize = 500;
/// Most occurrences one series may generate.
pub const MAX_SERIES: u32 = 52;

/// An instant as Europe/Paris local time.
pub fn paris(at: DateTime<Utc>) -> DateTime<chrono_tz::Tz> {
    at.with_timezone(&Paris)
}

/// A local Europe/Paris date and time to its UTC instant; `None` for a time the clocks skip
/// (the spring change). In the autumn's repeated hour, the first (summer time) is taken.
pub fn parse_local(local: NaiveDateTime) -> Option<DateTime<Utc>> {
    Paris.from_local_datetime(&local).earliest().map(|at| at.with_timezone(&Utc))
}

/// What a person types to create or correct an event, as the form sends it (every field
/// text; empty is absent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventForm {
    pub title: String,
    pub description: String,
    /// An [`AgendaKind`] key.
    pub kind: String,
    /// An [`EventScale`] key.
    pub scale: String,
    /// The territory's code at that scale (INSEE, SIREN, or a bassin's name).
    pub territory: String,
    /// One organiser a line.
    pub organisers: String,
    /// A registry place's id.
    pub place_id: String,
    pub address: String,
    pub online_url: String,
    /// The first session: `AAAA-MM-JJ`, `HH:MM`, `HH:MM`; `end_date` for one that ends
    /// another day.
    pub date: String,
    pub start: String,
    pub end: String,
    pub end_date: String,
    /// Further sessions, one a line: `AAAA-MM-JJ HH:MM-HH:MM`.
    pub more_sessions: String,
    /// Target publics, separated by commas or lines.
    pub publics: String,
    pub contact: String,
    /// An [`EventStatus`] key; empty is programmé.
    pub status: String,
    /// PNT project ids, separated by commas or spaces.
    pub projects: String,
    /// One a line: `label | https://…` (or the address alone).
    pub attachments: String,
    /// Whether people register (a checkbox: "on" or empty).
    pub registration: String,
    pub capacity: String,
    /// `AAAA-MM-JJ` (registrations close at the end of that day) or `AAAA-MM-JJTHH:MM`.
    pub deadline: String,
    pub seats_per_person: String,
    /// A checkbox.
    pub approval: String,
    /// One question a line.
    pub questions: String,
}

impl EventForm {
    /// The form filled with an event, to correct it.
    pub fn of(event: &Event) -> EventForm {
        let first = event.sessions.first().copied();
        let local = |at: DateTime<Utc>| paris(at).naive_local();
        let more: Vec<String> = event
            .sessions
            .iter()
            .skip(1)
            .map(|s| {
                format!(
                    "{} {}-{}",
                    local(s.start).format("%Y-%m-%d"),
                    local(s.start).format("%H:%M"),
                    local(s.end).format("%H:%M")
                )
            })
            .collect();
        let end_date = first
            .filter(|s| local(s.end).date() != local(s.start).date())
            .map(|s| local(s.end).format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        EventForm {
            title: event.title.clone(),
            description: event.description.clone(),
            kind: event.kind.as_str().to_owned(),
            scale: event.scale.as_str().to_owned(),
            territory: event.territory.clone(),
            organisers: event.organisers.join("\n"),
            place_id: event.place_id.as_ref().map(|p| p.0.clone()).unwrap_or_default(),
            address: event.address.clone().unwrap_or_default(),
            online_url: event.online_url.clone().unwrap_or_default(),
            date: first.map(|s| local(s.start).format("%Y-%m-%d").to_string()).unwrap_or_default(),
            start: first.map(|s| local(s.start).format("%H:%M").to_string()).unwrap_or_default(),
            end: first.map(|s| local(s.end).format("%H:%M").to_string()).unwrap_or_default(),
            end_date,
            more_sessions: more.join("\n"),
            publics: event.publics.join(", "),
            contact: event.contact.clone().unwrap_or_default(),
            status: event.status.as_str().to_owned(),
            projects: event.projects.join(", "),
            attachments: event
                .attachments
                .iter()
                .map(|a| format!("{} | {}", a.label, a.url))
                .collect::<Vec<_>>()
                .join("\n"),
            registration: if event.registration { "on".to_owned() } else { String::new() },
            capacity: event.capacity.map(|c| c.to_string()).unwrap_or_default(),
            deadline: event.deadline.map(|d| paris(d).format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default(),
            seats_per_person: event.seats_per_person.to_string(),
            approval: if event.approval { "on".to_owned() } else { String::new() },
            questions: event.questions.join("\n"),
        }
    }
}

/// How a recurring series repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recurrence {
    Weekly,
    Monthly,
}

impl Recurrence {
    pub fn parse(text: &str) -> Option<Recurrence> {
        match text {
            "hebdomadaire" => Some(Recurrence::Weekly),
            "mensuelle" => Some(Recurrence::Monthly),
            _ => None,
        }
    }
}

/// Which public events to list (every field optional).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// A territory at any level: a région or département code, a bassin's name, an EPCI's
    /// SIREN or a commune's INSEE code; an event matches when it is held in it, or covers it
    /// (a regional event is listed for each of the région's départements).
    pub territory: Option<String>,
    pub kind: Option<AgendaKind>,
    /// A target public, matched without accents or case.
    pub public: Option<String>,
    /// Events ending at or after.
    pub from: Option<DateTime<Utc>>,
    /// Events starting before.
    pub to: Option<DateTime<Utc>>,
}

fn checkbox(value: &str) -> bool {
    matches!(value.trim(), "on" | "true" | "1" | "oui")
}

fn list(value: &str, separators: &[char]) -> Vec<String> {
    value.split(separators).map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
}

fn optional(value: &str) -> Option<String> {
    Some(value.trim()).filter(|value| !value.is_empty()).map(str::to_owned)
}

fn web_address(value: &str) -> bool {
    (value.starts_with("https://") || value.starts_with("http://"))
        && value.len() > 8
        && !value.contains(char::is_whitespace)
}

fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

fn parse_time(value: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(value.trim(), "%H:%M").ok()
}

/// A session from local date and times, each problem named by its field.
fn session(
    errors: &mut Vec<FieldError>,
    field: &str,
    date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    start: &str,
    end: &str,
) -> Option<EventSession> {
    let Some(date) = date else {
        errors.push(FieldError::new(field, "date attendue au format AAAA-MM-JJ"));
        return None;
    };
    let (Some(start), Some(end)) = (parse_time(start), parse_time(end)) else {
        errors.push(FieldError::new(field, "heures de début et de fin attendues au format HH:MM"));
        return None;
    };
    let (Some(start_at), Some(end_at)) =
        (parse_local(date.and_time(start)), parse_local(end_date.unwrap_or(date).and_time(end)))
    else {
        errors.push(FieldError::new(field, "cette heure n'existe pas en France ce jour-là (changement d'heure)"));
        return None;
    };
    if end_at <= start_at {
        errors.push(FieldError::new(if field == "date" { "fin" } else { field }, "la fin doit venir après le début"));
        return None;
    }
    Some(EventSession { start: start_at, end: end_at })
}

/// The territory named at a scale, with the département it lies in; an unknown one is `None`.
fn locate_territory(ctx: &Context<'_>, scale: EventScale, code: &str) -> AppResult<Option<Option<String>>> {
    let locator = ctx.locator()?;
    let territory = &locator.territory;
    Ok(match scale {
        EventScale::Region => territory.region(code).map(|_| None),
        EventScale::Departement => territory.departement(code).map(|d| Some(d.code.clone())),
        EventScale::Bassin => locator.bassins.bassins().get(code).map(|d| Some(d.clone())),
        EventScale::Epci => territory.epci(code).map(|e| e.departements.first().cloned()),
        EventScale::Commune => territory.commune(code).map(|c| Some(c.code_departement.clone())),
    })
}

/// The event a form describes, every problem named by its field, nothing written.
/// `current` is the event it corrects (its id, sequence and creation are kept).
pub fn build_event(
    ctx: &Context<'_>,
    form: &EventForm,
    current: Option<&Event>,
    created_by: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Event> {
    let mut errors = Vec::new();
    let title = form.title.trim();
    if title.is_empty() {
        errors.push(FieldError::new("titre", "le titre est obligatoire"));
    } else if title.chars().count() > MAX_TITLE {
        errors.push(FieldError::new("titre", format!("{MAX_TITLE} caractères au plus")));
    }
    if form.description.chars().count() > MAX_DESCRIPTION {
        errors.push(FieldError::new("description", format!("{MAX_DESCRIPTION} caractères au plus")));
    }
    let kind = AgendaKind::parse(form.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new("type", "type d'événement inconnu"));
    }
    let scale = EventScale::parse(form.scale.trim());
    let code = form.territory.trim();
    let mut departement = None;
    match scale {
        None => errors.push(FieldError::new("echelle", "échelle inconnue")),
        Some(scale) => match locate_territory(ctx, scale, code)? {
            Some(found) => departement = found,
            None => errors.push(FieldError::new(
                "territoire",
                format!("territoire inconnu à l'échelle {} : « {code} »", scale.label().to_lowercase()),
            )),
        },
    }
    let place_id = optional(&form.place_id).map(PlaceId);
    if let Some(place) = &place_id {
        if ctx.store.place(place)?.is_none() {
            errors.push(FieldError::new("lieu", "lieu inconnu du registre"));
        }
    }
    let online_url = optional(&form.online_url);
    if online_url.as_deref().is_some_and(|url| !web_address(url)) {
        errors.push(FieldError::new("lien_en_ligne", "adresse web attendue (https://…)"));
    }
    let address = optional(&form.address);
    if place_id.is_none() && address.is_none() && online_url.is_none() {
        errors.push(FieldError::new("adresse", "un lieu, une adresse ou un lien en ligne est nécessaire"));
    }
    for (field, value) in [("adresse", &form.address), ("contact", &form.contact)] {
        if value.chars().count() > MAX_TEXT {
            errors.push(FieldError::new(field, format!("{MAX_TEXT} caractères au plus")));
        }
    }
    let mut sessions = Vec::new();
    let end_date = optional(&form.end_date).map(|d| parse_date(&d));
    if end_date == Some(None) {
        errors.push(FieldError::new("date_fin", "date attendue au format AAAA-MM-JJ"));
    }
    if let Some(first) =
        session(&mut errors, "date", parse_date(&form.date), end_date.flatten(), &form.start, &form.end)
    {
        sessions.push(first);
    }
    for (n, line) in form.more_sessions.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let field = format!("autres_seances (ligne {})", n + 1);
        let mut parts = line.splitn(2, ' ');
        let date = parts.next().and_then(parse_date);
        let times = parts.next().unwrap_or_default();
        let (start, end) = times.split_once('-').unwrap_or((times, ""));
        if let Some(more) = session(&mut errors, &field, date, None, start, end) {
            sessions.push(more);
        }
    }
    sessions.sort_by_key(|s| s.start);
    let status = match form.status.trim() {
        "" => Some(EventStatus::Programme),
        other => EventStatus::parse(other),
    };
    if status.is_none() {
        errors.push(FieldError::new("statut", "statut inconnu"));
    }
    let mut attachments = Vec::new();
    for (n, line) in form.attachments.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let (label, url) = match line.rsplit_once('|') {
            Some((label, url)) => (label.trim(), url.trim()),
            None => (line, line),
        };
        if web_address(url) {
            attachments
                .push(Attachment { label: if label.is_empty() { url } else { label }.to_owned(), url: url.to_owned() });
        } else {
            errors.push(FieldError::new(&format!("documents (ligne {})", n + 1), "adresse web attendue (https://…)"));
        }
    }
    let capacity = match form.capacity.trim() {
        "" => None,
        text => match text.parse::<u32>() {
            Ok(capacity) if capacity > 0 => Some(capacity),
            _ => {
                errors.push(FieldError::new(
                    "capacite",
                    "nombre de places attendu (1 ou plus), ou vide pour sans limite",
                ));
                None
            }
        },
    };
    let seats_per_person = match form.seats_per_person.trim() {
        "" => 1,
        text => match text.parse::<u32>() {
            Ok(seats) if (1..=20).contains(&seats) => seats,
            _ => {
                errors.push(FieldError::new("places_par_personne", "nombre de 1 à 20 attendu"));
                1
            }
        },
    };
    let deadline = match form.deadline.trim() {
        "" => None,
        text => {
            let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
                .ok()
                .or_else(|| parse_date(text).map(|d| d.and_time(NaiveTime::from_hms_opt(23, 59, 0).expect("valid"))));
            match local.and_then(parse_local) {
                Some(at) => Some(at),
                None => {
                    errors.push(FieldError::new("date_limite", "date attendue au format AAAA-MM-JJ"));
                    None
                }
            }
        }
    };
    if let (Some(deadline), Some(first)) = (deadline, sessions.first()) {
        if deadline > first.end {
            errors.push(FieldError::new(
                "date_limite",
                "la date limite d'inscription doit précéder la fin de l'événement",
            ));
        }
    }
    let questions = list(&form.questions, &['\n']);
    if questions.len() > 10 || questions.iter().any(|q| q.chars().count() > MAX_TEXT) {
        errors.push(FieldError::new("questions", format!("10 questions au plus, de {MAX_TEXT} caractères au plus")));
    }
    let projects = list(&form.projects, &[',', ' ', '\n']);
    if projects.iter().any(|p| !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
        errors.push(FieldError::new("projets", "identifiants de projets attendus, séparés par des virgules"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let (kind, scale, status) = (kind.expect("checked"), scale.expect("checked"), status.expect("checked"));
    Ok(Event {
        id: current.map(|e| e.id.clone()).unwrap_or_else(new_id),
        title: title.to_owned(),
        description: form.description.trim().replace("\r\n", "\n"),
        kind,
        scale,
        territory: code.to_owned(),
        departement,
        organisers: list(&form.organisers, &['\n']),
        place_id,
        address,
        online_url,
        sessions,
        publics: list(&form.publics, &[',', '\n']),
        contact: optional(&form.contact),
        status,
        publication: current.map(|e| e.publication).unwrap_or(Publication::Publie),
        projects,
        attachments,
        capacity,
        registration: checkbox(&form.registration),
        deadline,
        seats_per_person,
        approval: checkbox(&form.approval),
        questions,
        series_id: current.and_then(|e| e.series_id.clone()),
        sequence: current.map(|e| e.sequence + 1).unwrap_or(0),
        report: current.and_then(|e| e.report.clone()),
        created_by: current.map(|e| e.created_by.clone()).unwrap_or_else(|| created_by.map(str::to_owned)),
        created_at: current.map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    })
}

/// Whether the actor manages this event (administrators, the coordinators of its
/// département); the pages ask it to show buttons, every use case asks it again.
pub fn check_manage(ctx: &Context<'_>, actor: &Actor, event: &Event) -> AppResult<()> {
    actor.require(ctx, Permission::Agenda(event.departement.as_deref()))
}

fn audit(ctx: &Context<'_>, actor: &Actor, action: &str, event: &Event, detail: String) -> AppResult<()> {
    ctx.audit(actor.id(), action, Some(format!("evenement:{}", event.id)), detail, maillage_store::now())
}

/// An event as stored, or not found.
pub(crate) fn stored_event(ctx: &Context<'_>, id: &str) -> AppResult<Event> {
    ctx.store.event(id)?.ok_or_else(|| maillage_store::event_not_found(id).into())
}

/// A stored event the actor manages: the team's permission first, so that someone outside
/// the team learns nothing of which events exist.
pub(crate) fn managed_event(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<Event> {
    actor.require(ctx, Permission::Team)?;
    let event = stored_event(ctx, id)?;
    check_manage(ctx, actor, &event)?;
    Ok(event)
}

/// A managed event as read at `sequence`: a change written meanwhile is a conflict.
fn managed_event_at(ctx: &Context<'_>, actor: &Actor, id: &str, sequence: u32) -> AppResult<Event> {
    let event = managed_event(ctx, actor, id)?;
    if event.sequence != sequence {
        return Err(maillage_store::stale_event_error(id).into());
    }
    Ok(event)
}

/// Writes one new event, with its audit entry.
fn add_event(ctx: &Context<'_>, actor: &Actor, action: &str, event: Event) -> AppResult<Event> {
    ctx.store.add_events(std::slice::from_ref(&event))?;
    audit(ctx, actor, action, &event, format!("« {} »", event.title))?;
    Ok(event)
}

/// Creates a published event in the actor's territory.
pub fn create_event(ctx: &Context<'_>, actor: &Actor, form: &EventForm, now: DateTime<Utc>) -> AppResult<Event> {
    actor.require(ctx, Permission::Team)?;
    let event = build_event(ctx, form, None, actor.id(), now)?;
    check_manage(ctx, actor, &event)?;
    add_event(ctx, actor, "evenement_cree", event)
}

/// Creates `count` events repeating the form's weekly or monthly, in one write: each keeps
/// the local Europe/Paris times (09:30 stays 09:30 across a change of clocks); a monthly one
/// falls on the same day of the month (the last day when a month is shorter).
pub fn create_series(
    ctx: &Context<'_>,
    actor: &Actor,
    form: &EventForm,
    recurrence: Recurrence,
    count: u32,
    now: DateTime<Utc>,
) -> AppResult<Vec<Event>> {
    actor.require(ctx, Permission::Team)?;
    if !(2..=MAX_SERIES).contains(&count) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "occurrences",
            format!("de 2 à {MAX_SERIES} occurrences"),
        )]));
    }
    let first = build_event(ctx, form, None, actor.id(), now)?;
    check_manage(ctx, actor, &first)?;
    let series = new_id();
    let mut events = Vec::new();
    for n in 0..count {
        let shift = |at: DateTime<Utc>| -> Option<DateTime<Utc>> {
            let local = paris(at).naive_local();
            let moved = match recurrence {
                Recurrence::Weekly => local.checked_add_signed(TimeDelta::weeks(i64::from(n)))?,
                Recurrence::Monthly => local.checked_add_months(Months::new(n))?,
            };
            parse_local(moved)
        };
        let mut sessions = Vec::new();
        for s in &first.sessions {
            let (Some(start), Some(end)) = (shift(s.start), shift(s.end)) else {
                return Err(AppError::Invalid(vec![FieldError::new(
                    "date",
                    format!("l'occurrence {} tombe sur une heure qui n'existe pas (changement d'heure)", n + 1),
                )]));
            };
            sessions.push(EventSession { start, end });
        }
        let offset = sessions[0].start - first.sessions[0].start;
        events.push(Event {
            id: new_id(),
            sessions,
            deadline: first.deadline.map(|d| d + offset),
            series_id: Some(series.clone()),
            ..first.clone()
        });
    }
    ctx.store.add_events(&events)?;
    audit(ctx, actor, "serie_creee", &events[0], format!("« {} », {count} occurrences", first.title))?;
    Ok(events)
}

/// A gestionnaire proposes an event held at its place: it waits for the team's decision
/// ([`moderate_event`]) before it is public. The territory is the place's commune.
pub fn propose_event(
    ctx: &Context<'_>,
    actor: &Actor,
    place: &PlaceId,
    form: &EventForm,
    now: DateTime<Utc>,
) -> AppResult<Event> {
    let found = crate::moderation::load_place(ctx.store, place)?;
    actor.require(ctx, Permission::Edit(&found))?;
    let commune = ctx.locator()?.locate(&found.record).map(|l| l.code_commune).unwrap_or_default();
    let form = EventForm {
        scale: EventScale::Commune.as_str().to_owned(),
        territory: commune,
        place_id: place.0.clone(),
        status: String::new(),
        ..form.clone()
    };
    let event = Event { publication: Publication::Propose, ..build_event(ctx, &form, None, actor.id(), now)? };
    add_event(ctx, actor, "evenement_propose", event)
}

/// Publishes or refuses a proposed event.
pub fn moderate_event(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    sequence: u32,
    publish: bool,
    now: DateTime<Utc>,
) -> AppResult<Event> {
    let event = managed_event_at(ctx, actor, id, sequence)?;
    let decided = Event {
        publication: if publish { Publication::Publie } else { Publication::Refuse },
        sequence: event.sequence + 1,
        updated_at: now,
        ..event
    };
    ctx.store.update_event(&decided)?;
    audit(ctx, actor, if publish { "evenement_publie" } else { "evenement_refuse" }, &decided, String::new())?;
    Ok(decided)
}

/// Corrects an event read at `sequence`; those promoted from the waiting list by a raised
/// capacity are mailed. A capacity below the seats already given is refused by field.
pub fn update_event(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    sequence: u32,
    form: &EventForm,
    now: DateTime<Utc>,
) -> AppResult<Event> {
    let current = managed_event_at(ctx, actor, id, sequence)?;
    let event = build_event(ctx, form, Some(&current), None, now)?;
    // Moved to a territory that is not the actor's: refused as well.
    check_manage(ctx, actor, &event)?;
    let taken: u32 = ctx.store.registrations(id)?.iter().filter(|r| r.takes_seats()).map(|r| r.seats).sum();
    if event.capacity.is_some_and(|capacity| capacity < taken) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "capacite",
            format!("{taken} places sont déjà attribuées : la capacité ne peut être inférieure"),
        )]));
    }
    let promoted = ctx.store.update_event(&event)?;
    audit(ctx, actor, "evenement_modifie", &event, format!("« {} », séquence {}", event.title, event.sequence))?;
    registration::mail_promoted(ctx, &event, &promoted);
    Ok(event)
}

/// Corrects an occurrence of a series and every later one at once, as a calendar's "this
/// and following events": each takes the form's fields and keeps its own day, its times
/// moved by as much as this occurrence's (in Paris wall-clock time, so 09:30 stays 09:30
/// across a change of clocks). Earlier occurrences keep what they were. All or none: a
/// capacity below the seats one of them gave is refused by field, nothing written.
pub fn update_series(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    sequence: u32,
    form: &EventForm,
    now: DateTime<Utc>,
) -> AppResult<Vec<Event>> {
    let current = managed_event_at(ctx, actor, id, sequence)?;
    let Some(series) = current.series_id.clone() else {
        return Err(AppError::Invalid(vec![FieldError::new("serie", "cet événement n'appartient à aucune série")]));
    };
    let edited = build_event(ctx, form, Some(&current), None, now)?;
    check_manage(ctx, actor, &edited)?;
    if edited.sessions.len() != current.sessions.len() {
        return Err(AppError::Invalid(vec![FieldError::new(
            "autres_seances",
            "les occurrences d'une série gardent le même nombre de séances : corrigez celle-ci seule",
        )]));
    }
    let local = |at: DateTime<Utc>| paris(at).naive_local();
    let moved: Vec<(TimeDelta, TimeDelta)> = current
        .sessions
        .iter()
        .zip(&edited.sessions)
        .map(|(before, after)| (local(after.start) - local(before.start), local(after.end) - local(before.end)))
        .collect();
    let query = EventQuery { ending_after: Some(current.starts_at()), starting_before: None };
    let mut occurrences: Vec<Event> = ctx
        .store
        .events(&query)?
        .into_iter()
        .filter(|e| e.series_id.as_deref() == Some(series.as_str()) && e.starts_at() >= current.starts_at())
        .collect();
    occurrences.sort_by_key(|e| (e.id != current.id, e.starts_at()));
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for occurrence in occurrences {
        let day = local_day(occurrence.starts_at()).format("%d/%m/%Y");
        let sessions = if occurrence.id == current.id {
            Some(edited.sessions.clone())
        } else if occurrence.sessions.len() == moved.len() {
            occurrence
                .sessions
                .iter()
                .zip(&moved)
                .map(|(s, (start, end))| {
                    Some(EventSession {
                        start: parse_local(local(s.start) + *start)?,
                        end: parse_local(local(s.end) + *end)?,
                    })
                })
                .collect::<Option<Vec<_>>>()
                .filter(|sessions| sessions.iter().all(|s| s.start < s.end))
        } else {
            None
        };
        let Some(sessions) = sessions else {
            errors.push(FieldError::new(
                "date",
                format!("l'occurrence du {day} ne peut prendre ces horaires : corrigez-la seule"),
            ));
            continue;
        };
        let taken: u32 =
            ctx.store.registrations(&occurrence.id)?.iter().filter(|r| r.takes_seats()).map(|r| r.seats).sum();
        if edited.capacity.is_some_and(|capacity| capacity < taken) {
            errors.push(FieldError::new(
                "capacite",
                format!("{taken} places sont déjà attribuées pour le {day} : la capacité ne peut être inférieure"),
            ));
        }
        let offset = sessions[0].start - edited.sessions[0].start;
        events.push(Event {
            id: occurrence.id.clone(),
            sessions,
            deadline: edited.deadline.map(|d| d + offset),
            publication: occurrence.publication,
            series_id: occurrence.series_id.clone(),
            sequence: occurrence.sequence + 1,
            report: occurrence.report.clone(),
            created_by: occurrence.created_by.clone(),
            created_at: occurrence.created_at,
            ..edited.clone()
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let promoted = ctx.store.update_events(&events)?;
    audit(
        ctx,
        actor,
        "serie_modifiee",
        &events[0],
        format!("« {} », {} occurrences, séquence {}", edited.title, events.len(), events[0].sequence),
    )?;
    for event in &events {
        let mine: Vec<Registration> = promoted.iter().filter(|r| r.event_id == event.id).cloned().collect();
        registration::mail_promoted(ctx, event, &mine);
    }
    Ok(events)
}

/// Writes the closing report (participants are counted from the attendance taken).
pub fn close_event(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    sequence: u32,
    notes: &str,
    outcomes: &str,
    now: DateTime<Utc>,
) -> AppResult<Event> {
    let event = managed_event_at(ctx, actor, id, sequence)?;
    if notes.chars().count() > MAX_DESCRIPTION || outcomes.chars().count() > MAX_DESCRIPTION {
        return Err(AppError::Invalid(vec![FieldError::new("notes", format!("{MAX_DESCRIPTION} caractères au plus"))]));
    }
    let closed = Event {
        report: Some(ClosingReport {
            notes: notes.trim().to_owned(),
            outcomes: outcomes.trim().to_owned(),
            closed_at: now,
            closed_by: actor.id().map(str::to_owned),
        }),
        sequence: event.sequence + 1,
        updated_at: now,
        ..event
    };
    ctx.store.update_event(&closed)?;
    audit(ctx, actor, "evenement_clos", &closed, String::new())?;
    Ok(closed)
}

/// The closing report's figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendance {
    pub registered: usize,
    pub attended: usize,
    pub walk_ins: usize,
    pub waiting: usize,
    pub cancelled: usize,
    /// Organisations represented among those present, by name.
    pub organisations: Vec<String>,
}

/// Counts an event's registrations for the closing report.
pub fn attendance(registrations: &[Registration]) -> Attendance {
    use maillage_store::RegistrationState as S;
    let count = |state: S| registrations.iter().filter(|r| r.state == state).count();
    let mut organisations: Vec<String> = registrations
        .iter()
        .filter(|r| r.state == S::Attended && !r.organisation.trim().is_empty())
        .map(|r| r.organisation.trim().to_owned())
        .collect();
    organisations.sort_by_key(|name| maillage_domain::text::fold(name));
    organisations.dedup_by_key(|name| maillage_domain::text::fold(name));
    Attendance {
        registered: registrations.iter().filter(|r| r.state.holds_seats() && !r.walk_in).count(),
        attended: count(S::Attended),
        walk_ins: registrations.iter().filter(|r| r.walk_in).count(),
        waiting: count(S::Waiting),
        cancelled: count(S::Cancelled),
        organisations,
    }
}

/// The events the actor manages or may decide on, by start: those of its territory, every
/// one for an administrator.
pub fn managed_events(ctx: &Context<'_>, actor: &Actor, query: &EventQuery) -> AppResult<Vec<Event>> {
    actor.require(ctx, Permission::Team)?;
    Ok(ctx.store.events(query)?.into_iter().filter(|event| check_manage_quiet(ctx, actor, event)).collect())
}

fn check_manage_quiet(ctx: &Context<'_>, actor: &Actor, event: &Event) -> bool {
    actor.may(ctx, Permission::Agenda(event.departement.as_deref()))
}

/// A managed event with its registrations (personal data: the organisers' only).
pub fn event_with_registrations(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<(Event, Vec<Registration>)> {
    let event = managed_event(ctx, actor, id)?;
    let registrations = ctx.store.registrations(id)?;
    Ok((event, registrations))
}

/// A public event, as anyone may see it (published only; nothing personal).
pub fn public_event(ctx: &Context<'_>, id: &str) -> AppResult<Event> {
    let event = ctx.store.event(id)?.filter(Event::is_public);
    event.ok_or_else(|| maillage_store::event_not_found(id).into())
}

/// Published events matching a filter, by start then id (no personal data), read from the
/// store whole: servers answer from the copy they keep ([`index::AgendaHandle`]).
pub fn public_events(ctx: &Context<'_>, filter: &EventFilter) -> AppResult<Vec<Event>> {
    let index = index::AgendaIndex::load(ctx.store, ctx.locator()?.territory.clone())?;
    Ok(index.select(filter).into_iter().map(|entry| Event::clone(&entry.event)).collect())
}

/// The first day of the month of a local date, and of the next.
pub fn month_bounds(year: i32, month: u32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = first.checked_add_months(Months::new(1))?;
    let midnight = NaiveTime::MIN;
    Some((parse_local(first.and_time(midnight))?, parse_local(next.and_time(midnight))?))
}

/// The local (Europe/Paris) day of an instant, for calendars.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    let local = paris(at);
    NaiveDate::from_ymd_opt(local.year(), local.month(), local.day()).expect("a real day")
}
