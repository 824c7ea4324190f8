//! The agenda's use cases: events and their bad input, registration without an account and
//! its cancel link, the waiting list's promotions, approval, attendance, series across a change
//! of clocks, reminders and erasure, and the iCalendar feed read back by another library.

use chrono::{TimeDelta, TimeZone, Utc};
use maillage_app::accounts::Actor;
use maillage_app::agenda::registration::{self, RegistrationForm, WalkInForm};
use maillage_app::agenda::{self, feeds, tasks, EventFilter, EventForm, Recurrence};
use maillage_app::AppError;
use maillage_store::{AccountStore, AgendaStore, EventQuery, EventStatus, Publication, RegistrationState};

use crate::support::*;

/// A departmental meeting in the Cher on 18 June 2026, 09:30–12:00 Paris time (summer).
pub fn form(title: &str) -> EventForm {
    EventForm {
        title: title.to_owned(),
        description: "Ordre du jour :\n- tour de table".to_owned(),
        kind: "rencontre_mediateurs".to_owned(),
        scale: "departement".to_owned(),
        territory: "18".to_owned(),
        organisers: "Hub-Lo".to_owned(),
        address: "Salle des fêtes, 18000 Bourges".to_owned(),
        date: "2026-06-18".to_owned(),
        start: "09:30".to_owned(),
        end: "12:00".to_owned(),
        publics: "médiateurs, élus".to_owned(),
        registration: "on".to_owned(),
        capacity: "2".to_owned(),
        seats_per_person: "1".to_owned(),
        questions: "Régime alimentaire ?".to_owned(),
        ..EventForm::default()
    }
}

fn person(name: &str) -> RegistrationForm {
    RegistrationForm {
        name: name.to_owned(),
        email: format!("{}@exemple.fr", name.to_lowercase()),
        organisation: "Médiathèque de Bourges".to_owned(),
        role: "médiatrice".to_owned(),
        answers: vec!["aucun".to_owned()],
        ..RegistrationForm::default()
    }
}

/// Before the event of [`form`].
fn before() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap()
}

fn fields(err: AppError) -> Vec<String> {
    match err {
        AppError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn bad_input_names_its_field_and_writes_nothing() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let backwards = EventForm { start: "14:00".to_owned(), end: "10:00".to_owned(), ..form("À l'envers") };
    assert_eq!(fields(agenda::create_event(&ctx, &hub.admin, &backwards, before()).unwrap_err()), ["fin"]);
    let nowhere = EventForm { territory: "99".to_owned(), ..form("Nulle part") };
    let err = agenda::create_event(&ctx, &hub.admin, &nowhere, before()).unwrap_err();
    assert!(err.to_string().contains("territoire : territoire inconnu à l'échelle département : « 99 »"), "{err}");
    let bassin = EventForm { scale: "bassin".to_owned(), territory: "Inconnu".to_owned(), ..form("Bassin") };
    assert_eq!(fields(agenda::create_event(&ctx, &hub.admin, &bassin, before()).unwrap_err()), ["territoire"]);
    let odd = EventForm { capacity: "-3".to_owned(), online_url: "javascript:alert(1)".to_owned(), ..form("Bizarre") };
    assert_eq!(
        fields(agenda::create_event(&ctx, &hub.admin, &odd, before()).unwrap_err()),
        ["lien_en_ligne", "capacite"]
    );
    // The clocks skip 02:00–03:00 on 29 March 2026.
    let gap = EventForm { date: "2026-03-29".to_owned(), start: "02:30".to_owned(), ..form("Trou") };
    assert_eq!(fields(agenda::create_event(&ctx, &hub.admin, &gap, before()).unwrap_err()), ["date"]);
    assert!(hub.store.events(&EventQuery::default()).unwrap().is_empty());
    assert!(hub.store.audit_log(10).unwrap().iter().all(|entry| !entry.action.starts_with("evenement")));

    let event = agenda::create_event(&ctx, &hub.admin, &form("Rencontre"), before()).unwrap();
    let malformed = RegistrationForm { email: "pas-une-adresse".to_owned(), ..person("Ana") };
    let err = registration::register(&ctx, &event.id, &malformed, before()).unwrap_err();
    assert!(err.to_string().contains("courriel : adresse électronique invalide"), "{err}");
    assert!(hub.store.registrations(&event.id).unwrap().is_empty());
    assert!(hub.mails().is_empty());
    // Capacity below the seats given.
    registration::register(&ctx, &event.id, &person("Ana"), before()).unwrap();
    registration::register(&ctx, &event.id, &person("Bo"), before()).unwrap();
    let shrunk = EventForm { capacity: "1".to_owned(), ..EventForm::of(&event) };
    let err = agenda::update_event(&ctx, &hub.admin, &event.id, 0, &shrunk, before()).unwrap_err();
    assert!(err.to_string().contains("capacite : 2 places sont déjà attribuées"), "{err}");
    assert_eq!(hub.store.event(&event.id).unwrap().unwrap(), event);
}

#[test]
fn the_form_shows_an_event_as_it_was_entered() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let entered = EventForm {
        more_sessions: "2026-12-03 14:00-17:00".to_owned(),
        attachments: "Programme | https://hub.example/programme.pdf".to_owned(),
        deadline: "2026-06-15T18:00".to_owned(),
        status: "programme".to_owned(),
        ..form("Deux séances")
    };
    let event = agenda::create_event(&ctx, &hub.admin, &entered, before()).unwrap();
    // Summer (UTC+2) and winter (UTC+1).
    assert_eq!(event.sessions[0].start, Utc.with_ymd_and_hms(2026, 6, 18, 7, 30, 0).unwrap());
    assert_eq!(event.sessions[1].start, Utc.with_ymd_and_hms(2026, 12, 3, 13, 0, 0).unwrap());
    let again = EventForm::of(&event);
    assert_eq!(again, EventForm { publics: "médiateurs, élus".to_owned(), ..entered });
}

#[test]
fn a_person_registers_waits_and_is_promoted_by_a_cancellation() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let event = agenda::create_event(&ctx, &hub.coordinator, &form("Rencontre"), before()).unwrap();
    let ana = registration::register(&ctx, &event.id, &person("Ana"), before()).unwrap();
    assert_eq!(ana.state, RegistrationState::Registered);
    let mail = hub.mails().remove(0);
    assert_eq!((mail.to.as_str(), mail.subject.as_str()), ("ana@exemple.fr", "Inscription confirmée : Rencontre"));
    assert!(mail.body.contains("le 18/06/2026 de 09:30 à 12:00"), "{}", mail.body);
    let ana_token = hub.link_token("/agenda/annulation?jeton=");
    // The token is not what the store keeps.
    assert_ne!(hub.store.registration(&ana.id).unwrap().unwrap().cancel_token_hash, ana_token);
    registration::register(&ctx, &event.id, &person("Bo"), before()).unwrap();
    let cy = registration::register(&ctx, &event.id, &person("Cy"), before()).unwrap();
    assert_eq!(cy.state, RegistrationState::Waiting);
    assert!(hub.mails()[0].subject.starts_with("Liste d'attente"));

    // The link's page shows the registration; cancelling is a separate step.
    let (_, shown) = registration::registration_for_token(&ctx, &ana_token).unwrap();
    assert_eq!(shown.state, RegistrationState::Registered);
    let (_, cancelled) = registration::cancel_by_token(&ctx, &ana_token, before()).unwrap();
    assert_eq!(cancelled.state, RegistrationState::Cancelled);
    assert_eq!(hub.store.registration(&cy.id).unwrap().unwrap().state, RegistrationState::Registered);
    let promoted = hub.mails().remove(0);
    assert_eq!((promoted.to.as_str(), promoted.subject.as_str()), ("cy@exemple.fr", "Place confirmée : Rencontre"));
    // Cancelling again changes nothing; a made-up token is refused.
    registration::cancel_by_token(&ctx, &ana_token, before()).unwrap();
    refused(registration::registration_for_token(&ctx, "0123"), "plus valable");
    // Nothing personal in the audit log.
    for entry in hub.store.audit_log(50).unwrap() {
        assert!(!entry.detail.contains("exemple.fr") && !entry.detail.contains("Ana"), "{entry:?}");
    }
    // After the deadline or the event, registration is closed.
    let late = registration::register(&ctx, &event.id, &person("Di"), event.ends_at()).unwrap_err();
    assert!(late.to_string().contains("passé"), "{late}");
}

#[test]
fn organisers_approve_check_in_and_close() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let approval = EventForm { approval: "on".to_owned(), ..form("Comité") };
    let event = agenda::create_event(&ctx, &hub.admin, &approval, before()).unwrap();
    let ana = registration::register(&ctx, &event.id, &person("Ana"), before()).unwrap();
    assert_eq!(ana.state, RegistrationState::PendingApproval);
    // Another département's coordinator may not decide.
    forbidden(registration::decide(&ctx, &hub.other_coordinator, &ana.id, true, before()));
    let decided = registration::decide(&ctx, &hub.coordinator, &ana.id, true, before()).unwrap();
    assert_eq!(decided.state, RegistrationState::Registered);
    assert_eq!(hub.mails()[0].to, "ana@exemple.fr");
    registration::check_in(&ctx, &hub.coordinator, &ana.id, true, before()).unwrap();
    let walk_in = WalkInForm {
        name: "Eve".to_owned(),
        organisation: "médiathèque de bourges".to_owned(),
        ..WalkInForm::default()
    };
    registration::add_walk_in(&ctx, &hub.coordinator, &event.id, &walk_in, before()).unwrap();
    let twice = WalkInForm { name: "Ana".to_owned(), email: "ANA@exemple.fr".to_owned(), ..walk_in.clone() };
    registration::add_walk_in(&ctx, &hub.coordinator, &event.id, &twice, before()).unwrap();
    let (people, organisations) = registration::attendees(&ctx, &hub.coordinator, &event.id).unwrap();
    assert_eq!(people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Ana", "Eve"]);
    assert_eq!(organisations, ["Médiathèque de Bourges"]);
    let csv = String::from_utf8(registration::registrants_csv(&ctx, &hub.coordinator, &event.id).unwrap()).unwrap();
    assert!(csv
        .starts_with("ordre,nom,courriel,organisation,fonction,places,etat,sur_place,inscrit_le,Régime alimentaire ?"));
    assert!(csv.contains("ana@exemple.fr"));
    let ods = registration::registrants_ods(&ctx, &hub.coordinator, &event.id).unwrap();
    assert!(ods.starts_with(b"PK") && ods.windows(39).any(|w| w == b"application/vnd.oasis.opendocument.spre"));
    let closed =
        agenda::close_event(&ctx, &hub.coordinator, &event.id, 0, "Bonne séance", "Un atelier de suite", before())
            .unwrap();
    assert_eq!(closed.report.as_ref().unwrap().outcomes, "Un atelier de suite");
    let figures = agenda::attendance(&hub.store.registrations(&event.id).unwrap());
    assert_eq!((figures.attended, figures.walk_ins), (3, 2));
    forbidden(agenda::close_event(&ctx, &hub.other_coordinator, &event.id, 1, "", "", before()));
}

#[test]
fn coordinators_manage_their_territory_and_gestionnaires_propose() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let tours = EventForm { territory: "37".to_owned(), ..form("À Tours") };
    forbidden(agenda::create_event(&ctx, &hub.coordinator, &tours, before()));
    let regional = EventForm { scale: "region".to_owned(), territory: "24".to_owned(), ..form("Régional") };
    forbidden(agenda::create_event(&ctx, &hub.coordinator, &regional, before()));
    let regional = agenda::create_event(&ctx, &hub.admin, &regional, before()).unwrap();
    // A regional event is listed for a département of the région, and a commune of it.
    for code in ["18", "37", "18033"] {
        let filter = EventFilter { territory: Some(code.to_owned()), ..EventFilter::default() };
        assert_eq!(agenda::public_events(&ctx, &filter).unwrap().len(), 1, "{code}");
    }
    let elsewhere = EventFilter { territory: Some("75".to_owned()), ..EventFilter::default() };
    assert!(agenda::public_events(&ctx, &elsewhere).unwrap().is_empty());
    assert_eq!(regional.departement, None);

    let place = hub.place("Médiathèque");
    let manager = hub.manager("g@asso.example", &[&place], false);
    let proposed = agenda::propose_event(&ctx, &manager, &place.id, &form("Portes ouvertes"), before()).unwrap();
    assert_eq!(
        (proposed.publication, proposed.scale.as_str(), proposed.territory.as_str()),
        (Publication::Propose, "commune", "18033")
    );
    assert!(agenda::public_event(&ctx, &proposed.id).is_err());
    let other = hub.manager("g2@asso.example", &[], false);
    forbidden(agenda::propose_event(&ctx, &other, &place.id, &form("Pas à moi"), before()));
    forbidden(agenda::moderate_event(&ctx, &hub.other_coordinator, &proposed.id, 0, true, before()));
    agenda::moderate_event(&ctx, &hub.coordinator, &proposed.id, 0, true, before()).unwrap();
    assert_eq!(agenda::public_event(&ctx, &proposed.id).unwrap().sequence, 1);
}

#[test]
fn a_monthly_series_keeps_its_local_time_across_the_change_of_clocks() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let march = EventForm { date: "2026-03-05".to_owned(), ..form("Réunion de bassin") };
    let series = agenda::create_series(&ctx, &hub.admin, &march, Recurrence::Monthly, 3, before()).unwrap();
    let starts: Vec<_> = series.iter().map(|e| e.sessions[0].start).collect();
    // 09:30 in Paris: UTC+1 in March, UTC+2 from April.
    assert_eq!(
        starts,
        [
            Utc.with_ymd_and_hms(2026, 3, 5, 8, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 4, 5, 7, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 5, 5, 7, 30, 0).unwrap(),
        ]
    );
    assert!(series.iter().all(|e| e.series_id == series[0].series_id && e.series_id.is_some()));
    let ids: std::collections::HashSet<_> = series.iter().map(|e| &e.id).collect();
    assert_eq!(ids.len(), 3);
    let weekly = agenda::create_series(&ctx, &hub.admin, &form("Atelier"), Recurrence::Weekly, 2, before()).unwrap();
    assert_eq!(weekly[1].sessions[0].start - weekly[0].sessions[0].start, TimeDelta::weeks(1));
    assert_eq!(
        fields(agenda::create_series(&ctx, &hub.admin, &form("Trop"), Recurrence::Weekly, 99, before()).unwrap_err()),
        ["occurrences"]
    );
}

#[test]
fn reminders_go_once_and_registrants_are_erased_after_the_event() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let event = agenda::create_event(&ctx, &hub.admin, &form("Rencontre"), before()).unwrap();
    for name in ["Ana", "Bo", "Cy"] {
        registration::register(&ctx, &event.id, &person(name), before()).unwrap();
    }
    let system = Actor::operator(None);
    let day_before = event.starts_at() - TimeDelta::hours(20);
    forbidden(tasks::send_reminders(&ctx, &hub.coordinator, day_before, TimeDelta::days(1)));
    // Too early: nothing.
    assert_eq!(tasks::send_reminders(&ctx, &system, before(), TimeDelta::days(1)).unwrap(), 0);
    assert_eq!(tasks::send_reminders(&ctx, &system, day_before, TimeDelta::days(1)).unwrap(), 2);
    assert!(hub.mails()[0].subject.starts_with("Rappel : "));
    assert_eq!(tasks::send_reminders(&ctx, &system, day_before, TimeDelta::days(1)).unwrap(), 0);
    // Kept until the delay after the event has passed.
    let month_after = event.ends_at() + TimeDelta::days(30);
    assert_eq!(tasks::purge_registrations(&ctx, &system, month_after, TimeDelta::days(90)).unwrap(), 0);
    let later = event.ends_at() + TimeDelta::days(91);
    assert_eq!(tasks::purge_registrations(&ctx, &system, later, TimeDelta::days(90)).unwrap(), 3);
    for registration in hub.store.registrations(&event.id).unwrap() {
        assert_eq!((registration.email, registration.anonymised), (None, true));
    }
}

/// The feed is read back by the `ical` crate, which did not write it.
#[test]
fn the_icalendar_feed_gives_utc_instants_in_summer_and_winter() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let summer = agenda::create_event(&ctx, &hub.admin, &form("Été"), before()).unwrap();
    let winter_form = EventForm {
        date: "2026-12-10".to_owned(),
        start: "14:00".to_owned(),
        end: "16:30".to_owned(),
        ..form("Hiver")
    };
    let winter = agenda::create_event(&ctx, &hub.admin, &winter_form, before()).unwrap();
    let cancelled = EventForm { status: "annule".to_owned(), ..EventForm::of(&winter) };
    let winter = agenda::update_event(&ctx, &hub.admin, &winter.id, 0, &cancelled, before()).unwrap();
    assert_eq!(winter.status, EventStatus::Annule);
    let text = feeds::icalendar("Agenda du hub", &[summer.clone(), winter.clone()], "https://hub.example");
    let mut parser = ical::IcalParser::new(text.as_bytes());
    let calendar = parser.next().expect("one calendar").expect("it parses");
    assert_eq!(calendar.events.len(), 2);
    let property = |event: &ical::parser::ical::component::IcalEvent, name: &str| {
        event.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_default()
    };
    let first = &calendar.events[0];
    assert_eq!(property(first, "UID"), format!("{}-1@hub.example", summer.id));
    assert_eq!(property(first, "DTSTART"), "20260618T073000Z");
    assert_eq!(property(first, "DTEND"), "20260618T100000Z");
    assert_eq!(property(first, "SEQUENCE"), "0");
    assert_eq!(property(first, "SUMMARY"), "Été");
    // Without METHOD, DTSTAMP is when the event was last revised: the same in every feed.
    assert_eq!(property(first, "DTSTAMP"), summer.updated_at.format("%Y%m%dT%H%M%SZ").to_string());
    let second = &calendar.events[1];
    assert_eq!(property(second, "DTSTART"), "20261210T130000Z");
    assert_eq!(property(second, "STATUS"), "CANCELLED");
    assert_eq!(property(second, "SEQUENCE"), "1");
    // The same event in another feed keeps its UID.
    let again = feeds::icalendar("x", std::slice::from_ref(&winter), "https://hub.example");
    assert!(again.contains(&format!("UID:{}-1@hub.example", winter.id)));
    let atom = feeds::atom("Agenda", &[&summer], "https://hub.example", "/agenda/flux.atom", before());
    assert!(atom.contains("<title>Été</title>") && atom.starts_with("<?xml"));
}

#[test]
fn the_demo_agenda_loads_once_with_past_and_upcoming_events() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let system = Actor::operator(None);
    let now = t0();
    let added = agenda::demo::load_if_empty(&ctx, &system, now).unwrap();
    assert_eq!(added, 18);
    assert_eq!(agenda::demo::load_if_empty(&ctx, &system, now).unwrap(), 0);
    let events = hub.store.events(&EventQuery::default()).unwrap();
    let carrefour = events.iter().find(|e| e.title == "Le Carrefour de l'inclusion numérique 37").unwrap();
    // 5 December 2023, 08:45 in Tours: 07:45 UTC.
    assert_eq!(carrefour.sessions[0].start, Utc.with_ymd_and_hms(2023, 12, 5, 7, 45, 0).unwrap());
    let upcoming = agenda::public_events(&ctx, &EventFilter { from: Some(now), ..EventFilter::default() }).unwrap();
    assert_eq!(upcoming.len(), 5);
    assert!(upcoming.iter().any(|e| e.capacity == Some(5)));
}

/// The agenda kept in memory answers a territory at every level as a region's event concerns
/// each of its départements, bassins, EPCI and communes, and a commune's event each territory
/// holding it; a write, a publication or a change of bassins is seen on the next request.
#[test]
fn the_agenda_in_memory_matches_every_level_and_follows_the_store() {
    use maillage_app::agenda::index::{AgendaHandle, AgendaIndex};
    use maillage_app::territory::Locator;
    use maillage_store::{BassinMember, MemberKind, Store};

    let hub = Hub::new();
    let epci = territory().commune("18033").and_then(|c| c.siren_epci.clone()).expect("Bourges's EPCI");
    let bourges = BassinMember {
        bassin: "Bourges".to_owned(),
        departement: "18".to_owned(),
        kind: MemberKind::Commune,
        code: "18033".to_owned(),
    };
    hub.store.replace_bassins(std::slice::from_ref(&bourges)).unwrap();
    let locator = Locator::load(&hub.store, territory()).unwrap();
    let ctx = maillage_app::context::Context::new(&hub.store).with_locator(&locator);
    let handle = AgendaHandle::new(AgendaIndex::load(&hub.store, territory()).unwrap());
    let mut ids = std::collections::BTreeMap::new();
    for (name, scale, code) in [
        ("R", "region", "24"),
        ("D", "departement", "18"),
        ("B", "bassin", "Bourges"),
        ("E", "epci", epci.as_str()),
        ("C", "commune", "18033"),
    ] {
        let form = EventForm { scale: scale.to_owned(), territory: code.to_owned(), ..form(name) };
        let event = agenda::create_event(&ctx, &hub.admin, &form, before()).unwrap();
        ids.insert(event.id, name);
    }
    let shown = |code: &str| -> String {
        let index = handle.current(&hub.store).unwrap();
        let filter = EventFilter { territory: Some(code.to_owned()), ..EventFilter::default() };
        let mut names: Vec<&str> = index.select(&filter).iter().map(|e| ids[&e.event.id]).collect();
        names.sort();
        names.concat()
    };
    for (code, expected) in [
        ("24", "R"),
        ("18", "BCDER"),
        ("37", "R"),
        ("Bourges", "BCDR"),
        (epci.as_str(), "CDER"),
        ("18033", "BCDER"),
        ("75", ""),
    ] {
        assert_eq!(shown(code), expected, "{code}");
    }
    assert_eq!(agenda::public_events(&ctx, &EventFilter::default()).unwrap().len(), 5);

    // A correction, a proposal (hidden) then published: seen at once.
    let index = handle.current(&hub.store).unwrap();
    let first = index.select(&EventFilter::default())[0].event.clone();
    let renamed = EventForm { title: "Renommé".to_owned(), ..EventForm::of(&first) };
    agenda::update_event(&ctx, &hub.admin, &first.id, 0, &renamed, before()).unwrap();
    let index = handle.current(&hub.store).unwrap();
    assert_eq!(index.get(&first.id).unwrap().title, "Renommé");
    let place = hub.place("Médiathèque");
    let manager = hub.manager("g@asso.example", &[&place], false);
    let proposed = agenda::propose_event(&hub.ctx(), &manager, &place.id, &form("Portes ouvertes"), before()).unwrap();
    assert!(handle.current(&hub.store).unwrap().get(&proposed.id).is_none());
    assert_eq!(handle.current(&hub.store).unwrap().len(), 5);
    agenda::moderate_event(&hub.ctx(), &hub.admin, &proposed.id, 0, true, before()).unwrap();
    assert_eq!(handle.current(&hub.store).unwrap().len(), 6);
    // The bassins change: Bourges no longer holds the commune's events.
    hub.store.replace_bassins(&[]).unwrap();
    assert_eq!(shown("Bourges"), "B");
    // Six events, two of them changed once.
    assert_eq!(hub.store.event_stamp().unwrap(), 6 + 2);
}

/// A series corrected from its second occurrence on: the first keeps what it was, the others
/// take the new title and times and keep their day, in Paris time across the October change;
/// a capacity below one occurrence's seats is refused by field and nothing is written.
#[test]
fn a_series_is_corrected_from_one_occurrence_on() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let monthly = EventForm { date: "2026-09-18".to_owned(), ..form("Comité mensuel") };
    let events = agenda::create_series(&ctx, &hub.admin, &monthly, Recurrence::Monthly, 4, before()).unwrap();
    let corrected = EventForm {
        title: "Comité du mois".to_owned(),
        start: "10:00".to_owned(),
        end: "12:30".to_owned(),
        ..EventForm::of(&events[1])
    };
    let updated = agenda::update_series(&ctx, &hub.admin, &events[1].id, 0, &corrected, before()).unwrap();
    assert_eq!(updated.len(), 3);
    assert_eq!(hub.store.event(&events[0].id).unwrap().unwrap(), events[0]);
    for (original, month) in events[1..].iter().zip(["10", "11", "12"]) {
        let after = hub.store.event(&original.id).unwrap().unwrap();
        assert_eq!((after.title.as_str(), after.sequence), ("Comité du mois", 1));
        let start = agenda::paris(after.starts_at());
        assert_eq!(start.format("%d/%m %H:%M").to_string(), format!("18/{month} 10:00"));
        assert_eq!(agenda::paris(after.ends_at()).format("%H:%M").to_string(), "12:30");
    }
    assert!(hub.store.audit_log(5).unwrap().iter().any(|entry| entry.action == "serie_modifiee"));

    // Two seats given in December: a capacity of one is refused, nothing written.
    registration::register(&ctx, &events[3].id, &person("Ana"), before()).unwrap();
    registration::register(&ctx, &events[3].id, &person("Bo"), before()).unwrap();
    let shrunk = EventForm { capacity: "1".to_owned(), ..corrected.clone() };
    let err = agenda::update_series(&ctx, &hub.admin, &events[1].id, 1, &shrunk, before()).unwrap_err();
    assert!(err.to_string().contains("capacite : 2 places sont déjà attribuées pour le 18/12/2026"), "{err}");
    assert!(events[1..].iter().all(|e| hub.store.event(&e.id).unwrap().unwrap().sequence == 1));
    // An event outside any series.
    let single = agenda::create_event(&ctx, &hub.admin, &form("Seul"), before()).unwrap();
    assert_eq!(
        fields(agenda::update_series(&ctx, &hub.admin, &single.id, 0, &form("Seul"), before()).unwrap_err()),
        ["serie"]
    );
}
