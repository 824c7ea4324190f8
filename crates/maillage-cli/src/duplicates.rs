//! `maillage duplicates …`: scan for duplicates, review the queue, decide, undo a merge.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::duplicates::{self, Resolution, ReviewItem, ScanOptions};
use maillage_app::AppError;
use maillage_dedup::Thresholds;
use maillage_domain::Place;
use maillage_store::{Store, StoreError};

use crate::database::operator;
use crate::error::{CliError, CliResult};

/// The thresholds, from the command line or the environment, else the defaults.
#[derive(Args, Clone, Debug)]
pub struct ThresholdArgs {
    /// Seuil de fusion automatique (0 à 1 ; par défaut 0,90).
    #[arg(long, env = "MAILLAGE_DEDUP_AUTO_MERGE")]
    pub auto_merge: Option<f64>,
    /// Seuil de mise en revue (0 à 1 ; par défaut 0,70).
    #[arg(long, env = "MAILLAGE_DEDUP_REVIEW")]
    pub review: Option<f64>,
}

impl ThresholdArgs {
    pub fn thresholds(&self) -> CliResult<Thresholds> {
        let defaults = Thresholds::default();
        let thresholds = Thresholds {
            auto_merge: self.auto_merge.unwrap_or(defaults.auto_merge),
            review: self.review.unwrap_or(defaults.review),
        };
        duplicates::check_thresholds(&thresholds)?;
        Ok(thresholds)
    }
}

#[derive(Subcommand)]
pub enum DuplicatesCommand {
    /// Cherche les doublons parmi les lieux actifs : fusionne les paires sûres, met les autres en revue.
    Scan {
        /// Seulement les paires touchant un lieu de cette source (plusieurs possibles).
        #[arg(long)]
        source: Vec<String>,
        #[command(flatten)]
        thresholds: ThresholdArgs,
        /// Affiche le bilan en JSON.
        #[arg(long)]
        json: bool,
    },
    /// Liste les paires en attente de revue, les deux fiches côte à côte, avec chaque composante du score.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Décide d'une paire en attente : merge (même lieu) ou distinct (lieux différents, ne reviendra plus).
    Resolve {
        /// Identifiant de la paire (voir `maillage duplicates list`).
        pair: String,
        /// merge ou distinct.
        decision: String,
        /// Qui décide (gardé avec la décision).
        #[arg(long, default_value = "coordination")]
        by: String,
    },
    /// Reprend une décision « distincts » : la paire revient dans la file de revue.
    Reopen {
        /// Identifiant de la paire déclarée distincte.
        pair: String,
        /// Qui reprend la décision (gardé avec la paire).
        #[arg(long, default_value = "coordination")]
        by: String,
    },
    /// Défait un lieu fusionné : chaque fiche redevient publiée telle que sa source l'a donnée.
    Undo {
        /// Identifiant du lieu fusionné (voir `maillage duplicates groups`).
        group: String,
    },
    /// Liste les lieux fusionnés et leurs membres.
    Groups {
        #[arg(long)]
        json: bool,
    },
}

fn decimal(value: f64) -> String {
    format!("{value:.2}").replace('.', ",")
}

/// The fields shown side by side in the review queue.
fn fields(place: Option<&Place>) -> Vec<(&'static str, String)> {
    let Some(place) = place else {
        return vec![("lieu", "(absent du registre)".to_owned())];
    };
    let r = &place.record;
    vec![
        ("source", format!("{} / {}", place.source, place.source_id)),
        ("id registre", place.id.to_string()),
        ("nom", r.nom.clone()),
        ("adresse", r.adresse.clone()),
        ("commune", format!("{} {}", r.code_postal, r.commune)),
        ("pivot", r.pivot.clone().unwrap_or_default()),
        ("téléphone", r.telephone.clone().unwrap_or_default()),
        ("courriels", r.courriels.join(", ")),
        ("typologie", r.typologie.join(", ")),
        ("date_maj", r.date_maj.map(|d| d.to_string()).unwrap_or_default()),
        ("statut", place.status.as_str().to_owned()),
    ]
}

fn print_item(item: &ReviewItem) {
    say!(
        "Paire {} — score {} ({})",
        item.pair.id,
        decimal(item.pair.score),
        duplicates::status_label(item.pair.status)
    );
    let (left, right) = (fields(item.a.as_ref()), fields(item.b.as_ref()));
    for index in 0..left.len().max(right.len()) {
        let label = left.get(index).or(right.get(index)).map(|(label, _)| *label).unwrap_or("");
        let value = |side: &[(&str, String)]| side.get(index).map(|(_, value)| value.clone()).unwrap_or_default();
        say!("  {label:<12} {:<48} | {}", value(&left), value(&right));
    }
    for line in &item.explanation {
        say!("  · {line}");
    }
    if item.linked > 0 {
        say!("  ({} autres paires entre les mêmes lieux, décidées avec celle-ci)", item.linked);
    }
    say!("");
}

/// A decision's error, with the command to run when a pair or merged place is not what the
/// person thought.
fn with_hint(err: AppError, hint: &str) -> CliError {
    match err {
        AppError::Store(StoreError::NotFound(what)) => CliError::Usage(format!("introuvable : {what} ({hint})")),
        AppError::Store(StoreError::Conflict(what)) => CliError::Usage(format!("conflit : {what} ({hint})")),
        other => other.into(),
    }
}

/// Says that some places had more candidates than the detector compares.
pub(crate) fn capped_note(capped: usize) -> String {
    format!(
        "{capped} lieux ont plus de voisins ou d'homonymes que le détecteur n'en compare (centre-ville dense, ou un même lieu déposé en nombre) : seuls les plus proches ont été comparés"
    )
}

pub fn run(command: &DuplicatesCommand, store: &dyn Store) -> CliResult<ExitCode> {
    let ctx = Context::new(store);
    match command {
        DuplicatesCommand::Scan { source, thresholds, json } => {
            let thresholds = thresholds.thresholds()?;
            let options = ScanOptions { sources: source.clone(), thresholds };
            let counts = duplicates::scan(&ctx, &operator(), &options)?;
            if *json {
                say!("{}", serde_json::to_string(&counts).unwrap_or_default());
            } else {
                say!(
                    "{} lieux actifs examinés : {} paires au-dessus du seuil de revue ({}), dont {} déjà connues.",
                    counts.places,
                    counts.found,
                    decimal(thresholds.review),
                    counts.known
                );
                say!(
                    "  fusionnées automatiquement (score ≥ {}) : {}  mises en revue : {}  déjà réunies : {}",
                    decimal(thresholds.auto_merge),
                    counts.auto_merged,
                    counts.queued,
                    counts.already_grouped
                );
                if counts.blocked_by_distinct > 0 {
                    say!(
                        "  {} fusions mises en revue car elles réuniraient des lieux déclarés distincts",
                        counts.blocked_by_distinct
                    );
                }
                if counts.capped > 0 {
                    say!("  {}", capped_note(counts.capped));
                }
                say!(
                    "  lieux fusionnés : {}  paires en attente de revue : {} (maillage duplicates list)",
                    counts.groups,
                    counts.pending
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        DuplicatesCommand::List { json } => {
            let queue = duplicates::review_queue(&ctx, &operator())?;
            if *json {
                say!("{}", serde_json::to_string(&queue).unwrap_or_default());
            } else if queue.is_empty() {
                say!("Aucune paire en attente de revue.");
            } else {
                for item in &queue {
                    print_item(item);
                }
                say!("{} paires en attente. Décider : maillage duplicates resolve PAIRE merge|distinct", queue.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        DuplicatesCommand::Reopen { pair, by } => {
            let reopened = duplicates::reopen(&ctx, &Actor::operator(Some(by)), pair).map_err(|err| {
                with_hint(err, "voir `maillage duplicates list --json` pour les paires et leur statut")
            })?;
            say!("Paire {} remise en revue (maillage duplicates list).", reopened.pair_id);
            Ok(ExitCode::SUCCESS)
        }
        DuplicatesCommand::Resolve { pair, decision, by } => {
            let resolution = Resolution::parse(decision).ok_or_else(|| {
                CliError::Usage(format!("décision inconnue « {decision} » : merge (même lieu) ou distinct"))
            })?;
            let resolved = duplicates::resolve(&ctx, &Actor::operator(Some(by)), pair, resolution).map_err(|err| {
                with_hint(
                    err,
                    "voir `maillage duplicates list` ; une fusion se défait par `maillage duplicates undo GROUPE`",
                )
            })?;
            match resolved.group_id {
                Some(group) => say!("Paire {} fusionnée dans le lieu fusionné {group}.", resolved.pair_id),
                None => say!("Paire {} déclarée distincte : elle ne sera plus proposée.", resolved.pair_id),
            }
            Ok(ExitCode::SUCCESS)
        }
        DuplicatesCommand::Undo { group } => {
            let members = duplicates::undo(&ctx, &operator(), group)
                .map_err(|err| with_hint(err, "voir `maillage duplicates groups`"))?;
            let names: Vec<String> = members.iter().map(ToString::to_string).collect();
            say!(
                "Lieu fusionné {group} défait : {} fiches de nouveau publiées séparément ({}). Ses paires retournent en revue.",
                members.len(),
                names.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        DuplicatesCommand::Groups { json } => {
            let merged = duplicates::merged_places(&ctx, &operator())?;
            if *json {
                // Members with their registry id, so that scripts can `maillage show` them.
                let out: Vec<serde_json::Value> = merged
                    .iter()
                    .map(|merged| {
                        let members = merged
                            .members
                            .iter()
                            .map(|(key, place)| {
                                serde_json::json!({
                                    "source": key.source,
                                    "source_id": key.source_id,
                                    "id": place.as_ref().map(|place| place.id.0.clone()),
                                })
                            })
                            .collect();
                        let mut value = serde_json::to_value(&merged.group).unwrap_or_default();
                        value["members"] = serde_json::Value::Array(members);
                        value
                    })
                    .collect();
                say!("{}", serde_json::Value::Array(out));
            } else {
                for merged in &merged {
                    let group = &merged.group;
                    let names: Vec<String> = group.members.iter().map(ToString::to_string).collect();
                    say!("{}\t{}\t{}\t{}", group.id, group.record.nom, group.reason, names.join(", "));
                }
                say!("{} lieux fusionnés.", merged.len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
