//! Backups of a whole hub, portable between backends (SQLite ↔ PostgreSQL).
//!
//! Format, version 1: gzip-compressed JSON Lines.
//! - first line, the header: `{"format":"maillage-backup","version":1,"created_at":…,"backend":…,"counts":{…}}`;
//! - then one line per [`SnapshotItem`], tagged by `"type"` (`batch`, `place`, `place_version`,
//!   `bassin_member`, `indicator`, then the duplicates', accounts', settings', actors' and saved
//!   mappings' kinds listed in [`SnapshotItem::kind`]), in the order of [`Store::snapshot`];
//! - last line, the trailer: `{"end":"maillage-backup","counts":{…},"sha256":…}`, the SHA-256
//!   of the item lines, each with its final `\n`.
//!
//! A backup is taken inside one read transaction of the store, so it is consistent even while
//! imports run. A restore checks the header, the trailer's counts and checksum before it
//! writes anything, then writes every item in one transaction into an empty store.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};

use chrono::{DateTime, Utc};
use maillage_store::{SnapshotItem, Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::accounts::{Actor, Permission};
use crate::context::Context;
use crate::{AppError, AppResult};

/// The format's name in the header.
pub const FORMAT: &str = "maillage-backup";
/// The format version this program writes and reads.
pub const VERSION: u32 = 1;

/// Number of items per `type` tag.
pub type ItemCounts = BTreeMap<String, u64>;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    created_at: DateTime<Utc>,
    /// The backend the backup was taken from; informative only.
    #[serde(default)]
    backend: String,
    #[serde(default)]
    counts: ItemCounts,
}

#[derive(Debug, Serialize, Deserialize)]
struct Trailer {
    end: String,
    counts: ItemCounts,
    sha256: String,
}

/// What a backup holds, as written or as restored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackupSummary {
    pub created_at: DateTime<Utc>,
    pub backend: String,
    pub counts: ItemCounts,
    pub sha256: String,
}

impl BackupSummary {
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn write_error(err: std::io::Error) -> AppError {
    AppError::Input(format!("écriture de la sauvegarde impossible : {}", crate::io_reason(&err)))
}

fn unreadable(detail: impl std::fmt::Display) -> AppError {
    AppError::Input(format!("sauvegarde illisible (fichier tronqué ou corrompu) : {detail}"))
}

/// Writes a backup of everything in the store to `out`: the administrators' (and the
/// operator's) since it holds every account and personal datum. Taking it writes no audit
/// entry: the store it reads stays exactly as it was, so a backup restored and taken again is
/// the same file.
pub fn backup<W: Write>(ctx: &Context<'_>, actor: &Actor, out: W) -> AppResult<BackupSummary> {
    actor.require(ctx, Permission::Administer)?;
    write_backup(ctx.store, out)
}

fn write_backup<W: Write>(store: &dyn Store, out: W) -> AppResult<BackupSummary> {
    // Items are serialised inside the read transaction but written after it: the header
    // carries the counts, and a slow output must not hold the store's transaction open.
    let mut lines: Vec<String> = Vec::new();
    let mut counts = ItemCounts::new();
    let mut digest = Sha256::new();
    store.snapshot(&mut |item| {
        let mut line = serde_json::to_string(&item)
            .map_err(|err| StoreError::Backend(format!("sérialisation d'un élément de sauvegarde : {err}")))?;
        line.push('\n');
        digest.update(line.as_bytes());
        *counts.entry(item.kind().to_owned()).or_default() += 1;
        lines.push(line);
        Ok(())
    })?;
    let summary = BackupSummary {
        created_at: maillage_store::now(),
        backend: store.backend_name().to_owned(),
        counts,
        sha256: hex(&digest.finalize()),
    };
    let header = Header {
        format: FORMAT.to_owned(),
        version: VERSION,
        created_at: summary.created_at,
        backend: summary.backend.clone(),
        counts: summary.counts.clone(),
    };
    let trailer = Trailer { end: FORMAT.to_owned(), counts: summary.counts.clone(), sha256: summary.sha256.clone() };
    let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    gz.write_all(json_line(&header)?.as_bytes()).map_err(write_error)?;
    for line in &lines {
        gz.write_all(line.as_bytes()).map_err(write_error)?;
    }
    gz.write_all(json_line(&trailer)?.as_bytes()).map_err(write_error)?;
    gz.finish().map_err(write_error)?.flush().map_err(write_error)?;
    Ok(summary)
}

/// One JSON line of a header or trailer.
fn json_line<T: Serialize>(value: &T) -> AppResult<String> {
    let mut line = serde_json::to_string(value)
        .map_err(|err| AppError::Input(format!("sérialisation de la sauvegarde : {err}")))?;
    line.push('\n');
    Ok(line)
}

/// Reads the whole decompressed backup as lines, each without its `\n`; a file that does not
/// end with one was cut short.
fn read_lines<R: Read>(input: R) -> AppResult<Vec<String>> {
    let mut input = BufReader::new(input);
    let head = input.fill_buf().map_err(|err| unreadable(crate::io_reason(&err)))?;
    if !head.starts_with(&[0x1f, 0x8b]) {
        return Err(AppError::Input("ce fichier n'est pas une sauvegarde Maillage (gzip attendu)".to_owned()));
    }
    let mut reader = BufReader::new(flate2::read::MultiGzDecoder::new(input));
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line).map_err(|err| unreadable(crate::io_reason(&err)))?;
        if read == 0 {
            break;
        }
        if !line.ends_with('\n') {
            return Err(unreadable("dernière ligne incomplète"));
        }
        line.pop();
        lines.push(line);
    }
    Ok(lines)
}

fn check_header(line: Option<&String>) -> AppResult<Header> {
    let not_a_backup = || AppError::Input("ce fichier n'est pas une sauvegarde Maillage".to_owned());
    let value: serde_json::Value = line.and_then(|line| serde_json::from_str(line).ok()).ok_or_else(not_a_backup)?;
    if value.get("format").and_then(|format| format.as_str()) != Some(FORMAT) {
        return Err(not_a_backup());
    }
    match value.get("version").and_then(|version| version.as_u64()) {
        Some(version) if version == u64::from(VERSION) => {}
        Some(version) => {
            return Err(AppError::Input(format!(
                "sauvegarde au format version {version}, que ce programme ne sait pas lire (il lit la version {VERSION}) : \
                 utilisez une version de Maillage qui la connaît"
            )))
        }
        None => return Err(AppError::Input("sauvegarde sans numéro de version de format".to_owned())),
    }
    serde_json::from_value(value).map_err(|err| {
        AppError::Input(format!("en-tête de sauvegarde invalide : {}", maillage_formats::json_reason(&err)))
    })
}

/// Restores a backup into the store, which must be empty: administrators, and the operator.
/// Nothing is written unless the whole file checks out, and then exactly what it holds (its
/// own audit log included: a restore adds no entry of its own).
pub fn restore<R: Read>(ctx: &Context<'_>, actor: &Actor, input: R) -> AppResult<BackupSummary> {
    actor.require(ctx, Permission::Administer)?;
    restore_into(ctx.store, input)
}

fn restore_into<R: Read>(store: &dyn Store, input: R) -> AppResult<BackupSummary> {
    let lines = read_lines(input)?;
    let header = check_header(lines.first())?;
    let trailer: Trailer = match lines.last() {
        Some(last) if lines.len() >= 2 => {
            serde_json::from_str(last).ok().filter(|trailer: &Trailer| trailer.end == FORMAT)
        }
        _ => None,
    }
    .ok_or_else(|| unreadable("la ligne de fin manque"))?;
    let items = &lines[1..lines.len() - 1];

    let mut digest = Sha256::new();
    let mut counts = ItemCounts::new();
    for line in items {
        digest.update(line.as_bytes());
        digest.update(b"\n");
        // Only the tag here: whole items are parsed once, while they are written.
        let kind = serde_json::from_str::<TypeTag>(line).map_err(|err| {
            AppError::Input(format!("élément de sauvegarde invalide : {}", maillage_formats::json_reason(&err)))
        })?;
        *counts.entry(kind.kind).or_default() += 1;
    }
    let sha256 = hex(&digest.finalize());
    if sha256 != trailer.sha256 {
        return Err(AppError::Input(
            "sauvegarde corrompue : la somme de contrôle SHA-256 ne correspond pas à son contenu".to_owned(),
        ));
    }
    if counts != trailer.counts || counts != header.counts {
        return Err(AppError::Input(format!(
            "sauvegarde incohérente : elle annonce {} éléments et en contient {}",
            trailer.counts.values().sum::<u64>(),
            counts.values().sum::<u64>()
        )));
    }

    let mut parsed = items.iter().map(|line| {
        serde_json::from_str::<SnapshotItem>(line).map_err(|err| {
            StoreError::Conflict(format!("élément de sauvegarde invalide : {}", maillage_formats::json_reason(&err)))
        })
    });
    store.restore(&mut parsed).map_err(|err| match err {
        StoreError::Conflict(message) => AppError::Input(format!("restauration refusée : {message}")),
        other => AppError::Store(other),
    })?;
    Ok(BackupSummary { created_at: header.created_at, backend: header.backend, counts, sha256 })
}

#[derive(Deserialize)]
struct TypeTag {
    #[serde(rename = "type")]
    kind: String,
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use maillage_store::contract::{fill_for_snapshot, snapshot_items};
    use maillage_store_sqlite::SqliteStore;

    use super::*;

    fn filled() -> SqliteStore {
        let store = SqliteStore::in_memory().unwrap();
        fill_for_snapshot(&store);
        store
    }

    fn take(store: &dyn Store) -> Vec<u8> {
        let mut out = Vec::new();
        write_backup(store, &mut out).unwrap();
        out
    }

    fn decompress(bytes: &[u8]) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).unwrap();
        text
    }

    fn compress(text: &str) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        gz.finish().unwrap()
    }

    /// The lines after the header: the items and the trailer.
    fn body(bytes: &[u8]) -> Vec<String> {
        decompress(bytes).lines().skip(1).map(str::to_owned).collect()
    }

    fn refused(bytes: &[u8]) -> String {
        let target = SqliteStore::in_memory().unwrap();
        let err = restore_into(&target, bytes).unwrap_err().to_string();
        assert!(snapshot_items(&target).is_empty(), "the target stays empty");
        err
    }

    #[test]
    fn round_trip_is_byte_identical() {
        let source = filled();
        let first = take(&source);
        let target = SqliteStore::in_memory().unwrap();
        let summary = restore_into(&target, first.as_slice()).unwrap();
        assert_eq!(summary.counts.get("place"), Some(&3));
        assert_eq!(summary.counts.get("place_version"), Some(&3));
        let second = take(&target);
        assert_eq!(body(&first), body(&second));
        assert_eq!(snapshot_items(&target), snapshot_items(&source));
        let header: serde_json::Value = serde_json::from_str(decompress(&first).lines().next().unwrap()).unwrap();
        assert_eq!(header["format"], "maillage-backup");
        assert_eq!(header["version"], 1);
        assert_eq!(header["counts"]["batch"], 3);
    }

    #[test]
    fn an_empty_store_round_trips() {
        let bytes = take(&SqliteStore::in_memory().unwrap());
        let target = SqliteStore::in_memory().unwrap();
        assert_eq!(restore_into(&target, bytes.as_slice()).unwrap().total(), 0);
    }

    #[test]
    fn a_flipped_byte_is_refused() {
        let text = decompress(&take(&filled()));
        let at = text.find("Nouveau nom").unwrap();
        let mut bytes = text.into_bytes();
        bytes[at] = b'M';
        let err = refused(&compress(std::str::from_utf8(&bytes).unwrap()));
        assert!(err.contains("somme de contrôle"), "{err}");
    }

    #[test]
    fn a_flipped_byte_in_the_compressed_file_is_refused() {
        let mut bytes = take(&filled());
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x55;
        let err = refused(&bytes);
        assert!(err.contains("sauvegarde"), "{err}");
    }

    #[test]
    fn a_truncated_file_is_refused() {
        let bytes = take(&filled());
        let err = refused(&bytes[..bytes.len() * 2 / 3]);
        assert!(err.contains("tronqué"), "{err}");
        // Cut at a line boundary, the trailer is what is missing.
        let text = decompress(&bytes);
        let cut: Vec<&str> = text.lines().collect();
        let err = refused(&compress(&(cut[..cut.len() - 2].join("\n") + "\n")));
        assert!(err.contains("ligne de fin"), "{err}");
    }

    #[test]
    fn a_dropped_item_is_refused() {
        let text = decompress(&take(&filled()));
        let mut lines: Vec<&str> = text.lines().collect();
        lines.remove(2);
        let err = refused(&compress(&(lines.join("\n") + "\n")));
        assert!(err.contains("somme de contrôle"), "{err}");
    }

    #[test]
    fn another_version_is_refused() {
        let text = decompress(&take(&filled())).replacen("\"version\":1", "\"version\":2", 1);
        let err = refused(&compress(&text));
        assert!(err.contains("version 2"), "{err}");
    }

    #[test]
    fn another_file_is_refused() {
        let err = refused(&compress("id,nom\n1,Lieu\n"));
        assert!(err.contains("pas une sauvegarde Maillage"), "{err}");
        let err = refused(b"id,nom\n1,Lieu\n");
        assert!(err.contains("pas une sauvegarde Maillage"), "{err}");
    }

    #[test]
    fn a_non_empty_target_is_refused_and_unchanged() {
        let bytes = take(&filled());
        let target = filled();
        let before = snapshot_items(&target);
        let err = restore_into(&target, bytes.as_slice()).unwrap_err().to_string();
        assert!(err.contains("n'est pas vide"), "{err}");
        assert_eq!(snapshot_items(&target), before);
    }
}
