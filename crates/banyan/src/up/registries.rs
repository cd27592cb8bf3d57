//! The registries of `banyan up` (issue 9's "every TLD of the world has its registry"):
//! one registry per TLD given by `records`, each with its own database, EPP, RDAP and WHOIS
//! endpoints on an address of its own, and a demo registrar.
//!
//! At start the world's TLD zone (built and signed as [`super::world`] describes) is read
//! back into registry objects: every delegation becomes a registered domain with its name
//! servers and DS data, every name server a host (with its glue addresses when it lies in
//! the TLD), and what is left (SOA, NS, the addresses of the TLD's own servers) is the
//! apex the operator configures. From then on the TLD zone is what the registry publishes
//! into the zone store ([`banyan_registry::Registry::publish_tld`]): its first server
//! serves it from there (signed online when the world is signed) and NOTIFYs the others,
//! which are its secondaries. A name registered over EPP is in the zone at once.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail};
use banyan_registry::{
    ContactCreate, DelegationPolicy, DomainCreate, DomainUpdate, DsData, HostCreate, PostalInfo, PostalType,
    RegistrarId, Registry, TldPolicy,
};
use banyan_store::Store;
use banyan_wire::{Name, RData, Record, RecordType};
use banyan_zone::Zone;

use super::world::{World, WorldZone};
use crate::registry_serve::{EppCertificate, InitialRegistrar, Publishing, RegistryServeConfig};

/// The demo registrar every registry of the world accredits.
pub const DEMO_REGISTRAR: &str = "demo";

/// The contact the world's domains are registered to.
const DEMO_HOLDER: &str = "demo-holder";

/// The demo registrar's prepaid balance: enough for a lifetime of lab registrations at
/// the default fees.
const DEMO_BALANCE: i64 = 1_000_000_000;

/// Where the registries' addresses start: a block of 127.53.0.0/16 the default world
/// leaves free (its servers use 127.53.0-17.x).
const FIRST_REGISTRY_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 53, 200, 1);

/// The registry's clock ticks this often: grace periods are days long, so ten seconds is
/// plenty, and publications after EPP changes do not wait for it.
const TICK: Duration = Duration::from_secs(10);

/// A domain the registry holds for the world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedDomain {
    /// The domain (one label under the TLD).
    pub name: Name,
    /// Its name servers (empty for a domain registered only to hold hosts, like `nic.uk`).
    pub ns: Vec<Name>,
    /// Its DS data (RFC 5910), from the DS records the signed world put in the TLD zone.
    pub ds: Vec<DsData>,
}

/// What a TLD's registry is made to hold, read back from the world's TLD zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryPlan {
    /// The TLD.
    pub tld: Name,
    /// The TTL of the TLD zone's NS, DS and glue records.
    pub ttl: u32,
    /// The apex: the records not at or under a delegation (DNSSEC records left out: the
    /// server signs the published zone itself).
    pub apex: Vec<Record>,
    /// The domains, in canonical order.
    pub domains: Vec<PlannedDomain>,
    /// The hosts, with their addresses (only for hosts inside the TLD: glue).
    pub hosts: Vec<(Name, Vec<IpAddr>)>,
}

/// Types the signer makes (keys, signatures, denial, and the CDS/CDNSKEY it derives from
/// the keys): the published zone must not carry the static signing's copies, the server
/// signing it online makes them again.
fn is_dnssec(t: RecordType) -> bool {
    matches!(
        t,
        RecordType::RRSIG
            | RecordType::NSEC
            | RecordType::NSEC3
            | RecordType::NSEC3PARAM
            | RecordType::DNSKEY
            | RecordType::CDS
            | RecordType::CDNSKEY
    )
}

/// Splits the built zone of the TLD `w` into what its registry holds and its apex.
pub fn plan(w: &WorldZone, zone: &Zone) -> anyhow::Result<RegistryPlan> {
    let tld = &w.name;
    let cuts: BTreeSet<Name> = zone
        .records()
        .filter(|r| r.rtype() == RecordType::NS && &r.name != tld)
        .map(|r| r.name.to_lowercase())
        .collect();
    let mut apex = Vec::new();
    let mut domains: BTreeMap<Name, PlannedDomain> = BTreeMap::new();
    let mut addresses: BTreeMap<Name, BTreeSet<IpAddr>> = BTreeMap::new();
    for r in zone.records() {
        if is_dnssec(r.rtype()) {
            continue;
        }
        let owner = r.name.to_lowercase();
        if let RData::A(a) = &r.data {
            addresses.entry(owner.clone()).or_default().insert(IpAddr::V4(a.0));
        }
        if let RData::AAAA(a) = &r.data {
            addresses.entry(owner.clone()).or_default().insert(IpAddr::V6(a.0));
        }
        let Some(cut) = cuts.iter().find(|c| owner.is_subdomain_of(c)) else {
            apex.push(r.clone());
            continue;
        };
        if cut.label_count() != tld.label_count() + 1 {
            bail!(
                "zone {tld}: the delegation of {cut} is more than one label below it, which a registry cannot hold \
                 (give {tld} `registry = false` in the world file)"
            );
        }
        let domain = domains.entry(cut.clone()).or_insert_with(|| PlannedDomain {
            name: cut.clone(),
            ns: Vec::new(),
            ds: Vec::new(),
        });
        match &r.data {
            RData::NS(host) if &owner == cut => domain.ns.push(host.to_lowercase()),
            RData::DS(ds) if &owner == cut => domain.ds.push(DsData {
                key_tag: ds.key_tag,
                alg: ds.algorithm,
                digest_type: ds.digest_type,
                digest: ds.digest.clone(),
            }),
            // Glue, already collected above; anything else under a cut is occluded.
            _ => {}
        }
    }
    let hosts: BTreeSet<Name> = domains.values().flat_map(|d| d.ns.iter().cloned()).collect();
    let mut planned_hosts = Vec::with_capacity(hosts.len());
    for host in hosts {
        if !host.is_subdomain_of(tld) {
            planned_hosts.push((host, Vec::new()));
            continue;
        }
        // A host in the TLD needs its superordinate domain registered (RFC 5732 §1.1):
        // `nic.uk` for `nsa.nic.uk`, held without name servers when the world has no zone
        // for it (its servers' addresses are then the TLD's own data).
        if &host == tld {
            bail!("zone {tld}: a delegation names the TLD itself as its name server");
        }
        let superordinate = host.suffix(tld.label_count() + 1);
        domains.entry(superordinate.clone()).or_insert_with(|| PlannedDomain {
            name: superordinate,
            ns: Vec::new(),
            ds: Vec::new(),
        });
        let addrs = addresses
            .get(&host)
            .map(|a| a.iter().copied().collect())
            .unwrap_or_default();
        planned_hosts.push((host, addrs));
    }
    Ok(RegistryPlan {
        tld: tld.clone(),
        ttl: w.ttl,
        apex,
        domains: domains.into_values().collect(),
        hosts: planned_hosts,
    })
}

/// Registers what `plan` holds in `registry`, as the demo registrar `by` at `now`: the
/// contact, every domain (first without name servers, since their hosts may need them as
/// superordinate domains), every host, then each domain's name servers.
pub async fn seed(registry: &Registry, by: &RegistrarId, plan: &RegistryPlan, now: i64) -> anyhow::Result<()> {
    let e = |what: String| move |err: banyan_registry::RegistryError| anyhow!("registry {}: {what}: {err}", plan.tld);
    registry
        .create_contact(
            by,
            &ContactCreate {
                id: DEMO_HOLDER.to_string(),
                postal: vec![PostalInfo {
                    kind: PostalType::Int,
                    name: "Demo Holder".to_string(),
                    org: Some("Banyan's miniature internet".to_string()),
                    street: vec!["1 Loopback Lane".to_string()],
                    city: "Localhost".to_string(),
                    sp: None,
                    pc: None,
                    cc: "ZZ".to_string(),
                }],
                voice: None,
                fax: None,
                email: "holder@example.com".to_string(),
                auth_info: crate::registry_cmd::random_auth_info(),
                disclose: None,
            },
            now,
        )
        .await
        .map_err(e(format!("contact {DEMO_HOLDER}")))?;
    for d in &plan.domains {
        let create = DomainCreate {
            name: d.name.clone(),
            period_years: 1,
            registrant: Some(DEMO_HOLDER.to_string()),
            contacts: Vec::new(),
            ns: Vec::new(),
            auth_info: crate::registry_cmd::random_auth_info(),
            ds: d.ds.clone(),
            max_sig_life: None,
        };
        registry
            .create_domain(by, &create, now)
            .await
            .map_err(e(format!("domain {}", d.name)))?;
    }
    for (name, addrs) in &plan.hosts {
        let create = HostCreate {
            name: name.clone(),
            addrs: addrs.clone(),
        };
        registry
            .create_host(by, &create, now)
            .await
            .map_err(e(format!("host {name}")))?;
    }
    for d in plan.domains.iter().filter(|d| !d.ns.is_empty()) {
        let update = DomainUpdate {
            add_ns: d.ns.clone(),
            ..DomainUpdate::default()
        };
        registry
            .update_domain(by, &d.name, &update, now)
            .await
            .map_err(e(format!("name servers of {}", d.name)))?;
    }
    Ok(())
}

/// One TLD's registry in the world, before it starts.
#[derive(Clone, Debug)]
pub struct WorldRegistry {
    /// What it holds.
    pub plan: RegistryPlan,
    /// Its address (EPP, RDAP and WHOIS all listen there).
    pub address: Ipv4Addr,
    /// The store its TLD zone is published into: its primary server's.
    pub store: String,
    /// How it is run.
    pub config: RegistryServeConfig,
}

/// The registries of `world`: one per TLD with `registry`, each given the next free address
/// from 127.53.200.1, its database and certificate under `run_dir`, and the store of its
/// TLD's first server (`store_of`).
pub fn plan_all(
    world: &World,
    zones: &[Zone],
    run_dir: &Path,
    demo_password: &str,
    store_of: &dyn Fn(&Name) -> Option<String>,
) -> anyhow::Result<Vec<WorldRegistry>> {
    let used: BTreeSet<Ipv4Addr> = world.servers.iter().map(|s| s.address).collect();
    let mut next = u32::from(FIRST_REGISTRY_ADDRESS);
    let mut out = Vec::new();
    for (w, zone) in world.zones.iter().zip(zones).filter(|(w, _)| w.registry) {
        while used.contains(&Ipv4Addr::from(next)) {
            next += 1;
        }
        let address = Ipv4Addr::from(next);
        next += 1;
        let plan = plan(w, zone)?;
        let stem = w.name.to_string().trim_end_matches('.').to_string();
        let store = store_of(&w.name).ok_or_else(|| anyhow!("zone {}: no server serves it", w.name))?;
        let mut policy = TldPolicy::new(w.name.clone());
        policy.ttl = w.ttl;
        // The lab's point: a registry that looks before it publishes, and says what it saw.
        policy.delegation_checks = DelegationPolicy::Warn;
        let at = |port: u16| SocketAddr::new(IpAddr::V4(address), port);
        let config = RegistryServeConfig {
            tlds: vec![policy],
            epp: at(0),
            database: banyan_store::sql::sqlite_url_in(&run_dir.join("registry"), &format!("{stem}.db")).map_err(
                |e| {
                    anyhow!(
                        "zone {}: the registry's database under {}: {e}",
                        w.name,
                        run_dir.display()
                    )
                },
            )?,
            certificate: EppCertificate::SelfSigned {
                write_to: run_dir.join("registry").join(format!("{stem}-epp.pem")),
            },
            registrars: vec![InitialRegistrar {
                id: DEMO_REGISTRAR.to_string(),
                name: "Banyan demo registrar".to_string(),
                password: demo_password.to_string(),
                balance: DEMO_BALANCE,
                tlds: vec![w.name.clone()],
            }],
            tick: TICK,
            rdap: Some(at(0)),
            whois: Some(at(0)),
            publish: Some(Publishing {
                store: store.clone(),
                zones: vec![(w.name.clone(), plan.apex.clone())],
                // Its primary's address, once the world's port is known (`set_ports`).
                notify: Vec::new(),
            }),
            delegation_resolver: None,
            delegation_port: 53,
        };
        out.push(WorldRegistry {
            plan,
            address,
            store,
            config,
        });
    }
    Ok(out)
}

/// The ports a registry listens on: EPP's, RDAP's (HTTP) and WHOIS's well-known ones when
/// the world runs on port 53 (so as root), else ones the system picks. Its delegation checks
/// ask the world's servers on `dns_port` and the world's resolver; its publications are
/// NOTIFYed to the TLD's primary at `primary` on that port.
pub fn set_ports(r: &mut WorldRegistry, dns_port: u16, resolver: SocketAddr, primary: Option<Ipv4Addr>) {
    if let Some(p) = r.config.publish.as_mut() {
        p.notify = primary
            .map(|a| SocketAddr::new(IpAddr::V4(a), dns_port))
            .into_iter()
            .collect();
    }
    let (epp, rdap, whois) = if dns_port == 53 { (700, 80, 43) } else { (0, 0, 0) };
    r.config.delegation_port = dns_port;
    let at = |port: u16| SocketAddr::new(IpAddr::V4(r.address), port);
    r.config.epp = at(epp);
    r.config.rdap = Some(at(rdap));
    r.config.whois = Some(at(whois));
    r.config.delegation_resolver = Some(resolver);
}

/// Opens each registry's database, registers the world's domains in it and publishes its
/// TLD zone into the store, before any server starts (a managed zone must be in the store
/// when its server starts). The registries are prepared side by side (most of the time is
/// spent waiting for SQLite's syncs); they are returned in `registries`' order.
pub async fn prepare(registries: &[WorldRegistry], now: i64) -> anyhow::Result<Vec<Registry>> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, r) in registries.iter().enumerate() {
        let r = r.clone();
        tasks.spawn(async move { prepare_one(&r, now).await.map(|registry| (i, registry)) });
    }
    let mut out: Vec<Option<Registry>> = vec![None; registries.len()];
    while let Some(done) = tasks.join_next().await {
        let (i, registry) = done.map_err(|e| anyhow!("preparing a registry: {e}"))??;
        out[i] = Some(registry);
    }
    Ok(out.into_iter().flatten().collect())
}

async fn prepare_one(r: &WorldRegistry, now: i64) -> anyhow::Result<Registry> {
    let (registry, _) = crate::registry_serve::open_registry(&r.config).await?;
    let demo = registry
        .login(DEMO_REGISTRAR, &r.config.registrars[0].password)
        .await
        .map_err(|e| anyhow!("registry {}: demo registrar: {e}", r.plan.tld))?;
    seed(&registry, &demo, &r.plan, now).await?;
    let store = Store::open(&r.store)
        .await
        .map_err(|e| anyhow!("registry {}: the zone store: {e}", r.plan.tld))?;
    registry
        .publish_tld(&r.plan.tld, &r.plan.apex, &store, now)
        .await
        .map_err(|e| anyhow!("registry {}: publishing: {e}", r.plan.tld))?;
    Ok(registry)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TLD zone a registry publishes equals the one the signed world builds (less the
    /// DNSSEC records the server makes again), DS records included, so handing com to its
    /// registry changes no answer.
    #[test]
    fn registry_publishes_the_world_tld_zones() -> anyhow::Result<()> {
        let world = World::default_world()?;
        let mut zones = world.build_zones()?;
        let dir = tempfile::tempdir()?;
        let mut views = world.views.clone();
        super::super::signing::sign_world(&world, &mut zones, &mut views, &dir.path().join("keys"), 1_790_000_000)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let registries = plan_all(&world, &zones, dir.path(), "demo-password-1", &|tld| {
            let stem = tld.to_string().trim_end_matches('.').to_string();
            banyan_store::sql::sqlite_url_in(&dir.path().join("stores"), &format!("{stem}.db")).ok()
        })?;
        let names: Vec<String> = registries.iter().map(|r| r.plan.tld.to_string()).collect();
        assert_eq!(names, ["com.", "net.", "org.", "dev.", "garden.", "uk."]);
        let now = 1_790_000_000;
        runtime.block_on(prepare(&registries, now))?;
        for r in &registries {
            let i = world
                .zones
                .iter()
                .position(|z| z.name == r.plan.tld)
                .ok_or_else(|| anyhow!("zone"))?;
            let store = runtime.block_on(Store::open(&r.store))?;
            let stored = runtime
                .block_on(store.load(&r.plan.tld))?
                .ok_or_else(|| anyhow!("{} not published", r.plan.tld))?;
            let text = |records: &mut dyn Iterator<Item = Record>| -> BTreeSet<String> {
                records
                    .filter(|r| r.rtype() != RecordType::SOA && !is_dnssec(r.rtype()))
                    .map(|r| r.to_string())
                    .collect()
            };
            let built = text(&mut zones[i].records());
            let published = text(&mut stored.records.into_iter());
            assert_eq!(built, published, "zone {}", r.plan.tld);
            // Every delegation of a signed child carries its DS through the registry.
            let delegated = r.plan.domains.iter().filter(|d| !d.ns.is_empty()).count();
            let with_ds = r.plan.domains.iter().filter(|d| !d.ds.is_empty()).count();
            assert_eq!(delegated, with_ds, "zone {}", r.plan.tld);
        }
        // Registered as the world says: example.com glueless, with ns1/ns2.exampledns.com.
        let com = &registries[0].plan;
        let example = com
            .domains
            .iter()
            .find(|d| d.name.to_string() == "example.com.")
            .ok_or_else(|| anyhow!("example.com"))?;
        assert_eq!(example.ns.len(), 2);
        let ns1 = com
            .hosts
            .iter()
            .find(|(h, _)| h.to_string() == "ns1.exampledns.com.")
            .ok_or_else(|| anyhow!("host"))?;
        assert!(ns1.1.is_empty(), "glueless: no address for ns1.exampledns.com");
        // uk holds co.uk, and nic.uk only for its hosts (nsa/nsb.nic.uk).
        let uk = &registries[5].plan;
        let nic = uk
            .domains
            .iter()
            .find(|d| d.name.to_string() == "nic.uk.")
            .ok_or_else(|| anyhow!("nic.uk"))?;
        assert!(nic.ns.is_empty());
        Ok(())
    }

    #[test]
    fn registry_addresses_skip_the_world_servers() -> anyhow::Result<()> {
        let text = "[[server]]\nname = \"a.root.\"\naddress = \"127.53.200.1\"\nzones = [\".\", \"test.\"]\n\
                    [[zone]]\nname = \".\"\nrecords = []\n\
                    [[zone]]\nname = \"test.\"\nrecords = []\n";
        let world = World::parse(text, "w.toml", Path::new("."))?;
        let zones = world.build_zones()?;
        let dir = tempfile::tempdir()?;
        let registries = plan_all(&world, &zones, dir.path(), "demo-password-1", &|_| {
            Some("sqlite::memory:".to_string())
        })?;
        assert_eq!(registries.len(), 1);
        assert_eq!(registries[0].address, Ipv4Addr::new(127, 53, 200, 2));
        Ok(())
    }

    #[test]
    fn deep_delegations_need_registry_false() -> anyhow::Result<()> {
        let text =
            "[[server]]\nname = \"a.root.\"\naddress = \"127.53.0.1\"\nzones = [\".\", \"test.\", \"a.b.test.\"]\n\
                    [[zone]]\nname = \".\"\nrecords = []\n\
                    [[zone]]\nname = \"test.\"\nrecords = []\n\
                    [[zone]]\nname = \"a.b.test.\"\nrecords = []\n";
        let world = World::parse(text, "w.toml", Path::new("."))?;
        let zones = world.build_zones()?;
        let dir = tempfile::tempdir()?;
        let err = plan_all(&world, &zones, dir.path(), "demo-password-1", &|_| {
            Some("sqlite::memory:".to_string())
        })
        .expect_err("a.b.test. cannot be a registered domain")
        .to_string();
        assert!(err.contains("registry = false"), "{err}");
        let world = World::parse(
            &text.replace("name = \"test.\"\n", "name = \"test.\"\nregistry = false\n"),
            "w.toml",
            Path::new("."),
        )?;
        let zones = world.build_zones()?;
        let none = plan_all(&world, &zones, dir.path(), "demo-password-1", &|_| None)?;
        assert!(none.is_empty());
        Ok(())
    }
}
