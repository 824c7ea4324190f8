//! The search criteria of the map, the list, the orientation and the embed, as they travel in
//! a page's query string (so every state can be shared as a link). Filter values are the
//! standard's labels, and each filter turns into the filter language of the API and of the
//! coverage (`service=…;public=…`), so a page and the JSON API select the same places.

use maillage_domain::{
    Dispositif, FormationLabel, Frais, ModaliteAcces, ModaliteAccompagnement, PriseEnCharge, Public, Service,
    Vocabulary,
};

use super::place::WEEKDAYS;
use crate::query::{self, Params};
use crate::WebError;

/// A filter group of the form: its query key, its legend, and its values' labels.
pub struct FilterGroup {
    pub key: &'static str,
    pub legend: &'static str,
    pub options: Vec<FilterOption>,
}

impl FilterGroup {
    pub fn any_checked(&self) -> bool {
        self.options.iter().any(|o| o.checked)
    }
}

pub struct FilterOption {
    pub value: String,
    pub label: String,
    pub checked: bool,
    /// Unique among the page's inputs, for `<label for>`.
    pub input_id: String,
}

fn vocabulary_labels<T: Vocabulary>() -> Vec<&'static str> {
    T::all().iter().map(|v| v.label()).collect()
}

/// Keys of the multi-valued filters, their legend and their allowed labels.
pub fn filter_vocabularies() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    let mut labels = vocabulary_labels::<Dispositif>();
    labels.extend(vocabulary_labels::<FormationLabel>());
    vec![
        ("service", "Services", vocabulary_labels::<Service>()),
        ("public", "Publics accueillis en particulier", vocabulary_labels::<Public>()),
        ("prise_en_charge", "Prise en charge spécifique", vocabulary_labels::<PriseEnCharge>()),
        ("frais", "Frais", vocabulary_labels::<Frais>()),
        ("acces", "Modalités d'accès", vocabulary_labels::<ModaliteAcces>()),
        ("accompagnement", "Modalités d'accompagnement", vocabulary_labels::<ModaliteAccompagnement>()),
        ("label", "Dispositifs et labels", labels),
    ]
}

/// A field of the form and what is wrong with it, in French.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The criteria of a search, validated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Criteria {
    /// Free text: a commune, a postcode or a place's name.
    pub q: String,
    /// A search point (from a commune, an address or the browser's position).
    pub point: Option<(f64, f64)>,
    pub rayon_km: Option<f64>,
    /// (key, label) pairs of the multi-valued filters, in form order.
    pub filters: Vec<(&'static str, String)>,
    pub jour: Option<&'static str>,
    pub ouvert_maintenant: bool,
    pub itinerant: bool,
    pub territoire: Option<String>,
    /// Only the places of one data source (embeds of a partner's own data).
    pub source: Option<String>,
    pub page: usize,
}

/// A value read by the shared reader, or its problem beside its field.
fn checked<T>(errors: &mut Vec<FieldError>, field: &'static str, read: Result<Option<T>, WebError>) -> Option<T> {
    read.unwrap_or_else(|err| {
        errors.push(FieldError { field, message: err.message });
        None
    })
}

impl Criteria {
    /// Reads a page's query string; every value is checked, and each problem is named with
    /// its field so the form can show it beside the field. Unknown keys (tracking
    /// parameters, the map's zoom…) are ignored.
    pub fn parse(raw: Option<&str>) -> (Criteria, Vec<FieldError>) {
        match Params::parse(raw) {
            Ok(mut params) => Criteria::read(&mut params),
            Err(err) => {
                (Criteria { page: 1, ..Criteria::default() }, vec![FieldError { field: "q", message: err.message }])
            }
        }
    }

    /// Reads the search's parameters from the shared reader (the embed reads its own after).
    pub fn read(params: &mut Params) -> (Criteria, Vec<FieldError>) {
        let mut criteria = Criteria { page: 1, ..Criteria::default() };
        let mut errors = Vec::new();
        let text = |params: &mut Params, key: &'static str| params.get(key).map(|v| v.map(str::to_owned));
        for (key, legend, allowed) in filter_vocabularies() {
            for value in params.get_all(key) {
                match allowed.iter().find(|label| **label == value) {
                    Some(label) => {
                        if !criteria.filters.iter().any(|(k, l)| *k == key && l == label) {
                            criteria.filters.push((key, (*label).to_owned()));
                        }
                    }
                    None => errors.push(FieldError {
                        field: key,
                        message: format!("« {value} » n'est pas une valeur connue pour « {legend} »"),
                    }),
                }
            }
        }
        let read = text(params, "q");
        criteria.q = checked(&mut errors, "q", read).map(|q| q.chars().take(200).collect()).unwrap_or_default();
        let read = text(params, "lat");
        let lat = checked(
            &mut errors,
            "lat",
            read.and_then(|v| v.map(|v| query::number("lat", &v, -90.0..=90.0)).transpose()),
        );
        let read = text(params, "lon");
        let lon = checked(
            &mut errors,
            "lon",
            read.and_then(|v| v.map(|v| query::number("lon", &v, -180.0..=180.0)).transpose()),
        );
        let read = text(params, "rayon");
        criteria.rayon_km = checked(
            &mut errors,
            "rayon",
            read.and_then(|v| v.map(|v| query::number("rayon", &v, 1.0..=200.0)).transpose()),
        );
        let read = text(params, "jour");
        if let Some(value) = checked(&mut errors, "jour", read) {
            match WEEKDAYS.iter().find(|d| **d == value) {
                Some(day) => criteria.jour = Some(day),
                None => errors.push(FieldError {
                    field: "jour",
                    message: "jour de la semaine attendu (lundi à dimanche)".to_owned(),
                }),
            }
        }
        let read = text(params, "ouvert");
        match checked(&mut errors, "ouvert", read).as_deref() {
            None => {}
            Some("maintenant") => criteria.ouvert_maintenant = true,
            Some(_) => {
                errors.push(FieldError { field: "ouvert", message: "seule valeur possible : maintenant".to_owned() })
            }
        }
        let read = text(params, "itinerant");
        criteria.itinerant = checked(&mut errors, "itinerant", read).is_some();
        let read = text(params, "territoire");
        criteria.territoire = checked(&mut errors, "territoire", read).map(|t| t.chars().take(200).collect());
        let read = text(params, "source");
        criteria.source = checked(&mut errors, "source", read).map(|t| t.chars().take(100).collect());
        let read = text(params, "page");
        if let Some(page) = checked(
            &mut errors,
            "page",
            read.and_then(|v| v.map(|v| query::integer("page", &v, 1..=10_000)).transpose()),
        ) {
            criteria.page = page;
        }
        match (lat, lon) {
            (Some(lat), Some(lon)) => criteria.point = Some((lat, lon)),
            (None, None) => {}
            _ => errors
                .push(FieldError { field: "lat", message: "la latitude et la longitude vont ensemble".to_owned() }),
        }
        (criteria, errors)
    }

    /// The filters in the API's and coverage's filter language.
    pub fn filter_expressions(&self) -> Vec<String> {
        let mut out: Vec<String> = self.filters.iter().map(|(key, label)| format!("{key}={label}")).collect();
        if let Some(day) = self.jour {
            out.push(format!("jour={day}"));
        }
        if self.itinerant {
            out.push("itinerant".to_owned());
        }
        out
    }

    pub fn has(&self, key: &str, label: &str) -> bool {
        self.filters.iter().any(|(k, l)| *k == key && l == label)
    }

    /// The form's filter groups with this search's choices checked.
    pub fn groups(&self, prefix: &str) -> Vec<FilterGroup> {
        filter_vocabularies()
            .into_iter()
            .map(|(key, legend, labels)| FilterGroup {
                key,
                legend,
                options: labels
                    .into_iter()
                    .enumerate()
                    .map(|(index, label)| FilterOption {
                        value: label.to_owned(),
                        label: label.to_owned(),
                        checked: self.has(key, label),
                        input_id: format!("{prefix}-{key}-{index}"),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The query string of this search (without the page), to rebuild links.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q".to_owned(), self.q.clone()));
        }
        if let Some((lat, lon)) = self.point {
            pairs.push(("lat".to_owned(), format!("{lat:.5}")));
            pairs.push(("lon".to_owned(), format!("{lon:.5}")));
        }
        if let Some(rayon) = self.rayon_km {
            pairs.push(("rayon".to_owned(), format!("{rayon}")));
        }
        for (key, label) in &self.filters {
            pairs.push(((*key).to_owned(), label.clone()));
        }
        if let Some(day) = self.jour {
            pairs.push(("jour".to_owned(), day.to_owned()));
        }
        if self.ouvert_maintenant {
            pairs.push(("ouvert".to_owned(), "maintenant".to_owned()));
        }
        if self.itinerant {
            pairs.push(("itinerant".to_owned(), "1".to_owned()));
        }
        if let Some(territoire) = &self.territoire {
            pairs.push(("territoire".to_owned(), territoire.clone()));
        }
        if let Some(source) = &self.source {
            pairs.push(("source".to_owned(), source.clone()));
        }
        pairs
    }

    pub fn query_with_page(&self, page: usize) -> String {
        let mut pairs = self.query_pairs();
        if page > 1 {
            pairs.push(("page".to_owned(), page.to_string()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Option<&str> {
        Some(query)
    }

    #[test]
    fn known_labels_pass_and_unknown_ones_are_named() {
        let (criteria, errors) =
            Criteria::parse(pairs("service=Aide+aux+d%C3%A9marches+administratives&jour=mardi&itinerant=1&utm=x"));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            criteria.filter_expressions(),
            ["service=Aide aux démarches administratives", "jour=mardi", "itinerant"]
        );
        let (_, errors) = Criteria::parse(pairs("service=Jardinage&jour=demain&lat=48.1"));
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["service", "jour", "lat"]);
        assert!(errors[0].message.contains("Jardinage"));
    }

    #[test]
    fn query_round_trips() {
        let query = "q=Bourges&lat=47.08100&lon=2.39900&rayon=20&public=Seniors&ouvert=maintenant";
        let (criteria, errors) = Criteria::parse(pairs(query));
        assert!(errors.is_empty());
        let again = Criteria::parse(pairs(&criteria.query_with_page(3))).0;
        assert_eq!(again.page, 3);
        assert_eq!(Criteria { page: 1, ..again }, criteria);
    }
}
