//! What a column holds, measured on its values: how full it is, how varied, and which kinds
//! of value (postcodes, INSEE codes, coordinates, phones, e-mails, web addresses, dates,
//! opening hours, addresses, yes/no answers, long texts) make up how much of it.

use std::collections::HashMap;
use std::sync::OnceLock;

use maillage_domain::text::fold;
use regex::Regex;

use crate::geo::{LAMBERT93_X, LAMBERT93_Y};
use crate::reader::SourceRow;

/// Kinds of value a column may hold; one value can be of several kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Postcode,
    Insee,
    Latitude,
    Longitude,
    LambertX,
    LambertY,
    /// "47.7698,7.32193" in one value.
    LatLonPair,
    Phone,
    Email,
    Url,
    Date,
    Hours,
    /// A list of day names ("{Lundi,Mardi}").
    Days,
    /// A street address ("12 rue …", "Place de la Mairie").
    Address,
    /// An address followed by a postcode and a town.
    AddressWithPostcode,
    /// oui/non, x, true/false, 0/1.
    YesNo,
    Siret,
}

/// One column, measured.
#[derive(Clone, Debug)]
pub struct ColumnProfile {
    pub name: String,
    /// The name folded (lower case, no accents), words separated by one space.
    pub folded: String,
    /// The folded name without spaces: "Code postal" and "Codepostal" both give "codepostal".
    pub compact: String,
    /// Rows where the column has a value.
    pub filled: usize,
    /// Rows profiled.
    pub rows: usize,
    /// Distinct values (trimmed), with how many rows hold each, at most `MAX_DISTINCT`.
    pub values: Vec<(String, usize)>,
    /// Whether more distinct values exist than were kept.
    pub many: bool,
    /// Mean length of the values, in characters.
    pub mean_length: f64,
    /// Share of the filled rows whose value is of each kind.
    kinds: HashMap<Kind, f64>,
}

/// Distinct values kept per column: enough to read vocabularies, bounded for large files.
const MAX_DISTINCT: usize = 3000;

impl ColumnProfile {
    /// The share (0 to 1) of filled values of this kind.
    pub fn share(&self, kind: Kind) -> f64 {
        self.kinds.get(&kind).copied().unwrap_or(0.0)
    }

    /// The share of rows that have a value.
    pub fn fill(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.filled as f64 / self.rows as f64
        }
    }

    /// Distinct values over filled rows: 1 when every value differs.
    pub fn uniqueness(&self) -> f64 {
        if self.filled == 0 {
            0.0
        } else if self.many {
            1.0
        } else {
            self.values.len() as f64 / self.filled as f64
        }
    }

    /// The folded words of the name.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.folded.split(' ').filter(|word| !word.is_empty())
    }

    /// Columns added by a geocoder or an aggregator (`result_label`, `_di_…`): true values, but
    /// second to the producer's own columns.
    pub fn derived(&self) -> bool {
        self.name.starts_with("result_") || self.name.starts_with('_') || self.compact.contains("geocod")
    }
}

fn regexes() -> &'static Regexes {
    static REGEXES: OnceLock<Regexes> = OnceLock::new();
    REGEXES.get_or_init(Regexes::new)
}

struct Regexes {
    postcode: Regex,
    insee: Regex,
    decimal: Regex,
    pair: Regex,
    email: Regex,
    url: Regex,
    date: Regex,
    hours: Regex,
    address: Regex,
    with_postcode: Regex,
}

impl Regexes {
    fn new() -> Self {
        let compile = |pattern: &str| Regex::new(pattern).expect("valid profile regex");
        Regexes {
            postcode: compile(r"^(?:[0-9]{5}|[0-9]{2} [0-9]{3}|[0-9]{4})(?:\.0)?$"),
            insee: compile(r"^(?:[0-9]{5}|2[AaBb][0-9]{3}|[0-9]{4})(?:\.0)?$"),
            decimal: compile(r"^-?[0-9]{1,7}[.,][0-9]+$"),
            pair: compile(r"^\s*-?[0-9]{1,3}[.][0-9]+\s*[,;]\s*-?[0-9]{1,3}[.][0-9]+\s*$"),
            email: compile(r"(?i)^(?:mailto:)?[a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,}"),
            url: compile(
                r"(?i)^(?:https?://|www\.)\S+|^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:fr|com|org|net|eu|info|corsica|bzh|re|nc|io|gouv\.fr)(?:/\S*)?$",
            ),
            date: compile(
                r"^(?:[0-9]{4}[-/][0-9]{2}[-/][0-9]{2}|[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4})(?:[ T][0-9:.]+.*)?$",
            ),
            hours: compile(
                r"(?i)\b[0-9]{1,2}\s*(?:h|:)\s*[0-9]{0,2}\b|\b(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?\s+[0-9]{2}:[0-9]{2}|\bferm[ée]e?\b",
            ),
            address: compile(
                r"(?i)^\s*(?:[0-9]+\s*(?:bis|ter|[a-d])?\b[\s,]*)?(?:rue|avenue|av\.?|bd|boulevard|place|pl\.?|chemin|ch\.|route|rte|all[ée]e|impasse|imp\.?|quai|cours|square|lieu[- ]dit|rond[- ]point|faubourg|fbg|zone|za|zi|zac|r[ée]sidence|hameau|le bourg|bourg|chauss[ée]e|voie|passage|promenade|esplanade|parvis|domaine|lotissement|lot\.?|sentier|bp|cs)\b",
            ),
            with_postcode: compile(r"(?si)^\s*.*?[^\s,\-][\s,\-]+(?:2[AB]|[0-9]{2})\s?[0-9]{3}[\s,]+[^\W\d_][^,]*"),
        }
    }
}

const YES_NO: [&str; 16] =
    ["oui", "non", "o", "n", "x", "true", "false", "vrai", "faux", "yes", "no", "1", "0", "1 0", "0 0", ""];

const DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

fn number(value: &str) -> Option<f64> {
    let cleaned = value.trim().replace([' ', '\u{a0}'], "").replace(',', ".");
    cleaned.parse::<f64>().ok().filter(|number| number.is_finite())
}

/// The kinds of one value.
pub fn kinds_of(value: &str, out: &mut Vec<Kind>) {
    let r = regexes();
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return;
    }
    if r.postcode.is_match(trimmed) {
        out.push(Kind::Postcode);
    }
    if r.insee.is_match(trimmed) {
        out.push(Kind::Insee);
    }
    if r.decimal.is_match(trimmed) {
        if let Some(n) = number(trimmed) {
            if (-90.0..=90.0).contains(&n) && n.fract() != 0.0 {
                out.push(Kind::Latitude);
            }
            if (-180.0..=180.0).contains(&n) && n.fract() != 0.0 {
                out.push(Kind::Longitude);
            }
            if LAMBERT93_X.contains(&n) {
                out.push(Kind::LambertX);
            }
            if LAMBERT93_Y.contains(&n) {
                out.push(Kind::LambertY);
            }
        }
    } else if let Some(n) = number(trimmed) {
        if LAMBERT93_X.contains(&n) {
            out.push(Kind::LambertX);
        }
        if LAMBERT93_Y.contains(&n) {
            out.push(Kind::LambertY);
        }
    }
    if r.pair.is_match(trimmed) {
        out.push(Kind::LatLonPair);
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let phone_chars = trimmed.chars().all(|c| c.is_ascii_digit() || " .-+/()".contains(c));
    if phone_chars && (digits.len() == 10 && digits.starts_with('0') || digits.len() == 11 && digits.starts_with("33"))
        || phone_chars && trimmed.starts_with('+') && (9..=15).contains(&digits.len())
        || digits.len() == 9 && trimmed.len() == 9 && !digits.starts_with('0')
        || phone_chars && digits.len() == 4 && trimmed.contains(' ')
    {
        out.push(Kind::Phone);
    }
    if r.email.is_match(trimmed) {
        out.push(Kind::Email);
    }
    if r.url.is_match(trimmed) {
        out.push(Kind::Url);
    }
    if r.date.is_match(trimmed) {
        out.push(Kind::Date);
    }
    let folded = fold(trimmed);
    if r.hours.is_match(trimmed) && (folded.chars().any(|c| c.is_ascii_digit()) || folded.contains("ferme")) {
        out.push(Kind::Hours);
    }
    let words: Vec<&str> = folded.split(' ').collect();
    if !words.is_empty() && words.len() <= 7 && words.iter().all(|word| DAYS.contains(word)) {
        out.push(Kind::Days);
    }
    if r.address.is_match(trimmed) {
        out.push(Kind::Address);
    }
    if trimmed.chars().any(|c| c.is_alphabetic()) && r.with_postcode.is_match(trimmed) {
        out.push(Kind::AddressWithPostcode);
    }
    if YES_NO.contains(&folded.as_str()) {
        out.push(Kind::YesNo);
    }
    let siret: String = trimmed.trim_end_matches(".0").chars().filter(|c| !c.is_whitespace()).collect();
    if siret.len() == 14 && siret.chars().all(|c| c.is_ascii_digit()) {
        out.push(Kind::Siret);
    }
}

/// Measures every column of `columns` on `rows`.
pub fn profile(columns: &[String], rows: &[SourceRow]) -> Vec<ColumnProfile> {
    let index: HashMap<&str, usize> = columns.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
    let mut counts: Vec<HashMap<String, usize>> = vec![HashMap::new(); columns.len()];
    let mut overflow = vec![false; columns.len()];
    let mut filled = vec![0usize; columns.len()];
    for row in rows {
        // A column counts once per row even when a merged row repeats it.
        let mut seen = vec![false; columns.len()];
        for (name, value) in &row.values {
            let Some(&i) = index.get(name.as_str()) else { continue };
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            if !seen[i] {
                seen[i] = true;
                filled[i] += 1;
            }
            let distinct = &mut counts[i];
            if let Some(count) = distinct.get_mut(value) {
                *count += 1;
            } else if distinct.len() < MAX_DISTINCT {
                distinct.insert(value.to_owned(), 1);
            } else {
                overflow[i] = true;
            }
        }
    }
    columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut values: Vec<(String, usize)> = counts[i].drain().collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let total: usize = values.iter().map(|(_, count)| count).sum();
            let mut kinds: HashMap<Kind, f64> = HashMap::new();
            let mut length = 0.0;
            let mut found = Vec::new();
            for (value, count) in &values {
                found.clear();
                kinds_of(value, &mut found);
                found.sort_unstable();
                found.dedup();
                for kind in &found {
                    *kinds.entry(*kind).or_default() += *count as f64;
                }
                length += value.chars().count() as f64 * *count as f64;
            }
            if total > 0 {
                for share in kinds.values_mut() {
                    *share /= total as f64;
                }
                length /= total as f64;
            }
            let folded = fold(name);
            ColumnProfile {
                name: name.clone(),
                compact: folded.replace(' ', ""),
                folded,
                filled: filled[i],
                rows: rows.len(),
                values,
                many: overflow[i],
                mean_length: length,
                kinds,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(value: &str) -> Vec<Kind> {
        let mut out = Vec::new();
        kinds_of(value, &mut out);
        out
    }

    #[test]
    fn values_are_recognised() {
        assert!(kinds("41000").contains(&Kind::Postcode));
        assert!(kinds("2A004").contains(&Kind::Insee));
        assert!(kinds("47.7698").contains(&Kind::Latitude));
        assert!(kinds("394035,185458573").contains(&Kind::LambertX));
        assert!(kinds("6692191,98038466").contains(&Kind::LambertY));
        assert!(kinds("47.7698,7.32193").contains(&Kind::LatLonPair));
        assert!(kinds("02 41 31 75 75").contains(&Kind::Phone));
        assert!(kinds("+33248242226").contains(&Kind::Phone));
        assert!(kinds("contact@mairie.fr").contains(&Kind::Email));
        assert!(kinds("www.mairie.fr").contains(&Kind::Url));
        assert!(kinds("09/12/2020").contains(&Kind::Date));
        assert!(kinds("Lundi au vendredi 9h-12h").contains(&Kind::Hours));
        assert!(kinds("Mo-Fr 09:00-12:00").contains(&Kind::Hours));
        assert!(kinds("12 rue Nationale").contains(&Kind::Address));
        assert!(kinds("3 Cours Gay Lussac, 87000 Limoges").contains(&Kind::AddressWithPostcode));
        assert!(kinds("Oui").contains(&Kind::YesNo));
        assert!(kinds("13002603200016.0").contains(&Kind::Siret));
        assert!(kinds("Médiathèque").is_empty());
    }
}
