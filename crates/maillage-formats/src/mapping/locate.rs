//! Where a line of a mapping is in the TOML text a person wrote: mistakes found in a mapping's
//! meaning (after the syntax is read) and columns a file lacks are reported with their line, as
//! syntax mistakes are, so that a person goes straight to it.

use super::write::LineKey;

/// A header line's table name and whether it is an array of tables (`[[terms]]`).
fn header(line: &str) -> Option<(&str, bool)> {
    let line = line.split('#').next().unwrap_or(line).trim();
    if let Some(name) = line.strip_prefix("[[").and_then(|rest| rest.strip_suffix("]]")) {
        return Some((name.trim(), true));
    }
    line.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).map(|name| (name.trim(), false))
}

/// The key of a `key = value` line, without its quotes.
fn key(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    Some(key.trim_matches(|c| c == '"' || c == '\''))
}

/// The line (from 1) where `key` is written in `text`, if it can be found.
pub fn line_of(text: &str, key_sought: &LineKey) -> Option<usize> {
    if *key_sought == LineKey::Header {
        return Some(1);
    }
    let mut table = "";
    let mut counts: [usize; 3] = [0; 3];
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if let Some((name, array)) = header(line) {
            table = name;
            let found = match (name, array, key_sought) {
                ("split", true, LineKey::Split(n)) => Some(counts[0] == *n),
                ("terms", true, LineKey::Term(n)) => Some(counts[1] == *n),
                ("skip", true, LineKey::Skip(n)) => Some(counts[2] == *n),
                ("hours", false, LineKey::Hours)
                | ("coordinates", false, LineKey::Coordinates)
                | ("group", false, LineKey::Group)
                | ("derive_id", false, LineKey::DeriveId) => Some(true),
                _ => None,
            };
            match name {
                "split" => counts[0] += 1,
                "terms" => counts[1] += 1,
                "skip" => counts[2] += 1,
                _ => {}
            }
            if found == Some(true) {
                return Some(number);
            }
            continue;
        }
        let wanted = match key_sought {
            LineKey::Field(field) if table == "fields" => field,
            LineKey::Extra(extra) if table == "extras" => extra,
            _ => continue,
        };
        if key(line).is_some_and(|found| found == wanted) {
            return Some(number);
        }
    }
    None
}

/// The first line (from 1) that names `column` as a column to read (`[source]`'s list of
/// unread columns left aside), if any.
pub fn line_of_column(text: &str, column: &str) -> Option<usize> {
    let quoted = [format!("\"{column}\""), format!("'{column}'")];
    let mut table = "";
    for (index, line) in text.lines().enumerate() {
        if let Some((name, _)) = header(line) {
            table = name;
            continue;
        }
        let code = line.split(" #").next().unwrap_or(line);
        if table != "source" && !code.trim_start().starts_with('#') && quoted.iter().any(|q| code.contains(q.as_str()))
        {
            return Some(index + 1);
        }
    }
    None
}

/// The line a mistake found by [`super::Mapping::from_spec`] is about, from the section its
/// message starts with (`[fields] nom : …`, `[[terms]] n° 3 (…) : …`).
pub(crate) fn line_of_error(text: &str, message: &str) -> Option<usize> {
    let numbered = |rest: &str| -> Option<usize> {
        let digits: String =
            rest.trim_start().strip_prefix("n°")?.trim_start().chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<usize>().ok()?.checked_sub(1)
    };
    // "[fields] nom : …", or "[fields] : « service » n'est pas un champ…" for an unknown key.
    let named = |rest: &str| -> Option<String> {
        let name = match rest.trim_start().strip_prefix(": «") {
            Some(quoted) => quoted.split('»').next()?.trim(),
            None => rest.split(" : ").next()?.trim(),
        };
        (!name.is_empty()).then(|| name.to_owned())
    };
    let key = if let Some(rest) = message.strip_prefix("[fields]") {
        LineKey::Field(named(rest)?)
    } else if let Some(rest) = message.strip_prefix("[extras]") {
        LineKey::Extra(named(rest)?)
    } else if let Some(rest) = message.strip_prefix("[[split]]") {
        LineKey::Split(numbered(rest)?)
    } else if let Some(rest) = message.strip_prefix("[[terms]]") {
        LineKey::Term(numbered(rest)?)
    } else if let Some(rest) = message.strip_prefix("[[skip]]") {
        LineKey::Skip(numbered(rest)?)
    } else if message.starts_with("[hours]") || message.contains("[hours]") {
        LineKey::Hours
    } else if message.starts_with("[coordinates]") {
        LineKey::Coordinates
    } else if message.starts_with("[group]") {
        LineKey::Group
    } else if message.starts_with("[derive_id]") {
        LineKey::DeriveId
    } else {
        return None;
    };
    line_of(text, &key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# Essai
[source]
name = "t"
unread = ["Nom"]

[fields]
nom = "Nom"
"adresse" = 'Rue'

[[terms]]
column = "Type"
contains = "EPN"
field = "typologie"
value = "EPN"

[[terms]] # deux
column = "Public"
field = "typologie"
contains = "Médiathèque"
value = "BIB"

[hours]
layout = "column"
column = "Horaires"
"#;

    #[test]
    fn keys_and_columns_are_found_on_their_line() {
        assert_eq!(line_of(TEXT, &LineKey::Field("nom".to_owned())), Some(7));
        assert_eq!(line_of(TEXT, &LineKey::Field("adresse".to_owned())), Some(8));
        assert_eq!(line_of(TEXT, &LineKey::Field("commune".to_owned())), None);
        assert_eq!(line_of(TEXT, &LineKey::Term(0)), Some(10));
        assert_eq!(line_of(TEXT, &LineKey::Term(1)), Some(16));
        assert_eq!(line_of(TEXT, &LineKey::Term(2)), None);
        assert_eq!(line_of(TEXT, &LineKey::Hours), Some(22));
        // "Nom" is first named in [source]'s unread columns, which do not count.
        assert_eq!(line_of_column(TEXT, "Nom"), Some(7));
        assert_eq!(line_of_column(TEXT, "Rue"), Some(8));
        assert_eq!(line_of_column(TEXT, "Public"), Some(17));
        assert_eq!(line_of_column(TEXT, "Absent"), None);
    }

    #[test]
    fn a_mistake_in_the_meaning_says_its_line() {
        super::super::Mapping::from_toml(TEXT).expect("the example loads");
        let text = TEXT.replace(
            "field = \"typologie\"\ncontains = \"Médiathèque\"\nvalue = \"BIB\"",
            "field = \"services\"\ncontains = \"Médiathèque\"\nvalue = \"Cuisine\"",
        );
        let err = super::super::Mapping::from_toml(&text).unwrap_err().to_string();
        assert!(err.starts_with("fichier de correspondance invalide : ligne 16 : [[terms]] n° 2"), "{err}");
        let text = TEXT.replace("nom = \"Nom\"", "nom = \"Nom\"\nservice = \"S\"");
        let err = super::super::Mapping::from_toml(&text).unwrap_err().to_string();
        assert!(err.starts_with("fichier de correspondance invalide : ligne 8 : [fields] : « service »"), "{err}");
    }
}
