//! The figures of a generated monograph as a flat list (a stable key, a French label, a
//! value), so two editions can be compared figure by figure and the figures written to a
//! spreadsheet.

use serde::Serialize;

use super::generate::Generated;

/// How a figure is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Unit {
    People,
    Count,
    /// Per km².
    Density,
    Km2,
    /// An indicator's value (one decimal).
    Index,
    Score,
}

/// One figure of a monograph.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// Stable across editions ("couverture.au_dela.10").
    pub key: String,
    pub section: &'static str,
    pub label: String,
    pub value: f64,
    pub unit: Unit,
}

/// A figure in two editions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FigureChange {
    pub section: &'static str,
    pub label: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub unit: Unit,
}

impl FigureChange {
    pub fn changed(&self) -> bool {
        match (self.before, self.after) {
            (Some(a), Some(b)) => (a - b).abs() > 1e-9,
            _ => true,
        }
    }

    /// "25 980 → 21 400".
    pub fn text(&self) -> String {
        let side = |v: Option<f64>| v.map(|v| format_value(v, self.unit)).unwrap_or_else(|| "—".to_owned());
        format!("{} → {}", side(self.before), side(self.after))
    }
}

/// A value in French notation for its unit.
pub fn format_value(value: f64, unit: Unit) -> String {
    match unit {
        Unit::People | Unit::Count => group_thousands(value.round() as i64),
        Unit::Km2 => group_thousands(value.round() as i64),
        Unit::Density | Unit::Index | Unit::Score => format!("{value:.1}").replace('.', ","),
    }
}

/// 25980 → "25 980" (narrow no-break space, as French typography writes it).
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Every figure of a generated monograph, in reading order.
pub fn figures(generated: &Generated) -> Vec<Figure> {
    let mut out = Vec::new();
    let mut push = |key: String, section: &'static str, label: String, value: f64, unit: Unit| {
        out.push(Figure { key, section, label, value, unit })
    };
    let t = &generated.territoire;
    push("territoire.population".into(), "Territoire", "Population".into(), t.population as f64, Unit::People);
    push("territoire.communes".into(), "Territoire", "Communes".into(), t.communes.len() as f64, Unit::Count);
    push("territoire.epci".into(), "Territoire", "EPCI".into(), t.epci.len() as f64, Unit::Count);
    push("territoire.superficie".into(), "Territoire", "Superficie (km²)".into(), t.area_km2, Unit::Km2);
    push("territoire.densite".into(), "Territoire", "Densité (hab./km²)".into(), t.density, Unit::Density);
    for epci in &t.epci {
        push(
            format!("territoire.epci.{}", epci.siren),
            "Territoire",
            format!("Population : {}", epci.name),
            epci.population as f64,
            Unit::People,
        );
    }
    let f = &generated.fragilite;
    for indicator in f.ifn.iter().chain(&f.others) {
        if let Some(value) = indicator.bassin {
            push(
                format!("fragilite.{}.bassin", indicator.name),
                "Fragilité",
                format!("{} du bassin (moyenne pondérée par la population)", indicator.name),
                value,
                Unit::Index,
            );
        }
        for (siren, name, value) in &indicator.per_epci {
            push(
                format!("fragilite.{}.{siren}", indicator.name),
                "Fragilité",
                format!("{} : {name}", indicator.name),
                *value,
                Unit::Index,
            );
        }
        if let Some(value) = indicator.region {
            push(
                format!("fragilite.{}.region", indicator.name),
                "Fragilité",
                format!("{} : région {}", indicator.name, indicator.region_name),
                value,
                Unit::Index,
            );
        }
    }
    let o = &generated.offre;
    push("offre.lieux".into(), "Offre", "Lieux de médiation numérique".into(), o.places as f64, Unit::Count);
    push("offre.itinerants".into(), "Offre", "Offres itinérantes".into(), o.itinerant as f64, Unit::Count);
    for (day, n) in &o.by_day {
        push(format!("offre.jour.{day}"), "Offre", format!("Lieux ouverts le {day}"), *n as f64, Unit::Count);
    }
    push("offre.sans_horaires".into(), "Offre", "Lieux sans horaires".into(), o.without_hours as f64, Unit::Count);
    for (service, n) in &o.by_service {
        push(format!("offre.service.{service}"), "Offre", format!("Service : {service}"), *n as f64, Unit::Count);
    }
    for (kind, n) in &o.by_type {
        push(format!("offre.type.{kind}"), "Offre", format!("Typologie : {kind}"), *n as f64, Unit::Count);
    }
    for (class, n) in &o.freshness {
        push(format!("offre.fraicheur.{class}"), "Offre", format!("Fraîcheur : {class}"), *n as f64, Unit::Count);
    }
    let c = &generated.couverture;
    for (km, people) in &c.beyond {
        push(
            format!("couverture.au_dela.{km}"),
            "Couverture",
            format!("Population au-delà de {km} km"),
            *people as f64,
            Unit::People,
        );
    }
    push(
        "couverture.communes_sans_lieu".into(),
        "Couverture",
        "Communes sans lieu".into(),
        c.communes_without_place as f64,
        Unit::Count,
    );
    for line in generated.acteurs.directory.lines.iter() {
        push(
            format!("acteurs.annuaire.{}", line.0),
            "Acteurs et dynamique",
            format!("Acteurs de l'annuaire : {}", line.0),
            line.1 as f64,
            Unit::Count,
        );
    }
    out
}

/// The figures of two editions side by side, in the newer one's order, then those only the
/// older one had.
pub fn compare(before: &Generated, after: &Generated) -> Vec<FigureChange> {
    let old = figures(before);
    let new = figures(after);
    let mut out: Vec<FigureChange> = new
        .iter()
        .map(|figure| FigureChange {
            section: figure.section,
            label: figure.label.clone(),
            before: old.iter().find(|o| o.key == figure.key).map(|o| o.value),
            after: Some(figure.value),
            unit: figure.unit,
        })
        .collect();
    out.extend(old.iter().filter(|o| !new.iter().any(|n| n.key == o.key)).map(|o| FigureChange {
        section: o.section,
        label: o.label.clone(),
        before: Some(o.value),
        after: None,
        unit: o.unit,
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_the_french_way() {
        assert_eq!(group_thousands(25_980), "25\u{202f}980");
        assert_eq!(group_thousands(980), "980");
        assert_eq!(group_thousands(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(format_value(4.25, Unit::Index), "4,2");
        let change = FigureChange {
            section: "Couverture",
            label: "Population au-delà de 10 km".into(),
            before: Some(25_980.0),
            after: Some(21_400.0),
            unit: Unit::People,
        };
        assert_eq!(change.text(), "25\u{202f}980 → 21\u{202f}400");
        assert!(change.changed());
    }
}
