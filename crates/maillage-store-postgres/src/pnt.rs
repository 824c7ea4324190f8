//! The territorial projects on PostgreSQL.

use chrono::{DateTime, Utc};
use maillage_store::backend::{PntTables, SqlDialect, WriteResult};
use maillage_store::*;
use postgres::types::{Json, ToSql};
use postgres::GenericClient;

use crate::rows::*;
use crate::PgTables;

/// How PostgreSQL writes a project query's conditions.
const DIALECT: SqlDialect =
    SqlDialect { placeholder: '$', always: "true", never: "false", published: "published", position: "strpos" };

fn refs(values: &[String]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|value| value as &(dyn ToSql + Sync)).collect()
}

impl<C: GenericClient> PntTables for PgTables<'_, C> {
    fn insert_pnt(&mut self, pnt: &Pnt) -> WriteResult<()> {
        let version = version_param(pnt.version)?;
        self.run(
            "INSERT INTO pnt_plans (territory, document, version) VALUES ($1, $2, $3)",
            &[&pnt.territory.key(), &Json(pnt), &version],
        )
        .map(drop)
    }

    fn update_pnt(&mut self, pnt: &Pnt, expected: u32) -> WriteResult<u64> {
        let (version, expected) = (version_param(pnt.version)?, version_param(expected)?);
        self.run(
            "UPDATE pnt_plans SET document = $2, version = $3 WHERE territory = $1 AND version = $4",
            &[&pnt.territory.key(), &Json(pnt), &version, &expected],
        )
    }

    fn pnt(&mut self, key: &str) -> StoreResult<Option<Pnt>> {
        self.one("SELECT document FROM pnt_plans WHERE territory = $1", &[&key]).map(|row| row.map(|Doc(pnt)| pnt))
    }

    fn pnts(&mut self) -> StoreResult<Vec<Pnt>> {
        let rows: Vec<Doc<Pnt>> = self.all("SELECT document FROM pnt_plans ORDER BY territory", &[])?;
        Ok(rows.into_iter().map(|Doc(pnt)| pnt).collect())
    }

    fn insert_project(&mut self, project: &Project) -> WriteResult<()> {
        self.run(
            "INSERT INTO pnt_projects (id, sort_key, stage, axe, published, territories, needs, document, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &borrow(&project_params(project)?),
        )
        .map(drop)
    }

    fn update_project(&mut self, project: &Project, expected: u32) -> WriteResult<u64> {
        self.run(
            "UPDATE pnt_projects SET sort_key = $2, stage = $3, axe = $4, published = $5, territories = $6,
                 needs = $7, document = $8, version = $9
             WHERE id = $1 AND version = $10",
            &borrow(&then_expected(project_params(project)?, expected)?),
        )
    }

    fn insert_project_version(&mut self, project: &Project) -> WriteResult<()> {
        let version = version_param(project.version)?;
        self.run(
            "INSERT INTO pnt_project_versions (project_id, version, document) VALUES ($1, $2, $3)",
            &[&project.id, &version, &Json(project)],
        )
        .map(drop)
    }

    fn project(&mut self, id: &str) -> StoreResult<Option<Project>> {
        self.one("SELECT document FROM pnt_projects WHERE id = $1", &[&id]).map(|row| row.map(|Doc(project)| project))
    }

    fn lock_project(&mut self, id: &str) -> StoreResult<Option<Project>> {
        self.one("SELECT document FROM pnt_projects WHERE id = $1 FOR UPDATE", &[&id])
            .map(|row| row.map(|Doc(project)| project))
    }

    fn projects(&mut self, query: &ProjectQuery) -> StoreResult<Vec<Project>> {
        let filter = DIALECT.project_filter(query, true);
        let sql = format!(
            "SELECT document FROM pnt_projects WHERE {} ORDER BY sort_key, id LIMIT {}",
            filter.conditions, filter.next
        );
        let mut params = refs(&filter.values);
        params.push(&filter.limit);
        let rows: Vec<Doc<Project>> = self.all(&sql, &params)?;
        Ok(rows.into_iter().map(|Doc(project)| project).collect())
    }

    fn count_projects(&mut self, query: &ProjectQuery) -> StoreResult<u64> {
        let filter = DIALECT.project_filter(query, false);
        let sql = format!("SELECT count(*) FROM pnt_projects WHERE {}", filter.conditions);
        let count: i64 = self.value(&sql, &refs(&filter.values))?;
        Ok(count.max(0) as u64)
    }

    fn project_versions(&mut self, id: &str) -> StoreResult<Vec<Project>> {
        let rows: Vec<Doc<Project>> =
            self.all("SELECT document FROM pnt_project_versions WHERE project_id = $1 ORDER BY version", &[&id])?;
        Ok(rows.into_iter().map(|Doc(project)| project).collect())
    }

    fn all_projects(&mut self) -> StoreResult<Vec<Project>> {
        let rows: Vec<Doc<Project>> = self.all("SELECT document FROM pnt_projects ORDER BY id", &[])?;
        Ok(rows.into_iter().map(|Doc(project)| project).collect())
    }

    fn insert_project_proposal(&mut self, proposal: &ProjectProposal) -> WriteResult<()> {
        self.run(
            "INSERT INTO pnt_project_proposals (id, project_id, status, created_at, document)
             VALUES ($1, $2, $3, $4, $5)",
            &[&proposal.id, &proposal.project_id, &proposal.status.as_str(), &proposal.created_at, &Json(proposal)],
        )
        .map(drop)
    }

    fn decide_project_proposal(&mut self, proposal: &ProjectProposal) -> WriteResult<u64> {
        self.run(
            "UPDATE pnt_project_proposals SET status = $2, document = $3 WHERE id = $1 AND status = 'pending'",
            &[&proposal.id, &proposal.status.as_str(), &Json(proposal)],
        )
    }

    fn project_proposal(&mut self, id: &str) -> StoreResult<Option<ProjectProposal>> {
        self.one("SELECT document FROM pnt_project_proposals WHERE id = $1", &[&id]).map(|row| row.map(|Doc(p)| p))
    }

    fn project_proposals(&mut self, project_id: Option<&str>, pending_only: bool) -> StoreResult<Vec<ProjectProposal>> {
        let rows: Vec<Doc<ProjectProposal>> = self.all(
            "SELECT document FROM pnt_project_proposals
             WHERE ($1::text IS NULL OR project_id = $1) AND (NOT $2 OR status = 'pending')
             ORDER BY created_at, id",
            &[&project_id, &pending_only],
        )?;
        Ok(rows.into_iter().map(|Doc(proposal)| proposal).collect())
    }

    fn insert_vote(&mut self, vote: &Vote) -> WriteResult<()> {
        let version = version_param(vote.version)?;
        self.run(
            "INSERT INTO pnt_votes (id, territory, created_at, document, version) VALUES ($1, $2, $3, $4, $5)",
            &[&vote.id, &vote.territory.key(), &vote.created_at, &Json(vote), &version],
        )
        .map(drop)
    }

    fn update_vote(&mut self, vote: &Vote, expected: u32) -> WriteResult<u64> {
        let (version, expected) = (version_param(vote.version)?, version_param(expected)?);
        self.run(
            "UPDATE pnt_votes SET document = $2, version = $3 WHERE id = $1 AND version = $4",
            &[&vote.id, &Json(vote), &version, &expected],
        )
    }

    fn vote(&mut self, id: &str) -> StoreResult<Option<Vote>> {
        self.one("SELECT document FROM pnt_votes WHERE id = $1", &[&id]).map(|row| row.map(|Doc(vote)| vote))
    }

    /// Ballots and closings of one vote wait for each other on its row.
    fn lock_vote(&mut self, id: &str) -> StoreResult<Option<Vote>> {
        self.one("SELECT document FROM pnt_votes WHERE id = $1 FOR UPDATE", &[&id]).map(|row| row.map(|Doc(vote)| vote))
    }

    fn votes(&mut self, territory: Option<&str>) -> StoreResult<Vec<Vote>> {
        let rows: Vec<Doc<Vote>> = match territory {
            Some(key) => self.all(
                "SELECT document FROM pnt_votes WHERE territory = $1 ORDER BY created_at DESC, id DESC",
                &[&key],
            )?,
            None => self.all("SELECT document FROM pnt_votes ORDER BY created_at DESC, id DESC", &[])?,
        };
        Ok(rows.into_iter().map(|Doc(vote)| vote).collect())
    }

    fn insert_voter(&mut self, voter: &Voter) -> WriteResult<()> {
        let ballot = voter.ballot.as_ref().map(Json);
        self.run(
            &format!("INSERT INTO pnt_voters ({VOTER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
            &[&voter.vote_id, &voter.token_hash, &voter.stakeholder, &voter.email, &ballot, &voter.cast_at],
        )
        .map(drop)
    }

    fn voters(&mut self, vote_id: &str) -> StoreResult<Vec<Voter>> {
        self.all(&format!("SELECT {VOTER_COLUMNS} FROM pnt_voters WHERE vote_id = $1 ORDER BY token_hash"), &[&vote_id])
    }

    fn voter(&mut self, vote_id: &str, token_hash: &str) -> StoreResult<Option<Voter>> {
        self.one(
            &format!("SELECT {VOTER_COLUMNS} FROM pnt_voters WHERE vote_id = $1 AND token_hash = $2"),
            &[&vote_id, &token_hash],
        )
    }

    fn set_ballot(&mut self, vote_id: &str, token_hash: &str, ballot: &[u32], at: DateTime<Utc>) -> StoreResult<u64> {
        Ok(self.run(
            "UPDATE pnt_voters SET ballot = $3, cast_at = $4 WHERE vote_id = $1 AND token_hash = $2",
            &[&vote_id, &token_hash, &Json(ballot), &at],
        )?)
    }

    fn forget_voter_emails(&mut self, vote_id: &str) -> StoreResult<u64> {
        Ok(self.run("UPDATE pnt_voters SET email = NULL WHERE vote_id = $1 AND email IS NOT NULL", &[&vote_id])?)
    }
}

/// A project's parameters in the order of its row's columns.
fn project_params(project: &Project) -> StoreResult<Params<'_>> {
    let version = version_param(project.version)?;
    Ok(vec![
        Box::new(&project.id),
        Box::new(project.sort_key()),
        Box::new(project.stage.as_str()),
        Box::new(&project.axe),
        Box::new(project.published),
        Box::new(territories_column(project)),
        Box::new(needs_column(project)),
        Box::new(Json(project)),
        Box::new(version),
    ])
}
