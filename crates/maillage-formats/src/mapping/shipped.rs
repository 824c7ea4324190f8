//! The mappings shipped with Maillage (`mappings/*.toml` at the repository root), built into
//! the binary so that the CLI's recognition and the administrator's upload offer them wherever
//! Maillage runs from. `tests/mappings.rs` runs each on the export it was written for.

use super::Mapping;

/// (source name, TOML text) of every shipped mapping, by name.
pub const SHIPPED: [(&str, &str); 17] = [
    ("aidants-connect", include_str!("../../../../mappings/aidants-connect.toml")),
    ("cnfs-structures", include_str!("../../../../mappings/cnfs-structures.toml")),
    ("corse", include_str!("../../../../mappings/corse.toml")),
    ("epernay", include_str!("../../../../mappings/epernay.toml")),
    ("etapes-numerique", include_str!("../../../../mappings/etapes-numerique.toml")),
    ("fibre-64", include_str!("../../../../mappings/fibre-64.toml")),
    ("france-services", include_str!("../../../../mappings/france-services.toml")),
    ("haute-vienne", include_str!("../../../../mappings/haute-vienne.toml")),
    ("hinaura", include_str!("../../../../mappings/hinaura.toml")),
    ("hub-lo", include_str!("../../../../mappings/hub-lo.toml")),
    ("la-creuse", include_str!("../../../../mappings/la-creuse.toml")),
    ("maine-et-loire", include_str!("../../../../mappings/maine-et-loire.toml")),
    ("mulhouse", include_str!("../../../../mappings/mulhouse.toml")),
    ("nouvelle-caledonie", include_str!("../../../../mappings/nouvelle-caledonie.toml")),
    ("numi", include_str!("../../../../mappings/numi.toml")),
    ("paca-regionsud", include_str!("../../../../mappings/paca-regionsud.toml")),
    ("ultra-num", include_str!("../../../../mappings/ultra-num.toml")),
];

/// The TOML text of a shipped mapping.
pub fn text(name: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(known, _)| *known == name).map(|(_, text)| *text)
}

/// One shipped mapping, checked and compiled.
pub fn mapping(name: &str) -> Option<Mapping> {
    // The tests load every shipped mapping: one that does not load is a bug of the release.
    text(name).map(|text| Mapping::from_toml(text).unwrap_or_else(|err| panic!("mapping {name} : {err}")))
}

/// Every shipped mapping, checked and compiled (about a millisecond each).
pub fn all() -> Vec<Mapping> {
    SHIPPED.iter().filter_map(|(name, _)| mapping(name)).collect()
}
