//! The hub's activity log: what each team member did (meetings, appointments, comités,
//! events, trainings, partnerships), recorded in under a minute, counted into the dashboards
//! and the bilans.
//!
//! - Who: the hub's team (`Permission::Team`). A coordinator sees and changes its own entries
//!   and those of its territories (the entry's département named in its scope or holding one
//!   of its bassins); an administrator all of them.
//! - Actors: an entry names the actors it reached by their id in the actors directory; a name
//!   typed that the directory does not hold creates the actor on the fly ([`ActorRef::Name`]).
//!   Figures count them distinct ([`figures`]), following merges.
//! - Bad input: a French message per field, and nothing written (not even the actors a refused
//!   entry would have created).
//!
//! [`figures`] counts (pure), [`bilan`] gives dashboards and bilans, [`past`] imports the
//! totals of past periods; [`agenda`] reports an agenda event from its attendance.

pub mod agenda;
pub mod bilan;
pub mod demo;
pub mod figures;
pub mod past;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use maillage_domain::text::fold;
use maillage_store::{
    new_id, ActivityEntry, ActivityEventKind, ActivityKind, ActivityQuery, AnimationKind, Partnership,
    PartnershipStatus, Stakeholder, StakeholderKind, TerritoryLevel,
};
use maillage_territory::Territory;

use crate::accounts::{Actor, Permission};
use crate::actors::{self, StakeholderForm};
use crate::context::Context;
use crate::{AppError, AppResult, FieldError};

/// Longest note kept, in characters.
const MAX_NOTES: usize = 5_000;
/// Longest notable text, theme, tag or name, in characters.
const MAX_SHORT: usize = 300;
/// Most actors one entry names.
const MAX_ACTORS: usize = 200;
/// Longest duration of one entry (a week of days), in minutes.
const MAX_MINUTES: u32 = 7 * 24 * 60;

/// An actor an entry names: an id of the directory, or a name typed (found in the directory
/// by its folded name, else created).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActorRef {
    Id(String),
    Name(String),
}

impl ActorRef {
    /// A line of the form's list: `#id` names an entry by id, anything else by name.
    pub fn parse_line(line: &str) -> Option<ActorRef> {
        let line = line.trim();
        if line.is_empty() {
            return None;
        }
        Some(match line.strip_prefix('#') {
            Some(id) => ActorRef::Id(id.trim().to_owned()),
            None => ActorRef::Name(line.split_whitespace().collect::<Vec<_>>().join(" ")),
        })
    }
}

/// What a person types to log an entry, as the form sends it (every value text).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryForm {
    /// An [`ActivityKind`] key.
    pub kind: String,
    /// An [`AnimationKind`] key (for a meeting); empty for none.
    pub animation: String,
    /// An [`ActivityEventKind`] key (for an event); empty for none.
    pub event: String,
    /// `AAAA-MM-JJ` or `JJ/MM/AAAA`.
    pub date: String,
    /// Minutes ("90"), or hours and minutes ("1h30", "2h").
    pub duration: String,
    /// A [`TerritoryLevel`] key.
    pub level: String,
    /// The territory's code or name at that level.
    pub territory: String,
    pub actors: Vec<ActorRef>,
    /// The [`StakeholderKind`] of the actors created on the fly.
    pub new_actor_kind: String,
    /// An anonymous headcount; empty for none.
    pub headcount: String,
    /// Comma-separated.
    pub themes: String,
    pub tags: String,
    pub projects: String,
    pub events: String,
    pub notes: String,
    /// For a partnership: a [`PartnershipStatus`] key, its nature, its dates and amount (euros).
    pub partnership_status: String,
    pub partnership_nature: String,
    pub partnership_start: String,
    pub partnership_end: String,
    pub amount: String,
}

impl EntryForm {
    /// The form filled with an entry, to correct it (actors by id).
    pub fn of(entry: &ActivityEntry) -> EntryForm {
        let partnership = entry.partnership.as_ref();
        let date = |day: Option<NaiveDate>| day.map(|day| day.to_string()).unwrap_or_default();
        EntryForm {
            kind: entry.kind.as_str().to_owned(),
            animation: entry.animation.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            event: entry.event.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            date: entry.date.to_string(),
            duration: entry.duration_minutes.to_string(),
            level: entry.level.as_str().to_owned(),
            territory: entry.territory.clone(),
            actors: entry.actors.iter().map(|id| ActorRef::Id(id.clone())).collect(),
            new_actor_kind: StakeholderKind::Autre.as_str().to_owned(),
            headcount: entry.headcount.to_string(),
            themes: entry.themes.join(", "),
            tags: entry.tags.join(", "),
            projects: entry.projects.join(", "),
            events: entry.events.join(", "),
            notes: entry.notes.clone(),
            partnership_status: partnership.map(|p| p.status.as_str().to_owned()).unwrap_or_default(),
            partnership_nature: partnership.map(|p| p.nature.clone()).unwrap_or_default(),
            partnership_start: date(partnership.and_then(|p| p.start)),
            partnership_end: date(partnership.and_then(|p| p.end)),
            amount: partnership
                .and_then(|p| p.amount_cents)
                .map(|cents| format!("{},{:02}", cents / 100, cents % 100))
                .unwrap_or_default(),
        }
    }
}

/// Which entries to list (every field optional).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub departement: Option<String>,
    pub kind: Option<ActivityKind>,
    /// Entries written by this account.
    pub author: Option<String>,
}

/// Reads a day as people and date inputs write it.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y")).ok()
}

/// Minutes from "90", "1h30", "2h", "1,5h".
fn parse_duration(text: &str) -> Option<u32> {
    let text = text.trim().to_lowercase().replace(' ', "");
    if let Ok(minutes) = text.parse::<u32>() {
        return Some(minutes);
    }
    let (hours, minutes) = text.split_once('h')?;
    let hours: f64 = hours.replace(',', ".").parse().ok()?;
    let minutes: u32 = if minutes.is_empty() { 0 } else { minutes.trim_end_matches("min").parse().ok()? };
    if !(0.0..=f64::from(MAX_MINUTES)).contains(&hours) {
        return None;
    }
    Some((hours * 60.0).round() as u32 + minutes)
}

fn list(text: &str, field: &str, errors: &mut Vec<FieldError>) -> Vec<String> {
    let items: Vec<String> = text
        .split([',', ';', '\n'])
        .map(|item| item.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|item| !item.is_empty())
        .collect();
    if items.iter().any(|item| item.chars().count() > MAX_SHORT) {
        errors.push(FieldError::new(field, format!("{MAX_SHORT} caractères au plus par élément")));
    }
    let mut unique = Vec::new();
    for item in items {
        if !unique.contains(&item) {
            unique.push(item);
        }
    }
    unique
}

/// Where a territory lies: its code as kept, its département, bassin and région.
struct Place {
    code: String,
    departement: Option<String>,
    bassin: Option<String>,
    region: Option<String>,
}

fn region_of(territory: &Territory, departement: &str) -> Option<String> {
    territory.departement(departement).map(|d| d.code_region.clone())
}

fn locate(ctx: &Context<'_>, level: TerritoryLevel, text: &str) -> Result<Place, String> {
    let text = text.trim();
    if level == TerritoryLevel::National {
        return Ok(Place { code: String::new(), departement: None, bassin: None, region: None });
    }
    if text.is_empty() {
        return Err("obligatoire (un code ou un nom)".to_owned());
    }
    let locator = ctx.locator().map_err(|err| err.to_string())?;
    let territory = &locator.territory;
    match level {
        TerritoryLevel::Commune => {
            let commune = actors::find_commune(territory, text)?;
            Ok(Place {
                code: commune.code_insee.clone(),
                departement: Some(commune.code_departement.clone()),
                bassin: locator.bassins.bassin_of(&commune.code_insee).map(str::to_owned),
                region: Some(commune.code_region.clone()),
            })
        }
        TerritoryLevel::Epci => {
            let epci = territory
                .epci(text)
                .or_else(|| territory.find_epci_by_name(text, None))
                .ok_or_else(|| format!("intercommunalité inconnue : « {text} » (SIREN ou nom)"))?;
            let departement = epci.departements.first().cloned();
            let region = departement.as_deref().and_then(|d| region_of(territory, d));
            let bassin = territory
                .epci_members(&epci.siren)
                .next()
                .and_then(|commune| locator.bassins.bassin_of(&commune.code_insee))
                .map(str::to_owned);
            Ok(Place { code: epci.siren.clone(), departement, bassin, region })
        }
        TerritoryLevel::Bassin => {
            let folded = fold(text);
            let (name, departement) = locator
                .bassins
                .bassins()
                .iter()
                .find(|(name, _)| fold(name) == folded)
                .ok_or_else(|| format!("bassin de vie inconnu du hub : « {text} »"))?;
            Ok(Place {
                code: name.clone(),
                departement: Some(departement.clone()),
                bassin: Some(name.clone()),
                region: region_of(territory, departement),
            })
        }
        TerritoryLevel::Departement => {
            let folded = fold(text);
            let departement = territory
                .departement(&text.to_uppercase())
                .or_else(|| territory.departements().iter().find(|d| fold(&d.name) == folded))
                .ok_or_else(|| format!("département inconnu : « {text} » (code ou nom)"))?;
            Ok(Place {
                code: departement.code.clone(),
                departement: Some(departement.code.clone()),
                bassin: None,
                region: Some(departement.code_region.clone()),
            })
        }
        TerritoryLevel::Region => {
            let folded = fold(text);
            let region = territory
                .region(text)
                .or_else(|| territory.regions().iter().find(|r| fold(&r.name) == folded))
                .ok_or_else(|| format!("région inconnue : « {text} » (code ou nom)"))?;
            Ok(Place { code: region.code.clone(), departement: None, bassin: None, region: Some(region.code.clone()) })
        }
        TerritoryLevel::National => unreachable!("answered above"),
    }
}

/// The store's enums kept by key, as a form names them.
trait Keyed: Copy + 'static {
    const ALL: &'static [Self];
    fn parse(text: &str) -> Option<Self>;
    fn key(self) -> &'static str;
}

macro_rules! keyed_forms {
    ($($name:ident),+) => {
        $(impl Keyed for $name {
            const ALL: &'static [Self] = $name::ALL;
            fn parse(text: &str) -> Option<Self> {
                $name::parse(text)
            }
            fn key(self) -> &'static str {
                self.as_str()
            }
        })+
    };
}

keyed_forms!(ActivityKind, AnimationKind, ActivityEventKind, TerritoryLevel, PartnershipStatus);

fn keyed<T: Keyed>(text: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    let found = T::parse(text.trim());
    if found.is_none() {
        let known: Vec<&str> = T::ALL.iter().map(|value| value.key()).collect();
        errors.push(FieldError::new(
            field,
            format!("« {} » inconnu : choisissez parmi {}", text.trim(), known.join(", ")),
        ));
    }
    found
}

fn optional_keyed<T: Keyed>(text: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    if text.trim().is_empty() {
        return None;
    }
    keyed(text, field, errors)
}

/// An actor to create before the entry is written.
struct NewActor {
    index: usize,
    name: String,
}

/// A form checked: the entry (its actors' ids where known) and the actors to create.
struct Checked {
    entry: ActivityEntry,
    new_actors: Vec<NewActor>,
    new_kind: StakeholderKind,
}

/// The amount in cents from "1 500", "1500,50", "1500.5 €".
fn parse_amount(text: &str) -> Option<i64> {
    let cleaned: String =
        text.chars().filter(|c| !c.is_whitespace() && *c != '€' && *c != '\u{a0}' && *c != '\u{202f}').collect();
    let cleaned = cleaned.replace(',', ".");
    let (units, cents) = match cleaned.split_once('.') {
        Some((units, cents)) if cents.len() <= 2 => (units, format!("{cents:0<2}")),
        Some(_) => return None,
        None => (cleaned.as_str(), "00".to_owned()),
    };
    let units: i64 = units.parse().ok()?;
    let cents: i64 = cents.parse().ok()?;
    (units >= 0).then(|| units.checked_mul(100)?.checked_add(cents)).flatten()
}

fn check_form(
    ctx: &Context<'_>,
    actor: &Actor,
    form: &EntryForm,
    directory: &[Stakeholder],
    at: DateTime<Utc>,
) -> AppResult<Checked> {
    let mut errors = Vec::new();
    let kind: Option<ActivityKind> = keyed(&form.kind, "type", &mut errors);
    let animation: Option<AnimationKind> = optional_keyed(&form.animation, "type de réunion", &mut errors);
    let event: Option<ActivityEventKind> = optional_keyed(&form.event, "type d'événement", &mut errors);
    let date = parse_day(&form.date);
    if date.is_none() {
        errors.push(FieldError::new(
            "date",
            format!("date attendue au format AAAA-MM-JJ ou JJ/MM/AAAA (« {} »)", form.date.trim()),
        ));
    }
    let duration = if form.duration.trim().is_empty() { Some(0) } else { parse_duration(&form.duration) };
    let duration = match duration {
        Some(minutes) if minutes <= MAX_MINUTES => Some(minutes),
        Some(_) => {
            errors.push(FieldError::new("durée", format!("{} heures au plus", MAX_MINUTES / 60)));
            None
        }
        None => {
            errors.push(FieldError::new(
                "durée",
                format!("durée en minutes (« 90 ») ou en heures (« 1h30 ») attendue (« {} »)", form.duration.trim()),
            ));
            None
        }
    };
    let level: Option<TerritoryLevel> = keyed(&form.level, "échelon", &mut errors);
    let place = match level {
        Some(level) => match locate(ctx, level, &form.territory) {
            Ok(place) => Some(place),
            Err(message) => {
                errors.push(FieldError::new("territoire", message));
                None
            }
        },
        None => None,
    };
    let headcount = match form.headcount.trim() {
        "" => Some(0),
        text => match text.parse::<i64>() {
            Ok(count) if count < 0 => {
                errors.push(FieldError::new(
                    "personnes non nommées",
                    format!("un nombre positif ou nul est attendu (« {text} »)"),
                ));
                None
            }
            Ok(count) => match u32::try_from(count) {
                Ok(count) if count <= 1_000_000 => Some(count),
                _ => {
                    errors.push(FieldError::new("personnes non nommées", "1 000 000 au plus"));
                    None
                }
            },
            Err(_) => {
                errors.push(FieldError::new(
                    "personnes non nommées",
                    format!("un nombre entier est attendu (« {text} »)"),
                ));
                None
            }
        },
    };
    let themes = list(&form.themes, "thèmes", &mut errors);
    let tags = list(&form.tags, "étiquettes", &mut errors);
    let projects = list(&form.projects, "projets liés", &mut errors);
    let events = list(&form.events, "événements liés", &mut errors);
    let notes = form.notes.trim().replace('\0', "");
    if notes.chars().count() > MAX_NOTES {
        errors.push(FieldError::new("notes", format!("{MAX_NOTES} caractères au plus")));
    }
    let new_kind = if form.new_actor_kind.trim().is_empty() {
        StakeholderKind::Autre
    } else {
        match StakeholderKind::parse(form.new_actor_kind.trim()) {
            Some(StakeholderKind::Lieu) | None => {
                errors.push(FieldError::new(
                    "type des nouveaux acteurs",
                    format!(
                        "« {} » : un type de l'annuaire autre que « lieu » est attendu",
                        form.new_actor_kind.trim()
                    ),
                ));
                StakeholderKind::Autre
            }
            Some(kind) => kind,
        }
    };

    // Actors: ids must be known (a merged one stands for the one kept); names are found by
    // their folded name, preferring the entry's département, else created.
    let by_id: HashMap<&str, &Stakeholder> = directory.iter().map(|s| (s.id.as_str(), s)).collect();
    let departement = place.as_ref().and_then(|p| p.departement.clone());
    let mut ids: Vec<String> = Vec::new();
    let mut new_actors: Vec<NewActor> = Vec::new();
    if form.actors.len() > MAX_ACTORS {
        errors.push(FieldError::new("acteurs", format!("{MAX_ACTORS} acteurs au plus par entrée")));
    }
    for reference in form.actors.iter().take(MAX_ACTORS) {
        match reference {
            ActorRef::Id(id) => match by_id.get(id.as_str()) {
                Some(found) => {
                    let canonical = found.canonical_id().to_owned();
                    if !ids.contains(&canonical) {
                        ids.push(canonical);
                    }
                }
                None => errors.push(FieldError::new("acteurs", format!("acteur inconnu dans l'annuaire (« {id} »)"))),
            },
            ActorRef::Name(name) => {
                if name.chars().count() > 200 {
                    errors.push(FieldError::new("acteurs", "200 caractères au plus par nom d'acteur"));
                    continue;
                }
                let folded = fold(name);
                let mut matches: Vec<&Stakeholder> =
                    directory.iter().filter(|s| s.merged_into.is_none() && fold(&s.name) == folded).collect();
                matches.sort_by_key(|s| (s.departement != departement, s.id.clone()));
                match matches.first() {
                    Some(found) => {
                        if !ids.contains(&found.id) {
                            ids.push(found.id.clone());
                        }
                    }
                    None => {
                        if !new_actors.iter().any(|new| fold(&new.name) == folded) {
                            new_actors.push(NewActor { index: ids.len(), name: name.clone() });
                            ids.push(String::new());
                        }
                    }
                }
            }
        }
    }

    let partnership = match kind {
        Some(ActivityKind::Partenariat) => {
            let status = if form.partnership_status.trim().is_empty() {
                Some(PartnershipStatus::EnDiscussion)
            } else {
                keyed(&form.partnership_status, "statut du partenariat", &mut errors)
            };
            let mut day = |text: &str, field: &str| {
                if text.trim().is_empty() {
                    return None;
                }
                let day = parse_day(text);
                if day.is_none() {
                    errors.push(FieldError::new(
                        field,
                        format!("date attendue au format AAAA-MM-JJ (« {} »)", text.trim()),
                    ));
                }
                day
            };
            let start = day(&form.partnership_start, "début du partenariat");
            let end = day(&form.partnership_end, "fin du partenariat");
            if let (Some(start), Some(end)) = (start, end) {
                if end < start {
                    errors.push(FieldError::new(
                        "fin du partenariat",
                        format!("la fin ({}) précède le début ({})", french_day(end), french_day(start)),
                    ));
                }
            }
            let amount = if form.amount.trim().is_empty() {
                None
            } else {
                let parsed = parse_amount(&form.amount);
                if parsed.is_none() {
                    errors.push(FieldError::new(
                        "montant",
                        format!("un montant positif en euros est attendu (« {} »)", form.amount.trim()),
                    ));
                }
                parsed
            };
            let nature = form.partnership_nature.split_whitespace().collect::<Vec<_>>().join(" ");
            if nature.chars().count() > MAX_SHORT {
                errors.push(FieldError::new("nature du partenariat", format!("{MAX_SHORT} caractères au plus")));
            }
            status.map(|status| Partnership { status, nature, start, end, partners: Vec::new(), amount_cents: amount })
        }
        _ => None,
    };

    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let (Some(kind), Some(date), Some(duration), Some(level), Some(place), Some(headcount)) =
        (kind, date, duration, level, place, headcount)
    else {
        unreachable!("every missing value pushed an error");
    };
    let entry = ActivityEntry {
        id: new_id(),
        kind,
        animation: animation.filter(|_| kind == ActivityKind::Animation),
        event: event.filter(|_| kind == ActivityKind::Evenement),
        date,
        duration_minutes: duration,
        level,
        territory: place.code,
        departement: place.departement,
        bassin: place.bassin,
        region: place.region,
        author: actor.id().map(str::to_owned),
        actors: ids,
        headcount,
        themes,
        tags,
        projects,
        events,
        notes,
        notable: None,
        partnership,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    Ok(Checked { entry, new_actors, new_kind })
}

/// A day as the French write it ("14/03/2022").
pub fn french_day(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// Creates the actors named for the first time, in the entry's département, and puts their
/// ids in the entry.
fn create_actors(ctx: &Context<'_>, actor: &Actor, checked: &mut Checked, at: DateTime<Utc>) -> AppResult<()> {
    for new in &checked.new_actors {
        let form = StakeholderForm {
            name: new.name.clone(),
            kind: checked.new_kind.as_str().to_owned(),
            commune: String::new(),
            departement: checked.entry.departement.clone().unwrap_or_default(),
            contact: String::new(),
        };
        let created = actors::create(ctx, actor, &form, at).map_err(|err| match err {
            AppError::Invalid(errors) => AppError::Invalid(
                errors
                    .into_iter()
                    .map(|e| FieldError::new("acteurs", format!("« {} » : {} : {}", new.name, e.field, e.message)))
                    .collect(),
            ),
            other => other,
        })?;
        checked.entry.actors[new.index] = created.id;
    }
    // A partnership's partners are the actors it names.
    if let Some(partnership) = &mut checked.entry.partnership {
        partnership.partners = checked.entry.actors.clone();
    }
    Ok(())
}

/// Whether the actor may see and change this entry: its author, a coordinator whose
/// territory holds it, an administrator.
fn allowed(ctx: &Context<'_>, actor: &Actor, entry: &ActivityEntry) -> bool {
    if !actor.may(ctx, Permission::Team) {
        return false;
    }
    if matches!(actor, Actor::System(_)) || actor.user().is_some_and(|u| u.role == maillage_store::Role::Administrateur)
    {
        return true;
    }
    let own = actor.id().is_some_and(|id| entry.author.as_deref() == Some(id));
    let covered = entry.departement.as_deref().is_some_and(|code| actor.covers_departement(ctx, code))
        || entry.bassin.as_ref().is_some_and(|bassin| {
            matches!(actor.user().map(|u| &u.role), Some(maillage_store::Role::Coordinateur { bassins, .. }) if bassins.contains(bassin))
        });
    own || covered
}

/// [`allowed`] as a refusal: the pages ask it to offer the buttons, every use case that
/// reads or changes an entry asks it again.
pub fn check_change(ctx: &Context<'_>, actor: &Actor, entry: &ActivityEntry) -> AppResult<()> {
    actor.require(ctx, Permission::Team)?;
    if allowed(ctx, actor, entry) {
        return Ok(());
    }
    Err(AppError::Forbidden("Action refusée : cette entrée n'est ni la vôtre ni dans votre territoire.".to_owned()))
}

fn audit(ctx: &Context<'_>, actor: &Actor, action: &str, entry: &ActivityEntry, at: DateTime<Utc>) -> AppResult<()> {
    let place = entry.departement.as_deref().map(|d| format!(", {d}")).unwrap_or_default();
    let detail = format!("{} du {}{place}", entry.kind.label(), french_day(entry.date));
    ctx.audit(actor.id(), action, Some(format!("activite:{}", entry.id)), detail, at)
}

/// Logs an entry: checked field by field, the actors named for the first time created, then
/// the entry written. Any refused field writes nothing.
pub fn record(ctx: &Context<'_>, actor: &Actor, form: &EntryForm, at: DateTime<Utc>) -> AppResult<ActivityEntry> {
    actor.require(ctx, Permission::Team)?;
    let directory = ctx.store.stakeholders()?;
    let mut checked = check_form(ctx, actor, form, &directory, at)?;
    create_actors(ctx, actor, &mut checked, at)?;
    ctx.store.add_activity(&checked.entry)?;
    audit(ctx, actor, "activite_ajoutee", &checked.entry, at)?;
    Ok(checked.entry)
}

/// One entry, for those who may see it.
pub fn entry(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<ActivityEntry> {
    actor.require(ctx, Permission::Team)?;
    let entry = ctx
        .store
        .activity(id)?
        .ok_or_else(|| maillage_store::StoreError::NotFound(format!("entrée d'activité {id}")))?;
    check_change(ctx, actor, &entry)?;
    Ok(entry)
}

/// Corrects an entry read at `version`: its author, its flag and creation are kept.
pub fn update(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    version: u32,
    form: &EntryForm,
    at: DateTime<Utc>,
) -> AppResult<ActivityEntry> {
    let stored = entry(ctx, actor, id)?;
    if stored.version != version {
        return Err(maillage_store::stale_activity_error(id).into());
    }
    let directory = ctx.store.stakeholders()?;
    let mut checked = check_form(ctx, actor, form, &directory, at)?;
    create_actors(ctx, actor, &mut checked, at)?;
    let entry = ActivityEntry {
        id: stored.id.clone(),
        author: stored.author.clone(),
        notable: stored.notable.clone(),
        created_at: stored.created_at,
        version: stored.version + 1,
        ..checked.entry
    };
    ctx.store.update_activity(&entry)?;
    audit(ctx, actor, "activite_modifiee", &entry, at)?;
    Ok(entry)
}

/// Deletes an entry read at `version`.
pub fn delete(ctx: &Context<'_>, actor: &Actor, id: &str, version: u32, at: DateTime<Utc>) -> AppResult<()> {
    let stored = entry(ctx, actor, id)?;
    ctx.store.delete_activity(id, version)?;
    audit(ctx, actor, "activite_supprimee", &stored, at)
}

/// Flags an entry as a notable action of the bilan with its short text, or takes the flag
/// off (`None` or an empty text).
pub fn flag(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    version: u32,
    text: Option<&str>,
    at: DateTime<Utc>,
) -> AppResult<ActivityEntry> {
    let stored = entry(ctx, actor, id)?;
    let text = text.map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > MAX_SHORT) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "action notable",
            format!("{MAX_SHORT} caractères au plus"),
        )]));
    }
    let entry = ActivityEntry { notable: text, version: version + 1, updated_at: at, ..stored };
    ctx.store.update_activity(&entry)?;
    audit(ctx, actor, "activite_signalee", &entry, at)?;
    Ok(entry)
}

/// The entries the actor may see that the filter selects, newest first.
pub fn entries(ctx: &Context<'_>, actor: &Actor, filter: &LogFilter) -> AppResult<Vec<ActivityEntry>> {
    actor.require(ctx, Permission::Team)?;
    let query = ActivityQuery { from: filter.from, to: filter.to, departement: filter.departement.clone() };
    let mut found: Vec<ActivityEntry> = ctx
        .store
        .activities(&query)?
        .into_iter()
        .filter(|entry| filter.kind.is_none_or(|kind| entry.kind == kind))
        .filter(|entry| filter.author.as_ref().is_none_or(|author| entry.author.as_ref() == Some(author)))
        .filter(|entry| allowed(ctx, actor, entry))
        .collect();
    found.reverse();
    Ok(found)
}
