//! `maillage mapping` and the recognition of shipped exports, through the binary: the assistant
//! proposes a mapping for an export, explained, that imports as it is; a shipped export imports
//! without `--mapping` and says which mapping was used; bad files change nothing.

use super::{counts, import, maillage, repo, stderr, stdout, temp_db};

fn hub_data(path: &str) -> std::path::PathBuf {
    repo().join("crates/maillage-formats/tests/data").join(path)
}

#[test]
fn the_assistant_proposes_a_mapping_that_imports_as_it_is() {
    let (dir, db) = temp_db();
    let file = hub_data("raw-hubs/maine-et-loire-2023.json.gz");
    let out = dir.path().join("maine.toml");
    let output = maillage(
        &db,
        &["mapping", "suggest", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--source", "anjou"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("Correspondance proposée pour « maine-et-loire-2023.json.gz » (source « anjou »"), "{text}");
    assert!(text.contains("[sûre] code_postal ← colonne « CP » : son nom évoque le code postal"), "{text}");
    assert!(text.contains("Lambert-93"), "{text}");
    assert!(
        text.contains("Aperçu de l'import avec cette correspondance : 243 lignes lues, 240 lieux gardés"),
        "{text}"
    );
    assert!(text.contains("Correspondance écrite dans"), "{text}");
    let toml = std::fs::read_to_string(&out).unwrap();
    assert!(toml.starts_with("# Correspondance proposée par l'assistant"), "{toml}");
    assert!(toml.contains("name = \"anjou\""), "{toml}");

    // The file as written imports, with the counts the preview gave.
    let batch = import(&db, &[file.to_str().unwrap(), "--mapping", out.to_str().unwrap()]);
    let [read, created, _, _, rejected, _, _] = counts(&batch);
    assert_eq!((read, created, rejected), (243, 240, 3));
    assert_eq!(batch["source"], "anjou");

    // Without --out, the TOML follows the explanations on the standard output; nothing is written.
    let printed = maillage(&db, &["mapping", "suggest", file.to_str().unwrap()]);
    assert!(printed.status.success());
    assert!(stdout(&printed).contains("[coordinates]\nprojection = \"lambert93\""), "{}", stdout(&printed));
}

#[test]
fn a_shipped_export_is_recognised_without_mapping() {
    let (_dir, db) = temp_db();
    let file = hub_data("raw-hubs/epernay-2023.json.gz");
    let output = maillage(&db, &["import", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("Correspondance reconnue d'après les colonnes du fichier : epernay ("), "{text}");
    let batch = import(&db, &[file.to_str().unwrap()]);
    assert_eq!(batch["correspondance_reconnue"], "epernay");
    assert_eq!(batch["source"], "epernay");
    // The second import of the same file changes nothing.
    let [read, created, updated, unchanged, rejected, _, _] = counts(&batch);
    assert_eq!((read, created, updated, unchanged, rejected), (39, 0, 0, 39, 0));
    let list = stdout(&maillage(&db, &["mapping", "list"]));
    assert_eq!(list.lines().count(), 17, "{list}");
    assert!(list.lines().any(|line| line.starts_with("france-services")), "{list}");
}

#[test]
fn bad_files_get_a_french_reason_and_nothing_is_written() {
    let (dir, db) = temp_db();
    let one_column = dir.path().join("lieux.csv");
    std::fs::write(&one_column, "nom|adresse|commune\nMédiathèque|1 rue X|Blois\n").unwrap();
    let binary = dir.path().join("lieux.xlsx");
    std::fs::write(&binary, b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00").unwrap();
    let out = dir.path().join("proposition.toml");
    for (file, reason) in [(&one_column, "une seule colonne lue"), (&binary, "pas un fichier texte CSV ou JSON")] {
        let suggested = maillage(&db, &["mapping", "suggest", file.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert_eq!(suggested.status.code(), Some(2));
        assert!(stderr(&suggested).contains(reason), "{}", stderr(&suggested));
        let imported = maillage(&db, &["import", file.to_str().unwrap()]);
        assert_eq!(imported.status.code(), Some(2));
        assert!(stderr(&imported).contains(reason), "{}", stderr(&imported));
    }
    assert!(!out.exists());

    // A mapping naming a column the file does not have.
    let mapping = dir.path().join("creuse.toml");
    let text =
        std::fs::read_to_string(repo().join("mappings/la-creuse.toml")).unwrap().replace("\"téléphone\"", "\"tel\"");
    std::fs::write(&mapping, text).unwrap();
    let file = hub_data("raw-hubs/la-creuse-2023.json.gz");
    let refused = maillage(&db, &["import", file.to_str().unwrap(), "--mapping", mapping.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("nomme des colonnes absentes du fichier"), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("« tel » (telephone)"), "{}", stderr(&refused));
    assert_eq!(stdout(&maillage(&db, &["imports"])), "");
}

/// The Région Sud's export with its column names written as a person would ("Adresse code
/// postal"): a real export no shipped mapping knows.
fn sud_export(dir: &std::path::Path, rows: usize, name: &str) -> std::path::PathBuf {
    use std::io::Read;
    let mut text = Vec::new();
    let gz = std::fs::read(hub_data("raw-hubs/paca-regionsud-2022.csv.gz")).unwrap();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut text).unwrap();
    let mut lines = text.split(|&b| b == b'\n');
    let mut out: Vec<u8> = lines
        .next()
        .unwrap()
        .split(|&b| b == b';')
        .map(|name| {
            let mut name: Vec<u8> = name.iter().map(|&b| if b == b'_' { b' ' } else { b }).collect();
            name[0] = name[0].to_ascii_uppercase();
            name
        })
        .collect::<Vec<_>>()
        .join(&b';');
    for line in lines.take(rows) {
        out.push(b'\n');
        out.extend_from_slice(line);
    }
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn a_saved_mapping_is_recognised_at_import_exported_and_kept_in_backups() {
    let (dir, db) = temp_db();
    let file = sud_export(dir.path(), 1245, "lieux-sud-2022.csv");
    let toml = dir.path().join("sud.toml");
    let arg = |path: &std::path::Path| path.to_str().unwrap().to_owned();
    let suggested = maillage(&db, &["mapping", "suggest", &arg(&file), "--out", &arg(&toml), "--source", "region-sud"]);
    assert!(suggested.status.success(), "{}", stderr(&suggested));

    let saved = maillage(&db, &["mapping", "save", &arg(&toml), "--name", "lieux-sud", "--sample", &arg(&file)]);
    assert!(saved.status.success(), "{}", stderr(&saved));
    assert!(
        stdout(&saved).starts_with(
            "Correspondance « lieux-sud » enregistrée (version 1, source « region-sud », 36 colonnes connues)"
        ),
        "{}",
        stdout(&saved)
    );
    // Saving the name again is refused unless it says it replaces.
    let again = maillage(&db, &["mapping", "save", &arg(&toml), "--name", "lieux-sud"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("est déjà enregistrée (version 1) : ajoutez --replace"), "{}", stderr(&again));
    let list = stdout(&maillage(&db, &["mapping", "list"]));
    assert_eq!(list.lines().count(), 18, "{list}");
    assert!(
        list.lines()
            .next()
            .unwrap()
            .starts_with("lieux-sud            enregistrée, source « region-sud », version 1 du "),
        "{list}"
    );

    // The import recognises it, without --mapping.
    let output = maillage(&db, &["import", &arg(&file)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with(
            "Correspondance reconnue d'après les colonnes du fichier : region-sud (enregistrée par le hub ; "
        ),
        "{}",
        stdout(&output)
    );
    let next = sud_export(dir.path(), 1200, "lieux-sud-2023.csv");
    let batch = import(&db, &[&arg(&next)]);
    assert_eq!(
        (batch["correspondance_reconnue"].as_str(), batch["correspondance_enregistree"].as_bool()),
        (Some("region-sud"), Some(true))
    );
    let [read, created, updated, _, _, _, _] = counts(&batch);
    assert_eq!((read, created, updated), (1200, 0, 0));

    // Exported as saved; the backup carries it to another database.
    let exported = maillage(&db, &["mapping", "export", "lieux-sud"]);
    assert_eq!(String::from_utf8(exported.stdout).unwrap(), std::fs::read_to_string(&toml).unwrap());
    let backup = dir.path().join("hub.maillage.gz");
    assert!(maillage(&db, &["backup", "--out", &arg(&backup)]).status.success());
    let restored = dir.path().join("restored.db");
    let output = maillage(&restored, &["restore", &arg(&backup)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let list = stdout(&maillage(&restored, &["mapping", "list"]));
    assert!(list.starts_with("lieux-sud "), "{list}");
    let out = dir.path().join("copie.toml");
    assert!(maillage(&restored, &["mapping", "export", "lieux-sud", "--out", &arg(&out)]).status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), std::fs::read_to_string(&toml).unwrap());

    // Deleted: the places stay, the next file is no longer recognised as it.
    let deleted = maillage(&db, &["mapping", "delete", "lieux-sud"]);
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    assert_eq!(stdout(&maillage(&db, &["mapping", "list"])).lines().count(), 17);
    let missing = maillage(&db, &["mapping", "delete", "lieux-sud"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("correspondance lieux-sud"), "{}", stderr(&missing));
    assert!(stdout(&maillage(&db, &["stats"])).contains("region-sud"));
}

#[test]
fn a_mapping_that_does_not_fit_its_file_is_not_saved() {
    let (dir, db) = temp_db();
    let arg = |path: &std::path::Path| path.to_str().unwrap().to_owned();
    let file = sud_export(dir.path(), 20, "lieux-sud.csv");
    let mapping = dir.path().join("creuse.toml");
    std::fs::write(&mapping, std::fs::read_to_string(repo().join("mappings/la-creuse.toml")).unwrap()).unwrap();
    let refused = maillage(&db, &["mapping", "save", &arg(&mapping), "--sample", &arg(&file)]);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(
        message.contains("la correspondance nomme des colonnes absentes du fichier « lieux-sud.csv »"),
        "{message}"
    );
    assert!(message.contains(", ligne "), "{message}");
    let broken = dir.path().join("casse.toml");
    std::fs::write(&broken, "[source]\nname = \"x\"\n\n[fields]\nnom = \"Nom\"\nservice = \"S\"\n").unwrap();
    let refused = maillage(&db, &["mapping", "save", &arg(&broken)]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("ligne 6 : [fields] : « service » n'est pas un champ du standard"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(stdout(&maillage(&db, &["mapping", "list"])).lines().count(), 17);
    assert_eq!(stdout(&maillage(&db, &["imports"])), "");
}
