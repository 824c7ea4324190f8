//! API errors with a stable JSON shape: `{"erreur": {"code", "message", "champ"?, "requete"?}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error as the API answers it. `message` is French and meant for people.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The query parameter or field at fault.
    pub field: Option<String>,
}

impl ApiError {
    pub fn bad_parameter(field: &str, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "parametre_invalide",
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::NOT_FOUND, code: "introuvable", message: message.into(), field: None }
    }

    /// An internal failure: the details go to the log, the client gets a generic message.
    pub fn internal(details: impl std::fmt::Display) -> Self {
        tracing::error!(%details, "erreur interne");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "erreur_interne",
            message: "Une erreur interne est survenue ; elle a été journalisée.".to_owned(),
            field: None,
        }
    }
}

impl From<maillage_store::StoreError> for ApiError {
    fn from(err: maillage_store::StoreError) -> Self {
        ApiError::internal(err)
    }
}

impl From<maillage_app::AppError> for ApiError {
    fn from(err: maillage_app::AppError) -> Self {
        match err {
            maillage_app::AppError::Input(message) => {
                ApiError { status: StatusCode::BAD_REQUEST, code: "requete_invalide", message, field: None }
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code, "message": self.message});
        if let Some(field) = self.field {
            body["champ"] = json!(field);
        }
        (self.status, Json(json!({ "erreur": body }))).into_response()
    }
}
