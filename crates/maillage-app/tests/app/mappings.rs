//! The shipped mappings through the import: every export of `maillage-formats/tests/data`
//! with the territory's repairs (what an administrator's import gives), recognition of an
//! export from its columns, rows merged or skipped by a mapping, and files refused whole.

use std::path::PathBuf;

use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::places::import::preview;
use maillage_app::{import_file, AppError, ImportOptions};
use maillage_domain::Severity;
use maillage_formats::mapping::{shipped, Mapping};
use maillage_store::Store;
use maillage_store_sqlite::SqliteStore;
use maillage_territory::Territory;

fn data(path: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../maillage-formats/tests/data").join(path))
        .expect("data file")
}

fn territory() -> &'static Territory {
    static TERRITORY: std::sync::OnceLock<Territory> = std::sync::OnceLock::new();
    TERRITORY.get_or_init(Territory::embedded)
}

/// (mapping, file, rows read, kept, rejected) as an import with the territory gives them:
/// the territory fills communes and postcodes the rows lack (Épernay's two addresses without
/// postcode, Hinaura's two rows without postcode, most of Haute-Vienne's rows without postcode
/// but still without address), and an id met twice in a file is rejected the second time
/// (CNFS's later committee decisions, places listed twice in Corse, Fibre 64 and Hinaura).
const WITH_THE_TERRITORY: [(&str, usize, usize, usize); 17] = [
    ("aidants-connect", 5227, 5180, 47),
    ("cnfs-structures", 2889, 2824, 65),
    ("corse", 161, 151, 10),
    ("epernay", 39, 39, 0),
    ("etapes-numerique", 95, 95, 0),
    ("fibre-64", 61, 56, 5),
    ("france-services", 2683, 2657, 26),
    ("haute-vienne", 561, 151, 58),
    ("hinaura", 1171, 1159, 12),
    ("hub-lo", 426, 425, 1),
    ("la-creuse", 91, 89, 2),
    ("maine-et-loire", 243, 222, 21),
    ("mulhouse", 55, 55, 0),
    ("nouvelle-caledonie", 92, 92, 0),
    ("numi", 757, 757, 0),
    ("paca-regionsud", 1245, 1240, 5),
    ("ultra-num", 155, 155, 0),
];

#[test]
fn every_export_with_the_territory_is_accounted_for() {
    for ((name, path), (expected, read, kept, rejected)) in EXPORTS.iter().zip(WITH_THE_TERRITORY) {
        assert_eq!(name, &expected);
        let mapping = shipped::mapping(name).expect("shipped");
        let preview = preview(&data(path), path, &mapping, Some(territory()), 0).expect("readable");
        assert_eq!((preview.read, preview.kept, preview.rejected), (read, kept, rejected), "{name}");
        assert_eq!(preview.read, preview.kept + preview.rejected + preview.merged, "{name}: every row accounted for");
        assert!(preview.file_problems.is_empty(), "{name}: {:?}", preview.file_problems);
        // Every rejected row says why.
        assert!(preview.rejections.values().sum::<usize>() >= rejected, "{name}");
    }
}

#[test]
fn missing_communes_and_postcodes_come_from_the_territory() {
    let epernay = shipped::mapping("epernay").unwrap();
    let repaired =
        preview(&data("raw-hubs/epernay-2023.json.gz"), "epernay.json.gz", &epernay, Some(territory()), 40).unwrap();
    // "1 Rue Camille Soudant" (Athis) and "Belle Noue, Épernay, Marne…": no postcode in the
    // address; the coordinates give the commune, which has one postcode.
    let athis = repaired.rows.iter().find(|row| row.row == 10).unwrap();
    let record = athis.record.as_ref().expect("kept");
    assert_eq!((record.commune.as_str(), record.code_postal.as_str()), ("Athis", "51150"));
    assert!(athis.problems.iter().any(|p| p.field == "commune" && p.reason.contains("déduite des coordonnées")));
    assert!(athis.problems.iter().any(|p| p.field == "code_postal" && p.reason.contains("celui de la commune Athis")));

    // Without the territory, the same rows are rejected.
    let bare =
        maillage_formats::preview::preview(&data("raw-hubs/epernay-2023.json.gz"), "e.json.gz", &epernay, None, 0)
            .unwrap();
    assert_eq!((bare.kept, bare.rejected), (37, 2));

    // A commune with several postcodes cannot give one: the row stays rejected, and says why.
    let corse = shipped::mapping("corse").unwrap();
    let corse = preview(&data("raw-hubs/corse-2023.json.gz"), "corse.json.gz", &corse, Some(territory()), 200).unwrap();
    let several = corse
        .rows
        .iter()
        .flat_map(|row| &row.problems)
        .filter(|p| p.field == "code_postal" && p.reason.contains("en a plusieurs"))
        .count();
    assert_eq!(several, 1);
}

fn import(store: &SqliteStore, path: &str, mapping: Option<&Mapping>) -> Result<maillage_app::ImportReport, AppError> {
    let candidates = shipped::all();
    let options =
        ImportOptions { mapping, candidates: &candidates, territory: Some(territory()), ..ImportOptions::default() };
    import_file(&Context::new(store), &operator(), &data(path), path, &options)
}

#[test]
fn an_export_is_recognised_from_its_columns_and_said_so() {
    let store = SqliteStore::in_memory().unwrap();
    let report = import(&store, "raw-hubs/epernay-2023.json.gz", None).expect("imported");
    let recognised = report.recognised.clone().expect("recognised");
    assert_eq!(recognised.name, "epernay");
    assert!(recognised.how.contains("colonnes en commun"), "{}", recognised.how);
    assert_eq!(report.batch.source, "epernay");
    assert_eq!((report.batch.counts.read, report.batch.counts.created, report.batch.counts.rejected), (39, 39, 0));
    let note = &report.lines[0];
    assert_eq!((note.row, note.problem.severity, note.problem.value.as_str()), (0, Severity::Info, "epernay"));
    assert!(note.problem.reason.contains("correspondance « epernay » reconnue"), "{}", note.problem.reason);
    // The report kept in the store says it too.
    let stored = store.batch_report(&report.batch.id).unwrap();
    assert!(stored.iter().any(|line| line.problem.reason.contains("reconnue d'après les colonnes")));

    // A file of the standard is not taken for any export.
    let standard = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures/lieux/le-havre-2024.json.gz"),
    )
    .unwrap();
    let candidates = shipped::all();
    let options = ImportOptions { candidates: &candidates, territory: Some(territory()), ..ImportOptions::default() };
    let report = import_file(&Context::new(&store), &operator(), &standard, "le-havre-2024.json.gz", &options).unwrap();
    assert_eq!(report.recognised, None);
    assert_eq!(report.batch.source, "le-havre-2024");
}

#[test]
fn grouped_rows_are_read_once_and_skipped_rows_say_why() {
    let store = SqliteStore::in_memory().unwrap();
    let report = import(&store, "raw-hubs/haute-vienne-2023.json.gz", None).expect("imported");
    assert_eq!(report.recognised.as_ref().map(|found| found.name.as_str()), Some("haute-vienne"));
    let counts = &report.batch.counts;
    // 561 rows read, 209 places: 151 created, 58 rejected.
    assert_eq!((counts.read, counts.created, counts.rejected), (561, 151, 58));
    assert_eq!(report.lines.iter().filter(|line| line.problem.reason.contains("regroupées en une fiche")).count(), 144);

    let report = import(&store, "raw-hubs/maine-et-loire-2023.json.gz", None).expect("imported");
    assert_eq!((report.batch.counts.read, report.batch.counts.created, report.batch.counts.rejected), (243, 222, 21));
    let skipped: Vec<_> =
        report.lines.iter().filter(|line| line.problem.reason.contains("écartée par la correspondance")).collect();
    assert_eq!(skipped.len(), 18);
    assert!(skipped.iter().all(|line| line.problem.severity == Severity::Error && line.row > 0));
}

#[test]
fn a_mapping_naming_a_column_the_file_lacks_changes_nothing() {
    let store = SqliteStore::in_memory().unwrap();
    let text = shipped::text("la-creuse").unwrap().replace("telephone = \"téléphone\"", "telephone = \"tél\"");
    let mapping = Mapping::from_toml(&text).unwrap();
    match import(&store, "raw-hubs/la-creuse-2023.json.gz", Some(&mapping)) {
        Err(AppError::Input(message)) => {
            assert!(message.contains("« tél » (telephone)"), "{message}");
            assert!(message.contains("Rien n'a été importé"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(store.batches().unwrap().is_empty());
    assert_eq!(store.source_stats().unwrap().len(), 0);
}

#[test]
fn a_one_column_file_and_a_binary_file_change_nothing() {
    let store = SqliteStore::in_memory().unwrap();
    let options = ImportOptions { territory: Some(territory()), ..ImportOptions::default() };
    let one_column = "nom|adresse|commune\nMédiathèque|1 rue X|Blois\n";
    match import_file(&Context::new(&store), &operator(), one_column.as_bytes(), "lieux.csv", &options) {
        Err(AppError::Input(message)) => assert!(message.contains("une seule colonne lue"), "{message}"),
        other => panic!("{other:?}"),
    }
    let binary = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d];
    match import_file(&Context::new(&store), &operator(), &binary, "lieux.csv", &options) {
        Err(AppError::Format(err)) => assert!(err.to_string().contains("pas un fichier texte CSV ou JSON"), "{err}"),
        other => panic!("{other:?}"),
    }
    assert!(store.batches().unwrap().is_empty());
}

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

/// The machine's operator, as the CLI imports.
fn operator() -> Actor {
    Actor::System("tests".to_owned())
}
