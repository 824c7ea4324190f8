//! Users and roles: the list (coordinators see the gestionnaires only), invitations, role
//! and scope changes, deactivation, and trusted gestionnaires.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maillage_app::accounts::{self, Permission};
use maillage_app::{AppError, FieldError};
use maillage_store::Role;
use serde::Deserialize;

use super::now;
use crate::extract::{App, Coordinator, CsrfForm};
use crate::pages::Layout;
use crate::render::{layout, render, Frame};
use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/admin/utilisateurs", get(users_page).post(invite_post))
        .route("/admin/utilisateurs/{id}", post(user_post))
        .route("/admin/utilisateurs/{id}/confiance", post(trust_post))
}

struct UserView {
    id: String,
    name: String,
    email: String,
    role: String,
    scope: String,
    trusted: bool,
    active: bool,
    invited: bool,
    /// The scope as the role form writes it.
    departements: String,
    bassins: String,
    places: String,
}

#[derive(Template)]
#[template(path = "admin/utilisateurs.html")]
struct UsersPage {
    layout: Layout,
    frame: Option<Frame>,
    users: Vec<UserView>,
    administrator: bool,
}

fn scope_of(role: &Role) -> String {
    match role {
        Role::Administrateur => "tout le hub".to_owned(),
        Role::Coordinateur { departements, bassins } => {
            let mut parts: Vec<String> = departements.iter().map(|d| format!("département {d}")).collect();
            parts.extend(bassins.iter().map(|b| format!("bassin {b}")));
            parts.join(", ")
        }
        Role::Gestionnaire { places } => format!("{} lieu(x)", places.len()),
    }
}

async fn users_page(user: Coordinator, app: App) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let (users, administrator) = app
        .run(move |ctx| {
            let administrator = actor.may(ctx, Permission::Administer);
            // Coordinators see the gestionnaires only.
            let users = accounts::users(ctx, &actor)?
                .into_iter()
                .map(|user| UserView {
                    id: user.id.clone(),
                    name: user.name.clone(),
                    email: user.email.clone(),
                    role: user.role.label().to_owned(),
                    scope: scope_of(&user.role),
                    trusted: user.trusted,
                    active: user.active,
                    invited: user.password_hash.is_none(),
                    departements: match &user.role {
                        Role::Coordinateur { departements, .. } => departements.join(", "),
                        _ => String::new(),
                    },
                    bassins: match &user.role {
                        Role::Coordinateur { bassins, .. } => bassins.join(", "),
                        _ => String::new(),
                    },
                    places: match &user.role {
                        Role::Gestionnaire { places } => places
                            .iter()
                            .map(|id| match ctx.store.place(id) {
                                Ok(Some(place)) => accounts::place_label(&place),
                                _ => id.0.clone(),
                            })
                            .collect::<Vec<_>>()
                            .join(" ; "),
                        _ => String::new(),
                    },
                })
                .collect::<Vec<_>>();
            Ok((users, administrator))
        })
        .await?;
    Ok(render(
        StatusCode::OK,
        &UsersPage { layout: layout("Utilisateurs"), frame: Frame::of(&user), users, administrator },
    ))
}

/// A role as the forms send it: the role's name and its scope, lists separated by commas.
#[derive(Deserialize)]
struct RoleForm {
    role: Option<String>,
    departements: Option<String>,
    bassins: Option<String>,
    lieux: Option<String>,
}

fn list(text: Option<&String>) -> Vec<String> {
    text.map(|text| text.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default()
}

impl RoleForm {
    /// The role with its managed places found from what was typed (names or ids).
    fn resolve(&self, ctx: &maillage_app::context::Context<'_>) -> Result<Role, AppError> {
        match self.role()? {
            Role::Gestionnaire { .. } => {
                Ok(Role::Gestionnaire { places: accounts::find_places(ctx, &list(self.lieux.as_ref()))? })
            }
            role => Ok(role),
        }
    }

    fn role(&self) -> Result<Role, AppError> {
        match self.role.as_deref() {
            Some("administrateur") => Ok(Role::Administrateur),
            Some("coordinateur") => Ok(Role::Coordinateur {
                departements: list(self.departements.as_ref()),
                bassins: list(self.bassins.as_ref()),
            }),
            Some("gestionnaire") => Ok(Role::Gestionnaire { places: Vec::new() }),
            _ => Err(AppError::Invalid(vec![FieldError::new("role", "rôle inconnu")])),
        }
    }
}

#[derive(Deserialize)]
struct Invite {
    #[serde(default)]
    courriel: String,
    #[serde(default)]
    nom: String,
    #[serde(flatten)]
    role: RoleForm,
}

async fn invite_post(user: Coordinator, app: App, CsrfForm(form): CsrfForm<Invite>) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    form.role.role()?;
    app.run(move |ctx| {
        let role = form.role.resolve(ctx)?;
        accounts::invite(ctx, &actor, &form.courriel, &form.nom, role, now())
    })
    .await?;
    Ok(Redirect::to("/admin/utilisateurs").into_response())
}

#[derive(Deserialize)]
struct UserChange {
    actif: Option<String>,
    #[serde(flatten)]
    role: RoleForm,
}

async fn user_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<UserChange>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    form.role.role()?;
    let active = form.actif.as_deref() == Some("1");
    app.run(move |ctx| {
        let role = form.role.resolve(ctx)?;
        accounts::update_user(ctx, &actor, &id, role, active, now())
    })
    .await?;
    Ok(Redirect::to("/admin/utilisateurs").into_response())
}

#[derive(Deserialize)]
struct Trust {
    confiance: Option<String>,
}

async fn trust_post(
    user: Coordinator,
    app: App,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Trust>,
) -> Result<Response, WebError> {
    let actor = user.actor.clone();
    let trusted = form.confiance.as_deref() == Some("1");
    app.run(move |ctx| accounts::set_trusted(ctx, &actor, &id, trusted, now())).await?;
    Ok(Redirect::to("/admin/utilisateurs").into_response())
}
