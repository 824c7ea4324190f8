//! The account pages: sign-in and sign-out (rate limited per client address), and the pages
//! reached from mails (invitation, password reset, campaign confirmation).
//!
//! - Single-use tokens travel in query strings and form bodies, never in paths: request
//!   paths are logged, queries and bodies are not.
//! - A link from a mail never changes anything on GET: mail scanners open links. The page
//!   it opens has one button that does.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use maillage_app::accounts;
use maillage_app::AppError;
use serde::Deserialize;
use std::collections::BTreeMap;

use crate::extract::{csrf_refused, session_token_matches, App, ClientAddress, PreSessionForm, Visitor};
use crate::pages::Layout;
use crate::render::{layout, message_page, render, Frame};
use crate::session::{self, pre_session_token, with_form_cookie, with_session, CSRF_FIELD, SESSION_COOKIE};
use crate::state::{AccountsConfig, WebState};
use crate::WebError;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/connexion", get(sign_in_page).post(sign_in_post))
        .route("/deconnexion", post(sign_out_post))
        .route("/compte/mot-de-passe-oublie", get(forgot_page).post(forgot_post))
        .route("/compte/invitation", get(invitation_page).post(invitation_post))
        .route("/compte/reinitialisation", get(reset_page).post(reset_post))
        .route("/confirmer", get(confirm_page).post(confirm_post))
}

type Accounts = Extension<Arc<AccountsConfig>>;

#[derive(Template)]
#[template(path = "admin/connexion.html")]
struct SignInPage {
    layout: Layout,
    frame: Option<Frame>,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct Next {
    #[serde(default)]
    suite: String,
}

/// Only a path of this site, else `/admin`. `//host`, `/\\host` and `http://…` would send the
/// person elsewhere; browsers drop tabs and newlines from URLs (`/\t/host` is `//host`), and
/// a control character cannot go in a `Location` header at all.
fn safe_next(next: &str) -> String {
    let mut chars = next.chars();
    let local = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.parse::<axum::http::uri::PathAndQuery>().is_ok();
    if local {
        next.to_owned()
    } else {
        "/admin".to_owned()
    }
}

async fn sign_in_page(Extension(config): Accounts, headers: HeaderMap, Query(next): Query<Next>) -> Response {
    let (csrf, new) = pre_session_token(&headers);
    let page = SignInPage {
        layout: layout("Connexion"),
        frame: None,
        csrf: csrf.clone(),
        next: safe_next(&next.suite),
        email: String::new(),
        error: None,
    };
    with_form_cookie(&config, render(StatusCode::OK, &page), &csrf, new)
}

#[derive(Deserialize)]
struct SignIn {
    #[serde(default)]
    courriel: String,
    #[serde(default)]
    mot_de_passe: String,
    #[serde(default)]
    suite: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// The sign-in limiter's refusal.
fn too_many(
    config: &AccountsConfig,
    client: ClientAddress,
    heading: &'static str,
    message: &str,
) -> Result<(), WebError> {
    config.sign_in_limiter.check(client.0).map_err(|wait| {
        let seconds = wait.as_secs() + 1;
        WebError::too_many(heading, message.replace("{s}", &seconds.to_string()), Some(seconds))
    })
}

async fn sign_in_post(
    app: App,
    client: ClientAddress,
    PreSessionForm(form): PreSessionForm<SignIn>,
) -> Result<Response, WebError> {
    too_many(
        &app.config,
        client,
        "Trop de tentatives",
        "Trop de tentatives de connexion depuis votre adresse : réessayez dans {s} secondes.",
    )?;
    let next = safe_next(&form.suite);
    let attempt = {
        let (email, password) = (form.courriel.clone(), form.mot_de_passe);
        app.run(move |ctx| accounts::sign_in(ctx, &email, &password, maillage_store::now())).await
    };
    match attempt {
        Ok(signed) => Ok(with_session(&app.config, Redirect::to(&next).into_response(), &signed.token)),
        Err(AppError::Refused(message)) => {
            let page = SignInPage {
                layout: layout("Connexion"),
                frame: None,
                csrf: form.csrf,
                next,
                email: form.courriel,
                error: Some(message),
            };
            Ok(render(StatusCode::UNAUTHORIZED, &page))
        }
        Err(err) => Err(err.into()),
    }
}

/// Signing out needs the session's token; without a session there is nothing to end.
async fn sign_out_post(
    app: App,
    visitor: Visitor,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    if visitor.session.is_some() {
        if !session_token_matches(&visitor, form.get(CSRF_FIELD).map(String::as_str)) {
            return Ok(csrf_refused());
        }
        if let Some(token) = session::cookie(&headers, SESSION_COOKIE) {
            app.run(move |ctx| accounts::sign_out(ctx, &token, maillage_store::now())).await?;
        }
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(header::SET_COOKIE, session::set_cookie(&app.config, SESSION_COOKIE, "", 0));
    Ok(response)
}

#[derive(Template)]
#[template(path = "admin/mot_de_passe.html")]
struct PasswordPage {
    layout: Layout,
    frame: Option<Frame>,
    csrf: String,
    heading: String,
    /// Where the form posts.
    action: String,
    /// The link's token, echoed in the form; empty on the "forgot" form.
    token: String,
    error: Option<String>,
}

fn password_page(headers: &HeaderMap, config: &AccountsConfig, heading: &str, action: &str, token: &str) -> Response {
    let (csrf, new) = pre_session_token(headers);
    let page = PasswordPage {
        layout: layout(heading),
        frame: None,
        csrf: csrf.clone(),
        heading: heading.to_owned(),
        action: action.to_owned(),
        token: token.to_owned(),
        error: None,
    };
    with_form_cookie(config, render(StatusCode::OK, &page), &csrf, new)
}

async fn forgot_page(Extension(config): Accounts, headers: HeaderMap) -> Response {
    password_page(&headers, &config, "Mot de passe oublié", "/compte/mot-de-passe-oublie", "")
}

#[derive(Deserialize)]
struct Forgot {
    #[serde(default)]
    courriel: String,
}

async fn forgot_post(
    app: App,
    client: ClientAddress,
    PreSessionForm(form): PreSessionForm<Forgot>,
) -> Result<Response, WebError> {
    too_many(&app.config, client, "Trop de demandes", "Réessayez dans une minute.")?;
    let email = form.courriel;
    // The answer leaves before the work is done, so known and unknown addresses answer in
    // the same time (the use case does the same work for both, but mailing takes longer).
    tokio::spawn(async move {
        if let Err(err) = app.run(move |ctx| accounts::request_password_reset(ctx, &email, maillage_store::now())).await
        {
            // Never the address: it is personal data, and saying it failed for it would tell
            // the log's readers it exists.
            tracing::warn!(error = %err, "demande de réinitialisation non traitée");
        }
    });
    // The same answer whether the address has an account or not.
    Ok(message_page(
        StatusCode::OK,
        None,
        "Demande enregistrée",
        "Si un compte existe pour cette adresse, un lien de réinitialisation vient de lui être envoyé.",
    ))
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    jeton: String,
}

async fn invitation_page(Extension(config): Accounts, headers: HeaderMap, Query(query): Query<TokenQuery>) -> Response {
    password_page(&headers, &config, "Choisir votre mot de passe", "/compte/invitation", &query.jeton)
}

async fn reset_page(Extension(config): Accounts, headers: HeaderMap, Query(query): Query<TokenQuery>) -> Response {
    password_page(&headers, &config, "Nouveau mot de passe", "/compte/reinitialisation", &query.jeton)
}

#[derive(Deserialize)]
struct NewPassword {
    #[serde(default)]
    jeton: String,
    #[serde(default)]
    mot_de_passe: String,
    confirmation: Option<String>,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

async fn set_password(app: App, form: NewPassword, invitation: bool) -> Result<Response, WebError> {
    if form.confirmation.as_ref() != Some(&form.mot_de_passe) {
        let (heading, action) = if invitation {
            ("Choisir votre mot de passe", "/compte/invitation")
        } else {
            ("Nouveau mot de passe", "/compte/reinitialisation")
        };
        let page = PasswordPage {
            layout: layout(heading),
            frame: None,
            csrf: form.csrf,
            heading: heading.to_owned(),
            action: action.to_owned(),
            token: form.jeton,
            error: Some("Les deux mots de passe ne sont pas identiques.".to_owned()),
        };
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let (token, password) = (form.jeton, form.mot_de_passe);
    let signed = app
        .run(move |ctx| {
            if invitation {
                accounts::accept_invitation(ctx, &token, &password, maillage_store::now())
            } else {
                accounts::reset_password(ctx, &token, &password, maillage_store::now())
            }
        })
        .await?;
    Ok(with_session(&app.config, Redirect::to("/admin").into_response(), &signed.token))
}

async fn invitation_post(app: App, PreSessionForm(form): PreSessionForm<NewPassword>) -> Result<Response, WebError> {
    set_password(app, form, true).await
}

async fn reset_post(app: App, PreSessionForm(form): PreSessionForm<NewPassword>) -> Result<Response, WebError> {
    set_password(app, form, false).await
}

#[derive(Template)]
#[template(path = "admin/confirmer.html")]
struct ConfirmPage {
    layout: Layout,
    frame: Option<Frame>,
    csrf: String,
    token: String,
}

async fn confirm_page(Extension(config): Accounts, headers: HeaderMap, Query(query): Query<TokenQuery>) -> Response {
    let (csrf, new) = pre_session_token(&headers);
    let page =
        ConfirmPage { layout: layout("Confirmer la fiche"), frame: None, csrf: csrf.clone(), token: query.jeton };
    with_form_cookie(&config, render(StatusCode::OK, &page), &csrf, new)
}

async fn confirm_post(app: App, PreSessionForm(form): PreSessionForm<TokenQuery>) -> Result<Response, WebError> {
    let token = form.jeton;
    let place =
        app.run(move |ctx| maillage_app::campaigns::confirm_unchanged(ctx, &token, maillage_store::now())).await?;
    Ok(message_page(
        StatusCode::OK,
        None,
        "Merci !",
        &format!(
            "La fiche « {} » est confirmée à jour au {}. Elle reste visible sur la carte.",
            place.record.nom,
            place.published_date_maj().format("%d/%m/%Y")
        ),
    ))
}
