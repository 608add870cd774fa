//! Changes at given simulated times: API calls and events a scenario
//! makes while it runs.

use topology::{EniIdx, FilterIdx, FilterRule, GwlbIdx, NlbIdx, SessionIdx, TargetIdx};

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
    /// A load balancer's target (by position in its target list) turns
    /// healthy or unhealthy.
    SetHealth {
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

/// A change and its simulated time, in nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEvent {
    pub at_ns: u64,
    pub action: Action,
}
