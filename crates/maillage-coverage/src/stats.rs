//! Figures per area (EPCI, département, région, bassin de vie, whole scope) and the
//! explainable priority score.

use std::collections::BTreeMap;

use maillage_territory::Commune;
use serde::Serialize;

use crate::index::{beyond, CoverageIndex};

/// An administrative level to aggregate communes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Epci,
    Departement,
    Region,
    /// Everything covered, as one area.
    Total,
}

/// The coverage figures of an area.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AreaCoverage {
    /// The area's code (SIREN of the EPCI, code of the département or région, the caller's
    /// bassin code); `None` groups the communes that belong to none (the four
    /// single-commune islands have no EPCI; communes the bassin lookup does not place).
    pub code: Option<String>,
    /// Covered communes (in scope, with a point).
    pub communes: u32,
    /// Of which without any place in them.
    pub communes_without_place: u32,
    /// `communes_without_place / communes` (0 when there are no communes).
    pub share_without_place: f64,
    pub population: u64,
    pub thresholds_km: Vec<f64>,
    /// For each threshold: population of the communes whose nearest place is farther.
    pub population_beyond: Vec<u64>,
    /// Places whose commune is one of the area's communes.
    pub places: u32,
    /// `places / population × 10 000`; `None` when the population is 0.
    pub places_per_10k: Option<f64>,
}

impl AreaCoverage {
    fn new(code: Option<String>, thresholds: &[f64]) -> Self {
        AreaCoverage {
            code,
            communes: 0,
            communes_without_place: 0,
            share_without_place: 0.0,
            population: 0,
            thresholds_km: thresholds.to_vec(),
            population_beyond: vec![0; thresholds.len()],
            places: 0,
            places_per_10k: None,
        }
    }

    fn finish(&mut self) {
        self.share_without_place =
            if self.communes == 0 { 0.0 } else { self.communes_without_place as f64 / self.communes as f64 };
        self.places_per_10k = (self.population > 0).then(|| self.places as f64 * 10_000.0 / self.population as f64);
    }
}

/// Distance cap of the priority score's distance component, in km.
pub const PRIORITY_DISTANCE_CAP_KM: f64 = 30.0;
/// Threshold of the priority score's population component, in km.
pub const PRIORITY_POPULATION_THRESHOLD_KM: f64 = 5.0;
/// Weights of the distance, fragility and population components.
pub const PRIORITY_WEIGHTS: (f64, f64, f64) = (0.5, 0.3, 0.2);

/// The priority formula, in French, for outputs.
pub fn formula() -> &'static str {
    "score = 100 × (0,5·d + 0,3·f + 0,2·p), où \
     d = min(distance au lieu le plus proche en km ; 30) / 30 (d = 1 s'il n'y a aucun lieu) ; \
     f = IFN / 10 (indice de fragilité numérique de la commune, de 0 à 10) ; \
     p = log10(1 + population de la commune à plus de 5 km d'un lieu) / log10(1 + le maximum de cette population parmi les communes étudiées) (p = 0 si ce maximum est nul). \
     Si l'IFN d'une commune est inconnu, f est absent et les poids restants sont renormalisés : score = 100 × (0,5·d + 0,2·p) / 0,7. \
     Chaque part affichée est sa contribution en points au score (score = part distance + part fragilité + part population). \
     Score d'un bassin de vie : moyenne des scores de ses communes pondérée par leur population (moyenne simple si leur population totale est nulle)."
}

/// The components of a commune's priority score: the score is the sum of the parts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PriorityComponents {
    /// Distance to the nearest place; `None` when there is no place at all.
    pub distance_km: Option<f64>,
    /// d = min(distance_km, 30) / 30, 1 without any place.
    pub distance_norm: f64,
    /// Points of the score from distance.
    pub distance_part: f64,
    /// Fragility index (0–10), `None` when unknown.
    pub ifn: Option<f64>,
    /// f = IFN / 10.
    pub ifn_norm: Option<f64>,
    /// Points of the score from fragility; `None` when the IFN is unknown (weights renormalised).
    pub ifn_part: Option<f64>,
    /// The commune's population.
    pub population: u32,
    /// Its population farther than 5 km from the nearest place (all of it or none).
    pub population_beyond_5km: u32,
    /// p = log10(1 + population_beyond_5km) / log10(1 + max over the communes studied).
    pub population_norm: f64,
    /// Points of the score from population.
    pub population_part: f64,
    /// Whether the weights were renormalised because the IFN is unknown.
    pub renormalised: bool,
    /// 0–100.
    pub score: f64,
}

/// A commune's priority.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CommunePriority {
    pub code_insee: String,
    pub name: String,
    pub components: PriorityComponents,
}

/// A bassin de vie's priority.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BassinPriority {
    /// `None`: the communes the lookup placed in no bassin.
    pub code: Option<String>,
    pub communes: u32,
    pub population: u64,
    /// Population of its communes farther than 10 km from the nearest place.
    pub population_beyond_10km: u64,
    /// Population-weighted mean of its communes' scores.
    pub score: f64,
    /// Population-weighted means of its communes' parts (they add up to `score`).
    pub distance_part: f64,
    pub ifn_part: f64,
    pub population_part: f64,
    /// Communes whose IFN was unknown.
    pub communes_without_ifn: u32,
}

/// Computes the components for one commune (`max_beyond_5km`: the maximum over the communes studied).
pub fn priority_components(
    distance_km: Option<f64>,
    ifn: Option<f64>,
    population: u32,
    max_beyond_5km: u32,
) -> PriorityComponents {
    let (wd, wf, wp) = PRIORITY_WEIGHTS;
    let d = distance_km.map_or(1.0, |km| km.min(PRIORITY_DISTANCE_CAP_KM) / PRIORITY_DISTANCE_CAP_KM);
    let ifn = ifn.filter(|v| v.is_finite()).map(|v| v.clamp(0.0, 10.0));
    let population_beyond_5km = if beyond(distance_km, PRIORITY_POPULATION_THRESHOLD_KM) { population } else { 0 };
    let p = if max_beyond_5km == 0 {
        0.0
    } else {
        (1.0 + population_beyond_5km as f64).log10() / (1.0 + max_beyond_5km as f64).log10()
    };
    let scale = match ifn {
        Some(_) => 100.0,
        None => 100.0 / (wd + wp),
    };
    let distance_part = scale * wd * d;
    let population_part = scale * wp * p;
    let ifn_norm = ifn.map(|v| v / 10.0);
    let ifn_part = ifn_norm.map(|f| scale * wf * f);
    PriorityComponents {
        distance_km,
        distance_norm: d,
        distance_part,
        ifn,
        ifn_norm,
        ifn_part,
        population,
        population_beyond_5km,
        population_norm: p,
        population_part,
        renormalised: ifn.is_none(),
        score: distance_part + population_part + ifn_part.unwrap_or(0.0),
    }
}

impl CoverageIndex<'_> {
    /// Aggregates the covered communes to an administrative level, sorted by code.
    pub fn aggregate(&self, level: Level) -> Vec<AreaCoverage> {
        self.aggregate_by(|commune| match level {
            Level::Epci => commune.siren_epci.clone(),
            Level::Departement => Some(commune.code_departement.clone()),
            Level::Region => Some(commune.code_region.clone()),
            Level::Total => Some("total".to_owned()),
        })
    }

    /// Aggregates the covered communes to the hub's bassins de vie (`bassin_of` maps a
    /// commune's INSEE code to its bassin's code), sorted by code, `None` last.
    pub fn aggregate_bassins(&self, bassin_of: impl Fn(&str) -> Option<String>) -> Vec<AreaCoverage> {
        self.aggregate_by(|commune| bassin_of(&commune.code_insee))
    }

    /// Aggregates the covered communes by any key.
    pub fn aggregate_by(&self, key: impl Fn(&Commune) -> Option<String>) -> Vec<AreaCoverage> {
        let mut areas: BTreeMap<(bool, Option<String>), AreaCoverage> = BTreeMap::new();
        for c in 0..self.commune_count() {
            let commune = self.commune_at(c);
            let code = key(commune);
            let area = areas
                .entry((code.is_none(), code.clone()))
                .or_insert_with(|| AreaCoverage::new(code, &self.thresholds));
            let population = commune.population.unwrap_or(0) as u64;
            let distance = self.nearest_km_at(c);
            area.communes += 1;
            area.population += population;
            let places = self.places_in_at(c);
            area.places += places;
            if places == 0 {
                area.communes_without_place += 1;
            }
            for (k, &t) in self.thresholds.iter().enumerate() {
                if beyond(distance, t) {
                    area.population_beyond[k] += population;
                }
            }
        }
        areas
            .into_values()
            .map(|mut a| {
                a.finish();
                a
            })
            .collect()
    }

    /// The priority of every covered commune, highest score first (ties by code).
    pub fn priorities(&self, ifn_of: impl Fn(&str) -> Option<f64>) -> Vec<CommunePriority> {
        let max_beyond = (0..self.commune_count())
            .filter(|&c| beyond(self.nearest_km_at(c), PRIORITY_POPULATION_THRESHOLD_KM))
            .map(|c| self.commune_at(c).population.unwrap_or(0))
            .max()
            .unwrap_or(0);
        let mut out: Vec<CommunePriority> = (0..self.commune_count())
            .map(|c| {
                let commune = self.commune_at(c);
                CommunePriority {
                    code_insee: commune.code_insee.clone(),
                    name: commune.name.clone(),
                    components: priority_components(
                        self.nearest_km_at(c),
                        ifn_of(&commune.code_insee),
                        commune.population.unwrap_or(0),
                        max_beyond,
                    ),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.components.score.total_cmp(&a.components.score).then_with(|| a.code_insee.cmp(&b.code_insee))
        });
        out
    }

    /// The priority of every bassin de vie, highest score first.
    pub fn bassin_priorities(
        &self,
        bassin_of: impl Fn(&str) -> Option<String>,
        ifn_of: impl Fn(&str) -> Option<f64>,
    ) -> Vec<BassinPriority> {
        struct Acc {
            b: BassinPriority,
            weighted: [f64; 4],
            plain: [f64; 4],
        }
        let mut accs: BTreeMap<(bool, Option<String>), Acc> = BTreeMap::new();
        for priority in self.priorities(&ifn_of) {
            let code = bassin_of(&priority.code_insee);
            let acc = accs.entry((code.is_none(), code.clone())).or_insert_with(|| Acc {
                b: BassinPriority {
                    code,
                    communes: 0,
                    population: 0,
                    population_beyond_10km: 0,
                    score: 0.0,
                    distance_part: 0.0,
                    ifn_part: 0.0,
                    population_part: 0.0,
                    communes_without_ifn: 0,
                },
                weighted: [0.0; 4],
                plain: [0.0; 4],
            });
            let c = &priority.components;
            let parts = [c.score, c.distance_part, c.ifn_part.unwrap_or(0.0), c.population_part];
            acc.b.communes += 1;
            acc.b.population += c.population as u64;
            if beyond(c.distance_km, 10.0) {
                acc.b.population_beyond_10km += c.population as u64;
            }
            if c.ifn.is_none() {
                acc.b.communes_without_ifn += 1;
            }
            for (k, part) in parts.iter().enumerate() {
                acc.weighted[k] += part * c.population as f64;
                acc.plain[k] += part;
            }
        }
        let mut out: Vec<BassinPriority> = accs
            .into_values()
            .map(|mut acc| {
                let means: [f64; 4] = if acc.b.population > 0 {
                    acc.weighted.map(|v| v / acc.b.population as f64)
                } else {
                    acc.plain.map(|v| v / acc.b.communes.max(1) as f64)
                };
                acc.b.score = means[0];
                acc.b.distance_part = means[1];
                acc.b.ifn_part = means[2];
                acc.b.population_part = means[3];
                acc.b
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.code.cmp(&b.code)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_add_up() {
        let c = priority_components(Some(15.0), Some(5.0), 1000, 1000);
        assert!((c.distance_norm - 0.5).abs() < 1e-12);
        assert!((c.population_norm - 1.0).abs() < 1e-12);
        assert!((c.score - 100.0 * (0.5 * 0.5 + 0.3 * 0.5 + 0.2 * 1.0)).abs() < 1e-9, "{c:?}");
        assert!((c.distance_part + c.ifn_part.unwrap() + c.population_part - c.score).abs() < 1e-9);
        assert!(!c.renormalised);
    }

    #[test]
    fn missing_ifn_renormalises() {
        let c = priority_components(Some(60.0), None, 10, 1000);
        assert!(c.renormalised);
        assert_eq!(c.ifn_part, None);
        let p = (11f64).log10() / (1001f64).log10();
        assert!((c.score - 100.0 * (0.5 * 1.0 + 0.2 * p) / 0.7).abs() < 1e-9, "{c:?}");
        // No place at all: the distance component is full, everyone is beyond 5 km.
        let c = priority_components(None, Some(10.0), 0, 0);
        assert_eq!(c.distance_norm, 1.0);
        assert_eq!(c.population_norm, 0.0);
        assert!((c.score - 80.0).abs() < 1e-9);
        // Close: no population beyond 5 km.
        let c = priority_components(Some(2.0), Some(0.0), 5000, 5000);
        assert_eq!(c.population_beyond_5km, 0);
        assert_eq!(c.population_part, 0.0);
    }

    #[test]
    fn formula_is_french_and_complete() {
        let f = formula();
        for needle in ["0,5·d", "0,3·f", "0,2·p", "30", "IFN", "renormalisés", "pondérée par leur population"] {
            assert!(f.contains(needle), "{needle}");
        }
    }
}
