//! The national map's file, fetched from the address the hub configures (http(s), or a path on
//! the server) and handed to the reconciling use case: by the scheduled task and by the
//! administrators' button on `/admin/imports`. The use case checks the permission again and
//! writes the audit entry.

use std::sync::Arc;

use maillage_app::accounts::Actor;
use maillage_app::national::{pull_national, NationalPull};
use maillage_app::{AppError, AppResult};

use crate::state::{run, AccountsConfig, WebState};

/// The file at `url`: downloaded when it is an http(s) address, else read from the server's disk.
pub fn fetch(url: &str) -> AppResult<Vec<u8>> {
    let refused = |detail: String| {
        tracing::warn!(%url, %detail, "carte nationale non téléchargée");
        AppError::Input(format!("carte nationale non téléchargée depuis {url} : {detail}"))
    };
    if url.starts_with("http://") || url.starts_with("https://") {
        let response = ureq::get(url).call().map_err(|err| refused(err.to_string()))?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut response.into_body().into_reader(), &mut bytes)
            .map_err(|err| refused(err.to_string()))?;
        Ok(bytes)
    } else {
        std::fs::read(url).map_err(|err| refused(err.to_string()))
    }
}

/// Fetches the configured file and reconciles it as `actor`.
pub async fn pull(state: &WebState, config: &Arc<AccountsConfig>, actor: Actor) -> AppResult<NationalPull> {
    let Some(url) = state.open_data.national_url.clone() else {
        return Err(AppError::Input(
            "aucune adresse de la carte nationale : l'hébergeur du hub la donne par MAILLAGE_CARTE_NATIONALE_URL"
                .to_owned(),
        ));
    };
    let territory = state.territory.clone();
    run(state, config, move |ctx| {
        // Who may pull is checked before anything is downloaded.
        actor.require(ctx, maillage_app::accounts::Permission::Administer)?;
        let bytes = fetch(&url)?;
        let name = url.rsplit('/').next().filter(|name| !name.is_empty()).unwrap_or("carte-nationale.json");
        pull_national(ctx, &actor, &territory, &bytes, name)
    })
    .await
}

/// What a pull did, in one French sentence.
pub fn summary(pull: &NationalPull) -> String {
    let counts = &pull.import.batch.counts;
    format!(
        "Carte nationale : {} lignes lues, {} dans les départements du hub ; {} créés, {} mis à jour, {} retirés ; \
         {} fusionnés d'office, {} à examiner ; {} sans équivalent dans le hub.",
        pull.read,
        pull.kept,
        counts.created,
        counts.updated,
        counts.withdrawn,
        pull.scan.auto_merged,
        pull.scan.queued,
        pull.lacking
    )
}
