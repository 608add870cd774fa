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

use topology::reach::Blocked;
use topology::{EniIdx, FlowKey, TargetIdx, Topology};

use crate::copy_plan::CopyPlan;
pub use crate::copy_plan::Via;
use crate::lb;
use crate::outcome::DropReason;
use crate::world::{LbState, World};

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
    /// Appliances the node may send to, and those registered.
    pub eligible: usize,
    pub registered: usize,
}

/// Where one outer flow's copies go, decided once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyRoute {
    /// The load balancer node (index into its nodes) for NLB targets; 0
    /// otherwise.
    pub node: usize,
    /// Where the path to the node, endpoint or target stops, if it does.
    pub blocked: Option<Blocked>,
    /// The appliance chosen, or why there is none.
    pub appliance: Result<EniIdx, DropReason>,
    /// One-way latency before jitter: the path's, the load balancer's,
    /// and a zone crossing from the node to the appliance.
    pub latency_ns: u64,
    /// The load balancer as this flow saw it (none for ENI targets).
    pub lb: Option<LbView>,
}

/// The hash a load balancer places an outer flow by: its source, its
/// destination and the symmetric source port (PKT-04, LB-04).
pub fn outer_flow_hash(topo: &Topology, source: EniIdx, target: TargetIdx, key: &FlowKey) -> u64 {
    let src_ip = topo.eni(source).private_ip;
    let dest_ip = topo.hashed_destination(source, target);
    let port = topology::packet::outer_source_port(key);
    crate::rng::component_id(&format!("{src_ip}>{dest_ip}:{port}"))
}

/// The route of an outer flow's copies under `plan`, as the world stands;
/// with `view`, also what the load balancer looked like (`sim explain`;
/// the run does not need it).
pub fn route(
    world: &World,
    plan: &CopyPlan,
    source: EniIdx,
    key: &FlowKey,
    cross_az_ns: u64,
    view: bool,
) -> CopyRoute {
    let topo = world.topology();
    let hash = outer_flow_hash(topo, source, plan.target, key);
    let zone_of = |e: EniIdx| topo.subnet(topo.eni(e).subnet).availability_zone.as_str();
    let view = |zone: &str, by_flow_hash, state: &LbState, targets: &[EniIdx]| {
        view.then(|| LbView {
            node_zone: zone.to_string(),
            by_flow_hash,
            zone_enabled: state.zones.iter().any(|z| z == zone),
            cross_zone: state.cross_zone,
            listener: state.listener,
            eligible: lb::eligible(topo, zone, targets, state).count(),
            registered: targets.len(),
        })
    };
    let (node, appliance, from_zone, lb) = match plan.via {
        Via::Eni(e) => (0, Ok(e), zone_of(e).to_string(), None),
        Via::Nlb(n) => {
            let nlb = &topo.network_load_balancers[n.index()];
            let state = world.nlb(n);
            let node = topo.nlb_node(n, source, hash);
            let zone = nlb.nodes[node].availability_zone.clone();
            let by_hash = topo.nlb_entry_nodes(n, source).len() > 1;
            let choice = if state.listener {
                lb::choose(topo, &zone, &nlb.targets, state, hash)
            } else {
                Err(DropReason::NoUdp4789Listener)
            };
            let v = view(&zone, by_hash, state, &nlb.targets);
            (node, choice, zone, v)
        }
        Via::Gwlb(v, g) => {
            let gw = &topo.gateway_load_balancers[g.index()];
            let state = world.gwlb(g);
            let zone = topo
                .subnet(topo.gwlb_endpoints[v.index()].subnet)
                .availability_zone
                .clone();
            let choice = lb::choose(topo, &zone, &gw.targets, state, hash);
            let v = view(&zone, false, state, &gw.targets);
            (0, choice, zone, v)
        }
    };
    let path = plan.path(node);
    let cross = match appliance {
        Ok(e) if plan.via.load_balanced() && zone_of(e) != from_zone => cross_az_ns,
        _ => 0,
    };
    CopyRoute {
        node,
        blocked: path.blocked,
        appliance,
        latency_ns: path.latency_ns + cross,
        lb,
    }
}
