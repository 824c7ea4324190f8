//! A [`Report`] as an OpenDocument text (ODT), for people who must edit it further in an
//! office suite: headings, paragraphs, lists, tables whose numbers are typed values, charts
//! and drawings embedded as SVG pictures with their title and description. The format is
//! the one French administrations are asked to exchange (RGI); the zip writer is the one the
//! spreadsheet writer already uses, so it adds nothing to the build.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::charts::escape;
use crate::report::{Block, Cell, Report, Table};

/// Why the document could not be written (the zip writer's words).
#[derive(Debug, thiserror::Error)]
#[error("document ODT impossible à produire : {0}")]
pub struct OdtError(String);

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";

const NAMESPACES: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3""#;

/// The styles the body uses: headings, notes, table header cells, a bulleted list.
const STYLES: &str = r##"<office:automatic-styles>
<style:style style:name="Titre" style:family="paragraph"><style:paragraph-properties fo:margin-bottom="0.2cm"/><style:text-properties fo:font-size="18pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Sous-titre" style:family="paragraph"><style:paragraph-properties fo:margin-bottom="0.4cm"/><style:text-properties fo:font-size="11pt" fo:color="#444444"/></style:style>
<style:style style:name="Titre1" style:family="paragraph" style:default-outline-level="1"><style:paragraph-properties fo:margin-top="0.5cm" fo:margin-bottom="0.2cm" fo:keep-with-next="always"/><style:text-properties fo:font-size="14pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Titre2" style:family="paragraph" style:default-outline-level="2"><style:paragraph-properties fo:margin-top="0.3cm" fo:margin-bottom="0.1cm" fo:keep-with-next="always"/><style:text-properties fo:font-size="12pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Texte" style:family="paragraph"><style:paragraph-properties fo:margin-bottom="0.2cm"/></style:style>
<style:style style:name="Note" style:family="paragraph"><style:paragraph-properties fo:margin-left="0.4cm" fo:margin-bottom="0.2cm"/><style:text-properties fo:font-size="9pt" fo:font-style="italic"/></style:style>
<style:style style:name="Legende" style:family="paragraph"><style:paragraph-properties fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Entete" style:family="paragraph"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Nombre" style:family="paragraph"><style:paragraph-properties fo:text-align="end"/></style:style>
<style:style style:name="CelluleEntete" style:family="table-cell"><style:table-cell-properties fo:background-color="#e8eef3" fo:padding="0.05cm" fo:border="0.5pt solid #b0b0b0"/></style:style>
<style:style style:name="Cellule" style:family="table-cell"><style:table-cell-properties fo:padding="0.05cm" fo:border="0.5pt solid #b0b0b0"/></style:style>
<text:list-style style:name="Puces"><text:list-level-style-bullet text:level="1" text:bullet-char="•"><style:list-level-properties text:space-before="0.3cm" text:min-label-width="0.4cm"/></text:list-level-style-bullet></text:list-style>
</office:automatic-styles>"##;

/// A drawing's width on the page, in centimetres (A4 less the default margins).
const PICTURE_CM: f64 = 16.0;

fn paragraph(out: &mut String, style: &str, text: &str) {
    out.push_str(&format!("<text:p text:style-name=\"{style}\">{}</text:p>", escape(text)));
}

/// A table under its caption, named by it (made unique: an office suite's navigator lists tables
/// by name).
fn table(out: &mut String, table: &Table, names: &mut Vec<String>) {
    paragraph(out, "Legende", &table.name);
    let columns = table.headers.len().max(1);
    let mut name = table.name.clone();
    while names.contains(&name) {
        name = format!("{} ({})", table.name, names.len() + 1);
    }
    out.push_str(&format!(
        "<table:table table:name=\"{}\"><table:table-column table:number-columns-repeated=\"{columns}\"/>\
         <table:table-header-rows><table:table-row>",
        escape(&name)
    ));
    names.push(name);
    for header in &table.headers {
        out.push_str(&format!(
            "<table:table-cell table:style-name=\"CelluleEntete\" office:value-type=\"string\">\
             <text:p text:style-name=\"Entete\">{}</text:p></table:table-cell>",
            escape(header)
        ));
    }
    out.push_str("</table:table-row></table:table-header-rows>");
    for row in &table.rows {
        out.push_str("<table:table-row>");
        for index in 0..columns {
            let cell = row.get(index).unwrap_or(&Cell::Empty);
            let shown = escape(&cell.display());
            let (value, style) = match cell {
                Cell::Number(v) => (format!("office:value-type=\"float\" office:value=\"{v}\""), "Nombre"),
                Cell::Euros(v) => {
                    (format!("office:value-type=\"currency\" office:currency=\"EUR\" office:value=\"{v}\""), "Nombre")
                }
                Cell::Date(d) => {
                    (format!("office:value-type=\"date\" office:date-value=\"{}\"", d.format("%Y-%m-%d")), "Texte")
                }
                Cell::Text(_) | Cell::Empty => ("office:value-type=\"string\"".to_owned(), "Texte"),
            };
            out.push_str(&format!(
                "<table:table-cell table:style-name=\"Cellule\" {value}><text:p text:style-name=\"{style}\">{shown}</text:p></table:table-cell>"
            ));
        }
        out.push_str("</table:table-row>");
    }
    out.push_str("</table:table>");
}

/// A picture: the SVG as a file of the package, framed at the text's width.
fn picture(
    out: &mut String,
    pictures: &mut Vec<(String, String)>,
    title: &str,
    description: &str,
    svg: String,
    ratio: f64,
) {
    let name = format!("Pictures/figure{}.svg", pictures.len() + 1);
    let height = PICTURE_CM * ratio;
    paragraph(out, "Legende", title);
    out.push_str(&format!(
        "<text:p text:style-name=\"Texte\"><draw:frame draw:name=\"Figure{}\" text:anchor-type=\"as-char\" \
         svg:width=\"{PICTURE_CM}cm\" svg:height=\"{height:.2}cm\"><draw:image xlink:href=\"{name}\" xlink:type=\"simple\" \
         xlink:show=\"embed\" xlink:actuate=\"onLoad\"/><svg:title>{}</svg:title><svg:desc>{}</svg:desc></draw:frame></text:p>",
        pictures.len() + 1,
        escape(title),
        escape(description)
    ));
    paragraph(out, "Note", description);
    pictures.push((name, svg));
}

/// The report as an ODT document's bytes.
pub fn write(report: &Report) -> Result<Vec<u8>, OdtError> {
    let mut body = String::new();
    let mut pictures: Vec<(String, String)> = Vec::new();
    let mut names = Vec::new();
    paragraph(&mut body, "Titre", &report.title);
    if !report.subtitle.is_empty() {
        paragraph(&mut body, "Sous-titre", &report.subtitle);
    }
    let mut in_list = false;
    for (index, block) in report.blocks.iter().enumerate() {
        let bullet = matches!(block, Block::Bullet(_));
        if in_list && !bullet {
            body.push_str("</text:list>");
        } else if !in_list && bullet {
            body.push_str("<text:list text:style-name=\"Puces\">");
        }
        in_list = bullet;
        match block {
            Block::Heading(text) => body.push_str(&format!(
                "<text:h text:style-name=\"Titre1\" text:outline-level=\"1\">{}</text:h>",
                escape(text)
            )),
            Block::Subheading(text) => body.push_str(&format!(
                "<text:h text:style-name=\"Titre2\" text:outline-level=\"2\">{}</text:h>",
                escape(text)
            )),
            Block::Paragraph(text) => paragraph(&mut body, "Texte", text),
            Block::Note(text) => paragraph(&mut body, "Note", text),
            Block::Bullet(text) => {
                body.push_str("<text:list-item>");
                paragraph(&mut body, "Texte", text);
                body.push_str("</text:list-item>");
            }
            Block::Table(t) => table(&mut body, t, &mut names),
            Block::Chart(chart) => picture(
                &mut body,
                &mut pictures,
                &chart.title,
                &chart.description(),
                chart.svg(&format!("graphique-{index}")),
                crate::charts::HEIGHT / crate::charts::WIDTH,
            ),
            Block::Drawing(drawing) => picture(
                &mut body,
                &mut pictures,
                &drawing.title,
                &drawing.description,
                drawing.svg(&format!("figure-{index}"), "figure"),
                drawing.height / drawing.width,
            ),
        }
    }
    if in_list {
        body.push_str("</text:list>");
    }
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content {NAMESPACES}>{STYLES}\
         <office:body><office:text>{body}</office:text></office:body></office:document-content>"
    );
    let meta = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-meta {NAMESPACES}><office:meta>\
         <meta:generator>Maillage</meta:generator><dc:title>{}</dc:title><dc:language>fr-FR</dc:language>\
         </office:meta></office:document-meta>",
        escape(&report.title)
    );
    let mut manifest = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest \
         xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">",
    );
    manifest.push_str(&format!(
        "<manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.3\" manifest:media-type=\"{MIMETYPE}\"/>"
    ));
    manifest.push_str("<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>");
    manifest.push_str("<manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>");
    for (name, _) in &pictures {
        manifest.push_str(&format!(
            "<manifest:file-entry manifest:full-path=\"{name}\" manifest:media-type=\"image/svg+xml\"/>"
        ));
    }
    manifest.push_str("</manifest:manifest>");

    let fail = |err: &dyn std::fmt::Display| OdtError(err.to_string());
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // The mimetype comes first and uncompressed, so the format is recognised from its bytes.
    // A fixed date in the entries: no clock here, and the same report gives the same bytes.
    let options = SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
    let stored = options.compression_method(CompressionMethod::Stored);
    let deflated = options.compression_method(CompressionMethod::Deflated);
    let mut files: Vec<(&str, &[u8], SimpleFileOptions)> = vec![
        ("mimetype", MIMETYPE.as_bytes(), stored),
        ("META-INF/manifest.xml", manifest.as_bytes(), deflated),
        ("meta.xml", meta.as_bytes(), deflated),
        ("content.xml", content.as_bytes(), deflated),
    ];
    files.extend(pictures.iter().map(|(name, svg)| (name.as_str(), svg.as_bytes(), deflated)));
    for (name, bytes, options) in files {
        zip.start_file(name, options).map_err(|e| fail(&e))?;
        zip.write_all(bytes).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_a_zip_whose_first_file_names_the_format() {
        let report = Report {
            title: "Monographie & bassin".to_owned(),
            subtitle: String::new(),
            blocks: vec![
                Block::Heading("Territoire".to_owned()),
                Block::Bullet("un".to_owned()),
                Block::Bullet("deux".to_owned()),
                Block::Paragraph("Fin <ici>".to_owned()),
                Block::Table(Table {
                    name: "Chiffres".to_owned(),
                    headers: vec!["Chiffre".to_owned(), "Valeur".to_owned()],
                    rows: vec![vec![Cell::Text("Population".to_owned()), Cell::Number(25_980.0)]],
                }),
            ],
        };
        let bytes = write(&report).unwrap();
        assert_eq!(&bytes[30..38], b"mimetype");
        assert_eq!(&bytes[38..38 + MIMETYPE.len()], MIMETYPE.as_bytes());
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut content = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("content.xml").unwrap(), &mut content).unwrap();
        assert!(content.contains("Monographie &amp; bassin") && content.contains("Fin &lt;ici&gt;"));
        assert!(content.contains("office:value=\"25980\""));
        assert_eq!(content.matches("<text:list ").count(), 1);
    }
}
