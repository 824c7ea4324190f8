//! Fuzz target: see `maillage_fuzz::targets::french_hours`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| maillage_fuzz::targets::french_hours(data));
