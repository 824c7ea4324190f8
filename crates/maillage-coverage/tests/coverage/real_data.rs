//! Coverage of all of France by the real places of `data/fixtures/lieux/`, checked against
//! a brute-force search over every place.

use super::support;

use maillage_coverage::{CoverageIndex, CoveragePlace, Filters, Level};
use maillage_territory::{distance_km, LatLon, Territory};
use support::{fixture_places, fixture_records, to_place, Lcg};

/// The nearest place by brute force: smallest great-circle distance, ties by smaller id.
fn brute_force(point: LatLon, places: &[CoveragePlace]) -> Option<(String, f64)> {
    let mut best: Option<(String, f64)> = None;
    for p in places {
        let km = distance_km(point, p.point);
        let wins = match &best {
            None => true,
            Some((id, d)) => km < *d || (km == *d && p.id < *id),
        };
        if wins {
            best = Some((p.id.clone(), km));
        }
    }
    best
}

fn check_sample(territory: &Territory, index: &CoverageIndex, places: &[CoveragePlace], seed: u64, samples: usize) {
    let communes: Vec<_> = territory.communes().iter().filter(|c| c.point.is_some()).collect();
    let mut rng = Lcg(seed);
    for _ in 0..samples {
        let commune = communes[rng.below(communes.len())];
        let expected = brute_force(commune.point.unwrap(), places);
        let got = index.nearest(&commune.code_insee).map(|n| (n.place_id, n.distance_km));
        assert_eq!(got, expected, "commune {} {}", commune.code_insee, commune.name);
    }
}

#[test]
fn nearest_matches_brute_force_on_real_places() {
    let territory = Territory::embedded();
    let places = fixture_places(&territory);
    assert!(places.len() > 10_000, "{}", places.len());
    let index = CoverageIndex::build(&territory, &places);
    assert_eq!(index.place_count(), places.len());
    check_sample(&territory, &index, &places, 7, 2000);
    // Communes without a point are listed, not measured.
    let unlocated: Vec<_> = index.unlocated_communes().collect();
    assert!(unlocated.iter().all(|c| c.point.is_none()));
    assert_eq!(index.commune_count() + unlocated.len(), territory.communes().len());
    assert!(index.commune("75056").is_none() || index.commune("75056").unwrap().nearest.is_some());
    // A dense city is covered within a few km.
    let lyon = territory.communes().iter().find(|c| c.name == "Lyon").expect("Lyon");
    let n = index.nearest(&lyon.code_insee).expect("Lyon has a nearest place");
    assert!(n.distance_km < 3.0, "{n:?}");
}

#[test]
fn filtered_coverage_matches_brute_force() {
    let territory = Territory::embedded();
    let records = fixture_records();
    for filter in [
        vec!["service=Aide aux démarches administratives"],
        vec!["label=France Services"],
        vec!["jour=mardi", "gratuit"],
    ] {
        let filters = Filters::parse(filter.iter().copied()).unwrap();
        let places: Vec<CoveragePlace> = records
            .iter()
            .enumerate()
            .filter(|(_, (_, r))| filters.matches_record(r))
            .filter_map(|(n, (file, r))| to_place(&territory, file, n, r))
            .collect();
        assert!(places.len() > 100, "{filters}: {}", places.len());
        let index = CoverageIndex::build(&territory, &places);
        check_sample(&territory, &index, &places, 11, 300);
    }
}

#[test]
fn aggregates_add_up_on_real_places() {
    let territory = Territory::embedded();
    let places = fixture_places(&territory);
    let index = CoverageIndex::build(&territory, &places);
    let communes = index.communes();
    let population: u64 = communes.iter().map(|c| c.population as u64).sum();
    let places_in: u64 = communes.iter().map(|c| c.places_in_commune as u64).sum();
    let beyond: Vec<u64> = (0..4).map(|k| communes.iter().map(|c| c.population_beyond[k] as u64).sum()).collect();
    assert!(beyond.windows(2).all(|w| w[0] >= w[1]), "{beyond:?}");
    for level in [Level::Epci, Level::Departement, Level::Region, Level::Total] {
        let areas = index.aggregate(level);
        assert_eq!(areas.iter().map(|a| a.population).sum::<u64>(), population, "{level:?}");
        assert_eq!(areas.iter().map(|a| a.places as u64).sum::<u64>(), places_in, "{level:?}");
        for (k, expected) in beyond.iter().enumerate() {
            assert_eq!(areas.iter().map(|a| a.population_beyond[k]).sum::<u64>(), *expected);
        }
    }
    let total = &index.aggregate(Level::Total)[0];
    println!(
        "France: {} communes, {} without a place ({:.1} %), population {}, beyond 5/10/15/20 km {:?}, {:.2} places per 10,000",
        total.communes,
        total.communes_without_place,
        100.0 * total.share_without_place,
        total.population,
        total.population_beyond,
        total.places_per_10k.unwrap()
    );
    let priorities = index.priorities(|_| Some(5.0));
    assert_eq!(priorities.len(), index.commune_count());
    assert!(priorities.windows(2).all(|w| w[0].components.score >= w[1].components.score));
    for p in &priorities {
        let c = &p.components;
        assert!((0.0..=100.0 + 1e-9).contains(&c.score), "{p:?}");
        assert!((c.distance_part + c.ifn_part.unwrap() + c.population_part - c.score).abs() < 1e-9);
    }
    // Bassins by département, as a stand-in lookup.
    let bassins = index.bassin_priorities(|code| territory.commune(code).map(|c| c.code_departement.clone()), |_| None);
    assert_eq!(bassins.iter().map(|b| b.population).sum::<u64>(), population);
    assert!(bassins.iter().all(|b| b.communes_without_ifn == b.communes));
}
