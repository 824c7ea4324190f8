//! French free-text opening hours ("du lundi au vendredi de 9h à 12h et de 14h à 17h")
//! converted to OSM syntax where they can be.

/// Why a French text could not be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrecognised(pub String);

/// Converts French free text to an OSM `opening_hours` string.
pub fn to_osm(text: &str) -> Result<String, Unrecognised> {
    Err(Unrecognised(format!("horaires en texte libre non convertis : {text}")))
}
