//! Who is asking and what they may do: the one place roles and scopes are decided. Every use
//! case that writes, or reads what is not public, calls [`Actor::require`] itself before it
//! reads anything else, so a check forgotten at an edge cannot open a write.

use maillage_domain::{Place, PlaceId, PlaceRecord};
use maillage_store::{Role, User};

use crate::context::Context;
use crate::territory::Level;
use crate::{AppError, AppResult};

/// The name the operator's command line acts under when it is given none.
pub const OPERATOR: &str = "ligne de commande";

/// Who is asking: the public, a signed-in user, or the hub itself.
#[derive(Clone, Debug, PartialEq)]
pub enum Actor {
    Public,
    User(User),
    /// The hub acting on its own: the command line run on the server (whoever runs it can
    /// open the database anyway, so a role check there would protect nothing) and the
    /// server's scheduled tasks (campaign reminders). It may do what an administrator may,
    /// except what only a person can do (claim a place). Its name is what decisions record
    /// as their author (`maillage duplicates resolve --by`); its audit entries name no
    /// account. The web layer never builds it from a request.
    System(String),
}

/// What an actor may be allowed to do.
#[derive(Clone, Copy, Debug)]
pub enum Permission<'a> {
    /// Users and roles, the outbox, the audit log, the hub's configuration (bassins,
    /// sources and imports, indicators, branding), backups, duplicate scans: administrators.
    Administer,
    /// Invite a gestionnaire: administrators and coordinators.
    InviteManager,
    /// The hub team's own tools (the actors directory and what names people met):
    /// administrators and coordinators.
    Team,
    /// See the moderation queue (filtered to the actor's scope): administrators and
    /// coordinators.
    SeeQueue,
    /// Approve, reject, revert, create, mark trusted, read the history: administrators
    /// and the coordinators whose territory holds the place.
    Moderate(&'a PlaceRecord),
    /// Propose or publish an edit: moderators of the place, and the gestionnaires who
    /// manage it.
    Edit(&'a Place),
    /// Ask to manage a place: any signed-in gestionnaire.
    Claim,
    /// Start a campaign on these areas: administrators, and coordinators whose scope holds
    /// every area.
    Campaign(&'a [(Level, String)]),
    /// Manage the projets numériques de territoire of these territories (plans, projects,
    /// incubator, votes): administrators, and coordinators whose scope holds every one of
    /// them (a bassin of theirs or of their départements, a département of theirs; a région
    /// is the administrators').
    Pnt(&'a [(Level, String)]),
    /// Manage an event of the agenda held in this département (`None`: a regional one):
    /// administrators, and the coordinators whose territory holds the département.
    Agenda(Option<&'a str>),
    /// Write a bassin de vie's monograph, publish and read its editions (named by the
    /// bassin's name): administrators, and the coordinators whose scope holds the bassin (named,
    /// or in one of their départements).
    Monograph(&'a str),
    /// Propose changes to a territorial project it carries: the gestionnaires of a place
    /// that carries it (`places`: the registry places behind its carriers), the accounts the
    /// hub invited for it (`accounts`), and administrators.
    Carry { places: &'a [PlaceId], accounts: &'a [String] },
}

impl Actor {
    /// The command line's actor (see [`Actor::System`]).
    pub fn operator(name: Option<&str>) -> Actor {
        Actor::System(name.map(str::trim).filter(|name| !name.is_empty()).unwrap_or(OPERATOR).to_owned())
    }

    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::User(user) => Some(user),
            Actor::Public | Actor::System(_) => None,
        }
    }

    /// The account id audit entries name (none for the public and the hub itself).
    pub fn id(&self) -> Option<&str> {
        self.user().map(|user| user.id.as_str())
    }

    fn role(&self) -> Option<&Role> {
        self.user().map(|user| &user.role)
    }

    /// Whether a coordinator's (or an administrator's) territory holds the place. Without a
    /// locator in the context, no coordinator's does.
    pub fn covers(&self, ctx: &Context<'_>, record: &PlaceRecord) -> bool {
        match (self, self.role()) {
            (Actor::System(_), _) | (_, Some(Role::Administrateur)) => true,
            (_, Some(Role::Coordinateur { departements, bassins })) => {
                match ctx.locator.and_then(|locator| locator.locate(record)) {
                    Some(location) => {
                        departements.contains(&location.code_departement)
                            || location.bassin.as_ref().is_some_and(|bassin| bassins.contains(bassin))
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }

    /// Whether a gestionnaire manages the place.
    pub fn manages(&self, place: &PlaceId) -> bool {
        matches!(self.role(), Some(Role::Gestionnaire { places }) if places.contains(place))
    }

    /// Whether a coordinator's (or an administrator's) territory holds this département: named
    /// in its scope, or holding one of its bassins. Without a locator, a coordinator scoped by
    /// bassins only holds none.
    pub fn covers_departement(&self, ctx: &Context<'_>, code: &str) -> bool {
        match (self, self.role()) {
            (Actor::System(_), _) | (_, Some(Role::Administrateur)) => true,
            (_, Some(Role::Coordinateur { departements, bassins })) => {
                departements.iter().any(|d| d == code)
                    || ctx.locator.is_some_and(|locator| {
                        bassins.iter().any(|b| locator.bassins.bassins().get(b).is_some_and(|d| d == code))
                    })
            }
            _ => false,
        }
    }

    fn covers_area(&self, ctx: &Context<'_>, level: Level, code: &str) -> bool {
        let coordinator = match (self, self.role()) {
            (Actor::System(_), _) | (_, Some(Role::Administrateur)) => return true,
            (_, Some(Role::Coordinateur { departements, bassins })) => (departements, bassins),
            _ => return false,
        };
        let (departements, bassins) = coordinator;
        let Some(locator) = ctx.locator else { return false };
        match level {
            Level::Departement => departements.iter().any(|d| d == code),
            Level::Bassin => {
                bassins.iter().any(|b| b == code)
                    || locator.bassins.bassins().get(code).is_some_and(|d| departements.contains(d))
            }
            Level::Commune => {
                locator.territory.commune(code).is_some_and(|commune| departements.contains(&commune.code_departement))
            }
            Level::Epci | Level::Region => false,
        }
    }

    /// Whether the actor may; see [`Permission`].
    pub fn may(&self, ctx: &Context<'_>, permission: Permission<'_>) -> bool {
        if let Actor::System(_) = self {
            return !matches!(permission, Permission::Claim);
        }
        let Some(user) = self.user() else { return false };
        if !user.active {
            return false;
        }
        let moderator = matches!(user.role, Role::Administrateur | Role::Coordinateur { .. });
        match permission {
            Permission::Administer => matches!(user.role, Role::Administrateur),
            Permission::InviteManager | Permission::SeeQueue | Permission::Team => moderator,
            Permission::Moderate(record) => self.covers(ctx, record),
            Permission::Edit(place) => self.covers(ctx, &place.record) || self.manages(&place.id),
            Permission::Claim => matches!(user.role, Role::Gestionnaire { .. }),
            Permission::Campaign(areas) | Permission::Pnt(areas) => {
                !areas.is_empty() && areas.iter().all(|(level, code)| self.covers_area(ctx, *level, code))
            }
            Permission::Agenda(Some(departement)) => moderator && self.covers_departement(ctx, departement),
            Permission::Agenda(None) => matches!(user.role, Role::Administrateur),
            Permission::Monograph(bassin) => moderator && self.covers_area(ctx, Level::Bassin, bassin),
            Permission::Carry { places, accounts } => {
                matches!(user.role, Role::Administrateur)
                    || accounts.contains(&user.id)
                    || places.iter().any(|place| self.manages(place))
            }
        }
    }

    /// [`Actor::may`], as an error that says what was refused.
    pub fn require(&self, ctx: &Context<'_>, permission: Permission<'_>) -> AppResult<()> {
        if self.may(ctx, permission) {
            return Ok(());
        }
        let what = match permission {
            Permission::Administer => "réservé aux administrateurs du hub",
            Permission::InviteManager | Permission::SeeQueue => "réservé aux coordinateurs et administrateurs",
            Permission::Team => "réservé à l'équipe du hub (coordinateurs et administrateurs)",
            Permission::Moderate(_) => "ce lieu n'est pas dans votre territoire",
            Permission::Edit(_) => "vous ne gérez pas ce lieu",
            Permission::Claim => "réservé aux gestionnaires de lieux connectés",
            Permission::Campaign(_) => "ce territoire n'est pas le vôtre",
            Permission::Pnt(_) => "ce projet numérique de territoire n'est pas dans votre territoire",
            Permission::Agenda(Some(_)) => "cet événement n'est pas dans votre territoire",
            Permission::Agenda(None) => "les événements régionaux sont réservés aux administrateurs du hub",
            Permission::Monograph(_) => "ce bassin de vie n'est pas dans votre territoire",
            Permission::Carry { .. } => "vous ne portez pas ce projet",
        };
        tracing::info!(acteur = self.id().unwrap_or("public"), refus = what, "action refusée");
        Err(AppError::Forbidden(format!("Action refusée : {what}.")))
    }
}
