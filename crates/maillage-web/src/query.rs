//! The one reader of query strings, for the API and the pages alike: values trimmed, an empty
//! value is an absent one, a single-valued parameter given twice is refused, numbers must be
//! finite and in their range, and every error names its parameter. The API also refuses any
//! parameter no handler asked for ([`Params::finish`]); the pages ignore them (tracking
//! parameters, the map's zoom…).
//!
//! [`search`] reads a directory search in the API's vocabulary; the pages read theirs with the
//! same [`Params`] (`pages/criteria.rs`) and turn it into the same directory query.

use chrono::{NaiveDateTime, Utc};
use maillage_app::directory::{Area, BBox, Cursor, Directory, Order, Query};
use maillage_coverage::Filters;
use maillage_territory::LatLon;

use crate::WebError;

/// The parameters of one request, taken one by one by name.
pub struct Params {
    pairs: Vec<(String, String)>,
    taken: Vec<bool>,
}

impl Params {
    pub fn parse(raw: Option<&str>) -> Result<Params, WebError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|_| WebError::bad_parameter("requete", "chaîne de requête illisible"))?;
        let taken = vec![false; pairs.len()];
        Ok(Params { pairs, taken })
    }

    /// The value of a single-valued parameter (trimmed; empty means absent).
    pub fn get(&mut self, name: &'static str) -> Result<Option<&str>, WebError> {
        let mut found = None;
        for (i, (key, _)) in self.pairs.iter().enumerate() {
            if key == name {
                if found.is_some() {
                    return Err(WebError::bad_parameter(name, "paramètre répété"));
                }
                found = Some(i);
            }
        }
        Ok(found.and_then(|i| {
            self.taken[i] = true;
            let value = self.pairs[i].1.trim();
            (!value.is_empty()).then_some(value)
        }))
    }

    /// Every non-empty value of a multi-valued parameter (`service=A&service=B`), in order.
    pub fn get_all(&mut self, name: &str) -> Vec<&str> {
        let mut values = Vec::new();
        for (i, (key, value)) in self.pairs.iter().enumerate() {
            if key == name {
                self.taken[i] = true;
                let value = value.trim();
                if !value.is_empty() {
                    values.push(value);
                }
            }
        }
        values
    }

    /// Refuses any parameter no handler asked for (a misspelt one would otherwise be ignored).
    pub fn finish(&self) -> Result<(), WebError> {
        match self.pairs.iter().zip(&self.taken).find(|(_, taken)| !**taken) {
            Some(((key, _), _)) => Err(WebError::bad_parameter(key, "paramètre inconnu")),
            None => Ok(()),
        }
    }
}

/// A finite number in `range` (a decimal comma is read as a point: French keyboards type it).
pub fn number(field: &str, text: &str, range: std::ops::RangeInclusive<f64>) -> Result<f64, WebError> {
    text.trim().replace(',', ".").parse::<f64>().ok().filter(|v| v.is_finite() && range.contains(v)).ok_or_else(|| {
        WebError::bad_parameter(field, format!("nombre attendu entre {} et {}", range.start(), range.end()))
    })
}

/// A whole number in `range`.
pub fn integer(field: &str, text: &str, range: std::ops::RangeInclusive<usize>) -> Result<usize, WebError> {
    text.parse::<usize>().ok().filter(|v| range.contains(v)).ok_or_else(|| {
        WebError::bad_parameter(field, format!("nombre entier de {} à {} attendu", range.start(), range.end()))
    })
}

/// A query string's pairs as sent, for the forms that read their own fields (orientation).
pub fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default()
}

/// `filtres`: filters separated by `;`, as the coverage endpoint reads them.
pub fn filters(params: &mut Params) -> Result<Filters, WebError> {
    let items: Vec<&str> = params
        .get("filtres")?
        .map(|t| t.split(';').map(str::trim).filter(|f| !f.is_empty()).collect())
        .unwrap_or_default();
    Filters::parse(items).map_err(|err| WebError::bad_parameter("filtres", err.0))
}

/// Which parts of a search a route reads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Area, origin, filters, time, text, source, order, page size and cursor.
    Page,
    /// The same without order and paging: every match.
    All,
}

/// Reads a directory search from the query string.
pub fn search(params: &mut Params, directory: &Directory, usage: Use) -> Result<Query, WebError> {
    let mut query = Query::default();
    let bbox = params
        .get("bbox")?
        .map(|text| {
            let parts: Vec<&str> = text.split(',').map(str::trim).collect();
            let bad = || WebError::bad_parameter("bbox", "quatre nombres attendus : minlon,minlat,maxlon,maxlat");
            let [a, b, c, d] = parts.as_slice() else { return Err(bad()) };
            let (min_lon, min_lat) = (number("bbox", a, -180.0..=180.0)?, number("bbox", b, -90.0..=90.0)?);
            let (max_lon, max_lat) = (number("bbox", c, -180.0..=180.0)?, number("bbox", d, -90.0..=90.0)?);
            if min_lon > max_lon || min_lat > max_lat {
                return Err(WebError::bad_parameter("bbox", "le coin minimum doit précéder le coin maximum"));
            }
            Ok(BBox { min_lon, min_lat, max_lon, max_lat })
        })
        .transpose()?;
    let lat = params.get("lat")?.map(|t| number("lat", t, -90.0..=90.0)).transpose()?;
    let lon = params.get("lon")?.map(|t| number("lon", t, -180.0..=180.0)).transpose()?;
    let origin = match (lat, lon) {
        (Some(lat), Some(lon)) => Some(LatLon::new(lat, lon)),
        (None, None) => None,
        (Some(_), None) => return Err(WebError::bad_parameter("lon", "lat et lon vont ensemble")),
        (None, Some(_)) => return Err(WebError::bad_parameter("lat", "lat et lon vont ensemble")),
    };
    let radius = params.get("rayon_km")?.map(|t| number("rayon_km", t, 0.0..=1000.0)).transpose()?;
    let areas = params
        .get("territoire")?
        .map(|text| directory.parse_areas(text).map_err(|err| WebError::bad_parameter("territoire", err.to_string())))
        .transpose()?;
    query.area = match (bbox, radius, areas) {
        (None, None, None) => Area::Everywhere,
        (Some(b), None, None) => Area::BBox(b),
        (None, Some(km), None) => match origin {
            Some(center) => Area::Radius { center, km },
            None => return Err(WebError::bad_parameter("rayon_km", "un rayon demande un point (lat, lon)")),
        },
        (None, None, Some(areas)) => Area::Territories(areas),
        (_, Some(_), _) => {
            return Err(WebError::bad_parameter("rayon_km", "une seule zone : bbox, rayon ou territoire"))
        }
        (Some(_), None, Some(_)) => {
            return Err(WebError::bad_parameter("territoire", "une seule zone : bbox, rayon ou territoire"))
        }
    };
    query.origin = origin;
    query.filters = filters(params)?;
    query.open_at = params.get("ouvert")?.map(open_at).transpose()?;
    query.text = match params.get("q")? {
        Some(text) if text.chars().count() > 200 => {
            return Err(WebError::bad_parameter("q", "200 caractères au plus"));
        }
        other => other.map(str::to_owned),
    };
    query.source = params.get("source")?.map(str::to_owned);
    if usage == Use::Page {
        query.order = match params.get("tri")? {
            None => None,
            Some("distance") => Some(Order::Distance),
            Some("nom") => Some(Order::Name),
            Some(_) => return Err(WebError::bad_parameter("tri", "distance ou nom attendu")),
        };
        if query.order == Some(Order::Distance) && origin.is_none() {
            return Err(WebError::bad_parameter("tri", "le tri par distance demande un point (lat, lon)"));
        }
        query.limit = params.get("limite")?.map(|raw| integer("limite", raw, 1..=200)).transpose()?.unwrap_or(20);
        query.cursor = params
            .get("curseur")?
            .map(|t| Cursor::decode(t).ok_or_else(|| WebError::bad_parameter("curseur", "curseur invalide")))
            .transpose()?;
        let order = query.effective_order();
        match (&query.cursor, order) {
            (Some(Cursor::Distance { .. }), Order::Name) | (Some(Cursor::Name { .. }), Order::Distance) => {
                return Err(WebError::bad_parameter("curseur", "ce curseur vient d'une recherche triée autrement"))
            }
            _ => {}
        }
    }
    Ok(query)
}

/// `text` percent-encoded for a URL: the unreserved characters of RFC 3986 stay as they are,
/// and so do the bytes of `kept` (`:` and `,` read better left alone in a query value, and a
/// link must come out as it always has).
pub fn percent_encode(text: &str, kept: &[u8]) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b if kept.contains(&b) => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `ouvert`: `maintenant` (Europe/Paris) or a local `YYYY-MM-DDTHH:MM`.
fn open_at(text: &str) -> Result<NaiveDateTime, WebError> {
    if text == "maintenant" {
        return Ok(maillage_domain::paris_local(Utc::now()));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .ok()
        .filter(|at| (2000..=2100).contains(&chrono::Datelike::year(at)))
        .ok_or_else(|| {
            WebError::bad_parameter("ouvert", "« maintenant » ou une date et heure locales AAAA-MM-JJTHH:MM attendues")
        })
}
