//! Candidate pairs: places close in space (an R-tree on points of the sphere), or, when a
//! place has no coordinates, the places of its commune. Never all against all.

use std::collections::HashMap;

use maillage_domain::{Coordinates, PlaceRecord};
use rstar::primitives::GeomWithData;
use rstar::RTree;

use crate::normalize::commune_key;

/// Mean Earth radius (metres), as in the haversine formula.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres.
pub fn distance_m(a: Coordinates, b: Coordinates) -> f64 {
    let (lat1, lat2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.longitude - a.longitude).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// The lists a place is filed under: its commune's code, and its commune's name key.
fn lists_of(key: &crate::normalize::CommuneKey) -> Vec<&str> {
    key.code.iter().map(String::as_str).chain(std::iter::once(key.name_key.as_str())).collect()
}

/// Whether coordinates are usable: finite, in range, not the (0, 0) placeholder.
pub fn usable(c: Coordinates) -> bool {
    c.latitude.is_finite()
        && c.longitude.is_finite()
        && c.latitude.abs() <= 90.0
        && c.longitude.abs() <= 180.0
        && !(c.latitude == 0.0 && c.longitude == 0.0)
}

/// A point on the sphere in metres (x, y, z), so that Euclidean (chord) distance in the tree
/// bounds the great-circle distance everywhere, poles and antimeridian included.
fn to_xyz(c: Coordinates) -> [f64; 3] {
    let (lat, lon) = (c.latitude.to_radians(), c.longitude.to_radians());
    [EARTH_RADIUS_M * lat.cos() * lon.cos(), EARTH_RADIUS_M * lat.cos() * lon.sin(), EARTH_RADIUS_M * lat.sin()]
}

/// At most this many spatial neighbours per place, the nearest first: beyond it (the same
/// place filed thousands of times at one spot) the farther ones are left out, so candidates
/// stay linear in the number of places.
pub const MAX_NEIGHBOURS: usize = 8;

/// The pairs a commune's places without coordinates may make with the commune's places
/// (unlocated × filed there) before the commune is capped: up to it, every unlocated place
/// meets every place of its commune, so at most √budget pairs per place.
pub const COMMUNE_PAIR_BUDGET: usize = 50_000;

/// In a commune over [`COMMUNE_PAIR_BUDGET`], at most this many of its places are paired
/// with each place without coordinates.
pub const MAX_COMMUNE_MATES: usize = 16;

/// Blocks (one commune and one name, or one number and street) larger than this are not
/// paired all against all: each member meets only the next [`BLOCK_WINDOW`] members.
pub const MAX_BLOCK: usize = 200;

/// How many following members each member of an oversized block meets. Identical copies
/// chained this way still end in one merged place, since merges are transitive.
pub const BLOCK_WINDOW: usize = 1;

/// Candidate pairs, and what the bounds left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CandidateSet {
    /// Index pairs `(i, j)`, `i < j`, sorted, without repeats.
    pub pairs: Vec<(usize, usize)>,
    /// Places some of whose candidates were left out by a bound ([`MAX_NEIGHBOURS`],
    /// [`MAX_COMMUNE_MATES`], [`MAX_BLOCK`]): to be reported, never silently dropped.
    pub capped: usize,
}

/// Index pairs `(i, j)`, `i < j`, of records that may be the same place: both located and
/// at most `max_distance_m` apart; or in the same commune (see
/// [`crate::normalize::same_commune`]) and either one without usable coordinates, or the same
/// normalised name, or the same house number and street ([`block_keys`]). Sorted, without
/// repeats. Pairs for which `same_place(i, j)` is true (one place listed twice) are left out.
/// Bounded per place (see [`candidate_set`]).
pub fn candidate_pairs_by(
    records: &[&PlaceRecord],
    max_distance_m: f64,
    same_place: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, usize)> {
    candidate_set(records, max_distance_m, |_| true, same_place).pairs
}

/// The candidates of [`candidate_pairs_by`] that involve at least one record for which
/// `focus(i)` is true (after an import: the imported source's places), with the count of
/// places whose candidates a bound cut. Memory is linear in the number of records: each place
/// gets at most [`MAX_NEIGHBOURS`] neighbours (nearest first), [`MAX_COMMUNE_MATES`] places of
/// its commune when it has no coordinates, and twice [`BLOCK_WINDOW`] members of an oversized
/// block. With a focus, the result is exactly the full set's pairs that involve a focused
/// place, and `capped` counts focused places only.
pub fn candidate_set(
    records: &[&PlaceRecord],
    max_distance_m: f64,
    focus: impl Fn(usize) -> bool,
    same_place: impl Fn(usize, usize) -> bool,
) -> CandidateSet {
    let focused: Vec<bool> = (0..records.len()).map(&focus).collect();
    let either = |i: usize, j: usize| focused[i] || focused[j];
    let mut capped = vec![false; records.len()];
    let mut pairs = Vec::new();
    let located: Vec<Option<Coordinates>> =
        records.iter().map(|record| record.coordinates.filter(|c| usable(*c))).collect();

    // Located against located: the R-tree, nearest first.
    let points: Vec<GeomWithData<[f64; 3], usize>> = located
        .iter()
        .enumerate()
        .filter_map(|(index, coords)| coords.map(|c| GeomWithData::new(to_xyz(c), index)))
        .collect();
    let tree = RTree::bulk_load(points);
    let max = max_distance_m.max(0.0);
    // Chord length for an arc of `max` metres, plus a hair for rounding.
    let chord = 2.0 * EARTH_RADIUS_M * (max / (2.0 * EARTH_RADIUS_M)).min(std::f64::consts::FRAC_PI_2).sin() + 1e-6;
    for (i, ci) in located.iter().enumerate() {
        // Every place searches around itself, focused or not, so that a pair is found from
        // either side as in a full scan; only pairs with a focused place are kept.
        let Some(ci) = *ci else { continue };
        let mut kept = 0;
        for (other, distance_2) in tree.nearest_neighbor_iter_with_distance_2(&to_xyz(ci)) {
            if distance_2 > chord * chord {
                break;
            }
            let j = other.data;
            if j == i || same_place(i.min(j), i.max(j)) {
                continue;
            }
            let cj = located[j].expect("indexed points are located");
            if distance_m(ci, cj) > max {
                continue;
            }
            if kept == MAX_NEIGHBOURS {
                capped[i] = true;
                break;
            }
            kept += 1;
            if either(i, j) {
                pairs.push((i.min(j), i.max(j)));
            }
        }
    }

    // Unlocated against their commune. Each place is filed under its code and its name key;
    // an unlocated one meets places filed under either of its keys.
    let keys: Vec<_> = records.iter().map(|record| commune_key(record)).collect();
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, key) in keys.iter().enumerate() {
        if let Some(code) = &key.code {
            by_key.entry(code.as_str()).or_default().push(index);
        }
        by_key.entry(key.name_key.as_str()).or_default().push(index);
    }
    let mut unlocated_in: HashMap<&str, usize> = HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        if located[i].is_none() {
            for list in lists_of(key) {
                *unlocated_in.entry(list).or_default() += 1;
            }
        }
    }
    for (i, key) in keys.iter().enumerate() {
        if located[i].is_some() {
            continue;
        }
        let lists = lists_of(key);
        // A commune whose unlocated places would make more pairs than the budget (the same
        // place filed thousands of times without coordinates) is the one cell that is capped.
        let crowded = lists
            .iter()
            .any(|list| unlocated_in[list].saturating_mul(by_key.get(list).map_or(0, Vec::len)) > COMMUNE_PAIR_BUDGET);
        let mut mates: Vec<usize> = Vec::new();
        'lists: for list in lists {
            for &j in by_key.get(list).map(Vec::as_slice).unwrap_or(&[]) {
                if j == i || same_place(i.min(j), i.max(j)) || (crowded && mates.contains(&j)) {
                    continue;
                }
                // Filed under the same key is not enough: a code may disagree with a name.
                if !crate::normalize::same_commune(key, &keys[j]) {
                    continue;
                }
                if crowded && mates.len() == MAX_COMMUNE_MATES {
                    capped[i] = true;
                    break 'lists;
                }
                mates.push(j);
            }
        }
        pairs.extend(mates.into_iter().filter(|&j| either(i, j)).map(|j| (i.min(j), i.max(j))));
    }

    // Located or not, the same commune and the same name or the same number and street:
    // sources geocode differently (a town hall at the commune's centroid), so identical names
    // or addresses are compared whatever the distance.
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        for block in block_keys(record) {
            for commune in keys[index].code.iter().chain(std::iter::once(&keys[index].name_key)) {
                blocks.entry(format!("{commune}|{block}")).or_default().push(index);
            }
        }
    }
    for members in blocks.values() {
        if !members.iter().any(|&m| focused[m]) {
            continue;
        }
        let window = if members.len() > MAX_BLOCK {
            for &m in members {
                capped[m] = true;
            }
            BLOCK_WINDOW
        } else {
            members.len()
        };
        for (n, &i) in members.iter().enumerate() {
            for &j in members[n + 1..].iter().take(window) {
                let (i, j) = (i.min(j), i.max(j));
                if i != j && either(i, j) && !same_place(i, j) && crate::normalize::same_commune(&keys[i], &keys[j]) {
                    pairs.push((i, j));
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let capped = capped.iter().zip(&focused).filter(|(&capped, &focused)| capped && focused).count();
    CandidateSet { pairs, capped }
}

/// The blocking keys of a record: its normalised name (unless anonymous or empty) and its
/// house number and street (when it has both).
pub fn block_keys(record: &PlaceRecord) -> Vec<String> {
    let mut keys = Vec::new();
    let name = crate::normalize::normalise_name(&record.nom);
    if !name.sorted.is_empty() && !crate::normalize::is_anonymous_name(&record.nom) {
        keys.push(format!("n:{}", name.sorted));
    }
    let address = crate::normalize::normalise_address(&record.adresse);
    if let Some(number) = address.number.filter(|_| !address.street.is_empty()) {
        keys.push(format!("a:{number} {}", address.street));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> PlaceRecord {
        PlaceRecord {
            coordinates: Some(Coordinates { latitude: lat, longitude: lon }),
            commune: "Tours".into(),
            code_postal: "37000".into(),
            ..Default::default()
        }
    }

    #[test]
    fn haversine_is_right() {
        // One degree of latitude is about 111.2 km.
        let d =
            distance_m(Coordinates { latitude: 47.0, longitude: 0.7 }, Coordinates { latitude: 48.0, longitude: 0.7 });
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
    }

    #[test]
    fn finds_close_places_only() {
        let a = at(47.3900, 0.6900);
        let b = at(47.3901, 0.6900); // 11 m
        let c = at(47.4000, 0.6900); // 1.1 km
        let mut d = at(0.0, 0.0); // placeholder: unlocated, same commune
        d.coordinates = Some(Coordinates { latitude: 0.0, longitude: 0.0 });
        let mut e = at(47.0, 0.0);
        e.coordinates = None;
        e.commune = "Amboise".into();
        let records = [&a, &b, &c, &d, &e];
        let pairs = candidate_pairs_by(&records, 200.0, |_, _| false);
        assert_eq!(pairs, vec![(0, 1), (0, 3), (1, 3), (2, 3)]);
        let pairs = candidate_pairs_by(&records, 200.0, |i, j| (i, j) == (0, 1));
        assert_eq!(pairs, vec![(0, 3), (1, 3), (2, 3)]);
    }
}

#[cfg(test)]
mod bounds {
    use super::*;

    fn copy(index: usize, located: bool) -> PlaceRecord {
        PlaceRecord {
            id: format!("copie-{index}"),
            nom: "Médiathèque François Mitterrand".into(),
            adresse: "2 esplanade François Mitterrand".into(),
            coordinates: located.then_some(Coordinates { latitude: 47.3941, longitude: 0.6848 }),
            commune: "Tours".into(),
            code_postal: "37000".into(),
            code_insee: Some("37261".into()),
            ..Default::default()
        }
    }

    /// The same place filed thousands of times: every copy used to meet every other one (6,000
    /// copies, 18 million pairs). Now each meets a bounded number, the cut is counted, and the
    /// copies still form one chain.
    #[test]
    fn copies_of_one_place_give_linearly_many_candidates() {
        for located in [true, false] {
            let records: Vec<PlaceRecord> = (0..3_000).map(|i| copy(i, located)).collect();
            let refs: Vec<&PlaceRecord> = records.iter().collect();
            let set = candidate_set(&refs, 500.0, |_| true, |_, _| false);
            let bound = refs.len() * (MAX_NEIGHBOURS + MAX_COMMUNE_MATES + 2 * BLOCK_WINDOW);
            assert!(set.pairs.len() <= bound, "{} pairs for {} copies", set.pairs.len(), refs.len());
            assert!(candidate_pairs_by(&refs, 500.0, |_, _| false).len() <= bound);
            assert_eq!(set.capped, refs.len());
            // Connected: following pairs from the first copy reaches every copy.
            let mut reached = vec![false; refs.len()];
            reached[0] = true;
            let mut changed = true;
            while changed {
                changed = false;
                for &(i, j) in &set.pairs {
                    if reached[i] != reached[j] {
                        reached[i] = true;
                        reached[j] = true;
                        changed = true;
                    }
                }
            }
            assert!(reached.iter().all(|&r| r));
        }
    }

    /// With a focus, only pairs that involve a focused place are returned, and every such
    /// pair of the full set is among them when nothing is capped.
    #[test]
    fn focus_keeps_the_pairs_of_the_focused_places() {
        let mut records: Vec<PlaceRecord> = (0..12).map(|i| copy(i, i % 3 != 0)).collect();
        for (i, record) in records.iter_mut().enumerate() {
            if let Some(c) = record.coordinates.as_mut() {
                c.latitude += i as f64 * 0.001;
            }
        }
        let refs: Vec<&PlaceRecord> = records.iter().collect();
        let all = candidate_set(&refs, 500.0, |_| true, |_, _| false);
        assert_eq!(all.capped, 0);
        for focus in [vec![0], vec![1, 5], vec![2, 3, 11]] {
            let some = candidate_set(&refs, 500.0, |i| focus.contains(&i), |_, _| false);
            let expected: Vec<_> =
                all.pairs.iter().copied().filter(|(i, j)| focus.contains(i) || focus.contains(j)).collect();
            assert_eq!(some.pairs, expected, "focus {focus:?}");
        }
    }
}
