//! The hub's open data over HTTP: the change feeds (a consumer pulls, a place is edited, the
//! next pull gives exactly that place; withdrawn places by id only; hidden places never), the
//! data·inclusion export through the API, the OGC API – Features, and the publication (the
//! administrators' button, the stable addresses under `/donnees/`).

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::{import_file, ImportOptions};
use maillage_domain::{Place, PlaceStatus};
use maillage_store::{AccountStore, ChangeKind, PlaceWrite, Store};
use maillage_store_sqlite::SqliteStore;
use maillage_web::WebState;
use serde_json::Value;

use super::common::api::{enc, get, request};
use super::common::hub::Hub;
use super::common::territory;

const PLACES: &str = "id,nom,commune,code_postal,code_insee,adresse,latitude,longitude,services,frais_a_charge,date_maj\n\
a,Médiathèque de Bourges,Bourges,18000,18033,1 boulevard Lamarck,47.0810,2.3988,Aide aux démarches administratives|Maîtrise des outils numériques du quotidien,Gratuit,2026-11-01\n\
b,Centre social de Vierzon,Vierzon,18100,18279,2 rue Neuve,47.2220,2.0680,Accès internet et matériel informatique,Payant,2026-11-01\n\
c,EPN de Tours,Tours,37000,37261,3 rue Nationale,47.3940,0.6890,Aide aux démarches administratives,Gratuit,2026-11-01\n\
d,Point numérique ancien,Bourges,18000,18033,4 rue Moyenne,47.0830,2.3950,Aide aux démarches administratives,Gratuit,2020-01-01\n";

fn store_with_places() -> Arc<SqliteStore> {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let options = ImportOptions {
        source: Some("essai".into()),
        mapping: None,
        candidates: &[],
        prune: false,
        territory: Some(&territory()),
    };
    import_file(&Context::new(store.as_ref()), &Actor::operator(None), PLACES.as_bytes(), "lieux.csv", &options)
        .unwrap();
    store
}

fn place(store: &SqliteStore, source_id: &str) -> Place {
    store.place_by_source_id("essai", source_id).unwrap().unwrap()
}

fn write(store: &SqliteStore, mut place: Place, change: ChangeKind) {
    place.version += 1;
    place.updated_at = maillage_store::now();
    store
        .save_place(&PlaceWrite { place, change, author: "test".into(), reason: "test".into(), content_hash: None })
        .unwrap();
}

fn ids(page: &Value) -> Vec<(String, String)> {
    page["changements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["etat"].as_str().unwrap().to_owned()))
        .collect()
}

/// The consumer's story: pull since a date (everything), edit a place, pull again since the
/// answer's `jusqu_a`: exactly that place. Withdraw one: only its id and date. A place hidden
/// from the public (not confirmed for the hub's cut-off) is never in the feed.
#[tokio::test]
async fn a_consumer_pulls_exactly_what_changed() {
    let store = store_with_places();
    let state = WebState::with_cutoff(store.clone(), territory(), Some(24)).unwrap();
    let start = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let (status, _, first) = get(&state, &format!("/api/v1/lieux/changements?depuis={}", enc(&start))).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let hidden = place(&store, "d");
    let mut seen: Vec<String> = ids(&first)
        .into_iter()
        .map(|(id, kind)| {
            assert_eq!(kind, "cree");
            id
        })
        .collect();
    seen.sort();
    let mut expected: Vec<String> = ["a", "b", "c"].iter().map(|id| place(&store, id).id.0).collect();
    expected.sort();
    assert_eq!(seen, expected, "the hidden place is left out: {first}");
    let object = &first["changements"][0]["lieu"];
    assert!(object["nom"].is_string() && object["date_maj"].is_string(), "{object}");
    assert!(!first.to_string().contains(&hidden.id.0));

    // Edit one place; the next pull gives exactly it.
    let since = first["jusqu_a"].as_str().unwrap().to_owned();
    let mut edited = place(&store, "b");
    edited.record.nom = "Centre social Jean-Jaurès".into();
    write(&store, edited.clone(), ChangeKind::Updated);
    let (_, _, second) = get(&state, &format!("/api/v1/lieux/changements?depuis={}", enc(&since))).await;
    assert_eq!(ids(&second), vec![(edited.id.0.clone(), "modifie".to_owned())], "{second}");
    assert_eq!(second["changements"][0]["lieu"]["nom"], "Centre social Jean-Jaurès");

    // Withdraw one: its id and date, no data. Editing the hidden place keeps it out.
    let since = second["jusqu_a"].as_str().unwrap().to_owned();
    let mut gone = place(&store, "c");
    gone.status = PlaceStatus::Withdrawn;
    write(&store, gone.clone(), ChangeKind::Withdrawn);
    let mut still_hidden = place(&store, "d");
    still_hidden.record.adresse = "5 rue Moyenne".into();
    write(&store, still_hidden, ChangeKind::Updated);
    let (_, _, third) = get(&state, &format!("/api/v1/lieux/changements?depuis={}", enc(&since))).await;
    assert_eq!(ids(&third), vec![(gone.id.0.clone(), "retire".to_owned())], "{third}");
    let withdrawal = third["changements"][0].as_object().unwrap();
    let mut keys: Vec<&str> = withdrawal.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["date", "etat", "id"], "nothing but its id and withdrawal: {third}");
    assert!(!third.to_string().contains("EPN de Tours"));

    // Per territory: the Cher's changes since the start leave out Tours.
    let (_, _, cher) = get(&state, &format!("/api/v1/lieux/changements?depuis={}&territoire=18", enc(&start))).await;
    let cher_ids: Vec<String> = ids(&cher).into_iter().map(|(id, _)| id).collect();
    assert!(!cher_ids.contains(&gone.id.0) && cher_ids.contains(&edited.id.0), "{cher}");
}

#[tokio::test]
async fn the_change_feed_is_paged_without_repeats() {
    let store = store_with_places();
    let state = WebState::new(store.clone(), territory()).unwrap();
    let start = enc(&(Utc::now() - Duration::hours(1)).to_rfc3339());
    let mut uri = format!("/api/v1/lieux/changements?depuis={start}&limite=1");
    let mut all = Vec::new();
    loop {
        let (status, _, page) = get(&state, &uri).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let got = ids(&page);
        assert!(got.len() <= 1);
        all.extend(got.into_iter().map(|(id, _)| id));
        match page["curseur_suivant"].as_str() {
            Some(cursor) => uri = format!("/api/v1/lieux/changements?depuis={start}&limite=1&curseur={cursor}"),
            None => break,
        }
    }
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((all.len(), unique.len()), (4, 4), "{all:?}");
}

#[tokio::test]
async fn bad_change_feed_requests_name_their_parameter() {
    let state = WebState::new(store_with_places(), territory()).unwrap();
    for (uri, field) in [
        ("/api/v1/lieux/changements", "depuis"),
        ("/api/v1/lieux/changements?depuis=hier", "depuis"),
        ("/api/v1/lieux/changements?depuis=2026-01-01T00:00:00Z&limite=0", "limite"),
        ("/api/v1/lieux/changements?depuis=2026-01-01T00:00:00Z&curseur=zzz", "curseur"),
        ("/api/v1/lieux/changements?depuis=2026-01-01T00:00:00Z&territoire=99999", "territoire"),
        ("/api/v1/lieux/changements?depuis=2026-01-01T00:00:00Z&inconnu=1", "inconnu"),
        ("/api/v1/lieux/changements.atom?depuis=demain", "depuis"),
    ] {
        let (status, _, body) = get(&state, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["erreur"]["champ"], field, "{uri}: {body}");
    }
}

#[tokio::test]
async fn the_atom_feed_of_a_territory_lists_its_changes() {
    let store = store_with_places();
    let state = WebState::new(store.clone(), territory()).unwrap();
    let mut gone = place(&store, "b");
    gone.status = PlaceStatus::Withdrawn;
    write(&store, gone, ChangeKind::Withdrawn);
    let (status, headers, bytes) = request(
        &state,
        axum::http::Request::get("/api/v1/lieux/changements.atom?territoire=18")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().starts_with("application/atom+xml"));
    let xml = String::from_utf8(bytes).unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""), "{xml}");
    assert!(xml.contains("Nouveau lieu : Médiathèque de Bourges"), "{xml}");
    assert!(xml.contains("<title>Lieu retiré</title>"), "{xml}");
    assert!(!xml.contains("Centre social de Vierzon"), "a withdrawn place's name is not published: {xml}");
    assert!(!xml.contains("Tours"), "another département's place: {xml}");
    assert_eq!(xml.matches("<entry>").count(), 3, "{xml}");
}

/// data·inclusion through the API: structures and services, the producer's ids.
#[tokio::test]
async fn data_inclusion_through_the_api() {
    let state = WebState::new(store_with_places(), territory()).unwrap();
    let (status, _, structures) = get(&state, "/api/v1/export?format=data-inclusion-structures").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(structures.as_array().unwrap().len(), 4);
    assert!(structures[0]["id"].as_str().unwrap().starts_with("maillage--"));
    let (_, _, services) = get(&state, "/api/v1/export?format=data-inclusion-services&territoire=37").await;
    let services = services.as_array().unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0]["thematiques"][0], "numerique--acceder-a-des-services-en-ligne");
    assert_eq!(services[0]["frais"], "gratuit");
    assert_eq!(services[0]["zone_eligibilite"][0], "37");
    let (status, _, body) = get(&state, "/api/v1/export?format=data-inclusion").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["erreur"]["champ"], "format");
}

#[tokio::test]
async fn ogc_api_features_lists_collections_and_pages_items() {
    let state = WebState::new(store_with_places(), territory()).unwrap();
    let (status, _, landing) = get(&state, "/ogc").await;
    assert_eq!(status, StatusCode::OK);
    let rels: Vec<&str> = landing["links"].as_array().unwrap().iter().map(|l| l["rel"].as_str().unwrap()).collect();
    assert!(rels.contains(&"conformance") && rels.contains(&"data"), "{landing}");
    let (_, _, conformance) = get(&state, "/ogc/conformance").await;
    assert!(conformance["conformsTo"].to_string().contains("ogcapi-features-1/1.0/conf/geojson"));
    let (_, _, collections) = get(&state, "/ogc/collections").await;
    let names: Vec<&str> =
        collections["collections"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(names, ["lieux", "bassins", "couverture"]);

    // The Cher's box: three places, two pages of two.
    let cher = "1.77,46.42,3.08,47.63";
    let (status, headers, page) = get(&state, &format!("/ogc/collections/lieux/items?bbox={cher}&limit=2")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(headers[axum::http::header::CONTENT_TYPE], "application/geo+json");
    assert_eq!((page["numberMatched"].as_u64(), page["numberReturned"].as_u64()), (Some(3), Some(2)));
    let next = page["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next").unwrap()["href"].as_str().unwrap();
    let next = &next[next.find("/ogc").unwrap()..];
    let (_, _, second) = get(&state, next).await;
    assert_eq!(second["numberReturned"].as_u64(), Some(1), "{second}");
    let first_ids: Vec<&Value> = page["features"].as_array().unwrap().iter().map(|f| &f["id"]).collect();
    assert!(!first_ids.contains(&&second["features"][0]["id"]));
    let coordinates = &page["features"][0]["geometry"]["coordinates"];
    assert!(
        coordinates[0].as_f64().unwrap() > 1.7 && coordinates[1].as_f64().unwrap() > 46.4,
        "lon, lat: {coordinates}"
    );

    // A filter as a queryable, and in the API's language.
    let service = enc("Accès internet et matériel informatique");
    let (_, _, filtered) = get(&state, &format!("/ogc/collections/lieux/items?bbox={cher}&service={service}")).await;
    assert_eq!(filtered["numberMatched"].as_u64(), Some(1), "{filtered}");
    assert_eq!(filtered["features"][0]["properties"]["nom"], "Centre social de Vierzon");
    let (_, _, free) = get(&state, &format!("/ogc/collections/lieux/items?bbox={cher}&gratuit=true")).await;
    assert_eq!(free["numberMatched"].as_u64(), Some(2), "{free}");
    let (_, _, queryables) = get(&state, "/ogc/collections/lieux/queryables").await;
    assert!(queryables["properties"]["service"].is_object() && queryables["properties"]["territoire"].is_object());

    // One item; unknown ones and bad parameters answer JSON naming the problem.
    let id = filtered["features"][0]["id"].as_str().unwrap();
    let (status, _, item) = get(&state, &format!("/ogc/collections/lieux/items/{id}")).await;
    assert_eq!((status, item["id"].as_str()), (StatusCode::OK, Some(id)));
    let (status, _, _) = get(&state, "/ogc/collections/lieux/items/inconnu").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(&state, "/ogc/collections/routes").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (uri, field) in [
        ("/ogc/collections/lieux/items?bbox=1,2,3", "bbox"),
        ("/ogc/collections/lieux/items?limit=0", "limit"),
        ("/ogc/collections/lieux/items?crs=EPSG:2154", "crs"),
        ("/ogc/collections/lieux/items?service=Inconnu", "filtres"),
        ("/ogc/collections/bassins/items?offset=-1", "offset"),
    ] {
        let (status, _, body) = get(&state, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["erreur"]["champ"], field, "{uri}: {body}");
    }
}

#[tokio::test]
async fn ogc_bassins_are_polygons_and_coverage_is_per_commune() {
    let store = store_with_places();
    maillage_app::territory::bassins::save_bassins(
        &Context::new(store.as_ref()),
        &Actor::operator(None),
        &maillage_app::territory::bassins::read_bassins_csv(
            &territory(),
            b"bassin,departement,type,code\nBourges,18,epci,241800507\nVierzon,18,commune,18279\n",
        )
        .unwrap(),
        "test",
    )
    .unwrap();
    let state = WebState::new(store, territory()).unwrap();
    let (status, _, bassins) = get(&state, "/ogc/collections/bassins/items").await;
    assert_eq!(status, StatusCode::OK, "{bassins}");
    assert_eq!(bassins["numberMatched"].as_u64(), Some(2));
    let bourges = &bassins["features"][0];
    assert_eq!(bourges["id"], "Bourges");
    assert_eq!(bourges["geometry"]["type"], "MultiPolygon");
    let ring = bourges["geometry"]["coordinates"][0][0].as_array().unwrap_or_else(|| panic!("{bassins}"));
    assert!(ring.len() > 10 && ring.first() == ring.last(), "a closed ring");
    let (_, _, coverage) = get(&state, "/ogc/collections/couverture/items?bbox=2.39,47.07,2.41,47.09&limit=5").await;
    assert!(coverage["numberMatched"].as_u64().unwrap() >= 1, "{coverage}");
    let bourges_commune = coverage["features"].as_array().unwrap().iter().find(|f| f["id"] == "18033").unwrap();
    assert_eq!(bourges_commune["properties"]["lieux"].as_u64(), Some(2));
    assert_eq!(bourges_commune["geometry"]["type"], "MultiPolygon");
}

/// The administrators' publication: refused to everyone else; publishes into the folder;
/// the latest files at stable addresses; only the names published are served.
#[tokio::test]
async fn administrators_publish_and_the_latest_files_have_stable_addresses() {
    let mut hub = Hub::new();
    let folder = tempfile::tempdir().unwrap();
    hub.state.open_data = Arc::new(maillage_web::OpenData {
        producer: "hub-test".into(),
        base_url: Some("https://hub.example".into()),
        publication_dir: Some(folder.path().to_owned()),
    });
    let (status, _, _) = get(&hub.state, "/donnees/catalog.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing published yet");
    for email in ["g@asso.example", "coord18@hub.example"] {
        let mut client = hub.signed_in(email).await;
        let csrf = client.csrf().await;
        let page = client.post("/admin/publication", &[("_csrf", &csrf)]).await;
        assert!(matches!(page.status, StatusCode::FORBIDDEN | StatusCode::SEE_OTHER), "{email}: {}", page.status);
    }
    assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0, "nothing written");
    let mut admin = hub.signed_in("admin@hub.example").await;
    let page = admin.get("/admin/publication").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Publier maintenant"), "{}", page.body);
    let csrf = admin.csrf().await;
    let page = admin.post("/admin/publication", &[("_csrf", &csrf)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Publication faite : 2 lieux, 6 fichiers."), "{}", page.body);
    let today = maillage_domain::paris_local(Utc::now()).date().format("%Y%m%d").to_string();
    let named = folder.path().join(format!("{today}-hub-test-lieux-de-mediation-numerique.csv"));
    assert!(named.exists(), "the standard's name");
    let (status, _, manifest) = get(&hub.state, "/donnees/manifest.json").await;
    assert_eq!(status, StatusCode::OK);
    let csv_entry = manifest["fichiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["stable"] == "lieux-de-mediation-numerique.csv")
        .unwrap();
    assert_eq!(csv_entry["enregistrements"].as_u64(), Some(2));
    let (status, headers, bytes) = request(
        &hub.state,
        axum::http::Request::get("/donnees/lieux-de-mediation-numerique.csv").body(axum::body::Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(csv_entry["sha256"], digest.as_str());
    let (_, _, catalog) = get(&hub.state, "/donnees/catalog.json").await;
    assert_eq!(catalog["@type"], "dcat:Catalog");
    let urls = catalog.to_string();
    assert!(urls.contains("https://hub.example/donnees/data-inclusion-services.json"), "{catalog}");
    for name in ["../secret", "publication.tmp", format!("{today}-hub-test-manifest.json").as_str()] {
        let (status, _, _) = get(&hub.state, &format!("/donnees/{}", enc(name))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
    }
    let audit = hub.store.audit_log(10).unwrap();
    assert!(audit.iter().any(|entry| entry.action == "donnees_publiees"), "{audit:?}");
}
