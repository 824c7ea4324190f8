//! Duplicate pairs and merge groups on SQLite.

use maillage_store::backend::{DuplicateTables, GroupMember, WriteResult};
use maillage_store::*;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter};

use crate::rows::*;
use crate::SqliteTables;

impl DuplicateTables for SqliteTables<'_> {
    fn pairs(&mut self) -> StoreResult<Vec<DuplicatePair>> {
        self.all(&format!("SELECT {PAIR_COLUMNS} FROM duplicate_pairs ORDER BY id"), [])
    }

    fn insert_pair(&mut self, pair: &DuplicatePair) -> WriteResult<()> {
        let sql = format!(
            "INSERT INTO duplicate_pairs ({PAIR_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        );
        self.run(&sql, params_from_iter(pair_values(pair)?)).map(drop)
    }

    fn update_pair(&mut self, pair: &DuplicatePair, expected: PairStatus) -> WriteResult<u64> {
        let mut values = pair_values(pair)?;
        values.push(Value::from(expected.as_str().to_owned()));
        self.run(
            "UPDATE duplicate_pairs SET score = ?6, components = ?7, status = ?8, group_id = ?9, found_at = ?10,
                 decided_by = ?11, decided_at = ?12
             WHERE id = ?1 AND a_source = ?2 AND a_source_id = ?3 AND b_source = ?4 AND b_source_id = ?5 AND status = ?13",
            params_from_iter(values),
        )
    }

    fn groups(&mut self) -> StoreResult<Vec<MergeGroup>> {
        self.all(&format!("SELECT {GROUP_COLUMNS} FROM merge_groups ORDER BY id"), [])
    }

    fn group_members(&mut self) -> StoreResult<Vec<GroupMember>> {
        self.all("SELECT group_id, source, source_id FROM merge_group_members ORDER BY group_id, source, source_id", [])
    }

    fn upsert_group(&mut self, group: &MergeGroup) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO merge_groups ({GROUP_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET record = excluded.record, reason = excluded.reason,
                 decided_by = excluded.decided_by, created_at = excluded.created_at, updated_at = excluded.updated_at"
        );
        let params = params![
            group.id,
            json(&group.record)?,
            group.reason,
            group.decided_by,
            timestamp(&group.created_at),
            timestamp(&group.updated_at)
        ];
        self.run(&sql, params)?;
        Ok(())
    }

    fn insert_group_member(&mut self, group_id: &str, place: &PlaceKey) -> WriteResult<()> {
        let sql = "INSERT INTO merge_group_members (group_id, source, source_id) VALUES (?1, ?2, ?3)";
        self.run(sql, params![group_id, place.source, place.source_id]).map(drop)
    }

    fn delete_group_members(&mut self, group_id: &str) -> StoreResult<()> {
        self.run("DELETE FROM merge_group_members WHERE group_id = ?1", [group_id])?;
        Ok(())
    }

    fn delete_group(&mut self, group_id: &str) -> WriteResult<()> {
        self.run("DELETE FROM merge_groups WHERE id = ?1", [group_id]).map(drop)
    }
}

/// A pair's values in [`PAIR_COLUMNS`]' order.
fn pair_values(pair: &DuplicatePair) -> StoreResult<Vec<Value>> {
    Ok(vec![
        Value::from(pair.id.clone()),
        Value::from(pair.a.source.clone()),
        Value::from(pair.a.source_id.clone()),
        Value::from(pair.b.source.clone()),
        Value::from(pair.b.source_id.clone()),
        Value::from(pair.score),
        Value::from(json(&pair.components)?),
        Value::from(pair.status.as_str().to_owned()),
        Value::from(pair.group_id.clone()),
        Value::from(timestamp(&pair.found_at)),
        Value::from(pair.decided_by.clone()),
        Value::from(optional_timestamp(&pair.decided_at)),
    ])
}
