//! Editing a place: the week editor, the preview, the moderation queue's diff and approval.

use axum::http::StatusCode;
use maillage_store::AccountStore;

use super::common::hub::*;

#[tokio::test]
async fn a_manager_edits_hours_the_coordinator_approves_from_the_diff_and_the_public_page_shows_it() {
    let hub = Hub::new();
    let id = hub.place.id.0.clone();
    let mut manager = hub.signed_in("g@asso.example").await;
    // The gestionnaire's list holds its place only.
    let list = manager.get("/admin/lieux?q=mediatheque").await;
    assert!(list.body.contains(&format!("/admin/lieux/{id}/modifier")), "{}", list.body);
    assert!(!list.body.contains(&hub.other_place.id.0));
    let form = manager.get(&format!("/admin/lieux/{id}/modifier")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Lundi") && form.body.contains("09:00–12:00"), "{}", form.body);
    let csrf = form.csrf();

    // A bad value comes back next to its field, and nothing is queued.
    let mut wrong = fields("Médiathèque");
    wrong.insert("code_postal".to_owned(), "18".to_owned());
    let bad = place_form(&wrong, &[("_csrf", &csrf), ("version", "1")]);
    let refused = manager.post(&format!("/admin/lieux/{id}/modifier"), &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"erreur-code_postal\""), "{}", refused.body);
    assert!(hub.store.proposals(None).unwrap().is_empty());

    // The week editor shows the current hours day by day and writes what is typed as OSM.
    assert!(form.body.contains("name=\"jour_0\" value=\"09:00–12:00\""), "{}", form.body);
    assert!(form.body.contains("name=\"jour_6\" value=\"fermé\""), "{}", form.body);
    let shown = values_of(&form.body);
    let mut week = place_form(&shown, &[("_csrf", &csrf), ("version", "1"), ("composer", "1")]);
    week.retain(|(key, _)| !key.starts_with("jour_"));
    let typed = ["9h-12h", "9h-12h", "9h-12h", "9h-12h", "9h-12h, 14h-17h", "", "fermé"];
    let names: Vec<String> = (0..7).map(|day| format!("jour_{day}")).collect();
    week.extend(names.iter().map(String::as_str).zip(typed));
    let composed = manager.post(&format!("/admin/lieux/{id}/modifier"), &week).await;
    assert_eq!(composed.status, StatusCode::OK, "{}", composed.body);
    assert!(composed.body.contains("value=\"Mo-Th 09:00-12:00; Fr 09:00-12:00,14:00-17:00\""), "{}", composed.body);
    assert!(hub.store.proposals(None).unwrap().is_empty());

    // A preview in French hours shows the OSM form, the week and the change, and saves nothing.
    let mut french = fields("Médiathèque");
    french.insert("horaires".to_owned(), "du lundi au samedi de 10h à 18h".to_owned());
    let preview = manager
        .post(
            &format!("/admin/lieux/{id}/modifier"),
            &place_form(&french, &[("_csrf", &csrf), ("version", "1"), ("apercu", "1")]),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("Mo-Sa 10:00-18:00"), "{}", preview.body);
    assert!(preview.body.contains("<th scope=\"row\">Samedi</th><td>10:00–18:00</td>"), "{}", preview.body);
    assert!(preview.body.contains("data-testid=\"apercu\""));
    assert!(hub.store.proposals(None).unwrap().is_empty());

    let mut values = fields("Médiathèque");
    values.insert("horaires".to_owned(), "Mo-Sa 10:00-18:00".to_owned());
    let sent = manager
        .post(&format!("/admin/lieux/{id}/modifier"), &place_form(&values, &[("_csrf", &csrf), ("version", "1")]))
        .await;
    assert_eq!(sent.status, StatusCode::OK);

    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let queue = coordinator.get("/admin/moderation").await;
    assert!(
        queue.body.contains(
            "<th scope=\"row\">horaires</th><td><del>Mo-Fr 09:00-12:00</del></td><td><ins>Mo-Sa 10:00-18:00</ins></td>"
        ),
        "{}",
        queue.body
    );
    let proposal = hub.store.proposals(None).unwrap()[0].id.clone();
    let csrf = queue.csrf();
    let approved = coordinator
        .post(&format!("/admin/moderation/{proposal}/approuver"), &[("_csrf", &csrf), ("version", "1")])
        .await;
    assert_eq!((approved.status, approved.location()), (StatusCode::SEE_OTHER, "/admin/moderation"));

    hub.state.directory.sync(hub.store.as_ref()).unwrap();
    let public = hub.client().get(&format!("/lieux/{id}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("Mo-Sa 10:00-18:00"), "{}", public.body);
    let history = coordinator.get(&format!("/admin/lieux/{id}/historique")).await;
    assert!(history.body.contains("approuvée par"), "{}", history.body);
}

/// 120 imported places in Bourges, one with a name a spreadsheet would run as a formula.
fn hub_with_many_places() -> Hub {
    let hub = Hub::new();
    let mut places: Vec<maillage_domain::Place> = (0..120)
        .map(|n| {
            let name = format!("Lieu {n:03}");
            super::duplicates::imported("fichier", &format!("f-{n}"), &name, "1 rue Moyenne", (47.08, 2.39))
        })
        .collect();
    places[0].record.nom = "=HYPERLINK(\"http://x\")".to_owned();
    super::duplicates::import(&hub.store, "fichier", &places);
    hub
}

fn row_ids(body: &str) -> Vec<String> {
    body.split("href=\"/admin/lieux/")
        .skip(1)
        .filter_map(|rest| rest.split_once("/modifier"))
        .map(|(id, _)| id.to_owned())
        .collect()
}

#[tokio::test]
async fn the_admin_list_counts_pages_filters_and_exports() {
    let hub = hub_with_many_places();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let first = admin.get("/admin/lieux").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.body.contains("<strong>122 lieux</strong> — page 1 sur 3"), "{}", first.body);
    let second = admin.get("/admin/lieux?page=2").await;
    let (ids1, ids2) = (row_ids(&first.body), row_ids(&second.body));
    assert_eq!((ids1.len(), ids2.len()), (50, 50));
    assert!(ids1.iter().all(|id| !ids2.contains(id)), "page 2 is not page 1");
    assert!(second.body.contains("page 2 sur 3") && second.body.contains("href=\"/admin/lieux?page=3\""));

    // Filters: a source, a search, a département, a freshness; the page links keep them.
    let source = admin.get("/admin/lieux?source=fichier&page=3").await;
    assert!(source.body.contains("<strong>120 lieux</strong> — page 3 sur 3"), "{}", source.body);
    assert!(source.body.contains("href=\"/admin/lieux?source=fichier&#38;page=2\""), "{}", source.body);
    let searched = admin.get("/admin/lieux?q=lieu+01").await;
    assert!(searched.body.contains("<strong>10 lieux</strong>"), "{}", searched.body);
    let elsewhere = admin.get("/admin/lieux?departement=37&source=fichier").await;
    assert!(elsewhere.body.contains("<strong>0 lieu</strong>"), "{}", elsewhere.body);
    let cher = admin.get("/admin/lieux?departement=18&source=fichier").await;
    assert!(cher.body.contains("<strong>120 lieux</strong>"), "{}", cher.body);
    let fresh = admin.get("/admin/lieux?source=fichier&fraicheur=plus-18-mois").await;
    assert!(fresh.body.contains("<strong>0 lieu</strong>"), "{}", fresh.body);
    let withdrawn = admin.get("/admin/lieux?statut=retire").await;
    assert!(withdrawn.body.contains("<strong>0 lieu</strong>"), "{}", withdrawn.body);
    for bad in ["/admin/lieux?statut=ferme", "/admin/lieux?fraicheur=vieux", "/admin/lieux?page=0"] {
        let refused = admin.get(bad).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}: {}", refused.body);
    }

    // The export: every filtered place, formulas neutralised.
    let csv = admin.get("/admin/lieux.csv?source=fichier").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 120);
    assert!(rows.iter().any(|row| &row[1] == "'=HYPERLINK(\"http://x\")"), "{}", csv.body);
    assert!(rows.iter().all(|row| !row[1].starts_with('=')));

    // A gestionnaire's list and export hold only its place.
    let mut manager = hub.signed_in("g@asso.example").await;
    assert!(manager.get("/admin/lieux").await.body.contains("<strong>1 lieu</strong>"));
    let csv = manager.get("/admin/lieux.csv").await;
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
}

#[tokio::test]
async fn the_journal_names_accounts_instead_of_ids() {
    let hub = Hub::new();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let _ = admin.get("/admin/lieux").await;
    let admin_id = hub.store.users().unwrap().into_iter().find(|user| user.email == "admin@hub.example").unwrap().id;
    let journal = admin.get("/admin/journal").await;
    assert_eq!(journal.status, StatusCode::OK);
    assert!(journal.body.contains("Admin (admin@hub.example)"), "{}", journal.body);
    assert!(!journal.body.contains(&admin_id), "{}", journal.body);
}
