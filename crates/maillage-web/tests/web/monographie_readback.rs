//! The monograph's documents read back by independent readers: the PDF's text by `pdftotext`,
//! its first pages drawn by `pdftoppm` and looked at by Python's `pypng` (not blank), the ODT
//! by `odfpy`; their figures compared with the edition's. Downloaded from the public page of
//! the demo's Chinon bassin, which carries the written sections of the hub's own document.

use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::monographie;
use maillage_documents::report::Cell;

use super::bilan_readback::{pdf_text, python_with_readers, target};
use super::common::api::{demo_state, request};

/// Tables by name (each row's typed values, else texts), the pictures and the whole text.
const READ_ODT: &str = r#"
import json, sys
from odf.opendocument import load
from odf.table import Table, TableRow, TableCell
from odf.draw import Image
from odf import teletype
doc = load(sys.argv[1])
tables = {}
for table in doc.text.getElementsByType(Table):
    rows = []
    for row in table.getElementsByType(TableRow):
        rows.append([c.getAttribute("value") or teletype.extractText(c) for c in row.getElementsByType(TableCell)])
    tables[table.getAttribute("name")] = rows
images = [i.getAttribute("href") for i in doc.text.getElementsByType(Image)]
print(json.dumps({"tables": tables, "images": images, "text": teletype.extractText(doc.text)}))
"#;

/// The share of dark pixels of each PNG.
const INK_SHARE: &str = r#"
import json, sys, png
out = []
for path in sys.argv[1:]:
    width, height, rows, info = png.Reader(filename=path).asRGB8()
    dark = total = 0
    for row in rows:
        for i in range(0, len(row), 3):
            total += 1
            if row[i] + row[i + 1] + row[i + 2] < 600:
                dark += 1
    out.append(dark / total)
print(json.dumps(out))
"#;

fn plain(text: &str) -> String {
    text.replace(['\u{202f}', '\u{a0}'], " ")
}

#[tokio::test]
async fn the_pdf_and_the_odt_of_an_edition_carry_its_figures() {
    let state = demo_state();
    let store = state.store.clone();
    let operator = Actor::operator(None);
    let ctx = Context::new(store.as_ref());
    let document = "/territoires/bassin/Chinon/monographie/monographie.pdf";
    assert_eq!(request(&state, Request::get(document).body(Body::empty()).unwrap()).await.0, StatusCode::NOT_FOUND);
    monographie::publish_all(&ctx, &operator, &state.territory, chrono::Utc::now()).unwrap();
    monographie::set_public_editions(&ctx, &operator, true, chrono::Utc::now()).unwrap();
    let edition = store.monograph_editions("Chinon").unwrap().pop().unwrap();
    let generated = monographie::read_content(&edition).unwrap().generated;
    let get = |uri: &str| request(&state, Request::get(uri).body(Body::empty()).unwrap());
    let unknown = get("/territoires/bassin/Chinon/monographie/monographie.docx").await;
    assert_eq!(unknown.0, StatusCode::NOT_FOUND);

    let (status, headers, pdf) = get(document).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    let text = plain(&pdf_text(&pdf));
    let shown = |value: f64| plain(&Cell::Number(value).display());
    let beyond_10 = generated.couverture.beyond.iter().find(|(km, _)| *km == 10.0).unwrap().1;
    let ifn = generated.fragilite.ifn.as_ref().and_then(|f| f.bassin).unwrap();
    for expected in [
        "Monographie du bassin de vie de Chinon".to_owned(),
        "Fragilité".to_owned(),
        "Population éloignée du lieu le plus proche".to_owned(),
        "Le bassin de vie de Chinon révèle deux réalités".to_owned(),
        "Sources et dates".to_owned(),
        "Carte du bassin de vie de Chinon".to_owned(),
        shown(generated.territoire.population as f64),
        shown(beyond_10 as f64),
        shown((ifn * 10.0).round() / 10.0),
    ] {
        assert!(text.contains(&expected), "« {expected} » in the PDF's text:\n{text}");
    }
    let places = text.lines().find(|l| l.contains("Lieux de médiation numérique")).expect("the places' line");
    assert!(places.split_whitespace().any(|w| w == generated.offre.places.to_string()), "{places}");

    // The first pages drawn as images: each has ink (text, tables, the map).
    let folder = target().join("screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    let pdf_path = folder.join("monographie-chinon.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    let drawn = Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-f", "1", "-l", "3"])
        .arg(&pdf_path)
        .arg(folder.join("monographie-chinon-page"))
        .status()
        .expect("pdftoppm (poppler-utils: scripts/install-test-tools)");
    assert!(drawn.success());
    let mut pages: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("monographie-chinon-page"))
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 3, "{pages:?}");
    let output = Command::new(python_with_readers()).args(["-c", INK_SHARE]).args(&pages).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let shares: Vec<f64> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(shares.iter().all(|share| *share > 0.005), "ink per page: {shares:?}");

    let (status, headers, odt) = get("/territoires/bassin/Chinon/monographie/monographie.odt").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/vnd.oasis.opendocument.text");
    let path = target().join("monographie-readback.odt");
    std::fs::write(&path, &odt).unwrap();
    let output = Command::new(python_with_readers()).args(["-c", READ_ODT]).arg(&path).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let read: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let value = |table: &str, row: &str| -> f64 {
        let rows = read["tables"][table].as_array().unwrap_or_else(|| panic!("table {table}: {}", read["tables"]));
        let found = rows.iter().find(|r| r[0] == row).unwrap_or_else(|| panic!("{table} / {row}: {rows:?}"));
        found[1].as_str().unwrap().parse().unwrap()
    };
    assert_eq!(value("Le bassin en chiffres", "Population"), generated.territoire.population as f64);
    assert_eq!(value("L'offre en chiffres", "Lieux de médiation numérique"), generated.offre.places as f64);
    assert_eq!(value("Population éloignée du lieu le plus proche", "10 km"), beyond_10 as f64);
    let bassin_row = "Bassin de vie (moyenne pondérée)";
    assert!((value("ifn", bassin_row) - ifn).abs() < 0.051, "IFN {ifn}");
    assert_eq!(read["images"].as_array().unwrap().len(), 2, "the two maps: {}", read["images"]);
    let odt_text = read["text"].as_str().unwrap();
    assert!(odt_text.contains("Le bassin de vie de Chinon révèle deux réalités"), "{odt_text}");
    assert!(odt_text.contains("consolider et cofinancer un programme de formation"));
}
