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
    /// The producer data·inclusion files name (`source`, ids' prefix) and the hub's address for
    /// `lien_source`; none: "maillage" as of today.
    pub data_inclusion: Option<maillage_formats::data_inclusion::Options>,
    /// Leave out the places the public does not see (not confirmed for the hub's cut-off, see
    /// `--masquer-apres-mois`), as every publication must; none: every active place.
    pub visible: Option<crate::directory::Visibility>,
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
    let options = filter.data_inclusion.clone().unwrap_or_else(|| {
        maillage_formats::data_inclusion::Options::new("maillage", maillage_store::now().date_naive())
    });
    let mut writer = PlaceWriter::new(format, out)?.with_data_inclusion(options);
    visit_published(store, territory, filter, &mut |place| Ok(writer.write(place)?))?;
    Ok(writer.finish()?)
}

/// Every place the filter publishes, in memory (a publication writes several files of them).
pub fn published_places(
    store: &dyn Store,
    territory: Option<&Territory>,
    filter: &ExportFilter,
) -> AppResult<Vec<maillage_domain::Place>> {
    let mut places = Vec::new();
    visit_published(store, territory, filter, &mut |place| {
        places.push(place.clone());
        Ok(())
    })?;
    Ok(places)
}

/// Hands every place the filter publishes to `visit`, streaming from the store: merged places
/// once (unless the filter asks for members), hidden ones left out when the filter says so.
pub fn visit_published(
    store: &dyn Store,
    territory: Option<&Territory>,
    filter: &ExportFilter,
    visit: &mut dyn FnMut(&maillage_domain::Place) -> AppResult<()>,
) -> AppResult<()> {
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
    let selected = |place: &maillage_domain::Place| {
        if !filter.visible.is_none_or(|visible| visible.shows(place)) {
            return false;
        }
        match &locator {
            None => true,
            Some((territory, bassins)) => locate(territory, bassins, &place.record)
                .map(|location| {
                    filter.areas.iter().any(|(level, code)| level.code_of(&location) == Some(code.as_str()))
                })
                .unwrap_or(false),
        }
    };
    // Merged places are published once: their members are held back while places stream by,
    // then each group is written from its active members (see `crate::duplicates`).
    let publication =
        if filter.raw_members || filter.source.is_some() { None } else { Some(Publication::load(store)?) };
    let mut held: Vec<Vec<maillage_domain::Place>> =
        vec![Vec::new(); publication.as_ref().map_or(0, |publication| publication.groups.len())];
    let mut failure = None;
    store
        .visit_places(&query, &mut |place| {
            if let Some(publication) = &publication {
                if let Some(&index) = publication.group_of.get(&PlaceKey::of(&place)) {
                    held[index].push(place);
                    return Ok(());
                }
            }
            if selected(&place) {
                if let Err(err) = visit(&place) {
                    failure = Some(err);
                    return Err(maillage_store::StoreError::Backend("export interrompu".to_owned()));
                }
            }
            Ok(())
        })
        .map_err(|err| failure.take().unwrap_or_else(|| AppError::from(err)))?;
    for members in held {
        if let Some(place) = published_place(&members).filter(|place| selected(place)) {
            visit(&place)?;
        }
    }
    Ok(())
}
