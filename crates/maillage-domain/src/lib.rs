//! Domain core of Maillage: a place (*lieu de médiation numérique*) as the national standard
//! v1.0.2 describes it, its vocabularies, opening hours, phone numbers, and the rules that turn
//! an untyped record from any file into a typed place with a list of problems.
//!
//! Invariant: this crate does no IO (no files, no network, no database, no clock reads except
//! where a caller passes the time). Everything above it (formats, store, web, CLI) depends on
//! it; it depends on none of them.

pub mod build;
pub mod hours;
pub mod phone;
pub mod place;
pub mod problem;
pub mod text;
pub mod vocab;

pub use build::{build_record, RawRecord};
pub use hours::{
    french_public_holidays, is_french_public_holiday, paris_local, Horaires, HoursEvaluator, OpenInterval,
};
pub use place::{Coordinates, Place, PlaceId, PlaceRecord, PlaceStatus};
pub use problem::{Problem, Severity};
pub use vocab::{
    Dispositif, FormationLabel, Frais, Itinerance, ModaliteAcces, ModaliteAccompagnement, PriseEnCharge, Public,
    Service, Vocabulary,
};
