//! Extractors: who is asking and what they sent, checked before a handler runs.
//!
//! - [`Visitor`]: the person behind the session cookie, or the public (never refuses).
//! - [`SignedIn`], [`Coordinator`], [`Administrator`]: role gates. The public is sent to the
//!   sign-in page (which comes back here); a signed-in person without the role gets 403.
//!   They are a convenience: the use cases check every permission again, next to the write.
//! - [`CsrfForm`], [`PreSessionForm`], [`CsrfUpload`]: a form whose CSRF token was checked
//!   (the session's own when signed in, else the double-submit cookie's).
//! - [`App`]: runs a use case on a blocking thread, with the mailer and link key.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Form, FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::accounts::{self, Actor};
use maillage_app::context::Context;
use maillage_app::AppResult;
use maillage_store::{Role, Session, User};
use serde::de::DeserializeOwned;

use crate::error::PageContext;
use crate::render::{message_page, Frame};
use crate::session::{self, constant_time_eq, CSRF_FIELD, SESSION_COOKIE};
use crate::state::{AccountsConfig, WebState};
use crate::WebError;

/// Who is asking, from the session cookie.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub session: Option<Session>,
    pub actor: Actor,
}

impl Visitor {
    pub fn user(&self) -> Option<&User> {
        self.actor.user()
    }

    fn role(&self) -> Option<&Role> {
        self.user().filter(|user| user.active).map(|user| &user.role)
    }
}

impl FromRequestParts<WebState> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        // Read once per request: a gate and a form both ask.
        if let Some(visitor) = parts.extensions.get::<Visitor>() {
            return Ok(visitor.clone());
        }
        let visitor = match session::cookie(&parts.headers, SESSION_COOKIE) {
            None => Visitor { session: None, actor: Actor::Public },
            Some(token) => {
                let store = state.store.clone();
                let found = tokio::task::spawn_blocking(move || {
                    accounts::session_user(store.as_ref(), &token, maillage_store::now())
                })
                .await??;
                match found {
                    Some((session, user)) => Visitor { session: Some(session), actor: Actor::User(user) },
                    None => Visitor { session: None, actor: Actor::Public },
                }
            }
        };
        // An error from here on is an account page's, with this person's navigation.
        if let Some(context) = parts.extensions.get::<PageContext>() {
            context.account_page(Frame::of(&visitor));
        }
        parts.extensions.insert(visitor.clone());
        Ok(visitor)
    }
}

/// A signed-in person.
#[derive(Clone, Debug)]
pub struct SignedIn(pub Visitor);

/// An administrator or a coordinator: the hub's team (the moderation queue, campaigns,
/// duplicates, gestionnaires' accounts).
#[derive(Clone, Debug)]
pub struct Coordinator(pub Visitor);

/// An administrator of the hub (its configuration, the outbox, the audit log).
#[derive(Clone, Debug)]
pub struct Administrator(pub Visitor);

macro_rules! deref_to_visitor {
    ($($gate:ty),*) => {$(
        impl Deref for $gate {
            type Target = Visitor;
            fn deref(&self) -> &Visitor {
                &self.0
            }
        }
    )*};
}
deref_to_visitor!(SignedIn, Coordinator, Administrator);

impl FromRequestParts<WebState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        if visitor.session.is_none() {
            // Back here after signing in; a form cannot be posted again, so its page's menu.
            let back = if parts.method == Method::GET { parts.uri.path() } else { "/admin" };
            let back = serde_urlencoded::to_string([("suite", back)]).unwrap_or_default();
            return Err(Redirect::to(&format!("/connexion?{back}")).into_response());
        }
        Ok(SignedIn(visitor))
    }
}

impl FromRequestParts<WebState> for Coordinator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let SignedIn(visitor) = SignedIn::from_request_parts(parts, state).await?;
        match visitor.role() {
            Some(Role::Administrateur | Role::Coordinateur { .. }) => Ok(Coordinator(visitor)),
            _ => {
                Err(WebError::forbidden("Action refusée : réservé aux coordinateurs et administrateurs.")
                    .into_response())
            }
        }
    }
}

impl FromRequestParts<WebState> for Administrator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let SignedIn(visitor) = SignedIn::from_request_parts(parts, state).await?;
        match visitor.role() {
            Some(Role::Administrateur) => Ok(Administrator(visitor)),
            _ => Err(WebError::forbidden("Cette page est réservée aux administrateurs du hub.").into_response()),
        }
    }
}

/// The use cases, as a request runs them.
#[derive(Clone)]
pub struct App {
    pub state: WebState,
    pub config: Arc<AccountsConfig>,
}

impl App {
    /// Runs a use case on a blocking thread with a fresh context.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Context<'_>) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        crate::state::run(&self.state, &self.config, work).await
    }
}

impl FromRequestParts<WebState> for App {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let config = parts
            .extensions
            .get::<Arc<AccountsConfig>>()
            .cloned()
            .ok_or_else(|| WebError::internal("réglages des comptes absents du routeur"))?;
        Ok(App { state: state.clone(), config })
    }
}

/// The client's address, for rate limits: the connecting address, or the client a trusted
/// proxy names (none for in-process calls).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    pub fn of(parts: &axum::http::Extensions) -> ClientAddress {
        match parts.get::<crate::proxy::Client>() {
            Some(client) => ClientAddress(client.address),
            None => ClientAddress(parts.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress::of(&parts.extensions))
    }
}

impl ClientAddress {
    /// The client as the per-client limits of the use cases key it.
    pub fn key(&self) -> String {
        self.0.map(|address| address.to_string()).unwrap_or_else(|| "local".to_owned())
    }
}

/// Refuses a form whose token is absent or wrong: 403, nothing else happens.
pub fn csrf_refused() -> Response {
    tracing::info!("formulaire refusé : jeton CSRF absent ou faux");
    message_page(
        StatusCode::FORBIDDEN,
        None,
        "Formulaire expiré",
        "Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez.",
    )
}

/// A signed-in form's token against the session's.
pub fn session_token_matches(visitor: &Visitor, given: Option<&str>) -> bool {
    match (visitor.session.as_ref(), given) {
        (Some(session), Some(given)) => constant_time_eq(&session.csrf_token, given),
        _ => false,
    }
}

/// A form's fields as sent, and `T` read from them.
async fn read_form<T: DeserializeOwned>(request: Request) -> Result<(BTreeMap<String, String>, T), Response> {
    let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, &())
        .await
        .map_err(|_| WebError::unreadable_form().into_response())?;
    let encoded = serde_urlencoded::to_string(&pairs).map_err(|_| WebError::unreadable_form().into_response())?;
    let value = serde_urlencoded::from_str(&encoded).map_err(|_| WebError::unreadable_form().into_response())?;
    Ok((pairs.into_iter().collect(), value))
}

/// A posted form whose CSRF token is the session's (signed in) or the double-submit
/// cookie's (public forms such as "gérer ce lieu").
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<WebState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let visitor = Visitor::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let headers = parts.headers.clone();
        let (fields, value) = read_form(Request::from_parts(parts, body)).await?;
        let given = fields.get(CSRF_FIELD).map(String::as_str);
        let accepted = match visitor.session {
            Some(_) => session_token_matches(&visitor, given),
            None => session::pre_session_matches(&headers, given),
        };
        if !accepted {
            return Err(csrf_refused());
        }
        Ok(CsrfForm(value))
    }
}

/// A form shown before sign-in (sign-in, password links, campaign confirmation): its token
/// is always the double-submit cookie's, whoever is signed in.
pub struct PreSessionForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequest<S> for PreSessionForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(context) = request.extensions().get::<PageContext>() {
            context.account_page(None);
        }
        let headers = request.headers().clone();
        let (fields, value) = read_form(request).await?;
        if !session::pre_session_matches(&headers, fields.get(CSRF_FIELD).map(String::as_str)) {
            return Err(csrf_refused());
        }
        Ok(PreSessionForm(value))
    }
}

/// A posted multipart form (file uploads) of a signed-in person, its CSRF token checked:
/// its text fields and its file, if one was chosen (name, content type, bytes).
pub struct CsrfUpload {
    pub fields: BTreeMap<String, String>,
    pub file: Option<(String, String, Vec<u8>)>,
}

impl CsrfUpload {
    async fn read(mut multipart: Multipart) -> Result<CsrfUpload, String> {
        let mut upload = CsrfUpload { fields: BTreeMap::new(), file: None };
        while let Some(field) = multipart.next_field().await.map_err(|err| format!("envoi illisible : {err}"))? {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    let content_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
                    let bytes = field.bytes().await.map_err(|err| format!("fichier illisible : {err}"))?;
                    // An empty file input is sent with an empty name and no bytes.
                    if !file_name.is_empty() || !bytes.is_empty() {
                        upload.file = Some((file_name, content_type, bytes.to_vec()));
                    }
                }
                None => {
                    let text = field.text().await.map_err(|err| format!("champ {name} illisible : {err}"))?;
                    upload.fields.insert(name, text);
                }
            }
        }
        Ok(upload)
    }

    /// A text field, empty when absent.
    pub fn field(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

impl FromRequest<WebState> for CsrfUpload {
    type Rejection = Response;

    async fn from_request(request: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let visitor = Visitor::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| WebError::unreadable_form().into_response())?;
        let upload = CsrfUpload::read(multipart)
            .await
            .map_err(|message| WebError::from(maillage_app::AppError::Input(message)).into_response())?;
        if !session_token_matches(&visitor, upload.fields.get(CSRF_FIELD).map(String::as_str)) {
            return Err(csrf_refused());
        }
        Ok(upload)
    }
}
