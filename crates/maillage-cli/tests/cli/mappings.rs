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
