//! The written sections' Markdown, as HTML for the pages and as blocks for the office
//! document. Raw HTML is never passed through (it shows as text), and links keep only web,
//! mail and relative addresses, so what a coordinator writes cannot run in a reader's page.

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with('/')
        || lower.starts_with('#')
}

fn events(text: &str) -> impl Iterator<Item = Event<'_>> {
    Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
            Event::Start(Tag::Link { link_type, dest_url: CowStr::from("#"), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
            Event::Start(Tag::Image { link_type, dest_url: CowStr::from("#"), title, id })
        }
        other => other,
    })
}

/// The section as HTML under a heading of level `parent`: its highest headings one level
/// below it and the others in step, so a page's outline never skips a level.
pub fn to_html(text: &str, parent: usize) -> String {
    let top = events(text)
        .filter_map(|event| match event {
            Event::Start(Tag::Heading { level, .. }) => Some(level as usize),
            _ => None,
        })
        .min()
        .unwrap_or(1);
    let shift = |level: HeadingLevel| {
        HeadingLevel::try_from((level as usize + parent + 1).saturating_sub(top).clamp(1, 6))
            .unwrap_or(HeadingLevel::H6)
    };
    let shifted = events(text).map(|event| match event {
        Event::Start(Tag::Heading { level, id, classes, attrs }) => {
            Event::Start(Tag::Heading { level: shift(level), id, classes, attrs })
        }
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(shift(level))),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, shifted);
    out
}

/// A block of a section for a document that is not HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Paragraph(Vec<Span>),
    Bullet(Vec<Span>),
}

/// A run of text, bold or italic or plain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
}

/// The section as headings, paragraphs and list items of styled runs (tables and images are
/// read as their text).
pub fn to_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    let (mut bold, mut italic, mut in_item) = (0u32, 0u32, 0u32);
    let flush = |spans: &mut Vec<Span>, blocks: &mut Vec<Block>, in_item: bool, in_heading: bool| {
        if spans.iter().all(|s| s.text.trim().is_empty()) {
            spans.clear();
            return;
        }
        let taken = std::mem::take(spans);
        blocks.push(if in_heading {
            Block::Heading(taken.into_iter().map(|s| s.text).collect())
        } else if in_item {
            Block::Bullet(taken)
        } else {
            Block::Paragraph(taken)
        });
    };
    for event in events(text) {
        match event {
            Event::Start(Tag::Strong) => bold += 1,
            Event::End(TagEnd::Strong) => bold = bold.saturating_sub(1),
            Event::Start(Tag::Emphasis) => italic += 1,
            Event::End(TagEnd::Emphasis) => italic = italic.saturating_sub(1),
            Event::End(TagEnd::Heading(_)) => flush(&mut spans, &mut blocks, false, true),
            Event::Start(Tag::Item) => {
                flush(&mut spans, &mut blocks, in_item > 0, false);
                in_item += 1;
            }
            Event::End(TagEnd::Item) => {
                flush(&mut spans, &mut blocks, true, false);
                in_item = in_item.saturating_sub(1);
            }
            Event::End(TagEnd::Paragraph | TagEnd::TableRow | TagEnd::TableHead) => {
                flush(&mut spans, &mut blocks, in_item > 0, false)
            }
            Event::End(TagEnd::TableCell) => spans.push(Span { text: " · ".to_owned(), bold: false, italic: false }),
            Event::Text(t) | Event::Code(t) => {
                spans.push(Span { text: t.into_string(), bold: bold > 0, italic: italic > 0 })
            }
            Event::SoftBreak | Event::HardBreak => {
                spans.push(Span { text: " ".to_owned(), bold: false, italic: false })
            }
            _ => {}
        }
    }
    flush(&mut spans, &mut blocks, false, false);
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_scripts_are_text() {
        let html = to_html(
            "# Titre\n\nUn <script>alert(1)</script> et **gras** [lien](javascript:alert(1))\n\n<div>bloc</div>\n",
            2,
        );
        assert!(html.contains("<h3>Titre</h3>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script") && !html.contains("<div"), "{html}");
        assert!(html.contains("<strong>gras</strong>"));
        assert!(html.contains(r##"<a href="#">lien</a>"##), "{html}");
        // Under a level-3 title, "##" is the top and becomes level 4, "###" level 5.
        assert_eq!(to_html("## Enjeux\n\n### Un", 3), "<h4>Enjeux</h4>\n<h5>Un</h5>\n");
    }

    #[test]
    fn blocks_keep_headings_lists_and_styles() {
        let blocks = to_blocks("## Enjeux\n\nUn **réseau** motivé.\n\n- Former\n- Animer\n");
        assert_eq!(blocks[0], Block::Heading("Enjeux".to_owned()));
        assert!(matches!(&blocks[1], Block::Paragraph(spans) if spans.iter().any(|s| s.bold && s.text == "réseau")));
        assert!(matches!(&blocks[2], Block::Bullet(spans) if spans[0].text == "Former"));
        assert_eq!(blocks.len(), 4);
    }
}
