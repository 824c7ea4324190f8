//! Indicators per territory: any CSV of values per commune or per EPCI (the fragility index,
//! IFN, is the first one), imported onto today's codes and aggregated to EPCI, bassin de vie,
//! département and région as population-weighted means.
//!
//! Files are keyed by whatever COG their producer used: an older vintage names communes that
//! have since merged, and many national files list the arrondissements of Paris, Lyon and
//! Marseille instead of the communes. The import maps every such code onto the current commune
//! through the territory's history and says, row by row, what it did and what it could not do.
//! The history records mergers, not splits: when a commune of the file has since been split, the
//! part that kept its code takes the value of the whole, and the parts split off have none.

use std::collections::{BTreeMap, HashMap, HashSet};

use maillage_domain::text::fold;
use maillage_formats::csv_reason;
use maillage_store::{IndicatorDefinition, IndicatorLevel, IndicatorValue, Store};
use maillage_territory::{CodeKind, Commune, Territory};
use serde::Serialize;

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::territory::BassinIndex;
use crate::{AppError, AppResult};

/// The fragility index per commune (COG 2023) shipped with the demo.
pub const DEMO_IFN_COMMUNES_FILE: &str = "ifn-communes-2023.csv.gz";
pub const DEMO_IFN_COMMUNES: &[u8] = include_bytes!("../../../../data/demo/ifn-communes-2023.csv.gz");
/// The fragility index per EPCI (2023) shipped with the demo.
pub const DEMO_IFN_EPCI_FILE: &str = "ifn-epci-2023.csv.gz";
pub const DEMO_IFN_EPCI: &[u8] = include_bytes!("../../../../data/demo/ifn-epci-2023.csv.gz");
/// The name the demo gives the fragility index, at both levels.
pub const DEMO_IFN_NAME: &str = "ifn";
const DEMO_IFN_DESCRIPTION: &str = "Indice de fragilité numérique 2023 (0 à 10) : absence de très haut débit, \
     absence de 4G, pauvreté, part des plus de 65 ans, part des non-diplômés";

/// The illectronisme rates of the Chinon bassin's three EPCI as the hub's own document gives
/// them (seed 002, citing Insee), shipped with the demo.
pub const DEMO_ILLECTRONISME_FILE: &str = "illectronisme-epci-2019.csv";
pub const DEMO_ILLECTRONISME: &[u8] = include_bytes!("../../../../data/demo/illectronisme-epci-2019.csv");
pub const DEMO_ILLECTRONISME_NAME: &str = "illectronisme";
const DEMO_ILLECTRONISME_DESCRIPTION: &str = "Taux d'illectronisme (%) : estimation Insee à partir de l'enquête \
     TIC ménages 2019 et du recensement, connue ici pour trois EPCI d'Indre-et-Loire";

/// How many territories without a value the report names (the count is always complete).
pub const MISSING_EXAMPLES: usize = 20;

/// Column names taken as the values when none is given, in this order (compared folded).
const DEFAULT_VALUE_COLUMNS: [&str; 3] = ["total", "valeur", "value"];

/// What to import and how to read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorImport {
    /// Short name of the indicator ("ifn"); importing the same name and level again replaces it.
    pub name: String,
    pub level: IndicatorLevel,
    /// The column holding INSEE codes (commune level) or SIREN (EPCI level).
    pub code_column: String,
    /// The column of values; `None` takes a column named "total", "valeur" or "value",
    /// else the only numeric column.
    pub value_column: Option<String>,
    /// `None` describes the indicator by its column and file.
    pub description: Option<String>,
}

/// One row that could not be used as it was, with the line a person finds in the file
/// (the header is line 1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowProblem {
    pub line: usize,
    pub field: String,
    pub value: String,
    /// French, for the person who fixes the file.
    pub reason: String,
}

/// A code that is not a current commune's and was attached to the commune it now belongs to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RemappedCode {
    pub line: usize,
    pub code: String,
    pub kind: CodeKind,
    /// The name the code stood for, when the territory knows it.
    pub former_name: Option<String>,
    pub commune: String,
    pub commune_name: String,
}

/// A commune whose value was computed from several rows (its arrondissements, or the communes
/// merged into it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CombinedValue {
    pub code: String,
    pub name: String,
    /// The codes of the rows combined, in file order.
    pub sources: Vec<String>,
    /// True when weighted by the rows' populations (arrondissements), false for a plain mean
    /// (the populations of former communes are not known).
    pub weighted: bool,
    pub value: f64,
}

/// A current commune or EPCI the file gives no value for.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MissingUnit {
    pub code: String,
    pub name: String,
    pub population: u64,
}

/// What an indicator import did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorReport {
    pub definition: IndicatorDefinition,
    pub code_column: String,
    pub value_column: String,
    /// Data rows of the file (the header excluded).
    pub rows_read: usize,
    pub values_stored: usize,
    /// Rows whose code was an arrondissement, a commune déléguée or associée, or a former code.
    pub remapped: Vec<RemappedCode>,
    pub combined: Vec<CombinedValue>,
    /// Rows whose code names no current territory of the level.
    pub unknown: Vec<RowProblem>,
    /// Rows whose value is not a number.
    pub invalid: Vec<RowProblem>,
    /// Well-formed rows left out on purpose: empty values, codes given twice, arrondissements
    /// of a commune the file also gives as a whole.
    pub skipped: Vec<RowProblem>,
    /// Current communes (or EPCI) with no value, however many.
    pub missing: usize,
    /// The first of them by code, at most [`MISSING_EXAMPLES`] (codes order metropolitan France
    /// first: the overseas collectivities many national files leave out come last).
    pub missing_examples: Vec<MissingUnit>,
}

/// Imports a file of values per commune or per EPCI, replacing the indicator of the same name
/// and level in one transaction. A file without the code or value column, or without a single
/// usable value, is refused and nothing is written; single bad rows are reported and skipped.
/// Administrators, and the operator's command line; the audit log names the indicator.
pub fn import_indicator(
    ctx: &Context<'_>,
    actor: &Actor,
    territory: &Territory,
    bytes: &[u8],
    file_name: &str,
    options: &IndicatorImport,
) -> AppResult<IndicatorReport> {
    actor.require(ctx, Permission::Administer)?;
    let report = store_indicator(ctx.store, territory, bytes, file_name, options)?;
    ctx.audit(
        actor.id(),
        "indicateur_importe",
        Some(format!("indicateur:{}", report.definition.name)),
        format!("{file_name} : {} valeur(s)", report.values_stored),
        maillage_store::now(),
    )?;
    Ok(report)
}

/// The indicators imported, each with how many values it holds (administrators).
pub fn indicators(ctx: &Context<'_>, actor: &Actor) -> AppResult<Vec<(IndicatorDefinition, usize)>> {
    actor.require(ctx, Permission::Administer)?;
    let mut listed = Vec::new();
    for definition in ctx.store.indicators()? {
        let count = ctx.store.indicator_values(&definition.name, definition.level)?.len();
        listed.push((definition, count));
    }
    Ok(listed)
}

/// [`import_indicator`] without the permission check and the audit entry, for it and the demo.
fn store_indicator(
    store: &dyn Store,
    territory: &Territory,
    bytes: &[u8],
    file_name: &str,
    options: &IndicatorImport,
) -> AppResult<IndicatorReport> {
    let name = options.name.trim();
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return Err(AppError::Input(format!(
            "nom d'indicateur invalide « {} » : un nom court sans espace est attendu (ex. ifn)",
            options.name
        )));
    }
    let table = Table::read(bytes, file_name)?;
    let code_index = table.column(&options.code_column).ok_or_else(|| {
        AppError::Input(format!(
            "colonne des codes « {} » absente de {file_name} (colonnes : {})",
            options.code_column,
            table.headers.join(", ")
        ))
    })?;
    let value_index = match &options.value_column {
        Some(column) => table.column(column).ok_or_else(|| {
            AppError::Input(format!(
                "colonne des valeurs « {column} » absente de {file_name} (colonnes : {})",
                table.headers.join(", ")
            ))
        })?,
        None => table.default_value_column(code_index, file_name)?,
    };
    let code_column = table.headers[code_index].clone();
    let value_column = table.headers[value_index].clone();

    let mut report = IndicatorReport {
        definition: IndicatorDefinition {
            name: name.to_owned(),
            level: options.level,
            description: options
                .description
                .clone()
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| format!("colonne « {value_column} » de {file_name}")),
            source_file: file_name.to_owned(),
            imported_at: maillage_store::now(),
        },
        code_column: code_column.clone(),
        value_column: value_column.clone(),
        rows_read: table.rows.len(),
        values_stored: 0,
        remapped: Vec::new(),
        combined: Vec::new(),
        unknown: Vec::new(),
        invalid: table.broken.clone(),
        skipped: Vec::new(),
        missing: 0,
        missing_examples: Vec::new(),
    };

    // Codes are checked before values: a row of an unknown territory is reported once, as such.
    let mut readings = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let code = row.fields.get(code_index).map(|c| c.trim()).unwrap_or("");
        let raw = row.fields.get(value_index).map(|v| v.trim()).unwrap_or("");
        if code.is_empty() {
            report.unknown.push(RowProblem {
                line: row.line,
                field: code_column.clone(),
                value: String::new(),
                reason: "code absent".to_owned(),
            });
            continue;
        }
        readings.push(Reading { line: row.line, code, raw });
    }

    let values = match options.level {
        IndicatorLevel::Commune => commune_values(territory, &readings, &value_column, &code_column, &mut report),
        IndicatorLevel::Epci => epci_values(territory, &readings, &value_column, &code_column, &mut report),
    };
    if values.is_empty() {
        return Err(AppError::Input(format!(
            "aucune valeur utilisable dans {file_name} ({} lignes : {} codes inconnus, {} valeurs non numériques, {} \
             lignes écartées) : rien n'a été enregistré{}",
            report.rows_read,
            report.unknown.len(),
            report.invalid.len(),
            report.skipped.len(),
            wrong_level_hint(territory, &readings, options.level)
        )));
    }
    report.skipped.sort_by_key(|problem| problem.line);
    report.values_stored = values.len();
    store.replace_indicator(&report.definition, &values)?;
    Ok(report)
}

/// Imports the fragility index of the demo, per commune and per EPCI, under the name "ifn", and
/// the illectronisme rates of seed 002 per EPCI.
pub fn load_demo_indicators(store: &dyn Store, territory: &Territory) -> AppResult<()> {
    for (bytes, file_name, level) in [
        (DEMO_IFN_COMMUNES, DEMO_IFN_COMMUNES_FILE, IndicatorLevel::Commune),
        (DEMO_IFN_EPCI, DEMO_IFN_EPCI_FILE, IndicatorLevel::Epci),
    ] {
        let options = IndicatorImport {
            name: DEMO_IFN_NAME.to_owned(),
            level,
            code_column: "code".to_owned(),
            value_column: Some("total".to_owned()),
            description: Some(DEMO_IFN_DESCRIPTION.to_owned()),
        };
        store_indicator(store, territory, bytes, file_name, &options)?;
    }
    let options = IndicatorImport {
        name: DEMO_ILLECTRONISME_NAME.to_owned(),
        level: IndicatorLevel::Epci,
        code_column: "code".to_owned(),
        value_column: Some("valeur".to_owned()),
        description: Some(DEMO_ILLECTRONISME_DESCRIPTION.to_owned()),
    };
    store_indicator(store, territory, DEMO_ILLECTRONISME, DEMO_ILLECTRONISME_FILE, &options)?;
    Ok(())
}

/// One data row with a code.
struct Reading<'a> {
    line: usize,
    code: &'a str,
    raw: &'a str,
}

impl Reading<'_> {
    /// A problem with this row's code.
    fn code_problem(&self, code_column: &str, reason: impl Into<String>) -> RowProblem {
        RowProblem {
            line: self.line,
            field: code_column.to_owned(),
            value: self.code.to_owned(),
            reason: reason.into(),
        }
    }
}

/// One row's contribution to a current commune's value.
struct Contribution {
    line: usize,
    code: String,
    kind: CodeKind,
    value: f64,
    population: Option<u32>,
}

fn commune_values(
    territory: &Territory,
    readings: &[Reading<'_>],
    value_column: &str,
    code_column: &str,
    report: &mut IndicatorReport,
) -> Vec<IndicatorValue> {
    let mut by_commune: BTreeMap<&str, Vec<Contribution>> = BTreeMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut empty: Vec<(usize, String, &Commune)> = Vec::new();
    for reading in readings {
        let Some(resolved) = territory.resolve_code_detail(reading.code) else {
            let reason = if territory.epci(reading.code).is_some() {
                "SIREN d'un EPCI, pas un code INSEE de commune : importez ce fichier au niveau EPCI".to_owned()
            } else {
                "code INSEE inconnu : ni commune actuelle, ni commune fusionnée, déléguée ou associée, ni \
                 arrondissement municipal"
                    .to_owned()
            };
            report.unknown.push(reading.code_problem(code_column, reason));
            continue;
        };
        let code = normalise_code(reading.code);
        if let Some(first) = seen.get(&code) {
            report.skipped.push(reading.code_problem(
                code_column,
                format!("code déjà donné ligne {first} : seule la première valeur est retenue"),
            ));
            continue;
        }
        seen.insert(code.clone(), reading.line);
        let commune = resolved.commune;
        if resolved.kind != CodeKind::Commune {
            report.remapped.push(RemappedCode {
                line: reading.line,
                code: code.clone(),
                kind: resolved.kind,
                former_name: resolved.name.map(str::to_owned),
                commune: commune.code_insee.clone(),
                commune_name: commune.name.clone(),
            });
        }
        if reading.raw.is_empty() {
            empty.push((reading.line, code, commune));
            continue;
        }
        let Some(value) = read_value(reading, value_column, report) else { continue };
        let population = match resolved.kind {
            CodeKind::Arrondissement => territory.arrondissement(&code).and_then(|a| a.population),
            _ => None,
        };
        by_commune.entry(commune.code_insee.as_str()).or_default().push(Contribution {
            line: reading.line,
            code,
            kind: resolved.kind,
            value,
            population,
        });
    }

    let mut values = Vec::with_capacity(by_commune.len());
    for (code, mut contributions) in by_commune {
        // A commune given as a whole already sums its arrondissements: adding them would count
        // the same people twice.
        if let Some(own) = contributions.iter().find(|c| c.kind == CodeKind::Commune).map(|c| c.line) {
            contributions.retain(|c| {
                let superseded = c.kind == CodeKind::Arrondissement;
                if superseded {
                    report.skipped.push(RowProblem {
                        line: c.line,
                        field: code_column.to_owned(),
                        value: c.code.clone(),
                        reason: format!("arrondissement écarté : la commune {code} a sa propre valeur (ligne {own})"),
                    });
                }
                !superseded
            });
        }
        let value = if contributions.len() == 1 {
            contributions[0].value
        } else {
            let weights: Option<Vec<f64>> = contributions.iter().map(|c| c.population.map(f64::from)).collect();
            let (value, weighted) = match weights.filter(|w| w.iter().sum::<f64>() > 0.0) {
                Some(weights) => {
                    let total: f64 = weights.iter().sum();
                    (contributions.iter().zip(&weights).map(|(c, w)| c.value * w).sum::<f64>() / total, true)
                }
                None => (contributions.iter().map(|c| c.value).sum::<f64>() / contributions.len() as f64, false),
            };
            report.combined.push(CombinedValue {
                code: code.to_owned(),
                name: territory.commune(code).map(|c| c.name.clone()).unwrap_or_default(),
                sources: contributions.iter().map(|c| c.code.clone()).collect(),
                weighted,
                value,
            });
            value
        };
        values.push(IndicatorValue { code: code.to_owned(), value });
    }

    let present: HashSet<&str> = values.iter().map(|v| v.code.as_str()).collect();
    // The IFN leaves Marseille's own row empty and gives its arrondissements: say whether the
    // commune got a value anyway, so nobody goes looking for a gap that is not there.
    for (line, code, commune) in empty {
        let outcome = if present.contains(commune.code_insee.as_str()) {
            format!("{} ({}) a sa valeur par les autres lignes qui s'y rattachent", commune.name, commune.code_insee)
        } else {
            format!("{} ({}) reste sans valeur", commune.name, commune.code_insee)
        };
        report.skipped.push(RowProblem {
            line,
            field: value_column.to_owned(),
            value: String::new(),
            reason: format!("pas de valeur pour {code} : {outcome}"),
        });
    }
    let missing = territory
        .communes()
        .iter()
        .filter(|c| !present.contains(c.code_insee.as_str()))
        .map(|c| (c.code_insee.as_str(), c.name.as_str(), c.population.map(u64::from).unwrap_or(0)));
    record_missing(report, missing);
    values
}

fn epci_values(
    territory: &Territory,
    readings: &[Reading<'_>],
    value_column: &str,
    code_column: &str,
    report: &mut IndicatorReport,
) -> Vec<IndicatorValue> {
    let mut by_siren: BTreeMap<String, (usize, f64)> = BTreeMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for reading in readings {
        let siren = reading.code.strip_suffix(".0").unwrap_or(reading.code);
        let Some(epci) = territory.epci(siren) else {
            let reason = if territory.resolve_code(siren).is_some() {
                "code INSEE d'une commune, pas un SIREN d'EPCI : importez ce fichier au niveau commune"
            } else if siren.eq_ignore_ascii_case("ZZZZZZZZZ") {
                "code de l'INSEE pour les communes hors EPCI (quelques îles), pas un EPCI"
            } else {
                "SIREN inconnu : pas un EPCI à fiscalité propre en vigueur (fusionné ou dissous depuis ?)"
            };
            report.unknown.push(reading.code_problem(code_column, reason.to_owned()));
            continue;
        };
        if let Some(first) = seen.get(&epci.siren) {
            report.skipped.push(reading.code_problem(
                code_column,
                format!("SIREN déjà donné ligne {first} : seule la première valeur est retenue"),
            ));
            continue;
        }
        seen.insert(epci.siren.clone(), reading.line);
        if let Some(value) = read_value(reading, value_column, report) {
            by_siren.insert(epci.siren.clone(), (reading.line, value));
        }
    }
    let missing = territory
        .epcis()
        .iter()
        .filter(|e| !by_siren.contains_key(&e.siren))
        .map(|e| (e.siren.as_str(), e.name.as_str(), e.population));
    record_missing(report, missing);
    by_siren.into_iter().map(|(code, (_, value))| IndicatorValue { code, value }).collect()
}

/// The value of a row, or `None` after reporting why there is none.
fn read_value(reading: &Reading<'_>, value_column: &str, report: &mut IndicatorReport) -> Option<f64> {
    if reading.raw.is_empty() {
        report.skipped.push(RowProblem {
            line: reading.line,
            field: value_column.to_owned(),
            value: String::new(),
            reason: format!("pas de valeur pour {}", reading.code),
        });
        return None;
    }
    let value = parse_number(reading.raw);
    if value.is_none() {
        report.invalid.push(RowProblem {
            line: reading.line,
            field: value_column.to_owned(),
            value: reading.raw.to_owned(),
            reason: "valeur non numérique (nombre attendu, virgule ou point décimal)".to_owned(),
        });
    }
    value
}

/// Counts the units without a value, keeping the first few by code (owned only those: a file
/// of one département leaves tens of thousands of communes without a value).
fn record_missing<'a>(report: &mut IndicatorReport, missing: impl Iterator<Item = (&'a str, &'a str, u64)>) {
    report.missing = 0;
    report.missing_examples.clear();
    for (code, name, population) in missing {
        report.missing += 1;
        if report.missing_examples.len() < MISSING_EXAMPLES {
            report.missing_examples.push(MissingUnit { code: code.to_owned(), name: name.to_owned(), population });
        }
    }
}

/// Says when the codes of a refused file belong to the other level.
fn wrong_level_hint(territory: &Territory, readings: &[Reading<'_>], level: IndicatorLevel) -> &'static str {
    let sample = readings.iter().take(50);
    let other = match level {
        IndicatorLevel::Commune => sample.filter(|r| territory.epci(r.code).is_some()).count(),
        IndicatorLevel::Epci => sample.filter(|r| territory.resolve_code(r.code).is_some()).count(),
    };
    match (level, other > 0) {
        (IndicatorLevel::Commune, true) => " ; les codes ressemblent à des SIREN d'EPCI : essayez le niveau epci",
        (IndicatorLevel::Epci, true) => " ; les codes ressemblent à des codes de communes : essayez le niveau commune",
        _ => "",
    }
}

/// An INSEE code as files write it, the way the territory reads it: trimmed, upper-case,
/// left-padded when a spreadsheet made it a number.
fn normalise_code(raw: &str) -> String {
    let code = raw.trim();
    let code = code.strip_suffix(".0").unwrap_or(code);
    if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) {
        return format!("0{code}");
    }
    code.to_ascii_uppercase()
}

/// Reads a number as French and English files write it: "4.5", "4,5", "1 234,5", "12 %".
/// Infinities and NaN are refused: they would poison every mean they enter.
pub fn parse_number(raw: &str) -> Option<f64> {
    let text = raw.trim();
    let text = text.strip_suffix('%').unwrap_or(text);
    let mut cleaned: String = text.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
    if cleaned.contains(',') {
        // "1.234,5" and "1,234.5" are ambiguous; better refused than misread.
        if cleaned.contains('.') || cleaned.matches(',').count() > 1 {
            return None;
        }
        cleaned = cleaned.replace(',', ".");
    }
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A CSV file read whole: it is read twice when the value column has to be guessed.
struct Table {
    headers: Vec<String>,
    rows: Vec<Row>,
    /// Lines the CSV reader could not split into fields.
    broken: Vec<RowProblem>,
}

struct Row {
    line: usize,
    fields: Vec<String>,
}

impl Table {
    fn read(bytes: &[u8], file_name: &str) -> AppResult<Table> {
        let mut info = maillage_formats::reader::FileInfo::default();
        let text = maillage_formats::reader::decode(bytes, &mut info)?;
        if text.trim().is_empty() {
            return Err(AppError::Input(format!("{file_name} est vide")));
        }
        let delimiter = maillage_formats::reader::sniff_delimiter(&text);
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|err| AppError::Input(format!("{file_name}, ligne 1 : en-tête illisible ({})", csv_reason(&err))))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let mut rows = Vec::new();
        let mut broken = Vec::new();
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    if record.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
                    rows.push(Row { line, fields: record.iter().map(str::to_owned).collect() });
                }
                Err(err) => {
                    let line = err.position().map(|p| p.line() as usize).unwrap_or(0);
                    broken.push(RowProblem {
                        line,
                        field: String::new(),
                        value: String::new(),
                        reason: format!("ligne illisible ({})", csv_reason(&err)),
                    });
                    if !matches!(err.kind(), csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }) {
                        break;
                    }
                }
            }
        }
        Ok(Table { headers, rows, broken })
    }

    /// A column by name: exactly, else ignoring case, accents and punctuation.
    fn column(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        self.headers.iter().position(|h| h == name).or_else(|| {
            let folded = fold(name);
            self.headers.iter().position(|h| fold(h) == folded)
        })
    }

    fn default_value_column(&self, code_index: usize, file_name: &str) -> AppResult<usize> {
        if let Some(index) = DEFAULT_VALUE_COLUMNS
            .iter()
            .find_map(|name| (0..self.headers.len()).find(|&i| i != code_index && fold(&self.headers[i]) == *name))
        {
            return Ok(index);
        }
        let numeric: Vec<usize> = (0..self.headers.len())
            .filter(|&i| i != code_index)
            .filter(|&i| {
                // A majority, not all: the bad values of a numeric column are for the report,
                // not a reason to miss the column.
                let (mut filled, mut numbers) = (0usize, 0usize);
                for cell in self.rows.iter().filter_map(|r| r.fields.get(i)).map(|f| f.trim()).filter(|f| !f.is_empty())
                {
                    filled += 1;
                    numbers += usize::from(parse_number(cell).is_some());
                }
                numbers > 0 && numbers * 2 > filled
            })
            .collect();
        match numeric.as_slice() {
            [only] => Ok(*only),
            _ => {
                let names = |indices: &[usize]| {
                    indices.iter().map(|&i| self.headers[i].as_str()).collect::<Vec<_>>().join(", ")
                };
                let all: Vec<usize> = (0..self.headers.len()).collect();
                Err(AppError::Input(format!(
                    "colonne des valeurs à préciser pour {file_name} : ni « total », ni « valeur », et {} ; colonnes : {}",
                    if numeric.is_empty() {
                        "aucune colonne numérique".to_owned()
                    } else {
                        format!("plusieurs colonnes numériques ({})", names(&numeric))
                    },
                    names(&all)
                )))
            }
        }
    }
}

// ---- aggregation

/// The level values are aggregated to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AggregateLevel {
    Epci,
    Bassin,
    Departement,
    Region,
}

impl AggregateLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AggregateLevel::Epci => "epci",
            AggregateLevel::Bassin => "bassin",
            AggregateLevel::Departement => "departement",
            AggregateLevel::Region => "region",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match fold(text).as_str() {
            "epci" => Some(AggregateLevel::Epci),
            "bassin" | "bassins" | "bassin de vie" | "bv" => Some(AggregateLevel::Bassin),
            "departement" | "dep" => Some(AggregateLevel::Departement),
            "region" | "reg" => Some(AggregateLevel::Region),
            _ => None,
        }
    }

    /// The French name of the level, for people.
    pub fn label(self) -> &'static str {
        match self {
            AggregateLevel::Epci => "EPCI",
            AggregateLevel::Bassin => "bassin de vie",
            AggregateLevel::Departement => "département",
            AggregateLevel::Region => "région",
        }
    }
}

/// The value of one territory, aggregated from its communes' or EPCI's values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AggregateValue {
    /// EPCI SIREN, département or région code; the bassin's name for a bassin de vie.
    pub code: String,
    pub name: String,
    /// Mean of the values weighted by the population they stand for.
    pub value: f64,
    /// Population of the communes that have a value (directly or through their EPCI).
    pub population_covered: u64,
    /// Population of all the territory's communes.
    pub population_total: u64,
    /// Communes (or EPCI, for EPCI values) of the territory with a value.
    pub units_with_value: usize,
    /// Communes (or EPCI having a member commune there, for EPCI values) of the territory.
    pub units_total: usize,
    /// Communes with a value but no known population, hence left out of the mean.
    pub units_without_population: usize,
}

/// Aggregates values to a coarser level as means weighted by population.
///
/// Commune values weigh by each commune's population. EPCI values weigh by the population of
/// the EPCI's member communes inside the target territory: an EPCI spanning two départements,
/// or split between two bassins de vie, counts in each with the population it has there. A
/// bassin made of whole EPCI is therefore exact; a split EPCI lends its (EPCI-wide) value to
/// the part of it that lies in the bassin, an approximation the per-commune values avoid.
///
/// Territories where no value carries any population are left out of the result, which is
/// sorted by code (by name for bassins de vie).
pub fn aggregate(
    territory: &Territory,
    bassins: &BassinIndex,
    values: &[IndicatorValue],
    level: IndicatorLevel,
    to: AggregateLevel,
) -> Vec<AggregateValue> {
    #[derive(Default)]
    struct Sum<'a> {
        weighted: f64,
        covered: u64,
        total: u64,
        units: HashSet<&'a str>,
        with_value: HashSet<&'a str>,
        without_population: usize,
    }
    let by_code: HashMap<&str, f64> = values.iter().map(|v| (v.code.as_str(), v.value)).collect();
    let mut groups: BTreeMap<&str, Sum<'_>> = BTreeMap::new();
    for commune in territory.communes() {
        let Some(group) = group_of(bassins, commune, to) else { continue };
        let sum = groups.entry(group).or_default();
        let population = commune.population.map(u64::from);
        sum.total += population.unwrap_or(0);
        let unit = match level {
            IndicatorLevel::Commune => commune.code_insee.as_str(),
            // A commune outside any EPCI (a few islands) counts in the population but has no
            // unit that could carry a value.
            IndicatorLevel::Epci => match commune.siren_epci.as_deref() {
                Some(siren) => siren,
                None => continue,
            },
        };
        sum.units.insert(unit);
        let Some(&value) = by_code.get(unit) else { continue };
        sum.with_value.insert(unit);
        match population {
            Some(population) => {
                sum.weighted += value * population as f64;
                sum.covered += population;
            }
            None => sum.without_population += 1,
        }
    }
    groups
        .into_iter()
        .filter(|(_, sum)| sum.covered > 0)
        .map(|(code, sum)| AggregateValue {
            code: code.to_owned(),
            name: group_name(territory, code, to),
            value: sum.weighted / sum.covered as f64,
            population_covered: sum.covered,
            population_total: sum.total,
            units_with_value: sum.with_value.len(),
            units_total: sum.units.len(),
            units_without_population: sum.without_population,
        })
        .collect()
}

fn group_of<'a>(bassins: &'a BassinIndex, commune: &'a Commune, to: AggregateLevel) -> Option<&'a str> {
    match to {
        AggregateLevel::Epci => commune.siren_epci.as_deref(),
        AggregateLevel::Bassin => bassins.bassin_of(&commune.code_insee),
        AggregateLevel::Departement => Some(&commune.code_departement),
        AggregateLevel::Region => Some(&commune.code_region),
    }
}

fn group_name(territory: &Territory, code: &str, to: AggregateLevel) -> String {
    match to {
        AggregateLevel::Epci => territory.epci(code).map(|e| e.name.clone()),
        AggregateLevel::Bassin => Some(code.to_owned()),
        AggregateLevel::Departement => territory.departement(code).map(|d| d.name.clone()),
        AggregateLevel::Region => territory.region(code).map(|r| r.name.clone()),
    }
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::OnceLock;

    use maillage_store::{BassinMember, MemberKind};
    use maillage_store_sqlite::SqliteStore;

    use super::*;

    fn territory() -> &'static Territory {
        static TERRITORY: OnceLock<Territory> = OnceLock::new();
        TERRITORY.get_or_init(Territory::embedded)
    }

    fn options(level: IndicatorLevel, value_column: Option<&str>) -> IndicatorImport {
        IndicatorImport {
            name: "test".to_owned(),
            level,
            code_column: "code".to_owned(),
            value_column: value_column.map(str::to_owned),
            description: None,
        }
    }

    fn value_of(values: &[IndicatorValue], code: &str) -> Option<f64> {
        values.iter().find(|v| v.code == code).map(|v| v.value)
    }

    fn population(code: &str) -> f64 {
        f64::from(territory().commune(code).and_then(|c| c.population).expect("a populated commune"))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    // Lines: 75101 and 75102 are arrondissements of Paris; 18131 is the former code of a commune
    // merged into Osmery (18173); 18123 was merged into Baugy (18023), which is also given.
    const COMMUNES_CSV: &str = "nom;code;score\n\
        Paris 1er;75101;2,5\n\
        Paris 2e;75102;3,5\n\
        Ancienne commune;18131;4\n\
        Inconnue;99999;5\n\
        Bourges;18033;abc\n\
        Baugy;18023;6\n\
        Ancienne Baugy;18123;8\n\
        Vierzon;18279;\n\
        Vierzon encore;18279;9\n";

    #[test]
    fn commune_file_maps_old_codes_combines_and_reports() {
        let store = SqliteStore::in_memory().unwrap();
        let report = store_indicator(
            &store,
            territory(),
            COMMUNES_CSV.as_bytes(),
            "essai.csv",
            &options(IndicatorLevel::Commune, None),
        )
        .unwrap();
        assert_eq!(report.value_column, "score", "the only numeric column besides the codes");
        assert_eq!(report.rows_read, 9);

        let values = store.indicator_values("test", IndicatorLevel::Commune).unwrap();
        assert_eq!(report.values_stored, values.len());
        let codes: Vec<&str> = values.iter().map(|v| v.code.as_str()).collect();
        assert_eq!(codes, ["18023", "18173", "75056"]);

        // Paris from its arrondissements, weighted by their populations (15,114 and 19,847).
        let (p1, p2) = (15_114.0, 19_847.0);
        assert_eq!(territory().arrondissement("75101").unwrap().population, Some(15_114));
        assert_eq!(territory().arrondissement("75102").unwrap().population, Some(19_847));
        assert!(close(value_of(&values, "75056").unwrap(), (2.5 * p1 + 3.5 * p2) / (p1 + p2)));
        // Baugy and the commune merged into it: their own populations are unknown, plain mean.
        assert!(close(value_of(&values, "18023").unwrap(), 7.0));
        assert!(close(value_of(&values, "18173").unwrap(), 4.0));

        let remapped: Vec<(&str, &str)> =
            report.remapped.iter().map(|r| (r.code.as_str(), r.commune.as_str())).collect();
        assert_eq!(remapped, [("75101", "75056"), ("75102", "75056"), ("18131", "18173"), ("18123", "18023")]);
        assert_eq!(report.remapped[0].kind, CodeKind::Arrondissement);

        let combined: Vec<(&str, bool, usize)> =
            report.combined.iter().map(|c| (c.code.as_str(), c.weighted, c.sources.len())).collect();
        assert_eq!(combined, [("18023", false, 2), ("75056", true, 2)]);

        assert_eq!(report.unknown.len(), 1);
        assert_eq!((report.unknown[0].line, report.unknown[0].value.as_str()), (5, "99999"));
        assert!(report.unknown[0].reason.contains("inconnu"));
        assert_eq!(report.invalid.len(), 1);
        let invalid = &report.invalid[0];
        assert_eq!((invalid.line, invalid.field.as_str(), invalid.value.as_str()), (6, "score", "abc"));
        assert!(invalid.reason.contains("non numérique"));
        // Vierzon: an empty value, then the same code again (the first row wins, empty or not).
        let skipped: Vec<usize> = report.skipped.iter().map(|s| s.line).collect();
        assert_eq!(skipped, [9, 10]);

        assert_eq!(report.missing, territory().communes().len() - 3);
        assert_eq!(report.missing_examples.len(), MISSING_EXAMPLES);
        assert_eq!(report.missing_examples[0].code, "01001");

        let definitions = store.indicators().unwrap();
        assert_eq!(definitions.len(), 1);
        assert_eq!(definitions[0].description, "colonne « score » de essai.csv");
    }

    #[test]
    fn a_commune_given_whole_wins_over_its_arrondissements() {
        let store = SqliteStore::in_memory().unwrap();
        let csv = "code,valeur\n75056,3\n75101,9\n";
        let report =
            store_indicator(&store, territory(), csv.as_bytes(), "p.csv", &options(IndicatorLevel::Commune, None))
                .unwrap();
        assert_eq!(report.value_column, "valeur");
        let values = store.indicator_values("test", IndicatorLevel::Commune).unwrap();
        assert_eq!(values, [IndicatorValue { code: "75056".to_owned(), value: 3.0 }]);
        assert_eq!(report.skipped.len(), 1);
        assert!(report.combined.is_empty());
    }

    #[test]
    fn epci_file_gzip_with_unknown_and_commune_codes() {
        let store = SqliteStore::in_memory().unwrap();
        let csv = "nom,siren,taux,total\nBourges Plus,241800507,12,\"4,5\"\nFantôme,200000001,1,2\nBourges,18033,1,2\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(csv.as_bytes()).unwrap();
        let bytes = gz.finish().unwrap();
        let options = IndicatorImport { code_column: "SIREN".to_owned(), ..options(IndicatorLevel::Epci, None) };
        let report = store_indicator(&store, territory(), &bytes, "epci.csv.gz", &options).unwrap();
        assert_eq!((report.code_column.as_str(), report.value_column.as_str()), ("siren", "total"));
        let values = store.indicator_values("test", IndicatorLevel::Epci).unwrap();
        assert_eq!(values, [IndicatorValue { code: "241800507".to_owned(), value: 4.5 }]);
        assert_eq!(report.unknown.len(), 2);
        assert!(report.unknown[0].reason.contains("SIREN inconnu"));
        assert!(report.unknown[1].reason.contains("niveau commune"));
        assert_eq!(report.missing, territory().epcis().len() - 1);
    }

    #[test]
    fn unusable_files_store_nothing() {
        let store = SqliteStore::in_memory().unwrap();
        let commune = options(IndicatorLevel::Commune, None);
        let no_code = store_indicator(&store, territory(), b"insee,total\n18033,1\n", "a.csv", &commune);
        assert!(matches!(no_code, Err(AppError::Input(m)) if m.contains("colonne des codes « code » absente")));

        let two_numbers = store_indicator(&store, territory(), b"code,a,b\n18033,1,2\n", "b.csv", &commune);
        assert!(matches!(two_numbers, Err(AppError::Input(m)) if m.contains("plusieurs colonnes numériques (a, b)")));

        let named = options(IndicatorLevel::Commune, Some("c"));
        let no_value = store_indicator(&store, territory(), b"code,a,b\n18033,1,2\n", "c.csv", &named);
        assert!(matches!(no_value, Err(AppError::Input(m)) if m.contains("« c » absente")));

        let wrong_level = store_indicator(&store, territory(), b"code,total\n241800507,1\n", "d.csv", &commune);
        assert!(matches!(wrong_level, Err(AppError::Input(m)) if m.contains("niveau epci")));

        assert!(store.indicators().unwrap().is_empty());
    }

    #[test]
    fn reimport_replaces_the_values() {
        let store = SqliteStore::in_memory().unwrap();
        let commune = options(IndicatorLevel::Commune, None);
        store_indicator(&store, territory(), b"code,total\n18033,1\n18279,2\n", "a.csv", &commune).unwrap();
        store_indicator(&store, territory(), b"code;total\n18033;3\n", "b.csv", &commune).unwrap();
        let values = store.indicator_values("test", IndicatorLevel::Commune).unwrap();
        assert_eq!(values, [IndicatorValue { code: "18033".to_owned(), value: 3.0 }]);
        assert_eq!(store.indicators().unwrap()[0].source_file, "b.csv");
    }

    #[test]
    fn numbers_as_files_write_them() {
        assert_eq!(parse_number("4,5"), Some(4.5));
        assert_eq!(parse_number(" 1 234,5 "), Some(1234.5));
        assert_eq!(parse_number("12 %"), Some(12.0));
        assert_eq!(parse_number("-0.25"), Some(-0.25));
        assert_eq!(parse_number("1.234,5"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("n.d."), None);
    }

    fn commune_values_bourges_vierzon_baugy() -> Vec<IndicatorValue> {
        [("18023", 8.0), ("18033", 4.0), ("18279", 6.0)]
            .iter()
            .map(|(code, value)| IndicatorValue { code: (*code).to_owned(), value: *value })
            .collect()
    }

    #[test]
    fn commune_values_weigh_by_population() {
        let t = territory();
        let values = commune_values_bourges_vierzon_baugy();
        let (bourges, vierzon, baugy) = (population("18033"), population("18279"), population("18023"));
        assert_eq!((bourges, vierzon, baugy), (64_186.0, 25_068.0, 1_598.0));
        let expected = (4.0 * bourges + 6.0 * vierzon + 8.0 * baugy) / (bourges + vierzon + baugy);

        let departements =
            aggregate(t, &BassinIndex::default(), &values, IndicatorLevel::Commune, AggregateLevel::Departement);
        assert_eq!(departements.len(), 1);
        let cher = &departements[0];
        assert_eq!((cher.code.as_str(), cher.name.as_str()), ("18", "Cher"));
        assert!(close(cher.value, expected));
        assert_eq!(cher.population_covered, 90_852);
        assert_eq!(cher.units_with_value, 3);
        assert_eq!(cher.units_total, t.departement_communes("18").count());
        let cher_population: u64 = t.departement_communes("18").filter_map(|c| c.population).map(u64::from).sum();
        assert_eq!(cher.population_total, cher_population);

        let regions = aggregate(t, &BassinIndex::default(), &values, IndicatorLevel::Commune, AggregateLevel::Region);
        assert_eq!(regions.len(), 1);
        assert_eq!((regions[0].code.as_str(), regions[0].name.as_str()), ("24", "Centre-Val de Loire"));
        assert!(close(regions[0].value, expected));

        // Bourges alone in CA Bourges Plus; Baugy alone in its CC.
        let epcis = aggregate(t, &BassinIndex::default(), &values, IndicatorLevel::Commune, AggregateLevel::Epci);
        let codes: Vec<&str> = epcis.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["200090561", "241800374", "241800507"]);
        let bourges_plus = &epcis[2];
        assert!(close(bourges_plus.value, 4.0));
        assert_eq!((bourges_plus.population_covered, bourges_plus.population_total), (64_186, 102_130));
        assert_eq!((bourges_plus.units_with_value, bourges_plus.units_total), (1, 17));

        // Two bassins: Bourges Plus as a whole, Vierzon on its own; Baugy is in none.
        let members = [
            BassinMember {
                bassin: "Bourges".to_owned(),
                departement: "18".to_owned(),
                kind: MemberKind::Epci,
                code: "241800507".to_owned(),
            },
            BassinMember {
                bassin: "Vierzon".to_owned(),
                departement: "18".to_owned(),
                kind: MemberKind::Commune,
                code: "18279".to_owned(),
            },
        ];
        let index = BassinIndex::new(&members, t);
        let bassins = aggregate(t, &index, &values, IndicatorLevel::Commune, AggregateLevel::Bassin);
        let found: Vec<(&str, f64, u64)> =
            bassins.iter().map(|b| (b.code.as_str(), b.value, b.population_covered)).collect();
        assert_eq!(found, [("Bourges", 4.0, 64_186), ("Vierzon", 6.0, 25_068)]);
        assert_eq!(bassins[0].population_total, 102_130);
    }

    #[test]
    fn epci_values_split_across_departements_by_population() {
        let t = territory();
        // CC du Pays d'Issoudun has 2,027 inhabitants in the Cher and 16,869 in the Indre.
        let values = vec![
            IndicatorValue { code: "241800507".to_owned(), value: 4.0 },
            IndicatorValue { code: "243600236".to_owned(), value: 7.0 },
        ];
        let departements =
            aggregate(t, &BassinIndex::default(), &values, IndicatorLevel::Epci, AggregateLevel::Departement);
        let codes: Vec<&str> = departements.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["18", "36"]);
        let (cher, indre) = (&departements[0], &departements[1]);
        assert!(close(cher.value, (4.0 * 102_130.0 + 7.0 * 2_027.0) / (102_130.0 + 2_027.0)));
        assert_eq!(cher.population_covered, 104_157);
        assert_eq!(cher.units_with_value, 2);
        assert_eq!(cher.units_total, t.departement_epcis("18").count());
        assert!(close(indre.value, 7.0));
        assert_eq!((indre.population_covered, indre.units_with_value), (16_869, 1));

        // From EPCI to EPCI: the same value, with the population it stands for.
        let epcis = aggregate(t, &BassinIndex::default(), &values, IndicatorLevel::Epci, AggregateLevel::Epci);
        assert_eq!(epcis.len(), 2);
        assert!(close(epcis[1].value, 7.0));
        assert_eq!(epcis[1].population_covered, t.epci("243600236").unwrap().population);
    }

    #[test]
    fn demo_fragility_index_loads() {
        let store = SqliteStore::in_memory().unwrap();
        load_demo_indicators(&store, territory()).unwrap();
        let definitions = store.indicators().unwrap();
        let levels: Vec<(&str, IndicatorLevel)> = definitions.iter().map(|d| (d.name.as_str(), d.level)).collect();
        // The IFN at both levels, and seed 002's illectronisme rates of three Chinon EPCI.
        assert_eq!(
            levels,
            [("ifn", IndicatorLevel::Commune), ("ifn", IndicatorLevel::Epci), ("illectronisme", IndicatorLevel::Epci)]
        );

        let options = IndicatorImport {
            name: "ifn".to_owned(),
            level: IndicatorLevel::Commune,
            code_column: "code".to_owned(),
            value_column: None,
            description: None,
        };
        let report = store_indicator(&store, territory(), DEMO_IFN_COMMUNES, DEMO_IFN_COMMUNES_FILE, &options).unwrap();
        assert_eq!((report.rows_read, report.values_stored), (35_008, 34_867));
        let count = |kind| report.remapped.iter().filter(|r| r.kind == kind).count();
        assert_eq!(
            (count(CodeKind::Arrondissement), count(CodeKind::CommuneDeleguee), count(CodeKind::AncienCode)),
            (45, 85, 17)
        );
        assert_eq!(report.combined.len(), 77);
        let weighted: Vec<&str> = report.combined.iter().filter(|c| c.weighted).map(|c| c.code.as_str()).collect();
        assert_eq!(weighted, ["13055", "69123", "75056"]);
        assert!((report.unknown.len(), report.invalid.len()) == (0, 0));
        // Marseille's own row and the former code of Les Trois Lacs are empty in the IFN.
        let empty: Vec<&str> = report.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            empty,
            [
                "pas de valeur pour 13055 : Marseille (13055) a sa valeur par les autres lignes qui s'y rattachent",
                "pas de valeur pour 27058 : Les Trois Lacs (27676) reste sans valeur"
            ]
        );
        // Overseas collectivities the IFN leaves out, communes restored since 2023, Les Trois Lacs.
        assert_eq!(report.missing, 102);
        assert_eq!(report.missing_examples[0].code, "15031");

        let options = IndicatorImport { level: IndicatorLevel::Epci, ..options };
        let epci = store_indicator(&store, territory(), DEMO_IFN_EPCI, DEMO_IFN_EPCI_FILE, &options).unwrap();
        assert_eq!((epci.rows_read, epci.values_stored, epci.unknown.len(), epci.missing), (1_255, 1_250, 5, 5));
        assert!(epci.unknown[4].reason.contains("hors EPCI"));
    }
}
