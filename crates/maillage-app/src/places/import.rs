//! Importing a file into a source: read, map, build, compare with what the store holds for
//! that source, write creations, updates and withdrawals in one transaction, report.

use std::collections::{HashMap, HashSet};

use maillage_domain::build::build_record;
use maillage_domain::place::{changed_fields, content_hash};
use maillage_domain::{Place, PlaceStatus, Problem, Severity};
use maillage_formats::mapping::Mapping;
use maillage_formats::reader::{for_each_row, ReadFailure};
use maillage_formats::standard::{self, column_target, ColumnTarget};
use maillage_store::*;

use crate::{AppError, AppResult};

/// How to import one file.
#[derive(Default)]
pub struct ImportOptions<'a> {
    /// The registry source the file feeds; by default the mapping's source name, else the
    /// file name without its extensions.
    pub source: Option<String>,
    pub mapping: Option<&'a Mapping>,
    /// Mark the source's places absent from this file as withdrawn.
    pub prune: bool,
    /// Places each record in its commune (filling a missing INSEE code, flagging far-off
    /// coordinates); without it, records are kept as the file gives them.
    pub territory: Option<&'a maillage_territory::Territory>,
}

/// What an import did, row by row.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub batch: ImportBatch,
    pub lines: Vec<ReportLine>,
}

impl ImportReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.lines.iter().filter(|line| line.problem.severity == severity).count()
    }
}

/// The registry source name derived from a file name: `cnfs-lieux-2022-07.json.gz` → `cnfs-lieux-2022-07`.
pub fn default_source_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let mut name = base;
    for extension in [".gz", ".json", ".geojson", ".csv", ".tsv", ".txt"] {
        name = name.strip_suffix(extension).unwrap_or(name);
    }
    if name.is_empty() {
        "import".to_owned()
    } else {
        name.to_owned()
    }
}

struct Progress<'s> {
    session: Box<dyn ImportSession + 's>,
    existing: HashMap<String, ExistingPlace>,
    seen: HashSet<String>,
    lines: Vec<ReportLine>,
    batch: ImportBatch,
}

impl Progress<'_> {
    fn problem(&mut self, row: usize, source_id: Option<&str>, problem: Problem) {
        self.lines.push(ReportLine { row, source_id: source_id.map(str::to_owned), problem });
    }

    fn accept(&mut self, built: BuiltRow) -> AppResult<()> {
        self.batch.counts.read += 1;
        let BuiltRow { row, record, extras, problems, hash, raw_id } = built;
        let source_id = record.as_ref().map(|record| record.id.clone()).or(raw_id);
        for problem in problems {
            self.problem(row, source_id.as_deref(), problem);
        }
        let Some(record) = record else {
            self.batch.counts.rejected += 1;
            return Ok(());
        };
        let key = source_key(&record);
        if !self.seen.insert(key.clone()) {
            self.batch.counts.rejected += 1;
            self.problem(row, Some(&key), Problem::error("id", &record.id, "identifiant déjà présent plus haut dans le fichier (même id, même structure source) : ligne ignorée"));
            return Ok(());
        }
        let at = now();
        match self.existing.get(&key) {
            None => {
                let place = Place {
                    id: new_place_id(),
                    source: self.batch.source.clone(),
                    source_id: key,
                    batch_id: Some(self.batch.id.clone()),
                    status: PlaceStatus::Active,
                    version: 1,
                    created_at: at,
                    updated_at: at,
                    record,
                    extras,
                };
                self.session.insert(&place, &hash)?;
                self.batch.counts.created += 1;
            }
            Some(known) if known.content_hash == hash && known.status == PlaceStatus::Active => {
                self.batch.counts.unchanged += 1;
            }
            Some(known) => {
                let known = known.clone();
                let mut place =
                    self.session.load(&known.id)?.ok_or_else(|| StoreError::NotFound(format!("lieu {}", known.id)))?;
                let fields = changed_fields(&place.record, &record);
                let restored = place.status == PlaceStatus::Withdrawn;
                place.record = record;
                place.extras = extras;
                place.version = known.version + 1;
                place.batch_id = Some(self.batch.id.clone());
                place.status = PlaceStatus::Active;
                place.updated_at = at;
                let change = if restored { ChangeKind::Restored } else { ChangeKind::Updated };
                self.session.update(&place, &hash, change)?;
                let what = if fields.is_empty() { "attributs supplémentaires".to_owned() } else { fields.join(", ") };
                let reason = if restored {
                    format!("lieu retiré revenu dans la source ; modifié : {what}")
                } else {
                    format!("modifié : {what}")
                };
                let source_id = place.source_id.clone();
                self.problem(row, Some(&source_id), Problem::info("*", "", reason));
                if restored {
                    self.batch.counts.restored += 1;
                } else {
                    self.batch.counts.updated += 1;
                }
            }
        }
        Ok(())
    }
}

/// A row read and built on the reading thread, ready to be compared and written.
struct BuiltRow {
    row: usize,
    record: Option<maillage_domain::PlaceRecord>,
    extras: std::collections::BTreeMap<String, String>,
    problems: Vec<Problem>,
    hash: String,
    raw_id: Option<String>,
}

impl BuiltRow {
    fn build(
        row: usize,
        raw: maillage_domain::RawRecord,
        mut problems: Vec<Problem>,
        territory: Option<&maillage_territory::Territory>,
    ) -> Self {
        let mut built = build_record(&raw);
        problems.extend(built.problems);
        if let (Some(territory), Some(record)) = (territory, built.record.as_mut()) {
            crate::territory::enrich(territory, record, &mut problems);
        }
        let hash = built.record.as_ref().map(|record| content_hash(record, &raw.extras)).unwrap_or_default();
        let raw_id = raw.fields.get("id").cloned();
        BuiltRow { row, record: built.record, extras: raw.extras, problems, hash, raw_id }
    }
}

/// The id of a record within its registry source. Aggregated files (data·inclusion) mix
/// several producers whose ids collide; the standard's `source` field names the producer,
/// so (producer, id) is the key whenever the producer is given.
pub fn source_key(record: &maillage_domain::PlaceRecord) -> String {
    match &record.source {
        Some(producer) => format!("{producer}:{}", record.id),
        None => record.id.clone(),
    }
}

/// Imports one file into one source of the store. Either everything is written or nothing.
/// No permission check: [`super::sources::import_file`] is the use case.
pub(crate) fn run_import(
    store: &dyn Store,
    bytes: &[u8],
    file_name: &str,
    options: &ImportOptions<'_>,
) -> AppResult<ImportReport> {
    let source = options
        .source
        .clone()
        .or_else(|| options.mapping.map(|mapping| mapping.source_name().to_owned()))
        .unwrap_or_else(|| default_source_name(file_name));
    if source.trim().is_empty() {
        return Err(AppError::Input("le nom de la source ne peut pas être vide".to_owned()));
    }
    let batch = ImportBatch {
        id: new_batch_id(),
        source,
        file_name: file_name.rsplit(['/', '\\']).next().unwrap_or(file_name).to_owned(),
        started_at: now(),
        finished_at: None,
        counts: ImportCounts::default(),
    };
    let mut session = store.begin_import(&batch)?;
    let existing = session.existing()?.into_iter().map(|place| (place.source_id.clone(), place)).collect();
    let mut progress = Progress { session, existing, seen: HashSet::new(), lines: Vec::new(), batch };

    // Reading and building records (CPU) runs on its own thread while this one writes to the
    // store, so the two overlap; the bounded channel keeps memory flat on national files.
    let (read, consumed) = std::thread::scope(|scope| {
        const CHUNK: usize = 256;
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<BuiltRow>>(8);
        let mapping = options.mapping;
        let territory = options.territory;
        let producer = scope.spawn(move || {
            let mut columns = standard::StandardColumns::default();
            let mut chunk = Vec::with_capacity(CHUNK);
            let info = for_each_row(bytes, file_name, |row| {
                let (raw, problems) = match mapping {
                    Some(mapping) => mapping.apply(&row),
                    None => (columns.row_to_raw(&row), Vec::new()),
                };
                chunk.push(BuiltRow::build(row.number, raw, problems, territory));
                if chunk.len() == CHUNK {
                    sender.send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK))).map_err(|_| ())?;
                }
                Ok(())
            })?;
            sender.send(chunk).map_err(|_| ReadFailure::Sink(()))?;
            Ok(info)
        });
        let mut consumed: AppResult<()> = Ok(());
        'chunks: for chunk in receiver {
            for built in chunk {
                consumed = progress.accept(built);
                if consumed.is_err() {
                    break 'chunks;
                }
            }
        }
        let read = producer.join().unwrap_or_else(|_| {
            Err(ReadFailure::Format(maillage_formats::FormatError::Unreadable("lecture interrompue".to_owned())))
        });
        (read, consumed)
    });
    consumed?;
    let info = match read {
        Ok(info) => info,
        Err(ReadFailure::Format(err)) => return Err(err.into()),
        Err(ReadFailure::Sink(())) => return Err(AppError::Input("lecture interrompue".to_owned())),
    };

    let mut file_notes = Vec::new();
    match options.mapping {
        Some(mapping) => file_notes.extend(mapping.check_columns(&info.columns)),
        None => {
            let recognised = info.columns.iter().filter(|column| column_target(column) != ColumnTarget::Extra).count();
            if recognised == 0 || !info.columns.iter().any(|column| column_target(column) == ColumnTarget::Field("nom"))
            {
                return Err(AppError::Input(format!(
                    "aucune colonne du standard des lieux de médiation numérique reconnue dans « {} » (colonnes : {}). \
                     Pour l'export propre d'un hub, indiquez un fichier de correspondance avec --mapping.",
                    progress.batch.file_name,
                    info.columns.iter().take(12).cloned().collect::<Vec<_>>().join(", ")
                )));
            }
            let extras: Vec<&str> = info
                .columns
                .iter()
                .filter(|column| column_target(column) == ColumnTarget::Extra)
                .map(String::as_str)
                .collect();
            if !extras.is_empty() {
                file_notes.push(Problem::info(
                    "*",
                    &extras.join(", "),
                    "colonnes hors du standard : gardées comme attributs supplémentaires, non exportées",
                ));
            }
            if standard::detect_version(&info.columns) == standard::StandardVersion::V0 {
                file_notes.push(Problem::info(
                    "*",
                    "",
                    "fichier au format v0.1 du standard : champs et valeurs convertis en v1.0.2",
                ));
            }
        }
    }
    if info.legacy_encoding {
        file_notes.push(Problem::info("*", "", "fichier encodé en Windows-1252 (pas en UTF-8) : converti"));
    }
    for note in file_notes.into_iter().rev() {
        progress.lines.insert(0, ReportLine { row: 0, source_id: None, problem: note });
    }

    if options.prune {
        let absent: Vec<ExistingPlace> = progress
            .existing
            .values()
            .filter(|place| place.status == PlaceStatus::Active && !progress.seen.contains(&place.source_id))
            .cloned()
            .collect();
        for known in absent {
            let mut place =
                progress.session.load(&known.id)?.ok_or_else(|| StoreError::NotFound(format!("lieu {}", known.id)))?;
            place.version = known.version + 1;
            place.status = PlaceStatus::Withdrawn;
            place.batch_id = Some(progress.batch.id.clone());
            place.updated_at = now();
            progress.session.update(&place, &known.content_hash, ChangeKind::Withdrawn)?;
            progress.batch.counts.withdrawn += 1;
            let source_id = place.source_id.clone();
            progress.problem(
                0,
                Some(&source_id),
                Problem::info("*", "", "absent du nouveau fichier : lieu retiré (conservé dans l'historique)"),
            );
        }
    }

    let Progress { mut session, lines, mut batch, .. } = progress;
    session.report(&lines)?;
    batch.finished_at = Some(now());
    session.commit(&batch)?;
    Ok(ImportReport { batch, lines })
}
