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
use maillage_store::{now, DuplicateChanges, DuplicatePair, MergeGroup, PairStatus, PairWrite, PlaceKey, StoreError};

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

/// Where the hub's duplicate scan stands, shared by the pages that start one (a button, an
/// import) and the review page that shows it. One scan at a time: a scan reads every active
/// place, two at once would only decide the same pairs twice.
#[derive(Debug, Default)]
pub struct ScanTracker {
    /// The state, and whether another scan was asked for while one ran (an import committed
    /// after the running scan read the places: its places must be scanned too).
    state: std::sync::Mutex<(ScanState, bool)>,
}

/// The latest scan started through a [`ScanTracker`].
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ScanState {
    /// None since the server started.
    #[default]
    Idle,
    Running {
        since: chrono::DateTime<chrono::Utc>,
        reason: String,
    },
    Done {
        at: chrono::DateTime<chrono::Utc>,
        reason: String,
        counts: ScanCounts,
    },
    Failed {
        at: chrono::DateTime<chrono::Utc>,
        reason: String,
        message: String,
    },
}

impl ScanTracker {
    pub fn state(&self) -> ScanState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0.clone()
    }

    /// Claims the tracker for a scan (`reason`: why it runs, in French); `false` when one is
    /// already running: it will run once more when done ([`ScanTracker::finish`]).
    pub fn begin(&self, reason: &str) -> bool {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(guard.0, ScanState::Running { .. }) {
            guard.1 = true;
            return false;
        }
        guard.0 = ScanState::Running { since: now(), reason: reason.to_owned() };
        true
    }

    /// Records how the scan claimed by [`ScanTracker::begin`] ended; `true` when another was
    /// asked for meanwhile: the caller runs it (the tracker stays claimed).
    pub fn finish(&self, result: &AppResult<ScanCounts>) -> bool {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let reason = match &guard.0 {
            ScanState::Running { reason, .. } => reason.clone(),
            _ => String::new(),
        };
        if std::mem::take(&mut guard.1) {
            guard.0 = ScanState::Running { since: now(), reason };
            return true;
        }
        guard.0 = match result {
            Ok(counts) => ScanState::Done { at: now(), reason, counts: counts.clone() },
            Err(err) => ScanState::Failed { at: now(), reason, message: err.to_string() },
        };
        false
    }
}

/// The review queue (see `queue_of`), limited to the pairs in the actor's scope.
pub fn review_queue(ctx: &Context<'_>, actor: &Actor) -> AppResult<Vec<ReviewItem>> {
    actor.require(ctx, Permission::SeeQueue)?;
    let mut items = queue_of(ctx.store)?;
    items.retain(|item| in_scope(ctx, actor, [item.a.as_ref(), item.b.as_ref()]));
    Ok(items)
}

/// The review queue of [`review_queue`] narrowed to pairs with a place in one département
/// (by code); needs the territory (the context's locator).
pub fn review_queue_in(ctx: &Context<'_>, actor: &Actor, departement: &str) -> AppResult<Vec<ReviewItem>> {
    let mut items = review_queue(ctx, actor)?;
    let locator = ctx
        .locator
        .ok_or_else(|| AppError::Input("un filtre de territoire demande le territoire chargé".to_owned()))?;
    let inside = |place: Option<&Place>| {
        place
            .and_then(|place| locator.locate(&place.record))
            .is_some_and(|location| location.code_departement == departement)
    };
    items.retain(|item| inside(item.a.as_ref()) || inside(item.b.as_ref()));
    Ok(items)
}

/// The pair a decision names, once the actor may see the queue and both its places are in the
/// actor's territory; an unknown pair is not found.
fn pair_in_scope(ctx: &Context<'_>, actor: &Actor, pair_id: &str) -> AppResult<DuplicatePair> {
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
    Ok(pair)
}

/// Decides a queued pair within the actor's scope. An unknown pair is not found; a pair no
/// longer pending, or a merge that would join places said distinct, is a conflict; nothing
/// is written then.
pub fn resolve(ctx: &Context<'_>, actor: &Actor, pair_id: &str, resolution: Resolution) -> AppResult<Resolved> {
    let pair = pair_in_scope(ctx, actor, pair_id)?;
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
    let pair = pair_in_scope(ctx, actor, pair_id)?;
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
    republish(ctx, actor, &keys)?;
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

/// Gives each active member of an undone merge a new version (same record, a note saying
/// why): a merge writes no place, so without it a member published again would not be a
/// change for the feeds' consumers, who were told it was withdrawn into the merged place. A
/// member changed meanwhile by someone else already carries a newer change.
fn republish(ctx: &Context<'_>, actor: &Actor, keys: &[PlaceKey]) -> AppResult<()> {
    let at = now();
    for key in keys {
        let Some(place) = ctx.store.place_by_source_id(&key.source, &key.source_id)? else { continue };
        if place.status != maillage_domain::PlaceStatus::Active {
            continue;
        }
        let write = maillage_store::PlaceWrite {
            place: Place { version: place.version + 1, updated_at: at, batch_id: None, ..place },
            change: maillage_store::ChangeKind::Updated,
            author: decided_by(actor),
            reason: "fusion défaite : de nouveau publié comme un lieu à part".to_owned(),
            content_hash: None,
        };
        match ctx.store.save_place(&write) {
            Ok(()) | Err(StoreError::Conflict(_)) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
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
