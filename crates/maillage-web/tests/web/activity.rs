//! The activity log's pages: a coordinator logs a meeting with three organisations and a RDV
//! with one of them, the dashboard counts 2 entries and 3 distinct actors; bad input is shown
//! again with French messages naming the fields and writes nothing; other roles are refused;
//! the bilan's page, PDF and ODS; past totals; the open figures of the API.

use axum::http::{header, StatusCode};
use maillage_store::contract::snapshot_items;
use maillage_store::{ActivityQuery, ActivityStore, StakeholderStore};

use super::common::hub::*;

fn meeting<'a>(csrf: &'a str, kind: &'a str, actors: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("_csrf", csrf),
        ("type", kind),
        ("sous_type", if kind == "animation" { "groupe_de_travail" } else { "" }),
        ("date", "2026-03-14"),
        ("duree", "1h30"),
        ("echelon", "departement"),
        ("territoire", "18"),
        ("personnes", "2"),
        ("themes", "mobilité"),
        ("type_acteurs", "association"),
    ];
    for actor in actors {
        form.push(("acteur", actor));
    }
    form.push(("acteur", ""));
    form
}

#[tokio::test]
async fn a_meeting_then_an_appointment_count_two_entries_and_three_actors() {
    let hub = Hub::new();
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let form = coordinator.get("/admin/activite").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"acteurs-connus\""), "the actor fields offer the directory");
    let csrf = form.csrf();
    let saved = coordinator
        .post("/admin/activite", &meeting(&csrf, "animation", &["CAF du Cher", "Mairie de Vierzon", "Emmaüs Connect"]))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), "/admin/activite?enregistre=1");
    let page = coordinator.get("/admin/activite").await;
    assert!(page.body.contains("CAF du Cher"), "the new actors are offered");
    let saved = coordinator.post("/admin/activite", &meeting(&csrf, "rdv", &["caf du cher"])).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(hub.store.stakeholders().unwrap().len(), 3);
    assert_eq!(hub.store.activities(&ActivityQuery::default()).unwrap().len(), 2);

    let dashboard =
        coordinator.get("/admin/activite/tableau?niveau=departement&code=18&du=2026-01-01&au=2026-12-31").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("2 entrée(s) du 01/01/2026 au 31/12/2026"), "{}", dashboard.body);
    assert!(
        dashboard.body.contains("<th scope=\"row\">Acteurs touchés (distincts)</th><td class=\"nombre\">3</td>"),
        "{}",
        dashboard.body
    );
    assert!(dashboard.body.contains("<th scope=\"row\">dont en RDV</th><td class=\"nombre\">1</td>"));
    assert!(dashboard.body.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graphique\""));
    // The list and its exports show the same entries.
    let list = coordinator.get("/admin/activite?departement=18").await;
    assert!(list.body.contains("2 entrée(s)"));
    let csv = coordinator.get("/admin/activite/export.csv?departement=18&type=rdv").await;
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    assert!(csv.body.lines().nth(1).unwrap().starts_with("14/03/2026;RDV individuel;"), "{}", csv.body);
    let ods = coordinator.get("/admin/activite/export.ods?departement=18").await;
    assert_eq!(ods.status, StatusCode::OK);
    assert_eq!(ods.headers[header::CONTENT_TYPE], "application/vnd.oasis.opendocument.spreadsheet");
    // The open API: aggregates only.
    let api = coordinator.get("/api/v1/activite/chiffres?niveau=departement&code=18&du=2026-01-01&au=2026-12-31").await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["periode"]["acteurs_touches"], 3);
    assert_eq!(json["periode"]["reunions"], 1);
    assert_eq!(json["periode"]["rdv_individuels"], 1);
    assert!(!api.body.contains("CAF"), "nothing names anyone");
    let refused = coordinator.get("/api/v1/activite/chiffres?niveau=membre").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bad_input_is_shown_again_with_its_fields_and_writes_nothing() {
    let hub = Hub::new();
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let csrf = coordinator.csrf().await;
    let before = snapshot_items(hub.store.as_ref());
    let mut form = meeting(&csrf, "partenariat", &["Nouvelle association", "#inconnu"]);
    form.extend([("personnes", "-3"), ("debut", "2026-06-01"), ("fin", "2026-05-01"), ("statut", "signe")]);
    form.retain(|(key, value)| !(*key == "personnes" && *value == "2"));
    let page = coordinator.post("/admin/activite", &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for text in [
        "<strong>personnes non nommées</strong> : un nombre positif ou nul est attendu (« -3 »)",
        "<strong>acteurs</strong> : acteur inconnu dans l&#39;annuaire (« inconnu »)",
        "<strong>fin du partenariat</strong> : la fin (01/05/2026) précède le début (01/06/2026)",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    // Each message also stands beside its field, which points to it.
    for text in [
        "aria-invalid=\"true\" aria-describedby=\"a-personnes-erreur\">",
        "<span class=\"erreur-champ\" id=\"a-personnes-erreur\">un nombre positif ou nul est attendu (« -3 »)</span>",
        "<p class=\"erreur-champ\" id=\"a-acteurs-erreur\">acteur inconnu dans l&#39;annuaire (« inconnu »)</p>",
        "<span class=\"erreur-champ\" id=\"a-fin-erreur\">la fin (01/05/2026) précède le début (01/06/2026)</span>",
        "<details open>",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    // What was typed is shown again.
    assert!(page.body.contains("value=\"Nouvelle association\""));
    assert_eq!(snapshot_items(hub.store.as_ref()), before);
}

#[tokio::test]
async fn the_log_is_the_teams_and_each_sees_its_own_territory() {
    let hub = Hub::new();
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let csrf = coordinator.csrf().await;
    coordinator.post("/admin/activite", &meeting(&csrf, "animation", &["CAF du Cher"])).await;
    let id = hub.store.activities(&ActivityQuery::default()).unwrap()[0].id.clone();
    let mut manager = hub.signed_in("g@asso.example").await;
    let mut other = hub.signed_in("coord37@hub.example").await;
    let before = snapshot_items(hub.store.as_ref());
    for path in ["/admin/activite", "/admin/activite/tableau", "/admin/activite/bilan", "/admin/activite/totaux"] {
        assert_eq!(manager.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
        let status = hub.client().get(path).await.status;
        assert!(status.is_redirection() || status == StatusCode::FORBIDDEN, "{path}: {status}");
    }
    let manager_csrf = manager.csrf().await;
    assert_eq!(
        manager.post("/admin/activite", &meeting(&manager_csrf, "animation", &[])).await.status,
        StatusCode::FORBIDDEN
    );
    // The Indre-et-Loire's coordinator neither sees nor changes the Cher's entry.
    assert!(!other.get("/admin/activite").await.body.contains(&id));
    assert_eq!(other.get(&format!("/admin/activite/entree/{id}")).await.status, StatusCode::FORBIDDEN);
    let other_csrf = other.csrf().await;
    let deleted = other
        .post(&format!("/admin/activite/entree/{id}/supprimer"), &[("_csrf", &other_csrf), ("version", "1")])
        .await;
    assert_eq!(deleted.status, StatusCode::FORBIDDEN);
    assert_eq!(other.get("/admin/activite/bilan?perimetre=18").await.status, StatusCode::FORBIDDEN);
    assert_eq!(snapshot_items(hub.store.as_ref()), before);
    // The author flags it as notable; the bilan shows it.
    let flagged = coordinator
        .post(
            &format!("/admin/activite/entree/{id}/signaler"),
            &[("_csrf", &csrf), ("version", "1"), ("texte", "Petit déjeuner de l'inclusion")],
        )
        .await;
    assert_eq!(flagged.status, StatusCode::SEE_OTHER);
    let bilan = coordinator.get("/admin/activite/bilan?perimetre=18&du=2026-01-01&au=2026-12-31").await;
    assert!(bilan.body.contains("Petit déjeuner de l&#39;inclusion"), "{}", bilan.body);
}

#[tokio::test]
async fn bilans_come_as_a_page_a_pdf_and_a_workbook_with_past_totals_marked() {
    let hub = Hub::new();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;
    let file = "departement;debut;fin;reunions;rdv;acteurs_reunions;acteurs_rdv;note\n18;2021-10-01;2022-12-31;10;10;100;10;Bilan 2022\n";
    let imported = admin
        .post_file("/admin/activite/totaux", &[("_csrf", &csrf)], Some(("fichier", "totaux.csv", file.as_bytes())))
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert!(imported.body.contains("1 ligne(s) de totaux importée(s)"));
    let bad = "departement;debut;fin;reunions\n18;2022-01-01;2022-12-31;-1\n";
    let before = snapshot_items(hub.store.as_ref());
    let refused = admin
        .post_file("/admin/activite/totaux", &[("_csrf", &csrf)], Some(("fichier", "totaux.csv", bad.as_bytes())))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("ligne 2, colonne « reunions » : nombre entier positif ou nul attendu (« -1 »)"),
        "{}",
        refused.body
    );
    assert_eq!(snapshot_items(hub.store.as_ref()), before);
    let query = "perimetre=18&du=2021-10-01&au=2022-12-31";
    let intro = admin
        .post(
            "/admin/activite/bilan/introduction",
            &[
                ("_csrf", &csrf),
                ("perimetre", "18"),
                ("du", "2021-10-01"),
                ("au", "2022-12-31"),
                ("version", "0"),
                ("texte", "Une année de lancement."),
            ],
        )
        .await;
    assert_eq!(intro.status, StatusCode::SEE_OTHER, "{}", intro.body);
    let page = admin.get(&format!("/admin/activite/bilan?{query}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Bilan d&#39;activité : Cher (18)",
        "Une année de lancement.",
        "Chiffres passés importés",
        "<td class=\"nombre\">100</td>",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    let pdf = admin.get(&format!("/admin/activite/bilan.pdf?{query}")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.body.starts_with("%PDF-"));
    let ods = admin.get(&format!("/admin/activite/bilan.ods?{query}")).await;
    assert_eq!(ods.status, StatusCode::OK);
    assert!(ods.body.starts_with("PK"));
    assert_eq!(admin.get("/admin/activite/bilan?du=2022-01-01&au=2021-01-01").await.status, StatusCode::BAD_REQUEST);
}
