//! Duplicate decisions: pairs of possible duplicates and merge groups, and the order in which
//! one decision or scan writes them (see [`crate::DuplicateChanges`]).

use std::collections::HashMap;

use super::{OneRow, Refusal, Tables, WriteResult};
use crate::{
    stale_pair_error, DuplicateChanges, DuplicatePair, MergeGroup, PairStatus, PlaceKey, StoreError, StoreResult,
};

/// One member of a merge group, as its table holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMember {
    pub group_id: String,
    pub place: PlaceKey,
}

/// The statements of duplicate pairs and merge groups.
pub trait DuplicateTables {
    /// Every pair, by id.
    fn pairs(&mut self) -> StoreResult<Vec<DuplicatePair>>;
    fn insert_pair(&mut self, pair: &DuplicatePair) -> WriteResult<()>;
    /// Rewrites a pair (found by id and by its two places) if its stored status is still
    /// `expected`; how many rows changed (0 or 1).
    fn update_pair(&mut self, pair: &DuplicatePair, expected: PairStatus) -> WriteResult<u64>;

    /// Every group by id, without members.
    fn groups(&mut self) -> StoreResult<Vec<MergeGroup>>;
    /// Every member of every group, by group, source and id in source.
    fn group_members(&mut self) -> StoreResult<Vec<GroupMember>>;
    /// Creates a group's row or replaces it, members aside.
    fn upsert_group(&mut self, group: &MergeGroup) -> StoreResult<()>;
    /// A group's member; a place already in a group is refused.
    fn insert_group_member(&mut self, group_id: &str, place: &PlaceKey) -> WriteResult<()>;
    fn delete_group_members(&mut self, group_id: &str) -> StoreResult<()>;
    /// Deletes a group's row; refused while a pair names it.
    fn delete_group(&mut self, group_id: &str) -> WriteResult<()>;
}

/// Groups with their members, in id order.
pub(crate) fn merge_groups<T: Tables + ?Sized>(tables: &mut T) -> StoreResult<Vec<MergeGroup>> {
    let mut groups = tables.groups()?;
    let index: HashMap<String, usize> = groups.iter().enumerate().map(|(i, group)| (group.id.clone(), i)).collect();
    for member in tables.group_members()? {
        if let Some(&i) = index.get(&member.group_id) {
            groups[i].members.push(member.place);
        }
    }
    Ok(groups)
}

/// Creates or replaces a group and its members; a member already in another group is a
/// conflict.
pub(crate) fn write_group<T: Tables + ?Sized>(tables: &mut T, group: &MergeGroup) -> StoreResult<()> {
    tables.upsert_group(group)?;
    tables.delete_group_members(&group.id)?;
    for member in &group.members {
        tables
            .insert_group_member(&group.id, member)
            .refused_as(|| StoreError::Conflict(format!("le lieu {member} est déjà dans un autre lieu fusionné")))?;
    }
    Ok(())
}

/// Writes one decision or scan (already checked by [`crate::check_duplicates`]) in the order
/// [`DuplicateChanges`] gives.
pub(crate) fn write_duplicates<T: Tables + ?Sized>(tables: &mut T, changes: &DuplicateChanges) -> StoreResult<()> {
    for id in &changes.removed_groups {
        tables.delete_group_members(id)?;
    }
    for group in &changes.groups {
        write_group(tables, group)?;
    }
    for write in &changes.pairs {
        let pair = &write.pair;
        let written = match write.expected {
            None => tables.insert_pair(pair).map(|()| 1),
            Some(expected) => tables.update_pair(pair, expected),
        };
        // No row updated: the pair is not (any more) in the status its writer read.
        written
            .refused_as(|| {
                StoreError::Conflict(format!(
                    "la paire {} / {} est déjà connue, ou nomme un groupe inconnu",
                    pair.a, pair.b
                ))
            })
            .one_row(|| stale_pair_error(pair))?;
    }
    for id in &changes.removed_groups {
        tables
            .delete_group(id)
            .refused_as(|| StoreError::Conflict(format!("le groupe {id} est encore nommé par une paire")))?;
    }
    Ok(())
}
