//! The coverage cache: a second identical request is not computed again, a write of the
//! registry makes the next one recomputed, and what does not touch the registry (a sign-in)
//! keeps the cache.

use std::sync::Arc;

use maillage_app::accounts::sign_in;
use maillage_app::coverage::{CoverageCache, CoverageRequest, Scope};
use maillage_app::territory::Level;
use maillage_coverage::Filters;

use crate::support::*;

#[test]
fn a_second_request_is_served_from_the_cache_until_the_registry_changes() {
    let hub = Hub::new();
    hub.place("Médiathèque");
    let cache = CoverageCache::new(2);
    let territory = territory();
    let request = CoverageRequest { level: Level::Departement, scope: Scope::France, ..CoverageRequest::default() };
    let first = cache.coverage(&hub.store, &territory, &request).unwrap();
    assert_eq!((cache.computations(), first.lieux_retenus), (1, 1));
    let again = cache.coverage(&hub.store, &territory, &request).unwrap();
    assert_eq!(cache.computations(), 1);
    assert!(Arc::ptr_eq(&first, &again));
    // Its JSON is written once, and is the report's.
    assert!(std::ptr::eq(first.json(), again.json()));
    assert_eq!(first.json(), serde_json::to_vec(&first.report).unwrap().as_slice());

    // Another filter set is another answer.
    let filtered = CoverageRequest { filters: Filters::parse(["weekend"]).unwrap(), ..request.clone() };
    let weekend = cache.coverage(&hub.store, &territory, &filtered).unwrap();
    assert_eq!((cache.computations(), weekend.lieux_retenus), (2, 0));
    cache.coverage(&hub.store, &territory, &request).unwrap();
    assert_eq!(cache.computations(), 2);

    // A sign-in writes, but not the registry.
    sign_in(&hub.ctx(), "admin@hub.example", PASSWORD, t0()).unwrap();
    cache.coverage(&hub.store, &territory, &request).unwrap();
    assert_eq!(cache.computations(), 2);

    // A new place: the next answer is computed again and counts it; older ones are dropped.
    hub.place("Espace numérique");
    let after = cache.coverage(&hub.store, &territory, &request).unwrap();
    assert_eq!((cache.computations(), after.lieux_retenus), (3, 2));
    assert_eq!(cache.len(), 1);

    // Bounded: a third filter set pushes out the least recently used.
    let others = ["gratuit", "itinerant"]
        .map(|filter| CoverageRequest { filters: Filters::parse([filter]).unwrap(), ..request.clone() });
    for other in &others {
        cache.coverage(&hub.store, &territory, other).unwrap();
    }
    assert_eq!((cache.computations(), cache.len()), (5, 2));
    cache.coverage(&hub.store, &territory, &request).unwrap();
    assert_eq!(cache.computations(), 6);

    // A refused request is refused each time and never kept.
    let refused = CoverageRequest { thresholds_km: vec![f64::INFINITY], ..request };
    assert!(cache.coverage(&hub.store, &territory, &refused).is_err());
    assert_eq!((cache.computations(), cache.len()), (6, 2));
}
