//! The activity log through its use cases: logging with actors created on the fly, scopes,
//! refusals naming their field (and writing nothing), the past totals' import, bilans; and
//! the distinct-actor count property-tested against a brute-force set computation.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use maillage_app::activity::bilan::{self, BilanScope};
use maillage_app::activity::figures::{self, Period, Selector};
use maillage_app::activity::{self, past, ActorRef, EntryForm, LogFilter};
use maillage_app::actors;
use maillage_app::AppError;
use maillage_store::contract::snapshot_items;
use maillage_store::*;
use proptest::prelude::*;

use crate::support::*;

fn meeting(date: &str, actors: &[&str]) -> EntryForm {
    EntryForm {
        kind: "animation".to_owned(),
        animation: "groupe_de_travail".to_owned(),
        date: date.to_owned(),
        duration: "90".to_owned(),
        level: "departement".to_owned(),
        territory: "18".to_owned(),
        actors: actors.iter().map(|name| ActorRef::parse_line(name).unwrap()).collect(),
        headcount: "3".to_owned(),
        themes: "mobilité, formation".to_owned(),
        ..EntryForm::default()
    }
}

fn messages(err: AppError) -> Vec<(String, String)> {
    match err {
        AppError::Invalid(errors) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
        other => panic!("a refusal by field, not {other:?}"),
    }
}

fn year() -> Period {
    Period::year(2026).unwrap()
}

#[test]
fn a_meeting_then_an_appointment_count_three_distinct_actors() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let coordinator = &hub.coordinator;
    let first = activity::record(
        &ctx,
        coordinator,
        &meeting("2026-03-14", &["CAF du Cher", "Mairie de Vierzon", "Emmaüs Connect"]),
        t0(),
    )
    .unwrap();
    assert_eq!(first.actors.len(), 3);
    assert_eq!((first.departement.as_deref(), first.region.as_deref()), (Some("18"), Some("24")));
    assert_eq!(first.themes, ["mobilité", "formation"]);
    // Created on the fly, in the entry's département, by the coordinator.
    let directory = hub.store.stakeholders().unwrap();
    assert_eq!(directory.len(), 3);
    assert!(directory
        .iter()
        .all(|s| s.departement.as_deref() == Some("18") && s.created_by == coordinator.id().map(str::to_owned)));
    // The RDV names one of them again, by another spelling: found, not created.
    let rdv = EntryForm { kind: "rdv".to_owned(), animation: String::new(), ..meeting("14/04/2026", &["caf du cher"]) };
    let second = activity::record(&ctx, coordinator, &rdv, t0()).unwrap();
    assert_eq!(second.actors, [first.actors[0].clone()]);
    assert_eq!(second.animation, None);
    assert_eq!(hub.store.stakeholders().unwrap().len(), 3);

    let dashboard = bilan::dashboard(&ctx, coordinator, &Selector::Departement("18".to_owned()), &year()).unwrap();
    let figures = &dashboard.figures;
    assert_eq!((figures.entries, figures.meetings, figures.rdv), (2, 1, 1));
    assert_eq!((figures.actors, figures.actors_in_meetings, figures.actors_in_rdv), (3, 3, 1));
    assert_eq!((figures.minutes, figures.hours(), figures.headcount), (180, 3.0, 6));
    assert_eq!(dashboard.previous, figures::Figures::default());
    assert_eq!(dashboard.monthly.len(), 12);
    assert_eq!(dashboard.monthly[2].1.meetings, 1);
    // The public figures are the same aggregates.
    let public = bilan::public_figures(&hub.store, &Selector::Departement("18".to_owned()), &year()).unwrap();
    assert_eq!(public.figures, dashboard.figures);
    assert!(bilan::public_figures(&hub.store, &Selector::Member("x".to_owned()), &year()).is_err());

    // Merging two of them: the distinct count follows.
    let ids = &first.actors;
    actors::merge(&ctx, &hub.admin, (&ids[1], 1), (&ids[2], 1), t0()).unwrap();
    let after = bilan::dashboard(&ctx, coordinator, &Selector::Departement("18".to_owned()), &year()).unwrap();
    assert_eq!(after.figures.actors, 2);
}

#[test]
fn bad_input_names_its_field_and_writes_nothing() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let before = snapshot_items(&hub.store);
    let bad = EntryForm {
        kind: "partenariat".to_owned(),
        date: "14 mars".to_owned(),
        duration: "beaucoup".to_owned(),
        headcount: "-3".to_owned(),
        partnership_status: "signe".to_owned(),
        partnership_start: "2026-06-01".to_owned(),
        partnership_end: "2026-05-01".to_owned(),
        amount: "-12".to_owned(),
        ..meeting("", &["Nouvelle association", "#inconnu"])
    };
    let found = messages(activity::record(&ctx, &hub.coordinator, &bad, t0()).unwrap_err());
    let expected = [
        ("date", "date attendue au format AAAA-MM-JJ ou JJ/MM/AAAA (« 14 mars »)"),
        ("durée", "durée en minutes (« 90 ») ou en heures (« 1h30 ») attendue (« beaucoup »)"),
        ("personnes non nommées", "un nombre positif ou nul est attendu (« -3 »)"),
        ("acteurs", "acteur inconnu dans l'annuaire (« inconnu »)"),
        ("fin du partenariat", "la fin (01/05/2026) précède le début (01/06/2026)"),
        ("montant", "un montant positif en euros est attendu (« -12 »)"),
    ];
    for (field, message) in expected {
        assert!(found.contains(&(field.to_owned(), message.to_owned())), "{field}: {found:?}");
    }
    assert_eq!(found.len(), expected.len(), "{found:?}");
    // Not even the new actor is created.
    assert_eq!(snapshot_items(&hub.store), before);
    let unknown_place = EntryForm { territory: "99".to_owned(), ..meeting("2026-01-01", &[]) };
    assert_eq!(
        messages(activity::record(&ctx, &hub.coordinator, &unknown_place, t0()).unwrap_err()),
        [("territoire".to_owned(), "département inconnu : « 99 » (code ou nom)".to_owned())]
    );
    let unknown_kind = EntryForm { kind: "sieste".to_owned(), ..meeting("2026-01-01", &[]) };
    let found = messages(activity::record(&ctx, &hub.coordinator, &unknown_kind, t0()).unwrap_err());
    assert_eq!(found[0].0, "type");
    assert!(found[0].1.starts_with("« sieste » inconnu : choisissez parmi animation, rdv"), "{found:?}");
    assert_eq!(snapshot_items(&hub.store), before);
}

#[test]
fn a_partnership_keeps_its_status_dates_partners_and_amount() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let form = EntryForm {
        kind: "partenariat".to_owned(),
        partnership_status: "signe".to_owned(),
        partnership_nature: "coordination départementale".to_owned(),
        partnership_start: "2026-01-01".to_owned(),
        partnership_end: "31/12/2026".to_owned(),
        amount: "12 500,50 €".to_owned(),
        ..meeting("2026-02-01", &["Conseil départemental du Cher"])
    };
    let entry = activity::record(&ctx, &hub.coordinator, &form, t0()).unwrap();
    let partnership = entry.partnership.clone().unwrap();
    assert_eq!(partnership.status, PartnershipStatus::Signe);
    assert_eq!(partnership.partners, entry.actors);
    assert_eq!(partnership.amount_cents, Some(1_250_050));
    assert_eq!(partnership.end, NaiveDate::from_ymd_opt(2026, 12, 31));
    assert_eq!(activity::EntryForm::of(&entry).amount, "12500,50");
    let figures = bilan::dashboard(&ctx, &hub.admin, &Selector::Hub, &year()).unwrap().figures;
    assert_eq!(figures.partnerships_signed, 1);
}

#[test]
fn each_sees_and_changes_its_own_and_its_territory() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let mine = activity::record(&ctx, &hub.coordinator, &meeting("2026-03-14", &["CAF du Cher"]), t0()).unwrap();
    // The Indre-et-Loire's coordinator logs a regional meeting (no département) and one in the Cher.
    let regional = EntryForm {
        level: "region".to_owned(),
        territory: "Centre-Val de Loire".to_owned(),
        ..meeting("2026-03-15", &[])
    };
    let theirs = activity::record(&ctx, &hub.other_coordinator, &regional, t0()).unwrap();
    assert_eq!((theirs.departement.as_deref(), theirs.region.as_deref()), (None, Some("24")));
    let in_cher = activity::record(&ctx, &hub.other_coordinator, &meeting("2026-03-16", &[]), t0()).unwrap();
    let ids = |actor| -> Vec<String> {
        activity::entries(&ctx, actor, &LogFilter::default()).unwrap().into_iter().map(|e| e.id).collect()
    };
    // Newest first; the Cher's coordinator sees its own and the Cher's, not the regional one.
    assert_eq!(ids(&hub.coordinator), [in_cher.id.clone(), mine.id.clone()]);
    assert_eq!(ids(&hub.other_coordinator), [in_cher.id.clone(), theirs.id.clone()]);
    assert_eq!(ids(&hub.admin).len(), 3);
    assert!(matches!(activity::entry(&ctx, &hub.coordinator, &theirs.id), Err(AppError::Forbidden(_))));
    assert!(matches!(activity::entry(&ctx, &hub.other_coordinator, &mine.id), Err(AppError::Forbidden(_))));
    // Correcting: author and flag kept, version named.
    let flagged =
        activity::flag(&ctx, &hub.coordinator, &mine.id, 1, Some("Petit déjeuner de l'inclusion"), t0()).unwrap();
    let corrected =
        activity::update(&ctx, &hub.coordinator, &mine.id, 2, &meeting("2026-03-20", &["CAF du Cher"]), t0()).unwrap();
    assert_eq!(
        (corrected.version, corrected.author.clone(), corrected.notable.clone()),
        (3, mine.author.clone(), flagged.notable)
    );
    assert!(matches!(
        activity::update(&ctx, &hub.coordinator, &mine.id, 2, &meeting("2026-03-20", &[]), t0()),
        Err(AppError::Store(StoreError::Conflict(_)))
    ));
    let filtered = LogFilter {
        kind: Some(ActivityKind::Animation),
        author: hub.coordinator.id().map(str::to_owned),
        ..LogFilter::default()
    };
    assert_eq!(activity::entries(&ctx, &hub.coordinator, &filtered).unwrap().len(), 1);
    activity::delete(&ctx, &hub.coordinator, &mine.id, 3, t0()).unwrap();
    assert_eq!(ids(&hub.coordinator), [in_cher.id]);
}

const PAST: &str = "departement;debut;fin;reunions;rdv;acteurs_reunions;acteurs_rdv;note\n\
                    18;2021-10-01;2022-12-31;10;10;100;10;« +/- 10 réunions »\n\
                    37;01/10/2021;31/12/2022;23;45;150;40;\n";

#[test]
fn past_totals_are_imported_whole_or_not_at_all() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    assert_eq!(past::import_past(&ctx, &hub.admin, PAST.as_bytes(), t0()).unwrap(), 2);
    let stored = hub.store.past_totals().unwrap();
    assert_eq!(stored[1].figures.rdv, Some(45));
    assert_eq!(stored[0].note, "« +/- 10 réunions »");
    // A coordinator imports for its départements only.
    assert!(matches!(past::import_past(&ctx, &hub.coordinator, PAST.as_bytes(), t0()), Err(AppError::Forbidden(_))));
    let before = snapshot_items(&hub.store);
    let bad = "departement;debut;fin;reunions;rdv;couleur\n";
    let found = messages(past::import_past(&ctx, &hub.admin, bad.as_bytes(), t0()).unwrap_err());
    assert_eq!(found[0].1, "ligne 1 : colonne « couleur » inconnue (colonnes : departement, debut, fin, reunions, rdv, comites, evenements, participants, formations, partenariats, acteurs_reunions, acteurs_rdv, heures, note)");
    let bad = "departement;debut;fin;reunions;rdv\n18;2022-01-01;2022-12-31;10;-2\n18;2022-13-01;2022-12-31;;\n36;2022-12-31;2022-01-01;;\n18;2022-01-01;2022-12-31;1;1\n";
    let found: Vec<String> = messages(past::import_past(&ctx, &hub.admin, bad.as_bytes(), t0()).unwrap_err())
        .into_iter()
        .map(|(field, message)| format!("{field}: {message}"))
        .collect();
    assert_eq!(
        found,
        [
            "fichier: ligne 2, colonne « rdv » : nombre entier positif ou nul attendu (« -2 »)",
            "fichier: ligne 3, colonne « debut » : date attendue au format AAAA-MM-JJ ou JJ/MM/AAAA (« 2022-13-01 »)",
            "fichier: ligne 4, colonne « fin » : la fin (01/01/2022) précède le début (31/12/2022)",
            "fichier: ligne 5 : même département et même période qu'une ligne précédente (ligne 2)",
        ]
    );
    assert_eq!(snapshot_items(&hub.store), before);
}

#[test]
fn past_totals_come_from_an_ods_workbook_too() {
    use maillage_documents::ods::{Cell, Workbook};
    let day = |y, m, d| Cell::from(NaiveDate::from_ymd_opt(y, m, d).unwrap());
    let hub = Hub::new();
    let ctx = hub.ctx();
    let workbook = |rdv: i64| {
        let mut book = Workbook::new();
        book.sheet("Totaux", &["departement", "debut", "fin", "reunions", "rdv", "note"])
            .push(vec![
                "18".into(),
                day(2021, 10, 1),
                day(2022, 12, 31),
                Cell::Integer(10),
                Cell::Integer(rdv),
                "Bilan 2022".into(),
            ])
            .push(vec![
                "37".into(),
                "01/10/2021".into(),
                "31/12/2022".into(),
                Cell::Integer(23),
                Cell::Empty,
                Cell::Empty,
            ]);
        book.to_bytes().unwrap()
    };
    // A bad cell is named by its row and column, as in a CSV file, and nothing is written.
    let before = snapshot_items(&hub.store);
    let found = messages(past::import_past(&ctx, &hub.admin, &workbook(-2), t0()).unwrap_err());
    assert_eq!(
        found,
        [("fichier".to_owned(), "ligne 2, colonne « rdv » : nombre entier positif ou nul attendu (« -2 »)".to_owned())]
    );
    assert_eq!(snapshot_items(&hub.store), before);
    let broken = messages(past::import_past(&ctx, &hub.admin, b"PK\x03\x04 tronque", t0()).unwrap_err());
    assert!(broken[0].1.starts_with("classeur ODS illisible"), "{broken:?}");
    assert_eq!(past::import_past(&ctx, &hub.admin, &workbook(10), t0()).unwrap(), 2);
    let stored = hub.store.past_totals().unwrap();
    assert_eq!((stored[0].start, stored[0].figures.rdv), (NaiveDate::from_ymd_opt(2021, 10, 1).unwrap(), Some(10)));
    assert_eq!((stored[1].figures.meetings, stored[1].figures.rdv), (Some(23), None));
}

#[test]
fn a_bilan_gathers_figures_notable_actions_events_partnerships_past_totals_and_its_introduction() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    let coordinator = &hub.coordinator;
    let entry = activity::record(&ctx, coordinator, &meeting("2022-03-14", &["CAF du Cher"]), t0()).unwrap();
    activity::flag(&ctx, coordinator, &entry.id, 1, Some("Petits déjeuners de l'inclusion numérique"), t0()).unwrap();
    let event = EntryForm {
        kind: "evenement".to_owned(),
        event: "inclusion_numerique".to_owned(),
        headcount: "88".to_owned(),
        notes: "Carrefour de l'inclusion\nDétails".to_owned(),
        ..meeting("2022-06-02", &["CAF du Cher"])
    };
    activity::record(&ctx, coordinator, &event, t0()).unwrap();
    past::import_past(&ctx, &hub.admin, PAST.as_bytes(), t0()).unwrap();
    let period = Period::year(2022).unwrap();
    let scope = BilanScope::Departement("18".to_owned());
    bilan::save_introduction(&ctx, coordinator, &scope, &period, "Une année de lancement.", 0, t0()).unwrap();
    let found = bilan::bilan(&ctx, coordinator, &scope, &period).unwrap();
    assert_eq!(found.notable.len(), 1);
    assert_eq!(found.notable[0].text, "Petits déjeuners de l'inclusion numérique");
    assert_eq!(found.notable[0].actors, ["CAF du Cher"]);
    assert_eq!(found.events.len(), 1);
    assert_eq!((found.events[0].text.as_str(), found.events[0].participants), ("Carrefour de l'inclusion", 89));
    assert_eq!(found.dashboard.figures.participants, 89);
    assert_eq!(found.past.len(), 1);
    assert_eq!(found.introduction.as_ref().unwrap().text, "Une année de lancement.");
    assert!(matches!(bilan::bilan(&ctx, &hub.other_coordinator, &scope, &period), Err(AppError::Forbidden(_))));
    let hub_bilan = bilan::bilan(&ctx, &hub.admin, &BilanScope::Hub, &period).unwrap();
    assert_eq!(hub_bilan.past.len(), 2);
    assert_eq!(hub_bilan.departements.keys().collect::<Vec<_>>(), ["18"]);
}

/// Entries over a small pool of actor ids, with redirects, kinds, départements and dates.
fn arbitrary_entries() -> impl Strategy<Value = (Vec<ActivityEntry>, HashMap<String, String>)> {
    let entry = (0usize..7, 0u32..3, 0u32..60, proptest::collection::vec(0u32..12, 0..6), 0u32..4, 0u32..3);
    let redirects = proptest::collection::vec((0u32..12, 0u32..12), 0..5);
    (proptest::collection::vec(entry, 0..40), redirects).prop_map(|(entries, redirects)| {
        let canonical: HashMap<String, String> =
            redirects.into_iter().map(|(from, to)| (format!("a{from}"), format!("a{to}"))).collect();
        let entries = entries
            .into_iter()
            .enumerate()
            .map(|(index, (kind, departement, day, actors, headcount, author))| {
                let date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::TimeDelta::days(i64::from(day) * 7);
                let mut entry = maillage_store::contract_activity::activity_entry(
                    &format!("e{index}"),
                    date,
                    Some(["18", "28", "36"][departement as usize]),
                );
                entry.kind = ActivityKind::ALL[kind];
                entry.actors = actors.into_iter().map(|id| format!("a{id}")).collect();
                entry.headcount = headcount;
                entry.author = Some(format!("u{author}"));
                entry
            })
            .collect();
        (entries, canonical)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any sequence of entries gives the distinct counts a brute-force set computation gives.
    #[test]
    fn distinct_actors_match_a_brute_force_count(
        (entries, canonical) in arbitrary_entries(),
        departement in 0usize..4,
        start in 0i64..200,
        length in 0i64..400,
    ) {
        let selector = match departement {
            3 => Selector::Hub,
            index => Selector::Departement(["18", "28", "36"][index].to_owned()),
        };
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::TimeDelta::days(start);
        let period = Period::new(start, start + chrono::TimeDelta::days(length)).unwrap();
        let counted = figures::figures(&entries, &canonical, &selector, &period);
        let selected: Vec<&ActivityEntry> = entries
            .iter()
            .filter(|e| start <= e.date && e.date <= period.end)
            .filter(|e| match &selector { Selector::Departement(code) => e.departement.as_ref() == Some(code), _ => true })
            .collect();
        let brute = |kinds: &[ActivityKind]| -> u32 {
            let mut set = BTreeSet::new();
            for entry in &selected {
                if kinds.is_empty() || kinds.contains(&entry.kind) {
                    for id in &entry.actors {
                        set.insert(canonical.get(id).cloned().unwrap_or_else(|| id.clone()));
                    }
                }
            }
            set.len() as u32
        };
        prop_assert_eq!(counted.actors, brute(&[]));
        prop_assert_eq!(counted.actors_in_meetings, brute(&[ActivityKind::Animation, ActivityKind::Comite]));
        prop_assert_eq!(counted.actors_in_rdv, brute(&[ActivityKind::RdvIndividuel]));
        prop_assert_eq!(counted.entries as usize, selected.len());
        prop_assert_eq!(counted.headcount, selected.iter().map(|e| e.headcount).sum::<u32>());
        // Monthly figures add up to the period's counts (entries, not distinct actors).
        let monthly = figures::monthly(&entries, &canonical, &selector, &period);
        prop_assert_eq!(monthly.iter().map(|(_, f)| f.entries).sum::<u32>(), counted.entries);
        prop_assert!(monthly.iter().all(|(_, f)| f.actors <= counted.actors));
    }
}

#[test]
fn the_demo_loads_the_2022_figures_of_the_six_departements_once() {
    let hub = Hub::new();
    let ctx = hub.ctx();
    assert_eq!(activity::demo::load_if_empty(&ctx, &hub.admin).unwrap(), Some(7));
    assert_eq!(activity::demo::load_if_empty(&ctx, &hub.admin).unwrap(), None);
    let totals = hub.store.past_totals().unwrap();
    let codes: Vec<&str> = totals.iter().map(|row| row.departement.as_str()).collect();
    assert_eq!(codes, ["18", "28", "36", "37", "41", "45", "hub"]);
    let indre_et_loire = &totals[3];
    assert_eq!(
        (indre_et_loire.figures.meetings, indre_et_loire.figures.rdv, indre_et_loire.figures.participants),
        (Some(23), Some(45), Some(90))
    );
    assert!(indre_et_loire.note.contains("seed 001"));
    let period =
        Period::new(NaiveDate::from_ymd_opt(2021, 10, 1).unwrap(), NaiveDate::from_ymd_opt(2022, 12, 31).unwrap())
            .unwrap();
    let cher = bilan::bilan(&ctx, &hub.coordinator, &BilanScope::Departement("18".to_owned()), &period).unwrap();
    assert_eq!(cher.past.len(), 1);
    assert_eq!(cher.past[0].figures.actors_in_meetings, Some(100));
}

#[test]
fn an_agenda_event_is_reported_once_from_its_attendance() {
    use maillage_app::activity::agenda::{from_event, Reported};
    use maillage_app::agenda::registration::{self, RegistrationForm, WalkInForm};
    let hub = Hub::new();
    let ctx = hub.ctx();
    let before = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 6, 1, 8, 0, 0).unwrap();
    let event =
        maillage_app::agenda::create_event(&ctx, &hub.coordinator, &crate::agenda::form("Rencontre"), before).unwrap();
    // CAF du Cher is in the directory already: the entry names it, creates no second one.
    let caf = actors::create(
        &ctx,
        &hub.admin,
        &actors::StakeholderForm {
            name: "CAF du Cher".to_owned(),
            kind: "institution".to_owned(),
            departement: "18".to_owned(),
            ..Default::default()
        },
        before,
    )
    .unwrap();
    let ana = RegistrationForm {
        name: "Ana".to_owned(),
        email: "ana@exemple.fr".to_owned(),
        organisation: "Médiathèque de Bourges".to_owned(),
        ..Default::default()
    };
    let ana = registration::register(&ctx, &event.id, &ana, before).unwrap();
    registration::check_in(&ctx, &hub.coordinator, &ana.id, true, before).unwrap();
    let walk_in = |name: &str, email: &str, organisation: &str| WalkInForm {
        name: name.to_owned(),
        email: email.to_owned(),
        organisation: organisation.to_owned(),
        ..WalkInForm::default()
    };
    for form in [
        walk_in("Bo", "", "caf du cher"),
        walk_in("Cy", "", ""),
        walk_in("Ana", "ANA@exemple.fr", "médiathèque de bourges"),
    ] {
        registration::add_walk_in(&ctx, &hub.coordinator, &event.id, &form, before).unwrap();
    }
    // Another département's coordinator may not report it.
    let untouched = snapshot_items(&hub.store);
    forbidden(from_event(&ctx, &hub.other_coordinator, &event.id, t0()));
    assert_eq!(snapshot_items(&hub.store), untouched);

    let Reported::Created(entry) = from_event(&ctx, &hub.coordinator, &event.id, t0()).unwrap() else {
        panic!("a first report writes the entry");
    };
    assert_eq!(entry.id, event.id);
    assert_eq!((entry.kind, entry.animation), (ActivityKind::Animation, Some(AnimationKind::Echange)));
    assert_eq!(entry.date, NaiveDate::from_ymd_opt(2026, 6, 18).unwrap());
    assert_eq!((entry.duration_minutes, entry.departement.as_deref()), (150, Some("18")));
    assert_eq!(entry.events, std::slice::from_ref(&event.id));
    // Two organisations (Ana came twice, Bo for the CAF), one person for none.
    assert_eq!(entry.actors.len(), 2);
    assert!(entry.actors.contains(&caf.id));
    assert_eq!(entry.headcount, 1);
    assert_eq!(hub.store.stakeholders().unwrap().len(), 2);
    assert!(!entry.notes.contains("Ana") && !entry.notes.contains("exemple.fr"));

    // Reporting again writes nothing and answers the same entry.
    let reported = snapshot_items(&hub.store);
    assert_eq!(from_event(&ctx, &hub.coordinator, &event.id, t0()).unwrap(), Reported::Already(entry.clone()));
    assert_eq!(snapshot_items(&hub.store), reported);
    assert_eq!(activity::agenda::event_entry(&ctx, &hub.coordinator, &event.id).unwrap(), Some(entry));
    let counted = bilan::dashboard(&ctx, &hub.coordinator, &Selector::Departement("18".to_owned()), &year()).unwrap();
    assert_eq!((counted.figures.entries, counted.figures.actors), (1, 2));
}
