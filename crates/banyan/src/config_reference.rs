//! Keeps `docs/configuration.md` true: every key `banyan serve` accepts is listed there, in
//! the section of its table, nothing is listed that it does not accept, and every TOML
//! example in it is read by the same parser as a real configuration file.
//!
//! The accepted keys are not listed here by hand: serde names them. A table that denies
//! unknown fields answers an unknown one with "unknown field `x`, expected one of `a`, `b`…",
//! so each section is probed with a key nobody would write and its fields read off the error.

use std::collections::BTreeSet;

use crate::serve_cmd::Config;

/// The reference, relative to this crate.
const DOC: &str = include_str!("../../../docs/configuration.md");

/// A key no section has.
const PROBE: &str = "zz_not_a_key";

/// Every table of the configuration: the heading it has in the reference and a TOML text
/// that puts [`PROBE`] in it (array tables and inline tables reached through their parent).
const SECTIONS: &[(&str, &str)] = &[
    ("top level", "zz_not_a_key = 1"),
    ("[[tsig]]", "[[tsig]]\nzz_not_a_key = 1"),
    ("[auth]", "[auth]\nzz_not_a_key = 1"),
    ("[auth.rrl]", "[auth.rrl]\nzz_not_a_key = 1"),
    ("[[auth.view]]", "[[auth.view]]\nzz_not_a_key = 1"),
    ("[[auth.zone]]", "[[auth.zone]]\nzz_not_a_key = 1"),
    (
        "[[auth.zone.update_policy]]",
        "[[auth.zone]]\n[[auth.zone.update_policy]]\nzz_not_a_key = 1",
    ),
    (
        "[auth.zone.dnssec]",
        "[[auth.zone]]\n[auth.zone.dnssec]\nzz_not_a_key = 1",
    ),
    ("[resolver]", "[resolver]\nzz_not_a_key = 1"),
    ("[resolver.ecs]", "[resolver.ecs]\nzz_not_a_key = 1"),
    ("[[resolver.forward]]", "[[resolver.forward]]\nzz_not_a_key = 1"),
    ("[[resolver.stub]]", "[[resolver.stub]]\nzz_not_a_key = 1"),
    ("[registry]", "[registry]\nzz_not_a_key = 1"),
    ("[[registry.registrar]]", "[[registry.registrar]]\nzz_not_a_key = 1"),
    (
        "[registry.policy.\"TLD\"]",
        "[registry.policy.\"test.\"]\nzz_not_a_key = 1",
    ),
    (
        "[registry.policy.\"TLD\".fees]",
        "[registry.policy.\"test.\".fees]\nzz_not_a_key = 1",
    ),
    ("[web]", "[web]\nzz_not_a_key = 1"),
    ("[[web.name_servers]]", "[[web.name_servers]]\nzz_not_a_key = 1"),
    ("[[web.registry]]", "[[web.registry]]\nzz_not_a_key = 1"),
    ("[metrics]", "[metrics]\nzz_not_a_key = 1"),
];

/// The fields serde expects where `probe` put the unknown key.
fn accepted(probe: &str) -> BTreeSet<String> {
    let err = match toml::from_str::<Config>(probe) {
        Ok(_) => panic!("{probe:?}: the probe key was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains(PROBE), "{probe:?}: not an unknown-field error: {err}");
    // "expected one of `a`, `b`" or "expected `a`": the backquoted words after "expected".
    let Some((_, list)) = err.split_once("expected") else {
        panic!("{probe:?}: no field list in {err}")
    };
    backquoted(list.lines().next().unwrap_or_default())
}

/// The words between backquotes in `text`.
fn backquoted(text: &str) -> BTreeSet<String> {
    text.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// The keys the reference lists under the heading `## \`HEADING\``: the backquoted words of
/// the first column of its table.
fn documented(heading: &str) -> BTreeSet<String> {
    let marker = format!("## `{heading}`");
    let Some(start) = DOC.lines().position(|l| l.trim_end() == marker) else {
        panic!("docs/configuration.md has no heading {marker:?}")
    };
    DOC.lines()
        .skip(start + 1)
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with("| `"))
        .flat_map(|row| backquoted(row.split('|').nth(1).unwrap_or_default()))
        .collect()
}

#[test]
fn every_key_is_documented_and_every_documented_key_exists() {
    let mut problems = Vec::new();
    for (heading, probe) in SECTIONS {
        let accepted = accepted(probe);
        let documented = documented(heading);
        for missing in accepted.difference(&documented) {
            problems.push(format!("{heading}: `{missing}` is accepted but not documented"));
        }
        for unknown in documented.difference(&accepted) {
            problems.push(format!("{heading}: `{unknown}` is documented but not accepted"));
        }
    }
    assert!(problems.is_empty(), "docs/configuration.md:\n{}", problems.join("\n"));
}

#[test]
fn every_example_is_a_configuration() {
    let mut examples = 0;
    let mut block: Option<String> = None;
    for line in DOC.lines() {
        match (&mut block, line.trim_end()) {
            (None, "```toml") => block = Some(String::new()),
            (Some(text), "```") => {
                if let Err(e) = toml::from_str::<Config>(text) {
                    panic!("docs/configuration.md example does not parse:\n{text}\n{e}");
                }
                examples += 1;
                block = None;
            }
            (Some(text), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(examples >= SECTIONS.len(), "only {examples} examples");
}
