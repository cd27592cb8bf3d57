//! The registry in `banyan serve` (the `[registry]` section, DESIGN.md "Configuration"): the
//! database opened, the configured registrars created when missing, EPP over TLS on the
//! configured address (RFC 5734), and the registry's clock ticking so that grace periods,
//! automatic renewals, unanswered transfers and purges happen (RFC 3915).
//!
//! It runs on a tokio runtime of its own, as the authoritative server and the resolver do,
//! and stops with them on SIGINT or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use banyan_registry::delegation::CheckOptions;
use banyan_registry::epp::server::Limits;
use banyan_registry::epp::tls;
use banyan_registry::rdap::RdapConfig;
use banyan_registry::service::{run_epp, run_rechecks, run_ticks, Clock, RegistryHandler};
use banyan_registry::whois::WhoisConfig;
use banyan_registry::Published;
use banyan_registry::{Registry, RegistryError, TldPolicy};
use banyan_store::Store;
use banyan_wire::{Name, Record};

/// Where the EPP server's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EppCertificate {
    /// PEM files: the chain (leaf first) and its private key.
    Files {
        /// `certificate`.
        chain: PathBuf,
        /// `private_key`.
        key: PathBuf,
    },
    /// A self-signed certificate made at each start for the EPP address; its PEM is written
    /// to this file so clients can trust it (`banyan registry --ca FILE`).
    SelfSigned {
        /// Where the certificate's PEM goes.
        write_to: PathBuf,
    },
}

/// A registrar created at start when missing (an existing one is left as it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialRegistrar {
    /// Its EPP client identifier.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its EPP password.
    pub password: String,
    /// Its prepaid balance, in the smallest unit of the currency.
    pub balance: i64,
    /// The TLDs it is accredited for.
    pub tlds: Vec<Name>,
}

/// What `[registry]` asks to run, checked.
#[derive(Debug, Clone)]
pub struct RegistryServeConfig {
    /// The TLDs and their policies.
    pub tlds: Vec<TldPolicy>,
    /// Where EPP listens.
    pub epp: SocketAddr,
    /// The database URL (`sqlite://…` or `postgres://…`).
    pub database: String,
    /// The EPP server's certificate.
    pub certificate: EppCertificate,
    /// Registrars to create when missing.
    pub registrars: Vec<InitialRegistrar>,
    /// How often the registry's clock ticks.
    pub tick: Duration,
    /// Where RDAP listens (plain HTTP; a TLS front is the operator's), if at all.
    pub rdap: Option<SocketAddr>,
    /// Where WHOIS listens, if at all.
    pub whois: Option<SocketAddr>,
    /// The TLD zones to publish into the zone store, each with its apex (SOA, NS and the
    /// glue of the TLD's own servers), and the store's URL.
    pub publish: Option<Publishing>,
    /// The recursive resolver delegation checks ask for out-of-registry name servers'
    /// addresses.
    pub delegation_resolver: Option<SocketAddr>,
    /// The port delegation checks ask name servers on: 53, except in a lab on another port.
    pub delegation_port: u16,
}

/// The TLD zones the registry publishes, and where.
#[derive(Debug, Clone)]
pub struct Publishing {
    /// The zone store's URL (`sqlite://…` or `postgres://…`).
    pub store: String,
    /// Each TLD and its apex records.
    pub zones: Vec<(Name, Vec<Record>)>,
    /// Servers told by NOTIFY (RFC 1996) after each publication: those serving the TLD
    /// zones from the store, so they read a new version at once rather than at their next
    /// look (they must list the registry's address in `[auth] notifiers`).
    pub notify: Vec<SocketAddr>,
}

/// The running registry: its runtime holds the EPP server and the ticking.
pub struct RegistryServer {
    runtime: tokio::runtime::Runtime,
}

impl RegistryServer {
    /// Opens the database, creates the registrars, binds EPP and prints
    /// `epp listening on ADDR (certificate PATH)` (scripts wait for the line).
    pub fn start(config: RegistryServeConfig) -> anyhow::Result<RegistryServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("banyan-registry")
            .enable_all()
            .build()
            .context("starting the registry's runtime")?;
        runtime.block_on(async {
            let (registry, created) = open_registry(&config).await?;
            for (id, balance) in created {
                println!("registrar {id} created (balance {balance})");
            }
            let endpoints = serve_registry(&config, registry).await?;
            let tlds: Vec<String> = config.tlds.iter().map(|t| t.name.to_string()).collect();
            let mut out = std::io::stdout().lock();
            writeln!(out, "registry for {}", tlds.join(" "))?;
            if let Some(rdap) = endpoints.rdap {
                writeln!(out, "rdap listening on http://{rdap}/")?;
            }
            if let Some(whois) = endpoints.whois {
                writeln!(out, "whois listening on {whois}")?;
            }
            writeln!(
                out,
                "epp listening on {} (certificate {})",
                endpoints.epp,
                endpoints.certificate.display()
            )?;
            out.flush()?;
            anyhow::Ok(())
        })?;
        Ok(RegistryServer { runtime })
    }

    /// Waits for SIGINT or SIGTERM (when nothing else in `banyan serve` does).
    pub fn run_until_signal(&self) -> std::io::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        self.runtime.block_on(async {
            let mut int = signal(SignalKind::interrupt())?;
            let mut term = signal(SignalKind::terminate())?;
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            Ok(())
        })
    }

    /// Stops EPP (open sessions end) and the ticking.
    pub fn shutdown(self) {
        self.runtime.shutdown_timeout(Duration::from_secs(2));
    }
}

/// Where a started registry answers.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// EPP over TLS (RFC 5734).
    pub epp: SocketAddr,
    /// The EPP server's certificate (PEM), absolute, for `banyan registry --ca`.
    pub certificate: PathBuf,
    /// RDAP over HTTP (RFC 7480), if configured.
    pub rdap: Option<SocketAddr>,
    /// WHOIS (RFC 3912), if configured.
    pub whois: Option<SocketAddr>,
}

/// Opens the registry's database and creates the configured registrars that are missing;
/// returns the registry and the registrars created, with their balances.
pub async fn open_registry(config: &RegistryServeConfig) -> anyhow::Result<(Registry, Vec<(String, i64)>)> {
    let registry = Registry::open(&config.database, config.tlds.clone())
        .await
        .map_err(|e| anyhow!("registry.database: {e}"))?;
    let mut created = Vec::new();
    for r in &config.registrars {
        match registry
            .create_registrar(&r.id, &r.name, &r.password, &r.tlds, r.balance)
            .await
        {
            Ok(_) => created.push((r.id.clone(), r.balance)),
            Err(RegistryError::Exists(_)) => {}
            Err(e) => return Err(anyhow!("registry.registrar {}: {e}", r.id)),
        }
    }
    Ok((registry, created))
}

/// Starts the registry on the current tokio runtime: EPP, RDAP and WHOIS bound and
/// answering, the TLD zones published into the store at once and after every change, the
/// clock ticking. Prints only what happens later (publications, lifecycle steps); the
/// caller says where it listens.
pub async fn serve_registry(config: &RegistryServeConfig, registry: Registry) -> anyhow::Result<Endpoints> {
    let (server_tls, cert_path) = match &config.certificate {
        EppCertificate::Files { chain, key } => {
            let chain_pem =
                std::fs::read_to_string(chain).with_context(|| format!("registry.certificate {}", chain.display()))?;
            let key_pem =
                std::fs::read_to_string(key).with_context(|| format!("registry.private_key {}", key.display()))?;
            let certs = tls::certificates_from_pem(&chain_pem)
                .map_err(|e| anyhow!("registry.certificate {}: {e}", chain.display()))?;
            let key_der = tls::private_key_from_pem(&key_pem)
                .map_err(|e| anyhow!("registry.private_key {}: {e}", key.display()))?;
            let server = tls::server_config(certs, key_der).map_err(|e| anyhow!("registry certificate: {e}"))?;
            (server, chain.clone())
        }
        EppCertificate::SelfSigned { write_to } => {
            let ip = config.epp.ip();
            let mut names = vec!["localhost".to_string()];
            if ip.is_unspecified() {
                names.extend(["127.0.0.1".to_string(), "::1".to_string()]);
            } else {
                names.insert(0, ip.to_string());
            }
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let cert = tls::self_signed(&names).map_err(|e| anyhow!("registry: self-signed certificate: {e}"))?;
            std::fs::write(write_to, &cert.cert_pem).with_context(|| format!("writing {}", write_to.display()))?;
            let server = tls::server_config(vec![cert.cert_der.clone()], cert.private_key())
                .map_err(|e| anyhow!("registry certificate: {e}"))?;
            (server, write_to.clone())
        }
    };
    let listener = tokio::net::TcpListener::bind(config.epp)
        .await
        .with_context(|| format!("registry.epp {}", config.epp))?;
    let addr = listener.local_addr().context("registry.epp")?;
    let clock = Clock::system();
    let check_options = CheckOptions {
        resolver: config.delegation_resolver,
        port: config.delegation_port,
        ..CheckOptions::default()
    };
    let mut handler =
        RegistryHandler::new(registry.clone(), clock.clone()).with_delegation_options(check_options.clone());
    if config.tlds.iter().any(|t| t.recheck_interval.is_some()) {
        // Looked at on every tick; each domain is checked when its TLD's interval has run out.
        tokio::spawn(run_rechecks(
            registry.clone(),
            clock.clone(),
            check_options,
            config.tick,
            |outcome| match outcome {
                Ok(r) if !r.checked.is_empty() => {
                    let lame = r.checked.iter().filter(|(_, n)| *n > 0).count();
                    println!(
                        "registry re-check: {} delegations checked, {lame} with findings",
                        r.checked.len()
                    );
                }
                Ok(_) => {}
                Err(e) => eprintln!("registry re-check: {e}"),
            },
        ));
    }
    if let Some(publishing) = &config.publish {
        let store = Store::open(&publishing.store)
            .await
            .map_err(|e| anyhow!("the zone store for the TLD zones: {e}"))?;
        // At once, before the authoritative server (started after the registry) looks for
        // the zone in the store.
        publish(&registry, &store, publishing, clock.now()).await?;
        let changed = Arc::new(tokio::sync::Notify::new());
        handler = handler.with_change_signal(changed.clone());
        let (registry, publishing, clock, every) = (registry.clone(), publishing.clone(), clock.clone(), config.tick);
        tokio::spawn(async move {
            loop {
                // After each change by EPP, and on the tick for what time changes.
                tokio::select! {
                    _ = changed.notified() => {}
                    _ = tokio::time::sleep(every) => {}
                }
                if let Err(e) = publish(&registry, &store, &publishing, clock.now()).await {
                    eprintln!("registry: {e:#}");
                }
            }
        });
    }
    let mut rdap_bound = None;
    if let Some(addr) = config.rdap {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("registry.rdap {addr}"))?;
        let bound = listener.local_addr().context("registry.rdap")?;
        let mut rdap = RdapConfig::new(format!("http://{bound}"));
        rdap.clock = clock.clone();
        rdap.port43 = config.whois.map(|w| w.ip().to_string());
        let registry = registry.clone();
        tokio::spawn(async move {
            if let Err(e) = banyan_registry::rdap::serve(listener, registry, rdap, std::future::pending()).await {
                eprintln!("rdap on {bound} stopped: {e}");
            }
        });
        rdap_bound = Some(bound);
    }
    let mut whois_bound = None;
    if let Some(addr) = config.whois {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("registry.whois {addr}"))?;
        let bound = listener.local_addr().context("registry.whois")?;
        let mut whois = WhoisConfig::new(bound.ip().to_string());
        whois.clock = clock.clone();
        let registry = registry.clone();
        tokio::spawn(async move {
            if let Err(e) = banyan_registry::whois::serve(listener, registry, whois, std::future::pending::<()>()).await
            {
                eprintln!("whois on {bound} stopped: {e}");
            }
        });
        whois_bound = Some(bound);
    }
    tokio::spawn(async move {
        if let Err(e) = run_epp(listener, server_tls, handler, Limits::default()).await {
            eprintln!("epp on {addr} stopped: {e}");
        }
    });
    tokio::spawn(run_ticks(registry, clock, config.tick, |outcome| match outcome {
        Ok(r) => {
            let steps = [
                ("transfers approved", r.transfers_approved.len()),
                ("auto-renewed", r.auto_renewed.len()),
                ("expired", r.expired.len()),
                ("pending delete", r.pending_delete.len()),
                ("purged", r.purged.len()),
            ];
            let done: Vec<String> = steps
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(what, n)| format!("{n} {what}"))
                .collect();
            if !done.is_empty() {
                println!("registry tick: {}", done.join(", "));
            }
        }
        Err(e) => eprintln!("registry tick: {e}"),
    }));
    // An absolute path, so that it can be given to `banyan registry --ca` from anywhere.
    let certificate = std::path::absolute(&cert_path).unwrap_or(cert_path);
    Ok(Endpoints {
        epp: addr,
        certificate,
        rdap: rdap_bound,
        whois: whois_bound,
    })
}

/// Publishes every configured TLD zone into the store, saying what changed.
async fn publish(registry: &Registry, store: &Store, publishing: &Publishing, now: i64) -> anyhow::Result<()> {
    for (tld, apex) in &publishing.zones {
        match registry
            .publish_tld(tld, apex, store, now)
            .await
            .map_err(|e| anyhow!("publishing {tld}: {e}"))?
        {
            Published::Unchanged => {}
            Published::Created(serial) | Published::Changed(serial) => {
                println!("zone {tld} published: serial {serial}");
                banyan_server::notify_in_background(tld, &publishing.notify);
            }
        }
    }
    Ok(())
}
