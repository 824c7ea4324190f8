//! Import and export of 100,000 places on a SQLite file.
//!
//! The input is built by replicating the real files of `data/fixtures/lieux/` with shifted ids
//! and coordinates until 100,000 rows, written as one JSON array (what a national file looks
//! like). Prints wall-clock times and the process's peak resident memory.
//!
//! The import is measured as `maillage import` runs it: the import, then the count of possible
//! duplicates involving the imported source.
//!
//! Run: `cargo bench -p maillage-app --bench import_export [-- ROWS]`
//!
//! With `MAILLAGE_BENCH_POSTGRES=postgres://user@host/db` set, the same import and export run
//! a second time on PostgreSQL, in a throw-away database made on that server and dropped after,
//! so the two backends are measured side by side on the same input.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::places::export::{export_places, ExportFilter};
use maillage_app::{import_file, ImportOptions};
use maillage_formats::export::ExportFormat;
use maillage_store::Store;
use maillage_store_postgres::PostgresStore;
use maillage_store_sqlite::SqliteStore;
use serde_json::Value;

mod common;

use common::{peak_memory_mb, timed};

fn build_input(rows: usize) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures/lieux");
    // (file index, object): the fixture files overlap on purpose (two snapshots of one
    // source), so ids are made unique per file as well as per copy.
    let mut originals: Vec<(usize, serde_json::Map<String, Value>)> = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
        .collect();
    names.sort();
    for (file_index, path) in names.into_iter().enumerate() {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()).read_to_string(&mut text).unwrap();
        let items: Vec<Value> = serde_json::from_str(&text).unwrap();
        originals.extend(items.into_iter().filter_map(|item| match item {
            Value::Object(map) => Some((file_index, map)),
            _ => None,
        }));
    }
    let mut out = Vec::with_capacity(rows * 1200);
    out.push(b'[');
    for index in 0..rows {
        let copy = index / originals.len();
        let (file_index, original) = &originals[index % originals.len()];
        let mut item = original.clone();
        let id = item.get("id").map(|v| v.to_string().trim_matches('"').to_owned()).unwrap_or_default();
        item.insert("id".to_owned(), Value::String(format!("{id}-f{file_index}-r{copy}-{index}")));
        // About 20 m per copy: distinct points that stay in their commune, as real places do.
        let shift = copy as f64 * 0.0002;
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

/// The import and the export, measured in a process of their own so that the peak memory
/// is that of the import, not of building the input.
fn measure_in_child(input: &Path, db: &str) {
    let bytes = std::fs::read(input).unwrap();
    let store: Box<dyn Store> = if db.starts_with("postgres://") {
        Box::new(PostgresStore::connect(db).unwrap())
    } else {
        Box::new(SqliteStore::open(Path::new(db)).unwrap())
    };
    let store = store.as_ref();
    println!("backend: {}", store.backend_name());
    let (territory, seconds) = timed(maillage_territory::Territory::embedded);
    println!("territory load: {seconds:.2} s");
    // As the `maillage import` command does: every record is placed in its commune.
    let options =
        ImportOptions { source: Some("bench".to_owned()), territory: Some(&territory), ..ImportOptions::default() };

    // As the command line does: the operator imports.
    let (ctx, operator) = (Context::new(store), Actor::operator(None));
    let import_start = Instant::now();
    let (report, import_seconds) = timed(|| import_file(&ctx, &operator, &bytes, "bench.json", &options).unwrap());
    let c = &report.batch.counts;
    println!(
        "import: {import_seconds:.2} s ({} read, {} created, {} rejected, {} report lines); peak memory so far {:.0} MB",
        c.read,
        c.created,
        c.rejected,
        report.lines.len(),
        peak_memory_mb()
    );
    drop(report);
    // As the command does after the commit: the possible duplicates involving the source.
    let (duplicates, seconds) = timed(|| {
        maillage_app::duplicates::count_for_source(store, "bench", &maillage_dedup::Thresholds::default()).unwrap()
    });
    let memory = peak_memory_mb();
    println!(
        "duplicates counted after the import: {duplicates:?} in {seconds:.2} s; peak memory so far {memory:.0} MB"
    );
    println!("import command (import + duplicate count): {:.2} s", import_start.elapsed().as_secs_f64());

    let (exported, seconds) =
        timed(|| export_places(store, None, ExportFormat::Csv, &ExportFilter::default(), std::io::sink()).unwrap());
    println!("export CSV: {seconds:.2} s ({exported} places); peak memory so far {:.0} MB", peak_memory_mb());

    let (second, seconds) = timed(|| import_file(&ctx, &operator, &bytes, "bench.json", &options).unwrap());
    let unchanged = second.batch.counts.unchanged;
    println!(
        "re-import of the same file: {seconds:.2} s ({unchanged} unchanged); peak memory {:.0} MB",
        peak_memory_mb()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|arg| arg == "--child") {
        measure_in_child(Path::new(&args[position + 1]), &args[position + 2]);
        return;
    }
    let rows: usize = args.iter().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(100_000);
    let input = build_input(rows);
    println!("input: {rows} rows, {:.1} MB of JSON", input.len() as f64 / 1e6);

    // Where the time goes: reading alone, then reading and building the typed records.
    let start = Instant::now();
    let mut rows_read = 0;
    maillage_formats::reader::for_each_row::<()>(&input, "bench.json", |_| {
        rows_read += 1;
        Ok(())
    })
    .unwrap();
    println!("read only: {:.2} s ({rows_read} rows)", start.elapsed().as_secs_f64());
    let start = Instant::now();
    let mut columns = maillage_formats::standard::StandardColumns::default();
    let mut kept = 0;
    maillage_formats::reader::for_each_row::<()>(&input, "bench.json", |row| {
        let built = maillage_domain::build_record(&columns.row_to_raw(&row));
        kept += usize::from(built.record.is_some());
        Ok(())
    })
    .unwrap();
    println!("read and build: {:.2} s ({kept} kept)", start.elapsed().as_secs_f64());

    let dir = tempfile::tempdir().unwrap();
    let input_path = dir.path().join("bench.json");
    std::fs::write(&input_path, &input).unwrap();
    drop(input);
    let run_child = |db: &str| {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--child")
            .arg(&input_path)
            .arg(db)
            .status();
        assert!(status.unwrap().success());
    };
    run_child(dir.path().join("bench.db").to_str().unwrap());

    if let Ok(server) = std::env::var("MAILLAGE_BENCH_POSTGRES") {
        let name = format!("maillage_bench_{}", std::process::id());
        let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = server.rsplit_once('/').expect("the URL ends with a database name").0;
        println!();
        run_child(&format!("{base}/{name}"));
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    }
}
