//! Duplicate pairs and merge groups on PostgreSQL.

use maillage_store::backend::{DuplicateTables, GroupMember, WriteResult};
use maillage_store::*;
use postgres::types::{Json, ToSql};
use postgres::GenericClient;

use crate::rows::*;
use crate::PgTables;

impl<C: GenericClient> DuplicateTables for PgTables<'_, C> {
    fn pairs(&mut self) -> StoreResult<Vec<DuplicatePair>> {
        self.all(&format!("SELECT {PAIR_COLUMNS} FROM duplicate_pairs ORDER BY id"), &[])
    }

    fn insert_pair(&mut self, pair: &DuplicatePair) -> WriteResult<()> {
        let sql = format!(
            "INSERT INTO duplicate_pairs ({PAIR_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        let (components, status) = (Json(&pair.components), pair.status.as_str());
        self.run(&sql, &pair_params(pair, &components, &status)).map(drop)
    }

    fn update_pair(&mut self, pair: &DuplicatePair, expected: PairStatus) -> WriteResult<u64> {
        let (components, status, expected) = (Json(&pair.components), pair.status.as_str(), expected.as_str());
        let mut params = pair_params(pair, &components, &status);
        params.push(&expected);
        self.run(
            "UPDATE duplicate_pairs SET score = $6, components = $7, status = $8, group_id = $9, found_at = $10,
                 decided_by = $11, decided_at = $12
             WHERE id = $1 AND a_source = $2 AND a_source_id = $3 AND b_source = $4 AND b_source_id = $5 AND status = $13",
            &params,
        )
    }

    fn groups(&mut self) -> StoreResult<Vec<MergeGroup>> {
        self.all(&format!("SELECT {GROUP_COLUMNS} FROM merge_groups ORDER BY id"), &[])
    }

    fn group_members(&mut self) -> StoreResult<Vec<GroupMember>> {
        let sql =
            format!("SELECT {GROUP_MEMBER_COLUMNS} FROM merge_group_members ORDER BY group_id, source, source_id");
        self.all(&sql, &[])
    }

    fn upsert_group(&mut self, group: &MergeGroup) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO merge_groups ({GROUP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record, reason = EXCLUDED.reason,
                 decided_by = EXCLUDED.decided_by, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at"
        );
        let record = Json(&group.record);
        self.run(&sql, &[&group.id, &record, &group.reason, &group.decided_by, &group.created_at, &group.updated_at])?;
        Ok(())
    }

    fn insert_group_member(&mut self, group_id: &str, place: &PlaceKey) -> WriteResult<()> {
        let sql = format!("INSERT INTO merge_group_members ({GROUP_MEMBER_COLUMNS}) VALUES ($1, $2, $3)");
        self.run(&sql, &[&group_id, &place.source, &place.source_id]).map(drop)
    }

    fn delete_group_members(&mut self, group_id: &str) -> StoreResult<()> {
        self.run("DELETE FROM merge_group_members WHERE group_id = $1", &[&group_id])?;
        Ok(())
    }

    fn delete_group(&mut self, group_id: &str) -> WriteResult<()> {
        self.run("DELETE FROM merge_groups WHERE id = $1", &[&group_id]).map(drop)
    }
}

/// A pair's parameters in [`PAIR_COLUMNS`]' order, its encoded columns given.
fn pair_params<'a>(
    pair: &'a DuplicatePair,
    components: &'a Json<&serde_json::Value>,
    status: &'a &str,
) -> Vec<&'a (dyn ToSql + Sync)> {
    vec![
        &pair.id,
        &pair.a.source,
        &pair.a.source_id,
        &pair.b.source,
        &pair.b.source_id,
        &pair.score,
        components,
        status,
        &pair.group_id,
        &pair.found_at,
        &pair.decided_by,
        &pair.decided_at,
    ]
}
