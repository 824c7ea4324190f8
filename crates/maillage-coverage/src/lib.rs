//! Coverage ("zones blanches") engine: per commune, the great-circle distance from its
//! representative point to the nearest place, the population beyond distance thresholds,
//! aggregations and an explainable priority score. Pure computation, no IO.
//!
//! # Use
//!
//! 1. Choose the places: active ones matching a [`Filters`] list (an AND of
//!    [`PlaceFilter`]s: `service=…`, `public=…`, `gratuit`, `label=…`, `jour=…`, `weekend`,
//!    `itinerant`, `fixe`), each with the point that stands for it ([`CoveragePlace`]).
//!    [`Filters::select`] does it for a slice of [`maillage_domain::Place`].
//! 2. [`CoverageIndex::build`] (all of France) or [`CoverageIndex::build_scoped`] (a hub's
//!    communes) computes every covered commune's nearest place. Communes without a point
//!    are listed by [`CoverageIndex::unlocated_communes`], never guessed.
//! 3. Read [`CoverageIndex::communes`], [`CoverageIndex::aggregate`] (EPCI, département,
//!    région, total), [`CoverageIndex::aggregate_bassins`], [`CoverageIndex::priorities`]
//!    and [`CoverageIndex::bassin_priorities`].
//! 4. Keep it current with [`CoverageIndex::add_place`], [`CoverageIndex::move_place`] and
//!    [`CoverageIndex::remove_place`]: only the communes a change can affect are touched,
//!    and the result is identical to [`CoverageIndex::recompute_all`].
//!
//! A place that stops matching the filters after an edit is a removal for that index; one
//! that starts matching is an addition.
//!
//! # Nearest place
//!
//! Great-circle distance on the mean sphere (`maillage_territory::distance_km`), ties broken
//! by the smaller place id. Places sit in an R-tree of their points on the unit sphere;
//! chord length is monotonic with great-circle distance, so the nearest by chord are the
//! nearest on the sphere, reranked by the exact distance. An added place is compared with
//! each commune's current nearest chord (a linear pass over unit vectors, about 50 µs for
//! all of France); a withdrawn place's communes get a fresh R-tree query.
//!
//! # Population beyond thresholds
//!
//! A commune's whole population counts as "beyond t km" when its nearest place is strictly
//! farther than t km, or when there is no place at all. Thresholds default to 5, 10, 15 and
//! 20 km ([`CoverageIndex::with_thresholds`]). Aggregates also give the places in the area
//! (by each place's `code_commune`), places per 10,000 inhabitants and the share of communes
//! without a place.
//!
//! # Priority score
//!
//! ```text
//! score = 100 × (0.5·d + 0.3·f + 0.2·p)
//!   d = min(distance_km, 30) / 30            (1 when there is no place at all)
//!   f = IFN / 10                             (fragility index 0–10 of the commune)
//!   p = log10(1 + pop_beyond_5km) / log10(1 + max pop_beyond_5km over the communes studied)
//!                                            (0 when that maximum is 0)
//! IFN unknown: f is absent and the other weights are renormalised:
//!   score = 100 × (0.5·d + 0.2·p) / 0.7
//! ```
//!
//! Each component is returned as its contribution in points ([`PriorityComponents`]:
//! `distance_part + ifn_part + population_part = score`). A bassin de vie's score is the
//! population-weighted mean of its communes' scores (plain mean if its population is 0),
//! given with the population farther than 10 km. [`formula`] is the same text in French for
//! outputs.

pub mod filter;
pub mod index;
pub mod stats;

pub use filter::{FilterError, Filters, Jour, Label, PlaceFilter, REFERENCE_MONDAY};
pub use index::{
    CommuneCoverage, CoverageError, CoverageIndex, CoveragePlace, Nearest, UpdateReport, DEFAULT_THRESHOLDS_KM,
};
pub use stats::{
    formula, priority_components, AreaCoverage, BassinPriority, CommunePriority, Level, PriorityComponents,
    PRIORITY_DISTANCE_CAP_KM, PRIORITY_POPULATION_THRESHOLD_KM, PRIORITY_WEIGHTS,
};

use maillage_domain::{Place, PlaceStatus};

impl Filters {
    /// The active places that match, each with the point `locate` gives it (`None`: the
    /// place cannot be placed and is left out).
    pub fn select(&self, places: &[Place], locate: impl Fn(&Place) -> Option<CoveragePlace>) -> Vec<CoveragePlace> {
        places.iter().filter(|p| p.status == PlaceStatus::Active && self.matches(p)).filter_map(locate).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use maillage_domain::{PlaceId, PlaceRecord, Service};
    use maillage_territory::LatLon;

    fn place(id: &str, status: PlaceStatus, service: Option<Service>) -> Place {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut record = PlaceRecord { id: id.into(), nom: format!("Lieu {id}"), ..Default::default() };
        record.services.extend(service);
        Place { status, ..Place::first_version(PlaceId(id.into()), "test", id, record, at) }
    }

    #[test]
    fn select_keeps_active_matching_places() {
        let places = [
            place("a", PlaceStatus::Active, Some(Service::AideDemarchesAdministratives)),
            place("b", PlaceStatus::Withdrawn, Some(Service::AideDemarchesAdministratives)),
            place("c", PlaceStatus::Active, Some(Service::LoisirsCreations)),
            place("d", PlaceStatus::Active, Some(Service::AideDemarchesAdministratives)),
        ];
        let locate = |p: &Place| {
            (p.id.0 != "d").then(|| CoveragePlace {
                id: p.id.0.clone(),
                name: p.record.nom.clone(),
                point: LatLon::new(47.0, 1.0),
                code_commune: None,
            })
        };
        let filters = Filters::parse(["service=Aide aux démarches administratives"]).unwrap();
        let ids: Vec<String> = filters.select(&places, locate).into_iter().map(|p| p.id).collect();
        assert_eq!(ids, ["a"]);
        assert_eq!(Filters::default().select(&places, locate).len(), 2);
        assert!(filters.matches(&places[0]));
    }
}
