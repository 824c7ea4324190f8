//! The real places of `data/fixtures/lieux/`, as coverage places.
#![allow(dead_code)]

use std::path::PathBuf;

use maillage_coverage::CoveragePlace;
use maillage_domain::{build_record, PlaceRecord};
use maillage_territory::{LatLon, Territory};

pub const FIXTURES: [&str; 6] = [
    "aix-en-provence-2024.json.gz",
    "cnfs-lieux-2022-07.json.gz",
    "cnfs-lieux-2022-12.json.gz",
    "data-inclusion-lieux-2023.json.gz",
    "le-havre-2024.json.gz",
    "mednum-hub-antilles-2023.json.gz",
];

/// Every record of every fixture file that builds, with the file's name.
pub fn fixture_records() -> Vec<(String, PlaceRecord)> {
    let mut out = Vec::new();
    for name in FIXTURES {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures/lieux").join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        maillage_formats::reader::for_each_row::<()>(&bytes, name, |row| {
            let raw = maillage_formats::standard::row_to_raw(&row);
            if let Some(record) = build_record(&raw).record {
                out.push((name.to_owned(), record));
            }
            Ok(())
        })
        .expect("fixture reads");
    }
    out
}

/// A record as a coverage place: its coordinates, else its commune's point; its commune
/// from its INSEE code, else from the point.
pub fn to_place(territory: &Territory, file: &str, n: usize, record: &PlaceRecord) -> Option<CoveragePlace> {
    let commune = record.code_insee.as_deref().and_then(|c| territory.resolve_code(c));
    let point = match record.coordinates {
        Some(c) => LatLon::new(c.latitude, c.longitude),
        None => commune?.point?,
    };
    let code_commune = commune.or_else(|| territory.commune_at(point.lat, point.lon)).map(|c| c.code_insee.clone());
    Some(CoveragePlace { id: format!("{file}#{n:05}"), name: record.nom.clone(), point, code_commune })
}

/// The fixture places, each with a point.
pub fn fixture_places(territory: &Territory) -> Vec<CoveragePlace> {
    fixture_records()
        .iter()
        .enumerate()
        .filter_map(|(n, (file, record))| to_place(territory, file, n, record))
        .collect()
}

/// `count` places for benchmarks: the fixture places, then copies shifted by a few km.
pub fn replicated_places(territory: &Territory, count: usize) -> Vec<CoveragePlace> {
    let base = fixture_places(territory);
    let mut out = Vec::with_capacity(count);
    let mut rng = Lcg(42);
    let mut copy = 0usize;
    while out.len() < count {
        for p in &base {
            if out.len() >= count {
                break;
            }
            let mut q = p.clone();
            if copy > 0 {
                // A few km in a random direction.
                q.point.lat += (rng.unit() - 0.5) * 0.08;
                q.point.lon += (rng.unit() - 0.5) * 0.12;
                q.id = format!("{}~{copy}", p.id);
                q.code_commune = territory.commune_at(q.point.lat, q.point.lon).map(|c| c.code_insee.clone());
            }
            out.push(q);
        }
        copy += 1;
    }
    out
}

/// A small deterministic generator (no dependency).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 11
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() as f64) / ((1u64 << 53) as f64)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}
