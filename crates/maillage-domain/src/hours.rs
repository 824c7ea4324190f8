//! Opening hours in OpenStreetMap `opening_hours` syntax, parsed and evaluated by the
//! `opening-hours` crate. The original text is kept as written by the source.

use std::fmt;
use std::sync::Arc;

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
        let parsed = trimmed.parse::<OpeningHours>().map_err(|err| format!("syntaxe OpenStreetMap invalide ({err})"))?;
        Ok(Horaires { original: trimmed.to_owned(), parsed: Arc::new(parsed) })
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
