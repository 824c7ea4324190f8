//! Importing a file into a source: read, map (with the mapping given, or the one whose layout
//! the file's columns match among the candidates), repair from the territory, build, compare
//! with what the store holds for that source, write creations, updates and withdrawals in one
//! transaction, report.

use std::collections::{BTreeSet, HashMap, HashSet};

use maillage_domain::build::build_record;
use maillage_domain::place::{changed_fields, content_hash};
use maillage_domain::{Place, PlaceStatus, Problem, Severity};
use maillage_formats::mapping::{Mapped, Mapping};
use maillage_formats::reader::{for_each_grouped_row, sample_rows, ReadFailure};
use maillage_formats::recognise::{recognise, Match, Recognition};
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
    /// Without `mapping`, the mappings whose export the file may be (the shipped ones): the
    /// one whose layout the file's columns match is used, and said so. The hub's saved
    /// mappings are candidates too, always ([`super::sources::import_file`] reads them), and
    /// one of them wins over a shipped one its layout matches as well.
    pub candidates: &'a [Mapping],
    /// Mark the source's places absent from this file as withdrawn.
    pub prune: bool,
    /// Places each record in its commune (filling a missing INSEE code, flagging far-off
    /// coordinates); without it, records are kept as the file gives them.
    pub territory: Option<&'a maillage_territory::Territory>,
    /// The hub's départements, when the import must stop before its commit if some of its
    /// places lie in none of them (the administrators' page asks first): the report then says
    /// how many in `outside`, with `held` set, and nothing is written.
    pub hold_outside: Option<&'a BTreeSet<String>>,
}

/// What an import did, row by row. `batch.counts.read` counts the file's rows; rows that a
/// mapping's `[group]` merges into one place are read, and the report says which were merged.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub batch: ImportBatch,
    pub lines: Vec<ReportLine>,
    /// The mapping recognised from the file's columns, when none was given.
    pub recognised: Option<Recognised>,
    /// Places the import creates or changes in a known département that is none of
    /// `hold_outside` (0 without it).
    pub outside: usize,
    /// Stopped before its commit because of `outside`: nothing was written.
    pub held: bool,
}

/// A mapping chosen from the candidates because the file's columns are its export's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    /// The mapping's source name.
    pub name: String,
    /// How well the columns matched, in French ("38 colonnes en commun sur…").
    pub how: String,
    /// Whether it is one the hub saved (else one shipped with Maillage).
    pub saved: bool,
}

impl Recognised {
    /// "enregistrée par le hub" or "livrée avec Maillage".
    pub fn origin(&self) -> &'static str {
        if self.saved {
            "enregistrée par le hub"
        } else {
            "livrée avec Maillage"
        }
    }
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
    /// The départements of `ImportOptions::hold_outside`, and the places in none of them.
    hold: Option<&'s BTreeSet<String>>,
    outside: usize,
}

impl Progress<'_> {
    fn problem(&mut self, row: usize, source_id: Option<&str>, problem: Problem) {
        self.lines.push(ReportLine { row, source_id: source_id.map(str::to_owned), problem });
    }

    fn accept(&mut self, built: BuiltRow) -> AppResult<()> {
        let BuiltRow { row, rows, record, extras, problems, hash, raw_id } = built;
        self.batch.counts.read += rows;
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
        // A place the import writes (not an unchanged one) in a known département none of the
        // hub's: what the administrator is asked about before the commit.
        let outside = self.hold.is_some_and(|departements| {
            let codes = crate::territory::departements_of(record.code_insee.as_deref(), &record.code_postal);
            !codes.is_empty() && !codes.iter().any(|code| departements.contains(code))
        });
        let unchanged = self
            .existing
            .get(&key)
            .is_some_and(|known| known.content_hash == hash && known.status == PlaceStatus::Active);
        if outside && !unchanged {
            self.outside += 1;
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
    /// Rows of the file this record comes from (several when a mapping groups them).
    rows: usize,
    record: Option<maillage_domain::PlaceRecord>,
    extras: std::collections::BTreeMap<String, String>,
    problems: Vec<Problem>,
    hash: String,
    raw_id: Option<String>,
}

impl BuiltRow {
    fn build(
        row: &maillage_formats::SourceRow,
        mut raw: maillage_domain::RawRecord,
        mut problems: Vec<Problem>,
        territory: Option<&maillage_territory::Territory>,
    ) -> Self {
        if let Some(territory) = territory {
            crate::territory::repair(territory, &mut raw, &mut problems);
        }
        let mut built = build_record(&raw);
        problems.extend(built.problems);
        if let (Some(territory), Some(record)) = (territory, built.record.as_mut()) {
            crate::territory::enrich(territory, record, &mut problems);
        }
        let hash = built.record.as_ref().map(|record| content_hash(record, &raw.extras)).unwrap_or_default();
        let raw_id = raw.fields.get("id").cloned();
        let rows = 1 + row.merged.len();
        BuiltRow { row: row.number, rows, record: built.record, extras: raw.extras, problems, hash, raw_id }
    }

    /// A row the mapping leaves out on purpose: rejected with the mapping's reason.
    fn skipped(row: &maillage_formats::SourceRow, problem: Problem) -> Self {
        BuiltRow {
            row: row.number,
            rows: 1 + row.merged.len(),
            record: None,
            extras: Default::default(),
            problems: vec![problem],
            hash: String::new(),
            raw_id: None,
        }
    }
}

/// How many rows are enough to recognise a layout (JSON objects need not all have the same keys).
const RECOGNITION_SAMPLE: usize = 200;

/// The mapping to use: the one given, else the candidate (saved by the hub, or shipped) whose
/// layout the file's columns match (with its match, described), else none (a file of the
/// standard). Among candidates matching about as well, a single saved one wins: the hub saved
/// it for this export, maybe as a corrected copy of a shipped one.
fn choose_mapping<'m>(
    bytes: &[u8],
    file_name: &str,
    options: &ImportOptions<'m>,
    saved: &'m [Mapping],
) -> AppResult<(Option<&'m Mapping>, Option<Recognised>)> {
    if let Some(mapping) = options.mapping {
        return Ok((Some(mapping), None));
    }
    if options.candidates.is_empty() && saved.is_empty() {
        return Ok((None, None));
    }
    let (info, _) = sample_rows(bytes, file_name, RECOGNITION_SAMPLE)?;
    let is_saved = |mapping: &Mapping| saved.iter().any(|candidate| std::ptr::eq(candidate, mapping));
    let chosen = |found: &Match<'m>| {
        let recognised = Recognised {
            name: found.mapping.source_name().to_owned(),
            how: found.describe(),
            saved: is_saved(found.mapping),
        };
        Ok((Some(found.mapping), Some(recognised)))
    };
    match recognise(&info.columns, saved.iter().chain(options.candidates)) {
        Recognition::Found(found) => chosen(&found),
        Recognition::Ambiguous(matches)
            if matches.iter().filter(|found| is_saved(found.mapping)).count() == 1 =>
        {
            let found = matches.iter().find(|found| is_saved(found.mapping)).expect("one saved match");
            chosen(found)
        }
        Recognition::Ambiguous(matches) => Err(AppError::Input(format!(
            "les colonnes du fichier ressemblent à plusieurs exports connus ({}) : indiquez la correspondance à utiliser",
            matches.iter().map(|found| found.mapping.source_name()).collect::<Vec<_>>().join(", ")
        ))),
        Recognition::NotFound(_) => Ok((None, None)),
    }
}

/// The id of a record within its registry source. Aggregated files (data·inclusion) mix
/// several producers whose ids collide; the standard's `source` field names the producer,
/// so (producer, id) is the key whenever the producer is given.
pub fn source_key(record: &maillage_domain::PlaceRecord) -> String {
    // One definition for the import and its preview.
    maillage_formats::preview::source_key(record)
}

/// What importing `bytes` with `mapping` would give (counts of the whole file, the first
/// `shown` rows built), with the territory's repairs when given; nothing is written.
pub fn preview(
    bytes: &[u8],
    file_name: &str,
    mapping: &Mapping,
    territory: Option<&maillage_territory::Territory>,
    shown: usize,
) -> AppResult<maillage_formats::preview::Preview> {
    let repair = |raw: &mut maillage_domain::RawRecord, problems: &mut Vec<Problem>| {
        if let Some(territory) = territory {
            crate::territory::repair(territory, raw, problems);
        }
    };
    Ok(maillage_formats::preview::preview(bytes, file_name, mapping, Some(&repair), shown)?)
}

/// Imports one file into one source of the store. Either everything is written or nothing.
/// No permission check: [`super::sources::import_file`] is the use case.
/// `saved` are the hub's saved mappings, candidates beside `options.candidates`.
pub(crate) fn run_import(
    store: &dyn Store,
    bytes: &[u8],
    file_name: &str,
    options: &ImportOptions<'_>,
    saved: &[Mapping],
) -> AppResult<ImportReport> {
    let (mapping, recognised) = choose_mapping(bytes, file_name, options, saved)?;
    let source = options
        .source
        .clone()
        .or_else(|| mapping.map(|mapping| mapping.source_name().to_owned()))
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
    let mut progress = Progress {
        session,
        existing,
        seen: HashSet::new(),
        lines: Vec::new(),
        batch,
        hold: options.hold_outside,
        outside: 0,
    };

    // Reading and building records (CPU) runs on its own thread while this one writes to the
    // store, so the two overlap; the bounded channel keeps memory flat on national files.
    let (read, consumed) = std::thread::scope(|scope| {
        const CHUNK: usize = 256;
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<BuiltRow>>(8);
        let territory = options.territory;
        let producer = scope.spawn(move || {
            let mut columns = standard::StandardColumns::default();
            let mut chunk = Vec::with_capacity(CHUNK);
            let group_by = mapping.and_then(Mapping::group_by);
            let info = for_each_grouped_row(bytes, file_name, group_by, |row| {
                let built = match mapping.map(|mapping| mapping.map_row(&row)) {
                    Some(Mapped::Record(raw, problems)) => BuiltRow::build(&row, raw, problems, territory),
                    Some(Mapped::Skipped(problem)) => BuiltRow::skipped(&row, problem),
                    None => BuiltRow::build(&row, columns.row_to_raw(&row), Vec::new(), territory),
                };
                chunk.push(built);
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

    if info.columns.len() == 1 {
        return Err(AppError::Input(format!(
            "une seule colonne lue dans « {} » (« {} ») : un fichier de lieux en a plusieurs ; pour un CSV, \
             le séparateur n'est sans doute pas reconnu (virgule, point-virgule ou tabulation attendus)",
            progress.batch.file_name,
            info.columns[0].chars().take(80).collect::<String>()
        )));
    }
    let mut file_notes = Vec::new();
    match mapping {
        Some(mapping) => {
            // A column the mapping names and the file lacks is a typo in the mapping or a new
            // version of the export: importing anyway would silently empty a field everywhere.
            let missing = mapping.check_columns(&info.columns);
            if !missing.is_empty() {
                return Err(AppError::Input(format!(
                    "la correspondance « {} » nomme des colonnes absentes du fichier « {} » (ou vides sur toutes ses lignes) : {}. \
                     Rien n'a été importé : corrigez la correspondance ou le fichier.",
                    mapping.source_name(),
                    progress.batch.file_name,
                    missing.iter().map(|p| format!("« {} » ({})", p.value, p.field)).collect::<Vec<_>>().join(", ")
                )));
            }
            if let Some(recognised @ Recognised { name, how, .. }) = &recognised {
                file_notes.push(Problem::info(
                    "*",
                    name,
                    format!(
                        "correspondance « {name} » reconnue d'après les colonnes du fichier ({} ; {how})",
                        recognised.origin()
                    ),
                ));
            }
        }
        None => {
            let recognised = info.columns.iter().filter(|column| column_target(column) != ColumnTarget::Extra).count();
            if recognised == 0 || !info.columns.iter().any(|column| column_target(column) == ColumnTarget::Field("nom"))
            {
                return Err(AppError::Input(format!(
                    "aucune colonne du standard des lieux de médiation numérique reconnue dans « {} » (colonnes : {}). \
                     Pour l'export propre d'un hub, indiquez un fichier de correspondance avec --mapping \
                     (maillage mapping suggest FICHIER en propose un).",
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

    let Progress { mut session, lines, mut batch, outside, .. } = progress;
    if options.hold_outside.is_some() && outside > 0 {
        // Dropping the session rolls everything back.
        drop(session);
        return Ok(ImportReport { batch, lines, recognised, outside, held: true });
    }
    session.report(&lines)?;
    batch.finished_at = Some(now());
    session.commit(&batch)?;
    Ok(ImportReport { batch, lines, recognised, outside, held: false })
}
