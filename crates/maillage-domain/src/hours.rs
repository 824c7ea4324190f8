//! Opening hours in OpenStreetMap `opening_hours` syntax, parsed and evaluated by the
//! `opening-hours` crate. The original text is kept as written by the source.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::NaiveDateTime;
use opening_hours::OpeningHours;

pub mod french;

/// A valid `opening_hours` value with its parsed form.
#[derive(Clone)]
pub struct Horaires {
    original: String,
    parsed: Arc<OpeningHours>,
}

impl Horaires {
    /// Parses an OSM `opening_hours` string.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("horaires vides".to_owned());
        }
        let parsed = parse_cached(trimmed)?;
        Ok(Horaires { original: trimmed.to_owned(), parsed })
    }

    /// The text as the source wrote it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// Whether the place is open at a local (Europe/Paris for mainland France) date and time.
    pub fn is_open_at(&self, at: NaiveDateTime) -> bool {
        self.parsed.is_open(at)
    }

    pub fn parsed(&self) -> &OpeningHours {
        &self.parsed
    }
}

/// Parsing is the costly part of reading a place (the grammar is large), and the same few
/// strings ("Mo-Fr 09:00-12:00,14:00-17:00") come back thousands of times in a national file
/// and on every load of the store, so parsed values are shared. Bounded: past the limit
/// the cache is emptied, which only costs re-parsing.
fn parse_cached(text: &str) -> Result<Arc<OpeningHours>, String> {
    const LIMIT: usize = 20_000;
    type Parsed = Result<Arc<OpeningHours>, String>;
    static CACHE: OnceLock<Mutex<HashMap<String, Parsed>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|map| map.get(text).cloned()) {
        return found;
    }
    let parsed =
        text.parse::<OpeningHours>().map(Arc::new).map_err(|err| format!("syntaxe OpenStreetMap invalide ({err})"));
    if let Ok(mut map) = cache.lock() {
        if map.len() >= LIMIT {
            map.clear();
        }
        map.insert(text.to_owned(), parsed.clone());
    }
    parsed
}

impl PartialEq for Horaires {
    fn eq(&self, other: &Self) -> bool {
        self.original == other.original
    }
}

impl fmt::Debug for Horaires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Horaires({:?})", self.original)
    }
}

impl serde::Serialize for Horaires {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.original)
    }
}

impl<'de> serde::Deserialize<'de> for Horaires {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Horaires::parse(&text).map_err(serde::de::Error::custom)
    }
}
