//! The hub's bassins de vie: which commune belongs to which bassin, derived from an export
//! whose places name their bassin and EPCI, checked so that every commune of the hub's
//! départements is in exactly one, read from and written to CSV; and the use cases that
//! replace them, for administrators.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use maillage_store::{BassinMember, MemberKind};
use maillage_territory::{distance_km, Commune, Territory};

use super::find_commune;
use serde::Serialize;

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::{AppError, AppResult, FieldError};

/// The field of the bassins form that carries the CSV file, which a refused file's problems
/// are reported against.
pub const FILE_FIELD: &str = "fichier";

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
        // A bassin's name is typed by the hub's team: never a formula in a spreadsheet.
        maillage_formats::spreadsheet::write_safe_record(
            &mut writer,
            [
                member.bassin.as_str(),
                member.departement.as_str(),
                member.kind.as_str(),
                member.code.as_str(),
                name.as_str(),
            ],
        )?;
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
        Err(err) => return Err(vec![format!("ligne 1 : en-tête illisible ({})", maillage_formats::csv_reason(&err))]),
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
                errors.push(format!("ligne {line} : {}", maillage_formats::csv_reason(&err)));
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

/// The hub's bassins as configured, and how well they cover its départements
/// (administrators).
pub fn bassins(
    ctx: &Context<'_>,
    actor: &Actor,
    territory: &Territory,
) -> AppResult<(Vec<BassinMember>, CoverageCheck)> {
    actor.require(ctx, Permission::Administer)?;
    let members = ctx.store.bassins()?;
    let check = check_bassins(territory, &members);
    Ok((members, check))
}

/// Replaces the hub's bassins by those a CSV file lists. A file with any problem is refused
/// whole, each problem with its line ([`AppError::Invalid`] on [`FILE_FIELD`]), and nothing is
/// written. Returns how many bassins the hub now has.
pub fn import_bassins(
    ctx: &Context<'_>,
    actor: &Actor,
    territory: &Territory,
    file_name: &str,
    bytes: &[u8],
) -> AppResult<usize> {
    actor.require(ctx, Permission::Administer)?;
    let members = read_bassins_csv(territory, bytes).map_err(|problems| {
        AppError::Invalid(problems.into_iter().map(|p| FieldError::new(FILE_FIELD, p)).collect())
    })?;
    save_bassins(ctx, actor, &members, file_name)
}

/// Replaces the hub's bassins (one transaction), and says where they come from in the audit
/// log (a file name, "déduits de la source …"). An empty list is refused: a hub keeps its
/// bassins until it gives new ones. Returns how many bassins the hub now has.
pub fn save_bassins(ctx: &Context<'_>, actor: &Actor, members: &[BassinMember], origin: &str) -> AppResult<usize> {
    actor.require(ctx, Permission::Administer)?;
    if members.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new(FILE_FIELD, "Le fichier ne contient aucun bassin.")]));
    }
    ctx.store.replace_bassins(members)?;
    let count = members.iter().map(|member| member.bassin.as_str()).collect::<BTreeSet<_>>().len();
    ctx.audit(actor.id(), "bassins_importes", None, format!("{origin} : {count} bassin(s)"), maillage_store::now())?;
    Ok(count)
}
