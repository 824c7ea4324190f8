//! Scans 100,000 places for duplicates: the real Conseillers numériques (2022-07, 2022-12) and
//! data·inclusion 2023 files replicated with shifted ids and coordinates.
//!
//! Each copy is moved `SHIFT_M` metres north of the previous one (default 700 m, beyond the
//! 500 m search radius), so every town gets denser and the R-tree has 9 times the work. Copies
//! keep their commune, name and address, so the blocking rules (same commune and same name,
//! or same number and street; unlocated places against their commune) pair each place with
//! its copies, as a registry fed the same file nine times would: a worst case for scoring.
//!
//! `cargo bench -p maillage-dedup --bench scan` (optionally `SHIFT_M=300`, `PLACES=200000`).

use std::time::Instant;

use maillage_dedup::{candidate_record_pairs, decide, scan_records, Decision, Thresholds, DEFAULT_MAX_DISTANCE_M};
use maillage_domain::{build_record, PlaceRecord};

fn load(name: &str) -> Vec<PlaceRecord> {
    let path = format!("{}/../../data/fixtures/lieux/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).expect("fixture");
    let mut records = Vec::new();
    maillage_formats::reader::for_each_row::<()>(&bytes, name, |row| {
        if let Some(record) = build_record(&maillage_formats::standard::row_to_raw(&row)).record {
            records.push(record);
        }
        Ok(())
    })
    .expect("fixture reads");
    records
}

fn main() {
    let target: usize = std::env::var("PLACES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let shift_m: f64 = std::env::var("SHIFT_M").ok().and_then(|v| v.parse().ok()).unwrap_or(700.0);
    let mut base = Vec::new();
    for name in ["cnfs-lieux-2022-07.json.gz", "cnfs-lieux-2022-12.json.gz", "data-inclusion-lieux-2023.json.gz"] {
        base.extend(load(name));
    }
    let located = base.iter().filter(|r| r.coordinates.is_some()).count();
    let mut places = Vec::with_capacity(target);
    let mut copy = 0usize;
    while places.len() < target {
        for record in &base {
            if places.len() == target {
                break;
            }
            let mut record = record.clone();
            record.id = format!("{}-{copy}", record.id);
            if let Some(c) = record.coordinates.as_mut() {
                // One degree of latitude is about 111.2 km.
                c.latitude += copy as f64 * shift_m / 111_195.0;
            }
            places.push(record);
        }
        copy += 1;
    }
    println!(
        "{} places ({} base records, {located} located, {copy} copies, {shift_m} m apart)",
        places.len(),
        base.len()
    );
    let refs: Vec<&PlaceRecord> = places.iter().collect();
    let thresholds = Thresholds::default();

    let start = Instant::now();
    let candidates = candidate_record_pairs(&refs, DEFAULT_MAX_DISTANCE_M);
    let candidates_time = start.elapsed();

    let start = Instant::now();
    let found = scan_records(&refs, DEFAULT_MAX_DISTANCE_M, thresholds.review, |_, _| true);
    let scan_time = start.elapsed();
    let merge = found.iter().filter(|p| decide(&p.score, &thresholds) == Decision::Merge).count();
    println!("candidates: {} pairs in {:.3} s", candidates.len(), candidates_time.as_secs_f64());
    println!(
        "full scan (prepare + candidates + score): {:.3} s, {} pairs at or above review ({} merge)",
        scan_time.as_secs_f64(),
        found.len(),
        merge
    );
    assert!(scan_time.as_secs_f64() < 5.0, "target: under 5 s");
}
