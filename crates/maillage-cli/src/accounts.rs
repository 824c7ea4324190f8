//! `maillage accounts …`: the first administrator of a hub, the list of accounts, and the
//! campaign reminders that are due (for a scheduler, when the server does not run).

use std::io::BufRead;
use std::process::ExitCode;

use clap::Subcommand;
use maillage_app::accounts::{bootstrap_admin, users};
use maillage_app::campaigns::send_due_reminders;
use maillage_app::context::{Context, Mailing};
use maillage_store::Store;

use crate::config::Config;
use crate::database::operator;
use crate::error::{CliError, CliResult};

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

pub fn run(command: &AccountsCommand, store: &dyn Store, config: &Config) -> CliResult<ExitCode> {
    let ctx = Context::new(store);
    match command {
        AccountsCommand::Admin { courriel, nom } => {
            let password = match &config.admin_password {
                Some(password) => password.clone(),
                None => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|err| CliError::System { what: "lecture du mot de passe impossible", err })?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let user = bootstrap_admin(&ctx, &operator(), courriel, nom, &password, maillage_store::now())?;
            say!("Administrateur créé : {} ({}).", user.name, user.email);
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::List => {
            for user in users(&ctx, &operator())? {
                let state = match (user.active, user.password_hash.is_some()) {
                    (false, _) => "désactivé",
                    (true, false) => "invitation en attente",
                    (true, true) => "actif",
                };
                say!("{}\t{}\t{}\t{}", user.id, user.role.label(), state, user.email);
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Reminders => {
            let mail = config.mail_setup()?;
            let signer = config.link_signer()?;
            let mailing = Mailing { mailer: mail.mailer.as_ref(), signer: &signer, base_url: &config.base_url };
            let reminded = send_due_reminders(&ctx.with_mailing(mailing), &operator(), maillage_store::now())?;
            say!("{reminded} lieu(x) relancé(s).");
            Ok(ExitCode::SUCCESS)
        }
    }
}
