//! Normalisation of names, addresses, communes, phones and e-mails before comparison.

use maillage_domain::text::fold;
use maillage_domain::PlaceRecord;

/// Words that carry no identity in a name or an address.
const STOPWORDS: &[&str] = &["le", "la", "les", "l", "de", "du", "des", "d", "et", "a", "au", "aux", "en", "sur"];

/// Multi-word administrative phrases, folded, replaced by a short form before tokenising.
const NAME_PHRASES: &[(&str, &str)] = &[
    ("communaute de communes", "cc"),
    ("communaute d agglomeration", "ca"),
    ("communaute urbaine", "cu"),
    ("centre communal d action sociale", "ccas"),
    ("centre intercommunal d action sociale", "cias"),
    ("maison france services", "france services"),
    ("espace france services", "france services"),
    ("france service", "france services"),
];

/// Prefixes that only say "the commune of X": "Mairie de X", "Ville de X", "Hôtel de ville de X".
const ADMIN_PREFIXES: &[&str] = &[
    "hotel de ville de ",
    "hotel de ville d ",
    "mairie de ",
    "mairie d ",
    "ville de ",
    "ville d ",
    "commune de ",
    "commune d ",
    "municipalite de ",
    "municipalite d ",
    "mairie ",
    "commune ",
    "ville ",
];

/// Single-word abbreviations.
fn expand_name_token(token: &str) -> &str {
    match token {
        "st" => "saint",
        "ste" => "sainte",
        "ass" | "asso" | "association" | "assoc" => "asso",
        "ctre" => "centre",
        "mediatheque" | "bibliotheque" | "bib" | "bibli" => "mediatheque",
        "services" => "services",
        _ => token,
    }
}

fn expand_address_token(token: &str) -> &str {
    match token {
        "av" | "ave" | "avenu" => "avenue",
        "bd" | "bld" | "boul" | "bvd" => "boulevard",
        "r" => "rue",
        "pl" => "place",
        "ch" | "che" | "chem" => "chemin",
        "rte" => "route",
        "all" => "allee",
        "imp" => "impasse",
        "fbg" | "fg" => "faubourg",
        "sq" => "square",
        "crs" => "cours",
        "qu" | "qua" => "quai",
        "res" => "residence",
        "st" => "saint",
        "ste" => "sainte",
        "gal" | "gen" => "general",
        "mal" => "marechal",
        "pdt" => "president",
        "prom" => "promenade",
        "lot" => "lotissement",
        "za" | "zac" | "zi" => "zone",
        _ => token,
    }
}

/// A name reduced to its identity: folded, administrative prefixes and phrases shortened,
/// abbreviations expanded, stopwords dropped. Tokens are kept in order and sorted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NormalName {
    pub tokens: Vec<String>,
    /// The tokens sorted and joined by spaces, so word order does not matter.
    pub sorted: String,
    /// Initials of the name's words in order ("Union départementale des associations
    /// familiales" → "udaf"), when it has at least three.
    pub initials: Option<String>,
}

pub fn normalise_name(name: &str) -> NormalName {
    let mut folded = fold(name);
    // Initials before any shortening: "Communauté de communes Vienne et Gartempe" → "ccvg".
    let ordered: Vec<&str> =
        folded.split(' ').filter(|token| !token.is_empty() && !STOPWORDS.contains(token)).collect();
    let initials =
        (ordered.len() >= 3).then(|| ordered.iter().filter_map(|word| word.chars().next()).collect::<String>());
    for (phrase, short) in NAME_PHRASES {
        if folded.contains(phrase) {
            folded = replace_words(&folded, phrase, short);
        }
    }
    // "Mairie de X" → "X", possibly after a leading article or "la".
    for prefix in ADMIN_PREFIXES {
        if let Some(rest) = folded.strip_prefix(prefix) {
            if !rest.is_empty() {
                folded = rest.to_owned();
            }
            break;
        }
    }
    let tokens: Vec<String> = folded
        .split(' ')
        .filter(|token| !token.is_empty())
        .map(expand_name_token)
        .filter(|token| !STOPWORDS.contains(token))
        .map(str::to_owned)
        .collect();
    let mut sorted_tokens = tokens.clone();
    sorted_tokens.sort();
    sorted_tokens.dedup();
    let sorted = sorted_tokens.join(" ");
    NormalName { tokens: sorted_tokens, sorted, initials }
}

/// Replaces a phrase only at word boundaries.
fn replace_words(text: &str, phrase: &str, replacement: &str) -> String {
    let padded = format!(" {text} ");
    let out = padded.replace(&format!(" {phrase} "), &format!(" {replacement} "));
    out.trim().to_owned()
}

/// An address reduced for comparison: the house number apart, the street's words sorted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NormalAddress {
    /// The first number of the address ("12", "12b" → "12"), if any.
    pub number: Option<String>,
    pub street: String,
}

pub fn normalise_address(address: &str) -> NormalAddress {
    let folded = fold(address);
    let mut number = None;
    let mut words = Vec::new();
    for token in folded.split(' ').filter(|token| !token.is_empty()) {
        let digits: String = token.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            if number.is_none() {
                number = Some(digits.trim_start_matches('0').to_owned());
            }
            continue;
        }
        if matches!(token, "bis" | "ter" | "b" | "cedex" | "bp" | "cs") {
            continue;
        }
        let token = expand_address_token(token);
        if !STOPWORDS.contains(&token) {
            words.push(token);
        }
    }
    words.sort_unstable();
    words.dedup();
    NormalAddress { number, street: words.join(" ") }
}

/// Where a place is, administratively: its commune code (arrondissements of Paris, Lyon and
/// Marseille mapped onto their commune) and, always, a key from its postcode's département and
/// its folded commune name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommuneKey {
    pub code: Option<String>,
    pub name_key: String,
}

/// Maps an arrondissement's INSEE code onto its commune's.
pub fn commune_code(code: &str) -> String {
    let code = code.trim().to_ascii_uppercase();
    if code.len() == 5 {
        if code.starts_with("751") {
            return "75056".to_owned();
        }
        if code.starts_with("6938") {
            return "69123".to_owned();
        }
        if let Some(Ok(n)) = code.strip_prefix("132").map(str::parse::<u32>) {
            if (1..=16).contains(&n) {
                return "13055".to_owned();
            }
        }
    }
    code
}

/// The commune code a postcode implies for Paris, Lyon and Marseille (whose arrondissements
/// have their own postcodes and names such as "MARSEILLE 11").
fn plm_from_postcode(postcode: &str) -> Option<&'static str> {
    let pc = postcode.trim();
    if pc.len() != 5 || !pc.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = pc.parse().ok()?;
    match n {
        75001..=75020 | 75116 => Some("75056"),
        69001..=69009 => Some("69123"),
        13001..=13016 => Some("13055"),
        _ => None,
    }
}

/// The département part of a postcode: 3 digits overseas (97x, 98x), else 2.
fn postcode_departement(postcode: &str) -> &str {
    let pc = postcode.trim();
    let len = if pc.starts_with("97") || pc.starts_with("98") { 3 } else { 2 };
    pc.get(..len).unwrap_or(pc)
}

/// Folds a commune name: accents, case, hyphens, "St"/"Ste", "Cedex" and trailing
/// arrondissement numbers.
pub fn fold_commune(name: &str) -> String {
    let folded = fold(name);
    let mut words: Vec<&str> = Vec::new();
    for word in folded.split(' ') {
        if matches!(word, "cedex" | "bp" | "cs" | "tsa") {
            break;
        }
        words.push(match word {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        });
    }
    // "paris 15e arrondissement", "lyon 3eme", "marseille 11"
    while let Some(last) = words.last() {
        let is_arr = *last == "arrondissement"
            || *last == "arr"
            || last.trim_end_matches(|c: char| c.is_ascii_alphabetic()).chars().all(|c| c.is_ascii_digit())
                && last.chars().next().is_some_and(|c| c.is_ascii_digit());
        if is_arr && words.len() > 1 {
            words.pop();
        } else {
            break;
        }
    }
    words.join(" ")
}

pub fn commune_key(record: &PlaceRecord) -> CommuneKey {
    let plm = plm_from_postcode(&record.code_postal);
    let code = record.code_insee.as_deref().map(commune_code).or_else(|| plm.map(str::to_owned));
    let name_key = match plm {
        Some(code) => format!("plm:{code}"),
        None => format!("{}:{}", postcode_departement(&record.code_postal), fold_commune(&record.commune)),
    };
    CommuneKey { code, name_key }
}

/// Whether two places are in the same commune: codes when both have one, else the
/// postcode's département and the folded name. (Not the postcode itself: a large commune
/// has several.)
pub fn same_commune(a: &CommuneKey, b: &CommuneKey) -> bool {
    match (&a.code, &b.code) {
        (Some(x), Some(y)) => x == y,
        _ => a.name_key == b.name_key,
    }
}

/// The last nine digits of a phone number: the subscriber number in France, whatever the
/// prefix (+33, 0, +262…).
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 9 {
        return None;
    }
    Some(digits[digits.len() - 9..].to_owned())
}

pub fn email_keys(emails: &[String]) -> Vec<String> {
    let mut keys: Vec<String> =
        emails.iter().map(|email| email.trim().to_lowercase()).filter(|email| email.contains('@')).collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Names that say nothing about the place: "[Non diffusible]", "Inconnu"…
pub fn is_anonymous_name(name: &str) -> bool {
    let folded = fold(name);
    matches!(
        folded.as_str(),
        "" | "non diffusible"
            | "nondiffusible"
            | "inconnu"
            | "inconnue"
            | "non renseigne"
            | "non communique"
            | "nc"
            | "n c"
            | "na"
            | "n a"
            | "anonyme"
            | "xxx"
            | "sans nom"
            | "test"
    )
}

/// A pivot that is a real identifier: SIRET (14 digits), SIREN (9) or RNA (W + 9 characters).
/// Returns the kind and the normalised value.
pub fn identifier(pivot: &str) -> Option<(IdKind, String)> {
    let compact: String = pivot.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if compact.chars().all(|c| c.is_ascii_digit()) && compact.chars().any(|c| c != '0') {
        return match compact.len() {
            14 => Some((IdKind::Siret, compact)),
            9 => Some((IdKind::Siren, compact)),
            _ => None,
        };
    }
    if compact.len() == 10 && compact.starts_with('W') {
        return Some((IdKind::Rna, compact));
    }
    None
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IdKind {
    Siret,
    Siren,
    Rna,
}

impl IdKind {
    pub fn label(self) -> &'static str {
        match self {
            IdKind::Siret => "SIRET",
            IdKind::Siren => "SIREN",
            IdKind::Rna => "RNA",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_administrative_prefixes_and_abbreviations() {
        assert_eq!(normalise_name("Mairie de Saint-Laurent").sorted, "laurent saint");
        assert_eq!(normalise_name("Hôtel de Ville de St Laurent").sorted, "laurent saint");
        assert_eq!(normalise_name("VILLE DE ST-LAURENT").sorted, "laurent saint");
        assert_eq!(normalise_name("Municipalité d'Annay").sorted, "annay");
        assert_eq!(normalise_name("Communauté de communes du Val d'Amboise").sorted, "amboise cc val");
        assert_eq!(normalise_name("CC du Val d'Amboise").sorted, "amboise cc val");
        assert_eq!(normalise_name("Ass. Les Tracols").sorted, normalise_name("Association les Tracols").sorted);
        assert_eq!(normalise_name("Médiathèque").sorted, normalise_name("Bibliothèque").sorted);
        // A bare "Mairie" stays a name.
        assert_eq!(normalise_name("Mairie").sorted, "mairie");
        assert_eq!(normalise_name("Mairie CERDON").sorted, normalise_name("Mairie de Cerdon").sorted);
        assert_eq!(normalise_name("COMMUNE DU LAMENTIN").sorted, "lamentin");
    }

    #[test]
    fn addresses_expand_street_types() {
        let a = normalise_address("4 AV DE SAINT MENET");
        let b = normalise_address("4, avenue de St-Menet");
        assert_eq!(a, b);
        assert_eq!(a.number.as_deref(), Some("4"));
        assert_eq!(normalise_address("PL ROGER SALENGRO").street, normalise_address("place Roger Salengro").street);
    }

    #[test]
    fn arrondissements_count_as_their_commune() {
        assert_eq!(commune_code("75115"), "75056");
        assert_eq!(commune_code("69383"), "69123");
        assert_eq!(commune_code("13211"), "13055");
        assert_eq!(commune_code("13201"), "13055");
        assert_eq!(commune_code("13100"), "13100");
        assert_eq!(commune_code("37261"), "37261");
        assert_eq!(fold_commune("MARSEILLE 11"), "marseille");
        assert_eq!(fold_commune("Paris 15e Arrondissement"), "paris");
        assert_eq!(fold_commune("ST LAURENT EN ROYANS"), fold_commune("Saint-Laurent-en-Royans"));
        assert_eq!(fold_commune("TOURS CEDEX 1"), "tours");
        assert_eq!(fold_commune("SOMMIERES BP 81005"), "sommieres");
    }

    #[test]
    fn identifiers_are_real_ones_only() {
        assert_eq!(identifier("77556026100015"), Some((IdKind::Siret, "77556026100015".into())));
        assert_eq!(identifier("W751234567"), Some((IdKind::Rna, "W751234567".into())));
        assert_eq!(identifier("00000000000000"), None);
        assert_eq!(identifier("123"), None);
    }

    #[test]
    fn phones_compare_on_the_subscriber_number() {
        assert_eq!(phone_key("+33321134420"), phone_key("03 21 13 44 20"));
        assert_eq!(phone_key("12"), None);
    }

    #[test]
    fn anonymous_names() {
        assert!(is_anonymous_name("[Non diffusible]"));
        assert!(is_anonymous_name(" Inconnu "));
        assert!(!is_anonymous_name("Mairie"));
    }
}
