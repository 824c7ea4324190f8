//! Fuzz target: see `maillage_fuzz::targets::query_string`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| maillage_fuzz::targets::query_string(data));
