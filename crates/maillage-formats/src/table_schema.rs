//! Validation of a file against a Frictionless Table Schema read at run time, the way the
//! national validator (validata.fr, built on frictionless-py) checks a file of the standard.
//!
//! Nothing of the standard is written here: fields, types, constraints, the primary key and
//! the missing values all come from the schema's JSON, so a new version of the standard only
//! needs a new schema file. The one exception is [`ERRATA`], a short, documented table of
//! known defects of published schemas.
//!
//! Where this deliberately differs from a plain frictionless run:
//! - CSV columns are matched by name, not by position, so that one misplaced column yields
//!   one "column order" error instead of a type error in every cell; the order itself is
//!   still an error because the standard asks for its column order.
//! - a `date` with the default format must be written exactly `YYYY-MM-DD` (frictionless'
//!   `strptime` would also take `2024-4-2`).
//! - rows of a CSV are numbered by the physical line their record starts on (header = 1),
//!   which is what an editor shows; the two only differ for quoted multi-line cells.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;
use serde_json::{Map, Value};

use crate::FormatError;

/// A known defect of a published schema: a spelling that producers (and the schema's own
/// documentation) use but that the schema's `pattern` wrongly rejects.
///
/// An erratum only relaxes the field's `pattern`: when a value fails it, each `accepted`
/// spelling in the value is replaced by `schema_spelling` and the pattern is tried again; if
/// it then matches, the value is accepted and a note (not an error) says why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Erratum {
    /// The schema's `name` property.
    pub schema_name: &'static str,
    /// The schema's `version` property, without a leading `v`.
    pub schema_version: &'static str,
    pub field: &'static str,
    /// The spelling accepted although the pattern rejects it.
    pub accepted: &'static str,
    /// The spelling the pattern expects.
    pub schema_spelling: &'static str,
    /// Why the spelling is accepted, in French: shown to the producer.
    pub reason: &'static str,
}

/// Known errata of published schemas. Keep each entry justified: an erratum makes this
/// validator more lenient than the national one.
pub const ERRATA: &[Erratum] = &[Erratum {
    schema_name: "standard-mediation-num",
    schema_version: "1.0.2",
    field: "formations_labels",
    accepted: "Étapes numériques (La Poste)",
    schema_spelling: "Étapes numériques(La Poste)",
    reason: "le motif du schéma v1.0.2 omet l'espace avant « (La Poste) », alors que la \
             description du même champ et les producteurs écrivent « Étapes numériques (La Poste) »",
}];

/// A Table Schema, parsed and compiled once (patterns included) so that validating a large
/// file only matches precompiled regexes.
#[derive(Clone, Debug)]
pub struct TableSchema {
    name: Option<String>,
    version: Option<String>,
    fields: Vec<Field>,
    by_name: HashMap<String, usize>,
    /// Indices into `fields`, in the key's order.
    primary_key: Vec<usize>,
    /// False when the key is a single field already declared `unique`: the duplicate is then
    /// reported once, by the `unique` check.
    check_primary_key: bool,
    missing_values: Vec<String>,
    /// Parts of the schema this validator does not check, reported with every validation
    /// so that a "valid" verdict is never silently broader than the schema.
    unchecked: Vec<ValidationIssue>,
}

/// The outcome of a validation. The file is valid when there is no error; notes never make
/// it invalid (accepted errata, parts of the schema that are not checked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationReport {
    /// Data rows read (the header excluded), blank and malformed ones included.
    pub rows_checked: usize,
    pub errors: Vec<ValidationIssue>,
    pub notes: Vec<ValidationIssue>,
}

impl ValidationReport {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// One problem (or remark) found in a file. `Display` gives the full French sentence, e.g.
/// `ligne 12, champ telephone : « 02 78 34 11 39 » ne respecte pas le motif …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationIssue {
    /// CSV: the line the record starts on, header = 1. JSON: as frictionless numbers it,
    /// the keys count as row 1, so the first object is row 2. `None` for the whole file.
    pub row: Option<usize>,
    /// The schema field concerned; `None` for a whole row or an unknown column (whose label
    /// is then the `value`).
    pub field: Option<String>,
    /// The offending value, in full (the message may shorten it).
    pub value: Option<String>,
    /// A French sentence that stands on its own, value included.
    pub message: String,
}

impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.row, &self.field) {
            (Some(row), Some(field)) => write!(f, "ligne {row}, champ {field} : {}", self.message),
            (Some(row), None) => write!(f, "ligne {row} : {}", self.message),
            (None, Some(field)) => write!(f, "champ {field} : {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FieldType {
    String,
    Number,
    Integer,
    Boolean,
    Date,
    DateTime,
    Time,
    Year,
    YearMonth,
    Duration,
    GeoPoint,
    GeoJson,
    Object,
    Array,
    Any,
}

impl FieldType {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "string" => Self::String,
            "number" => Self::Number,
            "integer" => Self::Integer,
            "boolean" => Self::Boolean,
            "date" => Self::Date,
            "datetime" => Self::DateTime,
            "time" => Self::Time,
            "year" => Self::Year,
            "yearmonth" => Self::YearMonth,
            "duration" => Self::Duration,
            "geopoint" => Self::GeoPoint,
            "geojson" => Self::GeoJson,
            "object" => Self::Object,
            "array" => Self::Array,
            "any" => Self::Any,
            _ => return None,
        })
    }
}

/// How the text of a cell is read, from the field's `format` and type options.
#[derive(Clone, Debug)]
enum Format {
    Default,
    /// `format: any` for dates and times: a few common spellings.
    Any,
    /// A `strptime`-like pattern (chrono's syntax is compatible for the usual directives).
    Custom(String),
    Email,
    Uri,
    Uuid,
    Binary,
    /// Geopoint as a JSON array `[lon, lat]`.
    GeoArray,
    /// Geopoint as a JSON object `{"lon": …, "lat": …}`.
    GeoObject,
}

#[derive(Clone, Debug)]
struct Pattern {
    source: String,
    regex: Regex,
}

#[derive(Clone, Debug)]
struct Enumeration {
    keys: HashSet<String>,
    shown: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BoundKind {
    Minimum,
    ExclusiveMinimum,
    Maximum,
    ExclusiveMaximum,
}

#[derive(Clone, Debug)]
struct Bound {
    kind: BoundKind,
    value: Ordered,
    shown: String,
}

/// Values that bounds apply to. Only values of the same variant are ever compared, since
/// bounds are read with the field's own type.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
enum Ordered {
    Number(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Time(NaiveTime),
    YearMonth(i32, u32),
}

#[derive(Clone, Debug)]
struct Field {
    name: String,
    kind: FieldType,
    format: Format,
    true_values: Vec<String>,
    false_values: Vec<String>,
    decimal_char: String,
    group_char: Option<String>,
    bare_number: bool,
    required: bool,
    unique: bool,
    pattern: Option<Pattern>,
    enumeration: Option<Enumeration>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    bounds: Vec<Bound>,
    errata: Vec<&'static Erratum>,
    /// Position in the primary key, if the field is part of it.
    key_position: Option<usize>,
}

/// A cell read with its field's type: what uniqueness, `enum` and bounds compare.
struct Logical<'a> {
    /// Canonical text, so that `1.0` and `1` are the same number for `unique` and `enum`.
    key: Cow<'a, str>,
    ordered: Option<Ordered>,
    /// Item count of an array or object, for `minLength`/`maxLength`.
    items: Option<usize>,
}

/// A cell as handed to the row checks, whatever the file format.
enum Cell<'a> {
    /// No such column (already reported for the header) or a row too short (reported for
    /// the row): nothing more to say about the cell.
    Absent,
    Null,
    Text(Cow<'a, str>),
    /// A JSON value of the wrong kind (a number where a string is expected…): the message.
    WrongJsonKind(String, String),
}

impl TableSchema {
    /// Parses and compiles a Table Schema. Fails on what cannot be honoured: an unknown
    /// type, a pattern the `regex` crate cannot compile (look-arounds, back-references), a
    /// bound or `enum` value that does not fit its field's type, a primary key naming an
    /// unknown field.
    pub fn from_json(text: &str) -> Result<Self, FormatError> {
        let root: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| schema_error(format!("JSON illisible : {}", crate::error::json_reason(&e))))?;
        let root = root.as_object().ok_or_else(|| schema_error("le schéma doit être un objet JSON".into()))?;
        let name = root.get("name").and_then(Value::as_str).map(String::from);
        let version = root.get("version").and_then(Value::as_str).map(String::from);

        let missing_values = match root.get("missingValues") {
            None => vec![String::new()],
            Some(Value::Array(values)) => values
                .iter()
                .map(|v| v.as_str().map(String::from))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| schema_error("missingValues doit être une liste de textes".into()))?,
            Some(_) => return Err(schema_error("missingValues doit être une liste de textes".into())),
        };

        let raw_fields = root
            .get("fields")
            .and_then(Value::as_array)
            .ok_or_else(|| schema_error("la liste « fields » est absente".into()))?;
        if raw_fields.is_empty() {
            return Err(schema_error("la liste « fields » est vide".into()));
        }
        let errata: Vec<&'static Erratum> = ERRATA
            .iter()
            .filter(|e| {
                name.as_deref() == Some(e.schema_name)
                    && version.as_deref().map(|v| v.trim_start_matches(['v', 'V'])) == Some(e.schema_version)
            })
            .collect();
        let mut unchecked = Vec::new();
        let mut fields = Vec::with_capacity(raw_fields.len());
        let mut by_name = HashMap::new();
        for (index, raw) in raw_fields.iter().enumerate() {
            let field = Field::from_json(raw, index, &errata, &mut unchecked)?;
            if by_name.insert(field.name.clone(), index).is_some() {
                return Err(schema_error(format!("le champ « {} » est déclaré deux fois", field.name)));
            }
            fields.push(field);
        }

        let key_names: Vec<&str> = match root.get("primaryKey") {
            None => Vec::new(),
            Some(Value::String(key)) => vec![key.as_str()],
            Some(Value::Array(keys)) => keys
                .iter()
                .map(Value::as_str)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| schema_error("primaryKey doit être un nom ou une liste de noms".into()))?,
            Some(_) => return Err(schema_error("primaryKey doit être un nom ou une liste de noms".into())),
        };
        let mut primary_key = Vec::with_capacity(key_names.len());
        for (position, key) in key_names.iter().enumerate() {
            let index = *by_name
                .get(*key)
                .ok_or_else(|| schema_error(format!("la clé primaire désigne un champ inconnu « {key} »")))?;
            // A key identifies a row only if it is always there.
            fields[index].required = true;
            fields[index].key_position = Some(position);
            primary_key.push(index);
        }
        let check_primary_key = match primary_key.as_slice() {
            [] => false,
            [single] => !fields[*single].unique,
            _ => true,
        };
        if root.contains_key("foreignKeys") {
            unchecked.push(note(None, "les clés étrangères (foreignKeys) ne sont pas vérifiées".into()));
        }

        Ok(Self { name, version, fields, by_name, primary_key, check_primary_key, missing_values, unchecked })
    }

    /// The schema's `name` property, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The schema's `version` property, if any, as written (`v1.0.2`).
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Field names in the schema's order, which is the column order the standard asks for.
    pub fn field_names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }

    /// Validates a CSV file: UTF-8 (a BOM is tolerated), `,` delimiter, `"` quotes, a header
    /// row. Never fails: an unreadable file is itself reported as an error.
    pub fn validate_csv(&self, bytes: &[u8]) -> ValidationReport {
        let mut checker = Checker::new(self);
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(e) => {
                let line = 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count();
                checker.file_error(
                    Some(line),
                    format!(
                        "le fichier n'est pas encodé en UTF-8 (premier octet invalide ligne {line}) ; \
                         les caractères illisibles sont remplacés par « \u{fffd} »"
                    ),
                );
                String::from_utf8_lossy(bytes)
            }
        };
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => {
                checker.file_error(None, "le fichier est vide : aucune ligne d'en-tête".into());
                return checker.finish();
            }
            Err(e) => {
                checker.file_error(None, format!("CSV illisible : {e}"));
                return checker.finish();
            }
        }
        let header_line = record_line(&record, 1);
        let labels: Vec<String> = record.iter().map(String::from).collect();
        let Some(columns) = self.map_header(&labels, header_line, &mut checker) else {
            return checker.finish();
        };

        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    checker.file_error(None, format!("CSV illisible : {e}"));
                    break;
                }
            }
            checker.report.rows_checked += 1;
            let row = record_line(&record, header_line + checker.report.rows_checked);
            if record.len() != labels.len() {
                let message = format!(
                    "la ligne compte {} cellule(s) alors que l'en-tête compte {} colonne(s)",
                    record.len(),
                    labels.len()
                );
                checker.file_error(Some(row), message);
            }
            if record.iter().all(|cell| self.is_missing(cell)) {
                checker.file_error(Some(row), "ligne vide".into());
                continue;
            }
            let cells = columns
                .iter()
                .map(|column| match column.and_then(|c| record.get(c)) {
                    None => Cell::Absent,
                    Some(cell) if self.is_missing(cell) => Cell::Null,
                    Some(cell) => Cell::Text(Cow::Borrowed(cell)),
                })
                .collect();
            checker.check_row(row, cells);
        }
        checker.finish()
    }

    /// Validates the standard's JSON form: an array of flat objects keyed by field name. A
    /// missing key is a missing value; a JSON number or boolean where the schema expects a
    /// string is a type error, as in frictionless.
    pub fn validate_json(&self, bytes: &[u8]) -> ValidationReport {
        let mut checker = Checker::new(self);
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let root: Value = match serde_json::from_slice(bytes) {
            Ok(root) => root,
            Err(e) => {
                // The error names a line of the JSON text; rows here count objects.
                checker.file_error(None, format!("JSON illisible : {}", crate::error::json_reason(&e)));
                return checker.finish();
            }
        };
        let Value::Array(items) = root else {
            checker.file_error(None, "le fichier JSON doit être un tableau d'objets".into());
            return checker.finish();
        };
        // Unknown keys are reported once per key, not once per object.
        let mut unknown_keys: Vec<(String, usize, usize)> = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let row = index + 2;
            checker.report.rows_checked += 1;
            let Value::Object(object) = item else {
                checker.file_error(Some(row), "l'élément n'est pas un objet JSON".into());
                continue;
            };
            for key in object.keys().filter(|key| !self.by_name.contains_key(key.as_str())) {
                match unknown_keys.iter_mut().find(|(known, _, _)| known == key) {
                    Some((_, _, count)) => *count += 1,
                    None => unknown_keys.push((key.clone(), row, 1)),
                }
            }
            let cells: Vec<Cell> = self.fields.iter().map(|field| self.json_cell(field, object)).collect();
            if cells.iter().all(|cell| matches!(cell, Cell::Null)) {
                checker.file_error(Some(row), "objet vide : aucune valeur renseignée".into());
                continue;
            }
            checker.check_row(row, cells);
        }
        for (key, row, count) in unknown_keys {
            let message = format!("clé « {key} » inconnue du schéma (présente dans {count} objet(s))");
            checker.report.errors.push(ValidationIssue { row: Some(row), field: None, value: Some(key), message });
        }
        checker.report.errors.sort_by_key(|issue| issue.row);
        checker.finish()
    }

    fn is_missing(&self, text: &str) -> bool {
        self.missing_values.iter().any(|missing| missing == text)
    }

    fn json_cell<'a>(&self, field: &Field, object: &'a Map<String, Value>) -> Cell<'a> {
        use FieldType as T;
        let wrong = |what: &str, value: &Value| {
            let shown = value.to_string();
            let message = format!(
                "{} est {what} JSON alors que le champ, de type {}, attend une chaîne de caractères",
                quoted(&shown),
                type_name(field.kind)
            );
            Cell::WrongJsonKind(message, shown)
        };
        match object.get(&field.name) {
            None | Some(Value::Null) => Cell::Null,
            Some(Value::String(text)) if self.is_missing(text) => Cell::Null,
            Some(Value::String(text)) => Cell::Text(Cow::Borrowed(text)),
            Some(value @ Value::Number(number)) => match field.kind {
                T::Number | T::Integer | T::Year | T::Any => Cell::Text(Cow::Owned(number.to_string())),
                _ => wrong("un nombre", value),
            },
            Some(value @ Value::Bool(flag)) => match field.kind {
                T::Boolean => {
                    let spelled = if *flag { field.true_values.first() } else { field.false_values.first() };
                    Cell::Text(Cow::Owned(spelled.cloned().unwrap_or_else(|| flag.to_string())))
                }
                T::Any => Cell::Text(Cow::Owned(flag.to_string())),
                _ => wrong("un booléen", value),
            },
            Some(value) => match field.kind {
                T::Object | T::Array | T::GeoJson | T::GeoPoint | T::Any => Cell::Text(Cow::Owned(value.to_string())),
                _ if value.is_array() => wrong("un tableau", value),
                _ => wrong("un objet", value),
            },
        }
    }

    /// Matches the header's labels to the schema's fields by name and reports what differs.
    /// Returns, for each field, the index of its column; `None` when the header is so far off
    /// that reading the rows would only repeat the same error.
    fn map_header(&self, labels: &[String], line: usize, checker: &mut Checker) -> Option<Vec<Option<usize>>> {
        let header_error = |checker: &mut Checker, field: Option<&str>, value: Option<&str>, message: String| {
            checker.report.errors.push(ValidationIssue {
                row: Some(line),
                field: field.map(String::from),
                value: value.map(String::from),
                message,
            });
        };
        if let [only] = labels {
            let delimiter = [';', '\t'].into_iter().find(|d| only.contains(*d));
            if let (Some(delimiter), true) = (delimiter, self.fields.len() > 1) {
                let shown = if delimiter == '\t' { "tabulation".to_string() } else { format!("« {delimiter} »") };
                let message =
                    format!("le séparateur de colonnes doit être la virgule « , » (séparateur trouvé : {shown})");
                header_error(checker, None, Some(only), message);
                return None;
            }
        }

        let mut columns: Vec<Option<usize>> = vec![None; self.fields.len()];
        let mut unknown = Vec::new();
        for (index, label) in labels.iter().enumerate() {
            if label.is_empty() {
                header_error(checker, None, None, format!("en-tête vide (colonne {})", index + 1));
                continue;
            }
            match self.by_name.get(label.as_str()) {
                Some(&field) => match columns[field] {
                    Some(first) => {
                        let message = format!(
                            "colonne « {label} » en double (colonnes {} et {}) : seule la première est lue",
                            first + 1,
                            index + 1
                        );
                        header_error(checker, Some(label), Some(label), message);
                    }
                    None => columns[field] = Some(index),
                },
                None => unknown.push((index, label)),
            }
        }
        for (index, label) in unknown {
            // A near miss (case, spaces) is far more likely than a genuinely extra column.
            let near = self
                .fields
                .iter()
                .enumerate()
                .find(|(f, field)| columns[*f].is_none() && loose_name(&field.name) == loose_name(label));
            let hint = near.map(|(_, field)| format!(" ; vouliez-vous dire « {} » ?", field.name)).unwrap_or_default();
            let message = format!("colonne « {label} » (colonne {}) inconnue du schéma{hint}", index + 1);
            header_error(checker, None, Some(label), message);
        }
        for (field, column) in self.fields.iter().zip(&columns) {
            if column.is_none() {
                let message = if field.required {
                    format!("colonne obligatoire « {} » absente de l'en-tête", field.name)
                } else {
                    format!(
                        "colonne « {} » absente de l'en-tête (le champ est facultatif, mais sa colonne doit figurer dans le fichier)",
                        field.name
                    )
                };
                header_error(checker, Some(&field.name), None, message);
            }
        }

        let mut present: Vec<(usize, usize)> =
            columns.iter().enumerate().filter_map(|(field, column)| column.map(|c| (c, field))).collect();
        present.sort_unstable();
        if let Some(pair) = present.windows(2).find(|pair| pair[1].1 < pair[0].1) {
            let (before, after) = (pair[0], pair[1]);
            let message = format!(
                "l'ordre des colonnes diffère de celui du schéma : « {} » (colonne {}) devrait précéder « {} » (colonne {})",
                self.fields[after.1].name,
                after.0 + 1,
                self.fields[before.1].name,
                before.0 + 1
            );
            header_error(checker, Some(&self.fields[after.1].name), None, message);
        }
        Some(columns)
    }
}

impl Field {
    fn from_json(
        raw: &Value,
        index: usize,
        errata: &[&'static Erratum],
        unchecked: &mut Vec<ValidationIssue>,
    ) -> Result<Self, FormatError> {
        let raw =
            raw.as_object().ok_or_else(|| schema_error(format!("le champ n° {} n'est pas un objet", index + 1)))?;
        let name = raw
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| schema_error(format!("le champ n° {} n'a pas de nom", index + 1)))?
            .to_string();
        let bad = |what: &str| schema_error(format!("champ « {name} » : {what}"));
        let type_text = match raw.get("type") {
            None => "string",
            Some(Value::String(text)) => text.as_str(),
            Some(_) => return Err(bad("le type doit être un texte")),
        };
        let kind = FieldType::parse(type_text).ok_or_else(|| bad(&format!("type « {type_text} » inconnu")))?;
        let format_text = match raw.get("format") {
            None => "default",
            Some(Value::String(text)) => text.as_str(),
            Some(_) => return Err(bad("le format doit être un texte")),
        };
        let format = match (kind, format_text) {
            (_, "default") => Format::Default,
            (FieldType::String, "email") => Format::Email,
            (FieldType::String, "uri") => Format::Uri,
            (FieldType::String, "uuid") => Format::Uuid,
            (FieldType::String, "binary") => Format::Binary,
            (FieldType::GeoPoint, "array") => Format::GeoArray,
            (FieldType::GeoPoint, "object") => Format::GeoObject,
            (FieldType::Date | FieldType::DateTime | FieldType::Time, "any") => Format::Any,
            (FieldType::Date | FieldType::DateTime | FieldType::Time, custom) => {
                Format::Custom(custom.strip_prefix("fmt:").unwrap_or(custom).to_string())
            }
            (_, other) => {
                unchecked.push(note(Some(&name), format!("format « {other} » non pris en charge : non vérifié")));
                Format::Default
            }
        };
        let strings = |key: &str, default: &[&str]| -> Result<Vec<String>, FormatError> {
            match raw.get(key) {
                None => Ok(default.iter().map(|s| s.to_string()).collect()),
                Some(Value::Array(values)) => values
                    .iter()
                    .map(|v| v.as_str().map(String::from))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| bad(&format!("{key} doit être une liste de textes"))),
                Some(_) => Err(bad(&format!("{key} doit être une liste de textes"))),
            }
        };
        let true_values = strings("trueValues", &["true", "True", "TRUE", "1"])?;
        let false_values = strings("falseValues", &["false", "False", "FALSE", "0"])?;
        let decimal_char = raw.get("decimalChar").and_then(Value::as_str).unwrap_or(".").to_string();
        let group_char = raw.get("groupChar").and_then(Value::as_str).filter(|g| !g.is_empty()).map(String::from);
        let bare_number = raw.get("bareNumber").and_then(Value::as_bool).unwrap_or(true);

        let mut field = Field {
            name: name.clone(),
            kind,
            format,
            true_values,
            false_values,
            decimal_char,
            group_char,
            bare_number,
            required: false,
            unique: false,
            pattern: None,
            enumeration: None,
            min_length: None,
            max_length: None,
            bounds: Vec::new(),
            errata: errata.iter().copied().filter(|e| e.field == name).collect(),
            key_position: None,
        };

        let constraints = match raw.get("constraints") {
            None => return Ok(field),
            Some(Value::Object(constraints)) => constraints,
            Some(_) => return Err(bad("« constraints » doit être un objet")),
        };
        let flag =
            |value: &Value, key: &str| value.as_bool().ok_or_else(|| bad(&format!("{key} doit valoir true ou false")));
        let length = |value: &Value, key: &str| {
            value.as_u64().map(|n| n as usize).ok_or_else(|| bad(&format!("{key} doit être un entier positif")))
        };
        for (key, value) in constraints {
            match key.as_str() {
                "required" => field.required = flag(value, key)?,
                "unique" => field.unique = flag(value, key)?,
                "minLength" => field.min_length = Some(length(value, key)?),
                "maxLength" => field.max_length = Some(length(value, key)?),
                "pattern" => {
                    let source = value.as_str().ok_or_else(|| bad("pattern doit être un texte"))?;
                    // Frictionless matches the whole value.
                    let regex = Regex::new(&format!("^(?:{source})$"))
                        .map_err(|e| bad(&format!("motif « {source} » non compilable : {e}")))?;
                    field.pattern = Some(Pattern { source: source.to_string(), regex });
                }
                "enum" => {
                    let values = value.as_array().ok_or_else(|| bad("enum doit être une liste"))?;
                    let mut keys = HashSet::new();
                    let mut shown = Vec::new();
                    for value in values {
                        let text = field.schema_value_text(value).ok_or_else(|| bad("valeur d'enum invalide"))?;
                        let key = field
                            .read(&text)
                            .map_err(|e| bad(&format!("valeur d'enum invalide : {e}")))?
                            .key
                            .into_owned();
                        keys.insert(key);
                        shown.push(text);
                    }
                    field.enumeration = Some(Enumeration { keys, shown });
                }
                "minimum" | "exclusiveMinimum" | "maximum" | "exclusiveMaximum" => {
                    let kind = match key.as_str() {
                        "minimum" => BoundKind::Minimum,
                        "exclusiveMinimum" => BoundKind::ExclusiveMinimum,
                        "maximum" => BoundKind::Maximum,
                        _ => BoundKind::ExclusiveMaximum,
                    };
                    let shown = field.schema_value_text(value).ok_or_else(|| bad(&format!("{key} invalide")))?;
                    let value =
                        field.read(&shown).map_err(|e| bad(&format!("{key} invalide : {e}")))?.ordered.ok_or_else(
                            || bad(&format!("{key} ne s'applique pas au type {}", type_name(field.kind))),
                        )?;
                    field.bounds.push(Bound { kind, value, shown });
                }
                other => unchecked.push(note(Some(&name), format!("contrainte « {other} » non vérifiée"))),
            }
        }
        Ok(field)
    }

    /// The text of a value written in the schema itself (`enum`, bounds), to be read like a
    /// cell of the field.
    fn schema_value_text(&self, value: &Value) -> Option<String> {
        match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            Value::Bool(flag) if self.kind == FieldType::Boolean => {
                if *flag { self.true_values.first() } else { self.false_values.first() }.cloned()
            }
            Value::Array(_) | Value::Object(_) => Some(value.to_string()),
            _ => None,
        }
    }

    /// Reads a non-missing cell with the field's type; the error completes a sentence that
    /// starts with the quoted value.
    fn read<'a>(&self, text: &'a str) -> Result<Logical<'a>, String> {
        let plain = |key: Cow<'a, str>| Logical { key, ordered: None, items: None };
        let ordered = |key: String, value: Ordered| Logical { key: Cow::Owned(key), ordered: Some(value), items: None };
        match self.kind {
            FieldType::String => {
                let ok = match self.format {
                    Format::Email => static_regex(&EMAIL, r"^[^@\s]+@[^@\s]+\.[^@\s]+$").is_match(text),
                    Format::Uri => static_regex(&URI, r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$").is_match(text),
                    Format::Uuid => static_regex(
                        &UUID,
                        r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                    )
                    .is_match(text),
                    Format::Binary => static_regex(&BASE64, r"^[A-Za-z0-9+/\s]*={0,2}\s*$").is_match(text),
                    _ => true,
                };
                if !ok {
                    let expected = match self.format {
                        Format::Email => "une adresse électronique",
                        Format::Uri => "une URI (avec son schéma, par exemple https:)",
                        Format::Uuid => "un UUID",
                        _ => "du base64",
                    };
                    return Err(format!("n'est pas {expected}"));
                }
                Ok(plain(Cow::Borrowed(text)))
            }
            FieldType::Number => {
                let number = self.parse_number(text).ok_or_else(|| {
                    format!("n'est pas un nombre (séparateur décimal attendu : « {} »)", self.decimal_char)
                })?;
                Ok(ordered(canonical_number(number), Ordered::Number(number)))
            }
            FieldType::Integer => {
                let number = self.parse_integer(text).ok_or_else(|| "n'est pas un nombre entier".to_string())?;
                Ok(ordered(number.to_string(), Ordered::Number(number as f64)))
            }
            FieldType::Year => {
                let year: i64 = text.trim().parse().map_err(|_| "n'est pas une année".to_string())?;
                Ok(ordered(year.to_string(), Ordered::Number(year as f64)))
            }
            FieldType::Boolean => {
                let key = if self.true_values.iter().any(|t| t == text) {
                    "true"
                } else if self.false_values.iter().any(|f| f == text) {
                    "false"
                } else {
                    let accepted = self.true_values.iter().chain(&self.false_values).cloned().collect::<Vec<_>>();
                    return Err(format!("n'est pas un booléen (valeurs admises : {})", accepted.join(", ")));
                };
                Ok(plain(Cow::Borrowed(key)))
            }
            FieldType::Date => {
                let date = self.parse_date(text)?;
                Ok(ordered(date.to_string(), Ordered::Date(date)))
            }
            FieldType::DateTime => {
                let moment = self.parse_datetime(text)?;
                Ok(ordered(moment.to_string(), Ordered::DateTime(moment)))
            }
            FieldType::Time => {
                let time = self.parse_time(text)?;
                Ok(ordered(time.to_string(), Ordered::Time(time)))
            }
            FieldType::YearMonth => {
                let parsed = text
                    .split_once('-')
                    .filter(|(_, m)| m.len() == 2)
                    .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
                    .filter(|(_, m)| (1..=12).contains(m));
                let (year, month) = parsed.ok_or_else(|| "n'est pas une année-mois au format AAAA-MM".to_string())?;
                Ok(ordered(format!("{year:04}-{month:02}"), Ordered::YearMonth(year, month)))
            }
            FieldType::Duration => {
                let ok = static_regex(&DURATION, r"^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
                    .is_match(text)
                    && text != "P"
                    && !text.ends_with('T');
                if !ok {
                    return Err("n'est pas une durée ISO 8601 (par exemple P1DT2H)".into());
                }
                Ok(plain(Cow::Borrowed(text)))
            }
            FieldType::GeoPoint => {
                let (lon, lat) = self.parse_geopoint(text).ok_or_else(|| {
                    let expected = match self.format {
                        Format::GeoArray => "[lon, lat]",
                        Format::GeoObject => "{\"lon\": …, \"lat\": …}",
                        _ => "« lon, lat »",
                    };
                    format!("n'est pas un point géographique au format {expected}")
                })?;
                Ok(plain(Cow::Owned(format!("{},{}", canonical_number(lon), canonical_number(lat)))))
            }
            FieldType::Object | FieldType::GeoJson => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) if self.kind == FieldType::Object || map.contains_key("type") => {
                    Ok(Logical { key: Cow::Borrowed(text), ordered: None, items: Some(map.len()) })
                }
                _ if self.kind == FieldType::GeoJson => Err("n'est pas un objet GeoJSON".into()),
                _ => Err("n'est pas un objet JSON".into()),
            },
            FieldType::Array => match serde_json::from_str::<Value>(text) {
                Ok(Value::Array(items)) => {
                    Ok(Logical { key: Cow::Borrowed(text), ordered: None, items: Some(items.len()) })
                }
                _ => Err("n'est pas un tableau JSON".into()),
            },
            FieldType::Any => Ok(plain(Cow::Borrowed(text))),
        }
    }

    fn parse_number(&self, text: &str) -> Option<f64> {
        let mut text = Cow::Borrowed(text.trim());
        if let Some(group) = &self.group_char {
            text = Cow::Owned(text.replace(group.as_str(), ""));
        }
        if self.decimal_char != "." {
            text = Cow::Owned(text.replace(self.decimal_char.as_str(), "."));
        }
        let text = if self.bare_number { &text[..] } else { strip_non_numeric(&text) };
        let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
        if ["nan", "inf", "infinity"].iter().any(|special| unsigned.eq_ignore_ascii_case(special)) {
            return text.to_ascii_lowercase().parse().ok();
        }
        // `f64::from_str` alone would also take "inf" spelled in ways Table Schema does not,
        // and `str::parse` has no notion of the digits-required rule below.
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
            None => (unsigned, None),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let mantissa_ok = digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
        let exponent_ok = exponent.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits(e)
        });
        if mantissa_ok && exponent_ok {
            text.parse().ok()
        } else {
            None
        }
    }

    fn parse_integer(&self, text: &str) -> Option<i128> {
        let text = text.trim();
        let text = if self.bare_number { text } else { strip_non_numeric(text) };
        let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
        if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    }

    fn parse_date(&self, text: &str) -> Result<NaiveDate, String> {
        match &self.format {
            Format::Custom(format) => NaiveDate::parse_from_str(text, format)
                .map_err(|_| format!("n'est pas une date au format « {format} »")),
            Format::Any => ["%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y", "%d.%m.%Y"]
                .iter()
                .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
                .ok_or_else(|| "n'est pas une date reconnue".to_string()),
            _ => {
                let bytes = text.as_bytes();
                let shape_ok = bytes.len() == 10
                    && bytes.iter().enumerate().all(
                        |(i, b)| {
                            if i == 4 || i == 7 {
                                *b == b'-'
                            } else {
                                b.is_ascii_digit()
                            }
                        },
                    );
                if !shape_ok {
                    return Err("n'est pas une date au format AAAA-MM-JJ".into());
                }
                NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| "n'est pas une date qui existe".to_string())
            }
        }
    }

    fn parse_datetime(&self, text: &str) -> Result<NaiveDateTime, String> {
        let with_zone = |format: &str| DateTime::parse_from_str(text, format).ok().map(|d| d.naive_utc());
        let naive = |format: &str| NaiveDateTime::parse_from_str(text, format).ok();
        let parsed = match &self.format {
            Format::Custom(format) => with_zone(format).or_else(|| naive(format)),
            Format::Any => DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|d| d.naive_utc())
                .or_else(|| naive("%Y-%m-%dT%H:%M:%S%.f"))
                .or_else(|| naive("%Y-%m-%d %H:%M:%S%.f"))
                .or_else(|| naive("%d/%m/%Y %H:%M:%S"))
                .or_else(|| naive("%d/%m/%Y %H:%M")),
            _ => {
                DateTime::parse_from_rfc3339(text).ok().map(|d| d.naive_utc()).or_else(|| naive("%Y-%m-%dT%H:%M:%S%.f"))
            }
        };
        parsed.ok_or_else(|| match &self.format {
            Format::Custom(format) => format!("n'est pas une date et heure au format « {format} »"),
            _ => "n'est pas une date et heure au format AAAA-MM-JJThh:mm:ss".to_string(),
        })
    }

    fn parse_time(&self, text: &str) -> Result<NaiveTime, String> {
        let parsed = match &self.format {
            Format::Custom(format) => NaiveTime::parse_from_str(text, format).ok(),
            Format::Any => {
                ["%H:%M:%S%.f", "%H:%M", "%Hh%M"].iter().find_map(|format| NaiveTime::parse_from_str(text, format).ok())
            }
            _ => NaiveTime::parse_from_str(text, "%H:%M:%S%.f").ok(),
        };
        parsed.ok_or_else(|| match &self.format {
            Format::Custom(format) => format!("n'est pas une heure au format « {format} »"),
            _ => "n'est pas une heure au format hh:mm:ss".to_string(),
        })
    }

    fn parse_geopoint(&self, text: &str) -> Option<(f64, f64)> {
        let (lon, lat) = match self.format {
            Format::GeoArray => match serde_json::from_str::<Value>(text).ok()? {
                Value::Array(pair) if pair.len() == 2 => (pair[0].as_f64()?, pair[1].as_f64()?),
                _ => return None,
            },
            Format::GeoObject => {
                let value: Value = serde_json::from_str(text).ok()?;
                (value.get("lon")?.as_f64()?, value.get("lat")?.as_f64()?)
            }
            _ => {
                let (lon, lat) = text.split_once(',')?;
                (lon.trim().parse().ok()?, lat.trim().parse().ok()?)
            }
        };
        ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some((lon, lat))
    }

    /// The errata that make a value that fails the pattern match it, if any.
    fn errata_accepting(&self, pattern: &Regex, text: &str) -> Vec<&'static Erratum> {
        let mut fixed = Cow::Borrowed(text);
        let mut applied = Vec::new();
        for erratum in &self.errata {
            if fixed.contains(erratum.accepted) {
                fixed = Cow::Owned(fixed.replace(erratum.accepted, erratum.schema_spelling));
                applied.push(*erratum);
            }
        }
        if !applied.is_empty() && pattern.is_match(&fixed) {
            applied
        } else {
            Vec::new()
        }
    }

    fn pattern_message(&self, pattern: &Pattern, text: &str) -> String {
        let mut message = format!("{} ne respecte pas le motif {}", quoted(text), abbreviate_pattern(&pattern.source));
        // The standard's multi-valued fields join items with `|`: naming the item that is
        // wrong saves the producer from diffing a long value against a long pattern.
        if text.contains('|') {
            let accepted =
                |part: &str| pattern.regex.is_match(part) || !self.errata_accepting(&pattern.regex, part).is_empty();
            let parts: Vec<&str> = text.split('|').collect();
            let rejected: Vec<&str> = parts.iter().copied().filter(|part| !accepted(part)).collect();
            if !rejected.is_empty() && rejected.len() < parts.len() {
                let shown: Vec<String> = rejected.iter().map(|part| quoted(part)).collect();
                message.push_str(&format!(" (élément(s) non reconnu(s) : {})", shown.join(", ")));
            }
        }
        message
    }
}

/// Runs the row checks and accumulates the report; holds what spans rows (uniqueness).
struct Checker<'s> {
    schema: &'s TableSchema,
    report: ValidationReport,
    /// For each field declared `unique`: value → row it first appeared on.
    seen: Vec<Option<HashMap<String, usize>>>,
    seen_keys: HashMap<Vec<String>, usize>,
}

impl<'s> Checker<'s> {
    fn new(schema: &'s TableSchema) -> Self {
        let seen = schema.fields.iter().map(|field| field.unique.then(HashMap::new)).collect();
        let report = ValidationReport { notes: schema.unchecked.clone(), ..ValidationReport::default() };
        Self { schema, report, seen, seen_keys: HashMap::new() }
    }

    fn finish(self) -> ValidationReport {
        self.report
    }

    fn file_error(&mut self, row: Option<usize>, message: String) {
        self.report.errors.push(ValidationIssue { row, field: None, value: None, message });
    }

    fn cell_error(&mut self, row: usize, field: &Field, value: Option<&str>, message: String) {
        self.report.errors.push(ValidationIssue {
            row: Some(row),
            field: Some(field.name.clone()),
            value: value.map(String::from),
            message,
        });
    }

    /// `cells` has one entry per schema field, in the schema's order.
    fn check_row(&mut self, row: usize, cells: Vec<Cell<'_>>) {
        let schema = self.schema;
        let mut key: Vec<Option<String>> =
            vec![None; if schema.check_primary_key { schema.primary_key.len() } else { 0 }];
        for (index, (field, cell)) in schema.fields.iter().zip(cells).enumerate() {
            let text = match cell {
                Cell::Absent => continue,
                Cell::Null => {
                    if field.required {
                        self.cell_error(row, field, None, "valeur obligatoire manquante".into());
                    }
                    continue;
                }
                Cell::WrongJsonKind(message, shown) => {
                    self.cell_error(row, field, Some(&shown), message);
                    continue;
                }
                Cell::Text(text) => text,
            };
            let logical = match field.read(&text) {
                Ok(logical) => logical,
                Err(message) => {
                    self.cell_error(row, field, Some(&text), format!("{} {message}", quoted(&text)));
                    continue;
                }
            };
            self.check_constraints(row, field, &text, &logical);
            if let Some(seen) = &mut self.seen[index] {
                if let Some(first) = seen.get(logical.key.as_ref()) {
                    let message =
                        format!("{} figure déjà ligne {first} : chaque valeur doit être unique", quoted(&text));
                    self.cell_error(row, field, Some(&text), message);
                } else {
                    seen.insert(logical.key.clone().into_owned(), row);
                }
            }
            if let (Some(position), true) = (field.key_position, schema.check_primary_key) {
                key[position] = Some(logical.key.into_owned());
            }
        }
        if schema.check_primary_key {
            // A key with a missing part is already reported as a missing required value.
            let Some(key) = key.into_iter().collect::<Option<Vec<String>>>() else {
                return;
            };
            if let Some(first) = self.seen_keys.get(&key) {
                let names: Vec<&str> = schema.primary_key.iter().map(|&i| schema.fields[i].name.as_str()).collect();
                let shown = key.join(", ");
                let message = format!(
                    "la clé primaire ({}) {} figure déjà ligne {first} : elle doit être unique",
                    names.join(", "),
                    quoted(&shown)
                );
                self.report.errors.push(ValidationIssue { row: Some(row), field: None, value: Some(shown), message });
            } else {
                self.seen_keys.insert(key, row);
            }
        }
    }

    fn check_constraints(&mut self, row: usize, field: &Field, text: &str, logical: &Logical<'_>) {
        if let Some(pattern) = &field.pattern {
            if !pattern.regex.is_match(text) {
                let errata = field.errata_accepting(&pattern.regex, text);
                if errata.is_empty() {
                    let message = field.pattern_message(pattern, text);
                    self.cell_error(row, field, Some(text), message);
                }
                for erratum in errata {
                    let message = format!(
                        "{} accepté malgré le motif du schéma (erratum connu de {} {}) : {}",
                        quoted(erratum.accepted),
                        erratum.schema_name,
                        erratum.schema_version,
                        erratum.reason
                    );
                    let issue = ValidationIssue {
                        row: Some(row),
                        field: Some(field.name.clone()),
                        value: Some(text.into()),
                        message,
                    };
                    self.report.notes.push(issue);
                }
            }
        }
        if let Some(enumeration) = &field.enumeration {
            if !enumeration.keys.contains(logical.key.as_ref()) {
                let mut allowed: Vec<String> = enumeration.shown.iter().take(12).map(|v| quoted(v)).collect();
                if enumeration.shown.len() > allowed.len() {
                    allowed.push("…".into());
                }
                let message =
                    format!("{} ne fait pas partie des valeurs autorisées ({})", quoted(text), allowed.join(", "));
                self.cell_error(row, field, Some(text), message);
            }
        }
        if field.min_length.is_some() || field.max_length.is_some() {
            let (length, unit) = match logical.items {
                Some(items) => (items, "élément(s)"),
                None => (text.chars().count(), "caractère(s)"),
            };
            if let Some(min) = field.min_length.filter(|min| length < *min) {
                let message = format!("{} compte {length} {unit}, moins que le minimum de {min}", quoted(text));
                self.cell_error(row, field, Some(text), message);
            }
            if let Some(max) = field.max_length.filter(|max| length > *max) {
                let message = format!("{} compte {length} {unit}, plus que le maximum de {max}", quoted(text));
                self.cell_error(row, field, Some(text), message);
            }
        }
        if let Some(value) = logical.ordered {
            for bound in &field.bounds {
                let Some(ordering) = value.partial_cmp(&bound.value) else {
                    continue;
                };
                let (ok, relation) = match bound.kind {
                    BoundKind::Minimum => (ordering != Ordering::Less, "inférieur au minimum"),
                    BoundKind::ExclusiveMinimum => (ordering == Ordering::Greater, "n'est pas strictement supérieur à"),
                    BoundKind::Maximum => (ordering != Ordering::Greater, "supérieur au maximum"),
                    BoundKind::ExclusiveMaximum => (ordering == Ordering::Less, "n'est pas strictement inférieur à"),
                };
                if !ok {
                    let verb = if relation.starts_with("n'est") { "" } else { "est " };
                    let message = format!("{} {verb}{relation} {}", quoted(text), bound.shown);
                    self.cell_error(row, field, Some(text), message);
                }
            }
        }
    }
}

static EMAIL: OnceLock<Regex> = OnceLock::new();
static URI: OnceLock<Regex> = OnceLock::new();
static UUID: OnceLock<Regex> = OnceLock::new();
static BASE64: OnceLock<Regex> = OnceLock::new();
static DURATION: OnceLock<Regex> = OnceLock::new();

fn static_regex(cell: &'static OnceLock<Regex>, source: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(source).expect("built-in regex compiles"))
}

fn schema_error(message: String) -> FormatError {
    FormatError::Schema(message)
}

fn note(field: Option<&str>, message: String) -> ValidationIssue {
    ValidationIssue { row: None, field: field.map(String::from), value: None, message }
}

fn record_line(record: &csv::StringRecord, fallback: usize) -> usize {
    record.position().map_or(fallback, |p| p.line() as usize)
}

fn type_name(kind: FieldType) -> &'static str {
    match kind {
        FieldType::String => "string",
        FieldType::Number => "number",
        FieldType::Integer => "integer",
        FieldType::Boolean => "boolean",
        FieldType::Date => "date",
        FieldType::DateTime => "datetime",
        FieldType::Time => "time",
        FieldType::Year => "year",
        FieldType::YearMonth => "yearmonth",
        FieldType::Duration => "duration",
        FieldType::GeoPoint => "geopoint",
        FieldType::GeoJson => "geojson",
        FieldType::Object => "object",
        FieldType::Array => "array",
        FieldType::Any => "any",
    }
}

/// `1.0` and `1` are the same number for `unique` and `enum`.
fn canonical_number(number: f64) -> String {
    format!("{number}")
}

/// What frictionless' `bareNumber: false` removes: currency signs, `%`, units around a number.
fn strip_non_numeric(text: &str) -> &str {
    text.trim_start_matches(|c: char| !(c.is_ascii_digit() || matches!(c, '+' | '-' | '.')))
        .trim_end_matches(|c: char| !(c.is_ascii_digit() || c == '.'))
}

fn loose_name(name: &str) -> String {
    name.trim().to_lowercase().replace([' ', '-'], "_")
}

/// The value between French quotes, shortened so that a long description does not drown
/// the message (the issue's `value` keeps it whole).
fn quoted(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        format!("« {text} »")
    } else {
        let head: String = text.chars().take(MAX - 1).collect();
        format!("« {head}… »")
    }
}

/// Shortens a pattern for a message by cutting long alternations after their first branch:
/// `^(\+33|\+590|…|\+681)(\d){6,9}$` becomes `^(\+33|…)(\d){6,9}$`. The standard's value
/// lists are such alternations, hundreds of characters long.
fn abbreviate_pattern(pattern: &str) -> String {
    const SHORT: usize = 40;
    const LONG_GROUP: usize = 24;
    if pattern.len() <= SHORT {
        return pattern.to_string();
    }
    let mut out = String::with_capacity(pattern.len());
    // For each open group: where its content starts in `out`, and where its first `|` is.
    let mut groups: Vec<(usize, Option<usize>)> = Vec::new();
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            _ if in_class => {}
            '(' => {
                out.push(c);
                groups.push((out.len(), None));
                continue;
            }
            '|' => {
                if let Some((_, first_bar @ None)) = groups.last_mut() {
                    *first_bar = Some(out.len());
                }
            }
            ')' => {
                if let Some((start, Some(bar))) = groups.pop() {
                    if out.len() - start > LONG_GROUP {
                        out.truncate(bar + 1);
                        out.push('…');
                    }
                }
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = include_str!("../../../data/standard/schema-lieux-mediation-numerique-1.0.2.json");
    const SCHEMA_0_1_1: &str = include_str!("../../../data/standard/schema-lieux-mediation-numerique-0.1.1.json");
    const EXAMPLE: &str = include_str!("../../../data/standard/exemple-valide-1.0.2.csv");

    fn schema() -> TableSchema {
        TableSchema::from_json(SCHEMA).expect("the v1.0.2 schema parses")
    }

    /// The example's header and its single row.
    fn example() -> (Vec<String>, Vec<String>) {
        let mut reader = csv::Reader::from_reader(EXAMPLE.as_bytes());
        let header = reader.headers().unwrap().iter().map(String::from).collect();
        let row = reader.records().next().unwrap().unwrap().iter().map(String::from).collect();
        (header, row)
    }

    fn csv_of(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        writer.write_record(header).unwrap();
        for row in rows {
            writer.write_record(row).unwrap();
        }
        writer.into_inner().unwrap()
    }

    /// A copy of the example row with its id made unique and one field changed.
    fn row_with(header: &[String], base: &[String], id: usize, field: &str, value: &str) -> Vec<String> {
        let mut row = base.to_vec();
        row[0] = format!("lieu-{id}");
        let index = header.iter().position(|h| h == field).expect("field in header");
        row[index] = value.to_string();
        row
    }

    /// Validates the example followed by one row with `field` set to `value` (line 3).
    fn validate_changed(field: &str, value: &str) -> ValidationReport {
        let (header, row) = example();
        let changed = row_with(&header, &row, 2, field, value);
        schema().validate_csv(&csv_of(&header, &[row, changed]))
    }

    fn assert_single_error(report: &ValidationReport, row: usize, field: &str) -> String {
        assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
        let error = &report.errors[0];
        assert_eq!(error.row, Some(row), "{error}");
        assert_eq!(error.field.as_deref(), Some(field), "{error}");
        error.to_string()
    }

    #[test]
    fn table_schema_standard_example_is_valid() {
        let report = schema().validate_csv(EXAMPLE.as_bytes());
        assert!(report.is_valid(), "{:#?}", report.errors);
        assert!(report.notes.is_empty(), "{:#?}", report.notes);
        assert_eq!(report.rows_checked, 1);
    }

    #[test]
    fn table_schema_reads_the_schema_properties() {
        let schema = schema();
        assert_eq!(schema.name(), Some("standard-mediation-num"));
        assert_eq!(schema.version(), Some("v1.0.2"));
        let names = schema.field_names();
        assert_eq!(names.len(), 32);
        assert_eq!(names[0], "id");
        assert_eq!(names[31], "prise_rdv");
        let (header, _) = example();
        assert_eq!(names, header.iter().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn table_schema_v0_1_1_parses() {
        let schema = TableSchema::from_json(SCHEMA_0_1_1).expect("the v0.1.1 schema parses");
        let names = schema.field_names();
        assert!(names.contains(&"cle_ban") && names.contains(&"publics_accueillis"));
        // No erratum of v1.0.2 leaks into another version.
        assert!(schema.fields.iter().all(|f| f.errata.is_empty()));
    }

    #[test]
    fn table_schema_bad_phone() {
        let report = validate_changed("telephone", "02 78 34 11 39");
        let text = assert_single_error(&report, 3, "telephone");
        assert_eq!(text, r"ligne 3, champ telephone : « 02 78 34 11 39 » ne respecte pas le motif ^(\+33|…)(\d){6,9}$");
        assert_eq!(report.errors[0].value.as_deref(), Some("02 78 34 11 39"));
    }

    #[test]
    fn table_schema_bad_postcode() {
        let report = validate_changed("code_postal", "5110");
        assert_single_error(&report, 3, "code_postal");
        // The whole value must match, even when a prefix would.
        assert_single_error(&validate_changed("code_postal", "511000"), 3, "code_postal");
    }

    #[test]
    fn table_schema_missing_required_value() {
        let report = validate_changed("nom", "");
        let text = assert_single_error(&report, 3, "nom");
        assert!(text.contains("obligatoire"), "{text}");
    }

    #[test]
    fn table_schema_missing_required_column() {
        let (header, row) = example();
        let keep: Vec<usize> = (0..header.len()).filter(|&i| header[i] != "nom").collect();
        let pick = |values: &[String]| keep.iter().map(|&i| values[i].clone()).collect::<Vec<_>>();
        let report = schema().validate_csv(&csv_of(&pick(&header), &[pick(&row)]));
        let text = assert_single_error(&report, 1, "nom");
        assert!(text.contains("colonne obligatoire « nom »"), "{text}");
    }

    #[test]
    fn table_schema_unknown_and_duplicate_columns() {
        let (mut header, mut row) = example();
        header.push("Telephone ".into());
        row.push("x".into());
        header.push("nom".into());
        row.push("Autre nom".into());
        let report = schema().validate_csv(&csv_of(&header, &[row]));
        assert_eq!(report.errors.len(), 2, "{:#?}", report.errors);
        assert!(report.errors.iter().all(|e| e.row == Some(1)));
        assert!(report.errors.iter().any(|e| e.message.contains("« nom » en double")));
        assert!(report.errors.iter().any(|e| e.message.contains("« Telephone  » (colonne 33) inconnue")));
    }

    #[test]
    fn table_schema_near_miss_column_gets_a_hint() {
        let (mut header, row) = example();
        header[11] = "Telephone".into();
        let report = schema().validate_csv(&csv_of(&header, &[row]));
        assert_eq!(report.errors.len(), 2, "{:#?}", report.errors);
        assert!(report.errors[0].message.contains("vouliez-vous dire « telephone »"), "{}", report.errors[0]);
        assert!(report.errors[1].message.contains("« telephone » absente"), "{}", report.errors[1]);
    }

    #[test]
    fn table_schema_wrong_column_order() {
        let (mut header, mut row) = example();
        header.swap(2, 3);
        row.swap(2, 3);
        let report = schema().validate_csv(&csv_of(&header, &[row]));
        let text = assert_single_error(&report, 1, "nom");
        assert!(text.contains("ordre des colonnes"), "{text}");
        assert!(text.contains("« nom » (colonne 4) devrait précéder « commune » (colonne 3)"), "{text}");
    }

    #[test]
    fn table_schema_duplicate_id() {
        let (header, row) = example();
        let report = schema().validate_csv(&csv_of(&header, &[row.clone(), row]));
        let text = assert_single_error(&report, 3, "id");
        assert!(text.contains("« structure-1 » figure déjà ligne 2"), "{text}");
    }

    #[test]
    fn table_schema_composite_primary_key() {
        let schema = TableSchema::from_json(
            r#"{"fields": [{"name": "a"}, {"name": "b", "type": "integer"}], "primaryKey": ["a", "b"]}"#,
        )
        .unwrap();
        let report = schema.validate_csv(b"a,b\nx,1\nx,2\nx,01\n,3\n");
        assert_eq!(report.errors.len(), 2, "{:#?}", report.errors);
        assert_eq!(report.errors[0].row, Some(4));
        assert!(report.errors[0].message.contains("clé primaire (a, b) « x, 1 » figure déjà ligne 2"));
        // Key fields are required even when the schema does not say so.
        assert_eq!((report.errors[1].row, report.errors[1].field.as_deref()), (Some(5), Some("a")));
    }

    #[test]
    fn table_schema_bad_dates() {
        let text = assert_single_error(&validate_changed("date_maj", "02/04/2024"), 3, "date_maj");
        assert!(text.contains("AAAA-MM-JJ"), "{text}");
        assert_single_error(&validate_changed("date_maj", "2024-4-2"), 3, "date_maj");
        let text = assert_single_error(&validate_changed("date_maj", "2024-02-30"), 3, "date_maj");
        assert!(text.contains("n'est pas une date qui existe"), "{text}");
        assert!(validate_changed("date_maj", "2024-02-29").is_valid());
    }

    #[test]
    fn table_schema_bad_number() {
        let text = assert_single_error(&validate_changed("latitude", "43,52609"), 3, "latitude");
        assert!(text.contains("n'est pas un nombre"), "{text}");
        assert!(validate_changed("latitude", "-4.5e1").is_valid());
        assert!(!validate_changed("latitude", "inf inity").is_valid());
    }

    #[test]
    fn table_schema_unknown_service() {
        let report = validate_changed("services", "Aide aux démarches administratives|Cours de cuisine");
        let text = assert_single_error(&report, 3, "services");
        assert!(text.contains("élément(s) non reconnu(s) : « Cours de cuisine »"), "{text}");
        assert!(text.contains(r"le motif (?:(?:^|\|)(Aide aux démarches administratives|…))+$"), "{text}");
        assert_single_error(&validate_changed("services", "Cours de cuisine"), 3, "services");
        // An empty item is not a value of the list either.
        assert_single_error(&validate_changed("services", "Aide aux démarches administratives|"), 3, "services");
    }

    #[test]
    fn table_schema_max_length() {
        let long = "é".repeat(281);
        let text = assert_single_error(&validate_changed("presentation_resume", &long), 3, "presentation_resume");
        assert!(text.contains("compte 281 caractère(s), plus que le maximum de 280"), "{text}");
        assert!(validate_changed("presentation_resume", &"é".repeat(280)).is_valid());
    }

    #[test]
    fn table_schema_erratum_is_a_note() {
        let value = "Fabriques de Territoire|Étapes numériques (La Poste)";
        let report = validate_changed("formations_labels", value);
        assert!(report.is_valid(), "{:#?}", report.errors);
        assert_eq!(report.notes.len(), 1);
        let note = &report.notes[0];
        assert_eq!(
            (note.row, note.field.as_deref(), note.value.as_deref()),
            (Some(3), Some("formations_labels"), Some(value))
        );
        assert!(note.message.contains("erratum connu de standard-mediation-num 1.0.2"), "{note}");
        // The schema's own spelling stays valid, without a note.
        let report = validate_changed("formations_labels", "Étapes numériques(La Poste)");
        assert!(report.is_valid() && report.notes.is_empty());
        // The erratum does not hide a genuinely wrong item next to it.
        let report = validate_changed("formations_labels", "Étapes numériques (La Poste)|Inconnu");
        let text = assert_single_error(&report, 3, "formations_labels");
        assert!(text.contains("non reconnu(s) : « Inconnu »"), "{text}");
    }

    #[test]
    fn table_schema_erratum_is_bound_to_its_schema_version() {
        let other = SCHEMA.replace("\"version\": \"v1.0.2\"", "\"version\": \"v1.0.3\"");
        assert_ne!(other, SCHEMA);
        let schema = TableSchema::from_json(&other).unwrap();
        let (header, row) = example();
        let changed = row_with(&header, &row, 2, "formations_labels", "Étapes numériques (La Poste)");
        assert_single_error(&schema.validate_csv(&csv_of(&header, &[changed])), 2, "formations_labels");
    }

    #[test]
    fn table_schema_cell_count() {
        let (header, row) = example();
        let mut long = row_with(&header, &row, 2, "nom", "Long");
        long.push("de trop".into());
        let mut short = row_with(&header, &row, 3, "nom", "Court");
        short.truncate(30);
        let report = schema().validate_csv(&csv_of(&header, &[row, long, short]));
        assert_eq!(report.errors.len(), 2, "{:#?}", report.errors);
        assert_eq!(report.errors[0].row, Some(3));
        assert!(report.errors[0].message.contains("33 cellule(s)"));
        assert_eq!(report.errors[1].row, Some(4));
        assert!(report.errors[1].message.contains("30 cellule(s)"));
    }

    #[test]
    fn table_schema_rows_are_numbered_by_line() {
        let (header, row) = example();
        let multiline = row_with(&header, &row, 2, "presentation_detail", "ligne une\nligne deux");
        let bad = row_with(&header, &row, 3, "code_postal", "x");
        let report = schema().validate_csv(&csv_of(&header, &[multiline, bad]));
        assert_single_error(&report, 4, "code_postal");
    }

    #[test]
    fn table_schema_semicolon_delimiter_is_explained() {
        let (header, row) = example();
        let text = format!("{}\n{}\n", header.join(";"), row.join(";"));
        let report = schema().validate_csv(text.as_bytes());
        assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
        assert!(report.errors[0].message.contains("séparateur"), "{}", report.errors[0]);
    }

    #[test]
    fn table_schema_not_utf8() {
        let (header, row) = example();
        let mut bytes = csv_of(&header, &[row]);
        let at = bytes.len() - 5;
        bytes[at] = 0xE9;
        let report = schema().validate_csv(&bytes);
        assert!(report.errors.iter().any(|e| e.message.contains("UTF-8") && e.row == Some(2)), "{:#?}", report.errors);
    }

    #[test]
    fn table_schema_json_array() {
        let (header, row) = example();
        let object: Map<String, Value> =
            header.iter().zip(&row).map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let mut second = object.clone();
        second.insert("id".into(), "lieu-2".into());
        second.insert("telephone".into(), "0278341139".into());
        second.insert("latitude".into(), serde_json::json!(48.85));
        second.remove("complement_adresse");
        let valid = Value::Array(vec![Value::Object(object.clone())]).to_string();
        let report = schema().validate_json(valid.as_bytes());
        assert!(report.is_valid(), "{:#?}", report.errors);
        assert_eq!(report.rows_checked, 1);

        let mut third = object.clone();
        third.insert("id".into(), "lieu-3".into());
        third.insert("code_postal".into(), serde_json::json!(51100));
        third.insert("inconnu".into(), "x".into());
        let file = Value::Array(vec![object.into(), second.into(), third.into()]).to_string();
        let report = schema().validate_json(file.as_bytes());
        assert_eq!(report.rows_checked, 3);
        assert_eq!(report.errors.len(), 3, "{:#?}", report.errors);
        assert_eq!((report.errors[0].row, report.errors[0].field.as_deref()), (Some(3), Some("telephone")));
        assert_eq!((report.errors[1].row, report.errors[1].field.as_deref()), (Some(4), Some("code_postal")));
        assert!(report.errors[1].message.contains("un nombre JSON"), "{}", report.errors[1]);
        assert!(report.errors[2].message.contains("clé « inconnu »"), "{}", report.errors[2]);
    }

    #[test]
    fn table_schema_json_missing_required_key() {
        let report = schema().validate_json(br#"[{"id": "a", "pivot": "43493312300029"}]"#);
        let missing: Vec<&str> = report.errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(missing, ["nom", "commune", "code_postal", "adresse", "date_maj"]);
        assert!(!schema().validate_json(b"{}").is_valid());
        assert!(!schema().validate_json(b"[1, 2").is_valid());
    }

    #[test]
    fn table_schema_generic_types_and_constraints() {
        let schema = TableSchema::from_json(
            r#"{
              "missingValues": ["", "NA"],
              "fields": [
                {"name": "n", "type": "integer", "constraints": {"minimum": 1, "maximum": 10, "enum": [1, 2, 3, 12]}},
                {"name": "ok", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
                {"name": "d", "type": "date", "format": "%d/%m/%Y", "constraints": {"minimum": "01/01/2020"}},
                {"name": "mail", "type": "string", "format": "email", "constraints": {"minLength": 6}},
                {"name": "code", "constraints": {"pattern": "a|b", "unique": true}}
              ]
            }"#,
        )
        .unwrap();
        let report = schema.validate_csv(
            "n,ok,d,mail,code\n2,oui,02/03/2021,a@b.fr,a\n12,vrai,31/12/2019,ab,ab\nNA,NA,NA,NA,a\n".as_bytes(),
        );
        let found: Vec<(usize, &str)> =
            report.errors.iter().map(|e| (e.row.unwrap(), e.field.as_deref().unwrap())).collect();
        assert_eq!(
            found,
            [(3, "n"), (3, "ok"), (3, "d"), (3, "mail"), (3, "code"), (4, "code")],
            "{:#?}",
            report.errors
        );
    }

    #[test]
    fn table_schema_bad_schemas_are_refused() {
        let refused = |text: &str| matches!(TableSchema::from_json(text), Err(FormatError::Schema(_)));
        assert!(refused("not json"));
        assert!(refused(r#"{"fields": []}"#));
        assert!(refused(r#"{"fields": [{"name": "a", "type": "texte"}]}"#));
        assert!(refused(r#"{"fields": [{"name": "a", "constraints": {"pattern": "(?=a)a"}}]}"#));
        assert!(refused(r#"{"fields": [{"name": "a"}], "primaryKey": "b"}"#));
        assert!(refused(r#"{"fields": [{"name": "a", "type": "number", "constraints": {"minimum": "x"}}]}"#));
        assert!(refused(r#"{"fields": [{"name": "a"}, {"name": "a"}]}"#));
    }

    #[test]
    fn table_schema_unchecked_parts_are_noted() {
        let schema =
            TableSchema::from_json(r#"{"fields": [{"name": "a", "constraints": {"jsonSchema": {}}}]}"#).unwrap();
        let report = schema.validate_csv(b"a\nx\n");
        assert!(report.is_valid());
        assert_eq!(report.notes.len(), 1);
        assert!(report.notes[0].to_string().starts_with("champ a : contrainte « jsonSchema »"));
    }

    #[test]
    fn table_schema_abbreviates_long_alternations_only() {
        assert_eq!(abbreviate_pattern(r"^\d{5}$"), r"^\d{5}$");
        assert_eq!(
            abbreviate_pattern(r"(?:(?:^|\|)(Gratuit|Gratuit sous condition|Payant))+$"),
            r"(?:(?:^|\|)(Gratuit|…))+$"
        );
    }

    fn many_rows(count: usize) -> Vec<u8> {
        let (header, row) = example();
        let rows: Vec<Vec<String>> = (0..count).map(|i| row_with(&header, &row, i, "nom", "Lieu")).collect();
        csv_of(&header, &rows)
    }

    #[test]
    fn table_schema_many_rows() {
        let report = schema().validate_csv(&many_rows(5_000));
        assert!(report.is_valid(), "{:#?}", report.errors.first());
        assert_eq!(report.rows_checked, 5_000);
    }
}
