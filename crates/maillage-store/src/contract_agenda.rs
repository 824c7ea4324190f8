//! The agenda's half of the store contract: cases run by
//! [`store_contract_tests!`](crate::store_contract_tests) beside those of [`crate::contract`].

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use crate::contract::snapshot_items;
use crate::*;

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 7, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

/// A new, published event in Indre-et-Loire with this capacity, on 18 June 2026.
pub fn event(title: &str, capacity: Option<u32>) -> Event {
    Event {
        id: new_id(),
        title: title.to_owned(),
        description: "Ordre du jour :\n- tour de table\n- **points** divers".to_owned(),
        kind: AgendaKind::RencontreMediateurs,
        scale: EventScale::Departement,
        territory: "37".to_owned(),
        departement: Some("37".to_owned()),
        organisers: vec!["Hub-Lo".to_owned()],
        place_id: None,
        address: Some("2 rue de la Mairie, 37000 Tours".to_owned()),
        online_url: None,
        sessions: vec![EventSession {
            start: Utc.with_ymd_and_hms(2026, 6, 18, 7, 30, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 6, 18, 10, 0, 0).unwrap(),
        }],
        publics: vec!["médiateurs".to_owned()],
        contact: Some("contact@hub.example".to_owned()),
        status: EventStatus::Programme,
        publication: Publication::Publie,
        projects: Vec::new(),
        attachments: vec![Attachment { label: "Programme".to_owned(), url: "https://hub.example/p.pdf".to_owned() }],
        capacity,
        registration: true,
        deadline: None,
        seats_per_person: 2,
        approval: false,
        questions: vec!["Régime alimentaire ?".to_owned()],
        series_id: None,
        sequence: 0,
        report: None,
        created_by: Some("u1".to_owned()),
        created_at: at(0),
        updated_at: at(0),
    }
}

/// A registration for `event` of one seat, as the use case hands it to the store.
pub fn registration(event: &Event, name: &str) -> Registration {
    Registration {
        id: new_id(),
        event_id: event.id.clone(),
        name: name.to_owned(),
        email: Some(format!("{}@exemple.fr", name.to_lowercase().replace(' ', "."))),
        organisation: "Médiathèque de Tours".to_owned(),
        organisation_place: None,
        role: Some("médiatrice".to_owned()),
        answers: vec!["aucun".to_owned()],
        seats: 1,
        state: RegistrationState::Registered,
        arrival: 0,
        cancel_token_hash: format!("hash-{}", new_id()),
        walk_in: false,
        reminded_at: None,
        anonymised: false,
        created_at: at(10),
        updated_at: at(10),
    }
}

fn states(store: &dyn Store, event: &Event) -> Vec<(String, RegistrationState, u64)> {
    store.registrations(&event.id).unwrap().into_iter().map(|r| (r.name, r.state, r.arrival)).collect()
}

pub fn events_round_trip_and_are_listed_by_period(store: &dyn Store) {
    let summer = event("Rencontre de juin", Some(30));
    let mut winter = event("Comité de décembre", None);
    winter.sessions = vec![
        EventSession {
            start: Utc.with_ymd_and_hms(2026, 12, 3, 13, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 3, 16, 0, 0).unwrap(),
        },
        EventSession {
            start: Utc.with_ymd_and_hms(2026, 12, 10, 13, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 10, 16, 0, 0).unwrap(),
        },
    ];
    winter.series_id = Some("serie".to_owned());
    winter.publication = Publication::Propose;
    store.add_events(&[winter.clone(), summer.clone()]).unwrap();
    assert_eq!(store.event(&summer.id).unwrap().as_ref(), Some(&summer));
    assert_eq!(store.event(&winter.id).unwrap().as_ref(), Some(&winter));
    assert_eq!(store.event("absent").unwrap(), None);
    let all = store.events(&EventQuery::default()).unwrap();
    assert_eq!(all.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), vec![summer.id.as_str(), winter.id.as_str()]);
    // Overlap: an event in progress at the period's start is listed; one after its end is not.
    let july = EventQuery {
        ending_after: Some(Utc.with_ymd_and_hms(2026, 6, 18, 9, 0, 0).unwrap()),
        starting_before: Some(Utc.with_ymd_and_hms(2026, 12, 3, 13, 0, 0).unwrap()),
    };
    assert_eq!(store.events(&july).unwrap(), vec![summer.clone()]);
    // The second session counts: the winter event ends on the 10th.
    let ninth =
        EventQuery { ending_after: Some(Utc.with_ymd_and_hms(2026, 12, 9, 0, 0, 0).unwrap()), starting_before: None };
    assert_eq!(store.events(&ninth).unwrap(), vec![winter]);
}

pub fn an_event_edit_names_its_sequence_and_keeps_the_seats_taken(store: &dyn Store) {
    let first = event("Atelier", Some(2));
    store.add_events(std::slice::from_ref(&first)).unwrap();
    for name in ["Ana", "Bo", "Cy"] {
        store.register(&registration(&first, name)).unwrap();
    }
    // A capacity under the two seats taken is refused, nothing written.
    let shrunk = Event { capacity: Some(1), sequence: 1, ..first.clone() };
    let err = store.update_event(&shrunk).unwrap_err();
    assert_eq!(err.to_string(), "conflit : la capacité ne peut descendre sous les 2 places déjà attribuées");
    assert_eq!(store.event(&first.id).unwrap().unwrap(), first);
    // A raised capacity promotes the waiting.
    let raised = Event { capacity: Some(3), sequence: 1, title: "Atelier (salle 2)".to_owned(), ..first.clone() };
    let promoted = store.update_event(&raised).unwrap();
    assert_eq!(promoted.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), vec!["Cy"]);
    assert_eq!(store.event(&first.id).unwrap().unwrap(), raised);
    // The same sequence again is stale.
    let stale = Event { title: "Autre".to_owned(), ..raised.clone() };
    assert!(matches!(store.update_event(&stale), Err(StoreError::Conflict(_))));
    // Creation is kept whatever the edit says.
    let edited = Event { sequence: 2, created_by: None, created_at: at(99), ..raised.clone() };
    store.update_event(&edited).unwrap();
    let stored = store.event(&first.id).unwrap().unwrap();
    assert_eq!((stored.created_by, stored.created_at, stored.sequence), (first.created_by, first.created_at, 2));
}

/// The stamp grows with every event added or changed, whatever its publication; the
/// versions say which.
pub fn the_event_stamp_grows_with_every_change(store: &dyn Store) {
    assert_eq!(store.event_stamp().unwrap(), 0);
    assert!(store.event_versions().unwrap().is_empty());
    let first = event("Atelier", Some(2));
    let second = Event { publication: Publication::Propose, ..event("Comité", None) };
    store.add_events(&[first.clone(), second.clone()]).unwrap();
    assert_eq!(store.event_stamp().unwrap(), 2);
    store.update_event(&Event { sequence: 1, ..second.clone() }).unwrap();
    store.update_event(&Event { sequence: 2, publication: Publication::Publie, ..second.clone() }).unwrap();
    assert_eq!(store.event_stamp().unwrap(), 4);
    // A registration changes no event.
    store.register(&registration(&first, "Ana")).unwrap();
    assert_eq!(store.event_stamp().unwrap(), 4);
    let mut expected =
        vec![EventVersion { id: first.id.clone(), sequence: 0 }, EventVersion { id: second.id.clone(), sequence: 2 }];
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(store.event_versions().unwrap(), expected);
}

/// A series corrected at once: every event or none.
pub fn several_events_are_updated_all_or_none(store: &dyn Store) {
    let first = event("Atelier 1", Some(1));
    let second = event("Atelier 2", Some(1));
    store.add_events(&[first.clone(), second.clone()]).unwrap();
    store.register(&registration(&second, "Ana")).unwrap();
    store.register(&registration(&second, "Bo")).unwrap();
    // The second is stale: neither is written.
    let renamed = Event { title: "Atelier un".to_owned(), sequence: 1, ..first.clone() };
    let stale = Event { title: "Atelier deux".to_owned(), ..second.clone() };
    assert!(matches!(store.update_events(&[renamed.clone(), stale]), Err(StoreError::Conflict(_))));
    assert_eq!(store.event(&first.id).unwrap().unwrap(), first);
    // Both written; the raised capacity seats Bo.
    let raised = Event { capacity: Some(2), sequence: 1, ..second.clone() };
    let promoted = store.update_events(&[renamed.clone(), raised.clone()]).unwrap();
    assert_eq!(promoted.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), vec!["Bo"]);
    assert_eq!(store.event(&first.id).unwrap().unwrap(), renamed);
    assert_eq!(store.event(&second.id).unwrap().unwrap(), raised);
}

pub fn registrations_fill_the_seats_then_wait_in_order(store: &dyn Store) {
    let workshop = event("Atelier", Some(4));
    store.add_events(std::slice::from_ref(&workshop)).unwrap();
    let ana = store.register(&registration(&workshop, "Ana")).unwrap();
    assert_eq!((ana.state, ana.arrival), (RegistrationState::Registered, 1));
    let bo = store.register(&Registration { seats: 2, ..registration(&workshop, "Bo") }).unwrap();
    assert_eq!(bo.state, RegistrationState::Registered);
    let cy = store.register(&Registration { seats: 2, ..registration(&workshop, "Cy") }).unwrap();
    // One seat is left: Cy, who needs two, waits, and nobody may overtake Cy.
    let di = store.register(&registration(&workshop, "Di")).unwrap();
    assert_eq!((cy.state, di.state), (RegistrationState::Waiting, RegistrationState::Waiting));
    assert_eq!(store.registration(&di.id).unwrap().as_ref(), Some(&di));
    assert_eq!(store.registration_by_token(&di.cancel_token_hash).unwrap().as_ref(), Some(&di));
    assert_eq!(store.registration_by_token("").unwrap(), None);
    // Ana leaves: her seat and the spare one make two, Cy's; Di still waits (none left).
    let changed = store.cancel_registration(&ana.id, at(20)).unwrap();
    assert_eq!(
        changed.iter().map(|r| (r.name.as_str(), r.state)).collect::<Vec<_>>(),
        vec![("Ana", RegistrationState::Cancelled), ("Cy", RegistrationState::Registered)]
    );
    assert_eq!(
        states(store, &workshop),
        vec![
            ("Ana".to_owned(), RegistrationState::Cancelled, 1),
            ("Bo".to_owned(), RegistrationState::Registered, 2),
            ("Cy".to_owned(), RegistrationState::Registered, 3),
            ("Di".to_owned(), RegistrationState::Waiting, 4),
        ]
    );
    assert!(matches!(store.cancel_registration(&ana.id, at(21)), Err(StoreError::Conflict(_))));
    // A waiting person who leaves promotes nobody.
    let changed = store.cancel_registration(&di.id, at(22)).unwrap();
    assert_eq!(changed.len(), 1);
    // Seats beyond the event's limit per person are refused.
    let greedy = Registration { seats: 3, ..registration(&workshop, "Ed") };
    assert!(matches!(store.register(&greedy), Err(StoreError::Conflict(_))));
    // An event without capacity seats everybody.
    let open = event("Webinaire", None);
    store.add_events(std::slice::from_ref(&open)).unwrap();
    for name in ["A", "B", "C", "D"] {
        assert_eq!(store.register(&registration(&open, name)).unwrap().state, RegistrationState::Registered);
    }
}

pub fn approval_decides_before_a_seat_is_taken(store: &dyn Store) {
    let committee = Event { approval: true, ..event("Comité", Some(1)) };
    store.add_events(std::slice::from_ref(&committee)).unwrap();
    let ana = store.register(&registration(&committee, "Ana")).unwrap();
    let bo = store.register(&registration(&committee, "Bo")).unwrap();
    let cy = store.register(&registration(&committee, "Cy")).unwrap();
    assert_eq!(ana.state, RegistrationState::PendingApproval);
    // Approved in another order than arrival: the seat goes to the first approved.
    assert_eq!(
        store.decide_registration(&bo.id, Approval::Approve, at(30)).unwrap().state,
        RegistrationState::Registered
    );
    assert_eq!(
        store.decide_registration(&ana.id, Approval::Approve, at(31)).unwrap().state,
        RegistrationState::Waiting
    );
    assert_eq!(
        store.decide_registration(&cy.id, Approval::Refuse, at(32)).unwrap().state,
        RegistrationState::Cancelled
    );
    assert!(matches!(store.decide_registration(&cy.id, Approval::Approve, at(33)), Err(StoreError::Conflict(_))));
}

/// 300 people register at once for 50 seats: exactly the first 50 arrivals are seated, the
/// 250 next wait in order, nobody lost or counted twice; a cancellation seats the first waiting.
pub fn concurrent_registrations_take_exactly_the_seats(store: &dyn Store) {
    let big = Event { seats_per_person: 1, ..event("Carrefour de l'inclusion", Some(50)) };
    store.add_events(std::slice::from_ref(&big)).unwrap();
    let results: Vec<Registration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..300)
            .map(|n| {
                let big = &big;
                scope.spawn(move || store.register(&registration(big, &format!("Personne {n}"))).unwrap())
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    let stored = store.registrations(&big.id).unwrap();
    assert_eq!(stored.len(), 300);
    let arrivals: Vec<u64> = stored.iter().map(|r| r.arrival).collect();
    assert_eq!(arrivals, (1..=300).collect::<Vec<u64>>());
    for registration in &stored {
        let expected =
            if registration.arrival <= 50 { RegistrationState::Registered } else { RegistrationState::Waiting };
        assert_eq!(registration.state, expected, "arrivée {}", registration.arrival);
    }
    let mut names: Vec<&str> = stored.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 300);
    // What each caller was told is what is stored.
    for result in &results {
        assert!(stored.contains(result));
    }
    let first_waiting = stored.iter().find(|r| r.arrival == 51).unwrap();
    let changed = store.cancel_registration(&stored[7].id, at(40)).unwrap();
    assert_eq!(changed[1].id, first_waiting.id);
    assert_eq!(store.registration(&first_waiting.id).unwrap().unwrap().state, RegistrationState::Registered);
    let seated = store.registrations(&big.id).unwrap().iter().filter(|r| r.state.holds_seats()).count();
    assert_eq!(seated, 50);
}

pub fn attendance_walk_ins_and_erasure(store: &dyn Store) {
    let meeting = event("Réunion de bassin", Some(1));
    store.add_events(std::slice::from_ref(&meeting)).unwrap();
    let ana = store.register(&registration(&meeting, "Ana")).unwrap();
    let bo = store.register(&registration(&meeting, "Bo")).unwrap();
    assert_eq!(store.set_attendance(&ana.id, true, at(50)).unwrap().state, RegistrationState::Attended);
    assert_eq!(store.set_attendance(&ana.id, false, at(51)).unwrap().state, RegistrationState::Registered);
    assert_eq!(store.set_attendance(&bo.id, true, at(52)).unwrap().state, RegistrationState::Attended);
    let walk_in = Registration { email: None, cancel_token_hash: String::new(), ..registration(&meeting, "Cy") };
    let walk_in = store.add_walk_in(&walk_in).unwrap();
    assert_eq!((walk_in.state, walk_in.walk_in, walk_in.arrival), (RegistrationState::Attended, true, 3));
    // Walk-ins take no seat: Ana's and Bo's two fit a capacity of two.
    store.update_event(&Event { capacity: Some(2), sequence: 1, ..meeting.clone() }).unwrap();
    store.mark_reminded(std::slice::from_ref(&ana.id), at(53)).unwrap();
    assert_eq!(store.registration(&ana.id).unwrap().unwrap().reminded_at, Some(at(53)));
    assert_eq!(store.anonymise_registrations(&meeting.id, at(60)).unwrap(), 3);
    assert_eq!(store.anonymise_registrations(&meeting.id, at(61)).unwrap(), 0);
    for registration in store.registrations(&meeting.id).unwrap() {
        assert_eq!((registration.name.as_str(), registration.email, registration.role), (ANONYMISED_NAME, None, None));
        assert!(registration.answers.is_empty() && registration.anonymised);
        assert_eq!(registration.organisation, "Médiathèque de Tours");
    }
    assert_eq!(store.registration_by_token(&ana.cancel_token_hash).unwrap(), None);
}

pub fn agenda_refusals_name_what_they_refuse(store: &dyn Store) {
    let unknown = registration(&event("Nulle part", None), "Ana");
    assert_eq!(
        store.register(&unknown).unwrap_err().to_string(),
        format!("introuvable : événement {}", unknown.event_id)
    );
    assert_eq!(store.cancel_registration("absent", at(0)).unwrap_err().to_string(), "introuvable : inscription absent");
    let backwards =
        Event { sessions: vec![EventSession { start: at(100), end: at(50) }], ..event("À l'envers", None) };
    let err = store.add_events(&[event("Bon", None), backwards.clone()]).unwrap_err();
    assert_eq!(err.to_string(), format!("conflit : l'événement {} finit avant de commencer", backwards.id));
    // All or none.
    assert!(store.events(&EventQuery::default()).unwrap().is_empty());
    let cancelled = Event { status: EventStatus::Annule, ..event("Annulé", None) };
    store.add_events(std::slice::from_ref(&cancelled)).unwrap();
    assert_eq!(
        store.register(&registration(&cancelled, "Bo")).unwrap_err().to_string(),
        format!("conflit : l'événement {} est annulé", cancelled.id)
    );
    assert_eq!(
        store.add_events(std::slice::from_ref(&cancelled)).unwrap_err().to_string(),
        format!("conflit : l'événement {} existe déjà", cancelled.id)
    );
}

pub fn agenda_snapshot_restores_identically(source: &dyn Store, target: &dyn Store) {
    let first = event("Rencontre", Some(1));
    let second = Event { series_id: Some("s".to_owned()), ..event("Comité", None) };
    source.add_events(&[first.clone(), second.clone()]).unwrap();
    source.register(&registration(&first, "Ana")).unwrap();
    source.register(&registration(&first, "Bo")).unwrap();
    source.register(&registration(&second, "Cy")).unwrap();
    let items = snapshot_items(source);
    assert_eq!(items.iter().filter(|item| item.kind() == "event").count(), 2);
    assert_eq!(items.iter().filter(|item| item.kind() == "registration").count(), 3);
    target.restore(&mut items.clone().into_iter().map(Ok)).unwrap();
    assert_eq!(snapshot_items(target), items);
}
