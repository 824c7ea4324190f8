//! Keeping the directory in step with the store: [`DirectoryHandle::sync`] reads the places
//! written since the last poll and swaps in a new directory when any changed.
//!
//! A place's `updated_at` is taken when it is written, inside its transaction, so a transaction
//! that commits late makes rows appear "in the past". Two guards keep them from being missed:
//! every poll re-reads [`SYNC_OVERLAP`] before the latest `updated_at` already seen, and an
//! import batch seen for the first time (batches become visible with their commit) makes the
//! poll re-read from that batch's start. Re-read places whose version is already indexed cost
//! nothing more than the read.
//!
//! Merges and undos write no place: each poll compares the store's merge groups with those the
//! directory was built with, and reloads the directory whole when they differ, or when a place
//! that belongs to a merged place changed (its published record is computed from every member).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use chrono::{DateTime, TimeDelta, Utc};
use maillage_domain::Place;
use maillage_store::{PlaceQuery, Store};

use super::Directory;
use crate::AppResult;

/// How far before the latest seen `updated_at` each poll starts reading again.
/// Writes outside imports (a person's edit, a merge) are short transactions: a few seconds
/// covers them; imports are caught by their batch.
pub const SYNC_OVERLAP: TimeDelta = TimeDelta::seconds(10);

/// The current directory, shared by every request; replaced atomically on sync.
pub struct DirectoryHandle {
    current: ArcSwap<Directory>,
    /// Import batches already taken into account; serialises syncs too.
    seen_batches: Mutex<Option<HashSet<String>>>,
}

/// What one poll did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncOutcome {
    /// Places read from the store.
    pub read: usize,
    /// Places added, replaced or removed in the directory.
    pub applied: usize,
}

impl DirectoryHandle {
    pub fn new(directory: Directory) -> DirectoryHandle {
        DirectoryHandle { current: ArcSwap::from_pointee(directory), seen_batches: Mutex::new(None) }
    }

    /// The directory as of now; hold it for one request, not longer.
    pub fn current(&self) -> Arc<Directory> {
        self.current.load_full()
    }

    /// Replaces the directory (a full reload, or a test's own).
    pub fn replace(&self, directory: Directory) {
        self.current.store(Arc::new(directory));
    }

    /// Reads what changed in the store since the last poll and applies it.
    pub fn sync(&self, store: &dyn Store) -> AppResult<SyncOutcome> {
        let mut seen_guard = self.seen_batches.lock().unwrap_or_else(|p| p.into_inner());
        let batches = store.batches()?;
        let first_poll = seen_guard.is_none();
        let seen = seen_guard.get_or_insert_with(HashSet::new);
        let directory = self.current();
        let groups = store.merge_groups()?;
        let merged_changed = !directory.merges().same_groups(&groups);
        if directory.visibility().is_outdated() || merged_changed {
            // A new day (some places crossed the cut-off without being written), or a merge or
            // an undo: reload whole.
            return self.reload(store, &directory);
        }
        let mut since: Option<DateTime<Utc>> = directory.watermark().map(|w| w - SYNC_OVERLAP);
        for batch in &batches {
            if !seen.contains(&batch.id) {
                // On the first poll every batch is new: the directory was loaded after they
                // committed, so only the overlap matters.
                if !first_poll {
                    since = Some(since.map_or(batch.started_at, |s| s.min(batch.started_at)) - SYNC_OVERLAP);
                }
                seen.insert(batch.id.clone());
            }
        }
        let query = PlaceQuery { source: None, status: None, updated_since: since };
        let mut read = 0;
        let mut watermark = directory.watermark();
        let mut changed: Vec<Place> = Vec::new();
        let mut member_changed = false;
        store.visit_places(&query, &mut |place| {
            read += 1;
            watermark = watermark.max(Some(place.updated_at));
            // A place under the public cut-off is treated as withdrawn.
            let is_active = directory.visibility().shows(&place);
            if directory.merges().is_member(&place) {
                if !directory.merges().member_unchanged(&place, is_active) {
                    member_changed = true;
                }
                return Ok(());
            }
            let known = directory.get(&place.id.0).map(|e| e.place.version);
            let unchanged = match known {
                Some(version) => is_active && version == place.version,
                None => !is_active,
            };
            if !unchanged {
                changed.push(place);
            }
            Ok(())
        })?;
        if member_changed {
            // A merged place is published from all its members: rebuild it with the rest.
            let mut outcome = self.reload(store, &directory)?;
            outcome.read += read;
            return Ok(outcome);
        }
        let applied = changed.len();
        if applied > 0 || watermark != directory.watermark() {
            self.replace(directory.with_changes(changed, watermark));
        }
        Ok(SyncOutcome { read, applied })
    }

    /// Rebuilds the directory whole from the store. A merge or an undo changes which places
    /// are served, not always how many: at least one change is counted.
    fn reload(&self, store: &dyn Store, directory: &Directory) -> AppResult<SyncOutcome> {
        let visibility = super::Visibility::as_of_today(directory.visibility().cutoff_months);
        let reloaded = Directory::load_visible(store, directory.territory().clone(), visibility)?;
        let applied = reloaded.len().abs_diff(directory.len()).max(1);
        self.replace(reloaded);
        Ok(SyncOutcome { read: 0, applied })
    }
}
