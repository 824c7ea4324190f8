//! Fuzz target: see `maillage_fuzz::targets::osm_hours`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| maillage_fuzz::targets::osm_hours(data));
