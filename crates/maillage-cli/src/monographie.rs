//! `maillage monographie …`: publish an edition of every bassin's monograph (a first start
//! shows complete documents), list the editions of a bassin, or write one as a PDF or ODT.

use std::process::ExitCode;

use clap::Subcommand;
use maillage_app::context::Context;
use maillage_app::monographie;
use maillage_app::territory::Locator;
use maillage_store::Store;
use maillage_territory::Territory;

use crate::database::operator;
use crate::error::{CliError, CliResult};

#[derive(Subcommand)]
pub enum MonographieCommand {
    /// Publie une édition de la monographie de chaque bassin de vie, à partir des données du hub.
    Generer,
    /// Liste les éditions publiées d'un bassin de vie.
    Editions { bassin: String },
    /// Écrit une édition (la dernière du bassin, ou celle nommée) en PDF ou en ODT (traitement de texte).
    Document {
        bassin: String,
        /// Fichier à écrire : son extension (.pdf ou .odt) choisit le format.
        #[arg(long)]
        sortie: std::path::PathBuf,
        /// L'identifiant de l'édition (par défaut la dernière).
        #[arg(long)]
        edition: Option<String>,
    },
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
        MonographieCommand::Document { bassin, sortie, edition } => {
            let editions = store.monograph_editions(bassin)?;
            let chosen = match edition {
                Some(id) => editions.into_iter().find(|e| &e.id == id),
                None => editions.into_iter().last(),
            };
            let Some(chosen) = chosen else {
                return Err(CliError::Usage(format!(
                    "aucune édition « {} » pour le bassin de vie « {bassin} »",
                    edition.as_deref().unwrap_or("dernière")
                )));
            };
            let content = monographie::read_content(&chosen)?;
            let bytes = match sortie.extension().and_then(|e| e.to_str()) {
                Some("pdf") => monographie::document::pdf(&content, &chosen, &territory)?,
                Some("odt") => monographie::document::odt(&content, &chosen, &territory)?,
                _ => {
                    return Err(CliError::Usage(format!(
                        "--sortie : l'extension doit être .pdf ou .odt ({})",
                        sortie.display()
                    )))
                }
            };
            std::fs::write(sortie, &bytes).map_err(CliError::creating(sortie))?;
            println!(
                "{} : édition {} écrite dans {} ({} octets)",
                chosen.bassin,
                chosen.number,
                sortie.display(),
                bytes.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
