//! Instances and their ENIs, and ENIs declared on their own.

use std::collections::BTreeSet;
use std::net::IpAddr;

use topology::{
    Diagnostic, Eni, EniIdx, ErrorCode, Instance, InstanceIdx, InterfaceType, MacAddr, Subnet,
    SubnetIdx, Topology,
};

use topology::instance_types::{self, NetworkPerformance};

use super::context::{DEFAULT_MTU, MIN_MTU, Names, Problems, id_anchor};
use super::schema::*;
use crate::rng;
use crate::units::{Duration, Rate};

/// A MAC derived from the ENI id: locally administered (`02:`), stable.
fn default_mac(id: &str) -> MacAddr {
    let h = rng::component_id(id).to_be_bytes();
    MacAddr([0x02, h[0], h[1], h[2], h[3], h[4]])
}

fn parse_mac(s: &str) -> Option<MacAddr> {
    let mut out = [0u8; 6];
    let mut parts = s.split([':', '-']);
    for b in &mut out {
        let p = parts.next()?;
        if p.len() != 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then_some(MacAddr(out))
}

/// The first IPv4 address of the subnet after the four AWS reserves at its
/// start, not taken and not the broadcast address.
fn first_free(subnet: &Subnet, taken: &BTreeSet<IpAddr>) -> Option<IpAddr> {
    let net = subnet.cidr_block?;
    let base = u32::from(net.network());
    let last = u32::from(net.broadcast());
    (base.checked_add(4)?..last)
        .map(|a| IpAddr::V4(a.into()))
        .find(|ip| !taken.contains(ip))
}

struct Addresses {
    /// Addresses taken by explicit fields, so defaults avoid them.
    taken: BTreeSet<IpAddr>,
    /// Explicit addresses seen so far, to catch two ENIs with one address.
    seen: BTreeSet<IpAddr>,
}

pub fn build(file: &ScenarioFile, topo: &mut Topology, names: &mut Names, p: &mut Problems) {
    let all_enis = file
        .instances
        .iter()
        .flat_map(|i| i.network_interfaces.iter())
        .chain(&file.network_interfaces);
    let mut addrs = Addresses {
        taken: all_enis
            .flat_map(|e| {
                e.private_ip
                    .into_iter()
                    .chain(e.ipv6_address.map(IpAddr::V6))
            })
            .collect(),
        seen: BTreeSet::new(),
    };
    for inst in &file.instances {
        let a = id_anchor(&inst.id);
        let Some(&subnet) = names.subnets.get(&inst.subnet) else {
            names.poisoned.insert(inst.id.clone());
            names
                .poisoned
                .extend(inst.network_interfaces.iter().map(|e| e.id.clone()));
            p.push(
                a,
                Diagnostic::error(
                    ErrorCode::InvalidSubnetIdNotFound,
                    &inst.id,
                    "subnet",
                    format!("no subnet `{}` is declared", inst.subnet),
                )
                .with_help("declare it under a Vpc's `subnets`, or correct the id"),
            );
            continue;
        };
        if inst.network_interfaces.is_empty() {
            p.error(
                &a,
                ErrorCode::MissingParameter,
                &inst.id,
                "network_interfaces",
                "an instance needs at least one ENI",
            );
        }
        let vpc_owner = topo.vpc(topo.subnet(subnet).vpc).owner;
        let owner = names.owner(&inst.owner, vpc_owner, &inst.id, p);
        let idx = InstanceIdx(topo.instances.len() as u32);
        let (network, burst_duration_ns) = network_performance(inst, p);
        topo.instances.push(Instance {
            id: inst.id.clone(),
            instance_type: inst.instance_type.clone(),
            subnet,
            owner,
            network,
            burst_duration_ns,
            cluster_placement_group: inst.cluster_placement_group.clone(),
        });
        for e in &inst.network_interfaces {
            if e.owner.is_some() {
                p.error(
                    &id_anchor(&e.id),
                    ErrorCode::InvalidParameterCombination,
                    &e.id,
                    "owner",
                    "an instance's ENI belongs to the instance's owner; set the instance's owner",
                );
            }
            build_eni(e, Some(idx), subnet, owner, topo, names, &mut addrs, p);
        }
    }
    for e in &file.network_interfaces {
        let a = id_anchor(&e.id);
        let Some(subnet) = e.subnet.as_ref() else {
            p.error(
                &a,
                ErrorCode::MissingParameter,
                &e.id,
                "subnet",
                "an ENI declared on its own needs its subnet",
            );
            continue;
        };
        let Some(&subnet) = names.subnets.get(subnet) else {
            p.error(
                &a,
                ErrorCode::InvalidSubnetIdNotFound,
                &e.id,
                "subnet",
                format!("no subnet `{subnet}` is declared"),
            );
            continue;
        };
        let vpc_owner = topo.vpc(topo.subnet(subnet).vpc).owner;
        let owner = names.owner(&e.owner, vpc_owner, &e.id, p);
        build_eni(e, None, subnet, owner, topo, names, &mut addrs, p);
    }
}

/// How long a full burst-credit balance lasts at the burst rate, when the
/// scenario does not say: AWS describes bursts "typically 5 to 60 minutes";
/// the twin assumes 30.
pub const DEFAULT_BURST_DURATION: Duration = Duration::from_secs(30 * 60);

/// The instance's figures: the catalogue's, with the scenario's overrides.
fn network_performance(inst: &InstanceSpec, p: &mut Problems) -> (Option<NetworkPerformance>, u64) {
    let o = inst.network_performance;
    let burst_ns = o
        .and_then(|o| o.burst_duration)
        .unwrap_or(DEFAULT_BURST_DURATION)
        .as_nanos();
    let catalogue = instance_types::network_performance(&inst.instance_type);
    let Some(o) = o else {
        // BW-07: never an unlimited budget. An unknown type is refused by
        // the type check (with suggestions); a known one the catalogue has
        // no figures for must be given them.
        if catalogue.is_none()
            && instance_types::support(&inst.instance_type) != instance_types::Support::Unknown
        {
            let family = inst.instance_type.split('.').next().unwrap_or_default();
            let sizes = instance_types::sizes_of(family);
            let known = if sizes.is_empty() {
                format!("it has no figures for the {family} family")
            } else {
                format!("it has {family} in {}", sizes.join(", "))
            };
            p.push(
                id_anchor(&inst.id),
                Diagnostic::error(
                    ErrorCode::MissingParameter,
                    &inst.id,
                    "instance_type",
                    format!(
                        "the network catalogue has no figures for {}: {known}",
                        inst.instance_type
                    ),
                )
                .with_help(
                    "give them: network_performance: (baseline: \"10Gbps\", burst: \"25Gbps\", pps: \"2Mpps\")",
                ),
            );
        }
        return (catalogue, burst_ns);
    };
    let bits = |r: Option<Rate>, field: &'static str, p: &mut Problems| match r {
        None => None,
        Some(Rate::BitsPerSecond(b)) => Some(b),
        Some(other) => {
            p.error(
                &id_anchor(&inst.id),
                ErrorCode::InvalidParameterValue,
                &inst.id,
                field,
                format!("{other} is a packet rate; {field} is bits per second (\"10Gbps\")"),
            );
            None
        }
    };
    let baseline = bits(o.baseline, "baseline", p).or(catalogue.map(|c| c.baseline_bps));
    let burst = bits(o.burst, "burst", p)
        .or(o.baseline.and(baseline))
        .or(catalogue.map(|c| c.burst_bps));
    let (Some(baseline), Some(burst)) = (baseline, burst) else {
        p.error(
            &id_anchor(&inst.id),
            ErrorCode::MissingParameter,
            &inst.id,
            "network_performance",
            format!(
                "the catalogue has no figures for {}: give a baseline",
                inst.instance_type
            ),
        );
        return (None, burst_ns);
    };
    if burst < baseline {
        p.error(
            &id_anchor(&inst.id),
            ErrorCode::InvalidParameterValue,
            &inst.id,
            "network_performance",
            "the burst rate is below the baseline",
        );
    }
    let pps = match o.pps {
        None => catalogue.map_or(instance_types::assumed_pps(burst), |c| c.pps),
        Some(Rate::MilliPacketsPerSecond(m)) => (m / 1000).max(1),
        Some(other) => {
            p.error(
                &id_anchor(&inst.id),
                ErrorCode::InvalidParameterValue,
                &inst.id,
                "pps",
                format!("{other} is a bit rate; pps is packets per second (\"1Mpps\")"),
            );
            1
        }
    };
    (
        Some(NetworkPerformance {
            baseline_bps: baseline,
            burst_bps: burst.max(baseline),
            pps,
        }),
        burst_ns,
    )
}

#[allow(clippy::too_many_arguments)]
fn build_eni(
    e: &EniSpec,
    instance: Option<InstanceIdx>,
    instance_subnet: SubnetIdx,
    owner: topology::AccountIdx,
    topo: &mut Topology,
    names: &mut Names,
    addrs: &mut Addresses,
    p: &mut Problems,
) {
    let a = id_anchor(&e.id);
    // An instance's secondary ENI may sit in another subnet of its zone.
    let subnet = match (&e.subnet, instance) {
        (Some(s), Some(_)) => match names.subnets.get(s) {
            Some(&si)
                if topo.subnet(si).availability_zone
                    == topo.subnet(instance_subnet).availability_zone =>
            {
                si
            }
            Some(_) => {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &e.id,
                    "subnet",
                    format!("{s} is not in the instance's Availability Zone"),
                );
                instance_subnet
            }
            None => {
                p.error(
                    &a,
                    ErrorCode::InvalidSubnetIdNotFound,
                    &e.id,
                    "subnet",
                    format!("no subnet `{s}` is declared"),
                );
                instance_subnet
            }
        },
        _ => instance_subnet,
    };
    let sub = topo.subnet(subnet).clone();
    let ip = match e.private_ip {
        Some(ip) => {
            if !sub.contains(ip) {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &e.id,
                    "private_ip",
                    format!("{ip} is not inside subnet {}", sub.id),
                );
            }
            if !addrs.seen.insert(ip) {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &e.id,
                    "private_ip",
                    format!("{ip} is already the address of another ENI"),
                );
            }
            ip
        }
        None => match first_free(&sub, &addrs.taken) {
            Some(ip) => {
                addrs.taken.insert(ip);
                ip
            }
            None => {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &e.id,
                    "private_ip",
                    format!("subnet {} has no free IPv4 address left", sub.id),
                );
                return;
            }
        },
    };
    if let Some(v6) = e.ipv6_address {
        if !sub.contains(IpAddr::V6(v6)) {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &e.id,
                "ipv6_address",
                format!(
                    "{v6} is not inside the IPv6 CIDR block of subnet {}",
                    sub.id
                ),
            );
        }
        if !addrs.seen.insert(IpAddr::V6(v6)) {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &e.id,
                "ipv6_address",
                format!("{v6} is already the address of another ENI"),
            );
        }
    }
    let mtu = e.mtu.unwrap_or(DEFAULT_MTU);
    if !(MIN_MTU..=DEFAULT_MTU).contains(&mtu) {
        p.error(
            &a,
            ErrorCode::InvalidParameterValue,
            &e.id,
            "mtu",
            format!("MTU {mtu} is outside {MIN_MTU}..={DEFAULT_MTU}"),
        );
    }
    let mac = match &e.mac {
        None => default_mac(&e.id),
        Some(m) => parse_mac(m).unwrap_or_else(|| {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &e.id,
                "mac",
                format!("`{m}` is not a MAC address like 02:1a:2b:3c:4d:5e"),
            );
            default_mac(&e.id)
        }),
    };
    let interface_type = match e.interface_type.as_deref() {
        None | Some("interface") => InterfaceType::Interface,
        Some("efa") => InterfaceType::Efa,
        Some("trunk") => InterfaceType::Trunk,
        Some("branch") => InterfaceType::Branch,
        Some(other) => {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &e.id,
                "interface_type",
                format!("`{other}` is not interface, efa, trunk or branch"),
            );
            InterfaceType::Interface
        }
    };
    let mut security_groups = Vec::new();
    for g in &e.security_groups {
        match names.sgs.get(g) {
            Some(&sg) if topo.security_groups[sg.index()].vpc == sub.vpc => {
                security_groups.push(sg)
            }
            Some(_) => p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &e.id,
                "security_groups",
                format!("{g} belongs to another VPC"),
            ),
            None => p.error(
                &a,
                ErrorCode::InvalidGroupNotFound,
                &e.id,
                "security_groups",
                format!("no security group `{g}` is declared"),
            ),
        }
    }
    // SEC-01: an ENI declared with no group is in its VPC's default group.
    let implicit_default_group = e.security_groups.is_empty();
    if implicit_default_group {
        security_groups.push(names.default_group(topo, sub.vpc));
    }
    names
        .enis
        .entry(e.id.clone())
        .or_insert(EniIdx(topo.enis.len() as u32));
    topo.enis.push(Eni {
        id: e.id.clone(),
        instance,
        subnet,
        owner,
        private_ip: ip,
        ipv6_address: e.ipv6_address,
        mac,
        mtu,
        interface_type,
        requester_managed_by: e.requester_managed_by.clone(),
        security_groups,
        implicit_default_group,
    });
}
