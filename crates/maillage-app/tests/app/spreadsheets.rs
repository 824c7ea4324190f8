//! Human-facing CSV files never carry a formula a spreadsheet would run; the standard's own
//! export keeps every value exactly as imported.

use maillage_app::accounts::Actor;
use maillage_app::context::Context;
use maillage_app::places::export::{export_places, ExportFilter};
use maillage_app::places::report;
use maillage_app::{import_file, ImportOptions};
use maillage_formats::export::ExportFormat;
use maillage_store_sqlite::SqliteStore;

const FILE: &str = "id,nom,commune,code_postal,adresse,telephone,date_maj\n\
=1+1,@SUM(A1)*cmd,Bourges,18000,1 rue X,+cmd|' /C calc'!A0,2024-01-01\n\
b,=HYPERLINK(\"http://evil.example\"),Bourges,18000,2 rue Y,+33248000000,2024-01-01\n\
c,EPN,Bourges,=2+5,-2+3+cmd|' /C calc'!A0,,2024-01-01\n";

/// The probes of the issue: `=HYPERLINK(…)`, `+cmd|…`, `@SUM…` came out unchanged in the
/// import's report; now every such cell starts with `'`.
#[test]
fn the_import_report_neutralises_formulas() {
    let store = SqliteStore::in_memory().unwrap();
    let (ctx, operator) = (Context::new(&store), Actor::operator(None));
    let options = ImportOptions { source: Some("essai".into()), ..ImportOptions::default() };
    let outcome = import_file(&ctx, &operator, FILE.as_bytes(), "lieux.csv", &options).unwrap();
    let mut out = Vec::new();
    report::write_csv(&outcome, &mut out).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let cells: Vec<String> =
        reader.records().flat_map(|record| record.unwrap().iter().map(str::to_owned).collect::<Vec<_>>()).collect();
    for probe in ["=1+1", "+cmd|' /C calc'!A0", "=2+5"] {
        assert!(cells.contains(&format!("'{probe}")), "{probe} not neutralised: {cells:?}");
        assert!(!cells.contains(&probe.to_owned()), "{probe} left as is: {cells:?}");
    }
    assert!(cells.iter().all(|cell| !cell.starts_with(['=', '+', '@'])), "{cells:?}");

    // The standard's file keeps the values and the +33 phone as the standard writes them.
    let mut exported = Vec::new();
    export_places(&store, None, ExportFormat::Csv, &ExportFilter::default(), &mut exported).unwrap();
    let text = String::from_utf8(exported).unwrap();
    assert!(text.contains("@SUM(A1)*cmd") && !text.contains("'@SUM"), "{text}");
    assert!(text.contains("+33248000000") && !text.contains("'+33"), "{text}");
}
