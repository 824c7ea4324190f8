//! The guided search for people who orient others (social workers, France Services agents,
//! mediators): 1) the need, 2) where and how far, 3) adapted reception, 4) when; then the
//! matching places and the *fiche d'orientation* to print or mail.
//!
//! The whole state travels in the query string, so the steps work as plain forms without
//! JavaScript and a step can be undone with the back link; none of it names the person. What
//! is typed about the person (first name, notes) is posted with the last form, echoed once on
//! the fiche (never cached) and forgotten: it is never stored, and never in an address.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use chrono::{Datelike, Days, NaiveTime};
use maillage_domain::{paris_local, PriseEnCharge, Service, Vocabulary};

use super::criteria::{Criteria, FieldError};
use super::listing::{self, Listing};
use super::place::{self, WEEKDAYS};
use super::{render, request_id, Layout, Site, SiteConfig};
use crate::query::pairs as pairs_of;
use crate::WebError;
use crate::WebState;

/// A need as a person would say it, mapped to one of the standard's nine services.
#[derive(Debug)]
pub struct Need {
    pub key: &'static str,
    pub title: &'static str,
    pub example: &'static str,
    pub service: Service,
}

pub const NEEDS: [Need; 9] = [
    Need {
        key: "demarches",
        title: "Faire une démarche administrative en ligne",
        example: "« Je dois faire ma déclaration de revenus ou ma demande de retraite sur internet. »",
        service: Service::AideDemarchesAdministratives,
    },
    Need {
        key: "outils",
        title: "Se servir d'un téléphone, d'une tablette ou d'un ordinateur",
        example: "« Je ne sais pas envoyer une photo par courriel ni installer une application. »",
        service: Service::MaitriseOutilsNumeriques,
    },
    Need {
        key: "emploi",
        title: "Chercher un emploi ou une formation",
        example: "« Je dois faire mon CV et répondre à des offres en ligne. »",
        service: Service::InsertionProfessionnelle,
    },
    Need {
        key: "securite",
        title: "Se protéger des arnaques, sécuriser ses comptes",
        example: "« J'ai reçu un SMS bizarre de ma banque, je ne sais pas si c'est une arnaque. »",
        service: Service::UtilisationSecurisee,
    },
    Need {
        key: "parentalite",
        title: "Accompagner la scolarité et les écrans des enfants",
        example: "« Je voudrais suivre les notes de mon enfant sur l'espace numérique du collège. »",
        service: Service::ParentaliteEducation,
    },
    Need {
        key: "loisirs",
        title: "Créer, se divertir avec le numérique",
        example: "« J'aimerais faire un album photo ou apprendre à monter une vidéo. »",
        service: Service::LoisirsCreations,
    },
    Need {
        key: "comprendre",
        title: "Comprendre le monde numérique",
        example: "« Je veux comprendre ce qu'est l'intelligence artificielle et ce que deviennent mes données. »",
        service: Service::ComprehensionMondeNumerique,
    },
    Need {
        key: "acces",
        title: "Avoir accès à un ordinateur, à une imprimante ou à internet",
        example: "« Je n'ai pas d'ordinateur pour imprimer mon attestation. »",
        service: Service::AccesInternetMateriel,
    },
    Need {
        key: "equipement",
        title: "S'équiper en matériel à petit prix",
        example: "« Je cherche un ordinateur reconditionné pas cher. »",
        service: Service::AcquisitionMateriel,
    },
];

pub const DISTANCES: [u32; 7] = [5, 10, 15, 20, 30, 50, 100];

/// When the person can go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Anytime,
    Now,
    Day,
}

/// The orientation's state, read from the query string and checked.
#[derive(Clone, Debug)]
pub struct Orientation {
    pub need: Option<&'static Need>,
    pub q: String,
    pub point: Option<(f64, f64)>,
    pub rayon: u32,
    pub reception: Vec<&'static str>,
    /// Step 3 was answered (possibly with "no particular need").
    pub reception_done: bool,
    pub when: Option<When>,
    pub jour: Option<&'static str>,
    pub from: Option<NaiveTime>,
    pub to: Option<NaiveTime>,
}

fn time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

impl Orientation {
    pub fn parse(pairs: &[(String, String)]) -> (Orientation, Vec<FieldError>) {
        let mut state = Orientation {
            need: None,
            q: String::new(),
            point: None,
            rayon: 10,
            reception: Vec::new(),
            reception_done: false,
            when: None,
            jour: None,
            from: None,
            to: None,
        };
        let mut errors = Vec::new();
        let (mut lat, mut lon) = (None, None);
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "besoin" => match NEEDS.iter().find(|n| n.key == value) {
                    Some(need) => state.need = Some(need),
                    None => errors.push(FieldError {
                        field: "besoin",
                        message: "Choisissez un besoin dans la liste.".to_owned(),
                    }),
                },
                "q" => state.q = value.chars().take(200).collect(),
                "lat" => lat = value.parse::<f64>().ok().filter(|v| (-90.0..=90.0).contains(v)),
                "lon" => lon = value.parse::<f64>().ok().filter(|v| (-180.0..=180.0).contains(v)),
                "rayon" => match value.parse::<u32>() {
                    Ok(km) if DISTANCES.contains(&km) => state.rayon = km,
                    _ => errors.push(FieldError {
                        field: "rayon",
                        message: "Choisissez une distance de 5 à 100 km dans la liste.".to_owned(),
                    }),
                },
                "accueil" => {
                    state.reception_done = true;
                    if value == "aucun" {
                        continue;
                    }
                    match PriseEnCharge::all().iter().find(|p| p.label() == value) {
                        Some(found) if !state.reception.contains(&found.label()) => state.reception.push(found.label()),
                        Some(_) => {}
                        None => errors.push(FieldError {
                            field: "accueil",
                            message: format!("« {value} » n'est pas une prise en charge connue."),
                        }),
                    }
                }
                "quand" => match value {
                    "indifferent" => state.when = Some(When::Anytime),
                    "maintenant" => state.when = Some(When::Now),
                    "jour" => state.when = Some(When::Day),
                    _ => errors.push(FieldError {
                        field: "quand",
                        message: "Choisissez quand la personne peut y aller.".to_owned(),
                    }),
                },
                "jour" => match WEEKDAYS.iter().find(|d| **d == value) {
                    Some(day) => state.jour = Some(day),
                    None => errors
                        .push(FieldError { field: "jour", message: "Choisissez un jour de la semaine.".to_owned() }),
                },
                "de" => match time(value) {
                    Some(t) => state.from = Some(t),
                    None => {
                        errors.push(FieldError { field: "de", message: "Heure attendue au format 14:30.".to_owned() })
                    }
                },
                "a" => match time(value) {
                    Some(t) => state.to = Some(t),
                    None => {
                        errors.push(FieldError { field: "a", message: "Heure attendue au format 14:30.".to_owned() })
                    }
                },
                _ => {}
            }
        }
        if let (Some(lat), Some(lon)) = (lat, lon) {
            state.point = Some((lat, lon));
        }
        if state.when == Some(When::Day) && state.jour.is_none() && !errors.iter().any(|e| e.field == "jour") {
            errors.push(FieldError {
                field: "jour",
                message: "Choisissez le jour où la personne peut y aller.".to_owned(),
            });
        }
        if let (Some(from), Some(to)) = (state.from, state.to) {
            if from >= to {
                errors.push(FieldError {
                    field: "a",
                    message: "L'heure de fin doit suivre l'heure de début.".to_owned(),
                });
            }
        }
        (state, errors)
    }

    /// The step to show: the first unanswered one (5: the results).
    pub fn step(&self) -> u8 {
        if self.need.is_none() {
            1
        } else if self.q.is_empty() && self.point.is_none() {
            2
        } else if !self.reception_done {
            3
        } else if self.when.is_none() {
            4
        } else {
            5
        }
    }

    /// The query pairs of the state up to (not including) a step: the "undo" link of a step
    /// and the hidden fields of its form.
    pub fn pairs_before(&self, step: u8) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        if step > 1 {
            if let Some(need) = self.need {
                pairs.push(("besoin".to_owned(), need.key.to_owned()));
            }
        }
        if step > 2 {
            if !self.q.is_empty() {
                pairs.push(("q".to_owned(), self.q.clone()));
            }
            if let Some((lat, lon)) = self.point {
                pairs.push(("lat".to_owned(), format!("{lat:.5}")));
                pairs.push(("lon".to_owned(), format!("{lon:.5}")));
            }
            pairs.push(("rayon".to_owned(), self.rayon.to_string()));
        }
        if step > 3 && self.reception_done {
            if self.reception.is_empty() {
                pairs.push(("accueil".to_owned(), "aucun".to_owned()));
            }
            for label in &self.reception {
                pairs.push(("accueil".to_owned(), (*label).to_owned()));
            }
        }
        if step > 4 {
            if let Some(when) = self.when {
                let value = match when {
                    When::Anytime => "indifferent",
                    When::Now => "maintenant",
                    When::Day => "jour",
                };
                pairs.push(("quand".to_owned(), value.to_owned()));
            }
            if let Some(day) = self.jour {
                pairs.push(("jour".to_owned(), day.to_owned()));
            }
            if let Some(from) = self.from {
                pairs.push(("de".to_owned(), from.format("%H:%M").to_string()));
            }
            if let Some(to) = self.to {
                pairs.push(("a".to_owned(), to.format("%H:%M").to_string()));
            }
        }
        pairs
    }

    pub fn link_before(&self, step: u8) -> String {
        let pairs = self.pairs_before(step);
        if pairs.is_empty() {
            "/orientation".to_owned()
        } else {
            format!("/orientation?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
        }
    }

    /// The map's criteria for the answers given so far (for counts and results).
    pub fn criteria(&self, upto: u8) -> Criteria {
        let mut criteria = Criteria { page: 1, ..Criteria::default() };
        if upto >= 1 {
            if let Some(need) = self.need {
                criteria.filters.push(("service", need.service.label().to_owned()));
            }
        }
        if upto >= 2 {
            criteria.q = self.q.clone();
            criteria.point = self.point;
            criteria.rayon_km = Some(f64::from(self.rayon));
        }
        if upto >= 3 {
            for label in &self.reception {
                criteria.filters.push(("prise_en_charge", (*label).to_owned()));
            }
        }
        if upto >= 4 {
            match self.when {
                Some(When::Now) => criteria.ouvert_maintenant = true,
                Some(When::Day) => criteria.jour = self.jour,
                _ => {}
            }
        }
        criteria
    }

    /// What was asked, in a sentence per answer, for the summary and the fiche.
    pub fn summary(&self) -> Vec<(&'static str, String)> {
        let mut lines = Vec::new();
        if let Some(need) = self.need {
            lines.push(("Besoin", need.title.to_owned()));
        }
        if !self.q.is_empty() || self.point.is_some() {
            let place = if self.q.is_empty() { "la position indiquée".to_owned() } else { self.q.clone() };
            lines.push(("Où", format!("à {} km au plus de {place}", self.rayon)));
        }
        if self.reception_done {
            lines.push((
                "Accueil adapté",
                if self.reception.is_empty() {
                    "pas de besoin particulier".to_owned()
                } else {
                    self.reception.join(", ")
                },
            ));
        }
        if let Some(when) = self.when {
            let mut text = match when {
                When::Anytime => "quand elle veut".to_owned(),
                When::Now => "maintenant".to_owned(),
                When::Day => format!("le {}", self.jour.unwrap_or("")),
            };
            if let (Some(from), Some(to)) = (self.from, self.to) {
                text.push_str(&format!(" entre {} et {}", from.format("%H:%M"), to.format("%H:%M")));
            }
            lines.push(("Quand", text));
        }
        lines
    }
}

/// Keeps the places open at some time of the chosen range on the next such day (Paris time,
/// public holidays applied). The directory answers the day filter; the range is checked here
/// against each listed place's intervals, which only the pages ask for.
fn in_time_range(listing: &mut Listing, state: &WebState, orientation: &Orientation) {
    let (Some(from), Some(to)) = (orientation.from, orientation.to) else { return };
    let today = paris_local(maillage_store::now()).date();
    let date = match orientation.jour.and_then(|d| WEEKDAYS.iter().position(|w| *w == d)) {
        Some(index) => {
            let ahead = (index as i64 - today.weekday().num_days_from_monday() as i64).rem_euclid(7);
            today + Days::new(ahead as u64)
        }
        None => today,
    };
    let directory = state.directory.current();
    listing.items.retain(|item| {
        let Some(entry) = directory.get(&item.id) else { return false };
        let Some(hours) = entry.place.record.horaires.as_ref() else { return false };
        hours.open_intervals_on(date).iter().any(|i| i.start < to && i.end.is_none_or(|end| end > from))
    });
    listing.total = listing.items.len();
}

pub struct StepView {
    pub number: u8,
    pub title: &'static str,
    pub done: bool,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "orientation.html")]
struct OrientationPage {
    layout: Layout,
    state: Orientation,
    step: u8,
    steps: Vec<StepView>,
    errors: Vec<FieldError>,
    hidden: Vec<(String, String)>,
    undo: Option<String>,
    count: Option<usize>,
    needs: &'static [Need],
    distances: &'static [u32],
    receptions: Vec<&'static str>,
    weekdays: &'static [&'static str],
    summary: Vec<(&'static str, String)>,
    listing: Listing,
}

impl OrientationPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
    fn need_is(&self, key: &str) -> bool {
        self.state.need.is_some_and(|n| n.key == key)
    }
    fn reception_has(&self, label: &str) -> bool {
        self.state.reception.contains(&label)
    }
}

/// The four steps the legends count ("Étape 2 sur 4"); the results that follow are not one.
const STEP_TITLES: [&str; 4] = ["Le besoin", "Où et à quelle distance", "Un accueil adapté", "Quand"];

pub async fn page(
    State(state): State<WebState>,
    Extension(site): Site,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let (mut orientation, mut errors) = Orientation::parse(&pairs_of(query.as_deref()));
    // "Où" is a commune or a postcode (or the browser's position): words that name no commune
    // are refused here rather than searched in place names.
    if orientation.point.is_none() && !orientation.q.is_empty() {
        let directory = state.directory.current();
        match listing::commune_point(&directory, &orientation.q) {
            Some((point, name)) => {
                orientation.point = Some((point.lat, point.lon));
                orientation.q = name;
            }
            None => {
                errors.push(FieldError {
                    field: "q",
                    message: format!(
                        "« {} » n'est pas une commune connue : saisissez un nom de commune ou un code postal.",
                        orientation.q
                    ),
                });
            }
        }
    }
    // A wrong answer sends back to its step, with the message beside the field.
    let mut step = orientation.step();
    if let Some(error) = errors.first() {
        step = match error.field {
            "besoin" => 1,
            "rayon" | "q" => 2,
            "accueil" => 3,
            _ => 4,
        }
        .min(step);
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    // The count of places that match the answers given so far.
    let answered = step.saturating_sub(1).min(4);
    let count = if answered >= 1 {
        let found = listing::search(&state, &orientation.criteria(answered), 1).await.map_err(WebError::internal)?;
        found.errors.is_empty().then_some(found.total)
    } else {
        None
    };
    let mut results = Listing::default();
    if step == 5 && errors.is_empty() {
        results = listing::search(&state, &orientation.criteria(4), 50).await.map_err(WebError::internal)?;
        in_time_range(&mut results, &state, &orientation);
        if results.total == 0 && results.nearest_outside.is_empty() {
            // Nothing matches: the nearest places with only the need kept.
            if let Ok(relaxed) = listing::search(&state, &orientation.criteria(2).without_radius(), 5).await {
                results.nearest_outside = relaxed.items;
            }
        }
    }
    let steps = STEP_TITLES
        .iter()
        .enumerate()
        .map(|(index, title)| {
            let number = index as u8 + 1;
            StepView { number, title, done: number < step, current: number == step }
        })
        .collect();
    let page = OrientationPage {
        layout: Layout::new(
            &site,
            if step < 5 {
                format!("Orientation — étape {step} sur 4")
            } else {
                "Orientation — les lieux".to_owned()
            },
            "orientation",
        ),
        hidden: orientation.pairs_before(step),
        undo: (step > 1).then(|| orientation.link_before(step - 1)),
        summary: orientation.summary(),
        state: orientation,
        step,
        steps,
        errors,
        count,
        needs: &NEEDS,
        distances: &DISTANCES,
        receptions: PriseEnCharge::all().iter().map(|p| p.label()).collect(),
        weekdays: &WEEKDAYS,
        listing: results,
    };
    Ok(render(status, &page, false))
}

impl Criteria {
    fn without_radius(mut self) -> Criteria {
        self.rayon_km = None;
        self
    }
}

// ---------------------------------------------------------------------------------------
// The fiche d'orientation

pub struct FichePlace {
    pub view: place::PlaceView,
    /// An itinerant place: its address is its organiser's, not where people are received.
    pub itinerant: bool,
    pub week: Option<place::WeekPattern>,
}

#[derive(Template)]
#[template(path = "fiche.html")]
struct FichePage {
    layout: Layout,
    prenom: String,
    besoin: String,
    accueil: Vec<&'static str>,
    notes: String,
    oriente_par: String,
    places: Vec<FichePlace>,
    mailto: String,
    errors: Vec<FieldError>,
    hub_name: String,
    hub_contact: String,
    issued: String,
}

fn field(pairs: &[(String, String)], key: &str, max: usize) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().chars().take(max).collect()).unwrap_or_default()
}

const ITINERANT_WARNING: &str = "Lieu itinérant : l'adresse est celle de la structure qui l'organise, pas le lieu où la personne sera reçue. Appelez avant de vous déplacer pour connaître le prochain lieu et la date de passage.";

/// The text of the fiche for the e-mail body: the places and the hub, never what was typed
/// about the person (a `mailto:` link is an address, kept in places a browser history is).
fn mail_body(besoin: &str, accueil: &[&str], places: &[FichePlace], hub: &str, contact: &str, issued: &str) -> String {
    let mut text = String::new();
    if !besoin.is_empty() {
        text.push_str(&format!("Besoin : {besoin}\n"));
    }
    if !accueil.is_empty() {
        text.push_str(&format!("Accueil adapté : {}\n", accueil.join(", ")));
    }
    text.push_str("\nLieux proposés :\n");
    for place in places {
        let v = &place.view;
        text.push_str(&format!("\n- {}\n", v.nom));
        if place.itinerant {
            text.push_str(&format!(
                "  {ITINERANT_WARNING}\n  Structure : {}, {} {}\n",
                v.adresse, v.code_postal, v.commune
            ));
        } else {
            text.push_str(&format!("  {}, {} {}\n", v.adresse, v.code_postal, v.commune));
        }
        if let Some(phone) = &v.telephone_affiche {
            text.push_str(&format!("  Téléphone : {phone}\n"));
        }
        if let Some(week) = &place.week {
            if let Some(next) = &week.next {
                text.push_str(&format!("  Prochaine ouverture : {next}\n"));
            }
            for (day, hours) in &week.days {
                text.push_str(&format!("  {day} : {hours}\n"));
            }
        }
        if !v.modalites_acces.is_empty() {
            text.push_str(&format!("  Accès : {}\n", v.modalites_acces.join(", ")));
        }
    }
    text.push_str(&format!("\nFiche remise le {issued} par {hub}"));
    if !contact.is_empty() {
        text.push_str(&format!(" ({contact})"));
    }
    text.push('\n');
    text
}

/// The percent-encoding of a mailto body (RFC 6068: every reserved character encoded).
fn mailto_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b'\n' => "%0D%0A".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /orientation/fiche`: the places and the need from a link, without anything typed
/// about the person (a link's query string stays in the browser's history).
pub async fn fiche_link(
    State(state): State<WebState>,
    Extension(site): Site,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs: Vec<(String, String)> = pairs_of(query.as_deref())
        .into_iter()
        .filter(|(key, _)| !matches!(key.as_str(), "prenom" | "notes" | "oriente_par"))
        .collect();
    fiche(&state, &site, &headers, &pairs)
}

/// `POST /orientation/fiche`: the form of the last step, with the first name and notes in
/// its body; the answer is never cached.
pub async fn fiche_post(
    State(state): State<WebState>,
    Extension(site): Site,
    headers: HeaderMap,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Response {
    let mut response = fiche(&state, &site, &headers, &pairs);
    response.extensions_mut().insert(crate::security::Policy::PublicPersonal);
    response
}

fn fiche(state: &WebState, site: &SiteConfig, headers: &HeaderMap, pairs: &[(String, String)]) -> Response {
    let mut errors = Vec::new();
    let ids: Vec<String> =
        pairs.iter().filter(|(k, _)| k == "lieu").map(|(_, v)| v.trim().to_owned()).take(10).collect();
    if ids.is_empty() {
        errors.push(FieldError { field: "lieu", message: "Cochez au moins un lieu à proposer.".to_owned() });
    }
    let directory = state.directory.current();
    let now = maillage_store::now();
    let mut places = Vec::new();
    for id in &ids {
        match directory.get(id) {
            Some(entry) => places.push(FichePlace {
                view: place::place_view(&entry.place, now),
                itinerant: entry.place.record.itinerance.contains(&maillage_domain::vocab::Itinerance::Itinerant),
                week: place::week_pattern(&entry.place.record, now),
            }),
            None => errors
                .push(FieldError {
                    field: "lieu", message: "Un des lieux choisis n'est plus référencé.".to_owned()
                }),
        }
    }
    let besoin = field(pairs, "besoin", 100);
    let besoin = NEEDS.iter().find(|n| n.key == besoin).map(|n| n.title.to_owned()).unwrap_or_default();
    let mut accueil: Vec<&'static str> = Vec::new();
    for (_, value) in pairs.iter().filter(|(key, _)| key == "accueil") {
        if let Some(found) = PriseEnCharge::all().iter().find(|p| p.label() == value.trim()) {
            if !accueil.contains(&found.label()) {
                accueil.push(found.label());
            }
        }
    }
    let prenom = field(pairs, "prenom", 60);
    let notes = field(pairs, "notes", 1500);
    let oriente_par = field(pairs, "oriente_par", 200);
    let branding = site.branding.current();
    let issued = place::format_date(paris_local(now).date());
    let body = mail_body(&besoin, &accueil, &places, &branding.name, &branding.contact, &issued);
    let mailto =
        format!("mailto:?subject={}&body={}", mailto_encode("Fiche d'orientation numérique"), mailto_encode(&body));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    if places.is_empty() && !errors.is_empty() {
        let message = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" ");
        return super::error_page(site, request_id(headers), status, "Fiche d'orientation incomplète", &message);
    }
    let page = FichePage {
        layout: Layout::new(site, "Fiche d'orientation", "orientation"),
        prenom,
        besoin,
        accueil,
        notes,
        oriente_par,
        places,
        mailto,
        errors,
        hub_name: branding.name.clone(),
        hub_contact: branding.contact.clone(),
        issued,
    };
    render(status, &page, false)
}
