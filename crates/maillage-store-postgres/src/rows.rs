//! Row mapping of the PostgreSQL backend: how each stored type is read from a row, by column
//! name (the columns a query must select are listed beside each mapper), and how the values
//! the schema types differently from the domain are written.
//!
//! Timestamps are `timestamptz` (the driver converts); records, extras, counts, score
//! components and the account documents are `jsonb`; versions `integer`; enums their
//! `as_str` keys.

use maillage_domain::{Place, PlaceId, PlaceStatus, Problem, Severity};
use maillage_store::backend::GroupMember;
use maillage_store::*;
use postgres::types::{FromSql, Json, ToSql};
use postgres::Row;

use crate::backend;

/// A stored type read from the columns of one row.
pub(crate) trait FromRow: Sized {
    fn from_row(row: &Row) -> StoreResult<Self>;
}

/// Versions are `u32` in the domain and `integer` in the schema.
pub(crate) fn version_param(version: u32) -> StoreResult<i32> {
    i32::try_from(version).map_err(|_| StoreError::Backend(format!("numéro de version hors limites : {version}")))
}

/// A row's parameters, computed columns included, owned so that one list serves its insert
/// and, followed by the version it expects ([`then_expected`]), its update.
pub(crate) type Params<'a> = Vec<Box<dyn ToSql + Sync + 'a>>;

/// A row's parameters, then the version an update of the row expects (its last parameter).
pub(crate) fn then_expected(mut params: Params<'_>, expected: u32) -> StoreResult<Params<'_>> {
    params.push(Box::new(version_param(expected)?));
    Ok(params)
}

/// Parameters as a statement borrows them.
pub(crate) fn borrow<'a>(params: &'a Params<'_>) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|param| param.as_ref() as &(dyn ToSql + Sync)).collect()
}

pub(crate) fn severity_key(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

pub(crate) fn get<'a, T: FromSql<'a>>(row: &'a Row, column: &str) -> StoreResult<T> {
    row.try_get(column).map_err(backend)
}

pub(crate) fn version(row: &Row, column: &str) -> StoreResult<u32> {
    let value: i32 = get(row, column)?;
    u32::try_from(value).map_err(|_| StoreError::Backend(format!("numéro de version négatif en base : {value}")))
}

fn count(row: &Row, column: &str) -> StoreResult<usize> {
    let value: i64 = get(row, column)?;
    usize::try_from(value).map_err(|_| StoreError::Backend(format!("nombre négatif en base : {value}")))
}

fn document<T: serde::de::DeserializeOwned + std::fmt::Debug>(row: &Row, column: &str) -> StoreResult<T> {
    get::<Json<T>>(row, column).map(|json| json.0)
}

fn key<T>(row: &Row, column: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    let text: &str = get(row, column)?;
    parse(text).ok_or_else(|| StoreError::Backend(format!("valeur inconnue en base pour {column} : {text}")))
}

pub(crate) const PLACE_COLUMNS: &str =
    "id, source, source_id, batch_id, status, version, created_at, updated_at, record, extras";

impl FromRow for Place {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(Place {
            id: PlaceId(get(row, "id")?),
            source: get(row, "source")?,
            source_id: get(row, "source_id")?,
            batch_id: get(row, "batch_id")?,
            status: key(row, "status", PlaceStatus::parse)?,
            version: version(row, "version")?,
            created_at: get(row, "created_at")?,
            updated_at: get(row, "updated_at")?,
            record: document(row, "record")?,
            extras: document(row, "extras")?,
        })
    }
}

/// [`PLACE_COLUMNS`], then these.
pub(crate) const PLACE_ROW_COLUMNS: &str = "content_hash, last_change";

impl FromRow for PlaceSnapshot {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(PlaceSnapshot {
            place: Place::from_row(row)?,
            content_hash: get(row, "content_hash")?,
            last_change: key(row, "last_change", ChangeKind::parse)?,
        })
    }
}

pub(crate) const EXISTING_COLUMNS: &str = "id, source_id, version, status, content_hash";

impl FromRow for ExistingPlace {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(ExistingPlace {
            id: PlaceId(get(row, "id")?),
            source_id: get(row, "source_id")?,
            version: version(row, "version")?,
            status: key(row, "status", PlaceStatus::parse)?,
            content_hash: get(row, "content_hash")?,
        })
    }
}

pub(crate) const VERSION_COLUMNS: &str = "place_id, version, recorded_at, batch_id, change, status, record, extras";
/// A place's current row read as a version ([`VERSION_COLUMNS`]' order, so that it can follow
/// them in a `UNION` or fill them in an `INSERT … SELECT`).
pub(crate) const CURRENT_VERSION_COLUMNS: &str =
    "id, version, updated_at, batch_id, last_change, status, record, extras";

impl FromRow for PlaceVersion {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(PlaceVersion {
            place_id: PlaceId(get(row, "place_id")?),
            version: version(row, "version")?,
            recorded_at: get(row, "recorded_at")?,
            batch_id: get(row, "batch_id")?,
            change: key(row, "change", ChangeKind::parse)?,
            status: key(row, "status", PlaceStatus::parse)?,
            record: document(row, "record")?,
            extras: document(row, "extras")?,
        })
    }
}

/// Selected as `source`, `active`, `withdrawn` (counts).
impl FromRow for SourceStats {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(SourceStats {
            source: get(row, "source")?,
            active: count(row, "active")?,
            withdrawn: count(row, "withdrawn")?,
        })
    }
}

pub(crate) const BATCH_COLUMNS: &str = "id, source, file_name, started_at, finished_at, counts";

impl FromRow for ImportBatch {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(ImportBatch {
            id: get(row, "id")?,
            source: get(row, "source")?,
            file_name: get(row, "file_name")?,
            started_at: get(row, "started_at")?,
            finished_at: get(row, "finished_at")?,
            counts: document(row, "counts")?,
        })
    }
}

pub(crate) const REPORT_LINE_COLUMNS: &str = r#""row", source_id, severity, field, value, reason"#;

impl FromRow for ReportLine {
    fn from_row(row: &Row) -> StoreResult<Self> {
        let severity = match get::<&str>(row, "severity")? {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            _ => Severity::Info,
        };
        Ok(ReportLine {
            row: count(row, "row")?,
            source_id: get(row, "source_id")?,
            problem: Problem {
                severity,
                field: get(row, "field")?,
                value: get(row, "value")?,
                reason: get(row, "reason")?,
            },
        })
    }
}

pub(crate) const PLACE_REPORT_COLUMNS: &str = "id, place_id, category, message, created_at";

impl FromRow for PlaceReport {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(PlaceReport {
            id: get(row, "id")?,
            place_id: PlaceId(get(row, "place_id")?),
            category: get(row, "category")?,
            message: get(row, "message")?,
            created_at: get(row, "created_at")?,
        })
    }
}

pub(crate) const MEMBER_COLUMNS: &str = "bassin, departement, kind, code";

impl FromRow for BassinMember {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(BassinMember {
            bassin: get(row, "bassin")?,
            departement: get(row, "departement")?,
            kind: key(row, "kind", MemberKind::parse)?,
            code: get(row, "code")?,
        })
    }
}

pub(crate) const INDICATOR_COLUMNS: &str = "name, level, description, source_file, imported_at";

impl FromRow for IndicatorDefinition {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(IndicatorDefinition {
            name: get(row, "name")?,
            level: key(row, "level", IndicatorLevel::parse)?,
            description: get(row, "description")?,
            source_file: get(row, "source_file")?,
            imported_at: get(row, "imported_at")?,
        })
    }
}

/// Selected as `code`, `value`.
impl FromRow for IndicatorValue {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(IndicatorValue { code: get(row, "code")?, value: get(row, "value")? })
    }
}

pub(crate) const PAIR_COLUMNS: &str =
    "id, a_source, a_source_id, b_source, b_source_id, score, components, status, group_id, found_at, decided_by, decided_at";

impl FromRow for DuplicatePair {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(DuplicatePair {
            id: get(row, "id")?,
            a: PlaceKey { source: get(row, "a_source")?, source_id: get(row, "a_source_id")? },
            b: PlaceKey { source: get(row, "b_source")?, source_id: get(row, "b_source_id")? },
            score: get(row, "score")?,
            components: document(row, "components")?,
            status: key(row, "status", PairStatus::parse)?,
            group_id: get(row, "group_id")?,
            found_at: get(row, "found_at")?,
            decided_by: get(row, "decided_by")?,
            decided_at: get(row, "decided_at")?,
        })
    }
}

pub(crate) const GROUP_COLUMNS: &str = "id, record, reason, decided_by, created_at, updated_at";

/// A group's row: its members are in their own table.
impl FromRow for MergeGroup {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(MergeGroup {
            id: get(row, "id")?,
            members: Vec::new(),
            record: document(row, "record")?,
            reason: get(row, "reason")?,
            decided_by: get(row, "decided_by")?,
            created_at: get(row, "created_at")?,
            updated_at: get(row, "updated_at")?,
        })
    }
}

pub(crate) const GROUP_MEMBER_COLUMNS: &str = "group_id, source, source_id";

impl FromRow for GroupMember {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(GroupMember {
            group_id: get(row, "group_id")?,
            place: PlaceKey { source: get(row, "source")?, source_id: get(row, "source_id")? },
        })
    }
}

/// Users, proposals and campaigns are JSON documents (a `data` column).
impl FromRow for User {
    fn from_row(row: &Row) -> StoreResult<Self> {
        document(row, "data")
    }
}

impl FromRow for Proposal {
    fn from_row(row: &Row) -> StoreResult<Self> {
        document(row, "data")
    }
}

impl FromRow for Campaign {
    fn from_row(row: &Row) -> StoreResult<Self> {
        document(row, "data")
    }
}

pub(crate) const SESSION_COLUMNS: &str = "token_hash, user_id, csrf_token, created_at, expires_at";

impl FromRow for Session {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(Session {
            token_hash: get(row, "token_hash")?,
            user_id: get(row, "user_id")?,
            csrf_token: get(row, "csrf_token")?,
            created_at: get(row, "created_at")?,
            expires_at: get(row, "expires_at")?,
        })
    }
}

pub(crate) const TOKEN_COLUMNS: &str = "token_hash, purpose, user_id, subject, created_at, expires_at, used_at";

impl FromRow for OneTimeToken {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(OneTimeToken {
            token_hash: get(row, "token_hash")?,
            purpose: key(row, "purpose", TokenPurpose::parse)?,
            user_id: get(row, "user_id")?,
            subject: get(row, "subject")?,
            created_at: get(row, "created_at")?,
            expires_at: get(row, "expires_at")?,
            used_at: get(row, "used_at")?,
        })
    }
}

pub(crate) const AUDIT_COLUMNS: &str = "id, at, actor, action, target, detail";

impl FromRow for AuditEntry {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(AuditEntry {
            id: get(row, "id")?,
            at: get(row, "at")?,
            actor: get(row, "actor")?,
            action: get(row, "action")?,
            target: get(row, "target")?,
            detail: get(row, "detail")?,
        })
    }
}

pub(crate) const NOTE_COLUMNS: &str = "place_id, version, author, reason";

impl FromRow for VersionNote {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(VersionNote {
            place_id: PlaceId(get(row, "place_id")?),
            version: version(row, "version")?,
            author: get(row, "author")?,
            reason: get(row, "reason")?,
        })
    }
}

pub(crate) const ENTRY_COLUMNS: &str = "campaign_id, place_id, status, sent_at, reminded_at, answered_at";

impl FromRow for CampaignEntry {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(CampaignEntry {
            campaign_id: get(row, "campaign_id")?,
            place_id: PlaceId(get(row, "place_id")?),
            status: key(row, "status", CampaignPlaceStatus::parse)?,
            sent_at: get(row, "sent_at")?,
            reminded_at: get(row, "reminded_at")?,
            answered_at: get(row, "answered_at")?,
        })
    }
}

pub(crate) const RESOLUTION_COLUMNS: &str = "report_id, resolved_by, resolved_at, note";

impl FromRow for ReportResolution {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(ReportResolution {
            report_id: get(row, "report_id")?,
            resolved_by: get(row, "resolved_by")?,
            resolved_at: get(row, "resolved_at")?,
            note: get(row, "note")?,
        })
    }
}

/// A setting as (`key`, `value`).
impl FromRow for (String, String) {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok((get(row, "key")?, get(row, "value")?))
    }
}

pub(crate) const STAKEHOLDER_COLUMNS: &str = "id, name, kind, commune_code, commune, departement, place_id, contact, \
     created_by, created_at, updated_at, version, merged_into";

impl FromRow for Stakeholder {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(Stakeholder {
            id: get(row, "id")?,
            name: get(row, "name")?,
            kind: key(row, "kind", StakeholderKind::parse)?,
            commune_code: get(row, "commune_code")?,
            commune: get(row, "commune")?,
            departement: get(row, "departement")?,
            place_id: get::<Option<String>>(row, "place_id")?.map(PlaceId),
            contact: get(row, "contact")?,
            created_by: get(row, "created_by")?,
            created_at: get(row, "created_at")?,
            updated_at: get(row, "updated_at")?,
            version: version(row, "version")?,
            merged_into: get(row, "merged_into")?,
        })
    }
}

pub(crate) const MAPPING_COLUMNS: &str =
    "name, source, toml, layout, created_by, created_at, updated_by, updated_at, version";

impl FromRow for SavedMapping {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(SavedMapping {
            name: get(row, "name")?,
            source: get(row, "source")?,
            toml: get(row, "toml")?,
            layout: document(row, "layout")?,
            created_by: get(row, "created_by")?,
            created_at: get(row, "created_at")?,
            updated_by: get(row, "updated_by")?,
            updated_at: get(row, "updated_at")?,
            version: version(row, "version")?,
        })
    }
}

/// A stored document (a plan, a project, a vote): the column `document`.
pub(crate) struct Doc<T>(pub T);

impl<T: serde::de::DeserializeOwned + std::fmt::Debug> FromRow for Doc<T> {
    fn from_row(row: &Row) -> StoreResult<Self> {
        document(row, "document").map(Doc)
    }
}

pub(crate) const VOTER_COLUMNS: &str = "vote_id, token_hash, stakeholder, email, ballot, cast_at";

impl FromRow for Voter {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(Voter {
            vote_id: get(row, "vote_id")?,
            token_hash: get(row, "token_hash")?,
            stakeholder: get(row, "stakeholder")?,
            email: get(row, "email")?,
            ballot: get::<Option<Json<Vec<u32>>>>(row, "ballot")?.map(|json| json.0),
            cast_at: get(row, "cast_at")?,
        })
    }
}

pub(crate) const MONOGRAPH_TEXT_COLUMNS: &str = "bassin, section, version, text, author, saved_at";

impl FromRow for MonographText {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(MonographText {
            bassin: get(row, "bassin")?,
            section: get(row, "section")?,
            version: version(row, "version")?,
            text: get(row, "text")?,
            author: get(row, "author")?,
            saved_at: get(row, "saved_at")?,
        })
    }
}

/// Events and registrations are read whole from their `document` column (the other columns
/// are copies of its fields for the queries).
impl FromRow for Event {
    fn from_row(row: &Row) -> StoreResult<Self> {
        document(row, "document")
    }
}

/// Columns: `id, sequence`.
impl FromRow for EventVersion {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(EventVersion { id: get(row, "id")?, sequence: version(row, "sequence")? })
    }
}

/// The activity log's types are read whole from their JSON document (column `document`).
impl FromRow for ActivityEntry {
    fn from_row(row: &Row) -> StoreResult<Self> {
        document(row, "document")
    }
}

impl FromRow for Registration {
    fn from_row(row: &Row) -> StoreResult<Self> {
        document(row, "document")
    }
}

impl FromRow for PastTotals {
    fn from_row(row: &Row) -> StoreResult<Self> {
        document(row, "document")
    }
}

impl FromRow for BilanIntroduction {
    fn from_row(row: &Row) -> StoreResult<Self> {
        document(row, "document")
    }
}

pub(crate) const MONOGRAPH_EDITION_COLUMNS: &str = "id, bassin, number, published_at, published_by, content";

impl FromRow for MonographEdition {
    fn from_row(row: &Row) -> StoreResult<Self> {
        Ok(MonographEdition {
            id: get(row, "id")?,
            bassin: get(row, "bassin")?,
            number: version(row, "number")?,
            published_at: get(row, "published_at")?,
            published_by: get(row, "published_by")?,
            content: get(row, "content")?,
        })
    }
}
