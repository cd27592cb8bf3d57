//! BIND's `$GENERATE` directive: `$GENERATE START-STOP[/STEP] LHS [TTL] [CLASS] TYPE RHS`,
//! where `$` in LHS and RHS stands for the iterator and `${OFFSET[,WIDTH[,BASE]]}` formats
//! it (BASE `d`, `o`, `x`, `X`, or `n`/`N` for nibble labels as in reverse zones).
//! `$$` and `\$` are a literal `$`.

use std::fmt::Write;

/// Largest number of records one `$GENERATE` may produce; BIND has no limit, but an
/// unbounded range is an easy way to exhaust memory with a one-line file.
pub const MAX_GENERATED: u64 = 1_000_000;

/// Why a `$GENERATE` line is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    /// The range is not `START-STOP[/STEP]` with START ≤ STOP and STEP ≥ 1.
    #[error("bad $GENERATE range")]
    BadRange,
    /// More than [`MAX_GENERATED`] records.
    #[error("$GENERATE range produces more than {MAX_GENERATED} records")]
    TooMany,
    /// The value plus offset does not fit in 32 bits (BIND's "out of range").
    #[error("$GENERATE value out of range")]
    OutOfRange,
    /// A `${…}` modifier that is not `${OFFSET[,WIDTH[,BASE]]}`.
    #[error("bad $GENERATE modifier")]
    BadModifier,
}

/// A parsed range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First value.
    pub start: u64,
    /// Last value (inclusive).
    pub stop: u64,
    /// Increment.
    pub step: u64,
}

impl Range {
    /// Parses `START-STOP[/STEP]`.
    pub fn parse(text: &str) -> Result<Range, GenerateError> {
        let (span, step) = match text.split_once('/') {
            Some((s, st)) => (s, st.parse::<u64>().map_err(|_| GenerateError::BadRange)?),
            None => (text, 1),
        };
        let (a, b) = span.split_once('-').ok_or(GenerateError::BadRange)?;
        let start: u64 = a.parse().map_err(|_| GenerateError::BadRange)?;
        let stop: u64 = b.parse().map_err(|_| GenerateError::BadRange)?;
        if step == 0 || start > stop || stop > u32::MAX as u64 {
            return Err(GenerateError::BadRange);
        }
        if (stop - start) / step + 1 > MAX_GENERATED {
            return Err(GenerateError::TooMany);
        }
        Ok(Range { start, stop, step })
    }

    /// The values of the range.
    pub fn values(&self) -> impl Iterator<Item = u64> {
        (self.start..=self.stop).step_by(self.step as usize)
    }
}

/// Substitutes `value` into `template`, appending to `out`.
pub fn substitute(template: &str, value: u64, out: &mut String) -> Result<(), GenerateError> {
    let b = template.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if b.get(i + 1) == Some(&b'$') => {
                out.push('$');
                i += 2;
            }
            b'\\' => {
                // Keep other escapes for the name/RDATA parser.
                out.push('\\');
                if let Some(c) = template[i + 1..].chars().next() {
                    out.push(c);
                    i += 1 + c.len_utf8();
                } else {
                    i += 1;
                }
            }
            b'$' if b.get(i + 1) == Some(&b'$') => {
                out.push('$');
                i += 2;
            }
            b'$' if b.get(i + 1) == Some(&b'{') => {
                let close = template[i..].find('}').ok_or(GenerateError::BadModifier)? + i;
                format_modifier(&template[i + 2..close], value, out)?;
                i = close + 1;
            }
            b'$' => {
                let _ = write!(out, "{value}");
                i += 1;
            }
            _ => {
                let c = template[i..].chars().next().unwrap_or('\u{FFFD}');
                out.push(c);
                i += c.len_utf8().max(1);
            }
        }
    }
    Ok(())
}

fn format_modifier(spec: &str, value: u64, out: &mut String) -> Result<(), GenerateError> {
    let mut parts = spec.split(',');
    let offset: i64 = parts
        .next()
        .filter(|s| !s.is_empty())
        .map_or(Ok(0), str::parse)
        .map_err(|_| GenerateError::BadModifier)?;
    let width: usize = parts
        .next()
        .map_or(Ok(0), str::parse)
        .map_err(|_| GenerateError::BadModifier)?;
    let base = parts.next().unwrap_or("d");
    if parts.next().is_some() || width > 255 {
        return Err(GenerateError::BadModifier);
    }
    // BIND computes in a C int: a result outside its range is refused ("out of range"), and a
    // negative one is printed as its unsigned 32-bit pattern.
    let v = (value as i64).checked_add(offset).ok_or(GenerateError::OutOfRange)?;
    if v > i32::MAX as i64 || v < i32::MIN as i64 {
        return Err(GenerateError::OutOfRange);
    }
    let v = v as i32 as u32 as u64;
    match base {
        "d" => write!(out, "{v:0width$}"),
        "o" => write!(out, "{v:0width$o}"),
        "x" => write!(out, "{v:0width$x}"),
        "X" => write!(out, "{v:0width$X}"),
        "n" | "N" => {
            // Nibbles, least significant first, separated by dots, as reverse zones need;
            // WIDTH is the least number of nibbles (named-compilezone prints `${0,3,n}` of
            // 1024 as `0.0.4`, and all eight nibbles of a wrapped negative value).
            let hex = if base == "n" {
                format!("{v:x}")
            } else {
                format!("{v:X}")
            };
            let mut nibbles: Vec<char> = hex.chars().rev().collect();
            while nibbles.len() < width {
                nibbles.push('0');
            }
            for (k, c) in nibbles.iter().enumerate() {
                if k > 0 {
                    out.push('.');
                }
                out.push(*c);
            }
            Ok(())
        }
        _ => return Err(GenerateError::BadModifier),
    }
    .map_err(|_| GenerateError::BadModifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(t: &str, v: u64) -> String {
        let mut s = String::new();
        substitute(t, v, &mut s).unwrap();
        s
    }

    #[test]
    fn substitutions() {
        assert_eq!(sub("host-$", 7), "host-7");
        assert_eq!(sub("$$-\\$", 7), "$-$");
        assert_eq!(sub("${10}", 7), "17");
        assert_eq!(sub("${0,3,d}", 7), "007");
        assert_eq!(sub("${-1,4,x}", 256), "00ff");
        assert_eq!(sub("${0,0,X}", 255), "FF");
        assert_eq!(sub("${0,3,o}", 8), "010");
        assert_eq!(sub("${0,0,n}", 0x1a), "a.1");
        assert_eq!(sub("${0,4,n}", 0x1a), "a.1.0.0");
        // The values named-compilezone gives for BIND's good-generate-modifier.db.
        assert_eq!(sub("${0,3,n}", 1024), "0.0.4");
        assert_eq!(sub("${-2000,0,n}", 1024), "0.3.c.f.f.f.f.f");
        assert_eq!(sub("a\\.b$", 1), "a\\.b1");
        let mut s = String::new();
        assert!(substitute("${x}", 1, &mut s).is_err());
        assert!(substitute("${0,1,q}", 1, &mut s).is_err());
        assert!(substitute("${0", 1, &mut s).is_err());
        assert_eq!(sub("${-2000,0,x}", 1024), "fffffc30");
        assert_eq!(substitute("${2147483647}", 1, &mut s), Err(GenerateError::OutOfRange));
    }

    #[test]
    fn ranges() {
        assert_eq!(
            Range::parse("1-10/3").unwrap().values().collect::<Vec<_>>(),
            [1, 4, 7, 10]
        );
        assert_eq!(Range::parse("5-5").unwrap().values().count(), 1);
        assert!(Range::parse("5-4").is_err());
        assert!(Range::parse("1-2/0").is_err());
        assert!(Range::parse("x").is_err());
        assert_eq!(Range::parse("0-4294967295"), Err(GenerateError::TooMany));
    }
}
