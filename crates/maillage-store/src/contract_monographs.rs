//! The monographs' half of the store contract: cases run by
//! [`store_contract_tests!`](crate::store_contract_tests) beside those of [`crate::contract`].

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use crate::contract::snapshot_items;
use crate::*;

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

fn text(bassin: &str, section: &str, version: u32, body: &str) -> MonographText {
    MonographText {
        bassin: bassin.to_owned(),
        section: section.to_owned(),
        version,
        text: body.to_owned(),
        author: Some(format!("u{version}")),
        saved_at: at(i64::from(version)),
    }
}

fn edition(bassin: &str, number: u32) -> MonographEdition {
    MonographEdition {
        id: new_id(),
        bassin: bassin.to_owned(),
        number,
        published_at: at(100 + i64::from(number)),
        published_by: None,
        content: format!(r#"{{"numero":{number},"population":25980.5,"texte":"Synthèse « {bassin} »"}}"#),
    }
}

fn refusal<T: std::fmt::Debug>(result: StoreResult<T>) -> String {
    result.unwrap_err().to_string()
}

pub fn monograph_sections_keep_every_version(store: &dyn Store) {
    assert!(store.monograph_texts("Chinon").unwrap().is_empty());
    store.save_monograph_text(&text("Chinon", "synthese", 1, "Première **synthèse**")).unwrap();
    store.save_monograph_text(&text("Chinon", "synthese", 2, "Deuxième")).unwrap();
    store.save_monograph_text(&text("Chinon", "ateliers", 1, "Trois ateliers")).unwrap();
    store.save_monograph_text(&text("Tours", "synthese", 1, "Ailleurs")).unwrap();
    let saved = store.monograph_texts("Chinon").unwrap();
    let order: Vec<(&str, u32)> = saved.iter().map(|t| (t.section.as_str(), t.version)).collect();
    assert_eq!(order, [("ateliers", 1), ("synthese", 1), ("synthese", 2)]);
    assert_eq!(saved[1], text("Chinon", "synthese", 1, "Première **synthèse**"));
    // A version saved from a stale read (or skipping one) is a conflict and writes nothing.
    assert_eq!(
        refusal(store.save_monograph_text(&text("Chinon", "synthese", 2, "Perdue"))),
        "conflit : la section synthese de la monographie de Chinon a été enregistrée entre-temps"
    );
    assert!(store.save_monograph_text(&text("Chinon", "synthese", 4, "Trop loin")).is_err());
    assert!(store.save_monograph_text(&text("Chinon", "synthese", 0, "Nulle")).is_err());
    assert_eq!(store.monograph_texts("Chinon").unwrap().len(), 3);
}

pub fn editions_are_numbered_per_bassin(store: &dyn Store) {
    let first = edition("Chinon", 1);
    store.add_monograph_edition(&first).unwrap();
    store.add_monograph_edition(&edition("Tours", 1)).unwrap();
    let second = edition("Chinon", 2);
    store.add_monograph_edition(&second).unwrap();
    assert_eq!(store.monograph_editions("Chinon").unwrap(), [first.clone(), second.clone()]);
    assert_eq!(store.monograph_edition(&second.id).unwrap(), Some(second));
    assert_eq!(store.monograph_edition("absente").unwrap(), None);
    assert_eq!(
        refusal(store.add_monograph_edition(&edition("Chinon", 2))),
        "conflit : une édition de la monographie de Chinon a été publiée entre-temps"
    );
    let broken = MonographEdition { content: "pas du JSON".to_owned(), ..edition("Chinon", 3) };
    assert!(store.add_monograph_edition(&broken).is_err());
    assert_eq!(store.monograph_editions("Chinon").unwrap().len(), 2);
}

pub fn monographs_snapshot_restores_identically(source: &dyn Store, target: &dyn Store) {
    source.save_monograph_text(&text("Chinon", "synthese", 1, "Une")).unwrap();
    source.save_monograph_text(&text("Chinon", "synthese", 2, "Deux")).unwrap();
    source.add_monograph_edition(&edition("Chinon", 1)).unwrap();
    let items = snapshot_items(source);
    assert_eq!(items.iter().filter(|item| item.kind() == "monograph_text").count(), 2);
    assert_eq!(items.iter().filter(|item| item.kind() == "monograph_edition").count(), 1);
    target.restore(&mut items.clone().into_iter().map(Ok)).unwrap();
    assert_eq!(snapshot_items(target), items);
    assert_eq!(target.monograph_editions("Chinon").unwrap(), source.monograph_editions("Chinon").unwrap());
    // A store holding a monograph is in use: a restore into it is refused.
    let refused = target.restore(&mut items.into_iter().map(Ok)).unwrap_err();
    assert!(matches!(refused, StoreError::Conflict(_)), "{refused}");
}
