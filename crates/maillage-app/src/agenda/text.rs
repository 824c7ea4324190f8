//! An event's description, written as plain text with a few marks (blank lines between
//! paragraphs, `- ` list items, `**bold**`, bare `https://` links), rendered to HTML with
//! everything else escaped: organisers and gestionnaires write it, so no markup of theirs
//! may reach a page.

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One line's inline marks: bold and links, the rest escaped.
fn inline(line: &str) -> String {
    let mut out = String::new();
    let marks = line.matches("**").count();
    for (n, part) in line.split("**").enumerate() {
        // An unpaired last mark opens nothing.
        let bold = n % 2 == 1 && (marks.is_multiple_of(2) || n < marks);
        let words: Vec<String> = part
            .split(' ')
            .map(|word| {
                let link = word.trim_end_matches(['.', ',', ';', ')']);
                if (link.starts_with("https://") || link.starts_with("http://")) && link.len() > 8 {
                    let rest = &word[link.len()..];
                    format!("<a href=\"{0}\" rel=\"nofollow noopener\">{0}</a>{1}", escape(link), escape(rest))
                } else {
                    escape(word)
                }
            })
            .collect();
        let text = words.join(" ");
        if bold {
            out.push_str(&format!("<strong>{text}</strong>"));
        } else {
            out.push_str(&text);
        }
    }
    out
}

/// The description as HTML: paragraphs, lists, bold and links.
pub fn to_html(text: &str) -> String {
    let mut out = String::new();
    for block in text.replace("\r\n", "\n").split("\n\n") {
        let lines: Vec<&str> = block.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        let mut paragraph: Vec<String> = Vec::new();
        let mut items: Vec<String> = Vec::new();
        let flush_paragraph = |paragraph: &mut Vec<String>, out: &mut String| {
            if !paragraph.is_empty() {
                out.push_str(&format!("<p>{}</p>", paragraph.join("<br>")));
                paragraph.clear();
            }
        };
        let flush_items = |items: &mut Vec<String>, out: &mut String| {
            if !items.is_empty() {
                out.push_str("<ul>");
                for item in items.iter() {
                    out.push_str(&format!("<li>{item}</li>"));
                }
                out.push_str("</ul>");
                items.clear();
            }
        };
        for line in lines {
            if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("• ")) {
                flush_paragraph(&mut paragraph, &mut out);
                items.push(inline(item));
            } else {
                flush_items(&mut items, &mut out);
                paragraph.push(inline(line));
            }
        }
        flush_paragraph(&mut paragraph, &mut out);
        flush_items(&mut items, &mut out);
    }
    out
}

/// The description without marks, for feeds and meta descriptions.
pub fn to_plain(text: &str) -> String {
    text.replace("**", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_become_html_and_markup_is_escaped() {
        let html = to_html("Ordre du jour :\n- **accueil** à 9h\n- bilan <script>\n\nInfos : https://hub.example/p.");
        assert_eq!(
            html,
            "<p>Ordre du jour :</p><ul><li><strong>accueil</strong> à 9h</li><li>bilan &lt;script&gt;</li></ul>\
             <p>Infos : <a href=\"https://hub.example/p\" rel=\"nofollow noopener\">https://hub.example/p</a>.</p>"
        );
        assert_eq!(to_html("un \"lien\" javascript:alert(1)"), "<p>un &quot;lien&quot; javascript:alert(1)</p>");
    }
}
