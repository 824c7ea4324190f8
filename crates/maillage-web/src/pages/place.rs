//! A place as its public page shows it: every field of the standard in words a person
//! understands, the week's hours with "open now" in Paris time (public holidays included),
//! and how complete the sheet is.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use maillage_domain::hours::intervals_text;
use maillage_domain::{paris_local, Place, PlaceRecord, Vocabulary};

/// Labels of a vocabulary set, in the standard's order.
pub fn labels<T: Vocabulary>(values: &std::collections::BTreeSet<T>) -> Vec<&'static str> {
    values.iter().map(|v| v.label()).collect()
}

pub use maillage_domain::hours::WEEKDAYS;

/// The open/closed state at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenState {
    Open,
    Closed,
    Unknown,
}

impl OpenState {
    pub fn label(self) -> &'static str {
        match self {
            OpenState::Open => "Ouvert maintenant",
            OpenState::Closed => "Fermé maintenant",
            OpenState::Unknown => "Horaires à confirmer",
        }
    }
    pub fn css(self) -> &'static str {
        match self {
            OpenState::Open => "etat-ouvert",
            OpenState::Closed => "etat-ferme",
            OpenState::Unknown => "etat-inconnu",
        }
    }
}

pub struct DayRow {
    pub name: &'static str,
    pub date: String,
    pub hours: String,
    pub today: bool,
    pub holiday: bool,
}

/// The week's hours as people read them (the standard's OpenStreetMap syntax is never shown:
/// it is for programs).
pub struct HoursView {
    pub now: OpenState,
    pub days: Vec<DayRow>,
}

/// The seven days from today (Paris time), each with its open intervals.
pub fn hours_view(record: &PlaceRecord, now: DateTime<Utc>) -> Option<HoursView> {
    let horaires = record.horaires.as_ref()?;
    let local = paris_local(now);
    let state = match horaires.is_open_at(local) {
        Some(true) => OpenState::Open,
        Some(false) => OpenState::Closed,
        None => OpenState::Unknown,
    };
    let today = local.date();
    let days = (0..7)
        .map(|offset| {
            let date = today + Days::new(offset);
            let hours = intervals_text(&horaires.open_intervals_on(date));
            DayRow {
                name: WEEKDAYS[date.weekday().num_days_from_monday() as usize],
                date: format_date(date),
                hours,
                today: offset == 0,
                holiday: maillage_domain::is_french_public_holiday(date),
            }
        })
        .collect();
    Some(HoursView { now: state, days })
}

/// The usual week (a reference week without public holidays) and the next opening from
/// now: what a printed sheet can say that stays true next week, unlike dated days.
pub struct WeekPattern {
    /// (day, hours) from Monday.
    pub days: Vec<(&'static str, String)>,
    /// "ouvert maintenant, jusqu'à 12:00" or "mardi 8 décembre 2026 à 09:00".
    pub next: Option<String>,
}

pub fn week_pattern(record: &PlaceRecord, now: DateTime<Utc>) -> Option<WeekPattern> {
    let horaires = record.horaires.as_ref()?;
    let days = horaires.usual_week();
    let local = paris_local(now);
    let mut next = None;
    for offset in 0..15 {
        let date = local.date() + Days::new(offset);
        for interval in horaires.open_intervals_on(date) {
            let start = date.and_time(interval.start);
            let end = interval.end.map(|end| date.and_time(end));
            if start <= local && end.is_none_or(|end| end > local) {
                let until = interval.end.map(|e| e.format("%H:%M").to_string()).unwrap_or_else(|| "minuit".to_owned());
                next = Some(format!("ouvert maintenant, jusqu'à {until}"));
            } else if start > local {
                let name = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
                next = Some(format!("{name} {} à {}", format_date(date), interval.start.format("%H:%M")));
            }
            if next.is_some() {
                break;
            }
        }
        if next.is_some() {
            break;
        }
    }
    Some(WeekPattern { days, next })
}

/// The French names of the months, January first.
pub const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

pub fn format_date(date: NaiveDate) -> String {
    format!("{} {} {}", date.day(), MONTHS[date.month0() as usize], date.year())
}

/// The share of the standard's optional fields a sheet fills, with the missing ones named so
/// that the score explains itself.
pub struct Completeness {
    pub filled: usize,
    pub total: usize,
    pub percent: u32,
    pub missing: Vec<&'static str>,
}

/// The standard's optional fields (all but id, pivot, nom, commune, code_postal, adresse and
/// date_maj, which every sheet has) with their French names.
pub fn completeness(record: &PlaceRecord) -> Completeness {
    let r = record;
    let fields: [(&'static str, bool); 25] = [
        ("code INSEE", r.code_insee.is_some()),
        ("complément d'adresse", r.complement_adresse.is_some()),
        ("latitude", r.coordinates.is_some()),
        ("longitude", r.coordinates.is_some()),
        ("typologie", !r.typologie.is_empty()),
        ("téléphone", r.telephone.is_some()),
        ("courriels", !r.courriels.is_empty()),
        ("site web", !r.site_web.is_empty()),
        ("horaires", r.horaires.is_some()),
        ("présentation courte", r.presentation_resume.is_some()),
        ("présentation détaillée", r.presentation_detail.is_some()),
        ("source", r.source.is_some()),
        ("itinérance", !r.itinerance.is_empty()),
        ("structure parente", r.structure_parente.is_some()),
        ("services", !r.services.is_empty()),
        ("publics spécifiquement adressés", !r.publics_specifiquement_adresses.is_empty()),
        ("prise en charge spécifique", !r.prise_en_charge_specifique.is_empty()),
        ("frais à charge", !r.frais_a_charge.is_empty()),
        ("dispositifs et programmes nationaux", !r.dispositif_programmes_nationaux.is_empty()),
        ("formations et labels", !r.formations_labels.is_empty()),
        ("autres formations et labels", !r.autres_formations_labels.is_empty()),
        ("modalités d'accès", !r.modalites_acces.is_empty()),
        ("modalités d'accompagnement", !r.modalites_accompagnement.is_empty()),
        ("fiche d'accès libre (accessibilité)", r.fiche_acces_libre.is_some()),
        ("prise de rendez-vous en ligne", r.prise_rdv.is_some()),
    ];
    let filled = fields.iter().filter(|(_, set)| *set).count();
    let total = fields.len();
    Completeness {
        filled,
        total,
        percent: ((filled * 100 + total / 2) / total) as u32,
        missing: fields.iter().filter(|(_, set)| !set).map(|(name, _)| *name).collect(),
    }
}

/// A French number as people write it ("02 38 83 31 21"); other numbers unchanged. Links
/// keep the international form the standard stores.
pub fn display_phone(phone: &str) -> String {
    match phone.strip_prefix("+33") {
        Some(rest) if rest.len() == 9 && rest.bytes().all(|b| b.is_ascii_digit()) => {
            let digits = format!("0{rest}");
            digits
                .as_bytes()
                .chunks(2)
                .map(|pair| String::from_utf8_lossy(pair).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        }
        _ => phone.to_owned(),
    }
}

/// Structure types of the data·inclusion vocabulary the standard uses, in words.
pub fn typology_label(code: &str) -> String {
    let label = match code {
        "ASSO" => "Association",
        "BIB" => "Bibliothèque, médiathèque",
        "CAF" => "Caisse d'allocations familiales",
        "CC" => "Communauté de communes",
        "CCAS" => "Centre communal d'action sociale",
        "CIAS" => "Centre intercommunal d'action sociale",
        "CD" => "Conseil départemental",
        "CS" => "Centre social",
        "EPN" => "Espace public numérique",
        "FRANCE_SERVICES" => "France Services",
        "MDS" => "Maison départementale des solidarités",
        "MJC" => "Maison des jeunes et de la culture",
        "ML" => "Mission locale",
        "MUNI" => "Mairie",
        "PE" | "FT" => "France Travail",
        "PIMMS" => "Point d'information médiation multi-services",
        "TIERS_LIEUX" => "Tiers-lieu",
        "RFS" => "Réseau France Services",
        "CHRS" => "Centre d'hébergement et de réinsertion sociale",
        "UDAF" => "Union départementale des associations familiales",
        "ESS" => "Structure de l'économie sociale et solidaire",
        _ => return code.to_owned(),
    };
    label.to_owned()
}

/// What the page shows of a place, prepared once for the template.
pub struct PlaceView {
    pub id: String,
    pub nom: String,
    pub adresse: String,
    pub complement_adresse: Option<String>,
    pub code_postal: String,
    pub commune: String,
    pub coordinates: Option<(f64, f64)>,
    pub typologie: Vec<String>,
    pub telephone: Option<String>,
    pub telephone_affiche: Option<String>,
    pub courriels: Vec<String>,
    pub site_web: Vec<String>,
    pub resume: Option<String>,
    pub detail: Option<String>,
    pub services: Vec<&'static str>,
    pub publics: Vec<&'static str>,
    pub prise_en_charge: Vec<&'static str>,
    pub frais: Vec<&'static str>,
    pub itinerance: Vec<&'static str>,
    pub dispositifs: Vec<&'static str>,
    pub labels: Vec<String>,
    pub modalites_acces: Vec<&'static str>,
    pub modalites_accompagnement: Vec<&'static str>,
    pub fiche_acces_libre: Option<String>,
    pub prise_rdv: Option<String>,
    pub structure_parente: Option<String>,
    pub source: String,
    pub date_maj: String,
    /// How old the sheet is, as a badge that says it in words.
    pub freshness: maillage_app::campaigns::Freshness,
    pub hours: Option<HoursView>,
    pub completeness: Completeness,
}

/// Links are shown only when they are web links: a `javascript:` value from a source must
/// never become a clickable link.
fn web_link(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| v.starts_with("https://") || v.starts_with("http://")).cloned()
}

pub fn place_view(place: &Place, now: DateTime<Utc>) -> PlaceView {
    let r = &place.record;
    let mut labels: Vec<String> = r.formations_labels.iter().map(|l| l.label().to_owned()).collect();
    labels.extend(r.autres_formations_labels.iter().cloned());
    PlaceView {
        id: place.id.0.clone(),
        nom: r.nom.clone(),
        adresse: r.adresse.clone(),
        complement_adresse: r.complement_adresse.clone(),
        code_postal: r.code_postal.clone(),
        commune: r.commune.clone(),
        coordinates: r.coordinates.map(|c| (c.latitude, c.longitude)),
        typologie: r.typologie.iter().map(|t| typology_label(t)).collect(),
        telephone: r.telephone.clone(),
        telephone_affiche: r.telephone.as_deref().map(display_phone),
        courriels: r.courriels.clone(),
        site_web: r
            .site_web
            .iter()
            .filter(|v| v.starts_with("https://") || v.starts_with("http://"))
            .cloned()
            .collect(),
        resume: r.presentation_resume.clone(),
        detail: r.presentation_detail.clone().filter(|d| Some(d) != r.presentation_resume.as_ref()),
        services: labels_of(&r.services),
        publics: labels_of(&r.publics_specifiquement_adresses),
        prise_en_charge: labels_of(&r.prise_en_charge_specifique),
        frais: labels_of(&r.frais_a_charge),
        itinerance: labels_of(&r.itinerance),
        dispositifs: labels_of(&r.dispositif_programmes_nationaux),
        labels,
        modalites_acces: labels_of(&r.modalites_acces),
        modalites_accompagnement: labels_of(&r.modalites_accompagnement),
        fiche_acces_libre: web_link(&r.fiche_acces_libre),
        prise_rdv: web_link(&r.prise_rdv),
        structure_parente: r.structure_parente.clone(),
        source: r.source.clone().unwrap_or_else(|| place.source.clone()),
        date_maj: format_date(place.published_date_maj()),
        freshness: maillage_app::campaigns::freshness(place.published_date_maj(), paris_local(now).date()),
        hours: hours_view(r, now),
        completeness: completeness(r),
    }
}

fn labels_of<T: Vocabulary>(values: &std::collections::BTreeSet<T>) -> Vec<&'static str> {
    labels(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completeness_counts_optional_fields() {
        let mut record = PlaceRecord { nom: "Lieu".to_owned(), ..PlaceRecord::default() };
        let empty = completeness(&record);
        assert_eq!((empty.filled, empty.total, empty.percent), (0, 25, 0));
        record.telephone = Some("+33102030405".to_owned());
        record.services.insert(maillage_domain::Service::AideDemarchesAdministratives);
        let some = completeness(&record);
        assert_eq!((some.filled, some.percent), (2, 8));
        assert!(!some.missing.contains(&"téléphone") && some.missing.contains(&"horaires"));
    }

    #[test]
    fn french_numbers_read_as_people_write_them() {
        assert_eq!(display_phone("+33238833121"), "02 38 83 31 21");
        assert_eq!(display_phone("+3223456789"), "+3223456789");
        assert_eq!(display_phone("3949"), "3949");
    }
}
