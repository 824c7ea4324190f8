//! Territories named in a request: `--territory` on the command line, `territoire` in the
//! API, a campaign's or a coordinator's areas.

use maillage_territory::Territory;

use super::{BassinIndex, Level};
use crate::{AppError, AppResult};

/// Reads `--territory` values: `18` (a département), or `level:code` with level commune,
/// epci, bassin, departement or region (`epci:241800507`, `bassin:Bourges`), comma-separated.
/// Unknown levels or codes are refused with a French message.
pub fn parse_areas(text: &str, territory: &Territory, bassins: &BassinIndex) -> AppResult<Vec<(Level, String)>> {
    let mut areas = Vec::new();
    for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let (level, code) = match item.split_once(':') {
            Some((level, code)) => (
                Level::parse(level).ok_or_else(|| {
                    AppError::Input(format!(
                        "niveau de territoire inconnu « {level} » (commune, epci, bassin, departement, region)"
                    ))
                })?,
                code.trim().to_owned(),
            ),
            None => (Level::Departement, item.to_owned()),
        };
        let known = match level {
            Level::Commune => territory.resolve_code(&code).is_some(),
            Level::Epci => territory.epci(&code).is_some(),
            Level::Bassin => bassins.bassins().contains_key(&code),
            Level::Departement => territory.departement(&code).is_some(),
            Level::Region => territory.region(&code).is_some(),
        };
        if !known {
            return Err(AppError::Input(format!("territoire inconnu : « {item} »")));
        }
        let code = match level {
            Level::Commune => territory.resolve_code(&code).map(|c| c.code_insee.clone()).unwrap_or(code),
            _ => code,
        };
        areas.push((level, code));
    }
    Ok(areas)
}
