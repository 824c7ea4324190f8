//! The directory against brute force on generated places around Bourges.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use maillage_coverage::Filters;
use maillage_domain::{Coordinates, Horaires, Place, PlaceId, PlaceRecord, PlaceStatus, Service};
use maillage_territory::{distance_km, LatLon, Territory};

use super::*;

fn territory() -> Arc<Territory> {
    static TERRITORY: std::sync::OnceLock<Arc<Territory>> = std::sync::OnceLock::new();
    TERRITORY.get_or_init(|| Arc::new(Territory::embedded())).clone()
}

fn place(n: usize, lat: f64, lon: f64) -> Place {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let mut record = PlaceRecord {
        id: n.to_string(),
        nom: format!("Lieu {}", n % 7),
        commune: "Bourges".into(),
        code_postal: "18000".into(),
        coordinates: Some(Coordinates { latitude: lat, longitude: lon }),
        ..PlaceRecord::default()
    };
    if n.is_multiple_of(2) {
        record.services.insert(Service::AideDemarchesAdministratives);
    }
    if n.is_multiple_of(3) {
        record.horaires = Some(Horaires::parse("Mo-Fr 09:00-17:00").unwrap());
    }
    let source = if n.is_multiple_of(5) { "b" } else { "a" };
    Place::first_version(PlaceId(format!("p{n:05}")), source, &n.to_string(), record, at)
}

/// Places on a grid around Bourges, with exact duplicates of position to exercise ties.
fn places() -> Vec<Place> {
    (0..400).map(|n| place(n, 47.0 + (n % 20) as f64 * 0.02, 2.3 + ((n / 20) % 10) as f64 * 0.03)).collect()
}

fn directory() -> Directory {
    let places = places().into_iter().map(Arc::new).collect();
    Directory::from_places(places, territory(), Arc::default(), None)
}

fn walk(directory: &Directory, mut query: Query) -> (usize, Vec<String>) {
    let mut ids = Vec::new();
    let mut total = None;
    loop {
        let page = directory.search(&query).unwrap();
        assert!(page.hits.len() <= query.limit);
        assert_eq!(*total.get_or_insert(page.total), page.total);
        ids.extend(page.hits.iter().map(|h| h.entry.id().to_owned()));
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(Cursor::decode(&cursor.encode()).unwrap()),
            None => return (total.unwrap_or(0), ids),
        }
    }
}

#[test]
fn nearest_first_pages_match_brute_force() {
    let directory = directory();
    let origin = LatLon::new(47.13, 2.41);
    let filters = Filters::parse(["service=Aide aux démarches administratives"]).unwrap();
    let query = Query { origin: Some(origin), filters, limit: 7, ..Query::default() };
    let (total, ids) = walk(&directory, query);
    let mut expected: Vec<(f64, String)> = places()
        .iter()
        .filter(|p| p.record.services.contains(&Service::AideDemarchesAdministratives))
        .map(|p| {
            let c = p.record.coordinates.unwrap();
            (distance_km(origin, LatLon::new(c.latitude, c.longitude)), p.id.0.clone())
        })
        .collect();
    expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    assert_eq!(total, 200);
    assert_eq!(ids.len(), 200);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 200, "no repeats");
    // Same set, and distances non-decreasing (ties may differ from haversine by rounding).
    assert_eq!(ids.iter().collect::<BTreeSet<_>>(), expected.iter().map(|e| &e.1).collect::<BTreeSet<_>>());
    let first = directory.search(&Query { origin: Some(origin), limit: 3, ..Query::default() }).unwrap();
    let d: Vec<f64> = first.hits.iter().map(|h| h.distance_km.unwrap()).collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn radius_bbox_and_territory_match_brute_force() {
    let directory = directory();
    let center = LatLon::new(47.1, 2.4);
    let within: BTreeSet<String> = places()
        .iter()
        .filter(|p| {
            let c = p.record.coordinates.unwrap();
            distance_km(center, LatLon::new(c.latitude, c.longitude)) <= 5.0
        })
        .map(|p| p.id.0.clone())
        .collect();
    let (total, ids) = walk(
        &directory,
        Query { area: Area::Radius { center, km: 5.0 }, origin: Some(center), limit: 9, ..Query::default() },
    );
    assert_eq!(total, within.len());
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), within);

    let bbox = BBox { min_lon: 2.35, min_lat: 47.05, max_lon: 2.45, max_lat: 47.2 };
    let inside: BTreeSet<String> = places()
        .iter()
        .filter(|p| {
            let c = p.record.coordinates.unwrap();
            bbox.contains(LatLon::new(c.latitude, c.longitude))
        })
        .map(|p| p.id.0.clone())
        .collect();
    let (total, ids) = walk(&directory, Query { area: Area::BBox(bbox), limit: 11, ..Query::default() });
    assert_eq!(total, inside.len());
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), inside);

    let areas = directory.parse_areas("18").unwrap();
    let (total, _) = walk(&directory, Query { area: Area::Territories(areas), limit: 50, ..Query::default() });
    let in_cher = directory.entries().iter().filter(|e| e.code(Level::Departement) == Some("18")).count();
    assert_eq!(total, in_cher);
    assert!(in_cher > 300);
}

#[test]
fn name_order_source_text_and_open_at() {
    let directory = directory();
    let (total, ids) = walk(&directory, Query { limit: 13, ..Query::default() });
    assert_eq!(total, 400);
    let mut sorted = ids.clone();
    sorted.sort_by_key(|id| (directory.get(id).unwrap().name_key.clone(), id.clone()));
    assert_eq!(ids, sorted);
    let by_source = directory.search(&Query { source: Some("b".into()), ..Query::default() }).unwrap();
    assert_eq!(by_source.total, 80);
    let text = directory.search(&Query { text: Some("LIEU 3".into()), ..Query::default() }).unwrap();
    assert_eq!(text.total, places().iter().filter(|p| p.record.nom == "Lieu 3").count());
    let tuesday = chrono::NaiveDate::from_ymd_opt(2026, 7, 7).unwrap().and_hms_opt(10, 0, 0).unwrap();
    let holiday = chrono::NaiveDate::from_ymd_opt(2026, 7, 14).unwrap().and_hms_opt(10, 0, 0).unwrap();
    let open = directory.search(&Query { open_at: Some(tuesday), ..Query::default() }).unwrap();
    assert_eq!(open.total, 134);
    let closed = directory.search(&Query { open_at: Some(holiday), ..Query::default() }).unwrap();
    assert_eq!(closed.total, 0);
}

#[test]
fn counts_bubbles_and_changes() {
    let directory = directory();
    let counts = directory.counts(&Query::default()).unwrap();
    assert_eq!(counts.total, 400);
    assert_eq!(counts.services[0], (Service::AideDemarchesAdministratives, 200));
    assert_eq!(counts.departements.values().sum::<usize>(), 400);
    let bubbles = directory.bubbles(Level::Region, &Query::default()).unwrap();
    assert_eq!(bubbles.iter().map(|b| b.count).sum::<usize>(), 400);
    assert!(bubbles.iter().any(|b| b.code == "24" && b.name == "Centre-Val de Loire"));

    let mut moved = place(1, 48.0, 2.0);
    moved.version = 2;
    let mut gone = place(2, 47.0, 2.3);
    gone.status = PlaceStatus::Withdrawn;
    let updated = directory.with_changes(vec![moved, gone, place(999, 47.5, 2.5)], None);
    assert_eq!(updated.len(), 400);
    assert!(updated.get("p00002").is_none());
    assert_eq!(updated.get("p00001").unwrap().place.version, 2);
    let near = updated.search(&Query { origin: Some(LatLon::new(48.0, 2.0)), limit: 1, ..Query::default() }).unwrap();
    assert_eq!(near.hits[0].entry.id(), "p00001");
}

#[test]
fn bad_queries_name_their_field() {
    let directory = directory();
    let err = directory.search(&Query { order: Some(Order::Distance), ..Query::default() }).err().unwrap();
    assert_eq!(err.field, "tri");
    let cursor = Some(Cursor::Distance { km: 1.0, id: "x".into() });
    let err = directory.search(&Query { cursor, ..Query::default() }).err().unwrap();
    assert_eq!(err.field, "curseur");
    assert!(Cursor::decode("zz").is_none());
    assert!(Cursor::decode("").is_none());
}
