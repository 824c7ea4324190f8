//! A [`Report`] printed as a PDF (A4, DejaVu Sans embedded, so every French letter prints
//! whatever fonts the server has): bytes out, no file, no clock.
//!
//! The layout is a simple flow: blocks one after the other, a new page when the next line
//! would not fit, tables with their header repeated on each page and their cells wrapped,
//! charts drawn from the same shapes as their SVG. Text widths are estimated from the font's
//! average advance, enough to wrap paragraphs and cells and right-align numbers.

use std::sync::OnceLock;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document;

use crate::charts::{self, Anchor, Rgb, Shape};
use crate::report::{Block, Cell, Drawing, Report, Table};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
const CONTENT: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// DejaVu Sans' average advance, in ems (wide letters and digits).
const AVERAGE_ADVANCE: f32 = 0.56;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Why a PDF could not be made (the library's words).
#[derive(Debug, thiserror::Error)]
#[error("PDF impossible à produire : {0}")]
pub struct PdfError(String);

fn fonts() -> Result<&'static (Font, Font), PdfError> {
    static FONTS: OnceLock<Option<(Font, Font)>> = OnceLock::new();
    FONTS
        .get_or_init(|| Some((Font::new(REGULAR.into(), 0)?, Font::new(BOLD.into(), 0)?)))
        .as_ref()
        .ok_or_else(|| PdfError("police intégrée illisible".to_owned()))
}

fn width_of(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * size * AVERAGE_ADVANCE
}

/// Lines of at most `width` points.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let max = ((width / (size * AVERAGE_ADVANCE)).floor() as usize).max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if candidate.chars().count() > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line = word.to_owned();
            } else {
                line = candidate;
            }
            while line.chars().count() > max {
                let cut: String = line.chars().take(max).collect();
                line = line.chars().skip(max).collect();
                lines.push(cut);
            }
        }
        lines.push(line);
    }
    lines
}

fn colour(value: Rgb) -> rgb::Color {
    rgb::Color::new(value.0, value.1, value.2)
}

fn fill(value: Rgb) -> Fill {
    Fill { paint: colour(value).into(), opacity: NormalizedF32::ONE, rule: Default::default() }
}

/// The pages being written and where the next line goes.
struct Writer {
    pages: Vec<Vec<Op>>,
    y: f32,
}

/// What a page holds, drawn when the document is finished (a krilla page borrows the
/// document for as long as it is open, so pages are laid out first).
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
        fill: Rgb,
    },
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        fill: Rgb,
    },
    Line {
        points: Vec<(f32, f32)>,
        stroke: Rgb,
        width: f32,
    },
    /// Closed subpaths filled by the even-odd rule and outlined; or open ones only stroked.
    Path {
        subpaths: Vec<Vec<(f32, f32)>>,
        closed: bool,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    Dot {
        x: f32,
        y: f32,
        r: f32,
        fill: Rgb,
        stroke: Option<Rgb>,
    },
}

/// A circle as four Bézier quarters (the usual 0.5523 handle), as a closed path.
fn circle(builder: &mut PathBuilder, x: f32, y: f32, r: f32) {
    let k = 0.552_284_8 * r;
    builder.move_to(x + r, y);
    builder.cubic_to(x + r, y + k, x + k, y + r, x, y + r);
    builder.cubic_to(x - k, y + r, x - r, y + k, x - r, y);
    builder.cubic_to(x - r, y - k, x - k, y - r, x, y - r);
    builder.cubic_to(x + k, y - r, x + r, y - k, x + r, y);
    builder.close();
}

impl Writer {
    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        self.pages.last_mut().expect("a page")
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Room for `height` more points, on a new page if need be.
    fn room(&mut self, height: f32) {
        if self.pages.is_empty() || self.y + height > PAGE_HEIGHT - MARGIN {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        let y = self.y + size;
        self.page().push(Op::Text { x, y, size, bold, text: text.to_owned(), fill: charts::INK });
    }

    fn paragraph(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        for line in wrap(text, size, CONTENT - indent) {
            self.room(size * 1.4);
            self.text(MARGIN + indent, size, bold, &line);
            self.y += size * 1.4;
        }
    }

    /// A table whose cells wrap onto as many lines as they need: a row is as tall as its
    /// longest cell (up to what a page holds, the rest cut with « … »), numbers right-aligned.
    fn table(&mut self, table: &Table) {
        let size = 9.0;
        let row_height = size * 1.6;
        let line_height = size * 1.25;
        let columns = table.headers.len().max(1);
        let first = if columns == 1 { CONTENT } else { CONTENT * 0.4 };
        let other = if columns == 1 { 0.0 } else { (CONTENT - first) / (columns - 1) as f32 };
        let x_of = |index: usize| MARGIN + if index == 0 { 0.0 } else { first + other * (index - 1) as f32 };
        let width_at = |index: usize| if index == 0 { first } else { other };
        let headers: Vec<Vec<String>> =
            table.headers.iter().enumerate().map(|(index, name)| wrap(name, size, width_at(index) - 4.0)).collect();
        let height_of = |cells: &[Vec<String>]| {
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            row_height + (lines - 1) as f32 * line_height
        };
        let header_height = height_of(headers.as_slice());
        // A row never runs past one page under its header.
        let most_lines = (((PAGE_HEIGHT - 2.0 * MARGIN - header_height - row_height) / line_height) as usize).max(1);
        self.room(size * 2.0 + header_height + row_height);
        self.paragraph(&table.name, 10.0, true, 0.0);
        let header = |writer: &mut Writer| {
            writer.room(header_height);
            let y = writer.y;
            writer.page().push(Op::Rect {
                x: MARGIN,
                y,
                width: CONTENT,
                height: header_height,
                fill: Rgb(0xe8, 0xee, 0xf3),
            });
            for (index, lines) in headers.iter().enumerate() {
                writer.lines(x_of(index) + 2.0, None, size, true, lines, line_height);
            }
            writer.y += header_height;
        };
        header(self);
        for row in &table.rows {
            let cells: Vec<Vec<String>> = row
                .iter()
                .enumerate()
                .take(columns)
                .map(|(index, cell)| {
                    let mut lines = wrap(&cell.display(), size, width_at(index) - 4.0);
                    if lines.len() > most_lines {
                        lines.truncate(most_lines);
                        if let Some(last) = lines.last_mut() {
                            last.push_str(" …");
                        }
                    }
                    lines
                })
                .collect();
            let height = height_of(cells.as_slice());
            if self.y + height > PAGE_HEIGHT - MARGIN {
                self.new_page();
                header(self);
            }
            for (index, (cell, lines)) in row.iter().zip(&cells).enumerate() {
                let right = matches!(cell, Cell::Number(_)).then(|| x_of(index) + width_at(index) - 2.0);
                self.lines(x_of(index) + 2.0, right, size, false, lines, line_height);
            }
            let y = self.y + height;
            self.page().push(Op::Line {
                points: vec![(MARGIN, y - 2.0), (MARGIN + CONTENT, y - 2.0)],
                stroke: charts::GRID,
                width: 0.5,
            });
            self.y += height;
        }
        self.y += 8.0;
    }

    /// A cell's lines from the current row's top: from `left`, or ending at `right`.
    fn lines(&mut self, left: f32, right: Option<f32>, size: f32, bold: bool, lines: &[String], line_height: f32) {
        let top = self.y;
        for (number, line) in lines.iter().enumerate() {
            let x = right.map_or(left, |right| right - width_of(line, size));
            self.y = top + number as f32 * line_height;
            self.text(x, size, bold, line);
        }
        self.y = top;
    }

    /// Shapes laid out in a `width` × `height` frame, scaled to the text's width (or down to
    /// what a page holds), on a new page if they do not fit.
    fn shapes(&mut self, shapes: Vec<Shape>, width: f64, height: f64, title: Option<&str>) {
        let most = PAGE_HEIGHT - 2.0 * MARGIN - 40.0;
        let scale = (CONTENT / width as f32).min(most / height as f32);
        let drawn = height as f32 * scale;
        // The title stays with its drawing.
        self.room(drawn + 8.0 + if title.is_some() { 20.0 } else { 0.0 });
        if let Some(title) = title {
            self.paragraph(title, 10.0, true, 0.0);
        }
        let (left, top) = (MARGIN, self.y);
        let at = |(x, y): (f64, f64)| (left + x as f32 * scale, top + y as f32 * scale);
        for shape in shapes {
            let op = match shape {
                Shape::Rect { x, y, width, height, fill } => {
                    let (x, y) = at((x, y));
                    Op::Rect { x, y, width: width as f32 * scale, height: height as f32 * scale, fill }
                }
                Shape::Line { points, stroke, width } => {
                    Op::Line { points: points.into_iter().map(at).collect(), stroke, width: width as f32 * scale }
                }
                Shape::Text { x, y, text, size, anchor, fill } => {
                    let size = size as f32 * scale;
                    let (x, y) = at((x, y));
                    let x = match anchor {
                        Anchor::Start => x,
                        Anchor::Middle => x - width_of(&text, size) / 2.0,
                        Anchor::End => x - width_of(&text, size),
                    };
                    Op::Text { x, y, size, bold: false, text, fill }
                }
                Shape::Area { rings, fill, stroke, width } => Op::Path {
                    subpaths: rings.into_iter().map(|ring| ring.into_iter().map(at).collect()).collect(),
                    closed: true,
                    fill,
                    stroke: stroke.map(|s| (s, width as f32 * scale)),
                },
                Shape::Segments { segments, stroke, width } => Op::Path {
                    subpaths: segments.into_iter().map(|[a, b]| vec![at(a), at(b)]).collect(),
                    closed: false,
                    fill: None,
                    stroke: Some((stroke, width as f32 * scale)),
                },
                Shape::Dot { x, y, radius, fill, stroke } => {
                    let (x, y) = at((x, y));
                    // A point stays visible however small the map is printed.
                    let r = (radius as f32 * scale).max(1.5);
                    Op::Dot { x, y, r, fill, stroke }
                }
            };
            self.page().push(op);
        }
        self.y += drawn + 8.0;
    }

    fn chart(&mut self, chart: &charts::Chart) {
        self.shapes(chart.shapes(), charts::WIDTH, charts::HEIGHT, None);
    }

    fn drawing(&mut self, drawing: &Drawing) {
        let shapes = drawing.shapes.iter().map(|(shape, _)| shape.clone()).collect();
        self.shapes(shapes, drawing.width, drawing.height, Some(&drawing.title));
        self.paragraph(&drawing.description, 8.0, false, 12.0);
        self.y += 6.0;
    }
}

/// Fills (even-odd, so a commune's hole stays empty) then strokes a path.
fn paint_path(surface: &mut Surface<'_>, path: &krilla::geom::Path, paint: Option<Rgb>, stroke: Option<(Rgb, f32)>) {
    surface.set_stroke(stroke.map(|(ink, width)| Stroke { paint: colour(ink).into(), width, ..Stroke::default() }));
    surface.set_fill(paint.map(|ink| Fill { rule: FillRule::EvenOdd, ..fill(ink) }));
    surface.draw_path(path);
    surface.set_stroke(None);
}

fn draw(surface: &mut Surface<'_>, op: &Op, (regular, bold): &(Font, Font)) {
    match op {
        Op::Text { x, y, size, bold: is_bold, text, fill: ink } => {
            surface.set_fill(Some(fill(*ink)));
            let font = if *is_bold { bold.clone() } else { regular.clone() };
            surface.draw_text(Point::from_xy(*x, *y), font, *size, text, false, TextDirection::Auto);
        }
        Op::Rect { x, y, width, height, fill: paint } => {
            let mut builder = PathBuilder::new();
            builder.move_to(*x, *y);
            builder.line_to(x + width, *y);
            builder.line_to(x + width, y + height);
            builder.line_to(*x, y + height);
            builder.close();
            if let Some(path) = builder.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(*paint)));
                surface.draw_path(&path);
            }
        }
        Op::Path { subpaths, closed, fill: paint, stroke } => {
            let mut builder = PathBuilder::new();
            for subpath in subpaths {
                for (index, (x, y)) in subpath.iter().enumerate() {
                    if index == 0 {
                        builder.move_to(*x, *y);
                    } else {
                        builder.line_to(*x, *y);
                    }
                }
                if *closed {
                    builder.close();
                }
            }
            if let Some(path) = builder.finish() {
                paint_path(surface, &path, *paint, *stroke);
            }
        }
        Op::Dot { x, y, r, fill: paint, stroke } => {
            let mut builder = PathBuilder::new();
            circle(&mut builder, *x, *y, *r);
            if let Some(path) = builder.finish() {
                paint_path(surface, &path, Some(*paint), stroke.map(|s| (s, 0.6)));
            }
        }
        Op::Line { points, stroke, width } => {
            let mut builder = PathBuilder::new();
            for (index, (x, y)) in points.iter().enumerate() {
                if index == 0 {
                    builder.move_to(*x, *y);
                } else {
                    builder.line_to(*x, *y);
                }
            }
            if let Some(path) = builder.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke { paint: colour(*stroke).into(), width: *width, ..Stroke::default() }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
    }
}

/// The report as a PDF, its pages numbered.
pub fn write(report: &Report) -> Result<Vec<u8>, PdfError> {
    let fonts = fonts()?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new().title(report.title.clone()).language("fr".to_owned()).producer("Maillage".to_owned()),
    );
    let mut writer = Writer { pages: Vec::new(), y: MARGIN };
    writer.room(40.0);
    writer.paragraph(&report.title, 18.0, true, 0.0);
    if !report.subtitle.is_empty() {
        writer.paragraph(&report.subtitle, 11.0, false, 0.0);
    }
    writer.y += 10.0;
    for block in &report.blocks {
        match block {
            Block::Heading(text) => {
                // A heading never ends a page: room for it and a few lines of what follows.
                writer.room(90.0);
                writer.y += 6.0;
                writer.paragraph(text, 13.0, true, 0.0);
                writer.y += 4.0;
            }
            Block::Paragraph(text) => {
                writer.paragraph(text, 10.0, false, 0.0);
                writer.y += 6.0;
            }
            Block::Note(text) => {
                writer.paragraph(text, 9.0, false, 12.0);
                writer.y += 6.0;
            }
            Block::Subheading(text) => {
                writer.room(30.0);
                writer.y += 2.0;
                writer.paragraph(text, 11.0, true, 0.0);
                writer.y += 2.0;
            }
            Block::Bullet(text) => {
                writer.paragraph(&format!("•  {text}"), 10.0, false, 12.0);
                writer.y += 2.0;
            }
            Block::Table(table) => writer.table(table),
            Block::Chart(chart) => writer.chart(chart),
            Block::Drawing(drawing) => writer.drawing(drawing),
        }
    }
    let pages = std::mem::take(&mut writer.pages);
    let count = pages.len();
    let settings =
        PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| PdfError("format de page".to_owned()))?;
    for (number, ops) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            draw(&mut surface, op, fonts);
        }
        let footer = format!("{} — page {} sur {count}", report.title, number + 1);
        let footer = Op::Text {
            x: MARGIN,
            y: PAGE_HEIGHT - MARGIN / 2.0,
            size: 8.0,
            bold: false,
            text: footer,
            fill: charts::INK,
        };
        draw(&mut surface, &footer, fonts);
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|err| PdfError(format!("{err:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::{Chart, ChartKind, Series};

    fn report(rows: usize) -> Report {
        Report {
            title: "Bilan 2022 : Cher".to_owned(),
            subtitle: "Du 01/10/2021 au 31/12/2022".to_owned(),
            blocks: vec![
                Block::Heading("Introduction".to_owned()),
                Block::Paragraph(
                    "Une année de mise en place du réseau : « petits déjeuners de l'inclusion ». ".repeat(20),
                ),
                Block::Chart(Chart {
                    title: "Réunions par mois".to_owned(),
                    kind: ChartKind::Bar,
                    labels: vec!["janv.".to_owned(), "févr.".to_owned()],
                    series: vec![Series { name: "Réunions".to_owned(), values: vec![3.0, 5.0] }],
                }),
                Block::Table(Table {
                    name: "Chiffres".to_owned(),
                    headers: vec!["Indicateur".to_owned(), "Valeur".to_owned()],
                    rows: (0..rows)
                        .map(|i| vec![Cell::Text(format!("Ligne {i}")), Cell::Number(i as f64 * 1000.5)])
                        .collect(),
                }),
            ],
        }
    }

    #[test]
    fn a_report_becomes_a_pdf_with_a_page_per_screenful() {
        let short = write(&report(3)).unwrap();
        assert!(short.starts_with(b"%PDF-"));
        let long = write(&report(200)).unwrap();
        assert!(long.len() > short.len());
    }

    /// The texts a table leaves on each page.
    fn table_texts(table: &Table) -> Vec<Vec<String>> {
        let mut writer = Writer { pages: Vec::new(), y: MARGIN };
        writer.table(table);
        writer
            .pages
            .iter()
            .map(|ops| {
                ops.iter()
                    .filter_map(|op| match op {
                        Op::Text { text, .. } => Some(text.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn long_cells_wrap_instead_of_being_cut() {
        let long =
            "Petit déjeuner de l'inclusion numérique avec la CAF, la mairie et les associations du bassin de Vierzon";
        let table = Table {
            name: "Actions notables".to_owned(),
            headers: vec!["Action".to_owned(), "Date".to_owned(), "Participants aux événements".to_owned()],
            rows: vec![
                vec![Cell::Text(long.to_owned()), Cell::Text("14/03/2022".to_owned()), Cell::Number(12.0)],
                vec![Cell::Text("Suivante".to_owned()), Cell::Text(String::new()), Cell::Number(3.0)],
            ],
        };
        let texts = table_texts(&table).concat();
        // Every word of the long cell is printed, over several lines.
        let printed = texts.join(" ");
        for word in long.split_whitespace() {
            assert!(printed.contains(word), "{word} missing from {texts:?}");
        }
        let action_lines = texts.iter().filter(|t| long.contains(t.as_str()) && !t.is_empty()).count();
        assert!(action_lines >= 3, "{texts:?}");
        assert!(texts.iter().any(|t| t == "Suivante"));
        // A cell longer than a page is cut at the page, said with « … ».
        let huge = Table { rows: vec![vec![Cell::Text("mot ".repeat(5_000))]], ..table };
        let pages = table_texts(&huge);
        assert!(pages.len() <= 2, "the row moves to the next page at most once");
        let last = pages.last().unwrap().last().unwrap();
        assert!(last.ends_with(" …"), "{last}");
    }

    #[test]
    fn long_words_and_paragraphs_wrap() {
        let lines = wrap("un deux trois quatre cinq six", 10.0, 10.0 * AVERAGE_ADVANCE * 9.0);
        assert_eq!(lines, ["un deux", "trois", "quatre", "cinq six"]);
        assert_eq!(wrap("abcdefghij", 10.0, 10.0 * AVERAGE_ADVANCE * 4.0), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\n\nb", 10.0, 100.0), ["a", "", "b"]);
    }
}
