//! The demo's written parts: the Chinon bassin's sections taken from the hub's own document
//! (seed 002, see `data/demo/monographie-chinon/PROVENANCE.md`), so a first start shows a
//! complete monograph.

use chrono::{DateTime, Utc};
use maillage_store::{MonographText, Store};

use crate::AppResult;

/// The bassin the demo's texts are for.
pub const DEMO_BASSIN: &str = "Chinon";

/// Section key, Markdown text.
pub const DEMO_TEXTS: [(&str, &str); 4] = [
    ("presentation", include_str!("../../../../data/demo/monographie-chinon/presentation.md")),
    ("ateliers", include_str!("../../../../data/demo/monographie-chinon/ateliers.md")),
    ("perspective", include_str!("../../../../data/demo/monographie-chinon/perspective.md")),
    ("synthese", include_str!("../../../../data/demo/monographie-chinon/synthese.md")),
];

/// Writes the demo's sections of Chinon when the hub has that bassin and no text for it yet
/// (called by the demo loader, which checks the permission and audits). Returns how many.
pub fn load_demo_texts(store: &dyn Store, now: DateTime<Utc>) -> AppResult<usize> {
    let has_bassin = store.bassins()?.iter().any(|member| member.bassin == DEMO_BASSIN);
    if !has_bassin || !store.monograph_texts(DEMO_BASSIN)?.is_empty() {
        return Ok(0);
    }
    for (section, text) in DEMO_TEXTS {
        store.save_monograph_text(&MonographText {
            bassin: DEMO_BASSIN.to_owned(),
            section: section.to_owned(),
            version: 1,
            text: text.to_owned(),
            author: None,
            saved_at: now,
        })?;
    }
    Ok(DEMO_TEXTS.len())
}
