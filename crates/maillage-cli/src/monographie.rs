//! `maillage monographie …`: publish an edition of every bassin's monograph (a first start
//! shows complete documents), or list the editions of a bassin.

use std::process::ExitCode;

use clap::Subcommand;
use maillage_app::context::Context;
use maillage_app::monographie;
use maillage_app::territory::Locator;
use maillage_store::Store;
use maillage_territory::Territory;

use crate::database::operator;
use crate::error::CliResult;

#[derive(Subcommand)]
pub enum MonographieCommand {
    /// Publie une édition de la monographie de chaque bassin de vie, à partir des données du hub.
    Generer,
    /// Liste les éditions publiées d'un bassin de vie.
    Editions { bassin: String },
}

pub fn run(
    command: &MonographieCommand,
    store: &dyn Store,
    territory: std::sync::Arc<Territory>,
) -> CliResult<ExitCode> {
    let locator = Locator::load(store, territory.clone())?;
    let ctx = Context::new(store).with_locator(&locator);
    match command {
        MonographieCommand::Generer => {
            let started = std::time::Instant::now();
            let editions = monographie::publish_all(&ctx, &operator(), &territory, maillage_store::now())?;
            for edition in &editions {
                println!("{} : édition {} ({})", edition.bassin, edition.number, edition.id);
            }
            println!("{} monographie(s) publiée(s) en {:.1} s", editions.len(), started.elapsed().as_secs_f64());
        }
        MonographieCommand::Editions { bassin } => {
            for edition in store.monograph_editions(bassin)? {
                println!(
                    "édition {} du {} ({})",
                    edition.number,
                    edition.published_at.format("%d/%m/%Y %H:%M"),
                    edition.id
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
