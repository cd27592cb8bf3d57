//! `banyan key generate`: a new DNSSEC key pair in BIND's `K<zone>+<alg>+<tag>.key` and
//! `.private` files, as `dnssec-keygen` writes them.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use banyan_dnssec::algorithm::{self, can_sign, mnemonic};
use banyan_dnssec::{DnssecError, SigningKey};

use crate::zone_cmd::parse_origin;

/// `banyan key generate` arguments.
#[derive(clap::Args)]
pub struct GenerateArgs {
    /// The algorithm, by mnemonic or number: ECDSAP256SHA256 (13), ECDSAP384SHA384 (14),
    /// ED25519 (15); RSASHA256 (8) and RSASHA512 (10) keys made by dnssec-keygen can be
    /// used for signing but not generated here.
    #[arg(long, short = 'a', value_name = "ALG")]
    algorithm: String,
    /// The zone the key is for.
    #[arg(long, value_name = "NAME")]
    zone: String,
    /// A key-signing key (flags 257, the Secure Entry Point the parent's DS points to);
    /// otherwise a zone-signing key (flags 256).
    #[arg(long)]
    ksk: bool,
    /// The directory for the two files (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
}

/// An algorithm number from a mnemonic (any case, BIND's spellings) or a number.
pub fn parse_algorithm(text: &str) -> anyhow::Result<u8> {
    if let Ok(n) = text.parse::<u8>() {
        return Ok(n);
    }
    (0..=255u8)
        .find(|&a| mnemonic(a) != "UNKNOWN" && mnemonic(a).eq_ignore_ascii_case(text))
        .with_context(|| {
            format!("unknown algorithm {text:?} (ECDSAP256SHA256, ECDSAP384SHA384, ED25519, RSASHA256 or a number)")
        })
}

/// Generates the key, writes its files and prints their stem (as dnssec-keygen does).
pub fn generate(args: &GenerateArgs) -> anyhow::Result<()> {
    let alg = parse_algorithm(&args.algorithm)?;
    let zone = parse_origin(&args.zone)?;
    if !can_sign(alg) {
        bail!(
            "algorithm {alg} ({}) cannot sign: use ECDSAP256SHA256, ECDSAP384SHA384 or ED25519",
            mnemonic(alg)
        );
    }
    let key = match SigningKey::generate(&zone, alg, args.ksk) {
        Ok(key) => key,
        Err(DnssecError::CannotGenerate(a)) if a == algorithm::RSASHA256 || a == algorithm::RSASHA512 => {
            let name = mnemonic(a);
            bail!(
                "{name} keys cannot be generated here; generate one with \
                 dnssec-keygen -a {name} -b 2048 -K {} {zone} and Banyan will use it",
                args.out.display()
            );
        }
        Err(e) => return Err(e.into()),
    };
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    key.write_bind_files(&args.out)?;
    println!("{}", key.file_stem());
    Ok(())
}
