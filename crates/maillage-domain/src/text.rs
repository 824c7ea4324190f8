//! Text folding used wherever free text from the field is compared to a vocabulary.

/// Lower-cases, strips accents and punctuation, and collapses whitespace, so that
/// "Seniors (+ 65 ans)", "seniors (+65 ans)" and "SÉNIORS +65 ANS" compare equal.
pub fn fold(value: &str) -> String {
    let ascii = deunicode::deunicode(value);
    let mut out = String::with_capacity(ascii.len());
    let mut pending_space = false;
    for ch in ascii.chars() {
        if ch.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(ch.to_ascii_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// Trims a value and maps the empty string to `None`.
pub fn non_empty(value: &str) -> Option<&str> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then_some(trimmed)
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_accents_case_and_punctuation() {
        assert_eq!(fold("Seniors (+ 65 ans)"), "seniors 65 ans");
        assert_eq!(fold("  SÉNIORS +65 ANS "), "seniors 65 ans");
        assert_eq!(fold("Soutenir la parentalité et l’éducation"), "soutenir la parentalite et l education");
        assert_eq!(fold("Formé à « Mon Espace Santé »"), "forme a mon espace sante");
    }
}
