//! The actors directory's half of the store contract: cases run by
//! [`store_contract_tests!`](crate::store_contract_tests) beside those of [`crate::contract`].

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use maillage_domain::PlaceId;

use crate::contract::{import, place, snapshot_items};
use crate::*;

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

/// A new entry (version 1) of this kind and name, in Bourges.
pub fn stakeholder(name: &str, kind: StakeholderKind) -> Stakeholder {
    Stakeholder {
        id: new_id(),
        name: name.to_owned(),
        kind,
        commune_code: Some("18033".to_owned()),
        commune: Some("Bourges".to_owned()),
        departement: Some("18".to_owned()),
        place_id: None,
        contact: None,
        created_by: Some("u1".to_owned()),
        created_at: at(0),
        updated_at: at(0),
        version: 1,
        merged_into: None,
    }
}

/// Its next version, with a new name.
fn renamed(previous: &Stakeholder, name: &str) -> Stakeholder {
    Stakeholder {
        name: name.to_owned(),
        version: previous.version + 1,
        updated_at: previous.updated_at + TimeDelta::seconds(1),
        ..previous.clone()
    }
}

fn words(text: &str) -> Vec<String> {
    maillage_domain::text::fold(text).split(' ').filter(|word| !word.is_empty()).map(str::to_owned).collect()
}

fn names(found: &[Stakeholder]) -> Vec<&str> {
    found.iter().map(|stakeholder| stakeholder.name.as_str()).collect()
}

fn merge_of(from: &Stakeholder, into: &Stakeholder, seconds: i64) -> StakeholderMerge {
    StakeholderMerge {
        from: from.id.clone(),
        from_version: from.version,
        into: into.id.clone(),
        into_version: into.version,
        at: at(seconds),
    }
}

pub fn stakeholders_round_trip_and_are_found_by_folded_words(store: &dyn Store) {
    let mut caf = stakeholder("CAF du Cher", StakeholderKind::Institution);
    caf.contact = Some("Mme Lefèvre, chargée de mission".to_owned());
    let mairie = stakeholder("Mairie de Saint-Amand-Montrond", StakeholderKind::Collectivite);
    let mut elu = stakeholder("Hélène Durand", StakeholderKind::Elu);
    elu.commune_code = None;
    elu.commune = None;
    elu.departement = None;
    elu.created_by = None;
    for entry in [&caf, &mairie, &elu] {
        store.add_stakeholder(entry).unwrap();
    }
    assert_eq!(store.stakeholder(&caf.id).unwrap().as_ref(), Some(&caf));
    assert_eq!(store.stakeholder(&elu.id).unwrap().as_ref(), Some(&elu));
    assert_eq!(store.stakeholder("absent").unwrap(), None);
    let mut ids: Vec<&str> = vec![&caf.id, &mairie.id, &elu.id];
    ids.sort();
    assert_eq!(store.stakeholders().unwrap().iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ids);

    // Accents, case and hyphens are folded; every word must appear, in the name or the commune.
    assert_eq!(names(&store.find_stakeholders(&words("helene"), 10).unwrap()), ["Hélène Durand"]);
    assert_eq!(names(&store.find_stakeholders(&words("SAINT amand"), 10).unwrap()), ["Mairie de Saint-Amand-Montrond"]);
    assert_eq!(names(&store.find_stakeholders(&words("caf bourges"), 10).unwrap()), ["CAF du Cher"]);
    assert!(store.find_stakeholders(&words("caf vierzon"), 10).unwrap().is_empty());
    // By search key, then id; limited.
    let everyone = store.find_stakeholders(&[], 10).unwrap();
    assert_eq!(names(&everyone), ["CAF du Cher", "Hélène Durand", "Mairie de Saint-Amand-Montrond"]);
    assert_eq!(store.find_stakeholders(&words("bourges"), 1).unwrap().len(), 1);
}

pub fn one_entry_stands_for_a_place(store: &dyn Store) {
    let bibliotheque = place("hub", "1", "b");
    import(store, "hub", std::slice::from_ref(&bibliotheque));
    assert_eq!(store.stakeholder_of_place(&bibliotheque.id).unwrap(), None);
    let mut first = stakeholder("Médiathèque", StakeholderKind::Lieu);
    first.place_id = Some(bibliotheque.id.clone());
    store.add_stakeholder(&first).unwrap();
    assert_eq!(store.stakeholder_of_place(&bibliotheque.id).unwrap().as_ref(), Some(&first));

    let mut second = stakeholder("Médiathèque (bis)", StakeholderKind::Lieu);
    second.place_id = Some(bibliotheque.id.clone());
    let refused = store.add_stakeholder(&second).unwrap_err();
    assert!(matches!(refused, StoreError::Conflict(_)), "{refused}");
    second.place_id = Some(PlaceId("inconnu".to_owned()));
    assert!(matches!(store.add_stakeholder(&second), Err(StoreError::NotFound(_))));
    // Nor may an edit give a place that already has its entry to another one.
    second.place_id = None;
    store.add_stakeholder(&second).unwrap();
    let mut moved = renamed(&second, "Médiathèque (bis)");
    moved.place_id = Some(bibliotheque.id.clone());
    assert!(matches!(store.update_stakeholder(&moved), Err(StoreError::Conflict(_))));
    assert_eq!(store.stakeholder(&second.id).unwrap().as_ref(), Some(&second));
    assert_eq!(store.stakeholders().unwrap().len(), 2);
}

pub fn a_stale_stakeholder_edit_is_a_conflict_and_writes_nothing(store: &dyn Store) {
    let first = stakeholder("Centre social", StakeholderKind::Association);
    store.add_stakeholder(&first).unwrap();
    let second = renamed(&first, "Centre social des Gibjoncs");
    store.update_stakeholder(&second).unwrap();
    assert_eq!(store.stakeholder(&first.id).unwrap().as_ref(), Some(&second));
    // A writer that read version 1 is late.
    let late = renamed(&first, "Centre social Est");
    assert!(matches!(store.update_stakeholder(&late), Err(StoreError::Conflict(_))));
    assert_eq!(store.stakeholder(&first.id).unwrap().as_ref(), Some(&second));
    // An edit keeps the id, creation and merge as stored.
    let mut sneaky = renamed(&second, "Centre social");
    sneaky.created_by = Some("quelqu'un d'autre".to_owned());
    sneaky.created_at = at(99);
    store.update_stakeholder(&sneaky).unwrap();
    let stored = store.stakeholder(&first.id).unwrap().unwrap();
    assert_eq!((stored.created_by.as_deref(), stored.created_at, stored.version), (Some("u1"), at(0), 3));
    let unknown = Stakeholder { id: "absent".to_owned(), ..renamed(&stored, "x") };
    assert!(matches!(store.update_stakeholder(&unknown), Err(StoreError::NotFound(_))));
}

pub fn a_merge_keeps_every_reference(store: &dyn Store) {
    let bibliotheque = place("hub", "1", "b");
    import(store, "hub", std::slice::from_ref(&bibliotheque));
    let mut lieu = stakeholder("Médiathèque de Bourges", StakeholderKind::Lieu);
    lieu.place_id = Some(bibliotheque.id.clone());
    lieu.contact = Some("M. Martin".to_owned());
    let mut named = stakeholder("Médiathèque municipale", StakeholderKind::Collectivite);
    named.departement = None;
    let third = stakeholder("Bibliothèque des Gibjoncs", StakeholderKind::Collectivite);
    for entry in [&lieu, &named, &third] {
        store.add_stakeholder(entry).unwrap();
    }

    // The place's entry goes into the one named by hand, which takes what it lacked.
    store.merge_stakeholders(&merge_of(&lieu, &named, 10)).unwrap();
    let kept = store.stakeholder(&named.id).unwrap().unwrap();
    assert_eq!(kept.place_id.as_ref(), Some(&bibliotheque.id));
    assert_eq!((kept.departement.as_deref(), kept.contact.as_deref()), (Some("18"), Some("M. Martin")));
    assert_eq!((kept.version, kept.updated_at, kept.name.as_str()), (2, at(10), "Médiathèque municipale"));
    let redirect = store.stakeholder(&lieu.id).unwrap().unwrap();
    assert_eq!((redirect.merged_into.as_deref(), redirect.version), (Some(named.id.as_str()), 2));
    assert_eq!(redirect.canonical_id(), named.id);
    assert_eq!(store.stakeholder_of_place(&bibliotheque.id).unwrap().map(|s| s.id), Some(named.id.clone()));
    // A merged entry is no longer found, edited or merged.
    assert_eq!(names(&store.find_stakeholders(&words("mediatheque"), 10).unwrap()), ["Médiathèque municipale"]);
    assert!(matches!(store.update_stakeholder(&renamed(&redirect, "x")), Err(StoreError::Conflict(_))));
    assert!(matches!(store.merge_stakeholders(&merge_of(&redirect, &third, 11)), Err(StoreError::Conflict(_))));
    // A stale or self merge writes nothing.
    assert!(matches!(store.merge_stakeholders(&merge_of(&named, &third, 12)), Err(StoreError::Conflict(_))));
    assert!(matches!(store.merge_stakeholders(&merge_of(&kept, &kept, 12)), Err(StoreError::Conflict(_))));
    assert!(matches!(
        store.merge_stakeholders(&StakeholderMerge { from: "absent".to_owned(), ..merge_of(&kept, &third, 12) }),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.stakeholder(&named.id).unwrap().as_ref(), Some(&kept));

    // Merging the kept entry again flattens the redirects: each points at the last one kept.
    store.merge_stakeholders(&merge_of(&kept, &third, 20)).unwrap();
    for id in [&lieu.id, &named.id] {
        assert_eq!(store.stakeholder(id).unwrap().unwrap().merged_into.as_deref(), Some(third.id.as_str()));
    }
    let last = store.stakeholder(&third.id).unwrap().unwrap();
    assert_eq!(last.place_id.as_ref(), Some(&bibliotheque.id));
    assert_eq!(store.stakeholder_of_place(&bibliotheque.id).unwrap().as_ref(), Some(&last));
    assert_eq!(store.stakeholders().unwrap().len(), 3);
}

pub fn actor_refusals_name_what_they_refuse(store: &dyn Store) {
    let refusal = |result: StoreResult<()>| result.expect_err("a refusal").to_string();
    let bibliotheque = place("hub", "1", "b");
    import(store, "hub", std::slice::from_ref(&bibliotheque));
    let mut first = stakeholder("Médiathèque", StakeholderKind::Lieu);
    first.place_id = Some(bibliotheque.id.clone());
    store.add_stakeholder(&first).unwrap();
    let id = &first.id;
    assert_eq!(refusal(store.add_stakeholder(&first)), format!("conflit : l'acteur {id} existe déjà"));
    let twin = Stakeholder { id: "a-2".to_owned(), ..first.clone() };
    assert_eq!(
        refusal(store.add_stakeholder(&twin)),
        format!("conflit : le lieu {} a déjà sa fiche dans l'annuaire des acteurs", bibliotheque.id)
    );
    let nameless = Stakeholder { id: "a-3".to_owned(), name: " ".to_owned(), place_id: None, ..first.clone() };
    assert_eq!(refusal(store.add_stakeholder(&nameless)), "conflit : l'acteur a-3 n'a pas de nom");
    let late = renamed(&first, "x");
    store.update_stakeholder(&late).unwrap();
    assert_eq!(refusal(store.update_stakeholder(&late)), format!("conflit : l'acteur {id} a été modifié entre-temps"));
    let other = stakeholder("CAF", StakeholderKind::Institution);
    store.add_stakeholder(&other).unwrap();
    store.merge_stakeholders(&merge_of(&other, &late, 5)).unwrap();
    let merged = store.stakeholder(&other.id).unwrap().unwrap();
    assert_eq!(
        refusal(store.update_stakeholder(&renamed(&merged, "y"))),
        format!("conflit : l'acteur {} a déjà été fusionné dans un autre", other.id)
    );
    let kept = store.stakeholder(id).unwrap().unwrap();
    assert_eq!(
        refusal(store.merge_stakeholders(&StakeholderMerge { into: "absent".to_owned(), ..merge_of(&kept, &kept, 6) })),
        "introuvable : acteur absent"
    );
}

pub fn actors_snapshot_restores_identically(source: &dyn Store, target: &dyn Store) {
    let bibliotheque = place("hub", "1", "b");
    import(source, "hub", std::slice::from_ref(&bibliotheque));
    let mut lieu = stakeholder("Médiathèque", StakeholderKind::Lieu);
    lieu.place_id = Some(bibliotheque.id.clone());
    // Created first, merged into one created after it: the restore must write the entry kept
    // before its redirect.
    let kept = stakeholder("Médiathèque municipale", StakeholderKind::Collectivite);
    source.add_stakeholder(&lieu).unwrap();
    source.add_stakeholder(&kept).unwrap();
    source.add_stakeholder(&stakeholder("Élise Roy", StakeholderKind::Elu)).unwrap();
    source.merge_stakeholders(&merge_of(&lieu, &kept, 3)).unwrap();
    let items = snapshot_items(source);
    assert_eq!(items.iter().filter(|item| item.kind() == "stakeholder").count(), 3);
    target.restore(&mut items.clone().into_iter().map(Ok)).unwrap();
    assert_eq!(snapshot_items(target), items);
    assert_eq!(target.stakeholder_of_place(&bibliotheque.id).unwrap().map(|s| s.id), Some(kept.id));
}
