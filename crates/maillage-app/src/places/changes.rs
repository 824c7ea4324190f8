//! The change feed: the places created, changed or withdrawn since an instant, as a consumer
//! (the national map, a département, a regional platform) pulls them to stay in step without
//! downloading the whole registry. Public data only, so no actor: what is published is what
//! the public map shows.
//!
//! Rules: a merged place is published once, under its published id, as exports publish it
//! (a change of any member, or of the merge itself, is a change of the merged place; a member
//! merged into another is withdrawn, naming where it went); a withdrawn place gives its id and
//! when, nothing else; a place the public does not see (not confirmed for the hub's cut-off)
//! is left out; nothing beyond the standard's fields is published (no extra column of a
//! source, no history, no author).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use maillage_domain::{Place, PlaceStatus};
use maillage_store::{PlaceQuery, Store};
use maillage_territory::Territory;

use crate::directory::Visibility;
use crate::duplicates::{published_place, Publication};
use crate::territory::{locate, BassinIndex, Level};
use crate::AppResult;

/// What happened to a place since the instant asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Changed,
    Withdrawn,
}

impl ChangeKind {
    /// The word of the feeds.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "cree",
            ChangeKind::Changed => "modifie",
            ChangeKind::Withdrawn => "retire",
        }
    }
}

/// One place's change. `place` is `None` for a withdrawal: a withdrawn place's data are not
/// published again.
#[derive(Clone, Debug)]
pub struct Change {
    pub id: String,
    pub kind: ChangeKind,
    pub at: DateTime<Utc>,
    pub place: Option<Place>,
    /// For a place withdrawn because it was merged: the id it is published under now.
    pub merged_into: Option<String>,
}

/// Where a page of changes starts: after this (instant, id).
pub type ChangeCursor = (DateTime<Utc>, String);

/// A request for changes.
#[derive(Clone, Debug)]
pub struct ChangesQuery {
    pub since: DateTime<Utc>,
    pub after: Option<ChangeCursor>,
    pub limit: usize,
    /// Only places located in one of these territories (none: everywhere).
    pub areas: Vec<(Level, String)>,
    pub visible: Visibility,
}

/// A page of changes, oldest first.
#[derive(Clone, Debug)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    /// Where the next page starts, when there is one.
    pub next: Option<ChangeCursor>,
    /// The instant the answer was read at: the next pull asks for changes since it.
    pub until: DateTime<Utc>,
}

/// The changes since `query.since`, oldest first, a page at a time.
pub fn changes(store: &dyn Store, territory: &Territory, query: &ChangesQuery) -> AppResult<ChangePage> {
    let until = maillage_store::now();
    let publication = Publication::load(store)?;
    let bassins = (!query.areas.is_empty()).then(|| store.bassins()).transpose()?;
    let bassins = bassins.map(|members| BassinIndex::new(&members, territory));
    let in_areas = |place: &Place| match &bassins {
        None => true,
        Some(bassins) => locate(territory, bassins, &place.record)
            .map(|location| query.areas.iter().any(|(level, code)| level.code_of(&location) == Some(code.as_str())))
            .unwrap_or(false),
    };
    let mut out: BTreeMap<String, Change> = BTreeMap::new();
    let mut touched: HashMap<usize, Vec<Place>> = HashMap::new();
    let changed = PlaceQuery { source: None, status: None, updated_since: Some(query.since) };
    store.visit_places(&changed, &mut |place| {
        if let Some(&group) = publication.group_of.get(&maillage_store::PlaceKey::of(&place)) {
            touched.entry(group).or_default().push(place);
            return Ok(());
        }
        if let Some(change) = change_of(place, query, &in_areas) {
            out.insert(change.id.clone(), change);
        }
        Ok(())
    })?;
    // Merges write no place: a merge or an undo since the instant is read from the group.
    for (index, group) in publication.groups.iter().enumerate() {
        if group.updated_at >= query.since {
            touched.entry(index).or_default();
        }
    }
    for (index, changed_members) in touched {
        let group = &publication.groups[index];
        let mut members = Vec::with_capacity(group.members.len());
        for key in &group.members {
            if let Some(place) = store.place_by_source_id(&key.source, &key.source_id)? {
                members.push(place);
            }
        }
        let published = published_place(&members);
        let group_changed = group.updated_at >= query.since;
        let merged_into = published.as_ref().map(|place| place.id.0.clone());
        // A member published under another id now: withdrawn from the feed, saying where it went.
        for member in &members {
            let recently = group_changed || changed_members.iter().any(|changed| changed.id == member.id);
            if Some(&member.id.0) != merged_into.as_ref() && recently && in_areas(member) {
                let at = member.updated_at.max(group.updated_at);
                let withdrawal =
                    Change { id: member.id.0.clone(), kind: ChangeKind::Withdrawn, at, place: None, merged_into: None };
                out.insert(member.id.0.clone(), Change { merged_into: merged_into.clone(), ..withdrawal });
            }
        }
        if let Some(mut place) = published {
            place.updated_at = place.updated_at.max(group.updated_at);
            if let Some(change) = change_of(place, query, &in_areas) {
                out.insert(change.id.clone(), change);
            }
        }
    }
    let mut changes: Vec<Change> = out
        .into_values()
        .filter(|change| match &query.after {
            Some((at, id)) => (change.at, &change.id) > (*at, id),
            None => true,
        })
        .collect();
    changes.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    let next = (changes.len() > query.limit).then(|| {
        let last = &changes[query.limit - 1];
        (last.at, last.id.clone())
    });
    changes.truncate(query.limit);
    Ok(ChangePage { changes, next, until })
}

/// The change a place (or a merged place) makes to the feed, or `None` when the public does
/// not see it or it is outside the territories asked (a withdrawn place is located by its last
/// record, which is not published).
fn change_of(place: Place, query: &ChangesQuery, in_areas: &dyn Fn(&Place) -> bool) -> Option<Change> {
    if !in_areas(&place) {
        return None;
    }
    let at = place.updated_at;
    let id = place.id.0.clone();
    if place.status == PlaceStatus::Withdrawn {
        return Some(Change { id, kind: ChangeKind::Withdrawn, at, place: None, merged_into: None });
    }
    if !query.visible.shows(&place) {
        return None;
    }
    let kind = if place.created_at >= query.since { ChangeKind::Created } else { ChangeKind::Changed };
    Some(Change { id, kind, at, place: Some(place), merged_into: None })
}
