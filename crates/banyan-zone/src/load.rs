//! Loading a zone file into a checked [`Zone`]: parse, insert, work out cuts, check.

use std::path::Path;

use banyan_wire::{Class, Name, Record, RecordType};

use crate::build::ZoneBuilder;
use crate::check::{check_zone, Finding, FindingKind, Severity};
use crate::parser::{parse_file, ParseOptions, ParseReport};
use crate::zone::{Inserted, Zone};

/// How often (in records) [`load_zone_file_with_progress`] reports.
pub const PROGRESS_EVERY: usize = 16_384;

/// A loaded zone with everything found on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The zone (possibly incomplete when there were errors).
    pub zone: Zone,
    /// Syntax errors and warnings, with file, line and column.
    pub parse: ParseReport,
    /// Content findings, naming owner and type.
    pub findings: Vec<Finding>,
}

impl Loaded {
    /// True when the file parsed and no check found an error (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.parse.is_ok() && !self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Why nothing could be loaded at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// No origin was given and the file has no SOA to take it from.
    #[error("{0}: no origin given and no SOA record to take it from")]
    NoOrigin(String),
}

/// Reads `path` as the zone `origin`. Without an origin, the owner of the file's first SOA
/// record is the origin (the file must then use absolute names or `$ORIGIN`).
pub fn load_zone_file(path: &Path, origin: Option<&Name>) -> Result<Loaded, LoadError> {
    load_zone_file_with_progress(path, origin, &mut |_| {})
}

/// As [`load_zone_file`], calling `progress` with the number of records read so far every
/// [`PROGRESS_EVERY`] records (for a progress display on long loads).
pub fn load_zone_file_with_progress(
    path: &Path,
    origin: Option<&Name>,
    progress: &mut dyn FnMut(usize),
) -> Result<Loaded, LoadError> {
    let opts = ParseOptions {
        origin: origin.cloned(),
        ..ParseOptions::default()
    };
    let mut findings = Vec::new();
    // Records are rarely shorter than 16 octets of master file; guessing high costs only
    // address space, guessing low a copy of everything read so far.
    let guess = std::fs::metadata(path).map_or(0, |m| m.len() as usize / 16);
    let (builder, parse) = match origin {
        Some(origin) => {
            let mut builder: Option<ZoneBuilder> = None;
            let mut count = 0usize;
            let parse = parse_file(path, &opts, &mut |r| {
                count += 1;
                if count % PROGRESS_EVERY == 0 {
                    progress(count);
                }
                // The zone's class is its first record's (CH zones exist: `version.bind`).
                let b = builder.get_or_insert_with(|| ZoneBuilder::new(origin.clone(), r.class, guess));
                add(b, &r, &mut findings);
            });
            (
                builder.unwrap_or_else(|| ZoneBuilder::new(origin.clone(), Class::IN, 0)),
                parse,
            )
        }
        None => {
            let mut records = Vec::new();
            let parse = parse_file(path, &opts, &mut |r| {
                records.push(r);
                if records.len() % PROGRESS_EVERY == 0 {
                    progress(records.len());
                }
            });
            let Some(soa) = records.iter().find(|r| r.rtype() == RecordType::SOA) else {
                if parse.is_ok() {
                    return Err(LoadError::NoOrigin(path.display().to_string()));
                }
                let zone = Zone::new(Name::root(), Class::IN);
                return Ok(Loaded { zone, parse, findings });
            };
            let mut builder = ZoneBuilder::new(soa.name.clone(), soa.class, records.len());
            for r in &records {
                add(&mut builder, r, &mut findings);
            }
            (builder, parse)
        }
    };
    let (zone, notes) = builder.finish();
    for note in notes {
        let kind = match note.outcome {
            Inserted::TtlMismatch { kept } => FindingKind::TtlMismatch { kept },
            _ => FindingKind::Duplicate,
        };
        findings.push(Finding {
            severity: Severity::Warning,
            name: note.name,
            rtype: Some(note.rtype),
            kind,
        });
    }
    findings.extend(check_zone(&zone));
    Ok(Loaded { zone, parse, findings })
}

/// Loads `path` as [`load_zone_file`] does and keeps the zone only when it has no error
/// (warnings allowed), as a server loading its zones needs: otherwise the errors, parse errors
/// with `file:line:column`, content errors naming the file, owner and type.
pub fn load_zone(path: &Path, origin: Option<&Name>) -> Result<Zone, Vec<String>> {
    let loaded = load_zone_file(path, origin).map_err(|e| vec![e.to_string()])?;
    if loaded.is_ok() {
        return Ok(loaded.zone);
    }
    let mut errors: Vec<String> = loaded.parse.errors.iter().map(|e| e.to_string()).collect();
    errors.extend(
        loaded
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{}: {f}", path.display())),
    );
    Err(errors)
}

/// Adds a record; one outside the zone or of another class is an error finding.
fn add(builder: &mut ZoneBuilder, r: &Record, findings: &mut Vec<Finding>) {
    if builder.add(r).is_err() {
        findings.push(Finding {
            severity: Severity::Error,
            name: r.name.clone(),
            rtype: Some(r.rtype()),
            kind: FindingKind::OutOfZone,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_from_soa_and_findings() {
        let dir = std::env::temp_dir().join(format!("banyan-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("z");
        std::fs::write(
            &path,
            "$TTL 60\nexample. SOA ns.example. h.example. 1 2 3 4 5\nexample. NS ns.example.\nns.example. A 192.0.2.1\nns.example. 30 A 192.0.2.2\nout.other. A 192.0.2.3\n",
        )
        .unwrap();
        let loaded = load_zone_file(&path, None).unwrap();
        assert_eq!(loaded.zone.origin().to_string(), "example.");
        let f: Vec<String> = loaded.findings.iter().map(|f| f.to_string()).collect();
        assert_eq!(
            f,
            [
                "error: out.other./A: record outside the zone",
                "warning: ns.example./A: TTLs differ within the RRset; using 60",
            ]
        );
        assert!(!loaded.is_ok());
        std::fs::write(&path, "$TTL 60\na.example. A 192.0.2.1\n").unwrap();
        assert!(matches!(load_zone_file(&path, None), Err(LoadError::NoOrigin(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
