//! The open data at national scale: 30,000 places across France (one at a point of each of
//! 30,000 communes, named and served like real ones), then
//! - the OGC API items of a département's box (`/ogc/collections/lieux/items?bbox=…`) through
//!   the router, server side (no network), per request: mean, median and 95th percentile;
//! - a full publication (standard CSV and JSON, GeoJSON, data·inclusion, coverage per commune,
//!   manifest, catalogue) into a temporary folder.
//!
//! Run: `cargo bench -p maillage-web --bench open_data [-- PLACES]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::{import_file, ImportOptions};
use maillage_store_sqlite::SqliteStore;
use maillage_territory::Territory;
use maillage_web::{router, WebState};
use tower::ServiceExt;

fn places_csv(territory: &Territory, count: usize) -> Vec<u8> {
    let services = [
        "Aide aux démarches administratives",
        "Maîtrise des outils numériques du quotidien",
        "Accès internet et matériel informatique",
    ];
    let mut out = String::from(
        "id,nom,commune,code_postal,code_insee,adresse,latitude,longitude,services,frais_a_charge,horaires,date_maj\n",
    );
    let communes: Vec<_> =
        territory.communes().iter().filter(|c| c.point.is_some() && !c.postcodes.is_empty()).collect();
    for index in 0..count {
        let commune = communes[index % communes.len()];
        let point = commune.point.unwrap();
        let shift = (index / communes.len()) as f64 * 0.001;
        out.push_str(&format!(
            "p{index},Espace numérique {index},\"{}\",{},{},{} rue de la Mairie,{:.5},{:.5},{},Gratuit,Mo-Fr 09:00-12:00,2026-10-01\n",
            commune.name.replace('"', ""),
            commune.postcodes[0],
            commune.code_insee,
            index % 90 + 1,
            point.lat + shift,
            point.lon + shift,
            services[index % services.len()],
        ));
    }
    out.into_bytes()
}

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn main() {
    let count: usize = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(30_000);
    let territory = Arc::new(Territory::embedded());
    let store = Arc::new(SqliteStore::in_memory().expect("an in-memory store"));
    let started = Instant::now();
    let options = ImportOptions {
        source: Some("bench".into()),
        mapping: None,
        candidates: &[],
        prune: false,
        territory: Some(&territory),
        hold_outside: None,
    };
    let report = import_file(
        &Context::new(store.as_ref()),
        &Actor::operator(None),
        &places_csv(&territory, count),
        "bench.csv",
        &options,
    )
    .expect("the import");
    println!("{} places imported in {}", report.batch.counts.created, millis(started.elapsed()));
    let state = WebState::new(store.clone(), territory.clone()).expect("the directory");

    // The Cher's box, from its communes' points.
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for commune in territory.departement_communes("18") {
        if let Some(p) = commune.point {
            (x0, y0, x1, y1) = (x0.min(p.lon), y0.min(p.lat), x1.max(p.lon), y1.max(p.lat));
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    for limit in [100, 1000] {
        let uri = format!("/ogc/collections/lieux/items?bbox={x0:.4},{y0:.4},{x1:.4},{y1:.4}&limit={limit}");
        let mut times = Vec::new();
        let mut matched = 0;
        for _ in 0..200 {
            let app = router(state.clone());
            let request = Request::get(&uri).body(Body::empty()).unwrap();
            let start = Instant::now();
            let response = runtime.block_on(async {
                let response = app.oneshot(request).await.unwrap();
                axum::body::to_bytes(response.into_body(), 256 << 20).await.unwrap()
            });
            times.push(start.elapsed());
            let body: serde_json::Value = serde_json::from_slice(&response).unwrap();
            matched = body["numberMatched"].as_u64().unwrap_or(0);
        }
        times.sort();
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        println!(
            "OGC items, Cher box ({matched} places matched), limit={limit}: mean {}, median {}, p95 {}",
            millis(mean),
            millis(times[times.len() / 2]),
            millis(times[times.len() * 95 / 100]),
        );
    }

    let folder = tempfile::tempdir().expect("a folder");
    let settings = maillage_app::publication::PublicationSettings {
        dir: folder.path().to_owned(),
        producer: "bench".into(),
        base_url: Some("https://hub.example".into()),
        publisher: "Hub".into(),
        visible: maillage_app::directory::Visibility::all(),
    };
    for run in 1..=3 {
        let started = Instant::now();
        let manifest = maillage_app::publication::publish(
            &Context::new(store.as_ref()),
            &Actor::operator(None),
            &territory,
            &settings,
        )
        .expect("the publication");
        let bytes: u64 = manifest.fichiers.iter().map(|file| file.octets).sum();
        println!(
            "full publication #{run}: {} places, {} files, {:.1} MB in {}",
            manifest.lieux,
            manifest.fichiers.len(),
            bytes as f64 / 1e6,
            millis(started.elapsed())
        );
    }
}
