//! The application layer's errors: one type for every use case, each variant saying in French
//! what the person can do. The edges (web, command line) map them to their answers once.

/// Errors of the application layer; each says in French what the user can do.
///
/// A record that is missing or was changed meanwhile is the store's `NotFound` or `Conflict`
/// (`AppError::Store`), whoever notices it: the edges answer both the same way wherever they
/// come from.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Format(#[from] maillage_formats::FormatError),
    #[error(transparent)]
    Store(#[from] maillage_store::StoreError),
    #[error("{0}")]
    Input(String),
    /// The actor may not do this (a role or scope check failed); the message says what.
    #[error("{0}")]
    Forbidden(String),
    /// Credentials or a link were refused (wrong password, locked account, expired or used
    /// link); the message is safe to show and says nothing about which accounts exist.
    #[error("{0}")]
    Refused(String),
    /// A form's values, field by field, as the import would report them; for a file sent in
    /// a form, its field with one message per problem line.
    #[error("valeurs refusées : {}", .0.iter().map(|e| format!("{} : {}", e.field, e.message)).collect::<Vec<_>>().join(" ; "))]
    Invalid(Vec<FieldError>),
}

/// A problem with one field of a form, in French.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError { field: field.to_owned(), message: message.into() }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Why a file could not be read or written, in French: the system's own text is English and
/// names no file, so it goes to the log and people get the kind of failure.
pub fn io_reason(err: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    tracing::debug!(%err, "erreur d'entrée-sortie");
    match err.kind() {
        ErrorKind::NotFound => "fichier ou dossier introuvable",
        ErrorKind::PermissionDenied => "permission refusée",
        ErrorKind::AlreadyExists => "le fichier existe déjà",
        ErrorKind::IsADirectory => "c'est un dossier, pas un fichier",
        ErrorKind::NotADirectory => "un élément du chemin n'est pas un dossier",
        ErrorKind::StorageFull => "plus de place sur le disque",
        ErrorKind::ReadOnlyFilesystem => "système de fichiers en lecture seule",
        ErrorKind::InvalidData => "contenu illisible (encodage invalide)",
        ErrorKind::UnexpectedEof => "fichier tronqué",
        ErrorKind::BrokenPipe => "sortie fermée",
        ErrorKind::Interrupted => "opération interrompue",
        ErrorKind::FileTooLarge => "fichier trop volumineux",
        _ => "erreur d'entrée-sortie (détails dans le journal)",
    }
}
