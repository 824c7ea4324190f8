//! `/api/v1/lieux`, its GeoJSON, one place, exports and the directory's sync, with their bad
//! parameters (section "bad input").

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use maillage_domain::{PlaceStatus, Service, Vocabulary};
use maillage_store::Store;
use maillage_territory::{distance_km, LatLon};

use super::common::api::*;

#[tokio::test]
async fn places_pages_walk_without_repeats_or_gaps() {
    let state = demo_state();
    let expected: BTreeSet<String> =
        active_places(&state).iter().filter(|p| shown_at(&state, p).is_some()).map(|p| p.id.0.clone()).collect();
    assert!(expected.len() > 400);

    // Nearest first from Bourges, 17 per page: every place once, distances never decreasing.
    let (total, ids) = walk(&state, "/api/v1/lieux?lat=47.081&lon=2.399&limite=17").await;
    assert_eq!(total as usize, expected.len());
    assert_eq!(ids.len(), expected.len(), "no repeats");
    assert_eq!(ids.iter().cloned().collect::<BTreeSet<_>>(), expected, "no gaps");

    // By name, 50 per page: every active place once (with or without a point), in name order.
    let everything = active_places(&state).len();
    let (total, ids) = walk(&state, "/api/v1/lieux?tri=nom&limite=50").await;
    assert_eq!((total as usize, ids.len()), (everything, everything));
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), everything);

    // A full page's contents: the nearest first, with its distance.
    let (_, _, first) = get(&state, "/api/v1/lieux?lat=47.081&lon=2.399&limite=5").await;
    let distances: Vec<f64> =
        first["lieux"].as_array().unwrap().iter().map(|p| p["distance_km"].as_f64().unwrap()).collect();
    assert_eq!(distances.len(), 5);
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    let place = &first["lieux"][0];
    for key in ["id", "nom", "commune", "code_postal", "adresse", "latitude", "longitude", "services", "source"] {
        assert!(!place[key].is_null(), "{key} in {place}");
    }
}

#[tokio::test]
async fn radius_and_bbox_match_brute_force_on_real_data() {
    let state = demo_state();
    let places = active_places(&state);
    let bourges = LatLon::new(47.081, 2.399);
    for km in [3.0, 15.0, 40.0] {
        let expected: BTreeSet<String> = places
            .iter()
            .filter(|p| shown_at(&state, p).is_some_and(|at| distance_km(bourges, at) <= km))
            .map(|p| p.id.0.clone())
            .collect();
        let (total, ids) = walk(&state, &format!("/api/v1/lieux?lat=47.081&lon=2.399&rayon_km={km}&limite=30")).await;
        assert_eq!(total as usize, expected.len(), "{km} km");
        assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), expected, "{km} km");
    }
    let (min_lon, min_lat, max_lon, max_lat) = (1.5, 46.5, 2.6, 47.3);
    let expected: BTreeSet<String> = places
        .iter()
        .filter(|p| {
            shown_at(&state, p)
                .is_some_and(|at| (min_lon..=max_lon).contains(&at.lon) && (min_lat..=max_lat).contains(&at.lat))
        })
        .map(|p| p.id.0.clone())
        .collect();
    assert!(expected.len() > 50);
    let (total, ids) =
        walk(&state, &format!("/api/v1/lieux?bbox={min_lon},{min_lat},{max_lon},{max_lat}&limite=40")).await;
    assert_eq!(total as usize, expected.len());
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), expected);

    // A territory: the places of the Cher, as the territory endpoint counts them.
    let (_, _, cher) = get(&state, "/api/v1/lieux?territoire=18&limite=1").await;
    let (status, _, counts) = get(&state, "/api/v1/territoires/departement/18").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counts["nom"], "Cher");
    assert_eq!(cher["total"], counts["lieux"]);
    assert!(counts["lieux"].as_u64().unwrap() > 50);
    let per_service: Vec<u64> =
        counts["services"].as_array().unwrap().iter().map(|s| s["lieux"].as_u64().unwrap()).collect();
    assert_eq!(per_service.len(), 9);
    assert!(per_service.iter().all(|n| *n <= counts["lieux"].as_u64().unwrap()));
    assert!(per_service.iter().sum::<u64>() > 0);
}

#[tokio::test]
async fn filters_text_and_source_narrow_the_results() {
    let state = demo_state();
    let (_, _, all) = get(&state, "/api/v1/lieux?limite=1").await;
    let service = Service::AideDemarchesAdministratives;
    let uri = format!(
        "/api/v1/lieux?limite=200&filtres={}",
        enc(&format!("service={};gratuit", "Aide aux démarches administratives"))
    );
    let (status, _, filtered) = get(&state, &uri).await;
    assert_eq!(status, StatusCode::OK, "{filtered}");
    let (all_total, filtered_total) = (all["total"].as_u64().unwrap(), filtered["total"].as_u64().unwrap());
    assert!(0 < filtered_total && filtered_total < all_total, "{filtered_total} of {all_total}");
    let expected = active_places(&state)
        .iter()
        .filter(|p| {
            p.record.services.contains(&service) && p.record.frais_a_charge.contains(&maillage_domain::Frais::Gratuit)
        })
        .count();
    assert_eq!(filtered_total as usize, expected);
    for place in filtered["lieux"].as_array().unwrap() {
        assert!(place["services"].as_array().unwrap().iter().any(|s| s == service.label()), "{place}");
    }
    let (_, _, bourges) = get(&state, "/api/v1/lieux?q=bourges&limite=1").await;
    let in_bourges = bourges["total"].as_u64().unwrap();
    assert!(0 < in_bourges && in_bourges < all_total);
    let (_, _, by_source) = get(&state, "/api/v1/lieux?source=ailleurs").await;
    assert_eq!(by_source["total"], 0);
}

#[tokio::test]
async fn open_at_knows_public_holidays() {
    let state = demo_state();
    let (status, _, tuesday) = get(&state, "/api/v1/lieux?ouvert=2026-07-07T10:00&limite=1").await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, bastille_day) = get(&state, "/api/v1/lieux?ouvert=2026-07-14T10:00&limite=1").await;
    let (_, _, sunday_night) = get(&state, "/api/v1/lieux?ouvert=2026-07-12T23:30&limite=1").await;
    let open_tuesday = tuesday["total"].as_u64().unwrap();
    assert!(open_tuesday > 50, "{open_tuesday}");
    assert!(bastille_day["total"].as_u64().unwrap() < open_tuesday / 10, "{bastille_day}");
    assert_eq!(sunday_night["total"], 0);
    let (status, _, now) = get(&state, "/api/v1/lieux?ouvert=maintenant&limite=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(now["total"].as_u64().unwrap() <= active_places(&state).len() as u64);
}

#[tokio::test]
async fn place_by_id_in_the_standard_fields() {
    let state = demo_state();
    let place = &active_places(&state)[0];
    let (status, headers, body) = get(&state, &format!("/api/v1/lieux/{}", place.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["lieu"]["id"], place.id.0);
    assert_eq!(body["lieu"]["nom"], place.record.nom);
    assert!(body["lieu"]["date_maj"].is_string());
    assert_eq!(body["registre"]["source"], place.source);
    assert_eq!(body["registre"]["statut"], "actif");
    assert_eq!(body["registre"]["version"], 1);
    assert!(body["territoire"]["departement"].is_string());

    let (status, _, missing) = get(&state, "/api/v1/lieux/01nexistepas").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["erreur"]["code"], "introuvable");
    let (status, _, unknown) = get(&state, "/api/v1/territoires/departement/999").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    let (status, _, bassin) = get(&state, "/api/v1/territoires/bassin/Bourges").await;
    assert_eq!(status, StatusCode::OK);
    assert!(bassin["lieux"].as_u64().unwrap() > 0);
    assert!(bassin["typologies"].is_array());
}

#[tokio::test]
async fn geojson_and_bubbles_for_the_map() {
    let state = demo_state();
    let (status, headers, collection) = get(&state, "/api/v1/lieux.geojson").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/geo+json");
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().unwrap();
    let (_, _, near) = get(&state, "/api/v1/lieux?lat=47&lon=2&limite=1").await;
    assert_eq!(features.len() as u64, near["total"].as_u64().unwrap(), "every place with a point");
    let first = &features[0];
    assert_eq!(first["geometry"]["type"], "Point");
    let labels = collection["services"].as_array().unwrap();
    for index in first["properties"]["s"].as_array().unwrap() {
        assert!(labels.get(index.as_u64().unwrap() as usize).is_some());
    }
    let (status, _, around) = get(&state, "/api/v1/lieux.geojson?lat=47.081&lon=2.399&rayon_km=20").await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, listed) = get(&state, "/api/v1/lieux?lat=47.081&lon=2.399&rayon_km=20&limite=1").await;
    assert_eq!(around["features"].as_array().unwrap().len() as u64, listed["total"].as_u64().unwrap());
    let (_, _, filtered) = get(&state, "/api/v1/lieux.geojson?filtres=label%3DFrance%20Services").await;
    assert!(filtered["features"].as_array().unwrap().len() < features.len());

    let (status, _, bubbles) = get(&state, "/api/v1/regroupements?niveau=departement").await;
    assert_eq!(status, StatusCode::OK);
    let groups = bubbles["regroupements"].as_array().unwrap();
    assert_eq!(groups.len(), 6, "the six départements of Centre-Val de Loire");
    let cher = groups.iter().find(|g| g["code"] == "18").unwrap();
    assert_eq!(cher["nom"], "Cher");
    assert!((46.4..47.7).contains(&cher["latitude"].as_f64().unwrap()));
    let total: u64 = groups.iter().map(|g| g["lieux"].as_u64().unwrap()).sum();
    assert_eq!(total as usize, active_places(&state).len());
}

#[tokio::test]
async fn cors_allows_any_origin_on_the_api() {
    let state = state();
    let request = Request::get("/api/v1/sante").header("origin", "https://exemple.fr").body(Body::empty()).unwrap();
    let (status, headers, _) = self::request(&state, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["access-control-allow-origin"], "*");
    let preflight = Request::options("/api/v1/lieux")
        .header("origin", "https://exemple.fr")
        .header("access-control-request-method", "GET")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = self::request(&state, preflight).await;
    assert!(status.is_success());
    assert!(headers["access-control-allow-methods"].to_str().unwrap().contains("GET"));
}

/// The map's GeoJSON is compressed for a client that asks, and only then.
#[tokio::test]
async fn map_geojson_is_compressed_on_request() {
    let state = demo_state();
    let plain = request(&state, Request::get("/api/v1/lieux.geojson").body(Body::empty()).unwrap()).await;
    assert_eq!(plain.0, StatusCode::OK);
    assert!(!plain.1.contains_key("content-encoding"));
    let asked = Request::get("/api/v1/lieux.geojson").header("accept-encoding", "gzip").body(Body::empty()).unwrap();
    let (status, headers, body) = request(&state, asked).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-encoding"], "gzip");
    assert!(body.len() * 3 < plain.2.len(), "{} compressed bytes for {} raw", body.len(), plain.2.len());
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(body.as_slice()), &mut unpacked).unwrap();
    assert_eq!(unpacked, plain.2);
}

#[tokio::test]
async fn exports_stream_the_standard_and_are_rate_limited() {
    let state = demo_state();
    let (status, headers, csv) =
        request(&state, Request::get("/api/v1/export?format=csv&territoire=18").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = String::from_utf8(csv).unwrap();
    assert!(text.lines().next().unwrap().starts_with("id,pivot,nom"), "{}", &text[..80]);
    let (_, _, cher) = get(&state, "/api/v1/lieux?territoire=18&limite=1").await;
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    assert_eq!(reader.records().count() as u64, cher["total"].as_u64().unwrap());
    let (status, _, json) = get(&state, "/api/v1/export?format=json&source=hub-lo").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json.as_array().unwrap().len(), active_places(&state).len());
    for _ in 0..3 {
        let (status, _, _) = get(&state, "/api/v1/export?format=geojson").await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, headers, body) = get(&state, "/api/v1/export?format=geojson").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(body["erreur"]["code"], "trop_de_requetes");
    // A bad request is answered before the budget is looked at, and costs nothing.
    let (status, _, _) = get(&state, "/api/v1/export?format=xml").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sync_applies_changes_made_in_the_store_after_start() {
    let state = demo_state();
    let before = state.directory.current().len();
    let sync = maillage_web::spawn_directory_sync(&state, std::time::Duration::from_millis(20));
    let mut places = active_places(&state);
    let mut withdrawn = places.remove(0);
    let mut added = places[0].clone();
    added.id = maillage_store::new_place_id();
    added.source = "test".to_owned();
    added.source_id = "nouveau".to_owned();
    added.record.nom = "Nouveau lieu de test".to_owned();
    added.updated_at = maillage_store::now();
    let batch = maillage_store::ImportBatch {
        id: maillage_store::new_batch_id(),
        source: "test".to_owned(),
        file_name: "test.csv".to_owned(),
        started_at: maillage_store::now(),
        finished_at: None,
        counts: Default::default(),
    };
    {
        let store: &dyn Store = state.store.as_ref();
        let mut session = store.begin_import(&batch).unwrap();
        session.insert(&added, "hash").unwrap();
        session.commit(&batch).unwrap();
        let batch = maillage_store::ImportBatch {
            id: maillage_store::new_batch_id(),
            source: withdrawn.source.clone(),
            ..batch
        };
        let mut session = store.begin_import(&batch).unwrap();
        withdrawn.version += 1;
        withdrawn.status = PlaceStatus::Withdrawn;
        withdrawn.updated_at = maillage_store::now();
        session.update(&withdrawn, "hash", maillage_store::ChangeKind::Withdrawn).unwrap();
        session.commit(&batch).unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, _, found) = get(&state, "/api/v1/lieux?q=nouveau%20lieu%20de%20test").await;
        let (status, _, gone) = get(&state, &format!("/api/v1/lieux/{}", withdrawn.id)).await;
        if found["total"] == 1 && gone["registre"]["statut"] == "retiré" {
            assert_eq!(status, StatusCode::OK, "a withdrawn place is still answered by id");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "sync did not apply the changes: {found} {gone}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(state.directory.current().len(), before);
    sync.abort();
}

#[tokio::test]
async fn search_bad_parameters_are_refused_naming_the_field() {
    let state = demo_state();
    assert_refused(
        &state,
        &[
            ("/api/v1/lieux?bbox=1,2,3", "bbox"),
            ("/api/v1/lieux?bbox=3,2,1,4", "bbox"),
            ("/api/v1/lieux?bbox=a,b,c,d", "bbox"),
            ("/api/v1/lieux?lat=47", "lon"),
            ("/api/v1/lieux?lon=2", "lat"),
            ("/api/v1/lieux?lat=95&lon=2", "lat"),
            ("/api/v1/lieux?rayon_km=5", "rayon_km"),
            ("/api/v1/lieux?lat=47&lon=2&rayon_km=-1", "rayon_km"),
            ("/api/v1/lieux?lat=47&lon=2&rayon_km=5&territoire=18", "rayon_km"),
            ("/api/v1/lieux?territoire=999", "territoire"),
            ("/api/v1/lieux?territoire=canton:1", "territoire"),
            ("/api/v1/lieux?filtres=couleur%3Dbleu", "filtres"),
            ("/api/v1/lieux?ouvert=demain", "ouvert"),
            ("/api/v1/lieux?ouvert=2026-13-01T10:00", "ouvert"),
            ("/api/v1/lieux?tri=distance", "tri"),
            ("/api/v1/lieux?tri=hasard", "tri"),
            ("/api/v1/lieux?limite=0", "limite"),
            ("/api/v1/lieux?limite=201", "limite"),
            ("/api/v1/lieux?curseur=zz", "curseur"),
            ("/api/v1/lieux?limit=5", "limit"),
            ("/api/v1/lieux?q=a&q=b", "q"),
            ("/api/v1/lieux.geojson?limite=5", "limite"),
            ("/api/v1/lieux/x?y=1", "y"),
            ("/api/v1/territoires/canton/18", "niveau"),
            ("/api/v1/territoires/departement/18?filtres=gratuit%3Doui", "filtres"),
            ("/api/v1/regroupements?niveau=commune", "niveau"),
            ("/api/v1/export", "format"),
            ("/api/v1/export?format=xml", "format"),
            ("/api/v1/export?format=csv&territoire=lune", "territoire"),
        ],
    )
    .await;
    // A cursor of a distance search does not page a name search.
    let (_, _, near) = get(&state, "/api/v1/lieux?lat=47&lon=2&limite=1").await;
    let cursor = near["curseur_suivant"].as_str().unwrap();
    let (status, _, body) = get(&state, &format!("/api/v1/lieux?curseur={cursor}")).await;
    assert_eq!((status, body["erreur"]["champ"].as_str()), (StatusCode::BAD_REQUEST, Some("curseur")));
}

/// Every export format downloads whole whatever the client accepts: gzip and br answers
/// decompress to the very bytes of the uncompressed one (the stream used to be cut under
/// compression).
#[tokio::test]
async fn exports_download_whole_with_gzip_br_and_none() {
    for format in ["csv", "json", "geojson"] {
        // A registry each: the export budget is per client, and in-process calls share one.
        let state = demo_state();
        let mut bodies = Vec::new();
        for encoding in ["identity", "gzip", "br"] {
            let uri = format!("/api/v1/export?format={format}");
            let (status, headers, body) =
                request(&state, Request::get(&uri).header("accept-encoding", encoding).body(Body::empty()).unwrap())
                    .await;
            assert_eq!(status, StatusCode::OK, "{format} {encoding}");
            let used = headers.get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
            let mut plain = Vec::new();
            match encoding {
                "gzip" => {
                    assert_eq!(used.as_deref(), Some("gzip"), "{format}");
                    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(body.as_slice()), &mut plain)
                        .unwrap_or_else(|err| panic!("{format} gzip: {err}"));
                }
                "br" => {
                    assert_eq!(used.as_deref(), Some("br"), "{format}");
                    std::io::Read::read_to_end(&mut brotli::Decompressor::new(body.as_slice(), 4096), &mut plain)
                        .unwrap_or_else(|err| panic!("{format} br: {err}"));
                }
                _ => {
                    assert_eq!(used, None, "{format}");
                    plain = body;
                }
            }
            bodies.push(plain);
        }
        assert!(bodies[0].len() > 1000, "{format}: {} bytes", bodies[0].len());
        assert!(bodies[1] == bodies[0], "{format}: gzip body differs");
        assert!(bodies[2] == bodies[0], "{format}: br body differs");
    }
}
