//! The activity log's figures, pure (no IO): what a bilan and a dashboard count over entries
//! already read, for a territory or a team member and a period.
//!
//! "Acteurs touchés" are counted distinct: an actor met at five meetings counts once, and two
//! directory entries later merged count once (each id is read through the directory's
//! redirects, `canonical`). Anonymous headcounts are added, never de-duplicated: nobody can
//! tell whether two of them are the same people.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use maillage_store::{ActivityEntry, ActivityKind, PartnershipStatus};
use serde::Serialize;

/// Whose entries are counted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Selector {
    /// Every entry of the hub.
    Hub,
    Departement(String),
    /// One of the hub's bassins, by name.
    Bassin(String),
    Region(String),
    /// The entries a team member wrote, by account id.
    Member(String),
}

impl Selector {
    pub fn selects(&self, entry: &ActivityEntry) -> bool {
        match self {
            Selector::Hub => true,
            Selector::Departement(code) => entry.departement.as_deref() == Some(code),
            Selector::Bassin(name) => entry.bassin.as_deref() == Some(name),
            Selector::Region(code) => entry.region.as_deref() == Some(code),
            Selector::Member(id) => entry.author.as_deref() == Some(id),
        }
    }
}

/// A period of days, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// `None` when it ends before it starts.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Option<Period> {
        (start <= end).then_some(Period { start, end })
    }

    pub fn year(year: i32) -> Option<Period> {
        Period::new(NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?)
    }

    /// The calendar month holding `day`.
    pub fn month_of(day: NaiveDate) -> Period {
        let start = day.with_day(1).unwrap_or(day);
        let next = if start.month() == 12 {
            NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
        };
        let end = next.and_then(|next| next.pred_opt()).unwrap_or(start);
        Period { start, end }
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// The period compared with this one: a calendar year with the year before, a calendar
    /// month with the month before, any other period with the as many days just before it.
    pub fn previous(&self) -> Period {
        let whole_month = self.start.day() == 1 && Period::month_of(self.start) == *self;
        let whole_year = self.start.month() == 1
            && self.start.day() == 1
            && self.end.month() == 12
            && self.end.day() == 31
            && self.start.year() == self.end.year();
        if whole_year {
            if let Some(previous) = Period::year(self.start.year() - 1) {
                return previous;
            }
        }
        if whole_month {
            if let Some(before) = self.start.pred_opt() {
                return Period::month_of(before);
            }
        }
        let end = self.start.pred_opt().unwrap_or(self.start);
        let start = end - chrono::TimeDelta::days(self.days() - 1);
        Period { start, end }
    }

    /// Whether the two periods share a day.
    pub fn overlaps(&self, other: &Period) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// The calendar months the period touches, in order.
    pub fn months(&self) -> Vec<Period> {
        let mut months = Vec::new();
        let mut day = self.start;
        while day <= self.end {
            let month = Period::month_of(day);
            months.push(month);
            match month.end.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        months
    }
}

/// What a territory or a member did over a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// Entries of every kind.
    pub entries: u32,
    /// Meetings held or animated (réunions: animations of every sub-kind).
    pub meetings: u32,
    pub rdv: u32,
    pub comites: u32,
    /// Events (co)organised, and the people who took part in them (named actors and
    /// anonymous headcount).
    pub events: u32,
    pub participants: u32,
    pub trainings: u32,
    /// Partnerships signed (signed or since ended) over the period.
    pub partnerships_signed: u32,
    /// Time spent, in minutes.
    pub minutes: u64,
    /// Distinct actors reached by any entry.
    pub actors: u32,
    /// Distinct actors reached in meetings and comités ("en réunion").
    pub actors_in_meetings: u32,
    /// Distinct actors reached in individual appointments ("en RDV").
    pub actors_in_rdv: u32,
    /// People reached without a name (headcounts added).
    pub headcount: u32,
}

impl Figures {
    /// Hours spent, rounded to the nearest tenth.
    pub fn hours(&self) -> f64 {
        (self.minutes as f64 / 6.0).round() / 10.0
    }
}

/// The id standing for `id` now (itself when the directory does not know it).
fn canonical<'a>(canonical: &'a HashMap<String, String>, id: &'a str) -> &'a str {
    canonical.get(id).map(String::as_str).unwrap_or(id)
}

/// Counts distinct ids: sorted and deduplicated, cheaper than hashing for the few hundred
/// ids a département's year holds.
fn distinct(mut ids: Vec<&str>) -> u32 {
    ids.sort_unstable();
    ids.dedup();
    ids.len() as u32
}

/// The figures of the entries `selector` selects within `period`.
pub fn figures(
    entries: &[ActivityEntry],
    canonical_ids: &HashMap<String, String>,
    selector: &Selector,
    period: &Period,
) -> Figures {
    let mut figures = Figures::default();
    let (mut all, mut meetings, mut rdv) = (Vec::new(), Vec::new(), Vec::new());
    for entry in entries.iter().filter(|entry| period.contains(entry.date) && selector.selects(entry)) {
        figures.entries += 1;
        figures.minutes += u64::from(entry.duration_minutes);
        figures.headcount = figures.headcount.saturating_add(entry.headcount);
        let ids = entry.actors.iter().map(|id| canonical(canonical_ids, id));
        match entry.kind {
            ActivityKind::Animation | ActivityKind::Comite => {
                if entry.kind == ActivityKind::Animation {
                    figures.meetings += 1;
                } else {
                    figures.comites += 1;
                }
                meetings.extend(ids.clone());
            }
            ActivityKind::RdvIndividuel => {
                figures.rdv += 1;
                rdv.extend(ids.clone());
            }
            ActivityKind::Evenement => {
                figures.events += 1;
                let named = entry.actors.len() as u32;
                figures.participants = figures.participants.saturating_add(named.saturating_add(entry.headcount));
            }
            ActivityKind::Formation => figures.trainings += 1,
            ActivityKind::Partenariat => {
                let signed = entry
                    .partnership
                    .as_ref()
                    .is_some_and(|p| matches!(p.status, PartnershipStatus::Signe | PartnershipStatus::Termine));
                if signed {
                    figures.partnerships_signed += 1;
                }
            }
            ActivityKind::Autre => {}
        }
        all.extend(ids);
    }
    figures.actors = distinct(all);
    figures.actors_in_meetings = distinct(meetings);
    figures.actors_in_rdv = distinct(rdv);
    figures
}

/// One figure of a period beside the same figure of the period before.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub label: &'static str,
    pub current: f64,
    pub previous: f64,
}

impl Change {
    /// The change in percent, when the period before had any.
    pub fn percent(&self) -> Option<f64> {
        (self.previous != 0.0).then(|| ((self.current - self.previous) / self.previous * 100.0).round())
    }
}

/// The figures a bilan and a dashboard show, in order, with their French names.
pub fn rows(figures: &Figures) -> Vec<(&'static str, f64)> {
    vec![
        ("Réunions", figures.meetings.into()),
        ("RDV individuels", figures.rdv.into()),
        ("Comités", figures.comites.into()),
        ("Événements (co)organisés", figures.events.into()),
        ("Participants aux événements", figures.participants.into()),
        ("Formations données", figures.trainings.into()),
        ("Partenariats signés", figures.partnerships_signed.into()),
        ("Heures consacrées", figures.hours()),
        ("Acteurs touchés (distincts)", figures.actors.into()),
        ("dont en réunion", figures.actors_in_meetings.into()),
        ("dont en RDV", figures.actors_in_rdv.into()),
        ("Personnes non nommées", figures.headcount.into()),
    ]
}

/// Period-over-period comparison, figure by figure.
pub fn compare(current: &Figures, previous: &Figures) -> Vec<Change> {
    rows(current)
        .into_iter()
        .zip(rows(previous))
        .map(|((label, current), (_, previous))| Change { label, current, previous })
        .collect()
}

/// The figures of each calendar month of the period (a month cut by the period counts only
/// its days within it), for the charts.
pub fn monthly(
    entries: &[ActivityEntry],
    canonical_ids: &HashMap<String, String>,
    selector: &Selector,
    period: &Period,
) -> Vec<(Period, Figures)> {
    let selected: Vec<ActivityEntry> =
        entries.iter().filter(|entry| period.contains(entry.date) && selector.selects(entry)).cloned().collect();
    period
        .months()
        .into_iter()
        .map(|month| {
            let within = Period { start: month.start.max(period.start), end: month.end.min(period.end) };
            (month, figures(&selected, canonical_ids, &Selector::Hub, &within))
        })
        .collect()
}

/// A month's short French name with its year ("janv. 2022").
pub fn month_label(month: &Period) -> String {
    const NAMES: [&str; 12] =
        ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
    format!("{} {}", NAMES[month.start.month0() as usize], month.start.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_period_before() {
        let year = Period::year(2022).unwrap();
        assert_eq!(year.previous(), Period::year(2021).unwrap());
        let march = Period::month_of(day(2024, 3, 10));
        assert_eq!(march, Period { start: day(2024, 3, 1), end: day(2024, 3, 31) });
        assert_eq!(march.previous(), Period { start: day(2024, 2, 1), end: day(2024, 2, 29) });
        let seed = Period::new(day(2021, 10, 1), day(2022, 12, 31)).unwrap();
        assert_eq!(seed.previous(), Period { start: day(2020, 7, 1), end: day(2021, 9, 30) });
        assert_eq!(seed.months().len(), 15);
        assert_eq!(month_label(&seed.months()[0]), "oct. 2021");
    }
}
