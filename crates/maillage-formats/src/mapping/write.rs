//! Writes a [`MappingSpec`] as the TOML file a person would write: sections in the order of
//! `mappings/README.md`, fields in the standard's order, values inline, regexes as literal
//! strings, and optionally a comment above each line (the assistant's explanations). What
//! it writes reads back into the same spec ([`MappingSpec::from_toml`]), so a mapping can go
//! back and forth between a person and the assistant.

use std::fmt::Write as _;

use maillage_domain::build::FIELDS;

use super::spec::*;

/// A line (or block) of a mapping file, to hang a comment on (and, in a form, to show and
/// correct one line of a proposal): indexes count the `[[split]]`, `[[terms]]` and `[[skip]]`
/// tables in their order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(tag = "ligne", content = "cle", rename_all = "snake_case")]
pub enum LineKey {
    /// The file's opening comment.
    Header,
    Field(String),
    Extra(String),
    Split(usize),
    Term(usize),
    Skip(usize),
    Hours,
    Coordinates,
    Group,
    DeriveId,
}

const WEEK: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

/// A TOML basic string: quotes, backslashes and control characters escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A regex reads best as a literal string (no doubled backslashes) when it can be one.
fn quote_pattern(pattern: &str) -> String {
    if pattern.contains('\'') || pattern.chars().any(|c| (c as u32) < 0x20 || c == '\u{7f}') {
        quote(pattern)
    } else {
        format!("'{pattern}'")
    }
}

fn key(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        name.to_owned()
    } else {
        quote(name)
    }
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|item| quote(item)).collect::<Vec<_>>().join(", "))
}

fn one_or_many(value: &OneOrMany) -> String {
    match value {
        OneOrMany::One(one) => quote(one),
        OneOrMany::Many(many) => list(many),
    }
}

fn value(spec: &ValueSpec) -> String {
    match spec {
        ValueSpec::Column(column) => quote(column),
        ValueSpec::Columns(columns) => list(columns),
        ValueSpec::Full(table) => {
            let mut parts = Vec::new();
            if let Some(column) = &table.column {
                parts.push(format!("column = {}", quote(column)));
            }
            if let Some(columns) = &table.columns {
                parts.push(format!("columns = {}", list(columns)));
            }
            if let Some(join) = &table.join {
                parts.push(format!("join = {}", quote(join)));
            }
            if let Some(constant) = &table.value {
                parts.push(format!("value = {}", quote(constant)));
            }
            if let Some(default) = &table.default {
                parts.push(format!("default = {}", quote(default)));
            }
            if !table.ignore.is_empty() {
                parts.push(format!("ignore = {}", list(&table.ignore)));
            }
            if let Some(case) = table.case {
                parts.push(format!("case = {}", quote(case.as_str())));
            }
            if !table.replace.is_empty() {
                let pairs: Vec<String> = table
                    .replace
                    .iter()
                    .map(|(pattern, replacement)| format!("[{}, {}]", quote_pattern(pattern), quote(replacement)))
                    .collect();
                parts.push(format!("replace = [{}]", pairs.join(", ")));
            }
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

fn comment(out: &mut String, text: Option<String>) {
    if let Some(text) = text {
        for line in text.lines() {
            if line.trim().is_empty() {
                out.push_str("#\n");
            } else {
                let _ = writeln!(out, "# {}", line.trim_end());
            }
        }
    }
}

struct Matcher<'a> {
    column: &'a Option<String>,
    columns: &'a Option<Vec<String>>,
    contains: &'a Option<OneOrMany>,
    equals: &'a Option<OneOrMany>,
    regex: &'a Option<String>,
    truthy: &'a Option<bool>,
    unless: &'a [String],
}

fn matcher(out: &mut String, m: Matcher<'_>) {
    if let Some(column) = m.column {
        let _ = writeln!(out, "column = {}", quote(column));
    }
    if let Some(columns) = m.columns {
        let _ = writeln!(out, "columns = {}", list(columns));
    }
    if let Some(equals) = m.equals {
        let _ = writeln!(out, "equals = {}", one_or_many(equals));
    }
    if let Some(contains) = m.contains {
        let _ = writeln!(out, "contains = {}", one_or_many(contains));
    }
    if let Some(regex) = m.regex {
        let _ = writeln!(out, "regex = {}", quote_pattern(regex));
    }
    if let Some(truthy) = m.truthy {
        let _ = writeln!(out, "truthy = {truthy}");
    }
    if !m.unless.is_empty() {
        let _ = writeln!(out, "unless = {}", list(m.unless));
    }
}

/// Writes the spec as TOML, with `comments` giving an optional comment for each line.
pub fn to_toml(spec: &MappingSpec, comments: &dyn Fn(&LineKey) -> Option<String>) -> String {
    let mut out = String::new();
    if let Some(text) = comments(&LineKey::Header) {
        comment(&mut out, Some(text));
        out.push('\n');
    }
    let source = &spec.source;
    out.push_str("[source]\n");
    let _ = writeln!(out, "name = {}", quote(&source.name));
    for (name, text) in [
        ("description", &source.description),
        ("file", &source.file),
        ("origin", &source.origin),
        ("licence", &source.licence),
    ] {
        if let Some(text) = text {
            let _ = writeln!(out, "{name} = {}", quote(text));
        }
    }
    if !source.unread.is_empty() {
        let _ = writeln!(out, "unread = {}", list(&source.unread));
    }

    if !spec.fields.is_empty() {
        out.push_str("\n[fields]\n");
        // The standard's order, then anything else (the v0 composite names) as the map has it.
        let mut names: Vec<&String> = spec.fields.keys().collect();
        names.sort_by_key(|name| FIELDS.iter().position(|field| field == name).unwrap_or(FIELDS.len()));
        for name in names {
            comment(&mut out, comments(&LineKey::Field(name.clone())));
            let _ = writeln!(out, "{} = {}", key(name), value(&spec.fields[name]));
        }
    }

    for (index, split) in spec.split.iter().enumerate() {
        out.push('\n');
        comment(&mut out, comments(&LineKey::Split(index)));
        out.push_str("[[split]]\n");
        let _ = writeln!(out, "column = {}", quote(&split.column));
        if let Some(separator) = &split.separator {
            let _ = writeln!(out, "separator = {}", quote(separator));
        }
        if let Some(regex) = &split.regex {
            let _ = writeln!(out, "regex = {}", quote_pattern(regex));
        }
        if !split.into.is_empty() {
            let _ = writeln!(out, "into = {}", list(&split.into));
        }
        if let Some(otherwise) = &split.otherwise {
            let _ = writeln!(out, "otherwise = {}", quote(otherwise));
        }
        if split.optional {
            out.push_str("optional = true\n");
        }
    }

    if let Some(coordinates) = &spec.coordinates {
        out.push('\n');
        comment(&mut out, comments(&LineKey::Coordinates));
        out.push_str("[coordinates]\n");
        let projection = match coordinates.projection {
            Projection::Lambert93 => "lambert93",
        };
        let _ = writeln!(out, "projection = {}", quote(projection));
        let _ = writeln!(out, "x = {}", quote(&coordinates.x));
        let _ = writeln!(out, "y = {}", quote(&coordinates.y));
    }

    if let Some(group) = &spec.group {
        out.push('\n');
        comment(&mut out, comments(&LineKey::Group));
        out.push_str("[group]\n");
        let _ = writeln!(out, "by = {}", list(&group.by));
    }

    if let Some(derive) = &spec.derive_id {
        out.push('\n');
        comment(&mut out, comments(&LineKey::DeriveId));
        out.push_str("[derive_id]\n");
        let _ = writeln!(out, "from = {}", list(&derive.from));
        if !derive.prefix.is_empty() {
            let _ = writeln!(out, "prefix = {}", quote(&derive.prefix));
        }
    }

    if let Some(hours) = &spec.hours {
        out.push('\n');
        comment(&mut out, comments(&LineKey::Hours));
        out.push_str("[hours]\n");
        match hours {
            HoursSpec::Column { column, columns } => {
                out.push_str("layout = \"column\"\n");
                if let Some(column) = column {
                    let _ = writeln!(out, "column = {}", quote(column));
                }
                if let Some(columns) = columns {
                    let _ = writeln!(out, "columns = {}", list(columns));
                }
            }
            HoursSpec::PerDay { days } => {
                out.push_str("layout = \"per_day\"\n[hours.days]\n");
                for day in ordered_days(days.keys()) {
                    let _ = writeln!(out, "{} = {}", key(day), quote(&days[day]));
                }
            }
            HoursSpec::PerDayRanges { days } => {
                out.push_str("layout = \"per_day_ranges\"\n[hours.days]\n");
                for day in ordered_days(days.keys()) {
                    let pairs: Vec<String> =
                        days[day].iter().map(|(open, close)| format!("[{}, {}]", quote(open), quote(close))).collect();
                    let _ = writeln!(out, "{} = [{}]", key(day), pairs.join(", "));
                }
            }
            HoursSpec::DaySet { days, text } => {
                out.push_str("layout = \"day_set\"\n");
                let _ = writeln!(out, "days = {}", quote(days));
                if let Some(text) = text {
                    let _ = writeln!(out, "text = {}", quote(text));
                }
            }
        }
    }

    for (index, skip) in spec.skip.iter().enumerate() {
        out.push('\n');
        comment(&mut out, comments(&LineKey::Skip(index)));
        out.push_str("[[skip]]\n");
        matcher(
            &mut out,
            Matcher {
                column: &skip.column,
                columns: &skip.columns,
                contains: &skip.contains,
                equals: &skip.equals,
                regex: &skip.regex,
                truthy: &skip.truthy,
                unless: &skip.unless,
            },
        );
        let _ = writeln!(out, "reason = {}", quote(&skip.reason));
    }

    for (index, term) in spec.terms.iter().enumerate() {
        out.push('\n');
        comment(&mut out, comments(&LineKey::Term(index)));
        out.push_str("[[terms]]\n");
        matcher(
            &mut out,
            Matcher {
                column: &term.column,
                columns: &term.columns,
                contains: &term.contains,
                equals: &term.equals,
                regex: &term.regex,
                truthy: &term.truthy,
                unless: &term.unless,
            },
        );
        let _ = writeln!(out, "field = {}", quote(&term.field));
        if let Some(value) = &term.value {
            let _ = writeln!(out, "value = {}", quote(value));
        }
        if let Some(values) = &term.values {
            let _ = writeln!(out, "values = {}", list(values));
        }
    }

    if !spec.extras.is_empty() {
        out.push_str("\n[extras]\n");
        for (name, spec) in &spec.extras {
            comment(&mut out, comments(&LineKey::Extra(name.clone())));
            let _ = writeln!(out, "{} = {}", key(name), value(spec));
        }
    }
    out
}

/// Day keys in week order (unknown names last, as written), so that the file reads Monday first.
fn ordered_days<'a>(keys: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let mut days: Vec<&String> = keys.collect();
    days.sort_by_key(|day| WEEK.iter().position(|known| *known == day.as_str()).unwrap_or(WEEK.len()));
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_that_need_escaping_come_back_the_same() {
        let mut spec = MappingSpec::default();
        spec.source.name = "a \"b\" \\ c".to_owned();
        spec.source.description = Some("ligne 1\nligne 2\ttab \u{1}".to_owned());
        spec.fields.insert(
            "nom".to_owned(),
            ValueSpec::Full(ValueTable {
                column: Some("Nom de l'organisation".to_owned()),
                replace: vec![(r"^\s*(.+?)'s\b".to_owned(), "$1".to_owned()), (r"\d+".to_owned(), String::new())],
                ..ValueTable::default()
            }),
        );
        spec.fields.insert("commune".to_owned(), ValueSpec::Columns(vec!["Ville *".to_owned(), "é \"x\"".to_owned()]));
        spec.split.push(SplitSpec {
            column: "geo".to_owned(),
            regex: Some(r"^(?P<latitude>-?[0-9.]+)\s*,\s*(?P<longitude>-?[0-9.]+)$".to_owned()),
            ..SplitSpec::default()
        });
        let text = to_toml(&spec, &|key| matches!(key, LineKey::Header).then(|| "en-tête\n\nsuite".to_owned()));
        assert!(text.starts_with("# en-tête\n#\n# suite\n"), "{text}");
        assert!(text.contains(r"regex = '^(?P<latitude>-?[0-9.]+)\s*,\s*(?P<longitude>-?[0-9.]+)$'"), "{text}");
        assert_eq!(MappingSpec::from_toml(&text).unwrap(), spec, "{text}");
    }

    #[test]
    fn days_are_written_in_week_order() {
        let mut spec = MappingSpec::default();
        spec.source.name = "x".to_owned();
        spec.hours = Some(HoursSpec::PerDay {
            days: [("vendredi", "V"), ("lundi", "L"), ("dimanche", "D")]
                .into_iter()
                .map(|(day, column)| (day.to_owned(), column.to_owned()))
                .collect(),
        });
        let text = to_toml(&spec, &|_| None);
        let lundi = text.find("lundi").unwrap();
        assert!(
            lundi < text.find("vendredi").unwrap() && text.find("vendredi").unwrap() < text.find("dimanche").unwrap()
        );
        assert_eq!(MappingSpec::from_toml(&text).unwrap(), spec);
    }
}
