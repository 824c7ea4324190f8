//! The public agenda held in memory, so that `/agenda`, the feeds and the API answer without
//! reading every event from the store: [`AgendaIndex`] holds the published events by start,
//! what a territory filter matches (postings by territory), each event's public folded for the
//! public filter and its iCalendar text once written; [`AgendaHandle`] keeps it in step with
//! the store.
//!
//! Keeping in step: every request asks the store for its event stamp (the count of events plus
//! the sum of their sequences, one small query: it grows with any event added or changed, by
//! any server sharing the database) and for the bassins (a commune's bassin decides which
//! events a bassin's filter shows). When either differs from the copy's, the events whose
//! sequence changed are read again (all of them when many did) and the copy is rebuilt around
//! the unchanged ones. A write through the app is so visible on the very next request, on
//! every server; the directory's sync interval also refreshes it in the background.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use maillage_store::{BassinMember, Event, EventQuery, EventScale, Store};
use maillage_territory::Territory;

use super::EventFilter;
use crate::territory::{BassinIndex, Locator};
use crate::AppResult;

/// Beyond this many changed events, a refresh reads them all in one query rather than one by one.
const READ_ONE_BY_ONE: usize = 64;

/// One published event with what the filters and feeds need, computed once.
pub struct Entry {
    pub event: Arc<Event>,
    /// Its target publics, folded (no accents, no case).
    publics: Vec<String>,
    /// Its `VEVENT`s as text, with the public address they were written for.
    calendar: OnceLock<(String, String)>,
}

impl Entry {
    fn new(event: Arc<Event>) -> Entry {
        let publics = event.publics.iter().map(|p| maillage_domain::text::fold(p)).collect();
        Entry { event, publics, calendar: OnceLock::new() }
    }

    /// Its `VEVENT`s for a hub at `base_url`, written on first use.
    pub fn calendar_text(&self, base_url: &str) -> std::borrow::Cow<'_, str> {
        let (base, text) =
            self.calendar.get_or_init(|| (base_url.to_owned(), super::feeds::event_text(&self.event, base_url)));
        if base == base_url {
            std::borrow::Cow::Borrowed(text)
        } else {
            std::borrow::Cow::Owned(super::feeds::event_text(&self.event, base_url))
        }
    }
}

/// The published events in memory, by first start then id.
pub struct AgendaIndex {
    /// The store's event stamp this copy holds.
    stamp: u64,
    /// Every stored event (published or not) by id, to tell which changed.
    stored: HashMap<String, Arc<Event>>,
    bassin_members: Vec<BassinMember>,
    locator: Arc<Locator>,
    entries: Vec<Arc<Entry>>,
    /// For each position, the latest end among the events up to it: the first position whose
    /// value reaches an instant is where events ending after it may start.
    reach: Vec<DateTime<Utc>>,
    /// Positions (ascending) of the events each territory key matches.
    postings: HashMap<String, Vec<u32>>,
    /// The départements of the published events.
    departements: BTreeSet<String>,
}

/// The key of an event held in a territory (its own, its département, and for a commune its
/// EPCI and bassin).
fn held_in(code: &str) -> String {
    format!("dans:{code}")
}

/// The key of the events at a scale in one territory (they cover every territory in it).
fn at_scale(scale: EventScale, code: &str) -> String {
    format!("{}:{code}", scale.as_str())
}

/// The keys an event is found under.
fn event_keys(event: &Event, locator: &Locator) -> Vec<String> {
    let mut keys = vec![held_in(&event.territory), at_scale(event.scale, &event.territory)];
    if let Some(departement) = &event.departement {
        keys.push(held_in(departement));
    }
    if event.scale == EventScale::Commune {
        if let Some(commune) = locator.territory.commune(&event.territory) {
            if let Some(epci) = &commune.siren_epci {
                keys.push(held_in(epci));
            }
            if let Some(bassin) = locator.bassins.bassin_of(&commune.code_insee) {
                keys.push(held_in(bassin));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The keys of the events a territory filter shows: those held in it, and those held in a
/// larger territory that contains it (a regional event concerns each of its départements,
/// bassins, EPCI and communes).
fn filter_keys(code: &str, locator: &Locator) -> Vec<String> {
    let territory = &locator.territory;
    let bassins = locator.bassins.bassins();
    let region_of = |departement: &str| territory.departement(departement).map(|d| d.code_region.clone());
    let mut keys = vec![held_in(code)];
    let region = if let Some(departement) = territory.departement(code) {
        Some(departement.code_region.clone())
    } else if let Some(commune) = territory.commune(code) {
        Some(commune.code_region.clone())
    } else if let Some(epci) = territory.epci(code) {
        epci.departements.first().and_then(|d| region_of(d))
    } else {
        bassins.get(code).and_then(|d| region_of(d))
    };
    if let Some(region) = region {
        keys.push(at_scale(EventScale::Region, &region));
    }
    if let Some(commune) = territory.commune(code) {
        keys.push(at_scale(EventScale::Departement, &commune.code_departement));
        if let Some(bassin) = locator.bassins.bassin_of(code) {
            keys.push(at_scale(EventScale::Bassin, bassin));
        }
        if let Some(epci) = &commune.siren_epci {
            keys.push(at_scale(EventScale::Epci, epci));
        }
    }
    if let Some(departement) = bassins.get(code) {
        keys.push(at_scale(EventScale::Departement, departement));
    }
    if let Some(epci) = territory.epci(code) {
        keys.extend(epci.departements.iter().map(|d| at_scale(EventScale::Departement, d)));
    }
    keys
}

fn stamp_of(stored: &HashMap<String, Arc<Event>>) -> u64 {
    stored.len() as u64 + stored.values().map(|e| u64::from(e.sequence)).sum::<u64>()
}

impl AgendaIndex {
    /// Reads every event and the bassins from the store.
    pub fn load(store: &dyn Store, territory: Arc<Territory>) -> AppResult<AgendaIndex> {
        let members = store.bassins()?;
        let locator = Arc::new(Locator { bassins: BassinIndex::new(&members, &territory), territory });
        let events = store.events(&EventQuery::default())?;
        Ok(AgendaIndex::build(events.into_iter().map(Arc::new).collect(), HashMap::new(), members, locator))
    }

    /// Indexes events (every stored one: the unpublished are counted, not shown); `kept`
    /// holds entries of an earlier copy to reuse when their event is the same.
    fn build(
        events: Vec<Arc<Event>>,
        mut kept: HashMap<String, Arc<Entry>>,
        bassin_members: Vec<BassinMember>,
        locator: Arc<Locator>,
    ) -> AgendaIndex {
        let stored: HashMap<String, Arc<Event>> = events.iter().map(|e| (e.id.clone(), e.clone())).collect();
        let mut entries: Vec<Arc<Entry>> = events
            .into_iter()
            .filter(|event| event.is_public())
            .map(|event| match kept.remove(&event.id) {
                Some(entry) if entry.event.sequence == event.sequence => entry,
                _ => Arc::new(Entry::new(event)),
            })
            .collect();
        entries.sort_by(|a, b| (a.event.starts_at(), &a.event.id).cmp(&(b.event.starts_at(), &b.event.id)));
        let mut reach = Vec::with_capacity(entries.len());
        let mut latest = DateTime::<Utc>::MIN_UTC;
        let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
        for (position, entry) in entries.iter().enumerate() {
            latest = latest.max(entry.event.ends_at());
            reach.push(latest);
            for key in event_keys(&entry.event, &locator) {
                postings.entry(key).or_default().push(position as u32);
            }
        }
        let departements = entries.iter().filter_map(|entry| entry.event.departement.clone()).collect();
        AgendaIndex {
            stamp: stamp_of(&stored),
            stored,
            bassin_members,
            locator,
            entries,
            reach,
            postings,
            departements,
        }
    }

    /// This copy brought up to date with the store: the events whose sequence changed read
    /// again, the rest kept.
    fn refreshed(&self, store: &dyn Store, members: Vec<BassinMember>) -> AppResult<AgendaIndex> {
        let locator = if members == self.bassin_members {
            self.locator.clone()
        } else {
            let territory = self.locator.territory.clone();
            Arc::new(Locator { bassins: BassinIndex::new(&members, &territory), territory })
        };
        let versions = store.event_versions()?;
        let changed: Vec<&str> = versions
            .iter()
            .filter(|v| self.stored.get(&v.id).map(|e| e.sequence) != Some(v.sequence))
            .map(|v| v.id.as_str())
            .collect();
        let kept: HashMap<String, Arc<Entry>> =
            self.entries.iter().map(|entry| (entry.event.id.clone(), entry.clone())).collect();
        if changed.len() > READ_ONE_BY_ONE {
            let events = store.events(&EventQuery::default())?;
            return Ok(AgendaIndex::build(events.into_iter().map(Arc::new).collect(), kept, members, locator));
        }
        let mut events: HashMap<String, Arc<Event>> = self.stored.clone();
        for id in changed {
            if let Some(event) = store.event(id)? {
                events.insert(id.to_owned(), Arc::new(event));
            }
        }
        let events = events.into_values().collect();
        Ok(AgendaIndex::build(events, kept, members, locator))
    }

    /// The territory and the bassins this copy was indexed with.
    pub fn locator(&self) -> &Locator {
        &self.locator
    }

    /// The départements of the published events, by code.
    pub fn departements(&self) -> impl Iterator<Item = &str> {
        self.departements.iter().map(String::as_str)
    }

    /// How many published events.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The published event with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<Event>> {
        self.stored.get(id).filter(|event| event.is_public())
    }

    /// Published events matching a filter, by start then id: the period bounds the positions
    /// read, a territory reads only its postings.
    pub fn select(&self, filter: &EventFilter) -> Vec<&Arc<Entry>> {
        let low = filter.from.map_or(0, |from| self.reach.partition_point(|reach| *reach < from));
        let high = filter
            .to
            .map_or(self.entries.len(), |to| self.entries.partition_point(|entry| entry.event.starts_at() < to));
        if low >= high {
            return Vec::new();
        }
        let positions: Vec<u32> = match filter.territory.as_deref() {
            None => (low as u32..high as u32).collect(),
            Some(code) => {
                let mut positions = Vec::new();
                for key in filter_keys(code, &self.locator) {
                    if let Some(posting) = self.postings.get(&key) {
                        let from = posting.partition_point(|&p| (p as usize) < low);
                        let to = posting.partition_point(|&p| (p as usize) < high);
                        positions.extend_from_slice(&posting[from..to]);
                    }
                }
                positions.sort_unstable();
                positions.dedup();
                positions
            }
        };
        let public = filter.public.as_deref().map(maillage_domain::text::fold);
        positions
            .into_iter()
            .map(|position| &self.entries[position as usize])
            .filter(|entry| filter.from.is_none_or(|from| entry.event.ends_at() >= from))
            .filter(|entry| filter.kind.is_none_or(|kind| entry.event.kind == kind))
            .filter(|entry| {
                public.as_ref().is_none_or(|wanted| entry.publics.iter().any(|p| p.contains(wanted.as_str())))
            })
            .collect()
    }
}

/// The agenda in memory shared by every request, kept in step with the store.
pub struct AgendaHandle {
    current: ArcSwap<AgendaIndex>,
    /// One refresh at a time: the others wait for it rather than read the store again.
    refreshing: Mutex<()>,
}

impl AgendaHandle {
    pub fn new(index: AgendaIndex) -> AgendaHandle {
        AgendaHandle { current: ArcSwap::from_pointee(index), refreshing: Mutex::new(()) }
    }

    /// The agenda as the store holds it now (blocking: two small queries, more when events or
    /// bassins changed since the last request).
    pub fn current(&self, store: &dyn Store) -> AppResult<Arc<AgendaIndex>> {
        let stamp = store.event_stamp()?;
        let members = store.bassins()?;
        let index = self.current.load_full();
        if index.stamp == stamp && index.bassin_members == members {
            return Ok(index);
        }
        let _turn = self.refreshing.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let index = self.current.load_full();
        // Another request refreshed it meanwhile (events are never deleted: a stamp only grows).
        if index.stamp >= stamp && index.bassin_members == members {
            return Ok(index);
        }
        let fresh = Arc::new(index.refreshed(store, members)?);
        self.current.store(fresh.clone());
        Ok(fresh)
    }
}
