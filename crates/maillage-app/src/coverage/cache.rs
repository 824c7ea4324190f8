//! The coverage of recent requests, kept per data version of the store: a France-wide answer
//! costs a full computation (every commune against every place) and weighs megabytes, and the
//! same few requests come again and again (the public page, the API's usual filters).
//!
//! An entry is keyed by the store's [`data_version`](maillage_store::Store::data_version) and
//! everything the request says; any write of places, bassins or indicators advances the
//! version, so an entry is never served after its data changed. The version is read before
//! the data: a write committed during a computation leaves an entry under the older version,
//! which the next request (seeing the newer one) does not use.
//!
//! Bounded: a few entries, the least recently used dropped first, entries of older versions
//! dropped as soon as a newer one is seen. Misses are computed one at a time, so a burst of
//! identical requests costs one computation (the others wait, then find it) and never holds
//! more than one computation's memory.

use std::sync::{Arc, Mutex, OnceLock};

use maillage_coverage::Filters;
use maillage_store::Store;
use maillage_territory::Territory;

use super::{coverage, CoverageReport, CoverageRequest, Scope};
use crate::territory::Level;
use crate::AppResult;

/// An answer as the cache keeps it: the report, and its JSON written once on first demand (a
/// France-wide answer is megabytes of JSON, longer to write than to find).
#[derive(Debug)]
pub struct CachedCoverage {
    pub report: CoverageReport,
    json: OnceLock<Vec<u8>>,
}

impl CachedCoverage {
    /// The report as JSON, as the API sends it.
    pub fn json(&self) -> &[u8] {
        // Strings, numbers, and maps keyed by strings: nothing in a report can fail to serialise.
        self.json.get_or_init(|| serde_json::to_vec(&self.report).expect("a coverage report serialises"))
    }
}

impl std::ops::Deref for CachedCoverage {
    type Target = CoverageReport;
    fn deref(&self) -> &CoverageReport {
        &self.report
    }
}

/// How many answers a cache keeps by default.
pub const CACHED_REPORTS: usize = 8;

#[derive(Clone, Debug, PartialEq)]
struct Key {
    data_version: u64,
    level: Level,
    filters: Filters,
    scope: Scope,
    /// The thresholds' bits: `-0.0` and `0.0` are refused anyway, and equal bits are equal
    /// requests.
    thresholds: Vec<u64>,
    by_priority: bool,
    limit: Option<usize>,
}

impl Key {
    fn of(data_version: u64, request: &CoverageRequest) -> Key {
        Key {
            data_version,
            level: request.level,
            filters: request.filters.clone(),
            scope: request.scope,
            thresholds: request.thresholds_km.iter().map(|t| t.to_bits()).collect(),
            by_priority: request.by_priority,
            limit: request.limit,
        }
    }
}

/// Coverage answers of one territory, shared by every request of a server.
pub struct CoverageCache {
    capacity: usize,
    /// Most recently used last.
    entries: Mutex<Vec<(Key, Arc<CachedCoverage>)>>,
    /// Held while computing a miss.
    computing: Mutex<()>,
    computed: std::sync::atomic::AtomicU64,
}

impl Default for CoverageCache {
    fn default() -> Self {
        CoverageCache::new(CACHED_REPORTS)
    }
}

impl CoverageCache {
    pub fn new(capacity: usize) -> CoverageCache {
        CoverageCache {
            capacity: capacity.max(1),
            entries: Mutex::new(Vec::new()),
            computing: Mutex::new(()),
            computed: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many answers were computed rather than found (for tests and the logs).
    pub fn computations(&self) -> u64 {
        self.computed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many answers are kept now.
    pub fn len(&self) -> usize {
        self.lock_entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// [`coverage`] of the request, computed once per data version of the store. Refused
    /// requests (invalid thresholds) are refused each time and never kept. `territory` must
    /// be the same for every call on one cache.
    pub fn coverage(
        &self,
        store: &dyn Store,
        territory: &Territory,
        request: &CoverageRequest,
    ) -> AppResult<Arc<CachedCoverage>> {
        let key = Key::of(store.data_version()?, request);
        if let Some(found) = self.find(&key) {
            return Ok(found);
        }
        let _computing = self.computing.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Whoever held the lock before may have computed this very answer.
        if let Some(found) = self.find(&key) {
            return Ok(found);
        }
        let report = Arc::new(CachedCoverage { report: coverage(store, territory, request)?, json: OnceLock::new() });
        self.computed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut entries = self.lock_entries();
        let newest = entries.iter().map(|(k, _)| k.data_version).max().unwrap_or(0).max(key.data_version);
        entries.retain(|(k, _)| k.data_version == newest);
        if key.data_version == newest {
            if entries.len() >= self.capacity {
                entries.remove(0);
            }
            entries.push((key, report.clone()));
        }
        Ok(report)
    }

    fn find(&self, key: &Key) -> Option<Arc<CachedCoverage>> {
        let mut entries = self.lock_entries();
        let at = entries.iter().position(|(k, _)| k == key)?;
        let entry = entries.remove(at);
        let report = entry.1.clone();
        entries.push(entry);
        Some(report)
    }

    fn lock_entries(&self) -> std::sync::MutexGuard<'_, Vec<(Key, Arc<CachedCoverage>)>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
