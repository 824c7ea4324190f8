//! The hub's territorial configuration: bassins de vie and indicators, each replaced whole in
//! one transaction.

use super::{Tables, WriteResult};
use crate::{BassinMember, IndicatorDefinition, IndicatorLevel, IndicatorValue, StoreResult};

/// The statements of bassin members and indicators.
pub trait TerritoryTables {
    /// Members by bassin, EPCI before commune (as [`crate::MemberKind`] orders them), code.
    fn bassins(&mut self) -> StoreResult<Vec<BassinMember>>;
    /// Deletes every member, and keeps other replacements of the bassins waiting until the
    /// transaction ends (so that two replacements never mix).
    fn clear_bassins(&mut self) -> StoreResult<()>;
    fn insert_bassins(&mut self, members: &[BassinMember]) -> WriteResult<()>;

    /// Definitions by name then level (commune before EPCI).
    fn indicators(&mut self) -> StoreResult<Vec<IndicatorDefinition>>;
    /// Values by code; none for an unknown indicator.
    fn indicator_values(&mut self, name: &str, level: IndicatorLevel) -> StoreResult<Vec<IndicatorValue>>;
    /// Creates a definition, or replaces the one of the same name and level (its values
    /// stay), locking it against other replacements until the transaction ends.
    fn upsert_indicator(&mut self, definition: &IndicatorDefinition) -> StoreResult<()>;
    /// A new definition; one of the same name and level is refused.
    fn insert_indicator(&mut self, definition: &IndicatorDefinition) -> WriteResult<()>;
    /// Deletes an indicator's values.
    fn delete_values(&mut self, name: &str, level: IndicatorLevel) -> StoreResult<()>;
    /// Values of an indicator whose definition is written.
    fn insert_values(&mut self, definition: &IndicatorDefinition, values: &[IndicatorValue]) -> WriteResult<()>;
}

/// Replaces the whole bassins configuration (already checked by [`crate::check_members`]).
pub(crate) fn replace_bassins<T: Tables + ?Sized>(tables: &mut T, members: &[BassinMember]) -> StoreResult<()> {
    tables.clear_bassins()?;
    Ok(tables.insert_bassins(members)?)
}

/// Creates or replaces an indicator with its values (already checked by
/// [`crate::check_values`]). An upsert rather than delete-and-insert: deleting the definition
/// would cascade through the values only to write them again.
pub(crate) fn replace_indicator<T: Tables + ?Sized>(
    tables: &mut T,
    definition: &IndicatorDefinition,
    values: &[IndicatorValue],
) -> StoreResult<()> {
    tables.upsert_indicator(definition)?;
    tables.delete_values(&definition.name, definition.level)?;
    Ok(tables.insert_values(definition, values)?)
}
