//! Traffic mirror targets, filters and sessions, and the RAM shares of
//! targets.

use std::collections::{BTreeMap, BTreeSet};

use rand::RngExt;
use topology::model::TargetResource;
use topology::{
    AccountIdx, Diagnostic, EniIdx, ErrorCode, FilterIdx, FilterRule, PortRange, Principal,
    ResourceShare, RuleAction, TargetIdx, Topology, TrafficMirrorFilter, TrafficMirrorSession,
    TrafficMirrorTarget,
};

use super::context::{NUMBER_RANGE, Names, Problems, id_anchor};
use super::locate::Anchor;
use super::schema::*;
use crate::rng;

/// Largest VNI: 24 bits (SES-04).
pub const MAX_VNI: u32 = 0x00ff_ffff;
/// Packet length range (SES-05).
pub const PACKET_LENGTH_RANGE: std::ops::RangeInclusive<u32> = 1..=8500;
/// FLT-07: rules per filter.
pub const MAX_RULES_PER_FILTER: usize = 10;
/// SES-03: sessions per source ENI.
pub const MAX_SESSIONS_PER_ENI: usize = 3;

pub fn build(file: &ScenarioFile, topo: &mut Topology, names: &mut Names, p: &mut Problems) {
    build_targets(file, topo, names, p);
    build_filters(file, topo, names, p);
    build_sessions(file, topo, names, p);
    build_shares(file, topo, names, p);
}

fn build_shares(file: &ScenarioFile, topo: &mut Topology, names: &Names, p: &mut Problems) {
    for sh in &file.resource_shares {
        let a = id_anchor(&sh.id);
        let owner = names.owner(&sh.owner, AccountIdx(0), &sh.id, p);
        let mut targets = Vec::new();
        for t in &sh.traffic_mirror_target_ids {
            match names.targets.get(t) {
                Some(&ti) => {
                    // TGT-13: only the target's owner may share it.
                    if topo.target(ti).owner != owner {
                        p.error(
                            &a,
                            ErrorCode::InvalidParameterValue,
                            &sh.id,
                            "traffic_mirror_target_ids",
                            format!(
                                "{t} belongs to {}, not to the share's owner {}",
                                topo.account(topo.target(ti).owner).id,
                                topo.account(owner).id
                            ),
                        );
                    }
                    targets.push(ti)
                }
                None => p.error(
                    &a,
                    ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                    &sh.id,
                    "traffic_mirror_target_ids",
                    format!("no target `{t}` is declared"),
                ),
            }
        }
        let mut principals = Vec::new();
        for pr in &sh.principals {
            if pr.starts_with("o-") {
                principals.push(Principal::Organization(pr.clone()));
            } else {
                match names.accounts.get(pr) {
                    Some(&acct) => principals.push(Principal::Account(acct)),
                    None => p.error(
                        &a,
                        ErrorCode::UnknownResource,
                        &sh.id,
                        "principals",
                        format!("no account `{pr}` is declared (an organisation id starts o-)"),
                    ),
                }
            }
        }
        topo.resource_shares.push(ResourceShare {
            id: sh.id.clone(),
            owner,
            targets,
            principals,
            accepted: sh.accepted,
        });
    }
}

fn build_targets(file: &ScenarioFile, topo: &mut Topology, names: &mut Names, p: &mut Problems) {
    for t in &file.traffic_mirror_targets {
        let a = id_anchor(&t.id);
        let given = [
            t.network_interface_id.as_ref(),
            t.network_load_balancer_arn.as_ref(),
            t.gateway_load_balancer_endpoint_id.as_ref(),
        ];
        let referenced: Vec<&String> = given.iter().flatten().copied().collect();
        if referenced.len() != 1 {
            names.poisoned.insert(t.id.clone());
            p.push(
                a,
                Diagnostic::error(
                    ErrorCode::InvalidParameterCombination,
                    &t.id,
                    "network_interface_id",
                    "a target needs exactly one of network_interface_id, network_load_balancer_arn and gateway_load_balancer_endpoint_id",
                ),
            );
            continue;
        }
        let reference = referenced[0];
        if names.poisoned.contains(reference) {
            names.poisoned.insert(t.id.clone());
            continue;
        }
        let found = if t.network_interface_id.is_some() {
            names
                .enis
                .get(reference)
                .map(|&e| (TargetResource::NetworkInterface(e), topo.eni(e).owner))
        } else if t.network_load_balancer_arn.is_some() {
            super::context::load_balancer_named(
                topo.network_load_balancers.iter().map(|n| n.id.as_str()),
                reference,
            )
            .map(|i| {
                let n = &topo.network_load_balancers[i];
                (
                    TargetResource::NetworkLoadBalancer(topology::NlbIdx(i as u32)),
                    n.owner,
                )
            })
        } else {
            topo.gwlb_endpoints
                .iter()
                .position(|v| &v.id == reference)
                .map(|i| {
                    let v = &topo.gwlb_endpoints[i];
                    (
                        TargetResource::GatewayLoadBalancerEndpoint(topology::VpceIdx(i as u32)),
                        v.owner,
                    )
                })
        };
        let (field, code, what) = if t.network_interface_id.is_some() {
            (
                "network_interface_id",
                ErrorCode::InvalidNetworkInterfaceIdNotFound,
                "ENI",
            )
        } else if t.network_load_balancer_arn.is_some() {
            (
                "network_load_balancer_arn",
                ErrorCode::LoadBalancerNotFound,
                "Network Load Balancer",
            )
        } else {
            (
                "gateway_load_balancer_endpoint_id",
                ErrorCode::InvalidVpcEndpointIdNotFound,
                "Gateway Load Balancer endpoint",
            )
        };
        let Some((resource, resource_owner)) = found else {
            names.poisoned.insert(t.id.clone());
            p.error(
                &a,
                code,
                &t.id,
                field,
                format!("no {what} `{reference}` is declared"),
            );
            continue;
        };
        // TGT-01: an ENI target is of type interface.
        if let TargetResource::NetworkInterface(eni) = resource {
            let eni_type = topo.eni(eni).interface_type;
            if eni_type != topology::InterfaceType::Interface {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &t.id,
                    "network_interface_id",
                    format!(
                        "{reference} is of type {}; a target's ENI must be of type interface",
                        eni_type.as_str()
                    ),
                );
            }
        }
        names
            .targets
            .entry(t.id.clone())
            .or_insert(TargetIdx(topo.targets.len() as u32));
        let owner = names.owner(&t.owner, resource_owner, &t.id, p);
        topo.targets.push(TrafficMirrorTarget {
            id: t.id.clone(),
            owner,
            resource,
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
        let owner = names.owner(&f.owner, AccountIdx(0), &f.id, p);
        topo.filters.push(TrafficMirrorFilter {
            id: f.id.clone(),
            owner,
            description: f.description.clone(),
            ingress_filter_rules: ingress,
            egress_filter_rules: egress,
            amazon_dns: f.network_services.contains(&NetworkService::AmazonDns),
        });
    }
}

pub(super) fn build_rules(
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
                    "{filter} already has {direction} rule number {}",
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
    let mut vni_stream = rng::stream(file.seed, rng::Stream::SessionVni);
    let mut per_source: BTreeMap<EniIdx, Vec<(u32, &str)>> = BTreeMap::new();
    let target_enis: BTreeSet<EniIdx> = (0..topo.targets.len())
        .filter_map(|t| topo.target_eni(TargetIdx(t as u32)))
        .collect();
    for s in &file.traffic_mirror_sessions {
        let a = id_anchor(&s.id);
        if [
            &s.network_interface_id,
            &s.traffic_mirror_target_id,
            &s.traffic_mirror_filter_id,
        ]
        .iter()
        .any(|id| names.poisoned.contains(*id))
        {
            continue;
        }
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
        // SES-14: the API looks the target up in the session's Region (its
        // source's): a target elsewhere is not found.
        let (here, there) = (&topo.vpc_of(source).region, topo.target_region(target));
        if here != there {
            p.error(
                &a,
                ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                &s.id,
                "traffic_mirror_target_id",
                format!(
                    "{} is in {there}, and the session's source {} is in {here}: a session and its target must be in one Region",
                    s.traffic_mirror_target_id, s.network_interface_id
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
        let owner = names.owner(&s.owner, topo.eni(source).owner, &s.id, p);
        topo.sessions.push(TrafficMirrorSession {
            id: s.id.clone(),
            owner,
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
