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
