//! Exporting the registry in the standard's formats.

use std::io::Write;

use maillage_formats::export::{ExportFormat, PlaceWriter};
use maillage_store::{PlaceKey, PlaceQuery, Store};

use maillage_territory::Territory;

use crate::duplicates::{published_place, Publication};
use crate::territory::{locate, BassinIndex, Level};
use crate::{AppError, AppResult};

/// Which places to export.
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    pub source: Option<String>,
    /// Keep places located in one of these territories (none: everywhere).
    pub areas: Vec<(Level, String)>,
    /// Export every member of a merged place as its source gave it, instead of one published
    /// record per merged place. A `source` filter always does (a merged record is no single
    /// source's).
    pub raw_members: bool,
}

/// Writes every active place matching the filter, streaming from the store; returns how
/// many were written.
pub fn export_places<W: Write>(
    store: &dyn Store,
    territory: Option<&Territory>,
    format: ExportFormat,
    filter: &ExportFilter,
    out: W,
) -> AppResult<usize> {
    let locator = match (territory, filter.areas.is_empty()) {
        (_, true) => None,
        (Some(territory), false) => Some((territory, BassinIndex::new(&store.bassins()?, territory))),
        (None, false) => {
            return Err(AppError::Input("un filtre de territoire demande le territoire chargé".to_owned()))
        }
    };
    let query = PlaceQuery {
        source: filter.source.clone(),
        status: Some(maillage_domain::PlaceStatus::Active),
        updated_since: None,
    };
    let selected = |record: &maillage_domain::PlaceRecord| match &locator {
        None => true,
        Some((territory, bassins)) => locate(territory, bassins, record)
            .map(|location| filter.areas.iter().any(|(level, code)| level.code_of(&location) == Some(code.as_str())))
            .unwrap_or(false),
    };
    // Merged places are published once: their members are held back while places stream by,
    // then each group is written from its active members (see `crate::duplicates`).
    let publication =
        if filter.raw_members || filter.source.is_some() { None } else { Some(Publication::load(store)?) };
    let mut held: Vec<Vec<maillage_domain::Place>> =
        vec![Vec::new(); publication.as_ref().map_or(0, |publication| publication.groups.len())];
    let mut writer = PlaceWriter::new(format, out)?;
    let mut failure = None;
    store
        .visit_places(&query, &mut |place| {
            if let Some(publication) = &publication {
                if let Some(&index) = publication.group_of.get(&PlaceKey::of(&place)) {
                    held[index].push(place);
                    return Ok(());
                }
            }
            if selected(&place.record) {
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
    for members in held {
        if let Some(place) = published_place(&members).filter(|place| selected(&place.record)) {
            writer.write(&place)?;
        }
    }
    Ok(writer.finish()?)
}
