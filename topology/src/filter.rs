//! Traffic mirror filters: ordered rules that answer accept, reject or no
//! match for one packet.

use ipnet::IpNet;

use crate::packet::{Direction, FlowKey, L3};

/// `TrafficMirrorRuleAction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleAction {
    Accept,
    Reject,
}

impl RuleAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleAction::Accept => "accept",
            RuleAction::Reject => "reject",
        }
    }
}

/// An inclusive port range (`FromPort`..=`ToPort`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub from_port: u16,
    pub to_port: u16,
}

impl PortRange {
    pub fn contains(&self, port: u16) -> bool {
        self.from_port <= port && port <= self.to_port
    }
}

/// One rule of a filter (FLT-04).
#[derive(Clone, Debug, PartialEq)]
pub struct FilterRule {
    /// `tmfr-` id.
    pub id: String,
    pub rule_number: u16,
    pub rule_action: RuleAction,
    /// IANA protocol number; `None` matches every protocol.
    pub protocol: Option<u8>,
    pub source_port_range: Option<PortRange>,
    pub destination_port_range: Option<PortRange>,
    pub source_cidr_block: IpNet,
    pub destination_cidr_block: IpNet,
    pub description: Option<String>,
}

impl FilterRule {
    /// Whether this rule matches the packet.
    ///
    /// FLT-05: an IPv4 rule never matches IPv6 traffic and vice versa
    /// (`IpNet::contains` is false across families). FLT-04: ports are
    /// compared only for TCP and UDP, the only protocols a rule with port
    /// ranges can name. ARP is not IP, so no rule matches it.
    pub fn matches(&self, packet: &FlowKey) -> bool {
        if packet.l3 != L3::Ip {
            return false;
        }
        if let Some(p) = self.protocol
            && p != packet.protocol
        {
            return false;
        }
        if !self.source_cidr_block.contains(&packet.src)
            || !self.destination_cidr_block.contains(&packet.dst)
        {
            return false;
        }
        if let Some(r) = self.source_port_range
            && !(packet.has_ports() && r.contains(packet.src_port))
        {
            return false;
        }
        if let Some(r) = self.destination_port_range
            && !(packet.has_ports() && r.contains(packet.dst_port))
        {
            return false;
        }
        true
    }
}

/// What a filter says about one packet in one direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterVerdict {
    /// The rule at this position of the direction's rule list accepted it.
    Accept(usize),
    /// The rule at this position rejected it.
    Reject(usize),
    /// The direction has rules, none of which matched.
    NoRuleMatched,
    /// The filter has no rules for this direction (FLT-02).
    NoRulesForDirection,
}

/// A traffic mirror filter.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficMirrorFilter {
    /// `tmf-` id.
    pub id: String,
    pub owner: crate::ids::AccountIdx,
    pub description: Option<String>,
    /// Ingress rules, sorted by ascending rule number.
    pub ingress_filter_rules: Vec<FilterRule>,
    /// Egress rules, sorted by ascending rule number.
    pub egress_filter_rules: Vec<FilterRule>,
    /// The `amazon-dns` network service (FLT-06).
    pub amazon_dns: bool,
}

impl TrafficMirrorFilter {
    /// The rules of one direction, in evaluation order.
    pub fn rules(&self, direction: Direction) -> &[FilterRule] {
        match direction {
            Direction::Ingress => &self.ingress_filter_rules,
            Direction::Egress => &self.egress_filter_rules,
        }
    }

    /// Sorts each direction's rules by rule number; the model keeps them so.
    pub fn sort_rules(&mut self) {
        self.ingress_filter_rules.sort_by_key(|r| r.rule_number);
        self.egress_filter_rules.sort_by_key(|r| r.rule_number);
    }

    /// FLT-01: rules are tried from the lowest rule number up and the first
    /// that matches decides. FLT-02: no rules for a direction, nothing
    /// mirrored in that direction. FLT-03: only the rules of the packet's
    /// direction at the source ENI are consulted.
    pub fn evaluate(&self, direction: Direction, packet: &FlowKey) -> FilterVerdict {
        self.evaluate_traced(direction, packet, &mut |_, _| {})
    }

    /// [`TrafficMirrorFilter::evaluate`], telling `tried` each rule it
    /// tried (its position) and whether it matched.
    #[inline]
    pub fn evaluate_traced(
        &self,
        direction: Direction,
        packet: &FlowKey,
        tried: &mut dyn FnMut(usize, bool),
    ) -> FilterVerdict {
        let rules = self.rules(direction);
        if rules.is_empty() {
            return FilterVerdict::NoRulesForDirection;
        }
        for (i, rule) in rules.iter().enumerate() {
            let matched = rule.matches(packet);
            tried(i, matched);
            if matched {
                return match rule.rule_action {
                    RuleAction::Accept => FilterVerdict::Accept(i),
                    RuleAction::Reject => FilterVerdict::Reject(i),
                };
            }
        }
        FilterVerdict::NoRuleMatched
    }
}
