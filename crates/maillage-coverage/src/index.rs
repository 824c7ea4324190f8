//! The nearest place of every commune, kept up to date incrementally.

use std::collections::HashMap;
use std::fmt;

use maillage_territory::{distance_km, Commune, LatLon, Territory};
use rstar::primitives::GeomWithData;
use rstar::RTree;
use serde::Serialize;

/// Slack on the unit sphere (about 6 µm) under which two chord lengths are treated as a tie,
/// so that the exact great-circle rerank sees every candidate the rounding could hide.
const CHORD_SLACK: f64 = 1e-12;

/// The default distance thresholds, in km.
pub const DEFAULT_THRESHOLDS_KM: [f64; 4] = [5.0, 10.0, 15.0, 20.0];

/// A place as coverage sees it: the caller has already chosen which places count (active
/// ones matching the filters) and which point stands for each (its own coordinates, or
/// its commune's point when it has none).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoveragePlace {
    pub id: String,
    pub name: String,
    pub point: LatLon,
    /// INSEE code of the commune the place is in, for "places in the commune" counts (old,
    /// delegated and arrondissement codes count for their current commune).
    pub code_commune: Option<String>,
}

/// The nearest place of a commune.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Nearest {
    pub place_id: String,
    pub place_name: String,
    /// Great-circle distance from the commune's point to the place's point.
    pub distance_km: f64,
}

/// Refused updates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoverageError {
    DuplicatePlace(String),
    UnknownPlace(String),
    InvalidPoint(String),
}

impl fmt::Display for CoverageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoverageError::DuplicatePlace(id) => write!(f, "le lieu {id} est déjà dans l'index de couverture"),
            CoverageError::UnknownPlace(id) => write!(f, "le lieu {id} n'est pas dans l'index de couverture"),
            CoverageError::InvalidPoint(id) => write!(f, "le lieu {id} a des coordonnées invalides"),
        }
    }
}

impl std::error::Error for CoverageError {}

/// What an incremental update touched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UpdateReport {
    /// Communes whose distance was evaluated against the changed place.
    pub communes_examined: usize,
    /// Communes whose nearest place changed.
    pub communes_changed: usize,
}

type Entry = GeomWithData<[f64; 3], u32>;

struct Slot {
    place: CoveragePlace,
    xyz: [f64; 3],
    /// Index of the covered commune it is in (by `code_commune`).
    commune: Option<u32>,
}

/// The coverage of a set of communes by a set of places.
///
/// The nearest place of a commune is the place with the smallest great-circle distance
/// (`maillage_territory::distance_km`), ties broken by the smaller place id, so the answer
/// never depends on insertion order: an index updated incrementally is identical to one
/// computed from scratch ([`CoverageIndex::recompute_all`]).
///
/// Search: places sit in an R-tree of their points embedded on the unit sphere (x, y, z).
/// The chord length between two embedded points is a monotonic function of their
/// great-circle distance, so the nearest by chord is the nearest on the sphere; the
/// candidates within a rounding slack of the best chord are reranked by the exact
/// great-circle distance. An added place is tested against each commune's current nearest
/// chord (a linear pass over unit vectors, no trigonometry); a withdrawn place's communes
/// get a fresh R-tree query.
pub struct CoverageIndex<'t> {
    territory: &'t Territory,
    /// Indices into `territory.communes()` of the covered communes (in scope, with a point).
    communes: Vec<u32>,
    commune_xyz: Vec<[f64; 3]>,
    commune_points: Vec<LatLon>,
    /// In scope but without a point: listed, never guessed.
    unlocated: Vec<u32>,
    commune_by_code: HashMap<&'t str, u32>,
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    by_id: HashMap<String, u32>,
    place_tree: RTree<Entry>,
    nearest: Vec<Option<(u32, f64)>>,
    /// Per commune: the squared chord (unit sphere) within which a new place may beat its
    /// current nearest place (the current chord plus the rounding slack; infinite without one).
    reach2: Vec<f64>,
    places_in: Vec<u32>,
    pub(crate) thresholds: Vec<f64>,
    threads: usize,
}

pub(crate) fn unit(p: LatLon) -> [f64; 3] {
    let (lat, lon) = (p.lat.to_radians(), p.lon.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn chord2(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (x, y, z) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    x * x + y * y + z * z
}

fn chord(a: [f64; 3], b: [f64; 3]) -> f64 {
    chord2(a, b).sqrt()
}

fn valid(p: LatLon) -> bool {
    p.lat.is_finite() && p.lon.is_finite() && (-90.0..=90.0).contains(&p.lat) && (-180.0..=180.0).contains(&p.lon)
}

/// Whether (distance, id) `a` comes strictly before `b`.
fn better(a_km: f64, a_id: &str, b_km: f64, b_id: &str) -> bool {
    a_km < b_km || (a_km == b_km && a_id < b_id)
}

impl<'t> CoverageIndex<'t> {
    /// Coverage of every commune of France by `places`.
    pub fn build(territory: &'t Territory, places: &[CoveragePlace]) -> Self {
        Self::build_scoped(territory, |_| true, places)
    }

    /// Coverage of the communes `in_scope` selects (a hub's territory). Pass every place,
    /// not only those inside the scope: a commune on the border may be nearest to a place
    /// across it. Places with invalid points are skipped; a later duplicate id is skipped.
    pub fn build_scoped(
        territory: &'t Territory,
        in_scope: impl Fn(&Commune) -> bool,
        places: &[CoveragePlace],
    ) -> Self {
        let mut communes = Vec::new();
        let mut unlocated = Vec::new();
        let mut commune_xyz = Vec::new();
        let mut commune_points = Vec::new();
        for (i, commune) in territory.communes().iter().enumerate() {
            if !in_scope(commune) {
                continue;
            }
            match commune.point {
                Some(p) if valid(p) => {
                    communes.push(i as u32);
                    commune_xyz.push(unit(p));
                    commune_points.push(p);
                }
                _ => unlocated.push(i as u32),
            }
        }
        let commune_by_code = communes
            .iter()
            .enumerate()
            .map(|(i, &ti)| (territory.communes()[ti as usize].code_insee.as_str(), i as u32))
            .collect();
        let n = communes.len();
        let mut index = CoverageIndex {
            territory,
            communes,
            commune_xyz,
            commune_points,
            unlocated,
            commune_by_code,
            slots: Vec::with_capacity(places.len()),
            free: Vec::new(),
            by_id: HashMap::with_capacity(places.len()),
            place_tree: RTree::new(),
            nearest: vec![None; n],
            reach2: vec![f64::INFINITY; n],
            places_in: vec![0; n],
            thresholds: DEFAULT_THRESHOLDS_KM.to_vec(),
            threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(16),
        };
        for place in places {
            if !valid(place.point) || index.by_id.contains_key(&place.id) {
                continue;
            }
            let slot = index.new_slot(place.clone());
            index.by_id.insert(place.id.clone(), slot);
        }
        index.recompute_all();
        index
    }

    /// Replaces the distance thresholds (km) used by the population figures.
    pub fn with_thresholds(mut self, thresholds: Vec<f64>) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// Threads a full recompute may use (default: the machine's parallelism, at most 16).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    pub fn thresholds(&self) -> &[f64] {
        &self.thresholds
    }

    pub fn territory(&self) -> &'t Territory {
        self.territory
    }

    fn new_slot(&mut self, place: CoveragePlace) -> u32 {
        let commune = place.code_commune.as_deref().and_then(|c| self.covered_commune(c));
        let slot = Slot { xyz: unit(place.point), commune, place };
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(slot);
                i
            }
            None => {
                self.slots.push(Some(slot));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// The covered commune of an INSEE code; old, delegated and arrondissement codes
    /// (Paris, Lyon, Marseille) count for the current commune they belong to.
    fn covered_commune(&self, code: &str) -> Option<u32> {
        self.commune_by_code.get(code).copied().or_else(|| {
            let current = self.territory.resolve_code(code)?;
            self.commune_by_code.get(current.code_insee.as_str()).copied()
        })
    }

    fn slot(&self, i: u32) -> &Slot {
        self.slots[i as usize].as_ref().expect("live slot")
    }

    /// Recomputes everything from the places held: the place R-tree, every commune's
    /// nearest place and the per-commune place counts. The reference the incremental
    /// updates are checked against.
    pub fn recompute_all(&mut self) {
        let entries: Vec<Entry> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| Entry::new(s.xyz, i as u32)))
            .collect();
        self.place_tree = RTree::bulk_load(entries);
        self.places_in = vec![0; self.communes.len()];
        for slot in self.slots.iter().flatten() {
            if let Some(c) = slot.commune {
                self.places_in[c as usize] += 1;
            }
        }
        let n = self.communes.len();
        let threads = self.threads;
        let mut nearest = vec![None; n];
        if threads <= 1 || n < 2048 {
            for (c, out) in nearest.iter_mut().enumerate() {
                *out = self.nearest_of(c);
            }
        } else {
            let chunk = n.div_ceil(threads);
            let this = &*self;
            std::thread::scope(|scope| {
                for (k, part) in nearest.chunks_mut(chunk).enumerate() {
                    scope.spawn(move || {
                        for (j, out) in part.iter_mut().enumerate() {
                            *out = this.nearest_of(k * chunk + j);
                        }
                    });
                }
            });
        }
        self.reach2 = (0..n).map(|c| self.reach2_of(c, nearest[c])).collect();
        self.nearest = nearest;
    }

    fn reach2_of(&self, c: usize, nearest: Option<(u32, f64)>) -> f64 {
        match nearest {
            None => f64::INFINITY,
            Some((slot, _)) => {
                let r = chord(self.commune_xyz[c], self.slot(slot).xyz) + CHORD_SLACK;
                r * r
            }
        }
    }

    fn set_nearest(&mut self, c: usize, nearest: Option<(u32, f64)>) {
        self.reach2[c] = self.reach2_of(c, nearest);
        self.nearest[c] = nearest;
    }

    /// The nearest place of covered commune `c` by a fresh query of the place R-tree.
    fn nearest_of(&self, c: usize) -> Option<(u32, f64)> {
        let xyz = self.commune_xyz[c];
        let point = self.commune_points[c];
        let first = self.place_tree.nearest_neighbor(&xyz)?;
        let limit = chord(xyz, *first.geom()) + CHORD_SLACK;
        let mut best = (first.data, distance_km(point, self.slot(first.data).place.point));
        // Every place as near as the first up to rounding, reranked by exact distance and id.
        for entry in self.place_tree.locate_within_distance(xyz, limit * limit) {
            if entry.data == best.0 {
                continue;
            }
            let candidate = self.slot(entry.data);
            let km = distance_km(point, candidate.place.point);
            if better(km, &candidate.place.id, best.1, &self.slot(best.0).place.id) {
                best = (entry.data, km);
            }
        }
        Some(best)
    }

    /// Adds a place; only the communes it may now be nearest to are examined.
    pub fn add_place(&mut self, place: CoveragePlace) -> Result<UpdateReport, CoverageError> {
        if self.by_id.contains_key(&place.id) {
            return Err(CoverageError::DuplicatePlace(place.id));
        }
        if !valid(place.point) {
            return Err(CoverageError::InvalidPoint(place.id));
        }
        let id = place.id.clone();
        let slot = self.new_slot(place);
        self.by_id.insert(id, slot);
        Ok(self.insert_slot(slot))
    }

    fn insert_slot(&mut self, slot: u32) -> UpdateReport {
        let (xyz, point, commune) = {
            let s = self.slot(slot);
            (s.xyz, s.place.point, s.commune)
        };
        self.place_tree.insert(Entry::new(xyz, slot));
        if let Some(c) = commune {
            self.places_in[c as usize] += 1;
        }
        let mut report = UpdateReport::default();
        // The communes the new place can win: those where it is not farther (by chord, up to
        // rounding) than their current nearest place. A linear pass over the communes' unit
        // vectors (three multiplications each) is cheaper than any tree query at this size.
        let candidates: Vec<u32> = self
            .commune_xyz
            .iter()
            .zip(&self.reach2)
            .enumerate()
            .filter(|(_, (cxyz, reach2))| chord2(**cxyz, xyz) <= **reach2)
            .map(|(c, _)| c as u32)
            .collect();
        let id = self.slot(slot).place.id.clone();
        for c in candidates {
            report.communes_examined += 1;
            let km = distance_km(self.commune_points[c as usize], point);
            let wins = match self.nearest[c as usize] {
                None => true,
                Some((cur, cur_km)) => better(km, &id, cur_km, &self.slot(cur).place.id),
            };
            if wins {
                self.set_nearest(c as usize, Some((slot, km)));
                report.communes_changed += 1;
            }
        }
        report
    }

    /// Withdraws a place; the communes it was nearest to get a fresh nearest-place query.
    pub fn remove_place(&mut self, id: &str) -> Result<UpdateReport, CoverageError> {
        let slot = self.by_id.remove(id).ok_or_else(|| CoverageError::UnknownPlace(id.to_owned()))?;
        let s = self.slots[slot as usize].take().expect("live slot");
        self.free.push(slot);
        Ok(self.detach(slot, &s))
    }

    fn detach(&mut self, slot: u32, s: &Slot) -> UpdateReport {
        self.place_tree.remove(&Entry::new(s.xyz, slot));
        if let Some(c) = s.commune {
            self.places_in[c as usize] -= 1;
        }
        let mut report = UpdateReport::default();
        for c in 0..self.nearest.len() {
            if matches!(self.nearest[c], Some((n, _)) if n == slot) {
                let nearest = self.nearest_of(c);
                self.set_nearest(c, nearest);
                report.communes_examined += 1;
                report.communes_changed += 1;
            }
        }
        report
    }

    /// Moves a place to a new point (and commune): a withdrawal then an addition.
    pub fn move_place(
        &mut self,
        id: &str,
        point: LatLon,
        code_commune: Option<String>,
    ) -> Result<UpdateReport, CoverageError> {
        let slot = *self.by_id.get(id).ok_or_else(|| CoverageError::UnknownPlace(id.to_owned()))?;
        if !valid(point) {
            return Err(CoverageError::InvalidPoint(id.to_owned()));
        }
        let mut s = self.slots[slot as usize].take().expect("live slot");
        let removed = self.detach(slot, &s);
        s.place.point = point;
        s.place.code_commune = code_commune;
        s.xyz = unit(point);
        s.commune = s.place.code_commune.as_deref().and_then(|c| self.covered_commune(c));
        self.slots[slot as usize] = Some(s);
        let added = self.insert_slot(slot);
        Ok(UpdateReport {
            communes_examined: removed.communes_examined + added.communes_examined,
            communes_changed: removed.communes_changed + added.communes_changed,
        })
    }

    /// Number of places held.
    pub fn place_count(&self) -> usize {
        self.by_id.len()
    }

    /// The places held, in no particular order.
    pub fn places(&self) -> impl Iterator<Item = &CoveragePlace> {
        self.slots.iter().flatten().map(|s| &s.place)
    }

    pub fn place(&self, id: &str) -> Option<&CoveragePlace> {
        self.by_id.get(id).map(|&s| &self.slot(s).place)
    }

    /// Number of covered communes (in scope and with a point).
    pub fn commune_count(&self) -> usize {
        self.communes.len()
    }

    /// Communes in scope without a representative point: not measured.
    pub fn unlocated_communes(&self) -> impl Iterator<Item = &'t Commune> + '_ {
        self.unlocated.iter().map(|&i| &self.territory.communes()[i as usize])
    }

    pub(crate) fn commune_at(&self, c: usize) -> &'t Commune {
        &self.territory.communes()[self.communes[c] as usize]
    }

    pub(crate) fn nearest_km_at(&self, c: usize) -> Option<f64> {
        self.nearest[c].map(|(_, km)| km)
    }

    pub(crate) fn places_in_at(&self, c: usize) -> u32 {
        self.places_in[c]
    }

    fn nearest_at(&self, c: usize) -> Option<Nearest> {
        self.nearest[c].map(|(slot, km)| {
            let p = &self.slot(slot).place;
            Nearest { place_id: p.id.clone(), place_name: p.name.clone(), distance_km: km }
        })
    }

    /// The nearest place of a covered commune.
    pub fn nearest(&self, code_insee: &str) -> Option<Nearest> {
        self.commune_by_code.get(code_insee).and_then(|&c| self.nearest_at(c as usize))
    }

    /// The figures of one covered commune.
    pub fn commune(&self, code_insee: &str) -> Option<CommuneCoverage> {
        self.commune_by_code.get(code_insee).map(|&c| self.coverage_at(c as usize))
    }

    /// The figures of every covered commune, in the territory's order.
    pub fn communes(&self) -> Vec<CommuneCoverage> {
        (0..self.communes.len()).map(|c| self.coverage_at(c)).collect()
    }

    fn coverage_at(&self, c: usize) -> CommuneCoverage {
        let commune = self.commune_at(c);
        let population = commune.population.unwrap_or(0);
        let nearest = self.nearest_at(c);
        let population_beyond = self
            .thresholds
            .iter()
            .map(|&t| if beyond(nearest.as_ref().map(|n| n.distance_km), t) { population } else { 0 })
            .collect();
        CommuneCoverage {
            code_insee: commune.code_insee.clone(),
            name: commune.name.clone(),
            population,
            nearest,
            places_in_commune: self.places_in[c],
            thresholds_km: self.thresholds.clone(),
            population_beyond,
        }
    }
}

/// Whether a commune at this nearest distance (none: no place at all) is beyond `threshold_km`.
pub(crate) fn beyond(distance_km: Option<f64>, threshold_km: f64) -> bool {
    distance_km.is_none_or(|d| d > threshold_km)
}

/// The coverage of one commune.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CommuneCoverage {
    pub code_insee: String,
    pub name: String,
    /// Population municipale (0 when INSEE publishes none).
    pub population: u32,
    /// `None` when there is no place at all.
    pub nearest: Option<Nearest>,
    /// Places whose `code_commune` is this commune.
    pub places_in_commune: u32,
    pub thresholds_km: Vec<f64>,
    /// For each threshold: the commune's population when its nearest place is farther
    /// (strictly) than the threshold, else 0.
    pub population_beyond: Vec<u32>,
}
