//! An edition as a document: every section in reading order (the generated figures as tables,
//! the maps as drawings, the written sections' Markdown as headings, paragraphs and lists,
//! the sources and their dates), one [`Report`] printed as the PDF and written as the ODT.

use chrono::{DateTime, Utc};
use maillage_documents::report::{Block, Cell, Report, Table};
use maillage_documents::{odt as odt_writer, pdf as pdf_writer};
use maillage_store::MonographEdition;
use maillage_territory::Territory;

use super::cases::Monograph;
use super::figures::Unit;
use super::generate::{Dynamic, IndicatorFigures, SourceNote};
use super::map::{bassin_drawing, priority_drawing};
use super::markdown::{self, Span};
use crate::{AppError, AppResult};

fn date(at: &DateTime<Utc>) -> String {
    at.format("%d/%m/%Y").to_string()
}

/// A figure as a typed cell, rounded as the pages write it (so every copy reads the same).
fn number(value: f64, unit: Unit) -> Cell {
    match unit {
        Unit::People | Unit::Count | Unit::Km2 => Cell::Number(value.round()),
        Unit::Density | Unit::Index | Unit::Score => Cell::Number((value * 10.0).round() / 10.0),
    }
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

fn count(value: usize) -> Cell {
    Cell::Number(value as f64)
}

fn table(name: &str, headers: &[&str], rows: Vec<Vec<Cell>>) -> Block {
    Block::Table(Table { name: name.to_owned(), headers: headers.iter().map(|h| (*h).to_owned()).collect(), rows })
}

fn sources_note(sources: &[SourceNote]) -> Block {
    let listed: Vec<String> = sources
        .iter()
        .map(|s| match &s.date {
            Some(at) => format!("{} ({})", s.label, date(at)),
            None => s.label.clone(),
        })
        .collect();
    Block::Note(format!("Sources : {}.", listed.join(" ; ")))
}

fn indicator(blocks: &mut Vec<Block>, figures: &IndicatorFigures) {
    blocks.push(Block::Subheading(figures.name.clone()));
    if !figures.description.is_empty() {
        blocks.push(Block::Paragraph(figures.description.clone()));
    }
    let mut rows: Vec<Vec<Cell>> =
        figures.per_epci.iter().map(|(_, name, value)| vec![text(name), number(*value, Unit::Index)]).collect();
    let unknown = || text("inconnue");
    rows.push(vec![
        text("Bassin de vie (moyenne pondérée)"),
        figures.bassin.map_or_else(unknown, |v| number(v, Unit::Index)),
    ]);
    rows.push(vec![
        text(format!("Région {}", figures.region_name).trim_end()),
        figures.region.map_or_else(unknown, |v| number(v, Unit::Index)),
    ]);
    blocks.push(table(&figures.name, &["Territoire", "Valeur"], rows));
    blocks.push(sources_note(std::slice::from_ref(&figures.source)));
}

fn dynamic(blocks: &mut Vec<Block>, dynamic: &Dynamic) {
    blocks.push(Block::Subheading(dynamic.title.clone()));
    if let Some(absent) = &dynamic.absent {
        blocks.push(Block::Paragraph(format!("{} : {absent}.", dynamic.title)));
        return;
    }
    blocks.push(table(
        &dynamic.title,
        &["", "Nombre"],
        dynamic.lines.iter().map(|(label, n)| vec![text(label), count(*n)]).collect(),
    ));
    if !dynamic.names.is_empty() {
        blocks.push(Block::Paragraph(dynamic.names.join(", ")));
    }
}

fn spans(spans: &[Span]) -> String {
    spans.iter().map(|s| s.text.as_str()).collect::<String>().trim().to_owned()
}

fn counted_table(name: &str, first: &str, lines: &[(String, usize)]) -> Block {
    table(name, &[first, "Lieux"], lines.iter().map(|(label, n)| vec![text(label), count(*n)]).collect())
}

/// The edition as a report: title, generated sections, written sections, sources.
pub fn report(monograph: &Monograph, edition: &MonographEdition, territory: &Territory) -> Report {
    let g = &monograph.generated;
    let (t, f, o, c) = (&g.territoire, &g.fragilite, &g.offre, &g.couverture);
    let mut blocks = Vec::new();

    blocks.push(Block::Heading("Territoire".to_owned()));
    blocks.push(Block::Paragraph(format!(
        "Le bassin de vie de {} ({}) compte {} communes réparties en {} EPCI.",
        g.bassin,
        t.departement,
        t.communes.len(),
        t.epci.len()
    )));
    blocks.push(table(
        "Le bassin en chiffres",
        &["Chiffre", "Valeur"],
        vec![
            vec![text("Population"), number(t.population as f64, Unit::People)],
            vec![text("Communes"), count(t.communes.len())],
            vec![text("EPCI"), count(t.epci.len())],
            vec![text("Superficie (km²)"), number(t.area_km2, Unit::Km2)],
            vec![text("Densité (hab./km²)"), number(t.density, Unit::Density)],
        ],
    ));
    blocks.push(table(
        "Les EPCI du bassin",
        &["EPCI", "Communes", "Population", "Superficie (km²)"],
        t.epci
            .iter()
            .map(|e| {
                vec![
                    text(&e.name),
                    count(e.communes),
                    number(e.population as f64, Unit::People),
                    number(e.area_km2, Unit::Km2),
                ]
            })
            .collect(),
    ));
    match bassin_drawing(territory, g) {
        Some(drawing) => blocks.push(Block::Drawing(drawing)),
        None => blocks.push(Block::Note(
            "Carte du bassin absente : le référentiel n'a pas le contour de ses communes.".to_owned(),
        )),
    }
    blocks.push(sources_note(&t.sources));

    blocks.push(Block::Heading("Fragilité".to_owned()));
    if f.ifn.is_none() && f.others.is_empty() {
        blocks.push(Block::Paragraph("Aucun indicateur de fragilité n'est importé par le hub.".to_owned()));
    }
    for figures in f.ifn.iter().chain(&f.others) {
        indicator(&mut blocks, figures);
    }

    blocks.push(Block::Heading("Offre".to_owned()));
    let updates = match (o.oldest_update, o.latest_update) {
        (Some(a), Some(b)) => format!("du {} au {}", a.format("%d/%m/%Y"), b.format("%d/%m/%Y")),
        _ => "aucune".to_owned(),
    };
    blocks.push(table(
        "L'offre en chiffres",
        &["Chiffre", "Valeur"],
        vec![
            vec![text("Lieux de médiation numérique"), count(o.places)],
            vec![text("Offres itinérantes"), count(o.itinerant)],
            vec![text("Lieux sans horaires"), count(o.without_hours)],
        ],
    ));
    blocks.push(Block::Paragraph(format!("Mises à jour des fiches : {updates}.")));
    blocks.push(counted_table("Lieux ouverts par jour", "Jour", &o.by_day));
    blocks.push(counted_table("Lieux par typologie", "Typologie", &o.by_type));
    blocks.push(counted_table("Lieux par service", "Service", &o.by_service));
    blocks.push(counted_table("Fraîcheur des données", "Fraîcheur", &o.freshness));
    blocks.push(sources_note(&o.sources));

    blocks.push(Block::Heading("Couverture".to_owned()));
    blocks.push(table(
        "Population éloignée du lieu le plus proche",
        &["Distance", "Population au-delà"],
        c.beyond.iter().map(|(km, n)| vec![text(&format!("{km} km")), number(*n as f64, Unit::People)]).collect(),
    ));
    blocks.push(Block::Paragraph(format!("Communes sans lieu : {}.", c.communes_without_place)));
    blocks.push(table(
        "Communes prioritaires",
        &["Commune", "Hab.", "km", "Score", "Dist.", "Fragil.", "Pop."],
        c.priorities
            .iter()
            .map(|p| {
                vec![
                    text(&p.name),
                    number(p.population as f64, Unit::People),
                    p.distance_km.map_or(Cell::Empty, |d| number(d, Unit::Index)),
                    number(p.score, Unit::Score),
                    number(p.part_distance, Unit::Score),
                    p.part_fragilite.map_or(Cell::Empty, |v| number(v, Unit::Score)),
                    number(p.part_population, Unit::Score),
                ]
            })
            .collect(),
    ));
    blocks.push(Block::Note(
        "Hab. : population ; km : distance au lieu le plus proche ; le score (0 à 100) est la somme des parts \
         distance (Dist.), fragilité (Fragil.) et population (Pop.)."
            .to_owned(),
    ));
    match priority_drawing(territory, g) {
        Some(drawing) => blocks.push(Block::Drawing(drawing)),
        None => blocks.push(Block::Note(
            "Carte des priorités absente : le référentiel n'a pas le contour des communes.".to_owned(),
        )),
    }
    blocks.push(Block::Note(format!("Score de priorité : {}.", c.formula)));
    blocks.push(sources_note(&c.sources));

    blocks.push(Block::Heading("Acteurs et dynamique".to_owned()));
    for part in [&g.acteurs.directory, &g.acteurs.meetings, &g.acteurs.projects, &g.acteurs.events] {
        dynamic(&mut blocks, part);
    }

    for section in &monograph.sections {
        blocks.push(Block::Heading(section.title.clone()));
        if section.text.trim().is_empty() {
            blocks.push(Block::Note("Section non rédigée dans cette édition.".to_owned()));
            continue;
        }
        for block in markdown::to_blocks(&section.text) {
            blocks.push(match block {
                markdown::Block::Heading(title) => Block::Subheading(title),
                markdown::Block::Paragraph(runs) => Block::Paragraph(spans(&runs)),
                markdown::Block::Bullet(runs) => Block::Bullet(spans(&runs)),
            });
        }
        if let Some(at) = section.saved_at {
            blocks.push(Block::Note(format!("Texte du hub, version {} du {}.", section.version, date(&at))));
        }
    }

    blocks.push(Block::Heading("Sources et dates".to_owned()));
    let notes = t
        .sources
        .iter()
        .map(|s| ("Territoire", s))
        .chain(f.ifn.iter().chain(&f.others).map(|i| ("Fragilité", &i.source)))
        .chain(o.sources.iter().map(|s| ("Offre", s)))
        .chain(c.sources.iter().map(|s| ("Couverture", s)));
    blocks.push(table(
        "Sources",
        &["Section", "Source", "Date"],
        notes
            .map(|(section, note)| {
                vec![text(section), text(&note.label), note.date.map_or(Cell::Empty, |d| Cell::Date(d.date_naive()))]
            })
            .collect(),
    ));

    Report {
        title: format!("Monographie du bassin de vie de {}", g.bassin),
        subtitle: format!(
            "Édition {} publiée le {} ; chiffres générés le {}",
            edition.number,
            date(&edition.published_at),
            date(&g.generated_at)
        ),
        blocks,
    }
}

/// The edition as a PDF.
pub fn pdf(monograph: &Monograph, edition: &MonographEdition, territory: &Territory) -> AppResult<Vec<u8>> {
    pdf_writer::write(&report(monograph, edition, territory)).map_err(|err| AppError::Input(err.to_string()))
}

/// The edition as an OpenDocument text.
pub fn odt(monograph: &Monograph, edition: &MonographEdition, territory: &Territory) -> AppResult<Vec<u8>> {
    odt_writer::write(&report(monograph, edition, territory)).map_err(|err| AppError::Input(err.to_string()))
}
