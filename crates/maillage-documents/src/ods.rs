//! OpenDocument spreadsheets (ODS) for the hub's team and its funders, in French formats.
//!
//! Every table Maillage hands out as a workbook (projects with their needs, registrants, the
//! activity log, a bilan's figures) is built here, so one place decides how a number, an amount,
//! a date or a percentage looks in LibreOffice or Excel: `1 234`, `1 234,50 €`, `12,5 %`,
//! `05/03/2024`, `05/03/2024 14:30`. The values are typed (a number stays a number a funder can
//! sum), and text is always written as a text cell, never as a formula, so a value taken from an
//! imported file (`=HYPERLINK(…)`) cannot run in the spreadsheet: unlike CSV, no prefixing is
//! needed.

use chrono::{NaiveDate, NaiveDateTime};
use icu_locale_core::{locale, Locale};
use spreadsheet_ods::format::FormatNumberStyle;
use spreadsheet_ods::{
    CellStyle, CellStyleRef, Length, Sheet, Value, ValueFormatCurrency, ValueFormatDateTime, ValueFormatNumber,
    ValueFormatPercentage, ValueFormatRef, WorkBook,
};

/// The formats are declared in French: spreadsheet programs take the separators (a space for
/// thousands, a comma for decimals) from the format's language, whatever the reader's settings.
const FRENCH: Locale = locale!("fr-FR");

/// Spreadsheet programs refuse these characters in a sheet's name, and Excel names longer than 31.
const FORBIDDEN_IN_SHEET_NAMES: &[char] = &['[', ']', '*', '?', ':', '/', '\\', '\''];
const SHEET_NAME_MAX: usize = 31;

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OdsError {
    #[error("le classeur ne contient aucune feuille")]
    Empty,
    #[error("le classeur n'a pas pu être écrit : {0}")]
    Write(String),
}

/// One cell, typed: the type chooses the French format it is shown with.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A count: `1 234`.
    Integer(i64),
    /// A measure with two decimals: `1 234,50`.
    Decimal(f64),
    /// An amount in euros: `1 234,50 €`.
    Euros(f64),
    /// A ratio (0.125 is shown `12,5 %`).
    Percent(f64),
    /// A day: `05/03/2024`.
    Date(NaiveDate),
    /// A local wall-clock time (callers convert UTC instants to Europe/Paris first):
    /// `05/03/2024 14:30`.
    DateTime(NaiveDateTime),
}

impl From<&str> for Cell {
    fn from(value: &str) -> Self {
        Cell::Text(value.to_owned())
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Self {
        Cell::Text(value)
    }
}

impl From<&String> for Cell {
    fn from(value: &String) -> Self {
        Cell::Text(value.clone())
    }
}

impl From<i64> for Cell {
    fn from(value: i64) -> Self {
        Cell::Integer(value)
    }
}

impl From<i32> for Cell {
    fn from(value: i32) -> Self {
        Cell::Integer(i64::from(value))
    }
}

impl From<u32> for Cell {
    fn from(value: u32) -> Self {
        Cell::Integer(i64::from(value))
    }
}

impl From<usize> for Cell {
    fn from(value: usize) -> Self {
        Cell::Integer(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl From<NaiveDate> for Cell {
    fn from(value: NaiveDate) -> Self {
        Cell::Date(value)
    }
}

impl From<NaiveDateTime> for Cell {
    fn from(value: NaiveDateTime) -> Self {
        Cell::DateTime(value)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

/// One sheet: a header row and rows of cells.
#[derive(Clone, Debug, Default)]
pub struct Table {
    name: String,
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    pub fn rows(&self) -> &[Vec<Cell>] {
        &self.rows
    }

    /// Appends a row; a row shorter than the header leaves the last cells empty.
    pub fn push(&mut self, row: Vec<Cell>) -> &mut Self {
        self.rows.push(row);
        self
    }
}

/// A workbook being built: sheets in the order they were added.
#[derive(Clone, Debug, Default)]
pub struct Workbook {
    tables: Vec<Table>,
}

impl Workbook {
    pub fn new() -> Self {
        Workbook::default()
    }

    /// Adds a sheet with its header row and returns it for its rows. The name is made
    /// acceptable to spreadsheet programs (forbidden characters replaced, 31 characters at most,
    /// never empty) and unique in the workbook (`Lieux`, `Lieux (2)`…).
    pub fn sheet<S: AsRef<str>>(&mut self, name: &str, headers: &[S]) -> &mut Table {
        let name = self.unique_name(name);
        self.tables.push(Table {
            name,
            headers: headers.iter().map(|header| header.as_ref().to_owned()).collect(),
            rows: Vec::new(),
        });
        self.tables.last_mut().expect("a sheet was just added")
    }

    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    fn unique_name(&self, wanted: &str) -> String {
        let cleaned: String = wanted
            .chars()
            .map(|c| if FORBIDDEN_IN_SHEET_NAMES.contains(&c) || c.is_control() { ' ' } else { c })
            .collect();
        let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        let base = if cleaned.is_empty() { "Feuille".to_owned() } else { truncate(&cleaned, SHEET_NAME_MAX) };
        let taken = |name: &str| self.tables.iter().any(|table| table.name.eq_ignore_ascii_case(name));
        if !taken(&base) {
            return base;
        }
        (2..)
            .map(|n| {
                let suffix = format!(" ({n})");
                format!("{}{suffix}", truncate(&base, SHEET_NAME_MAX - suffix.chars().count()))
            })
            .find(|name| !taken(name))
            .expect("some suffix is free")
    }

    /// The workbook as the bytes of an `.ods` file.
    pub fn to_bytes(&self) -> Result<Vec<u8>, OdsError> {
        let mut book = self.build()?;
        spreadsheet_ods::write_ods_buf(&mut book, Vec::new()).map_err(|err| OdsError::Write(err.to_string()))
    }

    fn build(&self) -> Result<WorkBook, OdsError> {
        if self.tables.is_empty() {
            return Err(OdsError::Empty);
        }
        let mut book = WorkBook::new_empty();
        let styles = Styles::declare(&mut book);
        for table in &self.tables {
            book.push_sheet(write_sheet(table, &styles));
        }
        Ok(book)
    }
}

/// Most rows and columns [`read_first_sheet`] reads: a file of totals or a list is far
/// smaller, and a sheet declaring a million repeated rows must not become a million strings.
const READ_MAX_ROWS: u32 = 10_000;
const READ_MAX_COLUMNS: u32 = 100;

/// The first sheet of an ODS file as rows of text, as a spreadsheet shows them to a person who
/// would retype them: text as written, whole numbers without decimals (`12`), other numbers
/// with a dot (`12.5`), dates as `AAAA-MM-JJ`, empty cells empty. Trailing empty rows are left
/// out. For imports that read CSV and ODS alike.
pub fn read_first_sheet(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let book = spreadsheet_ods::read_ods_buf(bytes).map_err(|err| format!("classeur ODS illisible : {err}"))?;
    if book.num_sheets() == 0 {
        return Err("le classeur ne contient aucune feuille".to_owned());
    }
    let sheet = book.sheet(0);
    let (rows, columns) = sheet.used_grid_size();
    if rows > READ_MAX_ROWS || columns > READ_MAX_COLUMNS {
        return Err(format!(
            "la première feuille est trop grande ({rows} lignes, {columns} colonnes ; {READ_MAX_ROWS} et {READ_MAX_COLUMNS} au plus)"
        ));
    }
    let mut read: Vec<Vec<String>> = (0..rows)
        .map(|row| {
            let mut cells: Vec<String> = (0..columns).map(|column| cell_text(sheet.value(row, column))).collect();
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            cells
        })
        .collect();
    while read.last().is_some_and(Vec::is_empty) {
        read.pop();
    }
    Ok(read)
}

fn cell_text(value: &Value) -> String {
    match value {
        Value::Empty => String::new(),
        Value::Boolean(b) => if *b { "vrai" } else { "faux" }.to_owned(),
        Value::Number(x) | Value::Percentage(x) | Value::Currency(x, _) => {
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{}", *x as i64)
            } else {
                x.to_string()
            }
        }
        Value::DateTime(at) if at.time() == chrono::NaiveTime::MIN => at.date().to_string(),
        Value::DateTime(at) => at.format("%Y-%m-%d %H:%M").to_string(),
        Value::TimeDuration(duration) => format!("{} min", duration.num_minutes()),
        Value::Text(_) | Value::TextXml(_) => value.as_cow_str_or("").into_owned(),
    }
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect::<String>().trim_end().to_owned()
}

/// The cell styles of every workbook, one per kind of value, each carrying its French format.
struct Styles {
    header: CellStyleRef,
    integer: CellStyleRef,
    decimal: CellStyleRef,
    euros: CellStyleRef,
    percent: CellStyleRef,
    date: CellStyleRef,
    datetime: CellStyleRef,
}

impl Styles {
    fn declare(book: &mut WorkBook) -> Styles {
        let mut integer = ValueFormatNumber::new_localized("maillage-entier", FRENCH);
        integer.part_number().min_integer_digits(1).decimal_places(0).grouping().build();
        let integer = book.add_number_format(integer);

        let mut decimal = ValueFormatNumber::new_localized("maillage-decimal", FRENCH);
        decimal.part_number().min_integer_digits(1).fixed_decimal_places(2).grouping().build();
        let decimal = book.add_number_format(decimal);

        // French writes the symbol after the amount, separated by a space: `1 234,50 €`.
        let mut euros = ValueFormatCurrency::new_localized("maillage-euros", FRENCH);
        euros.part_number().min_integer_digits(1).fixed_decimal_places(2).grouping().build();
        euros.part_text(" ").build();
        euros.part_currency().locale(FRENCH).symbol("€").build();
        let euros = book.add_currency_format(euros);

        // And a space before the percent sign: `12,5 %`.
        let mut percent = ValueFormatPercentage::new_localized("maillage-pourcent", FRENCH);
        percent.part_number().min_integer_digits(1).decimal_places(1).min_decimal_places(0).build();
        percent.part_text(" %").build();
        let percent = book.add_percentage_format(percent);

        let date = book.add_datetime_format(day_format("maillage-date", false));
        let datetime = book.add_datetime_format(day_format("maillage-date-heure", true));

        let mut header = CellStyle::new_empty();
        header.set_name("maillage-entete");
        header.set_font_bold();
        let header = book.add_cellstyle(header);

        let mut style = |name: &str, format: &ValueFormatRef| book.add_cellstyle(CellStyle::new(name, format));
        Styles {
            header,
            integer: style("maillage-cellule-entier", &integer),
            decimal: style("maillage-cellule-decimal", &decimal),
            euros: style("maillage-cellule-euros", &euros),
            percent: style("maillage-cellule-pourcent", &percent),
            date: style("maillage-cellule-date", &date),
            datetime: style("maillage-cellule-date-heure", &datetime),
        }
    }
}

/// `05/03/2024`, and `05/03/2024 14:30` with the time.
fn day_format(name: &str, with_time: bool) -> ValueFormatDateTime {
    let mut format = ValueFormatDateTime::new_localized(name, FRENCH);
    format.part_day().style(FormatNumberStyle::Long).build();
    format.part_text("/").build();
    format.part_month().style(FormatNumberStyle::Long).build();
    format.part_text("/").build();
    format.part_year().style(FormatNumberStyle::Long).build();
    if with_time {
        format.part_text(" ").build();
        format.part_hours().style(FormatNumberStyle::Long).build();
        format.part_text(":").build();
        format.part_minutes().style(FormatNumberStyle::Long).build();
    }
    format
}

fn write_sheet(table: &Table, styles: &Styles) -> Sheet {
    let mut sheet = Sheet::new(&table.name);
    let mut widths: Vec<usize> = table.headers.iter().map(|header| header.chars().count()).collect();
    for (col, header) in table.headers.iter().enumerate() {
        sheet.set_styled_value(0, col as u32, header.as_str(), &styles.header);
    }
    for (index, row) in table.rows.iter().enumerate() {
        let row_number = index as u32 + 1;
        for (col, cell) in row.iter().enumerate() {
            if widths.len() <= col {
                widths.resize(col + 1, 0);
            }
            widths[col] = widths[col].max(shown_width(cell));
            let col = col as u32;
            match cell {
                Cell::Empty => {}
                Cell::Text(text) => sheet.set_value(row_number, col, text.as_str()),
                Cell::Integer(n) => sheet.set_styled_value(row_number, col, *n as f64, &styles.integer),
                Cell::Decimal(x) => sheet.set_styled_value(row_number, col, *x, &styles.decimal),
                Cell::Euros(x) => {
                    sheet.set_styled_value(row_number, col, Value::new_currency("EUR", *x), &styles.euros)
                }
                Cell::Percent(x) => sheet.set_styled_value(row_number, col, Value::new_percentage(*x), &styles.percent),
                Cell::Date(day) => sheet.set_styled_value(row_number, col, *day, &styles.date),
                Cell::DateTime(at) => sheet.set_styled_value(row_number, col, *at, &styles.datetime),
            }
        }
    }
    // The header row repeats on every printed page.
    sheet.set_header_rows(0, 0);
    for (col, width) in widths.into_iter().enumerate() {
        // About a character per 0.22 cm in the default font, within readable bounds.
        let cm = (width.clamp(6, 60) as f64) * 0.22 + 0.3;
        sheet.set_col_width(col as u32, Length::Cm(cm));
    }
    sheet
}

/// About how many characters a cell takes once formatted, to size its column.
fn shown_width(cell: &Cell) -> usize {
    match cell {
        Cell::Empty => 0,
        Cell::Text(text) => text.lines().map(|line| line.chars().count()).max().unwrap_or(0),
        Cell::Integer(n) => n.to_string().len() + n.to_string().len() / 3,
        Cell::Decimal(x) | Cell::Euros(x) => format!("{x:.2}").len() + 4,
        Cell::Percent(_) => 7,
        Cell::Date(_) => 10,
        Cell::DateTime(_) => 16,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn sample() -> Workbook {
        let mut book = Workbook::new();
        book.sheet("Projets", &["Titre", "Montant", "ETP", "Part", "Date", "Participants"])
            .push(vec![
                "=HYPERLINK(\"http://x\")".into(),
                Cell::Euros(30_000.0),
                Cell::Decimal(1.5),
                Cell::Percent(0.125),
                day(2024, 3, 2).into(),
                Cell::Integer(1234),
            ])
            .push(vec!["Court".into()]);
        book
    }

    #[test]
    fn values_keep_their_types_and_text_is_never_a_formula() {
        let bytes = sample().to_bytes().unwrap();
        let read = spreadsheet_ods::read_ods_buf(&bytes).unwrap();
        let sheet = read.sheet(0);
        assert_eq!(sheet.name(), "Projets");
        assert_eq!(sheet.value(0, 1).as_str_or(""), "Montant");
        assert_eq!(sheet.value(1, 0).as_str_or(""), "=HYPERLINK(\"http://x\")");
        assert!(sheet.formula(1, 0).is_none());
        assert!(
            matches!(sheet.value(1, 1), Value::Currency(amount, currency) if *amount == 30_000.0 && &**currency == "EUR")
        );
        assert_eq!(sheet.value(1, 2).as_f64_or(0.0), 1.5);
        assert!(matches!(sheet.value(1, 3), Value::Percentage(ratio) if *ratio == 0.125));
        assert_eq!(sheet.value(1, 4).as_date_opt(), Some(day(2024, 3, 2)));
        assert_eq!(sheet.value(1, 5).as_f64_or(0.0), 1234.0);
        assert_eq!(sheet.value(2, 1), &Value::Empty);
    }

    #[test]
    fn formats_are_french() {
        // Stored without compression, the file's XML can be read in its bytes.
        let mut book = sample();
        let mut built = book.build().unwrap();
        let bytes = spreadsheet_ods::write_ods_buf_uncompressed(&mut built, Vec::new()).unwrap();
        let xml = String::from_utf8_lossy(&bytes);
        let euros = xml.find("style:name=\"maillage-euros\"").expect("the euro format is declared");
        let euros = &xml[euros..euros + xml[euros..].find("</number:currency-style>").unwrap()];
        assert!(euros.contains("number:language=\"fr\"") && euros.contains("number:country=\"FR\""), "{euros}");
        assert!(euros.contains("number:grouping=\"true\"") && euros.contains(">€<"), "{euros}");
        let date = xml.find("style:name=\"maillage-date\"").expect("the date format is declared");
        let date = &xml[date..date + xml[date..].find("</number:date-style>").unwrap()];
        assert!(date.find("number:day").unwrap() < date.find("number:month").unwrap(), "{date}");
        assert!(date.contains(">/<"), "{date}");
        book.tables.clear();
        assert!(matches!(book.to_bytes(), Err(OdsError::Empty)));
    }

    #[test]
    fn the_first_sheet_reads_back_as_text() {
        let mut book = Workbook::new();
        book.sheet("Totaux", &["departement", "debut", "reunions", "note"])
            .push(vec!["18".into(), day(2021, 10, 1).into(), Cell::Integer(10), Cell::Empty])
            .push(vec!["hub".into(), day(2022, 12, 31).into(), Cell::Decimal(2.5), "« +/- 10 »".into()]);
        book.sheet("Autre", &["x"]);
        let rows = read_first_sheet(&book.to_bytes().unwrap()).unwrap();
        assert_eq!(rows[0], ["departement", "debut", "reunions", "note"]);
        assert_eq!(rows[1], ["18", "2021-10-01", "10"]);
        assert_eq!(rows[2], ["hub", "2022-12-31", "2.5", "« +/- 10 »"]);
        assert_eq!(rows.len(), 3);
        assert!(read_first_sheet(b"PK\x03\x04 pas un classeur").unwrap_err().starts_with("classeur ODS illisible"));
    }

    #[test]
    fn sheet_names_are_acceptable_and_unique() {
        let mut book = Workbook::new();
        book.sheet("Bilan: 2022/2023", &["a"]);
        book.sheet("bilan  2022 2023", &["a"]);
        book.sheet("", &["a"]);
        book.sheet(&"x".repeat(40), &["a"]);
        book.sheet(&"x".repeat(40), &["a"]);
        let names: Vec<&str> = book.tables().iter().map(Table::name).collect();
        assert_eq!(names[0], "Bilan 2022 2023");
        assert_eq!(names[1], "bilan 2022 2023 (2)");
        assert_eq!(names[2], "Feuille");
        assert_eq!(names[3], "x".repeat(31));
        assert_eq!(names[4], format!("{} (2)", "x".repeat(27)));
        assert!(book.to_bytes().is_ok());
    }
}
