//! What the command prints: lines to the standard output (a closed pipe, as in `maillage places
//! | head`, ends the program quietly instead of panicking) and notes to the error output.
//!
//! Everything printed goes through [`clean`]: names, values and column names come from files
//! and from the database, and a control character among them (an escape sequence in a CSV
//! header) must not reach the terminal, where it could rewrite what is shown or run terminal
//! commands. It is shown escaped instead (`\x1b`). Data streams (an export to the standard
//! output) are the file formats' own bytes: piped or redirected they are written as they are,
//! but shown on a terminal they go through [`data_stream`], which escapes them line by line.

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

/// Where a data stream (an export, a CSV) goes when written to the standard output: the bytes
/// themselves when piped or redirected, escaped when the standard output is a terminal.
pub fn data_stream() -> Box<dyn Write> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        Box::new(Escaped::new(std::io::stdout()))
    } else {
        Box::new(std::io::BufWriter::new(std::io::stdout()))
    }
}

/// Escapes what it is given a whole line at a time (so a character split between two writes
/// is never cut), then writes it on.
pub struct Escaped<W: Write> {
    out: W,
    pending: Vec<u8>,
}

impl<W: Write> Escaped<W> {
    pub fn new(out: W) -> Self {
        Escaped { out, pending: Vec::new() }
    }

    fn emit(&mut self, upto: usize) -> std::io::Result<()> {
        let chunk: Vec<u8> = self.pending.drain(..upto).collect();
        let text = String::from_utf8_lossy(&chunk);
        self.out.write_all(clean(&text).as_bytes())
    }
}

impl<W: Write> Write for Escaped<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        if let Some(last) = self.pending.iter().rposition(|byte| *byte == b'\n') {
            self.emit(last + 1)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let all = self.pending.len();
        self.emit(all)?;
        self.out.flush()
    }
}

impl<W: Write> Drop for Escaped<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
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

    /// A data stream shown on a terminal is escaped too, even when a write splits a character
    /// or an escape sequence.
    #[test]
    fn data_streams_on_a_terminal_are_escaped() {
        let mut out = Vec::new();
        {
            let mut escaped = Escaped::new(&mut out);
            let text = "id,nom\n1,\x1b]0;PWNED\x07é\u{9b}2J\n2,fin";
            for piece in text.as_bytes().chunks(3) {
                escaped.write_all(piece).unwrap();
            }
        }
        assert_eq!(String::from_utf8(out).unwrap(), "id,nom\n1,\\x1b]0;PWNED\\x07é\\u{9b}2J\n2,fin");
    }
}
