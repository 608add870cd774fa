//! How copies reach appliances: the one place for the three kinds of
//! target (TGT-01), an ENI, a Network Load Balancer and a Gateway Load
//! Balancer endpoint.
//!
//! - [`Via`] and [`CopyPlan`] (in [`crate::copy_plan`]): the kind of a
//!   target, and what follows from it: framing, overhead, jitter, order.
//! - [`route`]: for one outer flow, decided once: the entry node, the path
//!   to it and its latency, the appliances eligible, the one chosen
//!   (TGT-05..08, LB-06). The run caches its answer per flow; `sim explain`
//!   asks the same function and shows its [`CopyRoute`].
//! - The receive budget of an appliance is charged in the pipeline on
//!   arrival, for every kind alike.

use topology::model::{FlowStickiness, TargetFailover};
use topology::reach::Blocked;
use topology::{EniIdx, FlowKey, TargetIdx, Topology};

use crate::copy_plan::CopyPlan;
pub use crate::copy_plan::Via;
use crate::lb;
use crate::outcome::DropReason;
use crate::world::World;

/// What a load balancer looked like to one outer flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LbView {
    /// The zone of the node the copies enter by (NLB), or of the endpoint
    /// (GWLB).
    pub node_zone: String,
    /// NLB: the source's zone has no node, so the node was picked by the
    /// flow's hash.
    pub by_flow_hash: bool,
    /// The node's zone is still enabled (TGT-07).
    pub zone_enabled: bool,
    pub cross_zone: bool,
    /// NLB: a UDP 4789 listener exists (TGT-05).
    pub listener: bool,
    /// Appliances in the node's scope, those of them healthy as the health
    /// checks last judged, and those registered.
    pub in_scope: usize,
    pub healthy: usize,
    pub registered: usize,
    /// LB-02: none in scope was healthy, so the flow was placed among all.
    pub fail_open: bool,
    /// LB-03: a GWLB kept the flow on the appliance it had, healthy or not.
    pub kept: bool,
    /// LB-04: what the flow is kept on an appliance by.
    pub stickiness: &'static str,
    /// The chosen appliance's own state (down ones receive nothing).
    pub appliance_state: Option<&'static str>,
}

/// Where one outer flow's copies go, decided once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyRoute {
    /// The load balancer node (index into its nodes) for NLB targets; 0
    /// otherwise.
    pub node: usize,
    /// Where the path to the node, endpoint or target stops, if it does.
    pub blocked: Option<Blocked>,
    /// The appliance chosen, or why there is none: behind a Network Load
    /// Balancer this includes the last leg's ACL and security groups
    /// (TGT-04). The appliance may still be down when the copy arrives.
    pub appliance: Result<EniIdx, DropReason>,
    /// The appliance the load balancer placed the flow on, even when the
    /// last leg then drops its copies (for stickiness, LB-03).
    pub placed: Option<EniIdx>,
    /// One-way latency before jitter: the path's, the load balancer's,
    /// and a zone crossing from the node to the appliance.
    pub latency_ns: u64,
    /// The legs of the copies' way that cross zones: [`CROSS_TO_ENTRY`]
    /// (source to target, node or endpoint), [`CROSS_TO_APPLIANCE`]
    /// (load balancer to appliance). Each is billed as data transfer.
    pub cross_zones: u8,
    /// The load balancer as this flow saw it (none for ENI targets).
    pub lb: Option<LbView>,
}

/// [`CopyRoute::cross_zones`]: the leg from the source crosses zones.
pub const CROSS_TO_ENTRY: u8 = 1;
/// [`CopyRoute::cross_zones`]: the leg from the load balancer crosses zones.
pub const CROSS_TO_APPLIANCE: u8 = 2;

/// The hash a load balancer places an outer flow by (LB-04): an NLB by its
/// 5-tuple (source, destination, the symmetric source port of PKT-04,
/// 4789, UDP); a GWLB by the 5-tuple, 3-tuple or 2-tuple it is set to.
pub fn outer_flow_hash(
    topo: &Topology,
    source: EniIdx,
    target: TargetIdx,
    key: &FlowKey,
    stickiness: FlowStickiness,
) -> u64 {
    let src_ip = topo.eni(source).private_ip;
    let dest_ip = topo.hashed_destination(source, target);
    match stickiness {
        FlowStickiness::FiveTuple => {
            let port = topology::packet::outer_source_port(key);
            crate::rng::component_id(&format!("{src_ip}>{dest_ip}:{port}"))
        }
        FlowStickiness::ThreeTuple => crate::rng::component_id(&format!("{src_ip}>{dest_ip}/17")),
        FlowStickiness::TwoTuple => crate::rng::component_id(&format!("{src_ip}>{dest_ip}")),
    }
}

fn stickiness_name(s: FlowStickiness) -> &'static str {
    match s {
        FlowStickiness::FiveTuple => "5-tuple",
        FlowStickiness::ThreeTuple => "3-tuple",
        FlowStickiness::TwoTuple => "2-tuple",
    }
}

/// The route of an outer flow's copies under `plan`, as the world stands.
/// `prior` is the appliance the flow was on, when it is an existing flow
/// of this target (LB-03: stickiness). With `view`, also what the load
/// balancer looked like (`sim explain`; the run does not need it).
pub fn route(
    world: &World,
    plan: &CopyPlan,
    source: EniIdx,
    key: &FlowKey,
    cross_az_ns: u64,
    prior: Option<EniIdx>,
    view: bool,
) -> CopyRoute {
    let topo = world.topology();
    let zone_of = |e: EniIdx| topo.subnet(topo.eni(e).subnet).availability_zone.as_str();
    let mut kept = false;
    let (node, choice, from_zone, state, targets, stickiness) = match plan.via {
        Via::Eni(e) => (
            0,
            Ok(lb::Choice {
                appliance: e,
                fail_open: false,
            }),
            zone_of(e).to_string(),
            None,
            &[][..],
            FlowStickiness::FiveTuple,
        ),
        Via::Nlb(n) => {
            let nlb = &topo.network_load_balancers[n.index()];
            let state = world.nlb(n);
            let hash = outer_flow_hash(topo, source, plan.target, key, FlowStickiness::FiveTuple);
            let node = topo.nlb_node(n, source, hash);
            let zone = nlb.nodes[node].availability_zone.clone();
            let choice = if state.listener {
                lb::choose(topo, &zone, &nlb.targets, state, hash, prior)
            } else {
                Err(DropReason::NoUdp4789Listener)
            };
            (
                node,
                choice,
                zone,
                Some(state),
                &nlb.targets[..],
                FlowStickiness::FiveTuple,
            )
        }
        Via::Gwlb(v, g) => {
            let gw = &topo.gateway_load_balancers[g.index()];
            let state = world.gwlb(g);
            let zone = topo
                .subnet(topo.gwlb_endpoints[v.index()].subnet)
                .availability_zone
                .clone();
            let hash = outer_flow_hash(topo, source, plan.target, key, gw.stickiness);
            // LB-03: with no_rebalance an existing flow stays on its
            // appliance even once it is unhealthy or deregistered.
            let choice = match prior {
                Some(p)
                    if gw.failover == TargetFailover::NoRebalance && gw.targets.contains(&p) =>
                {
                    kept = true;
                    Ok(lb::Choice {
                        appliance: p,
                        fail_open: false,
                    })
                }
                _ => lb::choose(topo, &zone, &gw.targets, state, hash, prior),
            };
            (0, choice, zone, Some(state), &gw.targets[..], gw.stickiness)
        }
    };
    let path = plan.path(node);
    let placed = choice.ok().map(|c| c.appliance);
    // TGT-04 (corrected): behind a Network Load Balancer, the appliance's
    // own subnet ACL and security groups judge the copy, from the source.
    let appliance = choice.map(|c| c.appliance).and_then(|e| {
        let leg = targets
            .iter()
            .position(|&t| t == e)
            .and_then(|pos| path.appliances.get(pos).copied().flatten());
        match leg {
            Some(b) => Err(DropReason::Unreachable(b)),
            None => Ok(e),
        }
    });
    let lb_crosses = placed.is_some_and(|e| plan.via.load_balanced() && zone_of(e) != from_zone);
    let cross = if lb_crosses { cross_az_ns } else { 0 };
    let cross_zones = if path.crosses_zones {
        CROSS_TO_ENTRY
    } else {
        0
    } | if lb_crosses { CROSS_TO_APPLIANCE } else { 0 };
    let lb = state.filter(|_| view).map(|state| {
        let scope: Vec<(EniIdx, bool)> = lb::scope(topo, &from_zone, targets, state).collect();
        LbView {
            zone_enabled: state.zones.contains(&from_zone),
            node_zone: from_zone.clone(),
            by_flow_hash: matches!(plan.via, Via::Nlb(n) if topo.nlb_entry_nodes(n, source).len() > 1),
            cross_zone: state.cross_zone,
            listener: state.listener,
            in_scope: scope.len(),
            healthy: scope.iter().filter(|(_, ok)| *ok).count(),
            registered: state.registered.iter().filter(|r| **r).count(),
            fail_open: choice.is_ok_and(|c| c.fail_open),
            kept,
            stickiness: stickiness_name(stickiness),
            appliance_state: placed.map(|e| world.appliance_state(e).as_str()),
        }
    });
    CopyRoute {
        node,
        blocked: path.blocked,
        appliance,
        placed,
        latency_ns: path.latency_ns + cross,
        cross_zones,
        lb,
    }
}
