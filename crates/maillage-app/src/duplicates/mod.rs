//! Duplicates across sources, the use cases: scan the registry for pairs (the scoring is
//! `maillage-dedup`'s), merge the sure ones, queue the others for review, remember every
//! decision, publish one record per merged place, undo a merge.
//!
//! Rules:
//! - **Decisions are keyed by places' (source, id in source)**, so a re-import that keeps
//!   ids keeps them; a scan never queues again a pair decided distinct, never merges again a
//!   pair it merged and never auto-merges a pair a person has seen (an undone merge goes back
//!   to review, not to the scanner).
//! - **Merging never touches a place**: a merge group lists its members; the published record
//!   is computed from them ([`published_record`]) and undoing the group gives every member back
//!   exactly as it was.
//! - **Two places said distinct never end up in one group**, even through a third: a merge that
//!   would join them goes to review (scan) or is refused (resolve).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use maillage_dedup::normalize::{identifier, is_anonymous_name};
use maillage_dedup::{decide, explain, Decision, PairScore, Thresholds, DEFAULT_MAX_DISTANCE_M};
use maillage_domain::{Place, PlaceRecord, PlaceStatus};
use maillage_store::{
    new_place_id, now, DuplicateChanges, DuplicatePair, MergeGroup, PairStatus, PairWrite, PlaceKey, PlaceQuery, Store,
    StoreError,
};
use serde::Serialize;

mod decisions;

pub use decisions::{merged_places, reopen, resolve, review_queue, scan, undo, MergedPlace};

use crate::{AppError, AppResult};

/// Who scans: the `decided_by` of automatic merges.
pub const SCANNER: &str = "scan";

/// Checks thresholds read from configuration: both in 0..=1, review ≤ automatic merge.
pub fn check_thresholds(thresholds: &Thresholds) -> AppResult<()> {
    let in_range = |value: f64| (0.0..=1.0).contains(&value);
    if !in_range(thresholds.auto_merge) || !in_range(thresholds.review) || thresholds.review > thresholds.auto_merge {
        return Err(AppError::Input(format!(
            "seuils de doublons invalides (fusion automatique {}, revue {}) : deux nombres entre 0 et 1, le seuil de revue au plus égal à celui de fusion",
            thresholds.auto_merge, thresholds.review
        )));
    }
    Ok(())
}

/// What to scan.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    /// Only pairs with at least one place of these sources (none: every pair).
    pub sources: Vec<String>,
    pub thresholds: Thresholds,
}

/// What a scan did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanCounts {
    /// Active places read.
    pub places: usize,
    /// Pairs found at or above the review threshold, not vetoed.
    pub found: usize,
    /// New pairs merged automatically.
    pub auto_merged: usize,
    /// New pairs put in the review queue.
    pub queued: usize,
    /// Pairs already decided (distinct, merged) or already in the queue.
    pub known: usize,
    /// New pairs whose two places were already in one merged place.
    pub already_grouped: usize,
    /// Pairs the scanner would have merged but that would join places said distinct: queued.
    pub blocked_by_distinct: usize,
    /// Merged places after the scan.
    pub groups: usize,
    /// Pairs waiting for review after the scan.
    pub pending: usize,
    /// Places with more candidates than the detector compares (the same place filed hundreds
    /// of times at one spot): only the nearest were compared.
    pub capped: usize,
}

/// The two places of a pair in canonical order, with their key.
fn ordered<'p>(x: &'p Place, y: &'p Place) -> ((PlaceKey, &'p Place), (PlaceKey, &'p Place)) {
    let (kx, ky) = (PlaceKey::of(x), PlaceKey::of(y));
    if kx <= ky {
        ((kx, x), (ky, y))
    } else {
        ((ky, y), (kx, x))
    }
}

fn components_json(score: &PairScore) -> serde_json::Value {
    serde_json::to_value(score).unwrap_or(serde_json::Value::Null)
}

/// Reads a pair's stored components back as a score, to explain it.
pub fn stored_score(pair: &DuplicatePair) -> Option<PairScore> {
    serde_json::from_value(pair.components.clone()).ok()
}

/// Decisions being built: the store's groups and pairs, changed in memory, then written at
/// once.
struct Ledger {
    groups: BTreeMap<String, MergeGroup>,
    group_of: HashMap<PlaceKey, String>,
    /// Pairs said distinct, both ways: each place with the places it was said distinct from.
    distinct: HashMap<PlaceKey, Vec<PlaceKey>>,
    changed_groups: BTreeSet<String>,
    removed_groups: Vec<String>,
}

impl Ledger {
    fn new(mut groups: Vec<MergeGroup>, pairs: &[DuplicatePair]) -> Self {
        let mut group_of = HashMap::new();
        for group in &mut groups {
            // Sorted, so that a merge inserts newcomers by binary search.
            group.members.sort();
            for member in &group.members {
                group_of.insert(member.clone(), group.id.clone());
            }
        }
        let mut distinct: HashMap<PlaceKey, Vec<PlaceKey>> = HashMap::new();
        for pair in pairs.iter().filter(|pair| pair.status == PairStatus::Distinct) {
            distinct.entry(pair.a.clone()).or_default().push(pair.b.clone());
            distinct.entry(pair.b.clone()).or_default().push(pair.a.clone());
        }
        Ledger {
            groups: groups.into_iter().map(|group| (group.id.clone(), group)).collect(),
            group_of,
            distinct,
            changed_groups: BTreeSet::new(),
            removed_groups: Vec::new(),
        }
    }

    /// The places that would be one after merging `a` and `b`.
    fn members_after(&self, a: &PlaceKey, b: &PlaceKey) -> (Vec<PlaceKey>, Vec<PlaceKey>) {
        (self.side(a).to_vec(), self.side(b).to_vec())
    }

    /// The places that are one with `key`: its group's members, else itself.
    fn side<'k>(&'k self, key: &'k PlaceKey) -> &'k [PlaceKey] {
        match self.group_of.get(key) {
            Some(id) => &self.groups[id].members,
            None => std::slice::from_ref(key),
        }
    }

    /// A pair of places said distinct that a merge of `a` and `b` would join. Walks the
    /// decisions of one side's members, so a group of thousands costs one pass, not a product.
    fn distinct_between(&self, a: &PlaceKey, b: &PlaceKey) -> Option<(PlaceKey, PlaceKey)> {
        if self.distinct.is_empty() {
            return None;
        }
        let right_group = self.group_of.get(b);
        let on_right = |key: &PlaceKey| match right_group {
            Some(group) => self.group_of.get(key) == Some(group),
            None => key == b,
        };
        for x in self.side(a) {
            for y in self.distinct.get(x).map(Vec::as_slice).unwrap_or(&[]) {
                if on_right(y) {
                    return Some(if x <= y { (x.clone(), y.clone()) } else { (y.clone(), x.clone()) });
                }
            }
        }
        None
    }

    fn same_group(&self, a: &PlaceKey, b: &PlaceKey) -> Option<String> {
        match (self.group_of.get(a), self.group_of.get(b)) {
            (Some(x), Some(y)) if x == y => Some(x.clone()),
            _ => None,
        }
    }

    /// Merges the places (and their groups) of `a` and `b`; returns the group's id. The
    /// surviving group is the older one (smaller id), so a published id moves as little as
    /// possible; the other is removed and its pairs are moved by the caller. Only newcomers
    /// are inserted, so growing a group one place at a time stays cheap.
    fn merge(&mut self, a: &PlaceKey, b: &PlaceKey, reason: &str, decided_by: &str) -> (String, Option<String>) {
        let at = now();
        let (ga, gb) = (self.group_of.get(a).cloned(), self.group_of.get(b).cloned());
        let (keep, absorbed) = match (ga, gb) {
            (Some(x), Some(y)) => {
                let (keep, gone) = if x <= y { (x, y) } else { (y, x) };
                (Some(keep), Some(gone))
            }
            (Some(x), None) | (None, Some(x)) => (Some(x), None),
            (None, None) => (None, None),
        };
        let id = keep.unwrap_or_else(|| new_place_id().0);
        let mut newcomers: Vec<PlaceKey> =
            [a, b].into_iter().filter(|key| self.group_of.get(*key) != Some(&id)).cloned().collect();
        if let Some(gone) = &absorbed {
            if let Some(group) = self.groups.remove(gone) {
                newcomers.extend(group.members);
            }
            self.changed_groups.remove(gone);
            self.removed_groups.push(gone.clone());
        }
        let group = self.groups.entry(id.clone()).or_insert_with(|| MergeGroup {
            id: id.clone(),
            members: Vec::new(),
            record: PlaceRecord::default(),
            reason: reason.to_owned(),
            decided_by: decided_by.to_owned(),
            created_at: at,
            updated_at: at,
        });
        for key in newcomers {
            if let Err(position) = group.members.binary_search(&key) {
                self.group_of.insert(key.clone(), id.clone());
                group.members.insert(position, key);
            }
        }
        group.updated_at = at;
        self.changed_groups.insert(id.clone());
        (id, absorbed)
    }
}

fn load_members(store: &dyn Store, keys: &[PlaceKey]) -> AppResult<Vec<Place>> {
    let mut places = Vec::with_capacity(keys.len());
    for key in keys {
        if let Some(place) = store.place_by_source_id(&key.source, &key.source_id)? {
            places.push(place);
        }
    }
    Ok(places)
}

/// Finishes a set of decisions: the published record of every changed group, from its
/// members as they are now.
fn finish(
    store: &dyn Store,
    ledger: Ledger,
    pairs: Vec<PairWrite>,
    cache: &HashMap<PlaceKey, &Place>,
) -> AppResult<DuplicateChanges> {
    let mut groups = Vec::new();
    for id in &ledger.changed_groups {
        let mut group = ledger.groups[id].clone();
        let members = match group.members.iter().map(|key| cache.get(key).map(|place| (*place).clone())).collect() {
            Some(places) => places,
            None => load_members(store, &group.members)?,
        };
        group.record = published_record(&members);
        groups.push(group);
    }
    Ok(DuplicateChanges { groups, pairs, removed_groups: ledger.removed_groups })
}

/// Moves the pairs of an absorbed group to the group that took its members.
fn move_pairs(stored: &mut [DuplicatePair], writes: &mut Vec<PairWrite>, from: &str, to: &str) {
    for pair in stored.iter_mut().filter(|pair| pair.group_id.as_deref() == Some(from)) {
        let expected = Some(pair.status);
        pair.group_id = Some(to.to_owned());
        writes.push(PairWrite { pair: pair.clone(), expected });
    }
    for write in writes.iter_mut().filter(|write| write.pair.group_id.as_deref() == Some(from)) {
        write.pair.group_id = Some(to.to_owned());
    }
}

fn decimal(value: f64) -> String {
    format!("{value:.2}").replace('.', ",")
}

/// How many times a scan starts again when a decision was taken while it ran.
const SCAN_ATTEMPTS: usize = 4;

/// Scans the active places: merges new pairs the detector is sure of, queues the others
/// between the thresholds, keeps every earlier decision; writes it all in one transaction.
/// A decision a person takes while the scan runs makes its write a conflict: the scan then
/// starts again from what is stored, so the decision is respected instead of failing the scan.
fn scan_places(store: &dyn Store, options: &ScanOptions) -> AppResult<ScanCounts> {
    scan_places_with(store, options, &mut |_| {})
}

/// [`scan_places`], calling `before_write` between the reads and the write of each attempt
/// (where a concurrent decision lands).
fn scan_places_with(
    store: &dyn Store,
    options: &ScanOptions,
    before_write: &mut dyn FnMut(&dyn Store),
) -> AppResult<ScanCounts> {
    let mut attempt = 1;
    loop {
        match scan_once(store, options, before_write) {
            Err(AppError::Store(StoreError::Conflict(reason))) if attempt < SCAN_ATTEMPTS => {
                tracing::info!(%reason, attempt, "décision prise pendant la recherche de doublons : recherche reprise");
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn scan_once(
    store: &dyn Store,
    options: &ScanOptions,
    before_write: &mut dyn FnMut(&dyn Store),
) -> AppResult<ScanCounts> {
    check_thresholds(&options.thresholds)?;
    let places = store.places(&PlaceQuery::active())?;
    let thresholds = options.thresholds;
    let wanted: HashSet<&str> = options.sources.iter().map(String::as_str).collect();
    let records: Vec<&PlaceRecord> = places.iter().map(|place| &place.record).collect();
    let in_scope = |i: usize| wanted.is_empty() || wanted.contains(places[i].source.as_str());
    let result = maillage_dedup::scan_focused(&records, DEFAULT_MAX_DISTANCE_M, thresholds.review, in_scope, |i, j| {
        !one_place(&places[i], &places[j])
    });
    let (found, capped) = (result.pairs, result.capped);

    let mut stored = store.duplicate_pairs()?;
    let known: HashMap<(PlaceKey, PlaceKey), usize> =
        stored.iter().enumerate().map(|(i, pair)| ((pair.a.clone(), pair.b.clone()), i)).collect();
    let mut ledger = Ledger::new(store.merge_groups()?, &stored);
    let mut counts = ScanCounts { places: places.len(), found: found.len(), capped, ..ScanCounts::default() };
    let mut writes: Vec<PairWrite> = Vec::new();
    let mut refreshed: Vec<usize> = Vec::new();
    let at = now();
    for scored in &found {
        let ((a, _), (b, _)) = ordered(&places[scored.i], &places[scored.j]);
        if let Some(&index) = known.get(&(a.clone(), b.clone())) {
            counts.known += 1;
            // A queued pair shows its latest score; decided ones keep the score they were
            // decided on.
            let pair = &mut stored[index];
            let components = components_json(&scored.score);
            if pair.status == PairStatus::Pending && (pair.score != scored.score.score || pair.components != components)
            {
                pair.score = scored.score.score;
                pair.components = components;
                refreshed.push(index);
            }
            continue;
        }
        let mut pair = DuplicatePair {
            id: new_place_id().0,
            a: a.clone(),
            b: b.clone(),
            score: scored.score.score,
            components: components_json(&scored.score),
            status: PairStatus::Pending,
            group_id: None,
            found_at: at,
            decided_by: None,
            decided_at: None,
        };
        if let Some(group) = ledger.same_group(&a, &b) {
            // Already one place through others: recorded as merged so that it never comes back.
            counts.already_grouped += 1;
            pair.status = PairStatus::AutoMerged;
            pair.group_id = Some(group);
            pair.decided_by = Some(SCANNER.to_owned());
            pair.decided_at = Some(at);
        } else if decide(&scored.score, &thresholds) == Decision::Merge {
            if ledger.distinct_between(&a, &b).is_some() {
                counts.blocked_by_distinct += 1;
                counts.queued += 1;
            } else {
                let reason = format!("fusion automatique (score {})", decimal(scored.score.score));
                let (group, absorbed) = ledger.merge(&a, &b, &reason, SCANNER);
                if let Some(gone) = absorbed {
                    move_pairs(&mut stored, &mut writes, &gone, &group);
                }
                counts.auto_merged += 1;
                pair.status = PairStatus::AutoMerged;
                pair.group_id = Some(group);
                pair.decided_by = Some(SCANNER.to_owned());
                pair.decided_at = Some(at);
            }
        } else {
            counts.queued += 1;
        }
        writes.push(PairWrite { pair, expected: None });
    }
    for index in refreshed {
        // A pair moved to another group above is already written with its new score.
        if !writes.iter().any(|write| write.pair.id == stored[index].id) {
            writes.push(PairWrite { pair: stored[index].clone(), expected: Some(PairStatus::Pending) });
        }
    }
    // Every group's published record follows its members as re-imports change them.
    let by_key: HashMap<PlaceKey, &Place> = places.iter().map(|place| (PlaceKey::of(place), place)).collect();
    for group in ledger.groups.values() {
        let members: Option<Vec<Place>> =
            group.members.iter().map(|key| by_key.get(key).map(|place| (*place).clone())).collect();
        let record = match members {
            Some(members) => published_record(&members),
            None => published_record(&load_members(store, &group.members)?),
        };
        if record != group.record {
            ledger.changed_groups.insert(group.id.clone());
        }
    }
    counts.groups = ledger.groups.len();
    let changes = finish(store, ledger, writes, &by_key)?;
    counts.pending = stored.iter().filter(|pair| pair.status == PairStatus::Pending).count()
        + changes.pairs.iter().filter(|w| w.expected.is_none() && w.pair.status == PairStatus::Pending).count();
    before_write(store);
    if !changes.is_empty() {
        store.save_duplicates(&changes)?;
    }
    Ok(counts)
}

fn one_place(x: &Place, y: &Place) -> bool {
    x.id == y.id || (x.source == y.source && x.source_id == y.source_id)
}

/// Possible duplicates involving one source, as counted after its import.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SourceDuplicates {
    /// Pairs at or above the review threshold, not vetoed, with a place of the source.
    pub pairs: usize,
    /// Places with more candidates than the detector compares (see [`ScanCounts::capped`]).
    pub capped: usize,
}

/// How many pairs at or above the review threshold involve a place of `source` (after an
/// import: what a scan would look at). Only the source's places are searched around and
/// scored, not every pair of the registry. Nothing is written.
pub fn count_for_source(store: &dyn Store, source: &str, thresholds: &Thresholds) -> AppResult<SourceDuplicates> {
    let places = store.places(&PlaceQuery::active())?;
    let records: Vec<&PlaceRecord> = places.iter().map(|place| &place.record).collect();
    let (pairs, capped) = maillage_dedup::count_focused(
        &records,
        DEFAULT_MAX_DISTANCE_M,
        thresholds.review,
        |i| places[i].source == source,
        |i, j| !one_place(&places[i], &places[j]),
    );
    Ok(SourceDuplicates { pairs, capped })
}

/// One pair of the review queue, as shown to a coordinator.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewItem {
    pub pair: DuplicatePair,
    /// The two places as they are now (`None` when one is no longer in the registry).
    pub a: Option<Place>,
    pub b: Option<Place>,
    /// Every component of the score, in French.
    pub explanation: Vec<String>,
    /// Other queued pairs between the same two (merged) places, decided with this one.
    pub linked: usize,
}

/// The review queue: pending pairs, best score first, with both places and the explanation;
/// one pair per two (merged) places, the others counted in [`ReviewItem::linked`] (the same
/// place published by three sources makes up to nine pairs with another).
fn queue_of(store: &dyn Store) -> AppResult<Vec<ReviewItem>> {
    let groups = store.merge_groups()?;
    let side_of: HashMap<&PlaceKey, String> =
        groups.iter().flat_map(|group| group.members.iter().map(move |key| (key, group.id.clone()))).collect();
    let side = |key: &PlaceKey| side_of.get(key).cloned().unwrap_or_else(|| format!("{key}"));
    let mut pending: Vec<DuplicatePair> =
        store.duplicate_pairs()?.into_iter().filter(|pair| pair.status == PairStatus::Pending).collect();
    pending.sort_by(|x, y| y.score.total_cmp(&x.score).then_with(|| x.id.cmp(&y.id)));
    let mut first: HashMap<(String, String), usize> = HashMap::new();
    let mut kept: Vec<(DuplicatePair, usize)> = Vec::new();
    for pair in pending {
        let (x, y) = (side(&pair.a), side(&pair.b));
        let sides = if x <= y { (x, y) } else { (y, x) };
        match first.get(&sides) {
            Some(&index) => kept[index].1 += 1,
            None => {
                first.insert(sides, kept.len());
                kept.push((pair, 0));
            }
        }
    }
    kept.into_iter()
        .map(|(pair, linked)| {
            let explanation = stored_score(&pair).map(|score| explain(&score)).unwrap_or_default();
            Ok(ReviewItem {
                a: store.place_by_source_id(&pair.a.source, &pair.a.source_id)?,
                b: store.place_by_source_id(&pair.b.source, &pair.b.source_id)?,
                explanation,
                linked,
                pair,
            })
        })
        .collect()
}

/// A coordinator's decision on a queued pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    Merge,
    Distinct,
}

impl Resolution {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "merge" | "fusionner" => Some(Resolution::Merge),
            "distinct" | "distincts" => Some(Resolution::Distinct),
            _ => None,
        }
    }
}

/// What a resolution did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub pair_id: String,
    pub status: PairStatus,
    /// The merged place, for a merge.
    pub group_id: Option<String>,
}

/// Decides a pair of the review queue. An unknown id is not found, a pair already decided
/// (or a merge that contradicts an earlier decision) is a conflict, and nothing is written.
fn decide_pair(store: &dyn Store, pair_id: &str, resolution: Resolution, decided_by: &str) -> AppResult<Resolved> {
    let mut stored = store.duplicate_pairs()?;
    let index = stored.iter().position(|pair| pair.id == pair_id).ok_or_else(|| pair_not_found(pair_id))?;
    let pair = stored[index].clone();
    if pair.status != PairStatus::Pending {
        return Err(already_decided(&pair).into());
    }
    let at = now();
    let mut decided = pair.clone();
    decided.decided_by = Some(decided_by.to_owned());
    decided.decided_at = Some(at);
    match resolution {
        Resolution::Distinct => {
            // The decision is about the two places, whatever record of them the pair names:
            // every queued pair between the same two (merged) places is decided with it.
            let ledger = Ledger::new(store.merge_groups()?, &stored);
            let (left, right) = ledger.members_after(&pair.a, &pair.b);
            let (left, right): (HashSet<&PlaceKey>, HashSet<&PlaceKey>) =
                (left.iter().collect(), right.iter().collect());
            let mut writes = Vec::new();
            for other in stored.iter().filter(|other| other.status == PairStatus::Pending && other.id != pair.id) {
                let across = (left.contains(&other.a) && right.contains(&other.b))
                    || (right.contains(&other.a) && left.contains(&other.b));
                if across {
                    let mut other = other.clone();
                    other.status = PairStatus::Distinct;
                    other.decided_by = Some(decided_by.to_owned());
                    other.decided_at = Some(at);
                    writes.push(PairWrite { pair: other, expected: Some(PairStatus::Pending) });
                }
            }
            decided.status = PairStatus::Distinct;
            writes.push(PairWrite { pair: decided, expected: Some(PairStatus::Pending) });
            store.save_duplicates(&DuplicateChanges { pairs: writes, ..DuplicateChanges::default() })?;
            Ok(Resolved { pair_id: pair.id, status: PairStatus::Distinct, group_id: None })
        }
        Resolution::Merge => {
            let mut ledger = Ledger::new(store.merge_groups()?, &stored);
            if let Some((x, y)) = ledger.distinct_between(&pair.a, &pair.b) {
                return Err(StoreError::Conflict(format!(
                    "fusion refusée : {x} et {y} ont été déclarés distincts, et cette fusion les réunirait"
                ))
                .into());
            }
            let mut writes = Vec::new();
            let group = match ledger.same_group(&pair.a, &pair.b) {
                Some(group) => group,
                None => {
                    let reason = format!("fusion décidée par {decided_by} (score {})", decimal(pair.score));
                    let (group, absorbed) = ledger.merge(&pair.a, &pair.b, &reason, decided_by);
                    if let Some(gone) = absorbed {
                        move_pairs(&mut stored, &mut writes, &gone, &group);
                    }
                    group
                }
            };
            decided.status = PairStatus::Merged;
            decided.group_id = Some(group.clone());
            writes.push(PairWrite { pair: decided, expected: Some(PairStatus::Pending) });
            // Queued pairs now inside the merged place are settled by this merge.
            let inside: HashSet<&PlaceKey> = ledger.groups[&group].members.iter().collect();
            let mut settled = Vec::new();
            for other in stored.iter().filter(|other| other.status == PairStatus::Pending && other.id != pair.id) {
                if inside.contains(&other.a) && inside.contains(&other.b) {
                    let mut other = other.clone();
                    other.status = PairStatus::Merged;
                    other.group_id = Some(group.clone());
                    other.decided_by = Some(decided_by.to_owned());
                    other.decided_at = Some(at);
                    settled.push(PairWrite { pair: other, expected: Some(PairStatus::Pending) });
                }
            }
            writes.extend(settled);
            let changes = finish(store, ledger, writes, &HashMap::new())?;
            store.save_duplicates(&changes)?;
            Ok(Resolved { pair_id: pair.id, status: PairStatus::Merged, group_id: Some(group) })
        }
    }
}

/// Undoes a merged place: the group goes, every pair merged into it goes back to the review
/// queue (a person decides again; the scanner never merges them again), and every member is
/// again published as itself, exactly as it was (members are never changed by a merge).
/// Returns the members.
fn undo_group(store: &dyn Store, group_id: &str) -> AppResult<Vec<PlaceKey>> {
    let group =
        store.merge_groups()?.into_iter().find(|group| group.id == group_id).ok_or_else(|| group_gone(group_id))?;
    let pairs = store
        .duplicate_pairs()?
        .into_iter()
        .filter(|pair| pair.group_id.as_deref() == Some(group_id))
        .map(|mut pair| {
            let expected = Some(pair.status);
            pair.status = PairStatus::Pending;
            pair.group_id = None;
            pair.decided_by = None;
            pair.decided_at = None;
            PairWrite { pair, expected }
        })
        .collect();
    store.save_duplicates(&DuplicateChanges {
        pairs,
        removed_groups: vec![group_id.to_owned()],
        ..DuplicateChanges::default()
    })?;
    Ok(group.members)
}

fn pair_not_found(pair_id: &str) -> AppError {
    StoreError::NotFound(format!("paire « {pair_id} »")).into()
}

fn already_decided(pair: &DuplicatePair) -> StoreError {
    StoreError::Conflict(format!(
        "la paire {} a déjà été décidée ({}) : seule une paire en attente de revue se décide",
        pair.id,
        status_label(pair.status)
    ))
}

/// Most often the same undo sent twice: the first one undid it.
fn group_gone(group_id: &str) -> AppError {
    StoreError::Conflict(format!(
        "aucun lieu fusionné d'identifiant « {group_id} » : il n'existe pas ou plus (fusion déjà défaite ?)"
    ))
    .into()
}

/// A status in French.
pub fn status_label(status: PairStatus) -> &'static str {
    match status {
        PairStatus::Pending => "en attente de revue",
        PairStatus::Distinct => "distincts",
        PairStatus::Merged => "fusionnés",
        PairStatus::AutoMerged => "fusionnés automatiquement",
    }
}

/// The place published for a merge group: the record of [`published_record`] on the
/// registry id of the earliest member (ULIDs sort by creation), so a place already published
/// keeps its id when later sources join it. `None` when no member is active.
pub fn published_place(members: &[Place]) -> Option<Place> {
    let active: Vec<Place> = members.iter().filter(|place| place.status == PlaceStatus::Active).cloned().collect();
    let first = active.iter().min_by(|x, y| x.id.0.cmp(&y.id.0))?;
    let mut place = first.clone();
    place.record = published_record(&active);
    place.updated_at = active.iter().map(|place| place.updated_at).max().unwrap_or(place.updated_at);
    Some(place)
}

/// Whether a text is a real value rather than a placeholder ("", "inconnu", "NC",
/// "[Non diffusible]"…).
fn real_text(text: &str) -> bool {
    !is_anonymous_name(text)
}

/// The published record of merged places. Members are ordered freshest first (`date_maj`,
/// then the registry's `updated_at`, then the oldest registry id for a stable order); each
/// single field comes from the freshest member with a real value (a placeholder never wins
/// over a real value; when no member has one, the freshest member's is kept as it is); the
/// address fields come together from one member (an address, its postcode and commune must
/// agree); list fields are the union, freshest first. Nothing is ever invented: every value
/// is some member's. With no member, the default (empty) record.
pub fn published_record(members: &[Place]) -> PlaceRecord {
    let mut order: Vec<&Place> = members.iter().collect();
    order.sort_by(|x, y| {
        y.record
            .date_maj
            .cmp(&x.record.date_maj)
            .then_with(|| y.updated_at.cmp(&x.updated_at))
            .then_with(|| x.id.0.cmp(&y.id.0))
    });
    let Some(freshest) = order.first() else {
        return PlaceRecord::default();
    };
    let records: Vec<&PlaceRecord> = order.iter().map(|place| &place.record).collect();
    let mut out = (*records[0]).clone();

    fn pick_text(records: &[&PlaceRecord], get: fn(&PlaceRecord) -> &String) -> String {
        records.iter().map(|r| get(r)).find(|value| real_text(value)).unwrap_or(get(records[0])).clone()
    }
    fn pick_option<T: Clone>(
        records: &[&PlaceRecord],
        get: fn(&PlaceRecord) -> &Option<T>,
        real: fn(&T) -> bool,
    ) -> Option<T> {
        records
            .iter()
            .filter_map(|r| get(r).as_ref())
            .find(|value| real(value))
            .cloned()
            .or_else(|| get(records[0]).clone())
    }
    // A closure, not a function: `pick_option` wants `fn(&String)`, clippy wants no `&String` items.
    let text_ok = |value: &String| real_text(value);
    fn any<T>(_: &T) -> bool {
        true
    }

    out.nom = pick_text(&records, |r| &r.nom);
    out.pivot = pick_option(&records, |r| &r.pivot, |pivot: &String| identifier(pivot).is_some());
    // The address block: from the freshest member with a real street address.
    if let Some(located) = records.iter().find(|r| real_text(&r.adresse)) {
        out.adresse = located.adresse.clone();
        out.complement_adresse = located.complement_adresse.clone();
        out.code_postal = located.code_postal.clone();
        out.commune = located.commune.clone();
        out.code_insee = located.code_insee.clone();
    }
    out.code_insee = out.code_insee.clone().or_else(|| pick_option(&records, |r| &r.code_insee, text_ok));
    let usable = |c: &maillage_domain::Coordinates| maillage_dedup::candidates::usable(*c);
    out.coordinates = records.iter().filter_map(|r| r.coordinates).find(usable).or(records[0].coordinates);
    out.telephone = pick_option(&records, |r| &r.telephone, text_ok);
    out.horaires = pick_option(&records, |r| &r.horaires, any);
    out.presentation_resume = pick_option(&records, |r| &r.presentation_resume, text_ok);
    out.presentation_detail = pick_option(&records, |r| &r.presentation_detail, text_ok);
    out.source = pick_option(&records, |r| &r.source, text_ok);
    out.structure_parente = pick_option(&records, |r| &r.structure_parente, text_ok);
    out.date_maj = records.iter().filter_map(|r| r.date_maj).max();
    out.fiche_acces_libre = pick_option(&records, |r| &r.fiche_acces_libre, text_ok);
    out.prise_rdv = pick_option(&records, |r| &r.prise_rdv, text_ok);

    fn union_text(records: &[&PlaceRecord], get: fn(&PlaceRecord) -> &Vec<String>, fold: bool) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for value in records.iter().flat_map(|r| get(r).iter()) {
            let key = if fold { value.trim().to_lowercase() } else { value.trim().to_owned() };
            if real_text(value) && seen.insert(key) {
                out.push(value.clone());
            }
        }
        out
    }
    out.typologie = union_text(&records, |r| &r.typologie, false);
    out.courriels = union_text(&records, |r| &r.courriels, true);
    out.site_web = union_text(&records, |r| &r.site_web, true);
    out.autres_formations_labels = union_text(&records, |r| &r.autres_formations_labels, true);
    for r in &records[1..] {
        out.itinerance.extend(r.itinerance.iter().cloned());
        out.services.extend(r.services.iter().cloned());
        out.publics_specifiquement_adresses.extend(r.publics_specifiquement_adresses.iter().cloned());
        out.prise_en_charge_specifique.extend(r.prise_en_charge_specifique.iter().cloned());
        out.frais_a_charge.extend(r.frais_a_charge.iter().cloned());
        out.dispositif_programmes_nationaux.extend(r.dispositif_programmes_nationaux.iter().cloned());
        out.formations_labels.extend(r.formations_labels.iter().cloned());
        out.modalites_acces.extend(r.modalites_acces.iter().cloned());
        out.modalites_accompagnement.extend(r.modalites_accompagnement.iter().cloned());
    }
    // The published id in the standard is the registry's (see `published_place`); the
    // record's own id stays the freshest member's id in its source.
    out.id = freshest.record.id.clone();
    out
}

/// The merged places to publish, and the keys of every member, for exports.
pub struct Publication {
    pub groups: Vec<MergeGroup>,
    pub group_of: HashMap<PlaceKey, usize>,
}

impl Publication {
    pub fn load(store: &dyn Store) -> AppResult<Self> {
        let groups = store.merge_groups()?;
        let group_of = groups
            .iter()
            .enumerate()
            .flat_map(|(index, group)| group.members.iter().map(move |key| (key.clone(), index)))
            .collect();
        Ok(Publication { groups, group_of })
    }
}

#[cfg(test)]
mod concurrent_decisions {
    //! A decision taken while a scan runs, on both backends (PostgreSQL when
    //! `MAILLAGE_TEST_POSTGRES` names a server).

    use super::*;
    use crate::accounts::Actor;
    use crate::context::Context;
    use crate::{import_file, ImportOptions};

    const FILE: &str = "id,nom,commune,code_postal,adresse,date_maj\n\
        a,Point numérique,Bourges,18000,40 avenue de Lattre,2024-01-01\n\
        b,Point numérique du centre,Bourges,18000,40 avenue de Lattre,2024-01-01\n";

    fn options() -> ScanOptions {
        ScanOptions { sources: Vec::new(), thresholds: Thresholds { auto_merge: 1.0, review: 0.5 } }
    }

    /// The scan reads a queued pair, a person says it is distinct, the scan writes the pair's
    /// new score: it used to fail with a conflict. It starts again and keeps the decision.
    fn decision_during_scan_is_respected(store: &dyn Store) {
        let (ctx, operator) = (Context::new(store), Actor::operator(None));
        let import = ImportOptions { source: Some("essai".into()), ..ImportOptions::default() };
        import_file(&ctx, &operator, FILE.as_bytes(), "lieux.csv", &import).unwrap();
        assert_eq!(scan_places(store, &options()).unwrap().queued, 1);
        // The stored score is not what the next scan computes, so the scan rewrites the pair.
        let mut pair = store.duplicate_pairs().unwrap().remove(0);
        pair.score -= 0.01;
        let write = PairWrite { pair: pair.clone(), expected: Some(PairStatus::Pending) };
        store.save_duplicates(&DuplicateChanges { pairs: vec![write], ..DuplicateChanges::default() }).unwrap();

        let mut decided = false;
        let counts = scan_places_with(store, &options(), &mut |store| {
            if !decided {
                decided = true;
                decide_pair(store, &pair.id, Resolution::Distinct, "camille@hub.example").unwrap();
            }
        })
        .expect("the scan is not failed by a decision taken meanwhile");
        assert_eq!((counts.known, counts.queued, counts.pending), (1, 0, 0), "{counts:?}");
        let stored = store.duplicate_pairs().unwrap().remove(0);
        assert_eq!(stored.status, PairStatus::Distinct);
        assert_eq!(stored.decided_by.as_deref(), Some("camille@hub.example"));
    }

    #[test]
    fn on_sqlite() {
        decision_during_scan_is_respected(&maillage_store_sqlite::SqliteStore::in_memory().unwrap());
    }

    #[test]
    fn on_postgres() {
        let Ok(url) = std::env::var("MAILLAGE_TEST_POSTGRES") else {
            println!("on_postgres : ignoré, MAILLAGE_TEST_POSTGRES n'est pas définie");
            return;
        };
        let server: postgres::Config = url.parse().unwrap();
        let name = format!("maillage_test_{}", maillage_store::new_batch_id());
        let mut admin = server.connect(postgres::NoTls).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let mut config = server.clone();
        config.dbname(&name);
        {
            let store = maillage_store_postgres::PostgresStore::from_config(config, Default::default()).unwrap();
            decision_during_scan_is_respected(&store);
        }
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    }
}
