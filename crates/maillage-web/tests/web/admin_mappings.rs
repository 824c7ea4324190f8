//! The mapping assistant and the saved mappings (`/admin/imports/assistant`,
//! `/admin/imports/correspondances`): administrators only; an unknown export proposed,
//! corrected, saved and imported, then recognised; corrections the file refuses are said and
//! write nothing; the upload is its administrator's only.

use axum::http::StatusCode;
use maillage_store::contract::snapshot_items;
use maillage_store::{MappingStore, Role};

use super::common::hub::*;

/// A hub's own export, in the Cher: columns no shipped mapping knows.
const EXPORT: &str = "Référence;Nom du lieu;Rue;CP;Ville;Tél;Activités\n\
                      m1;Médiathèque de Vierzon;1 place de la Gare;18100;Vierzon;02 48 75 00 00;ateliers, démarches administratives\n\
                      m2;Espace numérique;2 rue Neuve;18100;Vierzon;02 48 75 00 01;wifi, impression\n\
                      m3;Tiers-lieu du Cher;3 avenue de la République;18000;Bourges;02 48 20 00 00;fablab\n";

/// The key of the assistant's form on its page (`/admin/imports/assistant/KEY`).
fn key_of(body: &str) -> String {
    let start = body.find("action=\"/admin/imports/assistant/").expect("the assistant's form") + 33;
    body[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_assistant_and_saved_mappings_are_for_administrators_only() {
    let hub = Hub::new();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;
    let page = admin
        .post_file("/admin/imports/assistant", &[("_csrf", &csrf)], Some(("fichier", "export.csv", EXPORT.as_bytes())))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let key = key_of(&page.body);
    let saved = admin
        .post(
            &format!("/admin/imports/assistant/{key}"),
            &[("_csrf", &csrf), ("action", "enregistrer"), ("nom", "vierzon")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    add_user(&hub.store, "admin2@hub.example", Role::Administrateur);
    let mut other_admin = hub.signed_in("admin2@hub.example").await;
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let mut manager = hub.signed_in("g@asso.example").await;
    let before = snapshot_items(hub.store.as_ref());
    for (who, client) in [("coordinateur", &mut coordinator), ("gestionnaire", &mut manager)] {
        let csrf = client.csrf().await;
        let upload = client
            .post_file("/admin/imports/assistant", &[("_csrf", &csrf)], Some(("fichier", "e.csv", EXPORT.as_bytes())))
            .await;
        assert_eq!(upload.status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(
            client.get("/admin/imports/correspondances/vierzon.toml").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let delete = client
            .post("/admin/imports/correspondances/vierzon/supprimer", &[("_csrf", &csrf), ("version", "1")])
            .await;
        assert_eq!(delete.status, StatusCode::FORBIDDEN, "{who}");
    }
    let anonymous = hub.client().get("/admin/imports/correspondances/vierzon.toml").await;
    assert!(anonymous.status == StatusCode::SEE_OTHER && anonymous.location().starts_with("/connexion"));
    // Another administrator does not reach a file someone else uploaded.
    let upload = admin
        .post_file("/admin/imports/assistant", &[("_csrf", &csrf)], Some(("fichier", "export.csv", EXPORT.as_bytes())))
        .await;
    let key = key_of(&upload.body);
    assert_eq!(other_admin.get(&format!("/admin/imports/assistant/{key}")).await.status, StatusCode::NOT_FOUND);
    // Without the token, nothing.
    let delete = admin.post("/admin/imports/correspondances/vierzon/supprimer", &[("version", "1")]).await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    assert_eq!(snapshot_items(hub.store.as_ref()), before);
}

#[tokio::test]
async fn an_unknown_export_is_corrected_saved_imported_then_recognised() {
    let hub = Hub::new();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;
    let before = snapshot_items(hub.store.as_ref());

    // Files the assistant cannot read are refused on the imports page, nothing written.
    for (name, bytes, reason) in [
        ("une.csv", b"nom|adresse|commune\nA|1 rue X|Blois\n".as_slice(), "une seule colonne lue"),
        (
            "lieux.xlsx",
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00".as_slice(),
            "pas un fichier texte CSV ou JSON",
        ),
    ] {
        let page =
            admin.post_file("/admin/imports/assistant", &[("_csrf", &csrf)], Some(("fichier", name, bytes))).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(page.body.contains(reason) && page.body.contains("rien n&#39;a été enregistré"), "{}", page.body);
    }

    let page = admin
        .post_file(
            "/admin/imports/assistant",
            &[("_csrf", &csrf), ("source", "vierzon")],
            Some(("fichier", "export.csv", EXPORT.as_bytes())),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Correspondance proposée pour « export.csv »"), "{}", page.body);
    assert!(page.body.contains("3 lignes lues, 3 lieux gardés"), "{}", page.body);
    assert!(page.body.contains("<option value=\"Nom du lieu\" selected>"), "{}", page.body);
    let key = key_of(&page.body);
    let path = format!("/admin/imports/assistant/{key}");

    // A column the file lacks: said, and the page keeps the rest.
    let refused = admin.post(&path, &[("_csrf", &csrf), ("champ:telephone", "Téléphone"), ("action", "apercu")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("la colonne « Téléphone » n&#39;est pas dans le fichier"), "{}", refused.body);
    let refused = admin
        .post(
            &path,
            &[("_csrf", &csrf), ("champ:telephone", "Téléphone"), ("action", "enregistrer"), ("nom", "vierzon")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Rien n&#39;a été enregistré ni importé."), "{}", refused.body);
    assert_eq!(snapshot_items(hub.store.as_ref()), before);

    // Corrected (no phone), previewed, then saved and imported.
    let corrected = admin
        .post(&path, &[("_csrf", &csrf), ("source", "vierzon"), ("champ:telephone", ""), ("action", "apercu")])
        .await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    assert!(corrected.body.contains("# corrigée par l&#39;administrateur (telephone)."), "{}", corrected.body);
    let saved = admin
        .post(
            &path,
            &[
                ("_csrf", &csrf),
                ("source", "vierzon"),
                ("champ:telephone", ""),
                ("action", "enregistrer"),
                ("nom", "vierzon"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let report = admin.get(saved.location()).await;
    assert!(report.body.contains("3 ligne(s) lue(s), 3 lieu(x) créé(s)"), "{}", report.body);
    assert!(
        report.body.contains("reconnue d&#39;après les colonnes du fichier (enregistrée par le hub"),
        "{}",
        report.body
    );
    let mapping = hub.store.saved_mapping("vierzon").unwrap().expect("saved");
    assert!(!mapping.toml.contains("telephone ="), "{}", mapping.toml);
    // The upload is forgotten once saved.
    assert_eq!(admin.get(&path).await.status, StatusCode::NOT_FOUND);

    // Listed, offered in the import form, exported as saved.
    let listing = admin.get("/admin/imports").await;
    assert!(listing.body.contains("<option value=\"enregistree:vierzon\">"), "{}", listing.body);
    let export = admin.get("/admin/imports/correspondances/vierzon.toml").await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.body, mapping.toml);
    assert_eq!(admin.get("/admin/imports/correspondances/hub-lo.toml").await.status, StatusCode::OK);
    assert_eq!(admin.get("/admin/imports/correspondances/absente.toml").await.status, StatusCode::NOT_FOUND);

    // The next file of the export, without a mapping chosen: recognised.
    let next = EXPORT.replace("2 rue Neuve", "4 rue Neuve");
    let page = admin
        .post_file("/admin/imports", &[("_csrf", &csrf)], Some(("fichier", "export-2.csv", next.as_bytes())))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let report = admin.get(page.location()).await;
    assert!(report.body.contains("dans la source <strong>vierzon</strong>"), "{}", report.body);
    assert!(report.body.contains("0 lieu(x) créé(s), 1 modifié(s), 2 inchangé(s)"), "{}", report.body);

    // Deleted at the version shown.
    let stale =
        admin.post("/admin/imports/correspondances/vierzon/supprimer", &[("_csrf", &csrf), ("version", "2")]).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let deleted =
        admin.post("/admin/imports/correspondances/vierzon/supprimer", &[("_csrf", &csrf), ("version", "1")]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(hub.store.saved_mappings().unwrap().is_empty());
}
