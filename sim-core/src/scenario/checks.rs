//! Rules that span resources, checked once everything is resolved: who may
//! use what (accounts, shares, shared VPCs), which ENIs may be sources,
//! quotas, and the warnings for configurations AWS accepts that probably
//! do not do what was meant.

use std::collections::{BTreeMap, BTreeSet};

use topology::instance_types::{self, Support};
use topology::{
    AccountIdx, Diagnostic, ErrorCode, InterfaceType, Principal, SessionIdx, TargetIdx, Topology,
};

use super::context::{Problems, id_anchor};
use super::schema::ScenarioFile;
use topology::packet::GUIDE_OVERHEAD_V4;

use crate::traffic::FlowPlan;

/// SES-11: sessions, targets and filters an account may have.
pub const MAX_PER_ACCOUNT: usize = 10_000;

/// Services whose requester-managed ENIs may be sources (SRC-02).
const MIRRORABLE_SERVICES: &[&str] = &["rds", "elasticache"];

pub fn check(file: &ScenarioFile, topo: &Topology, p: &mut Problems) {
    check_instance_types(topo, p);
    check_sources(topo, p);
    check_access(topo, p);
    check_quotas(topo, p);
    warn(file, topo, p);
}

/// SRC-01 (typos): every instance type must be one the table knows.
fn check_instance_types(topo: &Topology, p: &mut Problems) {
    for inst in &topo.instances {
        if instance_types::support(&inst.instance_type) == Support::Unknown {
            p.push(
                id_anchor(&inst.id),
                Diagnostic::error(
                    ErrorCode::InvalidParameterValue,
                    &inst.id,
                    "instance_type",
                    format!("`{}` is not an EC2 instance type", inst.instance_type),
                )
                .with_help(format!(
                    "did you mean {}?",
                    instance_types::closest(&inst.instance_type).join(", ")
                )),
            );
        }
    }
}

/// SRC-01, SRC-02, SRC-04: which ENIs may be sources.
fn check_sources(topo: &Topology, p: &mut Problems) {
    for s in &topo.sessions {
        let eni = topo.eni(s.source);
        let a = id_anchor(&s.id);
        let field = "network_interface_id";
        let refuse = |p: &mut Problems, code, msg: String| {
            p.error(&a, code, &s.id, field, msg);
        };
        if eni.interface_type != InterfaceType::Interface {
            refuse(
                p,
                ErrorCode::NetworkInterfaceNotSupported,
                format!(
                    "{} is of type {}; only type interface can be a source",
                    eni.id,
                    eni.interface_type.as_str()
                ),
            );
        }
        if let Some(service) = &eni.requester_managed_by
            && !MIRRORABLE_SERVICES.contains(&service.as_str())
        {
            refuse(
                p,
                ErrorCode::NetworkInterfaceNotSupported,
                format!(
                    "{} is managed by {service}; of requester-managed ENIs only those of RDS and ElastiCache can be sources",
                    eni.id
                ),
            );
        }
        if let Some(inst) = topo.instance_of(s.source)
            && instance_types::support(&inst.instance_type) == Support::NotSource
        {
            refuse(
                p,
                ErrorCode::NetworkInterfaceNotSupported,
                format!(
                    "{} is on {} ({}), a type that cannot be a mirror source",
                    eni.id, inst.id, inst.instance_type
                ),
            );
        }
        let subnet = topo.subnet(eni.subnet);
        // A VPC with no IPv4 block at all is refused already.
        let vpc_has_v4 = topo
            .vpc(subnet.vpc)
            .cidr_blocks
            .iter()
            .any(|c| c.addr().is_ipv4());
        if subnet.is_ipv6_only() && vpc_has_v4 {
            refuse(
                p,
                ErrorCode::NetworkInterfaceNotSupported,
                format!("{} is in {}, an IPv6-only subnet", eni.id, subnet.id),
            );
        }
    }
}

fn same_org(topo: &Topology, a: AccountIdx, b: AccountIdx) -> bool {
    match (&topo.account(a).organization, &topo.account(b).organization) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// TGT-02: whether `account` may use `target`, and if not, why.
fn target_usable(topo: &Topology, target: TargetIdx, account: AccountIdx) -> Result<(), String> {
    let t = topo.target(target);
    if t.owner == account {
        return Ok(());
    }
    let org = topo.account(account).organization.as_deref();
    let mut pending = None;
    for sh in topo
        .resource_shares
        .iter()
        .filter(|s| s.targets.contains(&target))
    {
        let to_account = sh.principals.iter().any(|pr| match pr {
            Principal::Account(a) => *a == account,
            Principal::Organization(o) => Some(o.as_str()) == org,
        });
        if !to_account {
            continue;
        }
        // Within one organisation a share needs no acceptance.
        if sh.accepted || same_org(topo, sh.owner, account) {
            return Ok(());
        }
        pending = Some(sh.id.clone());
    }
    Err(match pending {
        Some(share) => format!(
            "{} is shared with {} by {share}, but across organisations the invitation must be accepted",
            t.id,
            topo.account(account).id
        ),
        None => format!(
            "{} belongs to {} and is not shared with {}",
            t.id,
            topo.account(t.owner).id,
            topo.account(account).id
        ),
    })
}

/// SES-07, TGT-02, CON-05: accounts may use only what they own or what is
/// shared with them.
fn check_access(topo: &Topology, p: &mut Problems) {
    for inst in &topo.instances {
        let subnet = topo.subnet(inst.subnet);
        let vpc = topo.vpc(subnet.vpc);
        if inst.owner != vpc.owner && !subnet.shared_with.contains(&inst.owner) {
            p.error(
                &id_anchor(&inst.id),
                ErrorCode::UnauthorizedOperation,
                &inst.id,
                "owner",
                format!(
                    "{} belongs to {} and is not shared with {}",
                    subnet.id,
                    topo.account(vpc.owner).id,
                    topo.account(inst.owner).id
                ),
            );
        }
    }
    for s in &topo.sessions {
        let a = id_anchor(&s.id);
        let eni = topo.eni(s.source);
        let subnet = topo.subnet(eni.subnet);
        let shared_vpc = !subnet.shared_with.is_empty();
        if s.owner != eni.owner {
            let why = if shared_vpc && s.owner == topo.vpc(subnet.vpc).owner {
                format!(
                    "{} belongs to participant {} of shared {}: the VPC owner cannot manage its sessions",
                    eni.id,
                    topo.account(eni.owner).id,
                    subnet.id
                )
            } else {
                format!(
                    "{} belongs to {}; only its owner can mirror it",
                    eni.id,
                    topo.account(eni.owner).id
                )
            };
            p.error(&a, ErrorCode::UnauthorizedOperation, &s.id, "owner", why);
        }
        if let Err(why) = target_usable(topo, s.target, s.owner) {
            let t = topo.target(s.target);
            let target_subnet = topo
                .target_eni(s.target)
                .map(|e| topo.subnet(topo.eni(e).subnet));
            let in_shared_vpc = target_subnet.is_some_and(|ts| ts.vpc == subnet.vpc && shared_vpc);
            let help = if in_shared_vpc {
                "in a shared VPC, participants cannot use the owner's targets (or the owner theirs) unless shared with RAM"
            } else {
                "share the target with a RAM resource share, accepted by the receiving account"
            };
            p.push(
                a.clone(),
                Diagnostic::error(
                    ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                    &s.id,
                    "traffic_mirror_target_id",
                    why,
                )
                .with_help(help),
            );
            let _ = t;
        }
        let f = topo.filter(s.filter);
        if f.owner != s.owner {
            p.error(
                &a,
                ErrorCode::InvalidTrafficMirrorFilterIdNotFound,
                &s.id,
                "traffic_mirror_filter_id",
                format!(
                    "{} belongs to {}; filters cannot be shared",
                    f.id,
                    topo.account(f.owner).id
                ),
            );
        }
    }
}

/// SES-11 and TGT-12.
fn check_quotas(topo: &Topology, p: &mut Problems) {
    let mut sessions: BTreeMap<AccountIdx, Vec<&str>> = BTreeMap::new();
    for s in &topo.sessions {
        sessions.entry(s.owner).or_default().push(&s.id);
    }
    let mut targets: BTreeMap<AccountIdx, Vec<&str>> = BTreeMap::new();
    for t in &topo.targets {
        targets.entry(t.owner).or_default().push(&t.id);
    }
    let mut filters: BTreeMap<AccountIdx, Vec<&str>> = BTreeMap::new();
    for f in &topo.filters {
        filters.entry(f.owner).or_default().push(&f.id);
    }
    for (map, code, what) in [
        (
            &sessions,
            ErrorCode::TrafficMirrorSessionLimitExceeded,
            "sessions",
        ),
        (
            &targets,
            ErrorCode::TrafficMirrorTargetLimitExceeded,
            "targets",
        ),
        (
            &filters,
            ErrorCode::TrafficMirrorFilterLimitExceeded,
            "filters",
        ),
    ] {
        for (acct, ids) in map {
            if ids.len() > MAX_PER_ACCOUNT {
                let first_over = ids[MAX_PER_ACCOUNT];
                p.error(
                    &id_anchor(first_over),
                    code,
                    first_over,
                    "id",
                    format!(
                        "account {} has {} traffic mirror {what}; the quota is {MAX_PER_ACCOUNT}",
                        topo.account(*acct).id,
                        ids.len()
                    ),
                );
            }
        }
    }
    // TGT-12: distinct sources per ENI target.
    let mut sources: BTreeMap<TargetIdx, BTreeSet<topology::EniIdx>> = BTreeMap::new();
    let mut first_over: BTreeMap<TargetIdx, SessionIdx> = BTreeMap::new();
    for (i, s) in topo.sessions.iter().enumerate() {
        let Some(eni) = topo.target_eni(s.target) else {
            continue;
        };
        let set = sources.entry(s.target).or_default();
        set.insert(s.source);
        let max = topo.instance_of(eni).map_or(10, |inst| {
            instance_types::max_sources_per_target(&inst.instance_type)
        });
        if set.len() > max {
            first_over.entry(s.target).or_insert(SessionIdx(i as u32));
        }
    }
    for (t, s) in first_over {
        let s = topo.session(s);
        let eni = topo.target_eni(t).expect("ENI target");
        let itype = topo
            .instance_of(eni)
            .map_or("an unknown type".to_string(), |i| i.instance_type.clone());
        p.push(
            id_anchor(&s.id),
            Diagnostic::error(
                ErrorCode::TrafficMirrorSourcesPerTargetLimitExceeded,
                &s.id,
                "traffic_mirror_target_id",
                format!(
                    "{} has {} sources; a target on {itype} takes {}",
                    topo.target(t).id,
                    sources[&t].len(),
                    topo.instance_of(eni)
                        .map_or(10, |i| instance_types::max_sources_per_target(&i.instance_type))
                ),
            )
            .with_help("put the appliances behind a Network Load Balancer, or use a type that takes 100 sources"),
        );
    }
}

/// Valid in AWS, probably not meant.
fn warn(_file: &ScenarioFile, topo: &Topology, p: &mut Problems) {
    let used: BTreeSet<_> = topo.sessions.iter().map(|s| s.filter).collect();
    for f in used {
        let filter = topo.filter(f);
        // FLT-02: a direction with no rules mirrors nothing that way. An
        // inbound-only (or outbound-only) filter is normal, as the guide's
        // own examples are; a filter with no rule at all is not.
        if filter.ingress_filter_rules.is_empty() && filter.egress_filter_rules.is_empty() {
            p.push(
                id_anchor(&filter.id),
                Diagnostic::warning(
                    ErrorCode::MissingParameter,
                    &filter.id,
                    "ingress_filter_rules",
                    format!(
                        "no rules in either direction: its sessions mirror nothing{}",
                        if filter.amazon_dns {
                            " but Amazon DNS"
                        } else {
                            ""
                        }
                    ),
                ),
            );
        }
    }
    // SEC-01: an appliance declared with no group is in its VPC's default
    // group, which admits copies only from sources in that group too: said
    // once per appliance that some session's source is not in.
    let mut warned = std::collections::BTreeSet::new();
    for s in &topo.sessions {
        let appliances: Vec<topology::EniIdx> = match topo.target(s.target).resource {
            topology::TargetResource::NetworkInterface(e) => vec![e],
            topology::TargetResource::NetworkLoadBalancer(n) => {
                topo.network_load_balancers[n.index()].targets.clone()
            }
            topology::TargetResource::GatewayLoadBalancerEndpoint(_) => Vec::new(),
        };
        let src = topo.eni(s.source);
        for e in appliances {
            let eni = topo.eni(e);
            let member =
                src.implicit_default_group && topo.vpc_of(s.source).id == topo.vpc_of(e).id;
            if eni.implicit_default_group && !member && warned.insert(e) {
                p.push(
                    id_anchor(&eni.id),
                    Diagnostic::warning(
                        ErrorCode::DefaultSecurityGroup,
                        &eni.id,
                        "security_groups",
                        format!(
                            "{} declares no security group, so it is in {}'s default group, which admits only that group's members: {}'s copies are dropped",
                            eni.id,
                            topo.vpc_of(e).id,
                            src.id
                        ),
                    ),
                );
            }
        }
    }
    for s in &topo.sessions {
        // A session's copies are lost on the way: said at its target field.
        let mut unreachable = |message: String, help: String| {
            p.push(
                id_anchor(&s.id),
                Diagnostic::warning(
                    ErrorCode::UnreachableTarget,
                    &s.id,
                    "traffic_mirror_target_id",
                    message,
                )
                .with_help(help),
            );
        };
        // TGT-05: AWS accepts a Network Load Balancer target without a UDP
        // 4789 listener, and every copy is lost without a word.
        if let topology::TargetResource::NetworkLoadBalancer(n) = topo.target(s.target).resource
            && !topo.network_load_balancers[n.index()].udp_4789_listener
        {
            unreachable(
                format!(
                    "{} has no UDP listener on 4789: its copies are dropped silently",
                    topo.network_load_balancers[n.index()].id
                ),
                "add Listener(protocol: Udp, port: 4789)".into(),
            );
        }
        // LB-06: every node the copies may enter by, as the run decides.
        let paths = topo.copy_paths(s.source, s.target);
        let several = paths.len() > 1;
        // TGT-04 (corrected): behind an NLB, each appliance's own ACL and
        // security groups, from the source's IP (said once per appliance).
        let mut warned = Vec::new();
        for (node, reach) in paths {
            for (appliance, leg) in topo.appliance_legs(s.source, s.target, node, &reach) {
                let Some(stop) = leg.stop else { continue };
                if warned.contains(&appliance) {
                    continue;
                }
                warned.push(appliance);
                unreachable(
                    format!(
                        "copies the load balancer sends to {} are dropped: {} at {}: {}",
                        topo.eni(appliance).id,
                        stop.reason.code(),
                        stop.resource,
                        stop.detail
                    ),
                    "an NLB's UDP target group keeps the source's IP: admit udp 4789 from the mirror sources in the appliance's security group and subnet ACL".into(),
                );
            }
            let Some(stop) = reach.stop else { continue };
            let through = match topo.target(s.target).resource {
                topology::model::TargetResource::NetworkLoadBalancer(n) if several => format!(
                    "the copies the node in {} gets",
                    topo.network_load_balancers[n.index()].nodes[node].availability_zone
                ),
                _ => "its copies".to_string(),
            };
            unreachable(
                format!(
                    "{through} never arrive: {} at {}: {}",
                    stop.reason.code(),
                    stop.resource,
                    stop.detail
                ),
                stop.hint
                    .unwrap_or_else(|| "`sim check` shows the path hop by hop".into()),
            );
        }
    }
}

/// MTU-04: a source whose MTU plus 54 exceeds its standalone target's: its
/// full-size packets arrive truncated. Said when the scenario's traffic at
/// that source can be that large, or when no traffic crosses it (then the
/// configuration alone is judged); not when every packet it carries fits.
pub fn warn_mtu(topo: &Topology, flows: &[FlowPlan], p: &mut Problems) {
    // Per ENI, the largest packet of the flows it carries that send within
    // the run (one starting at its end sends nothing), in one pass over the
    // flows: None when it carries none.
    let mut largest_at: Vec<Option<u32>> = vec![None; topo.enis.len()];
    for f in flows.iter().filter(|f| f.start_ns < f.end_ns) {
        let size = largest_packet(f);
        let mut ends = [f.from_eni, f.to_eni];
        if ends[0] == ends[1] {
            ends[1] = None;
        }
        for e in ends.into_iter().flatten() {
            let at = &mut largest_at[e.index()];
            *at = Some(at.map_or(size, |l| l.max(size)));
        }
    }
    for s in &topo.sessions {
        let Some(target) = topo.target_eni(s.target) else {
            continue;
        };
        let (src, dst) = (topo.eni(s.source), topo.eni(target));
        let limit = u32::from(dst.mtu).saturating_sub(GUIDE_OVERHEAD_V4);
        let carried = largest_at[s.source.index()].is_some();
        let largest = largest_at[s.source.index()].unwrap_or(0);
        if u32::from(src.mtu) > limit
            && s.packet_length.is_none_or(|n| u32::from(n) > limit + 14)
            && (!carried || largest > limit)
        {
            p.push(
                id_anchor(&s.id),
                Diagnostic::warning(
                    ErrorCode::MtuMismatch,
                    &s.id,
                    "traffic_mirror_target_id",
                    format!(
                        "{} has MTU {} and {} MTU {}: packets over {limit} bytes arrive truncated",
                        src.id, src.mtu, dst.id, dst.mtu
                    ),
                )
                .with_help(format!(
                    "set the source's MTU to {limit} (54 below the target's), or raise the target's"
                )),
            );
        }
    }
}

/// The largest IP packet a flow can send.
fn largest_packet(f: &FlowPlan) -> u32 {
    match &f.replay {
        Some(r) => r
            .packets
            .iter()
            .map(|p| u32::from(p.size))
            .max()
            .unwrap_or(0),
        None => u32::from(f.sizes.bounds().1),
    }
}
