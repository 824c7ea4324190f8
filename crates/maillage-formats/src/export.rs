//! The standard's exports: CSV and JSON exactly as v1.0.2 asks (column order, `|` between
//! values, required fields always filled), and GeoJSON with the same properties.

use std::io::Write;

use maillage_domain::build::{FIELDS, PIVOT_PLACEHOLDER};
use maillage_domain::{Place, Vocabulary};
use serde_json::{Map, Value};

use crate::error::FormatError;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
    GeoJson,
}

impl ExportFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            "geojson" => Some(ExportFormat::GeoJson),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::GeoJson => "geojson",
        }
    }
}

fn join<T: Vocabulary>(values: &std::collections::BTreeSet<T>) -> String {
    values.iter().map(|value| value.label()).collect::<Vec<_>>().join("|")
}

/// The 32 values of a place, in the standard's order, as text ("" when empty). `id` is the
/// registry's stable id, unique across all sources; a missing pivot is written as the
/// standard's conventional placeholder, a missing `date_maj` as the day the registry first
/// recorded the place.
pub fn standard_values(place: &Place) -> [String; 32] {
    let record = &place.record;
    let opt = |value: &Option<String>| value.clone().unwrap_or_default();
    let (latitude, longitude) = match record.coordinates {
        Some(c) => (c.latitude.to_string(), c.longitude.to_string()),
        None => (String::new(), String::new()),
    };
    [
        place.id.0.clone(),
        record.pivot.clone().unwrap_or_else(|| PIVOT_PLACEHOLDER.to_owned()),
        record.nom.clone(),
        record.commune.clone(),
        record.code_postal.clone(),
        opt(&record.code_insee),
        record.adresse.clone(),
        opt(&record.complement_adresse),
        latitude,
        longitude,
        record.typologie.join("|"),
        opt(&record.telephone),
        record.courriels.join("|"),
        record.site_web.join("|"),
        record.horaires.as_ref().map(|h| h.as_str().to_owned()).unwrap_or_default(),
        opt(&record.presentation_resume),
        opt(&record.presentation_detail),
        opt(&record.source),
        join(&record.itinerance),
        opt(&record.structure_parente),
        place.published_date_maj().format("%Y-%m-%d").to_string(),
        join(&record.services),
        join(&record.publics_specifiquement_adresses),
        join(&record.prise_en_charge_specifique),
        join(&record.frais_a_charge),
        join(&record.dispositif_programmes_nationaux),
        join(&record.formations_labels),
        record.autres_formations_labels.join("|"),
        join(&record.modalites_acces),
        join(&record.modalites_accompagnement),
        opt(&record.fiche_acces_libre),
        opt(&record.prise_rdv),
    ]
}

fn write_error(err: impl std::fmt::Display) -> FormatError {
    FormatError::Write(err.to_string())
}

/// Writes the standard CSV: header in the schema's order, `,` separator, UTF-8.
pub fn write_csv<'a, W: Write>(places: impl IntoIterator<Item = &'a Place>, out: W) -> Result<(), FormatError> {
    let mut writer = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Necessary).from_writer(out);
    writer.write_record(FIELDS).map_err(write_error)?;
    for place in places {
        writer.write_record(standard_values(place)).map_err(write_error)?;
    }
    writer.flush().map_err(write_error)
}

/// The standard's JSON object of a place: every non-empty field, coordinates as numbers.
pub fn standard_object(place: &Place) -> Map<String, Value> {
    let mut object = Map::new();
    for (field, value) in FIELDS.iter().zip(standard_values(place)) {
        if value.is_empty() {
            continue;
        }
        let json = match *field {
            "latitude" | "longitude" => value.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::String(value)),
            _ => Value::String(value),
        };
        object.insert((*field).to_owned(), json);
    }
    object
}

/// Writes a JSON array of flat objects, one place per line so large exports stream.
pub fn write_json<'a, W: Write>(places: impl IntoIterator<Item = &'a Place>, mut out: W) -> Result<(), FormatError> {
    out.write_all(b"[").map_err(write_error)?;
    for (index, place) in places.into_iter().enumerate() {
        if index > 0 {
            out.write_all(b",").map_err(write_error)?;
        }
        out.write_all(b"\n").map_err(write_error)?;
        serde_json::to_writer(&mut out, &standard_object(place)).map_err(write_error)?;
    }
    out.write_all(b"\n]\n").map_err(write_error)?;
    out.flush().map_err(write_error)
}

/// Writes a GeoJSON FeatureCollection; places without coordinates get a null geometry.
pub fn write_geojson<'a, W: Write>(places: impl IntoIterator<Item = &'a Place>, mut out: W) -> Result<(), FormatError> {
    out.write_all(br#"{"type":"FeatureCollection","features":["#).map_err(write_error)?;
    for (index, place) in places.into_iter().enumerate() {
        if index > 0 {
            out.write_all(b",").map_err(write_error)?;
        }
        out.write_all(b"\n").map_err(write_error)?;
        let geometry = match place.record.coordinates {
            Some(c) => serde_json::json!({"type": "Point", "coordinates": [c.longitude, c.latitude]}),
            None => Value::Null,
        };
        let feature = serde_json::json!({
            "type": "Feature",
            "id": place.id.0,
            "geometry": geometry,
            "properties": Value::Object(standard_object(place)),
        });
        serde_json::to_writer(&mut out, &feature).map_err(write_error)?;
    }
    out.write_all(b"\n]}\n").map_err(write_error)?;
    out.flush().map_err(write_error)
}

/// Writes places in the chosen format.
pub fn write<'a, W: Write>(format: ExportFormat, places: impl IntoIterator<Item = &'a Place>, out: W) -> Result<(), FormatError> {
    match format {
        ExportFormat::Csv => write_csv(places, out),
        ExportFormat::Json => write_json(places, out),
        ExportFormat::GeoJson => write_geojson(places, out),
    }
}
