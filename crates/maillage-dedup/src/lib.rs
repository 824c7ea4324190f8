//! Duplicate detection, the pure core: which places may be the same one, and how sure we are,
//! with every reason shown. No IO, no store, no decisions written anywhere.
//!
//! The same place arrives from several sources (a hub's map, the Conseillers numériques list,
//! France Services, data·inclusion) with different names, addresses and ids. Finding them runs
//! in two steps:
//!
//! 1. **Candidates** ([`candidate_pairs`]): pairs of places at most `max_distance_m` apart (an
//!    R-tree on points of the sphere); when a place has no usable coordinates, the places of
//!    its commune; and, whatever the distance, places of one commune with the same normalised
//!    name or the same number and street (sources geocode differently: a town hall at the
//!    commune's centroid). Across and within sources. Never all against all; never a place
//!    with itself.
//! 2. **Score** ([`score`]): each pair gets components, a score in 0..=1 and maybe a veto.
//!
//! # Components
//!
//! * `name` — similarity of the normalised names: folded (case, accents, punctuation),
//!   "Mairie de X" / "Ville de X" / "Hôtel de ville de X" / "Municipalité de X" → "X",
//!   "communauté de communes" → "cc" (and "ca", "cu", "ccas", "cias"), "st"/"ste" → "saint"/
//!   "sainte", "ass"/"asso"/"association" → "asso", "bibliothèque" = "médiathèque", articles
//!   dropped, words sorted. The similarity is the larger of the normalised Levenshtein
//!   similarity of the sorted words and 0.9 × word containment (shared distinctive words over
//!   the shorter name's distinctive words; distinctive = not the commune's name and not a
//!   generic word such as "espace", "numérique", "centre"), so "APIJE" and "APIJE Lunel" match.
//! * `address` — normalised Levenshtein similarity of the street words (street types expanded:
//!   "av" → "avenue", "pl" → "place"…), halved when both house numbers are known and differ,
//!   × 0.9 when only one is known. `None` when either address has no street words.
//! * `distance_m` — great-circle distance; scores 1 up to 50 m, then falls linearly to 0 at
//!   500 m. `None` when either place has no usable coordinates.
//! * `same_identifier` — both `pivot`s real (SIRET, SIREN, RNA) and equal (`Some(true)`), both
//!   real and different (`Some(false)`), else `None` (unknown is not different).
//! * `typology` — declared `typologie`, else guessed from the name (médiathèque, France Services,
//!   mairie, centre social, tiers-lieu, CCAS, mission locale…): same, compatible (a France
//!   Services in a town hall), unknown, or incompatible (a veto).
//! * `phone_match` / `email_match` — same subscriber number (last nine digits), a shared e-mail.
//! * `hosted` — one place is a France Services and the other is not, at the same number and
//!   street and at most 50 m apart (or not located), typologies not incompatible: the name then
//!   counts as at least 0.75 (a France Services listed under its own name at its host's
//!   address). Metric house numbers (from 100) at most 10 apart on one street count as one
//!   building for the address (× 0.9, as when one number is unknown).
//!
//! # Formula
//!
//! The score is the weighted mean of the components that are known for the pair:
//!
//! | component | weight | value |
//! |---|---|---|
//! | name | 0.40 | similarity |
//! | address | 0.20 | similarity (left out when unknown) |
//! | distance | 0.20 | 1 to 50 m, 0 from 500 m (left out when unknown) |
//! | identifier | 0.10 | 1 same, 0 different (left out when unknown) |
//! | phone | 0.05 | 1 same, 0 different (left out unless both have one) |
//! | e-mail | 0.05 | 1 shared, 0 none shared (left out unless both have one) |
//! | typology | 0.05 | 1 same, 0.5 compatible (left out when unknown) |
//!
//! `score = Σ weightᵢ × valueᵢ / Σ weightᵢ` over the known components. Every component is
//! symmetric (string comparisons take their arguments in a canonical order), so the score is.
//!
//! # Vetoes
//!
//! Vetoes always win: a vetoed pair is never merged ([`decide`]), whatever its score.
//! * different commune: INSEE codes compared after mapping the arrondissements of Paris, Lyon
//!   and Marseille onto their commune (751xx → 75056, 6938x → 69123, 132xx → 13055); when
//!   either code is missing, the postcode's département and the folded commune name (not the
//!   postcode itself: a large commune has several);
//! * incompatible typologies (a médiathèque and a mission locale);
//! * an anonymous name on either side ("[Non diffusible]", "inconnu").
//!
//! # Decisions
//!
//! [`decide`]: vetoed → distinct; score ≥ `auto_merge` **and** corroborated (same SIRET/RNA,
//! same phone, a shared e-mail, or names equal once normalised, ≥ 0.97) → merge; score ≥
//! `review` → review; else distinct. [`Thresholds::default`]: `auto_merge` 0.90, `review`
//! 0.70, set on the Conseillers numériques and data·inclusion files (see `tests/dedup/real_data.rs`).
//! Deciding is the caller's: this crate writes nothing.

pub mod candidates;
pub mod normalize;
pub mod typology;

use maillage_domain::{Place, PlaceRecord};
use serde::{Deserialize, Serialize};

use normalize::{
    commune_key, email_keys, fold_commune, identifier, is_anonymous_name, normalise_address, normalise_name, phone_key,
    same_commune, CommuneKey, IdKind, NormalAddress, NormalName,
};
pub use typology::{Family, TypologyMatch};

pub const WEIGHT_NAME: f64 = 0.40;
pub const WEIGHT_ADDRESS: f64 = 0.20;
pub const WEIGHT_DISTANCE: f64 = 0.20;
pub const WEIGHT_IDENTIFIER: f64 = 0.10;
pub const WEIGHT_PHONE: f64 = 0.05;
pub const WEIGHT_EMAIL: f64 = 0.05;
pub const WEIGHT_TYPOLOGY: f64 = 0.05;
/// Distance up to which places count as at the same spot.
pub const NEAR_M: f64 = 50.0;
/// Distance from which the distance component is 0.
pub const FAR_M: f64 = 500.0;
/// Default search radius for candidates.
pub const DEFAULT_MAX_DISTANCE_M: f64 = 500.0;

/// Words too common in names of places to tell two apart.
const GENERIC_WORDS: &[&str] = &[
    "asso",
    "centre",
    "espace",
    "numerique",
    "maison",
    "services",
    "service",
    "france",
    "mediatheque",
    "mairie",
    "social",
    "sociale",
    "cc",
    "ca",
    "ccas",
    "cias",
    "point",
    "accueil",
    "public",
    "publique",
    "municipal",
    "municipale",
    "communale",
    "intercommunale",
    "ville",
    "commune",
    "agence",
    "antenne",
    "pole",
    "mission",
    "locale",
    "lieu",
    "tiers",
    "saint",
    "sainte",
    "epn",
    "bureau",
    "poste",
    "club",
    "cyber",
    "information",
    "insertion",
    "emploi",
    "formation",
    "culturel",
    "culturelle",
    "quartier",
    "jeunesse",
    "groupe",
    "sos",
];

/// Two places of the input that may be one.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    pub a: &'a Place,
    pub b: &'a Place,
}

/// Every component of a pair's score, kept so the score can be explained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreComponents {
    /// Similarity of the normalised names, 0..=1.
    pub name: f64,
    /// Similarity of the addresses, 0..=1; `None` when either has no street.
    pub address: Option<f64>,
    pub distance_m: Option<f64>,
    /// `Some(true)` same real SIRET/SIREN/RNA, `Some(false)` both real and different.
    pub same_identifier: Option<bool>,
    /// The kind of identifier compared, for the explanation.
    pub identifier_kind: Option<IdKind>,
    pub typology: TypologyMatch,
    /// The two families behind `typology`, for the explanation.
    pub families: (Option<Family>, Option<Family>),
    pub phone_match: bool,
    /// Whether both had a phone (so `phone_match == false` means different numbers).
    pub phones_compared: bool,
    pub email_match: bool,
    pub emails_compared: bool,
    /// One is a France Services at the other's address and spot (see [`HOSTED_NAME_FLOOR`]).
    #[serde(default)]
    pub hosted: bool,
}

/// What the name counts for, at least, when a France Services shares its host's address.
pub const HOSTED_NAME_FLOOR: f64 = 0.75;

/// Why a pair can never be merged, whatever its score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Veto {
    DifferentCommune,
    IncompatibleTypology { a: String, b: String },
    AnonymousName,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairScore {
    /// 0..=1, see the crate documentation for the formula.
    pub score: f64,
    pub components: ScoreComponents,
    pub veto: Option<Veto>,
}

/// Score levels for decisions.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// At or above: the same place, merge without asking (when not vetoed).
    pub auto_merge: f64,
    /// At or above (and below `auto_merge`): show to a coordinator.
    pub review: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { auto_merge: 0.90, review: 0.70 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Merge,
    Review,
    Distinct,
}

/// Name similarity from which a name alone corroborates an automatic merge.
pub const NAME_CORROBORATES: f64 = 0.97;

/// What to do with a pair: a veto always means distinct. An automatic merge also needs the
/// score to be corroborated by something other than place and a partly shared name: the
/// same SIRET/RNA, the same phone, a shared e-mail, or names equal once normalised (two
/// services in one building, "Bibliothèque Champs Manceaux" and "Espace social Champs
/// Manceaux", share an address and a word; they go to review).
pub fn decide(score: &PairScore, thresholds: &Thresholds) -> Decision {
    if score.veto.is_some() {
        Decision::Distinct
    } else if score.score >= thresholds.auto_merge && corroborated(&score.components) {
        Decision::Merge
    } else if score.score >= thresholds.review {
        Decision::Review
    } else {
        Decision::Distinct
    }
}

/// Whether something beyond place and a partial name supports the pair.
pub fn corroborated(components: &ScoreComponents) -> bool {
    components.same_identifier == Some(true)
        || components.phone_match
        || components.email_match
        || components.name >= NAME_CORROBORATES
}

/// What is compared of a record, computed once per record.
#[derive(Clone, Debug)]
pub struct Prepared {
    name: NormalName,
    /// The name's sorted words without the commune's ("CCAS de Pessac" → "ccas"); empty when
    /// nothing else is left.
    name_without_commune: String,
    /// The name's words with their digits dropped, to meet initials ("UDAF65" → "udaf").
    letter_tokens: Vec<String>,
    /// Distinctive words of the name (not generic, not the commune's).
    distinctive: Vec<String>,
    anonymous: bool,
    address: NormalAddress,
    commune: CommuneKey,
    coordinates: Option<maillage_domain::Coordinates>,
    identifier: Option<(IdKind, String)>,
    family: Option<Family>,
    phone: Option<String>,
    emails: Vec<String>,
}

impl Prepared {
    pub fn new(record: &PlaceRecord) -> Self {
        let name = normalise_name(&record.nom);
        let commune_words: Vec<String> = fold_commune(&record.commune).split(' ').map(str::to_owned).collect();
        let distinctive = name
            .tokens
            .iter()
            .filter(|token| !GENERIC_WORDS.contains(&token.as_str()) && !commune_words.contains(token))
            .filter(|token| token.len() >= 2)
            .cloned()
            .collect();
        let name_without_commune =
            name.tokens.iter().filter(|token| !commune_words.contains(token)).cloned().collect::<Vec<_>>().join(" ");
        let letter_tokens = name
            .tokens
            .iter()
            .map(|token| token.chars().filter(|c| c.is_ascii_alphabetic()).collect::<String>())
            .filter(|token| token.len() >= 3)
            .collect();
        Prepared {
            name_without_commune,
            letter_tokens,
            anonymous: is_anonymous_name(&record.nom),
            name,
            distinctive,
            address: normalise_address(&record.adresse),
            commune: commune_key(record),
            coordinates: record.coordinates.filter(|c| candidates::usable(*c)),
            identifier: record.pivot.as_deref().and_then(identifier),
            family: typology::family(record),
            phone: record.telephone.as_deref().and_then(phone_key),
            emails: email_keys(&record.courriels),
        }
    }
}

/// Normalised Levenshtein similarity (1 − distance / longer length), on bytes: the strings
/// compared are folded, hence ASCII, so bytes are characters (and much faster to compare).
fn normalized_levenshtein(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    if !(a.is_ascii() && b.is_ascii()) {
        return strsim::normalized_levenshtein(a, b);
    }
    let longer = a.len().max(b.len());
    1.0 - byte_levenshtein(a.as_bytes(), b.as_bytes()) as f64 / longer as f64
}

/// Levenshtein distance on bytes, one row of memory.
fn byte_levenshtein(a: &[u8], b: &[u8]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &x) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y { diagonal } else { 1 + diagonal.min(above).min(row[j]) };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Calls `f` with the two strings in a canonical order, so that the result is symmetric even
/// when `f` is not exactly.
fn symmetric(a: &str, b: &str, f: impl Fn(&str, &str) -> f64) -> f64 {
    if a <= b {
        f(a, b)
    } else {
        f(b, a)
    }
}

fn name_similarity(a: &Prepared, b: &Prepared) -> f64 {
    if a.name.sorted.is_empty() || b.name.sorted.is_empty() {
        return 0.0;
    }
    let edit = symmetric(&a.name.sorted, &b.name.sorted, normalized_levenshtein);
    let shared = a.distinctive.iter().filter(|token| b.distinctive.contains(token)).count();
    let shorter = a.distinctive.len().min(b.distinctive.len());
    let containment = if shorter == 0 { 0.0 } else { shared as f64 / shorter as f64 };
    let unchanged = a.name_without_commune == a.name.sorted && b.name_without_commune == b.name.sorted;
    let without_commune = if a.name_without_commune.is_empty() || b.name_without_commune.is_empty() {
        0.0
    } else if unchanged {
        edit
    } else {
        symmetric(&a.name_without_commune, &b.name_without_commune, normalized_levenshtein)
    };
    let initials = |x: &Prepared, y: &Prepared| {
        y.name.initials.as_ref().is_some_and(|initials| x.letter_tokens.iter().any(|token| token == initials))
    };
    let acronym = if initials(a, b) || initials(b, a) { 0.9 } else { 0.0 };
    edit.max(without_commune).max(0.9 * containment).max(acronym)
}

/// Two house numbers of one road a few metres apart in metric numbering (the number is the
/// distance from the road's start, so 1620 and 1624 are one building's two entrances).
fn metric_neighbours(x: &str, y: &str) -> bool {
    match (x.parse::<u32>(), y.parse::<u32>()) {
        (Ok(x), Ok(y)) => x.max(y) >= METRIC_NUMBERS_FROM && x.abs_diff(y) <= METRIC_NEIGHBOUR_GAP,
        _ => false,
    }
}

/// From this house number, a road is taken to be numbered in metres.
pub const METRIC_NUMBERS_FROM: u32 = 100;
/// Metric house numbers at most this far apart count as one building.
pub const METRIC_NEIGHBOUR_GAP: u32 = 10;

fn address_similarity(a: &NormalAddress, b: &NormalAddress) -> Option<f64> {
    if a.street.is_empty() || b.street.is_empty() {
        return None;
    }
    let street = symmetric(&a.street, &b.street, normalized_levenshtein);
    Some(match (&a.number, &b.number) {
        (Some(x), Some(y)) if x == y => street,
        (Some(x), Some(y)) if metric_neighbours(x, y) => street * 0.9,
        (Some(_), Some(_)) => street * 0.5,
        (None, None) => street,
        _ => street * 0.9,
    })
}

fn distance_value(distance: f64) -> f64 {
    if distance <= NEAR_M {
        1.0
    } else {
        (1.0 - (distance - NEAR_M) / (FAR_M - NEAR_M)).max(0.0)
    }
}

/// Scores two prepared records.
pub fn score_prepared(a: &Prepared, b: &Prepared) -> PairScore {
    let name = name_similarity(a, b);
    let address = address_similarity(&a.address, &b.address);
    let distance_m = match (a.coordinates, b.coordinates) {
        (Some(x), Some(y)) => {
            // Symmetric to the last bit: always measured from the smaller point.
            let (p, q) = if (x.latitude, x.longitude) <= (y.latitude, y.longitude) { (x, y) } else { (y, x) };
            Some(candidates::distance_m(p, q))
        }
        _ => None,
    };
    let (same_identifier, identifier_kind) = match (&a.identifier, &b.identifier) {
        (Some((ka, x)), Some((kb, y))) if ka == kb => (Some(x == y), Some(*ka)),
        // A SIRET and its SIREN: same legal unit.
        (Some((IdKind::Siret, x)), Some((IdKind::Siren, y))) | (Some((IdKind::Siren, y)), Some((IdKind::Siret, x))) => {
            (Some(x.starts_with(y.as_str())), Some(IdKind::Siren))
        }
        _ => (None, None),
    };
    let typology = typology::compare(a.family, b.family);
    let phones_compared = a.phone.is_some() && b.phone.is_some();
    let phone_match = phones_compared && a.phone == b.phone;
    let emails_compared = !a.emails.is_empty() && !b.emails.is_empty();
    let email_match = emails_compared && a.emails.iter().any(|email| b.emails.contains(email));

    // A France Services is most often hosted by another structure (a town hall, an
    // association) and listed under its own name at the host's address: at one address and
    // one spot, a France Services and a compatible other structure are worth a look, whatever
    // their names. The name counts as at least HOSTED_NAME_FLOOR, which can reach review but
    // never a merge by itself (a merge needs an identifier, a phone, an e-mail or equal names).
    let one_france_services = (a.family == Some(Family::FranceServices)) != (b.family == Some(Family::FranceServices));
    let same_spot = distance_m.is_none_or(|d| d <= NEAR_M) && address.is_some_and(|value| value >= 0.999);
    let hosted = one_france_services && same_spot && typology != TypologyMatch::Incompatible;
    let name_value = if hosted { name.max(HOSTED_NAME_FLOOR) } else { name };
    let mut total = WEIGHT_NAME * name_value;
    let mut weights = WEIGHT_NAME;
    let mut add = |weight: f64, value: f64| {
        total += weight * value;
        weights += weight;
    };
    if let Some(value) = address {
        add(WEIGHT_ADDRESS, value);
    }
    if let Some(distance) = distance_m {
        add(WEIGHT_DISTANCE, distance_value(distance));
    }
    if let Some(same) = same_identifier {
        add(WEIGHT_IDENTIFIER, if same { 1.0 } else { 0.0 });
    }
    if phones_compared {
        add(WEIGHT_PHONE, if phone_match { 1.0 } else { 0.0 });
    }
    if emails_compared {
        add(WEIGHT_EMAIL, if email_match { 1.0 } else { 0.0 });
    }
    match typology {
        TypologyMatch::Same => add(WEIGHT_TYPOLOGY, 1.0),
        TypologyMatch::Compatible => add(WEIGHT_TYPOLOGY, 0.5),
        TypologyMatch::Unknown | TypologyMatch::Incompatible => {}
    }
    let score = (total / weights).clamp(0.0, 1.0);

    let veto = if a.anonymous || b.anonymous {
        Some(Veto::AnonymousName)
    } else if !same_commune(&a.commune, &b.commune) {
        Some(Veto::DifferentCommune)
    } else if typology == TypologyMatch::Incompatible {
        let (x, y) = (a.family.map(Family::label).unwrap_or(""), b.family.map(Family::label).unwrap_or(""));
        // Symmetric: the two labels in alphabetical order.
        let (x, y) = if x <= y { (x, y) } else { (y, x) };
        Some(Veto::IncompatibleTypology { a: x.to_owned(), b: y.to_owned() })
    } else {
        None
    };
    let families = match (a.family, b.family) {
        (Some(x), Some(y)) if y < x => (Some(y), Some(x)),
        (None, Some(y)) => (Some(y), None),
        other => other,
    };
    PairScore {
        score,
        components: ScoreComponents {
            name,
            hosted,
            address,
            distance_m,
            same_identifier,
            identifier_kind,
            typology,
            families,
            phone_match,
            phones_compared,
            email_match,
            emails_compared,
        },
        veto,
    }
}

/// Scores two records. Symmetric: `score(a, b) == score(b, a)`.
pub fn score(a: &PlaceRecord, b: &PlaceRecord) -> PairScore {
    score_prepared(&Prepared::new(a), &Prepared::new(b))
}

/// Scores two places of the registry; `None` when they are one place (same registry id, or
/// same source and id in source): a place is never a duplicate of itself.
pub fn score_places(a: &Place, b: &Place) -> Option<PairScore> {
    (!same_place(a, b)).then(|| score(&a.record, &b.record))
}

fn same_place(a: &Place, b: &Place) -> bool {
    a.id == b.id || (a.source == b.source && a.source_id == b.source_id)
}

/// Index pairs `(i, j)`, `i < j`, of places that may be the same: at most `max_distance_m`
/// apart, or in the same commune when either has no coordinates. Never a place with itself
/// (same registry id, or same source and id in source).
pub fn candidate_pairs(places: &[Place], max_distance_m: f64) -> Vec<(usize, usize)> {
    let records: Vec<&PlaceRecord> = places.iter().map(|place| &place.record).collect();
    candidates::candidate_pairs_by(&records, max_distance_m, |i, j| same_place(&places[i], &places[j]))
}

/// [`candidate_pairs`] as [`Candidate`]s.
pub fn candidates<'a>(places: &'a [Place], max_distance_m: f64) -> Vec<Candidate<'a>> {
    candidate_pairs(places, max_distance_m)
        .into_iter()
        .map(|(i, j)| Candidate { a: &places[i], b: &places[j] })
        .collect()
}

/// [`candidate_pairs`] for bare records (no registry identity: only index equality is "self").
pub fn candidate_record_pairs(records: &[&PlaceRecord], max_distance_m: f64) -> Vec<(usize, usize)> {
    candidates::candidate_pairs_by(records, max_distance_m, |_, _| false)
}

/// A scored candidate pair, by index.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoredPair {
    pub i: usize,
    pub j: usize,
    pub score: PairScore,
}

/// Candidates and scores in one pass over records: every candidate pair, not vetoed, scoring
/// at least `min_score`. `keep(i, j)` filters candidates before scoring (for example, only
/// pairs across sources).
pub fn scan_records(
    records: &[&PlaceRecord],
    max_distance_m: f64,
    min_score: f64,
    keep: impl Fn(usize, usize) -> bool,
) -> Vec<ScoredPair> {
    scan_focused(records, max_distance_m, min_score, |_| true, keep).pairs
}

/// What a scan found, and how many places had candidates cut by a bound.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScanResult {
    pub pairs: Vec<ScoredPair>,
    /// Places some of whose candidates were left out (see [`candidates::CandidateSet::capped`]).
    pub capped: usize,
}

/// [`scan_records`] over the pairs involving at least one record for which `focus(i)` is
/// true: after an import, only the imported source's places are searched around, and only the
/// records of candidate pairs are prepared.
pub fn scan_focused(
    records: &[&PlaceRecord],
    max_distance_m: f64,
    min_score: f64,
    focus: impl Fn(usize) -> bool,
    keep: impl Fn(usize, usize) -> bool,
) -> ScanResult {
    let set = candidates::candidate_set(records, max_distance_m, focus, |_, _| false);
    let pairs: Vec<(usize, usize)> = set.pairs.into_iter().filter(|&(i, j)| keep(i, j)).collect();
    let prepared = prepare(records, &pairs);
    let found = score_all(&pairs, &prepared, min_score, |i, j, score| ScoredPair { i, j, score });
    ScanResult { pairs: found, capped: set.capped }
}

/// How many pairs [`scan_focused`] would return, without keeping their scores: after an
/// import of 100,000 places, a million pairs are counted in the memory of none.
pub fn count_focused(
    records: &[&PlaceRecord],
    max_distance_m: f64,
    min_score: f64,
    focus: impl Fn(usize) -> bool,
    keep: impl Fn(usize, usize) -> bool,
) -> (usize, usize) {
    let set = candidates::candidate_set(records, max_distance_m, focus, |_, _| false);
    let pairs: Vec<(usize, usize)> = set.pairs.into_iter().filter(|&(i, j)| keep(i, j)).collect();
    let prepared = prepare(records, &pairs);
    // A vector of `()` holds no memory: only its length is kept.
    (score_all(&pairs, &prepared, min_score, |_, _, _| ()).len(), set.capped)
}

/// The records of the pairs, prepared once each.
fn prepare(records: &[&PlaceRecord], pairs: &[(usize, usize)]) -> Vec<Option<Prepared>> {
    let mut prepared: Vec<Option<Prepared>> = vec![None; records.len()];
    for &(i, j) in pairs {
        for index in [i, j] {
            if prepared[index].is_none() {
                prepared[index] = Some(Prepared::new(records[index]));
            }
        }
    }
    prepared
}

/// Scores the pairs, keeping `make(i, j, score)` for those not vetoed and at least
/// `min_score`, in the pairs' order. Scoring is pure and dominates the time: it is spread over
/// the available cores.
fn score_all<T: Send>(
    pairs: &[(usize, usize)],
    prepared: &[Option<Prepared>],
    min_score: f64,
    make: impl Fn(usize, usize, PairScore) -> T + Sync,
) -> Vec<T> {
    let make = &make;
    let score_chunk = |chunk: &[(usize, usize)]| -> Vec<T> {
        chunk
            .iter()
            .filter_map(|&(i, j)| {
                let (a, b) = (prepared[i].as_ref()?, prepared[j].as_ref()?);
                let score = score_prepared(a, b);
                (score.veto.is_none() && score.score >= min_score).then(|| make(i, j, score))
            })
            .collect()
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(16);
    if threads <= 1 || pairs.len() < 20_000 {
        return score_chunk(pairs);
    }
    let chunk_len = pairs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = pairs.chunks(chunk_len).map(|chunk| scope.spawn(move || score_chunk(chunk))).collect();
        handles.into_iter().flat_map(|handle| handle.join().expect("scoring never panics")).collect()
    })
}

/// [`scan_records`] for places of the registry, never pairing a place with itself.
pub fn scan(places: &[Place], max_distance_m: f64, min_score: f64) -> Vec<ScoredPair> {
    let records: Vec<&PlaceRecord> = places.iter().map(|place| &place.record).collect();
    scan_records(&records, max_distance_m, min_score, |i, j| !same_place(&places[i], &places[j]))
}

fn decimal(value: f64) -> String {
    format!("{value:.2}").replace('.', ",")
}

/// The score in French, one line per component, for coordinators: "noms proches (0,93)",
/// "à 12 m", "même SIRET", "veto : communes différentes".
pub fn explain(score: &PairScore) -> Vec<String> {
    let c = &score.components;
    let mut lines = Vec::new();
    if let Some(veto) = &score.veto {
        lines.push(match veto {
            Veto::DifferentCommune => "veto : communes différentes".to_owned(),
            Veto::IncompatibleTypology { a, b } => format!("veto : typologies incompatibles ({a} / {b})"),
            Veto::AnonymousName => "veto : nom anonyme".to_owned(),
        });
    }
    lines.push(format!("score {}", decimal(score.score)));
    lines.push(if c.name >= 0.999 {
        "noms identiques une fois normalisés".to_owned()
    } else if c.name >= 0.8 {
        format!("noms proches ({})", decimal(c.name))
    } else if c.name >= 0.5 {
        format!("noms assez proches ({})", decimal(c.name))
    } else {
        format!("noms différents ({})", decimal(c.name))
    });
    if c.hosted {
        lines.push("France Services à la même adresse qu'une autre structure (souvent son hôte)".to_owned());
    }
    lines.push(match c.address {
        None => "adresse inconnue d'un côté".to_owned(),
        Some(value) if value >= 0.999 => "même adresse".to_owned(),
        Some(value) if value >= 0.8 => format!("adresses proches ({})", decimal(value)),
        Some(value) => format!("adresses différentes ({})", decimal(value)),
    });
    lines.push(match c.distance_m {
        None => "distance inconnue (coordonnées manquantes)".to_owned(),
        Some(d) if d < 1000.0 => format!("à {} m", d.round() as i64),
        Some(d) => format!("à {} km", decimal(d / 1000.0)),
    });
    let kind = c.identifier_kind.map(IdKind::label).unwrap_or("identifiant");
    match c.same_identifier {
        Some(true) => lines.push(format!("même {kind}")),
        Some(false) => lines.push(format!("{kind} différents")),
        None => {}
    }
    let label = |family: Option<Family>| family.map(Family::label).unwrap_or("?");
    match c.typology {
        TypologyMatch::Same => lines.push(format!("même typologie ({})", label(c.families.0))),
        TypologyMatch::Compatible => {
            lines.push(format!("typologies compatibles ({} / {})", label(c.families.0), label(c.families.1)))
        }
        TypologyMatch::Incompatible | TypologyMatch::Unknown => {}
    }
    if c.phones_compared {
        lines.push(if c.phone_match { "même téléphone" } else { "téléphones différents" }.to_owned());
    }
    if c.emails_compared {
        lines.push(if c.email_match { "courriel commun" } else { "courriels différents" }.to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    #[test]
    fn byte_levenshtein_agrees_with_strsim() {
        for (a, b) in [("", ""), ("abc", ""), ("kitten", "sitting"), ("mairie", "marie"), ("cc val", "val cc")] {
            assert_eq!(super::byte_levenshtein(a.as_bytes(), b.as_bytes()), strsim::levenshtein(a, b), "{a} / {b}");
            assert!((super::normalized_levenshtein(a, b) - strsim::normalized_levenshtein(a, b)).abs() < 1e-12);
        }
    }
}

#[cfg(test)]
mod recall {
    use maillage_domain::{Coordinates, PlaceRecord};

    use super::*;

    fn at(nom: &str, adresse: &str, lat: f64) -> PlaceRecord {
        PlaceRecord {
            nom: nom.into(),
            adresse: adresse.into(),
            commune: "Nexon".into(),
            code_postal: "87800".into(),
            code_insee: Some("87106".into()),
            coordinates: Some(Coordinates { latitude: lat, longitude: 1.1833 }),
            ..Default::default()
        }
    }

    /// A France Services and the association that hosts it, at one address under different
    /// names, were missed (score 0,65); they go to review, never to a merge on the name alone.
    #[test]
    fn a_france_services_and_its_host_go_to_review() {
        let host =
            at("Association d'animation et de jeunesse du pays de Nexon", "5 rue Jean-Jacques Rousseau", 45.6790);
        let france_services = at("France services Nexon", "5 Rue Jean-Jacques Rousseau", 45.6791);
        let s = score(&host, &france_services);
        assert!(s.components.hosted, "{s:?}");
        assert_eq!(decide(&s, &Thresholds::default()), Decision::Review, "{}", explain(&s).join(" ; "));
        assert!(explain(&s).iter().any(|line| line.contains("France Services à la même adresse")));
        // Not at the same number, or far apart: nothing special.
        let elsewhere = at("France services Nexon", "9 Rue Jean-Jacques Rousseau", 45.6791);
        assert!(!score(&host, &elsewhere).components.hosted);
        let far = at("France services Nexon", "5 Rue Jean-Jacques Rousseau", 45.6840);
        assert!(!score(&host, &far).components.hosted);
        // Two structures sharing an address, neither a France Services: still distinct.
        let club = at("Club informatique des aînés", "5 rue Jean-Jacques Rousseau", 45.6790);
        assert_eq!(decide(&score(&host, &club), &Thresholds::default()), Decision::Distinct);
    }

    /// 1620 and 1624 of one road numbered in metres are one building; 2 and 6 rue X are not.
    #[test]
    fn metric_house_numbers_a_few_metres_apart_are_one_address() {
        let address = |text: &str| normalize::normalise_address(text);
        let near = address_similarity(&address("1620 route de Bidache"), &address("1624 Route de Bidache")).unwrap();
        assert!((near - 0.9).abs() < 1e-9, "{near}");
        let town = address_similarity(&address("2 rue Nationale"), &address("6 rue Nationale")).unwrap();
        assert!((town - 0.5).abs() < 1e-9, "{town}");
        let far = address_similarity(&address("1620 route de Bidache"), &address("1720 route de Bidache")).unwrap();
        assert!((far - 0.5).abs() < 1e-9, "{far}");
    }
}
