//! `banyan zone check` and `banyan zone print`: load a master file, report what is wrong
//! with it (like `named-checkzone` and `kzonecheck`), or print it in canonical form.

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use banyan_wire::Name;
use banyan_zone::{load_zone_file_with_progress, Loaded, Severity};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What a zone command found, mapped to the CLI's exit codes by the caller.
pub enum Outcome {
    /// The zone is good (warnings allowed).
    Good,
    /// Errors were found and reported.
    Bad,
}

/// A zone name given on the command line: absolute whether or not it ends in a dot; Unicode
/// is converted to A-labels.
pub fn parse_origin(text: &str) -> anyhow::Result<Name> {
    let o = if text.ends_with('.') {
        text.to_string()
    } else {
        format!("{text}.")
    };
    Name::from_unicode(&o).with_context(|| format!("{o:?} is not a domain name"))
}

/// Loads `file`, with a progress line on a terminal when loading takes over a second.
pub fn load(file: &Path, origin: Option<&str>) -> anyhow::Result<Loaded> {
    let origin: Option<Name> = origin.map(|o| parse_origin(o).context("--origin")).transpose()?;
    let started = Instant::now();
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
    let on_terminal = std::io::stderr().is_terminal();
    let mut shown = false;
    let loaded = load_zone_file_with_progress(file, origin.as_ref(), &mut |records| {
        // Only long loads get a progress line, and only on a terminal.
        if !shown && on_terminal && started.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!(
            "{}: {records} records ({:.0} records/s)",
            file.display(),
            records as f64 / secs
        ));
        bar.tick();
    })?;
    bar.finish_and_clear();
    Ok(loaded)
}

/// `banyan zone check FILE [--origin NAME]`.
pub fn check(file: &Path, origin: Option<&str>) -> anyhow::Result<Outcome> {
    let loaded = load(file, origin)?;
    let mut err = std::io::stderr().lock();
    for e in &loaded.parse.errors {
        writeln!(err, "{e}")?;
    }
    if loaded.parse.stopped {
        writeln!(err, "{}: too many errors, stopped reading", file.display())?;
    }
    for w in &loaded.parse.warnings {
        writeln!(err, "{w}")?;
    }
    let mut findings = loaded.findings.clone();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in &findings {
        writeln!(err, "{}: {f}", file.display())?;
    }
    let zone = &loaded.zone;
    if loaded.is_ok() {
        let serial = zone.soa().map_or(0, |s| s.serial);
        println!(
            "zone {}/{}: loaded serial {serial}: {} records, {} names",
            zone.origin(),
            zone.class(),
            zone.record_count(),
            zone.node_count()
        );
        println!("OK");
        Ok(Outcome::Good)
    } else {
        let errors = loaded.parse.errors.len() + findings.iter().filter(|f| f.severity == Severity::Error).count();
        println!("zone {}/{}: {errors} errors: not loaded", zone.origin(), zone.class());
        Ok(Outcome::Bad)
    }
}

/// `banyan zone print FILE [--origin NAME]`: every record, fully qualified, SOA first, then
/// in canonical order; output parses back to the same records. Syntax errors are reported
/// and make the outcome bad (the records that did parse are still printed).
pub fn print(file: &Path, origin: Option<&str>) -> anyhow::Result<Outcome> {
    let loaded = load(file, origin)?;
    let mut err = std::io::stderr().lock();
    for e in &loaded.parse.errors {
        writeln!(err, "{e}")?;
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for r in loaded.zone.records() {
        writeln!(out, "{r}")?;
    }
    out.flush()?;
    Ok(if loaded.parse.is_ok() {
        Outcome::Good
    } else {
        Outcome::Bad
    })
}
