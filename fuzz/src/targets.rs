//! What each fuzz target does with its input: the parsers of everything Maillage reads from
//! outside (files, mappings, opening hours, query strings), with the properties that must hold
//! whatever the bytes. A panic, an overflow or a property broken is a finding. Plain Rust with
//! no fuzzing dependency, so the main test suite replays every corpus file through it.

use chrono::{NaiveDate, NaiveTime};
use maillage_coverage::{Filters, Jour, PlaceFilter};
use maillage_domain::hours::french;
use maillage_domain::{build_record, Horaires};
use maillage_formats::mapping::Mapping;
use maillage_formats::reader;
use maillage_formats::standard::StandardColumns;

/// The file reader (CSV and JSON, gzip, encodings) and the record builder on every row.
pub fn reader(data: &[u8]) {
    for name in ["lieux.csv", "lieux.json"] {
        let mut columns = StandardColumns::default();
        let _ = reader::for_each_row::<()>(data, name, |row| {
            for (_, value) in &row.values {
                assert!(
                    value.chars().count() <= maillage_domain::build::MAX_VALUE_CHARS + 1,
                    "a cell beyond the bound"
                );
            }
            let built = build_record(&columns.row_to_raw(&row));
            if let Some(record) = built.record {
                assert!(!record.id.is_empty() && !record.nom.is_empty(), "a kept record without id or name");
            }
            Ok(())
        });
        let _ = reader::sample_rows(data, name, 5);
    }
}

/// A mapping file: parsed, and when it is valid, read again from what it writes.
pub fn mapping_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(mapping) = Mapping::from_toml(text) {
        let written = mapping.spec().to_toml();
        Mapping::from_toml(&written).unwrap_or_else(|err| panic!("a valid mapping written back is refused: {err}"));
    }
}

/// French free text to OSM hours: whatever it gives is valid OSM syntax.
pub fn french_hours(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(osm) = french::to_osm(text) {
        Horaires::parse(&osm).unwrap_or_else(|err| panic!("converted « {text} » to invalid « {osm} »: {err}"));
    }
    let _ = french::day_ranges(text);
}

/// OSM hours: parsed, then evaluated around a reference week.
pub fn osm_hours(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(hours) = Horaires::parse(text) else { return };
    let monday = NaiveDate::from_ymd_opt(2026, 3, 2).expect("a date");
    for day in 0..7 {
        let date = monday + chrono::Days::new(day);
        let _ = hours.open_intervals_on(date);
        let at = date.and_time(NaiveTime::from_hms_opt(10, 30, 0).expect("a time"));
        let _ = hours.is_open_at(at);
        if let Some(next) = hours.next_change(at) {
            assert!(next > at, "the next change of « {text} » is not after {at}");
        }
    }
}

/// A query string as the API and the pages receive it: decoded, then every value through the
/// filter language and the day names.
pub fn query_string(data: &[u8]) {
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) else { return };
    for (_, value) in &pairs {
        let _ = PlaceFilter::parse(value);
        let _ = Jour::parse(value);
    }
    if let Ok(filters) = Filters::parse(pairs.iter().map(|(_, value)| value.as_str())) {
        // Parsed filters are shown back to people: their text reads as a filter again.
        for filter in &filters.0 {
            let _ = filter.to_string();
        }
    }
}

/// A target: what it is called (its corpus folder) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target by name, for the corpus regression test.
pub const TARGETS: [Target; 5] = [
    ("reader", reader),
    ("mapping_toml", mapping_toml),
    ("french_hours", french_hours),
    ("osm_hours", osm_hours),
    ("query_string", query_string),
];
