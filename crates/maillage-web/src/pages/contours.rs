//! Territory outlines for the maps, as GeoJSON built from the territory pack's commune
//! polygons. The pack stores borders as a topology (a border two communes share is the same
//! arc in both), so a département's outline is exactly the set of commune edges that only one
//! of its communes has: no polygon union needed. Built once, on first request, then served
//! from memory with an ETag.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use maillage_territory::Territory;
use serde_json::{json, Value};

/// Coordinates are rounded to 1e-4 degree (about 10 m): plenty for outlines, and it halves
/// the bytes sent.
fn round(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

type Key = (i64, i64);
/// From a point: the edges that leave it (other end, its point here, the other end's point).
type Adjacency = HashMap<Key, Vec<(Key, [f64; 2], [f64; 2])>>;

fn key(point: [f64; 2]) -> Key {
    ((point[0] * 1e7).round() as i64, (point[1] * 1e7).round() as i64)
}

/// The outline of a set of communes as lines (edges seen once, chained).
fn outline<'a>(territory: &Territory, codes: impl Iterator<Item = &'a str>) -> Vec<Vec<[f64; 2]>> {
    outline_of(territory, codes, false)
}

/// The outline, with each ring's closing edge when `close` (the pack's rings do not repeat
/// their first point: a line drawn without it lacks one short edge, a polygon needs it).
fn outline_of<'a>(territory: &Territory, codes: impl Iterator<Item = &'a str>, close: bool) -> Vec<Vec<[f64; 2]>> {
    let mut edges: HashMap<(Key, Key), ([f64; 2], [f64; 2])> = HashMap::new();
    for code in codes {
        let Some(geometry) = territory.commune_geometry(code) else { continue };
        for polygon in geometry {
            for mut ring in polygon {
                if close && ring.len() > 2 && ring.first() != ring.last() {
                    ring.push(ring[0]);
                }
                for pair in ring.windows(2) {
                    let (a, b) = (key(pair[0]), key(pair[1]));
                    if a == b {
                        continue;
                    }
                    let undirected = if a < b { (a, b) } else { (b, a) };
                    // An edge seen twice is a border between two communes of the set.
                    if edges.remove(&undirected).is_none() {
                        // The points in the key's order, so each end keeps its own point.
                        let points = if a < b { (pair[0], pair[1]) } else { (pair[1], pair[0]) };
                        edges.insert(undirected, points);
                    }
                }
            }
        }
    }
    // Chain edges into lines so each point is written once.
    let mut next: Adjacency = HashMap::new();
    for ((a, b), (pa, pb)) in &edges {
        next.entry(*a).or_default().push((*b, *pa, *pb));
        next.entry(*b).or_default().push((*a, *pb, *pa));
    }
    let mut used: std::collections::HashSet<(Key, Key)> = std::collections::HashSet::new();
    let mut lines = Vec::new();
    let mut starts: Vec<Key> = next.keys().copied().collect();
    starts.sort();
    for start in starts {
        loop {
            let mut line: Vec<[f64; 2]> = Vec::new();
            let mut at = start;
            while let Some((to, from_point, to_point)) = next.get(&at).and_then(|candidates| {
                candidates
                    .iter()
                    .find(|(to, _, _)| !used.contains(&if at < *to { (at, *to) } else { (*to, at) }))
                    .copied()
            }) {
                used.insert(if at < to { (at, to) } else { (to, at) });
                if line.is_empty() {
                    line.push([round(from_point[0]), round(from_point[1])]);
                }
                line.push([round(to_point[0]), round(to_point[1])]);
                at = to;
            }
            if line.len() < 2 {
                break;
            }
            line.dedup();
            lines.push(line);
        }
    }
    lines
}

/// Drops points closer than `step` degrees to the last one kept (ends always kept): the
/// France-wide outlines are drawn at région and département zooms, where a point every
/// kilometre is as smooth as every ten metres, and a tenth of the points loads ten times faster.
fn thin(line: Vec<[f64; 2]>, step: f64) -> Vec<[f64; 2]> {
    let Some(&last) = line.last() else { return line };
    let mut kept: Vec<[f64; 2]> = Vec::with_capacity(line.len() / 2 + 2);
    for point in line {
        match kept.last() {
            Some(previous) if (point[0] - previous[0]).abs().max((point[1] - previous[1]).abs()) < step => {}
            _ => kept.push(point),
        }
    }
    if kept.last() != Some(&last) {
        kept.push(last);
    }
    kept
}

/// Every département's outline, one feature each (`code`, `nom`, `region`).
pub fn departements(territory: &Territory) -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let mut by_departement: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for commune in territory.communes() {
            by_departement.entry(commune.code_departement.as_str()).or_default().push(commune.code_insee.as_str());
        }
        let features: Vec<Value> = by_departement
            .into_iter()
            .filter_map(|(code, communes)| {
                let departement = territory.departement(code)?;
                let lines: Vec<_> =
                    outline(territory, communes.into_iter()).into_iter().map(|line| thin(line, 0.008)).collect();
                Some(json!({
                    "type": "Feature",
                    "properties": {"code": code, "nom": departement.name, "region": departement.code_region},
                    "geometry": {"type": "MultiLineString", "coordinates": lines},
                }))
            })
            .collect();
        serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap_or_default()
    })
}

/// The commune polygons of one département (for the coverage choropleth).
pub fn communes_of(territory: &Territory, departement: &str) -> Option<Vec<u8>> {
    territory.departement(departement)?;
    let features: Vec<Value> = territory
        .departement_communes(departement)
        .filter_map(|commune| {
            let geometry = territory.commune_geometry(&commune.code_insee)?;
            let rounded: Vec<Vec<Vec<[f64; 2]>>> =
                geometry.into_iter().map(|polygon| polygon.into_iter().map(round_ring).collect()).collect();
            Some(json!({
                "type": "Feature",
                "properties": {"code": commune.code_insee, "nom": commune.name},
                "geometry": {"type": "MultiPolygon", "coordinates": rounded},
            }))
        })
        .collect();
    serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).ok()
}

/// A commune's polygons, rounded like the outlines, as a GeoJSON MultiPolygon.
pub fn commune_polygon(territory: &Territory, code: &str) -> Option<Value> {
    let geometry = territory.commune_geometry(code)?;
    let rounded: Vec<Vec<Vec<[f64; 2]>>> = geometry
        .into_iter()
        .map(|polygon| {
            polygon
                .into_iter()
                .map(|ring| {
                    let mut ring = round_ring(ring);
                    // GeoJSON's rings repeat their first point.
                    if ring.len() > 2 && ring.first() != ring.last() {
                        ring.push(ring[0]);
                    }
                    ring
                })
                .filter(|ring| ring.len() >= 4)
                .collect()
        })
        .collect();
    Some(json!({"type": "MultiPolygon", "coordinates": rounded}))
}

/// A ring rounded like the outlines, the points that rounding makes equal kept once.
fn round_ring(ring: impl IntoIterator<Item = [f64; 2]>) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = ring.into_iter().map(|p| [round(p[0]), round(p[1])]).collect();
    ring.dedup();
    ring
}

/// Twice the signed area of a ring (positive when counter-clockwise).
fn signed_area(ring: &[[f64; 2]]) -> f64 {
    ring.windows(2).map(|pair| pair[0][0] * pair[1][1] - pair[1][0] * pair[0][1]).sum()
}

/// Whether a point is inside a ring (even-odd rule).
fn inside(point: [f64; 2], ring: &[[f64; 2]]) -> bool {
    let mut inside = false;
    for pair in ring.windows(2) {
        let ([x0, y0], [x1, y1]) = (pair[0], pair[1]);
        if (y0 > point[1]) != (y1 > point[1]) && point[0] < (x1 - x0) * (point[1] - y0) / (y1 - y0) + x0 {
            inside = !inside;
        }
    }
    inside
}

/// The outline of a set of communes as a GeoJSON MultiPolygon: the outline's closed rings,
/// each hole (an enclave of another bassin) inside the ring that holds it; outer rings
/// counter-clockwise and holes clockwise, as RFC 7946 asks.
fn dissolved<'a>(territory: &Territory, codes: impl Iterator<Item = &'a str>) -> Value {
    let mut rings: Vec<Vec<[f64; 2]>> =
        outline(territory, codes).into_iter().filter(|line| line.len() >= 4 && line.first() == line.last()).collect();
    // Largest first: a ring's container is met before it.
    rings.sort_by(|a, b| signed_area(b).abs().total_cmp(&signed_area(a).abs()));
    // Each polygon: its outer ring, then its holes; `depth` tells outer (even) from hole (odd).
    let mut polygons: Vec<Vec<Vec<[f64; 2]>>> = Vec::new();
    let mut placed: Vec<(usize, usize, Vec<[f64; 2]>)> = Vec::new(); // (depth, polygon, ring)
    for mut ring in rings {
        let probe = ring[0];
        // The smallest placed ring holding this one (the last found, as they are sorted).
        let container = placed
            .iter()
            .rev()
            .find(|(_, _, outer)| inside(probe, outer))
            .map(|(depth, polygon, _)| (*depth, *polygon));
        let depth = container.map_or(0, |(depth, _)| depth + 1);
        let clockwise = signed_area(&ring) < 0.0;
        if depth % 2 == 0 {
            if clockwise {
                ring.reverse();
            }
            polygons.push(vec![ring.clone()]);
            placed.push((depth, polygons.len() - 1, ring));
        } else {
            if !clockwise {
                ring.reverse();
            }
            let polygon = container.map_or(0, |(_, polygon)| polygon);
            polygons[polygon].push(ring.clone());
            placed.push((depth, polygon, ring));
        }
    }
    json!({"type": "MultiPolygon", "coordinates": polygons})
}

/// The hub's bassins de vie, each one Feature whose id is its name, with its département and
/// its number of communes, its geometry dissolved from its communes' polygons.
pub fn bassin_polygons(territory: &Territory, bassins: &maillage_app::territory::BassinIndex) -> Vec<Value> {
    bassins
        .bassins()
        .iter()
        .map(|(name, departement)| {
            let mut codes: Vec<&str> = bassins.communes_of(name).collect();
            codes.sort_unstable();
            let population: u64 =
                codes.iter().filter_map(|code| territory.commune(code)).filter_map(|commune| commune.population).map(u64::from).sum();
            json!({
                "type": "Feature",
                "id": name,
                "geometry": dissolved(territory, codes.iter().copied()),
                "properties": {"nom": name, "departement": departement, "communes": codes.len(), "population": population},
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_of_communes_dissolves_into_closed_rings() {
        let territory = Territory::embedded();
        let lines = outline_of(&territory, ["18279"].into_iter(), true);
        let closed = lines.iter().filter(|line| line.first() == line.last()).count();
        assert!(
            !lines.is_empty() && closed == lines.len(),
            "{} lines, {closed} closed: {:?}",
            lines.len(),
            lines.iter().map(|l| (l.len(), l.first(), l.last())).collect::<Vec<_>>()
        );
        let geometry = dissolved(&territory, ["18279"].into_iter());
        assert_eq!(geometry["coordinates"].as_array().unwrap().len(), 1, "{geometry}");
    }

    #[test]
    fn thinning_keeps_the_ends_and_spaced_points() {
        let line = vec![[0.0, 0.0], [0.001, 0.0], [0.004, 0.0], [0.0045, 0.0], [0.005, 0.0]];
        assert_eq!(thin(line, 0.003), vec![[0.0, 0.0], [0.004, 0.0], [0.005, 0.0]]);
    }

    #[test]
    fn a_departement_outline_omits_inner_borders() {
        let territory = Territory::embedded();
        let codes: Vec<&str> = territory.departement_communes("36").map(|c| c.code_insee.as_str()).collect::<Vec<_>>();
        let all_edges: usize = codes
            .iter()
            .filter_map(|code| territory.commune_geometry(code))
            .flat_map(|mp| mp.into_iter().flatten().map(|ring| ring.len()))
            .sum();
        let outer: usize = outline(&territory, codes.iter().copied()).iter().map(|l| l.len()).sum();
        // Inner borders are shared by two communes and vanish; the outline is a small part.
        assert!(outer > 100 && outer * 5 < all_edges, "{outer} of {all_edges}");
    }
}
