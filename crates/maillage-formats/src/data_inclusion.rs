//! The data·inclusion v1 export: each place as a *structure*, and one *service* per place and
//! kind of help of the standard (`services`), with the standard's vocabularies translated into
//! data·inclusion's (thématiques, frais, publics, modes d'accueil, zone d'éligibilité,
//! mobilisation).
//!
//! The translation tables are here, written once, and every value written is one that the
//! `data-inclusion-schema` package (v1) accepts: a value that would fail its checks (a name too
//! short, a link that is not http(s), a date outside 2000..today) is repaired or left out, never
//! written as it is. Nothing personal is written: the standard holds no person, and the
//! schema's `contact_nom_prenom` is never filled.

use chrono::NaiveDate;
use maillage_domain::build::PIVOT_PLACEHOLDER;
use maillage_domain::{
    Dispositif, FormationLabel, Frais, ModaliteAcces, ModaliteAccompagnement, Place, PriseEnCharge, Public, Service,
    Vocabulary,
};
use serde_json::{json, Map, Value};

/// What a data·inclusion file says about who publishes it, and as of when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The producer's identifier (`source`, and the prefix of every `id`): a slug such as
    /// `hub-lo`.
    pub source: String,
    /// Today, for the schema's "not in the future" rule on `date_maj`.
    pub today: NaiveDate,
    /// The hub's public address: `lien_source` points to the place's page under it.
    pub base_url: Option<String>,
}

impl Options {
    pub fn new(source: impl Into<String>, today: NaiveDate) -> Options {
        Options { source: source.into(), today, base_url: None }
    }
}

/// The structure's id: the producer's, then the registry's stable id of the place.
pub fn structure_id(options: &Options, place: &Place) -> String {
    format!("{}--{}", options.source, place.id.0)
}

/// The slug that names a kind of help in a service's id (stable: ids must never change).
pub fn service_slug(service: Service) -> &'static str {
    match service {
        Service::AideDemarchesAdministratives => "aide-demarches-administratives",
        Service::MaitriseOutilsNumeriques => "maitrise-outils-numeriques",
        Service::InsertionProfessionnelle => "insertion-professionnelle",
        Service::UtilisationSecurisee => "utilisation-securisee",
        Service::ParentaliteEducation => "parentalite-education",
        Service::LoisirsCreations => "loisirs-creations",
        Service::ComprehensionMondeNumerique => "comprehension-monde-numerique",
        Service::AccesInternetMateriel => "acces-internet-materiel",
        Service::AcquisitionMateriel => "acquisition-materiel",
    }
}

/// data·inclusion's thématiques for a kind of help of the standard: the "numérique" ones first,
/// then the domain the help serves when the standard names one (administrative procedures,
/// employment, parenthood, leisure).
pub fn thematiques(service: Service) -> &'static [&'static str] {
    match service {
        Service::AideDemarchesAdministratives => &[
            "numerique--acceder-a-des-services-en-ligne",
            "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
        ],
        Service::MaitriseOutilsNumeriques => &["numerique--maitriser-les-fondamentaux-du-numerique"],
        Service::InsertionProfessionnelle => &[
            "numerique--maitriser-les-fondamentaux-du-numerique",
            "preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi",
        ],
        Service::UtilisationSecurisee => &["numerique--maitriser-les-fondamentaux-du-numerique"],
        Service::ParentaliteEducation => {
            &["numerique--maitriser-les-fondamentaux-du-numerique", "famille--soutien-a-la-parentalite-et-a-leducation"]
        }
        Service::LoisirsCreations => &[
            "numerique--maitriser-les-fondamentaux-du-numerique",
            "remobilisation--activites-sportives-et-culturelles",
        ],
        Service::ComprehensionMondeNumerique => &["numerique--maitriser-les-fondamentaux-du-numerique"],
        Service::AccesInternetMateriel => &["numerique--acceder-a-une-connexion-internet"],
        Service::AcquisitionMateriel => &["numerique--acquerir-un-equipement"],
    }
}

/// data·inclusion's `publics` for the standard's: `tous-publics` when the place names none (v1
/// of the standard assumes every place welcomes everyone), never beside another value.
pub fn publics(place: &Place) -> Vec<&'static str> {
    let record = &place.record;
    let mut values: Vec<&'static str> = record
        .publics_specifiquement_adresses
        .iter()
        .map(|public| match public {
            Public::Jeunes => "jeunes",
            Public::Etudiants => "etudiants",
            Public::FamillesEnfants => "familles",
            Public::Seniors => "seniors",
            Public::Femmes => "femmes",
        })
        .collect();
    if record.prise_en_charge_specifique.iter().any(|care| {
        matches!(
            care,
            PriseEnCharge::Surdite
                | PriseEnCharge::HandicapsMoteurs
                | PriseEnCharge::HandicapsMentaux
                | PriseEnCharge::DeficienceVisuelle
        )
    }) {
        values.push("personnes-en-situation-de-handicap");
    }
    values.sort_unstable();
    values.dedup();
    if values.is_empty() {
        values.push("tous-publics");
    }
    values
}

/// data·inclusion's `frais` (gratuit or payant) and, when the standard says more, its words.
pub fn frais(place: &Place) -> (Option<&'static str>, Option<String>) {
    let fees = &place.record.frais_a_charge;
    let value = if fees.contains(&Frais::Payant) {
        Some("payant")
    } else if fees.contains(&Frais::Gratuit) || fees.contains(&Frais::GratuitSousCondition) {
        Some("gratuit")
    } else {
        None
    };
    // Precision is only worth writing when one word does not say it all.
    let precise = fees.len() > 1 || fees.contains(&Frais::GratuitSousCondition);
    let precisions = precise.then(|| fees.iter().map(|fee| fee.label()).collect::<Vec<_>>().join(", "));
    (value, precisions)
}

/// `modes_accueil`: at a distance when the place helps remotely, in person unless it helps only
/// remotely or welcomes no public.
pub fn modes_accueil(place: &Place) -> Vec<&'static str> {
    let record = &place.record;
    let support = &record.modalites_accompagnement;
    let remote = support.contains(&ModaliteAccompagnement::ADistance);
    let remote_only = remote && support.len() == 1;
    let no_public = record.modalites_acces.contains(&ModaliteAcces::PasDAccueilDuPublic);
    let mut modes = Vec::new();
    if remote {
        modes.push("a-distance");
    }
    if !remote_only && !no_public {
        modes.push("en-presentiel");
    }
    modes
}

/// `modes_mobilisation` and `mobilisable_par`: how a person (or a professional, when the place
/// takes prescriptions) reaches the service.
pub fn mobilisation(place: &Place) -> (Vec<&'static str>, Vec<&'static str>) {
    let record = &place.record;
    let mut modes = Vec::new();
    let mut by = vec!["usagers"];
    for access in &record.modalites_acces {
        match access {
            ModaliteAcces::SePresenter => modes.push("se-presenter"),
            ModaliteAcces::Telephoner => modes.push("telephoner"),
            ModaliteAcces::ContacterParMail => modes.push("envoyer-un-courriel"),
            ModaliteAcces::MailAvecFichePrescription => {
                modes.push("envoyer-un-courriel");
                by.push("professionnels");
            }
            ModaliteAcces::PrendreRdvEnLigne if http_url(record.prise_rdv.as_deref()).is_some() => {
                modes.push("utiliser-lien-mobilisation")
            }
            ModaliteAcces::PrendreRdvEnLigne | ModaliteAcces::PasDAccueilDuPublic => {}
        }
    }
    modes.sort_unstable();
    modes.dedup();
    by.sort_unstable();
    (modes, by)
}

/// `zone_eligibilite`: the département of the place's commune (the hubs' places serve their
/// département's people; the standard says no more).
pub fn zone_eligibilite(place: &Place) -> Option<String> {
    let insee = place.record.code_insee.as_deref()?;
    let departement =
        if insee.starts_with("97") || insee.starts_with("98") { insee.get(..3)? } else { insee.get(..2)? };
    Some(departement.to_owned())
}

/// `reseaux_porteurs`: the national programmes, labels and kinds of place that data·inclusion
/// lists as networks.
pub fn reseaux_porteurs(place: &Place) -> Vec<&'static str> {
    let record = &place.record;
    let mut values: Vec<&'static str> = Vec::new();
    for dispositif in &record.dispositif_programmes_nationaux {
        values.push(match dispositif {
            Dispositif::AidantsConnect => "aidants-connect",
            Dispositif::ConseillersNumeriques => "conseillers-numeriques",
            Dispositif::FranceServices => "france-service",
            Dispositif::LaCroixRouge => "croix-rouge",
            Dispositif::EmmausConnect | Dispositif::RelaisNumeriqueEmmausConnect => "emmaus",
            Dispositif::GrandeEcoleDuNumerique => "grandes-ecoles-du-numerique",
            Dispositif::PointAccesNumeriqueCaf => "caf",
            Dispositif::BibliothequesNumeriqueDeReference
            | Dispositif::CertificationPix
            | Dispositif::PromeneursDuNet => continue,
        });
    }
    for label in &record.formations_labels {
        match label {
            FormationLabel::FabriquesDeTerritoire => values.push("fabrique-de-territoire"),
            FormationLabel::EtapesNumeriques => values.push("la-poste"),
            _ => {}
        }
    }
    for typologie in &record.typologie {
        match typologie.as_str() {
            "CCAS" => values.push("ccas-cias"),
            "MJC" => values.push("mjc"),
            "PIMMS" => values.push("pimms-mediation"),
            "ML" => values.push("mission-locale"),
            "MUNI" => values.push("communes"),
            "CAF" => values.push("caf"),
            "CD" => values.push("departements"),
            "EPN" => values.push("espaces-publics-numeriques"),
            _ => {}
        }
    }
    values.sort_unstable();
    values.dedup();
    values
}

/// A link data·inclusion takes (`HttpUrl`): http or https with a host, no spaces.
fn http_url(value: Option<&str>) -> Option<&str> {
    let value = value?.trim();
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    (!host.is_empty() && !value.chars().any(char::is_whitespace)).then_some(value)
}

/// An e-mail address data·inclusion takes: one `@`, a dotted domain, no spaces.
fn email(value: Option<&str>) -> Option<&str> {
    let value = value?.trim();
    let (local, domain) = value.split_once('@')?;
    let ok = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace);
    ok.then_some(value)
}

/// At most `max` characters, cut on a character boundary.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect::<String>().trim_end().to_owned()
}

/// A name as data·inclusion takes it: 3 to 150 characters, not ending with a full stop.
fn name(text: &str, commune: &str) -> String {
    let mut name = cut(text.trim(), 150);
    while name.ends_with('.') && !name.ends_with("etc.") {
        name.pop();
    }
    if name.chars().count() < 3 {
        name = cut(&format!("{name} – {commune}"), 150);
    }
    name
}

/// `date_maj` within the schema's bounds (2000-01-01 to today).
fn date_maj(place: &Place, options: &Options) -> NaiveDate {
    let floor = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
    let date = place.published_date_maj();
    let date = if date < floor { place.created_at.date_naive().max(floor) } else { date };
    date.min(options.today)
}

/// A description between 5 and 10,000 characters, or nothing.
fn description(text: Option<&str>) -> Option<String> {
    let text = cut(text?.trim(), 10_000);
    (text.chars().count() >= 5).then_some(text)
}

/// The fields a structure and its services share: where, how to reach, when.
fn place_fields(place: &Place, object: &mut Map<String, Value>) {
    let record = &place.record;
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            object.insert(key.to_owned(), value);
        }
    };
    let text = |value: &str| (!value.trim().is_empty()).then(|| Value::String(value.trim().to_owned()));
    put("commune", text(&record.commune));
    let digits5 = |value: &str| value.len() == 5 && value.bytes().all(|b| b.is_ascii_digit());
    put("code_postal", digits5(&record.code_postal).then(|| json!(record.code_postal)));
    let insee =
        record.code_insee.as_deref().filter(|code| code.len() == 5 && code.chars().all(|c| c.is_alphanumeric()));
    put("code_insee", insee.map(|code| json!(code)));
    put("adresse", text(&record.adresse));
    put("complement_adresse", record.complement_adresse.as_deref().and_then(text));
    if let Some(c) = record.coordinates {
        put("latitude", Some(json!(c.latitude)));
        put("longitude", Some(json!(c.longitude)));
    }
    put("telephone", record.telephone.as_deref().and_then(text));
    put("courriel", email(record.courriels.first().map(String::as_str)).map(|value| json!(value)));
    put("horaires_accueil", record.horaires.as_ref().map(|hours| json!(hours.as_str())));
}

/// The structure of a place.
pub fn structure(place: &Place, options: &Options) -> Map<String, Value> {
    let record = &place.record;
    let mut object = Map::new();
    object.insert("source".into(), json!(options.source));
    object.insert("id".into(), json!(structure_id(options, place)));
    object.insert("nom".into(), json!(name(&record.nom, &record.commune)));
    object.insert("date_maj".into(), json!(date_maj(place, options).format("%Y-%m-%d").to_string()));
    let detail = record.presentation_detail.as_deref().or(record.presentation_resume.as_deref());
    if let Some(text) = description(detail) {
        object.insert("description".into(), json!(text));
    }
    if let Some(link) = lien_source(place, options) {
        object.insert("lien_source".into(), json!(link));
    }
    let siret = record
        .pivot
        .as_deref()
        .filter(|pivot| *pivot != PIVOT_PLACEHOLDER && pivot.len() == 14 && pivot.bytes().all(|b| b.is_ascii_digit()));
    if let Some(siret) = siret {
        object.insert("siret".into(), json!(siret));
    }
    place_fields(place, &mut object);
    if let Some(site) = record.site_web.iter().find_map(|site| http_url(Some(site))) {
        object.insert("site_web".into(), json!(site));
    }
    if let Some(link) = http_url(record.fiche_acces_libre.as_deref()) {
        object.insert("accessibilite_lieu".into(), json!(link));
    }
    let networks = reseaux_porteurs(place);
    if !networks.is_empty() {
        object.insert("reseaux_porteurs".into(), json!(networks));
    }
    object
}

fn lien_source(place: &Place, options: &Options) -> Option<String> {
    let base = options.base_url.as_deref()?.trim_end_matches('/');
    let link = format!("{base}/lieux/{}", place.id.0);
    http_url(Some(&link)).map(str::to_owned)
}

/// The services of a place: one per kind of help it offers.
pub fn services(place: &Place, options: &Options) -> Vec<Map<String, Value>> {
    let record = &place.record;
    let structure_id = structure_id(options, place);
    let date = date_maj(place, options).format("%Y-%m-%d").to_string();
    let (fee, fee_precisions) = frais(place);
    let publics = publics(place);
    let publics_precisions = (!record.prise_en_charge_specifique.is_empty()).then(|| {
        let labels: Vec<&str> = record.prise_en_charge_specifique.iter().map(|care| care.label()).collect();
        format!("Prise en charge spécifique : {}", labels.join(", "))
    });
    let accueil = modes_accueil(place);
    let (modes, by) = mobilisation(place);
    let zone = zone_eligibilite(place);
    let kind = service_type(place);
    record
        .services
        .iter()
        .map(|service| {
            let mut object = Map::new();
            object.insert("source".into(), json!(options.source));
            object.insert("structure_id".into(), json!(structure_id));
            object.insert("id".into(), json!(format!("{structure_id}--{}", service_slug(*service))));
            object.insert("nom".into(), json!(service.label()));
            let said = description(record.presentation_resume.as_deref());
            let text = said.unwrap_or_else(|| {
                format!("{} : {}, {}.", service.label(), name(&record.nom, &record.commune), record.commune.trim())
            });
            object.insert("description".into(), json!(text));
            if let Some(link) = lien_source(place, options) {
                object.insert("lien_source".into(), json!(link));
            }
            object.insert("date_maj".into(), json!(date));
            if let Some(kind) = kind {
                object.insert("type".into(), json!(kind));
            }
            object.insert("thematiques".into(), json!(thematiques(*service)));
            if let Some(fee) = fee {
                object.insert("frais".into(), json!(fee));
            }
            if let Some(text) = &fee_precisions {
                object.insert("frais_precisions".into(), json!(text));
            }
            object.insert("publics".into(), json!(publics));
            if let Some(text) = &publics_precisions {
                object.insert("publics_precisions".into(), json!(text));
            }
            place_fields(place, &mut object);
            if !accueil.is_empty() {
                object.insert("modes_accueil".into(), json!(accueil));
            }
            if let Some(zone) = &zone {
                object.insert("zone_eligibilite".into(), json!([zone]));
            }
            if let Some(link) = http_url(record.prise_rdv.as_deref()) {
                object.insert("lien_mobilisation".into(), json!(link));
            }
            if !modes.is_empty() {
                object.insert("modes_mobilisation".into(), json!(modes));
            }
            object.insert("mobilisable_par".into(), json!(by));
            object
        })
        .collect()
}

/// data·inclusion's `type`: a collective workshop, a one-to-one support, or equipment.
fn service_type(place: &Place) -> Option<&'static str> {
    let support = &place.record.modalites_accompagnement;
    if support.contains(&ModaliteAccompagnement::AccompagnementIndividuel) {
        Some("accompagnement")
    } else if support.contains(&ModaliteAccompagnement::AtelierCollectif) {
        Some("atelier")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {

    use chrono::{TimeZone, Utc};
    use maillage_domain::{PlaceId, PlaceRecord};

    use super::*;

    fn place(record: PlaceRecord) -> Place {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Place::first_version(PlaceId("01abc".into()), "s", "1", record, at)
    }

    fn options() -> Options {
        Options::new("hub-lo", NaiveDate::from_ymd_opt(2026, 12, 6).unwrap())
    }

    #[test]
    fn one_service_per_kind_of_help_with_translated_vocabularies() {
        let mut record = PlaceRecord {
            nom: "EPN".into(),
            commune: "Bourges".into(),
            code_postal: "18000".into(),
            code_insee: Some("18033".into()),
            adresse: "1 rue X".into(),
            ..PlaceRecord::default()
        };
        record.services.insert(Service::AideDemarchesAdministratives);
        record.services.insert(Service::AcquisitionMateriel);
        record.frais_a_charge.insert(Frais::GratuitSousCondition);
        record.prise_en_charge_specifique.insert(PriseEnCharge::Surdite);
        record.modalites_accompagnement.insert(ModaliteAccompagnement::ADistance);
        record.modalites_acces.insert(ModaliteAcces::MailAvecFichePrescription);
        record.date_maj = NaiveDate::from_ymd_opt(2031, 1, 1);
        let place = place(record);
        let services = services(&place, &options());
        assert_eq!(services.len(), 2);
        let first = &services[0];
        assert_eq!(first["id"], "hub-lo--01abc--aide-demarches-administratives");
        assert_eq!(first["structure_id"], "hub-lo--01abc");
        assert_eq!(first["frais"], "gratuit");
        assert_eq!(first["frais_precisions"], "Gratuit sous condition");
        assert_eq!(first["publics"], json!(["personnes-en-situation-de-handicap"]));
        assert_eq!(first["modes_accueil"], json!(["a-distance"]));
        assert_eq!(first["modes_mobilisation"], json!(["envoyer-un-courriel"]));
        assert_eq!(first["mobilisable_par"], json!(["professionnels", "usagers"]));
        assert_eq!(first["zone_eligibilite"], json!(["18"]));
        // A date in the future is brought back to today; a short name is completed.
        assert_eq!(first["date_maj"], "2026-12-06");
        assert_eq!(structure(&place, &options())["nom"], "EPN");
        assert_eq!(services[1]["thematiques"], json!(["numerique--acquerir-un-equipement"]));
    }

    #[test]
    fn values_the_schema_refuses_are_left_out_or_repaired() {
        let record = PlaceRecord {
            nom: "Ab.".into(),
            commune: "Ajaccio".into(),
            code_postal: "20000".into(),
            code_insee: Some("2A004".into()),
            adresse: "x".into(),
            site_web: vec!["www.exemple.fr".into(), "https://exemple.fr".into()],
            courriels: vec!["pas une adresse".into()],
            pivot: Some(PIVOT_PLACEHOLDER.into()),
            date_maj: NaiveDate::from_ymd_opt(1990, 1, 1),
            ..PlaceRecord::default()
        };
        let object = structure(&place(record), &options());
        assert_eq!(object["nom"], "Ab – Ajaccio");
        assert_eq!(object["site_web"], "https://exemple.fr");
        assert!(!object.contains_key("courriel"));
        assert!(!object.contains_key("siret"));
        assert_eq!(object["date_maj"], "2026-01-01");
    }
}
