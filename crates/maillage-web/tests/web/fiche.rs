//! The fiche d'orientation: posted, never cached, nothing typed about the person in any
//! address; an itinerant place carries its warning; the usual week, the next opening, the
//! hub and the date it was issued; the adapted reception asked for.

use axum::http::{header, StatusCode};
use maillage_store::Store;

use super::common::hub::*;

/// Every address a page holds (links, forms, images, scripts).
fn addresses(body: &str) -> Vec<String> {
    ["href=\"", "src=\"", "action=\"", "data-api-query=\""]
        .iter()
        .flat_map(|marker| body.split(marker).skip(1).map(|rest| rest.split('"').next().unwrap_or("").to_owned()))
        .collect()
}

#[tokio::test]
async fn an_itinerant_place_is_printed_with_its_warning_and_nothing_personal_travels_in_an_address() {
    let hub = Hub::new();
    let id = hub.place.id.0.clone();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;
    let contact = "contact@hub-cher.example — 02 48 00 00 00";
    let saved = admin
        .post_file(
            "/admin/marque",
            &[("_csrf", &csrf), ("nom", "Hub du Cher"), ("couleur", "#1f4e79"), ("contact", contact)],
            None,
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let mut values = fields("Bus numérique");
    values.insert("itinerance".to_owned(), "Itinérant".to_owned());
    values.insert("services".to_owned(), "Aide aux démarches administratives".to_owned());
    values.insert("prise_en_charge_specifique".to_owned(), "Surdité".to_owned());
    let edited = admin
        .post(&format!("/admin/lieux/{id}/modifier"), &place_form(&values, &[("_csrf", &csrf), ("version", "1")]))
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    hub.state.directory.sync(hub.store.as_ref()).unwrap();

    // The results' form posts the fiche, with the reception chosen in step 3.
    let mut public = hub.client();
    let results =
        public.get("/orientation?besoin=demarches&q=Bourges&rayon=30&accueil=Surdit%C3%A9&quand=indifferent").await;
    assert_eq!(results.status, StatusCode::OK, "{}", results.body);
    assert!(results.body.contains("<form method=\"post\" action=\"/orientation/fiche\""), "{}", results.body);
    assert!(results.body.contains("name=\"accueil\" value=\"Surdité\""), "{}", results.body);

    let (name, notes) = ("Awa", "Ne lit pas le français, vient avec sa fille");
    let fiche = public
        .post(
            "/orientation/fiche",
            &[
                ("besoin", "demarches"),
                ("accueil", "Surdité"),
                ("lieu", id.as_str()),
                ("prenom", name),
                ("notes", notes),
                ("oriente_par", "CCAS de Bourges"),
            ],
        )
        .await;
    assert_eq!(fiche.status, StatusCode::OK, "{}", fiche.body);
    assert_eq!(fiche.headers[header::CACHE_CONTROL], "no-store");
    assert!(fiche.body.contains(name) && fiche.body.contains("Ne lit pas le fran"), "{}", fiche.body);
    for address in addresses(&fiche.body) {
        assert!(!address.contains(name) && !address.contains("Ne%20lit") && !address.contains("CCAS"), "{address}");
    }
    assert!(fiche.body.contains("data-testid=\"fiche-itinerant\""), "{}", fiche.body);
    assert!(fiche.body.contains("Structure : 1 rue Moyenne, 18000 Bourges"), "{}", fiche.body);
    assert!(!fiche.body.contains("<p>1 rue Moyenne"), "the office address is not shown as the place's: {}", fiche.body);
    assert!(fiche.body.contains("Remise le") && fiche.body.contains("<strong>Hub du Cher</strong>"), "{}", fiche.body);
    assert!(fiche.body.contains("contact@hub-cher.example — 02 48 00 00 00"), "{}", fiche.body);
    assert!(fiche.body.contains("<dd data-testid=\"fiche-accueil\">Surdité</dd>"), "{}", fiche.body);
    // The usual week, without dates, and the next opening.
    assert!(fiche.body.contains("<tr><th scope=\"row\">lundi</th><td>09:00 – 12:00</td></tr>"), "{}", fiche.body);
    assert!(fiche.body.contains("<tr><th scope=\"row\">samedi</th><td>Fermé</td></tr>"), "{}", fiche.body);
    assert!(fiche.body.contains("data-testid=\"fiche-prochaine-ouverture\""), "{}", fiche.body);
    let mailto = addresses(&fiche.body).into_iter().find(|a| a.starts_with("mailto:")).unwrap();
    assert!(mailto.contains("Lieu%20itin%C3%A9rant"), "{mailto}");

    // A link with a first name in it shows the places but not the name.
    let linked = public.get(&format!("/orientation/fiche?lieu={id}&prenom=Awa&notes=secret")).await;
    assert_eq!(linked.status, StatusCode::OK);
    assert!(!linked.body.contains("Awa") && !linked.body.contains("secret"), "{}", linked.body);
    // Nothing was stored about the person.
    assert!(hub.store.place_reports(None).unwrap().is_empty());
    assert_eq!(hub.store.place(&hub.place.id).unwrap().unwrap().version, 2);

    // Bad input: no place chosen.
    let empty = public.post("/orientation/fiche", &[("prenom", "Awa")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("Cochez au moins un lieu"), "{}", empty.body);
    // And the hub's contact is refused when it does not fit on a line.
    let long = "x".repeat(201);
    let refused = admin
        .post_file(
            "/admin/marque",
            &[("_csrf", &csrf), ("nom", "Hub du Cher"), ("couleur", "#1f4e79"), ("contact", &long)],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"m-contact-erreur\""), "{}", refused.body);
}
