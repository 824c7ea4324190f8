//! A report as plain data (a bilan, a monograph): headings, paragraphs, tables and charts in
//! reading order. The PDF (`pdf.rs`) prints it; the workbook takes its tables, one sheet each;
//! the printable page shows the same blocks. Built by whoever knows the figures, so this
//! crate stays free of the application's types.

use chrono::NaiveDate;

use crate::charts::{shape_svg, Chart, Shape};

/// One value of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// An amount in euros.
    Euros(f64),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    /// The value as the French read it ("1 234,5", "14/03/2022").
    pub fn display(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Number(value) => french_grouped(*value),
            Cell::Euros(value) => format!("{} €", french_grouped(*value)),
            Cell::Date(day) => day.format("%d/%m/%Y").to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A number with a decimal comma and thin spaces between thousands, at most one decimal.
pub fn french_grouped(value: f64) -> String {
    let text = crate::charts::french_number(value);
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest.to_owned()),
        None => ("", text.clone()),
    };
    let (whole, decimals) = match digits.split_once(',') {
        Some((whole, decimals)) => (whole.to_owned(), format!(",{decimals}")),
        None => (digits.clone(), String::new()),
    };
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}{decimals}")
}

/// A table: its name (the sheet's, the caption), its column headers and rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A drawing laid out as shapes in its own frame (a map): printed from the shapes, written
/// as SVG for the pages and office documents. Each shape may carry a tooltip.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    pub title: String,
    /// What it shows, in words (its text alternative).
    pub description: String,
    pub width: f64,
    pub height: f64,
    pub shapes: Vec<(Shape, Option<String>)>,
}

impl Drawing {
    /// The drawing as an SVG element titled and described for screen readers; `id` makes its
    /// labels unique in the page, `class` styles it.
    pub fn svg(&self, id: &str, class: &str) -> String {
        use crate::charts::escape;
        let (width, height) = (self.width, self.height);
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height:.0}\" width=\"{width}\" \
             height=\"{height:.0}\" role=\"img\" aria-labelledby=\"{id}-titre {id}-desc\" class=\"{class}\">\
             <title id=\"{id}-titre\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            escape(&self.title),
            escape(&self.description)
        );
        for (shape, title) in &self.shapes {
            shape_svg(&mut out, shape, title.as_deref());
        }
        out.push_str("</svg>");
        out
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Heading(String),
    /// A heading inside a section (the written sections' own titles).
    Subheading(String),
    Paragraph(String),
    /// An item of a bulleted list.
    Bullet(String),
    /// A remark set apart (where figures come from, what they are not).
    Note(String),
    Table(Table),
    Chart(Chart),
    Drawing(Drawing),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub title: String,
    pub subtitle: String,
    pub blocks: Vec<Block>,
}

impl Report {
    /// Every table, in order (a workbook's sheets).
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.blocks.iter().filter_map(|block| match block {
            Block::Table(table) => Some(table),
            _ => None,
        })
    }
}

/// Tables as a workbook, one sheet each (the shared writer's French formats: whole numbers as
/// counts, others with two decimals, amounts in euros, days as dates).
pub fn workbook(tables: &[Table]) -> crate::ods::Workbook {
    use crate::ods;
    let mut book = ods::Workbook::new();
    for table in tables {
        let sheet = book.sheet(&table.name, &table.headers);
        for row in &table.rows {
            sheet.push(
                row.iter()
                    .map(|cell| match cell {
                        Cell::Text(text) => ods::Cell::Text(text.clone()),
                        Cell::Number(value) if value.fract() == 0.0 && value.abs() < 1e15 => {
                            ods::Cell::Integer(*value as i64)
                        }
                        Cell::Number(value) => ods::Cell::Decimal(*value),
                        Cell::Euros(value) => ods::Cell::Euros(*value),
                        Cell::Date(day) => ods::Cell::Date(*day),
                        Cell::Empty => ods::Cell::Empty,
                    })
                    .collect(),
            );
        }
    }
    book
}
