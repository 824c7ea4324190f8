//! The mapping assistant as a form: for a file nobody has mapped yet, the assistant's proposal
//! laid out as lines a person corrects (each field of the standard with the column(s) that fill
//! it, how sure the assistant is and why; each vocabulary rule with the value it sets), the
//! corrections applied, and the mapping they give (TOML, the same a person writes by hand)
//! previewed on the whole file as the import would read it (kept, rejected and why, first
//! rows). Nothing is written: [`super::save_mapping`] keeps the mapping, the import reads the
//! file.
//!
//! The proposal is made again from the file at each step (it is deterministic), so a form only
//! carries the corrections: a field set to other columns (or to none), a rule set to another
//! value of the standard (or dropped).

use std::collections::BTreeMap;

use maillage_domain::build::FIELDS;
use maillage_formats::mapping::write::{to_toml, LineKey};
use maillage_formats::mapping::{
    vocabulary_label, vocabulary_values, HoursSpec, Mapping, MappingSpec, ValueSpec, LIST_FIELDS,
};
use maillage_formats::preview::Preview;
use maillage_formats::reader::sample_rows;
use maillage_formats::suggest::{suggest, Confidence, SuggestOptions, Suggestion};
use maillage_territory::Territory;

use super::SampleFile;
use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::{AppError, AppResult, FieldError};

/// Rows the assistant reads: enough for any hub's export, bounded for national files.
pub const PROPOSAL_ROWS: usize = 5_000;

/// What the administrator changed in the proposal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Corrections {
    /// The registry source the mapping feeds; by default the assistant's (from the file name).
    pub source: Option<String>,
    /// Field → the columns that fill it, the first non-empty one of a row winning; no column
    /// to leave the field empty. Fields not named here stay as proposed.
    pub fields: BTreeMap<String, Vec<String>>,
    /// Rule (its index among the proposal's `[[terms]]`) → the values of the standard it sets,
    /// separated by `|`; empty to drop the rule. Rules not named here stay as proposed.
    pub rules: BTreeMap<usize, String>,
}

/// One field of the standard in the form.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldLine {
    pub field: String,
    /// The columns it is read from, when it is read from columns as they are.
    pub columns: Vec<String>,
    /// How it is filled otherwise (a column cut in parts, Lambert-93 coordinates converted,
    /// opening hours in several columns, a fixed value, an id computed), in French.
    pub other: Option<String>,
    /// How sure the assistant is, when the line is its own (not corrected).
    pub confidence: Option<Confidence>,
    /// Why, in French (the assistant's reason, or "corrigé").
    pub reason: String,
    /// Other columns that could fill it, as the assistant saw them.
    pub alternatives: Vec<String>,
}

/// One vocabulary rule in the form: words or values in columns set a value of the standard.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleLine {
    /// Its index among the mapping's `[[terms]]`.
    pub index: usize,
    pub field: String,
    pub columns: Vec<String>,
    /// What the rule looks for, in French ("contient « EPN »").
    pub condition: String,
    /// The values it sets.
    pub values: Vec<String>,
    /// Every value the field takes (empty for a free-text field).
    pub choices: Vec<&'static str>,
    pub confidence: Option<Confidence>,
    pub reason: String,
}

/// The proposal (corrected or not) for a file, as the form shows it.
#[derive(Clone, Debug)]
pub struct Proposal {
    pub file_name: String,
    /// The file's columns, in order: the choices of every field.
    pub columns: Vec<String>,
    /// Rows the assistant read.
    pub rows: usize,
    pub spec: MappingSpec,
    /// The mapping as a file, each line with its reason; corrected lines say so.
    pub toml: String,
    pub fields: Vec<FieldLine>,
    pub rules: Vec<RuleLine>,
    /// What the assistant did beyond fields and rules (rows grouped, an id computed), in French.
    pub notes: Vec<String>,
    /// The lines the corrections changed.
    pub corrected: Vec<LineKey>,
    /// The whole file read with the mapping, as the import would.
    pub preview: Preview,
}

/// Proposes a mapping for a file, applies the administrator's corrections and previews the
/// result on the whole file (with the territory's repairs, as the import); `shown` first rows
/// are built for display. A file the import would refuse whole (binary, one column), or
/// corrections naming a column the file lacks or a value the standard does not have, are
/// refused with a French message per line; nothing is written either way.
pub fn propose(
    ctx: &Context<'_>,
    actor: &Actor,
    file: &SampleFile<'_>,
    corrections: &Corrections,
    territory: Option<&Territory>,
    shown: usize,
) -> AppResult<Proposal> {
    actor.require(ctx, Permission::Administer)?;
    let (info, rows) = sample_rows(file.bytes, file.file_name, PROPOSAL_ROWS)?;
    let options = SuggestOptions {
        source: corrections.source.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
        file: Some(file.file_name.rsplit(['/', '\\']).next().unwrap_or(file.file_name).to_owned()),
    };
    let suggestion = suggest(&info.columns, &rows, &options)?;
    let mut spec = suggestion.spec.clone();
    let corrected = correct(&mut spec, &info.columns, corrections)?;
    let mapping = Mapping::from_spec(spec.clone())
        .map_err(|err| AppError::Invalid(vec![FieldError::new("correspondance", err.to_string())]))?;
    let preview = crate::places::import::preview(file.bytes, file.file_name, &mapping, territory, shown)?;
    let toml = write(&suggestion, &spec, &corrected);
    let (fields, rules) = lines(&spec, &suggestion, &corrected);
    let notes = suggestion
        .lines
        .iter()
        .filter(|line| matches!(line.key, LineKey::Group | LineKey::DeriveId))
        .map(|line| format!("{} : {}", line.target, line.reason))
        .collect();
    Ok(Proposal {
        file_name: options.file.unwrap_or_default(),
        columns: info.columns,
        rows: suggestion.rows,
        spec,
        toml,
        fields,
        rules,
        notes,
        corrected,
        preview,
    })
}

/// The columns of a field read from columns as they are (none when it is filled otherwise).
fn plain_columns(spec: &MappingSpec, field: &str) -> Vec<String> {
    match spec.fields.get(field) {
        Some(ValueSpec::Column(column)) => vec![column.clone()],
        Some(ValueSpec::Columns(columns)) => columns.clone(),
        _ => Vec::new(),
    }
}

/// Applies the corrections to the proposal's spec; the lines changed. Every mistake is
/// reported at once, by form field (`champ:nom`, `regle:3`, `source`).
fn correct(spec: &mut MappingSpec, columns: &[String], corrections: &Corrections) -> AppResult<Vec<LineKey>> {
    let mut errors = Vec::new();
    let mut changed = Vec::new();
    if let Some(source) = corrections.source.as_deref().map(str::trim) {
        if source.is_empty() {
            errors.push(FieldError::new("source", "le nom de la source ne peut pas être vide"));
        }
    }
    for (field, chosen) in &corrections.fields {
        let key = format!("champ:{field}");
        if !FIELDS.contains(&field.as_str()) {
            errors.push(FieldError::new(&key, format!("« {field} » n'est pas un champ du standard")));
            continue;
        }
        let chosen: Vec<String> =
            chosen.iter().map(|column| column.trim().to_owned()).filter(|column| !column.is_empty()).collect();
        if let Some(absent) = chosen.iter().find(|column| !columns.contains(column)) {
            errors.push(FieldError::new(&key, format!("la colonne « {absent} » n'est pas dans le fichier")));
            continue;
        }
        if chosen == plain_columns(spec, field) {
            continue;
        }
        set_field(spec, field, chosen);
        changed.push(LineKey::Field(field.clone()));
    }
    let mut dropped = Vec::new();
    for (&index, text) in &corrections.rules {
        let key = format!("regle:{index}");
        let Some(term) = spec.terms.get_mut(index) else {
            errors.push(FieldError::new(&key, format!("la règle n° {} n'existe pas", index + 1)));
            continue;
        };
        let mut values = Vec::new();
        for part in text.split('|').map(str::trim).filter(|part| !part.is_empty()) {
            match vocabulary_label(&term.field, part) {
                Ok(label) => values.push(label),
                Err(reason) => errors.push(FieldError::new(&key, reason)),
            }
        }
        if values.is_empty() {
            if text.trim().is_empty() {
                dropped.push(index);
                changed.push(LineKey::Term(index));
            }
            continue;
        }
        if values == term.all_values() {
            continue;
        }
        if values.len() == 1 {
            term.value = values.pop();
            term.values = None;
        } else {
            term.value = None;
            term.values = Some(values);
        }
        changed.push(LineKey::Term(index));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // Dropping shifts the rules after it: from the last one, and the lines said by their new
    // place (a dropped rule is no line any more).
    dropped.sort_unstable();
    for &index in dropped.iter().rev() {
        spec.terms.remove(index);
    }
    let changed = changed
        .into_iter()
        .filter_map(|key| match key {
            LineKey::Term(index) if dropped.contains(&index) => None,
            LineKey::Term(index) => Some(LineKey::Term(index - dropped.iter().filter(|&&d| d < index).count())),
            other => Some(other),
        })
        .collect();
    // Every column the mapping no longer reads stays in its layout, for recognition.
    if let Ok(mapping) = Mapping::from_spec(spec.clone()) {
        let read: Vec<String> = mapping.columns().into_iter().map(|(column, _)| column).collect();
        spec.source.unread = columns.iter().filter(|column| !read.contains(column)).cloned().collect();
    }
    Ok(changed)
}

/// Sets a field to columns read as they are (none: empty), taking it from whatever else filled it.
fn set_field(spec: &mut MappingSpec, field: &str, columns: Vec<String>) {
    for split in &mut spec.split {
        for part in split.into.iter_mut().filter(|part| part.as_str() == field) {
            *part = "_".to_owned();
        }
        if split.otherwise.as_deref() == Some(field) {
            split.otherwise = None;
        }
    }
    // A split whose parts all went elsewhere reads nothing any more.
    spec.split.retain(|split| split.regex.is_some() || split.into.iter().any(|part| part != "_"));
    match field {
        "horaires" => spec.hours = None,
        "latitude" | "longitude" => spec.coordinates = None,
        "id" => spec.derive_id = None,
        _ => {}
    }
    match columns.len() {
        0 => {
            spec.fields.remove(field);
        }
        1 => {
            spec.fields.insert(field.to_owned(), ValueSpec::Column(columns[0].clone()));
        }
        _ => {
            spec.fields.insert(field.to_owned(), ValueSpec::Columns(columns));
        }
    }
}

/// The mapping as a file: the assistant's reasons over its own lines, "corrigé" over the
/// administrator's.
fn write(suggestion: &Suggestion, spec: &MappingSpec, corrected: &[LineKey]) -> String {
    if corrected.is_empty() {
        return Suggestion { spec: spec.clone(), ..suggestion.clone() }.to_toml();
    }
    // A field emptied has no line left to mark: the header names every correction.
    let named: Vec<String> = corrected
        .iter()
        .filter_map(|key| match key {
            LineKey::Field(field) => Some(field.clone()),
            LineKey::Term(index) => Some(format!("règle [[terms]] n° {}", index + 1)),
            // Corrections change fields and rules only.
            _ => None,
        })
        .collect();
    let header = format!(
        "Correspondance proposée par l'assistant de Maillage{} à partir de {} lignes,\n\
         corrigée par l'administrateur ({}).\n\
         La syntaxe est décrite dans mappings/README.md.",
        spec.source.file.as_deref().map(|file| format!(" pour « {file} »")).unwrap_or_default(),
        suggestion.rows,
        named.join(", ")
    );
    to_toml(spec, &|key| match key {
        LineKey::Header => Some(header.clone()),
        key if corrected.contains(key) => Some("[corrigé] choisi par l'administrateur".to_owned()),
        key => suggestion
            .explanation(&proposed_key(spec, suggestion, key))
            .map(|line| format!("[{}] {}", line.confidence.label(), line.reason)),
    })
}

/// The key a line of the corrected spec had in the proposal: rules after a dropped one moved
/// up, and are found by what they say.
fn proposed_key(spec: &MappingSpec, suggestion: &Suggestion, key: &LineKey) -> LineKey {
    match key {
        LineKey::Term(index) => spec
            .terms
            .get(*index)
            .and_then(|term| suggestion.spec.terms.iter().position(|proposed| proposed == term))
            .map_or_else(|| key.clone(), LineKey::Term),
        other => other.clone(),
    }
}

fn quoted_list(columns: &[String]) -> String {
    columns.iter().map(|column| format!("« {column} »")).collect::<Vec<_>>().join(", ")
}

/// How a field is filled when it is not read from columns as they are.
fn other_way(spec: &MappingSpec, field: &str) -> Option<String> {
    if let Some(ValueSpec::Full(table)) = spec.fields.get(field) {
        return Some(match (&table.value, table.column.iter().chain(table.columns.iter().flatten()).cloned()) {
            (Some(constant), _) => format!("valeur fixe « {constant} »"),
            (None, columns) => format!("colonne(s) {} nettoyée(s)", quoted_list(&columns.collect::<Vec<_>>())),
        });
    }
    if let Some(split) = spec.split.iter().find(|split| {
        split.into.iter().any(|part| part == field)
            || split.otherwise.as_deref() == Some(field)
            || split.regex.as_deref().is_some_and(|regex| regex.contains(&format!("?P<{field}>")))
    }) {
        return Some(format!("découpé de la colonne « {} »", split.column));
    }
    match (field, &spec.coordinates, &spec.hours, &spec.derive_id) {
        ("latitude" | "longitude", Some(coordinates), _, _) => {
            Some(format!("converti des coordonnées Lambert-93 « {} » / « {} »", coordinates.x, coordinates.y))
        }
        ("horaires", _, Some(hours), _) => Some(match hours {
            HoursSpec::Column { .. } => "colonne(s) d'horaires".to_owned(),
            HoursSpec::PerDay { days } => format!("une colonne par jour ({} jours)", days.len()),
            HoursSpec::PerDayRanges { days } => format!("ouverture et fermeture par jour ({} jours)", days.len()),
            HoursSpec::DaySet { days, .. } => format!("jours d'ouverture de la colonne « {days} »"),
        }),
        ("id", _, _, Some(derive)) => Some(format!("calculé à partir de {}", derive.from.join(", "))),
        _ => None,
    }
}

/// Explanation of a line: the administrator's, or the assistant's with its confidence.
fn said(
    spec: &MappingSpec,
    suggestion: &Suggestion,
    corrected: &[LineKey],
    key: &LineKey,
) -> (Option<Confidence>, String) {
    if corrected.contains(key) {
        return (None, "corrigé par l'administrateur".to_owned());
    }
    match suggestion.explanation(&proposed_key(spec, suggestion, key)) {
        Some(line) => (Some(line.confidence), line.reason.clone()),
        None => (None, String::new()),
    }
}

/// The form's lines: every single field of the standard, and the list fields read from
/// columns, in the standard's order; then every rule.
fn lines(spec: &MappingSpec, suggestion: &Suggestion, corrected: &[LineKey]) -> (Vec<FieldLine>, Vec<RuleLine>) {
    let fields = FIELDS
        .iter()
        .filter(|field| !LIST_FIELDS.contains(field) || spec.fields.contains_key(**field))
        .filter(|field| **field != "source")
        .map(|field| {
            let key = LineKey::Field((*field).to_owned());
            let other = other_way(spec, field);
            let explained = match (&other, suggestion.explanation(&key)) {
                // A field filled by a split, the coordinates or the hours is explained there.
                (Some(_), None) => suggestion
                    .lines
                    .iter()
                    .find(|line| line.target.split(", ").any(|target| target == *field))
                    .map(|line| (Some(line.confidence), line.reason.clone())),
                _ => None,
            };
            let (confidence, reason) = explained.unwrap_or_else(|| said(spec, suggestion, corrected, &key));
            let alternatives = suggestion
                .explanation(&key)
                .map(|line| line.alternatives.iter().map(|other| other.column.clone()).collect())
                .unwrap_or_default();
            FieldLine {
                field: (*field).to_owned(),
                columns: plain_columns(spec, field),
                other,
                confidence,
                reason,
                alternatives,
            }
        })
        .collect();
    let rules = spec
        .terms
        .iter()
        .enumerate()
        .map(|(index, term)| {
            let columns: Vec<String> = term.all_columns().into_iter().map(str::to_owned).collect();
            let words = |values: &maillage_formats::mapping::OneOrMany| quoted_list(values.as_slice());
            let mut condition = match (&term.equals, &term.contains, &term.regex, term.truthy) {
                (Some(values), _, _, _) => format!("vaut {}", words(values)),
                (_, Some(values), _, _) => format!("contient {}", words(values)),
                (_, _, Some(regex), _) if regex == r"\w" => "n'est pas vide".to_owned(),
                (_, _, Some(regex), _) => format!("correspond à l'expression « {regex} »"),
                (_, _, _, Some(true)) => "répond oui".to_owned(),
                _ => String::new(),
            };
            if !term.unless.is_empty() {
                condition.push_str(&format!(", sauf avec {}", quoted_list(&term.unless)));
            }
            let (confidence, reason) = said(spec, suggestion, corrected, &LineKey::Term(index));
            RuleLine {
                index,
                field: term.field.clone(),
                columns,
                condition,
                values: term.all_values().into_iter().map(str::to_owned).collect(),
                choices: vocabulary_values(&term.field),
                confidence,
                reason,
            }
        })
        .collect();
    (fields, rules)
}
