//! The same place filed N times (6,000 by default): an import, the duplicate count the
//! command prints after it, then a full `duplicates scan`, on a SQLite file. Before candidates
//! were bounded, every copy met every other one: 6,000 copies took 6 GB, and the scan was
//! killed. Prints times and the peak resident memory after each step (also measured from
//! outside by `/usr/bin/time -v`).
//!
//! Run: `cargo bench -p maillage-app --bench copies [-- COPIES]`

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Read;
use std::path::Path;

use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::duplicates::ScanOptions;
use maillage_app::{import_file, ImportOptions};
use maillage_dedup::Thresholds;
use maillage_store_sqlite::SqliteStore;
use serde_json::Value;

mod common;

use common::{peak_memory_mb, timed};

/// N copies of the first located place of the data·inclusion file, each with its own id.
fn build_input(copies: usize) -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures/lieux/data-inclusion-lieux-2023.json.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()).read_to_string(&mut text).unwrap();
    let items: Vec<Value> = serde_json::from_str(&text).unwrap();
    let original = items
        .into_iter()
        .find(|item| item.get("latitude").and_then(Value::as_f64).is_some() && item.get("nom").is_some())
        .expect("a located place");
    let copies: Vec<Value> = (0..copies)
        .map(|index| {
            let mut item = original.clone();
            item["id"] = Value::String(format!("copie-{index}"));
            item
        })
        .collect();
    serde_json::to_vec(&copies).unwrap()
}

fn main() {
    let copies: usize = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(6_000);
    let input = build_input(copies);
    println!("input: {copies} copies of one place, {:.1} MB of JSON", input.len() as f64 / 1e6);
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("copies.db")).unwrap();
    let (ctx, operator) = (Context::new(&store), Actor::operator(None));
    let options = ImportOptions { source: Some("copies".to_owned()), ..ImportOptions::default() };

    let (report, seconds) = timed(|| import_file(&ctx, &operator, &input, "copies.json", &options).unwrap());
    let created = report.batch.counts.created;
    println!("import: {seconds:.2} s ({created} created); peak memory so far {:.0} MB", peak_memory_mb());
    drop((report, input));

    let (found, seconds) =
        timed(|| maillage_app::duplicates::count_for_source(&store, "copies", &Thresholds::default()).unwrap());
    let memory = peak_memory_mb();
    println!("duplicates counted after the import: {found:?} in {seconds:.2} s; peak memory so far {memory:.0} MB");

    let (counts, seconds) = timed(|| maillage_app::duplicates::scan(&ctx, &operator, &ScanOptions::default()).unwrap());
    println!("duplicates scan: {seconds:.2} s, {counts:?}; peak memory {:.0} MB", peak_memory_mb());
}
