//! The duplicate decisions as people (and the operator) take them: who may, on which places,
//! and the audit entry of each.
//!
//! Scope: a decision changes what is published for each place of the pair, so a coordinator
//! sees and decides only pairs (and merged places) whose every place is in its territory (the
//! `Moderate` permission on each record); administrators, and the hub itself, see and decide
//! everything, even about a place that has left the registry; gestionnaires and the public
//! are refused. Writes name the status they read, so two people deciding at once get a
//! conflict, never a lost decision.

use maillage_domain::{Place, PlaceRecord};
use maillage_store::{now, DuplicateChanges, MergeGroup, PairStatus, PairWrite, PlaceKey, StoreError};

use super::{
    already_decided, decide_pair, decimal, group_gone, pair_not_found, published_place, queue_of, scan_places,
    undo_group, Resolution, Resolved, ReviewItem, ScanCounts, ScanOptions,
};
use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::{AppError, AppResult};

/// Whether the actor may see and decide about these places (`None`: a place no longer in the
/// registry, which only administrators may decide about).
fn in_scope<'p>(ctx: &Context<'_>, actor: &Actor, places: impl IntoIterator<Item = Option<&'p Place>>) -> bool {
    if actor.may(ctx, Permission::Administer) {
        return true;
    }
    places.into_iter().all(|place| place.is_some_and(|place| actor.may(ctx, Permission::Moderate(&place.record))))
}

/// Who a decision records: a person's address, or the name the operator's command gave.
fn decided_by(actor: &Actor) -> String {
    match actor {
        Actor::User(user) => user.email.clone(),
        Actor::System(name) => name.clone(),
        Actor::Public => "public".to_owned(),
    }
}

/// Scans the active places for duplicates (see the module's rules): administrators, and the
/// operator's command line.
pub fn scan(ctx: &Context<'_>, actor: &Actor, options: &ScanOptions) -> AppResult<ScanCounts> {
    actor.require(ctx, Permission::Administer)?;
    let counts = scan_places(ctx.store, options)?;
    ctx.audit(
        actor.id(),
        "doublons_recherche",
        None,
        format!(
            "{} paires trouvées : {} fusionnées automatiquement, {} mises en revue",
            counts.found, counts.auto_merged, counts.queued
        ),
        now(),
    )?;
    Ok(counts)
}

/// The review queue (see `queue_of`), limited to the pairs in the actor's scope.
pub fn review_queue(ctx: &Context<'_>, actor: &Actor) -> AppResult<Vec<ReviewItem>> {
    actor.require(ctx, Permission::SeeQueue)?;
    let mut items = queue_of(ctx.store)?;
    items.retain(|item| in_scope(ctx, actor, [item.a.as_ref(), item.b.as_ref()]));
    Ok(items)
}

/// Decides a queued pair within the actor's scope. An unknown pair is not found; a pair no
/// longer pending, or a merge that would join places said distinct, is a conflict; nothing
/// is written then.
pub fn resolve(ctx: &Context<'_>, actor: &Actor, pair_id: &str, resolution: Resolution) -> AppResult<Resolved> {
    actor.require(ctx, Permission::SeeQueue)?;
    let pair = ctx
        .store
        .duplicate_pairs()?
        .into_iter()
        .find(|pair| pair.id == pair_id)
        .ok_or_else(|| pair_not_found(pair_id))?;
    let a = ctx.store.place_by_source_id(&pair.a.source, &pair.a.source_id)?;
    let b = ctx.store.place_by_source_id(&pair.b.source, &pair.b.source_id)?;
    if !in_scope(ctx, actor, [a.as_ref(), b.as_ref()]) {
        return Err(AppError::Forbidden(
            "Action refusée : ces lieux ne sont pas tous dans votre territoire.".to_owned(),
        ));
    }
    if pair.status != PairStatus::Pending {
        return Err(already_decided(&pair).into());
    }
    let resolved = decide_pair(ctx.store, pair_id, resolution, &decided_by(actor))?;
    let names = format!("{} / {}", pair.a, pair.b);
    let (action, detail) = match &resolved.group_id {
        Some(group) => ("doublons_fusion", format!("{names} fusionnés dans {group} (score {})", decimal(pair.score))),
        None => ("doublons_distincts", format!("{names} déclarés distincts (score {})", decimal(pair.score))),
    };
    ctx.audit(actor.id(), action, Some(format!("paire:{pair_id}")), detail, now())?;
    Ok(resolved)
}

/// Takes back a "distinct" decision within the actor's scope: the pair goes back to the
/// review queue (never straight to a merge, and the scanner never merges a pair a person has
/// seen), with who reopened it. A pair that is not said distinct is a conflict; nothing is
/// written then. The write names the status it read, so a decision taken meanwhile wins.
pub fn reopen(ctx: &Context<'_>, actor: &Actor, pair_id: &str) -> AppResult<Resolved> {
    actor.require(ctx, Permission::SeeQueue)?;
    let pair = ctx
        .store
        .duplicate_pairs()?
        .into_iter()
        .find(|pair| pair.id == pair_id)
        .ok_or_else(|| pair_not_found(pair_id))?;
    let a = ctx.store.place_by_source_id(&pair.a.source, &pair.a.source_id)?;
    let b = ctx.store.place_by_source_id(&pair.b.source, &pair.b.source_id)?;
    if !in_scope(ctx, actor, [a.as_ref(), b.as_ref()]) {
        return Err(AppError::Forbidden(
            "Action refusée : ces lieux ne sont pas tous dans votre territoire.".to_owned(),
        ));
    }
    if pair.status != PairStatus::Distinct {
        return Err(StoreError::Conflict(format!(
            "la paire {} n'est pas déclarée distincte : seule une décision « distincts » se reprend ainsi",
            pair.id
        ))
        .into());
    }
    let mut reopened = pair.clone();
    reopened.status = PairStatus::Pending;
    reopened.decided_by = Some(decided_by(actor));
    reopened.decided_at = Some(now());
    let write = PairWrite { pair: reopened, expected: Some(PairStatus::Distinct) };
    ctx.store.save_duplicates(&DuplicateChanges { pairs: vec![write], ..DuplicateChanges::default() })?;
    ctx.audit(
        actor.id(),
        "doublons_reouverture",
        Some(format!("paire:{pair_id}")),
        format!("{} / {} : décision « distincts » reprise, paire remise en revue", pair.a, pair.b),
        now(),
    )?;
    Ok(Resolved { pair_id: pair.id, status: PairStatus::Pending, group_id: None })
}

/// A group's members as they are now (`None` for a member no longer in the registry).
fn members_of(ctx: &Context<'_>, group: &MergeGroup) -> AppResult<Vec<(PlaceKey, Option<Place>)>> {
    group
        .members
        .iter()
        .map(|key| Ok((key.clone(), ctx.store.place_by_source_id(&key.source, &key.source_id)?)))
        .collect()
}

/// Undoes a merged place within the actor's scope (see `undo_group`); returns its members. A
/// merged place that does not exist (any more) is a conflict: most often the same form sent
/// twice.
pub fn undo(ctx: &Context<'_>, actor: &Actor, group_id: &str) -> AppResult<Vec<PlaceKey>> {
    actor.require(ctx, Permission::SeeQueue)?;
    let group =
        ctx.store.merge_groups()?.into_iter().find(|group| group.id == group_id).ok_or_else(|| group_gone(group_id))?;
    let members = members_of(ctx, &group)?;
    if !in_scope(ctx, actor, members.iter().map(|(_, place)| place.as_ref())) {
        return Err(AppError::Forbidden(
            "Action refusée : les fiches de ce lieu fusionné ne sont pas toutes dans votre territoire.".to_owned(),
        ));
    }
    let keys = undo_group(ctx.store, group_id)?;
    let names: Vec<String> = keys.iter().map(ToString::to_string).collect();
    ctx.audit(
        actor.id(),
        "doublons_fusion_annulee",
        Some(format!("fusion:{group_id}")),
        format!("fiches de nouveau séparées : {}", names.join(", ")),
        now(),
    )?;
    Ok(keys)
}

/// A merged place as its review page shows it.
#[derive(Clone, Debug)]
pub struct MergedPlace {
    pub group: MergeGroup,
    /// Every member with the place as it is now (`None`: no longer in the registry).
    pub members: Vec<(PlaceKey, Option<Place>)>,
    /// The record published now (computed from the active members, as exports do); the
    /// stored one when no member is active any more.
    pub published: PlaceRecord,
}

/// The merged places in the actor's scope, in the store's order.
pub fn merged_places(ctx: &Context<'_>, actor: &Actor) -> AppResult<Vec<MergedPlace>> {
    actor.require(ctx, Permission::SeeQueue)?;
    let mut merged = Vec::new();
    for group in ctx.store.merge_groups()? {
        let members = members_of(ctx, &group)?;
        if !in_scope(ctx, actor, members.iter().map(|(_, place)| place.as_ref())) {
            continue;
        }
        let places: Vec<Place> = members.iter().filter_map(|(_, place)| place.clone()).collect();
        let published = published_place(&places).map(|place| place.record).unwrap_or_else(|| group.record.clone());
        merged.push(MergedPlace { group, members, published });
    }
    Ok(merged)
}
