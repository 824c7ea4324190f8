//! Places in their territory: which commune a place is in (from its INSEE code, else its
//! postcode and commune name, else its coordinates), hence its EPCI, the hub's bassin de vie,
//! département and région; the hub's bassins de vie (derived from an export, checked for
//! coverage, read and written as CSV).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use maillage_domain::{PlaceRecord, Problem};
use maillage_store::{BassinMember, MemberKind};
use maillage_territory::{distance_km, Commune, LatLon, MatchKind, Territory};
use serde::Serialize;

/// Coordinates this far outside the place's own commune are flagged: real files have places
/// geocoded in the wrong town.
pub const OUTSIDE_COMMUNE_KM: f64 = 5.0;

/// Which bassin de vie each commune belongs to, from the hub's configuration.
#[derive(Clone, Debug, Default)]
pub struct BassinIndex {
    by_commune: HashMap<String, String>,
    departement: BTreeMap<String, String>,
}

impl BassinIndex {
    /// Expands EPCI members to their communes; a commune listed on its own wins over its
    /// EPCI (that is how a split EPCI is described).
    pub fn new(members: &[BassinMember], territory: &Territory) -> Self {
        let mut by_commune = HashMap::new();
        let mut departement = BTreeMap::new();
        for member in members.iter().filter(|m| m.kind == MemberKind::Epci) {
            for commune in territory.epci_members(&member.code) {
                by_commune.insert(commune.code_insee.clone(), member.bassin.clone());
            }
        }
        for member in members.iter().filter(|m| m.kind == MemberKind::Commune) {
            if let Some(commune) = territory.resolve_code(&member.code) {
                by_commune.insert(commune.code_insee.clone(), member.bassin.clone());
            }
        }
        for member in members {
            departement.entry(member.bassin.clone()).or_insert_with(|| member.departement.clone());
        }
        BassinIndex { by_commune, departement }
    }

    /// The bassin de vie of a commune (current INSEE code).
    pub fn bassin_of(&self, code_commune: &str) -> Option<&str> {
        self.by_commune.get(code_commune).map(String::as_str)
    }

    /// Every bassin with its département, by name.
    pub fn bassins(&self) -> &BTreeMap<String, String> {
        &self.departement
    }

    /// The communes of one bassin.
    pub fn communes_of<'a>(&'a self, bassin: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.by_commune.iter().filter(move |(_, name)| name.as_str() == bassin).map(|(code, _)| code.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.by_commune.is_empty()
    }
}

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

/// What deriving bassins de vie from a hub's export found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BassinDerivation {
    pub members: Vec<BassinMember>,
    /// EPCI whose places name several bassins: decided by majority, listed here.
    pub conflicts: Vec<String>,
    /// EPCI names of the export that match no current EPCI.
    pub unresolved: Vec<String>,
    /// EPCI of the hub's départements where the export has no place: given to the bassin of
    /// the nearest EPCI that has one, so the bassins cover the whole territory.
    pub by_proximity: Vec<String>,
}

/// Derives bassins de vie from places carrying their bassin and EPCI name as extra
/// attributes (`bassin_de_vie`, `epci_nom`): each EPCI goes to the bassin most of its places
/// name; a bassin's département is the one most of its places are in.
pub fn derive_bassins(territory: &Territory, places: &[maillage_domain::Place]) -> BassinDerivation {
    let mut votes: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut bassin_departements: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut unresolved = BTreeSet::new();
    for place in places {
        let Some(bassin) = place.extras.get("bassin_de_vie").map(|b| b.trim()).filter(|b| !b.is_empty()) else {
            continue;
        };
        let commune = find_commune(territory, &place.record).map(|(commune, _)| commune);
        let departement = commune.map(|c| c.code_departement.clone());
        if let Some(dep) = &departement {
            *bassin_departements.entry(bassin.to_owned()).or_default().entry(dep.clone()).or_default() += 1;
        }
        let epci = match place.extras.get("epci_nom").map(|name| name.trim()).filter(|name| !name.is_empty()) {
            Some(name) => match territory.find_epci_by_name(name, departement.as_deref()) {
                Some(epci) => Some(epci.siren.clone()),
                None => {
                    unresolved.insert(name.to_owned());
                    commune.and_then(|c| c.siren_epci.clone())
                }
            },
            None => commune.and_then(|c| c.siren_epci.clone()),
        };
        if let Some(siren) = epci {
            *votes.entry(siren).or_default().entry(bassin.to_owned()).or_default() += 1;
        }
    }
    let mut members = Vec::new();
    let mut conflicts = Vec::new();
    for (siren, tally) in &votes {
        let (winner, count) = tally.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).expect("a vote exists");
        if tally.len() > 1 {
            let name = territory.epci(siren).map(|e| e.name.as_str()).unwrap_or(siren);
            let detail: Vec<String> = tally.iter().map(|(b, n)| format!("{b} : {n}")).collect();
            conflicts.push(format!("{name} ({siren}) : {} — retenu : {winner} ({count})", detail.join(", ")));
        }
        let departement = bassin_departements
            .get(winner)
            .and_then(|deps| deps.iter().max_by_key(|(_, n)| **n).map(|(d, _)| d.clone()))
            .unwrap_or_default();
        members.push(BassinMember { bassin: winner.clone(), departement, kind: MemberKind::Epci, code: siren.clone() });
    }
    let by_proximity = complete_by_proximity(territory, &mut members);
    members.sort();
    BassinDerivation { members, conflicts, unresolved: unresolved.into_iter().collect(), by_proximity }
}

/// Gives every EPCI with communes in the bassins' départements, and no bassin yet, to the
/// bassin of the nearest commune that has one in the same département.
fn complete_by_proximity(territory: &Territory, members: &mut Vec<BassinMember>) -> Vec<String> {
    let departements: BTreeSet<String> = members.iter().map(|m| m.departement.clone()).collect();
    let index = BassinIndex::new(members, territory);
    let assigned: Vec<(&Commune, &str)> = departements
        .iter()
        .flat_map(|dep| territory.departement_communes(dep))
        .filter_map(|commune| index.bassin_of(&commune.code_insee).map(|bassin| (commune, bassin)))
        .collect();
    let known: BTreeSet<String> =
        members.iter().filter(|m| m.kind == MemberKind::Epci).map(|m| m.code.clone()).collect();
    let mut added = Vec::new();
    let mut reported = Vec::new();
    let orphan_epcis: BTreeSet<String> = departements
        .iter()
        .flat_map(|dep| territory.departement_communes(dep))
        .filter(|commune| index.bassin_of(&commune.code_insee).is_none())
        .filter_map(|commune| commune.siren_epci.clone())
        .filter(|siren| !known.contains(siren))
        .collect();
    for siren in orphan_epcis {
        let inside: Vec<&Commune> =
            territory.epci_members(&siren).filter(|c| departements.contains(&c.code_departement)).collect();
        let mut best: Option<(f64, &str, &str)> = None;
        for commune in &inside {
            let Some(point) = commune.point else { continue };
            for (other, bassin) in
                assigned.iter().filter(|(other, _)| other.code_departement == commune.code_departement)
            {
                if let Some(other_point) = other.point {
                    let distance = distance_km(point, other_point);
                    if best.map(|(d, _, _)| distance < d).unwrap_or(true) {
                        best = Some((distance, bassin, &other.code_departement));
                    }
                }
            }
        }
        if let Some((_, bassin, departement)) = best {
            let departement = index.bassins().get(bassin).cloned().unwrap_or_else(|| departement.to_owned());
            let name = territory.epci(&siren).map(|e| e.name.clone()).unwrap_or_default();
            reported.push(format!("{name} ({siren}) → {bassin}"));
            added.push(BassinMember { bassin: bassin.to_owned(), departement, kind: MemberKind::Epci, code: siren });
        }
    }
    members.extend(added);
    reported
}

/// The result of checking that bassins cover the hub's départements exactly once.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CoverageCheck {
    pub departements: Vec<String>,
    /// Communes of those départements in no bassin: (code, name).
    pub missing: Vec<(String, String)>,
    /// Communes claimed by two bassins: (code, name, bassins).
    pub doubled: Vec<(String, String, Vec<String>)>,
    /// Members whose code is unknown: (kind, code).
    pub unknown: Vec<(String, String)>,
}

impl CoverageCheck {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.doubled.is_empty() && self.unknown.is_empty()
    }
}

/// Checks that every commune of the bassins' départements belongs to exactly one bassin.
pub fn check_bassins(territory: &Territory, members: &[BassinMember]) -> CoverageCheck {
    let departements: BTreeSet<String> =
        members.iter().map(|m| m.departement.clone()).filter(|d| !d.is_empty()).collect();
    let mut claims: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut unknown = Vec::new();
    let split_communes: BTreeSet<String> = members
        .iter()
        .filter(|m| m.kind == MemberKind::Commune)
        .filter_map(|m| territory.resolve_code(&m.code))
        .map(|c| c.code_insee.clone())
        .collect();
    for member in members {
        match member.kind {
            MemberKind::Epci => {
                if territory.epci(&member.code).is_none() {
                    unknown.push(("epci".to_owned(), member.code.clone()));
                }
                for commune in territory.epci_members(&member.code) {
                    if !split_communes.contains(&commune.code_insee) {
                        claims.entry(commune.code_insee.clone()).or_default().insert(member.bassin.clone());
                    }
                }
            }
            MemberKind::Commune => match territory.resolve_code(&member.code) {
                Some(commune) => {
                    claims.entry(commune.code_insee.clone()).or_default().insert(member.bassin.clone());
                }
                None => unknown.push(("commune".to_owned(), member.code.clone())),
            },
        }
    }
    let mut missing = Vec::new();
    for departement in &departements {
        for commune in territory.departement_communes(departement) {
            if !claims.contains_key(&commune.code_insee) {
                missing.push((commune.code_insee.clone(), commune.name.clone()));
            }
        }
    }
    let doubled = claims
        .iter()
        .filter(|(_, bassins)| bassins.len() > 1)
        .map(|(code, bassins)| {
            let name = territory.commune(code).map(|c| c.name.clone()).unwrap_or_default();
            (code.clone(), name, bassins.iter().cloned().collect())
        })
        .collect();
    CoverageCheck { departements: departements.into_iter().collect(), missing, doubled, unknown }
}

/// Writes the bassins as CSV: `bassin,departement,type,code,nom` (the name is for people).
pub fn write_bassins_csv<W: std::io::Write>(
    territory: &Territory,
    members: &[BassinMember],
    out: W,
) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["bassin", "departement", "type", "code", "nom"])?;
    for member in members {
        let name = match member.kind {
            MemberKind::Epci => territory.epci(&member.code).map(|e| e.name.clone()),
            MemberKind::Commune => territory.resolve_code(&member.code).map(|c| c.name.clone()),
        }
        .unwrap_or_default();
        writer.write_record([
            member.bassin.as_str(),
            member.departement.as_str(),
            member.kind.as_str(),
            member.code.as_str(),
            name.as_str(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// Reads bassins from CSV (`bassin,departement,type,code[,nom]`; `type` may be omitted, a
/// 9-digit code is then an EPCI SIREN and a 5-character one a commune). Every problem is
/// given with its line; any problem refuses the whole file.
pub fn read_bassins_csv(territory: &Territory, bytes: &[u8]) -> Result<Vec<BassinMember>, Vec<String>> {
    let mut errors = Vec::new();
    let mut members = Vec::new();
    let text = String::from_utf8_lossy(bytes);
    let delimiter = maillage_formats::reader::sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(maillage_domain::text::fold).collect(),
        Err(err) => return Err(vec![format!("ligne 1 : en-tête illisible ({err})")]),
    };
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let (Some(bassin_col), Some(code_col)) =
        (column(&["bassin", "bassin de vie", "bassin_de_vie"]), column(&["code", "siren", "code insee", "epci"]))
    else {
        return Err(vec![
            "ligne 1 : colonnes « bassin » et « code » attendues (bassin,departement,type,code)".to_owned()
        ]);
    };
    let departement_col = column(&["departement", "dep"]);
    let kind_col = column(&["type", "kind"]);
    for (index, row) in reader.records().enumerate() {
        let line = index + 2;
        let row = match row {
            Ok(row) => row,
            Err(err) => {
                errors.push(format!("ligne {line} : {err}"));
                continue;
            }
        };
        let get = |col: Option<usize>| col.and_then(|c| row.get(c)).map(str::trim).unwrap_or("");
        let bassin = get(Some(bassin_col));
        let code = get(Some(code_col));
        if bassin.is_empty() || code.is_empty() {
            errors.push(format!("ligne {line} : bassin et code obligatoires"));
            continue;
        }
        let kind = match get(kind_col).to_ascii_lowercase().as_str() {
            "epci" => MemberKind::Epci,
            "commune" => MemberKind::Commune,
            "" if code.len() == 9 => MemberKind::Epci,
            "" => MemberKind::Commune,
            other => {
                errors.push(format!("ligne {line}, champ type : « {other} » (epci ou commune attendu)"));
                continue;
            }
        };
        let departement = match (kind, get(departement_col)) {
            (_, dep) if !dep.is_empty() => dep.to_owned(),
            (MemberKind::Commune, _) => {
                territory.resolve_code(code).map(|c| c.code_departement.clone()).unwrap_or_default()
            }
            (MemberKind::Epci, _) => {
                territory.epci(code).and_then(|e| e.departements.first().cloned()).unwrap_or_default()
            }
        };
        let known = match kind {
            MemberKind::Epci => territory.epci(code).is_some(),
            MemberKind::Commune => territory.resolve_code(code).is_some(),
        };
        if !known {
            errors.push(format!(
                "ligne {line}, champ code : « {code} » n'est pas un {} connu",
                if kind == MemberKind::Epci { "SIREN d'EPCI" } else { "code INSEE de commune" }
            ));
            continue;
        }
        if territory.departement(&departement).is_none() {
            errors.push(format!("ligne {line}, champ departement : « {departement} » inconnu"));
            continue;
        }
        members.push(BassinMember { bassin: bassin.to_owned(), departement, kind, code: code.to_owned() });
    }
    let mut seen = BTreeMap::new();
    for member in &members {
        if let Some(previous) = seen.insert((member.kind, member.code.clone()), member.bassin.clone()) {
            errors.push(format!(
                "{} {} listé deux fois (bassins {} et {})",
                member.kind.as_str(),
                member.code,
                previous,
                member.bassin
            ));
        }
    }
    if errors.is_empty() {
        members.sort();
        Ok(members)
    } else {
        Err(errors)
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
