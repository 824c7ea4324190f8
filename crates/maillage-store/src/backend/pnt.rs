//! The territorial projects over any [`Backend`]: the statements they need ([`PntTables`]) and
//! [`PntStore`] written once over them (version arithmetic, a version row per project write,
//! the checks of a ballot under the vote's lock, the freezing of a closed vote), and the
//! conditions of a project query, written once for each backend's SQL dialect ([`SqlDialect`]).

use chrono::{DateTime, Utc};

use super::{Backend, OneRow, Refusal, Tables, WriteResult};
use crate::{
    bar_key, check_pnt, check_project, check_vote, closed_vote_error, decided_proposal_error, project_not_found,
    project_proposal_not_found, stale_pnt_error, stale_project_error, tally, vote_not_found, Pnt, PntStore,
    PntTerritory, Project, ProjectProposal, ProjectQuery, ProjectSnapshot, ProposalStatus, RoomTally, StoreError,
    StoreResult, Vote, VoteMode, Voter,
};

/// The statements of the territorial projects.
pub trait PntTables {
    fn insert_pnt(&mut self, pnt: &Pnt) -> WriteResult<()>;
    /// Rewrites a plan if its stored version is `expected`; how many rows (0 or 1).
    fn update_pnt(&mut self, pnt: &Pnt, expected: u32) -> WriteResult<u64>;
    fn pnt(&mut self, key: &str) -> StoreResult<Option<Pnt>>;
    /// Every plan, by key.
    fn pnts(&mut self) -> StoreResult<Vec<Pnt>>;

    /// A project's row (its current version).
    fn insert_project(&mut self, project: &Project) -> WriteResult<()>;
    /// Rewrites a project's row if its stored version is `expected`; how many (0 or 1).
    fn update_project(&mut self, project: &Project, expected: u32) -> WriteResult<u64>;
    /// A version row (the project as it was written at that version).
    fn insert_project_version(&mut self, project: &Project) -> WriteResult<()>;
    fn project(&mut self, id: &str) -> StoreResult<Option<Project>>;
    /// As [`PntTables::project`], keeping other writers off the row where the database needs it.
    /// By default the plain read, which is enough where write transactions already exclude
    /// each other; a database that lets writers run side by side overrides it.
    fn lock_project(&mut self, id: &str) -> StoreResult<Option<Project>> {
        self.project(id)
    }
    /// Projects matching the query, by sort key then id, after its cursor, at most its limit.
    fn projects(&mut self, query: &ProjectQuery) -> StoreResult<Vec<Project>>;
    fn count_projects(&mut self, query: &ProjectQuery) -> StoreResult<u64>;
    /// Every version row of a project, oldest first.
    fn project_versions(&mut self, id: &str) -> StoreResult<Vec<Project>>;
    /// Every project, by id.
    fn all_projects(&mut self) -> StoreResult<Vec<Project>>;

    fn insert_project_proposal(&mut self, proposal: &ProjectProposal) -> WriteResult<()>;
    /// Rewrites a proposal still pending with its decision; how many rows (0 or 1).
    fn decide_project_proposal(&mut self, proposal: &ProjectProposal) -> WriteResult<u64>;
    fn project_proposal(&mut self, id: &str) -> StoreResult<Option<ProjectProposal>>;
    /// The proposals of a project (or all), by creation then id; pending ones only if asked.
    fn project_proposals(&mut self, project_id: Option<&str>, pending_only: bool) -> StoreResult<Vec<ProjectProposal>>;

    fn insert_vote(&mut self, vote: &Vote) -> WriteResult<()>;
    /// Rewrites a vote's row if its stored version is `expected`; how many (0 or 1).
    fn update_vote(&mut self, vote: &Vote, expected: u32) -> WriteResult<u64>;
    fn vote(&mut self, id: &str) -> StoreResult<Option<Vote>>;
    /// As [`PntTables::vote`], keeping other writers off the row (ballots and closing
    /// serialise on it) where the database needs it.
    /// By default the plain read, which is enough where write transactions already exclude
    /// each other; a database that lets writers run side by side overrides it.
    fn lock_vote(&mut self, id: &str) -> StoreResult<Option<Vote>> {
        self.vote(id)
    }
    /// Votes of a territory key (or all), newest first.
    fn votes(&mut self, territory: Option<&str>) -> StoreResult<Vec<Vote>>;
    fn insert_voter(&mut self, voter: &Voter) -> WriteResult<()>;
    fn voters(&mut self, vote_id: &str) -> StoreResult<Vec<Voter>>;
    fn voter(&mut self, vote_id: &str, token_hash: &str) -> StoreResult<Option<Voter>>;
    /// Sets a voter's ballot; how many rows (0 or 1).
    fn set_ballot(&mut self, vote_id: &str, token_hash: &str, ballot: &[u32], at: DateTime<Utc>) -> StoreResult<u64>;
    /// Erases the e-mails of a vote's voters.
    fn forget_voter_emails(&mut self, vote_id: &str) -> StoreResult<u64>;
}

fn save_pnt<T: Tables + ?Sized>(tables: &mut T, pnt: &Pnt) -> StoreResult<()> {
    check_pnt(pnt)?;
    let key = pnt.territory.key();
    let stored = tables.pnt(&key)?;
    match (stored, pnt.version) {
        (None, 1) => tables.insert_pnt(pnt).refused_as(|| stale_pnt_error(&key)),
        (Some(stored), version) if stored.version + 1 == version => {
            let stale = || stale_pnt_error(&key);
            tables.update_pnt(pnt, stored.version).refused_as(stale).one_row(stale)
        }
        _ => Err(stale_pnt_error(&key)),
    }
}

pub(crate) fn insert_project_snapshot<T: Tables + ?Sized>(
    tables: &mut T,
    snapshot: &ProjectSnapshot,
) -> StoreResult<()> {
    let project = &snapshot.project;
    check_project(project)?;
    tables.insert_project(project).restoring()?;
    for version in snapshot.versions.iter().chain(std::iter::once(project)) {
        tables.insert_project_version(version).restoring()?;
    }
    for proposal in snapshot.proposals.iter().filter(|proposal| proposal.project_id == project.id) {
        tables.insert_project_proposal(proposal).restoring()?;
    }
    Ok(())
}

fn add_project_proposal<T: Tables + ?Sized>(tables: &mut T, proposal: &ProjectProposal) -> StoreResult<()> {
    if proposal.status != ProposalStatus::Pending || proposal.reviewed_at.is_some() {
        return Err(StoreError::Conflict(format!(
            "la proposition {} : une nouvelle proposition est en attente",
            proposal.id
        )));
    }
    tables.project(&proposal.project_id)?.ok_or_else(|| project_not_found(&proposal.project_id))?;
    let exists = || StoreError::Conflict(format!("la proposition {} existe déjà", proposal.id));
    if tables.project_proposal(&proposal.id)?.is_some() {
        return Err(exists());
    }
    tables.insert_project_proposal(proposal).refused_as(exists)
}

fn decide_project_proposal<T: Tables + ?Sized>(
    tables: &mut T,
    proposal: &ProjectProposal,
    project: Option<&Project>,
) -> StoreResult<()> {
    let stored = tables.project_proposal(&proposal.id)?.ok_or_else(|| project_proposal_not_found(&proposal.id))?;
    if stored.status != ProposalStatus::Pending || proposal.status == ProposalStatus::Pending {
        return Err(decided_proposal_error(&proposal.id));
    }
    if project.is_some_and(|project| project.id != stored.project_id) {
        return Err(StoreError::Conflict(format!("la proposition {} porte sur un autre projet", proposal.id)));
    }
    // What was proposed stays as proposed: only the decision is written.
    let decided = ProjectProposal {
        status: proposal.status,
        reviewer: proposal.reviewer.clone(),
        reviewed_at: proposal.reviewed_at,
        reason: proposal.reason.clone(),
        ..stored
    };
    let decided_already = || decided_proposal_error(&proposal.id);
    tables.decide_project_proposal(&decided).refused_as(decided_already).one_row(decided_already)?;
    match project {
        Some(project) => update_project(tables, project),
        None => Ok(()),
    }
}

fn add_project<T: Tables + ?Sized>(tables: &mut T, project: &Project) -> StoreResult<()> {
    check_project(project)?;
    if project.version != 1 {
        return Err(StoreError::Conflict(format!("le projet {} : un nouveau projet a la version 1", project.id)));
    }
    let exists = || StoreError::Conflict(format!("le projet {} existe déjà", project.id));
    if tables.project(&project.id)?.is_some() {
        return Err(exists());
    }
    tables.insert_project(project).refused_as(exists)?;
    tables.insert_project_version(project).refused_as(exists)
}

fn update_project<T: Tables + ?Sized>(tables: &mut T, project: &Project) -> StoreResult<()> {
    check_project(project)?;
    let stored = tables.lock_project(&project.id)?.ok_or_else(|| project_not_found(&project.id))?;
    if stored.version + 1 != project.version {
        return Err(stale_project_error(&project.id));
    }
    let new = Project { created_by: stored.created_by.clone(), created_at: stored.created_at, ..project.clone() };
    let stale = || stale_project_error(&new.id);
    tables.update_project(&new, stored.version).refused_as(stale).one_row(stale)?;
    tables.insert_project_version(&new).refused_as(stale)
}

pub(crate) fn insert_vote_snapshot<T: Tables + ?Sized>(
    tables: &mut T,
    vote: &Vote,
    voters: &[Voter],
) -> StoreResult<()> {
    check_vote(vote)?;
    tables.insert_vote(vote).restoring()?;
    for voter in voters {
        tables.insert_voter(voter).restoring()?;
    }
    Ok(())
}

fn check_voters(vote: &Vote, voters: &[Voter]) -> StoreResult<()> {
    if let Some(voter) = voters.iter().find(|voter| voter.vote_id != vote.id || voter.ballot.is_some()) {
        return Err(StoreError::Conflict(format!(
            "un participant invité au vote {} appartient à un autre vote ou a déjà voté ({})",
            vote.id, voter.vote_id
        )));
    }
    if !voters.is_empty() && vote.mode != VoteMode::EnLigne {
        return Err(StoreError::Conflict(format!("le vote {} se tient en salle : pas d'invités", vote.id)));
    }
    Ok(())
}

fn invite<T: Tables + ?Sized>(tables: &mut T, vote: &Vote, voters: &[Voter]) -> StoreResult<()> {
    check_voters(vote, voters)?;
    for voter in voters {
        tables
            .insert_voter(voter)
            .refused_as(|| StoreError::Conflict(format!("ce participant est déjà invité au vote {}", vote.id)))?;
    }
    Ok(())
}

fn add_vote<T: Tables + ?Sized>(tables: &mut T, vote: &Vote, voters: &[Voter]) -> StoreResult<()> {
    check_vote(vote)?;
    if vote.version != 1 || vote.closed_at.is_some() || vote.results.is_some() {
        return Err(StoreError::Conflict(format!(
            "le vote {} : un nouveau vote a la version 1 et est ouvert",
            vote.id
        )));
    }
    let exists = || StoreError::Conflict(format!("le vote {} existe déjà", vote.id));
    if tables.vote(&vote.id)?.is_some() {
        return Err(exists());
    }
    tables.insert_vote(vote).refused_as(exists)?;
    invite(tables, vote, voters)
}

/// The vote, locked, still open.
fn open_vote<T: Tables + ?Sized>(tables: &mut T, vote_id: &str) -> StoreResult<Vote> {
    let vote = tables.lock_vote(vote_id)?.ok_or_else(|| vote_not_found(vote_id))?;
    if vote.closed_at.is_some() {
        return Err(closed_vote_error(vote_id));
    }
    Ok(vote)
}

fn cast<T: Tables + ?Sized>(
    tables: &mut T,
    vote_id: &str,
    token_hash: &str,
    ballot: &[u32],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let vote = open_vote(tables, vote_id)?;
    if vote.mode != VoteMode::EnLigne {
        return Err(StoreError::Conflict(format!("le vote {vote_id} se tient en salle")));
    }
    if vote.opens_at.is_some_and(|opens| at < opens) {
        return Err(StoreError::Conflict(format!("le vote {vote_id} n'est pas encore ouvert")));
    }
    if vote.closes_at.is_some_and(|closes| at >= closes) {
        return Err(closed_vote_error(vote_id));
    }
    if ballot.len() != vote.items.len() {
        return Err(StoreError::Conflict(format!(
            "un bulletin du vote {vote_id} donne {} valeurs pour {} éléments",
            ballot.len(),
            vote.items.len()
        )));
    }
    let given: u64 = ballot.iter().map(|points| u64::from(*points)).sum();
    if given > u64::from(vote.points) {
        return Err(StoreError::Conflict(format!(
            "un bulletin du vote {vote_id} donne {given} points pour {} permis",
            vote.points
        )));
    }
    tables
        .set_ballot(vote_id, token_hash, ballot, at)
        .one_row(|| StoreError::NotFound(format!("participant invité au vote {vote_id}")))
}

fn close<T: Tables + ?Sized>(
    tables: &mut T,
    vote_id: &str,
    version: u32,
    room: Option<&RoomTally>,
    at: DateTime<Utc>,
) -> StoreResult<Vote> {
    let vote = open_vote(tables, vote_id)?;
    if vote.version != version {
        return Err(StoreError::Conflict(format!("le vote {vote_id} a été modifié entre-temps")));
    }
    let results = match (vote.mode, room) {
        (VoteMode::Salle, Some(room)) if room.points.len() == vote.items.len() => {
            crate::VoteResults { points: room.points.clone(), ballots: room.participants }
        }
        (VoteMode::EnLigne, None) => tally(vote.items.len(), &tables.voters(vote_id)?),
        _ => {
            return Err(StoreError::Conflict(format!(
                "le vote {vote_id} se clôt par le décompte de la salle (en salle) ou des bulletins (en ligne)"
            )))
        }
    };
    let closed = Vote { closed_at: Some(at), results: Some(results), version: vote.version + 1, ..vote };
    let closed_already = || closed_vote_error(vote_id);
    tables.update_vote(&closed, version).refused_as(closed_already).one_row(closed_already)?;
    tables.forget_voter_emails(vote_id)?;
    Ok(closed)
}

impl<B: Backend> PntStore for B {
    fn pnt(&self, territory: &PntTerritory) -> StoreResult<Option<Pnt>> {
        self.read(|tables| tables.pnt(&territory.key()))
    }

    fn pnts(&self) -> StoreResult<Vec<Pnt>> {
        self.read(|tables| tables.pnts())
    }

    fn save_pnt(&self, pnt: &Pnt) -> StoreResult<()> {
        self.write(|tables| save_pnt(tables, pnt))
    }

    fn project(&self, id: &str) -> StoreResult<Option<Project>> {
        self.read(|tables| tables.project(id))
    }

    fn projects(&self, query: &ProjectQuery) -> StoreResult<Vec<Project>> {
        self.read(|tables| tables.projects(query))
    }

    fn count_projects(&self, query: &ProjectQuery) -> StoreResult<u64> {
        self.read(|tables| tables.count_projects(query))
    }

    fn project_history(&self, id: &str) -> StoreResult<Vec<Project>> {
        self.read(|tables| tables.project_versions(id))
    }

    fn add_project(&self, project: &Project) -> StoreResult<()> {
        self.write(|tables| add_project(tables, project))
    }

    fn update_project(&self, project: &Project) -> StoreResult<()> {
        self.write(|tables| update_project(tables, project))
    }

    fn add_project_proposal(&self, proposal: &ProjectProposal) -> StoreResult<()> {
        self.write(|tables| add_project_proposal(tables, proposal))
    }

    fn project_proposal(&self, id: &str) -> StoreResult<Option<ProjectProposal>> {
        self.read(|tables| tables.project_proposal(id))
    }

    fn project_proposals(&self, project_id: Option<&str>, pending_only: bool) -> StoreResult<Vec<ProjectProposal>> {
        self.read(|tables| tables.project_proposals(project_id, pending_only))
    }

    fn decide_project_proposal(&self, proposal: &ProjectProposal, project: Option<&Project>) -> StoreResult<()> {
        self.write(|tables| decide_project_proposal(tables, proposal, project))
    }

    fn vote(&self, id: &str) -> StoreResult<Option<Vote>> {
        self.read(|tables| tables.vote(id))
    }

    fn votes(&self, territory: Option<&PntTerritory>) -> StoreResult<Vec<Vote>> {
        let key = territory.map(PntTerritory::key);
        self.read(|tables| tables.votes(key.as_deref()))
    }

    fn add_vote(&self, vote: &Vote, voters: &[Voter]) -> StoreResult<()> {
        self.write(|tables| add_vote(tables, vote, voters))
    }

    fn add_voters(&self, vote_id: &str, voters: &[Voter]) -> StoreResult<()> {
        self.write(|tables| {
            let vote = open_vote(tables, vote_id)?;
            invite(tables, &vote, voters)
        })
    }

    fn voters(&self, vote_id: &str) -> StoreResult<Vec<Voter>> {
        self.read(|tables| tables.voters(vote_id))
    }

    fn voter(&self, vote_id: &str, token_hash: &str) -> StoreResult<Option<Voter>> {
        self.read(|tables| tables.voter(vote_id, token_hash))
    }

    fn cast_ballot(&self, vote_id: &str, token_hash: &str, ballot: &[u32], at: DateTime<Utc>) -> StoreResult<()> {
        self.write(|tables| cast(tables, vote_id, token_hash, ballot, at))
    }

    fn close_vote(
        &self,
        vote_id: &str,
        version: u32,
        tally: Option<&RoomTally>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vote> {
        self.write(|tables| close(tables, vote_id, version, tally, at))
    }
}

/// How a backend's SQL writes what a project query's conditions need; the conditions
/// themselves are written once, in [`SqlDialect::project_filter`].
pub struct SqlDialect {
    /// What stands before a value's number in its placeholder: `'$'` (`$1`) or `'?'` (`?1`).
    pub placeholder: char,
    /// A condition always true (what the conditions start from) and one never true (an
    /// empty list of territories).
    pub always: &'static str,
    pub never: &'static str,
    /// The condition of a published project.
    pub published: &'static str,
    /// The function giving where a text stands in another, 0 if nowhere (`strpos`, `instr`).
    pub position: &'static str,
}

/// A project query as SQL over `pnt_projects`' columns.
pub struct ProjectFilter {
    /// The conditions, to follow `WHERE`.
    pub conditions: String,
    /// Their values, all text, in the order of their placeholders (numbered from 1).
    pub values: Vec<String>,
    /// The placeholder of the value after them: a page's limit.
    pub next: String,
    /// A page's number of rows.
    pub limit: i64,
}

impl SqlDialect {
    /// The conditions of `query` and their values; with `paged`, the conditions also start
    /// after the previous page's last project (the limit is [`ProjectFilter::limit`]).
    pub fn project_filter(&self, query: &ProjectQuery, paged: bool) -> ProjectFilter {
        let mut filter = ProjectFilter {
            conditions: self.always.to_owned(),
            values: Vec::new(),
            next: String::new(),
            limit: i64::try_from(query.limit).unwrap_or(i64::MAX),
        };
        if query.published_only {
            filter.conditions.push_str(&format!(" AND {}", self.published));
        }
        if let Some(territory) = &query.territory {
            let found = self.found(&mut filter, "territories", &territory.key());
            filter.conditions.push_str(&format!(" AND {found}"));
        }
        if let Some(stage) = query.stage {
            let stage = self.value(&mut filter, stage.as_str().to_owned());
            filter.conditions.push_str(&format!(" AND stage = {stage}"));
        }
        if let Some(axe) = &query.axe {
            let axe = self.value(&mut filter, axe.clone());
            filter.conditions.push_str(&format!(" AND axe = {axe}"));
        }
        if let Some(need) = query.need {
            let found = self.found(&mut filter, "needs", need.as_str());
            filter.conditions.push_str(&format!(" AND {found}"));
        }
        if let Some(within) = &query.within {
            let any: Vec<String> =
                within.iter().map(|territory| self.found(&mut filter, "territories", &territory.key())).collect();
            let any = if any.is_empty() { self.never.to_owned() } else { format!("({})", any.join(" OR ")) };
            filter.conditions.push_str(&format!(" AND {any}"));
        }
        if let (true, Some((key, id))) = (paged, &query.after) {
            let (key, id) = (self.value(&mut filter, key.clone()), self.value(&mut filter, id.clone()));
            filter.conditions.push_str(&format!(" AND (sort_key, id) > ({key}, {id})"));
        }
        filter.next = format!("{}{}", self.placeholder, filter.values.len() + 1);
        filter
    }

    /// Adds a value; its placeholder.
    fn value(&self, filter: &mut ProjectFilter, value: String) -> String {
        filter.values.push(value);
        format!("{}{}", self.placeholder, filter.values.len())
    }

    /// The condition of a bar-separated column holding `key`.
    fn found(&self, filter: &mut ProjectFilter, column: &str, key: &str) -> String {
        let value = self.value(filter, bar_key(key));
        format!("{}({column}, {value}) > 0", self.position)
    }
}
