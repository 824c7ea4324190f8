//! The monograph of each bassin de vie: sections generated from the hub's data (territory,
//! fragility, offer, coverage, actors), the hub's own written sections with every saved
//! version kept, and editions (frozen, dated snapshots of both) that can be compared figure
//! by figure and written out as a spreadsheet or an office document.

pub mod cases;
pub mod demo;
pub mod document;
pub mod figures;
pub mod generate;
pub mod map;
pub mod markdown;
pub mod ods;

pub use cases::*;
pub use figures::{compare, figures, Figure, FigureChange, Unit};
pub use generate::{generate, Generated, Sources};
