//! The use cases' integration tests, in one test binary (each binary costs a link).

mod actors;
mod coverage;
mod duplicates;
mod fuzz_corpus;
mod mappings;
mod permissions;
mod pnt;
mod saved_mappings;
mod self_service;
mod spreadsheets;
mod support;
