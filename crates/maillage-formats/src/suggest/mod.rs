//! The mapping assistant: given a file's rows, it proposes a mapping (the same [`MappingSpec`]
//! a person writes by hand) with, for each line, how sure it is and why, in French. Pure: no
//! IO, no territory; the caller reads the file and previews the result
//! ([`crate::preview::preview`]).
//!
//! How it decides, in order:
//! 1. each column is measured ([`profile`]): the kinds of its values (postcodes, INSEE
//!    codes, coordinates, Lambert-93 metres, phones, e-mails, web addresses, dates, opening
//!    hours, addresses, yes/no answers, long texts), how full and how varied it is;
//! 2. each single field of the standard takes the column whose name evokes it
//!    ([`lexicon::NAME_CUES`]) and whose values fit it, best first, each column used once;
//!    then the layouts a field can take: an address ending with its postcode and town (split),
//!    a "lat,lon" column (split), Lambert-93 X/Y (converted), opening hours as one column, one
//!    column per day, opening/closing columns per day, or days plus a text;
//! 3. rows repeating the previous row's name and address are one place (`[group]`); without
//!    an identifier column, the id is derived from name, address and postcode;
//! 4. each enumerated field gets rules: a column of the standard's labels (v1 or v0.1) is
//!    mapped whole; a yes/no column whose name evokes a value sets it on "yes"; words of the
//!    values ([`lexicon::KEYWORDS`]) set the values they name; a file whose name is a national
//!    programme's list gets what the programme's places offer by definition.
//!
//! Every line carries a [`Confidence`] and its reason, and single fields list the other
//! columns that could fill them, so that a form can offer them.

mod lexicon;
mod profile;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use maillage_domain::text::fold;
use maillage_domain::vocab::FieldVocabulary;
use serde::Serialize;

use crate::error::FormatError;
use crate::mapping::write::{to_toml, LineKey};
use crate::mapping::{
    CoordinatesSpec, DeriveIdSpec, GroupSpec, HoursSpec, MappingSpec, OneOrMany, Projection, SourceInfo, SplitSpec,
    TermSpec, ValueSpec, ValueTable, TRUTHY,
};
use crate::reader::SourceRow;

pub use profile::{profile, ColumnProfile, Kind};

/// How sure the assistant is of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A guess from one clue: a person should check it.
    Low,
    /// Two clues agree, or one strong clue.
    Medium,
    /// The name and the values agree.
    High,
}

impl Confidence {
    /// The French word a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Confidence::Low => "à vérifier",
            Confidence::Medium => "probable",
            Confidence::High => "sûre",
        }
    }

    fn of(score: f64) -> Self {
        if score >= 0.75 {
            Confidence::High
        } else if score >= 0.5 {
            Confidence::Medium
        } else {
            Confidence::Low
        }
    }
}

/// Another column that could fill a field, for a form's choice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alternative {
    pub column: String,
    pub confidence: Confidence,
    pub reason: String,
}

/// Why one line of the proposed mapping is there.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// Which line of the proposed mapping this explains.
    pub key: LineKey,
    /// The field (or section) the line fills, for display.
    pub target: String,
    pub confidence: Confidence,
    /// In French: the column's name and values that led to the line.
    pub reason: String,
    pub alternatives: Vec<Alternative>,
}

/// A proposed mapping and the explanation of each of its lines.
#[derive(Clone, Debug)]
pub struct Suggestion {
    pub spec: MappingSpec,
    pub lines: Vec<Explanation>,
    /// Rows the proposal was made from.
    pub rows: usize,
}

impl Suggestion {
    pub fn explanation(&self, key: &LineKey) -> Option<&Explanation> {
        self.lines.iter().find(|line| &line.key == key)
    }

    /// The mapping as TOML, each line preceded by its explanation and confidence as a comment:
    /// a file a person can read, correct and keep.
    pub fn to_toml(&self) -> String {
        let header = format!(
            "Correspondance proposée par l'assistant de Maillage{} à partir de {} lignes.\n\
             Chaque ligne est précédée de sa raison et de sa confiance (sûre, probable, à vérifier) :\n\
             relisez-la, corrigez ce qui doit l'être, puis essayez-la sur le fichier avant d'importer.\n\
             La syntaxe est décrite dans mappings/README.md.",
            self.spec.source.file.as_deref().map(|file| format!(" pour « {file} »")).unwrap_or_default(),
            self.rows
        );
        to_toml(&self.spec, &|key| match key {
            LineKey::Header => Some(header.clone()),
            key => self.explanation(key).map(|line| format!("[{}] {}", line.confidence.label(), line.reason)),
        })
    }
}

/// What the caller knows of the file.
#[derive(Clone, Debug, Default)]
pub struct SuggestOptions {
    /// The registry's name for the source; by default derived from the file name.
    pub source: Option<String>,
    /// The file's name (without any local path).
    pub file: Option<String>,
}

/// Single fields, in the order they claim columns when two fields want the same one.
const SINGLE_FIELDS: [&str; 18] = [
    "code_postal",
    "code_insee",
    "latitude",
    "longitude",
    "courriels",
    "site_web",
    "telephone",
    "date_maj",
    "pivot",
    "id",
    "nom",
    "adresse",
    "complement_adresse",
    "commune",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "structure_parente",
];

/// Fields whose values are typed: a name alone, with values that do not fit, is not enough.
const TYPED: [&str; 9] =
    ["code_postal", "code_insee", "latitude", "longitude", "courriels", "site_web", "telephone", "date_maj", "pivot"];

/// The lowest score a column needs to fill a field.
const MIN_SCORE: f64 = 0.3;

fn percent(share: f64) -> String {
    format!("{:.0} %", (share * 100.0).round())
}

fn quoted(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        format!("« {short}… »")
    } else {
        format!("« {short} »")
    }
}

fn example(column: &ColumnProfile) -> String {
    column.values.first().map(|(value, _)| format!(", par exemple {}", quoted(value))).unwrap_or_default()
}

/// The source name for a file: `paca-2022.csv.gz` → `paca-2022`.
pub fn source_name_of(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let mut name = base;
    for extension in [".gz", ".json", ".geojson", ".csv", ".tsv", ".txt"] {
        name = name.strip_suffix(extension).unwrap_or(name);
    }
    let folded: String = fold(name).replace(' ', "-");
    if folded.is_empty() {
        "import".to_owned()
    } else {
        folded
    }
}

/// How well a column's name evokes a field: 1 when a cue is one of its words or starts it,
/// 0.8 when a cue is further inside it (French names put their head word first: "Nom de la
/// structure" is a name, "Les tarifs de ma structure" is not), 0 otherwise.
fn name_score(field: &str, column: &ColumnProfile) -> f64 {
    let Some(cue) = lexicon::NAME_CUES.iter().find(|cue| cue.field == field) else { return 0.0 };
    let padded = format!(" {} ", column.folded);
    let has = |word: &str| padded.contains(&format!(" {word} "));
    if cue.not.iter().any(|not| has(not) || (not.len() >= 4 && column.compact.contains(&not.replace(' ', "")))) {
        return 0.0;
    }
    if cue.words.iter().any(|word| has(word) || column.folded == *word) {
        return 1.0;
    }
    let leading = |part: &str| column.compact.starts_with(part) || column.words().any(|word| word.starts_with(part));
    if cue.contains.iter().any(|part| leading(part)) {
        return 1.0;
    }
    if cue.contains.iter().any(|part| column.compact.contains(part)) {
        return 0.8;
    }
    0.0
}

fn is_text(column: &ColumnProfile) -> bool {
    let typed = [Kind::Postcode, Kind::Phone, Kind::Email, Kind::Url, Kind::Date, Kind::Latitude, Kind::LambertX]
        .iter()
        .map(|kind| column.share(*kind))
        .fold(0.0, f64::max);
    typed < 0.3 && column.share(Kind::YesNo) < 0.5
}

/// How well a column's values fit a field, from 0 to 1, and what was seen, in French.
fn value_score(field: &str, column: &ColumnProfile) -> (f64, String) {
    let share = |kind: Kind| column.share(kind);
    let seen = |share: f64, what: &str| (share, format!("{} des valeurs sont {what}", percent(share)));
    match field {
        "id" => {
            // Identifiers are codes: unique, short, without spaces ("LMN008", "42", a UUID).
            let spaced = column.values.iter().filter(|(value, _)| value.contains(char::is_whitespace)).count();
            let coded = spaced * 5 <= column.values.len() && column.share(Kind::YesNo) < 0.5;
            if column.uniqueness() >= 0.999 && column.fill() >= 0.95 && column.mean_length < 60.0 && coded {
                (1.0, "chaque ligne a sa propre valeur".to_owned())
            } else {
                (0.0, format!("{} des valeurs sont distinctes", percent(column.uniqueness())))
            }
        }
        "nom" => {
            if is_text(column)
                && column.uniqueness() >= 0.25
                && (3.0..=120.0).contains(&column.mean_length)
                && share(Kind::Address) < 0.3
            {
                (
                    0.5 + 0.4 * column.uniqueness(),
                    format!("des textes courts, presque tous différents{}", example(column)),
                )
            } else {
                (0.0, String::new())
            }
        }
        "adresse" => {
            let address = share(Kind::Address).max(share(Kind::AddressWithPostcode));
            if address > 0.0 {
                seen(address.min(1.0), "des adresses")
            } else if is_text(column) {
                (0.2, "des textes".to_owned())
            } else {
                (0.0, String::new())
            }
        }
        "complement_adresse" | "structure_parente" => {
            if is_text(column) {
                (0.5, "des textes".to_owned())
            } else {
                (0.0, String::new())
            }
        }
        "commune" => {
            let repeated = 1.0 - column.uniqueness();
            if is_text(column) && (2.0..=45.0).contains(&column.mean_length) && share(Kind::Address) < 0.3 {
                (0.5 + 0.5 * repeated, format!("des noms qui se répètent{}", example(column)))
            } else {
                (0.0, String::new())
            }
        }
        "code_postal" => seen(share(Kind::Postcode), "des codes postaux"),
        "code_insee" => seen(share(Kind::Insee), "des codes INSEE"),
        "latitude" => seen(share(Kind::Latitude).max(share(Kind::LambertY)), "des latitudes (ou des Y en Lambert-93)"),
        "longitude" => {
            seen(share(Kind::Longitude).max(share(Kind::LambertX)), "des longitudes (ou des X en Lambert-93)")
        }
        "telephone" => seen(share(Kind::Phone), "des numéros de téléphone"),
        "courriels" => seen(share(Kind::Email), "des adresses électroniques"),
        "site_web" => seen((share(Kind::Url) - share(Kind::Email)).max(0.0), "des adresses web"),
        "horaires" => seen(share(Kind::Hours), "des horaires"),
        "date_maj" => seen(share(Kind::Date), "des dates"),
        "pivot" => seen(share(Kind::Siret), "des SIRET (14 chiffres)"),
        "presentation_resume" | "presentation_detail" => {
            if is_text(column) && column.mean_length >= 25.0 {
                (
                    (column.mean_length / 120.0).min(1.0),
                    format!("des textes de {:.0} caractères en moyenne", column.mean_length),
                )
            } else {
                (0.0, String::new())
            }
        }
        _ => (0.0, String::new()),
    }
}

const FIELD_LABELS: [(&str, &str); 18] = [
    ("id", "l'identifiant"),
    ("nom", "le nom du lieu"),
    ("adresse", "l'adresse"),
    ("complement_adresse", "le complément d'adresse"),
    ("code_postal", "le code postal"),
    ("commune", "la commune"),
    ("code_insee", "le code INSEE de la commune"),
    ("latitude", "la latitude"),
    ("longitude", "la longitude"),
    ("telephone", "le téléphone"),
    ("courriels", "l'adresse électronique"),
    ("site_web", "le site web"),
    ("horaires", "les horaires"),
    ("presentation_resume", "le résumé de présentation"),
    ("presentation_detail", "la présentation détaillée"),
    ("structure_parente", "la structure parente"),
    ("date_maj", "la date de mise à jour"),
    ("pivot", "le SIRET (pivot)"),
];

fn field_label(field: &str) -> &'static str {
    FIELD_LABELS.iter().find(|(name, _)| *name == field).map(|(_, label)| *label).unwrap_or("ce champ")
}

/// A scored (field, column) pair.
#[derive(Clone, Debug)]
struct Candidate {
    field: &'static str,
    column: usize,
    score: f64,
    reason: String,
}

fn score(field: &'static str, index: usize, column: &ColumnProfile) -> Option<Candidate> {
    if column.filled == 0 {
        return None;
    }
    let name = name_score(field, column);
    let (value, seen) = value_score(field, column);
    let typed = TYPED.contains(&field);
    let mut score = match (name > 0.0, value > 0.0) {
        (true, true) => 0.55 * name + 0.45 * value,
        (true, false) if typed => 0.2,
        // An "id" whose values repeat is a row or group number, not the place's identifier.
        (true, false) if field == "id" => 0.15,
        (true, false) => 0.45,
        // Any number may look like a coordinate and any date like an update: those need their name.
        (false, true) if matches!(field, "latitude" | "longitude" | "date_maj") => 0.0,
        (false, true) if typed || field == "adresse" => 0.6 * value,
        (false, true) if field == "id" => 0.35,
        (false, true) => 0.0,
        (false, false) => 0.0,
    };
    if typed && name > 0.0 && value < 0.5 {
        // A column named "téléphone" whose values are not phone numbers is not the phone.
        score = score.min(0.25 + 0.5 * value);
    }
    score *= 0.6 + 0.4 * column.fill();
    if column.derived() {
        score *= 0.85;
    }
    if score <= 0.0 {
        return None;
    }
    let evokes = format!("son nom évoque {}", field_label(field));
    let reason = match (name > 0.0, seen.is_empty()) {
        (true, false) => format!("colonne « {} » : {evokes} ; {seen}", column.name),
        (true, true) => format!("colonne « {} » : {evokes}", column.name),
        (false, _) => format!("colonne « {} » : {seen}", column.name),
    };
    Some(Candidate { field, column: index, score, reason })
}

/// The state of a proposal while it is built.
struct Builder<'p> {
    profiles: &'p [ColumnProfile],
    rows: &'p [SourceRow],
    spec: MappingSpec,
    lines: Vec<Explanation>,
    /// Columns already used by a line.
    used: BTreeSet<usize>,
    /// The column chosen for each single field, and the candidates it was chosen among.
    chosen: BTreeMap<&'static str, usize>,
}

impl<'p> Builder<'p> {
    /// The columns not taken yet whose name may mean `field` and whose values are at least
    /// `share` of `kind` (a second phone or hours column beside the chosen one).
    fn unused_columns_like(&self, field: &str, kind: Kind, share: f64) -> Vec<usize> {
        self.profiles
            .iter()
            .enumerate()
            .filter(|(index, column)| {
                !self.used.contains(index) && name_score(field, column) > 0.0 && column.share(kind) >= share
            })
            .map(|(index, _)| index)
            .collect()
    }

    fn column(&self, index: usize) -> &'p ColumnProfile {
        &self.profiles[index]
    }

    fn explain(
        &mut self,
        key: LineKey,
        target: &str,
        confidence: Confidence,
        reason: String,
        alternatives: Vec<Alternative>,
    ) {
        self.lines.retain(|line| line.key != key);
        self.lines.push(Explanation { key, target: target.to_owned(), confidence, reason, alternatives });
    }

    fn set_field(&mut self, field: &str, value: ValueSpec) {
        self.spec.fields.insert(field.to_owned(), value);
    }

    fn unset_field(&mut self, field: &str) {
        self.spec.fields.remove(field);
        self.lines.retain(|line| line.key != LineKey::Field(field.to_owned()));
        if let Some(index) = self.chosen.remove(field) {
            self.used.remove(&index);
        }
    }

    /// Step 2: each single field takes its best column, each column used once.
    fn single_fields(&mut self) {
        let mut candidates: Vec<Candidate> = Vec::new();
        for field in SINGLE_FIELDS {
            for (index, column) in self.profiles.iter().enumerate() {
                if let Some(candidate) = score(field, index, column) {
                    candidates.push(candidate);
                }
            }
        }
        candidates.sort_by(|a, b| {
            b.score.total_cmp(&a.score).then_with(|| {
                let rank = |field: &str| SINGLE_FIELDS.iter().position(|f| *f == field).unwrap_or(99);
                rank(a.field).cmp(&rank(b.field)).then(a.column.cmp(&b.column))
            })
        });
        for candidate in &candidates {
            if candidate.score < MIN_SCORE
                || self.chosen.contains_key(candidate.field)
                || self.used.contains(&candidate.column)
            {
                continue;
            }
            self.chosen.insert(candidate.field, candidate.column);
            self.used.insert(candidate.column);
        }
        for (&field, &index) in &self.chosen.clone() {
            let winner = candidates.iter().find(|c| c.field == field && c.column == index).expect("chosen candidate");
            let alternatives = candidates
                .iter()
                .filter(|c| c.field == field && c.column != index && c.score >= MIN_SCORE * 0.7)
                .take(4)
                .map(|c| Alternative {
                    column: self.column(c.column).name.clone(),
                    confidence: Confidence::of(c.score),
                    reason: c.reason.clone(),
                })
                .collect();
            self.set_field(field, ValueSpec::Column(self.column(index).name.clone()));
            self.explain(
                LineKey::Field(field.to_owned()),
                field,
                Confidence::of(winner.score),
                winner.reason.clone(),
                alternatives,
            );
        }
        // Further phone columns (a landline and a mobile): the first filled one is taken.
        if let Some(&first) = self.chosen.get("telephone") {
            let more = self.unused_columns_like("telephone", Kind::Phone, 0.5);
            if !more.is_empty() {
                let mut columns = vec![self.column(first).name.clone()];
                columns.extend(more.iter().map(|index| self.column(*index).name.clone()));
                self.used.extend(more);
                let names = columns.iter().map(|c| format!("« {c} »")).collect::<Vec<_>>().join(", ");
                self.set_field("telephone", ValueSpec::Columns(columns));
                let reason = format!("colonnes {names} : des numéros de téléphone ; le premier renseigné est pris");
                let confidence = self
                    .lines
                    .iter()
                    .find(|l| l.key == LineKey::Field("telephone".into()))
                    .map_or(Confidence::Medium, |l| l.confidence);
                self.explain(LineKey::Field("telephone".into()), "telephone", confidence, reason, Vec::new());
            }
        }
    }

    /// Step 2, continued: the layouts a field can take beyond one column per field.
    fn layouts(&mut self) {
        self.coordinates();
        self.address();
        self.hours();
    }

    fn coordinates(&mut self) {
        let (lat, lon) = (self.chosen.get("latitude").copied(), self.chosen.get("longitude").copied());
        // A latitude without a longitude (or the other way round) places nothing.
        if lat.is_some() != lon.is_some() {
            self.unset_field("latitude");
            self.unset_field("longitude");
        }
        let (lat, lon) = (self.chosen.get("latitude").copied(), self.chosen.get("longitude").copied());
        if let (Some(lat), Some(lon)) = (lat, lon) {
            let (y, x) = (self.column(lat), self.column(lon));
            let lambert = y.share(Kind::LambertY) >= 0.8 && x.share(Kind::LambertX) >= 0.8;
            let degrees = y.share(Kind::Latitude) >= 0.5 && x.share(Kind::Longitude) >= 0.5;
            if lambert && !degrees {
                let (x_name, y_name) = (x.name.clone(), y.name.clone());
                let reason = format!(
                    "colonnes « {x_name} » et « {y_name} » : des coordonnées en mètres, en Lambert-93 (par exemple {} ; {}), \
                     converties en latitude et longitude WGS84",
                    x.values.first().map(|v| v.0.as_str()).unwrap_or(""),
                    y.values.first().map(|v| v.0.as_str()).unwrap_or("")
                );
                self.unset_field("latitude");
                self.unset_field("longitude");
                self.used.extend([lat, lon]);
                self.spec.coordinates =
                    Some(CoordinatesSpec { projection: Projection::Lambert93, x: x_name, y: y_name });
                self.explain(LineKey::Coordinates, "latitude, longitude", Confidence::High, reason, Vec::new());
            }
            return;
        }
        // One column "47.7698,7.32193".
        let pair = self
            .profiles
            .iter()
            .enumerate()
            .filter(|(index, column)| !self.used.contains(index) && column.share(Kind::LatLonPair) >= 0.8)
            .max_by(|a, b| a.1.filled.cmp(&b.1.filled));
        if let Some((index, column)) = pair {
            self.unset_field("latitude");
            self.unset_field("longitude");
            self.used.insert(index);
            self.spec.split.push(SplitSpec {
                column: column.name.clone(),
                regex: Some(
                    r"^\s*(?P<latitude>-?[0-9]+[.,][0-9]+)\s*[,;]\s*(?P<longitude>-?[0-9]+[.,][0-9]+)\s*$".to_owned(),
                ),
                ..SplitSpec::default()
            });
            let key = LineKey::Split(self.spec.split.len() - 1);
            let reason = format!(
                "colonne « {} » : {} des valeurs sont une latitude et une longitude séparées par une virgule{}",
                column.name,
                percent(column.share(Kind::LatLonPair)),
                example(column)
            );
            self.explain(key, "latitude, longitude", Confidence::High, reason, Vec::new());
        }
    }

    fn address(&mut self) {
        const PATTERN: &str = r"(?si)^\s*(?P<adresse>.*?[^\s,\-])[\s,\-]+(?P<code_postal>(?:2[AB]|[0-9]{2})\s?[0-9]{3})[\s,]+(?P<commune>[^\W\d_][^,]*?)\s*(?:c[ée]dex[\s0-9]*)?(?:,.*)?$";
        // The address column, or any column of addresses ending with a postcode and a town.
        let chosen = self.chosen.get("adresse").copied();
        let combined =
            chosen.filter(|index| self.column(*index).share(Kind::AddressWithPostcode) >= 0.4).or_else(|| {
                if self.chosen.contains_key("code_postal") {
                    return None;
                }
                self.profiles
                    .iter()
                    .enumerate()
                    .filter(|(index, column)| {
                        !self.used.contains(index) && column.share(Kind::AddressWithPostcode) >= 0.5
                    })
                    .max_by(|a, b| {
                        a.1.share(Kind::AddressWithPostcode).total_cmp(&b.1.share(Kind::AddressWithPostcode))
                    })
                    .map(|(index, _)| index)
            });
        if let Some(index) = combined {
            let column = self.column(index);
            let name = column.name.clone();
            if chosen == Some(index) {
                self.spec.fields.remove("adresse");
                self.lines.retain(|line| line.key != LineKey::Field("adresse".into()));
            }
            self.used.insert(index);
            self.chosen.insert("adresse", index);
            self.spec.split.push(SplitSpec {
                column: name.clone(),
                regex: Some(PATTERN.to_owned()),
                otherwise: Some("adresse".to_owned()),
                ..SplitSpec::default()
            });
            let own: Vec<&str> =
                ["code_postal", "commune"].into_iter().filter(|field| self.spec.fields.contains_key(*field)).collect();
            let reason = format!(
                "colonne « {name} » : {} des valeurs sont une adresse suivie du code postal et de la commune{} ; \
                 découpées en adresse, code postal et commune{} ; une valeur sans code postal est gardée entière comme adresse",
                percent(column.share(Kind::AddressWithPostcode)),
                example(column),
                if own.is_empty() {
                    String::new()
                } else {
                    format!(" ({} pris de leurs propres colonnes quand elles sont remplies)", own.join(" et "))
                }
            );
            let key = LineKey::Split(self.spec.split.len() - 1);
            self.explain(
                key,
                "adresse, code_postal, commune",
                Confidence::of(0.5 + column.share(Kind::AddressWithPostcode) / 2.0),
                reason,
                Vec::new(),
            );
            return;
        }
        // A street number in its own column ("N°", "numero") goes before the street.
        let Some(street) = chosen else { return };
        let number = self.profiles.iter().enumerate().find(|(index, column)| {
            !self.used.contains(index)
                && matches!(
                    column.folded.as_str(),
                    "n" | "no" | "num" | "numero" | "n voie" | "numero voie" | "num voie"
                )
                && column.mean_length <= 6.0
        });
        if let Some((index, column)) = number {
            let columns = vec![column.name.clone(), self.column(street).name.clone()];
            self.used.insert(index);
            let reason =
                format!("colonnes « {} » (numéro) et « {} » (voie) : jointes par une espace", columns[0], columns[1]);
            self.set_field(
                "adresse",
                ValueSpec::Full(ValueTable {
                    columns: Some(columns),
                    join: Some(" ".to_owned()),
                    ..ValueTable::default()
                }),
            );
            self.explain(LineKey::Field("adresse".into()), "adresse", Confidence::Medium, reason, Vec::new());
        }
    }

    fn hours(&mut self) {
        const DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
        let of_day = |column: &ColumnProfile, day: &str| {
            column.folded.split(' ').any(|word| word == day || (day.len() > 3 && word == &day[..3]))
        };
        let opening =
            |column: &ColumnProfile| ["ouverture", "debut", "de"].iter().any(|w| column.words().any(|x| x == *w));
        let closing = |column: &ColumnProfile| ["fermeture", "fin"].iter().any(|w| column.words().any(|x| x == *w));
        // One column per day, or opening and closing columns per day.
        let mut per_day: Vec<(&str, Vec<usize>)> = Vec::new();
        for day in DAYS {
            let columns: Vec<usize> = self
                .profiles
                .iter()
                .enumerate()
                .filter(|(index, column)| !self.used.contains(index) && column.filled > 0 && of_day(column, day))
                .filter(|(_, column)| {
                    column.share(Kind::Hours) >= 0.3 || column.share(Kind::Days) < 0.5 && column.mean_length <= 40.0
                })
                .map(|(index, _)| index)
                .collect();
            if !columns.is_empty() {
                per_day.push((day, columns));
            }
        }
        let ranges = per_day.iter().all(|(_, columns)| columns.len() >= 2);
        if per_day.len() >= 3 && ranges {
            let mut days: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
            let mut all = Vec::new();
            for (day, columns) in &per_day {
                // Morning slots first, whatever the columns' order in the file.
                let slot = |index: &usize| {
                    let column = self.column(*index);
                    if column.words().any(|w| w == "matin") {
                        0
                    } else if column.words().any(|w| w == "apres" || w == "aprem") {
                        1
                    } else {
                        2
                    }
                };
                let mut opens: Vec<usize> = columns.iter().copied().filter(|i| opening(self.column(*i))).collect();
                let mut closes: Vec<usize> = columns.iter().copied().filter(|i| closing(self.column(*i))).collect();
                opens.sort_by_key(slot);
                closes.sort_by_key(slot);
                if opens.is_empty() || opens.len() != closes.len() {
                    return self.hours_column();
                }
                let pairs = opens
                    .iter()
                    .zip(&closes)
                    .map(|(open, close)| (self.column(*open).name.clone(), self.column(*close).name.clone()))
                    .collect();
                days.insert(day.to_string(), pairs);
                all.extend(opens.iter().chain(&closes).copied());
            }
            self.used.extend(all);
            self.unset_field("horaires");
            let reason = format!(
                "colonnes d'ouverture et de fermeture pour {} jours (« {} », …) : heures converties au format OpenStreetMap",
                days.len(),
                days.values().next().and_then(|pairs| pairs.first()).map(|pair| pair.0.as_str()).unwrap_or("")
            );
            self.spec.hours = Some(HoursSpec::PerDayRanges { days });
            self.explain(LineKey::Hours, "horaires", Confidence::High, reason, Vec::new());
            return;
        }
        if per_day.len() >= 3 && per_day.iter().all(|(_, columns)| columns.len() == 1) {
            let days: BTreeMap<String, String> =
                per_day.iter().map(|(day, columns)| (day.to_string(), self.column(columns[0]).name.clone())).collect();
            self.used.extend(per_day.iter().map(|(_, columns)| columns[0]));
            self.unset_field("horaires");
            let named: Vec<String> = days.values().take(3).map(|name| format!("« {name} »")).collect();
            let reason = format!(
                "une colonne d'horaires par jour ({}, …, {} jours) : textes convertis ensemble au format OpenStreetMap",
                named.join(", "),
                days.len()
            );
            self.spec.hours = Some(HoursSpec::PerDay { days });
            self.explain(LineKey::Hours, "horaires", Confidence::High, reason, Vec::new());
            return;
        }
        self.hours_column();
    }

    /// Opening hours in one column, possibly with a column listing the open days.
    fn hours_column(&mut self) {
        let Some(text) = self.chosen.get("horaires").copied() else { return };
        let days = self
            .profiles
            .iter()
            .enumerate()
            .find(|(index, column)| !self.used.contains(index) && column.share(Kind::Days) >= 0.6);
        let text_name = self.column(text).name.clone();
        let previous = self.lines.iter().find(|l| l.key == LineKey::Field("horaires".into())).cloned();
        self.unset_field("horaires");
        self.used.insert(text);
        let (confidence, reason) =
            previous.map(|line| (line.confidence, line.reason)).unwrap_or((Confidence::Low, String::new()));
        match days {
            Some((index, column)) => {
                self.used.insert(index);
                let reason = format!(
                    "colonne « {} » : les jours d'ouverture{} ; {reason} : les heures s'appliquent à chaque jour listé",
                    column.name,
                    example(column)
                );
                self.spec.hours = Some(HoursSpec::DaySet { days: column.name.clone(), text: Some(text_name) });
                self.explain(LineKey::Hours, "horaires", confidence, reason, Vec::new());
            }
            None => {
                // Other hours columns ("horaires_osm" beside "horaires_brut"): the first filled one is read.
                let others = self.unused_columns_like("horaires", Kind::Hours, 0.3);
                if others.is_empty() {
                    let reason = format!("{reason} (format OpenStreetMap ou texte en français, converti par l'import)");
                    self.spec.hours = Some(HoursSpec::Column { column: Some(text_name), columns: None });
                    self.explain(LineKey::Hours, "horaires", confidence, reason, Vec::new());
                } else {
                    let mut columns = vec![text_name];
                    columns.extend(others.iter().map(|index| self.column(*index).name.clone()));
                    self.used.extend(others);
                    let reason = format!(
                        "{reason} ; autres colonnes d'horaires : {} (la première remplie est lue ; format OpenStreetMap ou texte \
                         en français, converti par l'import)",
                        columns[1..].iter().map(|c| format!("« {c} »")).collect::<Vec<_>>().join(", ")
                    );
                    self.spec.hours = Some(HoursSpec::Column { column: None, columns: Some(columns) });
                    self.explain(LineKey::Hours, "horaires", confidence, reason, Vec::new());
                }
            }
        }
    }

    /// Step 3: rows of one place, and the identifier.
    fn identity(&mut self, source: &str) {
        let key: Vec<usize> =
            ["nom", "adresse", "commune"].iter().filter_map(|field| self.chosen.get(field).copied()).collect();
        if key.len() >= 2 && self.rows.len() >= 10 {
            let names: Vec<&str> = key.iter().map(|index| self.column(*index).name.as_str()).collect();
            let value = |row: &SourceRow| -> Vec<String> {
                names.iter().map(|name| row.get(name).unwrap_or("").trim().to_owned()).collect()
            };
            let repeats = self
                .rows
                .windows(2)
                .filter(|pair| {
                    let (a, b) = (value(&pair[0]), value(&pair[1]));
                    a == b && a.iter().any(|v| !v.is_empty())
                })
                .count();
            let share = repeats as f64 / self.rows.len() as f64;
            if share >= 0.1 {
                let by: Vec<String> = names.iter().map(|name| name.to_string()).collect();
                let reason = format!(
                    "{repeats} lignes sur {} répètent le nom et l'adresse de la ligne précédente : une ligne par service d'un \
                     même lieu ; les lignes qui se suivent ainsi sont regroupées en une fiche",
                    self.rows.len()
                );
                self.spec.group = Some(GroupSpec { by });
                self.explain(LineKey::Group, "regroupement", Confidence::Medium, reason, Vec::new());
                // A row number is no longer the place's id.
                self.unset_field("id");
            }
        }
        if !self.spec.fields.contains_key("id") {
            let from: Vec<String> = ["nom", "adresse", "code_postal", "commune"]
                .iter()
                .filter(|field| self.spec.fields.contains_key(**field) || self.splits_into(field))
                .map(|field| field.to_string())
                .collect();
            if !from.is_empty() {
                let reason = format!(
                    "aucune colonne ne donne un identifiant propre à chaque lieu : identifiant calculé à partir de {} \
                     (stable tant que ces valeurs ne changent pas)",
                    from.join(", ")
                );
                self.spec.derive_id = Some(DeriveIdSpec { from, prefix: format!("{source}-") });
                self.explain(LineKey::DeriveId, "id", Confidence::Medium, reason, Vec::new());
            }
        }
    }

    fn splits_into(&self, field: &str) -> bool {
        self.spec.split.iter().any(|split| {
            split.regex.as_deref().is_some_and(|regex| regex.contains(&format!("(?P<{field}>")))
                || split.into.iter().any(|target| target == field)
        })
    }
}

/// Which vocabulary a field uses, to read values directly.
fn vocabulary_value(field: &str, value: &str) -> Option<&'static str> {
    FieldVocabulary::of(field)?.label_of(value)
}

/// The pieces of a list value: "a, b; c | d" and new lines.
fn pieces(value: &str) -> impl Iterator<Item = &str> {
    value
        .split([',', ';', '|', '\n'])
        .map(|piece| piece.trim().trim_matches(['"', '{', '}', '[', ']']))
        .filter(|p| !p.is_empty())
}

/// A rule being gathered: where it looks, which words it found, in how many rows.
#[derive(Default)]
struct Gathered {
    columns: Vec<usize>,
    words: Vec<String>,
    unless: BTreeSet<String>,
    rows: usize,
}

impl Gathered {
    /// Counts `rows` rows of `column` in which `words` were found.
    fn add<'w>(&mut self, column: usize, words: impl IntoIterator<Item = &'w str>, rows: usize) {
        if !self.columns.contains(&column) {
            self.columns.push(column);
        }
        for word in words {
            if !self.words.iter().any(|known| known == word) {
                self.words.push(word.to_owned());
            }
        }
        self.rows += rows;
    }
}

impl Builder<'_> {
    /// Step 4: the enumerated fields.
    fn vocabularies(&mut self, options: &SuggestOptions, source: &str) {
        let free: Vec<usize> = (0..self.profiles.len()).filter(|index| !self.used.contains(index)).collect();
        let presentation: BTreeSet<usize> = ["presentation_detail", "presentation_resume"]
            .iter()
            .filter_map(|field| self.chosen.get(field).copied())
            .collect();
        let mut direct: BTreeSet<usize> = BTreeSet::new();
        // (a) A column of the standard's own labels is mapped whole.
        for &index in &free {
            let column = self.column(index);
            let mut hits: HashMap<&str, usize> = HashMap::new();
            let mut total = 0;
            for (value, count) in &column.values {
                for piece in pieces(value) {
                    total += count;
                    for field in FieldVocabulary::fields() {
                        if vocabulary_value(field, piece).is_some() {
                            *hits.entry(field).or_default() += count;
                        }
                    }
                }
            }
            let best = hits.into_iter().max_by_key(|(field, count)| (*count, std::cmp::Reverse(*field)));
            if let Some((field, count)) = best {
                let share = count as f64 / total.max(1) as f64;
                if share >= 0.6 && !self.spec.fields.contains_key(field) && !column.values.is_empty() {
                    direct.insert(index);
                    self.used.insert(index);
                    self.set_field(field, ValueSpec::Column(column.name.clone()));
                    let reason = format!(
                        "colonne « {} » : {} des valeurs sont des libellés du standard (v1 ou v0.1){} ; l'import les convertit",
                        column.name,
                        percent(share),
                        example(column)
                    );
                    self.explain(
                        LineKey::Field(field.to_owned()),
                        field,
                        Confidence::of(0.4 + share / 2.0),
                        reason,
                        Vec::new(),
                    );
                }
            }
        }
        let mut gathered: BTreeMap<(&'static str, &'static str, bool), Gathered> = BTreeMap::new();
        let mut yes_no_rules: Vec<(TermSpec, String, Confidence)> = Vec::new();
        for &index in &free {
            if direct.contains(&index) {
                continue;
            }
            let column = self.column(index);
            // Typed values (dates, codes, numbers, contacts) hold no vocabulary: "12 25" in a date
            // is not an age range.
            let typed = [
                Kind::Date,
                Kind::Postcode,
                Kind::Phone,
                Kind::Email,
                Kind::Url,
                Kind::Latitude,
                Kind::LambertX,
                Kind::Siret,
            ]
            .iter()
            .any(|kind| column.share(*kind) >= 0.5);
            // Nor do columns named for a single field (a second hours or address column).
            let named = [
                "horaires",
                "adresse",
                "commune",
                "code_postal",
                "code_insee",
                "latitude",
                "longitude",
                "telephone",
                "courriels",
                "site_web",
                "date_maj",
                "pivot",
                "id",
            ]
            .iter()
            .any(|field| name_score(field, column) > 0.0);
            if column.filled == 0 || typed || column.derived() {
                continue;
            }
            let folded_values: Vec<(String, usize, &str)> =
                column.values.iter().map(|(value, count)| (fold(value), *count, value.as_str())).collect();
            let negative =
                |folded: &str| lexicon::NEGATIVE.contains(&folded) || folded.is_empty() || folded.starts_with("non ");
            let affirmative = |folded: &str| lexicon::AFFIRMATIVE.contains(&folded);
            // "Oui, sur rendez-vous" is a yes with a precision.
            let says_yes = |folded: &str| folded == "oui" || folded.starts_with("oui ");
            let short_answers = column.values.len() <= 8
                && folded_values
                    .iter()
                    .all(|(folded, _, _)| negative(folded) || affirmative(folded) || folded.split(' ').count() <= 3)
                && column.mean_length <= 25.0;
            let yes_with_precision = column.values.len() <= 40
                && folded_values.iter().all(|(folded, _, _)| negative(folded) || says_yes(folded))
                && folded_values.iter().any(|(folded, _, _)| folded.len() > 3 && says_yes(folded));
            let yes_no =
                (short_answers || yes_with_precision) && folded_values.iter().any(|(folded, _, _)| !negative(folded));
            // A column about something else (the price, the terms, the hours of an offer) does not
            // say the offer exists: "tarif_acces_equipement" is a price.
            let about_else = [
                "tarif",
                "tarifs",
                "prix",
                "cout",
                "modalite",
                "modalites",
                "horaire",
                "horaires",
                "nombre",
                "nb",
                "date",
                "contact",
                "conditions",
                "commentaire",
                "commentaires",
                "autre",
            ]
            .iter()
            .any(|head| {
                column.words().next().is_some_and(|first| first == *head)
                    || column.compact.starts_with(head) && head.len() > 4
            });
            // (b) A yes/no column whose name says what "yes" means.
            let name_values: Vec<(&'static str, &'static str)> = lexicon::NAME_KEYWORDS
                .iter()
                .filter(|keyword| keyword.contains.iter().any(|part| column.compact.contains(part)))
                .map(|keyword| (keyword.field, keyword.value))
                .chain(
                    lexicon::TYPOLOGIES
                        .iter()
                        .filter(|(_, words)| {
                            yes_no
                                && words
                                    .iter()
                                    .any(|word| format!(" {} ", column.folded).contains(&format!(" {word} ")))
                        })
                        .map(|(code, _)| ("typologie", *code)),
                )
                .collect();
            if yes_no && !name_values.is_empty() && !about_else {
                let positives: Vec<&(String, usize, &str)> =
                    folded_values.iter().filter(|(folded, _, _)| !negative(folded)).collect();
                let rows: usize = positives.iter().map(|(_, count, _)| count).sum();
                let all_truthy = positives.iter().all(|(folded, _, _)| TRUTHY.contains(&folded.as_str()));
                for (field, value) in name_values {
                    let mut term = TermSpec {
                        column: Some(column.name.clone()),
                        field: field.to_owned(),
                        value: Some(value.to_owned()),
                        ..TermSpec::default()
                    };
                    if all_truthy {
                        term.truthy = Some(true);
                    } else if yes_with_precision {
                        term.regex = Some(r"(?i)^\s*oui\b".to_owned());
                    } else {
                        term.equals =
                            Some(OneOrMany::Many(positives.iter().map(|(_, _, raw)| raw.to_string()).collect()));
                    }
                    let answers =
                        positives.iter().take(4).map(|(_, _, raw)| format!("« {raw} »")).collect::<Vec<_>>().join(", ");
                    let reason = format!(
                        "colonne « {} » (réponses oui/non) : son nom évoque « {value} » ; la réponse {answers} \
                         dans {rows} lignes le donne",
                        column.name
                    );
                    yes_no_rules.push((term, reason, Confidence::Medium));
                }
                self.used.insert(index);
                continue;
            }
            if named {
                continue;
            }
            // (c) Words of the values.
            let free_text = presentation.contains(&index) || (column.mean_length > 60.0 && column.uniqueness() > 0.6);
            let typology_column = ["type", "typologie", "categorie", "statut", "sscat", "nature", "label", "cat"]
                .iter()
                .any(|word| column.words().any(|w| w == *word) || column.compact.contains(word) && word.len() > 4);
            let mut matched_any = false;
            // Pieces of the lists that the domain's vocabularies know (a v1 label, a v0.1 label, a
            // spelling met in real files): each sets its value, whatever the other pieces are, unless
            // it is part of a longer known piece of the same field ("gratuit" in "gratuit sous
            // condition"), which the words below handle.
            let mut known: Vec<(String, &'static str, &'static str)> = Vec::new();
            if !free_text {
                for (_, _, raw) in &folded_values {
                    for piece in pieces(raw) {
                        for field in FieldVocabulary::fields() {
                            if let Some(label) = vocabulary_value(field, piece) {
                                let word = fold(piece);
                                if !word.is_empty() && !known.iter().any(|(w, f, _)| *w == word && *f == field) {
                                    known.push((word, field, label));
                                }
                            }
                        }
                    }
                }
            }
            let overlaps = |word: &str, field: &str, label: &str| {
                known.iter().any(|(other, f, l)| {
                    *f == field && *l != label && other != word && format!(" {other} ").contains(&format!(" {word} "))
                })
            };
            for (folded, count, raw) in &folded_values {
                let padded = format!(" {folded} ");
                let has = |word: &str| padded.contains(&format!(" {word} "));
                if !free_text {
                    for piece in pieces(raw) {
                        for field in FieldVocabulary::fields() {
                            let Some(label) = vocabulary_value(field, piece) else { continue };
                            let word = fold(piece);
                            if word.is_empty() || overlaps(&word, field, label) {
                                continue;
                            }
                            matched_any = true;
                            gathered.entry((field, label, false)).or_default().add(index, [word.as_str()], *count);
                        }
                    }
                }
                for keyword in lexicon::KEYWORDS {
                    let words = if free_text { keyword.strong } else { keyword.words };
                    let found: Vec<&str> = words.iter().copied().filter(|word| has(word)).collect();
                    if found.is_empty() {
                        continue;
                    }
                    let blocked: Vec<&str> = keyword.unless.iter().copied().filter(|word| has(word)).collect();
                    let entry = gathered.entry((keyword.field, keyword.value, free_text)).or_default();
                    entry.unless.extend(
                        keyword
                            .unless
                            .iter()
                            .filter(|word| {
                                folded_values
                                    .iter()
                                    .any(|(other, _, _)| format!(" {other} ").contains(&format!(" {word} ")))
                            })
                            .map(|word| word.to_string()),
                    );
                    if !blocked.is_empty() {
                        continue;
                    }
                    matched_any = true;
                    entry.add(index, found, *count);
                }
                if typology_column && !free_text {
                    for (code, words) in lexicon::TYPOLOGIES {
                        let found: Vec<&str> = words.iter().copied().filter(|word| has(word)).collect();
                        if found.is_empty() {
                            continue;
                        }
                        matched_any = true;
                        gathered.entry(("typologie", *code, false)).or_default().add(index, found, *count);
                    }
                }
            }
            // (d) A list column whose name says what any answer means ("Accompagnements
            // proposés aux démarches en ligne": any procedure listed is help with procedures).
            let services_by_name: Vec<&lexicon::NameKeyword> = lexicon::NAME_KEYWORDS
                .iter()
                .filter(|keyword| {
                    keyword.field == "services" && keyword.contains.iter().any(|part| column.compact.contains(part))
                })
                .collect();
            if !services_by_name.is_empty() && !yes_no && !about_else {
                let negatives: Vec<String> = folded_values
                    .iter()
                    .filter(|(folded, _, _)| negative(folded) && !folded.is_empty())
                    .map(|(folded, _, _)| folded.clone())
                    .collect();
                let rows: usize =
                    folded_values.iter().filter(|(folded, _, _)| !negative(folded)).map(|(_, count, _)| count).sum();
                for keyword in services_by_name {
                    let term = TermSpec {
                        column: Some(column.name.clone()),
                        regex: Some(r"\w".to_owned()),
                        unless: negatives.clone(),
                        field: keyword.field.to_owned(),
                        value: Some(keyword.value.to_owned()),
                        ..TermSpec::default()
                    };
                    let reason = format!(
                        "colonne « {} » : son nom évoque « {} » ; toute réponse{} dans {rows} lignes le donne",
                        column.name,
                        keyword.value,
                        if negatives.is_empty() {
                            String::new()
                        } else {
                            format!(" autre que {}", negatives.join(", "))
                        }
                    );
                    yes_no_rules.push((term, reason, Confidence::Low));
                }
                matched_any = true;
            }
            if matched_any {
                self.used.insert(index);
            }
        }
        for (term, reason, confidence) in yes_no_rules {
            let target = term.field.clone();
            self.spec.terms.push(term);
            let key = LineKey::Term(self.spec.terms.len() - 1);
            self.explain(key, &target, confidence, reason, Vec::new());
        }
        for ((field, value, free_text), found) in gathered {
            if found.columns.is_empty() {
                continue;
            }
            let names: Vec<String> = found.columns.iter().map(|index| self.column(*index).name.clone()).collect();
            let mut term = TermSpec {
                contains: Some(if found.words.len() == 1 {
                    OneOrMany::One(found.words[0].clone())
                } else {
                    OneOrMany::Many(found.words.clone())
                }),
                unless: found.unless.iter().cloned().collect(),
                field: field.to_owned(),
                value: Some(value.to_owned()),
                ..TermSpec::default()
            };
            if names.len() == 1 {
                term.column = Some(names[0].clone());
            } else {
                term.columns = Some(names.clone());
            }
            let words = found.words.iter().take(6).map(|word| format!("« {word} »")).collect::<Vec<_>>().join(", ");
            let columns = names.iter().map(|name| format!("« {name} »")).collect::<Vec<_>>().join(", ");
            let (confidence, kind) = if free_text {
                (Confidence::Low, "dans un texte libre, ")
            } else if found.rows >= 3 {
                (Confidence::Medium, "")
            } else {
                (Confidence::Low, "")
            };
            let reason = format!(
                "{} {columns} : {kind}les mots {words} ({} valeurs) évoquent « {value} »{}",
                if names.len() == 1 { "colonne" } else { "colonnes" },
                found.rows,
                if term.unless.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", sauf avec {}",
                        term.unless.iter().map(|w| format!("« {w} »")).collect::<Vec<_>>().join(", ")
                    )
                }
            );
            self.spec.terms.push(term);
            let key = LineKey::Term(self.spec.terms.len() - 1);
            self.explain(key, field, confidence, reason, Vec::new());
        }
        self.programmes(options, source);
    }

    /// A file that is the list of one national programme's places gets what they offer.
    fn programmes(&mut self, options: &SuggestOptions, source: &str) {
        let name = fold(&format!("{} {}", source, options.file.as_deref().unwrap_or("")).replace(['-', '_'], " "));
        let padded = format!(" {name} ");
        let compact = name.replace(' ', "");
        let Some(programme) = lexicon::PROGRAMMES.iter().find(|programme| {
            programme.names.iter().any(|n| padded.contains(&format!(" {n} ")) || compact.contains(&n.replace(' ', "")))
        }) else {
            return;
        };
        let mut by_field: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (field, value) in programme.values {
            by_field.entry(field).or_default().push(value);
        }
        for (field, values) in by_field {
            if self.spec.fields.contains_key(field) {
                continue;
            }
            self.set_field(
                field,
                ValueSpec::Full(ValueTable { value: Some(values.join("|")), ..ValueTable::default() }),
            );
            let reason = format!(
                "le nom du fichier évoque la liste des lieux du programme « {} » : ses lieux ont tous {} ; \
                 le fichier ne le dit pas lieu par lieu",
                programme.label,
                values.iter().map(|v| format!("« {v} »")).collect::<Vec<_>>().join(" et ")
            );
            self.explain(LineKey::Field(field.to_owned()), field, Confidence::Low, reason, Vec::new());
        }
    }
}

/// Proposes a mapping for a file from its columns and rows (all of them, or a sample).
pub fn suggest(columns: &[String], rows: &[SourceRow], options: &SuggestOptions) -> Result<Suggestion, FormatError> {
    let columns: Vec<String> = columns.iter().filter(|column| !column.trim().is_empty()).cloned().collect();
    if columns.len() <= 1 {
        return Err(FormatError::Unreadable(format!(
            "une seule colonne lue{} : un fichier de lieux en a plusieurs ; pour un CSV, le séparateur n'est sans doute \
             pas reconnu (virgule, point-virgule ou tabulation attendus)",
            columns.first().map(|c| format!(" (« {} »)", c.chars().take(80).collect::<String>())).unwrap_or_default()
        )));
    }
    if rows.is_empty() {
        return Err(FormatError::Unreadable("aucune ligne de données : rien à analyser".to_owned()));
    }
    let profiles = profile(&columns, rows);
    let source = options
        .source
        .clone()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| options.file.as_deref().map(source_name_of).unwrap_or_else(|| "import".to_owned()));
    let mut builder = Builder {
        profiles: &profiles,
        rows,
        spec: MappingSpec {
            source: SourceInfo {
                name: source.clone(),
                description: Some(format!(
                    "Correspondance proposée par l'assistant pour « {} »",
                    options.file.as_deref().unwrap_or(&source)
                )),
                file: options.file.clone(),
                ..SourceInfo::default()
            },
            ..MappingSpec::default()
        },
        lines: Vec::new(),
        used: BTreeSet::new(),
        chosen: BTreeMap::new(),
    };
    builder.single_fields();
    builder.layouts();
    builder.identity(&source);
    builder.vocabularies(options, &source);
    if let Some(group) = &builder.spec.group {
        for column in &group.by {
            if let Some(index) = profiles.iter().position(|profile| &profile.name == column) {
                builder.used.insert(index);
            }
        }
    }
    builder.spec.source.unread = profiles
        .iter()
        .enumerate()
        .filter(|(index, _)| !builder.used.contains(index))
        .map(|(_, column)| column.name.clone())
        .collect();
    let Builder { spec, lines, .. } = builder;
    Ok(Suggestion { spec, lines, rows: rows.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(number: usize, pairs: &[(&str, &str)]) -> SourceRow {
        SourceRow {
            number,
            values: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            merged: Vec::new(),
        }
    }

    #[test]
    fn a_small_file_gets_every_layout_it_shows() {
        let columns: Vec<String> = ["Nom de la structure", "Adresse", "Téléphone", "INTERNET", "Public", "x", "y"]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let rows = vec![
            row(
                2,
                &[
                    ("Nom de la structure", "Médiathèque de Blois"),
                    ("Adresse", "2 place Jean Jaurès, 41000 Blois"),
                    ("Téléphone", "02 54 56 27 40"),
                    ("INTERNET", "Oui"),
                    ("Public", "Seniors, jeunes"),
                    ("x", "572000,5"),
                    ("y", "6726000,1"),
                ],
            ),
            row(
                3,
                &[
                    ("Nom de la structure", "Mairie de Vineuil"),
                    ("Adresse", "1 rue de la Mairie 41350 Vineuil"),
                    ("Téléphone", "0254500000"),
                    ("INTERNET", "Non"),
                    ("Public", "Tout public"),
                    ("x", "575000"),
                    ("y", "6723000"),
                ],
            ),
        ];
        let proposal =
            suggest(&columns, &rows, &SuggestOptions { source: Some("blois".into()), file: Some("lieux.csv".into()) })
                .expect("a proposal");
        let spec = &proposal.spec;
        assert_eq!(spec.source.name, "blois");
        assert_eq!(spec.fields["nom"], ValueSpec::Column("Nom de la structure".into()));
        assert_eq!(spec.fields["telephone"], ValueSpec::Column("Téléphone".into()));
        assert_eq!(spec.split[0].column, "Adresse");
        assert_eq!(spec.coordinates.as_ref().map(|c| (c.x.as_str(), c.y.as_str())), Some(("x", "y")));
        assert_eq!(spec.derive_id.as_ref().map(|d| d.prefix.as_str()), Some("blois-"), "{:?}", spec.fields);
        let internet = spec.terms.iter().find(|t| t.column.as_deref() == Some("INTERNET")).expect("yes/no rule");
        assert_eq!((internet.field.as_str(), internet.truthy), ("services", Some(true)));
        // "Seniors, jeunes" are the standard's labels: the column is mapped whole.
        assert_eq!(spec.fields["publics_specifiquement_adresses"], ValueSpec::Column("Public".into()));
        // Every line is explained, and the mapping it makes loads.
        assert!(proposal.lines.iter().all(|line| !line.reason.is_empty()));
        crate::mapping::Mapping::from_spec(spec.clone()).expect("valid");
        // The explanations travel as data (a form shows them line by line).
        let json = serde_json::to_value(&proposal.lines[0]).unwrap();
        assert!(json["key"]["ligne"].is_string(), "{json}");
    }

    #[test]
    fn source_names_come_from_file_names() {
        assert_eq!(source_name_of("exports/Lieux Numériques 2024.csv.gz"), "lieux-numeriques-2024");
        assert_eq!(source_name_of(".csv"), "import");
    }
}
