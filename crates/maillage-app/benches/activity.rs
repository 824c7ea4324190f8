//! Time of a dashboard's figures (a département and a year, with the year before and the
//! months for the charts) over 20,000 entries of the activity log: computed once the entries
//! are read, then whole as the server answers it (the use case reading the entries and the
//! directory's merges from a SQLite store, in memory). Target: under 100 ms.
//!
//! Run: `cargo bench -p maillage-app --bench activity [-- ENTRIES]`

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashMap;
use std::time::Instant;

use chrono::{NaiveDate, TimeDelta};
use maillage_app::accounts::Actor;
use maillage_app::activity::bilan;
use maillage_app::activity::figures::{self, Period, Selector};
use maillage_app::context::Context;
use maillage_store::contract_activity::activity_entry;
use maillage_store::{ActivityKind, ActivityStore};

fn main() {
    let count: usize = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(20_000);
    let departements = ["18", "28", "36", "37", "41", "45"];
    // A small deterministic generator: the same entries at every run.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |bound: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    };
    let first = NaiveDate::from_ymd_opt(2022, 1, 1).expect("a day");
    let entries: Vec<_> = (0..count)
        .map(|index| {
            let date = first + TimeDelta::days(next(3 * 365) as i64);
            let departement = departements[next(6) as usize];
            let mut entry = activity_entry(&format!("e{index:06}"), date, Some(departement));
            entry.kind = ActivityKind::ALL[next(7) as usize];
            entry.actors = (0..next(8)).map(|_| format!("a{}", next(3_000))).collect();
            entry.headcount = next(20) as u32;
            entry
        })
        .collect();
    let mut entries = entries;
    entries.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    // One actor in ten merged into another.
    let canonical: HashMap<String, String> =
        (0..300).map(|index| (format!("a{}", index * 10), format!("a{}", index * 10 + 1))).collect();
    let period = Period::year(2023).expect("a year");
    let selector = Selector::Departement("37".to_owned());
    let runs = 20;
    let started = Instant::now();
    let mut actors = 0;
    for _ in 0..runs {
        let current = figures::figures(&entries, &canonical, &selector, &period);
        let previous = figures::figures(&entries, &canonical, &selector, &period.previous());
        let monthly = figures::monthly(&entries, &canonical, &selector, &period);
        actors = current.actors + previous.actors + monthly.len() as u32;
    }
    let each = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    println!(
        "{count} entries, département 37, year 2023 with the year before and 12 months: {each:.2} ms per dashboard (target < 100 ms) [{actors}]"
    );

    let store = maillage_store_sqlite::SqliteStore::in_memory().expect("a store");
    for entry in &entries {
        store.add_activity(entry).expect("an entry");
    }
    let ctx = Context::new(&store);
    let actor = Actor::operator(None);
    let started = Instant::now();
    let mut entries_counted = 0;
    for _ in 0..runs {
        let dashboard = bilan::dashboard(&ctx, &actor, &selector, &period).expect("a dashboard");
        entries_counted = dashboard.figures.entries;
    }
    let each = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    println!(
        "the same read from the store by the use case (SQLite in memory): {each:.2} ms per dashboard (target < 100 ms) [{entries_counted} entries]"
    );
}
