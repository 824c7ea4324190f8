//! Self-service edits and their moderation: a structure claims a place and edits it, a
//! coordinator approves (possibly after correcting) or rejects with a reason, creates
//! places, reads a place's history, compares two versions and reverts to one.
//!
//! A form is validated exactly as an import row is ([`build_record`]); but where an import
//! keeps a row and drops a bad optional value with a warning, a form refuses it and says
//! why next to the field: the person is there to fix it.
//!
//! Every write is a new place version carrying who and why (a [`VersionNote`]) and names
//! the version it replaces, so two people editing at once get a conflict, never a lost
//! update.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use maillage_domain::build::{build_record, RawRecord, FIELDS};
use maillage_domain::place::content_hash;
use maillage_domain::{paris_local, Place, PlaceId, PlaceRecord, PlaceStatus, Severity};
use maillage_formats::export::standard_values;
use maillage_store::*;

use crate::accounts::{new_user, send_invitation, Actor, Permission};
use crate::context::Context;
use crate::mail::Mail;
use crate::throttle::{wait_in_words, Throttle};
use crate::{AppError, AppResult, FieldError};

/// The source of places created in the registry itself rather than imported.
pub const OWN_SOURCE: &str = "maillage";

/// The 32 fields of a record as a form shows them ("" when empty).
pub fn form_values(record: &PlaceRecord) -> BTreeMap<String, String> {
    let place = Place::first_version(PlaceId(record.id.clone()), "", "", record.clone(), DateTime::UNIX_EPOCH);
    let mut values: BTreeMap<String, String> =
        FIELDS.iter().map(|field| field.to_string()).zip(standard_values(&place)).collect();
    // The export writes placeholders for what the standard requires; a form shows blanks.
    if record.pivot.is_none() {
        values.insert("pivot".to_owned(), String::new());
    }
    if record.date_maj.is_none() {
        values.insert("date_maj".to_owned(), String::new());
    }
    values
}

/// Builds a record from a form's fields as an import builds a row; any error or warning is
/// a refusal of its field, in French.
pub fn record_from_form(fields: &BTreeMap<String, String>) -> Result<PlaceRecord, Vec<FieldError>> {
    let raw = RawRecord {
        fields: fields
            .iter()
            .filter(|(field, _)| FIELDS.contains(&field.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        extras: BTreeMap::new(),
    };
    let built = build_record(&raw);
    let errors: Vec<FieldError> = built
        .problems
        .iter()
        .filter(|problem| problem.severity != Severity::Info)
        .map(|problem| FieldError { field: problem.field.clone(), message: form_message(problem) })
        .collect();
    match built.record {
        Some(record) if errors.is_empty() => Ok(record),
        _ => Err(errors),
    }
}

/// The standard's values of a vocabulary field, in its order (`None` for a free field).
pub fn allowed_values(field: &str) -> Option<Vec<&'static str>> {
    // Every vocabulary has values: an empty list is a free field.
    Some(maillage_formats::mapping::vocabulary_values(field)).filter(|values| !values.is_empty())
}

/// What a form accepts in a free field, said after a refused value.
fn expected_format(field: &str) -> Option<&'static str> {
    Some(match field {
        "telephone" => "un numéro français à 10 chiffres (02 48 00 00 00) ou international (+33248000000)",
        "courriels" => "une adresse comme contact@exemple.fr ; plusieurs séparées par |",
        "site_web" | "prise_rdv" | "fiche_acces_libre" => "une adresse web complète commençant par https://",
        "code_insee" => "le code officiel de la commune, 5 caractères (18033, 2A004)",
        "latitude" | "longitude" => "des nombres décimaux avec un point (47.0810 et 2.3988), tous deux ou aucun",
        "horaires" => "des horaires en français (du lundi au vendredi de 9h à 12h) ou au format OpenStreetMap",
        "pivot" => "un SIRET de 14 chiffres ou un numéro RNA (W123456789)",
        "date_maj" => "une date au format AAAA-MM-JJ",
        _ => return None,
    })
}

/// An import's problem as a form's refusal: a form drops nothing, so "ignorée" would be
/// wrong, and the person needs what is allowed rather than what an import would do.
fn form_message(problem: &maillage_domain::problem::Problem) -> String {
    let reason = problem
        .reason
        .trim_end_matches(", coordonnées ignorées")
        .trim_end_matches(", ignorée")
        .trim_end_matches(", ignoré");
    if let Some(values) = allowed_values(&problem.field) {
        if reason.starts_with("valeur hors de la liste") {
            return format!(
                "« {} » n'est pas une valeur du standard. Valeurs admises : {}.",
                problem.value,
                values.join(" ; ")
            );
        }
    }
    match expected_format(&problem.field) {
        Some(expected) if !problem.reason.starts_with("champ obligatoire") => {
            format!("{reason}. Attendu : {expected}.")
        }
        _ => reason.to_owned(),
    }
}

/// The days of the week in OpenStreetMap's order and names.
const OSM_DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

/// A time as people type it ("9", "9h", "9h30", "09:30") in OSM form ("09:30").
fn osm_time(text: &str) -> Option<String> {
    let text = text.trim().to_lowercase().replace('h', ":");
    let (hours, minutes) = match text.split_once(':') {
        Some((h, m)) => (h.trim(), if m.trim().is_empty() { "0" } else { m.trim() }),
        None => (text.as_str(), "0"),
    };
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 24 && minutes < 60 && (hours < 24 || minutes == 0)).then(|| format!("{hours:02}:{minutes:02}"))
}

/// One day's opening hours as typed in the week editor ("9h-12h, 14h-18h", "" or "fermé"
/// when closed) in OSM form, `None` when closed.
fn osm_day(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() || maillage_domain::text::fold(text) == "ferme" {
        return Ok(None);
    }
    let mut ranges = Vec::new();
    for range in text.split([',', ';', '/']).map(str::trim).filter(|r| !r.is_empty()) {
        let (start, end) = range
            .split_once(['-', '–'])
            .ok_or_else(|| format!("« {range} » : indiquez un début et une fin (9h-12h)"))?;
        let (start, end) = match (osm_time(start), osm_time(end)) {
            (Some(start), Some(end)) if start < end => (start, end),
            _ => return Err(format!("« {range} » : heures illisibles ou dans le désordre")),
        };
        ranges.push(format!("{start}-{end}"));
    }
    Ok(Some(ranges.join(",")))
}

/// The week editor's seven days (Monday first) as one OpenStreetMap expression, consecutive
/// days with the same hours grouped ("Mo-Fr 09:00-12:00; Sa 10:00-12:00"); empty when every
/// day is closed. The error names the day at fault, in French.
pub fn week_to_osm(days: &[String; 7]) -> Result<String, String> {
    const NAMES: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
    let mut parsed = Vec::with_capacity(7);
    for (day, text) in NAMES.iter().zip(days) {
        parsed.push(osm_day(text).map_err(|err| format!("{day} : {err}"))?);
    }
    let mut rules = Vec::new();
    let mut index = 0;
    while index < 7 {
        let Some(hours) = &parsed[index] else {
            index += 1;
            continue;
        };
        let mut last = index;
        while last + 1 < 7 && parsed[last + 1].as_ref() == Some(hours) {
            last += 1;
        }
        let days = match last - index {
            0 => OSM_DAYS[index].to_owned(),
            1 => format!("{},{}", OSM_DAYS[index], OSM_DAYS[last]),
            _ => format!("{}-{}", OSM_DAYS[index], OSM_DAYS[last]),
        };
        rules.push(format!("{days} {hours}"));
        index = last + 1;
    }
    Ok(rules.join("; "))
}

/// One field that differs between two records.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// The fields that differ, in the standard's order, as a form would show them.
pub fn diff_records(before: &PlaceRecord, after: &PlaceRecord) -> Vec<FieldChange> {
    let (old, new) = (form_values(before), form_values(after));
    FIELDS
        .iter()
        .filter_map(|field| {
            let (b, a) = (old.get(*field).cloned().unwrap_or_default(), new.get(*field).cloned().unwrap_or_default());
            (b != a).then_some(FieldChange { field, before: b, after: a })
        })
        .collect()
}

fn place_target(id: &PlaceId) -> Option<String> {
    Some(format!("lieu:{id}"))
}

/// A stored place, or not found.
pub(crate) fn load_place(store: &dyn Store, id: &PlaceId) -> AppResult<Place> {
    Ok(store.place(id)?.ok_or_else(|| StoreError::NotFound(format!("lieu {id}")))?)
}

/// The next version of a place with a new record, as a person writes it.
fn next_version(current: &Place, record: PlaceRecord, status: PlaceStatus, now: DateTime<Utc>) -> Place {
    Place { version: current.version + 1, updated_at: now, batch_id: None, status, record, ..current.clone() }
}

/// A form's record, with the fields a person cannot change kept from the place: its id in
/// its source, and `date_maj`, which becomes today (the sheet was just checked).
fn edited_record(
    current: &PlaceRecord,
    fields: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> AppResult<PlaceRecord> {
    let mut fields = fields.clone();
    fields.insert("id".to_owned(), current.id.clone());
    fields.insert("date_maj".to_owned(), paris_local(now).date().format("%Y-%m-%d").to_string());
    record_from_form(&fields).map_err(AppError::Invalid)
}

/// What became of an edit.
#[derive(Clone, Debug, PartialEq)]
pub enum EditOutcome {
    /// Written at once (a moderator of the place, or a trusted gestionnaire).
    /// (Boxed: a place is far larger than a proposal.)
    Published(Box<Place>),
    /// Waiting in the moderation queue.
    Queued(Proposal),
}

/// Edits a place from a form made on `base_version`.
pub fn submit_edit(
    ctx: &Context<'_>,
    actor: &Actor,
    place_id: &PlaceId,
    base_version: u32,
    fields: &BTreeMap<String, String>,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<EditOutcome> {
    let current = load_place(ctx.store, place_id)?;
    actor.require(ctx, Permission::Edit(&current))?;
    let author = actor.id().unwrap_or_default().to_owned();
    if current.version != base_version {
        return Err(stale_place_error(place_id).into());
    }
    let record = edited_record(&current.record, fields, now)?;
    let trusted = actor.user().is_some_and(|user| user.trusted);
    let outcome = if actor.may(ctx, Permission::Moderate(&current.record)) || trusted {
        let place = next_version(&current, record, current.status, now);
        let reason = if reason.trim().is_empty() { "modification".to_owned() } else { reason.trim().to_owned() };
        ctx.store.save_place(&PlaceWrite {
            place: place.clone(),
            change: ChangeKind::Updated,
            author: author.clone(),
            reason,
            content_hash: None,
        })?;
        ctx.audit(Some(&author), "lieu_modifie", place_target(place_id), format!("version {}", place.version), now)?;
        EditOutcome::Published(Box::new(place))
    } else {
        let proposal = Proposal {
            id: new_id(),
            place_id: place_id.clone(),
            kind: ProposalKind::Edit { base_version, record: Box::new(record) },
            author: author.clone(),
            created_at: now,
            status: ProposalStatus::Pending,
            reviewer: None,
            reviewed_at: None,
            reason: (!reason.trim().is_empty()).then(|| reason.trim().to_owned()),
        };
        ctx.store.insert_proposal(&proposal)?;
        notify_moderators(ctx, &current, "Une modification proposée")?;
        ctx.audit(
            Some(&author),
            "modification_proposee",
            place_target(place_id),
            format!("proposition {}", proposal.id),
            now,
        )?;
        EditOutcome::Queued(proposal)
    };
    crate::campaigns::note_answer(ctx.store, place_id, CampaignPlaceStatus::Edited, now)?;
    Ok(outcome)
}

/// A place to edit, for the edit form: the place, and whether the actor's edits are published
/// at once (a moderator of the place, or a trusted gestionnaire) rather than queued.
pub fn edit_form(ctx: &Context<'_>, actor: &Actor, place_id: &PlaceId) -> AppResult<(Place, bool)> {
    let place = load_place(ctx.store, place_id)?;
    actor.require(ctx, Permission::Edit(&place))?;
    let direct = actor.may(ctx, Permission::Moderate(&place.record)) || actor.user().is_some_and(|user| user.trusted);
    Ok((place, direct))
}

/// What an edit would change, without saving anything: the fields that differ from the
/// published sheet, or the form's problems.
pub fn preview_edit(
    ctx: &Context<'_>,
    actor: &Actor,
    place_id: &PlaceId,
    fields: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> AppResult<Vec<FieldChange>> {
    let current = load_place(ctx.store, place_id)?;
    actor.require(ctx, Permission::Edit(&current))?;
    let record = edited_record(&current.record, fields, now)?;
    Ok(diff_records(&current.record, &record))
}

fn pending_claim(store: &dyn Store, place_id: &PlaceId, author: &str) -> AppResult<Option<Proposal>> {
    Ok(store.proposals(Some(ProposalStatus::Pending))?.into_iter().find(|proposal| {
        proposal.place_id == *place_id
            && proposal.author == author
            && matches!(proposal.kind, ProposalKind::Claim { .. })
    }))
}

/// Tells the coordinators whose territory holds the place (or, when none does, the
/// administrators) that something waits in their queue.
fn notify_moderators(ctx: &Context<'_>, place: &Place, what: &str) -> AppResult<()> {
    // Without a locator no coordinator would cover the place and the mail would go to the
    // administrators only: refuse instead.
    ctx.locator()?;
    let users = ctx.store.users()?;
    let covering = |user: &User| user.active && Actor::User(user.clone()).covers(ctx, &place.record);
    let coordinators: Vec<&User> =
        users.iter().filter(|user| matches!(user.role, Role::Coordinateur { .. }) && covering(user)).collect();
    let recipients = if coordinators.is_empty() {
        users.iter().filter(|user| user.role == Role::Administrateur && user.active).collect()
    } else {
        coordinators
    };
    let link = ctx.link("/admin/moderation")?;
    for user in recipients {
        ctx.send(
            &Mail {
                to: user.email.clone(),
                subject: format!("À modérer : {what} pour « {} »", place.record.nom),
                body: format!(
                    "Bonjour {},\n\n{what} attend votre décision pour la fiche « {} » ({}).\n\nFile de modération : {link}\n",
                    user.name, place.record.nom, place.record.commune
                ),
            },
            "notification_moderation",
        )?;
    }
    Ok(())
}

fn insert_claim(
    ctx: &Context<'_>,
    place: &Place,
    author: &str,
    message: &str,
    now: DateTime<Utc>,
) -> AppResult<Proposal> {
    let place_id = &place.id;
    if let Some(existing) = pending_claim(ctx.store, place_id, author)? {
        return Ok(existing);
    }
    let proposal = Proposal {
        id: new_id(),
        place_id: place_id.clone(),
        kind: ProposalKind::Claim { message: message.trim().to_owned() },
        author: author.to_owned(),
        created_at: now,
        status: ProposalStatus::Pending,
        reviewer: None,
        reviewed_at: None,
        reason: None,
    };
    ctx.store.insert_proposal(&proposal)?;
    ctx.audit(Some(author), "gestion_demandee", place_target(place_id), format!("proposition {}", proposal.id), now)?;
    notify_moderators(ctx, place, "Une demande de gestion")?;
    Ok(proposal)
}

/// A signed-in gestionnaire asks to manage one more place.
pub fn claim(
    ctx: &Context<'_>,
    actor: &Actor,
    place_id: &PlaceId,
    message: &str,
    now: DateTime<Utc>,
) -> AppResult<Proposal> {
    actor.require(ctx, Permission::Claim)?;
    let place = load_place(ctx.store, place_id)?;
    if actor.manages(&place.id) {
        return Err(AppError::Input("Vous gérez déjà ce lieu.".to_owned()));
    }
    insert_claim(ctx, &place, actor.id().unwrap_or_default(), message, now)
}

/// Someone without an account asks to manage a place: an account is prepared (without a
/// password) and the claim queued; the invitation goes out when a coordinator approves.
/// `None` when the address belongs to an account that cannot claim (nothing is queued, and
/// the caller answers as if it were, so the form reveals no account).
pub fn request_access(
    ctx: &Context<'_>,
    place_id: &PlaceId,
    email: &str,
    name: &str,
    message: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Proposal>> {
    let place = load_place(ctx.store, place_id)?;
    if place.status != PlaceStatus::Active {
        return Err(StoreError::NotFound(format!("lieu {place_id}")).into());
    }
    let candidate = new_user(email, name, Role::Gestionnaire { places: Vec::new() }, now)?;
    let user = match ctx.store.user_by_email(&candidate.email)? {
        Some(user) if matches!(user.role, Role::Gestionnaire { .. }) && user.active => user,
        Some(user) => {
            // The answer is the same as for a queued claim: the form must not tell who has
            // an account. The log and the audit say why nothing was queued.
            let target = Some(format!("utilisateur:{}", user.id));
            ctx.audit(
                None,
                "gestion_demandee_ignoree",
                target,
                "adresse d'un compte non gestionnaire ou inactif",
                now,
            )?;
            return Ok(None);
        }
        None => {
            ctx.store.insert_user(&candidate)?;
            ctx.audit(None, "compte_demande", Some(format!("utilisateur:{}", candidate.id)), "", now)?;
            candidate
        }
    };
    insert_claim(ctx, &place, &user.id, message, now).map(Some)
}

/// An item of the moderation queue, with what a reviewer needs to decide.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueItem {
    pub proposal: Proposal,
    pub place: Place,
    /// For an edit: the fields it changes, against the place as it is now.
    pub changes: Vec<FieldChange>,
    pub author: Option<User>,
}

/// A problem reported by the public, beside the proposals.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportItem {
    pub report: PlaceReport,
    pub place: Place,
}

/// The shortest and longest description a public report may have, in characters.
pub const REPORT_MIN_CHARS: usize = 5;
pub const REPORT_MAX_CHARS: usize = 2000;
/// Reports one client may send per [`REPORT_WINDOW_MINUTES`]: a person who found several
/// errors sends a few, a script sending hundreds is stopped.
pub const REPORTS_PER_CLIENT: usize = 5;
pub const REPORT_WINDOW_MINUTES: i64 = 10;
/// Clients the report throttle remembers at most.
pub const REPORT_CLIENTS: usize = 10_000;

/// The limiter an edge holds for [`report_problem`], one per process.
pub fn report_throttle() -> Throttle {
    Throttle::new(REPORTS_PER_CLIENT, chrono::TimeDelta::minutes(REPORT_WINDOW_MINUTES), REPORT_CLIENTS)
}

/// The problems of a public report's fields, each beside its field, in French.
pub fn check_report(category: &str, message: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !PlaceReport::CATEGORIES.iter().any(|(key, _)| *key == category) {
        errors.push(FieldError::new("categorie", "Choisissez ce qui ne va pas."));
    }
    let length = message.trim().chars().count();
    if length < REPORT_MIN_CHARS {
        errors.push(FieldError::new(
            "message",
            format!("Décrivez l'erreur en quelques mots ({REPORT_MIN_CHARS} caractères au moins)."),
        ));
    } else if length > REPORT_MAX_CHARS {
        errors.push(FieldError::new(
            "message",
            format!("Votre message fait {length} caractères : {REPORT_MAX_CHARS} au plus, merci de le raccourcir."),
        ));
    }
    errors
}

/// Records a problem the public reports on an active place ("signaler une erreur"). Anyone
/// may, so no [`Actor`] is asked for; what guards it is the size of a report and `throttle`,
/// keyed by `client` as the edge identifies the sender. Fields are checked first (a refused
/// form does not count against the sender), then the allowance, then the place; a refusal
/// writes nothing. The report names nobody and goes to the moderation queue.
pub fn report_problem(
    ctx: &Context<'_>,
    throttle: &Throttle,
    client: &str,
    place_id: &PlaceId,
    category: &str,
    message: &str,
    now: DateTime<Utc>,
) -> AppResult<PlaceReport> {
    let errors = check_report(category, message);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if let Err(wait) = throttle.admit(client, now) {
        return Err(AppError::Refused(format!(
            "Vous avez envoyé beaucoup de signalements en peu de temps : réessayez dans {}. Merci de votre aide !",
            wait_in_words(wait)
        )));
    }
    let place = ctx.store.place(place_id)?.filter(|place| place.status == PlaceStatus::Active);
    let Some(place) = place else {
        return Err(StoreError::NotFound(format!("lieu {place_id}")).into());
    };
    let report = PlaceReport {
        id: new_report_id(),
        place_id: place.id.clone(),
        category: category.to_owned(),
        message: message.trim().to_owned(),
        created_at: now,
    };
    ctx.store.add_place_report(&report)?;
    notify_report(ctx, &place, &report);
    Ok(report)
}

/// Tells the people who look after a place that the public reported a problem on it: its
/// gestionnaires and the coordinators whose territory holds it, else the administrators. Best
/// effort: the report is kept whatever the mail does (a failure is logged by `send`); the
/// reporter's text stays in the moderation queue, the mail only says what kind of problem.
fn notify_report(ctx: &Context<'_>, place: &Place, report: &PlaceReport) {
    if ctx.mailing.is_none() {
        return;
    }
    let Ok(users) = ctx.store.users() else { return };
    let active = users.iter().filter(|user| user.active);
    let close: Vec<&User> = active
        .clone()
        .filter(|user| match &user.role {
            Role::Gestionnaire { places } => places.contains(&place.id),
            Role::Coordinateur { .. } => Actor::User((*user).clone()).covers(ctx, &place.record),
            Role::Administrateur => false,
        })
        .collect();
    let to: Vec<&User> = if close.is_empty() {
        active.filter(|user| matches!(user.role, Role::Administrateur)).collect()
    } else {
        close
    };
    let kind = PlaceReport::CATEGORIES
        .iter()
        .find(|(key, _)| *key == report.category)
        .map_or(report.category.as_str(), |(_, label)| *label);
    let Ok(queue) = ctx.link("/admin/moderation") else { return };
    for user in to {
        let mail = Mail {
            to: user.email.clone(),
            subject: format!("Erreur signalée : {}", place.record.nom),
            body: format!(
                "Bonjour {},\n\nUne personne signale une erreur sur la fiche « {} » ({}) : {kind}.\n\nSon message et la fiche sont dans la file de modération :\n\n{queue}\n",
                user.name, place.record.nom, place.record.commune
            ),
        };
        let _ = ctx.send(&mail, "signalement");
    }
}

/// The pending proposals and the public's open reports on the places the actor moderates,
/// oldest first.
pub fn queue(ctx: &Context<'_>, actor: &Actor) -> AppResult<(Vec<QueueItem>, Vec<ReportItem>)> {
    actor.require(ctx, Permission::SeeQueue)?;
    let mut items = Vec::new();
    for proposal in ctx.store.proposals(Some(ProposalStatus::Pending))? {
        let Some(place) = ctx.store.place(&proposal.place_id)? else { continue };
        if !actor.covers(ctx, &place.record) {
            continue;
        }
        let changes = match &proposal.kind {
            ProposalKind::Edit { record, .. } => diff_records(&place.record, record),
            ProposalKind::Claim { .. } => Vec::new(),
        };
        let author = ctx.store.user(&proposal.author)?;
        items.push(QueueItem { proposal, place, changes, author });
    }
    let resolved: std::collections::BTreeSet<String> =
        ctx.store.report_resolutions()?.into_iter().map(|resolution| resolution.report_id).collect();
    let mut reports = Vec::new();
    for report in ctx.store.place_reports(None)?.into_iter().filter(|report| !resolved.contains(&report.id)) {
        let Some(place) = ctx.store.place(&report.place_id)? else { continue };
        if actor.covers(ctx, &place.record) {
            reports.push(ReportItem { report, place });
        }
    }
    Ok((items, reports))
}

/// Closes a problem reported by the public, saying what was done; it leaves the queue.
pub fn resolve_report(
    ctx: &Context<'_>,
    actor: &Actor,
    report_id: &str,
    note: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let report = ctx
        .store
        .place_reports(None)?
        .into_iter()
        .find(|report| report.id == report_id)
        .ok_or_else(|| StoreError::NotFound(format!("signalement {report_id}")))?;
    let place = load_place(ctx.store, &report.place_id)?;
    actor.require(ctx, Permission::Moderate(&place.record))?;
    if note.trim().is_empty() {
        return Err(AppError::Invalid(vec![FieldError {
            field: "suite".to_owned(),
            message: "indiquez ce qui a été fait".to_owned(),
        }]));
    }
    ctx.store.resolve_report(&ReportResolution {
        report_id: report.id.clone(),
        resolved_by: actor.id().unwrap_or_default().to_owned(),
        resolved_at: now,
        note: note.trim().to_owned(),
    })?;
    ctx.audit(actor.id(), "signalement_traite", place_target(&place.id), format!("signalement {report_id}"), now)?;
    Ok(())
}

fn pending_proposal(store: &dyn Store, id: &str) -> AppResult<Proposal> {
    let proposal = store.proposal(id)?.ok_or_else(|| StoreError::NotFound(format!("proposition {id}")))?;
    if proposal.status != ProposalStatus::Pending {
        return Err(decided_proposal_error(id).into());
    }
    Ok(proposal)
}

fn decided(
    mut proposal: Proposal,
    status: ProposalStatus,
    actor: &Actor,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Proposal {
    proposal.status = status;
    proposal.reviewer = actor.id().map(str::to_owned);
    proposal.reviewed_at = Some(now);
    if reason.is_some() {
        proposal.reason = reason;
    }
    proposal
}

/// A proposed edit and its place, for a moderator to correct before approving it; a claim
/// has nothing to correct.
pub fn proposal_to_correct(ctx: &Context<'_>, actor: &Actor, proposal_id: &str) -> AppResult<(Place, PlaceRecord)> {
    let proposal =
        ctx.store.proposal(proposal_id)?.ok_or_else(|| StoreError::NotFound(format!("proposition {proposal_id}")))?;
    let place = load_place(ctx.store, &proposal.place_id)?;
    actor.require(ctx, Permission::Moderate(&place.record))?;
    match proposal.kind {
        ProposalKind::Edit { record, .. } => Ok((place, *record)),
        ProposalKind::Claim { .. } => Err(AppError::Input("Une demande de gestion ne se corrige pas.".to_owned())),
    }
}

/// Approves a proposal. An edit is written on top of `seen_version` (the version the
/// reviewer's diff was made against; another change since is a conflict), with the
/// reviewer's corrections when `corrected` holds a form; a claim adds the place to the
/// gestionnaire's places and, for a new account, sends its invitation.
pub fn approve(
    ctx: &Context<'_>,
    actor: &Actor,
    proposal_id: &str,
    seen_version: u32,
    corrected: Option<&BTreeMap<String, String>>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let proposal = pending_proposal(ctx.store, proposal_id)?;
    let place = load_place(ctx.store, &proposal.place_id)?;
    actor.require(ctx, Permission::Moderate(&place.record))?;
    let reviewer = actor.id().unwrap_or_default().to_owned();
    let author = ctx.store.user(&proposal.author)?;
    let mut decision = ProposalDecision {
        proposal: decided(proposal.clone(), ProposalStatus::Approved, actor, None, now),
        place: None,
        user: None,
    };
    let subject;
    match &proposal.kind {
        ProposalKind::Edit { record, .. } => {
            if place.version != seen_version {
                return Err(stale_place_error(&place.id).into());
            }
            let record = match corrected {
                Some(fields) => edited_record(&place.record, fields, now)?,
                None => record.as_ref().clone(),
            };
            let note = if corrected.is_some() { "approuvée avec corrections" } else { "approuvée" };
            decision.place = Some(PlaceWrite {
                place: next_version(&place, record, place.status, now),
                change: ChangeKind::Updated,
                author: proposal.author.clone(),
                reason: format!("modification proposée, {note} par {reviewer}"),
                content_hash: None,
            });
            subject = format!("Votre modification de « {} » est publiée", place.record.nom);
        }
        ProposalKind::Claim { .. } => {
            let Some(mut user) = author.clone() else {
                return Err(StoreError::NotFound(format!("utilisateur {}", proposal.author)).into());
            };
            if let Role::Gestionnaire { places } = &mut user.role {
                if !places.contains(&place.id) {
                    places.push(place.id.clone());
                }
            }
            decision.user = Some(user);
            subject = format!("Vous gérez désormais « {} »", place.record.nom);
        }
    }
    ctx.store.decide_proposal(&decision)?;
    ctx.audit(
        Some(&reviewer),
        "proposition_approuvee",
        place_target(&place.id),
        format!("proposition {proposal_id}"),
        now,
    )?;
    if let Some(user) = decision.user.as_ref().or(author.as_ref()) {
        if user.password_hash.is_none() {
            send_invitation(ctx, user, now)?;
        } else {
            let link = ctx.link(&format!("/admin/lieux/{}/modifier", place.id))?;
            ctx.send(
                &Mail {
                    to: user.email.clone(),
                    subject,
                    body: format!(
                        "Bonjour {},\n\nVotre demande a été acceptée. Pour voir ou modifier la fiche :\n\n{link}\n",
                        user.name
                    ),
                },
                "proposition_approuvee",
            )?;
        }
    }
    Ok(())
}

/// Rejects a proposal with a reason, which is mailed to its author.
pub fn reject(ctx: &Context<'_>, actor: &Actor, proposal_id: &str, reason: &str, now: DateTime<Utc>) -> AppResult<()> {
    let proposal = pending_proposal(ctx.store, proposal_id)?;
    let place = load_place(ctx.store, &proposal.place_id)?;
    actor.require(ctx, Permission::Moderate(&place.record))?;
    if reason.trim().is_empty() {
        return Err(AppError::Invalid(vec![FieldError {
            field: "motif".to_owned(),
            message: "indiquez pourquoi la proposition est refusée".to_owned(),
        }]));
    }
    let decision = ProposalDecision {
        proposal: decided(proposal.clone(), ProposalStatus::Rejected, actor, Some(reason.trim().to_owned()), now),
        place: None,
        user: None,
    };
    ctx.store.decide_proposal(&decision)?;
    ctx.audit(actor.id(), "proposition_refusee", place_target(&place.id), format!("proposition {proposal_id}"), now)?;
    if let Some(author) = ctx.store.user(&proposal.author)? {
        let what = match proposal.kind {
            ProposalKind::Edit { .. } => "Votre modification",
            ProposalKind::Claim { .. } => "Votre demande de gestion",
        };
        ctx.send(
            &Mail {
                to: author.email.clone(),
                subject: format!("{what} de « {} » n'a pas été retenue", place.record.nom),
                body: format!(
                    "Bonjour {},\n\n{what} de la fiche « {} » n'a pas été retenue, pour la raison suivante :\n\n{}\n\nVous pouvez répondre au hub pour en parler.\n",
                    author.name,
                    place.record.nom,
                    reason.trim()
                ),
            },
            "proposition_refusee",
        )?;
    }
    Ok(())
}

/// A coordinator (or administrator) creates a place in the registry's own source.
pub fn create_place(
    ctx: &Context<'_>,
    actor: &Actor,
    fields: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> AppResult<Place> {
    actor.require(ctx, Permission::SeeQueue)?;
    let id = new_place_id();
    let mut fields = fields.clone();
    if fields.get("id").is_none_or(|value| value.trim().is_empty()) {
        fields.insert("id".to_owned(), id.0.clone());
    }
    fields.insert("date_maj".to_owned(), paris_local(now).date().format("%Y-%m-%d").to_string());
    let record = record_from_form(&fields).map_err(AppError::Invalid)?;
    actor.require(ctx, Permission::Moderate(&record))?;
    let place = Place::first_version(id, OWN_SOURCE, &record.id.clone(), record, now);
    ctx.store.save_place(&PlaceWrite {
        place: place.clone(),
        change: ChangeKind::Created,
        author: actor.id().unwrap_or_default().to_owned(),
        reason: "création".to_owned(),
        content_hash: Some(content_hash(&place.record, &place.extras)),
    })?;
    ctx.audit(actor.id(), "lieu_cree", place_target(&place.id), "", now)?;
    Ok(place)
}

/// Which places an admin list shows: every criterion narrows it; the default is every active
/// place.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlaceFilter {
    /// Name, commune or postcode holding this text (accents and case ignored).
    pub query: String,
    /// The département (code) the place is located in.
    pub departement: Option<String>,
    pub source: Option<String>,
    pub freshness: Option<crate::campaigns::Freshness>,
    /// Active when absent.
    pub status: Option<PlaceStatus>,
}

/// The places an actor may edit that match `filter`, by name then id: every one, for a
/// count, a page or an export.
pub fn editable_places(ctx: &Context<'_>, actor: &Actor, filter: &PlaceFilter) -> AppResult<Vec<Place>> {
    if !actor.user().is_some_and(|user| user.active) {
        return Err(AppError::Forbidden("Action refusée : connectez-vous.".to_owned()));
    }
    let locator = match (&filter.departement, ctx.locator) {
        (None, _) => None,
        (Some(code), Some(locator)) => Some((code, locator)),
        (Some(_), None) => {
            return Err(AppError::Input("un filtre de territoire demande le territoire chargé".to_owned()))
        }
    };
    let today = maillage_domain::hours::paris_local(now()).date();
    let needle = maillage_domain::text::fold(filter.query.trim());
    let status = filter.status.unwrap_or(PlaceStatus::Active);
    let query = PlaceQuery { source: filter.source.clone(), status: Some(status), updated_since: None };
    let mut found = Vec::new();
    ctx.store.visit_places(&query, &mut |place| {
        let matches = needle.is_empty()
            || [&place.record.nom, &place.record.commune, &place.record.code_postal]
                .iter()
                .any(|text| maillage_domain::text::fold(text).contains(&needle));
        let fresh = filter
            .freshness
            .is_none_or(|wanted| crate::campaigns::freshness(place.published_date_maj(), today) == wanted);
        let located = locator.is_none_or(|(code, locator)| {
            locator.locate(&place.record).is_some_and(|location| location.code_departement == *code)
        });
        if matches && fresh && located && actor.may(ctx, Permission::Edit(&place)) {
            found.push(place);
        }
        Ok(())
    })?;
    found.sort_by(|a, b| a.record.nom.cmp(&b.record.nom).then_with(|| a.id.cmp(&b.id)));
    Ok(found)
}

/// A CSV cell that a spreadsheet reads as text: a cell starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return would be run as a formula, so it is prefixed with `'`.
pub fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// Writes an admin list of places as CSV (one line per place, the freshness as of `today`),
/// every cell safe to open in a spreadsheet.
pub fn write_places_csv(places: &[Place], today: chrono::NaiveDate, out: impl std::io::Write) -> AppResult<()> {
    let failed = |err: csv::Error| AppError::Input(format!("écriture du CSV impossible : {err}"));
    let mut writer = csv::Writer::from_writer(out);
    writer
        .write_record([
            "id",
            "nom",
            "adresse",
            "code_postal",
            "commune",
            "telephone",
            "source",
            "id_source",
            "date_maj",
            "fraicheur",
        ])
        .map_err(failed)?;
    for place in places {
        let record = &place.record;
        let date_maj = record.date_maj.map(|d| d.to_string()).unwrap_or_default();
        let row = [
            place.id.0.as_str(),
            &record.nom,
            &record.adresse,
            &record.code_postal,
            &record.commune,
            record.telephone.as_deref().unwrap_or(""),
            &place.source,
            &place.source_id,
            &date_maj,
            crate::campaigns::freshness(place.published_date_maj(), today).key(),
        ];
        writer.write_record(row.iter().map(|cell| csv_cell(cell).into_owned())).map_err(failed)?;
    }
    writer.flush().map_err(|err| AppError::Input(format!("écriture du CSV impossible : {err}")))?;
    Ok(())
}

/// One version of a place with who wrote it and why.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    pub version: PlaceVersion,
    /// A user id, "import <batch>" for an import, "campagne <id>" for a confirmation.
    pub author: String,
    /// The account's name when the author is an account.
    pub author_name: Option<String>,
    pub reason: String,
}

/// Every version of a place, oldest first, with its author and reason (no permission
/// check: for use cases that have checked already).
fn history_entries(store: &dyn Store, place_id: &PlaceId) -> AppResult<Vec<HistoryEntry>> {
    let names: BTreeMap<String, String> = store.users()?.into_iter().map(|user| (user.id, user.name)).collect();
    let notes: BTreeMap<u32, VersionNote> =
        store.version_notes(place_id)?.into_iter().map(|note| (note.version, note)).collect();
    Ok(store
        .place_history(place_id)?
        .into_iter()
        .map(|version| {
            let (author, reason) = match (notes.get(&version.version), &version.batch_id) {
                (Some(note), _) => (note.author.clone(), note.reason.clone()),
                (None, Some(batch)) => (format!("import {batch}"), "import".to_owned()),
                (None, None) => ("inconnu".to_owned(), String::new()),
            };
            HistoryEntry { author_name: names.get(&author).cloned(), version, author, reason }
        })
        .collect())
}

/// A place's history, for the people who may edit it.
pub fn history(ctx: &Context<'_>, actor: &Actor, place_id: &PlaceId) -> AppResult<Vec<HistoryEntry>> {
    let place = load_place(ctx.store, place_id)?;
    actor.require(ctx, Permission::Edit(&place))?;
    history_entries(ctx.store, place_id)
}

/// The fields that differ between two versions of a history.
pub fn diff_versions(entries: &[HistoryEntry], from: u32, to: u32) -> AppResult<Vec<FieldChange>> {
    let find = |version: u32| {
        entries
            .iter()
            .find(|entry| entry.version.version == version)
            .map(|entry| &entry.version.record)
            .ok_or_else(|| AppError::Input(format!("version {version} inconnue")))
    };
    Ok(diff_records(find(from)?, find(to)?))
}

/// Makes an earlier version's record current again, as a new version (history is never
/// rewritten). `seen_version` is the version the moderator looked at.
pub fn revert(
    ctx: &Context<'_>,
    actor: &Actor,
    place_id: &PlaceId,
    to_version: u32,
    seen_version: u32,
    now: DateTime<Utc>,
) -> AppResult<Place> {
    let current = load_place(ctx.store, place_id)?;
    actor.require(ctx, Permission::Moderate(&current.record))?;
    if current.version != seen_version {
        return Err(stale_place_error(place_id).into());
    }
    let target = ctx
        .store
        .place_history(place_id)?
        .into_iter()
        .find(|version| version.version == to_version)
        .ok_or_else(|| AppError::Input(format!("version {to_version} inconnue")))?;
    let place = next_version(&current, target.record, current.status, now);
    ctx.store.save_place(&PlaceWrite {
        place: place.clone(),
        change: ChangeKind::Updated,
        author: actor.id().unwrap_or_default().to_owned(),
        reason: format!("retour à la version {to_version}"),
        content_hash: None,
    })?;
    ctx.audit(actor.id(), "lieu_restaure", place_target(place_id), format!("retour à la version {to_version}"), now)?;
    Ok(place)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(days: [&str; 7]) -> [String; 7] {
        days.map(str::to_owned)
    }

    #[test]
    fn the_week_editor_writes_grouped_osm_hours() {
        let typed = week([
            "9h-12h, 14h-18h",
            "09:00-12:00,14:00-18:00",
            "9h-12h,14h-18h",
            "9-12, 14-18",
            "9h-12h",
            "10h-12h",
            "fermé",
        ]);
        assert_eq!(week_to_osm(&typed).unwrap(), "Mo-Th 09:00-12:00,14:00-18:00; Fr 09:00-12:00; Sa 10:00-12:00");
        let two = week(["", "", "", "", "", "9h30-12h", "9h30-12h"]);
        assert_eq!(week_to_osm(&two).unwrap(), "Sa,Su 09:30-12:00");
        assert_eq!(week_to_osm(&week(["", "", "", "", "", "", ""])).unwrap(), "");
        // What it writes, the import reads back as the same hours.
        let written = week_to_osm(&typed).unwrap();
        assert_eq!(maillage_domain::hours::Horaires::parse(&written).unwrap().as_str(), written);
    }

    #[test]
    fn the_week_editor_names_the_day_at_fault() {
        let err = week_to_osm(&week(["", "", "14h-9h", "", "", "", ""])).unwrap_err();
        assert!(err.starts_with("mercredi : « 14h-9h »"), "{err}");
        let err = week_to_osm(&week(["", "", "", "", "9h", "", ""])).unwrap_err();
        assert!(err.starts_with("vendredi"), "{err}");
        assert!(week_to_osm(&week(["25h-26h", "", "", "", "", "", ""])).is_err());
    }
}
