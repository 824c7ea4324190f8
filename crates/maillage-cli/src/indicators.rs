//! `maillage indicators …`: import a CSV of values per commune or per EPCI (the fragility
//! index or any other), list the indicators, show one per commune or aggregated to EPCI,
//! bassin de vie, département or région.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use maillage_app::context::Context;
use maillage_app::coverage::indicators::{
    aggregate, import_indicator, AggregateLevel, IndicatorImport, IndicatorReport, RowProblem,
};
use maillage_app::territory::BassinIndex;
use maillage_store::{IndicatorLevel, Store};
use maillage_territory::Territory;

use crate::database::operator;
use crate::error::{CliError, CliResult};

/// How many problem lines an import prints; the counts above them are complete.
const PROBLEM_LINES: usize = 40;
/// How many examples of remapped codes, combined values and missing territories it prints.
const EXAMPLES: usize = 10;

#[derive(Subcommand)]
pub enum IndicatorsCommand {
    /// Importe un CSV de valeurs par commune ou par EPCI (remplace l'indicateur de même nom et niveau).
    Import {
        file: PathBuf,
        /// Niveau des codes du fichier : commune (code INSEE) ou epci (SIREN).
        #[arg(long)]
        level: String,
        /// Colonne des codes INSEE ou des SIREN.
        #[arg(long)]
        code_column: String,
        /// Nom court de l'indicateur (ex. ifn).
        #[arg(long)]
        name: String,
        /// Colonne des valeurs (par défaut « total », « valeur » ou « value », sinon la seule colonne numérique).
        #[arg(long)]
        value_column: Option<String>,
        /// Description de l'indicateur.
        #[arg(long)]
        description: Option<String>,
    },
    /// Liste les indicateurs importés.
    List,
    /// Affiche un indicateur par commune, ou agrégé (moyenne pondérée par la population).
    Show {
        name: String,
        /// Niveau des valeurs importées : commune ou epci.
        #[arg(long, default_value = "commune")]
        level: String,
        /// Niveau d'affichage : commune, epci, bassin, departement ou region (par défaut : celui des valeurs).
        #[arg(long)]
        by: Option<String>,
        /// Écrit le tableau en CSV (code,nom,valeur,population_couverte,population_totale) dans ce fichier.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(command: &IndicatorsCommand, store: &dyn Store, territory: &Territory) -> CliResult<ExitCode> {
    match command {
        IndicatorsCommand::Import { file, level, code_column, name, value_column, description } => {
            let options = IndicatorImport {
                name: name.clone(),
                level: parse_level(level)?,
                code_column: code_column.clone(),
                value_column: value_column.clone(),
                description: description.clone(),
            };
            let bytes = std::fs::read(file).map_err(CliError::reading(file))?;
            let ctx = Context::new(store);
            let report = import_indicator(&ctx, &operator(), territory, &bytes, &file.to_string_lossy(), &options)?;
            print_report(&report);
            Ok(ExitCode::SUCCESS)
        }
        IndicatorsCommand::List => {
            let definitions = store.indicators()?;
            if definitions.is_empty() {
                say!("Aucun indicateur : importez-en un avec « maillage indicators import ».");
            }
            for definition in definitions {
                let count = store.indicator_values(&definition.name, definition.level)?.len();
                say!(
                    "{}\t{}\t{} valeurs\timporté le {}\t{}\t{}",
                    definition.name,
                    definition.level.as_str(),
                    count,
                    definition.imported_at.format("%Y-%m-%d %H:%M"),
                    definition.source_file,
                    definition.description
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        IndicatorsCommand::Show { name, level, by, out } => {
            let level = parse_level(level)?;
            let values = store.indicator_values(name, level)?;
            if values.is_empty() {
                let known: Vec<String> =
                    store.indicators()?.iter().map(|d| format!("{} ({})", d.name, d.level.as_str())).collect();
                return Err(CliError::Usage(format!(
                    "aucun indicateur « {name} » au niveau {} (indicateurs : {})",
                    level.as_str(),
                    if known.is_empty() { "aucun".to_owned() } else { known.join(", ") }
                )));
            }
            let by = by.as_deref().map(|b| b.trim().to_lowercase());
            let rows = match by.as_deref() {
                Some("commune" | "communes") | None if level == IndicatorLevel::Commune => {
                    commune_rows(territory, &values)
                }
                Some("commune" | "communes") => {
                    return Err(CliError::Usage(format!(
                        "« {name} » est donné par EPCI : pas de détail par commune (--by epci, bassin, departement ou \
                         region)"
                    )))
                }
                other => {
                    let to = match other {
                        None => AggregateLevel::Epci,
                        Some(text) => AggregateLevel::parse(text).ok_or_else(|| {
                            CliError::Usage(format!(
                                "niveau d'affichage inconnu « {text} » (commune, epci, bassin, departement ou region)"
                            ))
                        })?,
                    };
                    let members = store.bassins()?;
                    if to == AggregateLevel::Bassin && members.is_empty() {
                        return Err(CliError::Usage(
                            "aucun bassin de vie configuré (voir « maillage bassins »)".to_owned(),
                        ));
                    }
                    let bassins = BassinIndex::new(&members, territory);
                    let aggregated = aggregate(territory, &bassins, &values, level, to);
                    let expected = match to {
                        AggregateLevel::Epci => territory.epcis().len(),
                        AggregateLevel::Bassin => bassins.bassins().len(),
                        AggregateLevel::Departement => territory.departements().len(),
                        AggregateLevel::Region => territory.regions().len(),
                    };
                    if aggregated.len() < expected && out.is_none() {
                        note!(
                            "{} territoires ({}) sur {expected} sans aucune valeur, non affichés.",
                            expected - aggregated.len(),
                            to.label()
                        );
                    }
                    let unit = if level == IndicatorLevel::Commune { "communes" } else { "EPCI" };
                    aggregated
                        .into_iter()
                        .map(|a| Row {
                            code: a.code,
                            name: a.name,
                            value: a.value,
                            covered: a.population_covered,
                            total: a.population_total,
                            units: format!("{}/{} {unit}", a.units_with_value, a.units_total),
                        })
                        .collect()
                }
            };
            match out {
                Some(path) => {
                    write_csv(path, &rows)?;
                    say!("{} lignes écrites dans {}.", rows.len(), path.display());
                }
                None => print_table(&rows),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn parse_level(text: &str) -> CliResult<IndicatorLevel> {
    IndicatorLevel::parse(&text.trim().to_lowercase())
        .ok_or_else(|| CliError::Usage(format!("niveau inconnu « {text} » (commune ou epci)")))
}

/// One line of `show`, whatever the level.
struct Row {
    code: String,
    name: String,
    value: f64,
    covered: u64,
    total: u64,
    /// "12/15 communes", empty for a commune's own value.
    units: String,
}

fn commune_rows(territory: &Territory, values: &[maillage_store::IndicatorValue]) -> Vec<Row> {
    values
        .iter()
        .map(|v| {
            let commune = territory.commune(&v.code);
            let population = commune.and_then(|c| c.population).map(u64::from).unwrap_or(0);
            Row {
                code: v.code.clone(),
                name: commune.map(|c| c.name.clone()).unwrap_or_default(),
                value: v.value,
                covered: population,
                total: population,
                units: String::new(),
            }
        })
        .collect()
}

fn print_table(rows: &[Row]) {
    let line = |code: &str, name: &str, value: &str, covered: &str, total: &str, units: &str| {
        let text = format!("{code:<10} {:<40} {value:>8} {covered:>12} {total:>12}  {units}", truncate(name, 40));
        text.trim_end().to_owned()
    };
    say!("{}", line("code", "nom", "valeur", "pop. couv.", "pop. totale", "avec valeur"));
    for row in rows {
        say!(
            "{}",
            line(
                &row.code,
                &row.name,
                &french_decimal(row.value, 2),
                &row.covered.to_string(),
                &row.total.to_string(),
                &row.units
            )
        );
    }
}

fn write_csv(path: &Path, rows: &[Row]) -> CliResult<()> {
    let fail = |err: csv::Error| CliError::Csv { path: Some(path.to_owned()), err };
    let mut writer = csv::Writer::from_path(path).map_err(fail)?;
    writer.write_record(["code", "nom", "valeur", "population_couverte", "population_totale"]).map_err(fail)?;
    for row in rows {
        // Full precision and a decimal point: the file is for other programs.
        // Names come from files and the hub's bassins: never a formula in a spreadsheet.
        maillage_formats::spreadsheet::write_safe_record(
            &mut writer,
            [row.code.clone(), row.name.clone(), row.value.to_string(), row.covered.to_string(), row.total.to_string()],
        )
        .map_err(fail)?;
    }
    writer.flush().map_err(CliError::writing(path))
}

fn print_report(report: &IndicatorReport) {
    let definition = &report.definition;
    say!(
        "Indicateur « {} » ({}), fichier {} : colonne des codes « {} », des valeurs « {} »",
        definition.name,
        definition.level.as_str(),
        definition.source_file,
        report.code_column,
        report.value_column
    );
    let units = match definition.level {
        IndicatorLevel::Commune => "communes actuelles",
        IndicatorLevel::Epci => "EPCI actuels",
    };
    say!("  lignes lues : {}  valeurs enregistrées : {}", report.rows_read, report.values_stored);
    if definition.level == IndicatorLevel::Commune {
        say!(
            "  codes anciens ou d'arrondissement rattachés : {}  communes aux valeurs combinées : {}",
            report.remapped.len(),
            report.combined.len()
        );
    }
    say!(
        "  codes inconnus : {}  valeurs non numériques : {}  lignes écartées : {}",
        report.unknown.len(),
        report.invalid.len(),
        report.skipped.len()
    );
    say!("  {units} sans valeur : {}", report.missing);

    for remapped in report.remapped.iter().take(EXAMPLES) {
        let former = remapped.former_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        say!(
            "  ligne {} : {}{former}, {} → {} {}",
            remapped.line,
            remapped.code,
            code_kind_label(remapped.kind),
            remapped.commune,
            remapped.commune_name
        );
    }
    if report.remapped.len() > EXAMPLES {
        say!("  … et {} autres codes rattachés", report.remapped.len() - EXAMPLES);
    }
    for combined in report.combined.iter().take(EXAMPLES) {
        say!(
            "  {} {} : {} valeurs combinées ({}), {} — {}",
            combined.code,
            combined.name,
            combined.sources.len(),
            combined.sources.join(", "),
            if combined.weighted { "moyenne pondérée par la population" } else { "moyenne simple" },
            french_decimal(combined.value, 2)
        );
    }
    if report.combined.len() > EXAMPLES {
        say!("  … et {} autres communes aux valeurs combinées", report.combined.len() - EXAMPLES);
    }
    let mut problems: Vec<&RowProblem> = report.unknown.iter().chain(&report.invalid).chain(&report.skipped).collect();
    problems.sort_by_key(|p| p.line);
    for problem in problems.iter().take(PROBLEM_LINES) {
        say!("  ligne {}, {} : « {} » — {}", problem.line, problem.field, problem.value, problem.reason);
    }
    if problems.len() > PROBLEM_LINES {
        say!("  … et {} autres lignes", problems.len() - PROBLEM_LINES);
    }
    if !report.missing_examples.is_empty() {
        let examples: Vec<String> =
            report.missing_examples.iter().take(EXAMPLES).map(|m| format!("{} {}", m.code, m.name)).collect();
        let more = if report.missing > examples.len() { ", …" } else { "" };
        say!("  sans valeur : {}{more}", examples.join(", "));
    }
}

fn code_kind_label(kind: maillage_territory::CodeKind) -> &'static str {
    use maillage_territory::CodeKind;
    match kind {
        CodeKind::Commune => "commune",
        CodeKind::Arrondissement => "arrondissement municipal",
        CodeKind::CommuneDeleguee => "commune déléguée",
        CodeKind::CommuneAssociee => "commune associée",
        CodeKind::AncienCode => "ancien code",
    }
}

fn french_decimal(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$}").replace('.', ",")
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(width - 1).collect();
        out.push('…');
        out
    }
}
