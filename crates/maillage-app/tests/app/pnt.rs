//! The projets numériques de territoire through the use cases: stages with their rules, the
//! incubator, publication, bad input named by field and writing nothing, votes by mail link,
//! the evidence equal to `maillage coverage`, and the demo of seed 002.

use chrono::{DateTime, TimeDelta, Utc};
use maillage_app::accounts::Actor;
use maillage_app::context::{Context, Mailing};
use maillage_app::coverage::{coverage, CoverageRequest};
use maillage_app::places::demo::DEMO_BASSINS;
use maillage_app::pnt::{self, evidence, votes, FundingForm, IncubatorForm, NeedForm, ProjectFilter, ProjectForm};
use maillage_app::territory::{read_bassins_csv, Locator};
use maillage_app::AppError;
use maillage_store::contract::snapshot_items;
use maillage_store::{AccountStore, PntStore, PntTerritory, Stage, Store, VoteMode};

use crate::support::*;

/// A hub with the Centre-Val de Loire bassins and a place in Chinon.
struct PntHub {
    hub: Hub,
    locator: Locator,
}

impl PntHub {
    fn new() -> PntHub {
        let hub = Hub::new();
        let members = read_bassins_csv(&territory(), DEMO_BASSINS).unwrap();
        hub.store.replace_bassins(&members).unwrap();
        let locator = Locator::load(&hub.store, territory()).unwrap();
        PntHub { hub, locator }
    }

    fn ctx(&self) -> Context<'_> {
        Context::new(&self.hub.store).with_locator(&self.locator).with_mailing(Mailing {
            mailer: &self.hub.sent,
            signer: &self.hub.signer,
            base_url: "https://hub.example",
        })
    }

    /// The coordinator of Indre-et-Loire, whose bassins Chinon is one of.
    fn coordinator_37(&self) -> &Actor {
        &self.hub.other_coordinator
    }
}

fn at(minutes: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(minutes)
}

fn idea() -> ProjectForm {
    ProjectForm {
        title: "Filière de reconditionnement".to_owned(),
        description: "Collecte, réparation, vente.".to_owned(),
        territories: vec!["bassin:Chinon".to_owned()],
        axe: "emergence".to_owned(),
        carriers: "Association CLAAC".to_owned(),
        partners: String::new(),
        needs: vec![NeedForm {
            kind: "etp".to_owned(),
            amount: "30 000".to_owned(),
            etp: "1".to_owned(),
            description: "1 ETP à 30 k€".to_owned(),
        }],
        funding: vec![FundingForm {
            funder: "CAF 37".to_owned(),
            amount: "10000".to_owned(),
            status: "demandee".to_owned(),
        }],
        communes: "37072 37011".to_owned(),
        events: String::new(),
        progress: String::new(),
    }
}

fn field_error<T: std::fmt::Debug>(result: Result<T, AppError>, field: &str, words: &str) {
    match &result {
        Err(AppError::Invalid(errors)) => {
            assert!(errors.iter().any(|e| e.field == field && e.message.contains(words)), "{errors:?}")
        }
        other => panic!("expected a refusal of {field}: {other:?}"),
    }
}

#[test]
fn a_project_moves_from_idea_to_voted_with_its_timeline() {
    let hub = PntHub::new();
    let ctx = hub.ctx();
    let coordinator = hub.coordinator_37();
    let project = pnt::create_project(&ctx, coordinator, &idea(), Stage::Idee, at(0)).unwrap();
    assert_eq!(project.needs[0].amount, Some(30_000));
    assert_eq!(project.communes, ["37072", "37011"]);
    // Skipping a stage needs a reason, and writes nothing without one.
    let before = snapshot_items(&hub.hub.store);
    field_error(pnt::change_stage(&ctx, coordinator, &project.id, 1, "vote", "", at(1)), "motif", "saute une étape");
    assert_eq!(snapshot_items(&hub.hub.store), before);
    let project = pnt::change_stage(&ctx, coordinator, &project.id, 1, "proposition", "", at(2)).unwrap();
    let project =
        pnt::change_stage(&ctx, coordinator, &project.id, 2, "vote", "voté en conseil communautaire", at(3)).unwrap();
    assert_eq!(project.stage, Stage::Vote);
    let project = pnt::add_incubator_step(
        &ctx,
        coordinator,
        &project.id,
        3,
        &IncubatorForm {
            stage: "coaching".to_owned(),
            date: "2024-02-01".to_owned(),
            participants: "FICOSIL".to_owned(),
            notes: "Pitch".to_owned(),
            outputs: "Deux partenaires".to_owned(),
            seed_budget: "2 000".to_owned(),
        },
        at(4),
    )
    .unwrap();
    assert_eq!(project.incubator[0].seed_budget, Some(2_000));
    // Abandoned from anywhere, with a reason only.
    field_error(pnt::change_stage(&ctx, coordinator, &project.id, 4, "abandonne", " ", at(5)), "motif", "abandonner");
    let abandoned = pnt::change_stage(&ctx, coordinator, &project.id, 4, "abandonne", "porteur parti", at(5)).unwrap();
    let timeline: Vec<(Stage, Option<&str>)> =
        abandoned.stages.iter().map(|change| (change.stage, change.reason.as_deref())).collect();
    assert_eq!(
        timeline,
        [
            (Stage::Idee, None),
            (Stage::Proposition, None),
            (Stage::Vote, Some("voté en conseil communautaire")),
            (Stage::Abandonne, Some("porteur parti"))
        ]
    );
    assert!(abandoned.stages.iter().all(|change| change.by_name == "Coordination"));
    // Every write kept a version with who and when.
    let history = pnt::history(&ctx, coordinator, &project.id).unwrap();
    assert_eq!(history.iter().map(|p| p.version).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert_eq!(history[4].updated_at, at(5));
    // A stale version is a conflict.
    assert!(matches!(
        pnt::change_stage(&ctx, coordinator, &project.id, 4, "idee", "reprise", at(6)),
        Err(AppError::Store(maillage_store::StoreError::Conflict(_)))
    ));
}

#[test]
fn bad_input_is_named_by_field_and_writes_nothing() {
    let hub = PntHub::new();
    let ctx = hub.ctx();
    let coordinator = hub.coordinator_37();
    let before = snapshot_items(&hub.hub.store);
    let unknown = ProjectForm { territories: vec!["bassin:Atlantide".to_owned()], ..idea() };
    let mut negative = idea();
    negative.needs[0].amount = "-500".to_owned();
    let mut negative_funding = idea();
    negative_funding.funding[0].amount = "-1".to_owned();
    let untitled = ProjectForm { title: " ".to_owned(), ..idea() };
    let nowhere = ProjectForm { communes: "99999".to_owned(), ..idea() };
    for (form, field, words) in [
        (unknown, "territoires", "bassin de vie inconnu « Atlantide »"),
        (negative, "besoins (ligne 1), montant", "négatif"),
        (negative_funding, "financements (ligne 1), montant", "négatif"),
        (untitled, "titre", "obligatoire"),
        (nowhere, "communes", "99999"),
    ] {
        field_error(pnt::create_project(&ctx, coordinator, &form, Stage::Idee, at(0)), field, words);
    }
    // Outside the coordinator's territory: the Cher's coordinator may not create in Chinon.
    assert!(matches!(
        pnt::create_project(&ctx, &hub.hub.coordinator, &idea(), Stage::Idee, at(0)),
        Err(AppError::Forbidden(_))
    ));
    assert_eq!(snapshot_items(&hub.hub.store), before);
}

#[test]
fn a_carrier_proposes_and_the_coordinator_decides() {
    let hub = PntHub::new();
    let ctx = hub.ctx();
    let coordinator = hub.coordinator_37();
    let place = hub.hub.place("Centre social");
    let manager = hub.hub.manager("porteuse@asso.example", &[&place], false);
    let carrier = maillage_app::actors::from_place(&ctx, coordinator, &place.id, at(0)).unwrap();
    let form = ProjectForm { carriers: format!("acteur:{}", carrier.id), ..idea() };
    let project = pnt::create_project(&ctx, coordinator, &form, Stage::Idee, at(0)).unwrap();
    let project = pnt::set_published(&ctx, coordinator, &project.id, 1, true, at(1)).unwrap();
    assert_eq!(pnt::carriers::carried_projects(&ctx, &manager).unwrap().len(), 1);
    let other = hub.hub.manager("autre@asso.example", &[&hub.hub.place("Autre lieu")], false);
    assert!(pnt::carriers::carried_projects(&ctx, &other).unwrap().is_empty());

    // A negative amount is refused by field, and nothing is written.
    let mut change = pnt::carriers::CarrierForm::of(&project);
    change.needs[0].amount = "-5".to_owned();
    let before = snapshot_items(&hub.hub.store);
    field_error(
        pnt::carriers::propose_change(&ctx, &manager, &project.id, 2, &change, at(2)),
        "besoins (ligne 1), montant",
        "négatif",
    );
    assert_eq!(snapshot_items(&hub.hub.store), before);

    change.needs[0].amount = "35000".to_owned();
    change.progress = "Local trouvé, recrutement en mars.".to_owned();
    change.note = "Le budget a bougé.".to_owned();
    let proposal = pnt::carriers::propose_change(&ctx, &manager, &project.id, 2, &change, at(3)).unwrap();
    // The public still reads the approved version.
    let public = pnt::project(&ctx, &Actor::Public, &project.id).unwrap();
    assert_eq!((public.needs[0].amount, public.progress.as_str()), (Some(30_000), ""));
    assert_eq!(
        pnt::carriers::pending_proposals(&ctx, coordinator, &project.id).unwrap(),
        std::slice::from_ref(&proposal)
    );

    // A refusal needs a reason; the carrier is told.
    field_error(pnt::carriers::reject_proposal(&ctx, coordinator, &proposal.id, " ", at(4)), "motif", "pourquoi");
    let approved = pnt::carriers::approve_proposal(&ctx, coordinator, &proposal.id, 2, at(5)).unwrap();
    assert_eq!((approved.version, approved.needs[0].amount), (3, Some(35_000)));
    assert_eq!(approved.progress, "Local trouvé, recrutement en mars.");
    assert!(approved.updated_by_name.ends_with("(approuvé par Coordination)"), "{}", approved.updated_by_name);
    let public = pnt::project(&ctx, &Actor::Public, &project.id).unwrap();
    assert_eq!(public.needs[0].amount, Some(35_000));
    assert!(pnt::carriers::pending_proposals(&ctx, coordinator, &project.id).unwrap().is_empty());
    assert!(hub.hub.mails().iter().any(|mail| mail.to == "porteuse@asso.example" && mail.subject.contains("publiée")));
    // Decided once.
    assert!(pnt::carriers::approve_proposal(&ctx, coordinator, &proposal.id, 3, at(6)).is_err());

    // A person the hub invites for the project carries it too.
    let invited =
        pnt::carriers::invite_carrier(&ctx, coordinator, &project.id, 3, "elu@mairie.example", "Élu", at(7)).unwrap();
    let account = hub.hub.store.user_by_email("elu@mairie.example").unwrap().unwrap();
    assert_eq!(invited.carrier_accounts, std::slice::from_ref(&account.id));
    let elu = Actor::User(account);
    assert_eq!(pnt::carriers::carried_projects(&ctx, &elu).unwrap().len(), 1);
    change.progress = "Ouverture en septembre.".to_owned();
    let refused = pnt::carriers::propose_change(&ctx, &elu, &project.id, 4, &change, at(8)).unwrap();
    let rejected =
        pnt::carriers::reject_proposal(&ctx, coordinator, &refused.id, "Montant à confirmer.", at(9)).unwrap();
    assert_eq!(rejected.reason.as_deref(), Some("Montant à confirmer."));
    assert_eq!(pnt::project(&ctx, &Actor::Public, &project.id).unwrap().version, 4);
}

#[test]
fn the_public_reads_published_projects_only() {
    let hub = PntHub::new();
    let ctx = hub.ctx();
    let coordinator = hub.coordinator_37();
    let hidden = pnt::create_project(&ctx, coordinator, &idea(), Stage::Idee, at(0)).unwrap();
    let shown = pnt::create_project(
        &ctx,
        coordinator,
        &ProjectForm { title: "Bus numérique".to_owned(), ..idea() },
        Stage::Idee,
        at(0),
    )
    .unwrap();
    pnt::set_published(&ctx, coordinator, &shown.id, 1, true, at(1)).unwrap();
    let filter = ProjectFilter { territory: Some(PntTerritory::bassin("Chinon")), ..ProjectFilter::default() };
    let page = pnt::public_projects(&ctx, &filter, None, 10).unwrap();
    assert_eq!(page.projects.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Bus numérique"]);
    assert_eq!(page.total, 1);
    assert!(matches!(pnt::project(&ctx, &Actor::Public, &hidden.id), Err(AppError::Forbidden(_))));
    assert!(pnt::project(&ctx, &Actor::Public, &shown.id).is_ok());
    assert_eq!(pnt::projects(&ctx, coordinator, &filter, None, 10).unwrap().total, 2);
    // Pages by cursor.
    let first = pnt::projects(&ctx, coordinator, &filter, None, 1).unwrap();
    let second = pnt::projects(&ctx, coordinator, &filter, first.next.as_deref(), 1).unwrap();
    assert_eq!(
        (first.projects[0].title.as_str(), second.projects[0].title.as_str()),
        ("Bus numérique", "Filière de reconditionnement")
    );
    assert_eq!(second.next, None);
}

/// The evidence beside a project equals the rows `maillage coverage` computes (its default
/// request: communes, the hub's perimeter, 5/10/15/20 km) for the same communes.
#[test]
fn the_evidence_equals_the_coverage_command() {
    let hub = PntHub::new();
    let ctx = hub.ctx();
    for (name, commune, postcode) in [("Médiathèque", "Chinon", "37500"), ("EPN", "Loches", "37600")] {
        let fields = with(with(fields(name), "commune", commune), "code_postal", postcode);
        maillage_app::moderation::create_place(&ctx, &hub.hub.admin, &fields, t0()).unwrap();
    }
    let territory = territory();
    let communes = vec!["37072".to_owned(), "37011".to_owned(), "37132".to_owned(), "75056".to_owned()];
    let shown = evidence::evidence(&ctx, &territory, None, &communes).unwrap();
    let cli = coverage(&hub.hub.store, &territory, &CoverageRequest::default()).unwrap();
    assert_eq!(shown.communes.len(), 3);
    assert_eq!(shown.hors_perimetre, ["75056"]);
    for row in &shown.communes {
        let expected = cli.lignes.iter().find(|line| line.code == row.code).unwrap();
        assert_eq!(row.population, expected.population);
        assert_eq!(Some(&row.population_au_dela_10_km), expected.population_au_dela.get("10 km"));
        assert_eq!(row.priorite, expected.priorite.as_ref().map(|p| p.score));
        assert_eq!(row.distance_km, expected.lieu_le_plus_proche.as_ref().map(|n| n.distance_km));
    }
    // A commune with a place of its own has nobody beyond 10 km there.
    assert_eq!(shown.communes.iter().find(|c| c.code == "37072").unwrap().population_au_dela_10_km, 0);
    // Through the server's cache, the same figures.
    let cache = maillage_app::coverage::CoverageCache::new(2);
    assert_eq!(evidence::evidence(&ctx, &territory, Some(&cache), &communes).unwrap(), shown);
}

fn online_form(points: &str) -> votes::VoteForm {
    votes::VoteForm {
        territory: "bassin:Chinon".to_owned(),
        title: "Priorités 2026".to_owned(),
        items: "Animation du réseau\nÉmergence de projets\nMontée en compétences".to_owned(),
        points: points.to_owned(),
        opens_at: String::new(),
        closes_at: "2030-01-01T18:00".to_owned(),
        hide_results: true,
        invitations: "a@asso.example\nb@asso.example".to_owned(),
        ..votes::VoteForm::default()
    }
}

#[test]
fn an_online_vote_runs_from_the_mail_link_to_its_results() {
    let hub = PntHub::new();
    let ctx = hub.ctx();
    let coordinator = hub.coordinator_37();
    field_error(votes::create_online_vote(&ctx, coordinator, &online_form("zéro"), at(0)), "points", "zéro");
    let vote = votes::create_online_vote(&ctx, coordinator, &online_form("5"), at(0)).unwrap();
    assert_eq!(vote.mode, VoteMode::EnLigne);
    let mails = hub.hub.mails();
    assert_eq!(mails.len(), 2);
    let prefix = format!("/vote/{}?jeton=", vote.id);
    let token = hub.hub.link_token(&prefix);
    let view = votes::ballot(&ctx, &vote.id, &token, at(1)).unwrap();
    assert!(view.rules.starts_with("Vous avez 5 points à répartir"), "{}", view.rules);
    assert_eq!(view.rules.matches('.').count(), 1, "one sentence: {}", view.rules);
    assert!(view.open && view.results.is_none());
    // More points than allowed: named, nothing written.
    let points = |p: [&str; 3]| p.map(str::to_owned).to_vec();
    field_error(
        votes::cast(&ctx, &vote.id, &token, &points(["3", "3", "0"]), at(2)),
        "points",
        "6 points pour 5 permis",
    );
    assert_eq!(votes::ballot(&ctx, &vote.id, &token, at(2)).unwrap().ballot, None);
    votes::cast(&ctx, &vote.id, &token, &points(["3", "2", ""]), at(3)).unwrap();
    votes::cast(&ctx, &vote.id, &token, &points(["0", "1", "4"]), at(4)).unwrap();
    assert_eq!(votes::ballot(&ctx, &vote.id, &token, at(5)).unwrap().ballot, Some(vec![0, 1, 4]));
    // A wrong token is refused.
    refused(votes::ballot(&ctx, &vote.id, &"0".repeat(64), at(5)), "lien de vote");
    let closed = votes::close_vote(&ctx, coordinator, &vote.id, 1, at(6)).unwrap();
    assert_eq!(closed.results.as_ref().unwrap().points, [0, 1, 4]);
    let view = votes::ballot(&ctx, &vote.id, &token, at(7)).unwrap();
    assert!(!view.open);
    assert_eq!(view.results.unwrap().ballots, 1);
    refused(votes::cast(&ctx, &vote.id, &token, &points(["5", "0", "0"]), at(8)), "clos");
    // The e-mails are gone with the closing.
    assert!(hub.hub.store.voters(&vote.id).unwrap().iter().all(|voter| voter.email.is_none()));
}

#[test]
fn a_room_vote_records_the_wall_counts() {
    let hub = PntHub::new();
    let ctx = hub.ctx();
    let coordinator = hub.coordinator_37();
    let form = votes::VoteForm {
        territory: "bassin:Chinon".to_owned(),
        title: "Restitution".to_owned(),
        items: "Animation\nÉmergence".to_owned(),
        meeting: "Restitution du PNT".to_owned(),
        held_on: "2023-03-02".to_owned(),
        ..votes::VoteForm::default()
    };
    let vote = votes::create_room_vote(&ctx, coordinator, &form, at(0)).unwrap();
    let counts = |c: [&str; 2]| c.map(str::to_owned).to_vec();
    field_error(
        votes::record_room_vote(&ctx, coordinator, &vote.id, 1, &counts(["-3", "4"]), "12", at(1)),
        "gommettes pour « Animation »",
        "-3",
    );
    let closed = votes::record_room_vote(&ctx, coordinator, &vote.id, 1, &counts(["9", "14"]), "12", at(1)).unwrap();
    assert_eq!(closed.results.unwrap().ballots, 12);
    assert_eq!(votes::closed_votes(&ctx, &PntTerritory::bassin("Chinon")).unwrap().len(), 1);
}

#[test]
fn the_demo_of_seed_002_fills_indre_et_loire_once() {
    let hub = PntHub::new();
    let ctx = hub.ctx();
    let operator = Actor::operator(None);
    assert_eq!(pnt::demo::load_if_empty(&ctx, &operator).unwrap(), Some(21));
    assert_eq!(pnt::demo::load_if_empty(&ctx, &operator).unwrap(), None);
    let chinon = pnt::plan(&ctx, &PntTerritory::bassin("Chinon")).unwrap().unwrap();
    assert_eq!(chinon.enjeux.len(), 4);
    assert_eq!(chinon.objectives.len(), 4);
    assert!(chinon.provenance.unwrap().contains("seed 002"));
    let loches = ProjectFilter { territory: Some(PntTerritory::bassin("Loches")), ..ProjectFilter::default() };
    assert_eq!(pnt::public_projects(&ctx, &loches, None, 50).unwrap().total, 4);
    let vote = &hub.hub.store.votes(Some(&PntTerritory::bassin("Chinon"))).unwrap()[0];
    assert_eq!(vote.held_on.unwrap().to_string(), "2023-03-02");
}
