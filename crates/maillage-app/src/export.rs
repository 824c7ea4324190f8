//! Exporting the registry in the standard's formats.

use std::io::Write;

use maillage_formats::export::{write, ExportFormat};
use maillage_store::{PlaceQuery, Store};

use crate::AppResult;

/// Which places to export.
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    pub source: Option<String>,
    /// Keep places whose INSEE code or postcode starts with one of these prefixes
    /// (a département "18", a commune "18033").
    pub territory_prefixes: Vec<String>,
}

/// Writes every active place matching the filter; returns how many were written.
pub fn export_places<W: Write>(store: &dyn Store, format: ExportFormat, filter: &ExportFilter, out: W) -> AppResult<usize> {
    let query = PlaceQuery { source: filter.source.clone(), status: Some(maillage_domain::PlaceStatus::Active) };
    let places = store.places(&query)?;
    let selected: Vec<_> = places
        .iter()
        .filter(|place| {
            filter.territory_prefixes.is_empty()
                || filter.territory_prefixes.iter().any(|prefix| {
                    place.record.code_insee.as_deref().map(|code| code.starts_with(prefix.as_str())).unwrap_or(false)
                        || (place.record.code_insee.is_none() && place.record.code_postal.starts_with(prefix.as_str()))
                })
        })
        .collect();
    write(format, selected.iter().copied(), out)?;
    Ok(selected.len())
}
