//! Fuzz target: see `maillage_fuzz::targets::mapping_toml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| maillage_fuzz::targets::mapping_toml(data));
