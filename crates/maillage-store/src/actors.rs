//! The actors directory's half of the store contract: the organisations, elected officials and
//! places of the registry the hub's team meets, shared by the activity log, the territorial
//! projects and the agenda, which name them by id.
//!
//! An actor is never deleted: two entries found to be the same actor are merged, the merged one
//! staying as a redirect to the one kept (`merged_into`), so every reference made to either
//! still finds the actor. Redirects are kept flat (a merged entry always points at an entry that
//! is not merged itself), so following one is a single step.
//!
//! Names of people (an elected official's name, a contact at an organisation) are personal
//! data: the store keeps them for the hub's team and the use cases never publish or log them.

use chrono::{DateTime, Utc};
use maillage_domain::PlaceId;
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult};

/// What kind of actor an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StakeholderKind {
    /// A place of the registry (named by its registry id).
    Lieu,
    /// A State service or public body (préfecture, CAF, France Travail…).
    Institution,
    /// A local authority (commune, EPCI, département, région) as an organisation.
    Collectivite,
    /// An elected official, named in person: the name is personal data.
    Elu,
    Association,
    Entreprise,
    /// A network, a funder or another partner that fits none of the above.
    Partenaire,
    Autre,
}

impl StakeholderKind {
    pub const ALL: [StakeholderKind; 8] = [
        StakeholderKind::Lieu,
        StakeholderKind::Institution,
        StakeholderKind::Collectivite,
        StakeholderKind::Elu,
        StakeholderKind::Association,
        StakeholderKind::Entreprise,
        StakeholderKind::Partenaire,
        StakeholderKind::Autre,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StakeholderKind::Lieu => "lieu",
            StakeholderKind::Institution => "institution",
            StakeholderKind::Collectivite => "collectivite",
            StakeholderKind::Elu => "elu",
            StakeholderKind::Association => "association",
            StakeholderKind::Entreprise => "entreprise",
            StakeholderKind::Partenaire => "partenaire",
            StakeholderKind::Autre => "autre",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        StakeholderKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The kind's name in the interface.
    pub fn label(self) -> &'static str {
        match self {
            StakeholderKind::Lieu => "Lieu de médiation numérique",
            StakeholderKind::Institution => "Institution",
            StakeholderKind::Collectivite => "Collectivité",
            StakeholderKind::Elu => "Élu·e",
            StakeholderKind::Association => "Association",
            StakeholderKind::Entreprise => "Entreprise",
            StakeholderKind::Partenaire => "Partenaire",
            StakeholderKind::Autre => "Autre",
        }
    }

    /// Whether the entry's name is a person's (personal data).
    pub fn is_person(self) -> bool {
        self == StakeholderKind::Elu
    }
}

/// An entry of the actors directory. (`Stakeholder` in code: `Actor` is the person acting in
/// the use cases.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stakeholder {
    /// A lower-case ULID.
    pub id: String,
    pub name: String,
    pub kind: StakeholderKind,
    /// The commune's current INSEE code, when the actor is a commune's.
    pub commune_code: Option<String>,
    /// The commune's name as the territory gives it (kept for search and display).
    pub commune: Option<String>,
    /// The département's code ("18"); `None` for a regional or national actor.
    pub departement: Option<String>,
    /// The registry place this actor is (kind [`StakeholderKind::Lieu`]) or runs.
    pub place_id: Option<PlaceId>,
    /// A person to reach there (name, function): personal data.
    pub contact: Option<String>,
    /// The account that created it; `None` when the hub itself did (command line, imports).
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// 1 when created, one more at each change (an edit, a merge, forgetting a person): a
    /// write names the version it replaces.
    pub version: u32,
    /// The entry this one was merged into, which stands for it from then on.
    pub merged_into: Option<String>,
}

impl Stakeholder {
    /// The folded words search matches (accents, case and punctuation ignored): the name and
    /// the commune.
    pub fn search_key(&self) -> String {
        let commune = self.commune.as_deref().unwrap_or_default();
        maillage_domain::text::fold(&format!("{} {commune}", self.name))
    }

    /// The id that stands for this entry: its own, or the one it was merged into.
    pub fn canonical_id(&self) -> &str {
        self.merged_into.as_deref().unwrap_or(&self.id)
    }
}

/// One merge: `from` becomes a redirect to `into`; each names the version its writer read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StakeholderMerge {
    pub from: String,
    pub from_version: u32,
    pub into: String,
    pub into_version: u32,
    pub at: DateTime<Utc>,
}

/// The actors directory in the store.
pub trait StakeholderStore {
    /// One entry as stored (a merged one included: see [`Stakeholder::merged_into`]).
    fn stakeholder(&self, id: &str) -> StoreResult<Option<Stakeholder>>;
    /// Every entry, merged ones included, by id.
    fn stakeholders(&self) -> StoreResult<Vec<Stakeholder>>;
    /// Entries not merged whose [`Stakeholder::search_key`] holds every one of `words`
    /// (folded), by search key then id, at most `limit`.
    fn find_stakeholders(&self, words: &[String], limit: usize) -> StoreResult<Vec<Stakeholder>>;
    /// The entry that stands for a registry place now (following a merge), if any.
    fn stakeholder_of_place(&self, place: &PlaceId) -> StoreResult<Option<Stakeholder>>;
    /// A new entry (version 1, not merged). An id already used, or a place that already has
    /// an entry standing for it, is a [`StoreError::Conflict`]; an unknown place is
    /// [`StoreError::NotFound`]; nothing is written then.
    fn add_stakeholder(&self, stakeholder: &Stakeholder) -> StoreResult<()>;
    /// Replaces an entry: `stakeholder.version` must be one more than the stored one, and the
    /// stored one must not be merged, else [`StoreError::Conflict`] and nothing is written.
    /// Its id, creation and `merged_into` are kept as stored.
    fn update_stakeholder(&self, stakeholder: &Stakeholder) -> StoreResult<()>;
    /// Merges two entries in one transaction: `from` points at `into` (and so does every entry
    /// merged into `from` before), both get a new version, and `into` takes `from`'s place when
    /// it names none. Two entries that are the same, unknown (not found), already merged or
    /// changed since read (conflict) write nothing.
    fn merge_stakeholders(&self, merge: &StakeholderMerge) -> StoreResult<()>;
}

/// Checks what a new or replaced entry must hold before anything is written.
pub fn check_stakeholder(stakeholder: &Stakeholder) -> StoreResult<()> {
    if stakeholder.name.trim().is_empty() {
        return Err(StoreError::Conflict(format!("l'acteur {} n'a pas de nom", stakeholder.id)));
    }
    if stakeholder.version == 0 {
        return Err(StoreError::Conflict(format!("l'acteur {} a une version nulle", stakeholder.id)));
    }
    Ok(())
}

pub fn stakeholder_not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("acteur {id}"))
}

pub fn stale_stakeholder_error(id: &str) -> StoreError {
    StoreError::Conflict(format!("l'acteur {id} a été modifié entre-temps"))
}

pub fn merged_stakeholder_error(id: &str) -> StoreError {
    StoreError::Conflict(format!("l'acteur {id} a déjà été fusionné dans un autre"))
}

pub fn place_has_stakeholder_error(place: &PlaceId) -> StoreError {
    StoreError::Conflict(format!("le lieu {place} a déjà sa fiche dans l'annuaire des acteurs"))
}
