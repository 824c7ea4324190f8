//! Editing a place: the week editor, the preview, the moderation queue's diff and approval.

use axum::http::StatusCode;
use chrono::Utc;
use maillage_store::{AccountStore, Store};

use super::common::hidden;
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
    // The week's hours as people read them; the standard's OpenStreetMap syntax is for programs.
    assert!(public.body.contains("10:00 – 18:00") && !public.body.contains("Mo-Sa 10:00-18:00"), "{}", public.body);
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

#[tokio::test]
async fn the_place_form_has_sections_boxes_and_errors_that_say_what_is_allowed() {
    let hub = Hub::new();
    let id = hub.place.id.0.clone();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let path = format!("/admin/lieux/{id}/modifier");
    let form = admin.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    for section in
        ["Identité", "Horaires", "Adresse", "Contact", "Services", "Publics", "Accessibilité", "Accompagnement"]
    {
        assert!(form.body.contains(&format!("<legend>{section}</legend>")), "{section}: {}", form.body);
    }
    // The week editor comes before the address; services are boxes with the standard's
    // labels and a line each; required fields say so; the update date is never empty.
    assert!(form.body.find("id=\"jour_0\"").unwrap() < form.body.find("id=\"champ-adresse\"").unwrap());
    assert!(form.body.contains("name=\"services\" value=\"Aide aux démarches administratives\""), "{}", form.body);
    assert!(form.body.contains("Reconnaître les arnaques"), "{}", form.body);
    assert!(form.body.contains("Nom du lieu <span class=\"requis\">(obligatoire)</span>"), "{}", form.body);
    let today = maillage_domain::hours::paris_local(Utc::now()).date().format("%Y-%m-%d").to_string();
    assert!(form.body.contains(&format!("id=\"champ-date_maj\" value=\"{today}\"")), "{}", form.body);
    assert_eq!(checked_boxes(&form.body, "services"), Some(Vec::new()));

    // Two boxes ticked and Saturday typed in the week editor: one save writes both.
    let csrf = form.csrf();
    let shown = values_of(&form.body);
    let mut posted: Vec<(&str, &str)> = shown.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    posted.retain(|(key, _)| *key != "services");
    posted.extend([
        ("_csrf", csrf.as_str()),
        ("version", "1"),
        ("services", "Aide aux démarches administratives"),
        ("services", "Utilisation sécurisée du numérique"),
        ("listes", "services|publics_specifiquement_adresses"),
    ]);
    let origin = hidden(&form.body, "semaine_origine");
    posted.push(("semaine_origine", &origin));
    let days: Vec<String> = (0..7).map(|day| format!("jour_{day}")).collect();
    let typed = ["09:00–12:00", "09:00–12:00", "09:00–12:00", "09:00–12:00", "09:00–12:00", "10h-12h", "fermé"];
    posted.extend(days.iter().map(String::as_str).zip(typed));
    let saved = admin.post(&path, &posted).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let place = hub.store.place(&hub.place.id).unwrap().unwrap();
    assert_eq!(place.record.services.len(), 2);
    assert_eq!(place.record.horaires.as_ref().unwrap().as_str(), "Mo-Fr 09:00-12:00; Sa 10:00-12:00");
    assert!(place.record.publics_specifiquement_adresses.is_empty());

    // The form shows them back ticked; unticking every box (the list is still named) empties it.
    let again = admin.get(&path).await;
    assert_eq!(checked_boxes(&again.body, "services").unwrap().len(), 2);
    let csrf = again.csrf();
    let mut values = values_of(&again.body);
    values.remove("services");
    let version = place.version.to_string();
    let mut cleared = place_form(&values, &[("_csrf", &csrf), ("version", &version), ("listes", "services")]);
    cleared.retain(|(key, _)| !key.starts_with("jour_"));
    assert_eq!(admin.post(&path, &cleared).await.status, StatusCode::OK);
    let place = hub.store.place(&hub.place.id).unwrap().unwrap();
    assert!(place.record.services.is_empty(), "{:?}", place.record.services);
    assert_eq!(place.record.horaires.as_ref().unwrap().as_str(), "Mo-Fr 09:00-12:00; Sa 10:00-12:00");

    // A value off the list, a bad phone and a bad day each come back beside their field with
    // what is allowed, and nothing is written.
    let version = place.version.to_string();
    let mut wrong = values_of(&again.body);
    wrong.insert("services".to_owned(), "Cours de cuisine".to_owned());
    wrong.insert("telephone".to_owned(), "12".to_owned());
    let refused = admin.post(&path, &place_form(&wrong, &[("_csrf", &csrf), ("version", &version)])).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(
        refused.body.contains("« Cours de cuisine » n&#39;est pas une valeur du standard. Valeurs admises : Aide aux démarches administratives ;"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("id=\"erreur-services\""), "{}", refused.body);
    assert!(refused.body.contains("id=\"erreur-telephone\""), "{}", refused.body);
    assert!(refused.body.contains("Attendu : un numéro français à 10 chiffres"), "{}", refused.body);
    assert!(refused.body.contains("href=\"#champ-services-0\""), "the summary links to the field: {}", refused.body);
    let shown = values_of(&again.body);
    let day = place_form(&shown, &[("_csrf", &csrf), ("version", &version), ("semaine_origine", ""), ("jour_2", "9h")]);
    let refused = admin.post(&path, &day).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("mercredi : « 9h » : indiquez un début et une fin"), "{}", refused.body);
    assert_eq!(hub.store.place(&hub.place.id).unwrap().unwrap().version, place.version);

    // A new place's form shows today's date too, also when it comes back with an error.
    let new = admin.get("/admin/lieux/nouveau").await;
    assert!(new.body.contains(&format!("id=\"champ-date_maj\" value=\"{today}\"")), "{}", new.body);
    let csrf = new.csrf();
    let refused = admin.post("/admin/lieux/nouveau", &[("_csrf", csrf.as_str()), ("nom", "Sans adresse")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(&format!("id=\"champ-date_maj\" value=\"{today}\"")), "{}", refused.body);
    assert!(refused.body.contains("id=\"erreur-adresse\""), "{}", refused.body);
}
