//! A project's carriers (porteurs) keep its description, needs and progress up to date, moderated
//! as place edits are: a carrier proposes, a coordinator of the project's territory approves
//! (the change becomes the project's next version) or refuses with a reason; the public only
//! ever sees approved versions.
//!
//! Who carries a project ([`Permission::Carry`]): the gestionnaires of a registry place behind
//! one of its carriers (an entry of the actors directory standing for that place), and the
//! accounts the hub invited for the project ([`invite_carrier`]).

use chrono::{DateTime, Utc};
use maillage_domain::PlaceId;
use maillage_store::{new_id, Party, Project, ProjectProposal, ProjectQuery, ProposalStatus, Role};

use super::{actor_name, audit_project, managed, next_version, read_needs, require_manage, text, NeedForm, MAX_TEXT};
use crate::accounts::{new_user, send_invitation, Actor, Permission};
use crate::context::Context;
use crate::mail::Mail;
use crate::{AppError, AppResult, FieldError};

/// What a carrier may change, as the form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CarrierForm {
    pub description: String,
    pub needs: Vec<NeedForm>,
    pub progress: String,
    /// What the carrier tells the coordinator about the change.
    pub note: String,
}

impl CarrierForm {
    pub fn of(project: &Project) -> CarrierForm {
        CarrierForm {
            description: project.description.clone(),
            needs: project.needs.iter().map(NeedForm::of).collect(),
            progress: project.progress.clone(),
            note: String::new(),
        }
    }
}

/// The registry places behind a project's carriers (following merged entries of the directory).
fn carrier_places(ctx: &Context<'_>, project: &Project) -> AppResult<Vec<PlaceId>> {
    let mut places = Vec::new();
    for party in &project.carriers {
        let Party::Acteur(id) = party else { continue };
        let mut entry = ctx.store.stakeholder(id)?;
        // A merged entry stands for nothing itself: the one it was merged into does.
        for _ in 0..8 {
            match entry.as_ref().and_then(|e| e.merged_into.clone()) {
                Some(into) => entry = ctx.store.stakeholder(&into)?,
                None => break,
            }
        }
        places.extend(entry.and_then(|e| e.place_id));
    }
    Ok(places)
}

/// Whether the actor carries the project (see [`Permission::Carry`]).
fn carries(ctx: &Context<'_>, actor: &Actor, project: &Project) -> AppResult<bool> {
    let places = carrier_places(ctx, project)?;
    Ok(actor.may(ctx, Permission::Carry { places: &places, accounts: &project.carrier_accounts }))
}

fn require_carry(ctx: &Context<'_>, actor: &Actor, project: &Project) -> AppResult<()> {
    let places = carrier_places(ctx, project)?;
    actor.require(ctx, Permission::Carry { places: &places, accounts: &project.carrier_accounts })
}

fn load(ctx: &Context<'_>, id: &str) -> AppResult<Project> {
    Ok(ctx.store.project(id)?.ok_or_else(|| maillage_store::project_not_found(id))?)
}

/// The projects the actor carries, by title (published or not: they are its own).
pub fn carried_projects(ctx: &Context<'_>, actor: &Actor) -> AppResult<Vec<Project>> {
    if !actor.user().is_some_and(|user| user.active) {
        return Err(AppError::Forbidden("Action refusée : réservé aux personnes connectées.".to_owned()));
    }
    let every = ctx.store.projects(&ProjectQuery { limit: usize::MAX >> 1, ..ProjectQuery::default() })?;
    let mut carried = Vec::new();
    for project in every {
        if carries(ctx, actor, &project)? {
            carried.push(project);
        }
    }
    Ok(carried)
}

/// A project its carrier is about to change, with the carrier's own proposals (newest first).
pub fn carried_project(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<(Project, Vec<ProjectProposal>)> {
    let project = load(ctx, id)?;
    require_carry(ctx, actor, &project)?;
    let author = actor.id().unwrap_or_default();
    let mut mine: Vec<ProjectProposal> =
        ctx.store.project_proposals(Some(id), false)?.into_iter().filter(|p| p.author == author).collect();
    mine.reverse();
    Ok((project, mine))
}

/// A carrier proposes a new description, needs and progress, written on `base_version`;
/// it waits for a coordinator's decision and the published project does not change.
pub fn propose_change(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    base_version: u32,
    form: &CarrierForm,
    at: DateTime<Utc>,
) -> AppResult<ProjectProposal> {
    let project = load(ctx, id)?;
    require_carry(ctx, actor, &project)?;
    if project.version != base_version {
        return Err(maillage_store::stale_project_error(id).into());
    }
    let mut errors = Vec::new();
    let description = text(&mut errors, "description", &form.description, MAX_TEXT, false);
    let needs = read_needs(&mut errors, &form.needs);
    let progress = text(&mut errors, "avancement", &form.progress, MAX_TEXT, false);
    let note = text(&mut errors, "message", &form.note, 1_000, false);
    if errors.is_empty() && description == project.description && needs == project.needs && progress == project.progress
    {
        errors.push(FieldError::new("description", "rien n'a changé par rapport au projet publié"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let proposal = ProjectProposal {
        id: new_id(),
        project_id: project.id.clone(),
        base_version,
        author: actor.id().unwrap_or_default().to_owned(),
        author_name: actor_name(actor),
        created_at: at,
        description,
        needs,
        progress,
        note,
        status: ProposalStatus::Pending,
        reviewer: None,
        reviewed_at: None,
        reason: None,
    };
    ctx.store.add_project_proposal(&proposal)?;
    ctx.audit(
        actor.id(),
        "projet_modification_proposee",
        Some(format!("projet:{}", project.id)),
        format!("proposition {}", proposal.id),
        at,
    )?;
    Ok(proposal)
}

/// The pending proposals on a project, oldest first, for a coordinator of its territory.
pub fn pending_proposals(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<Vec<ProjectProposal>> {
    let project = load(ctx, id)?;
    require_manage(ctx, actor, &project.territories)?;
    Ok(ctx.store.project_proposals(Some(id), true)?)
}

/// The pending proposal and its project, which the actor may manage.
fn pending(ctx: &Context<'_>, actor: &Actor, proposal_id: &str) -> AppResult<(ProjectProposal, Project)> {
    let proposal = ctx
        .store
        .project_proposal(proposal_id)?
        .ok_or_else(|| maillage_store::project_proposal_not_found(proposal_id))?;
    let project = load(ctx, &proposal.project_id)?;
    require_manage(ctx, actor, &project.territories)?;
    if proposal.status != ProposalStatus::Pending {
        return Err(maillage_store::decided_proposal_error(proposal_id).into());
    }
    Ok((proposal, project))
}

fn decided(
    proposal: ProjectProposal,
    status: ProposalStatus,
    actor: &Actor,
    reason: Option<String>,
    at: DateTime<Utc>,
) -> ProjectProposal {
    ProjectProposal { status, reviewer: actor.id().map(str::to_owned), reviewed_at: Some(at), reason, ..proposal }
}

/// Tells the carrier what became of the proposal, when the hub sends mail.
fn tell_author(ctx: &Context<'_>, proposal: &ProjectProposal, subject: String, body: String) -> AppResult<()> {
    if ctx.mailing.is_none() {
        return Ok(());
    }
    if let Some(author) = ctx.store.user(&proposal.author)? {
        let link = ctx.link(&format!("/admin/mes-projets/{}", proposal.project_id))?;
        let body = format!("Bonjour {},\n\n{body}\n\nVotre projet : {link}\n", author.name);
        ctx.send(&Mail { to: author.email, subject, body }, "proposition_projet")?;
    }
    Ok(())
}

/// Approves a proposal: the project's next version takes its description, needs and progress,
/// written on `seen_version` (the version the coordinator compared it with).
pub fn approve_proposal(
    ctx: &Context<'_>,
    actor: &Actor,
    proposal_id: &str,
    seen_version: u32,
    at: DateTime<Utc>,
) -> AppResult<Project> {
    let (proposal, project) = pending(ctx, actor, proposal_id)?;
    let stored = managed(ctx, actor, &project.id, seen_version)?;
    let mut next = next_version(actor, stored, at);
    next.description = proposal.description.clone();
    next.needs = proposal.needs.clone();
    next.progress = proposal.progress.clone();
    next.updated_by = Some(proposal.author.clone());
    next.updated_by_name = format!("{} (approuvé par {})", proposal.author_name, actor_name(actor));
    let decision = decided(proposal, ProposalStatus::Approved, actor, None, at);
    ctx.store.decide_project_proposal(&decision, Some(&next))?;
    audit_project(ctx, actor, "projet_proposition_approuvee", &next, format!("proposition {proposal_id}"))?;
    tell_author(
        ctx,
        &decision,
        format!("Votre modification de « {} » est publiée", next.title),
        "Votre modification a été acceptée par la coordination du hub.".to_owned(),
    )?;
    Ok(next)
}

/// Refuses a proposal with a reason, which the carrier is told.
pub fn reject_proposal(
    ctx: &Context<'_>,
    actor: &Actor,
    proposal_id: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> AppResult<ProjectProposal> {
    let (proposal, project) = pending(ctx, actor, proposal_id)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new("motif", "indiquez pourquoi la proposition est refusée")]));
    }
    if reason.chars().count() > 1_000 {
        return Err(AppError::Invalid(vec![FieldError::new("motif", "trop long (1 000 caractères au plus)")]));
    }
    let decision = decided(proposal, ProposalStatus::Rejected, actor, Some(reason.to_owned()), at);
    ctx.store.decide_project_proposal(&decision, None)?;
    ctx.audit(
        actor.id(),
        "projet_proposition_refusee",
        Some(format!("projet:{}", project.id)),
        format!("proposition {proposal_id}"),
        at,
    )?;
    tell_author(
        ctx,
        &decision,
        format!("Votre modification de « {} » n'a pas été retenue", project.title),
        format!("Votre modification n'a pas été retenue, pour la raison suivante :\n\n{reason}"),
    )?;
    Ok(decision)
}

/// The hub invites a person to carry a project: an account (a gestionnaire without places, made
/// and sent its invitation if the address is new) added to the project's carrier accounts.
pub fn invite_carrier(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    version: u32,
    email: &str,
    name: &str,
    at: DateTime<Utc>,
) -> AppResult<Project> {
    let stored = managed(ctx, actor, id, version)?;
    actor.require(ctx, Permission::InviteManager)?;
    let (user, new) = match ctx.store.user_by_email(&crate::accounts::normalise_email(email))? {
        Some(user) => (user, false),
        None => (new_user(email, name, Role::Gestionnaire { places: Vec::new() }, at)?, true),
    };
    if stored.carrier_accounts.contains(&user.id) {
        return Err(AppError::Invalid(vec![FieldError::new("courriel", "cette personne porte déjà le projet")]));
    }
    if new {
        ctx.store.insert_user(&user)?;
        send_invitation(ctx, &user, at)?;
    }
    let mut project = next_version(actor, stored, at);
    project.carrier_accounts.push(user.id.clone());
    ctx.store.update_project(&project)?;
    audit_project(ctx, actor, "projet_porteur_invite", &project, format!("compte {}", user.id))?;
    Ok(project)
}
