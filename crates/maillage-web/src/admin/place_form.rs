//! The place form as a structure fills it: the standard's 32 fields grouped in sections
//! (identité, horaires, adresse, contact, services, publics, accessibilité, accompagnement),
//! lists as checkboxes with the standard's labels and a line of explanation, required fields
//! marked, each field's error beside it. The use cases validate (`moderation::record_from_form`);
//! this module only lays the form out and reads it back.

use std::collections::BTreeMap;

use maillage_app::moderation;
use maillage_app::FieldError;

type Fields = BTreeMap<String, String>;

/// One box of a list field.
pub(super) struct Choice {
    pub(super) id: String,
    pub(super) value: String,
    pub(super) label: String,
    pub(super) help: &'static str,
    pub(super) checked: bool,
}

/// One field as the template draws it.
pub(super) struct FieldView {
    pub(super) name: &'static str,
    pub(super) label: &'static str,
    pub(super) value: String,
    pub(super) error: Option<String>,
    pub(super) required: bool,
    /// "text", "long", "choices" or "locked".
    pub(super) kind: &'static str,
    /// The input's type ("text", "tel", "url"…).
    pub(super) input: &'static str,
    pub(super) autocomplete: &'static str,
    pub(super) hint: &'static str,
    pub(super) choices: Vec<Choice>,
}

impl FieldView {
    /// The ids that describe the input (hint, then error), for `aria-describedby`.
    pub(super) fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("aide-{}", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("erreur-{}", self.name));
        }
        ids.join(" ")
    }
}

pub(super) struct Section {
    pub(super) id: &'static str,
    pub(super) title: &'static str,
    pub(super) intro: &'static str,
    pub(super) fields: Vec<FieldView>,
    /// The week editor sits in this section.
    pub(super) week: bool,
    /// The map pin sits in this section.
    pub(super) pin: bool,
}

/// How a field is asked: (label, kind, input type, autocomplete, hint).
fn spec(field: &str) -> (&'static str, &'static str, &'static str, &'static str, &'static str) {
    match field {
        "id" => ("Identifiant dans la source", "locked", "text", "", "Attribué à la création, non modifiable."),
        "pivot" => ("SIRET ou numéro RNA", "text", "text", "off", "14 chiffres pour un SIRET, W suivi de 9 chiffres pour une association."),
        "nom" => ("Nom du lieu", "text", "text", "organization", ""),
        "typologie" => ("Type de structure", "choices", "", "", ""),
        "structure_parente" => ("Structure parente", "text", "text", "off", "Le réseau ou la collectivité dont le lieu fait partie."),
        "presentation_resume" => ("Présentation courte", "long", "", "", "280 caractères au plus : ce que le lieu propose, pour qui."),
        "presentation_detail" => ("Présentation détaillée", "long", "", "", ""),
        "itinerance" => ("Lieu fixe ou itinérant", "choices", "", "", ""),
        "horaires" => ("Horaires au format OpenStreetMap", "text", "text", "off", "Rempli par la semaine ci-dessus ; à modifier ici seulement pour des cas particuliers (jours fériés, semaines paires)."),
        "adresse" => ("Adresse (numéro et voie)", "text", "text", "address-line1", ""),
        "complement_adresse" => ("Complément d'adresse", "text", "text", "address-line2", "Étage, bâtiment, lieu-dit…"),
        "code_postal" => ("Code postal", "text", "text", "postal-code", "5 chiffres."),
        "commune" => ("Commune", "text", "text", "off", "Tapez le début du nom ou le code postal, puis choisissez."),
        "code_insee" => ("Code INSEE de la commune", "text", "text", "off", "Rempli en choisissant la commune ; sinon retrouvé d'après le code postal."),
        "latitude" => ("Latitude", "text", "text", "off", "Un point décimal (47.0810) ; placez l'épingle sur la carte pour la remplir."),
        "longitude" => ("Longitude", "text", "text", "off", "Un point décimal (2.3988)."),
        "telephone" => ("Téléphone", "text", "tel", "tel", "10 chiffres (02 48 00 00 00) ou +33…"),
        "courriels" => ("Courriel", "text", "email", "email", "Plusieurs adresses : séparez-les par |."),
        "site_web" => ("Site web", "text", "url", "url", "Adresse complète : https://…"),
        "prise_rdv" => ("Prise de rendez-vous en ligne", "text", "url", "url", "Adresse complète du site de rendez-vous : https://…"),
        "services" => ("Services proposés", "choices", "", "", ""),
        "publics_specifiquement_adresses" => ("Publics spécifiquement accueillis", "choices", "", "", ""),
        "prise_en_charge_specifique" => ("Accueil adapté", "choices", "", "", ""),
        "fiche_acces_libre" => ("Fiche Acceslibre", "text", "url", "url", "L'adresse de la fiche du lieu sur acceslibre.beta.gouv.fr."),
        "modalites_accompagnement" => ("Comment la personne est accompagnée", "choices", "", "", ""),
        "modalites_acces" => ("Comment venir", "choices", "", "", ""),
        "frais_a_charge" => ("Frais pour la personne", "choices", "", "", ""),
        "dispositif_programmes_nationaux" => ("Dispositifs et programmes nationaux", "choices", "", "", ""),
        "formations_labels" => ("Formations et labels", "choices", "", "", ""),
        "autres_formations_labels" => ("Autres formations ou labels", "text", "text", "off", "Séparés par |."),
        "source" => ("Structure qui tient ces données", "text", "text", "off", "La structure elle-même, ou le réseau qui collecte ses données."),
        "date_maj" => ("Date de mise à jour", "locked", "text", "", "Mise à la date du jour à chaque enregistrement."),
        _ => ("", "text", "text", "off", ""),
    }
}

/// What the hub asks for before publishing (the standard's required fields that a person
/// types; `id`, `pivot` and `date_maj` are filled by the registry).
const REQUIRED: [&str; 5] = ["nom", "adresse", "code_postal", "commune", "services"];

/// The sections, in the order a volunteer fills them: who, when, where, how to reach, what;
/// what the registry rather than the public needs comes last.
const SECTIONS: [(&str, &str, &str, &[&str]); 9] = [
    ("identite", "Identité", "", &["nom", "itinerance", "presentation_resume"]),
    (
        "horaires",
        "Horaires",
        "Une ligne par jour : « 9h-12h, 14h-17h », ou laissez vide si le lieu est fermé.",
        &["horaires"],
    ),
    (
        "adresse",
        "Adresse",
        "",
        &["adresse", "complement_adresse", "code_postal", "commune", "code_insee", "latitude", "longitude"],
    ),
    ("contact", "Contact", "", &["telephone", "courriels", "site_web", "prise_rdv"]),
    (
        "services",
        "Services",
        "Cochez tout ce que le lieu propose : c'est ce que les habitants cherchent sur la carte.",
        &["services"],
    ),
    (
        "publics",
        "Publics",
        "Par défaut, un lieu accueille tout public : cochez seulement si le lieu s'adresse d'abord à ces publics.",
        &["publics_specifiquement_adresses"],
    ),
    ("accessibilite", "Accessibilité", "", &["prise_en_charge_specifique", "fiche_acces_libre"]),
    (
        "accompagnement",
        "Accompagnement",
        "",
        &[
            "modalites_accompagnement",
            "modalites_acces",
            "frais_a_charge",
            "dispositif_programmes_nationaux",
            "formations_labels",
            "autres_formations_labels",
        ],
    ),
    (
        "structure",
        "Structure et mise à jour",
        "",
        &["typologie", "structure_parente", "pivot", "presentation_detail", "source", "id", "date_maj"],
    ),
];

/// Types of structures of the data·inclusion vocabulary the standard points to.
const TYPOLOGIES: [&str; 21] = [
    "ASSO",
    "BIB",
    "CAF",
    "CC",
    "CCAS",
    "CIAS",
    "CD",
    "CS",
    "EPN",
    "FRANCE_SERVICES",
    "MDS",
    "MJC",
    "ML",
    "MUNI",
    "FT",
    "PIMMS",
    "TIERS_LIEUX",
    "RFS",
    "CHRS",
    "UDAF",
    "ESS",
];

/// One line saying what a value of a list means, for the person who ticks it.
fn help(value: &str) -> &'static str {
    match value {
        "Aide aux démarches administratives" => {
            "Faire avec la personne ses démarches en ligne : CAF, impôts, retraite, santé, titres."
        }
        "Maîtrise des outils numériques du quotidien" => {
            "Apprendre à se servir d'un smartphone, d'une tablette, d'un ordinateur, d'une messagerie."
        }
        "Insertion professionnelle via le numérique" => {
            "CV, candidatures, recherche d'emploi ou de formation en ligne, création d'entreprise."
        }
        "Utilisation sécurisée du numérique" => {
            "Reconnaître les arnaques, protéger ses comptes, ses mots de passe et ses données."
        }
        "Parentalité et éducation avec le numérique" => {
            "Suivre la scolarité en ligne, accompagner les enfants face aux écrans."
        }
        "Loisirs et créations numériques" => "Photo, vidéo, musique, jeux, impression 3D : créer et se divertir.",
        "Compréhension du monde numérique" => {
            "Comprendre l'information en ligne, les réseaux sociaux, l'IA, ses droits."
        }
        "Accès internet et matériel informatique" => {
            "Un ordinateur, une imprimante, un scanner ou une connexion à disposition."
        }
        "Acquisition de matériel informatique à prix solidaire" => {
            "Du matériel reconditionné vendu ou donné à petit prix."
        }
        "Jeunes" => "Le lieu s'adresse d'abord aux 16-25 ans.",
        "Étudiants" => "Le lieu s'adresse d'abord aux étudiants.",
        "Familles et/ou enfants" => "Un accueil pensé pour les parents et les enfants.",
        "Seniors" => "Un accueil pensé pour les plus de 65 ans.",
        "Femmes" => "Le lieu accueille d'abord ou uniquement des femmes.",
        "Surdité" => "Langue des signes, boucle magnétique ou interprète.",
        "Handicaps moteurs" => "Locaux et postes accessibles en fauteuil, aide adaptée.",
        "Handicaps mentaux" => "Un accompagnement adapté aux handicaps mentaux et psychiques.",
        "Illettrisme" => "Des aidants formés à accompagner les personnes qui lisent ou écrivent difficilement.",
        "Langues étrangères (anglais)" => "Un accompagnement possible en anglais.",
        "Langues étrangères (autres)" => {
            "Un accompagnement dans d'autres langues (précisez-les dans la présentation)."
        }
        "Déficience visuelle" => "Lecteur d'écran, agrandisseur, aide adaptée aux personnes malvoyantes.",
        "Gratuit" => "Le lieu et ses services sont gratuits.",
        "Gratuit sous condition" => "Gratuit selon la situation de la personne ou une convention.",
        "Payant" => "L'accès ou les services sont payants, ou demandent une adhésion.",
        "Itinérant" => "Bus, permanences tournantes : l'adresse est celle de la structure.",
        "Fixe" => "Le public est accueilli à l'adresse indiquée.",
        "En autonomie" => "La personne utilise seule le matériel et la connexion.",
        "Accompagnement individuel" => "Un aidant accompagne la personne seule à seul.",
        "Dans un atelier collectif" => "La personne apprend en groupe.",
        "À distance" => "Par téléphone ou en visioconférence.",
        "Se présenter" => "Sans rendez-vous, aux heures d'ouverture.",
        "Téléphoner" => "Appeler avant de venir.",
        "Contacter par mail" => "Écrire avant de venir.",
        "Prendre un RDV en ligne" => "Réserver un créneau sur internet (adresse dans « Contact »).",
        "Ce lieu n'accueille pas de public" => "Pas de visiteurs : coordination, itinérance…",
        "Envoyer un mail avec une fiche de prescription" => "Sur orientation d'un professionnel, qui envoie une fiche.",
        _ => "",
    }
}

/// The values a list field offers: the standard's, or for `typologie` the known codes and
/// any other the place already has (so an edit never drops a code it does not know).
fn options(field: &str, current: &[String]) -> Vec<(String, String)> {
    if let Some(values) = moderation::allowed_values(field) {
        return values.into_iter().map(|value| (value.to_owned(), value.to_owned())).collect();
    }
    let mut codes: Vec<(String, String)> = TYPOLOGIES
        .iter()
        .map(|code| (code.to_string(), format!("{} ({code})", crate::pages::place::typology_label(code))))
        .collect();
    for code in current {
        if !codes.iter().any(|(known, _)| known == code) {
            codes.push((code.clone(), crate::pages::place::typology_label(code)));
        }
    }
    codes
}

fn split_list(value: &str) -> Vec<String> {
    value.split('|').map(str::trim).filter(|piece| !piece.is_empty()).map(str::to_owned).collect()
}

fn field_view(name: &'static str, values: &Fields, errors: &[FieldError], locked: &[&str]) -> FieldView {
    let (label, kind, input, autocomplete, hint) = spec(name);
    let value = values.get(name).cloned().unwrap_or_default();
    let error = {
        let messages: Vec<&str> = errors.iter().filter(|e| e.field == name).map(|e| e.message.as_str()).collect();
        (!messages.is_empty()).then(|| messages.join(" "))
    };
    let kind = if locked.contains(&name) { "locked" } else { kind };
    let choices = if kind == "choices" {
        let current = split_list(&value);
        options(name, &current)
            .into_iter()
            .enumerate()
            .map(|(index, (value, label))| Choice {
                id: format!("champ-{name}-{index}"),
                checked: current.iter().any(|c| maillage_domain::text::fold(c) == maillage_domain::text::fold(&value)),
                help: help(&value),
                value,
                label,
            })
            .collect()
    } else {
        Vec::new()
    };
    FieldView {
        name,
        label,
        value,
        error,
        required: REQUIRED.contains(&name),
        kind,
        input,
        autocomplete,
        hint,
        choices,
    }
}

/// The form's sections with the values and errors of this request. `today` fills the
/// update date a save will write, so it never shows empty.
pub(super) fn sections(values: &Fields, errors: &[FieldError], locked: &[&str], today: &str) -> Vec<Section> {
    let mut values = values.clone();
    values.insert("date_maj".to_owned(), today.to_owned());
    SECTIONS
        .iter()
        .map(|&(id, title, intro, fields)| Section {
            id,
            title,
            intro,
            fields: fields.iter().map(|name| field_view(name, &values, errors, locked)).collect(),
            week: id == "horaires",
            pin: id == "adresse",
        })
        .collect()
}

/// A posted form as the use cases take it: the boxes of a list field (one pair each) joined
/// with the standard's `|`, every other field as typed.
pub(super) fn collect(pairs: Vec<(String, String)>) -> Fields {
    let mut fields = Fields::new();
    for (key, value) in pairs {
        match fields.get_mut(&key) {
            Some(joined) if !value.trim().is_empty() => {
                if !joined.is_empty() {
                    joined.push('|');
                }
                joined.push_str(value.trim());
            }
            Some(_) => {}
            None => {
                fields.insert(key, value);
            }
        }
    }
    // A list with every box unticked posts nothing: the marker says the list was on the
    // form, so it is emptied rather than left out.
    if let Some(lists) = fields.remove("listes") {
        for list in lists.split('|').map(str::trim).filter(|l| !l.is_empty()) {
            fields.entry(list.to_owned()).or_default();
        }
    }
    fields
}

/// The week editor's days as posted, when they differ from the days the form showed
/// (`semaine_origine`): the person used the editor, so its hours replace the OSM field.
/// `Ok(None)`: the editor was left alone (the OSM field, maybe edited, stands).
pub(super) fn week_edited(form: &Fields) -> Result<Option<String>, FieldError> {
    let days: [String; 7] = std::array::from_fn(|day| form.get(&format!("jour_{day}")).cloned().unwrap_or_default());
    if days.iter().all(|day| day.trim().is_empty()) && !form.contains_key("jour_0") {
        return Ok(None);
    }
    let shown: Vec<String> =
        form.get("semaine_origine").map(|s| s.split('|').map(str::to_owned).collect()).unwrap_or_default();
    let same = (0..7).all(|day| {
        let typed = days[day].trim();
        let before = shown.get(day).map(|s| s.trim()).unwrap_or("");
        typed == before || (is_closed(typed) && is_closed(before))
    });
    if same {
        return Ok(None);
    }
    moderation::week_to_osm(&days).map(Some).map_err(|message| FieldError { field: "horaires".to_owned(), message })
}

fn is_closed(text: &str) -> bool {
    text.is_empty() || maillage_domain::text::fold(text) == "ferme"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_join_and_an_emptied_list_is_posted_empty() {
        let pairs = vec![
            ("services".to_owned(), "Aide aux démarches administratives".to_owned()),
            ("nom".to_owned(), "Médiathèque".to_owned()),
            ("services".to_owned(), "Loisirs et créations numériques".to_owned()),
            ("listes".to_owned(), "services|publics_specifiquement_adresses".to_owned()),
        ];
        let fields = collect(pairs);
        assert_eq!(fields["services"], "Aide aux démarches administratives|Loisirs et créations numériques");
        assert_eq!(fields["publics_specifiquement_adresses"], "");
        assert!(!fields.contains_key("listes"));
    }

    #[test]
    fn the_week_replaces_the_hours_only_when_it_was_changed() {
        let mut form = Fields::new();
        form.insert("semaine_origine".to_owned(), "09:00–12:00|fermé|fermé|fermé|fermé|fermé|fermé".to_owned());
        for day in 0..7 {
            form.insert(format!("jour_{day}"), if day == 0 { "09:00–12:00" } else { "fermé" }.to_owned());
        }
        assert_eq!(week_edited(&form), Ok(None));
        form.insert("jour_5".to_owned(), "10h-12h".to_owned());
        assert_eq!(week_edited(&form), Ok(Some("Mo 09:00-12:00; Sa 10:00-12:00".to_owned())));
        form.insert("jour_5".to_owned(), "10h".to_owned());
        assert!(week_edited(&form).unwrap_err().message.starts_with("samedi"));
    }

    #[test]
    fn every_list_value_has_a_line_of_help_and_typologies_keep_unknown_codes() {
        for field in ["services", "publics_specifiquement_adresses", "prise_en_charge_specifique", "frais_a_charge"] {
            for value in moderation::allowed_values(field).unwrap() {
                assert!(!help(value).is_empty(), "{value}");
            }
        }
        let codes = options("typologie", &["ZZZ".to_owned()]);
        assert!(codes.iter().any(|(code, _)| code == "ZZZ"));
    }
}
