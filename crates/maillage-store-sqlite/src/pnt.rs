//! The territorial projects on SQLite.

use chrono::{DateTime, Utc};
use maillage_store::backend::{PntTables, SqlDialect, WriteResult};
use maillage_store::*;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter};

use crate::rows::*;
use crate::SqliteTables;

/// How SQLite writes a project query's conditions.
const DIALECT: SqlDialect =
    SqlDialect { placeholder: '?', always: "1 = 1", never: "0 = 1", published: "published = 1", position: "instr" };

impl PntTables for SqliteTables<'_> {
    fn insert_pnt(&mut self, pnt: &Pnt) -> WriteResult<()> {
        self.run(
            "INSERT INTO pnt_plans (territory, document, version) VALUES (?1, ?2, ?3)",
            params![pnt.territory.key(), json(pnt)?, pnt.version],
        )
        .map(drop)
    }

    fn update_pnt(&mut self, pnt: &Pnt, expected: u32) -> WriteResult<u64> {
        self.run(
            "UPDATE pnt_plans SET document = ?2, version = ?3 WHERE territory = ?1 AND version = ?4",
            params![pnt.territory.key(), json(pnt)?, pnt.version, expected],
        )
    }

    fn pnt(&mut self, key: &str) -> StoreResult<Option<Pnt>> {
        self.one("SELECT document FROM pnt_plans WHERE territory = ?1", [key]).map(|row| row.map(|Doc(pnt)| pnt))
    }

    fn pnts(&mut self) -> StoreResult<Vec<Pnt>> {
        let rows: Vec<Doc<Pnt>> = self.all("SELECT document FROM pnt_plans ORDER BY territory", [])?;
        Ok(rows.into_iter().map(|Doc(pnt)| pnt).collect())
    }

    fn insert_project(&mut self, project: &Project) -> WriteResult<()> {
        self.run(
            "INSERT INTO pnt_projects (id, sort_key, stage, axe, published, territories, needs, document, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params_from_iter(project_values(project)?),
        )
        .map(drop)
    }

    fn update_project(&mut self, project: &Project, expected: u32) -> WriteResult<u64> {
        self.run(
            "UPDATE pnt_projects SET sort_key = ?2, stage = ?3, axe = ?4, published = ?5, territories = ?6,
                 needs = ?7, document = ?8, version = ?9
             WHERE id = ?1 AND version = ?10",
            params_from_iter(then_expected(project_values(project)?, expected)),
        )
    }

    fn insert_project_version(&mut self, project: &Project) -> WriteResult<()> {
        self.run(
            "INSERT INTO pnt_project_versions (project_id, version, document) VALUES (?1, ?2, ?3)",
            params![project.id, project.version, json(project)?],
        )
        .map(drop)
    }

    fn project(&mut self, id: &str) -> StoreResult<Option<Project>> {
        self.one("SELECT document FROM pnt_projects WHERE id = ?1", [id]).map(|row| row.map(|Doc(project)| project))
    }

    fn projects(&mut self, query: &ProjectQuery) -> StoreResult<Vec<Project>> {
        let filter = DIALECT.project_filter(query, true);
        let sql = format!(
            "SELECT document FROM pnt_projects WHERE {} ORDER BY sort_key, id LIMIT {}",
            filter.conditions, filter.next
        );
        let values = filter.values.into_iter().map(Value::from).chain([Value::from(filter.limit)]);
        let rows: Vec<Doc<Project>> = self.all(&sql, params_from_iter(values))?;
        Ok(rows.into_iter().map(|Doc(project)| project).collect())
    }

    fn count_projects(&mut self, query: &ProjectQuery) -> StoreResult<u64> {
        let filter = DIALECT.project_filter(query, false);
        let sql = format!("SELECT count(*) FROM pnt_projects WHERE {}", filter.conditions);
        let count: i64 = self.value(&sql, params_from_iter(filter.values))?;
        Ok(count.max(0) as u64)
    }

    fn project_versions(&mut self, id: &str) -> StoreResult<Vec<Project>> {
        let rows: Vec<Doc<Project>> =
            self.all("SELECT document FROM pnt_project_versions WHERE project_id = ?1 ORDER BY version", [id])?;
        Ok(rows.into_iter().map(|Doc(project)| project).collect())
    }

    fn all_projects(&mut self) -> StoreResult<Vec<Project>> {
        let rows: Vec<Doc<Project>> = self.all("SELECT document FROM pnt_projects ORDER BY id", [])?;
        Ok(rows.into_iter().map(|Doc(project)| project).collect())
    }

    fn insert_project_proposal(&mut self, proposal: &ProjectProposal) -> WriteResult<()> {
        self.run(
            "INSERT INTO pnt_project_proposals (id, project_id, status, created_at, document)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                proposal.id,
                proposal.project_id,
                proposal.status.as_str(),
                timestamp(&proposal.created_at),
                json(proposal)?
            ],
        )
        .map(drop)
    }

    fn decide_project_proposal(&mut self, proposal: &ProjectProposal) -> WriteResult<u64> {
        self.run(
            "UPDATE pnt_project_proposals SET status = ?2, document = ?3 WHERE id = ?1 AND status = 'pending'",
            params![proposal.id, proposal.status.as_str(), json(proposal)?],
        )
    }

    fn project_proposal(&mut self, id: &str) -> StoreResult<Option<ProjectProposal>> {
        self.one("SELECT document FROM pnt_project_proposals WHERE id = ?1", [id]).map(|row| row.map(|Doc(p)| p))
    }

    fn project_proposals(&mut self, project_id: Option<&str>, pending_only: bool) -> StoreResult<Vec<ProjectProposal>> {
        let rows: Vec<Doc<ProjectProposal>> = self.all(
            "SELECT document FROM pnt_project_proposals
             WHERE (?1 IS NULL OR project_id = ?1) AND (?2 = 0 OR status = 'pending')
             ORDER BY created_at, id",
            params![project_id, pending_only],
        )?;
        Ok(rows.into_iter().map(|Doc(proposal)| proposal).collect())
    }

    fn insert_vote(&mut self, vote: &Vote) -> WriteResult<()> {
        self.run(
            "INSERT INTO pnt_votes (id, territory, created_at, document, version) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![vote.id, vote.territory.key(), timestamp(&vote.created_at), json(vote)?, vote.version],
        )
        .map(drop)
    }

    fn update_vote(&mut self, vote: &Vote, expected: u32) -> WriteResult<u64> {
        self.run(
            "UPDATE pnt_votes SET document = ?2, version = ?3 WHERE id = ?1 AND version = ?4",
            params![vote.id, json(vote)?, vote.version, expected],
        )
    }

    fn vote(&mut self, id: &str) -> StoreResult<Option<Vote>> {
        self.one("SELECT document FROM pnt_votes WHERE id = ?1", [id]).map(|row| row.map(|Doc(vote)| vote))
    }

    fn votes(&mut self, territory: Option<&str>) -> StoreResult<Vec<Vote>> {
        let rows: Vec<Doc<Vote>> = match territory {
            Some(key) => self
                .all("SELECT document FROM pnt_votes WHERE territory = ?1 ORDER BY created_at DESC, id DESC", [key])?,
            None => self.all("SELECT document FROM pnt_votes ORDER BY created_at DESC, id DESC", [])?,
        };
        Ok(rows.into_iter().map(|Doc(vote)| vote).collect())
    }

    fn insert_voter(&mut self, voter: &Voter) -> WriteResult<()> {
        let ballot = voter.ballot.as_ref().map(json).transpose()?;
        self.run(
            &format!("INSERT INTO pnt_voters ({VOTER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
            params![
                voter.vote_id,
                voter.token_hash,
                voter.stakeholder,
                voter.email,
                ballot,
                optional_timestamp(&voter.cast_at)
            ],
        )
        .map(drop)
    }

    fn voters(&mut self, vote_id: &str) -> StoreResult<Vec<Voter>> {
        self.all(&format!("SELECT {VOTER_COLUMNS} FROM pnt_voters WHERE vote_id = ?1 ORDER BY token_hash"), [vote_id])
    }

    fn voter(&mut self, vote_id: &str, token_hash: &str) -> StoreResult<Option<Voter>> {
        self.one(
            &format!("SELECT {VOTER_COLUMNS} FROM pnt_voters WHERE vote_id = ?1 AND token_hash = ?2"),
            [vote_id, token_hash],
        )
    }

    fn set_ballot(&mut self, vote_id: &str, token_hash: &str, ballot: &[u32], at: DateTime<Utc>) -> StoreResult<u64> {
        Ok(self.run(
            "UPDATE pnt_voters SET ballot = ?3, cast_at = ?4 WHERE vote_id = ?1 AND token_hash = ?2",
            params![vote_id, token_hash, json(&ballot)?, timestamp(&at)],
        )?)
    }

    fn forget_voter_emails(&mut self, vote_id: &str) -> StoreResult<u64> {
        Ok(self.run("UPDATE pnt_voters SET email = NULL WHERE vote_id = ?1 AND email IS NOT NULL", [vote_id])?)
    }
}

/// A project's values in the order of its row's columns.
fn project_values(project: &Project) -> StoreResult<Vec<Value>> {
    Ok(vec![
        Value::from(project.id.clone()),
        Value::from(project.sort_key()),
        Value::from(project.stage.as_str().to_owned()),
        Value::from(project.axe.clone()),
        Value::from(project.published),
        Value::from(territories_column(project)),
        Value::from(needs_column(project)),
        Value::from(json(project)?),
        Value::from(project.version),
    ])
}
