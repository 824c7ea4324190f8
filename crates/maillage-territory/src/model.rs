//! The administrative levels as plain values. Codes are the official ones (INSEE COG for
//! communes, départements and régions, SIREN for EPCI), kept as strings because they are
//! identifiers, not numbers ("01001", "2A004", "976").

use serde::Serialize;

/// A point in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    pub fn new(lat: f64, lon: f64) -> Self {
        LatLon { lat, lon }
    }
}

/// Where a territory lies, as the COG classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Zone {
    /// Metropolitan France, Corsica included.
    Metro,
    /// Départements et régions d'outre-mer: Guadeloupe, Martinique, Guyane, La Réunion, Mayotte.
    Drom,
    /// Collectivités d'outre-mer and New Caledonia: communes listed, no polygons, no EPCI.
    Com,
}

impl Zone {
    pub(crate) fn parse(s: &str) -> Option<Zone> {
        match s {
            "metro" => Some(Zone::Metro),
            "drom" => Some(Zone::Drom),
            "com" => Some(Zone::Com),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Metro => "metro",
            Zone::Drom => "drom",
            Zone::Com => "com",
        }
    }
}

/// A current commune (COG of the pack's vintage).
#[derive(Debug, Clone, Serialize)]
pub struct Commune {
    pub code_insee: String,
    pub name: String,
    pub code_departement: String,
    pub code_region: String,
    /// SIREN of its EPCI à fiscalité propre; `None` for the four single-commune islands
    /// (Bréhat, Sein, Ouessant, Yeu) and for the communes of the COM.
    pub siren_epci: Option<String>,
    pub zone: Zone,
    /// Population municipale (INSEE légale); `None` where INSEE publishes none.
    pub population: Option<u32>,
    pub postcodes: Vec<String>,
    /// A point inside the commune's polygon (centroid when it falls inside, else the town
    /// hall or an interior point); `None` for the COM, which have no geometry.
    pub point: Option<LatLon>,
}

/// Legal form of an EPCI à fiscalité propre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EpciKind {
    /// Communauté de communes.
    #[serde(rename = "CC")]
    Cc,
    /// Communauté d'agglomération.
    #[serde(rename = "CA")]
    Ca,
    /// Communauté urbaine.
    #[serde(rename = "CU")]
    Cu,
    /// Métropole.
    #[serde(rename = "METRO")]
    Metropole,
    /// Métropole de Lyon, a collectivité à statut particulier counted with the EPCI.
    #[serde(rename = "MET69")]
    MetropoleDeLyon,
}

impl EpciKind {
    pub(crate) fn parse(s: &str) -> Option<EpciKind> {
        match s {
            "CC" => Some(EpciKind::Cc),
            "CA" => Some(EpciKind::Ca),
            "CU" => Some(EpciKind::Cu),
            "METRO" => Some(EpciKind::Metropole),
            "MET69" => Some(EpciKind::MetropoleDeLyon),
            _ => None,
        }
    }

    /// The DGCL abbreviation: "CC", "CA", "CU", "METRO", "MET69".
    pub fn as_str(self) -> &'static str {
        match self {
            EpciKind::Cc => "CC",
            EpciKind::Ca => "CA",
            EpciKind::Cu => "CU",
            EpciKind::Metropole => "METRO",
            EpciKind::MetropoleDeLyon => "MET69",
        }
    }

    /// The French label, for display.
    pub fn label(self) -> &'static str {
        match self {
            EpciKind::Cc => "Communauté de communes",
            EpciKind::Ca => "Communauté d'agglomération",
            EpciKind::Cu => "Communauté urbaine",
            EpciKind::Metropole => "Métropole",
            EpciKind::MetropoleDeLyon => "Métropole de Lyon",
        }
    }
}

/// An EPCI à fiscalité propre (intercommunalité).
#[derive(Debug, Clone, Serialize)]
pub struct Epci {
    pub siren: String,
    pub name: String,
    pub kind: EpciKind,
    /// Sum of its members' populations.
    pub population: u64,
    /// Codes of the départements its members belong to (several for a few EPCI).
    pub departements: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Departement {
    pub code: String,
    pub name: String,
    pub code_region: String,
    /// INSEE code of the préfecture.
    pub chef_lieu: String,
    pub zone: Zone,
}

#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    /// INSEE code of the préfecture de région.
    pub chef_lieu: String,
    pub zone: Zone,
}

/// An arrondissement municipal of Paris, Lyon or Marseille. It is not a commune: data keyed
/// by its code (75101…, 69381…, 13201…) belongs to the commune it divides.
#[derive(Debug, Clone, Serialize)]
pub struct Arrondissement {
    pub code_insee: String,
    pub name: String,
    /// INSEE code of the commune: 75056, 69123 or 13055.
    pub code_commune: String,
    pub postcodes: Vec<String>,
    pub population: Option<u32>,
    pub point: Option<LatLon>,
}

/// How a code given to [`crate::Territory::resolve_code_detail`] relates to today's commune.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// A current commune's own code.
    Commune,
    /// An arrondissement municipal of Paris, Lyon or Marseille.
    Arrondissement,
    /// A commune déléguée of a commune nouvelle.
    CommuneDeleguee,
    /// A commune associée (older form of merger).
    CommuneAssociee,
    /// The code of a commune merged away without keeping a déléguée status.
    AncienCode,
}

/// The answer of [`crate::Territory::resolve_code_detail`].
#[derive(Debug, Clone, Copy)]
pub struct ResolvedCode<'a> {
    pub commune: &'a Commune,
    pub kind: CodeKind,
    /// The name the code stands for when it is not the commune's own (the déléguée, the
    /// arrondissement); `None` for old codes the sources give without a name.
    pub name: Option<&'a str>,
}

/// How [`crate::Territory::match_commune`] tied a written name to a commune, from the most to
/// the least certain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The name is the commune's, and the postcode is one of the commune's.
    Exact,
    /// The name is one of its communes déléguées/associées or arrondissements, with a
    /// postcode of the commune.
    FormerName,
    /// The name matches once small words (de, la, sur…) are ignored.
    Loose,
    /// The name matches in the postcode's département, but the postcode is not the
    /// commune's (CEDEX codes, postcodes that changed).
    SameDepartement,
    /// Near spelling (a typo or an abbreviation) among the postcode's communes.
    Fuzzy,
    /// No usable name, and the postcode has a single commune.
    PostcodeOnly,
}

/// The answer of [`crate::Territory::match_commune`].
#[derive(Debug, Clone, Copy)]
pub struct CommuneMatch<'a> {
    pub commune: &'a Commune,
    pub kind: MatchKind,
}

/// A commune's polygons in GeoJSON order: polygons, rings (exterior first), `[lon, lat]`
/// positions, each ring closed.
pub type MultiPolygon = Vec<Vec<Vec<[f64; 2]>>>;
