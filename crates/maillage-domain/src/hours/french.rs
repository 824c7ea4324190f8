//! French free-text opening hours ("du lundi au vendredi de 9h à 12h et de 14h à 17h")
//! converted to OSM syntax where they can be.
//!
//! The converter is deliberately strict. It knows a closed vocabulary (days, times, "du … au …",
//! "de … à …", "fermé", "sauf", "matin"/"après-midi", "jours fériés" and a few harmless fillers
//! such as "horaires d'ouverture") and refuses any text holding a word outside it: a wrong
//! opening time sends a person to a closed door, so partial understanding is a refusal.
//!
//! Decisions worth knowing:
//! - Hours without days ("de 9h à 12h") are refused by [`to_osm`], since the days cannot be
//!   guessed; [`to_osm_for_days`] accepts them when the source gives the days elsewhere.
//! - A day given hours by two clauses keeps both when they are different halves of the day
//!   ("du lundi au vendredi de 9h à 12h, lundi et jeudi de 14h à 17h"), takes the later ones
//!   when they restate a day of a span ("du lundi au vendredi 9h-17h, le mercredi 9h-12h"), and
//!   is refused otherwise. "sauf" and "fermé" make exceptions.
//! - "00:00 - 00:00", which some forms store for an empty slot, is read as no information.
//! - "Sur rendez-vous", school periods, seasons, "1er lundi du mois", "une semaine sur deux"…
//!   are refused: OSM could express some of them, but the texts are too varied to be trusted.
//! - Openings before 06:00 are refused as implausible for a public place (typing slips such as
//!   "04h30" for "14h30"), as are one-digit minutes ("8h3": 8:03 or 8:30?).

use std::fmt;

use chrono::{NaiveTime, Timelike, Weekday};
use opening_hours::OpeningHours;

/// Why a French text could not be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrecognised(pub String);

impl fmt::Display for Unrecognised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unrecognised {}

/// Converts whole-week French free text to an OSM `opening_hours` string, e.g.
/// "du lundi au vendredi de 9h à 12h et de 14h à 17h" → "Mo-Fr 09:00-12:00,14:00-17:00".
pub fn to_osm(text: &str) -> Result<String, Unrecognised> {
    let week = parse(text, Mode { allow_days: true, default_days: None })?;
    render(&week)
}

/// Like [`to_osm`], for sources that give the days in a separate field: a text giving hours
/// without days ("9h-12h et 14h-17h") applies to `default_days`. Days named in the text win.
pub fn to_osm_for_days(text: &str, default_days: &[Weekday]) -> Result<String, Unrecognised> {
    let mut days = [false; 7];
    for day in default_days {
        days[index(*day)] = true;
    }
    let default_days = days.contains(&true).then_some(days);
    let week = parse(text, Mode { allow_days: true, default_days })?;
    render(&week)
}

/// One text per weekday column (a hub export with one column per day); `None` or empty = no
/// info for that day, "Fermé"/"fermé"/"closed" = closed. Returns e.g.
/// "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00".
///
/// A column may repeat its own day ("Lundi de 9h à 12h") but not name another one. A text
/// made of punctuation only ("-", as France Services writes closed days) counts as no info.
/// Opening and closing times kept in separate columns can be joined with a space and given
/// as one text ("08:30 16:30").
pub fn week_to_osm(days: &[(Weekday, Option<&str>)]) -> Result<String, Unrecognised> {
    let mut week = Week::default();
    for &(day, text) in days {
        let Some(text) = text.filter(|text| text.chars().any(char::is_alphanumeric)) else { continue };
        let mut default_days = [false; 7];
        default_days[index(day)] = true;
        let parsed = parse(text, Mode { allow_days: true, default_days: Some(default_days) })
            .map_err(|err| Unrecognised(format!("{} : {}", DAY_NAMES[index(day)], err.0)))?;
        for (other, plan) in parsed.plan.iter().enumerate() {
            if other != index(day) && *plan != Plan::Unset {
                return Err(Unrecognised(format!(
                    "l'horaire du {} parle d'un autre jour ({})",
                    DAY_NAMES[index(day)],
                    DAY_NAMES[other]
                )));
            }
        }
        if week.plan[index(day)] != Plan::Unset {
            return Err(Unrecognised(format!("{} donné deux fois", DAY_NAMES[index(day)])));
        }
        week.plan[index(day)] = parsed.plan[index(day)].clone();
        week.ph_off |= parsed.ph_off;
    }
    render(&week)
}

/// Parses a day's time ranges only ("9h à 12h et 14h à 17h", "09:00 - 12:00 / 13:30 - 17:00",
/// "9h-12h", "08:30 16:30"…). A day declared closed ("Fermé") gives no range; a text naming
/// a day is refused.
pub fn day_ranges(text: &str) -> Result<Vec<(NaiveTime, NaiveTime)>, Unrecognised> {
    let mut default_days = [false; 7];
    default_days[0] = true;
    let week = parse(text, Mode { allow_days: false, default_days: Some(default_days) })?;
    if week.ph_off {
        return Err(Unrecognised("les jours fériés ne se décrivent pas dans l'horaire d'une journée".to_owned()));
    }
    match &week.plan[0] {
        Plan::Open(ranges) => Ok(ranges.clone()),
        Plan::Closed => Ok(Vec::new()),
        Plan::Unset => Err(Unrecognised("aucun horaire trouvé".to_owned())),
    }
}

type Range = (NaiveTime, NaiveTime);

const DAY_NAMES: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const OSM_DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

fn index(day: Weekday) -> usize {
    day.num_days_from_monday() as usize
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).expect("constant time")
}

fn show(time: NaiveTime) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

fn show_range(range: &Range) -> String {
    format!("{}-{}", show(range.0), show(range.1))
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// What the character-level scanner sees: times are recognised here because their spellings
/// ("9h", "9 h 30", "12h3019h", "08 :00") depend on spacing that words lose.
#[derive(Debug, Clone, PartialEq)]
enum Raw {
    Time(NaiveTime),
    Num(u32),
    Word(String),
    Sep(char),
}

const SEPARATORS: &[u8] = b"-/,;:.|+()_*";

fn scan(text: &str) -> Result<Vec<Raw>, Unrecognised> {
    // "&amp;" comes from HTML exports; deunicode folds "à", "–", "’"… to ASCII.
    // deunicode drops line breaks, which would glue "Samedi\nFermé" into one word.
    let text = text.replace("&amp;", " et ").replace('&', " et ").replace(char::is_whitespace, " ");
    let text = deunicode::deunicode(&text).to_lowercase();
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte.is_ascii_whitespace() || byte == b'\'' || byte == b'"' || byte == b'`' {
            at += 1;
        } else if byte.is_ascii_digit() {
            let (raw, next) = number_or_time(&text, at)?;
            out.push(raw);
            at = next;
        } else if byte.is_ascii_alphabetic() {
            let start = at;
            while at < bytes.len() && bytes[at].is_ascii_alphabetic() {
                at += 1;
            }
            out.push(Raw::Word(text[start..at].to_owned()));
        } else if SEPARATORS.contains(&byte) {
            out.push(Raw::Sep(byte as char));
            at += 1;
        } else {
            return Err(Unrecognised(format!("caractère non compris : « {} »", byte as char)));
        }
    }
    Ok(out)
}

fn digits_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at].is_ascii_digit() {
        at += 1;
    }
    at
}

fn spaces_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && (bytes[at] == b' ' || bytes[at] == b'\t') {
        at += 1;
    }
    at
}

fn make_time(hour: &str, minute: &str) -> Result<NaiveTime, Unrecognised> {
    let invalid = || Unrecognised(format!("heure invalide : {hour}h{minute}"));
    let h = hour.parse::<u32>().map_err(|_| invalid())?;
    let m = minute.parse::<u32>().map_err(|_| invalid())?;
    NaiveTime::from_hms_opt(h, m, 0).ok_or_else(invalid)
}

/// Reads "9", "9h", "9 h 30", "09h30", "9:30", "08 :00", "17 heures"… starting at a digit.
fn number_or_time(text: &str, start: usize) -> Result<(Raw, usize), Unrecognised> {
    let bytes = text.as_bytes();
    let end = digits_end(bytes, start);
    let hour = &text[start..end];
    let after_space = spaces_end(bytes, end);
    if hour.len() <= 2 && bytes.get(after_space) == Some(&b':') {
        let minute_end = digits_end(bytes, after_space + 1);
        if minute_end - (after_space + 1) == 2 {
            return Ok((Raw::Time(make_time(hour, &text[after_space + 1..minute_end])?), minute_end));
        }
    }
    if hour.len() <= 2 && bytes.get(after_space) == Some(&b'h') {
        let mut after_h = after_space + 1;
        let rest = &text[after_h..];
        if rest.starts_with("eures") {
            after_h += 5;
        } else if rest.starts_with("eure") {
            after_h += 4;
        } else if after_space > end && bytes.get(after_h).is_some_and(u8::is_ascii_alphabetic) {
            // "9 horaires…": the h starts a word, so the number stands alone.
            return Ok((Raw::Num(parse_num(hour)?), end));
        }
        let (minute, next) = minutes_after_h(text, after_h)?;
        return Ok((Raw::Time(make_time(hour, minute)?), next));
    }
    Ok((Raw::Num(parse_num(hour)?), end))
}

fn parse_num(digits: &str) -> Result<u32, Unrecognised> {
    digits.parse::<u32>().map_err(|_| Unrecognised(format!("nombre non compris : {digits}")))
}

/// Minutes after "9h": attached ("9h30"), spaced ("9 h 30"), or none ("9h", "9h12h", "9h-").
fn minutes_after_h(text: &str, at: usize) -> Result<(&str, usize), Unrecognised> {
    let bytes = text.as_bytes();
    if bytes.get(at).is_some_and(u8::is_ascii_digit) {
        let end = digits_end(bytes, at);
        let run = &text[at..end];
        match bytes.get(end) {
            // The digits may be the next hour ("9h12h", "15h18h") rather than minutes.
            Some(b'h') => match run.len() {
                // "09h30h": no hour is above 24, so these are minutes with a stray h.
                2 if run.parse::<u32>().unwrap_or(0) > 24 => Ok((run, end + 1)),
                1 | 2 => Ok(("00", at)),
                // "12h3019h": minutes then the next hour, written without a separator.
                4 => Ok((&run[..2], at + 2)),
                _ => Err(Unrecognised(format!("heures non comprises : « {run}h »"))),
            },
            Some(b':') => Ok(("00", at)),
            _ => match run.len() {
                2 => Ok((run, end)),
                1 => Err(Unrecognised(format!("minutes ambiguës : « h{run} »"))),
                _ => Err(Unrecognised(format!("minutes non comprises : « h{run} »"))),
            },
        }
    } else {
        // "9 h 30", "14h 30-17h30"; but in "16 h 18 h" the 18 is the next hour.
        let minute_start = spaces_end(bytes, at);
        if minute_start > at && bytes.get(minute_start).is_some_and(u8::is_ascii_digit) {
            let minute_end = digits_end(bytes, minute_start);
            let run = &text[minute_start..minute_end];
            let next = bytes.get(spaces_end(bytes, minute_end));
            let is_hour = matches!(next, Some(b'h' | b':'));
            let value = run.parse::<u32>().unwrap_or(99);
            // Only round minutes: "9h 12" is more likely a forgotten "h" than 9:12.
            if run.len() == 2 && !is_hour && value < 60 && value % 5 == 0 {
                return Ok((run, minute_end));
            }
        }
        Ok(("00", at))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    Morning,
    Afternoon,
}

impl Half {
    fn name(self) -> &'static str {
        match self {
            Half::Morning => "matin",
            Half::Afternoon => "après-midi",
        }
    }
}

/// Morning and afternoon as people mean them: a range is of one half only when clearly so;
/// "9h-17h" is neither, and any rule that needs to know is refused.
fn half_of(range: &Range) -> Option<Half> {
    if range.0 >= hm(12, 0) {
        Some(Half::Afternoon)
    } else if range.1 <= hm(14, 0) {
        Some(Half::Morning)
    } else {
        None
    }
}

/// Words and phrases, once recognised.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Lex {
    Time(NaiveTime),
    Num(u32),
    Day(Weekday),
    AllDays,
    Weekdays,
    Du,
    De,
    Au,
    A,
    Et,
    Puis,
    Entre,
    Jusqu,
    Article,
    Half(Half),
    Closed,
    Sauf,
    Holidays,
    Noise,
    Sep(char),
}

fn describe(lex: Lex) -> String {
    match lex {
        Lex::Time(time) => show(time),
        Lex::Num(n) => n.to_string(),
        Lex::Day(day) => DAY_NAMES[index(day)].to_owned(),
        Lex::AllDays => "tous les jours".to_owned(),
        Lex::Weekdays => "la semaine".to_owned(),
        Lex::Du => "du".to_owned(),
        Lex::De => "de".to_owned(),
        Lex::Au => "au".to_owned(),
        Lex::A => "à".to_owned(),
        Lex::Et => "et".to_owned(),
        Lex::Puis => "puis".to_owned(),
        Lex::Entre => "entre".to_owned(),
        Lex::Jusqu => "jusqu'à".to_owned(),
        Lex::Article => "le".to_owned(),
        Lex::Half(half) => half.name().to_owned(),
        Lex::Closed => "fermé".to_owned(),
        Lex::Sauf => "sauf".to_owned(),
        Lex::Holidays => "jours fériés".to_owned(),
        Lex::Noise => "…".to_owned(),
        Lex::Sep(c) => c.to_string(),
    }
}

const APPOINTMENT: &str = "accueil sur rendez-vous : pas d'horaires d'ouverture fixes";

/// What a phrase means, or why a text holding it cannot be converted.
#[derive(Clone, Copy)]
enum Meaning {
    Is(Lex),
    Refused(&'static str),
}

/// Phrases, the longest matching first (hyphens between their words are allowed: "après-midi",
/// "rendez-vous").
const PHRASES: &[(&str, Meaning)] = &[
    ("jours et heures d ouvertures", Meaning::Is(Lex::Noise)),
    ("jours et heures d ouverture", Meaning::Is(Lex::Noise)),
    ("horaires d ouvertures", Meaning::Is(Lex::Noise)),
    ("horaires d ouverture", Meaning::Is(Lex::Noise)),
    ("horaire d ouverture", Meaning::Is(Lex::Noise)),
    ("heures d ouverture", Meaning::Is(Lex::Noise)),
    ("accueil du public", Meaning::Is(Lex::Noise)),
    ("ouvert au public", Meaning::Is(Lex::Noise)),
    ("au public", Meaning::Is(Lex::Noise)),
    ("du public", Meaning::Is(Lex::Noise)),
    ("accueil libre", Meaning::Is(Lex::Noise)),
    ("journee continue", Meaning::Is(Lex::Noise)),
    ("non stop", Meaning::Is(Lex::Noise)),
    ("toute la journee", Meaning::Is(Lex::Noise)),
    ("sans rendez vous", Meaning::Is(Lex::Noise)),
    ("sans rdv", Meaning::Is(Lex::Noise)),
    ("sur rendez vous", Meaning::Refused(APPOINTMENT)),
    ("rendez vous", Meaning::Refused(APPOINTMENT)),
    ("sur rdv", Meaning::Refused(APPOINTMENT)),
    ("rdv", Meaning::Refused(APPOINTMENT)),
    ("apres midi", Meaning::Is(Lex::Half(Half::Afternoon))),
    ("apres midis", Meaning::Is(Lex::Half(Half::Afternoon))),
    ("jours feries", Meaning::Is(Lex::Holidays)),
    ("jours ferie", Meaning::Is(Lex::Holidays)),
    ("jour ferie", Meaning::Is(Lex::Holidays)),
    ("tous les jours", Meaning::Is(Lex::AllDays)),
    ("la semaine", Meaning::Is(Lex::Weekdays)),
    ("toute la semaine", Meaning::Refused("« toute la semaine » : du lundi au vendredi, ou jusqu'au dimanche ?")),
    ("en semaine", Meaning::Is(Lex::Weekdays)),
    ("jusqu a", Meaning::Is(Lex::Jusqu)),
    ("jusqu au", Meaning::Is(Lex::Jusqu)),
    ("pas d accueil", Meaning::Is(Lex::Closed)),
    ("non ouvert", Meaning::Is(Lex::Closed)),
];

fn single_word(word: &str) -> Option<Lex> {
    let day = match word {
        "lundi" | "lundis" | "lun" => Some(Weekday::Mon),
        "mardi" | "mardis" | "mar" => Some(Weekday::Tue),
        "mercredi" | "mercredis" | "mer" => Some(Weekday::Wed),
        "jeudi" | "jeudis" | "jeu" => Some(Weekday::Thu),
        "vendredi" | "vendredis" | "ven" => Some(Weekday::Fri),
        "samedi" | "samedis" | "sam" => Some(Weekday::Sat),
        "dimanche" | "dimanches" | "dim" => Some(Weekday::Sun),
        _ => None,
    };
    if let Some(day) = day {
        return Some(Lex::Day(day));
    }
    Some(match word {
        "du" => Lex::Du,
        "de" | "des" => Lex::De,
        "au" => Lex::Au,
        "a" => Lex::A,
        "et" => Lex::Et,
        "puis" => Lex::Puis,
        "entre" => Lex::Entre,
        "le" | "les" | "la" | "l" | "chaque" | "tous" | "toutes" => Lex::Article,
        "midi" => Lex::Time(hm(12, 0)),
        "matin" | "matins" | "matinee" | "matinees" => Lex::Half(Half::Morning),
        "apm" | "aprem" | "apmidi" => Lex::Half(Half::Afternoon),
        "ferme" | "fermee" | "fermes" | "fermees" | "fermeture" | "closed" | "non" => Lex::Closed,
        "sauf" | "excepte" => Lex::Sauf,
        "feries" | "ferie" => Lex::Holidays,
        "horaires" | "horaire" | "accueil" | "permanence" | "permanences" | "ouvert" | "ouverte" | "ouverts" => {
            Lex::Noise
        }
        _ => return None,
    })
}

fn match_phrase(raw: &[Raw], start: usize, phrase: &str) -> Option<usize> {
    let mut at = start;
    for (n, word) in phrase.split(' ').enumerate() {
        if n > 0 && raw.get(at) == Some(&Raw::Sep('-')) {
            at += 1;
        }
        match raw.get(at) {
            Some(Raw::Word(w)) if w == word => at += 1,
            _ => return None,
        }
    }
    Some(at)
}

fn lex(raw: &[Raw]) -> Result<Vec<Lex>, Unrecognised> {
    let mut out = Vec::with_capacity(raw.len());
    let mut at = 0;
    while at < raw.len() {
        match &raw[at] {
            Raw::Time(time) => out.push(Lex::Time(*time)),
            Raw::Num(n) => out.push(Lex::Num(*n)),
            Raw::Sep(c) => out.push(Lex::Sep(*c)),
            Raw::Word(word) => {
                let longest = PHRASES
                    .iter()
                    .filter_map(|(phrase, meaning)| match_phrase(raw, at, phrase).map(|end| (end, *meaning)))
                    .max_by_key(|(end, _)| *end);
                match longest {
                    Some((end, Meaning::Is(lex))) => {
                        out.push(lex);
                        at = end;
                        continue;
                    }
                    Some((_, Meaning::Refused(reason))) => return Err(Unrecognised(reason.to_owned())),
                    None => {}
                }
                out.push(single_word(word).ok_or_else(|| Unrecognised(format!("texte non compris : « {word} »")))?);
            }
        }
        at += 1;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Interpretation

#[derive(Debug, Clone, Default, PartialEq)]
enum Plan {
    #[default]
    Unset,
    Closed,
    Open(Vec<Range>),
}

#[derive(Debug, Default)]
struct Week {
    plan: [Plan; 7],
    /// Whether each day's ranges came from a span of days ("du lundi au vendredi").
    spanned: [bool; 7],
    ph_off: bool,
}

struct Mode {
    /// Whether the text may name days (not in [`day_ranges`]).
    allow_days: bool,
    /// Days for hours given before any day is named.
    default_days: Option<[bool; 7]>,
}

struct Selector {
    days: [bool; 7],
    /// Days reached through a span ("du lundi au vendredi", "tous les jours") rather than named
    /// one by one: only those may be restated by a later clause.
    spanned: [bool; 7],
    half: Option<Half>,
}

/// Hours given for one selection of days, up to the next selection.
struct Clause {
    days: [bool; 7],
    /// "lundi matin : 8h-12h": the ranges must be morning ones.
    half: Option<Half>,
    /// Named in the text (as opposed to days given by the caller).
    explicit: bool,
    ranges: Vec<Range>,
    /// Days this clause gave ranges to, as opposed to ranges from earlier clauses.
    touched: [bool; 7],
    spanned: [bool; 7],
    closed: bool,
    /// "Mardi : fermé le matin / 14h-18h": checked against the ranges when the clause ends.
    closed_half: Option<Half>,
}

fn parse(text: &str, mode: Mode) -> Result<Week, Unrecognised> {
    if text.trim().is_empty() {
        return Err(Unrecognised("horaires vides".to_owned()));
    }
    let lexes = lex(&scan(text)?)?;
    let clause = mode.default_days.map(|days| Clause {
        days,
        half: None,
        explicit: false,
        ranges: Vec::new(),
        touched: [false; 7],
        spanned: [false; 7],
        closed: false,
        closed_half: None,
    });
    let parser = Parser { lexes, at: 0, allow_days: mode.allow_days, week: Week::default(), clause };
    parser.run()
}

struct Parser {
    lexes: Vec<Lex>,
    at: usize,
    allow_days: bool,
    week: Week,
    clause: Option<Clause>,
}

fn no_days() -> Unrecognised {
    Unrecognised("jours non précisés : les horaires ne disent pas à quels jours ils s'appliquent".to_owned())
}

fn day_list(days: &[bool; 7]) -> String {
    let names: Vec<&str> = (0..7).filter(|&d| days[d]).map(|d| DAY_NAMES[d]).collect();
    names.join(", ")
}

impl Parser {
    fn peek(&self) -> Option<Lex> {
        self.lexes.get(self.at).copied()
    }

    fn peek_at(&self, at: usize) -> Option<Lex> {
        self.lexes.get(at).copied()
    }

    fn skip_articles(&mut self) {
        while self.peek() == Some(Lex::Article) {
            self.at += 1;
        }
    }

    fn run(mut self) -> Result<Week, Unrecognised> {
        while let Some(lex) = self.peek() {
            match lex {
                Lex::Sep(_) | Lex::Et | Lex::Puis | Lex::Noise => self.at += 1,
                Lex::Closed => self.closed()?,
                Lex::Sauf => self.except()?,
                _ if self.at_selector() => {
                    // "9h-12h le lundi, 14h-17h le mardi": days written after their hours
                    // would be read as starting the next clause, so the text is refused.
                    if self.clause.as_ref().is_some_and(|c| !c.explicit && !c.ranges.is_empty()) {
                        return Err(Unrecognised("jours placés après les horaires : non compris".to_owned()));
                    }
                    let selector = self.selector(true)?;
                    self.start_clause(selector, false)?;
                }
                _ if self.at_ranges() => {
                    let ranges = self.ranges()?;
                    self.apply(ranges, None)?;
                }
                _ if self.at_half_label() => self.half_label()?,
                _ => return Err(Unrecognised(format!("texte non compris près de « {} »", describe(lex)))),
            }
        }
        self.finish_clause()?;
        Ok(self.week)
    }

    fn at_selector(&self) -> bool {
        let mut at = self.at;
        while self.peek_at(at) == Some(Lex::Article) {
            at += 1;
        }
        match self.peek_at(at) {
            Some(Lex::Day(_) | Lex::AllDays | Lex::Weekdays) => true,
            Some(Lex::Du | Lex::De) => {
                at += 1;
                while self.peek_at(at) == Some(Lex::Article) {
                    at += 1;
                }
                matches!(self.peek_at(at), Some(Lex::Day(_)))
            }
            _ => false,
        }
    }

    fn at_ranges(&self) -> bool {
        self.ranges_at(self.at)
    }

    fn ranges_at(&self, at: usize) -> bool {
        let is_time = |lex: Option<Lex>| matches!(lex, Some(Lex::Time(_) | Lex::Num(_)));
        match self.peek_at(at) {
            Some(Lex::De | Lex::Du | Lex::Entre) => is_time(self.peek_at(at + 1)),
            lex => is_time(lex),
        }
    }

    fn at_half_label(&self) -> bool {
        let mut at = self.at;
        while self.peek_at(at) == Some(Lex::Article) {
            at += 1;
        }
        matches!(self.peek_at(at), Some(Lex::Half(_)))
    }

    /// Whether time ranges come next, past separators: "Fermé / 14:00-18:00".
    fn ranges_follow(&self) -> bool {
        let mut at = self.at;
        while matches!(self.peek_at(at), Some(Lex::Sep(_) | Lex::Et | Lex::Puis | Lex::Noise)) {
            at += 1;
        }
        self.ranges_at(at)
    }

    /// "du lundi au vendredi", "lundi, mardi et jeudi", "mar-mer-jeu", "tous les jours",
    /// "la semaine", optionally followed by "matin" / "après-midi".
    fn selector(&mut self, allow_hyphen: bool) -> Result<Selector, Unrecognised> {
        if !self.allow_days {
            return Err(Unrecognised("jour inattendu dans l'horaire d'une journée".to_owned()));
        }
        self.skip_articles();
        let mut days = [false; 7];
        let mut spanned = [false; 7];
        match self.peek() {
            Some(Lex::AllDays) => {
                self.at += 1;
                days = [true; 7];
                spanned = [true; 7];
            }
            Some(Lex::Weekdays) => {
                self.at += 1;
                days[..5].fill(true);
                spanned[..5].fill(true);
            }
            _ => {
                // Days one by one, each maybe a range, with whether a lone hyphen joins it to
                // the previous one: "lundi-vendredi" is a range but "lundi-mardi-jeudi" a list.
                let mut atoms: Vec<(usize, Option<usize>, bool)> = Vec::new();
                let mut hyphen_before = false;
                loop {
                    if matches!(self.peek(), Some(Lex::Du | Lex::De)) {
                        self.at += 1;
                    }
                    self.skip_articles();
                    let Some(Lex::Day(first)) = self.peek() else {
                        return Err(Unrecognised("jour attendu".to_owned()));
                    };
                    self.at += 1;
                    let mut last = None;
                    let save = self.at;
                    if matches!(self.peek(), Some(Lex::Au | Lex::A | Lex::Jusqu)) {
                        self.at += 1;
                        self.skip_articles();
                        if let Some(Lex::Day(day)) = self.peek() {
                            self.at += 1;
                            last = Some(index(day));
                        } else {
                            self.at = save;
                        }
                    }
                    atoms.push((index(first), last, hyphen_before));
                    let save = self.at;
                    let (mut hyphen, mut other) = (false, false);
                    loop {
                        match self.peek() {
                            Some(Lex::Sep(',' | '/') | Lex::Et) => other = true,
                            Some(Lex::Sep('-')) if allow_hyphen => hyphen = true,
                            _ => break,
                        }
                        self.at += 1;
                    }
                    let mut next = self.at;
                    while self.peek_at(next) == Some(Lex::Article) {
                        next += 1;
                    }
                    if matches!(self.peek_at(next), Some(Lex::Day(_))) {
                        hyphen_before = hyphen && !other;
                        continue;
                    }
                    self.at = save;
                    break;
                }
                let mut n = 0;
                while n < atoms.len() {
                    let mut end = n;
                    while end + 1 < atoms.len()
                        && atoms[end + 1].2
                        && atoms[end].1.is_none()
                        && atoms[end + 1].1.is_none()
                    {
                        end += 1;
                    }
                    if end == n + 1 {
                        set_days(&mut days, atoms[n].0, atoms[end].0);
                        set_days(&mut spanned, atoms[n].0, atoms[end].0);
                    } else {
                        for atom in &atoms[n..=end] {
                            set_days(&mut days, atom.0, atom.1.unwrap_or(atom.0));
                            if let Some(last) = atom.1 {
                                set_days(&mut spanned, atom.0, last);
                            }
                        }
                    }
                    n = end + 1;
                }
            }
        }
        let half = match self.peek() {
            Some(Lex::Half(half)) => {
                self.at += 1;
                Some(half)
            }
            _ => None,
        };
        Ok(Selector { days, spanned, half })
    }

    fn start_clause(&mut self, selector: Selector, overrides: bool) -> Result<(), Unrecognised> {
        self.finish_clause()?;
        if overrides {
            for (d, plan) in self.week.plan.iter_mut().enumerate() {
                if selector.days[d] {
                    *plan = Plan::Unset;
                }
            }
        }
        self.clause = Some(Clause {
            days: selector.days,
            half: selector.half,
            explicit: true,
            ranges: Vec::new(),
            touched: [false; 7],
            spanned: selector.spanned,
            closed: false,
            closed_half: None,
        });
        Ok(())
    }

    fn finish_clause(&mut self) -> Result<(), Unrecognised> {
        let Some(clause) = self.clause.take() else { return Ok(()) };
        if let Some(closed) = clause.closed_half {
            for range in &clause.ranges {
                if half_of(range) == Some(closed) || half_of(range).is_none() {
                    return Err(Unrecognised(format!(
                        "la plage {} contredit « fermé le {} »",
                        show_range(range),
                        closed.name()
                    )));
                }
            }
        }
        if clause.ranges.is_empty() && !clause.closed {
            if clause.explicit {
                return Err(Unrecognised(format!("jours sans horaires : {}", day_list(&clause.days))));
            }
            if let Some(half) = clause.closed_half {
                return Err(Unrecognised(format!("seule la fermeture du {} est indiquée", half.name())));
            }
        }
        Ok(())
    }

    /// "de 9h à 12h et de 14h à 17h", "9h-12h / 14h-17h", "10h30-12h-14h-17h", "9h 12h".
    fn ranges(&mut self) -> Result<Vec<Range>, Unrecognised> {
        let mut out = Vec::new();
        loop {
            let between = self.peek() == Some(Lex::Entre);
            if matches!(self.peek(), Some(Lex::De | Lex::Du | Lex::Entre)) {
                self.at += 1;
            }
            let Some((start, start_bare)) = self.time()? else {
                return Err(Unrecognised("heure attendue".to_owned()));
            };
            let mut connectors = 0;
            while let Some(lex) = self.peek() {
                match lex {
                    Lex::A | Lex::Au | Lex::Jusqu | Lex::Sep('-' | '/') => {}
                    Lex::Et if between => {}
                    _ => break,
                }
                self.at += 1;
                connectors += 1;
            }
            let Some((end, end_bare)) = self.time()? else {
                return Err(Unrecognised(format!("heure isolée, sans fin de plage : {}", show(start))));
            };
            if connectors > 2 {
                return Err(Unrecognised(format!("plage non comprise : {}-{}", show(start), show(end))));
            }
            // A bare number is an hour only when clearly in a range ("9-12h"), not "9h 12".
            if (start_bare || end_bare) && connectors == 0 {
                return Err(Unrecognised(format!("heures sans « h » non comprises : {} {}", show(start), show(end))));
            }
            // "00:00 - 00:00" is how some forms store an empty slot, never an opening.
            let placeholder = start == hm(0, 0) && end == hm(0, 0);
            if !placeholder {
                if start >= end {
                    return Err(Unrecognised(format!(
                        "plage horaire inversée ou vide : {}-{}",
                        show(start),
                        show(end)
                    )));
                }
                if start < hm(6, 0) {
                    return Err(Unrecognised(format!("heure d'ouverture improbable : {}", show(start))));
                }
                out.push((start, end));
            }
            let save = self.at;
            while matches!(
                self.peek(),
                Some(Lex::Sep(',' | ';' | '/' | '-' | '|' | '+' | '_') | Lex::Et | Lex::Puis | Lex::Noise)
            ) {
                self.at += 1;
            }
            if !self.at_ranges() {
                self.at = save;
                break;
            }
        }
        Ok(out)
    }

    /// A time, or a bare number that may be an hour (flagged `true`).
    fn time(&mut self) -> Result<Option<(NaiveTime, bool)>, Unrecognised> {
        let found = match self.peek() {
            Some(Lex::Time(time)) => (time, false),
            Some(Lex::Num(n)) if n <= 23 => (hm(n, 0), true),
            Some(Lex::Num(n)) => return Err(Unrecognised(format!("nombre non compris : {n}"))),
            _ => return Ok(None),
        };
        self.at += 1;
        Ok(Some(found))
    }

    fn apply(&mut self, ranges: Vec<Range>, label: Option<Half>) -> Result<(), Unrecognised> {
        let Parser { clause, week, .. } = self;
        let clause = clause.as_mut().ok_or_else(no_days)?;
        if ranges.is_empty() {
            // Only "00:00 - 00:00" placeholders: no information.
            return Ok(());
        }
        if clause.closed {
            return Err(Unrecognised(format!("horaires donnés pour un jour fermé : {}", day_list(&clause.days))));
        }
        for half in [clause.half, label].into_iter().flatten() {
            for range in &ranges {
                if half_of(range) != Some(half) {
                    return Err(Unrecognised(format!("la plage {} n'est pas le {}", show_range(range), half.name())));
                }
            }
        }
        clause.ranges.extend(ranges.iter().copied());
        for (d, plan) in week.plan.iter_mut().enumerate() {
            if clause.days[d] {
                if clause.touched[d] {
                    add_ranges(plan, &ranges, d)?;
                } else {
                    combine_with_earlier(plan, week.spanned[d], &ranges, d)?;
                }
                clause.touched[d] = true;
                week.spanned[d] = clause.spanned[d];
            }
        }
        Ok(())
    }

    /// "matin : 9h-12h".
    fn half_label(&mut self) -> Result<(), Unrecognised> {
        self.skip_articles();
        let Some(Lex::Half(half)) = self.peek() else { unreachable!("checked by at_half_label") };
        self.at += 1;
        while self.peek() == Some(Lex::Sep(':')) {
            self.at += 1;
        }
        if !self.at_ranges() {
            return Err(Unrecognised(format!("« {} » sans horaires", half.name())));
        }
        let ranges = self.ranges()?;
        self.apply(ranges, Some(half))
    }

    /// "fermé", "fermé le mercredi", "fermé le mardi après-midi", "fermé le matin",
    /// "fermé les jours fériés".
    fn closed(&mut self) -> Result<(), Unrecognised> {
        self.at += 1;
        while self.peek() == Some(Lex::Noise) {
            self.at += 1;
        }
        let save = self.at;
        self.skip_articles();
        let had_article = self.at > save;
        match self.peek() {
            Some(Lex::Holidays) => {
                self.at += 1;
                self.week.ph_off = true;
                return Ok(());
            }
            Some(Lex::Half(half)) => {
                self.at += 1;
                let clause = self.clause.as_mut().ok_or_else(no_days)?;
                clause.closed_half = Some(half);
                return Ok(());
            }
            _ => self.at = save,
        }
        // "Lundi : fermé Mardi : 9h-12h": the days just named are closed; the next day starts
        // a new clause rather than being the object of "fermé".
        if let Some(clause) = self.clause.as_mut().filter(|c| c.explicit && c.ranges.is_empty() && !c.closed) {
            clause.closed = true;
            return close_plans(&mut self.week.plan, &clause.days);
        }
        if self.at_selector() {
            let selector = self.selector(false)?;
            self.finish_clause()?;
            return self.close_days(selector);
        }
        if had_article {
            // "fermé le midi", "fermé le 1er…": what is closed is not understood.
            return Err(Unrecognised("« fermé » non compris".to_owned()));
        }
        let follows = self.ranges_follow();
        let slot_separator = matches!(self.peek(), Some(Lex::Sep('/' | '-' | '|')))
            && matches!(self.peek_at(self.at + 1), Some(Lex::Time(_) | Lex::Num(_)));
        let clause = self.clause.as_mut().ok_or_else(no_days)?;
        // An empty slot before ranges, as forms with two slots a day export them:
        // "Fermé / 14:00-18:00", "fermé - 13h30 à 17h30".
        if clause.ranges.is_empty() && slot_separator {
            return Ok(());
        }
        // "fermé de 12h à 14h" gives closing times, which must not be read as opening ones.
        if follows {
            return Err(Unrecognised("horaires de fermeture non compris".to_owned()));
        }
        // An empty slot after ranges ("09:00-12:00 / Fermé") says nothing more.
        if !clause.ranges.is_empty() {
            return Ok(());
        }
        clause.closed = true;
        close_plans(&mut self.week.plan, &clause.days)
    }

    /// "tous les jours sauf le jeudi", "… sauf le vendredi 8h-12h", "… sauf le mercredi
    /// après-midi", "… sauf jours fériés".
    fn except(&mut self) -> Result<(), Unrecognised> {
        self.at += 1;
        self.skip_articles();
        if self.peek() == Some(Lex::Holidays) {
            self.at += 1;
            self.week.ph_off = true;
            return Ok(());
        }
        if !self.at_selector() {
            return Err(Unrecognised("« sauf » non compris".to_owned()));
        }
        let selector = self.selector(false)?;
        let clause = self.clause.as_mut().ok_or_else(no_days)?;
        if clause.ranges.is_empty() && !clause.closed {
            if selector.half.is_some() {
                return Err(Unrecognised("exception par demi-journée non comprise".to_owned()));
            }
            for d in 0..7 {
                clause.days[d] &= !selector.days[d];
            }
            if !clause.days.contains(&true) {
                return Err(Unrecognised("aucun jour ne reste après « sauf »".to_owned()));
            }
            return Ok(());
        }
        if self.ranges_follow() {
            return self.start_clause(selector, true);
        }
        self.finish_clause()?;
        self.close_days(selector)
    }

    fn close_days(&mut self, selector: Selector) -> Result<(), Unrecognised> {
        for (d, plan) in self.week.plan.iter_mut().enumerate() {
            if selector.days[d] {
                match selector.half {
                    None => *plan = Plan::Closed,
                    Some(half) => remove_half(plan, half, d)?,
                }
            }
        }
        // Hours after "fermé le mercredi" would have no day to apply to.
        self.clause = None;
        Ok(())
    }
}

fn close_plans(plan: &mut [Plan; 7], days: &[bool; 7]) -> Result<(), Unrecognised> {
    for (d, plan) in plan.iter_mut().enumerate() {
        if days[d] {
            if let Plan::Open(_) = plan {
                return Err(Unrecognised(format!(
                    "horaires contradictoires : {} à la fois ouvert et fermé",
                    DAY_NAMES[d]
                )));
            }
            *plan = Plan::Closed;
        }
    }
    Ok(())
}

fn set_days(days: &mut [bool; 7], first: usize, last: usize) {
    let mut d = first;
    loop {
        days[d] = true;
        if d == last {
            break;
        }
        d = (d + 1) % 7;
    }
}

/// A clause giving hours to a day that an earlier clause already gave hours to. Two readings
/// are common and only one may be taken:
/// - "du lundi au vendredi de 9h à 12h et le lundi, jeudi de 14h à 17h" adds afternoons to
///   mornings: the earlier and later ranges sit in different halves of the day;
/// - "du lundi au vendredi de 8h30 à 12h et de 13h30 à 17h, le mercredi de 8h30 à 12h"
///   restates a day of a span: the later ranges overlap the earlier ones and replace them.
///
/// Anything else is refused: "lundi 9h-12h, le mercredi 10h30-11h", or a day named twice with
/// different hours ("lundi, vendredi 14h-20h … vendredi 14h-18h"), which is a contradiction.
fn combine_with_earlier(plan: &mut Plan, spanned: bool, ranges: &[Range], day: usize) -> Result<(), Unrecognised> {
    let Plan::Open(existing) = plan else { return add_ranges(plan, ranges, day) };
    let overlaps = existing.iter().any(|a| ranges.iter().any(|b| a.0 < b.1 && b.0 < a.1));
    if overlaps && (spanned || existing.as_slice() == ranges) {
        *plan = Plan::Unset;
        return add_ranges(plan, ranges, day);
    }
    let halves = |list: &[Range]| -> Option<Half> {
        let first = half_of(list.first()?)?;
        list.iter().all(|range| half_of(range) == Some(first)).then_some(first)
    };
    match (halves(existing), halves(ranges)) {
        (Some(a), Some(b)) if a != b => add_ranges(plan, ranges, day),
        _ => Err(Unrecognised(format!(
            "horaires du {} donnés deux fois, sans qu'on sache s'ils s'ajoutent ou se remplacent",
            DAY_NAMES[day]
        ))),
    }
}

/// Ranges given by one clause: exact repeats are dropped, overlaps are refused.
fn add_ranges(plan: &mut Plan, ranges: &[Range], day: usize) -> Result<(), Unrecognised> {
    let mut all = match plan {
        Plan::Closed => {
            return Err(Unrecognised(format!(
                "horaires contradictoires : {} à la fois ouvert et fermé",
                DAY_NAMES[day]
            )))
        }
        Plan::Unset => Vec::new(),
        Plan::Open(existing) => existing.clone(),
    };
    all.extend_from_slice(ranges);
    all.sort();
    // Exact repeats are harmless copy slips ("09:00 - 12:30 / 09:00 - 12:30 / 13:30 - 16:30").
    all.dedup();
    for pair in all.windows(2) {
        if pair[0].1 > pair[1].0 {
            return Err(Unrecognised(format!(
                "plages horaires qui se chevauchent : {} et {}",
                show_range(&pair[0]),
                show_range(&pair[1])
            )));
        }
    }
    *plan = Plan::Open(all);
    Ok(())
}

fn remove_half(plan: &mut Plan, half: Half, day: usize) -> Result<(), Unrecognised> {
    let missing = || {
        Unrecognised(format!(
            "« fermé le {} {} » sans horaire de {} à retirer",
            DAY_NAMES[day],
            half.name(),
            half.name()
        ))
    };
    let Plan::Open(ranges) = plan else { return Err(missing()) };
    let mut kept = Vec::new();
    for range in ranges.iter() {
        match half_of(range) {
            Some(h) if h == half => {}
            Some(_) => kept.push(*range),
            None => {
                return Err(Unrecognised(format!(
                    "« {} » ambigu pour la plage {} du {}",
                    half.name(),
                    show_range(range),
                    DAY_NAMES[day]
                )))
            }
        }
    }
    if kept.len() == ranges.len() {
        return Err(missing());
    }
    *plan = if kept.is_empty() { Plan::Closed } else { Plan::Open(kept) };
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Output

fn render(week: &Week) -> Result<String, Unrecognised> {
    let mut groups: Vec<(Vec<usize>, &Vec<Range>)> = Vec::new();
    for (d, plan) in week.plan.iter().enumerate() {
        if let Plan::Open(ranges) = plan {
            match groups.iter_mut().find(|(_, r)| *r == ranges) {
                Some((days, _)) => days.push(d),
                None => groups.push((vec![d], ranges)),
            }
        }
    }
    if groups.is_empty() {
        return Err(Unrecognised("aucun jour d'ouverture".to_owned()));
    }
    let mut rules: Vec<String> = groups
        .iter()
        .map(|(days, ranges)| {
            let ranges: Vec<String> = ranges.iter().map(show_range).collect();
            format!("{} {}", osm_days(days), ranges.join(","))
        })
        .collect();
    if week.ph_off {
        rules.push("PH off".to_owned());
    }
    let out = rules.join("; ");
    // The contract is valid OSM syntax; a failure here is a bug in this module, not in the text.
    out.parse::<OpeningHours>().map_err(|err| Unrecognised(format!("conversion invalide : {out} ({err})")))?;
    Ok(out)
}

/// "Mo-Fr", "Mo,We,Fr", "Mo,Tu" (two days are listed rather than spanned, as is usual in OSM).
fn osm_days(days: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut n = 0;
    while n < days.len() {
        let mut end = n;
        while end + 1 < days.len() && days[end + 1] == days[end] + 1 {
            end += 1;
        }
        match end - n {
            0 => parts.push(OSM_DAYS[days[n]].to_owned()),
            1 => {
                parts.push(OSM_DAYS[days[n]].to_owned());
                parts.push(OSM_DAYS[days[end]].to_owned());
            }
            _ => parts.push(format!("{}-{}", OSM_DAYS[days[n]], OSM_DAYS[days[end]])),
        }
        n = end + 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use chrono::Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};
    use chrono::{NaiveDate, NaiveTime, Weekday};
    use opening_hours::OpeningHours;
    use proptest::prelude::*;

    use super::{day_ranges, show_range, to_osm, to_osm_for_days, week_to_osm, Unrecognised};

    /// Real texts from hub and registry exports with the expected conversion; see the header.
    const CORPUS: &str = include_str!("../../tests/data/french_hours.tsv");
    const WEEK: [Weekday; 7] = [Mon, Tue, Wed, Thu, Fri, Sat, Sun];

    struct Case {
        line: usize,
        source: &'static str,
        kind: &'static str,
        input: String,
        expected: &'static str,
    }

    fn unescape(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('\\') => out.push('\\'),
                other => panic!("unknown escape \\{other:?} in {text}"),
            }
        }
        out
    }

    fn cases() -> Vec<Case> {
        CORPUS
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
            .map(|(n, line)| {
                let fields: Vec<&'static str> = line.split('\t').collect();
                assert_eq!(fields.len(), 4, "line {}: four tab-separated fields expected", n + 1);
                Case {
                    line: n + 1,
                    source: fields[0],
                    kind: fields[1],
                    input: unescape(fields[2]),
                    expected: fields[3],
                }
            })
            .collect()
    }

    fn weekday(code: &str) -> Weekday {
        match code {
            "Mo" => Mon,
            "Tu" => Tue,
            "We" => Wed,
            "Th" => Thu,
            "Fr" => Fri,
            "Sa" => Sat,
            "Su" => Sun,
            other => panic!("unknown day code {other}"),
        }
    }

    fn run(case: &Case) -> Result<String, Unrecognised> {
        match case.kind {
            "text" => to_osm(&case.input),
            "day" => day_ranges(&case.input).map(|ranges| {
                if ranges.is_empty() {
                    "off".to_owned()
                } else {
                    ranges.iter().map(show_range).collect::<Vec<_>>().join(",")
                }
            }),
            "week" => {
                let columns: Vec<&str> = case.input.split(" ¦ ").collect();
                assert_eq!(columns.len(), 7, "line {}: seven columns expected", case.line);
                let days: Vec<(Weekday, Option<&str>)> =
                    WEEK.iter().zip(&columns).map(|(day, text)| (*day, (!text.is_empty()).then_some(*text))).collect();
                week_to_osm(&days)
            }
            kind => {
                let codes =
                    kind.strip_prefix("days:").unwrap_or_else(|| panic!("line {}: unknown kind {kind}", case.line));
                let days: Vec<Weekday> = codes.split(',').map(weekday).collect();
                to_osm_for_days(&case.input, &days)
            }
        }
    }

    fn t(hour: u32, minute: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
    }

    #[test]
    fn corpus_converts_as_expected() {
        let cases = cases();
        assert!(cases.len() > 400, "corpus unexpectedly small");
        let mut failures = Vec::new();
        for case in &cases {
            let got = match run(case) {
                Ok(osm) => osm,
                Err(_) => "ERR".to_owned(),
            };
            if got != case.expected {
                failures.push(format!(
                    "line {} [{} {}] {:?}\n    expected {}\n    got      {}",
                    case.line, case.source, case.kind, case.input, case.expected, got
                ));
            }
        }
        assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
    }

    #[test]
    fn corpus_outputs_are_valid_osm() {
        for case in cases().iter().filter(|case| case.kind != "day") {
            if let Ok(osm) = run(case) {
                assert!(osm.parse::<OpeningHours>().is_ok(), "line {}: invalid OSM {osm}", case.line);
            }
        }
    }

    /// Every distinct non-empty `c_horaire_ouverture` of the Hub-Lo 2023 export is in the corpus.
    #[test]
    fn every_hub_lo_text_is_valid_osm_or_refused() {
        let hub_lo: Vec<Case> = cases().into_iter().filter(|case| case.source == "hub-lo").collect();
        assert_eq!(hub_lo.len(), 116);
        let mut converted = 0;
        for case in &hub_lo {
            assert_eq!(case.kind, "text");
            match to_osm(&case.input) {
                Ok(osm) => {
                    converted += 1;
                    if let Err(err) = osm.parse::<OpeningHours>() {
                        panic!("line {}: {:?} gave invalid OSM {osm}: {err}", case.line, case.input);
                    }
                }
                Err(Unrecognised(reason)) => assert!(!reason.is_empty()),
            }
        }
        assert_eq!(converted, 54, "Hub-Lo texts converted");
    }

    /// France Services exports one column per day ("h_lundi" … "h_samedi") in a few layouts.
    #[test]
    fn france_services_day_columns_convert() {
        for column in [
            "09:00 - 12:00 / 13:30 - 17:00",
            "09:00-12:00/13:30-17:00",
            "09:00 - 12:00",
            "09:00-12:00 14:00-16:30",
            "09:00-12:00,13:00-17:00",
            "08 :00-12:00/14:00-17:00",
            "09:00-12:30-13:30-17:00",
            "09:00-12h00",
            "09:30-12:30/\n\n 13:30-18:00",
            "09:00 - 12:30 / 09:00 - 12:30 / 13:30 - 16:30",
            "09:00 - 12:00 / 14:00 - 16:00 / 16:30 - 18:00",
        ] {
            let ranges = day_ranges(column).unwrap_or_else(|err| panic!("{column:?}: {err}"));
            assert!(!ranges.is_empty(), "{column:?}");
        }
        let week = [
            (Mon, Some("09:00 - 12:00 / 13:30 - 17:00")),
            (Tue, Some("09:00 - 12:00 / 13:30 - 17:00")),
            (Wed, Some("09:00 - 12:00")),
            (Thu, Some("09:00 - 12:00 / 13:30 - 17:00")),
            (Fri, Some("09:00 - 12:00 / 13:30 - 16:00")),
            (Sat, Some("-")),
        ];
        assert_eq!(
            week_to_osm(&week).unwrap(),
            "Mo,Tu,Th 09:00-12:00,13:30-17:00; We 09:00-12:00; Fr 09:00-12:00,13:30-16:00"
        );
        let rows = cases().into_iter().filter(|case| case.source == "france-services").collect::<Vec<_>>();
        assert!(rows.len() >= 20);
        let converted = rows.iter().filter(|case| run(case).is_ok()).count();
        assert!(converted * 4 >= rows.len() * 3, "{converted} of {} France Services rows converted", rows.len());
    }

    #[test]
    fn brief_examples() {
        let expected = [
            ("du lundi au vendredi de 9h à 12h et de 14h à 17h", "Mo-Fr 09:00-12:00,14:00-17:00"),
            ("DU LUNDI AU VENDREDI de 9h à 12h et de 14h à 17h", "Mo-Fr 09:00-12:00,14:00-17:00"),
            ("Lundi au vendredi de 10h à 12h et de 14h à 17h", "Mo-Fr 10:00-12:00,14:00-17:00"),
            ("Les lundi, mardi, jeudi et vendredi de 09h00 à 17h00", "Mo,Tu,Th,Fr 09:00-17:00"),
            (
                "Du lundi au jeudi : 9h-12h 14h-17h Le vendredi : 9h-12h 14h-16h",
                "Mo-Th 09:00-12:00,14:00-17:00; Fr 09:00-12:00,14:00-16:00",
            ),
            (
                "Lundi, Mardi, Vendredi :  9h-12h / 14h-17h Mercredi :  9h-12h - 15h30-17h ; Jeudi :  10h30-12h-14h-17h",
                "Mo,Tu,Fr 09:00-12:00,14:00-17:00; We 09:00-12:00,15:30-17:00; Th 10:30-12:00,14:00-17:00",
            ),
            (
                "du lundi au vendredi, de 9h30 à 12h30 et de 14h00 à 18h00. Fermé les jours fériés.",
                "Mo-Fr 09:30-12:30,14:00-18:00; PH off",
            ),
            ("Lundi au vendredi de 9h à midi", "Mo-Fr 09:00-12:00"),
            ("Le samedi de 10 h à 12 h 30", "Sa 10:00-12:30"),
            ("Lundi au vendredi : matin 9h-12h, après-midi 14h-17h", "Mo-Fr 09:00-12:00,14:00-17:00"),
            (
                "Du lundi au vendredi de 9h à 12h30 et de 13h30 à 17h30, fermé les mardi après-midi",
                "Mo,We-Fr 09:00-12:30,13:30-17:30; Tu 09:00-12:30",
            ),
        ];
        for (text, osm) in expected {
            assert_eq!(to_osm(text).as_deref(), Ok(osm), "{text}");
        }
        for refused in [
            "De 9h00 à 12h00 et de 14h00 à 17h00",
            "Sur rendez-vous",
            "2ème Jeudi du mois de 14h à 17h",
            "Du lundi au vendredi de 9h à 18h, fermé entre 12h et 14h",
            "Du lundi au vendredi 9h-17h, fermé le mercredi matin",
            "Mardi 18h-2h",
        ] {
            assert!(to_osm(refused).is_err(), "{refused} should be refused");
        }
    }

    #[test]
    fn day_ranges_spellings() {
        let morning = vec![(t(9, 0), t(12, 0))];
        for text in [
            "9h-12h",
            "9h à 12h",
            "9h a 12h",
            "9 h - 12 h",
            "09:00 - 12:00",
            "9h/12h",
            "de 9h à midi",
            "9-12h",
            "09h00 12h00",
        ] {
            assert_eq!(day_ranges(text).as_ref(), Ok(&morning), "{text}");
        }
        assert_eq!(day_ranges("12 h 30 à 14h"), Ok(vec![(t(12, 30), t(14, 0))]));
        assert_eq!(day_ranges("9h30 - 17 heures"), Ok(vec![(t(9, 30), t(17, 0))]));
        assert_eq!(day_ranges("08:30 16:30"), Ok(vec![(t(8, 30), t(16, 30))]));
        assert_eq!(day_ranges("Fermé"), Ok(vec![]));
        for refused in ["", "12h", "9h30", "8h3 - 12h", "midi", "Lundi 9h-12h", "9h - 15h / 14h - 19h", "04h30-18h30"] {
            assert!(day_ranges(refused).is_err(), "{refused:?} should be refused");
        }
    }

    #[test]
    fn week_columns() {
        let mut days: Vec<(Weekday, Option<&str>)> =
            WEEK[..5].iter().map(|day| (*day, Some("9h à 12h et 14h à 17h"))).collect();
        days.push((Sat, Some("9h-12h")));
        days.push((Sun, Some("Fermé")));
        assert_eq!(week_to_osm(&days).unwrap(), "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00");
        assert!(week_to_osm(&[(Mon, Some("Fermé")), (Tue, None)]).is_err(), "no open day");
        assert!(week_to_osm(&[(Mon, Some("Mardi 9h-12h"))]).is_err(), "another day in Monday's column");
        assert_eq!(week_to_osm(&[(Mon, Some("Lundi 9h-12h"))]).unwrap(), "Mo 09:00-12:00");
    }

    #[test]
    fn converted_hours_mean_what_the_text_says() {
        let osm = to_osm("Du lundi au vendredi de 9h à 12h et de 14h à 17h, le samedi de 9h à 12h").unwrap();
        let hours = osm.parse::<OpeningHours>().unwrap();
        // 2024-01-08 is a Monday.
        let at = |day: u32, hour: u32| NaiveDate::from_ymd_opt(2024, 1, day).unwrap().and_hms_opt(hour, 30, 0).unwrap();
        assert!(hours.is_open(at(8, 10)));
        assert!(!hours.is_open(at(8, 12)));
        assert!(hours.is_open(at(12, 16)));
        assert!(hours.is_open(at(13, 11)));
        assert!(!hours.is_open(at(13, 14)));
        assert!(!hours.is_open(at(14, 10)));
    }

    const FRAGMENTS: &[&str] = &[
        "du",
        "au",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "de",
        "à",
        "et",
        "-",
        "/",
        ",",
        ";",
        ":",
        "9h",
        "12h",
        "12h30",
        "14h",
        "17h",
        "9",
        "18",
        "midi",
        "fermé",
        "sauf",
        "le",
        "les",
        "matin",
        "après-midi",
        "jours fériés",
        "tous les jours",
        "la semaine",
        "entre",
        "puis",
        "00:00",
        "08:30",
        "h",
        "30",
    ];

    proptest! {
        #[test]
        fn never_panics_and_outputs_valid_osm(words in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..14)) {
            let text = words.join(" ");
            if let Ok(osm) = to_osm(&text) {
                prop_assert!(osm.parse::<OpeningHours>().is_ok(), "{} gave {}", text, osm);
            }
            let _ = day_ranges(&text);
            let _ = to_osm_for_days(&text, &[Mon, Tue]);
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,60}") {
            let _ = to_osm(&text);
            let _ = day_ranges(&text);
        }
    }
}
