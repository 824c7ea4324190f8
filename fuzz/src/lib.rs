//! The fuzz targets' bodies, shared by the libFuzzer binaries of `fuzz_targets/` and by the
//! main suite's corpus regression test.

pub mod targets;
