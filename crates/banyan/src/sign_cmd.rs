//! `banyan zone sign`: the offline signer, used as `dnssec-signzone` is. Reads the zone and
//! the keys, hands them to `banyan_dnssec::sign_zone`, writes the signed zone (canonical
//! order, as `banyan zone print` prints it) and the DS records for the parent.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _};
use banyan_dnssec::{sign_zone, Denial, SignOptions, SigningKey};
use banyan_wire::text::hex_decode;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::zone_cmd::{self, parse_origin, Outcome};

/// `banyan zone sign` arguments.
#[derive(clap::Args)]
pub struct SignArgs {
    /// The master file to sign.
    file: PathBuf,
    /// The zone's origin.
    #[arg(long, value_name = "NAME")]
    origin: String,
    /// The directory holding the zone's K<zone>+<alg>+<tag>.key/.private files (all of them
    /// are used: KSKs sign the DNSKEY, CDS and CDNSKEY RRsets, ZSKs the rest).
    #[arg(long, value_name = "DIR")]
    keys: PathBuf,
    /// Where to write the signed zone (default FILE.signed, as dnssec-signzone does).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Prove non-existence with NSEC3 (RFC 5155) instead of NSEC.
    #[arg(long)]
    nsec3: bool,
    /// NSEC3 salt in hex, or `-` for none (the default, as RFC 9276 advises).
    #[arg(long, value_name = "HEX", requires = "nsec3")]
    salt: Option<String>,
    /// NSEC3 additional iterations (default 0, as RFC 9276 advises).
    #[arg(long, value_name = "N", requires = "nsec3")]
    iterations: Option<u16>,
    /// NSEC3 Opt-Out: no NSEC3 records for insecure delegations (RFC 5155 §6).
    #[arg(long, requires = "nsec3")]
    opt_out: bool,
    /// Signature inception: YYYYMMDDHHMMSS (UTC), seconds since 1970, `now`, `now-N` or
    /// `-N`/`+N` from now (N in seconds, or with a unit: 1h, 2d, 1w). Default: an hour ago.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    inception: Option<String>,
    /// Signature expiration: as --inception, `+N` counting from the inception, `now+N` from
    /// now. Default: 30 days from now.
    #[arg(long, value_name = "TIME")]
    expiration: Option<String>,
    /// Take up to this many seconds off each RRset's expiration (spread by a hash of its
    /// name and type) so signatures do not all expire at once. Default: a twelfth of the
    /// validity window (2.5 days of 30).
    #[arg(long, value_name = "SECONDS")]
    jitter: Option<u32>,
    /// TTL of the DNSKEY, CDS and CDNSKEY records (default: that of a DNSKEY RRset in the
    /// zone, else the SOA's).
    #[arg(long, value_name = "SECONDS")]
    dnskey_ttl: Option<u32>,
    /// Signing threads (default: one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

/// A duration: seconds, or a number with a unit s, m, h, d or w.
fn parse_duration(text: &str) -> Option<u32> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u32 = digits.parse().ok()?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        "w" => 7 * 86400,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A signature time (see `--inception`): `relative_base` is what `+N` counts from.
fn parse_time(text: &str, now: u32, relative_base: u32) -> anyhow::Result<u32> {
    let bad = || anyhow::anyhow!("bad time {text:?} (YYYYMMDDHHMMSS, now, now+N, now-N, +N or -N)");
    if text == "now" {
        return Ok(now);
    }
    if let Some(rest) = text.strip_prefix("now+") {
        return Ok(now.wrapping_add(parse_duration(rest).ok_or_else(bad)?));
    }
    if let Some(rest) = text.strip_prefix("now-").or_else(|| text.strip_prefix('-')) {
        return Ok(now.wrapping_sub(parse_duration(rest).ok_or_else(bad)?));
    }
    if let Some(rest) = text.strip_prefix('+') {
        return Ok(relative_base.wrapping_add(parse_duration(rest).ok_or_else(bad)?));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if text.len() != 14 {
        return text.parse().map_err(|_| bad());
    }
    let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(u32::MAX);
    let (y, mo, d, h, mi, s) = (num(0..4), num(4..6), num(6..8), num(8..10), num(10..12), num(12..14));
    if !(1970..=2105).contains(&y) || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return Err(bad());
    }
    let t = days_from_civil(i64::from(y), mo, d) * 86400 + i64::from(h * 3600 + mi * 60 + s);
    u32::try_from(t).map_err(|_| bad())
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Signs the zone; writes FILE.signed (or --out) and `dsset-<origin>` beside it; prints the
/// DS records on stdout and a summary on stderr.
pub fn sign(args: &SignArgs) -> anyhow::Result<Outcome> {
    let origin = parse_origin(&args.origin).context("--origin")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as u32;
    let keys = SigningKey::load_zone_keys(&args.keys, &origin)?;
    if keys.is_empty() {
        bail!(
            "no keys for {origin} in {} (K{origin}+*.private; make them with `banyan key generate`)",
            args.keys.display()
        );
    }
    let mut options = SignOptions::new(now);
    if let Some(t) = &args.inception {
        options.inception = parse_time(t, now, now).context("--inception")?;
    }
    if let Some(t) = &args.expiration {
        options.expiration = parse_time(t, now, options.inception).context("--expiration")?;
    }
    options.jitter = args
        .jitter
        .unwrap_or(options.expiration.wrapping_sub(options.inception) / 12);
    options.dnskey_ttl = args.dnskey_ttl;
    options.threads = args.threads.unwrap_or(0);
    if args.nsec3 {
        let salt = match args.salt.as_deref() {
            None | Some("-") | Some("") => Vec::new(),
            Some(hex) => hex_decode(hex).with_context(|| format!("--salt {hex:?} is not hex"))?,
        };
        options.denial = Denial::Nsec3 {
            salt,
            iterations: args.iterations.unwrap_or(0),
            opt_out: args.opt_out,
        };
    }

    let loaded = zone_cmd::load(&args.file, Some(&args.origin))?;
    if !loaded.is_ok() {
        let mut err = std::io::stderr().lock();
        for e in &loaded.parse.errors {
            writeln!(err, "{e}")?;
        }
        for f in loaded
            .findings
            .iter()
            .filter(|f| f.severity == banyan_zone::Severity::Error)
        {
            writeln!(err, "{}: {f}", args.file.display())?;
        }
        writeln!(err, "{}: not signed: the zone has errors", args.file.display())?;
        return Ok(Outcome::Bad);
    }

    let started = Instant::now();
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
    }
    bar.set_style(
        ProgressStyle::with_template("signing {bar:40} {pos}/{len} RRsets ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let signed = sign_zone(&loaded.zone, &keys, &options, &|done, total| {
        bar.set_length(total as u64);
        bar.inc(done as u64);
    })
    .with_context(|| format!("signing {}", args.file.display()))?;
    bar.finish_and_clear();
    let sign_time = started.elapsed();

    let out_path = args.out.clone().unwrap_or_else(|| with_suffix(&args.file, ".signed"));
    let tmp = with_suffix(&out_path, ".tmp");
    {
        let file = std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        for r in signed.zone.records() {
            writeln!(w, "{r}").with_context(|| format!("writing {}", tmp.display()))?;
        }
        w.flush().with_context(|| format!("writing {}", tmp.display()))?;
    }
    std::fs::rename(&tmp, &out_path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), out_path.display()))?;

    let mut ds_text = String::new();
    for r in &signed.ds {
        ds_text.push_str(&format!("{r}\n"));
    }
    let dsset = out_path
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!("dsset-{origin}"));
    std::fs::write(&dsset, &ds_text).with_context(|| format!("writing {}", dsset.display()))?;
    print!("{ds_text}");

    let total = started.elapsed();
    let stems: Vec<String> = keys.iter().map(SigningKey::file_stem).collect();
    eprintln!(
        "{origin}: {} RRsets signed with {} ({} signatures, {} {} records) in {:.2} s, {:.0} signatures/s; wrote {} and {}",
        signed.rrsets_signed,
        stems.join(", "),
        signed.signatures,
        signed.denial_records,
        if args.nsec3 { "NSEC3" } else { "NSEC" },
        total.as_secs_f64(),
        signed.signatures as f64 / sign_time.as_secs_f64().max(1e-9),
        out_path.display(),
        dsset.display(),
    );
    Ok(Outcome::Good)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_times() {
        let now = 1_767_225_600; // 2026-01-01T00:00:00Z
        assert_eq!(parse_time("20260101000000", 0, 0).unwrap(), now);
        assert_eq!(parse_time("19700101000000", 0, 0).unwrap(), 0);
        assert_eq!(parse_time("now", now, 0).unwrap(), now);
        assert_eq!(parse_time("now+1h", now, 0).unwrap(), now + 3600);
        assert_eq!(parse_time("-3600", now, 0).unwrap(), now - 3600);
        assert_eq!(parse_time("+30d", now, 5).unwrap(), 5 + 30 * 86400);
        assert_eq!(parse_time("1767225600", 0, 0).unwrap(), now);
        assert!(parse_time("20261301000000", 0, 0).is_err());
        assert!(parse_time("soon", 0, 0).is_err());
    }
}
