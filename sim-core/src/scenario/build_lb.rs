//! Network and Gateway Load Balancers and Gateway Load Balancer endpoints.

use std::collections::BTreeSet;
use std::net::IpAddr;

use topology::model::{
    ApplianceState, FlowStickiness, GatewayLoadBalancer, GwlbEndpoint, HealthCheck, LbNode,
    NetworkLoadBalancer, TargetFailover,
};
use topology::{Diagnostic, EniIdx, ErrorCode, GwlbIdx, SubnetIdx, Topology, VpcIdx};

use super::context::{Names, Problems, id_anchor};
use super::schema::*;

/// The first free address of a subnet after the four AWS reserves.
fn free_ip(topo: &Topology, subnet: SubnetIdx, taken: &mut BTreeSet<IpAddr>) -> Option<IpAddr> {
    let net = topo.subnet(subnet).cidr_block?;
    let (base, last) = (u32::from(net.network()), u32::from(net.broadcast()));
    let ip = (base.checked_add(4)?..last)
        .map(|a| IpAddr::V4(a.into()))
        .find(|ip| !taken.contains(ip) && topo.eni_by_ip(*ip).is_none())?;
    taken.insert(ip);
    Some(ip)
}

/// One node per subnet, one subnet per zone, all in the balancer's VPC.
fn nodes(
    id: &str,
    vpc: VpcIdx,
    subnets: &[String],
    topo: &Topology,
    names: &Names,
    taken: &mut BTreeSet<IpAddr>,
    p: &mut Problems,
) -> Vec<LbNode> {
    let a = id_anchor(id);
    let mut out: Vec<LbNode> = Vec::new();
    for s in subnets {
        let Some(&si) = names.subnets.get(s) else {
            p.error(
                &a,
                ErrorCode::InvalidSubnetIdNotFound,
                id,
                "subnets",
                format!("no subnet `{s}` is declared"),
            );
            continue;
        };
        let sub = topo.subnet(si);
        if sub.vpc != vpc {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                id,
                "subnets",
                format!("{s} is not in the load balancer's VPC"),
            );
            continue;
        }
        if out
            .iter()
            .any(|n| n.availability_zone == sub.availability_zone)
        {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                id,
                "subnets",
                format!(
                    "two subnets in {}: a load balancer has one per zone",
                    sub.availability_zone
                ),
            );
            continue;
        }
        let Some(ip) = free_ip(topo, si, taken) else {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                id,
                "subnets",
                format!("{s} has no free address for a node"),
            );
            continue;
        };
        out.push(LbNode {
            subnet: si,
            availability_zone: sub.availability_zone.clone(),
            ip,
        });
    }
    if out.is_empty() && !subnets.is_empty() {
        return out;
    }
    if subnets.is_empty() {
        p.error(
            &a,
            ErrorCode::MissingParameter,
            id,
            "subnets",
            "a load balancer needs a subnet in at least one zone",
        );
    }
    out
}

/// Registered targets: instances (their primary ENI) or ENIs, in the VPC.
fn targets(
    id: &str,
    vpc: VpcIdx,
    refs: &[String],
    topo: &Topology,
    names: &Names,
    p: &mut Problems,
) -> Vec<EniIdx> {
    let mut out = Vec::new();
    for r in refs {
        let eni = resolve_target(r, topo, names);
        match eni {
            Some(e) if topo.subnet(topo.eni(e).subnet).vpc == vpc => out.push(e),
            Some(_) => p.error(
                &id_anchor(id),
                ErrorCode::InvalidParameterValue,
                id,
                "targets",
                format!("{r} is not in the load balancer's VPC"),
            ),
            None => p.error(
                &id_anchor(id),
                ErrorCode::InvalidTarget,
                id,
                "targets",
                format!("no instance or ENI `{r}` is declared"),
            ),
        }
    }
    out
}

/// A target in a zone where the load balancer has no node receives no
/// traffic ("If you register targets in an Availability Zone but do not
/// enable the Availability Zone, these registered targets do not receive
/// traffic", ELB user guide): valid, so a warning, ELB's Target.NotInUse.
fn warn_targets_outside_zones(
    id: &str,
    nodes: &[LbNode],
    targets: &[EniIdx],
    topo: &Topology,
    p: &mut Problems,
) {
    for &e in targets {
        let zone = &topo.subnet(topo.eni(e).subnet).availability_zone;
        if !nodes.iter().any(|n| &n.availability_zone == zone) {
            let zones: Vec<&str> = nodes.iter().map(|n| n.availability_zone.as_str()).collect();
            p.push(
                id_anchor(id),
                Diagnostic::warning(
                    ErrorCode::TargetNotInUse,
                    id,
                    "targets",
                    format!(
                        "{} is in {zone}, where {id} has no node (its zones: {}): the appliance never receives a copy",
                        topo.eni(e).id,
                        zones.join(", ")
                    ),
                ),
            );
        }
    }
}

/// LB-01: a target group's health checks, AWS's defaults where the
/// scenario says nothing, within the API's ranges (interval 5-300 s,
/// thresholds 2-10).
fn health_check(
    id: &str,
    spec: Option<HealthCheckSpec>,
    default: HealthCheck,
    p: &mut Problems,
) -> HealthCheck {
    let Some(s) = spec else { return default };
    let a = id_anchor(id);
    let mut hc = default;
    if let Some(i) = s.interval {
        let ns = i.as_nanos();
        if (5_000_000_000..=300_000_000_000).contains(&ns) {
            hc.interval_ns = ns;
        } else {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                id,
                "health_check",
                format!("a health check interval of {i} is outside 5s..=300s"),
            );
        }
    }
    for (value, slot, name) in [
        (s.healthy_threshold, &mut hc.healthy_threshold, "healthy"),
        (
            s.unhealthy_threshold,
            &mut hc.unhealthy_threshold,
            "unhealthy",
        ),
    ] {
        if let Some(n) = value {
            if (2..=10).contains(&n) {
                *slot = n;
            } else {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    id,
                    "health_check",
                    format!("an {name} threshold of {n} is outside 2..=10"),
                );
            }
        }
    }
    hc
}

/// Each registered appliance's state at the start: healthy unless listed.
fn initial_state(
    id: &str,
    targets: &[EniIdx],
    listed: &[TargetHealthSpec],
    topo: &Topology,
    names: &Names,
    p: &mut Problems,
) -> Vec<ApplianceState> {
    let mut out = vec![ApplianceState::Healthy; targets.len()];
    for t in listed {
        let eni = resolve_target(&t.target, topo, names);
        match eni.and_then(|e| targets.iter().position(|&x| x == e)) {
            Some(pos) => {
                out[pos] = match t.state {
                    ApplianceStateSpec::Healthy => ApplianceState::Healthy,
                    ApplianceStateSpec::Down => ApplianceState::Down,
                    ApplianceStateSpec::FailsHealthCheck => ApplianceState::FailsHealthCheck,
                }
            }
            None => p.error(
                &id_anchor(id),
                ErrorCode::InvalidTarget,
                id,
                "target_health",
                format!("{} is not a registered target of {id}", t.target),
            ),
        }
    }
    out
}

/// An instance id (its primary ENI) or an ENI id.
pub(super) fn resolve_target(r: &str, topo: &Topology, names: &Names) -> Option<EniIdx> {
    names.enis.get(r).copied().or_else(|| {
        let i = topo.instances.iter().position(|i| i.id == r)?;
        topo.enis
            .iter()
            .position(|e| e.instance.map(|x| x.index()) == Some(i))
            .map(|e| EniIdx(e as u32))
    })
}

pub fn build(file: &ScenarioFile, topo: &mut Topology, names: &mut Names, p: &mut Problems) {
    let mut taken = BTreeSet::new();
    for n in &file.network_load_balancers {
        let Some(&vpc) = names.vpcs.get(&n.vpc_id) else {
            names.poisoned.insert(n.id.clone());
            p.error(
                &id_anchor(&n.id),
                ErrorCode::InvalidVpcIdNotFound,
                &n.id,
                "vpc_id",
                format!("no VPC `{}` is declared", n.vpc_id),
            );
            continue;
        };
        let owner = names.owner(&n.owner, topo.vpc(vpc).owner, &n.id, p);
        let nodes = nodes(&n.id, vpc, &n.subnets, topo, names, &mut taken, p);
        let targets = targets(&n.id, vpc, &n.targets, topo, names, p);
        if nodes.is_empty() {
            names.poisoned.insert(n.id.clone());
            continue;
        }
        // TGT-05: a UDP listener on 4789 carries mirrored traffic.
        let udp_4789_listener = n.listeners.iter().any(|l| {
            l.port == 4789 && matches!(l.protocol, ListenerProtocol::Udp | ListenerProtocol::TcpUdp)
        });
        warn_targets_outside_zones(&n.id, &nodes, &targets, topo, p);
        let health_check = health_check(&n.id, n.health_check, HealthCheck::NLB_DEFAULT, p);
        let initial_state = initial_state(&n.id, &targets, &n.target_health, topo, names, p);
        topo.network_load_balancers.push(NetworkLoadBalancer {
            id: n.id.clone(),
            owner,
            vpc,
            nodes,
            cross_zone: n.cross_zone,
            udp_4789_listener,
            targets,
            health_check,
            initial_state,
        });
    }
    for g in &file.gateway_load_balancers {
        let Some(&vpc) = names.vpcs.get(&g.vpc_id) else {
            names.poisoned.insert(g.id.clone());
            p.error(
                &id_anchor(&g.id),
                ErrorCode::InvalidVpcIdNotFound,
                &g.id,
                "vpc_id",
                format!("no VPC `{}` is declared", g.vpc_id),
            );
            continue;
        };
        let owner = names.owner(&g.owner, topo.vpc(vpc).owner, &g.id, p);
        let nodes = nodes(&g.id, vpc, &g.subnets, topo, names, &mut taken, p);
        let targets = targets(&g.id, vpc, &g.targets, topo, names, p);
        if nodes.is_empty() {
            names.poisoned.insert(g.id.clone());
            continue;
        }
        warn_targets_outside_zones(&g.id, &nodes, &targets, topo, p);
        let health_check = health_check(&g.id, g.health_check, HealthCheck::GWLB_DEFAULT, p);
        let initial_state = initial_state(&g.id, &targets, &g.target_health, topo, names, p);
        topo.gateway_load_balancers.push(GatewayLoadBalancer {
            id: g.id.clone(),
            owner,
            vpc,
            nodes,
            cross_zone: g.cross_zone,
            targets,
            health_check,
            initial_state,
            stickiness: match g.flow_stickiness {
                FlowStickinessSpec::FiveTuple => FlowStickiness::FiveTuple,
                FlowStickinessSpec::ThreeTuple => FlowStickiness::ThreeTuple,
                FlowStickinessSpec::TwoTuple => FlowStickiness::TwoTuple,
            },
            failover: match g.target_failover {
                TargetFailoverSpec::NoRebalance => TargetFailover::NoRebalance,
                TargetFailoverSpec::Rebalance => TargetFailover::Rebalance,
            },
        });
    }
    for e in &file.gateway_load_balancer_endpoints {
        let a = id_anchor(&e.id);
        if names.poisoned.contains(&e.gateway_load_balancer) {
            names.poisoned.insert(e.id.clone());
            continue;
        }
        let Some(g) = super::context::load_balancer_named(
            topo.gateway_load_balancers.iter().map(|g| g.id.as_str()),
            &e.gateway_load_balancer,
        ) else {
            names.poisoned.insert(e.id.clone());
            p.error(
                &a,
                ErrorCode::LoadBalancerNotFound,
                &e.id,
                "gateway_load_balancer",
                format!(
                    "no Gateway Load Balancer `{}` is declared",
                    e.gateway_load_balancer
                ),
            );
            continue;
        };
        let Some(&subnet) = names.subnets.get(&e.subnet_id) else {
            names.poisoned.insert(e.id.clone());
            p.error(
                &a,
                ErrorCode::InvalidSubnetIdNotFound,
                &e.id,
                "subnet_id",
                format!("no subnet `{}` is declared", e.subnet_id),
            );
            continue;
        };
        let zone = &topo.subnet(subnet).availability_zone;
        // The endpoint's zone must be one of the load balancer's.
        if !topo.gateway_load_balancers[g]
            .nodes
            .iter()
            .any(|n| &n.availability_zone == zone)
        {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &e.id,
                "subnet_id",
                format!(
                    "{} is in {zone}, where {} has no node",
                    e.subnet_id, e.gateway_load_balancer
                ),
            );
        }
        let ip = match e.private_ip {
            Some(ip) => ip,
            None => match free_ip(topo, subnet, &mut taken) {
                Some(ip) => ip,
                None => {
                    p.error(
                        &a,
                        ErrorCode::InvalidParameterValue,
                        &e.id,
                        "subnet_id",
                        "the subnet has no free address",
                    );
                    continue;
                }
            },
        };
        let owner = names.owner(&e.owner, topo.vpc(topo.subnet(subnet).vpc).owner, &e.id, p);
        topo.gwlb_endpoints.push(GwlbEndpoint {
            id: e.id.clone(),
            owner,
            subnet,
            ip,
            gateway_load_balancer: GwlbIdx(g as u32),
        });
    }
}
