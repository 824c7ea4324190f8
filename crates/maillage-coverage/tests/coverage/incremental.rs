//! Property tests: incremental updates give exactly what a full recompute gives, and
//! aggregations add up to the covered communes' population.

use std::sync::OnceLock;

use maillage_coverage::{CommuneCoverage, CoverageIndex, CoveragePlace, Level};
use maillage_territory::{Commune, LatLon, Territory};
use proptest::prelude::*;

fn territory() -> &'static Territory {
    static T: OnceLock<Territory> = OnceLock::new();
    T.get_or_init(Territory::embedded)
}

/// Loir-et-Cher and Indre-et-Loire: a hub-sized scope.
fn in_scope(c: &Commune) -> bool {
    c.code_departement == "41" || c.code_departement == "37"
}

/// A point on a coarse grid over the scope and its surroundings, so that ties and
/// co-located places happen.
fn point() -> impl Strategy<Value = LatLon> {
    (0u32..30, 0u32..40).prop_map(|(i, j)| LatLon::new(46.7 + i as f64 * 0.05, 0.0 + j as f64 * 0.07))
}

fn place(territory: &Territory, n: usize, point: LatLon) -> CoveragePlace {
    CoveragePlace {
        // Ids do not follow insertion order, so tie-breaking by id is exercised.
        id: format!("p{:03}", (n * 37) % 1000),
        name: format!("Lieu {n}"),
        point,
        code_commune: territory.commune_at(point.lat, point.lon).map(|c| c.code_insee.clone()),
    }
}

#[derive(Clone, Debug)]
enum Op {
    Add(LatLon),
    Move(usize, LatLon),
    Remove(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => point().prop_map(Op::Add),
        2 => (any::<usize>(), point()).prop_map(|(k, p)| Op::Move(k, p)),
        2 => any::<usize>().prop_map(Op::Remove),
    ]
}

fn snapshot(index: &CoverageIndex) -> Vec<CommuneCoverage> {
    index.communes()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_full_recompute(initial in prop::collection::vec(point(), 0..12), ops in prop::collection::vec(op(), 1..40)) {
        let t = territory();
        let mut n = 0usize;
        let places: Vec<CoveragePlace> = initial.iter().map(|p| { n += 1; place(t, n, *p) }).collect();
        let mut index = CoverageIndex::build_scoped(t, in_scope, &places);
        let mut ids: Vec<String> = index.places().map(|p| p.id.clone()).collect();
        for op in ops {
            match op {
                Op::Add(p) => {
                    n += 1;
                    let new = place(t, n, p);
                    let id = new.id.clone();
                    if ids.contains(&id) {
                        prop_assert!(index.add_place(new).is_err());
                    } else {
                        index.add_place(new).unwrap();
                        ids.push(id);
                    }
                }
                Op::Move(k, p) if !ids.is_empty() => {
                    let id = ids[k % ids.len()].clone();
                    let code = t.commune_at(p.lat, p.lon).map(|c| c.code_insee.clone());
                    index.move_place(&id, p, code).unwrap();
                }
                Op::Remove(k) if !ids.is_empty() => {
                    let id = ids.remove(k % ids.len());
                    index.remove_place(&id).unwrap();
                    prop_assert!(index.remove_place(&id).is_err());
                }
                _ => {}
            }
            // After every step: same figures as an index built from scratch on the same places.
            let held: Vec<CoveragePlace> = index.places().cloned().collect();
            let fresh = CoverageIndex::build_scoped(t, in_scope, &held);
            prop_assert_eq!(snapshot(&index), snapshot(&fresh));
        }
        let before = snapshot(&index);
        index.recompute_all();
        prop_assert_eq!(before, snapshot(&index));
    }

    #[test]
    fn aggregations_sum_to_covered_population(points in prop::collection::vec(point(), 0..40), modulo in 1usize..7) {
        let t = territory();
        let places: Vec<CoveragePlace> = points.iter().enumerate().map(|(n, p)| place(t, n, *p)).collect();
        let index = CoverageIndex::build_scoped(t, in_scope, &places).with_thresholds(vec![2.0, 8.0, 30.0]);
        let covered: u64 = t.communes().iter().filter(|c| in_scope(c) && c.point.is_some()).map(|c| c.population.unwrap_or(0) as u64).sum();
        let covered_places = index.places().filter(|p| p.code_commune.as_deref().and_then(|c| t.commune(c)).is_some_and(in_scope)).count() as u64;
        let bassin_of = |code: &str| {
            let h = code.bytes().fold(0usize, |h, b| h * 31 + b as usize);
            (h % (modulo + 1) != 0).then(|| format!("BV{}", h % modulo))
        };
        let levels = [Level::Epci, Level::Departement, Level::Region, Level::Total];
        let mut all: Vec<Vec<maillage_coverage::AreaCoverage>> = levels.iter().map(|l| index.aggregate(*l)).collect();
        all.push(index.aggregate_bassins(bassin_of));
        for areas in &all {
            prop_assert_eq!(areas.iter().map(|a| a.population).sum::<u64>(), covered);
            prop_assert_eq!(areas.iter().map(|a| a.places as u64).sum::<u64>(), covered_places);
            prop_assert_eq!(areas.iter().map(|a| a.communes as usize).sum::<usize>(), index.commune_count());
            for a in areas {
                prop_assert!(a.population_beyond.windows(2).all(|w| w[0] >= w[1]));
                prop_assert!(a.population_beyond[0] <= a.population);
                prop_assert!((0.0..=1.0).contains(&a.share_without_place));
            }
        }
        let bassins = index.bassin_priorities(bassin_of, |code| Some((code.len() % 10) as f64));
        prop_assert_eq!(bassins.iter().map(|b| b.population).sum::<u64>(), covered);
        for b in &bassins {
            prop_assert!((b.distance_part + b.ifn_part + b.population_part - b.score).abs() < 1e-6);
        }
    }
}

#[test]
fn updates_touch_only_nearby_communes() {
    let t = territory();
    let places: Vec<CoveragePlace> =
        (0..30).map(|k| place(t, k, LatLon::new(46.8 + (k % 6) as f64 * 0.25, 0.1 + (k / 6) as f64 * 0.4))).collect();
    let mut index = CoverageIndex::build(t, &places);
    let all = index.commune_count();
    let new = CoveragePlace {
        id: "zz-new".into(),
        name: "Nouveau".into(),
        point: LatLon::new(47.59, 1.33),
        code_commune: Some("41018".into()),
    };
    // Every commune of France without a place nearby: the first addition examines them all
    // only if some commune has no place, which is not the case here.
    let report = index.add_place(new).unwrap();
    assert!(report.communes_examined < all, "{report:?} of {all}");
    assert!(report.communes_changed > 0);
    assert_eq!(index.nearest("41018").unwrap().place_id, "zz-new");
    let report = index.remove_place("zz-new").unwrap();
    assert_eq!(report.communes_changed, report.communes_examined);
    assert!(index.nearest("41018").unwrap().place_id != "zz-new");
    assert!(index.move_place("absent", LatLon::new(47.0, 1.0), None).is_err());
}

#[test]
fn arrondissement_codes_count_for_their_commune() {
    let t = territory();
    let place = CoveragePlace {
        id: "paris-1".into(),
        name: "Lieu parisien".into(),
        point: LatLon::new(48.8606, 2.3376),
        code_commune: Some("75101".into()),
    };
    let index = CoverageIndex::build(t, &[place]);
    assert_eq!(index.commune("75056").unwrap().places_in_commune, 1);
    assert!(index.nearest("75056").unwrap().distance_km < 5.0);
}
