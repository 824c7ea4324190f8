//! From an untyped record (field name → text, as read from any file) to a typed
//! [`PlaceRecord`], repairing what can be repaired and reporting every problem.
//!
//! The rules: a row is rejected only when a required field (`id`, `nom`, `commune`,
//! `code_postal`, `adresse`) is missing or unusable after every repair; a bad optional
//! value is dropped with a warning and the row kept; placeholders (`pivot`
//! `00000000000000`, `date_maj` 1970-01-01) become "unknown" with a warning.
//!
//! Every value is bounded ([`max_chars`]): a required field longer than its bound rejects
//! the row, an optional one is dropped with a warning, so a runaway cell never reaches the
//! registry. The standard bounds only `presentation_resume` (280, repaired below); the other
//! bounds follow data·inclusion's `nom` (at most 150 characters) with room to spare: 250 for
//! names and addresses, 1,000 for contacts and links, 2,000 for hours and lists, 10,000
//! for descriptions and a mapping's extra columns, each well above the longest value of the
//! real files we hold.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::hours::{french, Horaires};
use crate::phone::normalise_phone;
use crate::place::{Coordinates, PlaceRecord};
use crate::problem::Problem;
use crate::text::{fold, non_empty};
use crate::vocab::*;

/// The standard's 32 fields, in its column order.
pub const FIELDS: [&str; 32] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
];

/// v0.1 fields that split into several v1 fields; the readers pass them under these names.
pub const V0_PUBLICS_ACCUEILLIS: &str = "publics_accueillis";
pub const V0_LABELS_NATIONAUX: &str = "labels_nationaux";

pub const PIVOT_PLACEHOLDER: &str = "00000000000000";
const RESUME_MAX_CHARS: usize = 280;

/// A record as read from a file: values keyed by v1 field names (or the two v0 names
/// above), plus the source columns a mapping keeps as extra attributes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawRecord {
    pub fields: BTreeMap<String, String>,
    pub extras: BTreeMap<String, String>,
}

impl RawRecord {
    pub fn set(&mut self, field: &str, value: impl Into<String>) {
        self.fields.insert(field.to_owned(), value.into());
    }

    /// Appends to a multi-valued field with the standard's `|` separator.
    pub fn append(&mut self, field: &str, value: &str) {
        match self.fields.get_mut(field) {
            Some(existing) if !existing.trim().is_empty() => {
                existing.push('|');
                existing.push_str(value);
            }
            _ => {
                self.fields.insert(field.to_owned(), value.to_owned());
            }
        }
    }

    fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(|value| non_empty(value))
    }
}

/// The longest value kept for a field (or an extra column), in characters.
pub fn max_chars(field: &str) -> usize {
    match field {
        "id" | "nom" | "commune" | "adresse" | "complement_adresse" | "source" | "structure_parente" | "pivot"
        | "code_postal" | "code_insee" | "latitude" | "longitude" | "date_maj" | "itinerance" | "typologie" => 250,
        "telephone" | "courriels" | "site_web" | "fiche_acces_libre" | "prise_rdv" | "autres_formations_labels" => {
            1_000
        }
        "horaires"
        | "services"
        | "publics_specifiquement_adresses"
        | "prise_en_charge_specifique"
        | "frais_a_charge"
        | "dispositif_programmes_nationaux"
        | "formations_labels"
        | "modalites_acces"
        | "modalites_accompagnement"
        | V0_PUBLICS_ACCUEILLIS
        | V0_LABELS_NATIONAUX => 2_000,
        _ => MAX_VALUE_CHARS,
    }
}

/// The longest value of any field: descriptions and extra columns. Readers may cut a value
/// just beyond it ([`MAX_VALUE_CHARS`] + 1 characters) so a huge cell never costs memory.
pub const MAX_VALUE_CHARS: usize = 10_000;

const REQUIRED: [&str; 5] = ["id", "nom", "commune", "code_postal", "adresse"];

/// The start of a value, to show in a report without copying a runaway cell.
pub fn preview(value: &str) -> String {
    const SHOWN: usize = 60;
    match value.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

/// Drops every value longer than its bound, with a problem each; `Some` only when one was.
fn without_long_values(raw: &RawRecord) -> Option<(RawRecord, Vec<Problem>, bool)> {
    let too_long =
        |field: &str, value: &str| value.len() > max_chars(field) && value.chars().count() > max_chars(field);
    if !raw.fields.iter().chain(&raw.extras).any(|(field, value)| too_long(field, value)) {
        return None;
    }
    let mut cleaned = raw.clone();
    let mut problems = Vec::new();
    let mut reject = false;
    let mut check = |values: &mut BTreeMap<String, String>, extras: bool| {
        values.retain(|field, value| {
            if !too_long(field, value) {
                return true;
            }
            let (max, count) = (max_chars(field), value.chars().count());
            let required = !extras && REQUIRED.contains(&field.as_str());
            let length = if count > MAX_VALUE_CHARS {
                format!("plus de {}", thousands(MAX_VALUE_CHARS))
            } else {
                thousands(count)
            };
            let reason = format!(
                "valeur trop longue ({length} caractères, au plus {}) : {}",
                thousands(max),
                if required { "ligne rejetée" } else { "valeur ignorée" }
            );
            reject |= required;
            let severity = if required { crate::Severity::Error } else { crate::Severity::Warning };
            problems.push(Problem::new(severity, field, &preview(value), reason));
            false
        });
    };
    check(&mut cleaned.fields, false);
    check(&mut cleaned.extras, true);
    Some((cleaned, problems, reject))
}

/// 12 345 → "12 345" (French thousands separator, a narrow no-break space).
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// The outcome of building one record: `None` when the row is rejected.
pub struct Built {
    pub record: Option<PlaceRecord>,
    pub problems: Vec<Problem>,
}

/// Builds a typed record. Never panics on any input.
pub fn build_record(raw: &RawRecord) -> Built {
    // NUL characters are invisible, meaningless in a place's data, and refused by some
    // databases (PostgreSQL text): they are removed, with a warning.
    if raw.fields.values().chain(raw.extras.values()).any(|value| value.contains('\0')) {
        let mut cleaned = raw.clone();
        let mut problems = Vec::new();
        for (field, value) in cleaned.fields.iter_mut().chain(cleaned.extras.iter_mut()) {
            if value.contains('\0') {
                *value = value.replace('\0', "");
                problems.push(Problem::warning(field, value, "caractère nul (invisible) supprimé"));
            }
        }
        let mut built = build_record(&cleaned);
        problems.append(&mut built.problems);
        built.problems = problems;
        return built;
    }
    if let Some((cleaned, mut problems, reject)) = without_long_values(raw) {
        let mut built = build_record(&cleaned);
        // A required value dropped for its length is reported as too long, not as missing.
        built.problems.retain(|problem| {
            !(problems.iter().any(|long| long.field == problem.field) && problem.reason == "champ obligatoire manquant")
        });
        problems.append(&mut built.problems);
        built.problems = problems;
        if reject {
            built.record = None;
        }
        return built;
    }
    let mut problems = Vec::new();
    let mut record = PlaceRecord::default();
    let mut rejected = false;

    let mut required = |field: &str, problems: &mut Vec<Problem>| -> String {
        match raw.get(field) {
            Some(value) => value.to_owned(),
            None => {
                problems.push(Problem::error(field, "", "champ obligatoire manquant"));
                rejected = true;
                String::new()
            }
        }
    };
    record.id = required("id", &mut problems);
    record.nom = required("nom", &mut problems);
    record.commune = required("commune", &mut problems);
    record.adresse = required("adresse", &mut problems);

    record.code_insee = raw.get("code_insee").and_then(|value| match code_insee(value) {
        Some(code) => Some(code),
        None => {
            problems.push(Problem::warning("code_insee", value, "code INSEE invalide, ignoré"));
            None
        }
    });
    match raw.get("code_postal") {
        None => {
            problems.push(Problem::error("code_postal", "", "champ obligatoire manquant"));
            rejected = true;
        }
        Some(value) => match postcode(value) {
            Some(code) => {
                if code != value {
                    problems.push(Problem::info("code_postal", value, format!("code postal réécrit en {code}")));
                }
                record.code_postal = code;
            }
            None => {
                problems.push(Problem::error("code_postal", value, "code postal invalide (5 chiffres attendus)"));
                rejected = true;
            }
        },
    }

    record.pivot = raw.get("pivot").and_then(|value| pivot(value, &mut problems));
    record.complement_adresse = raw.get("complement_adresse").map(str::to_owned);
    record.coordinates = coordinates(raw, &mut problems);
    record.typologie = raw.get("typologie").map(|value| split_free_list(value, &['|', ';', ','])).unwrap_or_default();
    record.telephone =
        raw.get("telephone").and_then(|value| match normalise_phone(value, Some(record.code_postal.as_str())) {
            Ok(phone) => {
                for other in phone.dropped {
                    problems.push(Problem::warning(
                        "telephone",
                        &other,
                        "numéro supplémentaire non retenu (un seul numéro dans le standard)",
                    ));
                }
                Some(phone.number)
            }
            Err(reason) => {
                problems.push(Problem::warning("telephone", value, reason));
                None
            }
        });
    record.courriels = raw.get("courriels").map(|value| emails(value, &mut problems)).unwrap_or_default();
    record.site_web = raw.get("site_web").map(|value| urls("site_web", value, &mut problems)).unwrap_or_default();
    record.horaires = raw.get("horaires").and_then(|value| opening_hours(value, &mut problems));
    let (resume, detail) = presentation(raw.get("presentation_resume"), raw.get("presentation_detail"), &mut problems);
    record.presentation_resume = resume;
    record.presentation_detail = detail;
    record.source = raw.get("source").map(str::to_owned);
    record.itinerance = vocabulary_list(raw.get("itinerance"), &mut problems);
    record.structure_parente = raw.get("structure_parente").map(str::to_owned);
    record.date_maj = date_maj(raw.get("date_maj"), &mut problems);
    record.services = vocabulary_list(raw.get("services"), &mut problems);
    record.publics_specifiquement_adresses = vocabulary_list(raw.get("publics_specifiquement_adresses"), &mut problems);
    record.prise_en_charge_specifique = vocabulary_list(raw.get("prise_en_charge_specifique"), &mut problems);
    record.frais_a_charge = vocabulary_list(raw.get("frais_a_charge"), &mut problems);
    record.dispositif_programmes_nationaux = vocabulary_list(raw.get("dispositif_programmes_nationaux"), &mut problems);
    record.formations_labels = vocabulary_list(raw.get("formations_labels"), &mut problems);
    record.autres_formations_labels =
        raw.get("autres_formations_labels").map(|value| split_free_list(value, &['|'])).unwrap_or_default();
    record.modalites_acces = vocabulary_list(raw.get("modalites_acces"), &mut problems);
    record.modalites_accompagnement = vocabulary_list(raw.get("modalites_accompagnement"), &mut problems);
    record.fiche_acces_libre =
        raw.get("fiche_acces_libre").and_then(|value| single_url("fiche_acces_libre", value, &mut problems));
    record.prise_rdv = raw.get("prise_rdv").and_then(|value| single_url("prise_rdv", value, &mut problems));

    if let Some(value) = raw.get(V0_PUBLICS_ACCUEILLIS) {
        publics_accueillis(value, &mut record, &mut problems);
    }
    if let Some(value) = raw.get(V0_LABELS_NATIONAUX) {
        labels_nationaux(value, &mut record, &mut problems);
    }

    Built { record: (!rejected).then_some(record), problems }
}

fn code_insee(value: &str) -> Option<String> {
    let value = value.trim();
    let padded = if value.len() == 4 && value.chars().all(|c| c.is_ascii_digit()) {
        format!("0{value}")
    } else {
        value.to_uppercase()
    };
    let bytes = padded.as_bytes();
    let valid = bytes.len() == 5
        && match (bytes[0], bytes[1]) {
            (b'2', b'A' | b'B') => true,
            (b'2', second) => (b'1'..=b'9').contains(&second),
            (first, second) => matches!(first, b'0' | b'1' | b'3'..=b'9') && second.is_ascii_digit(),
        }
        && bytes[2..].iter().all(u8::is_ascii_digit);
    valid.then_some(padded)
}

fn postcode(value: &str) -> Option<String> {
    // "30252 Cedex 9": a CEDEX code is still a 5-digit postal code; the mention goes.
    let without_cedex = match value.to_ascii_lowercase().find("cedex") {
        Some(position) => &value[..position],
        None => value,
    };
    let digits: String = without_cedex.trim().trim_end_matches(".0").chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match digits.len() {
        5 => Some(digits),
        // Postcodes stored as numbers lose their leading zero (4000 for 04000).
        4 => Some(format!("0{digits}")),
        _ => None,
    }
}

fn pivot(value: &str, problems: &mut Vec<Problem>) -> Option<String> {
    let cleaned: String =
        value.trim().trim_end_matches(".0").chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
    if cleaned.chars().all(|c| c == '0') {
        problems.push(Problem::warning(
            "pivot",
            value,
            "identifiant fictif (00000000000000) : pivot considéré comme inconnu",
        ));
        return None;
    }
    let valid = (9..=14).contains(&cleaned.len()) && cleaned.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        Some(cleaned)
    } else {
        problems.push(Problem::warning(
            "pivot",
            value,
            "SIRET, RNA ou RIDET invalide (9 à 14 lettres ou chiffres), ignoré",
        ));
        None
    }
}

fn parse_coordinate(value: &str) -> Option<f64> {
    value.trim().replace(',', ".").parse::<f64>().ok().filter(|number| number.is_finite())
}

fn coordinates(raw: &RawRecord, problems: &mut Vec<Problem>) -> Option<Coordinates> {
    let (lat_text, lon_text) = match (raw.get("latitude"), raw.get("longitude")) {
        (None, None) => return None,
        (Some(lat), Some(lon)) => (lat, lon),
        (Some(lat), None) => {
            problems.push(Problem::warning("latitude", lat, "latitude sans longitude, coordonnées ignorées"));
            return None;
        }
        (None, Some(lon)) => {
            problems.push(Problem::warning("longitude", lon, "longitude sans latitude, coordonnées ignorées"));
            return None;
        }
    };
    let Some(latitude) = parse_coordinate(lat_text) else {
        problems.push(Problem::warning("latitude", lat_text, "latitude non numérique, coordonnées ignorées"));
        return None;
    };
    let Some(longitude) = parse_coordinate(lon_text) else {
        problems.push(Problem::warning("longitude", lon_text, "longitude non numérique, coordonnées ignorées"));
        return None;
    };
    if latitude == 0.0 && longitude == 0.0 {
        problems.push(Problem::warning("latitude", lat_text, "coordonnées (0, 0) considérées comme inconnues"));
        return None;
    }
    if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
        problems.push(Problem::warning(
            "latitude",
            &format!("{lat_text}, {lon_text}"),
            "coordonnées hors des bornes WGS84, ignorées",
        ));
        return None;
    }
    Some(Coordinates { latitude, longitude })
}

fn split_free_list(value: &str, separators: &[char]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    value
        .split(separators)
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .filter(|part| seen.insert(part.to_string()))
        .map(str::to_owned)
        .collect()
}

fn emails(value: &str, problems: &mut Vec<Problem>) -> Vec<String> {
    let mut out = Vec::new();
    for part in value.split(['|', ';', ',', ' ', '\n', '/']).map(str::trim).filter(|part| !part.is_empty()) {
        let address = part.trim_start_matches("mailto:").trim_matches(|c| c == '<' || c == '>' || c == '.');
        let valid = match address.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.contains('@')
            }
            None => false,
        };
        if valid {
            let address = address.to_owned();
            if !out.contains(&address) {
                out.push(address);
            }
        } else {
            problems.push(Problem::warning("courriels", part, "adresse électronique invalide, ignorée"));
        }
    }
    out
}

fn normalise_url(field: &str, part: &str, problems: &mut Vec<Problem>) -> Option<String> {
    let lower = part.to_ascii_lowercase();
    if lower == "http://" || lower == "https://" {
        problems.push(Problem::warning(field, part, "adresse web vide, ignorée"));
        return None;
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Some(part.to_owned());
    }
    let looks_like_host = part.contains('.') && !part.contains(' ') && !part.contains('@');
    if looks_like_host {
        problems.push(Problem::info(field, part, "« https:// » ajouté devant l'adresse web"));
        Some(format!("https://{part}"))
    } else {
        problems.push(Problem::warning(field, part, "adresse web invalide, ignorée"));
        None
    }
}

fn urls(field: &str, value: &str, problems: &mut Vec<Problem>) -> Vec<String> {
    let mut out = Vec::new();
    for part in value.split(['|', ' ', '\n', ';']).map(str::trim).filter(|part| !part.is_empty()) {
        if let Some(url) = normalise_url(field, part, problems) {
            if !out.contains(&url) {
                out.push(url);
            }
        }
    }
    out
}

fn single_url(field: &str, value: &str, problems: &mut Vec<Problem>) -> Option<String> {
    normalise_url(field, value.trim(), problems)
}

fn opening_hours(value: &str, problems: &mut Vec<Problem>) -> Option<Horaires> {
    match Horaires::parse(value) {
        Ok(hours) => Some(hours),
        Err(osm_error) => match french::to_osm(value) {
            Ok(converted) => match Horaires::parse(&converted) {
                Ok(hours) => {
                    problems.push(Problem::info(
                        "horaires",
                        value,
                        format!("horaires convertis au format OpenStreetMap : {converted}"),
                    ));
                    Some(hours)
                }
                Err(err) => {
                    problems.push(Problem::warning(
                        "horaires",
                        value,
                        format!("conversion des horaires invalide : {err}"),
                    ));
                    None
                }
            },
            Err(_) => {
                problems.push(Problem::warning(
                    "horaires",
                    value,
                    format!("horaires non reconnus, ignorés : {osm_error}"),
                ));
                None
            }
        },
    }
}

fn presentation(
    resume: Option<&str>,
    detail: Option<&str>,
    problems: &mut Vec<Problem>,
) -> (Option<String>, Option<String>) {
    let Some(resume) = resume else { return (None, detail.map(str::to_owned)) };
    if resume.chars().count() <= RESUME_MAX_CHARS {
        return (Some(resume.to_owned()), detail.map(str::to_owned));
    }
    // Too long for the summary: keep the whole text in the detail (never lose it) and cut
    // the summary at a word boundary.
    let mut cut: String = resume.chars().take(RESUME_MAX_CHARS - 1).collect();
    if let Some(space) = cut.rfind(' ') {
        cut.truncate(space);
    }
    cut.push('…');
    let detail = match detail {
        Some(detail) if detail.contains(resume) => detail.to_owned(),
        Some(detail) => format!("{resume}\n\n{detail}"),
        None => resume.to_owned(),
    };
    problems.push(Problem::warning(
        "presentation_resume",
        resume,
        "résumé de plus de 280 caractères : tronqué, texte complet gardé dans presentation_detail",
    ));
    (Some(cut), Some(detail))
}

fn date_maj(value: Option<&str>, problems: &mut Vec<Problem>) -> Option<NaiveDate> {
    let Some(value) = value else {
        problems.push(Problem::warning("date_maj", "", "date de mise à jour manquante : considérée comme inconnue"));
        return None;
    };
    match parse_date(value) {
        Some(date) if date <= NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date") => {
            problems.push(Problem::warning("date_maj", value, "date fictive (1970-01-01) : considérée comme inconnue"));
            None
        }
        Some(date) => Some(date),
        None => {
            problems.push(Problem::warning(
                "date_maj",
                value,
                "date illisible (AAAA-MM-JJ attendu) : considérée comme inconnue",
            ));
            None
        }
    }
}

/// Dates as real files write them: ISO, French day-first, with or without a time.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    let date_part = value.split([' ', 'T']).next().unwrap_or(value);
    for format in ["%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y", "%d.%m.%Y"] {
        if let Ok(date) = NaiveDate::parse_from_str(date_part, format) {
            return Some(date);
        }
    }
    None
}

/// Splits a multi-valued field whatever its separator (`|`, `;`, `, `, ` / `), matching
/// each piece against the vocabulary, and reports pieces that match nothing.
fn vocabulary_list<T: Vocabulary>(value: Option<&str>, problems: &mut Vec<Problem>) -> BTreeSet<T> {
    let mut out = BTreeSet::new();
    let Some(value) = value else { return out };
    classify_pieces(
        value,
        |piece| T::from_label(piece).map(|found| out.insert(found)).is_some(),
        |piece| {
            if is_neutral_value(piece) {
                problems.push(Problem::info(
                    T::FIELD,
                    piece,
                    "valeur sans équivalent dans le standard v1 (tous publics), ignorée",
                ));
            } else {
                problems.push(Problem::warning(T::FIELD, piece, "valeur hors de la liste du standard, ignorée"));
            }
        },
    );
    out
}

/// Calls `accept` on each piece of a multi-valued text; pieces it refuses are split further
/// on weaker separators, and what still matches nothing goes to `reject`.
fn classify_pieces(value: &str, mut accept: impl FnMut(&str) -> bool, mut reject: impl FnMut(&str)) {
    for piece in value.split(['|', ';', '\n']).map(str::trim).filter(|piece| !piece.is_empty()) {
        if accept(piece) {
            continue;
        }
        let parts: Vec<&str> = piece
            .split([',', '/'])
            .flat_map(|part| part.split(" - "))
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect();
        if parts.len() > 1 {
            // "Prendre en main un ordinateur, Approfondir…" or "Seniors/ Surdité": weak separators.
            let mut pending = String::new();
            for part in parts {
                // A comma inside a label ("Devenir autonome…, …") is rare; rejoin on failure.
                let candidate = if pending.is_empty() { part.to_owned() } else { format!("{pending}, {part}") };
                if accept(&candidate) {
                    pending.clear();
                } else if accept(part) {
                    if !pending.is_empty() {
                        reject(&pending);
                    }
                    pending.clear();
                } else {
                    pending = candidate;
                }
            }
            if !pending.is_empty() {
                reject(&pending);
            }
        } else {
            reject(piece);
        }
    }
}

/// The pieces of a v0 field that v1 split into two vocabularies, each put in its own set: the
/// pieces that are in neither are returned.
fn split_between<A: Vocabulary, B: Vocabulary>(
    value: &str,
    first: &mut BTreeSet<A>,
    second: &mut BTreeSet<B>,
) -> Vec<String> {
    let mut unmatched = Vec::new();
    classify_pieces(
        value,
        |piece| {
            A::from_label(piece)
                .map(|found| first.insert(found))
                .or_else(|| B::from_label(piece).map(|found| second.insert(found)))
                .is_some()
        },
        |piece| unmatched.push(piece.to_owned()),
    );
    unmatched
}

fn publics_accueillis(value: &str, record: &mut PlaceRecord, problems: &mut Vec<Problem>) {
    let rejected =
        split_between(value, &mut record.publics_specifiquement_adresses, &mut record.prise_en_charge_specifique);
    for piece in rejected {
        if is_neutral_value(&piece) {
            problems.push(Problem::info(
                V0_PUBLICS_ACCUEILLIS,
                &piece,
                "public « tous publics » implicite en v1, ignoré",
            ));
        } else {
            problems.push(Problem::warning(
                V0_PUBLICS_ACCUEILLIS,
                &piece,
                "public sans équivalent dans le standard v1, ignoré",
            ));
        }
    }
}

fn labels_nationaux(value: &str, record: &mut PlaceRecord, problems: &mut Vec<Problem>) {
    let others = split_between(value, &mut record.dispositif_programmes_nationaux, &mut record.formations_labels);
    for piece in others {
        if is_neutral_value(&piece) {
            problems.push(Problem::info(V0_LABELS_NATIONAUX, &piece, "aucun label, ignoré"));
        } else if !record.autres_formations_labels.iter().any(|known| fold(known) == fold(&piece)) {
            problems.push(Problem::info(
                V0_LABELS_NATIONAUX,
                &piece,
                "label hors de la liste du standard, gardé dans autres_formations_labels",
            ));
            record.autres_formations_labels.push(piece);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Severity;

    fn raw(pairs: &[(&str, &str)]) -> RawRecord {
        let mut record = RawRecord::default();
        for (field, value) in pairs {
            record.set(field, *value);
        }
        record
    }

    fn minimal() -> Vec<(&'static str, &'static str)> {
        vec![
            ("id", "1"),
            ("nom", "Médiathèque"),
            ("commune", "Reims"),
            ("code_postal", "51100"),
            ("adresse", "1 rue X"),
            ("date_maj", "2024-01-02"),
        ]
    }

    #[test]
    fn missing_required_field_rejects() {
        let built = build_record(&raw(&[("id", "1"), ("nom", "X"), ("commune", "Reims")]));
        assert!(built.record.is_none());
        assert!(built.problems.iter().any(|p| p.field == "adresse" && p.severity == Severity::Error));
        assert!(built.problems.iter().any(|p| p.field == "code_postal" && p.severity == Severity::Error));
    }

    #[test]
    fn placeholders_become_unknown_with_warnings() {
        let mut pairs = minimal();
        pairs.push(("pivot", "00000000000000"));
        pairs.retain(|(field, _)| *field != "date_maj");
        pairs.push(("date_maj", "1970-01-01"));
        let built = build_record(&raw(&pairs));
        let record = built.record.expect("kept");
        assert_eq!(record.pivot, None);
        assert_eq!(record.date_maj, None);
        assert_eq!(built.problems.iter().filter(|p| p.severity == Severity::Warning).count(), 2);
    }

    #[test]
    fn v0_fields_split_into_v1() {
        let mut pairs = minimal();
        pairs.push(("publics_accueillis", "Seniors (+ 65 ans);Adultes;Surdité;Handicaps psychiques : troubles"));
        pairs.push(("labels_nationaux", "CNFS;France Services;APTIC"));
        pairs.push((
            "services",
            "Prendre en main un ordinateur, Approfondir ma culture numérique, Accéder à du matériel",
        ));
        pairs.push(("code_postal", "4000"));
        let built = build_record(&raw(&pairs));
        let record = built.record.expect("kept");
        assert_eq!(record.code_postal, "04000");
        assert!(record.publics_specifiquement_adresses.contains(&Public::Seniors));
        assert!(record.prise_en_charge_specifique.contains(&PriseEnCharge::Surdite));
        assert!(record.prise_en_charge_specifique.contains(&PriseEnCharge::HandicapsMentaux));
        assert!(record.dispositif_programmes_nationaux.contains(&Dispositif::ConseillersNumeriques));
        assert_eq!(record.autres_formations_labels, vec!["APTIC".to_owned()]);
        assert_eq!(record.services.len(), 3);
    }

    #[test]
    fn slash_separated_values() {
        let mut pairs = minimal();
        pairs.push(("publics_specifiquement_adresses", "Jeunes/ Familles et/ou enfants/ Seniors"));
        let record = build_record(&raw(&pairs)).record.unwrap();
        assert_eq!(record.publics_specifiquement_adresses.len(), 3);
    }

    #[test]
    fn nul_characters_are_removed_with_a_warning() {
        let mut pairs = minimal();
        pairs.retain(|(field, _)| *field != "nom");
        pairs.push(("nom", "Média\0thèque"));
        let built = build_record(&raw(&pairs));
        assert_eq!(built.record.unwrap().nom, "Médiathèque");
        assert!(built.problems.iter().any(|p| p.field == "nom" && p.severity == Severity::Warning));
    }

    #[test]
    fn long_summary_is_kept_in_detail() {
        let long = "mot ".repeat(100);
        let mut pairs = minimal();
        pairs.push(("presentation_resume", long.as_str()));
        let record = build_record(&raw(&pairs)).record.unwrap();
        assert!(record.presentation_resume.unwrap().chars().count() <= 280);
        assert_eq!(record.presentation_detail.unwrap(), long.trim());
    }

    /// A name longer than its bound rejects the row, with the row's field named and a short
    /// preview of the value; an over-long optional value is dropped and the row kept.
    #[test]
    fn values_longer_than_their_bound_are_reported() {
        let long_name = "N".repeat(251);
        let mut pairs = minimal();
        pairs.retain(|(field, _)| *field != "nom");
        pairs.push(("nom", long_name.as_str()));
        let built = build_record(&raw(&pairs));
        assert!(built.record.is_none());
        let problem = built.problems.iter().find(|p| p.field == "nom").expect("a problem on nom");
        assert_eq!(problem.severity, Severity::Error);
        assert_eq!(problem.reason, "valeur trop longue (251 caractères, au plus 250) : ligne rejetée");
        assert!(problem.value.chars().count() <= 61, "{}", problem.value);
        assert!(!built.problems.iter().any(|p| p.reason == "champ obligatoire manquant"));

        let exact = "N".repeat(250);
        let mut pairs = minimal();
        pairs.retain(|(field, _)| *field != "nom");
        pairs.push(("nom", exact.as_str()));
        assert_eq!(build_record(&raw(&pairs)).record.unwrap().nom, exact);

        let detail = "é".repeat(MAX_VALUE_CHARS + 1);
        let mut pairs = minimal();
        pairs.push(("presentation_detail", detail.as_str()));
        let mut with_extra = raw(&pairs);
        with_extra.extras.insert("commentaire".into(), "x".repeat(MAX_VALUE_CHARS + 1));
        let built = build_record(&with_extra);
        let record = built.record.expect("kept");
        assert_eq!(record.presentation_detail, None);
        let warnings: Vec<_> = built.problems.iter().filter(|p| p.severity == Severity::Warning).collect();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings.iter().all(|p| p.reason.starts_with("valeur trop longue (plus de 10\u{202f}000 caractères")));
    }
}
