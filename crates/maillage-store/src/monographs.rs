//! The monographs' half of the store contract: the sections a hub writes for each bassin de
//! vie (every saved version kept, with who and when) and the editions it publishes (a frozen,
//! dated snapshot of the generated figures and the written text, as one JSON document).
//!
//! Nothing is ever replaced or deleted: a new version of a section and a new edition are new
//! rows, each numbered one more than the last of its bassin (and section), so two people
//! saving at once cannot both win: the second is a conflict.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult};

/// One saved version of a written section of a bassin's monograph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonographText {
    /// The bassin's name, as the hub's bassins name it.
    pub bassin: String,
    /// The section's key ("presentation", "ateliers", "perspective", "synthese").
    pub section: String,
    /// 1 for the first version, one more for each.
    pub version: u32,
    /// Markdown, as written.
    pub text: String,
    /// The account that saved it; `None` when the hub itself did (command line, demo).
    pub author: Option<String>,
    pub saved_at: DateTime<Utc>,
}

/// One published edition of a bassin's monograph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonographEdition {
    /// A lower-case ULID.
    pub id: String,
    pub bassin: String,
    /// 1 for the bassin's first edition, one more for each.
    pub number: u32,
    pub published_at: DateTime<Utc>,
    pub published_by: Option<String>,
    /// The snapshot, a JSON document the application writes and reads.
    pub content: String,
}

/// The monographs in the store.
pub trait MonographStore {
    /// Every saved version of a bassin's sections, by section then version.
    fn monograph_texts(&self, bassin: &str) -> StoreResult<Vec<MonographText>>;
    /// A new version of a section: its `version` must be one more than the section's last
    /// (1 for the first), else [`StoreError::Conflict`] and nothing is written.
    fn save_monograph_text(&self, text: &MonographText) -> StoreResult<()>;
    /// A bassin's editions, by number.
    fn monograph_editions(&self, bassin: &str) -> StoreResult<Vec<MonographEdition>>;
    /// One edition by id.
    fn monograph_edition(&self, id: &str) -> StoreResult<Option<MonographEdition>>;
    /// A new edition: its `number` must be one more than the bassin's last (1 for the first),
    /// else [`StoreError::Conflict`] and nothing is written.
    fn add_monograph_edition(&self, edition: &MonographEdition) -> StoreResult<()>;
}

/// Checks what a section's version must hold before anything is written.
pub fn check_monograph_text(text: &MonographText) -> StoreResult<()> {
    if text.bassin.trim().is_empty() || text.section.trim().is_empty() {
        return Err(StoreError::Conflict("une section de monographie nomme son bassin et sa section".to_owned()));
    }
    if text.version == 0 {
        return Err(StoreError::Conflict(format!("la section {} a une version nulle", text.section)));
    }
    Ok(())
}

/// Checks what an edition must hold before anything is written.
pub fn check_monograph_edition(edition: &MonographEdition) -> StoreResult<()> {
    if edition.bassin.trim().is_empty() || edition.number == 0 {
        return Err(StoreError::Conflict(format!("l'édition {} ne nomme pas de bassin ou de numéro", edition.id)));
    }
    if serde_json::from_str::<serde_json::Value>(&edition.content).is_err() {
        return Err(StoreError::Conflict(format!("l'édition {} n'est pas un document JSON", edition.id)));
    }
    Ok(())
}

pub fn stale_monograph_text_error(bassin: &str, section: &str) -> StoreError {
    StoreError::Conflict(format!("la section {section} de la monographie de {bassin} a été enregistrée entre-temps"))
}

pub fn stale_monograph_edition_error(bassin: &str) -> StoreError {
    StoreError::Conflict(format!("une édition de la monographie de {bassin} a été publiée entre-temps"))
}
