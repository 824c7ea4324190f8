//! What the command prints: lines to the standard output (a closed pipe, as in `maillage places
//! | head`, ends the program quietly instead of panicking) and notes to the error output.
//!
//! Everything printed goes through [`clean`]: names, values and column names come from files
//! and from the database, and a control character among them (an escape sequence in a CSV
//! header) must not reach the terminal, where it could rewrite what is shown or run terminal
//! commands. It is shown escaped instead (`\x1b`). Data streams (an export to the standard
//! output) are the file formats' own bytes and do not go through here.

use std::borrow::Cow;
use std::io::Write;

/// The text with every control character but line feed and tab shown as an escape.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !needs_escape(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// One line on the standard output.
pub fn line(text: &str) {
    if let Err(err) = writeln!(std::io::stdout().lock(), "{}", clean(text)) {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// One line on the error output: progress, counts, warnings and errors.
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", clean(text));
}

/// Prints a line to the standard output (see [`line`]).
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::line(&format!($($arg)*))
    };
}

/// Prints a line to the error output (see [`note`]).
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::output::note(&format!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(clean("a\tb\nc"), "a\tb\nc");
        assert_eq!(clean("\x1b]0;PWNED\x07\x1b[2J"), "\\x1b]0;PWNED\\x07\\x1b[2J");
        assert_eq!(clean("retour\rchariot\u{9b}31m"), "retour\\x0dchariot\\u{9b}31m");
        assert_eq!(clean("Médiathèque « Gibjoncs »"), "Médiathèque « Gibjoncs »");
    }
}
