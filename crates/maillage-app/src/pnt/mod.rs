//! Projets numériques de territoire (PNT): each bassin's (département's, région's) plan and
//! its pipeline of projects from an idea to a voted project, with the incubator and the
//! prioritisation votes ([`votes`]) and the coverage evidence of the communes a project serves
//! ([`evidence`]).
//!
//! - Who: the public reads published projects and the plans; the hub's team reads every
//!   project; coordinators manage the PNT of their territories ([`Permission::Pnt`]: a bassin
//!   of theirs or of their départements, a département of theirs), administrators every one.
//! - Every write of a project keeps a version with who and when (the store's history); every
//!   guarded use case writes its audit entry itself.
//! - Stages: one step forward at a time, or a jump with a reason; back with a reason;
//!   `abandonné` from anywhere with a reason, and out of it (taken up again) with one.
//! - Bad input is refused whole with a French message naming the field (an unknown bassin, a
//!   negative amount, a stage skipped without reason), and nothing is written.

pub mod carriers;
pub mod demo;
pub mod evidence;
pub mod export;
pub mod votes;

use chrono::{DateTime, NaiveDate, Utc};
use maillage_store::{
    new_id, Funding, FundingStatus, IncubatorStage, IncubatorStep, Need, NeedKind, Party, Pnt, PntLevel, PntTerritory,
    Project, ProjectQuery, Stage, StageChange,
};
use serde::Serialize;

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::territory::Level;
use crate::{AppError, AppResult, FieldError};

/// Longest title kept, in characters.
const MAX_TITLE: usize = 200;
/// Longest description, notes or outputs kept, in characters.
pub(crate) const MAX_TEXT: usize = 10_000;
/// Most projects a page lists.
pub const MAX_PAGE: usize = 100;

/// The level of [`crate::territory::Level`] a PNT territory is checked at.
fn level(territory: &PntTerritory) -> Level {
    match territory.level {
        PntLevel::Bassin => Level::Bassin,
        PntLevel::Departement => Level::Departement,
        PntLevel::Region => Level::Region,
    }
}

fn areas(territories: &[PntTerritory]) -> Vec<(Level, String)> {
    territories.iter().map(|territory| (level(territory), territory.code.clone())).collect()
}

/// Refuses an actor who may not manage every one of these territories.
pub(crate) fn require_manage(ctx: &Context<'_>, actor: &Actor, territories: &[PntTerritory]) -> AppResult<()> {
    actor.require(ctx, Permission::Team)?;
    actor.require(ctx, Permission::Pnt(&areas(territories)))
}

/// Whether the actor may manage these territories' PNT (the pages ask it to offer buttons).
pub fn may_manage(ctx: &Context<'_>, actor: &Actor, territories: &[PntTerritory]) -> bool {
    actor.may(ctx, Permission::Team) && actor.may(ctx, Permission::Pnt(&areas(territories)))
}

/// The name a timeline shows for the actor.
pub(crate) fn actor_name(actor: &Actor) -> String {
    match actor {
        Actor::User(user) => user.name.clone(),
        Actor::System(name) => name.clone(),
        Actor::Public => "public".to_owned(),
    }
}

/// How a territory is named in the interface ("bassin de Chinon", "département 37").
pub fn territory_label(territory: &PntTerritory) -> String {
    match territory.level {
        PntLevel::Bassin => format!("bassin de vie de {}", territory.code),
        PntLevel::Departement => format!("département {}", territory.code),
        PntLevel::Region => format!("région {}", territory.code),
    }
}

/// Reads a territory key typed or chosen in a form (`bassin:Chinon`, `departement:37`), and
/// checks it exists: a bassin of the hub, a département or région of France.
pub fn parse_territory(ctx: &Context<'_>, field: &str, key: &str) -> Result<PntTerritory, FieldError> {
    let key = key.trim();
    let Some(territory) = PntTerritory::parse_key(key) else {
        return Err(FieldError::new(field, format!("territoire illisible « {key} » (bassin:Nom ou departement:code)")));
    };
    let locator = ctx.locator.ok_or_else(|| FieldError::new(field, "le territoire du hub n'est pas chargé"))?;
    let known = match territory.level {
        PntLevel::Bassin => locator.bassins.bassins().contains_key(&territory.code),
        PntLevel::Departement => locator.territory.departement(&territory.code).is_some(),
        PntLevel::Region => locator.territory.region(&territory.code).is_some(),
    };
    if !known {
        let what = match territory.level {
            PntLevel::Bassin => "bassin de vie inconnu",
            PntLevel::Departement => "département inconnu",
            PntLevel::Region => "région inconnue",
        };
        return Err(FieldError::new(field, format!("{what} « {} »", territory.code)));
    }
    Ok(territory)
}

/// The plan as a form sends it: lists one item a line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanForm {
    /// `bassin:Chinon`.
    pub territory: String,
    pub title: String,
    pub summary: String,
    /// One enjeu a line: `clé | Titre | description`.
    pub enjeux: String,
    /// One objective a line: `Titre | enjeu | ambition | action ; action`.
    pub objectives: String,
    /// Ids of the actors directory, separated by spaces, commas or lines.
    pub actors: String,
}

impl PlanForm {
    pub fn of(pnt: &Pnt) -> PlanForm {
        PlanForm {
            territory: pnt.territory.key(),
            title: pnt.title.clone(),
            summary: pnt.summary.clone(),
            enjeux: pnt
                .enjeux
                .iter()
                .map(|e| format!("{} | {} | {}", e.key, e.title, e.description))
                .collect::<Vec<_>>()
                .join("\n"),
            objectives: pnt
                .objectives
                .iter()
                .map(|o| {
                    format!(
                        "{} | {} | {} | {}",
                        o.title,
                        o.enjeu.as_deref().unwrap_or(""),
                        o.ambition,
                        o.actions.join(" ; ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            actors: pnt.actors.join("\n"),
        }
    }
}

fn cells(line: &str) -> Vec<String> {
    line.split('|').map(|cell| cell.trim().to_owned()).collect()
}

pub(crate) fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize, required: bool) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        errors.push(FieldError::new(field, "obligatoire"));
    }
    if value.chars().count() > max {
        errors.push(FieldError::new(field, format!("trop long ({max} caractères au plus)")));
    }
    value.to_owned()
}

fn check_actor_ids(ctx: &Context<'_>, errors: &mut Vec<FieldError>, field: &str, ids: &[String]) -> AppResult<()> {
    for id in ids {
        if ctx.store.stakeholder(id)?.is_none() {
            errors.push(FieldError::new(field, format!("acteur inconnu dans l'annuaire : « {id} »")));
        }
    }
    Ok(())
}

/// The plan of a territory (public: it names organisations only, by id).
pub fn plan(ctx: &Context<'_>, territory: &PntTerritory) -> AppResult<Option<Pnt>> {
    Ok(ctx.store.pnt(territory)?)
}

/// Every plan (public, as [`plan`]).
pub fn plans(ctx: &Context<'_>) -> AppResult<Vec<Pnt>> {
    Ok(ctx.store.pnts()?)
}

/// Creates (`version` 0) or replaces (`version` read) a territory's plan.
pub fn save_plan(ctx: &Context<'_>, actor: &Actor, form: &PlanForm, version: u32, at: DateTime<Utc>) -> AppResult<Pnt> {
    actor.require(ctx, Permission::Team)?;
    let territory = parse_territory(ctx, "territoire", &form.territory).map_err(|e| AppError::Invalid(vec![e]))?;
    require_manage(ctx, actor, std::slice::from_ref(&territory))?;
    let mut errors = Vec::new();
    let title = text(&mut errors, "titre", &form.title, MAX_TITLE, true);
    let summary = text(&mut errors, "présentation", &form.summary, MAX_TEXT, false);
    let mut enjeux = Vec::new();
    for (n, line) in form.enjeux.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let cells = cells(line);
        let key = cells[0].clone();
        let title = cells.get(1).cloned().unwrap_or_default();
        if key.is_empty() || title.is_empty() || key.contains(char::is_whitespace) {
            errors.push(FieldError::new(
                "enjeux",
                format!("ligne {} : « clé | titre | description » attendu, la clé sans espace", n + 1),
            ));
            continue;
        }
        enjeux.push(maillage_store::Enjeu { key, title, description: cells.get(2).cloned().unwrap_or_default() });
    }
    let mut objectives = Vec::new();
    for (n, line) in form.objectives.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let cells = cells(line);
        if cells[0].is_empty() {
            errors.push(FieldError::new("objectifs", format!("ligne {} : le titre manque", n + 1)));
            continue;
        }
        let enjeu = cells.get(1).filter(|key| !key.is_empty()).cloned();
        if let Some(key) = &enjeu {
            if !enjeux.iter().any(|e: &maillage_store::Enjeu| &e.key == key) {
                errors.push(FieldError::new("objectifs", format!("ligne {} : enjeu inconnu « {key} »", n + 1)));
            }
        }
        objectives.push(maillage_store::Objective {
            title: cells[0].clone(),
            enjeu,
            ambition: cells.get(2).cloned().unwrap_or_default(),
            actions: cells
                .get(3)
                .map(|actions| actions.split(';').map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default(),
        });
    }
    let actors: Vec<String> = form
        .actors
        .split([' ', ',', '\n', '\r'])
        .filter(|id| !id.trim().is_empty())
        .map(|id| id.trim().to_owned())
        .collect();
    check_actor_ids(ctx, &mut errors, "acteurs", &actors)?;
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let provenance = ctx.store.pnt(&territory)?.and_then(|stored| stored.provenance);
    let pnt = Pnt {
        territory,
        title,
        summary,
        enjeux,
        objectives,
        actors,
        provenance,
        updated_by: actor.id().map(str::to_owned),
        updated_at: at,
        version: version + 1,
    };
    ctx.store.save_pnt(&pnt)?;
    ctx.audit(actor.id(), "pnt_enregistre", Some(format!("pnt:{}", pnt.territory.key())), pnt.title.clone(), at)?;
    Ok(pnt)
}

/// One need as a form's row sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NeedForm {
    /// A [`NeedKind`] key; an empty row is ignored.
    pub kind: String,
    /// Euros.
    pub amount: String,
    pub etp: String,
    pub description: String,
}

impl NeedForm {
    pub fn of(need: &Need) -> NeedForm {
        NeedForm {
            kind: need.kind.as_str().to_owned(),
            amount: amount_text(need.amount),
            etp: need.etp.map(|etp| etp.to_string().replace('.', ",")).unwrap_or_default(),
            description: need.description.clone(),
        }
    }
}

/// One funding as a form's row sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FundingForm {
    pub funder: String,
    pub amount: String,
    /// A [`FundingStatus`] key.
    pub status: String,
}

/// A project as the form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectForm {
    pub title: String,
    pub description: String,
    /// Territory keys (`bassin:Chinon`, `departement:37`).
    pub territories: Vec<String>,
    pub axe: String,
    /// One organisation a line: a name, or `acteur:ID` for an entry of the actors directory.
    pub carriers: String,
    pub partners: String,
    pub needs: Vec<NeedForm>,
    pub funding: Vec<FundingForm>,
    /// INSEE codes, separated by spaces or commas.
    pub communes: String,
    /// Events where it was pitched, one a line: an event of the agenda (`evenement:ID`, or
    /// `Titre — date (evenement:ID)` as the suggestions write it) or free text.
    pub events: String,
    /// Where the project stands.
    pub progress: String,
}

fn amount_text(amount: Option<u64>) -> String {
    amount.map(|a| a.to_string()).unwrap_or_default()
}

impl ProjectForm {
    /// The form of a stored project, entries of the actors directory and events of the agenda
    /// written with their names when `names` ([`party_names`]) has them.
    pub fn of(project: &Project, names: &std::collections::BTreeMap<String, String>) -> ProjectForm {
        let event = |line: &String| match names.get(line) {
            Some(label) => format!("{label} ({line})"),
            None => line.clone(),
        };
        let lines = |parties: &[Party]| parties.iter().map(|p| party_line(p, names)).collect::<Vec<_>>().join("\n");
        ProjectForm {
            title: project.title.clone(),
            description: project.description.clone(),
            territories: project.territories.iter().map(PntTerritory::key).collect(),
            axe: project.axe.clone().unwrap_or_default(),
            carriers: lines(&project.carriers),
            partners: lines(&project.partners),
            needs: project.needs.iter().map(NeedForm::of).collect(),
            funding: project
                .funding
                .iter()
                .map(|funding| FundingForm {
                    funder: party_line(&funding.funder, names),
                    amount: funding.amount.to_string(),
                    status: funding.status.as_str().to_owned(),
                })
                .collect(),
            communes: project.communes.join(" "),
            events: project.events.iter().map(event).collect::<Vec<_>>().join("\n"),
            progress: project.progress.clone(),
        }
    }
}

/// Reads a whole number of euros (spaces and "€" allowed); a negative one is refused.
fn euros(errors: &mut Vec<FieldError>, field: &str, raw: &str) -> Option<u64> {
    let cleaned: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '€' && *c != '\u{202f}').collect();
    if cleaned.is_empty() {
        return None;
    }
    match cleaned.replace(',', ".").parse::<f64>() {
        Ok(value) if value < 0.0 => {
            errors.push(FieldError::new(field, format!("le montant ne peut pas être négatif ({raw})")));
            None
        }
        Ok(value) if value.is_finite() && value <= 1e12 => Some(value.round() as u64),
        _ => {
            errors.push(FieldError::new(field, format!("montant illisible « {raw} » (un nombre d'euros attendu)")));
            None
        }
    }
}

/// The id a form's line names with `prefix` (`acteur:`, `evenement:`): the line is `prefix`ID,
/// or `Libellé (prefix`ID`)` as the form's suggestions write it.
fn linked_id<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    line.strip_prefix(prefix).or_else(|| {
        let rest = line.strip_suffix(')')?;
        rest.rsplit_once(&format!("({prefix}")).map(|(_, id)| id)
    })
}

/// How a party is written in a form's line: its name, or `Nom (acteur:ID)` for an entry of the
/// actors directory (the suggestions' form; the id alone when the name is not known).
pub fn party_line(party: &Party, names: &std::collections::BTreeMap<String, String>) -> String {
    match party {
        Party::Acteur(id) => match names.get(id) {
            Some(name) => format!("{name} (acteur:{id})"),
            None => format!("acteur:{id}"),
        },
        Party::Nom(name) => name.clone(),
    }
}

fn parties(ctx: &Context<'_>, errors: &mut Vec<FieldError>, field: &str, lines: &str) -> AppResult<Vec<Party>> {
    let mut parties = Vec::new();
    for line in lines.lines().map(str::trim).filter(|line| !line.is_empty()) {
        match linked_id(line, "acteur:") {
            Some(id) => {
                let id = id.trim();
                if ctx.store.stakeholder(id)?.is_none() {
                    errors.push(FieldError::new(field, format!("acteur inconnu dans l'annuaire : « {id} »")));
                }
                parties.push(Party::Acteur(id.to_owned()));
            }
            None if line.chars().count() > MAX_TITLE => {
                errors.push(FieldError::new(field, format!("nom trop long ({MAX_TITLE} caractères au plus)")));
            }
            None => parties.push(Party::Nom(line.to_owned())),
        }
    }
    Ok(parties)
}

/// The checked content of a project form (everything but its id, stage and history).
struct ProjectContent {
    title: String,
    description: String,
    territories: Vec<PntTerritory>,
    axe: Option<String>,
    carriers: Vec<Party>,
    partners: Vec<Party>,
    needs: Vec<Need>,
    funding: Vec<Funding>,
    communes: Vec<String>,
    events: Vec<String>,
    progress: String,
}

/// The needs of a form's rows (blank rows ignored); problems named by row.
pub(crate) fn read_needs(errors: &mut Vec<FieldError>, rows: &[NeedForm]) -> Vec<Need> {
    let mut needs = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        let blank = row.amount.trim().is_empty() && row.etp.trim().is_empty() && row.description.trim().is_empty();
        if row.kind.trim().is_empty() && blank {
            continue;
        }
        let field = format!("besoins (ligne {})", n + 1);
        let Some(kind) = NeedKind::parse(row.kind.trim()) else {
            errors.push(FieldError::new(&field, format!("type de besoin inconnu « {} »", row.kind)));
            continue;
        };
        let amount = euros(errors, &format!("{field}, montant"), &row.amount);
        let etp = match row.etp.trim().replace(',', ".") {
            empty if empty.is_empty() => None,
            value => match value.parse::<f64>() {
                Ok(etp) if etp.is_finite() && (0.0..=1000.0).contains(&etp) => Some(etp),
                _ => {
                    errors.push(FieldError::new(
                        &format!("{field}, ETP"),
                        format!("nombre d'ETP illisible ou négatif « {} »", row.etp),
                    ));
                    None
                }
            },
        };
        let description = text(errors, &field, &row.description, MAX_TITLE * 5, false);
        needs.push(Need { kind, amount, etp, description });
    }
    needs
}

fn read_project(ctx: &Context<'_>, form: &ProjectForm) -> AppResult<ProjectContent> {
    let mut errors = Vec::new();
    let title = text(&mut errors, "titre", &form.title, MAX_TITLE, true);
    let description = text(&mut errors, "description", &form.description, MAX_TEXT, false);
    let mut territories = Vec::new();
    for key in form.territories.iter().filter(|key| !key.trim().is_empty()) {
        match parse_territory(ctx, "territoires", key) {
            Ok(territory) if !territories.contains(&territory) => territories.push(territory),
            Ok(_) => {}
            Err(err) => errors.push(err),
        }
    }
    if territories.is_empty() && !errors.iter().any(|e| e.field == "territoires") {
        errors.push(FieldError::new("territoires", "choisissez au moins un bassin de vie ou un département"));
    }
    let axe = Some(form.axe.trim().to_owned()).filter(|axe| !axe.is_empty());
    let carriers = parties(ctx, &mut errors, "porteurs", &form.carriers)?;
    let partners = parties(ctx, &mut errors, "partenaires", &form.partners)?;
    let needs = read_needs(&mut errors, &form.needs);
    let mut funding = Vec::new();
    for (n, row) in form.funding.iter().enumerate() {
        if row.funder.trim().is_empty() && row.amount.trim().is_empty() {
            continue;
        }
        let field = format!("financements (ligne {})", n + 1);
        let funder = parties(ctx, &mut errors, &field, &row.funder)?.into_iter().next();
        let amount = euros(&mut errors, &format!("{field}, montant"), &row.amount);
        let status = FundingStatus::parse(row.status.trim());
        match (funder, amount, status) {
            (Some(funder), Some(amount), Some(status)) => funding.push(Funding { funder, amount, status }),
            (None, _, _) => errors.push(FieldError::new(&field, "le financeur manque")),
            (_, None, _) if !errors.iter().any(|e| e.field.starts_with(&field)) => {
                errors.push(FieldError::new(&format!("{field}, montant"), "le montant manque"))
            }
            (_, _, None) => errors.push(FieldError::new(&format!("{field}, statut"), "demandée, accordée ou refusée")),
            _ => {}
        }
    }
    let mut communes = Vec::new();
    let locator = ctx.locator()?;
    for code in form.communes.split([' ', ',', ';', '\n', '\r']).map(str::trim).filter(|code| !code.is_empty()) {
        match locator.territory.resolve_code(code) {
            Some(commune) if !communes.contains(&commune.code_insee) => communes.push(commune.code_insee.clone()),
            Some(_) => {}
            None => errors.push(FieldError::new("communes", format!("code INSEE inconnu « {code} »"))),
        }
    }
    let mut events = Vec::new();
    for line in form.events.lines().map(str::trim).filter(|e| !e.is_empty()) {
        match linked_id(line, "evenement:") {
            Some(id) if ctx.store.event(id.trim())?.is_some() => events.push(format!("evenement:{}", id.trim())),
            Some(id) => errors.push(FieldError::new("évènements", format!("évènement inconnu de l'agenda « {id} »"))),
            None if line.chars().count() > MAX_TITLE => {
                errors.push(FieldError::new("évènements", format!("trop long ({MAX_TITLE} caractères au plus)")))
            }
            None => events.push(line.to_owned()),
        }
    }
    let progress = text(&mut errors, "avancement", &form.progress, MAX_TEXT, false);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(ProjectContent {
        title,
        description,
        territories,
        axe,
        carriers,
        partners,
        needs,
        funding,
        communes,
        events,
        progress,
    })
}

pub(crate) fn audit_project(
    ctx: &Context<'_>,
    actor: &Actor,
    action: &str,
    project: &Project,
    detail: String,
) -> AppResult<()> {
    ctx.audit(actor.id(), action, Some(format!("projet:{}", project.id)), detail, project.updated_at)
}

/// A new project at the idea stage (or `stage` given, e.g. an existing project entered late).
pub fn create_project(
    ctx: &Context<'_>,
    actor: &Actor,
    form: &ProjectForm,
    stage: Stage,
    at: DateTime<Utc>,
) -> AppResult<Project> {
    actor.require(ctx, Permission::Team)?;
    let content = read_project(ctx, form)?;
    require_manage(ctx, actor, &content.territories)?;
    let name = actor_name(actor);
    let project = Project {
        id: new_id(),
        title: content.title,
        description: content.description,
        territories: content.territories,
        axe: content.axe,
        stage,
        stages: vec![StageChange { stage, at, by: actor.id().map(str::to_owned), by_name: name.clone(), reason: None }],
        carriers: content.carriers,
        partners: content.partners,
        needs: content.needs,
        funding: content.funding,
        communes: content.communes,
        events: content.events,
        incubator: Vec::new(),
        progress: content.progress,
        carrier_accounts: Vec::new(),
        published: false,
        created_by: actor.id().map(str::to_owned),
        created_at: at,
        updated_by: actor.id().map(str::to_owned),
        updated_by_name: name,
        updated_at: at,
        version: 1,
    };
    ctx.store.add_project(&project)?;
    audit_project(ctx, actor, "projet_cree", &project, format!("« {} » ({})", project.title, stage.label()))?;
    Ok(project)
}

/// The stored project at `version`, which the actor may manage.
pub(crate) fn managed(ctx: &Context<'_>, actor: &Actor, id: &str, version: u32) -> AppResult<Project> {
    actor.require(ctx, Permission::Team)?;
    let project = ctx.store.project(id)?.ok_or_else(|| maillage_store::project_not_found(id))?;
    require_manage(ctx, actor, &project.territories)?;
    if project.version != version {
        return Err(maillage_store::stale_project_error(id).into());
    }
    Ok(project)
}

/// `project` as the actor's next version of it.
pub(crate) fn next_version(actor: &Actor, project: Project, at: DateTime<Utc>) -> Project {
    Project {
        version: project.version + 1,
        updated_by: actor.id().map(str::to_owned),
        updated_by_name: actor_name(actor),
        updated_at: at,
        ..project
    }
}

/// Replaces a project's content (not its stage, incubator or publication). Moving it to
/// territories the actor does not manage is refused.
pub fn update_project(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    version: u32,
    form: &ProjectForm,
    at: DateTime<Utc>,
) -> AppResult<Project> {
    let stored = managed(ctx, actor, id, version)?;
    let content = read_project(ctx, form)?;
    require_manage(ctx, actor, &content.territories)?;
    let project = Project {
        title: content.title,
        description: content.description,
        territories: content.territories,
        axe: content.axe,
        carriers: content.carriers,
        partners: content.partners,
        needs: content.needs,
        funding: content.funding,
        communes: content.communes,
        events: content.events,
        progress: content.progress,
        ..next_version(actor, stored, at)
    };
    ctx.store.update_project(&project)?;
    audit_project(ctx, actor, "projet_modifie", &project, format!("« {} »", project.title))?;
    Ok(project)
}

/// Why a change of stage needs a reason, if it does: a skipped stage, a step back, an
/// abandonment, a project taken up again.
pub fn reason_needed(from: Stage, to: Stage) -> Option<String> {
    match (from.rank(), to.rank()) {
        (_, None) => Some("abandonner un projet demande un motif".to_owned()),
        (None, Some(_)) => Some("reprendre un projet abandonné demande un motif".to_owned()),
        (Some(a), Some(b)) if b > a + 1 => Some(format!(
            "passer de « {} » à « {} » saute une étape : dites pourquoi dans le motif",
            from.label(),
            to.label()
        )),
        (Some(a), Some(b)) if b < a => {
            Some(format!("revenir de « {} » à « {} » demande un motif", from.label(), to.label()))
        }
        _ => None,
    }
}

/// Moves a project to another stage, dated, with who and why.
pub fn change_stage(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    version: u32,
    stage: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> AppResult<Project> {
    let stored = managed(ctx, actor, id, version)?;
    let Some(to) = Stage::parse(stage.trim()) else {
        return Err(AppError::Invalid(vec![FieldError::new("étape", format!("étape inconnue « {stage} »"))]));
    };
    if to == stored.stage {
        return Err(AppError::Invalid(vec![FieldError::new(
            "étape",
            format!("le projet est déjà « {} »", to.label()),
        )]));
    }
    let reason = reason.trim();
    if reason.chars().count() > MAX_TITLE * 5 {
        return Err(AppError::Invalid(vec![FieldError::new("motif", "trop long (1 000 caractères au plus)")]));
    }
    if let Some(why) = reason_needed(stored.stage, to).filter(|_| reason.is_empty()) {
        return Err(AppError::Invalid(vec![FieldError::new("motif", why)]));
    }
    let from = stored.stage;
    let mut project = next_version(actor, stored, at);
    project.stage = to;
    project.stages.push(StageChange {
        stage: to,
        at,
        by: actor.id().map(str::to_owned),
        by_name: actor_name(actor),
        reason: Some(reason.to_owned()).filter(|r| !r.is_empty()),
    });
    ctx.store.update_project(&project)?;
    audit_project(
        ctx,
        actor,
        "projet_etape",
        &project,
        format!("« {} » : {} → {}", project.title, from.label(), to.label()),
    )?;
    Ok(project)
}

/// An incubator step as the form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IncubatorForm {
    /// An [`IncubatorStage`] key.
    pub stage: String,
    /// `AAAA-MM-JJ`.
    pub date: String,
    /// One organisation a line (a name or `acteur:ID`).
    pub participants: String,
    pub notes: String,
    pub outputs: String,
    /// Euros.
    pub seed_budget: String,
}

/// Records an incubator step of a project.
pub fn add_incubator_step(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    version: u32,
    form: &IncubatorForm,
    at: DateTime<Utc>,
) -> AppResult<Project> {
    let stored = managed(ctx, actor, id, version)?;
    let mut errors = Vec::new();
    let stage = IncubatorStage::parse(form.stage.trim());
    if stage.is_none() {
        errors.push(FieldError::new("étape de l'incubateur", "coaching, prototypage ou accélérateur"));
    }
    let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d").ok();
    if date.is_none() {
        errors.push(FieldError::new("date", format!("date illisible « {} » (AAAA-MM-JJ)", form.date)));
    }
    let participants = parties(ctx, &mut errors, "participants", &form.participants)?;
    let notes = text(&mut errors, "notes", &form.notes, MAX_TEXT, false);
    let outputs = text(&mut errors, "productions", &form.outputs, MAX_TEXT, false);
    let seed_budget = euros(&mut errors, "budget d'amorçage", &form.seed_budget);
    let (Some(stage), Some(date), true) = (stage, date, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let mut project = next_version(actor, stored, at);
    project.incubator.push(IncubatorStep { stage, date, participants, notes, outputs, seed_budget });
    project.incubator.sort_by_key(|step| (step.date, step.stage));
    ctx.store.update_project(&project)?;
    audit_project(ctx, actor, "projet_incubateur", &project, format!("« {} » : {}", project.title, stage.label()))?;
    Ok(project)
}

/// Publishes a project (the public sees it) or takes it back.
pub fn set_published(
    ctx: &Context<'_>,
    actor: &Actor,
    id: &str,
    version: u32,
    published: bool,
    at: DateTime<Utc>,
) -> AppResult<Project> {
    let stored = managed(ctx, actor, id, version)?;
    let mut project = next_version(actor, stored, at);
    project.published = published;
    ctx.store.update_project(&project)?;
    let action = if published { "projet_publie" } else { "projet_depublie" };
    audit_project(ctx, actor, action, &project, format!("« {} »", project.title))?;
    Ok(project)
}

/// A project as the actor may see it: a published one for anyone, any other for the hub's team.
pub fn project(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<Project> {
    let project = ctx.store.project(id)?.ok_or_else(|| maillage_store::project_not_found(id))?;
    if !project.published {
        actor.require(ctx, Permission::Team)?;
    }
    Ok(project)
}

/// Every version of a project, oldest first (the hub's team).
pub fn history(ctx: &Context<'_>, actor: &Actor, id: &str) -> AppResult<Vec<Project>> {
    actor.require(ctx, Permission::Team)?;
    let versions = ctx.store.project_history(id)?;
    if versions.is_empty() {
        return Err(maillage_store::project_not_found(id).into());
    }
    Ok(versions)
}

/// What the projethèque filters on, as read from a query string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectFilter {
    pub territory: Option<PntTerritory>,
    pub stage: Option<Stage>,
    pub axe: Option<String>,
    pub need: Option<NeedKind>,
}

/// A page of projects and what comes next.
#[derive(Clone, Debug, Serialize)]
pub struct ProjectPage {
    pub projects: Vec<Project>,
    /// How many match the filter in all.
    pub total: u64,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// A page cursor: the last project's sort key and id.
pub fn cursor(project: &Project) -> String {
    format!("{}~{}", project.sort_key(), project.id)
}

fn read_cursor(cursor: Option<&str>) -> AppResult<Option<(String, String)>> {
    match cursor {
        None => Ok(None),
        Some(text) => match text.rsplit_once('~') {
            Some((key, id)) if !id.is_empty() => Ok(Some((key.to_owned(), id.to_owned()))),
            _ => Err(AppError::Invalid(vec![FieldError::new("apres", "curseur de page illisible")])),
        },
    }
}

fn page(ctx: &Context<'_>, mut query: ProjectQuery, after: Option<&str>, limit: usize) -> AppResult<ProjectPage> {
    let limit = limit.clamp(1, MAX_PAGE);
    query.after = read_cursor(after)?;
    query.limit = limit + 1;
    let mut projects = ctx.store.projects(&query)?;
    let next = if projects.len() > limit {
        projects.truncate(limit);
        projects.last().map(cursor)
    } else {
        None
    };
    let total = ctx.store.count_projects(&ProjectQuery { after: None, ..query })?;
    Ok(ProjectPage { projects, total, next })
}

fn query_of(filter: &ProjectFilter) -> ProjectQuery {
    ProjectQuery {
        territory: filter.territory.clone(),
        stage: filter.stage,
        axe: filter.axe.clone(),
        need: filter.need,
        ..ProjectQuery::default()
    }
}

/// The projethèque: published projects only, by title, a page after `after`.
pub fn public_projects(
    ctx: &Context<'_>,
    filter: &ProjectFilter,
    after: Option<&str>,
    limit: usize,
) -> AppResult<ProjectPage> {
    page(ctx, ProjectQuery { published_only: true, ..query_of(filter) }, after, limit)
}

/// Every project, published or not, for the hub's team.
pub fn projects(
    ctx: &Context<'_>,
    actor: &Actor,
    filter: &ProjectFilter,
    after: Option<&str>,
    limit: usize,
) -> AppResult<ProjectPage> {
    actor.require(ctx, Permission::Team)?;
    page(ctx, query_of(filter), after, limit)
}

/// Every published project matching the filter (exports), by title.
pub fn all_public_projects(ctx: &Context<'_>, filter: &ProjectFilter) -> AppResult<Vec<Project>> {
    let query = ProjectQuery { published_only: true, limit: usize::MAX >> 1, ..query_of(filter) };
    Ok(ctx.store.projects(&query)?)
}

/// The ids of the actors directory a project names (carriers, partners, funders, incubator
/// participants).
pub(crate) fn actor_ids(project: &Project) -> Vec<String> {
    let parties = project.carriers.iter().chain(&project.partners);
    let funders = project.funding.iter().map(|f| &f.funder);
    let participants = project.incubator.iter().flat_map(|step| &step.participants);
    parties
        .chain(funders)
        .chain(participants)
        .filter_map(|party| match party {
            Party::Acteur(id) => Some(id.clone()),
            Party::Nom(_) => None,
        })
        .collect()
}

/// A project's published content: the public names of the organisations it names (people
/// are shown by their kind only), by id, and the title and date of the public events of the
/// agenda it links to, by line (`evenement:ID`).
pub fn party_names(ctx: &Context<'_>, project: &Project) -> AppResult<std::collections::BTreeMap<String, String>> {
    let mut names = crate::actors::public_names(ctx.store, &actor_ids(project))?;
    names.extend(event_labels(ctx, project)?);
    Ok(names)
}

/// The entries of the actors directory a project form offers (`Nom (acteur:ID)`, by name),
/// for the hub's team.
pub fn actor_suggestions(ctx: &Context<'_>, actor: &Actor, limit: usize) -> AppResult<Vec<String>> {
    let mut entries = crate::actors::stakeholders(ctx, actor, &Default::default())?;
    entries.truncate(limit);
    Ok(entries.into_iter().map(|entry| format!("{} (acteur:{})", entry.name, entry.id)).collect())
}

/// The events of the agenda a project form offers (`Titre — JJ/MM/AAAA (evenement:ID)`, the
/// most recent first): those the actor manages, from two years back to a year ahead.
pub fn event_suggestions(ctx: &Context<'_>, actor: &Actor, now: DateTime<Utc>, limit: usize) -> AppResult<Vec<String>> {
    let query = maillage_store::EventQuery {
        ending_after: Some(now - chrono::TimeDelta::days(730)),
        starting_before: Some(now + chrono::TimeDelta::days(365)),
    };
    let mut events = crate::agenda::managed_events(ctx, actor, &query)?;
    events.reverse();
    events.truncate(limit);
    Ok(events.iter().map(|event| format!("{} (evenement:{})", event_label(event), event.id)).collect())
}

fn event_label(event: &maillage_store::Event) -> String {
    format!("{} — {}", event.title, crate::agenda::local_day(event.starts_at()).format("%d/%m/%Y"))
}

/// The title and date of each public event of the agenda a project links to, by its line
/// (`evenement:ID`); an event not public is left out (the page names it generically).
fn event_labels(ctx: &Context<'_>, project: &Project) -> AppResult<std::collections::BTreeMap<String, String>> {
    let mut labels = std::collections::BTreeMap::new();
    for line in &project.events {
        let Some(id) = line.strip_prefix("evenement:") else { continue };
        if let Some(event) = ctx.store.event(id)?.filter(maillage_store::Event::is_public) {
            labels.insert(line.clone(), event_label(&event));
        }
    }
    Ok(labels)
}

/// How a party is named, given [`party_names`].
pub fn party_name(party: &Party, names: &std::collections::BTreeMap<String, String>) -> String {
    match party {
        Party::Nom(name) => name.clone(),
        Party::Acteur(id) => names.get(id).cloned().unwrap_or_else(|| "acteur retiré de l'annuaire".to_owned()),
    }
}
