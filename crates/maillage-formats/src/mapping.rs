//! Declarative mappings for hubs' own exports: a TOML file says how one row of an export,
//! whatever its layout, becomes a [`RawRecord`] keyed by the standard's v1 field names. The
//! domain builder ([`maillage_domain::build_record`]) then does all value normalisation
//! (vocabularies, phones, postcodes, dates, opening hours), so a mapping only says *where*
//! each value is, never how to clean it up beyond simple text cleanup.
//!
//! The format is documented for the people who write mappings in `mappings/README.md` at
//! the repository root (a test checks that its example loads); in short:
//!
//! - `[source]`: the registry's name for the source, where the export comes from, and the
//!   columns deliberately left `unread` (they help recognise the export's layout);
//! - `[fields]` and `[extras]`: where each v1 field or extra attribute is (a column, the first
//!   non-empty of several, columns joined, a constant; placeholders ignored, case, regex
//!   replacements);
//! - `[[split]]`: one column cut into several fields, by a separator or a regex;
//! - `[coordinates]`: Lambert-93 X/Y columns converted to WGS84 latitude and longitude;
//! - `[derive_id]`: a stable id hashed from mapped fields when the export has none;
//! - `[[terms]]`: words, values or patterns found in columns set values of the multi-valued
//!   fields (`services`, `publics_specifiquement_adresses`…), checked against the
//!   vocabularies when the mapping is loaded;
//! - `[hours]`: opening hours in one of four layouts (one column, one column per day,
//!   opening/closing columns per day, a set of days plus a text);
//! - `[[skip]]`: rows left out on purpose (an inactive structure), each reported with its reason;
//! - `[group]`: consecutive rows that describe one place (one row per service offered),
//!   merged into one record.
//!
//! [`MappingSpec`] is the file as written (serde types, [`write::to_toml`] writes it back;
//! [`locate`] finds a line of it in the text, so that a mistake says its line);
//! [`Mapping`] is the checked, compiled form that maps rows. Every problem the mapping meets
//! becomes a [`Problem`] (field, value, French reason): a column the mapping names and the file
//! lacks ([`Mapping::check_columns`]), a value that does not split, a placeholder dropped, hours
//! not converted, a row skipped. Nothing is dropped silently.

mod hours;
pub mod locate;
pub mod shipped;
mod spec;
pub mod write;

use maillage_domain::build::{FIELDS, V0_LABELS_NATIONAUX, V0_PUBLICS_ACCUEILLIS};
use maillage_domain::text::fold;
use maillage_domain::vocab::FieldVocabulary;
use maillage_domain::{Problem, RawRecord};
use regex::Regex;
use sha2::{Digest, Sha256};

use crate::error::FormatError;
use crate::reader::SourceRow;

pub use spec::{
    CaseSpec, CoordinatesSpec, DeriveIdSpec, GroupSpec, HoursSpec, MappingSpec, OneOrMany, Projection, SkipSpec,
    SourceInfo, SplitSpec, TermSpec, ValueSpec, ValueTable,
};

use hours::Hours;

/// A checked, compiled mapping file.
#[derive(Clone, Debug)]
pub struct Mapping {
    spec: MappingSpec,
    fields: Vec<(&'static str, Value)>,
    extras: Vec<(String, Value)>,
    splits: Vec<Split>,
    terms: Vec<Term>,
    skips: Vec<Skip>,
    hours: Option<Hours>,
    coordinates: Option<CoordinatesSpec>,
    derive_id: Option<DeriveId>,
}

/// What a mapping makes of one row (or one group of rows).
#[derive(Clone, Debug, PartialEq)]
pub enum Mapped {
    /// A raw record for the builder, with the problems the mapping met.
    Record(RawRecord, Vec<Problem>),
    /// A row the mapping leaves out on purpose (`[[skip]]`): an error problem with the reason.
    Skipped(Problem),
}

#[derive(Clone, Debug, Default)]
struct Value {
    columns: Vec<String>,
    join: Option<String>,
    constant: Option<String>,
    default: Option<String>,
    ignore: Vec<String>,
    case: Option<CaseSpec>,
    replace: Vec<(Regex, String)>,
}

#[derive(Clone, Debug)]
enum SplitHow {
    Separator(String),
    Regex(Regex),
}

#[derive(Clone, Debug)]
struct Split {
    column: String,
    how: SplitHow,
    /// Target of each part (separator) or numbered group (regex); `None` skips it.
    into: Vec<Option<&'static str>>,
    /// Named groups of the regex that are field names.
    named: Vec<&'static str>,
    otherwise: Option<&'static str>,
    /// The column is mapped whole elsewhere: a value that does not split loses nothing.
    optional: bool,
}

#[derive(Clone, Debug)]
enum Matcher {
    Equals(Vec<String>),
    Contains(Vec<String>),
    Regex(Regex),
    Truthy,
}

/// The columns a rule looks at and how it decides that one of them matches.
#[derive(Clone, Debug)]
struct Condition {
    columns: Vec<String>,
    matcher: Matcher,
    unless: Vec<String>,
}

#[derive(Clone, Debug)]
struct Term {
    condition: Condition,
    field: &'static str,
    values: Vec<String>,
}

#[derive(Clone, Debug)]
struct Skip {
    condition: Condition,
    reason: String,
}

#[derive(Clone, Debug)]
struct DeriveId {
    from: Vec<&'static str>,
    prefix: String,
}

/// Fields that hold several values, the only ones term rules may add to.
pub const LIST_FIELDS: [&str; 11] = [
    "typologie",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "itinerance",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
];

fn field_name(name: &str, context: &str) -> Result<&'static str, String> {
    FIELDS.iter().copied().chain([V0_PUBLICS_ACCUEILLIS, V0_LABELS_NATIONAUX]).find(|field| *field == name).ok_or_else(
        || format!("{context} : « {name} » n'est pas un champ du standard (champs possibles : {})", FIELDS.join(", ")),
    )
}

/// The exact v1 label of a vocabulary value, or the value itself for free-text list fields.
pub fn vocabulary_label(field: &str, value: &str) -> Result<String, String> {
    match FieldVocabulary::of(field) {
        Some(vocabulary) => vocabulary.label_of(value).map(str::to_owned).ok_or_else(|| {
            format!(
                "« {value} » ne fait pas partie des valeurs de {} ({})",
                vocabulary.field,
                vocabulary.labels().join(" ; ")
            )
        }),
        None if value.trim().is_empty() => Err("valeur vide".to_owned()),
        None => Ok(value.trim().to_owned()),
    }
}

/// The labels a vocabulary field takes, in the standard's order; empty for a free-text list
/// field (`typologie`, `autres_formations_labels`) or a field that is no list.
pub fn vocabulary_values(field: &str) -> Vec<&'static str> {
    FieldVocabulary::of(field).map(FieldVocabulary::labels).unwrap_or_default()
}

fn compile_regex(pattern: &str, context: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|err| format!("{context} : expression régulière invalide « {pattern} » ({err})"))
}

fn compile_value(spec: ValueSpec, context: &str) -> Result<Value, String> {
    let table = match spec {
        ValueSpec::Column(column) => return Ok(Value { columns: vec![column], ..Value::default() }),
        ValueSpec::Columns(columns) if columns.is_empty() => return Err(format!("{context} : liste de colonnes vide")),
        ValueSpec::Columns(columns) => return Ok(Value { columns, ..Value::default() }),
        ValueSpec::Full(table) => table,
    };
    let mut columns = table.columns.unwrap_or_default();
    if let Some(column) = table.column {
        columns.insert(0, column);
    }
    match (&table.value, columns.is_empty()) {
        (Some(_), false) => return Err(format!("{context} : « value » (constante) et « column(s) » sont exclusifs")),
        (None, true) => return Err(format!("{context} : indiquer « column », « columns » ou « value »")),
        _ => {}
    }
    let replace = table
        .replace
        .into_iter()
        .map(|(pattern, replacement)| Ok((compile_regex(&pattern, context)?, replacement)))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Value {
        columns,
        join: table.join,
        constant: table.value,
        default: table.default,
        ignore: table.ignore.iter().map(|value| value.trim().to_lowercase()).collect(),
        case: table.case,
        replace,
    })
}

/// Each rule of a `[[…]]` list, compiled with its position (its messages say which one).
fn compile_each<S, T>(specs: Vec<S>, compile: fn(S, usize) -> Result<T, String>) -> Result<Vec<T>, String> {
    specs.into_iter().enumerate().map(|(index, spec)| compile(spec, index)).collect()
}

fn compile_split(spec: SplitSpec, index: usize) -> Result<Split, String> {
    let context = format!("[[split]] n° {} (colonne « {} »)", index + 1, spec.column);
    let into = spec
        .into
        .iter()
        .map(|name| if name.is_empty() || name == "_" { Ok(None) } else { field_name(name, &context).map(Some) })
        .collect::<Result<Vec<_>, String>>()?;
    let otherwise = spec.otherwise.as_deref().map(|name| field_name(name, &context)).transpose()?;
    let (how, named) = match (spec.separator, spec.regex) {
        (Some(separator), None) => {
            if separator.is_empty() {
                return Err(format!("{context} : séparateur vide"));
            }
            if into.len() < 2 {
                return Err(format!("{context} : « into » doit nommer au moins deux parties"));
            }
            (SplitHow::Separator(separator), Vec::new())
        }
        (None, Some(pattern)) => {
            let regex = compile_regex(&pattern, &context)?;
            let named = regex
                .capture_names()
                .flatten()
                .map(|name| field_name(name, &context))
                .collect::<Result<Vec<_>, String>>()?;
            if named.is_empty() && into.is_empty() {
                return Err(format!("{context} : nommer les groupes de l'expression (?P<champ>…) ou donner « into »"));
            }
            if into.len() > regex.captures_len() - 1 {
                return Err(format!("{context} : « into » nomme plus de parties que l'expression n'a de groupes"));
            }
            (SplitHow::Regex(regex), named)
        }
        _ => return Err(format!("{context} : indiquer soit « separator », soit « regex »")),
    };
    Ok(Split { column: spec.column, how, into, named, otherwise, optional: spec.optional })
}

/// The matcher fields shared by `[[terms]]` and `[[skip]]`.
struct ConditionSpec {
    column: Option<String>,
    columns: Option<Vec<String>>,
    contains: Option<OneOrMany>,
    equals: Option<OneOrMany>,
    regex: Option<String>,
    truthy: Option<bool>,
    unless: Vec<String>,
}

/// The matcher fields of a `[[terms]]` or `[[skip]]` rule (`TermSpec`, `SkipSpec`), moved out
/// of it: the two file types are separate so that each refuses the other's keys.
macro_rules! condition_spec {
    ($spec:ident) => {
        ConditionSpec {
            column: $spec.column,
            columns: $spec.columns,
            contains: $spec.contains,
            equals: $spec.equals,
            regex: $spec.regex,
            truthy: $spec.truthy,
            unless: $spec.unless,
        }
    };
}

fn compile_condition(spec: ConditionSpec, context: &str) -> Result<Condition, String> {
    let mut columns = spec.columns.unwrap_or_default();
    if let Some(column) = spec.column {
        columns.insert(0, column);
    }
    if columns.is_empty() {
        return Err(format!("{context} : indiquer « column » ou « columns »"));
    }
    let folded = |values: Vec<String>| -> Result<Vec<String>, String> {
        let out: Vec<String> = values.iter().map(|value| fold(value)).filter(|value| !value.is_empty()).collect();
        if out.is_empty() {
            Err(format!("{context} : liste de termes vide"))
        } else {
            Ok(out)
        }
    };
    let mut matchers = Vec::new();
    if let Some(values) = spec.equals {
        matchers.push(Matcher::Equals(folded(values.into_vec())?));
    }
    if let Some(values) = spec.contains {
        matchers.push(Matcher::Contains(folded(values.into_vec())?));
    }
    if let Some(pattern) = spec.regex {
        matchers.push(Matcher::Regex(compile_regex(&pattern, context)?));
    }
    if spec.truthy == Some(true) {
        matchers.push(Matcher::Truthy);
    }
    if matchers.len() != 1 {
        return Err(format!(
            "{context} : indiquer exactement un critère parmi « equals », « contains », « regex », « truthy = true »"
        ));
    }
    Ok(Condition {
        columns,
        matcher: matchers.remove(0),
        unless: spec.unless.iter().map(|word| fold(word)).filter(|word| !word.is_empty()).collect(),
    })
}

fn compile_term(spec: TermSpec, index: usize) -> Result<Term, String> {
    let context = format!("[[terms]] n° {} (champ « {} »)", index + 1, spec.field);
    let field = field_name(&spec.field, &context)?;
    if !LIST_FIELDS.contains(&field) {
        return Err(format!(
            "{context} : une règle de termes ne peut remplir qu'un champ à valeurs multiples ({})",
            LIST_FIELDS.join(", ")
        ));
    }
    let condition = compile_condition(condition_spec!(spec), &context)?;
    let mut values = spec.values.unwrap_or_default();
    if let Some(value) = spec.value {
        values.insert(0, value);
    }
    if values.is_empty() {
        return Err(format!("{context} : indiquer « value » ou « values »"));
    }
    let values = values
        .iter()
        .map(|value| vocabulary_label(field, value).map_err(|err| format!("{context} : {err}")))
        .collect::<Result<_, _>>()?;
    Ok(Term { condition, field, values })
}

fn compile_skip(spec: SkipSpec, index: usize) -> Result<Skip, String> {
    let context = format!("[[skip]] n° {}", index + 1);
    if spec.reason.trim().is_empty() {
        return Err(format!("{context} : « reason » est vide (dire pourquoi ces lignes sont écartées)"));
    }
    let condition = compile_condition(condition_spec!(spec), &context)?;
    Ok(Skip { condition, reason: spec.reason.trim().to_owned() })
}

fn compile_hours(spec: HoursSpec) -> Result<Hours, String> {
    let day = |name: &str| {
        hours::weekday(name)
            .ok_or_else(|| format!("[hours] : « {name} » n'est pas un jour (lundi, mardi, …, dimanche)"))
    };
    match spec {
        HoursSpec::Column { column, columns } => {
            let mut all = columns.unwrap_or_default();
            if let Some(column) = column {
                all.insert(0, column);
            }
            if all.is_empty() {
                return Err("[hours] : indiquer « column » ou « columns »".to_owned());
            }
            Ok(Hours::Column(all))
        }
        HoursSpec::PerDay { days } => {
            if days.is_empty() {
                return Err("[hours] : « days » ne nomme aucun jour".to_owned());
            }
            Ok(Hours::PerDay(
                days.into_iter().map(|(name, column)| Ok((day(&name)?, column))).collect::<Result<_, String>>()?,
            ))
        }
        HoursSpec::PerDayRanges { days } => {
            if days.is_empty() {
                return Err("[hours] : « days » ne nomme aucun jour".to_owned());
            }
            Ok(Hours::PerDayRanges(
                days.into_iter().map(|(name, pairs)| Ok((day(&name)?, pairs))).collect::<Result<_, String>>()?,
            ))
        }
        HoursSpec::DaySet { days, text } => Ok(Hours::DaySet { days, text }),
    }
}

/// serde's "one of `a`, `b`" / "`a` or `b`" as a French list of the names.
fn one_of(expected: &str) -> String {
    let list = expected.trim().strip_prefix("one of ").unwrap_or(expected.trim());
    list.replace(" or ", ", ")
}

/// serde's names of kinds of values ("a string", "integer `3`", "a sequence") in French; the
/// value itself, between backquotes, is kept.
fn serde_type(text: &str) -> String {
    let text = text.trim();
    let (kind, value) = match text.find('`') {
        Some(at) => (text[..at].trim(), Some(&text[at..])),
        None => (text, None),
    };
    let kind = kind.strip_prefix("a ").or_else(|| kind.strip_prefix("an ")).unwrap_or(kind);
    let french = match kind {
        "string" | "str" | "char" => "un texte",
        "integer" | "i64" | "u64" | "i32" | "u32" | "usize" | "u8" | "u16" => "un nombre entier",
        "float" | "floating point" | "f64" | "f32" => "un nombre",
        "boolean" | "bool" => "un booléen (true ou false)",
        "sequence" | "array" => "une liste",
        "map" | "table" => "une table",
        "date" | "datetime" | "local datetime" => "une date",
        other if other.starts_with("struct ") || other.starts_with("enum ") => "une table",
        _ => "une valeur d'un autre type",
    };
    match value {
        Some(value) => format!("{french} {value}"),
        None => french.to_owned(),
    }
}

/// Turns toml's message into a French one with the line, for the person who wrote the file.
fn toml_error(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim();
    let message = if let Some(rest) = message.strip_prefix("missing field ") {
        format!("clé obligatoire manquante : {rest}")
    } else if let Some(rest) = message.strip_prefix("unknown field ") {
        let name = rest.split(',').next().unwrap_or(rest);
        match rest.split_once("expected ") {
            Some((_, expected)) => format!("clé inconnue : {name} (clés possibles : {})", one_of(expected)),
            None => format!("clé inconnue : {name}"),
        }
    } else if message.contains("untagged enum ValueSpec") {
        "valeur mal formée : attendu un nom de colonne, une liste de colonnes ou une table \
         { column, columns, join, value, default, ignore, case, replace }"
            .to_owned()
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        let name = rest.split(',').next().unwrap_or(rest);
        let expected = rest.split_once("expected ").map(|(_, expected)| expected).unwrap_or("");
        format!("valeur inconnue : {name} (valeurs possibles : {})", one_of(expected))
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        format!("type de valeur inattendu : {} au lieu de {}", serde_type(found), serde_type(expected))
    } else if message.starts_with("duplicate key") {
        "clé en double".to_owned()
    } else {
        // The parser's own wording is English: the line is what helps.
        "syntaxe TOML incorrecte".to_owned()
    };
    match err.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            format!("ligne {line} : {message}")
        }
        None => message,
    }
}

impl MappingSpec {
    /// Reads a mapping file as written, without checking its meaning ([`Mapping::from_spec`]
    /// does). Syntax mistakes give a French message with their line.
    pub fn from_toml(text: &str) -> Result<Self, FormatError> {
        toml::from_str(text).map_err(|err| FormatError::Mapping(toml_error(text, &err)))
    }

    /// The mapping as a TOML file a person can read and edit.
    pub fn to_toml(&self) -> String {
        write::to_toml(self, &|_| None)
    }
}

impl Mapping {
    /// Reads and checks a mapping file. Every mistake gives a French message with its line
    /// (syntax) or the section it is in (meaning).
    pub fn from_toml(text: &str) -> Result<Self, FormatError> {
        Self::compile(MappingSpec::from_toml(text)?).map_err(|message| {
            FormatError::Mapping(match locate::line_of_error(text, &message) {
                Some(line) => format!("ligne {line} : {message}"),
                None => message,
            })
        })
    }

    /// Checks and compiles a mapping given as data (written by the assistant or a form).
    pub fn from_spec(spec: MappingSpec) -> Result<Self, FormatError> {
        Self::compile(spec).map_err(FormatError::Mapping)
    }

    fn compile(spec: MappingSpec) -> Result<Self, String> {
        let kept = spec.clone();
        if spec.source.name.trim().is_empty() {
            return Err("[source] : « name » est vide".to_owned());
        }
        let fields = spec
            .fields
            .into_iter()
            .map(|(name, value)| {
                let context = format!("[fields] {name}");
                let field = field_name(&name, "[fields]")?;
                let value = compile_value(value, &context)?;
                // A constant of a vocabulary is checked like a term rule's value: a typo would
                // otherwise be dropped from every row, one warning at a time.
                if let Some(constant) = value.constant.as_deref().filter(|_| LIST_FIELDS.contains(&field)) {
                    for part in constant.split('|').filter(|part| !part.trim().is_empty()) {
                        vocabulary_label(field, part).map_err(|err| format!("{context} : {err}"))?;
                    }
                }
                Ok((field, value))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let extras = spec
            .extras
            .into_iter()
            .map(|(name, value)| {
                if name.trim().is_empty() {
                    return Err("[extras] : nom d'attribut vide".to_owned());
                }
                let context = format!("[extras] {name}");
                Ok((name, compile_value(value, &context)?))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let splits = compile_each(spec.split, compile_split)?;
        let terms = compile_each(spec.terms, compile_term)?;
        let skips = compile_each(spec.skip, compile_skip)?;
        let hours = spec.hours.map(compile_hours).transpose()?;
        if hours.is_some() && fields.iter().any(|(field, _)| *field == "horaires") {
            return Err("« horaires » est donné à la fois dans [fields] et dans [hours] : n'en garder qu'un".to_owned());
        }
        if let Some(coordinates) = &spec.coordinates {
            if coordinates.x.trim().is_empty() || coordinates.y.trim().is_empty() {
                return Err("[coordinates] : nommer les colonnes « x » et « y »".to_owned());
            }
        }
        if let Some(group) = &spec.group {
            if group.by.iter().all(|column| column.trim().is_empty()) {
                return Err("[group] : « by » doit nommer au moins une colonne".to_owned());
            }
        }
        let derive_id = match spec.derive_id {
            Some(derive) => {
                if derive.from.is_empty() {
                    return Err("[derive_id] : « from » doit nommer au moins un champ".to_owned());
                }
                let from = derive.from.iter().map(|name| field_name(name, "[derive_id]")).collect::<Result<_, _>>()?;
                Some(DeriveId { from, prefix: derive.prefix })
            }
            None => None,
        };
        Ok(Mapping {
            spec: kept,
            fields,
            extras,
            splits,
            terms,
            skips,
            hours,
            coordinates: spec.coordinates,
            derive_id,
        })
    }

    /// The registry's name for this source.
    pub fn source_name(&self) -> &str {
        &self.spec.source.name
    }

    /// Everything `[source]` says.
    pub fn source(&self) -> &SourceInfo {
        &self.spec.source
    }

    /// The mapping as written, for editing or writing back to TOML.
    pub fn spec(&self) -> &MappingSpec {
        &self.spec
    }

    /// The source columns that say consecutive rows are one place (`[group]`), if any.
    pub fn group_by(&self) -> Option<&[String]> {
        self.spec.group.as_ref().map(|group| group.by.as_slice())
    }

    /// Every column the mapping reads, each once, in the order the mapping names them,
    /// with the field (or extra attribute) it feeds.
    pub fn columns(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut add = |column: &str, target: &str| {
            if !out.iter().any(|(known, _)| known == column) {
                out.push((column.to_owned(), target.to_owned()));
            }
        };
        for (field, value) in &self.fields {
            value.columns.iter().for_each(|column| add(column, field));
        }
        for split in &self.splits {
            add(&split.column, split.first_target());
        }
        if let Some(coordinates) = &self.coordinates {
            add(&coordinates.x, "longitude");
            add(&coordinates.y, "latitude");
        }
        for term in &self.terms {
            term.condition.columns.iter().for_each(|column| add(column, term.field));
        }
        for skip in &self.skips {
            skip.condition.columns.iter().for_each(|column| add(column, "*"));
        }
        if let Some(hours) = &self.hours {
            hours.columns().into_iter().for_each(|column| add(column, "horaires"));
        }
        for column in self.group_by().unwrap_or_default() {
            add(column, "*");
        }
        for (name, value) in &self.extras {
            value.columns.iter().for_each(|column| add(column, name));
        }
        out
    }

    /// The export's layout as the mapping knows it: the columns it reads and the ones it
    /// leaves unread on purpose.
    pub fn layout(&self) -> Vec<String> {
        let mut out: Vec<String> = self.columns().into_iter().map(|(column, _)| column).collect();
        for column in &self.spec.source.unread {
            if !out.contains(column) {
                out.push(column.clone());
            }
        }
        out
    }

    /// Columns the mapping names that the file does not have (or that are empty in every
    /// row of a JSON file, which the reader cannot tell apart), one warning each.
    pub fn check_columns(&self, columns: &[String]) -> Vec<Problem> {
        self.columns()
            .into_iter()
            .filter(|(column, _)| !columns.iter().any(|present| present == column))
            .map(|(column, target)| {
                Problem::warning(
                    &target,
                    &column,
                    format!(
                        "colonne « {column} » nommée par la correspondance mais absente du fichier (ou toujours vide)"
                    ),
                )
            })
            .collect()
    }

    /// Turns one row into a raw record, with the problems the mapping itself met. A row that
    /// `[[skip]]` leaves out gives an empty record and its reason: use [`Mapping::map_row`]
    /// to tell the two apart.
    pub fn apply(&self, row: &SourceRow) -> (RawRecord, Vec<Problem>) {
        match self.map_row(row) {
            Mapped::Record(raw, problems) => (raw, problems),
            Mapped::Skipped(problem) => (RawRecord::default(), vec![problem]),
        }
    }

    /// Maps one row (or one group of rows merged by `[group]`), or says why it is skipped.
    pub fn map_row(&self, row: &SourceRow) -> Mapped {
        for skip in &self.skips {
            if let Some((column, value)) = skip.condition.first_match(row) {
                return Mapped::Skipped(Problem::error(
                    column,
                    value,
                    format!("ligne écartée par la correspondance : {}", skip.reason),
                ));
            }
        }
        let mut raw = RawRecord::default();
        let mut problems = Vec::new();
        if !row.merged.is_empty() {
            let lines: Vec<String> =
                std::iter::once(row.number).chain(row.merged.iter().copied()).map(|n| n.to_string()).collect();
            problems.push(Problem::info(
                "*",
                &lines.join(", "),
                format!(
                    "{} lignes consécutives décrivent le même lieu (mêmes {}) : regroupées en une fiche",
                    lines.len(),
                    self.group_by().unwrap_or_default().join(", ")
                ),
            ));
        }
        for (field, value) in &self.fields {
            if let Some(text) = value.read(row, field, &mut problems) {
                raw.set(field, text);
            }
        }
        for split in &self.splits {
            split.apply(row, &mut raw, &mut problems);
        }
        if let Some(coordinates) = &self.coordinates {
            apply_coordinates(coordinates, row, &mut raw, &mut problems);
        }
        if let Some(derive) = &self.derive_id {
            derive.apply(&mut raw, &mut problems);
        }
        for term in &self.terms {
            if term.condition.first_match(row).is_some() {
                for value in &term.values {
                    append_unique(&mut raw, term.field, value);
                }
            }
        }
        if let Some(hours) = &self.hours {
            hours.apply(row, &mut raw, &mut problems);
        }
        for (name, value) in &self.extras {
            if let Some(text) = value.read(row, name, &mut problems) {
                raw.extras.insert(name.clone(), text);
            }
        }
        Mapped::Record(raw, problems)
    }
}

/// Converts projected X/Y columns into the standard's latitude and longitude, unless the
/// row already gave them.
fn apply_coordinates(spec: &CoordinatesSpec, row: &SourceRow, raw: &mut RawRecord, problems: &mut Vec<Problem>) {
    if !is_empty(raw, "latitude") || !is_empty(raw, "longitude") {
        return;
    }
    let x = row.get(&spec.x).map(str::trim);
    let y = row.get(&spec.y).map(str::trim);
    let (x_text, y_text) = match (x, y) {
        (None, None) => return,
        (Some(x), Some(y)) => (x, y),
        (x, y) => {
            problems.push(Problem::warning(
                "latitude",
                &format!("{} ; {}", x.unwrap_or(""), y.unwrap_or("")),
                "coordonnées Lambert-93 incomplètes (X ou Y manquant), ignorées",
            ));
            return;
        }
    };
    let number = |text: &str| text.replace([' ', '\u{a0}'], "").replace(',', ".").parse::<f64>().ok();
    let converted = match (number(x_text), number(y_text), spec.projection) {
        (Some(x), Some(y), Projection::Lambert93) => crate::geo::lambert93_to_wgs84(x, y),
        _ => None,
    };
    match converted {
        Some((latitude, longitude)) => {
            problems.push(Problem::info(
                "latitude",
                &format!("{x_text} ; {y_text}"),
                format!("coordonnées Lambert-93 converties en WGS84 : {latitude:.6}, {longitude:.6}"),
            ));
            raw.set("latitude", format!("{latitude:.6}"));
            raw.set("longitude", format!("{longitude:.6}"));
        }
        None => problems.push(Problem::warning(
            "latitude",
            &format!("{x_text} ; {y_text}"),
            "coordonnées Lambert-93 illisibles ou hors de France métropolitaine, ignorées",
        )),
    }
}

fn is_empty(raw: &RawRecord, field: &str) -> bool {
    raw.fields.get(field).is_none_or(|value| value.trim().is_empty())
}

fn append_unique(raw: &mut RawRecord, field: &str, value: &str) {
    let present = raw.fields.get(field).is_some_and(|existing| existing.split('|').any(|part| part.trim() == value));
    if !present {
        raw.append(field, value);
    }
}

fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for ch in text.chars() {
        if start {
            out.extend(ch.to_uppercase());
        } else {
            out.extend(ch.to_lowercase());
        }
        start = !ch.is_alphanumeric();
    }
    out
}

impl Value {
    fn clean(&self, text: &str, field: &str, problems: &mut Vec<Problem>) -> Option<String> {
        let mut text = text.trim().to_owned();
        for (pattern, replacement) in &self.replace {
            text = pattern.replace_all(&text, replacement.as_str()).trim().to_owned();
        }
        if text.is_empty() {
            return None;
        }
        if self.ignore.contains(&text.to_lowercase()) {
            problems.push(Problem::info(field, &text, "valeur de remplissage ignorée"));
            return None;
        }
        Some(match self.case {
            Some(CaseSpec::Upper) => text.to_uppercase(),
            Some(CaseSpec::Lower) => text.to_lowercase(),
            Some(CaseSpec::Title) => title_case(&text),
            None => text,
        })
    }

    fn read(&self, row: &SourceRow, field: &str, problems: &mut Vec<Problem>) -> Option<String> {
        if let Some(constant) = &self.constant {
            return Some(constant.clone());
        }
        let value = match &self.join {
            // Every value of every column, each once: rows merged by `[group]` repeat columns,
            // and a place's comments may differ from one of its rows to the next.
            Some(separator) => {
                let mut parts: Vec<String> = Vec::new();
                for column in &self.columns {
                    for (_, text) in row.values.iter().filter(|(name, text)| name == column && !text.trim().is_empty())
                    {
                        if let Some(text) = self.clean(text, field, problems) {
                            if !parts.contains(&text) {
                                parts.push(text);
                            }
                        }
                    }
                }
                (!parts.is_empty()).then(|| parts.join(separator))
            }
            None => self
                .columns
                .iter()
                .filter_map(|column| row.get(column))
                .find_map(|text| self.clean(text, field, problems)),
        };
        value.or_else(|| self.default.clone())
    }
}

impl Split {
    fn first_target(&self) -> &'static str {
        self.named.first().copied().or_else(|| self.into.iter().flatten().next().copied()).unwrap_or("")
    }

    fn apply(&self, row: &SourceRow, raw: &mut RawRecord, problems: &mut Vec<Problem>) {
        let Some(value) = row.get(&self.column).map(str::trim).filter(|value| !value.is_empty()) else { return };
        let mut parts: Vec<(&'static str, String)> = Vec::new();
        let complete = match &self.how {
            SplitHow::Separator(separator) => {
                let pieces: Vec<&str> = value.splitn(self.into.len(), separator.as_str()).collect();
                for (target, piece) in self.into.iter().zip(&pieces) {
                    if let Some(target) = target {
                        parts.push((target, piece.trim().to_owned()));
                    }
                }
                pieces.len() == self.into.len()
            }
            SplitHow::Regex(regex) => match regex.captures(value) {
                Some(captures) => {
                    for name in &self.named {
                        if let Some(found) = captures.name(name) {
                            parts.push((name, found.as_str().trim().to_owned()));
                        }
                    }
                    for (index, target) in self.into.iter().enumerate() {
                        if let (Some(target), Some(found)) = (target, captures.get(index + 1)) {
                            parts.push((target, found.as_str().trim().to_owned()));
                        }
                    }
                    true
                }
                None => false,
            },
        };
        if !complete && self.optional {
            return;
        }
        if !complete {
            let first = self.first_target();
            match self.otherwise {
                Some(fallback) => {
                    problems.push(Problem::warning(
                        fallback,
                        value,
                        format!(
                            "colonne « {} » non découpable comme prévu : valeur gardée entière dans {fallback}",
                            self.column
                        ),
                    ));
                    if is_empty(raw, fallback) {
                        raw.set(fallback, value);
                    }
                }
                None => problems.push(Problem::warning(
                    first,
                    value,
                    format!("colonne « {} » non découpable comme prévu, valeur ignorée", self.column),
                )),
            }
            return;
        }
        for (target, text) in parts {
            if !text.is_empty() && is_empty(raw, target) {
                raw.set(target, text);
            }
        }
    }
}

/// Values read as "yes" by `truthy = true`, folded.
pub const TRUTHY: [&str; 10] = ["true", "oui", "x", "1", "1 0", "yes", "vrai", "o", "y", "ok"];

impl Condition {
    /// The first (column, value) of the row that satisfies the condition. Every value of a
    /// column counts, not only the first: rows merged by `[group]` repeat columns.
    fn first_match<'r>(&self, row: &'r SourceRow) -> Option<(&'r str, &'r str)> {
        row.values
            .iter()
            .filter(|(name, value)| !value.trim().is_empty() && self.columns.iter().any(|column| column == name))
            .find(|(_, value)| self.matches(value))
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    fn matches(&self, value: &str) -> bool {
        let folded = fold(value);
        let padded = format!(" {folded} ");
        if self.unless.iter().any(|word| padded.contains(&format!(" {word} "))) {
            return false;
        }
        match &self.matcher {
            Matcher::Equals(values) => values.contains(&folded),
            Matcher::Contains(words) => words.iter().any(|word| padded.contains(&format!(" {word} "))),
            Matcher::Regex(regex) => regex.is_match(value),
            Matcher::Truthy => TRUTHY.contains(&folded.as_str()),
        }
    }
}

impl DeriveId {
    fn apply(&self, raw: &mut RawRecord, problems: &mut Vec<Problem>) {
        if !is_empty(raw, "id") {
            return;
        }
        let parts: Vec<String> =
            self.from.iter().map(|field| raw.fields.get(*field).map(|value| fold(value)).unwrap_or_default()).collect();
        if parts.iter().all(String::is_empty) {
            // Nothing to derive from: the builder reports the missing id.
            return;
        }
        let digest = Sha256::digest(parts.join("\u{1f}").as_bytes());
        let hex: String = digest.iter().take(8).map(|byte| format!("{byte:02x}")).collect();
        let id = format!("{}{hex}", self.prefix);
        problems.push(Problem::info(
            "id",
            &id,
            format!("identifiant absent de la source : dérivé de {}", self.from.join(", ")),
        ));
        raw.set("id", id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use maillage_domain::Severity;

    fn row(pairs: &[(&str, &str)]) -> SourceRow {
        SourceRow {
            number: 2,
            values: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            merged: Vec::new(),
        }
    }

    fn mapping(text: &str) -> Mapping {
        Mapping::from_toml(text).unwrap_or_else(|err| panic!("{err}"))
    }

    fn error(text: &str) -> String {
        match Mapping::from_toml(text) {
            Err(FormatError::Mapping(message)) => message,
            other => panic!("expected a mapping error, got {other:?}"),
        }
    }

    const HEAD: &str = "[source]\nname = \"test\"\n";

    #[test]
    fn columns_first_non_empty_join_and_constant() {
        let m = mapping(&format!(
            "{HEAD}[fields]\nnom = \"n\"\ntelephone = [\"fixe\", \"mobile\"]\nadresse = {{ columns = [\"num\", \"rue\"], join = \" \" }}\n\
             source = {{ value = \"Hub-Lo\" }}\ncommune = {{ column = \"ville\", case = \"title\", ignore = [\"-\"] }}\n\
             courriels = {{ column = \"mail\", replace = [['^mailto:', '']] }}\n"
        ));
        let (raw, problems) = m.apply(&row(&[
            ("n", " Médiathèque "),
            ("fixe", "-"),
            ("mobile", "06 12 34 56 78"),
            ("num", "3"),
            ("rue", "rue Haute"),
            ("ville", "SAINT-JEAN-DE-BRAYE"),
            ("mail", "mailto:a@b.fr"),
        ]));
        assert_eq!(raw.fields["nom"], "Médiathèque");
        // "-" is only ignored where the mapping says so: here the phone takes it as is.
        assert_eq!(raw.fields["telephone"], "-");
        assert_eq!(raw.fields["adresse"], "3 rue Haute");
        assert_eq!(raw.fields["source"], "Hub-Lo");
        assert_eq!(raw.fields["commune"], "Saint-Jean-De-Braye");
        assert_eq!(raw.fields["courriels"], "a@b.fr");
        assert!(problems.is_empty());

        let (raw, problems) = m.apply(&row(&[("ville", "-")]));
        assert!(!raw.fields.contains_key("commune"));
        assert_eq!(problems, vec![Problem::info("commune", "-", "valeur de remplissage ignorée")]);
    }

    #[test]
    fn split_by_separator_and_regex() {
        let m = mapping(&format!(
            "{HEAD}[fields]\ncommune = \"ville\"\n\
             [[split]]\ncolumn = \"adr\"\nseparator = \",\"\ninto = [\"adresse\", \"code_postal\", \"commune\", \"\"]\notherwise = \"adresse\"\n\
             [[split]]\ncolumn = \"geo\"\nregex = '^\\s*(?P<latitude>-?[0-9.]+)\\s*,\\s*(?P<longitude>-?[0-9.]+)\\s*$'\n"
        ));
        let (raw, problems) = m.apply(&row(&[
            ("adr", "1 Rue X, 51200, Épernay, Marne"),
            ("geo", "47.7698,7.32193"),
            ("ville", "EPERNAY"),
        ]));
        assert_eq!(raw.fields["adresse"], "1 Rue X");
        assert_eq!(raw.fields["code_postal"], "51200");
        // [fields] wins over a split.
        assert_eq!(raw.fields["commune"], "EPERNAY");
        assert_eq!(raw.fields["latitude"], "47.7698");
        assert_eq!(raw.fields["longitude"], "7.32193");
        assert!(problems.is_empty());

        let (raw, problems) = m.apply(&row(&[("adr", "Le bourg"), ("geo", "inconnu")]));
        assert_eq!(raw.fields["adresse"], "Le bourg");
        assert_eq!(problems.len(), 2);
        assert!(problems.iter().all(|p| p.severity == Severity::Warning));
        assert_eq!(problems[1].field, "latitude");
        assert_eq!(problems[1].value, "inconnu");
    }

    #[test]
    fn term_rules() {
        let m = mapping(&format!(
            "{HEAD}[[terms]]\ncolumn = \"formation\"\nequals = \"oui\"\nfield = \"services\"\nvalue = \"maitrise des outils numeriques du quotidien\"\n\
             [[terms]]\ncolumns = [\"etiquettes\", \"categories\"]\ncontains = [\"Promeneur du net\", \"PDN\"]\nfield = \"dispositif_programmes_nationaux\"\nvalue = \"Promeneurs du net\"\n\
             [[terms]]\ncolumn = \"pmr\"\ntruthy = true\nfield = \"prise_en_charge_specifique\"\nvalue = \"Handicaps moteurs\"\n\
             [[terms]]\ncolumn = \"detail\"\ncontains = \"gratuit\"\nunless = [\"abonnés\"]\nfield = \"frais_a_charge\"\nvalue = \"Gratuit\"\n\
             [[terms]]\ncolumn = \"etiquettes\"\nregex = '(?i)\\bepn\\b'\nfield = \"typologie\"\nvalues = [\"EPN\"]\n"
        ));
        let (raw, _) = m.apply(&row(&[
            ("formation", "OUI"),
            ("etiquettes", "EPN, Promeneur du Net"),
            ("categories", "{EPN,\"Promeneur du net\"}"),
            ("pmr", "X"),
            ("detail", "Ateliers gratuits pour les abonnés"),
        ]));
        assert_eq!(raw.fields["services"], "Maîtrise des outils numériques du quotidien");
        assert_eq!(raw.fields["dispositif_programmes_nationaux"], "Promeneurs du net");
        assert_eq!(raw.fields["prise_en_charge_specifique"], "Handicaps moteurs");
        assert_eq!(raw.fields["typologie"], "EPN");
        assert!(!raw.fields.contains_key("frais_a_charge"));
        // Whole words only: "PDN" must not fire inside another word, "non" is not truthy.
        let (raw, _) = m.apply(&row(&[("etiquettes", "SPDNX"), ("pmr", "non"), ("detail", "accès gratuit")]));
        assert!(!raw.fields.contains_key("dispositif_programmes_nationaux"));
        assert!(!raw.fields.contains_key("prise_en_charge_specifique"));
        assert_eq!(raw.fields["frais_a_charge"], "Gratuit");
    }

    #[test]
    fn derived_id_is_stable_and_reported() {
        let m = mapping(&format!("{HEAD}[fields]\nnom = \"n\"\nadresse = \"a\"\ncode_postal = \"cp\"\n[derive_id]\nfrom = [\"nom\", \"adresse\", \"code_postal\"]\nprefix = \"x-\"\n"));
        let (one, problems) = m.apply(&row(&[("n", "Médiathèque"), ("a", "1 rue X"), ("cp", "51100")]));
        let (two, _) = m.apply(&row(&[("n", "MEDIATHEQUE"), ("a", "1, rue X"), ("cp", "51100")]));
        let (three, _) = m.apply(&row(&[("n", "Médiathèque"), ("a", "2 rue X"), ("cp", "51100")]));
        assert!(one.fields["id"].starts_with("x-"));
        assert_eq!(one.fields["id"].len(), 18);
        assert_eq!(one.fields["id"], two.fields["id"]);
        assert_ne!(one.fields["id"], three.fields["id"]);
        assert_eq!(problems[0].severity, Severity::Info);
        assert_eq!(problems[0].field, "id");
    }

    #[test]
    fn per_day_ranges_build_osm() {
        let m = mapping(&format!(
            "{HEAD}[hours]\nlayout = \"per_day_ranges\"\n[hours.days]\n\
             lundi = [[\"o1 lundi\", \"f1 lundi\"], [\"o2 lundi\", \"f2 lundi\"]]\n\
             mardi = [[\"o1 mardi\", \"f1 mardi\"], [\"o2 mardi\", \"f2 mardi\"]]\n\
             samedi = [[\"o1 samedi\", \"f1 samedi\"]]\n"
        ));
        let (raw, problems) = m.apply(&row(&[
            ("o1 lundi", "09:00"),
            ("f1 lundi", "12:00"),
            ("o2 lundi", "13:00"),
            ("f2 lundi", "16:00"),
            ("o1 mardi", "9h"),
            ("f1 mardi", "12h"),
            ("o2 mardi", "13h"),
            ("f2 mardi", "16h"),
            ("o1 samedi", "08:30"),
            ("f1 samedi", "17:00"),
        ]));
        assert_eq!(raw.fields["horaires"], "Mo,Tu 09:00-12:00,13:00-16:00; Sa 08:30-17:00");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].severity, Severity::Info);

        let (raw, problems) =
            m.apply(&row(&[("o1 lundi", "09:00"), ("f1 lundi", "12:00"), ("o2 lundi", "13:00"), ("f2 lundi", ";")]));
        assert!(!raw.fields.contains_key("horaires"));
        assert_eq!(problems[0].severity, Severity::Warning);
        assert!(problems[0].value.contains("lundi 09:00-12:00 et 13:00-;"), "{}", problems[0].value);
        assert!(problems[0].reason.contains("illisibles"), "{}", problems[0].reason);
    }

    #[test]
    fn hours_column_goes_to_the_builder() {
        let m = mapping(&format!("{HEAD}[hours]\nlayout = \"column\"\ncolumns = [\"osm\", \"brut\"]\n"));
        let (raw, problems) = m.apply(&row(&[("brut", "Lundi au vendredi 9h-12h")]));
        assert_eq!(raw.fields["horaires"], "Lundi au vendredi 9h-12h");
        assert!(problems.is_empty());
    }

    #[test]
    fn day_set_without_times_is_reported() {
        let m = mapping(&format!("{HEAD}[hours]\nlayout = \"day_set\"\ndays = \"jours\"\ntext = \"heures\"\n"));
        let (raw, problems) = m.apply(&row(&[("jours", "{Lundi,Mardi,Inconnu}")]));
        assert!(!raw.fields.contains_key("horaires"));
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].severity, Severity::Info);
        assert_eq!(problems[0].value, "Inconnu");
        assert_eq!(problems[1].severity, Severity::Warning);
    }

    #[test]
    fn extras_are_kept_verbatim() {
        let m = mapping(&format!("{HEAD}[extras]\nbassin_de_vie = \"c_bassin_de_vie\"\nepci_nom = \"c_epci\"\n"));
        let (raw, _) = m.apply(&row(&[("c_bassin_de_vie", "Blois"), ("c_epci", "CA de Blois Agglopolys")]));
        assert_eq!(raw.extras["bassin_de_vie"], "Blois");
        assert_eq!(raw.extras["epci_nom"], "CA de Blois Agglopolys");
        assert!(raw.fields.is_empty());
    }

    #[test]
    fn skipped_rows_say_why() {
        let m = mapping(&format!(
            "{HEAD}[fields]\nnom = \"n\"\n[[skip]]\ncolumn = \"actif\"\nequals = [\"false\", \"non\"]\nreason = \"structure inactive\"\n"
        ));
        match m.map_row(&row(&[("n", "A"), ("actif", "False")])) {
            Mapped::Skipped(problem) => {
                assert_eq!(
                    (problem.severity, problem.field.as_str(), problem.value.as_str()),
                    (Severity::Error, "actif", "False")
                );
                assert_eq!(problem.reason, "ligne écartée par la correspondance : structure inactive");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(m.map_row(&row(&[("n", "A"), ("actif", "true")])), Mapped::Record(..)));
        assert!(matches!(m.map_row(&row(&[("n", "A")])), Mapped::Record(..)));
    }

    #[test]
    fn merged_rows_add_every_row_to_terms_and_joins() {
        let m = mapping(&format!(
            "{HEAD}[fields]\nnom = \"n\"\npresentation_detail = {{ column = \"c\", join = \" / \" }}\n\
             [group]\nby = [\"n\"]\n\
             [[terms]]\ncolumn = \"s\"\ncontains = \"internet\"\nfield = \"services\"\nvalue = \"Accès internet et matériel informatique\"\n\
             [[terms]]\ncolumn = \"s\"\ncontains = \"démarches\"\nfield = \"services\"\nvalue = \"Aide aux démarches administratives\"\n"
        ));
        let mut merged = row(&[
            ("n", "A"),
            ("s", "Accès à internet"),
            ("c", "un"),
            ("n", "A"),
            ("s", "Aide aux démarches"),
            ("c", "deux"),
            ("c", "un"),
        ]);
        merged.merged = vec![3];
        let (raw, problems) = m.apply(&merged);
        assert_eq!(raw.fields["nom"], "A");
        assert_eq!(
            raw.fields["services"],
            "Accès internet et matériel informatique|Aide aux démarches administratives"
        );
        assert_eq!(raw.fields["presentation_detail"], "un / deux");
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].field.as_str(), problems[0].value.as_str()), ("*", "2, 3"));
        assert!(problems[0].reason.contains("regroupées"), "{}", problems[0].reason);
        assert_eq!(m.group_by(), Some(&["n".to_owned()][..]));
    }

    #[test]
    fn lambert93_columns_become_wgs84() {
        let m = mapping(&format!("{HEAD}[coordinates]\nprojection = \"lambert93\"\nx = \"X\"\ny = \"Y\"\n"));
        let (raw, problems) = m.apply(&row(&[("X", "700000,0"), ("Y", "6600000")]));
        assert_eq!((raw.fields["latitude"].as_str(), raw.fields["longitude"].as_str()), ("46.500000", "3.000000"));
        assert_eq!(problems[0].severity, Severity::Info);
        let (raw, problems) = m.apply(&row(&[("X", "2.35"), ("Y", "48.85")]));
        assert!(!raw.fields.contains_key("latitude"));
        assert!(problems[0].reason.contains("hors de France métropolitaine"), "{}", problems[0].reason);
        let (_, problems) = m.apply(&row(&[("X", "700000")]));
        assert!(problems[0].reason.contains("incomplètes"), "{}", problems[0].reason);
        assert_eq!(
            m.columns(),
            vec![("X".to_owned(), "longitude".to_owned()), ("Y".to_owned(), "latitude".to_owned())]
        );
    }

    #[test]
    fn missing_columns_are_listed_once() {
        let m = mapping(&format!(
            "{HEAD}[fields]\nnom = \"n\"\ntelephone = [\"t1\", \"t2\"]\n[[terms]]\ncolumn = \"t1\"\ntruthy = true\nfield = \"typologie\"\nvalue = \"X\"\n[extras]\nepci_nom = \"epci\"\n"
        ));
        let problems = m.check_columns(&["n".to_owned(), "t2".to_owned()]);
        let named: Vec<(&str, &str)> = problems.iter().map(|p| (p.field.as_str(), p.value.as_str())).collect();
        assert_eq!(named, vec![("telephone", "t1"), ("epci_nom", "epci")]);
        assert!(problems.iter().all(|p| p.severity == Severity::Warning && p.reason.contains("absente")));
    }

    #[test]
    fn bad_mappings_say_what_and_where_in_french() {
        assert!(error("[fields]\nnom = \"n\"\n").contains("clé obligatoire manquante : `source`"));
        let message = error(&format!("{HEAD}[fields]\nnomm = \"n\"\n"));
        assert!(message.contains("« nomm » n'est pas un champ du standard"), "{message}");
        let message = error(&format!("{HEAD}[fields]\nnom = {{ colum = \"n\" }}\n"));
        assert!(message.starts_with("ligne 4 : valeur mal formée"), "{message}");
        let message = error(&format!(
            "{HEAD}[[terms]]\ncolumn = \"c\"\nequals = \"oui\"\nfield = \"services\"\nvalue = \"Cuisine\"\n"
        ));
        assert!(message.contains("« Cuisine » ne fait pas partie des valeurs de services"), "{message}");
        let message = error(&format!("{HEAD}[[terms]]\ncolumn = \"c\"\nfield = \"services\"\nvalue = \"Cuisine\"\n"));
        assert!(message.contains("exactement un critère"), "{message}");
        let message =
            error(&format!("{HEAD}[[terms]]\ncolumn = \"c\"\ntruthy = true\nfield = \"nom\"\nvalue = \"x\"\n"));
        assert!(message.contains("valeurs multiples"), "{message}");
        let message = error(&format!("{HEAD}[[split]]\ncolumn = \"c\"\nregex = '(?P<latitude>[0-9'\n"));
        assert!(message.contains("expression régulière invalide"), "{message}");
        let message = error(&format!("{HEAD}[hours]\nlayout = \"weekly\"\n"));
        assert!(message.starts_with("ligne 4 : valeur inconnue : `weekly`"), "{message}");
        let message = error(&format!("{HEAD}[hours]\nlayout = \"per_day\"\ndays = {{ lunedi = \"L\" }}\n"));
        assert!(message.contains("« lunedi » n'est pas un jour"), "{message}");
        let message = error(&format!(
            "{HEAD}[fields]\nservices = {{ value = \"Aide aux démarches administratives|Cuisine\" }}\n"
        ));
        assert!(
            message.contains("[fields] services : « Cuisine » ne fait pas partie des valeurs de services"),
            "{message}"
        );
        let message = error(&format!("{HEAD}[[skip]]\ncolumn = \"c\"\nequals = \"x\"\nreason = \" \"\n"));
        assert!(message.contains("« reason » est vide"), "{message}");
        let message = error(&format!("{HEAD}[coordinates]\nprojection = \"lambert2\"\nx = \"x\"\ny = \"y\"\n"));
        assert!(message.contains("valeur inconnue : `lambert2`"), "{message}");
        let message = error(&format!("{HEAD}[source2]\n"));
        assert!(message.contains("clé inconnue"), "{message}");
        // No English from the parser: the keys it expected are listed in French.
        assert!(!message.contains("expected") && message.contains("(clés possibles : `source`, `fields`"), "{message}");
        let message = error(&format!("{HEAD}[fields]\nnom = 3\n"));
        assert!(!message.contains("expected") && !message.contains("integer"), "{message}");
        let message = error("[source\nname = 1");
        assert!(message.starts_with("ligne 1 :"), "{message}");
    }
}
