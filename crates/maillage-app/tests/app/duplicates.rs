//! Properties of duplicate decisions on generated places: the published record of a merge
//! takes every value from some member, a scan never merges a vetoed pair nor a place with
//! itself, and merge then undo gives back exactly the original records.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::duplicates::{self, published_record, Resolution, ScanOptions};
use maillage_dedup::{score, Thresholds};
use maillage_domain::vocab::Vocabulary;
use maillage_domain::{Coordinates, Place, PlaceRecord, Service};
use maillage_store::{AccountStore, ImportBatch, ImportCounts, PairStatus, PlaceKey, PlaceQuery, Store};
use maillage_store_sqlite::SqliteStore;
use proptest::prelude::*;

const NAMES: &[&str] = &[
    "Mairie de Loches",
    "Hôtel de ville de Loches",
    "Médiathèque François Mitterrand",
    "Bibliothèque F. Mitterrand",
    "Mission locale Touraine",
    "[Non diffusible]",
    "inconnu",
    "Asso. Les Tracols",
];
const ADDRESSES: &[&str] = &["4 av de Saint-Menet", "4 avenue de St Menet", "12 rue Nationale", "", "inconnu"];
const COMMUNES: &[(&str, &str, Option<&str>)] =
    &[("Loches", "37600", Some("37132")), ("Loches", "37600", None), ("Tours", "37000", Some("37261"))];
const PIVOTS: &[Option<&str>] = &[None, Some("00000000000000"), Some("77556026100015"), Some("21620033700014")];
const PHONES: &[Option<&str>] = &[None, Some("+33247590000"), Some("+33247591111"), Some("NC")];
const EMAILS: &[&[&str]] = &[&[], &["contact@mairie.fr"], &["CONTACT@mairie.fr", "accueil@mairie.fr"]];

fn record() -> impl Strategy<Value = PlaceRecord> {
    (
        (0..NAMES.len(), 0..ADDRESSES.len(), 0..COMMUNES.len(), 0..PIVOTS.len()),
        (0..PHONES.len(), 0..EMAILS.len(), 0usize..3),
        proptest::option::of((47.120f64..47.1205, 0.990f64..0.9905)),
        proptest::option::of(1u32..28),
    )
        .prop_map(|((name, address, commune, pivot), (phone, email, services), coords, day)| {
            let (commune, postcode, insee) = COMMUNES[commune];
            PlaceRecord {
                id: "x".into(),
                nom: NAMES[name].into(),
                adresse: ADDRESSES[address].into(),
                commune: commune.into(),
                code_postal: postcode.into(),
                code_insee: insee.map(str::to_owned),
                pivot: PIVOTS[pivot].map(str::to_owned),
                telephone: PHONES[phone].map(str::to_owned),
                courriels: EMAILS[email].iter().map(|e| e.to_string()).collect(),
                services: Service::all().iter().take(services).copied().collect(),
                coordinates: coords.map(|(latitude, longitude)| Coordinates { latitude, longitude }),
                date_maj: day.and_then(|day| NaiveDate::from_ymd_opt(2024, 3, day)),
                ..Default::default()
            }
        })
}

fn place(n: usize, mut record: PlaceRecord, source: &str) -> Place {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::TimeDelta::seconds(n as i64);
    record.id = format!("s{n}");
    Place::first_version(maillage_store::new_place_id(), source, &format!("s{n}"), record, at)
}

fn store_with(places: &[Place]) -> SqliteStore {
    let store = SqliteStore::in_memory().unwrap();
    let mut by_source: BTreeMap<&str, Vec<&Place>> = BTreeMap::new();
    for place in places {
        by_source.entry(&place.source).or_default().push(place);
    }
    for (source, places) in by_source {
        let mut batch = ImportBatch {
            id: maillage_store::new_batch_id(),
            source: source.to_owned(),
            file_name: "t.json".into(),
            started_at: maillage_store::now(),
            finished_at: None,
            counts: ImportCounts::default(),
        };
        let mut session = store.begin_import(&batch).unwrap();
        for place in places {
            session.insert(place, "h").unwrap();
        }
        batch.finished_at = Some(batch.started_at);
        session.commit(&batch).unwrap();
    }
    store
}

fn export(store: &dyn Store, raw: bool) -> String {
    let mut out = Vec::new();
    let filter = maillage_app::places::export::ExportFilter { raw_members: raw, ..Default::default() };
    maillage_app::places::export::export_places(
        store,
        None,
        maillage_formats::export::ExportFormat::Json,
        &filter,
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Every value of the published record is some member's; lists are unions; a placeholder
    /// never wins over a real value.
    #[test]
    fn published_fields_come_from_members(records in proptest::collection::vec(record(), 1..5)) {
        let members: Vec<Place> = records.into_iter().enumerate().map(|(n, r)| place(n, r, "a")).collect();
        let out = published_record(&members);
        let from_some = |pick: &dyn Fn(&PlaceRecord) -> String| members.iter().any(|m| pick(&m.record) == pick(&out));
        prop_assert!(from_some(&|r| r.nom.clone()), "nom");
        prop_assert!(from_some(&|r| format!("{:?}", r.pivot)), "pivot");
        prop_assert!(from_some(&|r| format!("{:?}", r.telephone)), "telephone");
        prop_assert!(from_some(&|r| format!("{:?}", r.coordinates)), "coordinates");
        prop_assert!(from_some(&|r| format!("{:?}", r.date_maj)), "date_maj");
        // The address block comes from one member.
        prop_assert!(from_some(&|r| format!("{}|{}|{}", r.adresse, r.code_postal, r.commune)), "adresse");
        // The INSEE code is the address member's, else another's (members share a commune).
        prop_assert!(from_some(&|r| format!("{:?}", r.code_insee)), "code_insee");
        for email in &out.courriels {
            prop_assert!(members.iter().any(|m| m.record.courriels.contains(email)));
        }
        for member in &members {
            prop_assert!(member.record.services.is_subset(&out.services));
            for email in &member.record.courriels {
                prop_assert!(out.courriels.iter().any(|e| e.eq_ignore_ascii_case(email)));
            }
        }
        let real = |text: &str| !maillage_dedup::normalize::is_anonymous_name(text);
        if members.iter().any(|m| real(&m.record.nom)) {
            prop_assert!(real(&out.nom));
        }
        if members.iter().any(|m| m.record.telephone.as_deref().is_some_and(real)) {
            prop_assert!(out.telephone.as_deref().is_some_and(real));
        }
        if members.iter().any(|m| m.record.pivot.as_deref().and_then(maillage_dedup::normalize::identifier).is_some()) {
            prop_assert!(out.pivot.as_deref().and_then(maillage_dedup::normalize::identifier).is_some());
        }
    }

    /// A scan with thresholds at zero merges everything it may: still never a vetoed pair,
    /// never a place with itself, and every merged pair was corroborated.
    #[test]
    fn scan_respects_vetoes(records in proptest::collection::vec(record(), 2..8)) {
        let places: Vec<Place> =
            records.into_iter().enumerate().map(|(n, r)| place(n, r, if n % 2 == 0 { "a" } else { "b" })).collect();
        let store = store_with(&places);
        let options = ScanOptions { sources: Vec::new(), thresholds: Thresholds { auto_merge: 0.0, review: 0.0 } };
        duplicates::scan(&Context::new(&store), &Actor::operator(None), &options).unwrap();
        let by_key: BTreeMap<PlaceKey, &Place> = places.iter().map(|p| (PlaceKey::of(p), p)).collect();
        for pair in store.duplicate_pairs().unwrap() {
            prop_assert!(pair.a < pair.b);
            let s = score(&by_key[&pair.a].record, &by_key[&pair.b].record);
            prop_assert!(s.veto.is_none(), "{:?}", pair);
            if pair.status == PairStatus::AutoMerged && pair.decided_by.as_deref() == Some(duplicates::SCANNER) {
                prop_assert!(pair.group_id.is_some());
            }
        }
        // No two members of one group were vetoed as a pair... unless they are joined only
        // through others; but no group ever holds a place twice.
        for group in store.merge_groups().unwrap() {
            let mut members = group.members.clone();
            members.dedup();
            prop_assert_eq!(members.len(), group.members.len());
        }
        // Scanning again changes nothing.
        let before = store.duplicate_pairs().unwrap();
        let again = duplicates::scan(&Context::new(&store), &Actor::operator(None), &options).unwrap();
        prop_assert_eq!(again.auto_merged + again.queued, 0);
        prop_assert_eq!(store.duplicate_pairs().unwrap(), before);
    }

    /// Merge then undo: the places, their history and the export are exactly as before.
    #[test]
    fn merge_then_undo_gives_back_the_originals(records in proptest::collection::vec(record(), 2..6)) {
        let places: Vec<Place> =
            records.into_iter().enumerate().map(|(n, r)| place(n, r, if n % 2 == 0 { "a" } else { "b" })).collect();
        let store = store_with(&places);
        let before_places = store.places(&PlaceQuery::default()).unwrap();
        let before_export = export(&store, false);
        let options = ScanOptions { sources: Vec::new(), thresholds: Thresholds { auto_merge: 1.1_f64.min(1.0), review: 0.0 } };
        duplicates::scan(&Context::new(&store), &Actor::operator(None), &options).unwrap();
        // Merge every queued pair a person may merge.
        for pair in store.duplicate_pairs().unwrap() {
            if pair.status == PairStatus::Pending {
                let _ = duplicates::resolve(&Context::new(&store), &Actor::operator(Some("test")), &pair.id, Resolution::Merge);
            }
        }
        prop_assert_eq!(store.places(&PlaceQuery::default()).unwrap(), before_places.clone());
        prop_assert_eq!(export(&store, true), before_export.clone());
        let groups = store.merge_groups().unwrap();
        for group in &groups {
            duplicates::undo(&Context::new(&store), &Actor::operator(None), &group.id).unwrap();
        }
        prop_assert!(store.merge_groups().unwrap().is_empty());
        // Each member comes back as it was, under a new version (the undo is a change the
        // feeds announce): everything but the version and its date is as before.
        let unversioned = |places: Vec<Place>| -> Vec<Place> {
            places.into_iter().map(|place| Place { version: 1, updated_at: place.created_at, ..place }).collect()
        };
        prop_assert_eq!(unversioned(store.places(&PlaceQuery::default()).unwrap()), unversioned(before_places));
        prop_assert_eq!(export(&store, false), before_export);
        prop_assert!(store.duplicate_pairs().unwrap().iter().all(|pair| pair.status == PairStatus::Pending));
    }
}

#[test]
fn freshest_real_value_wins_and_lists_are_unions() {
    let mut old = PlaceRecord {
        nom: "Médiathèque de Loches".into(),
        adresse: "12 rue Nationale".into(),
        code_postal: "37600".into(),
        commune: "Loches".into(),
        telephone: Some("+33247590000".into()),
        courriels: vec!["mediatheque@loches.fr".into()],
        date_maj: NaiveDate::from_ymd_opt(2022, 7, 1),
        ..Default::default()
    };
    // The same place in the same commune, a later copy with other values.
    let mut new = PlaceRecord {
        nom: "[Non diffusible]".into(),
        adresse: "inconnu".into(),
        telephone: Some("+33247591111".into()),
        courriels: vec!["MEDIATHEQUE@loches.fr".into(), "accueil@loches.fr".into()],
        date_maj: NaiveDate::from_ymd_opt(2023, 1, 1),
        ..old.clone()
    };
    old.services.insert(Service::all()[0]);
    new.services.insert(Service::all()[1]);
    let members = vec![place(0, old.clone(), "a"), place(1, new.clone(), "b")];
    let out = published_record(&members);
    assert_eq!(out.nom, old.nom, "a placeholder never wins over a real name");
    assert_eq!(out.adresse, old.adresse);
    assert_eq!(out.telephone, new.telephone, "the freshest real phone");
    assert_eq!(out.date_maj, new.date_maj);
    assert_eq!(out.courriels, vec!["MEDIATHEQUE@loches.fr".to_owned(), "accueil@loches.fr".to_owned()]);
    assert_eq!(out.services.len(), 2);
    assert_eq!(out.presentation_resume, None, "nothing invented");
}

/// "Distinct" is not forever: a person takes it back, the pair returns to the review queue
/// (never to a merge on its own), a scan keeps it there, and the audit log says who.
#[test]
fn a_distinct_decision_can_be_taken_back() {
    let at = |n: usize, name: &str| {
        let record = PlaceRecord {
            nom: name.into(),
            adresse: "40 avenue de Lattre".into(),
            code_postal: "18000".into(),
            commune: "Bourges".into(),
            ..Default::default()
        };
        place(n, record, "essai")
    };
    let store = store_with(&[at(0, "Point numérique"), at(1, "Point numérique du centre")]);
    let (ctx, operator) = (Context::new(&store), Actor::operator(Some("Camille")));
    let options = ScanOptions { sources: Vec::new(), thresholds: Thresholds { auto_merge: 1.0, review: 0.5 } };
    duplicates::scan(&ctx, &operator, &options).unwrap();
    let pair = store.duplicate_pairs().unwrap().remove(0);
    assert_eq!(pair.status, PairStatus::Pending);
    // Only a distinct pair is reopened.
    assert!(matches!(
        duplicates::reopen(&ctx, &operator, &pair.id),
        Err(maillage_app::AppError::Store(maillage_store::StoreError::Conflict(_)))
    ));
    duplicates::resolve(&ctx, &operator, &pair.id, Resolution::Distinct).unwrap();
    duplicates::scan(&ctx, &operator, &options).unwrap();
    assert_eq!(store.duplicate_pairs().unwrap()[0].status, PairStatus::Distinct);

    let reopened = duplicates::reopen(&ctx, &operator, &pair.id).unwrap();
    assert_eq!(reopened.status, PairStatus::Pending);
    let entry = store.audit_log(1).unwrap().remove(0);
    assert_eq!(entry.action, "doublons_reouverture");
    let counts = duplicates::scan(&ctx, &operator, &options).unwrap();
    assert_eq!((counts.pending, counts.auto_merged), (1, 0), "{counts:?}");
    assert_eq!(duplicates::review_queue(&ctx, &operator).unwrap().len(), 1);
    // Reopened twice: the second finds it pending, a conflict, nothing written.
    assert!(duplicates::reopen(&ctx, &operator, &pair.id).is_err());
    let merged = duplicates::resolve(&ctx, &operator, &pair.id, Resolution::Merge).unwrap();
    assert!(merged.group_id.is_some());
}

/// The directory (map, list, API, counts) serves a merged place once, with its published
/// record, after a sync and after a restart; an undo brings both members back.
#[test]
fn the_directory_serves_a_merged_place_once() {
    use maillage_app::directory::{Directory, DirectoryHandle, Query};
    let loches = PlaceRecord {
        nom: "Médiathèque de Loches".into(),
        adresse: "12 rue Nationale".into(),
        code_postal: "37600".into(),
        commune: "Loches".into(),
        coordinates: Some(Coordinates { latitude: 47.128, longitude: 0.995 }),
        telephone: Some("+33247590000".into()),
        ..Default::default()
    };
    let other = PlaceRecord {
        nom: "France services de Tours".into(),
        adresse: "1 place Jean Jaurès".into(),
        code_postal: "37000".into(),
        commune: "Tours".into(),
        coordinates: Some(Coordinates { latitude: 47.390, longitude: 0.689 }),
        ..Default::default()
    };
    let mut newer = loches.clone();
    newer.courriels = vec!["accueil@loches.fr".into()];
    let places = vec![place(0, loches, "a"), place(1, newer, "b"), place(2, other, "a")];
    let store = store_with(&places);
    let territory = crate::support::territory();
    let handle = DirectoryHandle::new(Directory::load(&store, territory.clone()).unwrap());
    let total = |directory: &Directory| directory.counts(&Query::default()).unwrap().total;
    assert_eq!(total(&handle.current()), 3);

    let options = ScanOptions { sources: Vec::new(), thresholds: Thresholds { auto_merge: 1.0, review: 0.5 } };
    duplicates::scan(&Context::new(&store), &Actor::operator(None), &options).unwrap();
    // The scan merges them itself (same name, address and phone); a person's merge goes
    // through the same groups (see the web tests).
    assert_eq!(store.merge_groups().unwrap().len(), 1);

    assert!(handle.sync(&store).unwrap().applied > 0, "a merge writes no place but changes the directory");
    for directory in [handle.current(), Arc::new(Directory::load(&store, territory.clone()).unwrap())] {
        assert_eq!(total(&directory), 2);
        assert_eq!(directory.len(), 2);
        let earliest = places[..2].iter().map(|place| &place.id.0).min().unwrap();
        let merged = directory.get(earliest).expect("published under the earliest member's id");
        assert_eq!(merged.place.record.courriels, vec!["accueil@loches.fr".to_owned()], "the published record");
        let later = places[..2].iter().map(|place| &place.id.0).max().unwrap();
        assert!(directory.get(later).is_none());
        let found = directory.search(&Query::default()).unwrap();
        assert_eq!((found.total, found.hits.len()), (2, 2));
    }
    assert_eq!(handle.sync(&store).unwrap().applied, 0, "nothing more to apply");

    let group = store.merge_groups().unwrap().remove(0);
    duplicates::undo(&Context::new(&store), &Actor::operator(None), &group.id).unwrap();
    assert!(handle.sync(&store).unwrap().applied > 0);
    assert_eq!(total(&handle.current()), 3);
    assert!(places.iter().all(|place| handle.current().get(&place.id.0).is_some()));
}

/// The explanation says what the records hold: one phone is not "no phone on either side", and
/// two names that both read as a médiathèque are not a declared "même typologie".
#[test]
fn explanations_tell_one_side_from_both_and_guessed_kinds_from_declared_ones() {
    let base = PlaceRecord {
        nom: "Médiathèque de Loches".into(),
        adresse: "12 rue Nationale".into(),
        code_postal: "37600".into(),
        commune: "Loches".into(),
        ..Default::default()
    };
    let mut with_phone = base.clone();
    with_phone.nom = "Médiathèque municipale de Loches".into();
    with_phone.telephone = Some("02 47 59 00 00".into());
    let lines = duplicates::explain_pair(&score(&base, &with_phone), Some(&base), Some(&with_phone));
    assert!(lines.contains(&"téléphone d'un seul côté (non comparé)".to_owned()), "{lines:?}");
    assert!(!lines.iter().any(|line| line.contains("des deux côtés") && line.contains("téléphone")), "{lines:?}");
    assert!(lines.contains(&"pas de courriel des deux côtés".to_owned()), "{lines:?}");
    assert!(!lines.iter().any(|line| line.starts_with("même typologie")), "{lines:?}");
    assert!(lines.iter().any(|line| line.starts_with("typologie non déclarée : même genre de lieu")), "{lines:?}");

    let lines = duplicates::explain_pair(&score(&base, &base), Some(&base), Some(&base));
    assert!(lines.contains(&"pas de téléphone des deux côtés".to_owned()), "{lines:?}");

    let (mut declared, mut other) = (base.clone(), with_phone.clone());
    declared.typologie = vec!["BIB".into()];
    other.typologie = vec!["BIB".into()];
    let lines = duplicates::explain_pair(&score(&declared, &other), Some(&declared), Some(&other));
    assert!(lines.iter().any(|line| line.starts_with("même typologie")), "{lines:?}");
}
