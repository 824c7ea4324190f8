//! The web crate's tests through HTTP on the router, in one test binary (each binary costs a link).

mod accounts;
mod api;
mod pages;
