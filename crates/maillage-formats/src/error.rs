//! Errors of the formats layer: a whole file that cannot be read at all. Problems of single
//! rows or values are not errors; they are reported as [`maillage_domain::Problem`]s.

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("fichier illisible : {0}")]
    Unreadable(String),
    #[error("JSON invalide : {0}")]
    Json(String),
    #[error("CSV invalide à la ligne {line} : {message}")]
    Csv { line: u64, message: String },
    #[error("fichier de correspondance invalide : {0}")]
    Mapping(String),
    #[error("schéma invalide : {0}")]
    Schema(String),
    #[error("écriture impossible : {0}")]
    Write(String),
}
