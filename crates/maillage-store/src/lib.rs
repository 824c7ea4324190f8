//! The store contract of Maillage: what any database behind the registry must do, as a
//! trait ([`Store`], with its accounts half [`AccountStore`], the actors directory's
//! [`StakeholderStore`] and the saved mappings' [`MappingStore`]), the contract test suite
//! ([`contract`], [`contract_accounts`], [`contract_actors`], [`contract_mappings`]) that every
//! backend runs unchanged, and the contract's
//! logic written once ([`backend`]): SQLite (the embedded default) and PostgreSQL implement
//! only [`backend::Backend`] and the statements of [`backend::Tables`], and get [`Store`] from it.
//!
//! Invariants every backend keeps: an import is one transaction (a failure or a crash in the
//! middle leaves the store as it was); every version of a place is kept (the current one in
//! the place itself, each earlier one copied unchanged into its history when it is replaced;
//! history is never rewritten); a place is never deleted, only withdrawn; writes carry the version
//! they expect, and a stale one is a [`StoreError::Conflict`], never a lost update.
//!
//! Boundary: depends on the domain only; knows nothing of files, HTTP or the CLI.

pub mod accounts;
pub mod activity;
pub mod actors;
pub mod agenda;
pub mod backend;
pub mod contract;
pub mod contract_accounts;
pub mod contract_activity;
pub mod contract_actors;
pub mod contract_agenda;
pub mod contract_mappings;
pub mod contract_monographs;
pub mod contract_pnt;
pub mod mappings;
pub mod monographs;
pub mod pnt;

pub use accounts::*;
pub use activity::*;
pub use actors::*;
pub use agenda::*;
pub use mappings::*;
pub use monographs::*;
pub use pnt::*;

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

/// New report ids, from the same generator as place ids so that id order is arrival order.
pub fn new_report_id() -> String {
    new_place_id().0
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

/// A problem about a place that someone reported from its public page ("signaler une
/// erreur"), kept for the hub's coordinators. It holds no personal data: what is wrong and
/// the reporter's own words, nothing about who they are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaceReport {
    /// A lower-case ULID: report-id order is arrival order.
    pub id: String,
    pub place_id: PlaceId,
    /// What is wrong, one of [`PlaceReport::CATEGORIES`] (its key).
    pub category: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

impl PlaceReport {
    /// The kinds of problem a person can report, as (key, French label).
    pub const CATEGORIES: &'static [(&'static str, &'static str)] = &[
        ("horaires", "Les horaires sont faux"),
        ("adresse", "L'adresse ou la position sur la carte est fausse"),
        ("contact", "Le téléphone, le courriel ou le site est faux"),
        ("services", "Les services proposés ne sont pas les bons"),
        ("ferme", "Le lieu a fermé ou n'accueille plus de public"),
        ("autre", "Autre chose"),
    ];
}

/// A place as duplicate decisions name it: its source and its id in that source, which
/// survive re-imports (a registry id would too, but a place withdrawn then re-created by a
/// hub that renumbered nothing keeps its key, and a key reads well in a review).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PlaceKey {
    pub source: String,
    pub source_id: String,
}

impl PlaceKey {
    pub fn of(place: &Place) -> Self {
        PlaceKey { source: place.source.clone(), source_id: place.source_id.clone() }
    }
}

impl std::fmt::Display for PlaceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.source, self.source_id)
    }
}

/// Where a pair of possible duplicates stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairStatus {
    /// In the review queue.
    Pending,
    /// A person said "not a duplicate": never queued again.
    Distinct,
    /// A person merged it.
    Merged,
    /// Merged by a scan, above the automatic threshold.
    AutoMerged,
}

impl PairStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PairStatus::Pending => "pending",
            PairStatus::Distinct => "distinct",
            PairStatus::Merged => "merged",
            PairStatus::AutoMerged => "auto_merged",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(PairStatus::Pending),
            "distinct" => Some(PairStatus::Distinct),
            "merged" => Some(PairStatus::Merged),
            "auto_merged" => Some(PairStatus::AutoMerged),
            _ => None,
        }
    }
    pub fn is_merged(self) -> bool {
        matches!(self, PairStatus::Merged | PairStatus::AutoMerged)
    }
}

/// Two places that may be one, with the score that found them and the decision taken.
/// Unique by `(a, b)`, with `a < b`: one decision per pair of places whatever the order
/// they were found in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DuplicatePair {
    /// Registry id of the pair (ULID, lower case), as the review queue shows it.
    pub id: String,
    pub a: PlaceKey,
    pub b: PlaceKey,
    pub score: f64,
    /// The score's components as the detector explains them (kept opaque here: the store
    /// knows nothing of scoring).
    pub components: serde_json::Value,
    pub status: PairStatus,
    /// The merge group the pair's merge went into.
    pub group_id: Option<String>,
    pub found_at: DateTime<Utc>,
    /// Who decided ("scan" for automatic merges), when the pair is decided.
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Places merged into one published place. Members are never modified by a merge: the
/// group only lists them, so undoing it gives every record back as it was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MergeGroup {
    /// Registry id of the group (ULID, lower case).
    pub id: String,
    /// At least two, sorted.
    pub members: Vec<PlaceKey>,
    /// The published record, as computed at the last decision or scan.
    pub record: PlaceRecord,
    /// Why the group exists, in French ("fusion automatique (score 0,97)").
    pub reason: String,
    pub decided_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One pair to write, with the status the writer read: `None` for a pair new to the store
/// (an existing one is a conflict), else the stored status must still be that one (another
/// decision in between is a conflict, never a lost decision).
#[derive(Clone, Debug, PartialEq)]
pub struct PairWrite {
    pub pair: DuplicatePair,
    pub expected: Option<PairStatus>,
}

/// The writes of one duplicate decision or scan, applied in one transaction: the removed
/// groups lose their members first (so a group absorbing another can take them), then groups
/// are written (created or replaced, members included), then pairs, then the removed groups
/// go (after the pairs that named them were written).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DuplicateChanges {
    pub groups: Vec<MergeGroup>,
    pub pairs: Vec<PairWrite>,
    pub removed_groups: Vec<String>,
}

impl DuplicateChanges {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.pairs.is_empty() && self.removed_groups.is_empty()
    }
}

/// The stored status of a pair did not match what its writer read.
pub fn stale_pair_error(pair: &DuplicatePair) -> StoreError {
    StoreError::Conflict(format!("la paire {} ({} / {}) a été modifiée entre-temps", pair.id, pair.a, pair.b))
}

/// A pair must name two different places in canonical order, and a group at least two
/// sorted, distinct members: checked before anything is written.
pub fn check_duplicates(changes: &DuplicateChanges) -> StoreResult<()> {
    for write in &changes.pairs {
        let pair = &write.pair;
        if pair.a >= pair.b {
            return Err(StoreError::Conflict(format!(
                "paire {} : les deux lieux doivent être différents et dans l'ordre ({} / {})",
                pair.id, pair.a, pair.b
            )));
        }
        if pair.score.is_nan() {
            return Err(StoreError::Backend(format!("paire {} : score non numérique (NaN)", pair.id)));
        }
    }
    for group in &changes.groups {
        if group.members.len() < 2 || group.members.windows(2).any(|w| w[0] >= w[1]) {
            return Err(StoreError::Conflict(format!(
                "groupe {} : au moins deux membres distincts, triés, sont attendus",
                group.id
            )));
        }
    }
    Ok(())
}

/// One item of a store's whole content, as [`Store::snapshot`] hands them out and
/// [`Store::restore`] takes them back. Order of a snapshot: batches (by id), places (by id),
/// superseded versions (by place then version), bassin members (by bassin, kind, code),
/// indicators (by name then level), then the later kinds in the order of the enum (merge
/// groups by id, duplicate pairs by id); a restore needs every place before its versions and
/// every group before the pairs merged into it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SnapshotItem {
    Batch(BatchSnapshot),
    Place(PlaceSnapshot),
    /// A superseded version (the current one is in its [`SnapshotItem::Place`]).
    PlaceVersion(PlaceVersion),
    BassinMember(BassinMember),
    Indicator(IndicatorSnapshot),
    /// A problem reported on a place (after every place, by report id).
    PlaceReport(PlaceReport),
    /// A merged place with its members (by group id).
    MergeGroup(MergeGroup),
    /// A pair of possible duplicates and its decision (by pair id, after every group).
    DuplicatePair(DuplicatePair),
    /// An account (by id), before its sessions, tokens and proposals.
    User(User),
    /// A signed-in browser, by token hash.
    Session(Session),
    /// A single-use token, by token hash.
    Token(OneTimeToken),
    /// A line of the audit log, by id.
    Audit(AuditEntry),
    /// Who wrote a place version by hand and why (by place, then version).
    VersionNote(VersionNote),
    /// An item of the moderation queue, by id.
    Proposal(Proposal),
    /// An update campaign with its places, by campaign id.
    Campaign(CampaignSnapshot),
    /// How a reported problem was closed, by report id (after the reports).
    ReportResolution(ReportResolution),
    /// A hub setting (branding), by key.
    Setting {
        key: String,
        value: String,
    },
    /// An entry of the actors directory: those not merged by id, then the merged ones by id
    /// (each points at one before it).
    Stakeholder(Stakeholder),
    /// A mapping saved by the hub, by name.
    Mapping(SavedMapping),
    /// A territory's projet numérique de territoire, by territory key.
    Pnt(Pnt),
    /// A territorial project with its earlier versions, by id.
    Project(ProjectSnapshot),
    /// A prioritisation vote with its voters, by id.
    Vote(VoteSnapshot),
    /// An event of the agenda, by id.
    Event(Event),
    /// A registration, by event then arrival (after every event).
    Registration(Registration),
    /// An entry of the activity log, by date then id.
    Activity(ActivityEntry),
    /// A past period's imported totals, by département, start, end.
    PastTotals(PastTotals),
    /// A bilan's written introduction, by scope, start, end.
    BilanIntroduction(BilanIntroduction),
    /// A saved version of a monograph's written section, by bassin, section, version.
    MonographText(MonographText),
    /// A published edition of a monograph, by bassin, number.
    MonographEdition(MonographEdition),
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
            SnapshotItem::MergeGroup(_) => "merge_group",
            SnapshotItem::DuplicatePair(_) => "duplicate_pair",
            SnapshotItem::PlaceReport(_) => "place_report",
            SnapshotItem::User(_) => "user",
            SnapshotItem::Session(_) => "session",
            SnapshotItem::Token(_) => "token",
            SnapshotItem::Audit(_) => "audit",
            SnapshotItem::VersionNote(_) => "version_note",
            SnapshotItem::Proposal(_) => "proposal",
            SnapshotItem::Campaign(_) => "campaign",
            SnapshotItem::ReportResolution(_) => "report_resolution",
            SnapshotItem::Setting { .. } => "setting",
            SnapshotItem::Stakeholder(_) => "stakeholder",
            SnapshotItem::Mapping(_) => "mapping",
            SnapshotItem::Pnt(_) => "pnt",
            SnapshotItem::Project(_) => "project",
            SnapshotItem::Vote(_) => "vote",
            SnapshotItem::Event(_) => "event",
            SnapshotItem::Registration(_) => "registration",
            SnapshotItem::Activity(_) => "activity",
            SnapshotItem::PastTotals(_) => "past_totals",
            SnapshotItem::BilanIntroduction(_) => "bilan_introduction",
            SnapshotItem::MonographText(_) => "monograph_text",
            SnapshotItem::MonographEdition(_) => "monograph_edition",
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
///
/// The accounts half of the contract is [`AccountStore`], the actors directory
/// [`StakeholderStore`], the saved mappings [`MappingStore`], each in its own module.
pub trait Store:
    AccountStore + StakeholderStore + MappingStore + PntStore + AgendaStore + ActivityStore + MonographStore + Send + Sync
{
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
    /// Records a problem reported on a place; an unknown place is [`StoreError::NotFound`]
    /// and nothing is written.
    fn add_place_report(&self, report: &PlaceReport) -> StoreResult<()>;
    /// Reported problems, oldest first: those of one place, or all of them.
    fn place_reports(&self, place: Option<&PlaceId>) -> StoreResult<Vec<PlaceReport>>;
    /// Every pair of possible duplicates ever found, ordered by id.
    fn duplicate_pairs(&self) -> StoreResult<Vec<DuplicatePair>>;
    /// Every merge group, ordered by id, members sorted.
    fn merge_groups(&self) -> StoreResult<Vec<MergeGroup>>;
    /// Writes duplicate decisions in one transaction (see [`DuplicateChanges`]); a stale or
    /// clashing write (a pair already there, a status changed since read, a place in two
    /// groups) is a [`StoreError::Conflict`] and nothing is written.
    fn save_duplicates(&self, changes: &DuplicateChanges) -> StoreResult<()>;
    /// The registry's data version: a number that grows with every committed write of
    /// places (an import, a person's edit, a decided proposal), bassins, indicators, duplicate
    /// decisions or a restore, and with nothing else (sign-ins, sessions and the audit log
    /// leave it alone). What is computed from the registry is cached under it: read it before
    /// the data, so that a write committed in between makes the cache older, never wrong.
    fn data_version(&self) -> StoreResult<u64>;
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
