//! The hub's open-data publication: a folder the hub configures, refreshed on a schedule (the
//! server's task) and on demand (the administration's button, `maillage publish`), holding the
//! standard's CSV and JSON named as the standard asks
//! (`AAAAMMJJ-<producteur>-lieux-de-mediation-numerique.csv`), GeoJSON, the data·inclusion
//! files, the coverage per commune, a manifest (counts, date, SHA-256 of each file) and a
//! DCAT-style `catalog.json`; the web serves the latest of each at a stable address
//! (`/donnees/…`).
//!
//! Every file is written under a temporary name in the folder, synced, then renamed: a reader
//! of the folder sees a previous file or the new one whole, never half of one. The manifest is
//! renamed last, so it only ever names files that are there. Published: the places the public
//! map shows (merged places once, hidden ones left out), the standard's fields only.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use maillage_formats::export::{ExportFormat, PlaceWriter};
use maillage_territory::Territory;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::directory::Visibility;
use crate::places::export::{published_places, ExportFilter};
use crate::{AppError, AppResult};

/// The manifest's file name, in the folder (the latest publication's).
pub const MANIFEST: &str = "manifest.json";
/// The catalogue's file name, in the folder.
pub const CATALOG: &str = "catalog.json";
/// Publications kept in the folder (by day): older dated files are removed.
pub const KEPT_DAYS: usize = 7;
/// The licence the catalogue names: the one public-sector open data of France use.
pub const LICENCE: &str = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/";

/// Where and as whom the hub publishes.
#[derive(Clone, Debug)]
pub struct PublicationSettings {
    /// The folder (created if missing).
    pub dir: PathBuf,
    /// The producer's slug, in file names and data·inclusion ids.
    pub producer: String,
    /// The hub's public address, for the catalogue's links and data·inclusion's `lien_source`.
    pub base_url: Option<String>,
    /// The hub's name, as publisher in the catalogue.
    pub publisher: String,
    /// The public map's cut-off: places hidden from it are not published.
    pub visible: Visibility,
}

/// One file of a publication.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublishedFile {
    /// The file's stable name: `/donnees/<stable>` serves the latest.
    pub stable: String,
    /// The dated file in the folder.
    pub fichier: String,
    pub titre: String,
    pub format: String,
    pub type_media: String,
    /// Records in the file (places, structures, services or communes).
    pub enregistrements: usize,
    pub octets: u64,
    pub sha256: String,
}

/// What a publication wrote: the manifest, also written in the folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub producteur: String,
    pub date: NaiveDate,
    pub publie_le: DateTime<Utc>,
    pub lieux: usize,
    pub fichiers: Vec<PublishedFile>,
}

impl Manifest {
    /// The file published under a stable name.
    pub fn file(&self, stable: &str) -> Option<&PublishedFile> {
        self.fichiers.iter().find(|file| file.stable == stable)
    }
}

/// The files, by stable name: (stable, suffix after `AAAAMMJJ-<producteur>-`, title, format, media type).
const FILES: [(&str, &str, &str, &str, &str); 6] = [
    (
        "lieux-de-mediation-numerique.csv",
        "lieux-de-mediation-numerique.csv",
        "Lieux de médiation numérique (standard v1.0.2, CSV)",
        "CSV",
        "text/csv",
    ),
    (
        "lieux-de-mediation-numerique.json",
        "lieux-de-mediation-numerique.json",
        "Lieux de médiation numérique (standard v1.0.2, JSON)",
        "JSON",
        "application/json",
    ),
    (
        "lieux-de-mediation-numerique.geojson",
        "lieux-de-mediation-numerique.geojson",
        "Lieux de médiation numérique (GeoJSON)",
        "GeoJSON",
        "application/geo+json",
    ),
    (
        "data-inclusion-structures.json",
        "data-inclusion-structures.json",
        "Structures au schéma data·inclusion v1",
        "JSON",
        "application/json",
    ),
    (
        "data-inclusion-services.json",
        "data-inclusion-services.json",
        "Services au schéma data·inclusion v1",
        "JSON",
        "application/json",
    ),
    ("couverture-communes.csv", "couverture-communes.csv", "Couverture par commune", "CSV", "text/csv"),
];

/// The stable names served under `/donnees/`, with their media type: the files, the manifest
/// and the catalogue.
pub fn stable_names() -> impl Iterator<Item = (&'static str, &'static str)> {
    FILES.iter().map(|file| (file.0, file.4)).chain([(MANIFEST, "application/json"), (CATALOG, "application/ld+json")])
}

/// Publishes the hub's open data into the folder: administrators and the hub itself.
pub fn publish(
    ctx: &Context<'_>,
    actor: &Actor,
    territory: &Territory,
    settings: &PublicationSettings,
) -> AppResult<Manifest> {
    actor.require(ctx, Permission::Administer)?;
    let manifest = write_publication(ctx.store, territory, settings, maillage_store::now())?;
    ctx.audit(
        actor.id(),
        "donnees_publiees",
        None,
        format!("{} lieux, {} fichiers", manifest.lieux, manifest.fichiers.len()),
        maillage_store::now(),
    )?;
    Ok(manifest)
}

/// Writes a publication as of `at` (no permission check: [`publish`] is the door).
fn write_publication(
    store: &dyn maillage_store::Store,
    territory: &Territory,
    settings: &PublicationSettings,
    at: DateTime<Utc>,
) -> AppResult<Manifest> {
    let producer = &settings.producer;
    if producer.is_empty() || !producer.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(AppError::Input(format!("producteur invalide « {producer} » : minuscules, chiffres et tirets")));
    }
    let dir = &settings.dir;
    std::fs::create_dir_all(dir).map_err(|err| io_error(dir, err))?;
    let today = maillage_domain::paris_local(at).date();
    let mut options = maillage_formats::data_inclusion::Options::new(producer.clone(), today);
    options.base_url = settings.base_url.clone();
    let filter = ExportFilter { visible: Some(settings.visible), ..ExportFilter::default() };
    let places = published_places(store, Some(territory), &filter)?;
    let prefix = format!("{}-{producer}-", today.format("%Y%m%d"));
    // The six files are independent: each is written on its own thread (a national registry's
    // publication is bound by serialising and hashing, not by the disk).
    let write_one =
        |(stable, suffix, title, format, media): (&str, &str, &str, &str, &str)| -> AppResult<PublishedFile> {
            let name = format!("{prefix}{suffix}");
            let (records, octets, sha256) = write_atomically(dir, &name, |out| {
                let kind = match stable {
                    "lieux-de-mediation-numerique.csv" => ExportFormat::Csv,
                    "lieux-de-mediation-numerique.json" => ExportFormat::Json,
                    "lieux-de-mediation-numerique.geojson" => ExportFormat::GeoJson,
                    "data-inclusion-structures.json" => ExportFormat::DataInclusionStructures,
                    "data-inclusion-services.json" => ExportFormat::DataInclusionServices,
                    _ => {
                        let request = crate::coverage::CoverageRequest::default();
                        let report = crate::coverage::coverage_of(store, territory, &request, &places)?;
                        crate::coverage::write_csv(&report, out)
                            .map_err(|err| AppError::Input(format!("couverture non écrite : {err}")))?;
                        return Ok(report.lignes.len());
                    }
                };
                let mut writer = PlaceWriter::new(kind, out)?.with_data_inclusion(options.clone());
                for place in &places {
                    writer.write(place)?;
                }
                Ok(writer.finish()?)
            })?;
            Ok(PublishedFile {
                stable: stable.to_owned(),
                fichier: name,
                titre: title.to_owned(),
                format: format.to_owned(),
                type_media: media.to_owned(),
                enregistrements: records,
                octets,
                sha256,
            })
        };
    let write_one = &write_one;
    let files = std::thread::scope(|scope| {
        let writers: Vec<_> = FILES.into_iter().map(|file| scope.spawn(move || write_one(file))).collect();
        writers
            .into_iter()
            .map(|writer| writer.join().unwrap_or_else(|_| Err(AppError::Input("publication interrompue".to_owned()))))
            .collect::<AppResult<Vec<PublishedFile>>>()
    })?;
    let manifest =
        Manifest { producteur: producer.clone(), date: today, publie_le: at, lieux: places.len(), fichiers: files };
    let catalog = catalog(&manifest, settings);
    write_atomically(dir, CATALOG, |out| {
        serde_json::to_writer_pretty(out, &catalog).map_err(|err| AppError::Input(err.to_string()))?;
        Ok(0)
    })?;
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
    write_atomically(dir, &format!("{prefix}{MANIFEST}"), |out| {
        out.write_all(&manifest_bytes).map_err(|err| io_error(dir, err))?;
        Ok(0)
    })?;
    // Last: the manifest readers start from names only files that are complete.
    write_atomically(dir, MANIFEST, |out| {
        out.write_all(&manifest_bytes).map_err(|err| io_error(dir, err))?;
        Ok(0)
    })?;
    prune(dir, producer)?;
    Ok(manifest)
}

fn io_error(path: &Path, err: std::io::Error) -> AppError {
    AppError::Input(format!("dossier de publication {} : {}", path.display(), err.kind()))
}

/// A writer that hashes and counts what goes through it.
struct Hashing<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `name` in `dir` through a temporary file renamed over it; returns what `write` says
/// it wrote (records), the size and the SHA-256.
fn write_atomically(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut dyn Write) -> AppResult<usize>,
) -> AppResult<(usize, u64, String)> {
    let temporary = tempfile::NamedTempFile::with_prefix_in(".publication-", dir).map_err(|err| io_error(dir, err))?;
    let (records, hasher, bytes) = {
        let mut out = Hashing { inner: std::io::BufWriter::new(temporary.as_file()), hasher: Sha256::new(), bytes: 0 };
        let records = write(&mut out)?;
        out.flush().map_err(|err| io_error(dir, err))?;
        (records, out.hasher, out.bytes)
    };
    temporary.as_file().sync_all().map_err(|err| io_error(dir, err))?;
    let target = dir.join(name);
    temporary.persist(&target).map_err(|err| io_error(&target, err.error))?;
    let digest = hasher.finalize();
    Ok((records, bytes, digest.iter().map(|byte| format!("{byte:02x}")).collect()))
}

/// Removes this producer's dated files older than the last [`KEPT_DAYS`] days published.
fn prune(dir: &Path, producer: &str) -> AppResult<()> {
    let suffix_start = format!("-{producer}-");
    let mut dated: Vec<(String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|err| io_error(dir, err))? {
        let entry = entry.map_err(|err| io_error(dir, err))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let day = name.get(..8).filter(|day| day.bytes().all(|b| b.is_ascii_digit()));
        if let Some(day) = day {
            if name[8..].starts_with(&suffix_start) {
                dated.push((day.to_owned(), entry.path()));
            }
        }
    }
    let mut days: Vec<&String> = dated.iter().map(|(day, _)| day).collect();
    days.sort_unstable();
    days.dedup();
    if days.len() <= KEPT_DAYS {
        return Ok(());
    }
    let oldest_kept = days[days.len() - KEPT_DAYS].clone();
    for (day, path) in &dated {
        if *day < oldest_kept {
            std::fs::remove_file(path).map_err(|err| io_error(path, err))?;
        }
    }
    Ok(())
}

/// The catalogue (DCAT in JSON-LD): three datasets (the places, data·inclusion, the
/// coverage), each distribution at its stable address with its size and checksum.
fn catalog(manifest: &Manifest, settings: &PublicationSettings) -> serde_json::Value {
    use serde_json::json;
    let base = settings.base_url.as_deref().unwrap_or("").trim_end_matches('/');
    let modified = manifest.publie_le.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let distribution = |stable: &str| -> Option<serde_json::Value> {
        let file = manifest.file(stable)?;
        Some(json!({
            "@type": "dcat:Distribution",
            "dct:title": file.titre,
            "dcat:downloadURL": format!("{base}/donnees/{}", file.stable),
            "dcat:accessURL": format!("{base}/donnees/{}", file.stable),
            "dct:format": file.format,
            "dcat:mediaType": file.type_media,
            "dcat:byteSize": file.octets,
            "dct:modified": modified,
            "dct:license": LICENCE,
            "spdx:checksum": {
                "@type": "spdx:Checksum",
                "spdx:algorithm": "spdx:checksumAlgorithm_sha256",
                "spdx:checksumValue": file.sha256,
            },
            "nombre_enregistrements": file.enregistrements,
            "fichier": file.fichier,
        }))
    };
    let dataset = |id: &str, title: &str, description: &str, conforms: Option<&str>, stables: &[&str]| {
        let mut value = json!({
            "@type": "dcat:Dataset",
            "dct:identifier": format!("{}-{id}", manifest.producteur),
            "dct:title": title,
            "dct:description": description,
            "dct:publisher": {"@type": "foaf:Organization", "foaf:name": settings.publisher},
            "dct:modified": modified,
            "dct:license": LICENCE,
            "dct:language": "fr",
            "dcat:distribution": stables.iter().filter_map(|stable| distribution(stable)).collect::<Vec<_>>(),
        });
        if let Some(conforms) = conforms {
            value["dct:conformsTo"] = json!(conforms);
        }
        value
    };
    json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "spdx": "http://spdx.org/rdf/terms#",
        },
        "@type": "dcat:Catalog",
        "dct:title": format!("Données ouvertes — {}", settings.publisher),
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": settings.publisher},
        "dct:modified": modified,
        "dct:language": "fr",
        "dcat:dataset": [
            dataset(
                "lieux-de-mediation-numerique",
                "Lieux de médiation numérique",
                "Les lieux de médiation numérique du territoire du hub, au standard national v1.0.2.",
                Some("https://schema.data.gouv.fr/LaMednum/standard-mediation-num/"),
                &["lieux-de-mediation-numerique.csv", "lieux-de-mediation-numerique.json", "lieux-de-mediation-numerique.geojson"],
            ),
            dataset(
                "data-inclusion",
                "Lieux de médiation numérique au schéma data·inclusion",
                "Une structure par lieu et un service par lieu et type d'aide, au schéma data·inclusion v1.",
                Some("https://github.com/gip-inclusion/data-inclusion-schema"),
                &["data-inclusion-structures.json", "data-inclusion-services.json"],
            ),
            dataset(
                "couverture-communes",
                "Couverture par commune",
                "Pour chaque commune du territoire du hub : distance au lieu le plus proche, population au-delà de 5, 10, 15 et 20 km, score de priorité.",
                None,
                &["couverture-communes.csv"],
            ),
        ],
        "dcat:service": {
            "@type": "dcat:DataService",
            "dct:title": "OGC API – Features",
            "dcat:endpointURL": format!("{base}/ogc"),
            "dct:conformsTo": "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        },
    })
}

/// The latest publication's manifest in a folder, if one was written.
pub fn latest(dir: &Path) -> AppResult<Option<Manifest>> {
    match std::fs::read(dir.join(MANIFEST)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|err| AppError::Input(format!("manifeste illisible : {err}"))),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(io_error(dir, err)),
    }
}

/// The path of the latest file published under a stable name (only names this module
/// publishes; nothing else in the folder is ever served).
pub fn stable_file(dir: &Path, stable: &str) -> AppResult<Option<(PathBuf, &'static str)>> {
    let Some((name, media)) = stable_names().find(|(name, _)| *name == stable) else { return Ok(None) };
    if name == MANIFEST || name == CATALOG {
        let path = dir.join(name);
        return Ok(path.exists().then_some((path, media)));
    }
    let Some(manifest) = latest(dir)? else { return Ok(None) };
    Ok(manifest.file(name).map(|file| (dir.join(&file.fichier), media)))
}
