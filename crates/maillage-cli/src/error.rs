//! The command's errors, and the one place where they become the French message it prints.
//!
//! Use cases, the store and the formats say what went wrong in French already; what comes from
//! the system (a file that cannot be opened, a socket) or from a library (an SQL driver's
//! text) is English and may hold details nobody should see on a terminal (a URL's password):
//! those go to the log (`MAILLAGE_LOG=debug`) and the message says what failed, in French.

use std::path::{Path, PathBuf};

use maillage_app::{io_reason, AppError};
use maillage_formats::FormatError;
use maillage_store::StoreError;

#[derive(Debug)]
pub enum CliError {
    App(AppError),
    Store(StoreError),
    Format(FormatError),
    /// A file the command was asked to read or write.
    File {
        path: PathBuf,
        action: FileAction,
        err: std::io::Error,
    },
    /// A CSV file the command writes.
    Csv {
        path: Option<PathBuf>,
        err: csv::Error,
    },
    /// A file refused whole, with its problems (each names its line); nothing was written.
    Rejected {
        what: String,
        problems: Vec<String>,
    },
    /// What the command itself refuses: an option's value, a missing argument; in French.
    Usage(String),
    /// The system failed outside any file (starting the server, listening on its address).
    System {
        what: &'static str,
        err: std::io::Error,
    },
}

#[derive(Clone, Copy, Debug)]
pub enum FileAction {
    Read,
    Create,
    Write,
}

pub type CliResult<T> = Result<T, CliError>;

/// The errors of the layers below, each kept whole in its variant (for `?`).
macro_rules! from_layer {
    ($($variant:ident($error:ty)),+ $(,)?) => {
        $(
            impl From<$error> for CliError {
                fn from(err: $error) -> Self {
                    CliError::$variant(err)
                }
            }
        )+
    };
}

from_layer!(App(AppError), Store(StoreError), Format(FormatError));

impl CliError {
    /// For `map_err`: reading this file failed.
    pub fn reading(path: &Path) -> impl FnOnce(std::io::Error) -> CliError + '_ {
        move |err| CliError::File { path: path.to_owned(), action: FileAction::Read, err }
    }

    /// For `map_err`: creating this file failed.
    pub fn creating(path: &Path) -> impl FnOnce(std::io::Error) -> CliError + '_ {
        move |err| CliError::File { path: path.to_owned(), action: FileAction::Create, err }
    }

    /// For `map_err`: writing this file failed.
    pub fn writing(path: &Path) -> impl FnOnce(std::io::Error) -> CliError + '_ {
        move |err| CliError::File { path: path.to_owned(), action: FileAction::Write, err }
    }

    /// The message to print, in French; internal details are logged here.
    pub fn message(&self) -> String {
        match self {
            CliError::App(err) => app_message(err),
            CliError::Store(err) => store_message(err),
            CliError::Format(err) => err.to_string(),
            CliError::File { path, action, err } => {
                let action = match action {
                    FileAction::Read => "lecture",
                    FileAction::Create => "création",
                    FileAction::Write => "écriture",
                };
                format!("{action} de {} impossible : {}", path.display(), io_reason(err))
            }
            CliError::Csv { path, err } => {
                let reason = maillage_formats::csv_reason(err);
                match path {
                    Some(path) => format!("écriture de {} impossible : {reason}", path.display()),
                    None => format!("écriture impossible : {reason}"),
                }
            }
            CliError::Rejected { what, problems } => {
                format!("{what} refusé, rien n'a été enregistré :\n  {}", problems.join("\n  "))
            }
            CliError::Usage(message) => message.clone(),
            CliError::System { what, err } => format!("{what} : {}", io_reason(err)),
        }
    }
}

fn app_message(err: &AppError) -> String {
    match err {
        AppError::Input(message) | AppError::Forbidden(message) | AppError::Refused(message) => message.clone(),
        AppError::Invalid(errors) => {
            let lines: Vec<String> = errors.iter().map(|e| format!("  {} : {}", e.field, e.message)).collect();
            format!("valeurs refusées :\n{}", lines.join("\n"))
        }
        AppError::Format(err) => err.to_string(),
        AppError::Store(err) => store_message(err),
    }
}

fn store_message(err: &StoreError) -> String {
    match err {
        StoreError::NotFound(what) => format!("introuvable : {what}"),
        StoreError::Conflict(what) => format!("conflit : {what}"),
        StoreError::Backend(details) => {
            tracing::error!(%details, "base de données");
            "la base de données n'a pas pu faire l'opération (détails dans le journal : MAILLAGE_LOG=error)".to_owned()
        }
    }
}
