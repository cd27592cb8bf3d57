//! A signed world (issue 7's "the world of `banyan up` is signed from the root down"): every
//! zone `up` generates gets a key, is signed, and its DS goes into its parent before the
//! parent is signed, deepest zones first; the root's DS is the resolver's trust anchor.
//! Zones from files are served as written: unsigned, so their delegations are insecure.

use std::path::Path;

use anyhow::{anyhow, Context as _};
use banyan_auth::View;
use banyan_dnssec::sign::sign_rrset;
use banyan_dnssec::signzone::{sign_zone, SignOptions};
use banyan_dnssec::SigningKey;
use banyan_wire::Class;
use banyan_zone::Zone;

use super::world::World;

/// The algorithm of the world's keys: ECDSA P-256, the most deployed (RFC 8624 §3.1 MUST).
const ALGORITHM: u8 = 13;

/// Signs the world's signed zones in place (one combined key per zone, as a small operator
/// would run it: the key signs everything, RFC 4033 §2 allows it) and returns the root's DS
/// records as trust-anchor text, or `None` when the root is not signed. The keys are written
/// to `keys_dir` in BIND's format, so `banyan zone sign` or `dnssec-signzone` can re-sign an
/// edited zone with them.
///
/// The views' records are signed with the key of the zone they lie in (`views`, a copy of
/// `world.views`), so that a view's answer from a signed zone validates.
pub fn sign_world(
    world: &World,
    zones: &mut [Zone],
    views: &mut [View],
    keys_dir: &Path,
    now: u32,
) -> anyhow::Result<Option<String>> {
    std::fs::create_dir_all(keys_dir).with_context(|| format!("creating {}", keys_dir.display()))?;
    let mut order: Vec<usize> = (0..world.zones.len()).filter(|&i| world.zones[i].signed).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(world.zones[i].name.label_count()));
    let mut anchor = None;
    for i in order {
        let name = world.zones[i].name.clone();
        let key = SigningKey::generate(&name, ALGORITHM, true).map_err(|e| anyhow!("zone {name}: key: {e}"))?;
        key.write_bind_files(keys_dir)
            .map_err(|e| anyhow!("zone {name}: writing its key: {e}"))?;
        let signed = sign_zone(
            &zones[i],
            std::slice::from_ref(&key),
            &SignOptions::new(now),
            &|_, _| {},
        )
        .map_err(|e| anyhow!("zone {name}: signing: {e}"))?;
        zones[i] = signed.zone;
        let options = SignOptions::new(now);
        for view in views.iter_mut() {
            let vname = view.name().to_string();
            view.sign_sets(|owner, set| {
                if world.authority(owner).is_none_or(|z| z.name != name) {
                    return Ok(None);
                }
                let rdatas: Vec<&[u8]> = set.rdata.iter().collect();
                sign_rrset(
                    &key,
                    owner,
                    set.rtype,
                    Class::IN,
                    set.ttl,
                    &rdatas,
                    options.inception,
                    options.expiration,
                )
                .map(|sig| Some(vec![sig]))
                .map_err(|e| anyhow!("view {vname}: signing {owner} {}: {e}", set.rtype))
            })?;
        }
        match world.parent(&name).map(|p| p.name.clone()) {
            Some(parent) => {
                let j = world
                    .zones
                    .iter()
                    .position(|z| z.name == parent)
                    .ok_or_else(|| anyhow!("zone {name}: parent {parent} not found"))?;
                if world.zones[j].signed {
                    for ds in &signed.ds {
                        // The DS RRset is the parent's data, with the parent's TTL (as
                        // com's DS records have com's 86400, not the child's TTL).
                        let mut ds = ds.clone();
                        ds.ttl = world.zones[j].ttl;
                        zones[j]
                            .insert(&ds)
                            .map_err(|e| anyhow!("zone {parent}: DS of {name}: {e}"))?;
                    }
                    zones[j].finish();
                }
            }
            None => {
                anchor = Some(signed.ds.iter().map(|r| format!("{r}\n")).collect::<String>());
            }
        }
    }
    Ok(anchor)
}
