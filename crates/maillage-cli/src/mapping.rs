//! `maillage mapping`: the mappings shipped with Maillage, and the assistant that proposes a
//! mapping for a hub's export nobody has mapped yet (explained line by line, tried on the
//! whole file, written as TOML to read, correct and keep).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use maillage_formats::mapping::{shipped, Mapping};
use maillage_formats::reader::sample_rows;
use maillage_formats::suggest::{suggest, SuggestOptions};

use crate::database::load_territory;
use crate::error::{CliError, CliResult};
use crate::places::read_file;

/// Rows the assistant reads: enough for any hub's export, bounded for national files.
const SUGGEST_ROWS: usize = 5_000;

#[derive(Subcommand)]
pub enum MappingCommand {
    /// Propose une correspondance pour l'export d'un hub : chaque ligne avec sa raison et sa confiance, un aperçu de l'import, et le fichier TOML.
    Suggest {
        file: PathBuf,
        /// Écrit la correspondance proposée dans ce fichier TOML (sinon elle est affichée).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Nom de la source (par défaut : d'après le nom du fichier).
        #[arg(long)]
        source: Option<String>,
    },
    /// Liste les correspondances livrées avec Maillage (reconnues d'après les colonnes des fichiers importés).
    List,
}

pub fn run(command: &MappingCommand) -> CliResult<ExitCode> {
    match command {
        MappingCommand::List => {
            for mapping in shipped::all() {
                let source = mapping.source();
                say!("{:<20} {}", source.name, source.description.as_deref().unwrap_or(""));
            }
            Ok(ExitCode::SUCCESS)
        }
        MappingCommand::Suggest { file, out, source } => {
            let name = file.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
            let bytes = read_file(file)?;
            let (info, rows) = sample_rows(&bytes, &name, SUGGEST_ROWS)
                .map_err(|err| CliError::Usage(format!("{} : {}", file.display(), CliError::Format(err).message())))?;
            let options = SuggestOptions { source: source.clone(), file: Some(name.clone()) };
            let proposal = suggest(&info.columns, &rows, &options)
                .map_err(|err| CliError::Usage(format!("{} : {}", file.display(), CliError::Format(err).message())))?;
            let mapping = Mapping::from_spec(proposal.spec.clone()).map_err(|err| {
                CliError::Usage(format!(
                    "correspondance proposée invalide (à signaler) : {}",
                    CliError::Format(err).message()
                ))
            })?;
            let (territory, _) = load_territory();
            let preview = maillage_app::places::import::preview(&bytes, &name, &mapping, Some(&territory), 0)?;
            let text = proposal.to_toml();

            say!(
                "Correspondance proposée pour « {name} » (source « {} », {} lignes analysées) :",
                proposal.spec.source.name,
                proposal.rows
            );
            let mut lines: Vec<_> = proposal.lines.iter().collect();
            lines.sort_by_key(|line| std::cmp::Reverse(line.confidence));
            for line in lines {
                say!("  [{}] {} ← {}", line.confidence.label(), line.target, line.reason);
                for other in &line.alternatives {
                    say!("      autre choix possible : {}", other.reason);
                }
            }
            if !proposal.spec.source.unread.is_empty() {
                say!("  colonnes non lues : {}", proposal.spec.source.unread.join(", "));
            }
            say!(
                "Aperçu de l'import avec cette correspondance : {} lignes lues, {} lieux gardés ({} avec des services), {} rejetés.",
                preview.read,
                preview.kept,
                preview.with_services,
                preview.rejected
            );
            let mut reasons: Vec<_> = preview.rejections.iter().collect();
            reasons.sort_by_key(|(_, count)| std::cmp::Reverse(**count));
            for ((field, reason), count) in reasons.into_iter().take(10) {
                say!("  {count} rejet(s) : {field} — {reason}");
            }
            match out {
                Some(path) => {
                    std::fs::write(path, &text).map_err(CliError::creating(path))?;
                    say!(
                        "Correspondance écrite dans {} : relisez-la, puis importez avec « maillage import {} --mapping {} ».",
                        path.display(),
                        file.display(),
                        path.display()
                    );
                }
                None => {
                    say!("");
                    say!("{text}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
