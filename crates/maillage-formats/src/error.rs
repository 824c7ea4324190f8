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

/// Where and why JSON could not be read, in French (serde's own text is English).
pub fn json_reason(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("ligne {}, colonne {}", err.line(), err.column());
    match err.classify() {
        Category::Eof => format!("le texte s'arrête avant la fin ({at}) : fichier tronqué ?"),
        Category::Syntax => format!("syntaxe incorrecte ({at})"),
        Category::Data => format!("valeur d'un type inattendu ({at})"),
        Category::Io => "lecture interrompue".to_owned(),
    }
}

/// Why a CSV line could not be read or written, in French (the csv crate's text is English).
pub fn csv_reason(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} champs au lieu de {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "texte qui n'est pas en UTF-8".to_owned(),
        csv::ErrorKind::Io(err) => io_reason(err).to_owned(),
        _ => "ligne illisible".to_owned(),
    }
}

/// Why a file or stream could not be read or written, in French.
pub(crate) fn io_reason(err: &std::io::Error) -> &'static str {
    match err.kind() {
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput => "données invalides",
        std::io::ErrorKind::UnexpectedEof => "fin inattendue : fichier tronqué ?",
        std::io::ErrorKind::BrokenPipe => "sortie fermée",
        std::io::ErrorKind::StorageFull => "plus de place sur le disque",
        std::io::ErrorKind::PermissionDenied => "permission refusée",
        _ => "erreur d'entrée-sortie",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_are_said_in_french_with_their_place() {
        let err = serde_json::from_str::<serde_json::Value>("[{\"a\": 1").unwrap_err();
        assert_eq!(json_reason(&err), "le texte s'arrête avant la fin (ligne 1, colonne 8) : fichier tronqué ?");
        let err = serde_json::from_str::<serde_json::Value>("[1,,2]").unwrap_err();
        assert_eq!(json_reason(&err), "syntaxe incorrecte (ligne 1, colonne 4)");
    }
}
