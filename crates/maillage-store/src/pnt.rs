//! The territorial digital projects' half of the store contract ("projets numériques de
//! territoire", PNT): each territory's plan (enjeux, objectives, actors), its projects with
//! their stages, needs, funding and incubator steps, and the prioritisation votes.
//!
//! Plans, projects and votes are stored as documents with the columns the queries filter on
//! beside them (a project's stage, axe, territories, kinds of needs, publication), so a new
//! field of a project costs no migration. Every write of a project keeps a version with who
//! and when; a closed vote never changes again; a voter is known by the hash of the token
//! their mail carried, and their e-mail is erased when the vote closes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult};

/// The level of the territory a plan, a project or a vote belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PntLevel {
    Bassin,
    Departement,
    Region,
}

impl PntLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            PntLevel::Bassin => "bassin",
            PntLevel::Departement => "departement",
            PntLevel::Region => "region",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [PntLevel::Bassin, PntLevel::Departement, PntLevel::Region].into_iter().find(|level| level.as_str() == text)
    }
}

/// A bassin de vie (by its name in the hub), a département or a région (by code).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PntTerritory {
    pub level: PntLevel,
    pub code: String,
}

impl PntTerritory {
    pub fn bassin(name: &str) -> Self {
        PntTerritory { level: PntLevel::Bassin, code: name.to_owned() }
    }

    pub fn departement(code: &str) -> Self {
        PntTerritory { level: PntLevel::Departement, code: code.to_owned() }
    }

    /// `bassin:Chinon`, `departement:37`: the stored key.
    pub fn key(&self) -> String {
        format!("{}:{}", self.level.as_str(), self.code)
    }

    pub fn parse_key(key: &str) -> Option<Self> {
        let (level, code) = key.split_once(':')?;
        Some(PntTerritory { level: PntLevel::parse(level)?, code: code.to_owned() }).filter(|t| !t.code.is_empty())
    }
}

/// A theme the territory's actors work on ("Animation du réseau").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enjeu {
    /// A short key projects and objectives name it by ("animation").
    pub key: String,
    pub title: String,
    pub description: String,
}

/// An objective of the plan: its ambition and the actions it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    pub title: String,
    /// The [`Enjeu::key`] it serves, if any.
    pub enjeu: Option<String>,
    pub ambition: String,
    pub actions: Vec<String>,
}

/// The plan of one territory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pnt {
    pub territory: PntTerritory,
    pub title: String,
    /// The situation and the method, as the team writes it.
    pub summary: String,
    pub enjeux: Vec<Enjeu>,
    pub objectives: Vec<Objective>,
    /// Actors involved, by id in the actors directory.
    pub actors: Vec<String>,
    /// Where the content comes from, when it is not the team's own writing (demo data).
    pub provenance: Option<String>,
    pub updated_by: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// 1 when created, one more at each replacement.
    pub version: u32,
}

/// A project's stage, from an idea to a voted project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Idee,
    Proposition,
    EnCours,
    Vote,
    Abandonne,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::Idee, Stage::Proposition, Stage::EnCours, Stage::Vote, Stage::Abandonne];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Idee => "idee",
            Stage::Proposition => "proposition",
            Stage::EnCours => "en_cours",
            Stage::Vote => "vote",
            Stage::Abandonne => "abandonne",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Stage::ALL.into_iter().find(|stage| stage.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Idee => "Envie / idée",
            Stage::Proposition => "Proposition",
            Stage::EnCours => "Projet en cours",
            Stage::Vote => "Projet voté",
            Stage::Abandonne => "Abandonné",
        }
    }

    /// Its rank on the path idea → voted (abandoned is off the path).
    pub fn rank(self) -> Option<u8> {
        match self {
            Stage::Idee => Some(0),
            Stage::Proposition => Some(1),
            Stage::EnCours => Some(2),
            Stage::Vote => Some(3),
            Stage::Abandonne => None,
        }
    }
}

/// One change of stage: when, who, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageChange {
    pub stage: Stage,
    pub at: DateTime<Utc>,
    /// The account that made it; `None` for the hub itself.
    pub by: Option<String>,
    /// The name shown in the timeline (the account's name, or the hub's).
    pub by_name: String,
    pub reason: Option<String>,
}

/// An organisation taking part in a project: an entry of the actors directory, or a name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Party {
    Acteur(String),
    Nom(String),
}

/// What a need is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedKind {
    Argent,
    Etp,
    Equipement,
    Expertise,
    Autre,
}

impl NeedKind {
    pub const ALL: [NeedKind; 5] =
        [NeedKind::Argent, NeedKind::Etp, NeedKind::Equipement, NeedKind::Expertise, NeedKind::Autre];

    pub fn as_str(self) -> &'static str {
        match self {
            NeedKind::Argent => "argent",
            NeedKind::Etp => "etp",
            NeedKind::Equipement => "equipement",
            NeedKind::Expertise => "expertise",
            NeedKind::Autre => "autre",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        NeedKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            NeedKind::Argent => "Financement",
            NeedKind::Etp => "Personnel (ETP)",
            NeedKind::Equipement => "Équipement",
            NeedKind::Expertise => "Expertise",
            NeedKind::Autre => "Autre",
        }
    }
}

/// A need of a project ("1 ETP à 30 k€": staff, 1 ETP, 30 000 €).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Need {
    pub kind: NeedKind,
    /// In whole euros.
    pub amount: Option<u64>,
    /// Full-time equivalents, for staff.
    pub etp: Option<f64>,
    pub description: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundingStatus {
    Demandee,
    Accordee,
    Refusee,
}

impl FundingStatus {
    pub const ALL: [FundingStatus; 3] = [FundingStatus::Demandee, FundingStatus::Accordee, FundingStatus::Refusee];

    pub fn as_str(self) -> &'static str {
        match self {
            FundingStatus::Demandee => "demandee",
            FundingStatus::Accordee => "accordee",
            FundingStatus::Refusee => "refusee",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        FundingStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            FundingStatus::Demandee => "demandée",
            FundingStatus::Accordee => "accordée",
            FundingStatus::Refusee => "refusée",
        }
    }
}

/// Money asked for or obtained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funding {
    pub funder: Party,
    /// In whole euros.
    pub amount: u64,
    pub status: FundingStatus,
}

/// The incubator's three steps, as the hub designed them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncubatorStage {
    Coaching,
    Prototypage,
    Accelerateur,
}

impl IncubatorStage {
    pub const ALL: [IncubatorStage; 3] =
        [IncubatorStage::Coaching, IncubatorStage::Prototypage, IncubatorStage::Accelerateur];

    pub fn as_str(self) -> &'static str {
        match self {
            IncubatorStage::Coaching => "coaching",
            IncubatorStage::Prototypage => "prototypage",
            IncubatorStage::Accelerateur => "accelerateur",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        IncubatorStage::ALL.into_iter().find(|stage| stage.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            IncubatorStage::Coaching => "Atelier de coaching",
            IncubatorStage::Prototypage => "Atelier de prototypage",
            IncubatorStage::Accelerateur => "Accélérateur",
        }
    }

    /// What the step is for, in the hub's words.
    pub fn purpose(self) -> &'static str {
        match self {
            IncubatorStage::Coaching => "pitch, retours, mises en relation",
            IncubatorStage::Prototypage => "scénario d'usage, écosystème du projet validé",
            IncubatorStage::Accelerateur => "verrous, pistes de solution, calendrier des chantiers",
        }
    }
}

/// One incubator step a project went through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncubatorStep {
    pub stage: IncubatorStage,
    pub date: NaiveDate,
    /// Organisations present (people are not named here).
    pub participants: Vec<Party>,
    pub notes: String,
    pub outputs: String,
    /// Seed budget granted, in whole euros.
    pub seed_budget: Option<u64>,
}

/// A project of a territory's plan, from an idea to a voted project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// A lower-case ULID.
    pub id: String,
    pub title: String,
    pub description: String,
    /// Bassins (and/or a département, a région) it belongs to; at least one.
    pub territories: Vec<PntTerritory>,
    /// The axe or enjeu it serves (an [`Enjeu::key`] of its plan, or free text).
    pub axe: Option<String>,
    pub stage: Stage,
    /// Every change of stage, oldest first; the first is the creation.
    pub stages: Vec<StageChange>,
    pub carriers: Vec<Party>,
    pub partners: Vec<Party>,
    pub needs: Vec<Need>,
    pub funding: Vec<Funding>,
    /// INSEE codes of the communes it serves.
    pub communes: Vec<String>,
    /// Events where it was pitched (their names or ids).
    pub events: Vec<String>,
    pub incubator: Vec<IncubatorStep>,
    /// Where the project stands, in the carriers' words (what is done, what comes next).
    #[serde(default)]
    pub progress: String,
    /// Accounts the hub invited to carry this project: they propose changes as the
    /// gestionnaires of its carrying places do.
    #[serde(default)]
    pub carrier_accounts: Vec<String>,
    pub published: bool,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_by: Option<String>,
    /// The name the history shows for the last writer.
    pub updated_by_name: String,
    pub updated_at: DateTime<Utc>,
    pub version: u32,
}

impl Project {
    /// The folded title the projethèque sorts and pages by.
    pub fn sort_key(&self) -> String {
        maillage_domain::text::fold(&self.title)
    }
}

/// A filter of projects, and a page of them by (sort key, id) after a cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectQuery {
    pub published_only: bool,
    /// Holding this territory.
    pub territory: Option<PntTerritory>,
    /// Holding one of these territories (a coordinator's); `None` for no restriction.
    pub within: Option<Vec<PntTerritory>>,
    pub stage: Option<Stage>,
    pub axe: Option<String>,
    pub need: Option<NeedKind>,
    /// The (sort key, id) of the last project of the previous page.
    pub after: Option<(String, String)>,
    pub limit: usize,
}

/// How the room or the participants voted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteMode {
    /// Dot votes counted on the wall of a meeting room, typed in by the facilitator.
    Salle,
    /// Invited participants vote by the link of their mail.
    EnLigne,
}

/// A theme or action put to the vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteItem {
    pub label: String,
    /// The project it is, if any.
    pub project: Option<String>,
}

/// A vote's result: points per item (in the items' order) and how many ballots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteResults {
    pub points: Vec<u64>,
    pub ballots: u32,
}

/// A prioritisation vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub id: String,
    pub territory: PntTerritory,
    pub title: String,
    pub mode: VoteMode,
    pub items: Vec<VoteItem>,
    /// The meeting it was held at (room votes).
    pub meeting: Option<String>,
    pub held_on: Option<NaiveDate>,
    /// Points each participant may spread over the items (online votes).
    pub points: u32,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    /// Results shown only once closed.
    pub hide_results: bool,
    pub closed_at: Option<DateTime<Utc>>,
    /// Frozen at closing: a room's counts, or the ballots' sums.
    pub results: Option<VoteResults>,
    pub provenance: Option<String>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: u32,
}

/// An invited participant of an online vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voter {
    pub vote_id: String,
    /// SHA-256 of the token of their link, hex: the token itself is never stored.
    pub token_hash: String,
    /// The actors directory's entry they vote for, if any.
    pub stakeholder: Option<String>,
    /// Personal data, erased when the vote closes.
    pub email: Option<String>,
    /// Points per item, in the items' order; `None` before voting.
    pub ballot: Option<Vec<u32>>,
    pub cast_at: Option<DateTime<Utc>>,
}

/// A room's count, typed when it closes its vote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomTally {
    pub points: Vec<u64>,
    pub participants: u32,
}

/// A project with its versions, in backups.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectSnapshot {
    pub project: Project,
    /// Every version before the current one, oldest first.
    pub versions: Vec<Project>,
    /// The changes its carriers proposed, oldest first.
    #[serde(default)]
    pub proposals: Vec<ProjectProposal>,
}

/// A change of a project's description, needs and progress proposed by one of its carriers,
/// waiting for (or given) the decision of a coordinator of its territory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectProposal {
    /// A lower-case ULID.
    pub id: String,
    pub project_id: String,
    /// The project's version the proposal was written on.
    pub base_version: u32,
    /// The carrier's account.
    pub author: String,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
    pub description: String,
    pub needs: Vec<Need>,
    pub progress: String,
    /// What the carrier says about the change.
    pub note: String,
    pub status: crate::ProposalStatus,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Why it was refused.
    pub reason: Option<String>,
}

/// A vote with its voters, in backups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteSnapshot {
    pub vote: Vote,
    pub voters: Vec<Voter>,
}

/// The territorial projects in the store.
pub trait PntStore {
    fn pnt(&self, territory: &PntTerritory) -> StoreResult<Option<Pnt>>;
    /// Every plan, by territory key.
    fn pnts(&self) -> StoreResult<Vec<Pnt>>;
    /// Writes a plan: version 1 creates it (a conflict if it exists), a later version
    /// replaces the one before it (else a conflict).
    fn save_pnt(&self, pnt: &Pnt) -> StoreResult<()>;

    fn project(&self, id: &str) -> StoreResult<Option<Project>>;
    /// Projects matching the query, by folded title then id, at most `query.limit`.
    fn projects(&self, query: &ProjectQuery) -> StoreResult<Vec<Project>>;
    /// How many projects match the query (its cursor and limit ignored).
    fn count_projects(&self, query: &ProjectQuery) -> StoreResult<u64>;
    /// Every version of a project, oldest first, the current one last.
    fn project_history(&self, id: &str) -> StoreResult<Vec<Project>>;
    /// A new project (version 1), with its first version.
    fn add_project(&self, project: &Project) -> StoreResult<()>;
    /// Replaces a project: `project.version` must be one more than the stored one, else a
    /// conflict and nothing is written; its creation is kept as stored; a version is kept.
    fn update_project(&self, project: &Project) -> StoreResult<()>;

    fn vote(&self, id: &str) -> StoreResult<Option<Vote>>;
    /// Every vote of a territory (or every vote), newest first.
    fn votes(&self, territory: Option<&PntTerritory>) -> StoreResult<Vec<Vote>>;
    /// A new vote (version 1, open) with its invited voters.
    fn add_vote(&self, vote: &Vote, voters: &[Voter]) -> StoreResult<()>;
    /// Invites more voters to an open vote (a closed one is a conflict).
    fn add_voters(&self, vote_id: &str, voters: &[Voter]) -> StoreResult<()>;
    /// The vote's voters, e-mails included (the team's only).
    fn voters(&self, vote_id: &str) -> StoreResult<Vec<Voter>>;
    fn voter(&self, vote_id: &str, token_hash: &str) -> StoreResult<Option<Voter>>;
    /// Casts or replaces a voter's ballot at `at`, the vote's row locked: a closed vote, one
    /// not open yet or past its closing, an unknown token, a ballot of the wrong length or
    /// with more points than allowed write nothing.
    fn cast_ballot(&self, vote_id: &str, token_hash: &str, ballot: &[u32], at: DateTime<Utc>) -> StoreResult<()>;
    /// Closes a vote read at `version`: its results frozen (the room's tally, or the ballots'
    /// sums), its voters' e-mails erased. A closed vote is never written again.
    /// Records a carrier's proposal, pending, on an existing project; an id already used is a
    /// [`StoreError::Conflict`].
    fn add_project_proposal(&self, proposal: &ProjectProposal) -> StoreResult<()>;
    fn project_proposal(&self, id: &str) -> StoreResult<Option<ProjectProposal>>;
    /// The proposals of a project (or of every project), oldest first; pending ones only if asked.
    fn project_proposals(&self, project_id: Option<&str>, pending_only: bool) -> StoreResult<Vec<ProjectProposal>>;
    /// Records the decision on a pending proposal (`proposal` carries it) and, when approved,
    /// writes `project` as [`PntStore::update_project`] does, both in one transaction. A
    /// proposal already decided is [`crate::decided_proposal_error`] and nothing is written.
    fn decide_project_proposal(&self, proposal: &ProjectProposal, project: Option<&Project>) -> StoreResult<()>;
    fn close_vote(
        &self,
        vote_id: &str,
        version: u32,
        tally: Option<&RoomTally>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vote>;
}

/// The sums of the ballots cast, per item.
pub fn tally(items: usize, voters: &[Voter]) -> VoteResults {
    let mut points = vec![0u64; items];
    let mut ballots = 0u32;
    for ballot in voters.iter().filter_map(|voter| voter.ballot.as_ref()) {
        ballots += 1;
        for (sum, given) in points.iter_mut().zip(ballot) {
            *sum += u64::from(*given);
        }
    }
    VoteResults { points, ballots }
}

pub fn check_pnt(pnt: &Pnt) -> StoreResult<()> {
    if pnt.territory.code.trim().is_empty() {
        return Err(StoreError::Conflict("un projet numérique de territoire nomme son territoire".to_owned()));
    }
    if pnt.version == 0 {
        return Err(StoreError::Conflict(format!("le PNT {} a une version nulle", pnt.territory.key())));
    }
    Ok(())
}

pub fn check_project(project: &Project) -> StoreResult<()> {
    if project.title.trim().is_empty() {
        return Err(StoreError::Conflict(format!("le projet {} n'a pas de titre", project.id)));
    }
    if project.territories.is_empty() {
        return Err(StoreError::Conflict(format!("le projet {} n'a pas de territoire", project.id)));
    }
    if project.version == 0 {
        return Err(StoreError::Conflict(format!("le projet {} a une version nulle", project.id)));
    }
    if project.stages.last().map(|change| change.stage) != Some(project.stage) {
        return Err(StoreError::Conflict(format!(
            "le projet {} : son étape n'est pas la dernière de son historique",
            project.id
        )));
    }
    Ok(())
}

pub fn check_vote(vote: &Vote) -> StoreResult<()> {
    if vote.items.is_empty() {
        return Err(StoreError::Conflict(format!("le vote {} n'a aucun élément", vote.id)));
    }
    if vote.version == 0 {
        return Err(StoreError::Conflict(format!("le vote {} a une version nulle", vote.id)));
    }
    Ok(())
}

pub fn project_not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("projet {id}"))
}

pub fn stale_project_error(id: &str) -> StoreError {
    StoreError::Conflict(format!("le projet {id} a été modifié entre-temps"))
}

pub fn project_proposal_not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("proposition de projet {id}"))
}

pub fn vote_not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("vote {id}"))
}

pub fn closed_vote_error(id: &str) -> StoreError {
    StoreError::Conflict(format!("le vote {id} est clos : il ne change plus"))
}

pub fn stale_pnt_error(key: &str) -> StoreError {
    StoreError::Conflict(format!("le PNT {key} a été modifié entre-temps"))
}

/// A project's territory keys between bars (`|bassin:Chinon|departement:37|`), the column a
/// filter on a territory looks into with [`bar_key`].
pub fn territories_column(project: &Project) -> String {
    let keys: Vec<String> = project.territories.iter().map(PntTerritory::key).collect();
    format!("|{}|", keys.join("|"))
}

/// A project's kinds of needs between bars (`|argent|etp|`).
pub fn needs_column(project: &Project) -> String {
    let mut kinds: Vec<&str> = project.needs.iter().map(|need| need.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    format!("|{}|", kinds.join("|"))
}

/// What a bar-separated column holds when it holds `key`.
pub fn bar_key(key: &str) -> String {
    format!("|{key}|")
}
