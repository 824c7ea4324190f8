//! Polygons, point-in-polygon and distances.
//!
//! Coordinates are kept on the pack's integer grid (1e-5 degree, about 1 m) so that the
//! crossing test is exact integer arithmetic: the answer for a point never depends on
//! floating-point rounding, and it is the same answer the pack's build script checked.

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::model::{LatLon, MultiPolygon};

/// Mean Earth radius (IUGG), in km.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance in km between two WGS84 points (haversine formula; the spherical
/// approximation is within 0.5% of the ellipsoid, far below what coverage needs).
pub fn distance_km(a: LatLon, b: LatLon) -> f64 {
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let dphi = phi2 - phi1;
    let dlambda = (b.lon - a.lon).to_radians();
    let h = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Degrees to the pack's integer grid; `None` for values no polygon can hold.
pub(crate) fn quantise(v: f64, scale: f64) -> Option<i32> {
    let s = (v * scale).round();
    (s.is_finite() && s.abs() < i32::MAX as f64).then_some(s as i32)
}

type Entry = GeomWithData<Rectangle<[i32; 2]>, u32>;

/// One polygon: an exterior ring and its holes.
#[derive(Debug, Clone, Copy)]
struct Part {
    ring_start: u32,
    ring_end: u32,
    owner: u32,
}

/// The polygons of a set of owners (communes, or arrondissements), with an R-tree on the
/// bounding box of each polygon part: a commune with islands or exclaves gets one small box
/// per part instead of one large box that every query would have to test.
#[derive(Debug)]
pub(crate) struct Shapes {
    scale: f64,
    points: Vec<[i32; 2]>,
    /// `ring_ends[i]` is one past the last point of ring `i`; rings are contiguous.
    ring_ends: Vec<u32>,
    parts: Vec<Part>,
    /// Range of `parts` for each owner; empty for owners without geometry.
    owner_parts: Vec<(u32, u32)>,
    tree: RTree<Entry>,
}

pub(crate) struct ShapesBuilder {
    scale: f64,
    points: Vec<[i32; 2]>,
    ring_ends: Vec<u32>,
    parts: Vec<Part>,
    owner_parts: Vec<(u32, u32)>,
}

impl ShapesBuilder {
    pub(crate) fn new(scale: f64, owners: usize) -> Self {
        ShapesBuilder {
            scale,
            points: Vec::new(),
            ring_ends: Vec::new(),
            parts: Vec::new(),
            owner_parts: vec![(0, 0); owners],
        }
    }

    pub(crate) fn start_owner(&mut self, owner: u32) {
        let n = self.parts.len() as u32;
        self.owner_parts[owner as usize] = (n, n);
    }

    pub(crate) fn start_part(&mut self, owner: u32) {
        let r = self.ring_ends.len() as u32;
        self.parts.push(Part { ring_start: r, ring_end: r, owner });
        self.owner_parts[owner as usize].1 = self.parts.len() as u32;
    }

    pub(crate) fn push_point(&mut self, p: [i32; 2]) {
        self.points.push(p);
    }

    pub(crate) fn end_ring(&mut self) {
        self.ring_ends.push(self.points.len() as u32);
        if let Some(part) = self.parts.last_mut() {
            part.ring_end = self.ring_ends.len() as u32;
        }
    }

    pub(crate) fn build(self) -> Shapes {
        let mut shapes = Shapes {
            scale: self.scale,
            points: self.points,
            ring_ends: self.ring_ends,
            parts: self.parts,
            owner_parts: self.owner_parts,
            tree: RTree::new(),
        };
        let entries: Vec<Entry> = (0..shapes.parts.len() as u32)
            .filter_map(|i| {
                let (lo, hi) = shapes.part_bbox(i)?;
                Some(GeomWithData::new(Rectangle::from_corners(lo, hi), i))
            })
            .collect();
        shapes.tree = RTree::bulk_load(entries);
        shapes
    }
}

impl Shapes {
    fn ring_points(&self, ring: u32) -> &[[i32; 2]] {
        let start = if ring == 0 { 0 } else { self.ring_ends[ring as usize - 1] };
        &self.points[start as usize..self.ring_ends[ring as usize] as usize]
    }

    fn part_bbox(&self, part: u32) -> Option<([i32; 2], [i32; 2])> {
        let p = self.parts[part as usize];
        // The exterior ring bounds the holes, so it alone gives the box.
        let pts = self.ring_points(p.ring_start);
        let first = *pts.first()?;
        let (mut lo, mut hi) = (first, first);
        for &[x, y] in pts {
            lo = [lo[0].min(x), lo[1].min(y)];
            hi = [hi[0].max(x), hi[1].max(y)];
        }
        Some((lo, hi))
    }

    fn part_contains(&self, part: u32, x: i32, y: i32) -> bool {
        let p = self.parts[part as usize];
        let mut inside = false;
        for ring in p.ring_start..p.ring_end {
            if ring_contains(self.ring_points(ring), x, y) {
                inside = !inside;
            }
        }
        inside
    }

    pub(crate) fn has_geometry(&self, owner: u32) -> bool {
        let (a, b) = self.owner_parts[owner as usize];
        a < b
    }

    /// The owner whose polygon holds the point, if any.
    pub(crate) fn owner_at(&self, lat: f64, lon: f64) -> Option<u32> {
        let x = quantise(lon, self.scale)?;
        let y = quantise(lat, self.scale)?;
        self.tree
            .locate_all_at_point(&[x, y])
            .find(|e| self.part_contains(e.data, x, y))
            .map(|e| self.parts[e.data as usize].owner)
    }

    /// The owner whose polygon is nearest to the point within `max_km`, with the distance
    /// (zero inside). Measured on a local equirectangular projection, exact enough at the
    /// few-km range it is meant for.
    pub(crate) fn nearest_owner(&self, lat: f64, lon: f64, max_km: f64) -> Option<(u32, f64)> {
        let x = quantise(lon, self.scale)?;
        let y = quantise(lat, self.scale)?;
        if let Some(owner) = self.owner_at(lat, lon) {
            return Some((owner, 0.0));
        }
        if max_km.is_nan() || max_km <= 0.0 || !lat.is_finite() {
            return None;
        }
        let km_per_unit_y = 111.319_490_8 / self.scale;
        let km_per_unit_x = km_per_unit_y * lat.to_radians().cos().max(1e-6);
        let dy = (max_km / km_per_unit_y).ceil().min(1e8) as i32;
        let dx = (max_km / km_per_unit_x).ceil().min(1e8) as i32;
        let envelope = AABB::from_corners(
            [x.saturating_sub(dx), y.saturating_sub(dy)],
            [x.saturating_add(dx), y.saturating_add(dy)],
        );
        let mut best: Option<(u32, f64)> = None;
        for e in self.tree.locate_in_envelope_intersecting(&envelope) {
            let p = self.parts[e.data as usize];
            for ring in p.ring_start..p.ring_end {
                let pts = self.ring_points(ring);
                let Some(&last) = pts.last() else { continue };
                let mut a = last;
                for &b in pts {
                    let d = segment_distance(
                        [(a[0] - x) as f64 * km_per_unit_x, (a[1] - y) as f64 * km_per_unit_y],
                        [(b[0] - x) as f64 * km_per_unit_x, (b[1] - y) as f64 * km_per_unit_y],
                    );
                    if d <= max_km && best.is_none_or(|(_, bd)| d < bd) {
                        best = Some((p.owner, d));
                    }
                    a = b;
                }
            }
        }
        best
    }

    /// Whether the owner's polygons hold the point.
    pub(crate) fn owner_contains(&self, owner: u32, lat: f64, lon: f64) -> bool {
        let (Some(x), Some(y)) = (quantise(lon, self.scale), quantise(lat, self.scale)) else {
            return false;
        };
        let (a, b) = self.owner_parts[owner as usize];
        (a..b).any(|part| self.part_contains(part, x, y))
    }

    pub(crate) fn multipolygon(&self, owner: u32) -> Option<MultiPolygon> {
        let (a, b) = self.owner_parts[owner as usize];
        if a == b {
            return None;
        }
        let s = self.scale;
        let polys = (a..b)
            .map(|part| {
                let p = self.parts[part as usize];
                (p.ring_start..p.ring_end)
                    .map(|ring| {
                        let pts = self.ring_points(ring);
                        let mut out: Vec<[f64; 2]> = pts.iter().map(|&[x, y]| [x as f64 / s, y as f64 / s]).collect();
                        if let Some(&first) = out.first() {
                            out.push(first);
                        }
                        out
                    })
                    .collect()
            })
            .collect();
        Some(polys)
    }

    /// Area in km² on a local equirectangular projection per part: good to a fraction of a
    /// percent at commune scale.
    pub(crate) fn area_km2(&self, owner: u32) -> f64 {
        let (a, b) = self.owner_parts[owner as usize];
        let km_per_unit = 111.319_490_8 / self.scale;
        let mut total = 0.0;
        for part in a..b {
            let p = self.parts[part as usize];
            let ext = self.ring_points(p.ring_start);
            let mean_y = ext.iter().map(|q| q[1] as f64).sum::<f64>() / ext.len().max(1) as f64;
            let cos = (mean_y / self.scale).to_radians().cos();
            for ring in p.ring_start..p.ring_end {
                let area = ring_area2(self.ring_points(ring)).abs() / 2.0;
                let signed = if ring == p.ring_start { area } else { -area };
                total += signed * km_per_unit * km_per_unit * cos;
            }
        }
        total.max(0.0)
    }

    pub(crate) fn stats(&self) -> (usize, usize, usize) {
        (self.parts.len(), self.ring_ends.len(), self.points.len())
    }
}

/// Distance from the origin to the segment [a, b], in the unit of the coordinates.
fn segment_distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (-(a[0] * dx + a[1] * dy) / len2).clamp(0.0, 1.0) };
    (a[0] + t * dx).hypot(a[1] + t * dy)
}

/// Twice the signed area of an open ring, in grid units.
fn ring_area2(pts: &[[i32; 2]]) -> f64 {
    let n = pts.len();
    let mut acc: i128 = 0;
    for i in 0..n {
        let [x1, y1] = pts[(i + n - 1) % n];
        let [x2, y2] = pts[i];
        acc += x1 as i128 * y2 as i128 - x2 as i128 * y1 as i128;
    }
    acc as f64
}

/// Even-odd crossing test of an open ring. The inequalities are those of the pack's build
/// script, so both agree on every point, boundary cases included.
fn ring_contains(pts: &[[i32; 2]], x: i32, y: i32) -> bool {
    let Some(&last) = pts.last() else {
        return false;
    };
    let mut inside = false;
    let [mut x1, mut y1] = last;
    for &[x2, y2] in pts {
        if (y1 > y) != (y2 > y) {
            let lhs = (x2 as i64 - x1 as i64) * (y as i64 - y1 as i64);
            let rhs = (x as i64 - x1 as i64) * (y2 as i64 - y1 as i64);
            let crosses = if y2 > y1 { lhs > rhs } else { lhs < rhs };
            if crosses {
                inside = !inside;
            }
        }
        x1 = x2;
        y1 = y2;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square_with_hole() -> Shapes {
        let mut b = ShapesBuilder::new(100_000.0, 2);
        b.start_owner(0);
        b.start_part(0);
        for p in [[0, 0], [1000, 0], [1000, 1000], [0, 1000]] {
            b.push_point(p);
        }
        b.end_ring();
        for p in [[400, 400], [600, 400], [600, 600], [400, 600]] {
            b.push_point(p);
        }
        b.end_ring();
        // Owner 1 fills the hole, as an enclave commune does.
        b.start_owner(1);
        b.start_part(1);
        for p in [[400, 400], [600, 400], [600, 600], [400, 600]] {
            b.push_point(p);
        }
        b.end_ring();
        b.build()
    }

    #[test]
    fn holes_belong_to_the_enclave() {
        let s = square_with_hole();
        assert_eq!(s.owner_at(0.001, 0.001), Some(0));
        assert_eq!(s.owner_at(0.005, 0.005), Some(1));
        assert_eq!(s.owner_at(0.02, 0.005), None);
        assert_eq!(s.owner_at(f64::NAN, 0.005), None);
        assert!(s.owner_contains(0, 0.009, 0.009));
        assert!(!s.owner_contains(0, 0.005, 0.005));
    }

    #[test]
    fn geojson_rings_are_closed() {
        let s = square_with_hole();
        let mp = s.multipolygon(0).unwrap();
        assert_eq!(mp.len(), 1);
        assert_eq!(mp[0].len(), 2);
        assert_eq!(mp[0][0].first(), mp[0][0].last());
        assert_eq!(mp[0][0].len(), 5);
    }

    #[test]
    fn haversine_matches_known_distances() {
        let paris = LatLon::new(48.8566, 2.3522);
        let lyon = LatLon::new(45.7640, 4.8357);
        let d = distance_km(paris, lyon);
        assert!((d - 392.0).abs() < 2.0, "{d}");
        assert_eq!(distance_km(paris, paris), 0.0);
        // One degree of latitude is about 111.2 km on the mean sphere.
        let d = distance_km(LatLon::new(45.0, 1.0), LatLon::new(46.0, 1.0));
        assert!((d - 111.195).abs() < 0.01, "{d}");
    }
}
