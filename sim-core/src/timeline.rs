//! Changes at given simulated times: API calls and events a scenario
//! makes while it runs.

use topology::model::ApplianceState;
use topology::{EniIdx, FilterIdx, FilterRule, GwlbIdx, NlbIdx, SessionIdx, TargetIdx, Topology};

use crate::time::Instant;
use crate::units::Rate;

/// A load balancer, of either kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LbRef {
    Nlb(NlbIdx),
    Gwlb(GwlbIdx),
}

/// A change, resolved against the topology.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `DeleteTrafficMirrorSession`: the session mirrors nothing from then.
    DeleteSession(SessionIdx),
    /// `DeleteTrafficMirrorFilter`, of a filter no session uses any more.
    DeleteFilter(FilterIdx),
    /// `DeleteTrafficMirrorTarget`, of a target no session uses any more.
    DeleteTarget(TargetIdx),
    /// An ENI is deleted (SES-09, SES-10).
    DeleteEni(EniIdx),
    /// `ModifyTrafficMirrorSession`.
    ModifySession {
        session: SessionIdx,
        target: Option<TargetIdx>,
        filter: Option<FilterIdx>,
        packet_length: Option<u16>,
        virtual_network_id: Option<u32>,
    },
    /// A filter's rules are replaced (FLT-09), sorted by rule number.
    ReplaceRules {
        filter: FilterIdx,
        ingress: Vec<FilterRule>,
        egress: Vec<FilterRule>,
    },
    /// An appliance changes state (TGT-06 corrected): down, failing its
    /// health check, or healthy again. Load balancers notice later.
    SetApplianceState {
        eni: EniIdx,
        state: ApplianceState,
    },
    /// LB-01: a load balancer's health checks decide that a target (by
    /// position in its target list) is healthy or unhealthy. Derived by
    /// the loader from the appliance's states and the health checks.
    HealthVerdict {
        lb: LbRef,
        target: usize,
        healthy: bool,
    },
    CrossZone {
        lb: LbRef,
        on: bool,
    },
    /// The load balancer's enabled zones become exactly these (TGT-07).
    SetZones {
        lb: LbRef,
        zones: Vec<String>,
    },
    /// The Network Load Balancer loses its UDP 4789 listener (TGT-05).
    DeleteListener(NlbIdx),
    /// A node leaves DNS (TGT-08: mirroring keeps using it).
    NodeOutOfDns {
        nlb: NlbIdx,
        zone: String,
    },
    /// Flows (by index) change their rate.
    SetFlowRate {
        flows: Vec<u32>,
        rate: Rate,
    },
}

/// A change and its simulated time.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEvent {
    pub at: Instant,
    pub action: Action,
}

impl LbRef {
    pub fn id(self, topo: &Topology) -> &str {
        match self {
            LbRef::Nlb(n) => &topo.network_load_balancers[n.index()].id,
            LbRef::Gwlb(g) => &topo.gateway_load_balancers[g.index()].id,
        }
    }
}

impl Action {
    /// The change as the API call or event that makes it, with the
    /// resource's id (`ModifyTrafficMirrorSession tms-1`).
    pub fn describe(&self, topo: &Topology) -> String {
        match self {
            Action::DeleteSession(s) => {
                format!("DeleteTrafficMirrorSession {}", topo.session(*s).id)
            }
            Action::DeleteFilter(f) => format!("DeleteTrafficMirrorFilter {}", topo.filter(*f).id),
            Action::DeleteTarget(t) => format!("DeleteTrafficMirrorTarget {}", topo.target(*t).id),
            Action::DeleteEni(e) => format!("DeleteNetworkInterface {}", topo.eni(*e).id),
            Action::ModifySession { session, .. } => {
                format!("ModifyTrafficMirrorSession {}", topo.session(*session).id)
            }
            Action::ReplaceRules { filter, .. } => format!(
                "ReplaceTrafficMirrorFilterRules {}",
                topo.filter(*filter).id
            ),
            Action::SetApplianceState { eni, state } => {
                format!("SetApplianceState {} {}", topo.eni(*eni).id, state.as_str())
            }
            Action::HealthVerdict {
                lb,
                target,
                healthy,
            } => {
                let (targets, hc) = match lb {
                    LbRef::Nlb(n) => {
                        let n = &topo.network_load_balancers[n.index()];
                        (&n.targets, n.health_check)
                    }
                    LbRef::Gwlb(g) => {
                        let g = &topo.gateway_load_balancers[g.index()];
                        (&g.targets, g.health_check)
                    }
                };
                let (word, n) = if *healthy {
                    ("healthy", hc.healthy_threshold)
                } else {
                    ("unhealthy", hc.unhealthy_threshold)
                };
                format!(
                    "HealthCheck {} {} {word} ({n} checks {} apart)",
                    lb.id(topo),
                    topo.eni(targets[*target]).id,
                    crate::time::Instant(hc.interval_ns)
                )
            }
            Action::CrossZone { lb, on } => format!(
                "ModifyLoadBalancerAttributes {} cross-zone {}",
                lb.id(topo),
                if *on { "on" } else { "off" }
            ),
            Action::SetZones { lb, zones } => {
                format!("SetSubnets {} {}", lb.id(topo), zones.join(","))
            }
            Action::DeleteListener(n) => format!(
                "DeleteListener {} udp 4789",
                topo.network_load_balancers[n.index()].id
            ),
            Action::NodeOutOfDns { nlb, zone } => format!(
                "RemoveNodeFromDns {} {zone}",
                topo.network_load_balancers[nlb.index()].id
            ),
            Action::SetFlowRate { rate, .. } => format!("SetFlowRate {rate}"),
        }
    }
}
