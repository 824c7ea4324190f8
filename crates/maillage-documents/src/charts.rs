//! Bar and line charts drawn on the server: a chart is laid out once as shapes in a fixed
//! frame ([`Chart::shapes`]), then written as SVG for the pages ([`Chart::svg`], readable
//! without JavaScript, titled for screen readers, which also get the table the page puts
//! beside it) or drawn into the bilan's PDF from the same shapes (`pdf.rs`).
//!
//! Hand-written rather than a plotting crate: two kinds of chart with a dozen shapes each,
//! and an SVG made of presentation attributes only, which the pages' strict content security
//! policy (no inline style) accepts.

use std::fmt::Write;

/// Width and height of the frame every chart is laid out in (SVG user units, PDF points).
pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 300.0;

const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 64.0;

/// Colours of the series, each at least 4.5:1 on white.
pub const PALETTE: [Rgb; 4] =
    [Rgb(0x1f, 0x5f, 0x8b), Rgb(0xa8, 0x3c, 0x0b), Rgb(0x2e, 0x6b, 0x30), Rgb(0x6a, 0x3d, 0x9a)];
/// Text and axes.
pub const INK: Rgb = Rgb(0x22, 0x22, 0x22);
/// Grid lines.
pub const GRID: Rgb = Rgb(0xd0, 0xd0, 0xd0);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// Bars side by side per label, one per series.
    Bar,
    /// A line per series across the labels.
    Line,
}

/// Values of one series, one per label.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub title: String,
    pub kind: ChartKind,
    /// The labels along the horizontal axis (months, figures…).
    pub labels: Vec<String>,
    pub series: Vec<Series>,
}

/// How a text lines up on its point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// What a chart is drawn with, in the frame's coordinates (origin top left, y down).
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Rect {
        x: f64,
        y: f64,
        width: f64,
        height: f64,
        fill: Rgb,
    },
    Line {
        points: Vec<(f64, f64)>,
        stroke: Rgb,
        width: f64,
    },
    Text {
        x: f64,
        y: f64,
        text: String,
        size: f64,
        anchor: Anchor,
        fill: Rgb,
    },
    /// Closed rings filled together (a hole by the even-odd rule) and outlined: a map's area.
    Area {
        rings: Vec<Vec<(f64, f64)>>,
        fill: Option<Rgb>,
        stroke: Option<Rgb>,
        width: f64,
    },
    /// Separate segments in one stroke: a map's borders.
    Segments {
        segments: Vec<[(f64, f64); 2]>,
        stroke: Rgb,
        width: f64,
    },
    /// A disc: a point on a map.
    Dot {
        x: f64,
        y: f64,
        radius: f64,
        fill: Rgb,
        stroke: Option<Rgb>,
    },
}

/// A shape as an SVG element, with `title` as its tooltip and accessible name when given.
pub fn shape_svg(out: &mut String, shape: &Shape, title: Option<&str>) {
    let stroke_of = |stroke: &Option<Rgb>, width: f64| match stroke {
        Some(stroke) => format!(" stroke=\"{}\" stroke-width=\"{width}\"", stroke.hex()),
        None => String::new(),
    };
    let (element, attributes, content) = match shape {
        Shape::Rect { x, y, width, height, fill } => (
            "rect",
            format!("x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{height:.1}\" fill=\"{}\"", fill.hex()),
            None,
        ),
        Shape::Line { points, stroke, width } => {
            let points: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            (
                "polyline",
                format!(
                    "points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\"",
                    points.join(" "),
                    stroke.hex()
                ),
                None,
            )
        }
        Shape::Text { x, y, text, size, anchor, fill } => {
            let anchor = match anchor {
                Anchor::Start => "start",
                Anchor::Middle => "middle",
                Anchor::End => "end",
            };
            (
                "text",
                format!(
                    "x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" font-family=\"sans-serif\" \
                     text-anchor=\"{anchor}\" fill=\"{}\"",
                    fill.hex()
                ),
                Some(escape(text)),
            )
        }
        Shape::Area { rings, fill, stroke, width } => {
            let mut d = String::new();
            for ring in rings {
                for (i, (x, y)) in ring.iter().enumerate() {
                    let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
                }
                d.push('Z');
            }
            let fill = fill.map(Rgb::hex).unwrap_or_else(|| "none".to_owned());
            ("path", format!("fill=\"{fill}\"{} fill-rule=\"evenodd\" d=\"{d}\"", stroke_of(stroke, *width)), None)
        }
        Shape::Segments { segments, stroke, width } => {
            let mut d = String::new();
            for [(x1, y1), (x2, y2)] in segments {
                let _ = write!(d, "M{x1:.1} {y1:.1}L{x2:.1} {y2:.1}");
            }
            ("path", format!("fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\" d=\"{d}\"", stroke.hex()), None)
        }
        Shape::Dot { x, y, radius, fill, stroke } => (
            "circle",
            format!("cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{radius}\" fill=\"{}\"{}", fill.hex(), stroke_of(stroke, 1.0)),
            None,
        ),
    };
    let title = title.map(|t| format!("<title>{}</title>", escape(t)));
    match (content, title) {
        (None, None) => {
            let _ = write!(out, "<{element} {attributes}/>");
        }
        (content, title) => {
            let _ = write!(
                out,
                "<{element} {attributes}>{}{}</{element}>",
                title.unwrap_or_default(),
                content.unwrap_or_default()
            );
        }
    }
}

/// The axis' top: a round number at or above `max` (1, 2, 2.5 or 5 times a power of ten).
fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|step| step * power).find(|top| *top >= max).unwrap_or(10.0 * power)
}

/// A number as the French write it: a decimal comma, at most one decimal.
pub fn french_number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.1}").replace('.', ",")
    }
}

/// Text made safe inside XML (SVG, office documents).
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl Chart {
    fn max(&self) -> f64 {
        self.series
            .iter()
            .flat_map(|series| series.values.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    }

    /// The chart as shapes in the [`WIDTH`] × [`HEIGHT`] frame.
    pub fn shapes(&self) -> Vec<Shape> {
        let mut shapes = Vec::new();
        let top = nice_ceiling(self.max());
        let (plot_width, plot_height) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        let y_of = |value: f64| TOP + plot_height * (1.0 - (value.max(0.0) / top).min(1.0));
        // Grid and scale: five steps.
        for step in 0..=4 {
            let value = top * f64::from(step) / 4.0;
            let y = y_of(value);
            shapes.push(Shape::Line { points: vec![(LEFT, y), (WIDTH - RIGHT, y)], stroke: GRID, width: 0.8 });
            shapes.push(Shape::Text {
                x: LEFT - 6.0,
                y: y + 4.0,
                text: french_number(value),
                size: 11.0,
                anchor: Anchor::End,
                fill: INK,
            });
        }
        let count = self.labels.len().max(1);
        let slot = plot_width / count as f64;
        // Labels: every one when they fit, else every n-th.
        let every = (count as f64 * 48.0 / plot_width).ceil().max(1.0) as usize;
        for (index, label) in self.labels.iter().enumerate() {
            if index % every == 0 {
                shapes.push(Shape::Text {
                    x: LEFT + slot * (index as f64 + 0.5),
                    y: HEIGHT - BOTTOM + 16.0,
                    text: label.clone(),
                    size: 10.0,
                    anchor: Anchor::Middle,
                    fill: INK,
                });
            }
        }
        let series = self.series.len().max(1);
        for (number, serie) in self.series.iter().enumerate() {
            let colour = PALETTE[number % PALETTE.len()];
            match self.kind {
                ChartKind::Bar => {
                    let width = slot * 0.8 / series as f64;
                    for (index, value) in serie.values.iter().enumerate().take(count) {
                        let y = y_of(*value);
                        let x = LEFT + slot * index as f64 + slot * 0.1 + width * number as f64;
                        shapes.push(Shape::Rect { x, y, width, height: TOP + plot_height - y, fill: colour });
                    }
                }
                ChartKind::Line => {
                    let points: Vec<(f64, f64)> = serie
                        .values
                        .iter()
                        .enumerate()
                        .take(count)
                        .map(|(index, value)| (LEFT + slot * (index as f64 + 0.5), y_of(*value)))
                        .collect();
                    for (x, y) in &points {
                        shapes.push(Shape::Rect { x: x - 2.5, y: y - 2.5, width: 5.0, height: 5.0, fill: colour });
                    }
                    shapes.push(Shape::Line { points, stroke: colour, width: 2.0 });
                }
            }
            // The legend, under the labels.
            let x = LEFT + 150.0 * number as f64;
            let y = HEIGHT - 18.0;
            shapes.push(Shape::Rect { x, y: y - 9.0, width: 10.0, height: 10.0, fill: colour });
            shapes.push(Shape::Text {
                x: x + 14.0,
                y,
                text: serie.name.clone(),
                size: 11.0,
                anchor: Anchor::Start,
                fill: INK,
            });
        }
        shapes.push(Shape::Line {
            points: vec![(LEFT, TOP), (LEFT, TOP + plot_height), (WIDTH - RIGHT, TOP + plot_height)],
            stroke: INK,
            width: 1.0,
        });
        shapes.push(Shape::Text {
            x: LEFT,
            y: 20.0,
            text: self.title.clone(),
            size: 14.0,
            anchor: Anchor::Start,
            fill: INK,
        });
        shapes
    }

    /// The chart as an SVG element, its title and a description for screen readers; `id`
    /// makes its labels unique in the page.
    pub fn svg(&self, id: &str) -> String {
        let id = escape(id);
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graphique\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
             role=\"img\" aria-labelledby=\"{id}-titre {id}-desc\">\
             <title id=\"{id}-titre\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            escape(&self.title),
            escape(&self.description())
        );
        for shape in self.shapes() {
            shape_svg(&mut svg, &shape, None);
        }
        svg.push_str("</svg>");
        svg
    }

    /// The values in words ("Réunions : janv. 2022 : 3, …"), the chart's description.
    pub fn description(&self) -> String {
        self.series
            .iter()
            .map(|serie| {
                let values: Vec<String> = self
                    .labels
                    .iter()
                    .zip(&serie.values)
                    .map(|(label, value)| format!("{label} : {}", french_number(*value)))
                    .collect();
                format!("{} — {}", serie.name, values.join(", "))
            })
            .collect::<Vec<_>>()
            .join(". ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(kind: ChartKind) -> Chart {
        Chart {
            title: "Réunions & RDV".to_owned(),
            kind,
            labels: vec!["janv.".to_owned(), "févr.".to_owned(), "mars".to_owned()],
            series: vec![
                Series { name: "Réunions".to_owned(), values: vec![3.0, 0.0, 7.0] },
                Series { name: "RDV".to_owned(), values: vec![1.0, 2.5, 4.0] },
            ],
        }
    }

    #[test]
    fn round_tops_hold_the_highest_value() {
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(23.0), 25.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(160.0), 200.0);
        assert_eq!(french_number(2.5), "2,5");
        assert_eq!(french_number(12.0), "12");
    }

    #[test]
    fn bars_are_as_tall_as_their_values() {
        let shapes = chart(ChartKind::Bar).shapes();
        let bars: Vec<f64> = shapes
            .iter()
            .filter_map(|shape| match shape {
                Shape::Rect { height, width, .. } if *width > 10.0 => Some(*height),
                _ => None,
            })
            .collect();
        // Six bars; the axis' top is 10, so 7 is 70 % of the plot's height.
        assert_eq!(bars.len(), 6);
        let plot = HEIGHT - TOP - BOTTOM;
        assert!((bars[2] - plot * 0.7).abs() < 1e-6, "{bars:?}");
        assert!((bars[1]).abs() < 1e-6);
        assert!((bars[4] - plot * 0.25).abs() < 1e-6);
    }

    #[test]
    fn the_svg_is_titled_escaped_and_styled_by_attributes_only() {
        let svg = chart(ChartKind::Line).svg("g1");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("<title id=\"g1-titre\">Réunions &amp; RDV</title>"));
        assert!(svg.contains("Réunions — janv. : 3, févr. : 0, mars : 7. RDV — janv. : 1, févr. : 2,5, mars : 4"));
        assert!(svg.contains("<polyline"));
        assert!(!svg.contains("style"));
        assert!(svg.ends_with("</svg>"));
    }
}
