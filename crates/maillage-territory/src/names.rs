//! Folding of place names so that the spellings met in real files compare equal:
//! "Saint-Étienne", "ST ETIENNE", "st-etienne"; "Le Mans", "MANS (LE)"; "Aix en Provence",
//! "Aix-en-Provence".

/// Leading articles that INSEE puts before the bare name ("Le Mans", "L'Isle-Adam").
const ARTICLES: &[&str] = &["le", "la", "les", "l"];

/// Small words that real files drop, abbreviate or add at will.
const STOPWORDS: &[&str] =
    &["le", "la", "les", "l", "d", "de", "du", "des", "en", "sur", "sous", "et", "a", "au", "aux", "lez", "s"];

pub(crate) fn is_article(t: &str) -> bool {
    ARTICLES.contains(&t)
}

pub(crate) fn is_stopword(t: &str) -> bool {
    STOPWORDS.contains(&t)
}

/// The tokens of a name: ASCII-folded, lower-case, split on anything not alphanumeric, with
/// "st"/"ste" spelled out and a trailing "(le)" put back in front.
///
/// `partial` is for text still being typed: its last token may be the start of a longer word
/// ("st" may become "strasbourg"), so it is not expanded.
pub(crate) fn tokens(raw: &str, partial: bool) -> Vec<String> {
    let folded = deunicode::deunicode(raw);
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut paren_article: Option<String> = None;
    let mut in_paren = false;
    let mut paren_tokens: Vec<String> = Vec::new();
    let flush = |cur: &mut String, sink: &mut Vec<String>| {
        if !cur.is_empty() {
            sink.push(std::mem::take(cur));
        }
    };
    for ch in folded.chars() {
        if ch.is_ascii_alphanumeric() {
            cur.push(ch.to_ascii_lowercase());
            continue;
        }
        if in_paren {
            flush(&mut cur, &mut paren_tokens);
        } else {
            flush(&mut cur, &mut out);
        }
        match ch {
            '(' => in_paren = true,
            ')' if in_paren => {
                in_paren = false;
                // "MANS (LE)" is the old INSEE sort form of "Le Mans"; other bracketed
                // text (an acronym, a note) stays a part of the name.
                if paren_tokens.len() == 1 && is_article(&paren_tokens[0]) {
                    paren_article = paren_tokens.pop();
                } else {
                    out.append(&mut paren_tokens);
                }
            }
            _ => {}
        }
    }
    let ends_open = !cur.is_empty() && !in_paren;
    if in_paren {
        flush(&mut cur, &mut paren_tokens);
        out.append(&mut paren_tokens);
    } else {
        flush(&mut cur, &mut out);
    }
    if let Some(a) = paren_article {
        out.insert(0, a);
    }
    let last = out.len();
    for (i, t) in out.iter_mut().enumerate() {
        if partial && ends_open && i + 1 == last {
            continue;
        }
        let long = match t.as_str() {
            "st" => "saint",
            "ste" => "sainte",
            "sts" => "saints",
            "stes" => "saintes",
            _ => continue,
        };
        *t = long.to_string();
    }
    out
}

/// All tokens, joined by spaces: "le mans", "saint etienne".
pub(crate) fn full_form(tokens: &[String]) -> String {
    tokens.join(" ")
}

/// Tokens without a leading article: "mans", "isle adam".
pub(crate) fn key_form(tokens: &[String]) -> String {
    let skip = usize::from(tokens.len() > 1 && is_article(&tokens[0]));
    tokens[skip..].join(" ")
}

/// Tokens without any small word, joined by spaces: "aix provence", "sainte foy lyon".
pub(crate) fn content_form(tokens: &[String]) -> String {
    let kept: Vec<&str> = tokens.iter().map(String::as_str).filter(|t| !is_stopword(t)).collect();
    if kept.is_empty() {
        return full_form(tokens);
    }
    kept.join(" ")
}

/// The name as one word without small words: "aixprovence". Survives every way real files
/// hyphenate, space or drop small words.
pub(crate) fn loose_key(tokens: &[String]) -> String {
    content_form(tokens).replace(' ', "")
}

/// Edit distance (Levenshtein) between two ASCII strings, giving up past `max`.
pub(crate) fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<String> {
        tokens(s, false)
    }

    #[test]
    fn folds_accents_hyphens_and_saints() {
        assert_eq!(full_form(&t("Saint-Étienne")), "saint etienne");
        assert_eq!(full_form(&t("ST ETIENNE")), "saint etienne");
        assert_eq!(full_form(&t("Ste-Foy-lès-Lyon")), "sainte foy les lyon");
        assert_eq!(full_form(&t("L’Haÿ-les-Roses")), "l hay les roses");
        assert_eq!(full_form(&t("Œuilly")), "oeuilly");
    }

    #[test]
    fn leading_article_is_optional() {
        assert_eq!(key_form(&t("Le Mans")), "mans");
        assert_eq!(key_form(&t("MANS (LE)")), "mans");
        assert_eq!(full_form(&t("MANS (LE)")), "le mans");
        assert_eq!(key_form(&t("L'Isle-Adam")), "isle adam");
        // A name that is only an article is kept whole.
        assert_eq!(key_form(&t("Les")), "les");
    }

    #[test]
    fn small_words_can_be_dropped() {
        assert_eq!(loose_key(&t("Aix en Provence")), loose_key(&t("Aix-en-Provence")));
        assert_eq!(loose_key(&t("Sainte-Foy-lès-Lyon")), loose_key(&t("STE FOY LYON")));
        assert_eq!(content_form(&t("Aix-en-Provence")), "aix provence");
    }

    #[test]
    fn a_word_being_typed_is_not_expanded() {
        assert_eq!(full_form(&tokens("st", true)), "st");
        assert_eq!(full_form(&tokens("st ", true)), "saint");
        assert_eq!(full_form(&tokens("st eti", true)), "saint eti");
    }

    #[test]
    fn bracketed_acronyms_stay() {
        assert_eq!(full_form(&t("CA Bassin d'Arcachon Sud (COBAS)")), "ca bassin d arcachon sud cobas");
    }

    #[test]
    fn edit_distance_is_bounded() {
        assert_eq!(edit_distance("bourges", "bourges", 2), Some(0));
        assert_eq!(edit_distance("bourges", "bourge", 2), Some(1));
        assert_eq!(edit_distance("chateauroux", "chateauoux", 2), Some(1));
        assert_eq!(edit_distance("paris", "marseille", 2), None);
    }
}
