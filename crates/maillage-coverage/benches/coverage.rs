//! Coverage benchmark: all communes of France against 30,000 places (the real fixture
//! places, then copies shifted by a few km), full recompute and single-place updates.
//!
//! `cargo bench -p maillage-coverage --bench coverage [-- --write-csv DIR] [--places N]`
//! `--write-csv DIR` also writes `communes.csv` and `places.csv` (the same points) for
//! `scripts/bench-postgis.sh`.

#[path = "../tests/coverage/support/mod.rs"]
mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use maillage_coverage::{CoverageIndex, CoveragePlace, Level};
use maillage_territory::{LatLon, Territory};
use support::{replicated_places, Lcg};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn stats(label: &str, times: Vec<Duration>) {
    let max = *times.iter().max().unwrap();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{label:<28} n={:<5} median {:>8.3} ms  mean {:>8.3} ms  max {:>8.3} ms",
        times.len(),
        ms(median(times)),
        ms(mean),
        ms(max)
    );
}

fn write_csv(dir: &str, territory: &Territory, places: &[CoveragePlace]) {
    std::fs::create_dir_all(dir).expect("csv folder");
    let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/communes.csv")).unwrap());
    writeln!(f, "code,lat,lon").unwrap();
    for c in territory.communes() {
        if let Some(p) = c.point {
            writeln!(f, "{},{},{}", c.code_insee, p.lat, p.lon).unwrap();
        }
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/places.csv")).unwrap());
    writeln!(f, "id,lat,lon").unwrap();
    for p in places {
        writeln!(f, "{},{},{}", p.id.replace([',', '"'], "_"), p.point.lat, p.point.lon).unwrap();
    }
    println!("wrote {dir}/communes.csv and {dir}/places.csv");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let count: usize = arg("--places").and_then(|v| v.parse().ok()).unwrap_or(30_000);

    let territory = Territory::embedded();
    let places = replicated_places(&territory, count);
    if let Some(dir) = arg("--write-csv") {
        write_csv(&dir, &territory, &places);
    }
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "communes with a point: {}  places: {}  threads available: {threads}",
        territory.communes().iter().filter(|c| c.point.is_some()).count(),
        places.len()
    );

    // Full recompute: build from scratch (R-trees + every commune's nearest place).
    let mut full = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let index = CoverageIndex::build(&territory, &places);
        full.push(t.elapsed());
        std::hint::black_box(index.commune_count());
    }
    let mut index = CoverageIndex::build(&territory, &places).with_threads(1);
    let mut recompute_1 = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        index.recompute_all();
        recompute_1.push(t.elapsed());
    }
    let mut index = CoverageIndex::build(&territory, &places);
    let mut recompute = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        index.recompute_all();
        recompute.push(t.elapsed());
    }
    stats("build from scratch", full.clone());
    stats("recompute_all (parallel)", recompute);
    stats("recompute_all (1 thread)", recompute_1.clone());
    let t = Instant::now();
    let aggregates: usize =
        [Level::Epci, Level::Departement, Level::Region].iter().map(|l| index.aggregate(*l).len()).sum();
    let priorities = index.priorities(|_| Some(5.0)).len();
    println!(
        "aggregations (EPCI, dép., région) + priorities: {:.3} ms ({aggregates} areas, {priorities} communes)",
        ms(t.elapsed())
    );

    // Single-place updates, 1,000 of each.
    let mut rng = Lcg(2026);
    let mut adds = Vec::new();
    let mut added = Vec::new();
    for k in 0..1000 {
        let base = &places[rng.below(places.len())];
        let point = LatLon::new(base.point.lat + (rng.unit() - 0.5) * 0.1, base.point.lon + (rng.unit() - 0.5) * 0.1);
        let p = CoveragePlace {
            id: format!("bench-{k}"),
            name: "Nouveau lieu".into(),
            point,
            code_commune: base.code_commune.clone(),
        };
        added.push(p.id.clone());
        let t = Instant::now();
        index.add_place(p).unwrap();
        adds.push(t.elapsed());
    }
    let mut moves = Vec::new();
    for _ in 0..1000 {
        let base = &places[rng.below(places.len())];
        let point = LatLon::new(base.point.lat + (rng.unit() - 0.5) * 0.05, base.point.lon + (rng.unit() - 0.5) * 0.05);
        let id = if rng.below(2) == 0 {
            added[rng.below(added.len())].clone()
        } else {
            places[rng.below(places.len())].id.clone()
        };
        let t = Instant::now();
        index.move_place(&id, point, base.code_commune.clone()).unwrap();
        moves.push(t.elapsed());
    }
    let mut removes = Vec::new();
    let mut removable: Vec<String> = added.clone();
    removable.extend(places.iter().take(20_000).map(|p| p.id.clone()));
    for _ in 0..1000 {
        let id = removable.swap_remove(rng.below(removable.len()));
        let t = Instant::now();
        index.remove_place(&id).unwrap();
        removes.push(t.elapsed());
    }
    stats("add_place", adds);
    stats("move_place", moves);
    stats("remove_place", removes);

    // The incremental result is the full recompute's.
    let incremental = index.communes();
    index.recompute_all();
    assert_eq!(incremental, index.communes(), "incremental differs from full recompute");
    println!("check: incremental updates == full recompute ({} communes)", incremental.len());
    if let Some(dir) = arg("--write-csv") {
        // The nearest place of every commune for the initial places, to compare with PostGIS.
        let index = CoverageIndex::build(&territory, &places);
        let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/rust_nearest.csv")).unwrap());
        writeln!(f, "code,id,km").unwrap();
        for c in index.communes() {
            if let Some(n) = c.nearest {
                writeln!(f, "{},{},{}", c.code_insee, n.place_id.replace([',', '"'], "_"), n.distance_km).unwrap();
            }
        }
    }
    println!("RUST_FULL_MS={:.3}", ms(median(full)));
    println!("RUST_FULL_1THREAD_MS={:.3}", ms(median(recompute_1)));
}
