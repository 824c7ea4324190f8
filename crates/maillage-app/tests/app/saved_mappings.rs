//! Saved mappings and the assistant's form, through the use cases: a real export nobody has
//! mapped (the Région Sud's, its column names changed so that no shipped mapping knows it) is
//! proposed a mapping, corrected (one column, one vocabulary rule), previewed, saved and
//! imported; a new version of the file is then recognised without anyone naming the mapping.
//! A saved mapping wins over a shipped one with the same layout; bad input changes nothing.

use std::io::Read;
use std::path::PathBuf;

use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::mappings::assistant::{self, Corrections};
use maillage_app::mappings::{self, MappingToSave, SampleFile};
use maillage_app::{import_file, AppError, ImportOptions, ImportReport};
use maillage_domain::vocab::Vocabulary;
use maillage_domain::PlaceStatus;
use maillage_formats::mapping::shipped;
use maillage_formats::mapping::write::LineKey;
use maillage_store::{AccountStore, MappingStore, PlaceQuery, Store};

use crate::support::*;

fn raw(path: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../maillage-formats/tests/data").join(path))
        .expect("data file")
}

/// The Région Sud's export (Windows-1252, `;`), its column names written as a person would
/// ("adresse_code_postal" → "Adresse code postal"), cut to its first `rows` rows.
fn sud_export(rows: usize) -> Vec<u8> {
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(&raw("raw-hubs/paca-regionsud-2022.csv.gz")[..]).read_to_end(&mut text).unwrap();
    let mut lines = text.split(|&b| b == b'\n');
    let header: Vec<u8> = lines
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
    let mut out = header;
    for line in lines.take(rows) {
        out.push(b'\n');
        out.extend_from_slice(line);
    }
    out.push(b'\n');
    out
}

const ROWS: usize = 1245;

fn file(bytes: &[u8]) -> SampleFile<'_> {
    SampleFile { bytes, file_name: "lieux-sud-2022.csv" }
}

fn import(ctx: &Context<'_>, actor: &Actor, bytes: &[u8], name: &str) -> Result<ImportReport, AppError> {
    let candidates = shipped::all();
    let options = ImportOptions { candidates: &candidates, territory: Some(&territory()), ..ImportOptions::default() };
    import_file(ctx, actor, bytes, name, &options)
}

/// The index of the proposal's rule for `field` whose condition names `word`.
fn rule(proposal: &assistant::Proposal, field: &str, word: &str) -> usize {
    proposal
        .rules
        .iter()
        .find(|rule| rule.field == field && rule.condition.contains(word))
        .unwrap_or_else(|| panic!("a rule {field} / {word}: {:#?}", proposal.rules))
        .index
}

#[test]
fn an_unknown_export_is_proposed_corrected_saved_and_recognised_at_the_next_import() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let admin = &hub.admin;
    let v1 = sud_export(ROWS);
    // The proposal, as the form shows it.
    let first = assistant::propose(&ctx, admin, &file(&v1), &Corrections::default(), Some(&territory()), 5).unwrap();
    assert_eq!((first.preview.read, first.preview.kept, first.preview.rejected), (ROWS, 1240, 5));
    assert_eq!(first.preview.rows.len(), 5);
    assert!(first.corrected.is_empty());
    let telephone = first.fields.iter().find(|line| line.field == "telephone").unwrap();
    assert_eq!(telephone.columns, ["Contact telephone", "Contact telephone details"]);
    assert!(telephone.confidence.is_some() && !telephone.reason.is_empty());
    let nom = first.fields.iter().find(|line| line.field == "nom").unwrap();
    assert_eq!((nom.columns.as_slice(), nom.other.as_deref()), (&["Nom".to_owned()][..], None));
    let id = first.fields.iter().find(|line| line.field == "id").unwrap();
    assert!(id.other.as_deref().is_some_and(|how| how.starts_with("calculé à partir de nom")), "{id:?}");
    let fablab = rule(&first, "services", "« fablab »");
    let fablab_rule = &first.rules[fablab];
    assert_eq!(fablab_rule.values, ["Loisirs et créations numériques"]);
    assert!(fablab_rule.choices.contains(&"Accès internet et matériel informatique"));
    assert!(first
        .toml
        .starts_with("# Correspondance proposée par l'assistant de Maillage pour « lieux-sud-2022.csv »"));

    // Corrections: the phone from one column only, the fab labs' service, the source's name.
    let corrections = Corrections {
        source: Some("region-sud".to_owned()),
        fields: [
            ("telephone".to_owned(), vec!["Contact telephone".to_owned()]),
            // Sent as proposed: not a correction.
            ("nom".to_owned(), vec!["Nom".to_owned()]),
        ]
        .into(),
        rules: [(fablab, "Accès internet et matériel informatique".to_owned())].into(),
    };
    let corrected = assistant::propose(&ctx, admin, &file(&v1), &corrections, Some(&territory()), 5).unwrap();
    assert_eq!(corrected.corrected, [LineKey::Field("telephone".to_owned()), LineKey::Term(fablab)]);
    assert_eq!(corrected.spec.source.name, "region-sud");
    assert!(corrected.spec.source.unread.contains(&"Contact telephone details".to_owned()));
    let telephone = corrected.fields.iter().find(|line| line.field == "telephone").unwrap();
    assert_eq!((telephone.columns.as_slice(), telephone.confidence), (&["Contact telephone".to_owned()][..], None));
    assert_eq!(corrected.rules[fablab].values, ["Accès internet et matériel informatique"]);
    assert!(corrected.toml.contains("# [corrigé] choisi par l'administrateur\ntelephone = \"Contact telephone\""));
    assert_eq!((corrected.preview.kept, corrected.preview.rejected), (1240, 5));
    // Nothing was written by proposing.
    assert!(hub.store.saved_mappings().unwrap().is_empty());
    assert!(hub.store.batches().unwrap().is_empty());

    // Saved with the file: its columns are the layout the next files are recognised by.
    let audit_before = hub.store.audit_log(100).unwrap().len();
    let request =
        MappingToSave { toml: &corrected.toml, name: Some("lieux-sud"), sample: Some(file(&v1)), replaces: None };
    let saved = mappings::save_mapping(&ctx, admin, &request, t0()).unwrap();
    assert_eq!((saved.name.as_str(), saved.source.as_str(), saved.version), ("lieux-sud", "region-sud", 1));
    assert_eq!(saved.layout, corrected.columns);
    assert_eq!(saved.created_by.as_deref(), admin.id());
    let entry = hub.store.audit_log(1).unwrap().remove(0);
    assert_eq!(
        (entry.action.as_str(), entry.target.as_deref()),
        ("correspondance_enregistree", Some("correspondance:lieux-sud"))
    );
    assert_eq!(hub.store.audit_log(100).unwrap().len(), audit_before + 1);

    // The import recognises it, says so, and keeps what the preview said.
    let report = import(&ctx, admin, &v1, "lieux-sud-2022.csv").unwrap();
    let recognised = report.recognised.clone().expect("recognised");
    assert_eq!((recognised.name.as_str(), recognised.saved), ("region-sud", true));
    assert_eq!(report.batch.source, "region-sud");
    let counts = &report.batch.counts;
    assert_eq!((counts.read, counts.created, counts.rejected), (ROWS, 1240, 5));
    assert!(report.lines[0]
        .problem
        .reason
        .contains("correspondance « region-sud » reconnue d'après les colonnes du fichier (enregistrée par le hub ;"));
    // The corrected rule set the fab labs' service.
    let places =
        hub.store.places(&PlaceQuery { source: Some("region-sud".to_owned()), ..PlaceQuery::default() }).unwrap();
    let diniapolis = places.iter().find(|place| place.record.nom.starts_with("Diniapolis")).expect("a fab lab");
    let services: Vec<String> = diniapolis.record.services.iter().map(|s| s.label().to_owned()).collect();
    assert!(services.contains(&"Accès internet et matériel informatique".to_owned()), "{services:?}");
    assert!(!services.contains(&"Loisirs et créations numériques".to_owned()), "{services:?}");

    // A new version of the file (45 rows fewer): recognised again, without touching the mapping.
    let v2 = sud_export(ROWS - 45);
    let report = import(&ctx, admin, &v2, "lieux-sud-2023.csv").unwrap();
    assert_eq!(report.recognised.as_ref().map(|found| (found.name.as_str(), found.saved)), Some(("region-sud", true)));
    let counts = &report.batch.counts;
    assert_eq!(
        (counts.read, counts.created, counts.updated, counts.unchanged),
        (ROWS - 45, 0, 0, counts.read - counts.rejected)
    );
    assert_eq!(hub.store.saved_mapping("lieux-sud").unwrap().unwrap().version, 1);
    let active =
        hub.store.places(&PlaceQuery { source: Some("region-sud".to_owned()), ..PlaceQuery::default() }).unwrap();
    assert!(active.iter().all(|place| place.status == PlaceStatus::Active));
}

#[test]
fn corrections_naming_what_the_file_or_the_standard_lacks_are_refused_by_line() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let v1 = sud_export(40);
    let first = assistant::propose(&ctx, &hub.admin, &file(&v1), &Corrections::default(), None, 0).unwrap();
    let fablab = rule(&first, "typologie", "« association »");
    let services = first.rules.iter().find(|rule| rule.field == "services").unwrap().index;
    let corrections = Corrections {
        source: Some(" ".to_owned()),
        fields: [
            ("telephone".to_owned(), vec!["Téléphone".to_owned()]),
            ("horaire".to_owned(), vec!["Nom".to_owned()]),
        ]
        .into(),
        rules: [(services, "Cuisine".to_owned()), (999, "x".to_owned())].into(),
    };
    let Err(AppError::Invalid(errors)) = assistant::propose(&ctx, &hub.admin, &file(&v1), &corrections, None, 0) else {
        panic!("refused")
    };
    let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
    assert_eq!(
        fields,
        ["source", "champ:horaire", "champ:telephone", format!("regle:{services}").as_str(), "regle:999"]
    );
    assert!(errors[2].message.contains("la colonne « Téléphone » n'est pas dans le fichier"));
    assert!(errors[3].message.contains("« Cuisine » ne fait pas partie des valeurs de services"));
    // A rule dropped is a correction too; a free-text field (typologie) takes any value.
    let corrections = Corrections { rules: [(fablab, String::new())].into(), ..Corrections::default() };
    let dropped = assistant::propose(&ctx, &hub.admin, &file(&v1), &corrections, None, 0).unwrap();
    assert_eq!(dropped.rules.len(), first.rules.len() - 1);
    assert!(dropped.corrected.is_empty(), "a dropped rule is no line any more");
    // Rules after it keep their own reasons.
    assert_eq!(dropped.rules[fablab].reason, first.rules[fablab + 1].reason);
    assert!(hub.store.audit_log(100).unwrap().iter().all(|entry| !entry.action.starts_with("correspondance")));
}

#[test]
fn a_saved_mapping_wins_over_the_shipped_one_with_the_same_layout() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let creuse = raw("raw-hubs/la-creuse-2023.json.gz");
    let report = import(&ctx, &hub.admin, &creuse, "la-creuse-2023.json.gz").unwrap();
    assert_eq!(report.recognised.as_ref().map(|found| (found.name.as_str(), found.saved)), Some(("la-creuse", false)));

    // The hub's own copy, feeding another source, saved without a file: its layout is the
    // shipped one's.
    let text = shipped::text("la-creuse").unwrap().replace("name = \"la-creuse\"", "name = \"creuse-hub\"");
    let request = MappingToSave { toml: &text, name: None, sample: None, replaces: None };
    let saved = mappings::save_mapping(&ctx, &hub.admin, &request, t0()).unwrap();
    assert_eq!(saved.name, "creuse-hub");
    assert_eq!(saved.layout, shipped::mapping("la-creuse").unwrap().layout());
    let report = import(&ctx, &hub.admin, &creuse, "la-creuse-2023.json.gz").unwrap();
    let recognised = report.recognised.expect("recognised");
    assert_eq!((recognised.name.as_str(), recognised.saved), ("creuse-hub", true));
    assert_eq!(report.batch.source, "creuse-hub");
    assert_eq!((report.batch.counts.created, report.batch.counts.rejected), (89, 2));
}

#[test]
fn bad_mappings_and_bad_files_are_refused_and_nothing_is_written() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let v1 = sud_export(40);
    let good = assistant::propose(&ctx, &hub.admin, &file(&v1), &Corrections::default(), None, 0).unwrap().toml;
    let audit = hub.store.audit_log(100).unwrap();
    let refusal = |toml: &str, name: Option<&str>, sample: Option<SampleFile<'_>>| {
        let request = MappingToSave { toml, name, sample, replaces: None };
        match mappings::save_mapping(&ctx, &hub.admin, &request, t0()) {
            Err(err @ (AppError::Input(_) | AppError::Format(_))) => err.to_string(),
            other => panic!("refused: {other:?}"),
        }
    };
    // A file of one column, a binary file.
    let one_column = b"nom|adresse|commune\nM\xc3\xa9diath\xc3\xa8que|1 rue X|Blois\n";
    let message = refusal(&good, None, Some(SampleFile { bytes: one_column, file_name: "lieux.csv" }));
    assert!(message.contains("une seule colonne lue dans « lieux.csv »"), "{message}");
    let binary = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00";
    let message = refusal(&good, None, Some(SampleFile { bytes: binary, file_name: "lieux.xlsx" }));
    assert!(message.contains("pas un fichier texte CSV ou JSON"), "{message}");
    // A mapping naming a column the file lacks: which, for what, on which line.
    let typo = good.replace("nom = \"Nom\"", "nom = \"Nom du lieu\"");
    let line = typo.lines().position(|line| line == "nom = \"Nom du lieu\"").unwrap() + 1;
    let message = refusal(&typo, None, Some(file(&v1)));
    assert!(message.contains(&format!("« Nom du lieu » (nom, ligne {line})")), "{message}");
    assert!(message.contains("Rien n'a été enregistré"), "{message}");
    // Mistakes in the text itself, with their line.
    let message = refusal("[source]\nname = \"x\"\n[fields]\nnom = \n", None, None);
    assert!(message.contains("ligne 4"), "{message}");
    let message = refusal("[source]\nname = \"x\"\n\n[fields]\nservice = \"S\"\n", None, None);
    assert!(message.starts_with("fichier de correspondance invalide : ligne 5 : [fields] : « service »"), "{message}");
    // A name that is no key.
    let message = refusal(&good, Some("Lieux du Sud"), None);
    assert!(message.contains("nom de correspondance « Lieux du Sud » refusé"), "{message}");
    assert!(hub.store.saved_mappings().unwrap().is_empty());
    assert_eq!(hub.store.audit_log(100).unwrap(), audit);
}

#[test]
fn a_saved_mapping_is_exported_as_saved_replaced_by_version_and_deleted() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let admin = &hub.admin;
    let v1 = sud_export(40);
    let toml = assistant::propose(&ctx, admin, &file(&v1), &Corrections::default(), None, 0).unwrap().toml;
    let request = MappingToSave { toml: &toml, name: None, sample: Some(file(&v1)), replaces: None };
    let saved = mappings::save_mapping(&ctx, admin, &request, t0()).unwrap();
    assert_eq!(saved.name, "lieux-sud-2022");
    let report = import(&ctx, admin, &v1, "lieux-sud-2022.csv").unwrap();
    assert_eq!(report.recognised.map(|found| found.name), Some("lieux-sud-2022".to_owned()));
    assert_eq!(mappings::export_mapping(&ctx, admin, "lieux-sud-2022").unwrap(), toml);
    assert_eq!(mappings::export_mapping(&ctx, admin, "hub-lo").unwrap(), shipped::text("hub-lo").unwrap());
    assert!(matches!(mappings::export_mapping(&ctx, admin, "absente"), Err(AppError::Store(_))));

    // Saving the name again is no replacement; a replacement names the version it replaces.
    assert!(mappings::save_mapping(&ctx, admin, &request, t0()).is_err());
    let edited = format!("{toml}\n# revue\n");
    let replace = MappingToSave { toml: &edited, replaces: Some(1), ..request };
    let second = mappings::save_mapping(&ctx, admin, &replace, t0()).unwrap();
    assert_eq!((second.version, second.created_at), (2, saved.created_at));
    assert!(mappings::save_mapping(&ctx, admin, &replace, t0()).is_err(), "stale");
    assert_eq!(mappings::export_mapping(&ctx, admin, "lieux-sud-2022").unwrap(), edited);
    let listed = mappings::saved_mappings(&ctx, admin).unwrap();
    assert_eq!(listed.iter().map(|m| (m.name.as_str(), m.version)).collect::<Vec<_>>(), [("lieux-sud-2022", 2)]);

    assert!(mappings::delete_mapping(&ctx, admin, "lieux-sud-2022", 1).is_err(), "stale");
    mappings::delete_mapping(&ctx, admin, "lieux-sud-2022", 2).unwrap();
    assert!(hub.store.saved_mappings().unwrap().is_empty());
    let actions: Vec<String> = hub
        .store
        .audit_log(10)
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .filter(|action| action.starts_with("correspondance"))
        .collect();
    assert_eq!(actions, ["correspondance_supprimee", "correspondance_remplacee", "correspondance_enregistree"]);
    // The file is no longer recognised (read as the standard, whose columns it partly has).
    assert_eq!(import(&ctx, admin, &v1, "lieux-sud-2022.csv").map(|report| report.recognised).ok(), Some(None));
}
