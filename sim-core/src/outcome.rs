//! The outcome of a packet at a source ENI: exactly one per offered packet
//! and source (MET-02), each with a reason code.
//!
//! Codes are stable snake_case names shown in reports and documented in
//! `docs/report-format.md`; renaming one is a schema change.

use topology::services::NeverMirrored;

/// Why no session mirrored a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NotMirroredReason {
    /// SRC-03: a type AWS never mirrors.
    NeverMirrored(NeverMirrored),
    /// FLT-06: Amazon DNS traffic, and no session's filter enables the
    /// `amazon-dns` network service.
    AmazonDnsNotEnabled,
    /// The first session with a matching rule rejected it (SES-02).
    FilterReject,
    /// Sessions had rules for the direction; none matched (SES-02).
    NoRuleMatched,
    /// No session's filter has a rule for the direction (FLT-02).
    NoRulesForDirection,
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

/// Why a sent copy did not reach an appliance (produced once routing,
/// security groups and load balancers are modelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DropReason {
    NoRoute,
    TargetSecurityGroup,
    TargetNetworkAcl,
    NoUdp4789Listener,
    NoHealthyTarget,
    LbCapacity,
    TargetBandwidth,
    TargetPps,
    TargetDeleted,
}

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

impl Outcome {
    /// Every outcome, in report order; `index` is the position here.
    pub const ALL: [Outcome; 24] = [
        Outcome::NotMirrored(N::NeverMirrored(NeverMirrored::Arp)),
        Outcome::NotMirrored(N::NeverMirrored(NeverMirrored::Dhcp)),
        Outcome::NotMirrored(N::NeverMirrored(NeverMirrored::InstanceMetadata)),
        Outcome::NotMirrored(N::NeverMirrored(NeverMirrored::TimeSync)),
        Outcome::NotMirrored(N::NeverMirrored(NeverMirrored::WindowsActivation)),
        Outcome::NotMirrored(N::AmazonDnsNotEnabled),
        Outcome::NotMirrored(N::FilterReject),
        Outcome::NotMirrored(N::NoRuleMatched),
        Outcome::NotMirrored(N::NoRulesForDirection),
        Outcome::Skipped(S::Bandwidth),
        Outcome::Skipped(S::Pps),
        Outcome::Skipped(S::PerFlow),
        Outcome::Dropped(R::NoRoute),
        Outcome::Dropped(R::TargetSecurityGroup),
        Outcome::Dropped(R::TargetNetworkAcl),
        Outcome::Dropped(R::NoUdp4789Listener),
        Outcome::Dropped(R::NoHealthyTarget),
        Outcome::Dropped(R::LbCapacity),
        Outcome::Dropped(R::TargetBandwidth),
        Outcome::Dropped(R::TargetPps),
        Outcome::Dropped(R::TargetDeleted),
        Outcome::Delivered(D::Whole),
        Outcome::Delivered(D::TruncatedToPacketLength),
        Outcome::Delivered(D::TruncatedToMtu),
    ];

    /// Number of distinct outcomes (the length of a counter table).
    pub const COUNT: usize = Self::ALL.len();

    /// Position in [`Outcome::ALL`], for flat counter tables.
    #[inline]
    pub fn index(self) -> usize {
        match self {
            Outcome::NotMirrored(N::NeverMirrored(k)) => match k {
                NeverMirrored::Arp => 0,
                NeverMirrored::Dhcp => 1,
                NeverMirrored::InstanceMetadata => 2,
                NeverMirrored::TimeSync => 3,
                NeverMirrored::WindowsActivation => 4,
            },
            Outcome::NotMirrored(N::AmazonDnsNotEnabled) => 5,
            Outcome::NotMirrored(N::FilterReject) => 6,
            Outcome::NotMirrored(N::NoRuleMatched) => 7,
            Outcome::NotMirrored(N::NoRulesForDirection) => 8,
            Outcome::Skipped(S::Bandwidth) => 9,
            Outcome::Skipped(S::Pps) => 10,
            Outcome::Skipped(S::PerFlow) => 11,
            Outcome::Dropped(r) => 12 + r as usize,
            Outcome::Delivered(d) => 21 + d as usize,
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
            Outcome::NotMirrored(N::AmazonDnsNotEnabled) => "amazon_dns_not_enabled",
            Outcome::NotMirrored(N::FilterReject) => "filter_reject",
            Outcome::NotMirrored(N::NoRuleMatched) => "no_rule_matched",
            Outcome::NotMirrored(N::NoRulesForDirection) => "no_rules_for_direction",
            Outcome::Skipped(S::Bandwidth) => "bandwidth",
            Outcome::Skipped(S::Pps) => "pps",
            Outcome::Skipped(S::PerFlow) => "per_flow",
            Outcome::Dropped(r) => match r {
                R::NoRoute => "no_route",
                R::TargetSecurityGroup => "target_sg",
                R::TargetNetworkAcl => "target_nacl",
                R::NoUdp4789Listener => "no_udp_4789_listener",
                R::NoHealthyTarget => "no_healthy_target",
                R::LbCapacity => "lb_capacity",
                R::TargetBandwidth => "target_bandwidth",
                R::TargetPps => "target_pps",
                R::TargetDeleted => "target_deleted",
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
