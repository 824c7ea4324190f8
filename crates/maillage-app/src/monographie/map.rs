//! The monograph's maps, drawn on the server from the territory's commune polygons: the
//! bassin (communes, EPCI borders, places as dots) and a choropleth of the coverage priority
//! score with its legend. Each is laid out once as shapes ([`Drawing`]): written as SVG for
//! the pages and the office document (a title and a description as its text alternative,
//! presentation attributes only, so the pages' policy needs no exception) and drawn from the
//! same shapes into the PDF.

use std::collections::{BTreeMap, HashMap};

use maillage_documents::charts::{Anchor, Rgb, Shape};
use maillage_documents::report::Drawing;
use maillage_territory::Territory;

use super::figures::group_thousands;
use super::generate::Generated;

/// The drawing's width in user units; the height follows the bassin's shape.
const WIDTH: f64 = 640.0;
const MARGIN: f64 = 8.0;
/// Light fills told apart by their EPCI border too, never by colour alone.
const EPCI_FILLS: [Rgb; 6] = [
    Rgb(0xdb, 0xe9, 0xf6),
    Rgb(0xf3, 0xe3, 0xc9),
    Rgb(0xdc, 0xef, 0xd9),
    Rgb(0xea, 0xdc, 0xf0),
    Rgb(0xf6, 0xda, 0xda),
    Rgb(0xe4, 0xe4, 0xe4),
];
/// Priority classes (score from, fill): a sequential scale, light to dark.
const CLASSES: [(f64, Rgb); 5] = [
    (0.0, Rgb(0xff, 0xf5, 0xeb)),
    (20.0, Rgb(0xfd, 0xd0, 0xa2)),
    (40.0, Rgb(0xfd, 0x8d, 0x3c)),
    (60.0, Rgb(0xd9, 0x48, 0x01)),
    (80.0, Rgb(0x7f, 0x27, 0x04)),
];
const INK: Rgb = Rgb(0x1e, 0x1e, 0x1e);
const BORDER: Rgb = Rgb(0x3a, 0x3a, 0x3a);
const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
const FIXED: Rgb = Rgb(0x0b, 0x4f, 0x8a);
const ITINERANT: Rgb = Rgb(0xb3, 0x26, 0x1e);

type Key = (i64, i64);
/// An undirected edge: its two ends as drawn, and how many communes of the group have it.
type Edges = HashMap<(Key, Key), ([f64; 2], [f64; 2], u32)>;

fn key(point: [f64; 2]) -> Key {
    ((point[0] * 1e7).round() as i64, (point[1] * 1e7).round() as i64)
}

/// Lon/lat to the drawing: an equirectangular projection at the bassin's mean latitude.
struct Projection {
    west: f64,
    north: f64,
    scale: f64,
    cos: f64,
    height: f64,
}

impl Projection {
    fn fit(territory: &Territory, codes: &[&str]) -> Option<Projection> {
        let (mut west, mut east, mut south, mut north) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for code in codes {
            for polygon in territory.commune_geometry(code).unwrap_or_default() {
                for point in polygon.iter().flatten() {
                    west = west.min(point[0]);
                    east = east.max(point[0]);
                    south = south.min(point[1]);
                    north = north.max(point[1]);
                }
            }
        }
        if west > east || south > north {
            return None;
        }
        let cos = ((south + north) / 2.0).to_radians().cos();
        let span = ((east - west) * cos).max(1e-6);
        let scale = (WIDTH - 2.0 * MARGIN) / span;
        let height = (north - south) * scale + 2.0 * MARGIN;
        Some(Projection { west, north, scale, cos, height })
    }

    fn point(&self, lon: f64, lat: f64) -> (f64, f64) {
        (MARGIN + (lon - self.west) * self.cos * self.scale, MARGIN + (self.north - lat) * self.scale)
    }

    /// A commune's rings, projected.
    fn rings(&self, territory: &Territory, code: &str) -> Vec<Vec<(f64, f64)>> {
        territory
            .commune_geometry(code)
            .unwrap_or_default()
            .iter()
            .flatten()
            .map(|ring| ring.iter().map(|p| self.point(p[0], p[1])).collect())
            .collect()
    }
}

/// The edges only one commune of a group has: the group's outline.
fn outline(projection: &Projection, territory: &Territory, codes: &[&str], stroke: Rgb) -> Shape {
    let mut edges: Edges = HashMap::new();
    for code in codes {
        for polygon in territory.commune_geometry(code).unwrap_or_default() {
            for ring in polygon {
                for pair in ring.windows(2) {
                    let (a, b) = (key(pair[0]), key(pair[1]));
                    if a == b {
                        continue;
                    }
                    let undirected = if a < b { (a, b) } else { (b, a) };
                    edges.entry(undirected).or_insert((pair[0], pair[1], 0)).2 += 1;
                }
            }
        }
    }
    let mut once: Vec<_> = edges.into_iter().filter(|(_, (_, _, n))| *n == 1).collect();
    once.sort_by_key(|(k, _)| *k);
    let segments =
        once.into_iter().map(|(_, (a, b, _))| [projection.point(a[0], a[1]), projection.point(b[0], b[1])]).collect();
    Shape::Segments { segments, stroke, width: 1.6 }
}

fn square(x: f64, y: f64, side: f64, fill: Rgb, stroke: Rgb) -> Shape {
    Shape::Area {
        rings: vec![vec![(x, y), (x + side, y), (x + side, y + side), (x, y + side)]],
        fill: Some(fill),
        stroke: Some(stroke),
        width: 1.0,
    }
}

fn label(x: f64, y: f64, text: String) -> (Shape, Option<String>) {
    (Shape::Text { x, y, text, size: 13.0, anchor: Anchor::Start, fill: INK }, None)
}

/// The bassin: its communes filled by EPCI, the EPCI borders drawn thick, its places as dots
/// (itinerant offers as squares), a legend. `None` when the territory has no polygon for it.
pub fn bassin_drawing(territory: &Territory, generated: &Generated) -> Option<Drawing> {
    let codes: Vec<&str> = generated.territoire.communes.iter().map(|c| c.code.as_str()).collect();
    let projection = Projection::fit(territory, &codes)?;
    let legend_height = 22.0 * (generated.territoire.epci.len() as f64 + 2.0);
    let fixed = generated.map_places.iter().filter(|p| !p.itinerant).count();
    let itinerant = generated.map_places.len() - fixed;
    let description = format!(
        "Carte du bassin de vie de {} : {} communes réparties en {} EPCI ({}), {} lieux de médiation \
         numérique situés par leurs coordonnées, dont {} offres itinérantes.",
        generated.bassin,
        codes.len(),
        generated.territoire.epci.len(),
        generated.territoire.epci.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", "),
        generated.map_places.len(),
        itinerant,
    );
    let fill_of: BTreeMap<&str, Rgb> = generated
        .territoire
        .epci
        .iter()
        .enumerate()
        .map(|(i, e)| (e.siren.as_str(), EPCI_FILLS[i % EPCI_FILLS.len()]))
        .collect();
    let mut shapes = Vec::new();
    for commune in &generated.territoire.communes {
        let fill = commune.siren_epci.as_deref().and_then(|s| fill_of.get(s)).copied().unwrap_or(Rgb(0xee, 0xee, 0xee));
        let rings = projection.rings(territory, &commune.code);
        shapes.push((
            Shape::Area { rings, fill: Some(fill), stroke: Some(WHITE), width: 0.6 },
            Some(commune.name.clone()),
        ));
    }
    for epci in &generated.territoire.epci {
        let members: Vec<&str> = generated
            .territoire
            .communes
            .iter()
            .filter(|c| c.siren_epci.as_deref() == Some(epci.siren.as_str()))
            .map(|c| c.code.as_str())
            .collect();
        shapes.push((outline(&projection, territory, &members, BORDER), None));
    }
    for place in &generated.map_places {
        let (x, y) = projection.point(place.lon, place.lat);
        if place.itinerant {
            shapes.push((square(x - 3.5, y - 3.5, 7.0, ITINERANT, WHITE), Some(format!("{} (itinérant)", place.name))));
        } else {
            shapes.push((Shape::Dot { x, y, radius: 3.5, fill: FIXED, stroke: Some(WHITE) }, Some(place.name.clone())));
        }
    }
    let mut y = projection.height + 8.0;
    for epci in &generated.territoire.epci {
        shapes.push((square(MARGIN, y, 14.0, fill_of[epci.siren.as_str()], BORDER), None));
        shapes.push(label(
            MARGIN + 24.0,
            y + 12.0,
            format!("{} ({} hab.)", epci.name, group_thousands(epci.population as i64)),
        ));
        y += 22.0;
    }
    shapes.push((Shape::Dot { x: MARGIN + 8.0, y: y + 7.0, radius: 3.5, fill: FIXED, stroke: None }, None));
    shapes.push(label(MARGIN + 24.0, y + 12.0, format!("Lieu fixe ({fixed})")));
    shapes.push((square(MARGIN + 201.0, y + 3.5, 7.0, ITINERANT, ITINERANT), None));
    shapes.push(label(MARGIN + 220.0, y + 12.0, format!("Offre itinérante ({itinerant})")));
    Some(Drawing {
        title: format!("Bassin de vie de {}", generated.bassin),
        description,
        width: WIDTH,
        height: projection.height + legend_height,
        shapes,
    })
}

/// The bassin's map as SVG for the pages.
pub fn bassin_map(territory: &Territory, generated: &Generated) -> Option<String> {
    Some(bassin_drawing(territory, generated)?.svg("carte-bassin", "carte-monographie"))
}

/// The class of a score: its index in [`CLASSES`].
fn class_of(score: f64) -> usize {
    CLASSES.iter().rposition(|(from, _)| score >= *from).unwrap_or(0)
}

/// The choropleth of the coverage priority score (0–100) per commune, five classes with a
/// legend counting the communes of each. `None` when the territory has no polygon for it.
pub fn priority_drawing(territory: &Territory, generated: &Generated) -> Option<Drawing> {
    let codes: Vec<&str> = generated.territoire.communes.iter().map(|c| c.code.as_str()).collect();
    let projection = Projection::fit(territory, &codes)?;
    let mut per_class = [0usize; CLASSES.len()];
    for score in generated.couverture.scores.values() {
        per_class[class_of(*score)] += 1;
    }
    let top: Vec<String> = generated.couverture.priorities.iter().take(3).map(|p| p.name.clone()).collect();
    let description = format!(
        "Carte du score de priorité de couverture (0 à 100) des {} communes du bassin de vie de {}, en cinq \
         classes : {}. Communes au score le plus élevé : {}.",
        codes.len(),
        generated.bassin,
        CLASSES
            .iter()
            .enumerate()
            .map(|(i, (from, _))| format!("{} de {from} à {} ", per_class[i], from + 20.0).trim_end().to_owned())
            .collect::<Vec<_>>()
            .join(", "),
        if top.is_empty() { "aucune".to_owned() } else { top.join(", ") },
    );
    let grey = Rgb(0x8a, 0x8a, 0x8a);
    let mut shapes = Vec::new();
    for commune in &generated.territoire.communes {
        let score = generated.couverture.scores.get(&commune.code).copied();
        let fill = score.map(|s| CLASSES[class_of(s)].1).unwrap_or(WHITE);
        let title = match score {
            Some(s) => format!("{} : {}", commune.name, format!("{s:.1}").replace('.', ",")),
            None => format!("{} : score inconnu", commune.name),
        };
        let rings = projection.rings(territory, &commune.code);
        shapes.push((Shape::Area { rings, fill: Some(fill), stroke: Some(grey), width: 0.5 }, Some(title)));
    }
    shapes.push((outline(&projection, territory, &codes, INK), None));
    let mut y = projection.height + 8.0;
    shapes.push(label(MARGIN, y + 12.0, "Score de priorité (communes)".to_owned()));
    y += 22.0;
    for (i, (from, fill)) in CLASSES.iter().enumerate() {
        shapes.push((square(MARGIN, y, 14.0, *fill, grey), None));
        shapes.push(label(MARGIN + 24.0, y + 12.0, format!("{from} à {} : {} commune(s)", from + 20.0, per_class[i])));
        y += 22.0;
    }
    Some(Drawing {
        title: format!("Score de priorité par commune, bassin de {}", generated.bassin),
        description,
        width: WIDTH,
        height: projection.height + 30.0 + 22.0 * CLASSES.len() as f64,
        shapes,
    })
}

/// The choropleth as SVG for the pages.
pub fn priority_map(territory: &Territory, generated: &Generated) -> Option<String> {
    Some(priority_drawing(territory, generated)?.svg("carte-priorite", "carte-monographie"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_the_score_range() {
        assert_eq!(class_of(0.0), 0);
        assert_eq!(class_of(19.9), 0);
        assert_eq!(class_of(20.0), 1);
        assert_eq!(class_of(100.0), 4);
    }
}
