//! The hub's configuration pages (bassins, imports, indicators, branding): administrators
//! only, files refused whole with their problems by line.

use axum::http::{header, StatusCode};
use maillage_store::contract::snapshot_items;
use maillage_store::{AccountStore, Store};
use maillage_store_sqlite::SqliteStore;

use super::common::hub::*;
use maillage_web::WebState;

use super::common::{hidden, territory};

/// A file field of a multipart form: (field, file name, bytes).
type Upload<'a> = (&'a str, &'a str, &'a [u8]);
/// A route that takes a file: (path, text fields, file).
type UploadRoute<'a> = (&'a str, Vec<(&'a str, &'a str)>, Upload<'a>);

fn settings(store: &SqliteStore) -> Vec<Option<String>> {
    ["marque.nom", "marque.couleur", "marque.logo", "marque.logo_url"]
        .iter()
        .map(|key| store.setting(key).unwrap())
        .collect()
}

const BASSINS: &str = "bassin,departement,type,code\nBourges,18,commune,18033\n";
const PLACES_CSV: &str = "id,nom,commune,code_postal,adresse,date_maj\nx-1,Espace numérique,Vierzon,18100,1 place de la Gare,2025-01-10\nx-2,,Vierzon,18100,2 rue Neuve,2025-01-10\n";
const INDICATOR: &str = "code,valeur\n18033,0.4\n18279,0.7\n";

/// The administrators' pages (bassins, imports, indicators, branding): every other role is
/// refused and nothing changes, without or with a CSRF token; an administrator's post without
/// its token is refused too.
#[tokio::test]
async fn hub_configuration_pages_are_for_administrators_only() {
    let hub = Hub::new();
    let mut manager = hub.signed_in("g@asso.example").await;
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let mut admin = hub.signed_in("admin@hub.example").await;
    let mut anonymous = hub.client();
    let before = (snapshot_items(hub.store.as_ref()), settings(&hub.store));
    let png: &[u8] = b"\x89PNG\r\n\x1a\nimage";
    let routes: Vec<UploadRoute> = vec![
        ("/admin/bassins", vec![], ("fichier", "bassins.csv", BASSINS.as_bytes())),
        ("/admin/imports", vec![("source", "essai")], ("fichier", "lieux.csv", PLACES_CSV.as_bytes())),
        (
            "/admin/indicateurs",
            vec![("nom", "ifn"), ("niveau", "commune")],
            ("fichier", "ifn.csv", INDICATOR.as_bytes()),
        ),
        ("/admin/marque", vec![("nom", "Hub pirate"), ("couleur", "#000000")], ("logo", "logo.png", png)),
    ];
    for (route, form, file) in &routes {
        for (who, client) in
            [("public", &mut anonymous), ("gestionnaire", &mut manager), ("coordinateur", &mut coordinator)]
        {
            let csrf = if who == "public" { String::new() } else { client.csrf().await };
            let mut form = form.clone();
            form.push(("_csrf", &csrf));
            let page = client.post_file(route, &form, Some(*file)).await;
            let refused = match who {
                "public" => page.status == StatusCode::SEE_OTHER && page.location().starts_with("/connexion"),
                _ => page.status == StatusCode::FORBIDDEN,
            };
            assert!(refused, "{who} sur {route} : {} {}", page.status, page.body);
            if who != "public" {
                assert_eq!(client.get(route).await.status, StatusCode::FORBIDDEN, "{who} lit {route}");
            }
        }
        // The administrator, without the token.
        let page = admin.post_file(route, form, Some(*file)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{route} sans jeton : {}", page.body);
        let page = admin.post_file(route, &[form.as_slice(), &[("_csrf", "faux")]].concat(), Some(*file)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{route} avec un faux jeton");
    }
    assert_eq!(coordinator.get("/admin/bassins.csv").await.status, StatusCode::FORBIDDEN);
    assert_eq!((snapshot_items(hub.store.as_ref()), settings(&hub.store)), before);
}

/// An administrator uploads a file of places with the report shown; a file that cannot be
/// read, or bassins with a bad line, change nothing and say why.
#[tokio::test]
async fn an_administrator_imports_places_bassins_and_indicators_with_their_reports() {
    let hub = Hub::new();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;

    let page = admin.import(&csrf, "essai", "lieux.csv", PLACES_CSV.as_bytes()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let report = admin.get(page.location()).await;
    assert!(report.body.contains("2 ligne(s) lue(s), 1 lieu(x) créé(s)"), "{}", report.body);
    // The rejected row is named by its line and field.
    assert!(report.body.contains("<td>3</td><td>x-2</td><td>erreur</td><td>nom</td>"), "{}", report.body);
    let listing = admin.get("/admin/imports").await;
    assert!(listing.body.contains("<td>essai</td>") && listing.body.contains("lieux.csv"), "{}", listing.body);

    // The import started the duplicate scan in the background: let it write its audit entry.
    while matches!(hub.state.scans.state(), maillage_app::duplicates::ScanState::Running { .. }) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before = snapshot_items(hub.store.as_ref());
    let broken = admin
        .post_file("/admin/imports", &[("_csrf", &csrf)], Some(("fichier", "lieux.json", b"{ pas du json".as_slice())))
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", broken.body);
    assert!(broken.body.contains("Fichier refusé, rien n&#39;a été importé"), "{}", broken.body);
    let unknown = admin
        .post_file(
            "/admin/imports",
            &[("_csrf", &csrf), ("correspondance", "../secret")],
            Some(("fichier", "l.csv", PLACES_CSV.as_bytes())),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let bad_bassins = "bassin,departement,type,code\nBourges,18,commune,18033\nNulle part,18,commune,99999\n";
    let refused = admin
        .post_file("/admin/bassins", &[("_csrf", &csrf)], Some(("fichier", "b.csv", bad_bassins.as_bytes())))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("ligne 3"), "{}", refused.body);
    let no_code = admin
        .post_file(
            "/admin/indicateurs",
            &[("_csrf", &csrf), ("nom", "ifn"), ("niveau", "commune")],
            Some(("fichier", "i.csv", b"a,b\n1,2\n".as_slice())),
        )
        .await;
    assert_eq!(no_code.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_code.body);
    assert_eq!(snapshot_items(hub.store.as_ref()), before);

    let page =
        admin.post_file("/admin/bassins", &[("_csrf", &csrf)], Some(("fichier", "b.csv", BASSINS.as_bytes()))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("1 bassin(s) importé(s)"));
    assert_eq!(hub.store.bassins().unwrap().len(), 1);
    let export = admin.get("/admin/bassins.csv").await;
    assert!(
        export.body.starts_with("bassin,departement,type,code,nom\nBourges,18,commune,18033,Bourges"),
        "{}",
        export.body
    );

    let page = admin
        .post_file(
            "/admin/indicateurs",
            &[("_csrf", &csrf), ("nom", "ifn"), ("niveau", "commune")],
            Some(("fichier", "ifn.csv", INDICATOR.as_bytes())),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("2 valeur(s) enregistrée(s)"), "{}", page.body);
    assert_eq!(hub.store.indicator_values("ifn", maillage_store::IndicatorLevel::Commune).unwrap().len(), 2);
}

/// The branding: colours are checked (hex, readable on white), an invalid form changes
/// nothing, and the public pages show the saved name, stylesheet and logo.
#[tokio::test]
async fn the_branding_is_validated_and_shown_on_public_pages() {
    let hub = Hub::new();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;
    let mut public = hub.client();
    let home = public.get("/").await;
    assert!(home.body.contains("— Maillage</title>"), "{}", home.body);

    let invalid =
        admin.post_file("/admin/marque", &[("_csrf", &csrf), ("nom", "Hub du Cher"), ("couleur", "jaune")], None).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.body.contains("n&#39;est pas une couleur hexadécimale"), "{}", invalid.body);
    let pale = admin
        .post_file("/admin/marque", &[("_csrf", &csrf), ("nom", "Hub du Cher"), ("couleur", "#ffee00")], None)
        .await;
    assert!(pale.body.contains("trop claire"), "{}", pale.body);
    let not_an_image = admin
        .post_file(
            "/admin/marque",
            &[("_csrf", &csrf), ("nom", "Hub du Cher"), ("couleur", "#1f4e79")],
            Some(("logo", "logo.png", b"<script>".as_slice())),
        )
        .await;
    assert_eq!(not_an_image.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(settings(&hub.store), vec![None, None, None, None]);

    let png: &[u8] = b"\x89PNG\r\n\x1a\nune image";
    let saved = admin
        .post_file(
            "/admin/marque",
            &[("_csrf", &csrf), ("nom", "Hub du Cher"), ("couleur", "#1F4E79")],
            Some(("logo", "logo.png", png)),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let home = public.get("/").await;
    assert!(home.body.contains("— Hub du Cher</title>") && home.body.contains(">Hub du Cher</span>"), "{}", home.body);
    let css_url = home.body.split("href=\"/marque.css").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let css = public.get(&format!("/marque.css{css_url}")).await;
    assert_eq!(css.body.trim(), ":root { --couleur-marque: #1f4e79; }");
    let logo_url = home.body.split("src=\"/marque/logo").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let logo = public.get(&format!("/marque/logo{logo_url}")).await;
    // (The body is read as text here: the PNG signature's first byte is not UTF-8.)
    assert!(logo.status == StatusCode::OK && logo.body.ends_with("PNG\r\n\x1a\nune image"));
    assert_eq!(logo.headers.get(header::CONTENT_TYPE).unwrap(), "image/png");
    // Still there after a restart.
    let reloaded = WebState::new(hub.store.clone(), territory()).unwrap();
    assert_eq!(reloaded.branding.current().name, "Hub du Cher");
}

/// An import with places outside the hub's départements stops before its commit and asks;
/// answering "importer quand même" imports the held file without sending it again.
#[tokio::test]
async fn an_import_outside_the_hubs_territory_asks_first() {
    let hub = Hub::new();
    let member = maillage_store::BassinMember {
        bassin: "Bourges".to_owned(),
        departement: "18".to_owned(),
        kind: maillage_store::MemberKind::Epci,
        code: "241800507".to_owned(),
    };
    hub.store.replace_bassins(&[member]).unwrap();
    let file = "id,nom,commune,code_postal,code_insee,adresse\n\
        h1,Médiathèque de Vierzon,Vierzon,18100,18279,1 rue Neuve\n\
        h2,EPN de Lyon,Lyon,69001,69381,2 rue de la République\n\
        h3,EPN de Marseille,Marseille,13001,13201,3 la Canebière\n";
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;
    let before = snapshot_items(hub.store.as_ref());
    let page = admin.import(&csrf, "lointain", "lieux.csv", file.as_bytes()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("2 lieux hors du territoire du hub : importer quand même ?"), "{}", page.body);
    assert!(page.body.contains("Le fichier lieux.csv compte 3 lieux"), "{}", page.body);
    assert_eq!(snapshot_items(hub.store.as_ref()), before, "nothing written before the answer");
    let key = hidden(&page.body, "brouillon");
    let page = admin
        .post_file(
            "/admin/imports",
            &[("_csrf", &csrf), ("brouillon", &key), ("source", "lointain"), ("confirme", "oui")],
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let report = admin.get(page.location()).await;
    assert!(report.body.contains("3 lieu(x) créé(s)"), "{}", report.body);
    let query = maillage_store::PlaceQuery { source: Some("lointain".into()), ..maillage_store::PlaceQuery::active() };
    assert_eq!(hub.store.places(&query).unwrap().len(), 3);
    // A file within the territory is imported at once.
    let near = "id,nom,commune,code_postal,code_insee,adresse\nh4,EPN de Bourges,Bourges,18000,18033,4 rue Moyenne\n";
    let page = admin.import(&csrf, "proche", "p.csv", near.as_bytes()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

/// A report of many problems: pages of 100 lines, filtered by severity and field, and the
/// filtered lines as CSV.
#[tokio::test]
async fn an_import_report_pages_filters_and_downloads() {
    let hub = Hub::new();
    let mut file = String::from("id,nom,commune,code_postal,adresse\nok,EPN de Bourges,Bourges,18000,1 rue Moyenne\n");
    for row in 0..150 {
        file.push_str(&format!("r{row},,Bourges,18000,{row} rue Moyenne\n"));
    }
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;
    let page = admin.import(&csrf, "essai", "l.csv", file.as_bytes()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let report_uri = page.location().to_owned();
    let all = admin.get(&report_uri).await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("Page 1 sur ") && all.body.contains("rel=\"next\""), "{}", all.body);
    let first = admin.get(&format!("{report_uri}?gravite=erreur&champ=nom")).await;
    assert!(first.body.contains("150 problème(s) sur") && first.body.contains("Page 1 sur 2"), "{}", first.body);
    assert_eq!(first.body.matches("<td>erreur</td>").count(), 100);
    let second = admin.get(&format!("{report_uri}?gravite=erreur&champ=nom&page=2")).await;
    assert!(second.body.contains("Page 2 sur 2") && second.body.contains("<td>r149</td>"), "{}", second.body);
    assert_eq!(second.body.matches("<td>erreur</td>").count(), 50);
    let none = admin.get(&format!("{report_uri}?gravite=info&champ=nom")).await;
    assert!(none.body.contains("Aucun problème pour ce filtre."), "{}", none.body);
    let bad = admin.get(&format!("{report_uri}?gravite=grave")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let csv = admin.get(&format!("{report_uri}/rapport.csv?gravite=erreur&champ=nom")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 151, "a header and a line per problem: {}", csv.body);
    assert!(csv.body.starts_with("ligne,id_source,gravite,champ,valeur,motif"), "{}", csv.body);
}
