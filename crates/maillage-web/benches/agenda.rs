//! The agenda at a busy hub's scale: 5,000 published events over the next three years across
//! the six départements of Centre-Val de Loire, then through the router, server side (no
//! network), per request (mean, median, 95th percentile):
//! - the whole hub's iCalendar feed (`/agenda/agenda.ics`, every event);
//! - `/agenda` with filters (territory, kind, public) and without (a page of 20);
//! - the JSON API's list for a département.
//!
//! Run: `cargo bench -p maillage-web --bench agenda [-- EVENTS]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use chrono::TimeDelta;
use maillage_store::{contract_agenda, AgendaKind, AgendaStore, Event, EventSession, EventStatus};
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
                kind: AgendaKind::ALL[n % AgendaKind::ALL.len()],
                territory: departement.to_owned(),
                departement: Some(departement.to_owned()),
                address: Some(format!("{n} rue de la Mairie")),
                sessions: vec![EventSession { start, end: start + TimeDelta::hours(3) }],
                publics: vec![publics[n % publics.len()].to_owned()],
                status: if n % 50 == 0 { EventStatus::Annule } else { EventStatus::Programme },
                capacity: Some(30),
                created_at: now,
                updated_at: now,
                ..contract_agenda::event(&format!("Temps fort n° {n}"), None)
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
        ("/agenda without filters (first page)", "/agenda"),
        ("/agenda without filters, page 10", "/agenda?page=10"),
        ("/api/v1/evenements?territoire=37", "/api/v1/evenements?territoire=37"),
    ];
    // Built once, as the server does.
    let app = router(state.clone());
    let get = |uri: &str| -> (Duration, usize) {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let start = Instant::now();
        let body = runtime.block_on(async {
            let response = app.clone().oneshot(request).await.unwrap();
            assert!(response.status().is_success(), "{uri}: {}", response.status());
            axum::body::to_bytes(response.into_body(), 256 << 20).await.unwrap()
        });
        (start.elapsed(), body.len())
    };
    for (label, uri) in cases {
        let runs: Vec<(Duration, usize)> = (0..60).map(|_| get(uri)).collect();
        report(label, runs);
    }
    // The first request after another server changed an event: the copy in memory reads it.
    let mut edited = store.events(&Default::default()).expect("the events").swap_remove(count / 2);
    let runs: Vec<(Duration, usize)> = (0..60)
        .map(|n| {
            edited =
                Event { title: format!("Temps fort corrigé {n}"), sequence: edited.sequence + 1, ..edited.clone() };
            store.update_event(&edited).expect("the correction");
            get("/agenda?territoire=37&type=atelier&public=m%C3%A9diateurs")
        })
        .collect();
    report("/agenda with filters, just after an event changed", runs);
}

fn report(label: &str, runs: Vec<(Duration, usize)>) {
    let size = runs.last().map_or(0, |run| run.1);
    let mut times: Vec<Duration> = runs.into_iter().map(|run| run.0).collect();
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
