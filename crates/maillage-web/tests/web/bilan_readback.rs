//! The bilan's files read back by independent readers: the PDF's text extracted by
//! `pdftotext` (poppler-utils) and the ODS workbook read by Python's `odfpy` (in a venv this
//! test makes under `target/`, shared with the monographs' read-back), their figures compared with what was imported and logged.
//! `scripts/install-test-tools` installs both tools' prerequisites.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use axum::body::Body;
use axum::http::Request;

use super::common::hub::*;

pub(super) fn target() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target")
}

/// The raw bytes of a download (the test client keeps text).
async fn download(client: &mut Client<'_>, uri: &str) -> Vec<u8> {
    use tower::ServiceExt;
    let cookie = client.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let router = maillage_web::router_with_accounts(
        client.hub.state.clone(),
        maillage_web::SiteConfig::default(),
        client.hub.config.clone(),
    );
    let response =
        router.oneshot(Request::get(uri).header("cookie", cookie).body(Body::empty()).unwrap()).await.unwrap();
    assert!(response.status().is_success(), "{uri}: {}", response.status());
    axum::body::to_bytes(response.into_body(), 1 << 26).await.unwrap().to_vec()
}

/// The venv's Python with the independent readers: `odfpy` (OpenDocument) and `pypng`. Made once
/// per run: the readback tests run on several threads, and two venvs made in one folder at the
/// same time leave it without pip.
pub(super) fn python_with_readers() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON.get_or_init(make_python_with_readers).clone()
}

fn make_python_with_readers() -> PathBuf {
    let venv = target().join("bilan-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 (scripts/install-test-tools)");
        assert!(made.success(), "python3 -m venv");
    }
    let has = Command::new(&python).args(["-c", "import odf, png"]).status().unwrap();
    if !has.success() {
        let installed = Command::new(&python)
            .args(["-m", "pip", "install", "-q", "odfpy==1.4.1", "pypng==0.20220715.0"])
            .status()
            .unwrap();
        assert!(installed.success(), "pip install odfpy pypng");
    }
    python
}

/// A PDF's text as `pdftotext -layout` extracts it.
pub(super) fn pdf_text(pdf: &[u8]) -> String {
    let mut child = Command::new("pdftotext")
        .args(["-layout", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext (poppler-utils: scripts/install-test-tools)");
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}

/// Each sheet's rows as text cells, read by odfpy.
const READ_ODS: &str = r#"
import json, sys
from odf.opendocument import load
from odf.table import Table, TableRow, TableCell
from odf import teletype
doc = load(sys.argv[1])
out = {}
for sheet in doc.spreadsheet.getElementsByType(Table):
    rows = []
    for row in sheet.getElementsByType(TableRow):
        cells = []
        for cell in row.getElementsByType(TableCell):
            repeat = int(cell.getAttribute("numbercolumnsrepeated") or 1)
            value = cell.getAttribute("value") or cell.getAttribute("datevalue") or teletype.extractText(cell)
            cells.extend([value] * min(repeat, 50))
        rows.append(cells)
    out[sheet.getAttribute("name")] = rows
print(json.dumps(out))
"#;

#[tokio::test]
async fn the_pdf_and_the_workbook_carry_the_figures() {
    let hub = Hub::new();
    let mut admin = hub.signed_in("admin@hub.example").await;
    let csrf = admin.csrf().await;
    let file = "departement;debut;fin;reunions;rdv;acteurs_reunions;acteurs_rdv;note\n37;2022-01-01;2022-12-31;23;45;150;40;Bilan 2022 : Indre-et-Loire\n";
    admin.post_file("/admin/activite/totaux", &[("_csrf", &csrf)], Some(("fichier", "t.csv", file.as_bytes()))).await;
    let form = [
        ("_csrf", csrf.as_str()),
        ("type", "animation"),
        ("date", "2022-05-10"),
        ("duree", "120"),
        ("echelon", "departement"),
        ("territoire", "37"),
        ("acteur", "Mairie de Chinon"),
        ("acteur", "CAF de Touraine"),
        ("acteur", "Emmaüs Connect"),
    ];
    assert!(admin.post("/admin/activite", &form).await.status.is_redirection());
    let query = "perimetre=37&du=2022-01-01&au=2022-12-31";

    let pdf = download(&mut admin, &format!("/admin/activite/bilan.pdf?{query}")).await;
    let text = pdf_text(&pdf);
    for expected in [
        "Bilan d'activité : Indre-et-Loire (37)",
        "Chiffres passés importés",
        "Acteurs touchés (distincts)",
        "150",
        "Bilan 2022 : Indre-et-Loire",
    ] {
        assert!(text.contains(expected), "« {expected} » in the PDF's text:\n{text}");
    }
    let line = text.lines().find(|line| line.contains("Acteurs touchés (distincts)")).unwrap();
    assert!(line.split_whitespace().any(|word| word == "3"), "{line}");

    let ods = download(&mut admin, &format!("/admin/activite/bilan.ods?{query}")).await;
    let path = target().join("bilan-readback.ods");
    std::fs::write(&path, &ods).unwrap();
    let output = Command::new(python_with_readers()).args(["-c", READ_ODS]).arg(&path).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let sheets: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let figures = sheets["Chiffres de la période"].as_array().expect("a sheet of figures");
    let actors = figures.iter().find(|row| row[0] == "Acteurs touchés (distincts)").expect("the actors' row");
    assert_eq!(actors[1].as_str().unwrap().parse::<f64>().unwrap(), 3.0);
    let meetings = figures.iter().find(|row| row[0] == "Réunions").unwrap();
    assert_eq!(meetings[1].as_str().unwrap().parse::<f64>().unwrap(), 1.0);
    let past = sheets["Chiffres importés"].as_array().expect("a sheet of past totals");
    let row = |name: &str| past.iter().find(|row| row[0] == name).unwrap_or_else(|| panic!("{name}: {past:?}"));
    assert_eq!(row("Réunions")[1].as_str().unwrap().parse::<f64>().unwrap(), 23.0);
    assert_eq!(row("Acteurs en réunion")[1].as_str().unwrap().parse::<f64>().unwrap(), 150.0);
    assert!(row("Début")[1].as_str().unwrap().starts_with("2022-01-01"), "{past:?}");
}
