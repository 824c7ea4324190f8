//! Sign-in and sessions for the web: the session cookie, CSRF tokens, the sign-in rate
//! limit, and the account pages reached from mails (invitation, password reset, campaign
//! confirmation).
//!
//! - The session cookie holds a random token (the store keeps its hash): `HttpOnly`,
//!   `SameSite=Lax`, `Secure` when the hub is served over HTTPS (`MAILLAGE_BASE_URL`).
//! - Every form carries a CSRF token: the session's own for signed-in forms, else a
//!   double-submit token (the same random value in a cookie and in the form).
//! - Single-use tokens travel in query strings and form bodies, never in paths: request
//!   paths are logged, queries and bodies are not.
//! - A link from a mail never changes anything on GET: mail scanners open links. The page
//!   it opens has one button that does.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{ConnectInfo, Form, FromRequest, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maillage_app::accounts::{self, Actor, LinkSigner};
use maillage_app::context::{Context, Mailing};
use maillage_app::mail::Mailer;
use maillage_app::territory::Locator;
use maillage_app::{AppError, AppResult};
use maillage_mail::{MailSetup, Outbox, DEFAULT_FROM};
use maillage_store::{Session, StoreError, User};
use serde::Deserialize;

use crate::api::RateLimiter;
use crate::pages::Layout;
use crate::WebState;

pub const SESSION_COOKIE: &str = "maillage_session";
pub const FORM_COOKIE: &str = "maillage_formulaire";
/// The hidden field of every form.
pub const CSRF_FIELD: &str = "_csrf";

/// What the account pages need beyond the shared state.
pub struct AccountsConfig {
    pub mailer: Arc<dyn Mailer>,
    /// The outbox, when mails are written to a folder instead of sent (its admin page).
    pub outbox: Option<Arc<Outbox>>,
    pub signer: LinkSigner,
    /// `https://hub.example`: links in mails start with it.
    pub base_url: String,
    /// `Secure` cookies: set when `base_url` is HTTPS.
    pub secure_cookies: bool,
    /// Sign-in and reset attempts per client address.
    pub sign_in_limiter: RateLimiter,
}

impl AccountsConfig {
    /// The mail transport, the link key and the public address (`https://hub.example`), as
    /// the binary read them from its configuration.
    pub fn new(mail: MailSetup, signer: LinkSigner, base_url: &str) -> AccountsConfig {
        let base_url = base_url.trim_end_matches('/').to_owned();
        AccountsConfig {
            mailer: mail.mailer,
            outbox: mail.outbox,
            signer,
            secure_cookies: base_url.starts_with("https://"),
            base_url,
            // Five attempts at once, then one every 12 seconds: a person who mistypes is
            // never slowed, a password-guessing client is (the account lockout does the rest).
            sign_in_limiter: RateLimiter::new(5, Duration::from_secs(12)),
        }
    }

    /// Mails into an outbox folder (tests, tools).
    pub fn with_outbox(folder: impl Into<PathBuf>, base_url: &str, key: &[u8]) -> AccountsConfig {
        AccountsConfig::new(MailSetup::outbox(Outbox::new(folder, DEFAULT_FROM)), LinkSigner::new(key), base_url)
    }
}

pub type Accounts = Extension<Arc<AccountsConfig>>;

/// Runs a use case on a blocking thread with a fresh context (the locator reads the
/// bassins, which an administrator may have just changed).
pub async fn run<T: Send + 'static>(
    state: &WebState,
    config: &Arc<AccountsConfig>,
    work: impl FnOnce(&Context<'_>) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let (store, territory, config) = (state.store.clone(), state.territory.clone(), config.clone());
    tokio::task::spawn_blocking(move || {
        let locator = Locator::load(store.as_ref(), territory)?;
        let mailing = Mailing { mailer: config.mailer.as_ref(), signer: &config.signer, base_url: &config.base_url };
        let ctx = Context::new(store.as_ref()).with_locator(&locator).with_mailing(mailing);
        work(&ctx)
    })
    .await
    .map_err(|err| AppError::Store(StoreError::Backend(format!("tâche interrompue : {err}"))))?
}

/// Who the server's reminder task acts as: the hub itself.
const REMINDERS: &str = "relances automatiques";

/// Sends the campaign reminders that are due, every `every` (the first check right away):
/// nobody has to remember to press the button.
pub fn spawn_reminders(state: &WebState, config: Arc<AccountsConfig>, every: Duration) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let sent = run(&state, &config, |ctx| {
                let hub = Actor::System(REMINDERS.to_owned());
                maillage_app::campaigns::send_due_reminders(ctx, &hub, maillage_store::now())
            })
            .await;
            match sent {
                Ok(0) => {}
                Ok(reminded) => tracing::info!(reminded, "relances de campagne envoyées"),
                Err(err) => tracing::warn!(%err, "relances de campagne impossibles"),
            }
            // Expired sessions are refused anyway; forgetting them keeps the table small.
            let store = state.store.clone();
            match tokio::task::spawn_blocking(move || store.delete_expired_sessions(maillage_store::now())).await {
                Ok(Ok(0)) => {}
                Ok(Ok(forgotten)) => tracing::info!(forgotten, "sessions expirées effacées"),
                Ok(Err(err)) => tracing::warn!(%err, "effacement des sessions expirées impossible"),
                Err(err) => tracing::error!(%err, "effacement des sessions expirées interrompu"),
            }
        }
    })
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

fn set_cookie(config: &AccountsConfig, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if config.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .expect("cookie values are hex")
}

/// Who is asking, from the session cookie.
pub struct Visitor {
    pub session: Option<Session>,
    pub actor: Actor,
}

impl Visitor {
    pub fn user(&self) -> Option<&User> {
        self.actor.user()
    }

    /// Checks a signed-in form's CSRF token against the session's: the refusal, if any.
    pub fn csrf_refusal(&self, form: &BTreeMap<String, String>) -> Option<Response> {
        let expected = self.session.as_ref().map(|session| session.csrf_token.as_str());
        match (expected, form.get(CSRF_FIELD)) {
            (Some(expected), Some(given)) if constant_time_eq(expected, given) => None,
            _ => Some(csrf_refused()),
        }
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn csrf_refused() -> Response {
    tracing::info!("formulaire refusé : jeton CSRF absent ou faux");
    message_page(
        StatusCode::FORBIDDEN,
        None,
        "Formulaire expiré",
        "Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez.",
    )
}

pub async fn visitor(state: &WebState, headers: &HeaderMap) -> Result<Visitor, Response> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(Visitor { session: None, actor: Actor::Public });
    };
    let store = state.store.clone();
    let found =
        tokio::task::spawn_blocking(move || accounts::session_user(store.as_ref(), &token, maillage_store::now()))
            .await
            .map_err(internal)?
            .map_err(|err| error_response(err, None))?;
    Ok(match found {
        Some((session, user)) => Visitor { session: Some(session), actor: Actor::User(user) },
        None => Visitor { session: None, actor: Actor::Public },
    })
}

/// The signed-in visitor, or a redirection to the sign-in page that comes back here.
pub async fn signed_in(state: &WebState, headers: &HeaderMap, back: &str) -> Result<Visitor, Response> {
    let visitor = visitor(state, headers).await?;
    if visitor.session.is_none() {
        let back = serde_urlencoded::to_string([("suite", back)]).unwrap_or_default();
        return Err(Redirect::to(&format!("/connexion?{back}")).into_response());
    }
    Ok(visitor)
}

/// The double-submit token of a form shown before sign-in: the cookie's value if the
/// browser has one, else a new one (to be set with [`form_cookie`]).
fn pre_session_token(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, FORM_COOKIE).filter(|value| value.len() == 64) {
        Some(value) => (value, false),
        None => (accounts::random_token(), true),
    }
}

/// Checks a pre-session form's double-submit token: the refusal, if any.
pub fn pre_session_refusal(headers: &HeaderMap, form: &BTreeMap<String, String>) -> Option<Response> {
    match (cookie(headers, FORM_COOKIE), form.get(CSRF_FIELD)) {
        (Some(expected), Some(given)) if expected.len() == 64 && constant_time_eq(&expected, given) => None,
        _ => Some(csrf_refused()),
    }
}

fn with_form_cookie(config: &AccountsConfig, mut response: Response, token: &str, new: bool) -> Response {
    if new {
        response.headers_mut().append(header::SET_COOKIE, set_cookie(config, FORM_COOKIE, token, 86_400));
    }
    response
}

/// The client's address, for rate limits.
pub fn client_address(request_info: Option<&ConnectInfo<SocketAddr>>) -> Option<IpAddr> {
    request_info.map(|info| info.0.ip())
}

// ---- rendering

/// The layout of account and admin pages: the public base, with a strict policy.
pub fn layout(title: &str) -> Layout {
    Layout {
        title: title.to_owned(),
        current: "",
        embed: false,
        tiles_url: String::new(),
        tiles_attribution: String::new(),
        geocoder_url: String::new(),
        branding: Default::default(),
    }
}

/// Who is signed in, for the admin navigation.
pub struct Frame {
    pub user_name: String,
    pub role: String,
    pub csrf: String,
    pub administrator: bool,
    pub moderator: bool,
}

impl Frame {
    pub fn of(visitor: &Visitor) -> Option<Frame> {
        let user = visitor.user()?;
        Some(Frame {
            user_name: user.name.clone(),
            role: user.role.label().to_owned(),
            csrf: visitor.session.as_ref().map(|s| s.csrf_token.clone()).unwrap_or_default(),
            administrator: matches!(user.role, maillage_store::Role::Administrateur),
            moderator: !matches!(user.role, maillage_store::Role::Gestionnaire { .. }),
        })
    }
}

pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(body) => {
            let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
                ),
            );
            // Pages with forms, tokens and personal data are never cached.
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => internal(err),
    }
}

#[derive(Template)]
#[template(path = "admin/message.html")]
struct MessagePage {
    layout: Layout,
    frame: Option<Frame>,
    heading: String,
    message: String,
}

pub fn message_page(status: StatusCode, frame: Option<Frame>, heading: &str, message: &str) -> Response {
    render(
        status,
        &MessagePage { layout: layout(heading), frame, heading: heading.to_owned(), message: message.to_owned() },
    )
}

pub fn internal(err: impl std::fmt::Display) -> Response {
    tracing::error!(%err, "erreur interne");
    message_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        None,
        "Erreur interne",
        "Une erreur interne est survenue ; elle a été journalisée.",
    )
}

/// A use case's error as a page: refusals and bad input say why, internal failures are
/// logged and stay vague.
pub fn error_response(err: AppError, frame: Option<Frame>) -> Response {
    match err {
        AppError::Forbidden(message) => message_page(StatusCode::FORBIDDEN, frame, "Accès refusé", &message),
        AppError::Refused(message) => message_page(StatusCode::BAD_REQUEST, frame, "Demande refusée", &message),
        AppError::Input(message) => message_page(StatusCode::BAD_REQUEST, frame, "Demande invalide", &message),
        AppError::Invalid(errors) => {
            let text = errors.iter().map(|e| format!("{} : {}", e.field, e.message)).collect::<Vec<_>>().join(" ; ");
            message_page(StatusCode::UNPROCESSABLE_ENTITY, frame, "Formulaire invalide", &text)
        }
        AppError::Store(StoreError::NotFound(what)) => {
            message_page(StatusCode::NOT_FOUND, frame, "Introuvable", &format!("Introuvable : {what}."))
        }
        AppError::Store(StoreError::Conflict(what)) => message_page(
            StatusCode::CONFLICT,
            frame,
            "Modifié entre-temps",
            &format!("Conflit : {what}. Rechargez la page pour voir la version actuelle."),
        ),
        other => internal(other),
    }
}

// ---- routes

pub fn routes(config: Arc<AccountsConfig>) -> Router<WebState> {
    Router::new()
        .route("/connexion", get(sign_in_page).post(sign_in_post))
        .route("/deconnexion", axum::routing::post(sign_out_post))
        .route("/compte/mot-de-passe-oublie", get(forgot_page).post(forgot_post))
        .route("/compte/invitation", get(invitation_page).post(invitation_post))
        .route("/compte/reinitialisation", get(reset_page).post(reset_post))
        .route("/confirmer", get(confirm_page).post(confirm_post))
        .layer(Extension(config))
}

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

/// Only paths of this site: `//host` and `http://…` would send the person elsewhere.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
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

async fn sign_in_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let client = client_address(request.extensions().get::<ConnectInfo<SocketAddr>>());
    let Form(form) = match Form::<BTreeMap<String, String>>::from_request(request, &()).await {
        Ok(form) => form,
        Err(_) => return message_page(StatusCode::BAD_REQUEST, None, "Demande invalide", "Formulaire illisible."),
    };
    if let Some(refused) = pre_session_refusal(&headers, &form) {
        return refused;
    }
    if let Err(wait) = config.sign_in_limiter.check(client) {
        let mut response = message_page(
            StatusCode::TOO_MANY_REQUESTS,
            None,
            "Trop de tentatives",
            &format!(
                "Trop de tentatives de connexion depuis votre adresse : réessayez dans {} secondes.",
                wait.as_secs() + 1
            ),
        );
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs() + 1));
        return response;
    }
    let email = form.get("courriel").cloned().unwrap_or_default();
    let password = form.get("mot_de_passe").cloned().unwrap_or_default();
    let next = safe_next(form.get("suite").map(String::as_str).unwrap_or(""));
    let attempt = {
        let email = email.clone();
        run(&state, &config, move |ctx| accounts::sign_in(ctx, &email, &password, maillage_store::now())).await
    };
    match attempt {
        Ok(signed) => {
            let mut response = Redirect::to(&next).into_response();
            let max_age = accounts::SESSION_HOURS * 3600;
            response
                .headers_mut()
                .append(header::SET_COOKIE, set_cookie(&config, SESSION_COOKIE, &signed.token, max_age));
            response
        }
        Err(AppError::Refused(message)) => {
            let csrf = form.get(CSRF_FIELD).cloned().unwrap_or_default();
            let page = SignInPage { layout: layout("Connexion"), frame: None, csrf, next, email, error: Some(message) };
            render(StatusCode::UNAUTHORIZED, &page)
        }
        Err(err) => error_response(err, None),
    }
}

async fn sign_out_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let visitor = match visitor(&state, &headers).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    if visitor.session.is_some() {
        if let Some(refused) = visitor.csrf_refusal(&form) {
            return refused;
        }
        if let Some(token) = cookie(&headers, SESSION_COOKIE) {
            if let Err(err) =
                run(&state, &config, move |ctx| accounts::sign_out(ctx, &token, maillage_store::now())).await
            {
                return error_response(err, None);
            }
        }
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&config, SESSION_COOKIE, "", 0));
    response
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

async fn forgot_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let client = client_address(request.extensions().get::<ConnectInfo<SocketAddr>>());
    let Ok(Form(form)) = Form::<BTreeMap<String, String>>::from_request(request, &()).await else {
        return message_page(StatusCode::BAD_REQUEST, None, "Demande invalide", "Formulaire illisible.");
    };
    if let Some(refused) = pre_session_refusal(&headers, &form) {
        return refused;
    }
    if config.sign_in_limiter.check(client).is_err() {
        return message_page(StatusCode::TOO_MANY_REQUESTS, None, "Trop de demandes", "Réessayez dans une minute.");
    }
    let email = form.get("courriel").cloned().unwrap_or_default();
    match run(&state, &config, move |ctx| accounts::request_password_reset(ctx, &email, maillage_store::now())).await {
        // The same answer whether the address has an account or not.
        Ok(()) => message_page(
            StatusCode::OK,
            None,
            "Demande enregistrée",
            "Si un compte existe pour cette adresse, un lien de réinitialisation vient de lui être envoyé.",
        ),
        Err(err) => error_response(err, None),
    }
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

async fn set_password(
    state: WebState,
    config: Arc<AccountsConfig>,
    headers: HeaderMap,
    form: BTreeMap<String, String>,
    invitation: bool,
) -> Response {
    if let Some(refused) = pre_session_refusal(&headers, &form) {
        return refused;
    }
    let token = form.get("jeton").cloned().unwrap_or_default();
    let password = form.get("mot_de_passe").cloned().unwrap_or_default();
    if form.get("confirmation") != Some(&password) {
        let (heading, action) = if invitation {
            ("Choisir votre mot de passe", "/compte/invitation")
        } else {
            ("Nouveau mot de passe", "/compte/reinitialisation")
        };
        let page = PasswordPage {
            layout: layout(heading),
            frame: None,
            csrf: form.get(CSRF_FIELD).cloned().unwrap_or_default(),
            heading: heading.to_owned(),
            action: action.to_owned(),
            token,
            error: Some("Les deux mots de passe ne sont pas identiques.".to_owned()),
        };
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let done = run(&state, &config, move |ctx| {
        if invitation {
            accounts::accept_invitation(ctx, &token, &password, maillage_store::now())
        } else {
            accounts::reset_password(ctx, &token, &password, maillage_store::now())
        }
    })
    .await;
    match done {
        Ok(signed) => {
            let mut response = Redirect::to("/admin").into_response();
            let max_age = accounts::SESSION_HOURS * 3600;
            response
                .headers_mut()
                .append(header::SET_COOKIE, set_cookie(&config, SESSION_COOKIE, &signed.token, max_age));
            response
        }
        Err(err) => error_response(err, None),
    }
}

async fn invitation_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    set_password(state, config, headers, form, true).await
}

async fn reset_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    set_password(state, config, headers, form, false).await
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

async fn confirm_post(
    State(state): State<WebState>,
    Extension(config): Accounts,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = pre_session_refusal(&headers, &form) {
        return refused;
    }
    let token = form.get("jeton").cloned().unwrap_or_default();
    match run(&state, &config, move |ctx| {
        maillage_app::campaigns::confirm_unchanged(ctx, &token, maillage_store::now())
    })
    .await
    {
        Ok(place) => message_page(
            StatusCode::OK,
            None,
            "Merci !",
            &format!(
                "La fiche « {} » est confirmée à jour au {}. Elle reste visible sur la carte.",
                place.record.nom,
                place.published_date_maj().format("%d/%m/%Y")
            ),
        ),
        Err(err) => error_response(err, None),
    }
}
