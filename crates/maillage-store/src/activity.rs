//! The activity log's half of the store contract: what the hub's team did (meetings,
//! appointments, comités, events, trainings, partnerships), the totals of past periods a hub
//! kept in spreadsheets, and the written introductions of its bilans.
//!
//! An entry names the actors it reached by their id in the actors directory
//! ([`crate::StakeholderStore`]), never by name: counting distinct actors follows merges, and
//! people's names stay in the directory, where only the team reads them. The entry itself is
//! stored as a JSON document beside the columns its queries need (date, département, author),
//! so a new field costs no migration.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult};

/// An enum stored and shown by keys: `as_str` (the stored key), `parse`, `label` (French).
macro_rules! keyed {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $key:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $key)] $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key,)+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.as_str() == text)
            }

            /// The value's name in the interface.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
        }
    };
}

keyed! {
    /// What kind of work an entry records (the Coop de la médiation numérique's types, plus
    /// the hub's appointments, comités and trainings).
    ActivityKind {
        /// A meeting the hub animates or takes part in ("réunion"); its sub-kind is an
        /// [`AnimationKind`].
        Animation = "animation", "Réunion / animation";
        RdvIndividuel = "rdv", "RDV individuel";
        /// A comité départemental (or a funder's comité).
        Comite = "comite", "Comité";
        Evenement = "evenement", "Événement";
        Formation = "formation", "Formation donnée";
        Partenariat = "partenariat", "Partenariat";
        Autre = "autre", "Autre";
    }
}

keyed! {
    /// The Coop's kinds of animation.
    AnimationKind {
        Assemblee = "assemblee", "Assemblée";
        ComiteTechnique = "comite_technique", "Comité technique / de pilotage";
        GroupeDeTravail = "groupe_de_travail", "Groupe de travail";
        Echange = "echange", "Échange";
        ReunionCoordination = "reunion_coordination", "Réunion de coordination";
        Webinaire = "webinaire", "Webinaire";
        Autre = "autre", "Autre";
    }
}

keyed! {
    /// The Coop's kinds of event.
    ActivityEventKind {
        GrandPublic = "grand_public", "Grand public";
        National = "national", "National";
        InclusionNumerique = "inclusion_numerique", "Inclusion numérique";
        NecLocal = "nec_local", "NEC local";
        Autre = "autre", "Autre";
    }
}

keyed! {
    /// The territorial level an entry concerns (the Coop's "échelon territorial", with the
    /// hub's bassins).
    TerritoryLevel {
        Commune = "commune", "Commune";
        Epci = "epci", "Intercommunalité";
        Bassin = "bassin", "Bassin de vie";
        Departement = "departement", "Département";
        Region = "region", "Région";
        National = "national", "National";
    }
}

keyed! {
    /// Where a partnership stands.
    PartnershipStatus {
        EnDiscussion = "en_discussion", "En discussion";
        Signe = "signe", "Signé";
        Termine = "termine", "Terminé";
    }
}

/// The partnership an entry of kind [`ActivityKind::Partenariat`] records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partnership {
    pub status: PartnershipStatus,
    /// The Coop's nature of partnership ("parcours usager", "subvention"…), free text.
    #[serde(default)]
    pub nature: String,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    /// The partners, as ids of the actors directory.
    #[serde(default)]
    pub partners: Vec<String>,
    /// The amount in euro cents, when there is one.
    pub amount_cents: Option<i64>,
}

/// One entry of the activity log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    /// A lower-case ULID.
    pub id: String,
    pub kind: ActivityKind,
    /// For an [`ActivityKind::Animation`].
    pub animation: Option<AnimationKind>,
    /// For an [`ActivityKind::Evenement`].
    pub event: Option<ActivityEventKind>,
    pub date: NaiveDate,
    pub duration_minutes: u32,
    pub level: TerritoryLevel,
    /// The territory's code at its level (INSEE code, SIREN, bassin name, département or
    /// région code); empty for [`TerritoryLevel::National`].
    pub territory: String,
    /// The département the entry counts for (derived from the territory when it lies in
    /// one), the key of the figures per département.
    pub departement: Option<String>,
    /// The hub's bassin, when the territory lies in one.
    pub bassin: Option<String>,
    /// The région's code, when the territory lies in one.
    pub region: Option<String>,
    /// The account that wrote it; `None` when the hub itself did (imports, the agenda).
    pub author: Option<String>,
    /// The actors reached, as ids of the actors directory.
    pub actors: Vec<String>,
    /// People reached who are not named (an anonymous headcount).
    pub headcount: u32,
    pub themes: Vec<String>,
    pub tags: Vec<String>,
    /// Linked territorial projects, by id.
    pub projects: Vec<String>,
    /// Linked events of the agenda, by id.
    pub events: Vec<String>,
    pub notes: String,
    /// Flagged by a coordinator as a notable action of the bilan, with its short text.
    pub notable: Option<String>,
    pub partnership: Option<Partnership>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// 1 when created, one more at each change: a write names the version it replaces.
    pub version: u32,
}

/// Which entries to read: dates inclusive, every bound optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only the entries counted for this département.
    pub departement: Option<String>,
}

/// The totals of a past period a hub kept elsewhere (a spreadsheet, a report), per
/// département; every figure optional (a report says some and not others).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastFigures {
    pub meetings: Option<u32>,
    pub rdv: Option<u32>,
    pub comites: Option<u32>,
    pub events: Option<u32>,
    pub participants: Option<u32>,
    pub trainings: Option<u32>,
    pub partnerships: Option<u32>,
    pub actors_in_meetings: Option<u32>,
    pub actors_in_rdv: Option<u32>,
    pub hours: Option<u32>,
}

/// The totals of a département (or of the hub, `departement` "hub") over a past period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastTotals {
    pub departement: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub figures: PastFigures,
    /// Where the figures come from and how they were worded ("« Plus de 100 acteurs »").
    pub note: String,
    pub imported_by: Option<String>,
    pub imported_at: DateTime<Utc>,
}

/// The written introduction of a bilan, per département (or "hub") and period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BilanIntroduction {
    pub scope: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub text: String,
    pub updated_by: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// 1 when written, one more at each change.
    pub version: u32,
}

/// The activity log in the store.
pub trait ActivityStore {
    fn activity(&self, id: &str) -> StoreResult<Option<ActivityEntry>>;
    /// The entries the query selects, by date then id.
    fn activities(&self, query: &ActivityQuery) -> StoreResult<Vec<ActivityEntry>>;
    /// A new entry (version 1). An id already used is a [`StoreError::Conflict`].
    fn add_activity(&self, entry: &ActivityEntry) -> StoreResult<()>;
    /// Replaces an entry: `entry.version` must be one more than the stored one, else
    /// [`StoreError::Conflict`] and nothing is written. Its creation is kept as stored.
    fn update_activity(&self, entry: &ActivityEntry) -> StoreResult<()>;
    /// Deletes an entry at the version read.
    fn delete_activity(&self, id: &str, version: u32) -> StoreResult<()>;
    /// Every past period's totals, by département, start, end.
    fn past_totals(&self) -> StoreResult<Vec<PastTotals>>;
    /// Writes these totals in one transaction, each replacing the totals of the same
    /// département and period; two rows for the same département and period refuse the
    /// whole list.
    fn save_past_totals(&self, totals: &[PastTotals]) -> StoreResult<()>;
    fn bilan_introduction(
        &self,
        scope: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> StoreResult<Option<BilanIntroduction>>;
    /// Every introduction, by scope, start, end.
    fn bilan_introductions(&self) -> StoreResult<Vec<BilanIntroduction>>;
    /// Writes an introduction: version 1 when there is none, else one more than the stored
    /// one (a stale one is a [`StoreError::Conflict`]).
    fn save_bilan_introduction(&self, introduction: &BilanIntroduction) -> StoreResult<()>;
}

/// What a new or replaced entry must hold before anything is written.
pub fn check_activity(entry: &ActivityEntry) -> StoreResult<()> {
    if entry.id.trim().is_empty() {
        return Err(StoreError::Conflict("une entrée d'activité sans identifiant".to_owned()));
    }
    if entry.version == 0 {
        return Err(StoreError::Conflict(format!("l'entrée d'activité {} a une version nulle", entry.id)));
    }
    if let Some(Partnership { start: Some(start), end: Some(end), .. }) = &entry.partnership {
        if end < start {
            return Err(StoreError::Conflict(format!(
                "l'entrée d'activité {} : le partenariat finit avant de commencer",
                entry.id
            )));
        }
    }
    Ok(())
}

/// One row per département and period, each period in order.
pub fn check_past_totals(totals: &[PastTotals]) -> StoreResult<()> {
    let mut seen = std::collections::HashSet::new();
    for row in totals {
        if row.end < row.start {
            return Err(StoreError::Conflict(format!(
                "les totaux de {} : la période finit le {} avant de commencer le {}",
                row.departement, row.end, row.start
            )));
        }
        if !seen.insert((&row.departement, row.start, row.end)) {
            return Err(StoreError::Conflict(format!(
                "les totaux de {} du {} au {} sont donnés deux fois",
                row.departement, row.start, row.end
            )));
        }
    }
    Ok(())
}

pub fn activity_not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("entrée d'activité {id}"))
}

pub fn stale_activity_error(id: &str) -> StoreError {
    StoreError::Conflict(format!("l'entrée d'activité {id} a été modifiée entre-temps"))
}

pub fn activity_exists_error(id: &str) -> StoreError {
    StoreError::Conflict(format!("l'entrée d'activité {id} existe déjà"))
}

pub fn stale_introduction_error(scope: &str) -> StoreError {
    StoreError::Conflict(format!("l'introduction du bilan ({scope}) a été modifiée entre-temps"))
}
