//! France's administrative territory for Maillage: communes, EPCI, départements, régions,
//! the arrondissements municipaux of Paris, Lyon and Marseille, the commune polygons, the
//! history of merged communes' codes, and the queries the rest of Maillage asks of them
//! (which commune holds a point, which commune a file means by "ST ETIENNE" and 42000,
//! what the search box should propose for "le man").
//!
//! The data comes from the pack in the repository's `data/territory/` (its `README.md` says
//! where from and how to rebuild it), either compiled in ([`Territory::embedded`], feature
//! `embedded`, on by default) or handed over as bytes ([`Territory::from_pack`]).
//!
//! Invariant: this crate does no IO: it parses bytes it is given and nothing else (no
//! files, no network, no database). Boundary: it depends on no other Maillage crate, so the
//! domain core, the importer, the coverage computation and the web layer can all use it.

mod geometry;
mod model;
mod names;
mod pack;
mod search;

use std::collections::HashMap;

pub use geometry::distance_km;
pub use model::{
    Arrondissement, CodeKind, Commune, CommuneMatch, Departement, Epci, EpciKind, LatLon, MatchKind, MultiPolygon,
    Region, ResolvedCode, Zone,
};
pub use pack::PackFiles;

use geometry::Shapes;
use pack::HistoryKind;
use search::{CommuneIndex, EpciIndex};

/// A territory pack that cannot be read. Packs are build artefacts checked by tests, so
/// this means a corrupted or mismatched file, never a user mistake.
#[derive(Debug, thiserror::Error)]
pub enum TerritoryError {
    #[error("territory pack, file {file}: {message}")]
    Pack { file: &'static str, message: String },
}

/// A code of the history that is not a current commune's.
#[derive(Debug)]
struct Alias {
    commune: u32,
    kind: CodeKind,
    name: Option<String>,
}

/// France's territory, loaded once and then only read: every query takes `&self`, so one
/// instance can be shared between threads.
pub struct Territory {
    communes: Vec<Commune>,
    commune_by_code: HashMap<String, u32>,
    aliases: HashMap<String, Alias>,
    epcis: Vec<Epci>,
    epci_by_siren: HashMap<String, u32>,
    epci_members: Vec<Vec<u32>>,
    departements: Vec<Departement>,
    departement_by_code: HashMap<String, u32>,
    departement_communes: Vec<Vec<u32>>,
    regions: Vec<Region>,
    region_by_code: HashMap<String, u32>,
    region_communes: Vec<Vec<u32>>,
    arrondissements: Vec<Arrondissement>,
    arrondissement_by_code: HashMap<String, u32>,
    commune_shapes: Shapes,
    arrondissement_shapes: Shapes,
    commune_index: CommuneIndex,
    epci_index: EpciIndex,
}

impl std::fmt::Debug for Territory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (parts, rings, points) = self.commune_shapes.stats();
        f.debug_struct("Territory")
            .field("communes", &self.communes.len())
            .field("epcis", &self.epcis.len())
            .field("departements", &self.departements.len())
            .field("regions", &self.regions.len())
            .field("arrondissements", &self.arrondissements.len())
            .field("former_codes", &self.aliases.len())
            .field("polygons", &parts)
            .field("rings", &rings)
            .field("points", &points)
            .finish()
    }
}

/// An INSEE code as files write it: trimmed, upper-case ("2a004"), left-padded when a
/// spreadsheet made it a number ("1001" for 01001, "1001.0").
fn normalise_code(raw: &str) -> String {
    let t = raw.trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        return format!("0{t}");
    }
    t.to_ascii_uppercase()
}

fn index_by<T>(items: &[T], key: impl Fn(&T) -> &str) -> HashMap<String, u32> {
    items.iter().enumerate().map(|(i, x)| (key(x).to_string(), i as u32)).collect()
}

fn pack_error(file: &'static str, message: String) -> TerritoryError {
    TerritoryError::Pack { file, message }
}

impl Territory {
    /// Loads a territory from the pack's files.
    pub fn from_pack(files: &PackFiles<'_>) -> Result<Territory, TerritoryError> {
        let communes = pack::communes(files.communes)?;
        let epci_rows = pack::epcis(files.epci)?;
        let departements = pack::departements(files.departements)?;
        let regions = pack::regions(files.regions)?;
        let arrondissements = pack::arrondissements(files.arrondissements)?;
        let history = pack::history(files.history)?;

        let commune_by_code = index_by(&communes, |c| &c.code_insee);
        let epci_by_siren = index_by(&epci_rows, |e| &e.siren);
        let departement_by_code = index_by(&departements, |d| &d.code);
        let region_by_code = index_by(&regions, |r| &r.code);
        let arrondissement_by_code = index_by(&arrondissements, |a| &a.code_insee);

        let mut epci_members = vec![Vec::new(); epci_rows.len()];
        let mut departement_communes = vec![Vec::new(); departements.len()];
        let mut region_communes = vec![Vec::new(); regions.len()];
        for (i, c) in communes.iter().enumerate() {
            let i = i as u32;
            let missing = |what: &str, code: &str| {
                pack_error("communes", format!("{} names unknown {what} {code}", c.code_insee))
            };
            let d = departement_by_code
                .get(&c.code_departement)
                .ok_or_else(|| missing("département", &c.code_departement))?;
            departement_communes[*d as usize].push(i);
            let r = region_by_code.get(&c.code_region).ok_or_else(|| missing("région", &c.code_region))?;
            region_communes[*r as usize].push(i);
            if let Some(siren) = &c.siren_epci {
                let e = epci_by_siren.get(siren).ok_or_else(|| missing("EPCI", siren))?;
                epci_members[*e as usize].push(i);
            }
        }
        for d in &departements {
            if !region_by_code.contains_key(&d.code_region) {
                let msg = format!("{} names unknown région {}", d.code, d.code_region);
                return Err(pack_error("departements", msg));
            }
        }
        let epcis: Vec<Epci> = epci_rows
            .into_iter()
            .zip(&epci_members)
            .map(|(row, members)| {
                let mut deps: Vec<String> =
                    members.iter().map(|&m| communes[m as usize].code_departement.clone()).collect();
                deps.sort();
                deps.dedup();
                Epci {
                    siren: row.siren,
                    name: row.name,
                    kind: row.kind,
                    population: members.iter().map(|&m| u64::from(communes[m as usize].population.unwrap_or(0))).sum(),
                    departements: deps,
                }
            })
            .collect();

        let mut aliases = HashMap::new();
        let mut former_names: Vec<(u32, String)> = Vec::new();
        for a in &arrondissements {
            let &c = commune_by_code.get(&a.code_commune).ok_or_else(|| {
                let msg = format!("{} names unknown commune {}", a.code_insee, a.code_commune);
                pack_error("arrondissements", msg)
            })?;
            former_names.push((c, a.name.clone()));
        }
        for h in history {
            let &c = commune_by_code
                .get(&h.commune)
                .ok_or_else(|| pack_error("history", format!("{} names unknown commune {}", h.code, h.commune)))?;
            if let Some(name) = &h.name {
                former_names.push((c, name.clone()));
            }
            if commune_by_code.contains_key(&h.code) {
                continue; // the déléguée that keeps the commune nouvelle's own code
            }
            let kind = match h.kind {
                HistoryKind::Deleguee => CodeKind::CommuneDeleguee,
                HistoryKind::Associee => CodeKind::CommuneAssociee,
                HistoryKind::Ancien => CodeKind::AncienCode,
            };
            aliases.insert(h.code, Alias { commune: c, kind, name: h.name });
        }

        let commune_codes: HashMap<&str, u32> =
            communes.iter().enumerate().map(|(i, c)| (c.code_insee.as_str(), i as u32)).collect();
        let arrondissement_codes: HashMap<&str, u32> =
            arrondissements.iter().enumerate().map(|(i, a)| (a.code_insee.as_str(), i as u32)).collect();
        let (commune_shapes, arrondissement_shapes) =
            pack::geometry(files.geometry, &commune_codes, &arrondissement_codes)?;

        let former: Vec<(u32, &str)> = former_names.iter().map(|(c, n)| (*c, n.as_str())).collect();
        let commune_index = CommuneIndex::build(&communes, &former);
        let epci_index = EpciIndex::build(&epcis);

        Ok(Territory {
            communes,
            commune_by_code,
            aliases,
            epcis,
            epci_by_siren,
            epci_members,
            departements,
            departement_by_code,
            departement_communes,
            regions,
            region_by_code,
            region_communes,
            arrondissements,
            arrondissement_by_code,
            commune_shapes,
            arrondissement_shapes,
            commune_index,
            epci_index,
        })
    }

    /// The territory of the pack compiled into the binary.
    ///
    /// # Panics
    /// If the compiled-in pack is unreadable, which the crate's tests rule out.
    #[cfg(feature = "embedded")]
    pub fn embedded() -> Territory {
        Territory::from_pack(&PackFiles::EMBEDDED).expect("the embedded territory pack is valid")
    }

    // ---- listings

    /// Every current commune, sorted by INSEE code.
    pub fn communes(&self) -> &[Commune] {
        &self.communes
    }

    /// Every EPCI à fiscalité propre, sorted by SIREN.
    pub fn epcis(&self) -> &[Epci] {
        &self.epcis
    }

    pub fn departements(&self) -> &[Departement] {
        &self.departements
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    pub fn arrondissements(&self) -> &[Arrondissement] {
        &self.arrondissements
    }

    // ---- by code

    /// The current commune with this INSEE code (and only a current one: see
    /// [`Territory::resolve_code`] for arrondissements and former codes).
    pub fn commune(&self, code_insee: &str) -> Option<&Commune> {
        let code = normalise_code(code_insee);
        self.commune_by_code.get(&code).map(|&i| &self.communes[i as usize])
    }

    /// The current commune a code stands for: a commune's own code, an arrondissement
    /// municipal (75112 → Paris), a commune déléguée or associée, or the code of a commune
    /// merged away (so data keyed by an older COG lands on today's commune).
    pub fn resolve_code(&self, code: &str) -> Option<&Commune> {
        self.resolve_code_detail(code).map(|r| r.commune)
    }

    /// Like [`Territory::resolve_code`], saying what the code was.
    pub fn resolve_code_detail(&self, code: &str) -> Option<ResolvedCode<'_>> {
        let code = normalise_code(code);
        if let Some(&i) = self.commune_by_code.get(&code) {
            return Some(ResolvedCode { commune: &self.communes[i as usize], kind: CodeKind::Commune, name: None });
        }
        if let Some(a) = self.arrondissement(&code) {
            return Some(ResolvedCode {
                commune: self.commune(&a.code_commune)?,
                kind: CodeKind::Arrondissement,
                name: Some(&a.name),
            });
        }
        let alias = self.aliases.get(&code)?;
        Some(ResolvedCode {
            commune: &self.communes[alias.commune as usize],
            kind: alias.kind,
            name: alias.name.as_deref(),
        })
    }

    pub fn epci(&self, siren: &str) -> Option<&Epci> {
        self.epci_by_siren.get(siren.trim()).map(|&i| &self.epcis[i as usize])
    }

    pub fn departement(&self, code: &str) -> Option<&Departement> {
        let code = code.trim().to_ascii_uppercase();
        self.departement_by_code.get(&code).map(|&i| &self.departements[i as usize])
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.region_by_code.get(code.trim()).map(|&i| &self.regions[i as usize])
    }

    pub fn arrondissement(&self, code_insee: &str) -> Option<&Arrondissement> {
        let code = normalise_code(code_insee);
        self.arrondissement_by_code.get(&code).map(|&i| &self.arrondissements[i as usize])
    }

    // ---- up and down the levels

    pub fn epci_of(&self, commune: &Commune) -> Option<&Epci> {
        self.epci(commune.siren_epci.as_deref()?)
    }

    /// Never `None` for a commune of this territory: loading checks every link.
    pub fn departement_of(&self, commune: &Commune) -> Option<&Departement> {
        self.departement(&commune.code_departement)
    }

    /// Never `None` for a commune of this territory: loading checks every link.
    pub fn region_of(&self, commune: &Commune) -> Option<&Region> {
        self.region(&commune.code_region)
    }

    fn pick<'a>(&'a self, indices: Option<&'a Vec<u32>>) -> impl Iterator<Item = &'a Commune> {
        indices.into_iter().flatten().map(|&i| &self.communes[i as usize])
    }

    /// The member communes of an EPCI, by INSEE code; empty for an unknown SIREN.
    pub fn epci_members(&self, siren: &str) -> impl Iterator<Item = &Commune> {
        let list = self.epci_by_siren.get(siren.trim()).map(|&i| &self.epci_members[i as usize]);
        self.pick(list)
    }

    /// The communes of a département, by INSEE code; empty for an unknown code.
    pub fn departement_communes(&self, code: &str) -> impl Iterator<Item = &Commune> {
        let code = code.trim().to_ascii_uppercase();
        let list = self.departement_by_code.get(&code).map(|&i| &self.departement_communes[i as usize]);
        self.pick(list)
    }

    /// The communes of a région, by INSEE code; empty for an unknown code.
    pub fn region_communes(&self, code: &str) -> impl Iterator<Item = &Commune> {
        let list = self.region_by_code.get(code.trim()).map(|&i| &self.region_communes[i as usize]);
        self.pick(list)
    }

    /// The départements of a région.
    pub fn region_departements<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Departement> {
        let code = code.trim();
        self.departements.iter().filter(move |d| d.code_region == code)
    }

    /// The EPCI having at least one member in the département.
    pub fn departement_epcis<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Epci> {
        let code = code.trim();
        self.epcis.iter().filter(move |e| e.departements.iter().any(|d| d == code))
    }

    // ---- geometry

    /// The commune whose polygon holds the point (WGS84 degrees). Paris, Lyon and Marseille
    /// answer as one commune; see [`Territory::arrondissement_at`] for the finer level.
    pub fn commune_at(&self, lat: f64, lon: f64) -> Option<&Commune> {
        self.commune_shapes.owner_at(lat, lon).map(|i| &self.communes[i as usize])
    }

    /// The commune holding the point or, failing that, the one whose polygon is nearest
    /// within `max_km`, with the distance in km (zero inside). For places on the coast or
    /// on small islands that the simplified polygons leave in the sea.
    pub fn nearest_commune(&self, lat: f64, lon: f64, max_km: f64) -> Option<(&Commune, f64)> {
        self.commune_shapes.nearest_owner(lat, lon, max_km).map(|(i, d)| (&self.communes[i as usize], d))
    }

    /// The arrondissement municipal of Paris, Lyon or Marseille holding the point.
    pub fn arrondissement_at(&self, lat: f64, lon: f64) -> Option<&Arrondissement> {
        self.arrondissement_shapes.owner_at(lat, lon).map(|i| &self.arrondissements[i as usize])
    }

    /// Whether the commune's own polygons hold the point (false without geometry).
    pub fn commune_contains(&self, code_insee: &str, lat: f64, lon: f64) -> bool {
        let code = normalise_code(code_insee);
        self.commune_by_code.get(&code).is_some_and(|&i| self.commune_shapes.owner_contains(i, lat, lon))
    }

    /// Whether the pack has a polygon for the commune (all but the COM and four communes
    /// restored in 2025).
    pub fn has_geometry(&self, code_insee: &str) -> bool {
        let code = normalise_code(code_insee);
        self.commune_by_code.get(&code).is_some_and(|&i| self.commune_shapes.has_geometry(i))
    }

    /// The commune's polygons, in GeoJSON order (`[lon, lat]`).
    pub fn commune_geometry(&self, code_insee: &str) -> Option<MultiPolygon> {
        let code = normalise_code(code_insee);
        let &i = self.commune_by_code.get(&code)?;
        self.commune_shapes.multipolygon(i)
    }

    /// The arrondissement's polygons, in GeoJSON order (`[lon, lat]`).
    pub fn arrondissement_geometry(&self, code_insee: &str) -> Option<MultiPolygon> {
        let code = normalise_code(code_insee);
        let &i = self.arrondissement_by_code.get(&code)?;
        self.arrondissement_shapes.multipolygon(i)
    }

    /// The commune's area in km², from its simplified polygons.
    pub fn commune_area_km2(&self, code_insee: &str) -> Option<f64> {
        let code = normalise_code(code_insee);
        let &i = self.commune_by_code.get(&code)?;
        self.commune_shapes.has_geometry(i).then(|| self.commune_shapes.area_km2(i))
    }

    // ---- names

    /// Communes for a search box: `query` is the start of a name ("st eti", "le man",
    /// "aix en p"; accents, case, hyphens and a leading article do not matter), of a
    /// postcode ("4200", "42000") or an INSEE code. Former names (communes déléguées,
    /// arrondissements) lead to today's commune. Exact matches come first, then by
    /// population.
    pub fn search_communes(&self, query: &str, limit: usize) -> Vec<&Commune> {
        // Only a whole code counts: "1001" is more likely the start of a postcode than 01001.
        let by_code = Some(query.trim())
            .filter(|q| q.len() == 5)
            .and_then(|q| self.resolve_code(q))
            .and_then(|c| self.commune_by_code.get(&c.code_insee));
        self.commune_index
            .search(query, limit, by_code.copied())
            .into_iter()
            .map(|i| &self.communes[i as usize])
            .collect()
    }

    /// The communes having this postcode.
    pub fn communes_with_postcode(&self, postcode: &str) -> Vec<&Commune> {
        search::normalise_postcode(postcode)
            .map(|pc| self.commune_index.with_postcode(&pc))
            .unwrap_or_default()
            .into_iter()
            .map(|i| &self.communes[i as usize])
            .collect()
    }

    /// The commune a file means by a postcode and a commune name as people write them
    /// ("13011", "MARSEILLE 11"; "42000", "ST ETIENNE"; "23800", "Dun Le Palestel").
    pub fn find_commune_by_name(&self, postcode: &str, name: &str) -> Option<&Commune> {
        self.match_commune(postcode, name).map(|m| m.commune)
    }

    /// Like [`Territory::find_commune_by_name`], saying how sure the match is.
    pub fn match_commune(&self, postcode: &str, name: &str) -> Option<CommuneMatch<'_>> {
        self.commune_index
            .match_name(&self.communes, postcode, name)
            .map(|(i, kind)| CommuneMatch { commune: &self.communes[i as usize], kind })
    }

    /// The EPCI a name designates, however its legal form is written ("CC …",
    /// "Communauté de communes …", "CdC …") and with near spellings. `departement_hint`
    /// (a département code) settles homonyms and near misses. `None` when unsure.
    pub fn find_epci_by_name(&self, name: &str, departement_hint: Option<&str>) -> Option<&Epci> {
        self.epci_index.find(&self.epcis, name, departement_hint).map(|i| &self.epcis[i as usize])
    }
}
