//! The monograph's maps, drawn on the server as SVG from the territory's commune polygons: the
//! bassin (communes, EPCI borders, places as dots) and a choropleth of the coverage priority
//! score with its legend. Each carries a title and a description (its text alternative) and
//! only presentation attributes, no style, so the pages' policy needs no exception and the
//! office documents can embed them as they are.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use maillage_territory::Territory;

use super::figures::group_thousands;
use super::generate::Generated;

/// The drawing's width in user units; the height follows the bassin's shape.
const WIDTH: f64 = 640.0;
const MARGIN: f64 = 8.0;
/// Light fills told apart by their EPCI border too, never by colour alone.
const EPCI_FILLS: [&str; 6] = ["#dbe9f6", "#f3e3c9", "#dcefd9", "#eadcf0", "#f6dada", "#e4e4e4"];
/// Priority classes (score from, fill): a sequential scale, light to dark.
const CLASSES: [(f64, &str); 5] =
    [(0.0, "#fff5eb"), (20.0, "#fdd0a2"), (40.0, "#fd8d3c"), (60.0, "#d94801"), (80.0, "#7f2704")];

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
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn ring_path(projection: &Projection, ring: &[[f64; 2]], out: &mut String) {
    for (i, point) in ring.iter().enumerate() {
        let (x, y) = projection.point(point[0], point[1]);
        let _ = write!(out, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
    }
    out.push('Z');
}

/// The edges only one commune of a group has: the group's outline, as a path.
fn outline_path(projection: &Projection, territory: &Territory, codes: &[&str]) -> String {
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
    let mut path = String::new();
    let mut once: Vec<_> = edges.into_iter().filter(|(_, (_, _, n))| *n == 1).collect();
    once.sort_by_key(|(k, _)| *k);
    for (_, (a, b, _)) in once {
        let (x1, y1) = projection.point(a[0], a[1]);
        let (x2, y2) = projection.point(b[0], b[1]);
        let _ = write!(path, "M{x1:.1} {y1:.1}L{x2:.1} {y2:.1}");
    }
    path
}

fn open_svg(out: &mut String, id: &str, height: f64, title: &str, description: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0}" width="{WIDTH}" height="{height:.0}" role="img" aria-labelledby="{id}-titre {id}-desc" class="carte-monographie"><title id="{id}-titre">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(description)
    );
}

/// The bassin: its communes filled by EPCI, the EPCI borders drawn thick, its places as dots
/// (itinerant offers as squares). `None` when the territory has no polygon for it.
pub fn bassin_map(territory: &Territory, generated: &Generated) -> Option<String> {
    let codes: Vec<&str> = generated.territoire.communes.iter().map(|c| c.code.as_str()).collect();
    let projection = Projection::fit(territory, &codes)?;
    let legend_height = 22.0 * (generated.territoire.epci.len() as f64 + 2.0);
    let height = projection.height + legend_height;
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
    let mut out = String::new();
    open_svg(&mut out, "carte-bassin", height, &format!("Bassin de vie de {}", generated.bassin), &description);
    let fill_of: BTreeMap<&str, &str> = generated
        .territoire
        .epci
        .iter()
        .enumerate()
        .map(|(i, e)| (e.siren.as_str(), EPCI_FILLS[i % EPCI_FILLS.len()]))
        .collect();
    out.push_str(r##"<g stroke="#ffffff" stroke-width="0.6">"##);
    for commune in &generated.territoire.communes {
        let fill = commune.siren_epci.as_deref().and_then(|s| fill_of.get(s)).copied().unwrap_or("#eeeeee");
        let mut d = String::new();
        for polygon in territory.commune_geometry(&commune.code).unwrap_or_default() {
            for ring in &polygon {
                ring_path(&projection, ring, &mut d);
            }
        }
        let _ = write!(out, r#"<path fill="{fill}" d="{d}"><title>{}</title></path>"#, escape(&commune.name));
    }
    out.push_str("</g>");
    for epci in &generated.territoire.epci {
        let members: Vec<&str> = generated
            .territoire
            .communes
            .iter()
            .filter(|c| c.siren_epci.as_deref() == Some(epci.siren.as_str()))
            .map(|c| c.code.as_str())
            .collect();
        let _ = write!(
            out,
            r##"<path fill="none" stroke="#3a3a3a" stroke-width="1.6" d="{}"/>"##,
            outline_path(&projection, territory, &members)
        );
    }
    for place in &generated.map_places {
        let (x, y) = projection.point(place.lon, place.lat);
        let name = escape(&place.name);
        if place.itinerant {
            let _ = write!(
                out,
                r##"<rect x="{:.1}" y="{:.1}" width="7" height="7" fill="#b3261e" stroke="#ffffff"><title>{name} (itinérant)</title></rect>"##,
                x - 3.5,
                y - 3.5
            );
        } else {
            let _ = write!(
                out,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="#0b4f8a" stroke="#ffffff"><title>{name}</title></circle>"##
            );
        }
    }
    let mut y = projection.height + 8.0;
    for epci in &generated.territoire.epci {
        let _ = write!(
            out,
            r##"<rect x="{MARGIN}" y="{y:.0}" width="16" height="14" fill="{}" stroke="#3a3a3a"/><text x="{:.0}" y="{:.0}" font-size="13" fill="#1e1e1e">{} ({} hab.)</text>"##,
            fill_of[epci.siren.as_str()],
            MARGIN + 24.0,
            y + 12.0,
            escape(&epci.name),
            group_thousands(epci.population as i64)
        );
        y += 22.0;
    }
    let _ = write!(
        out,
        r##"<circle cx="{:.0}" cy="{:.0}" r="3.5" fill="#0b4f8a"/><text x="{:.0}" y="{:.0}" font-size="13" fill="#1e1e1e">Lieu fixe ({fixed})</text><rect x="{:.0}" y="{:.0}" width="7" height="7" fill="#b3261e"/><text x="{:.0}" y="{:.0}" font-size="13" fill="#1e1e1e">Offre itinérante ({itinerant})</text>"##,
        MARGIN + 8.0,
        y + 7.0,
        MARGIN + 24.0,
        y + 12.0,
        MARGIN + 204.5,
        y + 3.5,
        MARGIN + 220.0,
        y + 12.0,
    );
    out.push_str("</svg>");
    Some(out)
}

/// The class of a score: its index in [`CLASSES`].
fn class_of(score: f64) -> usize {
    CLASSES.iter().rposition(|(from, _)| score >= *from).unwrap_or(0)
}

/// The choropleth of the coverage priority score (0–100) per commune, five classes with a
/// legend counting the communes of each. `None` when the territory has no polygon for it.
pub fn priority_map(territory: &Territory, generated: &Generated) -> Option<String> {
    let codes: Vec<&str> = generated.territoire.communes.iter().map(|c| c.code.as_str()).collect();
    let projection = Projection::fit(territory, &codes)?;
    let height = projection.height + 30.0 + 22.0 * CLASSES.len() as f64;
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
    let mut out = String::new();
    open_svg(
        &mut out,
        "carte-priorite",
        height,
        &format!("Score de priorité par commune, bassin de {}", generated.bassin),
        &description,
    );
    out.push_str(r##"<g stroke="#8a8a8a" stroke-width="0.5">"##);
    for commune in &generated.territoire.communes {
        let score = generated.couverture.scores.get(&commune.code).copied();
        let fill = score.map(|s| CLASSES[class_of(s)].1).unwrap_or("#ffffff");
        let mut d = String::new();
        for polygon in territory.commune_geometry(&commune.code).unwrap_or_default() {
            for ring in &polygon {
                ring_path(&projection, ring, &mut d);
            }
        }
        let label = match score {
            Some(s) => format!("{} : {}", commune.name, format!("{s:.1}").replace('.', ",")),
            None => format!("{} : score inconnu", commune.name),
        };
        let _ = write!(out, r#"<path fill="{fill}" d="{d}"><title>{}</title></path>"#, escape(&label));
    }
    out.push_str("</g>");
    let _ = write!(
        out,
        r##"<path fill="none" stroke="#1e1e1e" stroke-width="1.6" d="{}"/>"##,
        outline_path(&projection, territory, &codes)
    );
    let mut y = projection.height + 8.0;
    let _ = write!(
        out,
        r##"<text x="{MARGIN}" y="{:.0}" font-size="13" font-weight="bold" fill="#1e1e1e">Score de priorité (communes)</text>"##,
        y + 12.0
    );
    y += 22.0;
    for (i, (from, fill)) in CLASSES.iter().enumerate() {
        let _ = write!(
            out,
            r##"<rect x="{MARGIN}" y="{y:.0}" width="16" height="14" fill="{fill}" stroke="#8a8a8a"/><text x="{:.0}" y="{:.0}" font-size="13" fill="#1e1e1e">{from} à {} : {} commune(s)</text>"##,
            MARGIN + 24.0,
            y + 12.0,
            from + 20.0,
            per_class[i]
        );
        y += 22.0;
    }
    out.push_str("</svg>");
    Some(out)
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
        assert_eq!(escape("A & <B>"), "A &amp; &lt;B&gt;");
    }
}
