//! The mapping assistant on a 5,000-row export: reading the rows and proposing a mapping.
//!
//! The input is Hinaura's real export (36 columns: free-text hours per day, lists of services,
//! long descriptions) repeated with changed names and addresses until 5,000 rows, as one JSON
//! array. Prints the time of each step (best and median of 7 runs); the target is under one
//! second for the proposal.
//!
//! Run: `cargo bench -p maillage-formats --bench suggest [-- ROWS]`

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use maillage_formats::reader::sample_rows;
use maillage_formats::suggest::{suggest, SuggestOptions};
use serde_json::Value;

fn input(rows: usize) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/raw-hubs/hinaura-raw-2023.json.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("test data"))
        .read_to_string(&mut text)
        .expect("gzip");
    let originals: Vec<Value> = serde_json::from_str(&text).expect("JSON array");
    let mut out = Vec::with_capacity(rows);
    for copy in 0.. {
        for original in &originals {
            if out.len() == rows {
                return serde_json::to_vec(&out).expect("JSON");
            }
            let mut item = original.clone();
            if let Value::Object(map) = &mut item {
                for key in ["Nom du lieu ou de la structure *", "Adresse postale *"] {
                    if let Some(Value::String(value)) = map.get_mut(key) {
                        value.push_str(&format!(" {copy}"));
                    }
                }
            }
            out.push(item);
        }
    }
    unreachable!("the loop returns once enough rows are made")
}

fn report(step: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{step:<34} meilleur {:>8.1} ms   médiane {:>8.1} ms",
        times[0].as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3
    );
}

fn main() {
    let rows: usize = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(5_000);
    let bytes = input(rows);
    println!("{rows} lignes, {:.1} Mo de JSON", bytes.len() as f64 / 1e6);
    let (mut reading, mut proposing, mut writing) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..7 {
        let start = Instant::now();
        let (info, sample) = sample_rows(&bytes, "hinaura.json", rows).expect("readable");
        reading.push(start.elapsed());
        let start = Instant::now();
        let proposal =
            suggest(&info.columns, &sample, &SuggestOptions { source: None, file: Some("hinaura.json".into()) })
                .expect("a proposal");
        proposing.push(start.elapsed());
        let start = Instant::now();
        let text = proposal.to_toml();
        writing.push(start.elapsed());
        assert!(text.contains("[fields]"));
    }
    report("lecture des lignes", reading);
    report("proposition (profil + règles)", proposing);
    report("écriture du TOML commenté", writing);
}
