//! The agenda over any [`Backend`]: the statements it needs ([`AgendaTables`]) and
//! [`AgendaStore`] written once over them (seat assignment, the waiting list's promotions,
//! the sequence arithmetic of an edit).

use chrono::{DateTime, Utc};

use super::{Backend, OneRow, Refusal, Tables, WriteResult};
use crate::{
    capacity_below_error, check_event, event_not_found, registration_not_found, stale_event_error, AgendaStore,
    Approval, Event, EventQuery, EventStatus, EventVersion, Registration, RegistrationState, StoreError, StoreResult,
    ANONYMISED_NAME,
};

/// The statements of the agenda.
pub trait AgendaTables {
    fn insert_event(&mut self, event: &Event) -> WriteResult<()>;
    /// Rewrites an event if its stored sequence is `expected`; how many rows changed.
    fn update_event(&mut self, event: &Event, expected: u32) -> WriteResult<u64>;
    fn event(&mut self, id: &str) -> StoreResult<Option<Event>>;
    /// As [`AgendaTables::event`], keeping other writers off the event (and so off its
    /// registrations, which every write reaches through it) until the transaction ends.
    /// By default the plain read, which is enough where write transactions already exclude
    /// each other; a database that lets writers run side by side overrides it.
    fn lock_event(&mut self, id: &str) -> StoreResult<Option<Event>> {
        self.event(id)
    }
    /// Events overlapping the period, by first start then id.
    fn events(&mut self, query: &EventQuery) -> StoreResult<Vec<Event>>;
    /// The count of events plus the sum of their sequences.
    fn event_stamp(&mut self) -> StoreResult<u64>;
    /// Every event's id and sequence, by id.
    fn event_versions(&mut self) -> StoreResult<Vec<EventVersion>>;
    fn insert_registration(&mut self, registration: &Registration) -> WriteResult<()>;
    /// Rewrites a registration (every column but its id, event and arrival); rows changed.
    fn update_registration(&mut self, registration: &Registration) -> WriteResult<u64>;
    fn registration(&mut self, id: &str) -> StoreResult<Option<Registration>>;
    fn registration_by_token(&mut self, token_hash: &str) -> StoreResult<Option<Registration>>;
    /// An event's registrations by arrival.
    fn registrations(&mut self, event_id: &str) -> StoreResult<Vec<Registration>>;
    /// Every registration, by event then arrival (backups).
    fn all_registrations(&mut self) -> StoreResult<Vec<Registration>>;
}

fn seats_taken(registrations: &[Registration]) -> u32 {
    registrations.iter().filter(|r| r.takes_seats()).map(|r| r.seats).sum()
}

/// Whether a new (or newly approved) registration of `seats` takes a seat now: it fits, and
/// nobody waits before it.
fn takes_seat(event: &Event, registrations: &[Registration], seats: u32) -> bool {
    let Some(capacity) = event.capacity else { return true };
    let waiting = registrations.iter().any(|r| r.state == RegistrationState::Waiting);
    !waiting && seats_taken(registrations) + seats <= capacity
}

fn next_arrival(registrations: &[Registration]) -> u64 {
    registrations.iter().map(|r| r.arrival).max().unwrap_or(0) + 1
}

fn rewrite<T: Tables + ?Sized>(tables: &mut T, registration: &Registration) -> StoreResult<()> {
    tables.update_registration(registration).one_row(|| registration_not_found(&registration.id))
}

/// Gives freed seats to the waiting, in order of arrival, stopping at the first who does not
/// fit; returns those promoted.
fn promote<T: Tables + ?Sized>(tables: &mut T, event: &Event, at: DateTime<Utc>) -> StoreResult<Vec<Registration>> {
    let registrations = tables.registrations(&event.id)?;
    let mut taken = seats_taken(&registrations);
    let mut promoted = Vec::new();
    for waiting in registrations.into_iter().filter(|r| r.state == RegistrationState::Waiting) {
        if event.capacity.is_some_and(|capacity| taken + waiting.seats > capacity) {
            break;
        }
        taken += waiting.seats;
        let seated = Registration { state: RegistrationState::Registered, updated_at: at, ..waiting };
        rewrite(tables, &seated)?;
        promoted.push(seated);
    }
    Ok(promoted)
}

fn locked_event<T: Tables + ?Sized>(tables: &mut T, id: &str) -> StoreResult<Event> {
    tables.lock_event(id)?.ok_or_else(|| event_not_found(id))
}

pub(crate) fn insert_event<T: Tables + ?Sized>(tables: &mut T, event: &Event) -> StoreResult<()> {
    check_event(event)?;
    tables.insert_event(event).restoring()
}

pub(crate) fn insert_registration<T: Tables + ?Sized>(tables: &mut T, registration: &Registration) -> StoreResult<()> {
    tables.insert_registration(registration).restoring()
}

fn add_events<T: Tables + ?Sized>(tables: &mut T, events: &[Event]) -> StoreResult<()> {
    for event in events {
        check_event(event)?;
        if event.sequence != 0 {
            return Err(StoreError::Conflict(format!(
                "l'événement {} : un nouvel événement a la séquence 0",
                event.id
            )));
        }
        tables
            .insert_event(event)
            .refused_as(|| StoreError::Conflict(format!("l'événement {} existe déjà", event.id)))?;
    }
    Ok(())
}

fn update_event<T: Tables + ?Sized>(tables: &mut T, event: &Event) -> StoreResult<Vec<Registration>> {
    check_event(event)?;
    let stored = locked_event(tables, &event.id)?;
    if event.sequence != stored.sequence + 1 {
        return Err(stale_event_error(&event.id));
    }
    let registrations = tables.registrations(&event.id)?;
    let taken = seats_taken(&registrations);
    if event.capacity.is_some_and(|capacity| capacity < taken) {
        return Err(capacity_below_error(taken));
    }
    let new = Event { created_at: stored.created_at, created_by: stored.created_by.clone(), ..event.clone() };
    tables.update_event(&new, stored.sequence).one_row(|| stale_event_error(&event.id))?;
    if new.status == EventStatus::Annule {
        return Ok(Vec::new());
    }
    promote(tables, &new, new.updated_at)
}

fn register<T: Tables + ?Sized>(tables: &mut T, registration: &Registration) -> StoreResult<Registration> {
    let event = locked_event(tables, &registration.event_id)?;
    if event.status == EventStatus::Annule {
        return Err(StoreError::Conflict(format!("l'événement {} est annulé", event.id)));
    }
    if registration.seats == 0 || registration.seats > event.seats_per_person {
        return Err(StoreError::Conflict(format!(
            "l'événement {} accorde de 1 à {} place(s) par personne",
            event.id, event.seats_per_person
        )));
    }
    let registrations = tables.registrations(&event.id)?;
    let state = if event.approval {
        RegistrationState::PendingApproval
    } else if takes_seat(&event, &registrations, registration.seats) {
        RegistrationState::Registered
    } else {
        RegistrationState::Waiting
    };
    let stored = Registration { state, arrival: next_arrival(&registrations), ..registration.clone() };
    tables
        .insert_registration(&stored)
        .refused_as(|| StoreError::Conflict(format!("l'inscription {} existe déjà", stored.id)))?;
    Ok(stored)
}

fn add_walk_in<T: Tables + ?Sized>(tables: &mut T, registration: &Registration) -> StoreResult<Registration> {
    let event = locked_event(tables, &registration.event_id)?;
    let registrations = tables.registrations(&event.id)?;
    let stored = Registration {
        state: RegistrationState::Attended,
        walk_in: true,
        arrival: next_arrival(&registrations),
        ..registration.clone()
    };
    tables
        .insert_registration(&stored)
        .refused_as(|| StoreError::Conflict(format!("l'inscription {} existe déjà", stored.id)))?;
    Ok(stored)
}

/// The registration and its event, the event held.
fn held<T: Tables + ?Sized>(tables: &mut T, id: &str) -> StoreResult<(Event, Registration)> {
    let found = tables.registration(id)?.ok_or_else(|| registration_not_found(id))?;
    let event = locked_event(tables, &found.event_id)?;
    // Read again under the hold: another writer may have changed it before we held the event.
    let registration = tables.registration(id)?.ok_or_else(|| registration_not_found(id))?;
    Ok((event, registration))
}

fn cancel<T: Tables + ?Sized>(tables: &mut T, id: &str, at: DateTime<Utc>) -> StoreResult<Vec<Registration>> {
    let (event, registration) = held(tables, id)?;
    if registration.state == RegistrationState::Cancelled {
        return Err(StoreError::Conflict(format!("l'inscription {id} est déjà annulée")));
    }
    let cancelled = Registration { state: RegistrationState::Cancelled, updated_at: at, ..registration };
    rewrite(tables, &cancelled)?;
    let mut changed = vec![cancelled];
    if event.status != EventStatus::Annule {
        changed.extend(promote(tables, &event, at)?);
    }
    Ok(changed)
}

fn decide<T: Tables + ?Sized>(
    tables: &mut T,
    id: &str,
    approval: Approval,
    at: DateTime<Utc>,
) -> StoreResult<Registration> {
    let (event, registration) = held(tables, id)?;
    if registration.state != RegistrationState::PendingApproval {
        return Err(StoreError::Conflict(format!("l'inscription {id} n'attend pas de validation")));
    }
    let state = match approval {
        Approval::Refuse => RegistrationState::Cancelled,
        Approval::Approve => {
            let registrations = tables.registrations(&event.id)?;
            if takes_seat(&event, &registrations, registration.seats) {
                RegistrationState::Registered
            } else {
                RegistrationState::Waiting
            }
        }
    };
    let decided = Registration { state, updated_at: at, ..registration };
    rewrite(tables, &decided)?;
    Ok(decided)
}

fn attendance<T: Tables + ?Sized>(
    tables: &mut T,
    id: &str,
    attended: bool,
    at: DateTime<Utc>,
) -> StoreResult<Registration> {
    let (_, registration) = held(tables, id)?;
    let state = match (attended, registration.state) {
        (_, RegistrationState::Cancelled) => {
            return Err(StoreError::Conflict(format!("l'inscription {id} est annulée")));
        }
        (true, _) => RegistrationState::Attended,
        (false, RegistrationState::Attended) => RegistrationState::Registered,
        (false, state) => state,
    };
    let marked = Registration { state, updated_at: at, ..registration };
    rewrite(tables, &marked)?;
    Ok(marked)
}

fn mark_reminded<T: Tables + ?Sized>(tables: &mut T, ids: &[String], at: DateTime<Utc>) -> StoreResult<()> {
    for id in ids {
        let registration = tables.registration(id)?.ok_or_else(|| registration_not_found(id))?;
        rewrite(tables, &Registration { reminded_at: Some(at), ..registration })?;
    }
    Ok(())
}

fn anonymise<T: Tables + ?Sized>(tables: &mut T, event_id: &str, at: DateTime<Utc>) -> StoreResult<usize> {
    let event = locked_event(tables, event_id)?;
    let mut erased = 0;
    for registration in tables.registrations(&event.id)? {
        if registration.anonymised {
            continue;
        }
        let anonymous = Registration {
            name: ANONYMISED_NAME.to_owned(),
            email: None,
            role: None,
            answers: Vec::new(),
            cancel_token_hash: String::new(),
            anonymised: true,
            updated_at: at,
            ..registration
        };
        rewrite(tables, &anonymous)?;
        erased += 1;
    }
    Ok(erased)
}

impl<B: Backend> AgendaStore for B {
    fn event(&self, id: &str) -> StoreResult<Option<Event>> {
        self.read(|tables| tables.event(id))
    }

    fn events(&self, query: &EventQuery) -> StoreResult<Vec<Event>> {
        self.read(|tables| tables.events(query))
    }

    fn event_stamp(&self) -> StoreResult<u64> {
        self.read(|tables| tables.event_stamp())
    }

    fn event_versions(&self) -> StoreResult<Vec<EventVersion>> {
        self.read(|tables| tables.event_versions())
    }

    fn add_events(&self, events: &[Event]) -> StoreResult<()> {
        self.write(|tables| add_events(tables, events))
    }

    fn update_event(&self, event: &Event) -> StoreResult<Vec<Registration>> {
        self.write(|tables| update_event(tables, event))
    }

    fn update_events(&self, events: &[Event]) -> StoreResult<Vec<Registration>> {
        self.write(|tables| {
            let mut promoted = Vec::new();
            for event in events {
                promoted.extend(update_event(tables, event)?);
            }
            Ok(promoted)
        })
    }

    fn registration(&self, id: &str) -> StoreResult<Option<Registration>> {
        self.read(|tables| tables.registration(id))
    }

    fn registration_by_token(&self, token_hash: &str) -> StoreResult<Option<Registration>> {
        if token_hash.is_empty() {
            return Ok(None);
        }
        self.read(|tables| tables.registration_by_token(token_hash))
    }

    fn registrations(&self, event_id: &str) -> StoreResult<Vec<Registration>> {
        self.read(|tables| tables.registrations(event_id))
    }

    fn register(&self, registration: &Registration) -> StoreResult<Registration> {
        self.write(|tables| register(tables, registration))
    }

    fn cancel_registration(&self, id: &str, at: DateTime<Utc>) -> StoreResult<Vec<Registration>> {
        self.write(|tables| cancel(tables, id, at))
    }

    fn decide_registration(&self, id: &str, approval: Approval, at: DateTime<Utc>) -> StoreResult<Registration> {
        self.write(|tables| decide(tables, id, approval, at))
    }

    fn set_attendance(&self, id: &str, attended: bool, at: DateTime<Utc>) -> StoreResult<Registration> {
        self.write(|tables| attendance(tables, id, attended, at))
    }

    fn add_walk_in(&self, registration: &Registration) -> StoreResult<Registration> {
        self.write(|tables| add_walk_in(tables, registration))
    }

    fn mark_reminded(&self, ids: &[String], at: DateTime<Utc>) -> StoreResult<()> {
        self.write(|tables| mark_reminded(tables, ids, at))
    }

    fn anonymise_registrations(&self, event_id: &str, at: DateTime<Utc>) -> StoreResult<usize> {
        self.write(|tables| anonymise(tables, event_id, at))
    }
}
