//! Splitting a master file into entries (RFC 1035 §5.1): one entry is one logical line —
//! a physical line, or several joined by parentheses — cut into fields.
//!
//! The lexer keeps line and column of every field so that errors can point at them, and it
//! reuses the caller's vectors so that reading a file allocates nothing per entry.

use banyan_wire::text::Token;

/// A position in a file: 1-based line and column (in octets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1, counted in octets.
    pub column: u32,
}

/// What went wrong while splitting fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexError {
    /// A `"` without its closing quote before the end of the file.
    UnterminatedQuote,
    /// A `(` inside parentheses (RFC 1035 §5.1 does not nest them).
    NestedParenthesis,
    /// A `)` without a `(`.
    UnopenedParenthesis,
    /// End of file inside parentheses.
    UnclosedParenthesis,
    /// A quoted string followed directly by unquoted text (`"a"b`).
    QuoteInField,
}

impl std::fmt::Display for LexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LexError::UnterminatedQuote => "quoted string not closed before the end of the file",
            LexError::NestedParenthesis => "nested parenthesis",
            LexError::UnopenedParenthesis => "')' without '('",
            LexError::UnclosedParenthesis => "'(' not closed before the end of the file",
            LexError::QuoteInField => "quote inside a field (quotes must enclose a whole field)",
        })
    }
}

/// Octets that end an unquoted field, or (`\\`) need a look: white space, `;`, parentheses,
/// quotes and the escape character.
const FIELD_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    let special = b" \t\r\n;()\"\\";
    while i < special.len() {
        t[special[i] as usize] = true;
        i += 1;
    }
    t
};

/// One entry's facts beyond its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryStart {
    /// The entry began with white space: its owner is the previous entry's (RFC 1035 §5.1).
    pub blank_owner: bool,
    /// Where the entry starts.
    pub pos: Pos,
}

/// The field splitter over one file's text.
pub struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
    line_start: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer over `text`.
    pub fn new(text: &'a str) -> Lexer<'a> {
        Lexer {
            text,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn here(&self) -> Pos {
        Pos {
            line: self.line,
            column: (self.pos - self.line_start + 1) as u32,
        }
    }

    fn newline(&mut self) {
        self.pos += 1;
        self.line += 1;
        self.line_start = self.pos;
    }

    /// Skips to the start of the next physical line (after an error).
    fn skip_line(&mut self) {
        let b = self.text.as_bytes();
        while self.pos < b.len() && b[self.pos] != b'\n' {
            self.pos += 1;
        }
        if self.pos < b.len() {
            self.newline();
        }
    }

    /// Reads the next entry's fields into `tokens` (and their positions into `positions`),
    /// both cleared first. `Ok(None)` at the end of the file. After an error the lexer has
    /// moved past the offending line, so the caller can report it and carry on.
    pub fn next_entry(
        &mut self,
        tokens: &mut Vec<Token<'a>>,
        positions: &mut Vec<Pos>,
    ) -> Result<Option<EntryStart>, (Pos, LexError)> {
        let b = self.text.as_bytes();
        loop {
            tokens.clear();
            positions.clear();
            if self.pos >= b.len() {
                return Ok(None);
            }
            let blank_owner = matches!(b[self.pos], b' ' | b'\t');
            let start = self.here();
            let mut open: Option<Pos> = None;
            loop {
                if self.pos >= b.len() {
                    if let Some(p) = open {
                        return Err((p, LexError::UnclosedParenthesis));
                    }
                    break;
                }
                match b[self.pos] {
                    b' ' | b'\t' | b'\r' => self.pos += 1,
                    b'\n' => {
                        self.newline();
                        if open.is_none() {
                            break;
                        }
                    }
                    b';' => {
                        while self.pos < b.len() && b[self.pos] != b'\n' {
                            self.pos += 1;
                        }
                    }
                    b'(' => {
                        if open.is_some() {
                            let p = self.here();
                            self.skip_line();
                            return Err((p, LexError::NestedParenthesis));
                        }
                        open = Some(self.here());
                        self.pos += 1;
                    }
                    b')' => {
                        if open.is_none() {
                            let p = self.here();
                            self.skip_line();
                            return Err((p, LexError::UnopenedParenthesis));
                        }
                        open = None;
                        self.pos += 1;
                    }
                    b'"' => {
                        let p = self.here();
                        // A quote glued to the field before it (`alpn="h2,h3"` in SVCB) must
                        // close on its line, so that a stray quote cannot swallow the file.
                        let attached = self.pos > 0
                            && !matches!(b[self.pos - 1], b' ' | b'\t' | b'\r' | b'\n' | b'(' | b')' | b'"');
                        let begin = self.pos + 1;
                        let mut j = begin;
                        // A free-standing quoted string may span lines (the newline is part of
                        // it), as Knot reads it; only the end of the file leaves it open.
                        loop {
                            match b.get(j) {
                                None => {
                                    self.pos = j;
                                    return Err((p, LexError::UnterminatedQuote));
                                }
                                Some(b'\n') if attached => {
                                    self.pos = j;
                                    self.skip_line();
                                    return Err((p, LexError::UnterminatedQuote));
                                }
                                Some(b'\\') => j += 2,
                                Some(b'"') => break,
                                Some(b'\n') => {
                                    self.pos = j;
                                    self.newline();
                                    j = self.pos;
                                }
                                Some(_) => j += 1,
                            }
                        }
                        let j = j.min(b.len());
                        tokens.push(Token {
                            text: &self.text[begin..j],
                            quoted: true,
                        });
                        positions.push(p);
                        self.pos = j + 1;
                        // Adjacent quoted strings are separate fields (`"foo""bar"`, as NLnet
                        // Labs' `domain` reads them); anything else must be separated.
                        if !matches!(
                            b.get(self.pos),
                            None | Some(b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"')
                        ) {
                            let p = self.here();
                            self.skip_line();
                            return Err((p, LexError::QuoteInField));
                        }
                    }
                    _ => {
                        let p = self.here();
                        let begin = self.pos;
                        loop {
                            // Ordinary octets in a tight loop: this is most of a zone file.
                            let mut j = self.pos;
                            while j < b.len() && !FIELD_SPECIAL[usize::from(b[j])] {
                                j += 1;
                            }
                            self.pos = j;
                            match b.get(j) {
                                // An escaped newline belongs to the field; count the line.
                                Some(b'\\') => {
                                    if b.get(j + 1) == Some(&b'\n') {
                                        self.pos += 1;
                                        self.newline();
                                    } else {
                                        self.pos += 2;
                                    }
                                }
                                // A quote ends the field and starts a quoted one, as
                                // `text::tokenize` splits `key="value"`.
                                _ => break,
                            }
                        }
                        self.pos = self.pos.min(b.len());
                        tokens.push(Token {
                            text: &self.text[begin..self.pos],
                            quoted: false,
                        });
                        positions.push(p);
                    }
                }
            }
            if !tokens.is_empty() {
                return Ok(Some(EntryStart {
                    blank_owner,
                    pos: start,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<Result<(bool, Vec<String>), LexError>> {
        let mut lx = Lexer::new(text);
        let (mut t, mut p) = (Vec::new(), Vec::new());
        let mut out = Vec::new();
        loop {
            match lx.next_entry(&mut t, &mut p) {
                Ok(None) => return out,
                Ok(Some(e)) => out.push(Ok((e.blank_owner, t.iter().map(|t| t.text.to_string()).collect()))),
                Err((_, e)) => out.push(Err(e)),
            }
        }
    }

    #[test]
    fn lines_parentheses_and_comments() {
        let got = entries("a 1 IN NS b ; c\n\n  ; only comment\n\tNS ( c\n d ) \n@ SOA ( x\n;mid\n y )");
        assert_eq!(
            got,
            vec![
                Ok((
                    false,
                    vec!["a".into(), "1".into(), "IN".into(), "NS".into(), "b".into()]
                )),
                Ok((true, vec!["NS".into(), "c".into(), "d".into()])),
                Ok((false, vec!["@".into(), "SOA".into(), "x".into(), "y".into()])),
            ]
        );
    }

    #[test]
    fn errors_then_recovery() {
        let got = entries("a TXT \"two\nlines\"\nc NS ((x))\nd NS x\ne TXT \"open");
        assert_eq!(got[0], Ok((false, vec!["a".into(), "TXT".into(), "two\nlines".into()])));
        assert_eq!(got[1], Err(LexError::NestedParenthesis));
        assert_eq!(got[2], Ok((false, vec!["d".into(), "NS".into(), "x".into()])));
        assert_eq!(got[3], Err(LexError::UnterminatedQuote));
        assert_eq!(entries("x NS ( y"), vec![Err(LexError::UnclosedParenthesis)]);
        assert_eq!(entries("x TXT \"a\"b\n"), vec![Err(LexError::QuoteInField)]);
        assert_eq!(
            entries("x TXT \"a\"\"b\"\n"),
            vec![Ok((false, vec!["x".into(), "TXT".into(), "a".into(), "b".into()]))]
        );
        assert_eq!(entries("x TXT a\"b\nc NS d\n")[0], Err(LexError::UnterminatedQuote));
        assert_eq!(entries("x TXT a\"b\nc NS d\n").len(), 2, "the next line is read again");
        assert_eq!(
            entries("x SVCB 1 . alpn=\"h2,h3\"\n")[0],
            Ok((
                false,
                vec![
                    "x".into(),
                    "SVCB".into(),
                    "1".into(),
                    ".".into(),
                    "alpn=".into(),
                    "h2,h3".into()
                ]
            ))
        );
        assert_eq!(entries("x TXT \"a\";c\n").len(), 1);
    }

    #[test]
    fn positions() {
        let mut lx = Lexer::new("a NS b\n  c   NS d\n");
        let (mut t, mut p) = (Vec::new(), Vec::new());
        lx.next_entry(&mut t, &mut p).unwrap();
        let e = lx.next_entry(&mut t, &mut p).unwrap().unwrap();
        assert_eq!(e.pos.line, 2);
        assert_eq!(p[0], Pos { line: 2, column: 3 });
        assert_eq!(p[1], Pos { line: 2, column: 7 });
    }
}
