//! Query strings read strictly: each parameter at most once, none unknown, each value checked
//! by the handler that takes it, the error naming the parameter.

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

    /// The value of a parameter (trimmed; empty means absent).
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

    /// Refuses any parameter no handler asked for (a misspelt one would otherwise be ignored).
    pub fn finish(&self) -> Result<(), WebError> {
        match self.pairs.iter().zip(&self.taken).find(|(_, taken)| !**taken) {
            Some(((key, _), _)) => Err(WebError::bad_parameter(key, "paramètre inconnu")),
            None => Ok(()),
        }
    }
}

fn number(field: &'static str, text: &str, range: std::ops::RangeInclusive<f64>) -> Result<f64, WebError> {
    text.parse::<f64>().ok().filter(|v| v.is_finite() && range.contains(v)).ok_or_else(|| {
        WebError::bad_parameter(field, format!("nombre attendu entre {} et {}", range.start(), range.end()))
    })
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
        query.limit = match params.get("limite")? {
            None => 20,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|l| (1..=200).contains(l))
                .ok_or_else(|| WebError::bad_parameter("limite", "nombre entier de 1 à 200 attendu"))?,
        };
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
