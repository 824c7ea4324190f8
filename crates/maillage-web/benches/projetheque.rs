//! Server time of the regional projethèque (`/projets`) and its API (`/api/v1/projets`) with
//! 2,000 published projects across the 23 bassins of the demo (Centre-Val de Loire), in an
//! in-memory SQLite store, through the whole router (query reading, store, template or JSON).
//! Target: under 20 ms per answer.
//!
//! Run: `cargo bench -p maillage-web --bench projetheque [-- REQUESTS]`

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_store::{new_id, Need, NeedKind, PntStore, PntTerritory, Project, Stage, StageChange, Store};
use maillage_store_sqlite::SqliteStore;
use maillage_territory::Territory;
use maillage_web::{router_with_accounts, AccountsConfig, SiteConfig, WebState};
use tower::ServiceExt;

const PROJECTS: usize = 2_000;

fn project(n: usize, bassin: &str) -> Project {
    let at = maillage_store::now();
    let stage = Stage::ALL[n % 4];
    Project {
        id: new_id(),
        title: format!("Projet {n:04} du bassin de {bassin}"),
        description: "Une action de médiation numérique portée par les acteurs du bassin.".repeat(3),
        territories: vec![PntTerritory::bassin(bassin)],
        axe: Some(["animation", "emergence", "competences", "accompagnement"][n % 4].to_owned()),
        stage,
        stages: vec![StageChange { stage, at, by: None, by_name: "Hub".to_owned(), reason: None }],
        carriers: Vec::new(),
        partners: Vec::new(),
        needs: vec![Need {
            kind: NeedKind::ALL[n % 5],
            amount: Some(1_000 * n as u64),
            etp: None,
            description: String::new(),
        }],
        funding: Vec::new(),
        communes: Vec::new(),
        events: Vec::new(),
        incubator: Vec::new(),
        progress: String::new(),
        carrier_accounts: Vec::new(),
        published: true,
        created_by: None,
        created_at: at,
        updated_by: None,
        updated_by_name: "Hub".to_owned(),
        updated_at: at,
        version: 1,
    }
}

fn main() {
    let requests: usize = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(200);
    let territory = Arc::new(Territory::embedded());
    let store = SqliteStore::in_memory().expect("an in-memory store");
    maillage_app::places::demo::load_if_empty(&Context::new(&store), &Actor::operator(None), &territory).expect("demo");
    let mut bassins: Vec<String> = store.bassins().expect("bassins").into_iter().map(|m| m.bassin).collect();
    bassins.sort();
    bassins.dedup();
    for n in 0..PROJECTS {
        store.add_project(&project(n, &bassins[n % bassins.len()])).expect("a project");
    }
    println!("{PROJECTS} projects across {} bassins, {requests} requests each", bassins.len());
    let state = WebState::new(Arc::new(store), territory).expect("state");
    let dir = std::env::temp_dir().join(format!("maillage-bench-{}", std::process::id()));
    let config =
        Arc::new(AccountsConfig::with_outbox(&dir, "https://hub.example", b"une cle de banc d'essai assez longue"));
    let router = router_with_accounts(state, SiteConfig::default(), config);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let chinon = format!("bassin={}", "Chinon");
    for uri in [
        "/projets".to_owned(),
        format!("/projets?{chinon}"),
        "/projets?etape=en_cours&besoin=etp".to_owned(),
        "/api/v1/projets".to_owned(),
        format!("/api/v1/projets?{chinon}&limite=50"),
        "/api/v1/projets?axe=emergence&besoin=argent".to_owned(),
    ] {
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let request = Request::get(&uri).body(Body::empty()).expect("request");
            let start = Instant::now();
            let response = runtime.block_on(router.clone().oneshot(request)).expect("answer");
            let status = response.status();
            let _ = runtime.block_on(axum::body::to_bytes(response.into_body(), 1 << 24)).expect("body");
            times.push(start.elapsed());
            assert_eq!(status, StatusCode::OK, "{uri}");
        }
        times.sort();
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        println!("{uri}: median {:.2} ms, p95 {:.2} ms", ms(times[requests / 2]), ms(times[requests * 95 / 100]));
    }
}
