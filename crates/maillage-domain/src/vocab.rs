//! The standard's enumerated vocabularies (v1.0.2), with the v0.1 labels and the spellings
//! met in real files accepted as aliases. `label()` is always the exact v1 text.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::text::fold;

/// What every vocabulary of the standard offers to the importer and the exporter.
pub trait Vocabulary: Copy + Ord + Sized + 'static {
    /// The standard's field that holds this vocabulary.
    const FIELD: &'static str;
    /// Every value, in the standard's order.
    fn all() -> &'static [Self];
    /// The exact v1.0.2 label.
    fn label(self) -> &'static str;
    /// Accent-, case- and punctuation-insensitive lookup of a v1 label or a known alias.
    fn from_label(value: &str) -> Option<Self>;
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $field:literal {
        $($variant:ident => $label:literal $(| $alias:literal)* ),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl Vocabulary for $name {
            const FIELD: &'static str = $field;
            fn all() -> &'static [Self] { &[$($name::$variant),+] }
            fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            fn from_label(value: &str) -> Option<Self> {
                // Most values in real files are exact labels: skip folding for them.
                match value.trim() {
                    $($label => return Some($name::$variant),)+
                    _ => {}
                }
                static TABLE: OnceLock<HashMap<String, $name>> = OnceLock::new();
                let table = TABLE.get_or_init(|| {
                    let mut table = HashMap::new();
                    $(
                        table.insert(fold($label), $name::$variant);
                        $( table.insert(fold($alias), $name::$variant); )*
                    )+
                    table
                });
                // Real files repeat the same few spellings thousands of times: remember each
                // raw spelling's answer (bounded) instead of folding it again.
                thread_local! {
                    static SEEN: std::cell::RefCell<HashMap<String, Option<$name>>> = std::cell::RefCell::new(HashMap::new());
                }
                if let Some(found) = SEEN.with(|seen| seen.borrow().get(value).copied()) {
                    return found;
                }
                let found = lookup(table, value);
                SEEN.with(|seen| {
                    let mut seen = seen.borrow_mut();
                    if seen.len() > 10_000 {
                        seen.clear();
                    }
                    seen.insert(value.to_owned(), found);
                });
                found
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.label()) }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.label()) }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::from_label(&text).ok_or_else(|| serde::de::Error::custom(format!("valeur inconnue pour {}: {}", $field, text)))
            }
        }
    };
}

/// v0 labels carry an explanation after " : " ("Gratuit : Je peux accéder…"); only the
/// part before it names the value, so it is tried when the whole text is unknown.
fn lookup<T: Copy>(table: &HashMap<String, T>, value: &str) -> Option<T> {
    if let Some(found) = table.get(&fold(value)) {
        return Some(*found);
    }
    let head = value.split_once(" : ").or_else(|| value.split_once(':')).map(|(head, _)| head)?;
    table.get(&fold(head)).copied()
}

vocabulary!(
    /// `services`: the nine kinds of help of v1, with the v0 services folded into them
    /// as the national team's own conversion does.
    Service, "services" {
        AideDemarchesAdministratives => "Aide aux démarches administratives"
            | "Devenir autonome dans les démarches administratives"
            | "Réaliser des démarches administratives avec un accompagnement"
            | "Accompagner les démarches de santé",
        MaitriseOutilsNumeriques => "Maîtrise des outils numériques du quotidien"
            | "Prendre en main un smartphone ou une tablette"
            | "Prendre en main un ordinateur"
            | "Utiliser le numérique au quotidien",
        InsertionProfessionnelle => "Insertion professionnelle via le numérique"
            | "Favoriser mon insertion professionnelle"
            | "Créer et développer mon entreprise",
        UtilisationSecurisee => "Utilisation sécurisée du numérique",
        ParentaliteEducation => "Parentalité et éducation avec le numérique"
            | "Soutenir la parentalité et l'éducation avec le numérique",
        LoisirsCreations => "Loisirs et créations numériques" | "Créer avec le numérique",
        ComprehensionMondeNumerique => "Compréhension du monde numérique"
            | "Approfondir ma culture numérique"
            | "Promouvoir la citoyenneté numérique",
        AccesInternetMateriel => "Accès internet et matériel informatique"
            | "Accéder à une connexion internet"
            | "Accéder à du matériel",
        AcquisitionMateriel => "Acquisition de matériel informatique à prix solidaire"
            | "S'équiper en matériel informatique",
    }
);

vocabulary!(
    /// `publics_specifiquement_adresses`.
    Public, "publics_specifiquement_adresses" {
        Jeunes => "Jeunes" | "Jeunes (16-26 ans)" | "Jeunes 16 26 ans",
        Etudiants => "Étudiants",
        FamillesEnfants => "Familles et/ou enfants" | "Familles/enfants" | "Familles/enfant" | "Familles" | "Enfants" | "Enfant",
        Seniors => "Seniors" | "Seniors (+ 65 ans)" | "Séniors",
        Femmes => "Femmes" | "Uniquement femmes",
    }
);

vocabulary!(
    /// `prise_en_charge_specifique`.
    PriseEnCharge, "prise_en_charge_specifique" {
        Surdite => "Surdité",
        HandicapsMoteurs => "Handicaps moteurs",
        HandicapsMentaux => "Handicaps mentaux" | "Handicaps psychiques",
        Illettrisme => "Illettrisme" | "Personnes en situation d'illettrisme",
        LanguesEtrangeresAnglais => "Langues étrangères (anglais)",
        LanguesEtrangeresAutres => "Langues étrangères (autres)" | "Public langues étrangères",
        DeficienceVisuelle => "Déficience visuelle" | "Déficiance visuelle",
    }
);

vocabulary!(
    /// `frais_a_charge`.
    Frais, "frais_a_charge" {
        Gratuit => "Gratuit",
        GratuitSousCondition => "Gratuit sous condition",
        Payant => "Payant" | "Adhésion",
    }
);

vocabulary!(
    /// `itinerance`.
    Itinerance, "itinerance" {
        Itinerant => "Itinérant",
        Fixe => "Fixe",
    }
);

vocabulary!(
    /// `dispositif_programmes_nationaux`.
    Dispositif, "dispositif_programmes_nationaux" {
        AidantsConnect => "Aidants Connect",
        BibliothequesNumeriqueDeReference => "Bibliothèques numérique de référence",
        CertificationPix => "Certification PIX",
        ConseillersNumeriques => "Conseillers numériques" | "CNFS" | "Conseiller numérique" | "Conseiller numérique France Services",
        EmmausConnect => "Emmaüs Connect",
        FranceServices => "France Services" | "France Service" | "Maison France Service" | "Maison France Services",
        GrandeEcoleDuNumerique => "Grande école du numérique",
        LaCroixRouge => "La Croix Rouge",
        PointAccesNumeriqueCaf => "Point d'accès numérique CAF" | "Point relais CAF" | "Point numérique CAF",
        PromeneursDuNet => "Promeneurs du net" | "Promeneur du net",
        RelaisNumeriqueEmmausConnect => "Relais numérique (Emmaüs Connect)",
    }
);

vocabulary!(
    /// `formations_labels`. The schema's pattern for "Étapes numériques (La Poste)" lacks
    /// the space; folding makes both spellings the same key, and the label has the space.
    FormationLabel, "formations_labels" {
        MonEspaceSante => "Formé à « Mon Espace Santé »",
        Duplex => "Formé à « DUPLEX » (illettrisme)",
        ArniaMednumBfc => "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
        CollectifReemploiNormandie => "Collectif ressources et acteurs réemploi (Normandie)",
        EtapesNumeriques => "Étapes numériques (La Poste)",
        FabriquesDeTerritoire => "Fabriques de Territoire",
        EclaireursDuNumerique => "Les Éclaireurs du numérique (Drôme)",
        MesPapiers => "Mes Papiers (Métropole de Lyon)",
        Ordi3 => "ORDI 3.0",
        SudLabs => "SUD LABS (PACA)",
    }
);

vocabulary!(
    /// `modalites_acces`.
    ModaliteAcces, "modalites_acces" {
        SePresenter => "Se présenter",
        Telephoner => "Téléphoner",
        ContacterParMail => "Contacter par mail",
        PrendreRdvEnLigne => "Prendre un RDV en ligne",
        PasDAccueilDuPublic => "Ce lieu n'accueille pas de public",
        MailAvecFichePrescription => "Envoyer un mail avec une fiche de prescription",
    }
);

vocabulary!(
    /// `modalites_accompagnement`.
    ModaliteAccompagnement, "modalites_accompagnement" {
        EnAutonomie => "En autonomie" | "Seul",
        AccompagnementIndividuel => "Accompagnement individuel" | "Avec de l'aide",
        AtelierCollectif => "Dans un atelier collectif" | "Dans un atelier",
        ADistance => "À distance" | "À distance (par téléphone ou en visioconférence)",
    }
);

/// A vocabulary known by its field's name only, for the code that reads fields by name (the
/// mappings, the mapping assistant, the forms): one table, so that no such list of fields can
/// miss a vocabulary.
#[derive(Clone, Copy, Debug)]
pub struct FieldVocabulary {
    /// The standard's field.
    pub field: &'static str,
    labels: fn() -> Vec<&'static str>,
    label_of: fn(&str) -> Option<&'static str>,
}

impl FieldVocabulary {
    const fn new<T: Vocabulary>() -> Self {
        FieldVocabulary {
            field: T::FIELD,
            labels: || T::all().iter().map(|value| value.label()).collect(),
            label_of: |value| T::from_label(value).map(T::label),
        }
    }

    /// Every vocabulary of the standard, in its fields' order.
    pub const ALL: [FieldVocabulary; 9] = [
        Self::new::<Service>(),
        Self::new::<Public>(),
        Self::new::<PriseEnCharge>(),
        Self::new::<Frais>(),
        Self::new::<Itinerance>(),
        Self::new::<Dispositif>(),
        Self::new::<FormationLabel>(),
        Self::new::<ModaliteAcces>(),
        Self::new::<ModaliteAccompagnement>(),
    ];

    /// The vocabulary of `field`, or `None` for a free field.
    pub fn of(field: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|vocabulary| vocabulary.field == field)
    }

    /// The fields that take a vocabulary, in the standard's order.
    pub fn fields() -> impl Iterator<Item = &'static str> {
        Self::ALL.into_iter().map(|vocabulary| vocabulary.field)
    }

    /// Its labels, in the standard's order.
    pub fn labels(self) -> Vec<&'static str> {
        (self.labels)()
    }

    /// The exact v1 label of `value` (a label, an alias, any spelling `from_label` accepts).
    pub fn label_of(self, value: &str) -> Option<&'static str> {
        (self.label_of)(value)
    }
}

/// Values of v0 files that carry no information in v1 (v1 assumes every place welcomes
/// everyone): they are dropped with an informational note rather than a warning.
pub fn is_neutral_value(value: &str) -> bool {
    matches!(
        fold(value).as_str(),
        "adultes" | "tout public" | "tous publics" | "tout" | "aucun dispositif" | "aucun" | "non"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v0_labels_map_to_v1() {
        assert_eq!(Service::from_label("Prendre en main un ordinateur"), Some(Service::MaitriseOutilsNumeriques));
        assert_eq!(Service::from_label("Accéder à une connexion Internet"), Some(Service::AccesInternetMateriel));
        assert_eq!(
            Service::from_label("Soutenir la parentalité et l’éducation avec le numérique"),
            Some(Service::ParentaliteEducation)
        );
        assert_eq!(Service::from_label("Comprehension du monde numérique"), Some(Service::ComprehensionMondeNumerique));
        assert_eq!(
            Frais::from_label("Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer"),
            Some(Frais::Payant)
        );
        assert_eq!(
            Frais::from_label("Gratuit sous condition : La gratuité est conditionnée"),
            Some(Frais::GratuitSousCondition)
        );
        assert_eq!(
            ModaliteAccompagnement::from_label("Avec de l’aide : je suis accompagné seul"),
            Some(ModaliteAccompagnement::AccompagnementIndividuel)
        );
        assert_eq!(
            PriseEnCharge::from_label("Handicaps psychiques : troubles psychiatriques"),
            Some(PriseEnCharge::HandicapsMentaux)
        );
        assert_eq!(Public::from_label("Seniors (+65 ans)"), Some(Public::Seniors));
        assert_eq!(Public::from_label("Jeunes (16/26 ans)"), Some(Public::Jeunes));
        assert_eq!(Dispositif::from_label("CNFS"), Some(Dispositif::ConseillersNumeriques));
        assert_eq!(FormationLabel::from_label("Étapes numériques(La Poste)"), Some(FormationLabel::EtapesNumeriques));
        // The two v0 services once dropped with a warning, converted as the national team does.
        assert_eq!(
            Service::from_label("Promouvoir la citoyenneté numérique"),
            Some(Service::ComprehensionMondeNumerique)
        );
        assert_eq!(Service::from_label("Créer et développer mon entreprise"), Some(Service::InsertionProfessionnelle));
    }

    #[test]
    fn every_label_round_trips() {
        fn check<T: Vocabulary + std::fmt::Debug>() {
            for value in T::all() {
                assert_eq!(T::from_label(value.label()), Some(*value));
            }
        }
        check::<Service>();
        check::<Public>();
        check::<PriseEnCharge>();
        check::<Frais>();
        check::<Itinerance>();
        check::<Dispositif>();
        check::<FormationLabel>();
        check::<ModaliteAcces>();
        check::<ModaliteAccompagnement>();
    }
}
