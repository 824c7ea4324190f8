//! The demo PNT loaded on a first start: the Indre-et-Loire of seed 002 ("Projet Numérique de
//! territoire, Bassin de vie de Chinon, point d'étape septembre 2023"), so a new hub sees the
//! pipeline filled.
//!
//! Provenance, passage by passage (seed `002_5885a23573b02866.txt`):
//! - the Chinon plan: « 3. Point d'étape », the four enjeux, and « 2. Objectifs » (four
//!   objectives, their ambitions and actions); the actors: « 2. Partenaires et acteurs impliqués »;
//! - the projects: « A. Tableau des actions-projets-idées qui ont émergés sur les Bassins de vie »
//!   (columns BV Loches, BV Chinon, BV Tours, BV Amboise, Département), with the needs as the
//!   table states them ("1 ETP à 30k€", "2024 : 25k€"); every project is left at the stage
//!   « envie / idée », the seed saying their calibration was still to come, except the
//!   carrefour de l'inclusion numérique, whose 3rd edition the seed's calendar programs;
//! - the vote: « lors de la restitution des travaux, le 2 mars dernier, un vote a été réalisé
//!   pour recueillir les priorités par ces enjeux » (phase 3, March 2023). The counts are not in
//!   the text of the source (they were on a picture), so the vote is left open, waiting for them.

use chrono::{DateTime, NaiveDate, Utc};
use maillage_store::{
    new_id, Enjeu, Need, NeedKind, Objective, Pnt, PntTerritory, Project, Stage, StageChange, Stakeholder,
    StakeholderKind, Vote, VoteItem, VoteMode,
};

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::AppResult;

/// The note every demo plan, project and vote carries.
pub const PROVENANCE: &str = "Démonstration : seed 002, « Projet Numérique de territoire – Bassin de vie de Chinon, point d'étape septembre 2023 » (Hub-Lo, Indre-et-Loire).";

const CHINON_SUMMARY: &str = "Le bassin de vie de Chinon est composé de trois communautés de communes (CC Touraine Ouest Val de Loire, CC Chinon Vienne et Loire, CC Touraine Val de Vienne). Le travail d'animation s'est organisé depuis octobre 2021 en trois phases : identification des acteurs et rencontres (décembre 2021 à mars 2022), trois ateliers de réflexion, un par EPCI (septembre à décembre 2022), puis un temps de restitution et de priorisation avec les acteurs (mars 2023).";

/// (key, title) of the four enjeux of Chinon.
const ENJEUX: [(&str, &str); 4] = [
    ("animation", "L'animation du réseau des acteurs de la médiation numérique"),
    ("emergence", "Émergence de projets"),
    ("competences", "Montée en compétences collective"),
    ("accompagnement", "Accompagnement humain dans le parcours des usagers"),
];

/// (title, enjeu, ambition, actions) of the four objectives of Chinon.
const OBJECTIVES: [(&str, &str, &str, &[&str]); 4] = [
    (
        "Animer le réseau",
        "animation",
        "Impulser, renforcer les réseaux de professionnels ; s'assurer d'un réseau d'acteurs solidaires prêts à partager et à coopérer",
        &["Veille, informations, données, financements, cartographies", "Animation de réseau en local", "Un évènement en local pour les professionnels"],
    ),
    (
        "Accompagner l'émergence de projets",
        "emergence",
        "Accompagner, faciliter la mise en œuvre des projets émergents",
        &[
            "Une filière de reconditionnement locale",
            "Une maison du numérique pour le grand public",
            "Du matériel en libre service pour la population",
            "Services mobiles : pour aller vers",
            "Sensibiliser les élus : pour un territoire innovant reconnu par l'État",
        ],
    ),
    (
        "Montée en compétences collective",
        "competences",
        "Permettre à chaque acteur de se former pour accompagner les usagers",
        &[
            "Développer un plan de formation autour des compétences numériques : EMI, outils numériques, RGPD, cybersécurité",
            "Un numérique responsable : sensibiliser aux logiciels libres, outiller sur les ressources libres",
        ],
    ),
    (
        "Développer, renforcer l'accompagnement humain vers le numérique",
        "accompagnement",
        "Accompagner le parcours d'un usager vers l'autonomie",
        &[
            "Des actions de sensibilisation et de formation à destination des publics",
            "Des outils sur la culture numérique - le langage : guide des acronymes",
            "Développer les outils et compétences pédagogiques pour animer les ateliers adaptés aux adultes",
        ],
    ),
];

/// (name, kind) of the actors of Chinon's PNT (organisations only; the seed names no person
/// but a "Maire" and an "élu au numérique", left out).
const ACTORS: [(&str, StakeholderKind); 12] = [
    ("CAF d'Indre-et-Loire", StakeholderKind::Institution),
    ("Conseil départemental d'Indre-et-Loire", StakeholderKind::Collectivite),
    ("MDS de Chinon", StakeholderKind::Institution),
    ("Centre social de Chinon", StakeholderKind::Association),
    ("CIAS de Chinon", StakeholderKind::Collectivite),
    ("Médiathèque d'Avoine", StakeholderKind::Collectivite),
    ("EPN de Chinon", StakeholderKind::Collectivite),
    ("Réseau des bibliothèques du Chinonais", StakeholderKind::Collectivite),
    ("France Services Bourgueil", StakeholderKind::Institution),
    ("Association CLAAC", StakeholderKind::Association),
    ("Association Lire et dire", StakeholderKind::Association),
    ("FICOSIL", StakeholderKind::Association),
];

/// A project of the seed's table.
struct Seed {
    territory: &'static str,
    title: &'static str,
    description: &'static str,
    axe: &'static str,
    needs: &'static [(NeedKind, Option<u64>, Option<f64>, &'static str)],
    communes: &'static [&'static str],
}

const PROJECTS: &[Seed] = &[
    Seed { territory: "bassin:Loches", title: "Matériel pour l'itinérance des conseillers numériques", description: "Besoin de matériel pour l'itinérance de l'offre d'accompagnement au numérique par les CNFS (liste fournie).", axe: "accompagnement", needs: &[(NeedKind::Equipement, None, None, "Matériel d'itinérance (liste fournie)")], communes: &[] },
    Seed { territory: "bassin:Loches", title: "Évènement d'information-sensibilisation au numérique (Loches)", description: "Évènement auprès de la population : expérimenter, s'informer, numérique créatif, sécurité…", axe: "accompagnement", needs: &[], communes: &[] },
    Seed { territory: "bassin:Loches", title: "Plaquette de l'offre de service du Lochois", description: "Un outil, une plaquette sur l'offre de service : qui fait quoi et où ?", axe: "animation", needs: &[], communes: &[] },
    Seed { territory: "bassin:Loches", title: "Poste au fablab de Loches Sud Touraine", description: "Financer un poste pour renforcer les actions, projets et partenariats du fablab (aujourd'hui porté par des bénévoles).", axe: "emergence", needs: &[(NeedKind::Etp, Some(30_000), Some(1.0), "Un poste au fablab : 30 k€")], communes: &["37132"] },
    Seed { territory: "bassin:Chinon", title: "Filière de reconditionnement locale", description: "Projet d'une filière de reconditionnement : collecte, réparation, vente.", axe: "emergence", needs: &[], communes: &[] },
    Seed { territory: "bassin:Chinon", title: "Bus numérique", description: "Projet de bus numérique, suite aux échanges avec la CC Chinon Vienne et Loire.", axe: "emergence", needs: &[], communes: &[] },
    Seed { territory: "bassin:Chinon", title: "Plan de formation des professionnels aux compétences numériques", description: "Plan de formation pour le développement des compétences numériques des professionnels.", axe: "competences", needs: &[], communes: &[] },
    Seed { territory: "bassin:Chinon", title: "Évènement d'information-sensibilisation au numérique (Chinon)", description: "Évènement auprès de la population : parentalité, cybersécurité, EMI…", axe: "accompagnement", needs: &[], communes: &[] },
    Seed { territory: "bassin:Chinon", title: "Plaquette de l'offre de service à l'échelle du bassin de Chinon", description: "Un outil, une plaquette sur l'offre de service (qui fait quoi et où ?) à l'échelle du bassin, car cela existe à Chinon.", axe: "animation", needs: &[], communes: &[] },
    Seed { territory: "bassin:Tours", title: "Informatique participative – informatique pour tous", description: "Informatique pour tous (5 euros, QPV).", axe: "accompagnement", needs: &[(NeedKind::Argent, Some(25_000), None, "2024 : 25 k€")], communes: &[] },
    Seed { territory: "bassin:Tours", title: "Sensibilisation aux logiciels libres et aux communs", description: "Actions de sensibilisation-information sur les logiciels libres, les communs…", axe: "competences", needs: &[], communes: &[] },
    Seed { territory: "bassin:Tours", title: "Tiers-lieu de Saint-Paterne", description: "Projet de tiers-lieu qui engloberait l'EPN : tiers-lieu de compétences, création d'une coopérative.", axe: "emergence", needs: &[], communes: &["37231"] },
    Seed { territory: "bassin:Amboise", title: "Fablab itinérant (CCVA)", description: "Projet de fablab itinérant de la communauté de communes du Val d'Amboise.", axe: "emergence", needs: &[], communes: &[] },
    Seed { territory: "bassin:Amboise", title: "Services mobiles pour « aller vers » (Château-Renault)", description: "Projet d'une offre de services mobiles pour aller vers les habitants.", axe: "accompagnement", needs: &[], communes: &["37063"] },
    Seed { territory: "bassin:Amboise", title: "Plaquette de l'offre de service de l'Amboisien", description: "Un outil, une plaquette sur l'offre de service : qui fait quoi et où ?", axe: "animation", needs: &[], communes: &[] },
    Seed { territory: "bassin:Amboise", title: "Évènement d'information-sensibilisation au numérique (Amboise)", description: "Évènement auprès de la population : sécurité, parentalité, EMI…", axe: "accompagnement", needs: &[], communes: &[] },
    Seed { territory: "bassin:Amboise", title: "Renfort des moyens du fablab de Château-Renault", description: "Un ETP, ou le financement de matériel (participation au concours de robotique national).", axe: "emergence", needs: &[(NeedKind::Etp, Some(30_000), Some(1.0), "1 ETP à 30 k€"), (NeedKind::Equipement, Some(10_000), None, "Matériel, concours de robotique national : 10 k€")], communes: &["37063"] },
    Seed { territory: "departement:37", title: "Animation du réseau des professionnels avec le Conseil départemental", description: "Fonction d'accompagnement au numérique, ou services civiques.", axe: "animation", needs: &[], communes: &[] },
    Seed { territory: "departement:37", title: "Outils du réseau : lettre d'info, site web, fanzine", description: "Lettre d'info, site web, création et rédaction de ressources, interviews des acteurs (création d'un fanzine).", axe: "animation", needs: &[], communes: &[] },
    Seed { territory: "departement:37", title: "Rencontres des médiateurs numériques", description: "Ateliers de réflexion, échanges de pratiques, actualité, veille.", axe: "competences", needs: &[], communes: &[] },
    Seed { territory: "departement:37", title: "Carrefour de l'inclusion numérique", description: "Temps convivial de rencontres, d'information et de partage de ressources ouvert à tous les professionnels de l'accompagnement ; 3e édition programmée le 5 décembre 2023 à la Maison des sports de Touraine, à Tours.", axe: "animation", needs: &[], communes: &[] },
];

fn at() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2023, 9, 1).unwrap().and_hms_opt(8, 0, 0).unwrap().and_utc()
}

fn plan(territory: PntTerritory, title: &str, summary: &str, actor: &Actor) -> Pnt {
    Pnt {
        territory,
        title: title.to_owned(),
        summary: summary.to_owned(),
        enjeux: Vec::new(),
        objectives: Vec::new(),
        actors: Vec::new(),
        provenance: Some(PROVENANCE.to_owned()),
        updated_by: actor.id().map(str::to_owned),
        updated_at: at(),
        version: 1,
    }
}

/// Loads the demo PNT when the store has no plan, no project and no vote yet and the hub has
/// the four bassins of Indre-et-Loire it names. Returns how many projects it wrote.
pub fn load_if_empty(ctx: &Context<'_>, actor: &Actor) -> AppResult<Option<usize>> {
    actor.require(ctx, Permission::Administer)?;
    let store = ctx.store;
    if !store.pnts()?.is_empty() || !store.votes(None)?.is_empty() || store.count_projects(&Default::default())? > 0 {
        return Ok(None);
    }
    let bassins: Vec<String> = store.bassins()?.into_iter().map(|member| member.bassin).collect();
    if !["Chinon", "Loches", "Tours", "Amboise"].iter().all(|name| bassins.iter().any(|b| b == name)) {
        return Ok(None);
    }
    let mut actors = Vec::new();
    for (name, kind) in ACTORS {
        let stakeholder = Stakeholder {
            id: new_id(),
            name: name.to_owned(),
            kind,
            commune_code: None,
            commune: None,
            departement: Some("37".to_owned()),
            place_id: None,
            contact: None,
            created_by: None,
            created_at: at(),
            updated_at: at(),
            version: 1,
            merged_into: None,
        };
        store.add_stakeholder(&stakeholder)?;
        actors.push(stakeholder.id);
    }
    let mut chinon = plan(
        PntTerritory::bassin("Chinon"),
        "Projet numérique de territoire du bassin de vie de Chinon",
        CHINON_SUMMARY,
        actor,
    );
    chinon.enjeux = ENJEUX
        .iter()
        .map(|(key, title)| Enjeu { key: (*key).to_owned(), title: (*title).to_owned(), description: String::new() })
        .collect();
    chinon.objectives = OBJECTIVES
        .iter()
        .map(|(title, enjeu, ambition, actions)| Objective {
            title: (*title).to_owned(),
            enjeu: Some((*enjeu).to_owned()),
            ambition: (*ambition).to_owned(),
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        })
        .collect();
    chinon.actors = actors;
    store.save_pnt(&chinon)?;
    for name in ["Loches", "Tours", "Amboise"] {
        store.save_pnt(&plan(
            PntTerritory::bassin(name),
            &format!("Projet numérique de territoire du bassin de vie de {name}"),
            "Idées et projets recensés lors des rencontres de bassin (tableau de septembre 2023).",
            actor,
        ))?;
    }
    store.save_pnt(&plan(
        PntTerritory::departement("37"),
        "Projet numérique de territoire de l'Indre-et-Loire (échelle départementale)",
        "Actions portées à l'échelle du département avec le Conseil départemental et le réseau des professionnels.",
        actor,
    ))?;
    for seed in PROJECTS {
        let territory = PntTerritory::parse_key(seed.territory).expect("the demo's territories are written right");
        let creation = StageChange {
            stage: Stage::Idee,
            at: at(),
            by: None,
            by_name: "Hub (démonstration)".to_owned(),
            reason: Some(PROVENANCE.to_owned()),
        };
        let mut stages = vec![creation];
        if seed.title == "Carrefour de l'inclusion numérique" {
            stages.push(StageChange {
                stage: Stage::Proposition,
                at: at(),
                by: None,
                by_name: "Hub (démonstration)".to_owned(),
                reason: None,
            });
            stages.push(StageChange {
                stage: Stage::EnCours,
                at: at(),
                by: None,
                by_name: "Hub (démonstration)".to_owned(),
                reason: Some("3e édition programmée le 5 décembre 2023 (seed 002, temps forts)".to_owned()),
            });
        }
        let project = Project {
            id: new_id(),
            title: seed.title.to_owned(),
            description: seed.description.to_owned(),
            territories: vec![territory],
            axe: Some(seed.axe.to_owned()),
            stage: stages.last().map(|s| s.stage).unwrap_or(Stage::Idee),
            stages,
            carriers: Vec::new(),
            partners: Vec::new(),
            needs: seed
                .needs
                .iter()
                .map(|(kind, amount, etp, description)| Need {
                    kind: *kind,
                    amount: *amount,
                    etp: *etp,
                    description: (*description).to_owned(),
                })
                .collect(),
            funding: Vec::new(),
            communes: seed.communes.iter().map(|c| (*c).to_owned()).collect(),
            events: Vec::new(),
            incubator: Vec::new(),
            progress: String::new(),
            carrier_accounts: Vec::new(),
            published: true,
            created_by: None,
            created_at: at(),
            updated_by: None,
            updated_by_name: "Hub (démonstration)".to_owned(),
            updated_at: at(),
            version: 1,
        };
        store.add_project(&project)?;
    }
    let restitution = Vote {
        meeting: Some("Restitution des travaux du PNT du bassin de Chinon".to_owned()),
        held_on: NaiveDate::from_ymd_opt(2023, 3, 2),
        provenance: Some(format!("{PROVENANCE} Les décomptes ne figurent pas dans le texte de la source : à saisir.")),
        ..super::votes::new_vote(
            PntTerritory::bassin("Chinon"),
            "Priorisation des enjeux – restitution du 2 mars 2023".to_owned(),
            VoteMode::Salle,
            ENJEUX.iter().map(|(_, title)| VoteItem { label: (*title).to_owned(), project: None }).collect(),
            None,
            at(),
        )
    };
    store.add_vote(&restitution, &[])?;
    ctx.audit(
        actor.id(),
        "demonstration_pnt_chargee",
        None,
        format!("{} projets, 5 PNT, 1 vote (seed 002)", PROJECTS.len()),
        maillage_store::now(),
    )?;
    Ok(Some(PROJECTS.len()))
}
