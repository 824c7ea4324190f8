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
    /// data·inclusion v1 structures (a JSON array), one per place.
    DataInclusionStructures,
    /// data·inclusion v1 services (a JSON array), one per place and kind of help.
    DataInclusionServices,
}

impl ExportFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            "geojson" => Some(ExportFormat::GeoJson),
            "data-inclusion-structures" => Some(ExportFormat::DataInclusionStructures),
            "data-inclusion-services" => Some(ExportFormat::DataInclusionServices),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::GeoJson => "geojson",
            ExportFormat::DataInclusionStructures | ExportFormat::DataInclusionServices => "json",
        }
    }
}

/// Until a caller says otherwise: a producer named after the software, and no date bound.
fn default_options() -> crate::data_inclusion::Options {
    crate::data_inclusion::Options::new("maillage", chrono::NaiveDate::MAX)
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

fn write_error(err: impl WriteFailure) -> FormatError {
    FormatError::Write(err.reason())
}

/// The writers' errors, said in French.
trait WriteFailure {
    fn reason(&self) -> String;
}

impl WriteFailure for std::io::Error {
    fn reason(&self) -> String {
        crate::error::io_reason(self).to_owned()
    }
}

impl WriteFailure for csv::Error {
    fn reason(&self) -> String {
        crate::error::csv_reason(self)
    }
}

impl WriteFailure for serde_json::Error {
    fn reason(&self) -> String {
        crate::error::json_reason(self)
    }
}

/// The standard's JSON object of a place: every non-empty field, coordinates as numbers.
pub fn standard_object(place: &Place) -> Map<String, Value> {
    let mut object = Map::new();
    for (field, value) in FIELDS.iter().zip(standard_values(place)) {
        if value.is_empty() {
            continue;
        }
        let json = match *field {
            "latitude" | "longitude" => value
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or(Value::String(value)),
            _ => Value::String(value),
        };
        object.insert((*field).to_owned(), json);
    }
    object
}

/// Writes places one at a time in a chosen format, so an export never holds the whole
/// registry in memory.
pub struct PlaceWriter<W: Write> {
    format: ExportFormat,
    csv: Option<csv::Writer<W>>,
    out: Option<W>,
    count: usize,
    data_inclusion: crate::data_inclusion::Options,
}

impl<W: Write> PlaceWriter<W> {
    /// Starts the file: the CSV header, or the opening of the JSON array / FeatureCollection.
    pub fn new(format: ExportFormat, mut out: W) -> Result<Self, FormatError> {
        let csv = match format {
            ExportFormat::Csv => {
                let mut writer = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Necessary).from_writer(out);
                writer.write_record(FIELDS).map_err(write_error)?;
                return Ok(PlaceWriter {
                    format,
                    csv: Some(writer),
                    out: None,
                    count: 0,
                    data_inclusion: default_options(),
                });
            }
            ExportFormat::Json | ExportFormat::DataInclusionStructures | ExportFormat::DataInclusionServices => {
                out.write_all(b"[").map_err(write_error)?;
                None
            }
            ExportFormat::GeoJson => {
                out.write_all(br#"{"type":"FeatureCollection","features":["#).map_err(write_error)?;
                None
            }
        };
        Ok(PlaceWriter { format, csv, out: Some(out), count: 0, data_inclusion: default_options() })
    }

    /// Who the data·inclusion files name as their producer, and as of which day.
    pub fn with_data_inclusion(mut self, options: crate::data_inclusion::Options) -> Self {
        self.data_inclusion = options;
        self
    }

    pub fn write(&mut self, place: &Place) -> Result<(), FormatError> {
        if let Some(writer) = self.csv.as_mut() {
            writer.write_record(standard_values(place)).map_err(write_error)?;
            self.count += 1;
            return Ok(());
        }
        let out = self.out.as_mut().expect("a JSON writer keeps its output");
        if self.format == ExportFormat::DataInclusionServices {
            // A place without a kind of help has no service: it is written as a structure only.
            for service in crate::data_inclusion::services(place, &self.data_inclusion) {
                let separator: &[u8] = if self.count > 0 { b",\n" } else { b"\n" };
                out.write_all(separator).map_err(write_error)?;
                serde_json::to_writer(&mut *out, &service).map_err(write_error)?;
                self.count += 1;
            }
            return Ok(());
        }
        if self.count > 0 {
            out.write_all(b",").map_err(write_error)?;
        }
        out.write_all(b"\n").map_err(write_error)?;
        match self.format {
            ExportFormat::GeoJson => {
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
                serde_json::to_writer(&mut *out, &feature).map_err(write_error)?;
            }
            ExportFormat::DataInclusionStructures => {
                let structure = crate::data_inclusion::structure(place, &self.data_inclusion);
                serde_json::to_writer(&mut *out, &structure).map_err(write_error)?
            }
            _ => serde_json::to_writer(&mut *out, &standard_object(place)).map_err(write_error)?,
        }
        self.count += 1;
        Ok(())
    }

    /// Closes the file and returns how many places (services, for data·inclusion's services)
    /// were written.
    pub fn finish(self) -> Result<usize, FormatError> {
        if let Some(mut writer) = self.csv {
            writer.flush().map_err(write_error)?;
            return Ok(self.count);
        }
        let mut out = self.out.expect("a JSON writer keeps its output");
        let closing: &[u8] = if self.format == ExportFormat::GeoJson { b"\n]}\n" } else { b"\n]\n" };
        out.write_all(closing).map_err(write_error)?;
        out.flush().map_err(write_error)?;
        Ok(self.count)
    }
}

/// Writes places in the chosen format.
pub fn write<'a, W: Write>(
    format: ExportFormat,
    places: impl IntoIterator<Item = &'a Place>,
    out: W,
) -> Result<usize, FormatError> {
    let mut writer = PlaceWriter::new(format, out)?;
    for place in places {
        writer.write(place)?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    //! Property: any record written by the exporter is read back identical by the importer.

    use std::collections::BTreeSet;

    use chrono::{NaiveDate, TimeZone, Utc};
    use maillage_domain::*;
    use proptest::prelude::*;

    use super::*;
    use crate::reader::for_each_row;
    use crate::standard::row_to_raw;

    fn subset<T: Vocabulary + std::fmt::Debug>() -> impl Strategy<Value = BTreeSet<T>> {
        proptest::sample::subsequence(T::all().to_vec(), 0..=T::all().len())
            .prop_map(|values| values.into_iter().collect())
    }

    fn text() -> impl Strategy<Value = String> {
        // Free text as people write it: accents, quotes, commas, pipes, line breaks inside.
        "[A-Za-zÀ-ÿ0-9'\",;|«» \n-]{0,40}".prop_map(|s| s.trim().to_owned()).prop_filter("non-empty", |s| !s.is_empty())
    }

    fn optional_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(text())
    }

    prop_compose! {
        fn record()(
            id in "[a-z0-9-]{1,12}",
            pivot in proptest::option::of("[1-9][0-9]{13}"),
            nom in text(), commune in text(), adresse in text(),
            code_postal in "[0-9]{5}",
            code_insee in proptest::option::of("(0[1-9]|[13-9][0-9]|2[AB])[0-9]{3}"),
            complement_adresse in optional_text(),
            coordinates in proptest::option::of((-90.0f64..90.0, -180.0f64..180.0)),
            typologie in proptest::collection::vec("[A-Z_]{2,10}", 0..3),
            telephone in proptest::option::of("\\+33[1-9][0-9]{8}"),
            courriels in proptest::collection::vec("[a-z]{1,8}@[a-z]{1,8}\\.fr", 0..3),
            site_web in proptest::collection::vec("https://[a-z]{1,8}\\.fr/[a-z]{0,5}", 0..3),
            horaires in proptest::option::of(proptest::sample::select(vec!["Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00", "24/7", "Tu,Th 14:00-17:00; PH off"])),
            presentation_resume in optional_text(),
            presentation_detail in optional_text(),
            source in optional_text(),
            itinerance in subset::<Itinerance>(),
            structure_parente in optional_text(),
            date_maj in (1971i32..2030, 1u32..13, 1u32..29),
            services in subset::<Service>(),
            publics in subset::<Public>(),
            prise_en_charge in subset::<PriseEnCharge>(),
            frais in subset::<Frais>(),
            dispositifs in subset::<Dispositif>(),
            labels in subset::<FormationLabel>(),
            autres in proptest::collection::vec("[A-Za-z ]{1,12}".prop_map(|s| s.trim().to_owned()).prop_filter("non-empty", |s| !s.is_empty()), 0..3),
            acces in subset::<ModaliteAcces>(),
            accompagnement in subset::<ModaliteAccompagnement>(),
            fiche in proptest::option::of("https://acceslibre\\.beta\\.gouv\\.fr/[a-z]{1,8}/"),
            rdv in proptest::option::of("https://rdv\\.example\\.fr/[a-z]{1,8}"),
        ) -> PlaceRecord {
            let dedup = |values: Vec<String>| { let mut seen = BTreeSet::new(); values.into_iter().filter(|v| seen.insert(v.clone())).collect::<Vec<_>>() };
            PlaceRecord {
                id, pivot, nom, commune, code_postal, code_insee, adresse, complement_adresse,
                coordinates: coordinates.map(|(latitude, longitude)| Coordinates { latitude, longitude }),
                typologie: dedup(typologie), telephone, courriels: dedup(courriels), site_web: dedup(site_web),
                horaires: horaires.map(|h| Horaires::parse(h).unwrap()),
                presentation_resume, presentation_detail, source, itinerance, structure_parente,
                date_maj: NaiveDate::from_ymd_opt(date_maj.0, date_maj.1, date_maj.2),
                services, publics_specifiquement_adresses: publics, prise_en_charge_specifique: prise_en_charge,
                frais_a_charge: frais, dispositif_programmes_nationaux: dispositifs, formations_labels: labels,
                autres_formations_labels: dedup(autres), modalites_acces: acces, modalites_accompagnement: accompagnement,
                fiche_acces_libre: fiche, prise_rdv: rdv,
            }
        }
    }

    fn place(record: PlaceRecord) -> Place {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Place::first_version(PlaceId(record.id.clone()), "s", &record.id.clone(), record, at)
    }

    fn read_back(bytes: &[u8], name: &str) -> Vec<PlaceRecord> {
        let mut out = Vec::new();
        for_each_row::<()>(bytes, name, |row| {
            let built = build_record(&row_to_raw(&row));
            out.push(built.record.expect("an exported record is never rejected"));
            Ok(())
        })
        .map_err(|_| "read failed")
        .unwrap();
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn csv_and_json_exports_read_back_identical(records in proptest::collection::vec(record(), 1..5)) {
            let places: Vec<Place> = records.iter().cloned().map(place).collect();
            for (format, name) in [(ExportFormat::Csv, "x.csv"), (ExportFormat::Json, "x.json"), (ExportFormat::GeoJson, "x.geojson")] {
                let mut bytes = Vec::new();
                write(format, &places, &mut bytes).unwrap();
                let back = read_back(&bytes, name);
                prop_assert_eq!(&back, &records, "format {:?}", format);
            }
        }
    }
}
