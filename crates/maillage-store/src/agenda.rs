//! The agenda's half of the store contract: the hub's events ("temps forts") and the people
//! who register for them, with the seat assignment that must hold under concurrency.
//!
//! Seats are decided here, inside one write transaction that holds the event: a registration
//! takes a seat when the seats taken plus its own fit the capacity and nobody waits before it,
//! else it waits; freeing seats (a cancellation, a raised capacity) promotes the waiting in
//! order of arrival, stopping at the first who does not fit, so nobody is overtaken. Arrival
//! numbers are given by the store under the same hold, so they are the order the database
//! serialised the registrations in, without gaps or repeats.
//!
//! Registrants' names, e-mails, roles and answers are personal data: never public, never in
//! logs; [`AgendaStore::anonymise_registrations`] erases them a while after the event.

use chrono::{DateTime, Utc};
use maillage_domain::PlaceId;
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult};

/// What kind of event it is (the list, as the seeds' agendas name them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgendaKind {
    ReunionBassin,
    RencontreMediateurs,
    Comite,
    Carrefour,
    Atelier,
    Formation,
    Hackathon,
    Webinaire,
    GrandPublic,
    Autre,
}

impl AgendaKind {
    pub const ALL: [AgendaKind; 10] = [
        AgendaKind::ReunionBassin,
        AgendaKind::RencontreMediateurs,
        AgendaKind::Comite,
        AgendaKind::Carrefour,
        AgendaKind::Atelier,
        AgendaKind::Formation,
        AgendaKind::Hackathon,
        AgendaKind::Webinaire,
        AgendaKind::GrandPublic,
        AgendaKind::Autre,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgendaKind::ReunionBassin => "reunion_bassin",
            AgendaKind::RencontreMediateurs => "rencontre_mediateurs",
            AgendaKind::Comite => "comite",
            AgendaKind::Carrefour => "carrefour",
            AgendaKind::Atelier => "atelier",
            AgendaKind::Formation => "formation",
            AgendaKind::Hackathon => "hackathon",
            AgendaKind::Webinaire => "webinaire",
            AgendaKind::GrandPublic => "grand_public",
            AgendaKind::Autre => "autre",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        AgendaKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            AgendaKind::ReunionBassin => "Réunion de bassin",
            AgendaKind::RencontreMediateurs => "Rencontre départementale des médiateurs",
            AgendaKind::Comite => "Comité",
            AgendaKind::Carrefour => "Carrefour de l'inclusion",
            AgendaKind::Atelier => "Atelier",
            AgendaKind::Formation => "Formation",
            AgendaKind::Hackathon => "Hackathon",
            AgendaKind::Webinaire => "Webinaire",
            AgendaKind::GrandPublic => "Événement grand public",
            AgendaKind::Autre => "Autre",
        }
    }
}

/// The scale an event is held at; its territory code is of that level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventScale {
    /// A région (INSEE code, "24").
    Region,
    /// A département ("37").
    Departement,
    /// One of the hub's bassins de vie (its name).
    Bassin,
    /// An EPCI (SIREN).
    Epci,
    /// A commune (INSEE code).
    Commune,
}

impl EventScale {
    pub const ALL: [EventScale; 5] =
        [EventScale::Region, EventScale::Departement, EventScale::Bassin, EventScale::Epci, EventScale::Commune];

    pub fn as_str(self) -> &'static str {
        match self {
            EventScale::Region => "region",
            EventScale::Departement => "departement",
            EventScale::Bassin => "bassin",
            EventScale::Epci => "epci",
            EventScale::Commune => "commune",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        EventScale::ALL.into_iter().find(|scale| scale.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            EventScale::Region => "Région",
            EventScale::Departement => "Département",
            EventScale::Bassin => "Bassin de vie",
            EventScale::Epci => "EPCI",
            EventScale::Commune => "Commune",
        }
    }
}

/// Where an event stands, as the public sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Programme,
    Reporte,
    Complet,
    Annule,
}

impl EventStatus {
    pub const ALL: [EventStatus; 4] =
        [EventStatus::Programme, EventStatus::Reporte, EventStatus::Complet, EventStatus::Annule];

    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Programme => "programme",
            EventStatus::Reporte => "reporte",
            EventStatus::Complet => "complet",
            EventStatus::Annule => "annule",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        EventStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            EventStatus::Programme => "Programmé",
            EventStatus::Reporte => "Reporté",
            EventStatus::Complet => "Complet",
            EventStatus::Annule => "Annulé",
        }
    }
}

/// Whether an event is shown: a gestionnaire's proposal waits for the hub's team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Publication {
    Publie,
    Propose,
    Refuse,
}

impl Publication {
    pub fn as_str(self) -> &'static str {
        match self {
            Publication::Publie => "publie",
            Publication::Propose => "propose",
            Publication::Refuse => "refuse",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Publication::Publie, Publication::Propose, Publication::Refuse].into_iter().find(|p| p.as_str() == text)
    }
}

/// One sitting of an event, as UTC instants (shown in Europe/Paris).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSession {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A document linked from an event (programme, slides…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub label: String,
    pub url: String,
}

/// What the organisers write once the event is over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosingReport {
    pub notes: String,
    pub outcomes: String,
    pub closed_at: DateTime<Utc>,
    /// The account that closed it (none for the hub itself).
    pub closed_by: Option<String>,
}

/// An event of the agenda.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// A lower-case ULID: also the stable part of its iCalendar UID.
    pub id: String,
    pub title: String,
    /// Formatted text: paragraphs, `- ` lists, `**bold**` and links, rendered escaped.
    pub description: String,
    pub kind: AgendaKind,
    pub scale: EventScale,
    /// The territory's code at `scale` (INSEE, SIREN, or the bassin's name).
    pub territory: String,
    /// The département the territory lies in, for scopes and filters (`None` for a région).
    pub departement: Option<String>,
    /// The hub and partners, by name.
    pub organisers: Vec<String>,
    /// A place of the registry, or an address, or neither for an online event.
    pub place_id: Option<PlaceId>,
    pub address: Option<String>,
    pub online_url: Option<String>,
    /// At least one, sorted by start.
    pub sessions: Vec<EventSession>,
    pub publics: Vec<String>,
    pub contact: Option<String>,
    pub status: EventStatus,
    pub publication: Publication,
    /// Territorial projects (PNT) it belongs to, by id.
    pub projects: Vec<String>,
    pub attachments: Vec<Attachment>,
    /// Seats; `None` registers everybody (or nobody when `registration` is off).
    pub capacity: Option<u32>,
    /// Whether people register at all.
    pub registration: bool,
    pub deadline: Option<DateTime<Utc>>,
    /// Seats one registration may take (1 at least).
    pub seats_per_person: u32,
    /// Registrations wait for an organiser's approval before they take a seat.
    pub approval: bool,
    /// Questions asked on the registration form, answered in order.
    pub questions: Vec<String>,
    /// Events generated together as a recurring series share it.
    pub series_id: Option<String>,
    /// 0 when created, one more at each change (the iCalendar `SEQUENCE`); a write names the
    /// one it replaces.
    pub sequence: u32,
    pub report: Option<ClosingReport>,
    /// The account that created or proposed it.
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Event {
    /// The first session's start.
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.sessions.iter().map(|session| session.start).min().unwrap_or(self.created_at)
    }

    /// The last session's end.
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.sessions.iter().map(|session| session.end).max().unwrap_or(self.created_at)
    }

    pub fn is_public(&self) -> bool {
        self.publication == Publication::Publie
    }
}

/// Where a registration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    Registered,
    Waiting,
    PendingApproval,
    Cancelled,
    Attended,
}

impl RegistrationState {
    pub const ALL: [RegistrationState; 5] = [
        RegistrationState::Registered,
        RegistrationState::Waiting,
        RegistrationState::PendingApproval,
        RegistrationState::Cancelled,
        RegistrationState::Attended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationState::Registered => "registered",
            RegistrationState::Waiting => "waiting",
            RegistrationState::PendingApproval => "pending_approval",
            RegistrationState::Cancelled => "cancelled",
            RegistrationState::Attended => "attended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        RegistrationState::ALL.into_iter().find(|state| state.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            RegistrationState::Registered => "Inscrit·e",
            RegistrationState::Waiting => "Liste d'attente",
            RegistrationState::PendingApproval => "En attente de validation",
            RegistrationState::Cancelled => "Annulée",
            RegistrationState::Attended => "Présent·e",
        }
    }

    /// Whether it holds seats.
    pub fn holds_seats(self) -> bool {
        matches!(self, RegistrationState::Registered | RegistrationState::Attended)
    }
}

/// A person registered for an event (or come on the day: a walk-in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub id: String,
    pub event_id: String,
    pub name: String,
    /// `None` for a walk-in who gave none, and once anonymised.
    pub email: Option<String>,
    pub organisation: String,
    /// The registry place the organisation is, when chosen from the autocomplete.
    pub organisation_place: Option<PlaceId>,
    pub role: Option<String>,
    /// Answers to the event's questions, in order.
    pub answers: Vec<String>,
    pub seats: u32,
    pub state: RegistrationState,
    /// 1 for the first registration of the event, one more for each next one; given by the
    /// store.
    pub arrival: u64,
    /// SHA-256 of the cancel link's token (empty for walk-ins, who have no link).
    pub cancel_token_hash: String,
    pub walk_in: bool,
    pub reminded_at: Option<DateTime<Utc>>,
    pub anonymised: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Registration {
    /// Whether it counts against the capacity: seated or present, walk-ins excepted (they
    /// came on the day, whatever the seats).
    pub fn takes_seats(&self) -> bool {
        self.state.holds_seats() && !self.walk_in
    }
}

/// Which events to list: those overlapping a period (either bound open).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Events ending at or after this instant.
    pub ending_after: Option<DateTime<Utc>>,
    /// Events starting before this instant.
    pub starting_before: Option<DateTime<Utc>>,
}

/// An event's id and sequence, to tell which events changed without reading them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventVersion {
    pub id: String,
    pub sequence: u32,
}

/// What an approval decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Approval {
    Approve,
    Refuse,
}

/// The agenda in the store.
pub trait AgendaStore {
    fn event(&self, id: &str) -> StoreResult<Option<Event>>;
    /// Events overlapping the query's period, by first start then id.
    fn events(&self, query: &EventQuery) -> StoreResult<Vec<Event>>;
    /// A number that grows with every event added or changed: the count of events plus the
    /// sum of their sequences (events are never deleted, every change adds one to a
    /// sequence). Copies of the agenda kept in memory compare it on each request.
    fn event_stamp(&self) -> StoreResult<u64>;
    /// Every event's id and sequence, by id.
    fn event_versions(&self) -> StoreResult<Vec<EventVersion>>;
    /// New events (sequence 0), all or none (a recurring series is added in one write). An id
    /// already used is a [`StoreError::Conflict`].
    fn add_events(&self, events: &[Event]) -> StoreResult<()>;
    /// Replaces an event whose stored sequence is `event.sequence - 1` (else a conflict). A
    /// capacity below the seats already taken is a conflict; a raised one promotes the
    /// waiting, who are returned.
    fn update_event(&self, event: &Event) -> StoreResult<Vec<Registration>>;
    /// Replaces several events as [`AgendaStore::update_event`] does, all or none (a series
    /// corrected at once); returns every registration promoted.
    fn update_events(&self, events: &[Event]) -> StoreResult<Vec<Registration>>;
    fn registration(&self, id: &str) -> StoreResult<Option<Registration>>;
    fn registration_by_token(&self, token_hash: &str) -> StoreResult<Option<Registration>>;
    /// An event's registrations, by arrival.
    fn registrations(&self, event_id: &str) -> StoreResult<Vec<Registration>>;
    /// Records a registration: the store gives its arrival number and its state (pending
    /// approval when the event asks for it, else a seat if it fits and nobody waits, else
    /// the waiting list) and returns it as stored. An unknown event is not found; a cancelled
    /// one, or seats beyond the event's limit per person, a conflict.
    fn register(&self, registration: &Registration) -> StoreResult<Registration>;
    /// Cancels a registration; returns it cancelled, then those promoted to the seats it freed.
    fn cancel_registration(&self, id: &str, at: DateTime<Utc>) -> StoreResult<Vec<Registration>>;
    /// Decides a registration pending approval: approved, it takes a seat or waits as a new
    /// one would; refused, it is cancelled. Returns it as stored.
    fn decide_registration(&self, id: &str, approval: Approval, at: DateTime<Utc>) -> StoreResult<Registration>;
    /// Marks a registration present (any state but cancelled) or back to registered.
    fn set_attendance(&self, id: &str, attended: bool, at: DateTime<Utc>) -> StoreResult<Registration>;
    /// Records someone who came without registering, present, after every registration.
    fn add_walk_in(&self, registration: &Registration) -> StoreResult<Registration>;
    /// Notes that these registrations were sent their reminder.
    fn mark_reminded(&self, ids: &[String], at: DateTime<Utc>) -> StoreResult<()>;
    /// Erases the personal data of an event's registrations (name, e-mail, role, answers),
    /// keeping organisations and states for the counts; how many were erased now.
    fn anonymise_registrations(&self, event_id: &str, at: DateTime<Utc>) -> StoreResult<usize>;
}

/// The name an anonymised registrant keeps.
pub const ANONYMISED_NAME: &str = "Personne anonymisée";

/// Checks what an event must hold before anything is written.
pub fn check_event(event: &Event) -> StoreResult<()> {
    if event.title.trim().is_empty() {
        return Err(StoreError::Conflict(format!("l'événement {} n'a pas de titre", event.id)));
    }
    if event.sessions.is_empty() {
        return Err(StoreError::Conflict(format!("l'événement {} n'a pas de date", event.id)));
    }
    if event.sessions.iter().any(|session| session.end < session.start) {
        return Err(StoreError::Conflict(format!("l'événement {} finit avant de commencer", event.id)));
    }
    if event.seats_per_person == 0 {
        return Err(StoreError::Conflict(format!("l'événement {} n'accorde aucune place par personne", event.id)));
    }
    Ok(())
}

pub fn event_not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("événement {id}"))
}

pub fn registration_not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("inscription {id}"))
}

pub fn stale_event_error(id: &str) -> StoreError {
    StoreError::Conflict(format!("l'événement {id} a été modifié entre-temps"))
}

pub fn capacity_below_error(taken: u32) -> StoreError {
    StoreError::Conflict(format!("la capacité ne peut descendre sous les {taken} places déjà attribuées"))
}
