//! Time to make the monographs' documents on the demo data (the 23 bassins of Centre-Val de
//! Loire, in-memory SQLite): one bassin's edition read from the store and printed as a PDF
//! (target: under 2 s), then all 23 generated from the store (one read, one coverage
//! computation), published and printed (target: under 20 s); the ODT beside them.
//!
//! Run: `cargo bench -p maillage-app --bench monographs [-- RUNS]`

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::monographie::{self, document};
use maillage_app::places::demo;
use maillage_store::MonographStore;
use maillage_store_sqlite::SqliteStore;
use maillage_territory::Territory;

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

fn main() {
    let runs: u32 = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(3);
    let territory = Territory::embedded();
    let store = SqliteStore::in_memory().expect("an in-memory store");
    let operator = Actor::operator(None);
    let ctx = Context::new(&store);
    demo::load_if_empty(&ctx, &operator, &territory).expect("the demo data");
    let now = chrono::Utc::now();

    let mut all = Duration::MAX;
    let mut pages = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let editions = monographie::publish_all(&ctx, &operator, &territory, now).expect("the editions");
        let mut bytes = 0;
        for edition in &editions {
            let content = monographie::read_content(edition).expect("an edition");
            bytes += document::pdf(&content, edition, &territory).expect("a PDF").len();
        }
        all = all.min(start.elapsed());
        pages = bytes;
        assert_eq!(editions.len(), 23);
    }
    println!(
        "all 23 monographs generated, published and printed as PDF: {} (best of {runs}; target < 20 s), {:.1} MB",
        ms(all),
        pages as f64 / 1e6
    );

    for bassin in ["Chinon", "Tours", "Orléans"] {
        let (mut pdf, mut odt) = (Duration::MAX, Duration::MAX);
        let (mut pdf_size, mut odt_size) = (0, 0);
        for _ in 0..runs {
            let start = Instant::now();
            let edition = store.monograph_editions(bassin).expect("editions").pop().expect("an edition");
            let content = monographie::read_content(&edition).expect("an edition");
            pdf_size = document::pdf(&content, &edition, &territory).expect("a PDF").len();
            pdf = pdf.min(start.elapsed());
            let start = Instant::now();
            odt_size = document::odt(&content, &edition, &territory).expect("an ODT").len();
            odt = odt.min(start.elapsed());
        }
        println!(
            "{bassin}: PDF {} ({} kB; target < 2 s), ODT {} ({} kB)",
            ms(pdf),
            pdf_size / 1000,
            ms(odt),
            odt_size / 1000
        );
    }
}
