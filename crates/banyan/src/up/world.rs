//! The world of `banyan up`: a TOML file naming zones and the servers that serve them, and
//! the zones it implies.
//!
//! ```toml
//! [[server]]                      # one authoritative server
//! name = "a.root-servers.net."    # its host name (the NS target that names it)
//! address = "127.53.0.1"          # its own address in 127.53.0.0/16
//! zones = ["."]                   # the zones it serves
//!
//! [[zone]]
//! name = "example.com."
//! records = ["www 300 IN A 192.0.2.1", "@ MX 10 mail"]   # names relative to the zone
//! # or: file = "example.com.zone"                         # relative to the world file
//! ttl = 300                       # for records without one and generated ones (default 300)
//! ns = ["ns1.exampledns.com."]    # NS set (default: the servers listing the zone)
//! ```
//!
//! ```toml
//! [[view]]                        # other answers for some clients (see `banyan serve` views)
//! name = "lab-99"
//! subnets = ["127.0.99.0/24"]     # by source address, or by the ECS option a query carries
//! records = ["cdn.example.com. 300 IN A 93.184.216.99"]   # owners fully qualified
//! ```
//!
//! A server with `hosted = true` is one of the registrar's hosted name servers: besides its
//! zones it serves every zone the dashboard creates (see `up::dashboard`).
//!
//! For a zone given by `records`, `up` adds what is missing the way a zone operator and a
//! registry would: the SOA, the apex NS set, address records for the world's servers named
//! inside the zone, and for every child zone in the world the delegation (NS) with its glue.
//! A zone given by `file` is served exactly as the file says (so that reloading it reads
//! back the same thing); its delegations to children are the file's to hold.
//!
//! Glue follows what the real registries do: the parent holds an address for each NS name
//! inside the parent zone (the root holds every TLD server's address; com holds
//! ns1.github.com's). An explicit `ns` list opts out of that for names outside the child,
//! which makes a glueless delegation (example.com → ns1.exampledns.com): only required glue
//! (RFC 9471: names inside the child) is kept.
//!
//! `dnssec` (top level, default true; `false` per zone): the world is signed from the root
//! down, with the trust anchor handed to the resolver.
//!
//! `registry` (per zone, default true): a TLD given by `records` gets a registry (EPP, RDAP,
//! WHOIS, see `up::registries`) holding its children as registered domains, and its zone is
//! the one the registry publishes; `registry = false` keeps it a plain generated zone. The
//! top-level `registry` key is reserved for the dashboard (not implemented yet).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use banyan_wire::{Class, Name, RecordType};
use banyan_zone::{check_zone, parse_str, ParseOptions, Severity, Zone, ZoneBuilder};
use serde::Deserialize;

/// The world `up` starts when no `--world` is given.
pub const DEFAULT_WORLD: &str = include_str!("default_world.toml");

/// TTL of records without one, and of generated ones, unless the zone says `ttl`: five
/// minutes, so that an edit shows through a resolver's cache soon.
const DEFAULT_TTL: u32 = 300;

/// The loopback block the world's servers live in, kept apart from 127.0.0.1 and the rest of
/// 127/8 so a world never collides with services already on the machine.
const WORLD_NET: (Ipv4Addr, u8) = (Ipv4Addr::new(127, 53, 0, 0), 16);

/// The TTL of the root hints, as IANA's `named.root` has it.
const HINTS_TTL: u32 = 3_600_000;

/// The world file as written. Unknown keys are errors.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct WorldFile {
    #[serde(default)]
    server: Vec<ServerEntry>,
    #[serde(default)]
    zone: Vec<ZoneEntry>,
    /// Sign the world from the root down (default true).
    dnssec: Option<bool>,
    /// Reserved: the dashboard (not implemented yet).
    registry: Option<toml::Value>,
    /// Views of the authoritative servers (default none).
    #[serde(default)]
    view: Vec<ViewEntry>,
}

/// `[[view]]`: clients (by source address, or by the EDNS Client Subnet option a resolver
/// or `banyan query +subnet` sends) that get other records for some names.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ViewEntry {
    name: String,
    subnets: Vec<String>,
    records: Vec<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ServerEntry {
    name: String,
    address: Ipv4Addr,
    zones: Vec<String>,
    /// Also serves the zones the dashboard hosts (default false).
    hosted: Option<bool>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ZoneEntry {
    name: String,
    records: Option<Vec<String>>,
    file: Option<PathBuf>,
    ttl: Option<u32>,
    ns: Option<Vec<String>>,
    /// `false` leaves this zone unsigned (an insecure delegation) in a signed world.
    dnssec: Option<bool>,
    /// `false`: a TLD without a registry (default: a TLD given by `records` has one).
    registry: Option<bool>,
}

/// One authoritative server of the world.
#[derive(Clone, Debug)]
pub struct WorldServer {
    /// Its host name.
    pub name: Name,
    /// Its address (in 127.53.0.0/16).
    pub address: Ipv4Addr,
    /// The zones it serves, in the file's order.
    pub zones: Vec<Name>,
    /// One of the dashboard's hosted name servers: it also serves every zone the dashboard
    /// keeps in the hosting store.
    pub hosted: bool,
}

/// Where a zone's data comes from.
#[derive(Clone, Debug)]
pub enum ZoneContent {
    /// Records written in the world file, completed by `up`.
    Records(Vec<String>),
    /// A master file (resolved against the world file's directory), served as written.
    File(PathBuf),
}

/// One zone of the world.
#[derive(Clone, Debug)]
pub struct WorldZone {
    /// Its origin.
    pub name: Name,
    /// Its data.
    pub content: ZoneContent,
    /// TTL of records without one and of generated records.
    pub ttl: u32,
    /// Its NS set: `ns`, or the servers listing the zone.
    pub ns: Vec<Name>,
    /// True when `ns` was given (a glueless delegation where the names are outside the zone).
    pub explicit_ns: bool,
    /// Signed (in a signed world; zones from files are served as written, so never).
    pub signed: bool,
    /// Published by a registry of its own: a TLD (child of the root) given by `records`,
    /// unless the world says `registry = false`.
    pub registry: bool,
}

/// A checked world.
#[derive(Clone, Debug)]
pub struct World {
    /// What to call it in messages: the file's path, or "default world".
    pub label: String,
    /// The servers, in the file's order.
    pub servers: Vec<WorldServer>,
    /// The zones, in the file's order.
    pub zones: Vec<WorldZone>,
    /// The world is signed from the root down and its resolver validates.
    pub dnssec: bool,
    /// Views every server answers with (`[[view]]`), in order; their records' owners lie
    /// in the world's zones. Signed with the zones' keys in a signed world.
    pub views: Vec<banyan_auth::View>,
}

fn name(text: &str, what: &str) -> anyhow::Result<Name> {
    if !text.ends_with('.') {
        bail!("{what} {text:?}: write the name fully qualified, with its final dot");
    }
    Name::parse(text, None).map_err(|e| anyhow!("{what} {text:?}: {e}"))
}

fn in_world_net(a: Ipv4Addr) -> bool {
    let (net, len) = WORLD_NET;
    u32::from(a) >> (32 - len) == u32::from(net) >> (32 - len)
}

impl World {
    /// Reads and checks a world. `label` names it in errors; `base` is the directory that
    /// `file = …` paths are relative to.
    pub fn parse(text: &str, label: &str, base: &Path) -> anyhow::Result<World> {
        let file: WorldFile = toml::from_str(text).map_err(|e| anyhow!("{label}: {e}"))?;
        let e = |msg: String| anyhow!("{label}: {msg}");
        let dnssec = file.dnssec.unwrap_or(true);
        if file.registry.is_some() {
            return Err(e("registry: not implemented yet".into()));
        }
        let mut servers: Vec<WorldServer> = Vec::with_capacity(file.server.len());
        for s in &file.server {
            let sname = name(&s.name, "server").map_err(|x| e(x.to_string()))?;
            if !in_world_net(s.address) {
                return Err(e(format!(
                    "server {sname}: address {} is outside 127.53.0.0/16, where world servers live",
                    s.address
                )));
            }
            if let Some(other) = servers.iter().find(|o| o.name == sname || o.address == s.address) {
                return Err(e(format!(
                    "server {sname}: name or address also used by {}",
                    other.name
                )));
            }
            let zones = s
                .zones
                .iter()
                .map(|z| name(z, &format!("server {sname}: zone")))
                .collect::<anyhow::Result<Vec<_>>>()
                .map_err(|x| e(x.to_string()))?;
            servers.push(WorldServer {
                name: sname,
                address: s.address,
                zones,
                hosted: s.hosted.unwrap_or(false),
            });
        }
        let mut zones: Vec<WorldZone> = Vec::with_capacity(file.zone.len());
        for z in &file.zone {
            let zname = name(&z.name, "zone").map_err(|x| e(x.to_string()))?;
            let what = |msg: &str| e(format!("zone {zname}: {msg}"));
            if zones.iter().any(|o| o.name == zname) {
                return Err(what("listed twice"));
            }
            let content = match (&z.records, &z.file) {
                (Some(r), None) => ZoneContent::Records(r.clone()),
                (None, Some(f)) => ZoneContent::File(base.join(f)),
                _ => return Err(what("give either `records` or `file`")),
            };
            let listing: Vec<&WorldServer> = servers.iter().filter(|s| s.zones.contains(&zname)).collect();
            if listing.is_empty() {
                return Err(what("no server lists it in its `zones`"));
            }
            let (ns, explicit_ns) = match &z.ns {
                Some(list) => {
                    let mut ns = Vec::with_capacity(list.len());
                    for n in list {
                        let n = name(n, "ns").map_err(|x| what(&x.to_string()))?;
                        // An NS name that is not a server serving the zone would be lame.
                        if !listing.iter().any(|s| s.name == n) {
                            return Err(what(&format!("ns {n} is not a server listing this zone")));
                        }
                        ns.push(n);
                    }
                    if ns.is_empty() {
                        return Err(what("`ns` is empty"));
                    }
                    (ns, true)
                }
                None => (listing.iter().map(|s| s.name.clone()).collect(), false),
            };
            let generated = matches!(content, ZoneContent::Records(_));
            let signed = dnssec && z.dnssec.unwrap_or(true) && generated;
            let tld = zname.label_count() == 1;
            if z.registry == Some(true) && !(tld && generated) {
                return Err(what(
                    "registry = true: only a TLD given by `records` can have a registry",
                ));
            }
            let registry = tld && generated && z.registry.unwrap_or(true);
            zones.push(WorldZone {
                name: zname,
                signed,
                registry,
                content,
                ttl: z.ttl.unwrap_or(DEFAULT_TTL),
                ns,
                explicit_ns,
            });
        }
        for s in &servers {
            if let Some(z) = s.zones.iter().find(|z| !zones.iter().any(|w| &w.name == *z)) {
                return Err(e(format!("server {}: zone {z} has no [[zone]] entry", s.name)));
            }
        }
        if !zones.iter().any(|z| z.name.is_root()) {
            return Err(e("no root zone (\".\"): resolution has nowhere to start".into()));
        }
        let mut views = Vec::with_capacity(file.view.len());
        for v in &file.view {
            let what = |msg: String| e(format!("view {:?}: {msg}", v.name));
            let subnets = v
                .subnets
                .iter()
                .map(|c| {
                    c.parse::<banyan_auth::Cidr>()
                        .map(|c| (c, None))
                        .map_err(|x| what(x.to_string()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut records = Vec::with_capacity(v.records.len());
            for text in &v.records {
                let r = banyan_wire::Record::from_text(text, None, Some(DEFAULT_TTL))
                    .map_err(|x| what(format!("{text:?}: {x} (write owners fully qualified)")))?;
                let zone = zones
                    .iter()
                    .filter(|z| r.name.is_subdomain_of(&z.name))
                    .max_by_key(|z| z.name.label_count());
                if zone.is_none_or(|z| z.name.is_root()) {
                    return Err(what(format!("{}: in no zone of the world but the root", r.name)));
                }
                records.push(r);
            }
            views.push(banyan_auth::View::new(v.name.clone(), subnets, records).map_err(|x| what(x.to_string()))?);
        }
        Ok(World {
            label: label.to_string(),
            servers,
            zones,
            dnssec,
            views,
        })
    }

    /// The embedded default world.
    pub fn default_world() -> anyhow::Result<World> {
        World::parse(DEFAULT_WORLD, "default world", Path::new("."))
    }

    /// The closest enclosing zone of `zone` in the world (None for the root).
    pub fn parent(&self, zone: &Name) -> Option<&WorldZone> {
        self.zones
            .iter()
            .filter(|z| &z.name != zone && zone.is_subdomain_of(&z.name))
            .max_by_key(|z| z.name.label_count())
    }

    /// The zone that is authoritative for `name`: the deepest world zone containing it.
    pub fn authority(&self, name: &Name) -> Option<&WorldZone> {
        self.zones
            .iter()
            .filter(|z| name.is_subdomain_of(&z.name))
            .max_by_key(|z| z.name.label_count())
    }

    /// The primary of `zone`: the first server listing it. For a registry's TLD it serves
    /// the zone from the store the registry publishes into; the others are its secondaries.
    pub fn primary_of(&self, zone: &Name) -> Option<usize> {
        self.servers.iter().position(|s| s.zones.contains(zone))
    }

    /// The address of the server named `name`.
    pub fn address(&self, name: &Name) -> Option<Ipv4Addr> {
        self.servers.iter().find(|s| &s.name == name).map(|s| s.address)
    }

    /// The root zone's servers with their addresses: the root hints the world implies.
    pub fn root_hints(&self) -> Vec<(Name, Ipv4Addr)> {
        let root = self.zones.iter().find(|z| z.name.is_root());
        root.map(|z| {
            z.ns.iter()
                .filter_map(|n| Some((n.clone(), self.address(n)?)))
                .collect()
        })
        .unwrap_or_default()
    }

    /// The root hints as an RFC 1035 master file (what `--root-hints` reads).
    pub fn root_hints_text(&self) -> String {
        let mut text = format!("; Root hints of {}: the servers of its root zone.\n", self.label);
        for (n, _) in self.root_hints() {
            let _ = writeln!(text, ".\t{HINTS_TTL}\tIN\tNS\t{n}");
        }
        for (n, a) in self.root_hints() {
            let _ = writeln!(text, "{n}\t{HINTS_TTL}\tIN\tA\t{a}");
        }
        text
    }

    /// Builds every zone: a `file` zone loaded and checked, a `records` zone completed as
    /// described in the module docs and checked. Errors name the world file and the zone, or
    /// the zone file with line and column.
    pub fn build_zones(&self) -> anyhow::Result<Vec<Zone>> {
        self.zones
            .iter()
            .map(|z| match &z.content {
                ZoneContent::File(path) => banyan_zone::load_zone(path, Some(&z.name))
                    .map_err(|errors| anyhow!("{}: zone {}: {}", self.label, z.name, errors.join("; "))),
                ZoneContent::Records(records) => self.build_records_zone(z, records),
            })
            .collect()
    }

    fn build_records_zone(&self, z: &WorldZone, records: &[String]) -> anyhow::Result<Zone> {
        let opts = ParseOptions {
            origin: Some(z.name.clone()),
            default_ttl: Some(z.ttl),
            allow_include: false,
            ..ParseOptions::default()
        };
        // One record per line, so an error's line number is the record's place in the list.
        let place = PathBuf::from(format!("{} [zone {}] records", self.label, z.name));
        let mut given = Vec::new();
        let report = parse_str(&records.join("\n"), &place, &opts, &mut |r| given.push(r));
        if !report.is_ok() {
            let errors: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
            bail!("{}", errors.join("; "));
        }
        let has: HashSet<(Name, RecordType)> = given.iter().map(|r| (r.name.to_lowercase(), r.rtype())).collect();
        let missing = |n: &Name, t: RecordType| !has.contains(&(n.to_lowercase(), t));
        let generated = self.generated_records(z, &missing);
        let mut parsed = Vec::new();
        let report = parse_str(&generated, Path::new("<generated>"), &opts, &mut |r| parsed.push(r));
        if !report.is_ok() {
            // Not reached for names that parsed above; kept as an error rather than a panic.
            let errors: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
            bail!("zone {}: generated records: {}", z.name, errors.join("; "));
        }
        let mut builder = ZoneBuilder::new(z.name.clone(), Class::IN, given.len() + parsed.len());
        for r in given.iter().chain(&parsed) {
            builder
                .add(r)
                .map_err(|e| anyhow!("{}: zone {}: {}: {e}", self.label, z.name, r.name))?;
        }
        let (zone, _notes) = builder.finish();
        let errors: Vec<String> = check_zone(&zone)
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.to_string())
            .collect();
        if !errors.is_empty() {
            bail!("{}: zone {}: {}", self.label, z.name, errors.join("; "));
        }
        Ok(zone)
    }

    /// The records `up` adds to the `records` zone `z`, as master-file text (absolute names).
    /// `missing(name, type)` is true when the world file did not give that RRset itself.
    fn generated_records(&self, z: &WorldZone, missing: &dyn Fn(&Name, RecordType) -> bool) -> String {
        let (apex, ttl) = (&z.name, z.ttl);
        let mut text = String::new();
        if missing(apex, RecordType::SOA) {
            let primary = z.ns.first().cloned().unwrap_or_else(Name::root);
            let rname = if apex.is_root() {
                "hostmaster.".to_string()
            } else {
                format!("hostmaster.{apex}")
            };
            // Serial 1; refresh, retry, expire as RFC 1912 suggests. Negative answers are
            // cached for the SOA's TTL or MINIMUM, whichever is less (RFC 2308 §5): at most
            // five minutes, so a name registered after a resolver was told it does not
            // exist resolves soon (real TLDs use 15 minutes to a day).
            let negative = ttl.min(DEFAULT_TTL);
            let _ = writeln!(
                text,
                "{apex} {negative} IN SOA {primary} {rname} 1 7200 3600 1209600 {negative}"
            );
        }
        if missing(apex, RecordType::NS) {
            for n in &z.ns {
                let _ = writeln!(text, "{apex} {ttl} IN NS {n}");
            }
        }
        // Address records: for servers this zone is the authority for, for its own NS names
        // inside it (the root's a.root-servers.net.), and glue for its children.
        let mut addressed: HashSet<Name> = HashSet::new();
        let mut address = |n: &Name, text: &mut String| {
            if let Some(a) = self.address(n) {
                if missing(n, RecordType::A) && addressed.insert(n.to_lowercase()) {
                    let _ = writeln!(text, "{n} {ttl} IN A {a}");
                }
            }
        };
        for s in &self.servers {
            if self.authority(&s.name).is_some_and(|w| &w.name == apex) {
                address(&s.name, &mut text);
            }
        }
        for n in z.ns.iter().filter(|n| n.is_subdomain_of(apex)) {
            address(n, &mut text);
        }
        for child in self
            .zones
            .iter()
            .filter(|c| self.parent(&c.name).is_some_and(|p| &p.name == apex))
        {
            if missing(&child.name, RecordType::NS) {
                for n in &child.ns {
                    let _ = writeln!(text, "{} {ttl} IN NS {n}", child.name);
                }
            }
            for n in &child.ns {
                let required = n.is_subdomain_of(&child.name);
                if required || (!child.explicit_ns && n.is_subdomain_of(apex)) {
                    address(n, &mut text);
                }
            }
        }
        text
    }

    /// Names of world zones given by `file` whose children the file does not delegate: the
    /// world is then cut off below them (a warning for the map, not an error).
    pub fn undelegated_children(&self, zones: &[Zone]) -> Vec<(Name, Name)> {
        let mut out = Vec::new();
        for (w, zone) in self.zones.iter().zip(zones) {
            if !matches!(w.content, ZoneContent::File(_)) {
                continue;
            }
            for child in self
                .zones
                .iter()
                .filter(|c| self.parent(&c.name).is_some_and(|p| p.name == w.name))
            {
                let delegated = zone
                    .node(&child.name)
                    .is_some_and(|n| n.rrset(RecordType::NS).is_some());
                if !delegated {
                    out.push((w.name.clone(), child.name.clone()));
                }
            }
        }
        out
    }
}

/// Reads a world file from disk.
pub fn load(path: &Path) -> anyhow::Result<World> {
    let text = std::fs::read_to_string(path).with_context(|| format!("--world {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    World::parse(&text, &path.display().to_string(), base)
}

/// A zone's records as a master file that reads back to the same zone (`banyan zone print`'s
/// form: fully qualified, SOA first).
pub fn zone_file_text(zone: &Zone) -> String {
    let mut text = format!("; zone {} as `banyan up` generated it\n", zone.origin());
    for r in zone.records() {
        let _ = writeln!(text, "{r}");
    }
    text
}

/// Only records of `zone` with this owner and type (tests and the map).
#[cfg(test)]
fn rdata(zone: &Zone, owner: &str, rtype: RecordType) -> Vec<String> {
    let owner = Name::parse(owner, None).expect("name");
    zone.records()
        .filter(|r: &banyan_wire::Record| r.name == owner && r.rtype() == rtype)
        .map(|r| r.data.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone<'a>(world: &World, zones: &'a [Zone], origin: &str) -> &'a Zone {
        let n = Name::parse(origin, None).expect("name");
        let i = world.zones.iter().position(|z| z.name == n).expect("zone in world");
        &zones[i]
    }

    #[test]
    fn default_world_builds() {
        let world = World::default_world().expect("default world parses");
        assert_eq!(world.zones.len(), 17);
        let zones = world.build_zones().expect("default world builds");
        let com = zone(&world, &zones, "com.");
        // Glueless: example.com's NS names live in exampledns.com, whose own delegation is
        // to ns.exampledns.com; com holds no address for ns1 and ns2.
        assert_eq!(
            rdata(com, "example.com.", RecordType::NS),
            ["ns1.exampledns.com.", "ns2.exampledns.com."]
        );
        assert!(rdata(com, "ns1.exampledns.com.", RecordType::A).is_empty());
        assert_eq!(rdata(com, "exampledns.com.", RecordType::NS), ["ns.exampledns.com."]);
        assert_eq!(rdata(com, "ns.exampledns.com.", RecordType::A), ["127.53.10.3"]);
        assert_eq!(rdata(com, "ns1.github.com.", RecordType::A), ["127.53.11.1"]);
        let root = zone(&world, &zones, ".");
        assert_eq!(rdata(root, "com.", RecordType::NS).len(), 2);
        assert_eq!(rdata(root, "a.gtld-servers.net.", RecordType::A), ["127.53.1.1"]);
        assert_eq!(rdata(root, "a.root-servers.net.", RecordType::A), ["127.53.0.1"]);
        let net = zone(&world, &zones, "net.");
        assert_eq!(rdata(net, "c.root-servers.net.", RecordType::A), ["127.53.0.3"]);
        let exampledns = zone(&world, &zones, "exampledns.com.");
        assert_eq!(rdata(exampledns, "ns2.exampledns.com.", RecordType::A), ["127.53.10.2"]);
        let wikipedia = zone(&world, &zones, "wikipedia.org.");
        assert_eq!(
            rdata(wikipedia, "ns0.en.wikipedia.org.", RecordType::A),
            ["127.53.16.1"]
        );
        let example = zone(&world, &zones, "example.com.");
        assert_eq!(rdata(example, "example.com.", RecordType::MX), ["10 mail.example.com."]);
        assert_eq!(example.soa().map(|s| s.minimum), Some(DEFAULT_TTL));
        let hints = world.root_hints();
        assert_eq!(hints.len(), 3);
        assert!(world
            .root_hints_text()
            .contains("a.root-servers.net.\t3600000\tIN\tA\t127.53.0.1"));
    }

    #[test]
    fn explicit_ns_makes_a_glueless_delegation() {
        // hosting.com is served by ns.hosting.com; its customer shop.com by ns1.hosting.com,
        // whose address lives in hosting.com.
        let world = |ns: &str| {
            format!(
                "[[server]]\nname = \"a.root.\"\naddress = \"127.53.0.1\"\nzones = [\".\", \"com.\"]\n\
                 [[server]]\nname = \"ns.hosting.com.\"\naddress = \"127.53.0.2\"\nzones = [\"hosting.com.\"]\n\
                 [[server]]\nname = \"ns1.hosting.com.\"\naddress = \"127.53.0.3\"\nzones = [\"shop.com.\"]\n\
                 [[zone]]\nname = \".\"\nrecords = []\n\
                 [[zone]]\nname = \"com.\"\nrecords = []\n\
                 [[zone]]\nname = \"hosting.com.\"\nrecords = []\n\
                 [[zone]]\nname = \"shop.com.\"\nrecords = []\n{ns}"
            )
        };
        for (ns, glue) in [("", 1), ("ns = [\"ns1.hosting.com.\"]\n", 0)] {
            let w = World::parse(&world(ns), "w.toml", Path::new(".")).expect("parses");
            let zones = w.build_zones().expect("builds");
            let com = zone(&w, &zones, "com.");
            assert_eq!(rdata(com, "shop.com.", RecordType::NS), ["ns1.hosting.com."]);
            assert_eq!(rdata(com, "ns1.hosting.com.", RecordType::A).len(), glue, "{ns}");
            assert_eq!(rdata(com, "ns.hosting.com.", RecordType::A), ["127.53.0.2"]);
            let hosting = zone(&w, &zones, "hosting.com.");
            assert_eq!(rdata(hosting, "ns1.hosting.com.", RecordType::A), ["127.53.0.3"]);
        }
    }

    #[test]
    fn generated_zone_text_reads_back() {
        let world = World::default_world().expect("default world");
        let zones = world.build_zones().expect("builds");
        for z in &zones {
            let text = zone_file_text(z);
            let mut count = 0;
            let report = parse_str(&text, Path::new("t"), &ParseOptions::default(), &mut |_| count += 1);
            assert!(report.is_ok(), "{}: {:?}", z.origin(), report.errors);
            assert_eq!(count, z.record_count(), "{}", z.origin());
        }
    }

    #[test]
    fn mistakes_are_named() {
        let base = Path::new(".");
        let cases = [
            ("[[zone]]\nname = \"com.\"\nrecords = []\n", "no server lists it"),
            (
                "[[server]]\nname = \"a.\"\naddress = \"127.0.0.1\"\nzones = []\n",
                "outside 127.53.0.0/16",
            ),
            (
                "[[server]]\nname = \"a\"\naddress = \"127.53.0.1\"\nzones = []\n",
                "final dot",
            ),
            ("dnssec = \"yes\"\n", "dnssec"),
            ("[registry]\n", "not implemented yet"),
            ("bogus = 1\n", "unknown field"),
            (
                "[[server]]\nname = \"a.\"\naddress = \"127.53.0.1\"\nzones = [\".\"]\n\
                 [[zone]]\nname = \".\"\nrecords = []\nns = [\"b.\"]\n",
                "ns b. is not a server listing this zone",
            ),
            (
                "[[server]]\nname = \"a.\"\naddress = \"127.53.0.1\"\nzones = [\"x.\"]\n\
                 [[zone]]\nname = \"x.\"\nrecords = []\n",
                "no root zone",
            ),
            (
                "[[server]]\nname = \"a.\"\naddress = \"127.53.0.1\"\nzones = [\".\", \"b.c.\"]\n\
                 [[zone]]\nname = \".\"\nrecords = []\n\
                 [[zone]]\nname = \"b.c.\"\nrecords = []\nregistry = true\n",
                "only a TLD given by `records` can have a registry",
            ),
        ];
        for (text, want) in cases {
            let err = World::parse(text, "w.toml", base).expect_err(text).to_string();
            assert!(err.contains(want) && err.starts_with("w.toml"), "{text}: {err}");
        }
        let bad_record = "[[server]]\nname = \"a.\"\naddress = \"127.53.0.1\"\nzones = [\".\"]\n\
                          [[zone]]\nname = \".\"\nrecords = [\"x A 1.2.3.4\", \"y BOGUS 1\"]\n";
        let world = World::parse(bad_record, "w.toml", base).expect("parses");
        let err = world.build_zones().expect_err("bad record").to_string();
        assert!(err.contains("w.toml [zone .] records:2:"), "{err}");
    }
}
