//! Places in their territory: which commune a place is in (from its INSEE code, else its
//! postcode and commune name, else its coordinates), hence its EPCI, the hub's bassin de vie,
//! département and région; the places and counts of a territory; the hub's bassins de vie
//! ([`bassins`]); territories named in a request ([`areas`]); where places are for scope
//! checks ([`Locator`]).

mod areas;
pub mod bassins;
mod locator;

use std::collections::BTreeMap;

use maillage_domain::{PlaceRecord, Problem};
use maillage_territory::{distance_km, Commune, LatLon, MatchKind, Territory};
use serde::Serialize;

pub use areas::parse_areas;
pub use bassins::{
    check_bassins, derive_bassins, read_bassins_csv, write_bassins_csv, BassinDerivation, BassinIndex, CoverageCheck,
};
pub use locator::Locator;

/// The départements of the hub: those of its bassins de vie (none before they are described).
pub fn hub_departements(store: &dyn maillage_store::Store) -> crate::AppResult<std::collections::BTreeSet<String>> {
    Ok(store.bassins()?.into_iter().map(|member| member.departement).collect())
}

/// The département a place is in, read from its codes without the territory: its INSEE code's,
/// else its postcode's (Corsica's postcodes say 20: both of its départements); none when
/// neither is a five-character code.
pub fn departements_of(code_insee: Option<&str>, code_postal: &str) -> Vec<String> {
    if let Some(code) = code_insee.map(str::trim).filter(|code| code.len() == 5 && code.is_ascii()) {
        let length = if code.starts_with("97") || code.starts_with("98") { 3 } else { 2 };
        return vec![code[..length].to_owned()];
    }
    match code_postal.trim() {
        code if code.len() != 5 || !code.is_ascii() => Vec::new(),
        code if code.starts_with("20") => vec!["2A".to_owned(), "2B".to_owned()],
        code if code.starts_with("97") || code.starts_with("98") => vec![code[..3].to_owned()],
        code => vec![code[..2].to_owned()],
    }
}

/// Coordinates this far outside the place's own commune are flagged: real files have places
/// geocoded in the wrong town.
pub const OUTSIDE_COMMUNE_KM: f64 = 5.0;

/// How a place's commune was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocatedBy {
    CodeInsee,
    PostcodeAndName,
    Coordinates,
}

/// Where a place is, at every level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaceLocation {
    pub code_commune: String,
    pub commune: String,
    pub code_epci: Option<String>,
    pub code_departement: String,
    pub code_region: String,
    pub bassin: Option<String>,
    /// The place's own coordinates, or its commune's point when it has none.
    pub point: Option<LatLon>,
    /// True when `point` is the commune's point, not the place's.
    pub approximate: bool,
    pub located_by: LocatedBy,
}

/// Finds the commune of a record, without changing it.
pub fn find_commune<'t>(territory: &'t Territory, record: &PlaceRecord) -> Option<(&'t Commune, LocatedBy)> {
    if let Some(code) = record.code_insee.as_deref() {
        if let Some(commune) = territory.resolve_code(code) {
            return Some((commune, LocatedBy::CodeInsee));
        }
    }
    if let Some(found) = territory.match_commune(&record.code_postal, &record.commune) {
        if found.kind != MatchKind::PostcodeOnly || record.commune.trim().is_empty() {
            return Some((found.commune, LocatedBy::PostcodeAndName));
        }
    }
    if let Some(c) = record.coordinates {
        if let Some(commune) = territory.commune_at(c.latitude, c.longitude) {
            return Some((commune, LocatedBy::Coordinates));
        }
    }
    None
}

/// Locates a record at every level.
pub fn locate(territory: &Territory, bassins: &BassinIndex, record: &PlaceRecord) -> Option<PlaceLocation> {
    let (commune, located_by) = find_commune(territory, record)?;
    let (point, approximate) = match record.coordinates {
        Some(c) => (Some(LatLon::new(c.latitude, c.longitude)), false),
        None => (commune.point, true),
    };
    Some(PlaceLocation {
        code_commune: commune.code_insee.clone(),
        commune: commune.name.clone(),
        code_epci: commune.siren_epci.clone(),
        code_departement: commune.code_departement.clone(),
        code_region: commune.code_region.clone(),
        bassin: bassins.bassin_of(&commune.code_insee).map(str::to_owned),
        point,
        approximate,
        located_by,
    })
}

/// Places a freshly built record in its territory during an import: fills a missing INSEE
/// code from the postcode and name (or the coordinates), flags coordinates far from the
/// commune, and says when the place will be shown at its commune's point.
pub fn enrich(territory: &Territory, record: &mut PlaceRecord, problems: &mut Vec<Problem>) {
    if let Some(code) = record.code_insee.clone() {
        match territory.resolve_code_detail(&code) {
            Some(resolved) if resolved.commune.code_insee != code => problems.push(Problem::info(
                "code_insee",
                &code,
                format!(
                    "ancien code ou arrondissement : rattaché à la commune {} ({})",
                    resolved.commune.name, resolved.commune.code_insee
                ),
            )),
            Some(_) => {}
            None => problems.push(Problem::warning(
                "code_insee",
                &code,
                "code INSEE inconnu du code officiel géographique en vigueur",
            )),
        }
    }
    let Some((commune, located_by)) = find_commune(territory, record) else {
        problems.push(Problem::warning(
            "commune",
            &format!("{} {}", record.code_postal, record.commune),
            "commune introuvable (ni code INSEE, ni code postal et nom, ni coordonnées reconnus) : lieu hors des statistiques territoriales",
        ));
        return;
    };
    match located_by {
        LocatedBy::CodeInsee => {}
        LocatedBy::PostcodeAndName => {
            problems.push(Problem::info(
                "code_insee",
                &commune.code_insee,
                format!("code INSEE déduit du code postal et du nom de la commune ({})", commune.name),
            ));
            record.code_insee = Some(commune.code_insee.clone());
        }
        LocatedBy::Coordinates => {
            problems.push(Problem::warning(
                "code_insee",
                &commune.code_insee,
                format!(
                    "commune « {} » non reconnue : code INSEE déduit des coordonnées ({})",
                    record.commune, commune.name
                ),
            ));
            record.code_insee = Some(commune.code_insee.clone());
        }
    }
    match record.coordinates {
        None => problems.push(Problem::info(
            "latitude",
            "",
            format!(
                "pas de coordonnées : le lieu est placé au centre de la commune ({}), position approchée",
                commune.name
            ),
        )),
        Some(c) => {
            if territory.has_geometry(&commune.code_insee)
                && !territory.commune_contains(&commune.code_insee, c.latitude, c.longitude)
            {
                let here = LatLon::new(c.latitude, c.longitude);
                let distance = commune.point.map(|point| distance_km(point, here)).unwrap_or(f64::INFINITY);
                // The distance to the commune's point overstates the distance to its border
                // by about the commune's radius.
                let radius = territory
                    .commune_area_km2(&commune.code_insee)
                    .map(|area| (area / std::f64::consts::PI).sqrt())
                    .unwrap_or(0.0);
                if distance - radius > OUTSIDE_COMMUNE_KM {
                    let elsewhere = territory
                        .commune_at(c.latitude, c.longitude)
                        .map(|other| format!(", dans la commune {} ({})", other.name, other.code_insee))
                        .unwrap_or_default();
                    problems.push(Problem::warning(
                        "latitude",
                        &format!("{}, {}", c.latitude, c.longitude),
                        format!(
                            "coordonnées à environ {:.0} km de {} ({}){elsewhere} : à vérifier",
                            distance, commune.name, commune.code_insee
                        ),
                    ));
                }
            }
        }
    }
}

/// A place whose coordinates fall this close outside a commune's simplified polygon (the
/// coast, a small island) still belongs to it when its commune must be found from them.
const REPAIR_NEAREST_KM: f64 = 1.0;

/// Fills the commune or the postcode a row lacks from what the territory knows, before the
/// record is built (both are required: without this, the row would be rejected). The commune
/// comes from the row's INSEE code, else from its coordinates, else from a postcode that only
/// one commune has; the postcode from that commune (or the arrondissement its coordinates are
/// in) when it has only one. Every repair is reported; a field that cannot be repaired is
/// reported too, with the reason, and the builder then rejects the row.
pub fn repair(territory: &Territory, raw: &mut maillage_domain::RawRecord, problems: &mut Vec<Problem>) {
    let present = |raw: &maillage_domain::RawRecord, field: &str| {
        raw.fields.get(field).is_some_and(|value| !value.trim().is_empty())
    };
    let lacks_commune = !present(raw, "commune");
    let lacks_postcode = !present(raw, "code_postal");
    if !lacks_commune && !lacks_postcode {
        return;
    }
    let coordinate = |field: &str| {
        raw.fields
            .get(field)
            .and_then(|value| value.trim().replace(',', ".").parse::<f64>().ok())
            .filter(|v| v.is_finite())
    };
    let point = match (coordinate("latitude"), coordinate("longitude")) {
        (Some(lat), Some(lon)) if (lat, lon) != (0.0, 0.0) => Some((lat, lon)),
        _ => None,
    };
    let by_code =
        raw.fields.get("code_insee").and_then(|code| territory.resolve_code(code)).map(|c| (c, "du code INSEE"));
    let by_point = || {
        point
            .and_then(|(lat, lon)| territory.nearest_commune(lat, lon, REPAIR_NEAREST_KM))
            .map(|(commune, _)| (commune, "des coordonnées"))
    };
    let by_postcode = || {
        let postcode = raw.fields.get("code_postal")?;
        match territory.communes_with_postcode(postcode).as_slice() {
            [only] => Some((*only, "du code postal, qu'elle est seule à porter")),
            _ => None,
        }
    };
    let Some((commune, how)) = by_code.or_else(by_point).or_else(by_postcode) else {
        let missing = if lacks_commune { "commune" } else { "code_postal" };
        problems.push(Problem::warning(
            missing,
            "",
            "champ obligatoire absent et rien dans le territoire pour le déduire (ni code INSEE, ni coordonnées, \
             ni code postal connus des communes françaises)",
        ));
        return;
    };
    if lacks_commune {
        problems.push(Problem::info(
            "commune",
            &commune.name,
            format!("commune absente de la ligne : déduite {how} ({}, {})", commune.name, commune.code_insee),
        ));
        raw.set("commune", commune.name.clone());
    }
    if lacks_postcode {
        // In Paris, Lyon and Marseille the arrondissement has the postcode, not the commune.
        let arrondissement = point.and_then(|(lat, lon)| territory.arrondissement_at(lat, lon));
        let postcodes = match arrondissement {
            Some(arrondissement) if arrondissement.code_commune == commune.code_insee => &arrondissement.postcodes,
            _ => &commune.postcodes,
        };
        match postcodes.as_slice() {
            [only] => {
                problems.push(Problem::info(
                    "code_postal",
                    only,
                    format!("code postal absent de la ligne : celui de la commune {} ({how})", commune.name),
                ));
                raw.set("code_postal", only.clone());
            }
            [] => problems.push(Problem::warning(
                "code_postal",
                "",
                format!("code postal absent de la ligne, et aucun n'est connu pour la commune {}", commune.name),
            )),
            several => problems.push(Problem::warning(
                "code_postal",
                &several.join(", "),
                format!(
                    "code postal absent de la ligne, et la commune {} en a plusieurs : impossible de choisir",
                    commune.name
                ),
            )),
        }
    }
}

/// A territorial level above the commune, or the commune itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Commune,
    Epci,
    Bassin,
    Departement,
    Region,
}

impl Level {
    pub fn parse(text: &str) -> Option<Self> {
        match maillage_domain::text::fold(text).as_str() {
            "commune" | "communes" => Some(Level::Commune),
            "epci" => Some(Level::Epci),
            "bassin" | "bassins" | "bassin de vie" | "bv" => Some(Level::Bassin),
            "departement" | "departements" | "dep" => Some(Level::Departement),
            "region" | "regions" | "reg" => Some(Level::Region),
            _ => None,
        }
    }

    /// The code of a location at this level.
    pub fn code_of(self, location: &PlaceLocation) -> Option<&str> {
        match self {
            Level::Commune => Some(&location.code_commune),
            Level::Epci => location.code_epci.as_deref(),
            Level::Bassin => location.bassin.as_deref(),
            Level::Departement => Some(&location.code_departement),
            Level::Region => Some(&location.code_region),
        }
    }

    /// The name of a territory of this level.
    pub fn name_of(self, territory: &Territory, code: &str) -> String {
        match self {
            Level::Commune => territory.commune(code).map(|c| c.name.clone()),
            Level::Epci => territory.epci(code).map(|e| e.name.clone()),
            Level::Bassin => Some(code.to_owned()),
            Level::Departement => territory.departement(code).map(|d| d.name.clone()),
            Level::Region => territory.region(code).map(|r| r.name.clone()),
        }
        .unwrap_or_default()
    }
}

/// Counts of places per territory of one level; places that could not be located are
/// counted under the empty code.
pub fn count_places(
    territory: &Territory,
    bassins: &BassinIndex,
    places: &[maillage_domain::Place],
    level: Level,
) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for place in places {
        let code = locate(territory, bassins, &place.record)
            .and_then(|location| level.code_of(&location).map(str::to_owned))
            .unwrap_or_default();
        *counts.entry(code).or_default() += 1;
    }
    counts
}

/// The places of one territory (code at the given level).
pub fn places_in<'p>(
    territory: &Territory,
    bassins: &BassinIndex,
    places: &'p [maillage_domain::Place],
    level: Level,
    code: &str,
) -> Vec<&'p maillage_domain::Place> {
    places
        .iter()
        .filter(|place| {
            locate(territory, bassins, &place.record)
                .map(|location| level.code_of(&location) == Some(code))
                .unwrap_or(false)
        })
        .collect()
}
