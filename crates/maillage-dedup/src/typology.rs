//! Kinds of places, declared (`typologie`) or guessed from the name, and which kinds can be
//! the same place.

use maillage_domain::text::fold;
use maillage_domain::PlaceRecord;
use serde::{Deserialize, Serialize};

/// A family of places. Only families that tell places apart are listed; "association" is not
/// one (a centre social, a tiers-lieu or a France Services may be run by one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Family {
    /// Town hall, or any municipal service declared as "MUNI".
    Mairie,
    Mediatheque,
    FranceServices,
    CentreSocial,
    TiersLieu,
    Ccas,
    MissionLocale,
    PoleEmploi,
    Caf,
    Poste,
    Prefecture,
    Intercommunalite,
}

impl Family {
    pub fn label(self) -> &'static str {
        match self {
            Family::Mairie => "mairie",
            Family::Mediatheque => "médiathèque",
            Family::FranceServices => "France Services",
            Family::CentreSocial => "centre social",
            Family::TiersLieu => "tiers-lieu",
            Family::Ccas => "CCAS",
            Family::MissionLocale => "mission locale",
            Family::PoleEmploi => "Pôle emploi",
            Family::Caf => "CAF",
            Family::Poste => "bureau de poste",
            Family::Prefecture => "préfecture",
            Family::Intercommunalite => "intercommunalité",
        }
    }
}

/// Families that may describe one place: a France Services is often hosted in a town hall,
/// a post office, a centre social or an intercommunality's office; a town hall's CCAS and
/// library are municipal services that sources file under the town hall.
const COMPATIBLE: &[(Family, Family)] = &[
    (Family::Mairie, Family::FranceServices),
    (Family::Mairie, Family::Ccas),
    (Family::Mairie, Family::Mediatheque),
    (Family::FranceServices, Family::CentreSocial),
    (Family::FranceServices, Family::Poste),
    (Family::FranceServices, Family::Intercommunalite),
    (Family::FranceServices, Family::Ccas),
    (Family::FranceServices, Family::TiersLieu),
    (Family::FranceServices, Family::Prefecture),
    (Family::FranceServices, Family::Mediatheque),
    (Family::CentreSocial, Family::TiersLieu),
    (Family::Mediatheque, Family::TiersLieu),
    (Family::Ccas, Family::CentreSocial),
    (Family::Intercommunalite, Family::Mediatheque),
    (Family::Intercommunalite, Family::TiersLieu),
];

pub fn compatible(a: Family, b: Family) -> bool {
    a == b || COMPATIBLE.iter().any(|&(x, y)| (x, y) == (a, b) || (x, y) == (b, a))
}

/// Declared typology codes and labels (v1 codes and v0 labels, folded).
fn family_of_declared(value: &str) -> Option<Family> {
    let folded = fold(value);
    Some(match folded.as_str() {
        "muni" | "mairie" | "mairie annexe" | "maison municipale" => Family::Mairie,
        "bib" | "bibliotheque" | "mediatheque" | "relais lecture" | "bibliotheque universitaire" => Family::Mediatheque,
        "fs" | "france services" | "france service" | "msap" => Family::FranceServices,
        "cs" | "centre social" | "centre social associatif" | "evs" => Family::CentreSocial,
        "tiers lieux" | "tiers lieu" | "fabrique" | "espace de cowworking" | "espace de coworking" => Family::TiersLieu,
        "ccas" | "cias" => Family::Ccas,
        "ml" | "mission locale" => Family::MissionLocale,
        "pe" | "pole emploi" | "france travail" => Family::PoleEmploi,
        "caf" => Family::Caf,
        "bureau de poste" | "la poste" => Family::Poste,
        "pref" | "sous prefecture" | "prefecture" => Family::Prefecture,
        "epci" | "cc" | "ca" | "cu" => Family::Intercommunalite,
        _ => return None,
    })
}

/// Words in a folded name that give away the kind of place. Checked in order; the first
/// match wins, so "France Services de la mairie de X" is a France Services.
const NAME_CLUES: &[(&str, Family)] = &[
    ("france services", Family::FranceServices),
    ("france service", Family::FranceServices),
    ("centre intercommunal d action sociale", Family::Ccas),
    ("msap", Family::FranceServices),
    ("maison de services au public", Family::FranceServices),
    ("mediatheque", Family::Mediatheque),
    ("bibliotheque", Family::Mediatheque),
    ("ludomediatheque", Family::Mediatheque),
    ("centre social", Family::CentreSocial),
    ("centre socio culturel", Family::CentreSocial),
    ("centre socioculturel", Family::CentreSocial),
    ("espace de vie sociale", Family::CentreSocial),
    ("tiers lieu", Family::TiersLieu),
    ("tiers lieux", Family::TiersLieu),
    ("fablab", Family::TiersLieu),
    ("fab lab", Family::TiersLieu),
    ("ccas", Family::Ccas),
    ("cias", Family::Ccas),
    ("centre communal d action sociale", Family::Ccas),
    ("mission locale", Family::MissionLocale),
    ("pole emploi", Family::PoleEmploi),
    ("caf", Family::Caf),
    ("bureau de poste", Family::Poste),
    ("la poste", Family::Poste),
    ("sous prefecture", Family::Prefecture),
    ("prefecture", Family::Prefecture),
    ("communaute de communes", Family::Intercommunalite),
    ("communaute d agglomeration", Family::Intercommunalite),
    ("mairie", Family::Mairie),
    ("hotel de ville", Family::Mairie),
    ("municipalite", Family::Mairie),
];

fn family_of_name(name: &str) -> Option<Family> {
    let padded = format!(" {} ", fold(name));
    NAME_CLUES.iter().find(|(clue, _)| padded.contains(&format!(" {clue} "))).map(|&(_, family)| family)
}

/// The family of a place: its declared typology when one is known, else its name's clue.
pub fn family(record: &PlaceRecord) -> Option<Family> {
    record.typologie.iter().find_map(|value| family_of_declared(value)).or_else(|| family_of_name(&record.nom))
}

/// How two places' kinds compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypologyMatch {
    /// Same family.
    Same,
    /// Different families that can be one place (a France Services in a town hall).
    Compatible,
    /// At least one side's kind is unknown.
    Unknown,
    /// Kinds that cannot be one place (a library and a mission locale): a veto.
    Incompatible,
}

pub fn compare(a: Option<Family>, b: Option<Family>) -> TypologyMatch {
    match (a, b) {
        (Some(x), Some(y)) if x == y => TypologyMatch::Same,
        (Some(x), Some(y)) if compatible(x, y) => TypologyMatch::Compatible,
        (Some(_), Some(_)) => TypologyMatch::Incompatible,
        _ => TypologyMatch::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(nom: &str, typologie: &[&str]) -> PlaceRecord {
        PlaceRecord {
            nom: nom.into(),
            typologie: typologie.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn guesses_from_names() {
        assert_eq!(family(&record("Médiathèque François Mitterrand", &[])), Some(Family::Mediatheque));
        assert_eq!(family(&record("France Services de la mairie de Loches", &[])), Some(Family::FranceServices));
        assert_eq!(family(&record("Mairie de Loches", &[])), Some(Family::Mairie));
        assert_eq!(family(&record("Centre Social Les Tilleuls", &[])), Some(Family::CentreSocial));
        assert_eq!(family(&record("Association l'espoir", &[])), None);
        // "caf" must be a word, not part of one.
        assert_eq!(family(&record("Cafétéria", &[])), None);
    }

    #[test]
    fn declared_typology_wins() {
        assert_eq!(family(&record("Espace numérique", &["BIB"])), Some(Family::Mediatheque));
        assert_eq!(family(&record("Mairie", &["CCAS"])), Some(Family::Ccas));
    }

    #[test]
    fn compatibility_is_symmetric() {
        assert_eq!(compare(Some(Family::Mairie), Some(Family::FranceServices)), TypologyMatch::Compatible);
        assert_eq!(compare(Some(Family::FranceServices), Some(Family::Mairie)), TypologyMatch::Compatible);
        assert_eq!(compare(Some(Family::Mediatheque), Some(Family::MissionLocale)), TypologyMatch::Incompatible);
        assert_eq!(compare(None, Some(Family::Mairie)), TypologyMatch::Unknown);
    }
}
