//! Time per request of the France-wide coverage (`/api/v1/couverture?perimetre=france`, every
//! commune of France at commune level) without and with the coverage cache, on the demo data
//! (the Centre-Val de Loire places built into the binary) in an in-memory SQLite store.
//!
//! "Answer" is the computation plus the JSON the API writes; a cached request is a data-version
//! read and a lookup, its JSON written once with the first.
//!
//! Run: `cargo bench -p maillage-app --bench coverage_cache [-- REQUESTS]`

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::coverage::{coverage, CoverageCache, CoverageRequest, Scope};
use maillage_app::places::demo;
use maillage_store::Store;
use maillage_store_sqlite::SqliteStore;
use maillage_territory::Territory;

fn per_request(total: Duration, requests: usize) -> String {
    format!("{:.2} ms", total.as_secs_f64() * 1000.0 / requests as f64)
}

fn main() {
    let requests: usize = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(10);
    let territory = Territory::embedded();
    let store = SqliteStore::in_memory().expect("an in-memory store");
    demo::load_if_empty(&Context::new(&store), &Actor::operator(None), &territory).expect("the demo data");
    let places = store.places(&maillage_store::PlaceQuery::active()).expect("places").len();
    let request = CoverageRequest { scope: Scope::France, ..CoverageRequest::default() };
    println!("{places} places, France-wide coverage at commune level, {requests} requests each");

    let mut bytes = 0;
    let started = Instant::now();
    let mut computing = Duration::ZERO;
    for _ in 0..requests {
        let start = Instant::now();
        let report = coverage(&store, &territory, &request).expect("coverage");
        computing += start.elapsed();
        bytes = serde_json::to_vec(&report).expect("JSON").len();
    }
    let uncached = started.elapsed();
    println!(
        "without cache: {} per answer ({} computing), {:.1} MB of JSON",
        per_request(uncached, requests),
        per_request(computing, requests),
        bytes as f64 / 1e6
    );

    let cache = CoverageCache::default();
    let start = Instant::now();
    cache.coverage(&store, &territory, &request).expect("coverage");
    println!("with cache, first request (computed): {}", per_request(start.elapsed(), 1));
    let started = Instant::now();
    let mut lookups = Duration::ZERO;
    for _ in 0..requests {
        let start = Instant::now();
        let report = cache.coverage(&store, &territory, &request).expect("coverage");
        lookups += start.elapsed();
        bytes = report.json().len();
    }
    let cached = started.elapsed();
    println!(
        "with cache, next requests: {} per answer ({} finding it), {:.1} MB of JSON; computed {} time(s)",
        per_request(cached, requests),
        per_request(lookups, requests),
        bytes as f64 / 1e6,
        cache.computations()
    );
}
