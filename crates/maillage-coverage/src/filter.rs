//! Filters of places: which places count as "help" for a given coverage question.
//!
//! A filter list is an AND: a place matches when it matches every filter. Filters are
//! written as short strings (`service=Aide aux démarches administratives`, `public=Seniors`,
//! `gratuit`, `label=France Services`, `jour=mardi`, `weekend`, `itinerant`, `fixe`,
//! `prise_en_charge=Surdité`, `frais=Payant`, `acces=Téléphoner`,
//! `accompagnement=Dans un atelier collectif`, `typologie=TIERS_LIEUX`) and serialise as tagged
//! values. The same language serves the CLI's coverage, the API and the pages.
//!
//! **Days.** `jour=…` and `weekend` evaluate the place's OSM opening hours on a fixed
//! reference week, [`REFERENCE_MONDAY`] (Monday 9 March 2026) to Sunday 15 March 2026: no
//! public holiday, outside the school holidays of every zone. A place matches `jour=mardi`
//! when its hours have an *open* interval (not "unknown", not "closed") on Tuesday 10 March
//! 2026; `weekend` when they have one on the Saturday or the Sunday. Places without opening
//! hours are unknown, so they never match a day filter.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Weekday};
use maillage_domain::text::fold;
use maillage_domain::{
    Dispositif, FormationLabel, Frais, Itinerance, ModaliteAcces, ModaliteAccompagnement, Place, PlaceRecord,
    PriseEnCharge, Public, Service, Vocabulary,
};
use opening_hours::RuleKind;
use serde::{Deserialize, Serialize};

/// The Monday of the reference week on which day filters evaluate opening hours.
pub const REFERENCE_MONDAY: (i32, u32, u32) = (2026, 3, 9);

/// A day of the week, in French.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Jour {
    Lundi,
    Mardi,
    Mercredi,
    Jeudi,
    Vendredi,
    Samedi,
    Dimanche,
}

impl Jour {
    pub const ALL: [Jour; 7] =
        [Jour::Lundi, Jour::Mardi, Jour::Mercredi, Jour::Jeudi, Jour::Vendredi, Jour::Samedi, Jour::Dimanche];

    pub fn as_str(self) -> &'static str {
        match self {
            Jour::Lundi => "lundi",
            Jour::Mardi => "mardi",
            Jour::Mercredi => "mercredi",
            Jour::Jeudi => "jeudi",
            Jour::Vendredi => "vendredi",
            Jour::Samedi => "samedi",
            Jour::Dimanche => "dimanche",
        }
    }

    pub fn parse(text: &str) -> Option<Jour> {
        let folded = fold(text);
        Jour::ALL.into_iter().find(|jour| jour.as_str() == folded.trim())
    }

    /// Days after Monday (0 for Monday).
    fn offset(self) -> u32 {
        Jour::ALL.iter().position(|j| *j == self).unwrap_or(0) as u32
    }

    /// This day in the reference week.
    pub fn reference_date(self) -> NaiveDate {
        let (y, m, d) = REFERENCE_MONDAY;
        let monday = NaiveDate::from_ymd_opt(y, m, d).expect("valid reference date");
        debug_assert_eq!(monday.weekday(), Weekday::Mon);
        monday + chrono::Days::new(self.offset() as u64)
    }
}

/// A label: a national programme (`dispositif_programmes_nationaux`), a training label of
/// the standard (`formations_labels`) or another label a source wrote
/// (`autres_formations_labels`, compared accent- and case-insensitively).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Label {
    Dispositif(Dispositif),
    Formation(FormationLabel),
    Autre(String),
}

impl Label {
    pub fn parse(text: &str) -> Label {
        if let Some(d) = Dispositif::from_label(text) {
            Label::Dispositif(d)
        } else if let Some(f) = FormationLabel::from_label(text) {
            Label::Formation(f)
        } else {
            Label::Autre(text.trim().to_owned())
        }
    }

    fn text(&self) -> &str {
        match self {
            Label::Dispositif(d) => d.label(),
            Label::Formation(f) => f.label(),
            Label::Autre(s) => s,
        }
    }
}

/// One criterion on places.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "filtre", content = "valeur", rename_all = "snake_case")]
pub enum PlaceFilter {
    /// Offers this service.
    Service(Service),
    /// Specifically addresses this public.
    Public(Public),
    /// Free of charge (`frais_a_charge` contains "Gratuit"; "Gratuit sous condition" does not count).
    Gratuit,
    /// Carries this label.
    Label(Label),
    /// Open at some time on this day of the reference week.
    Jour(Jour),
    /// Open at some time on the Saturday or the Sunday of the reference week.
    Weekend,
    /// Itinerant (`itinerance` contains "Itinérant").
    Itinerant,
    /// Fixed (`itinerance` contains "Fixe", or says nothing: a place is fixed by default).
    Fixe,
    /// Offers this specific support (`prise_en_charge_specifique`).
    PriseEnCharge(PriseEnCharge),
    /// `frais_a_charge` contains this value (`gratuit` alone stays the short form of `frais=Gratuit`).
    Frais(Frais),
    /// `modalites_acces` contains this value.
    Acces(ModaliteAcces),
    /// `modalites_accompagnement` contains this value.
    Accompagnement(ModaliteAccompagnement),
    /// `typologie` contains this code (compared accent- and case-insensitively).
    Typologie(String),
}

/// Why a filter string was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError(pub String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

impl PlaceFilter {
    /// Parses `service=…`, `public=…`, `gratuit`, `label=…`, `jour=…`, `weekend`, `itinerant`, `fixe`.
    pub fn parse(text: &str) -> Result<PlaceFilter, FilterError> {
        let text = text.trim();
        let (key, value) = match text.split_once('=') {
            Some((k, v)) => (fold(k).trim().to_owned(), Some(v.trim())),
            None => (fold(text).trim().to_owned(), None),
        };
        fn need<'a>(v: Option<&'a str>, text: &str) -> Result<&'a str, FilterError> {
            v.filter(|v| !v.is_empty()).ok_or_else(|| FilterError(format!("filtre « {text} » : valeur manquante")))
        }
        let unknown = |field: &str, v: &str| FilterError(format!("filtre « {text} » : {field} inconnu « {v} »"));
        Ok(match key.as_str() {
            "service" | "services" => {
                let v = need(value, text)?;
                PlaceFilter::Service(Service::from_label(v).ok_or_else(|| unknown("service", v))?)
            }
            "public" | "publics" => {
                let v = need(value, text)?;
                PlaceFilter::Public(Public::from_label(v).ok_or_else(|| unknown("public", v))?)
            }
            "label" | "labels" | "dispositif" => PlaceFilter::Label(Label::parse(need(value, text)?)),
            "jour" => {
                let v = need(value, text)?;
                if fold(v).trim() == "weekend" || fold(v).trim() == "week end" {
                    PlaceFilter::Weekend
                } else {
                    PlaceFilter::Jour(Jour::parse(v).ok_or_else(|| unknown("jour", v))?)
                }
            }
            "prise en charge" | "prise en charge specifique" => {
                let v = need(value, text)?;
                PlaceFilter::PriseEnCharge(PriseEnCharge::from_label(v).ok_or_else(|| unknown("prise en charge", v))?)
            }
            "frais" | "frais a charge" => {
                let v = need(value, text)?;
                match Frais::from_label(v).ok_or_else(|| unknown("frais", v))? {
                    Frais::Gratuit => PlaceFilter::Gratuit,
                    other => PlaceFilter::Frais(other),
                }
            }
            "acces" | "modalites acces" => {
                let v = need(value, text)?;
                PlaceFilter::Acces(ModaliteAcces::from_label(v).ok_or_else(|| unknown("accès", v))?)
            }
            "accompagnement" | "modalites accompagnement" => {
                let v = need(value, text)?;
                PlaceFilter::Accompagnement(
                    ModaliteAccompagnement::from_label(v).ok_or_else(|| unknown("accompagnement", v))?,
                )
            }
            "typologie" => PlaceFilter::Typologie(need(value, text)?.to_owned()),
            "gratuit" if value.is_none() => PlaceFilter::Gratuit,
            "weekend" | "week end" if value.is_none() => PlaceFilter::Weekend,
            "itinerant" if value.is_none() => PlaceFilter::Itinerant,
            "fixe" if value.is_none() => PlaceFilter::Fixe,
            _ => {
                return Err(FilterError(format!(
                    "filtre inconnu « {text} » (attendu : service=…, public=…, gratuit, frais=…, label=…, jour=…, weekend, itinerant, fixe, prise_en_charge=…, acces=…, accompagnement=…, typologie=…)"
                )))
            }
        })
    }

    /// Whether a place matches (status is not looked at: callers pass active places).
    pub fn matches(&self, place: &Place) -> bool {
        self.matches_record(&place.record)
    }

    pub fn matches_record(&self, record: &PlaceRecord) -> bool {
        match self {
            PlaceFilter::Service(s) => record.services.contains(s),
            PlaceFilter::Public(p) => record.publics_specifiquement_adresses.contains(p),
            PlaceFilter::Gratuit => record.frais_a_charge.contains(&Frais::Gratuit),
            PlaceFilter::Label(Label::Dispositif(d)) => record.dispositif_programmes_nationaux.contains(d),
            PlaceFilter::Label(Label::Formation(f)) => record.formations_labels.contains(f),
            PlaceFilter::Label(Label::Autre(text)) => {
                let wanted = fold(text);
                record.autres_formations_labels.iter().any(|l| fold(l) == wanted)
            }
            PlaceFilter::Jour(jour) => open_on(record, &[*jour]),
            PlaceFilter::Weekend => open_on(record, &[Jour::Samedi, Jour::Dimanche]),
            PlaceFilter::Itinerant => record.itinerance.contains(&Itinerance::Itinerant),
            PlaceFilter::Fixe => record.itinerance.is_empty() || record.itinerance.contains(&Itinerance::Fixe),
            PlaceFilter::PriseEnCharge(p) => record.prise_en_charge_specifique.contains(p),
            PlaceFilter::Frais(f) => record.frais_a_charge.contains(f),
            PlaceFilter::Acces(a) => record.modalites_acces.contains(a),
            PlaceFilter::Accompagnement(a) => record.modalites_accompagnement.contains(a),
            PlaceFilter::Typologie(code) => {
                let wanted = fold(code);
                record.typologie.iter().any(|t| fold(t) == wanted)
            }
        }
    }
}

impl FromStr for PlaceFilter {
    type Err = FilterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlaceFilter::parse(s)
    }
}

impl fmt::Display for PlaceFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlaceFilter::Service(s) => write!(f, "service={}", s.label()),
            PlaceFilter::Public(p) => write!(f, "public={}", p.label()),
            PlaceFilter::Gratuit => f.write_str("gratuit"),
            PlaceFilter::Label(l) => write!(f, "label={}", l.text()),
            PlaceFilter::Jour(j) => write!(f, "jour={}", j.as_str()),
            PlaceFilter::Weekend => f.write_str("weekend"),
            PlaceFilter::Itinerant => f.write_str("itinerant"),
            PlaceFilter::Fixe => f.write_str("fixe"),
            PlaceFilter::PriseEnCharge(p) => write!(f, "prise_en_charge={}", p.label()),
            PlaceFilter::Frais(x) => write!(f, "frais={}", x.label()),
            PlaceFilter::Acces(a) => write!(f, "acces={}", a.label()),
            PlaceFilter::Accompagnement(a) => write!(f, "accompagnement={}", a.label()),
            PlaceFilter::Typologie(t) => write!(f, "typologie={t}"),
        }
    }
}

/// Whether the hours have an open interval on one of these days of the reference week.
fn open_on(record: &PlaceRecord, days: &[Jour]) -> bool {
    let Some(horaires) = &record.horaires else { return false };
    let oh = horaires.parsed();
    days.iter().any(|day| {
        let date = day.reference_date();
        let from = date.and_hms_opt(0, 0, 0).expect("midnight");
        let to = (date + chrono::Days::new(1)).and_hms_opt(0, 0, 0).expect("midnight");
        oh.iter_range(from, to).any(|range| range.kind == RuleKind::Open && range.range.start < range.range.end)
    })
}

/// A list of filters, all of which must match (AND). Empty: every place matches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Filters(pub Vec<PlaceFilter>);

impl Filters {
    /// Parses each string as a [`PlaceFilter`].
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Filters, FilterError> {
        items.into_iter().map(PlaceFilter::parse).collect::<Result<Vec<_>, _>>().map(Filters)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, place: &Place) -> bool {
        self.0.iter().all(|f| f.matches(place))
    }

    pub fn matches_record(&self, record: &PlaceRecord) -> bool {
        self.0.iter().all(|f| f.matches_record(record))
    }
}

impl fmt::Display for Filters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("tous les lieux");
        }
        for (i, filter) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ET ")?;
            }
            write!(f, "{filter}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use maillage_domain::Horaires;

    fn record() -> PlaceRecord {
        PlaceRecord { id: "x".into(), nom: "Lieu".into(), ..Default::default() }
    }

    #[test]
    fn reference_week_starts_on_monday() {
        assert_eq!(Jour::Lundi.reference_date().weekday(), Weekday::Mon);
        assert_eq!(Jour::Dimanche.reference_date().weekday(), Weekday::Sun);
        assert_eq!(Jour::Mardi.reference_date(), NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
    }

    #[test]
    fn parses_short_strings() {
        assert_eq!(
            PlaceFilter::parse("service=Aide aux démarches administratives").unwrap(),
            PlaceFilter::Service(Service::AideDemarchesAdministratives)
        );
        assert_eq!(PlaceFilter::parse("public=Seniors").unwrap(), PlaceFilter::Public(Public::Seniors));
        assert_eq!(PlaceFilter::parse(" Gratuit ").unwrap(), PlaceFilter::Gratuit);
        assert_eq!(
            PlaceFilter::parse("label=France Services").unwrap(),
            PlaceFilter::Label(Label::Dispositif(Dispositif::FranceServices))
        );
        assert_eq!(
            PlaceFilter::parse("label=Fabriques de Territoire").unwrap(),
            PlaceFilter::Label(Label::Formation(FormationLabel::FabriquesDeTerritoire))
        );
        assert_eq!(PlaceFilter::parse("jour=Mardi").unwrap(), PlaceFilter::Jour(Jour::Mardi));
        assert_eq!(PlaceFilter::parse("jour=weekend").unwrap(), PlaceFilter::Weekend);
        assert_eq!(PlaceFilter::parse("weekend").unwrap(), PlaceFilter::Weekend);
        assert_eq!(PlaceFilter::parse("itinérant").unwrap(), PlaceFilter::Itinerant);
        assert_eq!(PlaceFilter::parse("fixe").unwrap(), PlaceFilter::Fixe);
        assert!(PlaceFilter::parse("service=nimporte").is_err());
        assert!(PlaceFilter::parse("jour=").is_err());
        assert!(PlaceFilter::parse("couleur=bleu").is_err());
        assert_eq!(PlaceFilter::parse("frais=gratuit").unwrap(), PlaceFilter::Gratuit);
        assert_eq!(
            PlaceFilter::parse("prise_en_charge=surdite").unwrap(),
            PlaceFilter::PriseEnCharge(PriseEnCharge::Surdite)
        );
        assert!(PlaceFilter::parse("frais=cher").is_err());
        assert!(PlaceFilter::parse("acces=").is_err());
        for text in [
            "service=Aide aux démarches administratives",
            "public=Seniors",
            "gratuit",
            "label=France Services",
            "jour=mardi",
            "weekend",
            "itinerant",
            "fixe",
            "prise_en_charge=Surdité",
            "frais=Payant",
            "frais=Gratuit sous condition",
            "acces=Téléphoner",
            "accompagnement=Dans un atelier collectif",
            "typologie=TIERS_LIEUX",
        ] {
            let f = PlaceFilter::parse(text).unwrap();
            assert_eq!(PlaceFilter::parse(&f.to_string()).unwrap(), f, "{text}");
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(serde_json::from_str::<PlaceFilter>(&json).unwrap(), f, "{json}");
        }
    }

    #[test]
    fn matches_fields() {
        let mut r = record();
        r.services.insert(Service::AideDemarchesAdministratives);
        r.frais_a_charge.insert(Frais::GratuitSousCondition);
        r.dispositif_programmes_nationaux.insert(Dispositif::FranceServices);
        r.autres_formations_labels.push("Réseau Local".into());
        assert!(PlaceFilter::parse("service=Aide aux démarches administratives").unwrap().matches_record(&r));
        assert!(!PlaceFilter::parse("public=Seniors").unwrap().matches_record(&r));
        assert!(!PlaceFilter::Gratuit.matches_record(&r));
        assert!(PlaceFilter::parse("label=France Services").unwrap().matches_record(&r));
        assert!(PlaceFilter::parse("label=reseau local").unwrap().matches_record(&r));
        assert!(PlaceFilter::Fixe.matches_record(&r), "no itinérance: fixed by default");
        assert!(!PlaceFilter::Itinerant.matches_record(&r));
        r.itinerance.insert(Itinerance::Itinerant);
        assert!(PlaceFilter::Itinerant.matches_record(&r));
        assert!(!PlaceFilter::Fixe.matches_record(&r));
        let all = Filters::parse(["service=Aide aux démarches administratives", "itinerant"]).unwrap();
        assert!(all.matches_record(&r));
        let all = Filters::parse(["service=Aide aux démarches administratives", "gratuit"]).unwrap();
        assert!(!all.matches_record(&r));
        assert!(Filters::default().matches_record(&r));
        assert!(PlaceFilter::Frais(Frais::GratuitSousCondition).matches_record(&r));
        assert!(!PlaceFilter::Frais(Frais::Payant).matches_record(&r));
        assert!(!PlaceFilter::parse("acces=Téléphoner").unwrap().matches_record(&r));
        r.modalites_acces.insert(ModaliteAcces::Telephoner);
        r.modalites_accompagnement.insert(ModaliteAccompagnement::AtelierCollectif);
        r.prise_en_charge_specifique.insert(PriseEnCharge::Surdite);
        r.typologie.push("TIERS_LIEUX".into());
        for text in [
            "acces=Téléphoner",
            "accompagnement=dans un atelier collectif",
            "prise_en_charge=Surdité",
            "typologie=tiers lieux",
        ] {
            assert!(PlaceFilter::parse(text).unwrap().matches_record(&r), "{text}");
        }
        assert!(!PlaceFilter::parse("typologie=MAIRIE").unwrap().matches_record(&r));
    }

    #[test]
    fn day_filters_use_opening_hours() {
        let mut r = record();
        assert!(!PlaceFilter::Jour(Jour::Mardi).matches_record(&r), "no hours: unknown, excluded");
        r.horaires = Some(Horaires::parse("Mo-Fr 09:00-12:00; Tu off").unwrap());
        assert!(PlaceFilter::Jour(Jour::Lundi).matches_record(&r));
        assert!(!PlaceFilter::Jour(Jour::Mardi).matches_record(&r));
        assert!(!PlaceFilter::Weekend.matches_record(&r));
        r.horaires = Some(Horaires::parse("Sa 10:00-12:00").unwrap());
        assert!(PlaceFilter::Weekend.matches_record(&r));
        assert!(PlaceFilter::Jour(Jour::Samedi).matches_record(&r));
        assert!(!PlaceFilter::Jour(Jour::Dimanche).matches_record(&r));
        r.horaires = Some(Horaires::parse("Mo 09:00-12:00 unknown").unwrap());
        assert!(!PlaceFilter::Jour(Jour::Lundi).matches_record(&r), "unknown is not open");
    }
}
