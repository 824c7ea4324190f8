//! The hub's administration pages, a module per area: the dashboard (`home`), the moderation
//! queue (`moderation`), places, their history and claims (`places`), users and roles
//! (`accounts`), campaigns (`campaigns`), the agenda's events and registrants (`agenda`), the outbox and the audit log (`journal`),
//! duplicates (`duplicates`), the projets numériques de territoire (`pnt`), and the hub's configuration (`hub`, `imports`, and the mapping
//! assistant with the saved mappings, `assistant`), the open-data publication (`publication`), and the bassins' monographs (`monographies`).
//!
//! Handlers only translate HTTP: a role gate ([`crate::extract`]) says who may open a page,
//! every POST's CSRF token is checked by its form extractor before the handler runs, and the
//! use cases of `maillage-app` check every permission again and write the audit entries (a
//! missing check here cannot open a write).

mod accounts;
mod activity;
mod agenda;
mod assistant;
pub(crate) mod bilans;
mod campaigns;
mod duplicates;
mod home;
mod hub;
mod imports;
mod journal;
mod moderation;
mod monographies;
mod place_form;
mod places;
mod pnt;
mod publication;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::Router;
use maillage_app::AppError;

use crate::{WebError, WebState};

/// Source files of a whole region can be tens of megabytes.
const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<WebState> {
    Router::new()
        .merge(home::routes())
        .merge(moderation::routes())
        .merge(places::routes())
        .merge(accounts::routes())
        .merge(campaigns::routes())
        .merge(agenda::routes())
        .merge(journal::routes())
        .merge(duplicates::routes())
        .merge(publication::routes())
        .merge(activity::routes())
        .merge(bilans::routes().layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)))
        .merge(pnt::routes())
        .merge(monographies::routes())
        .merge(
            hub::routes()
                .merge(imports::routes())
                .merge(assistant::routes())
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
}

/// A field name as a label: `code_postal` → "Code postal".
fn label(field: &str) -> String {
    let mut text = field.replace('_', " ");
    if let Some(first) = text.get(..1) {
        text.replace_range(..1, &first.to_uppercase());
    }
    text
}

/// How a page that imports one file answers its post: the status, the problems shown above
/// the form and the count imported.
type FileOutcome = (StatusCode, Vec<String>, Option<usize>);

/// A post without a file: the page again, saying which file to choose.
fn no_file(message: &str) -> FileOutcome {
    (StatusCode::BAD_REQUEST, vec![message.to_owned()], None)
}

/// A file imported whole, or refused whole: the count, or the problems of the file itself (the
/// field `file_field`) shown on the page. Any other refusal is the error page's.
fn file_outcome(result: Result<usize, AppError>, file_field: &str) -> Result<FileOutcome, WebError> {
    match result {
        Ok(count) => Ok((StatusCode::OK, Vec::new(), Some(count))),
        Err(AppError::Invalid(problems)) if problems.iter().all(|problem| problem.field == file_field) => {
            let problems = problems.into_iter().map(|problem| problem.message).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, problems, None))
        }
        Err(err) => Err(err.into()),
    }
}

fn now() -> chrono::DateTime<chrono::Utc> {
    maillage_store::now()
}
