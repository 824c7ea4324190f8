//! The one place errors become HTTP. Handlers return `Result<_, WebError>` and use `?`; a
//! use case's `AppError` is mapped here once (403, 404, 409, 400 or 422, else 500).
//!
//! A `WebError` answers the API's JSON shape, `{"erreur": {"code", "message", "champ"?}}`.
//! The [`render_errors`] middleware turns it into a French page outside `/api` (the account
//! pages' frame when a session was read, else the public error page with the request id)
//! and logs internal failures with the request id: their details are never shown.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use maillage_app::AppError;
use maillage_store::StoreError;

use crate::api::{Erreur, ErreurDetail};
use crate::render::{message_page, Frame};
use crate::SiteConfig;

/// An error as a request's answer. `message` is French and meant for people.
#[derive(Clone, Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub code: &'static str,
    /// The title of the error page.
    pub heading: &'static str,
    pub message: String,
    /// The query parameter or form field at fault.
    pub field: Option<String>,
    /// Always answered as JSON, even outside `/api` (data routes of the pages).
    json: bool,
    /// What few errors carry, boxed so that every `Result` stays small.
    rare: Option<Box<Rare>>,
}

#[derive(Clone, Debug, Default)]
struct Rare {
    /// Seconds before trying again (429).
    retry_after: Option<u64>,
    /// What went wrong inside, for the log only.
    details: Option<String>,
}

impl WebError {
    pub fn new(status: StatusCode, code: &'static str, heading: &'static str, message: impl Into<String>) -> Self {
        WebError { status, code, heading, message: message.into(), field: None, json: false, rare: None }
    }

    pub fn bad_parameter(field: &str, message: impl Into<String>) -> Self {
        WebError {
            field: Some(field.to_owned()),
            ..WebError::new(StatusCode::BAD_REQUEST, "parametre_invalide", "Demande invalide", message)
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        WebError::new(StatusCode::NOT_FOUND, "introuvable", "Introuvable", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        WebError::new(StatusCode::FORBIDDEN, "interdit", "Accès refusé", message)
    }

    /// A form that could not be read at all (not one of a form's fields).
    pub fn unreadable_form() -> Self {
        WebError::new(StatusCode::BAD_REQUEST, "requete_invalide", "Demande invalide", "Formulaire illisible.")
    }

    pub fn too_many(heading: &'static str, message: impl Into<String>, retry_after: Option<u64>) -> Self {
        WebError {
            rare: Some(Box::new(Rare { retry_after, details: None })),
            ..WebError::new(StatusCode::TOO_MANY_REQUESTS, "trop_de_requetes", heading, message)
        }
    }

    /// An internal failure: the details go to the log with the request id, the person gets
    /// a generic message.
    pub fn internal(details: impl std::fmt::Display) -> Self {
        WebError {
            rare: Some(Box::new(Rare { retry_after: None, details: Some(details.to_string()) })),
            ..WebError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "erreur_interne",
                "Erreur interne",
                "Une erreur interne est survenue ; elle a été journalisée.",
            )
        }
    }

    /// The same error under another page title.
    pub fn titled(mut self, heading: &'static str) -> Self {
        self.heading = heading;
        self
    }

    /// Answered as JSON wherever it is (the map's data routes).
    pub fn json(mut self) -> Self {
        self.json = true;
        self
    }

    /// The API's error object, as the OpenAPI document describes it.
    fn body(&self) -> Erreur {
        Erreur { erreur: ErreurDetail { code: self.code, message: self.message.clone(), champ: self.field.clone() } }
    }
}

impl From<AppError> for WebError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Forbidden(message) => WebError::forbidden(message),
            AppError::Refused(message) => WebError::new(StatusCode::BAD_REQUEST, "refus", "Demande refusée", message),
            AppError::Input(message) => {
                WebError::new(StatusCode::BAD_REQUEST, "requete_invalide", "Demande invalide", message)
            }
            AppError::Invalid(errors) => {
                let text =
                    errors.iter().map(|e| format!("{} : {}", e.field, e.message)).collect::<Vec<_>>().join(" ; ");
                WebError {
                    field: errors.first().map(|e| e.field.clone()),
                    ..WebError::new(StatusCode::UNPROCESSABLE_ENTITY, "valeurs_invalides", "Formulaire invalide", text)
                }
            }
            AppError::Store(err) => err.into(),
            other => WebError::internal(other),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => WebError::not_found(format!("Introuvable : {what}.")),
            StoreError::Conflict(what) => WebError::new(
                StatusCode::CONFLICT,
                "conflit",
                "Modifié entre-temps",
                format!("Conflit : {what}. Rechargez la page pour voir la version actuelle."),
            ),
            other => WebError::internal(other),
        }
    }
}

impl From<tokio::task::JoinError> for WebError {
    fn from(err: tokio::task::JoinError) -> Self {
        WebError::internal(format!("tâche interrompue : {err}"))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.rare.as_ref().and_then(|rare| rare.retry_after) {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        // The middleware reads it back to log it and, outside the API, to render a page.
        response.extensions_mut().insert(self);
        response
    }
}

/// What the account pages learn about the person while a request runs, for an error page
/// rendered after the handler returned: whether it is an account page, and its frame.
#[derive(Clone, Default)]
pub struct PageContext(Arc<Mutex<Option<Option<Frame>>>>);

impl PageContext {
    /// Marks the request as an account page; `frame` is the signed-in navigation, if any.
    pub fn account_page(&self, frame: Option<Frame>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(frame);
    }

    fn take(&self) -> Option<Option<Frame>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Errors as their audience reads them: JSON under `/api` and `/ogc` (framework rejections included,
/// never `text/plain`), a French page elsewhere; internal failures logged with the request id.
pub async fn render_errors(State(site): State<Arc<SiteConfig>>, mut request: Request, next: Next) -> Response {
    // The OGC API's clients are programs too: its errors are JSON like the API's.
    let api = request.uri().path().starts_with("/api/") || request.uri().path().starts_with("/ogc");
    let request_id =
        request.headers().get(crate::middleware::REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let context = PageContext::default();
    request.extensions_mut().insert(context.clone());
    let mut response = crate::render::BRANDING.scope(site.branding.current(), next.run(request)).await;
    let error = match response.extensions_mut().remove::<WebError>() {
        Some(error) => error,
        None if api && is_plain_rejection(&response) => {
            // An extractor's or the router's own refusal (405, a body it cannot read…).
            let status = response.status();
            let message = status.canonical_reason().unwrap_or("requête refusée").to_owned();
            let (code, message) = match status {
                StatusCode::METHOD_NOT_ALLOWED => {
                    ("methode_refusee", "seules les lectures (GET) sont possibles".to_owned())
                }
                _ if status.is_server_error() => ("erreur_interne", message),
                _ => ("requete_invalide", message),
            };
            return (status, Json(WebError::new(status, code, "", message).body())).into_response();
        }
        None => return response,
    };
    if let Some(details) = error.rare.as_ref().and_then(|rare| rare.details.as_ref()) {
        tracing::error!(requete = %request_id, %details, "erreur interne");
    }
    if api || error.json {
        return response;
    }
    let mut page = match context.take() {
        Some(frame) => message_page(error.status, frame, error.heading, &error.message),
        None => crate::pages::error_page(&site, &request_id, error.status, error.heading, &error.message),
    };
    if let Some(retry) = response.headers().get(header::RETRY_AFTER).cloned() {
        page.headers_mut().insert(header::RETRY_AFTER, retry);
    }
    page
}

/// A refusal that is not ours: an error status whose body is not JSON.
fn is_plain_rejection(response: &Response) -> bool {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    (status.is_client_error() || status.is_server_error()) && !json
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(err: AppError) -> (StatusCode, serde_json::Value) {
        let response = WebError::from(err).into_response();
        let error = response.extensions().get::<WebError>().cloned().unwrap();
        (response.status(), serde_json::to_value(error.body()).unwrap())
    }

    #[test]
    fn use_case_refusals_map_once_and_internal_details_stay_inside() {
        let cases = [
            (AppError::Forbidden("Action refusée.".into()), StatusCode::FORBIDDEN, "interdit"),
            (AppError::Store(StoreError::NotFound("lieu x".into())), StatusCode::NOT_FOUND, "introuvable"),
            (AppError::Store(StoreError::Conflict("version 2".into())), StatusCode::CONFLICT, "conflit"),
            (AppError::Input("texte".into()), StatusCode::BAD_REQUEST, "requete_invalide"),
            (AppError::Refused("lien usé".into()), StatusCode::BAD_REQUEST, "refus"),
        ];
        for (err, status, code) in cases {
            let (answered_status, body) = answered(err);
            assert_eq!((answered_status, body["erreur"]["code"].as_str()), (status, Some(code)));
        }
        let invalid = AppError::Invalid(vec![maillage_app::FieldError::new("nom", "obligatoire")]);
        let (status, body) = answered(invalid);
        assert_eq!((status, body["erreur"]["champ"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("nom")));
        let (status, body) = answered(AppError::Store(StoreError::Backend("disque plein sur /var/secret".into())));
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("secret"), "{body}");
    }
}
