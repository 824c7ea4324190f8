//! The store contract of Maillage: what any database behind the registry must do, as a
//! trait ([`Store`]) that SQLite (the embedded default) and PostgreSQL implement, and the
//! contract test suite ([`contract`]) that every backend runs unchanged.
//!
//! Invariants every backend keeps: an import is one transaction (a failure or a crash in the
//! middle leaves the store as it was); every version of a place is kept (the current one in
//! the place itself, each earlier one copied unchanged into its history when it is replaced;
//! history is never rewritten); a place is never deleted, only withdrawn; writes carry the version
//! they expect, and a stale one is a [`StoreError::Conflict`], never a lost update.
//!
//! Boundary: depends on the domain only; knows nothing of files, HTTP or the CLI.

pub mod contract;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use maillage_domain::{Place, PlaceId, PlaceRecord, PlaceStatus, Problem};
use serde::{Deserialize, Serialize};

/// Errors of the store layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else changed the record since it was read, or a write would break a
    /// uniqueness rule; the message says which.
    #[error("conflit : {0}")]
    Conflict(String),
    #[error("introuvable : {0}")]
    NotFound(String),
    /// The database itself failed (IO, corruption, connection). Details are for the logs.
    #[error("erreur de la base de données : {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// New registry ids: unique without coordination, and increasing within a process even in
/// the same millisecond, so that registry-id order is creation order.
pub fn new_place_id() -> PlaceId {
    static GENERATOR: std::sync::Mutex<Option<ulid::Generator>> = std::sync::Mutex::new(None);
    let mut guard = GENERATOR.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let generator = guard.get_or_insert_with(ulid::Generator::new);
    // The generator only fails when 2^80 ids are asked for within one millisecond.
    let id = generator.generate().unwrap_or_else(|_| ulid::Ulid::new());
    PlaceId(id.to_string().to_lowercase())
}

pub fn new_batch_id() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

/// What an import session needs to know about a place already in the store for its source.
#[derive(Clone, Debug, PartialEq)]
pub struct ExistingPlace {
    pub id: PlaceId,
    pub source_id: String,
    pub version: u32,
    pub status: PlaceStatus,
    pub content_hash: String,
}

/// Counts of an import, as reported to the user and kept with the batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub read: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub withdrawn: usize,
    /// Withdrawn places that came back in this file.
    pub restored: usize,
}

/// One problem of an import, with the row it came from (0 for the whole file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLine {
    pub row: usize,
    pub source_id: Option<String>,
    #[serde(flatten)]
    pub problem: Problem,
}

/// An import batch: one file imported into one source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportBatch {
    pub id: String,
    pub source: String,
    pub file_name: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub counts: ImportCounts,
}

/// Why a version of a place was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Created,
    Updated,
    Withdrawn,
    Restored,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
            ChangeKind::Withdrawn => "withdrawn",
            ChangeKind::Restored => "restored",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "created" => Some(ChangeKind::Created),
            "updated" => Some(ChangeKind::Updated),
            "withdrawn" => Some(ChangeKind::Withdrawn),
            "restored" => Some(ChangeKind::Restored),
            _ => None,
        }
    }
}

/// One version of a place in its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaceVersion {
    pub place_id: PlaceId,
    pub version: u32,
    pub recorded_at: DateTime<Utc>,
    pub batch_id: Option<String>,
    pub change: ChangeKind,
    pub status: PlaceStatus,
    pub record: PlaceRecord,
    pub extras: BTreeMap<String, String>,
}

/// Which places to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlaceQuery {
    pub source: Option<String>,
    /// `None` lists every status.
    pub status: Option<PlaceStatus>,
    /// Only places whose `updated_at` is at or after this instant (any status unless `status`
    /// says otherwise): how the in-memory directory catches up with the store.
    pub updated_since: Option<DateTime<Utc>>,
}

impl PlaceQuery {
    pub fn active() -> Self {
        PlaceQuery { source: None, status: Some(PlaceStatus::Active), updated_since: None }
    }
}

/// Counts of places per source and status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SourceStats {
    pub source: String,
    pub active: usize,
    pub withdrawn: usize,
}

/// Whether a bassin de vie member is a whole EPCI or a single commune (an EPCI split
/// between two bassins is listed commune by commune).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberKind {
    Epci,
    Commune,
}

impl MemberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::Epci => "epci",
            MemberKind::Commune => "commune",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "epci" => Some(MemberKind::Epci),
            "commune" => Some(MemberKind::Commune),
            _ => None,
        }
    }
}

/// One member of one of the hub's bassins de vie.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BassinMember {
    /// The bassin's name, unique within the hub ("Bourges").
    pub bassin: String,
    /// The département the bassin belongs to ("18").
    pub departement: String,
    pub kind: MemberKind,
    /// EPCI SIREN or commune INSEE code.
    pub code: String,
}

/// The territorial level an indicator's values are given at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorLevel {
    Commune,
    Epci,
}

impl IndicatorLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorLevel::Commune => "commune",
            IndicatorLevel::Epci => "epci",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "commune" => Some(IndicatorLevel::Commune),
            "epci" => Some(IndicatorLevel::Epci),
            _ => None,
        }
    }
}

/// An indicator a hub brought (the fragility index, or any CSV of values per territory).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorDefinition {
    /// Short name used on the command line and in the API ("ifn").
    pub name: String,
    pub level: IndicatorLevel,
    pub description: String,
    /// The file the values came from.
    pub source_file: String,
    pub imported_at: DateTime<Utc>,
}

/// One value of an indicator for one territory code (current COG code or EPCI SIREN).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorValue {
    pub code: String,
    pub value: f64,
}

/// A place's current row as a backup keeps it: the place with what the store keeps beside
/// it (the hash imports compare, how its current version came to be).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaceSnapshot {
    pub place: Place,
    pub content_hash: String,
    pub last_change: ChangeKind,
}

/// An import batch with its report lines, in row order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchSnapshot {
    pub batch: ImportBatch,
    pub report: Vec<ReportLine>,
}

/// An indicator with its values, ordered by code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorSnapshot {
    pub definition: IndicatorDefinition,
    pub values: Vec<IndicatorValue>,
}

/// One item of a store's whole content, as [`Store::snapshot`] hands them out and
/// [`Store::restore`] takes them back. Order of a snapshot: batches (by id), places (by id),
/// superseded versions (by place then version), bassin members (by bassin, kind, code),
/// indicators (by name then level); a restore needs every place before its versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SnapshotItem {
    Batch(BatchSnapshot),
    Place(PlaceSnapshot),
    /// A superseded version (the current one is in its [`SnapshotItem::Place`]).
    PlaceVersion(PlaceVersion),
    BassinMember(BassinMember),
    Indicator(IndicatorSnapshot),
}

impl SnapshotItem {
    /// The item's `type` tag, as written in backups.
    pub fn kind(&self) -> &'static str {
        match self {
            SnapshotItem::Batch(_) => "batch",
            SnapshotItem::Place(_) => "place",
            SnapshotItem::PlaceVersion(_) => "place_version",
            SnapshotItem::BassinMember(_) => "bassin_member",
            SnapshotItem::Indicator(_) => "indicator",
        }
    }
}

/// The refusal of a restore into a store that already holds data.
pub fn not_empty_error(backend: &str) -> StoreError {
    StoreError::Conflict(format!(
        "la base {backend} de destination n'est pas vide : une restauration ne se fait que dans une base neuve"
    ))
}

/// How a bassin member is named in messages.
pub fn member_label(kind: MemberKind, code: &str) -> String {
    match kind {
        MemberKind::Epci => format!("l'EPCI {code}"),
        MemberKind::Commune => format!("la commune {code}"),
    }
}

/// A commune or EPCI belongs to one bassin at most: a list that repeats one is refused
/// before anything is written, naming it (the primary key would only say that some row
/// clashed).
pub fn check_members(members: &[BassinMember]) -> StoreResult<()> {
    let mut seen: HashMap<(MemberKind, &str), &str> = HashMap::with_capacity(members.len());
    for member in members {
        if let Some(first) = seen.insert((member.kind, &member.code), &member.bassin) {
            let label = member_label(member.kind, &member.code);
            return Err(StoreError::Conflict(if first == member.bassin {
                format!("{label} (deux fois dans le bassin « {first} »)")
            } else {
                format!("{label} (bassins « {first} » et « {} »)", member.bassin)
            }));
        }
    }
    Ok(())
}

/// How an indicator is named in messages.
pub fn indicator_label(definition: &IndicatorDefinition) -> String {
    match definition.level {
        IndicatorLevel::Commune => format!("l'indicateur {} par commune", definition.name),
        IndicatorLevel::Epci => format!("l'indicateur {} par EPCI", definition.name),
    }
}

/// One value per code, and no NaN: SQLite would store NaN as NULL, and both backends
/// must accept the same indicators.
pub fn check_values(definition: &IndicatorDefinition, values: &[IndicatorValue]) -> StoreResult<()> {
    let mut seen = HashSet::with_capacity(values.len());
    for value in values {
        if value.value.is_nan() {
            return Err(StoreError::Backend(format!(
                "valeur non numérique (NaN) pour le code {} de {}",
                value.code,
                indicator_label(definition)
            )));
        }
        if !seen.insert(value.code.as_str()) {
            return Err(StoreError::Conflict(format!(
                "le code {} (deux valeurs dans {})",
                value.code,
                indicator_label(definition)
            )));
        }
    }
    Ok(())
}

/// The database behind the registry.
pub trait Store: Send + Sync {
    /// Opens an import of one source: one transaction, holding the source's import lock
    /// so two imports of the same source cannot interleave. Dropping the session without
    /// [`ImportSession::commit`] rolls everything back.
    fn begin_import(&self, batch: &ImportBatch) -> StoreResult<Box<dyn ImportSession + '_>>;
    fn place(&self, id: &PlaceId) -> StoreResult<Option<Place>>;
    fn place_by_source_id(&self, source: &str, source_id: &str) -> StoreResult<Option<Place>>;
    /// Places in registry-id order (creation order).
    fn places(&self, query: &PlaceQuery) -> StoreResult<Vec<Place>>;
    /// Hands each place of [`Store::places`] to `visit` in the same order, without holding
    /// them all in memory where the backend can stream them.
    fn visit_places(&self, query: &PlaceQuery, visit: &mut dyn FnMut(Place) -> StoreResult<()>) -> StoreResult<()> {
        for place in self.places(query)? {
            visit(place)?;
        }
        Ok(())
    }
    /// Every version of a place, oldest first.
    fn place_history(&self, id: &PlaceId) -> StoreResult<Vec<PlaceVersion>>;
    /// Import batches, newest first.
    fn batches(&self) -> StoreResult<Vec<ImportBatch>>;
    /// The problems reported by one batch, in row order.
    fn batch_report(&self, batch_id: &str) -> StoreResult<Vec<ReportLine>>;
    fn source_stats(&self) -> StoreResult<Vec<SourceStats>>;
    /// The hub's bassins de vie, ordered by bassin then kind then code.
    fn bassins(&self) -> StoreResult<Vec<BassinMember>>;
    /// Replaces the whole bassins configuration in one transaction.
    fn replace_bassins(&self, members: &[BassinMember]) -> StoreResult<()>;
    /// Indicators, ordered by name then level.
    fn indicators(&self) -> StoreResult<Vec<IndicatorDefinition>>;
    /// Creates or replaces an indicator (same name and level) with its values, in one
    /// transaction.
    fn replace_indicator(&self, definition: &IndicatorDefinition, values: &[IndicatorValue]) -> StoreResult<()>;
    /// The values of an indicator, ordered by code; empty when it does not exist.
    fn indicator_values(&self, name: &str, level: IndicatorLevel) -> StoreResult<Vec<IndicatorValue>>;
    /// A short name of the backend for messages ("sqlite", "postgresql").
    fn backend_name(&self) -> &'static str;
    /// Hands every row of the store to `visit`, in the order [`SnapshotItem`] names, all read
    /// in one read transaction so that a backup taken while imports run is consistent.
    /// `visit` must not call the store: the backend may hold its only connection.
    fn snapshot(&self, visit: &mut dyn FnMut(SnapshotItem) -> StoreResult<()>) -> StoreResult<()>;
    /// Writes `items` exactly as given (ids, versions, timestamps, hashes) into an empty
    /// store, in one transaction: an error from the iterator or the database rolls it all
    /// back. A store that holds anything is refused with a [`StoreError::Conflict`].
    fn restore(&self, items: &mut dyn Iterator<Item = StoreResult<SnapshotItem>>) -> StoreResult<()>;
}

/// The writes of one import, inside one transaction.
pub trait ImportSession {
    /// The source's places already in the store.
    fn existing(&mut self) -> StoreResult<Vec<ExistingPlace>>;
    fn load(&mut self, id: &PlaceId) -> StoreResult<Option<Place>>;
    /// Writes a new place (its first version).
    fn insert(&mut self, place: &Place, content_hash: &str) -> StoreResult<()>;
    /// Writes a new version of a place, keeping the replaced one in its history;
    /// `place.version` is the new version and must be exactly one more than the stored one,
    /// else nothing is written and the result is a conflict.
    fn update(&mut self, place: &Place, content_hash: &str, change: ChangeKind) -> StoreResult<()>;
    fn report(&mut self, lines: &[ReportLine]) -> StoreResult<()>;
    /// Records the batch with its final counts and commits everything.
    fn commit(self: Box<Self>, batch: &ImportBatch) -> StoreResult<()>;
}

/// The current time at the precision every backend keeps (microseconds), so that what is
/// written compares equal to what is read back.
pub fn now() -> DateTime<Utc> {
    use chrono::{DurationRound, TimeDelta};
    Utc::now().duration_trunc(TimeDelta::microseconds(1)).expect("microseconds always truncate")
}
