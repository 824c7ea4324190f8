//! Opening hours as hubs' exports lay them out: one column (OSM or French text, left to the
//! domain builder), one text column per day, opening/closing time columns per day, or a set
//! of days plus one text for the times. The last three are turned into OSM syntax here,
//! because only the mapping knows which column is which day.

use chrono::Weekday;
use maillage_domain::hours::french;
use maillage_domain::text::fold;
use maillage_domain::{Problem, RawRecord};

use crate::reader::SourceRow;

const WEEK: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

/// How a mapping reads opening hours.
#[derive(Clone, Debug)]
pub(super) enum Hours {
    /// First non-empty column, OSM syntax or French free text: put into `horaires` as is.
    Column(Vec<String>),
    /// One free-text column per day ("9h-12h / 14h-17h", "Fermé").
    PerDay(Vec<(Weekday, String)>),
    /// Opening and closing time columns per day, one pair per slot of the day.
    PerDayRanges(Vec<(Weekday, Vec<(String, String)>)>),
    /// A column listing the open days ("{Lundi,Mardi}") and a free-text column.
    DaySet { days: String, text: Option<String> },
}

impl Hours {
    pub(super) fn columns(&self) -> Vec<&str> {
        match self {
            Hours::Column(columns) => columns.iter().map(String::as_str).collect(),
            Hours::PerDay(days) => days.iter().map(|(_, column)| column.as_str()).collect(),
            Hours::PerDayRanges(days) => days
                .iter()
                .flat_map(|(_, pairs)| pairs.iter().flat_map(|(open, close)| [open.as_str(), close.as_str()]))
                .collect(),
            Hours::DaySet { days, text } => std::iter::once(days.as_str()).chain(text.as_deref()).collect(),
        }
    }

    pub(super) fn apply(&self, row: &SourceRow, raw: &mut RawRecord, problems: &mut Vec<Problem>) {
        match self {
            Hours::Column(columns) => {
                if let Some(value) = columns.iter().find_map(|column| cell(row, column)) {
                    // The builder reads OSM syntax and falls back to French text itself.
                    raw.set("horaires", value);
                }
            }
            Hours::PerDay(days) => per_day(days, row, raw, problems),
            Hours::PerDayRanges(days) => per_day_ranges(days, row, raw, problems),
            Hours::DaySet { days, text } => day_set(days, text.as_deref(), row, raw, problems),
        }
    }
}

fn cell<'a>(row: &'a SourceRow, column: &str) -> Option<&'a str> {
    row.get(column).map(str::trim).filter(|value| !value.is_empty())
}

/// Day names as French exports write them: full, abbreviated, or OSM's two letters.
pub(super) fn weekday(name: &str) -> Option<Weekday> {
    let day = match fold(name).as_str() {
        "lundi" | "lun" | "mo" => Weekday::Mon,
        "mardi" | "mar" | "tu" => Weekday::Tue,
        "mercredi" | "mer" | "we" => Weekday::Wed,
        "jeudi" | "jeu" | "th" => Weekday::Thu,
        "vendredi" | "ven" | "fr" => Weekday::Fri,
        "samedi" | "sam" | "sa" => Weekday::Sat,
        "dimanche" | "dim" | "su" => Weekday::Sun,
        _ => return None,
    };
    Some(day)
}

fn french_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "lundi",
        Weekday::Tue => "mardi",
        Weekday::Wed => "mercredi",
        Weekday::Thu => "jeudi",
        Weekday::Fri => "vendredi",
        Weekday::Sat => "samedi",
        Weekday::Sun => "dimanche",
    }
}

fn converted(raw: &mut RawRecord, problems: &mut Vec<Problem>, original: &str, osm: String) {
    problems.push(Problem::info("horaires", original, format!("horaires convertis au format OpenStreetMap : {osm}")));
    raw.set("horaires", osm);
}

fn per_day(days: &[(Weekday, String)], row: &SourceRow, raw: &mut RawRecord, problems: &mut Vec<Problem>) {
    let week: Vec<(Weekday, Option<&str>)> = WEEK
        .iter()
        .map(|day| (*day, days.iter().filter(|(d, _)| d == day).find_map(|(_, column)| cell(row, column))))
        .collect();
    if week.iter().all(|(_, text)| text.is_none()) {
        return;
    }
    let original = week
        .iter()
        .filter_map(|(day, text)| text.map(|text| format!("{} : {text}", french_name(*day))))
        .collect::<Vec<_>>()
        .join(" ; ");
    match french::week_to_osm(&week) {
        Ok(osm) => converted(raw, problems, &original, osm),
        Err(err) => problems.push(Problem::warning(
            "horaires",
            &original,
            format!("horaires par jour non convertis, ignorés : {}", err.0),
        )),
    }
}

fn per_day_ranges(
    days: &[(Weekday, Vec<(String, String)>)],
    row: &SourceRow,
    raw: &mut RawRecord,
    problems: &mut Vec<Problem>,
) {
    // Each day's slots become a day text ("08:30-12:00 et 13:30-17:00") that the domain's
    // converter reads and groups like any per-day column.
    let mut texts: Vec<(Weekday, String)> = Vec::new();
    let mut bad = Vec::new();
    for day in WEEK {
        let mut slots = Vec::new();
        for (open_column, close_column) in days.iter().filter(|(d, _)| *d == day).flat_map(|(_, pairs)| pairs) {
            match (cell(row, open_column), cell(row, close_column)) {
                (None, None) => {}
                (Some(open), Some(close)) => slots.push(format!("{}-{}", open.trim(), close.trim())),
                (open, close) => {
                    bad.push(format!("{} {}-{}", french_name(day), open.unwrap_or("?"), close.unwrap_or("?")))
                }
            }
        }
        if !slots.is_empty() {
            texts.push((day, slots.join(" et ")));
        }
    }
    if texts.is_empty() && bad.is_empty() {
        return;
    }
    let original = texts
        .iter()
        .map(|(day, text)| format!("{} {text}", french_name(*day)))
        .chain(bad.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ; ");
    if !bad.is_empty() {
        // Half a day's hours would tell people a place is closed when it may be open.
        problems.push(Problem::warning(
            "horaires",
            &original,
            format!("horaires par jour incomplets ({}), ignorés", bad.join(", ")),
        ));
        return;
    }
    let week: Vec<(Weekday, Option<&str>)> =
        WEEK.iter().map(|day| (*day, texts.iter().find(|(d, _)| d == day).map(|(_, text)| text.as_str()))).collect();
    match french::week_to_osm(&week) {
        Ok(osm) => converted(raw, problems, &original, osm),
        Err(err) => problems.push(Problem::warning(
            "horaires",
            &original,
            format!("horaires par jour illisibles, ignorés : {}", err.0),
        )),
    }
}

fn day_set(
    days_column: &str,
    text_column: Option<&str>,
    row: &SourceRow,
    raw: &mut RawRecord,
    problems: &mut Vec<Problem>,
) {
    let days_value = cell(row, days_column);
    let text = text_column.and_then(|column| cell(row, column));
    let mut days = Vec::new();
    if let Some(value) = days_value {
        for token in
            value.split([',', ';', '|', ' ', '{', '}', '"', '/']).map(str::trim).filter(|token| !token.is_empty())
        {
            match weekday(token) {
                Some(day) if !days.contains(&day) => days.push(day),
                Some(_) => {}
                None => {
                    problems.push(Problem::info("horaires", token, format!("jour inconnu dans « {value} », ignoré")))
                }
            }
        }
    }
    let original = match (days_value, text) {
        (Some(days), Some(text)) => format!("{days} {text}"),
        (Some(days), None) => days.to_owned(),
        (None, Some(text)) => text.to_owned(),
        (None, None) => return,
    };
    let Some(text) = text else {
        problems.push(Problem::warning(
            "horaires",
            &original,
            "jours d'ouverture sans heures : horaires non renseignés",
        ));
        return;
    };
    // Days named in the text win over the listed days; times alone apply to the listed days.
    match french::to_osm_for_days(text, &days) {
        Ok(osm) => converted(raw, problems, &original, osm),
        Err(err) => problems.push(Problem::warning(
            "horaires",
            &original,
            format!("horaires non convertis, ignorés : {}", err.0),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_names() {
        assert_eq!(weekday("Lundi"), Some(Weekday::Mon));
        assert_eq!(weekday("DIM"), Some(Weekday::Sun));
        assert_eq!(weekday("Inconnu"), None);
    }
}
