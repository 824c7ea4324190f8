//! Duplicate scoring on real files and its properties, in one test binary (each binary costs a link).

mod properties;
mod real_data;
