//! What a SQL database must provide for the store contract to hold, and the contract's logic
//! written once over it.
//!
//! A backend implements two narrow things:
//! - [`Backend`]: how it opens a read, a write transaction, a consistent read (backups) and an
//!   import session on its connections;
//! - [`Tables`]: one method per statement (an insert, an update that says how many rows it
//!   touched, a select mapped to the store's types), grouped by capability in
//!   [`PlaceTables`], [`TerritoryTables`], [`DuplicateTables`], [`AccountTables`],
//!   [`StakeholderTables`] and [`MappingTables`].
//!
//! Everything else is here, once: [`crate::Store`], [`crate::AccountStore`],
//! [`crate::StakeholderStore`] and [`crate::MappingStore`] are implemented
//! for every [`Backend`], with the version arithmetic and the order of the writes of each use
//! (a person's edit, a duplicate decision, a proposal's decision, a restore), the conflict
//! and not-found messages, and the order of a snapshot. A backend therefore holds its SQL and
//! its row mapping, nothing that decides.
//!
//! Adding a capability's tables: its migration in each backend, a `…Tables` trait here with a
//! method per statement and its store half over it (a trait [`crate::Store`] requires, like
//! [`crate::AccountStore`], implemented for every [`Backend`]), the trait among [`Tables`]'
//! supertraits, its items in the backup (`backup.rs`), its contract cases in a contract module
//! of their own; then in each backend the trait's statements and the row mappers of its types.

pub(crate) mod accounts;
pub(crate) mod activity;
pub(crate) mod actors;
pub(crate) mod agenda;
pub(crate) mod backup;
pub(crate) mod duplicates;
pub(crate) mod mappings;
pub(crate) mod monographs;
pub(crate) mod places;
pub(crate) mod pnt;
pub(crate) mod territory;

pub use accounts::AccountTables;
pub use activity::ActivityTables;
pub use actors::StakeholderTables;
pub use agenda::AgendaTables;
pub use duplicates::{DuplicateTables, GroupMember};
pub use mappings::MappingTables;
pub use monographs::MonographTables;
pub use places::{insert_new_place, replace_version, source_id_taken_error, PlaceTables, VersionWrites};
pub use pnt::{PntTables, ProjectFilter, SqlDialect};
pub use territory::TerritoryTables;

use maillage_domain::{Place, PlaceId};

use crate::{
    check_duplicates, check_members, check_values, BassinMember, DuplicateChanges, DuplicatePair, ImportBatch,
    ImportSession, IndicatorDefinition, IndicatorLevel, IndicatorValue, MergeGroup, PlaceQuery, PlaceReport,
    PlaceVersion, ReportLine, SnapshotItem, SourceStats, Store, StoreError, StoreResult,
};

/// How a backend runs work on its connections. Every method hands `work` the backend's
/// [`Tables`] on one connection; what `work` returns is the method's result.
pub trait Backend: Send + Sync {
    /// The short name of the backend for messages, as [`crate::Store::backend_name`] gives it
    /// ("sqlite").
    const NAME: &'static str;
    /// How sentences name the database ("SQLite").
    const LABEL: &'static str;

    /// Reads, each statement seeing what was committed before it.
    fn read<T>(&self, work: impl FnOnce(&mut dyn Tables) -> StoreResult<T>) -> StoreResult<T>;
    /// One write transaction: committed if `work` succeeds, rolled back otherwise. What it
    /// replaces is named by the statements themselves (an update conditioned on the stored
    /// version or status, [`PlaceTables::lock_place_version`]), so that a concurrent writer
    /// gets a conflict rather than a lost update.
    fn write<T>(&self, work: impl FnOnce(&mut dyn Tables) -> StoreResult<T>) -> StoreResult<T>;
    /// One read transaction in which every statement sees the same state, whatever is
    /// committed meanwhile (backups).
    fn read_consistent<T>(&self, work: impl FnOnce(&mut dyn Tables) -> StoreResult<T>) -> StoreResult<T>;
    /// Opens an import of `batch`'s source: its transaction, its lock on the source, the
    /// batch's row (see [`crate::Store::begin_import`]).
    fn import_session(&self, batch: &ImportBatch) -> StoreResult<Box<dyn ImportSession + '_>>;
}

/// Every statement of the store, on one connection (inside a transaction or not, as the
/// [`Backend`] method that handed it decided).
pub trait Tables:
    PlaceTables
    + TerritoryTables
    + DuplicateTables
    + AccountTables
    + StakeholderTables
    + MappingTables
    + PntTables
    + AgendaTables
    + ActivityTables
    + MonographTables
{
    /// Keeps other writers off `tables` until the transaction ends, where the database needs
    /// it (a database whose write transactions already exclude each other does nothing).
    fn lock_tables(&mut self, tables: &[&str]) -> StoreResult<()>;
    /// Whether any of `tables` holds a row.
    fn any_rows(&mut self, tables: &[&str]) -> StoreResult<bool>;
}

/// Why a statement that writes did not write.
#[derive(Debug)]
pub enum WriteError {
    /// A rule of the schema refused the row (a unique key, a reference, a check). The caller
    /// knows what that means for its use and says it ([`Refusal::refused_as`]); the text is
    /// the database's own, for the logs.
    Refused(String),
    /// Anything else (the database failed, a value could not be encoded).
    Failed(StoreError),
}

pub type WriteResult<T> = Result<T, WriteError>;

impl From<StoreError> for WriteError {
    fn from(err: StoreError) -> Self {
        WriteError::Failed(err)
    }
}

/// A refusal nobody expected is the database's error, with the database's words.
impl From<WriteError> for StoreError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::Refused(detail) => StoreError::Backend(detail),
            WriteError::Failed(err) => err,
        }
    }
}

/// What a refused write means, said once for every backend.
pub trait Refusal<T> {
    /// A refusal said as `error` (a conflict, an unknown reference); any other failure as it is.
    fn refused_as(self, error: impl FnOnce() -> StoreError) -> StoreResult<T>;
    /// A refusal while restoring: a broken key or reference in a backup is the backup's
    /// fault, not the database's.
    fn restoring(self) -> StoreResult<T>;
}

impl<T> Refusal<T> for WriteResult<T> {
    fn refused_as(self, error: impl FnOnce() -> StoreError) -> StoreResult<T> {
        match self {
            Ok(value) => Ok(value),
            Err(WriteError::Refused(_)) => Err(error()),
            Err(WriteError::Failed(err)) => Err(err),
        }
    }

    fn restoring(self) -> StoreResult<T> {
        match self {
            Ok(value) => Ok(value),
            Err(WriteError::Refused(detail)) => {
                Err(StoreError::Conflict(format!("données de sauvegarde incohérentes : {detail}")))
            }
            Err(WriteError::Failed(err)) => Err(err),
        }
    }
}

/// What an update or a delete conditioned on what its writer read means when it touches no
/// row, said once for every write of that kind.
pub trait OneRow {
    /// The one row touched; none (the row changed meanwhile, or is gone) is said as `error`.
    fn one_row(self, error: impl FnOnce() -> StoreError) -> StoreResult<()>;
}

impl<E: Into<StoreError>> OneRow for Result<u64, E> {
    fn one_row(self, error: impl FnOnce() -> StoreError) -> StoreResult<()> {
        match self.map_err(Into::into)? {
            1 => Ok(()),
            _ => Err(error()),
        }
    }
}

impl<B: Backend> Store for B {
    fn begin_import(&self, batch: &ImportBatch) -> StoreResult<Box<dyn ImportSession + '_>> {
        self.import_session(batch)
    }

    fn place(&self, id: &PlaceId) -> StoreResult<Option<Place>> {
        self.read(|tables| tables.place(id))
    }

    fn place_by_source_id(&self, source: &str, source_id: &str) -> StoreResult<Option<Place>> {
        self.read(|tables| tables.place_by_source_id(source, source_id))
    }

    fn places(&self, query: &PlaceQuery) -> StoreResult<Vec<Place>> {
        let mut places = Vec::new();
        self.visit_places(query, &mut |place| {
            places.push(place);
            Ok(())
        })?;
        Ok(places)
    }

    fn visit_places(&self, query: &PlaceQuery, visit: &mut dyn FnMut(Place) -> StoreResult<()>) -> StoreResult<()> {
        self.read(|tables| tables.visit_places(query, visit))
    }

    fn place_history(&self, id: &PlaceId) -> StoreResult<Vec<PlaceVersion>> {
        self.read(|tables| tables.place_history(id))
    }

    fn batches(&self) -> StoreResult<Vec<ImportBatch>> {
        self.read(|tables| tables.batches())
    }

    fn batch_report(&self, batch_id: &str) -> StoreResult<Vec<ReportLine>> {
        self.read(|tables| tables.report_lines(batch_id))
    }

    fn source_stats(&self) -> StoreResult<Vec<SourceStats>> {
        self.read(|tables| tables.source_stats())
    }

    fn bassins(&self) -> StoreResult<Vec<BassinMember>> {
        self.read(|tables| tables.bassins())
    }

    fn replace_bassins(&self, members: &[BassinMember]) -> StoreResult<()> {
        check_members(members)?;
        self.write(|tables| {
            territory::replace_bassins(tables, members)?;
            tables.bump_data_version()
        })
    }

    fn indicators(&self) -> StoreResult<Vec<IndicatorDefinition>> {
        self.read(|tables| tables.indicators())
    }

    fn replace_indicator(&self, definition: &IndicatorDefinition, values: &[IndicatorValue]) -> StoreResult<()> {
        check_values(definition, values)?;
        self.write(|tables| {
            territory::replace_indicator(tables, definition, values)?;
            tables.bump_data_version()
        })
    }

    fn indicator_values(&self, name: &str, level: IndicatorLevel) -> StoreResult<Vec<IndicatorValue>> {
        self.read(|tables| tables.indicator_values(name, level))
    }

    fn add_place_report(&self, report: &PlaceReport) -> StoreResult<()> {
        self.write(|tables| places::add_place_report(tables, report))
    }

    fn place_reports(&self, place: Option<&PlaceId>) -> StoreResult<Vec<PlaceReport>> {
        self.read(|tables| match place {
            Some(id) => tables.place_reports(id),
            None => tables.all_place_reports(),
        })
    }

    fn duplicate_pairs(&self) -> StoreResult<Vec<DuplicatePair>> {
        self.read(|tables| tables.pairs())
    }

    fn merge_groups(&self) -> StoreResult<Vec<MergeGroup>> {
        self.read(|tables| duplicates::merge_groups(tables))
    }

    fn save_duplicates(&self, changes: &DuplicateChanges) -> StoreResult<()> {
        check_duplicates(changes)?;
        self.write(|tables| {
            duplicates::write_duplicates(tables, changes)?;
            tables.bump_data_version()
        })
    }

    fn data_version(&self) -> StoreResult<u64> {
        self.read(|tables| tables.data_version())
    }

    fn backend_name(&self) -> &'static str {
        B::NAME
    }

    fn snapshot(&self, visit: &mut dyn FnMut(SnapshotItem) -> StoreResult<()>) -> StoreResult<()> {
        self.read_consistent(|tables| backup::snapshot(tables, visit))
    }

    fn restore(&self, items: &mut dyn Iterator<Item = StoreResult<SnapshotItem>>) -> StoreResult<()> {
        self.write(|tables| {
            backup::restore(tables, B::LABEL, items)?;
            tables.bump_data_version()
        })
    }
}
