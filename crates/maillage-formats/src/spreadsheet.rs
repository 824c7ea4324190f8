//! CSV cells that a spreadsheet opens as text, never as a formula ("CSV injection").
//!
//! Human-facing CSV files (an import's report, the coverage table, the bassins, indicators)
//! are opened in a spreadsheet by the hub's team; a value taken from an imported file such as
//! `=HYPERLINK("http://…")` or `+cmd|' /C calc'!A0` would run there as a formula. Such cells
//! are prefixed with `'`, which spreadsheets read as "text follows" and do not show.
//!
//! The standard's own files (`export.rs`) are left exactly as the standard writes them: they
//! are data for other programs and the national validator, where `+33…` phone numbers, negative
//! longitudes and every value must round-trip unchanged (see the crate's README).

use std::borrow::Cow;

/// The cell as written to a human-facing CSV: prefixed with `'` when it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return, unless it is a plain number (`-1,5`, `+33…` stay
/// numbers, which no spreadsheet evaluates).
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A sign, digits, at most one decimal point or comma, nothing else.
fn is_plain_number(value: &str) -> bool {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    let mut separators = 0;
    !digits.is_empty()
        && digits.chars().all(|c| {
            if c == '.' || c == ',' {
                separators += 1;
                separators == 1
            } else {
                c.is_ascii_digit()
            }
        })
        && digits.chars().any(|c| c.is_ascii_digit())
}

/// Writes one record of a human-facing CSV with every cell made safe.
pub fn write_safe_record<W: std::io::Write, I, S>(writer: &mut csv::Writer<W>, cells: I) -> Result<(), csv::Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let cells: Vec<String> = cells.into_iter().map(|cell| safe_cell(cell.as_ref()).into_owned()).collect();
    writer.write_record(&cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The probes that came out unchanged in the CSV files, and values that must stay as they are.
    #[test]
    fn formulas_become_text_numbers_stay_numbers() {
        for (value, expected) in [
            ("=HYPERLINK(\"http://evil.example\",\"clic\")", "'=HYPERLINK(\"http://evil.example\",\"clic\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("-", "'-"),
            ("Médiathèque = savoir", "Médiathèque = savoir"),
            ("+33612345678", "+33612345678"),
            ("-1.5534", "-1.5534"),
            ("-12,5", "-12,5"),
            ("42", "42"),
            ("", ""),
        ] {
            assert_eq!(safe_cell(value), expected, "{value:?}");
        }
    }

    #[test]
    fn records_are_written_safe() {
        let mut writer = csv::Writer::from_writer(Vec::new());
        write_safe_record(&mut writer, ["=1+1", "ok", "-3"]).unwrap();
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert_eq!(text, "'=1+1,ok,-3\n");
    }
}
