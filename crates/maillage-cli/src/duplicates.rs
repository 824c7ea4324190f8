//! `maillage duplicates …`: scan for duplicates, review the queue, decide, undo a merge.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use maillage_app::duplicates::{self, Resolution, ReviewItem, ScanOptions};
use maillage_dedup::Thresholds;
use maillage_domain::Place;
use maillage_store::Store;

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
    pub fn thresholds(&self) -> Result<Thresholds, String> {
        let defaults = Thresholds::default();
        let thresholds = Thresholds {
            auto_merge: self.auto_merge.unwrap_or(defaults.auto_merge),
            review: self.review.unwrap_or(defaults.review),
        };
        duplicates::check_thresholds(&thresholds).map_err(|err| err.to_string())?;
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

macro_rules! emit {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(err) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if err.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
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
    emit!(
        "Paire {} — score {} ({})",
        item.pair.id,
        decimal(item.pair.score),
        duplicates::status_label(item.pair.status)
    );
    let (left, right) = (fields(item.a.as_ref()), fields(item.b.as_ref()));
    for index in 0..left.len().max(right.len()) {
        let label = left.get(index).or(right.get(index)).map(|(label, _)| *label).unwrap_or("");
        let value = |side: &[(&str, String)]| side.get(index).map(|(_, value)| value.clone()).unwrap_or_default();
        emit!("  {label:<12} {:<48} | {}", value(&left), value(&right));
    }
    for line in &item.explanation {
        emit!("  · {line}");
    }
    if item.linked > 0 {
        emit!("  ({} autres paires entre les mêmes lieux, décidées avec celle-ci)", item.linked);
    }
    emit!("");
}

pub fn run(command: &DuplicatesCommand, store: &dyn Store) -> Result<ExitCode, String> {
    match command {
        DuplicatesCommand::Scan { source, thresholds, json } => {
            let thresholds = thresholds.thresholds()?;
            let options = ScanOptions { sources: source.clone(), thresholds };
            let counts = duplicates::scan(store, &options).map_err(|err| err.to_string())?;
            if *json {
                emit!("{}", serde_json::to_string(&counts).unwrap_or_default());
            } else {
                emit!(
                    "{} lieux actifs examinés : {} paires au-dessus du seuil de revue ({}), dont {} déjà connues.",
                    counts.places,
                    counts.found,
                    decimal(thresholds.review),
                    counts.known
                );
                emit!(
                    "  fusionnées automatiquement (score ≥ {}) : {}  mises en revue : {}  déjà réunies : {}",
                    decimal(thresholds.auto_merge),
                    counts.auto_merged,
                    counts.queued,
                    counts.already_grouped
                );
                if counts.blocked_by_distinct > 0 {
                    emit!(
                        "  {} fusions mises en revue car elles réuniraient des lieux déclarés distincts",
                        counts.blocked_by_distinct
                    );
                }
                emit!(
                    "  lieux fusionnés : {}  paires en attente de revue : {} (maillage duplicates list)",
                    counts.groups,
                    counts.pending
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        DuplicatesCommand::List { json } => {
            let queue = duplicates::review_queue(store).map_err(|err| err.to_string())?;
            if *json {
                emit!("{}", serde_json::to_string(&queue).unwrap_or_default());
            } else if queue.is_empty() {
                emit!("Aucune paire en attente de revue.");
            } else {
                for item in &queue {
                    print_item(item);
                }
                emit!("{} paires en attente. Décider : maillage duplicates resolve PAIRE merge|distinct", queue.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        DuplicatesCommand::Resolve { pair, decision, by } => {
            let resolution = Resolution::parse(decision)
                .ok_or_else(|| format!("décision inconnue « {decision} » : merge (même lieu) ou distinct"))?;
            let resolved = duplicates::resolve(store, pair, resolution, by).map_err(|err| err.to_string())?;
            match resolved.group_id {
                Some(group) => emit!("Paire {} fusionnée dans le lieu fusionné {group}.", resolved.pair_id),
                None => emit!("Paire {} déclarée distincte : elle ne sera plus proposée.", resolved.pair_id),
            }
            Ok(ExitCode::SUCCESS)
        }
        DuplicatesCommand::Undo { group } => {
            let members = duplicates::undo(store, group).map_err(|err| err.to_string())?;
            let names: Vec<String> = members.iter().map(ToString::to_string).collect();
            emit!(
                "Lieu fusionné {group} défait : {} fiches de nouveau publiées séparément ({}). Ses paires retournent en revue.",
                members.len(),
                names.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        DuplicatesCommand::Groups { json } => {
            let groups = store.merge_groups().map_err(|err| err.to_string())?;
            if *json {
                // Members with their registry id, so that scripts can `maillage show` them.
                let mut out = Vec::with_capacity(groups.len());
                for group in &groups {
                    let mut members = Vec::with_capacity(group.members.len());
                    for key in &group.members {
                        let place =
                            store.place_by_source_id(&key.source, &key.source_id).map_err(|err| err.to_string())?;
                        members.push(serde_json::json!({
                            "source": key.source,
                            "source_id": key.source_id,
                            "id": place.map(|place| place.id.0),
                        }));
                    }
                    let mut value = serde_json::to_value(group).unwrap_or_default();
                    value["members"] = serde_json::Value::Array(members);
                    out.push(value);
                }
                emit!("{}", serde_json::Value::Array(out));
            } else {
                for group in &groups {
                    let names: Vec<String> = group.members.iter().map(ToString::to_string).collect();
                    emit!("{}\t{}\t{}\t{}", group.id, group.record.nom, group.reason, names.join(", "));
                }
                emit!("{} lieux fusionnés.", groups.len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
