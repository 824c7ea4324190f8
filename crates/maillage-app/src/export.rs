//! Exporting the registry in the standard's formats.

use std::io::Write;

use maillage_formats::export::{ExportFormat, PlaceWriter};
use maillage_store::{PlaceQuery, Store};

use crate::{AppError, AppResult};

/// Which places to export.
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    pub source: Option<String>,
    /// Keep places whose INSEE code or postcode starts with one of these prefixes
    /// (a département "18", a commune "18033").
    pub territory_prefixes: Vec<String>,
}

/// Writes every active place matching the filter, streaming from the store; returns how
/// many were written.
pub fn export_places<W: Write>(
    store: &dyn Store,
    format: ExportFormat,
    filter: &ExportFilter,
    out: W,
) -> AppResult<usize> {
    let query = PlaceQuery { source: filter.source.clone(), status: Some(maillage_domain::PlaceStatus::Active) };
    let mut writer = PlaceWriter::new(format, out)?;
    let mut failure = None;
    store
        .visit_places(&query, &mut |place| {
            let selected = filter.territory_prefixes.is_empty()
                || filter.territory_prefixes.iter().any(|prefix| {
                    place.record.code_insee.as_deref().map(|code| code.starts_with(prefix.as_str())).unwrap_or(false)
                        || (place.record.code_insee.is_none() && place.record.code_postal.starts_with(prefix.as_str()))
                });
            if selected {
                if let Err(err) = writer.write(&place) {
                    failure = Some(err);
                    return Err(maillage_store::StoreError::Backend("export interrompu".to_owned()));
                }
            }
            Ok(())
        })
        .map_err(|err| match failure.take() {
            Some(format_error) => AppError::from(format_error),
            None => AppError::from(err),
        })?;
    Ok(writer.finish()?)
}
