//! The activity log's half of the store contract: cases run by
//! [`store_contract_tests!`](crate::store_contract_tests) beside those of [`crate::contract`].

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};

use crate::contract::snapshot_items;
use crate::*;

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A new entry (version 1): a coordination meeting in the Cher with two actors.
pub fn activity_entry(id: &str, date: NaiveDate, departement: Option<&str>) -> ActivityEntry {
    ActivityEntry {
        id: id.to_owned(),
        kind: ActivityKind::Animation,
        animation: Some(AnimationKind::ReunionCoordination),
        event: None,
        date,
        duration_minutes: 90,
        level: TerritoryLevel::Departement,
        territory: departement.unwrap_or_default().to_owned(),
        departement: departement.map(str::to_owned),
        bassin: Some("Vierzon/Bourges".to_owned()),
        region: Some("24".to_owned()),
        author: Some("u1".to_owned()),
        actors: vec!["a1".to_owned(), "a2".to_owned()],
        headcount: 12,
        themes: vec!["mobilité".to_owned()],
        tags: vec!["réseau".to_owned(), "« CnFS »".to_owned()],
        projects: vec!["p1".to_owned()],
        events: Vec::new(),
        notes: "Compte rendu : « petits déjeuners de l'inclusion » \"à suivre\"\r\n\tligne 2".to_owned(),
        notable: None,
        partnership: None,
        created_at: at(0),
        updated_at: at(0),
        version: 1,
    }
}

fn next(previous: &ActivityEntry) -> ActivityEntry {
    ActivityEntry {
        version: previous.version + 1,
        updated_at: previous.updated_at + TimeDelta::seconds(1),
        ..previous.clone()
    }
}

fn ids(entries: Vec<ActivityEntry>) -> Vec<String> {
    entries.into_iter().map(|entry| entry.id).collect()
}

fn totals(departement: &str, start: NaiveDate, end: NaiveDate, meetings: u32) -> PastTotals {
    PastTotals {
        departement: departement.to_owned(),
        start,
        end,
        figures: PastFigures {
            meetings: Some(meetings),
            rdv: None,
            actors_in_meetings: Some(100),
            ..PastFigures::default()
        },
        note: "« Plus de 100 acteurs en réunions »".to_owned(),
        imported_by: None,
        imported_at: at(5),
    }
}

pub fn activity_entries_round_trip_and_are_selected_by_date_and_departement(store: &dyn Store) {
    assert!(store.activities(&ActivityQuery::default()).unwrap().is_empty());
    let first = activity_entry("e1", day(2022, 3, 14), Some("18"));
    let mut second = activity_entry("e2", day(2022, 1, 3), Some("37"));
    second.kind = ActivityKind::Partenariat;
    second.animation = None;
    second.partnership = Some(Partnership {
        status: PartnershipStatus::Signe,
        nature: "coordination départementale".to_owned(),
        start: Some(day(2022, 1, 1)),
        end: Some(day(2022, 12, 31)),
        partners: vec!["a3".to_owned()],
        amount_cents: Some(1_250_000),
    });
    second.notable = Some("Partenariat avec le Conseil départemental".to_owned());
    let mut third = activity_entry("e3", day(2022, 3, 14), None);
    third.level = TerritoryLevel::National;
    third.author = None;
    third.bassin = None;
    third.region = None;
    third.actors = Vec::new();
    for entry in [&first, &second, &third] {
        store.add_activity(entry).unwrap();
    }
    assert_eq!(store.activity("e1").unwrap().as_ref(), Some(&first));
    assert_eq!(store.activity("e2").unwrap().as_ref(), Some(&second));
    assert_eq!(store.activity("e3").unwrap().as_ref(), Some(&third));
    assert_eq!(store.activity("absent").unwrap(), None);
    // By date then id.
    assert_eq!(ids(store.activities(&ActivityQuery::default()).unwrap()), ["e2", "e1", "e3"]);
    let march = ActivityQuery { from: Some(day(2022, 3, 14)), to: Some(day(2022, 3, 14)), departement: None };
    assert_eq!(ids(store.activities(&march).unwrap()), ["e1", "e3"]);
    let before = ActivityQuery { to: Some(day(2022, 3, 13)), ..ActivityQuery::default() };
    assert_eq!(ids(store.activities(&before).unwrap()), ["e2"]);
    let cher = ActivityQuery { departement: Some("18".to_owned()), ..ActivityQuery::default() };
    assert_eq!(ids(store.activities(&cher).unwrap()), ["e1"]);
}

pub fn an_activity_entry_is_replaced_by_its_next_version_only(store: &dyn Store) {
    let first = activity_entry("e1", day(2022, 3, 14), Some("18"));
    store.add_activity(&first).unwrap();
    assert!(matches!(store.add_activity(&first), Err(StoreError::Conflict(_))));
    let mut second = next(&first);
    second.date = day(2022, 4, 1);
    second.departement = Some("41".to_owned());
    second.created_at = at(99);
    store.update_activity(&second).unwrap();
    let stored = store.activity("e1").unwrap().unwrap();
    // The creation is kept as stored; the columns follow the document.
    assert_eq!(stored, ActivityEntry { created_at: at(0), ..second.clone() });
    let loir_et_cher = ActivityQuery { departement: Some("41".to_owned()), ..ActivityQuery::default() };
    assert_eq!(ids(store.activities(&loir_et_cher).unwrap()), ["e1"]);
    // A writer that read version 1 is late; nothing is written.
    let mut late = next(&first);
    late.notes = "en retard".to_owned();
    assert!(matches!(store.update_activity(&late), Err(StoreError::Conflict(_))));
    assert_eq!(store.activity("e1").unwrap().unwrap().version, 2);
    let unknown = ActivityEntry { id: "absent".to_owned(), ..next(&stored) };
    assert!(matches!(store.update_activity(&unknown), Err(StoreError::NotFound(_))));
    // Deleted at the version read only.
    assert!(matches!(store.delete_activity("e1", 1), Err(StoreError::Conflict(_))));
    assert!(matches!(store.delete_activity("absent", 1), Err(StoreError::NotFound(_))));
    store.delete_activity("e1", 2).unwrap();
    assert_eq!(store.activity("e1").unwrap(), None);
}

pub fn past_totals_replace_those_of_the_same_period(store: &dyn Store) {
    let (start, end) = (day(2021, 10, 1), day(2022, 12, 31));
    store.save_past_totals(&[totals("18", start, end, 10), totals("28", start, end, 9)]).unwrap();
    store
        .save_past_totals(&[totals("18", start, end, 11), totals("18", day(2023, 1, 1), day(2023, 12, 31), 4)])
        .unwrap();
    let stored = store.past_totals().unwrap();
    let keys: Vec<(&str, NaiveDate, Option<u32>)> =
        stored.iter().map(|row| (row.departement.as_str(), row.start, row.figures.meetings)).collect();
    assert_eq!(keys, [("18", start, Some(11)), ("18", day(2023, 1, 1), Some(4)), ("28", start, Some(9))]);
    assert_eq!(stored[2], totals("28", start, end, 9));
    // A list naming one period twice, or a period ending before it starts, writes nothing.
    let twice = store.save_past_totals(&[totals("36", start, end, 1), totals("36", start, end, 2)]);
    assert_eq!(
        twice.unwrap_err().to_string(),
        "conflit : les totaux de 36 du 2021-10-01 au 2022-12-31 sont donnés deux fois"
    );
    let backwards = store.save_past_totals(&[totals("41", end, start, 1)]);
    assert_eq!(
        backwards.unwrap_err().to_string(),
        "conflit : les totaux de 41 : la période finit le 2021-10-01 avant de commencer le 2022-12-31"
    );
    assert_eq!(store.past_totals().unwrap().len(), 3);
}

pub fn a_bilan_introduction_is_written_by_version(store: &dyn Store) {
    let (start, end) = (day(2022, 1, 1), day(2022, 12, 31));
    let first = BilanIntroduction {
        scope: "18".to_owned(),
        start,
        end,
        text: "Une année de mise en place.\n\nDeux bassins actifs.".to_owned(),
        updated_by: Some("u1".to_owned()),
        updated_at: at(0),
        version: 1,
    };
    assert_eq!(store.bilan_introduction("18", start, end).unwrap(), None);
    store.save_bilan_introduction(&first).unwrap();
    assert_eq!(store.bilan_introduction("18", start, end).unwrap().as_ref(), Some(&first));
    // Writing version 1 again is late.
    assert_eq!(
        store.save_bilan_introduction(&first).unwrap_err().to_string(),
        "conflit : l'introduction du bilan (18) a été modifiée entre-temps"
    );
    let second = BilanIntroduction { text: "Révisé".to_owned(), version: 2, ..first.clone() };
    store.save_bilan_introduction(&second).unwrap();
    let other_period = BilanIntroduction { start: day(2023, 1, 1), end: day(2023, 12, 31), ..first.clone() };
    store.save_bilan_introduction(&other_period).unwrap();
    assert_eq!(store.bilan_introduction("18", start, end).unwrap().as_ref(), Some(&second));
    assert_eq!(store.bilan_introductions().unwrap(), [second, other_period]);
    // A first introduction must be version 1.
    let skipped = BilanIntroduction { scope: "hub".to_owned(), version: 3, ..first };
    assert!(matches!(store.save_bilan_introduction(&skipped), Err(StoreError::Conflict(_))));
}

pub fn activity_refusals_name_what_they_refuse(store: &dyn Store) {
    let refusal = |result: StoreResult<()>| result.expect_err("a refusal").to_string();
    let first = activity_entry("e1", day(2022, 3, 14), Some("18"));
    store.add_activity(&first).unwrap();
    assert_eq!(refusal(store.add_activity(&first)), "conflit : l'entrée d'activité e1 existe déjà");
    let second = next(&first);
    store.update_activity(&second).unwrap();
    assert_eq!(refusal(store.update_activity(&second)), "conflit : l'entrée d'activité e1 a été modifiée entre-temps");
    assert_eq!(refusal(store.delete_activity("absent", 1)), "introuvable : entrée d'activité absent");
    let later = ActivityEntry { version: 2, ..activity_entry("e2", day(2022, 3, 14), None) };
    assert_eq!(
        refusal(store.add_activity(&later)),
        "conflit : l'entrée d'activité e2 : une nouvelle entrée a la version 1"
    );
    let mut backwards = activity_entry("e3", day(2022, 3, 14), None);
    backwards.partnership = Some(Partnership {
        status: PartnershipStatus::EnDiscussion,
        nature: String::new(),
        start: Some(day(2022, 6, 1)),
        end: Some(day(2022, 5, 1)),
        partners: Vec::new(),
        amount_cents: None,
    });
    assert_eq!(
        refusal(store.add_activity(&backwards)),
        "conflit : l'entrée d'activité e3 : le partenariat finit avant de commencer"
    );
    assert_eq!(ids(store.activities(&ActivityQuery::default()).unwrap()), ["e1"]);
}

pub fn activity_snapshot_restores_identically(source: &dyn Store, target: &dyn Store) {
    let first = activity_entry("e1", day(2022, 3, 14), Some("18"));
    source.add_activity(&first).unwrap();
    source.update_activity(&next(&first)).unwrap();
    source.add_activity(&activity_entry("e0", day(2022, 1, 2), None)).unwrap();
    let (start, end) = (day(2021, 10, 1), day(2022, 12, 31));
    source.save_past_totals(&[totals("18", start, end, 10)]).unwrap();
    let introduction = BilanIntroduction {
        scope: "hub".to_owned(),
        start,
        end,
        text: "Bilan".to_owned(),
        updated_by: None,
        updated_at: at(1),
        version: 1,
    };
    source.save_bilan_introduction(&introduction).unwrap();
    let items = snapshot_items(source);
    let entries: Vec<&SnapshotItem> = items.iter().filter(|item| item.kind() == "activity").collect();
    assert_eq!(entries.len(), 2);
    assert!(matches!(entries[0], SnapshotItem::Activity(entry) if entry.id == "e0"));
    assert_eq!(items.iter().filter(|item| item.kind() == "past_totals").count(), 1);
    assert_eq!(items.iter().filter(|item| item.kind() == "bilan_introduction").count(), 1);
    target.restore(&mut items.clone().into_iter().map(Ok)).unwrap();
    assert_eq!(snapshot_items(target), items);
    assert_eq!(target.activity("e1").unwrap(), source.activity("e1").unwrap());
    // A store holding an activity entry is in use: a restore into it is refused.
    let refused = target.restore(&mut items.into_iter().map(Ok)).unwrap_err();
    assert!(matches!(refused, StoreError::Conflict(_)), "{refused}");
}
