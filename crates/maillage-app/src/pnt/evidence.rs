//! The evidence beside a project: the coverage figures of the communes it serves (people
//! beyond 10 km of the nearest place, the priority score crossed with the IFN), computed live
//! by the very code of `maillage coverage` (the commune level, the hub's perimeter, the default
//! thresholds), through the server's cache when it has one.

use maillage_territory::Territory;
use serde::Serialize;

use crate::context::Context;
use crate::coverage::{coverage, CoverageCache, CoverageReport, CoverageRequest};
use crate::AppResult;

/// The distance the evidence counts people beyond, in km (one of the default thresholds).
pub const EVIDENCE_KM: f64 = 10.0;

/// One commune's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CommuneEvidence {
    pub code: String,
    pub nom: String,
    pub population: u64,
    /// People living farther than [`EVIDENCE_KM`] from the nearest place.
    pub population_au_dela_10_km: u64,
    /// Distance to the nearest place, km.
    pub distance_km: Option<f64>,
    pub priorite: Option<f64>,
    pub ifn: Option<f64>,
}

/// A project's evidence: its communes' figures, and those outside the hub's perimeter.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Evidence {
    pub communes: Vec<CommuneEvidence>,
    /// Codes the coverage does not study (outside the hub's départements).
    pub hors_perimetre: Vec<String>,
}

/// The request `maillage coverage` makes with its defaults.
pub fn request() -> CoverageRequest {
    CoverageRequest::default()
}

/// The figures of `communes` taken from a coverage report at the commune level.
pub fn from_report(report: &CoverageReport, communes: &[String]) -> Evidence {
    let key = format!("{EVIDENCE_KM} km");
    let mut evidence = Evidence::default();
    for code in communes {
        match report.lignes.iter().find(|row| &row.code == code) {
            Some(row) => evidence.communes.push(CommuneEvidence {
                code: row.code.clone(),
                nom: row.nom.clone(),
                population: row.population,
                population_au_dela_10_km: row.population_au_dela.get(&key).copied().unwrap_or(0),
                distance_km: row.lieu_le_plus_proche.as_ref().map(|nearest| nearest.distance_km),
                priorite: row.priorite.as_ref().map(|p| p.score),
                ifn: row.priorite.as_ref().and_then(|p| p.ifn),
            }),
            None => evidence.hors_perimetre.push(code.clone()),
        }
    }
    evidence
}

/// The evidence of these communes, computed now (or taken from the cache for the store's
/// current data version).
pub fn evidence(
    ctx: &Context<'_>,
    territory: &Territory,
    cache: Option<&CoverageCache>,
    communes: &[String],
) -> AppResult<Evidence> {
    if communes.is_empty() {
        return Ok(Evidence::default());
    }
    match cache {
        Some(cache) => Ok(from_report(&cache.coverage(ctx.store, territory, &request())?.report, communes)),
        None => Ok(from_report(&coverage(ctx.store, territory, &request())?, communes)),
    }
}
