//! The mapping assistant on the real exports of `tests/data/raw-hubs/`: alone (no hand edit) it
//! must keep at least 80 % of the rows the hand-written mapping keeps, and fill services for at
//! least 70 % of the rows where the hand-written mapping does. Two exports, Fibre 64 and
//! Mulhouse, were kept out of the assistant's tuning as a check (see the note on the table).
//! What it writes is a mapping file a person can read back, and each line says why.

use std::path::PathBuf;

use maillage_formats::mapping::write::LineKey;
use maillage_formats::mapping::{shipped, HoursSpec, Mapping, MappingSpec, Projection};
use maillage_formats::preview::preview;
use maillage_formats::reader::sample_rows;
use maillage_formats::suggest::{suggest, Confidence, SuggestOptions, Suggestion};
use maillage_formats::FormatError;

fn data(path: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(path)).expect("data file")
}

/// The assistant's proposal for a file, from up to 5,000 rows (what `maillage mapping suggest` reads).
fn suggestion(path: &str) -> Suggestion {
    let bytes = data(path);
    let (info, rows) = sample_rows(&bytes, path, 5_000).expect("readable");
    let file = path.rsplit('/').next().unwrap_or(path).to_owned();
    suggest(&info.columns, &rows, &SuggestOptions { source: None, file: Some(file) }).expect("a suggestion")
}

/// (hand-written mapping, export, rows the hand-written mapping keeps, rows where it fills
/// services, the same two for the assistant alone). Counts without the territory's repairs, on
/// both sides. Fibre 64 and Mulhouse were the check, run once the assistant was written: both
/// passed, and reading the two proposals showed three mistakes, fixed by general rules rather
/// than for these files: Fibre 64's name taken from "Lestarifsdemastructure" (a cue at the start
/// of a column's name now ranks above one inside it), and on Mulhouse a price column
/// ("tarif_acces_equipement") read as the offer, and "Oui, sur rendez-vous" not read as a yes.
/// Their figures below are after those fixes (before: Fibre 64 57 kept, 56 with services;
/// Mulhouse 55 and 52).
const MEASURED: [(&str, &str, usize, usize, usize, usize); 14] = [
    ("corse", "raw-hubs/corse-2023.json.gz", 151, 86, 151, 88),
    ("epernay", "raw-hubs/epernay-2023.json.gz", 37, 32, 37, 29),
    ("etapes-numerique", "raw-hubs/etapes-numerique-2024.json.gz", 95, 95, 95, 95),
    ("fibre-64", "raw-hubs/fibre-64-2023.json.gz", 56, 55, 56, 56),
    ("haute-vienne", "raw-hubs/haute-vienne-2023.json.gz", 151, 151, 151, 144),
    ("hinaura", "raw-hubs/hinaura-raw-2023.json.gz", 1157, 701, 1156, 716),
    ("hub-lo", "raw-hubs/hub-lo-2023.json.gz", 425, 219, 425, 233),
    ("la-creuse", "raw-hubs/la-creuse-2023.json.gz", 89, 89, 89, 89),
    ("maine-et-loire", "raw-hubs/maine-et-loire-2023.json.gz", 222, 220, 240, 199),
    ("mulhouse", "raw-hubs/mulhouse-2023.json.gz", 55, 55, 55, 55),
    ("nouvelle-caledonie", "raw-hubs/nouvelle-caledonie-raw-2024.json.gz", 92, 91, 92, 92),
    ("numi", "raw-hubs/numi-2023.json.gz", 757, 757, 757, 757),
    ("paca-regionsud", "raw-hubs/paca-regionsud-2022.csv.gz", 1240, 107, 1240, 242),
    ("ultra-num", "raw-hubs/ultra-num-2023.json.gz", 155, 34, 155, 34),
];

#[test]
fn the_assistant_alone_keeps_and_fills_enough_of_every_raw_export() {
    for (name, path, hand_kept, hand_services, kept, services) in MEASURED {
        let bytes = data(path);
        let hand = preview(&bytes, path, &shipped::mapping(name).expect("shipped"), None, 0).expect("readable");
        assert_eq!((hand.kept, hand.with_services), (hand_kept, hand_services), "{name}: hand-written mapping");
        let proposed = suggestion(path);
        let mapping = Mapping::from_spec(proposed.spec.clone()).unwrap_or_else(|err| panic!("{name}: {err}"));
        let assistant = preview(&bytes, path, &mapping, None, 0).expect("readable");
        assert_eq!((assistant.kept, assistant.with_services), (kept, services), "{name}: assistant");
        assert!(assistant.kept * 100 >= hand.kept * 80, "{name}: keeps {} of {}", assistant.kept, hand.kept);
        assert!(
            assistant.with_services * 100 >= hand.with_services * 70,
            "{name}: services for {} rows where the hand-written mapping has {}",
            assistant.with_services,
            hand.with_services
        );
        // No column it names is missing: the proposal imports as it is.
        assert!(assistant.file_problems.is_empty(), "{name}: {:?}", assistant.file_problems);
    }
}

#[test]
fn what_the_assistant_writes_a_person_can_read_back() {
    for (name, path, ..) in MEASURED {
        let proposed = suggestion(path);
        let text = proposed.to_toml();
        let read = MappingSpec::from_toml(&text).unwrap_or_else(|err| panic!("{name}: {err}\n{text}"));
        assert_eq!(read, proposed.spec, "{name}");
        // Every line is explained, in French, above it in the file.
        for line in &proposed.lines {
            assert!(!line.reason.is_empty(), "{name}: {:?}", line.key);
            let comment = format!("# [{}] {}", line.confidence.label(), line.reason.lines().next().unwrap_or(""));
            assert!(text.contains(&comment), "{name}: {comment}");
        }
        // Every column of the file is either read or listed as unread, so that the saved
        // proposal recognises the next version of the export.
        let bytes = data(path);
        let (info, _) = sample_rows(&bytes, path, 5_000).unwrap();
        let mapping = Mapping::from_spec(read).unwrap();
        let layout = mapping.layout();
        assert!(info.columns.iter().all(|column| layout.contains(column)), "{name}");
    }
}

#[test]
fn each_line_says_which_column_and_why() {
    let maine = suggestion("raw-hubs/maine-et-loire-2023.json.gz");
    let coordinates = maine.spec.coordinates.as_ref().expect("Lambert-93 columns");
    assert_eq!(
        (coordinates.projection, coordinates.x.as_str(), coordinates.y.as_str()),
        (Projection::Lambert93, "x", "y")
    );
    let line = maine.explanation(&LineKey::Coordinates).expect("explained");
    assert!(line.reason.contains("Lambert-93"), "{}", line.reason);
    assert_eq!(line.confidence, Confidence::High);
    let postcode = maine.explanation(&LineKey::Field("code_postal".into())).expect("explained");
    assert!(postcode.reason.contains("« CP »") && postcode.reason.contains("100 % des valeurs sont des codes postaux"));

    let hinaura = suggestion("raw-hubs/hinaura-raw-2023.json.gz");
    match &hinaura.spec.hours {
        Some(HoursSpec::PerDay { days }) => assert_eq!(days["lundi"], "Lundi"),
        other => panic!("{other:?}"),
    }
    assert!(hinaura.spec.derive_id.is_some(), "no id column in Hinaura's export");

    let vienne = suggestion("raw-hubs/haute-vienne-2023.json.gz");
    assert_eq!(
        vienne.spec.group.as_ref().map(|group| group.by.clone()),
        Some(vec!["nom_org".into(), "adresse".into(), "commune".into()])
    );
    // The address column ends with the postcode and town: split, and said so.
    let split = &vienne.spec.split[0];
    assert_eq!((split.column.as_str(), split.otherwise.as_deref()), ("adresse", Some("adresse")));
    assert!(vienne.explanation(&LineKey::Split(0)).unwrap().reason.contains("adresse suivie du code postal"));

    // Alternatives for a form: another column that could be the phone.
    let hub_lo = suggestion("raw-hubs/hub-lo-2023.json.gz");
    assert_eq!(
        hub_lo.spec.fields["telephone"],
        maillage_formats::mapping::ValueSpec::Columns(vec!["c_telephone".into(), "c_mobile".into()])
    );
    let services: Vec<&str> = hub_lo
        .spec
        .terms
        .iter()
        .filter(|term| term.field == "services")
        .filter_map(|term| term.value.as_deref())
        .collect();
    assert!(services.contains(&"Maîtrise des outils numériques du quotidien"), "{services:?}");
    let formation = hub_lo
        .spec
        .terms
        .iter()
        .position(|term| term.column.as_deref() == Some("c_formation"))
        .expect("a rule on the yes/no column c_formation");
    let why = hub_lo.explanation(&LineKey::Term(formation)).unwrap();
    assert!(why.reason.contains("réponses oui/non") && why.reason.contains("son nom évoque"), "{}", why.reason);
    let nom = hub_lo.explanation(&LineKey::Field("nom".into())).unwrap();
    assert!(nom.reason.contains("« c_nom »"), "{}", nom.reason);
}

#[test]
fn a_file_it_cannot_read_as_a_table_gets_a_french_reason() {
    let one_column = vec!["nom|adresse|commune".to_owned()];
    let rows = vec![maillage_formats::SourceRow {
        number: 2,
        values: vec![("nom|adresse|commune".to_owned(), "A|1 rue X|Blois".to_owned())],
        merged: Vec::new(),
    }];
    match suggest(&one_column, &rows, &SuggestOptions::default()) {
        Err(FormatError::Unreadable(message)) => assert!(message.contains("une seule colonne lue"), "{message}"),
        other => panic!("{other:?}"),
    }
    match suggest(&["a".to_owned(), "b".to_owned()], &[], &SuggestOptions::default()) {
        Err(FormatError::Unreadable(message)) => assert!(message.contains("aucune ligne"), "{message}"),
        other => panic!("{other:?}"),
    }
}
