//! The agenda at a busy hub's scale: 5,000 published events over the next three years across
//! the six départements of Centre-Val de Loire, then through the router, server side (no
//! network), per request (mean, median, 95th percentile):
//! - the whole hub's iCalendar feed (`/agenda/agenda.ics`, every event);
//! - `/agenda` with filters (territory, kind, public) and without;
//! - the JSON API's list for a département.
//!
//! Run: `cargo bench -p maillage-web --bench agenda [-- EVENTS]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use chrono::TimeDelta;
use maillage_store::{AgendaKind, AgendaStore, Event, EventScale, EventSession, EventStatus, Publication};
use maillage_store_sqlite::SqliteStore;
use maillage_territory::Territory;
use maillage_web::{router, WebState};
use tower::ServiceExt;

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn events(count: usize) -> Vec<Event> {
    let departements = ["18", "28", "36", "37", "41", "45"];
    let publics = ["médiateurs", "élus", "bénévoles", "professionnels du social"];
    let now = maillage_store::now();
    (0..count)
        .map(|n| {
            let start = now + TimeDelta::hours(2 + (n as i64 * 3 * 365 * 24) / count as i64);
            let departement = departements[n % departements.len()];
            Event {
                id: maillage_store::new_id(),
                title: format!("Temps fort n° {n}"),
                description: "Ordre du jour :\n- accueil\n- **ateliers**\n- suites".to_owned(),
                kind: AgendaKind::ALL[n % AgendaKind::ALL.len()],
                scale: EventScale::Departement,
                territory: departement.to_owned(),
                departement: Some(departement.to_owned()),
                organisers: vec!["Hub-Lo".to_owned()],
                place_id: None,
                address: Some(format!("{n} rue de la Mairie")),
                online_url: None,
                sessions: vec![EventSession { start, end: start + TimeDelta::hours(3) }],
                publics: vec![publics[n % publics.len()].to_owned()],
                contact: None,
                status: if n % 50 == 0 { EventStatus::Annule } else { EventStatus::Programme },
                publication: Publication::Publie,
                projects: Vec::new(),
                attachments: Vec::new(),
                capacity: Some(30),
                registration: true,
                deadline: None,
                seats_per_person: 1,
                approval: false,
                questions: Vec::new(),
                series_id: None,
                sequence: 0,
                report: None,
                created_by: None,
                created_at: now,
                updated_at: now,
            }
        })
        .collect()
}

fn main() {
    let count: usize = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(5_000);
    let territory = Arc::new(Territory::embedded());
    let store = Arc::new(SqliteStore::in_memory().expect("an in-memory store"));
    let started = Instant::now();
    store.add_events(&events(count)).expect("the events");
    println!("{count} events added in {}", millis(started.elapsed()));
    let state = WebState::new(store.clone(), territory).expect("the state");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let cases = [
        ("hub iCalendar feed", "/agenda/agenda.ics"),
        ("/agenda with filters (37, atelier, médiateurs)", "/agenda?territoire=37&type=atelier&public=m%C3%A9diateurs"),
        ("/agenda with a territory filter (37)", "/agenda?territoire=37"),
        ("/agenda month view, filtered", "/agenda?vue=mois&territoire=37"),
        ("/agenda without filters", "/agenda"),
        ("/api/v1/evenements?territoire=37", "/api/v1/evenements?territoire=37"),
    ];
    for (label, uri) in cases {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..60 {
            let app = router(state.clone());
            let request = Request::get(uri).body(Body::empty()).unwrap();
            let start = Instant::now();
            let body = runtime.block_on(async {
                let response = app.oneshot(request).await.unwrap();
                assert!(response.status().is_success(), "{uri}: {}", response.status());
                axum::body::to_bytes(response.into_body(), 256 << 20).await.unwrap()
            });
            times.push(start.elapsed());
            size = body.len();
        }
        times.sort();
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        println!(
            "{label}: {:.0} kB, mean {}, median {}, p95 {}",
            size as f64 / 1e3,
            millis(mean),
            millis(times[times.len() / 2]),
            millis(times[times.len() * 95 / 100]),
        );
    }
}
