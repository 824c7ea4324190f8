//! A place of the registry: the standard's record plus what a registry keeps around it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::hours::Horaires;
use crate::vocab::*;

/// The registry's own stable identifier of a place, independent of every source's ids.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PlaceId(pub String);

impl fmt::Display for PlaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// WGS84 coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

/// Every field of the standard v1.0.2, typed. Optional fields are `None` or empty; the
/// required `pivot` and `date_maj` may be unknown when a source gave a placeholder.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PlaceRecord {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pivot: Option<String>,
    pub nom: String,
    pub commune: String,
    pub code_postal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_insee: Option<String>,
    pub adresse: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complement_adresse: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub typologie: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub courriels: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub site_web: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub horaires: Option<Horaires>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presentation_resume: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presentation_detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub itinerance: BTreeSet<Itinerance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structure_parente: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_maj: Option<NaiveDate>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub services: BTreeSet<Service>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub publics_specifiquement_adresses: BTreeSet<Public>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub prise_en_charge_specifique: BTreeSet<PriseEnCharge>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub frais_a_charge: BTreeSet<Frais>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub dispositif_programmes_nationaux: BTreeSet<Dispositif>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub formations_labels: BTreeSet<FormationLabel>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub autres_formations_labels: Vec<String>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub modalites_acces: BTreeSet<ModaliteAcces>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub modalites_accompagnement: BTreeSet<ModaliteAccompagnement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fiche_acces_libre: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prise_rdv: Option<String>,
}

/// Whether a place is on the map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaceStatus {
    Active,
    /// Absent from its source's latest file (imported with `--prune`): kept, never deleted.
    Withdrawn,
}

impl PlaceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceStatus::Active => "active",
            PlaceStatus::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(PlaceStatus::Active),
            "withdrawn" => Some(PlaceStatus::Withdrawn),
            _ => None,
        }
    }
}

/// A place as the registry keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub id: PlaceId,
    /// The data source it came from (a file family: "conseiller-numerique", "hub-lo"…).
    pub source: String,
    /// Its id in that source; (source, source_id) is unique.
    pub source_id: String,
    /// The import batch that last wrote it.
    pub batch_id: Option<String>,
    pub status: PlaceStatus,
    /// Incremented on every change; writers that pass a stale version get a conflict.
    pub version: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub record: PlaceRecord,
    /// Source columns a hub keeps beyond the standard (bassin de vie, EPCI name…).
    #[serde(default)]
    pub extras: BTreeMap<String, String>,
}

impl Place {
    /// A place as first recorded at `at`: version 1, active, written by no import batch, with
    /// no columns beyond the standard.
    pub fn first_version(id: PlaceId, source: &str, source_id: &str, record: PlaceRecord, at: DateTime<Utc>) -> Place {
        Place {
            id,
            source: source.to_owned(),
            source_id: source_id.to_owned(),
            batch_id: None,
            status: PlaceStatus::Active,
            version: 1,
            created_at: at,
            updated_at: at,
            record,
            extras: BTreeMap::new(),
        }
    }

    /// `date_maj` as published: the source's own, or the day the registry first recorded
    /// the place when the source gave none (the standard requires one).
    pub fn published_date_maj(&self) -> NaiveDate {
        self.record.date_maj.unwrap_or_else(|| self.created_at.date_naive())
    }
}

/// Fingerprint of what a source says about a place; equal fingerprints mean "unchanged".
pub fn content_hash(record: &PlaceRecord, extras: &BTreeMap<String, String>) -> String {
    // Serialised straight into the hasher: this runs once per row of every import.
    let mut hasher = Sha256::new();
    serde_json::to_writer(&mut hasher, record).expect("a record always serialises");
    serde_json::to_writer(&mut hasher, extras).expect("extras always serialise");
    let digest = hasher.finalize();
    digest.iter().take(16).map(|byte| format!("{byte:02x}")).collect()
}

/// Names of the standard's fields whose values differ between two records.
pub fn changed_fields(before: &PlaceRecord, after: &PlaceRecord) -> Vec<&'static str> {
    let before = serde_json::to_value(before).expect("a record always serialises");
    let after = serde_json::to_value(after).expect("a record always serialises");
    crate::build::FIELDS
        .iter()
        .copied()
        .filter(|field| {
            let key = if *field == "latitude" || *field == "longitude" { "coordinates" } else { field };
            before.get(key) != after.get(key)
        })
        .collect()
}
