//! The actors directory ("annuaire des acteurs"): the organisations, elected officials and
//! places of the registry the hub's team meets, shared by the activity log, the territorial
//! projects and the agenda, which name them by id. (In code an entry is a [`Stakeholder`]:
//! [`Actor`] is the person acting.)
//!
//! - Found by autocomplete ([`search`]): names and communes folded (accents, case,
//!   punctuation), the registry's places included, so a place met is picked rather than typed
//!   again; created on the fly ([`create`], [`from_place`]).
//! - Merged when two entries are the same actor ([`merge`]): the merged entry stays as a
//!   redirect, so every reference made to it (an activity entry, a project's partner) still
//!   finds the actor; [`canonical_ids`] gives the redirects to whatever counts actors.
//! - Personal data: an elected official's name and a contact's are the hub team's only
//!   (administrators and coordinators, [`Permission::Team`]): never public ([`public_names`]
//!   gives organisations' names only), never in the logs, and not in the audit log either;
//!   [`forget_person`] erases them when no longer needed, keeping the entry for the counts.
//! - Scope: the whole team reads the whole directory (a regional partner is met in every
//!   département); a coordinator edits, merges and forgets the entries of its départements,
//!   national or regional ones (no département), and those it created.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use maillage_domain::text::fold;
use maillage_domain::PlaceId;
use maillage_store::{new_id, Stakeholder, StakeholderKind, StakeholderMerge, Store};
use maillage_territory::Territory;
use serde::Serialize;

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::directory::{Directory, Query};
use crate::{AppError, AppResult, FieldError};

/// Longest name or contact kept, in characters.
const MAX_TEXT: usize = 200;
/// Words of a search beyond these are ignored.
const MAX_WORDS: usize = 6;

/// What a person types to create or correct an entry, as the form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StakeholderForm {
    pub name: String,
    /// A [`StakeholderKind`] key ("association"); `lieu` only through [`from_place`].
    pub kind: String,
    /// An INSEE code, a postcode or a commune's name; empty for none.
    pub commune: String,
    /// A département code; empty to take the commune's, or for a regional actor.
    pub departement: String,
    /// A person to reach there (personal data); empty for none.
    pub contact: String,
}

impl StakeholderForm {
    /// The form filled with an entry, to correct it.
    pub fn of(stakeholder: &Stakeholder) -> StakeholderForm {
        StakeholderForm {
            name: stakeholder.name.clone(),
            kind: stakeholder.kind.as_str().to_owned(),
            commune: stakeholder.commune_code.clone().unwrap_or_default(),
            departement: stakeholder.departement.clone().unwrap_or_default(),
            contact: stakeholder.contact.clone().unwrap_or_default(),
        }
    }
}

/// One answer of the autocomplete.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Suggestion {
    /// An entry of the directory.
    Acteur(Stakeholder),
    /// A place of the registry that has no entry yet: choosing it creates one ([`from_place`]).
    Lieu { place_id: PlaceId, name: String, commune: Option<String>, departement: Option<String> },
}

/// Which entries to list (every field optional).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StakeholderFilter {
    /// Words that must all appear in the name or the commune.
    pub text: String,
    pub kind: Option<StakeholderKind>,
    pub departement: Option<String>,
}

/// Whether the actor may change this entry (see the module's scope): the pages ask it to
/// offer the buttons, every use case that changes an entry asks it again.
pub fn check_change(ctx: &Context<'_>, actor: &Actor, stakeholder: &Stakeholder) -> AppResult<()> {
    actor.require(ctx, Permission::Team)?;
    let own = actor.id().is_some_and(|id| stakeholder.created_by.as_deref() == Some(id));
    let covered = match &stakeholder.departement {
        Some(code) => actor.covers_departement(ctx, code),
        None => true,
    };
    if own || covered {
        return Ok(());
    }
    Err(AppError::Forbidden(
        "Action refusée : cet acteur est rattaché à un département qui n'est pas le vôtre.".to_owned(),
    ))
}

/// A stored entry the actor may change; the team's permission is asked before the lookup,
/// so that an unknown id tells nothing to those outside the team.
fn changeable(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<Stakeholder> {
    actor.require(ctx, Permission::Team)?;
    let stored = ctx.store.stakeholder(id)?.ok_or_else(|| maillage_store::stakeholder_not_found(id))?;
    check_change(ctx, actor, &stored)?;
    Ok(stored)
}

/// How the audit log names an entry: its kind and département, and an organisation's name;
/// never a person's name nor a contact.
fn audit_label(stakeholder: &Stakeholder) -> String {
    let place = stakeholder.departement.as_deref().map(|d| format!(", {d}")).unwrap_or_default();
    if stakeholder.kind.is_person() {
        format!("{}{place}", stakeholder.kind.label())
    } else {
        format!("{} « {} »{place}", stakeholder.kind.label(), stakeholder.name)
    }
}

fn audit(ctx: &Context<'_>, actor: &Actor, action: &str, stakeholder: &Stakeholder, detail: String) -> AppResult<()> {
    ctx.audit(actor.id(), action, Some(format!("acteur:{}", stakeholder.id)), detail, maillage_store::now())
}

/// Folded words of a search, at most [`MAX_WORDS`].
fn words(text: &str) -> Vec<String> {
    fold(text).split(' ').filter(|word| !word.is_empty()).take(MAX_WORDS).map(str::to_owned).collect()
}

/// The autocomplete: entries of the directory whose name or commune holds every word typed,
/// those starting with the first word first, then (given the directory of places) the
/// registry's places that match and have no entry yet. At most `limit` of each; nothing for
/// an empty search.
pub fn search(
    ctx: &Context<'_>,
    actor: &Actor,
    places: Option<&Directory>,
    text: &str,
    limit: usize,
) -> AppResult<Vec<Suggestion>> {
    actor.require(ctx, Permission::Team)?;
    let words = words(text);
    if words.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let mut known = ctx.store.find_stakeholders(&words, limit.saturating_mul(4))?;
    // Stable: the store's order (search key, id) within each group.
    known.sort_by_key(|stakeholder| !stakeholder.search_key().starts_with(&words[0]));
    known.truncate(limit);
    let mut seen: HashSet<String> = known.iter().map(|stakeholder| stakeholder.id.clone()).collect();
    let mut suggestions: Vec<Suggestion> = known.into_iter().map(Suggestion::Acteur).collect();
    let Some(directory) = places else { return Ok(suggestions) };
    let query = Query { text: Some(text.to_owned()), limit, ..Query::default() };
    let hits = directory.search(&query).map_err(|err| AppError::Input(err.to_string()))?.hits;
    for hit in hits {
        let place = &hit.entry.place;
        match ctx.store.stakeholder_of_place(&place.id)? {
            Some(stakeholder) => {
                if seen.insert(stakeholder.id.clone()) {
                    suggestions.push(Suggestion::Acteur(stakeholder));
                }
            }
            None => suggestions.push(Suggestion::Lieu {
                place_id: place.id.clone(),
                name: place.record.nom.clone(),
                commune: hit.entry.location.as_ref().map(|l| l.commune.clone()).or(Some(place.record.commune.clone())),
                departement: hit.entry.location.as_ref().map(|l| l.code_departement.clone()),
            }),
        }
    }
    Ok(suggestions)
}

/// The form's values checked, field by field, into what an entry holds: (name, kind, commune
/// code and name, département, contact).
struct Checked {
    name: String,
    kind: StakeholderKind,
    commune_code: Option<String>,
    commune: Option<String>,
    departement: Option<String>,
    contact: Option<String>,
}

fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_text(field: &str, value: &str, required: bool, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = clean(value);
    if value.is_empty() {
        if required {
            errors.push(FieldError::new(field, "obligatoire"));
        }
        return None;
    }
    if value.chars().count() > MAX_TEXT {
        errors.push(FieldError::new(field, format!("{MAX_TEXT} caractères au plus")));
        return None;
    }
    Some(value)
}

/// The commune a person typed: an INSEE code, a postcode of one commune, or a name only one
/// commune bears.
pub(crate) fn find_commune<'t>(
    territory: &'t Territory,
    text: &str,
) -> Result<&'t maillage_territory::Commune, String> {
    let text = text.trim();
    if let Some(commune) = territory.resolve_code(text) {
        return Ok(commune);
    }
    let by_postcode = territory.communes_with_postcode(text);
    match by_postcode.len() {
        1 => return Ok(by_postcode[0]),
        0 => {}
        _ => {
            let names: Vec<&str> = by_postcode.iter().take(5).map(|c| c.name.as_str()).collect();
            return Err(format!(
                "plusieurs communes ont le code postal {text} ({}…) : indiquez le nom ou le code INSEE",
                names.join(", ")
            ));
        }
    }
    let folded = fold(text);
    let named: Vec<_> =
        territory.search_communes(text, 20).into_iter().filter(|commune| fold(&commune.name) == folded).collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("commune inconnue : « {text} » (nom, code postal ou code INSEE)")),
        several => {
            let listed: Vec<String> =
                several.iter().map(|c| format!("{} ({})", c.name, c.code_departement)).take(5).collect();
            Err(format!(
                "plusieurs communes s'appellent « {text} » ({}) : indiquez le code postal ou le code INSEE",
                listed.join(", ")
            ))
        }
    }
}

fn check_form(ctx: &Context<'_>, form: &StakeholderForm, place_kind: bool) -> AppResult<Checked> {
    let mut errors = Vec::new();
    let name = check_text("nom", &form.name, true, &mut errors);
    let kind = match StakeholderKind::parse(form.kind.trim()) {
        Some(StakeholderKind::Lieu) if !place_kind => {
            errors.push(FieldError::new("type", "un lieu du registre se choisit dans la recherche, pas à la main"));
            None
        }
        Some(kind) => Some(kind),
        None => {
            let known: Vec<&str> = StakeholderKind::ALL[1..].iter().map(|kind| kind.as_str()).collect();
            errors.push(FieldError::new("type", format!("type inconnu : choisissez parmi {}", known.join(", "))));
            None
        }
    };
    let contact = check_text("contact", &form.contact, false, &mut errors);
    let (mut commune_code, mut commune, mut departement) = (None, None, None);
    let wanted_departement = clean(&form.departement);
    if !form.commune.trim().is_empty() || !wanted_departement.is_empty() {
        let territory = &ctx.locator()?.territory;
        if !form.commune.trim().is_empty() {
            match find_commune(territory, &form.commune) {
                Ok(found) => {
                    commune_code = Some(found.code_insee.clone());
                    commune = Some(found.name.clone());
                    departement = Some(found.code_departement.clone());
                }
                Err(message) => errors.push(FieldError::new("commune", message)),
            }
        }
        if !wanted_departement.is_empty() {
            if territory.departement(&wanted_departement).is_none() {
                errors.push(FieldError::new("departement", format!("département inconnu : {wanted_departement}")));
            } else if departement.as_ref().is_some_and(|d| *d != wanted_departement) {
                errors.push(FieldError::new(
                    "departement",
                    format!(
                        "la commune est dans le département {}, pas le {wanted_departement}",
                        departement.as_deref().unwrap_or_default()
                    ),
                ));
            } else {
                departement = Some(wanted_departement);
            }
        }
    }
    match (name, kind) {
        (Some(name), Some(kind)) if errors.is_empty() => {
            Ok(Checked { name, kind, commune_code, commune, departement, contact })
        }
        _ => Err(AppError::Invalid(errors)),
    }
}

/// Creates an entry from the form (any kind but a place of the registry: see [`from_place`]).
pub fn create(ctx: &Context<'_>, actor: &Actor, form: &StakeholderForm, at: DateTime<Utc>) -> AppResult<Stakeholder> {
    actor.require(ctx, Permission::Team)?;
    let checked = check_form(ctx, form, false)?;
    let stakeholder = Stakeholder {
        id: new_id(),
        name: checked.name,
        kind: checked.kind,
        commune_code: checked.commune_code,
        commune: checked.commune,
        departement: checked.departement,
        place_id: None,
        contact: checked.contact,
        created_by: actor.id().map(str::to_owned),
        created_at: at,
        updated_at: at,
        version: 1,
        merged_into: None,
    };
    ctx.store.add_stakeholder(&stakeholder)?;
    audit(ctx, actor, "acteur_cree", &stakeholder, format!("{} ajouté à l'annuaire", audit_label(&stakeholder)))?;
    Ok(stakeholder)
}

/// The entry that stands for a place of the registry, created from the place when it has
/// none (its name, commune and département).
pub fn from_place(ctx: &Context<'_>, actor: &Actor, place_id: &PlaceId, at: DateTime<Utc>) -> AppResult<Stakeholder> {
    actor.require(ctx, Permission::Team)?;
    if let Some(existing) = ctx.store.stakeholder_of_place(place_id)? {
        return Ok(existing);
    }
    let place = ctx
        .store
        .place(place_id)?
        .ok_or_else(|| AppError::Input(format!("Lieu introuvable dans le registre : {place_id}.")))?;
    let location = ctx.locator.and_then(|locator| locator.locate(&place.record));
    let stakeholder = Stakeholder {
        id: new_id(),
        name: clean(&place.record.nom),
        kind: StakeholderKind::Lieu,
        commune_code: location.as_ref().map(|l| l.code_commune.clone()).or(place.record.code_insee.clone()),
        commune: Some(location.as_ref().map(|l| l.commune.clone()).unwrap_or(place.record.commune.clone())),
        departement: location.as_ref().map(|l| l.code_departement.clone()),
        place_id: Some(place.id.clone()),
        contact: None,
        created_by: actor.id().map(str::to_owned),
        created_at: at,
        updated_at: at,
        version: 1,
        merged_into: None,
    };
    match ctx.store.add_stakeholder(&stakeholder) {
        Ok(()) => {}
        // Someone created it meanwhile: theirs stands for the place.
        Err(maillage_store::StoreError::Conflict(_)) => {
            if let Some(existing) = ctx.store.stakeholder_of_place(place_id)? {
                return Ok(existing);
            }
            return Err(maillage_store::place_has_stakeholder_error(place_id).into());
        }
        Err(err) => return Err(err.into()),
    }
    audit(ctx, actor, "acteur_cree", &stakeholder, format!("{} ajouté à l'annuaire", audit_label(&stakeholder)))?;
    Ok(stakeholder)
}

/// The entry standing for `id` now (the one it was merged into, if it was).
fn canonical(store: &dyn Store, id: &str) -> AppResult<Stakeholder> {
    let found = store.stakeholder(id)?.ok_or_else(|| maillage_store::stakeholder_not_found(id))?;
    match &found.merged_into {
        Some(into) => Ok(store.stakeholder(into)?.ok_or_else(|| maillage_store::stakeholder_not_found(into))?),
        None => Ok(found),
    }
}

/// One entry, following a merge: what a reference to `id` means now.
pub fn stakeholder(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<Stakeholder> {
    actor.require(ctx, Permission::Team)?;
    canonical(ctx.store, id)
}

/// The entries standing for these ids (following merges), keyed by the ids asked; unknown ids
/// are left out. For the pages that show what other records name.
pub fn resolve(ctx: &Context<'_>, actor: &Actor, ids: &[String]) -> AppResult<BTreeMap<String, Stakeholder>> {
    actor.require(ctx, Permission::Team)?;
    let all: HashMap<String, Stakeholder> =
        ctx.store.stakeholders()?.into_iter().map(|stakeholder| (stakeholder.id.clone(), stakeholder)).collect();
    let mut resolved = BTreeMap::new();
    for id in ids {
        let Some(found) = all.get(id) else { continue };
        if let Some(target) = all.get(found.canonical_id()) {
            resolved.insert(id.clone(), target.clone());
        }
    }
    Ok(resolved)
}

/// The directory's entries (merged ones left out) matching the filter, by folded name.
pub fn stakeholders(ctx: &Context<'_>, actor: &Actor, filter: &StakeholderFilter) -> AppResult<Vec<Stakeholder>> {
    actor.require(ctx, Permission::Team)?;
    let words = words(&filter.text);
    let mut listed: Vec<(String, Stakeholder)> = ctx
        .store
        .stakeholders()?
        .into_iter()
        .filter(|s| s.merged_into.is_none())
        .filter(|s| filter.kind.is_none_or(|kind| s.kind == kind))
        .filter(|s| filter.departement.as_ref().is_none_or(|d| s.departement.as_ref() == Some(d)))
        .map(|s| (s.search_key(), s))
        .filter(|(key, _)| words.iter().all(|word| key.contains(word.as_str())))
        .collect();
    listed.sort_by(|a, b| (&a.0, &a.1.id).cmp(&(&b.0, &b.1.id)));
    Ok(listed.into_iter().map(|(_, s)| s).collect())
}

/// Corrects an entry read at `version` (a place's entry keeps its kind and its place). A
/// change made meanwhile is a conflict.
pub fn update(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    version: u32,
    form: &StakeholderForm,
    at: DateTime<Utc>,
) -> AppResult<Stakeholder> {
    let stored = changeable(ctx, actor, id)?;
    let place_kind = stored.kind == StakeholderKind::Lieu;
    let form = if place_kind { StakeholderForm { kind: "lieu".to_owned(), ..form.clone() } } else { form.clone() };
    let checked = check_form(ctx, &form, place_kind)?;
    let updated = Stakeholder {
        name: checked.name,
        kind: checked.kind,
        commune_code: checked.commune_code,
        commune: checked.commune,
        departement: checked.departement,
        contact: checked.contact,
        updated_at: at,
        version: version + 1,
        ..stored
    };
    // A coordinator cannot move an entry out of its territory either.
    check_change(ctx, actor, &updated)?;
    ctx.store.update_stakeholder(&updated)?;
    audit(ctx, actor, "acteur_modifie", &updated, format!("{} corrigé", audit_label(&updated)))?;
    Ok(updated)
}

/// Merges `from` into `into` (both read at the versions given), when two entries are the same
/// actor: every reference to `from` then means `into`. Returns the entry kept.
pub fn merge(
    ctx: &Context<'_>,
    actor: &Actor,
    from: (&str, u32),
    into: (&str, u32),
    at: DateTime<Utc>,
) -> AppResult<Stakeholder> {
    for (id, _) in [from, into] {
        changeable(ctx, actor, id)?;
    }
    ctx.store.merge_stakeholders(&StakeholderMerge {
        from: from.0.to_owned(),
        from_version: from.1,
        into: into.0.to_owned(),
        into_version: into.1,
        at,
    })?;
    let kept = canonical(ctx.store, into.0)?;
    audit(ctx, actor, "acteurs_fusionnes", &kept, format!("acteur {} fusionné dans {}", from.0, audit_label(&kept)))?;
    Ok(kept)
}

/// Erases the personal data of an entry read at `version`: an elected official's name becomes
/// their function ("Élu·e de Bourges"), a contact is removed. The entry stays, so what it
/// counted for still counts.
pub fn forget_person(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    version: u32,
    at: DateTime<Utc>,
) -> AppResult<Stakeholder> {
    let stored = changeable(ctx, actor, id)?;
    let name = if stored.kind.is_person() {
        match (&stored.commune, &stored.departement) {
            (Some(commune), _) => format!("Élu·e de {commune}"),
            (None, Some(departement)) => format!("Élu·e du département {departement}"),
            (None, None) => "Élu·e".to_owned(),
        }
    } else {
        stored.name.clone()
    };
    let forgotten = Stakeholder { name, contact: None, updated_at: at, version: version + 1, ..stored };
    ctx.store.update_stakeholder(&forgotten)?;
    audit(
        ctx,
        actor,
        "acteur_donnees_effacees",
        &forgotten,
        format!("{} : données personnelles effacées", audit_label(&forgotten)),
    )?;
    Ok(forgotten)
}

/// Every entry's id with the id standing for it now (its own, or the one it was merged into):
/// what counts distinct actors maps every reference through it. Ids only, nothing personal.
pub fn canonical_ids(store: &dyn Store) -> AppResult<HashMap<String, String>> {
    Ok(store
        .stakeholders()?
        .into_iter()
        .map(|stakeholder| {
            let canonical = stakeholder.canonical_id().to_owned();
            (stakeholder.id, canonical)
        })
        .collect())
}

/// What a public page may show of the entries standing for these ids: an organisation's or a
/// place's name, never a person's (an elected official shows as "Élu·e"), never a contact.
pub fn public_names(store: &dyn Store, ids: &[String]) -> AppResult<BTreeMap<String, String>> {
    let all: HashMap<String, Stakeholder> =
        store.stakeholders()?.into_iter().map(|stakeholder| (stakeholder.id.clone(), stakeholder)).collect();
    let mut names = BTreeMap::new();
    for id in ids {
        let Some(target) = all.get(id).and_then(|found| all.get(found.canonical_id())) else { continue };
        let name = if target.kind.is_person() { target.kind.label().to_owned() } else { target.name.clone() };
        names.insert(id.clone(), name);
    }
    Ok(names)
}
