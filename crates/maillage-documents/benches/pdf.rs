//! Time to print a bilan-sized report as PDF (target: under 2 s): a comparison table, two
//! charts over fifteen months with their tables, thirty notable actions and events, past
//! totals for the six départements and the hub.
//!
//! Run: `cargo bench -p maillage-documents --bench pdf [-- RUNS]`

use std::time::Instant;

use chrono::NaiveDate;
use maillage_documents::charts::{Chart, ChartKind, Series};
use maillage_documents::report::{Block, Cell, Report, Table};

fn main() {
    let runs: u32 = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(10);
    let months: Vec<String> = (1..=15).map(|m| format!("mois {m}")).collect();
    let values = |scale: f64| (1..=15).map(|m| f64::from(m) * scale).collect::<Vec<_>>();
    let day = NaiveDate::from_ymd_opt(2022, 3, 14).expect("a day");
    let mut blocks =
        vec![Block::Heading("Introduction".to_owned()), Block::Paragraph("Une année de mise en place. ".repeat(40))];
    blocks.push(Block::Table(Table {
        name: "Chiffres de la période".to_owned(),
        headers: vec!["Indicateur".into(), "Période".into(), "Précédente".into(), "Évolution".into()],
        rows: (0..12)
            .map(|i| {
                vec![
                    Cell::Text(format!("Indicateur {i}")),
                    Cell::Number(f64::from(i) * 10.0),
                    Cell::Number(f64::from(i)),
                    Cell::Text("+12 %".into()),
                ]
            })
            .collect(),
    }));
    for kind in [ChartKind::Bar, ChartKind::Line] {
        blocks.push(Block::Chart(Chart {
            title: "Réunions et RDV par mois".to_owned(),
            kind,
            labels: months.clone(),
            series: vec![
                Series { name: "Réunions".into(), values: values(1.0) },
                Series { name: "RDV".into(), values: values(2.0) },
            ],
        }));
        blocks.push(Block::Table(Table {
            name: "Par mois".to_owned(),
            headers: vec!["Mois".into(), "Réunions".into(), "RDV".into()],
            rows: months.iter().map(|m| vec![Cell::Text(m.clone()), Cell::Number(3.0), Cell::Number(4.0)]).collect(),
        }));
    }
    blocks.push(Block::Table(Table {
        name: "Actions notables".to_owned(),
        headers: vec!["Date".into(), "Type".into(), "Action".into(), "Acteurs".into()],
        rows: (0..30)
            .map(|i| {
                vec![
                    Cell::Date(day),
                    Cell::Text("Réunion".into()),
                    Cell::Text(format!("Action {i}")),
                    Cell::Text("CAF, Mairie".into()),
                ]
            })
            .collect(),
    }));
    blocks.push(Block::Table(Table {
        name: "Chiffres importés".to_owned(),
        headers: (0..8).map(|i| format!("Colonne {i}")).collect(),
        rows: (0..12).map(|_| (0..8).map(|i| Cell::Number(f64::from(i))).collect()).collect(),
    }));
    let report = Report {
        title: "Bilan d'activité : le hub".to_owned(),
        subtitle: "Période du 01/10/2021 au 31/12/2022".to_owned(),
        blocks,
    };
    let first = Instant::now();
    let bytes = maillage_documents::pdf::write(&report).expect("a PDF");
    let cold = first.elapsed();
    let started = Instant::now();
    for _ in 0..runs {
        maillage_documents::pdf::write(&report).expect("a PDF");
    }
    let each = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    println!(
        "bilan PDF of {} bytes: first {:.1} ms (font loaded), then {each:.1} ms each (target < 2000 ms)",
        bytes.len(),
        cold.as_secs_f64() * 1000.0
    );
}
