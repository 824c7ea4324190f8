//! The territorial projects' half of the store contract: cases run by
//! [`store_contract_tests!`](crate::store_contract_tests) beside those of [`crate::contract`].

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};

use crate::contract::snapshot_items;
use crate::*;

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

/// The Chinon plan, version 1.
pub fn chinon_pnt() -> Pnt {
    Pnt {
        territory: PntTerritory::bassin("Chinon"),
        title: "Projet numérique de territoire du bassin de Chinon".to_owned(),
        summary: "Trois communautés de communes.".to_owned(),
        enjeux: vec![Enjeu {
            key: "animation".to_owned(),
            title: "Animation du réseau".to_owned(),
            description: String::new(),
        }],
        objectives: vec![Objective {
            title: "Animer le réseau".to_owned(),
            enjeu: Some("animation".to_owned()),
            ambition: "impulser, renforcer les réseaux de professionnels".to_owned(),
            actions: vec!["Veille".to_owned(), "Un évènement en local".to_owned()],
        }],
        actors: vec!["01acteur".to_owned()],
        provenance: None,
        updated_by: Some("u1".to_owned()),
        updated_at: at(0),
        version: 1,
    }
}

/// A new project (version 1) at the idea stage.
pub fn project(title: &str, territories: &[PntTerritory]) -> Project {
    Project {
        id: new_id(),
        title: title.to_owned(),
        description: "Collecte, réparation, vente.".to_owned(),
        territories: territories.to_vec(),
        axe: Some("emergence".to_owned()),
        stage: Stage::Idee,
        stages: vec![StageChange {
            stage: Stage::Idee,
            at: at(0),
            by: Some("u1".to_owned()),
            by_name: "Lydie".to_owned(),
            reason: None,
        }],
        carriers: vec![Party::Acteur("01acteur".to_owned()), Party::Nom("CC Chinon Vienne et Loire".to_owned())],
        partners: vec![],
        needs: vec![Need {
            kind: NeedKind::Etp,
            amount: Some(30_000),
            etp: Some(1.0),
            description: "1 ETP".to_owned(),
        }],
        funding: vec![Funding {
            funder: Party::Nom("CAF 37".to_owned()),
            amount: 10_000,
            status: FundingStatus::Demandee,
        }],
        communes: vec!["37072".to_owned()],
        events: vec![],
        incubator: vec![IncubatorStep {
            stage: IncubatorStage::Coaching,
            date: NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(),
            participants: vec![Party::Nom("FICOSIL".to_owned())],
            notes: "Pitch".to_owned(),
            outputs: "Deux partenaires".to_owned(),
            seed_budget: Some(2_000),
        }],
        progress: "Étude de faisabilité en cours.".to_owned(),
        carrier_accounts: vec!["u9".to_owned()],
        published: false,
        created_by: Some("u1".to_owned()),
        created_at: at(0),
        updated_by: Some("u1".to_owned()),
        updated_by_name: "Lydie".to_owned(),
        updated_at: at(0),
        version: 1,
    }
}

fn next(previous: &Project, seconds: i64) -> Project {
    Project { version: previous.version + 1, updated_at: at(seconds), ..previous.clone() }
}

/// An online vote on three items, 5 points each, open from `at(0)` to `at(3600)`.
pub fn online_vote() -> Vote {
    Vote {
        id: new_id(),
        territory: PntTerritory::bassin("Chinon"),
        title: "Priorités 2026".to_owned(),
        mode: VoteMode::EnLigne,
        items: ["Animation", "Émergence", "Compétences"]
            .iter()
            .map(|label| VoteItem { label: (*label).to_owned(), project: None })
            .collect(),
        meeting: None,
        held_on: None,
        points: 5,
        opens_at: Some(at(0)),
        closes_at: Some(at(3600)),
        hide_results: true,
        closed_at: None,
        results: None,
        provenance: None,
        created_by: Some("u1".to_owned()),
        created_at: at(0),
        version: 1,
    }
}

pub fn voter(vote: &Vote, n: usize) -> Voter {
    Voter {
        vote_id: vote.id.clone(),
        token_hash: format!("{n:064x}"),
        stakeholder: None,
        email: Some(format!("participant{n}@example.org")),
        ballot: None,
        cast_at: None,
    }
}

fn titles(projects: &[Project]) -> Vec<&str> {
    projects.iter().map(|project| project.title.as_str()).collect()
}

pub fn pnt_plans_are_replaced_by_version(store: &dyn Store) {
    let first = chinon_pnt();
    assert_eq!(store.pnt(&first.territory).unwrap(), None);
    store.save_pnt(&first).unwrap();
    assert_eq!(store.pnt(&first.territory).unwrap().as_ref(), Some(&first));
    // Version 1 again is not a creation.
    assert!(matches!(store.save_pnt(&first), Err(StoreError::Conflict(_))));
    let mut second = Pnt { version: 2, ..first.clone() };
    second.enjeux.push(Enjeu {
        key: "emergence".to_owned(),
        title: "Émergence de projets".to_owned(),
        description: String::new(),
    });
    store.save_pnt(&second).unwrap();
    // A writer who read version 1 is late.
    let late = Pnt { version: 2, title: "En retard".to_owned(), ..first.clone() };
    assert!(matches!(store.save_pnt(&late), Err(StoreError::Conflict(_))));
    assert_eq!(store.pnts().unwrap(), vec![second]);
}

pub fn projects_keep_every_version(store: &dyn Store) {
    let chinon = PntTerritory::bassin("Chinon");
    let first = project("Filière de reconditionnement", std::slice::from_ref(&chinon));
    store.add_project(&first).unwrap();
    assert_eq!(store.project(&first.id).unwrap().as_ref(), Some(&first));
    assert!(matches!(store.add_project(&first), Err(StoreError::Conflict(_))));
    let mut second = next(&first, 10);
    second.stage = Stage::Proposition;
    second.stages.push(StageChange {
        stage: Stage::Proposition,
        at: at(10),
        by: Some("u2".to_owned()),
        by_name: "Coordinatrice".to_owned(),
        reason: None,
    });
    // The creation is kept as stored whatever the writer says.
    second.created_by = Some("quelqu'un".to_owned());
    store.update_project(&second).unwrap();
    let stored = store.project(&first.id).unwrap().unwrap();
    assert_eq!(stored.created_by, first.created_by);
    assert_eq!(stored.stage, Stage::Proposition);
    // A late writer changes nothing.
    let mut late = next(&first, 11);
    late.title = "En retard".to_owned();
    assert!(matches!(store.update_project(&late), Err(StoreError::Conflict(_))));
    assert_eq!(store.project(&first.id).unwrap(), Some(stored.clone()));
    let history = store.project_history(&first.id).unwrap();
    assert_eq!(history.iter().map(|p| p.version).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(history[0], first);
    assert_eq!(history[1], stored);
    // A stage that is not the last of the timeline is refused.
    let mut wrong = next(&stored, 12);
    wrong.stage = Stage::Vote;
    assert!(matches!(store.update_project(&wrong), Err(StoreError::Conflict(_))));
    let unknown = Project { id: new_id(), version: 2, ..first.clone() };
    assert!(matches!(store.update_project(&unknown), Err(StoreError::NotFound(_))));
}

/// A carrier's pending proposal on `project`, written at `seconds`.
pub fn proposal(project: &Project, seconds: i64) -> ProjectProposal {
    ProjectProposal {
        id: new_id(),
        project_id: project.id.clone(),
        base_version: project.version,
        author: "u9".to_owned(),
        author_name: "Porteuse".to_owned(),
        created_at: at(seconds),
        description: "Collecte, réparation, vente et prêt.".to_owned(),
        needs: vec![Need {
            kind: NeedKind::Equipement,
            amount: Some(4_000),
            etp: None,
            description: "Un camion".to_owned(),
        }],
        progress: "Local trouvé.".to_owned(),
        note: "Le local est signé.".to_owned(),
        status: ProposalStatus::Pending,
        reviewer: None,
        reviewed_at: None,
        reason: None,
    }
}

pub fn a_carriers_proposal_is_decided_once_with_its_version(store: &dyn Store) {
    let first = project("Atelier mobile", &[PntTerritory::bassin("Chinon")]);
    store.add_project(&first).unwrap();
    let orphan = ProjectProposal { project_id: new_id(), ..proposal(&first, 1) };
    assert!(matches!(store.add_project_proposal(&orphan), Err(StoreError::NotFound(_))));
    let accepted = proposal(&first, 2);
    let refused = proposal(&first, 3);
    store.add_project_proposal(&accepted).unwrap();
    store.add_project_proposal(&refused).unwrap();
    assert!(matches!(store.add_project_proposal(&accepted), Err(StoreError::Conflict(_))));
    let pending = store.project_proposals(Some(&first.id), true).unwrap();
    assert_eq!(pending, [accepted.clone(), refused.clone()]);
    assert_eq!(store.project_proposal(&accepted.id).unwrap(), Some(accepted.clone()));

    // Approved: the decision and the project's next version are written together.
    let decision = ProjectProposal {
        status: ProposalStatus::Approved,
        reviewer: Some("u1".to_owned()),
        reviewed_at: Some(at(10)),
        // What was proposed cannot be changed by the decision.
        description: "autre chose".to_owned(),
        ..accepted.clone()
    };
    let approved = Project {
        description: accepted.description.clone(),
        needs: accepted.needs.clone(),
        progress: accepted.progress.clone(),
        ..next(&first, 10)
    };
    // A stale project refuses the whole decision.
    let stale = Project { version: 5, ..approved.clone() };
    assert!(matches!(store.decide_project_proposal(&decision, Some(&stale)), Err(StoreError::Conflict(_))));
    assert_eq!(store.project_proposal(&accepted.id).unwrap().unwrap().status, ProposalStatus::Pending);
    store.decide_project_proposal(&decision, Some(&approved)).unwrap();
    let stored = store.project_proposal(&accepted.id).unwrap().unwrap();
    assert_eq!(stored.status, ProposalStatus::Approved);
    assert_eq!(stored.description, accepted.description);
    assert_eq!(store.project(&first.id).unwrap().unwrap().progress, "Local trouvé.");
    // Decided once: a second decision changes nothing.
    let again = ProjectProposal { status: ProposalStatus::Rejected, ..decision.clone() };
    let err = store.decide_project_proposal(&again, None).unwrap_err();
    assert_eq!(err.to_string(), decided_proposal_error(&accepted.id).to_string());

    let rejection = ProjectProposal {
        status: ProposalStatus::Rejected,
        reviewer: Some("u1".to_owned()),
        reviewed_at: Some(at(11)),
        reason: Some("Le camion est déjà financé.".to_owned()),
        ..refused.clone()
    };
    store.decide_project_proposal(&rejection, None).unwrap();
    assert!(store.project_proposals(Some(&first.id), true).unwrap().is_empty());
    assert_eq!(store.project_proposals(None, false).unwrap().len(), 2);
    assert_eq!(store.project_history(&first.id).unwrap().len(), 2);
}

pub fn projects_are_filtered_and_paged(store: &dyn Store) {
    let chinon = PntTerritory::bassin("Chinon");
    let loches = PntTerritory::bassin("Loches");
    let dep = PntTerritory::departement("37");
    let mut all = Vec::new();
    for (n, title) in
        ["Bus numérique", "Évènement sensibilisation", "Fablab itinérant", "Atelier parentalité"].iter().enumerate()
    {
        let territories = if n % 2 == 0 { vec![chinon.clone()] } else { vec![loches.clone(), dep.clone()] };
        let mut project = project(title, &territories);
        project.published = n != 3;
        if n == 2 {
            project.needs =
                vec![Need { kind: NeedKind::Equipement, amount: None, etp: None, description: "Van".to_owned() }];
            project.axe = Some("animation".to_owned());
        }
        store.add_project(&project).unwrap();
        all.push(project);
    }
    let query = |f: &dyn Fn(&mut ProjectQuery)| {
        let mut query = ProjectQuery { limit: 10, ..ProjectQuery::default() };
        f(&mut query);
        (store.projects(&query).unwrap(), store.count_projects(&query).unwrap())
    };
    // Folded titles: "Évènement" sorts as "evenement".
    let (every, count) = query(&|_| {});
    assert_eq!(
        titles(&every),
        ["Atelier parentalité", "Bus numérique", "Évènement sensibilisation", "Fablab itinérant"]
    );
    assert_eq!(count, 4);
    let (public, count) = query(&|q| q.published_only = true);
    assert_eq!(titles(&public), ["Bus numérique", "Évènement sensibilisation", "Fablab itinérant"]);
    assert_eq!(count, 3);
    let (in_loches, _) = query(&|q| q.territory = Some(loches.clone()));
    assert_eq!(titles(&in_loches), ["Atelier parentalité", "Évènement sensibilisation"]);
    let (in_dep, _) = query(&|q| q.territory = Some(dep.clone()));
    assert_eq!(in_dep.len(), 2);
    // "bassin:Chin" is not "bassin:Chinon".
    let (prefix, count) = query(&|q| q.territory = Some(PntTerritory::bassin("Chin")));
    assert!(prefix.is_empty());
    assert_eq!(count, 0);
    let (equipment, _) = query(&|q| q.need = Some(NeedKind::Equipement));
    assert_eq!(titles(&equipment), ["Fablab itinérant"]);
    let (axe, _) = query(&|q| q.axe = Some("animation".to_owned()));
    assert_eq!(titles(&axe), ["Fablab itinérant"]);
    let (ideas, _) = query(&|q| q.stage = Some(Stage::Idee));
    assert_eq!(ideas.len(), 4);
    let (none, _) = query(&|q| q.stage = Some(Stage::Vote));
    assert!(none.is_empty());
    let (within, _) = query(&|q| q.within = Some(vec![chinon.clone()]));
    assert_eq!(titles(&within), ["Bus numérique", "Fablab itinérant"]);
    let (nowhere, count) = query(&|q| q.within = Some(vec![]));
    assert!(nowhere.is_empty());
    assert_eq!(count, 0);
    // Keyset pages: never a repeat nor a gap.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.projects(&ProjectQuery { limit: 3, after: after.clone(), ..ProjectQuery::default() }).unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some((last.sort_key(), last.id.clone()));
        seen.extend(page.into_iter().map(|p| p.title));
    }
    assert_eq!(seen, titles(&every));
}

pub fn an_online_vote_counts_changeable_ballots_and_closes_for_good(store: &dyn Store) {
    let vote = online_vote();
    let voters: Vec<Voter> = (0..3).map(|n| voter(&vote, n)).collect();
    store.add_vote(&vote, &voters).unwrap();
    assert_eq!(store.vote(&vote.id).unwrap().as_ref(), Some(&vote));
    assert_eq!(store.votes(Some(&vote.territory)).unwrap(), vec![vote.clone()]);
    assert!(store.votes(Some(&PntTerritory::bassin("Tours"))).unwrap().is_empty());
    let (a, b) = (&voters[0].token_hash, &voters[1].token_hash);
    store.cast_ballot(&vote.id, a, &[5, 0, 0], at(10)).unwrap();
    store.cast_ballot(&vote.id, b, &[1, 1, 1], at(11)).unwrap();
    // Changed: the second ballot replaces the first.
    store.cast_ballot(&vote.id, a, &[0, 2, 3], at(12)).unwrap();
    assert_eq!(store.voter(&vote.id, a).unwrap().unwrap().ballot, Some(vec![0, 2, 3]));
    // Refused, nothing written: too many points, wrong length, unknown token, not yet open, past closing.
    assert!(matches!(store.cast_ballot(&vote.id, a, &[3, 3, 0], at(13)), Err(StoreError::Conflict(_))));
    assert!(matches!(store.cast_ballot(&vote.id, a, &[1, 1], at(13)), Err(StoreError::Conflict(_))));
    assert!(matches!(store.cast_ballot(&vote.id, &"f".repeat(64), &[1, 1, 1], at(13)), Err(StoreError::NotFound(_))));
    assert!(matches!(store.cast_ballot(&vote.id, a, &[1, 1, 1], at(-1)), Err(StoreError::Conflict(_))));
    assert!(matches!(store.cast_ballot(&vote.id, a, &[1, 1, 1], at(3600)), Err(StoreError::Conflict(_))));
    assert_eq!(store.voter(&vote.id, a).unwrap().unwrap().ballot, Some(vec![0, 2, 3]));
    // Closing at a stale version is refused.
    assert!(matches!(store.close_vote(&vote.id, 2, None, at(20)), Err(StoreError::Conflict(_))));
    // A room's tally does not close an online vote.
    let tally = RoomTally { points: vec![1, 1, 1], participants: 1 };
    assert!(matches!(store.close_vote(&vote.id, 1, Some(&tally), at(20)), Err(StoreError::Conflict(_))));
    let closed = store.close_vote(&vote.id, 1, None, at(20)).unwrap();
    assert_eq!(closed.results, Some(VoteResults { points: vec![1, 3, 4], ballots: 2 }));
    assert_eq!(closed.closed_at, Some(at(20)));
    assert_eq!(store.vote(&vote.id).unwrap(), Some(closed.clone()));
    // E-mails are erased at closing; ballots stay.
    let after = store.voters(&vote.id).unwrap();
    assert!(after.iter().all(|voter| voter.email.is_none()));
    assert_eq!(after.iter().filter(|voter| voter.ballot.is_some()).count(), 2);
    // Closed means immutable: a ballot, a second closing, an invitation change nothing.
    assert!(matches!(
        store.cast_ballot(&vote.id, &voters[2].token_hash, &[1, 1, 1], at(21)),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(store.close_vote(&vote.id, 2, None, at(22)), Err(StoreError::Conflict(_))));
    assert!(matches!(store.add_voters(&vote.id, &[voter(&vote, 9)]), Err(StoreError::Conflict(_))));
    assert_eq!(store.voters(&vote.id).unwrap(), after);
    assert_eq!(store.vote(&vote.id).unwrap(), Some(closed));
}

pub fn a_room_vote_is_closed_by_its_tally(store: &dyn Store) {
    let vote = Vote {
        mode: VoteMode::Salle,
        meeting: Some("Restitution du PNT".to_owned()),
        held_on: NaiveDate::from_ymd_opt(2023, 3, 2),
        opens_at: None,
        closes_at: None,
        hide_results: false,
        ..online_vote()
    };
    // A room vote has no invited voters.
    assert!(matches!(store.add_vote(&vote, &[voter(&vote, 1)]), Err(StoreError::Conflict(_))));
    assert_eq!(store.vote(&vote.id).unwrap(), None);
    store.add_vote(&vote, &[]).unwrap();
    assert!(matches!(store.cast_ballot(&vote.id, &"0".repeat(64), &[1, 1, 1], at(1)), Err(StoreError::Conflict(_))));
    let short = RoomTally { points: vec![3, 4], participants: 12 };
    assert!(matches!(store.close_vote(&vote.id, 1, Some(&short), at(2)), Err(StoreError::Conflict(_))));
    let tally = RoomTally { points: vec![9, 14, 6], participants: 12 };
    let closed = store.close_vote(&vote.id, 1, Some(&tally), at(2)).unwrap();
    assert_eq!(closed.results, Some(VoteResults { points: vec![9, 14, 6], ballots: 12 }));
    assert!(matches!(store.close_vote(&vote.id, 2, Some(&tally), at(3)), Err(StoreError::Conflict(_))));
}

/// 200 ballots cast at once on one vote are all counted exactly once; one cast after the
/// closing is refused and changes nothing.
pub fn two_hundred_ballots_at_once_are_counted_once(store: &dyn Store) {
    let vote = Vote { closes_at: None, ..online_vote() };
    let voters: Vec<Voter> = (0..200).map(|n| voter(&vote, n)).collect();
    store.add_vote(&vote, &voters).unwrap();
    let vote_id = vote.id.as_str();
    std::thread::scope(|scope| {
        let handles: Vec<_> = voters
            .iter()
            .enumerate()
            .map(|(n, voter)| {
                let ballot = [1 + (n % 2) as u32, 1, 2];
                scope.spawn(move || store.cast_ballot(vote_id, &voter.token_hash, &ballot, at(10)))
            })
            .collect();
        for handle in handles {
            handle.join().expect("a ballot's thread").expect("a ballot");
        }
    });
    let closed = store.close_vote(&vote.id, 1, None, at(100)).unwrap();
    assert_eq!(closed.results, Some(VoteResults { points: vec![300, 200, 400], ballots: 200 }));
    let late = store.cast_ballot(&vote.id, &voters[0].token_hash, &[0, 0, 5], at(101));
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
    assert_eq!(store.voter(&vote.id, &voters[0].token_hash).unwrap().unwrap().ballot, Some(vec![1, 1, 2]));
    assert_eq!(tally(3, &store.voters(&vote.id).unwrap()), closed.results.unwrap());
}

pub fn pnt_snapshot_restores_identically(source: &dyn Store, target: &dyn Store) {
    source.save_pnt(&chinon_pnt()).unwrap();
    let first = project("Bus numérique", &[PntTerritory::bassin("Chinon")]);
    source.add_project(&first).unwrap();
    let mut second = next(&first, 5);
    second.published = true;
    source.update_project(&second).unwrap();
    source.add_project_proposal(&proposal(&second, 6)).unwrap();
    let vote = online_vote();
    source.add_vote(&vote, &[voter(&vote, 1), voter(&vote, 2)]).unwrap();
    source.cast_ballot(&vote.id, &voter(&vote, 1).token_hash, &[1, 2, 2], at(5)).unwrap();
    let items = snapshot_items(source);
    assert_eq!(items.iter().filter(|item| matches!(item.kind(), "pnt" | "project" | "vote")).count(), 3);
    target.restore(&mut items.clone().into_iter().map(Ok)).unwrap();
    assert_eq!(snapshot_items(target), items);
    assert_eq!(target.project_history(&first.id).unwrap().len(), 2);
    assert_eq!(target.project_proposals(Some(&first.id), true).unwrap().len(), 1);
}
