//! `maillage accounts …`: the first administrator of a hub, the list of accounts, and the
//! campaign reminders that are due (for a scheduler, when the server does not run).

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use maillage_app::accounts::{bootstrap_admin, Context, LinkSigner, Locator};
use maillage_app::campaigns::send_due_reminders;
use maillage_app::mail::mailer_from_env;
use maillage_store::Store;

#[derive(Subcommand)]
pub enum AccountsCommand {
    /// Crée le premier administrateur du hub. Le mot de passe (12 caractères au moins) est lu
    /// dans MAILLAGE_ADMIN_PASSWORD, sinon sur la première ligne de l'entrée standard.
    Admin {
        /// Adresse électronique de connexion.
        #[arg(long)]
        courriel: String,
        /// Nom affiché.
        #[arg(long)]
        nom: String,
    },
    /// Liste les comptes : rôle, état, adresse.
    List,
    /// Envoie les relances de campagne arrivées à échéance (à lancer chaque jour si le serveur
    /// ne tourne pas en continu ; il le fait lui-même sinon).
    Reminders,
}

pub fn run(command: &AccountsCommand, store: &dyn Store) -> Result<ExitCode, String> {
    match command {
        AccountsCommand::Admin { courriel, nom } => {
            let password = match std::env::var("MAILLAGE_ADMIN_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|err| format!("lecture du mot de passe : {err}"))?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let user = bootstrap_admin(store, courriel, nom, &password, maillage_store::now())
                .map_err(|err| err.to_string())?;
            println!("Administrateur créé : {} ({}).", user.name, user.email);
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::List => {
            for user in store.users().map_err(|err| err.to_string())? {
                let state = match (user.active, user.password_hash.is_some()) {
                    (false, _) => "désactivé",
                    (true, false) => "invitation en attente",
                    (true, true) => "actif",
                };
                println!("{}\t{}\t{}\t{}", user.id, user.role.label(), state, user.email);
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Reminders => {
            let (mailer, _) = mailer_from_env(std::path::Path::new("boite-d-envoi")).map_err(|err| err.to_string())?;
            let signer = LinkSigner::from_env().map_err(|err| err.to_string())?;
            let territory = Arc::new(maillage_territory::Territory::embedded());
            let locator = Locator::load(store, territory).map_err(|err| err.to_string())?;
            let base_url = std::env::var("MAILLAGE_BASE_URL").unwrap_or_else(|_| "http://localhost:8080".to_owned());
            let ctx = Context {
                store,
                mailer: mailer.as_ref(),
                signer: &signer,
                locator: &locator,
                base_url: base_url.trim_end_matches('/'),
            };
            let reminded = send_due_reminders(&ctx, maillage_store::now()).map_err(|err| err.to_string())?;
            println!("{reminded} lieu(x) relancé(s).");
            Ok(ExitCode::SUCCESS)
        }
    }
}
