//! Opening hours in OpenStreetMap `opening_hours` syntax, parsed and evaluated by the
//! `opening-hours` crate. The original text is kept as written by the source.
//!
//! **Evaluation at a time** ([`Horaires::is_open_at`]) uses France's public holidays
//! ([`french_public_holidays`]) as the `PH` calendar, and reads hours that never mention `PH`
//! as closed on public holidays: the places of the standard are mostly public services and
//! associations, closed on *jours fériés*, and sources that say so explicitly are a minority.
//! Times are local to Europe/Paris: [`paris_local`] turns a UTC instant ("now") into one.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use opening_hours::{Context, ContextHolidays, OpeningHours, RuleKind};

pub mod french;

/// A valid `opening_hours` value with its parsed form.
#[derive(Clone)]
pub struct Horaires {
    original: String,
    parsed: Arc<OpeningHours>,
}

impl Horaires {
    /// Parses an OSM `opening_hours` string.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("horaires vides".to_owned());
        }
        match parse_cached(trimmed) {
            Ok(parsed) => Ok(Horaires { original: trimmed.to_owned(), parsed }),
            Err(err) => {
                // Real files write "Sa  10:00-12:00": a run of spaces means one to a person, so
                // it is read as one rather than losing the whole week.
                let single = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
                if single == trimmed {
                    return Err(err);
                }
                let parsed = parse_cached(&single).map_err(|_| err)?;
                Ok(Horaires { original: single, parsed })
            }
        }
    }

    /// The text as the source wrote it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// Whether the place is open at a local (Europe/Paris) date and time, French public
    /// holidays included: `Some(true)` open, `Some(false)` closed, `None` when the hours say
    /// "unknown" then (or the time is beyond what the hours can be evaluated for).
    pub fn is_open_at(&self, at: NaiveDateTime) -> Option<bool> {
        self.evaluator().is_open_at(at)
    }

    /// Whether the place is open at a UTC instant (typically "now"), read in Europe/Paris time.
    pub fn is_open_at_utc(&self, at: DateTime<Utc>) -> Option<bool> {
        self.is_open_at(paris_local(at))
    }

    /// The open intervals of one local day (public holidays applied), in order, for a weekly
    /// table. An interval that runs past midnight ends at 24:00 (`end` is `None`).
    pub fn open_intervals_on(&self, date: NaiveDate) -> Vec<OpenInterval> {
        self.evaluator().open_intervals_on(date)
    }

    /// The next local time at which the state (open, closed, unknown) changes after `at`,
    /// within a week; `None` when it does not change in that time.
    pub fn next_change(&self, at: NaiveDateTime) -> Option<NaiveDateTime> {
        self.evaluator().next_change(at)
    }

    /// The evaluator with the French holiday calendar, shared by every copy of these hours.
    pub fn evaluator(&self) -> Arc<HoursEvaluator> {
        evaluator_cached(&self.original, &self.parsed)
    }

    /// The hours as parsed, without the holiday calendar (the reference-week filters use it).
    pub fn parsed(&self) -> &OpeningHours {
        &self.parsed
    }

    /// The usual week from Monday in words, as the place page and the mails write it (the
    /// OpenStreetMap syntax is for programs): a reference week without public holidays, so
    /// that the text stays true next week.
    pub fn usual_week(&self) -> Vec<(&'static str, String)> {
        // Monday 5 to Sunday 11 January 2026: no public holiday.
        let monday = NaiveDate::from_ymd_opt(2026, 1, 5).expect("a valid date");
        WEEKDAYS
            .iter()
            .zip(monday.iter_days())
            .map(|(name, date)| (*name, intervals_text(&self.open_intervals_on(date))))
            .collect()
    }
}

/// French day names from Monday.
pub const WEEKDAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

/// A day's open intervals in words: "09:00 – 12:00, 14:00 – 17:00", or "Fermé".
pub fn intervals_text(intervals: &[OpenInterval]) -> String {
    if intervals.is_empty() {
        return "Fermé".to_owned();
    }
    intervals
        .iter()
        .map(|i| {
            let end = i.end.map(|e| e.format("%H:%M").to_string()).unwrap_or_else(|| "24:00".to_owned());
            format!("{} – {end}", i.start.format("%H:%M"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One open interval of a day, in local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenInterval {
    pub start: NaiveTime,
    /// `None`: until midnight.
    pub end: Option<NaiveTime>,
}

/// Opening hours ready to be evaluated at dates: the expression with France's public holidays
/// as its `PH` calendar, and `PH off` added when the source never mentions `PH` (see the
/// module's note). Cheap to keep per place; evaluation does not allocate beyond the crate's own.
pub struct HoursEvaluator {
    hours: OpeningHours,
}

impl HoursEvaluator {
    fn new(original: &str, parsed: &OpeningHours) -> Self {
        let mentions_holidays = original.contains("PH");
        // `||` fallback rules would turn "; PH off" into part of the last fallback group:
        // such expressions are kept as written.
        let hours = if mentions_holidays || original.contains("||") {
            parsed.clone()
        } else {
            format!("{original}; PH off").parse::<OpeningHours>().unwrap_or_else(|_| parsed.clone())
        };
        HoursEvaluator { hours: hours.with_context(french_context()) }
    }

    /// See [`Horaires::is_open_at`].
    pub fn is_open_at(&self, at: NaiveDateTime) -> Option<bool> {
        if at >= opening_hours::DATE_END {
            return None;
        }
        match self.hours.state(at).0 {
            RuleKind::Open => Some(true),
            RuleKind::Closed => Some(false),
            RuleKind::Unknown => None,
        }
    }

    /// See [`Horaires::open_intervals_on`].
    pub fn open_intervals_on(&self, date: NaiveDate) -> Vec<OpenInterval> {
        let Some(from) = date.and_hms_opt(0, 0, 0) else { return Vec::new() };
        let Some(next) = date.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)) else { return Vec::new() };
        if next >= opening_hours::DATE_END {
            return Vec::new();
        }
        self.hours
            .iter_range(from, next)
            .filter(|range| range.kind == RuleKind::Open && range.range.start < range.range.end)
            .map(|range| OpenInterval {
                start: range.range.start.time(),
                end: (range.range.end < next).then(|| range.range.end.time()),
            })
            .collect()
    }

    /// See [`Horaires::next_change`].
    pub fn next_change(&self, at: NaiveDateTime) -> Option<NaiveDateTime> {
        let horizon = at + chrono::Days::new(7);
        if horizon >= opening_hours::DATE_END {
            return None;
        }
        self.hours.iter_range(at, horizon).next().map(|range| range.range.end).filter(|end| *end < horizon)
    }
}

/// Evaluators are built once per distinct hours text (a few hundred in a national file).
fn evaluator_cached(text: &str, parsed: &OpeningHours) -> Arc<HoursEvaluator> {
    const LIMIT: usize = 20_000;
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<HoursEvaluator>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|map| map.get(text).cloned()) {
        return found;
    }
    let evaluator = Arc::new(HoursEvaluator::new(text, parsed));
    if let Ok(mut map) = cache.lock() {
        if map.len() >= LIMIT {
            map.clear();
        }
        map.insert(text.to_owned(), evaluator.clone());
    }
    evaluator
}

/// The years for which the holiday calendar is filled; outside, `PH` rules never match.
const HOLIDAY_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

fn french_context() -> Context {
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT
        .get_or_init(|| {
            let mut calendar = compact_calendar::CompactCalendar::default();
            for year in HOLIDAY_YEARS {
                for day in french_public_holidays(year) {
                    calendar.insert(day);
                }
            }
            let holidays = ContextHolidays::new(Arc::new(calendar), Arc::default());
            Context::default().with_holidays(holidays)
        })
        .clone()
}

/// Easter Sunday of a Gregorian year (anonymous Gregorian computus, Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("the computus gives a valid date")
}

/// The eleven national public holidays (*jours fériés*) of mainland France in a year, in date
/// order: 1 January, Easter Monday, 1 May, 8 May, Ascension, Whit Monday, 14 July, 15 August,
/// 1 November, 11 November, 25 December. (Alsace-Moselle's Good Friday and 26 December and the
/// overseas abolition days are local and not included.)
pub fn french_public_holidays(year: i32) -> Vec<NaiveDate> {
    let easter = easter_sunday(year);
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day).expect("valid fixed holiday");
    let mut days = vec![
        fixed(1, 1),
        easter + chrono::Days::new(1),
        fixed(5, 1),
        fixed(5, 8),
        easter + chrono::Days::new(39),
        easter + chrono::Days::new(50),
        fixed(7, 14),
        fixed(8, 15),
        fixed(11, 1),
        fixed(11, 11),
        fixed(12, 25),
    ];
    days.sort();
    days.dedup();
    days
}

/// Whether a date is a national public holiday of mainland France.
pub fn is_french_public_holiday(date: NaiveDate) -> bool {
    french_public_holidays(date.year()).contains(&date)
}

/// A UTC instant as local time in Europe/Paris (daylight saving time applied).
pub fn paris_local(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&chrono_tz::Europe::Paris).naive_local()
}

/// Parsing is the costly part of reading a place (the grammar is large), and the same few
/// strings ("Mo-Fr 09:00-12:00,14:00-17:00") come back thousands of times in a national file
/// and on every load of the store, so parsed values are shared. Bounded: past the limit
/// the cache is emptied, which only costs re-parsing.
fn parse_cached(text: &str) -> Result<Arc<OpeningHours>, String> {
    const LIMIT: usize = 20_000;
    type Parsed = Result<Arc<OpeningHours>, String>;
    static CACHE: OnceLock<Mutex<HashMap<String, Parsed>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|map| map.get(text).cloned()) {
        return found;
    }
    let parsed =
        text.parse::<OpeningHours>().map(Arc::new).map_err(|err| format!("syntaxe OpenStreetMap invalide ({err})"));
    if let Ok(mut map) = cache.lock() {
        if map.len() >= LIMIT {
            map.clear();
        }
        map.insert(text.to_owned(), parsed.clone());
    }
    parsed
}

impl PartialEq for Horaires {
    fn eq(&self, other: &Self) -> bool {
        self.original == other.original
    }
}

impl fmt::Debug for Horaires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Horaires({:?})", self.original)
    }
}

impl serde::Serialize for Horaires {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.original)
    }
}

impl<'de> serde::Deserialize<'de> for Horaires {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Horaires::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_week_is_written_in_words_from_monday() {
        let week = Horaires::parse("Mo-Fr 09:00-12:00,14:00-17:00; Sa 10:00-12:00").unwrap().usual_week();
        assert_eq!(week[0], ("lundi", "09:00 – 12:00, 14:00 – 17:00".to_owned()));
        assert_eq!(week[5], ("samedi", "10:00 – 12:00".to_owned()));
        assert_eq!(week[6], ("dimanche", "Fermé".to_owned()));
        assert_eq!(Horaires::parse("24/7").unwrap().usual_week()[2].1, "00:00 – 24:00");
    }

    #[test]
    fn a_run_of_spaces_is_read_as_one() {
        let hours = Horaires::parse("Mo-Fr 09:00-12:00; Sa  10:00-12:00").unwrap();
        assert_eq!(hours.as_str(), "Mo-Fr 09:00-12:00; Sa 10:00-12:00");
        let saturday = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
        assert_eq!(hours.open_intervals_on(saturday).len(), 1);
        assert!(Horaires::parse("Sa  25:00-26:00 nonsense").is_err());
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn computus_matches_known_easter_dates() {
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        assert_eq!(easter_sunday(2025), date(2025, 4, 20));
        assert_eq!(easter_sunday(2026), date(2026, 4, 5));
        assert_eq!(easter_sunday(2038), date(2038, 4, 25));
        assert_eq!(easter_sunday(2008), date(2008, 3, 23));
    }

    #[test]
    fn french_holidays_of_2026() {
        let days = french_public_holidays(2026);
        assert_eq!(days.len(), 11);
        for expected in [date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 14)] {
            assert!(days.contains(&expected), "{expected}");
        }
        assert!(is_french_public_holiday(date(2026, 11, 11)));
        assert!(!is_french_public_holiday(date(2026, 7, 7)));
    }

    #[test]
    fn closed_on_public_holidays_unless_said_otherwise() {
        let hours = Horaires::parse("Mo-Fr 09:00-12:00,14:00-17:00").unwrap();
        let tuesday = date(2026, 7, 7).and_hms_opt(10, 0, 0).unwrap();
        let bastille = date(2026, 7, 14).and_hms_opt(10, 0, 0).unwrap();
        assert_eq!(hours.is_open_at(tuesday), Some(true));
        assert_eq!(hours.is_open_at(bastille), Some(false));
        assert_eq!(hours.is_open_at(date(2026, 7, 7).and_hms_opt(13, 0, 0).unwrap()), Some(false));
        let open_on_holidays = Horaires::parse("Mo-Fr 09:00-12:00; PH 10:00-11:00").unwrap();
        assert_eq!(open_on_holidays.is_open_at(bastille), Some(true));
        assert_eq!(hours.open_intervals_on(date(2026, 7, 14)), vec![]);
        let intervals = hours.open_intervals_on(date(2026, 7, 7));
        assert_eq!(intervals.len(), 2);
        assert_eq!(intervals[0].start, NaiveTime::from_hms_opt(9, 0, 0).unwrap());
        assert_eq!(intervals[1].end, Some(NaiveTime::from_hms_opt(17, 0, 0).unwrap()));
        assert_eq!(hours.next_change(tuesday), Some(date(2026, 7, 7).and_hms_opt(12, 0, 0).unwrap()));
        let unknown = Horaires::parse("Mo 09:00-12:00 unknown").unwrap();
        assert_eq!(unknown.is_open_at(date(2026, 7, 6).and_hms_opt(10, 0, 0).unwrap()), None);
    }

    #[test]
    fn utc_now_is_read_in_paris_time() {
        let summer = DateTime::parse_from_rfc3339("2026-07-07T07:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(paris_local(summer), date(2026, 7, 7).and_hms_opt(9, 30, 0).unwrap());
        let winter = DateTime::parse_from_rfc3339("2026-01-06T07:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(paris_local(winter), date(2026, 1, 6).and_hms_opt(8, 30, 0).unwrap());
        let hours = Horaires::parse("Mo-Fr 09:00-12:00").unwrap();
        assert_eq!(hours.is_open_at_utc(summer), Some(true));
        assert_eq!(hours.is_open_at_utc(winter), Some(false));
    }
}
