//! The monographs' pages: a coordinator of the Cher writes, previews and saves a section of
//! the Bourges bassin, publishes editions, compares them and downloads the figures; another
//! département's coordinator is refused; the public page exists only once the hub opens it;
//! bad input names its field and writes nothing.

use axum::http::StatusCode;
use maillage_app::places::demo::DEMO_BASSINS;
use maillage_app::territory::read_bassins_csv;
use maillage_store::{MonographStore, Store};

use crate::common::hub::*;
use crate::common::territory;

const SECTION: &str = "/admin/monographies/bassin/Bourges/sections/synthese";

#[tokio::test]
async fn a_coordinator_writes_publishes_and_compares_the_monograph_of_its_bassin() {
    let hub = Hub::new();
    hub.store.replace_bassins(&read_bassins_csv(&territory(), DEMO_BASSINS).unwrap()).unwrap();
    let mut coordinator = hub.signed_in("coord18@hub.example").await;

    let list = coordinator.get("/admin/monographies").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("Bourges") && !list.body.contains("Chinon"), "{}", list.body);
    let page = coordinator.get("/admin/monographies/bassin/Bourges").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<svg") && page.body.contains("Population éloignée"));
    assert!(page.body.contains("pas encore de données") || page.body.contains("Pas encore de données"));
    let csrf = page.csrf();

    // A preview shows the text formatted, raw HTML as text, and saves nothing.
    let text = "Un **réseau** motivé <script>alert(1)</script>";
    let preview =
        coordinator.post(SECTION, &[("_csrf", &csrf), ("version", "0"), ("texte", text), ("action", "apercu")]).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("<strong>réseau</strong>") && preview.body.contains("&lt;script&gt;"));
    assert!(!preview.body.contains("<script>alert"));
    assert!(hub.store.monograph_texts("Bourges").unwrap().is_empty());

    let saved = coordinator
        .post(SECTION, &[("_csrf", &csrf), ("version", "0"), ("texte", text), ("action", "enregistrer")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(hub.store.monograph_texts("Bourges").unwrap().len(), 1);
    // Bad input: a stale version, a version that is not a number, an unknown section.
    let stale = coordinator
        .post(SECTION, &[("_csrf", &csrf), ("version", "0"), ("texte", "Perdu"), ("action", "enregistrer")])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let garbled = coordinator
        .post(SECTION, &[("_csrf", &csrf), ("version", "abc"), ("texte", "Perdu"), ("action", "enregistrer")])
        .await;
    assert_eq!(garbled.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(garbled.body.contains("version : un nombre entier est attendu"));
    let unknown = coordinator
        .post(
            "/admin/monographies/bassin/Bourges/sections/conclusion",
            &[("_csrf", &csrf), ("version", "0"), ("texte", "?"), ("action", "enregistrer")],
        )
        .await;
    assert!(unknown.status.is_client_error() && unknown.body.contains("section"), "{}", unknown.status);
    assert_eq!(hub.store.monograph_texts("Bourges").unwrap().len(), 1);

    // Another département's coordinator may neither read nor write it.
    let mut outsider = hub.signed_in("coord37@hub.example").await;
    assert_eq!(outsider.get("/admin/monographies/bassin/Bourges").await.status, StatusCode::FORBIDDEN);
    let other_csrf = outsider.get("/admin/monographies").await.csrf();
    let refused = outsider
        .post(SECTION, &[("_csrf", &other_csrf), ("version", "1"), ("texte", "Non"), ("action", "enregistrer")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Two editions, a place added between them, compared figure by figure.
    let first = coordinator.post("/admin/monographies/bassin/Bourges/publier", &[("_csrf", &csrf)]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let edition = coordinator.get(first.location()).await;
    assert_eq!(edition.status, StatusCode::OK);
    assert!(edition.body.contains("Édition 1") && edition.body.contains("<strong>réseau</strong>"));
    let mut admin = hub.signed_in("admin@hub.example").await;
    let form = fields("Espace numérique nouveau");
    let admin_csrf = admin.get("/admin/lieux/nouveau").await.csrf();
    let created = admin.post("/admin/lieux/nouveau", &place_form(&form, &[("_csrf", &admin_csrf)])).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let second = coordinator.post("/admin/monographies/bassin/Bourges/publier", &[("_csrf", &csrf)]).await;
    let editions = hub.store.monograph_editions("Bourges").unwrap();
    assert_eq!(editions.len(), 2, "{}", second.body);
    let compared = coordinator
        .get(&format!("/admin/monographies/bassin/Bourges/comparer?avant={}&apres={}", editions[0].id, editions[1].id))
        .await;
    assert_eq!(compared.status, StatusCode::OK, "{}", compared.body);
    assert!(compared.body.contains("Lieux de médiation numérique"), "{}", compared.body);
    assert!(compared.body.contains(" → "));
    let ods = coordinator.get(&format!("/admin/monographies/editions/{}/chiffres.ods", editions[1].id)).await;
    assert_eq!(ods.status, StatusCode::OK);
    assert_eq!(ods.headers["content-type"], "application/vnd.oasis.opendocument.spreadsheet");

    // The public page waits for the hub's choice.
    let mut public = hub.client();
    assert_eq!(public.get("/territoires/bassin/Bourges/monographie").await.status, StatusCode::NOT_FOUND);
    let admin_csrf = admin.get("/admin/monographies").await.csrf();
    let opened = admin.post("/admin/monographies/visibilite", &[("_csrf", &admin_csrf), ("public", "oui")]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    let shown = public.get("/territoires/bassin/Bourges/monographie").await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains("Édition 2") && !shown.body.contains("chiffres.ods"));
    // The coordinator may not open it to the public.
    let refused = coordinator.post("/admin/monographies/visibilite", &[("_csrf", &csrf), ("public", "non")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
