//! The database a command works on, opened from the configuration (a PostgreSQL URL, or a
//! SQLite file), with the demo data loaded into an empty one; and France's territory, loaded
//! only by the commands that need it.
//!
//! The command line acts as the operator of the machine it runs on ([`Actor::operator`]):
//! whoever runs it can open the database file anyway, so the use cases' role checks pass for
//! it, and the audit log still records what it changes (with no account named).

use std::path::PathBuf;

use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::places::demo;
use maillage_store::Store;
use maillage_store_postgres::PostgresStore;
use maillage_store_sqlite::SqliteStore;
use maillage_territory::Territory;

use crate::config::Config;
use crate::error::{CliError, CliResult};

/// The operator, as the use cases see the command line.
pub fn operator() -> Actor {
    Actor::operator(None)
}

/// France's territory, compiled into the binary; loading it takes a fraction of a second,
/// so commands that do not need it do not pay for it.
pub fn load_territory() -> (Territory, std::time::Duration) {
    let start = std::time::Instant::now();
    let territory = Territory::embedded();
    (territory, start.elapsed())
}

/// Opens the database the configuration names; with `load_demo`, an empty one (unless the
/// configuration says `--no-demo`) gets the demo data.
pub fn open(config: &Config, load_demo: bool) -> CliResult<Box<dyn Store>> {
    let target = config.database.as_str();
    let store: Box<dyn Store> = if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        let settings = config.pool_settings()?;
        // The URL may hold a password: it is never repeated in messages or logs.
        Box::new(PostgresStore::connect_with(target, settings).map_err(|err| {
            tracing::error!(%err, "connexion à PostgreSQL");
            CliError::Usage(
                "connexion à la base PostgreSQL impossible (voir le journal, MAILLAGE_LOG=error)".to_owned(),
            )
        })?)
    } else {
        let path = PathBuf::from(target.strip_prefix("sqlite://").unwrap_or(target));
        Box::new(SqliteStore::open(&path).map_err(|err| {
            tracing::error!(%err, db = %path.display(), "ouverture de la base");
            CliError::Usage(format!(
                "ouverture de la base {} impossible (voir le journal, MAILLAGE_LOG=error)",
                path.display()
            ))
        })?)
    };
    let empty = store.batches().map(|batches| batches.is_empty()).unwrap_or(false);
    if load_demo && config.demo && empty {
        let (territory, _) = load_territory();
        if let Some(loaded) = demo::load_if_empty(&Context::new(store.as_ref()), &operator(), &territory)? {
            note!(
                "Base vide : données de démonstration du hub Centre-Val de Loire chargées ({} lieux).",
                loaded.batch.counts.created
            );
        }
        // The Indre-et-Loire PNT of seed 002, beside the places and bassins it needs.
        if let Some(projects) = maillage_app::pnt::demo::load_if_empty(&Context::new(store.as_ref()), &operator())? {
            note!("Démonstration : PNT d'Indre-et-Loire ({projects} idées et projets, seed 002).");
        }
        // The agenda's demo: the seeds' temps forts, and a few upcoming events to try.
        let locator = maillage_app::territory::Locator::load(store.as_ref(), std::sync::Arc::new(territory));
        match locator.and_then(|locator| {
            maillage_app::agenda::demo::load_if_empty(
                &Context::new(store.as_ref()).with_locator(&locator),
                &operator(),
                maillage_store::now(),
            )
        }) {
            Ok(0) => {}
            Ok(count) => note!("Agenda de démonstration : {count} événements."),
            Err(err) => tracing::warn!(err = %err, "agenda de démonstration non chargé"),
        }
        // The 2022 figures of seed 001's bilan, as past totals: the first bilan is a real one.
        if let Some(lines) = maillage_app::activity::demo::load_if_empty(&Context::new(store.as_ref()), &operator())? {
            note!("Démonstration : chiffres du bilan 2022 du hub ({lines} lignes de totaux, seed 001).");
        }
    }
    Ok(store)
}
