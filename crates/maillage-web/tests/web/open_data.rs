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

use super::common::api::{assert_refused, enc, get, request};
use super::common::hub::{Hub, KEY};
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
        hold_outside: None,
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
    assert_refused(
        &state,
        &[
            ("/api/v1/lieux/changements", "depuis"),
            ("/api/v1/lieux/changements?depuis=hier", "depuis"),
            ("/api/v1/lieux/changements?depuis=2026-01-01T00:00:00Z&limite=0", "limite"),
            ("/api/v1/lieux/changements?depuis=2026-01-01T00:00:00Z&curseur=zzz", "curseur"),
            ("/api/v1/lieux/changements?depuis=2026-01-01T00:00:00Z&territoire=99999", "territoire"),
            ("/api/v1/lieux/changements?depuis=2026-01-01T00:00:00Z&inconnu=1", "inconnu"),
            ("/api/v1/lieux/changements.atom?depuis=demain", "depuis"),
        ],
    )
    .await;
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
    assert_refused(
        &state,
        &[
            ("/ogc/collections/lieux/items?bbox=1,2,3", "bbox"),
            ("/ogc/collections/lieux/items?limit=0", "limit"),
            ("/ogc/collections/lieux/items?crs=EPSG:2154", "crs"),
            ("/ogc/collections/lieux/items?service=Inconnu", "filtres"),
            ("/ogc/collections/bassins/items?offset=-1", "offset"),
        ],
    )
    .await;
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
        national_url: None,
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

/// A merge, then its undo: the member withdrawn into the merged place comes back into the JSON
/// feed and the Atom feed with its data, as does the place published under the merged id.
#[tokio::test]
async fn an_undone_merge_brings_its_places_back_into_the_feeds() {
    use maillage_app::duplicates::{resolve, scan, undo, Resolution, ScanOptions};
    let store = store_with_places();
    let twins = "id,nom,commune,code_postal,code_insee,adresse,latitude,longitude,services,date_maj\n\
        e,Point numérique,Bourges,18000,18033,40 avenue de Lattre,47.0850,2.4010,Aide aux démarches administratives,2026-11-01\n\
        f,Point numérique du centre,Bourges,18000,18033,40 avenue de Lattre,47.0851,2.4011,Aide aux démarches administratives,2026-11-01\n";
    let ctx = Context::new(store.as_ref());
    let operator = Actor::operator(None);
    let options = ImportOptions { source: Some("jumeaux".into()), ..ImportOptions::default() };
    import_file(&ctx, &operator, twins.as_bytes(), "jumeaux.csv", &options).unwrap();
    let mut reviewed = ScanOptions { sources: vec!["jumeaux".into()], ..ScanOptions::default() };
    (reviewed.thresholds.auto_merge, reviewed.thresholds.review) = (1.0, 0.5);
    scan(&ctx, &operator, &reviewed).unwrap();
    let twin = |id: &str| store.place_by_source_id("jumeaux", id).unwrap().unwrap();
    let (e, f) = (twin("e"), twin("f"));
    let pair = store
        .duplicate_pairs()
        .unwrap()
        .into_iter()
        .find(|pair| pair.a.source == "jumeaux" && pair.b.source == "jumeaux")
        .expect("the twins are a pair to review");
    let merged = resolve(&ctx, &operator, &pair.id, Resolution::Merge).unwrap();
    let state = WebState::new(store.clone(), territory()).unwrap();
    let (_, _, after_merge) = get(
        &state,
        &format!("/api/v1/lieux/changements?depuis={}", enc(&(Utc::now() - Duration::hours(1)).to_rfc3339())),
    )
    .await;
    let withdrawn: Vec<(String, String)> = ids(&after_merge).into_iter().filter(|(_, kind)| kind == "retire").collect();
    assert_eq!(withdrawn.len(), 1, "one twin withdrawn into the other: {after_merge}");

    let since = after_merge["jusqu_a"].as_str().unwrap().to_owned();
    undo(&ctx, &operator, merged.group_id.as_deref().unwrap()).unwrap();
    let (_, _, after_undo) = get(&state, &format!("/api/v1/lieux/changements?depuis={}", enc(&since))).await;
    let mut back = ids(&after_undo);
    back.sort();
    let mut expected = vec![(e.id.0.clone(), "modifie".to_owned()), (f.id.0.clone(), "modifie".to_owned())];
    expected.sort();
    assert_eq!(back, expected, "both twins published again, each as itself: {after_undo}");
    let names: Vec<&str> =
        after_undo["changements"].as_array().unwrap().iter().map(|c| c["lieu"]["nom"].as_str().unwrap()).collect();
    assert!(names.contains(&"Point numérique du centre") && names.contains(&"Point numérique"), "{after_undo}");
    let (status, _, bytes) = request(
        &state,
        axum::http::Request::get(format!("/api/v1/lieux/changements.atom?depuis={}", enc(&since)))
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let xml = String::from_utf8(bytes).unwrap();
    assert_eq!(xml.matches("<entry>").count(), 2, "{xml}");
    assert!(xml.contains("Point numérique du centre"), "{xml}");
}

/// A national map's file served over HTTP on this machine: every request gets it.
fn serve_national(bytes: &'static [u8]) -> String {
    use std::io::{BufRead, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}/lieux-de-mediation-numerique.csv", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", bytes.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(bytes));
        }
    });
    address
}

/// The national map: the Médiathèque the hub has, a place it lacks, and one outside its
/// départements.
const NATIONAL: &[u8] = "id,nom,commune,code_postal,code_insee,adresse,latitude,longitude,services,date_maj\n\
    n1,Médiathèque de Bourges,Bourges,18000,18033,1 boulevard Lamarck,47.0810,2.3988,Aide aux démarches administratives,2026-10-01\n\
    n2,Espace public numérique de Saint-Amand,Saint-Amand-Montrond,18200,18197,5 place de la République,46.7230,2.5050,Accès internet et matériel informatique,2026-10-01\n\
    n3,Médiathèque de Lyon,Lyon,69001,69381,1 rue de la République,45.7640,4.8357,Aide aux démarches administratives,2026-10-01\n"
    .as_bytes();

fn cher_bassin(store: &SqliteStore) {
    let member = maillage_store::BassinMember {
        bassin: "Bourges".to_owned(),
        departement: "18".to_owned(),
        kind: maillage_store::MemberKind::Epci,
        code: "241800507".to_owned(),
    };
    store.replace_bassins(&[member]).unwrap();
}

/// The server's scheduled pull, run once against a local HTTP server: the national places of
/// the hub's départements arrive as their own source, and the one the hub has waits in the
/// review queue (or is merged); the place outside is left out.
#[tokio::test]
async fn the_scheduled_national_pull_brings_the_national_places_for_review() {
    let store = store_with_places();
    cher_bassin(&store);
    let mut state = WebState::new(store.clone(), territory()).unwrap();
    state.open_data =
        Arc::new(maillage_web::OpenData { national_url: Some(serve_national(NATIONAL)), ..Default::default() });
    let folder = tempfile::tempdir().unwrap();
    let config = Arc::new(maillage_web::AccountsConfig::with_outbox(folder.path(), "https://hub.example", KEY));
    let never = std::time::Duration::from_secs(24 * 3600);
    let task = maillage_web::spawn_national_pull(&state, config.clone(), std::time::Duration::ZERO, never).unwrap();
    let national =
        maillage_store::PlaceQuery { source: Some("carte-nationale".into()), ..maillage_store::PlaceQuery::active() };
    let mut waited = 0;
    while store.places(&national).unwrap().len() < 2 {
        assert!(waited < 200, "the pull ran within 20 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    task.abort();
    let mut names: Vec<String> = store.places(&national).unwrap().into_iter().map(|p| p.record.nom).collect();
    names.sort();
    assert_eq!(names, ["Espace public numérique de Saint-Amand", "Médiathèque de Bourges"]);
    let mediatheque = place(&store, "a");
    let reviewed = store.duplicate_pairs().unwrap().into_iter().any(|pair| {
        [&pair.a, &pair.b].iter().any(|key| key.source_id == "a" && key.source == "essai")
            && [&pair.a, &pair.b].iter().any(|key| key.source == "carte-nationale")
    });
    assert!(reviewed, "the national record of {} is paired with the hub's", mediatheque.record.nom);
    assert!(store.audit_log(10).unwrap().iter().any(|entry| entry.action == "carte_nationale_rapprochee"));
    let off = WebState::new(store, territory()).unwrap();
    assert!(maillage_web::spawn_national_pull(&off, config, never, never).is_none(), "off without an address");
}

/// The administrators' button: refused to others, offered when an address is configured, the
/// import's report after the pull.
#[tokio::test]
async fn administrators_pull_the_national_map_now() {
    let mut hub = Hub::new();
    cher_bassin(&hub.store);
    let mut admin = hub.signed_in("admin@hub.example").await;
    let page = admin.get("/admin/imports").await;
    assert!(page.body.contains("MAILLAGE_CARTE_NATIONALE_URL") && !page.body.contains("Importer maintenant"));
    drop(admin);
    hub.state.open_data =
        Arc::new(maillage_web::OpenData { national_url: Some(serve_national(NATIONAL)), ..Default::default() });
    let mut coordinator = hub.signed_in("coord18@hub.example").await;
    let csrf = coordinator.csrf().await;
    let refused = coordinator.post("/admin/imports/carte-nationale", &[("_csrf", &csrf)]).await;
    assert!(matches!(refused.status, StatusCode::FORBIDDEN | StatusCode::SEE_OTHER), "{}", refused.status);
    let mut admin = hub.signed_in("admin@hub.example").await;
    let page = admin.get("/admin/imports").await;
    assert!(page.body.contains("Importer maintenant depuis la carte nationale"), "{}", page.body);
    let csrf = admin.csrf().await;
    let pulled = admin.post("/admin/imports/carte-nationale", &[("_csrf", &csrf)]).await;
    assert_eq!(pulled.status, StatusCode::SEE_OTHER, "{}", pulled.body);
    let report = admin.get(pulled.location()).await;
    assert!(report.body.contains("carte-nationale"), "{}", report.body);
    let national =
        maillage_store::PlaceQuery { source: Some("carte-nationale".into()), ..maillage_store::PlaceQuery::active() };
    assert_eq!(hub.store.places(&national).unwrap().len(), 2);
}
