//! The shipped mappings (`mappings/*.toml`) run on the real exports they were written for
//! (copies in `tests/data/raw-hubs/`, see `PROVENANCE.md` there): every row is accounted
//! for, the rejections are listed and explained, the problems are counted per field, and a
//! few records are checked field by field.

use std::collections::BTreeMap;
use std::path::PathBuf;

use maillage_domain::{build_record, PlaceRecord, Problem, RawRecord, Severity, Vocabulary};
use maillage_formats::mapping::Mapping;
use maillage_formats::reader::{for_each_row, SourceRow};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load_mapping(name: &str) -> Mapping {
    let text = std::fs::read_to_string(repo().join("mappings").join(name)).expect("mapping file");
    Mapping::from_toml(&text).unwrap_or_else(|err| panic!("{name}: {err}"))
}

struct Kept {
    row: usize,
    raw: RawRecord,
    record: PlaceRecord,
    problems: Vec<Problem>,
}

#[derive(Default)]
struct Outcome {
    read: usize,
    kept: Vec<Kept>,
    /// Row number, and the error problems that rejected it.
    rejected: Vec<(usize, Vec<Problem>)>,
    file_problems: Vec<Problem>,
    by_field: BTreeMap<(String, Severity), usize>,
}

impl Outcome {
    fn count(&self, field: &str, severity: Severity) -> usize {
        self.by_field.get(&(field.to_owned(), severity)).copied().unwrap_or(0)
    }

    fn record(&self, id: &str) -> &Kept {
        self.kept.iter().find(|kept| kept.record.id == id).unwrap_or_else(|| panic!("no record {id}"))
    }

    fn with_reason(&self, field: &str, reason: &str) -> usize {
        self.kept
            .iter()
            .flat_map(|kept| &kept.problems)
            .filter(|p| p.field == field && p.reason.contains(reason))
            .count()
    }

    /// Problem counts per field and severity, opening hours aside (see `hours_accounted`).
    fn counts_without_hours(&self) -> Vec<(&str, Severity, usize)> {
        self.by_field
            .iter()
            .filter(|((field, _), _)| field != "horaires")
            .map(|((field, severity), count)| (field.as_str(), *severity, *count))
            .collect()
    }

    /// Rejected rows with the fields that rejected them.
    fn rejections(&self) -> Vec<(usize, Vec<&str>)> {
        self.rejected
            .iter()
            .map(|(row, problems)| (*row, problems.iter().map(|p| p.field.as_str()).collect()))
            .collect()
    }

    /// Kept rows whose hours ended either converted or reported: none is lost on the way.
    fn hours_accounted(&self) -> (usize, usize) {
        let converted = self.kept.iter().filter(|kept| kept.record.horaires.is_some()).count();
        let reported = self
            .kept
            .iter()
            .filter(|kept| kept.record.horaires.is_none())
            .filter(|kept| kept.problems.iter().any(|p| p.field == "horaires" && p.severity == Severity::Warning))
            .count();
        (converted, reported)
    }

    fn duplicate_ids(&self) -> usize {
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        for kept in &self.kept {
            *ids.entry(kept.record.id.as_str()).or_default() += 1;
        }
        ids.values().filter(|count| **count > 1).count()
    }
}

fn run(mapping: &Mapping, data: &str) -> Outcome {
    let bytes = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/raw-hubs").join(data))
        .expect("data file");
    let mut outcome = Outcome::default();
    let info = for_each_row::<()>(&bytes, data, |row: SourceRow| {
        outcome.read += 1;
        let (raw, mut problems) = mapping.apply(&row);
        let built = build_record(&raw);
        problems.extend(built.problems);
        for problem in &problems {
            *outcome.by_field.entry((problem.field.clone(), problem.severity)).or_default() += 1;
        }
        match built.record {
            Some(record) => outcome.kept.push(Kept { row: row.number, raw, record, problems }),
            None => outcome
                .rejected
                .push((row.number, problems.into_iter().filter(|p| p.severity == Severity::Error).collect())),
        }
        Ok(())
    })
    .unwrap_or_else(|_| panic!("{data} unreadable"));
    outcome.file_problems = mapping.check_columns(&info.columns);
    outcome
}

use Severity::{Error, Info, Warning};

#[test]
fn every_shipped_mapping_loads() {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("mappings"))
        .expect("mappings folder")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    assert_eq!(names, ["hinaura.toml", "hub-lo.toml", "paca-regionsud.toml", "ultra-num.toml"]);
    for name in &names {
        let mapping = load_mapping(name);
        assert_eq!(format!("{}.toml", mapping.source_name()), *name);
        assert!(mapping.source().origin.as_deref().is_some_and(|origin| origin.contains("commit")), "{name}: origin");
        assert!(mapping.source().licence.is_some(), "{name}: licence");
    }
}

#[test]
fn hub_lo() {
    let outcome = run(&load_mapping("hub-lo.toml"), "hub-lo-2023.json.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (426, 425, 1));
    // "Click @utonome" has no address at all.
    assert_eq!(outcome.rejections(), vec![(345, vec!["adresse"])]);
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("adresse", Error, 1),
            ("courriels", Warning, 7),
            ("presentation_detail", Info, 8),
            ("siren", Info, 22),
            ("site_web", Info, 4),
            ("site_web", Warning, 3),
            ("telephone", Info, 7),
        ]
    );
    assert_eq!(outcome.with_reason("siren", "remplissage"), 22);
    assert_eq!(outcome.with_reason("telephone", "remplissage"), 7);
    // 139 kept rows give days or times: each ends converted or reported. 19 give days only,
    // one lists an "Inconnu" day.
    let (converted, reported) = outcome.hours_accounted();
    assert_eq!(converted + reported, 139);
    assert_eq!(outcome.with_reason("horaires", "jours d'ouverture sans heures"), 19);
    assert_eq!(outcome.count("horaires", Info) - converted, 1);

    let fabrique = outcome.record("1");
    assert_eq!(fabrique.record.nom, "LA FABRIQUE 18");
    assert_eq!((fabrique.record.commune.as_str(), fabrique.record.code_postal.as_str()), ("BOURGES", "18000"));
    assert_eq!(fabrique.record.typologie, ["TIERS_LIEUX", "ASSO"]);
    assert_eq!(fabrique.record.telephone.as_deref(), Some("+33248242226"));
    assert_eq!(fabrique.record.structure_parente.as_deref(), Some("BGE CHER"));
    assert_eq!(fabrique.record.pivot, None);
    assert_eq!(fabrique.record.date_maj.map(|d| d.to_string()).as_deref(), Some("2020-06-30"));
    assert_eq!(
        fabrique.record.prise_en_charge_specifique.iter().map(|v| v.label()).collect::<Vec<_>>(),
        ["Handicaps moteurs"]
    );
    assert_eq!(fabrique.raw.extras["bassin_de_vie"], "Bourges");
    assert_eq!(fabrique.raw.extras["epci_nom"], "CA Bourges Plus");
    assert_eq!(fabrique.raw.extras["siren"], "434806402");

    let adsea = outcome.record("5");
    assert_eq!(
        adsea.record.dispositif_programmes_nationaux.iter().map(|v| v.label()).collect::<Vec<_>>(),
        ["Promeneurs du net"]
    );
    assert_eq!(
        adsea.record.modalites_accompagnement.iter().map(|v| v.label()).collect::<Vec<_>>(),
        ["Accompagnement individuel"]
    );

    // Named France Services, categorised MSAP: both the programme and the type.
    let malesherbois = outcome.record("186");
    assert_eq!(
        malesherbois.record.dispositif_programmes_nationaux.iter().map(|v| v.label()).collect::<Vec<_>>(),
        ["France Services"]
    );
    assert_eq!(malesherbois.record.typologie, ["EPN", "MSAP"]);
    // An MSAP not named France Services stays an MSAP; a bus is itinerant.
    let bus = outcome.record("265");
    assert!(bus.record.dispositif_programmes_nationaux.is_empty());
    assert_eq!(bus.record.typologie, ["EPN", "MSAP", "MUNI"]);
    assert_eq!(bus.record.itinerance.iter().map(|v| v.label()).collect::<Vec<_>>(), ["Itinérant"]);

    // Days {Lundi…Vendredi} and "9h à 12h / 14h à 17h": the times apply to each listed day.
    let anna = outcome.record("11");
    assert_eq!(
        anna.record.services.iter().map(|v| v.label()).collect::<Vec<_>>(),
        [
            "Maîtrise des outils numériques du quotidien",
            "Utilisation sécurisée du numérique",
            "Accès internet et matériel informatique"
        ]
    );
    match &anna.record.horaires {
        Some(hours) => assert_eq!(hours.as_str(), "Mo-Fr 09:00-12:00,14:00-17:00"),
        // Until the French converter knows this text, the row says so.
        None => assert!(anna
            .problems
            .iter()
            .any(|p| p.field == "horaires" && p.severity == Warning && p.value.contains("9h à  12h"))),
    }
}

#[test]
fn paca_regionsud() {
    let outcome = run(&load_mapping("paca-regionsud.toml"), "paca-regionsud-2022.csv.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (1245, 1240, 5));
    // 228: an address without street; 554 and 611: fragments of records broken across lines
    // in the source; 1239-1240: one record cut in two inside its address.
    assert_eq!(
        outcome.rejections(),
        vec![
            (228, vec!["adresse"]),
            (554, vec!["commune", "adresse", "code_postal"]),
            (611, vec!["commune", "adresse", "code_postal"]),
            (1239, vec!["commune", "code_postal"]),
            (1240, vec!["commune", "code_postal"]),
        ]
    );
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("adresse", Error, 3),
            ("code_postal", Info, 545),
            ("code_postal", Error, 4),
            ("commune", Error, 4),
            ("date_maj", Warning, 1245),
            ("id", Info, 1245),
            ("site_web", Info, 22),
            ("site_web", Warning, 8),
            ("telephone", Warning, 1),
        ]
    );
    assert_eq!(outcome.duplicate_ids(), 0);
    // One hours column: 224 kept rows hand it to the builder, which converts it or says why not.
    let with_hours = outcome.kept.iter().filter(|kept| kept.raw.fields.contains_key("horaires")).count();
    assert_eq!(with_hours, 224);
    let (converted, reported) = outcome.hours_accounted();
    assert_eq!(converted + reported, 224);

    let castellane =
        outcome.kept.iter().find(|kept| kept.record.nom == "France Services de Castellane").expect("Castellane");
    assert!(castellane.record.id.starts_with("paca-"));
    assert_eq!(castellane.record.code_postal, "04120");
    assert_eq!(castellane.record.typologie, ["MSAP"]);
    assert_eq!(
        castellane.record.dispositif_programmes_nationaux.iter().map(|v| v.label()).collect::<Vec<_>>(),
        ["France Services"]
    );
    assert_eq!(castellane.record.formations_labels.iter().map(|v| v.label()).collect::<Vec<_>>(), ["SUD LABS (PACA)"]);
    // "initiatiations informatiques�" (sic) is not read as an initiation: no rule guesses typos.
    assert_eq!(
        castellane.record.services.iter().map(|v| v.label()).collect::<Vec<_>>(),
        ["Aide aux démarches administratives", "Accès internet et matériel informatique"]
    );
    assert_eq!(castellane.raw.fields["horaires"], "Lundi \u{FFFD} vendredi 9h-12h/13h30-17h");
    assert_eq!(castellane.raw.extras["departement"], "Alpes-de-Haute-Provence");
}

#[test]
fn hinaura() {
    let outcome = run(&load_mapping("hinaura.toml"), "hinaura-raw-2023.json.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (1171, 1167, 4));
    // No postcode anywhere in the row (163, 470, 904), no address (263).
    assert_eq!(
        outcome.rejections(),
        vec![(163, vec!["adresse"]), (263, vec!["adresse"]), (470, vec!["code_postal"]), (904, vec!["code_postal"])]
    );
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("adresse", Error, 2),
            ("code_postal", Error, 2),
            ("courriels", Warning, 13),
            ("id", Info, 1171),
            ("site_web", Info, 73),
            ("site_web", Warning, 32),
            ("telephone", Warning, 49),
        ]
    );
    // Ten places were entered twice with the same name and address: same derived id.
    assert_eq!(outcome.duplicate_ids(), 10);
    let (converted, reported) = outcome.hours_accounted();
    assert_eq!(converted + reported, 760);

    // The postcode written inside the address fills the empty "Code postal".
    let orditoutage = outcome.kept.iter().find(|kept| kept.row == 123).expect("row 123");
    assert_eq!(orditoutage.record.code_postal, "38000");

    let abondance = outcome.kept.iter().find(|kept| kept.row == 1).expect("row 1");
    assert_eq!(abondance.record.nom, "MAISON DE SERVICES AU PUBLIC D'ABONDANCE");
    assert_eq!(abondance.record.typologie, ["MSAP"]);
    assert!(abondance.record.dispositif_programmes_nationaux.is_empty());
    assert_eq!(abondance.record.site_web, Vec::<String>::new());
    assert_eq!(
        abondance.record.publics_specifiquement_adresses.iter().map(|v| v.label()).collect::<Vec<_>>(),
        ["Jeunes", "Familles et/ou enfants", "Seniors"]
    );
    assert_eq!(
        abondance.record.prise_en_charge_specifique.iter().map(|v| v.label()).collect::<Vec<_>>(),
        ["Surdité", "Handicaps moteurs", "Handicaps mentaux", "Illettrisme", "Déficience visuelle"]
    );
    assert_eq!(abondance.record.frais_a_charge.iter().map(|v| v.label()).collect::<Vec<_>>(), ["Gratuit"]);
    assert_eq!(
        abondance.record.services.iter().map(|v| v.label()).collect::<Vec<_>>(),
        [
            "Aide aux démarches administratives",
            "Maîtrise des outils numériques du quotidien",
            "Accès internet et matériel informatique"
        ]
    );
    assert_eq!(abondance.record.date_maj.map(|d| d.to_string()).as_deref(), Some("2021-05-05"));
    match &abondance.record.horaires {
        Some(hours) => assert_eq!(hours.as_str(), "Tu-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"),
        None => assert!(abondance.problems.iter().any(|p| p.field == "horaires"
            && p.severity == Warning
            && p.value.contains("mardi : 9h à 12h et 14h à 17h"))),
    }
}

#[test]
fn ultra_num() {
    let outcome = run(&load_mapping("ultra-num.toml"), "ultra-num-2023.json.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (155, 155, 0));
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("date_maj", Warning, 155),
            ("id", Info, 155),
            ("site_web", Info, 15),
            ("site_web", Warning, 2),
            ("telephone", Warning, 3),
        ]
    );
    assert_eq!(outcome.duplicate_ids(), 0);
    // 35 places fill the hours grid: 33 are converted here; two have an unreadable time
    // (";", a missing closing time) and lose their hours with a warning.
    assert_eq!(outcome.hours_accounted(), (33, 2));
    assert_eq!(outcome.count("horaires", Warning), 2);
    let records: BTreeMap<&str, &Kept> = outcome.kept.iter().map(|kept| (kept.record.nom.as_str(), kept)).collect();
    let saint_denis = records["Académie des savoirs Saint-Denis"];
    assert_eq!(saint_denis.record.horaires.as_ref().map(|h| h.as_str()), Some("Mo-Fr 08:30-16:30"));
    // A training body: no typologie code beyond the association it is.
    assert_eq!(saint_denis.record.typologie, ["ASSO"]);
    let saint_pierre = records["Académie des savoirs Saint-Pierre"];
    assert_eq!(saint_pierre.record.horaires.as_ref().map(|h| h.as_str()), Some("Mo-Fr 08:00-20:00; Sa 08:00-16:00"));
    assert!(saint_pierre.record.id.starts_with("ultra-num-"));
}

#[test]
fn a_bad_mapping_is_refused_in_french_with_its_line() {
    let text = "[source]\nname = \"x\"\n\n[fields]\nnom = \"c_nom\"\ncommune = { colonne = \"c_city\" }\n";
    let err = Mapping::from_toml(text).expect_err("refused").to_string();
    assert!(err.starts_with("fichier de correspondance invalide : ligne 6 : valeur mal formée"), "{err}");
    let text = "[source]\nname = \"x\"\n[[terms]]\ncolumn = \"c\"\ntruthy = true\nfield = \"services\"\nvalue = \"Aide aux devoirs\"\n";
    let err = Mapping::from_toml(text).expect_err("refused").to_string();
    assert!(err.contains("« Aide aux devoirs » ne fait pas partie des valeurs de services"), "{err}");
}

#[test]
fn a_column_missing_from_the_file_is_reported() {
    let mapping = load_mapping("hub-lo.toml");
    let outcome = run(&mapping, "hub-lo-2023.json.gz");
    assert_eq!(outcome.file_problems, vec![]);
    let columns = vec!["c_nom".to_owned(), "c_adresse".to_owned()];
    let problems = mapping.check_columns(&columns);
    let bassin = problems.iter().find(|p| p.value == "c_bassin_de_vie").expect("reported");
    assert_eq!((bassin.field.as_str(), bassin.severity), ("bassin_de_vie", Warning));
    assert!(problems.iter().all(|p| p.value != "c_nom"));
}

/// The format documented in `mappings/README.md` is the format the code reads.
#[test]
fn the_documented_example_loads() {
    let readme = std::fs::read_to_string(repo().join("mappings/README.md")).expect("README");
    let example = readme.split("```toml\n").nth(1).and_then(|rest| rest.split("```").next()).expect("a TOML example");
    let mapping = Mapping::from_toml(example).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(mapping.source_name(), "hub-lo");
    let row = SourceRow {
        number: 2,
        values: vec![
            ("c_nom".to_owned(), "Médiathèque".to_owned()),
            ("adresse_complete".to_owned(), "1 Rue X, 51200, Épernay, Marne".to_owned()),
            ("coordonnees".to_owned(), "47.7698,7.32193".to_owned()),
            ("c_formation".to_owned(), "oui".to_owned()),
            ("c_bassin_de_vie".to_owned(), "Épernay".to_owned()),
        ],
        merged: Vec::new(),
    };
    let (raw, problems) = mapping.apply(&row);
    assert_eq!(raw.fields["adresse"], "1 Rue X");
    assert_eq!(raw.fields["code_postal"], "51200");
    assert_eq!(raw.fields["commune"], "Épernay");
    assert_eq!(raw.fields["latitude"], "47.7698");
    assert_eq!(raw.fields["services"], "Maîtrise des outils numériques du quotidien");
    assert_eq!(raw.extras["bassin_de_vie"], "Épernay");
    // No id column in this row: derived from name, address and postcode, and said so.
    assert!(raw.fields["id"].starts_with("hinaura-"));
    assert_eq!(problems.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(), ["id"]);
}
