//! Rules of the workspace that hold themselves: the tests of [`tidy`] read `cargo metadata`
//! and the crates' manifests and fail when a crate gains a dependency `ARCHITECTURE.md`
//! forbids, when a crate stops inheriting the workspace's lints, or when a crate's root
//! loses the comment that gives its role. Nothing here is built into the product.

#[cfg(test)]
mod tidy;
