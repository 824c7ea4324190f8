//! Registration for an event without an account, and what the organisers do with it.
//!
//! The public registers ([`register`]) and is mailed a confirmation with a cancel link: a
//! random token whose SHA-256 alone is stored, carried in the link's query string (never a
//! path the request log records). The link's page only shows a button; cancelling is a POST
//! ([`cancel_by_token`]), so a mail scanner that opens the link cancels nothing. Seats and
//! the waiting list are decided by the store; whoever is promoted is mailed.
//!
//! The organisers (see [`super::check_manage`]) decide registrations awaiting approval, take
//! attendance, add walk-ins and export the list. [`attendees`] gives the people present
//! de-duplicated by person and organisation, for the hub's activity log.
//!
//! Registrants' names, e-mails and answers are personal data: never in logs nor in the audit
//! log (which names the event and the state only).

use chrono::{DateTime, Utc};
use maillage_domain::text::fold;
use maillage_domain::PlaceId;
use maillage_store::{new_id, Approval, Event, EventStatus, Registration, RegistrationState};

use super::{audit, check_manage, managed_event, paris, stored_event, MAX_TEXT};
use crate::accounts::{hash_token, normalise_email, random_token, valid_email, Actor, Permission};
use crate::context::Context;
use crate::mail::Mail;
use crate::{AppError, AppResult, FieldError};

/// Longest name, organisation or role, in characters.
const MAX_NAME: usize = 200;

/// What a person sends to register, as the form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegistrationForm {
    pub name: String,
    pub email: String,
    pub organisation: String,
    /// The registry place chosen in the autocomplete (empty when typed by hand).
    pub organisation_place: String,
    pub role: String,
    /// One answer per question of the event, in order.
    pub answers: Vec<String>,
    /// Seats asked for; empty is one.
    pub seats: String,
}

/// Why a public registration cannot be taken now, if it cannot.
pub fn closed_reason(event: &Event, now: DateTime<Utc>) -> Option<&'static str> {
    if !event.registration {
        Some("Cet événement ne prend pas d'inscriptions.")
    } else if event.status == EventStatus::Annule {
        Some("Cet événement est annulé.")
    } else if event.ends_at() <= now {
        Some("Cet événement est passé.")
    } else if event.deadline.is_some_and(|deadline| deadline < now) {
        Some("Les inscriptions sont closes (date limite dépassée).")
    } else {
        None
    }
}

/// The bounds of who a person is, the same whether they register or walk in.
fn check_person_lengths(errors: &mut Vec<FieldError>, name: &str, organisation: &str, role: &str) {
    for (field, value) in [("nom", name), ("organisation", organisation.trim()), ("fonction", role.trim())] {
        if value.chars().count() > MAX_NAME {
            errors.push(FieldError::new(field, format!("{MAX_NAME} caractères au plus")));
        }
    }
}

fn check_form(ctx: &Context<'_>, event: &Event, form: &RegistrationForm) -> AppResult<(String, Option<PlaceId>, u32)> {
    let mut errors = Vec::new();
    let name = form.name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("nom", "votre nom est obligatoire"));
    }
    let email = normalise_email(&form.email);
    if !valid_email(&email) {
        errors.push(FieldError::new("courriel", "adresse électronique invalide (exemple : prenom.nom@exemple.fr)"));
    }
    check_person_lengths(&mut errors, name, &form.organisation, &form.role);
    let place = Some(form.organisation_place.trim()).filter(|p| !p.is_empty()).map(|p| PlaceId(p.to_owned()));
    if let Some(id) = &place {
        if ctx.store.place(id)?.is_none() {
            errors.push(FieldError::new("organisation", "lieu inconnu du registre"));
        }
    }
    if form.answers.len() > event.questions.len() {
        errors.push(FieldError::new("reponses", "plus de réponses que de questions"));
    }
    for (n, answer) in form.answers.iter().enumerate() {
        if answer.chars().count() > MAX_TEXT {
            errors.push(FieldError::new(&format!("reponse_{}", n + 1), format!("{MAX_TEXT} caractères au plus")));
        }
    }
    let seats = match form.seats.trim() {
        "" => 1,
        text => match text.parse::<u32>() {
            Ok(seats) if (1..=event.seats_per_person).contains(&seats) => seats,
            _ => {
                errors.push(FieldError::new(
                    "places",
                    format!("de 1 à {} place(s) par personne", event.seats_per_person),
                ));
                1
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok((email, place, seats))
}

/// The event's dates in words, Europe/Paris time, for mails and pages.
pub fn when(event: &Event) -> String {
    let parts: Vec<String> = event
        .sessions
        .iter()
        .map(|s| {
            let (start, end) = (paris(s.start), paris(s.end));
            if start.date_naive() == end.date_naive() {
                format!("le {} de {} à {}", start.format("%d/%m/%Y"), start.format("%H:%M"), end.format("%H:%M"))
            } else {
                format!("du {} au {}", start.format("%d/%m/%Y %H:%M"), end.format("%d/%m/%Y %H:%M"))
            }
        })
        .collect();
    parts.join(", ")
}

fn state_sentence(state: RegistrationState) -> &'static str {
    match state {
        RegistrationState::Registered | RegistrationState::Attended => "Votre inscription est confirmée.",
        RegistrationState::Waiting => {
            "L'événement est complet : vous êtes sur la liste d'attente. Vous recevrez un courriel si une place se libère."
        }
        RegistrationState::PendingApproval => "Votre demande d'inscription attend la validation des organisateurs.",
        RegistrationState::Cancelled => "Votre inscription est annulée.",
    }
}

fn mail_about(
    ctx: &Context<'_>,
    event: &Event,
    registration: &Registration,
    subject: &str,
    sentence: &str,
    token: Option<&str>,
) -> AppResult<()> {
    let Some(to) = registration.email.clone() else { return Ok(()) };
    let mut body = format!("Bonjour,\n\n{sentence}\n\n{}\n{}\n", event.title, when(event));
    if let Some(address) = &event.address {
        body.push_str(&format!("Lieu : {address}\n"));
    }
    if let Some(url) = &event.online_url {
        body.push_str(&format!("En ligne : {url}\n"));
    }
    body.push_str(&format!("\nLa page de l'événement : {}\n", ctx.link(&format!("/agenda/{}", event.id))?));
    if let Some(token) = token {
        body.push_str(&format!(
            "\nPour annuler votre inscription, ouvrez ce lien puis confirmez :\n{}\n",
            ctx.link(&format!("/agenda/annulation?jeton={token}"))?
        ));
    }
    ctx.send(&Mail { to, subject: format!("{subject} : {}", event.title), body }, "agenda")
}

/// Mails each person promoted from the waiting list; a failure is logged, the seat stays.
pub(crate) fn mail_promoted(ctx: &Context<'_>, event: &Event, promoted: &[Registration]) {
    if ctx.mailing.is_none() {
        return;
    }
    for registration in promoted {
        let sentence = "Une place s'est libérée : votre inscription est confirmée.";
        let _ = mail_about(ctx, event, registration, "Place confirmée", sentence, None);
    }
}

/// Registers someone (the public, no account) for a published event: the store decides the
/// seat or the waiting list; a confirmation with the cancel link is mailed. Returns the
/// registration as stored.
pub fn register(
    ctx: &Context<'_>,
    event_id: &str,
    form: &RegistrationForm,
    now: DateTime<Utc>,
) -> AppResult<Registration> {
    let event = super::public_event(ctx, event_id)?;
    if let Some(reason) = closed_reason(&event, now) {
        return Err(AppError::Input(reason.to_owned()));
    }
    let (email, place, seats) = check_form(ctx, &event, form)?;
    // Before anything is written: a registration nobody can cancel must not be taken.
    ctx.mailing()?;
    let token = random_token();
    let registration = Registration {
        id: new_id(),
        event_id: event.id.clone(),
        name: form.name.trim().to_owned(),
        email: Some(email),
        organisation: form.organisation.trim().to_owned(),
        organisation_place: place,
        role: Some(form.role.trim().to_owned()).filter(|r| !r.is_empty()),
        answers: form.answers.iter().map(|a| a.trim().to_owned()).collect(),
        seats,
        state: RegistrationState::Registered,
        arrival: 0,
        cancel_token_hash: hash_token(&token),
        walk_in: false,
        reminded_at: None,
        anonymised: false,
        created_at: now,
        updated_at: now,
    };
    let stored = ctx.store.register(&registration)?;
    ctx.audit(None, "inscription", Some(format!("evenement:{}", event.id)), stored.state.label(), now)?;
    let subject = match stored.state {
        RegistrationState::Waiting => "Liste d'attente",
        RegistrationState::PendingApproval => "Demande d'inscription reçue",
        _ => "Inscription confirmée",
    };
    let _ = mail_about(ctx, &event, &stored, subject, state_sentence(stored.state), Some(&token));
    Ok(stored)
}

/// The registration a cancel link names, with its event (for the link's page, which only
/// shows a button). A spent or unknown link is refused.
pub fn registration_for_token(ctx: &Context<'_>, token: &str) -> AppResult<(Event, Registration)> {
    let refused = || AppError::Refused("Ce lien d'annulation n'est pas ou plus valable.".to_owned());
    let token = token.trim();
    if token.is_empty() {
        return Err(refused());
    }
    let registration = ctx.store.registration_by_token(&hash_token(token))?.ok_or_else(refused)?;
    let event = stored_event(ctx, &registration.event_id)?;
    Ok((event, registration))
}

/// Cancels the registration a cancel link names (the link's POST); whoever gets the seat is
/// mailed.
pub fn cancel_by_token(ctx: &Context<'_>, token: &str, now: DateTime<Utc>) -> AppResult<(Event, Registration)> {
    let (event, registration) = registration_for_token(ctx, token)?;
    if registration.state == RegistrationState::Cancelled {
        return Ok((event, registration));
    }
    let changed = ctx.store.cancel_registration(&registration.id, now)?;
    ctx.audit(None, "inscription_annulee", Some(format!("evenement:{}", event.id)), "par son lien", now)?;
    let cancelled = changed.first().cloned().unwrap_or(registration);
    mail_promoted(ctx, &event, changed.get(1..).unwrap_or_default());
    Ok((event, cancelled))
}

fn managed_registration(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<(Event, Registration)> {
    actor.require(ctx, Permission::Team)?;
    let registration =
        ctx.store.registration(id)?.ok_or_else(|| AppError::from(maillage_store::registration_not_found(id)))?;
    let event = stored_event(ctx, &registration.event_id)?;
    check_manage(ctx, actor, &event)?;
    Ok((event, registration))
}

/// An organiser approves or refuses a registration awaiting approval; the person is mailed.
pub fn decide(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    approve: bool,
    now: DateTime<Utc>,
) -> AppResult<Registration> {
    let (event, _) = managed_registration(ctx, actor, id)?;
    let approval = if approve { Approval::Approve } else { Approval::Refuse };
    let decided = ctx.store.decide_registration(id, approval, now)?;
    audit(ctx, actor, "inscription_decidee", &event, decided.state.label().to_owned())?;
    if ctx.mailing.is_some() {
        let sentence = match decided.state {
            RegistrationState::Cancelled => "Les organisateurs n'ont pas pu retenir votre demande d'inscription.",
            state => state_sentence(state),
        };
        let _ = mail_about(ctx, &event, &decided, "Votre demande d'inscription", sentence, None);
    }
    Ok(decided)
}

/// An organiser cancels a registration (someone who said so by phone); the seat goes to the
/// first waiting, who is mailed.
pub fn cancel_for(ctx: &Context<'_>, actor: &Actor, id: &str, now: DateTime<Utc>) -> AppResult<Registration> {
    let (event, _) = managed_registration(ctx, actor, id)?;
    let changed = ctx.store.cancel_registration(id, now)?;
    audit(ctx, actor, "inscription_annulee", &event, "par les organisateurs".to_owned())?;
    mail_promoted(ctx, &event, changed.get(1..).unwrap_or_default());
    Ok(changed.into_iter().next().expect("the cancelled registration comes first"))
}

/// Marks someone present (or not) on the day.
pub fn check_in(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    present: bool,
    now: DateTime<Utc>,
) -> AppResult<Registration> {
    let (event, _) = managed_registration(ctx, actor, id)?;
    let marked = ctx.store.set_attendance(id, present, now)?;
    audit(ctx, actor, "emargement", &event, marked.state.label().to_owned())?;
    Ok(marked)
}

/// What an organiser types for someone who came without registering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalkInForm {
    pub name: String,
    pub organisation: String,
    /// Optional.
    pub email: String,
    pub role: String,
}

/// Records a walk-in, present.
pub fn add_walk_in(
    ctx: &Context<'_>,
    actor: &Actor,
    event_id: &str,
    form: &WalkInForm,
    now: DateTime<Utc>,
) -> AppResult<Registration> {
    let event = managed_event(ctx, actor, event_id)?;
    let mut errors = Vec::new();
    let name = form.name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("nom", "le nom est obligatoire"));
    }
    let email = Some(normalise_email(&form.email)).filter(|e| !e.is_empty());
    if email.as_deref().is_some_and(|e| !valid_email(e)) {
        errors.push(FieldError::new("courriel", "adresse électronique invalide"));
    }
    check_person_lengths(&mut errors, name, &form.organisation, &form.role);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let walk_in = Registration {
        id: new_id(),
        event_id: event.id.clone(),
        name: name.to_owned(),
        email,
        organisation: form.organisation.trim().to_owned(),
        organisation_place: None,
        role: Some(form.role.trim().to_owned()).filter(|r| !r.is_empty()),
        answers: Vec::new(),
        seats: 1,
        state: RegistrationState::Attended,
        arrival: 0,
        cancel_token_hash: String::new(),
        walk_in: true,
        reminded_at: None,
        anonymised: false,
        created_at: now,
        updated_at: now,
    };
    let stored = ctx.store.add_walk_in(&walk_in)?;
    audit(ctx, actor, "emargement", &event, "venue sans inscription".to_owned())?;
    Ok(stored)
}

/// Someone present at an event, once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    pub name: String,
    pub email: Option<String>,
    pub organisation: String,
    pub organisation_place: Option<PlaceId>,
}

/// The people present at an event, each person once (same e-mail, or same name and
/// organisation when there is no e-mail), then the organisations represented, each once
/// (by registry place, else by folded name). For the hub's activity log: the actors reached.
pub fn attendees(ctx: &Context<'_>, actor: &Actor, event_id: &str) -> AppResult<(Vec<Attendee>, Vec<String>)> {
    let (_, registrations) = super::event_with_registrations(ctx, actor, event_id)?;
    let mut people: Vec<Attendee> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for registration in registrations.iter().filter(|r| r.state == RegistrationState::Attended) {
        let key = match &registration.email {
            Some(email) => email.clone(),
            None => format!("{}|{}", fold(&registration.name), fold(&registration.organisation)),
        };
        if seen.insert(key) {
            people.push(Attendee {
                name: registration.name.clone(),
                email: registration.email.clone(),
                organisation: registration.organisation.clone(),
                organisation_place: registration.organisation_place.clone(),
            });
        }
    }
    let mut organisations = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for attendee in &people {
        if attendee.organisation.trim().is_empty() {
            continue;
        }
        let key = match &attendee.organisation_place {
            Some(place) => place.0.clone(),
            None => fold(&attendee.organisation),
        };
        if seen.insert(key) {
            organisations.push(attendee.organisation.clone());
        }
    }
    Ok((people, organisations))
}

/// The registrants' list as CSV for the organisers (with e-mails), cells made safe for
/// spreadsheets.
pub fn registrants_csv(ctx: &Context<'_>, actor: &Actor, event_id: &str) -> AppResult<Vec<u8>> {
    let (event, registrations) = super::event_with_registrations(ctx, actor, event_id)?;
    audit(ctx, actor, "inscrits_exportes", &event, "CSV".to_owned())?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header =
        vec!["ordre".to_owned(), "nom".into(), "courriel".into(), "organisation".into(), "fonction".into()];
    header.extend(["places".to_owned(), "etat".into(), "sur_place".into(), "inscrit_le".into()]);
    header.extend(event.questions.iter().cloned());
    let write_err = |err: csv::Error| AppError::Input(format!("écriture du CSV impossible : {err}"));
    maillage_formats::spreadsheet::write_safe_record(&mut writer, &header).map_err(write_err)?;
    for r in registrations_rows(&event, &registrations) {
        maillage_formats::spreadsheet::write_safe_record(&mut writer, &r).map_err(write_err)?;
    }
    writer.into_inner().map_err(|err| AppError::Input(format!("écriture du CSV impossible : {err}")))
}

/// The registrants' list as an ODS workbook for the organisers (with e-mails): numbers and
/// dates typed, text never read as a formula.
pub fn registrants_ods(ctx: &Context<'_>, actor: &Actor, event_id: &str) -> AppResult<Vec<u8>> {
    use maillage_documents::ods::{Cell, Workbook};
    let (event, registrations) = super::event_with_registrations(ctx, actor, event_id)?;
    audit(ctx, actor, "inscrits_exportes", &event, "ODS".to_owned())?;
    let mut header: Vec<String> =
        ["N°", "Nom", "Courriel", "Organisation", "Fonction", "Places", "État", "Sur place", "Inscrit·e le"]
            .into_iter()
            .map(str::to_owned)
            .collect();
    header.extend(event.questions.iter().cloned());
    let mut workbook = Workbook::new();
    let sheet = workbook.sheet("Inscrits", &header);
    for r in &registrations {
        let text = |value: &str| Cell::Text(value.to_owned());
        let mut row = vec![
            Cell::Integer(i64::try_from(r.arrival).unwrap_or(i64::MAX)),
            text(&r.name),
            text(r.email.as_deref().unwrap_or_default()),
            text(&r.organisation),
            text(r.role.as_deref().unwrap_or_default()),
            Cell::Integer(i64::from(r.seats)),
            text(r.state.label()),
            text(if r.walk_in { "oui" } else { "non" }),
            Cell::DateTime(paris(r.created_at).naive_local()),
        ];
        for n in 0..event.questions.len() {
            row.push(text(r.answers.get(n).map(String::as_str).unwrap_or_default()));
        }
        sheet.push(row);
    }
    workbook.to_bytes().map_err(|err| AppError::Input(err.to_string()))
}

/// One row per registration: the cells of [`registrants_csv`].
pub fn registrations_rows(event: &Event, registrations: &[Registration]) -> Vec<Vec<String>> {
    registrations
        .iter()
        .map(|r| {
            let mut row = vec![
                r.arrival.to_string(),
                r.name.clone(),
                r.email.clone().unwrap_or_default(),
                r.organisation.clone(),
                r.role.clone().unwrap_or_default(),
                r.seats.to_string(),
                r.state.label().to_owned(),
                if r.walk_in { "oui" } else { "non" }.to_owned(),
                paris(r.created_at).format("%d/%m/%Y %H:%M").to_string(),
            ];
            for n in 0..event.questions.len() {
                row.push(r.answers.get(n).cloned().unwrap_or_default());
            }
            row
        })
        .collect()
}

/// The per-client limit of public registrations the web edge applies: 10 in 10 minutes,
/// enough for a person registering a few colleagues, not for a script filling an event.
pub fn throttle() -> crate::throttle::Throttle {
    crate::throttle::Throttle::new(10, chrono::TimeDelta::minutes(10), 10_000)
}
