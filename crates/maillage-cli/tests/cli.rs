//! End-to-end tests of the `maillage` command on the real files kept in `data/fixtures/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    repo().join("data/fixtures/lieux").join(name)
}

fn maillage(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_maillage"))
        .arg("--db")
        .arg(db)
        .arg("--no-demo")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Imports a file and returns the batch as JSON.
fn import(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["import", "--json"];
    all.extend_from_slice(args);
    let output = maillage(db, &all);
    assert!(output.status.success(), "import failed: {}{}", stdout(&output), stderr(&output));
    let line = stdout(&output).lines().next().unwrap_or_default().to_owned();
    serde_json::from_str(&line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"))
}

fn counts(batch: &Value) -> [u64; 7] {
    let c = &batch["counts"];
    ["read", "created", "updated", "unchanged", "rejected", "withdrawn", "restored"].map(|key| c[key].as_u64().unwrap())
}

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("test.db");
    (dir, db)
}

fn report_rows(path: &Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader.records().map(Result::unwrap).collect()
}

/// Every real file imports; every row is read, and each is created or rejected with a reason.
#[test]
fn every_real_file_is_accounted_for() {
    // (file, rows, created, rejected)
    let expected: &[(&str, u64, u64, u64)] = &EXPECTED_COUNTS;
    let (dir, db) = temp_db();
    for (name, rows, created, rejected) in expected {
        let report = dir.path().join(format!("{name}.report.csv"));
        let batch = import(&db, &[fixture(name).to_str().unwrap(), "--report", report.to_str().unwrap()]);
        let [read, made, updated, unchanged, refused, withdrawn, restored] = counts(&batch);
        assert_eq!((read, made, refused), (*rows, *created, *rejected), "{name}");
        assert_eq!(read, made + updated + unchanged + refused, "{name}: every row accounted for");
        assert_eq!((withdrawn, restored), (0, 0));
        // Every rejected row has at least one error line naming its row.
        let lines = report_rows(&report);
        let rejected_rows: std::collections::BTreeSet<&str> =
            lines.iter().filter(|line| &line[2] == "erreur").map(|line| line.get(0).unwrap()).collect();
        assert_eq!(rejected_rows.len() as u64, *rejected, "{name}: one error line per rejected row at least");
    }
}

const EXPECTED_COUNTS: [(&str, u64, u64, u64); 6] = [
    ("aix-en-provence-2024.json.gz", 38, 38, 0),
    ("cnfs-lieux-2022-07.json.gz", 2733, 2731, 2),
    ("cnfs-lieux-2022-12.json.gz", 4930, 4930, 0),
    ("data-inclusion-lieux-2023.json.gz", 3811, 3811, 0),
    ("le-havre-2024.json.gz", 80, 79, 1),
    ("mednum-hub-antilles-2023.json.gz", 165, 164, 1),
];

#[test]
fn hub_lo_export_imports_through_its_mapping() {
    let (_dir, db) = temp_db();
    let mapping = repo().join("mappings/hub-lo.toml");
    let data = repo().join("data/demo/hub-lo-2023.json.gz");
    let batch = import(&db, &[data.to_str().unwrap(), "--mapping", mapping.to_str().unwrap()]);
    let [read, created, _, _, rejected, _, _] = counts(&batch);
    assert_eq!(read, 426);
    // Row 345 has no address at all.
    assert_eq!((created, rejected), (425, 1));
    assert_eq!(batch["source"], "hub-lo");
}

/// Export everything, validate it with the standard's schema, re-import it: same records.
#[test]
fn export_validates_and_round_trips() {
    let (dir, db) = temp_db();
    for name in [
        "data-inclusion-lieux-2023.json.gz",
        "le-havre-2024.json.gz",
        "mednum-hub-antilles-2023.json.gz",
        "aix-en-provence-2024.json.gz",
    ] {
        import(&db, &[fixture(name).to_str().unwrap()]);
    }
    let mapping = repo().join("mappings/hub-lo.toml");
    import(
        &db,
        &[repo().join("data/demo/hub-lo-2023.json.gz").to_str().unwrap(), "--mapping", mapping.to_str().unwrap()],
    );
    for format in ["csv", "json"] {
        let out = dir.path().join(format!("export.{format}"));
        let output = maillage(&db, &["export", "--format", format, "--out", out.to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
        let validation = maillage(&db, &["validate", out.to_str().unwrap()]);
        assert!(validation.status.success(), "export {format} invalid: {}", stdout(&validation));
    }
    let geojson = dir.path().join("export.geojson");
    assert!(maillage(&db, &["export", "--format", "geojson", "--out", geojson.to_str().unwrap()]).status.success());
    let parsed: Value = serde_json::from_slice(&std::fs::read(&geojson).unwrap()).unwrap();
    assert_eq!(parsed["type"], "FeatureCollection");

    // Re-import the CSV export into another database: every exported record comes back equal.
    let (_dir2, db2) = temp_db();
    let csv_export = dir.path().join("export.csv");
    let batch = import(&db2, &[csv_export.to_str().unwrap(), "--source", "retour"]);
    let [read, created, _, _, rejected, _, _] = counts(&batch);
    assert_eq!(rejected, 0);
    assert_eq!(read, created);
    let again = dir.path().join("again.csv");
    assert!(maillage(&db2, &["export", "--format", "csv", "--out", again.to_str().unwrap()]).status.success());
    let first = exported_without_ids(&csv_export);
    let second = exported_without_ids(&again);
    assert_eq!(first.len(), second.len());
    assert_eq!(first, second, "import → export → import gives the same records");
}

/// The exported rows keyed by the id they carried, without the registry id column.
fn exported_without_ids(path: &Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(Result::unwrap)
        .map(|row| {
            (row.iter().skip(1).collect::<Vec<_>>().join("\u{1f}"), row.iter().skip(1).map(str::to_owned).collect())
        })
        .collect()
}

#[test]
fn the_standard_example_round_trips() {
    let (dir, db) = temp_db();
    let example = repo().join("data/standard/exemple-valide-1.0.2.csv");
    assert!(maillage(&db, &["validate", example.to_str().unwrap()]).status.success());
    let batch = import(&db, &[example.to_str().unwrap()]);
    assert_eq!(counts(&batch)[1], 1);
    let out = dir.path().join("out.csv");
    assert!(maillage(&db, &["export", "--out", out.to_str().unwrap()]).status.success());
    let original = report_rows(&example);
    let exported = report_rows(&out);
    assert_eq!(exported.len(), 1);
    for (index, (a, b)) in original[0].iter().zip(exported[0].iter()).enumerate().skip(1) {
        // Multi-valued fields are sets: the standard gives no order, the export uses its list's.
        let as_set = |text: &str| text.split('|').map(str::to_owned).collect::<std::collections::BTreeSet<_>>();
        assert_eq!(as_set(a), as_set(b), "column {index}");
    }
}

#[test]
fn reimport_updates_and_prune_withdraws() {
    let (_dir, db) = temp_db();
    let first = import(&db, &[fixture("cnfs-lieux-2022-07.json.gz").to_str().unwrap(), "--source", "cnfs"]);
    assert_eq!(counts(&first)[1], 2731);
    let again = import(&db, &[fixture("cnfs-lieux-2022-07.json.gz").to_str().unwrap(), "--source", "cnfs"]);
    assert_eq!(counts(&again)[3], 2731, "same file again: everything unchanged");
    let newer = import(&db, &[fixture("cnfs-lieux-2022-12.json.gz").to_str().unwrap(), "--source", "cnfs", "--prune"]);
    let [read, created, updated, unchanged, rejected, withdrawn, _] = counts(&newer);
    assert_eq!(read, 4930);
    assert_eq!(created + updated + unchanged + rejected, read);
    assert!(updated > 0 && created > 0 && withdrawn > 0, "{newer}");
    let stats = stdout(&maillage(&db, &["stats"]));
    assert!(stats.contains(&format!("{withdrawn} retirés")), "{stats}");
}

#[test]
fn a_failed_import_changes_nothing() {
    let (dir, db) = temp_db();
    import(&db, &[fixture("le-havre-2024.json.gz").to_str().unwrap(), "--source", "havre"]);
    let before = stdout(&maillage(&db, &["places", "--all"]));
    // Valid objects first, then a syntax error: the rows read before it must not be written.
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r#"[{"id":"1","nom":"A","commune":"B","code_postal":"75001","adresse":"1 rue","date_maj":"2024-01-01"},{"id":"2", oops}]"#).unwrap();
    let output = maillage(&db, &["import", broken.to_str().unwrap(), "--source", "havre", "--prune"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("JSON invalide"), "{}", stderr(&output));
    assert_eq!(stdout(&maillage(&db, &["places", "--all"])), before);
}

#[test]
fn bad_inputs_get_clear_messages() {
    let (dir, db) = temp_db();
    let missing = maillage(&db, &["import", "/nonexistent/file.csv"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("lecture de /nonexistent/file.csv impossible"));

    let mapping = dir.path().join("bad.toml");
    std::fs::write(&mapping, "this is not = [toml").unwrap();
    let bad_mapping = maillage(
        &db,
        &["import", fixture("le-havre-2024.json.gz").to_str().unwrap(), "--mapping", mapping.to_str().unwrap()],
    );
    assert_eq!(bad_mapping.status.code(), Some(2));
    assert!(stderr(&bad_mapping).contains("bad.toml"), "{}", stderr(&bad_mapping));

    // A hub's export that no shipped mapping knows: refused, with the way forward.
    let raw = dir.path().join("export-inconnu.csv");
    std::fs::write(&raw, "Intitulé;Voie;Localité\nMédiathèque;1 rue X;Blois\n").unwrap();
    let no_mapping = maillage(&db, &["import", raw.to_str().unwrap()]);
    assert_eq!(no_mapping.status.code(), Some(2));
    assert!(stderr(&no_mapping).contains("--mapping"), "{}", stderr(&no_mapping));
    assert!(stderr(&no_mapping).contains("maillage mapping suggest"), "{}", stderr(&no_mapping));

    let format = maillage(&db, &["export", "--format", "xlsx"]);
    assert!(stderr(&format).contains("format inconnu"));
    // Nothing was written by any of these.
    assert_eq!(stdout(&maillage(&db, &["imports"])), "");
}

/// What the system or a library says in English reaches no message, and what a file holds
/// is shown escaped: a control character never reaches the terminal raw.
#[test]
fn messages_are_french_and_what_files_hold_is_escaped() {
    let (dir, db) = temp_db();
    let english = ["No such file", "os error", "EOF while parsing", "expected", "Permission denied"];
    let french_only = |output: &Output, said: &str| {
        let text = stderr(output);
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert!(text.contains(said), "« {said} » attendu : {text}");
        for words in english {
            assert!(!text.contains(words), "« {words} » in {text}");
        }
    };
    let missing = maillage(&db, &["import", "/nonexistent/file.csv"]);
    french_only(&missing, "lecture de /nonexistent/file.csv impossible : fichier ou dossier introuvable");
    let truncated = dir.path().join("tronque.json");
    std::fs::write(&truncated, r#"[{"id":"1","nom":"A""#).unwrap();
    let output = maillage(&db, &["import", truncated.to_str().unwrap()]);
    french_only(&output, "JSON invalide : le texte s'arrête avant la fin (ligne 1, colonne 20)");
    let output = maillage(&db, &["export", "--out", "/nonexistent/dossier/lieux.csv"]);
    french_only(&output, "création de /nonexistent/dossier/lieux.csv impossible : fichier ou dossier introuvable");
    let output = maillage(&db, &["restore", "/nonexistent/sauvegarde.gz"]);
    french_only(&output, "lecture de /nonexistent/sauvegarde.gz impossible");
    let mapping = dir.path().join("bad.toml");
    std::fs::write(&mapping, "this is not = [toml").unwrap();
    let output = maillage(&db, &["import", truncated.to_str().unwrap(), "--mapping", mapping.to_str().unwrap()]);
    french_only(&output, "bad.toml : fichier de correspondance invalide : ligne 1 : syntaxe TOML incorrecte");

    // A header and a value that would retitle the terminal and clear it.
    let evil = dir.path().join("evil.csv");
    std::fs::write(
        &evil,
        "id,nom,commune,code_postal,adresse,\x1b]0;PWNED\x07\x1b[2J\nx1,Tiers-lieu\x1b[8m,Bourges,18000,2 rue Moyenne,a\x1b[31mb\n",
    )
    .unwrap();
    let validated = maillage(&db, &["validate", evil.to_str().unwrap()]);
    let imported = maillage(&db, &["import", evil.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let listed = maillage(&db, &["places"]);
    let id = stdout(&listed).split('\t').next().unwrap().to_owned();
    let shown = maillage(&db, &["show", &id]);
    let bassins = maillage(&db, &["bassins", "import", evil.to_str().unwrap()]);
    for output in [&validated, &imported, &listed, &shown, &bassins] {
        let printed = format!("{}{}", stdout(output), stderr(output));
        assert!(!printed.contains('\x1b') && !printed.contains('\x07'), "raw control characters: {printed:?}");
    }
    assert!(stdout(&validated).contains(r"\x1b]0;PWNED\x07\x1b[2J"), "{}", stdout(&validated));
    assert!(stdout(&listed).contains(r"Tiers-lieu\x1b[8m"), "{}", stdout(&listed));
    assert!(stdout(&shown).contains(r"\x1b]0;PWNED\x07\x1b[2J : a\x1b[31mb"), "{}", stdout(&shown));
}

#[test]
fn first_start_loads_the_demo() {
    let (_dir, db) = temp_db();
    let output = first_start(&db);
    assert!(output.status.success());
    assert!(stderr(&output).contains("démonstration"), "{}", stderr(&output));
    assert!(stdout(&output).contains("hub-lo"), "{}", stdout(&output));
}

/// `maillage stats` on a new database, the demo allowed: the first start loads it.
fn first_start(db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_maillage"))
        .arg("--db")
        .arg(db)
        .arg("stats")
        .env_remove("MAILLAGE_NO_DEMO")
        .output()
        .unwrap()
}

fn demo_db() -> (tempfile::TempDir, PathBuf) {
    let (dir, db) = temp_db();
    let output = first_start(&db);
    assert!(output.status.success(), "{}", stderr(&output));
    (dir, db)
}

#[test]
fn territory_queries() {
    let (_dir, db) = temp_db();
    let stats = stdout(&maillage(&db, &["territory", "stats"]));
    for expected in
        ["communes         34969", "EPCI              1255", "départements       109", "régions             26"]
    {
        assert!(stats.contains(expected), "{stats}");
    }
    let search = stdout(&maillage(&db, &["territory", "search", "st etienne", "--limit", "1"]));
    assert!(search.starts_with("42218\tSaint-Étienne"), "{search}");
    let by_postcode = stdout(&maillage(&db, &["territory", "search", "18000", "--limit", "1"]));
    assert!(by_postcode.starts_with("18033\tBourges"), "{by_postcode}");
    let at = stdout(&maillage(&db, &["territory", "at", "47.0810", "2.3988"]));
    assert!(
        at.contains("18033 Bourges")
            && at.contains("241800507 CA Bourges Plus")
            && at.contains("24 Centre-Val de Loire"),
        "{at}"
    );
    // A point at sea is in no commune: a clear message, not a crash.
    let sea = maillage(&db, &["territory", "at", "46.0", "-5.0"]);
    assert_eq!(sea.status.code(), Some(2));
    assert!(stderr(&sea).contains("aucune commune"));
}

/// The demo: the hub's places all land in its six départements, its bassins cover them
/// exactly once, and places sit in the bassin their export names except where the export
/// itself disagrees with the EPCI majority.
#[test]
fn demo_places_land_in_their_territory() {
    let (dir, db) = demo_db();
    let counts = stdout(&maillage(&db, &["territory", "counts", "--level", "departement"]));
    let per_departement: Vec<(&str, usize)> = counts
        .lines()
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            (cells[0], cells[2].parse().unwrap())
        })
        .collect();
    assert_eq!(per_departement, vec![("18", 76), ("28", 52), ("36", 39), ("37", 74), ("41", 87), ("45", 97)]);
    let check = maillage(&db, &["bassins", "check"]);
    assert!(check.status.success(), "{}", stdout(&check));
    assert!(stdout(&check).contains("Couverture complète"));
    let compare = stdout(&maillage(&db, &["bassins", "compare", "--source", "hub-lo"]));
    assert!(
        compare.contains("407 lieux dans le bassin indiqué par la source, 11 ailleurs, 7 sans bassin indiqué."),
        "{compare}"
    );
    let bassins = stdout(&maillage(&db, &["territory", "counts", "--level", "bassin"]));
    assert_eq!(bassins.lines().count(), 23, "{bassins}");

    // Exports of one territory at any level.
    let in_bourges: usize = bassins
        .lines()
        .find(|line| line.starts_with("Bourges\t"))
        .unwrap()
        .rsplit('\t')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    for (area, expected) in
        [("bassin:Bourges", in_bourges), ("18", 76), ("region:24", 425), ("epci:241800507,departement:36", 0)]
    {
        let out = dir.path().join("area.csv");
        let output = maillage(&db, &["export", "--territory", area, "--out", out.to_str().unwrap()]);
        assert!(output.status.success(), "{area}: {}", stderr(&output));
        let rows = report_rows(&out).len();
        if expected > 0 {
            assert_eq!(rows, expected, "{area}");
        } else {
            assert!(rows > 39, "{area}: {rows}");
        }
    }
    let unknown = maillage(&db, &["export", "--territory", "bassin:Atlantide"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("territoire inconnu : « bassin:Atlantide »"), "{}", stderr(&unknown));

    // Bassins round-trip through CSV; a bad file is refused with its line and changes nothing.
    let exported = dir.path().join("bassins.csv");
    assert!(maillage(&db, &["bassins", "export", "--out", exported.to_str().unwrap()]).status.success());
    assert!(maillage(&db, &["bassins", "import", exported.to_str().unwrap()]).status.success());
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "bassin,departement,type,code\nBourges,18,epci,241800507\nBourges,18,epci,999999999\n")
        .unwrap();
    let refused = maillage(&db, &["bassins", "import", bad.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("ligne 3, champ code"), "{}", stderr(&refused));
    assert_eq!(stdout(&maillage(&db, &["territory", "counts", "--level", "bassin"])), bassins);
}

/// Importing places the records in their communes: a missing INSEE code is filled from the
/// postcode and name, and coordinates far from the declared commune are flagged.
#[test]
fn import_places_records_in_their_commune() {
    let (dir, db) = temp_db();
    let file = dir.path().join("lieux.csv");
    std::fs::write(
        &file,
        "id,nom,commune,code_postal,adresse,latitude,longitude,date_maj\n\
         a,Médiathèque,ST ETIENNE,42000,1 rue X,45.4397,4.3872,2024-01-01\n\
         b,EPN,Bourges,18000,2 rue Y,50.6292,3.0573,2024-01-01\n\
         c,Mairie,Marseille 11,13011,3 rue Z,,,2024-01-01\n",
    )
    .unwrap();
    let report = dir.path().join("report.csv");
    import(&db, &[file.to_str().unwrap(), "--report", report.to_str().unwrap()]);
    let lines: Vec<String> = report_rows(&report).iter().map(|row| row.iter().collect::<Vec<_>>().join("|")).collect();
    let has = |needle: &str| lines.iter().any(|line| line.contains(needle));
    assert!(has("code INSEE déduit du code postal et du nom de la commune (Saint-Étienne)"), "{lines:#?}");
    assert!(has("de Bourges (18033), dans la commune Lille (59350) : à vérifier"), "{lines:#?}");
    assert!(has("position approchée"), "{lines:#?}");
    let exported = dir.path().join("out.csv");
    assert!(maillage(&db, &["export", "--out", exported.to_str().unwrap()]).status.success());
    let rows = report_rows(&exported);
    let codes: Vec<&str> = rows.iter().map(|row| row.get(5).unwrap()).collect();
    assert_eq!(codes, vec!["42218", "18033", "13055"]);
    let counts = stdout(&maillage(&db, &["territory", "counts", "--level", "region"]));
    assert!(
        counts.contains("84\tAuvergne-Rhône-Alpes\t1")
            && counts.contains("24\tCentre-Val de Loire\t1")
            && counts.contains("93\tProvence-Alpes-Côte d'Azur\t1"),
        "{counts}"
    );
}

/// Indicators: the demo's fragility index, aggregated; any CSV imported with its problems
/// reported by line; an unusable file changes nothing.
#[test]
fn indicators_import_and_aggregate() {
    let (dir, db) = demo_db();
    let list = stdout(&maillage(&db, &["indicators", "list"]));
    assert!(list.contains("ifn\tcommune\t34867 valeurs") && list.contains("ifn\tepci\t1250 valeurs"), "{list}");
    let by_departement = stdout(&maillage(&db, &["indicators", "show", "ifn", "--by", "departement"]));
    assert!(by_departement.lines().any(|line| line.starts_with("18 ") && line.contains("6,13")), "{by_departement}");
    let by_bassin = stdout(&maillage(&db, &["indicators", "show", "ifn", "--by", "bassin"]));
    assert_eq!(by_bassin.lines().filter(|line| line.contains("communes")).count(), 23, "{by_bassin}");

    // The commune indicator « essai », imported from `file`.
    let import_essai = |file: &Path| {
        let path = file.to_str().unwrap();
        maillage(&db, &["indicators", "import", path, "--level", "commune", "--code-column", "code", "--name", "essai"])
    };
    let file = dir.path().join("valeurs.csv");
    std::fs::write(&file, "code;valeur\n75101;2,5\n18033;4\n99999;3\n36044;abc\n").unwrap();
    let output = import_essai(&file);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("valeurs enregistrées : 2"), "{text}");
    assert!(text.contains("ligne 4, code : « 99999 »"), "{text}");
    assert!(text.contains("ligne 5, valeur : « abc »"), "{text}");

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "code,valeur\n99999,3\n").unwrap();
    let refused = import_essai(&bad);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("rien n'a été enregistré"), "{}", stderr(&refused));
    assert!(stdout(&maillage(&db, &["indicators", "list"])).contains("essai\tcommune\t2 valeurs"));
}

/// A throw-away PostgreSQL database on the server `MAILLAGE_TEST_POSTGRES` names, dropped
/// with the guard (also when the test fails). `None`, after saying so, without a server.
struct ThrowawayPostgres {
    server: String,
    name: String,
    url: PathBuf,
}

impl ThrowawayPostgres {
    fn create(test: &str) -> Option<Self> {
        let Ok(server) = std::env::var("MAILLAGE_TEST_POSTGRES") else {
            eprintln!("{test} : ignoré, MAILLAGE_TEST_POSTGRES n'est pas définie");
            return None;
        };
        let name = format!("maillage_cli_{}_{test}", std::process::id());
        let mut admin = postgres::Client::connect(&server, postgres::NoTls).expect("the test server answers");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = server.rsplit_once('/').expect("MAILLAGE_TEST_POSTGRES ends with a database name").0;
        let url = PathBuf::from(format!("{base}/{name}"));
        Some(ThrowawayPostgres { server, name, url })
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// The same commands on PostgreSQL (`--db postgres://…`) give the same registry as on SQLite.
/// Runs when `MAILLAGE_TEST_POSTGRES` names a server; a throw-away database is made and dropped.
#[test]
fn postgres_backend_gives_the_same_export() {
    let Some(database) = ThrowawayPostgres::create("same_export") else { return };
    let (dir, sqlite) = temp_db();
    let pg = database.url.clone();
    for db in [&sqlite, &pg] {
        let batch = import(db, &[fixture("le-havre-2024.json.gz").to_str().unwrap(), "--source", "havre"]);
        assert_eq!(counts(&batch)[1], 79);
    }
    let mut exports = Vec::new();
    for (db, file) in [(&sqlite, "sqlite.csv"), (&pg, "pg.csv")] {
        let out = dir.path().join(file);
        assert!(maillage(db, &["export", "--out", out.to_str().unwrap()]).status.success());
        exports.push(exported_without_ids(&out));
    }
    let stats = stdout(&maillage(&pg, &["stats"]));
    assert_eq!(exports[0], exports[1]);
    assert!(stats.contains("havre") && stats.contains("79 actifs"), "{stats}");
}

/// Coverage of the demo territory: per bassin with the priority score, per commune as CSV and
/// GeoJSON; a bad filter or level is refused with a clear message.
#[test]
fn coverage_outputs() {
    let (dir, db) = demo_db();
    let table = stdout(&maillage(&db, &["coverage", "--level", "bassin", "--priority"]));
    assert!(table.contains("425 lieux retenus, 1754 communes étudiées"), "{table}");
    assert!(table.lines().nth(2).unwrap_or_default().starts_with("La Châtre"), "{table}");
    assert!(table.contains("score = 100 × (0,5·d + 0,3·f + 0,2·p)"), "{table}");

    let csv_out = dir.path().join("communes.csv");
    let output = maillage(
        &db,
        &["coverage", "--level", "commune", "--priority", "--limit", "10", "--out", csv_out.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = report_rows(&csv_out);
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0].get(0), Some("36192"), "Saint-Gaultier first: {:?}", rows[0]);

    let geojson = dir.path().join("departements.geojson");
    assert!(maillage(&db, &["coverage", "--level", "departement", "--out", geojson.to_str().unwrap()])
        .status
        .success());
    let parsed: Value = serde_json::from_slice(&std::fs::read(&geojson).unwrap()).unwrap();
    assert_eq!(parsed["features"].as_array().unwrap().len(), 6);
    assert_eq!(parsed["features"][0]["geometry"]["type"], "MultiPolygon");

    let filtered = stdout(&maillage(
        &db,
        &["coverage", "--level", "region", "--filter", "label=France Services", "--filter", "jour=samedi"],
    ));
    assert!(filtered.contains("filtres : label=France Services, jour=samedi"), "{filtered}");

    let bad = maillage(&db, &["coverage", "--filter", "couleur=bleu"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("filtre invalide"), "{}", stderr(&bad));
    let bad_level = maillage(&db, &["coverage", "--level", "canton"]);
    assert!(stderr(&bad_level).contains("niveau inconnu"));
}

/// Builds a large places file (the fixtures replicated with new ids) for crash tests.
fn large_input(dir: &Path, copies: usize) -> PathBuf {
    use std::io::Read as _;
    let mut rows: Vec<Value> = Vec::new();
    for name in ["cnfs-lieux-2022-12.json.gz", "data-inclusion-lieux-2023.json.gz"] {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(fixture(name)).unwrap()).read_to_string(&mut text).unwrap();
        let items: Vec<Value> = serde_json::from_str(&text).unwrap();
        rows.extend(items);
    }
    let mut out = Vec::new();
    for copy in 0..copies {
        for (index, row) in rows.iter().enumerate() {
            let mut row = row.clone();
            row["id"] = Value::String(format!("c{copy}-{index}"));
            out.push(row);
        }
    }
    let path = dir.join("large.json");
    std::fs::write(&path, serde_json::to_vec(&out).unwrap()).unwrap();
    path
}

fn places_of(db: &Path, source: &str) -> usize {
    stdout(&maillage(db, &["places", "--all", "--source", source])).lines().count()
}

/// Kills `maillage import` (SIGKILL) at varied moments of a large import: afterwards the
/// database opens, still holds what was committed before, and holds the killed import either
/// whole or not at all — never part of it.
fn kill_during_import(db: &Path, dir: &Path) {
    let small = import(db, &[fixture("le-havre-2024.json.gz").to_str().unwrap(), "--source", "havre"]);
    let committed = counts(&small)[1] as usize;
    let large = large_input(dir, 3);
    let expected = 3 * (4930 + 3811);
    // Varied moments, from the start of the reading to the commit; a pseudo-random jitter
    // (printed) moves them from run to run.
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_millis() as u64;
    eprintln!("kill test seed {seed}");
    let mut completed = 0;
    for (round, base_ms) in [50u64, 300, 800, 1500, 2500, 3300, 3800, 4200].into_iter().enumerate() {
        let jitter =
            (seed.wrapping_mul(6364136223846793005).wrapping_add(round as u64 * 1442695040888963407) >> 33) % 200;
        let mut child = Command::new(env!("CARGO_BIN_EXE_maillage"))
            .arg("--db")
            .arg(db)
            .args(["--no-demo", "import", large.to_str().unwrap(), "--source", "grand"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(base_ms + jitter));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let found = places_of(db, "grand");
        assert!(
            found == 0 || found == expected,
            "round {round}: {found} places of the killed import (0 or {expected} expected)"
        );
        if status.success() || found == expected {
            completed += 1;
        }
        assert_eq!(places_of(db, "havre"), committed, "round {round}: committed data intact");
        let batches = stdout(&maillage(db, &["imports"]));
        assert_eq!(
            batches.lines().filter(|line| line.contains("\tgrand\t")).count(),
            usize::from(found == expected),
            "{batches}"
        );
        if found == expected {
            break;
        }
    }
    eprintln!("kill test: {completed} import(s) completed before the kill");
    // Left alone, the same import completes whole.
    if completed == 0 {
        let batch = import(db, &[large.to_str().unwrap(), "--source", "grand"]);
        assert_eq!(counts(&batch)[1] as usize, expected);
    }
    assert_eq!(places_of(db, "grand"), expected);
    assert_eq!(places_of(db, "havre"), committed);
}

#[test]
fn a_killed_import_leaves_all_or_nothing_on_sqlite() {
    let (dir, db) = temp_db();
    kill_during_import(&db, dir.path());
}

#[test]
fn a_killed_import_leaves_all_or_nothing_on_postgres() {
    let Some(database) = ThrowawayPostgres::create("kill") else { return };
    let dir = tempfile::tempdir().unwrap();
    kill_during_import(&database.url, dir.path());
}

/// Backups move a hub between backends: SQLite → backup → (PostgreSQL when available) →
/// backup → SQLite gives the same registry; a backup is never restored over existing data.
#[test]
fn backup_and_restore_between_backends() {
    let (dir, source) = demo_db();
    import(&source, &[fixture("le-havre-2024.json.gz").to_str().unwrap(), "--source", "havre"]);
    let first = dir.path().join("first.maillage.gz");
    assert!(maillage(&source, &["backup", "--out", first.to_str().unwrap()]).status.success());

    let refused = maillage(&source, &["restore", first.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("n'est pas vide"), "{}", stderr(&refused));

    let postgres = ThrowawayPostgres::create("backup");
    let middle = postgres.as_ref().map(|database| database.url.clone()).unwrap_or_else(|| dir.path().join("middle.db"));
    let restored = maillage(&middle, &["restore", first.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    let second = dir.path().join("second.maillage.gz");
    assert!(maillage(&middle, &["backup", "--out", second.to_str().unwrap()]).status.success());
    let middle_stats = stdout(&maillage(&middle, &["stats"]));
    let last = dir.path().join("last.db");
    assert!(maillage(&last, &["restore", second.to_str().unwrap()]).status.success());

    let expected_stats = stdout(&maillage(&source, &["stats"]));
    assert_eq!(middle_stats, expected_stats);
    assert_eq!(stdout(&maillage(&last, &["stats"])), expected_stats);
    let export = |db: &Path, name: &str| {
        let out = dir.path().join(name);
        assert!(maillage(db, &["export", "--out", out.to_str().unwrap()]).status.success());
        std::fs::read_to_string(out).unwrap()
    };
    // Registry ids, versions and history come back as they were: the exports are identical.
    assert_eq!(export(&source, "a.csv"), export(&last, "b.csv"));
    let history = |db: &Path| stdout(&maillage(db, &["imports"]));
    assert_eq!(history(&source), history(&last));
}

/// Runs a `maillage` command that prints one JSON document.
fn json_of(db: &Path, args: &[&str]) -> Value {
    let output = maillage(db, args);
    assert!(output.status.success(), "{args:?} failed: {}{}", stdout(&output), stderr(&output));
    serde_json::from_str(stdout(&output).trim()).unwrap_or_else(|err| panic!("not JSON ({err}): {}", stdout(&output)))
}

const DEDUP_FILES: [&str; 3] = ["cnfs-lieux-2022-07", "cnfs-lieux-2022-12", "data-inclusion-lieux-2023"];
const C07: &str = "cnfs-lieux-2022-07";
const C12: &str = "cnfs-lieux-2022-12";
const DI: &str = "data-inclusion-lieux-2023";

/// Where a pair of places stands after a scan: "merged" (one merged place), "review" (a
/// queued pair joins their two merged places, or them), "none" (never paired).
fn dedup_state(groups: &Value, queue: &Value, a: (&str, &str), b: (&str, &str)) -> &'static str {
    let side = |(source, source_id): (&str, &str)| -> String {
        groups
            .as_array()
            .unwrap()
            .iter()
            .find(|group| {
                group["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m["source"] == source && m["source_id"] == source_id)
            })
            .map(|group| group["id"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| format!("{source}/{source_id}"))
    };
    let (x, y) = (side(a), side(b));
    if x == y {
        return "merged";
    }
    let queued = queue.as_array().unwrap().iter().any(|item| {
        let p = &item["pair"];
        let (u, v) = (
            side((p["a"]["source"].as_str().unwrap(), p["a"]["source_id"].as_str().unwrap())),
            side((p["b"]["source"].as_str().unwrap(), p["b"]["source_id"].as_str().unwrap())),
        );
        (u == x && v == y) || (u == y && v == x)
    });
    if queued {
        "review"
    } else {
        "none"
    }
}

/// The queued item between two places, if any.
fn queued_pair<'q>(groups: &Value, queue: &'q Value, a: (&str, &str), b: (&str, &str)) -> Option<&'q Value> {
    queue
        .as_array()
        .unwrap()
        .iter()
        .find(|item| dedup_state(groups, &Value::Array(vec![(*item).clone()]), a, b) == "review")
}

/// Pairs read side by side and judged by hand: (place, place, state after the default scan,
/// whether they are the same place, why).
type Judged = ((&'static str, &'static str), (&'static str, &'static str), &'static str, bool, &'static str);
const JUDGED: &[Judged] = &[
    (
        (C07, "conseiller-numerique:62ab3fff8255a806e299ccf9"),
        (DI, "conseiller-numerique:62ab3fff8255a806e299ccf9"),
        "merged",
        true,
        "Maison de quartier Kerihouais (Hennebont) republished under its id, same SIRET, phone and e-mail",
    ),
    (
        (C07, "conseiller-numerique:62b0275f8255a806e299dff0"),
        (C07, "conseiller-numerique:62b02c558255a806e299e089"),
        "merged",
        true,
        "two entries of one France Services in Chaudes-Aigues, same name and address",
    ),
    (
        (C07, "conseiller-numerique:62b2d0aadd51e705b1807c95"),
        (DI, "Hinaura:1158"),
        "merged",
        true,
        "La Poste Montreynaud and the bureau de poste de Montreynaud: same phone, same boulevard, 27 m",
    ),
    (
        (C07, "conseiller-numerique:62ab09e18255a806e299c7e1"),
        (C12, "conseiller-numerique:637e4534650be106f3686937"),
        "merged",
        true,
        "the town hall of Villejuif twice, same SIRET and address",
    ),
    (
        (C07, "conseiller-numerique:628dc8b6e1b0b206ecbd7fbc"),
        (C07, "conseiller-numerique:62ac22f18255a806e299cfcd"),
        "review",
        true,
        "the town hall of Flayosc, same SIRET and street, geocoded 1.5 km apart",
    ),
    (
        (C07, "conseiller-numerique:62b46df0dd51e705b180906d"),
        (DI, "Hinaura:1108"),
        "review",
        true,
        "the médiathèque of Chabeuil: same phone and e-mail, house number missing on one side",
    ),
    (
        (C07, "conseiller-numerique:62ab2c598255a806e299ca57"),
        (DI, "Hinaura:773"),
        "review",
        true,
        "the France Services of the CC de la Côtière is its desk at the same address and SIRET",
    ),
    (
        (C07, "conseiller-numerique:62c3e674c9ce0606dcdcf059"),
        (DI, "Hinaura:956"),
        "review",
        true,
        "Maison des Solidarités des Ancizes, same name and avenue, 163 m",
    ),
    (
        (C07, "conseiller-numerique:62ab30d18255a806e299caf7"),
        (DI, "Hinaura:1114"),
        "review",
        false,
        "a maison pour tous and the médiathèque du Plan: other address, other phone, only an e-mail shared",
    ),
    (
        (DI, "Hinaura:1027"),
        (DI, "Hinaura:1035"),
        "review",
        false,
        "two sites of the centre social Les 7 lieux: different streets and SIRETs",
    ),
    (
        (C12, "conseiller-numerique:62aaf3ab8255a806e299c582"),
        (C12, "conseiller-numerique:62f35ad5a97f6105b212e125"),
        "review",
        false,
        "a library and a social centre sharing a building in Rennes",
    ),
    (
        (C12, "conseiller-numerique:62ac4f348255a806e299d4f2"),
        (C12, "conseiller-numerique:62ac4e2f8255a806e299d4cb"),
        "none",
        false,
        "the médiathèque and the town hall of Échalas",
    ),
    (
        (C12, "conseiller-numerique:62b059d78255a806e299e45c"),
        (C12, "conseiller-numerique:62bac207dd51e705b180b281"),
        "none",
        false,
        "Reconnect and the CHRS Buzenval, two organisations of Paris 11e",
    ),
    (
        (C12, "conseiller-numerique:62aaf4498255a806e299c591"),
        (DI, "dora:3736904c-eef9-4ce3-90de-dafc900fee5d"),
        "none",
        false,
        "Emmaüs Connect and WeTechCare, two associations",
    ),
    (
        (C12, "conseiller-numerique:62b034d28255a806e299e14f"),
        (C12, "conseiller-numerique:62b025a08255a806e299dfa1"),
        "none",
        false,
        "the Secours catholique and the town of Vernon",
    ),
    (
        (C12, "conseiller-numerique:62b2cd70dd51e705b1807c55"),
        (DI, "Hinaura:207"),
        "none",
        false,
        "a post office and the maison de quartier of Le Soleil (Saint-Étienne)",
    ),
];

fn export_objects(db: &Path, extra: &[&str]) -> std::collections::BTreeMap<String, Value> {
    let mut args = vec!["export", "--format", "json"];
    args.extend_from_slice(extra);
    let output = maillage(db, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let all: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    all.into_iter().map(|object| (object["id"].as_str().unwrap().to_owned(), object)).collect()
}

/// The three files that overlap: imports count the pairs, a scan merges the sure ones and
/// queues the others, decisions hold through a re-import, a merge is undone exactly.
#[test]
fn duplicates_on_real_files() {
    let (_dir, db) = temp_db();
    let mut found = Vec::new();
    for name in DEDUP_FILES {
        let batch = import(&db, &[fixture(&format!("{name}.json.gz")).to_str().unwrap()]);
        found.push(batch["doublons"].as_u64().unwrap());
    }
    // Pairs at or above the review threshold involving the source just imported.
    // [127, 3094, 5219] before a France Services and its host at one address went to review.
    assert_eq!(found, [131, 3115, 5229]);
    let raw_before = export_objects(&db, &[]);
    assert_eq!(raw_before.len(), 2731 + 4930 + 3811);

    let scan = json_of(&db, &["duplicates", "scan", "--json"]);
    let pinned = ["found", "auto_merged", "queued", "already_grouped", "groups"].map(|key| scan[key].as_u64().unwrap());
    // 35 more queued (none merged) since a France Services and its host at one address are reviewed.
    assert_eq!(pinned, [8475, 5303, 683, 2489, 3507], "{scan}");
    let groups = json_of(&db, &["duplicates", "groups", "--json"]);
    let queue = json_of(&db, &["duplicates", "list", "--json"]);
    for (a, b, state, _, why) in JUDGED {
        assert_eq!(dedup_state(&groups, &queue, *a, *b), *state, "{a:?} / {b:?}: {why}");
    }
    // Every queued pair is explained in French, and shows both places.
    for item in queue.as_array().unwrap() {
        let lines = item["explanation"].as_array().unwrap();
        assert!(lines.iter().any(|line| line.as_str().unwrap().starts_with("score ")), "{item}");
        assert!(item["a"]["record"]["nom"].is_string() && item["b"]["record"]["nom"].is_string());
    }
    // Published: one record per merged place; raw members on demand.
    let published = export_objects(&db, &[]);
    assert!(published.len() < raw_before.len());
    assert_eq!(export_objects(&db, &["--members"]), raw_before);
    let text = stdout(&maillage(&db, &["duplicates", "list"]));
    assert!(text.contains("Paire ") && text.contains("noms ") && text.contains(" | "), "{text}");

    // A second scan changes nothing.
    let again = json_of(&db, &["duplicates", "scan", "--json"]);
    assert_eq!((again["auto_merged"].as_u64(), again["queued"].as_u64()), (Some(0), Some(0)), "{again}");
    assert_eq!(again["known"], scan["found"]);

    // A bad pair id: a clear message, nothing changed.
    let bad = maillage(&db, &["duplicates", "resolve", "pas-une-paire", "merge"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("introuvable : paire « pas-une-paire »"), "{}", stderr(&bad));
    let bad = maillage(&db, &["duplicates", "resolve", "x", "peut-etre"]);
    assert!(stderr(&bad).contains("décision inconnue"), "{}", stderr(&bad));
    assert_eq!(json_of(&db, &["duplicates", "list", "--json"]), queue);

    // Decide by hand, both ways, as judged above.
    let (same, different) = (&JUDGED[5], &JUDGED[8]);
    let item = queued_pair(&groups, &queue, same.0, same.1).unwrap();
    let merged_id = item["pair"]["id"].as_str().unwrap().to_owned();
    let output = maillage(&db, &["duplicates", "resolve", &merged_id, "merge", "--by", "Camille"]);
    assert!(output.status.success() && stdout(&output).contains("fusionnée"), "{}", stderr(&output));
    let item = queued_pair(&groups, &queue, different.0, different.1).unwrap();
    let distinct_id = item["pair"]["id"].as_str().unwrap().to_owned();
    let output = maillage(&db, &["duplicates", "resolve", &distinct_id, "distinct"]);
    assert!(output.status.success() && stdout(&output).contains("distincte"), "{}", stderr(&output));
    // Deciding again is refused.
    let twice = maillage(&db, &["duplicates", "resolve", &distinct_id, "merge"]);
    assert!(stderr(&twice).contains("déjà été décidée"), "{}", stderr(&twice));
    let check = |db: &Path| {
        let groups = json_of(db, &["duplicates", "groups", "--json"]);
        let queue = json_of(db, &["duplicates", "list", "--json"]);
        assert_eq!(dedup_state(&groups, &queue, same.0, same.1), "merged");
        // The pair said distinct, and its twin from the other Conseillers numériques file, are gone.
        assert_eq!(dedup_state(&groups, &queue, different.0, different.1), "none");
        assert_eq!(dedup_state(&groups, &queue, (C12, different.0 .1), different.1), "none");
        (groups, queue)
    };
    let (groups, queue) = check(&db);
    assert!(queue.as_array().unwrap().len() < 683);

    // Re-importing a source keeps every decision; nothing is queued again.
    let batch = import(&db, &[fixture("cnfs-lieux-2022-07.json.gz").to_str().unwrap()]);
    assert_eq!(counts(&batch)[3], 2731, "every place unchanged");
    let rescan = json_of(&db, &["duplicates", "scan", "--json"]);
    assert_eq!((rescan["auto_merged"].as_u64(), rescan["queued"].as_u64()), (Some(0), Some(0)), "{rescan}");
    let (groups_after, queue_after) = check(&db);
    assert_eq!((groups_after, queue_after), (groups.clone(), queue));

    // Undo the merged place: every member is published again exactly as imported.
    let group = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["members"].as_array().unwrap().iter().any(|m| m["source_id"] == same.1 .1))
        .unwrap();
    let member_ids: Vec<String> =
        group["members"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(member_ids.len(), 2, "{group}");
    let shown: Vec<String> = member_ids.iter().map(|id| stdout(&maillage(&db, &["show", id]))).collect();
    let merged_export = export_objects(&db, &[]);
    assert_eq!(member_ids.iter().filter(|id| merged_export.contains_key(*id)).count(), 1, "one published record");
    let output = maillage(&db, &["duplicates", "undo", group["id"].as_str().unwrap()]);
    assert!(output.status.success() && stdout(&output).contains("défait"), "{}", stderr(&output));
    let after = export_objects(&db, &[]);
    for (id, show) in member_ids.iter().zip(&shown) {
        assert_eq!(after.get(id), raw_before.get(id), "{id} published as imported");
        // The record as imported; its history gains one version, the one that announces the
        // place again to the change feeds.
        let now_shown = stdout(&maillage(&db, &["show", id]));
        let record = |text: &str| text.split("\nsource :").next().unwrap().to_owned();
        assert_eq!(record(&now_shown), record(show), "{id}");
        assert_eq!(now_shown.lines().count(), show.lines().count() + 1, "{now_shown}");
    }
    let bad_undo = maillage(&db, &["duplicates", "undo", group["id"].as_str().unwrap()]);
    assert!(stderr(&bad_undo).contains("aucun lieu fusionné"), "{}", stderr(&bad_undo));
    // Its pairs are back in review, and a scan does not merge them again.
    let rescan = json_of(&db, &["duplicates", "scan", "--json"]);
    assert_eq!(rescan["auto_merged"].as_u64(), Some(0), "{rescan}");
    let groups = json_of(&db, &["duplicates", "groups", "--json"]);
    let queue = json_of(&db, &["duplicates", "list", "--json"]);
    assert_eq!(dedup_state(&groups, &queue, same.0, same.1), "review");
}

#[path = "cli/servers.rs"]
mod servers;

#[path = "cli/accounts.rs"]
mod accounts;

#[path = "cli/mappings.rs"]
mod mappings;

/// A 50 MB name used to be imported whole (729 MB of memory): every value is bounded, and a
/// row with a value beyond its bound is reported (row, field) and not imported; the other
/// rows are imported as usual.
#[test]
fn runaway_values_are_reported_not_imported() {
    let (dir, db) = temp_db();
    let file = dir.path().join("lieux.csv");
    let huge = "N".repeat(50_000_000);
    let mut text = String::from("id,nom,commune,code_postal,adresse,presentation_detail,date_maj\n");
    text.push_str("a,Médiathèque,Bourges,18000,1 rue X,,2024-01-01\n");
    text.push_str(&format!("b,{huge},Bourges,18000,2 rue Y,,2024-01-01\n"));
    text.push_str(&format!("c,EPN,Bourges,18000,3 rue Z,{},2024-01-01\n", "d".repeat(10_001)));
    std::fs::write(&file, text).unwrap();
    drop(huge);
    let report = dir.path().join("report.csv");
    let batch = import(&db, &[file.to_str().unwrap(), "--report", report.to_str().unwrap()]);
    assert_eq!(counts(&batch)[..5], [3, 2, 0, 0, 1], "{batch}");
    let rows = report_rows(&report);
    let line = |row: &str, field: &str| {
        rows.iter()
            .find(|r| r.get(0) == Some(row) && r.get(3) == Some(field))
            .unwrap_or_else(|| panic!("no line {row} {field}: {rows:?}"))
            .clone()
    };
    let nom = line("3", "nom");
    assert_eq!(nom.get(2), Some("erreur"));
    assert_eq!(nom.get(5), Some("valeur trop longue (plus de 10\u{202f}000 caractères, au plus 250) : ligne rejetée"));
    assert!(nom.get(4).unwrap().len() < 100);
    let detail = line("4", "presentation_detail");
    assert_eq!(detail.get(2), Some("avertissement"));
    let places = stdout(&maillage(&db, &["places"]));
    assert!(places.contains("Médiathèque") && places.contains("EPN"), "{places}");
}

/// Every refusal is French, whatever refused it: clap, the TOML parser, serde, the system.
#[test]
fn errors_are_french_without_library_text() {
    let (dir, db) = temp_db();
    let truncated = dir.path().join("tronque.json");
    std::fs::write(&truncated, "[{\"id\":\"a\",\"nom\":\"x\"").unwrap();
    let mapping = dir.path().join("c.toml");
    std::fs::write(&mapping, "[source]\nname = \"x\"\n[champs]\nnom = 3\n").unwrap();
    let typed = dir.path().join("t.toml");
    std::fs::write(&typed, "[source]\nname = \"x\"\n[fields]\nnom = 3\n").unwrap();
    let (truncated, mapping, typed) = (truncated.to_str().unwrap(), mapping.to_str().unwrap(), typed.to_str().unwrap());
    let english = [
        "expected",
        "invalid type",
        "invalid value",
        "error:",
        "No such file",
        "EOF while parsing",
        "integer",
        "For more information",
        "Usage:",
        "found",
    ];
    for args in [
        vec!["import", "/pas/de/fichier.json"],
        vec!["import", truncated],
        vec!["import", truncated, "--mapping", mapping],
        vec!["import", truncated, "--mapping", typed],
        vec!["serve", "--addr", "999.1.1.1:80"],
        vec!["frobnicate"],
        vec!["import"],
        vec!["import", "--nope", "x"],
        vec!["duplicates", "scan", "--auto-merge", "abc"],
        vec!["restore", truncated],
    ] {
        let output = maillage(&db, &args);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.starts_with("erreur : "), "{args:?}: {text}");
        for word in english {
            assert!(!text.contains(word), "{args:?}: « {word} » in {text}");
        }
    }
}

/// A pair said distinct by mistake is put back in the review queue from the command line.
#[test]
fn a_distinct_decision_is_reopened() {
    let (dir, db) = temp_db();
    let file = dir.path().join("lieux.csv");
    std::fs::write(
        &file,
        "id,nom,commune,code_postal,adresse,date_maj\n\
         a,Point numérique,Bourges,18000,40 avenue de Lattre,2024-01-01\n\
         b,Point numérique du centre,Bourges,18000,40 avenue de Lattre,2024-01-01\n",
    )
    .unwrap();
    import(&db, &[file.to_str().unwrap()]);
    let scan = json_of(&db, &["duplicates", "scan", "--json", "--auto-merge", "1", "--review", "0.5"]);
    assert_eq!(scan["queued"], 1, "{scan}");
    let queue = json_of(&db, &["duplicates", "list", "--json"]);
    let id = queue[0]["pair"]["id"].as_str().unwrap().to_owned();
    let early = maillage(&db, &["duplicates", "reopen", &id]);
    assert_eq!(early.status.code(), Some(2));
    assert!(stderr(&early).contains("n'est pas déclarée distincte"), "{}", stderr(&early));
    assert!(maillage(&db, &["duplicates", "resolve", &id, "distinct"]).status.success());
    assert_eq!(json_of(&db, &["duplicates", "list", "--json"]).as_array().unwrap().len(), 0);
    let reopened = maillage(&db, &["duplicates", "reopen", &id, "--by", "Camille"]);
    assert!(stdout(&reopened).contains("remise en revue"), "{}", stderr(&reopened));
    let queue = json_of(&db, &["duplicates", "list", "--json"]);
    assert_eq!(queue[0]["pair"]["id"], id.as_str());
    assert_eq!(queue[0]["pair"]["decided_by"], "Camille");
}

#[path = "cli/publication.rs"]
mod publication;

/// Monographs: every bassin's edition published, one written as a PDF and an ODT; a file
/// name of another kind is refused and writes nothing.
#[test]
fn monographs_are_published_and_written_as_documents() {
    let (dir, db) = demo_db();
    let published = maillage(&db, &["monographie", "generer"]);
    assert!(stdout(&published).contains("23 monographie(s) publiée(s)"), "{}", stderr(&published));
    for (name, magic) in [("chinon.pdf", &b"%PDF-"[..]), ("chinon.odt", &b"PK"[..])] {
        let path = dir.path().join(name);
        let written = maillage(&db, &["monographie", "document", "Chinon", "--sortie", path.to_str().unwrap()]);
        assert!(written.status.success(), "{}", stderr(&written));
        assert!(std::fs::read(&path).unwrap().starts_with(magic), "{name}");
    }
    let text = dir.path().join("chinon.txt");
    let refused = maillage(&db, &["monographie", "document", "Chinon", "--sortie", text.to_str().unwrap()]);
    assert!(!refused.status.success() && stderr(&refused).contains("--sortie : l'extension doit être .pdf ou .odt"));
    assert!(!text.exists());
}
