//! Timings of the territory: loading the pack, point-in-commune lookups, search-box
//! queries and importer name matching, at national scale. Run with
//! `cargo bench -p maillage-territory`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use maillage_territory::{PackFiles, Territory};

/// xorshift64*: reproducible pseudo-random numbers without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

fn report(what: &str, n: usize, total: Duration, extra: &str) {
    println!(
        "{what:<48} {n:>9} in {:>8.1} ms  ({:>7.2} µs each){extra}",
        total.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e6 / n as f64
    );
}

fn main() {
    // Load: five times, report the best and the median.
    let mut loads = Vec::new();
    let mut territory = None;
    for _ in 0..5 {
        let t0 = Instant::now();
        let t = Territory::from_pack(&PackFiles::EMBEDDED).expect("pack loads");
        loads.push(t0.elapsed());
        territory = Some(t);
    }
    let t = territory.unwrap();
    loads.sort();
    println!(
        "load pack (embedded, {} communes)                 best {:.1} ms, median {:.1} ms",
        t.communes().len(),
        loads[0].as_secs_f64() * 1e3,
        loads[2].as_secs_f64() * 1e3
    );

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    // 1M random points in metropolitan France's bounding box (many at sea or abroad).
    let n = 1_000_000;
    let points: Vec<(f64, f64)> =
        (0..n).map(|_| (41.3 + rng.unit() * (51.1 - 41.3), -5.2 + rng.unit() * (9.6 + 5.2))).collect();
    let t0 = Instant::now();
    let mut hits = 0usize;
    for &(lat, lon) in &points {
        hits += usize::from(black_box(t.commune_at(lat, lon)).is_some());
    }
    report("commune_at, random points in metro bbox", n, t0.elapsed(), &format!("  {hits} in a commune"));

    // 1M points near real communes (representative point ± ~1 km): every lookup does work.
    let with_point: Vec<_> = t.communes().iter().filter_map(|c| c.point).collect();
    let points: Vec<(f64, f64)> = (0..n)
        .map(|_| {
            let p = with_point[rng.below(with_point.len())];
            (p.lat + (rng.unit() - 0.5) * 0.02, p.lon + (rng.unit() - 0.5) * 0.02)
        })
        .collect();
    let t0 = Instant::now();
    let mut hits = 0usize;
    for &(lat, lon) in &points {
        hits += usize::from(black_box(t.commune_at(lat, lon)).is_some());
    }
    report("commune_at, real communes' points jittered", n, t0.elapsed(), &format!("  {hits} in a commune"));

    // 100k search-box queries: prefixes (3 letters to the whole name) of real names, typed
    // in lower case, a quarter of them postcodes.
    let communes = t.communes();
    let queries: Vec<String> = (0..100_000)
        .map(|_| {
            let c = &communes[rng.below(communes.len())];
            if rng.below(4) == 0 && !c.postcodes.is_empty() {
                let pc = &c.postcodes[0];
                return pc[..2 + rng.below(4)].to_string();
            }
            let chars: Vec<char> = c.name.to_lowercase().chars().collect();
            let len = 3 + rng.below(chars.len().saturating_sub(2).max(1));
            chars[..len.min(chars.len())].iter().collect()
        })
        .collect();
    let mut each = Vec::with_capacity(queries.len());
    let t0 = Instant::now();
    let mut found = 0usize;
    for q in &queries {
        let s = Instant::now();
        found += black_box(t.search_communes(q, 10)).len();
        each.push(s.elapsed());
    }
    let total = t0.elapsed();
    each.sort();
    report(
        "search_communes, prefixes of real names (10)",
        queries.len(),
        total,
        &format!(
            "  median {:.1} µs, p99 {:.1} µs, max {:.1} µs, {found} results",
            percentile(&each, 0.5).as_secs_f64() * 1e6,
            percentile(&each, 0.99).as_secs_f64() * 1e6,
            each.last().unwrap().as_secs_f64() * 1e6
        ),
    );

    // Worst case of the search box: one or two letters match thousands of names.
    let short = ["s", "sa", "sai", "saint", "saint ", "la", "le", "b"];
    let t0 = Instant::now();
    let rounds = 1_000;
    for _ in 0..rounds {
        for q in short {
            black_box(t.search_communes(q, 10));
        }
    }
    report("search_communes, 1–6 letter prefixes", rounds * short.len(), t0.elapsed(), "");

    // 100k importer lookups: upper-cased names as files write them, with their postcode.
    let rows: Vec<(String, String)> = (0..100_000)
        .filter_map(|_| {
            let c = &communes[rng.below(communes.len())];
            let pc = c.postcodes.first()?.clone();
            Some((pc, c.name.to_uppercase().replace('-', " ").replace("SAINT ", "ST ")))
        })
        .collect();
    let t0 = Instant::now();
    let mut matched = 0usize;
    for (pc, name) in &rows {
        matched += usize::from(black_box(t.find_commune_by_name(pc, name)).is_some());
    }
    report("find_commune_by_name, \"ST ETIENNE\" style", rows.len(), t0.elapsed(), &format!("  {matched} matched"));

    // EPCI names, with the legal form spelled out.
    let names: Vec<String> = t
        .epcis()
        .iter()
        .map(|e| e.name.replacen("CC ", "Communauté de communes ", 1).replacen("CA ", "Communauté d'agglomération ", 1))
        .collect();
    let t0 = Instant::now();
    let mut matched = 0usize;
    for name in &names {
        matched += usize::from(black_box(t.find_epci_by_name(name, None)).is_some());
    }
    report("find_epci_by_name, spelled-out legal forms", names.len(), t0.elapsed(), &format!("  {matched} matched"));
}
