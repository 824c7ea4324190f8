//! Import and export of 100,000 places on a SQLite file.
//!
//! The input is built by replicating the real files of `data/fixtures/lieux/` with shifted ids
//! and coordinates until 100,000 rows, written as one JSON array (what a national file looks
//! like). Prints wall-clock times and the process's peak resident memory.
//!
//! Run: `cargo bench -p maillage-app --bench import_export [-- ROWS]`

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use maillage_app::export::{export_places, ExportFilter};
use maillage_app::{import_file, ImportOptions};
use maillage_formats::export::ExportFormat;
use maillage_store_sqlite::SqliteStore;
use serde_json::Value;

fn peak_memory_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn build_input(rows: usize) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures/lieux");
    let mut originals: Vec<serde_json::Map<String, Value>> = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".json.gz")).collect();
    names.sort();
    for path in names {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()).read_to_string(&mut text).unwrap();
        let items: Vec<Value> = serde_json::from_str(&text).unwrap();
        originals.extend(items.into_iter().filter_map(|item| match item {
            Value::Object(map) => Some(map),
            _ => None,
        }));
    }
    let mut out = Vec::with_capacity(rows * 1200);
    out.push(b'[');
    for index in 0..rows {
        let copy = index / originals.len();
        let mut item = originals[index % originals.len()].clone();
        let id = item.get("id").map(|v| v.to_string().trim_matches('"').to_owned()).unwrap_or_default();
        item.insert("id".to_owned(), Value::String(format!("{id}-r{copy}")));
        let shift = copy as f64 * 0.013;
        for key in ["latitude", "longitude"] {
            if let Some(value) = item.get(key).and_then(Value::as_f64) {
                item.insert(key.to_owned(), serde_json::json!(value + shift));
            }
        }
        if index > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &item).unwrap();
    }
    out.push(b']');
    out
}

fn main() {
    let rows: usize = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(100_000);
    let input = build_input(rows);
    println!("input: {rows} rows, {:.1} MB of JSON", input.len() as f64 / 1e6);
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("bench.db")).unwrap();
    let before = peak_memory_mb();

    let start = Instant::now();
    let report = import_file(&store, &input, "bench.json", &ImportOptions { source: Some("bench".to_owned()), ..ImportOptions::default() }).unwrap();
    let import_time = start.elapsed();
    let c = &report.batch.counts;
    println!(
        "import: {:.2} s ({} read, {} created, {} rejected, {} report lines)",
        import_time.as_secs_f64(),
        c.read,
        c.created,
        c.rejected,
        report.lines.len()
    );
    drop(report);

    let start = Instant::now();
    let mut sink = std::io::sink();
    let exported = export_places(&store, ExportFormat::Csv, &ExportFilter::default(), &mut sink).unwrap();
    println!("export CSV: {:.2} s ({exported} places)", start.elapsed().as_secs_f64());

    let start = Instant::now();
    let second = import_file(&store, &input, "bench.json", &ImportOptions { source: Some("bench".to_owned()), ..ImportOptions::default() }).unwrap();
    println!("re-import of the same file: {:.2} s ({} unchanged)", start.elapsed().as_secs_f64(), second.batch.counts.unchanged);
    println!("peak memory: {:.0} MB (of which {:.0} MB before the import: input bytes and program)", peak_memory_mb(), before);
}
