//! The guarded use cases of the monographs: a bassin's draft (generated now, with the written
//! sections' last versions), saving a section, publishing and reading editions, comparing two,
//! and the hub's choice to show published editions to the public.

use chrono::{DateTime, Utc};
use maillage_store::{new_id, MonographEdition, MonographText};
use maillage_territory::Territory;
use serde::{Deserialize, Serialize};

use super::figures::{compare, FigureChange};
use super::generate::{generate, Generated, Sources};
use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::{AppError, AppResult, FieldError};

/// The written sections, in the document's order: key, title.
pub const SECTIONS: [(&str, &str); 4] = [
    ("presentation", "Présentation du territoire"),
    ("ateliers", "Compte-rendu des temps d'ateliers"),
    ("perspective", "Mise en perspective"),
    ("synthese", "Synthèse"),
];

/// A written section's longest text, in characters (a long chapter, not a book).
pub const MAX_SECTION_CHARS: usize = 50_000;

/// The setting that opens published editions to the public ("oui").
pub const PUBLIC_SETTING: &str = "monographies_publiques";

/// A written section as a document shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WrittenSection {
    pub key: String,
    pub title: String,
    /// Markdown; empty when never written.
    pub text: String,
    /// 0 when never written.
    pub version: u32,
    pub saved_at: Option<DateTime<Utc>>,
}

/// A monograph: what is generated and what is written. An edition's content is this, frozen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Monograph {
    pub generated: Generated,
    pub sections: Vec<WrittenSection>,
}

/// A bassin in the monographs' list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BassinEntry {
    pub name: String,
    pub departement: String,
    pub editions: usize,
    pub last_published: Option<DateTime<Utc>>,
}

/// A bassin's page: the monograph as it would be published now, every saved version of its
/// sections (newest first) and its editions.
#[derive(Clone, Debug)]
pub struct Draft {
    pub monograph: Monograph,
    pub history: Vec<MonographText>,
    pub editions: Vec<MonographEdition>,
}

fn unknown_section(section: &str) -> AppError {
    AppError::Invalid(vec![FieldError::new("section", format!("section inconnue « {section} »"))])
}

fn title_of(section: &str) -> Option<&'static str> {
    SECTIONS.iter().find(|(key, _)| *key == section).map(|(_, title)| *title)
}

/// The last version of each section of a bassin.
fn written(ctx: &Context<'_>, bassin: &str) -> AppResult<(Vec<WrittenSection>, Vec<MonographText>)> {
    let history = ctx.store.monograph_texts(bassin)?;
    let sections = SECTIONS
        .iter()
        .map(|(key, title)| {
            let last = history.iter().filter(|t| t.section == *key).max_by_key(|t| t.version);
            WrittenSection {
                key: (*key).to_owned(),
                title: (*title).to_owned(),
                text: last.map(|t| t.text.clone()).unwrap_or_default(),
                version: last.map_or(0, |t| t.version),
                saved_at: last.map(|t| t.saved_at),
            }
        })
        .collect();
    let mut history = history;
    history.sort_by(|a, b| b.saved_at.cmp(&a.saved_at).then(b.version.cmp(&a.version)));
    Ok((sections, history))
}

/// The bassins the actor may write the monograph of, with their editions.
pub fn bassins(ctx: &Context<'_>, actor: &Actor) -> AppResult<Vec<BassinEntry>> {
    actor.require(ctx, Permission::Team)?;
    let locator = ctx.locator()?;
    let mut out = Vec::new();
    for (name, departement) in locator.bassins.bassins() {
        if !actor.may(ctx, Permission::Monograph(name)) {
            continue;
        }
        let editions = ctx.store.monograph_editions(name)?;
        out.push(BassinEntry {
            name: name.clone(),
            departement: departement.clone(),
            editions: editions.len(),
            last_published: editions.last().map(|e| e.published_at),
        });
    }
    Ok(out)
}

/// Checks the actor works on the bassin, then that the bassin exists: the refusal comes
/// first, so that a bassin's name says nothing to those who may not see it.
fn guard_bassin(ctx: &Context<'_>, actor: &Actor, bassin: &str) -> AppResult<()> {
    actor.require(ctx, Permission::Monograph(bassin))?;
    if ctx.locator()?.bassins.bassins().contains_key(bassin) {
        Ok(())
    } else {
        Err(AppError::Store(maillage_store::StoreError::NotFound(format!("bassin de vie « {bassin} »"))))
    }
}

/// The sources of a guarded bassin's monograph, read now.
fn bassin_sources<'t>(
    ctx: &Context<'_>,
    actor: &Actor,
    territory: &'t Territory,
    bassin: &str,
    now: DateTime<Utc>,
) -> AppResult<Sources<'t>> {
    guard_bassin(ctx, actor, bassin)?;
    Sources::load(ctx.store, territory, now)
}

/// The audit entry of a change to a bassin's monograph.
fn audit_bassin(
    ctx: &Context<'_>,
    actor: &Actor,
    action: &str,
    bassin: &str,
    detail: String,
    now: DateTime<Utc>,
) -> AppResult<()> {
    ctx.audit(actor.id(), action, Some(format!("bassin:{bassin}")), detail, now)
}

/// A bassin's monograph generated now, with its sections and editions.
pub fn draft(
    ctx: &Context<'_>,
    actor: &Actor,
    territory: &Territory,
    bassin: &str,
    now: DateTime<Utc>,
) -> AppResult<Draft> {
    let sources = bassin_sources(ctx, actor, territory, bassin, now)?;
    let generated = generate(&sources, bassin)?;
    let (sections, history) = written(ctx, bassin)?;
    Ok(Draft { monograph: Monograph { generated, sections }, history, editions: ctx.store.monograph_editions(bassin)? })
}

/// Saves a new version of a written section. `expected` is the version the writer started
/// from (0 for a section never written): a version saved meanwhile is a conflict.
pub fn save_section(
    ctx: &Context<'_>,
    actor: &Actor,
    bassin: &str,
    section: &str,
    text: &str,
    expected: u32,
    now: DateTime<Utc>,
) -> AppResult<MonographText> {
    guard_bassin(ctx, actor, bassin)?;
    let title = title_of(section).ok_or_else(|| unknown_section(section))?;
    let text = text.replace("\r\n", "\n");
    if text.chars().count() > MAX_SECTION_CHARS {
        return Err(AppError::Invalid(vec![FieldError::new(
            "texte",
            format!("texte trop long : {MAX_SECTION_CHARS} caractères au plus"),
        )]));
    }
    let saved = MonographText {
        bassin: bassin.to_owned(),
        section: section.to_owned(),
        version: expected + 1,
        text,
        author: actor.id().map(str::to_owned),
        saved_at: now,
    };
    ctx.store.save_monograph_text(&saved)?;
    audit_bassin(
        ctx,
        actor,
        "monographie_section_enregistree",
        bassin,
        format!("{title}, version {}", saved.version),
        now,
    )?;
    Ok(saved)
}

/// Publishes an edition: the monograph generated now and the sections' last versions, frozen.
pub fn publish(
    ctx: &Context<'_>,
    actor: &Actor,
    territory: &Territory,
    bassin: &str,
    now: DateTime<Utc>,
) -> AppResult<MonographEdition> {
    let sources = bassin_sources(ctx, actor, territory, bassin, now)?;
    publish_from(ctx, actor, &sources, bassin, now)
}

fn publish_from(
    ctx: &Context<'_>,
    actor: &Actor,
    sources: &Sources<'_>,
    bassin: &str,
    now: DateTime<Utc>,
) -> AppResult<MonographEdition> {
    let monograph = Monograph { generated: generate(sources, bassin)?, sections: written(ctx, bassin)?.0 };
    let content = serde_json::to_string(&monograph)
        .map_err(|err| AppError::Input(format!("édition impossible à enregistrer : {err}")))?;
    let number = ctx.store.monograph_editions(bassin)?.last().map_or(0, |e| e.number) + 1;
    let edition = MonographEdition {
        id: new_id(),
        bassin: bassin.to_owned(),
        number,
        published_at: now,
        published_by: actor.id().map(str::to_owned),
        content,
    };
    ctx.store.add_monograph_edition(&edition)?;
    audit_bassin(ctx, actor, "monographie_publiee", bassin, format!("édition {number}"), now)?;
    Ok(edition)
}

/// Publishes an edition of every bassin of the hub, the store read once (the operator's
/// command line and the administrators' button, e.g. on a first start).
pub fn publish_all(
    ctx: &Context<'_>,
    actor: &Actor,
    territory: &Territory,
    now: DateTime<Utc>,
) -> AppResult<Vec<MonographEdition>> {
    actor.require(ctx, Permission::Administer)?;
    let sources = Sources::load(ctx.store, territory, now)?;
    sources.bassin_names().iter().map(|bassin| publish_from(ctx, actor, &sources, bassin, now)).collect()
}

/// An edition's monograph as it was published.
pub fn read_content(edition: &MonographEdition) -> AppResult<Monograph> {
    serde_json::from_str(&edition.content)
        .map_err(|err| AppError::Input(format!("édition {} illisible : {err}", edition.number)))
}

/// Whether the hub shows published editions to the public.
pub fn public_editions(ctx: &Context<'_>) -> AppResult<bool> {
    Ok(ctx.store.setting(PUBLIC_SETTING)?.as_deref() == Some("oui"))
}

/// Opens or closes published editions to the public (administrators).
pub fn set_public_editions(ctx: &Context<'_>, actor: &Actor, public: bool, now: DateTime<Utc>) -> AppResult<()> {
    actor.require(ctx, Permission::Administer)?;
    ctx.store.set_setting(PUBLIC_SETTING, if public { "oui" } else { "non" })?;
    ctx.audit(
        actor.id(),
        "monographies_visibilite",
        None,
        if public { "éditions publiées visibles du public" } else { "éditions réservées à l'équipe" },
        now,
    )
}

/// One edition by id: for the team of its bassin, or anyone once the hub shows editions.
pub fn edition(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<(MonographEdition, Monograph)> {
    let found = ctx.store.monograph_edition(id)?;
    let allowed = match &found {
        Some(edition) => actor.may(ctx, Permission::Monograph(&edition.bassin)) || public_editions(ctx)?,
        None => actor.may(ctx, Permission::Team),
    };
    if !allowed {
        // The same refusal whether it exists or not: ids say nothing to those who may not read.
        return Err(AppError::Forbidden(
            "Action refusée : ce bassin de vie n'est pas dans votre territoire.".to_owned(),
        ));
    }
    let edition =
        found.ok_or_else(|| AppError::Store(maillage_store::StoreError::NotFound(format!("édition {id}"))))?;
    let content = read_content(&edition)?;
    Ok((edition, content))
}

/// The bassin's last edition, for its public page: `None` when the hub keeps editions to
/// the team or there is none yet.
pub fn latest_public(ctx: &Context<'_>, bassin: &str) -> AppResult<Option<(MonographEdition, Monograph)>> {
    if !public_editions(ctx)? {
        return Ok(None);
    }
    let Some(edition) = ctx.store.monograph_editions(bassin)?.pop() else { return Ok(None) };
    let content = read_content(&edition)?;
    Ok(Some((edition, content)))
}

/// Two editions of one bassin compared figure by figure (the older first).
pub fn compare_editions(
    ctx: &Context<'_>,
    actor: &Actor,
    before: &str,
    after: &str,
) -> AppResult<(MonographEdition, MonographEdition, Vec<FigureChange>)> {
    let (a, old) = edition(ctx, actor, before)?;
    let (b, new) = edition(ctx, actor, after)?;
    if a.bassin != b.bassin {
        return Err(AppError::Invalid(vec![FieldError::new(
            "apres",
            "les deux éditions comparées doivent être du même bassin de vie",
        )]));
    }
    Ok((a, b, compare(&old.generated, &new.generated)))
}
