//! The agenda through HTTP: a coordinator creates an event (bad input named by field,
//! nothing written), the public registers without an account (bad e-mail refused), the cancel
//! link's GET changes nothing and its POST cancels, registrants stay the organisers' (other
//! roles refused), and the feeds and the JSON API give no personal data.

use axum::http::StatusCode;
use maillage_store::{AgendaStore, EventQuery, RegistrationState};

use crate::common::hidden;
use crate::common::hub::Hub;

/// The form of an event in the Cher, a week ahead, 09:30–12:00, two seats.
fn event_form(csrf: &str, date: &str) -> Vec<(String, String)> {
    [
        ("_csrf", csrf),
        ("titre", "Rencontre des médiateurs du Cher"),
        ("type", "rencontre_mediateurs"),
        ("echelle", "departement"),
        ("territoire", "18"),
        ("date", date),
        ("debut", "09:30"),
        ("fin", "12:00"),
        ("adresse", "Salle des fêtes, 18000 Bourges"),
        ("publics", "médiateurs"),
        ("inscription", "on"),
        ("capacite", "2"),
        ("places_par_personne", "1"),
        ("questions", "Déjeuner ?"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn with<'a>(form: &'a [(String, String)], key: &str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    form.iter().map(|(k, v)| (k.as_str(), if k == key { value } else { v.as_str() })).collect()
}

fn next_week() -> String {
    (chrono::Utc::now() + chrono::TimeDelta::days(7)).format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn an_event_is_created_registered_for_and_cancelled_by_its_link() {
    let hub = Hub::new();
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let csrf = coordinator.csrf().await;
    let form = event_form(&csrf, &next_week());

    // Bad input: named by field, nothing written.
    let backwards = coordinator.post("/admin/agenda/nouveau", &with(&form, "fin", "08:00")).await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(backwards.body.contains("fin : la fin doit venir après le début"), "{}", backwards.body);
    let nowhere = coordinator.post("/admin/agenda/nouveau", &with(&form, "territoire", "99")).await;
    assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nowhere.body.contains("territoire inconnu"), "{}", nowhere.body);
    assert!(hub.store.events(&EventQuery::default()).unwrap().is_empty());
    // Another département's event is not the Cher's coordinator's to create.
    let elsewhere = coordinator.post("/admin/agenda/nouveau", &with(&form, "territoire", "37")).await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    // Without the session's token, nothing.
    let forged = coordinator.post("/admin/agenda/nouveau", &with(&form, "_csrf", "faux")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let created = coordinator.post("/admin/agenda/nouveau", &with(&form, "", "")).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let event = hub.store.events(&EventQuery::default()).unwrap().remove(0);

    // The public page: JSON-LD, calendar links, the form and its token.
    let mut public = hub.client();
    let list = public.get("/agenda?territoire=18").await;
    assert!(list.body.contains("Rencontre des médiateurs du Cher"));
    let page = public.get(&format!("/agenda/{}", event.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("\"@type\":\"Event\"") && page.body.contains("EventScheduled"), "{}", page.body);
    assert!(page.body.contains(&format!("/agenda/{}/evenement.ics", event.id)));
    let token = hidden(&page.body, "_csrf");
    let path = format!("/agenda/{}/inscription", event.id);
    let bad = register(&mut public, &path, &token, "Ana", "ana-sans-arobase").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("adresse électronique invalide"), "{}", bad.body);
    assert!(hub.store.registrations(&event.id).unwrap().is_empty());
    let done = register(&mut public, &path, &token, "Ana", "ana@exemple.fr").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), format!("/agenda/{}?inscription=registered#inscription", event.id));
    register(&mut public, &path, &token, "Bo", "bo@exemple.fr").await;
    let third = register(&mut public, &path, &token, "Cy", "cy@exemple.fr").await;
    assert_eq!(third.location(), format!("/agenda/{}?inscription=waiting#inscription", event.id));

    // The confirmation's cancel link: GET shows a button and changes nothing.
    let mail = hub.outbox().into_iter().find(|m| m.to == "ana@exemple.fr").expect("confirmation");
    let body = mail.body;
    let start = body.find("/agenda/annulation?jeton=").expect("cancel link");
    let link: String = body[start..].split_whitespace().next().unwrap().to_owned();
    let shown = public.get(&link).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("Annuler mon inscription"));
    let ana = |hub: &Hub| hub.store.registrations(&event.id).unwrap().into_iter().find(|r| r.name == "Ana").unwrap();
    assert_eq!(ana(&hub).state, RegistrationState::Registered);
    let jeton = hidden(&shown.body, "jeton");
    let csrf = hidden(&shown.body, "_csrf");
    let cancelled = public.post("/agenda/annulation", &[("_csrf", &csrf), ("jeton", &jeton)]).await;
    assert_eq!(cancelled.status, StatusCode::OK);
    assert_eq!(ana(&hub).state, RegistrationState::Cancelled);
    let cy = hub.store.registrations(&event.id).unwrap().into_iter().find(|r| r.name == "Cy").unwrap();
    assert_eq!(cy.state, RegistrationState::Registered);
    assert!(hub.outbox().iter().any(|m| m.to == "cy@exemple.fr" && m.subject.starts_with("Place confirmée")));
    let bogus = public.get("/agenda/annulation?jeton=0000").await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);

    // Registrants are the organisers': the other coordinator and a gestionnaire are refused.
    let inscrits = format!("/admin/agenda/{}/inscrits", event.id);
    assert!(coordinator.get(&inscrits).await.body.contains("bo@exemple.fr"));
    let csv = coordinator.get(&format!("{inscrits}.csv")).await;
    assert!(csv.body.starts_with("ordre,nom,courriel") && csv.body.contains("bo@exemple.fr"));
    let ods = coordinator.get(&format!("{inscrits}.ods")).await;
    assert_eq!(ods.headers["content-type"], "application/vnd.oasis.opendocument.spreadsheet");
    let mut other = hub.signed_in("coord37@hub.example").await;
    assert_eq!(other.get(&inscrits).await.status, StatusCode::FORBIDDEN);
    assert_eq!(other.get(&format!("{inscrits}.csv")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(other.get(&format!("{inscrits}.ods")).await.status, StatusCode::FORBIDDEN);
    let mut manager = hub.signed_in("g@asso.example").await;
    assert_eq!(manager.get("/admin/agenda").await.status, StatusCode::FORBIDDEN);

    // Feeds and API: the event, no registrant.
    let ics = public.get(&format!("/agenda/{}/evenement.ics", event.id)).await;
    assert_eq!(ics.headers["content-type"], "text/calendar; charset=utf-8");
    assert!(ics.body.contains("BEGIN:VEVENT") && ics.body.contains("SEQUENCE:0"));
    let api = public.get("/api/v1/evenements?territoire=18").await;
    assert!(api.body.contains("Rencontre des médiateurs du Cher"));
    for feed in [&ics.body, &api.body, &public.get("/agenda/flux.atom").await.body] {
        assert!(!feed.contains("exemple.fr") && !feed.contains("Ana"), "{feed}");
    }
    assert_eq!(public.get("/api/v1/evenements?inconnu=1").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(public.get("/api/v1/evenements?type=fete").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(public.get("/agenda?du=demain").await.status, StatusCode::BAD_REQUEST);
}

async fn register(
    client: &mut crate::common::hub::Client<'_>,
    path: &str,
    token: &str,
    name: &str,
    email: &str,
) -> crate::common::Page {
    let form =
        [("_csrf", token), ("nom", name), ("courriel", email), ("organisation", "Médiathèque"), ("reponse_1", "oui")];
    client.post(path, &form).await
}

#[tokio::test]
async fn closing_an_event_reports_it_once_into_the_activity_log() {
    use maillage_store::ActivityStore;
    let hub = Hub::new();
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let csrf = coordinator.csrf().await;
    let created = coordinator.post("/admin/agenda/nouveau", &with(&event_form(&csrf, &next_week()), "", "")).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let event = hub.store.events(&EventQuery::default()).unwrap().remove(0);
    let mut public = hub.client();
    let token = hidden(&public.get(&format!("/agenda/{}", event.id)).await.body, "_csrf");
    register(&mut public, &format!("/agenda/{}/inscription", event.id), &token, "Ana", "ana@exemple.fr").await;
    let ana = hub.store.registrations(&event.id).unwrap().remove(0);
    let presence = format!("/admin/agenda/inscriptions/{}/presence", ana.id);
    coordinator.post(&presence, &[("_csrf", csrf.as_str()), ("present", "1"), ("retour", "emargement")]).await;
    let walk_in = format!("/admin/agenda/{}/sur-place", event.id);
    coordinator.post(&walk_in, &[("_csrf", csrf.as_str()), ("nom", "Bo"), ("organisation", "CAF du Cher")]).await;
    coordinator.post(&walk_in, &[("_csrf", csrf.as_str()), ("nom", "Cy")]).await;

    // Another département's coordinator may not report it.
    let mut other = hub.signed_in("coord37@hub.example").await;
    let other_csrf = other.csrf().await;
    let journal = format!("/admin/agenda/{}/journal", event.id);
    assert_eq!(other.post(&journal, &[("_csrf", other_csrf.as_str())]).await.status, StatusCode::FORBIDDEN);
    assert!(hub.store.activity(&event.id).unwrap().is_none());

    // Closing writes the report and the entry: two organisations, one person unnamed.
    let report = format!("/admin/agenda/{}/bilan", event.id);
    let page = coordinator.get(&report).await;
    assert!(page.body.contains("Reporter dans le journal d'activité"), "{}", page.body);
    let sequence = hidden(&page.body, "sequence");
    let closed = coordinator.post(&report, &[("_csrf", csrf.as_str()), ("sequence", &sequence), ("notes", "")]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    assert_eq!(closed.location(), format!("{report}?journal=cree"));
    let entry = hub.store.activity(&event.id).unwrap().expect("the event's entry");
    assert_eq!((entry.actors.len(), entry.headcount, entry.duration_minutes), (2, 1, 150));
    let page = coordinator.get(closed.location()).await;
    assert!(page.body.contains("data-testid=\"journal-cree\""), "{}", page.body);
    assert!(page.body.contains(&format!("/admin/activite/entree/{}", event.id)));

    // The button again: nothing new, and the page says so.
    let again = coordinator.post(&journal, &[("_csrf", csrf.as_str())]).await;
    assert_eq!(again.location(), format!("{report}?journal=deja"));
    assert!(coordinator.get(again.location()).await.body.contains("déjà reporté dans le journal d'activité"));
    assert_eq!(hub.store.activities(&Default::default()).unwrap().len(), 1);
    let log = coordinator.get("/admin/activite").await;
    assert!(log.body.contains("CAF du Cher") && log.body.contains("Échange"), "{}", log.body);
}

#[tokio::test]
async fn registrations_waiting_for_approval_are_on_the_organisers_desk() {
    let hub = Hub::new();
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let csrf = coordinator.csrf().await;
    let form = event_form(&csrf, &next_week());
    let mut fields = with(&form, "", "");
    fields.push(("validation", "on"));
    assert_eq!(coordinator.post("/admin/agenda/nouveau", &fields).await.status, StatusCode::SEE_OTHER);
    let event = hub.store.events(&EventQuery::default()).unwrap().remove(0);
    assert!(event.approval);
    let desk = "1 inscription(s) à un événement à approuver";
    assert!(!coordinator.get("/admin").await.body.contains(desk));
    let mut public = hub.client();
    let token = hidden(&public.get(&format!("/agenda/{}", event.id)).await.body, "_csrf");
    register(&mut public, &format!("/agenda/{}/inscription", event.id), &token, "Ana", "ana@exemple.fr").await;
    assert!(coordinator.get("/admin").await.body.contains(desk));
    let mut other = hub.signed_in("coord37@hub.example").await;
    assert!(!other.get("/admin").await.body.contains(desk));
}
