//! `banyan normalize` (hidden): reads resource records in presentation form, one per line,
//! and prints them in Banyan's canonical form — owner lowercased, sorted, duplicates
//! removed — so that two tools' outputs can be compared as sets (`scripts/interop`).

use std::collections::BTreeSet;

use banyan_wire::Record;

/// A line that is not a record.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {reason}: {text}")]
pub struct NormalizeError {
    /// 1-based line number.
    pub line: usize,
    /// The line as read.
    pub text: String,
    /// Why it did not parse.
    pub reason: String,
}

/// Normalizes `input`. Blank lines and lines starting with `;` (dig's comments) are
/// skipped; every other line must be a complete record with owner, TTL, class and type.
pub fn normalize(input: &str) -> Result<String, NormalizeError> {
    let mut set = BTreeSet::new();
    for (i, raw) in input.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') {
            continue;
        }
        let mut record = Record::from_text(line, None, None).map_err(|e| NormalizeError {
            line: i + 1,
            text: raw.to_string(),
            reason: e.to_string(),
        })?;
        record.name = record.name.to_lowercase();
        set.insert(record.to_string());
    }
    let mut out = String::new();
    for line in set {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_dedups_and_lowercases_owner() {
        let input = "; comment\n\nWWW.Example. 300 IN A 192.0.2.2\nwww.example.  300  IN  A  192.0.2.1\nwww.example. 300 IN A 192.0.2.2\n";
        assert_eq!(
            normalize(input).unwrap(),
            "www.example.\t300\tIN\tA\t192.0.2.1\nwww.example.\t300\tIN\tA\t192.0.2.2\n"
        );
    }

    #[test]
    fn generic_and_typed_forms_agree() {
        let typed = normalize("x. 60 IN A 192.0.2.1").unwrap();
        let generic = normalize("x. 60 IN TYPE1 \\# 4 c0000201").unwrap();
        assert_eq!(typed, generic);
    }

    #[test]
    fn names_the_bad_line() {
        let e = normalize("x. 60 IN A 192.0.2.1\nx. 60 IN A nope\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("line 2: "), "{e}");
    }
}
