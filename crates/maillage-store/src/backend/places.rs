//! The registry's tables (places, their superseded versions, import batches and their
//! reports, problems reported on places) and what is done alike on every backend: how a
//! place's version is replaced, and the conflicts that say a write came too late.

use chrono::{DateTime, Utc};
use maillage_domain::{Place, PlaceId};

use super::{Refusal, Tables, WriteResult};
use crate::{
    stale_place_error, ChangeKind, ExistingPlace, ImportBatch, PlaceQuery, PlaceReport, PlaceSnapshot, PlaceVersion,
    ReportLine, SourceStats, StoreError, StoreResult,
};

/// The two statements that replace a place's current version: what an import session needs
/// besides [`PlaceTables`], so that a backend can run them on its own prepared statements.
pub trait VersionWrites {
    /// Copies the current row of place `id` into its history, unchanged, if its version is
    /// `version`; how many rows were copied (0 when the place or the version differs).
    fn archive_version(&mut self, id: &PlaceId, version: u32) -> StoreResult<u64>;
    /// Writes `place` as the place's current row if the stored version is `place.version - 1`;
    /// `content_hash` `None` keeps the stored fingerprint. How many rows changed (0 or 1).
    fn update_place(&mut self, place: &Place, content_hash: Option<&str>, change: ChangeKind) -> StoreResult<u64>;
}

/// The statements of places, versions, batches and reports.
pub trait PlaceTables: VersionWrites {
    fn place(&mut self, id: &PlaceId) -> StoreResult<Option<Place>>;
    fn place_by_source_id(&mut self, source: &str, source_id: &str) -> StoreResult<Option<Place>>;
    fn place_exists(&mut self, id: &PlaceId) -> StoreResult<bool>;
    /// The places `query` selects, in id order, handed one by one to `visit` (streamed where
    /// the driver can).
    fn visit_places(&mut self, query: &PlaceQuery, visit: &mut dyn FnMut(Place) -> StoreResult<()>) -> StoreResult<()>;
    /// The places of one source, as an import compares them.
    fn source_places(&mut self, source: &str) -> StoreResult<Vec<ExistingPlace>>;
    /// Every version of a place, its current one included, oldest first.
    fn place_history(&mut self, id: &PlaceId) -> StoreResult<Vec<PlaceVersion>>;
    /// The stored version of a place, its row locked against other writers until the
    /// transaction ends (where writers do not already exclude each other).
    fn lock_place_version(&mut self, id: &PlaceId) -> StoreResult<Option<u32>>;
    /// A place's row, `place.version` and all, as given.
    fn insert_place(&mut self, place: &Place, content_hash: &str, last_change: ChangeKind) -> WriteResult<()>;
    /// A superseded version, as a restore brings it back.
    fn insert_version(&mut self, version: &PlaceVersion) -> WriteResult<()>;
    /// Every place's row as a backup keeps it, in id order.
    fn visit_place_rows(&mut self, visit: &mut dyn FnMut(PlaceSnapshot) -> StoreResult<()>) -> StoreResult<()>;
    /// Every superseded version, by place then version.
    fn visit_versions(&mut self, visit: &mut dyn FnMut(PlaceVersion) -> StoreResult<()>) -> StoreResult<()>;
    /// Counts of places per source and status, by source.
    fn source_stats(&mut self) -> StoreResult<Vec<SourceStats>>;
    /// The data version ([`crate::Store::data_version`]).
    fn data_version(&mut self) -> StoreResult<u64>;
    /// Advances the data version by one, inside the write transaction it accounts for (its
    /// row then stays locked until the commit, where writers do not already exclude each
    /// other, so that two writes never share a number).
    fn bump_data_version(&mut self) -> StoreResult<()>;

    /// A batch's row with its counts, `finished_at` as given.
    fn insert_batch(&mut self, batch: &ImportBatch) -> WriteResult<()>;
    /// Records the end of an import: when, and its final counts.
    fn finish_batch(&mut self, batch: &ImportBatch, finished_at: DateTime<Utc>) -> StoreResult<()>;
    /// Finished batches, newest first (by start, then id).
    fn batches(&mut self) -> StoreResult<Vec<ImportBatch>>;
    /// Every batch, finished or not, by id.
    fn all_batches(&mut self) -> StoreResult<Vec<ImportBatch>>;
    /// Report lines of a batch numbered from `first_seq` on, in the given order.
    fn insert_report_lines(&mut self, batch_id: &str, first_seq: usize, lines: &[ReportLine]) -> WriteResult<()>;
    /// A batch's report lines, in order.
    fn report_lines(&mut self, batch_id: &str) -> StoreResult<Vec<ReportLine>>;

    fn insert_place_report(&mut self, report: &PlaceReport) -> WriteResult<()>;
    fn place_report_exists(&mut self, id: &str) -> StoreResult<bool>;
    /// One place's reported problems, by id (arrival order).
    fn place_reports(&mut self, place: &PlaceId) -> StoreResult<Vec<PlaceReport>>;
    /// Every reported problem, by id.
    fn all_place_reports(&mut self) -> StoreResult<Vec<PlaceReport>>;
}

/// The refusal of a second place with the same id in its source.
pub fn source_id_taken_error(place: &Place) -> StoreError {
    StoreError::Conflict(format!("le lieu {} de la source {} existe déjà", place.source_id, place.source))
}

/// Writes a new place; one whose (source, id in source) is taken is a conflict.
pub fn insert_new_place<T: PlaceTables + ?Sized>(
    tables: &mut T,
    place: &Place,
    content_hash: &str,
    change: ChangeKind,
) -> StoreResult<()> {
    tables.insert_place(place, content_hash, change).refused_as(|| source_id_taken_error(place))
}

/// Replaces a place's current version by `place` (whose version must be exactly one more),
/// keeping the replaced one in its history: the replaced version is named in both statements,
/// so a writer that read an older one writes nothing and gets a conflict.
pub fn replace_version<T: VersionWrites + ?Sized>(
    tables: &mut T,
    place: &Place,
    content_hash: Option<&str>,
    change: ChangeKind,
) -> StoreResult<()> {
    if place.version < 2
        || tables.archive_version(&place.id, place.version - 1)? != 1
        || tables.update_place(place, content_hash, change)? != 1
    {
        return Err(stale_place_error(&place.id));
    }
    Ok(())
}

/// Records a problem reported on a place; an unknown place is "not found" rather than a
/// broken reference.
pub(crate) fn add_place_report<T: Tables + ?Sized>(tables: &mut T, report: &PlaceReport) -> StoreResult<()> {
    if !tables.place_exists(&report.place_id)? {
        return Err(StoreError::NotFound(format!("lieu {}", report.place_id)));
    }
    Ok(tables.insert_place_report(report)?)
}
