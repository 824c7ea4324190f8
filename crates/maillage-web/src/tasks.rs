//! The server's background tasks, started with it: following the store into the in-memory
//! directory (and the branding), the hourly campaign reminders, the agenda's reminders and
//! erasure of registrants, and the scheduled open-data publication.

use std::sync::Arc;
use std::time::Duration;

use maillage_app::accounts::Actor;
use maillage_app::hub::branding::Branding;

use crate::state::{run, AccountsConfig, WebState};

/// How long a server may show another server's previous branding.
pub const BRANDING_REFRESH: Duration = Duration::from_secs(10);

/// Polls the store every `every` and applies the places changed since the last poll to the
/// directory. A place written to the store is served by the API and pages at most `every`
/// plus one poll's duration later. The agenda's copy is brought up to date on the way (its
/// requests check the store themselves; this only spares them the reading).
pub fn spawn_directory_sync(state: &WebState, every: Duration) -> tokio::task::JoinHandle<()> {
    let (store, directory, branding) = (state.store.clone(), state.directory.clone(), state.branding.clone());
    let agenda = state.agenda_index.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        let mut branding_read = std::time::Instant::now();
        loop {
            ticks.tick().await;
            // Another server's branding page writes the same settings: follow them too, less
            // often than places (the logo may weigh a few hundred kilobytes).
            let read_branding = branding_read.elapsed() >= BRANDING_REFRESH;
            if read_branding {
                branding_read = std::time::Instant::now();
            }
            let (store, directory, branding) = (store.clone(), directory.clone(), branding.clone());
            let agenda = agenda.clone();
            let synced = tokio::task::spawn_blocking(move || {
                // Requests check the agenda themselves; this spares the next one the reading.
                if let Err(err) = agenda.current(store.as_ref()) {
                    tracing::warn!(%err, "lecture de l'agenda impossible");
                }
                if read_branding {
                    match Branding::load(store.as_ref()) {
                        Ok(latest) if *branding.current() != latest => branding.replace(latest),
                        Ok(_) => {}
                        Err(err) => tracing::warn!(%err, "lecture de la marque impossible"),
                    }
                }
                directory.sync(store.as_ref())
            });
            match synced.await {
                Ok(Ok(outcome)) if outcome.applied > 0 => {
                    tracing::info!(lus = outcome.read, appliques = outcome.applied, "annuaire synchronisé")
                }
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::warn!(%err, "synchronisation de l'annuaire impossible"),
                Err(err) => tracing::error!(%err, "synchronisation de l'annuaire interrompue"),
            }
        }
    })
}

/// Who the server's reminder task acts as: the hub itself.
const REMINDERS: &str = "relances automatiques";

/// Sends the campaign reminders that are due, every `every` (the first check right away):
/// nobody has to remember to press the button. Forgets expired sessions, and single-use links
/// a month past their expiry, on the way.
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
            let store = state.store.clone();
            let before =
                maillage_store::now() - chrono::TimeDelta::days(maillage_app::accounts::KEEP_EXPIRED_TOKENS_DAYS);
            match tokio::task::spawn_blocking(move || store.delete_expired_tokens(before)).await {
                Ok(Ok(0)) => {}
                Ok(Ok(forgotten)) => tracing::info!(forgotten, "liens à usage unique expirés effacés"),
                Ok(Err(err)) => tracing::warn!(%err, "effacement des liens expirés impossible"),
                Err(err) => tracing::error!(%err, "effacement des liens expirés interrompu"),
            }
        }
    })
}

/// Who the agenda's task acts as: the hub itself.
const AGENDA: &str = "agenda automatique";

/// Every `every`: mails the reminders of events starting within the configured delay, and
/// erases the personal data of registrants of events ended longer ago than the configured
/// delay (see [`crate::state::AgendaSettings`]).
pub fn spawn_agenda(state: &WebState, config: Arc<AccountsConfig>, every: Duration) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let settings = state.agenda;
            let done = run(&state, &config, move |ctx| {
                let hub = Actor::System(AGENDA.to_owned());
                let now = maillage_store::now();
                let reminded = maillage_app::agenda::tasks::send_reminders(ctx, &hub, now, settings.reminder)?;
                let erased = maillage_app::agenda::tasks::purge_registrations(ctx, &hub, now, settings.erasure)?;
                Ok((reminded, erased))
            })
            .await;
            match done {
                Ok((0, 0)) => {}
                Ok((reminded, erased)) => tracing::info!(reminded, erased, "agenda : rappels et effacements"),
                Err(err) => tracing::warn!(%err, "tâches de l'agenda impossibles"),
            }
        }
    })
}

/// Who the scheduled publication acts as: the hub itself.
const PUBLICATION: &str = "publication programmée";

/// Publishes the hub's open data every `every` (the first a minute after the start, once the
/// directory has settled), when a publication folder is configured; `None` otherwise.
pub fn spawn_publication(
    state: &WebState,
    config: Arc<AccountsConfig>,
    every: Duration,
) -> Option<tokio::task::JoinHandle<()>> {
    state.open_data.publication_dir.as_ref()?;
    let state = state.clone();
    Some(tokio::spawn(async move {
        let start = tokio::time::Instant::now() + Duration::from_secs(60).min(every);
        let mut ticks = tokio::time::interval_at(start, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(settings) = state.open_data.publication(&state) else { return };
            let territory = state.territory.clone();
            let published = run(&state, &config, move |ctx| {
                let hub = Actor::System(PUBLICATION.to_owned());
                maillage_app::publication::publish(ctx, &hub, &territory, &settings)
            })
            .await;
            match published {
                Ok(manifest) => {
                    tracing::info!(
                        lieux = manifest.lieux,
                        fichiers = manifest.fichiers.len(),
                        "données ouvertes publiées"
                    )
                }
                Err(err) => tracing::warn!(%err, "publication des données ouvertes impossible"),
            }
        }
    }))
}
