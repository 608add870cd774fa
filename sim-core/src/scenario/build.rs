//! From the parsed file to a [`Scenario`]: resolves ids, checks the rules of
//! the AWS API that this file format can break, assigns what the user left
//! out (VNIs, addresses, MACs, ports) and expands the traffic into flows.
//!
//! Every problem is collected, not only the first, each with the element and
//! field at fault so the loader can point at it.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;
use rand::RngExt;
use topology::model::TargetResource;
use topology::{
    Diagnostic, Eni, EniIdx, ErrorCode, FilterIdx, FilterRule, Instance, InstanceIdx, MacAddr,
    PortRange, RuleAction, Subnet, SubnetIdx, TargetIdx, Topology, TrafficMirrorFilter,
    TrafficMirrorSession, TrafficMirrorTarget, Vpc, VpcIdx,
};

use super::Scenario;
use super::locate::Anchor;
use super::schema::*;
use super::traffic::build_traffic;
use crate::rng;

/// Largest MTU of an ENI, and the default.
pub const DEFAULT_MTU: u16 = 9001;
/// Smallest MTU an ENI accepts.
pub const MIN_MTU: u16 = 576;
/// Session numbers (SES-01) and rule numbers.
pub const NUMBER_RANGE: std::ops::RangeInclusive<u32> = 1..=32766;
/// Largest VNI: 24 bits (SES-04).
pub const MAX_VNI: u32 = 0x00ff_ffff;
/// Packet length range (SES-05).
pub const PACKET_LENGTH_RANGE: std::ops::RangeInclusive<u32> = 1..=8500;
/// FLT-07: rules per filter.
pub const MAX_RULES_PER_FILTER: usize = 10;
/// SES-03: sessions per source ENI.
pub const MAX_SESSIONS_PER_ENI: usize = 3;

/// A diagnostic and the element it belongs to.
pub type Located = (Diagnostic, Anchor);

/// Collects diagnostics while building.
#[derive(Default)]
pub struct Problems(pub Vec<Located>);

impl Problems {
    pub fn push(&mut self, anchor: Anchor, d: Diagnostic) {
        self.0.push((d, anchor));
    }

    pub fn error(
        &mut self,
        anchor: &Anchor,
        code: ErrorCode,
        resource: &str,
        field: &'static str,
        message: impl Into<String>,
    ) {
        self.push(
            anchor.clone(),
            Diagnostic::error(code, resource, field, message),
        );
    }

    pub fn has_errors(&self) -> bool {
        self.0
            .iter()
            .any(|(d, _)| d.severity == topology::Severity::Error)
    }
}

fn id_anchor(id: &str) -> Anchor {
    Anchor::Id(id.to_string())
}

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

/// Resolves string ids to indexes, reporting dangling references.
struct Names {
    vpcs: BTreeMap<String, VpcIdx>,
    subnets: BTreeMap<String, SubnetIdx>,
    enis: BTreeMap<String, EniIdx>,
    targets: BTreeMap<String, TargetIdx>,
    filters: BTreeMap<String, FilterIdx>,
}

pub fn build(file: ScenarioFile, problems: &mut Problems) -> Option<Scenario> {
    check_unique_ids(&file, problems);
    let mut topo = Topology::default();
    let mut names = Names {
        vpcs: BTreeMap::new(),
        subnets: BTreeMap::new(),
        enis: BTreeMap::new(),
        targets: BTreeMap::new(),
        filters: BTreeMap::new(),
    };
    build_network(&file, &mut topo, &mut names, problems);
    build_instances(&file, &mut topo, &mut names, problems);
    build_targets(&file, &mut topo, &mut names, problems);
    build_filters(&file, &mut topo, &mut names, problems);
    build_sessions(&file, &mut topo, &names, problems);
    topo.finish();
    let flows = build_traffic(&file, &topo, problems);
    if problems.has_errors() {
        return None;
    }
    Some(Scenario {
        name: file.name,
        description: file.description,
        seed: file.seed,
        duration: file.duration,
        topology: topo,
        flows,
    })
}

fn check_unique_ids(file: &ScenarioFile, problems: &mut Problems) {
    let mut seen = BTreeSet::new();
    let mut ids: Vec<&str> = Vec::new();
    for v in &file.vpcs {
        ids.push(&v.id);
        ids.extend(v.subnets.iter().map(|s| s.id.as_str()));
    }
    for i in &file.instances {
        ids.push(&i.id);
        ids.extend(i.network_interfaces.iter().map(|e| e.id.as_str()));
    }
    ids.extend(file.traffic_mirror_targets.iter().map(|t| t.id.as_str()));
    ids.extend(file.traffic_mirror_filters.iter().map(|f| f.id.as_str()));
    ids.extend(file.traffic_mirror_sessions.iter().map(|s| s.id.as_str()));
    for id in ids {
        if !seen.insert(id) {
            problems.error(
                &id_anchor(id),
                ErrorCode::DuplicateId,
                id,
                "id",
                format!("the id `{id}` is declared more than once"),
            );
        }
    }
}

fn build_network(file: &ScenarioFile, topo: &mut Topology, names: &mut Names, p: &mut Problems) {
    for v in &file.vpcs {
        let a = id_anchor(&v.id);
        if !v.cidr_blocks.iter().any(|c| matches!(c, IpNet::V4(_))) {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &v.id,
                "cidr_blocks",
                "a VPC needs an IPv4 CIDR block (its primary one)",
            );
        }
        let vpc = VpcIdx(topo.vpcs.len() as u32);
        names.vpcs.entry(v.id.clone()).or_insert(vpc);
        topo.vpcs.push(Vpc {
            id: v.id.clone(),
            cidr_blocks: v.cidr_blocks.iter().map(|c| c.trunc()).collect(),
        });
        for s in &v.subnets {
            let a = id_anchor(&s.id);
            if s.cidr_block.is_none() && s.ipv6_cidr_block.is_none() {
                p.error(
                    &a,
                    ErrorCode::MissingParameter,
                    &s.id,
                    "cidr_block",
                    "a subnet needs a cidr_block or an ipv6_cidr_block",
                );
            }
            let inside = |net: IpNet| v.cidr_blocks.iter().any(|c| c.contains(&net));
            if let Some(c) = s.cidr_block
                && !inside(IpNet::V4(c))
            {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &s.id,
                    "cidr_block",
                    format!("{c} is not inside any CIDR block of {}", v.id),
                );
            }
            if let Some(c) = s.ipv6_cidr_block
                && !inside(IpNet::V6(c))
            {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &s.id,
                    "ipv6_cidr_block",
                    format!("{c} is not inside any CIDR block of {}", v.id),
                );
            }
            let idx = SubnetIdx(topo.subnets.len() as u32);
            names.subnets.entry(s.id.clone()).or_insert(idx);
            topo.subnets.push(Subnet {
                id: s.id.clone(),
                vpc,
                availability_zone: s.availability_zone.clone(),
                cidr_block: s.cidr_block.map(|c| c.trunc()),
                ipv6_cidr_block: s.ipv6_cidr_block.map(|c| c.trunc()),
            });
        }
    }
}

fn build_instances(file: &ScenarioFile, topo: &mut Topology, names: &mut Names, p: &mut Problems) {
    // Addresses taken by explicit private_ip, so defaults avoid them.
    let mut taken: BTreeSet<IpAddr> = file
        .instances
        .iter()
        .flat_map(|i| i.network_interfaces.iter().filter_map(|e| e.private_ip))
        .collect();
    let mut explicit_seen = BTreeSet::new();
    for inst in &file.instances {
        let a = id_anchor(&inst.id);
        let Some(&subnet) = names.subnets.get(&inst.subnet) else {
            p.push(
                a,
                Diagnostic::error(
                    ErrorCode::UnknownResource,
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
        let idx = InstanceIdx(topo.instances.len() as u32);
        topo.instances.push(Instance {
            id: inst.id.clone(),
            instance_type: inst.instance_type.clone(),
            subnet,
        });
        let sub = &topo.subnets[subnet.index()];
        for e in &inst.network_interfaces {
            let a = id_anchor(&e.id);
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
                    if !explicit_seen.insert(ip) {
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
                None => match first_free(sub, &taken) {
                    Some(ip) => {
                        taken.insert(ip);
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
                        continue;
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
                if !explicit_seen.insert(IpAddr::V6(v6)) {
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
            names
                .enis
                .entry(e.id.clone())
                .or_insert(EniIdx(topo.enis.len() as u32));
            topo.enis.push(Eni {
                id: e.id.clone(),
                instance: idx,
                subnet,
                private_ip: ip,
                ipv6_address: e.ipv6_address,
                mac,
                mtu,
            });
        }
    }
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

fn build_targets(file: &ScenarioFile, topo: &mut Topology, names: &mut Names, p: &mut Problems) {
    for t in &file.traffic_mirror_targets {
        let Some(&eni) = names.enis.get(&t.network_interface_id) else {
            p.push(
                id_anchor(&t.id),
                Diagnostic::error(
                    ErrorCode::InvalidNetworkInterfaceIdNotFound,
                    &t.id,
                    "network_interface_id",
                    format!("no ENI `{}` is declared", t.network_interface_id),
                )
                .with_help("the target's ENI must belong to one of the scenario's instances"),
            );
            continue;
        };
        names
            .targets
            .entry(t.id.clone())
            .or_insert(TargetIdx(topo.targets.len() as u32));
        topo.targets.push(TrafficMirrorTarget {
            id: t.id.clone(),
            resource: TargetResource::NetworkInterface(eni),
            description: t.description.clone(),
        });
    }
}

fn build_filters(file: &ScenarioFile, topo: &mut Topology, names: &mut Names, p: &mut Problems) {
    for f in &file.traffic_mirror_filters {
        let a = id_anchor(&f.id);
        let total = f.ingress_filter_rules.len() + f.egress_filter_rules.len();
        if total > MAX_RULES_PER_FILTER {
            p.push(
                a.clone(),
                Diagnostic::error(
                    ErrorCode::TrafficMirrorFilterRuleLimitExceeded,
                    &f.id,
                    "ingress_filter_rules",
                    format!("{total} rules; a filter holds at most {MAX_RULES_PER_FILTER}"),
                )
                .with_help("merge rules with wider CIDRs or port ranges, or split the filter"),
            );
        }
        let ingress = build_rules(
            &f.id,
            "ingress",
            "ingress_filter_rules",
            &f.ingress_filter_rules,
            p,
        );
        let egress = build_rules(
            &f.id,
            "egress",
            "egress_filter_rules",
            &f.egress_filter_rules,
            p,
        );
        names
            .filters
            .entry(f.id.clone())
            .or_insert(FilterIdx(topo.filters.len() as u32));
        topo.filters.push(TrafficMirrorFilter {
            id: f.id.clone(),
            description: f.description.clone(),
            ingress_filter_rules: ingress,
            egress_filter_rules: egress,
            amazon_dns: f.network_services.contains(&NetworkService::AmazonDns),
        });
    }
}

fn build_rules(
    filter: &str,
    direction: &str,
    list: &'static str,
    rules: &[RuleSpec],
    p: &mut Problems,
) -> Vec<FilterRule> {
    let mut numbers = BTreeSet::new();
    let mut out = Vec::new();
    for (index, r) in rules.iter().enumerate() {
        let rid =
            r.id.clone()
                .unwrap_or_else(|| format!("{filter}/{direction}/{}", r.rule_number));
        // Rules without an id are found through their filter's list.
        let ra = r.id.as_deref().map_or_else(
            || Anchor::Child {
                parent: filter.to_string(),
                list,
                index,
            },
            id_anchor,
        );
        if !NUMBER_RANGE.contains(&r.rule_number) {
            p.error(
                &ra,
                ErrorCode::InvalidParameterValue,
                &rid,
                "rule_number",
                format!("rule number {} is outside 1..=32766", r.rule_number),
            );
            continue;
        }
        if !numbers.insert(r.rule_number) {
            p.error(
                &ra,
                ErrorCode::TrafficMirrorFilterRuleAlreadyExists,
                &rid,
                "rule_number",
                format!(
                    "{filter} already has a {direction} rule number {}",
                    r.rule_number
                ),
            );
        }
        // FLT-04: port ranges only for TCP and UDP.
        let ports_ok = matches!(r.protocol, Some(6) | Some(17));
        for (field, range) in [
            ("source_port_range", r.source_port_range),
            ("destination_port_range", r.destination_port_range),
        ] {
            if let Some(range) = range {
                if !ports_ok {
                    p.push(
                        ra.clone(),
                        Diagnostic::error(
                            ErrorCode::InvalidParameterCombination,
                            &rid,
                            field,
                            "a port range needs protocol 6 (TCP) or 17 (UDP)",
                        )
                        .with_help("set `protocol: 6` or `protocol: 17`, or remove the range"),
                    );
                }
                if range.from_port > range.to_port {
                    p.error(
                        &ra,
                        ErrorCode::InvalidParameterValue,
                        &rid,
                        field,
                        format!(
                            "from_port {} is above to_port {}",
                            range.from_port, range.to_port
                        ),
                    );
                }
            }
        }
        // FLT-05: both CIDRs of one family.
        if r.source_cidr_block.addr().is_ipv4() != r.destination_cidr_block.addr().is_ipv4() {
            p.push(
                ra.clone(),
                Diagnostic::error(
                    ErrorCode::InvalidParameterCombination,
                    &rid,
                    "destination_cidr_block",
                    format!(
                        "source {} and destination {} are not of one IP family",
                        r.source_cidr_block, r.destination_cidr_block
                    ),
                )
                .with_help("write one rule for IPv4 (0.0.0.0/0) and another for IPv6 (::/0)"),
            );
        }
        let range = |s: Option<PortRangeSpec>| {
            s.map(|s| PortRange {
                from_port: s.from_port,
                to_port: s.to_port,
            })
        };
        out.push(FilterRule {
            id: rid,
            rule_number: r.rule_number as u16,
            rule_action: match r.rule_action {
                RuleActionSpec::Accept => RuleAction::Accept,
                RuleActionSpec::Reject => RuleAction::Reject,
            },
            protocol: r.protocol,
            source_port_range: range(r.source_port_range),
            destination_port_range: range(r.destination_port_range),
            source_cidr_block: r.source_cidr_block.trunc(),
            destination_cidr_block: r.destination_cidr_block.trunc(),
            description: r.description.clone(),
        });
    }
    out
}

fn build_sessions(file: &ScenarioFile, topo: &mut Topology, names: &Names, p: &mut Problems) {
    // SES-04: VNIs the user gave are kept; the others are drawn from the
    // seed, unique among the account's sessions.
    let mut used: BTreeSet<u32> = file
        .traffic_mirror_sessions
        .iter()
        .filter_map(|s| s.virtual_network_id)
        .collect();
    let mut vni_stream = rng::stream(file.seed, "session-vni");
    let mut per_source: BTreeMap<EniIdx, Vec<(u32, &str)>> = BTreeMap::new();
    let target_enis: BTreeSet<EniIdx> = topo
        .targets
        .iter()
        .map(|t| match t.resource {
            TargetResource::NetworkInterface(e) => e,
        })
        .collect();
    for s in &file.traffic_mirror_sessions {
        let a = id_anchor(&s.id);
        let source = names.enis.get(&s.network_interface_id).copied();
        if source.is_none() {
            p.error(
                &a,
                ErrorCode::InvalidNetworkInterfaceIdNotFound,
                &s.id,
                "network_interface_id",
                format!("no ENI `{}` is declared", s.network_interface_id),
            );
        }
        let target = names.targets.get(&s.traffic_mirror_target_id).copied();
        if target.is_none() {
            p.error(
                &a,
                ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                &s.id,
                "traffic_mirror_target_id",
                format!("no target `{}` is declared", s.traffic_mirror_target_id),
            );
        }
        let filter = names.filters.get(&s.traffic_mirror_filter_id).copied();
        if filter.is_none() {
            p.error(
                &a,
                ErrorCode::InvalidTrafficMirrorFilterIdNotFound,
                &s.id,
                "traffic_mirror_filter_id",
                format!("no filter `{}` is declared", s.traffic_mirror_filter_id),
            );
        }
        // SES-01
        if !NUMBER_RANGE.contains(&s.session_number) {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &s.id,
                "session_number",
                format!("session number {} is outside 1..=32766", s.session_number),
            );
        }
        if let Some(v) = s.virtual_network_id
            && v > MAX_VNI
        {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &s.id,
                "virtual_network_id",
                format!("VNI {v} is outside 0..=16777215 (24 bits)"),
            );
        }
        if let Some(n) = s.packet_length {
            if !PACKET_LENGTH_RANGE.contains(&n) {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &s.id,
                    "packet_length",
                    format!("packet length {n} is outside 1..=8500"),
                );
            } else if n < 35 {
                // SES-05: the guide's minimum; copies keep at least 35 bytes
                // (55 for IPv6) whatever is set.
                p.push(
                    a.clone(),
                    Diagnostic::warning(
                        ErrorCode::InvalidParameterValue,
                        &s.id,
                        "packet_length",
                        format!(
                            "packet length {n} is below the minimum of 35 bytes (55 for IPv6); \
                             copies keep that minimum"
                        ),
                    ),
                );
            }
        }
        let (Some(source), Some(target), Some(filter)) = (source, target, filter) else {
            continue;
        };
        // SES-08
        if target_enis.contains(&source) {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &s.id,
                "network_interface_id",
                format!(
                    "{} is used as a traffic mirror target and cannot be a source",
                    s.network_interface_id
                ),
            );
        }
        let list = per_source.entry(source).or_default();
        if let Some((_, other)) = list.iter().find(|(n, _)| *n == s.session_number) {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &s.id,
                "session_number",
                format!(
                    "session {other} on {} already has session number {}",
                    s.network_interface_id, s.session_number
                ),
            );
        }
        list.push((s.session_number, &s.id));
        // SES-03
        if list.len() == MAX_SESSIONS_PER_ENI + 1 {
            p.push(
                a.clone(),
                Diagnostic::error(
                    ErrorCode::TrafficMirrorSessionsPerInterfaceLimitExceeded,
                    &s.id,
                    "network_interface_id",
                    format!(
                        "{} already has {MAX_SESSIONS_PER_ENI} sessions",
                        s.network_interface_id
                    ),
                )
                .with_help("mirror the ENI through fewer sessions with wider filters"),
            );
        }
        let vni = match s.virtual_network_id {
            Some(v) => v,
            None => loop {
                let v = vni_stream.random::<u32>() & MAX_VNI;
                if used.insert(v) {
                    break v;
                }
            },
        };
        topo.sessions.push(TrafficMirrorSession {
            id: s.id.clone(),
            source,
            target,
            filter,
            session_number: s.session_number.min(u16::MAX as u32) as u16,
            virtual_network_id: vni,
            packet_length: s.packet_length.map(|n| n.min(8500) as u16),
            description: s.description.clone(),
        });
    }
}
