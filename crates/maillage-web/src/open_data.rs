//! The published open data at stable addresses: `/donnees/<name>` serves the latest file of
//! the hub's publication folder under that name (the standard's CSV and JSON, GeoJSON,
//! data·inclusion, coverage, `manifest.json`, `catalog.json`). Only the names a publication
//! writes are served, read through its manifest: nothing else in the folder is reachable.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::{WebError, WebState};

pub fn routes() -> Router<WebState> {
    Router::new().route("/donnees/{name}", get(file))
}

async fn file(State(state): State<WebState>, Path(name): Path<String>) -> Result<Response, WebError> {
    let missing = || WebError::not_found("Ce fichier n'est pas publié.").titled("Fichier introuvable");
    let Some(dir) = state.open_data.publication_dir.clone() else { return Err(missing()) };
    let wanted = name.clone();
    let found = crate::state::run_blocking(move || {
        let Some((path, media)) = maillage_app::publication::stable_file(&dir, &wanted)? else { return Ok(None) };
        Ok(std::fs::read(&path).ok().map(|bytes| (bytes, media)))
    })
    .await?;
    let Some((bytes, media)) = found else { return Err(missing()) };
    let content_type = match media {
        "text/csv" => "text/csv; charset=utf-8",
        other => other,
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
            // Partners' pages and scripts read them from their own origin.
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
