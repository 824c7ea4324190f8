//! Row mapping of the SQLite backend: how each stored type is read from a row (the columns a
//! query selects, in the order its mapper reads them) and how values are written.
//!
//! Timestamps are RFC 3339 text in one fixed width (microseconds, `Z`), so that text order is
//! time order; records, extras, counts, score components and the account documents are JSON
//! text; enums are their `as_str` keys.

use chrono::{DateTime, Utc};
use maillage_domain::{Place, PlaceId, PlaceStatus, Problem, Severity};
use maillage_store::backend::GroupMember;
use maillage_store::*;
use rusqlite::types::Type;
use rusqlite::Row;

use crate::backend;

/// A stored type read from the columns of one row.
pub(crate) trait FromRow: Sized {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;
}

pub(crate) fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(crate) fn optional_timestamp(at: &Option<DateTime<Utc>>) -> Option<String> {
    at.as_ref().map(timestamp)
}

pub(crate) fn json(value: &impl serde::Serialize) -> StoreResult<String> {
    serde_json::to_string(value).map_err(backend)
}

/// A row's values, then the version an update of the row expects (its last parameter).
pub(crate) fn then_expected(mut values: Vec<rusqlite::types::Value>, expected: u32) -> Vec<rusqlite::types::Value> {
    values.push(expected.into());
    values
}

pub(crate) fn severity_key(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn conversion(index: usize, err: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(err))
}

fn instant(row: &Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = row.get(index)?;
    DateTime::parse_from_rfc3339(&text).map(|at| at.with_timezone(&Utc)).map_err(|err| conversion(index, err))
}

fn optional_instant(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get::<_, Option<String>>(index)? {
        Some(_) => instant(row, index).map(Some),
        None => Ok(None),
    }
}

fn document<T: serde::de::DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|err| conversion(index, err))
}

fn key<T>(row: &Row<'_>, index: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    parse(&text).ok_or(rusqlite::Error::InvalidColumnType(index, text, Type::Text))
}

pub(crate) const PLACE_COLUMNS: &str =
    "id, source, source_id, batch_id, status, version, created_at, updated_at, record, extras";

impl FromRow for Place {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Place {
            id: PlaceId(row.get(0)?),
            source: row.get(1)?,
            source_id: row.get(2)?,
            batch_id: row.get(3)?,
            status: key(row, 4, PlaceStatus::parse)?,
            version: row.get(5)?,
            created_at: instant(row, 6)?,
            updated_at: instant(row, 7)?,
            record: document(row, 8)?,
            extras: document(row, 9)?,
        })
    }
}

/// [`PLACE_COLUMNS`], then these.
pub(crate) const PLACE_ROW_COLUMNS: &str = "content_hash, last_change";

impl FromRow for PlaceSnapshot {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(PlaceSnapshot {
            place: Place::from_row(row)?,
            content_hash: row.get(10)?,
            last_change: key(row, 11, ChangeKind::parse)?,
        })
    }
}

pub(crate) const EXISTING_COLUMNS: &str = "id, source_id, version, status, content_hash";

impl FromRow for ExistingPlace {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(ExistingPlace {
            id: PlaceId(row.get(0)?),
            source_id: row.get(1)?,
            version: row.get(2)?,
            status: key(row, 3, PlaceStatus::parse)?,
            content_hash: row.get(4)?,
        })
    }
}

pub(crate) const VERSION_COLUMNS: &str = "place_id, version, recorded_at, batch_id, change, status, record, extras";
/// A place's current row read as a version ([`VERSION_COLUMNS`]' order).
pub(crate) const CURRENT_VERSION_COLUMNS: &str =
    "id, version, updated_at, batch_id, last_change, status, record, extras";

impl FromRow for PlaceVersion {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(PlaceVersion {
            place_id: PlaceId(row.get(0)?),
            version: row.get(1)?,
            recorded_at: instant(row, 2)?,
            batch_id: row.get(3)?,
            change: key(row, 4, ChangeKind::parse)?,
            status: key(row, 5, PlaceStatus::parse)?,
            record: document(row, 6)?,
            extras: document(row, 7)?,
        })
    }
}

impl FromRow for SourceStats {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(SourceStats { source: row.get(0)?, active: row.get(1)?, withdrawn: row.get(2)? })
    }
}

pub(crate) const BATCH_COLUMNS: &str = "id, source, file_name, started_at, finished_at, counts";

impl FromRow for ImportBatch {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(ImportBatch {
            id: row.get(0)?,
            source: row.get(1)?,
            file_name: row.get(2)?,
            started_at: instant(row, 3)?,
            finished_at: optional_instant(row, 4)?,
            counts: document(row, 5)?,
        })
    }
}

pub(crate) const REPORT_LINE_COLUMNS: &str = "row, source_id, severity, field, value, reason";

impl FromRow for ReportLine {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let severity = match row.get::<_, String>(2)?.as_str() {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            _ => Severity::Info,
        };
        Ok(ReportLine {
            row: row.get(0)?,
            source_id: row.get(1)?,
            problem: Problem { severity, field: row.get(3)?, value: row.get(4)?, reason: row.get(5)? },
        })
    }
}

pub(crate) const PLACE_REPORT_COLUMNS: &str = "id, place_id, category, message, created_at";

impl FromRow for PlaceReport {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(PlaceReport {
            id: row.get(0)?,
            place_id: PlaceId(row.get(1)?),
            category: row.get(2)?,
            message: row.get(3)?,
            created_at: instant(row, 4)?,
        })
    }
}

pub(crate) const MEMBER_COLUMNS: &str = "bassin, departement, kind, code";

impl FromRow for BassinMember {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(BassinMember {
            bassin: row.get(0)?,
            departement: row.get(1)?,
            kind: key(row, 2, MemberKind::parse)?,
            code: row.get(3)?,
        })
    }
}

pub(crate) const INDICATOR_COLUMNS: &str = "name, level, description, source_file, imported_at";

impl FromRow for IndicatorDefinition {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(IndicatorDefinition {
            name: row.get(0)?,
            level: key(row, 1, IndicatorLevel::parse)?,
            description: row.get(2)?,
            source_file: row.get(3)?,
            imported_at: instant(row, 4)?,
        })
    }
}

impl FromRow for IndicatorValue {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(IndicatorValue { code: row.get(0)?, value: row.get(1)? })
    }
}

pub(crate) const PAIR_COLUMNS: &str =
    "id, a_source, a_source_id, b_source, b_source_id, score, components, status, group_id, found_at, decided_by, decided_at";

impl FromRow for DuplicatePair {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(DuplicatePair {
            id: row.get(0)?,
            a: PlaceKey { source: row.get(1)?, source_id: row.get(2)? },
            b: PlaceKey { source: row.get(3)?, source_id: row.get(4)? },
            score: row.get(5)?,
            components: document(row, 6)?,
            status: key(row, 7, PairStatus::parse)?,
            group_id: row.get(8)?,
            found_at: instant(row, 9)?,
            decided_by: row.get(10)?,
            decided_at: optional_instant(row, 11)?,
        })
    }
}

pub(crate) const GROUP_COLUMNS: &str = "id, record, reason, decided_by, created_at, updated_at";

/// A group's row: its members are in their own table.
impl FromRow for MergeGroup {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(MergeGroup {
            id: row.get(0)?,
            members: Vec::new(),
            record: document(row, 1)?,
            reason: row.get(2)?,
            decided_by: row.get(3)?,
            created_at: instant(row, 4)?,
            updated_at: instant(row, 5)?,
        })
    }
}

impl FromRow for GroupMember {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(GroupMember { group_id: row.get(0)?, place: PlaceKey { source: row.get(1)?, source_id: row.get(2)? } })
    }
}

/// Users, proposals and campaigns are JSON documents (a `data` column selected alone).
impl FromRow for User {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        document(row, 0)
    }
}

impl FromRow for Proposal {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        document(row, 0)
    }
}

impl FromRow for Campaign {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        document(row, 0)
    }
}

pub(crate) const SESSION_COLUMNS: &str = "token_hash, user_id, csrf_token, created_at, expires_at";

impl FromRow for Session {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Session {
            token_hash: row.get(0)?,
            user_id: row.get(1)?,
            csrf_token: row.get(2)?,
            created_at: instant(row, 3)?,
            expires_at: instant(row, 4)?,
        })
    }
}

pub(crate) const TOKEN_COLUMNS: &str = "token_hash, purpose, user_id, subject, created_at, expires_at, used_at";

impl FromRow for OneTimeToken {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(OneTimeToken {
            token_hash: row.get(0)?,
            purpose: key(row, 1, TokenPurpose::parse)?,
            user_id: row.get(2)?,
            subject: row.get(3)?,
            created_at: instant(row, 4)?,
            expires_at: instant(row, 5)?,
            used_at: optional_instant(row, 6)?,
        })
    }
}

pub(crate) const AUDIT_COLUMNS: &str = "id, at, actor, action, target, detail";

impl FromRow for AuditEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(AuditEntry {
            id: row.get(0)?,
            at: instant(row, 1)?,
            actor: row.get(2)?,
            action: row.get(3)?,
            target: row.get(4)?,
            detail: row.get(5)?,
        })
    }
}

pub(crate) const NOTE_COLUMNS: &str = "place_id, version, author, reason";

impl FromRow for VersionNote {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(VersionNote {
            place_id: PlaceId(row.get(0)?),
            version: row.get(1)?,
            author: row.get(2)?,
            reason: row.get(3)?,
        })
    }
}

pub(crate) const ENTRY_COLUMNS: &str = "campaign_id, place_id, status, sent_at, reminded_at, answered_at";

impl FromRow for CampaignEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(CampaignEntry {
            campaign_id: row.get(0)?,
            place_id: PlaceId(row.get(1)?),
            status: key(row, 2, CampaignPlaceStatus::parse)?,
            sent_at: optional_instant(row, 3)?,
            reminded_at: optional_instant(row, 4)?,
            answered_at: optional_instant(row, 5)?,
        })
    }
}

pub(crate) const RESOLUTION_COLUMNS: &str = "report_id, resolved_by, resolved_at, note";

impl FromRow for ReportResolution {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(ReportResolution {
            report_id: row.get(0)?,
            resolved_by: row.get(1)?,
            resolved_at: instant(row, 2)?,
            note: row.get(3)?,
        })
    }
}

/// A place's version, alone.
impl FromRow for u32 {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        row.get(0)
    }
}

/// A setting's value, alone.
impl FromRow for String {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        row.get(0)
    }
}

/// A setting as (key, value).
impl FromRow for (String, String) {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?, row.get(1)?))
    }
}

pub(crate) const STAKEHOLDER_COLUMNS: &str = "id, name, kind, commune_code, commune, departement, place_id, contact, \
     created_by, created_at, updated_at, version, merged_into";

impl FromRow for Stakeholder {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Stakeholder {
            id: row.get(0)?,
            name: row.get(1)?,
            kind: key(row, 2, StakeholderKind::parse)?,
            commune_code: row.get(3)?,
            commune: row.get(4)?,
            departement: row.get(5)?,
            place_id: row.get::<_, Option<String>>(6)?.map(PlaceId),
            contact: row.get(7)?,
            created_by: row.get(8)?,
            created_at: instant(row, 9)?,
            updated_at: instant(row, 10)?,
            version: row.get(11)?,
            merged_into: row.get(12)?,
        })
    }
}

pub(crate) const MAPPING_COLUMNS: &str =
    "name, source, toml, layout, created_by, created_at, updated_by, updated_at, version";

impl FromRow for SavedMapping {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(SavedMapping {
            name: row.get(0)?,
            source: row.get(1)?,
            toml: row.get(2)?,
            layout: document(row, 3)?,
            created_by: row.get(4)?,
            created_at: instant(row, 5)?,
            updated_by: row.get(6)?,
            updated_at: instant(row, 7)?,
            version: row.get(8)?,
        })
    }
}

/// A stored document (a plan, a project, a vote), the one column a query selects.
pub(crate) struct Doc<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRow for Doc<T> {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        document(row, 0).map(Doc)
    }
}

pub(crate) const VOTER_COLUMNS: &str = "vote_id, token_hash, stakeholder, email, ballot, cast_at";

impl FromRow for Voter {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let ballot = match row.get::<_, Option<String>>(4)? {
            Some(_) => Some(document(row, 4)?),
            None => None,
        };
        Ok(Voter {
            vote_id: row.get(0)?,
            token_hash: row.get(1)?,
            stakeholder: row.get(2)?,
            email: row.get(3)?,
            ballot,
            cast_at: optional_instant(row, 5)?,
        })
    }
}

pub(crate) const MONOGRAPH_TEXT_COLUMNS: &str = "bassin, section, version, text, author, saved_at";

impl FromRow for MonographText {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(MonographText {
            bassin: row.get(0)?,
            section: row.get(1)?,
            version: row.get(2)?,
            text: row.get(3)?,
            author: row.get(4)?,
            saved_at: instant(row, 5)?,
        })
    }
}

/// Events and registrations are read whole from their JSON document (the other columns are
/// copies of its fields for the queries).
impl FromRow for Event {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        document(row, 0)
    }
}

/// Columns: `id, sequence`.
impl FromRow for EventVersion {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(EventVersion { id: row.get(0)?, sequence: row.get(1)? })
    }
}

/// The activity log's types are read whole from their JSON document (the query's only column).
impl FromRow for ActivityEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        document(row, 0)
    }
}

impl FromRow for Registration {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        document(row, 0)
    }
}

impl FromRow for PastTotals {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        document(row, 0)
    }
}

impl FromRow for BilanIntroduction {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        document(row, 0)
    }
}

pub(crate) const MONOGRAPH_EDITION_COLUMNS: &str = "id, bassin, number, published_at, published_by, content";

impl FromRow for MonographEdition {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(MonographEdition {
            id: row.get(0)?,
            bassin: row.get(1)?,
            number: row.get(2)?,
            published_at: instant(row, 3)?,
            published_by: row.get(4)?,
            content: row.get(5)?,
        })
    }
}
