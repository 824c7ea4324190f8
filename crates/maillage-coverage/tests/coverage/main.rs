//! Coverage on real data and incremental updates, in one test binary (each binary costs a link).

mod incremental;
mod real_data;
mod support;
