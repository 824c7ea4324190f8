//! Reads any flat places file into rows of (column, text) pairs: CSV with `,`, `;` or tab,
//! JSON arrays of flat objects (or an object holding such an array, or GeoJSON), gzip or
//! not, UTF-8 or Windows-1252. Values are kept as text; typing is the domain's job.

use std::io::Read;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{csv_reason, io_reason, json_reason, FormatError};

/// One row of a source file. `number` is what a person finds in the file: the line of the
/// record in a CSV (the header is line 1), the position of the object in a JSON array (from 1).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceRow {
    pub number: usize,
    pub values: Vec<(String, String)>,
    /// The numbers of the rows a mapping's `[group]` merged into this one (their values
    /// follow this row's in `values`); empty for a row read alone.
    pub merged: Vec<usize>,
}

impl SourceRow {
    /// The first non-empty value of a column (column names compared exactly).
    pub fn get(&self, column: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(name, value)| name == column && !value.trim().is_empty())
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    Csv,
    Json,
}

/// What the reader noticed about the file as a whole.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileInfo {
    pub format: Option<InputFormat>,
    pub gzip: bool,
    /// Set when the bytes were not UTF-8 and were decoded as Windows-1252.
    pub legacy_encoding: bool,
    pub delimiter: Option<char>,
    pub columns: Vec<String>,
}

/// Undoes gzip and legacy encodings, so the rest works on UTF-8 text. Plain UTF-8 input is
/// borrowed, not copied: national files are large. Binary content (a spreadsheet, an image,
/// UTF-16 text) is refused here rather than read as garbage rows.
pub fn decode<'a>(bytes: &'a [u8], info: &mut FileInfo) -> Result<std::borrow::Cow<'a, str>, FormatError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|err| FormatError::Unreadable(format!("archive gzip invalide ({})", io_reason(&err))))?;
        info.gzip = true;
        check_text(&out)?;
        return Ok(std::borrow::Cow::Owned(decode_text(&out, info).into_owned()));
    }
    check_text(bytes)?;
    Ok(decode_text(bytes, info))
}

/// Text files (CSV, JSON) in UTF-8 or Windows-1252 never hold NUL bytes, and hold few other
/// control characters; the start of the file is enough to tell.
fn check_text(bytes: &[u8]) -> Result<(), FormatError> {
    let head = &bytes[..bytes.len().min(8192)];
    let controls = head.iter().filter(|byte| **byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r' | 0x0c)).count();
    let spreadsheet = head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if spreadsheet || head.contains(&0) || controls * 20 > head.len() {
        let hint = if spreadsheet {
            "classeur ou archive (xlsx, ods, zip) : enregistrez-le d'abord au format CSV"
        } else {
            "contenu binaire (ou texte en UTF-16)"
        };
        return Err(FormatError::Unreadable(format!(
            "ce n'est pas un fichier texte CSV ou JSON : {hint} ; un fichier CSV ou JSON en UTF-8 ou Windows-1252 est attendu"
        )));
    }
    Ok(())
}

fn decode_text<'a>(bytes: &'a [u8], info: &mut FileInfo) -> std::borrow::Cow<'a, str> {
    let data = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(data) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            info.legacy_encoding = true;
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(data);
            std::borrow::Cow::Owned(text.into_owned())
        }
    }
}

/// Guesses the format from the file name, then from the content.
pub fn detect_format(name: &str, text: &str) -> InputFormat {
    let lower = name.to_ascii_lowercase();
    let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
    if lower.ends_with(".json") || lower.ends_with(".geojson") {
        return InputFormat::Json;
    }
    if lower.ends_with(".csv") || lower.ends_with(".tsv") || lower.ends_with(".txt") {
        return InputFormat::Csv;
    }
    match text.trim_start().chars().next() {
        Some('[') | Some('{') => InputFormat::Json,
        _ => InputFormat::Csv,
    }
}

/// Reads every row of a file and hands it to `sink`, in file order, without holding the
/// whole table in memory. Stops at the first error `sink` returns.
pub fn for_each_row<E>(
    bytes: &[u8],
    name: &str,
    mut sink: impl FnMut(SourceRow) -> Result<(), E>,
) -> Result<FileInfo, ReadFailure<E>> {
    let mut info = FileInfo::default();
    read_rows(bytes, name, &mut info, &mut sink)?;
    Ok(info)
}

fn read_rows<E>(
    bytes: &[u8],
    name: &str,
    info: &mut FileInfo,
    sink: &mut impl FnMut(SourceRow) -> Result<(), E>,
) -> Result<(), ReadFailure<E>> {
    let text = decode(bytes, info).map_err(ReadFailure::Format)?;
    let format = detect_format(name, &text);
    info.format = Some(format);
    match format {
        InputFormat::Csv => read_csv(&text, info, sink),
        InputFormat::Json => read_json(&text, info, sink),
    }
}

/// [`for_each_row`], with consecutive rows that have the same non-empty values in the
/// `group_by` columns merged into one row (a mapping's `[group]`: exports that give one row
/// per service of a place). The merged row keeps the first row's number and lists the others
/// in `merged`; its values are those of every row, in order. Rows are never held beyond the
/// current group.
pub fn for_each_grouped_row<E>(
    bytes: &[u8],
    name: &str,
    group_by: Option<&[String]>,
    mut sink: impl FnMut(SourceRow) -> Result<(), E>,
) -> Result<FileInfo, ReadFailure<E>> {
    let Some(columns) = group_by.filter(|columns| !columns.is_empty()) else {
        return for_each_row(bytes, name, sink);
    };
    let key = |row: &SourceRow| -> Option<Vec<String>> {
        let values: Vec<String> = columns
            .iter()
            .map(|column| row.get(column).map(|value| value.trim().to_owned()).unwrap_or_default())
            .collect();
        values.iter().any(|value| !value.is_empty()).then_some(values)
    };
    let mut current: Option<(Option<Vec<String>>, SourceRow)> = None;
    let info = for_each_row(bytes, name, |row| {
        let row_key = key(&row);
        if let Some((group_key, group)) = current.as_mut() {
            if row_key.is_some() && *group_key == row_key {
                group.merged.push(row.number);
                group.values.extend(row.values);
                return Ok(());
            }
        }
        match current.replace((row_key, row)) {
            Some((_, done)) => sink(done),
            None => Ok(()),
        }
    })?;
    if let Some((_, last)) = current {
        sink(last).map_err(ReadFailure::Sink)?;
    }
    Ok(info)
}

/// The first `limit` rows of a file and what the reader saw of it (for a JSON file, the
/// columns of those rows only), without reading the rest: enough to recognise a layout or
/// to suggest a mapping.
pub fn sample_rows(bytes: &[u8], name: &str, limit: usize) -> Result<(FileInfo, Vec<SourceRow>), FormatError> {
    struct Enough;
    let mut info = FileInfo::default();
    let mut rows = Vec::new();
    let read = read_rows(bytes, name, &mut info, &mut |row| {
        if rows.len() >= limit {
            return Err(Enough);
        }
        rows.push(row);
        Ok(())
    });
    match read {
        Ok(()) | Err(ReadFailure::Sink(Enough)) => Ok((info, rows)),
        Err(ReadFailure::Format(err)) => Err(err),
    }
}

/// Either the file could not be read, or the sink stopped the reading.
#[derive(Debug)]
pub enum ReadFailure<E> {
    Format(FormatError),
    Sink(E),
}

/// The delimiter of a CSV text, from its header line: the most frequent of `,`, `;` and tab
/// outside quotes (`,` when none).
pub fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut in_quotes = false;
    let (mut commas, mut semicolons, mut tabs) = (0, 0, 0);
    for ch in header.chars() {
        match ch {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => commas += 1,
            ';' if !in_quotes => semicolons += 1,
            '\t' if !in_quotes => tabs += 1,
            _ => {}
        }
    }
    if tabs > commas && tabs > semicolons {
        b'\t'
    } else if semicolons > commas {
        b';'
    } else {
        b','
    }
}

fn read_csv<E>(
    text: &str,
    info: &mut FileInfo,
    sink: &mut impl FnMut(SourceRow) -> Result<(), E>,
) -> Result<(), ReadFailure<E>> {
    let delimiter = sniff_delimiter(text);
    info.delimiter = Some(delimiter as char);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|err| ReadFailure::Format(FormatError::Csv { line: 1, message: csv_reason(&err) }))?
        .iter()
        .map(|name| name.trim().to_owned())
        .collect();
    info.columns = headers.clone();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|pos| pos.line()).unwrap_or(0) as usize;
                let values = headers
                    .iter()
                    .zip(record.iter())
                    .filter(|(_, value)| !value.trim().is_empty())
                    .map(|(name, value)| (name.clone(), bounded(value)))
                    .collect();
                sink(SourceRow { number: line, values, merged: Vec::new() }).map_err(ReadFailure::Sink)?;
            }
            Err(err) => {
                let line = err.position().map(|pos| pos.line()).unwrap_or(0);
                return Err(ReadFailure::Format(FormatError::Csv { line, message: csv_reason(&err) }));
            }
        }
    }
    Ok(())
}

/// A cell as kept in a row: at most one character beyond the longest value the domain
/// accepts ([`maillage_domain::build::MAX_VALUE_CHARS`]), so that a runaway cell (a 50 MB
/// name) is still reported as too long by the record builder but is never copied whole.
pub fn bounded(value: &str) -> String {
    let limit = maillage_domain::build::MAX_VALUE_CHARS + 1;
    if value.len() <= limit {
        return value.to_owned();
    }
    match value.char_indices().nth(limit) {
        Some((end, _)) => value[..end].to_owned(),
        None => value.to_owned(),
    }
}

/// Flattens a JSON value into text columns: nested objects become `parent.child`, arrays of
/// scalars are joined with the standard's `|`.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::String(text) => {
            if !text.trim().is_empty() {
                out.push((prefix.to_owned(), bounded(text)));
            }
        }
        Value::Number(number) => out.push((prefix.to_owned(), number.to_string())),
        Value::Bool(flag) => out.push((prefix.to_owned(), flag.to_string())),
        Value::Array(items) => {
            if items.iter().all(|item| !item.is_object() && !item.is_array()) {
                let joined: Vec<String> = items
                    .iter()
                    .filter_map(|item| match item {
                        Value::String(text) => Some(text.clone()),
                        Value::Null => None,
                        other => Some(other.to_string()),
                    })
                    .collect();
                if !joined.is_empty() {
                    out.push((prefix.to_owned(), bounded(&joined.join("|"))));
                }
            } else {
                out.push((prefix.to_owned(), bounded(&value.to_string())));
            }
        }
        Value::Object(map) => {
            for (key, inner) in map {
                let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&name, inner, out);
            }
        }
    }
}

fn object_to_row(number: usize, object: &Map<String, Value>) -> SourceRow {
    let mut values = Vec::with_capacity(object.len());
    // GeoJSON: properties are the columns, a Point geometry gives the coordinates.
    if object.get("type").and_then(Value::as_str) == Some("Feature") {
        if let Some(Value::Object(properties)) = object.get("properties") {
            for (key, value) in properties {
                flatten(key, value, &mut values);
            }
        }
        if let Some(coordinates) = object.get("geometry").and_then(|g| g.get("coordinates")).and_then(Value::as_array) {
            if let (Some(lon), Some(lat)) = (coordinates.first(), coordinates.get(1)) {
                if !values.iter().any(|(name, _)| name == "latitude") {
                    values.push(("latitude".to_owned(), lat.to_string()));
                    values.push(("longitude".to_owned(), lon.to_string()));
                }
            }
        }
    } else {
        for (key, value) in object {
            flatten(key, value, &mut values);
        }
    }
    SourceRow { number, values, merged: Vec::new() }
}

fn read_json<E>(
    text: &str,
    info: &mut FileInfo,
    sink: &mut impl FnMut(SourceRow) -> Result<(), E>,
) -> Result<(), ReadFailure<E>> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let mut failure: Option<E> = None;
        let mut deserializer = serde_json::Deserializer::from_str(trimmed);
        let visitor = RowVisitor { sink, failure: &mut failure, columns: &mut info.columns };
        let result = visitor.deserialize(&mut deserializer);
        if let Some(err) = failure {
            return Err(ReadFailure::Sink(err));
        }
        result.map_err(|err| ReadFailure::Format(FormatError::Json(json_reason(&err))))?;
        deserializer.end().map_err(|err| ReadFailure::Format(FormatError::Json(json_reason(&err))))?;
        return Ok(());
    }
    let value: Value =
        serde_json::from_str(trimmed).map_err(|err| ReadFailure::Format(FormatError::Json(json_reason(&err))))?;
    let items = find_rows(&value).ok_or_else(|| {
        ReadFailure::Format(FormatError::Json(
            "aucune liste d'objets trouvée (tableau JSON, GeoJSON ou objet contenant une liste)".to_owned(),
        ))
    })?;
    for (index, item) in items.iter().enumerate() {
        let row = match item {
            Value::Object(object) => object_to_row(index + 1, object),
            _ => SourceRow { number: index + 1, ..SourceRow::default() },
        };
        remember_columns(&mut info.columns, &row);
        sink(row).map_err(ReadFailure::Sink)?;
    }
    Ok(())
}

fn remember_columns(columns: &mut Vec<String>, row: &SourceRow) {
    // Files list their columns once; JSON objects may each have their own, so keep the union.
    if columns.len() < 512 {
        for (name, _) in &row.values {
            if !columns.contains(name) {
                columns.push(name.clone());
            }
        }
    }
}

fn find_rows(value: &Value) -> Option<&Vec<Value>> {
    match value {
        Value::Array(items) => Some(items),
        Value::Object(map) => {
            if let Some(Value::Array(features)) = map.get("features") {
                return Some(features);
            }
            map.values().find_map(|inner| match inner {
                Value::Array(items) if items.iter().any(Value::is_object) => Some(items),
                _ => None,
            })
        }
        _ => None,
    }
}

/// Streams the elements of a top-level JSON array to the sink, one object at a time.
struct RowVisitor<'a, E, F> {
    sink: &'a mut F,
    failure: &'a mut Option<E>,
    columns: &'a mut Vec<String>,
}

impl<'de, E, F: FnMut(SourceRow) -> Result<(), E>> DeserializeSeed<'de> for RowVisitor<'_, E, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, E, F: FnMut(SourceRow) -> Result<(), E>> Visitor<'de> for RowVisitor<'_, E, F> {
    type Value = ();
    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("un tableau d'objets")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut number = 0;
        while let Some(item) = seq.next_element::<Value>()? {
            number += 1;
            let row = match &item {
                Value::Object(object) => object_to_row(number, object),
                _ => SourceRow { number, ..SourceRow::default() },
            };
            remember_columns(self.columns, &row);
            if let Err(err) = (self.sink)(row) {
                *self.failure = Some(err);
                return Err(serde::de::Error::custom("lecture interrompue"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8], name: &str) -> (FileInfo, Vec<SourceRow>) {
        let mut out = Vec::new();
        let info = for_each_row::<()>(bytes, name, |row| {
            out.push(row);
            Ok(())
        })
        .map_err(|_| "read failed")
        .unwrap();
        (info, out)
    }

    /// A runaway cell (megabytes in one name) is cut just beyond the longest value the
    /// domain accepts, in CSV and JSON alike, so it is reported as too long without being
    /// copied whole through the import.
    #[test]
    fn runaway_cells_are_cut_just_beyond_the_longest_value() {
        let limit = maillage_domain::build::MAX_VALUE_CHARS + 1;
        let huge = "é".repeat(3 * limit);
        let csv = format!("id,nom\n1,{huge}\n2,court\n");
        let json = serde_json::to_string(&serde_json::json!([{"id": "1", "nom": huge, "liste": [huge]}])).unwrap();
        for (bytes, name) in [(csv.as_bytes(), "a.csv"), (json.as_bytes(), "a.json")] {
            let mut rows = Vec::new();
            for_each_row::<()>(bytes, name, |row| {
                rows.push(row);
                Ok(())
            })
            .unwrap();
            let nom = rows[0].get("nom").unwrap();
            assert_eq!(nom.chars().count(), limit, "{name}");
            assert!(rows[0].values.iter().all(|(_, value)| value.chars().count() <= limit));
        }
    }

    #[test]
    fn csv_with_semicolons_and_latin1() {
        let bytes = b"nom;commune\nBiblioth\xe8que;Digne\n";
        let (info, rows) = rows(bytes, "x.csv");
        assert!(info.legacy_encoding);
        assert_eq!(info.delimiter, Some(';'));
        assert_eq!(rows[0].get("nom"), Some("Bibliothèque"));
        assert_eq!(rows[0].number, 2);
    }

    #[test]
    fn json_numbers_and_nested_objects() {
        let (_, rows) = rows(br#"[{"code_postal": 13100, "geo": {"lat": 1.5}, "x": null, "l": ["a","b"]}]"#, "x.json");
        assert_eq!(rows[0].get("code_postal"), Some("13100"));
        assert_eq!(rows[0].get("geo.lat"), Some("1.5"));
        assert_eq!(rows[0].get("l"), Some("a|b"));
        assert_eq!(rows[0].get("x"), None);
    }

    #[test]
    fn binary_files_are_refused() {
        for bytes in
            [&b"PK\x03\x04\x14\x00\x06\x00"[..], &b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"[..], &b"n\x00o\x00m\x00"[..]]
        {
            let err = for_each_row::<()>(bytes, "x.csv", |_| Ok(())).map(|_| ()).unwrap_err();
            match err {
                ReadFailure::Format(FormatError::Unreadable(message)) => {
                    assert!(message.contains("pas un fichier texte CSV ou JSON"), "{message}")
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn consecutive_rows_of_one_place_are_grouped() {
        let bytes = b"nom;service\nA;x\nA;y\nB;z\n;w\n;v\nA;u\n";
        let mut out = Vec::new();
        let by = vec!["nom".to_owned()];
        for_each_grouped_row::<()>(bytes, "x.csv", Some(&by), |row| {
            out.push(row);
            Ok(())
        })
        .map_err(|_| "read failed")
        .unwrap();
        let summary: Vec<(usize, Vec<usize>, usize)> =
            out.iter().map(|row| (row.number, row.merged.clone(), row.values.len())).collect();
        // A and A merge; rows without a key never merge; A again later is another row.
        assert_eq!(summary, vec![(2, vec![3], 4), (4, vec![], 2), (5, vec![], 1), (6, vec![], 1), (7, vec![], 2)]);
    }

    #[test]
    fn a_sample_stops_early_and_keeps_the_header() {
        let (info, rows) = sample_rows(b"a,b,c\n1,,\n2,,\n3,,\n", "x.csv", 2).unwrap();
        assert_eq!(info.columns, ["a", "b", "c"]);
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn geojson_features() {
        let text = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"nom":"A"},"geometry":{"type":"Point","coordinates":[2.5,47.1]}}]}"#;
        let (_, rows) = rows(text, "x.geojson");
        assert_eq!(rows[0].get("latitude"), Some("47.1"));
        assert_eq!(rows[0].get("longitude"), Some("2.5"));
    }
}
