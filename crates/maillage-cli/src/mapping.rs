//! `maillage mapping`: the mappings shipped with Maillage and those the hub saved (save, list,
//! export, delete), and the assistant that proposes a mapping for a hub's export nobody has
//! mapped yet (explained line by line, tried on the whole file, written as TOML to read,
//! correct and keep).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use maillage_app::context::Context;
use maillage_app::mappings::{self, MappingToSave, SampleFile};
use maillage_formats::mapping::{shipped, Mapping};
use maillage_formats::reader::sample_rows;
use maillage_formats::suggest::{suggest, SuggestOptions};

use crate::config::Config;
use crate::database::{self, load_territory, operator};
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
    /// Liste les correspondances enregistrées par le hub, puis celles livrées avec Maillage (reconnues d'après les colonnes des fichiers importés).
    List,
    /// Enregistre une correspondance dans la base : les prochains imports d'un fichier de cet export la reconnaîtront.
    Save {
        file: PathBuf,
        /// Nom de la correspondance (par défaut : le nom de sa source, [source] name).
        #[arg(long)]
        name: Option<String>,
        /// Un fichier de l'export : la correspondance ne doit nommer que ses colonnes, qui serviront à reconnaître les suivants.
        #[arg(long)]
        sample: Option<PathBuf>,
        /// Remplace la correspondance enregistrée sous ce nom.
        #[arg(long)]
        replace: bool,
    },
    /// Écrit le fichier TOML d'une correspondance enregistrée (tel qu'enregistré) ou livrée.
    Export {
        name: String,
        /// Fichier où l'écrire (sinon, la sortie standard).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Supprime une correspondance enregistrée (les lieux importés avec elle restent).
    Delete { name: String },
}

pub fn run(command: &MappingCommand, config: &Config) -> CliResult<ExitCode> {
    match command {
        MappingCommand::List => {
            let store = database::open(config, false)?;
            let ctx = Context::new(store.as_ref());
            for saved in mappings::saved_mappings(&ctx, &operator())? {
                say!(
                    "{:<20} enregistrée, source « {} », version {} du {}",
                    saved.name,
                    saved.source,
                    saved.version,
                    saved.updated_at.format("%d/%m/%Y")
                );
            }
            for mapping in shipped::all() {
                let source = mapping.source();
                say!("{:<20} {}", source.name, source.description.as_deref().unwrap_or(""));
            }
            Ok(ExitCode::SUCCESS)
        }
        MappingCommand::Save { file, name, sample, replace } => {
            let toml = std::fs::read_to_string(file).map_err(CliError::reading(file))?;
            let sample_bytes = sample.as_deref().map(read_file).transpose()?;
            let sample_name = sample
                .as_ref()
                .and_then(|path| path.file_name())
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let store = database::open(config, false)?;
            let ctx = Context::new(store.as_ref());
            let actor = operator();
            let parsed = mappings::parse_mapping(&toml)
                .map_err(|err| CliError::Usage(format!("{} : {}", file.display(), err)))?;
            let key = name.clone().unwrap_or_else(|| parsed.source_name().to_owned());
            let existing = store.saved_mapping(&key)?;
            let replaces = match (existing, replace) {
                (Some(saved), true) => Some(saved.version),
                (Some(saved), false) => {
                    return Err(CliError::Usage(format!(
                        "la correspondance « {key} » est déjà enregistrée (version {}) : ajoutez --replace pour la remplacer",
                        saved.version
                    )))
                }
                (None, true) => {
                    return Err(CliError::Usage(format!("aucune correspondance « {key} » enregistrée à remplacer")))
                }
                (None, false) => None,
            };
            let request = MappingToSave {
                toml: &toml,
                name: Some(&key),
                sample: sample_bytes.as_deref().map(|bytes| SampleFile { bytes, file_name: &sample_name }),
                replaces,
            };
            let saved = mappings::save_mapping(&ctx, &actor, &request, maillage_store::now())?;
            say!(
                "Correspondance « {} » enregistrée (version {}, source « {} », {} colonnes connues) : les fichiers de cet export \
                 seront reconnus à l'import.",
                saved.name,
                saved.version,
                saved.source,
                saved.layout.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        MappingCommand::Export { name, out } => {
            let store = database::open(config, false)?;
            let text = mappings::export_mapping(&Context::new(store.as_ref()), &operator(), name)?;
            match out {
                Some(path) => {
                    std::fs::write(path, &text).map_err(CliError::creating(path))?;
                    note!("Correspondance « {name} » écrite dans {}.", path.display());
                }
                // The file's own bytes, as an export's: a data stream, not a message.
                None => {
                    use std::io::Write as _;
                    let mut out = std::io::stdout().lock();
                    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(|err| {
                        CliError::Usage(format!(
                            "écriture sur la sortie standard impossible : {}",
                            maillage_app::io_reason(&err)
                        ))
                    })?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        MappingCommand::Delete { name } => {
            let store = database::open(config, false)?;
            let ctx = Context::new(store.as_ref());
            let saved = mappings::saved_mapping(&ctx, &operator(), name)?;
            mappings::delete_mapping(&ctx, &operator(), name, saved.version)?;
            say!("Correspondance « {name} » supprimée ; les lieux importés avec elle restent.");
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
