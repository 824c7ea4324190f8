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

/// Index pairs `(i, j)`, `i < j`, of records that may be the same place: both located and
/// at most `max_distance_m` apart; or in the same commune (see
/// [`crate::normalize::same_commune`]) and either one without usable coordinates, or the same
/// normalised name, or the same house number and street ([`block_keys`], blocks of at most
/// [`MAX_BLOCK`]). Sorted, without repeats.
/// Pairs for which `same_place(i, j)` is true (one place listed twice) are left out.
pub fn candidate_pairs_by(
    records: &[&PlaceRecord],
    max_distance_m: f64,
    same_place: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let located: Vec<Option<Coordinates>> =
        records.iter().map(|record| record.coordinates.filter(|c| usable(*c))).collect();

    // Located against located: the R-tree.
    let points: Vec<GeomWithData<[f64; 3], usize>> = located
        .iter()
        .enumerate()
        .filter_map(|(index, coords)| coords.map(|c| GeomWithData::new(to_xyz(c), index)))
        .collect();
    let tree = RTree::bulk_load(points.clone());
    let max = max_distance_m.max(0.0);
    // Chord length for an arc of `max` metres, plus a hair for rounding.
    let chord = 2.0 * EARTH_RADIUS_M * (max / (2.0 * EARTH_RADIUS_M)).min(std::f64::consts::FRAC_PI_2).sin() + 1e-6;
    for point in &points {
        let i = point.data;
        let ci = located[i].expect("indexed points are located");
        for other in tree.locate_within_distance(*point.geom(), chord * chord) {
            let j = other.data;
            if j <= i || same_place(i, j) {
                continue;
            }
            let cj = located[j].expect("indexed points are located");
            if distance_m(ci, cj) <= max {
                pairs.push((i, j));
            }
        }
    }

    // Unlocated against their commune. Each place is filed under its code and its name key;
    // an unlocated one meets everyone filed under either of its keys.
    let keys: Vec<_> = records.iter().map(|record| commune_key(record)).collect();
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, key) in keys.iter().enumerate() {
        if let Some(code) = &key.code {
            by_key.entry(code.as_str()).or_default().push(index);
        }
        by_key.entry(key.name_key.as_str()).or_default().push(index);
    }
    let mut unlocated_pairs = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        if located[i].is_some() {
            continue;
        }
        let lists = key.code.iter().map(String::as_str).chain(std::iter::once(key.name_key.as_str()));
        for list in lists {
            for &j in by_key.get(list).map(Vec::as_slice).unwrap_or(&[]) {
                if j == i || same_place(i, j) {
                    continue;
                }
                // Filed under the same key is not enough: a code may disagree with a name.
                if !crate::normalize::same_commune(key, &keys[j]) {
                    continue;
                }
                unlocated_pairs.push((i.min(j), i.max(j)));
            }
        }
    }
    pairs.extend(unlocated_pairs);

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
        if members.len() > MAX_BLOCK {
            continue;
        }
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                let (i, j) = (i.min(j), i.max(j));
                if i != j && !same_place(i, j) && crate::normalize::same_commune(&keys[i], &keys[j]) {
                    pairs.push((i, j));
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Blocks larger than this (the same name or address filed hundreds of times in one commune)
/// are left out rather than paired all against all.
pub const MAX_BLOCK: usize = 200;

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
