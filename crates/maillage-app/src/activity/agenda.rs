//! An agenda event reported into the activity log from its attendance: one entry per event,
//! of the kind matching the agenda's (a meeting, a comité, an event, a training), on its
//! date and territory, for its duration, naming the organisations present as actors of the
//! directory (found, else created) and counting the people who came for no organisation.
//!
//! The entry takes the event's id as its own: the store's key then refuses a second entry
//! for one event, even when two people report it at the same moment, so reporting again
//! only answers the entry already there. People present are never copied into the
//! directory by name (personal data): those without an organisation are a headcount.

use chrono::{DateTime, Utc};
use maillage_domain::text::fold;
use maillage_store::{
    ActivityEntry, ActivityEventKind, ActivityKind, AgendaKind, AnimationKind, Event, StakeholderKind, StoreError,
    TerritoryLevel,
};

use super::{audit, check_form, create_actors, ActorRef, EntryForm, MAX_MINUTES};
use crate::accounts::Actor;
use crate::agenda::{self, registration};
use crate::context::Context;
use crate::AppResult;

/// What reporting an event did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reported {
    /// The entry was written now.
    Created(ActivityEntry),
    /// The event had its entry already (nothing written).
    Already(ActivityEntry),
}

impl Reported {
    pub fn entry(&self) -> &ActivityEntry {
        match self {
            Reported::Created(entry) | Reported::Already(entry) => entry,
        }
    }
}

/// The log's kind for an agenda kind: meetings are animations with the Coop's sub-kind,
/// public gatherings events.
pub fn kind_of(kind: AgendaKind) -> (ActivityKind, Option<AnimationKind>, Option<ActivityEventKind>) {
    use ActivityKind as K;
    match kind {
        AgendaKind::ReunionBassin => (K::Animation, Some(AnimationKind::ReunionCoordination), None),
        AgendaKind::RencontreMediateurs => (K::Animation, Some(AnimationKind::Echange), None),
        AgendaKind::Atelier => (K::Animation, Some(AnimationKind::GroupeDeTravail), None),
        AgendaKind::Webinaire => (K::Animation, Some(AnimationKind::Webinaire), None),
        AgendaKind::Comite => (K::Comite, None, None),
        AgendaKind::Formation => (K::Formation, None, None),
        AgendaKind::GrandPublic => (K::Evenement, None, Some(ActivityEventKind::GrandPublic)),
        AgendaKind::Carrefour | AgendaKind::Hackathon => {
            (K::Evenement, None, Some(ActivityEventKind::InclusionNumerique))
        }
        AgendaKind::Autre => (K::Evenement, None, Some(ActivityEventKind::Autre)),
    }
}

/// The event's entry in the log, if it was reported (for those who manage the event).
pub fn event_entry(ctx: &Context<'_>, actor: &Actor, event_id: &str) -> AppResult<Option<ActivityEntry>> {
    let event = agenda::managed_event(ctx, actor, event_id)?;
    Ok(ctx.store.activity(&event.id)?)
}

/// The form the attendance fills: what a person would have typed for this event.
fn form_of(ctx: &Context<'_>, actor: &Actor, event: &Event) -> AppResult<EntryForm> {
    let (people, organisations) = registration::attendees(ctx, actor, &event.id)?;
    let directory = ctx.store.stakeholders()?;
    // An organisation that is a registry place is the directory's actor for that place.
    let actors = organisations
        .iter()
        .map(|name| {
            let place =
                people.iter().find(|p| fold(&p.organisation) == fold(name)).and_then(|p| p.organisation_place.as_ref());
            let known = place.and_then(|place| {
                directory.iter().find(|s| s.merged_into.is_none() && s.place_id.as_ref() == Some(place))
            });
            match known {
                Some(stakeholder) => ActorRef::Id(stakeholder.id.clone()),
                None => ActorRef::Name(name.split_whitespace().collect::<Vec<_>>().join(" ")),
            }
        })
        .collect();
    let unrepresented = people.iter().filter(|p| p.organisation.trim().is_empty()).count();
    let minutes: i64 = event.sessions.iter().map(|s| (s.end - s.start).num_minutes().max(0)).sum();
    let (kind, animation, event_kind) = kind_of(event.kind);
    let level = TerritoryLevel::parse(event.scale.as_str()).unwrap_or(TerritoryLevel::Departement);
    let first = event.sessions.first().map(|s| s.start).unwrap_or(event.created_at);
    Ok(EntryForm {
        kind: kind.as_str().to_owned(),
        animation: animation.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        event: event_kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        date: agenda::local_day(first).to_string(),
        duration: minutes.clamp(0, i64::from(MAX_MINUTES)).to_string(),
        level: level.as_str().to_owned(),
        territory: event.territory.clone(),
        actors,
        new_actor_kind: StakeholderKind::Autre.as_str().to_owned(),
        headcount: unrepresented.to_string(),
        projects: event.projects.join(", "),
        events: event.id.clone(),
        notes: format!("« {} » (agenda) : {} personne(s) présente(s).", event.title, people.len()),
        ..EntryForm::default()
    })
}

/// Reports a managed event into the log from its attendance, once: a second call writes
/// nothing and answers the entry already there.
pub fn from_event(ctx: &Context<'_>, actor: &Actor, event_id: &str, at: DateTime<Utc>) -> AppResult<Reported> {
    if let Some(entry) = event_entry(ctx, actor, event_id)? {
        return Ok(Reported::Already(entry));
    }
    let event = agenda::stored_event(ctx, event_id)?;
    let form = form_of(ctx, actor, &event)?;
    let directory = ctx.store.stakeholders()?;
    let mut checked = check_form(ctx, actor, &form, &directory, at)?;
    checked.entry.id = event.id.clone();
    create_actors(ctx, actor, &mut checked, at)?;
    match ctx.store.add_activity(&checked.entry) {
        Ok(()) => {}
        // Reported by someone else in the meantime: theirs stands.
        Err(StoreError::Conflict(message)) => {
            return match ctx.store.activity(&event.id)? {
                Some(entry) => Ok(Reported::Already(entry)),
                None => Err(StoreError::Conflict(message).into()),
            };
        }
        Err(err) => return Err(err.into()),
    }
    audit(ctx, actor, "activite_depuis_agenda", &checked.entry, at)?;
    Ok(Reported::Created(checked.entry))
}
