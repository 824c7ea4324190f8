//! The contract every store backend passes. A backend's tests call
//! [`store_contract_tests!`](crate::store_contract_tests) with an expression that makes a
//! fresh, empty store; each case below then runs as its own test against it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeZone, Utc};
use maillage_domain::*;

use crate::*;

/// Generates one `#[test]` per contract case for a backend.
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::store_contract_tests!(@cases $make;
            import_then_read_back, rollback_when_not_committed, stale_version_is_a_conflict,
            source_ids_are_unique_per_source, history_keeps_every_version, batches_and_reports_round_trip,
            withdraw_keeps_the_place, every_field_round_trips, sources_are_isolated);
    };
    (@cases $make:expr; $($case:ident),+) => {
        $(
            #[test]
            fn $case() {
                let store = $make;
                $crate::contract::$case(&*store);
            }
        )+
    };
}

fn batch(source: &str) -> ImportBatch {
    ImportBatch {
        id: new_batch_id(),
        source: source.to_owned(),
        file_name: "test.csv".to_owned(),
        started_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        finished_at: None,
        counts: ImportCounts::default(),
    }
}

fn place(source: &str, source_id: &str, batch_id: &str) -> Place {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    Place {
        id: new_place_id(),
        source: source.to_owned(),
        source_id: source_id.to_owned(),
        batch_id: Some(batch_id.to_owned()),
        status: PlaceStatus::Active,
        version: 1,
        created_at: at,
        updated_at: at,
        record: PlaceRecord {
            id: source_id.to_owned(),
            nom: format!("Lieu {source_id}"),
            commune: "Bourges".to_owned(),
            code_postal: "18000".to_owned(),
            adresse: "1 rue de la Paix".to_owned(),
            ..PlaceRecord::default()
        },
        extras: BTreeMap::new(),
    }
}

fn full_record() -> PlaceRecord {
    PlaceRecord {
        id: "structure-1".to_owned(),
        pivot: Some("43493312300029".to_owned()),
        nom: "Anonymal".to_owned(),
        commune: "Reims".to_owned(),
        code_postal: "51100".to_owned(),
        code_insee: Some("51454".to_owned()),
        adresse: "12 BIS RUE DE LECLERCQ".to_owned(),
        complement_adresse: Some("Le patio".to_owned()),
        coordinates: Some(Coordinates { latitude: 43.52609, longitude: 5.41423 }),
        typologie: vec!["TIERS_LIEUX".to_owned(), "ASSO".to_owned()],
        telephone: Some("+33180059880".to_owned()),
        courriels: vec!["contact@example.org".to_owned()],
        site_web: vec!["https://example.org/".to_owned()],
        horaires: Some(Horaires::parse("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00").unwrap()),
        presentation_resume: Some("Résumé".to_owned()),
        presentation_detail: Some("Détail\navec « guillemets » et 'apostrophes'".to_owned()),
        source: Some("Hubik".to_owned()),
        itinerance: [Itinerance::Itinerant].into(),
        structure_parente: Some("Ville".to_owned()),
        date_maj: NaiveDate::from_ymd_opt(2024, 4, 2),
        services: Service::all().iter().copied().collect(),
        publics_specifiquement_adresses: [Public::Jeunes, Public::Femmes].into(),
        prise_en_charge_specifique: PriseEnCharge::all().iter().copied().collect(),
        frais_a_charge: [Frais::GratuitSousCondition, Frais::Payant].into(),
        dispositif_programmes_nationaux: Dispositif::all().iter().copied().collect(),
        formations_labels: FormationLabel::all().iter().copied().collect(),
        autres_formations_labels: vec!["Label et la bête".to_owned()],
        modalites_acces: ModaliteAcces::all().iter().copied().collect::<BTreeSet<_>>(),
        modalites_accompagnement: ModaliteAccompagnement::all().iter().copied().collect(),
        fiche_acces_libre: Some("https://acceslibre.beta.gouv.fr/x/".to_owned()),
        prise_rdv: Some("https://www.rdv-solidarites.fr/".to_owned()),
    }
}

fn import(store: &dyn Store, source: &str, places: &[Place]) -> ImportBatch {
    let mut batch = batch(source);
    let mut session = store.begin_import(&batch).expect("begin");
    for place in places {
        session.insert(place, "hash").expect("insert");
    }
    batch.finished_at = Some(batch.started_at);
    batch.counts.created = places.len();
    session.commit(&batch).expect("commit");
    batch
}

pub fn import_then_read_back(store: &dyn Store) {
    let first = place("hub", "1", "b");
    let second = place("hub", "2", "b");
    import(store, "hub", &[first.clone(), second.clone()]);
    let listed = store.places(&PlaceQuery::default()).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(store.place(&first.id).unwrap().as_ref(), Some(&first));
    assert_eq!(store.place_by_source_id("hub", "2").unwrap().as_ref(), Some(&second));
    assert_eq!(store.place_by_source_id("hub", "3").unwrap(), None);
    assert_eq!(store.place(&PlaceId("absent".to_owned())).unwrap(), None);
}

pub fn rollback_when_not_committed(store: &dyn Store) {
    import(store, "hub", &[place("hub", "1", "b")]);
    {
        let batch = batch("hub");
        let mut session = store.begin_import(&batch).unwrap();
        session.insert(&place("hub", "2", &batch.id), "hash").unwrap();
        let existing = session.existing().unwrap();
        let mut changed = session.load(&existing[0].id).unwrap().unwrap();
        changed.version = 2;
        changed.record.nom = "Changé".to_owned();
        session.update(&changed, "hash2", ChangeKind::Updated).unwrap();
        // Dropped without commit: as if the process died here.
    }
    let listed = store.places(&PlaceQuery::default()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].record.nom, "Lieu 1");
    assert_eq!(listed[0].version, 1);
    assert_eq!(store.batches().unwrap().len(), 1);
}

pub fn stale_version_is_a_conflict(store: &dyn Store) {
    let original = place("hub", "1", "b");
    import(store, "hub", std::slice::from_ref(&original));
    let batch = batch("hub");
    let mut session = store.begin_import(&batch).unwrap();
    let mut stale = original.clone();
    stale.version = 3;
    let result = session.update(&stale, "h", ChangeKind::Updated);
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
}

pub fn source_ids_are_unique_per_source(store: &dyn Store) {
    import(store, "hub", &[place("hub", "1", "b")]);
    let batch = batch("hub");
    let mut session = store.begin_import(&batch).unwrap();
    assert!(session.insert(&place("hub", "1", &batch.id), "h").is_err());
}

pub fn history_keeps_every_version(store: &dyn Store) {
    let original = place("hub", "1", "b");
    import(store, "hub", std::slice::from_ref(&original));
    let batch = batch("hub");
    let mut session = store.begin_import(&batch).unwrap();
    let mut changed = original.clone();
    changed.version = 2;
    changed.record.nom = "Nouveau nom".to_owned();
    changed.batch_id = Some(batch.id.clone());
    session.update(&changed, "h2", ChangeKind::Updated).unwrap();
    let existing = session.existing().unwrap();
    assert_eq!(existing[0].version, 2);
    assert_eq!(existing[0].content_hash, "h2");
    session.commit(&batch).unwrap();

    let history = store.place_history(&original.id).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].version, 1);
    assert_eq!(history[0].record.nom, "Lieu 1");
    assert_eq!(history[0].change, ChangeKind::Created);
    assert_eq!(history[1].version, 2);
    assert_eq!(history[1].record.nom, "Nouveau nom");
    assert_eq!(history[1].batch_id.as_deref(), Some(batch.id.as_str()));
    assert_eq!(store.place(&original.id).unwrap().unwrap().record.nom, "Nouveau nom");
}

pub fn batches_and_reports_round_trip(store: &dyn Store) {
    let mut batch = batch("hub");
    let mut session = store.begin_import(&batch).unwrap();
    let lines = vec![
        ReportLine {
            row: 2,
            source_id: Some("1".to_owned()),
            problem: Problem::warning("telephone", "123", "numéro non reconnu"),
        },
        ReportLine { row: 3, source_id: None, problem: Problem::error("nom", "", "champ obligatoire manquant") },
    ];
    session.report(&lines).unwrap();
    batch.counts = ImportCounts { read: 2, rejected: 1, created: 1, ..ImportCounts::default() };
    batch.finished_at = Some(batch.started_at);
    session.commit(&batch).unwrap();
    assert_eq!(store.batches().unwrap(), vec![batch.clone()]);
    assert_eq!(store.batch_report(&batch.id).unwrap(), lines);
}

pub fn withdraw_keeps_the_place(store: &dyn Store) {
    let original = place("hub", "1", "b");
    import(store, "hub", std::slice::from_ref(&original));
    let batch = batch("hub");
    let mut session = store.begin_import(&batch).unwrap();
    let mut withdrawn = original.clone();
    withdrawn.version = 2;
    withdrawn.status = PlaceStatus::Withdrawn;
    session.update(&withdrawn, "hash", ChangeKind::Withdrawn).unwrap();
    session.commit(&batch).unwrap();
    assert!(store.places(&PlaceQuery::active()).unwrap().is_empty());
    let all = store.places(&PlaceQuery::default()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, PlaceStatus::Withdrawn);
    let stats = store.source_stats().unwrap();
    assert_eq!(stats, vec![SourceStats { source: "hub".to_owned(), active: 0, withdrawn: 1 }]);
}

pub fn every_field_round_trips(store: &dyn Store) {
    let mut full = place("hub", "structure-1", "b");
    full.record = full_record();
    full.extras.insert("bassin_de_vie".to_owned(), "Bourges".to_owned());
    import(store, "hub", std::slice::from_ref(&full));
    assert_eq!(store.place(&full.id).unwrap(), Some(full));
}

pub fn sources_are_isolated(store: &dyn Store) {
    import(store, "a", &[place("a", "1", "b")]);
    import(store, "b", &[place("b", "1", "b"), place("b", "2", "b")]);
    let batch = batch("a");
    let mut session = store.begin_import(&batch).unwrap();
    assert_eq!(session.existing().unwrap().len(), 1);
    drop(session);
    let only_b = store.places(&PlaceQuery { source: Some("b".to_owned()), status: None }).unwrap();
    assert_eq!(only_b.len(), 2);
}
