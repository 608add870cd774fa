//! The outcome of a packet at a source ENI: exactly one per offered packet
//! and source (MET-02), each with a reason code.
//!
//! Codes are stable snake_case names shown in reports and documented in
//! `docs/report-format.md`; renaming one is a schema change.

use topology::reach::Blocked;
use topology::services::NeverMirrored;

/// Why no session mirrored a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NotMirroredReason {
    /// SRC-03: a type AWS never mirrors.
    NeverMirrored(NeverMirrored),
    /// BW-02: the packet itself exceeded the instance's budget and was
    /// dropped (production traffic alone was over it).
    ProductionDropped,
    /// SRC-05: the source subnet's network ACL dropped the inbound packet.
    SourceNetworkAcl,
    /// SRC-05: the source's security groups dropped the inbound packet.
    SourceSecurityGroup,
    /// FLT-06: Amazon DNS traffic, and no session's filter enables the
    /// `amazon-dns` network service.
    AmazonDnsNotEnabled,
    /// The first session with a matching rule rejected it (SES-02).
    FilterReject,
    /// Sessions had rules for the direction; none matched (SES-02).
    NoRuleMatched,
    /// No session's filter has a rule for the direction (FLT-02).
    NoRulesForDirection,
    /// TGT-13: the session accepted it, but its target, shared by another
    /// account, was deleted by its owner: the session is inactive.
    SessionInactive,
    /// BW-03: the packet's own flow asked more than the per-flow limit (5
    /// Gbps; 10 within a cluster placement group): production traffic lost
    /// where it leaves, before any mirroring.
    ProductionFlowLimit,
    /// SES-13: the resource the session's target points at is deleted: no
    /// copy is made and nothing is spent until the session is modified.
    TargetDeleted,
}

/// Why an accepted packet's copy was not sent by the source instance
/// (CloudWatch `NetworkSkipMirror*`; produced once budgets are modelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// The instance's bandwidth budget was spent on production traffic.
    Bandwidth,
    /// The instance's packets-per-second budget was spent.
    Pps,
    /// The outer flow exceeded the per-flow limit.
    PerFlow,
}

/// Why a sent copy did not reach an appliance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DropReason {
    /// The path to the target stops (CON-*, TGT-04): no route, a peering or
    /// transit gateway that does not carry it, or the target's network ACL
    /// or security group.
    Unreachable(Blocked),
    /// The target's load balancer has no UDP 4789 listener (produced once
    /// load balancers are modelled).
    NoUdp4789Listener,
    /// No registered appliance the node may send to (none in its zone with
    /// cross-zone off, none in an enabled zone with it on). With targets
    /// there but none healthy, the load balancer fails open (LB-02).
    NoHealthyTarget,
    LbCapacity,
    TargetBandwidth,
    TargetPps,
    /// LB-01, TGT-06: the appliance is down (or deleted) when the copy
    /// reaches it: a load balancer that has not yet noticed, a flow kept on
    /// it (LB-03), or fail-open (LB-02) sent it there.
    ApplianceDown,
    /// The node the copies go to is in a zone no longer enabled on the load
    /// balancer (its subnet was removed).
    LbNodeRemoved,
}

/// Every path stop, in code order.
const BLOCKED: [Blocked; 12] = [
    Blocked::NoRoute,
    Blocked::InternetGateway,
    Blocked::PeeringInterRegion,
    Blocked::PeeringNotActive,
    Blocked::PeeringNotTransitive,
    Blocked::TgwNoAttachment,
    Blocked::TgwNoAttachmentInAz,
    Blocked::TgwNotAssociated,
    Blocked::TgwNoRoute,
    Blocked::TgwBlackhole,
    Blocked::TargetNaclDeniesVxlan,
    Blocked::TargetSgDeniesVxlan,
];

/// How a copy reached its appliance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Delivery {
    /// The whole packet.
    Whole,
    /// Cut to the session's packet length (SES-05).
    TruncatedToPacketLength,
    /// Cut to the target's MTU (MTU-01).
    TruncatedToMtu,
}

/// The one outcome of a packet at a source ENI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    NotMirrored(NotMirroredReason),
    Skipped(SkipReason),
    Dropped(DropReason),
    Delivered(Delivery),
}

/// The four outcome words of the behaviour catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    NotMirrored,
    Skipped,
    Dropped,
    Delivered,
}

impl Category {
    pub fn code(self) -> &'static str {
        match self {
            Category::NotMirrored => "not_mirrored",
            Category::Skipped => "skipped",
            Category::Dropped => "dropped",
            Category::Delivered => "delivered",
        }
    }
}

use Delivery as D;
use DropReason as R;
use NotMirroredReason as N;
use SkipReason as S;

const NEVER: [NeverMirrored; 5] = [
    NeverMirrored::Arp,
    NeverMirrored::Dhcp,
    NeverMirrored::InstanceMetadata,
    NeverMirrored::TimeSync,
    NeverMirrored::WindowsActivation,
];

const fn all() -> [Outcome; Outcome::COUNT] {
    let mut out = [Outcome::Delivered(D::Whole); Outcome::COUNT];
    let mut i = 0;
    while i < NEVER.len() {
        out[i] = Outcome::NotMirrored(N::NeverMirrored(NEVER[i]));
        i += 1;
    }
    let rest_n = [
        N::ProductionDropped,
        N::SourceNetworkAcl,
        N::SourceSecurityGroup,
        N::AmazonDnsNotEnabled,
        N::FilterReject,
        N::NoRuleMatched,
        N::NoRulesForDirection,
        N::SessionInactive,
        N::TargetDeleted,
        N::ProductionFlowLimit,
    ];
    let mut k = 0;
    while k < rest_n.len() {
        out[i] = Outcome::NotMirrored(rest_n[k]);
        i += 1;
        k += 1;
    }
    let skips = [S::Bandwidth, S::Pps, S::PerFlow];
    k = 0;
    while k < skips.len() {
        out[i] = Outcome::Skipped(skips[k]);
        i += 1;
        k += 1;
    }
    k = 0;
    while k < BLOCKED.len() {
        out[i] = Outcome::Dropped(R::Unreachable(BLOCKED[k]));
        i += 1;
        k += 1;
    }
    let drops = [
        R::NoUdp4789Listener,
        R::NoHealthyTarget,
        R::LbCapacity,
        R::TargetBandwidth,
        R::TargetPps,
        R::ApplianceDown,
        R::LbNodeRemoved,
    ];
    k = 0;
    while k < drops.len() {
        out[i] = Outcome::Dropped(drops[k]);
        i += 1;
        k += 1;
    }
    let delivered = [D::Whole, D::TruncatedToPacketLength, D::TruncatedToMtu];
    k = 0;
    while k < delivered.len() {
        out[i] = Outcome::Delivered(delivered[k]);
        i += 1;
        k += 1;
    }
    out
}

impl Outcome {
    /// Number of distinct outcomes (the length of a counter table).
    pub const COUNT: usize = 5 + 10 + 3 + 12 + 7 + 3;

    /// Every outcome, in report order; `index` is the position here.
    pub const ALL: [Outcome; Outcome::COUNT] = all();

    /// Position in [`Outcome::ALL`], for flat counter tables.
    #[inline]
    pub fn index(self) -> usize {
        match self {
            Outcome::NotMirrored(N::NeverMirrored(k)) => k as usize,
            Outcome::NotMirrored(N::ProductionDropped) => 5,
            Outcome::NotMirrored(N::SourceNetworkAcl) => 6,
            Outcome::NotMirrored(N::SourceSecurityGroup) => 7,
            Outcome::NotMirrored(N::AmazonDnsNotEnabled) => 8,
            Outcome::NotMirrored(N::FilterReject) => 9,
            Outcome::NotMirrored(N::NoRuleMatched) => 10,
            Outcome::NotMirrored(N::NoRulesForDirection) => 11,
            Outcome::NotMirrored(N::SessionInactive) => 12,
            Outcome::NotMirrored(N::TargetDeleted) => 13,
            Outcome::NotMirrored(N::ProductionFlowLimit) => 14,
            Outcome::Skipped(r) => 15 + r as usize,
            Outcome::Dropped(R::Unreachable(b)) => 18 + b as usize,
            Outcome::Dropped(R::NoUdp4789Listener) => 30,
            Outcome::Dropped(R::NoHealthyTarget) => 31,
            Outcome::Dropped(R::LbCapacity) => 32,
            Outcome::Dropped(R::TargetBandwidth) => 33,
            Outcome::Dropped(R::TargetPps) => 34,
            Outcome::Dropped(R::ApplianceDown) => 35,
            Outcome::Dropped(R::LbNodeRemoved) => 36,
            Outcome::Delivered(d) => 37 + d as usize,
        }
    }

    pub fn category(self) -> Category {
        match self {
            Outcome::NotMirrored(_) => Category::NotMirrored,
            Outcome::Skipped(_) => Category::Skipped,
            Outcome::Dropped(_) => Category::Dropped,
            Outcome::Delivered(_) => Category::Delivered,
        }
    }

    /// The reason code, stable snake_case.
    pub fn reason(self) -> &'static str {
        match self {
            Outcome::NotMirrored(N::NeverMirrored(k)) => match k {
                NeverMirrored::Arp => "never_mirrored_arp",
                NeverMirrored::Dhcp => "never_mirrored_dhcp",
                NeverMirrored::InstanceMetadata => "never_mirrored_instance_metadata",
                NeverMirrored::TimeSync => "never_mirrored_time_sync",
                NeverMirrored::WindowsActivation => "never_mirrored_windows_activation",
            },
            Outcome::NotMirrored(N::ProductionDropped) => "production_dropped",
            Outcome::NotMirrored(N::SourceNetworkAcl) => "dropped_by_source_nacl",
            Outcome::NotMirrored(N::SourceSecurityGroup) => "dropped_by_source_sg",
            Outcome::NotMirrored(N::AmazonDnsNotEnabled) => "amazon_dns_not_enabled",
            Outcome::NotMirrored(N::FilterReject) => "filter_reject",
            Outcome::NotMirrored(N::NoRuleMatched) => "no_rule_matched",
            Outcome::NotMirrored(N::NoRulesForDirection) => "no_rules_for_direction",
            Outcome::NotMirrored(N::SessionInactive) => "session_inactive",
            Outcome::NotMirrored(N::TargetDeleted) => "target_deleted",
            Outcome::NotMirrored(N::ProductionFlowLimit) => "production_flow_limit",
            Outcome::Skipped(S::Bandwidth) => "bandwidth",
            Outcome::Skipped(S::Pps) => "pps",
            Outcome::Skipped(S::PerFlow) => "per_flow",
            Outcome::Dropped(r) => match r {
                R::Unreachable(b) => b.code(),
                R::NoUdp4789Listener => "no_udp_4789_listener",
                R::NoHealthyTarget => "no_healthy_target",
                R::LbCapacity => "lb_capacity",
                R::TargetBandwidth => "target_bandwidth",
                R::TargetPps => "target_pps",
                R::ApplianceDown => "appliance_down",
                R::LbNodeRemoved => "lb_node_removed",
            },
            Outcome::Delivered(D::Whole) => "whole",
            Outcome::Delivered(D::TruncatedToPacketLength) => "truncated_packet_length",
            Outcome::Delivered(D::TruncatedToMtu) => "truncated_mtu",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_are_positions_in_all() {
        for (i, o) in Outcome::ALL.iter().enumerate() {
            assert_eq!(o.index(), i, "{o:?}");
        }
    }
}
