//! The agenda's demo content, loaded on a first start with the places' demo: the hub's real
//! temps forts of 2023 (past), and a few events generated in the coming weeks so that
//! registration, the waiting list and check-in can be tried.
//!
//! Provenance (kept with the data, see each block):
//! - `seeds/002_*.txt`, « 5. Programmation des temps forts du Hub-Lo en Indre et Loire »,
//!   « LES TEMPS FORTS À RETENIR » (both pages): the six Indre-et-Loire events, with their
//!   dates, times, places, objectives, programmes and target actors as written there.
//! - `seeds/001_*.txt`, « Et après : l'agenda du hub » (national, Cher, Eure-et-Loir, Indre,
//!   Indre-et-Loire, Loir-et-Cher, Loiret pages): one dated meeting per département, and the
//!   « 1/mois : échanges autour du dispositif CNFS » that the generated monthly webinar
//!   echoes. Times are not given there: 09:30–12:00 is assumed and said in the description.
//! - The upcoming events are generated (their descriptions say so), not from a seed.

use chrono::{DateTime, Datelike, TimeDelta, Utc};

use super::{create_event, create_series, EventForm, Recurrence};
use crate::accounts::Actor;
use crate::context::Context;
use crate::AppResult;

/// One seed event: title, kind, scale, territory, date, start, end, address, description,
/// publics.
type Seed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// `seeds/002_*.txt`, « LES TEMPS FORTS À RETENIR ».
const TEMPS_FORTS_37: &[Seed] = &[
    (
        "Réunion d'organisation du Carrefour de l'inclusion numérique 37",
        "reunion_bassin",
        "departement",
        "37",
        "2023-09-08",
        "14:00",
        "16:00",
        "F.O.L. 37 - 10 av. de la République - 37300 Joué-lès-Tours",
        "En perspective du prochain carrefour de l'inclusion numérique (3ème édition) programmé le 5 décembre 2023 à la Maison des Sports de Touraine, à Tours.\n\nObjectif : vous avez envie de participer à l'élaboration du prochain Carrefour de l'inclusion : sur le contenu, les thèmes, les intervenants, la convivialité, la logistique…",
        "professionnels de la médiation numérique",
    ),
    (
        "Rencontre départementale des médiateurs numériques (37)",
        "rencontre_mediateurs",
        "departement",
        "37",
        "2023-09-21",
        "09:30",
        "16:30",
        "La Parenthèse - 14 bd Léo Lagrange - 37510 Ballan-Miré",
        "Objectif : rencontre trimestrielle favorisant le partage de pratiques, d'informations et d'actualités du secteur de la médiation numérique.\n\n- Matin : **Quelles stratégies de communication pour promouvoir votre offre de service de médiation ?** Quels leviers de communication en direction des publics pour déclencher l'envie de venir ?\n- Déjeuner au resto du coin\n- Après-midi : tour des actualités des acteurs et veille d'information",
        "animateurs numériques, conseillers numériques, volontaires en service civique numérique, responsables d'EPN, aidants numériques, agents habilités Aidants Connect",
    ),
    (
        "Hackathon de la médiation numérique (41)",
        "hackathon",
        "commune",
        "41194",
        "2023-09-26",
        "09:00",
        "17:00",
        "Romorantin-Lanthenay (lieu à venir)",
        "Thèmes : réemploi de matériel, badges numériques, partages des ressources et cybersécurité.",
        "professionnels de la médiation numérique",
    ),
    (
        "Ressourcerie - reconditionnement - bassin de Loches",
        "carrefour",
        "commune",
        "37132",
        "2023-10-10",
        "09:00",
        "12:00",
        "Maison France Services - 24 bis av. du Général de Gaulle - 37600 Loches",
        "Objectifs : favoriser la compréhension des enjeux, éclairer sur les ressources-dispositifs disponibles, envisager les projets de reconditionnement en local.\n\nIntervenants : participation de partenaires (Informatique Participative - Emmaüs Connect).",
        "professionnels, élus, bénévoles",
    ),
    (
        "Éducation aux médias et à l'information : « Mais où se cache la vérité ? » - bassin de Chinon",
        "carrefour",
        "commune",
        "37011",
        "2023-11-09",
        "09:00",
        "12:00",
        "Centre social - av. de la République - 37420 Avoine",
        "Outillage collectif, accompagner les publics au discernement entre les informations, encourager l'esprit critique.\n\nObjectif : favoriser l'acculturation et la compréhension des enjeux, éclairer sur les ressources-dispositifs disponibles, s'outiller sur la question et appuyer le développement de solutions en local.\n\nIntervenants : experts d'associations partenaires.",
        "professionnels, élus, bénévoles",
    ),
    (
        "Le Carrefour de l'inclusion numérique 37",
        "carrefour",
        "departement",
        "37",
        "2023-12-05",
        "08:45",
        "17:00",
        "Maison des sports - route de l'aviation - 37210 Tours",
        "Temps convivial de rencontres, d'information, de partage de ressources, de réflexions, ouvert à tous les professionnels de l'accompagnement.",
        "professionnels de l'accompagnement",
    ),
];

/// `seeds/001_*.txt`, « Et après : l'agenda du hub », one meeting per département page.
const AGENDA_2023: &[Seed] = &[
    (
        "Rencontre entre hubs à Orléans",
        "comite",
        "region",
        "24",
        "2023-10-04",
        "09:30",
        "12:00",
        "Orléans",
        "Dates nationales de l'agenda du hub.",
        "hubs",
    ),
    (
        "Coordination départementale des médiateurs numériques (Cher)",
        "rencontre_mediateurs",
        "departement",
        "18",
        "2023-09-08",
        "09:30",
        "12:00",
        "Berry Numérique, Cher",
        "Avec Berry Numérique.",
        "médiateurs",
    ),
    (
        "Rencontre des médiateurs numériques d'Eure-et-Loir",
        "rencontre_mediateurs",
        "departement",
        "28",
        "2023-09-13",
        "09:30",
        "12:00",
        "Eure-et-Loir",
        "Rencontre départementale.",
        "médiateurs",
    ),
    (
        "Rencontre des médiateurs numériques de l'Indre",
        "rencontre_mediateurs",
        "departement",
        "36",
        "2023-07-04",
        "09:30",
        "12:00",
        "Indre",
        "Rencontre départementale.",
        "médiateurs",
    ),
    (
        "Réunion des partenaires du projet Informatique pour tous",
        "comite",
        "departement",
        "37",
        "2023-09-22",
        "09:30",
        "12:00",
        "Indre-et-Loire",
        "Réunion des partenaires.",
        "partenaires",
    ),
    (
        "Rencontre des médiateurs numériques du Loiret",
        "rencontre_mediateurs",
        "departement",
        "45",
        "2023-09-12",
        "09:30",
        "12:00",
        "Loiret",
        "Rencontre départementale.",
        "médiateurs",
    ),
    (
        "Réunion du bassin de vie de Montargis",
        "reunion_bassin",
        "departement",
        "45",
        "2023-07-04",
        "09:30",
        "12:00",
        "Montargis",
        "Réunion de bassin de vie pour le projet numérique de territoire.",
        "acteurs du bassin",
    ),
];

fn form(seed: &Seed) -> EventForm {
    let (title, kind, scale, territory, date, start, end, address, description, publics) = *seed;
    EventForm {
        title: title.to_owned(),
        description: description.to_owned(),
        kind: kind.to_owned(),
        scale: scale.to_owned(),
        territory: territory.to_owned(),
        organisers: "Hub-Lo".to_owned(),
        address: address.to_owned(),
        date: date.to_owned(),
        start: start.to_owned(),
        end: end.to_owned(),
        publics: publics.to_owned(),
        contact: "Chargée de mission 37 — Hub-Lo".to_owned(),
        registration: "on".to_owned(),
        seats_per_person: "1".to_owned(),
        ..EventForm::default()
    }
}

/// The local date `days` from `now`, on a weekday (a Saturday or Sunday moves to Monday).
fn weekday_in(now: DateTime<Utc>, days: i64) -> String {
    let mut day = super::local_day(now + TimeDelta::days(days));
    while day.weekday().number_from_monday() > 5 {
        day = day.succ_opt().unwrap_or(day);
    }
    day.format("%Y-%m-%d").to_string()
}

/// Loads the demo agenda into a store whose agenda is empty; how many events were added.
pub fn load_if_empty(ctx: &Context<'_>, actor: &Actor, now: DateTime<Utc>) -> AppResult<usize> {
    if !ctx.store.events(&Default::default())?.is_empty() {
        return Ok(0);
    }
    let mut added = 0;
    for seed in TEMPS_FORTS_37.iter().chain(AGENDA_2023) {
        create_event(ctx, actor, &form(seed), now)?;
        added += 1;
    }
    // Generated, upcoming: a meeting with few seats (to see the waiting list), a bassin's
    // workshop asking for approval, and a monthly webinar series.
    let meeting = EventForm {
        title: "Rencontre départementale des médiateurs numériques (37) — prochaine édition".to_owned(),
        date: weekday_in(now, 21),
        capacity: "5".to_owned(),
        questions: "Participerez-vous au déjeuner ?".to_owned(),
        description: "Événement de démonstration, généré sur le modèle de la rencontre trimestrielle de l'agenda 2023.\n\n- Matin : partage de pratiques\n- Après-midi : tour des actualités des acteurs".to_owned(),
        ..form(&TEMPS_FORTS_37[1])
    };
    create_event(ctx, actor, &meeting, now)?;
    let workshop = EventForm {
        title: "Atelier du bassin de Loches : reconditionnement, suite".to_owned(),
        date: weekday_in(now, 42),
        capacity: "20".to_owned(),
        approval: "on".to_owned(),
        description:
            "Événement de démonstration, généré : suite de la matinée ressourcerie - reconditionnement de 2023."
                .to_owned(),
        ..form(&TEMPS_FORTS_37[3])
    };
    create_event(ctx, actor, &workshop, now)?;
    let webinar = EventForm {
        title: "Échanges autour du dispositif Conseillers numériques".to_owned(),
        kind: "webinaire".to_owned(),
        scale: "region".to_owned(),
        territory: "24".to_owned(),
        address: String::new(),
        online_url: "https://visio.hub.example/cnfs".to_owned(),
        date: weekday_in(now, 10),
        start: "14:00".to_owned(),
        end: "15:00".to_owned(),
        publics: "conseillers numériques".to_owned(),
        description: "Série de démonstration, générée sur le modèle du « 1/mois : échanges autour du dispositif CNFS » de l'agenda du hub.".to_owned(),
        ..form(&AGENDA_2023[0])
    };
    added += create_series(ctx, actor, &webinar, Recurrence::Monthly, 3, now)?.len() + 2;
    Ok(added)
}
