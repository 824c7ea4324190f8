//! Writes N places across mainland France for the web benchmark (`scripts/bench-web.sh`): the
//! records of the real files of `data/fixtures/lieux/` (names, services, hours, labels as they
//! are in the wild), each moved to a commune drawn at random among France's mainland communes,
//! a few hundred metres around its point, with that commune's code, name and postcode. The
//! draw is seeded, so every run writes the same file.
//!
//! Run: `cargo run --release -p maillage-app --example bench_places -- 30000 places.json`

use std::io::{Read, Write};
use std::path::Path;

use serde_json::Value;

/// xorshift64*: enough randomness for spreading points, and no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Uniform in [-1, 1).
    fn signed(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(30_000);
    let out = args.next().unwrap_or_else(|| "places.json".to_owned());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures/lieux");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("data/fixtures/lieux")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
        .collect();
    names.sort();
    let mut originals: Vec<serde_json::Map<String, Value>> = Vec::new();
    for path in names {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("fixture file"))
            .read_to_string(&mut text)
            .expect("gzip JSON");
        let items: Vec<Value> = serde_json::from_str(&text).expect("a JSON array");
        originals.extend(items.into_iter().filter_map(|item| match item {
            Value::Object(map) => Some(map),
            _ => None,
        }));
    }
    let territory = maillage_territory::Territory::embedded();
    // Mainland and Corsica: the overseas départements (97x) are far away and few.
    let communes: Vec<_> = territory
        .communes()
        .iter()
        .filter(|c| c.point.is_some() && !c.code_departement.starts_with("97") && !c.postcodes.is_empty())
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out).expect("output file"));
    file.write_all(b"[").expect("write");
    for index in 0..rows {
        let mut item = originals[rng.below(originals.len())].clone();
        let commune = communes[rng.below(communes.len())];
        let point = commune.point.expect("filtered on points");
        item.insert("id".to_owned(), Value::String(format!("bench-{index}")));
        item.insert("latitude".to_owned(), serde_json::json!(point.lat + rng.signed() * 0.004));
        item.insert("longitude".to_owned(), serde_json::json!(point.lon + rng.signed() * 0.006));
        item.insert("code_insee".to_owned(), Value::String(commune.code_insee.clone()));
        item.insert("commune".to_owned(), Value::String(commune.name.clone()));
        item.insert("code_postal".to_owned(), Value::String(commune.postcodes[0].clone()));
        if index > 0 {
            file.write_all(b",").expect("write");
        }
        serde_json::to_writer(&mut file, &item).expect("write");
    }
    file.write_all(b"]").expect("write");
    file.flush().expect("write");
    eprintln!("{rows} lieux écrits dans {out}");
}
