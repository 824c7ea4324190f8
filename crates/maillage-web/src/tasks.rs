//! The server's background tasks, started with it: following the store into the in-memory
//! directory (and the branding), the hourly campaign reminders and forgetting of expired
//! sessions and links, the agenda's reminders and erasure of registrants, the scheduled
//! open-data publication and the pull of the national map. Each is a [`Periodic`] task: one
//! loop, one interval, one log line per round that did something, one warning per failure.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use maillage_app::accounts::Actor;
use maillage_app::hub::branding::Branding;
use maillage_app::{AppError, AppResult};

use crate::state::{blocking, run, AccountsConfig, WebState};

/// How long a server may show another server's previous branding.
pub const BRANDING_REFRESH: Duration = Duration::from_secs(10);

/// A named task run on a schedule: the first round `first` after the start, then every
/// `every`. A round longer than the interval delays the next one instead of bunching them.
struct Periodic {
    name: &'static str,
    first: Duration,
    every: Duration,
}

impl Periodic {
    /// Runs `round` on the schedule. A round says what it did in French (logged with the
    /// task's name), nothing when there was nothing to do, or its error (a warning: the next
    /// round tries again).
    fn spawn<F, R>(self, mut round: F) -> tokio::task::JoinHandle<()>
    where
        F: FnMut() -> R + Send + 'static,
        R: Future<Output = AppResult<Option<String>>> + Send + 'static,
    {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + self.first, self.every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match round().await {
                    Ok(None) => {}
                    Ok(Some(done)) => tracing::info!(tache = self.name, "{done}"),
                    Err(err) => tracing::warn!(tache = self.name, %err, "tâche programmée impossible"),
                }
            }
        })
    }
}

/// "3 relances envoyées, 1 effacement" from counts and what each counts, leaving out zeros;
/// `None` when every count is zero.
fn counts(parts: &[(usize, &str)]) -> Option<String> {
    let said: Vec<String> =
        parts.iter().filter(|(count, _)| *count > 0).map(|(count, what)| format!("{what} : {count}")).collect();
    (!said.is_empty()).then(|| said.join(", "))
}

/// Polls the store every `every` and applies the places changed since the last poll to the
/// directory. A place written to the store is served by the API and pages at most `every`
/// plus one poll's duration later. The agenda's copy is brought up to date on the way (its
/// requests check the store themselves; this only spares them the reading).
pub fn spawn_directory_sync(state: &WebState, every: Duration) -> tokio::task::JoinHandle<()> {
    let (store, directory, branding) = (state.store.clone(), state.directory.clone(), state.branding.clone());
    let agenda = state.agenda_index.clone();
    let mut branding_read = std::time::Instant::now();
    Periodic { name: "annuaire", first: every, every }.spawn(move || {
        // Another server's branding page writes the same settings: follow them too, less
        // often than places (the logo may weigh a few hundred kilobytes).
        let read_branding = branding_read.elapsed() >= BRANDING_REFRESH;
        if read_branding {
            branding_read = std::time::Instant::now();
        }
        let (store, directory, branding) = (store.clone(), directory.clone(), branding.clone());
        let agenda = agenda.clone();
        blocking(move || {
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
            let outcome = directory.sync(store.as_ref())?;
            Ok((outcome.applied > 0)
                .then(|| format!("annuaire synchronisé : {} lus, {} appliqués", outcome.read, outcome.applied)))
        })
    })
}

/// Who the server's reminder task acts as: the hub itself.
const REMINDERS: &str = "relances automatiques";

/// Sends the campaign reminders that are due, every `every` (the first check right away):
/// nobody has to remember to press the button. Forgets expired sessions, and single-use links
/// a month past their expiry, on the same schedule.
pub fn spawn_reminders(state: &WebState, config: Arc<AccountsConfig>, every: Duration) {
    let (reminding, forgetting) = (state.clone(), state.store.clone());
    Periodic { name: "relances de campagne", first: Duration::ZERO, every }.spawn(move || {
        let (state, config) = (reminding.clone(), config.clone());
        async move {
            let reminded = run(&state, &config, |ctx| {
                let hub = Actor::System(REMINDERS.to_owned());
                maillage_app::campaigns::send_due_reminders(ctx, &hub, maillage_store::now())
            })
            .await?;
            Ok::<_, AppError>(counts(&[(reminded, "relances de campagne envoyées")]))
        }
    });
    // Expired sessions and links are refused anyway; forgetting them keeps the tables small.
    Periodic { name: "sessions et liens expirés", first: Duration::ZERO, every }.spawn(move || {
        let store = forgetting.clone();
        blocking(move || {
            let now = maillage_store::now();
            let sessions = store.delete_expired_sessions(now)?;
            let before = now - chrono::TimeDelta::days(maillage_app::accounts::KEEP_EXPIRED_TOKENS_DAYS);
            let tokens = store.delete_expired_tokens(before)?;
            Ok(counts(&[
                (sessions as usize, "sessions expirées effacées"),
                (tokens as usize, "liens à usage unique expirés effacés"),
            ]))
        })
    });
}

/// Who the agenda's task acts as: the hub itself.
const AGENDA: &str = "agenda automatique";

/// Every `every`: mails the reminders of events starting within the configured delay, and
/// erases the personal data of registrants of events ended longer ago than the configured
/// delay (see [`crate::state::AgendaSettings`]).
pub fn spawn_agenda(state: &WebState, config: Arc<AccountsConfig>, every: Duration) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    Periodic { name: "agenda", first: Duration::ZERO, every }.spawn(move || {
        let (state, config) = (state.clone(), config.clone());
        let settings = state.agenda;
        async move {
            let (reminded, erased) = run(&state, &config, move |ctx| {
                let hub = Actor::System(AGENDA.to_owned());
                let now = maillage_store::now();
                let reminded = maillage_app::agenda::tasks::send_reminders(ctx, &hub, now, settings.reminder)?;
                let erased = maillage_app::agenda::tasks::purge_registrations(ctx, &hub, now, settings.erasure)?;
                Ok((reminded, erased))
            })
            .await?;
            Ok::<_, AppError>(counts(&[(reminded, "rappels de l'agenda envoyés"), (erased, "inscrits effacés")]))
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
    let first = Duration::from_secs(60).min(every);
    Some(Periodic { name: "publication", first, every }.spawn(move || {
        let (state, config) = (state.clone(), config.clone());
        async move {
            let Some(settings) = state.open_data.publication(&state) else { return Ok(None) };
            let territory = state.territory.clone();
            let manifest = run(&state, &config, move |ctx| {
                let hub = Actor::System(PUBLICATION.to_owned());
                maillage_app::publication::publish(ctx, &hub, &territory, &settings)
            })
            .await?;
            Ok::<_, AppError>(Some(format!(
                "données ouvertes publiées : {} lieux, {} fichiers",
                manifest.lieux,
                manifest.fichiers.len()
            )))
        }
    }))
}

/// Who the scheduled pull of the national map acts as: the hub itself.
const NATIONAL: &str = "carte nationale programmée";

/// Pulls the national map's file every `every` (the first `first` after the start), when an
/// address is configured (`None` otherwise): its places in the hub's départements are imported
/// and reconciled, and those that may be the hub's wait in the duplicates' review queue.
pub fn spawn_national_pull(
    state: &WebState,
    config: Arc<AccountsConfig>,
    first: Duration,
    every: Duration,
) -> Option<tokio::task::JoinHandle<()>> {
    state.open_data.national_url.as_ref()?;
    let state = state.clone();
    Some(Periodic { name: "carte nationale", first, every }.spawn(move || {
        let (state, config) = (state.clone(), config.clone());
        async move {
            let pull = crate::national::pull(&state, &config, Actor::System(NATIONAL.to_owned())).await?;
            Ok::<_, AppError>(Some(crate::national::summary(&pull)))
        }
    }))
}
