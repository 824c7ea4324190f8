//! The contract every store backend passes. A backend's tests call
//! [`store_contract_tests!`](crate::store_contract_tests) with an expression that makes a
//! fresh, empty store; each case below then runs as its own test against it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeZone, Utc};
use maillage_domain::*;

use crate::*;

/// Generates one `#[test]` per contract case for a backend. Each capability's cases live in
/// a contract module of their own, named in the first arm: `@cases` take one fresh store,
/// `@pairs` two (a source and a target).
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::store_contract_tests!(@cases contract, $make;
            import_then_read_back, rollback_when_not_committed, stale_version_is_a_conflict,
            source_ids_are_unique_per_source, history_keeps_every_version, batches_and_reports_round_trip,
            withdraw_keeps_the_place, every_field_round_trips, sources_are_isolated,
            bassins_round_trip_in_order, replacing_bassins_drops_old_members, a_member_in_two_bassins_is_a_conflict,
            indicator_values_round_trip_exactly, replacing_an_indicator_replaces_its_values,
            levels_are_distinct_indicators, an_unknown_indicator_has_no_values, a_repeated_indicator_code_is_a_conflict,
            a_nan_indicator_value_is_refused, a_commune_sized_indicator_replaces,
            snapshot_of_an_empty_store_is_empty, restore_into_a_non_empty_store_is_refused,
            place_reports_are_kept_per_place, duplicate_decisions_round_trip,
            a_stale_pair_decision_is_a_conflict_and_writes_nothing, a_distinct_decision_is_reopened_once,
            a_place_in_two_merge_groups_is_a_conflict,
            a_group_absorbs_another_and_undo_removes_it, places_updated_since, refusals_name_what_they_refuse,
            the_data_version_follows_registry_writes_only);
        $crate::store_contract_tests!(@pairs contract, $make;
            snapshot_restores_identically, a_failed_restore_leaves_the_store_empty);
        $crate::store_contract_tests!(@cases contract_accounts, $make;
            users_round_trip_and_emails_are_unique, sessions_are_found_by_hash_and_deleted,
            a_token_is_used_once_and_expires, an_accounts_earlier_tokens_are_spent_together, audit_log_is_newest_first,
            a_person_edit_writes_a_version_with_its_note, a_stale_place_edit_is_a_conflict_and_writes_nothing,
            proposals_are_decided_once_with_their_writes, campaigns_round_trip, reports_are_resolved_once,
            settings_are_replaced_by_key, account_refusals_name_what_they_refuse);
        $crate::store_contract_tests!(@pairs contract_accounts, $make; accounts_snapshot_restores_identically);
        $crate::store_contract_tests!(@cases contract_actors, $make;
            stakeholders_round_trip_and_are_found_by_folded_words, one_entry_stands_for_a_place,
            a_stale_stakeholder_edit_is_a_conflict_and_writes_nothing, a_merge_keeps_every_reference,
            actor_refusals_name_what_they_refuse);
        $crate::store_contract_tests!(@pairs contract_actors, $make; actors_snapshot_restores_identically);
        $crate::store_contract_tests!(@cases contract_mappings, $make;
            saved_mappings_round_trip_by_name, a_mapping_is_replaced_by_its_next_version_only,
            a_mapping_is_deleted_at_the_version_read, mapping_refusals_name_what_they_refuse);
        $crate::store_contract_tests!(@pairs contract_mappings, $make; mappings_snapshot_restores_identically);
        $crate::store_contract_tests!(@cases contract_pnt, $make;
            pnt_plans_are_replaced_by_version, projects_keep_every_version, projects_are_filtered_and_paged,
            an_online_vote_counts_changeable_ballots_and_closes_for_good, a_room_vote_is_closed_by_its_tally,
            two_hundred_ballots_at_once_are_counted_once, a_carriers_proposal_is_decided_once_with_its_version);
        $crate::store_contract_tests!(@pairs contract_pnt, $make; pnt_snapshot_restores_identically);
        $crate::store_contract_tests!(@cases contract_agenda, $make;
            events_round_trip_and_are_listed_by_period, an_event_edit_names_its_sequence_and_keeps_the_seats_taken,
            registrations_fill_the_seats_then_wait_in_order, approval_decides_before_a_seat_is_taken,
            concurrent_registrations_take_exactly_the_seats, attendance_walk_ins_and_erasure,
            agenda_refusals_name_what_they_refuse,
            the_event_stamp_grows_with_every_change, several_events_are_updated_all_or_none);
        $crate::store_contract_tests!(@pairs contract_agenda, $make; agenda_snapshot_restores_identically);
        $crate::store_contract_tests!(@cases contract_activity, $make;
            activity_entries_round_trip_and_are_selected_by_date_and_departement,
            an_activity_entry_is_replaced_by_its_next_version_only, past_totals_replace_those_of_the_same_period,
            a_bilan_introduction_is_written_by_version, activity_refusals_name_what_they_refuse);
        $crate::store_contract_tests!(@pairs contract_activity, $make; activity_snapshot_restores_identically);
        $crate::store_contract_tests!(@cases contract_monographs, $make;
            monograph_sections_keep_every_version, editions_are_numbered_per_bassin);
        $crate::store_contract_tests!(@pairs contract_monographs, $make; monographs_snapshot_restores_identically);
    };
    (@pairs $module:ident, $make:expr; $($case:ident),+) => {
        $(
            #[test]
            fn $case() {
                let source = $make;
                let target = $make;
                $crate::$module::$case(&*source, &*target);
            }
        )+
    };
    (@cases $module:ident, $make:expr; $($case:ident),+) => {
        $(
            #[test]
            fn $case() {
                let store = $make;
                $crate::$module::$case(&*store);
            }
        )+
    };
}

/// A batch of `source`, not yet finished.
pub fn batch(source: &str) -> ImportBatch {
    ImportBatch {
        id: new_batch_id(),
        source: source.to_owned(),
        file_name: "test.csv".to_owned(),
        started_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        finished_at: None,
        counts: ImportCounts::default(),
    }
}

/// A new active place of `source` (version 1) with the fields every record needs.
pub fn place(source: &str, source_id: &str, batch_id: &str) -> Place {
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

/// Imports `places` into `source` in one committed batch.
pub fn import(store: &dyn Store, source: &str, places: &[Place]) -> ImportBatch {
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

/// A place of "hub" imported, then a second import of "hub" opened: how a case about an
/// existing place begins.
fn reimport(store: &dyn Store) -> (Place, ImportBatch, Box<dyn ImportSession + '_>) {
    let original = place("hub", "1", "b");
    import(store, "hub", std::slice::from_ref(&original));
    let batch = batch("hub");
    let session = store.begin_import(&batch).unwrap();
    (original, batch, session)
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
    let (original, _, mut session) = reimport(store);
    let mut stale = original.clone();
    stale.version = 3;
    let result = session.update(&stale, "h", ChangeKind::Updated);
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
}

pub fn source_ids_are_unique_per_source(store: &dyn Store) {
    let (_, batch, mut session) = reimport(store);
    assert!(session.insert(&place("hub", "1", &batch.id), "h").is_err());
}

pub fn history_keeps_every_version(store: &dyn Store) {
    let (original, batch, mut session) = reimport(store);
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
    let (original, batch, mut session) = reimport(store);
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

/// `updated_since` keeps places written at or after the instant, withdrawn ones included.
pub fn places_updated_since(store: &dyn Store) {
    let old = place("hub", "1", "b");
    let mut recent = place("hub", "2", "b");
    recent.updated_at = old.updated_at + chrono::Duration::microseconds(1);
    let mut withdrawn = place("hub", "3", "b");
    withdrawn.status = PlaceStatus::Withdrawn;
    withdrawn.updated_at = old.updated_at + chrono::Duration::hours(1);
    import(store, "hub", &[old.clone(), recent.clone(), withdrawn.clone()]);
    let since = |at, status| {
        let query = PlaceQuery { updated_since: Some(at), status, ..PlaceQuery::default() };
        store.places(&query).unwrap().into_iter().map(|p| p.id).collect::<Vec<_>>()
    };
    assert_eq!(since(old.updated_at, None), vec![old.id.clone(), recent.id.clone(), withdrawn.id.clone()]);
    assert_eq!(since(recent.updated_at, None), vec![recent.id.clone(), withdrawn.id.clone()]);
    assert_eq!(since(recent.updated_at, Some(PlaceStatus::Active)), vec![recent.id.clone()]);
    assert_eq!(since(withdrawn.updated_at + chrono::Duration::seconds(1), None), Vec::<PlaceId>::new());
    let mut visited = Vec::new();
    let query = PlaceQuery { updated_since: Some(recent.updated_at), ..PlaceQuery::default() };
    store
        .visit_places(&query, &mut |p| {
            visited.push(p.id);
            Ok(())
        })
        .unwrap();
    assert_eq!(visited, vec![recent.id, withdrawn.id]);
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
    let only_b = store.places(&PlaceQuery { source: Some("b".to_owned()), ..PlaceQuery::default() }).unwrap();
    assert_eq!(only_b.len(), 2);
}

fn member(bassin: &str, departement: &str, kind: MemberKind, code: &str) -> BassinMember {
    BassinMember { bassin: bassin.to_owned(), departement: departement.to_owned(), kind, code: code.to_owned() }
}

/// The order [`Store::bassins`] documents: bassin, then kind (EPCI before commune, as
/// [`MemberKind`] orders), then code.
fn sorted_as_listed(mut members: Vec<BassinMember>) -> Vec<BassinMember> {
    members.sort_by(|a, b| (&a.bassin, a.kind, &a.code).cmp(&(&b.bassin, b.kind, &b.code)));
    members
}

fn hub_bassins() -> Vec<BassinMember> {
    vec![
        member("Vierzon", "18", MemberKind::Commune, "18279"),
        member("Bourges", "18", MemberKind::Commune, "18033"),
        member("Vierzon", "18", MemberKind::Epci, "241800507"),
        member("Bourges", "18", MemberKind::Epci, "241822673"),
        member("Bourges", "18", MemberKind::Commune, "18004"),
        member("Châteauroux", "36", MemberKind::Epci, "200071207"),
        // Byte order, whatever the database's locale: an upper-case initial sorts before
        // every lower-case one, and an accented one after both.
        member("Écueillé", "36", MemberKind::Commune, "36070"),
        member("aubigny", "18", MemberKind::Commune, "18015"),
        // Members are keyed by kind and code: the same code as an EPCI is another member.
        member("Blois", "41", MemberKind::Epci, "18033"),
    ]
}

pub fn bassins_round_trip_in_order(store: &dyn Store) {
    assert!(store.bassins().unwrap().is_empty());
    let members = hub_bassins();
    store.replace_bassins(&members).unwrap();
    let listed = store.bassins().unwrap();
    assert_eq!(listed, sorted_as_listed(members));
    let order: Vec<_> = listed.iter().map(|m| (m.bassin.as_str(), m.code.as_str())).collect();
    assert_eq!(
        order,
        [
            ("Blois", "18033"),
            ("Bourges", "241822673"),
            ("Bourges", "18004"),
            ("Bourges", "18033"),
            ("Châteauroux", "200071207"),
            ("Vierzon", "241800507"),
            ("Vierzon", "18279"),
            ("aubigny", "18015"),
            ("Écueillé", "36070"),
        ]
    );
}

pub fn replacing_bassins_drops_old_members(store: &dyn Store) {
    store.replace_bassins(&hub_bassins()).unwrap();
    // The same commune moved to another bassin, everything else gone.
    let moved = vec![
        member("Vierzon", "18", MemberKind::Commune, "18033"),
        member("Issoudun", "36", MemberKind::Commune, "36088"),
    ];
    store.replace_bassins(&moved).unwrap();
    assert_eq!(store.bassins().unwrap(), sorted_as_listed(moved));
    store.replace_bassins(&[]).unwrap();
    assert!(store.bassins().unwrap().is_empty());
}

pub fn a_member_in_two_bassins_is_a_conflict(store: &dyn Store) {
    let members = hub_bassins();
    store.replace_bassins(&members).unwrap();
    let before = store.bassins().unwrap();
    let twice = vec![
        member("Aubigny", "18", MemberKind::Commune, "18015"),
        member("Bourges", "18", MemberKind::Commune, "18033"),
        member("Vierzon", "18", MemberKind::Commune, "18033"),
    ];
    let result = store.replace_bassins(&twice);
    let Err(StoreError::Conflict(message)) = result else { panic!("expected a conflict, got {result:?}") };
    assert!(message.contains("18033"), "the conflict does not name the member: {message}");
    assert_eq!(store.bassins().unwrap(), before, "a failed replace changed the bassins");
    // Even within one bassin, a member listed twice is refused.
    let repeated = vec![member("Bourges", "18", MemberKind::Epci, "241822673"); 2];
    assert!(matches!(store.replace_bassins(&repeated), Err(StoreError::Conflict(_))));
    assert_eq!(store.bassins().unwrap(), before);
}

fn indicator(name: &str, level: IndicatorLevel) -> IndicatorDefinition {
    IndicatorDefinition {
        name: name.to_owned(),
        level,
        description: format!("Indicateur « {name} »"),
        source_file: format!("{name}.csv"),
        // Microseconds, the precision every backend keeps.
        imported_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::TimeDelta::microseconds(123_456),
    }
}

fn values(pairs: &[(&str, f64)]) -> Vec<IndicatorValue> {
    pairs.iter().map(|(code, value)| IndicatorValue { code: (*code).to_owned(), value: *value }).collect()
}

pub fn indicator_values_round_trip_exactly(store: &dyn Store) {
    let written = values(&[
        ("18001", 0.1),
        ("18002", 1e-9),
        ("18003", 123_456.789),
        ("18004", -42.5),
        ("18005", 0.0),
        ("18006", 1.0 / 3.0),
        ("18007", f64::MAX),
        ("18008", f64::MIN_POSITIVE),
        ("18009", 5e-324),
        ("2A004", 7.0),
        ("2B033", 1e300),
    ]);
    let mut shuffled = written.clone();
    shuffled.reverse();
    let definition = indicator("ifn", IndicatorLevel::Commune);
    store.replace_indicator(&definition, &shuffled).unwrap();
    assert_eq!(store.indicators().unwrap(), vec![definition]);
    assert_eq!(store.indicator_values("ifn", IndicatorLevel::Commune).unwrap(), written);
}

pub fn replacing_an_indicator_replaces_its_values(store: &dyn Store) {
    let first = indicator("ifn", IndicatorLevel::Commune);
    store.replace_indicator(&first, &values(&[("18001", 1.0), ("18002", 2.0), ("18003", 3.0)])).unwrap();
    let mut second = indicator("ifn", IndicatorLevel::Commune);
    second.description = "Indice de fragilité numérique 2025".to_owned();
    second.source_file = "ifn-2025.csv".to_owned();
    second.imported_at = first.imported_at + chrono::TimeDelta::days(1);
    let replacement = values(&[("18002", 20.5), ("18004", 4.25)]);
    store.replace_indicator(&second, &replacement).unwrap();
    assert_eq!(store.indicators().unwrap(), vec![second.clone()]);
    assert_eq!(store.indicator_values("ifn", IndicatorLevel::Commune).unwrap(), replacement);
    // An indicator replaced with no values keeps its definition.
    store.replace_indicator(&second, &[]).unwrap();
    assert_eq!(store.indicators().unwrap(), vec![second]);
    assert!(store.indicator_values("ifn", IndicatorLevel::Commune).unwrap().is_empty());
}

pub fn levels_are_distinct_indicators(store: &dyn Store) {
    let by_epci = indicator("ifn", IndicatorLevel::Epci);
    let by_commune = indicator("ifn", IndicatorLevel::Commune);
    let other = indicator("couverture", IndicatorLevel::Commune);
    let epci_values = values(&[("241800507", 0.75)]);
    let commune_values = values(&[("18033", 0.5), ("18279", 0.25)]);
    store.replace_indicator(&by_epci, &epci_values).unwrap();
    store.replace_indicator(&by_commune, &commune_values).unwrap();
    store.replace_indicator(&other, &values(&[("18033", 98.0)])).unwrap();
    assert_eq!(store.indicators().unwrap(), vec![other, by_commune.clone(), by_epci.clone()]);
    assert_eq!(store.indicator_values("ifn", IndicatorLevel::Epci).unwrap(), epci_values);
    assert_eq!(store.indicator_values("ifn", IndicatorLevel::Commune).unwrap(), commune_values);
    // Replacing one level leaves the other alone.
    store.replace_indicator(&by_commune, &values(&[("36044", 0.125)])).unwrap();
    assert_eq!(store.indicator_values("ifn", IndicatorLevel::Epci).unwrap(), epci_values);
}

pub fn an_unknown_indicator_has_no_values(store: &dyn Store) {
    assert!(store.indicators().unwrap().is_empty());
    assert!(store.indicator_values("ifn", IndicatorLevel::Commune).unwrap().is_empty());
    store.replace_indicator(&indicator("ifn", IndicatorLevel::Commune), &values(&[("18033", 1.0)])).unwrap();
    assert!(store.indicator_values("ifn", IndicatorLevel::Epci).unwrap().is_empty());
    assert!(store.indicator_values("IFN", IndicatorLevel::Commune).unwrap().is_empty());
}

pub fn a_repeated_indicator_code_is_a_conflict(store: &dyn Store) {
    let definition = indicator("ifn", IndicatorLevel::Commune);
    let kept = values(&[("18033", 1.0)]);
    store.replace_indicator(&definition, &kept).unwrap();
    let mut changed = definition.clone();
    changed.description = "Autre".to_owned();
    let result = store.replace_indicator(&changed, &values(&[("18279", 2.0), ("18033", 3.0), ("18279", 4.0)]));
    let Err(StoreError::Conflict(message)) = result else { panic!("expected a conflict, got {result:?}") };
    assert!(message.contains("18279"), "the conflict does not name the code: {message}");
    assert_eq!(store.indicators().unwrap(), vec![definition]);
    assert_eq!(store.indicator_values("ifn", IndicatorLevel::Commune).unwrap(), kept);
}

/// NaN is no value (SQLite cannot even store it): refused, and nothing changes.
pub fn a_nan_indicator_value_is_refused(store: &dyn Store) {
    let definition = indicator("ifn", IndicatorLevel::Commune);
    let kept = values(&[("18033", 1.0)]);
    store.replace_indicator(&definition, &kept).unwrap();
    assert!(store.replace_indicator(&definition, &values(&[("18033", 2.0), ("18279", f64::NAN)])).is_err());
    assert_eq!(store.indicator_values("ifn", IndicatorLevel::Commune).unwrap(), kept);
}

/// France has about 35,000 communes: an indicator of every one of them, replaced by another.
pub fn a_commune_sized_indicator_replaces(store: &dyn Store) {
    let definition = indicator("ifn", IndicatorLevel::Commune);
    let national = |offset: f64| -> Vec<IndicatorValue> {
        (0..35_000)
            .map(|i| IndicatorValue { code: format!("{:05}", 1000 + i), value: i as f64 / 7.0 + offset })
            .collect()
    };
    store.replace_indicator(&definition, &national(0.0)).unwrap();
    let replacement = national(0.1);
    let started = std::time::Instant::now();
    store.replace_indicator(&definition, &replacement).unwrap();
    let elapsed = started.elapsed();
    println!("{} : remplacement de 35 000 valeurs en {} ms", store.backend_name(), elapsed.as_millis());
    let read = store.indicator_values("ifn", IndicatorLevel::Commune).unwrap();
    assert_eq!(read.len(), 35_000);
    assert_eq!(read, replacement);
}

/// Every item of a snapshot, in order.
pub fn snapshot_items(store: &dyn Store) -> Vec<SnapshotItem> {
    let mut items = Vec::new();
    store
        .snapshot(&mut |item| {
            items.push(item);
            Ok(())
        })
        .expect("snapshot");
    items
}

/// A store with something of everything a snapshot carries: places with several versions
/// (an update, a withdrawal, a restoration), batches with report lines, bassins, indicators.
pub fn fill_for_snapshot(store: &dyn Store) {
    let mut full = place("hub", "structure-1", "b");
    full.record = full_record();
    full.extras.insert("bassin_de_vie".to_owned(), "Bourges".to_owned());
    let other = place("hub", "2", "b");
    let first = import(store, "hub", &[full.clone(), other.clone()]);
    import(store, "autre", &[place("autre", "1", &first.id)]);

    let mut batch = batch("hub");
    batch.started_at += chrono::TimeDelta::seconds(1);
    let mut session = store.begin_import(&batch).unwrap();
    let mut changed = full.clone();
    changed.version = 2;
    changed.record.nom = "Nouveau nom".to_owned();
    changed.batch_id = Some(batch.id.clone());
    changed.updated_at = batch.started_at;
    session.update(&changed, "h2", ChangeKind::Updated).unwrap();
    let mut withdrawn = other.clone();
    withdrawn.version = 2;
    withdrawn.status = PlaceStatus::Withdrawn;
    withdrawn.batch_id = Some(batch.id.clone());
    session.update(&withdrawn, "h3", ChangeKind::Withdrawn).unwrap();
    let mut restored = withdrawn.clone();
    restored.version = 3;
    restored.status = PlaceStatus::Active;
    session.update(&restored, "h4", ChangeKind::Restored).unwrap();
    session
        .report(&[
            ReportLine {
                row: 2,
                source_id: Some("1".to_owned()),
                problem: Problem::warning("telephone", "123", "numéro non reconnu"),
            },
            ReportLine { row: 3, source_id: None, problem: Problem::error("nom", "", "champ obligatoire manquant") },
        ])
        .unwrap();
    batch.finished_at = Some(batch.started_at + chrono::TimeDelta::microseconds(1234));
    batch.counts =
        ImportCounts { read: 3, updated: 1, withdrawn: 1, restored: 1, rejected: 1, ..ImportCounts::default() };
    session.commit(&batch).unwrap();

    store.replace_bassins(&hub_bassins()).unwrap();
    store
        .replace_indicator(
            &indicator("ifn", IndicatorLevel::Commune),
            &values(&[("18033", 0.1 + 0.2), ("36044", -1e-300)]),
        )
        .unwrap();
    store.replace_indicator(&indicator("ifn", IndicatorLevel::Epci), &values(&[("241800507", 42.0)])).unwrap();
    store.add_place_report(&report(&full.id, "horaires", "Fermé le mercredi depuis septembre.")).unwrap();
    let merged = group("g1", &[("autre", "1"), ("hub", "structure-1")]);
    store
        .save_duplicates(&DuplicateChanges {
            pairs: vec![
                new_pair(duplicate("p1", ("autre", "1"), ("hub", "structure-1"), PairStatus::AutoMerged, Some("g1"))),
                new_pair(duplicate("p2", ("autre", "1"), ("hub", "2"), PairStatus::Pending, None)),
            ],
            groups: vec![merged],
            removed_groups: Vec::new(),
        })
        .unwrap();
}

fn key(source: &str, source_id: &str) -> PlaceKey {
    PlaceKey { source: source.to_owned(), source_id: source_id.to_owned() }
}

fn duplicate(id: &str, a: (&str, &str), b: (&str, &str), status: PairStatus, group_id: Option<&str>) -> DuplicatePair {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::TimeDelta::microseconds(123_456);
    let decided = status != PairStatus::Pending;
    DuplicatePair {
        id: id.to_owned(),
        a: key(a.0, a.1),
        b: key(b.0, b.1),
        // Not a short decimal: what is read back must be the very same float.
        score: 0.1 + 0.2 + 0.6,
        components: serde_json::json!({"name": 0.9333333333333333_f64, "address": null, "note": "l'« accent »"}),
        status,
        group_id: group_id.map(str::to_owned),
        found_at: at,
        decided_by: decided.then(|| "coordinatrice".to_owned()),
        decided_at: decided.then_some(at + chrono::TimeDelta::seconds(1)),
    }
}

fn group(id: &str, members: &[(&str, &str)]) -> MergeGroup {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    MergeGroup {
        id: id.to_owned(),
        members: members.iter().map(|(source, source_id)| key(source, source_id)).collect(),
        record: full_record(),
        reason: "fusion automatique (score 0,97)".to_owned(),
        decided_by: "scan".to_owned(),
        created_at: at,
        updated_at: at + chrono::TimeDelta::microseconds(1),
    }
}

fn new_pair(pair: DuplicatePair) -> PairWrite {
    PairWrite { pair, expected: None }
}

pub fn duplicate_decisions_round_trip(store: &dyn Store) {
    assert!(store.duplicate_pairs().unwrap().is_empty());
    assert!(store.merge_groups().unwrap().is_empty());
    let merged = group("g1", &[("a", "1"), ("b", "1"), ("b", "2")]);
    let pairs = vec![
        duplicate("p2", ("a", "1"), ("b", "1"), PairStatus::AutoMerged, Some("g1")),
        duplicate("p1", ("a", "1"), ("c", "9"), PairStatus::Pending, None),
        duplicate("p3", ("b", "1"), ("b", "2"), PairStatus::Merged, Some("g1")),
    ];
    store
        .save_duplicates(&DuplicateChanges {
            groups: vec![merged.clone()],
            pairs: pairs.iter().cloned().map(new_pair).collect(),
            removed_groups: Vec::new(),
        })
        .unwrap();
    let mut by_id = pairs.clone();
    by_id.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(store.duplicate_pairs().unwrap(), by_id);
    assert_eq!(store.merge_groups().unwrap(), vec![merged]);
    // A decision on the pending pair, expecting it pending.
    let mut decided = pairs[1].clone();
    decided.status = PairStatus::Distinct;
    decided.decided_by = Some("coordinateur".to_owned());
    decided.decided_at = Some(now());
    store
        .save_duplicates(&DuplicateChanges {
            pairs: vec![PairWrite { pair: decided.clone(), expected: Some(PairStatus::Pending) }],
            ..DuplicateChanges::default()
        })
        .unwrap();
    assert_eq!(store.duplicate_pairs().unwrap()[0], decided);
    // A pair must be in canonical order.
    let reversed = duplicate("p9", ("z", "1"), ("a", "1"), PairStatus::Pending, None);
    let refused = store.save_duplicates(&DuplicateChanges { pairs: vec![new_pair(reversed)], ..Default::default() });
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
}

pub fn a_stale_pair_decision_is_a_conflict_and_writes_nothing(store: &dyn Store) {
    let pending = duplicate("p1", ("a", "1"), ("b", "1"), PairStatus::Pending, None);
    store.save_duplicates(&DuplicateChanges { pairs: vec![new_pair(pending.clone())], ..Default::default() }).unwrap();
    // Someone said "distinct" meanwhile.
    let mut distinct = pending.clone();
    distinct.status = PairStatus::Distinct;
    store
        .save_duplicates(&DuplicateChanges {
            pairs: vec![PairWrite { pair: distinct.clone(), expected: Some(PairStatus::Pending) }],
            ..Default::default()
        })
        .unwrap();
    // A merge written by someone who read it pending: refused, the group is not written either.
    let mut merged = pending.clone();
    merged.status = PairStatus::Merged;
    merged.group_id = Some("g1".to_owned());
    let stale = store.save_duplicates(&DuplicateChanges {
        groups: vec![group("g1", &[("a", "1"), ("b", "1")])],
        pairs: vec![PairWrite { pair: merged, expected: Some(PairStatus::Pending) }],
        removed_groups: Vec::new(),
    });
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    assert!(store.merge_groups().unwrap().is_empty());
    assert_eq!(store.duplicate_pairs().unwrap(), vec![distinct]);
    // The same two places found again as a new pair: a conflict, not a second pair.
    let again = duplicate("p2", ("a", "1"), ("b", "1"), PairStatus::Pending, None);
    let twice = store.save_duplicates(&DuplicateChanges { pairs: vec![new_pair(again)], ..Default::default() });
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    assert_eq!(store.duplicate_pairs().unwrap().len(), 1);
}

/// A "distinct" taken back: the pair is pending again, with who reopened it; a second reopen
/// that read it distinct is a conflict and writes nothing.
pub fn a_distinct_decision_is_reopened_once(store: &dyn Store) {
    let distinct = duplicate("p1", ("a", "1"), ("b", "1"), PairStatus::Distinct, None);
    store.save_duplicates(&DuplicateChanges { pairs: vec![new_pair(distinct.clone())], ..Default::default() }).unwrap();
    let mut reopened = distinct.clone();
    reopened.status = PairStatus::Pending;
    reopened.decided_by = Some("camille".to_owned());
    let write = |pair: &DuplicatePair| DuplicateChanges {
        pairs: vec![PairWrite { pair: pair.clone(), expected: Some(PairStatus::Distinct) }],
        ..Default::default()
    };
    store.save_duplicates(&write(&reopened)).unwrap();
    assert_eq!(store.duplicate_pairs().unwrap(), vec![reopened.clone()]);
    let mut again = reopened.clone();
    again.decided_by = Some("dominique".to_owned());
    let stale = store.save_duplicates(&write(&again));
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    assert_eq!(store.duplicate_pairs().unwrap(), vec![reopened]);
}

pub fn a_place_in_two_merge_groups_is_a_conflict(store: &dyn Store) {
    store
        .save_duplicates(&DuplicateChanges {
            groups: vec![group("g1", &[("a", "1"), ("b", "1")])],
            ..Default::default()
        })
        .unwrap();
    let clash = store.save_duplicates(&DuplicateChanges {
        groups: vec![group("g2", &[("b", "1"), ("c", "1")])],
        ..Default::default()
    });
    assert!(matches!(clash, Err(StoreError::Conflict(ref message)) if message.contains("b/1")), "{clash:?}");
    assert_eq!(store.merge_groups().unwrap().len(), 1);
    let lonely =
        store.save_duplicates(&DuplicateChanges { groups: vec![group("g3", &[("d", "1")])], ..Default::default() });
    assert!(matches!(lonely, Err(StoreError::Conflict(_))), "{lonely:?}");
}

pub fn a_group_absorbs_another_and_undo_removes_it(store: &dyn Store) {
    let first = duplicate("p1", ("a", "1"), ("b", "1"), PairStatus::Merged, Some("g1"));
    let second = duplicate("p2", ("c", "1"), ("d", "1"), PairStatus::Merged, Some("g2"));
    store
        .save_duplicates(&DuplicateChanges {
            groups: vec![group("g1", &[("a", "1"), ("b", "1")]), group("g2", &[("c", "1"), ("d", "1")])],
            pairs: vec![new_pair(first.clone()), new_pair(second.clone())],
            removed_groups: Vec::new(),
        })
        .unwrap();
    // b and c are the same: g1 takes g2's members, g2 goes, its pair now names g1.
    let bridge = duplicate("p3", ("b", "1"), ("c", "1"), PairStatus::Merged, Some("g1"));
    let mut moved = second.clone();
    moved.group_id = Some("g1".to_owned());
    let everything = group("g1", &[("a", "1"), ("b", "1"), ("c", "1"), ("d", "1")]);
    store
        .save_duplicates(&DuplicateChanges {
            groups: vec![everything.clone()],
            pairs: vec![
                new_pair(bridge.clone()),
                PairWrite { pair: moved.clone(), expected: Some(PairStatus::Merged) },
            ],
            removed_groups: vec!["g2".to_owned()],
        })
        .unwrap();
    assert_eq!(store.merge_groups().unwrap(), vec![everything]);
    // Undo: every pair of the group back to review, the group gone.
    let back: Vec<PairWrite> = [first, moved, bridge]
        .into_iter()
        .map(|mut pair| {
            let expected = Some(pair.status);
            pair.status = PairStatus::Pending;
            pair.group_id = None;
            PairWrite { pair, expected }
        })
        .collect();
    store
        .save_duplicates(&DuplicateChanges { pairs: back, removed_groups: vec!["g1".to_owned()], ..Default::default() })
        .unwrap();
    assert!(store.merge_groups().unwrap().is_empty());
    assert!(store
        .duplicate_pairs()
        .unwrap()
        .iter()
        .all(|pair| pair.status == PairStatus::Pending && pair.group_id.is_none()));
}

fn report(place_id: &PlaceId, category: &str, message: &str) -> PlaceReport {
    PlaceReport {
        id: new_report_id(),
        place_id: place_id.clone(),
        category: category.to_owned(),
        message: message.to_owned(),
        created_at: now(),
    }
}

pub fn place_reports_are_kept_per_place(store: &dyn Store) {
    let first = place("hub", "1", "b");
    let second = place("hub", "2", "b");
    import(store, "hub", &[first.clone(), second.clone()]);
    assert!(store.place_reports(None).unwrap().is_empty());
    let a = report(&first.id, "horaires", "Fermé le mercredi.");
    let b = report(&second.id, "adresse", "Le lieu a déménagé au 3 rue « Haute » — l'entrée est à gauche.");
    let c = report(&first.id, "autre", "Plus de conseiller numérique.");
    for item in [&a, &b, &c] {
        store.add_place_report(item).unwrap();
    }
    assert_eq!(store.place_reports(Some(&first.id)).unwrap(), vec![a.clone(), c.clone()]);
    assert_eq!(store.place_reports(None).unwrap(), vec![a, b, c]);
    // An unknown place: refused, nothing written.
    let stray = report(&PlaceId("inconnu".to_owned()), "autre", "?");
    assert!(matches!(store.add_place_report(&stray), Err(StoreError::NotFound(_))));
    assert_eq!(store.place_reports(None).unwrap().len(), 3);
    assert!(store.place_reports(Some(&stray.place_id)).unwrap().is_empty());
}

pub fn snapshot_of_an_empty_store_is_empty(store: &dyn Store) {
    assert!(snapshot_items(store).is_empty());
}

pub fn snapshot_restores_identically(source: &dyn Store, target: &dyn Store) {
    fill_for_snapshot(source);
    let items = snapshot_items(source);
    let kinds: BTreeSet<&str> = items.iter().map(SnapshotItem::kind).collect();
    assert_eq!(
        kinds,
        [
            "batch",
            "bassin_member",
            "duplicate_pair",
            "indicator",
            "merge_group",
            "place",
            "place_report",
            "place_version"
        ]
        .into()
    );
    target.restore(&mut items.clone().into_iter().map(Ok)).unwrap();
    assert_eq!(snapshot_items(target), items);
    // What the ordinary reads see is the same too.
    assert_eq!(target.places(&PlaceQuery::default()).unwrap(), source.places(&PlaceQuery::default()).unwrap());
    assert_eq!(target.batches().unwrap(), source.batches().unwrap());
    for place in source.places(&PlaceQuery::default()).unwrap() {
        assert_eq!(target.place_history(&place.id).unwrap(), source.place_history(&place.id).unwrap());
    }
    // An import after a restore goes on from the restored versions and hashes.
    let existing = {
        let batch = batch("hub");
        let mut session = target.begin_import(&batch).unwrap();
        session.existing().unwrap()
    };
    assert!(existing.iter().any(|place| place.version == 3 && place.content_hash == "h4"));
}

pub fn restore_into_a_non_empty_store_is_refused(store: &dyn Store) {
    store.replace_bassins(&hub_bassins()).unwrap();
    let before = snapshot_items(store);
    let item = SnapshotItem::BassinMember(member("Autre", "36", MemberKind::Commune, "36001"));
    let refused = store.restore(&mut std::iter::once(Ok(item)));
    assert!(
        matches!(refused, Err(StoreError::Conflict(ref message)) if message.contains("n'est pas vide")),
        "{refused:?}"
    );
    assert_eq!(snapshot_items(store), before);
}

pub fn a_failed_restore_leaves_the_store_empty(source: &dyn Store, target: &dyn Store) {
    fill_for_snapshot(source);
    let items = snapshot_items(source);
    let count = items.len();
    // The reader fails at the last item (a corrupt backup found late): nothing stays.
    let mut failing = items.into_iter().enumerate().map(|(index, item)| {
        if index + 1 == count {
            Err(StoreError::Conflict("sauvegarde corrompue".to_owned()))
        } else {
            Ok(item)
        }
    });
    assert!(target.restore(&mut failing).is_err());
    assert!(snapshot_items(target).is_empty());
    // A version whose place is missing breaks a reference: refused, nothing written.
    let orphan = snapshot_items(source).into_iter().find(|item| matches!(item, SnapshotItem::PlaceVersion(_))).unwrap();
    let member = SnapshotItem::BassinMember(member("Autre", "36", MemberKind::Commune, "36001"));
    assert!(target.restore(&mut [member, orphan].into_iter().map(Ok)).is_err());
    assert!(snapshot_items(target).is_empty());
}

/// What each refusal of the registry half says, word for word: the messages are the store's
/// (written once for every backend), and people read them.
pub fn refusals_name_what_they_refuse(store: &dyn Store) {
    let refusal = |result: StoreResult<()>| result.expect_err("a refusal").to_string();
    let (first, batch, mut session) = reimport(store);
    assert_eq!(
        refusal(session.insert(&place("hub", "1", &batch.id), "h")),
        "conflit : le lieu 1 de la source hub existe déjà"
    );
    let mut stale = first.clone();
    stale.version = 3;
    assert_eq!(
        refusal(session.update(&stale, "h", ChangeKind::Updated)),
        format!("conflit : le lieu {} a été modifié entre-temps", first.id)
    );
    drop(session);
    let stray = report(&PlaceId("inconnu".to_owned()), "autre", "?");
    assert_eq!(refusal(store.add_place_report(&stray)), "introuvable : lieu inconnu");

    // One pair merged into one group; then refusals, each writing nothing.
    let pending = duplicate("p1", ("a", "1"), ("b", "1"), PairStatus::Pending, None);
    let merged = DuplicatePair { status: PairStatus::Merged, group_id: Some("g1".to_owned()), ..pending.clone() };
    let setup = [
        DuplicateChanges { pairs: vec![new_pair(pending)], ..DuplicateChanges::default() },
        DuplicateChanges {
            groups: vec![group("g1", &[("a", "1"), ("b", "1")])],
            pairs: vec![PairWrite { pair: merged.clone(), expected: Some(PairStatus::Pending) }],
            ..DuplicateChanges::default()
        },
    ];
    for changes in setup {
        store.save_duplicates(&changes).unwrap();
    }
    let again = duplicate("p2", ("a", "1"), ("b", "1"), PairStatus::Pending, None);
    let late = DuplicatePair { status: PairStatus::Distinct, ..merged };
    let refusals = [
        (
            DuplicateChanges { pairs: vec![new_pair(again)], ..DuplicateChanges::default() },
            "conflit : la paire a/1 / b/1 est déjà connue, ou nomme un groupe inconnu",
        ),
        (
            DuplicateChanges {
                pairs: vec![PairWrite { pair: late, expected: Some(PairStatus::Pending) }],
                ..DuplicateChanges::default()
            },
            "conflit : la paire p1 (a/1 / b/1) a été modifiée entre-temps",
        ),
        (
            DuplicateChanges { groups: vec![group("g2", &[("a", "1"), ("c", "1")])], ..DuplicateChanges::default() },
            "conflit : le lieu a/1 est déjà dans un autre lieu fusionné",
        ),
        (
            DuplicateChanges { removed_groups: vec!["g1".to_owned()], ..DuplicateChanges::default() },
            "conflit : le groupe g1 est encore nommé par une paire",
        ),
    ];
    let before = (store.duplicate_pairs().unwrap(), store.merge_groups().unwrap());
    for (changes, message) in refusals {
        assert_eq!(refusal(store.save_duplicates(&changes)), message);
    }
    assert_eq!((store.duplicate_pairs().unwrap(), store.merge_groups().unwrap()), before);
}

/// The data version grows with every committed write of places, bassins and indicators, and
/// stays when nothing of the registry changed: an account's writes, a rolled-back import, a
/// refused replacement.
pub fn the_data_version_follows_registry_writes_only(store: &dyn Store) {
    let mut last = store.data_version().unwrap();
    let mut grew = |store: &dyn Store, what: &str| {
        let now = store.data_version().unwrap();
        assert!(now > last, "{what}: {now} after {last}");
        last = now;
    };
    let first = place("hub", "1", "b");
    import(store, "hub", std::slice::from_ref(&first));
    grew(store, "an import");
    store.replace_bassins(&hub_bassins()).unwrap();
    grew(store, "the bassins");
    store.replace_indicator(&indicator("ifn", IndicatorLevel::Commune), &values(&[("18033", 1.0)])).unwrap();
    grew(store, "an indicator");
    let mut edited = store.place(&first.id).unwrap().unwrap();
    edited.version = 2;
    edited.record.nom = "Renommé".to_owned();
    store
        .save_place(&PlaceWrite {
            place: edited,
            change: ChangeKind::Updated,
            author: "u1".to_owned(),
            reason: "nom".to_owned(),
            content_hash: None,
        })
        .unwrap();
    grew(store, "a person's edit");

    let unchanged = store.data_version().unwrap();
    {
        let batch = batch("hub");
        let mut session = store.begin_import(&batch).unwrap();
        session.insert(&place("hub", "2", &batch.id), "hash").unwrap();
        // Dropped without commit.
    }
    let twice = vec![member("Bourges", "18", MemberKind::Epci, "241822673"); 2];
    assert!(store.replace_bassins(&twice).is_err());
    let user = crate::contract_accounts::user("a@hub.example", Role::Administrateur);
    store.insert_user(&user).unwrap();
    store
        .append_audit(&AuditEntry {
            id: new_id(),
            at: Utc::now(),
            actor: None,
            action: "essai".to_owned(),
            target: None,
            detail: String::new(),
        })
        .unwrap();
    assert_eq!(store.data_version().unwrap(), unchanged);
}
