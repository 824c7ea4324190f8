//! The web crate's tests through HTTP on the router, in one test binary (each binary costs a
//! link): shared support in `common/`, a module per resource, each with its bad input.

mod common;

mod accounts;
mod activity;
mod admin_hub;
mod admin_mappings;
mod admin_places;
mod agenda;
mod api_communes;
mod api_contract;
mod api_couverture;
mod api_places;
mod bilan_readback;
mod duplicates;
mod errors;
mod fiche;
mod monographie_readback;
mod monographies;
mod open_data;
mod pages;
mod pnt;
mod proxy;
