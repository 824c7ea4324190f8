//! The saved mappings' half of the store contract: cases run by
//! [`store_contract_tests!`](crate::store_contract_tests) beside those of [`crate::contract`].

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use crate::contract::snapshot_items;
use crate::*;

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

/// A new saved mapping (version 1) of this name feeding a source of the same name.
pub fn saved_mapping(name: &str) -> SavedMapping {
    SavedMapping {
        name: name.to_owned(),
        source: name.to_owned(),
        toml: format!("# Médiathèques\n[source]\nname = \"{name}\"\n\n[fields]\nnom = \"Nom\"\nadresse = \"Rue\"\n"),
        layout: vec!["Nom".to_owned(), "Rue".to_owned(), "Téléphone".to_owned()],
        created_by: Some("u1".to_owned()),
        created_at: at(0),
        updated_by: Some("u1".to_owned()),
        updated_at: at(0),
        version: 1,
    }
}

/// Its next version, with another text.
fn replaced(previous: &SavedMapping, toml: &str) -> SavedMapping {
    SavedMapping {
        toml: toml.to_owned(),
        updated_by: Some("u2".to_owned()),
        updated_at: previous.updated_at + TimeDelta::seconds(1),
        version: previous.version + 1,
        ..previous.clone()
    }
}

fn names(store: &dyn Store) -> Vec<String> {
    store.saved_mappings().unwrap().into_iter().map(|mapping| mapping.name).collect()
}

pub fn saved_mappings_round_trip_by_name(store: &dyn Store) {
    assert!(store.saved_mappings().unwrap().is_empty());
    let first = saved_mapping("mediatheques-41");
    let mut second = saved_mapping("anjou");
    second.source = "maine-et-loire".to_owned();
    second.created_by = None;
    second.updated_by = None;
    second.layout = Vec::new();
    // Text kept byte for byte: comments, accents, quotes, line ends.
    second.toml = "# « Anjou » \"numérique\"\r\n[source]\nname = 'anjou'\n\t\n".to_owned();
    store.add_mapping(&first).unwrap();
    store.add_mapping(&second).unwrap();
    assert_eq!(store.saved_mapping("mediatheques-41").unwrap().as_ref(), Some(&first));
    assert_eq!(store.saved_mapping("anjou").unwrap().as_ref(), Some(&second));
    assert_eq!(store.saved_mapping("absent").unwrap(), None);
    assert_eq!(names(store), ["anjou", "mediatheques-41"]);
    assert_eq!(store.saved_mappings().unwrap()[1], first);
}

pub fn a_mapping_is_replaced_by_its_next_version_only(store: &dyn Store) {
    let first = saved_mapping("anjou");
    store.add_mapping(&first).unwrap();
    // A second save under the same name is not a replacement.
    assert!(matches!(store.add_mapping(&first), Err(StoreError::Conflict(_))));
    let second = replaced(&first, "[source]\nname = \"anjou\"\n");
    store.update_mapping(&second).unwrap();
    assert_eq!(store.saved_mapping("anjou").unwrap().as_ref(), Some(&second));
    // A writer that read version 1 is late; nothing is written.
    let late = replaced(&first, "[source]\nname = \"en retard\"\n");
    assert!(matches!(store.update_mapping(&late), Err(StoreError::Conflict(_))));
    assert_eq!(store.saved_mapping("anjou").unwrap().as_ref(), Some(&second));
    // A replacement keeps the creation as stored.
    let mut sneaky = replaced(&second, "[source]\nname = \"anjou\"\n# 3\n");
    sneaky.created_by = Some("quelqu'un d'autre".to_owned());
    sneaky.created_at = at(99);
    sneaky.layout = vec!["Nom".to_owned()];
    store.update_mapping(&sneaky).unwrap();
    let stored = store.saved_mapping("anjou").unwrap().unwrap();
    assert_eq!((stored.created_by.as_deref(), stored.created_at, stored.version), (Some("u1"), at(0), 3));
    assert_eq!((stored.updated_by.as_deref(), stored.layout.len()), (Some("u2"), 1));
    let unknown = SavedMapping { name: "absent".to_owned(), ..replaced(&stored, "x") };
    assert!(matches!(store.update_mapping(&unknown), Err(StoreError::NotFound(_))));
    assert_eq!(names(store), ["anjou"]);
}

pub fn a_mapping_is_deleted_at_the_version_read(store: &dyn Store) {
    let first = saved_mapping("anjou");
    store.add_mapping(&first).unwrap();
    store.add_mapping(&saved_mapping("corse-bis")).unwrap();
    let second = replaced(&first, "[source]\nname = \"anjou\"\n");
    store.update_mapping(&second).unwrap();
    assert!(matches!(store.delete_mapping("anjou", 1), Err(StoreError::Conflict(_))));
    assert!(matches!(store.delete_mapping("absent", 1), Err(StoreError::NotFound(_))));
    assert_eq!(names(store), ["anjou", "corse-bis"]);
    store.delete_mapping("anjou", 2).unwrap();
    assert_eq!(store.saved_mapping("anjou").unwrap(), None);
    assert_eq!(names(store), ["corse-bis"]);
    // The name is free again: a new mapping starts at version 1.
    store.add_mapping(&first).unwrap();
    assert_eq!(store.saved_mapping("anjou").unwrap().as_ref(), Some(&first));
}

pub fn mapping_refusals_name_what_they_refuse(store: &dyn Store) {
    let refusal = |result: StoreResult<()>| result.expect_err("a refusal").to_string();
    let first = saved_mapping("anjou");
    store.add_mapping(&first).unwrap();
    assert_eq!(refusal(store.add_mapping(&first)), "conflit : la correspondance anjou existe déjà");
    let second = replaced(&first, "[source]\n");
    store.update_mapping(&second).unwrap();
    assert_eq!(refusal(store.update_mapping(&second)), "conflit : la correspondance anjou a été modifiée entre-temps");
    assert_eq!(
        refusal(store.delete_mapping("anjou", 1)),
        "conflit : la correspondance anjou a été modifiée entre-temps"
    );
    assert_eq!(refusal(store.delete_mapping("absent", 1)), "introuvable : correspondance absent");
    let nameless = SavedMapping { name: " ".to_owned(), ..saved_mapping("x") };
    assert_eq!(refusal(store.add_mapping(&nameless)), "conflit : une correspondance enregistrée doit avoir un nom");
    let empty = SavedMapping { toml: "\n".to_owned(), ..saved_mapping("vide") };
    assert_eq!(refusal(store.add_mapping(&empty)), "conflit : la correspondance vide est vide");
    let sourceless = SavedMapping { source: String::new(), ..saved_mapping("s") };
    assert_eq!(refusal(store.add_mapping(&sourceless)), "conflit : la correspondance s ne nomme pas de source");
    let later = SavedMapping { version: 2, ..saved_mapping("v") };
    assert_eq!(
        refusal(store.add_mapping(&later)),
        "conflit : la correspondance v : une nouvelle correspondance a la version 1"
    );
    assert_eq!(names(store), ["anjou"]);
}

pub fn mappings_snapshot_restores_identically(source: &dyn Store, target: &dyn Store) {
    let first = saved_mapping("mediatheques-41");
    source.add_mapping(&first).unwrap();
    source.update_mapping(&replaced(&first, "# v2\n[source]\nname = \"mediatheques-41\"\n")).unwrap();
    let mut other = saved_mapping("anjou");
    other.created_by = None;
    source.add_mapping(&other).unwrap();
    let items = snapshot_items(source);
    let saved: Vec<&SnapshotItem> = items.iter().filter(|item| item.kind() == "mapping").collect();
    assert_eq!(saved.len(), 2);
    assert!(matches!(saved[0], SnapshotItem::Mapping(mapping) if mapping.name == "anjou"));
    target.restore(&mut items.clone().into_iter().map(Ok)).unwrap();
    assert_eq!(snapshot_items(target), items);
    assert_eq!(target.saved_mappings().unwrap(), source.saved_mappings().unwrap());
    // A store holding a saved mapping is in use: a restore into it is refused.
    let refused = target.restore(&mut items.into_iter().map(Ok)).unwrap_err();
    assert!(matches!(refused, StoreError::Conflict(_)), "{refused}");
}
