//! The shipped mappings (`mappings/*.toml`) run on the real exports they were written for
//! (copies in `tests/data/raw-hubs/` and `tests/data/registries/`, see `PROVENANCE.md` there):
//! every row is accounted for (kept, rejected with its reason, skipped by the mapping with
//! its reason, or merged into the place it describes), the problems are counted per field, and
//! a few records are checked field by field.

use std::collections::BTreeMap;
use std::path::PathBuf;

use maillage_domain::{build_record, PlaceRecord, Problem, RawRecord, Severity, Vocabulary};
use maillage_formats::mapping::{shipped, Mapped, Mapping, MappingSpec};
use maillage_formats::reader::{for_each_grouped_row, for_each_row, SourceRow};

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
    /// Rows of the file, merged ones included.
    read: usize,
    kept: Vec<Kept>,
    /// Row number, and the error problems that rejected it.
    rejected: Vec<(usize, Vec<Problem>)>,
    /// Rows the mapping's `[[skip]]` left out, with the reason.
    skipped: Vec<(usize, Problem)>,
    /// Rows merged into the row before them by `[group]`.
    merged: usize,
    file_problems: Vec<Problem>,
    columns: Vec<String>,
    by_field: BTreeMap<(String, Severity), usize>,
}

impl Outcome {
    fn count(&self, field: &str, severity: Severity) -> usize {
        self.by_field.get(&(field.to_owned(), severity)).copied().unwrap_or(0)
    }

    fn record(&self, id: &str) -> &Kept {
        self.kept.iter().find(|kept| kept.record.id == id).unwrap_or_else(|| panic!("no record {id}"))
    }

    fn named(&self, name: &str) -> &Kept {
        self.kept.iter().find(|kept| kept.record.nom == name).unwrap_or_else(|| panic!("no record named {name}"))
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

    /// Kept records that have at least one service.
    fn with_services(&self) -> usize {
        self.kept.iter().filter(|kept| !kept.record.services.is_empty()).count()
    }

    /// Every row read is kept, rejected, skipped or merged into another.
    fn assert_accounted(&self) {
        assert_eq!(self.read, self.kept.len() + self.rejected.len() + self.skipped.len() + self.merged);
    }
}

fn data_file(data: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(data)).expect("data file")
}

fn run(mapping: &Mapping, data: &str) -> Outcome {
    let bytes = data_file(data);
    let mut outcome = Outcome::default();
    let info = for_each_grouped_row::<()>(&bytes, data, mapping.group_by(), |row: SourceRow| {
        outcome.read += 1 + row.merged.len();
        outcome.merged += row.merged.len();
        let (raw, mut problems) = match mapping.map_row(&row) {
            Mapped::Record(raw, problems) => (raw, problems),
            Mapped::Skipped(problem) => {
                outcome.skipped.push((row.number, problem));
                return Ok(());
            }
        };
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
    outcome.columns = info.columns;
    outcome.assert_accounted();
    outcome
}

fn labels<T: Vocabulary>(values: &std::collections::BTreeSet<T>) -> Vec<&'static str> {
    values.iter().map(|value| value.label()).collect()
}

/// Each shipped mapping and the export it was written for.
const EXPORTS: [(&str, &str); 17] = [
    ("aidants-connect", "registries/aidants-connect-structures-2024-02.csv.gz"),
    ("cnfs-structures", "registries/cnfs-structures-2023-04-05.csv.gz"),
    ("corse", "raw-hubs/corse-2023.json.gz"),
    ("epernay", "raw-hubs/epernay-2023.json.gz"),
    ("etapes-numerique", "raw-hubs/etapes-numerique-2024.json.gz"),
    ("fibre-64", "raw-hubs/fibre-64-2023.json.gz"),
    ("france-services", "registries/france-services-2022-12-01.csv.gz"),
    ("haute-vienne", "raw-hubs/haute-vienne-2023.json.gz"),
    ("hinaura", "raw-hubs/hinaura-raw-2023.json.gz"),
    ("hub-lo", "raw-hubs/hub-lo-2023.json.gz"),
    ("la-creuse", "raw-hubs/la-creuse-2023.json.gz"),
    ("maine-et-loire", "raw-hubs/maine-et-loire-2023.json.gz"),
    ("mulhouse", "raw-hubs/mulhouse-2023.json.gz"),
    ("nouvelle-caledonie", "raw-hubs/nouvelle-caledonie-raw-2024.json.gz"),
    ("numi", "raw-hubs/numi-2023.json.gz"),
    ("paca-regionsud", "raw-hubs/paca-regionsud-2022.csv.gz"),
    ("ultra-num", "raw-hubs/ultra-num-2023.json.gz"),
];

use Severity::{Error, Info, Warning};

#[test]
fn every_shipped_mapping_loads() {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("mappings"))
        .expect("mappings folder")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    let exported: Vec<String> = EXPORTS.iter().map(|(name, _)| format!("{name}.toml")).collect();
    assert_eq!(names, exported, "every mapping of the folder has its export in the tests, and no other");
    let built_in: Vec<String> = shipped::SHIPPED.iter().map(|(name, _)| format!("{name}.toml")).collect();
    assert_eq!(names, built_in, "every mapping of the folder is built into the binary");
    for name in &names {
        let mapping = load_mapping(name);
        assert_eq!(format!("{}.toml", mapping.source_name()), *name);
        let text = std::fs::read_to_string(repo().join("mappings").join(name)).expect("mapping file");
        assert_eq!(shipped::text(mapping.source_name()), Some(text.as_str()), "{name}: the built-in copy");
        assert!(mapping.source().origin.as_deref().is_some_and(|origin| origin.contains("commit")), "{name}: origin");
        assert!(mapping.source().licence.is_some(), "{name}: licence");
    }
}

/// What a person writes, written back by `to_toml`, reads into the same mapping.
#[test]
fn every_shipped_mapping_writes_back_to_the_same_toml_structure() {
    for (name, text) in shipped::SHIPPED {
        let spec = MappingSpec::from_toml(text).unwrap_or_else(|err| panic!("{name}: {err}"));
        let written = spec.to_toml();
        let again = MappingSpec::from_toml(&written).unwrap_or_else(|err| panic!("{name}: {err}\n{written}"));
        assert_eq!(again, spec, "{name}");
        Mapping::from_spec(again).unwrap_or_else(|err| panic!("{name}: {err}"));
    }
}

/// A mapping knows its export's whole layout: the columns it reads and the ones it leaves
/// unread on purpose are exactly the file's columns. That is what recognises the export.
#[test]
fn every_mapping_knows_its_exports_layout() {
    for (name, data) in EXPORTS {
        let mapping = shipped::mapping(name).expect("shipped");
        let mut columns = Vec::new();
        let info = for_each_row::<()>(&data_file(data), data, |_| Ok(())).unwrap_or_else(|_| panic!("{data}"));
        columns.extend(info.columns);
        let layout = mapping.layout();
        let unknown: Vec<&String> = columns.iter().filter(|column| !layout.contains(column)).collect();
        let absent: Vec<&String> = layout.iter().filter(|column| !columns.contains(column)).collect();
        assert!(
            unknown.is_empty() && absent.is_empty(),
            "{name}: not in the mapping {unknown:?}, not in the file {absent:?}"
        );
    }
}

#[test]
fn hub_lo() {
    let outcome = run(&load_mapping("hub-lo.toml"), "raw-hubs/hub-lo-2023.json.gz");
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
    let outcome = run(&load_mapping("paca-regionsud.toml"), "raw-hubs/paca-regionsud-2022.csv.gz");
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
    let outcome = run(&load_mapping("hinaura.toml"), "raw-hubs/hinaura-raw-2023.json.gz");
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
    let outcome = run(&load_mapping("ultra-num.toml"), "raw-hubs/ultra-num-2023.json.gz");
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
    let outcome = run(&mapping, "raw-hubs/hub-lo-2023.json.gz");
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

#[test]
fn corse() {
    let outcome = run(&load_mapping("corse.toml"), "raw-hubs/corse-2023.json.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (161, 156, 5));
    // Five "permanences" of the Mission locale give coordinates but no address at all.
    assert_eq!(
        outcome.rejections(),
        vec![
            (148, vec!["commune", "adresse", "code_postal"]),
            (149, vec!["commune", "adresse", "code_postal"]),
            (150, vec!["commune", "adresse", "code_postal"]),
            (151, vec!["commune", "adresse", "code_postal"]),
            (152, vec!["commune", "adresse", "code_postal"]),
        ]
    );
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("adresse", Error, 5),
            ("code_postal", Error, 5),
            ("commune", Error, 5),
            ("date_maj", Warning, 161),
            ("id", Info, 161),
            ("latitude", Warning, 1),
            ("site_web", Info, 14),
            ("site_web", Warning, 48),
            ("telephone", Warning, 5),
        ]
    );
    // Four places are listed twice with the same name and address (the import keeps the first).
    assert_eq!(outcome.duplicate_ids(), 4);
    assert_eq!(outcome.with_services(), 91);
    let (converted, reported) = outcome.hours_accounted();
    assert_eq!(converted + reported, 140);

    let corscia = outcome.named("Mairie de Corscia");
    assert_eq!(
        (corscia.record.adresse.as_str(), corscia.record.code_postal.as_str(), corscia.record.commune.as_str()),
        ("Mairie de Corscia", "20224", "CORSCIA")
    );
    assert_eq!(corscia.record.typologie, ["MUNI"]);
    assert_eq!(
        labels(&corscia.record.services),
        ["Maîtrise des outils numériques du quotidien", "Accès internet et matériel informatique"]
    );
    // An address on three lines still gives its postcode and town.
    let bus = outcome.named("Bus France Services Centre Corse");
    assert_eq!((bus.record.code_postal.as_str(), bus.record.commune.as_str()), ("20218", "MOROSAGLIA"));
    assert_eq!(labels(&bus.record.dispositif_programmes_nationaux), ["France Services"]);
}

#[test]
fn epernay() {
    let outcome = run(&load_mapping("epernay.toml"), "raw-hubs/epernay-2023.json.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (39, 37, 2));
    // "1 Rue Camille Soudant" and "Belle Noue, Épernay, Marne…" name no postcode: the mapping
    // cannot find the commune; the import repairs them from their coordinates.
    assert_eq!(outcome.rejections(), vec![(10, vec!["commune", "code_postal"]), (33, vec!["commune", "code_postal"])]);
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("adresse", Warning, 2),
            ("code_postal", Error, 2),
            ("commune", Error, 2),
            ("site_web", Info, 7),
            ("telephone", Warning, 3),
        ]
    );
    assert_eq!(outcome.with_services(), 32);
    let (converted, reported) = outcome.hours_accounted();
    assert_eq!(converted + reported, 37);

    let veil = outcome.named("Médiathèque Simone-Veil");
    assert_eq!(veil.record.id, "9cdaa786-d92e-4ab3-8d6f-85b1ba4619fc");
    assert_eq!(
        (veil.record.adresse.as_str(), veil.record.code_postal.as_str(), veil.record.commune.as_str()),
        ("1 Rue Professeur Langevin", "51200", "Épernay")
    );
    assert_eq!(veil.record.date_maj.map(|d| d.to_string()).as_deref(), Some("2022-12-13"));
    // x and y are WGS84 with a decimal comma.
    let coordinates = veil.record.coordinates.expect("coordinates");
    assert!((coordinates.latitude - 49.043).abs() < 0.001 && (coordinates.longitude - 3.953).abs() < 0.001);
    assert_eq!(veil.record.typologie, ["BIB"]);
    assert_eq!(labels(&veil.record.frais_a_charge), ["Gratuit"]);
    assert_eq!(labels(&veil.record.publics_specifiquement_adresses), ["Jeunes", "Familles et/ou enfants", "Seniors"]);
    assert_eq!(labels(&veil.record.prise_en_charge_specifique), ["Illettrisme", "Langues étrangères (autres)"]);
    assert_eq!(veil.record.services.len(), 7);
    // A typed address: "24 boulevard Roederer 51077 REIMS Cédex".
    let msa = outcome.named("MSA");
    assert_eq!((msa.record.code_postal.as_str(), msa.record.commune.as_str()), ("51077", "REIMS"));
}

#[test]
fn etapes_numerique() {
    let outcome = run(&load_mapping("etapes-numerique.toml"), "raw-hubs/etapes-numerique-2024.json.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (95, 95, 0));
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(outcome.counts_without_hours(), vec![("code_postal", Info, 8), ("date_maj", Warning, 95)]);
    let bourg = outcome.record("1");
    // Stored as numbers: the leading zeros come back.
    assert_eq!((bourg.record.code_postal.as_str(), bourg.record.code_insee.as_deref()), ("01000", Some("01053")));
    assert_eq!(bourg.record.pivot.as_deref(), Some("35600000063516"));
    assert_eq!(labels(&bourg.record.formations_labels), ["Étapes numériques (La Poste)"]);
    assert_eq!(bourg.record.services.len(), 7);
}

#[test]
fn fibre_64() {
    let outcome = run(&load_mapping("fibre-64.toml"), "raw-hubs/fibre-64-2023.json.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (61, 61, 0));
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("courriels", Warning, 1),
            ("date_maj", Warning, 61),
            ("id", Info, 61),
            ("presentation_detail", Info, 4),
            ("site_web", Info, 12),
            ("telephone", Warning, 2),
        ]
    );
    // Four structures were entered twice.
    assert_eq!(outcome.duplicate_ids(), 4);
    assert_eq!(outcome.with_services(), 60);
    let (converted, reported) = outcome.hours_accounted();
    assert_eq!(converted + reported, 61);

    // The town is misspelt ("ANGELT"): the geocoder's INSEE code says Anglet.
    let adie = outcome.named("ADIE");
    assert_eq!((adie.record.commune.as_str(), adie.record.code_insee.as_deref()), ("ANGELT", Some("64024")));
    // "De temps en temps" for procedures and equipment, "Pas du tout" for training.
    assert_eq!(
        labels(&adie.record.services),
        ["Aide aux démarches administratives", "Accès internet et matériel informatique"]
    );
    assert_eq!(adie.raw.extras["epci_nom"], "Communaute d'agglomeration - Pays Basque");
}

#[test]
fn france_services() {
    let outcome = run(&load_mapping("france-services.toml"), "registries/france-services-2022-12-01.csv.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (2683, 2657, 26));
    // 26 antennes give only their name: nothing places them.
    assert!(outcome.rejections().iter().all(|(_, fields)| *fields == ["commune", "adresse", "code_postal"]));
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("adresse", Error, 26),
            ("code_insee", Warning, 1),
            ("code_postal", Error, 26),
            ("commune", Error, 26),
            ("courriels", Warning, 7),
            ("date_maj", Warning, 2683),
        ]
    );
    assert_eq!(outcome.with_services(), 2657);
    // Hours per day: converted for all but 17 kept places, which say why.
    assert_eq!(outcome.hours_accounted(), (2546, 17));
    assert!(outcome
        .kept
        .iter()
        .all(|kept| labels(&kept.record.dispositif_programmes_nationaux) == ["France Services"]));
    let valserhone = outcome.record("1");
    assert_eq!(valserhone.record.nom, "France services de Valserhône");
    assert_eq!(valserhone.record.code_insee.as_deref(), Some("01033"));
    assert_eq!(
        valserhone.record.horaires.as_ref().map(|h| h.as_str()),
        Some("Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00")
    );
    assert_eq!(labels(&valserhone.record.itinerance), ["Fixe"]);
    assert_eq!(labels(&valserhone.record.frais_a_charge), ["Gratuit"]);
    assert_eq!(valserhone.raw.extras["format"], "Site principal");
}

#[test]
fn haute_vienne() {
    let outcome = run(&load_mapping("haute-vienne.toml"), "raw-hubs/haute-vienne-2023.json.gz");
    // 561 rows, one per service: 352 merged into the structure's first row, 209 structures.
    assert_eq!((outcome.read, outcome.merged), (561, 352));
    assert_eq!((outcome.kept.len(), outcome.rejected.len()), (151, 58));
    // 57 structures gave their town but no address (one of them without its town either),
    // one gave no name.
    let by_reason: BTreeMap<Vec<&str>, usize> =
        outcome.rejections().into_iter().fold(BTreeMap::new(), |mut counts, (_, fields)| {
            *counts.entry(fields).or_default() += 1;
            counts
        });
    assert_eq!(
        by_reason,
        BTreeMap::from([
            (vec!["adresse", "code_postal"], 56),
            (vec!["commune", "adresse", "code_postal"], 1),
            (vec!["nom"], 1),
        ])
    );
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("*", Info, 144),
            ("adresse", Error, 57),
            ("code_postal", Error, 57),
            ("commune", Error, 1),
            ("date_maj", Warning, 209),
            ("id", Info, 209),
            ("nom", Error, 1),
            ("site_web", Info, 8),
            ("telephone", Warning, 3),
        ]
    );
    assert_eq!(outcome.duplicate_ids(), 0);
    assert_eq!(outcome.with_services(), 151);

    // The central library of Limoges: one row per service, merged into one place.
    let bfm = outcome.named("BFM Centre Ville");
    assert_eq!(
        (bfm.record.adresse.as_str(), bfm.record.code_postal.as_str(), bfm.record.code_insee.as_deref()),
        ("2 Place Aimé césaire", "87000", Some("87085"))
    );
    assert!(bfm.problems.iter().any(|p| p.field == "*" && p.reason.contains("regroupées")));
    assert!(bfm.record.services.len() >= 3, "{:?}", labels(&bfm.record.services));
    assert_eq!(bfm.record.typologie, ["BIB"]);
}

#[test]
fn la_creuse() {
    let outcome = run(&load_mapping("la-creuse.toml"), "raw-hubs/la-creuse-2023.json.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (91, 89, 2));
    assert_eq!(outcome.rejections(), vec![(35, vec!["adresse"]), (61, vec!["adresse"])]);
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(outcome.counts_without_hours(), vec![("adresse", Error, 2), ("date_maj", Warning, 91)]);
    assert_eq!(outcome.hours_accounted(), (29, 1));
    // v0.1 labels converted to v1 by the builder.
    let first = outcome.record("1");
    assert_eq!(labels(&first.record.services), ["Maîtrise des outils numériques du quotidien"]);
    assert_eq!(labels(&first.record.modalites_accompagnement), ["Dans un atelier collectif"]);
}

#[test]
fn maine_et_loire() {
    let outcome = run(&load_mapping("maine-et-loire.toml"), "raw-hubs/maine-et-loire-2023.json.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len(), outcome.skipped.len()), (243, 222, 3, 18));
    // Three rows hold nothing but coordinates.
    assert_eq!(
        outcome.rejections(),
        vec![
            (30, vec!["nom", "commune", "adresse", "code_postal"]),
            (126, vec!["nom", "commune", "adresse", "code_postal"]),
            (194, vec!["nom", "commune", "adresse", "code_postal"]),
        ]
    );
    assert!(outcome
        .skipped
        .iter()
        .all(|(_, p)| p.field == "AFFICHAGE" && p.value == "INACTIF" && p.reason.contains("inactif")));
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("adresse", Error, 3),
            ("code_postal", Error, 3),
            ("commune", Error, 3),
            ("courriels", Warning, 26),
            ("date_maj", Warning, 42),
            ("latitude", Info, 225),
            ("nom", Error, 3),
            ("site_web", Info, 8),
            ("site_web", Warning, 3),
            ("telephone", Warning, 27),
        ]
    );
    assert_eq!(outcome.with_services(), 220);
    let amia = outcome.record("LMN008");
    assert_eq!(amia.record.adresse, "20 rue Armand Quenard");
    assert_eq!(amia.record.code_postal, "49650");
    // Lambert-93 (475198,12 ; 6692424,51) converted: Allonnes, near Saumur.
    let coordinates = amia.record.coordinates.expect("coordinates");
    assert!((coordinates.latitude - 47.294).abs() < 0.001 && (coordinates.longitude - 0.0247).abs() < 0.001);
    assert_eq!(labels(&amia.record.frais_a_charge), ["Payant"]);
    assert!(outcome.kept.iter().filter(|kept| !kept.record.modalites_acces.is_empty()).all(|kept| labels(
        &kept.record.modalites_acces
    ) == [
        "Ce lieu n'accueille pas de public"
    ]));
}

#[test]
fn mulhouse() {
    let outcome = run(&load_mapping("mulhouse.toml"), "raw-hubs/mulhouse-2023.json.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (55, 55, 0));
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("courriels", Warning, 78),
            ("date_maj", Warning, 55),
            ("id", Info, 55),
            ("site_web", Info, 10),
            ("site_web", Warning, 7),
            ("telephone", Warning, 9),
        ]
    );
    assert_eq!(outcome.with_services(), 55);
    let rezo = outcome.named("LE REZO!");
    let coordinates = rezo.record.coordinates.expect("coordinates from geom");
    assert_eq!((coordinates.latitude, coordinates.longitude), (47.7698, 7.32193));
    assert_eq!(
        labels(&rezo.record.services),
        ["Maîtrise des outils numériques du quotidien", "Accès internet et matériel informatique"]
    );
    assert_eq!(labels(&rezo.record.frais_a_charge), ["Gratuit", "Gratuit sous condition"]);
}

#[test]
fn nouvelle_caledonie() {
    let outcome = run(&load_mapping("nouvelle-caledonie.toml"), "raw-hubs/nouvelle-caledonie-raw-2024.json.gz");
    // Every row names its commune and postcode: kept, though no INSEE commune places them.
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (92, 92, 0));
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![
            ("date_maj", Warning, 6),
            ("id", Info, 92),
            ("pivot", Warning, 1),
            ("presentation_resume", Warning, 12),
            ("site_web", Info, 6),
            ("site_web", Warning, 18),
            ("telephone", Info, 8),
            ("telephone", Warning, 1),
        ]
    );
    assert_eq!(outcome.with_services(), 91);
    assert_eq!(outcome.hours_accounted(), (62, 10));
    let riviere_salee = outcome.named("Espace municipal de Rivière Salée");
    assert_eq!((riviere_salee.record.commune.as_str(), riviere_salee.record.code_postal.as_str()), ("Nouméa", "98800"));
    assert_eq!(riviere_salee.record.typologie, ["MQ"]);
    assert_eq!(labels(&riviere_salee.record.frais_a_charge), ["Gratuit"]);
    assert!(riviere_salee.record.coordinates.is_some_and(|c| c.latitude < -22.0 && c.longitude > 166.0));
}

#[test]
fn numi() {
    let outcome = run(&load_mapping("numi.toml"), "raw-hubs/numi-2023.json.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (757, 757, 0));
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![("latitude", Warning, 3), ("site_web", Info, 2), ("site_web", Warning, 2), ("telephone", Warning, 12)]
    );
    assert_eq!(outcome.with_services(), 757);
    assert_eq!(outcome.hours_accounted(), (518, 2));
    // data·inclusion slugs read as the standard's values.
    let csapa = outcome.record("100-odspep");
    assert_eq!(csapa.record.source.as_deref(), Some("odspep"));
    assert_eq!(csapa.record.services.len(), 6);
    assert_eq!(labels(&csapa.record.publics_specifiquement_adresses), ["Jeunes", "Familles et/ou enfants", "Seniors"]);
    assert_eq!(
        labels(&csapa.record.prise_en_charge_specifique),
        ["Surdité", "Handicaps mentaux", "Illettrisme", "Langues étrangères (autres)", "Déficience visuelle"]
    );
    assert_eq!(labels(&csapa.record.modalites_accompagnement), ["En autonomie", "Dans un atelier collectif"]);
}

#[test]
fn aidants_connect() {
    let outcome = run(&load_mapping("aidants-connect.toml"), "registries/aidants-connect-structures-2024-02.csv.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len(), outcome.skipped.len()), (5227, 5180, 1, 46));
    assert_eq!(outcome.rejections(), vec![(3896, vec!["code_postal"])]);
    assert!(outcome.skipped.iter().all(|(_, p)| p.field == "Is Active" && p.reason.contains("inactive")));
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![("code_postal", Info, 22), ("code_postal", Error, 1), ("date_maj", Warning, 5181), ("pivot", Warning, 17)]
    );
    assert_eq!(outcome.with_services(), 5180);
    let with_france_services = outcome
        .kept
        .iter()
        .filter(|kept| labels(&kept.record.dispositif_programmes_nationaux).contains(&"France Services"))
        .count();
    assert!(with_france_services > 1000, "{with_france_services}");
    let beta = outcome.record("1");
    // The postcode and town repeated in the address are cut off.
    assert_eq!(beta.record.adresse, "20 Avenue de Ségur");
    assert_eq!(beta.record.pivot.as_deref(), Some("13002603200016"));
    assert_eq!(labels(&beta.record.dispositif_programmes_nationaux), ["Aidants Connect"]);
    assert_eq!(labels(&beta.record.modalites_accompagnement), ["Accompagnement individuel"]);
    assert_eq!(beta.raw.extras["nombre_aidants"], "22");
}

#[test]
fn cnfs_structures() {
    let outcome = run(&load_mapping("cnfs-structures.toml"), "registries/cnfs-structures-2023-04-05.csv.gz");
    assert_eq!((outcome.read, outcome.kept.len(), outcome.rejected.len()), (2889, 2889, 0));
    assert_eq!(outcome.file_problems, vec![]);
    assert_eq!(
        outcome.counts_without_hours(),
        vec![("adresse", Warning, 23), ("code_postal", Info, 206), ("date_maj", Warning, 2889), ("id", Info, 2889)]
    );
    // A structure's later committee decisions at the same address: same id, the import keeps
    // the first and reports the others.
    assert_eq!(outcome.duplicate_ids(), 30);
    assert!(outcome
        .kept
        .iter()
        .all(|kept| labels(&kept.record.dispositif_programmes_nationaux)[0] == "Conseillers numériques"));
    let fabrique = outcome.named("FABRIQUE GARE NUMERIQUE");
    assert_eq!(
        (fabrique.record.adresse.as_str(), fabrique.record.code_postal.as_str(), fabrique.record.commune.as_str()),
        ("41 RUE PORTE DE MONTEUX", "84200", "Carpentras")
    );
    assert_eq!(fabrique.record.code_insee.as_deref(), Some("84031"));
    assert_eq!(fabrique.raw.extras["nombre_conseillers"], "2");
}

/// Each export is recognised as its own from the columns of its first 200 rows (what the
/// import reads), clearly ahead of any other; no file of the standard is taken for an export.
#[test]
fn every_export_is_recognised_and_no_file_of_the_standard_is() {
    use maillage_formats::reader::sample_rows;
    use maillage_formats::recognise::{recognise, score, Recognition};
    let candidates = shipped::all();
    for (name, data) in EXPORTS {
        let (info, _) = sample_rows(&data_file(data), data, 200).expect("readable");
        match recognise(&info.columns, &candidates) {
            Recognition::Found(found) => {
                assert_eq!(found.mapping.source_name(), name);
                assert!(found.score >= 0.95, "{name}: {}", found.score);
            }
            _ => panic!("{name} not recognised"),
        }
        let others = candidates.iter().filter(|m| m.source_name() != name).map(|m| score(&info.columns, m).score);
        assert!(others.fold(0.0, f64::max) < 0.3, "{name}");
    }
    let fixtures = repo().join("data/fixtures/lieux");
    for entry in std::fs::read_dir(&fixtures).expect("fixtures") {
        let path = entry.expect("entry").path();
        if !path.to_string_lossy().ends_with(".gz") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (info, _) = sample_rows(&std::fs::read(&path).unwrap(), &name, 200).expect("readable");
        match recognise(&info.columns, &candidates) {
            Recognition::NotFound(Some(best)) => assert!(best.score < 0.52, "{name}: {}", best.score),
            _ => panic!("{name} taken for an export"),
        }
    }
}
