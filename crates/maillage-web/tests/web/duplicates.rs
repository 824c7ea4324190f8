//! The duplicate review pages: decisions, conflicts, undo, and the roles refused.

use axum::http::StatusCode;
use chrono::Utc;
use maillage_domain::Place;
use maillage_store::contract::snapshot_items;
use maillage_store::{AccountStore, Store};
use maillage_store_sqlite::SqliteStore;

use super::common::hub::*;
use maillage_app::accounts::Actor;
use maillage_app::context::Context;

/// A place imported from a source (not created through the pages), in Bourges.
pub(crate) fn imported(source: &str, source_id: &str, name: &str, address: &str, at: (f64, f64)) -> Place {
    let record = maillage_domain::PlaceRecord {
        id: source_id.to_owned(),
        nom: name.to_owned(),
        adresse: address.to_owned(),
        commune: "Bourges".to_owned(),
        code_postal: "18000".to_owned(),
        coordinates: Some(maillage_domain::Coordinates { latitude: at.0, longitude: at.1 }),
        ..Default::default()
    };
    Place::first_version(maillage_store::new_place_id(), source, source_id, record, Utc::now())
}

pub(crate) fn import(store: &SqliteStore, source: &str, places: &[Place]) {
    let mut batch = maillage_store::ImportBatch {
        id: maillage_store::new_batch_id(),
        source: source.to_owned(),
        file_name: format!("{source}.json"),
        started_at: maillage_store::now(),
        finished_at: None,
        counts: Default::default(),
    };
    let mut session = store.begin_import(&batch).unwrap();
    for place in places {
        session.insert(place, "h").unwrap();
    }
    batch.finished_at = Some(batch.started_at);
    session.commit(&batch).unwrap();
}

/// The same two places (a médiathèque, a centre social) published by two sources with
/// different names and addresses, scanned with thresholds that queue them for review.
fn hub_with_duplicates() -> Hub {
    let hub = Hub::new();
    import(
        &hub.store,
        "conseiller-numerique",
        &[
            imported(
                "conseiller-numerique",
                "cn-1",
                "Médiathèque des Gibjoncs",
                "3 rue Jean Rameau",
                (47.1030, 2.4100),
            ),
            imported(
                "conseiller-numerique",
                "cn-2",
                "Centre social Asso Val d'Auron",
                "12 rue de Vouzeron",
                (47.0700, 2.3980),
            ),
        ],
    );
    import(
        &hub.store,
        "data-inclusion",
        &[
            imported(
                "data-inclusion",
                "di-1",
                "Mediatheque Gibjoncs Bourges Nord",
                "3 r Jean Rameau",
                (47.1031, 2.4101),
            ),
            imported("data-inclusion", "di-2", "Centre social du Val d'Auron", "12 rue Vouzeron", (47.0701, 2.3981)),
        ],
    );
    scan(&hub);
    hub
}

/// Scans like `maillage duplicates scan`, never merging on its own: every pair goes to review.
fn scan(hub: &Hub) -> maillage_app::duplicates::ScanCounts {
    let mut options = maillage_app::duplicates::ScanOptions::default();
    options.thresholds.auto_merge = 1.0;
    options.thresholds.review = 0.5;
    maillage_app::duplicates::scan(&Context::new(hub.store.as_ref()), &Actor::operator(None), &options).unwrap()
}

/// The stored pair between two places given by their id in source.
fn pair_between(hub: &Hub, x: &str, y: &str) -> maillage_store::DuplicatePair {
    hub.store
        .duplicate_pairs()
        .unwrap()
        .into_iter()
        .find(|pair| {
            let ids = [pair.a.source_id.as_str(), pair.b.source_id.as_str()];
            ids.contains(&x) && ids.contains(&y)
        })
        .unwrap_or_else(|| panic!("no pair {x} / {y} in {:#?}", hub.store.duplicate_pairs().unwrap()))
}

fn decimal(value: f64) -> String {
    format!("{value:.2}").replace('.', ",")
}

fn library_name_score(pair: &maillage_store::DuplicatePair) -> f64 {
    pair.components["components"]["name"].as_f64().unwrap()
}

#[tokio::test]
async fn doublons_the_coordinator_reviews_pairs_side_by_side_decides_and_undoes() {
    let hub = hub_with_duplicates();
    let library = pair_between(&hub, "cn-1", "di-1");
    let social = pair_between(&hub, "cn-2", "di-2");
    assert_eq!(
        (library.status, social.status),
        (maillage_store::PairStatus::Pending, maillage_store::PairStatus::Pending)
    );

    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let home = coordinator.get("/admin").await;
    assert!(home.body.contains("href=\"/admin/doublons\""), "{}", home.body);
    let queue = coordinator.get("/admin/doublons").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    for id in [&library.id, &social.id] {
        assert!(queue.body.contains(&format!("action=\"/admin/doublons/{id}/fusionner\"")), "{}", queue.body);
    }
    // Both records side by side, what differs marked, every component valued and explained.
    for text in [
        "Médiathèque des Gibjoncs",
        "Mediatheque Gibjoncs Bourges Nord",
        "<mark>3 rue Jean Rameau</mark>",
        "conseiller-numerique",
        "data-inclusion",
        "<th scope=\"row\">Commune</th><td>Bourges</td><td>Bourges</td>",
        "<caption>Pourquoi ce score : chaque élément comparé</caption>",
        "<th scope=\"row\">Distance</th><td>13 m</td><td>à 13 m</td>",
    ] {
        assert!(queue.body.contains(text), "{text} : {}", queue.body);
    }
    let name_line = format!("<th scope=\"row\">Nom</th><td>{}</td>", decimal(library_name_score(&library)));
    assert!(queue.body.contains(&name_line), "{name_line} : {}", queue.body);
    assert!(queue.body.contains(&format!("score {}", decimal(library.score))), "{}", queue.body);

    // Distinct: out of the queue, and it never comes back after another scan.
    let csrf = queue.csrf();
    let done = coordinator.post(&format!("/admin/doublons/{}/distincts", social.id), &[("_csrf", &csrf)]).await;
    assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, "/admin/doublons?fait=distincts"));
    assert_eq!(pair_between(&hub, "cn-2", "di-2").status, maillage_store::PairStatus::Distinct);
    scan(&hub);
    assert_eq!(pair_between(&hub, "cn-2", "di-2").status, maillage_store::PairStatus::Distinct);
    let queue = coordinator.get("/admin/doublons?fait=distincts").await;
    assert!(queue.body.contains("ne sera plus proposée"), "{}", queue.body);
    assert!(!queue.body.contains(&format!("/admin/doublons/{}/", social.id)), "{}", queue.body);
    assert!(queue.body.contains(&format!("/admin/doublons/{}/fusionner", library.id)));

    // Deciding it again is a conflict that changes nothing.
    let before = snapshot_items(hub.store.as_ref());
    for action in ["distincts", "fusionner"] {
        let again = coordinator.post(&format!("/admin/doublons/{}/{action}", social.id), &[("_csrf", &csrf)]).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert!(again.body.contains("déjà été décidée (distincts)"), "{}", again.body);
    }
    assert_eq!(snapshot_items(hub.store.as_ref()), before);

    // Merge: a merged place listed with its members and its published record.
    let merged = coordinator.post(&format!("/admin/doublons/{}/fusionner", library.id), &[("_csrf", &csrf)]).await;
    assert_eq!((merged.status, merged.location()), (StatusCode::SEE_OTHER, "/admin/doublons?fait=fusionnes"));
    let group = hub.store.merge_groups().unwrap();
    assert_eq!(group.len(), 1);
    let group = &group[0];
    assert_eq!(pair_between(&hub, "cn-1", "di-1").status, maillage_store::PairStatus::Merged);
    let groups = coordinator.get("/admin/doublons/groupes").await;
    assert_eq!(groups.status, StatusCode::OK, "{}", groups.body);
    for text in [
        "<td>conseiller-numerique</td><td>cn-1</td>",
        "<td>data-inclusion</td><td>di-1</td>",
        "<caption>Fiche publiée</caption>",
        "coord18@hub.example",
    ] {
        assert!(groups.body.contains(text), "{text} : {}", groups.body);
    }
    assert!(groups.body.contains(&format!("/admin/doublons/groupes/{}/annuler", group.id)));
    let audit = hub.store.audit_log(100).unwrap();
    assert!(audit.iter().any(|entry| entry.action == "doublons_fusion"), "{audit:?}");
    assert!(audit.iter().any(|entry| entry.action == "doublons_distincts"), "{audit:?}");

    // Undo: no group left, the pair back in the queue, the members as they were.
    let undone = coordinator.post(&format!("/admin/doublons/groupes/{}/annuler", group.id), &[("_csrf", &csrf)]).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert!(hub.store.merge_groups().unwrap().is_empty());
    assert_eq!(pair_between(&hub, "cn-1", "di-1").status, maillage_store::PairStatus::Pending);
    let queue = coordinator.get("/admin/doublons").await;
    assert!(queue.body.contains(&format!("/admin/doublons/{}/fusionner", library.id)), "{}", queue.body);
    let again = coordinator.post(&format!("/admin/doublons/groupes/{}/annuler", group.id), &[("_csrf", &csrf)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(hub.store.audit_log(100).unwrap().iter().any(|entry| entry.action == "doublons_fusion_annulee"));
}

#[tokio::test]
async fn doublons_are_refused_to_other_roles_and_to_forms_without_their_token() {
    let hub = hub_with_duplicates();
    let library = pair_between(&hub, "cn-1", "di-1");
    // A merged place to try to undo, merged by an administrator.
    let social = pair_between(&hub, "cn-2", "di-2");
    let mut admin = hub.signed_in("admin@hub.example").await;
    let queue = admin.get("/admin/doublons").await;
    assert!(queue.body.contains(&format!("/admin/doublons/{}/fusionner", social.id)), "{}", queue.body);
    let csrf = queue.csrf();
    let merged = admin.post(&format!("/admin/doublons/{}/fusionner", social.id), &[("_csrf", &csrf)]).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    let group = hub.store.merge_groups().unwrap()[0].id.clone();

    let mut manager = hub.signed_in("g@asso.example").await;
    let mut other_coordinator = hub.signed_in("coord37@hub.example").await;
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let mut anonymous = hub.client();
    let before = snapshot_items(hub.store.as_ref());
    let audit = hub.store.audit_log(1000).unwrap().len();

    // Reading: the gestionnaire is refused, the public sent to sign in, the coordinator of
    // another département sees none of these places.
    for route in ["/admin/doublons", "/admin/doublons/groupes"] {
        assert_eq!(manager.get(route).await.status, StatusCode::FORBIDDEN);
        let page = anonymous.get(route).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert!(page.location().starts_with("/connexion"), "{}", page.location());
        let page = other_coordinator.get(route).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(!page.body.contains("Gibjoncs") && !page.body.contains("Auron"), "{}", page.body);
    }
    let manager_home = manager.get("/admin").await;
    assert!(!manager_home.body.contains("href=\"/admin/doublons\""), "{}", manager_home.body);

    let routes = [
        format!("/admin/doublons/{}/fusionner", library.id),
        format!("/admin/doublons/{}/distincts", library.id),
        format!("/admin/doublons/groupes/{group}/annuler"),
    ];
    for route in &routes {
        for (who, client) in [("g", &mut manager), ("c37", &mut other_coordinator)] {
            let csrf = client.csrf().await;
            let page = client.post(route, &[("_csrf", &csrf)]).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{who} sur {route} : {}", page.body);
        }
        let page = anonymous.post(route, &[]).await;
        assert!(page.status == StatusCode::SEE_OTHER && page.location().starts_with("/connexion"), "{route}");
        // The coordinator of the Cher may, but not without the form's token.
        for form in [vec![], vec![("_csrf", "faux")]] {
            assert_eq!(coordinator.post(route, &form).await.status, StatusCode::FORBIDDEN, "{route}");
        }
    }
    assert_eq!(snapshot_items(hub.store.as_ref()), before);
    assert_eq!(hub.store.audit_log(1000).unwrap().len(), audit);
}

/// The API's total and ids, and the Cher's count, as the public sees them now.
async fn served(state: &maillage_web::WebState) -> (u64, Vec<String>, u64) {
    let (status, _, list) = super::common::api::get(state, "/api/v1/lieux?tri=nom&limite=50").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let ids = list["lieux"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap().to_owned()).collect();
    let (_, _, cher) = super::common::api::get(state, "/api/v1/territoires/departement/18").await;
    (list["total"].as_u64().unwrap(), ids, cher["lieux"].as_u64().unwrap())
}

#[tokio::test]
async fn a_merged_place_is_served_once_until_undone() {
    let hub = hub_with_duplicates();
    hub.state.directory.sync(hub.store.as_ref()).unwrap();
    let (total, ids, cher) = served(&hub.state).await;
    let library = pair_between(&hub, "cn-1", "di-1");
    let members: Vec<String> = ["cn-1", "di-1"]
        .iter()
        .map(|id| {
            let source = if id.starts_with("cn") { "conseiller-numerique" } else { "data-inclusion" };
            hub.store.place_by_source_id(source, id).unwrap().unwrap().id.0
        })
        .collect();
    assert!(members.iter().all(|id| ids.contains(id)), "{ids:?}");

    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.get("/admin/doublons").await.csrf();
    let merged = admin.post(&format!("/admin/doublons/{}/fusionner", library.id), &[("_csrf", &csrf)]).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    hub.state.directory.sync(hub.store.as_ref()).unwrap();
    let (earliest, later) = (members.iter().min().unwrap(), members.iter().max().unwrap());
    let after_restart = maillage_web::WebState::new(hub.store.clone(), super::common::territory()).unwrap();
    for state in [&hub.state, &after_restart] {
        let (merged_total, merged_ids, merged_cher) = served(state).await;
        assert_eq!((merged_total, merged_cher), (total - 1, cher - 1));
        assert!(merged_ids.contains(earliest) && !merged_ids.contains(later), "{merged_ids:?}");
    }
    let (_, _, place) = super::common::api::get(&hub.state, &format!("/api/v1/lieux/{earliest}")).await;
    let group = hub.store.merge_groups().unwrap().remove(0);
    assert_eq!(place["lieu"]["nom"], group.record.nom.as_str(), "the published record: {place}");
    // The public sheet: the published record, and the other member's address leads to it.
    let sheet = super::common::pages::get(&hub.state, &format!("/lieux/{earliest}")).await;
    assert!(sheet.body.contains(&group.record.nom), "{}", sheet.body);
    let other = super::common::pages::get(&hub.state, &format!("/lieux/{later}")).await;
    assert_eq!((other.status, other.location()), (StatusCode::SEE_OTHER, format!("/lieux/{earliest}").as_str()));
    assert_eq!(place["lieu"]["adresse"], group.record.adresse.as_str(), "{place}");
    let group = group.id;
    let undone = admin.post(&format!("/admin/doublons/groupes/{group}/annuler"), &[("_csrf", &csrf)]).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    hub.state.directory.sync(hub.store.as_ref()).unwrap();
    let (undone_total, undone_ids, undone_cher) = served(&hub.state).await;
    assert_eq!((undone_total, undone_cher), (total, cher));
    assert!(members.iter().all(|id| undone_ids.contains(id)));
}

#[tokio::test]
async fn doublons_filter_by_departement_and_explain_what_the_records_hold() {
    let hub = hub_with_duplicates();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let all = admin.get("/admin/doublons").await;
    assert!(all.body.contains("<p>2 paire(s)"), "{}", all.body);
    let cher = admin.get("/admin/doublons?departement=18").await;
    assert!(cher.body.contains("<p>2 paire(s)"), "{}", cher.body);
    assert!(cher.body.contains("name=\"departement\" value=\"18\""), "{}", cher.body);
    let elsewhere = admin.get("/admin/doublons?departement=37").await;
    assert!(elsewhere.body.contains("<p>0 paire(s)") && elsewhere.body.contains("Aucune paire"), "{}", elsewhere.body);
    let bad = admin.get("/admin/doublons?departement=180000").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    // Neither record has a phone or a typologie: said as such, never "même typologie".
    assert!(all.body.contains("pas de téléphone des deux côtés"), "{}", all.body);
    assert!(!all.body.contains("même typologie"), "{}", all.body);
}

/// Waits for the background scan to end; its final state.
async fn scan_done(hub: &Hub) -> maillage_app::duplicates::ScanState {
    for _ in 0..600 {
        let state = hub.state.scans.state();
        if !matches!(
            state,
            maillage_app::duplicates::ScanState::Running { .. } | maillage_app::duplicates::ScanState::Idle
        ) {
            return state;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("la recherche des doublons ne finit pas : {:?}", hub.state.scans.state());
}

#[tokio::test]
async fn an_import_from_the_administration_fills_the_review_queue_and_a_button_runs_the_scan() {
    let hub = Hub::new();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;
    let header = "id,nom,commune,code_postal,adresse,latitude,longitude\n";
    let files = [
        ("cn", format!("{header}cn-1,Médiathèque des Gibjoncs,Bourges,18000,3 rue Jean Rameau,47.1030,2.4100\n")),
        (
            "di",
            format!("{header}di-1,Mediatheque Gibjoncs Bourges Nord,Bourges,18000,3 r Jean Rameau,47.1031,2.4101\n"),
        ),
    ];
    for (source, file) in &files {
        let page = admin
            .post_file(
                "/admin/imports",
                &[("_csrf", &csrf), ("source", source)],
                Some(("fichier", "lieux.csv", file.as_bytes())),
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let maillage_app::duplicates::ScanState::Done { counts, .. } = scan_done(&hub).await else {
        panic!("{:?}", hub.state.scans.state());
    };
    assert_eq!(counts.found, 1, "{counts:?}");
    let queue = admin.get("/admin/doublons").await;
    assert!(queue.body.contains("Dernière recherche (après l&#39;import"), "{}", queue.body);
    assert!(
        queue.body.contains("1 paire(s) nouvelle(s) à examiner") || !hub.store.merge_groups().unwrap().is_empty(),
        "{}",
        queue.body
    );
    assert_eq!(hub.store.duplicate_pairs().unwrap().len(), 1);

    // The button: a scan again, which keeps the earlier decision and says so.
    let started = admin.post("/admin/doublons/recherche", &[("_csrf", &csrf)]).await;
    assert_eq!((started.status, started.location()), (StatusCode::SEE_OTHER, "/admin/doublons"));
    let maillage_app::duplicates::ScanState::Done { counts, reason, .. } = scan_done(&hub).await else {
        panic!("{:?}", hub.state.scans.state());
    };
    assert_eq!((counts.queued, counts.auto_merged, reason.as_str()), (0, 0, "lancée depuis cette page"));
    // Only administrators start one.
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let token = coordinator.csrf().await;
    let refused = coordinator.post("/admin/doublons/recherche", &[("_csrf", &token)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(!coordinator.get("/admin/doublons").await.body.contains("/admin/doublons/recherche"));
}
